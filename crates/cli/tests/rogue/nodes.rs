//! The honest side: a `padma devnet` (A, mining a block a second with mock proofs) and
//! a `padma daemon` (B) on A's genesis that bootstraps from A and follows it, both real
//! processes; their libp2p addresses read from their logs, their heads over JSON-RPC.

use libp2p::{Multiaddr, PeerId};
use padma_api::chain::ChainHead;
use padma_api::net::NetPubsubScores;
use padma_api::state::StateNetworkName;
use padma_rpc::client::{ApiInfo, RpcClient};
use padma_testkit::Daemon;
use std::time::{Duration, Instant};

/// How long a node may take to say where it listens, or a follower to catch up.
pub const LIMIT: Duration = Duration::from_secs(120);

/// A and B.
pub struct Honest {
    /// The devnet (declared first: the processes stop before their directory goes).
    pub a: Daemon,
    /// The follower.
    pub b: Daemon,
    /// B's libp2p address (loopback, ending in its peer ID).
    pub b_addr: Multiaddr,
    /// B's peer ID.
    pub b_id: PeerId,
    /// The network's name (the gossip topics carry it).
    pub network: String,
    _dir: tempfile::TempDir,
}

/// The loopback address `log` says the node listens on (`libp2p listening on …`).
fn listen_addr(log: &str) -> Option<Multiaddr> {
    log.lines()
        .filter_map(|l| l.split("libp2p listening on ").nth(1))
        .map(|rest| rest.split_whitespace().next().unwrap_or_default())
        .find(|a| a.starts_with("/ip4/127.0.0.1/"))
        .and_then(|a| a.parse().ok())
}

/// Waits until the node `d` logs its loopback libp2p address.
pub fn wait_listen_addr(d: &mut Daemon) -> Multiaddr {
    let deadline = Instant::now() + LIMIT;
    loop {
        if let Some(a) = listen_addr(&d.proc.output()) {
            return a;
        }
        d.proc.assert_alive();
        assert!(Instant::now() < deadline, "no libp2p listen address logged");
        std::thread::sleep(Duration::from_millis(50));
    }
}

fn peer_of(addr: &Multiaddr) -> PeerId {
    addr.iter()
        .find_map(|p| match p {
            libp2p::multiaddr::Protocol::P2p(id) => Some(id),
            _ => None,
        })
        .unwrap()
}

/// The typed client of node `d`.
pub fn client(d: &Daemon) -> RpcClient {
    let info = ApiInfo {
        base_url: format!("http://127.0.0.1:{}", d.port),
        token: Some(d.admin.clone()),
    };
    RpcClient::new(&info, "v1")
}

/// The height of `d`'s head.
pub async fn height(d: &Daemon) -> i64 {
    client(d).request::<ChainHead>(()).await.unwrap().height
}

impl Honest {
    /// Starts A, then B following it; returns once B has caught up with A at height 3
    /// or above.
    pub async fn start() -> Honest {
        let dir = tempfile::tempdir().unwrap();
        let mut a = Daemon::devnet(&dir.path().join("a"), 2);
        let a_addr = wait_listen_addr(&mut a);
        let genesis = dir.path().join("a/genesis.car");
        let b = Daemon::launch(
            &dir.path().join("b"),
            &[
                "--genesis",
                genesis.to_str().unwrap(),
                "--bootstrap-peers",
                &a_addr.to_string(),
                "--libp2p-listen",
                "/ip4/127.0.0.1/tcp/0",
            ],
            &[],
        );
        let mut b = b;
        let b_addr = wait_listen_addr(&mut b);
        let network = client(&a).request::<StateNetworkName>(()).await.unwrap();
        let honest = Honest {
            b_id: peer_of(&b_addr),
            b_addr,
            a,
            b,
            network,
            _dir: dir,
        };
        honest.wait_b_reaches_a(3).await;
        honest
    }

    /// `/fil/blocks/<network>`.
    pub fn blocks_topic(&self) -> String {
        padma_net::wire::gossip::blocks_topic(&self.network)
    }

    /// `/fil/msgs/<network>`.
    pub fn msgs_topic(&self) -> String {
        padma_net::wire::gossip::msgs_topic(&self.network)
    }

    /// Waits until B's head is at least as high as A's head was when called (and at
    /// least `min`), both processes running all along; B's height.
    pub async fn wait_b_reaches_a(&self, min: i64) -> i64 {
        let target = loop {
            let h = height(&self.a).await;
            if h >= min {
                break h;
            }
            tokio::time::sleep(Duration::from_millis(200)).await;
        };
        let deadline = Instant::now() + LIMIT;
        loop {
            let now = height(&self.b).await;
            if now >= target {
                return now;
            }
            assert!(
                Instant::now() < deadline,
                "B did not reach A's height {target} within {LIMIT:?} (at {now})"
            );
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
    }

    /// The gossipsub score B gives `peer` (`NetPubsubScores`), if B scores it.
    pub async fn gossip_score(&self, peer: PeerId) -> Option<f64> {
        let scores = client(&self.b)
            .request::<NetPubsubScores>(())
            .await
            .unwrap();
        scores
            .into_iter()
            .find(|s| s.id.to_string() == peer.to_string())
            .and_then(|s| s.score)
            .map(|s| s.score)
    }

    /// Panics, with their logs, if A or B has exited.
    pub fn assert_alive(&mut self) {
        self.a.proc.assert_alive();
        self.b.proc.assert_alive();
    }

    /// Everything B logged so far.
    pub fn b_log(&self) -> String {
        self.b.proc.output()
    }

    /// Prints B's log lines about penalised and disconnected peers (with `--nocapture`).
    pub fn show_penalties(&self) {
        for l in self
            .b_log()
            .lines()
            .filter(|l| l.contains("penalising") || l.contains("disconnecting"))
        {
            eprintln!("B: {l}");
        }
    }

    /// Waits until B's log has a line holding every one of `parts`; the line.
    pub fn wait_b_logs(&self, parts: &[&str], limit: Duration) -> String {
        let deadline = Instant::now() + limit;
        loop {
            let log = self.b_log();
            if let Some(l) = log.lines().find(|l| parts.iter().all(|p| l.contains(p))) {
                return l.to_string();
            }
            assert!(
                Instant::now() < deadline,
                "B logged no line with {parts:?} within {limit:?}:\n{}",
                padma_testkit::tail(&log)
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    }
}

/// The highest resident memory of a process, sampled every 20 ms on a thread of its
/// own until stopped.
pub struct PeakRss {
    stop: std::sync::Arc<std::sync::atomic::AtomicBool>,
    thread: std::thread::JoinHandle<u64>,
}

impl PeakRss {
    /// Starts watching process `pid`.
    pub fn watch(pid: u32) -> PeakRss {
        let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
        let stopped = stop.clone();
        let thread = std::thread::spawn(move || {
            let mut peak = 0;
            while !stopped.load(std::sync::atomic::Ordering::Relaxed) {
                peak = peak.max(rss_kib(pid));
                std::thread::sleep(Duration::from_millis(20));
            }
            peak.max(rss_kib(pid))
        });
        PeakRss { stop, thread }
    }

    /// Stops watching; the highest resident memory seen, in KiB.
    pub fn stop(self) -> u64 {
        self.stop.store(true, std::sync::atomic::Ordering::Relaxed);
        self.thread.join().unwrap()
    }
}

/// The resident memory of process `pid`, in KiB (`VmRSS` of `/proc/<pid>/status`).
pub fn rss_kib(pid: u32) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap();
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.split_whitespace().next())
        .and_then(|v| v.parse().ok())
        .unwrap()
}
