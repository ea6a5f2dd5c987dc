//! Block production never stalls on a message: one that block validation would refuse
//! is kept out of the node's selection, and a block the node refuses anyway is mined
//! again without messages, so the head keeps moving and good messages still get in.

#![allow(clippy::unwrap_used, clippy::indexing_slicing, clippy::string_slice)] // test code: a panic is a failed test

mod common;

use common::TestChain;
use fvm_shared::address::Address;
use fvm_shared::crypto::signature::Signature;
use fvm_shared::econ::TokenAmount;
use fvm_shared::message::Message;
use padma_chain::base_info::MinerBaseInfo;
use padma_chain::miner::{mine_one, Attempt, LocalNode, MiningNode, MockWinningProver};
use padma_chain::produce::BlockTemplate;
use padma_chain::state_view::StateView;
use padma_chain::FullBlock;
use padma_types::block::TipSet;
use padma_types::crypto::KeyInfo;
use padma_types::message::message_signing_bytes;
use padma_types::SignedMessage;
use std::sync::atomic::{AtomicUsize, Ordering};

fn send(from: &KeyInfo, sender: Address, nonce: u64, atto: u64, gas_limit: u64) -> SignedMessage {
    let message = Message {
        version: 0,
        from: sender,
        to: Address::new_id(1000),
        sequence: nonce,
        value: TokenAmount::from_atto(atto),
        method_num: padma_state::actors::method::SEND,
        params: Default::default(),
        gas_limit,
        gas_fee_cap: TokenAmount::from_atto(10_000_000_000u64),
        gas_premium: TokenAmount::from_atto(100_000),
    };
    let signature = from.sign(&message_signing_bytes(&message)).unwrap();
    SignedMessage { message, signature }
}

/// A node whose message selection also offers `extra`, as a faulty pool would; with
/// `lose_submits`, submissions fail as a lost connection would (the node may or may not
/// have the block).
struct Faulty<'a> {
    inner: &'a LocalNode,
    extra: Vec<SignedMessage>,
    lose_submits: bool,
    submits: AtomicUsize,
}

impl<'a> Faulty<'a> {
    fn new(inner: &'a LocalNode, extra: Vec<SignedMessage>, lose_submits: bool) -> Self {
        Faulty {
            inner,
            extra,
            lose_submits,
            submits: AtomicUsize::new(0),
        }
    }
}

impl MiningNode for Faulty<'_> {
    async fn head(&self) -> anyhow::Result<TipSet> {
        self.inner.head().await
    }
    async fn base_info(
        &self,
        miner: &Address,
        round: i64,
        base: &TipSet,
    ) -> anyhow::Result<Option<MinerBaseInfo>> {
        self.inner.base_info(miner, round, base).await
    }
    async fn sign(&self, key: &Address, data: &[u8]) -> anyhow::Result<Signature> {
        self.inner.sign(key, data).await
    }
    async fn select_messages(&self, base: &TipSet) -> anyhow::Result<Vec<SignedMessage>> {
        let mut m = self.inner.select_messages(base).await?;
        m.extend(self.extra.iter().cloned());
        Ok(m)
    }
    async fn create_block(&self, t: BlockTemplate) -> anyhow::Result<FullBlock> {
        self.inner.create_block(t).await
    }
    async fn submit_block(&self, b: FullBlock) -> anyhow::Result<()> {
        self.submits.fetch_add(1, Ordering::SeqCst);
        if self.lose_submits {
            anyhow::bail!("connection reset");
        }
        self.inner.submit_block(b).await
    }
    async fn bad_block(&self, cid: &cid::Cid) -> anyhow::Result<Option<String>> {
        self.inner.bad_block(cid).await
    }
    async fn timing(&self) -> anyhow::Result<(u64, u64)> {
        self.inner.timing().await
    }
}

fn included(t: &TestChain, m: &SignedMessage) -> bool {
    t.svc()
        .sm()
        .chain()
        .message_inclusion(&m.cid())
        .unwrap()
        .is_some()
}

fn message_count(b: &FullBlock) -> usize {
    b.bls_messages.len() + b.secp_messages.len()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_refused_block_is_mined_again_without_its_messages() {
    let t = TestChain::new(3600);
    let k = t.accounts[0].clone();
    let a = k.address().unwrap();
    // Gas 1000 is below the cost of storing the message: every block carrying it is invalid.
    let bad = send(&k, a, 0, 1, 1000);
    let faulty = Faulty::new(t.node(), vec![bad.clone()], false);
    let mut mined = 0;
    let mut round = 1;
    while mined < 3 {
        let base = t.head();
        if let Attempt::Mined(b) = mine_one(&faulty, &MockWinningProver, &t.miner, &base, round)
            .await
            .unwrap()
        {
            assert_eq!(message_count(&b), 0);
            assert_eq!(t.head().min_ticket_block().cid(), b.header.cid());
            mined += 1;
        }
        round += 1;
    }
    assert!(!included(&t, &bad));
    // A good message pushed now is included by the next block.
    let good = send(&k, a, 0, 2, 10_000_000);
    t.svc().push_message(good.clone(), true).unwrap();
    while !included(&t, &good) {
        t.mine_round(round).await;
        round += 1;
        assert!(round < 50, "the good message was never included");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_sender_under_two_addresses_never_makes_an_invalid_block() {
    let t = TestChain::new(3600);
    let k = t.accounts[1].clone();
    let a = k.address().unwrap();
    let view = StateView::new(t.svc().sm().store().clone(), &t.head().parent_state()).unwrap();
    let id = Address::new_id(view.resolve(&a).unwrap().unwrap());
    // The pool admits both: it knows senders by the address their messages carry.
    let by_key = send(&k, a, 0, 1, 10_000_000);
    let by_id = send(&k, id, 0, 2, 10_000_000);
    t.svc().push_message(by_key.clone(), true).unwrap();
    t.svc().push_message(by_id.clone(), true).unwrap();
    assert_eq!(t.svc().mpool().len(), 2);
    let mut round = 1;
    let mut mined = 0;
    while mined < 3 {
        let base = t.head();
        match mine_one(t.node(), &MockWinningProver, &t.miner, &base, round)
            .await
            .unwrap()
        {
            Attempt::Mined(b) => {
                assert!(message_count(&b) <= 1, "one nonce 0 per sender");
                assert_eq!(t.head().min_ticket_block().cid(), b.header.cid());
                mined += 1;
            }
            Attempt::Lost => {}
        }
        round += 1;
    }
    assert!(included(&t, &by_key) != included(&t, &by_id));
    // The other one's nonce is used: it left the pool.
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
    while !t.svc().mpool().is_empty() {
        assert!(
            std::time::Instant::now() < deadline,
            "stale message stays in the pool"
        );
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_submission_that_may_have_landed_is_not_followed_by_another_block() {
    let t = TestChain::new(3600);
    let k = t.accounts[0].clone();
    let bad = send(&k, k.address().unwrap(), 0, 1, 1000);
    let faulty = Faulty::new(t.node(), vec![bad], true);
    let mut round = 1;
    loop {
        let base = t.head();
        match mine_one(&faulty, &MockWinningProver, &t.miner, &base, round).await {
            Ok(Attempt::Lost) => round += 1,
            Ok(Attempt::Mined(_)) => panic!("the submission was lost"),
            Err(e) => {
                assert!(format!("{e:#}").contains("connection reset"), "{e:#}");
                break;
            }
        }
        assert!(round < 50, "never won a round");
    }
    // One block for the epoch, never a second one.
    assert_eq!(faulty.submits.load(Ordering::SeqCst), 1);
}
