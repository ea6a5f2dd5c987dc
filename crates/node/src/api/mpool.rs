//! `Mpool*`: the message pool over the API — pushing signed messages, signing and
//! pushing with the node's wallet (nonce from the pool, gas estimated), pending
//! messages, nonces, block message selection and the stream of pool changes.

use super::gas::{blocking, estimate_message_gas, key_address};
use super::state::tipset_of;
use super::state::{ah, chain, err};
use super::NodeState;
use fvm_shared::address::Protocol;
use padma_api::mpool::*;
use padma_rpc::{CallCtx, MethodTable, RpcError};
use padma_types::json::block::TipSetKeyJson;
use padma_types::json::{AddressJson, CidJson, MessageJson, SignedMessageJson};
use padma_types::message::message_signing_bytes;
use padma_types::{Message, SignedMessage};
use std::sync::Arc;
use tokio::sync::mpsc;

type S = Arc<NodeState>;

/// Registers the message pool methods.
pub(super) fn register(t: &mut MethodTable<NodeState>) {
    t.add_offloaded(MpoolPush, |s: S, _c, (m,): (SignedMessageJson,)| {
        push_one(s, m, true)
    });
    t.add_offloaded(
        MpoolPushUntrusted,
        |s: S, _c, (m,): (SignedMessageJson,)| push_one(s, m, false),
    );
    t.add_offloaded(MpoolPushMessage, mpool_push_message);
    t.add_offloaded(
        MpoolBatchPush,
        |s: S, _c, (list,): (Vec<SignedMessageJson>,)| batch_push(s, list, true),
    );
    t.add_offloaded(
        MpoolBatchPushUntrusted,
        |s: S, _c, (list,): (Vec<SignedMessageJson>,)| batch_push(s, list, false),
    );
    t.add_offloaded(MpoolBatchPushMessage, mpool_batch_push_message);
    t.add_offloaded(MpoolGetNonce, mpool_get_nonce);
    t.add_offloaded(
        MpoolPending,
        |s: S, _c, (key,): (TipSetKeyJson,)| async move {
            tipset_of(&s, &key)?;
            let pending = chain(&s)?.svc.mpool().pending();
            Ok(pending.iter().map(SignedMessageJson::from).collect())
        },
    );
    t.add_offloaded(MpoolSelect, mpool_select);
    t.add_channel(MpoolSub, mpool_sub);
}

fn push(s: &NodeState, m: SignedMessage, trusted: bool) -> Result<cid::Cid, RpcError> {
    chain(s)?.svc.push_message(m, trusted).map_err(err)
}

/// `MpoolPush` (trusted: a local message) and `MpoolPushUntrusted` (network limits:
/// no nonce gaps): the message's CID.
async fn push_one(s: S, m: SignedMessageJson, trusted: bool) -> Result<CidJson, RpcError> {
    let m = SignedMessage::try_from(m).map_err(RpcError::invalid_params)?;
    let c = blocking(move || push(&s, m, trusted)).await?;
    Ok(CidJson(c))
}

/// `MpoolBatchPush` and `MpoolBatchPushUntrusted`: the CIDs, stopping at the first
/// refusal as Lotus does (the CIDs pushed so far are not returned).
async fn batch_push(
    s: S,
    list: Vec<SignedMessageJson>,
    trusted: bool,
) -> Result<Vec<CidJson>, RpcError> {
    let msgs = list
        .into_iter()
        .map(SignedMessage::try_from)
        .collect::<Result<Vec<_>, _>>()
        .map_err(RpcError::invalid_params)?;
    blocking(move || {
        msgs.into_iter()
            .map(|m| push(&s, m, trusted).map(CidJson))
            .collect::<Result<Vec<_>, _>>()
    })
    .await
}

