//! `Sync*` methods: `SyncState` (padma validates blocks as they arrive, so it reports one
//! worker whose sync to the head is complete, as a Lotus node in sync does) and
//! `SyncCheckBad` (why a block was rejected).

use super::state::chain;
use super::NodeState;
use padma_rpc::method::{to_value, CallResult};
use padma_rpc::{CallCtx, Params};
use padma_types::block_json::TipSetJson;
use padma_types::json::CidJson;
use serde_json::json;
use std::sync::Arc;

/// Lotus's `StageSyncComplete`.
pub(crate) const STAGE_SYNC_COMPLETE: u8 = 4;

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

/// `SyncState`: `{"ActiveSyncs": [one worker, stage complete, base and target the
/// head], "VMApplied": 0}`. Never an empty list: Lotus tools wait forever on one.
pub async fn sync_state(s: Arc<NodeState>, _c: CallCtx, _p: Params) -> CallResult {
    let head = chain(&s)?.head();
    let at = rfc3339(head.min_timestamp());
    let ts = TipSetJson::from(&head);
    Ok(json!({
        "ActiveSyncs": [{
            "WorkerID": 1,
            "Base": ts,
            "Target": ts,
            "Stage": STAGE_SYNC_COMPLETE,
            "Height": head.height(),
            "Start": at,
            "End": at,
            "Message": "",
        }],
        "VMApplied": 0,
    }))
}

/// `SyncCheckBad [CID]`: why the block was marked bad, or `""`.
pub async fn sync_check_bad(s: Arc<NodeState>, _c: CallCtx, p: Params) -> CallResult {
    let c = p.get::<CidJson>(0)?.0;
    to_value(chain(&s)?.svc.bad_block(&c).unwrap_or_default())
}

/// `SyncMarkBad [cid]`: refuse this block from now on.
pub async fn sync_mark_bad(s: Arc<NodeState>, _c: CallCtx, p: Params) -> CallResult {
    let c = p.get::<CidJson>(0)?.0;
    chain(&s)?.svc.mark_bad(c, "marked bad manually".into());
    to_value(())
}

/// `SyncUnmarkBad [cid]`: forget that this block was bad.
pub async fn sync_unmark_bad(s: Arc<NodeState>, _c: CallCtx, p: Params) -> CallResult {
    let c = p.get::<CidJson>(0)?.0;
    chain(&s)?.svc.unmark_bad(&c);
    to_value(())
}

/// `SyncUnmarkAllBad`: forget every bad block.
pub async fn sync_unmark_all_bad(s: Arc<NodeState>, _c: CallCtx, _p: Params) -> CallResult {
    chain(&s)?.svc.unmark_all_bad();
    to_value(())
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
