//! Read-only `State*` methods on actors and addresses, and the state view they share:
//! padma-chain's view of the state under a tipset's parent state root (an empty key
//! means the head).

use super::chainstore::Chain;
use super::NodeState;
use fvm_shared::address::{Address, Payload};
use fvm_shared::econ::TokenAmount;
use padma_api::state::*;
use padma_chain::state_view::StateView;
use padma_chain::supply::circulating;
use padma_rpc::{CallCtx, MethodTable, RpcError};
use padma_state::actors::ids;
use padma_state::tree::ActorState;
use padma_store::Store;
use padma_types::block::TipSet;
use padma_types::json::block::TipSetKeyJson;
use padma_types::json::{AddressJson, CidJson, TokenAmountJson};
use serde::de::DeserializeOwned;
use std::sync::Arc;

type S = Arc<NodeState>;

/// Turns any error into a handler error (code 1).
pub(crate) fn err(e: impl std::fmt::Display) -> RpcError {
    RpcError::handler(e.to_string())
}

/// The node's chain, or an error when it has none.
pub(crate) fn chain(s: &NodeState) -> Result<&Chain, RpcError> {
    s.chain
        .as_ref()
        .ok_or_else(|| RpcError::handler("the node has no chain: start the daemon with --genesis"))
}

/// The tipset of `key` (the empty key: the head).
pub(crate) fn tipset_of(s: &NodeState, key: &TipSetKeyJson) -> Result<TipSet, RpcError> {
    chain(s)?
        .tipset(&key.0)
        .map_err(|e| err(format!("loading tipset {:?}: {e:#}", key.0.cids())))
}

/// The state at a tipset, for handlers: padma-chain's [`StateView`] of the tipset's
/// parent state, with errors as handler errors.
pub(crate) struct View<'a> {
    /// The datastore.
    pub store: &'a Store,
    /// The state view.
    pub state: StateView<&'a Store>,
    /// The tipset.
    pub ts: TipSet,
}

impl<'a> View<'a> {
    /// The state under `ts`'s parent state.
    pub fn new(store: &'a Store, ts: TipSet) -> Result<Self, RpcError> {
        let state = StateView::at_tipset(store, &ts).map_err(ah)?;
        Ok(View { store, state, ts })
    }

    /// The state at the tipset of `key` (the empty key: the head).
    pub fn at_key(s: &'a NodeState, key: &TipSetKeyJson) -> Result<Self, RpcError> {
        Self::new(&s.store, tipset_of(s, key)?)
    }

    /// Decodes the state object `head`.
    pub fn load<T: DeserializeOwned>(&self, head: &cid::Cid) -> Result<T, RpcError> {
        self.state.load(head).map_err(ah)
    }

    /// The ID `addr` resolves to, if any.
    pub fn resolve(&self, addr: &Address) -> Result<Option<u64>, RpcError> {
        self.state.resolve(addr).map_err(ah)
    }

    /// The actor at `addr`, if it exists.
    pub fn actor(&self, addr: &Address) -> Result<Option<(u64, ActorState)>, RpcError> {
        self.state.actor(addr).map_err(ah)
    }

    /// The actor at `addr`, or Lotus's error for a missing one.
    pub fn must_actor(&self, addr: &Address) -> Result<(u64, ActorState), RpcError> {
        self.state.must_actor(addr).map_err(ah)
    }

    /// The builtin actors' manifest (name, code) this state names.
    pub fn manifest(&self) -> Result<Vec<(String, cid::Cid)>, RpcError> {
        padma_state::genesis::manifest_codes(self.store, &self.ts.parent_state()).map_err(ah)
    }

    /// The decoded state of the singleton or actor `id`.
    pub fn actor_state<T: DeserializeOwned>(&self, id: u64) -> Result<T, RpcError> {
        self.state.actor_state(id).map_err(ah)
    }
}

/// Registers the actor, address and network `State*` methods (`StateReadState` is
/// registered with the state decoding, in `readstate`).
pub(super) fn register(t: &mut MethodTable<NodeState>) {
    t.add_offloaded(StateGetActor, state_get_actor);
    t.add_offloaded(StateLookupID, state_lookup_id);
    t.add_offloaded(StateLookupRobustAddress, state_lookup_robust_address);
    t.add_offloaded(StateAccountKey, state_account_key);
    t.add_offloaded(StateListActors, state_list_actors);
    t.add_offloaded(StateNetworkName, state_network_name);
    t.add_offloaded(StateNetworkVersion, state_network_version);
    t.add_offloaded(StateCirculatingSupply, state_circulating_supply);
    t.add_offloaded(StateMarketBalance, state_market_balance);
}

/// An actor in Lotus JSON.
fn actor_json(a: &ActorState) -> ActorJson {
    ActorJson {
        code: CidJson(a.code),
        head: CidJson(a.state),
        nonce: a.sequence,
        balance: TokenAmountJson(a.balance.clone()),
        delegated_address: a.delegated_address.map(AddressJson),
    }
}

