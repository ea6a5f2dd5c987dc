//! The pure core of the WindowPoSt scheduler: deadline timing, which partitions and
//! sectors a PoSt proves at a given chain state, which faults and recoveries to
//! declare, the challenged-sector list the actor verifies, and the message params.
//! Nothing here talks to the node.

use anyhow::{anyhow, bail, Result};
use fil_actor_miner_state::v18::{
    DeclareFaultsParams, DeclareFaultsRecoveredParams, FaultDeclaration, PoStPartition,
    RecoveryDeclaration, SubmitWindowedPoStParams,
};
use fvm_ipld_bitfield::BitField;
use fvm_shared::clock::ChainEpoch;
use fvm_shared::randomness::Randomness;
use fvm_shared::sector::{PoStProof, RegisteredPoStProof};
use padma_api::miner_json::{DeadlineInfoJson, PartitionJson};
pub use padma_types::json::{bitfield_from_json, bitfield_json};
use serde::Deserialize;
use std::collections::BTreeMap;

/// Epochs past a deadline's challenge epoch before its challenge is drawn and proven
/// (Lotus's `ChallengeConfidence`).
pub const CHALLENGE_CONFIDENCE: ChainEpoch = 1;

/// Epochs into a deadline's window before its PoSt is submitted (Lotus's
/// `SubmitConfidence`).
pub const SUBMIT_CONFIDENCE: ChainEpoch = 4;

/// How far ahead (in epochs) faults and recoveries are declared: a deadline whose
/// window opens within this many epochs, and whose fault cutoff has not passed, is
/// checked.
pub const DECLARE_HORIZON: ChainEpoch = 180;

/// Epochs kept free before a deadline's fault cutoff: a declaration made later
/// might land after the cutoff and be refused.
pub const DECLARE_MARGIN: ChainEpoch = 2;

/// One instance of a WindowPoSt deadline (Lotus's `dline.Info`), with the proving
/// period's constants it was computed with.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct Deadline {
    /// The epoch the info was computed at.
    pub current_epoch: ChainEpoch,
    /// First epoch of the proving period.
    pub period_start: ChainEpoch,
    /// Deadline index within the period.
    pub index: u64,
    /// First epoch of the challenge window.
    pub open: ChainEpoch,
    /// First epoch after the challenge window.
    pub close: ChainEpoch,
    /// The epoch the challenge is drawn at.
    pub challenge: ChainEpoch,
    /// Faults and recoveries for this deadline must land before this epoch.
    pub fault_cutoff: ChainEpoch,
    /// Deadlines per proving period.
    #[serde(rename = "WPoStPeriodDeadlines")]
    pub period_deadlines: u64,
    /// Epochs per proving period.
    #[serde(rename = "WPoStProvingPeriod")]
    pub proving_period: ChainEpoch,
    /// Epochs per challenge window.
    #[serde(rename = "WPoStChallengeWindow")]
    pub challenge_window: ChainEpoch,
    /// Epochs between the challenge and the window's opening.
    #[serde(rename = "WPoStChallengeLookback")]
    pub challenge_lookback: ChainEpoch,
    /// Epochs between the fault cutoff and the window's opening.
    #[serde(rename = "FaultDeclarationCutoff")]
    pub fault_declaration_cutoff: ChainEpoch,
}

impl From<DeadlineInfoJson> for Deadline {
    fn from(d: DeadlineInfoJson) -> Self {
        Deadline {
            current_epoch: d.current_epoch,
            period_start: d.period_start,
            index: d.index,
            open: d.open,
            close: d.close,
            challenge: d.challenge,
            fault_cutoff: d.fault_cutoff,
            period_deadlines: d.w_post_period_deadlines,
            proving_period: d.w_post_proving_period,
            challenge_window: d.w_post_challenge_window,
            challenge_lookback: d.w_post_challenge_lookback,
            fault_declaration_cutoff: d.fault_declaration_cutoff,
        }
    }
}

impl Deadline {
    /// The instance of deadline `index` of the period starting at `period_start`,
    /// with this deadline's constants, seen at `current_epoch`.
    pub fn instance(
        &self,
        period_start: ChainEpoch,
        index: u64,
        current_epoch: ChainEpoch,
    ) -> Self {
        let open = period_start + index as ChainEpoch * self.challenge_window;
        Deadline {
            current_epoch,
            period_start,
            index,
            open,
            close: open + self.challenge_window,
            challenge: open - self.challenge_lookback,
            fault_cutoff: open - self.fault_declaration_cutoff,
            ..*self
        }
    }

    /// The deadline after this one (the first of the next period after the last).
    pub fn next(&self) -> Self {
        if self.index + 1 >= self.period_deadlines {
            self.instance(
                self.period_start + self.proving_period,
                0,
                self.current_epoch,
            )
        } else {
            self.instance(self.period_start, self.index + 1, self.current_epoch)
        }
    }

