//! Block headers and their parts, MsgMeta, tipsets and tipset keys, with Filecoin's
//! exact DAG-CBOR encodings and CIDs (protocol.md §1.7–1.9).

use crate::cid::{blake2b_256, cbor_cid, Cid};
use fvm_ipld_encoding::strict_bytes;
use fvm_ipld_encoding::tuple::*;
use fvm_shared::address::Address;
use fvm_shared::bigint::{bigint_ser, BigInt};
use fvm_shared::crypto::signature::Signature;
use fvm_shared::econ::TokenAmount;
use serde::de::DeserializeOwned;
use serde::Serialize;

pub use fvm_shared::sector::PoStProof;

/// A ticket: the VRF output of the block's miner over the parent ticket (a 1-tuple).
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash, Serialize_tuple, Deserialize_tuple)]
pub struct Ticket {
    /// The VRF proof (a BLS signature).
    #[serde(with = "strict_bytes")]
    pub vrf_proof: Vec<u8>,
}

/// The election proof: how many times the miner won, and the VRF proof of it.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize_tuple, Deserialize_tuple)]
pub struct ElectionProof {
    /// Number of wins in this round.
    pub win_count: i64,
    /// The VRF proof over the election randomness.
    #[serde(with = "strict_bytes")]
    pub vrf_proof: Vec<u8>,
}

/// A drand beacon entry.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize_tuple, Deserialize_tuple)]
pub struct BeaconEntry {
    /// The drand round.
    pub round: u64,
    /// The drand signature.
    #[serde(with = "strict_bytes")]
    pub data: Vec<u8>,
}

/// A block header: the 16-tuple of protocol.md §1.7.
#[derive(Clone, Debug, PartialEq, Eq, Serialize_tuple, Deserialize_tuple)]
pub struct BlockHeader {
    /// The miner (an ID address on valid blocks).
    pub miner: Address,
    /// The ticket (absent only on malformed blocks).
    pub ticket: Option<Ticket>,
    /// The election proof.
    pub election_proof: Option<ElectionProof>,
    /// Beacon entries since the parent.
    pub beacon_entries: Vec<BeaconEntry>,
    /// Winning PoSt proofs.
    pub win_post_proof: Vec<PoStProof>,
    /// Parent block CIDs, in tipset order.
    pub parents: Vec<Cid>,
    /// Weight of the parent tipset.
    #[serde(with = "bigint_ser")]
    pub parent_weight: BigInt,
    /// The epoch.
    pub height: i64,
    /// The state root after executing the parent tipset.
    pub parent_state_root: Cid,
    /// Root of the (v0 AMT) receipts of the parent tipset's messages.
    pub parent_message_receipts: Cid,
    /// CID of this block's [`MsgMeta`].
    pub messages: Cid,
    /// Aggregate signature of the BLS messages.
    pub bls_aggregate: Option<Signature>,
    /// Unix seconds.
    pub timestamp: u64,
    /// The miner worker's signature over [`BlockHeader::signing_bytes`].
    pub block_sig: Option<Signature>,
    /// Always 0.
    pub fork_signaling: u64,
    /// Base fee of the parent tipset's execution.
    pub parent_base_fee: TokenAmount,
}

impl BlockHeader {
    /// The DAG-CBOR bytes of the header.
    pub fn cbor(&self) -> Vec<u8> {
        fvm_ipld_encoding::to_vec(self).expect("block headers always encode")
    }

    /// The block CID.
    pub fn cid(&self) -> Cid {
        cbor_cid(&self.cbor())
    }

    /// The bytes the miner's worker signs: the header's CBOR with `BlockSig` null.
    pub fn signing_bytes(&self) -> Vec<u8> {
        let mut unsigned = self.clone();
        unsigned.block_sig = None;
        unsigned.cbor()
    }

    /// Decodes a header, accepting only its canonical encoding.
    pub fn decode(bytes: &[u8]) -> Result<Self, String> {
        decode_canonical(bytes, "block header")
    }

    /// blake2b-256 of the ticket's VRF proof (the tipset sort key); empty tickets hash as empty.
    pub fn ticket_digest(&self) -> [u8; 32] {
        blake2b_256(
            self.ticket
                .as_ref()
                .map(|t| t.vrf_proof.as_slice())
                .unwrap_or(&[]),
        )
    }
}

/// The messages of a block: the roots of its BLS and secp message AMTs (v0).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize_tuple, Deserialize_tuple)]
pub struct MsgMeta {
    /// AMT of unsigned BLS message CIDs.
    pub bls_messages: Cid,
    /// AMT of signed secp message CIDs.
    pub secpk_messages: Cid,
}

impl MsgMeta {
    /// The DAG-CBOR bytes.
    pub fn cbor(&self) -> Vec<u8> {
        fvm_ipld_encoding::to_vec(self).expect("MsgMeta always encodes")
    }

