//! Sector prove-commitment (`ProveCommitSectors3`) of committed-capacity sectors:
//! pre-commit validation, seal proof verification (one proof per sector, or one
//! aggregate), and activation into deadlines with their initial pledge. Power is
//! claimed at the sector's first Window PoSt, as in builtin-actors.

use super::activate::activate_sectors;
use super::control::controlling;
use super::precommit::prove_commit_duration;
use super::{current_total_power, get_info, receiver_entropy};
use crate::actors::{request_this_epoch_reward, ret, MethodResult};
use crate::runtime::Runtime;
use fil_actor_miner_state::v18::{
    CompactCommD, ProveCommitSectors3Params, ProveCommitSectors3Return, SectorPreCommitOnChainInfo,
    State,
};
use fil_actors_shared::v18::runtime::DomainSeparationTag;
use fil_actors_shared::v18::{stack, ActorError, BatchReturn, BatchReturnGen, EventBuilder};
use fvm_ipld_blockstore::Blockstore;
use fvm_ipld_encoding::RawBytes;
use fvm_shared::error::ExitCode;
use fvm_shared::randomness::Randomness;
use fvm_shared::sector::RegisteredSealProof;
use fvm_shared::sector::{
    AggregateSealVerifyInfo, AggregateSealVerifyProofAndInfos, RegisteredAggregateProof,
    SealVerifyInfo, SectorID,
};

/// `ProveCommitSectors3` (34): proves pre-committed sectors and activates them.
/// Sectors with pieces are refused: padma activates committed-capacity sectors
/// only (no deal, allocation-claim or notification support yet).
pub fn prove_commit_sectors3<BS: Blockstore>(
    rt: &mut Runtime<'_, '_, BS>,
    prm: ProveCommitSectors3Params,
) -> MethodResult {
    let st: State = rt.state()?;
    let info = get_info(rt, &st)?;
    rt.validate_immediate_caller_is(&controlling(&info))?;
    if let Some(a) = prm.sector_activations.iter().find(|a| !a.pieces.is_empty()) {
        return Err(ActorError::illegal_argument(format!(
            "sector {}: padma's miner actor activates committed-capacity sectors only; \
             piece manifests (deals, verified allocations, notifications) are not supported",
            a.sector_number
        )));
    }
    let precommits = st
        .get_precommitted_sectors(
            rt.store(),
            prm.sector_activations.iter().map(|a| a.sector_number),
        )
        .map_err(|e| e.wrap("loading precommits"))?;
    if precommits.is_empty() {
        return Err(ActorError::illegal_argument("no sectors to prove".into()));
    }
    check_proof_shape(rt, &prm, &precommits)?;

    let (validation, inputs) =
        validate_precommits(rt, &precommits, prm.require_activation_success)?;
    if validation.success_count == 0 {
        return Err(ActorError::illegal_argument(
            "no valid precommits specified".into(),
        ));
    }
    let valid = validation.successes(&precommits);
    let miner = rt.receiver_id();
    let mut proven: Vec<&SectorPreCommitOnChainInfo> = Vec::new();
    let mut gen = BatchReturnGen::new(valid.len());
    if !prm.sector_proofs.is_empty() {
        let svis: Vec<SealVerifyInfo> = validation
            .successes(&inputs)
            .into_iter()
            .zip(validation.successes(&prm.sector_proofs))
            .map(|(i, proof)| i.seal_verify_info(miner, proof))
            .collect();
        let verdicts = rt
            .batch_verify_seals(&svis)
            .map_err(|e| ActorError::illegal_argument(format!("failed to batch verify: {e}")))?;
        for (ok, pc) in verdicts.iter().zip(valid) {
            if *ok {
                proven.push(pc);
                gen.add_success();
            } else if prm.require_activation_success {
                return Err(ActorError::illegal_argument(format!(
                    "invalid proof for sector {} while requiring activation success",
                    pc.info.sector_number
                )));
            } else {
                gen.add_fail(ExitCode::USR_ILLEGAL_ARGUMENT);
            }
        }
    } else {
        // Every pre-commit, valid or not, is a witness of the aggregate.
        let agg = AggregateSealVerifyProofAndInfos {
            miner,
            seal_proof: first_seal_proof(&precommits)?,
            aggregate_proof: RegisteredAggregateProof::SnarkPackV2,
            proof: prm.aggregate_proof.to_vec(),
            infos: inputs.iter().map(ProofInput::aggregate_info).collect(),
        };
        rt.verify_aggregate_seals(&agg).map_err(|e| {
            ActorError::illegal_argument(format!("aggregate seal verify failed: {e}"))
        })?;
        gen.add_successes(valid.len());
        proven = valid;
    }
    let proven_batch = gen.generate();
    if proven_batch.success_count == 0 {
        return Err(ActorError::illegal_argument(
            "no valid proofs specified".into(),
        ));
    }
    // With no pieces, the sector's data commitment must be the zero CommD.
    for pc in &proven {
        let declared = pc.info.unsealed_cid.get_cid(pc.info.seal_proof)?;
        if declared != CompactCommD::empty().get_cid(pc.info.seal_proof)? {
            return Err(ActorError::illegal_argument(format!(
                "unsealed CID does not match pieces for sector {}: declared {declared}, no pieces",
                pc.info.sector_number
            )));
        }
    }
    let data_batch = BatchReturn::ok(proven.len() as u32);

    let rew = request_this_epoch_reward(rt, "failed to check epoch reward")?;
    let pwr = current_total_power(rt)?;
    activate_sectors(rt, &proven, &rew, &pwr, &info)?;
    for pc in &proven {
        let e = EventBuilder::new()
            .typ("sector-activated")
            .field_indexed("sector", &pc.info.sector_number)
            .field_indexed("unsealed-cid", &pc.info.unsealed_cid.0)
            .build()?;
        rt.emit_event(&e)?;
    }
    ret(&ProveCommitSectors3Return {
        activation_results: stack(&[validation, proven_batch, data_batch]),
    })
}

