//! A sector in the sealing pipeline: its state (Lotus's state names), what sealing has
//! produced so far, its log, and its Lotus `SectorInfo`.

use anyhow::{anyhow, Result};
use cid::Cid;
use padma_api::chain_read::BigIntJson;
use padma_api::miner_json::SectorOnChainInfoJson;
use padma_api::storage_miner::{
    PieceInfoJson, SealRandomnessJson, SectorInfoJson, SectorLogJson, SectorPieceJson,
};
use padma_proofs::seal::{Commitment, Piece};
use padma_types::json::{BytesJson, CidJson};
use serde::{Deserialize, Serialize};
use serde_json::Value;

/// Where a sector is in the pipeline. The names are Lotus's (`api.SectorState`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub enum SectorState {
    /// Filling the sector with its (committed-capacity) piece.
    Packing,
    /// Drawing the ticket and running PreCommit1.
    PreCommit1,
    /// Running PreCommit2 (CommR, CommD).
    PreCommit2,
    /// Sending `PreCommitSectorBatch2` with the deposit.
    PreCommitting,
    /// Waiting for the pre-commit message to land.
    PreCommitWait,
    /// Waiting `PreCommitChallengeDelay` epochs for the interactive seed.
    WaitSeed,
    /// Running Commit1 and Commit2 (the seal proof).
    Committing,
    /// Sending `ProveCommitSectors3` with the pledge.
    SubmitCommit,
    /// Waiting for the prove-commit message to land.
    CommitWait,
    /// Dropping what proving no longer needs.
    FinalizeSector,
    /// Sealed and on chain.
    Proving,
    /// Packing or PreCommit1 failed.
    SealPreCommit1Failed,
    /// PreCommit2 failed.
    SealPreCommit2Failed,
    /// Pre-committing failed (message, inclusion or seed).
    PreCommitFailed,
    /// Commit1/Commit2 failed.
    ComputeProofFailed,
    /// Prove-committing failed (message or inclusion).
    CommitFailed,
    /// Finalizing failed.
    FinalizeFailed,
    /// Gave up: too many retries, or a failure that retrying cannot fix.
    FailedUnrecoverable,
}

impl SectorState {
    /// Every state, in pipeline order then failure states.
    pub const ALL: [SectorState; 18] = [
        SectorState::Packing,
        SectorState::PreCommit1,
        SectorState::PreCommit2,
        SectorState::PreCommitting,
        SectorState::PreCommitWait,
        SectorState::WaitSeed,
        SectorState::Committing,
        SectorState::SubmitCommit,
        SectorState::CommitWait,
        SectorState::FinalizeSector,
        SectorState::Proving,
        SectorState::SealPreCommit1Failed,
        SectorState::SealPreCommit2Failed,
        SectorState::PreCommitFailed,
        SectorState::ComputeProofFailed,
        SectorState::CommitFailed,
        SectorState::FinalizeFailed,
        SectorState::FailedUnrecoverable,
    ];

    /// Lotus's name of the state.
    pub fn name(self) -> &'static str {
        match self {
            SectorState::Packing => "Packing",
            SectorState::PreCommit1 => "PreCommit1",
            SectorState::PreCommit2 => "PreCommit2",
            SectorState::PreCommitting => "PreCommitting",
            SectorState::PreCommitWait => "PreCommitWait",
            SectorState::WaitSeed => "WaitSeed",
            SectorState::Committing => "Committing",
            SectorState::SubmitCommit => "SubmitCommit",
            SectorState::CommitWait => "CommitWait",
            SectorState::FinalizeSector => "FinalizeSector",
            SectorState::Proving => "Proving",
            SectorState::SealPreCommit1Failed => "SealPreCommit1Failed",
            SectorState::SealPreCommit2Failed => "SealPreCommit2Failed",
            SectorState::PreCommitFailed => "PreCommitFailed",
            SectorState::ComputeProofFailed => "ComputeProofFailed",
            SectorState::CommitFailed => "CommitFailed",
            SectorState::FinalizeFailed => "FinalizeFailed",
            SectorState::FailedUnrecoverable => "FailedUnrecoverable",
        }
    }

    /// The state named `name` (Lotus's names).
    pub fn parse(name: &str) -> Option<SectorState> {
        SectorState::ALL.into_iter().find(|s| s.name() == name)
    }

    /// Whether the pipeline is done with the sector (proving, or given up).
    pub fn is_terminal(self) -> bool {
        matches!(
            self,
            SectorState::Proving | SectorState::FailedUnrecoverable
        )
    }

    /// Whether this is a failure state (waiting to be retried, or given up).
    pub fn is_failure(self) -> bool {
        self.retry_state().is_some() || self == SectorState::FailedUnrecoverable
    }

    /// The failure state a step of this state goes to when it fails.
    pub fn on_failure(self) -> SectorState {
        use SectorState::*;
        match self {
            Packing | PreCommit1 => SealPreCommit1Failed,
            PreCommit2 => SealPreCommit2Failed,
            PreCommitting | PreCommitWait | WaitSeed => PreCommitFailed,
            Committing => ComputeProofFailed,
            SubmitCommit | CommitWait => CommitFailed,
            FinalizeSector => FinalizeFailed,
            other if other.is_failure() => other,
            _ => FailedUnrecoverable,
        }
    }

    /// For a failure state, the state a retry starts from. The steps there check the
    /// chain first, so a retry never sends a message that already landed.
    pub fn retry_state(self) -> Option<SectorState> {
        use SectorState::*;
        match self {
            SealPreCommit1Failed => Some(Packing),
            SealPreCommit2Failed => Some(PreCommit2),
            PreCommitFailed => Some(PreCommitting),
            ComputeProofFailed => Some(Committing),
            CommitFailed => Some(SubmitCommit),
            FinalizeFailed => Some(FinalizeSector),
            _ => None,
        }
    }
}

