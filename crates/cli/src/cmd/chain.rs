//! `padma chain ...`: the head, blocks, messages and a segment of the chain, printed as
//! Lotus's `lotus chain` prints them.

use crate::node::Target;
use crate::util::{b64_field, cid_json, cid_strings, go_stamp, parse_cid, print_json};
use anyhow::{anyhow, Context, Result};
use clap::Subcommand;
use padma_rpc::client::{ClientError, RpcClient};
use padma_types::json::{MessageJson, SignedMessageJson};
use serde_json::{json, Map, Value};

/// Chain commands.
#[derive(Subcommand)]
pub enum ChainCmd {
    /// Print the chain head: one block CID per line.
    Head {
        /// Print just the epoch of the head.
        #[arg(long)]
        height: bool,
    },
    /// Print a block header (with its messages and parent receipts where the node serves them).
    #[command(visible_alias = "getblock")]
    GetBlock {
        /// The block CID.
        cid: String,
        /// Print just the block header.
        #[arg(long)]
        raw: bool,
    },
    /// Print a message (or signed message) by its CID.
    #[command(name = "get-message", visible_aliases = ["getmessage", "get-msg"])]
    GetMessage {
        /// The message CID.
        cid: String,
    },
    /// Print a segment of the chain, oldest first: `EPOCH: (TIME) [ CID: MINER, ... ]`.
    #[command(visible_alias = "love")]
    List {
        /// Start at this epoch instead of the head.
        #[arg(long, visible_alias = "epoch")]
        height: Option<u64>,
        /// Number of tipsets.
        #[arg(long, default_value_t = 30)]
        count: i64,
        /// Line format with placeholders <epoch>, <time>, <blocks>, <weight>, <tipset>, <json_tipset>.
        #[arg(long, default_value = "<epoch>: (<time>) <blocks>")]
        format: String,
    },
}

/// True when the node does not serve a method (go-jsonrpc's -32601).
fn not_served(e: &ClientError) -> bool {
    matches!(e, ClientError::Rpc(r) if r.code == padma_rpc::error::METHOD_NOT_FOUND)
}

async fn get_block(c: &RpcClient, cid: &str, raw: bool) -> Result<()> {
    let bcid = cid_json(&parse_cid("block CID", cid)?);
    let blk: Value = c
        .call("ChainGetBlock", vec![bcid.clone()])
        .await
        .map_err(|e| anyhow!("get block failed: {e}"))?;
    if raw {
        return print_json(&blk);
    }
    let extra = async {
        let msgs: Value = c.call("ChainGetBlockMessages", vec![bcid.clone()]).await?;
        let pmsgs: Value = c.call("ChainGetParentMessages", vec![bcid.clone()]).await?;
        let rcpts: Value = c
            .call("ChainGetParentReceipts", vec![bcid.clone()])
            .await
            .unwrap_or(Value::Null);
        Ok::<_, ClientError>((msgs, pmsgs, rcpts))
    }
    .await;
    let (msgs, pmsgs, rcpts) = match extra {
        Ok(x) => x,
        // A node that serves only the header still gets Lotus's header JSON.
        Err(e) if not_served(&e) => return print_json(&blk),
        Err(e) => return Err(anyhow!("failed to get messages: {e}")),
    };
    let mut out: Map<String, Value> = blk.as_object().cloned().unwrap_or_default();
    out.insert("BlsMessages".into(), msgs["BlsMessages"].clone());
    out.insert("SecpkMessages".into(), msgs["SecpkMessages"].clone());
    out.insert("ParentReceipts".into(), rcpts);
    let pcids: Vec<Value> = pmsgs
        .as_array()
        .map(|a| a.iter().map(|m| m["Cid"].clone()).collect())
        .unwrap_or_default();
    out.insert("ParentMessages".into(), Value::Array(pcids));
    print_json(&Value::Object(out))
}

