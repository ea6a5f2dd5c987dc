//! padma's native builtin actors, with builtin-actors v18 semantics, method numbers,
//! parameter/return CBOR and state layouts (the state and parameter types are
//! ChainSafe's `fil_actor_*_state::v18` types).
//!
//! Each actor module has an `invoke` function; [`invoke`] dispatches on the actor's
//! kind. Methods below 2^24 may only be called by builtin actors (FRC-42).

pub mod account;
pub mod cron;
pub mod datacap;
pub mod ids;
pub mod init;
pub mod market;
pub mod method;
pub mod miner;
pub mod power;
pub mod reward;
pub mod reward_logic;
pub mod system;
pub mod verifreg;

use crate::code::ActorKind;
use crate::runtime::Runtime;
use fil_actors_shared::v18::ActorError;
use fvm_ipld_blockstore::Blockstore;
use fvm_ipld_encoding::ipld_block::IpldBlock;
use fvm_shared::MethodNum;
use serde::de::DeserializeOwned;
use serde::Serialize;

/// The lowest exported (FRC-42) method number.
pub const FIRST_EXPORTED_METHOD_NUMBER: MethodNum = 1 << 24;

/// The FRC-42 method number of `name`: the first 4-byte big-endian chunk of
/// `blake2b-512("1|" + name)` that is ≥ 2^24.
pub fn frc42_method_number(name: &str) -> Option<MethodNum> {
    let digest = blake2b_simd::Params::new()
        .hash_length(64)
        .hash(format!("1|{name}").as_bytes());
    digest
        .as_bytes()
        .chunks_exact(4)
        .filter_map(|c| <[u8; 4]>::try_from(c).ok())
        .map(|c| u64::from(u32::from_be_bytes(c)))
        .find(|n| *n >= FIRST_EXPORTED_METHOD_NUMBER)
}

/// The result of an actor method: its return block, if any.
pub type MethodResult = Result<Option<IpldBlock>, ActorError>;

/// Invokes `method` on an actor of `kind`.
pub fn invoke<BS: Blockstore>(
    kind: ActorKind,
    rt: &mut Runtime<'_, '_, BS>,
    method: MethodNum,
    params: Option<IpldBlock>,
) -> MethodResult {
    restrict_internal_api(rt, method)?;
    match kind {
        ActorKind::System => system::invoke(rt, method, params),
        ActorKind::Init => init::invoke(rt, method, params),
        ActorKind::Account => account::invoke(rt, method, params),
        ActorKind::Cron => cron::invoke(rt, method, params),
        ActorKind::Reward => reward::invoke(rt, method, params),
        ActorKind::StoragePower => power::invoke(rt, method, params),
        ActorKind::StorageMarket => market::invoke(rt, method, params),
        ActorKind::StorageMiner => miner::invoke(rt, method, params),
        ActorKind::VerifiedRegistry => verifreg::invoke(rt, method, params),
        ActorKind::Datacap => datacap::invoke(rt, method, params),
        #[cfg(test)]
        ActorKind::Evm => test_actor::invoke(rt, method, params),
        other => Err(ActorError::unhandled_message(format!(
            "the {} actor is not implemented by padma",
            other.name()
        ))),
    }
}

/// A stand-in actor for unit tests of the runtime (under the EVM code, which padma
/// does not implement): method 2 emits an event, method 3 emits one and fails.
#[cfg(test)]
pub(crate) mod test_actor {
    use super::*;
    use fil_actors_shared::v18::EventBuilder;

    pub fn invoke<BS: Blockstore>(
        rt: &mut Runtime<'_, '_, BS>,
        method: MethodNum,
        _params: Option<IpldBlock>,
    ) -> MethodResult {
        let e = EventBuilder::new()
            .typ("test")
            .field("n", &method)
            .build()?;
        rt.emit_event(&e)?;
        match method {
            2 => Ok(None),
            _ => Err(ActorError::illegal_argument(
                "failing after an event".into(),
            )),
        }
    }
}

/// Methods below 2^24 may only be called by builtin (non-EVM) actors.
fn restrict_internal_api<BS: Blockstore>(
    rt: &Runtime<'_, '_, BS>,
    method: MethodNum,
) -> Result<(), ActorError> {
    if method >= FIRST_EXPORTED_METHOD_NUMBER {
        return Ok(());
    }
    match rt.actor_kind(rt.caller().id().unwrap_or_default()) {
        None | Some(ActorKind::Evm) => Err(ActorError::forbidden(format!(
            "caller {} of method {method} must be built-in",
            rt.caller()
        ))),
        Some(_) => Ok(()),
    }
}

/// Decodes the parameters of a method that takes some (builtin-actors dispatch:
/// missing → IllegalArgument, undecodable → Serialization).
pub fn params<T: DeserializeOwned>(p: Option<IpldBlock>) -> Result<T, ActorError> {
    match p {
        None => Err(ActorError::illegal_argument(
            "method expects arguments".into(),
        )),
        Some(b) => b.deserialize().map_err(ActorError::from),
    }
}

