//! A consensus fault reported on a live chain executed by the FVM: the genesis miner's
//! worker signs two different blocks at one height; an account reports them with the
//! miner actor's `ReportConsensusFault`; the FVM asks the node's fault checker (the
//! worker key of the lookback state), the report succeeds and the miner is marked
//! faulty until the fault's end. A report of two unrelated blocks is refused. (On the
//! devnet bundle: the testing-fake-proofs actors answer "no fault" without asking.)

#![allow(clippy::unwrap_used, clippy::indexing_slicing)] // test code: a panic is a failed test

mod common;

use common::TestChain;
use fil_actor_miner_state::v18 as miner;
use fvm_shared::econ::TokenAmount;
use fvm_shared::error::ExitCode;
use fvm_shared::message::Message;
use padma_chain::state_view::StateView;
use padma_state::code::CodeSet;
use padma_types::block::{BlockHeader, TipSet};
use padma_types::message::message_signing_bytes;
use padma_types::SignedMessage;

/// A second block at `h`'s height: the same but for its timestamp, signed again by
/// the worker.
fn twin(t: &TestChain, h: &BlockHeader) -> BlockHeader {
    let mut b = h.clone();
    b.timestamp += 1;
    b.block_sig = Some(t.worker.sign(&b.signing_bytes()).unwrap());
    b
}

fn report(t: &TestChain, nonce: u64, a: &BlockHeader, b: &BlockHeader) -> SignedMessage {
    let from = &t.accounts[0];
    let params = miner::ReportConsensusFaultParams {
        header1: a.cbor(),
        header2: b.cbor(),
        header_extra: vec![],
    };
    let message = Message {
        version: 0,
        from: from.address().unwrap(),
        to: t.miner,
        sequence: nonce,
        value: TokenAmount::default(),
        method_num: padma_state::actors::method::miner::REPORT_CONSENSUS_FAULT,
        params: fvm_ipld_encoding::RawBytes::serialize(&params).unwrap(),
        gas_limit: 200_000_000,
        gas_fee_cap: TokenAmount::from_atto(10_000_000_000u64),
        gas_premium: TokenAmount::from_atto(100_000),
    };
    let signature = from.sign(&message_signing_bytes(&message)).unwrap();
    SignedMessage { message, signature }
}

/// Mines until `m` is executed; its receipt.
async fn executed(
    t: &TestChain,
    m: SignedMessage,
    from_round: &mut i64,
) -> fvm_shared::receipt::Receipt {
    let cid = m.cid();
    t.svc().push_message(m, true).unwrap();
    for _ in 0..40 {
        *from_round += 1;
        t.mine_round(*from_round).await;
        let cs = t.svc().sm().chain().clone();
        if let Some(ts) = cs.message_inclusion(&cid).unwrap() {
            if let Some(r) = t.svc().sm().receipt_in(&ts, &cid).unwrap() {
                return r;
            }
        }
    }
    panic!("{cid} was not executed");
}

fn block_of(ts: &TipSet) -> BlockHeader {
    ts.blocks()[0].clone()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_double_signed_height_is_reported_and_punished() {
    // The devnet actors: the testing-fake-proofs ones never ask for a fault check.
    let t = TestChain::with_actors(3600, CodeSet::Devnet);
    let mut round = 0;
    let mut mined = Vec::new();
    while mined.len() < 3 {
        round += 1;
        let head = t.head();
        if let Some(ts) = t.mine_block(&head, round).await {
            mined.push(ts);
        }
    }
    let a = block_of(&mined[1]);
    let b = twin(&t, &a);
    assert_ne!(a.cid(), b.cid());
    let nonce = |t: &TestChain| {
        t.svc()
            .mpool()
            .get_nonce(&t.accounts[0].address().unwrap())
            .unwrap()
    };

    // Two blocks at different heights with different parents prove nothing.
    let unrelated = report(&t, nonce(&t), &block_of(&mined[0]), &block_of(&mined[2]));
    let r = executed(&t, unrelated, &mut round).await;
    assert_eq!(r.exit_code, ExitCode::USR_ILLEGAL_ARGUMENT, "{r:?}");

    // The double-signed height does.
    let r = executed(&t, report(&t, nonce(&t), &a, &b), &mut round).await;
    assert_eq!(r.exit_code, ExitCode::OK, "{r:?}");
    let root = t.svc().sm().head_state().unwrap();
    let v = StateView::new(t.svc().sm().store().clone(), &root).unwrap();
    let st: miner::State = v.actor_state(1000).unwrap();
    let info = st.get_info(v.store()).unwrap();
    assert!(
        info.consensus_fault_elapsed > a.height,
        "fault until {}",
        info.consensus_fault_elapsed
    );
}
