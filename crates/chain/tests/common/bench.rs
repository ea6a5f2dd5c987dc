//! What the sync benchmarks share: their size from the environment, rates, and the check
//! that the node that caught up ends where the mining node is.

use super::TestChain;
use padma_chain::network::now_ms;
use padma_chain::validate::FullBlock;
use std::time::{Duration, Instant};

/// An integer from the environment variable `name`, else `default`.
pub fn env_or(name: &str, default: i64) -> i64 {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// Items per second.
pub fn rate(n: usize, d: Duration) -> f64 {
    n as f64 / d.as_secs_f64().max(1e-9)
}

/// `b` has `a`'s head and head state.
pub fn assert_same_head(a: &TestChain, b: &TestChain) {
    assert_eq!(b.head(), a.head());
    assert_eq!(
        b.svc().sm().head_state().unwrap(),
        a.svc().sm().head_state().unwrap()
    );
}

/// The benchmark's size, `PADMA_BENCH_EPOCHS` (default 2,000) rounds with
/// `PADMA_BENCH_PER_EPOCH` (default 100) sends each, and a test chain whose genesis is
/// old enough for that many rounds.
pub fn sized_chain() -> (i64, usize, TestChain) {
    let epochs = env_or("PADMA_BENCH_EPOCHS", 2000).max(1);
    let per_epoch = env_or("PADMA_BENCH_PER_EPOCH", 100).max(0) as usize;
    let delay_secs = padma_chain::network::DEFAULT_BLOCK_DELAY_MS / 1000;
    (
        epochs,
        per_epoch,
        TestChain::new(3600 + 2 * delay_secs * epochs as u64),
    )
}

/// Phase (a) of the sync benchmarks: `blocks` (the chain of `a`, tipset by tipset)
/// submitted one by one, in order, to a fresh node on `a`'s genesis; checks it ends on
/// `a`'s head, prints the rates and returns the time taken.
pub fn validate_locally(a: &TestChain, blocks: Vec<Vec<FullBlock>>, messages: usize) -> Duration {
    let span = a.head().height() as usize;
    let tipsets = blocks.len();
    let local = a.peer();
    let started = Instant::now();
    for tipset in blocks {
        for b in tipset {
            local.svc().submit_block(b, now_ms()).unwrap();
        }
    }
    let validation = started.elapsed();
    assert_same_head(a, &local);
    println!(
        "(a) local validation: {span} epochs ({tipsets} tipsets) in {:.1} s: {:.1} epochs/s, {:.0} messages/s",
        validation.as_secs_f64(),
        rate(span, validation),
        rate(messages, validation)
    );
    validation
}
