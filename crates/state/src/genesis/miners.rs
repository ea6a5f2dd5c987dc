//! Genesis miners (Lotus `SetupStorageMiners`), applied as the builtin actors would
//! apply Lotus's implicit messages: power `CreateMiner` (init `Exec`, miner
//! constructor with its FIP-0077 deposit), market `AddBalance` and
//! `PublishStorageDeals`; then each sector (see [`super::sectors`]).

use super::builder::Builder;
use super::deals::{add_market_balance, publish_deals};
use super::sectors::{commit_sector, Setup};
use super::template::Miner;
use super::{INITIAL_FIL_RESERVED, MINER_START};
use crate::actors::ids;
use crate::code::ActorKind;
use crate::ipld::put_cbor;
use anyhow::{anyhow, bail, Context, Result};
use fil_actor_market_state::v18::{DealProposal, Label};
use fil_actor_miner_state::v18 as miner;
use fil_actor_power_state::v18::{self as power, State as PowerState};
use fil_actor_reward_state::v18::State as RewardState;
use fvm_ipld_blockstore::Blockstore;
use fvm_shared::address::Address;
use fvm_shared::bigint::BigInt;
use fvm_shared::clock::ChainEpoch;
use fvm_shared::econ::TokenAmount;
use fvm_shared::piece::PaddedPieceSize;
use fvm_shared::sector::StoragePower;
use miner::{MinerInfo, State as MinerState};
use padma_types::sector::{sector_size, window_post_for_size};

/// Lotus's proving period constant used for the pre-sealed sectors' expiration.
const WPOST_PROVING_PERIOD: i64 = 2880;

/// Decodes a base58 peer ID into its bytes (Go's `peer.ID` string).
pub fn peer_id_bytes(peer: &str) -> Result<Vec<u8>> {
    if peer.is_empty() {
        return Ok(Vec::new());
    }
    let (_, bytes) = cid::multibase::decode(format!("z{peer}"))
        .map_err(|e| anyhow!("invalid peer ID '{peer}': {e}"))?;
    Ok(bytes)
}

/// Sets up every template miner; `key_ids` resolves template keys.
pub fn setup_miners<BS: Blockstore>(b: &mut Builder<'_, BS>, miners: &[Miner]) -> Result<()> {
    if miners.is_empty() {
        bail!("no genesis miners");
    }
    let (mut raw_total, mut qa_total) = (StoragePower::default(), StoragePower::default());
    let mut setups = Vec::new();
    for (i, m) in miners.iter().enumerate() {
        let s = create_miner(b, m, MINER_START + i as u64)?;
        let setup = publish_miner_deals(b, m, s, &mut raw_total, &mut qa_total)?;
        setups.push(setup);
    }
    preset_network_power(b, &raw_total, &qa_total)?;

    for (m, s) in miners.iter().zip(&setups) {
        for (k, p) in m.sectors.iter().enumerate() {
            commit_sector(b, m, s, k, p)?;
        }
    }
    check_network_power(b, &raw_total, &qa_total)
}

/// Lotus sets the network power to what the pre-sealed sectors will add (so each
/// sector's pledge is computed against the final power), and resets the reward actor.
pub(super) fn preset_network_power<BS: Blockstore>(
    b: &mut Builder<'_, BS>,
    raw: &StoragePower,
    qa: &StoragePower,
) -> Result<()> {
    let mut pw: PowerState = b.state(ids::POWER)?;
    pw.total_quality_adj_power = qa.clone();
    pw.total_raw_byte_power = raw.clone();
    pw.this_epoch_quality_adj_power = qa.clone();
    pw.this_epoch_raw_byte_power = raw.clone();
    b.set_state(ids::POWER, &pw)?;
    b.set_state(ids::REWARD, &RewardState::new(StoragePower::default()))
}

/// Lotus's last check: the network power equals what the sectors added.
pub(super) fn check_network_power<BS: Blockstore>(
    b: &Builder<'_, BS>,
    raw: &StoragePower,
    qa: &StoragePower,
) -> Result<()> {
    let pw: PowerState = b.state(ids::POWER)?;
    if &pw.total_raw_byte_power != raw || &pw.total_quality_adj_power != qa {
        bail!(
            "genesis: network power ({}, {}) does not match the sectors ({raw}, {qa})",
            pw.total_raw_byte_power,
            pw.total_quality_adj_power
        );
    }
    Ok(())
}

