//! The system actor (f00): a constructor that writes an empty builtin-actor registry.

use super::{method, unhandled, MethodResult};
use crate::runtime::Runtime;
use fil_actor_system_state::v18::State;
use fil_actors_shared::v18::ActorError;
use fvm_ipld_blockstore::Blockstore;
use fvm_ipld_encoding::ipld_block::IpldBlock;
use fvm_shared::MethodNum;

/// Dispatches a call to the system actor.
pub fn invoke<BS: Blockstore>(
    rt: &mut Runtime<'_, '_, BS>,
    method: MethodNum,
    p: Option<IpldBlock>,
) -> MethodResult {
    match method {
        method::CONSTRUCTOR => {
            super::constructor_no_params(rt, p)?;
            let st = State::new(rt.store()).map_err(|e| {
                ActorError::illegal_state(format!("failed to construct state: {e}"))
            })?;
            rt.create(&st)?;
            Ok(None)
        }
        _ => Err(unhandled(method)),
    }
}
