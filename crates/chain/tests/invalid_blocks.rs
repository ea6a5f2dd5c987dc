//! Block validation (protocol.md §3.7) through the chain service, one test per way a
//! block can be wrong: a valid block is built the way `mine_one` builds one (without
//! submitting it), checked to be accepted untouched, and each test mutates a fresh
//! copy (re-signing the header with the worker key unless the signature is the
//! point), submits it and checks the verdict: `Invalid` with a reason naming the
//! problem, remembered by `bad_block`, refused again at once, the head unmoved, and
//! the untouched block still accepted afterwards. Blocks from the future and blocks
//! with unknown parents are `Temporary` and not remembered. A flood of invalid blocks
//! leaves the node working and its bad-block memory bounded.

#![allow(clippy::unwrap_used, clippy::indexing_slicing, clippy::string_slice)] // test code: a panic is a failed test

mod common;

use cid::Cid;
use common::{bls_key, secp_key, TestChain};
use fvm_shared::address::Address;
use fvm_shared::econ::TokenAmount;
use fvm_shared::message::Message;
use padma_chain::base_info::address_cbor;
use padma_chain::consensus::beacon::{Beacon, MockBeacon};
use padma_chain::consensus::election::win_count;
use padma_chain::consensus::randomness::{draw_from_base, Tag};
use padma_chain::consensus::vrf::{election_input, ticket_input};
use padma_chain::miner::{MockWinningProver, WinningProver};
use padma_chain::network::now_ms;
use padma_chain::produce::BlockTemplate;
use padma_chain::{BlockError, FullBlock};
use padma_types::block::{ElectionProof, Ticket, TipSet};
use padma_types::crypto::KeyInfo;
use padma_types::message::message_signing_bytes;
use padma_types::SignedMessage;

fn msg(from: &KeyInfo, nonce: u64, value: u64, gas_limit: u64) -> SignedMessage {
    let message = Message {
        version: 0,
        from: from.address().unwrap(),
        to: Address::new_id(100),
        sequence: nonce,
        value: TokenAmount::from_atto(value),
        method_num: padma_state::actors::method::SEND,
        params: Default::default(),
        gas_limit,
        gas_fee_cap: TokenAmount::from_atto(10_000_000_000u64),
        gas_premium: TokenAmount::from_atto(100_000),
    };
    let signature = from.sign(&message_signing_bytes(&message)).unwrap();
    SignedMessage { message, signature }
}

fn send(from: &KeyInfo, nonce: u64, value: u64) -> SignedMessage {
    msg(from, nonce, value, 10_000_000)
}

/// The block the test chain's miner makes at `round` on `base` with `messages`, built
/// as `mine_one` builds it but not submitted; `None` when the miner does not win.
fn build(
    t: &TestChain,
    base: &TipSet,
    round: i64,
    messages: Vec<SignedMessage>,
) -> Option<FullBlock> {
    let sm = t.svc().sm();
    let info = sm.miner_base_info(&t.miner, round, base).unwrap()?;
    if !info.eligible_for_mining {
        return None;
    }
    let rbase = info.randomness_base().clone();
    let eproof = t
        .worker
        .sign(&election_input(&rbase, round, &t.miner))
        .unwrap();
    let wins = win_count(&eproof.bytes, &info.miner_power, &info.network_power);
    if wins < 1 {
        return None;
    }
    let parent_ticket = base
        .min_ticket_block()
        .ticket
        .as_ref()
        .map(|t| t.vrf_proof.clone())
        .unwrap_or_default();
    let ticket = t
        .worker
        .sign(&ticket_input(&rbase, round, &t.miner, &parent_ticket))
        .unwrap();
    let prand = draw_from_base(
        &rbase.data,
        Tag::WinningPoStChallengeSeed,
        round,
        &address_cbor(&t.miner),
    );
    let winning_post_proof = MockWinningProver.prove(&info, 1000, prand).unwrap();
    let timestamp = sm.params().block_timestamp(sm.genesis().timestamp, round);
    let block = sm
        .create_block(
            &BlockTemplate {
                miner: t.miner,
                parents: base.key().clone(),
                ticket: Ticket {
                    vrf_proof: ticket.bytes,
                },
                eproof: ElectionProof {
                    win_count: wins,
                    vrf_proof: eproof.bytes,
                },
                beacon_values: info.beacon_entries.clone(),
                messages,
                epoch: round,
                timestamp,
                winning_post_proof,
            },
            |_, d| Ok(t.worker.sign(d)?),
        )
        .unwrap();
    Some(block)
}

