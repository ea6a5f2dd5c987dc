//! Genesis through the FVM: Lotus's genesis messages executed by the official actors
//! of both v18 bundles give the same state, block for block, as padma's direct writer
//! (the native fallback); the build is deterministic; a template the actors refuse is
//! a clear error.

#![allow(clippy::unwrap_used)] // test code: a panic is a failed test

mod common;

use common::{archive, template};
use fvm_ipld_blockstore::MemoryBlockstore;
use fvm_shared::address::Address;
use fvm_shared::econ::TokenAmount;
use padma_fvm::Bundle;
use padma_state::code::CodeSet;
use padma_state::genesis::{self, fake::fake_miner, Template, MINER_START};
use padma_state::policy::devnet_policy;
use padma_state::tree::StateTree;
use padma_types::crypto::{KeyInfo, KeyType};
use padma_types::json::KeyInfoJson;
use padma_types::sector::SIZE_2KIB;
use std::collections::BTreeMap;
use std::rc::Rc;

/// A key from a seed byte.
fn key(kind: KeyType, seed: u8) -> KeyInfo {
    let mut sk = [seed; 32];
    sk[31] &= 0x3f;
    sk[0] |= 1;
    KeyInfo::new(kind, sk.to_vec()).unwrap()
}

/// Two miners (4 and 2 sectors), the second one's deals signed by a secp256k1 client,
/// a market balance, and plain accounts.
fn two_miner_template() -> Template {
    let mut t = template("padma-genesis-vm", 4);
    let owner2 = key(KeyType::Bls, 7);
    let client2 = key(KeyType::Secp256k1, 8);
    let mut m2 = fake_miner(MINER_START + 1, &owner2, SIZE_2KIB, 2, 9001).unwrap();
    for s in &mut m2.sectors {
        s.deal.client = client2.address().unwrap();
        s.deal_client_key = KeyInfoJson::from(&client2);
    }
    m2.market_balance = TokenAmount::from_whole(3);
    t.add_miners_from_manifest(
        serde_json::json!({ "t01001": m2 }).to_string().as_bytes(),
        TokenAmount::from_whole(50_000_000),
    )
    .unwrap();
    t.accounts.push(genesis::template::Actor::account(
        client2.address().unwrap(),
        TokenAmount::from_whole(10),
    ));
    t
}

/// Every actor of the state at `root` (ID → code, head, nonce, balance).
fn actors(store: &MemoryBlockstore, root: &cid::Cid) -> BTreeMap<u64, String> {
    let tree = StateTree::load(store, root).unwrap();
    let mut out = BTreeMap::new();
    tree.for_each(|id, a| {
        out.insert(
            id,
            format!("{} {} {} {}", a.code, a.state, a.sequence, a.balance.atto()),
        );
        Ok(())
    })
    .unwrap();
    out
}

#[test]
fn the_fvm_and_the_direct_writer_build_the_same_genesis() {
    let t = two_miner_template();
    for codes in [CodeSet::FakeProofs, CodeSet::Devnet] {
        let bundle = Bundle::load(&archive(), codes).unwrap();
        let through_vm = Rc::new(MemoryBlockstore::new());
        bundle.import(&*through_vm).unwrap();
        let g = padma_fvm::genesis::build(&through_vm, &t, codes).unwrap();
        let direct = MemoryBlockstore::new();
        let d = genesis::build_with_policy(&direct, &t, devnet_policy(), codes).unwrap();
        let (vm_root, direct_root) = (g.header.parent_state_root, d.header.parent_state_root);
        if vm_root != direct_root {
            let (a, b) = (actors(&through_vm, &vm_root), actors(&direct, &direct_root));
            for (id, x) in &a {
                if b.get(id) != Some(x) {
                    eprintln!("f0{id}: vm {x} / direct {:?}", b.get(id));
                }
            }
            panic!("{codes:?}: the states differ ({vm_root} / {direct_root})");
        }
        assert_eq!(g.cid, d.cid);
        assert_eq!(g.miners, vec![Address::new_id(1000), Address::new_id(1001)]);
        // Deterministic: the same template builds the same CAR.
        let (car1, g1) = padma_fvm::genesis::make_genesis_car(&t, codes, &bundle).unwrap();
        let (car2, _) = padma_fvm::genesis::make_genesis_car(&t, codes, &bundle).unwrap();
        assert_eq!(g1.cid, g.cid);
        assert_eq!(car1, car2);
    }
}

#[test]
fn a_deal_signed_by_another_key_is_refused_by_the_actors() {
    // The market actor checks each client's signature through its account actor; the
    // direct writer cannot, so only the VM path proves them.
    let mut t = template("padma-genesis-vm-bad", 2);
    t.miners[0].sectors[1].deal_client_key = KeyInfoJson::from(&key(KeyType::Bls, 9));
    let bundle = Bundle::load(&archive(), CodeSet::FakeProofs).unwrap();
    let err = padma_fvm::genesis::make_genesis_car(&t, CodeSet::FakeProofs, &bundle).unwrap_err();
    let text = format!("{err:#}");
    assert!(
        text.contains("1 of the 2 deals of f01000 were invalid on publication"),
        "{text}"
    );

    // A proof type the miner actor does not take: its exit code, naming the sector.
    let mut t = template("padma-genesis-vm-bad-proof", 1);
    t.miners[0].sectors[0].proof_type = 999;
    let err = padma_fvm::genesis::make_genesis_car(&t, CodeSet::FakeProofs, &bundle).unwrap_err();
    let text = format!("{err:#}");
    assert!(text.contains("sector 0 of f01000"), "{text}");
    assert!(text.contains("exit code 16"), "{text}");
}
