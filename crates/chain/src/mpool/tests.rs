//! Pool admission, replace-by-fee, nonce gaps, funds, head changes, selection and the
//! flood bound, with real keys and signatures over an in-memory head state.

use super::*;
use fvm_ipld_encoding::RawBytes;
use padma_types::crypto::{KeyInfo, KeyType};
use padma_types::Message;
use std::sync::Mutex as StdMutex;

#[derive(Default)]
struct FakeHead {
    actors: StdMutex<HashMap<Address, (u64, TokenAmount)>>,
    /// Actors that exist but may not send (not accounts).
    non_senders: StdMutex<Vec<Address>>,
}

impl FakeHead {
    fn fund(&self, a: Address, fil: u64) {
        self.actors
            .lock()
            .unwrap()
            .insert(a, (0, TokenAmount::from_whole(fil)));
    }
    fn set_nonce(&self, a: Address, n: u64) {
        self.actors.lock().unwrap().entry(a).or_default().0 = n;
    }
}

impl MpoolState for &FakeHead {
    fn nonce(&self, a: &Address) -> anyhow::Result<u64> {
        Ok(self.actors.lock().unwrap().get(a).map_or(0, |x| x.0))
    }
    fn balance(&self, a: &Address) -> anyhow::Result<TokenAmount> {
        Ok(self
            .actors
            .lock()
            .unwrap()
            .get(a)
            .map_or_else(TokenAmount::default, |x| x.1.clone()))
    }
    fn key_address(&self, a: &Address) -> anyhow::Result<Address> {
        Ok(*a)
    }
}

impl SenderLookup for &FakeHead {
    fn sender(&self, a: &Address) -> anyhow::Result<Option<crate::inclusion::Sender>> {
        let actors = self.actors.lock().unwrap();
        let Some((nonce, _)) = actors.get(a) else {
            return Ok(None);
        };
        // A stable ID per address, as the state's address map would give.
        let id = u64::from_le_bytes(a.to_bytes()[1..9].try_into().unwrap());
        Ok(Some(crate::inclusion::Sender {
            id,
            nonce: *nonce,
            can_send: !self.non_senders.lock().unwrap().contains(a),
        }))
    }
}

fn msg(key: &KeyInfo, nonce: u64, premium: u64) -> SignedMessage {
    let message = Message {
        version: 0,
        from: key.address().unwrap(),
        to: Address::new_id(1000),
        sequence: nonce,
        value: TokenAmount::from_atto(1),
        method_num: padma_state::actors::method::SEND,
        params: RawBytes::default(),
        gas_limit: 1_000_000,
        gas_fee_cap: TokenAmount::from_atto(10_000),
        gas_premium: TokenAmount::from_atto(premium),
    };
    let signature = key.sign(&message_signing_bytes(&message)).unwrap();
    SignedMessage { message, signature }
}

#[test]
fn admits_valid_messages_and_tracks_nonces() {
    let head = FakeHead::default();
    let k = KeyInfo::generate(KeyType::Secp256k1);
    let a = k.address().unwrap();
    head.fund(a, 10);
    head.set_nonce(a, 3);
    let pool = MessagePool::new(&head, MpoolConfig::default());
    let mut sub = pool.subscribe();
    assert_eq!(pool.get_nonce(&a).unwrap(), 3);
    let cid = pool.push(msg(&k, 3, 100), true).unwrap();
    assert_eq!(cid, msg(&k, 3, 100).cid());
    assert_eq!(pool.get_nonce(&a).unwrap(), 4);
    assert_eq!(sub.try_recv().unwrap().kind, 0);
    assert_eq!(
        pool.push(msg(&k, 2, 100), true),
        Err(MpoolError::NonceTooLow {
            expected: 3,
            got: 2
        })
    );
    assert!(matches!(
        pool.push(msg(&k, 3, 100), true),
        Err(MpoolError::Duplicate { .. })
    ));
    // A local sender may leave a gap of up to four; the network may not.
    pool.push(msg(&k, 8, 100), true).unwrap();
    assert_eq!(
        pool.push(msg(&k, 10, 100), true),
        Err(MpoolError::NonceGap { got: 10, next: 4 })
    );
    assert_eq!(pool.get_nonce(&a).unwrap(), 4);
    let k2 = KeyInfo::generate(KeyType::Bls);
    head.fund(k2.address().unwrap(), 10);
    assert!(matches!(
        pool.push(msg(&k2, 1, 100), false),
        Err(MpoolError::NonceGap { .. })
    ));
    pool.push(msg(&k2, 0, 100), false).unwrap();
    assert_eq!(pool.len(), 3);
}