/// A chain with one accepted block (carrying a message) on genesis, and a valid,
/// not yet submitted block on it carrying a secp and a BLS message.
struct Fixture {
    t: TestChain,
    /// The accepted parent.
    parent: TipSet,
    /// The round the valid block was won at.
    round: i64,
    /// The valid block.
    block: FullBlock,
}

impl Fixture {
    fn new() -> Fixture {
        let t = TestChain::new(3600);
        let genesis = t.head();
        let first = send(&t.accounts[0], 0, 1000);
        let mut round = 1;
        let parent_block = loop {
            if let Some(b) = build(&t, &genesis, round, vec![first.clone()]) {
                break b;
            }
            round += 1;
        };
        assert!(t
            .svc()
            .submit_block(parent_block.clone(), now_ms())
            .unwrap());
        let parent = t.head();
        assert_eq!(parent.min_ticket_block().cid(), parent_block.header.cid());
        let mut f = Fixture {
            t,
            parent,
            round: round + 1,
            block: parent_block,
        };
        loop {
            if let Some(b) = build(&f.t, &f.parent, f.round, f.valid_messages()) {
                f.block = b;
                break;
            }
            f.round += 1;
        }
        assert_eq!(f.block.secp_messages.len(), 1);
        assert_eq!(f.block.bls_messages.len(), 1);
        f
    }

    /// A secp message from the second account and a BLS one from the worker.
    fn valid_messages(&self) -> Vec<SignedMessage> {
        vec![send(&self.t.accounts[1], 0, 1), send(&self.t.worker, 0, 2)]
    }

    /// The valid block's round built again with other messages.
    fn with_messages(&self, messages: Vec<SignedMessage>) -> FullBlock {
        build(&self.t, &self.parent, self.round, messages).expect("the round is won")
    }

    /// A copy of the valid block with its header changed by `f` and signed again.
    fn mutated(&self, f: impl FnOnce(&mut padma_types::block::BlockHeader)) -> FullBlock {
        let mut b = self.block.clone();
        f(&mut b.header);
        resign(&mut b, &self.t.worker);
        b
    }

    fn submit(&self, b: &FullBlock) -> Result<bool, BlockError> {
        self.t.svc().submit_block(b.clone(), now_ms())
    }

    /// `b` is refused as invalid for a reason containing `needle`, remembered as bad,
    /// refused again at once, the head did not move, and the valid block is still
    /// accepted afterwards.
    fn assert_invalid(&self, b: &FullBlock, needle: &str) {
        let head = self.t.head();
        let cid = b.header.cid();
        assert_ne!(cid, self.block.header.cid(), "the block was not changed");
        let reason = match self.submit(b) {
            Err(BlockError::Invalid(r)) => r,
            other => panic!("expected an invalid block ({needle}), got {other:?}"),
        };
        assert!(
            reason.contains(needle),
            "reason {reason:?} does not name {needle:?}"
        );
        assert_eq!(
            self.t.svc().bad_block(&cid).as_deref(),
            Some(reason.as_str())
        );
        match self.submit(b) {
            Err(BlockError::Invalid(r)) => {
                assert!(r.contains("marked bad") && r.contains(&reason), "{r}")
            }
            other => panic!("a bad block was not refused at once: {other:?}"),
        }
        assert_eq!(self.t.head(), head, "an invalid block moved the head");
        self.assert_valid_accepted();
    }

