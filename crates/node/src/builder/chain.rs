//! The node builder's choices for the chain: what the genesis declares decides the
//! execution engine, the proof verifier and the beacon; the builder's options decide
//! where an actors bundle comes from and the message pool's limits. This is the one
//! place that decides them.

use crate::api::chainstore::{network_params, settle_genesis, Chain, ChainParts};
use anyhow::{anyhow, Context, Result};
use padma_chain::consensus::beacon::{Beacon, MockBeacon};
use padma_chain::consensus::faults::{ChainWorkerKeys, FaultChecker};
use padma_chain::network::NetworkParams;
use padma_chain::{ChainStore, MpoolConfig};
use padma_fvm::bundle;
use padma_proofs::ProofVerifier;
use padma_state::code::CodeSet;
use padma_state::vm::{Engine, NativeEngine};
use padma_store::Store;
use std::path::PathBuf;
use std::sync::Arc;

/// Opens the chain in `store`: imports `car` (if given), else the genesis the store
/// holds; `None` when there is neither. The parts are chosen from the genesis's
/// network parameters, the message pool gets `mpool`.
pub fn open_chain(
    store: Arc<Store>,
    car: Option<&[u8]>,
    mpool: MpoolConfig,
    actors: &ActorsOptions,
) -> Result<Option<Chain>> {
    let cs = Arc::new(ChainStore::open(store.clone())?);
    let Some(genesis) = settle_genesis(&cs, &store, car)? else {
        return Ok(None);
    };
    let params = network_params(&store, &genesis)?;
    let engine = engine_for(&params, &cs, &genesis.parent_state_root, actors)?;
    tracing::info!(engine = engine.name(), "execution engine");
    let parts = ChainParts {
        engine,
        beacon: beacon_for(&params),
        verifier: verifier_for(&params),
        mpool,
        params,
    };
    Ok(Some(Chain::assemble(cs, genesis, parts)))
}

/// Where an actors bundle may come from: the file given (`--actors-bundle`), else
/// `PADMA_ACTORS_BUNDLE`, else a cached copy in one of the cache folders (the first
/// receives a copy of a bundle found by path).
#[derive(Clone, Debug, Default)]
pub struct ActorsOptions {
    /// `--actors-bundle`.
    pub bundle: Option<PathBuf>,
    /// Cache folders, searched in order.
    pub cache_dirs: Vec<PathBuf>,
}

impl ActorsOptions {
    /// Finds the bundle `codes`; an error with the way to get one when there is none.
    pub fn require(&self, codes: CodeSet) -> Result<padma_fvm::Bundle> {
        let found = bundle::find(self.bundle.as_deref(), &self.cache_dirs, codes)?;
        let (b, src) = found.ok_or_else(|| anyhow!(bundle::missing_bundle_hint(codes)))?;
        tracing::info!(bundle = %src.path().display(), manifest = %b.manifest, "actors bundle");
        Ok(b)
    }
}

/// The engine a network's genesis declares: padma's native actors on a
/// `native-actors` network, else the FVM — whose actor code (named by the system
/// actor's manifest) must be in the store: a genesis CAR carries it; else it is
/// imported from a bundle ([`ActorsOptions`]). The FVM checks consensus-fault reports
/// against the worker keys of the chain in `cs`.
pub fn engine_for(
    params: &NetworkParams,
    cs: &Arc<ChainStore>,
    genesis_state: &cid::Cid,
    actors: &ActorsOptions,
) -> Result<Arc<dyn Engine<Arc<Store>>>> {
    if params.native_actors {
        tracing::warn!(
            "this network runs padma's native actors: gas and state differ from Lotus's"
        );
        return Ok(Arc::new(NativeEngine));
    }
    let store = cs.blockstore();
    let codes = padma_state::genesis::manifest_codes(store.as_ref(), genesis_state)
        .context("reading the genesis manifest")?;
    for (name, code) in &codes {
        if !fvm_ipld_blockstore::Blockstore::has(store.as_ref(), code)? {
            let set = CodeSet::of_code(code).ok_or_else(|| {
                anyhow!("the genesis names actor code {code} ({name}), from no bundle padma knows")
            })?;
            // One bundle holds every actor's code.
            actors.require(set)?.import(store.as_ref())?;
            break;
        }
    }
    // Consensus faults are checked against the worker keys of this chain.
    let faults = FaultChecker::new(ChainWorkerKeys::new(cs.clone()));
    Ok(Arc::new(padma_fvm::FvmEngine::new(Arc::new(faults))))
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
