//! A genesis network as Lotus's devnet flow makes one, with padma's binaries as real
//! processes on loopback: `padma-seed pre-seal` → `genesis new` / `add-miner` →
//! `padma daemon --make-genesis` → `padma wallet import`; then miners on it
//! (`padma-miner init`).

use crate::bins::{padma_miner, padma_seed};
use crate::daemon::{daemon_command, Daemon};
use crate::process::{expect_success, Proc};
use crate::rpc::call_lenient;
use padma_chain::network::NetworkParams;
use serde_json::{json, Value};
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::time::{Duration, Instant};

/// A devnet: the daemon on a fresh genesis with the genesis miner t01000's worker key
/// imported as the wallet default, everything in a temporary directory (the node's
/// repo `node`, miner repos beside it, every process's log in a `.log` file).
pub struct Net {
    /// The full node (declared first: it stops before its directory goes).
    pub daemon: Daemon,
    /// The directory of everything, removed on drop.
    tmp: tempfile::TempDir,
}

/// pre-seal → genesis → daemon → wallet import, with two 2KiB genesis sectors (fake
/// with `mock` proofs). With real proofs the block time is at least one this machine
/// sustains.
pub fn start_net(mock: bool, block_ms: u64) -> Net {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    let seed = padma_seed();
    let sectors = dir.join("sectors");
    let mut pre = Command::new(&seed);
    pre.arg("--sector-dir").arg(&sectors).args([
        "pre-seal",
        "--sector-size",
        "2KiB",
        "--num-sectors",
        "2",
    ]);
    if mock {
        pre.arg("--fake-sectors");
    }
    expect_success(&pre.output().unwrap(), "padma-seed pre-seal");
    let block_ms = if mock {
        block_ms
    } else {
        block_ms.max(sustainable_block_ms(&sectors))
    };
    let name = NetworkParams::name_for("padma-flow", block_ms, mock);
    let template = dir.join("localnet.json");
    let mut genesis_new = Command::new(&seed);
    genesis_new
        .args(["genesis", "new"])
        .arg(&template)
        .args(["--network-name", &name]);
    expect_success(&genesis_new.output().unwrap(), "genesis new");
    let mut add_miner = Command::new(&seed);
    add_miner
        .args(["genesis", "add-miner"])
        .arg(&template)
        .arg(sectors.join("pre-seal-t01000.json"));
    expect_success(&add_miner.output().unwrap(), "genesis add-miner");

    let node_repo = dir.join("node");
    std::fs::create_dir_all(&node_repo).unwrap();
    let car = dir.join("devgen.car");
    let make_genesis = [
        "--make-genesis",
        car.to_str().unwrap(),
        "--genesis-template",
        template.to_str().unwrap(),
        "--bootstrap=false",
    ];
    let cmd = daemon_command(&node_repo, &make_genesis);
    let daemon = Daemon::serving(Proc::spawn(cmd, dir.join("daemon.log")), &node_repo);
    let net = Net { daemon, tmp };
    let key = net.dir().join("sectors/pre-seal-t01000.key");
    expect_success(
        &net.daemon
            .cli(&["wallet", "import", "--as-default", key.to_str().unwrap()]),
        "wallet import",
    );
    net
}

/// The block time this machine sustains with real proofs, from a WinningPoSt timed
/// over the first pre-sealed sector under `sectors` (as `padma devnet` picks one).
pub fn sustainable_block_ms(sectors: &Path) -> u64 {
    let manifest = std::fs::read(sectors.join("pre-seal-t01000.json")).unwrap();
    let took = padma_seed::preseal::time_winning_post(sectors, &manifest).unwrap();
    let ms = padma_chain::pace::sustainable_block_time_ms(took);
    eprintln!("a WinningPoSt takes {took:?} here: {ms} ms blocks");
    ms
}

impl Net {
    /// The directory of everything.
    pub fn dir(&self) -> &Path {
        self.tmp.path()
    }

