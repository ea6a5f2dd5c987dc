//! Conversions between padma-chain's block production types and their Lotus JSON
//! wire types (defined in `padma_types::json::mining`), shared by the server handlers
//! and the RPC mining client: `MiningBaseInfo`, `BlockTemplate` and `BlockMsg`.

use crate::base_info::{MinerBaseInfo, ProvingSector};
use crate::produce::BlockTemplate;
use crate::validate::FullBlock;
use anyhow::Result;
use padma_types::block::{BeaconEntry, ElectionProof, PoStProof, Ticket};
use padma_types::json::block::{
    BeaconEntryJson, BlockHeaderJson, ElectionProofJson, PoStProofJson, TicketJson, TipSetKeyJson,
};
use padma_types::json::mining::{
    BlockMsgJson, BlockTemplateJson, ExtendedSectorInfoJson, MiningBaseInfoJson,
};
use padma_types::json::{CidJson, SignedMessageJson};
use padma_types::message::message_cid;
use padma_types::sector::winning_post_for_size;
use padma_types::SignedMessage;

/// `MiningBaseInfo` in Lotus JSON.
pub fn base_info_json(i: &MinerBaseInfo) -> MiningBaseInfoJson {
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
        prev_beacon_entry: BeaconEntryJson::from(&i.prev_beacon_entry),
        beacon_entries: i.beacon_entries.iter().map(BeaconEntryJson::from).collect(),
        eligible_for_mining: i.eligible_for_mining,
    }
}

/// The mining base a node's `MiningBaseInfo` describes (its sector size must name a
/// WinningPoSt proof).
pub fn base_info_from_json(i: MiningBaseInfoJson) -> Result<MinerBaseInfo> {
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
        prev_beacon_entry: BeaconEntry::from(i.prev_beacon_entry),
        beacon_entries: i
            .beacon_entries
            .into_iter()
            .map(BeaconEntry::from)
            .collect(),
        eligible_for_mining: i.eligible_for_mining,
    })
}

/// `BlockTemplate` in Lotus JSON.
pub fn template_json(t: &BlockTemplate) -> BlockTemplateJson {
    BlockTemplateJson {
        miner: t.miner,
        parents: TipSetKeyJson(t.parents.clone()),
        ticket: Some(TicketJson::from(&t.ticket)),
        eproof: Some(ElectionProofJson::from(&t.eproof)),
        beacon_values: t.beacon_values.iter().map(BeaconEntryJson::from).collect(),
        messages: t.messages.iter().map(SignedMessageJson::from).collect(),
        epoch: t.epoch,
        timestamp: t.timestamp,
        winning_post_proof: t
            .winning_post_proof
            .iter()
            .map(PoStProofJson::from)
            .collect(),
    }
}

/// The template a `BlockTemplate` describes; it must have a ticket and an election
/// proof, and its messages valid signatures.
pub fn template_from_json(t: BlockTemplateJson) -> Result<BlockTemplate, String> {
    let ticket = t.ticket.ok_or("block template has no ticket")?;
    let eproof = t.eproof.ok_or("block template has no election proof")?;
    Ok(BlockTemplate {
        miner: t.miner,
        parents: t.parents.0,
        ticket: Ticket::from(ticket),
        eproof: ElectionProof::from(eproof),
        beacon_values: t.beacon_values.into_iter().map(BeaconEntry::from).collect(),
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
            .map(PoStProof::from)
            .collect(),
    })
}

/// `BlockMsg` in Lotus JSON: the header and its messages' CIDs.
pub fn block_msg_json(b: &FullBlock) -> BlockMsgJson {
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

#[cfg(test)]
mod tests {
    use super::*;
    use fvm_shared::address::Address;
    use fvm_shared::sector::RegisteredPoStProof;
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
        let v = serde_json::to_value(template_json(&t)).unwrap();
        assert_eq!(v["Eproof"]["WinCount"], 2);
        assert_eq!(v["BeaconValues"][0]["Round"], 7);
        assert_eq!(v["WinningPoStProof"][0]["PoStProof"], 0);
        let back: BlockTemplateJson = serde_json::from_value(v.clone()).unwrap();
        let back = template_from_json(back).unwrap();
        assert_eq!(back.epoch, 12);
        assert_eq!(back.eproof, t.eproof);
        let mut no_ticket = v;
        no_ticket["Ticket"] = serde_json::Value::Null;
        let parsed: BlockTemplateJson = serde_json::from_value(no_ticket).unwrap();
        assert!(template_from_json(parsed).is_err());
    }
}
