//! Fault and recovery declarations (`DeclareFaults`, `DeclareFaultsRecovered`) and
//! early termination (`TerminateSectors`). Termination fees are builtin-actors v18's
//! (FIP-0098), charged when the terminations are processed (see `cron`).

use super::control::controlling;
use super::cron::{enroll, illegal, process_early_terminations, update_power};
use super::funds::{burn, check_invariants};
use super::{current_total_power, get_info};
use crate::actors::{request_this_epoch_reward, ret, MethodResult};
use crate::runtime::Runtime;
use fil_actor_miner_state::v18::{
    deadline_is_mutable, new_deadline_info, DeadlineInfo, DeadlineSectorMap, DeclareFaultsParams,
    DeclareFaultsRecoveredParams, PowerPair, Sectors, State, TerminateSectorsParams,
    TerminateSectorsReturn, CRON_EVENT_PROCESS_EARLY_TERMINATIONS,
};
use fil_actors_shared::v18::runtime::Policy;
use fil_actors_shared::v18::ActorError;
use fvm_ipld_bitfield::BitField;
use fvm_ipld_blockstore::Blockstore;
use fvm_shared::clock::ChainEpoch;

/// Groups `(deadline, partition, sectors)` declarations, within the policy's limits.
fn sector_map(
    policy: &Policy,
    decls: impl IntoIterator<Item = (u64, u64, BitField)>,
) -> Result<DeadlineSectorMap, ActorError> {
    let mut map = DeadlineSectorMap::new();
    for (dl, part, sectors) in decls {
        map.add(policy, dl, part, sectors).map_err(|e| {
            ActorError::illegal_argument(format!(
                "failed to process deadline {dl}, partition {part}: {e}"
            ))
        })?;
    }
    map.check(
        policy.addressed_partitions_max,
        policy.addressed_sectors_max,
    )
    .map_err(|e| {
        ActorError::illegal_argument(format!("cannot process requested parameters: {e}"))
    })?;
    Ok(map)
}

/// The deadline a fault or recovery declaration targets (this period's if not yet
/// elapsed, else the next period's); refused once its fault cutoff has passed.
fn declaration_deadline(
    policy: &Policy,
    st: &State,
    idx: u64,
    epoch: ChainEpoch,
    what: &str,
) -> Result<DeadlineInfo, ActorError> {
    if idx >= policy.wpost_period_deadlines {
        return Err(ActorError::illegal_argument(format!(
            "invalid {what} declaration deadline {idx}, must be < {}",
            policy.wpost_period_deadlines
        )));
    }
    let start = st.current_proving_period_start(policy, epoch);
    let dl = new_deadline_info(policy, start, idx, epoch).next_not_elapsed();
    if dl.fault_cutoff_passed() {
        return Err(ActorError::illegal_argument(format!(
            "failed {what} declaration at deadline {idx}: late fault or recovery declaration"
        )));
    }
    Ok(dl)
}

/// `DeclareFaults` (10): marks sectors faulty ahead of their deadline; their power
/// is removed now, and the fault fee is charged at each deadline end they stay
/// faulty. Owner, worker or control address.
pub fn declare_faults<BS: Blockstore>(
    rt: &mut Runtime<'_, '_, BS>,
    prm: DeclareFaultsParams,
) -> MethodResult {
    let decls = prm
        .faults
        .into_iter()
        .map(|f| (f.deadline, f.partition, f.sectors));
    let mut map = sector_map(rt.policy(), decls)?;
    let epoch = rt.curr_epoch();
    let power_delta = rt.transaction(|st: &mut State, rt| {
        let policy = rt.policy();
        let info = get_info(rt, st)?;
        rt.validate_immediate_caller_is(&controlling(&info))?;
        let mut deadlines = st.load_deadlines(rt.store())?;
        let sectors = Sectors::load(rt.store(), &st.sectors)
            .map_err(|e| ActorError::illegal_state(format!("failed to load sectors array: {e}")))?;
        let mut delta = PowerPair::zero();
        for (idx, partitions) in map.iter() {
            let target = declaration_deadline(policy, st, idx, epoch, "fault")?;
            let mut deadline = deadlines.load_deadline(rt.store(), idx)?;
            let d = deadline
                .record_faults(
                    rt.store(),
                    &sectors,
                    info.sector_size,
                    target.quant_spec(),
                    target.last() + policy.fault_max_age,
                    partitions,
                )
                .map_err(|e| illegal(e, &format!("failed to declare faults for deadline {idx}")))?;
            deadlines
                .update_deadline(policy, rt.store(), idx, &deadline)
                .map_err(|e| illegal(e, &format!("failed to store deadline {idx} partitions")))?;
            delta += &d;
        }
        st.save_deadlines(rt.store(), deadlines)
            .map_err(|e| illegal(e, "failed to save deadlines"))?;
        Ok(delta)
    })?;
    update_power(rt, power_delta)?;
    Ok(None)
}

