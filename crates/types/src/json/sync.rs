//! Lotus JSON of `SyncState`: the sync workers and their progress.

use super::block::TipSetJson;
use serde::{Deserialize, Serialize};

/// Lotus's `SyncState`: the sync workers and how many blocks the VM applied.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct SyncStateJson {
    /// One entry per sync worker.
    #[serde(rename = "ActiveSyncs")]
    pub active_syncs: Vec<ActiveSyncJson>,
    /// Blocks applied by the VM.
    #[serde(rename = "VMApplied")]
    pub vm_applied: u64,
}

/// Lotus's `ActiveSync`: one sync worker's progress.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct ActiveSyncJson {
    /// The worker's number.
    #[serde(rename = "WorkerID")]
    pub worker_id: u64,
    /// The tipset the sync started from.
    pub base: Option<TipSetJson>,
    /// The tipset the sync is heading to.
    pub target: Option<TipSetJson>,
    /// The sync stage (4: complete).
    pub stage: u8,
    /// The height reached.
    pub height: i64,
    /// When the sync started (RFC 3339).
    pub start: String,
    /// When it ended (RFC 3339).
    pub end: String,
    /// An error or status text.
    pub message: String,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sync_state_shape() {
        let text = r#"{"ActiveSyncs":[{"WorkerID":1,"Base":null,"Target":null,"Stage":4,"Height":7,"Start":"1970-01-01T00:00:00Z","End":"1970-01-01T00:00:00Z","Message":""}],"VMApplied":0}"#;
        let s: SyncStateJson = serde_json::from_str(text).expect("decodes");
        assert_eq!(s.active_syncs.first().map(|a| a.height), Some(7));
        assert_eq!(serde_json::to_string(&s).expect("encodes"), text);
    }
}
