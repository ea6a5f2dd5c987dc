//! Miner funds: balance withdrawal, block reward application and fee-debt
//! repayment.

use super::{get_info, notify_pledge_changed, save_info};
use crate::actors::{ids, method, no_params, ret, send_result, MethodResult};
use crate::runtime::Runtime;
use fil_actor_miner_state::v18::{
    locked_reward_from_reward, ApplyRewardParams, State, WithdrawBalanceParams,
    WithdrawBalanceReturn, ERR_BALANCE_INVARIANTS_BROKEN,
};
use fil_actors_shared::v18::{ActorDowncast, ActorError};
use fvm_ipld_blockstore::Blockstore;
use fvm_ipld_encoding::ipld_block::IpldBlock;
use fvm_shared::address::Address;
use fvm_shared::econ::TokenAmount;
use fvm_shared::error::ExitCode;

fn invariants_broken(e: anyhow::Error) -> ActorError {
    ActorError::unchecked(
        ERR_BALANCE_INVARIANTS_BROKEN,
        format!("balance invariants broken: {e}"),
    )
}

/// Fails with `ErrBalanceInvariantsBroken` if the miner's balance does not cover its
/// locked funds.
pub(super) fn check_invariants<BS: Blockstore>(rt: &Runtime<'_, '_, BS>) -> Result<(), ActorError> {
    let st: State = rt.state()?;
    st.check_balance_invariants(&rt.current_balance())
        .map_err(invariants_broken)
}

/// Sends `amount` (if positive) to the burnt-funds actor.
pub(super) fn burn<BS: Blockstore>(
    rt: &mut Runtime<'_, '_, BS>,
    amount: TokenAmount,
) -> Result<(), ActorError> {
    if amount.is_positive() {
        send_result(rt.send(
            &Address::new_id(ids::BURNT_FUNDS),
            method::SEND,
            None,
            amount,
        ))?;
    }
    Ok(())
}

/// `WithdrawBalance` (16): sends up to the requested amount of available balance
/// (after vesting and fee-debt repayment) to the beneficiary. Owner or beneficiary.
pub fn withdraw_balance<BS: Blockstore>(
    rt: &mut Runtime<'_, '_, BS>,
    prm: WithdrawBalanceParams,
) -> MethodResult {
    if prm.amount_requested.is_negative() {
        return Err(ActorError::illegal_argument(format!(
            "negative fund requested for withdrawal: {}",
            prm.amount_requested
        )));
    }
    let (beneficiary, amount, newly_vested, fee_to_burn) =
        rt.transaction(|st: &mut State, rt| {
            let mut info = get_info(rt, st)?;
            rt.validate_immediate_caller_is([&info.owner, &info.beneficiary])?;
            if !st.early_terminations.is_empty() {
                return Err(ActorError::forbidden(format!(
                    "cannot withdraw funds while {} deadlines have terminated sectors with outstanding fees",
                    st.early_terminations.len()
                )));
            }
            let newly_vested = st
                .unlock_vested_funds(rt.store(), rt.curr_epoch())
                .map_err(|e| e.downcast_default(ExitCode::USR_ILLEGAL_STATE, "failed to vest funds"))?;
            let available = st.get_available_balance(&rt.current_balance()).map_err(|e| {
                ActorError::illegal_state(format!("failed to calculate available balance: {e}"))
            })?;
            let fee_to_burn = st.repay_debts(&rt.current_balance()).map_err(|e| {
                e.downcast_default(
                    ExitCode::USR_ILLEGAL_STATE,
                    "unlocked balance can not repay fee debt",
                )
            })?;
            let mut amount = std::cmp::min(&available, &prm.amount_requested).clone();
            if amount.is_negative() {
                return Err(ActorError::illegal_state(format!(
                    "negative amount to withdraw: {amount}"
                )));
            }
            if info.beneficiary != info.owner {
                let quota = info.beneficiary_term.available(rt.curr_epoch());
                if quota.is_zero() {
                    return Err(ActorError::forbidden(format!(
                        "beneficiary expiration of epoch {} passed or quota of {} depleted with {} used",
                        info.beneficiary_term.expiration,
                        info.beneficiary_term.quota,
                        info.beneficiary_term.used_quota
                    )));
                }
                amount = std::cmp::min(amount, quota);
                if amount.is_positive() {
                    info.beneficiary_term.used_quota += &amount;
                    save_info(rt, st, &info)?;
                }
            }
            Ok((info.beneficiary, amount, newly_vested, fee_to_burn))
        })?;
    if amount.is_positive() {
        send_result(rt.send(&beneficiary, method::SEND, None, amount.clone()))?;
    }
    burn(rt, fee_to_burn)?;
    notify_pledge_changed(rt, &-newly_vested)?;
    check_invariants(rt)?;
    ret(&WithdrawBalanceReturn {
        amount_withdrawn: amount,
    })
}

