//! Chain store behaviour on the real datastore: head persistence across reopen, fork
//! choice and reorg events, the height index across null rounds, the message index.

use super::*;
use crate::messages::{block_messages, put_block_messages};
use fvm_ipld_encoding::RawBytes;
use fvm_shared::address::Address;
use fvm_shared::econ::TokenAmount;
use padma_types::block::Ticket;
use padma_types::Message;

fn store() -> (tempfile::TempDir, Arc<Store>) {
    let dir = tempfile::tempdir().unwrap();
    let s = Arc::new(Store::open(dir.path()).unwrap());
    (dir, s)
}

fn empty_messages(s: &Store) -> Cid {
    put_block_messages(s, &[], &[]).unwrap()
}

fn header(
    parent: Option<&TipSet>,
    height: i64,
    miner: u64,
    ticket: u8,
    messages: Cid,
) -> BlockHeader {
    BlockHeader {
        miner: Address::new_id(miner),
        ticket: Some(Ticket {
            vrf_proof: vec![ticket; 32],
        }),
        election_proof: None,
        beacon_entries: vec![],
        win_post_proof: vec![],
        parents: parent.map(|p| p.key().cids().to_vec()).unwrap_or_default(),
        parent_weight: BigInt::from(height),
        height,
        parent_state_root: messages,
        parent_message_receipts: messages,
        messages,
        bls_aggregate: None,
        timestamp: 1000 + height as u64,
        block_sig: None,
        fork_signaling: 0,
        parent_base_fee: TokenAmount::from_atto(100),
    }
}

fn add(
    cs: &ChainStore,
    parent: &TipSet,
    height: i64,
    miner: u64,
    ticket: u8,
    weight: i64,
) -> TipSet {
    let ts = TipSet::new(vec![header(
        Some(parent),
        height,
        miner,
        ticket,
        empty_messages(cs.blockstore()),
    )])
    .unwrap();
    cs.put_tipset(&ts, &BigInt::from(weight)).unwrap();
    ts
}

#[test]
fn genesis_head_persists_and_a_foreign_genesis_is_refused() {
    let (dir, s) = store();
    let g = header(None, 0, 1000, 1, empty_messages(&s));
    let tip = {
        let cs = ChainStore::open(s.clone()).unwrap();
        assert!(cs.head().is_none());
        cs.set_genesis(&g).unwrap();
        cs.set_genesis(&g).unwrap();
        let gts = cs.head().unwrap();
        assert_eq!(gts.height(), 0);
        let a = add(&cs, &gts, 1, 1000, 2, 1);
        assert!(cs.maybe_take_heavier(a.clone()).unwrap());
        a
    };
    drop(s);
    let s = Arc::new(Store::open(dir.path()).unwrap());
    let cs = ChainStore::open(s.clone()).unwrap();
    assert_eq!(
        cs.head().unwrap(),
        tip,
        "restart resumes from the same head"
    );
    assert_eq!(cs.genesis().unwrap().unwrap(), g);
    let other = header(None, 0, 1001, 9, empty_messages(&s));
    let err = cs.set_genesis(&other).unwrap_err().to_string();
    assert!(err.contains("another chain"), "{err}");
}

#[test]
fn heavier_forks_reorg_with_revert_then_apply_events() {
    let (_dir, s) = store();
    let cs = ChainStore::open(s.clone()).unwrap();
    cs.set_genesis(&header(None, 0, 1000, 1, empty_messages(&s)))
        .unwrap();
    let g = cs.head().unwrap();
    let a1 = add(&cs, &g, 1, 1000, 5, 10);
    let a2 = add(&cs, &a1, 2, 1000, 5, 20);
    cs.maybe_take_heavier(a1.clone()).unwrap();
    cs.maybe_take_heavier(a2.clone()).unwrap();
    let mut sub = cs.subscribe();
    // A fork from genesis: lighter is ignored, heavier takes over.
    let b1 = add(&cs, &g, 1, 1001, 3, 11);
    assert!(!cs.maybe_take_heavier(b1.clone()).unwrap());
    let b2 = add(&cs, &b1, 2, 1001, 3, 21);
    assert!(cs.maybe_take_heavier(b2.clone()).unwrap());
    let batch = sub.try_recv().unwrap();
    let kinds: Vec<(HeadChangeKind, i64)> =
        batch.iter().map(|c| (c.kind, c.tipset.height())).collect();
    assert_eq!(
        kinds,
        vec![
            (HeadChangeKind::Revert, 2),
            (HeadChangeKind::Revert, 1),
            (HeadChangeKind::Apply, 1),
            (HeadChangeKind::Apply, 2)
        ]
    );
    assert_eq!(batch[0].tipset, a2);
    assert_eq!(batch[3].tipset, b2);
    assert_eq!(cs.tipset_by_height(1).unwrap(), b1);
    // Equal weight: a tipset whose ticket digest is smaller than the head's wins; a
    // larger one leaves the head alone.
    let head_digest = cs.head().unwrap().min_ticket_block().ticket_digest();
    let digest_of = |t: u8| header(None, 2, 1, t, empty_messages(&s)).ticket_digest();
    let smaller = (0..=255u8).find(|t| digest_of(*t) < head_digest).unwrap();
    let larger = (0..=255u8).find(|t| digest_of(*t) > head_digest).unwrap();
    let loser = add(&cs, &b1, 2, 1002, larger, 21);
    assert!(!cs.maybe_take_heavier(loser).unwrap());
    assert_eq!(cs.head().unwrap(), b2);
    let winner = add(&cs, &b1, 2, 1003, smaller, 21);
    assert!(cs.maybe_take_heavier(winner.clone()).unwrap());
    assert_eq!(cs.head().unwrap(), winner);
    let (reverts, applies) = cs.path(&a2, &b2).unwrap();
    assert_eq!(reverts, vec![a2, a1]);
    assert_eq!(applies, vec![b1, b2]);
}

