//! Sealing: add piece, PreCommit1/2, Commit1/2, verify, finalize, and faux replication.
//!
//! All functions here are synchronous and CPU-heavy (Commit2 takes over a minute even for
//! 2KiB); call them through [`crate::tasks`] from async code.

use crate::params::require_file;
use crate::types::seal_proof_from_number;
use anyhow::{ensure, Context, Result};
use filecoin_proofs_api::seal::{
    self as api, SealCommitPhase1Output, SealPreCommitPhase1Output, SealPreCommitPhase2Output,
};
use filecoin_proofs_api::{RegisteredSealProof, SectorId, UnpaddedBytesAmount};
use serde::{Deserialize, Serialize};
use std::io::Read;
use std::path::{Path, PathBuf};

/// A 32-byte commitment (CommR, CommD, CommP).
pub type Commitment = [u8; 32];
/// The 32-byte prover id the proofs bind to (see [`prover_id`]).
pub type ProverId = [u8; 32];

/// The prover id of a miner actor, as Lotus derives it: the payload of the miner's ID
/// address (the LEB128 varint of the actor id), zero-padded to 32 bytes.
pub fn prover_id(miner_actor_id: u64) -> ProverId {
    // A u64 takes at most 10 varint bytes, well within the 32.
    let mut out = [0u8; 32];
    let mut v = miner_actor_id;
    for slot in out.iter_mut() {
        let byte = (v & 0x7f) as u8;
        v >>= 7;
        if v == 0 {
            *slot = byte;
            break;
        }
        *slot = byte | 0x80;
    }
    out
}

/// A piece in a sector: its padded size and piece commitment (CommP).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Piece {
    /// Padded size in bytes (a power of two).
    pub padded_size: u64,
    /// Piece commitment.
    pub comm_p: Commitment,
}

impl Piece {
    fn to_api(self) -> Result<filecoin_proofs_api::PieceInfo> {
        let unpadded = self.padded_size - self.padded_size / 128;
        filecoin_proofs_api::PieceInfo::new(self.comm_p, UnpaddedBytesAmount(unpadded))
    }
}

fn to_api_pieces(pieces: &[Piece]) -> Result<Vec<filecoin_proofs_api::PieceInfo>> {
    pieces.iter().map(|p| p.to_api()).collect()
}

/// The files of one sector, in Lotus's layout (`unsealed/`, `sealed/`, `cache/` under a root,
/// each named `s-t0<miner>-<number>`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SectorPaths {
    /// The unsealed (staged) data file.
    pub unsealed: PathBuf,
    /// The sealed replica file.
    pub sealed: PathBuf,
    /// The cache directory (trees, `p_aux`, `t_aux`).
    pub cache: PathBuf,
}

impl SectorPaths {
    /// Paths of sector `number` of miner `miner_id` under `root`.
    pub fn new(root: &Path, miner_id: u64, number: u64) -> Self {
        let name = sector_name(miner_id, number);
        SectorPaths {
            unsealed: root.join("unsealed").join(&name),
            sealed: root.join("sealed").join(&name),
            cache: root.join("cache").join(&name),
        }
    }

    /// Create the cache directory and an empty sealed file (with its directory).
    pub fn prepare(&self) -> Result<()> {
        if let Some(d) = self.sealed.parent() {
            std::fs::create_dir_all(d).with_context(|| format!("creating {}", d.display()))?;
        }
        std::fs::create_dir_all(&self.cache)
            .with_context(|| format!("creating {}", self.cache.display()))?;
        if !self.sealed.exists() {
            std::fs::File::create(&self.sealed)
                .with_context(|| format!("creating {}", self.sealed.display()))?;
        }
        Ok(())
    }
}

/// Lotus's sector file name: `s-t0<miner>-<number>`.
pub fn sector_name(miner_id: u64, number: u64) -> String {
    format!("s-t0{miner_id}-{number}")
}

/// The commitments PreCommit2 produces.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct SectorCommitments {
    /// Replica commitment.
    pub comm_r: Commitment,
    /// Data commitment.
    pub comm_d: Commitment,
}

/// Output of PreCommit1 (the SDR labels' description), serialisable to persist between steps.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct PreCommit1Output(SealPreCommitPhase1Output);

