//! Miner-state reads the storage miner's commands use: `StateMinerSectorCount`
//! (live, active and faulty sectors, for `padma-miner info`) and
//! `StateMinerRecoveries` (sectors declared recovering), with Lotus's semantics.

use super::chain::view_of;
use super::state::err;
use super::NodeState;
use fil_actor_miner_state::v18::State as MinerState;
use fvm_ipld_bitfield::BitField;
use fvm_shared::address::Address;
use padma_api::miner_json::MinerSectorsJson;
use padma_api::miner_state::{StateMinerRecoveries, StateMinerSectorCount};
use padma_rpc::{MethodTable, RpcError};
use padma_state::ActorKind;
use padma_types::block_json::TipSetKeyJson;
use padma_types::json::{AddressJson, BitFieldJson};
use std::sync::Arc;

type S = Arc<NodeState>;

/// Registers `StateMinerSectorCount` and `StateMinerRecoveries`.
pub(super) fn register(t: &mut MethodTable<NodeState>) {
    t.add_offloaded(
        StateMinerSectorCount,
        |s: S, _c, (a, key): (AddressJson, TipSetKeyJson)| async move {
            let [live, active, faulty, _] = sector_sets(&s, &a, &key)?;
            Ok(MinerSectorsJson {
                live: live.len(),
                active: active.len(),
                faulty: faulty.len(),
            })
        },
    );
    t.add_offloaded(
        StateMinerRecoveries,
        |s: S, _c, (a, key): (AddressJson, TipSetKeyJson)| async move {
            let [_, _, _, recovering] = sector_sets(&s, &a, &key)?;
            Ok(BitFieldJson(recovering))
        },
    );
}

/// The live, active, faulty and recovering sectors of miner `a` at the tipset of `key`.
fn sector_sets(
    s: &NodeState,
    a: &AddressJson,
    key: &TipSetKeyJson,
) -> Result<[BitField; 4], RpcError> {
    let v = view_of(s, key)?;
    let a: Address = a.0;
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
