//! The WindowPoSt scheduler, as Lotus's `storage/wdpost`: it follows the full node's
//! head and, for every deadline with live sectors, draws the challenge once it is
//! settled, proves the partitions (skipping sectors it cannot read) and submits
//! `SubmitWindowedPoSt` from the worker inside the challenge window; ahead of each
//! deadline's fault cutoff it declares faults for sectors it cannot read and
//! recoveries for faulty sectors that came back. The decisions are in [`core`]
//! (pure, unit-tested); this module does the node calls.

pub mod core;

use self::core::{
    all_sectors, challenged_commitments, declarable, declarations, declare_faults_params,
    declare_recoveries_params, mock_window_post, plan_post, post_stage, submit_params, Deadline,
    Partition, PostBatch, PostStage,
};
use crate::fullnode::FullNode;
use crate::storage::Storage;
use anyhow::{anyhow, bail, Context, Result};
use cid::Cid;
use fvm_ipld_bitfield::BitField;
use fvm_shared::address::{Address, Payload};
use fvm_shared::clock::ChainEpoch;
use fvm_shared::econ::TokenAmount;
use fvm_shared::message::Message;
use padma_api::chain::ChainHead;
use padma_api::miner_state::{
    StateMinerDeadlines, StateMinerInfo, StateMinerPartitions, StateMinerProvingDeadline,
    StateMinerSectors,
};
use padma_api::msg_search::StateWaitMsg;
use padma_api::randomness::{StateGetRandomnessFromBeacon, StateGetRandomnessFromTickets};
use padma_api::state::{StateLookupID, StateNetworkName};
use padma_rpc::RpcMethod;
use padma_state::actors::method;
use padma_types::block::TipSetKey;
use padma_types::json::block::TipSetKeyJson;
use padma_types::json::{AddressJson, BytesJson, CidJson};
use serde::Serialize;
use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::sync::{broadcast, watch};
use tokio::task::JoinSet;

/// `WindowedPoStChallengeSeed` domain separation tag.
const TAG_WINDOW_POST_CHALLENGE: i64 = 4;
/// `PoStChainCommit` domain separation tag.
const TAG_POST_CHAIN_COMMIT: i64 = 9;
/// Failed messages for one deadline (PoSt or declaration) before giving up on it.
const MAX_FAILURES: u32 = 3;
/// Epochs a message's receipt is awaited with (`StateWaitMsg` confidence).
const RECEIPT_CONFIDENCE: u64 = 1;

/// What the scheduler did, for logs, tests and the miner's API.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum PoStEvent {
    /// A `SubmitWindowedPoSt` was pushed.
    Submitted {
        /// Deadline index.
        deadline: u64,
        /// First epoch of the deadline's window.
        open: ChainEpoch,
        /// The partitions proven.
        partitions: Vec<u64>,
        /// Sectors skipped (unreadable).
        skipped: Vec<u64>,
        /// The message.
        message: Cid,
    },
    /// A `DeclareFaults` was pushed.
    FaultsDeclared {
        /// Deadline index.
        deadline: u64,
        /// The sectors declared faulty.
        sectors: Vec<u64>,
        /// The message.
        message: Cid,
    },
    /// A `DeclareFaultsRecovered` was pushed.
    RecoveriesDeclared {
        /// Deadline index.
        deadline: u64,
        /// The sectors declared recovering.
        sectors: Vec<u64>,
        /// The message.
        message: Cid,
    },
    /// A pushed message was executed.
    Landed {
        /// The message.
        message: Cid,
        /// Its method (5, 10 or 11).
        method: u64,
        /// Its receipt's exit code (0: success).
        exit_code: i64,
        /// The height of the tipset that executed it.
        height: ChainEpoch,
    },
    /// Something failed (it is retried while there is time).
    Failed {
        /// The deadline concerned, if any.
        deadline: Option<u64>,
        /// What went wrong.
        error: String,
    },
}

