//! `Chain*` methods that read tipsets and messages: tipsets by key and height, a block's
//! and a tipset's messages, parent messages and receipts, paths between tipsets, weights,
//! and `ChainNotify` (head changes as a channel).

use super::chainstore::Chain;
use super::state::{ah, chain, err, tipset_param};
use super::NodeState;
use anyhow::Result;
use cid::Cid;
use fvm_shared::receipt::Receipt;
use padma_chain::messages::{block_messages, stored_message};
use padma_chain::msg_lookup::load_message;
use padma_chain::{HeadChange, HeadChangeKind};
use padma_rpc::method::{to_value, CallResult, ChannelResult};
use padma_rpc::{CallCtx, Params};
use padma_state::vm::ChainMessage;
use padma_types::block::{TipSet, TipSetKey};
use padma_types::block_json::TipSetJson;
use padma_types::json::{BytesJson, CidJson, MessageJson, SignedMessageJson};
use padma_types::message::message_cid;
use padma_types::Message;
use serde_json::{json, Value};
use std::sync::Arc;
use tokio::sync::broadcast::error::RecvError;

/// A message by CID: from the datastore (unsigned or signed, as Lotus's `GetCMessage`),
/// else from the message pool.
pub(crate) fn load_chain_message(s: &NodeState, c: &Cid) -> Result<Option<ChainMessage>> {
    match s.chain.as_ref() {
        Some(ch) => load_message(&ch.svc, c),
        None => stored_message(s.store.as_ref(), c),
    }
}

/// The messages a tipset executes, in execution (and receipt) order, with the CIDs the
/// chain knows them by (Lotus `MessagesForTipset`).
pub(crate) fn tipset_messages(ch: &Chain, ts: &TipSet) -> Result<Vec<(Cid, Message)>> {
    padma_chain::messages::tipset_messages(ch.sm().store(), ts)
}

/// A receipt in Lotus JSON.
pub(crate) fn receipt_json(r: &Receipt) -> Value {
    json!({
        "ExitCode": r.exit_code.value(),
        "Return": BytesJson(r.return_data.to_vec()),
        "GasUsed": r.gas_used,
        "EventsRoot": r.events_root.map(CidJson),
    })
}

/// A head change in Lotus JSON: `{"Type": "apply"|"revert"|"current", "Val": TipSet}`.
pub(crate) fn head_change_json(kind: HeadChangeKind, ts: &TipSet) -> Value {
    json!({ "Type": kind.as_str(), "Val": TipSetJson::from(ts) })
}

/// A batch of head changes as `ChainNotify` sends it.
pub(crate) fn batch_json(batch: &[HeadChange]) -> Value {
    Value::Array(
        batch
            .iter()
            .map(|c| head_change_json(c.kind, &c.tipset))
            .collect(),
    )
}

fn height_param(p: &Params, i: usize) -> Result<i64, padma_rpc::RpcError> {
    Ok(p.get::<Option<i64>>(i)?.unwrap_or(0))
}

fn cid_param(p: &Params, i: usize) -> Result<Cid, padma_rpc::RpcError> {
    Ok(p.get::<CidJson>(i)?.0)
}

fn load_block(
    s: &NodeState,
    c: &Cid,
) -> Result<padma_types::block::BlockHeader, padma_rpc::RpcError> {
    super::chainstore::load_header(&s.store, c).map_err(|e| err(format!("get block {c}: {e:#}")))
}

/// `ChainGetTipSet [TipSetKey]`: the tipset of a key (the empty key: the head).
pub async fn chain_get_tipset(s: Arc<NodeState>, _c: CallCtx, p: Params) -> CallResult {
    to_value(TipSetJson::from(&tipset_param(&s, &p, 0)?))
}

/// `ChainGetTipSetByHeight [epoch, TipSetKey]`: the tipset at `epoch` on the chain of the
/// key (empty: the head's); a null round gives the tipset below it.
pub async fn chain_get_tipset_by_height(s: Arc<NodeState>, _c: CallCtx, p: Params) -> CallResult {
    let h = height_param(&p, 0)?;
    let ts = tipset_param(&s, &p, 1)?;
    let found = chain(&s)?
        .store()
        .tipset_at_height(&ts, h, true)
        .map_err(ah)?;
    to_value(TipSetJson::from(&found))
}

/// `ChainGetTipSetAfterHeight [epoch, TipSetKey]` (v1): like `ChainGetTipSetByHeight`, but
/// a null round gives the first tipset after it.
pub async fn chain_get_tipset_after_height(
    s: Arc<NodeState>,
    _c: CallCtx,
    p: Params,
) -> CallResult {
    let h = height_param(&p, 0)?;
    let ts = tipset_param(&s, &p, 1)?;
    let found = chain(&s)?
        .store()
        .tipset_at_height(&ts, h, false)
        .map_err(ah)?;
    to_value(TipSetJson::from(&found))
}

/// `ChainGetBlockMessages [CID]`: `{"BlsMessages", "SecpkMessages", "Cids"}` of a block.
pub async fn chain_get_block_messages(s: Arc<NodeState>, _c: CallCtx, p: Params) -> CallResult {
    let b = load_block(&s, &cid_param(&p, 0)?)?;
    let (bls, secp) = block_messages(s.store.as_ref(), &b.messages).map_err(ah)?;
    let mut cids: Vec<CidJson> = bls.iter().map(|m| CidJson(message_cid(m))).collect();
    cids.extend(secp.iter().map(|m| CidJson(m.cid())));
    Ok(json!({
        "BlsMessages": bls.iter().map(MessageJson::from).collect::<Vec<_>>(),
        "SecpkMessages": secp.iter().map(SignedMessageJson::from).collect::<Vec<_>>(),
        "Cids": cids,
    }))
}

