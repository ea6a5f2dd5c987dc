//! Proving ahead: the election and WinningPoSt of the next round are worked out on the
//! base known before the epoch starts; at the start the work is used when the base is
//! still the same, and dropped and redone when a better base arrived meanwhile.

#![allow(clippy::unwrap_used, clippy::indexing_slicing, clippy::string_slice)] // test code: a panic is a failed test

mod common;

use common::TestChain;
use padma_chain::base_info::MinerBaseInfo;
use padma_chain::miner::{
    finish, prepare, Attempt, MockWinningProver, Prepared, Speculation, WinningProver,
};
use padma_types::block::{PoStProof, TipSet};
use std::sync::Mutex;

/// Mock proofs that remember the randomness each proof was asked for.
#[derive(Default)]
struct CountingProver {
    proved: Mutex<Vec<[u8; 32]>>,
}

impl CountingProver {
    fn count(&self) -> usize {
        self.proved.lock().unwrap().len()
    }
}

impl WinningProver for CountingProver {
    fn prove(
        &self,
        info: &MinerBaseInfo,
        miner_id: u64,
        rand: [u8; 32],
    ) -> anyhow::Result<Vec<PoStProof>> {
        self.proved.lock().unwrap().push(rand);
        MockWinningProver.prove(info, miner_id, rand)
    }
}

async fn mined(t: &TestChain, base: &TipSet, round: i64, p: Prepared) -> TipSet {
    match finish(t.node(), &t.miner, base, round, p).await.unwrap() {
        Attempt::Mined(b) => TipSet::new(vec![b.header]).unwrap(),
        Attempt::Lost => panic!("the only miner lost round {round}"),
    }
}

#[tokio::test]
async fn work_done_ahead_is_used_on_its_base_and_redone_on_a_better_one() {
    let t = TestChain::new(3600);
    let prover = CountingProver::default();
    let genesis = t.head();

    // Branch A: a null round, then a block at 2. The miner proves round 3 on it ahead.
    let a = t.mine_block(&genesis, 2).await.expect("a block at 2");
    assert_eq!(t.head().key(), a.key());
    let ahead = prepare(t.node(), &prover, &t.miner, &a, 3).await.unwrap();
    assert!(matches!(ahead, Prepared::Won(_)));
    assert_eq!(prover.count(), 1);
    let ahead = Speculation::new(&a, 3, ahead);
    assert!(ahead.is_for(&a, 3) && !ahead.is_for(&a, 4));

    // Before the epoch starts, a better base arrives: branch B, blocks at 1 and 2.
    let b1 = t.mine_block(&genesis, 1).await.expect("a block at 1");
    let b2 = t.mine_block(&b1, 2).await.expect("a block at 2");
    let base = t.head();
    assert_eq!(base.key(), b2.key(), "B outweighs A");

    // At the start the work on A is dropped; proving again on B mines on B.
    assert!(ahead.take_for(&base, 3).is_none());
    let again = prepare(t.node(), &prover, &t.miner, &base, 3)
        .await
        .unwrap();
    assert_eq!(prover.count(), 2);
    let c = mined(&t, &base, 3, again).await;
    assert_eq!(&c.parents(), b2.key());
    assert_eq!(t.head().key(), c.key());

    // When the base stays the same, the work done ahead is the block's: no second proof.
    let ahead = Speculation::new(
        &c,
        4,
        prepare(t.node(), &prover, &t.miner, &c, 4).await.unwrap(),
    );
    assert_eq!(prover.count(), 3);
    let at_start = t.head();
    let kept = ahead
        .take_for(&at_start, 4)
        .expect("same base: the work is kept");
    let d = mined(&t, &at_start, 4, kept).await;
    assert_eq!(prover.count(), 3);
    assert_eq!(&d.parents(), c.key());
    assert_eq!(t.head().key(), d.key());
}
