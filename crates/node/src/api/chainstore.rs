//! The node's chain as the API sees it: the genesis block and padma-chain's chain
//! service (persisted head, state manager, message pool); how the daemon obtains its
//! genesis (`--genesis` CAR or `--make-genesis` from a template) and settles it in the
//! chain store; and how a chain is assembled from the parts the node builder chose.

use anyhow::{anyhow, bail, Context, Result};
use cid::Cid;
use padma_chain::consensus::beacon::Beacon;
use padma_chain::network::NetworkParams;
use padma_chain::state_view::StateView;
use padma_chain::{ChainService, ChainStore, MpoolConfig, StateManager};
use padma_proofs::ProofVerifier;
use padma_state::genesis::Template;
use padma_store::Store;
use padma_types::block::{BlockHeader, TipSet, TipSetKey};
use std::path::Path;
use std::sync::Arc;

/// The chain: its genesis and padma-chain's chain service (chain store, state
/// manager, message pool, block acceptance).
pub struct Chain {
    /// The genesis block.
    pub genesis: BlockHeader,
    /// The chain service.
    pub svc: Arc<ChainService>,
}

impl Chain {
    /// The state manager.
    pub fn sm(&self) -> &Arc<StateManager> {
        self.svc.sm()
    }

    /// The chain store.
    pub fn store(&self) -> &ChainStore {
        self.svc.sm().chain()
    }

    /// The genesis tipset.
    pub fn genesis_tipset(&self) -> TipSet {
        self.sm().genesis_tipset()
    }

    /// The current head (the genesis until blocks arrive).
    pub fn head(&self) -> TipSet {
        self.sm().head()
    }

    /// The tipset of `key`; the empty key is the head.
    pub fn tipset(&self, key: &TipSetKey) -> Result<TipSet> {
        self.sm().tipset(key)
    }
}

/// Loads and decodes a block header.
pub fn load_header(store: &Store, c: &Cid) -> Result<BlockHeader> {
    let bytes = fvm_ipld_blockstore::Blockstore::get(store, c)?
        .ok_or_else(|| anyhow!("block {c} not found"))?;
    BlockHeader::decode(&bytes).map_err(|e| anyhow!("block {c}: {e}"))
}

/// The genesis CAR the daemon should start from: `--make-genesis OUT` builds one from
/// `--genesis-template` (timestamp now if unset), writes it and prints the genesis
/// miners; `--genesis FILE` reads one.
pub fn genesis_car(
    genesis: Option<&Path>,
    make_genesis: Option<&Path>,
    template: Option<&Path>,
    actors: &crate::builder::chain::ActorsOptions,
) -> Result<Option<Vec<u8>>> {
    if let Some(out) = make_genesis {
        let tpath = template.ok_or_else(|| {
            anyhow!("must also pass file with genesis template to `--genesis-template`")
        })?;
        let text = std::fs::read(tpath)
            .with_context(|| format!("reading genesis template {}", tpath.display()))?;
        // A template without a timestamp gets the time the genesis is finished.
        let t = Template::from_json(&text)?;
        let (car, g) = make_genesis_car(&t, actors)?;
        for m in &g.miners {
            println!("GENESIS MINER ADDRESS: {m}");
        }
        std::fs::write(out, &car).with_context(|| format!("writing genesis {}", out.display()))?;
        tracing::info!(genesis = %g.cid, out = %out.display(), "genesis created");
        return Ok(Some(car));
    }
    match genesis {
        Some(g) => {
            let car = std::fs::read(g)
                .with_context(|| format!("cannot read genesis file {}", g.display()))?;
            if car.starts_with(&[0x28, 0xb5, 0x2f, 0xfd]) {
                bail!(
                    "genesis file {} is zstd-compressed: decompress it first (zstd -d)",
                    g.display()
                );
            }
            Ok(Some(car))
        }
        None => Ok(None),
    }
}