impl std::fmt::Display for SectorState {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

/// Randomness drawn for a sector: the ticket (sealing) or the seed (interactive).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Drawn {
    /// The 32 drawn bytes.
    pub value: [u8; 32],
    /// The epoch drawn at.
    pub epoch: i64,
}

/// One entry of a sector's log (Lotus's `SectorLog`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LogEntry {
    /// What happened: `state` for a state change, `error` for a failure, `event`.
    pub kind: String,
    /// Unix seconds.
    pub timestamp: u64,
    /// A human-readable message.
    pub message: String,
}

/// The most log entries a sector keeps (the oldest are dropped).
pub const MAX_LOG: usize = 200;

/// A sector's persistent record.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Sector {
    /// Sector number.
    pub number: u64,
    /// Current state.
    pub state: SectorState,
    /// Filecoin's seal proof number.
    pub seal_proof: i64,
    /// The pieces in the sector (one zero piece for a CC sector).
    #[serde(default)]
    pub pieces: Vec<Piece>,
    /// The sealing ticket.
    #[serde(default)]
    pub ticket: Option<Drawn>,
    /// PreCommit1's output (real sealing only), as JSON.
    #[serde(default)]
    pub pc1_out: Option<Value>,
    /// Replica commitment.
    #[serde(default)]
    pub comm_r: Option<Commitment>,
    /// Data commitment.
    #[serde(default)]
    pub comm_d: Option<Commitment>,
    /// The sector's expiration epoch, chosen at pre-commit.
    #[serde(default)]
    pub expiration: Option<i64>,
    /// The pre-commit message.
    #[serde(default)]
    pub precommit_msg: Option<Cid>,
    /// The epoch the pre-commit landed (from the chain's pre-commit info).
    #[serde(default)]
    pub precommit_epoch: Option<i64>,
    /// The pre-commit deposit locked on chain (attoFIL, decimal).
    #[serde(default)]
    pub precommit_deposit: Option<String>,
    /// The interactive seed.
    #[serde(default)]
    pub seed: Option<Drawn>,
    /// The seal proof.
    #[serde(default)]
    pub proof: Option<Vec<u8>>,
    /// The prove-commit message.
    #[serde(default)]
    pub commit_msg: Option<Cid>,
    /// Failures so far.
    #[serde(default)]
    pub retries: u64,
    /// The last failure's reason (empty once the sector reached Proving).
    #[serde(default)]
    pub last_err: String,
    /// State changes and failures, oldest first.
    #[serde(default)]
    pub log: Vec<LogEntry>,
}

/// Unix seconds now.
pub fn now_secs() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0)
}

impl Sector {
    /// A new sector in `Packing`.
    pub fn new(number: u64, seal_proof: i64) -> Sector {
        let mut s = Sector {
            number,
            state: SectorState::Packing,
            seal_proof,
            pieces: vec![],
            ticket: None,
            pc1_out: None,
            comm_r: None,
            comm_d: None,
            expiration: None,
            precommit_msg: None,
            precommit_epoch: None,
            precommit_deposit: None,
            seed: None,
            proof: None,
            commit_msg: None,
            retries: 0,
            last_err: String::new(),
            log: vec![],
        };
        s.push_log("state", "Packing: committed-capacity sector pledged".into());
        s
    }

