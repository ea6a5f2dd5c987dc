//! Actors in Lotus's JSON: `StateReadState` (an actor's balance, code and decoded
//! state), `StateDecodeParams` and `StateEncodeParams` (a method's parameters both
//! ways), `StateActorCodeCIDs` and `StateActorManifestCID` (the bundle behind the
//! state) — every builtin actor of the v18 bundle, through [`super::actor_json`].

use super::actor_json::{self, params, states, F};
use super::state::{ah, err, View};
use super::NodeState;
use anyhow::{anyhow, Result};
use padma_api::state::{
    ActorStateJson, StateActorCodeCIDs, StateActorManifestCID, StateDecodeParams,
    StateEncodeParams, StateReadState,
};
use padma_rpc::{CallCtx, MethodTable, RpcError};
use padma_state::actors::ids;
use padma_state::code::CodeSet;
use padma_state::tree::ActorState;
use padma_state::ActorKind;
use padma_store::Store;
use padma_types::json::block::TipSetKeyJson;
use padma_types::json::{AddressJson, BytesJson, CidJson, TokenAmountJson};
use serde_json::{json, Value};
use std::collections::BTreeMap;
use std::sync::Arc;

/// Registers the actor JSON methods.
pub(super) fn register(t: &mut MethodTable<NodeState>) {
    t.add_offloaded(StateReadState, state_read_state);
    t.add_offloaded(StateDecodeParams, state_decode_params);
    t.add_offloaded(StateEncodeParams, state_encode_params);
    t.add_offloaded(StateActorCodeCIDs, state_actor_code_cids);
    t.add_offloaded(StateActorManifestCID, state_actor_manifest_cid);
}

/// `StateReadState`: `{"Balance", "Code", "State"}` with the state in Lotus's JSON.
async fn state_read_state(
    s: Arc<NodeState>,
    _c: CallCtx,
    (a, tsk): (AddressJson, TipSetKeyJson),
) -> Result<ActorStateJson, RpcError> {
    let v = View::at_key(&s, &tsk)?;
    let (_, act) = v
        .must_actor(&a.0)
        .map_err(|e| err(format!("getting actor: {}", e.message)))?;
    let state =
        state_json(v.store, &act).map_err(|e| err(format!("dumping actor state: {e:#}")))?;
    Ok(ActorStateJson {
        balance: TokenAmountJson(act.balance),
        code: CidJson(act.code),
        state,
    })
}

/// The state of `act` in Lotus JSON.
fn state_json(store: &Store, act: &ActorState) -> Result<Value> {
    let kind = kind_of(&act.code)?;
    let fields = states::schema(kind);
    let bytes = fvm_ipld_blockstore::Blockstore::get(store, &act.state)?
        .ok_or_else(|| anyhow!("actor head {} not found", act.state))?;
    if fields.is_empty() {
        return Ok(json!({}));
    }
    actor_json::decode(&bytes, F::Struct(fields))
}

fn kind_of(code: &cid::Cid) -> Result<ActorKind> {
    ActorKind::from_code(code).ok_or_else(|| anyhow!("unknown actor code {code}"))
}

/// Method `num` of the actor with `code`, or Lotus's error.
fn method_of(code: &cid::Cid, num: u64) -> Result<(ActorKind, params::Method)> {
    let kind = kind_of(code)?;
    let m = params::method(kind, num)
        .ok_or_else(|| anyhow!("unknown method {num} for actor {}", kind.name()))?;
    Ok((kind, m))
}

/// `StateDecodeParams`: the parameters of method `method` of the actor at `to`, decoded
/// from CBOR into Lotus's JSON (`{}` for a method without parameters).
async fn state_decode_params(
    s: Arc<NodeState>,
    _c: CallCtx,
    (to, method, p, tsk): (AddressJson, u64, BytesJson, TipSetKeyJson),
) -> Result<Value, RpcError> {
    let v = View::at_key(&s, &tsk)?;
    let (_, act) = v
        .must_actor(&to.0)
        .map_err(|e| err(format!("getting actor: {}", e.message)))?;
    let (_, m) = method_of(&act.code, method).map_err(ah)?;
    match m.params {
        None if p.0.is_empty() => Ok(json!({})),
        None => Err(err(format!(
            "method {} takes no parameters, got {} bytes",
            m.name,
            p.0.len()
        ))),
        Some(f) => actor_json::decode(&p.0, f)
            .map_err(|e| err(format!("decoding params of {}: {e:#}", m.name))),
    }
}

/// `StateEncodeParams`: Lotus JSON parameters of method `method` of actor code `code`
/// encoded as CBOR.
async fn state_encode_params(
    _s: Arc<NodeState>,
    _c: CallCtx,
    (code, method, p): (CidJson, u64, Value),
) -> Result<BytesJson, RpcError> {
    let (_, m) = method_of(&code.0, method).map_err(ah)?;
    match m.params {
        None => match p {
            Value::Null => Ok(BytesJson::default()),
            Value::Object(o) if o.is_empty() => Ok(BytesJson::default()),
            _ => Err(err(format!("method {} takes no parameters", m.name))),
        },
        Some(f) => actor_json::encode(&p, f)
            .map(BytesJson)
            .map_err(|e| err(format!("encoding params of {}: {e:#}", m.name))),
    }
}

/// The bundle behind the head state: its manifest entries (name → code).
fn head_manifest(s: &NodeState) -> Result<Vec<(String, cid::Cid)>, RpcError> {
    View::at_key(s, &TipSetKeyJson::default())?.manifest()
}

fn check_version(version: u32) -> Result<(), RpcError> {
    let runs = u32::from(padma_state::policy::NETWORK_VERSION);
    if version != runs {
        return Err(err(format!(
            "padma runs network version {runs} (actors v18) only, not {version}"
        )));
    }
    Ok(())
}

/// `StateActorCodeCIDs`: the actors' code CIDs by name, from the manifest the state
/// names.
async fn state_actor_code_cids(
    s: Arc<NodeState>,
    _c: CallCtx,
    (version,): (u32,),
) -> Result<BTreeMap<String, CidJson>, RpcError> {
    check_version(version)?;
    Ok(head_manifest(&s)?
        .into_iter()
        .map(|(name, code)| (name, CidJson(code)))
        .collect())
}

/// `StateActorManifestCID`: the manifest CID of the bundle the state's actors come
/// from.
async fn state_actor_manifest_cid(
    s: Arc<NodeState>,
    _c: CallCtx,
    (version,): (u32,),
) -> Result<CidJson, RpcError> {
    check_version(version)?;
    let v = View::at_key(&s, &TipSetKeyJson::default())?;
    let (_, system) = v.must_actor(&fvm_shared::address::Address::new_id(ids::SYSTEM))?;
    CodeSet::of_code(&system.code)
        .map(|set| CidJson(set.manifest_cid()))
        .ok_or_else(|| err(format!("no known actors bundle has code {}", system.code)))
}
