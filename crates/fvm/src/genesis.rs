//! The genesis VM: Lotus's genesis messages (see `padma_state::genesis`) executed by
//! the FVM with the official actors, as Lotus's `MakeGenesisBlock` runs them: implicit
//! messages at epoch 0 with a zero base fee, circulating supply and timestamp, and no
//! randomness (no genesis method draws any).

use crate::bundle::Bundle;
use crate::engine::ENGINES;
use crate::externs::NodeExterns;
use anyhow::{anyhow, bail, Context, Result};
use cid::Cid;
use fvm::call_manager::DefaultCallManager;
use fvm::executor::{ApplyKind, DefaultExecutor, Executor};
use fvm::kernel::filecoin::DefaultFilecoinKernel;
use fvm::machine::{DefaultMachine, NetworkConfig};
use fvm_ipld_blockstore::{Blockstore, MemoryBlockstore};
use fvm_ipld_encoding::RawBytes;
use fvm_shared::chainid::ChainID;
use fvm_shared::clock::ChainEpoch;
use fvm_shared::econ::TokenAmount;
use fvm_shared::message::Message;
use fvm_shared::version::NetworkVersion;
use padma_state::code::CodeSet;
use padma_state::genesis::{self, Genesis, GenesisVm, Template};
use padma_state::policy::{devnet_policy, CHAIN_ID};
use padma_state::runtime::{NoFaults, Randomness};
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

type Machine<BS> = DefaultMachine<BS, NodeExterns>;
type Kernel<BS> = DefaultFilecoinKernel<DefaultCallManager<Machine<BS>>>;

impl<BS: Blockstore + Clone + 'static> GenesisVm for FvmGenesisVm<BS> {
    fn apply_implicit(&self, root: &Cid, msg: &Message) -> Result<(Cid, RawBytes)> {
        let mut nc = NetworkConfig::new(self.network_version);
        nc.chain_id(ChainID::from(CHAIN_ID));
        let mut mc = nc.for_epoch(0, 0, *root);
        mc.set_base_fee(TokenAmount::default());
        mc.set_circulating_supply(TokenAmount::default());
        let externs = NodeExterns {
            chain: Arc::new(NoRandomness),
            faults: Arc::new(NoFaults),
        };
        let machine = DefaultMachine::new(&mc, self.store.clone(), externs)
            .context("starting the genesis machine")?;
        let engine = ENGINES.get(&nc).context("starting the FVM engine")?;
        let mut ex: DefaultExecutor<Kernel<BS>> =
            DefaultExecutor::new(engine, machine).context("loading the actors' code")?;
        let len = fvm_ipld_encoding::to_vec(msg)?.len();
        let ret = ex.execute_message(msg.clone(), ApplyKind::Implicit, len)?;
        let receipt = ret.msg_receipt;
        if !receipt.exit_code.is_success() {
            let why = ret
                .failure_info
                .map(|f| f.to_string().trim_end().to_string())
                .unwrap_or_default();
            bail!("exit code {}: {why}", receipt.exit_code.value());
        }
        Ok((ex.flush()?, receipt.return_data))
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
