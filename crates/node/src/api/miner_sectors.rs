//! What a sealing miner asks of the node about its sectors, with Lotus's semantics:
//! `StateMinerPreCommitDepositForPower`, `StateMinerInitialPledgeCollateral` (both
//! with Lotus's 110% margin), `StateSectorPreCommitInfo` and `StateMinerAllocated`.

use super::miner::{miner_at, non_empty};
use super::state::{err, View};
use super::NodeState;
use fil_actor_miner_state::v18::{
    pre_commit_deposit_for_power, qa_power_for_weight, qa_power_max, SectorPreCommitInfo,
    SectorPreCommitOnChainInfo,
};
use fil_actor_power_state::v18::State as PowerState;
use fil_actor_reward_state::v18::State as RewardState;
use fvm_shared::bigint::BigInt;
use fvm_shared::econ::TokenAmount;
use fvm_shared::sector::{RegisteredSealProof, SectorSize};
use padma_api::miner_json::{SectorPreCommitInfoJson, SectorPreCommitOnChainInfoJson};
use padma_api::miner_state::*;
use padma_rpc::{CallCtx, MethodTable, RpcError};
use padma_state::actors::ids;
use padma_types::json::block::TipSetKeyJson;
use padma_types::json::{AddressJson, BitFieldJson, CidJson, TokenAmountJson};
use std::sync::Arc;

type S = Arc<NodeState>;
/// A miner, a pre-commitment and a tipset key: the parameters of the estimates.
type EstimateParams = (AddressJson, SectorPreCommitInfoJson, TipSetKeyJson);
/// A miner, a sector number and a tipset key.
type SectorParams = (AddressJson, u64, TipSetKeyJson);

/// Registers the sealing methods.
pub(super) fn register(t: &mut MethodTable<NodeState>) {
    t.add_offloaded(
        StateMinerPreCommitDepositForPower,
        state_miner_pre_commit_deposit_for_power,
    );
    t.add_offloaded(
        StateMinerInitialPledgeCollateral,
        state_miner_initial_pledge_collateral,
    );
    t.add_offloaded(
        StateSectorPreCommitInfo,
        |s: S, _c, p: SectorParams| async move { pre_commit_info(&s, p) },
    );
    t.add_offloaded(
        StateSectorPreCommitInfoV0,
        |s: S, _c, p: SectorParams| async move {
            pre_commit_info(&s, p)?.ok_or_else(|| err("precommit info does not exist"))
        },
    );
    t.add_offloaded(
        StateMinerAllocated,
        |s: S, _c, (a, key): (AddressJson, TipSetKeyJson)| async move {
            let (v, _, _, st) = miner_at(&s, &a, &key)?;
            let bf: fvm_ipld_bitfield::BitField = v.load(&st.allocated_sectors)?;
            Ok(BitFieldJson(bf))
        },
    );
}

/// Lotus pads both estimates by 10% (`initialPledgeNum / initialPledgeDen`).
fn with_margin(t: TokenAmount) -> TokenAmount {
    TokenAmount::from_atto(t.atto() * 110 / 100)
}

/// The sector size of a pre-commitment's seal proof.
fn sector_size(pci: &SectorPreCommitInfoJson) -> Result<SectorSize, RpcError> {
    let proof = RegisteredSealProof::from(pci.seal_proof);
    if matches!(proof, RegisteredSealProof::Invalid(_)) {
        return Err(err(format!("unknown seal proof type {}", pci.seal_proof)));
    }
    proof
        .sector_size()
        .map_err(|e| err(format!("failed to resolve sector size for seal proof: {e}")))
}

/// `SectorPreCommitInfo` in Lotus JSON.
fn pre_commit_info_json(i: &SectorPreCommitInfo) -> SectorPreCommitInfoJson {
    SectorPreCommitInfoJson {
        seal_proof: i64::from(i.seal_proof),
        sector_number: i.sector_number,
        sealed_cid: Some(CidJson(i.sealed_cid)),
        seal_rand_epoch: i.seal_rand_epoch,
        deal_ids: non_empty(i.deal_ids.clone()),
        expiration: i.expiration,
        unsealed_cid: i.unsealed_cid.0.map(CidJson),
    }
}

