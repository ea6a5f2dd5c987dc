//! The node's method table against padma-api's definitions: it serves exactly the
//! FullNode methods padma-api defines, each on the versions it names with the facts it
//! defines — none forgotten, none extra, none registered twice.

use super::*;
use padma_rpc::MethodInfo;

fn sorted(infos: impl IntoIterator<Item = MethodInfo>) -> Vec<String> {
    let mut out: Vec<String> = infos.into_iter().map(|i| format!("{i:?}")).collect();
    out.sort();
    out
}

#[test]
fn the_table_serves_exactly_the_defined_methods() {
    let table = methods(&exec::ApiExecutors::inline());
    let defined = padma_api::full_node_methods();
    for info in &defined {
        for version in [ApiVersion::V0, ApiVersion::V1] {
            if info.versions.serves(version) {
                let served = table.get(version, info.name).map(|r| r.info);
                assert_eq!(served, Some(*info), "{} on {version:?}", info.name);
            }
        }
    }
    assert_eq!(sorted(table.infos()), sorted(defined));
}
