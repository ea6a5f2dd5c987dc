//! Miner cron (`OnDeferredCronEvent`, from the power actor): proving-deadline
//! processing (worker changes, expired pre-commits, missed PoSts and fault fees,
//! daily fees, vesting, re-enrolment) and early-termination processing.
//! Terminated sectors emit builtin-actors' `sector-terminated` event.

use super::funds::burn;
use super::{get_info, notify_pledge_changed, save_info};
use crate::actors::{ids, method, params, send_result, MethodResult};
use crate::runtime::Runtime;
use fil_actor_miner_state::v18::ext::market::OnMinerSectorsTerminateParams;
use fil_actor_miner_state::v18::ext::power::{EnrollCronEventParams, UpdateClaimedPowerParams};
use fil_actor_miner_state::v18::{
    daily_proof_fee_payable, expected_reward_for_power, pledge_penalty_for_continued_fault,
    pledge_penalty_for_termination, qa_power_for_sector, CronEventPayload, DeferredCronEventParams,
    PowerPair, Sectors, State, CRON_EVENT_PROCESS_EARLY_TERMINATIONS, CRON_EVENT_PROVING_DEADLINE,
    ERR_BALANCE_INVARIANTS_BROKEN,
};
use fil_actors_shared::v18::builtin::reward::FilterEstimate;
use fil_actors_shared::v18::{ActorDowncast, ActorError, EventBuilder, EPOCHS_IN_DAY};
use fvm_ipld_bitfield::BitField;
use fvm_ipld_blockstore::Blockstore;
use fvm_ipld_encoding::ipld_block::IpldBlock;
use fvm_ipld_encoding::RawBytes;
use fvm_shared::address::Address;
use fvm_shared::clock::ChainEpoch;
use fvm_shared::econ::TokenAmount;
use fvm_shared::error::ExitCode;
use num_traits::Signed;

/// An internal error as builtin-actors reports it: `ErrIllegalState` unless `e` wraps
/// an actor error.
pub(super) fn illegal(e: anyhow::Error, what: &str) -> ActorError {
    e.downcast_default(ExitCode::USR_ILLEGAL_STATE, what)
}

/// `OnDeferredCronEvent` (12). Power actor only.
pub fn on_deferred_cron_event<BS: Blockstore>(
    rt: &mut Runtime<'_, '_, BS>,
    p: Option<IpldBlock>,
) -> MethodResult {
    let prm: DeferredCronEventParams = params(p)?;
    rt.validate_immediate_caller_is([&Address::new_id(ids::POWER)])?;
    let payload: CronEventPayload = fvm_ipld_encoding::from_slice(&prm.event_payload)
        .map_err(|e| ActorError::illegal_state(format!("invalid miner cron payload: {e}")))?;
    let (reward, qa) = (&prm.reward_smoothed, &prm.quality_adj_power_smoothed);
    match payload.event_type {
        CRON_EVENT_PROVING_DEADLINE => handle_proving_deadline(rt, reward, qa)?,
        CRON_EVENT_PROCESS_EARLY_TERMINATIONS => {
            let more = process_early_terminations(rt, reward, qa)?;
            if more {
                enroll(
                    rt,
                    rt.curr_epoch() + 1,
                    CRON_EVENT_PROCESS_EARLY_TERMINATIONS,
                )?;
            }
        }
        _ => {} // unknown event types are ignored
    }
    let st: State = rt.state()?;
    st.check_balance_invariants(&rt.current_balance())
        .map_err(|e| {
            ActorError::unchecked(
                ERR_BALANCE_INVARIANTS_BROKEN,
                format!("balance invariants broken: {e}"),
            )
        })?;
    Ok(None)
}

/// Enrolls a cron event of `event_type` at `epoch` with the power actor.
pub(super) fn enroll<BS: Blockstore>(
    rt: &mut Runtime<'_, '_, BS>,
    epoch: ChainEpoch,
    event_type: i64,
) -> Result<(), ActorError> {
    let payload = RawBytes::serialize(CronEventPayload { event_type })?;
    send_result(rt.send(
        &Address::new_id(ids::POWER),
        method::power::ENROLL_CRON_EVENT,
        IpldBlock::serialize_cbor(&EnrollCronEventParams {
            event_epoch: epoch,
            payload,
        })?,
        TokenAmount::default(),
    ))?;
    Ok(())
}