#[test]
fn refuses_bad_signatures_fees_syntax_and_poor_senders() {
    let head = FakeHead::default();
    let k = KeyInfo::generate(KeyType::Secp256k1);
    head.fund(k.address().unwrap(), 1);
    let pool = MessagePool::new(&head, MpoolConfig::default());
    let mut bad = msg(&k, 0, 100);
    bad.signature.bytes[3] ^= 1;
    assert!(matches!(
        pool.push(bad, true),
        Err(MpoolError::BadSignature(_))
    ));
    let mut forged = msg(&k, 0, 100);
    forged.message.value = TokenAmount::from_atto(2);
    assert!(matches!(
        pool.push(forged, true),
        Err(MpoolError::BadSignature(_))
    ));
    let other = KeyInfo::generate(KeyType::Secp256k1);
    let mut low = msg(&other, 0, 100);
    low.message.from = k.address().unwrap();
    assert!(matches!(
        pool.push(low, true),
        Err(MpoolError::BadSignature(_))
    ));
    let mut cheap = msg(&k, 0, 10);
    cheap.message.gas_fee_cap = TokenAmount::from_atto(99);
    cheap.signature = k.sign(&message_signing_bytes(&cheap.message)).unwrap();
    assert_eq!(pool.push(cheap, true), Err(MpoolError::FeeCapTooLow));
    let mut greedy = msg(&k, 0, 20_000);
    greedy.signature = k.sign(&message_signing_bytes(&greedy.message)).unwrap();
    assert!(matches!(
        pool.push(greedy, true),
        Err(MpoolError::Invalid(_))
    ));
    // 1 FIL covers one message (1e6 × 1e4 attoFIL of gas), and the pending sum counts.
    let poor = KeyInfo::generate(KeyType::Secp256k1);
    head.actors.lock().unwrap().insert(
        poor.address().unwrap(),
        (0, TokenAmount::from_atto(15_000_000_000u64)),
    );
    pool.push(msg(&poor, 0, 100), true).unwrap();
    assert!(matches!(
        pool.push(msg(&poor, 1, 100), true),
        Err(MpoolError::NotEnoughFunds { .. })
    ));
    assert!(matches!(
        pool.push(msg(&KeyInfo::generate(KeyType::Bls), 0, 100), true),
        Err(MpoolError::NotEnoughFunds { .. })
    ));
}

#[test]
fn replace_by_fee_needs_a_ten_percent_bump() {
    let head = FakeHead::default();
    let k = KeyInfo::generate(KeyType::Secp256k1);
    head.fund(k.address().unwrap(), 10);
    let pool = MessagePool::new(&head, MpoolConfig::default());
    pool.push(msg(&k, 0, 1000), true).unwrap();
    assert_eq!(
        min_rbf_premium(&TokenAmount::from_atto(1000), 110),
        TokenAmount::from_atto(1101)
    );
    match pool.push(msg(&k, 0, 1100), true) {
        Err(MpoolError::RbfTooLow { min, .. }) => assert_eq!(min, TokenAmount::from_atto(1101)),
        other => panic!("{other:?}"),
    }
    let cid = pool.push(msg(&k, 0, 1101), true).unwrap();
    assert_eq!(pool.pending().len(), 1);
    assert_eq!(pool.pending()[0].cid(), cid);
}

#[test]
fn head_changes_remove_included_and_restore_reverted() {
    let head = FakeHead::default();
    let k = KeyInfo::generate(KeyType::Secp256k1);
    let a = k.address().unwrap();
    head.fund(a, 10);
    let pool = MessagePool::new(&head, MpoolConfig::default());
    let m0 = msg(&k, 0, 100);
    let m1 = msg(&k, 1, 100);
    pool.push(m0.clone(), true).unwrap();
    pool.push(m1.clone(), true).unwrap();
    head.set_nonce(a, 1);
    pool.head_changed(&[], std::slice::from_ref(&m0));
    assert_eq!(pool.pending(), vec![m1.clone()]);
    head.set_nonce(a, 0);
    pool.head_changed(std::slice::from_ref(&m0), &[]);
    assert_eq!(pool.pending(), vec![m0, m1]);
}