/// Output of Commit1 (the vanilla proofs), serialisable to hand to a Commit2 worker.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Commit1Output(SealCommitPhase1Output);

fn seal_proof(n: i64) -> Result<RegisteredSealProof> {
    seal_proof_from_number(n)
}

/// Unpadded bytes of a sector of this seal proof type (2032 for 2KiB).
pub fn unpadded_sector_size(seal: i64) -> Result<u64> {
    let size = u64::from(seal_proof(seal)?.sector_size());
    Ok(size - size / 128)
}

/// Append `size` unpadded bytes from `data` to the unsealed file as a piece, after the
/// pieces already in it (`existing`, their unpadded sizes), and return its commitment.
pub fn add_piece(
    seal: i64,
    data: impl Read,
    size: u64,
    unsealed: &Path,
    existing: &[u64],
) -> Result<Piece> {
    let proof = seal_proof(seal)?;
    if let Some(d) = unsealed.parent() {
        std::fs::create_dir_all(d).with_context(|| format!("creating {}", d.display()))?;
    }
    let file = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(unsealed)
        .with_context(|| format!("opening {}", unsealed.display()))?;
    let lengths: Vec<_> = existing.iter().map(|l| UnpaddedBytesAmount(*l)).collect();
    let (info, _) = api::add_piece(proof, data, file, UnpaddedBytesAmount(size), &lengths)
        .context("add piece")?;
    Ok(Piece {
        padded_size: size + size / 127,
        comm_p: info.commitment,
    })
}

/// Fill the unsealed file with zeros: a committed-capacity sector.
pub fn add_cc_piece(seal: i64, unsealed: &Path) -> Result<Piece> {
    let size = unpadded_sector_size(seal)?;
    add_piece(seal, std::io::repeat(0).take(size), size, unsealed, &[])
}

/// CommD of a sector holding `pieces` (an empty list gives the all-zero sector's CommD).
pub fn compute_comm_d(seal: i64, pieces: &[Piece]) -> Result<Commitment> {
    api::compute_comm_d(seal_proof(seal)?, &to_api_pieces(pieces)?).context("compute CommD")
}

/// PreCommit1: SDR labelling of the sector (copies unsealed data to the sealed file).
pub fn pre_commit1(
    seal: i64,
    paths: &SectorPaths,
    prover: ProverId,
    sector: u64,
    ticket: [u8; 32],
    pieces: &[Piece],
) -> Result<PreCommit1Output> {
    paths.prepare()?;
    let out = api::seal_pre_commit_phase1(
        seal_proof(seal)?,
        &paths.cache,
        &paths.unsealed,
        &paths.sealed,
        prover,
        SectorId::from(sector),
        ticket,
        &to_api_pieces(pieces)?,
    )
    .context("PreCommit1")?;
    Ok(PreCommit1Output(out))
}

/// PreCommit2: encode the replica and build the trees; returns CommR and CommD.
pub fn pre_commit2(pc1: PreCommit1Output, paths: &SectorPaths) -> Result<SectorCommitments> {
    let out =
        api::seal_pre_commit_phase2(pc1.0, &paths.cache, &paths.sealed).context("PreCommit2")?;
    Ok(SectorCommitments {
        comm_r: out.comm_r,
        comm_d: out.comm_d,
    })
}

/// Commit1: the vanilla proofs for the interactive seed.
#[allow(clippy::too_many_arguments)]
pub fn commit1(
    seal: i64,
    paths: &SectorPaths,
    prover: ProverId,
    sector: u64,
    ticket: [u8; 32],
    seed: [u8; 32],
    commitments: SectorCommitments,
    pieces: &[Piece],
) -> Result<Commit1Output> {
    let pc2 = SealPreCommitPhase2Output {
        registered_proof: seal_proof(seal)?,
        comm_r: commitments.comm_r,
        comm_d: commitments.comm_d,
    };
    let out = api::seal_commit_phase1(
        &paths.cache,
        &paths.sealed,
        prover,
        SectorId::from(sector),
        ticket,
        seed,
        pc2,
        &to_api_pieces(pieces)?,
    )
    .context("Commit1")?;
    Ok(Commit1Output(out))
}