/// Proves the miner's sectors in every deadline: see the module documentation.
pub struct WindowPoStScheduler {
    fullnode: FullNode,
    miner: Address,
    storage: Storage,
    mock_proofs: bool,
    poll: Option<Duration>,
    events: broadcast::Sender<PoStEvent>,
    handled: watch::Sender<ChainEpoch>,
}

impl WindowPoStScheduler {
    /// A scheduler for `miner` (its sectors found in `storage`), proving with mock
    /// proofs when the network declares them.
    pub fn new(fullnode: FullNode, miner: Address, storage: Storage, mock_proofs: bool) -> Self {
        WindowPoStScheduler {
            fullnode,
            miner,
            storage,
            mock_proofs,
            poll: None,
            events: broadcast::channel(256).0,
            handled: watch::channel(-1).0,
        }
    }

    /// Polls the head this often (default: the network's block delay, at most 1 s).
    pub fn with_poll_interval(mut self, poll: Duration) -> Self {
        self.poll = Some(poll);
        self
    }

    /// Events from now on.
    pub fn subscribe(&self) -> broadcast::Receiver<PoStEvent> {
        self.events.subscribe()
    }

    /// The height of the last head handled (every message it called for pushed, or
    /// the failure reported as a [`PoStEvent::Failed`]).
    pub fn handled(&self) -> watch::Receiver<ChainEpoch> {
        self.handled.subscribe()
    }

    /// Follows the head until `stop` turns true. Node errors are logged and the work
    /// retried at the next head.
    pub async fn run(self, mut stop: watch::Receiver<bool>) -> Result<()> {
        let poll = match self.poll {
            Some(p) => p,
            None => self.default_poll().await,
        };
        let mut st = RunState::new(&self).await?;
        tracing::info!(miner = %st.miner, "WindowPoSt scheduler started");
        while !*stop.borrow() {
            match st.tick(&self).await {
                Ok(Some(h)) => {
                    self.handled.send_replace(h);
                }
                Ok(None) => {}
                Err(e) => {
                    tracing::warn!("WindowPoSt: {e:#}");
                    let _ = self.events.send(PoStEvent::Failed {
                        deadline: None,
                        error: format!("{e:#}"),
                    });
                }
            }
            tokio::select! {
                _ = tokio::time::sleep(poll) => {}
                _ = stop.changed() => {}
            }
        }
        st.receipts.abort_all();
        tracing::info!(miner = %st.miner, "WindowPoSt scheduler stopped");
        Ok(())
    }

    async fn default_poll(&self) -> Duration {
        let ms = match self.fullnode.request::<StateNetworkName>(()).await {
            Ok(name) => padma_chain::network::NetworkParams::parse(&name)
                .map(|p| p.block_delay_ms)
                .unwrap_or(1000),
            Err(_) => 1000,
        };
        Duration::from_millis(ms.clamp(50, 1000))
    }
}

/// Messages in flight and failures, per deadline instance and kind.
#[derive(Default)]
struct Tracker {
    in_flight: HashMap<TrackKey, usize>,
    failures: HashMap<TrackKey, u32>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
enum Kind {
    Post,
    Faults,
    Recoveries,
}

type TrackKey = (Kind, u64, ChainEpoch);

impl Tracker {
    fn busy(&self, k: &TrackKey) -> bool {
        self.in_flight.get(k).copied().unwrap_or(0) > 0
            || self.failures.get(k).copied().unwrap_or(0) >= MAX_FAILURES
    }

