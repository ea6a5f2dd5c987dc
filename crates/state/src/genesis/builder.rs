//! The state being built: the state tree plus helpers to read and write actor
//! states, move funds and resolve addresses through the init actor.

use crate::actors::ids;
use crate::code::{ActorKind, CodeSet};
use crate::ipld::{get_cbor, put_cbor};
use crate::policy::Policy;
use crate::tree::{ActorState, StateTree};
use anyhow::{anyhow, bail, Context, Result};
use fil_actor_init_state::v18::{AddressMap, State as InitState};
use fil_actors_shared::v18::DEFAULT_HAMT_CONFIG;
use fvm_ipld_blockstore::Blockstore;
use fvm_shared::address::{Address, Payload};
use fvm_shared::econ::TokenAmount;
use serde::de::DeserializeOwned;
use serde::Serialize;

/// A genesis state under construction.
pub struct Builder<'s, BS: Blockstore> {
    /// Where every block goes.
    pub store: &'s BS,
    /// The state tree.
    pub tree: StateTree<&'s BS>,
    /// The actors' policy.
    pub policy: Policy,
    /// The bundle whose code CIDs the actors get.
    pub codes: CodeSet,
}

impl<'s, BS: Blockstore> Builder<'s, BS> {
    /// An empty state over `store`.
    pub fn new(store: &'s BS, policy: Policy, codes: CodeSet) -> Self {
        Builder {
            store,
            tree: StateTree::new(store),
            policy,
            codes,
        }
    }

    /// The actor with ID `id`, which must exist.
    pub fn actor(&self, id: u64) -> Result<ActorState> {
        self.tree
            .get_actor(id)?
            .ok_or_else(|| anyhow!("genesis: actor f0{id} does not exist"))
    }

    /// Decodes the state of actor `id`.
    pub fn state<T: DeserializeOwned>(&self, id: u64) -> Result<T> {
        let head = self.actor(id)?.state;
        get_cbor(self.store, &head).with_context(|| format!("loading the state of f0{id}"))
    }

    /// Replaces the state of actor `id` (keeping code, nonce and balance).
    pub fn set_state<T: Serialize>(&mut self, id: u64, st: &T) -> Result<()> {
        let mut act = self.actor(id)?;
        act.state = put_cbor(self.store, st)?;
        self.tree.set_actor(id, act)
    }

    /// Creates (or replaces) actor `id` of `kind` with state `st`.
    pub fn create<T: Serialize>(
        &mut self,
        id: u64,
        kind: ActorKind,
        st: &T,
        balance: TokenAmount,
        delegated: Option<Address>,
    ) -> Result<()> {
        let head = put_cbor(self.store, st)?;
        self.tree.set_actor(
            id,
            ActorState::new(self.codes.code(kind), head, balance, 0, delegated),
        )
    }

    /// Moves `amount` from actor `from` to actor `to`.
    pub fn transfer(&mut self, from: u64, to: u64, amount: &TokenAmount) -> Result<()> {
        if amount.is_zero() || from == to {
            return Ok(());
        }
        let mut src = self.actor(from)?;
        if &src.balance < amount {
            bail!(
                "genesis: f0{from} cannot send {} attoFIL: its balance is {}",
                amount.atto(),
                src.balance.atto()
            );
        }
        src.balance -= amount;
        self.tree.set_actor(from, src)?;
        let mut dst = self.actor(to)?;
        dst.balance += amount;
        self.tree.set_actor(to, dst)
    }

    /// The ID an address resolves to through the init actor, if any.
    pub fn resolve(&self, addr: &Address) -> Result<Option<u64>> {
        if let Payload::ID(id) = addr.payload() {
            return Ok(Some(*id));
        }
        let init: InitState = self.state(ids::INIT)?;
        let map = AddressMap::load(
            self.store,
            &init.address_map,
            DEFAULT_HAMT_CONFIG,
            "addresses",
        )
        .map_err(|e| anyhow!("loading the init address map: {e}"))?;
        Ok(map
            .get(addr)
            .map_err(|e| anyhow!("reading the init address map: {e}"))?
            .copied())
    }

    /// Like [`Builder::resolve`], failing for unknown addresses.
    pub fn resolve_existing(&self, addr: &Address, what: &str) -> Result<u64> {
        let id = self
            .resolve(addr)?
            .ok_or_else(|| anyhow!("genesis: {what} {addr} is not a genesis account"))?;
        self.actor(id)
            .with_context(|| format!("genesis: {what} {addr}"))?;
        Ok(id)
    }

    /// Maps a new robust address to the next free ID (Init `Exec`), returning the ID.
    pub fn map_new_id(&mut self, robust: &Address) -> Result<u64> {
        let mut init: InitState = self.state(ids::INIT)?;
        let (id, _) = init
            .map_addresses_to_id(self.store, robust, None)
            .map_err(|e| anyhow!("genesis: mapping {robust} to a new ID: {e}"))?;
        self.set_state(ids::INIT, &init)?;
        Ok(id)
    }
}
