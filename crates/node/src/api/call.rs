//! `StateCall`: a message applied to a tipset's state without committing anything,
//! answered with Lotus's `InvocResult` — built by [`invoc_result`], which `StateReplay`
//! answers too; and `StateCompute`: messages applied on top of a tipset's result.

use super::state::chain;
use super::state::err;
use super::state::tipset_of;
use super::NodeState;
use cid::Cid;
use fvm_shared::econ::TokenAmount;
use fvm_shared::receipt::Receipt;
use padma_api::state_call::*;
use padma_rpc::{CallCtx, MethodTable, RpcError};
use padma_state::vm::{ChainMessage, GasOutputs, Traced};
use padma_types::json::block::TipSetKeyJson;
use padma_types::json::{AddressJson, CidJson, MessageJson, MessageReceiptJson, TokenAmountJson};
use padma_types::message::message_cid;
use padma_types::Message;
use std::sync::Arc;
use std::time::Instant;

/// Registers `StateCall` and `StateCompute`.
pub(super) fn register(t: &mut MethodTable<NodeState>) {
    t.add_offloaded(StateCall, state_call);
    t.add_offloaded(StateCompute, state_compute);
}

fn amount(t: &TokenAmount) -> TokenAmountJson {
    TokenAmountJson(t.clone())
}

/// Lotus's `MsgGasCost`. With the gas split of an explicitly applied message it is
/// `stmgr.MakeMsgGasCost`: `TotalCost` is what the sender paid, `feeCap × gasLimit −
/// refund`. Without one (`StateCall` applies implicitly, and Lotus leaves the field
/// unset there) it is the zero value: no message CID and every amount `0`.
fn msg_gas_cost(msg: &Message, gas_used: u64, gas: Option<&GasOutputs>) -> MsgGasCostJson {
    let Some(gas) = gas else {
        let zero = amount(&TokenAmount::default());
        return MsgGasCostJson {
            message: None,
            gas_used: Default::default(),
            base_fee_burn: zero.clone(),
            over_estimation_burn: zero.clone(),
            miner_penalty: zero.clone(),
            miner_tip: zero.clone(),
            refund: zero.clone(),
            total_cost: zero,
        };
    };
    let required = &msg.gas_fee_cap * msg.gas_limit;
    MsgGasCostJson {
        message: Some(CidJson(message_cid(msg))),
        gas_used: gas_used.into(),
        base_fee_burn: amount(&gas.base_fee_burn),
        over_estimation_burn: amount(&gas.over_estimation_burn),
        miner_penalty: amount(&gas.miner_penalty),
        miner_tip: amount(&gas.miner_tip),
        refund: amount(&gas.refund),
        total_cost: amount(&(required - &gas.refund)),
    }
}

/// Lotus's `InvocResult` for message `msg` (known to the chain as `mcid`) applied with
/// receipt `rct`: its `GasCost` from [`msg_gas_cost`] with `gas`, its `Error` from
/// `error`, and its `Duration` the time since `started`.
pub(crate) fn invoc_result(
    mcid: Cid,
    msg: &Message,
    rct: &Receipt,
    gas: Option<&GasOutputs>,
    error: Option<&str>,
    started: Instant,
) -> InvocResultJson {
    InvocResultJson {
        msg_cid: CidJson(mcid),
        msg: MessageJson::from(msg),
        msg_rct: MessageReceiptJson::from(rct),
        gas_cost: msg_gas_cost(msg, rct.gas_used, gas),
        execution_trace: ExecutionTraceJson {
            msg: MessageTraceJson {
                from: AddressJson(msg.from),
                to: AddressJson(msg.to),
                value: amount(&msg.value),
                method: msg.method_num,
                params: msg.params.to_vec(),
                params_codec: DAG_CBOR_CODEC,
                gas_limit: msg.gas_limit,
                read_only: false,
            },
            msg_rct: ReturnTraceJson {
                exit_code: rct.exit_code.value(),
                return_data: rct.return_data.to_vec(),
                return_codec: DAG_CBOR_CODEC,
            },
            invoked_actor: None,
            gas_charges: Vec::new(),
            subcalls: Vec::new(),
        },
        error: error.unwrap_or_default().to_string(),
        duration: started.elapsed().as_nanos() as u64,
    }
}

