//! `Mpool*`: the message pool over the API — pushing signed messages, signing and
//! pushing with the node's wallet (nonce from the pool, gas estimated), pending
//! messages, nonces, block message selection and the stream of pool changes.

use super::gas::{blocking, estimate_message_gas, key_address};
use super::message_json::{MessageSendSpecJson, MpoolUpdateJson};
use super::state::{ah, chain, err, tipset_param};
use super::NodeState;
use fvm_shared::address::Protocol;
use padma_rpc::method::{to_value, CallResult, ChannelResult};
use padma_rpc::{CallCtx, Params, RpcError};
use padma_types::json::{AddressJson, CidJson, MessageJson, SignedMessageJson};
use padma_types::message::message_signing_bytes;
use padma_types::{Message, SignedMessage};
use std::sync::Arc;
use tokio::sync::broadcast::error::RecvError;

fn signed_param(p: &Params, i: usize) -> Result<SignedMessage, RpcError> {
    let m: SignedMessageJson = p.get(i)?;
    SignedMessage::try_from(m).map_err(RpcError::invalid_params)
}

fn push(s: &NodeState, m: SignedMessage, trusted: bool) -> Result<cid::Cid, RpcError> {
    chain(s)?.svc.push_message(m, trusted).map_err(err)
}

/// `MpoolPush [SignedMessage]` → CID (a local, trusted message).
pub async fn mpool_push(s: Arc<NodeState>, _c: CallCtx, p: Params) -> CallResult {
    let m = signed_param(&p, 0)?;
    let c = blocking(move || push(&s, m, true)).await?;
    to_value(CidJson(c))
}

/// `MpoolPushUntrusted [SignedMessage]` → CID (network limits: no nonce gaps).
pub async fn mpool_push_untrusted(s: Arc<NodeState>, _c: CallCtx, p: Params) -> CallResult {
    let m = signed_param(&p, 0)?;
    let c = blocking(move || push(&s, m, false)).await?;
    to_value(CidJson(c))
}

async fn batch_push(s: Arc<NodeState>, p: Params, trusted: bool) -> CallResult {
    let list: Vec<SignedMessageJson> = p.get(0)?;
    let msgs = list
        .into_iter()
        .map(SignedMessage::try_from)
        .collect::<Result<Vec<_>, _>>()
        .map_err(RpcError::invalid_params)?;
    // As in Lotus: stop at the first refusal (the CIDs pushed so far are not returned).
    let cids = blocking(move || {
        msgs.into_iter()
            .map(|m| push(&s, m, trusted).map(CidJson))
            .collect::<Result<Vec<_>, _>>()
    })
    .await?;
    to_value(cids)
}

/// `MpoolBatchPush [[SignedMessage]]` → [CID].
pub async fn mpool_batch_push(s: Arc<NodeState>, _c: CallCtx, p: Params) -> CallResult {
    batch_push(s, p, true).await
}

/// `MpoolBatchPushUntrusted [[SignedMessage]]` → [CID].
pub async fn mpool_batch_push_untrusted(s: Arc<NodeState>, _c: CallCtx, p: Params) -> CallResult {
    batch_push(s, p, false).await
}

/// Lotus's `MpoolPushMessage` for one message: the nonce must be 0; gas is estimated
/// where zero and capped by the spec's `MaxFee`; an ID sender becomes its key address;
/// the funds are checked; the pool's next nonce is assigned; the wallet signs.
async fn push_message(
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
pub async fn mpool_push_message(s: Arc<NodeState>, _c: CallCtx, p: Params) -> CallResult {
    let msg: Message = p.get::<MessageJson>(0)?.into();
    let spec: Option<MessageSendSpecJson> = p.get(1)?;
    let signed = push_message(&s, msg, &spec.unwrap_or_default()).await?;
    to_value(SignedMessageJson::from(&signed))
}

/// `MpoolBatchPushMessage [[Message], MessageSendSpec|null]` → [SignedMessage]; stops
/// at the first failure.
pub async fn mpool_batch_push_message(s: Arc<NodeState>, _c: CallCtx, p: Params) -> CallResult {
    let msgs: Vec<MessageJson> = p.get(0)?;
    let spec: Option<MessageSendSpecJson> = p.get(1)?;
    let spec = spec.unwrap_or_default();
    let mut out = Vec::with_capacity(msgs.len());
    for m in msgs {
        let signed = push_message(&s, m.into(), &spec).await?;
        out.push(SignedMessageJson::from(&signed));
    }
    to_value(out)
}

/// `MpoolGetNonce [addr]`: the next nonce, past the state nonce and pending messages
/// (an ID address counts the pending messages of its key address).
pub async fn mpool_get_nonce(s: Arc<NodeState>, _c: CallCtx, p: Params) -> CallResult {
    let a = p.get::<AddressJson>(0)?.0;
    let n = blocking(move || {
        let a = if a.protocol() == Protocol::ID {
            key_address(&s, &a).unwrap_or(a)
        } else {
            a
        };
        chain(&s)?.svc.mpool().get_nonce(&a).map_err(err)
    })
    .await?;
    to_value(n)
}

/// `MpoolPending [TipSetKey]`: the pending messages (the key must name a known tipset).
pub async fn mpool_pending(s: Arc<NodeState>, _c: CallCtx, p: Params) -> CallResult {
    tipset_param(&s, &p, 0)?;
    let pending = chain(&s)?.svc.mpool().pending();
    to_value(
        pending
            .iter()
            .map(SignedMessageJson::from)
            .collect::<Vec<_>>(),
    )
}

/// `MpoolSelect [TipSetKey, ticketQuality]`: messages for a block on that tipset
/// (fee caps covering its children's base fee, nonces following its state, within the
/// block gas limit, each passing the inclusion rule block validation applies).
pub async fn mpool_select(s: Arc<NodeState>, _c: CallCtx, p: Params) -> CallResult {
    let ts = tipset_param(&s, &p, 0)?;
    let _quality: f64 = p.get(1)?;
    let msgs = blocking(move || chain(&s)?.svc.select_messages(&ts).map_err(ah)).await?;
    to_value(msgs.iter().map(SignedMessageJson::from).collect::<Vec<_>>())
}

/// `MpoolSub` (channel): `{"Type": 0|1, "Message": SignedMessage}` for each message
/// added to (0) or removed from (1) the pool. Closes when the client goes away, the
/// node shuts down, or the client falls too far behind.
pub async fn mpool_sub(s: Arc<NodeState>, _c: CallCtx, _p: Params) -> ChannelResult {
    let mut sub = chain(&s)?.svc.mpool().subscribe();
    let (tx, rx) = tokio::sync::mpsc::channel(256);
    let mut down = s.shutdown.subscribe();
    tokio::spawn(async move {
        loop {
            tokio::select! {
                _ = async { down.wait_for(|d| *d).await.map(|_| ()) } => break,
                _ = tx.closed() => break,
                ev = sub.recv() => match ev {
                    Ok(u) => {
                        let v = MpoolUpdateJson {
                            kind: u.kind,
                            message: SignedMessageJson::from(&u.message),
                        };
                        let Ok(v) = serde_json::to_value(v) else { continue };
                        if tx.send(v).await.is_err() {
                            break;
                        }
                    }
                    Err(RecvError::Lagged(n)) => {
                        tracing::warn!(missed = n, "MpoolSub subscriber fell behind; closing its channel");
                        break;
                    }
                    Err(RecvError::Closed) => break,
                },
            }
        }
    });
    Ok(rx)
}
