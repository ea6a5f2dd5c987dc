//! A running `padma-miner run` on a [`Net`], found through the port it names in its
//! repo's `api` file.

use crate::net::Net;
use crate::process::Proc;
use crate::rpc::call_lenient;
use crate::wait::wait_api_port;
use serde_json::{json, Value};
use std::path::PathBuf;
use std::time::{Duration, Instant};

/// A running `padma-miner run`: the process, its API URL and its admin token.
pub struct RunningMiner {
    /// The `padma-miner run` process.
    pub proc: Proc,
    /// The miner API's URL (`http://127.0.0.1:PORT/rpc/v0`).
    pub url: String,
    /// The admin token from the miner repo's `token`.
    pub token: String,
}

/// Starts `padma-miner run --miner-api 0` on the miner repo `repo` of `net` and waits
/// until it names its API's port in the repo's `api` file (an `api` file left by a
/// killed miner is removed first). Each run logs to a new file, `<repo>-run.log`, then
/// `<repo>-run.1.log`, ...
pub fn start_miner(net: &Net, repo: &str) -> RunningMiner {
    let miner_repo = net.dir().join(repo);
    let _ = std::fs::remove_file(miner_repo.join("api"));
    let cmd = net.miner_cmd(repo, &["run", "--miner-api", "0", "--nosync"]);
    let mut proc = Proc::spawn(cmd, new_run_log(net, repo));
    let port = wait_api_port(&miner_repo, &mut proc, Duration::from_secs(120));
    let token = std::fs::read_to_string(miner_repo.join("token"))
        .unwrap()
        .trim()
        .to_string();
    RunningMiner {
        proc,
        url: format!("http://127.0.0.1:{port}/rpc/v0"),
        token,
    }
}

/// The first of `<repo>-run.log`, `<repo>-run.1.log`, ... not there yet in `net`'s
/// directory: a restarted miner keeps the earlier run's log.
fn new_run_log(net: &Net, repo: &str) -> PathBuf {
    let first = net.dir().join(format!("{repo}-run.log"));
    if !first.exists() {
        return first;
    }
    (1..)
        .map(|n| net.dir().join(format!("{repo}-run.{n}.log")))
        .find(|p| !p.exists())
        .unwrap()
}

impl RunningMiner {
    /// A miner API call with the miner's token (the whole JSON-RPC response, or an
    /// error object when no answer came).
    pub async fn call(&self, method: &str, params: Value) -> Value {
        call_lenient(&self.url, Some(&self.token), method, params).await
    }

    /// Waits until sector `n` is in `state` (the miner's `SectorsStatus`), the miner
    /// running all along.
    pub async fn wait_sector_state(&mut self, n: u64, state: &str, limit: Duration) {
        let deadline = Instant::now() + limit;
        loop {
            self.proc.assert_alive();
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
