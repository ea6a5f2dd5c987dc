//! Genesis miners with fake pre-sealed sectors: deterministic commitments and one
//! zero-price deal per sector, for networks that declare mock proofs (and tests).

use super::template::{DealProposalJson, Miner, PreSeal};
use anyhow::{anyhow, Result};
use fvm_shared::address::Address;
use fvm_shared::commcid::{data_commitment_v1_to_cid, replica_commitment_v1_to_cid};
use fvm_shared::econ::TokenAmount;
use padma_types::cid::blake2b_256;
use padma_types::crypto::KeyInfo;
use padma_types::json::{CidJson, KeyInfoJson};
use padma_types::sector::seal_proof_for_size;

/// Miner `id` owned and worked by `owner_key` (a BLS key), with `count` fake sectors
/// of `sector_size` whose deals last until `deal_end`.
pub fn fake_miner(
    id: u64,
    owner_key: &KeyInfo,
    sector_size: u64,
    count: u64,
    deal_end: i64,
) -> Result<Miner> {
    let owner = owner_key.address()?;
    let maddr = Address::new_id(id);
    let proof_type = i64::from(seal_proof_for_size(sector_size)?);
    let sectors = (0..count)
        .map(|i| {
            let seed =
                |kind: &str| blake2b_256(format!("padma fake sector {kind} {id} {i}").as_bytes());
            let comm_d = data_commitment_v1_to_cid(&seed("d")).map_err(|e| anyhow!(e))?;
            let comm_r = replica_commitment_v1_to_cid(&seed("r")).map_err(|e| anyhow!(e))?;
            Ok(PreSeal {
                comm_r: CidJson(comm_r),
                comm_d: CidJson(comm_d),
                sector_id: i,
                deal: DealProposalJson {
                    piece_cid: CidJson(comm_d),
                    piece_size: sector_size,
                    verified_deal: false,
                    client: owner,
                    provider: maddr,
                    label: i.to_string(),
                    start_epoch: 0,
                    end_epoch: deal_end,
                    storage_price_per_epoch: TokenAmount::default(),
                    provider_collateral: TokenAmount::default(),
                    client_collateral: TokenAmount::default(),
                },
                deal_client_key: KeyInfoJson::from(owner_key),
                proof_type,
            })
        })
        .collect::<Result<Vec<_>>>()?;
    Ok(Miner {
        id: maddr,
        owner,
        worker: owner,
        peer_id: "12D3KooWGzxzKZYveHXtpG6AsrUJBcWxHBFS2HsEoGTxrMLvKXtf".into(),
        market_balance: TokenAmount::default(),
        power_balance: TokenAmount::default(),
        sector_size,
        sectors,
    })
}