/// Exactly one of per-sector proofs (each within the proof size) or an aggregate
/// (SnarkPackV2, within the policy's sector count and size bounds).
fn check_proof_shape<BS: Blockstore>(
    rt: &Runtime<'_, '_, BS>,
    prm: &ProveCommitSectors3Params,
    precommits: &[SectorPreCommitOnChainInfo],
) -> Result<(), ActorError> {
    if prm.sector_proofs.is_empty() == prm.aggregate_proof.is_empty() {
        return Err(ActorError::illegal_argument(
            "exactly one of sector proofs or aggregate proof must be non-empty".into(),
        ));
    }
    if !prm.sector_proofs.is_empty() {
        if prm.aggregate_proof_type.is_some() {
            return Err(ActorError::illegal_argument(
                "aggregate proof type must be null with batched proofs".into(),
            ));
        }
        if prm.sector_activations.len() != prm.sector_proofs.len() {
            return Err(ActorError::illegal_argument(format!(
                "mismatched lengths: {} sector activations, {} proofs",
                prm.sector_activations.len(),
                prm.sector_proofs.len()
            )));
        }
        let proof = first_seal_proof(precommits)?;
        let max = proof.proof_size().map_err(|e| {
            ActorError::illegal_state(format!(
                "failed to determine max proof size for {proof:?}: {e}"
            ))
        })?;
        if let Some(p) = prm.sector_proofs.iter().find(|p| p.len() > max) {
            return Err(ActorError::illegal_argument(format!(
                "sector proof size {} exceeds max {max}",
                p.len()
            )));
        }
        return Ok(());
    }
    if prm.aggregate_proof_type != Some(RegisteredAggregateProof::SnarkPackV2) {
        return Err(ActorError::illegal_argument(
            "aggregate proof type must be SnarkPackV2".into(),
        ));
    }
    let policy = rt.policy();
    let n = prm.sector_activations.len() as u64;
    if n > policy.max_aggregated_sectors || n < policy.min_aggregated_sectors {
        return Err(ActorError::illegal_argument(format!(
            "{n} sectors addressed, want {} to {}",
            policy.min_aggregated_sectors, policy.max_aggregated_sectors
        )));
    }
    if prm.aggregate_proof.len() > policy.max_aggregated_proof_size {
        return Err(ActorError::illegal_argument(format!(
            "sector prove-commit proof of size {} exceeds max size of {}",
            prm.aggregate_proof.len(),
            policy.max_aggregated_proof_size
        )));
    }
    Ok(())
}

