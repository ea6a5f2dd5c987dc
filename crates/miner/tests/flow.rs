//! The Lotus devnet flow with padma's binaries, as real processes on loopback:
//! `padma-seed pre-seal` → `genesis new` / `add-miner` → `padma daemon --make-genesis`
//! → `padma wallet import` → `padma-miner init --genesis-miner` → `padma-miner run` →
//! blocks arrive; the miner API with the miner's token; `padma-miner info`; a second
//! miner created by `padma-miner init` (a new actor); init failures that leave no repo
//! behind; `padma-miner stop`. Once with mock proofs, once with real 2KiB proofs.
//!
//! The setup and helpers are in `padma-testkit`.

#![allow(clippy::unwrap_used, clippy::indexing_slicing, clippy::string_slice)] // test code: a panic is a failed test

use padma_rpc::api_version::STORAGE_MINER;
use padma_testkit::{
    call, closed_pipe, expect_success, free_port, padma_miner, start_miner, start_net,
};
use serde_json::{json, Value};
use std::path::Path;
use std::process::Command;
use std::time::Duration;

async fn flow(mock: bool, block_ms: u64) {
    let mut net = start_net(mock, block_ms);
    let sectors = net.dir().join("sectors");

    // The genesis miner: init mines its own ChangePeerID in.
    let text = net.init_genesis_miner("miner");
    assert!(text.contains("t01000"), "{text}");
    let mrepo = net.dir().join("miner");
    assert!(mrepo.join("keystore").is_dir() && mrepo.join("datastore").is_dir());
    let storage: Value =
        serde_json::from_slice(&std::fs::read(mrepo.join("storage.json")).unwrap()).unwrap();
    let roots: Vec<String> = serde_json::from_value(storage["StoragePaths"].clone()).unwrap();
    assert!(
        roots
            .iter()
            .any(|r| Path::new(r) == sectors.canonicalize().unwrap()),
        "{roots:?}"
    );
    // The peer ID went on chain.
    let info = call(
        &net.node_url(),
        None,
        "StateMinerInfo",
        json!(["t01000", null]),
    )
    .await;
    let peer = info["result"]["PeerId"]
        .as_str()
        .unwrap_or_default()
        .to_string();
    assert!(peer.starts_with("12D3KooW"), "{info}");
    let h0 = net.height().await;
    assert!(h0 >= 1, "init mined blocks while waiting");

    // Run: blocks keep arriving.
    let mut miner = start_miner(&net, "miner");
    let murl = miner.url.clone();
    let h = net.wait_height(h0 + 3, Duration::from_secs(300)).await;
    let head = call(&net.node_url(), None, "ChainHead", json!([])).await;
    assert_eq!(head["result"]["Blocks"][0]["Miner"], "t01000", "{head}");
    assert!(h > h0);

    // The miner API with the miner's own token.
    let token = std::fs::read_to_string(mrepo.join("token")).unwrap();
    let t = Some(token.trim());
    let v = call(&murl, t, "Version", json!([])).await;
    assert_eq!(v["result"]["APIVersion"], STORAGE_MINER, "{v}");
    assert_eq!(
        call(&murl, t, "ActorAddress", json!([])).await["result"],
        "t01000"
    );
    assert_eq!(
        call(&murl, t, "ActorSectorSize", json!(["t01000"])).await["result"],
        2048
    );
    let base = call(&murl, t, "MiningBase", json!([])).await;
    assert!(
        base["result"]["Height"].as_i64().unwrap_or(-1) >= h0,
        "{base}"
    );
    let allow = call(&murl, t, "AuthVerify", json!([token.trim()])).await;
    assert_eq!(allow["result"], json!(["read", "write", "sign", "admin"]));
    // No token: read only; the node's token is not the miner's.
    let denied = call(&murl, None, "AuthNew", json!([["admin"]])).await;
    assert_eq!(denied["error"]["code"], 1, "{denied}");
    let node_token = std::fs::read_to_string(net.node_repo().join("token")).unwrap();
    let r = reqwest::Client::new()
        .post(&murl)
        .bearer_auth(node_token.trim())
        .json(&json!({"jsonrpc":"2.0","id":1,"method":"Filecoin.ActorAddress","params":[]}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 401);
    let sl = call(&murl, t, "SectorsList", json!([])).await;
    assert_eq!(sl["result"], json!([0, 1]), "the pre-sealed sectors: {sl}");
    let st = call(&murl, t, "SectorsStatus", json!([0, true])).await;
    assert_eq!(st["result"]["State"], "Proving", "{st}");
    assert!(st["result"]["Expiration"].as_i64().unwrap_or(0) > 0, "{st}");

    // Client commands.
    let info = expect_success(&net.miner("miner", &["info"]), "padma-miner info");
    // `padma-miner info | head -1`: a reader gone early ends the command quietly.
    {
        use std::os::unix::process::ExitStatusExt;
        let out = net
            .miner_cmd("miner", &["info"])
            .stdout(closed_pipe())
            .stderr(std::process::Stdio::piped())
            .output()
            .unwrap();
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(!err.contains("panicked"), "{err}");
        assert_eq!(
            out.status.signal(),
            Some(libc::SIGPIPE),
            "{:?} {err}",
            out.status
        );
    }
    assert!(info.contains("Miner: t01000 (2 KiB sectors)"), "{info}");
    assert!(info.contains("Next deadline"), "{info}");
    let api_info = expect_success(
        &net.miner("miner", &["auth", "api-info", "--perm", "read"]),
        "auth api-info",
    );
    let line = api_info
        .trim()
        .strip_prefix("MINER_API_INFO=")
        .unwrap()
        .to_string();
    let via_env = Command::new(padma_miner())
        .args(["proving", "info"])
        .arg("--repo")
        .arg(net.node_repo())
        .arg("--miner-repo")
        .arg(net.dir().join("nonexistent"))
        .env("MINER_API_INFO", &line)
        .env_remove("FULLNODE_API_INFO")
        .output()
        .unwrap();
    let pi = expect_success(&via_env, "proving info with MINER_API_INFO");
    assert!(pi.contains("Miner: t01000"), "{pi}");
    let dls = expect_success(
        &net.miner("miner", &["proving", "deadlines"]),
        "proving deadlines",
    );
    assert!(dls.contains("deadline"), "{dls}");
    expect_success(
        &net.miner("miner", &["proving", "faults"]),
        "proving faults",
    );
    let ctl = expect_success(
        &net.miner("miner", &["actor", "control", "list"]),
        "actor control list",
    );
    assert!(ctl.contains("owner") && ctl.contains("worker"), "{ctl}");

    // The peer ID changed on chain from the worker; a withdrawal past the available
    // balance is refused.
    let new_peer = "12D3KooWDpJ7As7BWAwRMfu1VU2WCqNjvq387JEYKDBj4kx6nXTN";
    expect_success(
        &net.miner(
            "miner",
            &["actor", "set-peer-id", new_peer, "--confidence", "1"],
        ),
        "actor set-peer-id",
    );
    let info = call(
        &net.node_url(),
        None,
        "StateMinerInfo",
        json!(["t01000", null]),
    )
    .await;
    assert_eq!(info["result"]["PeerId"], new_peer, "{info}");
    // Text that is not a peer ID never reaches the chain (it used to: `garbage` is
    // valid base58).
    for garbage in ["garbage", "12D3KooW", "bafy2bzaceaxyz"] {
        let out = net.miner("miner", &["actor", "set-peer-id", garbage]);
        assert!(!out.status.success(), "{garbage}");
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(err.contains("invalid peer ID"), "{garbage}: {err}");
    }
    let info = call(
        &net.node_url(),
        None,
        "StateMinerInfo",
        json!(["t01000", null]),
    )
    .await;
    assert_eq!(info["result"]["PeerId"], new_peer, "{info}");
    let w = net.miner("miner", &["actor", "withdraw", "100000000"]);
    assert!(!w.status.success());
    assert!(
        String::from_utf8_lossy(&w.stderr).contains("more funds than available"),
        "{}",
        String::from_utf8_lossy(&w.stderr)
    );

    // Init failures leave no repo behind.
    // 1. The repo exists: refused, and the existing repo is untouched.
    let again = net.miner(
        "miner",
        &[
            "init",
            "--genesis-miner",
            "--actor",
            "t01000",
            "--sector-size",
            "2KiB",
            "--nosync",
        ],
    );
    assert!(!again.status.success());
    assert!(
        String::from_utf8_lossy(&again.stderr).contains("already exists"),
        "{}",
        String::from_utf8_lossy(&again.stderr)
    );
    assert!(mrepo.join("datastore").is_dir());
    // 2. No funds: an owner with an empty wallet key.
    let poor = expect_success(&net.daemon.cli(&["wallet", "new", "bls"]), "wallet new");
    let poor = poor.trim();
    let nf = net.miner(
        "nofunds",
        &[
            "init",
            "--owner",
            poor,
            "--sector-size",
            "2KiB",
            "--nosync",
            "--confidence",
            "1",
        ],
    );
    assert!(
        !nf.status.success(),
        "{}",
        String::from_utf8_lossy(&nf.stdout)
    );
    assert!(
        !net.dir().join("nofunds").exists(),
        "a half-made repo was left"
    );
    // 3. The node is down (nothing listens on a free port).
    let down = net
        .miner_cmd("down", &["init", "--sector-size", "2KiB", "--nosync"])
        .env(
            "FULLNODE_API_INFO",
            format!("x:/ip4/127.0.0.1/tcp/{}/http", free_port()),
        )
        .output()
        .unwrap();
    assert!(!down.status.success());
    assert!(!net.dir().join("down").exists());

    // A second miner: a new actor through CreateMiner, owner = the wallet default.
    let maddr2 = net.init_new_miner("miner2");
    assert_ne!(maddr2, "t01000");
    let listed = call(&net.node_url(), None, "StateListMiners", json!([null])).await;
    assert!(
        listed["result"]
            .as_array()
            .is_some_and(|a| a.iter().any(|m| m == &json!(maddr2))),
        "{listed}"
    );
    let mut miner2 = start_miner(&net, "miner2");
    assert_eq!(
        miner2.call("ActorAddress", json!([])).await["result"],
        json!(maddr2)
    );
    let info2 = expect_success(&net.miner("miner2", &["info"]), "info of miner 2");
    assert!(info2.contains(&format!("Miner: {maddr2}")), "{info2}");

    // The second miner pledges a committed-capacity sector: sealed through the
    // pipeline, it reaches Proving and the miner gains power.
    if mock {
        let n = net.pledge("miner2");
        miner2
            .wait_sector_state(n, "Proving", Duration::from_secs(240))
            .await;
        let list = expect_success(&net.miner("miner2", &["sectors", "list"]), "sectors list");
        assert!(list.contains("Proving"), "{list}");
        // On chain: the sector is live (its power counts from its first WindowPoSt).
        let on_chain = call(
            &net.node_url(),
            None,
            "StateSectorGetInfo",
            json!([maddr2, n, null]),
        )
        .await;
        assert_eq!(on_chain["result"]["SectorNumber"], json!(n), "{on_chain}");
        let count = call(
            &net.node_url(),
            None,
            "StateMinerSectorCount",
            json!([maddr2, null]),
        )
        .await;
        assert_eq!(count["result"]["Live"], 1, "{count}");
    }

    // Stop both: clean exits, api files removed; the chain goes on no more from t01000.
    expect_success(&net.miner("miner2", &["stop"]), "stop miner 2");
    assert!(
        miner2.proc.wait_exit(Duration::from_secs(60)).success(),
        "{}",
        miner2.proc.output()
    );
    expect_success(&net.miner("miner", &["stop"]), "stop");
    assert!(
        miner.proc.wait_exit(Duration::from_secs(60)).success(),
        "{}",
        miner.proc.output()
    );
    assert!(!mrepo.join("api").exists());

    // Restarted, the genesis miner goes on mining.
    let mut miner = start_miner(&net, "miner");
    let h = net.height().await;
    net.wait_height(h + 2, Duration::from_secs(300)).await;
    miner.proc.signal(libc::SIGTERM);
    assert!(
        miner.proc.wait_exit(Duration::from_secs(60)).success(),
        "{}",
        miner.proc.output()
    );
    net.daemon.proc.signal(libc::SIGINT);
    assert!(net.daemon.proc.wait_exit(Duration::from_secs(60)).success());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn lotus_devnet_flow_with_mock_proofs() {
    flow(true, 1000).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn real_proofs_lotus_devnet_flow_2kib() {
    flow(false, 2000).await;
}
