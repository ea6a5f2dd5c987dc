//! The binaries under test, found next to the test executable (`cargo test
//! --workspace` builds them into the same target directory).

use std::path::PathBuf;

/// The `padma` binary (full node and CLI).
pub fn padma() -> PathBuf {
    sibling_bin("padma")
}

/// The `padma-miner` binary.
pub fn padma_miner() -> PathBuf {
    sibling_bin("padma-miner")
}

/// The `padma-seed` binary.
pub fn padma_seed() -> PathBuf {
    sibling_bin("padma-seed")
}

/// `name` in the target directory the running test executable was built into (the
/// test is `<target>/<profile>/deps/<test>-<hash>`, the binaries `<target>/<profile>/<name>`).
fn sibling_bin(name: &str) -> PathBuf {
    let exe = std::env::current_exe().unwrap();
    let profile_dir = exe.parent().and_then(|deps| deps.parent()).unwrap();
    let path = profile_dir.join(name);
    assert!(
        path.exists(),
        "{} is missing: build it first (cargo test --workspace builds padma, padma-miner and padma-seed)",
        path.display()
    );
    path
}
