//! The FVM engine on a padma genesis built with a v18 bundle's code CIDs and blocks.

#![allow(clippy::unwrap_used, clippy::indexing_slicing)] // test code: a panic is a failed test

mod common;

use common::{env, genesis_store, owner_key, template};
use fvm_ipld_encoding::RawBytes;
use fvm_shared::econ::TokenAmount;
use fvm_shared::error::ExitCode;
use fvm_shared::message::Message;
use padma_fvm::FvmEngine;
use padma_state::actors::{ids, method};
use padma_state::genesis::INITIAL_BASE_FEE;
use padma_state::tree::StateTree;
use padma_state::vm::{BlockMessages, ChainMessage, Engine};
use padma_types::crypto::{KeyInfo, KeyType};

#[test]
fn a_padma_genesis_executes_on_the_fvm() {
    let (_dir, store, g) = genesis_store(&template("localnet-fvm", 2));
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
    let (_dir, store, g) = genesis_store(&template("localnet-fvm", 1));
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
