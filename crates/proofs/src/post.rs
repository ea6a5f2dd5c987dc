//! WinningPoSt and WindowPoSt: challenges, proving over a miner's sectors, verification.

use crate::params::require_file;
use crate::seal::{Commitment, ProverId};
use crate::types::post_proof_from_number;
use anyhow::{ensure, Context, Result};
use filecoin_proofs_api::post as api;
use filecoin_proofs_api::{
    PoStType, PrivateReplicaInfo, PublicReplicaInfo, RegisteredPoStProof, SectorId,
};
use std::collections::BTreeMap;
use std::path::PathBuf;

/// A sector the prover holds: its number, CommR and files.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProvingSector {
    /// Sector number.
    pub number: u64,
    /// Replica commitment.
    pub comm_r: Commitment,
    /// The sealed replica file.
    pub sealed: PathBuf,
    /// The (finalized) cache directory.
    pub cache: PathBuf,
}

/// A challenged sector as a verifier sees it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct PublicSector {
    /// Sector number.
    pub number: u64,
    /// Replica commitment.
    pub comm_r: Commitment,
}

/// PoSt randomness made a valid field element, as Lotus does (`randomness[31] &= 0x3f`).
pub fn post_randomness(mut randomness: [u8; 32]) -> [u8; 32] {
    randomness[31] &= 0x3f;
    randomness
}

fn post_proof(n: i64, want: PoStType) -> Result<RegisteredPoStProof> {
    let p = post_proof_from_number(n)?;
    ensure!(
        p.typ() == want,
        "registered PoSt proof {n} is not a {want:?} PoSt proof"
    );
    Ok(p)
}

/// Number of WindowPoSt partitions needed for `sectors` sectors.
pub fn window_post_partitions(post: i64, sectors: usize) -> Result<usize> {
    let p = post_proof(post, PoStType::Window)?;
    api::get_num_partition_for_fallback_post(p, sectors).context("partition count")
}

/// Sectors challenged by one WinningPoSt (1 on every sector size).
pub fn winning_post_sector_count(post: i64) -> Result<u64> {
    Ok(post_proof(post, PoStType::Winning)?.sector_count() as u64)
}

/// Which of the miner's `eligible` sectors a WinningPoSt must prove: indices into the
/// eligible sector list (sorted by sector number), as Lotus's `GenerateWinningPoStSectorChallenge`.
pub fn winning_post_sector_challenge(
    post: i64,
    prover: ProverId,
    randomness: [u8; 32],
    eligible: u64,
) -> Result<Vec<u64>> {
    let p = post_proof(post, PoStType::Winning)?;
    ensure!(eligible > 0, "no eligible sectors");
    api::generate_winning_post_sector_challenge(p, &post_randomness(randomness), eligible, prover)
        .context("winning PoSt sector challenge")
}

/// The leaf challenges of each sector for a PoSt (what the vanilla proofs open).
pub fn fallback_sector_challenges(
    post: i64,
    prover: ProverId,
    randomness: [u8; 32],
    sectors: &[u64],
) -> Result<BTreeMap<u64, Vec<u64>>> {
    let p = post_proof_from_number(post)?;
    let ids: Vec<SectorId> = sectors.iter().map(|s| SectorId::from(*s)).collect();
    let out =
        api::generate_fallback_sector_challenges(p, &post_randomness(randomness), &ids, prover)
            .context("PoSt sector challenges")?;
    Ok(out.into_iter().map(|(id, c)| (u64::from(id), c)).collect())
}

fn require_params(p: RegisteredPoStProof) -> Result<()> {
    require_file(
        &format!("PoSt parameter file ({p:?})"),
        u64::from(p.sector_size()),
        || p.cache_params_path(),
    )
}

fn require_vk(p: RegisteredPoStProof) -> Result<()> {
    require_file(
        &format!("PoSt verifying key ({p:?})"),
        u64::from(p.sector_size()),
        || p.cache_verifying_key_path(),
    )
}

fn private_map(
    p: RegisteredPoStProof,
    sectors: &[ProvingSector],
) -> Result<BTreeMap<SectorId, PrivateReplicaInfo>> {
    ensure!(!sectors.is_empty(), "no sectors to prove");
    let mut map = BTreeMap::new();
    for s in sectors {
        ensure!(
            s.sealed.exists(),
            "sealed file {} of sector {} is missing",
            s.sealed.display(),
            s.number
        );
        ensure!(
            s.cache.is_dir(),
            "cache directory {} of sector {} is missing",
            s.cache.display(),
            s.number
        );
        let info = PrivateReplicaInfo::new(p, s.comm_r, s.cache.clone(), s.sealed.clone());
        map.insert(SectorId::from(s.number), info);
    }
    Ok(map)
}

fn public_map(
    p: RegisteredPoStProof,
    sectors: &[PublicSector],
) -> Result<BTreeMap<SectorId, PublicReplicaInfo>> {
    ensure!(!sectors.is_empty(), "no challenged sectors");
    Ok(sectors
        .iter()
        .map(|s| {
            (
                SectorId::from(s.number),
                PublicReplicaInfo::new(p, s.comm_r),
            )
        })
        .collect())
}

