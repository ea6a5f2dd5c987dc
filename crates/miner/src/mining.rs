//! Mining from `padma-miner`: padma-chain's mining loop over the full node's API
//! ([`RpcMiningNode`]), with WinningPoSt proved over the sectors in the miner's
//! storage roots (or mocked on a mock-proof network).

use crate::fullnode::FullNode;
use crate::mining_client::RpcMiningNode;
use crate::storage::Storage;
use anyhow::{anyhow, Result};
use fvm_shared::address::Address;
use padma_chain::base_info::MinerBaseInfo;
use padma_chain::miner::{prove_winning_post, MockWinningProver, WinningProver};
use padma_chain::network::NetworkParams;
use padma_types::block::PoStProof;
use std::sync::Arc;

/// Real WinningPoSt over sectors found in the miner's storage roots.
#[derive(Clone, Debug)]
pub struct StorageWinningProver {
    /// The storage roots.
    pub storage: Storage,
}

impl WinningProver for StorageWinningProver {
    fn prove(&self, info: &MinerBaseInfo, miner_id: u64, rand: [u8; 32]) -> Result<Vec<PoStProof>> {
        prove_winning_post(info, miner_id, rand, |n| {
            self.storage.find(miner_id, n).ok_or_else(|| {
                anyhow!(
                    "challenged sector {n} of t0{miner_id} is in none of the storage roots {:?}",
                    self.storage.roots
                )
            })
        })
    }
}

/// The WinningPoSt prover for a network: mock proofs on a `mock-proofs` network,
/// else real proofs over the storage roots.
pub fn winning_prover(net: &NetworkParams, storage: Storage) -> Arc<dyn WinningProver> {
    if net.mock_proofs {
        Arc::new(MockWinningProver)
    } else {
        Arc::new(StorageWinningProver { storage })
    }
}

/// The mining loop over the node's API (the worker key in the node's wallet), until
/// `stop` turns true; its error when it cannot go on.
pub fn mining(
    node: &FullNode,
    maddr: Address,
    storage: Storage,
    net: &NetworkParams,
    stop: tokio::sync::watch::Receiver<bool>,
) -> impl std::future::Future<Output = Result<()>> + Send + 'static {
    let mining_node = RpcMiningNode::new(node.client().clone());
    let prover = winning_prover(net, storage);
    async move { padma_chain::miner::run(&mining_node, prover.as_ref(), maddr, stop).await }
}

/// Starts the mining loop on a task of its own (its error is logged).
pub fn spawn_mining(
    node: &FullNode,
    maddr: Address,
    storage: Storage,
    net: &NetworkParams,
    stop: tokio::sync::watch::Receiver<bool>,
) -> tokio::task::JoinHandle<()> {
    let mine = mining(node, maddr, storage, net, stop);
    tokio::spawn(async move {
        if let Err(e) = mine.await {
            tracing::error!("mining stopped: {e:#}");
        }
    })
}
