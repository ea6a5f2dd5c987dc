//! Messages, signatures, signed messages and receipts in Lotus JSON.

use super::{address_str, bytes_b64, null_default, token_str, BytesJson, CidJson};
use crate::message::{message_cid, SignedMessage};
use fvm_ipld_encoding::RawBytes;
use fvm_shared::address::Address;
use fvm_shared::crypto::signature::{Signature, SignatureType};
use fvm_shared::econ::TokenAmount;
use fvm_shared::error::ExitCode;
use fvm_shared::message::Message;
use fvm_shared::receipt::Receipt;
use serde::{Deserialize, Serialize};

/// A message in Lotus JSON.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct MessageJson {
    /// Message version, always 0 (optional on input).
    #[serde(default, deserialize_with = "null_default")]
    pub version: u64,
    /// Recipient.
    #[serde(with = "address_str")]
    pub to: Address,
    /// Sender.
    #[serde(with = "address_str")]
    pub from: Address,
    /// Sender nonce.
    #[serde(default, deserialize_with = "null_default")]
    pub nonce: u64,
    /// Value in attoFIL.
    #[serde(with = "token_str", default)]
    pub value: TokenAmount,
    /// Gas limit.
    #[serde(default, deserialize_with = "null_default")]
    pub gas_limit: u64,
    /// Gas fee cap in attoFIL.
    #[serde(with = "token_str", default)]
    pub gas_fee_cap: TokenAmount,
    /// Gas premium in attoFIL.
    #[serde(with = "token_str", default)]
    pub gas_premium: TokenAmount,
    /// Method number.
    #[serde(default, deserialize_with = "null_default")]
    pub method: u64,
    /// CBOR parameters.
    #[serde(with = "bytes_b64", default)]
    pub params: Vec<u8>,
    /// The message CID (output only; ignored on input).
    #[serde(
        rename = "CID",
        skip_deserializing,
        skip_serializing_if = "Option::is_none"
    )]
    pub cid: Option<CidJson>,
}

impl From<&Message> for MessageJson {
    fn from(m: &Message) -> Self {
        MessageJson {
            version: m.version,
            to: m.to,
            from: m.from,
            nonce: m.sequence,
            value: m.value.clone(),
            gas_limit: m.gas_limit,
            gas_fee_cap: m.gas_fee_cap.clone(),
            gas_premium: m.gas_premium.clone(),
            method: m.method_num,
            params: m.params.to_vec(),
            cid: Some(CidJson(message_cid(m))),
        }
    }
}

impl From<MessageJson> for Message {
    fn from(m: MessageJson) -> Self {
        Message {
            version: m.version,
            from: m.from,
            to: m.to,
            sequence: m.nonce,
            value: m.value,
            method_num: m.method,
            params: RawBytes::new(m.params),
            gas_limit: m.gas_limit,
            gas_fee_cap: m.gas_fee_cap,
            gas_premium: m.gas_premium,
        }
    }
}

/// A signature in Lotus JSON: `{"Type": 1|2|3, "Data": "<base64>"}`.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct SignatureJson {
    /// 1 secp256k1, 2 BLS (3, delegated, is not accepted yet).
    #[serde(rename = "Type")]
    pub sig_type: u8,
    /// The signature bytes.
    #[serde(with = "bytes_b64", default)]
    pub data: Vec<u8>,
}

impl From<&Signature> for SignatureJson {
    fn from(s: &Signature) -> Self {
        SignatureJson {
            sig_type: s.sig_type as u8,
            data: s.bytes.clone(),
        }
    }
}

impl TryFrom<SignatureJson> for Signature {
    type Error = String;
    fn try_from(s: SignatureJson) -> Result<Self, String> {
        let sig_type = match s.sig_type {
            1 => SignatureType::Secp256k1,
            2 => SignatureType::BLS,
            t => return Err(format!("unknown signature type {t}")),
        };
        Ok(Signature {
            sig_type,
            bytes: s.data,
        })
    }
}

/// A signed message in Lotus JSON.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct SignedMessageJson {
    /// The message.
    pub message: MessageJson,
    /// The signature.
    pub signature: SignatureJson,
    /// The signed message CID (output only).
    #[serde(
        rename = "CID",
        skip_deserializing,
        skip_serializing_if = "Option::is_none"
    )]
    pub cid: Option<CidJson>,
}

impl From<&SignedMessage> for SignedMessageJson {
    fn from(m: &SignedMessage) -> Self {
        SignedMessageJson {
            message: MessageJson::from(&m.message),
            signature: SignatureJson::from(&m.signature),
            cid: Some(CidJson(m.cid())),
        }
    }
}

