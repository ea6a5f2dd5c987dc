//! The storage power actor (f04): creates miners, tracks their claimed power and
//! the network totals, runs deferred miner cron events, and drives the reward
//! actor's per-epoch update.

use super::{decode_return, ids};
use super::{
    method, no_params, params, request_this_epoch_reward, ret, send_result, unhandled, MethodResult,
};
use crate::code::ActorKind;
use crate::runtime::Runtime;
use fil_actor_power_state::v18::ext::init::{ExecParams, ExecReturn};
use fil_actor_power_state::v18::ext::miner::{DeferredCronEventParams, MinerConstructorParams};
use fil_actor_power_state::v18::{
    consensus_miner_min_power, epoch_key, set_claim, Claim, ClaimsMap, CreateMinerParams,
    CreateMinerReturn, CronEvent, CurrentTotalPowerReturn, EnrollCronEventParams,
    MinerConsensusCountReturn, MinerCountReturn, MinerPowerParams, MinerPowerReturn,
    MinerRawPowerParams, MinerRawPowerReturn, NetworkRawPowerReturn, State,
    UpdateClaimedPowerParams, CRON_QUEUE_AMT_BITWIDTH, CRON_QUEUE_HAMT_BITWIDTH,
};
use fil_actors_shared::v18::builtin::reward::smooth::{
    AlphaBetaFilter, DEFAULT_ALPHA, DEFAULT_BETA,
};
use fil_actors_shared::v18::builtin::reward::ThisEpochRewardReturn;
use fil_actors_shared::v18::runtime::Policy;
use fil_actors_shared::v18::{ActorError, Multimap};
use fvm_ipld_blockstore::Blockstore;
use fvm_ipld_encoding::ipld_block::IpldBlock;
use fvm_ipld_encoding::RawBytes;
use fvm_shared::address::Address;
use fvm_shared::bigint::bigint_ser::BigIntSer;
use fvm_shared::clock::ChainEpoch;
use fvm_shared::econ::TokenAmount;
use fvm_shared::sector::{RegisteredPoStProof, StoragePower};
use fvm_shared::MethodNum;
use num_traits::Signed;