    /// The `n`-th deadline after this one.
    pub fn nth_next(&self, n: u64) -> Self {
        (0..n).fold(*self, |d, _| d.next())
    }

    /// A key naming this instance: (index, open epoch).
    pub fn key(&self) -> (u64, ChainEpoch) {
        (self.index, self.open)
    }

    /// Whether the window has closed at `epoch`.
    pub fn elapsed_at(&self, epoch: ChainEpoch) -> bool {
        epoch >= self.close
    }
}

/// What to do about a deadline's PoSt at a head height.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PostStage {
    /// The challenge is not settled yet.
    Wait,
    /// The challenge can be drawn and proven, but it is too early to submit.
    Prove,
    /// Prove (if not done) and submit.
    Submit,
    /// The window has closed (or is about to): too late.
    Closed,
}

/// The PoSt stage of `d` when the head is at `height`.
pub fn post_stage(d: &Deadline, height: ChainEpoch) -> PostStage {
    // A message pushed at `height` lands at `height + 1` at the earliest.
    if height + 1 >= d.close {
        PostStage::Closed
    } else if height >= d.open + SUBMIT_CONFIDENCE {
        PostStage::Submit
    } else if height >= d.challenge + CHALLENGE_CONFIDENCE {
        PostStage::Prove
    } else {
        PostStage::Wait
    }
}

/// Whether faults and recoveries for `d` may be declared now (head at `height`).
pub fn declarable(d: &Deadline, height: ChainEpoch) -> bool {
    d.open > height
        && d.open <= height + DECLARE_HORIZON
        && height + DECLARE_MARGIN < d.fault_cutoff
}

/// A partition as `StateMinerPartitions` shows it.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Partition {
    /// Every sector ever assigned (terminated ones included).
    pub all: BitField,
    /// Faulty sectors (recovering ones included).
    pub faulty: BitField,
    /// Faulty sectors declared recovering.
    pub recovering: BitField,
    /// Sectors not terminated.
    pub live: BitField,
    /// Live, proven, non-faulty sectors.
    pub active: BitField,
}

impl From<PartitionJson> for Partition {
    fn from(p: PartitionJson) -> Self {
        Partition {
            all: p.all_sectors.0,
            faulty: p.faulty_sectors.0,
            recovering: p.recovering_sectors.0,
            live: p.live_sectors.0,
            active: p.active_sectors.0,
        }
    }
}

impl Partition {
    /// Sectors a PoSt is expected to prove: live ones that are not faulty, or
    /// faulty but declared recovering.
    pub fn to_prove(&self) -> BitField {
        &self.live - &(&self.faulty - &self.recovering)
    }

    /// Sectors a PoSt does not prove (replaced by a stand-in in the challenge set)
    /// when it skips `skipped`: unrecovered faults, skipped and terminated sectors
    /// (builtin-actors `record_proven_sectors`).
    pub fn ignored(&self, skipped: &BitField) -> BitField {
        let terminated = &self.all - &self.live;
        &(&(&self.faulty - &self.recovering) | skipped) | &terminated
    }
}

/// Faults and recoveries to declare for one deadline.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Declarations {
    /// (partition, sectors) found unreadable and not yet declared faulty.
    pub faults: Vec<(u64, BitField)>,
    /// (partition, sectors) faulty, not recovering, and readable again.
    pub recoveries: Vec<(u64, BitField)>,
}

impl Declarations {
    /// Whether there is nothing to declare.
    pub fn is_empty(&self) -> bool {
        self.faults.is_empty() && self.recoveries.is_empty()
    }
}

/// What to declare for a deadline's partitions, given the readable sectors.
pub fn declarations(partitions: &[Partition], readable: &BitField) -> Declarations {
    let mut out = Declarations::default();
    for (i, p) in partitions.iter().enumerate() {
        let faults = &p.to_prove() - readable;
        if !faults.is_empty() {
            out.faults.push((i as u64, faults));
        }
        let recoveries = &(&(&p.faulty - &p.recovering) & &p.live) & readable;
        if !recoveries.is_empty() {
            out.recoveries.push((i as u64, recoveries));
        }
    }
    out
}

/// Every sector of some partitions (what to look up and check).
pub fn all_sectors(partitions: &[Partition]) -> BitField {
    partitions
        .iter()
        .fold(BitField::new(), |acc, p| &acc | &p.all)
}

