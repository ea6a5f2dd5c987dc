//! Helpers shared by the integration tests: a real `padma daemon` process on a
//! temporary repo and a loopback port, and JSON-RPC over HTTP and WebSocket.
#![allow(dead_code)]

use base64::Engine;
use serde_json::{json, Value};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

/// A port nobody listens on right now.
pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// The port named by `<repo>/api` (`/ip4/A/tcp/PORT/http`), once the file is there.
pub fn api_file_port(repo: &Path) -> Option<u16> {
    let api = std::fs::read_to_string(repo.join("api")).ok()?;
    api.split('/').nth(4)?.parse().ok()
}

/// The padma binary under test.
pub const PADMA: &str = env!("CARGO_BIN_EXE_padma");

/// A running daemon; killed on drop if still alive.
pub struct Daemon {
    pub child: Child,
    pub repo: PathBuf,
    pub port: u16,
    pub admin: String,
}

/// Starts `padma daemon --api 0` on `repo` with extra flags and environment.
pub fn spawn_daemon(repo: &Path, args: &[&str], env: &[(&str, &str)]) -> Child {
    // Output goes to files in the repo: a pipe nobody reads could fill up and block it.
    std::fs::create_dir_all(repo).unwrap();
    let out = std::fs::File::create(repo.join("test-stdout.log")).unwrap();
    let err = std::fs::File::create(repo.join("test-stderr.log")).unwrap();
    let mut cmd = Command::new(PADMA);
    cmd.args(["--repo", repo.to_str().unwrap(), "daemon", "--api", "0"])
        .args(args)
        .env_remove("FULLNODE_API_INFO")
        .stdout(Stdio::from(out))
        .stderr(Stdio::from(err));
    for (k, v) in env {
        cmd.env(k, v);
    }
    cmd.spawn().expect("start padma daemon")
}

impl Daemon {
    /// Starts a daemon on `repo` and waits until its API answers.
    pub fn start(repo: &Path) -> Daemon {
        Self::start_with(repo, &[])
    }

    /// Starts a daemon with extra environment variables.
    pub fn start_with(repo: &Path, env: &[(&str, &str)]) -> Daemon {
        Self::launch(repo, &[], env)
    }

    /// Starts a daemon with extra flags.
    pub fn start_args(repo: &Path, args: &[&str]) -> Daemon {
        Self::launch(repo, args, &[])
    }

    /// Starts a daemon with extra flags and environment, and waits for its API.
    pub fn launch(repo: &Path, args: &[&str], env: &[(&str, &str)]) -> Daemon {
        let _ = std::fs::remove_file(repo.join("api"));
        let child = spawn_daemon(repo, args, env);
        Self::serving(child, repo)
    }