    /// The CID (a header's `Messages`).
    pub fn cid(&self) -> Cid {
        cbor_cid(&self.cbor())
    }
}

/// Decodes `T` from CBOR and refuses bytes that would not re-encode identically.
pub fn decode_canonical<T: Serialize + DeserializeOwned>(
    bytes: &[u8],
    what: &str,
) -> Result<T, String> {
    let v: T = fvm_ipld_encoding::from_slice(bytes).map_err(|e| format!("invalid {what}: {e}"))?;
    let again = fvm_ipld_encoding::to_vec(&v).map_err(|e| format!("invalid {what}: {e}"))?;
    if again != bytes {
        return Err(format!("invalid {what}: not in canonical form"));
    }
    Ok(v)
}

/// A tipset key: the block CIDs of a tipset, in tipset order. Empty means "the head"
/// where APIs accept it.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct TipSetKey(pub Vec<Cid>);

impl TipSetKey {
    /// The CIDs.
    pub fn cids(&self) -> &[Cid] {
        &self.0
    }

    /// True for the empty key.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// The concatenated binary CIDs (Lotus's internal form).
    pub fn to_bytes(&self) -> Vec<u8> {
        self.0.iter().flat_map(|c| c.to_bytes()).collect()
    }

    /// The CID of the key encoded as one CBOR byte string, as some Lotus APIs use.
    pub fn cid(&self) -> Cid {
        let bytes = fvm_ipld_encoding::to_vec(&serde_bytes_wrapper(&self.to_bytes()))
            .expect("byte strings always encode");
        cbor_cid(&bytes)
    }
}

fn serde_bytes_wrapper(b: &[u8]) -> fvm_ipld_encoding::BytesSer<'_> {
    fvm_ipld_encoding::BytesSer(b)
}

/// Why a set of headers is not a tipset.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TipSetError {
    /// No blocks.
    #[error("a tipset needs at least one block")]
    Empty,
    /// Heights differ.
    #[error("blocks of a tipset must share their height")]
    MixedHeights,
    /// Parents differ.
    #[error("blocks of a tipset must share their parents")]
    MixedParents,
    /// Two blocks by one miner.
    #[error("duplicate miner in a tipset: {0}")]
    DuplicateMiner(String),
}

/// A tipset: blocks of one epoch with the same parents, sorted by ticket digest
/// (ties broken by CID bytes).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TipSet {
    blocks: Vec<BlockHeader>,
    key: TipSetKey,
}

impl TipSet {
    /// Builds a tipset from headers in any order, checking the tipset rules.
    pub fn new(mut blocks: Vec<BlockHeader>) -> Result<Self, TipSetError> {
        let first = blocks.first().ok_or(TipSetError::Empty)?.clone();
        let mut miners = std::collections::HashSet::new();
        for b in &blocks {
            if b.height != first.height {
                return Err(TipSetError::MixedHeights);
            }
            if b.parents != first.parents {
                return Err(TipSetError::MixedParents);
            }
            if !miners.insert(b.miner) {
                return Err(TipSetError::DuplicateMiner(b.miner.to_string()));
            }
        }
        let mut keyed: Vec<([u8; 32], Vec<u8>, BlockHeader)> = blocks
            .drain(..)
            .map(|b| (b.ticket_digest(), b.cid().to_bytes(), b))
            .collect();
        keyed.sort_by(|a, b| (&a.0, &a.1).cmp(&(&b.0, &b.1)));
        let blocks: Vec<BlockHeader> = keyed.into_iter().map(|(_, _, b)| b).collect();
        let key = TipSetKey(blocks.iter().map(BlockHeader::cid).collect());
        Ok(TipSet { blocks, key })
    }

    /// The blocks, in tipset order.
    pub fn blocks(&self) -> &[BlockHeader] {
        &self.blocks
    }

    /// The key.
    pub fn key(&self) -> &TipSetKey {
        &self.key
    }

    /// The epoch.
    pub fn height(&self) -> i64 {
        self.min_ticket_block().height
    }

    /// The parents' key.
    pub fn parents(&self) -> TipSetKey {
        TipSetKey(self.min_ticket_block().parents.clone())
    }

    /// The state root the blocks were built on.
    pub fn parent_state(&self) -> Cid {
        self.min_ticket_block().parent_state_root
    }

    /// The block with the smallest ticket (the first in tipset order); the fields all
    /// blocks share (height, parents, parent state, weight, base fee) are read here.
    pub fn min_ticket_block(&self) -> &BlockHeader {
        match self.blocks.first() {
            Some(b) => b,
            None => unreachable!("TipSet::new refuses an empty tipset"),
        }
    }

    /// The smallest block timestamp.
    pub fn min_timestamp(&self) -> u64 {
        self.blocks.iter().map(|b| b.timestamp).min().unwrap_or(0)
    }
}

#[cfg(test)]
#[path = "block_tests.rs"]
mod tests;