/// Checks that a method that takes no parameters got none.
pub fn no_params(p: Option<IpldBlock>) -> Result<(), ActorError> {
    match p {
        None => Ok(()),
        Some(_) => Err(ActorError::illegal_argument(
            "method expects no arguments".into(),
        )),
    }
}

/// Reads a singleton actor's constructor parameters and checks that the system actor
/// called it (parameters first, as the builtin actors' dispatch reads them).
pub fn constructor_params<T: DeserializeOwned, BS: Blockstore>(
    rt: &Runtime<'_, '_, BS>,
    p: Option<IpldBlock>,
) -> Result<T, ActorError> {
    let prm = params(p)?;
    validate_caller_is_system(rt)?;
    Ok(prm)
}

/// Checks that a singleton actor's constructor without parameters got none and that the
/// system actor called it.
pub fn constructor_no_params<BS: Blockstore>(
    rt: &Runtime<'_, '_, BS>,
    p: Option<IpldBlock>,
) -> Result<(), ActorError> {
    no_params(p)?;
    validate_caller_is_system(rt)
}

fn validate_caller_is_system<BS: Blockstore>(rt: &Runtime<'_, '_, BS>) -> Result<(), ActorError> {
    rt.validate_immediate_caller_is([&fvm_shared::address::Address::new_id(ids::SYSTEM)])
}

/// Encodes a method's return value.
pub fn ret<T: Serialize>(v: &T) -> MethodResult {
    Ok(IpldBlock::serialize_cbor(v)?)
}

/// The error for an unknown method number.
pub fn unhandled(method: MethodNum) -> ActorError {
    ActorError::unhandled_message(format!("invalid method: {method}"))
}

/// Converts a send result into the callee's return, failing on a non-zero exit.
pub fn send_result(
    r: Result<fvm_shared::Response, fil_actors_shared::v18::SendError>,
) -> MethodResult {
    fil_actors_shared::v18::extract_send_result(r)
}

/// Decodes a send's return block.
pub fn decode_return<T: DeserializeOwned>(b: Option<IpldBlock>) -> Result<T, ActorError> {
    fil_actors_shared::v18::deserialize_block(b)
}

/// Asks the reward actor for this epoch's reward and baseline (`ThisEpochReward`);
/// `context` names the caller's purpose in the error.
pub fn request_this_epoch_reward<BS: Blockstore>(
    rt: &mut Runtime<'_, '_, BS>,
    context: &str,
) -> Result<fil_actors_shared::v18::builtin::reward::ThisEpochRewardReturn, ActorError> {
    decode_return(
        send_result(rt.send(
            &fvm_shared::address::Address::new_id(ids::REWARD),
            method::reward::THIS_EPOCH_REWARD,
            None,
            fvm_shared::econ::TokenAmount::default(),
        ))
        .map_err(|e| e.wrap(context))?,
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exported_method_numbers_are_frc42_hashes() {
        for (name, n) in [
            ("AuthenticateMessage", method::account::AUTHENTICATE_MESSAGE),
            ("Receive", method::RECEIVE),
            ("CreateMiner", method::power::CREATE_MINER_EXPORTED),
            ("NetworkRawPower", method::power::NETWORK_RAW_POWER),
            ("MinerRawPower", method::power::MINER_RAW_POWER),
            ("MinerCount", method::power::MINER_COUNT),
            ("MinerConsensusCount", method::power::MINER_CONSENSUS_COUNT),
            ("MinerPower", method::power::MINER_POWER),
            ("AddBalance", method::market::ADD_BALANCE_EXPORTED),
            ("WithdrawBalance", method::market::WITHDRAW_BALANCE_EXPORTED),
            ("GetBalance", method::market::GET_BALANCE),
            (
                "ChangeWorkerAddress",
                method::miner::CHANGE_WORKER_ADDRESS_EXPORTED,
            ),
            ("ChangePeerID", method::miner::CHANGE_PEER_ID_EXPORTED),
            (
                "ChangeMultiaddrs",
                method::miner::CHANGE_MULTIADDRS_EXPORTED,
            ),
            (
                "ConfirmChangeWorkerAddress",
                method::miner::CONFIRM_CHANGE_WORKER_ADDRESS_EXPORTED,
            ),
            ("RepayDebt", method::miner::REPAY_DEBT_EXPORTED),
            (
                "ChangeOwnerAddress",
                method::miner::CHANGE_OWNER_ADDRESS_EXPORTED,
            ),
            ("GetOwner", method::miner::GET_OWNER),
            (
                "IsControllingAddress",
                method::miner::IS_CONTROLLING_ADDRESS,
            ),
            ("GetSectorSize", method::miner::GET_SECTOR_SIZE),
            ("GetAvailableBalance", method::miner::GET_AVAILABLE_BALANCE),
            ("GetVestingFunds", method::miner::GET_VESTING_FUNDS),
            ("GetPeerID", method::miner::GET_PEER_ID),
            ("GetMultiaddrs", method::miner::GET_MULTIADDRS),
        ] {
            assert_eq!(frc42_method_number(name), Some(n), "{name}");
        }
    }
}
