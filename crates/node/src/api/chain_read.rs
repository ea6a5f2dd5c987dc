//! `Chain*` methods that read tipsets and messages: tipsets by key and height, a block's
//! and a tipset's messages, parent messages and receipts, paths between tipsets, weights,
//! and `ChainNotify` (head changes as a channel).

use super::chainstore::Chain;
use super::state::{ah, chain, err, tipset_param};
use super::NodeState;
use anyhow::{anyhow, bail, Context, Result};
use cid::Cid;
use fvm_ipld_blockstore::Blockstore;
use fvm_shared::address::Address;
use fvm_shared::receipt::Receipt;
use padma_chain::messages::block_messages;
use padma_chain::state_view::StateView;
use padma_chain::{ChainStore, HeadChange, HeadChangeKind};
use padma_rpc::method::{to_value, CallResult, ChannelResult};
use padma_rpc::{CallCtx, Params};
use padma_state::vm::select_messages;
use padma_types::block::{TipSet, TipSetKey};
use padma_types::block_json::TipSetJson;
use padma_types::json::{BytesJson, CidJson, MessageJson, SignedMessageJson};
use padma_types::message::{decode_message, decode_signed_message, message_cid};
use padma_types::{Message, SignedMessage};
use serde_json::{json, Value};
use std::sync::Arc;
use tokio::sync::broadcast::error::RecvError;

/// A message as the chain stores it: a bare BLS message or a signed one.
#[derive(Clone, Debug)]
pub(crate) enum ChainMsg {
    /// A BLS message (its CID is the unsigned message's).
    Bls(Message),
    /// A secp256k1 or delegated message (its CID is the signed message's).
    Signed(SignedMessage),
}

impl ChainMsg {
    /// The message the VM executes.
    pub fn vm(&self) -> &Message {
        match self {
            ChainMsg::Bls(m) => m,
            ChainMsg::Signed(s) => &s.message,
        }
    }
}

/// A message by CID: from the datastore (unsigned or signed, as Lotus's
/// `GetCMessage`), else from the message pool.
pub(crate) fn load_chain_message(s: &NodeState, c: &Cid) -> Result<Option<ChainMsg>> {
    if let Some(bytes) = Blockstore::get(s.store.as_ref(), c)? {
        if let Ok(m) = decode_message(&bytes) {
            return Ok(Some(ChainMsg::Bls(m)));
        }
        if let Ok(m) = decode_signed_message(&bytes) {
            return Ok(Some(ChainMsg::Signed(m)));
        }
        bail!("object {c} is neither a message nor a signed message");
    }
    let Some(ch) = s.chain.as_ref() else {
        return Ok(None);
    };
    Ok(ch
        .svc
        .mpool()
        .pending()
        .into_iter()
        .find(|m| m.cid() == *c)
        .map(|m| {
            if m.signature.sig_type == fvm_shared::crypto::signature::SignatureType::BLS {
                ChainMsg::Bls(m.message)
            } else {
                ChainMsg::Signed(m)
            }
        }))
}

/// The messages a tipset executes, in execution (and receipt) order, with the CIDs the
/// chain knows them by (Lotus `MessagesForTipset`).
pub(crate) fn tipset_messages(ch: &Chain, ts: &TipSet) -> Result<Vec<(Cid, Message)>> {
    let store = ch.sm().store();
    let mut blocks = Vec::with_capacity(ts.blocks().len());
    for b in ts.blocks() {
        let (bls, secp) = block_messages(store.as_ref(), &b.messages)
            .with_context(|| format!("loading the messages of block {}", b.cid()))?;
        let mut msgs: Vec<(Cid, Message)> = bls.into_iter().map(|m| (message_cid(&m), m)).collect();
        msgs.extend(secp.into_iter().map(|m| (m.cid(), m.message)));
        blocks.push(msgs);
    }
    let mut view: Option<StateView<Arc<padma_store::Store>>> = None;
    let picked = select_messages(
        blocks,
        |(_, m): &(Cid, Message)| m,
        |a| {
            if view.is_none() {
                view = Some(StateView::new(store.clone(), &ts.parent_state())?);
            }
            let v = view.as_ref().ok_or_else(|| anyhow!("no state view"))?;
            let id = v
                .resolve(a)?
                .ok_or_else(|| anyhow!("failed to resolve sender {a}"))?;
            Ok(Address::new_id(id))
        },
    )?;
    Ok(picked.into_iter().flatten().collect())
}

/// The receipts of `ts`'s messages (what its children's `ParentMessageReceipts` hold).
pub(crate) fn tipset_receipts(ch: &Chain, ts: &TipSet) -> Result<Vec<Receipt>> {
    ch.sm().receipts(ts)
}

