//! Message selection for a block: greedy by effective premium over per-sender chains
//! that start at the base state's nonces, then filtered by the inclusion rule, so the
//! block the node makes from them is valid.

use super::{MessagePool, MpoolError, MpoolState};
use crate::inclusion::{chain_length, BlockMessages, Refusal, SenderLookup};
use fvm_shared::econ::TokenAmount;
use padma_types::SignedMessage;
use std::collections::BinaryHeap;

impl<S: MpoolState> MessagePool<S> {
    /// Picks messages for a block whose messages apply to the state `base`:
    /// nonce-ordered per sender from the nonces of `base`, best effective premium
    /// first, within `gas_budget`, skipping messages whose fee cap is below
    /// `base_fee`. Every message picked passes the inclusion rule in the order
    /// returned; one that never can is dropped from the pool, one that cannot go into
    /// this block is left for later, each with a log line.
    pub fn select(
        &self,
        base: &impl SenderLookup,
        base_fee: &TokenAmount,
        gas_budget: u64,
    ) -> Result<Vec<SignedMessage>, MpoolError> {
        let state_err = |e: anyhow::Error| MpoolError::State(format!("{e:#}"));
        let mut inner = self.lock();
        let mut chains = Vec::new();
        for (addr, set) in &inner.senders {
            let base_nonce = base.sender(addr).map_err(state_err)?.map_or(0, |s| s.nonce);
            let chain: Vec<SignedMessage> = (base_nonce..)
                .zip(set.msgs.range(base_nonce..))
                .take_while(|(expect, (n, _))| *expect == **n)
                .map(|(_, (_, m))| m.clone())
                .collect();
            if !chain.is_empty() {
                chains.push(chain);
            }
        }
        let mut block = BlockMessages::new(base);
        let mut out = Vec::new();
        for m in select_messages(chains, base_fee, gas_budget) {
            match block.add(&m.message, chain_length(&m)) {
                Ok(()) => out.push(m),
                Err(Refusal::State(e)) => return Err(state_err(e)),
                Err(Refusal::NotHere(why)) => {
                    tracing::info!(cid = %m.cid(), "mpool: message left out of this block: {why}");
                }
                Err(Refusal::Never(why)) => {
                    tracing::warn!(cid = %m.cid(), "mpool: dropping a message that no block may carry: {why}");
                    self.take(&mut inner, &m.message.from, m.message.sequence);
                }
            }
        }
        Ok(out)
    }
}

/// What a message pays the miner per unit of gas at `base_fee`: min(premium, cap − base fee).
pub fn effective_premium(m: &SignedMessage, base_fee: &TokenAmount) -> TokenAmount {
    let headroom = &m.message.gas_fee_cap - base_fee;
    std::cmp::min(m.message.gas_premium.clone(), headroom)
}

/// Merges nonce-ordered `chains` (one per sender) into a block's message list: always
/// takes the sender whose next message pays best, and stops a sender at the first
/// message that does not fit the gas left or cannot pay the base fee.
pub fn select_messages(
    chains: Vec<Vec<SignedMessage>>,
    base_fee: &TokenAmount,
    mut gas_budget: u64,
) -> Vec<SignedMessage> {
    let mut heap = BinaryHeap::new();
    let mut chains: Vec<std::vec::IntoIter<SignedMessage>> =
        chains.into_iter().map(|c| c.into_iter()).collect();
    for (i, chain) in chains.iter_mut().enumerate() {
        if let Some(m) = chain.next() {
            heap.push((
                effective_premium(&m, base_fee),
                std::cmp::Reverse(i),
                Entry(m),
            ));
        }
    }
    let mut out = Vec::new();
    while let Some((_, std::cmp::Reverse(i), Entry(m))) = heap.pop() {
        if m.message.gas_fee_cap < *base_fee || m.message.gas_limit > gas_budget {
            continue;
        }
        gas_budget -= m.message.gas_limit;
        out.push(m);
        if let Some(next) = chains.get_mut(i).and_then(Iterator::next) {
            heap.push((
                effective_premium(&next, base_fee),
                std::cmp::Reverse(i),
                Entry(next),
            ));
        }
    }
    out
}

/// A heap payload that never takes part in ordering.
struct Entry(SignedMessage);

impl PartialEq for Entry {
    fn eq(&self, _: &Self) -> bool {
        true
    }
}
impl Eq for Entry {}
impl PartialOrd for Entry {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}
impl Ord for Entry {
    fn cmp(&self, _: &Self) -> std::cmp::Ordering {
        std::cmp::Ordering::Equal
    }
}
