//! `StateMiner*` and power methods: miner info, power, sectors, deadlines,
//! partitions, faults, balances and the creation deposit, in Lotus's JSON.

use super::state::{err, View};
use super::NodeState;
use fil_actor_miner_state::v18::{
    self as miner, DeadlineInfo, SectorOnChainInfo, State as MinerState,
};
use fil_actor_power_state::v18::State as PowerState;
use fvm_ipld_bitfield::BitField;
use fvm_shared::address::Address;
use fvm_shared::econ::TokenAmount;
use padma_rpc::method::{to_value, CallResult};
use padma_rpc::{CallCtx, Params, RpcError};
use padma_state::actors::ids;
use padma_state::ActorKind;
use padma_types::json::{bitfield_from_json, bitfield_json, AddressJson, BytesJson, CidJson};
use serde_json::{json, Value};
use std::sync::Arc;

/// The most sectors a `StateMinerSectors` bitfield may name (each is looked up).
const MAX_SECTORS_QUERIED: u64 = 1 << 20;
/// Up to this many requested sectors are looked up one by one.
const LOOKUP_ONE_BY_ONE: u64 = 1024;

fn tok(t: &TokenAmount) -> String {
    t.atto().to_string()
}

/// A sector in Lotus JSON.
pub fn sector_json(s: &SectorOnChainInfo) -> Value {
    json!({
        "SectorNumber": s.sector_number,
        "SealProof": i64::from(s.seal_proof),
        "SealedCID": CidJson(s.sealed_cid),
        "DeprecatedDealIDs": if s.deprecated_deal_ids.is_empty() { Value::Null } else { json!(s.deprecated_deal_ids) },
        "Activation": s.activation,
        "Expiration": s.expiration,
        "DealWeight": s.deal_weight.to_string(),
        "VerifiedDealWeight": s.verified_deal_weight.to_string(),
        "InitialPledge": tok(&s.initial_pledge),
        "ExpectedDayReward": s.expected_day_reward.as_ref().map(tok),
        "ExpectedStoragePledge": s.expected_storage_pledge.as_ref().map(tok),
        "PowerBaseEpoch": s.power_base_epoch,
        "ReplacedDayReward": s.replaced_day_reward.as_ref().map(tok),
        "SectorKeyCID": s.sector_key_cid.map(CidJson),
        "Flags": s.flags.bits(),
        "DailyFee": tok(&s.daily_fee),
    })
}

/// The miner at parameter 0 and its state, at the tipset of parameter `tsk`.
pub(super) fn miner_at<'a>(
    s: &'a NodeState,
    p: &Params,
    tsk: usize,
) -> Result<(View<'a>, u64, TokenAmount, MinerState), RpcError> {
    let v = View::at(s, p, tsk)?;
    let a: Address = p.get::<AddressJson>(0)?.0;
    let (id, act) = v
        .must_actor(&a)
        .map_err(|e| err(format!("failed to load miner actor: {}", e.message)))?;
    if ActorKind::from_code(&act.code) != Some(ActorKind::StorageMiner) {
        return Err(err(format!(
            "failed to load miner actor state: {a} is not a storage miner"
        )));
    }
    let st: MinerState = v.load(&act.state)?;
    Ok((v, id, act.balance, st))
}