fn single_proof(mut out: Vec<(RegisteredPoStProof, Vec<u8>)>) -> Result<Vec<u8>> {
    ensure!(out.len() == 1, "expected one PoSt proof, got {}", out.len());
    Ok(out.remove(0).1)
}

/// Proves a PoSt of `kind`: the checks and maps both kinds share, then the API call.
fn generate(
    kind: PoStType,
    post: i64,
    prover: ProverId,
    randomness: [u8; 32],
    sectors: &[ProvingSector],
) -> Result<Vec<u8>> {
    let p = post_proof(post, kind.clone())?;
    require_params(p)?;
    let map = private_map(p, sectors)?;
    let r = post_randomness(randomness);
    let out = match kind {
        PoStType::Winning => api::generate_winning_post(&r, &map, prover).context("WinningPoSt")?,
        PoStType::Window => api::generate_window_post(&r, &map, prover).context("WindowPoSt")?,
    };
    single_proof(out)
}

/// Verifies a PoSt of `kind`. `Ok(false)` or an error both mean invalid.
fn verify(
    kind: PoStType,
    post: i64,
    prover: ProverId,
    randomness: [u8; 32],
    sectors: &[PublicSector],
    proof: &[u8],
) -> Result<bool> {
    let p = post_proof(post, kind.clone())?;
    ensure!(!proof.is_empty(), "empty {kind:?} PoSt proof");
    require_vk(p)?;
    let map = public_map(p, sectors)?;
    let r = post_randomness(randomness);
    match kind {
        PoStType::Winning => {
            api::verify_winning_post(&r, proof, &map, prover).context("verify WinningPoSt")
        }
        PoStType::Window => {
            api::verify_window_post(&r, &[(p, proof)], &map, prover).context("verify WindowPoSt")
        }
    }
}

/// Prove a WinningPoSt over the challenged sectors (seconds of CPU).
pub fn generate_winning_post(
    post: i64,
    prover: ProverId,
    randomness: [u8; 32],
    sectors: &[ProvingSector],
) -> Result<Vec<u8>> {
    generate(PoStType::Winning, post, prover, randomness, sectors)
}

/// How long one WinningPoSt over `sector` takes on this machine: a first proof loads
/// the parameters, the second is the figure (what every later block costs).
pub fn time_winning_post(
    post: i64,
    miner_id: u64,
    sector: &ProvingSector,
) -> Result<std::time::Duration> {
    let prover = crate::seal::prover_id(miner_id);
    let sectors = std::slice::from_ref(sector);
    generate_winning_post(post, prover, [1; 32], sectors)?;
    let started = std::time::Instant::now();
    generate_winning_post(post, prover, [2; 32], sectors)?;
    Ok(started.elapsed())
}

/// Verify a WinningPoSt. `Ok(false)` or an error both mean the proof is not valid.
pub fn verify_winning_post(
    post: i64,
    prover: ProverId,
    randomness: [u8; 32],
    sectors: &[PublicSector],
    proof: &[u8],
) -> Result<bool> {
    verify(PoStType::Winning, post, prover, randomness, sectors, proof)
}

/// Prove a WindowPoSt over `sectors` (all partitions, concatenated as Lotus submits them).
pub fn generate_window_post(
    post: i64,
    prover: ProverId,
    randomness: [u8; 32],
    sectors: &[ProvingSector],
) -> Result<Vec<u8>> {
    generate(PoStType::Window, post, prover, randomness, sectors)
}

/// Verify a WindowPoSt over the challenged sectors. `Ok(false)` or an error both mean invalid.
pub fn verify_window_post(
    post: i64,
    prover: ProverId,
    randomness: [u8; 32],
    sectors: &[PublicSector],
    proof: &[u8],
) -> Result<bool> {
    verify(PoStType::Window, post, prover, randomness, sectors, proof)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn partition_sizes_come_from_the_proof_type() {
        // The library partitions as the chain does (padma_types::sector).
        for size in padma_types::sector::SECTOR_SIZES {
            let library = crate::types::library_window_post(size).expect("window type");
            assert_eq!(
                library.sector_count() as u64,
                padma_types::sector::window_post_partition_sectors(size).expect("partition"),
                "{size}"
            );
        }
        assert_eq!(window_post_partitions(10, 1).expect("1"), 1);
        assert_eq!(window_post_partitions(10, 3).expect("3"), 2);
        assert_eq!(winning_post_sector_count(0).expect("winning"), 1);
        assert!(
            window_post_partitions(0, 1).is_err(),
            "winning type is not a window type"
        );
    }

    #[test]
    fn winning_challenge_is_deterministic_and_in_range() {
        let prover = crate::seal::prover_id(1000);
        let r = [7u8; 32];
        let a = winning_post_sector_challenge(0, prover, r, 10).expect("challenge");
        assert_eq!(
            a,
            winning_post_sector_challenge(0, prover, r, 10).expect("again")
        );
        assert_eq!(a.len(), 1);
        assert!(a[0] < 10);
    }
}