    fn prune(&mut self, height: ChainEpoch, period: ChainEpoch) {
        let keep = |k: &TrackKey| k.2 + 2 * period > height;
        self.in_flight.retain(|k, _| keep(k));
        self.failures.retain(|k, _| keep(k));
    }
}

/// A proof made ahead of submission.
struct Prepared {
    randomness: [u8; 32],
    batches: Vec<PostBatch>,
    proofs: Vec<Vec<u8>>,
}

struct RunState {
    miner: Address,
    miner_id: u64,
    entropy: Vec<u8>,
    last_head: Option<TipSetKeyJson>,
    tracker: Arc<Mutex<Tracker>>,
    prepared: HashMap<(u64, ChainEpoch), Prepared>,
    receipts: JoinSet<()>,
}

/// The miner info the scheduler needs.
struct MinerInfo {
    worker: Address,
    post_proof: i64,
}

impl RunState {
    async fn new(s: &WindowPoStScheduler) -> Result<Self> {
        let miner = match s.miner.payload() {
            Payload::ID(_) => s.miner,
            _ => {
                s.fullnode
                    .request::<StateLookupID>((AddressJson(s.miner), TipSetKeyJson::default()))
                    .await?
                    .0
            }
        };
        let Payload::ID(miner_id) = *miner.payload() else {
            bail!("miner {miner} has no ID address");
        };
        Ok(RunState {
            miner,
            miner_id,
            entropy: fvm_ipld_encoding::to_vec(&miner)?,
            last_head: None,
            tracker: Arc::default(),
            prepared: HashMap::new(),
            receipts: JoinSet::new(),
        })
    }

    fn tracker(&self) -> std::sync::MutexGuard<'_, Tracker> {
        self.tracker.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Handles a new head, if there is one: its height.
    async fn tick(&mut self, s: &WindowPoStScheduler) -> Result<Option<ChainEpoch>> {
        while self.receipts.try_join_next().is_some() {}
        let head = s.fullnode.request::<ChainHead>(()).await?;
        let tsk = TipSetKeyJson(TipSetKey(head.cids.iter().map(|c| c.0).collect()));
        if self.last_head.as_ref() == Some(&tsk) {
            return Ok(None);
        }
        let height = head.height;
        let current = Deadline::from(
            s.fullnode
                .request::<StateMinerProvingDeadline>((self.address(), tsk.clone()))
                .await?,
        );
        self.tracker().prune(height, current.proving_period);
        self.prepared
            .retain(|k, _| k.1 + current.challenge_window > height);

        let mut errors = Vec::new();
        for d in [current, current.next()] {
            let stage = post_stage(&d, height);
            if matches!(stage, PostStage::Prove | PostStage::Submit) {
                if let Err(e) = self.post(s, &d, stage, height, &tsk).await {
                    errors.push((d.index, e));
                }
            }
        }
        for k in 1..=4 {
            let d = current.nth_next(k);
            if declarable(&d, height) {
                if let Err(e) = self.declare(s, &d, &tsk).await {
                    errors.push((d.index, e));
                }
            }
        }
        for (dl, e) in &errors {
            tracing::warn!(deadline = dl, height, "WindowPoSt: {e:#}");
            let _ = s.events.send(PoStEvent::Failed {
                deadline: Some(*dl),
                error: format!("{e:#}"),
            });
        }
        // What failed is tried again at the next head.
        self.last_head = Some(tsk);
        Ok(Some(height))
    }

    async fn partitions(
        &self,
        s: &WindowPoStScheduler,
        index: u64,
        tsk: &TipSetKeyJson,
    ) -> Result<Vec<Partition>> {
        let partitions = s
            .fullnode
            .request::<StateMinerPartitions>((self.address(), index, tsk.clone()))
            .await?;
        Ok(partitions.into_iter().map(Partition::from).collect())
    }

    /// The sectors of `candidates` whose files are in storage.
    fn readable(&self, s: &WindowPoStScheduler, candidates: &BitField) -> BitField {
        let mut out = BitField::new();
        for n in candidates.iter() {
            if s.storage.find(self.miner_id, n).is_some() {
                out.set(n);
            }
        }
        out
    }

