//! The devnet's full nodes: node 1 in `<dir>/node` with the genesis miner, nodes
//! 2..N in `<dir>/node2`, … following it over libp2p on loopback (bootstrapping from
//! node 1, so every run connects them again). All of them run in this process under
//! one shutdown: a signal, any node's `Shutdown` method or any node's failure stops
//! them all.

use super::miner::GenesisMiner;
use super::setup::GENESIS_FILE;
use anyhow::{anyhow, Context, Result};
use padma_miner::fullnode::FullNode;
use padma_net::NetHandle;
use padma_node::builder::NodeBuilder;
use padma_node::network::NetworkOptions;
use padma_node::node::Node;
use padma_node::repo::{ChainMissing, Repo};
use padma_node::wallet::Wallet;
use padma_rpc::client::ApiInfo;
use padma_rpc::{JwtAuth, Permission};
use padma_service::Shutdown;
use padma_types::crypto::KeyInfo;
use std::future::Future;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::time::Duration;
use tokio::task::JoinHandle;

/// How long the nodes and the genesis miner get to stop (the miner's own services get
/// 30 s of it).
const STOP_TIMEOUT: Duration = Duration::from_secs(60);
/// How long node 1's libp2p host may take to report its listen address.
const LISTEN_TIMEOUT: Duration = Duration::from_secs(30);

/// Where the devnet's nodes live and listen.
pub struct Layout {
    /// The data directory.
    pub dir: PathBuf,
    /// How many nodes.
    pub nodes: usize,
    /// Node 1's API port (node i's: this + i − 1; 0: the system picks each).
    pub api_port: u16,
    /// Node 1's libp2p port (likewise).
    pub libp2p_port: u16,
    /// The genesis miner's API port.
    pub miner_api: u16,
}

/// Node `number`'s repo: `<dir>/node` for the first, `<dir>/node<number>` for the others.
pub fn node_repo(dir: &Path, number: usize) -> PathBuf {
    if number <= 1 {
        dir.join("node")
    } else {
        dir.join(format!("node{number}"))
    }
}

/// The port of node `number` counting from `first`; 0 stays 0.
fn nth_port(first: u16, number: usize, what: &str) -> Result<u16> {
    if first == 0 {
        return Ok(0);
    }
    number
        .checked_sub(1)
        .and_then(|i| u16::try_from(i).ok())
        .and_then(|i| first.checked_add(i))
        .ok_or_else(|| anyhow!("--{what} {first} leaves no port for node {number}"))
}

/// What node `number` needs before it starts.
struct NodePlan {
    number: usize,
    repo: PathBuf,
    api_port: u16,
    listen: String,
}

impl Layout {
    fn plan(&self, number: usize) -> Result<NodePlan> {
        Ok(NodePlan {
            number,
            repo: node_repo(&self.dir, number),
            api_port: nth_port(self.api_port, number, "api")?,
            listen: format!(
                "/ip4/127.0.0.1/tcp/{}",
                nth_port(self.libp2p_port, number, "libp2p-port")?
            ),
        })
    }
}

/// Imports `keys` into the wallet of the repo at `repo` (`default` as its default) and
/// writes an admin token, which it returns.
fn prepare_repo(repo: &Path, keys: &[&KeyInfo], default: Option<&KeyInfo>) -> Result<String> {
    let repo = Repo::open(repo)?;
    let wallet = Wallet::new(repo.dir().keystore().clone());
    for k in keys {
        wallet.import(k)?;
    }
    if let Some(k) = default {
        wallet.set_default(&k.address()?)?;
    }
    let secret = repo.dir().jwt_secret()?;
    let token = JwtAuth::new(&secret.bytes).issue(&Permission::Admin.up_to());
    repo.dir().write_token(&token)?;
    Ok(token)
}

/// Builds node `plan`, bootstrapping from `bootstrap` (node 1: from nobody).
async fn build(
    plan: &NodePlan,
    dir: &Path,
    shutdown: &Shutdown,
    bootstrap: Option<String>,
) -> Result<Node> {
    let dial = bootstrap.is_some();
    NodeBuilder::new(&plan.repo)
        .api_port(plan.api_port)
        .genesis_file(dir.join(GENESIS_FILE))
        .network(Some(NetworkOptions {
            listen: Some(vec![plan.listen.clone()]),
            bootstrap_peers: Some(bootstrap.into_iter().collect()),
            bootstrap: dial,
        }))
        .bootstrap(dial)
        .shutdown(shutdown.clone())
        .stop_timeout(STOP_TIMEOUT)
        .build()
        .await
}

/// The libp2p address, with its peer ID, of the host `net` (once it listens: it runs).
async fn libp2p_address(net: &NetHandle) -> Result<String> {
    let addrs = tokio::time::timeout(LISTEN_TIMEOUT, net.listening())
        .await
        .map_err(|_| anyhow!("the libp2p host did not listen within {LISTEN_TIMEOUT:?}"))??;
    let addr = addrs.first().context("the libp2p host listens nowhere")?;
    Ok(format!("{addr}/p2p/{}", net.peer_id()))
}

/// Prints how to reach node `plan` (in one write, so that blocks do not mix).
fn announce(plan: &NodePlan, nodes: usize, token: &str, api: SocketAddr, libp2p: &str) {
    let mut text = String::new();
    if nodes > 1 {
        text.push_str(&format!("# node {} of {nodes}\n", plan.number));
    }
    text.push_str(&format!(
        "export FULLNODE_API_INFO={token}:{}\nexport PADMA_PATH={}\n# libp2p: {libp2p}\n\n",
        padma_repo::api_files::api_multiaddr(&api),
        plan.repo.display()
    ));
    print!("{text}");
}

