//! Deadlines, partitions and the sector sets they hold, with Lotus's semantics:
//! `StateMinerProvingDeadline`, `StateMinerDeadlines`, `StateMinerPartitions`,
//! `StateMinerFaults`, `StateMinerRecoveries` (sectors declared recovering) and
//! `StateMinerSectorCount` (live, active and faulty sectors, for `padma-miner info`).

use super::miner::{miner_at, sector_sets, tok, MinerAt};
use super::state::{err, View};
use super::NodeState;
use fil_actor_miner_state::v18::{self as miner, DeadlineInfo, State as MinerState};
use fvm_shared::address::Address;
use padma_api::miner_json::{DeadlineInfoJson, DeadlineJson, MinerSectorsJson, PartitionJson};
use padma_api::miner_state::*;
use padma_rpc::{CallCtx, MethodTable, RpcError};
use padma_state::ActorKind;
use padma_types::json::block::TipSetKeyJson;
use padma_types::json::{AddressJson, BitFieldJson};
use std::sync::Arc;

type S = Arc<NodeState>;

/// Registers the deadline, partition and sector-set methods.
pub(super) fn register(t: &mut MethodTable<NodeState>) {
    t.add_offloaded(StateMinerProvingDeadline, state_miner_proving_deadline);
    t.add_offloaded(StateMinerDeadlines, state_miner_deadlines);
    t.add_offloaded(StateMinerPartitions, state_miner_partitions);
    t.add_offloaded(StateMinerFaults, |s: S, _c, (a, key): MinerAt| async move {
        let (v, _, _, st) = miner_at(&s, &a, &key)?;
        Ok(BitFieldJson(sector_sets(&v, &st)?.faulty))
    });
    t.add_offloaded(
        StateMinerSectorCount,
        |s: S, _c, (a, key): MinerAt| async move {
            let (v, st) = counted_miner(&s, &a, &key)?;
            let sets = sector_sets(&v, &st)?;
            Ok(MinerSectorsJson {
                live: sets.live.len(),
                active: sets.active.len(),
                faulty: sets.faulty.len(),
            })
        },
    );
    t.add_offloaded(
        StateMinerRecoveries,
        |s: S, _c, (a, key): MinerAt| async move {
            let (v, st) = counted_miner(&s, &a, &key)?;
            Ok(BitFieldJson(sector_sets(&v, &st)?.recovering))
        },
    );
}

/// Miner `a` and its state at the tipset of `key`, as `StateMinerSectorCount` and
/// `StateMinerRecoveries` load it (with their own error for a non-miner).
fn counted_miner<'a>(
    s: &'a NodeState,
    a: &AddressJson,
    key: &TipSetKeyJson,
) -> Result<(View<'a>, MinerState), RpcError> {
    let v = View::at_key(s, key)?;
    let a: Address = a.0;
    let (_, act) = v
        .must_actor(&a)
        .map_err(|e| err(format!("failed to load miner actor: {}", e.message)))?;
    if ActorKind::from_code(&act.code) != Some(ActorKind::StorageMiner) {
        return Err(err(format!("{a} is not a storage miner")));
    }
    let st: MinerState = v.load(&act.state)?;
    Ok((v, st))
}

/// A deadline info in Lotus JSON (`dline.Info`).
pub fn deadline_info_json(d: &DeadlineInfo) -> DeadlineInfoJson {
    DeadlineInfoJson {
        current_epoch: d.current_epoch,
        period_start: d.period_start,
        index: d.index,
        open: d.open,
        close: d.close,
        challenge: d.challenge,
        fault_cutoff: d.fault_cutoff,
        w_post_period_deadlines: d.w_post_period_deadlines,
        w_post_proving_period: d.w_post_proving_period,
        w_post_challenge_window: d.w_post_challenge_window,
        w_post_challenge_lookback: d.w_post_challenge_lookback,
        fault_declaration_cutoff: d.fault_declaration_cutoff,
    }
}

/// `StateMinerProvingDeadline`: the current (or next, if elapsed) deadline.
async fn state_miner_proving_deadline(
    s: S,
    _c: CallCtx,
    (a, key): MinerAt,
) -> Result<DeadlineInfoJson, RpcError> {
    let (v, _, _, st) = miner_at(&s, &a, &key)?;
    let policy = padma_state::policy::devnet_policy();
    let info = st
        .recorded_deadline_info(&policy, v.ts.height())
        .next_not_elapsed();
    Ok(deadline_info_json(&info))
}

/// `StateMinerDeadlines`: per deadline, its PoSt submissions, disputable proofs and fee.
async fn state_miner_deadlines(
    s: S,
    _c: CallCtx,
    (a, key): MinerAt,
) -> Result<Vec<DeadlineJson>, RpcError> {
    let (v, _, _, st) = miner_at(&s, &a, &key)?;
    let dls = st.load_deadlines(v.store).map_err(err)?;
    let mut out = Vec::new();
    dls.for_each(v.store, |_, dl| {
        let proofs = fil_actors_shared::v18::Array::<miner::WindowedPoSt, _>::load(
            &dl.optimistic_post_submissions,
            v.store,
        )?;
        out.push(DeadlineJson {
            post_submissions: BitFieldJson(dl.partitions_posted.clone()),
            disputable_proof_count: proofs.count(),
            daily_fee: tok(&dl.daily_fee),
        });
        Ok(())
    })
    .map_err(err)?;
    Ok(out)
}

/// `StateMinerPartitions`: the partitions of one deadline.
async fn state_miner_partitions(
    s: S,
    _c: CallCtx,
    (a, idx, key): (AddressJson, u64, TipSetKeyJson),
) -> Result<Vec<PartitionJson>, RpcError> {
    let (v, _, _, st) = miner_at(&s, &a, &key)?;
    let policy = padma_state::policy::devnet_policy();
    if idx >= policy.wpost_period_deadlines {
        return Err(err(format!("invalid deadline {idx}")));
    }
    let dls = st.load_deadlines(v.store).map_err(err)?;
    let dl = dls.load_deadline(v.store, idx).map_err(err)?;
    let mut out = Vec::new();
    dl.for_each(v.store, |_, part| {
        out.push(PartitionJson {
            all_sectors: BitFieldJson(part.sectors.clone()),
            faulty_sectors: BitFieldJson(part.faults.clone()),
            recovering_sectors: BitFieldJson(part.recoveries.clone()),
            live_sectors: BitFieldJson(part.live_sectors()),
            active_sectors: BitFieldJson(part.active_sectors()),
        });
        Ok(())
    })
    .map_err(err)?;
    Ok(out)
}
