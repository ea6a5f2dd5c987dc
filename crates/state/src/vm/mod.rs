//! The VM: applies messages to a state tree with padma's native actors.
//!
//! * [`Vm::apply_message`] applies an explicit (signed, on-chain) message: the FVM's
//!   preflight checks, gas charged from [`gas::PRICES`], execution in a state
//!   transaction, and the fee split of [`GasOutputs`] (protocol.md §3.9).
//! * [`Vm::apply_implicit`] applies a system message (block reward, cron) without
//!   fee handling.
//! * [`execute_tipset`] executes a tipset (protocol.md §3.8) as a pure function of
//!   its inputs; [`call`] runs a message against a state without committing it
//!   (`StateCall`).
//!
//! All writes go to an in-memory buffer; [`Vm::flush`] writes the state tree and
//! copies only the blocks reachable from the new root to the underlying store.

mod apply;
mod call;
pub mod engine;
mod explicit;
pub mod gas;
pub mod layers;
pub mod outputs;
pub mod store;
pub mod supply;
mod tipset;

pub use apply::{
    call, call_defaults, check_message_syntax, free_gas_without_fee_cap, ApplyRet, InvocResult,
    EVENTS_AMT_BIT_WIDTH,
};
pub(crate) use call::CallError;
pub use engine::{Engine, NativeEngine};
pub use explicit::call_explicit;
pub use outputs::GasOutputs;
pub use supply::LotusSupply;
pub use tipset::{
    apply_blocks, cron_message, execute_tipset, implicit, reward_message, run_cron,
    select_messages, BlockMessages, ChainMessage, ImplicitApplied, MessageApplier, TipsetResult,
    Traced,
};

use crate::actors::ids;
use crate::policy::Policy;
use crate::runtime::{CircSupply, ProofVerifier, Randomness, SupplyParts};
use crate::tree::StateTree;
use anyhow::{Context, Result};
use cid::Cid;
use fvm_ipld_blockstore::Blockstore;
use fvm_shared::address::Address;
use fvm_shared::clock::ChainEpoch;
use fvm_shared::econ::TokenAmount;
use fvm_shared::version::NetworkVersion;
use layers::LayeredTree;
use std::cell::RefCell;
use std::collections::{HashMap, HashSet};
use std::rc::Rc;
use std::sync::Arc;
use store::{BufferedStore, Meter, MeteredStore};

/// Maximum depth of nested sends (the FVM's limit).
pub const MAX_CALL_DEPTH: u32 = 1024;

/// Block gas limit (10 billion).
pub use padma_types::message::BLOCK_GAS_LIMIT;

/// Everything about the execution context that is not the state: epoch, base fee,
/// network version, actor policy, and the chain-facing hooks.
#[derive(Clone)]
pub struct VmEnv {
    /// The epoch messages execute at.
    pub epoch: ChainEpoch,
    /// The tipset's timestamp (seconds; what the FVM's actors read as the time).
    pub timestamp: u64,
    /// The base fee (the tipset's `ParentBaseFee`).
    pub base_fee: TokenAmount,
    /// The network version (padma runs nv28).
    pub network_version: NetworkVersion,
    /// The actors' policy.
    pub policy: Policy,
    /// Randomness bases (and tipset CIDs) for the actors.
    pub randomness: Arc<dyn Randomness + Send + Sync>,
    /// Proof verification for the actors.
    pub proofs: Arc<dyn ProofVerifier + Send + Sync>,
    /// Circulating supply computation.
    pub supply: Arc<dyn CircSupply + Send + Sync>,
}

/// Per-message execution context.
struct MessageCtx<'bs, BS> {
    meter: Rc<Meter>,
    store: MeteredStore<'bs, BS>,
    origin: Address,
    nonce: u64,
    actors_created: u64,
    depth: u32,
    /// Actors read (false) or updated (true) in this message, for lookup charges.
    access: RefCell<HashMap<u64, bool>>,
    /// Non-ID addresses already resolved in this message.
    resolved: RefCell<HashSet<Address>>,
    /// Events emitted by calls that have not been reverted.
    events: Vec<fvm_shared::event::StampedEvent>,
}

/// A VM over a state tree in a write buffer above `BS`.
pub struct Vm<'bs, BS: Blockstore> {
    store: Rc<BufferedStore<'bs, BS>>,
    state: LayeredTree<Rc<BufferedStore<'bs, BS>>>,
    env: VmEnv,
    circ_supply: TokenAmount,
    msg: MessageCtx<'bs, BS>,
}

impl<'bs, BS: Blockstore> Vm<'bs, BS> {
    /// A VM over the state `root` in `store`. The circulating supply the actors see
    /// is computed here from that state, as Lotus does per VM.
    pub fn new(store: &'bs BS, root: &Cid, env: VmEnv) -> Result<Self> {
        Self::new_buffered(Rc::new(BufferedStore::new(store)), root, env)
    }

