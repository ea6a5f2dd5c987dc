//! The VM on a genesis built from a Lotus template (padma's genesis builder): a
//! genesis miner with proven sectors survives its proving-deadline cron, messages
//! apply at the genesis base fee, and funds are conserved.

#![allow(clippy::unwrap_used, clippy::indexing_slicing, clippy::string_slice)] // test code: a panic is a failed test

use fil_actor_miner_state::v18 as miner;
use fil_actor_power_state::v18 as power;
use fvm_ipld_encoding::RawBytes;
use fvm_shared::econ::TokenAmount;
use fvm_shared::error::ExitCode;
use fvm_shared::message::Message;
use padma_state::actors::{ids, method};
use padma_state::genesis::{self, Template, INITIAL_BASE_FEE, MINER_START};
use padma_state::ipld::get_cbor;
use padma_state::policy::{devnet_policy, NETWORK_VERSION};
use padma_state::runtime::NoExterns;
use padma_state::tree::StateTree;
use padma_state::vm::{execute_tipset, BlockMessages, ChainMessage, LotusSupply, VmEnv};
use padma_types::crypto::{KeyInfo, KeyType};
use padma_types::sector::SIZE_2KIB;

static NO: NoExterns = NoExterns;

fn env(epoch: i64, supply: &LotusSupply) -> VmEnv {
    let supply = std::sync::Arc::new(supply.clone());
    VmEnv {
        epoch,
        base_fee: TokenAmount::from_atto(INITIAL_BASE_FEE),
        network_version: NETWORK_VERSION,
        policy: devnet_policy(),
        timestamp: 0,
        randomness: std::sync::Arc::new(&NO),
        proofs: std::sync::Arc::new(&NO),
        supply,
    }
}

fn owner_key() -> KeyInfo {
    let mut sk = [42u8; 32];
    sk[31] &= 0x3f;
    KeyInfo::new(KeyType::Bls, sk.to_vec()).unwrap()
}

/// One 2KiB miner (f01000) with `n` fake pre-sealed sectors.
fn template(n: u64) -> Template {
    let k = owner_key();
    let m = genesis::fake::fake_miner(MINER_START, &k, SIZE_2KIB, n, 9001).unwrap();
    let mut t = Template::new("localnet-vm".into(), 1_700_000_000);
    let manifest = serde_json::json!({ "t01000": m });
    t.add_miners_from_manifest(
        manifest.to_string().as_bytes(),
        TokenAmount::from_whole(50_000_000),
    )
    .unwrap();
    t
}

#[test]
fn genesis_miner_keeps_its_claim_through_deadline_cron() {
    let dir = tempfile::tempdir().unwrap();
    let store = padma_store::Store::open(dir.path()).unwrap();
    let g = genesis::build(&store, &template(4)).unwrap();
    let root0 = g.header.parent_state_root;
    let miner_addr = g.miners[0];
    let mid = miner_addr.id().unwrap();
    let supply = LotusSupply::devnet();
    let tree = StateTree::load(&store, &root0).unwrap();
    let total = tree.total_balance().unwrap();
    let mst: miner::State = get_cbor(&store, &tree.get_actor(mid).unwrap().unwrap().state).unwrap();
    assert!(mst.deadline_cron_active);
    let pst: power::State =
        get_cbor(&store, &tree.get_actor(ids::POWER).unwrap().unwrap().state).unwrap();
    let claim0 = pst.get_claim(&store, &miner_addr).unwrap().unwrap();
    assert!(claim0.raw_byte_power > 0.into());

    // A message from the owner at epoch 1: a plain send to a new account.
    let k = owner_key();
    let to = KeyInfo::generate(KeyType::Secp256k1).address().unwrap();
    let m = Message {
        version: 0,
        from: k.address().unwrap(),
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
        miner: miner_addr,
        win_count: 1,
        messages: vec![ChainMessage::Bls(m)],
    }];
    let r = execute_tipset(&store, &root0, 0, &blocks, env(1, &supply)).unwrap();
    assert_eq!(r.applied.len(), 1);
    assert_eq!(
        r.applied[0].1.receipt.exit_code,
        ExitCode::OK,
        "{:?}",
        r.applied[0].1
    );

    // Jump past the end of the current proving deadline (null rounds run cron).
    let deadline_end = mst.deadline_info(&devnet_policy(), 1).last();
    let epoch = deadline_end + 1;
    let empty = vec![BlockMessages {
        miner: miner_addr,
        win_count: 1,
        messages: vec![],
    }];
    let r2 = execute_tipset(&store, &r.state_root, 1, &empty, env(epoch, &supply)).unwrap();
    let tree = StateTree::load(&store, &r2.state_root).unwrap();
    assert_eq!(tree.total_balance().unwrap(), total);
    let pst: power::State =
        get_cbor(&store, &tree.get_actor(ids::POWER).unwrap().unwrap().state).unwrap();
    assert_eq!(pst.miner_count, 1, "the miner's cron must not have failed");
    assert!(pst.get_claim(&store, &miner_addr).unwrap().is_some());
    assert!(pst.first_cron_epoch > deadline_end);
    let mst2: miner::State =
        get_cbor(&store, &tree.get_actor(mid).unwrap().unwrap().state).unwrap();
    assert!(mst2.deadline_cron_active);
    assert_ne!(mst2.current_deadline, mst.current_deadline);
    // Market cron processed every epoch, including the genesis deals scheduled in it.
    let market: fil_actor_market_state::v18::State =
        get_cbor(&store, &tree.get_actor(ids::MARKET).unwrap().unwrap().state).unwrap();
    assert_eq!(market.last_cron, epoch);
    for e in 0..=epoch {
        assert!(market.get_deals_for_epoch(&store, e).unwrap().is_empty());
    }
}