    async fn miner_info(&self, s: &WindowPoStScheduler, tsk: &TipSetKeyJson) -> Result<MinerInfo> {
        let info = s
            .fullnode
            .request::<StateMinerInfo>((self.address(), tsk.clone()))
            .await?;
        Ok(MinerInfo {
            worker: info.worker.0,
            post_proof: info.window_post_proof_type,
        })
    }

    /// The miner's address as the node's methods take it.
    fn address(&self) -> AddressJson {
        AddressJson(self.miner)
    }

    /// Chain randomness from `M` (tickets or beacon) at `epoch`, as of `tsk`.
    async fn randomness<M>(
        &self,
        s: &WindowPoStScheduler,
        tag: i64,
        epoch: ChainEpoch,
        entropy: &[u8],
        tsk: &TipSetKeyJson,
    ) -> Result<Vec<u8>>
    where
        M: RpcMethod<
            Params = (Option<i64>, Option<i64>, Option<BytesJson>, TipSetKeyJson),
            Ok = BytesJson,
        >,
    {
        let entropy = (!entropy.is_empty()).then(|| BytesJson(entropy.to_vec()));
        let b = s
            .fullnode
            .request::<M>((Some(tag), Some(epoch), entropy, tsk.clone()))
            .await?;
        Ok(b.0)
    }

    /// Proves (and, at the submit stage, submits) deadline `d`.
    async fn post(
        &mut self,
        s: &WindowPoStScheduler,
        d: &Deadline,
        stage: PostStage,
        height: ChainEpoch,
        tsk: &TipSetKeyJson,
    ) -> Result<()> {
        let key = (Kind::Post, d.index, d.open);
        if self.tracker().busy(&key) {
            return Ok(());
        }
        let partitions = self.partitions(s, d.index, tsk).await?;
        if partitions.iter().all(|p| p.live.is_empty()) {
            return Ok(());
        }
        let posted = if d.open <= height {
            let dls = s
                .fullnode
                .request::<StateMinerDeadlines>((self.address(), tsk.clone()))
                .await?;
            let dl = usize::try_from(d.index)
                .ok()
                .and_then(|i| dls.into_iter().nth(i))
                .ok_or_else(|| anyhow!("StateMinerDeadlines: no deadline {}", d.index))?;
            dl.post_submissions.0
        } else {
            BitField::new()
        };
        let candidates = partitions
            .iter()
            .fold(BitField::new(), |a, p| &a | &p.to_prove());
        let readable = self.readable(s, &candidates);
        let max = padma_state::policy::devnet_policy().posted_partitions_max as usize;
        let batches = plan_post(d.index, &partitions, &posted, &readable, max);
        if batches.is_empty() {
            return Ok(());
        }
        let rand = self
            .randomness::<StateGetRandomnessFromBeacon>(
                s,
                TAG_WINDOW_POST_CHALLENGE,
                d.challenge,
                &self.entropy,
                tsk,
            )
            .await?;
        let randomness: [u8; 32] = rand
            .as_slice()
            .try_into()
            .map_err(|_| anyhow!("beacon randomness of {} bytes", rand.len()))?;
        let info = self.miner_info(s, tsk).await?;
        let fresh = match self.prepared.get(&d.key()) {
            Some(p) => p.randomness != randomness || p.batches != batches,
            None => true,
        };
        if fresh {
            let proofs = self
                .prove(s, &info, randomness, &partitions, &batches, tsk)
                .await
                .with_context(|| format!("proving deadline {}", d.index))?;
            tracing::info!(
                deadline = d.index,
                height,
                batches = batches.len(),
                "WindowPoSt proven"
            );
            self.prepared.insert(
                d.key(),
                Prepared {
                    randomness,
                    batches: batches.clone(),
                    proofs,
                },
            );
        }
        if stage != PostStage::Submit {
            return Ok(());
        }
        let Some(prepared) = self.prepared.remove(&d.key()) else {
            return Ok(());
        };
        let commit_rand = self
            .randomness::<StateGetRandomnessFromTickets>(
                s,
                TAG_POST_CHAIN_COMMIT,
                d.challenge,
                &[],
                tsk,
            )
            .await?;
        for (batch, proof) in prepared.batches.iter().zip(prepared.proofs) {
            let params = submit_params(
                batch,
                info.post_proof,
                proof,
                d.challenge,
                commit_rand.clone(),
            );
            let cid = self
                .push(s, &info, method::miner::SUBMIT_WINDOWED_POST, &params, key)
                .await?;
            let skipped = batch
                .partitions
                .iter()
                .flat_map(|(_, sk)| sk.iter())
                .collect::<Vec<_>>();
            tracing::info!(deadline = d.index, height, message = %cid, ?skipped, "WindowPoSt submitted");
            let _ = s.events.send(PoStEvent::Submitted {
                deadline: d.index,
                open: d.open,
                partitions: batch.partitions.iter().map(|(i, _)| *i).collect(),
                skipped,
                message: cid,
            });
        }
        Ok(())
    }

