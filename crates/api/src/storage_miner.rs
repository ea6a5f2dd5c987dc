//! The StorageMiner API that `padma-miner run` serves on `/rpc/v0`: the miner's own
//! methods (its actor, its mining base, its sectors; their wire types are
//! `padma_types::json::storage_miner`, re-exported here),
//! and [`storage_miner_methods`], everything the miner serves, the common methods
//! included. Parameter counts and permissions are Lotus's.

use crate::common::common_methods;
use padma_rpc::{rpc_methods, MethodInfo};
use padma_types::json::block::TipSetJson;
use padma_types::json::AddressJson;

pub use padma_types::json::storage_miner::*;

rpc_methods! {
    /// The miner's own methods, in table order.
    pub fn miner_methods;
    /// The miner actor's address.
    ActorAddress = "Filecoin.ActorAddress", Read, call () -> AddressJson;
    /// A miner's sector size in bytes.
    ActorSectorSize = "Filecoin.ActorSectorSize", Read, call (addr: AddressJson) -> u64;
    /// The tipset the miner mines on.
    MiningBase = "Filecoin.MiningBase", Read, call () -> TipSetJson;
    /// Starts a committed-capacity sector.
    PledgeSector = "Filecoin.PledgeSector", Write, call () -> SectorIdJson;
    /// Every sector number the miner knows.
    SectorsList = "Filecoin.SectorsList", Read, call () -> Vec<u64>;
    /// One sector's state and details (with its on-chain fields when asked).
    SectorsStatus = "Filecoin.SectorsStatus", Read,
        call (sid: u64, showOnChainInfo: Option<bool>) -> SectorInfoJson;
    /// Sector counts by state.
    SectorsSummary = "Filecoin.SectorsSummary", Read, call () -> SectorsSummaryJson;
}

/// Every StorageMiner method padma serves, in table order: the common methods, then
/// the miner's own.
pub fn storage_miner_methods() -> Vec<MethodInfo> {
    [common_methods(), miner_methods()].concat()
}

#[cfg(test)]
#[path = "storage_miner_tests.rs"]
mod tests;
