//! The StorageMiner wire types keep the shapes `padma-miner` has always answered with.

use super::*;
use fvm_shared::bigint::BigInt;
use fvm_shared::econ::TokenAmount;
use serde_json::json;

fn cid(data: &[u8]) -> CidJson {
    CidJson(crate::cid::cbor_cid(data))
}

#[test]
fn sector_ids_keep_their_shape_and_round_trip() {
    let id = SectorIdJson {
        miner: 1000,
        number: 4,
    };
    let text = serde_json::to_string(&id).expect("encodes");
    assert_eq!(text, r#"{"Miner":1000,"Number":4}"#);
    assert_eq!(
        serde_json::from_str::<SectorIdJson>(&text).expect("decodes"),
        id
    );
}

/// A sector part way through sealing: drawn ticket, one piece, a log entry.
fn sealing_sector() -> SectorInfoJson {
    SectorInfoJson {
        sector_id: 7,
        state: "WaitSeed".into(),
        comm_d: Some(cid(&[0x80])),
        comm_r: Some(cid(&[0x81, 0x00])),
        proof: None,
        deals: vec![],
        pieces: Some(vec![SectorPieceJson {
            piece: PieceInfoJson {
                size: 2048,
                piece_cid: Some(cid(&[0x82, 0x00, 0x01])),
            },
            deal_info: None,
        }]),
        ticket: SealRandomnessJson {
            value: Some(BytesJson(vec![1; 32])),
            epoch: 12,
        },
        seed: SealRandomnessJson::default(),
        pre_commit_msg: Some(cid(&[0x83, 0x00, 0x01, 0x02])),
        commit_msg: None,
        retries: 1,
        to_upgrade: false,
        replica_update_message: None,
        last_err: "boom".into(),
        log: vec![SectorLogJson {
            kind: "state".into(),
            timestamp: 1_700_000_000,
            trace: String::new(),
            message: "Packing → PreCommit1".into(),
        }],
        seal_proof: 5,
        activation: 0,
        expiration: 5000,
        deal_weight: BigIntJson(BigInt::from(0)),
        verified_deal_weight: BigIntJson(BigInt::from(0)),
        initial_pledge: TokenAmountJson(TokenAmount::from_atto(250)),
        on_time: 0,
        early: 0,
    }
}

#[test]
fn sector_info_keeps_its_keys_order_and_nulls() {
    let s = sealing_sector();
    let j = serde_json::to_value(&s).expect("encodes");
    let expected = json!({
        "SectorID": 7,
        "State": "WaitSeed",
        "CommD": cid(&[0x80]),
        "CommR": cid(&[0x81, 0x00]),
        "Proof": null,
        "Deals": [],
        "Pieces": [{
            "Piece": { "Size": 2048, "PieceCID": cid(&[0x82, 0x00, 0x01]) },
            "DealInfo": null,
        }],
        "Ticket": { "Value": BytesJson(vec![1; 32]), "Epoch": 12 },
        "Seed": { "Value": null, "Epoch": 0 },
        "PreCommitMsg": cid(&[0x83, 0x00, 0x01, 0x02]),
        "CommitMsg": null,
        "Retries": 1,
        "ToUpgrade": false,
        "ReplicaUpdateMessage": null,
        "LastErr": "boom",
        "Log": [{
            "Kind": "state",
            "Timestamp": 1_700_000_000u64,
            "Trace": "",
            "Message": "Packing → PreCommit1",
        }],
        "SealProof": 5,
        "Activation": 0,
        "Expiration": 5000,
        "DealWeight": "0",
        "VerifiedDealWeight": "0",
        "InitialPledge": "250",
        "OnTime": 0,
        "Early": 0,
    });
    // Text equality: the same keys in the same order, the same nulls.
    assert_eq!(j.to_string(), expected.to_string());
    let back: SectorInfoJson = serde_json::from_value(j).expect("decodes");
    assert_eq!(back, s);
}

#[test]
fn sector_info_without_pieces_or_log_round_trips() {
    let s = SectorInfoJson {
        pieces: None,
        log: vec![],
        comm_d: None,
        ticket: SealRandomnessJson::default(),
        ..sealing_sector()
    };
    let j = serde_json::to_value(&s).expect("encodes");
    assert_eq!(j["Pieces"], Value::Null);
    assert_eq!(j["Log"], json!([]));
    assert_eq!(j["CommD"], Value::Null);
    assert_eq!(j["Ticket"], json!({ "Value": null, "Epoch": 0 }));
    assert_eq!(
        serde_json::from_value::<SectorInfoJson>(j).expect("decodes"),
        s
    );
    // Go writes empty lists as null.
    let mut j = serde_json::to_value(&s).expect("encodes");
    j["Deals"] = Value::Null;
    j["Log"] = Value::Null;
    assert_eq!(
        serde_json::from_value::<SectorInfoJson>(j).expect("decodes"),
        s
    );
}

#[test]
fn summaries_keep_the_miners_order() {
    let mut summary = SectorsSummaryJson::new();
    summary.insert("Proving".into(), 2);
    summary.insert("Packing".into(), 1);
    let text = serde_json::to_string(&summary).expect("encodes");
    assert_eq!(text, r#"{"Proving":2,"Packing":1}"#);
    let back: SectorsSummaryJson = serde_json::from_str(&text).expect("decodes");
    assert_eq!(back.keys().collect::<Vec<_>>(), ["Proving", "Packing"]);
    assert_eq!(back, summary);
}
