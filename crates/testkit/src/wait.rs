//! Waits with deadlines: for a file a process writes, for the port it names in its
//! repo's `api` file, and for an RPC answer.

use crate::ports::api_file_port;
use crate::process::{tail, Proc};
use crate::rpc::call_lenient;
use serde_json::Value;
use std::path::Path;
use std::time::{Duration, Instant};

/// How often a wait looks again.
const POLL: Duration = Duration::from_millis(50);

/// Waits until `path` exists (a process writing its `api` file), `proc` running all
/// along; panics, with the end of its log, after `limit`.
pub fn wait_file(path: &Path, proc: &mut Proc, limit: Duration) {
    let deadline = Instant::now() + limit;
    while !path.exists() {
        proc.assert_alive();
        assert!(
            Instant::now() < deadline,
            "{} did not appear within {limit:?}: {}",
            path.display(),
            tail(&proc.output())
        );
        std::thread::sleep(POLL);
    }
}

/// Waits until `proc` names the port its API is bound to in `<repo>/api`, and returns
/// that port; panics, with the end of its log, if it exits first or after `limit`.
pub fn wait_api_port(repo: &Path, proc: &mut Proc, limit: Duration) -> u16 {
    let deadline = Instant::now() + limit;
    loop {
        if let Some(port) = api_file_port(repo) {
            return port;
        }
        proc.assert_alive();
        assert!(
            Instant::now() < deadline,
            "no api file in {} within {limit:?}: {}",
            repo.display(),
            tail(&proc.output())
        );
        std::thread::sleep(POLL);
    }
}

/// Calls `Filecoin.<method>` at `url` until a JSON-RPC answer comes back (a result or
/// an error: the API is up), and returns it; panics after `limit`.
pub async fn wait_rpc(
    url: &str,
    token: Option<&str>,
    method: &str,
    params: Value,
    limit: Duration,
) -> Value {
    let deadline = Instant::now() + limit;
    loop {
        let answer = call_lenient(url, token, method, params.clone()).await;
        if answer.get("jsonrpc").is_some() {
            return answer;
        }
        assert!(
            Instant::now() < deadline,
            "{url} did not answer {method} within {limit:?}: {answer}"
        );
        tokio::time::sleep(POLL).await;
    }
}
