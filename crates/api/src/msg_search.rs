//! Message search, wait and replay: `StateSearchMsg`, `StateWaitMsg` (their v0 and v1
//! forms differ), the v0-only `*Limited` forms and `StateReplay`.
//!
//! A `limit` of `-1` searches without a lookback limit; `null` reads as `0` (as do a
//! `null` confidence and a `null` `allow_replaced`, which reads as `false`).

use padma_rpc::rpc_methods;
use padma_types::json::block::TipSetKeyJson;
pub use padma_types::json::invoc::InvocResultJson;
pub use padma_types::json::msg_search::MsgLookupJson;
use padma_types::json::CidJson;

rpc_methods! {
    /// The message search, wait and replay methods, in table order.
    pub fn msg_search_methods;
    /// Searches back from a tipset for where a message executed; `null` when not found.
    StateSearchMsg = "Filecoin.StateSearchMsg", Read,
        call (from: TipSetKeyJson, msg: CidJson, limit: Option<i64>, allow_replaced: Option<bool>)
            -> Option<MsgLookupJson>, versions = V1;
    /// v0 `StateSearchMsg`: from the head, without limit, replacements allowed.
    StateSearchMsgV0 = "Filecoin.StateSearchMsg", Read,
        call (msg: CidJson) -> Option<MsgLookupJson>, versions = V0;
    /// v0: searches back from the head at most `limit` epochs, replacements allowed.
    StateSearchMsgLimited = "Filecoin.StateSearchMsgLimited", Read,
        call (msg: CidJson, limit: Option<i64>) -> Option<MsgLookupJson>, versions = V0;
    /// Waits until a message has executed and `confidence` epochs passed on top.
    StateWaitMsg = "Filecoin.StateWaitMsg", Read,
        call (cid: CidJson, confidence: Option<u64>, limit: Option<i64>, allow_replaced: Option<bool>)
            -> MsgLookupJson, versions = V1;
    /// v0 `StateWaitMsg`: without limit, replacements allowed.
    StateWaitMsgV0 = "Filecoin.StateWaitMsg", Read,
        call (cid: CidJson, confidence: Option<u64>) -> MsgLookupJson, versions = V0;
    /// v0: `StateWaitMsg` with a lookback limit, replacements allowed.
    StateWaitMsgLimited = "Filecoin.StateWaitMsgLimited", Read,
        call (cid: CidJson, confidence: Option<u64>, limit: Option<i64>) -> MsgLookupJson,
        versions = V0;
    /// Re-executes the tipset that included a message (the given one, or with the empty
    /// key the one found by searching) and answers the message's `InvocResult`, the
    /// shape `StateCall` answers.
    StateReplay = "Filecoin.StateReplay", Read,
        call (tsk: TipSetKeyJson, msg: CidJson) -> InvocResultJson;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn v0_and_v1_forms_share_their_wire_name() {
        use padma_rpc::rpc_method::Versions;
        use padma_rpc::RpcMethod;
        assert_eq!(StateSearchMsg::NAME, StateSearchMsgV0::NAME);
        assert_eq!(StateSearchMsg::PARAM_NAMES.len(), 4);
        assert_eq!(StateSearchMsgV0::PARAM_NAMES.len(), 1);
        assert_eq!(StateWaitMsg::NAME, StateWaitMsgV0::NAME);
        assert_eq!(StateWaitMsg::REQUIRED_PARAMS, 4);
        assert_eq!(StateWaitMsgV0::REQUIRED_PARAMS, 2);
        assert_eq!(StateWaitMsgV0::VERSIONS, Versions::V0);
        assert_eq!(StateWaitMsgLimited::VERSIONS, Versions::V0);
        assert_eq!(msg_search_methods().len(), 7);
    }
}
