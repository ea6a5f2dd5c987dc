//! Reading a state tree: the state a tipset was built on or the state after the head,
//! actors by any address, their decoded states, and the addresses behind an actor (its
//! key address, its account key, the robust address the init actor maps to it).

use anyhow::{anyhow, bail, Context, Result};
use cid::Cid;
use fil_actor_init_state::v18::{AddressMap, State as InitState};
use fil_actors_shared::v18::DEFAULT_HAMT_CONFIG;
use fvm_ipld_blockstore::Blockstore;
use fvm_shared::address::{Address, Payload, Protocol};
use padma_state::actors::ids;
use padma_state::tree::ActorState;
use padma_state::{ActorKind, StateTree};
use padma_types::block::TipSet;
use serde::de::DeserializeOwned;

/// A state tree opened for reading.
pub struct StateView<BS: Blockstore> {
    store: BS,
    tree: StateTree<BS>,
}

impl<BS: Blockstore + Clone> StateView<BS> {
    /// Opens the state `root`.
    pub fn new(store: BS, root: &Cid) -> Result<Self> {
        let tree = StateTree::load(store.clone(), root)
            .with_context(|| format!("loading state {root}"))?;
        Ok(StateView { store, tree })
    }

    /// The state `ts`'s blocks were built on (its parent state).
    pub fn at_tipset(store: BS, ts: &TipSet) -> Result<Self> {
        Self::new(store, &ts.parent_state())
    }

    /// The state tree.
    pub fn tree(&self) -> &StateTree<BS> {
        &self.tree
    }

    /// Decodes an object of the store.
    pub fn load<T: DeserializeOwned>(&self, c: &Cid) -> Result<T> {
        padma_state::ipld::get_cbor(&self.store, c)
    }

    fn address_map(&self) -> Result<AddressMap<&BS>> {
        let init: InitState = self.actor_state(ids::INIT)?;
        AddressMap::load(&self.store, &init.address_map, DEFAULT_HAMT_CONFIG, "addrs")
            .map_err(|e| anyhow!("loading the address map: {e}"))
    }

    /// The ID that `addr` resolves to, if any.
    pub fn resolve(&self, addr: &Address) -> Result<Option<u64>> {
        if let Payload::ID(id) = addr.payload() {
            return Ok(Some(*id));
        }
        Ok(self
            .address_map()?
            .get(addr)
            .map_err(|e| anyhow!("reading the address map: {e}"))?
            .copied())
    }

    /// The robust address the init actor maps to ID `id`, if any.
    pub fn robust_address(&self, id: u64) -> Result<Option<Address>> {
        let mut found = None;
        self.address_map()?
            .for_each(|robust, mapped| {
                if *mapped == id && found.is_none() {
                    found = Some(robust);
                }
                Ok(())
            })
            .map_err(|e| anyhow!("reading the address map: {e}"))?;
        Ok(found)
    }

    /// The actor at `addr`, if it exists.
    pub fn actor(&self, addr: &Address) -> Result<Option<(u64, ActorState)>> {
        let Some(id) = self.resolve(addr)? else {
            return Ok(None);
        };
        Ok(self.tree.get_actor(id)?.map(|a| (id, a)))
    }

    /// The actor at `addr`, or Lotus's error for a missing one.
    pub fn must_actor(&self, addr: &Address) -> Result<(u64, ActorState)> {
        self.actor(addr)?.ok_or_else(|| {
            anyhow!("load actor: resolution lookup failed ({addr}): actor not found")
        })
    }

    /// The decoded state of actor `id`.
    pub fn actor_state<T: DeserializeOwned>(&self, id: u64) -> Result<T> {
        let a = self
            .tree
            .get_actor(id)?
            .ok_or_else(|| anyhow!("actor f0{id} not found"))?;
        self.load(&a.state)
    }

    /// The key (f1/f3/f4) address behind `addr`: itself for key addresses, the account
    /// actor's address for an ID.
    pub fn key_address(&self, addr: &Address) -> Result<Address> {
        match addr.payload() {
            Payload::Secp256k1(_) | Payload::BLS(_) | Payload::Delegated(_) => return Ok(*addr),
            _ => {}
        }
        let (id, act) = self
            .actor(addr)?
            .ok_or_else(|| anyhow!("actor {addr} not found"))?;
        match ActorKind::from_code(&act.code) {
            Some(ActorKind::Account) => {
                let st: fil_actor_account_state::v18::State = self.load(&act.state)?;
                Ok(st.address)
            }
            _ => bail!("actor f0{id} is not an account actor: it has no key address"),
        }
    }

    /// The account key of `addr` (Lotus's `StateAccountKey`): key addresses as they are,
    /// an account's key address, the delegated address of an Ethereum-style actor.
    pub fn account_key(&self, addr: &Address) -> Result<Address> {
        if matches!(
            addr.protocol(),
            Protocol::Secp256k1 | Protocol::BLS | Protocol::Delegated
        ) {
            return Ok(*addr);
        }
        let (_, act) = self.must_actor(addr)?;
        match ActorKind::from_code(&act.code) {
            Some(ActorKind::Account) => {
                let st: fil_actor_account_state::v18::State = self.load(&act.state)?;
                Ok(st.address)
            }
            Some(ActorKind::EthAccount | ActorKind::Placeholder | ActorKind::Evm) => act
                .delegated_address
                .ok_or_else(|| anyhow!("actor {addr} has no delegated address")),
            _ => bail!("address {addr} was not for an account actor"),
        }
    }

    /// The network name (the init actor's).
    pub fn network_name(&self) -> Result<String> {
        let init: InitState = self.actor_state(ids::INIT)?;
        Ok(init.network_name)
    }

    /// The underlying store.
    pub fn store(&self) -> &BS {
        &self.store
    }
}
