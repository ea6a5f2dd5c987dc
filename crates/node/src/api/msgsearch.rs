//! Finding executed messages: `StateSearchMsg`, `StateWaitMsg` (waiting on head changes
//! for the receipt and `confidence` more epochs) and `StateReplay`, with Lotus's rules:
//! a message's receipt is in the tipset after the one that included it, a lookback
//! limit bounds the walk back, and a replacement (same sender and nonce, same call,
//! another CID) counts as the message when the caller allows it.

use super::call::invoc_result_json;
use super::chain_read::{load_chain_message, receipt_json, tipset_messages, ChainMsg};
use super::chainstore::Chain;
use super::state::{ah, chain, err, tipset_param, View};
use super::NodeState;
use anyhow::{bail, Result};
use cid::Cid;
use fvm_shared::econ::TokenAmount;
use fvm_shared::receipt::Receipt;
use padma_chain::HeadChangeKind;
use padma_rpc::method::CallResult;
use padma_rpc::{ApiVersion, CallCtx, Params, RpcError};
use padma_types::block::TipSet;
use padma_types::block_json::TipSetKeyJson;
use padma_types::json::CidJson;
use padma_types::Message;
use serde_json::{json, Value};
use std::sync::Arc;
use std::time::Instant;
use tokio::sync::broadcast::error::RecvError;

/// Lotus's `LookbackNoLimit`.
pub(crate) const LOOKBACK_NO_LIMIT: i64 = -1;

/// Where a message's receipt was found.
#[derive(Clone, Debug)]
pub(crate) struct Found {
    /// The tipset whose parent executed the message (its receipts hold the receipt).
    pub exec: TipSet,
    /// The receipt.
    pub receipt: Receipt,
    /// The CID of the message found (a replacement's, when one was allowed).
    pub msg: Cid,
}

/// Lotus's `Message.EqualCall`: the same message apart from its gas fields.
pub(crate) fn equal_call(a: &Message, b: &Message) -> bool {
    let strip = |m: &Message| Message {
        gas_limit: 0,
        gas_fee_cap: TokenAmount::default(),
        gas_premium: TokenAmount::default(),
        ..m.clone()
    };
    strip(a) == strip(b)
}

/// Lotus's `tipsetExecutedMessage`: the receipt of `cid` (sent as `vmm`) among the
/// messages `ts`'s parent executed, looking from the last one back. A different message
/// with the same sender and nonce is an error, unless it is a replacement of the same
/// call and `allow_replaced` is set.
fn executed_in(
    ch: &Chain,
    ts: &TipSet,
    cid: &Cid,
    vmm: &Message,
    allow_replaced: bool,
) -> Result<Option<(Receipt, Cid)>> {
    if ts.height() == 0 {
        return Ok(None);
    }
    let pts = ch.store().load_tipset(&ts.parents())?;
    let msgs = tipset_messages(ch, &pts)?;
    for (i, (mcid, m)) in msgs.iter().enumerate().rev() {
        if m.from != vmm.from {
            continue;
        }
        if m.sequence == vmm.sequence {
            if !equal_call(m, vmm) {
                bail!(
                    "found message with equal nonce as the one we are looking for that is NOT a \
                     valid replacement message (F:{cid} n {}, TS: {mcid} n{})",
                    vmm.sequence,
                    m.sequence
                );
            }
            if mcid != cid && !allow_replaced {
                bail!(
                    "found message with equal nonce as the one we are looking for (F:{cid} n {}, \
                     TS: {mcid} n{})",
                    vmm.sequence,
                    m.sequence
                );
            }
            let receipts = ch.sm().receipts(&pts)?;
            let Some(r) = receipts.get(i) else {
                bail!(
                    "receipt {i} missing from the tipset at height {}",
                    pts.height()
                );
            };
            return Ok(Some((r.clone(), *mcid)));
        }
        if m.sequence < vmm.sequence {
            return Ok(None);
        }
    }
    Ok(None)
}

/// The nonce of `addr` in the state `ts` was built on (`None`: no such actor).
fn nonce_at(
    s: &NodeState,
    ts: &TipSet,
    addr: &fvm_shared::address::Address,
) -> Result<Option<u64>> {
    let v = View::new(&s.store, ts.clone()).map_err(|e| anyhow::anyhow!(e.message))?;
    Ok(v.actor(addr)
        .map_err(|e| anyhow::anyhow!(e.message))?
        .map(|(_, a)| a.sequence))
}

