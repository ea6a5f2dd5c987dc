//! The node's method table against padma-api's definitions: every FullNode method
//! padma-api defines is served, on the versions it names, with the facts it defines.

use super::*;

#[test]
fn every_defined_method_is_served_as_defined() {
    let table = methods(&exec::ApiExecutors::inline());
    for info in padma_api::full_node_methods() {
        for version in [ApiVersion::V0, ApiVersion::V1] {
            if !info.versions.serves(version) {
                continue;
            }
            let served = table
                .get(version, info.name)
                .unwrap_or_else(|| panic!("{} not served on {version:?}", info.name));
            assert_eq!(served.info, info, "{} on {version:?}", info.name);
        }
    }
}
