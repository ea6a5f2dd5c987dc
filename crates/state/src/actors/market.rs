//! The storage market actor (f05): escrow balances (`AddBalance`,
//! `WithdrawBalance`, `GetBalance`) and the per-epoch `CronTick`. Deals
//! (publishing, activation, settlement) arrive with the deals issue; until then no
//! deal can exist, and cron only advances `last_cron`.

use super::{decode_return, CRON_ACTOR_ID, SYSTEM_ACTOR_ID};
use super::{method, params, ret, send_result, unhandled, MethodResult};
use crate::code::ActorKind;
use crate::runtime::Runtime;
use fil_actor_market_state::v18::balance_table::BalanceTable;
use fil_actor_market_state::v18::ext::miner::GetControlAddressesReturnParams;
use fil_actor_market_state::v18::{
    AddBalanceParams, GetBalanceParams, GetBalanceReturn, State, WithdrawBalanceParams,
    WithdrawBalanceReturn,
};
use fil_actors_shared::v18::ActorError;
use fvm_ipld_blockstore::Blockstore;
use fvm_ipld_encoding::ipld_block::IpldBlock;
use fvm_shared::address::Address;
use fvm_shared::econ::TokenAmount;
use fvm_shared::{MethodNum, METHOD_SEND};

/// Dispatches a call to the market actor.
pub fn invoke<BS: Blockstore>(
    rt: &mut Runtime<'_, '_, BS>,
    m: MethodNum,
    p: Option<IpldBlock>,
) -> MethodResult {
    use method::market::*;
    match m {
        1 => {
            super::no_params(p)?;
            rt.validate_immediate_caller_is([&Address::new_id(SYSTEM_ACTOR_ID)])?;
            let st = State::new(rt.store())?;
            rt.create(&st)?;
            Ok(None)
        }
        ADD_BALANCE | ADD_BALANCE_EXPORTED => {
            let prm: AddBalanceParams = params(p)?;
            let value = rt.value_received();
            if !value.is_positive() {
                return Err(ActorError::illegal_argument(format!(
                    "balance to add must be greater than zero was: {value}"
                )));
            }
            let (nominal, _, _) = escrow_address(rt, &prm.provider_or_client)?;
            rt.transaction(|st: &mut State, rt| {
                st.add_balance_to_escrow_table(rt.store(), &nominal, &value)
            })?;
            Ok(None)
        }
        WITHDRAW_BALANCE | WITHDRAW_BALANCE_EXPORTED => {
            let prm: WithdrawBalanceParams = params(p)?;
            if prm.amount.is_negative() {
                return Err(ActorError::illegal_argument(format!(
                    "negative amount: {}",
                    prm.amount
                )));
            }
            let (nominal, recipient, approved) = escrow_address(rt, &prm.provider_or_client)?;
            rt.validate_immediate_caller_is(&approved)?;
            let amount = rt.transaction(|st: &mut State, rt| {
                st.withdraw_balance_from_escrow_table(rt.store(), &nominal, &prm.amount)
            })?;
            send_result(rt.send(&recipient, METHOD_SEND, None, amount.clone()))?;
            ret(&WithdrawBalanceReturn {
                amount_withdrawn: amount,
            })
        }
        GET_BALANCE => {
            let prm: GetBalanceParams = params(p)?;
            let id = rt.resolve_address(&prm.account).ok_or_else(|| {
                ActorError::illegal_argument(format!("failed to resolve address {}", prm.account))
            })?;
            let account = Address::new_id(id);
            let st: State = rt.state()?;
            let balances = BalanceTable::from_root(rt.store(), &st.escrow_table, "escrow table")?;
            let locks = BalanceTable::from_root(rt.store(), &st.locked_table, "locked table")?;
            ret(&GetBalanceReturn {
                balance: balances.get(&account)?,
                locked: locks.get(&account)?,
            })
        }
        CRON_TICK => {
            super::no_params(p)?;
            rt.validate_immediate_caller_is([&Address::new_id(CRON_ACTOR_ID)])?;
            rt.transaction(|st: &mut State, rt| {
                let now = rt.curr_epoch();
                let epochs: Vec<_> = (st.last_cron + 1..=now).collect();
                for e in &epochs {
                    if !st.get_deals_for_epoch(rt.store(), *e)?.is_empty() {
                        return Err(ActorError::illegal_state(format!(
                            "deal updates scheduled at epoch {e}, but padma's market has no deals yet"
                        )));
                    }
                }
                st.remove_deals_by_epoch(rt.store(), &epochs)?;
                st.last_cron = now;
                Ok(())
            })?;
            Ok(None)
        }
        m => Err(unhandled(m)),
    }
}

/// Resolves a party to (the ID its balance is held under, who receives
/// withdrawals, who may withdraw). A miner's withdrawals go to its owner, and its
/// owner or worker may withdraw.
fn escrow_address<BS: Blockstore>(
    rt: &mut Runtime<'_, '_, BS>,
    addr: &Address,
) -> Result<(Address, Address, Vec<Address>), ActorError> {
    let id = rt
        .resolve_address(addr)
        .ok_or_else(|| ActorError::illegal_argument(format!("failed to resolve address {addr}")))?;
    let kind = rt
        .get_actor_code_cid(id)
        .ok_or_else(|| ActorError::illegal_argument(format!("no code for address {id}")))?;
    let nominal = Address::new_id(id);
    if ActorKind::from_code(&kind) == Some(ActorKind::StorageMiner) {
        let c: GetControlAddressesReturnParams = decode_return(send_result(rt.send(
            &nominal,
            method::miner::CONTROL_ADDRESSES,
            None,
            TokenAmount::default(),
        ))?)?;
        return Ok((nominal, c.owner, vec![c.owner, c.worker]));
    }
    Ok((nominal, nominal, vec![nominal]))
}
