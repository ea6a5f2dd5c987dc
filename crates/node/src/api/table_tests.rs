//! The node's table serves exactly padma-api's FullNode definitions, each with its
//! facts, plus the rows not yet typed: no typed method is forgotten or registered
//! twice, and none is both typed and untyped.

use super::*;
use padma_rpc::MethodInfo;

fn sorted(infos: impl IntoIterator<Item = MethodInfo>) -> Vec<String> {
    let mut out: Vec<String> = infos.into_iter().map(|i| format!("{i:?}")).collect();
    out.sort();
    out
}

#[test]
fn the_table_serves_the_typed_definitions_and_the_untyped_rows() {
    let table = methods(&exec::ApiExecutors::inline());
    let typed = padma_api::full_node_methods();
    let untyped = MethodTable::new(untyped_methods()).infos();
    for info in &typed {
        for version in [ApiVersion::V0, ApiVersion::V1] {
            if info.versions.serves(version) {
                let served = table.get(version, info.name).map(|r| r.info);
                assert_eq!(served, Some(*info), "{} on {version:?}", info.name);
            }
        }
    }
    for row in &untyped {
        assert!(
            !typed.iter().any(|t| t.name == row.name),
            "{} is both typed and untyped",
            row.name
        );
    }
    assert_eq!(
        sorted(table.infos()),
        sorted(typed.into_iter().chain(untyped))
    );
}
