//! The genesis VM: Lotus's genesis messages (see `padma_state::genesis`) executed by
//! the FVM with the official actors, as Lotus's `MakeGenesisBlock` runs them: implicit
//! messages at epoch 0 with a zero base fee, circulating supply and timestamp, and no
//! randomness (no genesis method draws any).

use crate::bundle::Bundle;
use crate::engine::{start_executor, Applier, MachineContext};
use crate::externs::NodeExterns;
use anyhow::{anyhow, bail, Context, Result};
use cid::Cid;
use fvm::executor::Executor;
use fvm_ipld_blockstore::{Blockstore, MemoryBlockstore};
use fvm_ipld_encoding::RawBytes;
use fvm_shared::clock::ChainEpoch;
use fvm_shared::econ::TokenAmount;
use fvm_shared::message::Message;
use fvm_shared::version::NetworkVersion;
use padma_state::code::CodeSet;
use padma_state::genesis::{self, Genesis, GenesisVm, Template};
use padma_state::policy::devnet_policy;
use padma_state::runtime::{NoFaults, Randomness};
use padma_state::vm::MessageApplier;
use std::rc::Rc;
use std::sync::Arc;

/// The FVM as Lotus's genesis VM, over `store`.
pub struct FvmGenesisVm<BS> {
    store: BS,
    network_version: NetworkVersion,
}

impl<BS> FvmGenesisVm<BS> {
    /// A genesis VM for network version `network_version` over `store` (which holds
    /// the bundle's code).
    pub fn new(store: BS, network_version: NetworkVersion) -> Self {
        FvmGenesisVm {
            store,
            network_version,
        }
    }
}

/// Genesis has no chain to draw randomness from.
struct NoRandomness;

impl Randomness for NoRandomness {
    fn chain_randomness(&self, round: ChainEpoch) -> Result<[u8; 32]> {
        Err(anyhow!("no chain randomness at genesis (round {round})"))
    }

    fn beacon_randomness(&self, round: ChainEpoch) -> Result<[u8; 32]> {
        Err(anyhow!("no beacon randomness at genesis (round {round})"))
    }
}

impl<BS: Blockstore + Clone + 'static> GenesisVm for FvmGenesisVm<BS> {
    fn apply_implicit(&self, root: &Cid, msg: &Message) -> Result<(Cid, RawBytes)> {
        let context = MachineContext {
            network_version: self.network_version,
            epoch: 0,
            timestamp: 0,
            base_fee: TokenAmount::default(),
            circulating_supply: TokenAmount::default(),
        };
        let externs = NodeExterns {
            chain: Arc::new(NoRandomness),
            faults: Arc::new(NoFaults),
        };
        let mut ex = start_executor(self.store.clone(), root, context, externs)
            .context("starting the genesis machine")?;
        let ret = Applier(&mut ex).apply_system(msg)?;
        if !ret.receipt.exit_code.is_success() {
            bail!(
                "exit code {}: {}",
                ret.receipt.exit_code.value(),
                ret.error.unwrap_or_default()
            );
        }
        Ok((ex.flush()?, ret.receipt.return_data))
    }
}

/// Builds the genesis of `template` as Lotus does, through the FVM with `bundle`'s
/// actors (of `codes`), in memory; returns the CAR bytes (the bundle's blocks
/// included, so any node can load it) and the genesis.
pub fn make_genesis_car(
    template: &Template,
    codes: CodeSet,
    bundle: &Bundle,
) -> Result<(Vec<u8>, Genesis)> {
    let store = Rc::new(MemoryBlockstore::new());
    bundle.import(&*store)?;
    let g = build(&store, template, codes)?;
    let mut out = Vec::new();
    genesis::write_car(&*store, g.cid, &mut out)?;
    Ok((out, g))
}

/// Builds the genesis of `template` through the FVM into `store`, which must hold the
/// actors' code of `codes`.
pub fn build<BS: Blockstore + Clone + 'static>(
    store: &BS,
    template: &Template,
    codes: CodeSet,
) -> Result<Genesis> {
    let nv = NetworkVersion::from(template.network_version);
    let vm = FvmGenesisVm::new(store.clone(), nv);
    genesis::build_through_vm(store, template, devnet_policy(), codes, &vm)
}
