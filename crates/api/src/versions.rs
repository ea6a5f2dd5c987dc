//! API version numbers, as Lotus encodes them (`major << 16 | minor << 8 | patch`).

/// The FullNode v1 API version (2.3.0).
pub const FULL_NODE_V1: u32 = 0x020300;
/// The FullNode v0 API version (1.5.0).
pub const FULL_NODE_V0: u32 = 0x010500;
/// The StorageMiner API version (1.5.0).
pub const STORAGE_MINER: u32 = 0x010500;
