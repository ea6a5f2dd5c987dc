//! A rogue libp2p peer against honest padma processes: the rogue itself ([`peer`]),
//! the honest devnet and its follower ([`nodes`]), and the bad things the rogue sends
//! (below).

#![allow(dead_code)] // each test uses its own part

pub mod nodes;
pub mod peer;

use cid::Cid;
use fvm_shared::bigint::BigInt;
use fvm_shared::crypto::signature::Signature;
use fvm_shared::econ::TokenAmount;
use fvm_shared::message::Message;
use padma_net::wire::gossip::BlockMsg;
use padma_net::wire::hello::{unix_nanos_now, HelloMessage, LatencyMessage};
use padma_net::wire::xchg::{self, BsTipSet, Request, Response, Status};
use padma_types::block::BlockHeader;
use padma_types::cid::cbor_cid;
use padma_types::message::message_cid;
use padma_types::SignedMessage;

/// A latency answer, as an honest peer gives it.
pub fn latency() -> Vec<u8> {
    LatencyMessage {
        arrival: unix_nanos_now(),
        sent: unix_nanos_now(),
    }
    .encode()
}

/// A CID no block has (`n` makes it distinct).
pub fn nowhere(n: u64) -> Cid {
    cbor_cid(&fvm_ipld_encoding::to_vec(&("nowhere", n)).unwrap())
}

/// `header` as a different block: its signature replaced by 96 bytes of `fill`.
pub fn with_bad_signature(header: &BlockHeader, fill: u8) -> BlockHeader {
    let mut h = header.clone();
    h.block_sig = Some(Signature::new_bls(vec![fill; 96]));
    h
}

/// A made-up block at `height` on `parents`, claiming `weight` for them; `n` makes it
/// distinct.
pub fn fake_header(
    template: &BlockHeader,
    parents: Vec<Cid>,
    height: i64,
    weight: BigInt,
    n: u64,
) -> BlockHeader {
    let mut h = template.clone();
    h.parents = parents;
    h.height = height;
    h.parent_weight = weight;
    h.fork_signaling = 0;
    h.block_sig = Some(Signature::new_bls(vec![n as u8; 96]));
    h.timestamp = template.timestamp + n;
    h
}

/// A hello announcing `head` at `height` with `weight` on `genesis`.
pub fn hello(head: Vec<Cid>, height: i64, weight: BigInt, genesis: Cid) -> Vec<u8> {
    HelloMessage {
        heaviest_tipset: head,
        heaviest_tipset_height: height,
        heaviest_tipset_weight: weight,
        genesis,
    }
    .encode()
}

/// A chain-exchange request for `length` tipsets from `head`.
pub fn request(head: Vec<Cid>, length: u64, options: u64) -> Vec<u8> {
    Request {
        head,
        length,
        options,
    }
    .encode()
}

/// A successful chain-exchange answer of headers only.
pub fn headers_answer(status: Status, tipsets: Vec<Vec<BlockHeader>>) -> Vec<u8> {
    Response {
        status,
        error_message: String::new(),
        chain: tipsets
            .into_iter()
            .map(|blocks| BsTipSet {
                blocks,
                messages: None,
            })
            .collect(),
    }
    .encode()
}

/// A block message announcing `header` with the message CIDs of its real block
/// `messages` (BLS, secp).
pub fn block_msg(header: BlockHeader, messages: &(Vec<Cid>, Vec<Cid>)) -> Vec<u8> {
    BlockMsg {
        header,
        bls_messages: messages.0.clone(),
        secpk_messages: messages.1.clone(),
    }
    .encode()
}

/// A block of a chain-exchange answer with its BLS and secp message CIDs.
pub type HeadBlock = (BlockHeader, (Vec<Cid>, Vec<Cid>));

/// The headers of the tipset a chain-exchange answer starts with, with the message CIDs
/// of each block (BLS, secp).
pub fn head_blocks(answer: &[u8]) -> Vec<HeadBlock> {
    let response = Response::decode(answer).unwrap();
    let first = &response.chain[0];
    xchg::expand(first)
        .unwrap()
        .into_iter()
        .map(|b| {
            let bls = b.bls_messages.iter().map(message_cid).collect();
            let secp = b.secp_messages.iter().map(|m| m.cid()).collect();
            (b.header, (bls, secp))
        })
        .collect()
}

/// A signed message whose signature is 65 bytes of `fill` (not the sender's).
pub fn badly_signed_message(nonce: u64, fill: u8) -> Vec<u8> {
    let key =
        padma_types::crypto::KeyInfo::new(padma_types::crypto::KeyType::Secp256k1, vec![9; 32])
            .unwrap();
    let message = Message {
        version: 0,
        from: key.address().unwrap(),
        to: fvm_shared::address::Address::new_id(1000),
        sequence: nonce,
        value: TokenAmount::from_atto(1),
        method_num: 0,
        params: Default::default(),
        gas_limit: 1_000_000,
        gas_fee_cap: TokenAmount::from_atto(1_000_000),
        gas_premium: TokenAmount::from_atto(1_000),
    };
    SignedMessage {
        message,
        signature: Signature::new_secp256k1(vec![fill; 65]),
    }
    .cbor()
}