/// `StateCall [Message, TipSetKey]`: runs the message on the state the tipset's blocks
/// were built on (for the genesis tipset, the genesis state), as an implicit message.
/// Actor randomness and proof verification are not available to such calls. As in
/// Lotus, the answer's `GasCost` is the zero value (the message pays no gas).
async fn state_call(
    s: Arc<NodeState>,
    _c: CallCtx,
    (msg, key): (MessageJson, TipSetKeyJson),
) -> Result<InvocResultJson, RpcError> {
    let msg: Message = msg.into();
    let ts = tipset_of(&s, &key)?;
    let started = Instant::now();
    let sm = chain(&s)?.sm();
    let env = sm.env(
        &ts,
        ts.height(),
        ts.min_ticket_block().parent_base_fee.clone(),
    );
    let res = sm
        .engine()
        .call(&s.store, &ts.parent_state(), &msg, env)
        .map_err(|e| err(format!("call failed: {e:#}")))?;
    Ok(invoc_result(
        message_cid(&res.msg),
        &res.msg,
        &res.receipt,
        None,
        res.error.as_deref(),
        started,
    ))
}

/// `StateCompute [height, messages, TipSetKey]` as Lotus's `stmgr.ComputeState`: the
/// tipset executed (its messages' results are the trace), then `msgs` applied in order
/// as on-chain messages on its result, in one machine at epoch `height`; the root of
/// that state (written to the datastore). The trace is Lotus's execution trace: every
/// message of the tipset in execution order, the implicit ones (null rounds' cron,
/// each block's reward, the tipset's cron) included.
async fn state_compute(
    s: Arc<NodeState>,
    _c: CallCtx,
    (height, msgs, key): (i64, Vec<MessageJson>, TipSetKeyJson),
) -> Result<ComputeStateOutputJson, RpcError> {
    let ts = tipset_of(&s, &key)?;
    if height < ts.height() {
        return Err(err(format!(
            "height {height} is below the tipset's height {}",
            ts.height()
        )));
    }
    let sm = chain(&s)?.sm();
    let started = Instant::now();
    let (base, trace) = if ts.height() == 0 {
        (ts.parent_state(), Vec::new())
    } else {
        let res = sm
            .execute(&ts)
            .map_err(|e| err(format!("computing the tipset's state: {e:#}")))?;
        let known: std::collections::HashMap<Cid, Message> =
            padma_chain::messages::tipset_messages(sm.store(), &ts)
                .map_err(|e| err(format!("loading the tipset's messages: {e:#}")))?
                .into_iter()
                .collect();
        let trace = res
            .in_order()
            .into_iter()
            .filter_map(|(msg, ret)| {
                let (cid, msg) = match msg {
                    Traced::Explicit(c) => (*c, known.get(c)?),
                    Traced::Implicit(m) => (message_cid(m), m),
                };
                Some(invoc_result(
                    cid,
                    msg,
                    &ret.receipt,
                    Some(&ret.gas),
                    ret.error.as_deref(),
                    started,
                ))
            })
            .collect();
        (res.state_root, trace)
    };
    let msgs: Vec<ChainMessage> = msgs
        .into_iter()
        .map(|m| ChainMessage::Bls(m.into()))
        .collect();
    let env = sm.env(&ts, height, ts.min_ticket_block().parent_base_fee.clone());
    let (root, rets) = sm
        .engine()
        .apply_on(sm.store(), &base, &msgs, env)
        .map_err(|e| err(format!("applying the messages: {e:#}")))?;
    for (i, r) in rets.iter().enumerate() {
        if !r.receipt.exit_code.is_success() {
            tracing::info!(
                message = i,
                exit = r.receipt.exit_code.value(),
                error = r.error.as_deref().unwrap_or_default(),
                "compute state: a message failed"
            );
        }
    }
    Ok(ComputeStateOutputJson {
        root: CidJson(root),
        trace,
    })
}
