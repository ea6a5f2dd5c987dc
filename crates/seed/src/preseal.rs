//! `padma-seed pre-seal`: seal (or faux-replicate) genesis sectors and write Lotus's files.

use crate::manifest::{DealProposal, GenesisMiner, LocalStorageMeta, PreSeal, PreSealManifest};
use anyhow::{bail, Context, Result};
use fvm_shared::address::{Address, Network};
use fvm_shared::commcid::{data_commitment_v1_to_cid, replica_commitment_v1_to_cid};
use fvm_shared::econ::TokenAmount;
use padma_proofs::seal::{self, SectorCommitments, SectorPaths};
use padma_types::crypto::{KeyInfo, KeyType};
use padma_types::json::{key_from_lotus_text, key_to_lotus_hex, CidJson, KeyInfoJson};
use rand::RngCore;
use std::path::{Path, PathBuf};

/// What to pre-seal.
#[derive(Debug, Clone)]
pub struct PreSealOptions {
    /// The future miner actor address (an ID address, e.g. `t01000`).
    pub miner_addr: String,
    /// Sector size in bytes.
    pub sector_size: u64,
    /// Number of sectors.
    pub num_sectors: u64,
    /// First sector number.
    pub sector_offset: u64,
    /// Where the sectors and manifests go.
    pub sector_dir: PathBuf,
    /// Owner/worker key file (hex KeyInfo or KeyInfo JSON); generated when absent.
    pub key_file: Option<PathBuf>,
    /// Build sectors by faux replication instead of sealing them.
    pub fake_sectors: bool,
    /// Preimage of the sealing ticket (its BLAKE2b-256 is the ticket).
    pub ticket_preimage: String,
}

/// What [`pre_seal`] wrote.
#[derive(Debug, Clone)]
pub struct PreSealOutput {
    /// `pre-seal-<maddr>.json`.
    pub manifest: PathBuf,
    /// `pre-seal-<maddr>.key`.
    pub key: PathBuf,
}

/// Pre-seal the sectors and write `pre-seal-<maddr>.json`, `pre-seal-<maddr>.key`,
/// `sectorstore.json` and the `sealed/`, `cache/` sector files under `sector_dir`.
pub fn pre_seal(opts: &PreSealOptions) -> Result<PreSealOutput> {
    let maddr = padma_types::address::parse_address(&opts.miner_addr)
        .map_err(|e| anyhow::anyhow!("--miner-addr: {e}"))?;
    let miner_id = maddr.id().map_err(|_| {
        anyhow::anyhow!(
            "--miner-addr {} is not an ID address (t0…)",
            opts.miner_addr
        )
    })?;
    padma_types::address::set_network(if opts.miner_addr.starts_with('f') {
        Network::Mainnet
    } else {
        Network::Testnet
    });
    let seal_proof = i64::from(padma_types::sector::seal_proof_for_size(opts.sector_size)?);
    if opts.num_sectors == 0 {
        bail!("--num-sectors must be at least 1");
    }
    let key = load_or_generate_key(opts.key_file.as_deref())?;
    let key_addr = key.address().context("deriving the key's address")?;
    std::fs::create_dir_all(&opts.sector_dir)
        .with_context(|| format!("creating {}", opts.sector_dir.display()))?;
    let mut ticket = [0u8; 32];
    ticket.copy_from_slice(
        blake2b_simd::Params::new()
            .hash_length(32)
            .hash(opts.ticket_preimage.as_bytes())
            .as_bytes(),
    );

    let mut sectors = Vec::new();
    for i in 0..opts.num_sectors {
        let number = opts.sector_offset + i;
        let paths = SectorPaths::new(&opts.sector_dir, miner_id, number);
        let comms = if opts.fake_sectors {
            seal::fauxrep(seal_proof, &paths)
                .with_context(|| format!("fauxrep of sector {number}"))?
        } else {
            seal_one(seal_proof, miner_id, number, &paths, ticket)
                .with_context(|| format!("sealing sector {number}"))?
        };
        eprintln!(
            "sector {number}: CommR {} CommD {}",
            hex::encode(comms.comm_r),
            hex::encode(comms.comm_d)
        );
        sectors.push(preseal_entry(
            &maddr,
            &key,
            &key_addr,
            seal_proof,
            opts.sector_size,
            number,
            i,
            comms,
        )?);
    }

    let miner = GenesisMiner {
        id: maddr,
        owner: key_addr,
        worker: key_addr,
        peer_id: random_peer_id(),
        market_balance: TokenAmount::default(),
        power_balance: TokenAmount::default(),
        sector_size: opts.sector_size,
        sectors,
    };
    let manifest: PreSealManifest = [(maddr.to_string(), miner)].into_iter().collect();
    let manifest_path = opts.sector_dir.join(format!("pre-seal-{maddr}.json"));
    write(
        &manifest_path,
        serde_json::to_string_pretty(&manifest)?.as_bytes(),
    )?;
    let key_path = opts.sector_dir.join(format!("pre-seal-{maddr}.key"));
    write(&key_path, key_to_lotus_hex(&key).as_bytes())?;
    let meta = LocalStorageMeta {
        id: uuid::Uuid::new_v4().to_string(),
        weight: 0,
        can_seal: false,
        can_store: false,
        max_storage: 0,
        groups: None,
        allow_to: None,
        allow_types: None,
        deny_types: None,
    };
    write(
        &opts.sector_dir.join("sectorstore.json"),
        serde_json::to_string_pretty(&meta)?.as_bytes(),
    )?;
    Ok(PreSealOutput {
        manifest: manifest_path,
        key: key_path,
    })
}

