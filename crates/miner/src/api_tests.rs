//! The miner's method table against padma-api's definitions: on v0 it serves exactly
//! the StorageMiner methods padma-api defines, each with the facts it defines, and
//! nothing on v1.

use super::*;
use padma_rpc::MethodInfo;

fn sorted(infos: impl IntoIterator<Item = MethodInfo>) -> Vec<String> {
    let mut out: Vec<String> = infos.into_iter().map(|i| format!("{i:?}")).collect();
    out.sort();
    out
}

#[test]
fn the_table_serves_exactly_the_defined_methods_on_v0() {
    let table = methods();
    let defined = padma_api::storage_miner_methods();
    for info in &defined {
        let served = table.get(ApiVersion::V0, info.name).map(|r| r.info);
        assert_eq!(served, Some(*info), "{} on v0", info.name);
        assert!(
            table.get(ApiVersion::V1, info.name).is_none(),
            "{} is not served on v1",
            info.name
        );
    }
    assert_eq!(sorted(table.infos()), sorted(defined));
    assert!(table.get(ApiVersion::V0, "rpc.discover").is_some());
}