/// Lotus's `searchBackForMsg`: walks back from `from` (at most `limit` epochs unless
/// `limit` is [`LOOKBACK_NO_LIMIT`]) to where the sender's nonce passed the message's.
fn search_back(
    s: &NodeState,
    ch: &Chain,
    from: &TipSet,
    m: &ChainMsg,
    cid: &Cid,
    limit: i64,
    allow_replaced: bool,
) -> Result<Option<Found>> {
    let vmm = m.vm();
    let no_limit = limit == LOOKBACK_NO_LIMIT;
    let limit_height = from.height().saturating_sub(limit);
    let mut cur = from.clone();
    let mut cur_nonce = nonce_at(s, &cur, &vmm.from)?;
    loop {
        if cur.height() == 0 || (!no_limit && cur.height() <= limit_height) {
            return Ok(None);
        }
        match cur_nonce {
            Some(n) if n > 0 && n >= vmm.sequence => {}
            _ => return Ok(None),
        }
        let pts = ch.store().load_tipset(&cur.parents())?;
        let nonce = nonce_at(s, &pts, &vmm.from)?;
        let passed = match (cur_nonce, nonce) {
            (_, None) => true,
            (Some(c), Some(p)) => c > vmm.sequence && p <= vmm.sequence,
            (None, Some(_)) => false,
        };
        if passed {
            if let Some((receipt, msg)) = executed_in(ch, &cur, cid, vmm, allow_replaced)? {
                return Ok(Some(Found {
                    exec: cur,
                    receipt,
                    msg,
                }));
            }
        }
        cur = pts;
        cur_nonce = nonce;
    }
}

/// The message index's answer, when `from` is on the canonical chain: the canonical
/// tipset after the one that included `cid`, if it is at or below `from`.
fn search_index(ch: &Chain, from: &TipSet, cid: &Cid, vmm: &Message) -> Result<Option<Found>> {
    let cs = ch.store();
    let Some(incl) = cs.message_inclusion(cid)? else {
        return Ok(None);
    };
    let canonical = cs
        .tipset_by_height(from.height())
        .map(|t| t.key() == from.key())
        .unwrap_or(false);
    if !canonical {
        return Ok(None);
    }
    for h in incl.height() + 1..=from.height() {
        let t = cs.tipset_by_height(h)?;
        if t.height() <= incl.height() {
            continue;
        }
        if t.parents() != *incl.key() {
            return Ok(None);
        }
        return Ok(
            executed_in(ch, &t, cid, vmm, false)?.map(|(receipt, msg)| Found {
                exec: t,
                receipt,
                msg,
            }),
        );
    }
    Ok(None)
}

/// Lotus's `SearchForMessage` from `from`: the tipset itself, the message index, then the
/// walk back.
pub(crate) fn search_for_message(
    s: &NodeState,
    ch: &Chain,
    from: &TipSet,
    cid: &Cid,
    m: &ChainMsg,
    limit: i64,
    allow_replaced: bool,
) -> Result<Option<Found>> {
    if let Some((receipt, msg)) = executed_in(ch, from, cid, m.vm(), allow_replaced)? {
        return Ok(Some(Found {
            exec: from.clone(),
            receipt,
            msg,
        }));
    }
    match search_index(ch, from, cid, m.vm()) {
        Ok(Some(f)) => return Ok(Some(f)),
        Ok(None) => {}
        Err(e) => tracing::debug!("message index search for {cid}: {e:#}"),
    }
    search_back(s, ch, from, m, cid, limit, allow_replaced)
}

/// A `MsgLookup` in Lotus JSON.
pub(crate) fn lookup_json(f: &Found) -> Value {
    json!({
        "Message": CidJson(f.msg),
        "Receipt": receipt_json(&f.receipt),
        "ReturnDec": null,
        "TipSet": TipSetKeyJson(f.exec.key().clone()),
        "Height": f.exec.height(),
    })
}

fn load_msg(s: &NodeState, c: &Cid) -> Result<Option<ChainMsg>, RpcError> {
    load_chain_message(s, c).map_err(|e| err(format!("failed to load message: {e:#}")))
}

fn int_param<T: serde::de::DeserializeOwned + Default>(
    p: &Params,
    i: usize,
) -> Result<T, RpcError> {
    Ok(p.get::<Option<T>>(i)?.unwrap_or_default())
}

