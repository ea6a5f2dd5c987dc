//! The WindowPoSt scheduler against a real full node (the daemon runs in this test
//! process on a made mock-proof genesis): a genesis miner with sectors in two
//! deadlines mines over the API while its scheduler proves the first deadline (the
//! PoSt lands with exit 0 and the miner keeps its power); with the scheduler stopped
//! the second deadline passes without a proof and its sectors are faulted; a new
//! scheduler declares their recovery before the next period's fault cutoff and proves
//! both deadlines again, while a sector whose file went missing is declared faulty,
//! then recovered once its file is back. A second test proves with real proofs over
//! fauxrep sectors. The chain is driven fast: null
//! rounds skip the epochs where nothing happens, and blocks are mined one per epoch
//! (waiting for the scheduler to handle each head) around the deadlines.

#![allow(clippy::unwrap_used, clippy::indexing_slicing, clippy::string_slice)] // test code: a panic is a failed test

use fvm_shared::address::Address;
use fvm_shared::econ::TokenAmount;
use padma_chain::miner::{mine_one, Attempt, MiningNode, MockWinningProver, WinningProver};
use padma_chain::network::NetworkParams;
use padma_miner::fullnode::FullNode;
use padma_miner::mining_client::RpcMiningNode;
use padma_miner::storage::Storage;
use padma_miner::wdpost::core::Deadline;
use padma_miner::wdpost::{PoStEvent, WindowPoStScheduler};
use padma_node::daemon::DaemonOptions;
use padma_proofs::seal::SectorPaths;
use padma_rpc::client::{ApiInfo, RpcClient};
use padma_state::genesis::{fake::fake_miner, Template, MINER_START};
use padma_types::crypto::{KeyInfo, KeyType};
use padma_types::json::KeyInfoJson;
use padma_types::sector::SIZE_2KIB;
use serde_json::{json, Value};
use std::path::Path;
use std::time::{Duration, Instant};
use tokio::sync::{broadcast, watch};

const BLOCK_DELAY_MS: u64 = 1000;
const SECTORS: u64 = 4;
const SECTOR_SIZE: u64 = SIZE_2KIB;
/// Epochs skipped at once (null rounds) where nothing is due.
const FAR_JUMP: i64 = 200;
/// Epochs skipped at once while declarations are due.
const NEAR_JUMP: i64 = 15;

fn worker() -> KeyInfo {
    let mut sk = [42u8; 32];
    sk[31] &= 0x3f;
    KeyInfo::new(KeyType::Bls, sk.to_vec()).unwrap()
}

fn miner() -> Address {
    Address::new_id(1000)
}

/// A full node running in this process, stopped with `Shutdown`.
struct Node {
    info: ApiInfo,
    task: tokio::task::JoinHandle<anyhow::Result<()>>,
    client: RpcClient,
}

impl Node {
    /// A node on a genesis with miner t01000 from the pre-seal `manifest`.
    async fn start(dir: &Path, mock: bool, manifest: Value) -> Node {
        let name = NetworkParams::name_for("padma-wdpost", BLOCK_DELAY_MS, mock);
        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_secs();
        // A genesis three hours old: two proving periods of rounds are in the past.
        let mut t = Template::new(name, now - 3 * 3600);
        t.add_miners_from_manifest(
            manifest.to_string().as_bytes(),
            TokenAmount::from_whole(1_000),
        )
        .unwrap();
        let template = dir.join("template.json");
        std::fs::write(&template, t.to_json()).unwrap();
        let repo = dir.join("repo");
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
        let (api, token) = loop {
            if let Ok((api, token)) = padma_repo::api_files::read_api_files(&repo) {
                break (api, token);
            }
            assert!(!task.is_finished(), "the daemon stopped early");
            assert!(Instant::now() < deadline, "the daemon did not start");
            tokio::time::sleep(Duration::from_millis(50)).await;
        };
        let info = ApiInfo::parse(&api).unwrap();
        let info = ApiInfo { token, ..info };
        let client = RpcClient::new(&info, "v1");
        let node = Node { info, task, client };
        let ki = serde_json::to_value(KeyInfoJson::from(&worker())).unwrap();
        node.call("WalletImport", json!([ki])).await;
        node
    }

