//! CIDs of Filecoin chain objects: CIDv1, DAG-CBOR codec, blake2b-256 multihash.

use ::cid::multihash::Multihash;
pub use ::cid::Cid;

/// Multicodec code of DAG-CBOR.
pub const DAG_CBOR: u64 = 0x71;
/// Multihash code of blake2b-256.
pub const BLAKE2B_256: u64 = 0xb220;

/// The blake2b-256 digest of `data`.
pub fn blake2b_256(data: &[u8]) -> [u8; 32] {
    let hash = blake2b_simd::Params::new().hash_length(32).hash(data);
    let mut out = [0u8; 32];
    out.copy_from_slice(hash.as_bytes());
    out
}

/// The CID of a DAG-CBOR encoded object, as Filecoin computes it.
pub fn cbor_cid(encoded: &[u8]) -> Cid {
    let digest = blake2b_256(encoded);
    let mh = Multihash::wrap(BLAKE2B_256, &digest).expect("32-byte digest fits a multihash");
    Cid::new_v1(DAG_CBOR, mh)
}
