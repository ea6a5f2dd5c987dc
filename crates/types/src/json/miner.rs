//! Lotus JSON of miner state, as the `StateMiner*` methods answer it: miner info,
//! power, sectors, pre-commitments, deadlines and partitions. Empty lists Go writes as
//! `null` are `Option`s here, `None` when empty.

use super::{bigint_str, AddressJson, BitFieldJson, BytesJson, CidJson, TokenAmountJson};
use fvm_shared::bigint::BigInt;
use serde::{Deserialize, Serialize};

/// Lotus's `MinerInfo`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct MinerInfoJson {
    /// The owner.
    pub owner: AddressJson,
    /// The worker.
    pub worker: AddressJson,
    /// The pending new worker, or `<empty>`.
    pub new_worker: String,
    /// Control addresses (`null` when none).
    pub control_addresses: Option<Vec<AddressJson>>,
    /// When the pending worker takes effect (-1: none pending).
    pub worker_change_epoch: i64,
    /// The libp2p peer ID (base58), if set.
    pub peer_id: Option<String>,
    /// Multiaddresses (`null` when none).
    pub multiaddrs: Option<Vec<BytesJson>>,
    /// The registered WindowPoSt proof.
    #[serde(rename = "WindowPoStProofType")]
    pub window_post_proof_type: i64,
    /// Sector size in bytes.
    pub sector_size: u64,
    /// Sectors per WindowPoSt partition.
    #[serde(rename = "WindowPoStPartitionSectors")]
    pub window_post_partition_sectors: u64,
    /// The epoch the last consensus fault elapses.
    pub consensus_fault_elapsed: i64,
    /// A proposed new owner.
    pub pending_owner_address: Option<AddressJson>,
    /// Who receives the miner's withdrawals.
    pub beneficiary: AddressJson,
    /// The beneficiary's quota and expiration.
    pub beneficiary_term: BeneficiaryTermJson,
    /// A proposed beneficiary change.
    pub pending_beneficiary_term: Option<PendingBeneficiaryChangeJson>,
}

/// Lotus's `BeneficiaryTerm`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct BeneficiaryTermJson {
    /// The amount the beneficiary may withdraw.
    pub quota: TokenAmountJson,
    /// The amount withdrawn so far.
    pub used_quota: TokenAmountJson,
    /// When the term ends.
    pub expiration: i64,
}

/// Lotus's `PendingBeneficiaryChange`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct PendingBeneficiaryChangeJson {
    /// The proposed beneficiary.
    pub new_beneficiary: AddressJson,
    /// The proposed quota.
    pub new_quota: TokenAmountJson,
    /// The proposed expiration.
    pub new_expiration: i64,
    /// Whether the current beneficiary approved.
    pub approved_by_beneficiary: bool,
    /// Whether the nominee approved.
    pub approved_by_nominee: bool,
}

/// Lotus's `power.Claim`: raw and quality-adjusted power as decimal strings.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct PowerClaimJson {
    /// Raw byte power.
    #[serde(with = "bigint_str")]
    pub raw_byte_power: BigInt,
    /// Quality-adjusted power.
    #[serde(with = "bigint_str")]
    pub quality_adj_power: BigInt,
}

/// Lotus's `MinerPower`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct MinerPowerJson {
    /// The miner's claim (zero without one).
    pub miner_power: PowerClaimJson,
    /// The network's total.
    pub total_power: PowerClaimJson,
    /// Whether the miner meets the consensus minimum.
    pub has_min_power: bool,
}

/// Lotus's `SectorOnChainInfo`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct SectorOnChainInfoJson {
    /// The sector number.
    pub sector_number: u64,
    /// The registered seal proof.
    pub seal_proof: i64,
    /// CommR.
    #[serde(rename = "SealedCID")]
    pub sealed_cid: CidJson,
    /// Deal IDs of old sectors (`null` when none).
    #[serde(rename = "DeprecatedDealIDs")]
    pub deprecated_deal_ids: Option<Vec<u64>>,
    /// Activation epoch.
    pub activation: i64,
    /// Expiration epoch.
    pub expiration: i64,
    /// Deal weight.
    #[serde(with = "bigint_str")]
    pub deal_weight: BigInt,
    /// Verified deal weight.
    #[serde(with = "bigint_str")]
    pub verified_deal_weight: BigInt,
    /// Initial pledge.
    pub initial_pledge: TokenAmountJson,
    /// Expected reward per day at activation.
    pub expected_day_reward: Option<TokenAmountJson>,
    /// Expected twenty-day reward at activation.
    pub expected_storage_pledge: Option<TokenAmountJson>,
    /// The epoch the power was last updated.
    pub power_base_epoch: i64,
    /// The day reward of a replaced sector.
    pub replaced_day_reward: Option<TokenAmountJson>,
    /// The sector key of an updated sector.
    #[serde(rename = "SectorKeyCID")]
    pub sector_key_cid: Option<CidJson>,
    /// Sector flags.
    pub flags: u32,
    /// The daily fee.
    pub daily_fee: TokenAmountJson,
}

