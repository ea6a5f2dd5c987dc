//! Round trips through the shapes, and the shapes against the actors' own types.

use super::*;
use fvm_ipld_encoding::RawBytes;
use fvm_shared::econ::TokenAmount;
use padma_state::ActorKind;

fn method(kind: ActorKind, num: u64) -> F {
    params::method(kind, num)
        .and_then(|m| m.params)
        .unwrap_or_else(|| panic!("{kind:?} {num} has params"))
}

#[test]
fn propose_params_decode_as_lotus_writes_them_and_encode_back_to_the_same_bytes() {
    let p = fil_actor_multisig_state::v18::ProposeParams {
        to: Address::new_id(1234),
        value: TokenAmount::from_atto(-5),
        method: 0,
        params: RawBytes::new(vec![1, 2, 3]),
    };
    let bytes = fvm_ipld_encoding::to_vec(&p).unwrap();
    let f = method(ActorKind::Multisig, 2);
    let v = decode(&bytes, f).unwrap();
    assert_eq!(
        v,
        json!({"To": Address::new_id(1234).to_string(), "Value": "-5", "Method": 0,
               "Params": "AQID"})
    );
    assert_eq!(encode(&v, f).unwrap(), bytes);
}

#[test]
fn every_shape_round_trips_a_sample_value() {
    // A sample JSON value for each shape, encoded and decoded back unchanged.
    fn sample(f: F) -> Value {
        match f {
            F::Cid => json!({"/": padma_types::cid::cbor_cid(&[0x80]).to_string()}),
            F::Num => json!(7),
            F::Big => json!("123456789012345678901234567890"),
            F::Addr => json!(Address::new_id(99).to_string()),
            F::Str | F::Label => json!("name"),
            F::Bytes => json!("AAEC"),
            F::ByteArray => json!([1, 2, 3]),
            F::Sig => json!({"Type": 1, "Data": "AAEC"}),
            F::Bits => json!([0, 3, 2, 1]),
            F::Struct(fields) => Value::Object(
                fields
                    .iter()
                    .map(|(n, f)| ((*n).to_string(), sample(*f)))
                    .collect(),
            ),
            F::List(inner) => json!([sample(*inner), sample(*inner)]),
            F::Opt(inner) => sample(*inner),
        }
    }
    let mut count = 0;
    for kind in ActorKind::all() {
        for m in params::methods(kind) {
            if let Some(f) = m.params {
                let v = sample(f);
                let bytes = encode(&v, f).unwrap_or_else(|e| panic!("{}: {e:#}", m.name));
                assert_eq!(decode(&bytes, f).unwrap(), v, "{kind:?} {}", m.name);
                count += 1;
            }
        }
        let st = states::schema(kind);
        if !st.is_empty() {
            let v = sample(F::Struct(st));
            let bytes = encode(&v, F::Struct(st)).unwrap();
            assert_eq!(decode(&bytes, F::Struct(st)).unwrap(), v, "{kind:?} state");
        }
    }
    assert!(count > 60, "{count} methods with parameters");
}

#[test]
fn shapes_match_the_actors_types() {
    // Values built with the actors' own Rust types decode with padma's shapes.
    use fil_actor_multisig_state::v18 as msig;
    let create = fil_actor_init_state::v18::ExecParams {
        code_cid: padma_types::cid::cbor_cid(&[0x80]),
        constructor_params: RawBytes::new(
            fvm_ipld_encoding::to_vec(&msig::ConstructorParams {
                signers: vec![Address::new_id(100), Address::new_id(101)],
                num_approvals_threshold: 2,
                unlock_duration: 10,
                start_epoch: 0,
            })
            .unwrap(),
        ),
    };
    let v = decode(
        &fvm_ipld_encoding::to_vec(&create).unwrap(),
        method(ActorKind::Init, 2),
    )
    .unwrap();
    let ctor = v["ConstructorParams"].as_str().unwrap();
    let ctor = B64.decode(ctor).unwrap();
    let c = decode(&ctor, method(ActorKind::Multisig, 1)).unwrap();
    assert_eq!(c["NumApprovalsThreshold"], 2);
    assert_eq!(c["Signers"].as_array().unwrap().len(), 2);
    let w = fil_actor_miner_state::v18::WithdrawBalanceParams {
        amount_requested: TokenAmount::from_whole(3),
    };
    let v = decode(
        &fvm_ipld_encoding::to_vec(&w).unwrap(),
        method(ActorKind::StorageMiner, 16),
    )
    .unwrap();
    assert_eq!(v, json!({"AmountRequested": "3000000000000000000"}));
    // FRC-42 numbers come from the method names.
    assert!(params::method(ActorKind::Evm, 3844450837).is_some());
    assert!(params::method(ActorKind::Datacap, 80475954).is_some());
}