/// `SectorPreCommitOnChainInfo` in Lotus JSON.
pub fn pre_commit_on_chain_json(p: &SectorPreCommitOnChainInfo) -> SectorPreCommitOnChainInfoJson {
    SectorPreCommitOnChainInfoJson {
        info: pre_commit_info_json(&p.info),
        pre_commit_deposit: TokenAmountJson(p.pre_commit_deposit.clone()),
        pre_commit_epoch: p.pre_commit_epoch,
    }
}

/// `StateMinerPreCommitDepositForPower [miner, SectorPreCommitInfo, tsk]`: the deposit
/// for a sector of the maximum QA power of its size (nv ≥ 17), plus 10%.
async fn state_miner_pre_commit_deposit_for_power(
    s: S,
    _c: CallCtx,
    (_miner, pci, key): EstimateParams,
) -> Result<TokenAmountJson, RpcError> {
    let v = View::at_key(&s, &key)?;
    let size = sector_size(&pci)?;
    let rw: RewardState = v.actor_state(ids::REWARD)?;
    let pw: PowerState = v.actor_state(ids::POWER)?;
    let deposit = pre_commit_deposit_for_power(
        &rw.this_epoch_reward_smoothed,
        &pw.this_epoch_qa_power_smoothed,
        &qa_power_max(size),
    );
    Ok(TokenAmountJson(with_margin(deposit)))
}

/// `StateMinerInitialPledgeCollateral [miner, SectorPreCommitInfo, tsk]`: the initial
/// pledge of a sector lasting from the tipset's height to its expiration (no verified
/// deals: padma's miner actor takes committed-capacity sectors), plus 10%.
async fn state_miner_initial_pledge_collateral(
    s: S,
    _c: CallCtx,
    (_miner, pci, key): EstimateParams,
) -> Result<TokenAmountJson, RpcError> {
    let v = View::at_key(&s, &key)?;
    let size = sector_size(&pci)?;
    if pci.deal_ids.as_ref().is_some_and(|d| !d.is_empty()) {
        return Err(err(format!(
            "sector {}: deals are not supported by padma's market actor",
            pci.sector_number
        )));
    }
    let height = v.ts.height();
    let duration = pci.expiration - height;
    let power = qa_power_for_weight(size, duration, &BigInt::default());
    let rw: RewardState = v.actor_state(ids::REWARD)?;
    let pw: PowerState = v.actor_state(ids::POWER)?;
    let circ = padma_chain::supply::vm_circulating(&v.state, height).map_err(super::state::ah)?;
    let (since_ramp, ramp) = if pw.ramp_start_epoch > 0 {
        (height - pw.ramp_start_epoch, pw.ramp_duration_epochs)
    } else {
        (0, 0)
    };
    let pledge = fil_actor_miner_state::v18::initial_pledge_for_power(
        &power,
        &rw.this_epoch_baseline_power,
        &rw.this_epoch_reward_smoothed,
        &pw.this_epoch_qa_power_smoothed,
        &circ,
        since_ramp,
        ramp,
    );
    Ok(TokenAmountJson(with_margin(pledge)))
}

/// `StateSectorPreCommitInfo [miner, number, tsk]`: the on-chain pre-commitment, if
/// any (v1 answers `null` without one; Lotus v0 errors instead).
fn pre_commit_info(
    s: &NodeState,
    (a, n, key): SectorParams,
) -> Result<Option<SectorPreCommitOnChainInfoJson>, RpcError> {
    let (v, _, _, st) = miner_at(s, &a, &key)?;
    Ok(st
        .get_precommitted_sector(v.store, n)
        .map_err(err)?
        .as_ref()
        .map(pre_commit_on_chain_json))
}