fn messages_json(msgs: &[(Cid, Message)]) -> Value {
    if msgs.is_empty() {
        // Lotus appends to a nil slice: no messages is `null`.
        return Value::Null;
    }
    Value::Array(
        msgs.iter()
            .map(|(c, m)| json!({ "Cid": CidJson(*c), "Message": MessageJson::from(m) }))
            .collect(),
    )
}

/// The parent tipset of the block named by parameter 0 (`None` for the genesis block).
fn parent_tipset<'a>(
    s: &'a NodeState,
    p: &Params,
) -> Result<Option<(&'a Chain, TipSet)>, padma_rpc::RpcError> {
    let b = load_block(s, &cid_param(p, 0)?)?;
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

/// `ChainGetParentMessages [CID]`: `[{"Cid", "Message"}]` of the messages the block's
/// parent tipset executed, in receipt order (`null` for the genesis or none).
pub async fn chain_get_parent_messages(s: Arc<NodeState>, _c: CallCtx, p: Params) -> CallResult {
    let Some((ch, pts)) = parent_tipset(&s, &p)? else {
        return Ok(Value::Null);
    };
    Ok(messages_json(&tipset_messages(ch, &pts).map_err(ah)?))
}

/// `ChainGetParentReceipts [CID]`: the receipts of the block's parent tipset's messages
/// (`null` for the genesis).
pub async fn chain_get_parent_receipts(s: Arc<NodeState>, _c: CallCtx, p: Params) -> CallResult {
    let Some((ch, pts)) = parent_tipset(&s, &p)? else {
        return Ok(Value::Null);
    };
    let receipts = ch.sm().receipts(&pts).map_err(ah)?;
    Ok(Value::Array(receipts.iter().map(receipt_json).collect()))
}

/// `ChainGetMessage [CID]`: the unsigned message of a BLS or signed message.
pub async fn chain_get_message(s: Arc<NodeState>, _c: CallCtx, p: Params) -> CallResult {
    let c = cid_param(&p, 0)?;
    match load_chain_message(&s, &c).map_err(ah)? {
        Some(m) => to_value(MessageJson::from(m.message())),
        None => Err(err(format!(
            "failed to load message: blockstore: block not found: {c}"
        ))),
    }
}

/// `ChainGetMessagesInTipset [TipSetKey]`: `[{"Cid", "Message"}]` of the messages the
/// tipset executes (`null` for the genesis or none).
pub async fn chain_get_messages_in_tipset(s: Arc<NodeState>, _c: CallCtx, p: Params) -> CallResult {
    let ts = tipset_param(&s, &p, 0)?;
    if ts.height() == 0 {
        return Ok(Value::Null);
    }
    Ok(messages_json(
        &tipset_messages(chain(&s)?, &ts).map_err(ah)?,
    ))
}

/// `ChainGetPath [from, to]`: the reverts (newest first) then applies (oldest first)
/// leading from one tipset to another (`null` when they are the same).
pub async fn chain_get_path(s: Arc<NodeState>, _c: CallCtx, p: Params) -> CallResult {
    let from = tipset_param(&s, &p, 0)?;
    let to = tipset_param(&s, &p, 1)?;
    let (reverts, applies) = chain(&s)?.store().path(&from, &to).map_err(ah)?;
    if reverts.is_empty() && applies.is_empty() {
        return Ok(Value::Null);
    }
    let mut out: Vec<Value> = reverts
        .iter()
        .map(|t| head_change_json(HeadChangeKind::Revert, t))
        .collect();
    out.extend(
        applies
            .iter()
            .map(|t| head_change_json(HeadChangeKind::Apply, t)),
    );
    Ok(Value::Array(out))
}

/// `ChainTipSetWeight [TipSetKey]`: the tipset's weight (parent weight plus its power
/// and wins), as a decimal string.
pub async fn chain_tipset_weight(s: Arc<NodeState>, _c: CallCtx, p: Params) -> CallResult {
    let ts = tipset_param(&s, &p, 0)?;
    let w = padma_chain::validate::compute_weight(chain(&s)?.sm(), &ts)
        .map_err(|e| err(format!("computing tipset weight: {e}")))?;
    to_value(w.to_string())
}

/// `ChainNotify` (channel): first `[{"Type":"current","Val":head}]`, then each head change
/// as a batch of reverts then applies. The channel closes when the client goes away, the
/// node shuts down, or the client falls too far behind.
pub async fn chain_notify(s: Arc<NodeState>, _c: CallCtx, _p: Params) -> ChannelResult {
    let ch = chain(&s)?;
    let mut sub = ch.store().subscribe();
    let head = ch.head();
    let (tx, rx) = tokio::sync::mpsc::channel(64);
    let first = Value::Array(vec![head_change_json(HeadChangeKind::Current, &head)]);
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
        let v = batch_json(&[
            HeadChange {
                kind: HeadChangeKind::Revert,
                tipset: ts.clone(),
            },
            HeadChange {
                kind: HeadChangeKind::Apply,
                tipset: ts,
            },
        ]);
        assert_eq!(v[0]["Type"], "revert");
        assert_eq!(v[1]["Type"], "apply");
        assert_eq!(v[1]["Val"]["Height"], 0);
        assert!(v[1]["Val"]["Cids"].is_array());
    }
}