/// Builds the genesis of template `t` for the engine its network name declares: the
/// FVM (the bundle's code CIDs, its blocks in the CAR) unless it says `native-actors`.
/// With no bundle to be found (none given, none cached) it says so in one line and
/// falls back to the native engine, the network name then declaring it.
pub fn make_genesis_car(
    t: &Template,
    actors: &crate::builder::chain::ActorsOptions,
) -> Result<(Vec<u8>, padma_state::genesis::Genesis)> {
    let params = NetworkParams::parse(&t.network_name)?;
    if params.native_actors {
        return padma_state::genesis::make_car(t).context("making the genesis");
    }
    let codes = padma_state::code::CodeSet::for_proofs(params.mock_proofs);
    match padma_fvm::bundle::find(actors.bundle.as_deref(), &actors.cache_dirs, codes)? {
        Some((bundle, src)) => {
            tracing::info!(bundle = %src.path().display(), "genesis for the FVM");
            padma_fvm::genesis::make_genesis_car(t, codes, &bundle)
        }
        None => {
            eprintln!(
                "padma: {}; making a genesis for padma's native actors instead (an offline \
                 fallback: gas and state roots differ from Lotus's)",
                padma_fvm::bundle::missing_bundle_hint(codes)
            );
            padma_state::genesis::make_car(t)
        }
    }
    .context("making the genesis")
}

/// Settles the chain's genesis: imports `car` (if given) and records its genesis in
/// the chain store, refusing a store that holds another genesis; without a CAR, the
/// genesis the store holds (`None` when it holds none).
pub fn settle_genesis(
    cs: &ChainStore,
    store: &Store,
    car: Option<&[u8]>,
) -> Result<Option<BlockHeader>> {
    let recorded = cs.genesis()?;
    let Some(car) = car else {
        return Ok(recorded);
    };
    let roots = padma_store::car::import(store, car).context("importing the genesis CAR")?;
    let [root] = roots.as_slice() else {
        bail!(
            "genesis CAR must have exactly one root, it has {}",
            roots.len()
        );
    };
    let header =
        load_header(store, root).context("the genesis CAR's root is not a block header")?;
    if header.height != 0 {
        bail!(
            "the genesis CAR's root block has height {}, not 0",
            header.height
        );
    }
    if let Some(old) = &recorded {
        if old.cid() != *root {
            bail!(
                "this repo's chain has genesis {}, not the given genesis {root}: \
                 use a fresh repo (--repo) for another network",
                old.cid()
            );
        }
    }
    cs.set_genesis(&header)?;
    Ok(Some(header))
}

/// The network parameters the genesis declares in its network name.
pub fn network_params(store: &Arc<Store>, genesis: &BlockHeader) -> Result<NetworkParams> {
    let view = StateView::new(store.clone(), &genesis.parent_state_root)
        .context("reading the genesis state")?;
    NetworkParams::parse(&view.network_name()?)
}

/// What a chain is made of besides its store and genesis; the node builder chooses
/// them (`crate::builder::chain`).
pub struct ChainParts {
    /// The execution engine (the FVM, or the native fallback).
    pub engine: Arc<dyn padma_state::vm::Engine<Arc<Store>>>,
    /// What the genesis declares.
    pub params: NetworkParams,
    /// The randomness beacon.
    pub beacon: Arc<dyn Beacon>,
    /// The proof verifier (real or mock).
    pub verifier: Arc<dyn ProofVerifier>,
    /// The message pool's limits.
    pub mpool: MpoolConfig,
}

impl Chain {
    /// The chain over `cs` from `genesis`: its state manager and chain service. The
    /// head is the persisted one, else the genesis.
    pub fn assemble(cs: Arc<ChainStore>, genesis: BlockHeader, parts: ChainParts) -> Chain {
        let sm = Arc::new(StateManager::new(
            cs,
            genesis.clone(),
            parts.params,
            parts.beacon,
            parts.verifier,
            parts.engine,
        ));
        let chain = Chain {
            genesis,
            svc: ChainService::new(sm, parts.mpool),
        };
        tracing::info!(genesis = %chain.genesis.cid(), height = chain.head().height(), "chain opened");
        chain
    }
}
