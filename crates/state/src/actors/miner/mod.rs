//! The storage miner actor: construction (with the FIP-0077 create-miner deposit),
//! control addresses, worker/owner/peer/multiaddr changes, balance withdrawal,
//! reward application, deadline cron, and the proving methods (pre-commit,
//! prove-commit of committed-capacity sectors, Window PoSt, fault and recovery
//! declarations, termination), on the full v18 state layout.

mod activate;
mod control;
mod cron;
mod faults;
mod funds;
mod post;
mod precommit;
mod prove;

use super::{decode_return, ids, request_this_epoch_reward};
use super::{method, params, send_result, unhandled, MethodResult};
use crate::code::ActorKind;
use crate::policy::create_miner_deposit_power;
use crate::runtime::Runtime;
use fil_actor_miner_state::v18::ext::power::CurrentTotalPowerReturn;
use fil_actor_miner_state::v18::{
    initial_pledge_for_power, MinerConstructorParams, MinerInfo, State, REWARD_VESTING_SPEC,
};
use fil_actors_shared::v18::runtime::Policy;
use fil_actors_shared::v18::{ActorDowncast, ActorError};
use fvm_ipld_blockstore::Blockstore;
use fvm_ipld_encoding::ipld_block::IpldBlock;
use fvm_ipld_encoding::BytesDe;
use fvm_shared::address::{Address, Protocol};
use fvm_shared::clock::ChainEpoch;
use fvm_shared::econ::TokenAmount;
use fvm_shared::error::ExitCode;
use fvm_shared::sector::RegisteredPoStProof;
use fvm_shared::{ActorID, MethodNum};

/// Dispatches a call to a miner actor.
pub fn invoke<BS: Blockstore>(
    rt: &mut Runtime<'_, '_, BS>,
    m: MethodNum,
    p: Option<IpldBlock>,
) -> MethodResult {
    use method::miner::*;
    use method::CONSTRUCTOR;
    match m {
        CONSTRUCTOR => constructor(rt, params(p)?),
        CONTROL_ADDRESSES => control::control_addresses(rt, p),
        CHANGE_WORKER_ADDRESS | CHANGE_WORKER_ADDRESS_EXPORTED => {
            control::change_worker_address(rt, params(p)?)
        }
        CONFIRM_CHANGE_WORKER_ADDRESS | CONFIRM_CHANGE_WORKER_ADDRESS_EXPORTED => {
            control::confirm_change_worker_address(rt, p)
        }
        CHANGE_OWNER_ADDRESS | CHANGE_OWNER_ADDRESS_EXPORTED => {
            control::change_owner_address(rt, params(p)?)
        }
        CHANGE_PEER_ID | CHANGE_PEER_ID_EXPORTED => control::change_peer_id(rt, params(p)?),
        CHANGE_MULTIADDRS | CHANGE_MULTIADDRS_EXPORTED => {
            control::change_multiaddrs(rt, params(p)?)
        }
        GET_OWNER
        | IS_CONTROLLING_ADDRESS
        | GET_SECTOR_SIZE
        | GET_AVAILABLE_BALANCE
        | GET_VESTING_FUNDS
        | GET_PEER_ID
        | GET_MULTIADDRS => control::getter(rt, m, p),
        WITHDRAW_BALANCE | WITHDRAW_BALANCE_EXPORTED => funds::withdraw_balance(rt, params(p)?),
        APPLY_REWARDS => funds::apply_rewards(rt, params(p)?),
        ON_DEFERRED_CRON_EVENT => cron::on_deferred_cron_event(rt, p),
        REPAY_DEBT | REPAY_DEBT_EXPORTED => funds::repay_debt(rt, p),
        PRE_COMMIT_SECTOR_BATCH2 => precommit::pre_commit_sector_batch2(rt, params(p)?),
        PROVE_COMMIT_SECTORS3 => prove::prove_commit_sectors3(rt, params(p)?),
        SUBMIT_WINDOWED_POST => post::submit_windowed_post(rt, params(p)?),
        DECLARE_FAULTS => faults::declare_faults(rt, params(p)?),
        DECLARE_FAULTS_RECOVERED => faults::declare_faults_recovered(rt, params(p)?),
        TERMINATE_SECTORS => faults::terminate_sectors(rt, params(p)?),
        m => Err(unhandled(m)),
    }
}

/// Loads the miner's info.
fn get_info<BS: Blockstore>(rt: &Runtime<'_, '_, BS>, st: &State) -> Result<MinerInfo, ActorError> {
    st.get_info(rt.store())
        .map_err(|e| e.downcast_default(ExitCode::USR_ILLEGAL_STATE, "could not read miner info"))
}

