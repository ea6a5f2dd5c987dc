//! What the end-to-end miner tests share: the Lotus devnet flow's setup with padma's
//! binaries as real processes on loopback (`padma-seed pre-seal` → `genesis new` /
//! `add-miner` → `padma daemon --make-genesis` → `padma wallet import`), the miners
//! (`padma-miner init` / `run`), JSON-RPC calls, and waiting with time limits.
//!
//! The `padma` and `padma-seed` binaries are taken from the same target directory
//! (`cargo test --workspace` builds them).
#![allow(dead_code)]

use padma_chain::network::NetworkParams;
use serde_json::{json, Value};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

pub const MINER: &str = env!("CARGO_BIN_EXE_padma-miner");

pub fn sibling_bin(name: &str) -> PathBuf {
    let exe = std::env::current_exe().unwrap();
    let dir = exe.parent().unwrap().parent().unwrap();
    let p = dir.join(name);
    assert!(
        p.exists(),
        "{} is missing: build it first (cargo build -p padma -p padma-seed, or cargo test --workspace)",
        p.display()
    );
    p
}

pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

pub fn check(o: &Output, what: &str) -> String {
    assert!(
        o.status.success(),
        "{what} failed: {}\n{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    );
    String::from_utf8_lossy(&o.stdout).into_owned()
}

/// A long-running process with its output in files; killed on drop.
pub struct Proc {
    pub child: Child,
    pub log: PathBuf,
}

impl Proc {
    pub fn spawn(mut cmd: Command, log: PathBuf) -> Proc {
        let out = std::fs::File::create(&log).unwrap();
        let err = out.try_clone().unwrap();
        let child = cmd
            .stdout(Stdio::from(out))
            .stderr(Stdio::from(err))
            .spawn()
            .unwrap();
        Proc { child, log }
    }

    pub fn output(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }

    pub fn alive(&mut self) {
        if let Ok(Some(s)) = self.child.try_wait() {
            panic!("process exited early ({s}): {}", tail(&self.output()));
        }
    }

    pub fn wait_exit(&mut self, limit: Duration) -> std::process::ExitStatus {
        let deadline = Instant::now() + limit;
        loop {
            if let Some(s) = self.child.try_wait().unwrap() {
                return s;
            }
            assert!(
                Instant::now() < deadline,
                "did not stop: {}",
                tail(&self.output())
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    }
}

impl Drop for Proc {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The end of a process's log for a failure message: its warnings, errors and
/// WindowPoSt lines (the last 60 of them), then its last 60 lines.
pub fn tail(log: &str) -> String {
    let lines: Vec<&str> = log.lines().collect();
    let notable: Vec<&str> = lines
        .iter()
        .copied()
        .filter(|l| {
            [
                "WARN",
                "ERROR",
                "WindowPoSt",
                "declared",
                "miner message",
                "panicked",
            ]
            .iter()
            .any(|w| l.contains(w))
        })
        .collect();
    let last = |v: &[&str], n: usize| v[v.len().saturating_sub(n)..].join("\n");
    format!(
        "[notable lines]\n{}\n[last lines]\n{}",
        last(&notable, 60),
        last(&lines, 60)
    )
}

pub async fn rpc(url: &str, token: Option<&str>, method: &str, params: Value) -> Value {
    let mut req = reqwest::Client::new().post(url).json(&json!({
        "jsonrpc": "2.0", "id": 1, "method": format!("Filecoin.{method}"), "params": params
    }));
    if let Some(t) = token {
        req = req.bearer_auth(t);
    }
    match req.send().await {
        Ok(r) => r.json().await.unwrap_or(Value::Null),
        Err(e) => json!({ "error": { "message": e.to_string() } }),
    }
}

/// Waits for a file to appear (a process writing its `api` file).
pub fn wait_file(p: &Path, proc: &mut Proc, limit: Duration) {
    let deadline = Instant::now() + limit;
    while !p.exists() {
        proc.alive();
        assert!(
            Instant::now() < deadline,
            "{} never appeared: {}",
            p.display(),
            tail(&proc.output())
        );
        std::thread::sleep(Duration::from_millis(100));
    }
}

/// A devnet: the daemon on a fresh genesis with the genesis miner t01000's worker key
/// imported as the wallet default. Dropped during a panic, it prints the end of every
/// process's log.
pub struct Net {
    pub tmp: tempfile::TempDir,
    pub padma: PathBuf,
    pub node_url: String,
    pub daemon: Proc,
}

impl Drop for Net {
    fn drop(&mut self) {
        if !std::thread::panicking() {
            return;
        }
        let mut logs: Vec<PathBuf> = std::fs::read_dir(self.dir())
            .map(|d| d.flatten().map(|e| e.path()).collect())
            .unwrap_or_default();
        logs.retain(|p| p.extension().is_some_and(|e| e == "log"));
        logs.sort();
        for p in logs {
            let text = std::fs::read_to_string(&p).unwrap_or_default();
            eprintln!("===== {} =====\n{}", p.display(), tail(&text));
        }
    }
}

impl Net {
    pub fn dir(&self) -> &Path {
        self.tmp.path()
    }

    pub fn node_repo(&self) -> PathBuf {
        self.dir().join("node")
    }

    pub fn padma(&self, args: &[&str]) -> Output {
        Command::new(&self.padma)
            .arg("--repo")
            .arg(self.node_repo())
            .args(args)
            .env_remove("FULLNODE_API_INFO")
            .output()
            .unwrap()
    }

    pub fn miner_cmd(&self, repo: &str, args: &[&str]) -> Command {
        let mut c = Command::new(MINER);
        c.arg("--repo")
            .arg(self.node_repo())
            .arg("--miner-repo")
            .arg(self.dir().join(repo))
            .args(args)
            .env_remove("FULLNODE_API_INFO")
            .env_remove("MINER_API_INFO");
        c
    }

    pub fn miner(&self, repo: &str, args: &[&str]) -> Output {
        self.miner_cmd(repo, args).output().unwrap()
    }

    /// A full-node call's result; panics with the error.
    pub async fn call(&self, method: &str, params: Value) -> Value {
        let v = rpc(&self.node_url, None, method, params).await;
        match v.get("result") {
            Some(r) => r.clone(),
            None => panic!("{method}: {v}"),
        }
    }

    pub async fn height(&self) -> i64 {
        rpc(&self.node_url, None, "ChainHead", json!([])).await["result"]["Height"]
            .as_i64()
            .unwrap_or(-1)
    }

    pub async fn wait_height(&mut self, h: i64, limit: Duration) -> i64 {
        let deadline = Instant::now() + limit;
        loop {
            self.daemon.alive();
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
        check(&out, "padma-miner init --genesis-miner")
    }

    /// `padma-miner init --owner <wallet default>` of a new actor (CreateMiner) in
    /// `repo`; returns its address. Init waits for the node to be in sync (no
    /// `--nosync`), as Lotus's does.
    pub fn init_new_miner(&self, repo: &str) -> String {
        let owner = check(&self.padma(&["wallet", "default"]), "wallet default");
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
        let text = check(&out, "padma-miner init (new actor)");
        text.split_whitespace()
            .find(|w| w.starts_with("t0"))
            .unwrap_or_else(|| panic!("no miner address in {text}"))
            .to_string()
    }

    /// `padma-miner sectors pledge` in `repo`: the new sector's number.
    pub fn pledge(&self, repo: &str) -> u64 {
        let out = check(&self.miner(repo, &["sectors", "pledge"]), "sectors pledge");
        out.trim()
            .strip_prefix("Created CC sector: ")
            .and_then(|n| n.parse().ok())
            .unwrap_or_else(|| panic!("{out}"))
    }
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

/// A pipe with no reader left, as a command's stdout (what `cmd | head -1` becomes
/// once `head` has exited).
pub fn closed_pipe() -> Stdio {
    let mut fds = [0i32; 2];
    // SAFETY: pipe(2) fills the two-element array with new descriptors.
    assert_eq!(unsafe { libc::pipe(fds.as_mut_ptr()) }, 0);
    // SAFETY: fds[0] is the read end we own; closing it leaves the pipe without reader.
    unsafe { libc::close(fds[0]) };
    // SAFETY: fds[1] is a fresh descriptor owned by nothing else.
    unsafe { <Stdio as std::os::fd::FromRawFd>::from_raw_fd(fds[1]) }
}

/// pre-seal → genesis → daemon → wallet import. With real proofs the block time is at
/// least one this machine sustains.
pub fn start_net(mock: bool, block_ms: u64) -> Net {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    let seed = sibling_bin("padma-seed");
    let padma = sibling_bin("padma");
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
    check(&pre.output().unwrap(), "padma-seed pre-seal");
    let block_ms = if mock {
        block_ms
    } else {
        block_ms.max(sustainable_block_ms(&sectors))
    };
    let name = NetworkParams::name_for("padma-flow", block_ms, mock);
    let template = dir.join("localnet.json");
    check(
        &Command::new(&seed)
            .args(["genesis", "new"])
            .arg(&template)
            .args(["--network-name", &name])
            .output()
            .unwrap(),
        "genesis new",
    );
    check(
        &Command::new(&seed)
            .args(["genesis", "add-miner"])
            .arg(&template)
            .arg(sectors.join("pre-seal-t01000.json"))
            .output()
            .unwrap(),
        "genesis add-miner",
    );
    let port = free_port();
    let node_repo = dir.join("node");
    let mut cmd = Command::new(&padma);
    cmd.arg("--repo")
        .arg(&node_repo)
        .args(["daemon", "--api", &port.to_string(), "--make-genesis"])
        .arg(dir.join("devgen.car"))
        .arg("--genesis-template")
        .arg(&template)
        .arg("--bootstrap=false")
        .env_remove("FULLNODE_API_INFO");
    std::fs::create_dir_all(&node_repo).unwrap();
    let mut daemon = Proc::spawn(cmd, dir.join("daemon.log"));
    wait_file(
        &node_repo.join("api"),
        &mut daemon,
        Duration::from_secs(120),
    );
    let net = Net {
        node_url: format!("http://127.0.0.1:{port}/rpc/v1"),
        padma,
        daemon,
        tmp,
    };
    let key = net.dir().join("sectors/pre-seal-t01000.key");
    check(
        &net.padma(&["wallet", "import", "--as-default", key.to_str().unwrap()]),
        "wallet import",
    );
    net
}

/// A running `padma-miner run`: the process, its API URL and its admin token.
pub struct RunningMiner {
    pub proc: Proc,
    pub url: String,
    pub token: String,
}

impl RunningMiner {
    /// A miner API call with the miner's token (the whole JSON-RPC response).
    pub async fn call(&self, method: &str, params: Value) -> Value {
        rpc(&self.url, Some(&self.token), method, params).await
    }

    /// Waits until sector `n` is in `state` (the miner's `SectorsStatus`).
    pub async fn wait_sector_state(&mut self, n: u64, state: &str, limit: Duration) {
        let deadline = Instant::now() + limit;
        loop {
            self.proc.alive();
            let st = self.call("SectorsStatus", json!([n, false])).await;
            if st["result"]["State"] == state {
                return;
            }
            assert!(
                Instant::now() < deadline,
                "sector {n} did not reach {state} in {limit:?}: {st}"
            );
            tokio::time::sleep(Duration::from_millis(250)).await;
        }
    }
}

/// Starts `padma-miner run` on `repo` and waits for its API; returns it and its URL.
pub fn run_miner(net: &Net, repo: &str) -> (Proc, String) {
    let port = free_port();
    let cmd = net.miner_cmd(repo, &["run", "--miner-api", &port.to_string(), "--nosync"]);
    let log = net.dir().join(format!("{repo}-run.log"));
    // A restarted miner keeps the earlier run's log.
    if log.exists() {
        let mut n = 1;
        while net.dir().join(format!("{repo}-run.{n}.log")).exists() {
            n += 1;
        }
        std::fs::rename(&log, net.dir().join(format!("{repo}-run.{n}.log"))).unwrap();
    }
    let mut p = Proc::spawn(cmd, log);
    wait_file(
        &net.dir().join(repo).join("api"),
        &mut p,
        Duration::from_secs(120),
    );
    (p, format!("http://127.0.0.1:{port}/rpc/v0"))
}

/// [`run_miner`], with the miner's token read.
pub fn start_miner(net: &Net, repo: &str) -> RunningMiner {
    let (proc, url) = run_miner(net, repo);
    let token = std::fs::read_to_string(net.dir().join(repo).join("token"))
        .unwrap()
        .trim()
        .to_string();
    RunningMiner { proc, url, token }
}
