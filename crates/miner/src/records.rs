//! The miner's records of its pre-sealed genesis sectors in the repo's metadata:
//! one JSON [`SectorRecord`] under `sectors/<number>` per sector, and the next sector
//! number past them under `storage/nextid`. `init` writes them from the pre-seal
//! manifest; the sector methods of the miner API read them.

use crate::repo::MinerRepo;
use anyhow::{anyhow, Context, Result};
use fvm_shared::address::Address;
use padma_store::Store;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::path::Path;

/// Metadata key prefix of the miner's sector records (`sectors/<number>`).
pub const SECTOR_KEY_PREFIX: &str = "sectors/";
/// Metadata key of the next sector number to allocate.
pub const NEXT_SECTOR_KEY: &str = "storage/nextid";

/// A miner sector record in the miner's store (`sectors/<n>`, JSON).
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "PascalCase")]
pub struct SectorRecord {
    /// Sector number.
    pub sector_number: u64,
    /// Lotus sector state name (`Proving` for pre-sealed sectors).
    pub state: String,
    /// Registered seal proof.
    pub seal_proof: i64,
    /// Sealed CID.
    #[serde(rename = "CommR")]
    pub comm_r: String,
    /// Unsealed CID.
    #[serde(rename = "CommD")]
    pub comm_d: String,
    /// Whether the sector was pre-sealed for genesis.
    pub pre_sealed: bool,
}

/// Imports the pre-seal manifest of `maddr`: each sector recorded as `Proving`, and
/// the next sector number past them.
pub fn import_pre_seals(repo: &MinerRepo, manifest: &Path, maddr: &Address) -> Result<usize> {
    let text = std::fs::read(manifest)
        .with_context(|| format!("reading the pre-seal manifest {}", manifest.display()))?;
    let m: padma_seed::manifest::PreSealManifest = serde_json::from_slice(&text)
        .with_context(|| format!("parsing the pre-seal manifest {}", manifest.display()))?;
    let entry = m
        .iter()
        .find(|(k, _)| padma_types::address::parse_address(k).ok().as_ref() == Some(maddr))
        .map(|(_, v)| v)
        .ok_or_else(|| {
            anyhow!(
                "the pre-seal manifest {} has no entry for {maddr}",
                manifest.display()
            )
        })?;
    let mut next = 0u64;
    let mut changes = Vec::new();
    for s in &entry.sectors {
        let rec = SectorRecord {
            sector_number: s.sector_id,
            state: "Proving".into(),
            seal_proof: s.proof_type,
            comm_r: s.comm_r.0.to_string(),
            comm_d: s.comm_d.0.to_string(),
            pre_sealed: true,
        };
        changes.push((
            padma_store::COL_META,
            format!("{SECTOR_KEY_PREFIX}{}", s.sector_id).into_bytes(),
            Some(serde_json::to_vec(&rec)?),
        ));
        next = next.max(s.sector_id + 1);
    }
    changes.push((
        padma_store::COL_META,
        NEXT_SECTOR_KEY.as_bytes().to_vec(),
        Some(next.to_string().into_bytes()),
    ));
    repo.store.commit(changes)?;
    Ok(entry.sectors.len())
}

/// Whether pre-sealed sectors were imported (a genesis miner's repo).
pub fn has_pre_sealed(store: &Store) -> Result<bool> {
    Ok(store.get_meta(NEXT_SECTOR_KEY)?.is_some())
}

/// The pre-sealed sectors' records, by sector number.
pub fn pre_sealed(store: &Store) -> Result<BTreeMap<u64, SectorRecord>> {
    let next: u64 = match store.get_meta(NEXT_SECTOR_KEY)? {
        Some(b) => String::from_utf8_lossy(&b).trim().parse().unwrap_or(0),
        None => 0,
    };
    let mut out = BTreeMap::new();
    for n in 0..next.min(1 << 20) {
        if let Some(b) = store.get_meta(&format!("{SECTOR_KEY_PREFIX}{n}"))? {
            out.insert(n, serde_json::from_slice(&b)?);
        }
    }
    Ok(out)
}
