//! The sealing pipeline: committed-capacity sectors from pledge to Proving, persisted
//! in the miner repo's datastore so that every unfinished sector resumes after a
//! restart.
//!
//! Each sector moves through Lotus's states: `Packing` (the CC piece) → `PreCommit1`
//! (ticket: ticket randomness, tag 5, at head − 900 clamped to 0, entropy CBOR(miner))
//! → `PreCommit2` (CommR, CommD) → `PreCommitting` (`PreCommitSectorBatch2` with the
//! deposit) → `PreCommitWait` → `WaitSeed` (beacon randomness, tag 6, at pre-commit
//! epoch + `PreCommitChallengeDelay`) → `Committing` (Commit1/2) → `SubmitCommit`
//! (`ProveCommitSectors3` with the pledge) → `CommitWait` → `FinalizeSector` →
//! `Proving`. A failed step moves to its failure state with the reason; after a delay
//! it is retried from a state that checks the chain first, up to
//! [`Config::max_retries`] times, then the sector is `FailedUnrecoverable`.
//!
//! On a mock-proof network sectors are faux-replicated (milliseconds) and proven with
//! padma's mock seal proofs; otherwise they are really sealed (2KiB: Commit2 takes
//! minutes and needs the PoRep parameters). Heavy steps run on blocking threads, one
//! at a time.

mod db;
pub mod node;
pub mod sector;
mod steps;
#[cfg(test)]
mod tests;

pub use node::SealingNode;
pub use sector::{Drawn, LogEntry, Sector, SectorState};

use crate::fullnode::FullNode;
use crate::storage::Storage;
use anyhow::{anyhow, bail, Context, Result};
use db::SectorDb;
use fvm_shared::address::Address;
use padma_api::storage_miner::{SectorInfoJson, SectorsSummaryJson};
use padma_store::Store;
use padma_types::sector::seal_proof_for_size;
use std::collections::{BTreeMap, HashSet};
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::{watch, Mutex, Notify, OnceCell, Semaphore};

/// Tunables of the pipeline.
#[derive(Debug, Clone)]
pub struct Config {
    /// How often waiting sectors look at the chain again.
    pub poll: Duration,
    /// The pause before a failed step is retried (times the retries so far, capped
    /// at ten times).
    pub retry_delay: Duration,
    /// Failures allowed before a sector is given up.
    pub max_retries: u64,
    /// Epochs past the seed epoch to wait before drawing the seed (Lotus's
    /// `InteractivePoRepConfidence`).
    pub seed_confidence: i64,
    /// Epochs from pre-commit to expiration of a CC sector (Lotus's
    /// `CommittedCapacitySectorLifetime`, 540 days).
    pub cc_lifetime: i64,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            poll: Duration::from_secs(2),
            retry_delay: Duration::from_secs(10),
            max_retries: 5,
            seed_confidence: 6,
            cc_lifetime: 540 * 2880,
        }
    }
}

/// What the pipeline knows about its miner once it reached the chain.
#[derive(Debug, Clone, Copy)]
pub(crate) struct MinerFacts {
    pub id: u64,
    pub seal_proof: i64,
}

pub(crate) struct Inner<N> {
    pub node: N,
    pub miner: Address,
    pub worker: Address,
    pub storage: Storage,
    pub mock_proofs: bool,
    pub config: Config,
    pub db: SectorDb,
    pub sectors: Mutex<BTreeMap<u64, Sector>>,
    pub facts: OnceCell<MinerFacts>,
    pub heavy: Semaphore,
    pub wake: Notify,
    pub pledge_lock: Mutex<()>,
}

/// The sealing pipeline of one miner. Cheap to clone: clones share the pipeline.
pub struct Pipeline<N: SealingNode = FullNode> {
    inner: Arc<Inner<N>>,
}

impl<N: SealingNode> Clone for Pipeline<N> {
    fn clone(&self) -> Self {
        Pipeline {
            inner: self.inner.clone(),
        }
    }
}