    async fn prove(
        &self,
        s: &WindowPoStScheduler,
        info: &MinerInfo,
        randomness: [u8; 32],
        partitions: &[Partition],
        batches: &[PostBatch],
        tsk: &TipSetKeyJson,
    ) -> Result<Vec<Vec<u8>>> {
        let all = all_sectors(partitions);
        let sectors = s
            .fullnode
            .request::<StateMinerSectors>((self.address(), core::bitfield_json(&all), tsk.clone()))
            .await?;
        let mut comm_rs = BTreeMap::new();
        for sector in &sectors {
            comm_rs.insert(sector.sector_number, core::comm_r_of(&sector.sealed_cid.0)?);
        }
        let mut proofs = Vec::with_capacity(batches.len());
        for batch in batches {
            let challenged = challenged_commitments(batch, &comm_rs)?;
            if s.mock_proofs {
                proofs.push(mock_window_post(
                    info.post_proof,
                    self.miner_id,
                    randomness,
                    challenged,
                )?);
                continue;
            }
            let mut sectors = Vec::with_capacity(batch.proven.len());
            for n in &batch.proven {
                let paths = s
                    .storage
                    .find(self.miner_id, *n)
                    .ok_or_else(|| anyhow!("sector {n} is no longer in storage"))?;
                let comm_r = *comm_rs
                    .get(n)
                    .ok_or_else(|| anyhow!("no CommR for sector {n}"))?;
                sectors.push(padma_proofs::post::ProvingSector {
                    number: *n,
                    comm_r,
                    sealed: paths.sealed,
                    cache: paths.cache,
                });
            }
            let (post_proof, miner_id) = (info.post_proof, self.miner_id);
            let proof = tokio::task::spawn_blocking(move || {
                padma_proofs::post::generate_window_post(
                    post_proof,
                    padma_proofs::seal::prover_id(miner_id),
                    randomness,
                    &sectors,
                )
            })
            .await
            .map_err(|e| anyhow!("proving task: {e}"))??;
            proofs.push(proof);
        }
        Ok(proofs)
    }

