//! `Chain*` methods that read tipsets and messages: tipsets by key and height, a block's
//! and a tipset's messages, parent messages and receipts, paths between tipsets, weights,
//! and `ChainNotify` (head changes as a channel).

use super::chainstore::Chain;
use super::state::{ah, chain, err, tipset_of};
use super::NodeState;
use cid::Cid;
use padma_api::chain_read::*;
use padma_chain::messages::{block_messages, stored_message};
use padma_chain::msg_lookup::load_message;
use padma_chain::{HeadChange, HeadChangeKind};
use padma_rpc::{CallCtx, MethodTable, RpcError};
use padma_state::vm::ChainMessage;
use padma_types::block::{BlockHeader, TipSet, TipSetKey};
use padma_types::json::block::{TipSetJson, TipSetKeyJson};
use padma_types::json::{CidJson, MessageJson, MessageReceiptJson, SignedMessageJson};
use padma_types::message::message_cid;
use padma_types::Message;
use std::sync::Arc;
use tokio::sync::broadcast::error::RecvError;
use tokio::sync::mpsc;

type S = Arc<NodeState>;

/// A message by CID: from the datastore (unsigned or signed, as Lotus's `GetCMessage`),
/// else from the message pool.
pub(crate) fn load_chain_message(s: &NodeState, c: &Cid) -> anyhow::Result<Option<ChainMessage>> {
    match s.chain.as_ref() {
        Some(ch) => load_message(&ch.svc, c),
        None => stored_message(s.store.as_ref(), c),
    }
}

/// The messages a tipset executes, in execution (and receipt) order, with the CIDs the
/// chain knows them by (Lotus `MessagesForTipset`).
pub(crate) fn tipset_messages(ch: &Chain, ts: &TipSet) -> anyhow::Result<Vec<(Cid, Message)>> {
    padma_chain::messages::tipset_messages(ch.sm().store(), ts)
}

/// A head change in Lotus JSON.
fn head_change_json(kind: HeadChangeKind, ts: &TipSet) -> HeadChangeJson {
    HeadChangeJson {
        kind: match kind {
            HeadChangeKind::Current => HeadChangeType::Current,
            HeadChangeKind::Apply => HeadChangeType::Apply,
            HeadChangeKind::Revert => HeadChangeType::Revert,
        },
        tipset: TipSetJson::from(ts),
    }
}

/// A batch of head changes as `ChainNotify` sends it.
fn batch_json(batch: &[HeadChange]) -> Vec<HeadChangeJson> {
    batch
        .iter()
        .map(|c| head_change_json(c.kind, &c.tipset))
        .collect()
}

/// Registers the chain-reading methods.
pub(super) fn register(t: &mut MethodTable<NodeState>) {
    t.add_offloaded(ChainGetTipSet, |s: S, _c, (tsk,): (TipSetKeyJson,)| async move {
        Ok(TipSetJson::from(&tipset_of(&s, &tsk)?))
    });
    t.add_offloaded(
        ChainGetTipSetByHeight,
        |s: S, _c, (epoch, tsk)| async move { tipset_at_height(&s, epoch, &tsk, true) },
    );
    t.add_offloaded(
        ChainGetTipSetAfterHeight,
        |s: S, _c, (epoch, tsk)| async move { tipset_at_height(&s, epoch, &tsk, false) },
    );
    t.add_offloaded(ChainGetBlockMessages, chain_get_block_messages);
    t.add_offloaded(ChainGetParentMessages, chain_get_parent_messages);
    t.add_offloaded(ChainGetParentReceipts, chain_get_parent_receipts);
    t.add_offloaded(ChainGetMessage, chain_get_message);
    t.add_offloaded(ChainGetMessagesInTipset, chain_get_messages_in_tipset);
    t.add_offloaded(ChainGetPath, chain_get_path);
    t.add_offloaded(ChainTipSetWeight, chain_tipset_weight);
    t.add_channel(ChainNotify, chain_notify);
}

fn load_block(s: &NodeState, c: &Cid) -> Result<BlockHeader, RpcError> {
    super::chainstore::load_header(&s.store, c).map_err(|e| err(format!("get block {c}: {e:#}")))
}

/// `ChainGetTipSetByHeight` (`below_null`) and `ChainGetTipSetAfterHeight`: the tipset
/// at `epoch` (`null`: 0) on the chain of `tsk`; a null round gives the tipset below it
/// or the first one after it.
fn tipset_at_height(
    s: &NodeState,
    epoch: Option<i64>,
    tsk: &TipSetKeyJson,
    below_null: bool,
) -> Result<TipSetJson, RpcError> {
    let ts = tipset_of(s, tsk)?;
    let found = chain(s)?
        .store()
        .tipset_at_height(&ts, epoch.unwrap_or(0), below_null)
        .map_err(ah)?;
    Ok(TipSetJson::from(&found))
}