/// `DeclareFaultsRecovered` (11): marks faulty sectors as recovering; they regain
/// power at their next successful Window PoSt. Repays fee debt first. Owner, worker
/// or control address.
pub fn declare_faults_recovered<BS: Blockstore>(
    rt: &mut Runtime<'_, '_, BS>,
    prm: DeclareFaultsRecoveredParams,
) -> MethodResult {
    let decls = prm
        .recoveries
        .into_iter()
        .map(|r| (r.deadline, r.partition, r.sectors));
    let mut map = sector_map(rt.policy(), decls)?;
    let epoch = rt.curr_epoch();
    let fee_to_burn = rt.transaction(|st: &mut State, rt| {
        let policy = rt.policy();
        let fee_to_burn = st
            .repay_debts(&rt.current_balance())
            .map_err(|e| illegal(e, "unlocked balance can not repay fee debt"))?;
        let info = get_info(rt, st)?;
        rt.validate_immediate_caller_is(&controlling(&info))?;
        if epoch <= info.consensus_fault_elapsed {
            return Err(ActorError::forbidden(
                "recovery not allowed during active consensus fault".into(),
            ));
        }
        let mut deadlines = st.load_deadlines(rt.store())?;
        let sectors = Sectors::load(rt.store(), &st.sectors)
            .map_err(|e| ActorError::illegal_state(format!("failed to load sectors array: {e}")))?;
        for (idx, partitions) in map.iter() {
            declaration_deadline(policy, st, idx, epoch, "recovery")?;
            let mut deadline = deadlines.load_deadline(rt.store(), idx)?;
            deadline
                .declare_faults_recovered(rt.store(), &sectors, info.sector_size, partitions)
                .map_err(|e| {
                    illegal(
                        e,
                        &format!("failed to declare recoveries for deadline {idx}"),
                    )
                })?;
            deadlines
                .update_deadline(policy, rt.store(), idx, &deadline)
                .map_err(|e| illegal(e, &format!("failed to store deadline {idx}")))?;
        }
        st.save_deadlines(rt.store(), deadlines)
            .map_err(|e| illegal(e, "failed to save deadlines"))?;
        Ok(fee_to_burn)
    })?;
    burn(rt, fee_to_burn)?;
    check_invariants(rt)?;
    Ok(None)
}

/// `TerminateSectors` (9): terminates proven sectors early. Their power is removed
/// and their pledge released, less the termination fee; terminations beyond the
/// per-call limit are finished by cron. Owner, worker or control address.
pub fn terminate_sectors<BS: Blockstore>(
    rt: &mut Runtime<'_, '_, BS>,
    prm: TerminateSectorsParams,
) -> MethodResult {
    let decls = prm
        .terminations
        .into_iter()
        .map(|t| (t.deadline, t.partition, t.sectors));
    let mut map = sector_map(rt.policy(), decls)?;
    let epoch = rt.curr_epoch();
    let (had_early, power_delta) = rt.transaction(|st: &mut State, rt| {
        let policy = rt.policy();
        let had_early = !st.early_terminations.is_empty();
        let info = get_info(rt, st)?;
        rt.validate_immediate_caller_is(&controlling(&info))?;
        let mut deadlines = st.load_deadlines(rt.store())?;
        let sectors = Sectors::load(rt.store(), &st.sectors)
            .map_err(|e| ActorError::illegal_state(format!("failed to load sectors: {e}")))?;
        let mut delta = PowerPair::zero();
        for (idx, partitions) in map.iter() {
            // The current and next deadlines are being proven and may not change.
            let start = st.current_proving_period_start(policy, epoch);
            if !deadline_is_mutable(policy, start, idx, epoch) {
                return Err(ActorError::illegal_argument(format!(
                    "cannot terminate sectors in immutable deadline {idx}"
                )));
            }
            let quant = st.quant_spec_for_deadline(policy, idx);
            let mut deadline = deadlines.load_deadline(rt.store(), idx)?;
            let removed = deadline
                .terminate_sectors(
                    policy,
                    rt.store(),
                    &sectors,
                    epoch,
                    partitions,
                    info.sector_size,
                    quant,
                )
                .map_err(|e| {
                    illegal(e, &format!("failed to terminate sectors in deadline {idx}"))
                })?;
            st.early_terminations.set(idx);
            delta -= &removed;
            deadlines
                .update_deadline(policy, rt.store(), idx, &deadline)
                .map_err(|e| illegal(e, &format!("failed to update deadline {idx}")))?;
        }
        st.save_deadlines(rt.store(), deadlines)
            .map_err(|e| illegal(e, "failed to save deadlines"))?;
        Ok((had_early, delta))
    })?;
    let rew = request_this_epoch_reward(rt, "failed to check epoch reward")?;
    let pwr = current_total_power(rt)?;
    let more = process_early_terminations(
        rt,
        &rew.this_epoch_reward_smoothed,
        &pwr.quality_adj_power_smoothed,
    )?;
    if more && !had_early {
        enroll(rt, epoch + 1, CRON_EVENT_PROCESS_EARLY_TERMINATIONS)?;
    }
    check_invariants(rt)?;
    update_power(rt, power_delta)?;
    ret(&TerminateSectorsReturn { done: !more })
}
