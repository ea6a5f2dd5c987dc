//! Building test chains with messages: sends between the two funded accounts pushed
//! into the pool before each round, then the round mined on the head. Tests and
//! benchmarks share it (`chain/tests/sync.rs`, `chain/benches/sync.rs`).

use super::TestChain;
use fvm_shared::address::Address;
use fvm_shared::econ::TokenAmount;
use fvm_shared::message::Message;
use padma_types::crypto::KeyInfo;
use padma_types::message::message_signing_bytes;
use padma_types::SignedMessage;
use std::ops::Range;

/// A send of `atto` from `from` to `to` with nonce `nonce`.
pub fn send(from: &KeyInfo, to: Address, nonce: u64, atto: u64) -> SignedMessage {
    let message = Message {
        version: 0,
        from: from.address().unwrap(),
        to,
        sequence: nonce,
        value: TokenAmount::from_atto(atto),
        method_num: padma_state::actors::method::SEND,
        params: Default::default(),
        gas_limit: 10_000_000,
        gas_fee_cap: TokenAmount::from_atto(10_000_000_000u64),
        gas_premium: TokenAmount::from_atto(100_000),
    };
    let signature = from.sign(&message_signing_bytes(&message)).unwrap();
    SignedMessage { message, signature }
}

/// What mining a stretch of rounds did.
#[derive(Clone, Copy, Debug, Default)]
pub struct Built {
    /// Rounds won (blocks mined).
    pub blocks: usize,
    /// Messages pushed into the pool.
    pub pushed: usize,
}

/// Mines `rounds` on the head, pushing `per_round` sends into the pool before each
/// (alternating between the two accounts); a lost round is a null round.
pub async fn mine_with_messages(t: &TestChain, rounds: Range<i64>, per_round: usize) -> Built {
    let senders = [t.accounts[0].clone(), t.accounts[1].clone()];
    let addrs = [senders[0].address().unwrap(), senders[1].address().unwrap()];
    let mut nonces = [
        t.svc().mpool().get_nonce(&addrs[0]).unwrap(),
        t.svc().mpool().get_nonce(&addrs[1]).unwrap(),
    ];
    let mut built = Built::default();
    for round in rounds {
        for i in 0..per_round {
            let k = i % 2;
            let m = send(&senders[k], addrs[1 - k], nonces[k], 1 + round as u64);
            if t.svc().push_message(m, true).is_ok() {
                nonces[k] += 1;
                built.pushed += 1;
            }
        }
        if t.mine_round(round).await {
            built.blocks += 1;
        }
    }
    built
}

/// Mines until the head is at least `height`, `per_round` sends before each round;
/// the next round to mine.
pub async fn mine_to_height(t: &TestChain, height: i64, per_round: usize) -> i64 {
    let mut round = t.head().height() + 1;
    while t.head().height() < height {
        mine_with_messages(t, round..round + 1, per_round).await;
        round += 1;
    }
    round
}
