//! The chain moves in process: hundreds of epochs mined by the genesis miner with
//! mock proofs, messages pushed into the pool and executed with their receipts
//! found, null rounds, a reorg between competing branches with the head-change
//! batches, and the head surviving a restart.

#![allow(clippy::unwrap_used, clippy::indexing_slicing, clippy::string_slice)] // test code: a panic is a failed test

mod common;

use common::TestChain;
use fvm_shared::address::Address;
use fvm_shared::econ::TokenAmount;
use fvm_shared::message::Message;
use padma_chain::state_view::StateView;
use padma_chain::HeadChangeKind;
use padma_types::crypto::KeyInfo;
use padma_types::message::message_signing_bytes;
use padma_types::SignedMessage;

fn send(from: &KeyInfo, to: Address, nonce: u64, atto: u64) -> SignedMessage {
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

fn balance(t: &TestChain, a: &Address) -> TokenAmount {
    let root = t.svc().sm().head_state().unwrap();
    let v = StateView::new(t.svc().sm().store().clone(), &root).unwrap();
    v.actor(a)
        .unwrap()
        .map(|(_, a)| a.balance)
        .unwrap_or_default()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hundreds_of_epochs_with_messages_and_a_restart() {
    let mut t = TestChain::new(3 * 3600);
    let (a, b) = (t.accounts[0].clone(), t.accounts[1].address().unwrap());
    let before = balance(&t, &b);
    let mut pushed = Vec::new();
    let mut mined = 0;
    for round in 1..=300i64 {
        if round % 10 == 0 {
            let nonce = t.svc().mpool().get_nonce(&a.address().unwrap()).unwrap();
            let m = send(&a, b, nonce, 1000 + round as u64);
            pushed.push((m.cid(), 1000 + round as u64));
            t.svc().push_message(m, true).unwrap();
        }
        if t.mine_round(round).await {
            mined += 1;
        }
    }
    let head = t.head();
    assert!(mined >= 270, "only {mined} of 300 rounds were won");
    assert!(head.height() >= 299, "head at {}", head.height());
    // Every message but maybe the last was included, and its receipt is found.
    let cs = t.svc().sm().chain().clone();
    let mut included = 0u64;
    for (cid, amount) in &pushed {
        let Some(ts) = cs.message_inclusion(cid).unwrap() else {
            continue;
        };
        let r = t
            .svc()
            .sm()
            .receipt_in(&ts, cid)
            .unwrap()
            .expect("a receipt");
        assert!(r.exit_code.is_success(), "exit {:?}", r.exit_code);
        included += amount;
    }
    assert!(included > 0);
    drop(cs);
    for _ in 0..100 {
        if t.svc().mpool().len() <= 1 {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    assert!(
        t.svc().mpool().len() <= 1,
        "pool still holds {}",
        t.svc().mpool().len()
    );
    let after = balance(&t, &b);
    assert_eq!(after, before.clone() + TokenAmount::from_atto(included));

    // Restart: same head, same state; mining continues on it.
    let head_before = t.head();
    t.reopen();
    assert_eq!(t.head(), head_before);
    assert_eq!(balance(&t, &b), after);
    let mut round = head_before.height() + 1;
    while !t.mine_round(round).await {
        round += 1;
    }
    assert_eq!(t.head().height(), round);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_heavier_branch_reorgs_the_head() {
    let t = TestChain::new(3600);
    let mut round = 1;
    while t.head().height() < 3 {
        t.mine_round(round).await;
        round += 1;
    }
    let fork_base = t.head();
    let mut events = t.svc().sm().chain().subscribe();
    // A message for branch A: it leaves the pool when A is applied and comes back
    // when A is reverted.
    let mut pool = t.svc().mpool().subscribe();
    let a_key = t.accounts[0].clone();
    let nonce = t
        .svc()
        .mpool()
        .get_nonce(&a_key.address().unwrap())
        .unwrap();
    let m = send(&a_key, t.accounts[1].address().unwrap(), nonce, 5);
    let mcid = m.cid();
    t.svc().push_message(m, true).unwrap();
    // Branch A: one block on the fork base.
    let mut ra = fork_base.height() + 1;
    while !t.mine_on(&fork_base, ra).await {
        ra += 1;
    }
    let a_tip = t.head();
    assert_eq!(a_tip.height(), ra);
    let a_ts = t.svc().sm().chain().message_inclusion(&mcid).unwrap();
    assert_eq!(a_ts.as_ref(), Some(&a_tip), "A includes the message");
    for _ in 0..200 {
        if t.svc().mpool().is_empty() {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    assert!(
        t.svc().mpool().is_empty(),
        "the included message left the pool"
    );
    // Branch B: two blocks on the fork base, after A's round. B1 alone weighs about
    // as much as A (it may or may not take the head); B2 on it is heavier.
    let mut rb = ra + 1;
    let b1 = loop {
        if let Some(ts) = t.mine_block(&fork_base, rb).await {
            break ts;
        }
        rb += 1;
    };
    let mut rb2 = rb + 1;
    while !t.mine_on(&b1, rb2).await {
        rb2 += 1;
    }
    let head = t.head();
    assert_eq!(head.height(), rb2);
    assert_eq!(head.parents(), b1.key().clone());
    // The head changes: apply A; (maybe a revert of A and apply of B1); then a batch
    // that leads to B2.
    let mut applied = Vec::new();
    let mut reverted = Vec::new();
    while let Ok(batch) = events.try_recv() {
        for ch in batch {
            match ch.kind {
                HeadChangeKind::Apply => applied.push(ch.tipset.height()),
                HeadChangeKind::Revert => reverted.push(ch.tipset.height()),
                HeadChangeKind::Current => {}
            }
        }
    }
    assert_eq!(reverted, vec![ra], "A was reverted once");
    // The pool saw the message added, removed (A applied) and added again (A reverted).
    let mut kinds = Vec::new();
    for _ in 0..200 {
        while let Ok(u) = pool.try_recv() {
            if u.message.cid() == mcid {
                kinds.push(u.kind);
            }
        }
        if kinds.len() >= 3 {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    assert_eq!(kinds.get(..3), Some(&[0u8, 1, 0][..]), "{kinds:?}");
    assert_eq!(applied.first(), Some(&ra));
    assert_eq!(applied.last(), Some(&rb2));
}
