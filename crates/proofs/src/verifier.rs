//! The proof verifier interface the actors (seal, WindowPoSt) and consensus (WinningPoSt)
//! use, with a real implementation and a mock one for networks whose genesis declares
//! mock proofs.
//!
//! Inputs are plain Rust types, with proof types as Filecoin's registered-proof numbers,
//! so callers need not depend on the proofs library. An `Err` means the proof could not be
//! checked (unknown proof type, missing verifying key, malformed bytes): treat it as a
//! rejection.

use crate::post::{self, PublicSector};
use crate::seal::{self, prover_id};
use anyhow::Result;
use sha2::{Digest, Sha256};

/// The public inputs of a seal (PoRep) proof, and the proof.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SealVerifyInfo {
    /// Filecoin's registered seal proof number (5 = StackedDrg2KiBV1_1).
    pub seal_proof: i64,
    /// The miner's actor id (the prover).
    pub miner_id: u64,
    /// Sector number.
    pub sector_number: u64,
    /// Replica commitment.
    pub comm_r: [u8; 32],
    /// Data commitment.
    pub comm_d: [u8; 32],
    /// Sealing randomness (ticket).
    pub ticket: [u8; 32],
    /// Interactive randomness (seed).
    pub seed: [u8; 32],
    /// The proof bytes.
    pub proof: Vec<u8>,
}

/// The public inputs of a PoSt proof (winning or window), and the proof.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PoStVerifyInfo {
    /// Filecoin's registered PoSt proof number (0 = winning 2KiB, 10 = window 2KiB V1_1).
    pub post_proof: i64,
    /// The miner's actor id (the prover).
    pub miner_id: u64,
    /// PoSt randomness (its top bits are masked as Lotus does).
    pub randomness: [u8; 32],
    /// The challenged sectors: numbers and CommRs.
    pub sectors: Vec<(u64, [u8; 32])>,
    /// The proof bytes.
    pub proof: Vec<u8>,
}

impl PoStVerifyInfo {
    fn public_sectors(&self) -> Vec<PublicSector> {
        self.sectors
            .iter()
            .map(|(number, comm_r)| PublicSector {
                number: *number,
                comm_r: *comm_r,
            })
            .collect()
    }
}

/// Verifies Filecoin proofs.
pub trait ProofVerifier: Send + Sync {
    /// Verify a seal (PoRep) proof.
    fn verify_seal(&self, info: &SealVerifyInfo) -> Result<bool>;
    /// Verify a WinningPoSt proof.
    fn verify_winning_post(&self, info: &PoStVerifyInfo) -> Result<bool>;
    /// Verify a WindowPoSt proof.
    fn verify_window_post(&self, info: &PoStVerifyInfo) -> Result<bool>;
    /// Which of `eligible` sectors (indices into the sorted eligible list) a WinningPoSt proves.
    fn winning_post_sector_challenge(
        &self,
        post_proof: i64,
        miner_id: u64,
        randomness: [u8; 32],
        eligible: u64,
    ) -> Result<Vec<u64>>;
}

/// The recognisable start of every mock proof.
pub const MOCK_PROOF_PREFIX: &[u8; 16] = b"padma-mock-proof";

/// Whether `proof` is shaped like a padma mock proof.
pub fn is_mock_proof(proof: &[u8]) -> bool {
    proof.len() == MOCK_PROOF_PREFIX.len() + 32 && proof.starts_with(MOCK_PROOF_PREFIX)
}

/// Verifies real Groth16 proofs with the verifying keys in the parameter cache.
#[derive(Debug, Clone, Copy, Default)]
pub struct RealVerifier;

impl ProofVerifier for RealVerifier {
    fn verify_seal(&self, i: &SealVerifyInfo) -> Result<bool> {
        if is_mock_proof(&i.proof) {
            return Ok(false);
        }
        seal::verify_seal(
            i.seal_proof,
            i.comm_r,
            i.comm_d,
            prover_id(i.miner_id),
            i.sector_number,
            i.ticket,
            i.seed,
            &i.proof,
        )
    }

    fn verify_winning_post(&self, i: &PoStVerifyInfo) -> Result<bool> {
        if is_mock_proof(&i.proof) {
            return Ok(false);
        }
        post::verify_winning_post(
            i.post_proof,
            prover_id(i.miner_id),
            i.randomness,
            &i.public_sectors(),
            &i.proof,
        )
    }