#[test]
fn actor_to_actor_methods_match_the_actors_types() {
    // Parameters the actors send one another (and genesis sends), built with the
    // actors' own types: decoded with padma's shapes and encoded back byte-identical.
    use fil_actor_market_state::v18 as market;
    use fil_actor_miner_state::v18 as miner;
    use fvm_shared::sector::{RegisteredAggregateProof, RegisteredSealProof};
    fn round_trip(bytes: Vec<u8>, kind: ActorKind, num: u64) -> Value {
        let f = method(kind, num);
        let v = decode(&bytes, f).unwrap();
        assert_eq!(encode(&v, f).unwrap(), bytes, "{kind:?} {num}: {v}");
        v
    }
    fn to_vec<T: serde::Serialize>(v: &T) -> Vec<u8> {
        fvm_ipld_encoding::to_vec(v).unwrap()
    }
    let deals = market::SectorDeals {
        sector_number: 3,
        sector_type: RegisteredSealProof::StackedDRG2KiBV1P1,
        sector_expiry: 1000,
        deal_ids: vec![1, 2],
    };
    let v = round_trip(
        to_vec(&market::VerifyDealsForActivationParams {
            sectors: vec![deals.clone()],
        }),
        ActorKind::StorageMarket,
        5,
    );
    assert_eq!(v["Sectors"][0]["DealIDs"], json!([1, 2]));
    let v = round_trip(
        to_vec(&market::BatchActivateDealsParams {
            sectors: vec![deals],
            compute_cid: true,
        }),
        ActorKind::StorageMarket,
        6,
    );
    assert_eq!(v["ComputeCID"], json!(true));
    let mut ids = fvm_ipld_bitfield::BitField::new();
    ids.set(4);
    round_trip(
        to_vec(&market::SettleDealPaymentsParams { deal_ids: ids }),
        ActorKind::StorageMarket,
        frc42_dispatch::method_hash!("SettleDealPayments"),
    );
    let v = round_trip(
        to_vec(&miner::InternalSectorSetupForPresealParams {
            sectors: vec![0, 1],
            reward_smoothed: Default::default(),
            reward_baseline_power: 5.into(),
            quality_adj_power_smoothed: Default::default(),
        }),
        ActorKind::StorageMiner,
        17,
    );
    assert_eq!(v["RewardBaselinePower"], json!("5"));
    let v = round_trip(
        to_vec(&miner::ProveCommitSectorsNIParams {
            sectors: vec![miner::SectorNIActivationInfo {
                sealing_number: 1,
                sealer_id: 1000,
                sealed_cid: padma_types::cid::cbor_cid(&[0x80]),
                sector_number: 1,
                seal_rand_epoch: 10,
                expiration: 600_000,
            }],
            aggregate_proof: RawBytes::new(vec![9; 4]),
            seal_proof_type: RegisteredSealProof::StackedDRG2KiBV1P2_Feat_NiPoRep,
            aggregate_proof_type: RegisteredAggregateProof::SnarkPackV2,
            proving_deadline: 3,
            require_activation_success: true,
        }),
        ActorKind::StorageMiner,
        36,
    );
    assert_eq!(v["Sectors"][0]["SealerID"], json!(1000));
    round_trip(
        to_vec(&miner::DeferredCronEventParams {
            event_payload: vec![1, 2],
            reward_smoothed: Default::default(),
            quality_adj_power_smoothed: Default::default(),
        }),
        ActorKind::StorageMiner,
        12,
    );
}

#[test]
fn bad_values_are_clear_errors() {
    let f = method(ActorKind::Multisig, 2);
    let e = encode(&json!({"To": "nope"}), f).unwrap_err();
    assert!(format!("{e:#}").contains("field To"), "{e:#}");
    let e = encode(&json!({"Bogus": 1}), f).unwrap_err();
    assert!(format!("{e:#}").contains("unknown field Bogus"), "{e:#}");
    let e = decode(&[0xff, 0x00], f).unwrap_err();
    assert!(format!("{e:#}").contains("invalid CBOR"), "{e:#}");
    let e = decode(&fvm_ipld_encoding::to_vec(&(1u64, 2u64)).unwrap(), f).unwrap_err();
    assert!(
        format!("{e:#}").contains("expected a tuple of 4 fields"),
        "{e:#}"
    );
}

#[test]
fn a_deal_proposal_matches_the_market_actors_type() {
    use fil_actor_market_state::v18 as market;
    let proposal = market::DealProposal {
        piece_cid: padma_types::cid::cbor_cid(&[0x80]),
        piece_size: fvm_shared::piece::PaddedPieceSize(2048),
        verified_deal: false,
        client: Address::new_id(100),
        provider: Address::new_id(1000),
        label: market::Label::String("hello".into()),
        start_epoch: 10,
        end_epoch: 600_000,
        storage_price_per_epoch: TokenAmount::from_atto(1),
        provider_collateral: TokenAmount::from_atto(2),
        client_collateral: TokenAmount::default(),
    };
    let params = market::PublishStorageDealsParams {
        deals: vec![market::ClientDealProposal {
            proposal,
            client_signature: fvm_shared::crypto::signature::Signature::new_bls(vec![7; 96]),
        }],
    };
    let bytes = fvm_ipld_encoding::to_vec(&params).unwrap();
    let f = method(ActorKind::StorageMarket, 4);
    let v = decode(&bytes, f).unwrap();
    let p = &v["Deals"][0]["Proposal"];
    assert_eq!(p["Label"], "hello");
    assert_eq!(p["PieceSize"], 2048);
    assert_eq!(p["VerifiedDeal"], false);
    assert_eq!(p["ClientCollateral"], "0");
    assert_eq!(v["Deals"][0]["ClientSignature"]["Type"], 2);
    assert_eq!(encode(&v, f).unwrap(), bytes);
}
