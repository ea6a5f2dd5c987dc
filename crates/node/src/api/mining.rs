//! Block production over the API (what a miner process calls): `MinerGetBaseInfo`,
//! `MinerCreateBlock` (signed with the worker key in the node's wallet) and
//! `SyncSubmitBlock` (messages looked up by CID in the store or the pool).

use super::gas::blocking;
use super::state::tipset_of;
use super::state::{ah, chain, err};
use super::NodeState;
use cid::Cid;
use padma_api::mining::{
    BlockMsgJson, BlockTemplateJson, MinerCreateBlock, MinerGetBaseInfo, MiningBaseInfoJson,
};
use padma_api::sync::SyncSubmitBlock;
use padma_chain::messages::put_block_messages;
use padma_chain::mining_json::{base_info_json, block_msg_json, template_from_json};
use padma_chain::network::now_ms;
use padma_chain::{BlockError, FullBlock};
use padma_net::handle::Topic;
use padma_net::wire::gossip::BlockMsg;
use padma_rpc::{CallCtx, MethodTable, RpcError};
use padma_types::block::BlockHeader;
use padma_types::json::block::TipSetKeyJson;
use padma_types::json::AddressJson;

use std::sync::Arc;

type S = Arc<NodeState>;

/// How far past the current epoch (by the clock) or the base a `MinerGetBaseInfo` round
/// may be; later rounds cannot be mined yet and would only make the node work.
const MAX_ROUNDS_AHEAD: i64 = 900;

/// Registers the block production methods and `SyncSubmitBlock`.
pub(super) fn register(t: &mut MethodTable<NodeState>) {
    t.add_offloaded(MinerGetBaseInfo, miner_get_base_info);
    t.add_offloaded(MinerCreateBlock, miner_create_block);
    t.add_offloaded(SyncSubmitBlock, sync_submit_block);
}

/// `MinerGetBaseInfo [miner, epoch, TipSetKey]` → MiningBaseInfo, or `null` when the
/// miner has nothing to prove at that epoch.
async fn miner_get_base_info(
    s: S,
    _c: CallCtx,
    (miner, round, key): (AddressJson, i64, TipSetKeyJson),
) -> Result<Option<MiningBaseInfoJson>, RpcError> {
    let miner = miner.0;
    let base = tipset_of(&s, &key)?;
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
    Ok(info.as_ref().map(base_info_json))
}

/// `MinerCreateBlock [BlockTemplate]` → BlockMsg: the block built on the template's
/// parents and signed with the miner's worker key from the node's wallet. Its messages
/// are stored, so `SyncSubmitBlock` finds them by CID.
async fn miner_create_block(
    s: S,
    _c: CallCtx,
    (t,): (BlockTemplateJson,),
) -> Result<BlockMsgJson, RpcError> {
    let t = template_from_json(t).map_err(RpcError::invalid_params)?;
    let block = blocking(move || {
        let sm = chain(&s)?.sm();
        sm.create_block(&t, |a, d| s.wallet.sign(a, d))
            .map_err(|e| err(format!("creating block: {e:#}")))
    })
    .await?;
    Ok(block_msg_json(&block))
}

/// `SyncSubmitBlock [BlockMsg]`: validates the block (its messages looked up by CID in
/// the store or the pool) and accepts it; an invalid block is an error with the reason.
async fn sync_submit_block(s: S, _c: CallCtx, (b,): (BlockMsgJson,)) -> Result<(), RpcError> {
    let header = BlockHeader::try_from(b.header).map_err(RpcError::invalid_params)?;
    let bls_cids: Vec<Cid> = b.bls_messages.into_iter().map(|c| c.0).collect();
    let secp_cids: Vec<Cid> = b.secpk_messages.into_iter().map(|c| c.0).collect();
    let gossip = BlockMsg {
        header: header.clone(),
        bls_messages: bls_cids.clone(),
        secpk_messages: secp_cids.clone(),
    };
    let net = s.net.clone();
    blocking(move || {
        let ch = chain(&s)?;
        if header.parents.is_empty() {
            return Err(err("loading parent block: the block has no parents"));
        }
        let found = ch
            .svc
            .find_block_messages(&bls_cids, &secp_cids)
            .map_err(ah)?;
        if let Some(c) = found.missing(&bls_cids, &secp_cids).first() {
            let kind = if bls_cids.contains(c) { "bls" } else { "secpk" };
            return Err(err(format!(
                "failed to load {kind} messages: message {c} not found"
            )));
        }
        let (bls, secp) = found
            .complete()
            .ok_or_else(|| err("failed to load messages"))?;
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
    // Accepted here: tell the network (Lotus publishes a submitted block likewise).
    if let Some(net) = net {
        if let Err(e) = net.publish(Topic::Blocks, gossip.encode()).await {
            tracing::warn!("publishing block {}: {e:#}", gossip.header.cid());
        }
    }
    Ok(())
}
