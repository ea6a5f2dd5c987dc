//! A second miner's sector through its WindowPoSt life, with real processes on a
//! mock-proof devnet (`padma daemon`, the genesis miner's and the second miner's
//! `padma-miner run`): the second miner, created by `padma-miner init` (a new actor)
//! in its own repo, pledges a committed-capacity sector that seals to Proving; its
//! power is still zero (builtin-actors v18 counts a new sector's power from its first
//! WindowPoSt); in the sector's deadline its `SubmitWindowedPoSt` lands with exit 0
//! and the power becomes the sector's. Stopped (`padma-miner stop`) past the next
//! instance of that deadline, the sector is faulty and the power gone; restarted, the
//! miner declares the recovery before the fault cutoff, proves the deadline again,
//! and the power is back.
//!
//! The proving period is the devnet's (2880 epochs of 48 deadlines of 60 epochs),
//! so the chain runs with a short block delay; when the sector's deadline comes is
//! read from the chain (`StateMinerProvingDeadline`, `StateMinerPartitions`).

#![allow(clippy::unwrap_used, clippy::indexing_slicing, clippy::string_slice)] // test code: a panic is a failed test

use padma_state::actors::method;
use padma_testkit::{expect_success, start_miner, start_net, Net, Proc, RunningMiner};
use serde_json::{json, Value};
use std::time::{Duration, Instant};

/// Milliseconds per epoch. The chain must pass two whole proving periods and up to
/// a third (the wait for the sector's deadline), 6000 to 8700 epochs, so this sets
/// the test's wall time: about 4 to 6 minutes. Measured on two shared cores with a
/// debug build: at 50 ms the node keeps up (a few percent null rounds), at 30 ms a
/// quarter of the rounds are null; the WindowPoSt lands 3 to 4 epochs after it is
/// submitted (4 epochs into its 60-epoch window) at 40 ms.
const BLOCK_MS: u64 = 40;

/// The wall time `epochs` take, with room for a slow machine.
fn epochs_time(epochs: i64) -> Duration {
    Duration::from_millis(u64::try_from(epochs.max(0)).unwrap() * BLOCK_MS * 2)
        + Duration::from_secs(60)
}

/// The proving-period constants and the current deadline of a miner.
#[derive(Debug)]
struct Proving {
    height: i64,
    period_start: i64,
    index: u64,
    period: i64,
    window: i64,
    deadlines: u64,
    fault_cutoff_lead: i64,
}

impl Proving {
    /// The first epoch of the instance of deadline `dl` that is open now or opens
    /// next.
    fn next_open(&self, dl: u64) -> i64 {
        let mut open = self.period_start + i64::try_from(dl).unwrap() * self.window;
        while open + self.window <= self.height {
            open += self.period;
        }
        open
    }
}

async fn proving(net: &Net, maddr: &str) -> Proving {
    let v = net
        .call("StateMinerProvingDeadline", json!([maddr, null]))
        .await;
    let i = |k: &str| {
        v[k].as_i64()
            .unwrap_or_else(|| panic!("StateMinerProvingDeadline: no {k}: {v}"))
    };
    Proving {
        height: i("CurrentEpoch"),
        period_start: i("PeriodStart"),
        index: i("Index") as u64,
        period: i("WPoStProvingPeriod"),
        window: i("WPoStChallengeWindow"),
        deadlines: i("WPoStPeriodDeadlines") as u64,
        fault_cutoff_lead: i("Open") - i("FaultCutoff"),
    }
}

fn bits(v: &Value) -> Vec<u64> {
    padma_miner::wdpost::core::bitfield_from_json(v)
        .unwrap_or_else(|e| panic!("bad bitfield {v}: {e}"))
        .iter()
        .collect()
}

/// The deadline that holds sector `n` (`StateMinerPartitions` of each deadline).
async fn sector_deadline(net: &Net, maddr: &str, n: u64, deadlines: u64) -> u64 {
    for dl in 0..deadlines {
        let parts = net
            .call("StateMinerPartitions", json!([maddr, dl, null]))
            .await;
        for p in parts.as_array().into_iter().flatten() {
            if bits(&p["AllSectors"]).contains(&n) {
                return dl;
            }
        }
    }
    panic!("sector {n} of {maddr} is in no deadline");
}

async fn raw_power(net: &Net, maddr: &str) -> u64 {
    let v = net.call("StateMinerPower", json!([maddr, null])).await;
    v["MinerPower"]["RawBytePower"]
        .as_str()
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| panic!("StateMinerPower: {v}"))
}

