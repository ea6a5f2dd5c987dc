//! `padma sync status` and `padma sync wait`, as Lotus prints them.

use crate::node::Target;
use crate::util::{go_cid_list, go_duration, parse_rfc3339};
use anyhow::Result;
use clap::Subcommand;
use padma_chain::network::MAINNET_BLOCK_DELAY_SECS;
use padma_rpc::client::RpcClient;
use serde_json::Value;
use std::io::{IsTerminal, Write};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// Sync commands.
#[derive(Subcommand)]
pub enum SyncCmd {
    /// Print the state of the chain sync workers.
    Status,
    /// Wait until the node's head is close to wall-clock time.
    Wait {
        /// Keep watching after the node is synced.
        #[arg(long)]
        watch: bool,
    },
}

/// Epochs the head may lag behind wall-clock time and still count as synced.
const SYNCED_WITHIN_EPOCHS: u64 = 2;

/// Lotus's names of the sync stages.
fn stage_name(v: &Value) -> String {
    match v.as_i64() {
        Some(0) => "idle".into(),
        Some(1) => "header sync".into(),
        Some(2) => "persisting headers".into(),
        Some(3) => "message sync".into(),
        Some(4) => "complete".into(),
        Some(5) => "error".into(),
        Some(6) => "fetching messages".into(),
        _ => format!("<unknown: {v}>"),
    }
}

fn now_nanos() -> i128 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_nanos() as i128)
        .unwrap_or(0)
}

/// (base height, target CIDs, target height, height diff) of one ActiveSync.
fn heights(ss: &Value) -> (i64, Value, i64, i64) {
    let mut diff = 0;
    let mut base_h = 0;
    if !ss["Base"].is_null() {
        base_h = ss["Base"]["Height"].as_i64().unwrap_or(0);
        diff = base_h;
    }
    let (target, th) = if ss["Target"].is_null() {
        diff = 0;
        (Value::Null, 0)
    } else {
        let th = ss["Target"]["Height"].as_i64().unwrap_or(0);
        diff = th - diff;
        (ss["Target"]["Cids"].clone(), th)
    };
    (base_h, target, th, diff)
}

async fn status(c: &RpcClient) -> Result<()> {
    let state: Value = c.call("SyncState", vec![]).await?;
    println!("sync status:");
    for ss in state["ActiveSyncs"].as_array().cloned().unwrap_or_default() {
        println!("worker {}:", ss["WorkerID"]);
        let (_, target, th, diff) = heights(&ss);
        println!("\tBase:\t{}", go_cid_list(&ss["Base"]["Cids"]));
        println!("\tTarget:\t{} ({th})", go_cid_list(&target));
        println!("\tHeight diff:\t{diff}");
        println!("\tStage: {}", stage_name(&ss["Stage"]));
        println!("\tHeight: {}", ss["Height"]);
        let start = ss["Start"].as_str().and_then(parse_rfc3339);
        match ss["End"].as_str().and_then(parse_rfc3339) {
            Some(end) => println!("\tElapsed: {}", go_duration(end - start.unwrap_or(end))),
            None => {
                if let Some(s) = start {
                    println!("\tElapsed: {}", go_duration(now_nanos() - s));
                }
            }
        }
        if ss["Stage"].as_i64() == Some(5) {
            println!("\tError: {}", ss["Message"].as_str().unwrap_or(""));
        }
    }
    Ok(())
}

async fn is_synced(c: &RpcClient, block_delay: u64) -> Result<bool> {
    let head: Value = c.call("ChainHead", vec![]).await?;
    let min_ts = head["Blocks"]
        .as_array()
        .and_then(|b| b.iter().filter_map(|b| b["Timestamp"].as_i64()).min())
        .unwrap_or(0);
    let now = now_nanos() / 1_000_000_000;
    Ok(now - i128::from(min_ts) < i128::from(SYNCED_WITHIN_EPOCHS * block_delay))
}

async fn wait(c: &RpcClient, watch: bool) -> Result<()> {
    let block_delay = c
        .call::<Value>("Version", vec![])
        .await
        .ok()
        .and_then(|v| v["BlockDelay"].as_u64())
        .unwrap_or(MAINNET_BLOCK_DELAY_SECS)
        .max(1);
    let tty = std::io::stdout().is_terminal();
    let mut last = String::new();
    let ctrl_c = tokio::signal::ctrl_c();
    tokio::pin!(ctrl_c);
    loop {
        let state: Value = c.call("SyncState", vec![]).await?;
        let syncs = state["ActiveSyncs"].as_array().cloned().unwrap_or_default();
        // The worker that is busy, else the last one (as Lotus picks it).
        let working = syncs
            .iter()
            .rposition(|s| !matches!(s["Stage"].as_i64(), Some(0) | Some(4)))
            .or_else(|| syncs.len().checked_sub(1));
        if let Some(ss) = working.and_then(|i| syncs.get(i)) {
            let (base_h, _, th, diff) = heights(ss);
            let height = ss["Height"].as_i64().unwrap_or(0);
            let text = format!(
                "Worker: {}; Base: {base_h}; Target: {th} (diff: {diff})\nState: {}; Current Epoch: {height}; Todo: {}",
                ss["WorkerID"],
                stage_name(&ss["Stage"]),
                th - height
            );
            if text != last {
                if tty && !last.is_empty() {
                    // Move up over the previous two lines and clear them.
                    print!("\r\x1b[2K\x1b[A\r\x1b[2K\x1b[A");
                }
                println!("{text}");
                let _ = std::io::stdout().flush();
                last = text;
            }
        }
        if !watch && is_synced(c, block_delay).await? {
            println!("\nDone!");
            return Ok(());
        }
        tokio::select! {
            _ = tokio::time::sleep(Duration::from_millis(500)) => {}
            _ = &mut ctrl_c => {
                println!("\nExit by user");
                return Ok(());
            }
        }
    }
}

/// Runs a sync command.
pub async fn run(cmd: SyncCmd, target: &Target) -> Result<()> {
    let c = target.client()?;
    match cmd {
        SyncCmd::Status => status(&c).await,
        SyncCmd::Wait { watch } => wait(&c, watch).await,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn stages_and_heights() {
        assert_eq!(stage_name(&json!(4)), "complete");
        assert_eq!(stage_name(&json!(9)), "<unknown: 9>");
        let ss = json!({"Base": {"Height": 3, "Cids": []}, "Target": {"Height": 10, "Cids": [{"/": "x"}]}});
        let (b, t, th, d) = heights(&ss);
        assert_eq!((b, th, d), (3, 10, 7));
        assert_eq!(t, json!([{"/": "x"}]));
        let (_, _, th, d) = heights(&json!({"Base": {"Height": 3}, "Target": null}));
        assert_eq!((th, d), (0, 0));
    }
}
