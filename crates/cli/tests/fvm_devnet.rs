//! `padma devnet --mock-proofs` on the FVM engine with the official testing-fake-proofs
//! bundle: the chain moves, a send is executed by the real actors, the actors carry the
//! bundle's code CIDs and the genesis carries their code.

#![allow(clippy::unwrap_used, clippy::indexing_slicing)] // test code: a panic is a failed test

use padma_state::code::{ActorKind, CodeSet};
use padma_testkit::{free_port, mock_devnet_command, Daemon};
use serde_json::json;
use std::time::{Duration, Instant};

#[tokio::test(flavor = "multi_thread")]
async fn a_mock_devnet_runs_on_the_fvm_with_the_fake_proofs_bundle() {
    let dir = tempfile::tempdir().unwrap();
    // The test devnet finds the shared bundle through PADMA_ACTORS_BUNDLE.
    let cmd = mock_devnet_command(dir.path(), free_port(), 2);
    let d = Daemon::devnet_from(cmd, dir.path(), dir.path());

    let name = d.rpc("StateNetworkName", json!([])).await;
    assert!(!name.as_str().unwrap().contains("native-actors"), "{name}");
    let miner = d.rpc("StateGetActor", json!(["f01000", null])).await;
    assert_eq!(
        miner["Code"]["/"],
        CodeSet::FakeProofs
            .code(ActorKind::StorageMiner)
            .to_string()
    );
    // The bundle was copied into the devnet's cache.
    assert!(dir
        .path()
        .join("actors")
        .read_dir()
        .unwrap()
        .next()
        .is_some());

    // Blocks come.
    let deadline = Instant::now() + Duration::from_secs(120);
    loop {
        let head = d.rpc("ChainHead", json!([])).await;
        if head["Height"].as_i64().unwrap() >= 3 {
            break;
        }
        assert!(Instant::now() < deadline, "no blocks on the FVM devnet");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }

    // A plain send to a new address, executed by the official actors.
    let key = padma_types::crypto::KeyInfo::generate(padma_types::crypto::KeyType::Secp256k1);
    let to = key.address().unwrap().to_string();
    let to = to.as_str();
    let out = d.cli_ok(&["send", to, "1.5"]);
    let cid = out.trim().lines().last().unwrap().to_string();
    let lookup = d
        .rpc("StateWaitMsg", json!([{ "/": cid }, 1, 200, true]))
        .await;
    assert_eq!(lookup["Receipt"]["ExitCode"], 0, "{lookup}");
    assert!(lookup["Receipt"]["GasUsed"].as_i64().unwrap() > 0);
    let created = d.rpc("StateGetActor", json!([to, null])).await;
    assert_eq!(created["Balance"], "1500000000000000000");
    assert_eq!(
        created["Code"]["/"],
        CodeSet::FakeProofs.code(ActorKind::Account).to_string()
    );
    assert!(
        !d.proc.stderr().contains("native actors instead"),
        "the devnet fell back to the native engine"
    );
}
