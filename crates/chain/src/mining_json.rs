//! Lotus JSON wire types of the mining methods, shared by the full node's handlers
//! and the miner's RPC mining client: `MiningBaseInfo`, `BlockTemplate` and
//! `BlockMsg`.

use crate::base_info::{MinerBaseInfo, ProvingSector};
use crate::produce::BlockTemplate;
use crate::validate::FullBlock;
use fvm_shared::address::Address;
use fvm_shared::bigint::BigInt;
use fvm_shared::sector::RegisteredPoStProof;
use padma_types::block::{BeaconEntry, ElectionProof, PoStProof, Ticket};
use padma_types::block_json::{
    bigint_str, BeaconEntryJson, BlockHeaderJson, ElectionProofJson, PoStProofJson, TicketJson,
    TipSetKeyJson,
};
use padma_types::json::{address_str, null_default, CidJson, SignedMessageJson};
use padma_types::message::message_cid;
use padma_types::sector::winning_post_for_size;
use padma_types::SignedMessage;
use serde::{Deserialize, Serialize};

fn beacon_json(e: &BeaconEntry) -> BeaconEntryJson {
    BeaconEntryJson {
        round: e.round,
        data: e.data.clone(),
    }
}

fn beacon_from_json(e: BeaconEntryJson) -> BeaconEntry {
    BeaconEntry {
        round: e.round,
        data: e.data,
    }
}

fn post_json(p: &PoStProof) -> PoStProofJson {
    PoStProofJson {
        post_proof: i64::from(p.post_proof),
        proof_bytes: p.proof_bytes.clone(),
    }
}

fn post_from_json(p: PoStProofJson) -> PoStProof {
    PoStProof {
        post_proof: RegisteredPoStProof::from(p.post_proof),
        proof_bytes: p.proof_bytes,
    }
}

/// One `ExtendedSectorInfo` of `MiningBaseInfo.Sectors`.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct ExtendedSectorInfoJson {
    /// The registered seal proof.
    #[serde(rename = "SealProof")]
    pub seal_proof: i64,
    /// The sector number.
    #[serde(rename = "SectorNumber")]
    pub sector_number: u64,
    /// The sector key CID (replica updates), `null` for padma's sectors.
    #[serde(rename = "SectorKey", default)]
    pub sector_key: Option<CidJson>,
    /// CommR.
    #[serde(rename = "SealedCID")]
    pub sealed_cid: CidJson,
}

/// Lotus's `MiningBaseInfo`.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct MiningBaseInfoJson {
    /// The miner's quality-adjusted power in the lookback state.
    #[serde(with = "bigint_str", default)]
    pub miner_power: BigInt,
    /// The network's quality-adjusted power in the lookback state.
    #[serde(with = "bigint_str", default)]
    pub network_power: BigInt,
    /// The sectors the WinningPoSt challenges.
    #[serde(default, deserialize_with = "null_default")]
    pub sectors: Vec<ExtendedSectorInfoJson>,
    /// The worker's key address.
    #[serde(with = "address_str")]
    pub worker_key: Address,
    /// Sector size in bytes.
    #[serde(default, deserialize_with = "null_default")]
    pub sector_size: u64,
    /// The latest beacon entry on the base's chain.
    pub prev_beacon_entry: BeaconEntryJson,
    /// The beacon entries the new block carries.
    #[serde(default, deserialize_with = "null_default")]
    pub beacon_entries: Vec<BeaconEntryJson>,
    /// Whether the miner may mine.
    #[serde(default, deserialize_with = "null_default")]
    pub eligible_for_mining: bool,
}

impl From<&MinerBaseInfo> for MiningBaseInfoJson {
    fn from(i: &MinerBaseInfo) -> Self {
        MiningBaseInfoJson {
            miner_power: i.miner_power.clone(),
            network_power: i.network_power.clone(),
            sectors: i
                .sectors
                .iter()
                .map(|s| ExtendedSectorInfoJson {
                    seal_proof: s.seal_proof,
                    sector_number: s.number,
                    sector_key: None,
                    sealed_cid: CidJson(s.sealed_cid),
                })
                .collect(),
            worker_key: i.worker_key,
            sector_size: i.sector_size,
            prev_beacon_entry: beacon_json(&i.prev_beacon_entry),
            beacon_entries: i.beacon_entries.iter().map(beacon_json).collect(),
            eligible_for_mining: i.eligible_for_mining,
        }
    }
}

impl TryFrom<MiningBaseInfoJson> for MinerBaseInfo {
    type Error = anyhow::Error;
    fn try_from(i: MiningBaseInfoJson) -> anyhow::Result<Self> {
        Ok(MinerBaseInfo {
            miner_power: i.miner_power,
            network_power: i.network_power,
            sectors: i
                .sectors
                .into_iter()
                .map(|s| ProvingSector {
                    number: s.sector_number,
                    sealed_cid: s.sealed_cid.0,
                    seal_proof: s.seal_proof,
                })
                .collect(),
            worker_key: i.worker_key,
            winning_post_proof: i64::from(winning_post_for_size(i.sector_size)?),
            sector_size: i.sector_size,
            prev_beacon_entry: beacon_from_json(i.prev_beacon_entry),
            beacon_entries: i.beacon_entries.into_iter().map(beacon_from_json).collect(),
            eligible_for_mining: i.eligible_for_mining,
        })
    }
}