    fn verify_window_post(&self, i: &PoStVerifyInfo) -> Result<bool> {
        // Mock WindowPoSts are 32 bytes; a real one is 192 bytes per partition.
        if is_mock_proof(&i.proof) || i.proof.len() == mock::WINDOW_POST_LEN {
            return Ok(false);
        }
        post::verify_window_post(
            i.post_proof,
            prover_id(i.miner_id),
            i.randomness,
            &i.public_sectors(),
            &i.proof,
        )
    }

    fn winning_post_sector_challenge(
        &self,
        post_proof: i64,
        miner_id: u64,
        randomness: [u8; 32],
        eligible: u64,
    ) -> Result<Vec<u64>> {
        post::winning_post_sector_challenge(post_proof, prover_id(miner_id), randomness, eligible)
    }
}

/// Accepts exactly the deterministic mock proofs of [`mock`], nothing else.
#[derive(Debug, Clone, Copy, Default)]
pub struct MockVerifier;

impl ProofVerifier for MockVerifier {
    fn verify_seal(&self, i: &SealVerifyInfo) -> Result<bool> {
        Ok(i.proof == mock::seal_proof(i))
    }

    fn verify_winning_post(&self, i: &PoStVerifyInfo) -> Result<bool> {
        Ok(i.proof == mock::winning_post_proof(i))
    }

    fn verify_window_post(&self, i: &PoStVerifyInfo) -> Result<bool> {
        Ok(i.proof == mock::window_post_proof(i)?)
    }

    fn winning_post_sector_challenge(
        &self,
        post_proof: i64,
        miner_id: u64,
        randomness: [u8; 32],
        eligible: u64,
    ) -> Result<Vec<u64>> {
        anyhow::ensure!(eligible > 0, "no eligible sectors");
        let d = mock::digest(
            b"winning-challenge",
            &[
                &post_proof.to_be_bytes(),
                &miner_id.to_be_bytes(),
                &randomness,
            ],
        );
        let mut n = [0u8; 8];
        n.copy_from_slice(&d[..8]);
        Ok(vec![u64::from_be_bytes(n) % eligible])
    }
}

/// Deterministic fake proofs: `MOCK_PROOF_PREFIX ‖ SHA-256(kind ‖ public inputs)`.
/// The `proof` field of the info passed in is ignored.
pub mod mock {
    use super::*;

    pub(super) fn digest(kind: &[u8], parts: &[&[u8]]) -> [u8; 32] {
        let mut h = Sha256::new();
        h.update(MOCK_PROOF_PREFIX);
        h.update((kind.len() as u64).to_be_bytes());
        h.update(kind);
        for p in parts {
            h.update((p.len() as u64).to_be_bytes());
            h.update(p);
        }
        h.finalize().into()
    }

    fn proof(d: [u8; 32]) -> Vec<u8> {
        let mut out = MOCK_PROOF_PREFIX.to_vec();
        out.extend_from_slice(&d);
        out
    }

    fn post_parts(kind: &[u8], i: &PoStVerifyInfo) -> Vec<u8> {
        let mut sectors = Vec::new();
        for (n, c) in &i.sectors {
            sectors.extend_from_slice(&n.to_be_bytes());
            sectors.extend_from_slice(c);
        }
        let r = post::post_randomness(i.randomness);
        proof(digest(
            kind,
            &[
                &i.post_proof.to_be_bytes(),
                &i.miner_id.to_be_bytes(),
                &r,
                &sectors,
            ],
        ))
    }

    /// The mock seal proof for these public inputs.
    pub fn seal_proof(i: &SealVerifyInfo) -> Vec<u8> {
        proof(digest(
            b"seal",
            &[
                &i.seal_proof.to_be_bytes(),
                &i.miner_id.to_be_bytes(),
                &i.sector_number.to_be_bytes(),
                &i.comm_r,
                &i.comm_d,
                &i.ticket,
                &i.seed,
            ],
        ))
    }

    /// The mock WinningPoSt proof for these public inputs.
    pub fn winning_post_proof(i: &PoStVerifyInfo) -> Vec<u8> {
        post_parts(b"winning-post", i)
    }

