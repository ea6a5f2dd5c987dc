//! The message pool against real `padma devnet --mock-proofs` processes: a message
//! with a gas limit below the cost of storing it is refused at admission (by `padma
//! send` and by `MpoolPushUntrusted`) and the head keeps moving; messages pushed to
//! the node come back, with the same CIDs, after SIGINT and after SIGKILL, and are
//! included once they can be.

#![allow(clippy::unwrap_used, clippy::indexing_slicing, clippy::string_slice)] // test code: a panic is a failed test

use padma_state::actors::method;
use padma_testkit::*;
use serde_json::{json, Value};
use std::path::Path;
use std::time::{Duration, Instant};

const FRESH: &str = "t1ypi542zmmgaltijzw4byonei5c267ev5iif2liy";

async fn height(d: &Daemon) -> i64 {
    d.rpc("ChainHead", json!([])).await["Height"]
        .as_i64()
        .unwrap()
}

/// Polls the head until it reaches `h`.
async fn wait_height(d: &Daemon, h: i64, secs: u64) {
    let deadline = Instant::now() + Duration::from_secs(secs);
    loop {
        let r = call(&d.url("v1"), Some(&d.admin), "ChainHead", json!([])).await;
        if r["result"]["Height"].as_i64().is_some_and(|x| x >= h) {
            return;
        }
        assert!(Instant::now() < deadline, "the head did not reach {h}: {r}");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

/// Polls `StateSearchMsg` until message `cid` is found on chain; its receipt.
async fn wait_included(d: &Daemon, cid: &str, secs: u64) -> Value {
    let deadline = Instant::now() + Duration::from_secs(secs);
    loop {
        let r = d
            .rpc("StateSearchMsg", json!([[], {"/": cid}, -1, true]))
            .await;
        if !r.is_null() {
            return r["Receipt"].clone();
        }
        assert!(Instant::now() < deadline, "message {cid} was not included");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

async fn pending_cids(d: &Daemon) -> Vec<String> {
    let mut v: Vec<String> = d
        .rpc("MpoolPending", json!([[]]))
        .await
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["CID"]["/"].as_str().unwrap().to_string())
        .collect();
    v.sort();
    v
}

fn sent_cid(out: &str) -> String {
    out.lines().last().unwrap_or_default().to_string()
}

#[tokio::test(flavor = "multi_thread")]
async fn a_too_small_gas_limit_is_refused_and_the_head_keeps_moving() {
    let dir = tempfile::tempdir().unwrap();
    let d = Daemon::devnet(dir.path(), 1);
    wait_height(&d, 1, 120).await;
    // The genesis miner's own message (ChangePeerID) has landed: the pool is ours.
    wait_miner_set_up(dir.path()).await;
    let owner = d.rpc("WalletDefaultAddress", json!([])).await;

    // padma send --gas-limit 1000: refused by the pool, with the rule's reason.
    let out = d.cli(&["send", "--gas-limit", "1000", FRESH, "1"]);
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(
        err.contains("'GasLimit' field cannot be less than the cost of storing a message on chain"),
        "{err}"
    );

    // A hand-signed message with gas limit 1000 over MpoolPushUntrusted: refused too.
    let nonce = d.rpc("MpoolGetNonce", json!([owner])).await;
    let msg = json!({
        "Version": 0, "To": FRESH, "From": owner, "Nonce": nonce, "Value": "1",
        "GasLimit": 1000, "GasFeeCap": "1000000000", "GasPremium": "100000",
        "Method": method::SEND, "Params": null
    });
    let signed = d.rpc("WalletSignMessage", json!([owner, msg])).await;
    let r = call(
        &d.url("v1"),
        Some(&d.admin),
        "MpoolPushUntrusted",
        json!([signed]),
    )
    .await;
    let e = r["error"]["message"]
        .as_str()
        .unwrap_or_default()
        .to_string();
    assert!(
        e.contains("cannot be less than the cost of storing a message on chain"),
        "{r}"
    );
    assert!(pending_cids(&d).await.is_empty());

    // Blocks keep coming, and a good message sent now is included.
    let h = height(&d).await;
    wait_height(&d, h + 3, 60).await;
    let cid = sent_cid(&d.cli_ok(&["send", FRESH, "1"]));
    let receipt = wait_included(&d, &cid, 60).await;
    assert_eq!(receipt["ExitCode"], 0, "{receipt}");
    let h = height(&d).await;
    wait_height(&d, h + 2, 60).await;
}

/// Waits until the devnet in `dir` has set up its genesis miner (printed the miner's
/// API info): a stop before that cuts the miner's init short, and the next start
/// redoes it, pushing its messages again.
async fn wait_miner_set_up(dir: &Path) {
    let deadline = Instant::now() + Duration::from_secs(120);
    loop {
        let out = std::fs::read_to_string(dir.join("test-stdout.log")).unwrap_or_default();
        if out.contains("MINER_API_INFO") {
            return;
        }
        assert!(
            Instant::now() < deadline,
            "the genesis miner was not set up"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// Restarts the devnet in `dir` after it stopped (a killed one leaves its `api` file).
fn restart(dir: &Path) -> Daemon {
    let _ = std::fs::remove_file(dir.join("node").join("api"));
    Daemon::devnet(dir, 1)
}

#[tokio::test(flavor = "multi_thread")]
async fn pushed_messages_survive_sigint_and_sigkill() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("devnet");
    let mut d = Daemon::devnet(&dir, 1);
    wait_height(&d, 1, 120).await;
    wait_miner_set_up(&dir).await;
    let owner = d.rpc("WalletDefaultAddress", json!([])).await;
    let owner = owner.as_str().unwrap().to_string();
    // Nonces past a gap: accepted from a local client, but not includable until the
    // gap is filled, although the devnet mines all along.
    let next = d
        .rpc("MpoolGetNonce", json!([owner]))
        .await
        .as_u64()
        .unwrap();
    let mut cids = Vec::new();
    for n in [next + 1, next + 2] {
        let out = d.cli_ok(&["send", "--nonce", &n.to_string(), FRESH, "0.1"]);
        cids.push(sent_cid(&out));
    }
    cids.sort();
    assert_eq!(pending_cids(&d).await, cids);

    // SIGINT, restart: the same messages are pending.
    assert!(d.signal_and_wait(libc::SIGINT).success());
    let mut d = restart(&dir);
    wait_height(&d, 1, 120).await;
    assert_eq!(pending_cids(&d).await, cids);

    // One more push, then SIGKILL as soon as its CID is returned: it was on disk.
    let out = d.cli_ok(&["send", "--nonce", &(next + 3).to_string(), FRESH, "0.1"]);
    d.proc.kill();
    cids.push(sent_cid(&out));
    cids.sort();
    let d = restart(&dir);
    wait_height(&d, 1, 120).await;
    assert_eq!(pending_cids(&d).await, cids);

    // Filling the gap lets all of them in.
    let first = sent_cid(&d.cli_ok(&["send", "--nonce", &next.to_string(), FRESH, "0.1"]));
    for c in std::iter::once(&first).chain(cids.iter()) {
        let receipt = wait_included(&d, c, 60).await;
        assert_eq!(receipt["ExitCode"], 0, "{receipt}");
    }
    // Included messages leave the pool and its saved copies.
    let deadline = Instant::now() + Duration::from_secs(30);
    while !pending_cids(&d).await.is_empty() {
        assert!(Instant::now() < deadline, "included messages stay pending");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    let saved = std::fs::read_dir(dir.join("node").join("mpool-local"))
        .unwrap()
        .count();
    assert_eq!(saved, 0);
}
