//! Genesis tests: the built state decoded with the `fil_actor_*_state` v18 types.

use super::*;
use crate::ipld::get_cbor;
use crate::tree::StateTree;
use crate::ActorKind;
use fil_actor_datacap_state::v18::State as DatacapState;
use fil_actor_init_state::v18::State as InitState;
use fil_actor_market_state::v18::State as MarketState;
use fil_actor_miner_state::v18::{MinerInfo, State as MinerState};
use fil_actor_power_state::v18::State as PowerState;
use fil_actor_verifreg_state::v18::State as VerifregState;
use fvm_ipld_blockstore::MemoryBlockstore;
use padma_types::crypto::{KeyInfo, KeyType};
use padma_types::json::KeyInfoJson;
use padma_types::sector::SIZE_2KIB;

/// A BLS key from a fixed seed byte.
fn key(seed: u8) -> KeyInfo {
    let mut sk = [seed; 32];
    sk[31] &= 0x3f;
    KeyInfo::new(KeyType::Bls, sk.to_vec()).unwrap()
}

/// A template with one 2KiB miner of `sectors` fake pre-sealed sectors, as
/// `genesis new` + `add-miner` would write it.
pub(crate) fn test_template(sectors: u64) -> Template {
    let k = key(7);
    let miner = super::fake::fake_miner(MINER_START, &k, SIZE_2KIB, sectors, 9001).unwrap();
    let mut t = Template::new("localnet-test".into(), 1_700_000_000);
    let manifest = serde_json::json!({ "t01000": miner });
    t.add_miners_from_manifest(
        manifest.to_string().as_bytes(),
        TokenAmount::from_whole(50_000_000),
    )
    .unwrap();
    t
}

fn state<T: serde::de::DeserializeOwned>(tree: &StateTree<&MemoryBlockstore>, id: u64) -> T {
    let a = tree
        .get_actor(id)
        .unwrap()
        .unwrap_or_else(|| panic!("no actor f0{id}"));
    get_cbor(tree.store(), &a.state).unwrap()
}

#[test]
fn the_manifest_data_matches_the_bundle_manifest() {
    let data = padma_types::cid::cbor_cid(
        &fvm_ipld_encoding::to_vec(&builtin_actors_registry(crate::code::CodeSet::Devnet)).unwrap(),
    );
    let manifest = fvm_ipld_encoding::to_vec(&(1u64, data)).unwrap();
    assert_eq!(
        padma_types::cid::cbor_cid(&manifest).to_string(),
        crate::code::MANIFEST_CID
    );
}

#[test]
fn the_genesis_document_has_the_pinned_sha256_cid() {
    // The CAR reader checks every block against its CID, sha2-256 included.
    let doc = filecoin_genesis_document();
    let mut car = Vec::new();
    let header = fvm_ipld_car::CarHeader::new(vec![filecoin_genesis_cid()], 1);
    let mut w = fvm_ipld_car::CarWriter::new(header, &mut car).unwrap();
    w.write(fvm_ipld_car::Block {
        cid: filecoin_genesis_cid(),
        data: doc,
    })
    .unwrap();
    w.flush().unwrap();
    let r = fvm_ipld_car::CarReader::new(&car[..]).unwrap();
    for b in r {
        b.unwrap();
    }
    assert_eq!(
        filecoin_genesis_cid().to_string(),
        header::FILECOIN_GENESIS_CID
    );
}