    /// `b` is refused for now, not remembered as bad, and the head did not move.
    fn assert_temporary(&self, b: &FullBlock, now_ms: u64, needle: &str) {
        let head = self.t.head();
        let reason = match self.t.svc().submit_block(b.clone(), now_ms) {
            Err(BlockError::Temporary(r)) => r,
            other => panic!("expected a temporary refusal ({needle}), got {other:?}"),
        };
        assert!(
            reason.contains(needle),
            "reason {reason:?} does not name {needle:?}"
        );
        assert_eq!(self.t.svc().bad_block(&b.header.cid()), None);
        assert_eq!(self.t.head(), head);
    }

    fn assert_valid_accepted(&self) {
        assert_eq!(self.t.svc().bad_block(&self.block.header.cid()), None);
        // Accepted (the head moves to it, or is already there from an earlier check).
        self.submit(&self.block)
            .expect("the valid block was refused");
        assert_eq!(
            self.t.head().min_ticket_block().cid(),
            self.block.header.cid()
        );
    }
}

fn resign(b: &mut FullBlock, key: &KeyInfo) {
    b.header.block_sig = Some(key.sign(&b.header.signing_bytes()).unwrap());
}

fn other_cid(data: &[u8]) -> Cid {
    padma_types::cid::cbor_cid(data)
}

#[tokio::test]
async fn the_untouched_block_is_accepted() {
    let f = Fixture::new();
    let before = f.t.head();
    assert!(f.submit(&f.block).unwrap(), "the head did not move");
    assert_eq!(f.t.head().parents(), before.key().clone());
    assert_eq!(f.t.head().min_ticket_block().cid(), f.block.header.cid());
    assert_eq!(f.t.head().height(), f.round);
    // Submitting it again changes nothing.
    assert!(!f.submit(&f.block).unwrap());
}

#[tokio::test]
async fn missing_ticket() {
    let f = Fixture::new();
    f.assert_invalid(&f.mutated(|h| h.ticket = None), "ticket");
}

#[tokio::test]
async fn missing_election_proof() {
    let f = Fixture::new();
    f.assert_invalid(&f.mutated(|h| h.election_proof = None), "election proof");
}

#[tokio::test]
async fn missing_signature() {
    let f = Fixture::new();
    let mut b = f.block.clone();
    b.header.block_sig = None;
    f.assert_invalid(&b, "signature");
}

#[tokio::test]
async fn missing_bls_aggregate() {
    let f = Fixture::new();
    f.assert_invalid(&f.mutated(|h| h.bls_aggregate = None), "BLS aggregate");
}

#[tokio::test]
async fn miner_not_an_id_address() {
    let f = Fixture::new();
    let key = f.t.worker.address().unwrap();
    f.assert_invalid(&f.mutated(|h| h.miner = key), "not an ID address");
}

#[tokio::test]
async fn height_not_above_the_parent() {
    let f = Fixture::new();
    let ph = f.parent.height();
    f.assert_invalid(&f.mutated(|h| h.height = ph), "not above its parent");
}

#[tokio::test]
async fn wrong_timestamp() {
    let f = Fixture::new();
    f.assert_invalid(&f.mutated(|h| h.timestamp += 1), "timestamp");
    f.assert_invalid(&f.mutated(|h| h.timestamp -= 4), "timestamp");
}

#[tokio::test]
async fn timestamp_in_the_future_is_temporary() {
    let f = Fixture::new();
    let ts = f.block.header.timestamp;
    // The same valid block seen by a node whose clock is 10 s behind it.
    f.assert_temporary(&f.block, (ts - 10) * 1000, "future");
    // One second of drift is allowed.
    assert!(f
        .t
        .svc()
        .submit_block(f.block.clone(), (ts - 1) * 1000)
        .unwrap());
    assert_eq!(f.t.head().min_ticket_block().cid(), f.block.header.cid());
}

#[tokio::test]
async fn unknown_parent_is_temporary() {
    let f = Fixture::new();
    let b = f.mutated(|h| h.parents = vec![other_cid(b"no such block")]);
    f.assert_temporary(&b, now_ms(), "parent");
    f.assert_valid_accepted();
}

