//! `cargo bench -p padma-chain`: how fast the chain moves in process on the real
//! datastore — mining (block creation, full validation, acceptance) with messages,
//! executing a tipset from scratch against reading its cached outcome, and a restart
//! that finds the head's outcome persisted instead of re-executing.
//!
//! `PADMA_BENCH_EPOCHS` (default 200) sets the epochs mined; 5 sends go in per epoch.

#![allow(clippy::unwrap_used, clippy::indexing_slicing, clippy::string_slice)] // measurement code, not shipped: a panic ends the run

#[path = "../tests/common/mod.rs"]
mod common;

use common::TestChain;
use fvm_shared::econ::TokenAmount;
use fvm_shared::message::Message;
use padma_types::message::message_signing_bytes;
use padma_types::SignedMessage;
use std::time::{Duration, Instant};

fn per(d: Duration, n: usize) -> String {
    format!("{:.2} ms", d.as_secs_f64() * 1000.0 / n.max(1) as f64)
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    let epochs: i64 = std::env::var("PADMA_BENCH_EPOCHS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(200);
    let mut t = TestChain::new(3 * 3600 + epochs as u64 * 4);
    let from = t.accounts[0].clone();
    let to = t.accounts[1].address().unwrap();
    let mut nonce = 0;
    let mut mined = 0usize;
    let mut msgs = 0usize;
    let started = Instant::now();
    for round in 1..=epochs {
        for _ in 0..5 {
            let message = Message {
                version: 0,
                from: from.address().unwrap(),
                to,
                sequence: nonce,
                value: TokenAmount::from_atto(1),
                method_num: padma_state::actors::method::SEND,
                params: Default::default(),
                gas_limit: 10_000_000,
                gas_fee_cap: TokenAmount::from_atto(10_000_000_000u64),
                gas_premium: TokenAmount::from_atto(100_000),
            };
            let signature = from.sign(&message_signing_bytes(&message)).unwrap();
            if t.svc()
                .push_message(SignedMessage { message, signature }, true)
                .is_ok()
            {
                nonce += 1;
                msgs += 1;
            }
        }
        if t.mine_round(round).await {
            mined += 1;
        }
    }
    let mining = started.elapsed();
    println!(
        "mined {mined} blocks in {epochs} epochs with {msgs} messages pushed: {} per block (create + validate + accept)",
        per(mining, mined)
    );

    let sm = t.svc().sm().clone();
    let head = sm.head();
    let parent = sm.chain().load_tipset(&head.parents()).unwrap();
    let n = 20;
    let started = Instant::now();
    for _ in 0..n {
        sm.execute(&parent).unwrap();
    }
    let exec = started.elapsed();
    let started = Instant::now();
    for _ in 0..n {
        sm.tipset_state(&parent).unwrap();
    }
    let cached = started.elapsed();
    println!(
        "tipset at height {}: executed from scratch {} each; outcome from the cache {} each",
        parent.height(),
        per(exec, n),
        per(cached, n)
    );
    drop(sm);

    let started = Instant::now();
    t.reopen();
    let reopen = started.elapsed();
    let started = Instant::now();
    t.svc().sm().head_state().unwrap();
    let persisted = started.elapsed();
    println!(
        "restart: reopen {} ms; the head's state from the persisted outcome {} (a re-execution costs {} as measured above)",
        reopen.as_millis(),
        per(persisted, 1),
        per(exec, n)
    );
}
