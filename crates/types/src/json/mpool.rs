//! Lotus JSON of what goes through the message pool: `MessageSendSpec` (the sending
//! options `MpoolPushMessage` and gas estimation take) and `MpoolUpdate` (what
//! `MpoolSub` streams).

use super::{null_default, token_str, SignedMessageJson};
use fvm_shared::econ::TokenAmount;
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

    #[test]
    fn send_spec_accepts_partial_and_null_fields() {
        let s: MessageSendSpecJson = serde_json::from_str(r#"{"MaxFee":"123"}"#).expect("decodes");
        assert_eq!(s.max_fee, TokenAmount::from_atto(123));
        assert!(!s.maximize_fee_cap && s.msg_uuid.is_none());
        let s: MessageSendSpecJson =
            serde_json::from_str(r#"{"MaxFee":null,"MsgUuid":null,"MaximizeFeeCap":null}"#)
                .expect("decodes");
        assert!(s.max_fee.is_zero());
        assert!(serde_json::from_str::<MessageSendSpecJson>(r#"{"MaxFee":12}"#).is_err());
    }

    #[test]
    fn send_spec_round_trips() {
        let s = MessageSendSpecJson {
            max_fee: TokenAmount::from_atto(70),
            msg_uuid: Some("7b7ad2ce-3c8a-4b4c-8c8e-2d2f0e6f7a10".into()),
            maximize_fee_cap: true,
        };
        let j = serde_json::to_string(&s).expect("encodes");
        assert_eq!(
            j,
            r#"{"MaxFee":"70","MsgUuid":"7b7ad2ce-3c8a-4b4c-8c8e-2d2f0e6f7a10","MaximizeFeeCap":true}"#
        );
        let back: MessageSendSpecJson = serde_json::from_str(&j).expect("decodes");
        assert_eq!(back.max_fee, s.max_fee);
        assert_eq!(back.msg_uuid, s.msg_uuid);
        assert!(back.maximize_fee_cap);
    }
}
