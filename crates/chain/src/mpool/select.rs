//! Message selection for a block: greedy by effective premium over per-sender chains.

use fvm_shared::econ::TokenAmount;
use padma_types::SignedMessage;
use std::collections::BinaryHeap;

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
        if let Some(next) = chains[i].next() {
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