    /// The full node's repo.
    pub fn node_repo(&self) -> PathBuf {
        self.daemon.repo.clone()
    }

    /// The full node's v1 API URL.
    pub fn node_url(&self) -> String {
        self.daemon.url("v1")
    }

    /// `padma-miner --repo <node> --miner-repo <dir>/<repo> <args>`, without API info
    /// from the test's environment.
    pub fn miner_cmd(&self, repo: &str, args: &[&str]) -> Command {
        let mut c = Command::new(padma_miner());
        c.arg("--repo")
            .arg(self.node_repo())
            .arg("--miner-repo")
            .arg(self.dir().join(repo))
            .args(args)
            .env_remove("FULLNODE_API_INFO")
            .env_remove("MINER_API_INFO");
        c
    }

    /// Runs [`Net::miner_cmd`] to completion.
    pub fn miner(&self, repo: &str, args: &[&str]) -> Output {
        self.miner_cmd(repo, args).output().unwrap()
    }

    /// A full-node call's result; panics with the error.
    pub async fn call(&self, method: &str, params: Value) -> Value {
        let v = call_lenient(&self.node_url(), None, method, params).await;
        match v.get("result") {
            Some(r) => r.clone(),
            None => panic!("{method}: {v}"),
        }
    }

    /// The head's height, or -1 while the node does not answer.
    pub async fn height(&self) -> i64 {
        call_lenient(&self.node_url(), None, "ChainHead", json!([])).await["result"]["Height"]
            .as_i64()
            .unwrap_or(-1)
    }

    /// Waits until the head is at `h` or above, the daemon running all along; the height.
    pub async fn wait_height(&mut self, h: i64, limit: Duration) -> i64 {
        let deadline = Instant::now() + limit;
        loop {
            self.daemon.proc.assert_alive();
            let now = self.height().await;
            if now >= h {
                return now;
            }
            assert!(
                Instant::now() < deadline,
                "the chain did not reach {h} in {limit:?} (at {now})"
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// `padma-miner init --genesis-miner` for t01000 in `repo`, with the pre-sealed
    /// sectors; returns init's output.
    pub fn init_genesis_miner(&self, repo: &str) -> String {
        let sectors = self.dir().join("sectors");
        let manifest = sectors.join("pre-seal-t01000.json");
        let out = self.miner(
            repo,
            &[
                "init",
                "--genesis-miner",
                "--actor",
                "t01000",
                "--sector-size",
                "2KiB",
                "--pre-sealed-sectors",
                sectors.to_str().unwrap(),
                "--pre-sealed-metadata",
                manifest.to_str().unwrap(),
                "--nosync",
            ],
        );
        expect_success(&out, "padma-miner init --genesis-miner")
    }

    /// `padma-miner init --owner <wallet default>` of a new actor (CreateMiner) in
    /// `repo`; returns its address. Init waits for the node to be in sync (no
    /// `--nosync`), as Lotus's does.
    pub fn init_new_miner(&self, repo: &str) -> String {
        let owner = expect_success(&self.daemon.cli(&["wallet", "default"]), "wallet default");
        let out = self.miner(
            repo,
            &[
                "init",
                "--owner",
                owner.trim(),
                "--sector-size",
                "2KiB",
                "--confidence",
                "1",
            ],
        );
        let text = expect_success(&out, "padma-miner init (new actor)");
        text.split_whitespace()
            .find(|w| w.starts_with("t0"))
            .unwrap_or_else(|| panic!("no miner address in {text}"))
            .to_string()
    }

    /// `padma-miner sectors pledge` in `repo`: the new sector's number.
    pub fn pledge(&self, repo: &str) -> u64 {
        let out = expect_success(&self.miner(repo, &["sectors", "pledge"]), "sectors pledge");
        out.trim()
            .strip_prefix("Created CC sector: ")
            .and_then(|n| n.parse().ok())
            .unwrap_or_else(|| panic!("{out}"))
    }
}
