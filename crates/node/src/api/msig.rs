//! `Msig*`: multisig wallets over the API. The builders make the message Lotus makes
//! (an init actor `Exec` of the bundle's multisig code, or a call to the multisig:
//! Propose 2, Approve 3, Cancel 4, AddSigner 5, RemoveSigner 6, SwapSigner 7); v1
//! answers it as a `MessagePrototype`, v0 pushes it with the wallet and answers its
//! CID. The readers are in [`super::msig_state`].

use super::mpool::push_message;
use super::state::{err, View};
use super::NodeState;
use fil_actor_multisig_state::v18 as msig;
use fvm_ipld_encoding::RawBytes;
use fvm_shared::address::Address;
use fvm_shared::econ::TokenAmount;
use fvm_shared::message::Message;
use padma_api::gas::MessageSendSpecJson;
use padma_api::msig::*;
use padma_rpc::{CallCtx, MethodTable, RpcError};
use padma_state::actors::ids;
use padma_state::ActorKind;
use padma_types::json::block::TipSetKeyJson;
use padma_types::json::{AddressJson, BytesJson, CidJson, MessageJson, TokenAmountJson};
use padma_types::message::unpriced_message;
use std::sync::Arc;

type S = Arc<NodeState>;

/// Init actor `Exec`.
const INIT_EXEC: u64 = 2;

/// Registers the multisig methods: every builder on v1 (prototype) and v0 (pushed).
pub(super) fn register(t: &mut MethodTable<NodeState>) {
    super::msig_state::register(t);
    macro_rules! builders {
        ($($v1:ident / $v0:ident => $build:ident),* $(,)?) => {$(
            t.add_offloaded($v1, |s: S, _c: CallCtx, p| async move {
                prototype($build(&s, p)?)
            });
            t.add_offloaded($v0, |s: S, _c: CallCtx, p| async move {
                let m = $build(&s, p)?;
                pushed(&s, m).await
            });
        )*};
    }
    builders!(
        MsigCreate / MsigCreateV0 => create,
        MsigPropose / MsigProposeV0 => propose,
        MsigApprove / MsigApproveV0 => approve,
        MsigApproveTxnHash / MsigApproveTxnHashV0 => approve_txn_hash,
        MsigCancelTxnHash / MsigCancelV0 => cancel_txn_hash,
        MsigAddPropose / MsigAddProposeV0 => add_propose,
        MsigAddApprove / MsigAddApproveV0 => add_approve,
        MsigAddCancel / MsigAddCancelV0 => add_cancel,
        MsigSwapPropose / MsigSwapProposeV0 => swap_propose,
        MsigSwapApprove / MsigSwapApproveV0 => swap_approve,
        MsigSwapCancel / MsigSwapCancelV0 => swap_cancel,
        MsigRemoveSigner / MsigRemoveSignerV0 => remove_signer,
    );
    t.add_offloaded(MsigCancel, |s: S, _c: CallCtx, p| async move {
        prototype(cancel(&s, p)?)
    });
}

/// The v1 answer: the message, its nonce still to be assigned.
fn prototype(m: Message) -> Result<MessagePrototypeJson, RpcError> {
    Ok(MessagePrototypeJson {
        message: MessageJson::from(&m),
        valid_nonce: false,
    })
}

/// The v0 answer: the message signed and pushed as `MpoolPushMessage` does.
async fn pushed(s: &S, m: Message) -> Result<CidJson, RpcError> {
    let signed = push_message(s, m, &MessageSendSpecJson::default()).await?;
    Ok(CidJson(signed.cid()))
}

/// An unsigned message with gas and nonce left for the push to fill in.
fn message(
    from: Address,
    to: Address,
    value: TokenAmount,
    method: u64,
    params: Vec<u8>,
) -> Message {
    unpriced_message(from, to, method, value, RawBytes::new(params))
}

fn cbor<T: serde::Serialize>(what: &str, v: &T) -> Result<Vec<u8>, RpcError> {
    fvm_ipld_encoding::to_vec(v).map_err(|e| err(format!("serializing {what}: {e}")))
}

fn txn_id(id: u64) -> Result<msig::TxnID, RpcError> {
    i64::try_from(id)
        .map(msig::TxnID)
        .map_err(|_| RpcError::invalid_params(format!("transaction ID {id} out of range")))
}

fn head(s: &NodeState) -> Result<View<'_>, RpcError> {
    View::at_key(s, &TipSetKeyJson::default())
}

