//! Lotus JSON of block headers, tipsets and tipset keys (Go field names; empty lists
//! and byte strings written as `null` like Go's nil slices, and read from `null` or `[]`).

use super::{address_str, bigint_str, bytes_b64, null_default, token_str, CidJson, SignatureJson};
use crate::block::{BeaconEntry, BlockHeader, ElectionProof, MsgMeta, PoStProof, Ticket, TipSet};
use crate::block::{TipSetError, TipSetKey};
use fvm_shared::address::Address;
use fvm_shared::bigint::BigInt;
use fvm_shared::crypto::signature::Signature;
use fvm_shared::econ::TokenAmount;
use fvm_shared::sector::RegisteredPoStProof;
use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// Writes an empty list as `null` (Go's nil slice), otherwise the list.
fn null_if_empty<S: Serializer, T: Serialize>(v: &[T], s: S) -> Result<S::Ok, S::Error> {
    if v.is_empty() {
        s.serialize_none()
    } else {
        v.serialize(s)
    }
}

/// A ticket: `{"VRFProof": b64}`.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct TicketJson {
    /// VRF proof.
    #[serde(rename = "VRFProof", with = "bytes_b64", default)]
    pub vrf_proof: Vec<u8>,
}

/// An election proof: `{"WinCount": n, "VRFProof": b64}`.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct ElectionProofJson {
    /// Wins.
    #[serde(rename = "WinCount", default, deserialize_with = "null_default")]
    pub win_count: i64,
    /// VRF proof.
    #[serde(rename = "VRFProof", with = "bytes_b64", default)]
    pub vrf_proof: Vec<u8>,
}

/// A beacon entry: `{"Round": n, "Data": b64}`.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct BeaconEntryJson {
    /// Round.
    #[serde(default, deserialize_with = "null_default")]
    pub round: u64,
    /// Signature.
    #[serde(with = "bytes_b64", default)]
    pub data: Vec<u8>,
}

/// A PoSt proof: `{"PoStProof": n, "ProofBytes": b64}`.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct PoStProofJson {
    /// Registered proof number.
    #[serde(rename = "PoStProof", default, deserialize_with = "null_default")]
    pub post_proof: i64,
    /// Proof bytes.
    #[serde(rename = "ProofBytes", with = "bytes_b64", default)]
    pub proof_bytes: Vec<u8>,
}

impl From<&Ticket> for TicketJson {
    fn from(t: &Ticket) -> Self {
        TicketJson {
            vrf_proof: t.vrf_proof.clone(),
        }
    }
}

impl From<TicketJson> for Ticket {
    fn from(t: TicketJson) -> Self {
        Ticket {
            vrf_proof: t.vrf_proof,
        }
    }
}

impl From<&ElectionProof> for ElectionProofJson {
    fn from(e: &ElectionProof) -> Self {
        ElectionProofJson {
            win_count: e.win_count,
            vrf_proof: e.vrf_proof.clone(),
        }
    }
}

impl From<ElectionProofJson> for ElectionProof {
    fn from(e: ElectionProofJson) -> Self {
        ElectionProof {
            win_count: e.win_count,
            vrf_proof: e.vrf_proof,
        }
    }
}

impl From<&BeaconEntry> for BeaconEntryJson {
    fn from(e: &BeaconEntry) -> Self {
        BeaconEntryJson {
            round: e.round,
            data: e.data.clone(),
        }
    }
}

impl From<BeaconEntryJson> for BeaconEntry {
    fn from(e: BeaconEntryJson) -> Self {
        BeaconEntry {
            round: e.round,
            data: e.data,
        }
    }
}

impl From<&PoStProof> for PoStProofJson {
    fn from(p: &PoStProof) -> Self {
        PoStProofJson {
            post_proof: i64::from(p.post_proof),
            proof_bytes: p.proof_bytes.clone(),
        }
    }
}

impl From<PoStProofJson> for PoStProof {
    fn from(p: PoStProofJson) -> Self {
        PoStProof {
            post_proof: RegisteredPoStProof::from(p.post_proof),
            proof_bytes: p.proof_bytes,
        }
    }
}

/// A block header in Lotus JSON.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct BlockHeaderJson {
    /// Miner address.
    #[serde(with = "address_str")]
    pub miner: Address,
    /// Ticket or null.
    pub ticket: Option<TicketJson>,
    /// Election proof or null.
    pub election_proof: Option<ElectionProofJson>,
    /// Beacon entries.
    #[serde(
        serialize_with = "null_if_empty",
        deserialize_with = "null_default",
        default
    )]
    pub beacon_entries: Vec<BeaconEntryJson>,
    /// Winning PoSt proofs.
    #[serde(
        rename = "WinPoStProof",
        serialize_with = "null_if_empty",
        deserialize_with = "null_default",
        default
    )]
    pub win_post_proof: Vec<PoStProofJson>,
    /// Parents.
    #[serde(
        serialize_with = "null_if_empty",
        deserialize_with = "null_default",
        default
    )]
    pub parents: Vec<CidJson>,
    /// Parent weight.
    #[serde(with = "bigint_str", default)]
    pub parent_weight: BigInt,
    /// Epoch.
    #[serde(default, deserialize_with = "null_default")]
    pub height: i64,
    /// Parent state root.
    pub parent_state_root: CidJson,
    /// Parent receipts root.
    pub parent_message_receipts: CidJson,
    /// MsgMeta CID.
    pub messages: CidJson,
    /// BLS aggregate or null.
    #[serde(rename = "BLSAggregate")]
    pub bls_aggregate: Option<SignatureJson>,
    /// Unix seconds.
    #[serde(default, deserialize_with = "null_default")]
    pub timestamp: u64,
    /// Block signature or null.
    pub block_sig: Option<SignatureJson>,
    /// Fork signaling.
    #[serde(default, deserialize_with = "null_default")]
    pub fork_signaling: u64,
    /// Parent base fee.
    #[serde(with = "token_str", default)]
    pub parent_base_fee: TokenAmount,
}

