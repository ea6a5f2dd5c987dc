//! The walk back: headers from the target down to the first accepted tipset, every
//! step checked, keeping one key per segment.

use super::{local, SyncError, SyncStage, SyncWorker, Syncer, TipsetSource, Walked};
use crate::consensus::CHAIN_FINALITY;
use crate::network::now_ms;
use padma_types::block::{TipSet, TipSetKey};

/// Epochs a target may be ahead of the wall clock's (Lotus ignores gossip blocks further
/// ahead).
const MAX_FUTURE_EPOCHS: i64 = 5;

/// A key for messages: its first block's CID and how many blocks it has.
pub(crate) fn key_text(key: &TipSetKey) -> String {
    match key.cids().first() {
        Some(c) if key.cids().len() > 1 => format!("{c} (+{} blocks)", key.cids().len() - 1),
        Some(c) => c.to_string(),
        None => "(empty key)".into(),
    }
}

impl Syncer {
    /// Fetches headers backwards from `target` until a tipset this node accepted.
    pub(super) async fn walk_back<S: TipsetSource>(
        &self,
        target: &TipSetKey,
        source: &S,
        worker: &SyncWorker,
    ) -> Result<Walked, SyncError> {
        worker.set_stage(SyncStage::Headers);
        let sm = self.svc.sm();
        let floor = sm.head().height() - CHAIN_FINALITY;
        let newest = sm.params().epoch_at(sm.genesis().timestamp, now_ms()) + MAX_FUTURE_EPOCHS;
        let per_segment = self.config.message_batch;
        let mut segments: Vec<(TipSetKey, u64)> = Vec::new();
        let mut count: u64 = 0;
        let mut cursor = target.clone();
        let mut last_height: Option<i64> = None;
        loop {
            let got = self
                .ask(source, &cursor, self.config.header_batch, false)
                .await?;
            for fetched in got {
                let ts = fetched.tipset;
                if ts.key() != &cursor {
                    return Err(SyncError::Source(format!(
                        "asked for {}, got {} at height {}: the chain does not link",
                        key_text(&cursor),
                        key_text(ts.key()),
                        ts.height()
                    )));
                }
                match last_height {
                    Some(above) if ts.height() >= above => {
                        return Err(SyncError::Source(format!(
                            "tipset at height {} is the parent of one at height {above}",
                            ts.height()
                        )));
                    }
                    Some(_) => {}
                    None => {
                        if ts.height() > newest {
                            return Err(SyncError::Refused(format!(
                                "the target's height {} is ahead of the current epoch {}",
                                ts.height(),
                                newest - MAX_FUTURE_EPOCHS
                            )));
                        }
                        worker.set_target(ts.clone());
                    }
                }
                if self.is_known(ts.key())? {
                    self.check_fork_depth(&ts, floor)?;
                    return Ok(Walked {
                        base: ts,
                        count,
                        segments,
                    });
                }
                self.check_unknown(&ts, floor, &segments)?;
                if count.is_multiple_of(per_segment) {
                    segments.push((ts.key().clone(), 0));
                }
                if let Some(segment) = segments.last_mut() {
                    segment.1 += 1;
                }
                count += 1;
                last_height = Some(ts.height());
                worker.set_height(ts.height());
                cursor = ts.parents();
            }
        }
    }

    /// Refuses a tipset not accepted here that must not be walked past: one with a
    /// block known bad (marking the tipsets above it bad too), another genesis, or one
    /// at or below the finality floor (the fork would be deeper than finality).
    fn check_unknown(
        &self,
        ts: &TipSet,
        floor: i64,
        above: &[(TipSetKey, u64)],
    ) -> Result<(), SyncError> {
        for b in ts.blocks() {
            let cid = b.cid();
            if let Some(reason) = self.svc.bad_block(&cid) {
                self.mark_descendants(above.iter().map(|(k, _)| k), &cid);
                return Err(SyncError::Refused(format!(
                    "the chain holds block {cid} at height {}, known bad: {reason}",
                    ts.height()
                )));
            }
        }
        if ts.height() <= 0 || ts.parents().is_empty() {
            return Err(SyncError::Refused(format!(
                "the chain starts from another genesis ({} at height {}), not {}",
                key_text(ts.key()),
                ts.height(),
                self.svc.sm().genesis().cid()
            )));
        }
        if ts.height() <= floor {
            return Err(SyncError::Refused(format!(
                "the chain forks from ours more than finality ({CHAIN_FINALITY} epochs) below the head: no accepted tipset at or above height {floor}"
            )));
        }
        Ok(())
    }

    /// Refuses a base whose fork point with the canonical chain is more than finality
    /// below the head (the base itself may be on a side chain accepted earlier).
    fn check_fork_depth(&self, base: &TipSet, floor: i64) -> Result<(), SyncError> {
        let cs = self.svc.sm().chain();
        let deep = |height: i64| {
            SyncError::Refused(format!(
                "the chain forks from ours below height {height}, more than finality ({CHAIN_FINALITY} epochs) below the head"
            ))
        };
        let mut fork = base.clone();
        while !cs.is_canonical(&fork) {
            if fork.height() <= floor {
                return Err(deep(floor));
            }
            fork = cs.load_tipset(&fork.parents()).map_err(local)?;
        }
        if fork.height() < floor {
            return Err(deep(floor));
        }
        Ok(())
    }
}
