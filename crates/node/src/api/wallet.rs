//! Wallet methods.

use super::NodeState;
use padma_rpc::method::{to_value, CallResult};
use padma_rpc::{CallCtx, Params, RpcError};
use padma_types::crypto::{verify_signature, KeyInfo, KeyType};
use padma_types::json::{
    AddressJson, BytesJson, KeyInfoJson, MessageJson, SignatureJson, SignedMessageJson,
};
use padma_types::message::message_signing_bytes;
use padma_types::{Message, Signature, SignedMessage};
use std::str::FromStr;
use std::sync::Arc;

fn err(e: impl std::fmt::Display) -> RpcError {
    RpcError::handler(e.to_string())
}

fn addr(p: &Params, i: usize) -> Result<padma_types::Address, RpcError> {
    Ok(p.get::<AddressJson>(i)?.0)
}

/// `WalletNew`: a new key of type `bls` or `secp256k1`.
pub async fn wallet_new(s: Arc<NodeState>, _c: CallCtx, p: Params) -> CallResult {
    let kt: serde_json::Value = p.get(0)?;
    let kt = match kt.as_str() {
        Some(name) => {
            KeyType::from_str(name).map_err(|e| RpcError::invalid_params(e.to_string()))?
        }
        None => {
            return Err(RpcError::invalid_params(
                "key type must be a string: \"bls\" or \"secp256k1\"",
            ))
        }
    };
    let a = s.wallet.new_key(kt).map_err(err)?;
    to_value(AddressJson(a))
}

/// `WalletList`: all key addresses.
pub async fn wallet_list(s: Arc<NodeState>, _c: CallCtx, _p: Params) -> CallResult {
    let list = s.wallet.list().map_err(err)?;
    to_value(list.into_iter().map(AddressJson).collect::<Vec<_>>())
}

/// `WalletHas`.
pub async fn wallet_has(s: Arc<NodeState>, _c: CallCtx, p: Params) -> CallResult {
    to_value(s.wallet.has(&addr(&p, 0)?))
}

/// `WalletDefaultAddress`.
pub async fn wallet_default_address(s: Arc<NodeState>, _c: CallCtx, _p: Params) -> CallResult {
    to_value(AddressJson(s.wallet.default_address().map_err(err)?))
}

/// `WalletSetDefault`.
pub async fn wallet_set_default(s: Arc<NodeState>, _c: CallCtx, p: Params) -> CallResult {
    s.wallet.set_default(&addr(&p, 0)?).map_err(err)?;
    Ok(serde_json::Value::Null)
}

/// `WalletSign`: signs base64 bytes.
pub async fn wallet_sign(s: Arc<NodeState>, _c: CallCtx, p: Params) -> CallResult {
    let a = addr(&p, 0)?;
    let data: BytesJson = p.get(1)?;
    let sig = s.wallet.sign(&a, &data.0).map_err(err)?;
    to_value(SignatureJson::from(&sig))
}

/// `WalletSignMessage`: signs a message's CID and returns the signed message.
pub async fn wallet_sign_message(s: Arc<NodeState>, _c: CallCtx, p: Params) -> CallResult {
    let a = addr(&p, 0)?;
    let msg: Message = p.get::<MessageJson>(1)?.into();
    let sig = s
        .wallet
        .sign(&a, &message_signing_bytes(&msg))
        .map_err(err)?;
    to_value(SignedMessageJson::from(&SignedMessage {
        message: msg,
        signature: sig,
    }))
}

/// `WalletVerify`: whether a signature of the data is valid for the address.
pub async fn wallet_verify(_s: Arc<NodeState>, _c: CallCtx, p: Params) -> CallResult {
    let a = addr(&p, 0)?;
    let data: BytesJson = p.get(1)?;
    let sig: SignatureJson = p.get(2)?;
    let sig = Signature::try_from(sig).map_err(RpcError::invalid_params)?;
    to_value(verify_signature(&sig, &a, &data.0).is_ok())
}

/// `WalletImport`: stores a KeyInfo and returns its address.
pub async fn wallet_import(s: Arc<NodeState>, _c: CallCtx, p: Params) -> CallResult {
    let ki: KeyInfoJson = p.get(0)?;
    let key = KeyInfo::try_from(ki).map_err(|e| RpcError::invalid_params(e.to_string()))?;
    to_value(AddressJson(s.wallet.import(&key).map_err(err)?))
}

/// `WalletExport`: the KeyInfo of an address.
pub async fn wallet_export(s: Arc<NodeState>, _c: CallCtx, p: Params) -> CallResult {
    let key = s.wallet.export(&addr(&p, 0)?).map_err(err)?;
    to_value(KeyInfoJson::from(&key))
}

/// `WalletDelete`.
pub async fn wallet_delete(s: Arc<NodeState>, _c: CallCtx, p: Params) -> CallResult {
    s.wallet.delete(&addr(&p, 0)?).map_err(err)?;
    Ok(serde_json::Value::Null)
}

/// `WalletValidateAddress`: parses an address string.
pub async fn wallet_validate_address(_s: Arc<NodeState>, _c: CallCtx, p: Params) -> CallResult {
    let text: String = p.get(0)?;
    let a = padma_types::address::parse_address(&text).map_err(err)?;
    to_value(AddressJson(a))
}
