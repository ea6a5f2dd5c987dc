//! `StateCall`: a message applied to a tipset's state without committing anything,
//! answered with Lotus's `InvocResult` shape — built by [`invoc_result_json`], which
//! `StateReplay` answers too.

use super::chain_read::receipt_json;
use super::state::{err, tipset_param};
use super::NodeState;
use cid::Cid;
use fvm_shared::econ::TokenAmount;
use fvm_shared::receipt::Receipt;
use padma_rpc::method::{to_value, CallResult};
use padma_rpc::{CallCtx, Params};
use padma_state::runtime::NoExterns;
use padma_state::vm::{call, GasOutputs, LotusSupply, VmEnv};
use padma_types::json::{BytesJson, CidJson, MessageJson};
use padma_types::message::message_cid;
use padma_types::Message;
use serde_json::{json, Value};
use std::sync::Arc;
use std::time::Instant;

fn amount(t: &TokenAmount) -> Value {
    Value::String(t.atto().to_string())
}

/// Lotus's `MsgGasCost` in JSON. With the gas split of an explicitly applied message
/// it is `stmgr.MakeMsgGasCost`: `TotalCost` is what the sender paid, `feeCap × gasLimit
/// − refund`. Without one (`StateCall` applies implicitly, and Lotus leaves the field
/// unset there) it is the zero value: no message CID and every amount `0`.
fn msg_gas_cost_json(msg: &Message, gas_used: u64, gas: Option<&GasOutputs>) -> Value {
    let Some(gas) = gas else {
        let zero = amount(&TokenAmount::default());
        return json!({
            "Message": null,
            "GasUsed": zero,
            "BaseFeeBurn": zero,
            "OverEstimationBurn": zero,
            "MinerPenalty": zero,
            "MinerTip": zero,
            "Refund": zero,
            "TotalCost": zero,
        });
    };
    let required = &msg.gas_fee_cap * msg.gas_limit;
    json!({
        "Message": CidJson(message_cid(msg)),
        "GasUsed": gas_used.to_string(),
        "BaseFeeBurn": amount(&gas.base_fee_burn),
        "OverEstimationBurn": amount(&gas.over_estimation_burn),
        "MinerPenalty": amount(&gas.miner_penalty),
        "MinerTip": amount(&gas.miner_tip),
        "Refund": amount(&gas.refund),
        "TotalCost": amount(&(required - &gas.refund)),
    })
}

/// Lotus's `InvocResult` in JSON for message `msg` (known to the chain as `mcid`)
/// applied with receipt `rct`: its `GasCost` from [`msg_gas_cost_json`] with `gas`, its
/// `Error` from `error`, and its `Duration` the time since `started`.
pub(crate) fn invoc_result_json(
    mcid: Cid,
    msg: &Message,
    rct: &Receipt,
    gas: Option<&GasOutputs>,
    error: Option<&str>,
    started: Instant,
) -> Value {
    let msg_json = serde_json::to_value(MessageJson::from(msg)).unwrap_or(Value::Null);
    json!({
        "MsgCid": CidJson(mcid),
        "Msg": msg_json,
        "MsgRct": receipt_json(rct),
        "GasCost": msg_gas_cost_json(msg, rct.gas_used, gas),
        "ExecutionTrace": {
            "Msg": {
                "From": msg_json["From"],
                "To": msg_json["To"],
                "Value": msg_json["Value"],
                "Method": msg_json["Method"],
                "Params": msg_json["Params"],
                "ParamsCodec": 81,
                "GasLimit": msg_json["GasLimit"],
                "ReadOnly": false,
            },
            "MsgRct": {
                "ExitCode": rct.exit_code.value(),
                "Return": BytesJson(rct.return_data.to_vec()),
                "ReturnCodec": 81,
            },
            "InvokedActor": null,
            "GasCharges": [],
            "Subcalls": [],
        },
        "Error": error.unwrap_or_default(),
        "Duration": started.elapsed().as_nanos() as u64,
    })
}

/// `StateCall [Message, TipSetKey]`: runs the message on the state the tipset's blocks
/// were built on (for the genesis tipset, the genesis state), as an implicit message.
/// Actor randomness and proof verification are not available to such calls. As in
/// Lotus, the answer's `GasCost` is the zero value (the message pays no gas).
pub async fn state_call(s: Arc<NodeState>, _c: CallCtx, p: Params) -> CallResult {
    let msg: Message = p.get::<MessageJson>(0)?.into();
    let ts = tipset_param(&s, &p, 1)?;
    let started = Instant::now();
    let supply = LotusSupply::devnet();
    let env = VmEnv {
        epoch: ts.height(),
        base_fee: ts.min_ticket_block().parent_base_fee.clone(),
        network_version: padma_state::policy::NETWORK_VERSION,
        policy: padma_state::policy::devnet_policy(),
        randomness: &NoExterns,
        proofs: &NoExterns,
        supply: &supply,
    };
    let res = call(s.store.as_ref(), &ts.parent_state(), &msg, env)
        .map_err(|e| err(format!("call failed: {e:#}")))?;
    to_value(invoc_result_json(
        message_cid(&res.msg),
        &res.msg,
        &res.receipt,
        None,
        res.error.as_deref(),
        started,
    ))
}