/// The miner's raw power just before epoch `open` (in the state of the tipset at
/// `open - 1` or the last before it), with that tipset's height; sector `n` is on
/// chain there.
async fn power_before(net: &Net, maddr: &str, n: u64, open: i64) -> (i64, u64) {
    let ts = net
        .call("ChainGetTipSetByHeight", json!([open - 1, null]))
        .await;
    let (h, tsk) = (ts["Height"].as_i64().unwrap(), ts["Cids"].clone());
    let info = net.call("StateSectorGetInfo", json!([maddr, n, tsk])).await;
    assert_eq!(info["SectorNumber"], json!(n), "sector {n} at {h}: {info}");
    let v = net.call("StateMinerPower", json!([maddr, tsk])).await;
    let power = v["MinerPower"]["RawBytePower"]
        .as_str()
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| panic!("StateMinerPower at {h}: {v}"));
    (h, power)
}

async fn faults(net: &Net, maddr: &str) -> Vec<u64> {
    bits(&net.call("StateMinerFaults", json!([maddr, null])).await)
}

async fn recoveries(net: &Net, maddr: &str) -> Vec<u64> {
    bits(&net.call("StateMinerRecoveries", json!([maddr, null])).await)
}

/// The `SubmitWindowedPoSt` messages to `maddr` included in epochs `from..to`, as
/// (epoch, exit code), found by walking the chain back from the head.
async fn posts_in(net: &Net, maddr: &str, from: i64, to: i64) -> Vec<(i64, i64)> {
    let mut found = Vec::new();
    let mut child = net.call("ChainHead", json!([])).await;
    loop {
        let parent = net
            .call("ChainGetTipSet", json!([child["Blocks"][0]["Parents"]]))
            .await;
        let height = parent["Height"].as_i64().unwrap();
        if height < from {
            break;
        }
        if height < to {
            let block = &child["Cids"][0];
            let msgs = net.call("ChainGetParentMessages", json!([block])).await;
            let receipts = net.call("ChainGetParentReceipts", json!([block])).await;
            let msgs = msgs.as_array().cloned().unwrap_or_default();
            let receipts = receipts.as_array().cloned().unwrap_or_default();
            assert_eq!(
                msgs.len(),
                receipts.len(),
                "messages and receipts at {height}"
            );
            for (m, r) in msgs.iter().zip(&receipts) {
                let m = &m["Message"];
                if m["To"] == maddr && m["Method"] == method::miner::SUBMIT_WINDOWED_POST {
                    found.push((height, r["ExitCode"].as_i64().unwrap()));
                }
            }
        }
        if height == 0 {
            break;
        }
        child = parent;
    }
    found
}

