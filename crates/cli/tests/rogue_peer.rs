//! Bad peers get nothing: a rogue libp2p peer (rust-libp2p with the honest transport
//! stack, writing whatever bytes it likes on hello and chain exchange, gossiping what it
//! likes) connects to B, a `padma daemon` following a `padma devnet` A, and misbehaves.
//! Through all of it B stays up, says what happened in its log, keeps reaching A's
//! head, keeps its memory bounded, and penalises the rogue until it disconnects it.

#![allow(clippy::unwrap_used, clippy::indexing_slicing, clippy::string_slice)] // test code: a panic is a failed test

mod rogue;

use fvm_shared::bigint::BigInt;
use padma_net::wire::gossip::BlockMsg;
use padma_net::wire::hello::HelloMessage;
use padma_net::wire::xchg::{Request, Response, Status, HEADERS, MESSAGES};
use padma_types::block::BlockHeader;
use rogue::nodes::{rss_kib, Honest, PeakRss, LIMIT};
use rogue::peer::{Rogue, Seen};
use rogue::*;
use std::time::Duration;

/// What B logs when it drops a peer for misbehaving.
const DISCONNECTING: &str = "disconnecting a misbehaving peer";

/// Connects a new rogue to B and waits for B's hello, which it returns.
async fn rogue_meets_b(h: &Honest, topics: &[String]) -> (Rogue, HelloMessage) {
    let mut rogue = Rogue::start(topics, Box::new(|_| latency()), Box::new(|_| vec![0xff]));
    rogue.dial(h.b_addr.clone()).await.unwrap();
    let b = h.b_id;
    let said = rogue
        .wait_for(LIMIT, |s| match s {
            Seen::Hello(p, bytes) if *p == b => Some(bytes.clone()),
            _ => None,
        })
        .await;
    (rogue, HelloMessage::decode(&said).unwrap())
}

