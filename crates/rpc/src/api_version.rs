//! API version numbers as Lotus packs them into `Version`'s `APIVersion`
//! (`major << 16 | minor << 8 | patch`), and the versions padma's APIs report.

/// The FullNode v0 API version (1.5.0).
pub const FULL_NODE_V0: u32 = pack(1, 5, 0);
/// The FullNode v1 API version (2.3.0).
pub const FULL_NODE_V1: u32 = pack(2, 3, 0);
/// The StorageMiner API version (1.5.0), as Lotus's miner reports it.
pub const STORAGE_MINER: u32 = pack(1, 5, 0);

/// Packs `major.minor.patch` as Lotus does.
pub const fn pack(major: u8, minor: u8, patch: u8) -> u32 {
    (major as u32) << 16 | (minor as u32) << 8 | patch as u32
}

/// The `(major, minor, patch)` of a packed version (as a JSON number reads).
pub fn unpack(version: u64) -> (u64, u64, u64) {
    (version >> 16, (version >> 8) & 0xff, version & 0xff)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn versions_are_lotus_numbers() {
        assert_eq!(FULL_NODE_V0, 66816);
        assert_eq!(FULL_NODE_V1, 131840);
        assert_eq!(STORAGE_MINER, 0x010500);
        assert_eq!(unpack(0x020300), (2, 3, 0));
        assert_eq!(unpack(66816), (1, 5, 0));
        assert_eq!(unpack(u64::from(pack(7, 255, 1))), (7, 255, 1));
    }
}
