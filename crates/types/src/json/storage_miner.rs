//! The StorageMiner API's wire types: what `padma-miner` answers for its sectors
//! (`PledgeSector`'s `SectorID`, `SectorsStatus`'s `SectorInfo`, `SectorsSummary`).

use crate::json::{null_default, BigIntJson, BytesJson, CidJson, TokenAmountJson};
use serde::{Deserialize, Serialize};
use serde_json::Value;

/// Lotus's `abi.SectorID`: a sector of a miner (`PledgeSector`'s answer).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct SectorIdJson {
    /// The miner actor's ID.
    pub miner: u64,
    /// The sector number.
    pub number: u64,
}

/// Randomness drawn for sealing (Lotus's `SealTicket` and `SealSeed`).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct SealRandomnessJson {
    /// The drawn bytes; `null` until drawn.
    pub value: Option<BytesJson>,
    /// The epoch drawn at (0 until drawn).
    pub epoch: i64,
}

/// Lotus's `abi.PieceInfo`: a piece's padded size and CommP.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct PieceInfoJson {
    /// Padded size in bytes.
    pub size: u64,
    /// The piece CID.
    #[serde(rename = "PieceCID")]
    pub piece_cid: Option<CidJson>,
}

/// Lotus's `SectorPiece`: a piece of a sector and the deal it belongs to.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct SectorPieceJson {
    /// The piece.
    pub piece: PieceInfoJson,
    /// The deal; `null` for committed-capacity pieces (the only ones padma seals).
    pub deal_info: Option<Value>,
}

/// Lotus's `SectorLog`: one entry of a sector's log.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct SectorLogJson {
    /// `state` for a state change, `error` for a failure, `event` otherwise.
    pub kind: String,
    /// Unix seconds.
    pub timestamp: u64,
    /// A stack trace (padma leaves it empty).
    pub trace: String,
    /// What happened.
    pub message: String,
}

/// Lotus's `SectorInfo` (`SectorsStatus`'s answer), with the fields padma fills. The
/// on-chain fields (`Activation` to `OnTime`) come from the sector's
/// `SectorOnChainInfo` when the chain has it, else they are zero.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct SectorInfoJson {
    /// The sector number.
    #[serde(rename = "SectorID")]
    pub sector_id: u64,
    /// The state's Lotus name (`Proving`, `PreCommit1`, …).
    pub state: String,
    /// The unsealed CID, once known.
    #[serde(rename = "CommD")]
    pub comm_d: Option<CidJson>,
    /// The sealed CID, once known.
    #[serde(rename = "CommR")]
    pub comm_r: Option<CidJson>,
    /// The seal proof, once made.
    pub proof: Option<BytesJson>,
    /// The deals in the sector.
    #[serde(default, deserialize_with = "null_default")]
    pub deals: Vec<u64>,
    /// The pieces (`null` when there are none yet).
    pub pieces: Option<Vec<SectorPieceJson>>,
    /// The sealing ticket.
    pub ticket: SealRandomnessJson,
    /// The interactive seed.
    pub seed: SealRandomnessJson,
    /// The pre-commit message.
    pub pre_commit_msg: Option<CidJson>,
    /// The prove-commit message.
    pub commit_msg: Option<CidJson>,
    /// Failures so far.
    pub retries: u64,
    /// Whether the sector is marked for a CC upgrade.
    pub to_upgrade: bool,
    /// The replica update message.
    pub replica_update_message: Option<CidJson>,
    /// The last failure's reason.
    pub last_err: String,
    /// State changes and failures, oldest first.
    #[serde(default, deserialize_with = "null_default")]
    pub log: Vec<SectorLogJson>,
    /// The registered seal proof.
    pub seal_proof: i64,
    /// The activation epoch.
    pub activation: i64,
    /// The expiration epoch.
    pub expiration: i64,
    /// The deal weight.
    pub deal_weight: BigIntJson,
    /// The verified deal weight.
    pub verified_deal_weight: BigIntJson,
    /// The initial pledge.
    pub initial_pledge: TokenAmountJson,
    /// The epoch the sector expires on time.
    pub on_time: i64,
    /// The epoch the sector expires early (0: not early).
    pub early: i64,
}

/// `SectorsSummary`'s answer: how many sectors are in each state, by Lotus state
/// name, in the order the miner lists them.
pub type SectorsSummaryJson = indexmap::IndexMap<String, u64>;

#[cfg(test)]
#[path = "storage_miner_tests.rs"]
mod tests;