/// Saves the miner's info into `st`.
fn save_info<BS: Blockstore>(
    rt: &Runtime<'_, '_, BS>,
    st: &mut State,
    info: &MinerInfo,
) -> Result<(), ActorError> {
    st.save_info(rt.store(), info)
        .map_err(|e| e.downcast_default(ExitCode::USR_ILLEGAL_STATE, "could not save miner info"))
}

fn constructor<BS: Blockstore>(
    rt: &mut Runtime<'_, '_, BS>,
    prm: MinerConstructorParams,
) -> MethodResult {
    rt.validate_immediate_caller_is([&Address::new_id(ids::INIT)])?;
    check_control_addresses(rt.policy(), &prm.control_addresses)?;
    check_peer_info(rt.policy(), &prm.peer_id, &prm.multi_addresses)?;
    check_valid_post_proof_type(rt.policy(), prm.window_post_proof_type)?;

    let balance = rt.current_balance();
    let deposit = create_miner_deposit(rt)?;
    if balance < deposit {
        return Err(ActorError::insufficient_funds(format!(
            "not enough balance to lock for create miner deposit: sent balance {} < deposit {}",
            balance.atto(),
            deposit.atto()
        )));
    }
    let owner = rt.resolve_address(&prm.owner).ok_or_else(|| {
        ActorError::illegal_argument(format!("unable to resolve owner address: {}", prm.owner))
    })?;
    let worker = resolve_worker_address(rt, prm.worker)?;
    let control = resolve_control_addresses(rt, &prm.control_addresses)?;

    let epoch = rt.curr_epoch();
    let offset = proving_period_offset(rt, epoch);
    let policy = rt.policy().clone();
    let period_start = current_proving_period_start(&policy, epoch, offset);
    let deadline_idx = ((epoch - period_start) / policy.wpost_challenge_window) as u64;
    if deadline_idx >= policy.wpost_period_deadlines {
        return Err(ActorError::illegal_state(format!(
            "computed proving deadline index {deadline_idx} invalid"
        )));
    }
    let info = MinerInfo::new(
        owner,
        worker,
        control,
        prm.peer_id,
        prm.multi_addresses,
        prm.window_post_proof_type,
    )?;
    let info_cid = rt.put(&info)?;
    let mut st = State::new(&policy, rt.store(), info_cid, period_start, deadline_idx)?;
    st.add_locked_funds(rt.store(), epoch, &deposit, &REWARD_VESTING_SPEC)
        .map_err(|e| ActorError::illegal_state(format!("failed to lock the deposit: {e}")))?;
    rt.create(&st)?;
    Ok(None)
}

/// The create-miner deposit (FIP-0077): the initial pledge of
/// `minimum_consensus_power / 10` bytes at the current reward and power estimates.
fn create_miner_deposit<BS: Blockstore>(
    rt: &mut Runtime<'_, '_, BS>,
) -> Result<TokenAmount, ActorError> {
    let rew = request_this_epoch_reward(rt, "failed to check epoch reward")?;
    let pwr = current_total_power(rt)?;
    Ok(initial_pledge_for_power(
        &create_miner_deposit_power(rt.policy()),
        &rew.this_epoch_baseline_power,
        &rew.this_epoch_reward_smoothed,
        &pwr.quality_adj_power_smoothed,
        &rt.total_fil_circ_supply(),
        rt.curr_epoch() - pwr.ramp_start_epoch,
        pwr.ramp_duration_epochs,
    ))
}

/// Asks the power actor for the network's power totals and smoothed estimate.
fn current_total_power<BS: Blockstore>(
    rt: &mut Runtime<'_, '_, BS>,
) -> Result<CurrentTotalPowerReturn, ActorError> {
    decode_return(
        send_result(rt.send(
            &Address::new_id(ids::POWER),
            method::power::CURRENT_TOTAL_POWER,
            None,
            TokenAmount::default(),
        ))
        .map_err(|e| e.wrap("failed to check current power"))?,
    )
}

/// The CBOR of the receiver's address: the entropy of its seal and PoSt randomness.
fn receiver_entropy<BS: Blockstore>(rt: &Runtime<'_, '_, BS>) -> Result<Vec<u8>, ActorError> {
    fvm_ipld_encoding::to_vec(&rt.receiver())
        .map_err(|e| ActorError::serialization(format!("failed to encode the receiver: {e}")))
}

/// The proving-period offset: `u64be(blake2b(CBOR(address) ‖ i64be(epoch))[..8])
/// mod WPoStProvingPeriod`.
fn proving_period_offset<BS: Blockstore>(
    rt: &Runtime<'_, '_, BS>,
    epoch: ChainEpoch,
) -> ChainEpoch {
    let mut data = fvm_ipld_encoding::to_vec(&rt.receiver()).unwrap_or_default();
    data.extend_from_slice(&epoch.to_be_bytes());
    let digest = rt.hash_blake2b(&data);
    let mut first = [0u8; 8];
    first.copy_from_slice(&digest[..8]);
    (u64::from_be_bytes(first) % rt.policy().wpost_proving_period as u64) as ChainEpoch
}