/// Waits until the chain is at `h`, the daemon and `procs` running all along.
async fn wait_epoch(net: &mut Net, procs: &mut [&mut Proc], h: i64, what: &str) -> i64 {
    let start = net.height().await;
    let limit = epochs_time(h - start);
    let deadline = Instant::now() + limit;
    loop {
        net.daemon.proc.assert_alive();
        for p in procs.iter_mut() {
            p.assert_alive();
        }
        let now = net.height().await;
        if now >= h {
            return now;
        }
        assert!(
            Instant::now() < deadline,
            "{what}: the chain did not reach epoch {h} in {limit:?} (at {now}, from {start})"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// Waits until the head's parent state has epoch `e` executed (deadline cron included,
/// whether `e` is a block or a null round).
async fn wait_executed(net: &mut Net, procs: &mut [&mut Proc], e: i64, what: &str) {
    wait_epoch(net, procs, e + 1, what).await;
    let deadline = Instant::now() + epochs_time(20);
    loop {
        let head = net.call("ChainHead", json!([])).await;
        let parent = net
            .call("ChainGetTipSet", json!([head["Blocks"][0]["Parents"]]))
            .await;
        if parent["Height"].as_i64().unwrap() >= e {
            return;
        }
        assert!(
            Instant::now() < deadline,
            "{what}: no head past a tipset at {e} or later"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

fn stop(net: &Net, repo: &str, m: &mut RunningMiner) {
    expect_success(
        &net.miner(repo, &["stop"]),
        &format!("padma-miner stop ({repo})"),
    );
    let s = m.proc.wait_exit(Duration::from_secs(60));
    assert!(s.success(), "{repo} exited with {s}");
    assert!(!net.dir().join(repo).join("api").exists());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn second_miner_proves_is_faulted_and_recovers() {
    let t0 = Instant::now();
    let lap = |what: &str| eprintln!("[{:>6.1}s] {what}", t0.elapsed().as_secs_f64());
    let mut net = start_net(true, BLOCK_MS);
    net.init_genesis_miner("miner");
    let mut miner = start_miner(&net, "miner");

    // The second miner: a new actor in its own repo, with one CC sector.
    let maddr = net.init_new_miner("miner2");
    assert_ne!(maddr, "t01000");
    let mut miner2 = start_miner(&net, "miner2");
    lap(&format!("second miner {maddr} running"));
    let n = net.pledge("miner2");
    miner2
        .wait_sector_state(n, "Proving", epochs_time(400))
        .await;
    let info = net
        .call("StateSectorGetInfo", json!([maddr, n, null]))
        .await;
    assert_eq!(info["SectorNumber"], json!(n), "{info}");
    let sector_size = net.call("StateMinerInfo", json!([maddr, null])).await["SectorSize"]
        .as_u64()
        .unwrap();

    // When its deadline comes, from the chain.
    let p = proving(&net, &maddr).await;
    let dl = sector_deadline(&net, &maddr, n, p.deadlines).await;
    let open = p.next_open(dl);
    let close = open + p.window;
    lap(&format!(
        "sector {n} Proving at epoch {}, in deadline {dl} (now {}): opens at {open}",
        p.height, p.index
    ));

    // 1. Its first WindowPoSt lands in the deadline: the miner has the sector's power.
    wait_executed(
        &mut net,
        &mut [&mut miner.proc, &mut miner2.proc],
        close,
        "first proof",
    )
    .await;
    let (h, power) = power_before(&net, &maddr, n, open).await;
    assert_eq!(
        power, 0,
        "power at {h}, before the sector's first WindowPoSt"
    );
    let posts = posts_in(&net, &maddr, open, close).await;
    lap(&format!(
        "deadline {dl} at {open}..{close} passed; WindowPoSts (epoch, exit code): {posts:?}"
    ));
    assert!(
        posts.iter().any(|(_, code)| *code == 0),
        "no SubmitWindowedPoSt of {maddr} landed with exit 0 in {open}..{close}: {posts:?}"
    );
    assert_eq!(
        raw_power(&net, &maddr).await,
        sector_size,
        "power after the first WindowPoSt"
    );
    assert_eq!(faults(&net, &maddr).await, Vec::<u64>::new());

    // 2. Stopped past the deadline's next instance: the sector is faulty, the power gone.
    stop(&net, "miner2", &mut miner2);
    let h = net.height().await;
    assert!(
        h < open + p.period - p.fault_cutoff_lead,
        "stopped too late ({h}) to miss the next instance of deadline {dl}"
    );
    lap("second miner stopped");
    let open2 = open + p.period;
    let close2 = open2 + p.window;
    wait_executed(&mut net, &mut [&mut miner.proc], close2, "missed proof").await;
    lap(&format!("deadline {dl} at {open2}..{close2} passed"));
    let posts = posts_in(&net, &maddr, open2, close2).await;
    assert!(posts.is_empty(), "a stopped miner proved: {posts:?}");
    assert_eq!(
        faults(&net, &maddr).await,
        vec![n],
        "faults after a missed WindowPoSt"
    );
    assert_eq!(raw_power(&net, &maddr).await, 0, "power of a faulty sector");

    // 3. Restarted: it declares the recovery before the fault cutoff and proves the
    // deadline again; the power is back.
    let mut miner2 = start_miner(&net, "miner2");
    lap("second miner restarted");
    let open3 = open2 + p.period;
    let close3 = open3 + p.window;
    let cutoff3 = open3 - p.fault_cutoff_lead;
    let limit = epochs_time(cutoff3 - net.height().await);
    let deadline = Instant::now() + limit;
    loop {
        miner2.proc.assert_alive();
        let h = net.height().await;
        if recoveries(&net, &maddr).await == vec![n] {
            lap(&format!("recovery declared (on chain at {h})"));
            break;
        }
        assert!(
            h < cutoff3 && Instant::now() < deadline,
            "no recovery of sector {n} declared by epoch {h} (fault cutoff {cutoff3})"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    wait_executed(
        &mut net,
        &mut [&mut miner.proc, &mut miner2.proc],
        close3,
        "recovery proof",
    )
    .await;
    let (h, power) = power_before(&net, &maddr, n, open3).await;
    assert_eq!(
        power, 0,
        "power at {h}, declared recovering but not proven yet"
    );
    let posts = posts_in(&net, &maddr, open3, close3).await;
    lap(&format!(
        "deadline {dl} at {open3}..{close3} passed; WindowPoSts (epoch, exit code): {posts:?}"
    ));
    assert!(
        posts.iter().any(|(_, code)| *code == 0),
        "no SubmitWindowedPoSt of {maddr} landed with exit 0 in {open3}..{close3}: {posts:?}"
    );
    assert_eq!(
        faults(&net, &maddr).await,
        Vec::<u64>::new(),
        "faults after recovery"
    );
    assert_eq!(recoveries(&net, &maddr).await, Vec::<u64>::new());
    assert_eq!(
        raw_power(&net, &maddr).await,
        sector_size,
        "power after the recovery's WindowPoSt"
    );

    stop(&net, "miner2", &mut miner2);
    stop(&net, "miner", &mut miner);
    net.daemon.proc.signal(libc::SIGINT);
    assert!(net.daemon.proc.wait_exit(Duration::from_secs(60)).success());
    lap("done");
}