#[tokio::test]
async fn miner_without_a_power_claim() {
    let f = Fixture::new();
    f.assert_invalid(
        &f.mutated(|h| h.miner = Address::new_id(9999)),
        "no power claim",
    );
}

#[tokio::test]
async fn wrong_parent_weight() {
    let f = Fixture::new();
    f.assert_invalid(&f.mutated(|h| h.parent_weight += 1), "parent weight");
}

#[tokio::test]
async fn win_count_zero() {
    let f = Fixture::new();
    f.assert_invalid(
        &f.mutated(|h| h.election_proof.as_mut().unwrap().win_count = 0),
        "not claiming to be a winner",
    );
}

#[tokio::test]
async fn inflated_win_count() {
    let f = Fixture::new();
    f.assert_invalid(
        &f.mutated(|h| h.election_proof.as_mut().unwrap().win_count += 1),
        "wrong number of wins",
    );
}

#[tokio::test]
async fn bad_election_vrf() {
    let f = Fixture::new();
    let wrong = f.t.worker.sign(b"not the election input").unwrap().bytes;
    f.assert_invalid(
        &f.mutated(|h| h.election_proof.as_mut().unwrap().vrf_proof = wrong),
        "election VRF",
    );
}

#[tokio::test]
async fn block_signed_by_another_key() {
    let f = Fixture::new();
    let mut b = f.block.clone();
    resign(&mut b, &bls_key(43));
    f.assert_invalid(&b, "block signature");
    // A signature of other bytes by the worker.
    let mut b = f.block.clone();
    b.header.block_sig = Some(f.t.worker.sign(b"not the header").unwrap());
    f.assert_invalid(&b, "block signature");
}

#[tokio::test]
async fn bad_ticket_vrf() {
    let f = Fixture::new();
    let wrong = f.t.worker.sign(b"not the ticket input").unwrap().bytes;
    f.assert_invalid(
        &f.mutated(|h| h.ticket.as_mut().unwrap().vrf_proof = wrong),
        "ticket VRF",
    );
}

#[tokio::test]
async fn missing_beacon_entries() {
    let f = Fixture::new();
    assert!(!f.block.header.beacon_entries.is_empty());
    f.assert_invalid(
        &f.mutated(|h| h.beacon_entries.clear()),
        "expected to have beacon entries",
    );
}

#[tokio::test]
async fn beacon_entry_of_the_wrong_round() {
    let f = Fixture::new();
    let last = f.block.header.beacon_entries.last().unwrap().round;
    assert_eq!(last, MockBeacon.max_round_for_epoch(f.round));
    f.assert_invalid(
        &f.mutated(|h| *h.beacon_entries.last_mut().unwrap() = MockBeacon.entry(last - 1)),
        "expected final beacon entry in block to be at round",
    );
    f.assert_invalid(
        &f.mutated(|h| h.beacon_entries.push(MockBeacon.entry(last + 1))),
        "expected final beacon entry in block to be at round",
    );
}

#[tokio::test]
async fn beacon_entry_with_wrong_data() {
    let f = Fixture::new();
    f.assert_invalid(
        &f.mutated(|h| h.beacon_entries.last_mut().unwrap().data[0] ^= 1),
        "wrong data",
    );
}

#[tokio::test]
async fn bad_winning_post_proof() {
    let f = Fixture::new();
    f.assert_invalid(
        &f.mutated(|h| h.win_post_proof[0].proof_bytes[20] ^= 1),
        "WinningPoSt",
    );
    f.assert_invalid(&f.mutated(|h| h.win_post_proof.clear()), "WinningPoSt");
}

#[tokio::test]
async fn message_with_a_bad_secp_signature() {
    let f = Fixture::new();
    let mut m = send(&f.t.accounts[1], 0, 1);
    // Signed by the other account's key.
    m.signature = f.t.accounts[0]
        .sign(&message_signing_bytes(&m.message))
        .unwrap();
    f.assert_invalid(&f.with_messages(vec![m]), "signature");
}

