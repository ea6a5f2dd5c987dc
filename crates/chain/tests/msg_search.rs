//! Message search on a mined chain: the message index answers what the walk back
//! answers; after a reorg that reverts the including tipset it no longer answers (and
//! a search from the reverted branch is not answered from it); once the message is
//! included again the index names the new inclusion, also after a restart.

#![allow(clippy::unwrap_used, clippy::indexing_slicing, clippy::string_slice)] // test code: a panic is a failed test

mod common;

use common::TestChain;
use fvm_shared::address::Address;
use fvm_shared::econ::TokenAmount;
use fvm_shared::message::Message;
use padma_chain::messages::stored_message;
use padma_chain::msg_lookup::{
    search_back, search_for_message, search_index, MessageLookup, LOOKBACK_NO_LIMIT,
};
use padma_types::block::TipSet;
use padma_types::crypto::KeyInfo;
use padma_types::message::message_signing_bytes;
use padma_types::SignedMessage;
use std::time::Duration;

fn send(from: &KeyInfo, to: Address, nonce: u64) -> SignedMessage {
    let message = Message {
        version: 0,
        from: from.address().unwrap(),
        to,
        sequence: nonce,
        value: TokenAmount::from_atto(7),
        method_num: 0,
        params: Default::default(),
        gas_limit: 10_000_000,
        gas_fee_cap: TokenAmount::from_atto(10_000_000_000u64),
        gas_premium: TokenAmount::from_atto(100_000),
    };
    let signature = from.sign(&message_signing_bytes(&message)).unwrap();
    SignedMessage { message, signature }
}

/// Mines on `base` from `round` on until a block is made; the new tipset and the next
/// round.
async fn mine_from(t: &TestChain, base: &TipSet, mut round: i64) -> (TipSet, i64) {
    loop {
        if let Some(ts) = t.mine_block(base, round).await {
            return (ts, round + 1);
        }
        round += 1;
    }
}

/// Waits until the pool holds `n` messages.
async fn pool_len(t: &TestChain, n: usize) {
    for _ in 0..250 {
        if t.svc().mpool().len() == n {
            return;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    panic!("the pool holds {}, not {n}", t.svc().mpool().len());
}

/// The full search and the walk back from the head, checked to agree.
fn search(t: &TestChain, m: &SignedMessage) -> Option<MessageLookup> {
    let sm = t.svc().sm();
    let head = sm.head();
    let cid = m.cid();
    let full = search_for_message(sm, &head, &cid, &m.message, LOOKBACK_NO_LIMIT, false).unwrap();
    let walked = search_back(sm, &head, &cid, &m.message, LOOKBACK_NO_LIMIT, false).unwrap();
    let key = |f: &Option<MessageLookup>| {
        f.as_ref()
            .map(|f| (f.exec.clone(), f.msg, f.receipt.clone()))
    };
    assert_eq!(
        key(&full),
        key(&walked),
        "the index and the walk back agree"
    );
    full
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_index_follows_reorgs_and_restarts() {
    let mut t = TestChain::new(3600);
    let mut round = 1;
    while t.head().height() < 2 {
        t.mine_round(round).await;
        round += 1;
    }
    let (from, to) = (t.accounts[0].clone(), t.accounts[1].address().unwrap());
    let first = send(&from, to, 0);
    t.svc().push_message(first.clone(), true).unwrap();
    let fork_base = t.head();

    // Branch A includes the message and executes it in the block after.
    let (a1, r) = mine_from(&t, &fork_base, round).await;
    let (a2, r) = mine_from(&t, &a1, r).await;
    assert_eq!(t.head(), a2);
    let found = search(&t, &first).expect("found on branch A");
    assert_eq!(found.exec, a2);
    assert_eq!(found.msg, first.cid());
    assert!(found.receipt.exit_code.is_success());
    let sm = t.svc().sm().clone();
    let indexed = search_index(&sm, &a2, &first.cid()).unwrap();
    assert_eq!(indexed.map(|f| f.exec), Some(a2.clone()));
    pool_len(&t, 0).await;

    // Branch B, mined while the pool is empty until it is the heavier one: A is
    // reverted, and B does not include the message.
    let (mut b3, mut r) = mine_from(&t, &fork_base, r).await;
    while t.head() != b3 {
        (b3, r) = mine_from(&t, &b3, r).await;
    }
    assert_eq!(sm.chain().message_inclusion(&first.cid()).unwrap(), None);
    assert!(search_index(&sm, &b3, &first.cid()).unwrap().is_none());
    // From the reverted branch's tip the index gives no answer (the walk still does).
    assert!(search_index(&sm, &a2, &first.cid()).unwrap().is_none());
    let on_a = search_for_message(
        &sm,
        &a2,
        &first.cid(),
        &first.message,
        LOOKBACK_NO_LIMIT,
        false,
    )
    .unwrap()
    .expect("found walking back from A's tip");
    assert_eq!(on_a.exec, a2);
    assert!(search(&t, &first).is_none(), "not executed on branch B");

    // The reverted message is back in the pool; B includes it, with a second one.
    pool_len(&t, 1).await;
    let second = send(&from, to, 1);
    t.svc().push_message(second.clone(), true).unwrap();
    let (b4, r) = mine_from(&t, &b3, r).await;
    let (b5, r) = mine_from(&t, &b4, r).await;
    let (b6, _) = mine_from(&t, &b5, r).await;
    assert_eq!(t.head(), b6);
    let incl = sm
        .chain()
        .message_inclusion(&first.cid())
        .unwrap()
        .expect("indexed");
    assert_eq!(incl.parents(), *b3.key());
    let first_found = search(&t, &first).expect("found on branch B");
    let second_found = search(&t, &second).expect("found on branch B");
    assert_eq!(first_found.exec.parents(), *incl.key());
    drop(sm);

    // A restart: the index gives the same answers, from the datastore.
    t.reopen();
    let sm = t.svc().sm().clone();
    let head = sm.head();
    assert_eq!(head, b6);
    assert_eq!(
        sm.chain().message_inclusion(&first.cid()).unwrap(),
        Some(incl)
    );
    for (m, before) in [(&first, &first_found), (&second, &second_found)] {
        let stored = stored_message(sm.store().as_ref(), &m.cid())
            .unwrap()
            .unwrap();
        assert_eq!(stored.cid(), m.cid());
        let indexed = search_index(&sm, &head, &m.cid())
            .unwrap()
            .expect("indexed");
        assert_eq!((&indexed.exec, indexed.msg), (&before.exec, before.msg));
        assert_eq!(indexed.receipt, before.receipt);
        let again = search(&t, m).expect("found after the restart");
        assert_eq!(again.exec, before.exec);
    }
}