/// Dispatches a call to the power actor.
pub fn invoke<BS: Blockstore>(
    rt: &mut Runtime<'_, '_, BS>,
    m: MethodNum,
    p: Option<IpldBlock>,
) -> MethodResult {
    use method::power::*;
    match m {
        method::CONSTRUCTOR => {
            super::constructor_no_params(rt, p)?;
            let st = State::new(rt.store())
                .map_err(|e| ActorError::illegal_state(format!("failed to create state: {e}")))?;
            rt.create(&st)?;
            Ok(None)
        }
        CREATE_MINER | CREATE_MINER_EXPORTED => create_miner(rt, params(p)?),
        UPDATE_CLAIMED_POWER => {
            let prm: UpdateClaimedPowerParams = params(p)?;
            rt.validate_immediate_caller_type(&[ActorKind::StorageMiner])?;
            let miner = rt.caller();
            rt.transaction(|st: &mut State, rt| {
                let mut claims = st.load_claims(rt.store())?;
                add_to_claim(
                    st,
                    rt.policy(),
                    &mut claims,
                    &miner,
                    &prm.raw_byte_delta,
                    &prm.quality_adjusted_delta,
                )?;
                st.save_claims(&mut claims)
            })?;
            Ok(None)
        }
        ENROLL_CRON_EVENT => {
            let prm: EnrollCronEventParams = params(p)?;
            rt.validate_immediate_caller_type(&[ActorKind::StorageMiner])?;
            let event = CronEvent {
                miner_addr: rt.caller(),
                callback_payload: prm.payload,
            };
            if prm.event_epoch < 0 {
                return Err(ActorError::illegal_argument(format!(
                    "cron event epoch {} cannot be less than zero",
                    prm.event_epoch
                )));
            }
            rt.transaction(|st: &mut State, rt| {
                let mut q = load_queue(rt.store(), &st.cron_event_queue)?;
                if prm.event_epoch < st.first_cron_epoch {
                    st.first_cron_epoch = prm.event_epoch;
                }
                q.add(epoch_key(prm.event_epoch), event).map_err(|e| {
                    ActorError::illegal_state(format!("failed to enroll cron event: {e}"))
                })?;
                st.cron_event_queue = q.root().map_err(|e| {
                    ActorError::illegal_state(format!("failed to flush cron events: {e}"))
                })?;
                Ok(())
            })?;
            Ok(None)
        }
        ON_EPOCH_TICK_END => {
            no_params(p)?;
            on_epoch_tick_end(rt)
        }
        UPDATE_PLEDGE_TOTAL => {
            let delta: TokenAmount = params(p)?;
            rt.validate_immediate_caller_type(&[ActorKind::StorageMiner])?;
            let miner = rt.caller();
            rt.transaction(|st: &mut State, rt| {
                let claims = st.load_claims(rt.store())?;
                if !claims.contains_key(&miner)? {
                    return Err(ActorError::forbidden(format!(
                        "unknown miner {miner} forbidden to interact with power actor"
                    )));
                }
                st.total_pledge_collateral += &delta;
                if st.total_pledge_collateral.is_negative() {
                    return Err(ActorError::illegal_state(format!(
                        "negative total pledge collateral {}",
                        st.total_pledge_collateral
                    )));
                }
                Ok(())
            })?;
            Ok(None)
        }
        CURRENT_TOTAL_POWER => {
            no_params(p)?;
            let st: State = rt.state()?;
            ret(&CurrentTotalPowerReturn {
                raw_byte_power: st.this_epoch_raw_byte_power,
                quality_adj_power: st.this_epoch_quality_adj_power,
                pledge_collateral: st.this_epoch_pledge_collateral,
                quality_adj_power_smoothed: st.this_epoch_qa_power_smoothed,
                ramp_start_epoch: st.ramp_start_epoch,
                ramp_duration_epochs: st.ramp_duration_epochs,
            })
        }
        NETWORK_RAW_POWER => {
            no_params(p)?;
            let st: State = rt.state()?;
            ret(&NetworkRawPowerReturn {
                raw_byte_power: st.this_epoch_raw_byte_power,
            })
        }
        MINER_RAW_POWER => {
            let prm: MinerRawPowerParams = params(p)?;
            let st: State = rt.state()?;
            let (raw_byte_power, meets_consensus_minimum) =
                st.miner_nominal_power_meets_consensus_minimum(rt.policy(), rt.store(), prm.miner)?;
            ret(&MinerRawPowerReturn {
                raw_byte_power,
                meets_consensus_minimum,
            })
        }
        MINER_COUNT => {
            no_params(p)?;
            let st: State = rt.state()?;
            ret(&MinerCountReturn {
                miner_count: st.miner_count,
            })
        }
        MINER_CONSENSUS_COUNT => {
            no_params(p)?;
            let st: State = rt.state()?;
            ret(&MinerConsensusCountReturn {
                miner_consensus_count: st.miner_above_min_power_count,
            })
        }
        MINER_POWER => {
            let prm: MinerPowerParams = params(p)?;
            let st: State = rt.state()?;
            let claim = st
                .miner_power(rt.store(), &Address::new_id(prm.miner))?
                .ok_or_else(|| ActorError::not_found("miner not found".into()))?;
            ret(&MinerPowerReturn {
                raw_byte_power: claim.raw_byte_power,
                quality_adj_power: claim.quality_adj_power,
            })
        }
        m => Err(unhandled(m)),
    }
}

fn load_queue<'a, BS: Blockstore>(
    store: &'a BS,
    root: &cid::Cid,
) -> Result<Multimap<'a, BS>, ActorError> {
    Multimap::from_root(
        store,
        root,
        CRON_QUEUE_HAMT_BITWIDTH,
        CRON_QUEUE_AMT_BITWIDTH,
    )
    .map_err(|e| ActorError::illegal_state(format!("failed to load cron events: {e}")))
}

