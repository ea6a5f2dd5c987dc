//! The sealing pipeline against a real full node: a padma daemon (run in this
//! process, serving its JSON-RPC API on loopback) on a made mock-proof genesis with
//! a fake-sector genesis miner, blocks mined over the API with `RpcMiningNode`, and
//! the pipeline talking to the node only through `FullNode`. A pledged sector goes
//! from Packing to Proving across a restart of the pipeline after pre-committing,
//! and lands on chain with its CommR.

#![allow(clippy::unwrap_used, clippy::indexing_slicing, clippy::string_slice)] // test code: a panic is a failed test

use fvm_shared::address::Address;
use fvm_shared::econ::TokenAmount;
use padma_chain::miner::MockWinningProver;
use padma_chain::network::NetworkParams;
use padma_miner::fullnode::FullNode;
use padma_miner::mining_client::RpcMiningNode;
use padma_miner::sealing::{Config, Pipeline, SectorState};
use padma_miner::storage::Storage;
use padma_node::daemon::DaemonOptions;
use padma_rpc::client::{ApiInfo, RpcClient};
use padma_state::genesis::{fake::fake_miner, Template, MINER_START};
use padma_store::Store;
use padma_types::crypto::{KeyInfo, KeyType};
use padma_types::json::KeyInfoJson;
use padma_types::sector::SIZE_2KIB;
use serde_json::{json, Value};
use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::sync::watch;

const BLOCK_DELAY_MS: u64 = 400;
const MINER: u64 = MINER_START;

fn worker_key() -> KeyInfo {
    let mut sk = [42u8; 32];
    sk[31] &= 0x3f;
    KeyInfo::new(KeyType::Bls, sk.to_vec()).expect("bls key")
}

fn write_template(path: &Path, worker: &KeyInfo) {
    let name = NetworkParams::name_for("padma-sealing", BLOCK_DELAY_MS, true);
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .expect("clock")
        .as_secs();
    let mut t = Template::new(name, now - 1);
    let m = fake_miner(MINER, worker, SIZE_2KIB, 4, 1_000_000).expect("fake miner");
    t.add_miners_from_manifest(
        json!({ "t01000": m }).to_string().as_bytes(),
        TokenAmount::from_whole(1_000),
    )
    .expect("manifest");
    std::fs::write(path, t.to_json()).expect("template");
}