#[test]
fn selection_orders_by_premium_within_nonce_chains_and_budget() {
    let head = FakeHead::default();
    let (k1, k2) = (
        KeyInfo::generate(KeyType::Secp256k1),
        KeyInfo::generate(KeyType::Secp256k1),
    );
    head.fund(k1.address().unwrap(), 10);
    head.fund(k2.address().unwrap(), 10);
    let pool = MessagePool::new(&head, MpoolConfig::default());
    pool.push(msg(&k1, 0, 10), true).unwrap();
    pool.push(msg(&k1, 1, 5000), true).unwrap();
    pool.push(msg(&k2, 0, 3000), true).unwrap();
    pool.push(msg(&k2, 2, 9000), true).unwrap(); // behind a gap: not selectable
    let picked = pool
        .select(&&head, &TokenAmount::from_atto(100), 10_000_000)
        .unwrap();
    let order: Vec<(Address, u64)> = picked
        .iter()
        .map(|m| (m.message.from, m.message.sequence))
        .collect();
    assert_eq!(
        order,
        vec![
            (k2.address().unwrap(), 0),
            (k1.address().unwrap(), 0),
            (k1.address().unwrap(), 1)
        ]
    );
    assert_eq!(
        pool.select(&&head, &TokenAmount::from_atto(100), 2_500_000)
            .unwrap()
            .len(),
        2
    );
    assert!(pool
        .select(&&head, &TokenAmount::from_atto(20_000), 10_000_000)
        .unwrap()
        .is_empty());
}

#[test]
fn a_flood_stays_bounded_and_better_messages_still_get_in() {
    let head = FakeHead::default();
    let config = MpoolConfig {
        max_total: 50,
        ..MpoolConfig::default()
    };
    let pool = MessagePool::new(&head, config);
    let mut keys = Vec::new();
    for i in 0..80u64 {
        let k = KeyInfo::generate(KeyType::Secp256k1);
        head.fund(k.address().unwrap(), 10);
        let r = pool.push(msg(&k, 0, 100 + i), false);
        assert!(r.is_ok(), "each new message outbids the cheapest: {r:?}");
        keys.push(k);
    }
    assert_eq!(pool.len(), 50);
    // Junk never enters, and a message paying less than everything is refused.
    let k = KeyInfo::generate(KeyType::Secp256k1);
    head.fund(k.address().unwrap(), 10);
    assert_eq!(pool.push(msg(&k, 0, 1), false), Err(MpoolError::PoolFull));
    let mut junk = msg(&k, 0, 10_000);
    junk.signature.bytes.truncate(10);
    assert!(pool.push(junk, false).is_err());
    assert_eq!(pool.len(), 50);
    assert!(pool.push(msg(&k, 0, 1_000), false).is_ok());
    assert_eq!(pool.len(), 50);
    let cheapest = pool
        .pending()
        .iter()
        .map(|m| m.message.gas_premium.clone())
        .min()
        .unwrap();
    assert_eq!(cheapest, TokenAmount::from_atto(131));
}

fn resign(k: &KeyInfo, mut m: SignedMessage) -> SignedMessage {
    m.signature = k.sign(&message_signing_bytes(&m.message)).unwrap();
    m
}

#[test]
fn a_gas_limit_below_the_storage_cost_is_refused_at_admission() {
    let head = FakeHead::default();
    let k = KeyInfo::generate(KeyType::Secp256k1);
    head.fund(k.address().unwrap(), 10);
    let pool = MessagePool::new(&head, MpoolConfig::default());
    let mut small = msg(&k, 0, 100);
    small.message.gas_limit = 1000;
    let small = resign(&k, small);
    let rule =
        crate::inclusion::check_syntax(&small.message, crate::inclusion::chain_length(&small))
            .unwrap_err();
    match pool.push(small, true) {
        Err(MpoolError::Invalid(why)) => {
            assert_eq!(why, rule);
            assert!(why.contains("cannot be less than the cost of storing a message on chain"));
        }
        other => panic!("{other:?}"),
    }
    // Exactly the minimum is accepted.
    let mut exact = msg(&k, 0, 100);
    exact.message.gas_limit = 0;
    let len = crate::inclusion::chain_length(&resign(&k, exact.clone()));
    exact.message.gas_limit = crate::inclusion::min_gas_limit(len);
    // The gas limit's encoding length may change the message's length: settle it.
    let len = crate::inclusion::chain_length(&resign(&k, exact.clone()));
    exact.message.gas_limit = crate::inclusion::min_gas_limit(len);
    pool.push(resign(&k, exact), true).unwrap();
    assert_eq!(pool.len(), 1);
}

