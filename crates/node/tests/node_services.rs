//! Full nodes built with `NodeBuilder` and run in this process (real datastores, real
//! sockets): two nodes side by side keep apart, and a failing or panicking service
//! stops its node with an error naming it, releasing the repo either way.

use fvm_shared::econ::TokenAmount;
use padma_chain::network::{now_ms, NetworkParams};
use padma_node::builder::NodeBuilder;
use padma_node::node::Node;
use padma_node::repo::Repo;
use padma_rpc::client::{ApiInfo, RpcClient};
use padma_state::genesis::fake::fake_miner;
use padma_state::genesis::Template;
use padma_types::crypto::{KeyInfo, KeyType};
use serde_json::Value;
use std::path::Path;
use std::time::Duration;

/// How long a node may take to stop.
const STOP_LIMIT: Duration = Duration::from_secs(60);

/// A mock-proof genesis with one fake miner, of a network named after `base` (so two
/// bases differ).
fn genesis(base: &str) -> Vec<u8> {
    let name = NetworkParams::name_for(base, 4000, true);
    let mut t = Template::new(name, now_ms() / 1000);
    let worker = KeyInfo::generate(KeyType::Bls);
    let miner = fake_miner(1000, &worker, 2048, 4, 1_000_000).expect("fake miner");
    t.add_miners_from_manifest(
        serde_json::json!({ "t01000": miner })
            .to_string()
            .as_bytes(),
        TokenAmount::from_whole(1_000),
    )
    .expect("genesis miner");
    // The official testing-fake-proofs actors (the shared test copy): the FVM.
    let archive = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../../shared/actors/builtin-actors-v18.tar.zst");
    let actors = padma_node::builder::chain::ActorsOptions {
        bundle: Some(archive),
        cache_dirs: Vec::new(),
    };
    padma_node::api::chainstore::make_genesis_car(&t, &actors)
        .expect("genesis")
        .0
}

/// A node over `repo` on an ephemeral port, on a genesis of its own.
fn build(repo: &Path, base: &str) -> NodeBuilder {
    NodeBuilder::new(repo)
        .api_port(0)
        .genesis_car(genesis(base))
}

/// A v1 client of the node whose repo is `repo`, with the admin token it wrote, at the
/// address its `api` file names.
fn client(repo: &Path, node: &Node) -> RpcClient {
    let (api, token) = padma_repo::api_files::read_api_files(repo).expect("api files");
    let port = node.api_addr().port();
    assert_eq!(api, format!("/ip4/127.0.0.1/tcp/{port}/http"));
    let info = ApiInfo {
        base_url: format!("http://{}", node.api_addr()),
        token,
    };
    RpcClient::new(&info, "v1")
}

async fn call(c: &RpcClient, method: &str) -> Value {
    c.call::<Value>(method, vec![])
        .await
        .unwrap_or_else(|e| panic!("{method}: {e}"))
}

/// The node left its repo as a stopped node must: no `api` file, and unlocked.
fn assert_released(repo: &Path) {
    assert!(!repo.join("api").exists(), "the api file was left behind");
    Repo::open(repo).expect("the repo lock was released");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_nodes_in_one_process_keep_apart_and_release_their_repos() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (repo_a, repo_b) = (dir.path().join("a"), dir.path().join("b"));
    let a = build(&repo_a, "padma-node-a")
        .build()
        .await
        .expect("node a");
    let b = build(&repo_b, "padma-node-b")
        .build()
        .await
        .expect("node b");
    assert_ne!(a.api_addr(), b.api_addr());
    let (client_a, client_b) = (client(&repo_a, &a), client(&repo_b, &b));
    let stop_b = b.shutdown().clone();
    let run_a = tokio::spawn(a.run(std::future::pending()));
    let run_b = tokio::spawn(b.run(std::future::pending()));

    let mut seen = Vec::new();
    for c in [&client_a, &client_b] {
        let version = call(c, "Version").await;
        assert!(
            version["Version"]
                .as_str()
                .is_some_and(|v| v.contains("padma")),
            "{version}"
        );
        let head = call(c, "ChainHead").await;
        let genesis = call(c, "ChainGetGenesis").await;
        assert_eq!(head["Height"], 0, "{head}");
        assert_eq!(
            head["Cids"], genesis["Cids"],
            "a fresh node's head is its genesis"
        );
        let session = call(c, "Session").await;
        seen.push((genesis["Cids"].clone(), session));
    }
    assert_ne!(seen[0].0, seen[1].0, "each node has its own genesis");
    assert_ne!(seen[0].1, seen[1].1, "each node has its own session");

    // One stops through its API, the other through its shutdown handle.
    call(&client_a, "Shutdown").await;
    stop_b.request();
    for (run, repo) in [(run_a, &repo_a), (run_b, &repo_b)] {
        tokio::time::timeout(STOP_LIMIT, run)
            .await
            .expect("the node stopped in time")
            .expect("the node's task did not panic")
            .expect("a clean stop");
        assert_released(repo);
    }
}

/// Runs the node built with `service` added until it stops; its error, as printed.
async fn run_with_failing_service(
    repo: &Path,
    service: impl std::future::Future<Output = anyhow::Result<()>> + Send + 'static,
) -> String {
    let node = build(repo, "padma-node-failing")
        .with_service("doomed", service)
        .build()
        .await
        .expect("node");
    assert!(repo.join("api").exists());
    let c = client(repo, &node);
    let run = tokio::spawn(node.run(std::future::pending()));
    // The node serves until the service gives out.
    call(&c, "Version").await;
    let stopped = tokio::time::timeout(STOP_LIMIT, run)
        .await
        .expect("the node stopped in time")
        .expect("the node's task did not panic");
    let err = stopped.expect_err("the node reports the failed service");
    format!("{err:#}")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_failing_service_stops_the_node_naming_it() {
    let dir = tempfile::tempdir().expect("tempdir");
    let repo = dir.path().join("repo");
    let said = run_with_failing_service(&repo, async {
        tokio::time::sleep(Duration::from_millis(500)).await;
        anyhow::bail!("disk on fire")
    })
    .await;
    assert_eq!(said, "service \"doomed\" failed: disk on fire");
    assert_released(&repo);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_panicking_service_stops_the_node_naming_it() {
    let dir = tempfile::tempdir().expect("tempdir");
    let repo = dir.path().join("repo");
    let said = run_with_failing_service(&repo, async {
        tokio::time::sleep(Duration::from_millis(500)).await;
        panic!("out of cheese")
    })
    .await;
    assert_eq!(said, "service \"doomed\" failed: panicked: out of cheese");
    assert_released(&repo);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_node_dropped_without_running_releases_its_repo() {
    let dir = tempfile::tempdir().expect("tempdir");
    let repo = dir.path().join("repo");
    let node = build(&repo, "padma-node-dropped")
        .build()
        .await
        .expect("node");
    assert!(repo.join("api").exists());
    drop(node);
    assert_released(&repo);
    // The chain it made is there for the next start, without a genesis given.
    let again = NodeBuilder::new(&repo)
        .api_port(0)
        .build()
        .await
        .expect("restart");
    let c = client(&repo, &again);
    let run = tokio::spawn(again.run(std::future::pending()));
    assert_eq!(call(&c, "ChainHead").await["Height"], 0);
    call(&c, "Shutdown").await;
    tokio::time::timeout(STOP_LIMIT, run)
        .await
        .expect("the node stopped in time")
        .expect("the node's task did not panic")
        .expect("a clean stop");
    assert_released(&repo);
}