/// Lotus's `miner.SectorPreCommitInfo`. As a parameter only `SealProof` is needed;
/// the other fields default.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct SectorPreCommitInfoJson {
    /// The registered seal proof.
    pub seal_proof: i64,
    /// The sector number.
    #[serde(default)]
    pub sector_number: u64,
    /// CommR.
    #[serde(rename = "SealedCID", default)]
    pub sealed_cid: Option<CidJson>,
    /// The epoch of the seal randomness.
    #[serde(default)]
    pub seal_rand_epoch: i64,
    /// Deal IDs (`null` when none).
    #[serde(rename = "DealIDs", default)]
    pub deal_ids: Option<Vec<u64>>,
    /// Expiration epoch.
    #[serde(default)]
    pub expiration: i64,
    /// CommD, when the sector has deals.
    #[serde(default)]
    pub unsealed_cid: Option<CidJson>,
}

/// Lotus's `miner.SectorPreCommitOnChainInfo`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct SectorPreCommitOnChainInfoJson {
    /// The pre-commitment.
    pub info: SectorPreCommitInfoJson,
    /// The deposit paid.
    pub pre_commit_deposit: TokenAmountJson,
    /// The epoch it was made.
    pub pre_commit_epoch: i64,
}

/// Lotus's `dline.Info`: a proving deadline.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct DeadlineInfoJson {
    /// The epoch the info was computed at.
    pub current_epoch: i64,
    /// The proving period's first epoch.
    pub period_start: i64,
    /// The deadline's index in the period.
    pub index: u64,
    /// First epoch proofs are accepted.
    pub open: i64,
    /// First epoch proofs are no longer accepted.
    pub close: i64,
    /// The challenge epoch.
    pub challenge: i64,
    /// The last epoch faults may be declared.
    pub fault_cutoff: i64,
    /// Deadlines per proving period.
    #[serde(rename = "WPoStPeriodDeadlines")]
    pub w_post_period_deadlines: u64,
    /// Epochs per proving period.
    #[serde(rename = "WPoStProvingPeriod")]
    pub w_post_proving_period: i64,
    /// Epochs per deadline window.
    #[serde(rename = "WPoStChallengeWindow")]
    pub w_post_challenge_window: i64,
    /// How far before the window the challenge is drawn.
    #[serde(rename = "WPoStChallengeLookback")]
    pub w_post_challenge_lookback: i64,
    /// How far before the window faults must be declared.
    pub fault_declaration_cutoff: i64,
}

/// Lotus's `api.Deadline`: one deadline's PoSt submissions, disputable proofs and fee.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct DeadlineJson {
    /// The partitions proven in the current window.
    pub post_submissions: BitFieldJson,
    /// Proofs that may still be disputed.
    pub disputable_proof_count: u64,
    /// The deadline's daily fee.
    pub daily_fee: TokenAmountJson,
}

/// Lotus's `api.Partition`: the sector sets of one partition.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct PartitionJson {
    /// Every sector.
    pub all_sectors: BitFieldJson,
    /// Faulty sectors.
    pub faulty_sectors: BitFieldJson,
    /// Sectors declared recovering.
    pub recovering_sectors: BitFieldJson,
    /// Live sectors.
    pub live_sectors: BitFieldJson,
    /// Active sectors.
    pub active_sectors: BitFieldJson,
}

/// Lotus's `MinerSectors`: sector counts.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct MinerSectorsJson {
    /// Live sectors.
    pub live: u64,
    /// Active sectors.
    pub active: u64,
    /// Faulty sectors.
    pub faulty: u64,
}

#[cfg(test)]
#[path = "miner_tests.rs"]
mod tests;