    /// Waits until the daemon `child` names its API's port in `<repo>/api` (its stderr
    /// in `<repo>/test-stderr.log`, shown if it exits first).
    pub fn serving(mut child: Child, repo: &Path) -> Daemon {
        let deadline = Instant::now() + Duration::from_secs(120);
        loop {
            if let Some(port) = api_file_port(repo) {
                let admin = std::fs::read_to_string(repo.join("token"))
                    .unwrap()
                    .trim()
                    .to_string();
                return Daemon {
                    child,
                    repo: repo.to_path_buf(),
                    port,
                    admin,
                };
            }
            if let Ok(Some(status)) = child.try_wait() {
                let err = std::fs::read_to_string(repo.join("test-stderr.log")).unwrap_or_default();
                panic!("daemon exited early ({status}): {err}");
            }
            assert!(
                Instant::now() < deadline,
                "daemon did not write its api file"
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    /// Starts `padma devnet --mock-proofs` (a node whose genesis miner mines a block
    /// every second) in `dir` with `accounts` funded accounts, the first one the
    /// wallet's default; `repo` is the devnet node's repo.
    pub fn devnet(dir: &Path, accounts: usize) -> Daemon {
        std::fs::create_dir_all(dir).unwrap();
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let repo = dir.join("node");
        let out = std::fs::File::create(dir.join("test-stdout.log")).unwrap();
        let err = std::fs::File::create(dir.join("test-stderr.log")).unwrap();
        let child = Command::new(PADMA)
            .args(["devnet", "--mock-proofs", "--block-time", "1s"])
            .args(["--dir", dir.to_str().unwrap(), "--api", &port.to_string()])
            .args(["--accounts", &accounts.to_string()])
            .args(["--miner-api", &free_port().to_string()])
            .env_remove("FULLNODE_API_INFO")
            .stdout(Stdio::from(out))
            .stderr(Stdio::from(err))
            .spawn()
            .expect("start padma devnet");
        wait_devnet(child, repo, port, &dir.join("test-stderr.log"))
    }

    /// What the daemon printed on stdout so far.
    pub fn stdout(&self) -> String {
        std::fs::read_to_string(self.repo.join("test-stdout.log")).unwrap_or_default()
    }

    pub fn url(&self, version: &str) -> String {
        format!("http://127.0.0.1:{}/rpc/{version}", self.port)
    }

    pub fn ws_url(&self, version: &str) -> String {
        format!("ws://127.0.0.1:{}/rpc/{version}", self.port)
    }

    /// Sends a signal and waits for the exit status.
    pub fn signal_and_wait(&mut self, sig: i32) -> std::process::ExitStatus {
        unsafe { libc::kill(self.child.id() as i32, sig) };
        self.wait()
    }

    /// Waits (bounded) for the process to exit.
    pub fn wait(&mut self) -> std::process::ExitStatus {
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            if let Some(s) = self.child.try_wait().unwrap() {
                return s;
            }
            assert!(Instant::now() < deadline, "daemon did not exit");
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    /// A token with `perm` and everything below it, via AuthNew.
    pub async fn token(&self, perm: &str) -> String {
        let levels = ["read", "write", "sign", "admin"];
        let idx = levels.iter().position(|l| *l == perm).unwrap();
        let b64 = call(
            &self.url("v1"),
            Some(&self.admin),
            "AuthNew",
            json!([levels[..=idx]]),
        )
        .await;
        let b64 = b64["result"].as_str().unwrap().to_string();
        String::from_utf8(
            base64::engine::general_purpose::STANDARD
                .decode(b64)
                .unwrap(),
        )
        .unwrap()
    }

    /// Runs the padma CLI against this daemon's repo.
    pub fn cli(&self, args: &[&str]) -> Output {
        Command::new(PADMA)
            .arg("--repo")
            .arg(&self.repo)
            .args(args)
            .env_remove("FULLNODE_API_INFO")
            .output()
            .unwrap()
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

/// Waits until the devnet `child` (node repo `repo`, API on `port`) serves its API;
/// if it exits first, fails with what it wrote to `stderr_log`.
pub fn wait_devnet(mut child: Child, repo: PathBuf, port: u16, stderr_log: &Path) -> Daemon {
    let deadline = Instant::now() + Duration::from_secs(120);
    while !repo.join("api").exists() {
        if let Ok(Some(status)) = child.try_wait() {
            let err = std::fs::read_to_string(stderr_log).unwrap_or_default();
            panic!("devnet exited early ({status}): {err}");
        }
        assert!(Instant::now() < deadline, "devnet did not start");
        std::thread::sleep(Duration::from_millis(50));
    }
    let admin = std::fs::read_to_string(repo.join("token"))
        .unwrap()
        .trim()
        .to_string();
    Daemon {
        child,
        repo,
        port,
        admin,
    }
}

impl Drop for Daemon {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Runs `padma daemon --api 0` with extra flags to completion (for starts that must fail).
pub fn daemon_output(repo: &Path, args: &[&str]) -> Output {
    Command::new(PADMA)
        .args(["--repo", repo.to_str().unwrap(), "daemon", "--api", "0"])
        .args(args)
        .env_remove("FULLNODE_API_INFO")
        .output()
        .unwrap()
}

/// Posts a raw body; returns status and body text.
pub async fn post_raw(
    url: &str,
    token: Option<&str>,
    body: impl Into<reqwest::Body>,
) -> (u16, String) {
    let mut req = reqwest::Client::new()
        .post(url)
        .header("Content-Type", "application/json")
        .body(body);
    if let Some(t) = token {
        req = req.bearer_auth(t);
    }
    let resp = req.send().await.unwrap();
    let status = resp.status().as_u16();
    (status, resp.text().await.unwrap())
}

/// Calls `Filecoin.<method>` with `params`; returns the whole response object.
pub async fn call(url: &str, token: Option<&str>, method: &str, params: Value) -> Value {
    let body = json!({"jsonrpc": "2.0", "id": 1, "method": format!("Filecoin.{method}"), "params": params});
    let (_, text) = post_raw(url, token, body.to_string()).await;
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("bad JSON from {method}: {e}: {text}"))
}

/// The shared test vectors.
pub fn vectors() -> Value {
    let p = concat!(env!("CARGO_MANIFEST_DIR"), "/../../testdata/vectors.json");
    serde_json::from_str(&std::fs::read_to_string(p).unwrap()).unwrap()
}

/// Lotus's method list.
pub fn lotus_methods() -> Value {
    let p = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../testdata/lotus-methods.json"
    );
    serde_json::from_str(&std::fs::read_to_string(p).unwrap()).unwrap()
}

/// The owner (and worker) key of the genesis miner in [`write_lotus_template`] (BLS).
pub fn template_owner_key() -> padma_types::crypto::KeyInfo {
    let mut sk = [7u8; 32];
    sk[31] &= 0x3f;
    padma_types::crypto::KeyInfo::new(padma_types::crypto::KeyType::Bls, sk.to_vec()).unwrap()
}

/// Writes a genesis template in Lotus's JSON, as `lotus-seed genesis` would: one 2KiB
/// miner (t01000) with two fake pre-sealed sectors owned by [`template_owner_key`],
/// which is also a funded account. Returns the owner's address.
pub fn write_lotus_template(path: &Path, network_name: &str, timestamp: u64) -> String {
    use fvm_shared::commcid::{data_commitment_v1_to_cid, replica_commitment_v1_to_cid};
    let key = template_owner_key();
    padma_types::address::set_network(padma_types::Network::Testnet);
    let owner = key.address().unwrap().to_string();
    let key_json = serde_json::to_value(padma_types::json::KeyInfoJson::from(&key)).unwrap();
    let sectors: Vec<Value> = (0..2u8)
        .map(|i| {
            let comm_d = data_commitment_v1_to_cid(&[i + 1; 32]).unwrap().to_string();
            let comm_r = replica_commitment_v1_to_cid(&[i + 9; 32])
                .unwrap()
                .to_string();
            json!({
                "CommR": {"/": comm_r}, "CommD": {"/": comm_d}, "SectorID": i,
                "Deal": {
                    "PieceCID": {"/": comm_d}, "PieceSize": 2048, "VerifiedDeal": false,
                    "Client": owner, "Provider": "t01000", "Label": i.to_string(),
                    "StartEpoch": 0, "EndEpoch": 9001, "StoragePricePerEpoch": "0",
                    "ProviderCollateral": "0", "ClientCollateral": "0"
                },
                "DealClientKey": key_json, "ProofType": 5
            })
        })
        .collect();
    let signer = "t1ceb34gnsc6qk5dt6n7xg6ycwzasjhbxm3iylkiy";
    let msig = json!({"Type": "multisig", "Balance": "0",
        "Meta": {"Signers": [signer], "Threshold": 1, "VestingDuration": 0, "VestingStart": 0}});
    let t = json!({
        "NetworkVersion": 28,
        "Accounts": [{"Type": "account", "Balance": "50000000000000000000000000", "Meta": {"Owner": owner}}],
        "Miners": [{
            "ID": "t01000", "Owner": owner, "Worker": owner,
            "PeerId": "12D3KooWGzxzKZYveHXtpG6AsrUJBcWxHBFS2HsEoGTxrMLvKXtf",
            "MarketBalance": "0", "PowerBalance": "0", "SectorSize": 2048, "Sectors": sectors
        }],
        "NetworkName": network_name,
        "Timestamp": timestamp,
        "VerifregRootKey": msig,
        "RemainderAccount": msig,
    });
    std::fs::write(path, serde_json::to_string_pretty(&t).unwrap()).unwrap();
    owner
}
