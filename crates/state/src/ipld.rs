//! IPLD helpers: CBOR objects in a blockstore, and the well-known empty structures.

use anyhow::{anyhow, Result};
use cid::Cid;
use fvm_ipld_blockstore::Blockstore;
use padma_types::cid::cbor_cid;
use serde::de::DeserializeOwned;
use serde::Serialize;

/// Stores `obj` as DAG-CBOR (blake2b-256) and returns its CID.
pub fn put_cbor<T: Serialize>(bs: &impl Blockstore, obj: &T) -> Result<Cid> {
    let bytes = fvm_ipld_encoding::to_vec(obj)?;
    let cid = cbor_cid(&bytes);
    bs.put_keyed(&cid, &bytes)?;
    Ok(cid)
}

/// Loads and decodes the DAG-CBOR object `cid`; a missing block is an error.
pub fn get_cbor<T: DeserializeOwned>(bs: &impl Blockstore, cid: &Cid) -> Result<T> {
    let bytes = bs
        .get(cid)?
        .ok_or_else(|| anyhow!("block {cid} not found"))?;
    fvm_ipld_encoding::from_slice(&bytes).map_err(|e| anyhow!("decoding {cid}: {e}"))
}

/// The CID of the empty CBOR array (`80`), `EMPTY_ARR_CID`: head of fresh actors and
/// the StateRoot's `Info`.
pub fn empty_array_cid() -> Cid {
    cbor_cid(&[0x80])
}

/// Stores the empty CBOR array and returns its CID.
pub fn put_empty_array(bs: &impl Blockstore) -> Result<Cid> {
    let cid = empty_array_cid();
    bs.put_keyed(&cid, &[0x80])?;
    Ok(cid)
}
