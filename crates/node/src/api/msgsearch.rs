//! `StateSearchMsg`, `StateWaitMsg` (v0 and v1 forms) and `StateReplay`: padma-chain's
//! message search and wait (`msg_lookup`, `msg_wait`, which hold Lotus's rules), and
//! their answers as `MsgLookup` or `InvocResult` JSON.

use super::call::invoc_result;
use super::chain_read::load_chain_message;
use super::state::{ah, chain, err, tipset_of};
use super::NodeState;
use cid::Cid;
use padma_api::msg_search::*;
use padma_api::state_call::InvocResultJson;
use padma_chain::msg_lookup::{replay, search_for_message, MessageLookup, LOOKBACK_NO_LIMIT};
use padma_chain::msg_wait::wait_for_message;
use padma_rpc::{CallCtx, MethodTable, RpcError};
use padma_state::vm::ChainMessage;
use padma_types::block::TipSet;
use padma_types::json::block::TipSetKeyJson;
use padma_types::json::{CidJson, MessageReceiptJson};
use std::sync::Arc;
use std::time::Instant;

type S = Arc<NodeState>;

/// Registers the message search, wait and replay methods.
pub(super) fn register(t: &mut MethodTable<NodeState>) {
    t.add_offloaded(StateSearchMsg, state_search_msg);
    t.add_offloaded(
        StateSearchMsgV0,
        |s: S, _c, (msg,): (CidJson,)| async move {
            let head = chain(&s)?.head();
            search(&s, head, msg.0, LOOKBACK_NO_LIMIT, true).await
        },
    );
    t.add_offloaded(
        StateSearchMsgLimited,
        |s: S, _c, (msg, limit): (CidJson, Option<i64>)| async move {
            let head = chain(&s)?.head();
            search(&s, head, msg.0, limit.unwrap_or_default(), true).await
        },
    );
    t.add_offloaded(StateWaitMsg, state_wait_msg);
    t.add_offloaded(
        StateWaitMsgV0,
        |s: S, _c, (c, confidence): (CidJson, Option<u64>)| async move {
            let confidence = confidence.unwrap_or_default();
            wait(&s, c.0, confidence, LOOKBACK_NO_LIMIT, true).await
        },
    );
    t.add_offloaded(
        StateWaitMsgLimited,
        |s: S, _c, (c, confidence, limit): (CidJson, Option<u64>, Option<i64>)| async move {
            let (confidence, limit) = (confidence.unwrap_or_default(), limit.unwrap_or_default());
            wait(&s, c.0, confidence, limit, true).await
        },
    );
    t.add_offloaded(StateReplay, state_replay);
}

/// A `MsgLookup` in Lotus JSON.
fn lookup_json(f: &MessageLookup) -> MsgLookupJson {
    MsgLookupJson {
        message: CidJson(f.msg),
        receipt: MessageReceiptJson::from(&f.receipt),
        return_dec: None,
        tip_set: TipSetKeyJson(f.exec.key().clone()),
        height: f.exec.height(),
    }
}

fn load_msg(s: &NodeState, c: &Cid) -> Result<Option<ChainMessage>, RpcError> {
    load_chain_message(s, c).map_err(|e| err(format!("failed to load message: {e:#}")))
}

async fn search(
    s: &NodeState,
    from: TipSet,
    c: Cid,
    limit: i64,
    allow: bool,
) -> Result<Option<MsgLookupJson>, RpcError> {
    let ch = chain(s)?;
    let Some(m) = load_msg(s, &c)? else {
        // Lotus errors here; padma answers "not found".
        return Ok(None);
    };
    let found = search_for_message(ch.sm(), &from, &c, m.message(), limit, allow).map_err(ah)?;
    Ok(found.as_ref().map(lookup_json))
}

/// `StateSearchMsg` (v1) `[TipSetKey, CID, limit, allowReplaced]`: a `MsgLookup`, or
/// `null` when not found.
async fn state_search_msg(
    s: S,
    _c: CallCtx,
    (from, msg, limit, allow): (TipSetKeyJson, CidJson, Option<i64>, Option<bool>),
) -> Result<Option<MsgLookupJson>, RpcError> {
    let from = tipset_of(&s, &from)?;
    let (limit, allow) = (limit.unwrap_or_default(), allow.unwrap_or_default());
    search(&s, from, msg.0, limit, allow).await
}

/// Waits for `c` to execute and stay on chain for `confidence` more epochs (see
/// [`wait_for_message`]); ends with an error when the node shuts down (and is dropped
/// when the client goes away).
async fn wait(
    s: &NodeState,
    c: Cid,
    confidence: u64,
    limit: i64,
    allow: bool,
) -> Result<MsgLookupJson, RpcError> {
    let ch = chain(s)?;
    let mut down = s.shutdown.subscribe();
    let Some(m) = load_msg(s, &c)? else {
        return Err(err(format!(
            "failed to load message: blockstore: block not found: {c}"
        )));
    };
    let found = wait_for_message(
        ch.sm(),
        &c,
        m.message(),
        confidence,
        limit,
        allow,
        &mut down,
    )
    .await
    .map_err(ah)?;
    Ok(lookup_json(&found))
}

/// `StateWaitMsg` (v1) `[CID, confidence, limit, allowReplaced]`: blocks until the
/// message has executed and `confidence` epochs passed on top; a `MsgLookup`.
async fn state_wait_msg(
    s: S,
    _c: CallCtx,
    (c, confidence, limit, allow): (CidJson, Option<u64>, Option<i64>, Option<bool>),
) -> Result<MsgLookupJson, RpcError> {
    let confidence = confidence.unwrap_or_default();
    let (limit, allow) = (limit.unwrap_or_default(), allow.unwrap_or_default());
    wait(&s, c.0, confidence, limit, allow).await
}

/// `StateReplay [TipSetKey, CID]`: re-executes the tipset that included the message
/// (the given tipset, or with the empty key the one found by searching the chain) and
/// answers the message's `InvocResult` (the shape `StateCall` answers, built by
/// `call::invoc_result`).
async fn state_replay(
    s: S,
    _c: CallCtx,
    (tsk, msg): (TipSetKeyJson, CidJson),
) -> Result<InvocResultJson, RpcError> {
    let mut mcid = msg.0;
    let ch = chain(&s)?;
    let ts = if tsk.0.is_empty() {
        let m = load_msg(&s, &mcid)?
            .ok_or_else(|| err(format!("searching for msg {mcid}: message not found")))?;
        let f = search_for_message(
            ch.sm(),
            &ch.head(),
            &mcid,
            m.message(),
            LOOKBACK_NO_LIMIT,
            true,
        )
        .map_err(|e| err(format!("searching for msg {mcid}: {e:#}")))?
        .ok_or_else(|| err(format!("didn't find msg {mcid}")))?;
        mcid = f.msg;
        ch.store()
            .load_tipset(&f.exec.parents())
            .map_err(|e| err(format!("loading inclusion tipset: {e:#}")))?
    } else {
        tipset_of(&s, &tsk)?
    };
    let started = Instant::now();
    let Some((msg, ret)) = replay(ch.sm(), &ts, &mcid).map_err(ah)? else {
        return Err(err("given message not found in tipset"));
    };
    Ok(invoc_result(
        mcid,
        &msg,
        &ret.receipt,
        Some(&ret.gas),
        ret.error.as_deref(),
        started,
    ))
}
