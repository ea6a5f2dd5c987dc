//! Sync workers' progress, for `SyncState`: each catch-up is a worker with Lotus's
//! fields (stage, base, target, height, start and end, message). The tracker belongs to
//! one chain service; it keeps the latest workers only.

use padma_types::block::TipSet;
use std::collections::VecDeque;
use std::sync::{Arc, Mutex};
use std::time::{SystemTime, UNIX_EPOCH};

/// Workers remembered: the running ones and the latest finished ones.
const WORKERS_KEPT: usize = 8;

/// A sync stage, numbered as Lotus's `api.SyncStateStage`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SyncStage {
    /// Not syncing.
    Idle = 0,
    /// Fetching headers backwards from the target.
    Headers = 1,
    /// Storing the fetched headers (padma stores a header only once it is valid, so a
    /// worker passes this stage at once).
    PersistHeaders = 2,
    /// Validating and accepting tipsets upwards.
    Messages = 3,
    /// Done: the target was reached.
    Complete = 4,
    /// Failed; the message says why.
    Errored = 5,
    /// Fetching the messages of the next tipsets.
    FetchingMessages = 6,
}

impl SyncStage {
    /// Lotus's number for the stage.
    pub fn number(self) -> u8 {
        self as u8
    }

    /// True while the worker is busy (neither idle, complete nor failed).
    pub fn is_active(self) -> bool {
        !matches!(
            self,
            SyncStage::Idle | SyncStage::Complete | SyncStage::Errored
        )
    }
}

/// One worker's progress, as `SyncState` reports it.
#[derive(Clone, Debug)]
pub struct SyncWorkerState {
    /// The worker's number (from 1, in start order).
    pub id: u64,
    /// What it is doing.
    pub stage: SyncStage,
    /// The head when the sync started.
    pub base: Option<TipSet>,
    /// The tipset it syncs to (once its headers are known).
    pub target: Option<TipSet>,
    /// The height it reached: the lowest header fetched while walking back, then the
    /// tipset being accepted.
    pub height: i64,
    /// When it started (Unix seconds).
    pub start_secs: u64,
    /// When it ended (Unix seconds), once it has.
    pub end_secs: Option<u64>,
    /// Why it failed, or what it is doing.
    pub message: String,
}

#[derive(Default)]
struct Workers {
    next_id: u64,
    list: VecDeque<SyncWorkerState>,
}

/// The sync workers of one node.
#[derive(Default)]
pub struct SyncTracker {
    workers: Mutex<Workers>,
}

fn now_secs() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0)
}

