//! A quick, deterministic pass of random and mutated inputs through every parser of
//! peer input in padma-net, which the fuzz targets (`fuzz/`) exercise for longer: none
//! may panic, and what decodes re-encodes to the bytes it came from where the format
//! is canonical.

#![allow(clippy::unwrap_used, clippy::indexing_slicing, clippy::string_slice)] // test code: a panic is a failed test

use fvm_shared::bigint::BigInt;
use padma_chain::validate::FullBlock;
use padma_net::bitswap::message::{read_message, BitswapMessage};
use padma_net::bitswap::{PayloadBlock, Presence, WantEntry, WantType};
use padma_net::wire::frame::{cbor_item_len, read_cbor_item};
use padma_net::wire::gossip::{decode_gossip_message, BlockMsg};
use padma_net::wire::hello::{HelloMessage, LatencyMessage};
use padma_net::wire::xchg::{
    compact, expand, validate_response, BsTipSet, Request, Response, Status, HEADERS, MESSAGES,
};
use padma_types::cid::cbor_cid;
use rand::{Rng, SeedableRng};

mod common;
use common::{header, message, signed};

/// A sample header at height 7.
fn block(miner: u64) -> padma_types::block::BlockHeader {
    header(miner, 7, vec![cbor_cid(b"parent")], cbor_cid(b"meta"))
}

fn seeds() -> Vec<Vec<u8>> {
    let head = cbor_cid(b"head");
    let blocks = vec![
        FullBlock {
            header: block(1000),
            bls_messages: vec![message(0), message(1)],
            secp_messages: vec![signed(0)],
        },
        FullBlock {
            header: block(1001),
            bls_messages: vec![message(1)],
            secp_messages: vec![signed(1), signed(0)],
        },
    ];
    let response = Response {
        status: Status::Partial,
        error_message: String::new(),
        chain: vec![BsTipSet {
            blocks: blocks.iter().map(|b| b.header.clone()).collect(),
            messages: Some(compact(&blocks)),
        }],
    };
    vec![
        HelloMessage {
            heaviest_tipset: vec![head, cbor_cid(b"other")],
            heaviest_tipset_height: 7,
            heaviest_tipset_weight: BigInt::from(123_456),
            genesis: cbor_cid(b"genesis"),
        }
        .encode(),
        LatencyMessage {
            arrival: 1_700_000_000_000_000_000,
            sent: 1_700_000_000_000_000_001,
        }
        .encode(),
        Request {
            head: vec![head],
            length: 900,
            options: HEADERS | MESSAGES,
        }
        .encode(),
        response.encode(),
        Response::error(Status::NotFound, "head tipset not found").encode(),
        BlockMsg {
            header: block(1000),
            bls_messages: vec![cbor_cid(b"a"), cbor_cid(b"b")],
            secpk_messages: vec![cbor_cid(b"c")],
        }
        .encode(),
        signed(9).cbor(),
        BitswapMessage {
            wantlist: vec![WantEntry {
                cid: head,
                priority: 1,
                cancel: false,
                want_type: WantType::Have,
                send_dont_have: true,
            }],
            full: true,
            raw_blocks: vec![b"raw".to_vec()],
            payload: vec![PayloadBlock::new(&head, b"head".to_vec())],
            presences: vec![(head, Presence::DontHave)],
            pending_bytes: 7,
        }
        .encode(),
    ]
}

fn exercise(data: &[u8]) {
    if let Ok(Some(len)) = cbor_item_len(data) {
        assert!(len <= data.len());
    }
    let mut cursor = futures::io::Cursor::new(data);
    if let Ok(item) = futures::executor::block_on(read_cbor_item(&mut cursor, 1 << 16)) {
        assert_eq!(cbor_item_len(data), Ok(Some(item.len())));
        assert_eq!(&data[..item.len()], item.as_slice());
    }
    if let Ok(h) = HelloMessage::decode(data) {
        assert_eq!(h.encode(), data);
    }
    if let Ok(l) = LatencyMessage::decode(data) {
        assert_eq!(l.encode(), data);
    }
    if let Ok(r) = Request::decode(data) {
        assert_eq!(r.encode(), data);
        let _ = r.validate();
    }
    if let Ok(resp) = Response::decode(data) {
        for bst in &resp.chain {
            let _ = expand(bst);
        }
        let head = resp
            .chain
            .first()
            .and_then(|b| b.blocks.first())
            .map(|h| vec![h.cid()])
            .unwrap_or_default();
        for options in [HEADERS, MESSAGES, HEADERS | MESSAGES] {
            let req = Request {
                head: head.clone(),
                length: resp.chain.len().max(1) as u64,
                options,
            };
            let _ = validate_response(&req, resp.clone(), &[]);
        }
    }
    if let Ok(b) = BlockMsg::decode(data) {
        assert_eq!(b.encode(), data);
        let _ = b.messages_match_header();
    }
    if let Ok(m) = decode_gossip_message(data) {
        assert_eq!(m.cbor(), data);
    }
    if let Ok(m) = BitswapMessage::decode(data) {
        for b in &m.payload {
            let _ = b.cid();
        }
        assert_eq!(BitswapMessage::decode(&m.encode()).unwrap(), m);
    }
    let mut cursor = futures::io::Cursor::new(data);
    let _ = futures::executor::block_on(read_message(&mut cursor));
}

#[test]
fn random_and_mutated_inputs_never_panic() {
    let mut rng = rand::rngs::StdRng::seed_from_u64(11);
    let seeds = seeds();
    for seed in &seeds {
        exercise(seed);
    }
    for _ in 0..20_000 {
        let mut data = seeds[rng.gen_range(0..seeds.len())].clone();
        for _ in 0..rng.gen_range(1..4) {
            match rng.gen_range(0..4) {
                0 if !data.is_empty() => {
                    let i = rng.gen_range(0..data.len());
                    data[i] = rng.gen();
                }
                1 if !data.is_empty() => {
                    data.truncate(rng.gen_range(0..data.len()));
                }
                2 if !data.is_empty() => {
                    let i = rng.gen_range(0..data.len());
                    data.insert(i, rng.gen());
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
