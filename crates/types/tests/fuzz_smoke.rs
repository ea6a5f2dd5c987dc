//! A quick, deterministic pass of random and mutated inputs through the parsers that
//! the fuzz targets (`fuzz/`) exercise for longer: none may panic, and decoded values
//! re-encode to the bytes they came from.

#![allow(clippy::unwrap_used, clippy::indexing_slicing, clippy::string_slice)] // test code: a panic is a failed test

use padma_types::address::parse_address;
use padma_types::block::{BlockHeader, MsgMeta};
use padma_types::json::block::BlockHeaderJson;
use padma_types::json::{key_from_lotus_text, MessageJson, SignedMessageJson};
use padma_types::message::{decode_message, decode_signed_message, message_cbor};
use rand::{Rng, SeedableRng};

fn seeds() -> Vec<Vec<u8>> {
    let v: serde_json::Value =
        serde_json::from_str(include_str!("../../../testdata/vectors.json")).unwrap();
    let mut out = Vec::new();
    for m in v["messages"].as_array().unwrap() {
        out.push(hex::decode(m["message_cbor_hex"].as_str().unwrap()).unwrap());
        out.push(m["signed_message_lotus_json"].to_string().into_bytes());
        out.push(m["address"].as_str().unwrap().as_bytes().to_vec());
        out.push(
            m["privateKey"]["lotus_export_hex"]
                .as_str()
                .unwrap()
                .as_bytes()
                .to_vec(),
        );
    }
    let headers: serde_json::Value =
        serde_json::from_str(include_str!("../../../testdata/block_headers.json")).unwrap();
    for h in headers.as_array().unwrap() {
        out.push(hex::decode(h["cbor_hex"].as_str().unwrap()).unwrap());
        out.push(h["block"].to_string().into_bytes());
    }
    out
}

fn exercise(data: &[u8]) {
    if let Ok(m) = decode_message(data) {
        assert_eq!(message_cbor(&m), data);
    }
    if let Ok(sm) = decode_signed_message(data) {
        let _ = sm.cid();
    }
    if let Ok(m) = serde_json::from_slice::<MessageJson>(data) {
        let _ = padma_types::message::message_cid(&m.into());
    }
    if let Ok(sm) = serde_json::from_slice::<SignedMessageJson>(data) {
        let _ = padma_types::SignedMessage::try_from(sm);
    }
    if let Ok(s) = std::str::from_utf8(data) {
        let _ = key_from_lotus_text(s);
        if let Ok(a) = parse_address(s) {
            assert_eq!(parse_address(&a.to_string()).unwrap(), a);
        }
    }
    let _ = padma_types::Address::from_bytes(data);
    if let Ok(h) = BlockHeader::decode(data) {
        assert_eq!(h.cbor(), data);
        let json = BlockHeaderJson::from(&h);
        assert_eq!(BlockHeader::try_from(json).ok().as_ref(), Some(&h));
    }
    let _ = padma_types::block::decode_canonical::<MsgMeta>(data, "message meta");
    if let Ok(j) = serde_json::from_slice::<BlockHeaderJson>(data) {
        let _ = BlockHeader::try_from(j);
    }
}

#[test]
fn random_and_mutated_inputs_never_panic() {
    let mut rng = rand::rngs::StdRng::seed_from_u64(7);
    let seeds = seeds();
    for seed in &seeds {
        exercise(seed);
    }
    for _ in 0..20_000 {
        let mut data = seeds[rng.gen_range(0..seeds.len())].clone();
        for _ in 0..rng.gen_range(1..4) {
            match rng.gen_range(0..3) {
                0 if !data.is_empty() => {
                    let i = rng.gen_range(0..data.len());
                    data[i] = rng.gen();
                }
                1 if !data.is_empty() => {
                    data.truncate(rng.gen_range(0..data.len()));
                }
                _ => data.push(rng.gen()),
            }
        }
        exercise(&data);
    }
    for _ in 0..5_000 {
        let len = rng.gen_range(0..80);
        let data: Vec<u8> = (0..len).map(|_| rng.gen()).collect();
        exercise(&data);
    }
}
