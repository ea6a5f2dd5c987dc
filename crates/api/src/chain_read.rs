//! `Chain*` methods that read tipsets and messages: tipsets by key and height, a
//! block's and a tipset's messages, parent messages and receipts, paths between
//! tipsets, weights, and `ChainNotify` (head changes as a channel).

use padma_rpc::rpc_methods;
use padma_types::json::block::{TipSetJson, TipSetKeyJson};
pub use padma_types::json::BigIntJson;
/// Lotus's `MessageReceipt`, under the name this API has given it.
pub use padma_types::json::MessageReceiptJson as ReceiptJson;
use padma_types::json::{CidJson, MessageJson, SignedMessageJson};
use serde::{Deserialize, Serialize};

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

rpc_methods! {
    /// The chain-reading methods, in table order.
    pub fn chain_read_methods;
    /// The tipset of a key (the empty key: the head).
    ChainGetTipSet = "Filecoin.ChainGetTipSet", Read, call (tsk: TipSetKeyJson) -> TipSetJson;
    /// The tipset at an epoch on the chain of a key; a null round gives the tipset
    /// below it.
    ChainGetTipSetByHeight = "Filecoin.ChainGetTipSetByHeight", Read,
        call (epoch: Option<i64>, tsk: TipSetKeyJson) -> TipSetJson;
    /// Like `ChainGetTipSetByHeight`, but a null round gives the first tipset after it.
    ChainGetTipSetAfterHeight = "Filecoin.ChainGetTipSetAfterHeight", Read,
        call (epoch: Option<i64>, tsk: TipSetKeyJson) -> TipSetJson, versions = V1;
    /// A block's messages.
    ChainGetBlockMessages = "Filecoin.ChainGetBlockMessages", Read,
        call (block_cid: CidJson) -> BlockMessagesJson;
    /// The messages the parent tipset of a block executed, in receipt order (`null`
    /// for the genesis block or none).
    ChainGetParentMessages = "Filecoin.ChainGetParentMessages", Read,
        call (block_cid: CidJson) -> Option<Vec<MessageWithCidJson>>;
    /// The receipts of the messages the parent tipset of a block executed (`null` for
    /// the genesis block).
    ChainGetParentReceipts = "Filecoin.ChainGetParentReceipts", Read,
        call (block_cid: CidJson) -> Option<Vec<ReceiptJson>>;
    /// The unsigned message of a BLS or signed message.
    ChainGetMessage = "Filecoin.ChainGetMessage", Read, call (msg_cid: CidJson) -> MessageJson;
    /// The messages a tipset executes (`null` for the genesis or none).
    ChainGetMessagesInTipset = "Filecoin.ChainGetMessagesInTipset", Read,
        call (tsk: TipSetKeyJson) -> Option<Vec<MessageWithCidJson>>;
    /// The reverts (newest first) then applies (oldest first) leading from one tipset
    /// to another (`null` when they are the same).
    ChainGetPath = "Filecoin.ChainGetPath", Read,
        call (from: TipSetKeyJson, to: TipSetKeyJson) -> Option<Vec<HeadChangeJson>>;
    /// A tipset's weight.
    ChainTipSetWeight = "Filecoin.ChainTipSetWeight", Read, call (tsk: TipSetKeyJson) -> BigIntJson;
    /// Head changes: first the current head, then each change as a batch of reverts
    /// then applies.
    ChainNotify = "Filecoin.ChainNotify", Read, channel () -> Vec<HeadChangeJson>;
}

#[cfg(test)]
mod tests {
    use super::*;
    use fvm_shared::bigint::BigInt;
    use serde_json::json;

    fn cid(data: &[u8]) -> cid::Cid {
        padma_types::cid::cbor_cid(data)
    }

    fn cid_json(c: &cid::Cid) -> serde_json::Value {
        json!({ "/": c.to_string() })
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

    #[test]
    fn definitions_match_lotus_arity() {
        use padma_rpc::RpcMethod;
        assert_eq!(ChainGetTipSetByHeight::PARAM_NAMES, ["epoch", "tsk"]);
        assert_eq!(ChainGetPath::REQUIRED_PARAMS, 2);
        assert_eq!(
            ChainGetTipSetAfterHeight::VERSIONS,
            padma_rpc::rpc_method::Versions::V1
        );
        assert_eq!(
            ChainNotify::KIND,
            padma_rpc::rpc_method::MethodKind::Channel
        );
        assert_eq!(chain_read_methods().len(), 11);
    }
}