/// Whether `ts` is on the canonical chain (the height index names it).
fn is_canonical(cs: &ChainStore, ts: &TipSet) -> bool {
    cs.tipset_by_height(ts.height())
        .map(|t| t.key() == ts.key())
        .unwrap_or(false)
}

/// The tipset at height `h` on the chain ending at `ts`. When `h` was a null round, the
/// tipset below it (`prev`, Lotus's `ChainGetTipSetByHeight`) or the first one after it.
pub(crate) fn tipset_at_height(cs: &ChainStore, ts: &TipSet, h: i64, prev: bool) -> Result<TipSet> {
    if h < 0 {
        bail!("height {h} is negative");
    }
    if h > ts.height() {
        bail!(
            "looking for tipset with height greater than start point (height {h}, start {})",
            ts.height()
        );
    }
    let mut cur = ts.clone();
    loop {
        if cur.height() == h {
            return Ok(cur);
        }
        if is_canonical(cs, &cur) {
            // The index answers for the rest of the way down.
            let at = cs.tipset_by_height(h)?;
            if at.height() == h || prev {
                return Ok(at);
            }
            for k in h + 1..=cur.height() {
                let t = cs.tipset_by_height(k)?;
                if t.height() > h {
                    return Ok(t);
                }
            }
            return Ok(cur);
        }
        let parent = cs.load_tipset(&cur.parents())?;
        if parent.height() < h {
            return Ok(if prev { parent } else { cur });
        }
        cur = parent;
    }
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
    let found = tipset_at_height(chain(&s)?.store(), &ts, h, true).map_err(ah)?;
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
    let found = tipset_at_height(chain(&s)?.store(), &ts, h, false).map_err(ah)?;
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
    let receipts = tipset_receipts(ch, &pts).map_err(ah)?;
    Ok(Value::Array(receipts.iter().map(receipt_json).collect()))
}

/// `ChainGetMessage [CID]`: the unsigned message of a BLS or signed message.
pub async fn chain_get_message(s: Arc<NodeState>, _c: CallCtx, p: Params) -> CallResult {
    let c = cid_param(&p, 0)?;
    match load_chain_message(&s, &c).map_err(ah)? {
        Some(m) => to_value(MessageJson::from(m.vm())),
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
    use fvm_shared::econ::TokenAmount;
    use padma_chain::messages::put_block_messages;
    use padma_store::Store;
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
    fn heights_on_canonical_and_side_chains_with_null_rounds() {
        let dir = tempfile::tempdir().unwrap();
        let store = Arc::new(Store::open(dir.path()).unwrap());
        let cs = ChainStore::open(store.clone()).unwrap();
        let m = put_block_messages(store.as_ref(), &[], &[]).unwrap();
        let g = header(None, 0, 1, m);
        cs.set_genesis(&g).unwrap();
        let mk = |parent: &TipSet, h: i64, t: u8, w: i64| {
            let ts = TipSet::new(vec![header(Some(parent), h, t, m)]).unwrap();
            cs.put_tipset(&ts, &w.into()).unwrap();
            ts
        };
        let g = TipSet::new(vec![g]).unwrap();
        // Canonical: 0, 1, (2 null), 3, 4. Side chain from 1: (2, 3 null) 4', 5'.
        let t1 = mk(&g, 1, 2, 1);
        let t3 = mk(&t1, 3, 3, 2);
        let t4 = mk(&t3, 4, 4, 3);
        cs.maybe_take_heavier(t4.clone()).unwrap();
        let s4 = mk(&t1, 4, 9, 1);
        let s5 = mk(&s4, 5, 9, 2);
        let at = |ts: &TipSet, h, prev| tipset_at_height(&cs, ts, h, prev).unwrap().height();
        assert_eq!(at(&t4, 2, true), 1);
        assert_eq!(at(&t4, 2, false), 3);
        assert_eq!(at(&t4, 3, true), 3);
        assert_eq!(at(&t4, 0, true), 0);
        assert_eq!(at(&t4, 4, false), 4);
        // The side chain is walked, not read from the index.
        assert_eq!(at(&s5, 3, true), 1);
        assert_eq!(at(&s5, 3, false), 4);
        assert_eq!(
            tipset_at_height(&cs, &s5, 3, false).unwrap().key(),
            s4.key()
        );
        assert_eq!(at(&s5, 1, false), 1);
        assert!(tipset_at_height(&cs, &t4, 5, true).is_err());
        assert!(tipset_at_height(&cs, &t4, -1, true).is_err());
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