/// Asks the power actor to add `d` to the miner's claimed power (if non-zero).
pub(super) fn update_power<BS: Blockstore>(
    rt: &mut Runtime<'_, '_, BS>,
    d: PowerPair,
) -> Result<(), ActorError> {
    if d.is_zero() {
        return Ok(());
    }
    send_result(rt.send(
        &Address::new_id(ids::POWER),
        method::power::UPDATE_CLAIMED_POWER,
        IpldBlock::serialize_cbor(&UpdateClaimedPowerParams {
            raw_byte_delta: d.raw,
            quality_adjusted_delta: d.qa,
        })?,
        TokenAmount::default(),
    ))
    .map_err(|e| e.wrap("failed to update power"))?;
    Ok(())
}

/// End of a proving deadline: the deadline advances, missed PoSts become faults,
/// continued faults and daily fees are charged, and the next deadline's cron is
/// enrolled while the miner has anything to prove.
fn handle_proving_deadline<BS: Blockstore>(
    rt: &mut Runtime<'_, '_, BS>,
    reward: &FilterEstimate,
    qa: &FilterEstimate,
) -> Result<(), ActorError> {
    let epoch = rt.curr_epoch();
    let mut had_early = false;
    let mut power_delta = PowerPair::zero();
    let mut pledge_delta = TokenAmount::default();
    let mut penalty = TokenAmount::default();
    let mut continue_cron = false;
    let st: State = rt.transaction(|st: &mut State, rt| {
        let policy = rt.policy();
        let mut info = get_info(rt, st)?;
        if let Some(pending) = &info.pending_worker_key {
            if rt.curr_epoch() >= pending.effective_at {
                info.worker = pending.new_worker;
                info.pending_worker_key = None;
                save_info(rt, st, &info)?;
            }
        }
        let expired = st
            .cleanup_expired_pre_commits(policy, rt.store(), epoch)
            .map_err(|e| illegal(e, "failed to expire pre-committed sectors"))?;
        st.apply_penalty(&expired)
            .map_err(|e| ActorError::illegal_state(format!("failed to apply penalty: {e}")))?;
        had_early = !st.early_terminations.is_empty();
        let res = st
            .advance_deadline(policy, rt.store(), epoch)
            .map_err(|e| illegal(e, "failed to advance deadline"))?;
        // Newly detected faults pay nothing now; continued faults pay the fault fee.
        let fault_fee =
            pledge_penalty_for_continued_fault(reward, qa, &res.previously_faulty_power.qa);
        power_delta += &res.power_delta;
        pledge_delta += &res.pledge_delta;
        st.apply_penalty(&fault_fee)
            .map_err(|e| ActorError::illegal_state(format!("failed to apply penalty: {e}")))?;
        if res.daily_fee.is_positive() {
            let day_reward =
                expected_reward_for_power(reward, qa, &res.live_power.qa, EPOCHS_IN_DAY);
            let fee = daily_proof_fee_payable(policy, &res.daily_fee, &day_reward);
            st.apply_penalty(&fee)
                .map_err(|e| ActorError::illegal_state(format!("failed to apply penalty: {e}")))?;
        }
        let (to_burn, unlocked) = st
            .repay_partial_debt_in_priority_order(rt.store(), epoch, &rt.current_balance())
            .map_err(|e| illegal(e, "failed to unlock penalty"))?;
        penalty = to_burn;
        pledge_delta -= unlocked;
        let vested = st
            .unlock_vested_funds(rt.store(), epoch)
            .map_err(|e| illegal(e, "failed to vest funds"))?;
        pledge_delta -= vested;
        continue_cron = st.continue_deadline_cron();
        if !continue_cron {
            st.deadline_cron_active = false;
        }
        Ok(st.clone())
    })?;
    update_power(rt, power_delta)?;
    burn(rt, penalty)?;
    notify_pledge_changed(rt, &pledge_delta)?;
    if continue_cron {
        let next = st.deadline_info(rt.policy(), epoch + 1);
        enroll(rt, next.last(), CRON_EVENT_PROVING_DEADLINE)?;
    }
    if !had_early
        && !st.early_terminations.is_empty()
        && process_early_terminations(rt, reward, qa)?
    {
        enroll(rt, epoch + 1, CRON_EVENT_PROCESS_EARLY_TERMINATIONS)?;
    }
    Ok(())
}

