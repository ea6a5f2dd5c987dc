//! A `padma daemon` (or `padma devnet`) process serving its API on loopback, found
//! through the port it names in its repo's `api` file.

use crate::bins::padma;
use crate::ports::free_port;
use crate::process::Proc;
use crate::rpc::call;
use crate::wait::wait_api_port;
use base64::Engine;
use padma_rpc::client::RpcClient;
use serde_json::{json, Value};
use std::path::{Path, PathBuf};
use std::process::{Command, ExitStatus, Output};
use std::time::{Duration, Instant};

/// How long a node may take to start serving.
const START_LIMIT: Duration = Duration::from_secs(120);
/// How long a node may take to stop once asked.
const STOP_LIMIT: Duration = Duration::from_secs(30);
/// What a node's log says when its libp2p host listens on an address.
const LISTENING: &str = "libp2p listening on ";

/// A running full node: its process (killed on drop), repo, API port and admin token.
pub struct Daemon {
    /// The `padma daemon` or `padma devnet` process.
    pub proc: Proc,
    /// The node's repo.
    pub repo: PathBuf,
    /// The port its API listens on.
    pub port: u16,
    /// The admin token from `<repo>/token`.
    pub admin: String,
}

/// `padma --repo <repo> daemon --api 0 <args>`: the API on a port the system picks,
/// named in `<repo>/api`; no `FULLNODE_API_INFO` from the test's environment; the
/// shared actors bundle named by `PADMA_ACTORS_BUNDLE`, so a genesis it makes runs on
/// the FVM.
pub fn daemon_command(repo: &Path, args: &[&str]) -> Command {
    let mut cmd = Command::new(padma());
    cmd.arg("--repo")
        .arg(repo)
        .args(["daemon", "--api", "0"])
        .args(args)
        .env(padma_fvm::bundle::BUNDLE_ENV, crate::actors_archive())
        .env_remove("FULLNODE_API_INFO");
    cmd
}

/// Runs `padma daemon --api 0 <args>` on `repo` to completion (for starts that must fail).
pub fn daemon_output(repo: &Path, args: &[&str]) -> Output {
    daemon_command(repo, args).output().unwrap()
}

/// `padma devnet --dir <dir>` with the full node's API on `api_port` and the genesis
/// miner's API on `miner_api_port`, on the FVM with the official actors bundle (the
/// shared test copy, named by `PADMA_ACTORS_BUNDLE`). (The devnet also takes port 0
/// for either and prints the ports it bound; these tests still choose theirs with
/// [`free_port`].)
pub fn devnet_command(dir: &Path, api_port: u16, miner_api_port: u16) -> Command {
    let mut cmd = Command::new(padma());
    cmd.arg("devnet")
        .env(padma_fvm::bundle::BUNDLE_ENV, crate::actors_archive())
        .arg("--dir")
        .arg(dir)
        .args(["--api", &api_port.to_string()])
        .args(["--miner-api", &miner_api_port.to_string()])
        .env_remove("FULLNODE_API_INFO");
    cmd
}

/// [`devnet_command`] with mock proofs, 1 s blocks, `accounts` funded accounts and the
/// miner API on a port the system picks.
pub fn mock_devnet_command(dir: &Path, api_port: u16, accounts: usize) -> Command {
    let mut cmd = devnet_command(dir, api_port, 0);
    cmd.args(["--mock-proofs", "--block-time", "1s"])
        .args(["--accounts", &accounts.to_string()]);
    cmd
}

impl Daemon {
    /// Starts a daemon on `repo` and waits until it serves.
    pub fn start(repo: &Path) -> Daemon {
        Self::launch(repo, &[], &[])
    }

    /// Starts a daemon with extra environment variables.
    pub fn start_with(repo: &Path, env: &[(&str, &str)]) -> Daemon {
        Self::launch(repo, &[], env)
    }

    /// Starts a daemon with extra flags.
    pub fn start_args(repo: &Path, args: &[&str]) -> Daemon {
        Self::launch(repo, args, &[])
    }