async fn search(s: &NodeState, from: TipSet, c: Cid, limit: i64, allow: bool) -> CallResult {
    let ch = chain(s)?;
    let Some(m) = load_msg(s, &c)? else {
        // Lotus errors here; padma answers "not found".
        return Ok(Value::Null);
    };
    match search_for_message(s, ch, &from, &c, &m, limit, allow).map_err(ah)? {
        Some(f) => Ok(lookup_json(&f)),
        None => Ok(Value::Null),
    }
}

/// `StateSearchMsg`: v1 `[TipSetKey, CID, limit, allowReplaced]`; v0 `[CID]` (from the
/// head, no limit, replacements allowed). A `MsgLookup`, or `null` when not found.
pub async fn state_search_msg(s: Arc<NodeState>, c: CallCtx, p: Params) -> CallResult {
    match c.version {
        ApiVersion::V0 => {
            let cid = p.get::<CidJson>(0)?.0;
            let head = chain(&s)?.head();
            search(&s, head, cid, LOOKBACK_NO_LIMIT, true).await
        }
        ApiVersion::V1 => {
            let from = tipset_param(&s, &p, 0)?;
            let cid = p.get::<CidJson>(1)?.0;
            let limit: i64 = int_param(&p, 2)?;
            let allow: bool = int_param(&p, 3)?;
            search(&s, from, cid, limit, allow).await
        }
    }
}

/// `StateSearchMsgLimited [CID, limit]` (v0).
pub async fn state_search_msg_limited(s: Arc<NodeState>, _c: CallCtx, p: Params) -> CallResult {
    let cid = p.get::<CidJson>(0)?.0;
    let limit: i64 = int_param(&p, 1)?;
    let head = chain(&s)?.head();
    search(&s, head, cid, limit, true).await
}

/// Waits for `c` to execute and stay on chain for `confidence` more epochs: the
/// current head, a search back, then each head change. Never polls; ends with an
/// error when the node shuts down (and is dropped when the client goes away).
async fn wait(s: &NodeState, c: Cid, confidence: u64, limit: i64, allow: bool) -> CallResult {
    let ch = chain(s)?;
    let mut sub = ch.store().subscribe();
    let mut down = s.shutdown.subscribe();
    let Some(m) = load_msg(s, &c)? else {
        return Err(err(format!(
            "failed to load message: blockstore: block not found: {c}"
        )));
    };
    let conf = i64::try_from(confidence).unwrap_or(i64::MAX);
    let head = ch.head();
    if let Some((receipt, msg)) = executed_in(ch, &head, &c, m.vm(), allow).map_err(ah)? {
        return Ok(lookup_json(&Found {
            exec: head,
            receipt,
            msg,
        }));
    }
    let mut candidate: Option<Found> = None;
    if let Some(f) = search_for_message(s, ch, &head, &c, &m, limit, allow).map_err(ah)? {
        if head.height() >= f.exec.height().saturating_add(conf) {
            return Ok(lookup_json(&f));
        }
        candidate = Some(f);
    }
    loop {
        let batch = tokio::select! {
            _ = down.wait_for(|d| *d) => return Err(err("node is shutting down")),
            ev = sub.recv() => ev,
        };
        let batch = match batch {
            Ok(b) => b,
            Err(RecvError::Lagged(_)) => {
                // Missed changes: search again from the present head.
                let head = ch.head();
                candidate = search_for_message(s, ch, &head, &c, &m, limit, allow).map_err(ah)?;
                if let Some(f) = &candidate {
                    if head.height() >= f.exec.height().saturating_add(conf) {
                        return Ok(lookup_json(f));
                    }
                }
                continue;
            }
            Err(RecvError::Closed) => return Err(err("head change subscription closed")),
        };
        for change in batch {
            match change.kind {
                HeadChangeKind::Revert => {
                    if candidate
                        .as_ref()
                        .is_some_and(|f| f.exec.key() == change.tipset.key())
                    {
                        candidate = None;
                    }
                }
                HeadChangeKind::Apply | HeadChangeKind::Current => {
                    let ts = change.tipset;
                    if let Some(f) = &candidate {
                        if ts.height() >= f.exec.height().saturating_add(conf) {
                            return Ok(lookup_json(f));
                        }
                    }
                    if let Some((receipt, msg)) =
                        executed_in(ch, &ts, &c, m.vm(), allow).map_err(ah)?
                    {
                        let f = Found {
                            exec: ts,
                            receipt,
                            msg,
                        };
                        if conf == 0 {
                            return Ok(lookup_json(&f));
                        }
                        candidate = Some(f);
                    }
                }
            }
        }
    }
}

