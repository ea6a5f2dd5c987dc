//! The miner-state wire types write the JSON the untyped handlers wrote (same keys,
//! same order, `null` for empty lists and missing values) and read it back.

use super::*;
use fvm_shared::address::Address;
use fvm_shared::econ::TokenAmount;
use serde::de::DeserializeOwned;
use serde_json::json;
use std::fmt::Debug;

fn tok(atto: u64) -> TokenAmountJson {
    TokenAmountJson(TokenAmount::from_atto(atto))
}

fn cid() -> CidJson {
    CidJson(crate::cid::cbor_cid(&[0x80]))
}

/// `v` writes exactly `text` and reads back as itself.
fn round_trip<T: Serialize + DeserializeOwned + PartialEq + Debug>(v: &T, text: &str) {
    assert_eq!(serde_json::to_string(v).expect("encodes"), text);
    let back: T = serde_json::from_str(text).expect("decodes");
    assert_eq!(&back, v);
}

fn bits(runs: serde_json::Value) -> BitFieldJson {
    serde_json::from_value(runs).expect("a bitfield")
}

#[test]
fn miner_info() {
    let a = |id| AddressJson(Address::new_id(id));
    let mut info = MinerInfoJson {
        owner: a(100),
        worker: a(101),
        new_worker: "<empty>".into(),
        control_addresses: None,
        worker_change_epoch: -1,
        peer_id: None,
        multiaddrs: None,
        window_post_proof_type: 5,
        sector_size: 2048,
        window_post_partition_sectors: 2,
        consensus_fault_elapsed: -1,
        pending_owner_address: None,
        beneficiary: a(100),
        beneficiary_term: BeneficiaryTermJson {
            quota: tok(0),
            used_quota: tok(0),
            expiration: 0,
        },
        pending_beneficiary_term: None,
    };
    let text = |id| Address::new_id(id).to_string();
    let (owner, worker) = (text(100), text(101));
    round_trip(
        &info,
        &format!(
            r#"{{"Owner":"{owner}","Worker":"{worker}","NewWorker":"<empty>","ControlAddresses":null,"WorkerChangeEpoch":-1,"PeerId":null,"Multiaddrs":null,"WindowPoStProofType":5,"SectorSize":2048,"WindowPoStPartitionSectors":2,"ConsensusFaultElapsed":-1,"PendingOwnerAddress":null,"Beneficiary":"{owner}","BeneficiaryTerm":{{"Quota":"0","UsedQuota":"0","Expiration":0}},"PendingBeneficiaryTerm":null}}"#
        ),
    );
    info.control_addresses = Some(vec![a(7)]);
    info.multiaddrs = Some(vec![BytesJson(vec![1])]);
    info.peer_id = Some("12D3KooW".into());
    info.pending_beneficiary_term = Some(PendingBeneficiaryChangeJson {
        new_beneficiary: a(9),
        new_quota: tok(5),
        new_expiration: 10,
        approved_by_beneficiary: true,
        approved_by_nominee: false,
    });
    let v = serde_json::to_value(&info).expect("encodes");
    assert_eq!(v["ControlAddresses"], json!([text(7)]));
    assert_eq!(v["Multiaddrs"], json!(["AQ=="]));
    assert_eq!(
        v["PendingBeneficiaryTerm"],
        json!({"NewBeneficiary": text(9), "NewQuota": "5", "NewExpiration": 10,
               "ApprovedByBeneficiary": true, "ApprovedByNominee": false})
    );
    let back: MinerInfoJson = serde_json::from_value(v).expect("decodes");
    assert_eq!(back, info);
}

#[test]
fn miner_power() {
    let claim = |raw: u64, qa: u64| PowerClaimJson {
        raw_byte_power: BigInt::from(raw),
        quality_adj_power: BigInt::from(qa),
    };
    round_trip(
        &MinerPowerJson {
            miner_power: claim(2048, 4096),
            total_power: claim(10240, 20480),
            has_min_power: true,
        },
        r#"{"MinerPower":{"RawBytePower":"2048","QualityAdjPower":"4096"},"TotalPower":{"RawBytePower":"10240","QualityAdjPower":"20480"},"HasMinPower":true}"#,
    );
}

