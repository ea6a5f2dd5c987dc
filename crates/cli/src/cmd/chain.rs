//! `padma chain ...`: the head, blocks, messages and a segment of the chain, printed as
//! Lotus's `lotus chain` prints them.

use crate::message_cids::{message_with_cid, signed_message_with_cids};
use crate::node::Target;
use crate::util::{cid_strings, go_stamp, parse_cid, print_json};
use anyhow::{anyhow, bail, Context, Result};
use clap::Subcommand;
use padma_api::chain::{ChainGetBlock, ChainHead, ChainReadObj};
use padma_api::chain_read::{
    ChainGetBlockMessages, ChainGetParentMessages, ChainGetParentReceipts, ChainGetTipSet,
    ChainGetTipSetByHeight, ReceiptJson,
};
use padma_rpc::client::{ClientError, RpcClient};
use padma_types::block::TipSetKey;
use padma_types::json::block::{BlockHeaderJson, TipSetJson, TipSetKeyJson};
use padma_types::json::{CidJson, MessageJson, SignedMessageJson};
use serde::Serialize;

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

/// `chain get-block`'s answer: the header's fields, then the block's messages, the
/// receipts of its parent's messages and their CIDs.
#[derive(Serialize)]
struct BlockWithMessages {
    #[serde(flatten)]
    header: BlockHeaderJson,
    #[serde(rename = "BlsMessages")]
    bls_messages: Vec<MessageJson>,
    #[serde(rename = "SecpkMessages")]
    secpk_messages: Vec<SignedMessageJson>,
    #[serde(rename = "ParentReceipts")]
    parent_receipts: Option<Vec<ReceiptJson>>,
    #[serde(rename = "ParentMessages")]
    parent_messages: Vec<CidJson>,
}

async fn get_block(c: &RpcClient, cid: &str, raw: bool) -> Result<()> {
    let bcid = CidJson(parse_cid("block CID", cid)?);
    let header = c
        .request::<ChainGetBlock>((bcid,))
        .await
        .map_err(|e| anyhow!("get block failed: {e}"))?;
    if raw {
        return print_json(&header);
    }
    let extra = async {
        let msgs = c.request::<ChainGetBlockMessages>((bcid,)).await?;
        let pmsgs = c.request::<ChainGetParentMessages>((bcid,)).await?;
        let rcpts = c
            .request::<ChainGetParentReceipts>((bcid,))
            .await
            .ok()
            .flatten();
        Ok::<_, ClientError>((msgs, pmsgs, rcpts))
    }
    .await;
    let (msgs, pmsgs, rcpts) = match extra {
        Ok(x) => x,
        // A node that serves only the header still gets Lotus's header JSON.
        Err(e) if not_served(&e) => return print_json(&header),
        Err(e) => return Err(anyhow!("failed to get messages: {e}")),
    };
    print_json(&BlockWithMessages {
        header,
        bls_messages: msgs
            .bls_messages
            .into_iter()
            .map(message_with_cid)
            .collect(),
        secpk_messages: msgs
            .secpk_messages
            .into_iter()
            .map(signed_message_with_cids)
            .collect(),
        parent_receipts: rcpts,
        parent_messages: pmsgs
            .unwrap_or_default()
            .into_iter()
            .map(|m| m.cid)
            .collect(),
    })
}

async fn get_message(c: &RpcClient, cid: &str) -> Result<()> {
    let mcid = CidJson(parse_cid("message CID", cid)?);
    // As Lotus does: read the object and decode it as a message, then as a signed one.
    let bytes = c
        .request::<ChainReadObj>((mcid,))
        .await
        .map_err(|e| anyhow!("failed to read object: {e}"))?
        .0;
    if let Ok(m) = padma_types::message::decode_message(&bytes) {
        return print_json(&MessageJson::from(&m));
    }
    let sm = padma_types::message::decode_signed_message(&bytes)
        .map_err(|e| anyhow!("failed to decode object as a message: {e}"))?;
    print_json(&SignedMessageJson::from(&sm))
}

/// One tipset in `chain list`'s format.
fn format_tipset(format: &str, ts: &TipSetJson) -> Result<String> {
    let cids = cid_strings(&ts.cids);
    let min_ts = ts.blocks.iter().map(|b| b.timestamp).min().unwrap_or(0);
    let mut blks = String::from("[ ");
    for (i, b) in ts.blocks.iter().enumerate() {
        let cid = cids.get(i).map(String::as_str).unwrap_or("?");
        blks += &format!("{cid}: {},", b.miner);
    }
    blks += " ]";
    let height = ts.height.to_string();
    let mut out = format
        .replace("<epoch>", &height)
        .replace("<height>", &height)
        .replace(
            "<time>",
            &go_stamp(i64::try_from(min_ts).unwrap_or(i64::MAX)),
        )
        .replace("<tipset>", &cids.join(","))
        .replace("<blocks>", &blks);
    if out.contains("<json_tipset>") {
        out = out.replace("<json_tipset>", &serde_json::to_string(ts)?);
    }
    let weight = ts
        .blocks
        .first()
        .map(|b| b.parent_weight.to_string())
        .unwrap_or_else(|| "0".into());
    Ok(out.replace("<weight>", &weight))
}

async fn list(c: &RpcClient, height: Option<u64>, count: i64, format: &str) -> Result<()> {
    let mut ts = match height {
        Some(h) => {
            let h = i64::try_from(h).map_err(|_| anyhow!("--height {h} is past any epoch"))?;
            c.request::<ChainGetTipSetByHeight>((Some(h), TipSetKeyJson::default()))
                .await?
        }
        None => c.request::<ChainHead>(()).await?,
    };
    if count < 1 {
        return Ok(());
    }
    let mut tss = vec![ts.clone()];
    for _ in 1..count {
        if ts.height == 0 {
            break;
        }
        let Some(first) = ts.blocks.first() else {
            bail!(
                "the node answered a tipset without blocks at epoch {}",
                ts.height
            );
        };
        let parents = TipSetKeyJson(TipSetKey(first.parents.iter().map(|p| p.0).collect()));
        ts = c
            .request::<ChainGetTipSet>((parents,))
            .await
            .context("walking back the chain")?;
        tss.push(ts.clone());
    }
    for ts in tss.iter().rev() {
        println!("{}", format_tipset(format, ts)?);
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
            let head = c.request::<ChainHead>(()).await?;
            if height {
                println!("{}", head.height);
            } else {
                for cid in cid_strings(&head.cids) {
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