/// Commit2: the Groth16 seal proof (needs the PoRep `.params`; minutes of CPU).
pub fn commit2(c1: Commit1Output, prover: ProverId, sector: u64) -> Result<Vec<u8>> {
    let p = c1.0.registered_proof;
    require_file(
        &format!("PoRep parameter file ({p:?})"),
        u64::from(p.sector_size()),
        || p.cache_params_path(),
    )?;
    let out = api::seal_commit_phase2(c1.0, prover, SectorId::from(sector)).context("Commit2")?;
    Ok(out.proof)
}

/// Verify a seal proof. `Ok(false)` or an error both mean the proof is not valid.
#[allow(clippy::too_many_arguments)]
pub fn verify_seal(
    seal: i64,
    comm_r: Commitment,
    comm_d: Commitment,
    prover: ProverId,
    sector: u64,
    ticket: [u8; 32],
    seed: [u8; 32],
    proof: &[u8],
) -> Result<bool> {
    let p = seal_proof(seal)?;
    ensure!(!proof.is_empty(), "empty seal proof");
    require_file(
        &format!("PoRep verifying key ({p:?})"),
        u64::from(p.sector_size()),
        || p.cache_verifying_key_path(),
    )?;
    api::verify_seal(
        p,
        comm_r,
        comm_d,
        prover,
        SectorId::from(sector),
        ticket,
        seed,
        proof,
    )
    .context("verify seal")
}

/// Finalize: drop the layers and trees the sector no longer needs, keeping what PoSt
/// reads (`p_aux`, `t_aux`, the tree-r-last files).
pub fn finalize(paths: &SectorPaths) -> Result<()> {
    api::clear_cache(&paths.cache).context("clear cache")
}

/// Remove the unsealed copy of a sealed sector (as Lotus's pre-seal does).
pub fn remove_unsealed(paths: &SectorPaths) -> Result<()> {
    match std::fs::remove_file(&paths.unsealed) {
        Err(e) if e.kind() != std::io::ErrorKind::NotFound => {
            Err(e).with_context(|| format!("removing {}", paths.unsealed.display()))
        }
        _ => Ok(()),
    }
}

/// Faux replication: a fake replica and cache that real PoSt can prove over, built in
/// milliseconds without PoRep parameters. Returns CommR (CommD is that of an empty sector).
pub fn fauxrep(seal: i64, paths: &SectorPaths) -> Result<SectorCommitments> {
    let proof = seal_proof(seal)?;
    paths.prepare()?;
    let comm_r = api::fauxrep(proof, &paths.cache, &paths.sealed).context("fauxrep")?;
    let comm_d = compute_comm_d(seal, &[])?;
    Ok(SectorCommitments { comm_r, comm_d })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prover_id_is_the_id_address_payload() {
        assert_eq!(&prover_id(1000)[..3], &[0xe8, 0x07, 0]);
        assert_eq!(prover_id(0), [0u8; 32]);
        assert_eq!(&prover_id(5)[..2], &[5, 0]);
        let max = prover_id(u64::MAX);
        assert_eq!(max[9], 1);
        assert_eq!(max[10], 0);
    }

    #[test]
    fn sector_paths_follow_lotus() {
        let p = SectorPaths::new(Path::new("/x"), 1000, 3);
        assert_eq!(p.sealed, Path::new("/x/sealed/s-t01000-3"));
        assert_eq!(p.cache, Path::new("/x/cache/s-t01000-3"));
        assert_eq!(p.unsealed, Path::new("/x/unsealed/s-t01000-3"));
    }

    #[test]
    fn empty_sector_comm_d_is_the_zero_piece_commitment() {
        // CommD of an all-zero 2KiB sector equals the CommP of 2032 zero bytes.
        let dir = tempfile::tempdir().expect("tempdir");
        let unsealed = dir.path().join("u");
        let piece = add_cc_piece(5, &unsealed).expect("cc piece");
        assert_eq!(piece.padded_size, 2048);
        assert_eq!(compute_comm_d(5, &[]).expect("comm d"), piece.comm_p);
        assert_eq!(compute_comm_d(5, &[piece]).expect("comm d"), piece.comm_p);
        assert_eq!(std::fs::metadata(&unsealed).expect("file").len(), 2048);
    }
}
