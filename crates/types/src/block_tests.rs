use super::*;
use crate::json::block::{BlockHeaderJson, TipSetJson, TipSetKeyJson};
use serde_json::Value;
use std::str::FromStr;

fn vectors() -> Vec<Value> {
    let p = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../testdata/block_headers.json"
    );
    serde_json::from_str(&std::fs::read_to_string(p).unwrap()).unwrap()
}

fn header(v: &Value) -> BlockHeader {
    let j: BlockHeaderJson = serde_json::from_value(v["block"].clone()).unwrap();
    BlockHeader::try_from(j).unwrap()
}

#[test]
fn serialization_vectors_match_cbor_and_cid() {
    let vs = vectors();
    assert_eq!(vs.len(), 5);
    for v in &vs {
        let h = header(v);
        assert_eq!(hex::encode(h.cbor()), v["cbor_hex"].as_str().unwrap());
        assert_eq!(h.cid().to_string(), v["cid"].as_str().unwrap());
        let bytes = hex::decode(v["cbor_hex"].as_str().unwrap()).unwrap();
        let back = BlockHeader::decode(&bytes).unwrap();
        assert_eq!(back, h);
        // JSON written back equals the vector's JSON.
        // (The network prefix of addresses is a process-wide setting; compare without it.)
        let mut json = serde_json::to_value(BlockHeaderJson::from(&back)).unwrap();
        let miner = json["Miner"].as_str().unwrap().to_string();
        assert_eq!(
            miner.get(1..),
            v["block"]["Miner"].as_str().unwrap().get(1..)
        );
        json["Miner"] = v["block"]["Miner"].clone();
        assert_eq!(json, v["block"]);
    }
}

#[test]
fn signing_bytes_null_the_signature_only() {
    let h = header(&vectors()[0]);
    assert!(h.block_sig.is_some());
    let sb = h.signing_bytes();
    let mut unsigned = h.clone();
    unsigned.block_sig = None;
    assert_eq!(sb, unsigned.cbor());
    assert_ne!(sb, h.cbor());
    // Only the BlockSig field (13) differs: it is f6 in the signing bytes.
    let back = BlockHeader::decode(&sb).unwrap();
    assert_eq!(back.block_sig, None);
    assert_eq!(back.ticket, h.ticket);
}

#[test]
fn wrong_field_counts_and_non_canonical_bytes_are_refused() {
    let v = &vectors()[0];
    let bytes = hex::decode(v["cbor_hex"].as_str().unwrap()).unwrap();
    assert_eq!(bytes[0], 0x90);
    // 15 fields.
    let mut short = bytes.clone();
    short[0] = 0x8f;
    assert!(BlockHeader::decode(&short[..short.len() - 2]).is_err());
    // 17 fields (an extra 0).
    let mut long = bytes.clone();
    long[0] = 0x91;
    long.push(0x00);
    assert!(BlockHeader::decode(&long).is_err());
    // The ForkSignaling 0 (second-to-last item before the 3-byte base fee) in a
    // two-byte form is refused.
    let mut loose = bytes.clone();
    let fork_at = bytes.len() - 5;
    assert_eq!(bytes[fork_at], 0x00);
    loose.splice(fork_at..fork_at + 1, [0x18, 0x00]);
    assert!(BlockHeader::decode(&loose).is_err());
    assert!(BlockHeader::decode(&[]).is_err());
}

#[test]
fn msgmeta_of_empty_amts_matches_the_vector() {
    let empty =
        Cid::from_str("bafy2bzacedswlcz5ddgqnyo3sak3jmhmkxashisnlpq6ujgyhe4mlobzpnhs6").unwrap();
    let mm = MsgMeta {
        bls_messages: empty,
        secpk_messages: empty,
    };
    assert_eq!(
        mm.cid().to_string(),
        "bafy2bzacecmda75ovposbdateg7eyhwij65zklgyijgcjwynlklmqazpwlhba"
    );
    let back: MsgMeta = decode_canonical(&mm.cbor(), "msgmeta").unwrap();
    assert_eq!(back, mm);
}

#[test]
fn tipsets_sort_by_ticket_digest_and_check_their_blocks() {
    let base = header(&vectors()[0]);
    let mut blocks = Vec::new();
    for (i, t) in [b"a".as_slice(), b"b", b"c"].iter().enumerate() {
        let mut b = base.clone();
        b.miner = Address::new_id(1000 + i as u64);
        b.ticket = Some(Ticket {
            vrf_proof: t.to_vec(),
        });
        blocks.push(b);
    }
    let ts = TipSet::new(blocks.clone()).unwrap();
    let digests: Vec<[u8; 32]> = ts.blocks().iter().map(|b| b.ticket_digest()).collect();
    let mut sorted = digests.clone();
    sorted.sort();
    assert_eq!(digests, sorted);
    assert_eq!(ts.key().cids()[0], ts.min_ticket_block().cid());
    assert_eq!(ts.height(), 1);
    // Same set in another order gives the same tipset.
    let mut rev = blocks.clone();
    rev.reverse();
    assert_eq!(TipSet::new(rev).unwrap(), ts);
    // JSON round trip.
    let j = serde_json::to_value(TipSetJson::from(&ts)).unwrap();
    assert_eq!(j["Height"], 1);
    assert_eq!(j["Cids"].as_array().unwrap().len(), 3);
    let back = TipSet::try_from(serde_json::from_value::<TipSetJson>(j).unwrap()).unwrap();
    assert_eq!(back, ts);
    // Rule violations.
    assert_eq!(TipSet::new(vec![]), Err(TipSetError::Empty));
    let mut dup = blocks.clone();
    dup[1].miner = dup[0].miner;
    assert!(matches!(
        TipSet::new(dup),
        Err(TipSetError::DuplicateMiner(_))
    ));
    let mut h = blocks.clone();
    h[2].height = 7;
    assert_eq!(TipSet::new(h), Err(TipSetError::MixedHeights));
    let mut p = blocks;
    p[1].parents = vec![];
    assert_eq!(TipSet::new(p), Err(TipSetError::MixedParents));
}

#[test]
fn tipset_keys_in_json_and_bytes() {
    let k: TipSetKeyJson = serde_json::from_str("null").unwrap();
    assert!(k.0.is_empty());
    let k: TipSetKeyJson = serde_json::from_str("[]").unwrap();
    assert!(k.0.is_empty());
    let c = header(&vectors()[1]).cid();
    let k: TipSetKeyJson =
        serde_json::from_value(serde_json::json!([{"/": c.to_string()}])).unwrap();
    assert_eq!(k.0.cids(), &[c]);
    assert_eq!(
        serde_json::to_value(&k).unwrap(),
        serde_json::json!([{"/": c.to_string()}])
    );
    assert_eq!(k.0.to_bytes(), c.to_bytes());
    // The key's CID hashes the CBOR byte string of the concatenation.
    let mut cbor = vec![0x58, 38];
    cbor.extend(c.to_bytes());
    assert_eq!(k.0.cid(), crate::cid::cbor_cid(&cbor));
}
