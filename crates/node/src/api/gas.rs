//! `GasEstimate*`: Lotus's gas estimation over padma-chain's parts. The gas limit comes
//! from the trial run of the message on the head state after the sender's pending
//! messages (`gas_trial`); the premium from the premiums of the messages the last
//! tipsets executed; the fee cap from the parent base fee grown for the blocks the
//! message may wait.

use super::message_json::MessageSendSpecJson;
use super::state::{ah, chain, err, tipset_param};
use super::NodeState;
use fvm_shared::address::Address;
use fvm_shared::econ::TokenAmount;
use padma_chain::gas_estimate::{
    cap_gas_fee_with, default_max_fee, estimate_fee_cap, estimate_gas_premium, lotus_noise,
    overestimate_gas_limit,
};
use padma_chain::gas_trial::{recent_premiums, trial_gas_used, GasTrialError};
use padma_chain::state_view::head_key_address;
use padma_rpc::error::{EXECUTION_REVERTED, OUT_OF_GAS};
use padma_rpc::method::{to_value, CallResult};
use padma_rpc::{CallCtx, Params, RpcError};
use padma_types::block::TipSet;
use padma_types::json::{AddressJson, MessageJson};
use padma_types::Message;
use std::sync::Arc;

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
    head_key_address(chain(s)?.sm(), addr).map_err(ah)
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

/// `GasEstimateGasLimit [Message, TipSetKey]`: the gas the message uses (not
/// overestimated, as in Lotus); out of gas is error 2, a failing message error 3.
pub async fn gas_estimate_gas_limit(s: Arc<NodeState>, _c: CallCtx, p: Params) -> CallResult {
    let msg: Message = p.get::<MessageJson>(0)?.into();
    tipset_param(&s, &p, 1)?;
    let used = blocking(move || estimate_gas_limit(&s, &msg)).await?;
    to_value(used)
}

/// `GasEstimateGasPremium [nblocksincl, sender, gaslimit, TipSetKey]`.
pub async fn gas_estimate_gas_premium(s: Arc<NodeState>, _c: CallCtx, p: Params) -> CallResult {
    let n: u64 = p.get(0)?;
    let _sender: AddressJson = p.get(1)?;
    let _limit: i64 = p.get(2)?;
    let ts = tipset_param(&s, &p, 3)?;
    let premium = blocking(move || estimate_premium(&s, n, &ts)).await?;
    to_value(premium.atto().to_string())
}

/// `GasEstimateFeeCap [Message, maxqueueblks, TipSetKey]`.
pub async fn gas_estimate_fee_cap(s: Arc<NodeState>, _c: CallCtx, p: Params) -> CallResult {
    let msg: Message = p.get::<MessageJson>(0)?.into();
    let blks: i64 = p.get(1)?;
    let ts = tipset_param(&s, &p, 2)?;
    let cap = estimate_fee_cap(
        &ts.min_ticket_block().parent_base_fee,
        blks,
        &msg.gas_premium,
    );
    to_value(cap.atto().to_string())
}

/// `GasEstimateMessageGas [Message, MessageSendSpec|null, TipSetKey]`.
pub async fn gas_estimate_message_gas(s: Arc<NodeState>, _c: CallCtx, p: Params) -> CallResult {
    let msg: Message = p.get::<MessageJson>(0)?.into();
    let spec: Option<MessageSendSpecJson> = p.get(1)?;
    let ts = tipset_param(&s, &p, 2)?;
    let out =
        blocking(move || estimate_message_gas(&s, msg, &spec.unwrap_or_default(), &ts)).await?;
    to_value(MessageJson::from(&out))
}