/// The start of the proving period containing `epoch` with the given offset.
fn current_proving_period_start(
    policy: &Policy,
    epoch: ChainEpoch,
    offset: ChainEpoch,
) -> ChainEpoch {
    let modulus = epoch % policy.wpost_proving_period;
    let progress = if modulus >= offset {
        modulus - offset
    } else {
        policy.wpost_proving_period - (offset - modulus)
    };
    epoch - progress
}

/// Resolves a worker: it must be an account whose key is BLS.
fn resolve_worker_address<BS: Blockstore>(
    rt: &mut Runtime<'_, '_, BS>,
    raw: Address,
) -> Result<ActorID, ActorError> {
    let id = rt
        .resolve_address(&raw)
        .ok_or_else(|| ActorError::illegal_argument(format!("unable to resolve address: {raw}")))?;
    if rt.actor_kind(id) != Some(ActorKind::Account) {
        return Err(ActorError::illegal_argument(format!(
            "worker actor type must be an account, was {:?}",
            rt.get_actor_code_cid(id)
        )));
    }
    if raw.protocol() != Protocol::BLS {
        let key: Address = decode_return(send_result(rt.send(
            &Address::new_id(id),
            method::account::PUBKEY_ADDRESS,
            None,
            TokenAmount::default(),
        ))?)?;
        if key.protocol() != Protocol::BLS {
            return Err(ActorError::illegal_argument(format!(
                "worker account {id} must have BLS pubkey, was {}",
                key.protocol()
            )));
        }
    }
    Ok(id)
}

fn resolve_control_addresses<BS: Blockstore>(
    rt: &Runtime<'_, '_, BS>,
    addrs: &[Address],
) -> Result<Vec<ActorID>, ActorError> {
    addrs
        .iter()
        .map(|a| {
            rt.resolve_address(a).ok_or_else(|| {
                ActorError::illegal_argument(format!("unable to resolve control address: {a}"))
            })
        })
        .collect()
}

fn check_control_addresses(policy: &Policy, addrs: &[Address]) -> Result<(), ActorError> {
    if addrs.len() > policy.max_control_addresses {
        return Err(ActorError::illegal_argument(format!(
            "control addresses length {} exceeds max control addresses length {}",
            addrs.len(),
            policy.max_control_addresses
        )));
    }
    Ok(())
}

fn check_valid_post_proof_type(policy: &Policy, p: RegisteredPoStProof) -> Result<(), ActorError> {
    if policy.valid_post_proof_type.contains(p) {
        Ok(())
    } else {
        Err(ActorError::illegal_argument(format!(
            "proof type {p:?} not allowed for new miner actors"
        )))
    }
}

fn check_peer_info(policy: &Policy, peer: &[u8], addrs: &[BytesDe]) -> Result<(), ActorError> {
    if peer.len() > policy.max_peer_id_length {
        return Err(ActorError::illegal_argument(format!(
            "peer ID size of {} exceeds maximum size of {}",
            peer.len(),
            policy.max_peer_id_length
        )));
    }
    let mut total = 0;
    for a in addrs {
        if a.0.is_empty() {
            return Err(ActorError::illegal_argument(
                "invalid empty multiaddr".into(),
            ));
        }
        total += a.0.len();
    }
    if total > policy.max_multiaddr_data {
        return Err(ActorError::illegal_argument(format!(
            "multiaddr size of {total} exceeds maximum of {}",
            policy.max_multiaddr_data
        )));
    }
    Ok(())
}

/// Tells the power actor the miner's pledge changed.
fn notify_pledge_changed<BS: Blockstore>(
    rt: &mut Runtime<'_, '_, BS>,
    delta: &TokenAmount,
) -> Result<(), ActorError> {
    if !delta.is_zero() {
        send_result(rt.send(
            &Address::new_id(ids::POWER),
            method::power::UPDATE_PLEDGE_TOTAL,
            IpldBlock::serialize_cbor(delta)?,
            TokenAmount::default(),
        ))?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn proving_period_start_is_at_or_before_the_epoch() {
        let p = crate::policy::devnet_policy();
        for (epoch, offset) in [(0, 0), (0, 100), (5, 100), (3000, 100), (2879, 2879)] {
            let s = current_proving_period_start(&p, epoch, offset);
            assert!(s <= epoch && epoch - s < 2880);
            assert_eq!(s.rem_euclid(2880), offset);
        }
    }
}
