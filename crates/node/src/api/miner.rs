//! `StateMiner*` and power methods: miner info, power, sectors, balances and the
//! creation deposit, in Lotus's JSON; and [`miner_at`], the miner state they share.

use super::state::{err, View};
use super::NodeState;
use fil_actor_miner_state::v18::{self as miner, SectorOnChainInfo, State as MinerState};
use fil_actor_power_state::v18::State as PowerState;
use fvm_ipld_bitfield::BitField;
use fvm_shared::address::Address;
use fvm_shared::econ::TokenAmount;
use padma_api::miner_json::*;
use padma_api::miner_state::*;
use padma_rpc::{CallCtx, MethodTable, RpcError};
use padma_state::actors::ids;
use padma_state::ActorKind;
use padma_types::json::block::TipSetKeyJson;
use padma_types::json::{bitfield_from_json, AddressJson, BytesJson, CidJson, TokenAmountJson};
use serde_json::Value;
use std::sync::Arc;

type S = Arc<NodeState>;
/// A miner and a tipset key, the parameters of most `StateMiner*` methods.
pub(super) type MinerAt = (AddressJson, TipSetKeyJson);

/// The most sectors a `StateMinerSectors` bitfield may name (each is looked up).
const MAX_SECTORS_QUERIED: u64 = 1 << 20;
/// Up to this many requested sectors are looked up one by one.
const LOOKUP_ONE_BY_ONE: u64 = 1024;

pub(super) fn tok(t: &TokenAmount) -> TokenAmountJson {
    TokenAmountJson(t.clone())
}

/// `None` for an empty list, as Go writes a nil slice.
pub(super) fn non_empty<T>(v: Vec<T>) -> Option<Vec<T>> {
    (!v.is_empty()).then_some(v)
}

/// A sector in Lotus JSON.
pub fn sector_json(s: &SectorOnChainInfo) -> SectorOnChainInfoJson {
    SectorOnChainInfoJson {
        sector_number: s.sector_number,
        seal_proof: i64::from(s.seal_proof),
        sealed_cid: CidJson(s.sealed_cid),
        deprecated_deal_ids: non_empty(s.deprecated_deal_ids.clone()),
        activation: s.activation,
        expiration: s.expiration,
        deal_weight: s.deal_weight.clone(),
        verified_deal_weight: s.verified_deal_weight.clone(),
        initial_pledge: tok(&s.initial_pledge),
        expected_day_reward: s.expected_day_reward.as_ref().map(tok),
        expected_storage_pledge: s.expected_storage_pledge.as_ref().map(tok),
        power_base_epoch: s.power_base_epoch,
        replaced_day_reward: s.replaced_day_reward.as_ref().map(tok),
        sector_key_cid: s.sector_key_cid.map(CidJson),
        flags: s.flags.bits(),
        daily_fee: tok(&s.daily_fee),
    }
}

