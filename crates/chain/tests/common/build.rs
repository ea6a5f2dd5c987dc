//! Building test chains with messages: sends between the two funded accounts pushed
//! into the pool before each round, then the round mined on the head, with the genesis
//! miner's WindowPoSt (a mock proof) pushed when its deadline is open so that it keeps
//! its power on long chains. Tests and benchmarks share it (`chain/tests/sync.rs`,
//! `chain/benches/sync.rs`).

use super::TestChain;
use fvm_shared::address::{Address, Payload};
use fvm_shared::econ::TokenAmount;
use fvm_shared::message::Message;
use fvm_shared::sector::PoStProof;
use padma_chain::sync::StoreSource;
use padma_chain::validate::FullBlock;
use padma_state::actors::method;
use padma_types::crypto::KeyInfo;
use padma_types::message::message_signing_bytes;
use padma_types::SignedMessage;
use std::ops::Range;

/// A send of `atto` from `from` to `to` with nonce `nonce`.
pub fn send(from: &KeyInfo, to: Address, nonce: u64, atto: u64) -> SignedMessage {
    let message = Message {
        version: 0,
        from: from.address().unwrap(),
        to,
        sequence: nonce,
        value: TokenAmount::from_atto(atto),
        method_num: method::SEND,
        params: Default::default(),
        gas_limit: 10_000_000,
        gas_fee_cap: TokenAmount::from_atto(10_000_000_000u64),
        gas_premium: TokenAmount::from_atto(100_000),
    };
    let signature = from.sign(&message_signing_bytes(&message)).unwrap();
    SignedMessage { message, signature }
}

/// What mining a stretch of rounds did.
#[derive(Clone, Copy, Debug, Default)]
pub struct Built {
    /// Rounds won (blocks mined).
    pub blocks: usize,
    /// Messages pushed into the pool.
    pub pushed: usize,
}

/// Mines `rounds` on the head, pushing `per_round` sends into the pool before each
/// (alternating between the two accounts); a lost round is a null round.
pub async fn mine_with_messages(t: &TestChain, rounds: Range<i64>, per_round: usize) -> Built {
    let senders = [t.accounts[0].clone(), t.accounts[1].clone()];
    let addrs = [senders[0].address().unwrap(), senders[1].address().unwrap()];
    let mut nonces = [
        t.svc().mpool().get_nonce(&addrs[0]).unwrap(),
        t.svc().mpool().get_nonce(&addrs[1]).unwrap(),
    ];
    let mut built = Built::default();
    for round in rounds {
        push_window_post(t, round);
        for i in 0..per_round {
            let k = i % 2;
            let m = send(&senders[k], addrs[1 - k], nonces[k], 1 + round as u64);
            if t.svc().push_message(m, true).is_ok() {
                nonces[k] += 1;
                built.pushed += 1;
            }
        }
        if t.mine_round(round).await {
            built.blocks += 1;
        }
    }
    built
}

/// Mines until the head is at least `height`, `per_round` sends before each round;
/// the next round to mine.
pub async fn mine_to_height(t: &TestChain, height: i64, per_round: usize) -> i64 {
    let mut round = t.head().height() + 1;
    while t.head().height() < height {
        mine_with_messages(t, round..round + 1, per_round).await;
        round += 1;
    }
    round
}

