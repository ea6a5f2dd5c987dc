//! Finding where a message executed, with Lotus's `StateSearchMsg` rules: a message's
//! receipt is in the tipset after the one that included it; the search looks at the
//! starting tipset, then the message index, then walks back (at most a lookback limit)
//! to where the sender's nonce passed the message's; a replacement (same sender and
//! nonce, same call, another CID) counts as the message when the caller allows it.
//! Also the replay of a message's tipset.

use crate::messages::{stored_message, tipset_messages};
use crate::service::ChainService;
use crate::sm::StateManager;
use crate::state_view::StateView;
use anyhow::{anyhow, bail, Context, Result};
use cid::Cid;
use fvm_ipld_amt::Amtv0;
use fvm_shared::address::Address;
use fvm_shared::econ::TokenAmount;
use fvm_shared::receipt::Receipt;
use padma_state::vm::{ApplyRet, ChainMessage};
use padma_types::block::TipSet;
use padma_types::Message;

/// Lotus's `LookbackNoLimit`: walk back as far as the chain goes.
pub const LOOKBACK_NO_LIMIT: i64 = -1;

/// Where a message executed.
#[derive(Clone, Debug)]
pub struct MessageLookup {
    /// The tipset whose parent executed the message (its receipts hold the receipt).
    pub exec: TipSet,
    /// The receipt.
    pub receipt: Receipt,
    /// The CID of the message found (a replacement's, when one was allowed).
    pub msg: Cid,
}

/// Lotus's `Message.EqualCall`: the same message apart from its gas fields.
pub fn equal_call(a: &Message, b: &Message) -> bool {
    let strip = |m: &Message| Message {
        gas_limit: 0,
        gas_fee_cap: TokenAmount::default(),
        gas_premium: TokenAmount::default(),
        ..m.clone()
    };
    strip(a) == strip(b)
}

/// A message by CID: from the datastore, else from the message pool.
pub fn load_message(svc: &ChainService, c: &Cid) -> Result<Option<ChainMessage>> {
    if let Some(m) = stored_message(svc.sm().store().as_ref(), c)? {
        return Ok(Some(m));
    }
    Ok(svc
        .mpool()
        .pending()
        .into_iter()
        .find(|m| m.cid() == *c)
        .map(|m| {
            if m.signature.sig_type == fvm_shared::crypto::signature::SignatureType::BLS {
                ChainMessage::Bls(m.message)
            } else {
                ChainMessage::Signed(m)
            }
        }))
}

/// Receipt `i` of the messages `ts` executed.
fn receipt_at(sm: &StateManager, ts: &TipSet, i: usize) -> Result<Receipt> {
    let o = sm.tipset_state(ts)?;
    let amt: Amtv0<Receipt, _> =
        Amtv0::load(&o.receipts_root, sm.store().as_ref()).context("loading the receipts")?;
    amt.get(i as u64)?.cloned().ok_or_else(|| {
        anyhow!(
            "receipt {i} missing from the tipset at height {}",
            ts.height()
        )
    })
}

/// Lotus's `tipsetExecutedMessage`: the receipt of `cid` (sent as `vmm`) among the
/// messages `ts`'s parent executed, looking from the last one back. A different message
/// with the same sender and nonce is an error, unless it is a replacement of the same
/// call and `allow_replaced` is set.
pub fn executed_in(
    sm: &StateManager,
    ts: &TipSet,
    cid: &Cid,
    vmm: &Message,
    allow_replaced: bool,
) -> Result<Option<MessageLookup>> {
    if ts.height() == 0 {
        return Ok(None);
    }
    let pts = sm.chain().load_tipset(&ts.parents())?;
    let msgs = tipset_messages(sm.store(), &pts)?;
    for (i, (mcid, m)) in msgs.iter().enumerate().rev() {
        if m.from != vmm.from {
            continue;
        }
        if m.sequence == vmm.sequence {
            if !equal_call(m, vmm) {
                bail!(
                    "found message with equal nonce as the one we are looking for that is NOT a \
                     valid replacement message (F:{cid} n {}, TS: {mcid} n{})",
                    vmm.sequence,
                    m.sequence
                );
            }
            if mcid != cid && !allow_replaced {
                bail!(
                    "found message with equal nonce as the one we are looking for (F:{cid} n {}, \
                     TS: {mcid} n{})",
                    vmm.sequence,
                    m.sequence
                );
            }
            return Ok(Some(MessageLookup {
                exec: ts.clone(),
                receipt: receipt_at(sm, &pts, i)?,
                msg: *mcid,
            }));
        }
        if m.sequence < vmm.sequence {
            return Ok(None);
        }
    }
    Ok(None)
}

/// The nonce of `addr` in the state `ts` was built on (`None`: no such actor).
fn nonce_at(sm: &StateManager, ts: &TipSet, addr: &Address) -> Result<Option<u64>> {
    let view = StateView::at_tipset(sm.store().clone(), ts)?;
    Ok(view.actor(addr)?.map(|(_, a)| a.sequence))
}