    /// Starts a daemon on `repo` that joins the network of the genesis CAR `genesis`
    /// by dialling `bootstrap` (`/ip4/…/tcp/…/p2p/…` addresses), its libp2p host on a
    /// loopback port the system picks, with extra flags.
    pub fn follower(repo: &Path, genesis: &Path, bootstrap: &[&str], args: &[&str]) -> Daemon {
        let peers = bootstrap.join(",");
        let mut all = vec![
            "--genesis",
            genesis.to_str().unwrap(),
            "--libp2p-listen",
            "/ip4/127.0.0.1/tcp/0",
        ];
        if !peers.is_empty() {
            all.extend(["--bootstrap-peers", peers.as_str()]);
        }
        all.extend(args);
        Self::launch(repo, &all, &[])
    }

    /// Starts `padma daemon --api 0` on `repo` with extra flags and environment (its
    /// output in `<repo>/test-stdout.log` and `<repo>/test-stderr.log`), and waits
    /// until it serves. An `api` file left by a killed daemon is removed first.
    pub fn launch(repo: &Path, args: &[&str], env: &[(&str, &str)]) -> Daemon {
        std::fs::create_dir_all(repo).unwrap();
        let _ = std::fs::remove_file(repo.join("api"));
        let mut cmd = daemon_command(repo, args);
        cmd.envs(env.iter().copied());
        let proc = Proc::spawn_split(
            cmd,
            repo.join("test-stdout.log"),
            repo.join("test-stderr.log"),
        );
        Self::serving(proc, repo)
    }

    /// Starts `padma devnet --mock-proofs` (a node whose genesis miner mines a block
    /// every second) in `dir` with `accounts` funded accounts, the first one the
    /// wallet's default, and waits until it serves; `repo` is the devnet node's repo.
    pub fn devnet(dir: &Path, accounts: usize) -> Daemon {
        Self::devnet_from(mock_devnet_command(dir, free_port(), accounts), dir, dir)
    }

    /// Starts the devnet `cmd` (made by [`devnet_command`] on `dir`) with its output in
    /// `<logs>/test-stdout.log` and `<logs>/test-stderr.log`, and waits until its node
    /// serves. An `api` file left by a killed devnet is removed first.
    pub fn devnet_from(cmd: Command, dir: &Path, logs: &Path) -> Daemon {
        std::fs::create_dir_all(dir).unwrap();
        std::fs::create_dir_all(logs).unwrap();
        let repo = dir.join("node");
        let _ = std::fs::remove_file(repo.join("api"));
        let proc = Proc::spawn_split(
            cmd,
            logs.join("test-stdout.log"),
            logs.join("test-stderr.log"),
        );
        Self::serving(proc, &repo)
    }

    /// Waits until the node `proc` names its API's port in `<repo>/api` (failing with
    /// the end of its log if it exits first), and reads its admin token.
    pub fn serving(mut proc: Proc, repo: &Path) -> Daemon {
        let port = wait_api_port(repo, &mut proc, START_LIMIT);
        let admin = std::fs::read_to_string(repo.join("token"))
            .unwrap()
            .trim()
            .to_string();
        Daemon {
            proc,
            repo: repo.to_path_buf(),
            port,
            admin,
        }
    }

    /// The process ID.
    pub fn pid(&self) -> u32 {
        self.proc.pid()
    }

    /// What the node printed on stdout so far.
    pub fn stdout(&self) -> String {
        self.proc.stdout()
    }

    /// A typed client of the v1 API with the admin token.
    pub fn client(&self) -> RpcClient {
        crate::chains::client(self.port, &self.admin)
    }

