//! Waits on the chains of nodes that follow one another: a head at a height, and two
//! nodes holding the same tipset at a height both have, each with a deadline, the
//! node's process checked all along. Calls go through the typed client.

use crate::daemon::Daemon;
use crate::process::Proc;
use crate::wait::wait_api_port;
use padma_api::chain::ChainHead;
use padma_api::chain_read::ChainGetTipSetByHeight;
use padma_rpc::client::{ApiInfo, RpcClient};
use padma_types::json::block::{TipSetJson, TipSetKeyJson};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

/// How often a wait asks again.
const POLL: Duration = Duration::from_millis(100);

/// A node whose chain a test watches.
pub trait ChainNode {
    /// A typed client of its v1 API with an admin token.
    fn client(&self) -> RpcClient;
    /// Its name in failure messages (its repo).
    fn label(&self) -> String;
    /// Panics, with the end of its log, if its process has exited.
    fn assert_running(&mut self);
}

impl ChainNode for Daemon {
    fn client(&self) -> RpcClient {
        Daemon::client(self)
    }

    fn label(&self) -> String {
        self.repo.display().to_string()
    }

    fn assert_running(&mut self) {
        self.proc.assert_alive();
    }
}

/// A node running inside another node's process (`padma devnet --nodes N`): its repo,
/// API port and admin token. Its process is checked through the node that owns it.
pub struct ApiNode {
    /// The node's repo.
    pub repo: PathBuf,
    /// The port its API listens on.
    pub port: u16,
    /// The admin token from `<repo>/token`.
    pub admin: String,
}

impl ApiNode {
    /// Waits until the node of `repo`, run by `proc`, serves, and reads its token.
    pub fn serving(repo: &Path, proc: &mut Proc, limit: Duration) -> ApiNode {
        let port = wait_api_port(repo, proc, limit);
        let admin = std::fs::read_to_string(repo.join("token"))
            .unwrap()
            .trim()
            .to_string();
        ApiNode {
            repo: repo.to_path_buf(),
            port,
            admin,
        }
    }
}

impl ChainNode for ApiNode {
    fn client(&self) -> RpcClient {
        client(self.port, &self.admin)
    }

    fn label(&self) -> String {
        self.repo.display().to_string()
    }

    fn assert_running(&mut self) {}
}

/// A typed client of the v1 API on loopback `port` with `token`.
pub fn client(port: u16, token: &str) -> RpcClient {
    let info = ApiInfo {
        base_url: format!("http://127.0.0.1:{port}"),
        token: Some(token.to_string()),
    };
    RpcClient::new(&info, "v1")
}

/// The head of `node`, or None while it does not answer.
pub async fn head(node: &impl ChainNode) -> Option<TipSetJson> {
    node.client().request::<ChainHead>(()).await.ok()
}

/// The tipset at `height` on `node`'s chain (the one below for a null round).
pub async fn tipset_at(node: &impl ChainNode, height: i64) -> TipSetJson {
    node.client()
        .request::<ChainGetTipSetByHeight>((Some(height), TipSetKeyJson::default()))
        .await
        .unwrap_or_else(|e| panic!("{}: ChainGetTipSetByHeight {height}: {e}", node.label()))
}

/// Waits until `node`'s head is at `height` or above, the node running all along;
/// returns that head.
pub async fn wait_height(node: &mut impl ChainNode, height: i64, limit: Duration) -> TipSetJson {
    let deadline = Instant::now() + limit;
    loop {
        node.assert_running();
        let now = head(node).await;
        if let Some(h) = now.as_ref().filter(|h| h.height >= height) {
            return h.clone();
        }
        assert!(
            Instant::now() < deadline,
            "{} did not reach height {height} within {limit:?} (at {:?})",
            node.label(),
            now.map(|h| h.height)
        );
        tokio::time::sleep(POLL).await;
    }
}

/// Waits until `follower` has `leader`'s head of now: its head at that height or above
/// and the same tipset as the leader's at that height. Returns that tipset.
pub async fn wait_caught_up(
    leader: &mut impl ChainNode,
    follower: &mut impl ChainNode,
    limit: Duration,
) -> TipSetJson {
    let deadline = Instant::now() + limit;
    let target = wait_height(leader, 0, limit).await.height;
    loop {
        let left = deadline.saturating_duration_since(Instant::now());
        let reached = wait_height(follower, target, left).await;
        // Both have `target` now; their tipsets there agree unless a fork is being
        // settled, which a later look sees resolved.
        let ours = tipset_at(leader, target).await;
        let theirs = tipset_at(follower, target).await;
        if ours.cids == theirs.cids {
            return ours;
        }
        leader.assert_running();
        assert!(
            Instant::now() < deadline,
            "{} and {} hold other tipsets at {target} after {limit:?} (the follower at {}): {:?} / {:?}",
            leader.label(),
            follower.label(),
            reached.height,
            ours.cids,
            theirs.cids
        );
        tokio::time::sleep(POLL).await;
    }
}