    /// Appends to the log, keeping at most [`MAX_LOG`] entries.
    pub fn push_log(&mut self, kind: &str, message: String) {
        self.log.push(LogEntry {
            kind: kind.to_string(),
            timestamp: now_secs(),
            message,
        });
        if self.log.len() > MAX_LOG {
            let drop = self.log.len() - MAX_LOG;
            self.log.drain(..drop);
        }
    }

    /// Moves to `to`, logging why.
    pub fn transition(&mut self, to: SectorState, why: &str) {
        let from = self.state;
        self.state = to;
        let msg = if why.is_empty() {
            format!("{from} → {to}")
        } else {
            format!("{from} → {to}: {why}")
        };
        self.push_log("state", msg);
        if to == SectorState::Proving {
            self.last_err.clear();
        }
    }

    /// Records a failure of the current state's step: the failure state, the reason,
    /// one more retry.
    pub fn fail(&mut self, reason: &str) {
        self.retries += 1;
        self.last_err = reason.to_string();
        self.push_log("error", format!("{}: {reason}", self.state));
        let to = self.state.on_failure();
        self.transition(to, "");
    }

    /// CommR as a sealed CID.
    pub fn sealed_cid(&self) -> Result<Option<Cid>> {
        self.comm_r
            .map(|c| {
                fvm_shared::commcid::replica_commitment_v1_to_cid(&c)
                    .map_err(|e| anyhow!("CommR to CID: {e}"))
            })
            .transpose()
    }

    /// CommD as an unsealed CID.
    pub fn unsealed_cid(&self) -> Result<Option<Cid>> {
        self.comm_d
            .map(|c| {
                fvm_shared::commcid::data_commitment_v1_to_cid(&c)
                    .map_err(|e| anyhow!("CommD to CID: {e}"))
            })
            .transpose()
    }

    /// The sector as Lotus's `api.SectorInfo`. `on_chain` is the chain's
    /// `SectorOnChainInfo` when the caller has it (for the on-chain fields).
    pub fn to_sector_info(&self, on_chain: Option<&SectorOnChainInfoJson>) -> SectorInfoJson {
        let drawn = |d: &Option<Drawn>| match d {
            Some(d) => SealRandomnessJson {
                value: Some(BytesJson(d.value.to_vec())),
                epoch: d.epoch,
            },
            None => SealRandomnessJson::default(),
        };
        let pieces: Vec<SectorPieceJson> = self
            .pieces
            .iter()
            .map(|p| SectorPieceJson {
                piece: PieceInfoJson {
                    size: p.padded_size,
                    piece_cid: fvm_shared::commcid::data_commitment_v1_to_cid(&p.comm_p)
                        .ok()
                        .map(CidJson),
                },
                deal_info: None,
            })
            .collect();
        let mut info = SectorInfoJson {
            sector_id: self.number,
            state: self.state.name().to_string(),
            comm_d: self.unsealed_cid().ok().flatten().map(CidJson),
            comm_r: self.sealed_cid().ok().flatten().map(CidJson),
            proof: self.proof.clone().map(BytesJson),
            deals: vec![],
            pieces: (!pieces.is_empty()).then_some(pieces),
            ticket: drawn(&self.ticket),
            seed: drawn(&self.seed),
            pre_commit_msg: self.precommit_msg.map(CidJson),
            commit_msg: self.commit_msg.map(CidJson),
            retries: self.retries,
            to_upgrade: false,
            replica_update_message: None,
            last_err: self.last_err.clone(),
            log: self
                .log
                .iter()
                .map(|l| SectorLogJson {
                    kind: l.kind.clone(),
                    timestamp: l.timestamp,
                    trace: String::new(),
                    message: l.message.clone(),
                })
                .collect(),
            seal_proof: self.seal_proof,
            activation: 0,
            expiration: self.expiration.unwrap_or(0),
            deal_weight: Default::default(),
            verified_deal_weight: Default::default(),
            initial_pledge: Default::default(),
            on_time: 0,
            early: 0,
        };
        if let Some(c) = on_chain {
            apply_on_chain(&mut info, c);
        }
        info
    }
}

/// Fills a `SectorInfo`'s on-chain fields from the chain's `SectorOnChainInfo`:
/// activation, expiration (also the on-time expiration), deal weights and pledge.
pub fn apply_on_chain(info: &mut SectorInfoJson, c: &SectorOnChainInfoJson) {
    info.activation = c.activation;
    info.expiration = c.expiration;
    info.deal_weight = BigIntJson(c.deal_weight.clone());
    info.verified_deal_weight = BigIntJson(c.verified_deal_weight.clone());
    info.initial_pledge = c.initial_pledge.clone();
    info.on_time = c.expiration;
}