/// Processes queued early terminations (termination fees, pledge release, deal
/// termination); returns whether more remain.
pub(super) fn process_early_terminations<BS: Blockstore>(
    rt: &mut Runtime<'_, '_, BS>,
    reward: &FilterEstimate,
    qa: &FilterEstimate,
) -> Result<bool, ActorError> {
    let mut with_data = Vec::new();
    let mut terminated = Vec::new();
    let (done, more, penalty, pledge_delta) = rt.transaction(|st: &mut State, rt| {
        let policy = rt.policy();
        let (result, more) = st
            .pop_early_terminations(
                policy,
                rt.store(),
                policy.addressed_partitions_max,
                policy.addressed_sectors_max,
            )
            .map_err(|e| illegal(e, "failed to pop early terminations"))?;
        if result.is_empty() {
            return Ok((false, more, TokenAmount::default(), TokenAmount::default()));
        }
        let info = get_info(rt, st)?;
        let sectors = Sectors::load(rt.store(), &st.sectors)
            .map_err(|e| ActorError::illegal_state(format!("failed to load sectors: {e}")))?;
        let mut pledge = TokenAmount::default();
        let mut fee = TokenAmount::default();
        for (at, numbers) in result.iter() {
            for s in sectors.load_sectors(numbers)? {
                pledge += &s.initial_pledge;
                terminated.push(s.sector_number);
                let power = qa_power_for_sector(info.sector_size, &s);
                let fault_fee = pledge_penalty_for_continued_fault(reward, qa, &power);
                fee += pledge_penalty_for_termination(
                    &s.initial_pledge,
                    at - s.activation,
                    &fault_fee,
                );
                if s.deal_weight.is_positive() || s.verified_deal_weight.is_positive() {
                    with_data.push(s.sector_number);
                }
            }
        }
        st.apply_penalty(&fee)
            .map_err(|e| ActorError::illegal_state(format!("failed to apply penalty: {e}")))?;
        let mut delta = -pledge;
        st.add_initial_pledge(&delta)
            .map_err(|e| ActorError::illegal_state(format!("failed to add initial pledge: {e}")))?;
        let (to_burn, unlocked) = st
            .repay_partial_debt_in_priority_order(
                rt.store(),
                rt.curr_epoch(),
                &rt.current_balance(),
            )
            .map_err(|e| illegal(e, "failed to repay penalty"))?;
        delta -= unlocked;
        Ok((true, more, to_burn, delta))
    })?;
    if !done {
        return Ok(more);
    }
    burn(rt, penalty)?;
    notify_pledge_changed(rt, &pledge_delta)?;
    if !with_data.is_empty() {
        let sectors = BitField::try_from_bits(with_data)
            .map_err(|e| ActorError::illegal_state(format!("invalid sector number: {e}")))?;
        let epoch = rt.curr_epoch();
        let r = send_result(rt.send(
            &Address::new_id(ids::MARKET),
            method::market::ON_MINER_SECTORS_TERMINATE,
            IpldBlock::serialize_cbor(&OnMinerSectorsTerminateParams { epoch, sectors })?,
            TokenAmount::default(),
        ));
        // From cron, a market failure must not freeze the miner's cron too.
        if rt.origin() != Address::new_id(crate::actors::ids::SYSTEM) {
            r?;
        }
    }
    for sector in terminated {
        let e = EventBuilder::new()
            .typ("sector-terminated")
            .field_indexed("sector", &sector)
            .build()?;
        rt.emit_event(&e)?;
    }
    Ok(more)
}
