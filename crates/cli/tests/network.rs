//! Networks of real `padma` processes on loopback: a mock-proof `padma devnet` (node A
//! with the genesis miner) and `padma daemon --genesis` followers that bootstrap from
//! it or from one another. Followers reach A's head and hold the same tipsets; a
//! message pushed to a follower is gossiped to A and mined; a follower stopped, or
//! killed in the middle of its catch-up, resumes and catches up; a node on another
//! genesis is refused; `padma devnet --nodes 3` runs three connected nodes, stops them
//! together and resumes them; two genesis miners, each run against its own node (one
//! of them a follower), mine one chain.
//!
//! Every wait has a deadline and watches the processes; nothing waits on a fixed sleep.

#![allow(clippy::unwrap_used, clippy::indexing_slicing, clippy::string_slice)] // test code: a panic is a failed test

use fvm_shared::econ::TokenAmount;
use padma_api::chain::ChainGetGenesis;
use padma_api::miner_state::StateMinerInfo;
use padma_api::msg_search::StateSearchMsg;
use padma_api::net::NetPeers;
use padma_api::state::StateGetActor;
use padma_api::wallet::WalletBalance;
use padma_chain::network::NetworkParams;
use padma_testkit::chains::{head, tipset_at, wait_caught_up, wait_height, ApiNode, ChainNode};
use padma_testkit::{
    devnet_command, expect_success, padma_miner, padma_seed, wait_api_port, Daemon, Proc,
};
use padma_types::json::block::{TipSetJson, TipSetKeyJson};
use padma_types::json::msg_search::MsgLookupJson;
use padma_types::json::{AddressJson, CidJson};
use serde_json::json;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

/// How long a node may take to start, to catch up, or a message to be mined.
const LIMIT: Duration = Duration::from_secs(120);

/// A mock-proof devnet in `dir` (node A): a block every `block_time`, two funded
/// accounts, its APIs on ports the system picks, extra flags `extra`.
fn devnet(dir: &Path, block_time: &str, extra: &[&str]) -> Daemon {
    let mut cmd = devnet_command(dir, 0, 0);
    cmd.args([
        "--mock-proofs",
        "--block-time",
        block_time,
        "--accounts",
        "2",
    ])
    .args(extra);
    Daemon::devnet_from(cmd, dir, dir)
}

/// The genesis CAR of the devnet in `dir`.
fn genesis(dir: &Path) -> PathBuf {
    dir.join("genesis.car")
}

/// Account `n` the devnet printed: its address and its private key (Lotus hex).
fn devnet_account(stdout: &str, n: usize) -> (String, String) {
    let mut lines = stdout.lines();
    let prefix = format!("({n}) ");
    let address = lines
        .find_map(|l| l.strip_prefix(&prefix))
        .unwrap_or_else(|| panic!("no account {n} in {stdout}"))
        .to_string();
    let key = lines
        .next()
        .and_then(|l| l.trim().strip_prefix("private key: "))
        .unwrap()
        .to_string();
    (address, key)
}

/// Where `cid` executed, as `node` finds it from its head (None: not yet).
async fn search(node: &impl ChainNode, cid: &str) -> Option<MsgLookupJson> {
    let cid: CidJson = serde_json::from_value(json!({ "/": cid })).unwrap();
    node.client()
        .request::<StateSearchMsg>((TipSetKeyJson::default(), cid, Some(-1), None))
        .await
        .unwrap()
}