/// Lotus's `MpoolPushMessage` for one message: the nonce must be 0; gas is estimated
/// where zero and capped by the spec's `MaxFee`; an ID sender becomes its key address;
/// the funds are checked; the pool's next nonce is assigned; the wallet signs.
pub(super) async fn push_message(
    s: &Arc<NodeState>,
    msg: Message,
    spec: &MessageSendSpecJson,
) -> Result<SignedMessage, RpcError> {
    if let Some(u) = &spec.msg_uuid {
        if let Some(m) = s.pushed.remembered(u) {
            tracing::warn!(cid = %m.cid(), "message already processed");
            return Ok(m);
        }
    }
    let from_key = key_address(s, &msg.from)
        .map_err(|e| err(format!("getting key address: {}", e.message)))?;
    let _one_at_a_time = s.pushed.lock().await;
    if msg.sequence != 0 {
        return Err(err(format!(
            "MpoolPushMessage expects message nonce to be 0, was {}",
            msg.sequence
        )));
    }
    let ts = chain(s)?.head();
    let s2 = s.clone();
    let spec2 = spec.clone();
    let original = msg.clone();
    let mut msg = blocking(move || estimate_message_gas(&s2, msg, &spec2, &ts))
        .await
        .map_err(|e| RpcError {
            message: format!("GasEstimateMessageGas error: {}", e.message),
            ..e
        })?;
    if msg.gas_premium > msg.gas_fee_cap {
        let show = |m: &Message| serde_json::to_string(&MessageJson::from(m)).unwrap_or_default();
        let (inp, out) = (show(&original), show(&msg));
        return Err(err(format!(
            "After estimation, GasPremium is greater than GasFeeCap, inmsg: {inp}, outmsg: {out}"
        )));
    }
    if msg.from.protocol() == Protocol::ID {
        tracing::warn!(from = %msg.from, key = %from_key, "push from an ID address: using its key address");
        msg.from = from_key;
    }
    let s2 = s.clone();
    let signed = blocking(move || {
        let ch = chain(&s2)?;
        let balance = {
            use padma_chain::MpoolState;
            ch.svc.mpool().state().balance(&msg.from).map_err(ah)?
        };
        let required = &msg.value + &msg.gas_fee_cap * msg.gas_limit;
        if balance < required {
            return Err(err(format!(
                "mpool push: not enough funds: {} < {}",
                balance.atto(),
                required.atto()
            )));
        }
        msg.sequence = ch.svc.mpool().get_nonce(&msg.from).map_err(err)?;
        let signature = s2
            .wallet
            .sign(&msg.from, &message_signing_bytes(&msg))
            .map_err(|e| err(format!("failed to sign message: {e:#}")))?;
        let signed = SignedMessage {
            message: msg,
            signature,
        };
        ch.svc
            .push_message(signed.clone(), true)
            .map_err(|e| err(format!("mpool push: failed to push message: {e}")))?;
        Ok(signed)
    })
    .await?;
    if let Some(u) = &spec.msg_uuid {
        s.pushed.remember(u.clone(), signed.clone());
    }
    Ok(signed)
}

/// `MpoolPushMessage [Message, MessageSendSpec|null]` → SignedMessage.
async fn mpool_push_message(
    s: S,
    _c: CallCtx,
    (msg, spec): (MessageJson, Option<MessageSendSpecJson>),
) -> Result<SignedMessageJson, RpcError> {
    let signed = push_message(&s, msg.into(), &spec.unwrap_or_default()).await?;
    Ok(SignedMessageJson::from(&signed))
}

/// `MpoolBatchPushMessage [[Message], MessageSendSpec|null]` → [SignedMessage]; stops
/// at the first failure.
async fn mpool_batch_push_message(
    s: S,
    _c: CallCtx,
    (msgs, spec): (Vec<MessageJson>, Option<MessageSendSpecJson>),
) -> Result<Vec<SignedMessageJson>, RpcError> {
    let spec = spec.unwrap_or_default();
    let mut out = Vec::with_capacity(msgs.len());
    for m in msgs {
        let signed = push_message(&s, m.into(), &spec).await?;
        out.push(SignedMessageJson::from(&signed));
    }
    Ok(out)
}

/// `MpoolGetNonce [addr]`: the next nonce, past the state nonce and pending messages
/// (an ID address counts the pending messages of its key address).
async fn mpool_get_nonce(s: S, _c: CallCtx, (a,): (AddressJson,)) -> Result<u64, RpcError> {
    let a = a.0;
    blocking(move || {
        let a = if a.protocol() == Protocol::ID {
            key_address(&s, &a).unwrap_or(a)
        } else {
            a
        };
        chain(&s)?.svc.mpool().get_nonce(&a).map_err(err)
    })
    .await
}

/// `MpoolSelect [TipSetKey, ticketQuality]`: messages for a block on that tipset
/// (fee caps covering its children's base fee, nonces following its state, within the
/// block gas limit, each passing the inclusion rule block validation applies).
async fn mpool_select(
    s: S,
    _c: CallCtx,
    (key, _quality): (TipSetKeyJson, f64),
) -> Result<Vec<SignedMessageJson>, RpcError> {
    let ts = tipset_of(&s, &key)?;
    let msgs = blocking(move || chain(&s)?.svc.select_messages(&ts).map_err(ah)).await?;
    Ok(msgs.iter().map(SignedMessageJson::from).collect())
}

/// `MpoolSub` (channel): `{"Type": 0|1, "Message": SignedMessage}` for each message
/// added to (0) or removed from (1) the pool. Closes when the client goes away, the
/// node shuts down, or the client falls too far behind.
async fn mpool_sub(s: S, _c: CallCtx, (): ()) -> Result<mpsc::Receiver<MpoolUpdateJson>, RpcError> {
    let sub = chain(&s)?.svc.mpool().subscribe();
    Ok(super::forward_broadcast(&s, sub, "MpoolSub", true, |u| {
        MpoolUpdateJson {
            kind: u.kind,
            message: SignedMessageJson::from(&u.message),
        }
    }))
}