impl Pipeline<FullNode> {
    /// The pipeline of `miner` (sealing from `worker`, which must be in the node's
    /// wallet), sealing into `storage`'s first root and keeping its state in `store`.
    pub fn new(
        node: FullNode,
        miner: Address,
        worker: Address,
        storage: Storage,
        store: Arc<Store>,
        mock_proofs: bool,
    ) -> Result<Self> {
        Self::with_config(
            node,
            miner,
            worker,
            storage,
            store,
            mock_proofs,
            Config::default(),
        )
    }
}

impl<N: SealingNode> Pipeline<N> {
    /// [`Pipeline::new`] over any [`SealingNode`], with explicit tunables. Loads the
    /// persisted sectors.
    pub fn with_config(
        node: N,
        miner: Address,
        worker: Address,
        storage: Storage,
        store: Arc<Store>,
        mock_proofs: bool,
        config: Config,
    ) -> Result<Self> {
        if storage.seal_root().is_none() {
            bail!("sealing needs a storage root (storage.json has none)");
        }
        let db = SectorDb::new(store);
        let sectors = db.load_all()?;
        Ok(Pipeline {
            inner: Arc::new(Inner {
                node,
                miner,
                worker,
                storage,
                mock_proofs,
                config,
                db,
                sectors: Mutex::new(sectors),
                facts: OnceCell::new(),
                heavy: Semaphore::new(1),
                wake: Notify::new(),
                pledge_lock: Mutex::new(()),
            }),
        })
    }

    /// The miner's ID and seal proof, asked of the chain once.
    pub(crate) async fn facts(&self) -> Result<MinerFacts> {
        let i = &self.inner;
        i.facts
            .get_or_try_init(|| async {
                let id = i.node.lookup_id(i.miner).await?;
                let size = i.node.sector_size(Address::new_id(id)).await?;
                Ok::<_, anyhow::Error>(MinerFacts {
                    id,
                    seal_proof: i64::from(seal_proof_for_size(size)?),
                })
            })
            .await
            .copied()
    }

    /// Starts a committed-capacity sector: allocates the next sector number (past
    /// every number this pipeline or the chain has allocated) and records the sector
    /// in `Packing`; [`Pipeline::run`] takes it from there.
    pub async fn pledge(&self) -> Result<u64> {
        let facts = self.facts().await?;
        let _g = self.inner.pledge_lock.lock().await;
        let on_chain = self
            .inner
            .node
            .max_allocated(Address::new_id(facts.id))
            .await
            .context("reading the miner's allocated sector numbers")?;
        let mut sectors = self.inner.sectors.lock().await;
        let mut n = self.inner.db.next_number()?;
        if let Some(m) = on_chain {
            n = n.max(m + 1);
        }
        if let Some((&last, _)) = sectors.last_key_value() {
            n = n.max(last + 1);
        }
        let s = Sector::new(n, facts.seal_proof);
        self.inner.db.insert_new(&s)?;
        sectors.insert(n, s);
        drop(sectors);
        tracing::info!(sector = n, "pledged a committed-capacity sector");
        self.inner.wake.notify_one();
        Ok(n)
    }

    /// Every sector's record, by number.
    pub async fn list(&self) -> Vec<Sector> {
        self.inner.sectors.lock().await.values().cloned().collect()
    }

    /// One sector's record.
    pub async fn status(&self, n: u64) -> Option<Sector> {
        self.inner.sectors.lock().await.get(&n).cloned()
    }

    /// One sector as Lotus's `SectorInfo`, with its on-chain fields when the chain has
    /// it (`SectorsStatus`).
    pub async fn sector_info(&self, n: u64) -> Result<SectorInfoJson> {
        let s = self
            .status(n)
            .await
            .ok_or_else(|| anyhow!("sector {n} not found"))?;
        let on_chain = match self.facts().await {
            Ok(f) => self
                .inner
                .node
                .sector_info(Address::new_id(f.id), n)
                .await
                .ok()
                .flatten(),
            Err(_) => None,
        };
        Ok(s.to_sector_info(on_chain.as_ref().map(|c| &c.info)))
    }

