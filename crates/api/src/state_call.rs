//! `StateCall`: a message applied to a tipset's state without committing anything. It
//! answers Lotus's `InvocResult` (as `StateReplay` does), defined with its gas cost and
//! execution trace in `padma_types::json::invoc` and re-exported here.

use padma_rpc::rpc_methods;
use padma_types::json::block::TipSetKeyJson;
pub use padma_types::json::invoc::{
    ComputeStateOutputJson, ExecutionTraceJson, GasTraceJson, InvocResultJson, MessageTraceJson,
    MsgGasCostJson, ReturnTraceJson, DAG_CBOR_CODEC,
};
use padma_types::json::MessageJson;

rpc_methods! {
    /// The state call methods, in table order.
    pub fn state_call_methods;
    /// Runs a message on the state the tipset's blocks were built on, committing
    /// nothing.
    StateCall = "Filecoin.StateCall", Read,
        call (msg: MessageJson, tsk: TipSetKeyJson) -> InvocResultJson;
    /// The state after a tipset with `msgs` applied on top at epoch `height`, and the
    /// trace of the tipset's own messages.
    StateCompute = "Filecoin.StateCompute", Read,
        call (height: i64, msgs: Vec<MessageJson>, tsk: TipSetKeyJson) -> ComputeStateOutputJson;
}
