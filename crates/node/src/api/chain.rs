//! `Chain*` methods: genesis, head, block headers and raw IPLD objects; and the
//! typed handlers' way to the tipset or state a tipset key names.

use super::state::{chain, err};
use super::NodeState;
use fvm_ipld_blockstore::Blockstore;
use padma_api::chain::*;
use padma_rpc::{MethodTable, RpcError};
use padma_types::json::block::{BlockHeaderJson, TipSetJson};
use padma_types::json::{BytesJson, CidJson};
use std::sync::Arc;

type S = Arc<NodeState>;

/// Registers the chain methods.
pub(super) fn register(t: &mut MethodTable<NodeState>) {
    t.add(ChainGetGenesis, |s: S, _c, ()| async move {
        Ok(TipSetJson::from(&chain(&s)?.genesis_tipset()))
    });
    t.add(ChainHead, |s: S, _c, ()| async move {
        Ok(TipSetJson::from(&chain(&s)?.head()))
    });
    t.add_offloaded(ChainGetBlock, |s: S, _c, (c,): (CidJson,)| async move {
        let h = super::chainstore::load_header(&s.store, &c.0)
            .map_err(|e| err(format!("get block {}: {e:#}", c.0)))?;
        Ok(BlockHeaderJson::from(&h))
    });
    t.add_offloaded(ChainReadObj, |s: S, _c, (c,): (CidJson,)| async move {
        match Blockstore::get(&s.store, &c.0).map_err(err)? {
            Some(b) => Ok(BytesJson(b)),
            None => Err(err(format!("blockstore get: ipld: could not find {}", c.0))),
        }
    });
    t.add_offloaded(ChainHasObj, |s: S, _c, (c,): (CidJson,)| async move {
        s.store.has(&c.0).map_err(err)
    });
    t.add_offloaded(ChainPutObj, chain_put_obj);
}

/// `ChainPutObj`: stores a DAG-CBOR block (its CID, when given, must match the bytes).
async fn chain_put_obj(s: S, _c: padma_rpc::CallCtx, (b,): (BlockJson,)) -> Result<(), RpcError> {
    let cid = padma_types::cid::cbor_cid(&b.data);
    if let Some(given) = b.cid {
        if given.0 != cid {
            return Err(RpcError::invalid_params(format!(
                "block CID {} does not match its data (blake2b-256 DAG-CBOR CID {cid})",
                given.0
            )));
        }
    }
    s.store.put_keyed(&cid, &b.data).map_err(err)
}
