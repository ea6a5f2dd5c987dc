//! Gossipsub payloads (protocol.md §4.1): topic names, message IDs, the block message
//! of `/fil/blocks/<network>` and the signed message of `/fil/msgs/<network>`.

use super::{check_one_item, decode_canonical, encode, DecodeError};
use cid::Cid;
use fvm_ipld_amt::Amtv0;
use fvm_ipld_blockstore::MemoryBlockstore;
use fvm_ipld_encoding::tuple::*;
use padma_types::block::{BlockHeader, MsgMeta};
use padma_types::cid::blake2b_256;
use padma_types::message::decode_signed_message;
use padma_types::SignedMessage;

/// The largest block message accepted (gossipsub's 1 MiB message limit).
pub const MAX_BLOCK_MSG_BYTES: usize = 1 << 20;

/// The largest block message published: Lotus ignores a local block larger than this.
pub const MAX_PUBLISHED_BLOCK_MSG_BYTES: usize = (1 << 20) - (32 << 10);

/// The largest gossiped signed message accepted (Lotus's 64 KiB).
pub const MAX_GOSSIP_MESSAGE_BYTES: usize = 64 << 10;

/// The most messages one block may carry (Lotus `BlockMessageLimit`).
pub const BLOCK_MESSAGE_LIMIT: usize = 10_000;

/// The block topic of network `network_name`: `/fil/blocks/<name>`.
pub fn blocks_topic(network_name: &str) -> String {
    format!("/fil/blocks/{network_name}")
}

/// The message topic of network `network_name`: `/fil/msgs/<name>`.
pub fn msgs_topic(network_name: &str) -> String {
    format!("/fil/msgs/{network_name}")
}

/// A gossipsub message ID as Filecoin computes it: blake2b-256 of the message data.
pub fn message_id(data: &[u8]) -> [u8; 32] {
    blake2b_256(data)
}

/// A block announced on the block topic: `[Header, BlsMessages [CID], SecpkMessages
/// [CID]]`, the message CIDs in block order (BLS: unsigned message CIDs; secp: signed
/// message CIDs).
#[derive(Clone, Debug, PartialEq, Eq, Serialize_tuple, Deserialize_tuple)]
pub struct BlockMsg {
    /// The header.
    pub header: BlockHeader,
    /// The CIDs of the block's BLS messages.
    pub bls_messages: Vec<Cid>,
    /// The CIDs of the block's secp messages.
    pub secpk_messages: Vec<Cid>,
}

impl BlockMsg {
    /// The DAG-CBOR bytes.
    pub fn encode(&self) -> Vec<u8> {
        encode(self)
    }

    /// Decodes a block message of at most [`MAX_BLOCK_MSG_BYTES`], canonical form only,
    /// with at most [`BLOCK_MESSAGE_LIMIT`] messages.
    pub fn decode(bytes: &[u8]) -> Result<Self, DecodeError> {
        let msg: BlockMsg = decode_canonical(bytes, "block message", MAX_BLOCK_MSG_BYTES)?;
        let count = msg.bls_messages.len() + msg.secpk_messages.len();
        if count > BLOCK_MESSAGE_LIMIT {
            return Err(DecodeError::Invalid {
                what: "block message",
                reason: format!("{count} messages, over the limit of {BLOCK_MESSAGE_LIMIT}"),
            });
        }
        Ok(msg)
    }

    /// The block's CID.
    pub fn cid(&self) -> Cid {
        self.header.cid()
    }

    /// The `MsgMeta` CID the two CID lists make (the v0 AMTs of each, in order).
    pub fn msg_meta_cid(&self) -> Cid {
        let bs = MemoryBlockstore::new();
        let amt = |cids: &[Cid]| {
            Amtv0::new_from_iter(&bs, cids.iter().copied())
                .expect("an in-memory AMT of CIDs always builds")
        };
        MsgMeta {
            bls_messages: amt(&self.bls_messages),
            secpk_messages: amt(&self.secpk_messages),
        }
        .cid()
    }

    /// Whether the CID lists are the ones the header commits to (its `Messages`).
    pub fn messages_match_header(&self) -> bool {
        self.msg_meta_cid() == self.header.messages
    }
}

/// Decodes a signed message from the message topic: at most
/// [`MAX_GOSSIP_MESSAGE_BYTES`], canonical form only.
pub fn decode_gossip_message(bytes: &[u8]) -> Result<SignedMessage, DecodeError> {
    const WHAT: &str = "gossiped message";
    check_one_item(bytes, WHAT, MAX_GOSSIP_MESSAGE_BYTES)?;
    decode_signed_message(bytes).map_err(|reason| DecodeError::Invalid { what: WHAT, reason })
}

#[cfg(test)]
#[path = "gossip_tests.rs"]
mod tests;