/// `ChainGetBlockMessages [CID]`: a block's BLS and secp messages and their CIDs.
async fn chain_get_block_messages(
    s: S,
    _c: CallCtx,
    (block,): (CidJson,),
) -> Result<BlockMessagesJson, RpcError> {
    let b = load_block(&s, &block.0)?;
    let (bls, secp) = block_messages(s.store.as_ref(), &b.messages).map_err(ah)?;
    let mut cids: Vec<CidJson> = bls.iter().map(|m| CidJson(message_cid(m))).collect();
    cids.extend(secp.iter().map(|m| CidJson(m.cid())));
    Ok(BlockMessagesJson {
        bls_messages: bls.iter().map(MessageJson::from).collect(),
        secpk_messages: secp.iter().map(SignedMessageJson::from).collect(),
        cids,
    })
}

/// Messages with their CIDs; none is `None` (Lotus appends to a nil slice: `null`).
fn messages_json(msgs: &[(Cid, Message)]) -> Option<Vec<MessageWithCidJson>> {
    if msgs.is_empty() {
        return None;
    }
    Some(
        msgs.iter()
            .map(|(c, m)| MessageWithCidJson {
                cid: CidJson(*c),
                message: MessageJson::from(m),
            })
            .collect(),
    )
}

/// The parent tipset of block `block` (`None` for the genesis block).
fn parent_tipset<'a>(
    s: &'a NodeState,
    block: &Cid,
) -> Result<Option<(&'a Chain, TipSet)>, RpcError> {
    let b = load_block(s, block)?;
    if b.height == 0 {
        return Ok(None);
    }
    let ch = chain(s)?;
    let pts = ch
        .store()
        .load_tipset(&TipSetKey(b.parents.clone()))
        .map_err(ah)?;
    Ok(Some((ch, pts)))
}

/// `ChainGetParentMessages [CID]`: the messages the block's parent tipset executed, in
/// receipt order (`null` for the genesis or none).
async fn chain_get_parent_messages(
    s: S,
    _c: CallCtx,
    (block,): (CidJson,),
) -> Result<Option<Vec<MessageWithCidJson>>, RpcError> {
    let Some((ch, pts)) = parent_tipset(&s, &block.0)? else {
        return Ok(None);
    };
    Ok(messages_json(&tipset_messages(ch, &pts).map_err(ah)?))
}

/// `ChainGetParentReceipts [CID]`: the receipts of the block's parent tipset's messages
/// (`null` for the genesis).
async fn chain_get_parent_receipts(
    s: S,
    _c: CallCtx,
    (block,): (CidJson,),
) -> Result<Option<Vec<MessageReceiptJson>>, RpcError> {
    let Some((ch, pts)) = parent_tipset(&s, &block.0)? else {
        return Ok(None);
    };
    let receipts = ch.sm().receipts(&pts).map_err(ah)?;
    Ok(Some(
        receipts.iter().map(MessageReceiptJson::from).collect(),
    ))
}

/// `ChainGetMessage [CID]`: the unsigned message of a BLS or signed message.
async fn chain_get_message(s: S, _c: CallCtx, (c,): (CidJson,)) -> Result<MessageJson, RpcError> {
    let c = c.0;
    match load_chain_message(&s, &c).map_err(ah)? {
        Some(m) => Ok(MessageJson::from(m.message())),
        None => Err(err(format!(
            "failed to load message: blockstore: block not found: {c}"
        ))),
    }
}

/// `ChainGetMessagesInTipset [TipSetKey]`: the messages the tipset executes (`null` for
/// the genesis or none).
async fn chain_get_messages_in_tipset(
    s: S,
    _c: CallCtx,
    (tsk,): (TipSetKeyJson,),
) -> Result<Option<Vec<MessageWithCidJson>>, RpcError> {
    let ts = tipset_of(&s, &tsk)?;
    if ts.height() == 0 {
        return Ok(None);
    }
    Ok(messages_json(
        &tipset_messages(chain(&s)?, &ts).map_err(ah)?,
    ))
}

/// `ChainGetPath [from, to]`: the reverts (newest first) then applies (oldest first)
/// leading from one tipset to another (`null` when they are the same).
async fn chain_get_path(
    s: S,
    _c: CallCtx,
    (from, to): (TipSetKeyJson, TipSetKeyJson),
) -> Result<Option<Vec<HeadChangeJson>>, RpcError> {
    let from = tipset_of(&s, &from)?;
    let to = tipset_of(&s, &to)?;
    let (reverts, applies) = chain(&s)?.store().path(&from, &to).map_err(ah)?;
    if reverts.is_empty() && applies.is_empty() {
        return Ok(None);
    }
    let reverts = reverts
        .iter()
        .map(|t| head_change_json(HeadChangeKind::Revert, t));
    let applies = applies
        .iter()
        .map(|t| head_change_json(HeadChangeKind::Apply, t));
    Ok(Some(reverts.chain(applies).collect()))
}

