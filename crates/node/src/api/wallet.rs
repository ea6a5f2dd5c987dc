//! Wallet methods.

use super::state::{err, head_balance};
use super::NodeState;
use padma_api::wallet::*;
use padma_rpc::{CallCtx, MethodTable, RpcError};
use padma_types::crypto::{verify_signature, KeyInfo, KeyType};
use padma_types::json::{
    AddressJson, BytesJson, KeyInfoJson, MessageJson, SignatureJson, SignedMessageJson,
    TokenAmountJson,
};
use padma_types::message::message_signing_bytes;
use padma_types::{Message, Signature, SignedMessage};
use std::str::FromStr;
use std::sync::Arc;

type S = Arc<NodeState>;

/// Registers the wallet methods.
pub(super) fn register(t: &mut MethodTable<NodeState>) {
    t.add_offloaded(WalletNew, wallet_new);
    t.add_offloaded(WalletList, |s: S, _c, ()| async move {
        let list = s.wallet.list().map_err(err)?;
        Ok(list.into_iter().map(AddressJson).collect())
    });
    t.add_offloaded(WalletHas, |s: S, _c, (a,): (AddressJson,)| async move {
        Ok(s.wallet.has(&a.0))
    });
    t.add_offloaded(WalletDefaultAddress, |s: S, _c, ()| async move {
        Ok(AddressJson(s.wallet.default_address().map_err(err)?))
    });
    t.add_offloaded(
        WalletSetDefault,
        |s: S, _c, (a,): (AddressJson,)| async move { s.wallet.set_default(&a.0).map_err(err) },
    );
    t.add_offloaded(
        WalletSign,
        |s: S, _c, (a, data): (AddressJson, BytesJson)| async move {
            let sig = s.wallet.sign(&a.0, &data.0).map_err(err)?;
            Ok(SignatureJson::from(&sig))
        },
    );
    t.add_offloaded(WalletSignMessage, wallet_sign_message);
    t.add_offloaded(WalletVerify, wallet_verify);
    t.add_offloaded(WalletImport, |s: S, _c, (ki,): (KeyInfoJson,)| async move {
        let key = KeyInfo::try_from(ki).map_err(|e| RpcError::invalid_params(e.to_string()))?;
        Ok(AddressJson(s.wallet.import(&key).map_err(err)?))
    });
    t.add_offloaded(WalletExport, |s: S, _c, (a,): (AddressJson,)| async move {
        let key = s.wallet.export(&a.0).map_err(err)?;
        Ok(KeyInfoJson::from(&key))
    });
    t.add_offloaded(WalletDelete, |s: S, _c, (a,): (AddressJson,)| async move {
        s.wallet.delete(&a.0).map_err(err)
    });
    t.add_offloaded(WalletBalance, |s: S, _c, (a,): (AddressJson,)| async move {
        Ok(TokenAmountJson(head_balance(&s, &a.0)?))
    });
    t.add(
        WalletValidateAddress,
        |_s: S, _c, (text,): (String,)| async move {
            Ok(AddressJson(
                padma_types::address::parse_address(&text).map_err(err)?,
            ))
        },
    );
}

/// `WalletNew`: a new key of type `bls` or `secp256k1`.
async fn wallet_new(
    s: S,
    _c: CallCtx,
    (kt,): (serde_json::Value,),
) -> Result<AddressJson, RpcError> {
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
    Ok(AddressJson(s.wallet.new_key(kt).map_err(err)?))
}

/// `WalletSignMessage`: signs a message's CID and returns the signed message.
async fn wallet_sign_message(
    s: S,
    _c: CallCtx,
    (a, msg): (AddressJson, MessageJson),
) -> Result<SignedMessageJson, RpcError> {
    let msg: Message = msg.into();
    let sig = s
        .wallet
        .sign(&a.0, &message_signing_bytes(&msg))
        .map_err(err)?;
    Ok(SignedMessageJson::from(&SignedMessage {
        message: msg,
        signature: sig,
    }))
}

/// `WalletVerify`: whether a signature of the data is valid for the address.
async fn wallet_verify(
    _s: S,
    _c: CallCtx,
    (a, data, sig): (AddressJson, BytesJson, SignatureJson),
) -> Result<bool, RpcError> {
    let sig = Signature::try_from(sig).map_err(RpcError::invalid_params)?;
    Ok(verify_signature(&sig, &a.0, &data.0).is_ok())
}