    async fn call(&self, method: &str, params: Value) -> Value {
        let params = params.as_array().cloned().unwrap_or_default();
        self.client
            .call::<Value>(method, params)
            .await
            .unwrap_or_else(|e| panic!("{method}: {e}"))
    }

    async fn stop(self) {
        let _ = self.client.call::<Value>("Shutdown", vec![]).await;
        let _ = tokio::time::timeout(Duration::from_secs(30), self.task).await;
    }

    async fn faults(&self) -> Vec<u64> {
        let v = self
            .call("StateMinerFaults", json!([miner().to_string(), null]))
            .await;
        let bf = padma_miner::wdpost::core::bitfield_from_json(&v).unwrap();
        bf.iter().collect()
    }

    async fn raw_power(&self) -> u64 {
        let v = self
            .call("StateMinerPower", json!([miner().to_string(), null]))
            .await;
        v["MinerPower"]["RawBytePower"]
            .as_str()
            .unwrap()
            .parse()
            .unwrap()
    }

    async fn deadline(&self) -> Deadline {
        let v = self
            .call(
                "StateMinerProvingDeadline",
                json!([miner().to_string(), null]),
            )
            .await;
        serde_json::from_value(v).unwrap()
    }

    /// Deadline index → sectors, for every deadline with sectors.
    async fn sector_deadlines(&self, period_deadlines: u64) -> Vec<(u64, Vec<u64>)> {
        let mut out = Vec::new();
        for i in 0..period_deadlines {
            let parts = self
                .call(
                    "StateMinerPartitions",
                    json!([miner().to_string(), i, null]),
                )
                .await;
            let mut sectors = Vec::new();
            for p in parts.as_array().unwrap() {
                let bf = padma_miner::wdpost::core::bitfield_from_json(&p["AllSectors"]).unwrap();
                sectors.extend(bf.iter());
            }
            if !sectors.is_empty() {
                out.push((i, sectors));
            }
        }
        out
    }

    async fn exit_code(&self, cid: &cid::Cid) -> i64 {
        let v = self
            .call(
                "StateWaitMsg",
                json!([{ "/": cid.to_string() }, 1, -1, true]),
            )
            .await;
        v["Receipt"]["ExitCode"].as_i64().unwrap()
    }
}

/// The chain driver: mines rounds over the API, one epoch at a time inside the
/// `busy` ranges and skipping ahead elsewhere.
struct Driver {
    mining: RpcMiningNode,
    prover: Box<dyn WinningProver>,
    /// Epochs skipped at once (null rounds) where nothing is due.
    far_jump: i64,
}

impl Driver {
    /// Mines until the head is at `target` or beyond. In `busy` ranges (inclusive)
    /// every round is mined; in `near` ranges rounds are at most NEAR_JUMP apart. After
    /// each block, waits for `sched` (if any) to have handled it.
    async fn drive(
        &self,
        target: i64,
        busy: &[(i64, i64)],
        near: &[(i64, i64)],
        mut sched: Option<&mut watch::Receiver<i64>>,
    ) {
        let within = |r: i64, ranges: &[(i64, i64)]| ranges.iter().any(|(a, b)| *a <= r && r <= *b);
        loop {
            let base = self.mining.head().await.unwrap();
            let h = base.height();
            if h >= target {
                return;
            }
            let next = h + 1;
            let round = if within(next, busy) {
                next
            } else {
                // The furthest round that stays out of the busy ranges ahead.
                let jump = if within(next, near) {
                    NEAR_JUMP
                } else {
                    self.far_jump
                };
                let mut r = (h + jump).min(target);
                for (a, _) in busy {
                    if *a > h && *a <= r {
                        r = *a;
                    }
                }
                for (a, _) in near {
                    if *a > h && *a < r {
                        r = *a;
                    }
                }
                r
            };
            let mut round = round;
            let height = loop {
                match mine_one(&self.mining, self.prover.as_ref(), &miner(), &base, round).await {
                    Ok(Attempt::Mined(b)) => break b.header.height,
                    Ok(Attempt::Lost) => round += 1,
                    Err(e) => panic!("mining at {round} failed: {e:#}"),
                }
                assert!(
                    round < base.height() + 1000,
                    "the miner cannot win any more"
                );
            };
            if let Some(rx) = sched.as_deref_mut() {
                let wait = rx.wait_for(|handled| *handled >= height);
                if tokio::time::timeout(Duration::from_secs(30), wait)
                    .await
                    .is_err()
                {
                    panic!("the scheduler did not handle height {height} in time");
                }
            }
        }
    }
}