#[test]
fn height_index_resolves_null_rounds_to_the_tipset_below() {
    let (_dir, s) = store();
    let cs = ChainStore::open(s.clone()).unwrap();
    cs.set_genesis(&header(None, 0, 1000, 1, empty_messages(&s)))
        .unwrap();
    let g = cs.head().unwrap();
    let t3 = add(&cs, &g, 3, 1000, 1, 3);
    let t4 = add(&cs, &t3, 4, 1000, 1, 4);
    cs.maybe_take_heavier(t3.clone()).unwrap();
    cs.maybe_take_heavier(t4.clone()).unwrap();
    assert_eq!(cs.tipset_by_height(0).unwrap(), g);
    assert_eq!(cs.tipset_by_height(1).unwrap(), g);
    assert_eq!(cs.tipset_by_height(2).unwrap(), g);
    assert_eq!(cs.tipset_by_height(3).unwrap(), t3);
    assert_eq!(cs.tipset_by_height(4).unwrap(), t4);
    assert!(cs
        .tipset_by_height(5)
        .unwrap_err()
        .to_string()
        .contains("greater than start point"));
    assert!(cs.tipset_by_height(-1).is_err());
}

#[test]
fn messages_are_indexed_by_inclusion_and_unindexed_on_revert() {
    let (_dir, s) = store();
    let cs = ChainStore::open(s.clone()).unwrap();
    cs.set_genesis(&header(None, 0, 1000, 1, empty_messages(&s)))
        .unwrap();
    let g = cs.head().unwrap();
    let m = Message {
        version: 0,
        from: Address::new_id(100),
        to: Address::new_id(101),
        sequence: 0,
        value: TokenAmount::from_atto(5),
        method_num: padma_state::actors::method::SEND,
        params: RawBytes::default(),
        gas_limit: 1000,
        gas_fee_cap: TokenAmount::from_atto(1),
        gas_premium: TokenAmount::from_atto(1),
    };
    let meta = put_block_messages(s.as_ref(), std::slice::from_ref(&m), &[]).unwrap();
    let (bls, secp) = block_messages(s.as_ref(), &meta).unwrap();
    assert_eq!((bls, secp.len()), (vec![m.clone()], 0));
    let with_msg = TipSet::new(vec![header(Some(&g), 1, 1000, 1, meta)]).unwrap();
    cs.put_tipset(&with_msg, &BigInt::from(1)).unwrap();
    cs.maybe_take_heavier(with_msg.clone()).unwrap();
    let cid = padma_types::message::message_cid(&m);
    assert_eq!(cs.message_inclusion(&cid).unwrap(), Some(with_msg));
    let other = add(&cs, &g, 1, 1001, 1, 2);
    cs.maybe_take_heavier(other).unwrap();
    assert_eq!(cs.message_inclusion(&cid).unwrap(), None);
}

#[test]
fn tipsets_at_heights_on_canonical_and_side_chains_with_null_rounds() {
    let (_dir, s) = store();
    let cs = ChainStore::open(s.clone()).unwrap();
    cs.set_genesis(&header(None, 0, 1000, 1, empty_messages(&s)))
        .unwrap();
    let g = cs.head().unwrap();
    // Canonical: 0, 1, (2 null), 3, 4. Side chain from 1: (2, 3 null) 4', 5'.
    let t1 = add(&cs, &g, 1, 1000, 2, 1);
    let t3 = add(&cs, &t1, 3, 1000, 3, 2);
    let t4 = add(&cs, &t3, 4, 1000, 4, 3);
    cs.maybe_take_heavier(t4.clone()).unwrap();
    let s4 = add(&cs, &t1, 4, 1000, 9, 1);
    let s5 = add(&cs, &s4, 5, 1000, 9, 2);
    let at = |ts: &TipSet, h, prev| cs.tipset_at_height(ts, h, prev).unwrap().height();
    assert_eq!(at(&t4, 2, true), 1);
    assert_eq!(at(&t4, 2, false), 3);
    assert_eq!(at(&t4, 3, true), 3);
    assert_eq!(at(&t4, 0, true), 0);
    assert_eq!(at(&t4, 4, false), 4);
    // The side chain is walked, not read from the index.
    assert_eq!(at(&s5, 3, true), 1);
    assert_eq!(at(&s5, 3, false), 4);
    assert_eq!(cs.tipset_at_height(&s5, 3, false).unwrap().key(), s4.key());
    assert_eq!(at(&s5, 1, false), 1);
    assert!(cs.tipset_at_height(&t4, 5, true).is_err());
    assert!(cs.tipset_at_height(&t4, -1, true).is_err());
    assert!(cs.is_canonical(&t3));
    assert!(!cs.is_canonical(&s4));
}