fn create_miner<BS: Blockstore>(
    rt: &mut Runtime<'_, '_, BS>,
    prm: CreateMinerParams,
) -> MethodResult {
    let ctor = RawBytes::serialize(MinerConstructorParams {
        owner: prm.owner,
        worker: prm.worker,
        control_addresses: Vec::new(),
        window_post_proof_type: prm.window_post_proof_type,
        peer_id: prm.peer,
        multi_addresses: prm.multiaddrs,
    })?;
    let exec = IpldBlock::serialize_cbor(&ExecParams {
        code_cid: ActorKind::StorageMiner.code(),
        constructor_params: ctor,
    })?;
    let value = rt.value_received();
    let ExecReturn {
        id_address,
        robust_address,
    } = decode_return(send_result(rt.send(
        &Address::new_id(ids::INIT),
        method::init::EXEC,
        exec,
        value,
    ))?)?;
    let proof = prm.window_post_proof_type;
    rt.transaction(|st: &mut State, rt| {
        let mut claims = st.load_claims(rt.store())?;
        set_claim(
            &mut claims,
            &id_address,
            Claim {
                window_post_proof_type: proof,
                raw_byte_power: StoragePower::default(),
                quality_adj_power: StoragePower::default(),
            },
        )?;
        st.miner_count += 1;
        update_stats_for_new_miner(st, rt.policy(), proof)?;
        st.save_claims(&mut claims)
    })?;
    ret(&CreateMinerReturn {
        id_address,
        robust_address,
    })
}

fn min_power(policy: &Policy, p: RegisteredPoStProof) -> Result<StoragePower, ActorError> {
    consensus_miner_min_power(policy, p)
        .map_err(|e| ActorError::illegal_state(format!("no minimum power for {p:?}: {e}")))
}

/// A new miner whose proof type needs no power counts as above the minimum.
fn update_stats_for_new_miner(
    st: &mut State,
    policy: &Policy,
    proof: RegisteredPoStProof,
) -> Result<(), ActorError> {
    if !min_power(policy, proof)?.is_positive() {
        st.miner_above_min_power_count += 1;
    }
    Ok(())
}

/// Adds power to a miner's claim, moving the network totals as the miner crosses
/// the consensus minimum either way.
pub fn add_to_claim<BS: Blockstore>(
    st: &mut State,
    policy: &Policy,
    claims: &mut ClaimsMap<BS>,
    miner: &Address,
    power: &StoragePower,
    qa_power: &StoragePower,
) -> Result<(), ActorError> {
    let old = claims
        .get(miner)?
        .cloned()
        .ok_or_else(|| ActorError::not_found(format!("no claim for actor {miner}")))?;
    st.total_qa_bytes_committed += qa_power;
    st.total_bytes_committed += power;
    let new = Claim {
        raw_byte_power: &old.raw_byte_power + power,
        quality_adj_power: &old.quality_adj_power + qa_power,
        window_post_proof_type: old.window_post_proof_type,
    };
    let min = min_power(policy, old.window_post_proof_type)?;
    let was_below = old.raw_byte_power < min;
    let is_below = new.raw_byte_power < min;
    match (was_below, is_below) {
        (true, false) => {
            st.miner_above_min_power_count += 1;
            st.total_quality_adj_power += &new.quality_adj_power;
            st.total_raw_byte_power += &new.raw_byte_power;
        }
        (false, true) => {
            st.miner_above_min_power_count -= 1;
            st.total_quality_adj_power -= &old.quality_adj_power;
            st.total_raw_byte_power -= &old.raw_byte_power;
        }
        (false, false) => {
            st.total_quality_adj_power += qa_power;
            st.total_raw_byte_power += power;
        }
        (true, true) => {}
    }
    if st.total_raw_byte_power.is_negative() || st.total_quality_adj_power.is_negative() {
        return Err(ActorError::illegal_state("negative total power".into()));
    }
    if st.miner_above_min_power_count < 0 {
        return Err(ActorError::illegal_state(format!(
            "negative number of miners above minimum: {}",
            st.miner_above_min_power_count
        )));
    }
    set_claim(claims, miner, new)
}