/// Pushes the genesis miner's WindowPoSt (a mock proof, from its worker) when the
/// deadline holding its sectors is open at `round`, not yet proven, and no PoSt of it
/// is pending: without it the sectors turn faulty when that deadline closes (between
/// epochs 700 and 900 on the test chain) and the miner loses its power. True when it
/// pushed one.
pub fn push_window_post(t: &TestChain, round: i64) -> bool {
    use fil_actor_miner_state::v18::{PoStPartition, State, SubmitWindowedPoStParams};
    use fil_actors_shared::v18::runtime::DomainSeparationTag;
    use padma_state::runtime::{draw_randomness, Randomness as _};

    let sm = t.svc().sm();
    let store = sm.store().clone();
    let head = sm.head();
    let view =
        padma_chain::state_view::StateView::new(store.clone(), &sm.head_state().unwrap()).unwrap();
    let Payload::ID(miner_id) = *t.miner.payload() else {
        panic!("the miner has no ID address")
    };
    let st: State = view.actor_state(miner_id).unwrap();
    let dl = st.deadline_info(sm.policy(), round);
    if !dl.is_open() {
        return false;
    }
    let deadline = st
        .load_deadlines(store.as_ref())
        .unwrap()
        .load_deadline(store.as_ref(), dl.index)
        .unwrap();
    if deadline.live_sectors == 0 || deadline.partitions_posted.get(0) {
        return false;
    }
    let worker = t.worker.address().unwrap();
    let pending = t.svc().mpool().pending().into_iter().any(|m| {
        m.message.from == worker && m.message.method_num == method::miner::SUBMIT_WINDOWED_POST
    });
    if pending {
        return false;
    }
    let partition = deadline.load_partition(store.as_ref(), 0).unwrap();
    let live = &partition.sectors - &partition.terminated;
    let mut sectors = st.load_sector_infos(store.as_ref(), &live).unwrap();
    sectors.sort_by_key(|s| s.sector_number);
    let challenged = sectors
        .iter()
        .map(|s| {
            (
                s.sector_number,
                padma_types::cid::commitment(&s.sealed_cid).unwrap(),
            )
        })
        .collect();
    let chain = sm.randomness(head);
    let entropy = fvm_ipld_encoding::to_vec(&t.miner).unwrap();
    let randomness = draw_randomness(
        &chain.beacon_randomness(dl.challenge).unwrap(),
        DomainSeparationTag::WindowedPoStChallengeSeed,
        dl.challenge,
        &entropy,
    );
    let post_proof = st.get_info(store.as_ref()).unwrap().window_post_proof_type;
    let proof = padma_proofs::verifier::mock::window_post_proof(&padma_proofs::PoStVerifyInfo {
        post_proof: i64::from(post_proof),
        miner_id,
        randomness,
        sectors: challenged,
        proof: Vec::new(),
    })
    .unwrap();
    let commit_rand = draw_randomness(
        &chain.chain_randomness(dl.challenge).unwrap(),
        DomainSeparationTag::PoStChainCommit,
        dl.challenge,
        &[],
    );
    let params = SubmitWindowedPoStParams {
        deadline: dl.index,
        partitions: vec![PoStPartition {
            index: 0,
            skipped: Default::default(),
        }],
        proofs: vec![PoStProof {
            post_proof,
            proof_bytes: proof,
        }],
        chain_commit_epoch: dl.challenge,
        chain_commit_rand: fvm_shared::randomness::Randomness(commit_rand.to_vec()),
    };
    let message = Message {
        version: 0,
        from: worker,
        to: t.miner,
        sequence: t.svc().mpool().get_nonce(&worker).unwrap(),
        value: TokenAmount::default(),
        method_num: method::miner::SUBMIT_WINDOWED_POST,
        params: fvm_ipld_encoding::RawBytes::serialize(&params).unwrap(),
        gas_limit: 200_000_000,
        gas_fee_cap: TokenAmount::from_atto(10_000_000_000u64),
        gas_premium: TokenAmount::from_atto(100_000),
    };
    let signature = t.worker.sign(&message_signing_bytes(&message)).unwrap();
    t.svc()
        .push_message(SignedMessage { message, signature }, true)
        .unwrap();
    true
}

/// The mining node's canonical blocks above genesis with their messages, lowest first.
pub fn chain_blocks(t: &TestChain) -> Vec<Vec<FullBlock>> {
    let source = StoreSource::new(t.svc().sm().chain().clone());
    let mut out = Vec::new();
    let mut key = t.head().key().clone();
    loop {
        let got = source.read(&key, 500, true).unwrap();
        let Some(last) = got.last() else { break };
        let below = last.tipset.parents();
        let at_genesis = last.tipset.height() <= 1;
        out.extend(
            got.into_iter()
                .filter(|f| f.tipset.height() > 0)
                .map(|f| f.blocks.unwrap()),
        );
        if at_genesis {
            break;
        }
        key = below;
    }
    out.reverse();
    out
}
