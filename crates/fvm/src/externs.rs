//! The FVM's externs (its calls back into the node): chain and beacon randomness and
//! tipset CIDs from the chain the message executes on, and consensus-fault checks.

use fvm::externs::{Chain, Consensus, Externs, Rand};
use fvm_shared::clock::ChainEpoch;
use fvm_shared::consensus::ConsensusFault;
use padma_state::runtime::{ConsensusFaults, Randomness};
use std::sync::Arc;

/// The externs of one machine.
pub struct NodeExterns {
    /// Randomness and tipset CIDs.
    pub chain: Arc<dyn Randomness + Send + Sync>,
    /// Consensus faults.
    pub faults: Arc<dyn ConsensusFaults>,
}

impl Externs for NodeExterns {}

impl Rand for NodeExterns {
    fn get_chain_randomness(&self, round: ChainEpoch) -> anyhow::Result<[u8; 32]> {
        self.chain.chain_randomness(round)
    }

    fn get_beacon_randomness(&self, round: ChainEpoch) -> anyhow::Result<[u8; 32]> {
        self.chain.beacon_randomness(round)
    }
}

impl Consensus for NodeExterns {
    fn verify_consensus_fault(
        &self,
        h1: &[u8],
        h2: &[u8],
        extra: &[u8],
    ) -> anyhow::Result<(Option<ConsensusFault>, i64)> {
        self.faults.verify_consensus_fault(h1, h2, extra)
    }
}

impl Chain for NodeExterns {
    fn get_tipset_cid(&self, epoch: ChainEpoch) -> anyhow::Result<cid::Cid> {
        self.chain.tipset_cid(epoch)
    }
}
