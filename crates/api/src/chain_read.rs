//! `Chain*` methods that read tipsets and messages: tipsets by key and height, a
//! block's and a tipset's messages, parent messages and receipts, paths between
//! tipsets, weights, and `ChainNotify` (head changes as a channel).

use padma_rpc::rpc_methods;
use padma_types::json::block::{TipSetJson, TipSetKeyJson};
pub use padma_types::json::chain::{
    BlockMessagesJson, HeadChangeJson, HeadChangeType, MessageWithCidJson,
};
pub use padma_types::json::BigIntJson;
/// Lotus's `MessageReceipt`, under the name this API has given it.
pub use padma_types::json::MessageReceiptJson as ReceiptJson;
use padma_types::json::{CidJson, MessageJson, MessageReceiptJson};

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
        call (block_cid: CidJson) -> Option<Vec<MessageReceiptJson>>;
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
