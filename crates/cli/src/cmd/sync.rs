//! `padma sync status` and `padma sync wait`, as Lotus prints them.

use crate::node::Target;
use crate::util::{go_cid_list, go_duration, parse_rfc3339};
use anyhow::Result;
use clap::Subcommand;
use padma_api::chain::ChainHead;
use padma_api::common::Version;
use padma_api::sync::{ActiveSyncJson, SyncState};
use padma_chain::network::MAINNET_BLOCK_DELAY_SECS;
use padma_rpc::client::RpcClient;
use padma_types::json::CidJson;
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

/// The stage a sync worker is in when it has failed.
const STAGE_ERROR: u8 = 5;

/// Lotus's names of the sync stages.
fn stage_name(stage: u8) -> String {
    match stage {
        0 => "idle".into(),
        1 => "header sync".into(),
        2 => "persisting headers".into(),
        3 => "message sync".into(),
        4 => "complete".into(),
        STAGE_ERROR => "error".into(),
        6 => "fetching messages".into(),
        _ => format!("<unknown: {stage}>"),
    }
}

fn now_nanos() -> i128 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_nanos() as i128)
        .unwrap_or(0)
}

/// (base height, target CIDs, target height, height diff) of one ActiveSync.
fn heights(ss: &ActiveSyncJson) -> (i64, &[CidJson], i64, i64) {
    let base_h = ss.base.as_ref().map_or(0, |b| b.height);
    match &ss.target {
        None => (base_h, &[], 0, 0),
        Some(t) => (base_h, &t.cids, t.height, t.height - base_h),
    }
}

async fn status(c: &RpcClient) -> Result<()> {
    let state = c.request::<SyncState>(()).await?;
    println!("sync status:");
    for ss in &state.active_syncs {
        println!("worker {}:", ss.worker_id);
        let (_, target, th, diff) = heights(ss);
        let base: &[CidJson] = ss.base.as_ref().map_or(&[], |b| &b.cids);
        println!("\tBase:\t{}", go_cid_list(base));
        println!("\tTarget:\t{} ({th})", go_cid_list(target));
        println!("\tHeight diff:\t{diff}");
        println!("\tStage: {}", stage_name(ss.stage));
        println!("\tHeight: {}", ss.height);
        let start = parse_rfc3339(&ss.start);
        match parse_rfc3339(&ss.end) {
            Some(end) => println!("\tElapsed: {}", go_duration(end - start.unwrap_or(end))),
            None => {
                if let Some(s) = start {
                    println!("\tElapsed: {}", go_duration(now_nanos() - s));
                }
            }
        }
        if ss.stage == STAGE_ERROR {
            println!("\tError: {}", ss.message);
        }
    }
    Ok(())
}

async fn is_synced(c: &RpcClient, block_delay: u64) -> Result<bool> {
    let head = c.request::<ChainHead>(()).await?;
    let min_ts = head.blocks.iter().map(|b| b.timestamp).min().unwrap_or(0);
    let now = now_nanos() / 1_000_000_000;
    Ok(now - i128::from(min_ts) < i128::from(SYNCED_WITHIN_EPOCHS * block_delay))
}

async fn wait(c: &RpcClient, watch: bool) -> Result<()> {
    let block_delay = c
        .request::<Version>(())
        .await
        .map_or(MAINNET_BLOCK_DELAY_SECS, |v| v.block_delay)
        .max(1);
    let tty = std::io::stdout().is_terminal();
    let mut last = String::new();
    let ctrl_c = tokio::signal::ctrl_c();
    tokio::pin!(ctrl_c);
    loop {
        let state = c.request::<SyncState>(()).await?;
        let syncs = &state.active_syncs;
        // The worker that is busy, else the last one (as Lotus picks it).
        let working = syncs
            .iter()
            .rposition(|s| !matches!(s.stage, 0 | 4))
            .or_else(|| syncs.len().checked_sub(1));
        if let Some(ss) = working.and_then(|i| syncs.get(i)) {
            let (base_h, _, th, diff) = heights(ss);
            let text = format!(
                "Worker: {}; Base: {base_h}; Target: {th} (diff: {diff})\nState: {}; Current Epoch: {}; Todo: {}",
                ss.worker_id,
                stage_name(ss.stage),
                ss.height,
                th - ss.height
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
        assert_eq!(stage_name(4), "complete");
        assert_eq!(stage_name(9), "<unknown: 9>");
        let x = padma_types::cid::cbor_cid(&[0x80]);
        let tipset =
            |height: i64, cids: Vec<CidJson>| json!({"Cids": cids, "Blocks": [], "Height": height});
        let worker = |base, target| -> ActiveSyncJson {
            serde_json::from_value(json!({
                "WorkerID": 1, "Base": base, "Target": target, "Stage": 1, "Height": 0,
                "Start": "", "End": "", "Message": ""
            }))
            .expect("an active sync")
        };
        let ss = worker(tipset(3, vec![]), tipset(10, vec![CidJson(x)]));
        let (b, t, th, d) = heights(&ss);
        assert_eq!((b, th, d), (3, 10, 7));
        assert_eq!(t, [CidJson(x)]);
        let (_, _, th, d) = heights(&worker(tipset(3, vec![]), json!(null)));
        assert_eq!((th, d), (0, 0));
    }
}
