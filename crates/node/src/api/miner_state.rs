//! Miner-state reads the storage miner's commands use: `StateMinerSectorCount`
//! (live, active and faulty sectors, for `padma-miner info`) and
//! `StateMinerRecoveries` (sectors declared recovering), with Lotus's semantics.

use super::state::{err, View};
use super::NodeState;
use fil_actor_miner_state::v18::State as MinerState;
use fvm_ipld_bitfield::BitField;
use fvm_shared::address::Address;
use padma_rpc::method::CallResult;
use padma_rpc::{CallCtx, Params, RpcError};
use padma_state::ActorKind;
use padma_types::json::bitfield_json;
use padma_types::json::AddressJson;
use serde_json::json;
use std::sync::Arc;

/// The live, active, faulty and recovering sectors of the miner at parameter 0, at
/// the tipset of parameter 1.
fn sector_sets(s: &NodeState, p: &Params) -> Result<[BitField; 4], RpcError> {
    let v = View::at(s, p, 1)?;
    let a: Address = p.get::<AddressJson>(0)?.0;
    let (_, act) = v
        .must_actor(&a)
        .map_err(|e| err(format!("failed to load miner actor: {}", e.message)))?;
    if ActorKind::from_code(&act.code) != Some(ActorKind::StorageMiner) {
        return Err(err(format!("{a} is not a storage miner")));
    }
    let st: MinerState = v.load(&act.state)?;
    let dls = st.load_deadlines(v.store).map_err(err)?;
    let mut sets = [
        BitField::new(),
        BitField::new(),
        BitField::new(),
        BitField::new(),
    ];
    dls.for_each(v.store, |_, dl| {
        dl.for_each(v.store, |_, part| {
            sets[0] |= &part.live_sectors();
            sets[1] |= &part.active_sectors();
            sets[2] |= &part.faults;
            sets[3] |= &part.recoveries;
            Ok(())
        })
    })
    .map_err(err)?;
    Ok(sets)
}

/// `StateMinerSectorCount [maddr, tsk]` → `{Live, Active, Faulty}`.
pub async fn state_miner_sector_count(s: Arc<NodeState>, _c: CallCtx, p: Params) -> CallResult {
    let [live, active, faulty, _] = sector_sets(&s, &p)?;
    Ok(json!({ "Live": live.len(), "Active": active.len(), "Faulty": faulty.len() }))
}

/// `StateMinerRecoveries [maddr, tsk]`: sectors declared recovered, not yet proven.
pub async fn state_miner_recoveries(s: Arc<NodeState>, _c: CallCtx, p: Params) -> CallResult {
    let [_, _, _, recovering] = sector_sets(&s, &p)?;
    Ok(bitfield_json(&recovering))
}
