//! `padma-miner run --miner-api 0`: the miner API listens on a port the system picks,
//! and the miner repo's `api` file names that port, so clients find the miner by it.

#![allow(clippy::unwrap_used, clippy::indexing_slicing, clippy::string_slice)] // test code: a panic is a failed test

use padma_testkit::{call, expect_success, start_net, wait_file, Proc};
use serde_json::json;
use std::time::Duration;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn port_zero_listens_on_a_free_port_named_in_the_api_file() {
    let net = start_net(true, 200);
    net.init_genesis_miner("miner");
    let run = net.miner_cmd("miner", &["run", "--miner-api", "0", "--nosync"]);
    let mut miner = Proc::spawn(run, net.dir().join("miner-run.log"));
    let api_file = net.dir().join("miner").join("api");
    wait_file(&api_file, &mut miner, Duration::from_secs(120));

    let api = std::fs::read_to_string(&api_file).unwrap();
    let port: u16 = api
        .strip_prefix("/ip4/127.0.0.1/tcp/")
        .and_then(|rest| rest.strip_suffix("/http"))
        .and_then(|p| p.parse().ok())
        .unwrap_or_else(|| panic!("the api file holds {api:?}"));
    assert_ne!(port, 0);
    let url = format!("http://127.0.0.1:{port}/rpc/v0");
    let v = call(&url, None, "Version", json!([])).await;
    assert_eq!(v["result"]["APIVersion"], 0x010500, "{v}");

    // The client commands find the miner through the api file alone.
    expect_success(&net.miner("miner", &["stop"]), "padma-miner stop");
    assert!(miner.wait_exit(Duration::from_secs(60)).success());
    assert!(!api_file.exists(), "the api file goes away with the miner");
}