/// The creation deposit Lotus sends with `CreateMiner` (computed with the initial
/// reserve as circulating supply) and the one the constructor locks (computed with
/// the genesis VM's zero supply).
pub(super) fn creation_deposit<BS: Blockstore>(
    b: &Builder<'_, BS>,
) -> Result<(TokenAmount, TokenAmount)> {
    let rw: RewardState = b.state(ids::REWARD)?;
    let pw: PowerState = b.state(ids::POWER)?;
    let dep_power = crate::policy::create_miner_deposit_power(&b.policy);
    let pledge = |circ: &TokenAmount, since_ramp: i64| {
        miner::initial_pledge_for_power(
            &dep_power,
            &rw.this_epoch_baseline_power,
            &rw.this_epoch_reward_smoothed,
            &pw.this_epoch_qa_power_smoothed,
            circ,
            since_ramp,
            pw.ramp_duration_epochs,
        )
    };
    Ok((
        pledge(&INITIAL_FIL_RESERVED, 0),
        pledge(&TokenAmount::default(), -pw.ramp_start_epoch),
    ))
}

/// The expiration Lotus gives the pre-sealed sectors of a miner whose proving period
/// starts at `period_start`.
pub(super) fn preseal_expiration(
    policy: &crate::policy::Policy,
    period_start: ChainEpoch,
) -> ChainEpoch {
    let max_periods = policy.max_sector_expiration_extension / WPOST_PROVING_PERIOD;
    (max_periods - 1) * WPOST_PROVING_PERIOD + period_start - 1
}

/// A miner's pre-sealed deals as Lotus publishes them (verified, ending at the
/// sectors' expiration, the template's client address), with each sector's
/// quality-adjusted power; adds the sectors' power to the totals.
pub(super) fn preseal_deals(
    m: &Miner,
    id: u64,
    expiration: ChainEpoch,
    raw_total: &mut StoragePower,
    qa_total: &mut StoragePower,
) -> Result<(Vec<DealProposal>, Vec<StoragePower>)> {
    let mut deals = Vec::new();
    let mut weights = Vec::new();
    for (k, p) in m.sectors.iter().enumerate() {
        let d = &p.deal;
        if d.provider != m.id || m.id != Address::new_id(id) {
            bail!("Sector {k} in miner f0{id} in template had mismatch in provider and miner ID: {} != {}", d.provider, m.id);
        }
        deals.push(DealProposal {
            piece_cid: d.piece_cid.0,
            piece_size: PaddedPieceSize(d.piece_size),
            verified_deal: true,
            client: d.client,
            provider: Address::new_id(id),
            label: Label::String(d.label.clone()),
            start_epoch: d.start_epoch,
            end_epoch: expiration,
            storage_price_per_epoch: d.storage_price_per_epoch.clone(),
            provider_collateral: d.provider_collateral.clone(),
            client_collateral: d.client_collateral.clone(),
        });
        let weight = BigInt::from(d.piece_size) * (expiration - d.start_epoch);
        let qa = miner::qa_power_for_weight(sector_size(m.sector_size)?, expiration, &weight);
        *raw_total += m.sector_size;
        *qa_total += &qa;
        weights.push(qa);
    }
    Ok((deals, weights))
}

/// The owner and worker of template miner `m`, checked as the miner constructor
/// checks them (the worker a BLS account).
pub(super) fn owner_and_worker<BS: Blockstore>(
    b: &Builder<'_, BS>,
    m: &Miner,
) -> Result<(u64, u64)> {
    let owner = b.resolve_existing(&m.owner, "miner owner")?;
    let worker = b.resolve_existing(&m.worker, "miner worker")?;
    if b.actor(worker)?.code != b.codes.code(ActorKind::Account)
        || m.worker.protocol() != fvm_shared::address::Protocol::BLS
    {
        bail!("genesis: worker {} must be a BLS account", m.worker);
    }
    Ok((owner, worker))
}

