//! Block production over the API (what a miner process calls): `MinerGetBaseInfo`,
//! `MinerCreateBlock` (signed with the worker key in the node's wallet) and
//! `SyncSubmitBlock` (messages looked up by CID in the store or the pool).

use super::gas::blocking;
use super::state::{ah, chain, err, tipset_param};
use super::NodeState;
use cid::Cid;
use fvm_ipld_blockstore::Blockstore;
use padma_chain::messages::put_block_messages;
use padma_chain::mining_json::{BlockMsgJson, BlockTemplateJson, MiningBaseInfoJson};
use padma_chain::network::now_ms;
use padma_chain::produce::BlockTemplate;
use padma_chain::{BlockError, FullBlock};
use padma_rpc::method::{to_value, CallResult};
use padma_rpc::{CallCtx, Params, RpcError};
use padma_types::block::BlockHeader;
use padma_types::json::AddressJson;
use padma_types::message::{decode_message, decode_signed_message, message_cid};
use padma_types::{Message, SignedMessage};
use serde_json::Value;
use std::sync::Arc;

/// How far past the current epoch (by the clock) or the base a `MinerGetBaseInfo` round
/// may be; later rounds cannot be mined yet and would only make the node work.
const MAX_ROUNDS_AHEAD: i64 = 900;

/// `MinerGetBaseInfo [miner, epoch, TipSetKey]` → MiningBaseInfo, or `null` when the
/// miner has nothing to prove at that epoch.
pub async fn miner_get_base_info(s: Arc<NodeState>, _c: CallCtx, p: Params) -> CallResult {
    let miner = p.get::<AddressJson>(0)?.0;
    let round: i64 = p.get(1)?;
    let base = tipset_param(&s, &p, 2)?;
    let sm = chain(&s)?.sm();
    let now = sm.params().epoch_at(sm.genesis().timestamp, now_ms());
    let latest = now.max(base.height()).saturating_add(MAX_ROUNDS_AHEAD);
    if round > latest {
        return Err(RpcError::invalid_params(format!(
            "round {round} is in the future: the current epoch is {now} (at most {latest} accepted)"
        )));
    }
    let info = blocking(move || {
        chain(&s)?
            .sm()
            .miner_base_info(&miner, round, &base)
            .map_err(|e| err(format!("failed to get mining base info: {e:#}")))
    })
    .await?;
    match info {
        Some(i) => to_value(MiningBaseInfoJson::from(&i)),
        None => Ok(Value::Null),
    }
}

/// `MinerCreateBlock [BlockTemplate]` → BlockMsg: the block built on the template's
/// parents and signed with the miner's worker key from the node's wallet. Its messages
/// are stored, so `SyncSubmitBlock` finds them by CID.
pub async fn miner_create_block(s: Arc<NodeState>, _c: CallCtx, p: Params) -> CallResult {
    let t: BlockTemplateJson = p.get(0)?;
    let t = BlockTemplate::try_from(t).map_err(RpcError::invalid_params)?;
    let block = blocking(move || {
        let sm = chain(&s)?.sm();
        sm.create_block(&t, |a, d| s.wallet.sign(a, d))
            .map_err(|e| err(format!("creating block: {e:#}")))
    })
    .await?;
    to_value(BlockMsgJson::from(&block))
}

/// A message by CID from the store, else from the pool.
fn find<T>(
    s: &NodeState,
    c: &Cid,
    decode: impl Fn(&[u8]) -> Result<T, String>,
    in_pool: impl Fn(&SignedMessage) -> Option<T>,
) -> Result<T, RpcError> {
    if let Some(bytes) = s.store.get(c).map_err(ah)? {
        return decode(&bytes).map_err(|e| err(format!("message {c}: {e}")));
    }
    chain(s)?
        .svc
        .mpool()
        .pending()
        .iter()
        .find_map(in_pool)
        .ok_or_else(|| err(format!("message {c} not found")))
}

/// `SyncSubmitBlock [BlockMsg]`: validates the block (its messages looked up by CID in
/// the store or the pool) and accepts it; an invalid block is an error with the reason.
pub async fn sync_submit_block(s: Arc<NodeState>, _c: CallCtx, p: Params) -> CallResult {
    let b: BlockMsgJson = p.get(0)?;
    let header = BlockHeader::try_from(b.header).map_err(RpcError::invalid_params)?;
    let bls_cids: Vec<Cid> = b.bls_messages.into_iter().map(|c| c.0).collect();
    let secp_cids: Vec<Cid> = b.secpk_messages.into_iter().map(|c| c.0).collect();
    blocking(move || {
        let ch = chain(&s)?;
        if header.parents.is_empty() {
            return Err(err("loading parent block: the block has no parents"));
        }
        let bls = bls_cids
            .iter()
            .map(|c| {
                find(&s, c, decode_message, |m| {
                    (message_cid(&m.message) == *c).then(|| m.message.clone())
                })
            })
            .collect::<Result<Vec<Message>, _>>()
            .map_err(|e| err(format!("failed to load bls messages: {}", e.message)))?;
        let secp = secp_cids
            .iter()
            .map(|c| {
                find(&s, c, decode_signed_message, |m| {
                    (m.cid() == *c).then(|| m.clone())
                })
            })
            .collect::<Result<Vec<SignedMessage>, _>>()
            .map_err(|e| err(format!("failed to load secpk message: {}", e.message)))?;
        let meta = put_block_messages(s.store.as_ref(), &bls, &secp).map_err(ah)?;
        if meta != header.messages {
            return Err(err(format!(
                "provided messages did not match block: messages CID {meta} != {}",
                header.messages
            )));
        }
        let block = FullBlock {
            header,
            bls_messages: bls,
            secp_messages: secp,
        };
        match ch.svc.submit_block(block, now_ms()) {
            Ok(_) => Ok(()),
            Err(e @ (BlockError::Invalid(_) | BlockError::Temporary(_))) => {
                Err(err(format!("sync to submitted block failed: {e}")))
            }
        }
    })
    .await?;
    Ok(Value::Null)
}
