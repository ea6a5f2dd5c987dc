//! Sector pre-commitment (`PreCommitSectorBatch2`): per-sector validation, the
//! pre-commit deposit, sector-number allocation, the expiry clean-up queue and the
//! activation of the miner's deadline cron.

use super::control::controlling;
use super::cron::{enroll, illegal};
use super::funds::{burn, check_invariants};
use super::{current_total_power, get_info};
use crate::actors::{request_this_epoch_reward, MethodResult};
use crate::runtime::Runtime;
use fil_actor_miner_state::v18::{
    can_pre_commit_seal_proof, is_sealed_sector, is_unsealed_sector, max_prove_commit_duration,
    pre_commit_deposit_for_power, qa_power_max, seal_proof_sector_maximum_lifetime,
    CollisionPolicy, PreCommitSectorBatchParams2, SectorPreCommitInfo, SectorPreCommitOnChainInfo,
    State, CRON_EVENT_PROVING_DEADLINE,
};
use fil_actors_shared::v18::runtime::policy_constants::MAX_SECTOR_NUMBER;
use fil_actors_shared::v18::runtime::Policy;
use fil_actors_shared::v18::{ActorError, EventBuilder};
use fvm_ipld_bitfield::BitField;
use fvm_ipld_blockstore::Blockstore;
use fvm_shared::clock::ChainEpoch;
use fvm_shared::econ::TokenAmount;
use fvm_shared::sector::RegisteredSealProof;

/// `PreCommitSectorBatch2` (28): records pre-commitments of sealed sectors, locking
/// a deposit for each from the available balance. Owner, worker or control address.
pub fn pre_commit_sector_batch2<BS: Blockstore>(
    rt: &mut Runtime<'_, '_, BS>,
    prm: PreCommitSectorBatchParams2,
) -> MethodResult {
    let epoch = rt.curr_epoch();
    if prm.sectors.is_empty() {
        return Err(ActorError::illegal_argument("batch empty".into()));
    }
    let policy = rt.policy().clone();
    let mut numbers = BitField::new();
    for pc in &prm.sectors {
        if numbers.get(pc.sector_number) {
            return Err(ActorError::illegal_argument(format!(
                "duplicate sector number {}",
                pc.sector_number
            )));
        }
        validate_precommit(&policy, epoch, pc)?;
        numbers.set(pc.sector_number);
    }
    let rew = request_this_epoch_reward(rt, "failed to check epoch reward")?;
    let pwr = current_total_power(rt)?;

    let (fee_to_burn, needs_cron) = rt.transaction(|st: &mut State, rt| {
        let balance = rt.current_balance();
        // The available balance already nets out fee debt, so it is read before
        // the debt is repaid.
        let available = st.get_available_balance(&balance).map_err(|e| {
            ActorError::illegal_state(format!("failed to calculate available balance: {e}"))
        })?;
        let fee_to_burn = st
            .repay_debts(&balance)
            .map_err(|e| illegal(e, "unlocked balance can not repay fee debt"))?;
        let info = get_info(rt, st)?;
        rt.validate_immediate_caller_is(&controlling(&info))?;
        if epoch <= info.consensus_fault_elapsed {
            return Err(ActorError::forbidden(
                "pre-commit not allowed during active consensus fault".into(),
            ));
        }
        // Every sector deposits for the maximum QA power a sector of its size can have.
        let deposit = pre_commit_deposit_for_power(
            &rew.this_epoch_reward_smoothed,
            &pwr.quality_adj_power_smoothed,
            &qa_power_max(info.sector_size),
        );
        let mut on_chain = Vec::with_capacity(prm.sectors.len());
        let mut clean_ups = Vec::with_capacity(prm.sectors.len());
        let mut total = TokenAmount::default();
        for pc in &prm.sectors {
            let post = pc.seal_proof.registered_window_post_proof().map_err(|_| {
                ActorError::illegal_argument(format!(
                    "no Window PoSt proof type for seal proof {:?}",
                    pc.seal_proof
                ))
            })?;
            if post != info.window_post_proof_type {
                return Err(ActorError::illegal_argument(format!(
                    "sector Window PoSt proof type {post:?} must match the miner's {:?} (seal proof {:?})",
                    info.window_post_proof_type, pc.seal_proof
                )));
            }
            let seal_duration = prove_commit_duration(&policy, pc.seal_proof)?;
            clean_ups.push((
                epoch + seal_duration + policy.expired_pre_commit_clean_up_delay,
                pc.sector_number,
            ));
            total += &deposit;
            on_chain.push(SectorPreCommitOnChainInfo {
                info: pc.clone(),
                pre_commit_deposit: deposit.clone(),
                pre_commit_epoch: epoch,
            });
        }
        if available < total {
            return Err(ActorError::insufficient_funds(format!(
                "insufficient funds {available} for pre-commit deposit: {total}"
            )));
        }
        st.add_pre_commit_deposit(&total).map_err(|e| {
            ActorError::illegal_state(format!("failed to add pre-commit deposit {total}: {e}"))
        })?;
        st.allocate_sector_numbers(rt.store(), &numbers, CollisionPolicy::DenyCollisions)?;
        st.put_precommitted_sectors(rt.store(), on_chain)
            .map_err(|e| illegal(e, "failed to write pre-committed sectors"))?;
        st.add_pre_commit_clean_ups(&policy, rt.store(), clean_ups)
            .map_err(|e| illegal(e, "failed to add pre-commit expiry to queue"))?;
        let needs_cron = !st.deadline_cron_active;
        st.deadline_cron_active = true;
        Ok((fee_to_burn, needs_cron))
    })?;
    for sector in numbers.iter() {
        let e = EventBuilder::new()
            .typ("sector-precommitted")
            .field_indexed("sector", &sector)
            .build()?;
        rt.emit_event(&e)?;
    }
    burn(rt, fee_to_burn)?;
    check_invariants(rt)?;
    if needs_cron {
        let st: State = rt.state()?;
        let last = st.deadline_info(&policy, epoch).last();
        enroll(rt, last, CRON_EVENT_PROVING_DEADLINE)?;
    }
    Ok(None)
}

