//! The Groth16 circuits of one sector size, and deterministic local parameter generation.
//!
//! Generation follows the proofs crates' own path (the one their `paramcache` tool takes):
//! build the public parameters for the proof type, take the compound proof's blank circuit
//! and run `bellperson::groth16::generate_random_parameters` on it, but with padma's
//! seeded RNG instead of the OS RNG, and writing the files ourselves (atomically).

use anyhow::{bail, Result};
use bellperson::groth16::{generate_random_parameters, Parameters};
use blstrs::Bls12;
use filecoin_proofs::constants::{
    DefaultPieceHasher, SectorShape2KiB, SectorShape32GiB, SectorShape64GiB,
};
use filecoin_proofs::parameters::{
    public_params, window_post_public_params, winning_post_public_params,
};
use filecoin_proofs_api::{RegisteredPoStProof, RegisteredSealProof};
use rand::SeedableRng;
use rand_chacha::ChaCha20Rng;
use sha2::{Digest, Sha256};
use storage_proofs_core::compound_proof::CompoundProof;
use storage_proofs_core::merkle::MerkleTreeTrait;
use storage_proofs_porep::stacked::{StackedCompound, StackedDrg};
use storage_proofs_post::fallback::{FallbackPoSt, FallbackPoStCircuit, FallbackPoStCompound};

use crate::types::{library_seal_proof, library_window_post, library_winning_post};
use padma_types::sector::{
    format_sector_size, SIZE_2KIB, SIZE_32GIB, SIZE_512MIB, SIZE_64GIB, SIZE_8MIB,
};

/// The seed domain of padma's devnet parameters. The RNG of each circuit is
/// ChaCha20 seeded with `SHA-256(DEVNET_SEED_DOMAIN ‖ ":" ‖ circuit identifier)`.
pub const DEVNET_SEED_DOMAIN: &str = "padma devnet groth16 parameters v1";

/// What a circuit proves.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CircuitKind {
    /// Proof of replication (Commit2), shared by all seal proof versions of a size.
    PoRep(RegisteredSealProof),
    /// Winning PoSt.
    WinningPost(RegisteredPoStProof),
    /// Window PoSt.
    WindowPost(RegisteredPoStProof),
}

/// One Groth16 circuit whose parameters live in the parameter cache.
#[derive(Debug, Clone)]
pub struct Circuit {
    /// What it proves.
    pub kind: CircuitKind,
    /// Sector size in bytes.
    pub sector_size: u64,
    /// The proofs library's cache identifier, e.g. `stacked-proof-of-replication-…`.
    pub id: String,
}

impl Circuit {
    /// File name of the Groth16 parameters (`v28-<id>.params`).
    pub fn params_file(&self) -> String {
        format!("v28-{}.params", self.id)
    }

    /// File name of the verifying key (`v28-<id>.vk`).
    pub fn vk_file(&self) -> String {
        format!("v28-{}.vk", self.id)
    }

    /// Whether this is a PoSt circuit.
    pub fn is_post(&self) -> bool {
        !matches!(self.kind, CircuitKind::PoRep(_))
    }

    /// A short human name, e.g. `PoRep 2KiB`.
    pub fn label(&self) -> String {
        let what = match self.kind {
            CircuitKind::PoRep(_) => "PoRep",
            CircuitKind::WinningPost(_) => "WinningPoSt",
            CircuitKind::WindowPost(_) => "WindowPoSt",
        };
        format!("{what} {}", format_sector_size(self.sector_size))
    }
}