#[tokio::test]
async fn message_with_a_wrong_nonce() {
    let f = Fixture::new();
    f.assert_invalid(
        &f.with_messages(vec![send(&f.t.accounts[1], 1, 1)]),
        "wrong nonce",
    );
    // The parent's sender is at nonce 1 now: 0 is stale.
    f.assert_invalid(
        &f.with_messages(vec![send(&f.t.accounts[0], 0, 1)]),
        "wrong nonce",
    );
}

#[tokio::test]
async fn two_messages_with_the_same_nonce() {
    let f = Fixture::new();
    let a = &f.t.accounts[1];
    f.assert_invalid(
        &f.with_messages(vec![send(a, 0, 1), send(a, 0, 2)]),
        "wrong nonce",
    );
    // BLS messages share the nonce map with secp ones.
    let w = &f.t.worker;
    f.assert_invalid(
        &f.with_messages(vec![send(w, 0, 1), send(w, 0, 2)]),
        "wrong nonce",
    );
}

#[tokio::test]
async fn messages_over_the_block_gas_limit() {
    let f = Fixture::new();
    let a = &f.t.accounts[1];
    let half = 5_000_000_001;
    f.assert_invalid(
        &f.with_messages(vec![msg(a, 0, 1, half), msg(a, 1, 1, half)]),
        "block gas limit exceeded",
    );
}

#[tokio::test]
async fn message_from_a_sender_that_does_not_exist() {
    let f = Fixture::new();
    f.assert_invalid(
        &f.with_messages(vec![send(&secp_key(99), 0, 1)]),
        "does not exist",
    );
}

#[tokio::test]
async fn bad_bls_aggregate() {
    let f = Fixture::new();
    let wrong = f.t.worker.sign(b"not the messages").unwrap();
    f.assert_invalid(
        &f.mutated(|h| h.bls_aggregate = Some(wrong.clone())),
        "BLS aggregate",
    );
    // A block without BLS messages must carry the identity aggregate.
    let mut b = f.with_messages(vec![send(&f.t.accounts[1], 0, 1)]);
    b.header.bls_aggregate = Some(wrong);
    resign(&mut b, &f.t.worker);
    f.assert_invalid(&b, "BLS aggregate");
}

#[tokio::test]
async fn msg_meta_not_matching_the_messages() {
    // The header names other messages than the block carries. From the block alone
    // the header cannot be told from the payload as the wrong part, so the block is
    // refused without being marked bad (see the next test for why).
    let f = Fixture::new();
    let other = f.with_messages(vec![send(&f.t.accounts[1], 0, 1)]);
    let messages = other.header.messages;
    let b = f.mutated(|h| h.messages = messages);
    f.assert_temporary(&b, now_ms(), "messages CID");
    f.assert_temporary(&b, now_ms(), "messages CID");
    assert_eq!(f.t.head(), f.parent);
    f.assert_valid_accepted();
}

#[tokio::test]
async fn wrong_parent_base_fee() {
    let f = Fixture::new();
    f.assert_invalid(
        &f.mutated(|h| h.parent_base_fee += TokenAmount::from_atto(1)),
        "base fee",
    );
}

#[tokio::test]
async fn wrong_parent_state_root() {
    let f = Fixture::new();
    let stale = f.parent.parent_state();
    assert_ne!(stale, f.block.header.parent_state_root);
    f.assert_invalid(
        &f.mutated(|h| h.parent_state_root = stale),
        "parent state root",
    );
}

#[tokio::test]
async fn wrong_parent_receipts_root() {
    let f = Fixture::new();
    let stale = f.parent.min_ticket_block().parent_message_receipts;
    assert_ne!(stale, f.block.header.parent_message_receipts);
    f.assert_invalid(
        &f.mutated(|h| h.parent_message_receipts = stale),
        "parent receipts root",
    );
}

