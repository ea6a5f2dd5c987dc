//! Mining-pace benchmark with real 2KiB proofs: starts `padma devnet` (real proofs),
//! watches the head, and reports how late each block reaches the node after its own
//! timestamp (the epoch's start): p50, p99 and max over `--blocks` blocks after a
//! warm-up, plus the devnet process's CPU time per block. `--busy` keeps one extra core
//! busy meanwhile (a spinning thread), to see the pace under load.
//!
//! `cargo run -p padma --example real_mining -- [--padma PATH] [--blocks N] [--busy]
//! [--block-time 4s]`
//! (`--padma` defaults to the `padma` next to this example, so a build of another
//! commit can be measured the same way; the 2KiB parameters must be in
//! `FIL_PROOFS_PARAMETER_CACHE`).

#![allow(clippy::unwrap_used, clippy::indexing_slicing, clippy::string_slice)] // measurement code, not shipped: a panic ends the run

use serde_json::Value;
use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

/// Blocks skipped before measuring (parameters loading, the genesis miner's set-up).
const WARM_UP: i64 = 5;

struct Args {
    padma: PathBuf,
    blocks: i64,
    busy: bool,
    block_time: Option<String>,
}

fn args() -> Args {
    let mut a = Args {
        padma: std::env::current_exe()
            .ok()
            .and_then(|p| Some(p.parent()?.parent()?.join("padma")))
            .unwrap_or_else(|| PathBuf::from("padma")),
        blocks: 100,
        busy: false,
        block_time: None,
    };
    let mut it = std::env::args().skip(1);
    while let Some(flag) = it.next() {
        match flag.as_str() {
            "--busy" => a.busy = true,
            "--padma" => a.padma = PathBuf::from(it.next().unwrap_or_default()),
            "--blocks" => a.blocks = it.next().and_then(|v| v.parse().ok()).unwrap_or(a.blocks),
            "--block-time" => a.block_time = it.next(),
            other => eprintln!("ignoring unknown flag {other}"),
        }
    }
    a
}

fn now_ms() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as u64)
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map_or(0, |a| a.port())
}

/// User and system CPU time of process `pid`, in milliseconds.
fn cpu_ms(pid: u32) -> u64 {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default();
    // Fields after the command name (which may hold spaces) start after the last ')'.
    let rest = stat.rsplit_once(')').map_or("", |(_, r)| r);
    let f: Vec<u64> = rest
        .split_whitespace()
        .map(|x| x.parse().unwrap_or(0))
        .collect();
    // utime and stime are fields 14 and 15 of the whole line: 12 and 13 after ')'.
    let ticks = f.get(11).copied().unwrap_or(0) + f.get(12).copied().unwrap_or(0);
    ticks * 10
}

fn percentile(sorted: &[u64], p: usize) -> u64 {
    if sorted.is_empty() {
        return 0;
    }
    let i = (sorted.len() * p).div_ceil(100).saturating_sub(1);
    sorted[i.min(sorted.len() - 1)]
}

#[tokio::main]
async fn main() {
    let a = args();
    let dir = tempfile::tempdir().expect("a temporary directory");
    let port = free_port();
    let mut cmd = Command::new(&a.padma);
    cmd.args(["devnet", "--accounts", "1"])
        .arg("--dir")
        .arg(dir.path().join("devnet"))
        .args(["--api", &port.to_string()])
        .args(["--miner-api", &free_port().to_string()])
        .env_remove("FULLNODE_API_INFO")
        .stdout(Stdio::null())
        .stderr(Stdio::from(
            std::fs::File::create(dir.path().join("devnet.log")).expect("log file"),
        ));
    if let Some(t) = &a.block_time {
        cmd.args(["--block-time", t]);
    }
    let mut child = cmd.spawn().expect("start padma devnet");
    let stop = Arc::new(AtomicBool::new(false));
    if a.busy {
        let stop = stop.clone();
        std::thread::spawn(move || {
            let mut x: u64 = 1;
            while !stop.load(Ordering::Relaxed) {
                x = x.wrapping_mul(6364136223846793005).wrapping_add(1);
            }
            std::hint::black_box(x);
        });
    }
    let url = format!("http://127.0.0.1:{port}/rpc/v1");
    let client = reqwest::Client::new();
    let body = r#"{"jsonrpc":"2.0","id":1,"method":"Filecoin.ChainHead","params":[]}"#;
    let mut last = -1i64;
    let mut late = Vec::new();
    let mut first: Option<(i64, u64, Instant)> = None;
    let deadline = Instant::now() + Duration::from_secs(3600);
    while Instant::now() < deadline {
        if let Ok(Some(st)) = child.try_wait() {
            let log = std::fs::read_to_string(dir.path().join("devnet.log")).unwrap_or_default();
            panic!("devnet exited ({st}): {log}");
        }
        let head: Option<Value> = match client.post(&url).body(body).send().await {
            Ok(r) => r.json().await.ok(),
            Err(_) => None,
        };
        let seen = now_ms();
        if let Some(h) = head {
            let height = h["result"]["Height"].as_i64().unwrap_or(-1);
            let ts = h["result"]["Blocks"][0]["Timestamp"].as_u64().unwrap_or(0);
            if height > last && last >= 0 && height >= WARM_UP {
                match first {
                    None => first = Some((height, cpu_ms(child.id()), Instant::now())),
                    Some(_) => late.push(seen.saturating_sub(ts * 1000)),
                }
            }
            last = last.max(height);
            if late.len() as i64 >= a.blocks {
                break;
            }
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    stop.store(true, Ordering::Relaxed);
    let (h0, cpu0, t0) = first.expect("no blocks were mined");
    let cpu = cpu_ms(child.id()).saturating_sub(cpu0);
    let epochs = last - h0;
    unsafe { libc::kill(child.id() as i32, libc::SIGINT) };
    let _ = child.wait();
    let log = std::fs::read_to_string(dir.path().join("devnet.log")).unwrap_or_default();
    let took = log
        .lines()
        .find(|l| l.starts_with("a WinningPoSt takes"))
        .unwrap_or("");
    let mut sorted = late.clone();
    sorted.sort_unstable();
    println!(
        "padma {} | {}{} | {} blocks over {} epochs in {:.0} s",
        a.padma.display(),
        a.block_time.as_deref().unwrap_or("default block time"),
        if a.busy { " | one extra busy core" } else { "" },
        late.len(),
        epochs,
        t0.elapsed().as_secs_f64()
    );
    if !took.is_empty() {
        println!("{took}");
    }
    println!(
        "published after their timestamp: p50 {} ms, p99 {} ms, max {} ms; within 1.5 s: {}/{}",
        percentile(&sorted, 50),
        percentile(&sorted, 99),
        sorted.last().copied().unwrap_or(0),
        sorted.iter().filter(|&&ms| ms <= 1500).count(),
        sorted.len()
    );
    println!(
        "devnet CPU (node and miner): {} ms per block",
        cpu / u64::try_from(late.len().max(1)).unwrap_or(1)
    );
}
