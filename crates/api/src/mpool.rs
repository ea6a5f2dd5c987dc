//! Message pool methods: pushing signed messages, signing and pushing with the node's
//! wallet, nonces, pending messages, block message selection and the stream of pool
//! changes; with the wire type only they carry (`MpoolUpdate`). `MessageSendSpec` is
//! defined with gas estimation.

use padma_rpc::rpc_methods;
use padma_types::json::block::TipSetKeyJson;
use padma_types::json::{AddressJson, CidJson, MessageJson, SignedMessageJson};
use serde::{Deserialize, Serialize};

pub use crate::gas::MessageSendSpecJson;

/// Lotus's `MpoolUpdate`: `{"Type": 0 (add) | 1 (remove), "Message": SignedMessage}`.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct MpoolUpdateJson {
    /// 0 for an added message, 1 for a removed one.
    #[serde(rename = "Type")]
    pub kind: u8,
    /// The message.
    pub message: SignedMessageJson,
}

rpc_methods! {
    /// The message pool methods, in table order.
    pub fn mpool_methods;
    /// Pushes a signed message from a local, trusted source; its CID.
    MpoolPush = "Filecoin.MpoolPush", Write,
        call (smsg: SignedMessageJson) -> CidJson;
    /// Pushes a signed message under the network's limits (no nonce gaps); its CID.
    MpoolPushUntrusted = "Filecoin.MpoolPushUntrusted", Write,
        call (smsg: SignedMessageJson) -> CidJson;
    /// Estimates the gas of a message (nonce 0), assigns its nonce, signs it with the
    /// node's wallet and pushes it; the signed message.
    MpoolPushMessage = "Filecoin.MpoolPushMessage", Sign,
        call (msg: MessageJson, spec: Option<MessageSendSpecJson>) -> SignedMessageJson;
    /// Pushes signed messages, stopping at the first refusal; their CIDs.
    MpoolBatchPush = "Filecoin.MpoolBatchPush", Write,
        call (smsgs: Vec<SignedMessageJson>) -> Vec<CidJson>;
    /// Pushes signed messages under the network's limits; their CIDs.
    MpoolBatchPushUntrusted = "Filecoin.MpoolBatchPushUntrusted", Write,
        call (smsgs: Vec<SignedMessageJson>) -> Vec<CidJson>;
    /// `MpoolPushMessage` for each message in turn, stopping at the first failure.
    MpoolBatchPushMessage = "Filecoin.MpoolBatchPushMessage", Sign,
        call (msgs: Vec<MessageJson>, spec: Option<MessageSendSpecJson>) -> Vec<SignedMessageJson>;
    /// The next nonce of an address, past its state nonce and pending messages.
    MpoolGetNonce = "Filecoin.MpoolGetNonce", Read, call (address: AddressJson) -> u64;
    /// The pending messages (the key must name a known tipset).
    MpoolPending = "Filecoin.MpoolPending", Read,
        call (tsk: TipSetKeyJson) -> Vec<SignedMessageJson>;
    /// The messages a block on the tipset would include.
    MpoolSelect = "Filecoin.MpoolSelect", Read,
        call (tsk: TipSetKeyJson, ticketQuality: f64) -> Vec<SignedMessageJson>;
    /// Each message added to or removed from the pool.
    MpoolSub = "Filecoin.MpoolSub", Read, channel () -> MpoolUpdateJson;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mpool_update_shape() {
        let text = r#"{"Type":1,"Message":{"Message":{"Version":0,"To":"f01","From":"f02","Nonce":3,"Value":"0","GasLimit":1,"GasFeeCap":"0","GasPremium":"0","Method":0,"Params":null},"Signature":{"Type":1,"Data":"AQ=="}}}"#;
        let u: MpoolUpdateJson = serde_json::from_str(text).expect("decodes");
        assert_eq!(u.kind, 1);
        assert_eq!(u.message.message.nonce, 3);
        let v = serde_json::to_value(&u).expect("encodes");
        let keys: Vec<&String> = v
            .as_object()
            .map(|o| o.keys().collect())
            .unwrap_or_default();
        assert_eq!(keys, ["Type", "Message"]);
        assert_eq!(v["Message"]["Signature"]["Data"], "AQ==");
    }
}