/// `StateMinerInfo`.
pub async fn state_miner_info(s: Arc<NodeState>, _c: CallCtx, p: Params) -> CallResult {
    let (v, _, _, st) = miner_at(&s, &p, 1)?;
    let info = st.get_info(v.store).map_err(err)?;
    let peer = (!info.peer_id.is_empty()).then(|| {
        cid::multibase::encode(cid::multibase::Base::Base58Btc, &info.peer_id)[1..].to_string()
    });
    let (new_worker, change_epoch) = match &info.pending_worker_key {
        Some(k) => (k.new_worker.to_string(), k.effective_at),
        None => ("<empty>".to_string(), -1),
    };
    let addrs: Vec<AddressJson> = info
        .control_addresses
        .iter()
        .copied()
        .map(AddressJson)
        .collect();
    let multiaddrs: Vec<BytesJson> = info
        .multi_address
        .iter()
        .map(|m| BytesJson(m.0.clone()))
        .collect();
    Ok(json!({
        "Owner": AddressJson(info.owner),
        "Worker": AddressJson(info.worker),
        "NewWorker": new_worker,
        "ControlAddresses": if addrs.is_empty() { Value::Null } else { json!(addrs) },
        "WorkerChangeEpoch": change_epoch,
        "PeerId": peer,
        "Multiaddrs": if multiaddrs.is_empty() { Value::Null } else { json!(multiaddrs) },
        "WindowPoStProofType": i64::from(info.window_post_proof_type),
        "SectorSize": info.sector_size as u64,
        "WindowPoStPartitionSectors": info.window_post_partition_sectors,
        "ConsensusFaultElapsed": info.consensus_fault_elapsed,
        "PendingOwnerAddress": info.pending_owner_address.map(AddressJson),
        "Beneficiary": AddressJson(info.beneficiary),
        "BeneficiaryTerm": {
            "Quota": tok(&info.beneficiary_term.quota),
            "UsedQuota": tok(&info.beneficiary_term.used_quota),
            "Expiration": info.beneficiary_term.expiration,
        },
        "PendingBeneficiaryTerm": info.pending_beneficiary_term.as_ref().map(|t| json!({
            "NewBeneficiary": AddressJson(t.new_beneficiary),
            "NewQuota": tok(&t.new_quota),
            "NewExpiration": t.new_expiration,
            "ApprovedByBeneficiary": t.approved_by_beneficiary,
            "ApprovedByNominee": t.approved_by_nominee,
        })),
    }))
}

/// `StateMinerPower`: the miner's claim, the network total and whether the miner
/// meets the consensus minimum.
pub async fn state_miner_power(s: Arc<NodeState>, _c: CallCtx, p: Params) -> CallResult {
    let v = View::at(&s, &p, 1)?;
    let a: Address = p.get::<AddressJson>(0)?.0;
    let pw: PowerState = v.actor_state(ids::POWER)?;
    let claim = |raw: String, qa: String| json!({ "RawBytePower": raw, "QualityAdjPower": qa });
    let total = claim(
        pw.total_raw_byte_power.to_string(),
        pw.total_quality_adj_power.to_string(),
    );
    let (mut mine, mut has_min) = (claim("0".into(), "0".into()), false);
    if let Some(id) = v.resolve(&a)? {
        if let Some(c) = pw.get_claim(v.store, &Address::new_id(id)).map_err(err)? {
            mine = claim(
                c.raw_byte_power.to_string(),
                c.quality_adj_power.to_string(),
            );
            let policy = padma_state::policy::devnet_policy();
            has_min = pw
                .miner_nominal_power_meets_consensus_minimum(&policy, v.store, id)
                .map_err(err)?
                .1;
        }
    }
    Ok(json!({ "MinerPower": mine, "TotalPower": total, "HasMinPower": has_min }))
}

/// `StateListMiners`: every miner with a power claim.
pub async fn state_list_miners(s: Arc<NodeState>, _c: CallCtx, p: Params) -> CallResult {
    let v = View::at(&s, &p, 0)?;
    let pw: PowerState = v.actor_state(ids::POWER)?;
    let claims = pw.load_claims(v.store).map_err(err)?;
    let mut out = Vec::new();
    claims
        .for_each(|k, _| {
            out.push(AddressJson(k));
            Ok(())
        })
        .map_err(err)?;
    to_value(out)
}

fn sectors_json(v: &View<'_>, st: &MinerState, which: Option<&BitField>) -> CallResult {
    let mut out = Vec::new();
    match which {
        Some(bf) => {
            for s in st.load_sector_infos(v.store, bf).map_err(err)? {
                out.push(sector_json(&s));
            }
        }
        None => st
            .for_each_sector(v.store, |s| {
                out.push(sector_json(s));
                Ok(())
            })
            .map_err(err)?,
    }
    Ok(Value::Array(out))
}

