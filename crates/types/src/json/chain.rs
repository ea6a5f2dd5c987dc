//! Lotus JSON of the `Chain*` results: a block's messages, messages with their CIDs,
//! head changes, and the IPLD blocks `ChainPutObj` takes.

use super::block::TipSetJson;
use super::{bytes_b64, CidJson, MessageJson, SignedMessageJson};
use serde::{Deserialize, Serialize};

/// An IPLD block as `ChainPutObj` takes it: its bytes (`RawData`, or `Data`) and,
/// optionally, its CID (`Cid`, or `CID`).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct BlockJson {
    /// The block's bytes (DAG-CBOR).
    #[serde(rename = "RawData", alias = "Data", with = "bytes_b64", default)]
    pub data: Vec<u8>,
    /// The CID the block is expected to have.
    #[serde(rename = "Cid", alias = "CID", default)]
    pub cid: Option<CidJson>,
}

/// Lotus's `BlockMessages`: a block's BLS and secp messages, and the CIDs of both in
/// that order.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct BlockMessagesJson {
    /// The unsigned (BLS) messages.
    pub bls_messages: Vec<MessageJson>,
    /// The signed (secp256k1) messages.
    pub secpk_messages: Vec<SignedMessageJson>,
    /// The CIDs of the BLS messages, then of the signed ones.
    pub cids: Vec<CidJson>,
}

/// Lotus's `api.Message`: a message with the CID the chain knows it by.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct MessageWithCidJson {
    /// The CID (of the signed message for a secp message).
    pub cid: CidJson,
    /// The unsigned message.
    pub message: MessageJson,
}

/// What a head change does.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum HeadChangeType {
    /// The head when a subscription starts.
    Current,
    /// A tipset joins the heaviest chain.
    Apply,
    /// A tipset leaves it.
    Revert,
}

/// Lotus's `HeadChange`: `{"Type": "current"|"apply"|"revert", "Val": TipSet}`.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct HeadChangeJson {
    /// What happened.
    #[serde(rename = "Type")]
    pub kind: HeadChangeType,
    /// The tipset.
    #[serde(rename = "Val")]
    pub tipset: TipSetJson,
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::json::BigIntJson;
    use fvm_shared::bigint::BigInt;
    use serde_json::json;

    fn cid(data: &[u8]) -> cid::Cid {
        crate::cid::cbor_cid(data)
    }

    fn cid_json(c: &cid::Cid) -> serde_json::Value {
        json!({ "/": c.to_string() })
    }

    #[test]
    fn block_shape_and_aliases() {
        let cid = crate::cid::cbor_cid(&[0x80]);
        let b = BlockJson {
            data: vec![0x80],
            cid: Some(CidJson(cid)),
        };
        let text = serde_json::to_string(&b).expect("encodes");
        assert_eq!(
            text,
            format!(r#"{{"RawData":"gA==","Cid":{{"/":"{cid}"}}}}"#)
        );
        assert_eq!(
            serde_json::from_str::<BlockJson>(&text).expect("decodes"),
            b
        );
        let other: BlockJson =
            serde_json::from_str(&format!(r#"{{"Data":"gA==","CID":{{"/":"{cid}"}}}}"#))
                .expect("decodes the other field names");
        assert_eq!(other, b);
        let bare: BlockJson = serde_json::from_str("{}").expect("both fields are optional");
        assert_eq!(bare, BlockJson::default());
        assert_eq!(
            serde_json::to_string(&bare).expect("encodes"),
            r#"{"RawData":null,"Cid":null}"#
        );
    }

    #[test]
    fn block_messages_and_messages_with_cids_keep_their_shape() {
        let empty = BlockMessagesJson {
            bls_messages: vec![],
            secpk_messages: vec![],
            cids: vec![],
        };
        let j = serde_json::to_string(&empty).expect("encodes");
        assert_eq!(j, r#"{"BlsMessages":[],"SecpkMessages":[],"Cids":[]}"#);
        let back: BlockMessagesJson = serde_json::from_str(&j).expect("decodes");
        assert!(back.bls_messages.is_empty() && back.cids.is_empty());

        let msg = fvm_shared::message::Message {
            version: 0,
            from: fvm_shared::address::Address::new_id(100),
            to: fvm_shared::address::Address::new_id(101),
            sequence: 3,
            value: fvm_shared::econ::TokenAmount::from_atto(5),
            method_num: 0,
            params: Default::default(),
            gas_limit: 1000,
            gas_fee_cap: fvm_shared::econ::TokenAmount::from_atto(7),
            gas_premium: fvm_shared::econ::TokenAmount::from_atto(6),
        };
        let c = cid(&[0x81, 0x01]);
        let with_cid = MessageWithCidJson {
            cid: CidJson(c),
            message: MessageJson::from(&msg),
        };
        let j = serde_json::to_value(&with_cid).expect("encodes");
        assert_eq!(
            j.to_string(),
            json!({ "Cid": cid_json(&c), "Message": MessageJson::from(&msg) }).to_string()
        );
        let back: MessageWithCidJson = serde_json::from_value(j).expect("decodes");
        assert_eq!(back.cid, CidJson(c));
        assert_eq!(fvm_shared::message::Message::from(back.message), msg);
    }

    #[test]
    fn head_changes_and_weights_keep_their_shape() {
        for (kind, text) in [
            (HeadChangeType::Current, "\"current\""),
            (HeadChangeType::Apply, "\"apply\""),
            (HeadChangeType::Revert, "\"revert\""),
        ] {
            assert_eq!(serde_json::to_string(&kind).expect("encodes"), text);
            let back: HeadChangeType = serde_json::from_str(text).expect("decodes");
            assert_eq!(back, kind);
        }
        let w = BigIntJson(BigInt::from(123_456_789_012_345_678_901u128));
        let j = serde_json::to_string(&w).expect("encodes");
        assert_eq!(j, "\"123456789012345678901\"");
        assert_eq!(serde_json::from_str::<BigIntJson>(&j).expect("decodes"), w);
    }
}
