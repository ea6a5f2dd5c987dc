//! `cargo bench -p padma-chain --bench sync`: how fast a node takes in a chain it did
//! not mine. A chain of `PADMA_BENCH_EPOCHS` rounds (default 2,000) with
//! `PADMA_BENCH_PER_EPOCH` sends pushed before each (default 100) is mined in process
//! (the genesis miner proving its WindowPoSt, so it keeps its power past epoch ~700);
//! then, each on a fresh node on the same genesis and its own datastore:
//! (a) local validation: the chain's blocks submitted one by one, in order, through
//!     `ChainService::submit_block`;
//! (b) catch-up: `Syncer::sync_to` the head from an in-process `StoreSource` over the
//!     mining node's store (headers walked back, then messages fetched and validated).
//! Both end on the mining node's head and state; the rates are printed.

#![allow(clippy::unwrap_used, clippy::indexing_slicing, clippy::string_slice)] // measurement code, not shipped: a panic ends the run

#[path = "../tests/common/mod.rs"]
mod common;

use common::bench::{assert_same_head, rate, sized_chain, validate_locally};
use common::build::{chain_blocks, mine_with_messages};
use padma_chain::sync::{StoreSource, Syncer};
use std::time::Instant;

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    let (epochs, per_epoch, a) = sized_chain();

    let started = Instant::now();
    let built = mine_with_messages(&a, 1..epochs + 1, per_epoch).await;
    let mining = started.elapsed();
    let started = Instant::now();
    let blocks = chain_blocks(&a);
    let reading = started.elapsed();
    let tipsets = blocks.len();
    let messages: usize = blocks
        .iter()
        .flatten()
        .map(|b| b.bls_messages.len() + b.secp_messages.len())
        .sum();
    println!(
        "mined {epochs} rounds in {:.1} s: {} blocks, head at {}, {messages} messages included ({} pushed)",
        mining.as_secs_f64(),
        built.blocks,
        a.head().height(),
        built.pushed
    );
    assert_eq!(tipsets, built.blocks, "every block mined is on the chain");
    println!(
        "read the chain back with its messages, as a source serves it, in {:.1} s",
        reading.as_secs_f64()
    );
    let span = a.head().height() as usize;

    // (a) Local validation: block by block, in order, on a fresh node.
    validate_locally(&a, blocks, messages);

    // (b) Catch-up through the syncer from an in-process source.
    let fresh = a.peer();
    let source = StoreSource::new(a.svc().sm().chain().clone());
    let started = Instant::now();
    let report = Syncer::new(fresh.svc().clone())
        .sync_to(a.head().key(), &source)
        .await
        .unwrap();
    let catch_up = started.elapsed();
    assert_same_head(&a, &fresh);
    assert_eq!(report.tipsets_accepted as usize, tipsets);
    println!(
        "(b) catch-up through Syncer: {span} epochs ({tipsets} tipsets) in {:.1} s: {:.1} epochs/s, {:.0} messages/s",
        catch_up.as_secs_f64(),
        rate(span, catch_up),
        rate(messages, catch_up)
    );
}
