//! `cargo bench -p padma-net --bench catch_up`: how fast a fresh node catches up over
//! libp2p. A chain of `PADMA_BENCH_EPOCHS` rounds (default 2,000) with
//! `PADMA_BENCH_PER_EPOCH` sends pushed before each (default 100) is mined in process
//! (padma-chain's test chain builder); a libp2p host serves its chain store on
//! 127.0.0.1. Then, each on a fresh node on the same genesis with its own datastore:
//! (a) local validation: the chain's blocks submitted one by one, in order, through
//!     `ChainService::submit_block`, no network;
//! (b) catch-up over libp2p: the fresh node's own host connects to the serving one, and
//!     `Syncer::sync_to` the head through `PeerSource` (chain exchange on a real
//!     connection: headers walked back, then messages fetched and validated).
//! Both end on the mining node's head and state; epochs/s and messages/s are printed.

#![allow(clippy::unwrap_used, clippy::indexing_slicing, clippy::string_slice)] // measurement code, not shipped: a panic ends the run

#[path = "../../chain/tests/common/mod.rs"]
mod common;
mod hosts;

use common::bench::{assert_same_head, rate, sized_chain, validate_locally};
use common::build::{chain_blocks, mine_with_messages};
use padma_chain::sync::Syncer;
use padma_net::follow::PeerSource;
use std::time::Instant;

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    let (epochs, per_epoch, a) = sized_chain();

    let started = Instant::now();
    let built = mine_with_messages(&a, 1..epochs + 1, per_epoch).await;
    let blocks = chain_blocks(&a);
    let tipsets = blocks.len();
    let messages: usize = blocks
        .iter()
        .flatten()
        .map(|b| b.bls_messages.len() + b.secp_messages.len())
        .sum();
    println!(
        "mined {epochs} rounds in {:.1} s: {} blocks, head at {}, {messages} messages included",
        started.elapsed().as_secs_f64(),
        built.blocks,
        a.head().height(),
    );
    assert_eq!(tipsets, built.blocks, "every block mined is on the chain");
    let span = a.head().height() as usize;

    // (a) Local validation: block by block, in order, on a fresh node.
    let validation = validate_locally(&a, blocks, messages);

    // (b) Catch-up over libp2p: chain exchange with the serving host on 127.0.0.1.
    let server = hosts::start(&a).await;
    let fresh = a.peer();
    let client = hosts::start(&fresh).await;
    client.connect(&server).await;
    let source = PeerSource {
        net: client.handle.clone(),
        peer: server.id,
    };
    let started = Instant::now();
    let report = Syncer::new(fresh.svc().clone())
        .sync_to(a.head().key(), &source)
        .await
        .unwrap();
    let catch_up = started.elapsed();
    assert_same_head(&a, &fresh);
    assert_eq!(report.tipsets_accepted as usize, tipsets);
    let received = client.handle.bandwidth().total_in;
    println!(
        "(b) catch-up over libp2p: {span} epochs ({tipsets} tipsets) in {:.1} s: {:.1} epochs/s, {:.0} messages/s ({:.1} MiB received)",
        catch_up.as_secs_f64(),
        rate(span, catch_up),
        rate(messages, catch_up),
        received as f64 / (1 << 20) as f64
    );
    println!(
        "catch-up over libp2p takes {:.2}x the time of local validation",
        catch_up.as_secs_f64() / validation.as_secs_f64().max(1e-9)
    );
}