/// Events received so far, without waiting.
fn drain(rx: &mut broadcast::Receiver<PoStEvent>, into: &mut Vec<PoStEvent>) {
    while let Ok(e) = rx.try_recv() {
        into.push(e);
    }
}

fn landed(events: &[PoStEvent], message: &cid::Cid) -> Option<i64> {
    events.iter().find_map(|e| match e {
        PoStEvent::Landed {
            message: m,
            exit_code,
            ..
        } if m == message => Some(*exit_code),
        _ => None,
    })
}

fn submissions(events: &[PoStEvent], deadline: u64) -> Vec<(cid::Cid, Vec<u64>)> {
    events
        .iter()
        .filter_map(|e| match e {
            PoStEvent::Submitted {
                deadline: d,
                message,
                skipped,
                ..
            } if *d == deadline => Some((*message, skipped.clone())),
            _ => None,
        })
        .collect()
}

fn failures(events: &[PoStEvent]) -> Vec<&PoStEvent> {
    events
        .iter()
        .filter(|e| matches!(e, PoStEvent::Failed { .. }))
        .collect()
}

/// Busy range of a deadline: from just before its challenge to just past its close.
fn window(d: &Deadline) -> (i64, i64) {
    (d.challenge - 2, d.close + 2)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn window_post_proves_faults_and_recovers() {
    let dir = tempfile::tempdir().unwrap();
    let m = fake_miner(MINER_START, &worker(), SECTOR_SIZE, SECTORS, 1_000_000).unwrap();
    let node = Node::start(dir.path(), true, json!({ "t01000": m })).await;
    let driver = Driver {
        mining: RpcMiningNode::new(RpcClient::new(&node.info, "v1")),
        prover: Box::new(MockWinningProver),
        far_jump: FAR_JUMP,
    };

    // Every genesis sector has its files in storage.
    let root = dir.path().join("storage");
    for n in 0..SECTORS {
        SectorPaths::new(&root, 1000, n).prepare().unwrap();
    }
    let storage = Storage::new(root.clone());

    let upcoming = upcoming(&node).await;
    assert!(
        upcoming.len() >= 2,
        "the genesis sectors fill two deadlines: {upcoming:?}"
    );
    let full_power = SECTORS * SECTOR_SIZE;
    assert_eq!(node.raw_power().await, full_power);
    let (x, x_sectors) = upcoming[0].clone();
    let (y, y_sectors) = upcoming[1].clone();
    let period = x.proving_period;
    let next = |d: &Deadline| d.instance(d.period_start + period, d.index, d.current_epoch);
    let (x2, y2) = (next(&x), next(&y));
    eprintln!(
        "proving deadline {} (open {}, sectors {x_sectors:?}) then {} (open {}, sectors {y_sectors:?})",
        x.index, x.open, y.index, y.open
    );

    let fullnode = FullNode::new(node.info.clone());
    let new_scheduler = || {
        WindowPoStScheduler::new(fullnode.clone(), miner(), storage.clone(), true)
            .with_poll_interval(Duration::from_millis(20))
    };

    // --- 1. The scheduler proves deadline X; the miner keeps its power. ---
    let s1 = new_scheduler();
    let mut ev1 = s1.subscribe();
    let mut handled1 = s1.handled();
    let (stop1, stop_rx) = watch::channel(false);
    let t1 = tokio::spawn(s1.run(stop_rx));
    // Let it see the current head first.
    let h0 = driver.mining.head().await.unwrap().height();
    tokio::time::timeout(Duration::from_secs(30), handled1.wait_for(|h| *h >= h0))
        .await
        .expect("the scheduler handles the head")
        .unwrap();
    driver
        .drive(x.close + 1, &[window(&x)], &[], Some(&mut handled1))
        .await;
    let mut events = Vec::new();
    drain(&mut ev1, &mut events);
    let subs = submissions(&events, x.index);
    assert_eq!(
        subs.len(),
        1,
        "one PoSt for deadline {}: {events:?}",
        x.index
    );
    assert!(subs[0].1.is_empty(), "nothing skipped");
    assert_eq!(node.exit_code(&subs[0].0).await, 0);
    assert_eq!(landed(&events, &subs[0].0), Some(0), "{events:?}");
    assert!(failures(&events).is_empty(), "{events:?}");
    assert_eq!(
        node.raw_power().await,
        full_power,
        "power kept past the deadline"
    );
    assert!(node.faults().await.is_empty());
    stop1.send(true).unwrap();
    t1.await.unwrap().unwrap();

    // --- 2. No scheduler: deadline Y passes unproven and its sectors fault. ---
    driver.drive(y.close + 1, &[window(&y)], &[], None).await;
    let mut faulty = node.faults().await;
    faulty.sort();
    assert_eq!(
        faulty, y_sectors,
        "deadline {}'s sectors are faulty",
        y.index
    );
    assert_eq!(
        node.raw_power().await,
        full_power - y_sectors.len() as u64 * SECTOR_SIZE
    );

    // --- 3. A new scheduler declares the recovery and proves both deadlines again;
    // one of X's sectors has lost its file meanwhile: it is declared faulty. ---
    let lost = x_sectors[1];
    std::fs::remove_file(SectorPaths::new(&root, 1000, lost).sealed).unwrap();
    let s2 = new_scheduler();
    let mut ev2 = s2.subscribe();
    let mut handled2 = s2.handled();
    let (stop2, stop_rx) = watch::channel(false);
    let t2 = tokio::spawn(s2.run(stop_rx));
    let h0 = driver.mining.head().await.unwrap().height();
    tokio::time::timeout(Duration::from_secs(30), handled2.wait_for(|h| *h >= h0))
        .await
        .expect("the scheduler handles the head")
        .unwrap();
    driver
        .drive(
            y2.close + 1,
            &[window(&x2), window(&y2)],
            &[declare_zone(&x2), declare_zone(&y2)],
            Some(&mut handled2),
        )
        .await;
    let mut events = Vec::new();
    drain(&mut ev2, &mut events);
    let (recovered, rcid) = declared(&events, y.index, true)
        .unwrap_or_else(|| panic!("no recovery declared: {events:?}"));
    assert_eq!(recovered, y_sectors);
    assert_eq!(node.exit_code(&rcid).await, 0);
    assert_eq!(landed(&events, &rcid), Some(0));
    let (faulted, fcid) = declared(&events, x.index, false)
        .unwrap_or_else(|| panic!("no fault declared: {events:?}"));
    assert_eq!(faulted, vec![lost]);
    assert_eq!(node.exit_code(&fcid).await, 0);
    for d in [&x2, &y2] {
        let subs = submissions(&events, d.index);
        assert_eq!(
            subs.len(),
            1,
            "one PoSt for deadline {}: {events:?}",
            d.index
        );
        assert_eq!(node.exit_code(&subs[0].0).await, 0);
        assert!(
            subs[0].1.is_empty(),
            "the lost sector was declared, not skipped"
        );
    }
    assert!(failures(&events).is_empty(), "{events:?}");
    assert_eq!(
        node.faults().await,
        vec![lost],
        "Y recovered, the lost sector faulty"
    );
    assert_eq!(node.raw_power().await, full_power - SECTOR_SIZE);

    // --- 4. The file comes back: the sector is recovered in X's next instance. ---
    SectorPaths::new(&root, 1000, lost).prepare().unwrap();
    let x3 = next(&x2);
    driver
        .drive(
            x3.close + 1,
            &[window(&x3)],
            &[declare_zone(&x3)],
            Some(&mut handled2),
        )
        .await;
    let mut events = Vec::new();
    drain(&mut ev2, &mut events);
    let (recovered, rcid) = declared(&events, x.index, true)
        .unwrap_or_else(|| panic!("no recovery declared: {events:?}"));
    assert_eq!(recovered, vec![lost]);
    assert_eq!(node.exit_code(&rcid).await, 0);
    let subs = submissions(&events, x.index);
    assert_eq!(
        subs.len(),
        1,
        "one PoSt for deadline {}: {events:?}",
        x.index
    );
    assert_eq!(node.exit_code(&subs[0].0).await, 0);
    assert!(node.faults().await.is_empty(), "recovered");
    assert_eq!(node.raw_power().await, full_power, "power back");
    stop2.send(true).unwrap();
    t2.await.unwrap().unwrap();
    node.stop().await;
}

/// Where declarations for `d` are due: from the declaration horizon to its cutoff.
fn declare_zone(d: &Deadline) -> (i64, i64) {
    (
        d.open - padma_miner::wdpost::core::DECLARE_HORIZON,
        d.fault_cutoff,
    )
}

/// The first declaration of recoveries (or faults) for deadline `index`: its sectors
/// and message.
fn declared(events: &[PoStEvent], index: u64, recoveries: bool) -> Option<(Vec<u64>, cid::Cid)> {
    events.iter().find_map(|e| match (e, recoveries) {
        (
            PoStEvent::RecoveriesDeclared {
                deadline,
                sectors,
                message,
            },
            true,
        )
        | (
            PoStEvent::FaultsDeclared {
                deadline,
                sectors,
                message,
            },
            false,
        ) if *deadline == index => Some((sectors.clone(), *message)),
        _ => None,
    })
}

/// The next instance of each deadline with sectors, in time order.
async fn upcoming(node: &Node) -> Vec<(Deadline, Vec<u64>)> {
    let current = node.deadline().await;
    let with_sectors = node.sector_deadlines(current.period_deadlines).await;
    let mut out: Vec<(Deadline, Vec<u64>)> = with_sectors
        .iter()
        .map(|(i, s)| {
            let mut d = current.instance(current.period_start, *i, current.current_epoch);
            if d.challenge <= current.current_epoch {
                d = d.instance(d.period_start + d.proving_period, *i, d.current_epoch);
            }
            (d, s.clone())
        })
        .collect();
    out.sort_by_key(|(d, _)| d.open);
    out
}

/// Real proofs: fauxrep 2KiB genesis sectors on disk (`padma-seed pre-seal
/// --fake-sectors`), real WinningPoSt for the blocks, and a real WindowPoSt over the
/// first deadline's sectors that the actor verifies at submission.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn real_proofs_window_post_over_fauxrep_sectors() {
    padma_proofs::params::fetch_params_with_progress("2KiB", padma_proofs::ParamsNeeded::PostOnly)
        .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let sectors = dir.path().join("sectors");
    std::fs::create_dir_all(&sectors).unwrap();
    let key_file = dir.path().join("worker.key");
    std::fs::write(&key_file, padma_types::json::key_to_lotus_hex(&worker())).unwrap();
    let out = padma_seed::preseal::pre_seal(&padma_seed::preseal::PreSealOptions {
        miner_addr: "t01000".into(),
        sector_size: SECTOR_SIZE,
        num_sectors: SECTORS,
        sector_offset: 0,
        sector_dir: sectors.clone(),
        key_file: Some(key_file),
        fake_sectors: true,
        ticket_preimage: "padma wdpost test".into(),
    })
    .unwrap();
    let manifest: Value = serde_json::from_slice(&std::fs::read(&out.manifest).unwrap()).unwrap();
    let node = Node::start(dir.path(), false, manifest).await;
    let driver = Driver {
        mining: RpcMiningNode::new(RpcClient::new(&node.info, "v1")),
        prover: Box::new(padma_chain::miner::FileWinningProver {
            root: sectors.clone(),
        }),
        // Every block carries a real WinningPoSt: as few blocks as possible.
        far_jump: 10_000,
    };
    let (x, _) = upcoming(&node).await[0].clone();
    let full_power = SECTORS * SECTOR_SIZE;
    assert_eq!(node.raw_power().await, full_power);

    let s = WindowPoStScheduler::new(
        FullNode::new(node.info.clone()),
        miner(),
        Storage::new(sectors),
        false,
    )
    .with_poll_interval(Duration::from_millis(20));
    let mut ev = s.subscribe();
    let mut handled = s.handled();
    let (stop, stop_rx) = watch::channel(false);
    let t = tokio::spawn(s.run(stop_rx));
    // Few blocks (each carries a real WinningPoSt): one where the PoSt is due, one
    // that includes it, one that executes it; then one past the deadline.
    let submit = x.open + padma_miner::wdpost::core::SUBMIT_CONFIDENCE;
    driver
        .drive(
            x.close + 1,
            // A first block at height 1: the first block after genesis carries only
            // its own beacon entry (as Lotus's), so a jump from genesis would leave
            // the challenge epoch's entry off the chain.
            &[(1, 1), (submit, submit + 2)],
            &[],
            Some(&mut handled),
        )
        .await;
    let mut events = Vec::new();
    drain(&mut ev, &mut events);
    let subs = submissions(&events, x.index);
    assert_eq!(
        subs.len(),
        1,
        "one PoSt for deadline {}: {events:?}",
        x.index
    );
    assert_eq!(
        node.exit_code(&subs[0].0).await,
        0,
        "the actor verified the proof"
    );
    assert!(failures(&events).is_empty(), "{events:?}");
    assert_eq!(
        node.raw_power().await,
        full_power,
        "power kept past the deadline"
    );
    assert!(node.faults().await.is_empty());
    stop.send(true).unwrap();
    t.await.unwrap().unwrap();
    node.stop().await;
}

/// A node that does not answer: the scheduler reports the failure, keeps trying, and
/// stops when told.
#[tokio::test]
async fn scheduler_survives_an_unreachable_node() {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let info = ApiInfo {
        base_url: format!("http://127.0.0.1:{port}"),
        token: None,
    };
    let s = WindowPoStScheduler::new(FullNode::new(info), miner(), Storage::default(), true)
        .with_poll_interval(Duration::from_millis(10));
    let mut ev = s.subscribe();
    let (stop, stop_rx) = watch::channel(false);
    let t = tokio::spawn(s.run(stop_rx));
    for _ in 0..2 {
        let e = tokio::time::timeout(Duration::from_secs(10), ev.recv())
            .await
            .expect("a failure is reported")
            .unwrap();
        assert!(
            matches!(&e, PoStEvent::Failed { deadline: None, error } if error.contains("ChainHead")),
            "{e:?}"
        );
    }
    stop.send(true).unwrap();
    tokio::time::timeout(Duration::from_secs(10), t)
        .await
        .expect("the scheduler stops")
        .unwrap()
        .unwrap();
}