/// Lotus's `BlockTemplate` (what `MinerCreateBlock` takes).
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct BlockTemplateJson {
    /// The miner (ID address).
    #[serde(with = "address_str")]
    pub miner: Address,
    /// The parent tipset key.
    #[serde(default)]
    pub parents: TipSetKeyJson,
    /// The ticket.
    #[serde(default)]
    pub ticket: Option<TicketJson>,
    /// The election proof.
    #[serde(default)]
    pub eproof: Option<ElectionProofJson>,
    /// Beacon entries.
    #[serde(default, deserialize_with = "null_default")]
    pub beacon_values: Vec<BeaconEntryJson>,
    /// The messages to include.
    #[serde(default, deserialize_with = "null_default")]
    pub messages: Vec<SignedMessageJson>,
    /// The epoch.
    #[serde(default, deserialize_with = "null_default")]
    pub epoch: i64,
    /// Unix seconds.
    #[serde(default, deserialize_with = "null_default")]
    pub timestamp: u64,
    /// WinningPoSt proofs.
    #[serde(
        rename = "WinningPoStProof",
        default,
        deserialize_with = "null_default"
    )]
    pub winning_post_proof: Vec<PoStProofJson>,
}

impl From<&BlockTemplate> for BlockTemplateJson {
    fn from(t: &BlockTemplate) -> Self {
        BlockTemplateJson {
            miner: t.miner,
            parents: TipSetKeyJson(t.parents.clone()),
            ticket: Some(TicketJson {
                vrf_proof: t.ticket.vrf_proof.clone(),
            }),
            eproof: Some(ElectionProofJson {
                win_count: t.eproof.win_count,
                vrf_proof: t.eproof.vrf_proof.clone(),
            }),
            beacon_values: t.beacon_values.iter().map(beacon_json).collect(),
            messages: t.messages.iter().map(SignedMessageJson::from).collect(),
            epoch: t.epoch,
            timestamp: t.timestamp,
            winning_post_proof: t.winning_post_proof.iter().map(post_json).collect(),
        }
    }
}

impl TryFrom<BlockTemplateJson> for BlockTemplate {
    type Error = String;
    fn try_from(t: BlockTemplateJson) -> Result<Self, String> {
        let ticket = t.ticket.ok_or("block template has no ticket")?;
        let eproof = t.eproof.ok_or("block template has no election proof")?;
        Ok(BlockTemplate {
            miner: t.miner,
            parents: t.parents.0,
            ticket: Ticket {
                vrf_proof: ticket.vrf_proof,
            },
            eproof: ElectionProof {
                win_count: eproof.win_count,
                vrf_proof: eproof.vrf_proof,
            },
            beacon_values: t.beacon_values.into_iter().map(beacon_from_json).collect(),
            messages: t
                .messages
                .into_iter()
                .map(SignedMessage::try_from)
                .collect::<Result<_, _>>()?,
            epoch: t.epoch,
            timestamp: t.timestamp,
            winning_post_proof: t
                .winning_post_proof
                .into_iter()
                .map(post_from_json)
                .collect(),
        })
    }
}

/// Lotus's `BlockMsg`: a header and the CIDs of its messages.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct BlockMsgJson {
    /// The header.
    pub header: BlockHeaderJson,
    /// CIDs of the BLS messages (unsigned message CIDs).
    #[serde(default, deserialize_with = "null_default")]
    pub bls_messages: Vec<CidJson>,
    /// CIDs of the secp messages (signed message CIDs).
    #[serde(default, deserialize_with = "null_default")]
    pub secpk_messages: Vec<CidJson>,
}

impl From<&FullBlock> for BlockMsgJson {
    fn from(b: &FullBlock) -> Self {
        BlockMsgJson {
            header: BlockHeaderJson::from(&b.header),
            bls_messages: b
                .bls_messages
                .iter()
                .map(|m| CidJson(message_cid(m)))
                .collect(),
            secpk_messages: b.secp_messages.iter().map(|m| CidJson(m.cid())).collect(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use padma_types::block::TipSetKey;

    #[test]
    fn template_round_trips_and_needs_a_ticket() {
        let t = BlockTemplate {
            miner: Address::new_id(1000),
            parents: TipSetKey(vec![]),
            ticket: Ticket {
                vrf_proof: vec![1, 2],
            },
            eproof: ElectionProof {
                win_count: 2,
                vrf_proof: vec![3],
            },
            beacon_values: vec![BeaconEntry {
                round: 7,
                data: vec![9],
            }],
            messages: vec![],
            epoch: 12,
            timestamp: 1_700_000_000,
            winning_post_proof: vec![PoStProof {
                post_proof: RegisteredPoStProof::from(0i64),
                proof_bytes: vec![5],
            }],
        };
        let v = serde_json::to_value(BlockTemplateJson::from(&t)).unwrap();
        assert_eq!(v["Eproof"]["WinCount"], 2);
        assert_eq!(v["BeaconValues"][0]["Round"], 7);
        assert_eq!(v["WinningPoStProof"][0]["PoStProof"], 0);
        let back: BlockTemplateJson = serde_json::from_value(v.clone()).unwrap();
        let back = BlockTemplate::try_from(back).unwrap();
        assert_eq!(back.epoch, 12);
        assert_eq!(back.eproof, t.eproof);
        let mut no_ticket = v;
        no_ticket["Ticket"] = serde_json::Value::Null;
        let parsed: BlockTemplateJson = serde_json::from_value(no_ticket).unwrap();
        assert!(BlockTemplate::try_from(parsed).is_err());
    }
}