#[test]
fn same_template_same_car_and_a_valid_header() {
    let t = test_template(2);
    let (a, g) = make_car(&t).unwrap();
    let (b, _) = make_car(&t).unwrap();
    assert_eq!(a, b, "genesis CARs differ");
    let store = MemoryBlockstore::new();
    let reader = fvm_ipld_car::CarReader::new(&a[..]).unwrap();
    assert_eq!(reader.header.roots, vec![g.cid]);
    for blk in reader {
        let blk = blk.unwrap();
        fvm_ipld_blockstore::Blockstore::put_keyed(&store, &blk.cid, &blk.data).unwrap();
    }
    let h: padma_types::block::BlockHeader = get_cbor(&store, &g.cid).unwrap();
    assert_eq!(h, g.header);
    assert_eq!(h.height, 0);
    assert_eq!(h.miner, Address::new_id(ids::SYSTEM));
    assert_eq!(h.timestamp, 1_700_000_000);
    assert_eq!(h.parents, vec![filecoin_genesis_cid()]);
    assert_eq!(h.parent_base_fee, TokenAmount::from_atto(100_000_000));
    assert_eq!(
        h.messages.to_string(),
        "bafy2bzacecmda75ovposbdateg7eyhwij65zklgyijgcjwynlklmqazpwlhba"
    );
    assert_eq!(
        h.parent_message_receipts.to_string(),
        "bafy2bzacedswlcz5ddgqnyo3sak3jmhmkxashisnlpq6ujgyhe4mlobzpnhs6"
    );
    assert_eq!(h.ticket.as_ref().unwrap().vrf_proof.len(), 32);
    assert_eq!(g.miners, vec![Address::new_id(1000)]);
    // A different timestamp changes the genesis.
    let mut t2 = t.clone();
    t2.timestamp += 1;
    assert_ne!(make_car(&t2).unwrap().1.cid, g.cid);
}

