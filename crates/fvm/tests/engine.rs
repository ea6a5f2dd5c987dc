//! The FVM engine on a padma genesis built with a v18 bundle's code CIDs and blocks.

#![allow(clippy::unwrap_used, clippy::indexing_slicing)] // test code: a panic is a failed test

use fvm_ipld_encoding::RawBytes;
use fvm_shared::econ::TokenAmount;
use fvm_shared::error::ExitCode;
use fvm_shared::message::Message;
use padma_fvm::{Bundle, FvmEngine};
use padma_state::actors::{ids, method};
use padma_state::code::CodeSet;
use padma_state::genesis::{self, Template, INITIAL_BASE_FEE, MINER_START};
use padma_state::policy::{devnet_policy, NETWORK_VERSION};
use padma_state::runtime::NoExterns;
use padma_state::tree::StateTree;
use padma_state::vm::{BlockMessages, ChainMessage, Engine, LotusSupply, VmEnv};
use padma_types::crypto::{KeyInfo, KeyType};
use padma_types::sector::SIZE_2KIB;
use std::path::PathBuf;
use std::sync::Arc;

fn archive() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../../shared/actors/builtin-actors-v18.tar.zst")
}

fn env(epoch: i64) -> VmEnv {
    VmEnv {
        epoch,
        timestamp: 1_700_000_000 + epoch as u64 * 4,
        base_fee: TokenAmount::from_atto(INITIAL_BASE_FEE),
        network_version: NETWORK_VERSION,
        policy: devnet_policy(),
        randomness: Arc::new(NoExterns),
        proofs: Arc::new(NoExterns),
        supply: Arc::new(LotusSupply::devnet()),
    }
}

fn owner_key() -> KeyInfo {
    let mut sk = [42u8; 32];
    sk[31] &= 0x3f;
    KeyInfo::new(KeyType::Bls, sk.to_vec()).unwrap()
}

fn template(n: u64) -> Template {
    let k = owner_key();
    let m = genesis::fake::fake_miner(MINER_START, &k, SIZE_2KIB, n, 9001).unwrap();
    let mut t = Template::new("localnet-fvm".into(), 1_700_000_000);
    let manifest = serde_json::json!({ "t01000": m });
    t.add_miners_from_manifest(
        manifest.to_string().as_bytes(),
        TokenAmount::from_whole(50_000_000),
    )
    .unwrap();
    t
}

#[test]
fn a_padma_genesis_executes_on_the_fvm() {
    let bundle = Bundle::load(&archive(), CodeSet::FakeProofs).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let store = Arc::new(padma_store::Store::open(dir.path()).unwrap());
    bundle.import(&store).unwrap();
    let g = genesis::build_with_policy(&*store, &template(2), devnet_policy(), CodeSet::FakeProofs)
        .unwrap();
    let root0 = g.header.parent_state_root;
    let total = StateTree::load(&*store, &root0)
        .unwrap()
        .total_balance()
        .unwrap();
    let to = KeyInfo::generate(KeyType::Secp256k1).address().unwrap();
    let m = Message {
        version: 0,
        from: owner_key().address().unwrap(),
        to,
        sequence: 0,
        value: TokenAmount::from_whole(1),
        method_num: method::SEND,
        params: RawBytes::default(),
        gas_limit: 10_000_000,
        gas_fee_cap: TokenAmount::from_atto(INITIAL_BASE_FEE * 2),
        gas_premium: TokenAmount::from_atto(1000),
    };
    let blocks = vec![BlockMessages {
        miner: g.miners[0],
        win_count: 1,
        messages: vec![ChainMessage::Bls(m)],
    }];
    let engine = FvmEngine::default();
    let started = std::time::Instant::now();
    let r = engine
        .execute_tipset(&store, &root0, 0, &blocks, env(1))
        .unwrap();
    eprintln!(
        "first tipset (compiles the actors): {:?}",
        started.elapsed()
    );
    assert_eq!(r.applied.len(), 1);
    let ret = &r.applied[0].1;
    assert_eq!(ret.receipt.exit_code, ExitCode::OK, "{ret:?}");
    assert!(ret.receipt.gas_used > 0);
    let tree = StateTree::load(&*store, &r.state_root).unwrap();
    assert_eq!(tree.total_balance().unwrap(), total);
    let fvm_tree = fvm::state_tree::StateTree::new_from_root(&*store, &r.state_root).unwrap();
    let id = fvm_tree.lookup_id(&to).unwrap().expect("the new account");
    let created = tree.get_actor(id).unwrap().unwrap();
    assert_eq!(created.balance, TokenAmount::from_whole(1));

    // Ten null rounds run cron each; then an empty tipset.
    let started = std::time::Instant::now();
    let r2 = engine
        .execute_tipset(&store, &r.state_root, 1, &blocks[..0], env(12))
        .unwrap();
    eprintln!("warm tipset after 10 null rounds: {:?}", started.elapsed());
    let tree = StateTree::load(&*store, &r2.state_root).unwrap();
    assert_eq!(tree.total_balance().unwrap(), total);
    let _ = ids::SYSTEM;
}

#[test]
fn a_trial_run_applies_prior_messages_at_the_base_fee_and_commits_nothing() {
    let bundle = Bundle::load(&archive(), CodeSet::FakeProofs).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let store = Arc::new(padma_store::Store::open(dir.path()).unwrap());
    bundle.import(&store).unwrap();
    let g = genesis::build_with_policy(&*store, &template(1), devnet_policy(), CodeSet::FakeProofs)
        .unwrap();
    let root = g.header.parent_state_root;
    let from = owner_key().address().unwrap();
    let to = KeyInfo::generate(KeyType::Secp256k1).address().unwrap();
    let send = |nonce: u64, fee_cap: u64| Message {
        version: 0,
        from,
        to,
        sequence: nonce,
        value: TokenAmount::from_whole(1),
        method_num: method::SEND,
        params: RawBytes::default(),
        gas_limit: 10_000_000,
        gas_fee_cap: TokenAmount::from_atto(fee_cap),
        gas_premium: TokenAmount::default(),
    };
    let prior = vec![ChainMessage::Bls(send(0, INITIAL_BASE_FEE * 2))];
    // The trial's nonce is replaced by the sender's after the prior message; with no
    // fee cap its gas is free, and the run leaves the store as it was.
    let trial = ChainMessage::Bls(send(7, 0));
    let engine = FvmEngine::default();
    let r = engine
        .call_explicit(&store, &root, &prior, &trial, env(1))
        .unwrap();
    assert_eq!(r.receipt.exit_code, ExitCode::OK, "{r:?}");
    assert_eq!(r.msg.sequence, 1);
    assert!(r.receipt.gas_used > 0);
    assert!(r.gas.base_fee_burn.is_zero() && r.gas.miner_tip.is_zero());
    let tree = fvm::state_tree::StateTree::new_from_root(&*store, &root).unwrap();
    assert!(
        tree.lookup_id(&to).unwrap().is_none(),
        "nothing was committed"
    );
    // StateCall: implicit, nonce from the state, gas limit 0 → the block gas limit.
    let mut call = send(9, 0);
    call.gas_limit = 0;
    let r = engine.call(&store, &root, &call, env(1)).unwrap();
    assert_eq!(r.receipt.exit_code, ExitCode::OK, "{r:?}");
    assert_eq!(
        (r.msg.sequence, r.msg.gas_limit),
        (0, padma_state::vm::BLOCK_GAS_LIMIT)
    );
}
