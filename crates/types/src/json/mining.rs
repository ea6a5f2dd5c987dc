//! Lotus JSON of block production (what a miner process and its node exchange):
//! `MiningBaseInfo`, `BlockTemplate` and `BlockMsg`.

use super::block::{
    BeaconEntryJson, BlockHeaderJson, ElectionProofJson, PoStProofJson, TicketJson, TipSetKeyJson,
};
use super::{address_str, bigint_str, null_default, CidJson, SignedMessageJson};
use fvm_shared::address::Address;
use fvm_shared::bigint::BigInt;
use serde::{Deserialize, Serialize};

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

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn base_info_round_trips_in_lotus_field_order() {
        let cid = CidJson(crate::cid::cbor_cid(&[0x80]));
        let info = MiningBaseInfoJson {
            miner_power: BigInt::from(2048),
            network_power: BigInt::from(4096),
            sectors: vec![ExtendedSectorInfoJson {
                seal_proof: 5,
                sector_number: 3,
                sector_key: None,
                sealed_cid: cid,
            }],
            worker_key: Address::new_id(100),
            sector_size: 2048,
            prev_beacon_entry: BeaconEntryJson {
                round: 1,
                data: vec![1],
            },
            beacon_entries: vec![],
            eligible_for_mining: true,
        };
        let v = serde_json::to_value(&info).expect("encodes");
        let keys: Vec<&String> = v
            .as_object()
            .map(|o| o.keys().collect())
            .unwrap_or_default();
        assert_eq!(
            keys,
            [
                "MinerPower",
                "NetworkPower",
                "Sectors",
                "WorkerKey",
                "SectorSize",
                "PrevBeaconEntry",
                "BeaconEntries",
                "EligibleForMining"
            ]
        );
        assert_eq!(
            v["Sectors"][0],
            json!({"SealProof": 5, "SectorNumber": 3, "SectorKey": null, "SealedCID": cid})
        );
        assert_eq!(v["MinerPower"], "2048");
        assert_eq!(v["BeaconEntries"], json!([]));
        let back: MiningBaseInfoJson = serde_json::from_value(v).expect("decodes");
        assert_eq!(back.sector_size, 2048);
        assert_eq!(back.sectors.len(), 1);
    }

    #[test]
    fn block_msg_reads_null_lists() {
        let header = serde_json::json!({
            "Miner": "f01000", "Ticket": null, "ElectionProof": null, "BeaconEntries": null,
            "WinPoStProof": null, "Parents": null, "ParentWeight": "0", "Height": 1,
            "ParentStateRoot": {"/": crate::cid::cbor_cid(&[0x80]).to_string()},
            "ParentMessageReceipts": {"/": crate::cid::cbor_cid(&[0x80]).to_string()},
            "Messages": {"/": crate::cid::cbor_cid(&[0x80]).to_string()},
            "BLSAggregate": null, "Timestamp": 0, "BlockSig": null, "ForkSignaling": 0,
            "ParentBaseFee": "100",
        });
        let b: BlockMsgJson = serde_json::from_value(
            json!({"Header": header, "BlsMessages": null, "SecpkMessages": null}),
        )
        .expect("decodes");
        assert!(b.bls_messages.is_empty() && b.secpk_messages.is_empty());
        let v = serde_json::to_value(&b).expect("encodes");
        assert_eq!(v["BlsMessages"], json!([]));
        assert_eq!(v["Header"]["Height"], 1);
    }
}
