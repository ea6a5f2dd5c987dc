//! Lotus JSON wire types of the message-sending methods: `MessageSendSpec` (what
//! `MpoolPushMessage` and gas estimation take) and `MpoolUpdate` (what `MpoolSub`
//! sends).

use fvm_shared::econ::TokenAmount;
use padma_types::json::{null_default, token_str, SignedMessageJson};
use serde::{Deserialize, Serialize};

/// Lotus's `MessageSendSpec`: `{"MaxFee": "str", "MsgUuid": "uuid", "MaximizeFeeCap": bool}`
/// (every field optional on input; `null` is the default spec).
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct MessageSendSpecJson {
    /// The most the message may spend on gas (zero: the node's default).
    #[serde(with = "token_str", default)]
    pub max_fee: TokenAmount,
    /// Identifies the request: a repeated UUID returns the message signed under it.
    #[serde(rename = "MsgUuid", default, skip_serializing_if = "Option::is_none")]
    pub msg_uuid: Option<String>,
    /// Spend the whole `MaxFee` budget on the fee cap.
    #[serde(default, deserialize_with = "null_default")]
    pub maximize_fee_cap: bool,
}

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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn send_spec_accepts_partial_and_null_fields() {
        let s: MessageSendSpecJson = serde_json::from_str(r#"{"MaxFee":"123"}"#).unwrap();
        assert_eq!(s.max_fee, TokenAmount::from_atto(123));
        assert!(!s.maximize_fee_cap && s.msg_uuid.is_none());
        let s: MessageSendSpecJson =
            serde_json::from_str(r#"{"MaxFee":null,"MsgUuid":null,"MaximizeFeeCap":null}"#)
                .unwrap();
        assert!(s.max_fee.is_zero());
        assert!(serde_json::from_str::<MessageSendSpecJson>(r#"{"MaxFee":12}"#).is_err());
    }
}
