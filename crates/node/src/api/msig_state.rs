//! The `Msig*` readers: a multisig's available balance, what vested between two
//! tipsets, its vesting schedule and its pending transactions, decoded from its state
//! under a tipset with the actor's own types and unlock rule.

use super::state::{err, tipset_of, View};
use super::NodeState;
use fil_actor_multisig_state::v18 as msig;
use fvm_shared::address::Address;
use fvm_shared::econ::TokenAmount;
use padma_api::msig::*;
use padma_rpc::{CallCtx, MethodTable, RpcError};
use padma_state::ActorKind;
use padma_types::json::block::TipSetKeyJson;
use padma_types::json::{AddressJson, BytesJson, TokenAmountJson};
use std::sync::Arc;

type S = Arc<NodeState>;

/// Registers the multisig readers.
pub(super) fn register(t: &mut MethodTable<NodeState>) {
    t.add_offloaded(MsigGetAvailableBalance, available_balance);
    t.add_offloaded(MsigGetVested, vested);
    t.add_offloaded(MsigGetVestingSchedule, vesting_schedule);
    t.add_offloaded(MsigGetPending, pending);
}

/// The multisig's balance and decoded state under `v`.
fn multisig_state(v: &View<'_>, a: &Address) -> Result<(TokenAmount, msig::State), RpcError> {
    let (_, act) = v.must_actor(a)?;
    if ActorKind::from_code(&act.code) != Some(ActorKind::Multisig) {
        return Err(err(format!(
            "actor {a} is not a multisig actor (code {})",
            act.code
        )));
    }
    let st: msig::State = v.load(&act.state)?;
    Ok((act.balance, st))
}

/// What is still locked at `epoch`.
fn locked_at(st: &msig::State, epoch: i64) -> TokenAmount {
    st.amount_locked(epoch.saturating_sub(st.start_epoch))
}

async fn available_balance(
    s: S,
    _c: CallCtx,
    (a, tsk): (AddressJson, TipSetKeyJson),
) -> Result<TokenAmountJson, RpcError> {
    let v = View::at_key(&s, &tsk)?;
    let (balance, st) = multisig_state(&v, &a.0)?;
    Ok(TokenAmountJson(balance - locked_at(&st, v.ts.height())))
}

async fn vested(
    s: S,
    _c: CallCtx,
    (a, start, end): (AddressJson, TipSetKeyJson, TipSetKeyJson),
) -> Result<TokenAmountJson, RpcError> {
    let start = tipset_of(&s, &start)?;
    let v = View::at_key(&s, &end)?;
    let (from, to) = (start.height(), v.ts.height());
    if from > to {
        return Err(err(format!("start tipset {from} is after end tipset {to}")));
    }
    let (_, st) = multisig_state(&v, &a.0)?;
    Ok(TokenAmountJson(locked_at(&st, from) - locked_at(&st, to)))
}

async fn vesting_schedule(
    s: S,
    _c: CallCtx,
    (a, tsk): (AddressJson, TipSetKeyJson),
) -> Result<MsigVestingJson, RpcError> {
    let v = View::at_key(&s, &tsk)?;
    let (_, st) = multisig_state(&v, &a.0)?;
    Ok(MsigVestingJson {
        initial_balance: TokenAmountJson(st.initial_balance),
        start_epoch: st.start_epoch,
        unlock_duration: st.unlock_duration,
    })
}

async fn pending(
    s: S,
    _c: CallCtx,
    (a, tsk): (AddressJson, TipSetKeyJson),
) -> Result<Vec<MsigTransactionJson>, RpcError> {
    let v = View::at_key(&s, &tsk)?;
    let (_, st) = multisig_state(&v, &a.0)?;
    let txns = msig::PendingTxnMap::load(
        v.store,
        &st.pending_txs,
        msig::PENDING_TXN_CONFIG,
        "pending txns",
    )
    .map_err(|e| err(format!("loading pending transactions: {e}")))?;
    let mut out = Vec::new();
    txns.for_each(|id, t: &msig::Transaction| {
        out.push(MsigTransactionJson {
            id: id.0,
            to: AddressJson(t.to),
            value: TokenAmountJson(t.value.clone()),
            method: t.method,
            params: BytesJson(t.params.to_vec()),
            approved: t.approved.iter().copied().map(AddressJson).collect(),
        });
        Ok(())
    })
    .map_err(|e| err(format!("reading pending transactions: {e}")))?;
    Ok(out)
}