    /// The loopback address, with `/p2p/<peer ID>`, that the node's log says its
    /// libp2p host listens on (the latest run's, for a log that holds several); waits
    /// up to `limit` for it, the process running all along.
    pub fn libp2p_addr(&mut self, limit: Duration) -> String {
        let deadline = Instant::now() + limit;
        loop {
            let log = self.proc.output();
            let found = log
                .lines()
                .filter_map(|l| l.split_once(LISTENING).map(|(_, a)| a.trim()))
                .rfind(|a| a.starts_with("/ip4/127.0.0.1/"));
            if let Some(addr) = found {
                return addr.to_string();
            }
            self.proc.assert_alive();
            assert!(
                Instant::now() < deadline,
                "{} named no loopback libp2p address within {limit:?}: {}",
                self.repo.display(),
                crate::process::tail(&log)
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    /// The node's libp2p peer ID (from [`Daemon::libp2p_addr`]).
    pub fn peer_id(&mut self, limit: Duration) -> String {
        let addr = self.libp2p_addr(limit);
        addr.rsplit_once("/p2p/").unwrap().1.to_string()
    }

    /// The HTTP URL of API `version` (`v0`, `v1`).
    pub fn url(&self, version: &str) -> String {
        format!("http://127.0.0.1:{}/rpc/{version}", self.port)
    }

    /// `method` on API `version` (`v0`, `v1`) with the admin token: its result
    /// (panics, naming the method, on an error).
    pub async fn rpc_on(&self, version: &str, method: &str, params: Value) -> Value {
        let v = call(&self.url(version), Some(&self.admin), method, params).await;
        assert!(v.get("error").is_none(), "{version} {method}: {v}");
        v["result"].clone()
    }

    /// [`Daemon::rpc_on`] on v1.
    pub async fn rpc(&self, method: &str, params: Value) -> Value {
        self.rpc_on("v1", method, params).await
    }

    /// `method` on API `version` with the admin token, which must fail: its error
    /// object (`code`, `message`).
    pub async fn rpc_err(&self, version: &str, method: &str, params: Value) -> Value {
        let v = call(&self.url(version), Some(&self.admin), method, params).await;
        assert!(
            v.get("result").is_none(),
            "{version} {method} should fail: {v}"
        );
        v["error"].clone()
    }

    /// The WebSocket URL of API `version`.
    pub fn ws_url(&self, version: &str) -> String {
        format!("ws://127.0.0.1:{}/rpc/{version}", self.port)
    }

    /// Sends signal `sig` and waits (bounded) for the exit status.
    pub fn signal_and_wait(&mut self, sig: i32) -> ExitStatus {
        self.proc.signal(sig);
        self.wait()
    }

    /// Waits (bounded) for the process to exit.
    pub fn wait(&mut self) -> ExitStatus {
        self.proc.wait_exit(STOP_LIMIT)
    }

    /// A token with `perm` and everything below it, via AuthNew.
    pub async fn token(&self, perm: &str) -> String {
        let levels = ["read", "write", "sign", "admin"];
        let idx = levels.iter().position(|l| *l == perm).unwrap();
        let answer = call(
            &self.url("v1"),
            Some(&self.admin),
            "AuthNew",
            json!([levels[..=idx]]),
        )
        .await;
        let b64 = answer["result"].as_str().unwrap();
        let bytes = base64::engine::general_purpose::STANDARD
            .decode(b64)
            .unwrap();
        String::from_utf8(bytes).unwrap()
    }

    /// `padma --repo <repo> <args>`, without `FULLNODE_API_INFO`: the CLI finds the node
    /// through the repo. Run it with [`Command::output`] or change it first.
    pub fn cli_command(&self, args: &[&str]) -> Command {
        let mut cmd = Command::new(padma());
        cmd.arg("--repo")
            .arg(&self.repo)
            .args(args)
            .env_remove("FULLNODE_API_INFO");
        cmd
    }

    /// Runs the padma CLI against this node's repo.
    pub fn cli(&self, args: &[&str]) -> Output {
        self.cli_command(args).output().unwrap()
    }

    /// Runs the CLI and returns trimmed stdout, panicking on failure.
    pub fn cli_ok(&self, args: &[&str]) -> String {
        let out = self.cli(args);
        assert!(
            out.status.success(),
            "padma {args:?} failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8(out.stdout).unwrap().trim().to_string()
    }
}