/// `ChainTipSetWeight [TipSetKey]`: the tipset's weight (parent weight plus its power
/// and wins).
async fn chain_tipset_weight(
    s: S,
    _c: CallCtx,
    (tsk,): (TipSetKeyJson,),
) -> Result<BigIntJson, RpcError> {
    let ts = tipset_of(&s, &tsk)?;
    let w = padma_chain::validate::compute_weight(chain(&s)?.sm(), &ts)
        .map_err(|e| err(format!("computing tipset weight: {e}")))?;
    Ok(BigIntJson(w))
}

/// `ChainNotify` (channel): first `[{"Type":"current","Val":head}]`, then each head change
/// as a batch of reverts then applies. The channel closes when the client goes away, the
/// node shuts down, or the client falls too far behind.
pub(super) async fn chain_notify(
    s: S,
    _c: CallCtx,
    (): (),
) -> Result<mpsc::Receiver<Vec<HeadChangeJson>>, RpcError> {
    let ch = chain(&s)?;
    let mut sub = ch.store().subscribe();
    let head = ch.head();
    let (tx, rx) = mpsc::channel(64);
    let first = vec![head_change_json(HeadChangeKind::Current, &head)];
    tx.send(first)
        .await
        .map_err(|_| err("ChainNotify: channel closed"))?;
    let mut down = s.shutdown.subscribe();
    tokio::spawn(async move {
        loop {
            let ev = tokio::select! {
                _ = down.wait_for(|d| *d) => break,
                _ = tx.closed() => break,
                ev = sub.recv() => ev,
            };
            match ev {
                Ok(batch) if batch.is_empty() => {}
                Ok(batch) => {
                    if tx.send(batch_json(&batch)).await.is_err() {
                        break;
                    }
                }
                Err(RecvError::Lagged(n)) => {
                    tracing::warn!(
                        missed = n,
                        "ChainNotify subscriber fell behind; closing its channel"
                    );
                    break;
                }
                Err(RecvError::Closed) => break,
            }
        }
    });
    Ok(rx)
}

#[cfg(test)]
mod tests {
    use super::*;
    use fvm_shared::address::Address;
    use fvm_shared::econ::TokenAmount;
    use padma_types::block::{BlockHeader, Ticket};

    fn header(parent: Option<&TipSet>, height: i64, ticket: u8, messages: Cid) -> BlockHeader {
        BlockHeader {
            miner: Address::new_id(1000),
            ticket: Some(Ticket {
                vrf_proof: vec![ticket; 32],
            }),
            election_proof: None,
            beacon_entries: vec![],
            win_post_proof: vec![],
            parents: parent.map(|p| p.key().cids().to_vec()).unwrap_or_default(),
            parent_weight: Default::default(),
            height,
            parent_state_root: messages,
            parent_message_receipts: messages,
            messages,
            bls_aggregate: None,
            timestamp: 1000 + height as u64,
            block_sig: None,
            fork_signaling: 0,
            parent_base_fee: TokenAmount::from_atto(100),
        }
    }

    #[test]
    fn head_change_batches_in_lotus_json() {
        let m = padma_types::cid::cbor_cid(&[0x80]);
        let ts = TipSet::new(vec![header(None, 0, 1, m)]).unwrap();
        let batch = batch_json(&[
            HeadChange {
                kind: HeadChangeKind::Revert,
                tipset: ts.clone(),
            },
            HeadChange {
                kind: HeadChangeKind::Apply,
                tipset: ts.clone(),
            },
        ]);
        let v = serde_json::to_value(&batch).unwrap();
        assert_eq!(v[0]["Type"], "revert");
        assert_eq!(v[1]["Type"], "apply");
        assert_eq!(v[1]["Val"]["Height"], 0);
        assert!(v[1]["Val"]["Cids"].is_array());
        // Exactly `{"Type", "Val"}` in that order, and back.
        let want = serde_json::json!({ "Type": "current", "Val": TipSetJson::from(&ts) });
        let current = head_change_json(HeadChangeKind::Current, &ts);
        let text = serde_json::to_string(&current).unwrap();
        assert_eq!(text, want.to_string());
        let back: HeadChangeJson = serde_json::from_str(&text).unwrap();
        assert_eq!(back.kind, HeadChangeType::Current);
        assert_eq!(TipSet::try_from(back.tipset).unwrap(), ts);
    }
}
