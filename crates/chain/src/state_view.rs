//! Reading a state tree the way consensus and the message pool need it: actors by
//! any address, their decoded states, and the key address behind an account.

use anyhow::{anyhow, bail, Context, Result};
use cid::Cid;
use fil_actor_init_state::v18::{AddressMap, State as InitState};
use fil_actors_shared::v18::DEFAULT_HAMT_CONFIG;
use fvm_ipld_blockstore::Blockstore;
use fvm_shared::address::{Address, Payload};
use padma_state::actors::ids;
use padma_state::tree::ActorState;
use padma_state::StateTree;
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

    /// Decodes an object of the store.
    pub fn load<T: DeserializeOwned>(&self, c: &Cid) -> Result<T> {
        padma_state::ipld::get_cbor(&self.store, c)
    }

    /// The ID that `addr` resolves to, if any.
    pub fn resolve(&self, addr: &Address) -> Result<Option<u64>> {
        if let Payload::ID(id) = addr.payload() {
            return Ok(Some(*id));
        }
        let init: InitState = self.actor_state(ids::INIT)?;
        let map = AddressMap::load(&self.store, &init.address_map, DEFAULT_HAMT_CONFIG, "addrs")
            .map_err(|e| anyhow!("loading the address map: {e}"))?;
        Ok(map
            .get(addr)
            .map_err(|e| anyhow!("reading the address map: {e}"))?
            .copied())
    }

    /// The actor at `addr`, if it exists.
    pub fn actor(&self, addr: &Address) -> Result<Option<(u64, ActorState)>> {
        let Some(id) = self.resolve(addr)? else {
            return Ok(None);
        };
        Ok(self.tree.get_actor(id)?.map(|a| (id, a)))
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
        match padma_state::ActorKind::from_code(&act.code) {
            Some(padma_state::ActorKind::Account) => {
                let st: fil_actor_account_state::v18::State = self.load(&act.state)?;
                Ok(st.address)
            }
            _ => bail!("actor f0{id} is not an account actor: it has no key address"),
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