#[test]
fn sector_on_chain_info() {
    let c = cid().0;
    let mut s = SectorOnChainInfoJson {
        sector_number: 3,
        seal_proof: 5,
        sealed_cid: cid(),
        deprecated_deal_ids: None,
        activation: 10,
        expiration: 600,
        deal_weight: BigInt::from(0),
        verified_deal_weight: BigInt::from(0),
        initial_pledge: tok(123),
        expected_day_reward: None,
        expected_storage_pledge: Some(tok(4)),
        power_base_epoch: 10,
        replaced_day_reward: None,
        sector_key_cid: None,
        flags: 1,
        daily_fee: tok(0),
    };
    round_trip(
        &s,
        &format!(
            r#"{{"SectorNumber":3,"SealProof":5,"SealedCID":{{"/":"{c}"}},"DeprecatedDealIDs":null,"Activation":10,"Expiration":600,"DealWeight":"0","VerifiedDealWeight":"0","InitialPledge":"123","ExpectedDayReward":null,"ExpectedStoragePledge":"4","PowerBaseEpoch":10,"ReplacedDayReward":null,"SectorKeyCID":null,"Flags":1,"DailyFee":"0"}}"#
        ),
    );
    s.deprecated_deal_ids = Some(vec![1, 2]);
    s.sector_key_cid = Some(cid());
    let v = serde_json::to_value(&s).expect("encodes");
    assert_eq!(v["DeprecatedDealIDs"], json!([1, 2]));
    let back: SectorOnChainInfoJson = serde_json::from_value(v).expect("decodes");
    assert_eq!(back, s);
}

#[test]
fn pre_commit_info() {
    let c = cid().0;
    let info = SectorPreCommitInfoJson {
        seal_proof: 5,
        sector_number: 4,
        sealed_cid: Some(cid()),
        seal_rand_epoch: 20,
        deal_ids: None,
        expiration: 900,
        unsealed_cid: None,
    };
    round_trip(
        &SectorPreCommitOnChainInfoJson {
            info: info.clone(),
            pre_commit_deposit: tok(77),
            pre_commit_epoch: 25,
        },
        &format!(
            r#"{{"Info":{{"SealProof":5,"SectorNumber":4,"SealedCID":{{"/":"{c}"}},"SealRandEpoch":20,"DealIDs":null,"Expiration":900,"UnsealedCid":null}},"PreCommitDeposit":"77","PreCommitEpoch":25}}"#
        ),
    );
    // As a parameter, only the proof type is needed.
    let bare: SectorPreCommitInfoJson =
        serde_json::from_str(r#"{"SealProof":5}"#).expect("decodes");
    assert_eq!(
        (bare.seal_proof, bare.sector_number, bare.expiration),
        (5, 0, 0)
    );
    assert!(bare.sealed_cid.is_none() && bare.deal_ids.is_none());
    assert!(serde_json::from_str::<SectorPreCommitInfoJson>(r#"{"SectorNumber":1}"#).is_err());
}

#[test]
fn deadlines_and_partitions() {
    round_trip(
        &DeadlineInfoJson {
            current_epoch: 100,
            period_start: 60,
            index: 2,
            open: 100,
            close: 120,
            challenge: 80,
            fault_cutoff: 70,
            w_post_period_deadlines: 48,
            w_post_proving_period: 960,
            w_post_challenge_window: 20,
            w_post_challenge_lookback: 20,
            fault_declaration_cutoff: 30,
        },
        r#"{"CurrentEpoch":100,"PeriodStart":60,"Index":2,"Open":100,"Close":120,"Challenge":80,"FaultCutoff":70,"WPoStPeriodDeadlines":48,"WPoStProvingPeriod":960,"WPoStChallengeWindow":20,"WPoStChallengeLookback":20,"FaultDeclarationCutoff":30}"#,
    );
    round_trip(
        &DeadlineJson {
            post_submissions: bits(json!([0, 1])),
            disputable_proof_count: 1,
            daily_fee: tok(0),
        },
        r#"{"PostSubmissions":[0,1],"DisputableProofCount":1,"DailyFee":"0"}"#,
    );
    round_trip(
        &PartitionJson {
            all_sectors: bits(json!([0, 3])),
            faulty_sectors: bits(json!([0])),
            recovering_sectors: bits(json!([0])),
            live_sectors: bits(json!([0, 3])),
            active_sectors: bits(json!([1, 2])),
        },
        r#"{"AllSectors":[0,3],"FaultySectors":[0],"RecoveringSectors":[0],"LiveSectors":[0,3],"ActiveSectors":[1,2]}"#,
    );
    round_trip(
        &MinerSectorsJson {
            live: 3,
            active: 2,
            faulty: 1,
        },
        r#"{"Live":3,"Active":2,"Faulty":1}"#,
    );
}