#[test]
fn the_state_has_lotus_actors_balances_and_a_proven_miner() {
    let store = MemoryBlockstore::new();
    let t = test_template(2);
    let g = build(&store, &t).unwrap();
    let tree = StateTree::load(&store, &g.header.parent_state_root).unwrap();
    let kind = |id: u64| ActorKind::from_code(&tree.get_actor(id).unwrap().unwrap().code).unwrap();
    for (id, k) in [
        (0, ActorKind::System),
        (1, ActorKind::Init),
        (2, ActorKind::Reward),
        (3, ActorKind::Cron),
        (4, ActorKind::StoragePower),
        (5, ActorKind::StorageMarket),
        (6, ActorKind::VerifiedRegistry),
        (7, ActorKind::Datacap),
        (10, ActorKind::Eam),
        (80, ActorKind::Multisig),
        (81, ActorKind::Account),
        (90, ActorKind::Multisig),
        (99, ActorKind::Account),
        (100, ActorKind::Account),
        (101, ActorKind::Account),
        (1000, ActorKind::StorageMiner),
        (1001, ActorKind::EthAccount),
    ] {
        assert_eq!(kind(id), k, "f0{id}");
    }
    assert_eq!(
        tree.total_balance().unwrap(),
        TokenAmount::from_whole(FIL_BASE)
    );

    let init: InitState = state(&tree, ids::INIT);
    assert_eq!(init.next_id, 1002);
    assert_eq!(init.network_name, "localnet-test");
    let owner = t.miners[0].owner;
    let resolve = |a: &Address| {
        init.resolve_address(&store, a)
            .unwrap()
            .map(|a| a.id().unwrap())
    };
    assert_eq!(resolve(&owner), Some(100));
    let signer = padma_types::address::parse_address(template::DEFAULT_MSIG_SIGNER).unwrap();
    assert_eq!(resolve(&signer), Some(101));
    assert_eq!(
        resolve(&Address::new_delegated(ids::EAM, &[0; 20]).unwrap()),
        Some(1001)
    );

    let power: PowerState = state(&tree, ids::POWER);
    assert_eq!(power.miner_count, 1);
    assert_eq!(power.miner_above_min_power_count, 1);
    assert_eq!(power.total_raw_byte_power, 4096.into());
    assert_eq!(power.total_quality_adj_power, 40960.into());
    assert_eq!(power.total_bytes_committed, 4096.into());
    let claim = power
        .get_claim(&store, &Address::new_id(1000))
        .unwrap()
        .unwrap();
    assert_eq!(claim.raw_byte_power, 4096.into());
    assert_eq!(claim.quality_adj_power, 40960.into());
    assert!(power.total_pledge_collateral.is_positive());

    let m: MinerState = state(&tree, 1000);
    let info: MinerInfo = m.get_info(&store).unwrap();
    assert_eq!(info.owner, Address::new_id(100));
    assert_eq!(info.worker, Address::new_id(100));
    assert_eq!(info.sector_size, fvm_shared::sector::SectorSize::_2KiB);
    assert_eq!(peer_id_bytes(&t.miners[0].peer_id).unwrap(), info.peer_id);
    assert!(m.deadline_cron_active);
    let balance = tree.get_actor(1000).unwrap().unwrap().balance;
    m.check_balance_invariants(&balance).unwrap();
    assert!(m.pre_commit_deposits.is_zero());
    assert!(m.initial_pledge.is_positive());
    for n in 0..2 {
        let s = m.get_sector(&store, n).unwrap().unwrap();
        assert_eq!(s.activation, 0);
        assert_eq!(
            s.verified_deal_weight,
            fvm_shared::bigint::BigInt::from(2048) * s.expiration
        );
        let (dl, part) = m.find_sector(&store, n).unwrap();
        let dls = m.load_deadlines(&store).unwrap();
        let d = dls.load_deadline(&store, dl).unwrap();
        let p = d.load_partition(&store, part).unwrap();
        assert!(p.sectors.get(n));
        assert!(p.unproven.is_empty(), "sector {n} is still unproven");
        assert!(p.faults.is_empty());
    }

    let market: MarketState = state(&tree, ids::MARKET);
    assert_eq!(market.next_id, 2);
    let deal = market.get_proposal(&store, 1).unwrap();
    assert!(deal.verified_deal);
    assert_eq!(deal.provider, Address::new_id(1000));
    assert_eq!(deal.client, Address::new_id(100));
    let ds = market.find_deal_state(&store, 1).unwrap().unwrap();
    assert_eq!(ds.sector_number, 1);
    assert_eq!(ds.sector_start_epoch, 0);

    let vreg: VerifregState = state(&tree, ids::VERIFREG);
    assert_eq!(vreg.root_key, Address::new_id(ids::ROOT_KEY));
    assert_eq!(vreg.next_allocation_id, 3);
    let mut claims = vreg.load_claims(&store).unwrap();
    let c = fil_actor_verifreg_state::v18::state::get_claim(&mut claims, 1000, 2)
        .unwrap()
        .unwrap();
    assert_eq!(c.sector, 1);
    assert_eq!(
        vreg.get_verifier_cap(&store, &Address::new_id(ids::FIRST_VERIFIER))
            .unwrap(),
        Some(0.into())
    );

    let dc: DatacapState = state(&tree, ids::DATACAP);
    assert!(
        dc.token.supply.is_zero(),
        "all datacap was claimed and burnt"
    );
}

#[test]
fn templates_without_miners_are_refused_and_without_timestamp_get_the_time_built() {
    let store = MemoryBlockstore::new();
    let mut t = test_template(1);
    t.timestamp = 0;
    let before = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs();
    let g = build(&store, &t).unwrap();
    assert!(g.header.timestamp >= before, "{}", g.header.timestamp);
    assert!(g.header.timestamp <= before + 60, "{}", g.header.timestamp);
    let t = Template::new("x".into(), 5);
    assert!(build(&store, &t)
        .unwrap_err()
        .to_string()
        .contains("no genesis miners"));
}