/// Seal one sector for real as Lotus's pre-seal does: random data, PC1, PC2, finalize,
/// drop the unsealed copy. (Genesis sectors need no Commit proof.)
fn seal_one(
    seal_proof: i64,
    miner_id: u64,
    number: u64,
    paths: &SectorPaths,
    ticket: [u8; 32],
) -> Result<SectorCommitments> {
    paths.prepare()?;
    let size = seal::unpadded_sector_size(seal_proof)?;
    let mut data = vec![0u8; size as usize];
    rand::thread_rng().fill_bytes(&mut data);
    let _ = std::fs::remove_file(&paths.unsealed);
    let piece = seal::add_piece(seal_proof, &data[..], size, &paths.unsealed, &[])?;
    let prover = seal::prover_id(miner_id);
    let pc1 = seal::pre_commit1(seal_proof, paths, prover, number, ticket, &[piece])?;
    let comms = seal::pre_commit2(pc1, paths)?;
    seal::finalize(paths)?;
    seal::remove_unsealed(paths)?;
    Ok(comms)
}

#[allow(clippy::too_many_arguments)]
fn preseal_entry(
    maddr: &Address,
    key: &KeyInfo,
    key_addr: &Address,
    seal_proof: i64,
    sector_size: u64,
    number: u64,
    index: u64,
    comms: SectorCommitments,
) -> Result<PreSeal> {
    let comm_d =
        data_commitment_v1_to_cid(&comms.comm_d).map_err(|e| anyhow::anyhow!("CommD CID: {e}"))?;
    let comm_r = replica_commitment_v1_to_cid(&comms.comm_r)
        .map_err(|e| anyhow::anyhow!("CommR CID: {e}"))?;
    Ok(PreSeal {
        comm_r: CidJson(comm_r),
        comm_d: CidJson(comm_d),
        sector_id: number,
        deal: DealProposal {
            piece_cid: CidJson(comm_d),
            piece_size: sector_size,
            verified_deal: false,
            client: *key_addr,
            provider: *maddr,
            label: index.to_string(),
            start_epoch: 0,
            end_epoch: 9001,
            storage_price_per_epoch: TokenAmount::default(),
            provider_collateral: TokenAmount::default(),
            client_collateral: TokenAmount::default(),
        },
        deal_client_key: KeyInfoJson::from(key),
        proof_type: seal_proof,
    })
}

fn load_or_generate_key(file: Option<&Path>) -> Result<KeyInfo> {
    match file {
        None => Ok(KeyInfo::generate(KeyType::Bls)),
        Some(f) => {
            let text = std::fs::read_to_string(f)
                .with_context(|| format!("reading key file {}", f.display()))?;
            key_from_lotus_text(&text).map_err(|e| anyhow::anyhow!("key file {}: {e}", f.display()))
        }
    }
}

fn write(path: &Path, bytes: &[u8]) -> Result<()> {
    std::fs::write(path, bytes).with_context(|| format!("writing {}", path.display()))
}

/// A dummy libp2p peer id, as Lotus's pre-seal makes: the identity multihash of a
/// protobuf-encoded Ed25519 public key (here random bytes), base58btc (`12D3KooW…`).
pub fn random_peer_id() -> String {
    let mut key = [0u8; 32];
    rand::thread_rng().fill_bytes(&mut key);
    let mut bytes = vec![0x00, 36, 0x08, 0x01, 0x12, 32];
    bytes.extend_from_slice(&key);
    base58(&bytes)
}

fn base58(input: &[u8]) -> String {
    const ALPHABET: &[u8; 58] = b"123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz";
    let mut digits: Vec<u8> = Vec::new();
    for &byte in input {
        let mut carry = byte as u32;
        for d in digits.iter_mut() {
            carry += (*d as u32) << 8;
            *d = (carry % 58) as u8;
            carry /= 58;
        }
        while carry > 0 {
            digits.push((carry % 58) as u8);
            carry /= 58;
        }
    }
    let zeros = input.iter().take_while(|b| **b == 0).count();
    std::iter::repeat_n(b'1', zeros)
        .chain(
            digits
                .iter()
                .rev()
                .filter_map(|d| ALPHABET.get(usize::from(*d)).copied()),
        )
        .map(char::from)
        .collect()
}

/// How long one WinningPoSt over the first sector of a pre-seal manifest (`{maddr:
/// Miner}`, its sectors under `sector_dir`) takes on this machine, for choosing a
/// block time the machine can sustain.
pub fn time_winning_post(sector_dir: &Path, manifest: &[u8]) -> Result<std::time::Duration> {
    let miners: PreSealManifest =
        serde_json::from_slice(manifest).context("reading the pre-seal manifest")?;
    let miner = miners
        .values()
        .next()
        .ok_or_else(|| anyhow::anyhow!("the pre-seal manifest has no miner"))?;
    let miner_id = miner
        .id
        .id()
        .context("the pre-sealed miner is not an ID address")?;
    let sector = miner
        .sectors
        .first()
        .ok_or_else(|| anyhow::anyhow!("the pre-seal manifest has no sector"))?;
    let paths = SectorPaths::new(sector_dir, miner_id, sector.sector_id);
    let proving = padma_proofs::post::ProvingSector {
        number: sector.sector_id,
        comm_r: padma_types::cid::commitment(&sector.comm_r.0).map_err(anyhow::Error::msg)?,
        sealed: paths.sealed,
        cache: paths.cache,
    };
    let post = i64::from(padma_types::sector::winning_post_for_size(
        miner.sector_size,
    )?);
    padma_proofs::post::time_winning_post(post, miner_id, &proving)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base58_matches_known_vectors() {
        assert_eq!(base58(b"hello world"), "StV1DL6CwTryKyV");
        assert_eq!(base58(&[0, 0, 1]), "112");
        assert!(random_peer_id().starts_with("12D3KooW"));
    }
}