/// The three circuits (PoRep, WinningPoSt, WindowPoSt) of a sector size.
pub fn circuits_for(sector_size: u64) -> Result<Vec<Circuit>> {
    let seal = library_seal_proof(sector_size)?;
    let winning = library_winning_post(sector_size)?;
    let window = library_window_post(sector_size)?;
    Ok(vec![
        Circuit {
            kind: CircuitKind::PoRep(seal),
            sector_size,
            id: seal.circuit_identifier()?,
        },
        Circuit {
            kind: CircuitKind::WinningPost(winning),
            sector_size,
            id: winning.circuit_identifier()?,
        },
        Circuit {
            kind: CircuitKind::WindowPost(window),
            sector_size,
            id: window.circuit_identifier()?,
        },
    ])
}

/// The deterministic RNG of a circuit's devnet parameters.
pub fn devnet_rng(circuit_id: &str) -> ChaCha20Rng {
    let mut h = Sha256::new();
    h.update(DEVNET_SEED_DOMAIN.as_bytes());
    h.update(b":");
    h.update(circuit_id.as_bytes());
    ChaCha20Rng::from_seed(h.finalize().into())
}

/// Generate the devnet Groth16 parameters of a circuit (CPU-heavy: minutes for PoRep).
pub fn generate(circuit: &Circuit) -> Result<Parameters<Bls12>> {
    let mut rng = devnet_rng(&circuit.id);
    match circuit.sector_size {
        SIZE_2KIB | SIZE_8MIB | SIZE_512MIB => generate_for::<SectorShape2KiB>(circuit, &mut rng),
        SIZE_32GIB => generate_for::<SectorShape32GiB>(circuit, &mut rng),
        SIZE_64GIB => generate_for::<SectorShape64GiB>(circuit, &mut rng),
        other => bail!("unsupported sector size {other}"),
    }
}

fn generate_for<Tree: 'static + MerkleTreeTrait>(
    circuit: &Circuit,
    rng: &mut ChaCha20Rng,
) -> Result<Parameters<Bls12>> {
    let params = match circuit.kind {
        CircuitKind::PoRep(seal) => {
            let pp = public_params::<Tree>(&seal.as_v1_config())?;
            let blank = <StackedCompound<Tree, DefaultPieceHasher> as CompoundProof<
                StackedDrg<'_, Tree, DefaultPieceHasher>,
                _,
            >>::blank_circuit(&pp);
            generate_random_parameters::<Bls12, _, _>(blank, rng)?
        }
        CircuitKind::WinningPost(post) => {
            let pp = winning_post_public_params::<Tree>(&post.as_v1_config())?;
            let blank = <FallbackPoStCompound<Tree> as CompoundProof<
                FallbackPoSt<'_, Tree>,
                FallbackPoStCircuit<Tree>,
            >>::blank_circuit(&pp);
            generate_random_parameters::<Bls12, _, _>(blank, rng)?
        }
        CircuitKind::WindowPost(post) => {
            let pp = window_post_public_params::<Tree>(&post.as_v1_config())?;
            let blank = <FallbackPoStCompound<Tree> as CompoundProof<
                FallbackPoSt<'_, Tree>,
                FallbackPoStCircuit<Tree>,
            >>::blank_circuit(&pp);
            generate_random_parameters::<Bls12, _, _>(blank, rng)?
        }
    };
    Ok(params)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn circuit_files_of_2kib_match_the_official_names() {
        let circuits = circuits_for(SIZE_2KIB).expect("2KiB circuits");
        assert_eq!(circuits.len(), 3);
        for c in &circuits {
            assert!(
                crate::params::manifest::official_digest(&c.params_file()).is_some(),
                "{}",
                c.params_file()
            );
            assert!(crate::params::manifest::official_digest(&c.vk_file()).is_some());
        }
        assert!(circuits[0].id.contains("032d3138"));
        assert!(circuits[1].id.contains("3ea05428"));
        assert!(circuits[2].id.contains("0170db1f"));
    }

    #[test]
    fn devnet_rng_is_deterministic() {
        use rand::RngCore;
        let a = devnet_rng("x").next_u64();
        assert_eq!(a, devnet_rng("x").next_u64());
        assert_ne!(a, devnet_rng("y").next_u64());
    }
}
