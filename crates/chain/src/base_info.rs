//! A miner's view of an election (Lotus `MinerGetBaseInfo`, protocol.md §3.5): the
//! lookback state, power, worker key, the WinningPoSt sector set and eligibility,
//! for the block a miner would build on `base` at `round`.

use crate::consensus::beacon::entries_for_block;
use crate::consensus::randomness::{draw_from_base, Tag};
use crate::externs::latest_beacon_entry;
use crate::sm::StateManager;
use crate::state_view::StateView;
use anyhow::{anyhow, bail, Context, Result};
use cid::Cid;
use fil_actor_miner_state::v18::State as MinerState;
use fil_actor_power_state::v18::State as PowerState;
use fvm_ipld_bitfield::BitField;
use fvm_shared::address::{Address, Payload};
use num_bigint::BigInt;
use padma_state::actors::ids;
use padma_store::Store;
use padma_types::block::{BeaconEntry, TipSet};
use padma_types::sector::winning_post_for_size;
use std::sync::Arc;

/// The most beacon entries a base-info answer may carry (the rounds between the base's
/// latest entry and the block's round): a day of null rounds on a 1-second devnet.
pub const MAX_BASE_INFO_BEACON_ENTRIES: u64 = 100_000;

/// Epochs between the state a block's election reads and the block (`ChainFinality`).
pub const WINNING_POST_LOOKBACK: i64 = crate::consensus::CHAIN_FINALITY;

/// A sector a WinningPoSt proves: its number, sealed CID and seal proof type.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ProvingSector {
    /// Sector number.
    pub number: u64,
    /// Sealed CID (CommR).
    pub sealed_cid: Cid,
    /// Registered seal proof number.
    pub seal_proof: i64,
}

/// What a miner needs to try to win `round` on `base`.
#[derive(Clone, Debug)]
pub struct MinerBaseInfo {
    /// The miner's quality-adjusted power in the lookback state.
    pub miner_power: BigInt,
    /// The network's total quality-adjusted power in the lookback state.
    pub network_power: BigInt,
    /// The sectors the WinningPoSt challenges.
    pub sectors: Vec<ProvingSector>,
    /// The worker's key address.
    pub worker_key: Address,
    /// Sector size in bytes.
    pub sector_size: u64,
    /// The registered WinningPoSt proof number for the miner's sectors.
    pub winning_post_proof: i64,
    /// The latest beacon entry on `base`'s chain.
    pub prev_beacon_entry: BeaconEntry,
    /// The beacon entries the new block carries.
    pub beacon_entries: Vec<BeaconEntry>,
    /// Whether the miner may mine (§3.5).
    pub eligible_for_mining: bool,
}

impl MinerBaseInfo {
    /// The randomness base of the block: its last beacon entry, else the previous one.
    pub fn randomness_base(&self) -> &BeaconEntry {
        self.beacon_entries
            .last()
            .unwrap_or(&self.prev_beacon_entry)
    }
}

fn miner_id(miner: &Address) -> Result<u64> {
    match miner.payload() {
        Payload::ID(id) => Ok(*id),
        _ => bail!("miner {miner} is not an ID address"),
    }
}

/// CBOR of an address (the entropy of election draws).
pub fn address_cbor(a: &Address) -> Vec<u8> {
    fvm_ipld_encoding::to_vec(a).expect("addresses encode")
}

impl StateManager {
    fn view(&self, root: &Cid) -> Result<StateView<Arc<Store>>> {
        StateView::new(self.store().clone(), root)
    }

    /// The lookback tipset and state for a block at `round` built on `base`: the
    /// tipset at `round − 900` (or genesis) and the state after it.
    pub fn lookback(&self, base: &TipSet, round: i64) -> Result<(TipSet, Cid)> {
        let lbr = (round - WINNING_POST_LOOKBACK).max(0);
        if lbr >= base.height() {
            return Ok((base.clone(), self.tipset_state(base)?.state_root));
        }
        // The first tipset after the lookback round carries the state after it.
        let next = crate::externs::tipset_at_or_after(self.chain(), base, lbr + 1)?;
        let lbts = self.chain().load_tipset(&next.parents())?;
        Ok((lbts, next.parent_state()))
    }

    /// Whether `miner` may win at all on `base` (Lotus `MinerEligibleToMine`).
    pub fn eligible_to_mine(&self, miner: &Address, base: &TipSet, lbts: &TipSet) -> Result<bool> {
        let id = miner_id(miner)?;
        let lb = self.view(&lbts.parent_state())?;
        let power: PowerState = lb.actor_state(ids::POWER)?;
        let min = power
            .miner_nominal_power_meets_consensus_minimum(self.policy(), lb.store(), id)
            .map(|(_, ok)| ok)
            .unwrap_or(false);
        if !min {
            return Ok(false);
        }
        let st = self.view(&base.parent_state())?;
        let power: PowerState = st.actor_state(ids::POWER)?;
        let claim = power
            .get_claim(st.store(), miner)
            .map_err(|e| anyhow!("reading the power claim of {miner}: {e}"))?;
        match claim {
            Some(c) if c.quality_adj_power > BigInt::from(0) => {}
            _ => return Ok(false),
        }
        let mst: MinerState = st.actor_state(id)?;
        if !mst.fee_debt.is_zero() {
            return Ok(false);
        }
        let info = mst.get_info(st.store())?;
        Ok(base.height() > info.consensus_fault_elapsed)
    }

