//! Sample chain objects for the wire tests.

use cid::Cid;
use fvm_ipld_encoding::RawBytes;
use fvm_shared::address::Address;
use fvm_shared::bigint::BigInt;
use fvm_shared::crypto::signature::Signature;
use fvm_shared::econ::TokenAmount;
use fvm_shared::message::Message;
use padma_types::block::{BlockHeader, ElectionProof, Ticket};
use padma_types::cid::cbor_cid;
use padma_types::SignedMessage;

/// A header of `miner` at `height` on `parents`, committing to `messages`.
pub fn header(miner: u64, height: i64, parents: Vec<Cid>, messages: Cid) -> BlockHeader {
    BlockHeader {
        miner: Address::new_id(miner),
        ticket: Some(Ticket {
            vrf_proof: vec![miner as u8; 96],
        }),
        election_proof: Some(ElectionProof {
            win_count: 1,
            vrf_proof: vec![7; 96],
        }),
        beacon_entries: vec![],
        win_post_proof: vec![],
        parents,
        parent_weight: BigInt::from(height),
        height,
        parent_state_root: cbor_cid(b"\x80"),
        parent_message_receipts: cbor_cid(b"\x80"),
        messages,
        bls_aggregate: None,
        timestamp: 1_700_000_000 + height as u64 * 30,
        block_sig: None,
        fork_signaling: 0,
        parent_base_fee: TokenAmount::from_atto(100),
    }
}

/// An unsigned message from `f0<from>` with nonce `nonce`.
pub fn message(from: u64, nonce: u64) -> Message {
    Message {
        version: 0,
        from: Address::new_id(from),
        to: Address::new_id(99),
        sequence: nonce,
        value: TokenAmount::from_atto(1),
        method_num: 0,
        params: RawBytes::default(),
        gas_limit: 1_000_000,
        gas_fee_cap: TokenAmount::from_atto(200),
        gas_premium: TokenAmount::from_atto(100),
    }
}

/// A (fake) secp-signed message from `f0<from>` with nonce `nonce`.
pub fn signed(from: u64, nonce: u64) -> SignedMessage {
    SignedMessage {
        message: message(from, nonce),
        signature: Signature::new_secp256k1(vec![nonce as u8; 65]),
    }
}
