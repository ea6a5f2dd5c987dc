//! The init actor (f01): the address → ID map and `Exec` (creating actors with a
//! robust f2 address). Anyone may create multisigs and payment channels; only the
//! power actor may create miners.

use super::{ids, method, params, send_result, unhandled, MethodResult};
use crate::code::ActorKind;
use crate::runtime::Runtime;
use fil_actor_init_state::v18::{ConstructorParams, Exec4Params, ExecParams, ExecReturn, State};
use fil_actors_shared::v18::ActorError;
use fvm_ipld_blockstore::Blockstore;
use fvm_ipld_encoding::ipld_block::IpldBlock;
use fvm_shared::address::Address;
use fvm_shared::MethodNum;

/// Dispatches a call to the init actor.
pub fn invoke<BS: Blockstore>(
    rt: &mut Runtime<'_, '_, BS>,
    m: MethodNum,
    p: Option<IpldBlock>,
) -> MethodResult {
    match m {
        method::CONSTRUCTOR => {
            let prm: ConstructorParams = super::constructor_params(rt, p)?;
            let st = State::new(rt.store(), prm.network_name)?;
            rt.create(&st)?;
            Ok(None)
        }
        method::init::EXEC => {
            let prm: ExecParams = params(p)?;
            exec(rt, prm.code_cid, prm.constructor_params.to_vec(), None)
        }
        method::init::EXEC4 => {
            let prm: Exec4Params = params(p)?;
            rt.validate_immediate_caller_is([&Address::new_id(ids::EAM)])?;
            let caller = rt.caller().id().unwrap_or_default();
            let f4 = Address::new_delegated(caller, &prm.subaddress).map_err(|e| {
                ActorError::illegal_argument(format!("invalid delegated address: {e}"))
            })?;
            exec(rt, prm.code_cid, prm.constructor_params.to_vec(), Some(f4))
        }
        m => Err(unhandled(m)),
    }
}

/// May an actor of `caller` kind create one of `exec` kind?
fn can_exec(caller: Option<ActorKind>, exec: Option<ActorKind>, caller_id: u64) -> bool {
    match exec {
        Some(ActorKind::Multisig | ActorKind::PaymentChannel) => true,
        Some(ActorKind::StorageMiner) => {
            caller == Some(ActorKind::StoragePower) && caller_id == ids::POWER
        }
        _ => false,
    }
}

fn exec<BS: Blockstore>(
    rt: &mut Runtime<'_, '_, BS>,
    code: cid::Cid,
    ctor_params: Vec<u8>,
    delegated: Option<Address>,
) -> MethodResult {
    let caller_id = rt.caller().id().unwrap_or_default();
    let caller_kind = rt.actor_kind(caller_id);
    if delegated.is_none() && !can_exec(caller_kind, ActorKind::from_code(&code), caller_id) {
        return Err(ActorError::forbidden(format!(
            "caller {} cannot exec actor type {code}",
            rt.caller()
        )));
    }
    let robust = rt.new_actor_address();
    let (id, existing) = rt.transaction(|st: &mut State, rt| {
        st.map_addresses_to_id(rt.store(), &robust, delegated.as_ref())
    })?;
    if existing {
        if delegated.is_none() {
            return Err(ActorError::forbidden(format!(
                "cannot exec over an existing actor {id}"
            )));
        }
        if rt.actor_kind(id) != Some(ActorKind::Placeholder) {
            return Err(ActorError::forbidden(
                "cannot replace an existing non-placeholder actor".into(),
            ));
        }
    }
    rt.create_actor(code, id, delegated)?;
    let params = if ctor_params.is_empty() {
        None
    } else {
        Some(IpldBlock {
            codec: fvm_ipld_encoding::CBOR,
            data: ctor_params,
        })
    };
    let value = rt.value_received();
    send_result(rt.send(&Address::new_id(id), method::CONSTRUCTOR, params, value))
        .map_err(|e| e.wrap("constructor failed"))?;
    super::ret(&ExecReturn {
        id_address: Address::new_id(id),
        robust_address: robust,
    })
}
