//! `cargo bench --workspace --bench msg_search`: what `StateSearchMsg` costs for included
//! messages on a chain that holds 10,000+ of them in the real datastore. For a sample
//! of included messages it times, from the head, the walk back alone (the search when
//! the message index has no answer) and the whole search (the head, the message index,
//! then the walk), checks that both give the same answer, and prints p50/p99/max.
//!
//! `PADMA_BENCH_MESSAGES` (default 10,500) messages are included, `PADMA_BENCH_PER_EPOCH`
//! (default 25) pushed per epoch from two senders; `PADMA_BENCH_SAMPLES` (default 200)
//! messages are looked up each way. The test chain's genesis miner never proves, so it
//! loses its power between epochs 700 and 900: keep `MESSAGES / PER_EPOCH` below 700.

#![allow(clippy::unwrap_used, clippy::indexing_slicing, clippy::string_slice)] // measurement code, not shipped: a panic ends the run

#[path = "../tests/common/mod.rs"]
mod common;

use common::TestChain;
use fvm_shared::econ::TokenAmount;
use fvm_shared::message::Message;
use padma_chain::msg_lookup::{search_back, search_for_message, MessageLookup, LOOKBACK_NO_LIMIT};
use padma_chain::sm::StateManager;
use padma_types::block::TipSet;
use padma_types::message::message_signing_bytes;
use padma_types::SignedMessage;
use std::time::{Duration, Instant};

fn env_or(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// p50, p99 and max of `times`, in milliseconds.
fn percentiles(mut times: Vec<Duration>) -> String {
    times.sort();
    let at = |q: f64| {
        let i = ((times.len() as f64 - 1.0) * q).round() as usize;
        times
            .get(i)
            .map(|d| d.as_secs_f64() * 1000.0)
            .unwrap_or(0.0)
    };
    format!(
        "p50 {:.3} ms, p99 {:.3} ms, max {:.3} ms",
        at(0.5),
        at(0.99),
        at(1.0)
    )
}

/// What a lookup found, comparable across the two paths.
fn answer(f: &Option<MessageLookup>) -> Option<(TipSet, cid::Cid, fvm_shared::receipt::Receipt)> {
    f.as_ref()
        .map(|f| (f.exec.clone(), f.msg, f.receipt.clone()))
}

/// Builds the chain: pushes `per_epoch` messages an epoch until `want` are included,
/// then mines until every pushed message has executed. The pushed messages, in order.
async fn build_chain(t: &TestChain, want: usize, per_epoch: usize) -> Vec<SignedMessage> {
    let senders = [t.accounts[0].clone(), t.accounts[1].clone()];
    let mut nonces = [0u64; 2];
    let mut pushed = Vec::new();
    let mut round = 1;
    let started = Instant::now();
    while pushed.len() < want {
        for i in 0..per_epoch {
            let k = i % senders.len();
            let message = Message {
                version: 0,
                from: senders[k].address().unwrap(),
                to: senders[1 - k].address().unwrap(),
                sequence: nonces[k],
                value: TokenAmount::from_atto(1),
                method_num: 0,
                params: Default::default(),
                gas_limit: 10_000_000,
                gas_fee_cap: TokenAmount::from_atto(10_000_000_000u64),
                gas_premium: TokenAmount::from_atto(100_000),
            };
            let signature = senders[k].sign(&message_signing_bytes(&message)).unwrap();
            let m = SignedMessage { message, signature };
            if t.svc().push_message(m.clone(), true).is_ok() {
                nonces[k] += 1;
                pushed.push(m);
            }
        }
        t.mine_round(round).await;
        round += 1;
    }
    let last = round + 50;
    while !t.svc().mpool().is_empty() && round < last {
        t.mine_round(round).await;
        round += 1;
    }
    // Two more blocks: the last messages execute in the block after their inclusion.
    for _ in 0..2 {
        while !t.mine_round(round).await {
            round += 1;
        }
        round += 1;
    }
    println!(
        "built a chain of {} epochs holding {} pushed messages in {:.1} s",
        t.head().height(),
        pushed.len(),
        started.elapsed().as_secs_f64()
    );
    pushed
}

/// Times `lookup` for each message; the times and answers.
fn time_each(
    sm: &StateManager,
    sample: &[&SignedMessage],
    lookup: impl Fn(&StateManager, &SignedMessage) -> Option<MessageLookup>,
) -> (Vec<Duration>, Vec<Option<MessageLookup>>) {
    let mut times = Vec::with_capacity(sample.len());
    let mut answers = Vec::with_capacity(sample.len());
    for m in sample {
        let started = Instant::now();
        answers.push(lookup(sm, m));
        times.push(started.elapsed());
    }
    (times, answers)
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    let want = env_or("PADMA_BENCH_MESSAGES", 10_500);
    let per_epoch = env_or("PADMA_BENCH_PER_EPOCH", 25).max(1);
    let samples = env_or("PADMA_BENCH_SAMPLES", 200).max(1);
    let epochs = (want / per_epoch) as u64 + 10;
    let t = TestChain::new(3600 + 3 * 4 * epochs);
    let pushed = build_chain(&t, want, per_epoch).await;

    let sm = t.svc().sm().clone();
    let cs = sm.chain().clone();
    let included: Vec<&SignedMessage> = pushed
        .iter()
        .filter(|m| cs.message_inclusion(&m.cid()).ok().flatten().is_some())
        .collect();
    println!(
        "{} messages included on the canonical chain",
        included.len()
    );
    assert!(
        included.len() >= want.min(10_000),
        "too few messages included"
    );
    let step = (included.len() / samples).max(1);
    let sample: Vec<&SignedMessage> = included.iter().step_by(step).copied().collect();

    let head = sm.head();
    let (walk_times, walked) = time_each(&sm, &sample, |sm, m| {
        search_back(sm, &head, &m.cid(), &m.message, LOOKBACK_NO_LIMIT, false).unwrap()
    });
    let (full_times, found) = time_each(&sm, &sample, |sm, m| {
        search_for_message(sm, &head, &m.cid(), &m.message, LOOKBACK_NO_LIMIT, false).unwrap()
    });
    for (i, (w, f)) in walked.iter().zip(&found).enumerate() {
        assert!(f.is_some(), "message {i} of the sample was not found");
        assert_eq!(
            answer(w),
            answer(f),
            "the two paths disagree on message {i}"
        );
    }
    println!(
        "{} lookups of included messages from the head at height {}:",
        sample.len(),
        head.height()
    );
    println!(
        "  walk back (no index):         {}",
        percentiles(walk_times)
    );
    println!(
        "  search (head, index, walk):   {}",
        percentiles(full_times)
    );
}
