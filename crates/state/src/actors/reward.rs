//! The reward actor (f02): pays block rewards (`AwardBlockReward`), reports this
//! epoch's reward and baseline (`ThisEpochReward`), and advances the minting model
//! each epoch (`UpdateNetworkKPI`, called by the power actor's cron).

use super::ids;
use super::reward_logic::{
    update_smoothed_estimates, update_to_next_epoch, update_to_next_epoch_with_reward,
};
use super::{method, no_params, params, ret, send_result, unhandled, MethodResult};
use crate::runtime::Runtime;
use fil_actor_miner_state::v18::ApplyRewardParams;
use fil_actor_reward_state::v18::{
    AwardBlockRewardParams, ConstructorParams, State, UpdateNetworkKPIParams, PENALTY_MULTIPLIER,
};
use fil_actors_shared::v18::builtin::reward::ThisEpochRewardReturn;
use fil_actors_shared::v18::ActorError;
use fvm_ipld_blockstore::Blockstore;
use fvm_ipld_encoding::ipld_block::IpldBlock;
use fvm_shared::address::Address;
use fvm_shared::econ::TokenAmount;
use fvm_shared::MethodNum;

/// Expected block producers per epoch.
pub const EXPECTED_LEADERS_PER_EPOCH: u64 = 5;

/// Dispatches a call to the reward actor.
pub fn invoke<BS: Blockstore>(
    rt: &mut Runtime<'_, '_, BS>,
    m: MethodNum,
    p: Option<IpldBlock>,
) -> MethodResult {
    match m {
        method::CONSTRUCTOR => {
            let prm: ConstructorParams = super::constructor_params(rt, p)?;
            let power = prm
                .power
                .ok_or_else(|| ActorError::illegal_argument("argument should not be nil".into()))?;
            rt.create(&State::new(power.0))?;
            Ok(None)
        }
        method::reward::AWARD_BLOCK_REWARD => award_block_reward(rt, params(p)?),
        method::reward::THIS_EPOCH_REWARD => {
            no_params(p)?;
            let st: State = rt.state()?;
            ret(&ThisEpochRewardReturn {
                this_epoch_reward_smoothed: st.this_epoch_reward_smoothed,
                this_epoch_baseline_power: st.this_epoch_baseline_power,
            })
        }
        method::reward::UPDATE_NETWORK_KPI => {
            let prm: UpdateNetworkKPIParams = params(p)?;
            rt.validate_immediate_caller_is([&Address::new_id(ids::POWER)])?;
            let power = prm
                .curr_realized_power
                .ok_or_else(|| ActorError::illegal_argument("argument cannot be None".into()))?
                .0;
            rt.transaction(|st: &mut State, rt| {
                let prev = st.epoch;
                // Catch up over null rounds, then compute the next epoch's reward.
                while st.epoch < rt.curr_epoch() {
                    update_to_next_epoch(st, &power);
                }
                update_to_next_epoch_with_reward(st, &power);
                update_smoothed_estimates(st, st.epoch - prev);
                Ok(())
            })?;
            Ok(None)
        }
        m => Err(unhandled(m)),
    }
}

fn award_block_reward<BS: Blockstore>(
    rt: &mut Runtime<'_, '_, BS>,
    prm: AwardBlockRewardParams,
) -> MethodResult {
    rt.validate_immediate_caller_is([&Address::new_id(ids::SYSTEM)])?;
    let prior_balance = rt.current_balance();
    if prm.penalty.is_negative() {
        return Err(ActorError::illegal_argument(format!(
            "negative penalty {}",
            prm.penalty
        )));
    }
    if prm.gas_reward.is_negative() {
        return Err(ActorError::illegal_argument(format!(
            "negative gas reward {}",
            prm.gas_reward
        )));
    }
    if prior_balance < prm.gas_reward {
        return Err(ActorError::illegal_state(format!(
            "actor current balance {prior_balance} insufficient to pay gas reward {}",
            prm.gas_reward
        )));
    }
    if prm.win_count <= 0 {
        return Err(ActorError::illegal_argument(format!(
            "invalid win count {}",
            prm.win_count
        )));
    }
    let miner = rt
        .resolve_address(&prm.miner)
        .ok_or_else(|| ActorError::not_found("failed to resolve given owner address".into()))?;
    let penalty = &prm.penalty * PENALTY_MULTIPLIER;

    let total_reward = rt.transaction(|st: &mut State, rt| {
        let mut block_reward =
            (&st.this_epoch_reward * prm.win_count).div_floor(EXPECTED_LEADERS_PER_EPOCH);
        let mut total = &prm.gas_reward + &block_reward;
        let balance = rt.current_balance();
        if total > balance {
            // Pay out what is left.
            total = balance;
            block_reward = &total - &prm.gas_reward;
            if block_reward.is_negative() {
                return Err(ActorError::illegal_state(format!(
                    "block reward {block_reward} below zero"
                )));
            }
        }
        st.total_storage_power_reward += block_reward;
        Ok(total)
    })?;
    if total_reward > prior_balance {
        return Err(ActorError::illegal_state(format!(
            "reward {total_reward} exceeds balance {prior_balance}"
        )));
    }

    let apply = IpldBlock::serialize_cbor(&ApplyRewardParams {
        reward: total_reward.clone(),
        penalty,
    })?;
    let res = send_result(rt.send(
        &Address::new_id(miner),
        method::miner::APPLY_REWARDS,
        apply,
        total_reward.clone(),
    ));
    if res.is_err() {
        // The miner could not take the reward: burn it.
        let _ = send_result(rt.send(
            &Address::new_id(ids::BURNT_FUNDS),
            method::SEND,
            None,
            total_reward,
        ));
    }
    Ok(None)
}

/// The block reward for `win_count` wins given this epoch's total reward.
pub fn block_reward(this_epoch_reward: &TokenAmount, win_count: i64) -> TokenAmount {
    (this_epoch_reward * win_count).div_floor(EXPECTED_LEADERS_PER_EPOCH)
}
