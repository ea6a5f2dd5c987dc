//! The datacap token actor (f07): constructed with its governor (the verified
//! registry); token methods arrive with verified deals.

use super::{method, unhandled, MethodResult};
use crate::runtime::Runtime;
use fil_actor_datacap_state::v18::State;
use fil_actors_shared::v18::ActorError;
use fvm_ipld_blockstore::Blockstore;
use fvm_ipld_encoding::ipld_block::IpldBlock;
use fvm_shared::address::Address;
use fvm_shared::MethodNum;

/// Dispatches a call to the datacap actor.
pub fn invoke<BS: Blockstore>(
    rt: &mut Runtime<'_, '_, BS>,
    m: MethodNum,
    p: Option<IpldBlock>,
) -> MethodResult {
    match m {
        method::CONSTRUCTOR => {
            // Transparent: the governor address.
            let governor: Address = super::constructor_params(rt, p)?;
            rt.resolve_address(&governor).ok_or_else(|| {
                ActorError::illegal_argument(format!("failed to resolve governor {governor}"))
            })?;
            let st = State::new(rt.store(), governor)?;
            rt.create(&st)?;
            Ok(None)
        }
        m => Err(unhandled(m)),
    }
}
