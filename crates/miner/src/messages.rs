//! Messages the miner sends through its full node: built with the node left to fill
//! nonce and gas, pushed with `MpoolPushMessage` (the node signs), and waited for
//! with `StateWaitMsg`; and the actor methods they call.

use crate::fullnode::FullNode;
use anyhow::{anyhow, bail, Context, Result};
use base64::engine::general_purpose::STANDARD as B64;
use base64::Engine;
use fvm_ipld_encoding::RawBytes;
use fvm_shared::address::Address;
use fvm_shared::econ::TokenAmount;
use padma_types::json::MessageJson;
use padma_types::Message;
use serde_json::{json, Value};

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
pub async fn push(node: &FullNode, msg: &Message) -> Result<String> {
    let signed: Value = node
        .call(
            "MpoolPushMessage",
            vec![serde_json::to_value(MessageJson::from(msg))?, Value::Null],
        )
        .await?;
    signed["CID"]["/"]
        .as_str()
        .map(str::to_string)
        .ok_or_else(|| anyhow!("MpoolPushMessage returned no CID: {signed}"))
}

/// Waits for a message with `confidence` epochs on top (`StateWaitMsg`, no lookback limit).
pub async fn wait(node: &FullNode, cid: &str, confidence: u64) -> Result<Receipt> {
    let r: Value = node
        .call(
            "StateWaitMsg",
            vec![
                json!({ "/": cid }),
                json!(confidence),
                json!(-1),
                json!(true),
            ],
        )
        .await?;
    let rc = &r["Receipt"];
    Ok(Receipt {
        exit_code: rc["ExitCode"]
            .as_i64()
            .ok_or_else(|| anyhow!("StateWaitMsg: no exit code in {r}"))?,
        ret: match rc["Return"].as_str() {
            None | Some("") => Vec::new(),
            Some(s) => B64.decode(s).context("StateWaitMsg: bad Return")?,
        },
        height: r["Height"].as_i64().unwrap_or(0),
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
pub fn message(
    from: Address,
    to: Address,
    method: u64,
    value: TokenAmount,
    params: RawBytes,
) -> Message {
    Message {
        version: 0,
        from,
        to,
        sequence: 0,
        value,
        method_num: method,
        params,
        gas_limit: 0,
        gas_fee_cap: TokenAmount::from_atto(0),
        gas_premium: TokenAmount::from_atto(0),
    }
}