    /// A VM over the state `root` in an existing write buffer (several VMs in a row,
    /// as for null rounds, share one buffer).
    pub fn new_buffered(buf: Rc<BufferedStore<'bs, BS>>, root: &Cid, env: VmEnv) -> Result<Self> {
        let tree = StateTree::load(buf.clone(), root)?;
        let meter = Rc::new(Meter::new(0));
        let mut vm = Vm {
            msg: MessageCtx {
                store: MeteredStore::new(buf.clone(), meter.clone()),
                meter,
                origin: Address::new_id(ids::SYSTEM),
                nonce: 0,
                actors_created: 0,
                depth: 0,
                access: Default::default(),
                resolved: Default::default(),
                events: Vec::new(),
            },
            store: buf,
            state: LayeredTree::new(tree),
            env,
            circ_supply: TokenAmount::default(),
        };
        let parts = vm
            .supply_parts()
            .context("reading the circulating supply")?;
        vm.circ_supply = vm.env.supply.circulating_supply(vm.env.epoch, &parts)?;
        Ok(vm)
    }

    /// The execution context.
    pub fn env(&self) -> &VmEnv {
        &self.env
    }

    /// The circulating supply the actors see.
    pub fn circ_supply(&self) -> &TokenAmount {
        &self.circ_supply
    }

    /// The buffered store (reads see unflushed writes).
    pub fn store(&self) -> &BufferedStore<'bs, BS> {
        &self.store
    }

    /// The actor with ID `id` (uncharged; for callers outside message execution).
    pub fn get_actor(&self, id: u64) -> Result<Option<crate::tree::ActorState>> {
        self.state.get(id)
    }

    /// Resolves an address to an actor ID through the init actor (uncharged).
    pub fn lookup_id(&self, addr: &Address) -> Result<Option<u64>> {
        call::lookup_id(&self.state, &*self.store, addr)
    }

    /// The sum of all balances (including changes not yet flushed).
    pub fn total_balance(&mut self) -> Result<TokenAmount> {
        self.state.flush()?;
        self.state.tree().total_balance()
    }

    /// Writes the state tree and copies the blocks reachable from the new root to the
    /// underlying store; returns the root.
    pub fn flush(&mut self) -> Result<Cid> {
        let root = self.state.flush()?;
        self.store.flush_reachable(&root)?;
        Ok(root)
    }

    /// Writes the state tree into the buffer only (nothing reaches the underlying
    /// store) and returns its root.
    pub fn flush_buffered(&mut self) -> Result<Cid> {
        self.state.flush()
    }

    fn supply_parts(&self) -> Result<SupplyParts> {
        supply::read_supply_parts(&*self.store, |id| self.state.get(id))
    }

    // ----- accessors for the runtime -----

    pub(crate) fn origin(&self) -> Address {
        self.msg.origin
    }

    pub(crate) fn meter(&self) -> &Meter {
        &self.msg.meter
    }

    pub(crate) fn metered_store(&self) -> &MeteredStore<'bs, BS> {
        &self.msg.store
    }

    /// Records an event emitted by actor `emitter`.
    pub(crate) fn push_event(&mut self, emitter: u64, event: fvm_shared::event::ActorEvent) {
        self.msg
            .events
            .push(fvm_shared::event::StampedEvent { emitter, event });
    }

    /// The f2 address of the next actor created by this message (protocol.md §2.4).
    pub(crate) fn next_actor_address(&self) -> Address {
        let mut b = fvm_ipld_encoding::to_vec(&self.msg.origin).unwrap_or_default();
        b.extend_from_slice(&self.msg.nonce.to_be_bytes());
        b.extend_from_slice(&self.msg.actors_created.to_be_bytes());
        Address::new_actor(&b)
    }

    /// Starts a message's execution context. As in the FVM, the sender counts as
    /// already looked up and updated (preflight paid for it), and the receiver as
    /// already looked up, so the message pays for neither again.
    fn begin_message(&mut self, gas_limit: u64, msg: &fvm_shared::message::Message, sender: u64) {
        let meter = Rc::new(Meter::new(gas_limit));
        let mut access = HashMap::from([(sender, true)]);
        let mut resolved = HashSet::from([msg.from, msg.to]);
        match call::lookup_id(&self.state, &*self.store, &msg.to) {
            Ok(Some(to)) => {
                access.entry(to).or_insert(false);
            }
            _ => {
                resolved.remove(&msg.to);
            }
        }
        self.msg = MessageCtx {
            store: MeteredStore::new(self.store.clone(), meter.clone()),
            meter,
            origin: msg.from,
            nonce: msg.sequence,
            actors_created: 0,
            depth: 0,
            access: RefCell::new(access),
            resolved: RefCell::new(resolved),
            events: Vec::new(),
        };
    }
}
