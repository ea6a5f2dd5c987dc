//! One pre-sealed sector as the actors would set it up at genesis: miner
//! `PreCommitSectorBatch2` (deposit, pre-commit, clean-up queue, deadline cron),
//! `InternalSectorSetupForPreseal` (deal activation, the sector stored and assigned
//! to a deadline, initial pledge), power `UpdatePledgeTotal` and `UpdateClaimedPower`,
//! and Lotus's `EraseAllUnproven`, which makes the sector proven.

use super::builder::Builder;
use super::deals::activate_deals;
use super::template::{Miner, PreSeal};
use crate::actors::ids;
use anyhow::{anyhow, bail, Context, Result};
use fil_actor_miner_state::v18 as miner;
use fil_actor_power_state::v18::{self as power, State as PowerState};
use fil_actor_reward_state::v18::State as RewardState;
use fil_actors_shared::v18::util::Multimap;
use fvm_ipld_bitfield::BitField;
use fvm_ipld_blockstore::Blockstore;
use fvm_ipld_encoding::RawBytes;
use fvm_shared::address::Address;
use fvm_shared::bigint::BigInt;
use fvm_shared::clock::ChainEpoch;
use fvm_shared::econ::TokenAmount;
use fvm_shared::sector::{RegisteredSealProof, StoragePower};
use miner::{
    CompactCommD, CronEventPayload, SectorOnChainInfo, SectorOnChainInfoFlags, SectorPreCommitInfo,
    SectorPreCommitOnChainInfo, State as MinerState,
};
use padma_types::sector::{sector_size, window_post_partition_sectors};

/// A genesis miner as created and funded, with its deals published: what committing
/// its sectors needs.
pub(super) struct Setup {
    /// The miner's ID.
    pub id: u64,
    /// The worker's ID.
    pub worker: u64,
    /// Expiration of the pre-sealed sectors.
    pub expiration: ChainEpoch,
    /// The sectors' deal IDs, in sector order.
    pub deal_ids: Vec<u64>,
    /// The sectors' quality-adjusted power, in sector order.
    pub weights: Vec<StoragePower>,
}

