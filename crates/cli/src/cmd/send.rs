//! `padma send`: build a message and have the node sign and push it, as `lotus send`.

use crate::node::Target;
use crate::util::{atto_amount, parse_addr};
use anyhow::{anyhow, bail, Result};
use clap::Args;
use padma_api::gas::{GasEstimateMessageGas, MessageSendSpecJson};
use padma_api::mpool::{MpoolPush, MpoolPushMessage};
use padma_api::state::{StateEncodeParams, StateGetActor};
use padma_api::wallet::{WalletDefaultAddress, WalletSignMessage};
use padma_rpc::client::RpcClient;
use padma_types::fil::{parse_atto, parse_fil};
use padma_types::json::block::TipSetKeyJson;
use padma_types::json::{AddressJson, MessageJson, SignedMessageJson};
use padma_types::TokenAmount;
use serde_json::Value;

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
    to: AddressJson,
    from: Option<AddressJson>,
    value: TokenAmount,
    premium: TokenAmount,
    feecap: TokenAmount,
    limit: u64,
    params_hex: Option<Vec<u8>>,
    params_json: Option<Value>,
}

fn check(a: &SendArgs) -> Result<Checked> {
    let to = parse_addr("failed to parse target address", &a.target)?;
    let from = match &a.from {
        Some(f) => Some(parse_addr("--from", f)?),
        None => None,
    };
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
    let limit = u64::try_from(a.gas_limit.unwrap_or(0))
        .map_err(|_| anyhow!("--gas-limit must not be negative"))?;
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
        to,
        from,
        value: atto_amount(&value)?,
        premium: atto_amount(&premium)?,
        feecap: atto_amount(&feecap)?,
        limit,
        params_hex,
        params_json,
    })
}

/// The CID of a signed message.
fn signed_cid(sm: SignedMessageJson) -> Result<String> {
    let sm = padma_types::SignedMessage::try_from(sm)
        .map_err(|e| anyhow!("the node returned an unreadable signed message: {e}"))?;
    Ok(sm.cid().to_string())
}

async fn encode_json_params(
    c: &RpcClient,
    to: AddressJson,
    method: u64,
    params: Value,
) -> Result<Vec<u8>> {
    let fail = |e| anyhow!("failed to decode json params: {e}");
    let act = c
        .request::<StateGetActor>((to, TipSetKeyJson::default()))
        .await
        .map_err(fail)?;
    let encoded = c
        .request::<StateEncodeParams>((act.code, method, params))
        .await
        .map_err(fail)?;
    Ok(encoded.0)
}

/// Runs `padma send`.
pub async fn run(args: SendArgs, target: &Target) -> Result<()> {
    let ck = check(&args)?;
    let c = target.client()?;
    let from = match ck.from {
        Some(f) => f,
        None => c
            .request::<WalletDefaultAddress>(())
            .await
            .map_err(|e| anyhow!("failed to get default address: {e}"))?,
    };
    let params = match (ck.params_hex, ck.params_json) {
        (Some(p), _) => p,
        (None, Some(j)) => encode_json_params(&c, ck.to, args.method, j).await?,
        (None, None) => Vec::new(),
    };
    match &args.from {
        Some(given) => println!("Sending message from: {given}"),
        None => println!("Sending message from: {}", from.0),
    }
    println!("Sending message to: {}", args.target);
    println!("Using Method: {}", args.method);
    let msg = MessageJson {
        version: 0,
        to: ck.to.0,
        from: from.0,
        nonce: args.nonce.unwrap_or(0),
        value: ck.value,
        gas_limit: ck.limit,
        gas_fee_cap: ck.feecap,
        gas_premium: ck.premium,
        method: args.method,
        params,
        cid: None,
    };
    let spec = MessageSendSpecJson::default();
    let sm = if args.nonce.is_some() {
        // MpoolPushMessage assigns nonces itself; with an explicit nonce Lotus estimates
        // gas, signs with the wallet and pushes the signed message.
        let msg = c
            .request::<GasEstimateMessageGas>((msg, Some(spec), TipSetKeyJson::default()))
            .await
            .map_err(|e| anyhow!("estimating gas: {e}"))?;
        let signed = c.request::<WalletSignMessage>((from, msg)).await?;
        c.request::<MpoolPush>((signed.clone(),)).await?;
        signed
    } else {
        c.request::<MpoolPushMessage>((msg, Some(spec))).await?
    };
    println!("{}", signed_cid(sm)?);
    Ok(())
}
