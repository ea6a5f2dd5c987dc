//! The way up: each segment's tipsets fetched with their messages, checked against the
//! keys kept on the way down, and accepted tipset by tipset; the next segment is fetched
//! while one is validated.

use super::walk::key_text;
use super::{RefusedBlock, SyncError, SyncStage, SyncWorker, Syncer, TipsetSource, Walked};
use crate::network::now_ms;
use crate::validate::{BlockError, FullBlock};
use padma_types::block::{TipSet, TipSetKey};

/// Tipsets with their blocks and messages, lowest first.
type Segment = Vec<(TipSet, Vec<FullBlock>)>;

/// One segment to fetch: its top key, its length, and the key its lowest tipset's
/// parents must be (the segment below's top, or the base).
struct Step {
    top: TipSetKey,
    len: u64,
    below: TipSetKey,
}

impl Syncer {
    /// Fetches and accepts the tipsets above the base, lowest first; the number accepted.
    pub(super) async fn accept_upwards<S: TipsetSource>(
        &self,
        walked: Walked,
        source: &S,
        worker: &SyncWorker,
    ) -> Result<u64, SyncError> {
        let mut below = walked.base.key().clone();
        let mut steps = Vec::with_capacity(walked.segments.len());
        for (top, len) in walked.segments.into_iter().rev() {
            steps.push(Step {
                top: top.clone(),
                len,
                below: std::mem::replace(&mut below, top),
            });
        }
        let tops: Vec<TipSetKey> = steps.iter().map(|s| s.top.clone()).collect();
        let mut accepted = 0;
        let mut plan = steps.iter().enumerate();
        let Some((_, first)) = plan.next() else {
            return Ok(0);
        };
        worker.set_stage(SyncStage::FetchingMessages);
        let mut current = self.fetch_segment(source, first).await?;
        let mut index = 0;
        loop {
            worker.set_stage(SyncStage::Messages);
            let next = plan.next();
            let above = tops.get(index + 1..).unwrap_or_default();
            let (done, fetched) =
                tokio::join!(self.accept_segment(current, above, worker), async {
                    match next {
                        Some((_, step)) => Some(self.fetch_segment(source, step).await),
                        None => None,
                    }
                });
            if let (Err(SyncError::Invalid(bad)), Some(Ok(next))) = (&done, &fetched) {
                self.mark_descendants(next.iter().map(|(t, _)| t.key()), &bad.block);
            }
            accepted += done?;
            match fetched {
                Some(segment) => {
                    current = segment?;
                    index += 1;
                }
                None => return Ok(accepted),
            }
        }
    }

    /// Fetches one segment with its messages (in as many requests as the source needs)
    /// and checks it is the one walked down: its top, each tipset's parent, its length
    /// and where it joins the segment below.
    async fn fetch_segment<S: TipsetSource>(
        &self,
        source: &S,
        step: &Step,
    ) -> Result<Segment, SyncError> {
        let mut got: Segment = Vec::new();
        let mut cursor = step.top.clone();
        while (got.len() as u64) < step.len {
            let asked = step.len - got.len() as u64;
            let answer = self.ask(source, &cursor, asked, true).await?;
            for fetched in answer {
                let ts = fetched.tipset;
                if ts.key() != &cursor {
                    return Err(SyncError::Source(format!(
                        "asked for {} with messages, got {} at height {}",
                        key_text(&cursor),
                        key_text(ts.key()),
                        ts.height()
                    )));
                }
                let Some(blocks) = fetched.blocks else {
                    return Err(SyncError::Source(format!(
                        "no messages for the tipset at height {}",
                        ts.height()
                    )));
                };
                if blocks.len() != ts.blocks().len()
                    || blocks.iter().zip(ts.blocks()).any(|(b, h)| &b.header != h)
                {
                    return Err(SyncError::Source(format!(
                        "the blocks sent with the tipset at height {} are not its blocks",
                        ts.height()
                    )));
                }
                cursor = ts.parents();
                got.push((ts, blocks));
            }
        }
        if cursor != step.below {
            return Err(SyncError::Source(format!(
                "the tipsets below {} end on {}, not on {}",
                key_text(&step.top),
                key_text(&cursor),
                key_text(&step.below)
            )));
        }
        got.reverse();
        Ok(got)
    }

    /// Validates and accepts a segment tipset by tipset; the number accepted. An invalid
    /// block marks the tipsets above it bad: the rest of `segment` and `above` (the tops
    /// of the segments above; the tipsets between them are not kept, and a later sync
    /// to one of them meets a marked block within a segment's headers).
    async fn accept_segment(
        &self,
        segment: Segment,
        above: &[TipSetKey],
        worker: &SyncWorker,
    ) -> Result<u64, SyncError> {
        let keys: Vec<TipSetKey> = segment.iter().map(|(t, _)| t.key().clone()).collect();
        let mut accepted = 0;
        for (i, (ts, blocks)) in segment.into_iter().enumerate() {
            let height = ts.height();
            worker.set_height(height);
            let svc = self.svc.clone();
            let outcome =
                tokio::task::spawn_blocking(move || svc.submit_tipset(&ts, blocks, now_ms()))
                    .await
                    .map_err(|e| SyncError::Local(format!("the validation task failed: {e}")))?;
            let refused = |index: usize, reason: String| {
                let block = keys
                    .get(i)
                    .and_then(|k| k.cids().get(index))
                    .copied()
                    .unwrap_or_default();
                Box::new(RefusedBlock {
                    block,
                    height,
                    reason,
                })
            };
            match outcome {
                Ok(_) => accepted += 1,
                Err((index, BlockError::Invalid(reason))) => {
                    let refused = refused(index, reason);
                    let later = keys.get(i + 1..).unwrap_or_default();
                    self.mark_descendants(later.iter().chain(above), &refused.block);
                    return Err(SyncError::Invalid(refused));
                }
                Err((index, BlockError::Temporary(reason))) => {
                    return Err(SyncError::NotAccepted(refused(index, reason)));
                }
            }
        }
        Ok(accepted)
    }
}
