//! Lotus JSON of `InvocResult` (what `StateCall` and `StateReplay` answer): a message's
//! receipt, gas cost and execution trace; and `ComputeStateOutput` (`StateCompute`).

use super::{
    bigint_str, bytes_b64, AddressJson, CidJson, MessageJson, MessageReceiptJson, TokenAmountJson,
};
use fvm_shared::bigint::BigInt;
use serde::{Deserialize, Serialize};

/// Lotus's `ComputeStateOutput` (what `StateCompute` answers): the state root after
/// the messages, and the trace of the tipset's own messages.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct ComputeStateOutputJson {
    /// The state root after the given messages.
    pub root: CidJson,
    /// The results of the tipset's messages.
    pub trace: Vec<InvocResultJson>,
}

/// The IPLD codec of DAG-CBOR, as traces name it.
pub const DAG_CBOR_CODEC: u64 = 0x51;

/// Lotus's `InvocResult`: a message's receipt, gas cost and trace.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct InvocResultJson {
    /// The CID the chain knows the message by.
    pub msg_cid: CidJson,
    /// The message.
    pub msg: MessageJson,
    /// Its receipt.
    pub msg_rct: MessageReceiptJson,
    /// What it cost.
    pub gas_cost: MsgGasCostJson,
    /// The trace of its execution.
    pub execution_trace: ExecutionTraceJson,
    /// Why it failed, or `""`.
    pub error: String,
    /// How long it took, in nanoseconds.
    pub duration: u64,
}

/// Lotus's `MsgGasCost`: the gas split of an applied message (every amount zero and no
/// message CID when the message paid no gas).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct MsgGasCostJson {
    /// The message's CID.
    pub message: Option<CidJson>,
    /// Gas used.
    #[serde(with = "bigint_str")]
    pub gas_used: BigInt,
    /// Burnt for the base fee.
    pub base_fee_burn: TokenAmountJson,
    /// Burnt for overestimating gas.
    pub over_estimation_burn: TokenAmountJson,
    /// The miner's penalty.
    pub miner_penalty: TokenAmountJson,
    /// The miner's tip.
    pub miner_tip: TokenAmountJson,
    /// Refunded to the sender.
    pub refund: TokenAmountJson,
    /// What the sender paid.
    pub total_cost: TokenAmountJson,
}

/// Lotus's `ExecutionTrace`: the top-level call (padma traces no subcalls or gas
/// charges).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct ExecutionTraceJson {
    /// The call.
    pub msg: MessageTraceJson,
    /// What it returned.
    pub msg_rct: ReturnTraceJson,
    /// The invoked actor (`null`: padma does not record it).
    pub invoked_actor: Option<serde_json::Value>,
    /// Gas charges.
    pub gas_charges: Vec<GasTraceJson>,
    /// Calls made by the call.
    pub subcalls: Vec<ExecutionTraceJson>,
}

/// Lotus's `MessageTrace`: a traced call.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct MessageTraceJson {
    /// Caller.
    pub from: AddressJson,
    /// Callee.
    pub to: AddressJson,
    /// Value sent.
    pub value: TokenAmountJson,
    /// Method number.
    pub method: u64,
    /// Parameters.
    #[serde(with = "bytes_b64", default)]
    pub params: Vec<u8>,
    /// The parameters' codec.
    pub params_codec: u64,
    /// Gas limit.
    pub gas_limit: u64,
    /// Whether the call was read-only.
    pub read_only: bool,
}

/// Lotus's `ReturnTrace`: what a traced call returned.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct ReturnTraceJson {
    /// Exit code.
    pub exit_code: u32,
    /// Return value.
    #[serde(rename = "Return", with = "bytes_b64", default)]
    pub return_data: Vec<u8>,
    /// The return value's codec.
    pub return_codec: u64,
}

/// Lotus's `GasTrace`: one gas charge.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct GasTraceJson {
    /// What was charged.
    #[serde(rename = "Name")]
    pub name: String,
    /// Total gas.
    #[serde(rename = "tg")]
    pub total_gas: i64,
    /// Compute gas.
    #[serde(rename = "cg")]
    pub compute_gas: i64,
    /// Storage gas.
    #[serde(rename = "sg")]
    pub storage_gas: i64,
    /// Time taken, in nanoseconds.
    #[serde(rename = "tt")]
    pub time_taken: i64,
}

#[cfg(test)]
#[path = "invoc_tests.rs"]
mod tests;
