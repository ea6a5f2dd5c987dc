//! Digest manifests: Filecoin's official `parameters.json` and padma's devnet digests.
//!
//! Digests follow Lotus's `paramfetch`: BLAKE2b-512 over the whole file, the first
//! 16 bytes written as 32 lowercase hex characters.

use serde::Deserialize;
use std::collections::BTreeMap;
use std::io::Read;
use std::path::Path;
use std::sync::OnceLock;

/// Filecoin's official parameter manifest (the `parameters.json` of filecoin-proofs 19.1.0).
pub const OFFICIAL_MANIFEST_JSON: &str = include_str!("../../data/official-parameters.json");

/// One entry of a parameter manifest.
#[derive(Debug, Clone, Deserialize)]
pub struct ManifestEntry {
    /// IPFS CID of the file (official manifest only).
    pub cid: String,
    /// Truncated BLAKE2b-512 digest, 32 hex characters.
    pub digest: String,
    /// Sector size the file belongs to, in bytes.
    pub sector_size: u64,
}

/// The official manifest, parsed once. File name (e.g. `v28-….params`) to entry.
pub fn official_manifest() -> &'static BTreeMap<String, ManifestEntry> {
    static MANIFEST: OnceLock<BTreeMap<String, ManifestEntry>> = OnceLock::new();
    MANIFEST.get_or_init(|| {
        // The manifest is compiled in and checked by a unit test, so this cannot fail at run time.
        serde_json::from_str(OFFICIAL_MANIFEST_JSON).unwrap_or_default()
    })
}

/// Digests of padma's deterministic devnet parameters (see [`super::DEVNET_SEED_DOMAIN`]).
///
/// Recorded by generating each file once with `padma fetch-params` and hashing it;
/// every machine that generates these files gets the same bytes.
pub const DEVNET_DIGESTS: &[(&str, &str)] = &[];

/// Devnet verifying keys compiled into padma, so a node that only verifies needs no generation.
pub const DEVNET_EMBEDDED_VKS: &[(&str, &[u8])] = &[];

/// The embedded devnet verifying key named `file_name`, if any.
pub fn devnet_embedded_vk(file_name: &str) -> Option<&'static [u8]> {
    DEVNET_EMBEDDED_VKS
        .iter()
        .find(|(name, _)| *name == file_name)
        .map(|(_, bytes)| *bytes)
}

/// The devnet digest recorded for `file_name`, if any.
pub fn devnet_digest(file_name: &str) -> Option<&'static str> {
    DEVNET_DIGESTS
        .iter()
        .find(|(name, _)| *name == file_name)
        .map(|(_, digest)| *digest)
}

/// The official digest recorded for `file_name`, if any.
pub fn official_digest(file_name: &str) -> Option<&'static str> {
    official_manifest().get(file_name).map(|e| e.digest.as_str())
}

/// Lotus-style digest of a file: BLAKE2b-512, first 16 bytes as hex.
pub fn file_digest(path: &Path) -> std::io::Result<String> {
    let mut file = std::fs::File::open(path)?;
    let mut state = blake2b_simd::Params::new().hash_length(64).to_state();
    let mut buf = vec![0u8; 1 << 20];
    loop {
        let n = file.read(&mut buf)?;
        if n == 0 {
            break;
        }
        state.update(&buf[..n]);
    }
    let hash = state.finalize();
    Ok(hex::encode(&hash.as_bytes()[..16]))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn official_manifest_parses_and_matches_the_library() {
        let ours: BTreeMap<String, ManifestEntry> =
            serde_json::from_str(OFFICIAL_MANIFEST_JSON).expect("manifest parses");
        assert_eq!(ours.len(), 44);
        let lib = &*storage_proofs_core::parameter_cache::PARAMETERS;
        assert_eq!(ours.len(), lib.len());
        for (name, entry) in &ours {
            assert_eq!(lib[name].digest, entry.digest, "{name}");
            assert_eq!(lib[name].sector_size, entry.sector_size, "{name}");
        }
    }

    #[test]
    fn digest_is_lotus_style() {
        let dir = tempfile::tempdir().expect("tempdir");
        let p = dir.path().join("x");
        std::fs::write(&p, b"abc").expect("write");
        // BLAKE2b-512("abc") starts with ba80a53f981c4d0d6a2797b69f12f6e9.
        assert_eq!(
            file_digest(&p).expect("digest"),
            "ba80a53f981c4d0d6a2797b69f12f6e9"
        );
    }
}