/// `StateMinerSectors`: sectors by number (`null`: all).
pub async fn state_miner_sectors(s: Arc<NodeState>, _c: CallCtx, p: Params) -> CallResult {
    let (v, _, _, st) = miner_at(&s, &p, 2)?;
    let raw: Value = p.get(1)?;
    if raw.is_null() {
        return sectors_json(&v, &st, None);
    }
    let bf = bitfield_from_json(&raw).map_err(|e| RpcError::invalid_params(format!("{e:#}")))?;
    if bf.len() > MAX_SECTORS_QUERIED {
        return Err(RpcError::invalid_params("bitfield names too many sectors"));
    }
    // Sectors that do not exist are skipped, as Lotus does. A short list is looked up
    // one by one; a long one is intersected with the sectors the miner has, so the
    // work follows the miner's state, not the size of the client's bitfield.
    let present = if bf.len() <= LOOKUP_ONE_BY_ONE {
        let mut present = BitField::new();
        for n in bf.iter() {
            if st.get_sector(v.store, n).map_err(err)?.is_some() {
                present.set(n);
            }
        }
        present
    } else {
        let mut existing = BitField::new();
        st.for_each_sector(v.store, |s| {
            existing.set(s.sector_number);
            Ok(())
        })
        .map_err(err)?;
        &bf & &existing
    };
    sectors_json(&v, &st, Some(&present))
}

/// Live, faulty, recovering and active sectors of every partition, merged.
struct Sets {
    live: BitField,
    faulty: BitField,
    active: BitField,
}

fn sector_sets(v: &View<'_>, st: &MinerState) -> Result<Sets, RpcError> {
    let dls = st.load_deadlines(v.store).map_err(err)?;
    let mut sets = Sets {
        live: BitField::new(),
        faulty: BitField::new(),
        active: BitField::new(),
    };
    dls.for_each(v.store, |_, dl| {
        dl.for_each(v.store, |_, part| {
            sets.live |= &part.live_sectors();
            sets.faulty |= &part.faults;
            sets.active |= &part.active_sectors();
            Ok(())
        })
    })
    .map_err(err)?;
    Ok(sets)
}

/// `StateMinerActiveSectors`: sectors that are live, not faulty and proven.
pub async fn state_miner_active_sectors(s: Arc<NodeState>, _c: CallCtx, p: Params) -> CallResult {
    let (v, _, _, st) = miner_at(&s, &p, 1)?;
    let sets = sector_sets(&v, &st)?;
    sectors_json(&v, &st, Some(&sets.active))
}

/// `StateSectorGetInfo`: one sector, or `null`.
pub async fn state_sector_get_info(s: Arc<NodeState>, _c: CallCtx, p: Params) -> CallResult {
    let (v, _, _, st) = miner_at(&s, &p, 2)?;
    let n: u64 = p.get(1)?;
    Ok(st
        .get_sector(v.store, n)
        .map_err(err)?
        .as_ref()
        .map(sector_json)
        .unwrap_or(Value::Null))
}

/// A deadline info in Lotus JSON (`dline.Info`).
pub fn deadline_info_json(d: &DeadlineInfo) -> Value {
    json!({
        "CurrentEpoch": d.current_epoch,
        "PeriodStart": d.period_start,
        "Index": d.index,
        "Open": d.open,
        "Close": d.close,
        "Challenge": d.challenge,
        "FaultCutoff": d.fault_cutoff,
        "WPoStPeriodDeadlines": d.w_post_period_deadlines,
        "WPoStProvingPeriod": d.w_post_proving_period,
        "WPoStChallengeWindow": d.w_post_challenge_window,
        "WPoStChallengeLookback": d.w_post_challenge_lookback,
        "FaultDeclarationCutoff": d.fault_declaration_cutoff,
    })
}

/// `StateMinerProvingDeadline`: the current (or next, if elapsed) deadline.
pub async fn state_miner_proving_deadline(s: Arc<NodeState>, _c: CallCtx, p: Params) -> CallResult {
    let (v, _, _, st) = miner_at(&s, &p, 1)?;
    let policy = padma_state::policy::devnet_policy();
    let info = st
        .recorded_deadline_info(&policy, v.ts.height())
        .next_not_elapsed();
    Ok(deadline_info_json(&info))
}