/// A CBOR byte string declaring `declared` bytes, followed by `sent` bytes of it.
fn oversized(declared: u64, sent: usize) -> Vec<u8> {
    let mut v = vec![0x5b];
    v.extend_from_slice(&declared.to_be_bytes());
    v.extend(std::iter::repeat_n(0xab, sent));
    v
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn malformed_hellos_and_frames_are_refused_and_their_sender_dropped() {
    let mut h = Honest::start().await;
    let (mut rogue, b_hello) = rogue_meets_b(&h, &[]).await;
    let b = h.b_id;
    let good = hello(
        b_hello.heaviest_tipset.clone(),
        b_hello.heaviest_tipset_height,
        b_hello.heaviest_tipset_weight.clone(),
        b_hello.genesis,
    );
    // Four malformed things are enough to be dropped: the chain-exchange ones first.
    let sent: Vec<(&str, bool, Vec<u8>)> = vec![
        ("garbage chain exchange request", false, vec![0x1f; 64]),
        (
            "oversized chain exchange request",
            false,
            oversized(u64::MAX, 256 << 10),
        ),
        ("garbage hello", true, vec![0xff, 0x13, 0x37]),
        ("truncated hello", true, good[..good.len() / 2].to_vec()),
        ("oversized hello", true, oversized(16 << 20, 1 << 20)),
        (
            "hello of the wrong shape",
            true,
            request(vec![nowhere(1)], 1, HEADERS),
        ),
    ];
    for (what, is_hello, bytes) in sent {
        let answer = if is_hello {
            rogue.hello(b, bytes).await
        } else {
            rogue.exchange(b, bytes).await
        };
        eprintln!("{what}: {answer:?}");
        if let Ok(a) = answer {
            assert!(a.is_empty(), "B answered a {what}: {a:?}");
        }
        h.assert_alive();
    }
    assert!(
        rogue.disconnected_by(b, LIMIT).await,
        "B kept talking to a peer that sent it malformed frames"
    );
    h.wait_b_logs(&[DISCONNECTING, &rogue.id.to_string()], LIMIT);
    h.wait_b_logs(&["penalising peer", "malformed hello"], LIMIT);
    h.wait_b_logs(
        &["penalising peer", "malformed chain exchange request"],
        LIMIT,
    );

    // A peer on another genesis is disconnected at its hello.
    let (mut stranger, _) = rogue_meets_b(&h, &[]).await;
    let other = hello(
        b_hello.heaviest_tipset.clone(),
        b_hello.heaviest_tipset_height,
        b_hello.heaviest_tipset_weight.clone(),
        nowhere(7),
    );
    let _ = stranger.hello(b, other).await;
    assert!(stranger.disconnected_by(b, LIMIT).await);
    h.wait_b_logs(&["another genesis", &stranger.id.to_string()], LIMIT);

    h.show_penalties();
    h.wait_b_reaches_a(b_hello.heaviest_tipset_height + 3).await;
    h.assert_alive();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_heavier_head_backed_by_garbage_chain_exchange_answers_gets_its_peer_dropped() {
    let mut h = Honest::start().await;
    let (mut rogue, b_hello) = rogue_meets_b(&h, &[]).await;
    let b = h.b_id;
    // A real header of B's head, to dress the rogue's blocks in.
    let answer = rogue
        .exchange(
            b,
            request(b_hello.heaviest_tipset.clone(), 1, HEADERS | MESSAGES),
        )
        .await
        .unwrap();
    let template = head_blocks(&answer)[0].0.clone();
    let height = b_hello.heaviest_tipset_height + 1;
    let weight: BigInt = b_hello.heaviest_tipset_weight.clone() * 1000;
    // The rogue's head: a block on parents nobody has; and `top`, a block whose parent
    // `high` is above it. Each sync B attempts gets the next kind of garbage.
    let head = fake_header(&template, vec![nowhere(1)], height, weight.clone(), 1);
    let below = fake_header(&template, vec![nowhere(2)], height - 1, weight.clone(), 2);
    let high = fake_header(&template, vec![nowhere(3)], height + 5, weight.clone(), 3);
    let top = fake_header(&template, vec![high.cid()], height, weight.clone(), 4);
    // Each garbage answer, the head announced before it, and what B says of it.
    let garbage: Vec<(Vec<u8>, &BlockHeader, &str)> = vec![
        (
            {
                let whole = headers_answer(Status::Ok, vec![vec![head.clone()]]);
                whole[..whole.len() / 2].to_vec()
            },
            &head,
            "stream ended inside a CBOR item",
        ),
        (
            fvm_ipld_encoding::to_vec(&(77u64, "", Vec::<u8>::new())).unwrap(),
            &head,
            "unknown response status 77",
        ),
        (
            headers_answer(Status::Partial, vec![vec![below.clone()]]),
            &head,
            "does not start at the requested head",
        ),
        (
            headers_answer(
                Status::Partial,
                vec![vec![head.clone()], vec![below.clone()]],
            ),
            &head,
            "is not the parent of tipset 0",
        ),
        (
            headers_answer(Status::Partial, vec![vec![top.clone()], vec![high.clone()]]),
            &top,
            "but not below it",
        ),
    ];
    let rogue_id = rogue.id.to_string();
    for (i, (answer, announced, complaint)) in garbage.into_iter().enumerate() {
        // Dropped after four penalties, the rogue comes back for the fifth.
        rogue.dial(h.b_addr.clone()).await.unwrap();
        rogue.answer_exchanges(Box::new(move |_| answer.clone()));
        let said = hello(
            vec![announced.cid()],
            announced.height,
            weight.clone(),
            b_hello.genesis,
        );
        rogue.hello(b, said).await.unwrap();
        // B asks for the announced head, gets garbage, and gives up on it.
        let asked = rogue
            .wait_for(LIMIT, |s| match s {
                Seen::Exchange(p, req) if *p == b => Some(req.clone()),
                _ => None,
            })
            .await;
        assert_eq!(Request::decode(&asked).unwrap().head, vec![announced.cid()]);
        h.wait_b_logs(&["penalising peer", complaint, &rogue_id], LIMIT);
        if i == 3 || i == 4 {
            assert!(
                rogue.disconnected_by(b, LIMIT).await,
                "B kept talking to the rogue after {} garbage answers",
                i + 1
            );
        }
        h.assert_alive();
    }
    h.wait_b_logs(&[DISCONNECTING, &rogue_id], LIMIT);
    h.show_penalties();
    h.wait_b_reaches_a(height + 3).await;
    h.assert_alive();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn invalid_gossip_is_rejected_and_its_sender_dropped() {
    let mut h = Honest::start().await;
    let topics = [h.blocks_topic(), h.msgs_topic()];
    let (mut rogue, b_hello) = rogue_meets_b(&h, &topics).await;
    let b = h.b_id;
    let blocks_topic = h.blocks_topic();
    let topic = blocks_topic.clone();
    rogue
        .wait_for(LIMIT, |s| match s {
            Seen::Subscribed(p, t) if *p == b && *t == topic => Some(()),
            _ => None,
        })
        .await;
    let answer = rogue
        .exchange(
            b,
            request(b_hello.heaviest_tipset.clone(), 1, HEADERS | MESSAGES),
        )
        .await
        .unwrap();
    let (real, cids) = head_blocks(&answer).remove(0);

    // A message whose signature is not its sender's.
    rogue
        .publish(&h.msgs_topic(), badly_signed_message(0, 1))
        .await
        .unwrap();
    h.wait_b_logs(&["invalid gossiped message", &rogue.id.to_string()], LIMIT);
    // A block whose message lists are not its header's.
    let mismatched = (vec![nowhere(5)], cids.1.clone());
    rogue
        .publish(&blocks_topic, block_msg(real.clone(), &mismatched))
        .await
        .unwrap();
    h.wait_b_logs(
        &["message lists are not its header's", &rogue.id.to_string()],
        LIMIT,
    );
    // A block with a forged signature.
    rogue
        .publish(
            &blocks_topic,
            block_msg(with_bad_signature(&real, 3), &cids),
        )
        .await
        .unwrap();
    h.wait_b_logs(
        &["invalid gossiped block", "signature", &rogue.id.to_string()],
        LIMIT,
    );
    // Three rejected: gossipsub and the node's penalties have the rogue's score well
    // below zero.
    let score = h.gossip_score(rogue.id).await.unwrap();
    eprintln!("the rogue's gossip score on B: {score}");
    assert!(score < -1000.0, "{score}");
    // A block on parents nobody has: B asks the rogue for them, and gets garbage.
    let orphan = fake_header(
        &real,
        vec![nowhere(9)],
        real.height + 1,
        real.parent_weight.clone() * 1000,
        9,
    );
    rogue
        .publish(&blocks_topic, block_msg(orphan, &cids))
        .await
        .unwrap();
    let asked = rogue
        .wait_for(LIMIT, |s| match s {
            Seen::Exchange(p, _) => Some(*p == b),
            Seen::Disconnected(p) if *p == b => Some(false),
            _ => None,
        })
        .await;
    // Malformed gossip until B drops the rogue.
    let mut n = 0;
    while n < 50 {
        n += 1;
        if rogue
            .publish(&h.msgs_topic(), badly_signed_message(n, 2))
            .await
            .is_err()
        {
            break;
        }
        if rogue.disconnected_by(b, Duration::from_millis(200)).await {
            break;
        }
    }
    h.wait_b_logs(&[DISCONNECTING, &rogue.id.to_string()], LIMIT);
    eprintln!(
        "B asked the rogue for the orphan's parents: {asked}; dropped it after {n} more messages"
    );
    h.show_penalties();
    h.wait_b_reaches_a(real.height + 3).await;
    h.assert_alive();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn floods_of_requests_and_gossip_leave_memory_bounded_and_the_follower_following() {
    let mut h = Honest::start().await;
    let topics = [h.blocks_topic(), h.msgs_topic()];
    let (mut rogue, b_hello) = rogue_meets_b(&h, &topics).await;
    let b = h.b_id;
    let before = rss_kib(h.b.pid());

    // Many concurrent well-formed hellos and chain-exchange requests for as much as a
    // request may ask: what B cannot take now it refuses, and nothing piles up.
    let good = hello(
        b_hello.heaviest_tipset.clone(),
        b_hello.heaviest_tipset_height,
        b_hello.heaviest_tipset_weight.clone(),
        b_hello.genesis,
    );
    let ask = request(b_hello.heaviest_tipset.clone(), 900, HEADERS | MESSAGES);
    let hellos: Vec<_> = (0..1000).map(|_| rogue.hello(b, good.clone())).collect();
    let asks: Vec<_> = (0..1000).map(|_| rogue.exchange(b, ask.clone())).collect();
    let (mut results, asked) = futures::join!(
        futures::future::join_all(hellos),
        futures::future::join_all(asks)
    );
    results.extend(asked);
    let answered = results
        .iter()
        .filter(|r| matches!(r, Ok(a) if !a.is_empty()))
        .count();
    let during_requests = rss_kib(h.b.pid());
    h.assert_alive();
    eprintln!("{answered} of {} requests answered", results.len());
    assert!(answered > 0, "B answered none of the requests");

    // A flood of blocks B cannot judge now: on parents nobody has, each naming 10,000
    // messages nobody has (400 KiB), as fast as the rogue can send them. The rogue says
    // it does not have the parents either (an honest answer), so it is not dropped.
    rogue.answer_exchanges(Box::new(|_| Response::error(Status::NotFound, "").encode()));
    let answer = rogue
        .exchange(
            b,
            request(b_hello.heaviest_tipset.clone(), 1, HEADERS | MESSAGES),
        )
        .await
        .unwrap();
    let template = head_blocks(&answer)[0].0.clone();
    let cids = (vec![], (0..10_000).map(nowhere).collect::<Vec<_>>());
    let meta = BlockMsg {
        header: template.clone(),
        bls_messages: cids.0.clone(),
        secpk_messages: cids.1.clone(),
    }
    .msg_meta_cid();
    let peak = PeakRss::watch(h.b.pid());
    let mut published = 0;
    for n in 0..600u64 {
        let mut orphan = fake_header(
            &template,
            vec![nowhere(1_000_000 + n)],
            template.height + 1,
            template.parent_weight.clone(),
            n,
        );
        orphan.messages = meta;
        if rogue
            .publish(&h.blocks_topic(), block_msg(orphan, &cids))
            .await
            .is_ok()
        {
            published += 1;
        }
    }
    // Then blocks B cannot even decode, until it drops the rogue.
    let mut malformed = 0;
    loop {
        let mut data = vec![0x84; 64 << 10];
        data[..8].copy_from_slice(&(malformed as u64).to_be_bytes());
        if rogue.publish(&h.blocks_topic(), data).await.is_err() {
            break;
        }
        malformed += 1;
        if rogue.disconnected_by(b, Duration::from_millis(100)).await {
            break;
        }
        assert!(
            malformed < 600,
            "B kept the rogue after {malformed} malformed blocks"
        );
    }
    h.wait_b_logs(&[DISCONNECTING, &rogue.id.to_string()], LIMIT);
    h.assert_alive();
    h.show_penalties();
    h.wait_b_reaches_a(b_hello.heaviest_tipset_height + 3).await;
    let peak = peak.stop();
    let settled = rss_kib(h.b.pid());
    eprintln!(
        "B's resident memory: {before} KiB before, {during_requests} KiB after the requests, \
         at most {peak} KiB during {published} blocks of 10,000 unknown messages and {malformed} \
         malformed ones, {settled} KiB once following again"
    );
    // The flood carries some 240 MB; B holds at most its validation budget of it (16
    // MiB, and gossipsub's copy of that) at a time. Without the budget it held the
    // whole backlog of blocks waiting for validation: 74 to 94 MB more here.
    let bound = before + 64 * 1024;
    assert!(
        during_requests < bound && peak < bound && settled < bound,
        "B's memory grew from {before} KiB to {during_requests}/{peak}/{settled} KiB"
    );
    h.assert_alive();
}