/// The nodes started so far, each running on a task.
#[derive(Default)]
struct Running(Vec<(usize, JoinHandle<Result<()>>)>);

impl Running {
    fn start(
        &mut self,
        number: usize,
        node: Node,
        until: impl Future<Output = ()> + Send + 'static,
    ) {
        self.0.push((number, tokio::spawn(node.run(until))));
    }

    /// Waits for every node to stop; the first failure, naming its node.
    async fn finish(self) -> Result<()> {
        let mut first = None;
        for (number, task) in self.0 {
            let outcome = match task.await {
                Ok(r) => r,
                Err(e) => Err(anyhow!("the node's task ended: {e}")),
            };
            if let Err(e) = outcome {
                if first.is_none() {
                    first = Some(if number == 1 {
                        e
                    } else {
                        e.context(format!("node {number}"))
                    });
                }
            }
        }
        first.map_or(Ok(()), Err)
    }

    /// Stops the nodes started so far because of `why`, and returns it.
    async fn abort(self, shutdown: &Shutdown, why: anyhow::Error) -> anyhow::Error {
        shutdown.request();
        if let Err(e) = self.finish().await {
            tracing::warn!("while stopping after a failed start: {e:#}");
        }
        why
    }
}

/// Runs the devnet's nodes, node 1 with the genesis miner (`worker` in its wallet
/// beside the `accounts`), until a signal, a `Shutdown` call or a failure.
pub async fn run(layout: Layout, worker: &KeyInfo, accounts: &[KeyInfo]) -> Result<()> {
    let shutdown = Shutdown::new();
    let mut signals = Some(padma_service::signals::termination()?);
    let mut running = Running::default();
    let mut bootstrap = None;
    for number in 1..=layout.nodes {
        let started = start_node(&layout, number, worker, accounts, &shutdown, &bootstrap);
        let (plan, token, node) = match started.await {
            Ok(s) => s,
            Err(e) => return Err(running.abort(&shutdown, e).await),
        };
        let api = node.api_addr();
        let net = node.net().cloned();
        // Its services start now (node 1's with the signals); its host listens then.
        match signals.take() {
            Some(signals) => running.start(number, node, signals),
            None => running.start(number, node, std::future::pending()),
        }
        let addr = match &net {
            Some(net) => libp2p_address(net).await,
            None => Err(anyhow!("the node runs without libp2p")),
        };
        match addr {
            Ok(addr) => {
                announce(&plan, layout.nodes, &token, api, &addr);
                bootstrap.get_or_insert(addr);
            }
            Err(e) => {
                let why = e.context(format!("node {number}"));
                return Err(running.abort(&shutdown, why).await);
            }
        }
    }
    running.finish().await
}

/// Prepares and builds node `number` (node 1 with the genesis miner as a service,
/// the others bootstrapping from `bootstrap`).
async fn start_node(
    layout: &Layout,
    number: usize,
    worker: &KeyInfo,
    accounts: &[KeyInfo],
    shutdown: &Shutdown,
    bootstrap: &Option<String>,
) -> Result<(NodePlan, String, Node)> {
    let plan = layout.plan(number)?;
    let mut keys: Vec<&KeyInfo> = Vec::new();
    if number == 1 {
        keys.push(worker);
    }
    keys.extend(accounts);
    let token = prepare_repo(&plan.repo, &keys, accounts.first())
        .map_err(|e| node_start_error(number, e))?;
    let mut node = build(&plan, &layout.dir, shutdown, bootstrap.clone())
        .await
        .map_err(|e| node_start_error(number, e))?;
    if number == 1 {
        let miner = GenesisMiner {
            dir: layout.dir.clone(),
            node: FullNode::new(ApiInfo {
                base_url: format!("http://{}", node.api_addr()),
                token: Some(token.clone()),
            }),
            miner_api: layout.miner_api,
        };
        node.add_service("genesis miner", miner.run(shutdown.clone()));
    }
    Ok((plan, token, node))
}

/// The error of node `number` that could not start: a damaged or vanished datastore
/// gets the way out.
fn node_start_error(number: usize, why: anyhow::Error) -> anyhow::Error {
    let lost_chain = why.downcast_ref::<ChainMissing>().is_some()
        || why.downcast_ref::<padma_store::Corrupt>().is_some();
    let why = why.context(if number == 1 {
        "the full node could not start".to_string()
    } else {
        format!("full node {number} could not start")
    });
    if lost_chain {
        return why.context(
            "the devnet's chain cannot be resumed: `padma devnet --reset` starts a new one",
        );
    }
    why
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn node_i_counts_its_ports_and_repo_from_the_first() {
        assert_eq!(nth_port(1234, 1, "api").unwrap(), 1234);
        assert_eq!(nth_port(1234, 3, "api").unwrap(), 1236);
        assert_eq!(nth_port(0, 5, "api").unwrap(), 0);
        let err = nth_port(65535, 2, "libp2p-port").unwrap_err().to_string();
        assert!(err.contains("--libp2p-port 65535"), "{err}");
        let dir = Path::new("/d");
        assert_eq!(node_repo(dir, 1), dir.join("node"));
        assert_eq!(node_repo(dir, 2), dir.join("node2"));
    }
}