async fn get_message(c: &RpcClient, cid: &str) -> Result<()> {
    let mcid = cid_json(&parse_cid("message CID", cid)?);
    // As Lotus does: read the object and decode it as a message, then as a signed one.
    let raw: Value = c
        .call("ChainReadObj", vec![mcid])
        .await
        .map_err(|e| anyhow!("failed to read object: {e}"))?;
    let bytes = b64_field(&raw)?;
    // Print addresses with the node's network prefix (`t` on test networks), as a Lotus
    // binary built for that network would: the head block's miner shows which it is.
    if let Ok(head) = c.call::<Value>("ChainHead", vec![]).await {
        let testnet = head["Blocks"][0]["Miner"]
            .as_str()
            .is_some_and(|m| m.starts_with('t'));
        padma_types::address::set_network(if testnet {
            padma_types::Network::Testnet
        } else {
            padma_types::Network::Mainnet
        });
    }
    if let Ok(m) = padma_types::message::decode_message(&bytes) {
        return print_json(&MessageJson::from(&m));
    }
    let sm = padma_types::message::decode_signed_message(&bytes)
        .map_err(|e| anyhow!("failed to decode object as a message: {e}"))?;
    print_json(&SignedMessageJson::from(&sm))
}

/// One tipset in `chain list`'s format.
fn format_tipset(format: &str, ts: &Value) -> String {
    let blocks = ts["Blocks"].as_array().cloned().unwrap_or_default();
    let cids = cid_strings(&ts["Cids"]);
    let min_ts = blocks
        .iter()
        .filter_map(|b| b["Timestamp"].as_i64())
        .min()
        .unwrap_or(0);
    let mut blks = String::from("[ ");
    for (i, b) in blocks.iter().enumerate() {
        let cid = cids.get(i).map(String::as_str).unwrap_or("?");
        blks += &format!("{cid}: {},", b["Miner"].as_str().unwrap_or("?"));
    }
    blks += " ]";
    let height = ts["Height"].to_string();
    let mut out = format
        .replace("<epoch>", &height)
        .replace("<height>", &height)
        .replace("<time>", &go_stamp(min_ts))
        .replace("<tipset>", &cids.join(","))
        .replace("<blocks>", &blks);
    if out.contains("<json_tipset>") {
        out = out.replace("<json_tipset>", &ts.to_string());
    }
    let weight = blocks
        .first()
        .and_then(|b| b["ParentWeight"].as_str())
        .unwrap_or("0");
    out.replace("<weight>", weight)
}

async fn list(c: &RpcClient, height: Option<u64>, count: i64, format: &str) -> Result<()> {
    let mut ts: Value = match height {
        Some(h) => {
            c.call("ChainGetTipSetByHeight", vec![json!(h), json!([])])
                .await?
        }
        None => c.call("ChainHead", vec![]).await?,
    };
    if count < 1 {
        return Ok(());
    }
    let mut tss = vec![ts.clone()];
    for _ in 1..count {
        if ts["Height"].as_i64().unwrap_or(0) == 0 {
            break;
        }
        let parents = ts["Blocks"][0]["Parents"].clone();
        ts = c
            .call("ChainGetTipSet", vec![parents])
            .await
            .context("walking back the chain")?;
        tss.push(ts.clone());
    }
    for ts in tss.iter().rev() {
        println!("{}", format_tipset(format, ts));
    }
    Ok(())
}

/// Runs a chain command.
pub async fn run(cmd: ChainCmd, target: &Target) -> Result<()> {
    // Input is checked before the node is contacted, so bad input fails the same way
    // whether or not a node runs.
    match &cmd {
        ChainCmd::GetBlock { cid, .. } => {
            parse_cid("block CID", cid)?;
        }
        ChainCmd::GetMessage { cid } => {
            parse_cid("message CID", cid)?;
        }
        _ => {}
    }
    let c = target.client()?;
    match cmd {
        ChainCmd::Head { height } => {
            let head: Value = c.call("ChainHead", vec![]).await?;
            if height {
                println!("{}", head["Height"]);
            } else {
                for cid in cid_strings(&head["Cids"]) {
                    println!("{cid}");
                }
            }
        }
        ChainCmd::GetBlock { cid, raw } => get_block(&c, &cid, raw).await?,
        ChainCmd::GetMessage { cid } => get_message(&c, &cid).await?,
        ChainCmd::List {
            height,
            count,
            format,
        } => list(&c, height, count, &format).await?,
    }
    Ok(())
}
