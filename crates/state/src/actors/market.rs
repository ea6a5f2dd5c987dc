//! The storage market actor (f05): escrow balances (`AddBalance`,
//! `WithdrawBalance`, `GetBalance`) and the per-epoch `CronTick`, which settles the
//! deals scheduled for cron processing (such as genesis deals): payments, expiry
//! of unactivated proposals, completion, with builtin-actors' `deal-completed` and
//! `deal-terminated` events. Publishing and activating deals arrive with the deals
//! issue.

use super::{decode_return, ids};
use super::{method, params, ret, send_result, unhandled, MethodResult};
use crate::code::ActorKind;
use crate::runtime::Runtime;
use fil_actor_market_state::v18::balance_table::BalanceTable;
use fil_actor_market_state::v18::ext::miner::GetControlAddressesReturnParams;
use fil_actor_market_state::v18::{
    AddBalanceParams, DealProposal, GetBalanceParams, GetBalanceReturn, LoadDealState, State,
    WithdrawBalanceParams, WithdrawBalanceReturn,
};
use fil_actors_shared::v18::{ActorError, EventBuilder};
use fvm_ipld_blockstore::Blockstore;
use fvm_ipld_encoding::ipld_block::IpldBlock;
use fvm_shared::address::Address;
use fvm_shared::clock::{ChainEpoch, EPOCH_UNDEFINED};
use fvm_shared::econ::TokenAmount;
use fvm_shared::{ActorID, MethodNum};
use std::collections::BTreeMap;

