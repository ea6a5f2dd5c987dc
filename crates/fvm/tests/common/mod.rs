//! What the FVM engine tests share: the shared actors archive, a padma genesis with
//! one fake-sector miner built through the testing-fake-proofs actors, and the
//! execution context.

#![allow(dead_code, clippy::unwrap_used)] // test code: a panic is a failed test

use fvm_shared::econ::TokenAmount;
use padma_fvm::Bundle;
use padma_state::code::CodeSet;
use padma_state::genesis::{self, Genesis, Template, INITIAL_BASE_FEE, MINER_START};
use padma_state::policy::{devnet_policy, NETWORK_VERSION};
use padma_state::runtime::NoExterns;
use padma_state::vm::{LotusSupply, VmEnv};
use padma_types::crypto::{KeyInfo, KeyType};
use padma_types::sector::SIZE_2KIB;
use std::path::PathBuf;
use std::sync::Arc;

/// The genesis timestamp of the test networks.
pub const GENESIS_TIME: u64 = 1_700_000_000;

/// The official builtin-actors v18 archive beside the project.
pub fn archive() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../../shared/actors/builtin-actors-v18.tar.zst")
}

/// The timestamp of `epoch` (4 s blocks).
pub fn timestamp(epoch: i64) -> u64 {
    GENESIS_TIME + epoch as u64 * 4
}

/// The base fee every test tipset runs at.
pub fn base_fee() -> TokenAmount {
    TokenAmount::from_atto(INITIAL_BASE_FEE)
}

/// The execution context of a tipset at `epoch`.
pub fn env(epoch: i64) -> VmEnv {
    VmEnv {
        epoch,
        timestamp: timestamp(epoch),
        base_fee: base_fee(),
        network_version: NETWORK_VERSION,
        policy: devnet_policy(),
        randomness: Arc::new(NoExterns),
        proofs: Arc::new(NoExterns),
        supply: Arc::new(LotusSupply::devnet()),
    }
}

/// The genesis miner's owner and worker (a BLS key), funded at genesis.
pub fn owner_key() -> KeyInfo {
    let mut sk = [42u8; 32];
    sk[31] &= 0x3f;
    KeyInfo::new(KeyType::Bls, sk.to_vec()).unwrap()
}

/// A template named `name` with the genesis miner t01000 owning `sectors` fake sectors.
pub fn template(name: &str, sectors: u64) -> Template {
    let m = genesis::fake::fake_miner(MINER_START, &owner_key(), SIZE_2KIB, sectors, 9001).unwrap();
    let mut t = Template::new(name.into(), GENESIS_TIME);
    t.add_miners_from_manifest(
        serde_json::json!({ "t01000": m }).to_string().as_bytes(),
        TokenAmount::from_whole(50_000_000),
    )
    .unwrap();
    t
}

/// A datastore in a temp dir holding the testing-fake-proofs actors and the genesis of
/// `t` built with their code.
pub fn genesis_store(t: &Template) -> (tempfile::TempDir, Arc<padma_store::Store>, Genesis) {
    let bundle = Bundle::load(&archive(), CodeSet::FakeProofs).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let store = Arc::new(padma_store::Store::open(dir.path()).unwrap());
    bundle.import(&store).unwrap();
    let g = padma_fvm::genesis::build(&store, t, CodeSet::FakeProofs).unwrap();
    (dir, store, g)
}