/// `StateGetActor`.
async fn state_get_actor(
    s: S,
    _c: CallCtx,
    (a, tsk): (AddressJson, TipSetKeyJson),
) -> Result<ActorJson, RpcError> {
    let v = View::at_key(&s, &tsk)?;
    let (_, act) = v.must_actor(&a.0)?;
    Ok(actor_json(&act))
}

/// `StateLookupID`: the ID address, or Lotus's code 11 "actor not found".
async fn state_lookup_id(
    s: S,
    _c: CallCtx,
    (a, tsk): (AddressJson, TipSetKeyJson),
) -> Result<AddressJson, RpcError> {
    let v = View::at_key(&s, &tsk)?;
    match v.resolve(&a.0)? {
        Some(id) => Ok(AddressJson(Address::new_id(id))),
        None => Err(RpcError::actor_not_found()),
    }
}

/// `StateLookupRobustAddress`: the robust address the init actor maps to an ID.
async fn state_lookup_robust_address(
    s: S,
    _c: CallCtx,
    (a, tsk): (AddressJson, TipSetKeyJson),
) -> Result<AddressJson, RpcError> {
    let v = View::at_key(&s, &tsk)?;
    let a = a.0;
    let Payload::ID(want) = *a.payload() else {
        return Ok(AddressJson(a));
    };
    match v.state.robust_address(want).map_err(ah)? {
        Some(r) => Ok(AddressJson(r)),
        None => Err(err(format!("address {a} not found"))),
    }
}

/// `StateAccountKey`: the key address of an account (f1/f3/f4 addresses as they are).
async fn state_account_key(
    s: S,
    _c: CallCtx,
    (a, tsk): (AddressJson, TipSetKeyJson),
) -> Result<AddressJson, RpcError> {
    let v = View::at_key(&s, &tsk)?;
    Ok(AddressJson(v.state.account_key(&a.0).map_err(ah)?))
}

/// `StateListActors`: every actor's ID address.
async fn state_list_actors(
    s: S,
    _c: CallCtx,
    (tsk,): (TipSetKeyJson,),
) -> Result<Vec<AddressJson>, RpcError> {
    let v = View::at_key(&s, &tsk)?;
    let mut out = Vec::new();
    v.state
        .tree()
        .for_each(|id, _| {
            out.push(AddressJson(Address::new_id(id)));
            Ok(())
        })
        .map_err(err)?;
    Ok(out)
}

/// `StateNetworkName` (at the head).
async fn state_network_name(s: S, _c: CallCtx, (): ()) -> Result<String, RpcError> {
    let v = View::new(&s.store, chain(&s)?.head())?;
    v.state.network_name().map_err(ah)
}

/// `StateNetworkVersion`: padma runs network version 28 from genesis.
async fn state_network_version(
    s: S,
    _c: CallCtx,
    (tsk,): (TipSetKeyJson,),
) -> Result<u32, RpcError> {
    tipset_of(&s, &tsk)?;
    Ok(u32::from(padma_state::policy::NETWORK_VERSION))
}

/// The balance of `a` at the head, zero for a missing actor or chain.
pub(crate) fn head_balance(s: &NodeState, a: &Address) -> Result<TokenAmount, RpcError> {
    let Some(c) = s.chain.as_ref() else {
        return Ok(TokenAmount::default());
    };
    let v = View::new(&s.store, c.head())?;
    Ok(v.actor(a)?.map(|(_, act)| act.balance).unwrap_or_default())
}

/// `StateMarketBalance`: the escrow and locked funds of an address in the market.
async fn state_market_balance(
    s: S,
    _c: CallCtx,
    (a, tsk): (AddressJson, TipSetKeyJson),
) -> Result<MarketBalanceJson, RpcError> {
    let v = View::at_key(&s, &tsk)?;
    let st: fil_actor_market_state::v18::State = v.actor_state(ids::MARKET)?;
    let Some(id) = v.resolve(&a.0)? else {
        return Ok(MarketBalanceJson::default());
    };
    let key = Address::new_id(id);
    let get = |root: &cid::Cid| -> Result<TokenAmountJson, RpcError> {
        let t = fil_actor_market_state::v18::balance_table::BalanceTable::from_root(
            v.store, root, "balances",
        )
        .map_err(err)?;
        Ok(TokenAmountJson(t.get(&key).map_err(err)?))
    };
    Ok(MarketBalanceJson {
        escrow: get(&st.escrow_table)?,
        locked: get(&st.locked_table)?,
    })
}

/// `StateCirculatingSupply`: Lotus's sum of circulating balances at the tipset's parent state.
async fn state_circulating_supply(
    s: S,
    _c: CallCtx,
    (tsk,): (TipSetKeyJson,),
) -> Result<TokenAmountJson, RpcError> {
    let v = View::at_key(&s, &tsk)?;
    let circ = circulating(&v.state, v.ts.height() - 1).map_err(ah)?;
    Ok(TokenAmountJson(circ))
}

/// Wraps anyhow errors as handler errors.
pub(crate) fn ah(e: anyhow::Error) -> RpcError {
    err(format!("{e:#}"))
}
