//! The StorageMiner definitions carry Lotus's parameter counts and permissions.

use super::*;
use padma_rpc::rpc_method::MethodKind;
use padma_rpc::{Permission, RpcMethod};

#[test]
fn definitions_match_lotus_arity_and_permissions() {
    assert_eq!(ActorAddress::REQUIRED_PARAMS, 0);
    assert_eq!(ActorSectorSize::PARAM_NAMES, ["addr"]);
    assert_eq!(MiningBase::PERM, Permission::Read);
    assert_eq!(PledgeSector::PERM, Permission::Write);
    assert_eq!(SectorsStatus::PARAM_NAMES, ["sid", "showOnChainInfo"]);
    assert_eq!(SectorsStatus::REQUIRED_PARAMS, 2);
    assert_eq!(SectorsSummary::REQUIRED_PARAMS, 0);
    let all = storage_miner_methods();
    assert_eq!(all.len(), 14);
    let closing = all.iter().find(|m| m.name == "Filecoin.Closing");
    assert_eq!(closing.map(|m| m.kind), Some(MethodKind::Channel));
    let names: Vec<&str> = miner_methods().iter().map(|m| m.name).collect();
    assert_eq!(
        names,
        [
            "Filecoin.ActorAddress",
            "Filecoin.ActorSectorSize",
            "Filecoin.MiningBase",
            "Filecoin.PledgeSector",
            "Filecoin.SectorsList",
            "Filecoin.SectorsStatus",
            "Filecoin.SectorsSummary",
        ]
    );
}