/// The miner `a` and its state, at the tipset of `key`.
pub(super) fn miner_at<'a>(
    s: &'a NodeState,
    a: &AddressJson,
    key: &TipSetKeyJson,
) -> Result<(View<'a>, u64, TokenAmount, MinerState), RpcError> {
    let v = View::at_key(s, key)?;
    let a: Address = a.0;
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

/// The live, active, faulty and recovering sectors of every partition, merged.
pub(super) struct SectorSets {
    /// Live sectors.
    pub live: BitField,
    /// Live sectors that are neither faulty nor unproven.
    pub active: BitField,
    /// Faulty sectors.
    pub faulty: BitField,
    /// Faulty sectors declared recovering.
    pub recovering: BitField,
}

/// The sector sets of a miner's partitions.
pub(super) fn sector_sets(v: &View<'_>, st: &MinerState) -> Result<SectorSets, RpcError> {
    let dls = st.load_deadlines(v.store).map_err(err)?;
    let mut sets = SectorSets {
        live: BitField::new(),
        active: BitField::new(),
        faulty: BitField::new(),
        recovering: BitField::new(),
    };
    dls.for_each(v.store, |_, dl| {
        dl.for_each(v.store, |_, part| {
            sets.live |= &part.live_sectors();
            sets.active |= &part.active_sectors();
            sets.faulty |= &part.faults;
            sets.recovering |= &part.recoveries;
            Ok(())
        })
    })
    .map_err(err)?;
    Ok(sets)
}

/// Registers the miner, power and sector methods (deadlines and partitions are in
/// `miner_state`, the sealing ones in `miner_sectors`).
pub(super) fn register(t: &mut MethodTable<NodeState>) {
    t.add_offloaded(StateMinerInfo, state_miner_info);
    t.add_offloaded(StateMinerPower, state_miner_power);
    t.add_offloaded(StateListMiners, state_list_miners);
    t.add_offloaded(StateMinerSectors, state_miner_sectors);
    t.add_offloaded(
        StateMinerActiveSectors,
        |s: S, _c, (a, key): MinerAt| async move {
            let (v, _, _, st) = miner_at(&s, &a, &key)?;
            let sets = sector_sets(&v, &st)?;
            sectors_json(&v, &st, Some(&sets.active))
        },
    );
    t.add_offloaded(StateSectorGetInfo, state_sector_get_info);
    t.add_offloaded(StateMinerAvailableBalance, state_miner_available_balance);
    t.add_offloaded(StateMinerCreationDeposit, state_miner_creation_deposit);
}

/// `StateMinerInfo`.
async fn state_miner_info(s: S, _c: CallCtx, (a, key): MinerAt) -> Result<MinerInfoJson, RpcError> {
    let (v, _, _, st) = miner_at(&s, &a, &key)?;
    let info = st.get_info(v.store).map_err(err)?;
    let peer =
        (!info.peer_id.is_empty()).then(|| padma_types::peer_id::format_peer_id(&info.peer_id));
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
    Ok(MinerInfoJson {
        owner: AddressJson(info.owner),
        worker: AddressJson(info.worker),
        new_worker,
        control_addresses: non_empty(addrs),
        worker_change_epoch: change_epoch,
        peer_id: peer,
        multiaddrs: non_empty(multiaddrs),
        window_post_proof_type: i64::from(info.window_post_proof_type),
        sector_size: info.sector_size as u64,
        window_post_partition_sectors: info.window_post_partition_sectors,
        consensus_fault_elapsed: info.consensus_fault_elapsed,
        pending_owner_address: info.pending_owner_address.map(AddressJson),
        beneficiary: AddressJson(info.beneficiary),
        beneficiary_term: BeneficiaryTermJson {
            quota: tok(&info.beneficiary_term.quota),
            used_quota: tok(&info.beneficiary_term.used_quota),
            expiration: info.beneficiary_term.expiration,
        },
        pending_beneficiary_term: info.pending_beneficiary_term.as_ref().map(|t| {
            PendingBeneficiaryChangeJson {
                new_beneficiary: AddressJson(t.new_beneficiary),
                new_quota: tok(&t.new_quota),
                new_expiration: t.new_expiration,
                approved_by_beneficiary: t.approved_by_beneficiary,
                approved_by_nominee: t.approved_by_nominee,
            }
        }),
    })
}

/// `StateMinerPower`: the miner's claim, the network total and whether the miner
/// meets the consensus minimum.
async fn state_miner_power(
    s: S,
    _c: CallCtx,
    (a, key): MinerAt,
) -> Result<MinerPowerJson, RpcError> {
    let v = View::at_key(&s, &key)?;
    let pw: PowerState = v.actor_state(ids::POWER)?;
    let total = PowerClaimJson {
        raw_byte_power: pw.total_raw_byte_power.clone(),
        quality_adj_power: pw.total_quality_adj_power.clone(),
    };
    let (mut mine, mut has_min) = (PowerClaimJson::default(), false);
    if let Some(id) = v.resolve(&a.0)? {
        if let Some(c) = pw.get_claim(v.store, &Address::new_id(id)).map_err(err)? {
            mine = PowerClaimJson {
                raw_byte_power: c.raw_byte_power.clone(),
                quality_adj_power: c.quality_adj_power.clone(),
            };
            let policy = padma_state::policy::devnet_policy();
            has_min = pw
                .miner_nominal_power_meets_consensus_minimum(&policy, v.store, id)
                .map_err(err)?
                .1;
        }
    }
    Ok(MinerPowerJson {
        miner_power: mine,
        total_power: total,
        has_min_power: has_min,
    })
}

/// `StateListMiners`: every miner with a power claim.
async fn state_list_miners(
    s: S,
    _c: CallCtx,
    (key,): (TipSetKeyJson,),
) -> Result<Vec<AddressJson>, RpcError> {
    let v = View::at_key(&s, &key)?;
    let pw: PowerState = v.actor_state(ids::POWER)?;
    let claims = pw.load_claims(v.store).map_err(err)?;
    let mut out = Vec::new();
    claims
        .for_each(|k, _| {
            out.push(AddressJson(k));
            Ok(())
        })
        .map_err(err)?;
    Ok(out)
}

fn sectors_json(
    v: &View<'_>,
    st: &MinerState,
    which: Option<&BitField>,
) -> Result<Vec<SectorOnChainInfoJson>, RpcError> {
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
    Ok(out)
}

/// `StateMinerSectors`: sectors by number (`null`: all).
async fn state_miner_sectors(
    s: S,
    _c: CallCtx,
    (a, raw, key): (AddressJson, Value, TipSetKeyJson),
) -> Result<Vec<SectorOnChainInfoJson>, RpcError> {
    let (v, _, _, st) = miner_at(&s, &a, &key)?;
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

/// `StateSectorGetInfo`: one sector, or `null`.
async fn state_sector_get_info(
    s: S,
    _c: CallCtx,
    (a, n, key): (AddressJson, u64, TipSetKeyJson),
) -> Result<Option<SectorOnChainInfoJson>, RpcError> {
    let (v, _, _, st) = miner_at(&s, &a, &key)?;
    Ok(st
        .get_sector(v.store, n)
        .map_err(err)?
        .as_ref()
        .map(sector_json))
}

/// `StateMinerAvailableBalance`: available balance plus funds vested by now.
async fn state_miner_available_balance(
    s: S,
    _c: CallCtx,
    (a, key): MinerAt,
) -> Result<TokenAmountJson, RpcError> {
    let (v, _, balance, st) = miner_at(&s, &a, &key)?;
    let vested = st.check_vested_funds(v.store, v.ts.height()).map_err(err)?;
    let available = st.get_available_balance(&balance).map_err(err)?;
    Ok(TokenAmountJson(available + vested))
}

/// `StateMinerCreationDeposit` (FIP-0077): the initial pledge of a tenth of the
/// consensus minimum power under current network conditions.
async fn state_miner_creation_deposit(
    s: S,
    _c: CallCtx,
    (key,): (TipSetKeyJson,),
) -> Result<TokenAmountJson, RpcError> {
    let v = View::at_key(&s, &key)?;
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
    Ok(TokenAmountJson(deposit))
}
