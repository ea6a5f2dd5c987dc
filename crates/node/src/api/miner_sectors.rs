//! What a sealing miner asks of the node about its sectors, with Lotus's semantics:
//! `StateMinerPreCommitDepositForPower`, `StateMinerInitialPledgeCollateral` (both
//! with Lotus's 110% margin), `StateSectorPreCommitInfo` and `StateMinerAllocated`.

use super::miner::miner_at;
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
use fvm_shared::sector::RegisteredSealProof;
use padma_rpc::method::{to_value, CallResult};
use padma_rpc::{ApiVersion, CallCtx, Params, RpcError};
use padma_state::actors::ids;
use padma_types::json::bitfield_json;
use padma_types::json::CidJson;
use serde::Deserialize;
use serde_json::{json, Value};
use std::sync::Arc;

/// Lotus pads both estimates by 10% (`initialPledgeNum / initialPledgeDen`).
fn with_margin(t: TokenAmount) -> TokenAmount {
    TokenAmount::from_atto(t.atto() * 110 / 100)
}

/// `miner.SectorPreCommitInfo` in Lotus JSON (input).
#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct PreCommitInfoJson {
    seal_proof: i64,
    #[serde(default)]
    sector_number: u64,
    #[serde(rename = "SealedCID", default)]
    _sealed_cid: Option<CidJson>,
    #[serde(default)]
    _seal_rand_epoch: i64,
    #[serde(rename = "DealIDs", default)]
    deal_ids: Option<Vec<u64>>,
    #[serde(default)]
    expiration: i64,
}

impl PreCommitInfoJson {
    fn proof(&self) -> Result<RegisteredSealProof, RpcError> {
        let p = RegisteredSealProof::from(self.seal_proof);
        if matches!(p, RegisteredSealProof::Invalid(_)) {
            return Err(err(format!("unknown seal proof type {}", self.seal_proof)));
        }
        Ok(p)
    }

    fn sector_size(&self) -> Result<fvm_shared::sector::SectorSize, RpcError> {
        self.proof()?
            .sector_size()
            .map_err(|e| err(format!("failed to resolve sector size for seal proof: {e}")))
    }
}

/// `SectorPreCommitInfo` in Lotus JSON.
fn pre_commit_info_json(i: &SectorPreCommitInfo) -> Value {
    json!({
        "SealProof": i64::from(i.seal_proof),
        "SectorNumber": i.sector_number,
        "SealedCID": CidJson(i.sealed_cid),
        "SealRandEpoch": i.seal_rand_epoch,
        "DealIDs": if i.deal_ids.is_empty() { Value::Null } else { json!(i.deal_ids) },
        "Expiration": i.expiration,
        "UnsealedCid": i.unsealed_cid.0.map(CidJson),
    })
}

/// `SectorPreCommitOnChainInfo` in Lotus JSON.
pub fn pre_commit_on_chain_json(p: &SectorPreCommitOnChainInfo) -> Value {
    json!({
        "Info": pre_commit_info_json(&p.info),
        "PreCommitDeposit": p.pre_commit_deposit.atto().to_string(),
        "PreCommitEpoch": p.pre_commit_epoch,
    })
}

/// `StateMinerPreCommitDepositForPower [miner, SectorPreCommitInfo, tsk]`: the deposit
/// for a sector of the maximum QA power of its size (nv ≥ 17), plus 10%.
pub async fn state_miner_pre_commit_deposit_for_power(
    s: Arc<NodeState>,
    _c: CallCtx,
    p: Params,
) -> CallResult {
    let v = View::at(&s, &p, 2)?;
    let pci: PreCommitInfoJson = p.get(1)?;
    let size = pci.sector_size()?;
    let rw: RewardState = v.actor_state(ids::REWARD)?;
    let pw: PowerState = v.actor_state(ids::POWER)?;
    let deposit = pre_commit_deposit_for_power(
        &rw.this_epoch_reward_smoothed,
        &pw.this_epoch_qa_power_smoothed,
        &qa_power_max(size),
    );
    to_value(with_margin(deposit).atto().to_string())
}

/// `StateMinerInitialPledgeCollateral [miner, SectorPreCommitInfo, tsk]`: the initial
/// pledge of a sector lasting from the tipset's height to its expiration (no verified
/// deals: padma's miner actor takes committed-capacity sectors), plus 10%.
pub async fn state_miner_initial_pledge_collateral(
    s: Arc<NodeState>,
    _c: CallCtx,
    p: Params,
) -> CallResult {
    let v = View::at(&s, &p, 2)?;
    let pci: PreCommitInfoJson = p.get(1)?;
    let size = pci.sector_size()?;
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
    to_value(with_margin(pledge).atto().to_string())
}

/// `StateSectorPreCommitInfo [miner, number, tsk]`: the on-chain pre-commitment, or
/// `null` when there is none (v1; Lotus v0 errors instead).
pub async fn state_sector_pre_commit_info(s: Arc<NodeState>, c: CallCtx, p: Params) -> CallResult {
    let (v, _, _, st) = miner_at(&s, &p, 2)?;
    let n: u64 = p.get(1)?;
    match st.get_precommitted_sector(v.store, n).map_err(err)? {
        Some(pc) => Ok(pre_commit_on_chain_json(&pc)),
        None if c.version == ApiVersion::V0 => Err(err("precommit info does not exist")),
        None => Ok(Value::Null),
    }
}

/// `StateMinerAllocated [miner, tsk]`: every sector number the miner has allocated.
pub async fn state_miner_allocated(s: Arc<NodeState>, _c: CallCtx, p: Params) -> CallResult {
    let (v, _, _, st) = miner_at(&s, &p, 1)?;
    let bf: fvm_ipld_bitfield::BitField = v.load(&st.allocated_sectors)?;
    Ok(bitfield_json(&bf))
}
