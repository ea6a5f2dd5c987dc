//! `padma mpool ...`: pending messages, a live feed of message pool changes, and nonces.

use crate::node::Target;
use crate::util::{parse_addr, print_json};
use anyhow::{anyhow, bail, Result};
use clap::Subcommand;
use padma_rpc::client_ws::WsClient;
use serde_json::{json, Value};
use std::collections::HashSet;

/// Message pool commands.
#[derive(Subcommand)]
pub enum MpoolCmd {
    /// Print pending messages (each as Lotus's SignedMessage JSON).
    Pending {
        /// Only messages from addresses in the local wallet.
        #[arg(long)]
        local: bool,
        /// Print message CIDs only, one per line.
        #[arg(long)]
        cids: bool,
        /// Only messages to this address.
        #[arg(long)]
        to: Option<String>,
        /// Only messages from this address.
        #[arg(long)]
        from: Option<String>,
    },
    /// Print message pool changes as they happen, until Ctrl-C.
    Sub,
    /// Print the next nonce of an address (counting its pending messages).
    Nonce {
        /// The address.
        address: String,
    },
}

/// The same address, whatever its network prefix.
fn same_addr(a: &str, b: &str) -> bool {
    a.get(1..) == b.get(1..) && !a.is_empty()
}

/// Runs an mpool command.
pub async fn run(cmd: MpoolCmd, target: &Target) -> Result<()> {
    match &cmd {
        MpoolCmd::Pending { to, from, .. } => {
            if let Some(t) = to {
                parse_addr(&format!("given 'to' address {t:?} was invalid"), t)?;
            }
            if let Some(f) = from {
                parse_addr(&format!("given 'from' address {f:?} was invalid"), f)?;
            }
        }
        MpoolCmd::Nonce { address } => {
            parse_addr("address", address)?;
        }
        MpoolCmd::Sub => {}
    }
    match cmd {
        MpoolCmd::Pending {
            local,
            cids,
            to,
            from,
        } => {
            let c = target.client()?;
            let mine: Option<HashSet<String>> = if local {
                let list: Vec<String> = c
                    .call("WalletList", vec![])
                    .await
                    .map_err(|e| anyhow!("getting local addresses: {e}"))?;
                Some(list.into_iter().map(|a| a[1..].to_string()).collect())
            } else {
                None
            };
            let msgs: Vec<Value> = c.call("MpoolPending", vec![json!([])]).await?;
            for m in msgs {
                let mfrom = m["Message"]["From"].as_str().unwrap_or("");
                let mto = m["Message"]["To"].as_str().unwrap_or("");
                if let Some(mine) = &mine {
                    if !mine.contains(mfrom.get(1..).unwrap_or("")) {
                        continue;
                    }
                }
                if to.as_deref().is_some_and(|t| !same_addr(t, mto)) {
                    continue;
                }
                if from.as_deref().is_some_and(|f| !same_addr(f, mfrom)) {
                    continue;
                }
                if cids {
                    println!("{}", m["CID"]["/"].as_str().unwrap_or(""));
                } else {
                    print_json(&m)?;
                }
            }
        }
        MpoolCmd::Sub => {
            let info = target.resolve()?.info;
            let ws = WsClient::connect(&info, "v1").await?;
            let mut sub = ws.subscribe("MpoolSub", vec![]).await?;
            let ctrl_c = tokio::signal::ctrl_c();
            tokio::pin!(ctrl_c);
            loop {
                tokio::select! {
                    update = sub.next() => match update {
                        Some(u) => print_json(&u)?,
                        None => bail!("the node closed the subscription"),
                    },
                    _ = &mut ctrl_c => return Ok(()),
                }
            }
        }
        MpoolCmd::Nonce { address } => {
            let c = target.client()?;
            let n: u64 = c.call("MpoolGetNonce", vec![json!(address)]).await?;
            println!("{n}");
        }
    }
    Ok(())
}