/// `StateMinerDeadlines`: per deadline, its PoSt submissions, disputable proofs and fee.
pub async fn state_miner_deadlines(s: Arc<NodeState>, _c: CallCtx, p: Params) -> CallResult {
    let (v, _, _, st) = miner_at(&s, &p, 1)?;
    let dls = st.load_deadlines(v.store).map_err(err)?;
    let mut out = Vec::new();
    dls.for_each(v.store, |_, dl| {
        let proofs = fil_actors_shared::v18::Array::<miner::WindowedPoSt, _>::load(
            &dl.optimistic_post_submissions,
            v.store,
        )?;
        out.push(json!({
            "PostSubmissions": bitfield_json(&dl.partitions_posted),
            "DisputableProofCount": proofs.count(),
            "DailyFee": tok(&dl.daily_fee),
        }));
        Ok(())
    })
    .map_err(err)?;
    Ok(Value::Array(out))
}

/// `StateMinerPartitions`: the partitions of one deadline.
pub async fn state_miner_partitions(s: Arc<NodeState>, _c: CallCtx, p: Params) -> CallResult {
    let (v, _, _, st) = miner_at(&s, &p, 2)?;
    let idx: u64 = p.get(1)?;
    let policy = padma_state::policy::devnet_policy();
    if idx >= policy.wpost_period_deadlines {
        return Err(err(format!("invalid deadline {idx}")));
    }
    let dls = st.load_deadlines(v.store).map_err(err)?;
    let dl = dls.load_deadline(v.store, idx).map_err(err)?;
    let mut out = Vec::new();
    dl.for_each(v.store, |_, part| {
        out.push(json!({
            "AllSectors": bitfield_json(&part.sectors),
            "FaultySectors": bitfield_json(&part.faults),
            "RecoveringSectors": bitfield_json(&part.recoveries),
            "LiveSectors": bitfield_json(&part.live_sectors()),
            "ActiveSectors": bitfield_json(&part.active_sectors()),
        }));
        Ok(())
    })
    .map_err(err)?;
    Ok(Value::Array(out))
}

/// `StateMinerFaults`: every faulty sector.
pub async fn state_miner_faults(s: Arc<NodeState>, _c: CallCtx, p: Params) -> CallResult {
    let (v, _, _, st) = miner_at(&s, &p, 1)?;
    Ok(bitfield_json(&sector_sets(&v, &st)?.faulty))
}

/// `StateMinerAvailableBalance`: available balance plus funds vested by now.
pub async fn state_miner_available_balance(
    s: Arc<NodeState>,
    _c: CallCtx,
    p: Params,
) -> CallResult {
    let (v, _, balance, st) = miner_at(&s, &p, 1)?;
    let vested = st.check_vested_funds(v.store, v.ts.height()).map_err(err)?;
    let available = st.get_available_balance(&balance).map_err(err)?;
    to_value(tok(&(available + vested)))
}

/// `StateMinerCreationDeposit` (FIP-0077): the initial pledge of a tenth of the
/// consensus minimum power under current network conditions.
pub async fn state_miner_creation_deposit(s: Arc<NodeState>, _c: CallCtx, p: Params) -> CallResult {
    let v = View::at(&s, &p, 0)?;
    let rw: fil_actor_reward_state::v18::State = v.actor_state(ids::REWARD)?;
    let pw: PowerState = v.actor_state(ids::POWER)?;
    let circ =
        padma_chain::supply::vm_circulating(&v.state, v.ts.height()).map_err(super::state::ah)?;
    let policy = padma_state::policy::devnet_policy();
    let deposit = miner::initial_pledge_for_power(
        &padma_state::policy::create_miner_deposit_power(&policy),
        &rw.this_epoch_baseline_power,
        &rw.this_epoch_reward_smoothed,
        &pw.this_epoch_qa_power_smoothed,
        &circ,
        v.ts.height() - pw.ramp_start_epoch,
        pw.ramp_duration_epochs,
    );
    to_value(tok(&deposit))
}