impl From<&BlockHeader> for BlockHeaderJson {
    fn from(b: &BlockHeader) -> Self {
        BlockHeaderJson {
            miner: b.miner,
            ticket: b.ticket.as_ref().map(TicketJson::from),
            election_proof: b.election_proof.as_ref().map(ElectionProofJson::from),
            beacon_entries: b.beacon_entries.iter().map(BeaconEntryJson::from).collect(),
            win_post_proof: b.win_post_proof.iter().map(PoStProofJson::from).collect(),
            parents: b.parents.iter().copied().map(CidJson).collect(),
            parent_weight: b.parent_weight.clone(),
            height: b.height,
            parent_state_root: CidJson(b.parent_state_root),
            parent_message_receipts: CidJson(b.parent_message_receipts),
            messages: CidJson(b.messages),
            bls_aggregate: b.bls_aggregate.as_ref().map(SignatureJson::from),
            timestamp: b.timestamp,
            block_sig: b.block_sig.as_ref().map(SignatureJson::from),
            fork_signaling: b.fork_signaling,
            parent_base_fee: b.parent_base_fee.clone(),
        }
    }
}

impl TryFrom<BlockHeaderJson> for BlockHeader {
    type Error = String;
    fn try_from(b: BlockHeaderJson) -> Result<Self, String> {
        Ok(BlockHeader {
            miner: b.miner,
            ticket: b.ticket.map(Ticket::from),
            election_proof: b.election_proof.map(ElectionProof::from),
            beacon_entries: b
                .beacon_entries
                .into_iter()
                .map(BeaconEntry::from)
                .collect(),
            win_post_proof: b.win_post_proof.into_iter().map(PoStProof::from).collect(),
            parents: b.parents.into_iter().map(|c| c.0).collect(),
            parent_weight: b.parent_weight,
            height: b.height,
            parent_state_root: b.parent_state_root.0,
            parent_message_receipts: b.parent_message_receipts.0,
            messages: b.messages.0,
            bls_aggregate: b.bls_aggregate.map(Signature::try_from).transpose()?,
            timestamp: b.timestamp,
            block_sig: b.block_sig.map(Signature::try_from).transpose()?,
            fork_signaling: b.fork_signaling,
            parent_base_fee: b.parent_base_fee,
        })
    }
}

/// A MsgMeta in Lotus JSON: `{"BlsMessages": CID, "SecpkMessages": CID}`.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct MsgMetaJson {
    /// BLS messages AMT root.
    pub bls_messages: CidJson,
    /// Secp messages AMT root.
    pub secpk_messages: CidJson,
}

impl From<&MsgMeta> for MsgMetaJson {
    fn from(m: &MsgMeta) -> Self {
        MsgMetaJson {
            bls_messages: CidJson(m.bls_messages),
            secpk_messages: CidJson(m.secpk_messages),
        }
    }
}

/// A tipset key in JSON: an array of CIDs; `null` and `[]` both mean the empty key.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct TipSetKeyJson(pub TipSetKey);

impl Serialize for TipSetKeyJson {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let cids: Vec<CidJson> = self.0.cids().iter().copied().map(CidJson).collect();
        cids.serialize(s)
    }
}

impl<'de> Deserialize<'de> for TipSetKeyJson {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let cids: Option<Vec<CidJson>> = Option::deserialize(d)?;
        Ok(TipSetKeyJson(TipSetKey(
            cids.unwrap_or_default().into_iter().map(|c| c.0).collect(),
        )))
    }
}

/// A tipset in Lotus JSON: `{"Cids": [...], "Blocks": [...], "Height": n}`.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct TipSetJson {
    /// Block CIDs in tipset order.
    pub cids: Vec<CidJson>,
    /// Headers in tipset order.
    pub blocks: Vec<BlockHeaderJson>,
    /// Epoch.
    pub height: i64,
}

impl From<&TipSet> for TipSetJson {
    fn from(ts: &TipSet) -> Self {
        TipSetJson {
            cids: ts.key().cids().iter().copied().map(CidJson).collect(),
            blocks: ts.blocks().iter().map(BlockHeaderJson::from).collect(),
            height: ts.height(),
        }
    }
}

impl TryFrom<TipSetJson> for TipSet {
    type Error = String;
    fn try_from(t: TipSetJson) -> Result<Self, String> {
        let blocks = t
            .blocks
            .into_iter()
            .map(BlockHeader::try_from)
            .collect::<Result<Vec<_>, _>>()?;
        TipSet::new(blocks).map_err(|e: TipSetError| e.to_string())
    }
}
