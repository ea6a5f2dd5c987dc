//! Groth16 parameters and verifying keys: checking, and deterministic local generation.
//!
//! [`ensure_params`] makes sure the `.params`/`.vk` files of a sector size are in the
//! parameter cache (`FIL_PROOFS_PARAMETER_CACHE`, default `/var/tmp/filecoin-proof-parameters`).
//! Files present are checked against the digests of the chosen [`ParamSet`]. Missing devnet
//! files are generated locally from a fixed seed ([`DEVNET_SEED_DOMAIN`]); such parameters are
//! **insecure** (whoever knows the seed can forge proofs) and only fit private devnets.

mod ensure;
pub(crate) mod files;
pub mod generate;
pub mod manifest;

pub use ensure::{
    ensure_params, ensure_params_in, fetch_params_command, fetch_params_with_progress,
};
pub use generate::{circuits_for, Circuit, CircuitKind, DEVNET_SEED_DOMAIN};

use std::path::PathBuf;
use std::time::Duration;

/// The default parameter cache directory, as in filecoin-proofs and Lotus.
pub const DEFAULT_PARAMETER_CACHE: &str = "/var/tmp/filecoin-proof-parameters";

/// The parameter cache directory: `$FIL_PROOFS_PARAMETER_CACHE` or the default.
pub fn param_cache_dir() -> PathBuf {
    match std::env::var_os("FIL_PROOFS_PARAMETER_CACHE") {
        Some(v) if !v.is_empty() => PathBuf::from(v),
        _ => PathBuf::from(DEFAULT_PARAMETER_CACHE),
    }
}

/// Which parameters a network uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ParamSet {
    /// Filecoin's official parameters (mainnet, calibnet): files must match the official
    /// manifest and are never generated.
    Official,
    /// padma's deterministic devnet parameters: generated locally when missing. Insecure.
    Devnet,
}

impl ParamSet {
    /// The set chosen by `$PADMA_PROOF_PARAMS` (`official` or `devnet`; default `devnet`).
    pub fn from_env() -> anyhow::Result<Self> {
        match std::env::var("PADMA_PROOF_PARAMS") {
            Err(_) => Ok(ParamSet::Devnet),
            Ok(v) => v.parse(),
        }
    }
}

impl std::str::FromStr for ParamSet {
    type Err = anyhow::Error;
    fn from_str(s: &str) -> anyhow::Result<Self> {
        match s.trim().to_ascii_lowercase().as_str() {
            "official" => Ok(ParamSet::Official),
            "devnet" | "" => Ok(ParamSet::Devnet),
            other => anyhow::bail!("unknown parameter set {other:?} (expected official or devnet)"),
        }
    }
}

impl std::fmt::Display for ParamSet {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            ParamSet::Official => "official Filecoin parameters",
            ParamSet::Devnet => "padma devnet parameters",
        })
    }
}

/// Which files a process needs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ParamsNeeded {
    /// Only the verifying keys (a node that verifies proofs).
    VerifyingKeysOnly,
    /// The PoSt parameters and verifying keys only (a PoSt worker; no PoRep files).
    PostOnly,
    /// Everything for the sector size (a sealing miner).
    All,
}

/// Progress of [`ensure_params`], reported through its callback.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ParamEvent {
    /// Devnet parameters are in use: they are insecure.
    DevnetWarning,
    /// Hashing an existing file.
    Checking {
        /// File name.
        file: String,
    },
    /// A file exists and its digest matches.
    Valid {
        /// File name.
        file: String,
    },
    /// A devnet file has no recorded digest (sizes padma never generated); accepted as is.
    Unrecorded {
        /// File name.
        file: String,
    },
    /// Another process holds the generation lock; waiting for it.
    WaitingForLock {
        /// The lock file.
        lock: PathBuf,
    },
    /// Generation is running (sent about once a second).
    Generating {
        /// What is generated, e.g. `PoRep 2KiB`.
        what: String,
        /// File name of the parameters.
        file: String,
        /// Time spent so far.
        elapsed: Duration,
    },
    /// A file was written.
    Written {
        /// File name.
        file: String,
        /// Time it took, generation included.
        elapsed: Duration,
    },
}

/// Errors of parameter checking and generation; each names the file concerned.
#[derive(Debug, thiserror::Error)]
pub enum ParamsError {
    /// The sector size is not one of Filecoin's.
    #[error("{0}")]
    SectorSize(String),
    /// A file's digest matches neither the expected set nor anything known.
    #[error("parameter file {path} is corrupt or wrong (digest {actual}, expected {expected} for {set}); delete it to regenerate or re-fetch it")]
    DigestMismatch {
        /// The file.
        path: PathBuf,
        /// Its digest.
        actual: String,
        /// The recorded digest.
        expected: String,
        /// The set it was checked against.
        set: ParamSet,
    },
    /// A file belongs to the other parameter set.
    #[error("parameter file {path} holds {found}, but this network uses {wanted}; move it out of the parameter cache")]
    WrongSet {
        /// The file.
        path: PathBuf,
        /// The set the file belongs to.
        found: ParamSet,
        /// The set the network uses.
        wanted: ParamSet,
    },
    /// An official file is missing; padma cannot download it.
    #[error("official parameter file {path} is missing; padma works offline and cannot download it: copy it (IPFS CID {cid}) into {dir}")]
    OfficialMissing {
        /// Where it should be.
        path: PathBuf,
        /// Its IPFS CID from the official manifest.
        cid: String,
        /// The cache directory.
        dir: PathBuf,
    },
    /// A file-system error.
    #[error("{what} {path}: {source}")]
    Io {
        /// What was being done.
        what: &'static str,
        /// The path.
        path: PathBuf,
        /// The cause.
        source: std::io::Error,
    },
    /// The environment contradicts the parameter set.
    #[error("{0}")]
    Config(String),
    /// Generation failed.
    #[error("generating {file}: {message}")]
    Generation {
        /// File name.
        file: String,
        /// The cause.
        message: String,
    },
}

/// An error unless the parameter file of `what` (for `sector_size`) exists, telling how to
/// get it. `what` names the file kind and proof type; once found it is not checked again.
pub(crate) fn require_file(
    what: &str,
    sector_size: u64,
    path: impl FnOnce() -> anyhow::Result<PathBuf>,
) -> anyhow::Result<()> {
    use std::sync::{Mutex, OnceLock};
    static FOUND: OnceLock<Mutex<std::collections::HashSet<String>>> = OnceLock::new();
    let found = FOUND.get_or_init(Default::default);
    if found.lock().is_ok_and(|f| f.contains(what)) {
        return Ok(());
    }
    let path = path()?;
    if !path.exists() {
        anyhow::bail!(
            "{what} {} is missing: run `padma fetch-params {}` first",
            path.display(),
            padma_types::sector::format_sector_size(sector_size)
        );
    }
    if let Ok(mut f) = found.lock() {
        f.insert(what.to_string());
    }
    Ok(())
}
