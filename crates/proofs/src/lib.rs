//! Filecoin proofs for padma: parameters, sealing, PoSt and the proof verifier interface.
//!
//! This is the only padma crate that depends on `filecoin-proofs-api` (CPU build). Other
//! crates use the plain-Rust [`verifier::ProofVerifier`] interface and the helpers here,
//! with proof types given as Filecoin's registered-proof numbers (`i64`).

#![deny(missing_docs)]

pub mod params;
pub mod post;
pub mod seal;
pub mod tasks;
pub mod types;
pub mod verifier;

pub use params::{ensure_params, ParamEvent, ParamSet, ParamsError, ParamsNeeded};
pub use verifier::{MockVerifier, PoStVerifyInfo, ProofVerifier, RealVerifier, SealVerifyInfo};