/// One `SubmitWindowedPoSt` message's worth of partitions.
#[derive(Clone, Debug, PartialEq)]
pub struct PostBatch {
    /// The deadline index.
    pub deadline: u64,
    /// (partition index, skipped sectors), in partition order.
    pub partitions: Vec<(u64, BitField)>,
    /// The challenged sectors in the order the actor lists them: every sector of
    /// the partitions, ignored ones replaced by the first proven one.
    pub challenged: Vec<u64>,
    /// The distinct sectors actually proven (those the prover reads).
    pub proven: Vec<u64>,
}

/// The PoSt batches for a deadline: partitions not yet posted with at least one
/// readable sector to prove, at most `max_partitions` per batch; unreadable sectors
/// are skipped.
pub fn plan_post(
    deadline: u64,
    partitions: &[Partition],
    posted: &BitField,
    readable: &BitField,
    max_partitions: usize,
) -> Vec<PostBatch> {
    let mut chosen = Vec::new();
    for (i, p) in partitions.iter().enumerate() {
        let idx = i as u64;
        if posted.get(idx) {
            continue;
        }
        let to_prove = p.to_prove();
        let good = &to_prove & readable;
        if good.is_empty() {
            continue;
        }
        chosen.push((idx, p, &to_prove - &good));
    }
    chosen
        .chunks(max_partitions.max(1))
        .map(|chunk| {
            let mut all = BitField::new();
            let mut ignored = BitField::new();
            for (_, p, skipped) in chunk {
                all |= &p.all;
                ignored |= &p.ignored(skipped);
            }
            let good = &all - &ignored;
            let stand_in = good.iter().next();
            let challenged = all
                .iter()
                .filter_map(|n| if ignored.get(n) { stand_in } else { Some(n) })
                .collect();
            PostBatch {
                deadline,
                partitions: chunk.iter().map(|(i, _, s)| (*i, s.clone())).collect(),
                challenged,
                proven: good.iter().collect(),
            }
        })
        .collect()
}

/// The challenged sectors with their CommRs, as the actor hands them to the verifier.
pub fn challenged_commitments(
    batch: &PostBatch,
    comm_rs: &BTreeMap<u64, [u8; 32]>,
) -> Result<Vec<(u64, [u8; 32])>> {
    batch
        .challenged
        .iter()
        .map(|n| match comm_rs.get(n) {
            Some(c) => Ok((*n, *c)),
            None => bail!("no CommR for sector {n}"),
        })
        .collect()
}

/// The mock WindowPoSt proof the mock verifier accepts for this batch.
pub fn mock_window_post(
    post_proof: i64,
    miner_id: u64,
    randomness: [u8; 32],
    challenged: Vec<(u64, [u8; 32])>,
) -> Result<Vec<u8>> {
    padma_proofs::verifier::mock::window_post_proof(&padma_proofs::PoStVerifyInfo {
        post_proof,
        miner_id,
        randomness,
        sectors: challenged,
        proof: Vec::new(),
    })
}

/// `SubmitWindowedPoSt` params for a batch.
pub fn submit_params(
    batch: &PostBatch,
    post_proof: i64,
    proof: Vec<u8>,
    chain_commit_epoch: ChainEpoch,
    chain_commit_rand: Vec<u8>,
) -> SubmitWindowedPoStParams {
    SubmitWindowedPoStParams {
        deadline: batch.deadline,
        partitions: batch
            .partitions
            .iter()
            .map(|(index, skipped)| PoStPartition {
                index: *index,
                skipped: skipped.clone(),
            })
            .collect(),
        proofs: vec![PoStProof {
            post_proof: RegisteredPoStProof::from(post_proof),
            proof_bytes: proof,
        }],
        chain_commit_epoch,
        chain_commit_rand: Randomness(chain_commit_rand),
    }
}

/// `DeclareFaults` params for one deadline.
pub fn declare_faults_params(deadline: u64, faults: &[(u64, BitField)]) -> DeclareFaultsParams {
    DeclareFaultsParams {
        faults: faults
            .iter()
            .map(|(partition, sectors)| FaultDeclaration {
                deadline,
                partition: *partition,
                sectors: sectors.clone(),
            })
            .collect(),
    }
}

/// `DeclareFaultsRecovered` params for one deadline.
pub fn declare_recoveries_params(
    deadline: u64,
    recoveries: &[(u64, BitField)],
) -> DeclareFaultsRecoveredParams {
    DeclareFaultsRecoveredParams {
        recoveries: recoveries
            .iter()
            .map(|(partition, sectors)| RecoveryDeclaration {
                deadline,
                partition: *partition,
                sectors: sectors.clone(),
            })
            .collect(),
    }
}

/// The 32 bytes of a CommR from a sealed CID.
pub fn comm_r_of(c: &cid::Cid) -> Result<[u8; 32]> {
    padma_types::cid::commitment(c).map_err(|e| anyhow!("sealed CID {e}"))
}

#[cfg(test)]
mod tests;
