//! `StateCall`: a message applied to a tipset's state without committing anything,
//! answered with Lotus's `InvocResult` shape.

use super::state::{err, tipset_param};
use super::NodeState;
use padma_rpc::method::{to_value, CallResult};
use padma_rpc::{CallCtx, Params};
use padma_state::runtime::NoExterns;
use padma_state::vm::{call, LotusSupply, VmEnv};
use padma_types::json::{BytesJson, CidJson, MessageJson};
use padma_types::message::message_cid;
use padma_types::Message;
use serde_json::{json, Value};
use std::sync::Arc;
use std::time::Instant;

fn amount(t: &fvm_shared::econ::TokenAmount) -> Value {
    Value::String(t.atto().to_string())
}

/// `StateCall [Message, TipSetKey]`: runs the message on the state the tipset's blocks
/// were built on (for the genesis tipset, the genesis state), as an implicit message.
/// Actor randomness and proof verification are not available to such calls.
pub async fn state_call(s: Arc<NodeState>, _c: CallCtx, p: Params) -> CallResult {
    let msg: Message = p.get::<MessageJson>(0)?.into();
    let ts = tipset_param(&s, &p, 1)?;
    let started = Instant::now();
    let supply = LotusSupply::devnet();
    let env = VmEnv {
        epoch: ts.height(),
        base_fee: ts.blocks()[0].parent_base_fee.clone(),
        network_version: padma_state::policy::NETWORK_VERSION,
        policy: padma_state::policy::devnet_policy(),
        randomness: &NoExterns,
        proofs: &NoExterns,
        supply: &supply,
    };
    let res = call(s.store.as_ref(), &ts.parent_state(), &msg, env)
        .map_err(|e| err(format!("call failed: {e:#}")))?;
    let rct = &res.receipt;
    let gas = &res.gas;
    let total =
        &gas.base_fee_burn + &gas.over_estimation_burn + &gas.miner_penalty + &gas.miner_tip;
    let msg_json = serde_json::to_value(MessageJson::from(&res.msg)).map_err(err)?;
    let rct_json = json!({
        "ExitCode": rct.exit_code.value(),
        "Return": BytesJson(rct.return_data.to_vec()),
        "GasUsed": rct.gas_used,
        "EventsRoot": rct.events_root.map(CidJson),
    });
    to_value(json!({
        "MsgCid": CidJson(message_cid(&res.msg)),
        "Msg": msg_json,
        "MsgRct": rct_json,
        "GasCost": {
            "Message": CidJson(message_cid(&res.msg)),
            "GasUsed": rct.gas_used.to_string(),
            "BaseFeeBurn": amount(&gas.base_fee_burn),
            "OverEstimationBurn": amount(&gas.over_estimation_burn),
            "MinerPenalty": amount(&gas.miner_penalty),
            "MinerTip": amount(&gas.miner_tip),
            "Refund": amount(&gas.refund),
            "TotalCost": amount(&total),
        },
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
            "MsgRct": { "ExitCode": rct_json["ExitCode"], "Return": rct_json["Return"], "ReturnCodec": 81 },
            "InvokedActor": null,
            "GasCharges": [],
            "Subcalls": [],
        },
        "Error": res.error.unwrap_or_default(),
        "Duration": started.elapsed().as_nanos() as u64,
    }))
}
