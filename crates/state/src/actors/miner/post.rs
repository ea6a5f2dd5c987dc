//! Window PoSt submission (`SubmitWindowedPoSt`).
//!
//! builtin-actors v18 verifies a PoSt at submission only when it recovers power,
//! and otherwise records it for optimistic acceptance (disputable for a window).
//! padma verifies every PoSt at submission, so an invalid proof is refused at once;
//! it still records the proofs as v18 does (`optimistic_post_submissions`), so the
//! deadline state is the same as builtin-actors' for every accepted proof.

use super::control::controlling;
use super::cron::{illegal, update_power};
use super::funds::check_invariants;
use super::{check_valid_post_proof_type, get_info, receiver_entropy};
use crate::actors::MethodResult;
use crate::runtime::Runtime;
use fil_actor_miner_state::v18::{
    load_partitions_sectors_max, SectorOnChainInfo, Sectors, State, SubmitWindowedPoStParams,
};
use fil_actors_shared::v18::runtime::DomainSeparationTag;
use fil_actors_shared::v18::{ActorDowncast, ActorError};
use fvm_ipld_blockstore::Blockstore;
use fvm_shared::clock::ChainEpoch;
use fvm_shared::error::ExitCode;
use fvm_shared::randomness::{Randomness, RANDOMNESS_LENGTH};
use fvm_shared::sector::{PoStProof, SectorInfo, WindowPoStVerifyInfo};