    /// The sectors `miner` must prove in a WinningPoSt with randomness `rand`, from the
    /// lookback state `lbst`.
    pub fn winning_post_sectors(
        &self,
        lbst: &Cid,
        miner: &Address,
        rand: [u8; 32],
    ) -> Result<Vec<ProvingSector>> {
        let id = miner_id(miner)?;
        let v = self.view(lbst)?;
        let mst: MinerState = v.actor_state(id)?;
        let info = mst.get_info(v.store())?;
        let mut proving = BitField::new();
        let deadlines = mst
            .load_deadlines(v.store())
            .map_err(|e| anyhow!("loading deadlines: {e}"))?;
        deadlines.for_each(v.store(), |_, dl| {
            dl.for_each(v.store(), |_, part| {
                proving = &proving | &part.active_sectors();
                Ok(())
            })
        })?;
        let count = proving.len();
        if count == 0 {
            return Ok(Vec::new());
        }
        let proof = i64::from(winning_post_for_size(info.sector_size as u64)?);
        let picks = self
            .verifier()
            .winning_post_sector_challenge(proof, id, rand, count)?;
        let numbers: Vec<u64> = proving.iter().collect();
        let mut chosen = BitField::new();
        for i in picks {
            let n = numbers
                .get(usize::try_from(i).unwrap_or(usize::MAX))
                .ok_or_else(|| anyhow!("challenge index {i} out of {count} sectors"))?;
            chosen.set(*n);
        }
        let infos = mst.load_sector_infos(v.store(), &chosen)?;
        Ok(infos
            .into_iter()
            .map(|s| ProvingSector {
                number: s.sector_number,
                sealed_cid: s.sealed_cid,
                seal_proof: i64::from(s.seal_proof),
            })
            .collect())
    }

    /// Lotus's `MinerGetBaseInfo`: `None` when the miner has nothing to prove (no
    /// sectors or no actor in the lookback state).
    pub fn miner_base_info(
        &self,
        miner: &Address,
        round: i64,
        base: &TipSet,
    ) -> Result<Option<MinerBaseInfo>> {
        if round <= base.height() {
            bail!(
                "round {round} is not after the base tipset's height {}",
                base.height()
            );
        }
        let id = miner_id(miner)?;
        let prev = latest_beacon_entry(self.chain(), base)?;
        let wanted = self
            .beacon()
            .max_round_for_epoch(round)
            .saturating_sub(prev.round);
        if wanted > MAX_BASE_INFO_BEACON_ENTRIES {
            bail!(
                "round {round} is too far after the base at height {}: it would need {wanted} \
                 beacon entries (at most {MAX_BASE_INFO_BEACON_ENTRIES})",
                base.height()
            );
        }
        let entries = entries_for_block(self.beacon(), round, &prev);
        let rbase = entries.last().unwrap_or(&prev).clone();
        let (lbts, lbst) = self.lookback(base, round)?;
        let lb = self.view(&lbst)?;
        if lb.actor(miner)?.is_none() {
            return Ok(None);
        }
        let prand = draw_from_base(
            &rbase.data,
            Tag::WinningPoStChallengeSeed,
            round,
            &address_cbor(miner),
        );
        let sectors = self.winning_post_sectors(&lbst, miner, prand)?;
        if sectors.is_empty() {
            return Ok(None);
        }
        let power: PowerState = lb.actor_state(ids::POWER)?;
        let claim = power
            .get_claim(lb.store(), miner)
            .map_err(|e| anyhow!("reading the power claim of {miner}: {e}"))?;
        let mst: MinerState = lb.actor_state(id)?;
        let info = mst.get_info(lb.store())?;
        let worker_key = lb
            .key_address(&info.worker)
            .or_else(|_| self.view(&base.parent_state())?.key_address(&info.worker))
            .context("resolving the worker key")?;
        Ok(Some(MinerBaseInfo {
            miner_power: claim.map(|c| c.quality_adj_power).unwrap_or_default(),
            network_power: power.total_quality_adj_power.clone(),
            sectors,
            worker_key,
            sector_size: info.sector_size as u64,
            winning_post_proof: i64::from(winning_post_for_size(info.sector_size as u64)?),
            prev_beacon_entry: prev,
            beacon_entries: entries,
            eligible_for_mining: self.eligible_to_mine(miner, base, &lbts)?,
        }))
    }
}
