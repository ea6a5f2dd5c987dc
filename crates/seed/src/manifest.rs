//! Lotus's pre-seal manifest (`pre-seal-<maddr>.json`): `{maddr: Miner}`, with the JSON field
//! names of Lotus's `genesis.Miner`, `genesis.PreSeal` and market `DealProposal`.

use padma_types::json::{CidJson, KeyInfoJson};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// The whole manifest file: miner address to miner.
pub type PreSealManifest = BTreeMap<String, GenesisMiner>;

/// A genesis miner (Lotus `genesis.Miner`).
#[derive(Clone, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct GenesisMiner {
    /// The miner actor's ID address, e.g. `t01000`.
    #[serde(rename = "ID")]
    pub id: String,
    /// Owner address.
    pub owner: String,
    /// Worker address.
    pub worker: String,
    /// libp2p peer id (base58).
    pub peer_id: String,
    /// Market escrow to deposit at genesis (attoFIL, decimal string).
    pub market_balance: String,
    /// Power actor balance (attoFIL, decimal string).
    pub power_balance: String,
    /// Sector size in bytes.
    pub sector_size: u64,
    /// The pre-sealed sectors.
    pub sectors: Vec<PreSeal>,
}

/// One pre-sealed sector (Lotus `genesis.PreSeal`).
#[derive(Clone, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct PreSeal {
    /// Sealed CID (CommR).
    pub comm_r: CidJson,
    /// Unsealed CID (CommD).
    pub comm_d: CidJson,
    /// Sector number.
    #[serde(rename = "SectorID")]
    pub sector_id: u64,
    /// The genesis deal that fills the sector.
    pub deal: DealProposal,
    /// The deal client's key (it signs the deal at genesis).
    pub deal_client_key: KeyInfoJson,
    /// Registered seal proof number.
    pub proof_type: i64,
}

/// A storage deal proposal (go-state-types market v9 `DealProposal`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct DealProposal {
    /// Piece CID (the sector's CommD for genesis deals).
    #[serde(rename = "PieceCID")]
    pub piece_cid: CidJson,
    /// Padded piece size.
    pub piece_size: u64,
    /// Whether the deal is verified.
    pub verified_deal: bool,
    /// Client address.
    pub client: String,
    /// Provider (miner) address.
    pub provider: String,
    /// Deal label (a string label).
    pub label: String,
    /// Start epoch.
    pub start_epoch: i64,
    /// End epoch.
    pub end_epoch: i64,
    /// Price per epoch (attoFIL).
    pub storage_price_per_epoch: String,
    /// Provider collateral (attoFIL).
    pub provider_collateral: String,
    /// Client collateral (attoFIL).
    pub client_collateral: String,
}

/// Lotus's `sectorstore.json` for a read-only storage path holding pre-sealed sectors.
#[derive(Clone, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct LocalStorageMeta {
    /// Storage path id (a UUID).
    #[serde(rename = "ID")]
    pub id: String,
    /// Weight (0 = read-only).
    pub weight: u64,
    /// Whether sealing may use the path.
    pub can_seal: bool,
    /// Whether finished sectors may be stored there.
    pub can_store: bool,
    /// Storage limit in bytes (0 = none).
    pub max_storage: u64,
    /// Groups (none).
    pub groups: Option<Vec<String>>,
    /// Groups allowed to fetch from here (none).
    pub allow_to: Option<Vec<String>>,
    /// Allowed file types (none).
    pub allow_types: Option<Vec<String>>,
    /// Denied file types (none).
    pub deny_types: Option<Vec<String>>,
}
