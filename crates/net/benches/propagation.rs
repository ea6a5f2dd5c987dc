//! `cargo bench -p padma-net --bench propagation`: block propagation on loopback. Node A
//! (an in-process test chain with its libp2p host) and follower B (a fresh node on the
//! same genesis, its host and padma-net's `Follower`) are connected on 127.0.0.1; B
//! first catches up to A's few first blocks (hello, chain exchange). Then, for each of
//! `PADMA_BENCH_BLOCKS` blocks (default 100), A mines a block with
//! `PADMA_BENCH_PER_BLOCK` sends in it (default 10, which B does not have and fetches
//! by bitswap) and publishes it on the block topic; the time measured runs from the
//! publication to the block becoming B's head (gossip, message fetch, validation
//! with the parent's execution, the head move). p50, p99 and the maximum are printed.

#![allow(clippy::unwrap_used, clippy::indexing_slicing, clippy::string_slice)] // measurement code, not shipped: a panic ends the run

#[path = "../../chain/tests/common/mod.rs"]
mod common;
mod hosts;

use common::build::mine_with_messages;
use common::TestChain;
use padma_chain::messages::block_message_cids;
use padma_chain::store::{HeadChange, HeadChangeKind};
use padma_net::handle::Topic;
use padma_net::wire::gossip::BlockMsg;
use padma_net::Follower;
use padma_types::block::TipSetKey;
use std::time::{Duration, Instant};
use tokio::sync::broadcast;

/// How long B may take to take a block as its head.
const LIMIT: Duration = Duration::from_secs(60);

fn env_or(name: &str, default: i64) -> i64 {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// Waits until `heads` reports `key` applied.
async fn applied(heads: &mut broadcast::Receiver<Vec<HeadChange>>, key: &TipSetKey) {
    let wait = async {
        loop {
            match heads.recv().await {
                Ok(batch) => {
                    if batch
                        .iter()
                        .any(|c| c.kind != HeadChangeKind::Revert && c.tipset.key() == key)
                    {
                        return;
                    }
                }
                Err(broadcast::error::RecvError::Lagged(_)) => {}
                Err(broadcast::error::RecvError::Closed) => panic!("B's chain closed"),
            }
        }
    };
    tokio::time::timeout(LIMIT, wait)
        .await
        .unwrap_or_else(|_| panic!("B did not take {key:?} as its head within {LIMIT:?}"));
}

fn percentile(sorted: &[Duration], q: f64) -> Duration {
    let i = ((sorted.len() - 1) as f64 * q).round() as usize;
    sorted[i]
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    let count = env_or("PADMA_BENCH_BLOCKS", 100).max(1) as usize;
    let per_block = env_or("PADMA_BENCH_PER_BLOCK", 10).max(0) as usize;
    let warm_up = 3;
    let delay_secs = padma_chain::network::DEFAULT_BLOCK_DELAY_MS / 1000;
    let a = TestChain::new(3600 + 3 * delay_secs * (count as u64 + warm_up as u64));
    mine_with_messages(&a, 1..warm_up + 1, per_block).await;

    let b = a.peer();
    let host_a = hosts::start(&a).await;
    let mut host_b = hosts::start(&b).await;
    let follower = Follower::new(host_b.handle.clone(), b.svc().clone());
    let events = host_b.events.take().unwrap();
    tokio::spawn(follower.run(events, std::future::pending()));
    let mut heads = b.svc().sm().chain().subscribe();
    host_b.connect(&host_a).await;
    // B catches up to A's head from its hello.
    applied(&mut heads, a.head().key()).await;

    let store = a.svc().sm().store().clone();
    let mut times = Vec::with_capacity(count);
    let mut round = warm_up + 1;
    while times.len() < count {
        let built = mine_with_messages(&a, round..round + 1, per_block).await;
        round += 1;
        if built.blocks == 0 {
            continue;
        }
        let head = a.head();
        let header = head.blocks()[0].clone();
        let (bls, secp) = block_message_cids(store.as_ref(), &header.messages).unwrap();
        let data = BlockMsg {
            header,
            bls_messages: bls,
            secpk_messages: secp,
        }
        .encode();
        let started = Instant::now();
        host_a.handle.publish(Topic::Blocks, data).await.unwrap();
        applied(&mut heads, head.key()).await;
        times.push(started.elapsed());
    }
    assert_eq!(b.head(), a.head());
    let mut sorted = times.clone();
    sorted.sort();
    let mean = times.iter().sum::<Duration>() / times.len() as u32;
    println!(
        "block propagation on loopback, {count} blocks of {per_block} messages (fetched by bitswap): p50 {:.1} ms, p99 {:.1} ms, max {:.1} ms, mean {:.1} ms",
        ms(percentile(&sorted, 0.5)),
        ms(percentile(&sorted, 0.99)),
        ms(sorted[sorted.len() - 1]),
        ms(mean)
    );
}