/// `StateWaitMsg`: v1 `[CID, confidence, limit, allowReplaced]`; v0 `[CID, confidence]`
/// (no limit, replacements allowed). Blocks until the message has executed and
/// `confidence` epochs passed on top; a `MsgLookup`.
pub async fn state_wait_msg(s: Arc<NodeState>, c: CallCtx, p: Params) -> CallResult {
    let cid = p.get::<CidJson>(0)?.0;
    let confidence: u64 = int_param(&p, 1)?;
    match c.version {
        ApiVersion::V0 => wait(&s, cid, confidence, LOOKBACK_NO_LIMIT, true).await,
        ApiVersion::V1 => {
            let limit: i64 = int_param(&p, 2)?;
            let allow: bool = int_param(&p, 3)?;
            wait(&s, cid, confidence, limit, allow).await
        }
    }
}

/// `StateWaitMsgLimited [CID, confidence, limit]` (v0).
pub async fn state_wait_msg_limited(s: Arc<NodeState>, _c: CallCtx, p: Params) -> CallResult {
    let cid = p.get::<CidJson>(0)?.0;
    let confidence: u64 = int_param(&p, 1)?;
    let limit: i64 = int_param(&p, 2)?;
    wait(&s, cid, confidence, limit, true).await
}

/// `StateReplay [TipSetKey, CID]`: re-executes the tipset that included the message
/// (the given tipset, or with the empty key the one found by searching the chain) and
/// answers the message's `InvocResult` (the shape `StateCall` answers).
pub async fn state_replay(s: Arc<NodeState>, _c: CallCtx, p: Params) -> CallResult {
    let key: TipSetKeyJson = p.get(0)?;
    let mut mcid = p.get::<CidJson>(1)?.0;
    let ch = chain(&s)?;
    let ts = if key.0.is_empty() {
        let m = load_msg(&s, &mcid)?
            .ok_or_else(|| err(format!("searching for msg {mcid}: message not found")))?;
        let f = search_for_message(&s, ch, &ch.head(), &mcid, &m, LOOKBACK_NO_LIMIT, true)
            .map_err(|e| err(format!("searching for msg {mcid}: {e:#}")))?
            .ok_or_else(|| err(format!("didn't find msg {mcid}")))?;
        mcid = f.msg;
        ch.store()
            .load_tipset(&f.exec.parents())
            .map_err(|e| err(format!("loading inclusion tipset: {e:#}")))?
    } else {
        tipset_param(&s, &p, 0)?
    };
    let started = Instant::now();
    if ts.height() == 0 {
        return Err(err("given message not found in tipset"));
    }
    let res = ch
        .sm()
        .execute(&ts)
        .map_err(|e| err(format!("replaying the tipset: {e:#}")))?;
    // Results are keyed by the CID the chain knows the message by.
    let Some((_, ret)) = res.applied.iter().find(|(c, _)| *c == mcid) else {
        return Err(err("given message not found in tipset"));
    };
    let msg = tipset_messages(ch, &ts)
        .map_err(ah)?
        .into_iter()
        .find(|(c, _)| *c == mcid)
        .map(|(_, m)| m)
        .ok_or_else(|| err("given message not found in tipset"))?;
    Ok(invoc_result_json(
        mcid,
        &msg,
        &ret.receipt,
        Some(&ret.gas),
        ret.error.as_deref(),
        started,
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use fvm_shared::address::Address;

    #[test]
    fn equal_call_ignores_only_gas_fields() {
        let a = Message {
            version: 0,
            to: Address::new_id(2),
            from: Address::new_id(1),
            sequence: 4,
            value: TokenAmount::from_atto(10),
            method_num: padma_state::actors::method::SEND,
            params: Default::default(),
            gas_limit: 100,
            gas_fee_cap: TokenAmount::from_atto(5),
            gas_premium: TokenAmount::from_atto(1),
        };
        let mut b = a.clone();
        b.gas_limit = 200;
        b.gas_fee_cap = TokenAmount::from_atto(50);
        b.gas_premium = TokenAmount::from_atto(7);
        assert!(equal_call(&a, &b));
        let mut c = a.clone();
        c.value = TokenAmount::from_atto(11);
        assert!(!equal_call(&a, &c));
        let mut d = a.clone();
        d.sequence = 5;
        assert!(!equal_call(&a, &d));
    }
}