/// `MsigCreate`: an init actor `Exec` of the multisig code named by the head state's
/// manifest, unlocking `value` linearly over `duration` epochs from epoch 0 (as Lotus).
fn create(
    s: &NodeState,
    (required, signers, duration, value, src, _gas_price): (
        u64,
        Vec<AddressJson>,
        i64,
        TokenAmountJson,
        AddressJson,
        TokenAmountJson,
    ),
) -> Result<Message, RpcError> {
    let count = signers.len() as u64;
    if count < required {
        return Err(err(
            "cannot require signing from more addresses than provided for multisig",
        ));
    }
    if duration < 0 {
        return Err(err(format!(
            "unlock duration must not be negative, was {duration}"
        )));
    }
    let threshold = if required == 0 { count } else { required };
    let v = head(s)?;
    let code = v
        .manifest()?
        .into_iter()
        .find(|(name, _)| name == ActorKind::Multisig.name())
        .map(|(_, c)| c)
        .ok_or_else(|| err("the state's actors manifest has no multisig actor"))?;
    let ctor = msig::ConstructorParams {
        signers: signers.into_iter().map(|a| a.0).collect(),
        num_approvals_threshold: threshold,
        unlock_duration: duration,
        start_epoch: 0,
    };
    let exec = fil_actor_init_state::v18::ExecParams {
        code_cid: code,
        constructor_params: RawBytes::new(cbor("multisig constructor params", &ctor)?),
    };
    let params = cbor("init exec params", &exec)?;
    Ok(message(
        src.0,
        Address::new_id(ids::INIT),
        value.0,
        INIT_EXEC,
        params,
    ))
}

/// A `Propose` to `msig` of `(to, value, method, params)`.
fn propose_message(
    msig_addr: Address,
    src: Address,
    to: Address,
    value: TokenAmount,
    method: u64,
    params: Vec<u8>,
) -> Result<Message, RpcError> {
    let p = msig::ProposeParams {
        to,
        value,
        method,
        params: RawBytes::new(params),
    };
    let params = cbor("propose params", &p)?;
    Ok(message(
        src,
        msig_addr,
        TokenAmount::default(),
        msig::Method::Propose as u64,
        params,
    ))
}

/// An `Approve` or `Cancel` of transaction `id`, bound to `hash` when not empty.
fn txn_message(
    msig_addr: Address,
    src: Address,
    method: msig::Method,
    id: u64,
    hash: Vec<u8>,
) -> Result<Message, RpcError> {
    let p = msig::TxnIDParams {
        id: txn_id(id)?,
        proposal_hash: hash,
    };
    let params = cbor("transaction ID params", &p)?;
    Ok(message(
        src,
        msig_addr,
        TokenAmount::default(),
        method as u64,
        params,
    ))
}

/// The proposal hash the actor checks: BLAKE2b-256 of the CBOR of the proposer (as
/// the ID address the actor records) and the transaction's fields.
fn proposal_hash(
    s: &NodeState,
    proposer: &Address,
    to: &Address,
    value: &TokenAmount,
    method: u64,
    params: Vec<u8>,
) -> Result<Vec<u8>, RpcError> {
    let v = head(s)?;
    let requester = v
        .resolve(proposer)?
        .map(Address::new_id)
        .ok_or_else(|| err(format!("proposer {proposer} not found")))?;
    let params = RawBytes::new(params);
    let data = msig::ProposalHashData {
        requester: Some(&requester),
        to,
        value,
        method: &method,
        params: &params,
    };
    Ok(padma_types::cid::blake2b_256(&cbor("proposal hash data", &data)?).to_vec())
}

fn propose(
    _s: &NodeState,
    (m, to, value, src, method, params): (
        AddressJson,
        AddressJson,
        TokenAmountJson,
        AddressJson,
        u64,
        BytesJson,
    ),
) -> Result<Message, RpcError> {
    propose_message(m.0, src.0, to.0, value.0, method, params.0)
}

fn approve(
    _s: &NodeState,
    (m, id, src): (AddressJson, u64, AddressJson),
) -> Result<Message, RpcError> {
    txn_message(m.0, src.0, msig::Method::Approve, id, Vec::new())
}

fn cancel(
    _s: &NodeState,
    (m, id, src): (AddressJson, u64, AddressJson),
) -> Result<Message, RpcError> {
    txn_message(m.0, src.0, msig::Method::Cancel, id, Vec::new())
}