fn message(nonce: u64) -> Message {
    Message {
        version: 0,
        from: Address::new_id(100),
        to: Address::new_id(101),
        sequence: nonce,
        value: TokenAmount::from_atto(5),
        method_num: 0,
        params: RawBytes::default(),
        gas_limit: 1000,
        gas_fee_cap: TokenAmount::from_atto(1),
        gas_premium: TokenAmount::from_atto(1),
    }
}

/// A tipset of one block on `parent` carrying `msgs`, stored with weight `weight`.
fn add_with(
    cs: &ChainStore,
    parent: &TipSet,
    height: i64,
    miner: u64,
    msgs: &[Message],
    weight: i64,
) -> TipSet {
    let meta = put_block_messages(cs.blockstore().as_ref(), msgs, &[]).unwrap();
    let ts = TipSet::new(vec![header(Some(parent), height, miner, 1, meta)]).unwrap();
    cs.put_tipset(&ts, &BigInt::from(weight)).unwrap();
    ts
}

#[test]
fn the_message_index_keeps_the_earliest_inclusion_across_reorgs_and_reopens() {
    let (_dir, s) = store();
    let m = message(0);
    let cid = padma_types::message::message_cid(&m);
    let (a1, b3) = {
        let cs = ChainStore::open(s.clone()).unwrap();
        cs.set_genesis(&header(None, 0, 1000, 1, empty_messages(&s)))
            .unwrap();
        let g = cs.head().unwrap();
        // Chain a: the message at 1 and again (a duplicate) at 2.
        let a1 = add_with(&cs, &g, 1, 1000, std::slice::from_ref(&m), 1);
        let a2 = add_with(&cs, &a1, 2, 1000, std::slice::from_ref(&m), 2);
        cs.maybe_take_heavier(a2.clone()).unwrap();
        assert_eq!(cs.message_inclusion(&cid).unwrap(), Some(a1.clone()));
        // Reverting the duplicate leaves the earliest inclusion indexed.
        let a2b = add(&cs, &a1, 2, 1001, 1, 3);
        cs.maybe_take_heavier(a2b.clone()).unwrap();
        assert_eq!(cs.message_inclusion(&cid).unwrap(), Some(a1.clone()));
        // Chain b from the genesis: the message at 3 only.
        let b1 = add(&cs, &g, 1, 1002, 1, 1);
        let b3 = add_with(&cs, &b1, 3, 1002, std::slice::from_ref(&m), 4);
        cs.maybe_take_heavier(b3.clone()).unwrap();
        assert_eq!(cs.message_inclusion(&cid).unwrap(), Some(b3.clone()));
        (a1, b3)
    };
    // A restart finds the same answer.
    let cs = ChainStore::open(s.clone()).unwrap();
    assert_eq!(cs.message_inclusion(&cid).unwrap(), Some(b3.clone()));
    // Back to chain a (made heavier): the index follows.
    let a3 = add(&cs, &a1, 3, 1000, 1, 5);
    cs.maybe_take_heavier(a3).unwrap();
    assert_eq!(cs.message_inclusion(&cid).unwrap(), Some(a1));
}

#[test]
fn unreadable_index_entries_are_no_answer_and_get_rewritten() {
    let (_dir, s) = store();
    let cs = ChainStore::open(s.clone()).unwrap();
    cs.set_genesis(&header(None, 0, 1000, 1, empty_messages(&s)))
        .unwrap();
    let g = cs.head().unwrap();
    let m = message(0);
    let cid = padma_types::message::message_cid(&m);
    // An entry in an older format (the bare tipset key) for a message not yet on chain.
    let mut k = b"chain/msg/".to_vec();
    k.extend_from_slice(&cid.to_bytes());
    s.commit(vec![(COL_META, k, Some(encode_key(g.key())))])
        .unwrap();
    assert_eq!(cs.message_inclusion(&cid).unwrap(), None);
    let t1 = add_with(&cs, &g, 1, 1000, std::slice::from_ref(&m), 1);
    cs.maybe_take_heavier(t1.clone()).unwrap();
    assert_eq!(cs.message_inclusion(&cid).unwrap(), Some(t1));
}
