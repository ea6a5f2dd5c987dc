//! The fault rules over headers signed with real keys.

use super::*;
use cid::Cid;
use fvm_shared::econ::TokenAmount;
use padma_types::crypto::{KeyInfo, KeyType};
use std::collections::HashMap;

struct Keys(HashMap<Address, Address>);

impl WorkerKeys for Keys {
    fn worker_key(&self, miner: &Address, _height: ChainEpoch) -> Result<Address> {
        self.0
            .get(miner)
            .copied()
            .ok_or_else(|| anyhow::anyhow!("unknown miner"))
    }
}

fn cid(n: u8) -> Cid {
    padma_types::cid::cbor_cid(&[0x81, n])
}

fn header(miner: u64, height: i64, parents: Vec<Cid>, salt: u8) -> BlockHeader {
    BlockHeader {
        miner: Address::new_id(miner),
        ticket: None,
        election_proof: None,
        beacon_entries: vec![],
        win_post_proof: vec![],
        parents,
        parent_weight: Default::default(),
        height,
        parent_state_root: cid(salt),
        parent_message_receipts: cid(0),
        messages: cid(0),
        bls_aggregate: None,
        timestamp: 0,
        block_sig: None,
        fork_signaling: 0,
        parent_base_fee: TokenAmount::from_atto(100),
    }
}

fn signed(mut h: BlockHeader, key: &KeyInfo) -> Vec<u8> {
    h.block_sig = Some(key.sign(&h.signing_bytes()).unwrap());
    h.cbor()
}

fn checker(worker: &KeyInfo) -> FaultChecker<Keys> {
    let mut m = HashMap::new();
    m.insert(Address::new_id(1000), worker.address().unwrap());
    FaultChecker::new(Keys(m))
}

fn check(c: &FaultChecker<Keys>, a: &[u8], b: &[u8], extra: &[u8]) -> Option<ConsensusFault> {
    c.verify_consensus_fault(a, b, extra).unwrap().0
}

#[test]
fn each_fault_is_proven_only_with_the_workers_signatures() {
    let worker = KeyInfo::generate(KeyType::Bls);
    let c = checker(&worker);
    let p = vec![cid(1)];

    // Double-fork mining: two blocks at one height.
    let a = signed(header(1000, 10, p.clone(), 1), &worker);
    let b = signed(header(1000, 10, p.clone(), 2), &worker);
    let f = check(&c, &a, &b, &[]).expect("double fork");
    assert!(matches!(f.fault_type, ConsensusFaultType::DoubleForkMining));
    assert_eq!(f.target, Address::new_id(1000));
    assert_eq!(f.epoch, 10);
    let (_, gas) = c.verify_consensus_fault(&a, &b, &[]).unwrap();
    assert_eq!(gas, 2 * IPLD_GET_GAS * READS_PER_WORKER_KEY);

    // Time-offset mining: same parents, different heights.
    let later = signed(header(1000, 12, p.clone(), 3), &worker);
    let f = check(&c, &a, &later, &[]).expect("time offset");
    assert!(matches!(f.fault_type, ConsensusFaultType::TimeOffsetMining));
    assert_eq!(f.epoch, 12);

    // Parent grinding: B built on A's sibling C, leaving A out.
    let sibling = header(1000, 10, p.clone(), 4);
    let child = signed(header(1000, 11, vec![sibling.cid()], 5), &worker);
    let f = check(&c, &a, &child, &sibling.cbor()).expect("parent grinding");
    assert!(matches!(f.fault_type, ConsensusFaultType::ParentGrinding));
    // B that includes A is no grinding (nor any other fault).
    let a_cid = BlockHeader::decode(&a).unwrap().cid();
    let honest = signed(header(1000, 11, vec![sibling.cid(), a_cid], 6), &worker);
    assert!(check(&c, &a, &honest, &sibling.cbor()).is_none());
}

#[test]
fn no_fault_without_one() {
    let worker = KeyInfo::generate(KeyType::Secp256k1);
    let c = checker(&worker);
    let p = vec![cid(1)];
    let a = signed(header(1000, 10, p.clone(), 1), &worker);
    // The same block twice.
    assert!(check(&c, &a, &a, &[]).is_none());
    // Another miner.
    let other = signed(header(1001, 10, p.clone(), 2), &worker);
    assert!(check(&c, &a, &other, &[]).is_none());
    // The second before the first.
    let earlier = signed(header(1000, 9, vec![cid(9)], 2), &worker);
    assert!(check(&c, &a, &earlier, &[]).is_none());
    // Different parents at different heights: no fault.
    let unrelated = signed(header(1000, 11, vec![cid(8)], 2), &worker);
    assert!(check(&c, &a, &unrelated, &[]).is_none());
    // Garbage.
    assert!(check(&c, &[0xff], &a, &[]).is_none());
    assert!(check(&c, &a, &[], &[]).is_none());
    let b = signed(header(1000, 10, p.clone(), 2), &worker);
    assert!(check(&c, &a, &b, &[0x00]).is_none());
    // Not signed by the worker, or not signed at all.
    let stranger = KeyInfo::generate(KeyType::Secp256k1);
    let forged = signed(header(1000, 10, p.clone(), 3), &stranger);
    assert!(check(&c, &a, &forged, &[]).is_none());
    let unsigned = header(1000, 10, p.clone(), 3).cbor();
    assert!(check(&c, &unsigned, &b, &[]).is_none());
    // A miner whose worker cannot be found.
    let ghost = signed(header(7, 10, p.clone(), 1), &worker);
    let ghost2 = signed(header(7, 10, p, 2), &worker);
    assert!(check(&c, &ghost, &ghost2, &[]).is_none());
}
