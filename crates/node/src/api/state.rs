//! Read-only `State*` methods on actors and addresses, and the state view they share:
//! padma-chain's view of the state under a tipset's parent state root (an empty key
//! means the head).

use super::chainstore::Chain;
use super::NodeState;
use fvm_shared::address::{Address, Payload};
use fvm_shared::econ::TokenAmount;
use padma_chain::state_view::StateView;
use padma_chain::supply::circulating;
use padma_rpc::method::{to_value, CallResult};
use padma_rpc::{CallCtx, Params, RpcError};
use padma_state::actors::ids;
use padma_state::tree::ActorState;
use padma_store::Store;
use padma_types::block::TipSet;
use padma_types::block_json::TipSetKeyJson;
use padma_types::json::{AddressJson, CidJson};
use serde::de::DeserializeOwned;
use serde_json::{json, Value};
use std::sync::Arc;

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

/// The tipset named by parameter `i` (`null`/`[]`: the head).
pub(crate) fn tipset_param(s: &NodeState, p: &Params, i: usize) -> Result<TipSet, RpcError> {
    let key: TipSetKeyJson = p.get(i)?;
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

    /// The state at the tipset of parameter `i`.
    pub fn at(s: &'a NodeState, p: &Params, i: usize) -> Result<Self, RpcError> {
        Self::new(&s.store, tipset_param(s, p, i)?)
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

    /// The decoded state of the singleton or actor `id`.
    pub fn actor_state<T: DeserializeOwned>(&self, id: u64) -> Result<T, RpcError> {
        self.state.actor_state(id).map_err(ah)
    }
}

/// An actor in Lotus JSON.
pub(crate) fn actor_json(a: &ActorState) -> Value {
    json!({
        "Code": CidJson(a.code),
        "Head": CidJson(a.state),
        "Nonce": a.sequence,
        "Balance": a.balance.atto().to_string(),
        "DelegatedAddress": a.delegated_address.map(AddressJson),
    })
}

fn addr(p: &Params, i: usize) -> Result<Address, RpcError> {
    Ok(p.get::<AddressJson>(i)?.0)
}

/// `StateGetActor`.
pub async fn state_get_actor(s: Arc<NodeState>, _c: CallCtx, p: Params) -> CallResult {
    let v = View::at(&s, &p, 1)?;
    let (_, a) = v.must_actor(&addr(&p, 0)?)?;
    Ok(actor_json(&a))
}

/// `StateLookupID`: the ID address, or Lotus's code 11 "actor not found".
pub async fn state_lookup_id(s: Arc<NodeState>, _c: CallCtx, p: Params) -> CallResult {
    let v = View::at(&s, &p, 1)?;
    match v.resolve(&addr(&p, 0)?)? {
        Some(id) => to_value(AddressJson(Address::new_id(id))),
        None => Err(RpcError::actor_not_found()),
    }
}

/// `StateLookupRobustAddress`: the robust address the init actor maps to an ID.
pub async fn state_lookup_robust_address(s: Arc<NodeState>, _c: CallCtx, p: Params) -> CallResult {
    let v = View::at(&s, &p, 1)?;
    let a = addr(&p, 0)?;
    let Payload::ID(want) = *a.payload() else {
        return to_value(AddressJson(a));
    };
    match v.state.robust_address(want).map_err(ah)? {
        Some(r) => to_value(AddressJson(r)),
        None => Err(err(format!("address {a} not found"))),
    }
}

/// `StateAccountKey`: the key address of an account (f1/f3/f4 addresses as they are).
pub async fn state_account_key(s: Arc<NodeState>, _c: CallCtx, p: Params) -> CallResult {
    let v = View::at(&s, &p, 1)?;
    to_value(AddressJson(v.state.account_key(&addr(&p, 0)?).map_err(ah)?))
}

/// `StateListActors`: every actor's ID address.
pub async fn state_list_actors(s: Arc<NodeState>, _c: CallCtx, p: Params) -> CallResult {
    let v = View::at(&s, &p, 0)?;
    let mut out = Vec::new();
    v.state
        .tree()
        .for_each(|id, _| {
            out.push(AddressJson(Address::new_id(id)));
            Ok(())
        })
        .map_err(err)?;
    to_value(out)
}

/// `StateNetworkName` (at the head).
pub async fn state_network_name(s: Arc<NodeState>, _c: CallCtx, _p: Params) -> CallResult {
    let v = View::new(&s.store, chain(&s)?.head())?;
    to_value(v.state.network_name().map_err(ah)?)
}

/// `StateNetworkVersion`: padma runs network version 28 from genesis.
pub async fn state_network_version(s: Arc<NodeState>, _c: CallCtx, p: Params) -> CallResult {
    tipset_param(&s, &p, 0)?;
    to_value(u32::from(padma_state::policy::NETWORK_VERSION))
}

/// The balance of `a` at the head, zero for a missing actor or chain.
pub(crate) fn head_balance(s: &NodeState, a: &Address) -> Result<TokenAmount, RpcError> {
    let Some(c) = s.chain.as_ref() else {
        return Ok(TokenAmount::default());
    };
    let v = View::new(&s.store, c.head())?;
    Ok(v.actor(a)?.map(|(_, act)| act.balance).unwrap_or_default())
}

/// `StateMarketBalance`: `{"Escrow", "Locked"}` of an address in the market.
pub async fn state_market_balance(s: Arc<NodeState>, _c: CallCtx, p: Params) -> CallResult {
    let v = View::at(&s, &p, 1)?;
    let a = addr(&p, 0)?;
    let st: fil_actor_market_state::v18::State = v.actor_state(ids::MARKET)?;
    let (mut escrow, mut locked) = (TokenAmount::default(), TokenAmount::default());
    if let Some(id) = v.resolve(&a)? {
        let key = Address::new_id(id);
        let get = |root: &cid::Cid| -> Result<TokenAmount, RpcError> {
            let t = fil_actor_market_state::v18::balance_table::BalanceTable::from_root(
                v.store, root, "balances",
            )
            .map_err(err)?;
            t.get(&key).map_err(err)
        };
        escrow = get(&st.escrow_table)?;
        locked = get(&st.locked_table)?;
    }
    Ok(json!({ "Escrow": escrow.atto().to_string(), "Locked": locked.atto().to_string() }))
}

/// `StateReadState`: `{"Balance", "Code", "State"}` with the state in Lotus's JSON.
pub async fn state_read_state(s: Arc<NodeState>, _c: CallCtx, p: Params) -> CallResult {
    let v = View::at(&s, &p, 1)?;
    let (_, act) = v
        .must_actor(&addr(&p, 0)?)
        .map_err(|e| err(format!("getting actor: {}", e.message)))?;
    let state = super::readstate::state_json(v.store, &act)
        .map_err(|e| err(format!("dumping actor state: {e:#}")))?;
    Ok(json!({
        "Balance": act.balance.atto().to_string(),
        "Code": CidJson(act.code),
        "State": state,
    }))
}

/// `StateCirculatingSupply`: Lotus's sum of circulating balances at the tipset's parent state.
pub async fn state_circulating_supply(s: Arc<NodeState>, _c: CallCtx, p: Params) -> CallResult {
    let v = View::at(&s, &p, 0)?;
    let circ = circulating(&v.state, v.ts.height() - 1).map_err(ah)?;
    to_value(circ.atto().to_string())
}

/// Wraps anyhow errors as handler errors.
pub(crate) fn ah(e: anyhow::Error) -> RpcError {
    err(format!("{e:#}"))
}
