//! The cron actor (f03): `EpochTick` calls every registered entry (the power
//! actor's `OnEpochTickEnd` and the market's `CronTick` at genesis), ignoring their
//! failures.

use super::{ids, method, no_params, params, send_result, unhandled, MethodResult};
use crate::runtime::Runtime;
pub use fil_actor_cron_state::v18::ConstructorParams;
use fil_actor_cron_state::v18::State;
use fvm_ipld_blockstore::Blockstore;
use fvm_ipld_encoding::ipld_block::IpldBlock;
use fvm_shared::address::Address;
use fvm_shared::econ::TokenAmount;
use fvm_shared::MethodNum;

/// Dispatches a call to the cron actor.
pub fn invoke<BS: Blockstore>(
    rt: &mut Runtime<'_, '_, BS>,
    m: MethodNum,
    p: Option<IpldBlock>,
) -> MethodResult {
    let system = Address::new_id(ids::SYSTEM);
    match m {
        method::CONSTRUCTOR => {
            let prm: ConstructorParams = params(p)?;
            rt.validate_immediate_caller_is([&system])?;
            rt.create(&State {
                entries: prm.entries,
            })?;
            Ok(None)
        }
        method::cron::EPOCH_TICK => {
            no_params(p)?;
            rt.validate_immediate_caller_is([&system])?;
            let st: State = rt.state()?;
            for e in st.entries {
                // Failures of cron entries are deliberately ignored.
                let _ =
                    send_result(rt.send(&e.receiver, e.method_num, None, TokenAmount::default()));
            }
            Ok(None)
        }
        m => Err(unhandled(m)),
    }
}
