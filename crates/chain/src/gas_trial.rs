//! What gas estimation reads from the chain (the arithmetic is in
//! [`gas_estimate`](crate::gas_estimate)): the trial run that measures a message's gas
//! on the state after the head, after its sender's pending messages, and the premiums
//! of the messages recent tipsets executed.

use crate::gas_estimate::premium_history_tipsets;
use crate::service::ChainService;
use crate::sm::StateManager;
use crate::state_view::StateView;
use fvm_shared::address::{Address, Protocol};
use fvm_shared::crypto::signature::{Signature, SignatureType};
use fvm_shared::econ::TokenAmount;
use fvm_shared::error::ExitCode;
use padma_state::vm::ChainMessage;
use padma_types::block::TipSet;
use padma_types::message::BLOCK_GAS_LIMIT;
use padma_types::{Message, SignedMessage};
use std::collections::HashMap;

/// Why a trial run gave no gas figure.
#[derive(Debug, thiserror::Error)]
pub enum GasTrialError {
    /// The sender has no key address in the head state.
    #[error(
        "gas estimation failed: resolving sender {sender} ({reason}): sender validation failed"
    )]
    UnknownSender {
        /// The message's sender.
        sender: Address,
        /// Why it did not resolve.
        reason: String,
    },
    /// The VM could not run the message.
    #[error("gas estimation failed: CallWithGas failed: {0:#}")]
    CallFailed(anyhow::Error),
    /// The message ran out of gas with the block gas limit.
    #[error("call ran out of gas")]
    OutOfGas,
    /// The VM refused the sender.
    #[error(
        "message execution failed (exit=[{exit}], vm error=[{vm_error}]): sender validation failed"
    )]
    SenderInvalid {
        /// The exit code.
        exit: ExitCode,
        /// The VM's reason.
        vm_error: String,
    },
    /// The message ran and failed.
    #[error("message execution failed (exit=[{exit}], vm error=[{vm_error}])")]
    Reverted {
        /// The exit code.
        exit: ExitCode,
        /// The VM's reason.
        vm_error: String,
    },
    /// Reading the chain failed.
    #[error("{0:#}")]
    Chain(#[from] anyhow::Error),
}

fn chain_message(m: SignedMessage) -> ChainMessage {
    if m.signature.sig_type == SignatureType::BLS {
        ChainMessage::Bls(m.message)
    } else {
        ChainMessage::Signed(m)
    }
}

/// The sender's pending messages that come before `msg` (by nonce, up to its own).
fn prior_messages(
    svc: &ChainService,
    msg: &Message,
    key: &Address,
    id: Option<Address>,
) -> Vec<ChainMessage> {
    let from_sender = |m: &SignedMessage| {
        let f = m.message.from;
        f == *key || f == msg.from || Some(f) == id
    };
    let mut pending: Vec<SignedMessage> = svc
        .mpool()
        .pending()
        .into_iter()
        .filter(from_sender)
        .collect();
    pending.sort_by_key(|m| m.message.sequence);
    pending
        .into_iter()
        .take_while(|m| m.message.sequence != msg.sequence)
        .map(chain_message)
        .collect()
}

/// The gas `msg` uses when applied on the state after the head, after its sender's
/// pending messages (Lotus's `GasEstimateGasLimit`: gas limit the block limit, fees
/// zero, so gas is free; no overestimation).
pub fn trial_gas_used(svc: &ChainService, msg: &Message) -> Result<u64, GasTrialError> {
    let sm = svc.sm();
    let head = sm.head();
    let root = sm.tipset_state(&head)?.state_root;
    let view = StateView::new(sm.store().clone(), &root)?;
    let key = view
        .key_address(&msg.from)
        .map_err(|e| GasTrialError::UnknownSender {
            sender: msg.from,
            reason: format!("{e:#}"),
        })?;
    let id = view.resolve(&msg.from)?.map(Address::new_id);
    let prior = prior_messages(svc, msg, &key, id);
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
    let base_fee = sm.child_base_fee(&head)?;
    let env = sm.env(&head, head.height() + 1, base_fee);
    let res = sm
        .engine()
        .call_explicit(sm.store(), &root, &prior, &trial, env)
        .map_err(GasTrialError::CallFailed)?;
    let exit = res.receipt.exit_code;
    if exit == ExitCode::SYS_OUT_OF_GAS {
        return Err(GasTrialError::OutOfGas);
    }
    let vm_error = res.error.unwrap_or_default();
    if exit == ExitCode::SYS_SENDER_INVALID {
        return Err(GasTrialError::SenderInvalid { exit, vm_error });
    }
    if !exit.is_success() {
        return Err(GasTrialError::Reverted { exit, vm_error });
    }
    Ok(res.receipt.gas_used)
}

/// The premiums and gas limits of the messages the tipsets below `ts` executed, as
/// many tipsets back as `nblocksincl` calls for, and how many blocks those tipsets had
/// (the inputs of [`estimate_gas_premium`](crate::gas_estimate::estimate_gas_premium)).
pub fn recent_premiums(
    sm: &StateManager,
    ts: &TipSet,
    nblocksincl: u64,
) -> anyhow::Result<(Vec<(TokenAmount, u64)>, u64)> {
    let mut prices = Vec::new();
    let mut blocks = 0u64;
    let mut ts = ts.clone();
    for _ in 0..premium_history_tipsets(nblocksincl) {
        if ts.height() == 0 {
            break;
        }
        let pts = sm.chain().load_tipset(&ts.parents())?;
        blocks += pts.blocks().len() as u64;
        // The messages `pts` executed, as its receipts list them.
        let applied = sm.tipset_state(&pts)?.applied.clone();
        let by_cid: HashMap<cid::Cid, Message> = sm
            .block_messages(&pts)?
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
    Ok((prices, blocks))
}
