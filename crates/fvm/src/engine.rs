//! [`FvmEngine`]: tipsets, `StateCall`, `StateCompute` and gas estimation's trial runs
//! executed by the `fvm` crate with the official actors whose code the state's
//! manifest names.

use crate::externs::NodeExterns;
use crate::overlay::Overlay;
use anyhow::{anyhow, bail, Context, Result};
use cid::Cid;
use fvm::call_manager::DefaultCallManager;
use fvm::engine::MultiEngine;
use fvm::executor::{ApplyKind, DefaultExecutor, Executor};
use fvm::kernel::filecoin::DefaultFilecoinKernel;
use fvm::machine::{DefaultMachine, Machine as _, NetworkConfig};
use fvm_ipld_amt::{Amt, Amtv0};
use fvm_ipld_blockstore::Blockstore;
use fvm_shared::address::Address;
use fvm_shared::chainid::ChainID;
use fvm_shared::clock::ChainEpoch;
use fvm_shared::econ::TokenAmount;
use fvm_shared::event::StampedEvent;
use fvm_shared::message::Message;
use fvm_shared::receipt::Receipt;
use fvm_shared::version::NetworkVersion;
use padma_state::policy::CHAIN_ID;
use padma_state::runtime::{ConsensusFaults, NoFaults};
use padma_state::vm::supply::supply_parts_at;
use padma_state::vm::{
    apply_blocks, call_defaults, free_gas_without_fee_cap, run_cron, select_messages, ApplyRet,
    BlockMessages, ChainMessage, Engine, GasOutputs, InvocResult, MessageApplier, TipsetResult,
    VmEnv, EVENTS_AMT_BIT_WIDTH,
};
use std::sync::{Arc, LazyLock};

/// How many machines may execute at once in this process (calls beyond wait).
const CONCURRENCY: u32 = 4;

/// The compiled actor code, shared by every machine of the process: each actor's Wasm
/// is compiled once, on the first machine that needs it.
static ENGINES: LazyLock<MultiEngine> = LazyLock::new(|| MultiEngine::new(CONCURRENCY));

type Machine<BS> = DefaultMachine<BS, NodeExterns>;
type Kernel<BS> = DefaultFilecoinKernel<DefaultCallManager<Machine<BS>>>;
pub(crate) type Exec<BS> = DefaultExecutor<Kernel<BS>>;

/// The FVM engine.
#[derive(Clone)]
pub struct FvmEngine {
    faults: Arc<dyn ConsensusFaults>,
}

impl Default for FvmEngine {
    fn default() -> Self {
        FvmEngine::new(Arc::new(NoFaults))
    }
}

impl FvmEngine {
    /// An engine whose consensus-fault reports are checked by `faults`.
    pub fn new(faults: Arc<dyn ConsensusFaults>) -> Self {
        FvmEngine { faults }
    }

    /// A machine over `root` at `env`'s epoch, wrapped in an executor.
    fn executor<BS>(&self, store: &BS, root: &Cid, env: &VmEnv) -> Result<Exec<BS>>
    where
        BS: Blockstore + Clone + Send + Sync + 'static,
    {
        let parts = supply_parts_at(store, root).context("reading the circulating supply")?;
        let context = MachineContext {
            network_version: env.network_version,
            epoch: env.epoch,
            timestamp: env.timestamp,
            base_fee: env.base_fee.clone(),
            circulating_supply: env.supply.circulating_supply(env.epoch, &parts)?,
        };
        let externs = NodeExterns {
            chain: env.randomness.clone(),
            faults: self.faults.clone(),
        };
        start_executor(store.clone(), root, context, externs)
    }
}

/// What a machine is started with, besides its state and externs.
pub(crate) struct MachineContext {
    /// The network version.
    pub network_version: NetworkVersion,
    /// The epoch messages execute at.
    pub epoch: ChainEpoch,
    /// The time the actors read.
    pub timestamp: u64,
    /// The base fee.
    pub base_fee: TokenAmount,
    /// The circulating supply.
    pub circulating_supply: TokenAmount,
}