    /// Declares faults and recoveries for deadline `d` as its sectors' files say.
    async fn declare(
        &mut self,
        s: &WindowPoStScheduler,
        d: &Deadline,
        tsk: &TipSetKeyJson,
    ) -> Result<()> {
        let fk = (Kind::Faults, d.index, d.open);
        let rk = (Kind::Recoveries, d.index, d.open);
        let (faults_busy, recoveries_busy) = {
            let t = self.tracker();
            (t.busy(&fk), t.busy(&rk))
        };
        if faults_busy && recoveries_busy {
            return Ok(());
        }
        let partitions = self.partitions(s, d.index, tsk).await?;
        let live = partitions.iter().fold(BitField::new(), |a, p| &a | &p.live);
        if live.is_empty() {
            return Ok(());
        }
        let readable = self.readable(s, &live);
        let decl = declarations(&partitions, &readable);
        if decl.is_empty() {
            return Ok(());
        }
        let info = self.miner_info(s, tsk).await?;
        let sectors =
            |v: &[(u64, BitField)]| -> Vec<u64> { v.iter().flat_map(|(_, b)| b.iter()).collect() };
        if !decl.faults.is_empty() && !faults_busy {
            let params = declare_faults_params(d.index, &decl.faults);
            let cid = self
                .push(s, &info, method::miner::DECLARE_FAULTS, &params, fk)
                .await?;
            let sectors = sectors(&decl.faults);
            tracing::warn!(deadline = d.index, ?sectors, message = %cid, "declared faults");
            let _ = s.events.send(PoStEvent::FaultsDeclared {
                deadline: d.index,
                sectors,
                message: cid,
            });
        }
        if !decl.recoveries.is_empty() && !recoveries_busy {
            let params = declare_recoveries_params(d.index, &decl.recoveries);
            let cid = self
                .push(
                    s,
                    &info,
                    method::miner::DECLARE_FAULTS_RECOVERED,
                    &params,
                    rk,
                )
                .await?;
            let sectors = sectors(&decl.recoveries);
            tracing::info!(deadline = d.index, ?sectors, message = %cid, "declared recoveries");
            let _ = s.events.send(PoStEvent::RecoveriesDeclared {
                deadline: d.index,
                sectors,
                message: cid,
            });
        }
        Ok(())
    }

    /// Pushes a miner message from the worker, counts it in flight under `key`, and
    /// waits for its receipt in the background.
    async fn push<P: Serialize>(
        &mut self,
        s: &WindowPoStScheduler,
        info: &MinerInfo,
        method: u64,
        params: &P,
        key: TrackKey,
    ) -> Result<Cid> {
        let msg = Message {
            version: 0,
            from: info.worker,
            to: self.miner,
            sequence: 0,
            value: TokenAmount::default(),
            method_num: method,
            params: fvm_ipld_encoding::RawBytes::serialize(params)?,
            gas_limit: 0,
            gas_fee_cap: TokenAmount::default(),
            gas_premium: TokenAmount::default(),
        };
        let cid = crate::messages::push(&s.fullnode, &msg).await?;
        *self.tracker().in_flight.entry(key).or_default() += 1;
        let (fullnode, tracker, events) =
            (s.fullnode.clone(), self.tracker.clone(), s.events.clone());
        self.receipts.spawn(async move {
            let r = fullnode
                .request::<StateWaitMsg>((
                    CidJson(cid),
                    Some(RECEIPT_CONFIDENCE),
                    Some(-1),
                    Some(true),
                ))
                .await;
            let mut t = tracker.lock().unwrap_or_else(|p| p.into_inner());
            if let Some(n) = t.in_flight.get_mut(&key) {
                *n = n.saturating_sub(1);
            }
            let event = match r {
                Ok(found) => {
                    let exit_code = i64::from(found.receipt.exit_code);
                    let height = found.height;
                    if exit_code == 0 {
                        tracing::info!(message = %cid, method, height, "miner message executed");
                    } else {
                        *t.failures.entry(key).or_default() += 1;
                        tracing::error!(message = %cid, method, exit_code, height, "miner message failed");
                    }
                    PoStEvent::Landed {
                        message: cid,
                        method,
                        exit_code,
                        height,
                    }
                }
                Err(e) => {
                    *t.failures.entry(key).or_default() += 1;
                    tracing::error!(message = %cid, method, "waiting for the receipt: {e:#}");
                    PoStEvent::Failed {
                        deadline: Some(key.1),
                        error: format!("waiting for {cid}: {e:#}"),
                    }
                }
            };
            drop(t);
            let _ = events.send(event);
        });
        Ok(cid)
    }
}
