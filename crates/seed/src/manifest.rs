//! Lotus's pre-seal manifest (`pre-seal-<maddr>.json`): `{maddr: Miner}`, with the JSON field
//! names of Lotus's `genesis.Miner`, `genesis.PreSeal` and market `DealProposal`.

use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// The whole manifest file: miner address to miner.
pub type PreSealManifest = BTreeMap<String, GenesisMiner>;

/// A genesis storage deal proposal (Lotus market `DealProposal`).
pub use padma_state::genesis::template::DealProposalJson as DealProposal;
/// A genesis miner (Lotus `genesis.Miner`): the genesis template's miner type, so the
/// manifest `pre-seal` writes is exactly what `genesis add-miner` and `padma-miner
/// init` read.
pub use padma_state::genesis::template::Miner as GenesisMiner;
/// One pre-sealed sector (Lotus `genesis.PreSeal`).
pub use padma_state::genesis::template::PreSeal;

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
