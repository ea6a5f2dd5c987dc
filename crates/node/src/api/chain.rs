//! `Chain*` methods: genesis, head, block headers and raw IPLD objects.

use super::state::{chain, err};
use super::NodeState;
use fvm_ipld_blockstore::Blockstore;
use padma_rpc::method::{to_value, CallResult};
use padma_rpc::{CallCtx, Params, RpcError};
use padma_types::block_json::{BlockHeaderJson, TipSetJson};
use padma_types::json::{bytes_b64, BytesJson, CidJson};
use serde::Deserialize;
use std::sync::Arc;

/// `ChainGetGenesis`: the genesis tipset.
pub async fn chain_get_genesis(s: Arc<NodeState>, _c: CallCtx, _p: Params) -> CallResult {
    to_value(TipSetJson::from(&chain(&s)?.genesis_tipset()))
}

/// `ChainHead`: the head tipset.
pub async fn chain_head(s: Arc<NodeState>, _c: CallCtx, _p: Params) -> CallResult {
    to_value(TipSetJson::from(&chain(&s)?.head()))
}

/// `ChainGetBlock`: a block header by CID.
pub async fn chain_get_block(s: Arc<NodeState>, _c: CallCtx, p: Params) -> CallResult {
    let c: CidJson = p.get(0)?;
    let h = super::chainstore::load_header(&s.store, &c.0)
        .map_err(|e| err(format!("get block {}: {e:#}", c.0)))?;
    to_value(BlockHeaderJson::from(&h))
}

/// `ChainReadObj`: the raw bytes of an IPLD block.
pub async fn chain_read_obj(s: Arc<NodeState>, _c: CallCtx, p: Params) -> CallResult {
    let c: CidJson = p.get(0)?;
    match Blockstore::get(&s.store, &c.0).map_err(err)? {
        Some(b) => to_value(BytesJson(b)),
        None => Err(err(format!("blockstore get: ipld: could not find {}", c.0))),
    }
}

/// `ChainHasObj`: whether the blockstore holds a block.
pub async fn chain_has_obj(s: Arc<NodeState>, _c: CallCtx, p: Params) -> CallResult {
    let c: CidJson = p.get(0)?;
    to_value(s.store.has(&c.0).map_err(err)?)
}

/// A block as `ChainPutObj` takes it: its bytes and, optionally, its CID.
#[derive(Deserialize)]
struct BlockParam {
    #[serde(rename = "RawData", alias = "Data", with = "bytes_b64", default)]
    data: Vec<u8>,
    #[serde(rename = "Cid", alias = "CID", default)]
    cid: Option<CidJson>,
}

/// `ChainPutObj`: stores a DAG-CBOR block (its CID, when given, must match the bytes).
pub async fn chain_put_obj(s: Arc<NodeState>, _c: CallCtx, p: Params) -> CallResult {
    let b: BlockParam = p.get(0)?;
    let cid = padma_types::cid::cbor_cid(&b.data);
    if let Some(given) = b.cid {
        if given.0 != cid {
            return Err(RpcError::invalid_params(format!(
                "block CID {} does not match its data (blake2b-256 DAG-CBOR CID {cid})",
                given.0
            )));
        }
    }
    s.store.put_keyed(&cid, &b.data).map_err(err)?;
    Ok(serde_json::Value::Null)
}
