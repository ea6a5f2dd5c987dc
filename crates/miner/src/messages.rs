//! Messages the miner sends through its full node: built with the node left to fill
//! nonce and gas, pushed with `MpoolPushMessage` (the node signs), and waited for
//! with `StateWaitMsg`; and the actor methods they call.

use crate::fullnode::FullNode;
use anyhow::{anyhow, bail, Context, Result};
use cid::Cid;
use padma_api::mpool::MpoolPushMessage;
use padma_api::msg_search::StateWaitMsg;
use padma_types::json::{CidJson, MessageJson};
use padma_types::{Message, SignedMessage};

/// A message receipt as `StateWaitMsg` returns it.
#[derive(Debug, Clone)]
pub struct Receipt {
    /// Exit code.
    pub exit_code: i64,
    /// Return bytes.
    pub ret: Vec<u8>,
    /// The tipset height the message landed in.
    pub height: i64,
}

/// Pushes `msg` through `MpoolPushMessage` (the node fills nonce and gas and signs);
/// returns the signed message's CID.
pub async fn push(node: &FullNode, msg: &Message) -> Result<Cid> {
    let signed = node
        .request::<MpoolPushMessage>((MessageJson::from(msg), None))
        .await?;
    let signed = SignedMessage::try_from(signed).map_err(|e| anyhow!("MpoolPushMessage: {e}"))?;
    Ok(signed.cid())
}

/// Waits for a message with `confidence` epochs on top (`StateWaitMsg`, no lookback
/// limit, replacements allowed).
pub async fn wait(node: &FullNode, cid: &Cid, confidence: u64) -> Result<Receipt> {
    let r = node
        .request::<StateWaitMsg>((CidJson(*cid), Some(confidence), Some(-1), Some(true)))
        .await?;
    Ok(Receipt {
        exit_code: i64::from(r.receipt.exit_code),
        ret: r.receipt.return_data.0,
        height: r.height,
    })
}

/// Pushes a message, waits for it and requires exit code 0.
pub async fn push_and_wait(
    node: &FullNode,
    msg: &Message,
    confidence: u64,
    what: &str,
) -> Result<Receipt> {
    let cid = push(node, msg)
        .await
        .with_context(|| format!("sending {what}"))?;
    eprintln!("{what}: message {cid} sent, waiting for it to land");
    let r = wait(node, &cid, confidence)
        .await
        .with_context(|| format!("waiting for {what} ({cid})"))?;
    if r.exit_code != 0 {
        bail!("{what} ({cid}) failed with exit code {}", r.exit_code);
    }
    Ok(r)
}

/// A message with the node left to fill nonce and gas.
pub use padma_types::message::unpriced_message as message;