impl SyncTracker {
    /// A tracker with no workers yet.
    pub fn new() -> Arc<Self> {
        Arc::new(SyncTracker::default())
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Workers> {
        self.workers.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// The workers, oldest first (empty when no sync ever ran).
    pub fn workers(&self) -> Vec<SyncWorkerState> {
        self.lock().list.iter().cloned().collect()
    }

    /// Starts a worker syncing from `base`; it reports through the returned handle,
    /// and counts as failed if the handle is dropped before it finishes.
    pub fn start(self: &Arc<Self>, base: TipSet) -> SyncWorker {
        let mut w = self.lock();
        w.next_id += 1;
        let id = w.next_id;
        w.list.push_back(SyncWorkerState {
            id,
            stage: SyncStage::Headers,
            height: base.height(),
            base: Some(base),
            target: None,
            start_secs: now_secs(),
            end_secs: None,
            message: String::new(),
        });
        // Forget the oldest finished workers first; running ones stay.
        while w.list.len() > WORKERS_KEPT {
            match w.list.iter().position(|s| !s.stage.is_active()) {
                Some(i) => {
                    w.list.remove(i);
                }
                None => break,
            }
        }
        SyncWorker {
            tracker: self.clone(),
            id,
            finished: false,
        }
    }
}

/// The reporting handle of one running worker.
pub struct SyncWorker {
    tracker: Arc<SyncTracker>,
    id: u64,
    finished: bool,
}

impl SyncWorker {
    /// The worker's number.
    pub fn id(&self) -> u64 {
        self.id
    }

    fn update(&self, f: impl FnOnce(&mut SyncWorkerState)) {
        let mut w = self.tracker.lock();
        if let Some(s) = w.list.iter_mut().find(|s| s.id == self.id) {
            f(s);
        }
    }

    /// Enters `stage`.
    pub fn set_stage(&self, stage: SyncStage) {
        self.update(|s| s.stage = stage);
    }

    /// Records the height reached.
    pub fn set_height(&self, height: i64) {
        self.update(|s| s.height = height);
    }

    /// Records the target tipset.
    pub fn set_target(&self, target: TipSet) {
        self.update(|s| s.target = Some(target));
    }

    /// Finishes the worker: complete when `outcome` is Ok, else failed with its message.
    pub fn finish(mut self, outcome: Result<(), String>) {
        self.end(outcome);
    }

    fn end(&mut self, outcome: Result<(), String>) {
        self.finished = true;
        self.update(|s| {
            s.end_secs = Some(now_secs());
            match outcome {
                Ok(()) => {
                    s.stage = SyncStage::Complete;
                    s.message.clear();
                }
                Err(m) => {
                    s.stage = SyncStage::Errored;
                    s.message = m;
                }
            }
        });
    }
}

impl Drop for SyncWorker {
    fn drop(&mut self) {
        if !self.finished {
            self.end(Err("sync abandoned".into()));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn genesis_like() -> TipSet {
        let cid = padma_types::cid::cbor_cid(&[0x80]);
        TipSet::new(vec![padma_types::block::BlockHeader {
            miner: fvm_shared::address::Address::new_id(1000),
            ticket: None,
            election_proof: None,
            beacon_entries: vec![],
            win_post_proof: vec![],
            parents: vec![],
            parent_weight: Default::default(),
            height: 0,
            parent_state_root: cid,
            parent_message_receipts: cid,
            messages: cid,
            bls_aggregate: None,
            timestamp: 0,
            block_sig: None,
            fork_signaling: 0,
            parent_base_fee: Default::default(),
        }])
        .unwrap()
    }

    #[test]
    fn stages_are_numbered_as_lotus() {
        assert_eq!(SyncStage::Idle.number(), 0);
        assert_eq!(SyncStage::Headers.number(), 1);
        assert_eq!(SyncStage::PersistHeaders.number(), 2);
        assert_eq!(SyncStage::Messages.number(), 3);
        assert_eq!(SyncStage::Complete.number(), 4);
        assert_eq!(SyncStage::Errored.number(), 5);
        assert_eq!(SyncStage::FetchingMessages.number(), 6);
    }

    #[test]
    fn workers_report_and_finish() {
        let t = SyncTracker::new();
        assert!(t.workers().is_empty());
        let base = genesis_like();
        let w = t.start(base.clone());
        w.set_stage(SyncStage::Messages);
        w.set_height(7);
        let s = t.workers();
        assert_eq!(s.len(), 1);
        assert_eq!(s[0].stage, SyncStage::Messages);
        assert_eq!(s[0].height, 7);
        assert!(s[0].end_secs.is_none());
        w.finish(Ok(()));
        assert_eq!(t.workers()[0].stage, SyncStage::Complete);
        assert!(t.workers()[0].end_secs.is_some());
        let w = t.start(base.clone());
        drop(w);
        let s = t.workers();
        assert_eq!(s[1].stage, SyncStage::Errored);
        assert_eq!(s[1].message, "sync abandoned");
        for _ in 0..20 {
            t.start(base.clone()).finish(Err("no".into()));
        }
        assert_eq!(t.workers().len(), WORKERS_KEPT);
        assert_eq!(t.workers().last().map(|s| s.id), Some(22));
    }
}