fn approve_txn_hash(
    s: &NodeState,
    (m, id, proposer, to, value, src, method, params): (
        AddressJson,
        u64,
        AddressJson,
        AddressJson,
        TokenAmountJson,
        AddressJson,
        u64,
        BytesJson,
    ),
) -> Result<Message, RpcError> {
    let hash = proposal_hash(s, &proposer.0, &to.0, &value.0, method, params.0)?;
    txn_message(m.0, src.0, msig::Method::Approve, id, hash)
}

fn cancel_txn_hash(
    s: &NodeState,
    (m, id, to, value, src, method, params): (
        AddressJson,
        u64,
        AddressJson,
        TokenAmountJson,
        AddressJson,
        u64,
        BytesJson,
    ),
) -> Result<Message, RpcError> {
    let hash = proposal_hash(s, &src.0, &to.0, &value.0, method, params.0)?;
    txn_message(m.0, src.0, msig::Method::Cancel, id, hash)
}

fn add_signer_params(signer: Address, increase: bool) -> Result<Vec<u8>, RpcError> {
    cbor(
        "add signer params",
        &msig::AddSignerParams { signer, increase },
    )
}

fn swap_signer_params(from: Address, to: Address) -> Result<Vec<u8>, RpcError> {
    cbor("swap signer params", &msig::SwapSignerParams { from, to })
}

fn add_propose(
    _s: &NodeState,
    (m, src, new, increase): (AddressJson, AddressJson, AddressJson, bool),
) -> Result<Message, RpcError> {
    let params = add_signer_params(new.0, increase)?;
    let add = msig::Method::AddSigner as u64;
    propose_message(m.0, src.0, m.0, TokenAmount::default(), add, params)
}

fn add_approve(
    s: &NodeState,
    (m, src, id, proposer, new, increase): (
        AddressJson,
        AddressJson,
        u64,
        AddressJson,
        AddressJson,
        bool,
    ),
) -> Result<Message, RpcError> {
    let params = BytesJson(add_signer_params(new.0, increase)?);
    let add = msig::Method::AddSigner as u64;
    let zero = TokenAmountJson::default();
    approve_txn_hash(s, (m, id, proposer, m, zero, src, add, params))
}

fn add_cancel(
    s: &NodeState,
    (m, src, id, new, increase): (AddressJson, AddressJson, u64, AddressJson, bool),
) -> Result<Message, RpcError> {
    let params = BytesJson(add_signer_params(new.0, increase)?);
    let add = msig::Method::AddSigner as u64;
    cancel_txn_hash(s, (m, id, m, TokenAmountJson::default(), src, add, params))
}

fn swap_propose(
    _s: &NodeState,
    (m, src, old, new): (AddressJson, AddressJson, AddressJson, AddressJson),
) -> Result<Message, RpcError> {
    let params = swap_signer_params(old.0, new.0)?;
    let swap = msig::Method::SwapSigner as u64;
    propose_message(m.0, src.0, m.0, TokenAmount::default(), swap, params)
}

fn swap_approve(
    s: &NodeState,
    (m, src, id, proposer, old, new): (
        AddressJson,
        AddressJson,
        u64,
        AddressJson,
        AddressJson,
        AddressJson,
    ),
) -> Result<Message, RpcError> {
    let params = BytesJson(swap_signer_params(old.0, new.0)?);
    let swap = msig::Method::SwapSigner as u64;
    let zero = TokenAmountJson::default();
    approve_txn_hash(s, (m, id, proposer, m, zero, src, swap, params))
}

fn swap_cancel(
    s: &NodeState,
    (m, src, id, old, new): (AddressJson, AddressJson, u64, AddressJson, AddressJson),
) -> Result<Message, RpcError> {
    let params = BytesJson(swap_signer_params(old.0, new.0)?);
    let swap = msig::Method::SwapSigner as u64;
    cancel_txn_hash(s, (m, id, m, TokenAmountJson::default(), src, swap, params))
}

fn remove_signer(
    _s: &NodeState,
    (m, src, signer, decrease): (AddressJson, AddressJson, AddressJson, bool),
) -> Result<Message, RpcError> {
    let params = cbor(
        "remove signer params",
        &msig::RemoveSignerParams {
            signer: signer.0,
            decrease,
        },
    )?;
    let remove = msig::Method::RemoveSigner as u64;
    propose_message(m.0, src.0, m.0, TokenAmount::default(), remove, params)
}