/// Pre-commits and activates sector `k` of a miner, and claims its power.
pub(super) fn commit_sector<BS: Blockstore>(
    b: &mut Builder<'_, BS>,
    m: &Miner,
    s: &Setup,
    k: usize,
    p: &PreSeal,
) -> Result<()> {
    let size = m.sector_size;
    let ssize = sector_size(size)?;
    let weight = s
        .weights
        .get(k)
        .ok_or_else(|| anyhow::anyhow!("no deal weight for pre-sealed sector {k}"))?;
    let deal_id = *s
        .deal_ids
        .get(k)
        .ok_or_else(|| anyhow::anyhow!("no deal for pre-sealed sector {k}"))?;
    remove_preadded_power(b, size, weight)?;
    let (deposit, lotus_pledge) = sector_prepayment(b, ssize, weight)?;
    b.transfer(s.worker, s.id, &(&deposit + &lotus_pledge))?;

    // PreCommitSectorBatch2.
    let proof = RegisteredSealProof::from(p.proof_type);
    if !miner::can_pre_commit_seal_proof(&b.policy, proof) {
        bail!("genesis: unsupported seal proof type {}", p.proof_type);
    }
    let mut st: MinerState = b.state(s.id)?;
    let balance = b.actor(s.id)?.balance;
    if st
        .get_available_balance(&balance)
        .map_err(|e| anyhow!("{e}"))?
        < deposit
    {
        bail!(
            "genesis: insufficient funds for the pre-commit deposit of sector {}",
            p.sector_id
        );
    }
    st.add_pre_commit_deposit(&deposit)
        .map_err(|e| anyhow!("{e}"))?;
    let mut numbers = BitField::new();
    numbers.set(p.sector_id);
    st.allocate_sector_numbers(b.store, &numbers, miner::CollisionPolicy::DenyCollisions)
        .map_err(|e| anyhow!("genesis: allocating sector {}: {e}", p.sector_id))?;
    let info = SectorPreCommitInfo {
        seal_proof: proof,
        sector_number: p.sector_id,
        sealed_cid: p.comm_r.0,
        seal_rand_epoch: -1,
        deal_ids: vec![deal_id],
        expiration: s.expiration,
        unsealed_cid: CompactCommD::new(Some(p.comm_d.0)),
    };
    let pci = SectorPreCommitOnChainInfo {
        info: info.clone(),
        pre_commit_deposit: deposit.clone(),
        pre_commit_epoch: 0,
    };
    st.put_precommitted_sectors(b.store, vec![pci])
        .context("genesis: storing the pre-commit")?;
    let msd = miner::max_prove_commit_duration(&b.policy, proof)
        .ok_or_else(|| anyhow!("no max seal duration for {}", p.proof_type))?;
    st.add_pre_commit_clean_ups(
        &b.policy,
        b.store,
        vec![(
            msd + b.policy.expired_pre_commit_clean_up_delay,
            p.sector_id,
        )],
    )
    .context("genesis: pre-commit clean-up queue")?;
    let needs_cron = !st.deadline_cron_active;
    st.deadline_cron_active = true;
    let last = st.deadline_info(&b.policy, 0).last();
    b.set_state(s.id, &st)?;
    if needs_cron {
        enroll_cron(b, s.id, last)?;
    }

    // InternalSectorSetupForPreseal.
    let (unverified, verified) = activate_deals(b, s.id, p.sector_id, s.expiration, &[deal_id])?;
    let duration = s.expiration;
    let power = miner::qa_power_for_weight(ssize, duration, &(BigInt::from(verified) * duration));
    let pledge = miner::initial_pledge_for_power(
        &power,
        &BigInt::default(),
        &Default::default(),
        &Default::default(),
        &TokenAmount::default(),
        0,
        0,
    );
    let sector = SectorOnChainInfo {
        sector_number: p.sector_id,
        seal_proof: proof,
        sealed_cid: p.comm_r.0,
        deprecated_deal_ids: vec![],
        activation: 0,
        expiration: s.expiration,
        deal_weight: BigInt::from(unverified) * duration,
        verified_deal_weight: BigInt::from(verified) * duration,
        initial_pledge: pledge.clone(),
        expected_day_reward: None,
        expected_storage_pledge: None,
        power_base_epoch: 0,
        replaced_day_reward: None,
        sector_key_cid: None,
        flags: SectorOnChainInfoFlags::SIMPLE_QA_POWER,
        daily_fee: miner::daily_proof_fee(&b.policy, &TokenAmount::default(), &power),
    };
    let mut st: MinerState = b.state(s.id)?;
    let partition_sectors = window_post_partition_sectors(size)?;
    st.put_sectors(b.store, vec![sector.clone()])
        .context("genesis: storing the sector")?;
    st.delete_precommitted_sectors(b.store, &[p.sector_id])
        .map_err(|e| anyhow!("{e}"))?;
    st.assign_sectors_to_deadlines(
        &b.policy,
        b.store,
        0,
        vec![sector],
        partition_sectors,
        ssize,
    )
    .context("genesis: assigning the sector to a deadline")?;
    st.add_pre_commit_deposit(&-deposit)
        .map_err(|e| anyhow!("{e}"))?;
    let balance = b.actor(s.id)?.balance;
    if st
        .get_unlocked_balance(&balance)
        .map_err(|e| anyhow!("{e}"))?
        < pledge
    {
        bail!(
            "genesis: insufficient funds for the initial pledge of sector {}",
            p.sector_id
        );
    }
    st.add_initial_pledge(&pledge).map_err(|e| anyhow!("{e}"))?;
    st.check_balance_invariants(&balance)
        .map_err(|e| anyhow!("genesis: miner balance invariants: {e}"))?;
    erase_all_unproven(b, &mut st)?;
    b.set_state(s.id, &st)?;

    // Power: UpdatePledgeTotal (from the miner), then Lotus's UpdateClaimedPower.
    let mut pw: PowerState = b.state(ids::POWER)?;
    pw.total_pledge_collateral += &pledge;
    add_to_claim(b, &mut pw, s.id, &BigInt::from(size), weight)?;
    b.set_state(ids::POWER, &pw)
}

/// Lotus first removes the power it pre-added (for equal pledges) for each sector
/// it commits.
pub(super) fn remove_preadded_power<BS: Blockstore>(
    b: &mut Builder<'_, BS>,
    size: u64,
    weight: &StoragePower,
) -> Result<()> {
    let mut pw: PowerState = b.state(ids::POWER)?;
    pw.total_raw_byte_power -= size;
    pw.total_quality_adj_power -= weight;
    b.set_state(ids::POWER, &pw)
}

/// What the worker sends with a pre-sealed sector's pre-commit, as Lotus computes it:
/// the pre-commit deposit and an initial pledge at the current reward and power
/// estimates (ramp arguments 0, as `InternalSectorSetupForPreseal` uses).
pub(super) fn sector_prepayment<BS: Blockstore>(
    b: &Builder<'_, BS>,
    ssize: fvm_shared::sector::SectorSize,
    weight: &StoragePower,
) -> Result<(TokenAmount, TokenAmount)> {
    let pw: PowerState = b.state(ids::POWER)?;
    let rw: RewardState = b.state(ids::REWARD)?;
    let qa_smoothed = pw.this_epoch_qa_power_smoothed.clone();
    let deposit = miner::pre_commit_deposit_for_power(
        &rw.this_epoch_reward_smoothed,
        &qa_smoothed,
        &miner::qa_power_max(ssize),
    );
    let pledge = miner::initial_pledge_for_power(
        weight,
        &rw.this_epoch_baseline_power,
        &rw.this_epoch_reward_smoothed,
        &qa_smoothed,
        &TokenAmount::default(),
        0,
        0,
    );
    Ok((deposit, pledge))
}