/// A daemon running in this process on `dir/node`, on a genesis made from
/// `dir/template.json` with the shared actors bundle (the FVM); its API info once it
/// listens.
async fn start_daemon(dir: &Path) -> (ApiInfo, tokio::task::JoinHandle<anyhow::Result<()>>) {
    let repo = dir.join("node");
    let template = dir.join("template.json");
    let opts = DaemonOptions {
        repo: repo.clone(),
        api_port: Some(0),
        make_genesis: Some(dir.join("devgen.car")),
        genesis_template: Some(template),
        // The official actors: the genesis runs on the FVM.
        actors_bundle: Some(padma_testkit::actors_archive()),
        ..Default::default()
    };
    let task = tokio::spawn(padma_node::daemon::run(opts));
    let deadline = Instant::now() + Duration::from_secs(120);
    loop {
        if let Ok((api, Some(token))) = padma_repo::api_files::read_api_files(&repo) {
            let port = api.split('/').nth(4).and_then(|p| p.parse::<u16>().ok());
            if let Some(port) = port {
                let info = ApiInfo {
                    base_url: format!("http://127.0.0.1:{port}"),
                    token: Some(token.trim().to_string()),
                };
                return (info, task);
            }
        }
        assert!(!task.is_finished(), "the daemon stopped early");
        assert!(Instant::now() < deadline, "the daemon did not start");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

fn pipeline(node: &FullNode, dir: &Path) -> (Pipeline, Arc<Store>) {
    pipeline_for(
        node,
        dir,
        worker_key().address().expect("worker address"),
        true,
    )
}

fn pipeline_for(
    node: &FullNode,
    dir: &Path,
    worker: Address,
    mock: bool,
) -> (Pipeline, Arc<Store>) {
    let store = Arc::new(Store::open(&dir.join("miner-datastore")).expect("store"));
    let config = Config {
        poll: Duration::from_millis(100),
        retry_delay: Duration::from_millis(500),
        max_retries: 5,
        seed_confidence: 1,
        ..Config::default()
    };
    let p = Pipeline::with_config(
        node.clone(),
        Address::new_id(MINER),
        worker,
        Storage::new(dir.join("sealing")),
        store.clone(),
        mock,
        config,
    )
    .expect("pipeline");
    (p, store)
}

/// Runs the pipeline until sector `n` satisfies `done`, then stops it.
async fn run_until(p: &Pipeline, n: u64, what: &str, done: impl Fn(SectorState) -> bool) {
    run_until_within(p, n, what, Duration::from_secs(180), done).await
}

async fn run_until_within(
    p: &Pipeline,
    n: u64,
    what: &str,
    limit: Duration,
    done: impl Fn(SectorState) -> bool,
) {
    let (tx, rx) = watch::channel(false);
    let task = tokio::spawn({
        let p = p.clone();
        async move { p.run(rx).await }
    });
    let deadline = Instant::now() + limit;
    loop {
        let s = p.status(n).await.expect("the sector exists");
        if done(s.state) {
            break;
        }
        assert!(
            !s.state.is_failure(),
            "sector {n} failed while waiting for {what}: {s:#?}"
        );
        assert!(
            Instant::now() < deadline,
            "sector {n} did not reach {what}: {s:#?}"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    tx.send(true).expect("stop");
    tokio::time::timeout(Duration::from_secs(60), task)
        .await
        .expect("the pipeline stops")
        .expect("join")
        .expect("run");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_pledged_sector_is_sealed_on_a_mock_proof_devnet_across_a_restart() {
    let dir = tempfile::tempdir().expect("tempdir");
    write_template(&dir.path().join("template.json"), &worker_key());
    let (info, daemon) = start_daemon(dir.path()).await;
    let node = FullNode::new(info.clone());
    let ki = serde_json::to_value(KeyInfoJson::from(&worker_key())).expect("key json");
    let _: Value = node
        .client()
        .call("WalletImport", vec![ki])
        .await
        .expect("WalletImport");

    // Blocks, mined over the API.
    let (stop_mining, mining_rx) = watch::channel(false);
    let miner_task = tokio::spawn({
        let info = info.clone();
        async move {
            let n = RpcMiningNode::new(RpcClient::new(&info, "v1"));
            padma_chain::miner::run(&n, &MockWinningProver, Address::new_id(MINER), mining_rx).await
        }
    });

    let (p, store) = pipeline(&node, dir.path());
    let n = p.pledge().await.expect("pledge");
    assert_eq!(n, 4, "genesis sectors 0..3 are allocated on chain");

    // First run: up to a landed (or pending) pre-commit, then stop.
    run_until(&p, n, "pre-commit", |s| {
        matches!(s, SectorState::PreCommitWait | SectorState::WaitSeed)
    })
    .await;
    let before = p.status(n).await.expect("sector");
    let precommit_msg = before.precommit_msg.expect("a pre-commit message");
    drop(p);
    drop(store);

    // A new pipeline on the same datastore resumes it.
    let (p, _store) = pipeline(&node, dir.path());
    let resumed = p.status(n).await.expect("persisted sector");
    assert_eq!(resumed.state, before.state);
    assert_eq!(resumed.precommit_msg, Some(precommit_msg));
    run_until(&p, n, "Proving", |s| s == SectorState::Proving).await;

    let s = p.status(n).await.expect("sector");
    for l in &s.log {
        eprintln!("sector {n}: {} {}", l.kind, l.message);
    }
    assert_eq!(s.last_err, "", "{s:#?}");
    assert_eq!(s.precommit_msg, Some(precommit_msg), "sent once");
    let comm_r = s.sealed_cid().expect("cid").expect("CommR");
    let maddr = json!(Address::new_id(MINER).to_string());
    let sectors: Value = node
        .client()
        .call(
            "StateMinerSectors",
            vec![maddr.clone(), json!([n, 1]), Value::Null],
        )
        .await
        .expect("StateMinerSectors");
    let sectors = sectors.as_array().expect("an array");
    assert_eq!(sectors.len(), 1, "{sectors:?}");
    assert_eq!(sectors[0]["SectorNumber"], n);
    assert_eq!(sectors[0]["SealedCID"]["/"], comm_r.to_string());
    assert_eq!(sectors[0]["SealProof"], 5);
    let pre: Value = node
        .client()
        .call(
            "StateSectorPreCommitInfo",
            vec![maddr.clone(), json!(n), Value::Null],
        )
        .await
        .expect("StateSectorPreCommitInfo");
    assert!(pre.is_null(), "the pre-commitment is consumed: {pre}");
    let allocated: Value = node
        .client()
        .call("StateMinerAllocated", vec![maddr, Value::Null])
        .await
        .expect("StateMinerAllocated");
    assert_eq!(allocated, json!([0, 5]));

    // What the miner API returns.
    let j = serde_json::to_value(p.sector_info(n).await.expect("status")).expect("encodes");
    assert_eq!(j["State"], "Proving");
    assert_eq!(j["CommR"]["/"], comm_r.to_string());
    assert!(j["Activation"].as_i64().expect("activation") > 0, "{j}");
    assert_ne!(j["InitialPledge"], "0");
    assert_eq!(
        serde_json::to_value(p.summary_counts().await).expect("encodes"),
        json!({ "Proving": 1 })
    );

    stop_mining.send(true).expect("stop mining");
    let _ = tokio::time::timeout(Duration::from_secs(30), miner_task).await;
    let _: Value = node
        .client()
        .call("Shutdown", vec![])
        .await
        .expect("Shutdown");
    let _ = tokio::time::timeout(Duration::from_secs(30), daemon).await;
}

/// Real proofs: a genesis miner with two faux-replicated sectors mining with real
/// WinningPoSt, and a pledged sector really sealed (PreCommit1/2, Commit1/2 with the
/// 2KiB PoRep parameters, generated into the parameter cache first if missing) whose
/// seal proof the node verifies with its real verifier at prove-commit. About 4 to 8
/// minutes of CPU on 2 cores (Commit2 and a real WinningPoSt per block).
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn real_proofs_a_pledged_sector_is_sealed_on_a_devnet() {
    tokio::task::spawn_blocking(|| {
        let print = |e: &padma_proofs::ParamEvent| eprintln!("params: {e:?}");
        padma_proofs::ensure_params(
            2048,
            padma_proofs::ParamsNeeded::All,
            padma_proofs::ParamSet::Devnet,
            &print,
        )
        .expect("2KiB parameters")
    })
    .await
    .expect("params task");
    let dir = tempfile::tempdir().expect("tempdir");
    let sectors = dir.path().join("genesis-sectors");
    let out = padma_seed::preseal::pre_seal(&padma_seed::preseal::PreSealOptions {
        miner_addr: format!("t0{MINER}"),
        sector_size: 2048,
        num_sectors: 2,
        sector_offset: 0,
        sector_dir: sectors.clone(),
        key_file: None,
        fake_sectors: true,
        ticket_preimage: "padma sealing test".into(),
    })
    .expect("pre-seal");
    let worker = padma_types::json::key_from_lotus_text(
        &std::fs::read_to_string(&out.key).expect("key file"),
    )
    .expect("worker key");
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .expect("clock")
        .as_secs();
    let mut t = Template::new(
        NetworkParams::name_for("padma-sealing-real", 1000, false),
        now - 1,
    );
    t.add_miners_from_manifest(
        &std::fs::read(&out.manifest).expect("manifest"),
        TokenAmount::from_whole(1_000),
    )
    .expect("add miner");
    std::fs::write(dir.path().join("template.json"), t.to_json()).expect("template");
    let (info, daemon) = start_daemon(dir.path()).await;
    let node = FullNode::new(info.clone());
    let ki = serde_json::to_value(KeyInfoJson::from(&worker)).expect("key json");
    let _: Value = node
        .client()
        .call("WalletImport", vec![ki])
        .await
        .expect("WalletImport");

    let (stop_mining, mining_rx) = watch::channel(false);
    let miner_task = tokio::spawn({
        let info = info.clone();
        async move {
            let n = RpcMiningNode::new(RpcClient::new(&info, "v1"));
            let prover = padma_chain::miner::FileWinningProver { root: sectors };
            padma_chain::miner::run(&n, &prover, Address::new_id(MINER), mining_rx).await
        }
    });

    let (p, _store) = pipeline_for(
        &node,
        dir.path(),
        worker.address().expect("worker address"),
        false,
    );
    let n = p.pledge().await.expect("pledge");
    assert_eq!(n, 2);
    let started = Instant::now();
    run_until_within(&p, n, "Proving", Duration::from_secs(1200), |s| {
        s == SectorState::Proving
    })
    .await;
    let s = p.status(n).await.expect("sector");
    for l in &s.log {
        eprintln!("sector {n}: {} {}", l.kind, l.message);
    }
    eprintln!("sealed in {:?}", started.elapsed());
    let proof = s.proof.clone().expect("proof");
    assert_eq!(proof.len(), 192, "a real Groth16 seal proof");
    let comm_r = s.sealed_cid().expect("cid").expect("CommR");
    let on_chain: Value = node
        .client()
        .call(
            "StateSectorGetInfo",
            vec![json!(format!("t0{MINER}")), json!(n), Value::Null],
        )
        .await
        .expect("StateSectorGetInfo");
    assert_eq!(on_chain["SealedCID"]["/"], comm_r.to_string());
    // The sector's files stay for PoSt; the unsealed copy and the layers are gone.
    let paths = Storage::new(dir.path().join("sealing"))
        .new_sector(MINER, n)
        .expect("paths");
    assert!(paths.sealed.is_file() && paths.cache.join("p_aux").is_file());
    assert!(!paths.unsealed.exists());

    stop_mining.send(true).expect("stop mining");
    let _ = tokio::time::timeout(Duration::from_secs(60), miner_task).await;
    let _: Value = node
        .client()
        .call("Shutdown", vec![])
        .await
        .expect("Shutdown");
    let _ = tokio::time::timeout(Duration::from_secs(30), daemon).await;
}