/// `SubmitWindowedPoSt` (5): proves the partitions of the current deadline,
/// recording skipped sectors as faults and recovering declared recoveries. Owner,
/// worker or control address.
pub fn submit_windowed_post<BS: Blockstore>(
    rt: &mut Runtime<'_, '_, BS>,
    mut prm: SubmitWindowedPoStParams,
) -> MethodResult {
    let epoch = rt.curr_epoch();
    if prm.proofs.len() != 1 {
        return Err(ActorError::illegal_argument(format!(
            "expected exactly one proof, got {}",
            prm.proofs.len()
        )));
    }
    let proof_type = match prm.proofs.first() {
        Some(p) => p.post_proof,
        None => return Err(ActorError::illegal_argument("no proof".into())),
    };
    check_valid_post_proof_type(rt.policy(), proof_type).map_err(|_| {
        ActorError::illegal_argument(format!("proof type {proof_type:?} not allowed"))
    })?;
    if prm.deadline >= rt.policy().wpost_period_deadlines {
        return Err(ActorError::illegal_argument(format!(
            "invalid deadline {} of {}",
            prm.deadline,
            rt.policy().wpost_period_deadlines
        )));
    }
    if prm.chain_commit_rand.0.len() > RANDOMNESS_LENGTH {
        return Err(ActorError::illegal_argument(format!(
            "expected at most {RANDOMNESS_LENGTH} bytes of randomness, got {}",
            prm.chain_commit_rand.0.len()
        )));
    }
    let power_delta = rt.transaction(|st: &mut State, rt| {
        let policy = rt.policy();
        let info = get_info(rt, st)?;
        rt.validate_immediate_caller_is(&controlling(&info))?;
        let Some(proof) = prm.proofs.first() else {
            return Err(ActorError::illegal_argument("no proof".into()));
        };
        if proof.post_proof != info.window_post_proof_type {
            return Err(ActorError::illegal_argument(format!(
                "expected proof of type {:?}, got {:?}",
                info.window_post_proof_type, proof.post_proof
            )));
        }
        let max_size = info.window_post_proof_type.proof_size().map_err(|e| {
            ActorError::illegal_state(format!(
                "failed to determine max window post proof size: {e}"
            ))
        })? * prm.partitions.len();
        if proof.proof_bytes.len() > max_size {
            return Err(ActorError::illegal_argument(format!(
                "expected proof to be smaller than {max_size} bytes"
            )));
        }
        let limit = load_partitions_sectors_max(policy, info.window_post_partition_sectors)
            .min(policy.posted_partitions_max);
        if prm.partitions.len() as u64 > limit {
            return Err(ActorError::illegal_argument(format!(
                "too many partitions {}, limit {limit}",
                prm.partitions.len()
            )));
        }
        let dl = st.deadline_info(policy, epoch);
        // Fails only if cron has not run for a whole proving period.
        if !dl.is_open() {
            return Err(ActorError::illegal_state(format!(
                "proving period {} not yet open at {epoch}",
                dl.period_start
            )));
        }
        if prm.deadline != dl.index {
            return Err(ActorError::illegal_argument(format!(
                "invalid deadline {} at epoch {epoch}, expected {}",
                prm.deadline, dl.index
            )));
        }
        if prm.chain_commit_epoch < dl.challenge {
            return Err(ActorError::illegal_argument(format!(
                "expected chain commit epoch {} to be after {}",
                prm.chain_commit_epoch, dl.challenge
            )));
        }
        if prm.chain_commit_epoch >= epoch {
            return Err(ActorError::illegal_argument(format!(
                "chain commit epoch {} must be less than the current epoch {epoch}",
                prm.chain_commit_epoch
            )));
        }
        let comm_rand = rt.get_randomness_from_tickets(
            DomainSeparationTag::PoStChainCommit,
            prm.chain_commit_epoch,
            &[],
        )?;
        if comm_rand[..] != prm.chain_commit_rand.0[..] {
            return Err(ActorError::illegal_argument(
                "post commit randomness mismatched".into(),
            ));
        }

        let sectors = Sectors::load(rt.store(), &st.sectors).map_err(|e| {
            e.downcast_default(ExitCode::USR_ILLEGAL_STATE, "failed to load sectors")
        })?;
        let mut deadlines = st.load_deadlines(rt.store())?;
        let mut deadline = deadlines.load_deadline(rt.store(), prm.deadline)?;
        let fault_expiration = dl.last() + policy.fault_max_age;
        let res = deadline
            .record_proven_sectors(
                rt.store(),
                &sectors,
                info.sector_size,
                dl.quant_spec(),
                fault_expiration,
                &mut prm.partitions,
            )
            .map_err(|e| {
                illegal(
                    e,
                    &format!(
                        "failed to process post submission for deadline {}",
                        prm.deadline
                    ),
                )
            })?;
        if (&res.sectors - &res.ignored_sectors).is_empty() {
            return Err(ActorError::illegal_argument(
                "cannot prove partitions with no active sectors".into(),
            ));
        }
        // Faulty, unrecovered sectors are replaced by a good one in the challenge set.
        let challenged = sectors
            .load_for_proof(&res.sectors, &res.ignored_sectors)
            .map_err(|e| illegal(e, "failed to load sectors for post verification"))?;
        if !verify_windowed_post(rt, dl.challenge, &challenged, prm.proofs.clone())? {
            return Err(ActorError::illegal_argument(
                "invalid post was submitted".into(),
            ));
        }
        if res.recovered_power.is_zero() {
            deadline
                .record_post_proofs(rt.store(), &res.partitions, &prm.proofs)
                .map_err(|e| illegal(e, "failed to record proof for optimistic verification"))?;
        }
        deadlines
            .update_deadline(policy, rt.store(), prm.deadline, &deadline)
            .map_err(|e| illegal(e, &format!("failed to update deadline {}", prm.deadline)))?;
        st.save_deadlines(rt.store(), deadlines)
            .map_err(|e| illegal(e, "failed to save deadlines"))?;
        Ok(res.power_delta)
    })?;
    // Recovered sectors regain power and skipped ones lose it now, not at deadline end.
    update_power(rt, power_delta)?;
    check_invariants(rt)?;
    Ok(None)
}

/// Verifies a Window PoSt over `sectors` with the challenge drawn from the beacon
/// (`WindowedPoStChallengeSeed` at `challenge_epoch`, entropy the miner's address);
/// `Ok(false)` for an invalid proof.
fn verify_windowed_post<BS: Blockstore>(
    rt: &Runtime<'_, '_, BS>,
    challenge_epoch: ChainEpoch,
    sectors: &[SectorOnChainInfo],
    proofs: Vec<PoStProof>,
) -> Result<bool, ActorError> {
    let entropy = receiver_entropy(rt)?;
    let randomness = rt.get_randomness_from_beacon(
        DomainSeparationTag::WindowedPoStChallengeSeed,
        challenge_epoch,
        &entropy,
    )?;
    let info = WindowPoStVerifyInfo {
        randomness: Randomness(randomness.to_vec()),
        proofs,
        challenged_sectors: sectors
            .iter()
            .map(|s| SectorInfo {
                proof: s.seal_proof,
                sector_number: s.sector_number,
                sealed_cid: s.sealed_cid,
            })
            .collect(),
        prover: rt.receiver_id(),
    };
    Ok(rt.verify_post(&info).is_ok())
}