/// The longest a sector of `proof` may take from pre-commit to prove-commit.
pub(super) fn prove_commit_duration(
    policy: &Policy,
    proof: RegisteredSealProof,
) -> Result<ChainEpoch, ActorError> {
    max_prove_commit_duration(policy, proof).ok_or_else(|| {
        ActorError::illegal_argument(format!("no max seal duration set for proof type {proof:?}"))
    })
}

/// The checks on one pre-commitment that need no state: proof type, sector number,
/// CommR/CommD shape, seal randomness epoch window, expiration bounds, deals.
fn validate_precommit(
    policy: &Policy,
    epoch: ChainEpoch,
    pc: &SectorPreCommitInfo,
) -> Result<(), ActorError> {
    if !can_pre_commit_seal_proof(policy, pc.seal_proof) {
        return Err(ActorError::illegal_argument(format!(
            "unsupported seal proof type {:?}",
            pc.seal_proof
        )));
    }
    if pc.sector_number > MAX_SECTOR_NUMBER {
        return Err(ActorError::illegal_argument(format!(
            "sector number {} out of range 0..(2^63-1)",
            pc.sector_number
        )));
    }
    if !is_sealed_sector(&pc.sealed_cid) {
        return Err(ActorError::illegal_argument(
            "sealed CID had wrong prefix".into(),
        ));
    }
    if pc.seal_rand_epoch >= epoch {
        return Err(ActorError::illegal_argument(format!(
            "seal challenge epoch {} must be before now {epoch}",
            pc.seal_rand_epoch
        )));
    }
    let earliest = epoch - policy.max_pre_commit_randomness_lookback;
    if pc.seal_rand_epoch < earliest {
        return Err(ActorError::illegal_argument(format!(
            "seal challenge epoch {} too old, must be after {earliest}",
            pc.seal_rand_epoch
        )));
    }
    if let Some(commd) = &pc.unsealed_cid.0 {
        if !is_unsealed_sector(commd) {
            return Err(ActorError::illegal_argument(
                "unsealed CID had wrong prefix".into(),
            ));
        }
    }
    if !pc.deal_ids.is_empty() {
        return Err(ActorError::illegal_argument(format!(
            "sector {}: pre-committed deal IDs are not supported by padma's market actor \
             (pre-commit committed-capacity sectors)",
            pc.sector_number
        )));
    }
    // The lifetime is checked as if activation came at the last epoch the seal
    // proof allows.
    let latest_activation = epoch + max_prove_commit_duration(policy, pc.seal_proof).unwrap_or(0);
    validate_expiration(
        policy,
        epoch,
        latest_activation,
        pc.expiration,
        pc.seal_proof,
    )
}

/// Checks a sector's expiration against its activation: after it, at least the
/// minimum lifetime, within the extension limit from now and the proof's maximum.
pub(super) fn validate_expiration(
    policy: &Policy,
    epoch: ChainEpoch,
    activation: ChainEpoch,
    expiration: ChainEpoch,
    proof: RegisteredSealProof,
) -> Result<(), ActorError> {
    if expiration <= activation {
        return Err(ActorError::illegal_argument(format!(
            "sector expiration {expiration} must be after activation {activation}"
        )));
    }
    let lifetime = expiration - activation;
    if lifetime < policy.min_sector_expiration {
        return Err(ActorError::illegal_argument(format!(
            "invalid expiration {expiration}, total sector lifetime ({lifetime}) must exceed {} after activation {activation}",
            policy.min_sector_expiration
        )));
    }
    if expiration > epoch + policy.max_sector_expiration_extension {
        return Err(ActorError::illegal_argument(format!(
            "invalid expiration {expiration}, cannot be more than {} past current epoch {epoch}",
            policy.max_sector_expiration_extension
        )));
    }
    let max_lifetime = seal_proof_sector_maximum_lifetime(proof).ok_or_else(|| {
        ActorError::illegal_argument(format!("unrecognized seal proof type {proof:?}"))
    })?;
    if lifetime > max_lifetime {
        return Err(ActorError::illegal_argument(format!(
            "invalid expiration {expiration}, total sector lifetime ({lifetime}) cannot exceed {max_lifetime} after activation {activation}"
        )));
    }
    Ok(())
}
