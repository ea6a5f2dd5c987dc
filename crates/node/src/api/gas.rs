//! `GasEstimate*`: Lotus's gas estimation over padma-chain's parts. The gas limit comes
//! from the trial run of the message on the head state after the sender's pending
//! messages (`gas_trial`); the premium from the premiums of the messages the last
//! tipsets executed; the fee cap from the parent base fee grown for the blocks the
//! message may wait.

use super::state::{ah, chain, err, tipset_of};
use super::NodeState;
use fvm_shared::address::Address;
use fvm_shared::econ::TokenAmount;
use padma_api::gas::*;
use padma_chain::gas_estimate::{
    cap_gas_fee_with, default_max_fee, estimate_fee_cap, estimate_gas_premium, lotus_noise,
    overestimate_gas_limit,
};
use padma_chain::gas_trial::{recent_premiums, trial_gas_used, GasTrialError};
use padma_rpc::error::{EXECUTION_REVERTED, OUT_OF_GAS};
use padma_rpc::{CallCtx, MethodTable, RpcError};
use padma_types::block::TipSet;
use padma_types::json::block::TipSetKeyJson;
use padma_types::json::{AddressJson, MessageJson, TokenAmountJson};
use padma_types::Message;
use std::sync::Arc;

type S = Arc<NodeState>;

/// Runs blocking chain work (state execution, the VM) off the async workers.
pub(crate) async fn blocking<T: Send + 'static>(
    f: impl FnOnce() -> Result<T, RpcError> + Send + 'static,
) -> Result<T, RpcError> {
    tokio::task::spawn_blocking(f)
        .await
        .map_err(|e| err(format!("internal error: {e}")))?
}

/// The key address behind `addr` in the head state (Lotus's
/// `ResolveToDeterministicAddress`).
pub(crate) fn key_address(s: &NodeState, addr: &Address) -> Result<Address, RpcError> {
    chain(s)?.sm().head_key_address(addr).map_err(ah)
}

/// The gas a message uses in padma-chain's trial run (not overestimated); out of gas
/// is error 2, a failing message error 3.
pub(crate) fn estimate_gas_limit(s: &NodeState, msg: &Message) -> Result<u64, RpcError> {
    trial_gas_used(&chain(s)?.svc, msg).map_err(|e| match e {
        GasTrialError::OutOfGas => RpcError::new(OUT_OF_GAS, e.to_string()),
        GasTrialError::Reverted { .. } => RpcError::new(EXECUTION_REVERTED, e.to_string()),
        _ => err(e),
    })
}

/// Lotus's `GasEstimateGasPremium` on the chain ending at `ts`, with Lotus's noise.
pub(crate) fn estimate_premium(
    s: &NodeState,
    nblocksincl: u64,
    ts: &TipSet,
) -> Result<TokenAmount, RpcError> {
    let (prices, blocks) = recent_premiums(chain(s)?.sm(), ts, nblocksincl).map_err(ah)?;
    let noise = lotus_noise(rand::random::<f64>);
    Ok(estimate_gas_premium(nblocksincl, &prices, blocks, noise))
}

/// Lotus's `GasEstimateMessageGas`: fills a zero gas limit (the trial run's gas,
/// overestimated by 1.25), a zero premium and a zero fee cap, then caps the total
/// fee at the spec's `MaxFee` (or the default 0.07 FIL).
pub(crate) fn estimate_message_gas(
    s: &NodeState,
    mut msg: Message,
    spec: &MessageSendSpecJson,
    ts: &TipSet,
) -> Result<Message, RpcError> {
    if msg.gas_limit == 0 {
        let used = estimate_gas_limit(s, &msg)?;
        let limit = overestimate_gas_limit(i64::try_from(used).unwrap_or(i64::MAX));
        msg.gas_limit = u64::try_from(limit).unwrap_or(0);
    }
    if msg.gas_premium.is_zero() {
        msg.gas_premium = estimate_premium(s, 10, ts)
            .map_err(|e| err(format!("estimating gas price: {}", e.message)))?;
    }
    if msg.gas_fee_cap.is_zero() {
        msg.gas_fee_cap =
            estimate_fee_cap(&ts.min_ticket_block().parent_base_fee, 20, &msg.gas_premium);
    }
    cap_gas_fee_with(
        &mut msg,
        &spec.max_fee,
        spec.maximize_fee_cap,
        &default_max_fee(),
    );
    Ok(msg)
}

/// Registers the gas estimation methods.
pub(super) fn register(t: &mut MethodTable<NodeState>) {
    t.add_offloaded(GasEstimateMessageGas, gas_estimate_message_gas);
    t.add_offloaded(GasEstimateGasLimit, gas_estimate_gas_limit);
    t.add_offloaded(GasEstimateFeeCap, gas_estimate_fee_cap);
    t.add_offloaded(GasEstimateGasPremium, gas_estimate_gas_premium);
}

/// `GasEstimateGasLimit [Message, TipSetKey]`: the gas the message uses (not
/// overestimated, as in Lotus); out of gas is error 2, a failing message error 3.
async fn gas_estimate_gas_limit(
    s: S,
    _c: CallCtx,
    (msg, tsk): (MessageJson, TipSetKeyJson),
) -> Result<u64, RpcError> {
    let msg: Message = msg.into();
    tipset_of(&s, &tsk)?;
    blocking(move || estimate_gas_limit(&s, &msg)).await
}

/// `GasEstimateGasPremium [nblocksincl, sender, gaslimit, TipSetKey]`.
async fn gas_estimate_gas_premium(
    s: S,
    _c: CallCtx,
    (nblocksincl, _sender, _gas_limit, tsk): (u64, AddressJson, i64, TipSetKeyJson),
) -> Result<TokenAmountJson, RpcError> {
    let ts = tipset_of(&s, &tsk)?;
    let premium = blocking(move || estimate_premium(&s, nblocksincl, &ts)).await?;
    Ok(TokenAmountJson(premium))
}

/// `GasEstimateFeeCap [Message, maxqueueblks, TipSetKey]`.
async fn gas_estimate_fee_cap(
    s: S,
    _c: CallCtx,
    (msg, max_queue_blks, tsk): (MessageJson, i64, TipSetKeyJson),
) -> Result<TokenAmountJson, RpcError> {
    let msg: Message = msg.into();
    let ts = tipset_of(&s, &tsk)?;
    Ok(TokenAmountJson(estimate_fee_cap(
        &ts.min_ticket_block().parent_base_fee,
        max_queue_blks,
        &msg.gas_premium,
    )))
}

/// `GasEstimateMessageGas [Message, MessageSendSpec|null, TipSetKey]`.
async fn gas_estimate_message_gas(
    s: S,
    _c: CallCtx,
    (msg, spec, tsk): (MessageJson, Option<MessageSendSpecJson>, TipSetKeyJson),
) -> Result<MessageJson, RpcError> {
    let msg: Message = msg.into();
    let ts = tipset_of(&s, &tsk)?;
    let out =
        blocking(move || estimate_message_gas(&s, msg, &spec.unwrap_or_default(), &ts)).await?;
    Ok(MessageJson::from(&out))
}