/// A machine over `root` in `store` (padma's chain ID), calling back into the node
/// through `externs`, wrapped in an executor; the actors' code comes compiled from the
/// process's engines.
pub(crate) fn start_executor<BS: Blockstore + 'static>(
    store: BS,
    root: &Cid,
    context: MachineContext,
    externs: NodeExterns,
) -> Result<Exec<BS>> {
    let mut nc = NetworkConfig::new(context.network_version);
    nc.chain_id(ChainID::from(CHAIN_ID));
    let mut mc = nc.for_epoch(context.epoch, context.timestamp, *root);
    mc.set_base_fee(context.base_fee);
    mc.set_circulating_supply(context.circulating_supply);
    let machine = DefaultMachine::new(&mc, store, externs).context("starting the FVM machine")?;
    let engine = ENGINES.get(&nc).context("starting the FVM engine")?;
    DefaultExecutor::new(engine, machine).context("loading the actors' code")
}

/// The actor at `addr` in the executor's current state.
fn sender_actor<BS>(ex: &Exec<BS>, addr: &Address) -> Result<Option<fvm::state_tree::ActorState>>
where
    BS: Blockstore + Clone + Send + Sync + 'static,
{
    let tree = ex.state_tree();
    match tree.lookup_id(addr)? {
        Some(id) => Ok(tree.get_actor(id)?),
        None => Ok(None),
    }
}

/// padma's view of an FVM apply result.
fn convert(ret: fvm::executor::ApplyRet) -> ApplyRet {
    ApplyRet {
        receipt: ret.msg_receipt,
        gas: GasOutputs {
            base_fee_burn: ret.base_fee_burn,
            over_estimation_burn: ret.over_estimation_burn,
            miner_penalty: ret.penalty,
            miner_tip: ret.miner_tip,
            refund: ret.refund,
            gas_refund: ret.gas_refund,
            gas_burned: ret.gas_burned,
        },
        error: ret
            .failure_info
            .map(|f| f.to_string().trim_end().to_string()),
        events: ret.events,
    }
}

