//! What the `padma msig` commands share: reading addresses, amounts and parameters from
//! the command line, pushing the node's prototype and waiting for it, and reporting
//! what the multisig actor returned.

use super::args::SendOpts;
use crate::util::{atto_amount, parse_addr};
use anyhow::{anyhow, bail, Context, Result};
use fil_actor_multisig_state::v18 as msig;
use padma_api::gas::MessageSendSpecJson;
use padma_api::mpool::MpoolPushMessage;
use padma_api::msg_search::{MsgLookupJson, StateWaitMsg};
use padma_api::msig::MessagePrototypeJson;
use padma_api::wallet::WalletDefaultAddress;
use padma_rpc::client::RpcClient;
use padma_types::fil::parse_fil;
use padma_types::json::{AddressJson, BytesJson, CidJson, TokenAmountJson};

pub(super) fn addr(what: &str, s: &str) -> Result<AddressJson> {
    parse_addr(what, s)
}

pub(super) fn fil(what: &str, s: &str) -> Result<TokenAmountJson> {
    let v = parse_fil(s).map_err(|e| anyhow!("failed to parse {what}: {e}"))?;
    if v.starts_with('-') {
        bail!("failed to parse {what}: must not be negative");
    }
    Ok(TokenAmountJson(atto_amount(&v)?))
}

/// A transaction's recipient, value, method and parameters as the command line gives
/// them (method 0 and no parameters when left out).
pub(super) struct TxnDetails {
    /// The recipient.
    pub to: AddressJson,
    /// The value, attoFIL.
    pub value: TokenAmountJson,
    /// The method number.
    pub method: u64,
    /// The parameters.
    pub params: BytesJson,
}

/// Reads a transaction's details from the command line.
pub(super) fn txn_details(
    destination: &str,
    value: &str,
    method: Option<u64>,
    params: Option<&str>,
) -> Result<TxnDetails> {
    Ok(TxnDetails {
        to: addr("destination address", destination)?,
        value: fil("value", value)?,
        method: method.unwrap_or(0),
        params: hex_params(params)?,
    })
}

fn hex_params(p: Option<&str>) -> Result<BytesJson> {
    match p {
        None => Ok(BytesJson::default()),
        Some(h) => hex::decode(h.trim().trim_start_matches("0x"))
            .map(BytesJson)
            .map_err(|e| anyhow!("failed to decode hex params: {e}")),
    }
}

pub(super) async fn sender(c: &RpcClient, opts: &SendOpts) -> Result<AddressJson> {
    match &opts.from {
        Some(f) => addr("--from", f),
        None => c
            .request::<WalletDefaultAddress>(())
            .await
            .map_err(|e| anyhow!("failed to get default address: {e}")),
    }
}

/// Pushes a prototype with the node's wallet, prints `sent <what> in message: CID`,
/// waits for it and fails on a non-zero exit code.
pub(super) async fn publish(
    c: &RpcClient,
    proto: MessagePrototypeJson,
    what: &str,
    confidence: u64,
) -> Result<MsgLookupJson> {
    let signed = c
        .request::<MpoolPushMessage>((proto.message, Some(MessageSendSpecJson::default())))
        .await?;
    let cid = padma_types::SignedMessage::try_from(signed)
        .map_err(|e| anyhow!("the node returned an unreadable signed message: {e}"))?
        .cid();
    println!("sent {what} in message:  {cid}");
    let lookup = c
        .request::<StateWaitMsg>((CidJson(cid), Some(confidence), Some(-1), Some(true)))
        .await?;
    if lookup.receipt.exit_code != 0 {
        bail!("{what} returned exit {}", lookup.receipt.exit_code);
    }
    Ok(lookup)
}

pub(super) fn decode<T: serde::de::DeserializeOwned>(what: &str, bytes: &[u8]) -> Result<T> {
    fvm_ipld_encoding::from_slice(bytes).with_context(|| format!("decoding the {what} return"))
}

/// Reports an inner transaction the propose or approve executed.
pub(super) fn report_applied(applied: bool, code: u32, ret: &[u8], when: &str) {
    if applied {
        println!("Transaction was executed during {when}");
        println!("Exit Code: {code}");
        println!("Return Value: {}", hex::encode(ret));
    }
}

pub(super) fn report_propose(lookup: &MsgLookupJson) -> Result<()> {
    let r: msig::ProposeReturn = decode("propose", &lookup.receipt.return_data.0)?;
    println!("Transaction ID: {}", r.txn_id.0);
    report_applied(r.applied, r.code.value(), &r.ret, "propose");
    Ok(())
}

pub(super) fn report_approve(lookup: &MsgLookupJson) -> Result<()> {
    let r: msig::ApproveReturn = decode("approve", &lookup.receipt.return_data.0)?;
    report_applied(r.applied, r.code.value(), &r.ret, "approve");
    Ok(())
}
