//! Chain sync (catch-up): bringing the chain store to a tipset a peer announced, from a
//! [`TipsetSource`] (chain exchange on the network, another chain in process).
//!
//! [`Syncer::sync_to`] first walks back from the target over headers only, checking each
//! step (the first tipset is the one asked for, each next one is its parent, heights
//! strictly fall, no block is known bad, no unknown genesis, no fork deeper than
//! finality), until it reaches a tipset this node has accepted: the base. It keeps only
//! one key every [`SyncConfig::message_batch`] tipsets on the way down, so memory does
//! not grow with the headers. It then fetches headers with messages upwards, a segment
//! between two kept keys at a time (the next segment fetched while the last is
//! validated), checks the segment links to the kept keys, and accepts tipset by tipset
//! through [`ChainService::submit_block`], the path local blocks take. The chain store
//! takes the heaviest tipset as the head, as for any block. An invalid block stops the
//! sync: it is marked bad, and so are the tipsets above it that are at hand (the rest
//! of its segment, the next segment if fetched, the top of every segment above and the
//! target), so that a later sync to any tipset above it meets a marked block within
//! one segment of headers.
//!
//! Nothing is written before it is validated, so a sync that stops (an error, a
//! restart, a kill) leaves a consistent store, and the next one starts from the
//! highest tipset accepted. Each sync is a worker of the node's [`SyncTracker`].

mod forward;
pub mod source;
pub mod tracker;
mod walk;

pub use source::{FetchedTipset, StoreSource, TipsetSource, MAX_REQUEST_TIPSETS};
pub use tracker::{SyncStage, SyncTracker, SyncWorker, SyncWorkerState};

use crate::service::ChainService;
use cid::Cid;
use padma_types::block::{TipSet, TipSetKey};
use std::sync::Arc;
use std::time::Duration;
use walk::key_text;

/// How a sync asks its source.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SyncConfig {
    /// Tipsets asked per request while walking back over headers.
    pub header_batch: u64,
    /// Tipsets asked per request for messages (and validated between requests).
    pub message_batch: u64,
    /// How long one request may go unanswered before the sync fails.
    pub request_timeout: Duration,
}

impl Default for SyncConfig {
    fn default() -> Self {
        SyncConfig {
            header_batch: 500,
            message_batch: 50,
            request_timeout: Duration::from_secs(60),
        }
    }
}

/// Why a sync stopped.
#[derive(Debug, thiserror::Error)]
pub enum SyncError {
    /// The source failed, or sent something other than what was asked (a tipset that
    /// does not link, missing messages, too many or no tipsets).
    #[error("the source failed: {0}")]
    Source(String),
    /// The chain offered is not one this node takes: another genesis, a fork deeper
    /// than finality, a block known bad, a tipset from the future.
    #[error("chain refused: {0}")]
    Refused(String),
    /// A block broke a consensus rule: it and its fetched descendants are marked bad.
    #[error("invalid block {0}")]
    Invalid(Box<RefusedBlock>),
    /// A block could not be judged now (its messages are not the header's, it is from
    /// the future, the node failed to read its state); it may be synced again later.
    #[error("block not accepted for now: {0}")]
    NotAccepted(Box<RefusedBlock>),
    /// This node failed (reading its store).
    #[error("local failure: {0}")]
    Local(String),
}

/// A block a sync could not accept.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{block} at height {height}: {reason}")]
pub struct RefusedBlock {
    /// The block.
    pub block: Cid,
    /// Its height.
    pub height: i64,
    /// Why it was refused.
    pub reason: String,
}

fn local(e: anyhow::Error) -> SyncError {
    SyncError::Local(format!("{e:#}"))
}

/// What a finished sync did.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SyncReport {
    /// The height of the tipset the sync built on (the highest one already accepted on
    /// the way down from the target); the target's own when it was known already.
    pub base_height: i64,
    /// Tipsets whose headers were fetched walking back.
    pub headers_fetched: u64,
    /// Tipsets accepted (with their messages).
    pub tipsets_accepted: u64,
}

/// Catches the chain of one chain service up to tipsets other nodes announce.
#[derive(Clone)]
pub struct Syncer {
    svc: Arc<ChainService>,
    config: SyncConfig,
}

impl Syncer {
    /// A syncer for `svc` with the default batches.
    pub fn new(svc: Arc<ChainService>) -> Self {
        Syncer {
            svc,
            config: SyncConfig::default(),
        }
    }