#[test]
fn two_miners_and_account_root_key_and_remainder() {
    let mut t = test_template(1);
    // A second miner with its own key, as a second `add-miner` would add it.
    let k2 = key(9);
    let mut m2 = t.miners[0].clone();
    m2.id = Address::new_id(1001);
    m2.owner = k2.address().unwrap();
    m2.worker = m2.owner;
    for s in &mut m2.sectors {
        s.deal.client = m2.owner;
        s.deal.provider = m2.id;
        s.deal_client_key = KeyInfoJson::from(&k2);
    }
    let manifest = serde_json::json!({ "t01001": m2 });
    t.add_miners_from_manifest(
        manifest.to_string().as_bytes(),
        TokenAmount::from_whole(1000),
    )
    .unwrap();
    // Account-type root key and remainder land at f080 and f090.
    let (rk, rem) = (key(11).address().unwrap(), key(12).address().unwrap());
    t.verifreg_root_key = template::Actor::account(rk, TokenAmount::from_whole(5));
    t.remainder_account = template::Actor::account(rem, TokenAmount::default());

    let store = MemoryBlockstore::new();
    let g = build(&store, &t).unwrap();
    assert_eq!(g.miners, vec![Address::new_id(1000), Address::new_id(1001)]);
    let tree = StateTree::load(&store, &g.header.parent_state_root).unwrap();
    assert_eq!(
        tree.total_balance().unwrap(),
        TokenAmount::from_whole(FIL_BASE)
    );
    let init: InitState = state(&tree, ids::INIT);
    assert_eq!(
        init.next_id, 1003,
        "two miners and the null Ethereum account"
    );
    let resolve = |a: &Address| {
        init.resolve_address(&store, a)
            .unwrap()
            .map(|a| a.id().unwrap())
    };
    assert_eq!(resolve(&t.miners[1].owner), Some(101));
    assert_eq!(resolve(&rk), Some(ids::ROOT_KEY));
    assert_eq!(resolve(&rem), Some(ids::RESERVE));
    let f080: fil_actor_account_state::v18::State = state(&tree, ids::ROOT_KEY);
    assert_eq!(f080.address, rk);
    assert_eq!(
        tree.get_actor(ids::ROOT_KEY).unwrap().unwrap().balance,
        TokenAmount::from_whole(5)
    );
    let m: MinerState = state(&tree, 1001);
    assert_eq!(m.get_info(&store).unwrap().owner, Address::new_id(101));
    let power: PowerState = state(&tree, ids::POWER);
    assert_eq!(power.miner_count, 2);
    assert_eq!(power.miner_above_min_power_count, 2);
    assert_eq!(power.total_raw_byte_power, 4096.into());
    // A miner whose owner is not an account is refused.
    let mut bad = t.clone();
    bad.accounts.pop();
    assert!(build(&MemoryBlockstore::new(), &bad).is_err());
}

#[test]
fn lotus_written_templates_parse() {
    // As `lotus-seed genesis new` writes it (Go's MarshalIndent).
    let text = r#"{
  "NetworkVersion": 28,
  "Accounts": [],
  "Miners": [],
  "NetworkName": "localnet-6d7f2d1e-1a9b-4c55-9a49-0b9f7a3c2e11",
  "VerifregRootKey": {
    "Type": "multisig",
    "Balance": "0",
    "Meta": {
      "Signers": [
        "t1ceb34gnsc6qk5dt6n7xg6ycwzasjhbxm3iylkiy"
      ],
      "Threshold": 1,
      "VestingDuration": 0,
      "VestingStart": 0
    }
  },
  "RemainderAccount": {
    "Type": "multisig",
    "Balance": "0",
    "Meta": {
      "Signers": [
        "t1ceb34gnsc6qk5dt6n7xg6ycwzasjhbxm3iylkiy"
      ],
      "Threshold": 1,
      "VestingDuration": 0,
      "VestingStart": 0
    }
  }
}"#;
    let t = Template::from_json(text.as_bytes()).unwrap();
    assert_eq!(t.timestamp, 0);
    assert_eq!(t.network_version, 28);
    assert_eq!(t.verifreg_root_key.multisig_meta().unwrap().threshold, 1);
    // padma writes the same JSON back.
    padma_types::address::set_network(fvm_shared::address::Network::Testnet);
    let again: serde_json::Value = serde_json::from_str(&t.to_json()).unwrap();
    let orig: serde_json::Value = serde_json::from_str(text).unwrap();
    assert_eq!(again, orig);
    assert!(Template::from_json(b"{\"NetworkVersion\": 28}").is_err());
}