fn on_epoch_tick_end<BS: Blockstore>(rt: &mut Runtime<'_, '_, BS>) -> MethodResult {
    rt.validate_immediate_caller_is([&Address::new_id(ids::CRON)])?;
    let reward = request_this_epoch_reward(rt, "failed to check epoch baseline power")?;
    process_deferred_cron_events(rt, reward)?;
    let raw = rt.transaction(|st: &mut State, _| {
        let (raw, qa) = st.current_total_power();
        st.this_epoch_pledge_collateral = st.total_pledge_collateral.clone();
        st.this_epoch_quality_adj_power = qa;
        st.this_epoch_raw_byte_power = raw;
        // Cron runs every epoch, so the estimate moves one epoch.
        let f = AlphaBetaFilter::load(
            &st.this_epoch_qa_power_smoothed,
            &DEFAULT_ALPHA,
            &DEFAULT_BETA,
        );
        st.this_epoch_qa_power_smoothed = f.next_estimate(&st.this_epoch_quality_adj_power, 1);
        Ok(IpldBlock::serialize_cbor(&BigIntSer(
            &st.this_epoch_raw_byte_power,
        ))?)
    })?;
    send_result(rt.send(
        &Address::new_id(ids::REWARD),
        method::reward::UPDATE_NETWORK_KPI,
        raw,
        TokenAmount::default(),
    ))
    .map_err(|e| e.wrap("failed to update network KPI with reward actor"))?;
    Ok(None)
}

fn process_deferred_cron_events<BS: Blockstore>(
    rt: &mut Runtime<'_, '_, BS>,
    reward: ThisEpochRewardReturn,
) -> Result<(), ActorError> {
    let now: ChainEpoch = rt.curr_epoch();
    let before: State = rt.state()?;
    let events = rt.transaction(|st: &mut State, rt| {
        let mut q = load_queue(rt.store(), &st.cron_event_queue)?;
        let claims = st.load_claims(rt.store())?;
        let mut due = Vec::new();
        for epoch in st.first_cron_epoch..=now {
            let key = epoch_key(epoch);
            let mut at_epoch = Vec::new();
            q.for_each(&key, |_, v: &CronEvent| {
                at_epoch.push(v.clone());
                Ok(())
            })
            .map_err(|e| ActorError::illegal_state(format!("failed to load cron events: {e}")))?;
            if at_epoch.is_empty() {
                continue;
            }
            for e in at_epoch {
                if claims.contains_key(&e.miner_addr)? {
                    due.push(e);
                }
            }
            q.remove_all(&key).map_err(|e| {
                ActorError::illegal_state(format!("failed to clear cron events: {e}"))
            })?;
        }
        st.first_cron_epoch = now + 1;
        st.cron_event_queue = q
            .root()
            .map_err(|e| ActorError::illegal_state(format!("failed to flush events: {e}")))?;
        Ok(due)
    })?;

    let mut failed = Vec::new();
    for e in events {
        let prm = IpldBlock::serialize_cbor(&DeferredCronEventParams {
            event_payload: e.callback_payload.to_vec(),
            reward_smoothed: reward.this_epoch_reward_smoothed.clone(),
            quality_adj_power_smoothed: before.this_epoch_qa_power_smoothed.clone(),
        })?;
        let r = send_result(rt.send(
            &e.miner_addr,
            method::miner::ON_DEFERRED_CRON_EVENT,
            prm,
            TokenAmount::default(),
        ));
        if r.is_err() {
            failed.push(e.miner_addr);
        }
    }
    if !failed.is_empty() {
        // A miner whose cron fails loses its power and is frozen.
        rt.transaction(|st: &mut State, rt| {
            let mut claims = st.load_claims(rt.store())?;
            for miner in failed {
                let Some(c) = claims.get(&miner)?.cloned() else {
                    continue;
                };
                let neg_raw = -c.raw_byte_power;
                let neg_qa = -c.quality_adj_power;
                if add_to_claim(st, rt.policy(), &mut claims, &miner, &neg_raw, &neg_qa).is_err() {
                    continue;
                }
                claims.delete(&miner)?;
                st.miner_count -= 1;
            }
            st.save_claims(&mut claims)
        })?;
    }
    Ok(())
}
