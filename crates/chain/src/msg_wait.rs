//! Waiting for a message (Lotus's `StateWaitMsg`): until it has executed and stayed on
//! the chain for `confidence` more epochs, following head changes (never polling).

use crate::msg_lookup::{executed_in, search_for_message, MessageLookup};
use crate::sm::StateManager;
use crate::store::HeadChangeKind;
use anyhow::{bail, Result};
use cid::Cid;
use padma_types::block::TipSet;
use padma_types::Message;
use tokio::sync::broadcast::error::RecvError;
use tokio::sync::watch;

/// Whether `found` has `confidence` epochs on top at `head`.
fn confident(found: &MessageLookup, head: &TipSet, confidence: i64) -> bool {
    head.height() >= found.exec.height().saturating_add(confidence)
}

/// Waits until `cid` (sent as `vmm`) has executed and `confidence` epochs passed on top:
/// the current head, a search back from it (see [`search_for_message`] for `limit` and
/// `allow_replaced`), then each head change; a revert of the tipset it was found in
/// drops that answer. Ends with an error when `shutdown` turns true.
pub async fn wait_for_message(
    sm: &StateManager,
    cid: &Cid,
    vmm: &Message,
    confidence: u64,
    limit: i64,
    allow_replaced: bool,
    shutdown: &mut watch::Receiver<bool>,
) -> Result<MessageLookup> {
    let mut changes = sm.chain().subscribe();
    let conf = i64::try_from(confidence).unwrap_or(i64::MAX);
    let head = sm.head();
    if let Some(found) = executed_in(sm, &head, cid, vmm, allow_replaced)? {
        return Ok(found);
    }
    let mut candidate = search_for_message(sm, &head, cid, vmm, limit, allow_replaced)?;
    if let Some(found) = candidate.take_if(|f| confident(f, &head, conf)) {
        return Ok(found);
    }
    loop {
        let batch = tokio::select! {
            _ = shutdown.wait_for(|down| *down) => bail!("node is shutting down"),
            ev = changes.recv() => ev,
        };
        let batch = match batch {
            Ok(b) => b,
            Err(RecvError::Lagged(_)) => {
                // Missed changes: search again from the present head.
                let head = sm.head();
                candidate = search_for_message(sm, &head, cid, vmm, limit, allow_replaced)?;
                if let Some(found) = candidate.take_if(|f| confident(f, &head, conf)) {
                    return Ok(found);
                }
                continue;
            }
            Err(RecvError::Closed) => bail!("head change subscription closed"),
        };
        for change in batch {
            let ts = change.tipset;
            if change.kind == HeadChangeKind::Revert {
                candidate.take_if(|f| f.exec.key() == ts.key());
                continue;
            }
            if let Some(found) = candidate.take_if(|f| confident(f, &ts, conf)) {
                return Ok(found);
            }
            if let Some(found) = executed_in(sm, &ts, cid, vmm, allow_replaced)? {
                if conf == 0 {
                    return Ok(found);
                }
                candidate = Some(found);
            }
        }
    }
}
