//! The Lotus devnet flow with padma's binaries, as real processes on loopback:
//! `padma-seed pre-seal` → `genesis new` / `add-miner` → `padma daemon --make-genesis`
//! → `padma wallet import` → `padma-miner init --genesis-miner` → `padma-miner run` →
//! blocks arrive; the miner API with the miner's token; `padma-miner info`; a second
//! miner created by `padma-miner init` (a new actor); init failures that leave no repo
//! behind; `padma-miner stop`. Once with mock proofs, once with real 2KiB proofs.
//!
//! The `padma` and `padma-seed` binaries are taken from the same target directory
//! (`cargo test --workspace` builds them).

use padma_chain::network::NetworkParams;
use serde_json::{json, Value};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

const MINER: &str = env!("CARGO_BIN_EXE_padma-miner");

fn sibling_bin(name: &str) -> PathBuf {
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

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

fn check(o: &Output, what: &str) -> String {
    assert!(
        o.status.success(),
        "{what} failed: {}\n{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    );
    String::from_utf8_lossy(&o.stdout).into_owned()
}

/// A long-running process with its output in files; killed on drop.
struct Proc {
    child: Child,
    log: PathBuf,
}

impl Proc {
    fn spawn(mut cmd: Command, log: PathBuf) -> Proc {
        let out = std::fs::File::create(&log).unwrap();
        let err = out.try_clone().unwrap();
        let child = cmd
            .stdout(Stdio::from(out))
            .stderr(Stdio::from(err))
            .spawn()
            .unwrap();
        Proc { child, log }
    }

    fn output(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }

    fn alive(&mut self) {
        if let Ok(Some(s)) = self.child.try_wait() {
            panic!("process exited early ({s}): {}", self.output());
        }
    }

    fn wait_exit(&mut self, limit: Duration) -> std::process::ExitStatus {
        let deadline = Instant::now() + limit;
        loop {
            if let Some(s) = self.child.try_wait().unwrap() {
                return s;
            }
            assert!(Instant::now() < deadline, "did not stop: {}", self.output());
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

async fn rpc(url: &str, token: Option<&str>, method: &str, params: Value) -> Value {
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
fn wait_file(p: &Path, proc: &mut Proc, limit: Duration) {
    let deadline = Instant::now() + limit;
    while !p.exists() {
        proc.alive();
        assert!(
            Instant::now() < deadline,
            "{} never appeared: {}",
            p.display(),
            proc.output()
        );
        std::thread::sleep(Duration::from_millis(100));
    }
}

struct Net {
    tmp: tempfile::TempDir,
    padma: PathBuf,
    node_url: String,
    daemon: Proc,
}

impl Net {
    fn dir(&self) -> &Path {
        self.tmp.path()
    }

    fn node_repo(&self) -> PathBuf {
        self.dir().join("node")
    }

    fn padma(&self, args: &[&str]) -> Output {
        Command::new(&self.padma)
            .arg("--repo")
            .arg(self.node_repo())
            .args(args)
            .env_remove("FULLNODE_API_INFO")
            .output()
            .unwrap()
    }

    fn miner_cmd(&self, repo: &str, args: &[&str]) -> Command {
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

    fn miner(&self, repo: &str, args: &[&str]) -> Output {
        self.miner_cmd(repo, args).output().unwrap()
    }

    async fn height(&self) -> i64 {
        rpc(&self.node_url, None, "ChainHead", json!([])).await["result"]["Height"]
            .as_i64()
            .unwrap_or(-1)
    }

    async fn wait_height(&mut self, h: i64, limit: Duration) -> i64 {
        let deadline = Instant::now() + limit;
        loop {
            self.daemon.alive();
            let now = self.height().await;
            if now >= h {
                return now;
            }
            assert!(
                Instant::now() < deadline,
                "the chain did not reach {h} (at {now})"
            );
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
    }
}

/// pre-seal → genesis → daemon → wallet import.
fn start_net(mock: bool, block_ms: u64) -> Net {
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

/// Starts `padma-miner run` on `repo` and waits for its API; returns it and its URL.
fn run_miner(net: &Net, repo: &str) -> (Proc, String) {
    let port = free_port();
    let cmd = net.miner_cmd(repo, &["run", "--miner-api", &port.to_string(), "--nosync"]);
    let mut p = Proc::spawn(cmd, net.dir().join(format!("{repo}-run.log")));
    wait_file(
        &net.dir().join(repo).join("api"),
        &mut p,
        Duration::from_secs(120),
    );
    (p, format!("http://127.0.0.1:{port}/rpc/v0"))
}

async fn flow(mock: bool, block_ms: u64) {
    let mut net = start_net(mock, block_ms);
    let sectors = net.dir().join("sectors");
    let manifest = sectors.join("pre-seal-t01000.json");

    // The genesis miner: init mines its own ChangePeerID in.
    let out = net.miner(
        "miner",
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
    let text = check(&out, "padma-miner init --genesis-miner");
    assert!(text.contains("t01000"), "{text}");
    let mrepo = net.dir().join("miner");
    assert!(mrepo.join("keystore").is_dir() && mrepo.join("datastore").is_dir());
    let storage: Value =
        serde_json::from_slice(&std::fs::read(mrepo.join("storage.json")).unwrap()).unwrap();
    let roots: Vec<String> = serde_json::from_value(storage["StoragePaths"].clone()).unwrap();
    assert!(
        roots
            .iter()
            .any(|r| Path::new(r) == sectors.canonicalize().unwrap()),
        "{roots:?}"
    );
    // The peer ID went on chain.
    let info = rpc(
        &net.node_url,
        None,
        "StateMinerInfo",
        json!(["t01000", null]),
    )
    .await;
    let peer = info["result"]["PeerId"]
        .as_str()
        .unwrap_or_default()
        .to_string();
    assert!(peer.starts_with("12D3KooW"), "{info}");
    let h0 = net.height().await;
    assert!(h0 >= 1, "init mined blocks while waiting");

    // Run: blocks keep arriving.
    let (mut miner, murl) = run_miner(&net, "miner");
    let h = net.wait_height(h0 + 3, Duration::from_secs(300)).await;
    let head = rpc(&net.node_url, None, "ChainHead", json!([])).await;
    assert_eq!(head["result"]["Blocks"][0]["Miner"], "t01000", "{head}");
    assert!(h > h0);

    // The miner API with the miner's own token.
    let token = std::fs::read_to_string(mrepo.join("token")).unwrap();
    let t = Some(token.trim());
    let v = rpc(&murl, t, "Version", json!([])).await;
    assert_eq!(v["result"]["APIVersion"], 66816, "{v}");
    assert_eq!(
        rpc(&murl, t, "ActorAddress", json!([])).await["result"],
        "t01000"
    );
    assert_eq!(
        rpc(&murl, t, "ActorSectorSize", json!(["t01000"])).await["result"],
        2048
    );
    let base = rpc(&murl, t, "MiningBase", json!([])).await;
    assert!(
        base["result"]["Height"].as_i64().unwrap_or(-1) >= h0,
        "{base}"
    );
    let allow = rpc(&murl, t, "AuthVerify", json!([token.trim()])).await;
    assert_eq!(allow["result"], json!(["read", "write", "sign", "admin"]));
    // No token: read only; the node's token is not the miner's.
    let denied = rpc(&murl, None, "AuthNew", json!([["admin"]])).await;
    assert_eq!(denied["error"]["code"], 1, "{denied}");
    let node_token = std::fs::read_to_string(net.node_repo().join("token")).unwrap();
    let r = reqwest::Client::new()
        .post(&murl)
        .bearer_auth(node_token.trim())
        .json(&json!({"jsonrpc":"2.0","id":1,"method":"Filecoin.ActorAddress","params":[]}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 401);
    let sl = rpc(&murl, t, "SectorsList", json!([])).await;
    assert_eq!(sl["result"], json!([0, 1]), "the pre-sealed sectors: {sl}");
    let st = rpc(&murl, t, "SectorsStatus", json!([0, true])).await;
    assert_eq!(st["result"]["State"], "Proving", "{st}");
    assert!(st["result"]["Expiration"].as_i64().unwrap_or(0) > 0, "{st}");

    // Client commands.
    let info = check(&net.miner("miner", &["info"]), "padma-miner info");
    assert!(info.contains("Miner: t01000 (2 KiB sectors)"), "{info}");
    assert!(info.contains("Next deadline"), "{info}");
    let api_info = check(
        &net.miner("miner", &["auth", "api-info", "--perm", "read"]),
        "auth api-info",
    );
    let line = api_info
        .trim()
        .strip_prefix("MINER_API_INFO=")
        .unwrap()
        .to_string();
    let via_env = Command::new(MINER)
        .args(["proving", "info"])
        .arg("--repo")
        .arg(net.node_repo())
        .arg("--miner-repo")
        .arg(net.dir().join("nonexistent"))
        .env("MINER_API_INFO", &line)
        .env_remove("FULLNODE_API_INFO")
        .output()
        .unwrap();
    let pi = check(&via_env, "proving info with MINER_API_INFO");
    assert!(pi.contains("Miner: t01000"), "{pi}");
    let dls = check(
        &net.miner("miner", &["proving", "deadlines"]),
        "proving deadlines",
    );
    assert!(dls.contains("deadline"), "{dls}");
    check(
        &net.miner("miner", &["proving", "faults"]),
        "proving faults",
    );
    let ctl = check(
        &net.miner("miner", &["actor", "control", "list"]),
        "actor control list",
    );
    assert!(ctl.contains("owner") && ctl.contains("worker"), "{ctl}");

    // The peer ID changed on chain from the worker; a withdrawal past the available
    // balance is refused.
    let new_peer = "12D3KooWDpJ7As7BWAwRMfu1VU2WCqNjvq387JEYKDBj4kx6nXTN";
    check(
        &net.miner(
            "miner",
            &["actor", "set-peer-id", new_peer, "--confidence", "1"],
        ),
        "actor set-peer-id",
    );
    let info = rpc(
        &net.node_url,
        None,
        "StateMinerInfo",
        json!(["t01000", null]),
    )
    .await;
    assert_eq!(info["result"]["PeerId"], new_peer, "{info}");
    let w = net.miner("miner", &["actor", "withdraw", "100000000"]);
    assert!(!w.status.success());
    assert!(
        String::from_utf8_lossy(&w.stderr).contains("more funds than available"),
        "{}",
        String::from_utf8_lossy(&w.stderr)
    );

    // Init failures leave no repo behind.
    // 1. The repo exists: refused, and the existing repo is untouched.
    let again = net.miner(
        "miner",
        &[
            "init",
            "--genesis-miner",
            "--actor",
            "t01000",
            "--sector-size",
            "2KiB",
            "--nosync",
        ],
    );
    assert!(!again.status.success());
    assert!(
        String::from_utf8_lossy(&again.stderr).contains("already exists"),
        "{}",
        String::from_utf8_lossy(&again.stderr)
    );
    assert!(mrepo.join("datastore").is_dir());
    // 2. No funds: an owner with an empty wallet key.
    let poor = check(&net.padma(&["wallet", "new", "bls"]), "wallet new");
    let poor = poor.trim();
    let nf = net.miner(
        "nofunds",
        &[
            "init",
            "--owner",
            poor,
            "--sector-size",
            "2KiB",
            "--nosync",
            "--confidence",
            "1",
        ],
    );
    assert!(
        !nf.status.success(),
        "{}",
        String::from_utf8_lossy(&nf.stdout)
    );
    assert!(
        !net.dir().join("nofunds").exists(),
        "a half-made repo was left"
    );
    // 3. The node is down.
    let down = net
        .miner_cmd("down", &["init", "--sector-size", "2KiB", "--nosync"])
        .env(
            "FULLNODE_API_INFO",
            format!("x:/ip4/127.0.0.1/tcp/{}/http", free_port()),
        )
        .output()
        .unwrap();
    assert!(!down.status.success());
    assert!(!net.dir().join("down").exists());

    // A second miner: a new actor through CreateMiner, owner = the wallet default.
    let out = net.miner(
        "miner2",
        &[
            "init",
            "--sector-size",
            "2KiB",
            "--nosync",
            "--confidence",
            "1",
        ],
    );
    let text = check(&out, "padma-miner init (new actor)");
    let maddr2 = text
        .split_whitespace()
        .find(|w| w.starts_with("t0"))
        .unwrap_or_else(|| panic!("no miner address in {text}"))
        .to_string();
    assert_ne!(maddr2, "t01000");
    let listed = rpc(&net.node_url, None, "StateListMiners", json!([null])).await;
    assert!(
        listed["result"]
            .as_array()
            .is_some_and(|a| a.iter().any(|m| m == &json!(maddr2))),
        "{listed}"
    );
    let (mut miner2, murl2) = run_miner(&net, "miner2");
    let token2 = std::fs::read_to_string(net.dir().join("miner2/token")).unwrap();
    assert_eq!(
        rpc(&murl2, Some(token2.trim()), "ActorAddress", json!([])).await["result"],
        json!(maddr2)
    );
    let info2 = check(&net.miner("miner2", &["info"]), "info of miner 2");
    assert!(info2.contains(&format!("Miner: {maddr2}")), "{info2}");

    // The second miner pledges a committed-capacity sector: sealed through the
    // pipeline, it reaches Proving and the miner gains power.
    if mock {
        let out = check(
            &net.miner("miner2", &["sectors", "pledge"]),
            "sectors pledge",
        );
        let n: u64 = out
            .trim()
            .strip_prefix("Created CC sector: ")
            .and_then(|n| n.parse().ok())
            .unwrap_or_else(|| panic!("{out}"));
        let deadline = Instant::now() + Duration::from_secs(240);
        loop {
            miner2.alive();
            let st = rpc(
                &murl2,
                Some(token2.trim()),
                "SectorsStatus",
                json!([n, false]),
            )
            .await;
            if st["result"]["State"] == "Proving" {
                break;
            }
            assert!(
                Instant::now() < deadline,
                "sector {n} did not reach Proving: {st}"
            );
            tokio::time::sleep(Duration::from_millis(500)).await;
        }
        let list = check(&net.miner("miner2", &["sectors", "list"]), "sectors list");
        assert!(list.contains("Proving"), "{list}");
        // On chain: the sector is live (its power counts from its first WindowPoSt).
        let on_chain = rpc(
            &net.node_url,
            None,
            "StateSectorGetInfo",
            json!([maddr2, n, null]),
        )
        .await;
        assert_eq!(on_chain["result"]["SectorNumber"], json!(n), "{on_chain}");
        let count = rpc(
            &net.node_url,
            None,
            "StateMinerSectorCount",
            json!([maddr2, null]),
        )
        .await;
        assert_eq!(count["result"]["Live"], 1, "{count}");
    }

    // Stop both: clean exits, api files removed; the chain goes on no more from t01000.
    check(&net.miner("miner2", &["stop"]), "stop miner 2");
    assert!(
        miner2.wait_exit(Duration::from_secs(60)).success(),
        "{}",
        miner2.output()
    );
    check(&net.miner("miner", &["stop"]), "stop");
    assert!(
        miner.wait_exit(Duration::from_secs(60)).success(),
        "{}",
        miner.output()
    );
    assert!(!mrepo.join("api").exists());

    // Restarted, the genesis miner goes on mining.
    let (mut miner, _) = run_miner(&net, "miner");
    let h = net.height().await;
    net.wait_height(h + 2, Duration::from_secs(300)).await;
    unsafe { libc::kill(miner.child.id() as i32, libc::SIGTERM) };
    assert!(
        miner.wait_exit(Duration::from_secs(60)).success(),
        "{}",
        miner.output()
    );
    unsafe { libc::kill(net.daemon.child.id() as i32, libc::SIGINT) };
    assert!(net.daemon.wait_exit(Duration::from_secs(60)).success());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn lotus_devnet_flow_with_mock_proofs() {
    flow(true, 1000).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn lotus_devnet_flow_with_real_2kib_proofs() {
    flow(false, 2000).await;
}
