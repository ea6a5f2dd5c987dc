//! `padma send`: build a message and have the node sign and push it, as `lotus send`.

use crate::node::Target;
use crate::util::{b64_field, parse_addr};
use anyhow::{anyhow, bail, Result};
use base64::engine::general_purpose::STANDARD as B64;
use base64::Engine;
use clap::Args;
use padma_rpc::client::RpcClient;
use padma_types::fil::{parse_atto, parse_fil};
use padma_types::json::SignedMessageJson;
use serde_json::{json, Value};

/// `padma send` arguments.
#[derive(Args)]
pub struct SendArgs {
    /// Recipient address.
    target: String,
    /// Amount in FIL (`1.5`, `1.5 FIL`, or `N attofil`).
    #[arg(allow_hyphen_values = true)]
    amount: String,
    /// Sender (default: the wallet's default address).
    #[arg(long)]
    from: Option<String>,
    /// Gas premium in attoFIL (0: estimated by the node).
    #[arg(long, allow_hyphen_values = true)]
    gas_premium: Option<String>,
    /// Gas fee cap in attoFIL (0: estimated by the node).
    #[arg(long, allow_hyphen_values = true)]
    gas_feecap: Option<String>,
    /// Gas limit (0: estimated by the node).
    #[arg(long, allow_hyphen_values = true)]
    gas_limit: Option<i64>,
    /// Nonce to use (default: the node assigns the next one).
    #[arg(long)]
    nonce: Option<u64>,
    /// Method number to invoke.
    #[arg(long, default_value_t = 0)]
    method: u64,
    /// Parameters as JSON, encoded by the node for the recipient's method.
    #[arg(long, conflicts_with = "params_hex")]
    params_json: Option<String>,
    /// Parameters as hex CBOR.
    #[arg(long)]
    params_hex: Option<String>,
}

/// The message fields checked from the command line.
struct Checked {
    value: String,
    premium: String,
    feecap: String,
    limit: i64,
    params_hex: Option<Vec<u8>>,
    params_json: Option<Value>,
}

fn check(a: &SendArgs) -> Result<Checked> {
    parse_addr("failed to parse target address", &a.target)?;
    if let Some(f) = &a.from {
        parse_addr("--from", f)?;
    }
    let value = parse_fil(&a.amount).map_err(|e| anyhow!("failed to parse amount: {e}"))?;
    if value.starts_with('-') {
        bail!("failed to parse amount: must not be negative");
    }
    let premium = match &a.gas_premium {
        Some(p) => parse_atto("--gas-premium", p).map_err(|e| anyhow!(e))?,
        None => "0".into(),
    };
    let feecap = match &a.gas_feecap {
        Some(p) => parse_atto("--gas-feecap", p).map_err(|e| anyhow!(e))?,
        None => "0".into(),
    };
    let limit = a.gas_limit.unwrap_or(0);
    if limit < 0 {
        bail!("--gas-limit must not be negative");
    }
    let params_hex = match &a.params_hex {
        Some(h) => Some(
            hex::decode(h.trim().trim_start_matches("0x"))
                .map_err(|e| anyhow!("failed to decode hex params: {e}"))?,
        ),
        None => None,
    };
    let params_json = match &a.params_json {
        Some(j) => Some(
            serde_json::from_str::<Value>(j)
                .map_err(|e| anyhow!("failed to decode json params: {e}"))?,
        ),
        None => None,
    };
    Ok(Checked {
        value,
        premium,
        feecap,
        limit,
        params_hex,
        params_json,
    })
}

/// The CID of a signed message as the node returned it (its `CID` field, or computed).
fn signed_cid(sm: &Value) -> Result<String> {
    if let Some(c) = sm["CID"]["/"].as_str() {
        return Ok(c.to_string());
    }
    let parsed: SignedMessageJson = serde_json::from_value(sm.clone())
        .map_err(|e| anyhow!("the node returned an unreadable signed message: {e}"))?;
    let sm = padma_types::SignedMessage::try_from(parsed).map_err(|e| anyhow!(e))?;
    Ok(sm.cid().to_string())
}

async fn encode_json_params(
    c: &RpcClient,
    to: &str,
    method: u64,
    params: Value,
) -> Result<Vec<u8>> {
    let act: Value = c
        .call("StateGetActor", vec![json!(to), json!([])])
        .await
        .map_err(|e| anyhow!("failed to decode json params: {e}"))?;
    let enc: Value = c
        .call(
            "StateEncodeParams",
            vec![act["Code"].clone(), json!(method), params],
        )
        .await
        .map_err(|e| anyhow!("failed to decode json params: {e}"))?;
    b64_field(&enc)
}

/// Runs `padma send`.
pub async fn run(args: SendArgs, target: &Target) -> Result<()> {
    let ck = check(&args)?;
    let c = target.client()?;
    let from = match &args.from {
        Some(f) => f.clone(),
        None => c
            .call::<String>("WalletDefaultAddress", vec![])
            .await
            .map_err(|e| anyhow!("failed to get default address: {e}"))?,
    };
    let params = match (ck.params_hex, ck.params_json) {
        (Some(p), _) => p,
        (None, Some(j)) => encode_json_params(&c, &args.target, args.method, j).await?,
        (None, None) => Vec::new(),
    };
    println!("Sending message from: {from}");
    println!("Sending message to: {}", args.target);
    println!("Using Method: {}", args.method);
    let mut msg = json!({
        "Version": 0,
        "To": args.target,
        "From": from,
        "Nonce": args.nonce.unwrap_or(0),
        "Value": ck.value,
        "GasLimit": ck.limit,
        "GasFeeCap": ck.feecap,
        "GasPremium": ck.premium,
        "Method": args.method,
        "Params": if params.is_empty() { Value::Null } else { json!(B64.encode(&params)) },
    });
    let spec = json!({ "MaxFee": "0" });
    let sm: Value = if args.nonce.is_some() {
        // MpoolPushMessage assigns nonces itself; with an explicit nonce Lotus estimates
        // gas, signs with the wallet and pushes the signed message.
        msg = c
            .call("GasEstimateMessageGas", vec![msg, spec, json!([])])
            .await
            .map_err(|e| anyhow!("estimating gas: {e}"))?;
        let signed: Value = c.call("WalletSignMessage", vec![json!(from), msg]).await?;
        let _: Value = c.call("MpoolPush", vec![signed.clone()]).await?;
        signed
    } else {
        c.call("MpoolPushMessage", vec![msg, spec]).await?
    };
    println!("{}", signed_cid(&sm)?);
    Ok(())
}