/// The executor as tipset execution (and genesis) drives it.
pub(crate) struct Applier<'e, BS: Blockstore + 'static>(pub &'e mut Exec<BS>);

impl<BS: Blockstore + 'static> MessageApplier for Applier<'_, BS> {
    fn apply_explicit(&mut self, msg: &ChainMessage) -> Result<ApplyRet> {
        let ret = self.0.execute_message(
            msg.message().clone(),
            ApplyKind::Explicit,
            msg.chain_length(),
        )?;
        Ok(convert(ret))
    }

    fn apply_system(&mut self, msg: &Message) -> Result<ApplyRet> {
        let len = fvm_ipld_encoding::to_vec(msg)?.len();
        let ret = self
            .0
            .execute_message(msg.clone(), ApplyKind::Implicit, len)?;
        Ok(convert(ret))
    }
}

/// Writes a message's events AMT into `store` (the FVM only keeps what the state
/// root reaches), checking it is the root the receipt names.
fn store_events(store: &impl Blockstore, receipt: &Receipt, events: &[StampedEvent]) -> Result<()> {
    let Some(root) = receipt.events_root else {
        return Ok(());
    };
    let mut amt: Amt<StampedEvent, _> = Amt::new_with_bit_width(store, EVENTS_AMT_BIT_WIDTH);
    for (i, e) in events.iter().enumerate() {
        amt.set(i as u64, e.clone())?;
    }
    let written = amt.flush()?;
    if written != root {
        bail!("events AMT {written} differs from the receipt's {root}");
    }
    Ok(())
}

impl<BS> Engine<BS> for FvmEngine
where
    BS: Blockstore + Clone + Send + Sync + 'static,
{
    fn name(&self) -> &'static str {
        "fvm"
    }

    fn execute_tipset(
        &self,
        store: &BS,
        parent_state: &Cid,
        parent_epoch: ChainEpoch,
        blocks: &[BlockMessages],
        env: VmEnv,
    ) -> Result<TipsetResult> {
        let epoch = env.epoch;
        if epoch <= parent_epoch {
            bail!("tipset epoch {epoch} is not after its parent's {parent_epoch}");
        }
        let mut root = *parent_state;
        let mut implicit = Vec::new();
        for null in parent_epoch + 1..epoch {
            let env = VmEnv {
                epoch: null,
                ..env.clone()
            };
            let mut ex = self.executor(store, &root, &env)?;
            run_cron(&mut Applier(&mut ex), null, 0, &mut implicit)?;
            root = ex.flush()?;
        }
        let selected = {
            let parent = fvm::state_tree::StateTree::new_from_root(store, parent_state)?;
            select_messages(
                blocks.iter().map(|b| b.messages.iter()),
                |cm: &&ChainMessage| cm.message(),
                |a| {
                    let id = parent
                        .lookup_id(a)?
                        .ok_or_else(|| anyhow!("failed to resolve sender {a}"))?;
                    Ok(Address::new_id(id))
                },
            )?
        };
        let mut ex = self.executor(store, &root, &env)?;
        let applied = apply_blocks(
            &mut Applier(&mut ex),
            blocks,
            selected,
            epoch,
            &mut implicit,
        )?;
        let state_root = ex.flush()?;
        let mut receipts: Amtv0<Receipt, _> = Amtv0::new(store);
        for (i, (_, r)) in applied.iter().enumerate() {
            store_events(store, &r.receipt, &r.events)?;
            receipts.set(i as u64, r.receipt.clone())?;
        }
        let receipts_root = receipts.flush()?;
        Ok(TipsetResult {
            state_root,
            receipts_root,
            applied,
            implicit,
        })
    }

    fn call(&self, store: &BS, root: &Cid, msg: &Message, env: VmEnv) -> Result<InvocResult> {
        let mut env = env;
        let mut msg = call_defaults(msg, &mut env);
        let mut ex = self.executor(&Overlay::new(store.clone()), root, &env)?;
        let not_found = || anyhow!("sender {} not found on chain", msg.from);
        let sender = sender_actor(&ex, &msg.from)?.ok_or_else(not_found)?;
        msg.sequence = sender.sequence;
        let len = fvm_ipld_encoding::to_vec(&msg)?.len();
        let ret = convert(ex.execute_message(msg.clone(), ApplyKind::Implicit, len)?);
        Ok(InvocResult {
            msg,
            receipt: ret.receipt,
            gas: ret.gas,
            error: ret.error,
        })
    }

    fn call_explicit(
        &self,
        store: &BS,
        root: &Cid,
        prior: &[ChainMessage],
        msg: &ChainMessage,
        env: VmEnv,
    ) -> Result<InvocResult> {
        // As Lotus: the prior messages at the real base fee, then the message on
        // their state in a new machine (free gas when it has no fee cap).
        let layer = Overlay::new(store.clone());
        let mut ex = self.executor(&layer, root, &env)?;
        for (i, m) in prior.iter().enumerate() {
            ex.execute_message(m.message().clone(), ApplyKind::Explicit, m.chain_length())
                .with_context(|| format!("applying prior message {i} ({})", m.cid()))?;
        }
        let root = ex.flush()?;
        let from = msg.message().from;
        let sender =
            sender_actor(&ex, &from)?.ok_or_else(|| anyhow!("sender {from} not found on chain"))?;
        let mut msg = msg.clone();
        match &mut msg {
            ChainMessage::Bls(m) => m.sequence = sender.sequence,
            ChainMessage::Signed(s) => s.message.sequence = sender.sequence,
        }
        let mut env = env;
        free_gas_without_fee_cap(&msg.message().gas_fee_cap, &mut env);
        let mut ex = self.executor(&layer, &root, &env)?;
        let ret = ex.execute_message(
            msg.message().clone(),
            ApplyKind::Explicit,
            msg.chain_length(),
        )?;
        let ret = convert(ret);
        Ok(InvocResult {
            msg: msg.message().clone(),
            receipt: ret.receipt,
            gas: ret.gas,
            error: ret.error,
        })
    }

    fn apply_on(
        &self,
        store: &BS,
        root: &Cid,
        msgs: &[ChainMessage],
        env: VmEnv,
    ) -> Result<(Cid, Vec<ApplyRet>)> {
        let mut ex = self.executor(store, root, &env)?;
        let mut rets = Vec::with_capacity(msgs.len());
        for (i, m) in msgs.iter().enumerate() {
            let ret = ex
                .execute_message(m.message().clone(), ApplyKind::Explicit, m.chain_length())
                .with_context(|| format!("applying message {i} ({})", m.cid()))?;
            rets.push(convert(ret));
        }
        Ok((ex.flush()?, rets))
    }
}