/// The public inputs of one sector's seal proof.
struct ProofInput {
    pc: SectorPreCommitOnChainInfo,
    randomness: Randomness,
    interactive_randomness: Randomness,
    unsealed_cid: cid::Cid,
}

impl ProofInput {
    fn seal_verify_info(&self, miner: u64, proof: &RawBytes) -> SealVerifyInfo {
        SealVerifyInfo {
            registered_proof: self.pc.info.seal_proof,
            sector_id: SectorID {
                miner,
                number: self.pc.info.sector_number,
            },
            deal_ids: vec![],
            randomness: self.randomness.clone(),
            interactive_randomness: self.interactive_randomness.clone(),
            proof: proof.to_vec(),
            sealed_cid: self.pc.info.sealed_cid,
            unsealed_cid: self.unsealed_cid,
        }
    }

    fn aggregate_info(&self) -> AggregateSealVerifyInfo {
        AggregateSealVerifyInfo {
            sector_number: self.pc.info.sector_number,
            randomness: self.randomness.clone(),
            interactive_randomness: self.interactive_randomness.clone(),
            sealed_cid: self.pc.info.sealed_cid,
            unsealed_cid: self.unsealed_cid,
        }
    }
}

/// Checks each pre-commit may be proven now (not late, no deals) and draws its seal
/// randomness (tickets, `SealRandomness` at the seal epoch) and interactive
/// randomness (beacon, `InteractiveSealChallengeSeed` at pre-commit epoch +
/// challenge delay). Returns proof inputs for all of them, valid or not.
/// The seal proof type of a batch of pre-commits (they share one).
fn first_seal_proof(
    precommits: &[SectorPreCommitOnChainInfo],
) -> Result<RegisteredSealProof, ActorError> {
    precommits
        .first()
        .map(|pc| pc.info.seal_proof)
        .ok_or_else(|| ActorError::illegal_argument("no sectors to prove".into()))
}

fn validate_precommits<BS: Blockstore>(
    rt: &Runtime<'_, '_, BS>,
    precommits: &[SectorPreCommitOnChainInfo],
    all_or_nothing: bool,
) -> Result<(BatchReturn, Vec<ProofInput>), ActorError> {
    let entropy = receiver_entropy(rt)?;
    let epoch = rt.curr_epoch();
    let mut batch = BatchReturnGen::new(precommits.len());
    let mut inputs = Vec::with_capacity(precommits.len());
    let mut previous: Option<&SectorPreCommitOnChainInfo> = None;
    for (i, pc) in precommits.iter().enumerate() {
        let due = pc.pre_commit_epoch + prove_commit_duration(rt.policy(), pc.info.seal_proof)?;
        let invalid = !pc.info.deal_ids.is_empty() || epoch > due;
        if let Some(prev) = previous.filter(|p| p.info.seal_proof != pc.info.seal_proof) {
            return Err(ActorError::illegal_state(format!(
                "seal proof group for verification contains mismatched seal proofs {:?} and {:?}",
                prev.info.seal_proof, pc.info.seal_proof
            )));
        }
        previous = Some(pc);
        let interactive_epoch = pc.pre_commit_epoch + rt.policy().pre_commit_challenge_delay;
        if epoch <= interactive_epoch {
            return Err(ActorError::forbidden("too early to prove sector".into()));
        }
        let randomness = rt.get_randomness_from_tickets(
            DomainSeparationTag::SealRandomness,
            pc.info.seal_rand_epoch,
            &entropy,
        )?;
        let interactive = rt.get_randomness_from_beacon(
            DomainSeparationTag::InteractiveSealChallengeSeed,
            interactive_epoch,
            &entropy,
        )?;
        inputs.push(ProofInput {
            pc: pc.clone(),
            randomness: Randomness(randomness.to_vec()),
            interactive_randomness: Randomness(interactive.to_vec()),
            unsealed_cid: pc.info.unsealed_cid.get_cid(pc.info.seal_proof)?,
        });
        if !invalid {
            batch.add_success();
        } else if all_or_nothing {
            return Err(ActorError::illegal_argument(format!(
                "invalid pre-commit {i} (sector {}, due {due}) while requiring activation success",
                pc.info.sector_number
            )));
        } else {
            batch.add_fail(ExitCode::USR_ILLEGAL_ARGUMENT);
        }
    }
    Ok((batch.generate(), inputs))
}