/// Waits until `node` finds where `cid` executed.
async fn wait_found(node: &mut impl ChainNode, cid: &str, limit: Duration) -> MsgLookupJson {
    let deadline = Instant::now() + limit;
    loop {
        node.assert_running();
        if let Some(found) = search(node, cid).await {
            return found;
        }
        assert!(
            Instant::now() < deadline,
            "{} did not find message {cid} within {limit:?}",
            node.label()
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

fn address(a: &str) -> AddressJson {
    serde_json::from_value(json!(a)).unwrap()
}

/// The genesis tipset `node` runs on.
async fn genesis_of(node: &impl ChainNode) -> TipSetJson {
    node.client().request::<ChainGetGenesis>(()).await.unwrap()
}

/// `padma sync wait` on `node` returns, saying it is done, within `limit`.
fn sync_wait(node: &Daemon, log: &Path, limit: Duration) {
    let mut wait = Proc::spawn(node.cli_command(&["sync", "wait"]), log);
    let status = wait.wait_exit(limit);
    assert!(status.success(), "sync wait: {status}: {}", wait.output());
    assert!(wait.stdout().contains("Done!"), "{}", wait.stdout());
}

/// A follows its genesis miner; B bootstraps from A and C from B only. B and C reach
/// A's head; a message sent through C (from a devnet account imported into C's
/// wallet) travels C → B → A by gossip, A's miner includes it, and every node finds it
/// and the new balance.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn followers_reach_the_head_and_their_messages_are_mined() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("a");
    let mut a = devnet(&dir, "1s", &[]);
    let a_addr = a.libp2p_addr(LIMIT);
    wait_height(&mut a, 2, LIMIT).await;
    let mut b = Daemon::follower(&tmp.path().join("b"), &genesis(&dir), &[&a_addr], &[]);
    let b_addr = b.libp2p_addr(LIMIT);
    let mut c = Daemon::follower(&tmp.path().join("c"), &genesis(&dir), &[&b_addr], &[]);
    wait_caught_up(&mut a, &mut b, LIMIT).await;
    wait_caught_up(&mut a, &mut c, LIMIT).await;

    let (from, key) = devnet_account(&a.stdout(), 1);
    let key_file = tmp.path().join("account1.key");
    std::fs::write(&key_file, key).unwrap();
    expect_success(
        &c.cli(&["wallet", "import", key_file.to_str().unwrap()]),
        "wallet import on C",
    );
    let to = c.cli_ok(&["wallet", "new"]);
    let sent = c.cli_ok(&["send", "--from", &from, &to, "7"]);
    let cid = sent.lines().last().unwrap().trim().to_string();
    let found = wait_found(&mut a, &cid, LIMIT).await;
    assert_eq!(found.receipt.exit_code, 0, "{found:?}");
    // The followers get the block that included it, and agree on its outcome.
    for node in [&mut b, &mut c] {
        wait_height(node, found.height, LIMIT).await;
        let theirs = wait_found(node, &cid, LIMIT).await;
        assert_eq!(theirs.tip_set, found.tip_set);
        let balance = node
            .client()
            .request::<WalletBalance>((address(&to),))
            .await
            .unwrap();
        assert_eq!(balance.0, TokenAmount::from_whole(7));
    }
}

/// B follows A, is stopped with SIGTERM while A mines on for 200 epochs (250 ms blocks:
/// about a minute), restarts, catches up to A's head, and `padma sync wait` on it
/// returns.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_stopped_follower_catches_up_after_a_restart() {
    const BEHIND: i64 = 200;
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("a");
    let mut a = devnet(&dir, "250ms", &[]);
    let a_addr = a.libp2p_addr(LIMIT);
    let b_repo = tmp.path().join("b");
    let mut b = Daemon::follower(&b_repo, &genesis(&dir), &[&a_addr], &[]);
    wait_caught_up(&mut a, &mut b, LIMIT).await;
    let stopped_at = head(&b).await.unwrap().height;
    assert!(
        b.signal_and_wait(libc::SIGTERM).success(),
        "{}",
        b.proc.output()
    );

    wait_height(&mut a, stopped_at + BEHIND, LIMIT).await;
    let mut b = Daemon::follower(&b_repo, &genesis(&dir), &[&a_addr], &[]);
    let resumed_at = head(&b).await.unwrap().height;
    assert!(
        resumed_at >= stopped_at,
        "resumed at {resumed_at}, stopped at {stopped_at}"
    );
    wait_caught_up(&mut a, &mut b, LIMIT).await;
    sync_wait(&b, &tmp.path().join("sync-wait.log"), LIMIT);
}

/// B joins A's network with its chain far behind A's and is killed (SIGKILL) while
/// its head climbs towards A's; restarted, it resumes on a head whose state it holds
/// and reaches A's head, with a store that serves the head and the state under it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_follower_killed_during_catch_up_resumes() {
    const CHAIN: i64 = 120;
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("a");
    let mut a = devnet(&dir, "250ms", &[]);
    let a_addr = a.libp2p_addr(LIMIT);
    wait_height(&mut a, CHAIN, LIMIT).await;

    let b_repo = tmp.path().join("b");
    let mut b = Daemon::follower(&b_repo, &genesis(&dir), &[&a_addr], &[]);
    // Killed once its head has climbed a little, well below A's.
    let deadline = Instant::now() + LIMIT;
    let killed_at = loop {
        b.proc.assert_alive();
        let h = head(&b).await.map_or(0, |h| h.height);
        if h >= CHAIN / 10 {
            b.proc.kill();
            break h;
        }
        assert!(
            Instant::now() < deadline,
            "B's head did not move within {LIMIT:?}"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    };
    assert!(
        killed_at < CHAIN,
        "B caught up before it could be killed (at {killed_at})"
    );
    eprintln!("B killed at height {killed_at} of {CHAIN}");

    // It restarts on a head whose state it holds (the last tipsets it accepted may not
    // have reached the disk before the kill: they are fetched again).
    let mut b = Daemon::follower(&b_repo, &genesis(&dir), &[&a_addr], &[]);
    let resumed = head(&b).await.unwrap();
    miner_code(&b, &resumed).await;
    let started = Instant::now();
    let top = wait_caught_up(&mut a, &mut b, LIMIT).await;
    eprintln!(
        "B resumed at {} and reached {} in {:?}",
        resumed.height,
        top.height,
        started.elapsed()
    );
    let at_head = head(&b).await.unwrap();
    assert!(at_head.height >= top.height);
    assert_eq!(miner_code(&b, &at_head).await, miner_code(&b, &top).await);
}

/// The code of the genesis miner's actor in the state under `ts` on `node`.
async fn miner_code(node: &impl ChainNode, ts: &TipSetJson) -> CidJson {
    let key: TipSetKeyJson = serde_json::from_value(json!(ts.cids)).unwrap();
    node.client()
        .request::<StateGetActor>((address("t01000"), key))
        .await
        .unwrap_or_else(|e| panic!("StateGetActor at {}: {e}", ts.height))
        .code
}

/// X, a node on another devnet's genesis with a longer chain of its own, bootstraps
/// from A: hello finds the genesis differs and the connection is dropped; neither
/// node takes the other's chain, and A mines on on its own.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_node_on_another_genesis_is_refused() {
    let tmp = tempfile::tempdir().unwrap();
    // The other network: a devnet run until its chain is longer than A's will be.
    let other = tmp.path().join("other");
    let mut x = devnet(&other, "250ms", &[]);
    wait_height(&mut x, 40, LIMIT).await;
    assert!(x.signal_and_wait(libc::SIGINT).success());

    let dir = tmp.path().join("a");
    let mut a = devnet(&dir, "1s", &[]);
    let a_addr = a.libp2p_addr(LIMIT);
    let a_genesis = genesis_of(&a).await;
    let a_peer = a.peer_id(LIMIT);
    // X: the other devnet's node, run as a daemon that dials A.
    let mut x = Daemon::follower(&other.join("node"), &genesis(&other), &[&a_addr], &[]);
    let x_peer = x.peer_id(LIMIT);
    let x_head = head(&x).await.unwrap();
    // One of the two says so in its log (whichever reads the other's hello first).
    let deadline = Instant::now() + LIMIT;
    loop {
        let refused = |log: &str, peer: &str| {
            log.lines()
                .any(|l| l.contains("peer is on another genesis") && l.contains(peer))
        };
        if refused(&a.proc.output(), &x_peer) || refused(&x.proc.output(), &a_peer) {
            break;
        }
        a.proc.assert_alive();
        x.proc.assert_alive();
        assert!(
            Instant::now() < deadline,
            "no hello refused the other genesis"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    // A mines on, on its own genesis, and never took X's longer chain; X keeps its own.
    let now = head(&a).await.unwrap().height;
    wait_height(&mut a, now + 3, LIMIT).await;
    assert_eq!(genesis_of(&a).await.cids, a_genesis.cids);
    assert_ne!(genesis_of(&x).await.cids, a_genesis.cids);
    assert_eq!(tipset_at(&x, x_head.height).await.cids, x_head.cids);
    assert!(head(&x).await.unwrap().height == x_head.height);
}

/// The lines of a `padma devnet --nodes N` stdout that start with `prefix`, in order.
fn printed(stdout: &str, prefix: &str) -> Vec<String> {
    stdout
        .lines()
        .filter_map(|l| l.strip_prefix(prefix))
        .map(str::to_string)
        .collect()
}

/// Waits until the devnet run by `proc` has printed the blocks of its `n` nodes.
fn wait_printed(proc: &mut Proc, n: usize) -> String {
    let deadline = Instant::now() + LIMIT;
    loop {
        let out = proc.stdout();
        if printed(&out, "# libp2p: ").len() >= n {
            return out;
        }
        proc.assert_alive();
        assert!(
            Instant::now() < deadline,
            "the devnet did not print {n} nodes: {out}"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// `padma devnet --nodes 3`: three nodes in one process print their API info and
/// libp2p addresses, follow one another to the same head, stop together on SIGINT,
/// and a rerun resumes them (same peer IDs, heads at or above the old ones).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn devnet_of_three_nodes_converges_stops_and_resumes() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("devnet");
    let mut peers_before = Vec::new();
    let mut stopped_at = 0;
    for run in 0..2 {
        let mut a = devnet(&dir, "500ms", &["--nodes", "3"]);
        let out = wait_printed(&mut a.proc, 3);
        let infos = printed(&out, "export FULLNODE_API_INFO=");
        let paths = printed(&out, "export PADMA_PATH=");
        let peers = printed(&out, "# libp2p: ");
        assert_eq!((infos.len(), paths.len(), peers.len()), (3, 3, 3), "{out}");
        for (i, repo) in ["node", "node2", "node3"].iter().enumerate() {
            assert_eq!(PathBuf::from(&paths[i]), dir.join(repo));
            let port = padma_testkit::api_file_port(&dir.join(repo)).unwrap();
            assert!(
                infos[i].ends_with(&format!("/tcp/{port}/http")),
                "{}",
                infos[i]
            );
        }
        let mut others: Vec<ApiNode> = ["node2", "node3"]
            .iter()
            .map(|r| ApiNode::serving(&dir.join(r), &mut a.proc, LIMIT))
            .collect();
        // Node 1 mines on from where the last run stopped; the others follow it there.
        wait_height(&mut a, stopped_at + 3, LIMIT).await;
        for node in &mut others {
            let top = wait_caught_up(&mut a, node, LIMIT).await;
            assert!(
                top.height >= stopped_at,
                "run {run}: at {} below {stopped_at}",
                top.height
            );
            assert_eq!(genesis_of(node).await.cids, genesis_of(&a).await.cids);
        }
        stopped_at = head(&a).await.unwrap().height;
        assert!(
            a.signal_and_wait(libc::SIGINT).success(),
            "{}",
            a.proc.output()
        );
        for repo in ["node", "node2", "node3"] {
            assert!(
                !dir.join(repo).join("api").exists(),
                "{repo} left its api file"
            );
        }
        let ids: Vec<String> = peers
            .iter()
            .map(|p| p.rsplit_once("/p2p/").unwrap().1.to_string())
            .collect();
        if run == 0 {
            peers_before = ids;
        } else {
            assert_eq!(ids, peers_before, "the nodes' peer IDs changed");
        }
    }
}

/// `padma-seed pre-seal` of two fake 2KiB sectors for genesis miner `miner` into
/// `sectors`.
fn pre_seal(sectors: &Path, miner: &str) {
    let mut cmd = Command::new(padma_seed());
    cmd.arg("--sector-dir").arg(sectors).args([
        "pre-seal",
        "--miner-addr",
        miner,
        "--sector-size",
        "2KiB",
        "--num-sectors",
        "2",
        "--fake-sectors",
    ]);
    expect_success(&cmd.output().unwrap(), "padma-seed pre-seal");
}

/// `padma-seed genesis <args>`.
fn seed_genesis(args: &[&std::ffi::OsStr]) {
    let mut cmd = Command::new(padma_seed());
    cmd.arg("genesis").args(args);
    expect_success(&cmd.output().unwrap(), "padma-seed genesis");
}

/// Genesis miner `miner` (its sectors pre-sealed in `sectors`) set up with
/// `padma-miner init --genesis-miner` against `node` in the miner repo `repo`, then
/// run (`padma-miner run`) until dropped.
fn genesis_miner(node: &Daemon, repo: &Path, sectors: &Path, miner: &str, log: &Path) -> Proc {
    let manifest = sectors.join(format!("pre-seal-{miner}.json"));
    let base = |args: &[&str]| {
        let mut cmd = Command::new(padma_miner());
        cmd.arg("--repo")
            .arg(&node.repo)
            .arg("--miner-repo")
            .arg(repo)
            .args(args)
            .env_remove("FULLNODE_API_INFO")
            .env_remove("MINER_API_INFO");
        cmd
    };
    let mut init = base(&[
        "init",
        "--genesis-miner",
        "--actor",
        miner,
        "--sector-size",
        "2KiB",
        "--nosync",
    ]);
    init.arg("--pre-sealed-sectors")
        .arg(sectors)
        .arg("--pre-sealed-metadata")
        .arg(&manifest);
    expect_success(&init.output().unwrap(), "padma-miner init --genesis-miner");
    let mut run = Proc::spawn(base(&["run", "--miner-api", "0", "--nosync"]), log);
    wait_api_port(repo, &mut run, LIMIT);
    run
}

/// The miner IDs of the blocks at `from..=to` on `node`'s chain.
async fn block_miners(node: &impl ChainNode, from: i64, to: i64) -> Vec<u64> {
    let mut miners = Vec::new();
    for h in from..=to {
        let ts = tipset_at(node, h).await;
        miners.extend(ts.blocks.iter().map(|b| b.miner.id().unwrap()));
    }
    miners
}

/// The Lotus flow with two genesis miners on two nodes: a genesis of t01000 and
/// t01001 (`padma-seed`, `padma daemon --make-genesis` on A), B a follower of A, and
/// each miner set up (`padma-miner init --genesis-miner`) and run against its own
/// node — t01001's over the network only. Both mine, each node takes the other's
/// blocks, and they hold one chain.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_genesis_miners_on_two_nodes_mine_one_chain() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    let (s0, s1) = (dir.join("sectors0"), dir.join("sectors1"));
    pre_seal(&s0, "t01000");
    pre_seal(&s1, "t01001");
    let template = dir.join("localnet.json");
    let name = NetworkParams::name_for("padma-two-miners", 1000, true);
    seed_genesis(&[
        "new".as_ref(),
        template.as_os_str(),
        "--network-name".as_ref(),
        name.as_ref(),
    ]);
    for (sectors, miner) in [(&s0, "t01000"), (&s1, "t01001")] {
        let manifest = sectors.join(format!("pre-seal-{miner}.json"));
        seed_genesis(&[
            "add-miner".as_ref(),
            template.as_os_str(),
            manifest.as_os_str(),
        ]);
    }
    let car = dir.join("devgen.car");
    let mut a = Daemon::start_args(
        &dir.join("a"),
        &[
            "--make-genesis",
            car.to_str().unwrap(),
            "--genesis-template",
            template.to_str().unwrap(),
            "--bootstrap=false",
            "--libp2p-listen",
            "/ip4/127.0.0.1/tcp/0",
        ],
    );
    let a_addr = a.libp2p_addr(LIMIT);
    let mut b = Daemon::follower(&dir.join("b"), &car, &[&a_addr], &[]);
    for (node, sectors, miner) in [(&a, &s0, "t01000"), (&b, &s1, "t01001")] {
        let key = sectors.join(format!("pre-seal-{miner}.key"));
        expect_success(
            &node.cli(&["wallet", "import", "--as-default", key.to_str().unwrap()]),
            "wallet import",
        );
    }
    let _m0 = genesis_miner(&a, &dir.join("m0"), &s0, "t01000", &dir.join("m0.log"));
    let _m1 = genesis_miner(&b, &dir.join("m1"), &s1, "t01001", &dir.join("m1.log"));

    // From here on both mine: ten epochs hold blocks of both, as each node sees them.
    let from = head(&a).await.unwrap().height + 1;
    let to = from + 10;
    wait_height(&mut a, to, LIMIT).await;
    let top = wait_caught_up(&mut a, &mut b, LIMIT).await;
    assert!(top.height >= to);
    // Each miner's own libp2p host, whose peer ID is the one on chain, is connected to
    // its node (NetAddrsListen on the node, a connect from the miner's host).
    for (node, miner) in [(&a, "t01000"), (&b, "t01001")] {
        let addr = AddressJson(padma_types::address::parse_address(miner).unwrap());
        let info = node
            .client()
            .request::<StateMinerInfo>((addr, TipSetKeyJson::default()))
            .await
            .unwrap();
        let on_chain = info.peer_id.expect("the miner has a peer ID on chain");
        let deadline = Instant::now() + LIMIT;
        loop {
            let peers = node.client().request::<NetPeers>(()).await.unwrap();
            if peers.iter().any(|p| p.id.to_string() == on_chain) {
                break;
            }
            assert!(
                Instant::now() < deadline,
                "{miner}'s host ({on_chain}) never connected to {}: {peers:?}",
                node.label()
            );
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
    }
    for node in [&a, &b] {
        let miners = block_miners(node, from, to).await;
        for m in [1000, 1001] {
            assert!(
                miners.contains(&m),
                "no block of t0{m} in {from}..={to} on {}: {miners:?}",
                node.label()
            );
        }
    }
}

/// `padma devnet --nodes 2` whose second node cannot start (its repo's path is taken
/// by a file): the first node, already running, is stopped with it, and the devnet
/// exits with the second node's error.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn devnet_stops_every_node_when_one_cannot_start() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("devnet");
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("node2"), b"not a repo").unwrap();
    let mut cmd = devnet_command(&dir, 0, 0);
    cmd.args(["--mock-proofs", "--block-time", "1s", "--accounts", "1"])
        .args(["--nodes", "2"]);
    let mut devnet = Proc::spawn_split(cmd, dir.join("out.log"), dir.join("err.log"));
    let status = devnet.wait_exit(LIMIT);
    assert!(!status.success(), "{}", devnet.output());
    let err = devnet.stderr();
    assert!(err.contains("full node 2 could not start"), "{err}");
    // Node 1 started (it printed its block) and was stopped cleanly.
    assert_eq!(
        printed(&devnet.stdout(), "# libp2p: ").len(),
        1,
        "{}",
        devnet.stdout()
    );
    assert!(err.contains("graceful shutdown successful"), "{err}");
    assert!(!dir.join("node").join("api").exists());
}
