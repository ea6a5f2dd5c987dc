//! Local messages on disk: a push is saved before it returns, a restarted pool gets
//! the same messages back, and included, stale, replaced or unreadable entries go away.

use super::*;
use fvm_ipld_encoding::RawBytes;
use padma_types::crypto::{KeyInfo, KeyType};
use padma_types::Message;

#[derive(Default)]
struct Head(std::sync::Mutex<HashMap<Address, u64>>);

impl Head {
    fn set_nonce(&self, a: Address, n: u64) {
        self.0.lock().unwrap().insert(a, n);
    }
}

impl SenderLookup for &Head {
    fn sender(&self, a: &Address) -> anyhow::Result<Option<crate::inclusion::Sender>> {
        Ok(Some(crate::inclusion::Sender {
            id: 1,
            nonce: self.nonce(a)?,
            can_send: true,
        }))
    }
}

impl MpoolState for &Head {
    fn nonce(&self, a: &Address) -> anyhow::Result<u64> {
        Ok(self.0.lock().unwrap().get(a).copied().unwrap_or(0))
    }
    fn balance(&self, _: &Address) -> anyhow::Result<TokenAmount> {
        Ok(TokenAmount::from_whole(100))
    }
    fn key_address(&self, a: &Address) -> anyhow::Result<Address> {
        Ok(*a)
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

fn files(dir: &std::path::Path) -> Vec<String> {
    let mut v: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    v.sort();
    v
}

#[test]
fn local_pushes_survive_a_restart_until_included() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("local");
    let head = Head::default();
    let (k, bls) = (
        KeyInfo::generate(KeyType::Secp256k1),
        KeyInfo::generate(KeyType::Bls),
    );
    let pool = MessagePool::new(&head, MpoolConfig::default());
    assert_eq!(pool.restore_local(&dir).unwrap(), 0);
    let pushed = vec![msg(&k, 0, 100), msg(&k, 1, 100), msg(&bls, 0, 100)];
    for m in &pushed {
        pool.push_local(m.clone(), true).unwrap();
    }
    // Not from a client: kept in memory only.
    pool.push(msg(&k, 2, 100), true).unwrap();
    assert_eq!(files(&dir).len(), 3);
    let mut local = pool.local_messages();
    local.sort_by_key(|m| m.cid().to_string());
    let mut want = pushed.clone();
    want.sort_by_key(|m| m.cid().to_string());
    assert_eq!(local, want);
    drop(pool);

    let pool = MessagePool::new(&head, MpoolConfig::default());
    assert_eq!(pool.restore_local(&dir).unwrap(), 3);
    let mut back = pool.pending();
    back.sort_by_key(|m| m.cid().to_string());
    assert_eq!(back, want);

    // Included: gone from the disk too.
    head.set_nonce(k.address().unwrap(), 1);
    pool.head_changed(&[], std::slice::from_ref(&pushed[0]));
    assert_eq!(files(&dir).len(), 2);
    assert!(!files(&dir).contains(&format!("{}.msg", pushed[0].cid())));
}

#[test]
fn stale_replaced_and_unreadable_entries_are_dropped() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("local");
    let head = Head::default();
    let k = KeyInfo::generate(KeyType::Secp256k1);
    let a = k.address().unwrap();
    let pool = MessagePool::new(&head, MpoolConfig::default());
    pool.restore_local(&dir).unwrap();
    let (m0, m1) = (msg(&k, 0, 100), msg(&k, 1, 100));
    pool.push_local(m0.clone(), true).unwrap();
    pool.push_local(m1.clone(), true).unwrap();
    // Replace-by-fee: the replaced message's copy goes.
    let m1b = msg(&k, 1, 200);
    pool.push_local(m1b.clone(), true).unwrap();
    assert!(!files(&dir).contains(&format!("{}.msg", m1.cid())));
    assert_eq!(files(&dir).len(), 2);
    drop(pool);
    // While the node was down, m0 was included elsewhere; junk appeared.
    head.set_nonce(a, 1);
    std::fs::write(dir.join("bafyjunk.msg"), b"not cbor").unwrap();
    std::fs::write(dir.join(format!("{}.tmp", m0.cid())), b"half").unwrap();
    let pool = MessagePool::new(&head, MpoolConfig::default());
    assert_eq!(pool.restore_local(&dir).unwrap(), 1);
    assert_eq!(pool.pending(), vec![m1b.clone()]);
    assert_eq!(files(&dir), vec![format!("{}.msg", m1b.cid())]);
}

#[test]
fn a_push_that_cannot_be_saved_is_refused() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("local");
    let head = Head::default();
    let k = KeyInfo::generate(KeyType::Secp256k1);
    let pool = MessagePool::new(&head, MpoolConfig::default());
    pool.restore_local(&dir).unwrap();
    std::fs::remove_dir(&dir).unwrap();
    std::fs::write(&dir, b"a file where the directory was").unwrap();
    assert!(matches!(
        pool.push_local(msg(&k, 0, 100), true),
        Err(MpoolError::Persist(_))
    ));
    assert!(pool.is_empty());
}

#[test]
fn a_reverted_local_message_is_saved_again() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("local");
    let head = Head::default();
    let k = KeyInfo::generate(KeyType::Secp256k1);
    let a = k.address().unwrap();
    let pool = MessagePool::new(&head, MpoolConfig::default());
    pool.restore_local(&dir).unwrap();
    let m0 = msg(&k, 0, 100);
    pool.push_local(m0.clone(), true).unwrap();
    head.set_nonce(a, 1);
    pool.head_changed(&[], std::slice::from_ref(&m0));
    assert!(files(&dir).is_empty());
    head.set_nonce(a, 0);
    pool.head_changed(std::slice::from_ref(&m0), &[]);
    assert_eq!(pool.pending(), vec![m0.clone()]);
    assert_eq!(files(&dir), vec![format!("{}.msg", m0.cid())]);
}