    /// The mock WindowPoSt proof for these public inputs: the one the official
    /// `testing-fake-proofs` actors accept, so a mock network proves the same way on
    /// either engine — SHA-256 of the randomness (top bits masked) followed by each
    /// challenged sector's CBOR `[seal proof, number, sealed CID]`. The seal proof is
    /// the one padma seals sectors of the PoSt type's size with. Not prefixed: it is
    /// exactly the 32 bytes those actors compare.
    pub fn window_post_proof(i: &PoStVerifyInfo) -> Result<Vec<u8>> {
        use fvm_shared::commcid::{
            commitment_to_cid, FIL_COMMITMENT_SEALED, POSEIDON_BLS12_381_A1_FC1,
        };
        let size = fvm_shared::sector::RegisteredPoStProof::from(i.post_proof)
            .sector_size()
            .map_err(|e| anyhow::anyhow!("PoSt proof type {}: {e}", i.post_proof))?;
        let seal = padma_types::sector::seal_proof_for_size(size as u64)?;
        let mut h = Sha256::new();
        h.update(post::post_randomness(i.randomness));
        for (number, comm_r) in &i.sectors {
            let sealed_cid =
                commitment_to_cid(FIL_COMMITMENT_SEALED, POSEIDON_BLS12_381_A1_FC1, comm_r)
                    .map_err(|e| anyhow::anyhow!("sealed CID of sector {number}: {e}"))?;
            let info = fvm_shared::sector::SectorInfo {
                proof: seal,
                sector_number: *number,
                sealed_cid,
            };
            h.update(fvm_ipld_encoding::to_vec(&info)?);
        }
        Ok(h.finalize().to_vec())
    }

    /// The length of a mock WindowPoSt.
    pub const WINDOW_POST_LEN: usize = 32;

    /// Deterministic fake commitments of a mock sector (no files involved).
    pub fn sector_commitments(
        seal_proof: i64,
        miner_id: u64,
        sector_number: u64,
    ) -> seal::SectorCommitments {
        let ids = [
            &seal_proof.to_be_bytes()[..],
            &miner_id.to_be_bytes(),
            &sector_number.to_be_bytes(),
        ];
        let mut comm_r = digest(b"comm-r", &ids);
        let mut comm_d = digest(b"comm-d", &ids);
        // Keep them valid BLS12-381 field elements, like real commitments.
        comm_r[31] &= 0x3f;
        comm_d[31] &= 0x3f;
        seal::SectorCommitments { comm_r, comm_d }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn seal_info() -> SealVerifyInfo {
        SealVerifyInfo {
            seal_proof: 5,
            miner_id: 1000,
            sector_number: 1,
            comm_r: [1; 32],
            comm_d: [2; 32],
            ticket: [3; 32],
            seed: [4; 32],
            proof: vec![],
        }
    }

    #[test]
    fn mock_seal_proofs_bind_every_input() {
        let mut i = seal_info();
        i.proof = mock::seal_proof(&i);
        assert!(is_mock_proof(&i.proof));
        assert!(MockVerifier.verify_seal(&i).expect("verify"));
        let mut j = i.clone();
        j.sector_number = 2;
        assert!(!MockVerifier.verify_seal(&j).expect("verify"));
        let mut k = i.clone();
        k.seed[0] ^= 1;
        assert!(!MockVerifier.verify_seal(&k).expect("verify"));
        let mut flipped = i.clone();
        flipped.proof[20] ^= 1;
        assert!(!MockVerifier.verify_seal(&flipped).expect("verify"));
        // A real verifier never accepts a mock proof.
        assert!(!RealVerifier.verify_seal(&i).expect("verify"));
    }

    #[test]
    fn mock_post_proofs_differ_by_kind_and_are_rejected_by_the_real_verifier() {
        let mut i = PoStVerifyInfo {
            post_proof: 0,
            miner_id: 1000,
            randomness: [9; 32],
            sectors: vec![(1, [5; 32])],
            proof: vec![],
        };
        i.proof = mock::winning_post_proof(&i);
        assert!(MockVerifier.verify_winning_post(&i).expect("verify"));
        assert!(!MockVerifier.verify_window_post(&i).expect("verify"));
        assert!(!RealVerifier.verify_winning_post(&i).expect("verify"));
        let mut w = PoStVerifyInfo {
            post_proof: 10,
            ..i.clone()
        };
        w.proof = mock::window_post_proof(&w).expect("mock proof");
        assert!(MockVerifier.verify_window_post(&w).expect("verify"));
        assert!(!RealVerifier.verify_window_post(&w).expect("verify"));
        let c = MockVerifier
            .winning_post_sector_challenge(0, 1000, [1; 32], 5)
            .expect("challenge");
        assert!(c[0] < 5);
    }

    #[test]
    fn mock_commitments_are_deterministic() {
        let a = mock::sector_commitments(5, 1000, 1);
        assert_eq!(a, mock::sector_commitments(5, 1000, 1));
        assert_ne!(a, mock::sector_commitments(5, 1000, 2));
    }
}
