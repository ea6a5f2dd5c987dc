//! The shared test vectors in the workspace's `testdata`.

use serde_json::Value;

/// Reads and parses `testdata/<name>` at the workspace root.
fn testdata(name: &str) -> Value {
    let path = format!("{}/../../testdata/{name}", env!("CARGO_MANIFEST_DIR"));
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{path}: {e}"))
}

/// The shared test vectors (keys, addresses and signed messages as Lotus makes them).
pub fn vectors() -> Value {
    testdata("vectors.json")
}

/// Lotus's JSON-RPC methods per API version, with their permissions.
pub fn lotus_methods() -> Value {
    testdata("lotus-methods.json")
}

/// The official builtin-actors v18 archive (Lotus's `v18.tar.zst`) in the shared test
/// data beside the project (`../shared/actors/`).
pub fn actors_archive() -> std::path::PathBuf {
    std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../../shared/actors/builtin-actors-v18.tar.zst")
}