impl TryFrom<SignedMessageJson> for SignedMessage {
    type Error = String;
    fn try_from(m: SignedMessageJson) -> Result<Self, String> {
        Ok(SignedMessage {
            message: m.message.into(),
            signature: m.signature.try_into()?,
        })
    }
}

/// Lotus's `MessageReceipt`: `{"ExitCode", "Return", "GasUsed", "EventsRoot"}` (an
/// empty return is `null`, a missing events root `null`; on input both may be left
/// out). `ChainGetParentReceipts`, `StateSearchMsg`/`StateWaitMsg` and `InvocResult`
/// all carry this one shape.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct MessageReceiptJson {
    /// The exit code.
    pub exit_code: u32,
    /// The return value.
    #[serde(rename = "Return", default)]
    pub return_data: BytesJson,
    /// Gas used.
    pub gas_used: u64,
    /// The root of the events the message emitted, if any.
    #[serde(default)]
    pub events_root: Option<CidJson>,
}

impl From<&Receipt> for MessageReceiptJson {
    fn from(r: &Receipt) -> Self {
        MessageReceiptJson {
            exit_code: r.exit_code.value(),
            return_data: BytesJson(r.return_data.to_vec()),
            gas_used: r.gas_used,
            events_root: r.events_root.map(CidJson),
        }
    }
}

impl From<MessageReceiptJson> for Receipt {
    fn from(r: MessageReceiptJson) -> Self {
        Receipt {
            exit_code: ExitCode::new(r.exit_code),
            return_data: r.return_data.0.into(),
            gas_used: r.gas_used,
            events_root: r.events_root.map(|c| c.0),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::{json, Value};

    #[test]
    fn receipts_in_lotus_json() {
        let r = Receipt {
            exit_code: ExitCode::new(16),
            return_data: RawBytes::new(vec![0x80]),
            gas_used: 1234,
            events_root: None,
        };
        let j = MessageReceiptJson::from(&r);
        let text = serde_json::to_string(&j).unwrap();
        assert_eq!(
            text,
            r#"{"ExitCode":16,"Return":"gA==","GasUsed":1234,"EventsRoot":null}"#
        );
        assert_eq!(
            serde_json::from_str::<MessageReceiptJson>(&text).unwrap(),
            j
        );
        let empty = Receipt {
            return_data: RawBytes::default(),
            ..r
        };
        let v = serde_json::to_value(MessageReceiptJson::from(&empty)).unwrap();
        assert_eq!(v["Return"], Value::Null);
    }

    fn cid(data: &[u8]) -> crate::cid::Cid {
        crate::cid::cbor_cid(data)
    }

    fn cid_json(c: &crate::cid::Cid) -> Value {
        json!({ "/": c.to_string() })
    }

    #[test]
    fn receipts_keep_their_shape_and_round_trip() {
        let r = Receipt {
            exit_code: ExitCode::new(16),
            return_data: vec![1u8, 2, 3].into(),
            gas_used: 42,
            events_root: Some(cid(&[0x80])),
        };
        let j = serde_json::to_value(MessageReceiptJson::from(&r)).expect("encodes");
        assert_eq!(
            j.to_string(),
            json!({
                "ExitCode": 16,
                "Return": "AQID",
                "GasUsed": 42,
                "EventsRoot": cid_json(&cid(&[0x80])),
            })
            .to_string()
        );
        let back: MessageReceiptJson = serde_json::from_value(j).expect("decodes");
        assert_eq!(Receipt::from(back), r);

        let empty = Receipt {
            exit_code: ExitCode::OK,
            return_data: Default::default(),
            gas_used: 0,
            events_root: None,
        };
        let j = serde_json::to_value(MessageReceiptJson::from(&empty)).expect("encodes");
        assert_eq!(
            j.to_string(),
            r#"{"ExitCode":0,"Return":null,"GasUsed":0,"EventsRoot":null}"#
        );
        let back: MessageReceiptJson = serde_json::from_value(j).expect("decodes");
        assert_eq!(Receipt::from(back), empty);
    }

    #[test]
    fn receipts_read_without_return_or_events_root() {
        let r: MessageReceiptJson =
            serde_json::from_str(r#"{"ExitCode":0,"GasUsed":7}"#).expect("decodes");
        assert!(r.return_data.0.is_empty() && r.events_root.is_none());
        let r: MessageReceiptJson =
            serde_json::from_str(r#"{"ExitCode":0,"Return":"","GasUsed":7,"EventsRoot":null}"#)
                .expect("decodes");
        assert!(r.return_data.0.is_empty());
    }
}
