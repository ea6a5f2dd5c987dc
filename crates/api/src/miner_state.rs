//! Miner and power state methods (`StateMiner*`, `StateListMiners`, `StateSector*`):
//! what the storage miner and its operator read about miners, sectors, deadlines,
//! partitions, balances and deposits. The wire types are in `padma_types::json::miner`
//! (re-exported here and as [`crate::miner_json`]).

use padma_rpc::rpc_methods;
use padma_types::json::block::TipSetKeyJson;
pub use padma_types::json::miner::{
    DeadlineInfoJson, DeadlineJson, MinerInfoJson, MinerPowerJson, MinerSectorsJson, PartitionJson,
    SectorOnChainInfoJson, SectorPreCommitInfoJson, SectorPreCommitOnChainInfoJson,
};
use padma_types::json::{AddressJson, BitFieldJson, TokenAmountJson};

rpc_methods! {
    /// The miner and power state methods, in table order.
    pub fn miner_state_methods;
    /// A miner's owner, worker, control addresses, peer, proof type and beneficiary.
    StateMinerInfo = "Filecoin.StateMinerInfo", Read,
        call (maddr: AddressJson, tsk: TipSetKeyJson) -> MinerInfoJson;
    /// A miner's power claim, the network's total and whether the miner meets the
    /// consensus minimum.
    StateMinerPower = "Filecoin.StateMinerPower", Read,
        call (maddr: AddressJson, tsk: TipSetKeyJson) -> MinerPowerJson;
    /// Every miner with a power claim.
    StateListMiners = "Filecoin.StateListMiners", Read,
        call (tsk: TipSetKeyJson) -> Vec<AddressJson>;
    /// A miner's sectors by number (a Lotus bitfield; `null`: every sector). The
    /// bitfield is read by the handler, which answers a bad one with its own message.
    StateMinerSectors = "Filecoin.StateMinerSectors", Read,
        call (maddr: AddressJson, sectors: serde_json::Value, tsk: TipSetKeyJson)
            -> Vec<SectorOnChainInfoJson>;
    /// A miner's live, non-faulty, proven sectors.
    StateMinerActiveSectors = "Filecoin.StateMinerActiveSectors", Read,
        call (maddr: AddressJson, tsk: TipSetKeyJson) -> Vec<SectorOnChainInfoJson>;
    /// One sector, or `null`.
    StateSectorGetInfo = "Filecoin.StateSectorGetInfo", Read,
        call (maddr: AddressJson, sectorNumber: u64, tsk: TipSetKeyJson)
            -> Option<SectorOnChainInfoJson>;
    /// The current (or next, if elapsed) proving deadline.
    StateMinerProvingDeadline = "Filecoin.StateMinerProvingDeadline", Read,
        call (maddr: AddressJson, tsk: TipSetKeyJson) -> DeadlineInfoJson;
    /// Per deadline: PoSt submissions, disputable proofs and fee.
    StateMinerDeadlines = "Filecoin.StateMinerDeadlines", Read,
        call (maddr: AddressJson, tsk: TipSetKeyJson) -> Vec<DeadlineJson>;
    /// The partitions of one deadline.
    StateMinerPartitions = "Filecoin.StateMinerPartitions", Read,
        call (maddr: AddressJson, dlIdx: u64, tsk: TipSetKeyJson) -> Vec<PartitionJson>;
    /// Every faulty sector.
    StateMinerFaults = "Filecoin.StateMinerFaults", Read,
        call (maddr: AddressJson, tsk: TipSetKeyJson) -> BitFieldJson;
    /// Live, active and faulty sector counts.
    StateMinerSectorCount = "Filecoin.StateMinerSectorCount", Read,
        call (maddr: AddressJson, tsk: TipSetKeyJson) -> MinerSectorsJson;
    /// Sectors declared recovering, not yet proven.
    StateMinerRecoveries = "Filecoin.StateMinerRecoveries", Read,
        call (maddr: AddressJson, tsk: TipSetKeyJson) -> BitFieldJson;
    /// The available balance plus the funds vested by now.
    StateMinerAvailableBalance = "Filecoin.StateMinerAvailableBalance", Read,
        call (maddr: AddressJson, tsk: TipSetKeyJson) -> TokenAmountJson;
    /// The deposit creating a miner takes (FIP-0077).
    StateMinerCreationDeposit = "Filecoin.StateMinerCreationDeposit", Read,
        call (tsk: TipSetKeyJson) -> TokenAmountJson, versions = V1;
    /// The pre-commit deposit for a sector of the maximum power of its size, plus 10%.
    StateMinerPreCommitDepositForPower = "Filecoin.StateMinerPreCommitDepositForPower", Read,
        call (maddr: AddressJson, pci: SectorPreCommitInfoJson, tsk: TipSetKeyJson)
            -> TokenAmountJson;
    /// The initial pledge of a committed-capacity sector until its expiration, plus 10%.
    StateMinerInitialPledgeCollateral = "Filecoin.StateMinerInitialPledgeCollateral", Read,
        call (maddr: AddressJson, pci: SectorPreCommitInfoJson, tsk: TipSetKeyJson)
            -> TokenAmountJson;
    /// A sector's on-chain pre-commitment, or `null` when there is none.
    StateSectorPreCommitInfo = "Filecoin.StateSectorPreCommitInfo", Read,
        call (maddr: AddressJson, sectorNumber: u64, tsk: TipSetKeyJson)
            -> Option<SectorPreCommitOnChainInfoJson>, versions = V1;
    /// The v0 form of `StateSectorPreCommitInfo`: an error when there is none.
    StateSectorPreCommitInfoV0 = "Filecoin.StateSectorPreCommitInfo", Read,
        call (maddr: AddressJson, sectorNumber: u64, tsk: TipSetKeyJson)
            -> SectorPreCommitOnChainInfoJson, versions = V0;
    /// Every sector number the miner has allocated.
    StateMinerAllocated = "Filecoin.StateMinerAllocated", Read,
        call (maddr: AddressJson, tsk: TipSetKeyJson) -> BitFieldJson, versions = V1;
}