/// Power `CreateMiner` from the owner with Lotus's deposit; returns the new ID.
fn create_miner<BS: Blockstore>(b: &mut Builder<'_, BS>, m: &Miner, want: u64) -> Result<u64> {
    let (owner, worker) = owner_and_worker(b, m)?;
    let wpt = window_post_for_size(m.sector_size)?;
    let (sent, locked) = creation_deposit(b)?;

    let mut creator = fvm_ipld_encoding::to_vec(&m.owner)?;
    creator.extend(0u64.to_be_bytes());
    creator.extend(0u64.to_be_bytes());
    let robust = Address::new_actor(&creator);
    let id = b.map_new_id(&robust)?;
    if id != want {
        bail!("miner assigned wrong address: f0{id} != f0{want}");
    }

    let policy = &b.policy;
    let offset = proving_period_offset(policy.wpost_proving_period, id, 0);
    let period_start = current_proving_period_start(policy.wpost_proving_period, 0, offset);
    let deadline_idx = ((0 - period_start) / policy.wpost_challenge_window) as u64;
    let info = MinerInfo::new(
        worker,
        worker,
        vec![],
        peer_id_bytes(&m.peer_id)?,
        vec![],
        wpt,
    )
    .map_err(|e| anyhow!("genesis: miner info: {e}"))?;
    let info_cid = put_cbor(b.store, &info)?;
    let mut st = MinerState::new(policy, b.store, info_cid, period_start, deadline_idx)
        .map_err(|e| anyhow!("genesis: miner state: {e}"))?;
    if sent < locked {
        bail!("genesis: creation deposit {sent} is below the required {locked}");
    }
    st.add_locked_funds(b.store, 0, &locked, &miner::REWARD_VESTING_SPEC)
        .context("genesis: locking the creation deposit")?;
    b.create(
        id,
        ActorKind::StorageMiner,
        &st,
        TokenAmount::default(),
        None,
    )?;
    b.transfer(owner, id, &sent)?;

    let mut pw: PowerState = b.state(ids::POWER)?;
    let mut claims = pw
        .load_claims(b.store)
        .map_err(|e| anyhow!("genesis: power claims: {e}"))?;
    let claim = power::Claim {
        window_post_proof_type: wpt,
        raw_byte_power: BigInt::default(),
        quality_adj_power: BigInt::default(),
    };
    power::set_claim(&mut claims, &Address::new_id(id), claim)
        .map_err(|e| anyhow!("genesis: power claim: {e}"))?;
    pw.save_claims(&mut claims)
        .map_err(|e| anyhow!("genesis: power claims: {e}"))?;
    pw.miner_count += 1;
    let min =
        power::consensus_miner_min_power(&b.policy, wpt).map_err(|e| anyhow!("genesis: {e}"))?;
    if min <= BigInt::default() {
        pw.miner_above_min_power_count += 1;
    }
    b.set_state(ids::POWER, &pw)?;
    Ok(id)
}

/// builtin-actors `assign_proving_period_offset`: blake2b of the address CBOR and epoch.
pub fn proving_period_offset(period: i64, id: u64, epoch: ChainEpoch) -> ChainEpoch {
    let mut data = fvm_ipld_encoding::to_vec(&Address::new_id(id)).expect("addresses encode");
    data.extend(epoch.to_be_bytes());
    let digest = padma_types::cid::blake2b_256(&data);
    let mut first = [0u8; 8];
    first.copy_from_slice(&digest[..8]);
    (u64::from_be_bytes(first) % period as u64) as ChainEpoch
}

/// builtin-actors `current_proving_period_start`.
pub fn current_proving_period_start(
    period: i64,
    epoch: ChainEpoch,
    offset: ChainEpoch,
) -> ChainEpoch {
    let modulus = epoch % period;
    let progress = if modulus >= offset {
        modulus - offset
    } else {
        period - (offset - modulus)
    };
    epoch - progress
}

/// Market escrow and the miner's verified deals; returns the miner's setup.
fn publish_miner_deals<BS: Blockstore>(
    b: &mut Builder<'_, BS>,
    m: &Miner,
    id: u64,
    raw_total: &mut StoragePower,
    qa_total: &mut StoragePower,
) -> Result<Setup> {
    let st: MinerState = b.state(id)?;
    let expiration = preseal_expiration(&b.policy, st.proving_period_start);
    let worker = b.resolve_existing(&m.worker, "miner worker")?;
    if m.market_balance > TokenAmount::default() {
        add_market_balance(b, worker, id, &m.market_balance)?;
    }
    let (mut deals, weights) = preseal_deals(m, id, expiration, raw_total, qa_total)?;
    for d in &mut deals {
        d.client = Address::new_id(b.resolve_existing(&d.client, "deal client")?);
    }
    let mut deal_ids = Vec::new();
    for chunk in deals.chunks(8192) {
        deal_ids.extend(publish_deals(b, chunk.to_vec())?);
    }
    Ok(Setup {
        id,
        worker,
        expiration,
        deal_ids,
        weights,
    })
}
