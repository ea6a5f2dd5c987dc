//! Load benchmark of the API: starts `padma devnet --mock-proofs` (1 s blocks) and
//! measures `ChainHead` latency (p50, p99, max) and blocks produced, first idle, then
//! while `--clients` anonymous clients call `StateMinerSectors` with a bitfield naming
//! `--sectors` sectors (a million by default) in a loop.
//!
//! `cargo run -p padma --example rpc_load -- [--padma PATH] [--seconds N] [--clients N]
//! [--sectors N]`
//! (`--padma` defaults to the `padma` next to this example, so another build, e.g. of
//! an older commit, can be measured with the same load).

#![allow(clippy::unwrap_used, clippy::indexing_slicing, clippy::string_slice)] // measurement code, not shipped: a panic ends the run

use serde_json::Value;
use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

struct Args {
    padma: PathBuf,
    seconds: u64,
    clients: usize,
    sectors: u64,
}

fn args() -> Args {
    let mut a = Args {
        padma: std::env::current_exe()
            .ok()
            .and_then(|p| Some(p.parent()?.parent()?.join("padma")))
            .unwrap_or_else(|| PathBuf::from("padma")),
        seconds: 20,
        clients: 8,
        sectors: 1_000_000,
    };
    let mut it = std::env::args().skip(1);
    while let Some(flag) = it.next() {
        let value = it.next().unwrap_or_default();
        match flag.as_str() {
            "--padma" => a.padma = PathBuf::from(value),
            "--seconds" => a.seconds = value.parse().unwrap_or(a.seconds),
            "--clients" => a.clients = value.parse().unwrap_or(a.clients),
            "--sectors" => a.sectors = value.parse().unwrap_or(a.sectors),
            other => eprintln!("ignoring unknown flag {other}"),
        }
    }
    a
}

async fn post(client: &reqwest::Client, url: &str, body: &str) -> Option<Value> {
    let r = client.post(url).body(body.to_string()).send().await.ok()?;
    r.json().await.ok()
}

async fn height(client: &reqwest::Client, url: &str) -> i64 {
    let body = r#"{"jsonrpc":"2.0","id":1,"method":"Filecoin.ChainHead"}"#;
    post(client, url, body)
        .await
        .map_or(-1, |v| v["result"]["Height"].as_i64().unwrap_or(-1))
}

/// ChainHead latencies in ms over `secs`, one probe every 50 ms, and blocks produced.
async fn probe(url: &str, secs: u64) -> (Vec<f64>, i64) {
    let client = reqwest::Client::new();
    let h0 = height(&client, url).await;
    let end = Instant::now() + Duration::from_secs(secs);
    let mut lat = Vec::new();
    while Instant::now() < end {
        let t = Instant::now();
        let _ = height(&client, url).await;
        lat.push(t.elapsed().as_secs_f64() * 1000.0);
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let h1 = height(&client, url).await;
    lat.sort_by(f64::total_cmp);
    (lat, h1 - h0)
}

fn pct(v: &[f64], p: f64) -> f64 {
    if v.is_empty() {
        return f64::NAN;
    }
    let i = ((v.len() - 1) as f64 * p).round() as usize;
    v[i.min(v.len() - 1)]
}

fn report(what: &str, secs: u64, (lat, blocks): &(Vec<f64>, i64)) {
    println!(
        "{what:>10}: ChainHead p50 {:8.1} ms  p99 {:8.1} ms  max {:8.1} ms  ({} probes)  blocks {blocks} in {secs} s",
        pct(lat, 0.5),
        pct(lat, 0.99),
        lat.last().copied().unwrap_or(f64::NAN),
        lat.len()
    );
}

#[tokio::main]
async fn main() {
    let a = args();
    let dir = tempfile::tempdir().expect("temporary directory");
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("free port");
    let mut child = Command::new(&a.padma)
        .args([
            "devnet",
            "--mock-proofs",
            "--block-time",
            "1s",
            "--accounts",
            "1",
        ])
        .args(["--dir", &dir.path().display().to_string()])
        .args(["--api", &port.to_string(), "--miner-api", "0"])
        .env_remove("FULLNODE_API_INFO")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("start padma devnet");
    let url = format!("http://127.0.0.1:{port}/rpc/v1");
    let client = reqwest::Client::new();
    let deadline = Instant::now() + Duration::from_secs(120);
    while height(&client, &url).await < 3 {
        assert!(Instant::now() < deadline, "devnet did not start mining");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    println!("padma: {}", a.padma.display());
    let idle = probe(&url, 5).await;
    report("idle", 5, &idle);

    let stop = Arc::new(AtomicBool::new(false));
    let done = Arc::new(AtomicU64::new(0));
    let heavy = format!(
        r#"{{"jsonrpc":"2.0","id":1,"method":"Filecoin.StateMinerSectors","params":["t01000",[0,{}],null]}}"#,
        a.sectors
    );
    let heavy = Arc::new(heavy);
    let mut tasks = Vec::new();
    for _ in 0..a.clients {
        let (stop, done, url, heavy) = (stop.clone(), done.clone(), url.clone(), heavy.clone());
        tasks.push(tokio::spawn(async move {
            let client = reqwest::Client::new();
            while !stop.load(Ordering::Relaxed) {
                let _ = post(&client, &url, &heavy).await;
                done.fetch_add(1, Ordering::Relaxed);
            }
        }));
    }
    let loaded = probe(&url, a.seconds).await;
    stop.store(true, Ordering::Relaxed);
    report("loaded", a.seconds, &loaded);
    println!(
        "heavy calls completed: {} by {} clients (StateMinerSectors naming {} sectors)",
        done.load(Ordering::Relaxed),
        a.clients,
        a.sectors
    );
    for t in tasks {
        t.abort();
    }
    let _ = child.kill();
    let _ = child.wait();
}
