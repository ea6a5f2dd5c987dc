//! Sector activation after a successful prove-commit: QA power, daily fee and
//! initial pledge per sector, deadline assignment, deposit release and pledge lock.

use super::cron::illegal;
use super::notify_pledge_changed;
use crate::runtime::Runtime;
use fil_actor_miner_state::v18::ext::power::CurrentTotalPowerReturn;
use fil_actor_miner_state::v18::{
    daily_proof_fee, initial_pledge_for_power, qa_power_for_weight, MinerInfo, SectorOnChainInfo,
    SectorOnChainInfoFlags, SectorPreCommitOnChainInfo, State, ERR_BALANCE_INVARIANTS_BROKEN,
};
use fil_actors_shared::v18::builtin::reward::ThisEpochRewardReturn;
use fil_actors_shared::v18::ActorError;
use fvm_ipld_blockstore::Blockstore;
use fvm_shared::bigint::BigInt;
use fvm_shared::econ::TokenAmount;
use fvm_shared::sector::SectorNumber;

/// Turns proven pre-commits into sectors: computes each one's QA power, daily fee
/// and initial pledge, assigns the sectors to deadlines (unproven until their first
/// Window PoSt), releases the pre-commit deposits and locks the pledge.
pub(super) fn activate_sectors<BS: Blockstore>(
    rt: &mut Runtime<'_, '_, BS>,
    proven: &[&SectorPreCommitOnChainInfo],
    rew: &ThisEpochRewardReturn,
    pwr: &CurrentTotalPowerReturn,
    info: &MinerInfo,
) -> Result<(), ActorError> {
    let epoch = rt.curr_epoch();
    let circ = rt.total_fil_circ_supply();
    let total_pledge = rt.transaction(|st: &mut State, rt| {
        let policy = rt.policy();
        let mut numbers: Vec<SectorNumber> = Vec::with_capacity(proven.len());
        let mut sectors = Vec::with_capacity(proven.len());
        let mut deposits = TokenAmount::default();
        let mut total_pledge = TokenAmount::default();
        for pc in proven {
            let duration = pc.info.expiration - epoch;
            if duration < policy.min_sector_expiration {
                return Err(ActorError::illegal_argument(format!(
                    "precommit {} has lifetime {duration} less than minimum {}",
                    pc.info.sector_number, policy.min_sector_expiration
                )));
            }
            let power = qa_power_for_weight(info.sector_size, duration, &BigInt::default());
            let initial_pledge = initial_pledge_for_power(
                &power,
                &rew.this_epoch_baseline_power,
                &rew.this_epoch_reward_smoothed,
                &pwr.quality_adj_power_smoothed,
                &circ,
                epoch - pwr.ramp_start_epoch,
                pwr.ramp_duration_epochs,
            );
            deposits += &pc.pre_commit_deposit;
            total_pledge += &initial_pledge;
            numbers.push(pc.info.sector_number);
            sectors.push(SectorOnChainInfo {
                sector_number: pc.info.sector_number,
                seal_proof: pc.info.seal_proof,
                sealed_cid: pc.info.sealed_cid,
                deprecated_deal_ids: vec![],
                expiration: pc.info.expiration,
                activation: epoch,
                deal_weight: BigInt::default(),
                verified_deal_weight: BigInt::default(),
                initial_pledge,
                expected_day_reward: None,
                expected_storage_pledge: None,
                power_base_epoch: epoch,
                replaced_day_reward: None,
                sector_key_cid: None,
                flags: SectorOnChainInfoFlags::SIMPLE_QA_POWER,
                daily_fee: daily_proof_fee(policy, &circ, &power),
            });
        }
        st.put_sectors(rt.store(), sectors.clone())
            .map_err(|e| illegal(e, "failed to put new sectors"))?;
        st.delete_precommitted_sectors(rt.store(), &numbers)?;
        st.assign_sectors_to_deadlines(
            policy,
            rt.store(),
            epoch,
            sectors,
            info.window_post_partition_sectors,
            info.sector_size,
        )
        .map_err(|e| illegal(e, "failed to assign new sectors to deadlines"))?;
        // The released deposits become available to pay the pledge.
        st.add_pre_commit_deposit(&-deposits).map_err(|e| {
            ActorError::illegal_state(format!("failed to add precommit deposit: {e}"))
        })?;
        let balance = rt.current_balance();
        let unlocked = st.get_unlocked_balance(&balance).map_err(|e| {
            ActorError::illegal_state(format!("failed to calculate unlocked balance: {e}"))
        })?;
        if unlocked < total_pledge {
            return Err(ActorError::insufficient_funds(format!(
                "insufficient funds for aggregate initial pledge requirement {total_pledge}, available: {unlocked}"
            )));
        }
        st.add_initial_pledge(&total_pledge).map_err(|e| {
            ActorError::illegal_state(format!("failed to add initial pledge: {e}"))
        })?;
        st.check_balance_invariants(&balance).map_err(|e| {
            ActorError::unchecked(
                ERR_BALANCE_INVARIANTS_BROKEN,
                format!("balance invariants broken: {e}"),
            )
        })?;
        Ok(total_pledge)
    })?;
    notify_pledge_changed(rt, &total_pledge)
}
