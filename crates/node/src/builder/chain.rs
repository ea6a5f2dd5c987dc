//! The node builder's choices for the chain: what the genesis declares decides the
//! proof verifier and the beacon; the builder's options decide the message pool's
//! limits. This is the one place that decides them.

use crate::api::chainstore::{network_params, settle_genesis, Chain, ChainParts};
use anyhow::Result;
use padma_chain::consensus::beacon::{Beacon, MockBeacon};
use padma_chain::network::NetworkParams;
use padma_chain::{ChainStore, MpoolConfig};
use padma_proofs::ProofVerifier;
use padma_store::Store;
use std::sync::Arc;

/// Opens the chain in `store`: imports `car` (if given), else the genesis the store
/// holds; `None` when there is neither. The parts are chosen from the genesis's
/// network parameters, the message pool gets `mpool`.
pub fn open_chain(
    store: Arc<Store>,
    car: Option<&[u8]>,
    mpool: MpoolConfig,
) -> Result<Option<Chain>> {
    let cs = ChainStore::open(store.clone())?;
    let Some(genesis) = settle_genesis(&cs, &store, car)? else {
        return Ok(None);
    };
    let params = network_params(&store, &genesis)?;
    let parts = ChainParts {
        beacon: beacon_for(&params),
        verifier: verifier_for(&params),
        mpool,
        params,
    };
    Ok(Some(Chain::assemble(cs, genesis, parts)))
}

/// The proof verifier a network's genesis asks for: padma's mock proofs on a
/// `mock-proofs` network, else the real verifier.
pub fn verifier_for(params: &NetworkParams) -> Arc<dyn ProofVerifier> {
    if params.mock_proofs {
        tracing::warn!("this network uses mock proofs: nothing is really proven");
        Arc::new(padma_proofs::MockVerifier)
    } else {
        Arc::new(padma_proofs::RealVerifier)
    }
}

/// The randomness beacon of a network: every network padma runs today is a devnet,
/// whose beacon is the deterministic mock (a drand client would be chosen here from
/// what the genesis declares).
pub fn beacon_for(_params: &NetworkParams) -> Arc<dyn Beacon> {
    Arc::new(MockBeacon)
}