    /// How many sectors are in each state (`SectorsSummary`: state name → count).
    pub async fn summary(&self) -> BTreeMap<SectorState, u64> {
        let mut out = BTreeMap::new();
        for s in self.inner.sectors.lock().await.values() {
            *out.entry(s.state).or_insert(0) += 1;
        }
        out
    }

    /// [`Pipeline::summary`] by Lotus state name, in pipeline order (`SectorsSummary`).
    pub async fn summary_counts(&self) -> SectorsSummaryJson {
        self.summary()
            .await
            .into_iter()
            .map(|(state, n)| (state.name().to_string(), n))
            .collect()
    }

    /// Drives every unfinished sector (and each new pledge) until `stop` turns true.
    /// Sectors are persisted after every step, so a later `run` (in this process or
    /// after a restart) resumes them where they were.
    pub async fn run(&self, mut stop: watch::Receiver<bool>) -> Result<()> {
        let mut running: HashSet<u64> = HashSet::new();
        let mut tasks = tokio::task::JoinSet::new();
        loop {
            if *stop.borrow() {
                break;
            }
            let todo: Vec<u64> = self
                .inner
                .sectors
                .lock()
                .await
                .values()
                .filter(|s| !s.state.is_terminal() && !running.contains(&s.number))
                .map(|s| s.number)
                .collect();
            for n in todo {
                running.insert(n);
                let me = self.clone();
                let st = stop.clone();
                tasks.spawn(async move {
                    if let Err(e) = me.drive(n, st).await {
                        tracing::error!(sector = n, "sealing stopped: {e:#}");
                        // Not at once again (the datastore may be failing).
                        tokio::time::sleep(me.inner.config.retry_delay).await;
                    }
                    n
                });
            }
            tokio::select! {
                _ = self.inner.wake.notified() => {}
                Some(done) = tasks.join_next() => {
                    if let Ok(n) = done {
                        running.remove(&n);
                    }
                }
                _ = stop.changed() => {}
            }
        }
        while tasks.join_next().await.is_some() {}
        Ok(())
    }

    /// Runs sector `n`'s steps until it is done or `stop` turns true.
    async fn drive(&self, n: u64, mut stop: watch::Receiver<bool>) -> Result<()> {
        loop {
            if *stop.borrow() {
                return Ok(());
            }
            let Some(mut s) = self.status(n).await else {
                bail!("sector {n} vanished");
            };
            if s.state.is_terminal() {
                return Ok(());
            }
            let before = s.state;
            // Sending steps run to their end, so a sent message is always recorded.
            let outcome = if matches!(
                before,
                SectorState::PreCommitting | SectorState::SubmitCommit
            ) {
                self.step(&mut s).await
            } else {
                tokio::select! {
                    o = self.step(&mut s) => o,
                    _ = stop.wait_for(|v| *v) => return Ok(()),
                }
            };
            let pause = match outcome {
                Ok(steps::Step::To(to, why)) => {
                    s.transition(to, &why);
                    None
                }
                Ok(steps::Step::Wait) => Some(self.inner.config.poll),
                Ok(steps::Step::Fail(reason)) => {
                    tracing::warn!(sector = n, state = %before, "{reason}");
                    s.fail(&reason);
                    None
                }
                Err(e) => {
                    let reason = format!("{e:#}");
                    tracing::warn!(sector = n, state = %before, "{reason}");
                    s.fail(&reason);
                    None
                }
            };
            if s.state != before {
                tracing::info!(sector = n, from = %before, to = %s.state, "sector state");
            }
            self.inner.db.save(&s)?;
            self.inner.sectors.lock().await.insert(n, s);
            if let Some(p) = pause {
                tokio::select! {
                    _ = tokio::time::sleep(p) => {}
                    _ = stop.wait_for(|v| *v) => return Ok(()),
                }
            }
        }
    }
}