    /// The same syncer asking with `config` (each batch at least 1 and at most
    /// [`MAX_REQUEST_TIPSETS`]).
    pub fn with_config(mut self, config: SyncConfig) -> Self {
        let clamp = |n: u64| n.clamp(1, MAX_REQUEST_TIPSETS);
        self.config = SyncConfig {
            header_batch: clamp(config.header_batch),
            message_batch: clamp(config.message_batch),
            request_timeout: config.request_timeout,
        };
        self
    }

    /// The chain service it feeds.
    pub fn service(&self) -> &Arc<ChainService> {
        &self.svc
    }

    /// True when the tipset of `key` was accepted here.
    pub fn is_known(&self, key: &TipSetKey) -> Result<bool, SyncError> {
        Ok(self.svc.sm().chain().weight(key).map_err(local)?.is_some())
    }

    /// Brings the chain store to the tipset of `target`, fetched from `source`; when it
    /// is heavier than the head, it becomes the head. Nothing is fetched when it is
    /// already known.
    pub async fn sync_to<S: TipsetSource>(
        &self,
        target: &TipSetKey,
        source: &S,
    ) -> Result<SyncReport, SyncError> {
        if target.is_empty() {
            return Err(SyncError::Refused("the target tipset key is empty".into()));
        }
        if self.is_known(target)? {
            return Ok(SyncReport {
                base_height: self
                    .svc
                    .sm()
                    .chain()
                    .load_tipset(target)
                    .map_err(local)?
                    .height(),
                headers_fetched: 0,
                tipsets_accepted: 0,
            });
        }
        let worker = self.svc.sync_tracker().start(self.svc.sm().head());
        let outcome = self.run(target, source, &worker).await;
        match &outcome {
            Ok(r) => tracing::info!(
                worker = worker.id(),
                base = r.base_height,
                accepted = r.tipsets_accepted,
                "sync complete"
            ),
            Err(e) => tracing::warn!(worker = worker.id(), "sync failed: {e}"),
        }
        worker.finish(outcome.as_ref().map(|_| ()).map_err(|e| e.to_string()));
        outcome
    }

    async fn run<S: TipsetSource>(
        &self,
        target: &TipSetKey,
        source: &S,
        worker: &SyncWorker,
    ) -> Result<SyncReport, SyncError> {
        let walked = self.walk_back(target, source, worker).await?;
        worker.set_stage(SyncStage::PersistHeaders);
        let base_height = walked.base.height();
        let headers_fetched = walked.count;
        let tipsets_accepted = self.accept_upwards(walked, source, worker).await?;
        Ok(SyncReport {
            base_height,
            headers_fetched,
            tipsets_accepted,
        })
    }

    /// Asks `source` for `count` tipsets from `head`: an answer within the request
    /// timeout, of at least one and at most `count` tipsets.
    async fn ask<S: TipsetSource>(
        &self,
        source: &S,
        head: &TipSetKey,
        count: u64,
        with_messages: bool,
    ) -> Result<Vec<FetchedTipset>, SyncError> {
        let what = if with_messages { "messages" } else { "headers" };
        let limit = self.config.request_timeout;
        let got = match tokio::time::timeout(limit, source.fetch(head, count, with_messages)).await
        {
            Err(_) => {
                return Err(SyncError::Source(format!(
                    "no answer for {what} from {} within {limit:?}",
                    key_text(head)
                )))
            }
            Ok(Err(e)) => {
                return Err(SyncError::Source(format!(
                    "{what} from {}: {e:#}",
                    key_text(head)
                )))
            }
            Ok(Ok(got)) => got,
        };
        if got.is_empty() {
            return Err(SyncError::Source(format!(
                "no tipsets with {what} from {}",
                key_text(head)
            )));
        }
        if got.len() as u64 > count {
            return Err(SyncError::Source(format!(
                "{} tipsets where at most {count} were asked",
                got.len()
            )));
        }
        Ok(got)
    }

    /// Marks every block of `tipsets` bad as descendants of `bad`.
    fn mark_descendants<'a>(&self, tipsets: impl IntoIterator<Item = &'a TipSetKey>, bad: &Cid) {
        for key in tipsets {
            for c in key.cids() {
                self.svc
                    .mark_bad(*c, format!("descends from the invalid block {bad}"));
            }
        }
    }
}

/// The outcome of the walk back: the base and one key per segment above it.
pub(crate) struct Walked {
    /// The highest accepted tipset on the way down.
    base: TipSet,
    /// Tipsets above the base.
    count: u64,
    /// The top key of each segment to fetch upwards, highest first, with the number of
    /// tipsets in the segment (the last segment, just above the base, may be shorter).
    segments: Vec<(TipSetKey, u64)>,
}
