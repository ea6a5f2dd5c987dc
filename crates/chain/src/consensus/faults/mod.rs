//! Consensus-fault verification for the miner actor's `ReportConsensusFault` (Lotus's
//! `VerifyConsensusFault`). Two headers by the same miner, the first no later than the
//! second, prove a fault when they are at the same height (double-fork mining), share
//! their parents at different heights (time-offset mining), or — with a third header
//! as witness, a sibling of the first and a parent of the second — the second omitted
//! the first from its parents (parent grinding). Both headers must carry the miner's
//! worker signature as of their lookback state. Anything else (undecodable bytes,
//! identical blocks, another miner, a bad signature) proves no fault.

use crate::store::ChainStore;
use anyhow::{bail, Result};
use fvm_shared::address::{Address, Payload};
use fvm_shared::clock::ChainEpoch;
use fvm_shared::consensus::{ConsensusFault, ConsensusFaultType};
use padma_state::runtime::ConsensusFaults;
use padma_types::block::BlockHeader;
use std::sync::Arc;

/// Gas Lotus charges per state object read while finding a worker key (its price
/// list's IPLD get base); three reads per header: miner state, miner info, account.
/// Informational only: the FVM charges the syscall from its own price list and
/// discards what the extern reports, so this figure never reaches a receipt.
const IPLD_GET_GAS: i64 = 114_617;
const READS_PER_WORKER_KEY: i64 = 3;

/// Finds a miner's worker key for a block at a height.
pub trait WorkerKeys: Send + Sync {
    /// The key address of `miner`'s worker in the lookback state of a block at
    /// `height`.
    fn worker_key(&self, miner: &Address, height: ChainEpoch) -> Result<Address>;
}

/// The checker over a set of worker keys.
pub struct FaultChecker<W> {
    keys: W,
}

impl<W: WorkerKeys> FaultChecker<W> {
    /// A checker reading worker keys from `keys`.
    pub fn new(keys: W) -> Self {
        FaultChecker { keys }
    }

    /// Whether `h` is signed by its miner's worker.
    fn signed(&self, h: &BlockHeader) -> bool {
        let Some(sig) = &h.block_sig else {
            return false;
        };
        match self.keys.worker_key(&h.miner, h.height) {
            Ok(key) => padma_types::crypto::verify_signature(sig, &key, &h.signing_bytes()).is_ok(),
            Err(e) => {
                tracing::debug!(miner = %h.miner, height = h.height, "no worker key: {e:#}");
                false
            }
        }
    }
}

fn decode(bytes: &[u8]) -> Option<BlockHeader> {
    fvm_ipld_encoding::from_slice(bytes).ok()
}

impl<W: WorkerKeys> ConsensusFaults for FaultChecker<W> {
    fn verify_consensus_fault(
        &self,
        h1: &[u8],
        h2: &[u8],
        extra: &[u8],
    ) -> Result<(Option<ConsensusFault>, i64)> {
        let none = Ok((None, 0));
        let (Some(a), Some(b)) = (decode(h1), decode(h2)) else {
            return none;
        };
        if a.cid() == b.cid() || a.miner != b.miner || b.height < a.height {
            return none;
        }
        let mut fault = None;
        if a.height == b.height {
            fault = Some(ConsensusFaultType::DoubleForkMining);
        }
        if a.parents == b.parents && a.height != b.height {
            fault = Some(ConsensusFaultType::TimeOffsetMining);
        }
        if !extra.is_empty() {
            let Some(c) = decode(extra) else {
                return none;
            };
            if a.parents == c.parents
                && a.height == c.height
                && b.parents.contains(&c.cid())
                && !b.parents.contains(&a.cid())
            {
                fault = Some(ConsensusFaultType::ParentGrinding);
            }
        }
        let Some(fault_type) = fault else {
            return none;
        };
        let per_header = IPLD_GET_GAS * READS_PER_WORKER_KEY;
        if !self.signed(&a) {
            return Ok((None, per_header));
        }
        if !self.signed(&b) {
            return Ok((None, 2 * per_header));
        }
        Ok((
            Some(ConsensusFault {
                target: a.miner,
                epoch: b.height,
                fault_type,
            }),
            2 * per_header,
        ))
    }
}

/// Worker keys from the chain: the lookback state of the block's height on the
/// heaviest chain, within finality of its head.
pub struct ChainWorkerKeys {
    cs: Arc<ChainStore>,
}

impl ChainWorkerKeys {
    /// Worker keys read from `cs`.
    pub fn new(cs: Arc<ChainStore>) -> Self {
        ChainWorkerKeys { cs }
    }
}

impl WorkerKeys for ChainWorkerKeys {
    fn worker_key(&self, miner: &Address, height: ChainEpoch) -> Result<Address> {
        let Payload::ID(id) = *miner.payload() else {
            bail!("miner {miner} is not an ID address");
        };
        let Some(head) = self.cs.head() else {
            bail!("the chain has no head yet");
        };
        if height < head.height() - super::CHAIN_FINALITY {
            bail!(
                "cannot get a worker key at {height}: more than finality below the head at {}",
                head.height()
            );
        }
        let lbr = (height - crate::base_info::WINNING_POST_LOOKBACK).max(0);
        let lbst = if lbr >= head.height() {
            // No tipset after the lookback round yet: the head's parent state is the
            // newest state known without executing.
            head.parent_state()
        } else {
            crate::externs::tipset_at_or_after(&self.cs, &head, lbr + 1)?.parent_state()
        };
        crate::produce::worker_key_in(self.cs.blockstore(), &lbst, id)
    }
}

#[cfg(test)]
mod tests;