/// `ApplyRewards` (14), from the reward actor: locks the vesting part of a block
/// reward and applies a penalty, repaying fee debt where possible.
pub fn apply_rewards<BS: Blockstore>(
    rt: &mut Runtime<'_, '_, BS>,
    prm: ApplyRewardParams,
) -> MethodResult {
    if prm.reward.is_negative() {
        return Err(ActorError::illegal_argument(
            "cannot lock up a negative amount of funds".into(),
        ));
    }
    if prm.penalty.is_negative() {
        return Err(ActorError::illegal_argument(
            "cannot penalize a negative amount of funds".into(),
        ));
    }
    let (pledge_delta, to_burn) = rt.transaction(|st: &mut State, rt| {
        rt.validate_immediate_caller_is([&Address::new_id(ids::REWARD)])?;
        let (to_lock, spec) = locked_reward_from_reward(prm.reward.clone());
        let unlocked = st
            .get_unlocked_balance(&rt.current_balance())
            .map_err(|e| {
                ActorError::illegal_state(format!("failed to calculate unlocked balance: {e}"))
            })?;
        if unlocked < to_lock {
            return Err(ActorError::insufficient_funds(format!(
                "insufficient funds to lock, available: {unlocked}, requested: {to_lock}"
            )));
        }
        let newly_vested = st
            .add_locked_funds(rt.store(), rt.curr_epoch(), &to_lock, spec)
            .map_err(|e| {
                ActorError::illegal_state(format!("failed to lock funds in vesting table: {e}"))
            })?;
        let mut delta = &to_lock - &newly_vested;
        st.apply_penalty(&prm.penalty)
            .map_err(|e| ActorError::illegal_state(format!("failed to apply penalty: {e}")))?;
        let (to_burn, unlocked) = st
            .repay_partial_debt_in_priority_order(
                rt.store(),
                rt.curr_epoch(),
                &rt.current_balance(),
            )
            .map_err(|e| {
                e.downcast_default(ExitCode::USR_ILLEGAL_STATE, "failed to repay penalty")
            })?;
        delta -= &unlocked;
        Ok((delta, to_burn))
    })?;
    notify_pledge_changed(rt, &pledge_delta)?;
    burn(rt, to_burn)?;
    check_invariants(rt)?;
    Ok(None)
}

/// `RepayDebt` (22): pays fee debt from vesting funds and balance. Owner, worker
/// or control addresses.
pub fn repay_debt<BS: Blockstore>(
    rt: &mut Runtime<'_, '_, BS>,
    p: Option<IpldBlock>,
) -> MethodResult {
    no_params(p)?;
    let (to_burn, unlocked) = rt.transaction(|st: &mut State, rt| {
        let info = get_info(rt, st)?;
        let mut allowed = info.control_addresses.clone();
        allowed.push(info.worker);
        allowed.push(info.owner);
        rt.validate_immediate_caller_is(&allowed)?;
        st.repay_partial_debt_in_priority_order(rt.store(), rt.curr_epoch(), &rt.current_balance())
            .map_err(|e| {
                e.downcast_default(ExitCode::USR_ILLEGAL_STATE, "failed to unlock fee debt")
            })
    })?;
    notify_pledge_changed(rt, &-unlocked)?;
    burn(rt, to_burn)?;
    check_invariants(rt)?;
    Ok(None)
}