#[test]
fn senders_that_cannot_send_are_refused() {
    let head = FakeHead::default();
    let k = KeyInfo::generate(KeyType::Secp256k1);
    let a = k.address().unwrap();
    head.fund(a, 10);
    head.non_senders.lock().unwrap().push(a);
    let pool = MessagePool::new(&head, MpoolConfig::default());
    match pool.push(msg(&k, 0, 100), true) {
        Err(MpoolError::Invalid(why)) => assert!(why.contains("cannot send"), "{why}"),
        other => panic!("{other:?}"),
    }
}

#[test]
fn selection_drops_messages_no_block_may_carry() {
    let head = FakeHead::default();
    let (k1, k2) = (
        KeyInfo::generate(KeyType::Secp256k1),
        KeyInfo::generate(KeyType::Secp256k1),
    );
    head.fund(k1.address().unwrap(), 10);
    head.fund(k2.address().unwrap(), 10);
    let pool = MessagePool::new(&head, MpoolConfig::default());
    let mut sub = pool.subscribe();
    // A too-small gas limit that bypassed admission, paying the best premium, with a
    // good message behind it from the same sender.
    let mut bad = msg(&k1, 0, 9000);
    bad.message.gas_limit = 1000;
    let bad = resign(&k1, bad);
    pool.inject(bad.clone());
    pool.inject(msg(&k1, 1, 9000));
    let good = msg(&k2, 0, 100);
    pool.push(good.clone(), true).unwrap();
    let picked = pool
        .select(&&head, &TokenAmount::from_atto(100), 10_000_000_000)
        .unwrap();
    assert_eq!(picked, vec![good.clone()]);
    // The bad one left the pool (reported as removed); the one behind it waits.
    assert_eq!(pool.len(), 2);
    assert!(!pool.pending().contains(&bad));
    let removed: Vec<_> = std::iter::from_fn(|| sub.try_recv().ok())
        .filter(|u| u.kind == 1)
        .map(|u| u.message)
        .collect();
    assert_eq!(removed, vec![bad]);
}

#[test]
fn selection_follows_the_nonces_of_the_base_state() {
    let head = FakeHead::default();
    let k = KeyInfo::generate(KeyType::Secp256k1);
    let a = k.address().unwrap();
    head.fund(a, 10);
    let pool = MessagePool::new(&head, MpoolConfig::default());
    for n in 0..3 {
        pool.push(msg(&k, n, 100), true).unwrap();
    }
    // A base whose state already counts two messages of the sender.
    let base = FakeHead::default();
    base.fund(a, 10);
    base.set_nonce(a, 2);
    let picked = pool
        .select(&&base, &TokenAmount::from_atto(100), 10_000_000_000)
        .unwrap();
    let nonces: Vec<u64> = picked.iter().map(|m| m.message.sequence).collect();
    assert_eq!(nonces, vec![2]);
    // A base that does not know the sender: nothing of it can go in.
    let empty = FakeHead::default();
    assert!(pool
        .select(&&empty, &TokenAmount::from_atto(100), 10_000_000_000)
        .unwrap()
        .is_empty());
    assert_eq!(pool.len(), 3);
}

#[test]
fn head_changes_drop_messages_whose_nonce_the_chain_passed() {
    let head = FakeHead::default();
    let k = KeyInfo::generate(KeyType::Secp256k1);
    let a = k.address().unwrap();
    head.fund(a, 10);
    let pool = MessagePool::new(&head, MpoolConfig::default());
    let m0 = msg(&k, 0, 100);
    let m1 = msg(&k, 1, 100);
    let m2 = msg(&k, 2, 100);
    for m in [&m0, &m1, &m2] {
        pool.push(m.clone(), true).unwrap();
    }
    // Another message with nonce 1 was included with m0.
    let mut other1 = msg(&k, 1, 100);
    other1.message.value = TokenAmount::from_atto(5);
    let other1 = resign(&k, other1);
    head.set_nonce(a, 2);
    pool.head_changed(&[], &[m0, other1]);
    assert_eq!(pool.pending(), vec![m2]);
}
