//! `Sync*` methods: `SyncState` (the chain's sync workers; before any sync ran, one
//! worker whose sync to the head is complete, as a Lotus node in sync reports) and the
//! bad-block methods (`SyncCheckBad`: why a block was rejected; marking and unmarking).

use super::state::{ah, chain, tipset_of};
use super::NodeState;
use padma_api::sync::*;
use padma_chain::network::now_ms;
use padma_chain::sync::{SyncStage, SyncWorkerState};
use padma_rpc::CallCtx;
use padma_rpc::{MethodTable, RpcError};
use padma_types::block::TipSet;
use padma_types::json::block::TipSetJson;
use padma_types::json::block::{BlockHeaderJson, TipSetKeyJson};
use padma_types::json::CidJson;
use std::sync::Arc;
use tokio::sync::mpsc;

type S = Arc<NodeState>;

/// Lotus's `StageSyncComplete`.
pub(crate) const STAGE_SYNC_COMPLETE: u8 = SyncStage::Complete as u8;

/// Unix seconds as Go's `time.Time` JSON (RFC 3339, UTC).
pub(crate) fn rfc3339(unix: u64) -> String {
    let days = (unix / 86_400) as i64;
    let secs = unix % 86_400;
    // Civil date from days since 1970-01-01 (Howard Hinnant's algorithm).
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!(
        "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}Z",
        secs / 3600,
        secs % 3600 / 60,
        secs % 60
    )
}

/// Registers the sync methods (`SyncSubmitBlock` is registered with block production).
pub(super) fn register(t: &mut MethodTable<NodeState>) {
    t.add_offloaded(SyncState, |s: S, _c, ()| async move { sync_state(&s) });
    t.add_offloaded(SyncCheckBad, |s: S, _c, (c,): (CidJson,)| async move {
        Ok(chain(&s)?.svc.bad_block(&c.0).unwrap_or_default())
    });
    t.add_offloaded(SyncMarkBad, |s: S, _c, (c,): (CidJson,)| async move {
        chain(&s)?.svc.mark_bad(c.0, "marked bad manually".into());
        Ok(())
    });
    t.add_offloaded(SyncUnmarkBad, |s: S, _c, (c,): (CidJson,)| async move {
        chain(&s)?.svc.unmark_bad(&c.0);
        Ok(())
    });
    t.add_offloaded(SyncUnmarkAllBad, |s: S, _c, ()| async move {
        chain(&s)?.svc.unmark_all_bad();
        Ok(())
    });
    t.add_offloaded(
        SyncCheckpoint,
        |s: S, _c, (tsk,): (TipSetKeyJson,)| async move {
            let ts = tipset_of(&s, &tsk)?;
            chain(&s)?.svc.set_checkpoint(ts.key()).map_err(ah)
        },
    );
    t.add_offloaded(
        SyncValidateTipset,
        |s: S, _c, (tsk,): (TipSetKeyJson,)| async move {
            let ts = tipset_of(&s, &tsk)?;
            chain(&s)?
                .svc
                .revalidate_tipset(ts.key(), now_ms())
                .map_err(ah)
        },
    );
    t.add_channel(SyncIncomingBlocks, incoming_blocks);
}

/// `SyncIncomingBlocks`: the headers of blocks as this node accepts them, until the
/// client goes or the node stops.
async fn incoming_blocks(
    s: S,
    _c: CallCtx,
    (): (),
) -> Result<mpsc::Receiver<BlockHeaderJson>, RpcError> {
    let sub = chain(&s)?.svc.subscribe_blocks();
    Ok(super::forward_broadcast(
        &s,
        sub,
        "SyncIncomingBlocks",
        false,
        |b| BlockHeaderJson::from(&b.header),
    ))
}

/// Go's zero `time.Time` in JSON: the end of a worker still running.
const GO_ZERO_TIME: &str = "0001-01-01T00:00:00Z";

/// `SyncState`: the chain's sync workers, oldest first. Before any sync ran, one worker
/// whose sync to the head is complete (base and target the head), as a Lotus node in
/// sync reports; never an empty list, since Lotus tools wait forever on one. No VM
/// applications are counted.
fn sync_state(s: &NodeState) -> Result<SyncStateJson, RpcError> {
    let ch = chain(s)?;
    let workers = ch.svc.sync_tracker().workers();
    if workers.is_empty() {
        return Ok(SyncStateJson {
            active_syncs: vec![complete_at_head(&ch.head())],
            vm_applied: 0,
        });
    }
    Ok(SyncStateJson {
        active_syncs: workers.iter().map(worker_json).collect(),
        vm_applied: 0,
    })
}

/// The worker reported before any sync ran: complete at the head.
fn complete_at_head(head: &TipSet) -> ActiveSyncJson {
    let at = rfc3339(head.min_timestamp());
    let ts = TipSetJson::from(head);
    ActiveSyncJson {
        worker_id: 1,
        base: Some(ts.clone()),
        target: Some(ts),
        stage: STAGE_SYNC_COMPLETE,
        height: head.height(),
        start: at.clone(),
        end: at,
        message: String::new(),
    }
}

fn worker_json(w: &SyncWorkerState) -> ActiveSyncJson {
    ActiveSyncJson {
        worker_id: w.id,
        base: w.base.as_ref().map(TipSetJson::from),
        target: w.target.as_ref().map(TipSetJson::from),
        stage: w.stage.number(),
        height: w.height,
        start: rfc3339(w.start_secs),
        end: w.end_secs.map_or_else(|| GO_ZERO_TIME.into(), rfc3339),
        message: w.message.clone(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn go_time_json() {
        assert_eq!(rfc3339(0), "1970-01-01T00:00:00Z");
        assert_eq!(rfc3339(1_700_000_000), "2023-11-14T22:13:20Z");
        assert_eq!(rfc3339(951_782_400), "2000-02-29T00:00:00Z");
        assert_eq!(rfc3339(4_102_444_799), "2099-12-31T23:59:59Z");
    }
}
