//! The verified registry actor (f06): constructed with its root key; the rest of
//! its methods arrive with verified deals.

use super::{method, unhandled, MethodResult};
use crate::runtime::Runtime;
use fil_actor_verifreg_state::v18::State;
use fil_actors_shared::v18::ActorError;
use fvm_ipld_blockstore::Blockstore;
use fvm_ipld_encoding::ipld_block::IpldBlock;
use fvm_shared::address::Address;
use fvm_shared::MethodNum;

/// Dispatches a call to the verified registry.
pub fn invoke<BS: Blockstore>(
    rt: &mut Runtime<'_, '_, BS>,
    m: MethodNum,
    p: Option<IpldBlock>,
) -> MethodResult {
    match m {
        method::CONSTRUCTOR => {
            // Transparent: the root key address.
            let root: Address = super::constructor_params(rt, p)?;
            let id = rt.resolve_address(&root).ok_or_else(|| {
                ActorError::illegal_argument(format!("root should be an ID address, was {root}"))
            })?;
            let st = State::new(rt.store(), Address::new_id(id))?;
            rt.create(&st)?;
            Ok(None)
        }
        m => Err(unhandled(m)),
    }
}
