//! What the host needs of the chain: the hello it says, the chain-exchange answers it
//! gives, and the blocks bitswap serves. The node's chain store provides all three.

use crate::bitswap::BitswapStore;
use crate::wire::hello::HelloMessage;
use crate::wire::xchg::{self, Request, Response};
use anyhow::{anyhow, Result};
use padma_chain::store::ChainStore;
use std::sync::Arc;

/// The chain as the host sees it.
pub trait ChainAccess: Send + Sync + 'static {
    /// The hello this node says: its heaviest tipset, height, weight and genesis.
    fn hello(&self) -> Result<HelloMessage>;
    /// The answer to a chain-exchange request (runs off the host's task).
    fn serve_chain_exchange(&self, req: &Request) -> Response;
    /// The blocks bitswap serves.
    fn blocks(&self) -> Arc<dyn BitswapStore>;
}

impl ChainAccess for ChainStore {
    fn hello(&self) -> Result<HelloMessage> {
        let head = self
            .head()
            .ok_or_else(|| anyhow!("the chain has no head yet"))?;
        let genesis = self
            .genesis()?
            .ok_or_else(|| anyhow!("the chain has no genesis yet"))?;
        let weight = self.weight(head.key())?.unwrap_or_default();
        Ok(HelloMessage {
            heaviest_tipset: head.key().0.clone(),
            heaviest_tipset_height: head.height(),
            heaviest_tipset_weight: weight,
            genesis: genesis.cid(),
        })
    }

    fn serve_chain_exchange(&self, req: &Request) -> Response {
        xchg::serve(self, req)
    }

    fn blocks(&self) -> Arc<dyn BitswapStore> {
        self.blockstore().clone()
    }
}

/// A host with no chain of its own (the storage miner's): it says no hello, answers
/// chain exchange with "not found" and serves no blocks.
pub struct NoChain;

struct NoBlocks;

impl BitswapStore for NoBlocks {
    fn has(&self, _cid: &cid::Cid) -> bool {
        false
    }

    fn get(&self, _cid: &cid::Cid) -> Option<Vec<u8>> {
        None
    }
}

impl ChainAccess for NoChain {
    fn hello(&self) -> Result<HelloMessage> {
        Err(anyhow!("this host keeps no chain"))
    }

    fn serve_chain_exchange(&self, _req: &Request) -> Response {
        Response::error(xchg::Status::NotFound, "this host keeps no chain")
    }

    fn blocks(&self) -> Arc<dyn BitswapStore> {
        Arc::new(NoBlocks)
    }
}