#[tokio::test]
async fn the_right_header_with_the_wrong_messages_is_not_marked_bad() {
    // Whoever relays a valid header with other messages must not get the header
    // marked bad: the payload is what is wrong (Lotus rejects such a gossip message
    // without marking the block).
    let f = Fixture::new();
    let mut dropped = f.block.clone();
    dropped.secp_messages.clear();
    let mut bad_nonce = f.block.clone();
    bad_nonce.secp_messages = vec![send(&f.t.accounts[1], 7, 1)];
    let mut too_many = f.block.clone();
    too_many.secp_messages = (0..10_001)
        .map(|_| f.block.secp_messages[0].clone())
        .collect();
    for b in [dropped, bad_nonce, too_many] {
        assert_eq!(b.header.cid(), f.block.header.cid());
        f.assert_temporary(&b, now_ms(), "messages");
    }
    f.assert_valid_accepted();
}

/// What the chain service remembers of bad blocks (its private `BAD_BLOCKS`).
const BAD_BLOCK_MEMORY: u64 = 8192;

#[tokio::test]
async fn a_flood_of_invalid_blocks_is_remembered_within_bounds() {
    let f = Fixture::new();
    let head = f.t.head();
    let n = BAD_BLOCK_MEMORY + 10;
    let mut cids = Vec::new();
    for i in 0..n {
        // Every one a new CID, each failing the timestamp check.
        let mut b = f.block.clone();
        b.header.timestamp += 1 + i;
        cids.push(b.header.cid());
        match f.submit(&b) {
            Err(BlockError::Invalid(r)) => assert!(r.contains("timestamp"), "{r}"),
            other => panic!("expected an invalid block, got {other:?}"),
        }
    }
    assert_eq!(f.t.head(), head);
    // The oldest are forgotten, the newest remembered.
    for c in &cids[..10] {
        assert_eq!(f.t.svc().bad_block(c), None);
    }
    for c in &cids[10..] {
        assert!(f.t.svc().bad_block(c).is_some());
    }
    // A forgotten one is judged again, and refused again.
    let mut b = f.block.clone();
    b.header.timestamp += 1;
    assert_eq!(b.header.cid(), cids[0]);
    assert!(matches!(f.submit(&b), Err(BlockError::Invalid(r)) if r.contains("timestamp")));
    assert!(f.t.svc().bad_block(&cids[0]).is_some());
    assert_eq!(f.t.svc().bad_block(&cids[10]), None, "the oldest went out");
    // Odd headers are refused, not panicked on.
    let sm = f.t.svc().sm();
    let far = sm
        .params()
        .block_timestamp(sm.genesis().timestamp, i64::MAX);
    let odd = [
        f.mutated(|h| h.parents.clear()),
        f.mutated(|h| {
            h.height = i64::MAX;
            h.timestamp = far;
        }),
        f.mutated(|h| h.height = -1),
        f.mutated(|h| h.beacon_entries = vec![MockBeacon.entry(u64::MAX)]),
        f.mutated(|h| h.election_proof.as_mut().unwrap().win_count = i64::MAX),
        f.mutated(|h| h.ticket.as_mut().unwrap().vrf_proof.clear()),
    ];
    for b in odd {
        assert!(f.submit(&b).is_err());
    }
    assert_eq!(f.t.head(), head);
    // The node still works.
    f.assert_valid_accepted();
}

#[tokio::test]
async fn a_bls_signed_message_among_the_secp_ones() {
    // Lotus (`IsValidSecpkSigType`): the secp list holds secp256k1 or delegated
    // signatures only, even when a BLS signature would verify.
    let f = Fixture::new();
    let mut b = f.with_messages(vec![send(&f.t.accounts[1], 0, 1)]);
    let m = send(&f.t.worker, 0, 2);
    assert_eq!(
        m.signature.sig_type,
        fvm_shared::crypto::signature::SignatureType::BLS
    );
    b.secp_messages.push(m);
    b.header.messages = padma_chain::messages::put_block_messages(
        f.t.svc().sm().store().as_ref(),
        &b.bls_messages,
        &b.secp_messages,
    )
    .unwrap();
    resign(&mut b, &f.t.worker);
    f.assert_invalid(&b, "in the secp list has a BLS signature");
}
