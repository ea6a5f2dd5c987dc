//! `GasEstimate*`: Lotus's gas estimation. The gas limit comes from a trial run of
//! the message as an explicit message on the head state, after the sender's pending
//! messages; the premium from the premiums of the messages the last tipsets executed;
//! the fee cap from the parent base fee grown for the blocks the message may wait.

use super::message_json::MessageSendSpecJson;
use super::state::{ah, chain, err, tipset_param};
use super::NodeState;
use fvm_shared::address::{Address, Protocol};
use fvm_shared::crypto::signature::Signature;
use fvm_shared::econ::TokenAmount;
use fvm_shared::error::ExitCode;
use padma_chain::gas_estimate::{
    cap_gas_fee_with, default_max_fee, estimate_fee_cap, estimate_gas_premium, lotus_noise,
    overestimate_gas_limit, premium_history_tipsets,
};
use padma_chain::state_view::StateView;
use padma_rpc::error::{EXECUTION_REVERTED, OUT_OF_GAS};
use padma_rpc::method::{to_value, CallResult};
use padma_rpc::{CallCtx, Params, RpcError};
use padma_state::vm::{call_explicit, ChainMessage};
use padma_types::block::TipSet;
use padma_types::json::{AddressJson, MessageJson};
use padma_types::message::BLOCK_GAS_LIMIT;
use padma_types::{Message, SignedMessage};
use std::collections::HashMap;
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
    if matches!(addr.protocol(), Protocol::Secp256k1 | Protocol::BLS) {
        return Ok(*addr);
    }
    let sm = chain(s)?.sm();
    let root = sm.head_state().map_err(ah)?;
    let view = StateView::new(sm.store().clone(), &root).map_err(ah)?;
    view.key_address(addr).map_err(ah)
}

/// The gas a message uses when applied on the head state after its sender's pending
/// messages (Lotus's `GasEstimateGasLimit`: gas limit the block limit, fees zero, so
/// gas is free; no overestimation).
pub(crate) fn estimate_gas_limit(s: &NodeState, msg: &Message) -> Result<u64, RpcError> {
    let ch = chain(s)?;
    let sm = ch.sm();
    let head = sm.head();
    let root = sm.tipset_state(&head).map_err(ah)?.state_root;
    let view = StateView::new(sm.store().clone(), &root).map_err(ah)?;
    let key = view.key_address(&msg.from).map_err(|e| {
        err(format!(
            "gas estimation failed: resolving sender {} ({e:#}): sender validation failed",
            msg.from
        ))
    })?;
    let id = view.resolve(&msg.from).map_err(ah)?.map(Address::new_id);
    let from_sender = |m: &SignedMessage| {
        let f = m.message.from;
        f == key || f == msg.from || Some(f) == id
    };
    let mut pending: Vec<SignedMessage> = ch
        .svc
        .mpool()
        .pending()
        .into_iter()
        .filter(from_sender)
        .collect();
    pending.sort_by_key(|m| m.message.sequence);
    let prior: Vec<ChainMessage> = pending
        .into_iter()
        .take_while(|m| m.message.sequence != msg.sequence)
        .map(chain_message)
        .collect();
    let mut trial = msg.clone();
    trial.gas_limit = BLOCK_GAS_LIMIT;
    trial.gas_fee_cap = TokenAmount::default();
    trial.gas_premium = TokenAmount::default();
    let trial = if key.protocol() == Protocol::BLS {
        ChainMessage::Bls(trial)
    } else {
        ChainMessage::Signed(SignedMessage {
            message: trial,
            signature: Signature::new_secp256k1(vec![0; 65]),
        })
    };
    let base_fee = sm.child_base_fee(&head).map_err(ah)?;
    let res = sm
        .with_env(&head, head.height() + 1, base_fee, |env| {
            call_explicit(sm.store().as_ref(), &root, &prior, &trial, env)
        })
        .map_err(|e| err(format!("gas estimation failed: CallWithGas failed: {e:#}")))?;
    let code = res.receipt.exit_code;
    if code == ExitCode::SYS_OUT_OF_GAS {
        return Err(RpcError::new(OUT_OF_GAS, "call ran out of gas"));
    }
    let vm_error = res.error.unwrap_or_default();
    if code == ExitCode::SYS_SENDER_INVALID {
        return Err(err(format!(
            "message execution failed (exit=[{code}], vm error=[{vm_error}]): sender validation failed"
        )));
    }
    if !code.is_success() {
        return Err(RpcError::new(
            EXECUTION_REVERTED,
            format!("message execution failed (exit=[{code}], vm error=[{vm_error}])"),
        ));
    }
    Ok(res.receipt.gas_used)
}

fn chain_message(m: SignedMessage) -> ChainMessage {
    if m.signature.sig_type == fvm_shared::crypto::signature::SignatureType::BLS {
        ChainMessage::Bls(m.message)
    } else {
        ChainMessage::Signed(m)
    }
}

/// Lotus's `GasEstimateGasPremium` on the chain ending at `ts`, with Lotus's noise.
pub(crate) fn estimate_premium(
    s: &NodeState,
    nblocksincl: u64,
    ts: &TipSet,
) -> Result<TokenAmount, RpcError> {
    let sm = chain(s)?.sm();
    let mut prices = Vec::new();
    let mut blocks = 0u64;
    let mut ts = ts.clone();
    for _ in 0..premium_history_tipsets(nblocksincl) {
        if ts.height() == 0 {
            break;
        }
        let pts = sm.chain().load_tipset(&ts.parents()).map_err(ah)?;
        blocks += pts.blocks().len() as u64;
        // The messages `pts` executed, as its receipts list them.
        let applied = sm.tipset_state(&pts).map_err(ah)?.applied.clone();
        let by_cid: HashMap<cid::Cid, Message> = sm
            .block_messages(&pts)
            .map_err(ah)?
            .into_iter()
            .flat_map(|b| b.messages)
            .map(|m| (m.cid(), m.message().clone()))
            .collect();
        for c in &applied {
            if let Some(m) = by_cid.get(c) {
                prices.push((m.gas_premium.clone(), m.gas_limit));
            }
        }
        ts = pts;
    }
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
        msg.gas_fee_cap = estimate_fee_cap(&ts.blocks()[0].parent_base_fee, 20, &msg.gas_premium);
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
    let cap = estimate_fee_cap(&ts.blocks()[0].parent_base_fee, blks, &msg.gas_premium);
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
