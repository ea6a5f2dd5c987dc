//! The shared cross-implementation vectors: keys, addresses, message CBOR, CIDs and
//! signatures must match iso-filecoin, Zondax and Lotus byte for byte.

#![allow(clippy::unwrap_used, clippy::indexing_slicing, clippy::string_slice)] // test code: a panic is a failed test

use base64::engine::general_purpose::STANDARD as B64;
use base64::Engine;
use padma_types::address::parse_address;
use padma_types::crypto::{verify_signature, KeyInfo, KeyType};
use padma_types::json::{key_from_lotus_text, key_to_lotus_hex, MessageJson, SignedMessageJson};
use padma_types::message::{decode_message, message_cbor, message_cid, message_signing_bytes};
use padma_types::{Message, SignedMessage};
use serde_json::Value;

fn vectors() -> Value {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../../testdata/vectors.json");
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

/// Addresses print with the process-wide network prefix; compare without it.
fn same_addr(printed: &str, expected: &str) {
    assert_eq!(&printed[1..], &expected[1..], "{printed} vs {expected}");
}

fn key_of(v: &Value) -> KeyInfo {
    let kt = match v["type"].as_str().unwrap() {
        "BLS" => KeyType::Bls,
        _ => KeyType::Secp256k1,
    };
    let raw = B64
        .decode(v["privateKey"]["lotus_base64"].as_str().unwrap())
        .unwrap();
    KeyInfo::new(kt, raw).unwrap()
}

#[test]
fn every_message_vector_matches() {
    let all = vectors();
    let msgs = all["messages"].as_array().unwrap();
    assert_eq!(msgs.len(), 6);
    for v in msgs {
        let name = v["name"].as_str().unwrap();
        let key = key_of(v);
        // Keys, public keys, addresses, Lotus export form.
        assert_eq!(
            hex::encode(key.public_key().unwrap()),
            v["publicKey_hex"].as_str().unwrap(),
            "{name}"
        );
        same_addr(
            &key.address().unwrap().to_string(),
            v["address"].as_str().unwrap(),
        );
        let export = v["privateKey"]["lotus_export_hex"].as_str().unwrap();
        assert_eq!(key_to_lotus_hex(&key), export, "{name}");
        assert_eq!(key_from_lotus_text(export).unwrap(), key, "{name}");

        // Message JSON -> CBOR -> CID.
        let mj: MessageJson = serde_json::from_value(v["message_lotus_json"].clone()).unwrap();
        let msg: Message = mj.into();
        assert_eq!(
            hex::encode(message_cbor(&msg)),
            v["message_cbor_hex"].as_str().unwrap(),
            "{name}"
        );
        assert_eq!(
            message_cid(&msg).to_string(),
            v["message_cid"].as_str().unwrap(),
            "{name}"
        );
        assert_eq!(
            hex::encode(message_signing_bytes(&msg)),
            v["message_cid_bytes_hex"].as_str().unwrap()
        );
        let decoded = decode_message(&message_cbor(&msg)).unwrap();
        assert_eq!(decoded, msg);

        // Deterministic signatures, verification, signed CID.
        let sig = key.sign(&message_signing_bytes(&msg)).unwrap();
        assert_eq!(
            B64.encode(&sig.bytes),
            v["signature"]["Data"].as_str().unwrap(),
            "{name}"
        );
        assert_eq!(
            sig.sig_type as u8 as u64,
            v["signature"]["Type"].as_u64().unwrap()
        );
        verify_signature(&sig, &key.address().unwrap(), &message_signing_bytes(&msg)).unwrap();
        let smsg = SignedMessage {
            message: msg.clone(),
            signature: sig,
        };
        assert_eq!(
            smsg.cid().to_string(),
            v["signed_message_cid"].as_str().unwrap(),
            "{name}"
        );

        // Signed message JSON in, and out with the CID fields.
        let sj: SignedMessageJson =
            serde_json::from_value(v["signed_message_lotus_json"].clone()).unwrap();
        let parsed = SignedMessage::try_from(sj).unwrap();
        assert_eq!(parsed, smsg);
        let out = serde_json::to_value(SignedMessageJson::from(&smsg)).unwrap();
        assert_eq!(out["CID"]["/"], v["signed_message_cid"]);
        assert_eq!(out["Message"]["CID"]["/"], v["message_cid"]);
        assert_eq!(out["Message"]["Value"], v["message_lotus_json"]["Value"]);
        assert_eq!(out["Message"]["Nonce"], v["message_lotus_json"]["Nonce"]);
    }
}

#[test]
fn tampered_signatures_fail() {
    let all = vectors();
    for v in all["messages"].as_array().unwrap() {
        let key = key_of(v);
        let mj: MessageJson = serde_json::from_value(v["message_lotus_json"].clone()).unwrap();
        let msg: Message = mj.into();
        let mut sig = key.sign(&message_signing_bytes(&msg)).unwrap();
        sig.bytes[5] ^= 1;
        assert!(
            verify_signature(&sig, &key.address().unwrap(), &message_signing_bytes(&msg)).is_err()
        );
        let other = KeyInfo::generate(key.key_type).address().unwrap();
        let good = key.sign(&message_signing_bytes(&msg)).unwrap();
        assert!(verify_signature(&good, &other, &message_signing_bytes(&msg)).is_err());
    }
}

#[test]
fn lotus_upstream_message_and_nil_signature() {
    let all = vectors();
    let up = &all["lotusUpstream"];
    let mj: MessageJson =
        serde_json::from_value(up["message_lotus_json_as_lotus_prints_it"].clone()).unwrap();
    let msg: Message = mj.into();
    assert_eq!(
        hex::encode(message_cbor(&msg)),
        up["message_cbor_hex"].as_str().unwrap()
    );
    let out = serde_json::to_value(MessageJson::from(&msg)).unwrap();
    let mut expected = up["message_lotus_json_as_lotus_prints_it"].clone();
    // Compare modulo the network prefix of printed addresses.
    for f in ["To", "From"] {
        same_addr(out[f].as_str().unwrap(), expected[f].as_str().unwrap());
        expected[f] = out[f].clone();
    }
    assert_eq!(out, expected);
    // A zero-value Go signature (Type 0, no data) marshals as the single byte 0x00.
    let bytes =
        fvm_ipld_encoding::to_vec(&(&msg, fvm_ipld_encoding::RawBytes::new(vec![0u8]))).unwrap();
    let cid = padma_types::cid::cbor_cid(&bytes);
    assert_eq!(
        cid.to_string(),
        up["signed_message_with_Type0_nil_sig"]["CID"]["/"]
            .as_str()
            .unwrap()
    );
}

#[test]
fn raw_wallet_sign_matches_lotus() {
    let all = vectors();
    for v in all["rawSign"].as_array().unwrap() {
        let raw = B64.decode(v["lotusKeyB64"].as_str().unwrap()).unwrap();
        let expected = hex::decode(v["sigLotusHex"].as_str().unwrap()).unwrap();
        let kt = if expected[0] == 2 {
            KeyType::Bls
        } else {
            KeyType::Secp256k1
        };
        let key = KeyInfo::new(kt, raw).unwrap();
        let addr = key.address().unwrap();
        same_addr(&addr.to_string(), v["address"].as_str().unwrap());
        assert_eq!(parse_address(v["address"].as_str().unwrap()).unwrap(), addr);
        let data = hex::decode(v["dataHex"].as_str().unwrap()).unwrap();
        let sig = key.sign(&data).unwrap();
        assert_eq!(sig.sig_type as u8, expected[0]);
        assert_eq!(sig.bytes, expected[1..]);
        verify_signature(&sig, &addr, &data).unwrap();
    }
}

#[test]
fn non_canonical_cbor_is_refused() {
    let all = vectors();
    let mut bytes = hex::decode(all["messages"][4]["message_cbor_hex"].as_str().unwrap()).unwrap();
    assert!(decode_message(&bytes).is_ok());
    // Found by the fuzz smoke test: a byte-string header rewritten as a small integer
    // used to decode to the same message, i.e. a second encoding for one CID.
    assert_eq!(bytes[2], 0x43);
    bytes[2] = 0x03;
    let err = decode_message(&bytes).unwrap_err();
    assert!(err.contains("invalid message CBOR"), "{err}");
}
