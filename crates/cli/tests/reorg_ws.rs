//! A reorg seen by a Lotus client: two competing branches are mined over the JSON-RPC
//! API (MinerGetBaseInfo / MinerCreateBlock / SyncSubmitBlock) on a real daemon, and a
//! WebSocket `ChainNotify` subscriber sees `current`, the first branch applied, then
//! one batch that reverts it and applies the heavier branch.

#![allow(clippy::unwrap_used, clippy::indexing_slicing, clippy::string_slice)] // test code: a panic is a failed test

use fvm_shared::econ::TokenAmount;
use padma_chain::miner::{mine_one, Attempt, MiningNode, MockWinningProver};
use padma_chain::network::{NetworkParams, DEFAULT_BLOCK_DELAY_MS};
use padma_miner::mining_client::RpcMiningNode;
use padma_rpc::client::{ApiInfo, RpcClient};
use padma_rpc::client_ws::{Subscription, WsClient};
use padma_state::genesis::{fake::fake_miner, Template, MINER_START};
use padma_testkit::*;
use padma_types::block::TipSet;
use padma_types::crypto::{KeyInfo, KeyType};
use padma_types::json::KeyInfoJson;
use padma_types::sector::SIZE_2KIB;
use serde_json::{json, Value};
use std::time::Duration;

fn worker() -> KeyInfo {
    let mut sk = [42u8; 32];
    sk[31] &= 0x3f;
    KeyInfo::new(KeyType::Bls, sk.to_vec()).unwrap()
}

/// Mines on `base` at the first round from `round` that the miner wins.
async fn mine_from(node: &RpcMiningNode, base: &TipSet, mut round: i64) -> TipSet {
    let miner = fvm_shared::address::Address::new_id(1000);
    loop {
        match mine_one(node, &MockWinningProver, &miner, base, round).await {
            Ok(Attempt::Mined(b)) => return TipSet::new(vec![b.header]).unwrap(),
            Ok(Attempt::Lost) => round += 1,
            Err(e) => panic!("mining at {round} failed: {e:#}"),
        }
    }
}

/// The next batch of head changes as (type, height) pairs.
async fn next_batch(sub: &mut Subscription) -> Vec<(String, i64)> {
    let v = tokio::time::timeout(Duration::from_secs(60), sub.next())
        .await
        .expect("a ChainNotify batch in time")
        .expect("the channel is open");
    v.as_array()
        .expect("a batch is an array")
        .iter()
        .map(|c| {
            (
                c["Type"].as_str().unwrap().to_string(),
                c["Val"]["Height"].as_i64().unwrap(),
            )
        })
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn reorg_over_websocket_chain_notify() {
    let dir = tempfile::tempdir().unwrap();
    let w = worker();
    let name = NetworkParams::name_for("padma-reorg", DEFAULT_BLOCK_DELAY_MS, true);
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs();
    // A genesis an hour old: every round mined here is in the past.
    let mut t = Template::new(name, now - 3600);
    let m = fake_miner(MINER_START, &w, SIZE_2KIB, 4, 1_000_000).unwrap();
    t.add_miners_from_manifest(
        json!({ "t01000": m }).to_string().as_bytes(),
        TokenAmount::from_whole(1_000),
    )
    .unwrap();
    let template = dir.path().join("template.json");
    std::fs::write(&template, t.to_json()).unwrap();
    let car = dir.path().join("devgen.car");
    let d = Daemon::start_args(
        &dir.path().join("repo"),
        &[
            "--make-genesis",
            car.to_str().unwrap(),
            "--genesis-template",
            template.to_str().unwrap(),
        ],
    );
    let ki = serde_json::to_value(KeyInfoJson::from(&w)).unwrap();
    let r = call(&d.url("v1"), Some(&d.admin), "WalletImport", json!([ki])).await;
    assert!(r.get("error").is_none(), "{r}");
    let info = ApiInfo {
        base_url: format!("http://127.0.0.1:{}", d.port),
        token: Some(d.admin.clone()),
    };
    let node = RpcMiningNode::new(RpcClient::new(&info, "v1"));

    let ws = WsClient::connect(&info, "v1").await.unwrap();
    let mut sub = ws.subscribe("ChainNotify", vec![]).await.unwrap();
    assert_eq!(next_batch(&mut sub).await, vec![("current".into(), 0)]);

    // A common base at height ≥ 2.
    let mut base = node.head().await.unwrap();
    while base.height() < 2 {
        base = mine_from(&node, &base, base.height() + 1).await;
        let batch = next_batch(&mut sub).await;
        assert_eq!(batch, vec![("apply".into(), base.height())]);
    }
    // Branch A: one block.
    let a = mine_from(&node, &base, base.height() + 1).await;
    assert_eq!(
        next_batch(&mut sub).await,
        vec![("apply".into(), a.height())]
    );
    // Branch B: two blocks on the same base, after A's round. B1 alone weighs about
    // what A weighs; B1 + B2 is heavier, so the head moves to B2.
    let b1 = mine_from(&node, &base, a.height() + 1).await;
    let b2 = mine_from(&node, &b1, b1.height() + 1).await;
    let head = node.head().await.unwrap();
    assert_eq!(head, b2);

    let mut batches = vec![next_batch(&mut sub).await];
    if batches[0].last() != Some(&("apply".into(), b2.height())) {
        batches.push(next_batch(&mut sub).await);
    }
    let all: Vec<(String, i64)> = batches.concat();
    let expected: Vec<(String, i64)> = vec![
        ("revert".into(), a.height()),
        ("apply".into(), b1.height()),
        ("apply".into(), b2.height()),
    ];
    assert_eq!(all, expected, "batches: {batches:?}");
    // Each batch lists its reverts before its applies.
    for b in &batches {
        let first_apply = b.iter().position(|(k, _)| k == "apply").unwrap_or(b.len());
        assert!(b[first_apply..].iter().all(|(k, _)| k == "apply"), "{b:?}");
    }
    // The API agrees: A is off the canonical chain, and ChainGetPath says so.
    let path = call(
        &d.url("v1"),
        None,
        "ChainGetPath",
        json!([
            a.key()
                .cids()
                .iter()
                .map(|c| json!({"/": c.to_string()}))
                .collect::<Vec<Value>>(),
            b2.key()
                .cids()
                .iter()
                .map(|c| json!({"/": c.to_string()}))
                .collect::<Vec<Value>>()
        ]),
    )
    .await;
    let steps: Vec<(String, i64)> = path["result"]
        .as_array()
        .unwrap_or_else(|| panic!("{path}"))
        .iter()
        .map(|c| {
            (
                c["Type"].as_str().unwrap().to_string(),
                c["Val"]["Height"].as_i64().unwrap(),
            )
        })
        .collect();
    assert_eq!(steps, expected);
}
