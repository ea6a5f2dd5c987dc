//! `padma devnet` as a user runs it: a real process that makes keys, genesis sectors
//! and a genesis, serves the API, mines blocks (mock and real 2KiB proofs), stops
//! cleanly on SIGINT, resumes the same chain, and starts over with `--reset`.

#![allow(clippy::unwrap_used, clippy::indexing_slicing, clippy::string_slice)] // test code: a panic is a failed test

use padma_testkit::{call, call_lenient, devnet_command, free_port, padma, wait_rpc, Proc};
use serde_json::{json, Value};
use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

/// A `padma devnet` process (killed on drop) and its API port.
struct Devnet {
    proc: Proc,
    port: u16,
}

impl Devnet {
    /// Starts run number `run` of the devnet in `dir` with two accounts, its API on
    /// `port`. The miner API gets a free port, not port 0: the test reads it from the
    /// printed `MINER_API_INFO`.
    fn start(dir: &Path, port: u16, extra: &[&str], run: usize) -> Devnet {
        std::fs::create_dir_all(dir).unwrap();
        let mut cmd = devnet_command(dir, port, free_port());
        cmd.args(["--accounts", "2"]).args(extra);
        let proc = Proc::spawn_split(
            cmd,
            dir.join(format!("out-{run}.log")),
            dir.join(format!("err-{run}.log")),
        );
        Devnet { proc, port }
    }

    fn stdout(&self) -> String {
        self.proc.stdout()
    }

    fn stderr(&self) -> String {
        self.proc.stderr()
    }

    fn url(&self) -> String {
        format!("http://127.0.0.1:{}/rpc/v1", self.port)
    }

    /// Waits until the head is at least `h`; returns the head.
    async fn wait_height(&mut self, h: i64, limit: Duration) -> Value {
        let deadline = Instant::now() + limit;
        loop {
            if let Some(s) = self.proc.exited() {
                panic!("devnet exited early ({s}): {}", self.stderr());
            }
            let head = call_lenient(&self.url(), None, "ChainHead", json!([])).await;
            if head["result"]["Height"].as_i64().unwrap_or(-1) >= h {
                return head["result"].clone();
            }
            assert!(
                Instant::now() < deadline,
                "the devnet did not reach height {h}: {}",
                self.stderr()
            );
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
    }

    fn interrupt(&mut self) -> std::process::ExitStatus {
        self.proc.signal(libc::SIGINT);
        let s = self.proc.wait_exit(Duration::from_secs(60));
        if !s.success() {
            eprintln!("devnet exited with {s}: {}", self.stderr());
        }
        s
    }
}

fn api_info(stdout: &str) -> String {
    stdout
        .lines()
        .find_map(|l| l.strip_prefix("export FULLNODE_API_INFO="))
        .expect("the devnet prints FULLNODE_API_INFO")
        .to_string()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn mock_devnet_mines_stops_resumes_and_resets() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("devnet");
    let port = free_port();
    let mut d = Devnet::start(&dir, port, &["--mock-proofs", "--block-time", "1s"], 0);
    let head = d.wait_height(3, Duration::from_secs(120)).await;
    let out = d.stdout();
    assert!(out.contains("private key: "), "{out}");
    let info = api_info(&out);
    // The genesis miner runs as padma-miner does, and its API works for miner clients.
    let deadline = Instant::now() + Duration::from_secs(120);
    let miner_info = loop {
        let out = d.stdout();
        if let Some(l) = out
            .lines()
            .find_map(|l| l.strip_prefix("export MINER_API_INFO="))
        {
            break l.to_string();
        }
        assert!(
            Instant::now() < deadline,
            "the devnet prints MINER_API_INFO: {}",
            d.stderr()
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    };
    let (tok, ma) = miner_info.split_once(':').unwrap();
    let mport = ma.split('/').nth(4).unwrap();
    // The miner API comes up right after the MINER_API_INFO line is printed.
    let addr = wait_rpc(
        &format!("http://127.0.0.1:{mport}/rpc/v0"),
        Some(tok),
        "ActorAddress",
        json!([]),
        Duration::from_secs(60),
    )
    .await;
    assert_eq!(addr["result"], "t01000", "{addr}");
    // The printed accounts are funded, and the printed API info works for clients.
    let first = out
        .lines()
        .find_map(|l| l.strip_prefix("(0) "))
        .expect("account 0 printed")
        .to_string();
    let bal = Command::new(padma())
        .args(["wallet", "balance", &first])
        .env("FULLNODE_API_INFO", &info)
        .output()
        .unwrap();
    assert!(
        bal.status.success(),
        "{}",
        String::from_utf8_lossy(&bal.stderr)
    );
    assert_eq!(String::from_utf8_lossy(&bal.stdout).trim(), "100000 FIL");
    let name = call(&d.url(), None, "StateNetworkName", json!([])).await;
    assert_eq!(
        name["result"],
        "padma-devnet;block-delay-ms=1000;mock-proofs"
    );
    let genesis =
        call(&d.url(), None, "ChainGetGenesis", json!([])).await["result"]["Cids"].clone();
    assert!(d.interrupt().success());
    let stopped_at = head["Height"].as_i64().unwrap();

    // Again: the same chain goes on.
    let mut d = Devnet::start(&dir, port, &["--mock-proofs", "--block-time", "1s"], 1);
    let head = d
        .wait_height(stopped_at + 2, Duration::from_secs(120))
        .await;
    assert!(head["Height"].as_i64().unwrap() > stopped_at);
    let again = call(&d.url(), None, "ChainGetGenesis", json!([])).await["result"]["Cids"].clone();
    assert_eq!(again, genesis);

    // Killed in the middle of mining (SIGKILL): it restarts on a consistent head whose
    // state can be read, and goes on.
    let killed_at = d
        .wait_height(
            head["Height"].as_i64().unwrap() + 2,
            Duration::from_secs(60),
        )
        .await;
    d.proc.kill();
    let mut d = Devnet::start(&dir, port, &["--mock-proofs", "--block-time", "1s"], 3);
    let h = killed_at["Height"].as_i64().unwrap();
    let head = d.wait_height(h + 2, Duration::from_secs(120)).await;
    let actor = call(
        &d.url(),
        None,
        "StateGetActor",
        json!(["t01000", head["Cids"]]),
    )
    .await;
    assert!(actor["result"]["Balance"].is_string(), "{actor}");
    assert!(d.interrupt().success());

    // --reset: a new genesis.
    let mut d = Devnet::start(
        &dir,
        port,
        &["--mock-proofs", "--block-time", "1s", "--reset"],
        2,
    );
    d.wait_height(1, Duration::from_secs(120)).await;
    let fresh = call(&d.url(), None, "ChainGetGenesis", json!([])).await["result"]["Cids"].clone();
    assert_ne!(fresh, genesis);
    assert!(d.interrupt().success());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn real_proofs_devnet_mines_with_winning_post() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("devnet");
    let mut d = Devnet::start(&dir, free_port(), &["--block-time", "2s"], 0);
    d.wait_height(3, Duration::from_secs(600)).await;
    let name = call(&d.url(), None, "StateNetworkName", json!([])).await;
    assert_eq!(name["result"], "padma-devnet;block-delay-ms=2000");
    // Real sectors were sealed for the genesis miner.
    assert!(dir.join("sectors/sealed/s-t01000-0").exists());
    assert!(d.interrupt().success());
}