/// Power `EnrollCronEvent` of a proving-deadline event for `miner` at `epoch`.
fn enroll_cron<BS: Blockstore>(
    b: &mut Builder<'_, BS>,
    miner_id: u64,
    epoch: ChainEpoch,
) -> Result<()> {
    let mut pw: PowerState = b.state(ids::POWER)?;
    let payload = RawBytes::serialize(CronEventPayload {
        event_type: miner::CRON_EVENT_PROVING_DEADLINE,
    })?;
    let event = power::CronEvent {
        miner_addr: Address::new_id(miner_id),
        callback_payload: payload,
    };
    let mut events = Multimap::from_root(
        b.store,
        &pw.cron_event_queue,
        power::CRON_QUEUE_HAMT_BITWIDTH,
        power::CRON_QUEUE_AMT_BITWIDTH,
    )
    .map_err(|e| anyhow!("genesis: cron queue: {e}"))?;
    if epoch < pw.first_cron_epoch {
        pw.first_cron_epoch = epoch;
    }
    events
        .add(power::epoch_key(epoch), event)
        .map_err(|e| anyhow!("genesis: cron queue: {e}"))?;
    pw.cron_event_queue = events
        .root()
        .map_err(|e| anyhow!("genesis: cron queue: {e}"))?;
    b.set_state(ids::POWER, &pw)
}

/// builtin-actors power `add_to_claim`.
fn add_to_claim<BS: Blockstore>(
    b: &Builder<'_, BS>,
    pw: &mut PowerState,
    miner_id: u64,
    raw: &StoragePower,
    qa: &StoragePower,
) -> Result<()> {
    let addr = Address::new_id(miner_id);
    let mut claims = pw
        .load_claims(b.store)
        .map_err(|e| anyhow!("genesis: power claims: {e}"))?;
    let old = claims
        .get(&addr)
        .map_err(|e| anyhow!("{e}"))?
        .cloned()
        .ok_or_else(|| anyhow!("no claim for actor {addr}"))?;
    pw.total_qa_bytes_committed += qa;
    pw.total_bytes_committed += raw;
    let new = power::Claim {
        window_post_proof_type: old.window_post_proof_type,
        raw_byte_power: &old.raw_byte_power + raw,
        quality_adj_power: &old.quality_adj_power + qa,
    };
    let min = power::consensus_miner_min_power(&b.policy, old.window_post_proof_type)
        .map_err(|e| anyhow!("{e}"))?;
    let (prev_below, still_below) = (old.raw_byte_power < min, new.raw_byte_power < min);
    if prev_below && !still_below {
        pw.miner_above_min_power_count += 1;
        pw.total_quality_adj_power += &new.quality_adj_power;
        pw.total_raw_byte_power += &new.raw_byte_power;
    } else if !prev_below && still_below {
        pw.miner_above_min_power_count -= 1;
        pw.total_quality_adj_power -= &old.quality_adj_power;
        pw.total_raw_byte_power -= &old.raw_byte_power;
    } else if !prev_below && !still_below {
        pw.total_quality_adj_power += qa;
        pw.total_raw_byte_power += raw;
    }
    power::set_claim(&mut claims, &addr, new).map_err(|e| anyhow!("{e}"))?;
    pw.save_claims(&mut claims).map_err(|e| anyhow!("{e}"))?;
    Ok(())
}

/// Lotus's `EraseAllUnproven`: every partition's unproven sectors become proven.
pub(super) fn erase_all_unproven<BS: Blockstore>(
    b: &Builder<'_, BS>,
    st: &mut MinerState,
) -> Result<()> {
    let mut dls = st.load_deadlines(b.store).map_err(|e| anyhow!("{e}"))?;
    for idx in 0..b.policy.wpost_period_deadlines {
        let mut dl = dls
            .load_deadline(b.store, idx)
            .map_err(|e| anyhow!("{e}"))?;
        let mut parts = dl.partitions_amt(b.store).map_err(|e| anyhow!("{e}"))?;
        let mut updated = Vec::new();
        parts.for_each(|i, p| {
            let mut p = p.clone();
            p.activate_unproven();
            updated.push((i, p));
            Ok(())
        })?;
        for (i, p) in updated {
            parts.set(i, p)?;
        }
        dl.partitions = parts.flush()?;
        dls.update_deadline(&b.policy, b.store, idx, &dl)
            .map_err(|e| anyhow!("{e}"))?;
    }
    st.save_deadlines(b.store, dls)
        .map_err(|e| anyhow!("{e}"))?;
    Ok(())
}