/// Dispatches a call to the market actor.
pub fn invoke<BS: Blockstore>(
    rt: &mut Runtime<'_, '_, BS>,
    m: MethodNum,
    p: Option<IpldBlock>,
) -> MethodResult {
    use method::market::*;
    match m {
        method::CONSTRUCTOR => {
            super::constructor_no_params(rt, p)?;
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
            send_result(rt.send(&recipient, method::SEND, None, amount.clone()))?;
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
            cron_tick(rt)
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

/// The epoch of a deal's next cron update at or after `earliest`: deals are spread
/// over the update interval by their ID.
pub fn next_update_epoch(id: u64, interval: i64, earliest: ChainEpoch) -> ChainEpoch {
    let offset = id as i64 % interval;
    let q = (earliest - offset).div_euclid(interval);
    let r = (earliest - offset).rem_euclid(interval);
    if r == 0 {
        q * interval + offset
    } else {
        (q + 1) * interval + offset
    }
}

/// The CID of a deal proposal: blake2b-256 of its CBOR, as DAG-CBOR.
fn deal_cid<BS: Blockstore>(
    rt: &Runtime<'_, '_, BS>,
    proposal: &DealProposal,
) -> Result<cid::Cid, ActorError> {
    let bytes = fvm_ipld_encoding::to_vec(proposal).map_err(|e| {
        ActorError::serialization(format!("failed to serialize deal proposal: {e}"))
    })?;
    let digest = rt.hash_blake2b(&bytes);
    let mh = cid::multihash::Multihash::wrap(0xb220, &digest)
        .map_err(|e| ActorError::illegal_argument(format!("bad deal proposal hash: {e}")))?;
    Ok(cid::Cid::new_v1(fvm_ipld_encoding::DAG_CBOR, mh))
}

/// Emits a deal event: `$type`, then the indexed `id`, `client` and `provider`.
fn emit_deal_event<BS: Blockstore>(
    rt: &mut Runtime<'_, '_, BS>,
    typ: &str,
    id: u64,
    proposal: &DealProposal,
) -> Result<(), ActorError> {
    let party = |a: &Address| {
        a.id()
            .map_err(|_| ActorError::illegal_state(format!("deal party {a} is not an ID")))
    };
    let event = EventBuilder::new()
        .typ(typ)
        .field_indexed("id", &id)
        .field_indexed("client", &party(&proposal.client)?)
        .field_indexed("provider", &party(&proposal.provider)?)
        .build()?;
    rt.emit_event(&event)
}

/// `CronTick` (9): processes every epoch since the last tick; cron only.
fn cron_tick<BS: Blockstore>(rt: &mut Runtime<'_, '_, BS>) -> MethodResult {
    rt.validate_immediate_caller_is([&Address::new_id(ids::CRON)])?;
    let now = rt.curr_epoch();
    let mut events: Vec<(&str, u64, DealProposal)> = Vec::new();
    let slashed = rt.transaction(|st: &mut State, rt| {
        let mut slashed = TokenAmount::default();
        let mut to_remove: BTreeMap<ActorID, BTreeMap<u64, Vec<u64>>> = BTreeMap::new();
        let mut rescheduled: BTreeMap<ChainEpoch, Vec<u64>> = BTreeMap::new();
        let mut epochs = Vec::new();
        for e in st.last_cron + 1..=now {
            for id in st.get_deals_for_epoch(rt.store(), e)? {
                let Some(proposal) = st.find_proposal(rt.store(), id)? else {
                    continue; // already settled or terminated
                };
                let dcid = deal_cid(rt, &proposal)?;
                let mut ds = match st.get_active_deal_or_process_timeout(
                    rt.store(),
                    now,
                    id,
                    &proposal,
                    &dcid,
                )? {
                    LoadDealState::Loaded(ds) => ds,
                    LoadDealState::ProposalExpired(penalty) => {
                        slashed += penalty;
                        continue;
                    }
                    LoadDealState::TooEarly => {
                        return Err(ActorError::illegal_state(format!(
                            "deal {id} processed before start epoch {}",
                            proposal.start_epoch
                        )))
                    }
                };
                if ds.last_updated_epoch == EPOCH_UNDEFINED {
                    // Newly activated deals are settled explicitly, not by cron.
                    st.remove_pending_deal(rt.store(), dcid)?.ok_or_else(|| {
                        ActorError::illegal_state("failed to delete pending proposal".into())
                    })?;
                    continue;
                }
                let (slash, _paid, completed, remove) =
                    st.process_deal_update(rt.store(), &ds, &proposal, &dcid, now)?;
                if remove && !completed {
                    events.push(("deal-terminated", id, proposal.clone()));
                }
                if completed {
                    events.push(("deal-completed", id, proposal.clone()));
                }
                if remove {
                    slashed += slash;
                    st.remove_completed_deal(rt.store(), id)?;
                    let provider = proposal.provider.id().map_err(|_| {
                        ActorError::illegal_state("deal provider is not an ID address".into())
                    })?;
                    to_remove
                        .entry(provider)
                        .or_default()
                        .entry(ds.sector_number)
                        .or_default()
                        .push(id);
                } else {
                    if !slash.is_zero() {
                        return Err(ActorError::illegal_state(format!(
                            "continuing deal {id} should not be slashed"
                        )));
                    }
                    ds.last_updated_epoch = now;
                    st.put_deal_states(rt.store(), &[(id, ds)])?;
                    let next = next_update_epoch(id, rt.policy().deal_updates_interval, now + 1);
                    rescheduled.entry(next).or_default().push(id);
                }
            }
            epochs.push(e);
        }
        st.remove_sector_deal_ids(rt.store(), &to_remove)?;
        st.remove_deals_by_epoch(rt.store(), &epochs)?;
        st.put_batch_deals_by_epoch(rt.store(), &rescheduled)?;
        st.last_cron = now;
        Ok(slashed)
    })?;
    for (typ, id, proposal) in events {
        emit_deal_event(rt, typ, id, &proposal)?;
    }
    if !slashed.is_zero() {
        send_result(rt.send(
            &Address::new_id(super::ids::BURNT_FUNDS),
            method::SEND,
            None,
            slashed,
        ))?;
    }
    Ok(None)
}

#[cfg(test)]
mod tests {
    use super::next_update_epoch;

    #[test]
    fn update_epochs_are_quantized_by_deal_id() {
        assert_eq!(next_update_epoch(5, 100, 0), 5);
        assert_eq!(next_update_epoch(5, 100, 5), 5);
        assert_eq!(next_update_epoch(5, 100, 6), 105);
        assert_eq!(next_update_epoch(105, 100, 200), 205);
        assert_eq!(next_update_epoch(0, 100, 1), 100);
        assert_eq!(next_update_epoch(7, 100, -50), 7);
    }
}