/// Lotus's `searchBackForMsg`: walks back from `from` (at most `limit` epochs unless
/// `limit` is [`LOOKBACK_NO_LIMIT`]) to where the sender's nonce passed the message's.
pub fn search_back(
    sm: &StateManager,
    from: &TipSet,
    cid: &Cid,
    vmm: &Message,
    limit: i64,
    allow_replaced: bool,
) -> Result<Option<MessageLookup>> {
    let no_limit = limit == LOOKBACK_NO_LIMIT;
    let limit_height = from.height().saturating_sub(limit);
    let mut cur = from.clone();
    let mut cur_nonce = nonce_at(sm, &cur, &vmm.from)?;
    loop {
        if cur.height() == 0 || (!no_limit && cur.height() <= limit_height) {
            return Ok(None);
        }
        match cur_nonce {
            Some(n) if n > 0 && n >= vmm.sequence => {}
            _ => return Ok(None),
        }
        let pts = sm.chain().load_tipset(&cur.parents())?;
        let nonce = nonce_at(sm, &pts, &vmm.from)?;
        let passed = match (cur_nonce, nonce) {
            (_, None) => true,
            (Some(c), Some(p)) => c > vmm.sequence && p <= vmm.sequence,
            (None, Some(_)) => false,
        };
        if passed {
            if let Some(found) = executed_in(sm, &cur, cid, vmm, allow_replaced)? {
                return Ok(Some(found));
            }
        }
        cur = pts;
        cur_nonce = nonce;
    }
}

/// The message index's answer, when `from` is on the canonical chain: the canonical
/// tipset after the one that included `cid` (if it is at or below `from`), with the
/// receipt of `cid` there. `None` sends the caller to [`search_back`].
pub fn search_index(sm: &StateManager, from: &TipSet, cid: &Cid) -> Result<Option<MessageLookup>> {
    let cs = sm.chain();
    let Some(incl) = cs.message_inclusion(cid)? else {
        return Ok(None);
    };
    if incl.height() >= from.height() || !cs.is_canonical(from) {
        return Ok(None);
    }
    for h in incl.height() + 1..=from.height() {
        let exec = cs.tipset_by_height(h)?;
        if exec.height() <= incl.height() {
            // A null round: the index names the tipset below.
            continue;
        }
        if exec.parents() != *incl.key() {
            return Ok(None);
        }
        // The receipts are in the order the tipset applied its messages.
        return Ok(sm.receipt_in(&incl, cid)?.map(|receipt| MessageLookup {
            exec,
            receipt,
            msg: *cid,
        }));
    }
    Ok(None)
}

/// Lotus's `SearchForMessage` from `from` for `cid` (sent as `vmm`): the tipset itself,
/// the message index, then the walk back.
pub fn search_for_message(
    sm: &StateManager,
    from: &TipSet,
    cid: &Cid,
    vmm: &Message,
    limit: i64,
    allow_replaced: bool,
) -> Result<Option<MessageLookup>> {
    if let Some(found) = executed_in(sm, from, cid, vmm, allow_replaced)? {
        return Ok(Some(found));
    }
    match search_index(sm, from, cid) {
        Ok(Some(found)) => return Ok(Some(found)),
        Ok(None) => {}
        Err(e) => tracing::debug!("message index search for {cid}: {e:#}"),
    }
    search_back(sm, from, cid, vmm, limit, allow_replaced)
}

/// Re-executes `ts` (the tipset that included `mcid`) and answers the message with
/// the result of applying it; `None` when `ts` did not apply it.
pub fn replay(sm: &StateManager, ts: &TipSet, mcid: &Cid) -> Result<Option<(Message, ApplyRet)>> {
    if ts.height() == 0 {
        return Ok(None);
    }
    let res = sm.execute(ts).context("replaying the tipset")?;
    // Results are keyed by the CID the chain knows the message by.
    let Some((_, ret)) = res.applied.into_iter().find(|(c, _)| c == mcid) else {
        return Ok(None);
    };
    Ok(tipset_messages(sm.store(), ts)?
        .into_iter()
        .find(|(c, _)| c == mcid)
        .map(|(_, m)| (m, ret)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn equal_call_ignores_only_gas_fields() {
        let a = Message {
            version: 0,
            to: Address::new_id(2),
            from: Address::new_id(1),
            sequence: 4,
            value: TokenAmount::from_atto(10),
            method_num: 0,
            params: Default::default(),
            gas_limit: 100,
            gas_fee_cap: TokenAmount::from_atto(5),
            gas_premium: TokenAmount::from_atto(1),
        };
        let mut b = a.clone();
        b.gas_limit = 200;
        b.gas_fee_cap = TokenAmount::from_atto(50);
        b.gas_premium = TokenAmount::from_atto(7);
        assert!(equal_call(&a, &b));
        let mut c = a.clone();
        c.value = TokenAmount::from_atto(11);
        assert!(!equal_call(&a, &c));
        let mut d = a.clone();
        d.sequence = 5;
        assert!(!equal_call(&a, &d));
    }
}
