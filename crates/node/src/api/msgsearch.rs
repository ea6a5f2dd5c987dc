//! `StateSearchMsg`, `StateWaitMsg` and `StateReplay`: their parameters per API version,
//! padma-chain's message search and wait (`msg_lookup`, `msg_wait`, which hold Lotus's
//! rules), and their answers as `MsgLookup` or `InvocResult` JSON.

use super::call::invoc_result_json;
use super::chain_read::{load_chain_message, receipt_json};
use super::state::{ah, chain, err, tipset_param};
use super::NodeState;
use cid::Cid;
use padma_chain::msg_lookup::{replay, search_for_message, MessageLookup, LOOKBACK_NO_LIMIT};
use padma_chain::msg_wait::wait_for_message;
use padma_rpc::method::CallResult;
use padma_rpc::{ApiVersion, CallCtx, Params, RpcError};
use padma_state::vm::ChainMessage;
use padma_types::block::TipSet;
use padma_types::block_json::TipSetKeyJson;
use padma_types::json::CidJson;
use serde_json::{json, Value};
use std::sync::Arc;
use std::time::Instant;

/// A `MsgLookup` in Lotus JSON.
pub(crate) fn lookup_json(f: &MessageLookup) -> Value {
    json!({
        "Message": CidJson(f.msg),
        "Receipt": receipt_json(&f.receipt),
        "ReturnDec": null,
        "TipSet": TipSetKeyJson(f.exec.key().clone()),
        "Height": f.exec.height(),
    })
}

fn load_msg(s: &NodeState, c: &Cid) -> Result<Option<ChainMessage>, RpcError> {
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
    match search_for_message(ch.sm(), &from, &c, m.message(), limit, allow).map_err(ah)? {
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

/// Waits for `c` to execute and stay on chain for `confidence` more epochs (see
/// [`wait_for_message`]); ends with an error when the node shuts down (and is dropped
/// when the client goes away).
async fn wait(s: &NodeState, c: Cid, confidence: u64, limit: i64, allow: bool) -> CallResult {
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
        tipset_param(&s, &p, 0)?
    };
    let started = Instant::now();
    let Some((msg, ret)) = replay(ch.sm(), &ts, &mcid).map_err(ah)? else {
        return Err(err("given message not found in tipset"));
    };
    Ok(invoc_result_json(
        mcid,
        &msg,
        &ret.receipt,
        Some(&ret.gas),
        ret.error.as_deref(),
        started,
    ))
}
