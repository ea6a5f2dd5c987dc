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
pub const DEVNET_DIGESTS: &[(&str, &str)] = &[
    // 2KiB PoRep (all StackedDrg2KiB seal types): 1.1 GB, about 17 min to generate.
    (
        "v28-stacked-proof-of-replication-merkletree-poseidon_hasher-8-0-0-sha256_hasher-032d3138d22506ec0082ed72b2dcba18df18477904e35bafee82b3793b06832f.params",
        "5857bc5bf0a93931e292a2fb4c0eb685",
    ),
    (
        "v28-stacked-proof-of-replication-merkletree-poseidon_hasher-8-0-0-sha256_hasher-032d3138d22506ec0082ed72b2dcba18df18477904e35bafee82b3793b06832f.vk",
        "efde22870d76a70537e6102817912d2d",
    ),
    // 2KiB WinningPoSt: 47 MB, about 1 min.
    (
        "v28-proof-of-spacetime-fallback-merkletree-poseidon_hasher-8-0-0-3ea05428c9d11689f23529cde32fd30aabd50f7d2c93657c1d3650bca3e8ea9e.params",
        "41876d758f66ca5d4af2c79dddfa7740",
    ),
    (
        "v28-proof-of-spacetime-fallback-merkletree-poseidon_hasher-8-0-0-3ea05428c9d11689f23529cde32fd30aabd50f7d2c93657c1d3650bca3e8ea9e.vk",
        "6c7412f6cc9726348a32f376ffac0d76",
    ),
    // 2KiB WindowPoSt: 11.5 MB, about 10 s.
    (
        "v28-proof-of-spacetime-fallback-merkletree-poseidon_hasher-8-0-0-0170db1f394b35d995252228ee359194b13199d259380541dc529fb0099096b0.params",
        "b7ff399aac598c1492849fdf27b56588",
    ),
    (
        "v28-proof-of-spacetime-fallback-merkletree-poseidon_hasher-8-0-0-0170db1f394b35d995252228ee359194b13199d259380541dc529fb0099096b0.vk",
        "309c81f0d85fde2c174e8a28132360f7",
    ),
    // 8MiB PoRep (all StackedDrg8MiB seal types): 1.4 GB, about 15 min on 2 cores.
    (
        "v28-stacked-proof-of-replication-merkletree-poseidon_hasher-8-0-0-sha256_hasher-ecd683648512ab1765faa2a5f14bab48f676e633467f0aa8aad4b55dcb0652bb.params",
        "cbc73645ef24137e4f68e401a6f6a759",
    ),
    (
        "v28-stacked-proof-of-replication-merkletree-poseidon_hasher-8-0-0-sha256_hasher-ecd683648512ab1765faa2a5f14bab48f676e633467f0aa8aad4b55dcb0652bb.vk",
        "da849b92dabdda3756263f5e1f16dbfd",
    ),
    // 8MiB WinningPoSt: 113 MB, about 2.5 min.
    (
        "v28-proof-of-spacetime-fallback-merkletree-poseidon_hasher-8-0-0-50c7368dea9593ed0989e70974d28024efa9d156d585b7eea1be22b2e753f331.params",
        "6ca1f350ab3dde8674404c1e086374be",
    ),
    (
        "v28-proof-of-spacetime-fallback-merkletree-poseidon_hasher-8-0-0-50c7368dea9593ed0989e70974d28024efa9d156d585b7eea1be22b2e753f331.vk",
        "1be84d4461d0a76242cf5be747f40829",
    ),
    // 8MiB WindowPoSt: 31 MB, about 40 s.
    (
        "v28-proof-of-spacetime-fallback-merkletree-poseidon_hasher-8-0-0-5294475db5237a2e83c3e52fd6c2b03859a1831d45ed08c4f35dbf9a803165a9.params",
        "81b60be5b70d8742787e4344b649f269",
    ),
    (
        "v28-proof-of-spacetime-fallback-merkletree-poseidon_hasher-8-0-0-5294475db5237a2e83c3e52fd6c2b03859a1831d45ed08c4f35dbf9a803165a9.vk",
        "d19b36b04718c264ba2d239f0100bdd8",
    ),
];

/// Devnet verifying keys compiled into padma, so a node that only verifies needs no generation.
pub const DEVNET_EMBEDDED_VKS: &[(&str, &[u8])] = &[
    (
        "v28-stacked-proof-of-replication-merkletree-poseidon_hasher-8-0-0-sha256_hasher-032d3138d22506ec0082ed72b2dcba18df18477904e35bafee82b3793b06832f.vk",
        include_bytes!("../../data/devnet/v28-stacked-proof-of-replication-merkletree-poseidon_hasher-8-0-0-sha256_hasher-032d3138d22506ec0082ed72b2dcba18df18477904e35bafee82b3793b06832f.vk"),
    ),
    (
        "v28-proof-of-spacetime-fallback-merkletree-poseidon_hasher-8-0-0-3ea05428c9d11689f23529cde32fd30aabd50f7d2c93657c1d3650bca3e8ea9e.vk",
        include_bytes!("../../data/devnet/v28-proof-of-spacetime-fallback-merkletree-poseidon_hasher-8-0-0-3ea05428c9d11689f23529cde32fd30aabd50f7d2c93657c1d3650bca3e8ea9e.vk"),
    ),
    (
        "v28-proof-of-spacetime-fallback-merkletree-poseidon_hasher-8-0-0-0170db1f394b35d995252228ee359194b13199d259380541dc529fb0099096b0.vk",
        include_bytes!("../../data/devnet/v28-proof-of-spacetime-fallback-merkletree-poseidon_hasher-8-0-0-0170db1f394b35d995252228ee359194b13199d259380541dc529fb0099096b0.vk"),
    ),
];

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
    official_manifest()
        .get(file_name)
        .map(|e| e.digest.as_str())
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
        state.update(buf.get(..n).unwrap_or(&buf));
    }
    let hash = state.finalize();
    Ok(hex::encode(
        hash.as_bytes().get(..16).unwrap_or(hash.as_bytes()),
    ))
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
    fn embedded_devnet_keys_match_their_recorded_digests() {
        assert_eq!(DEVNET_EMBEDDED_VKS.len(), 3);
        for (name, bytes) in DEVNET_EMBEDDED_VKS {
            let hash = blake2b_simd::Params::new().hash_length(64).hash(bytes);
            assert_eq!(
                Some(hex::encode(&hash.as_bytes()[..16]).as_str()),
                devnet_digest(name),
                "{name}"
            );
            assert!(official_digest(name).is_some_and(|d| Some(d) != devnet_digest(name)));
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
