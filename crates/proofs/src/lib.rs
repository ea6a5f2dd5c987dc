//! Filecoin proofs for padma: parameters, sealing, PoSt and the proof verifier interface.
//!
//! This is the only padma crate that depends on `filecoin-proofs-api` (CPU build). Other
//! crates use the plain-Rust [`verifier::ProofVerifier`] interface and the helpers here.

pub mod params;
pub mod types;
