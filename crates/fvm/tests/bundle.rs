//! Bundles: read from Lotus's archive and from a CAR, and every kind of wrong file
//! refused with an error naming it.

#![allow(clippy::unwrap_used, clippy::indexing_slicing)] // test code: a panic is a failed test

use padma_fvm::bundle::{self, Bundle, BundleSource};
use padma_state::code::{ActorKind, CodeSet};
use std::path::{Path, PathBuf};

fn archive() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../../shared/actors/builtin-actors-v18.tar.zst")
}

fn devnet_car() -> Vec<u8> {
    Bundle::load(&archive(), CodeSet::Devnet)
        .unwrap()
        .car_bytes()
        .to_vec()
}

fn refused(dir: &Path, name: &str, bytes: &[u8], codes: CodeSet) -> String {
    let path = dir.join(name);
    std::fs::write(&path, bytes).unwrap();
    let e = Bundle::load(&path, codes).expect_err("a wrong bundle is refused");
    let text = format!("{e:#}");
    assert!(text.contains(&path.display().to_string()), "{text}");
    text
}

#[test]
fn both_bundles_load_from_the_archive_and_their_car() {
    for codes in [CodeSet::Devnet, CodeSet::FakeProofs] {
        let b = Bundle::load(&archive(), codes).unwrap();
        assert_eq!(b.manifest, codes.manifest_cid());
        assert_eq!(b.actors.len(), 16);
        for kind in ActorKind::all() {
            assert!(b
                .actors
                .contains(&(kind.name().to_string(), codes.code(kind))));
        }
        let dir = tempfile::tempdir().unwrap();
        let path = b.save_to_cache(dir.path()).unwrap();
        assert_eq!(path, bundle::cached_path(dir.path(), codes));
        let again = Bundle::load(&path, codes).unwrap();
        assert_eq!(again.manifest_data, b.manifest_data);
        let store = fvm_ipld_blockstore::MemoryBlockstore::new();
        b.import(&store).unwrap();
        for (_, code) in &b.actors {
            assert!(fvm_ipld_blockstore::Blockstore::has(&store, code).unwrap());
        }
    }
}

#[test]
fn wrong_corrupt_and_truncated_bundles_are_refused_naming_the_file() {
    let dir = tempfile::tempdir().unwrap();
    let car = devnet_car();
    // The devnet bundle where the fake-proofs one is wanted: another manifest.
    let e = refused(dir.path(), "wrong.car", &car, CodeSet::FakeProofs);
    assert!(e.contains("manifest CID"), "{e}");
    // Truncated in the middle of a block.
    let e = refused(
        dir.path(),
        "short.car",
        &car[..car.len() / 2],
        CodeSet::Devnet,
    );
    assert!(e.contains("truncated"), "{e}");
    // One byte of actor code flipped.
    let mut bad = car.clone();
    let at = bad.len() - 1000;
    bad[at] ^= 0xff;
    let e = refused(dir.path(), "corrupt.car", &bad, CodeSet::Devnet);
    assert!(e.contains("does not match its data"), "{e}");
    // Not a CAR at all; an empty file; a zstd archive without the bundle.
    refused(dir.path(), "text.car", b"hello, world", CodeSet::Devnet);
    refused(dir.path(), "empty.car", b"", CodeSet::Devnet);
    let e = refused(
        dir.path(),
        "bad.tar.zst",
        &[0x28, 0xb5, 0x2f, 0xfd, 1, 2, 3],
        CodeSet::Devnet,
    );
    assert!(e.contains("zstd") || e.contains("archive"), "{e}");
    // A missing file.
    let missing = dir.path().join("nowhere.car");
    let e = format!("{:#}", Bundle::load(&missing, CodeSet::Devnet).unwrap_err());
    assert!(e.contains("nowhere.car"), "{e}");
}

#[test]
fn a_bundle_missing_an_actor_is_refused() {
    // Drop the multisig actor's code block from the CAR (sections are varint-framed).
    let car = devnet_car();
    let b = Bundle::from_car(car.clone(), CodeSet::Devnet).unwrap();
    let (_, msig) = b
        .actors
        .iter()
        .find(|(n, _)| n == "multisig")
        .unwrap()
        .clone();
    let key = msig.to_bytes();
    // Re-frame the CAR, leaving out the section whose CID is the multisig code's.
    let mut out = Vec::new();
    let mut rest = &car[..];
    let (hl, n) = varint(rest);
    out.extend_from_slice(&rest[..n + hl as usize]);
    rest = &rest[n + hl as usize..];
    let mut dropped = 0;
    while !rest.is_empty() {
        let (len, n) = varint(rest);
        let section = &rest[..n + len as usize];
        if section[n..].starts_with(&key) {
            dropped += 1;
        } else {
            out.extend_from_slice(section);
        }
        rest = &rest[section.len()..];
    }
    assert_eq!(dropped, 1);
    let dir = tempfile::tempdir().unwrap();
    let e = refused(dir.path(), "no-msig.car", &out, CodeSet::Devnet);
    assert!(e.contains("multisig"), "{e}");
}

fn varint(b: &[u8]) -> (u64, usize) {
    let mut v = 0u64;
    for (i, byte) in b.iter().enumerate() {
        v |= u64::from(byte & 0x7f) << (7 * i);
        if byte & 0x80 == 0 {
            return (v, i + 1);
        }
    }
    panic!("bad varint")
}

#[test]
fn find_prefers_the_flag_then_the_environment_then_the_cache() {
    let dir = tempfile::tempdir().unwrap();
    let cache = dir.path().join("cache");
    // Nothing anywhere.
    std::env::remove_var(bundle::BUNDLE_ENV);
    assert!(
        bundle::find(None, std::slice::from_ref(&cache), CodeSet::Devnet)
            .unwrap()
            .is_none()
    );
    // The flag: found, and copied into the cache.
    let (b, src) = bundle::find(
        Some(&archive()),
        std::slice::from_ref(&cache),
        CodeSet::Devnet,
    )
    .unwrap()
    .unwrap();
    assert_eq!(src, BundleSource::Flag(archive()));
    assert_eq!(b.codes, CodeSet::Devnet);
    assert!(bundle::cached_path(&cache, CodeSet::Devnet).exists());
    // Now the cache answers alone.
    let (_, src) = bundle::find(None, std::slice::from_ref(&cache), CodeSet::Devnet)
        .unwrap()
        .unwrap();
    assert!(matches!(src, BundleSource::Cache(_)));
    // A bad file given is an error, not a fallback to the cache.
    let junk = dir.path().join("junk.car");
    std::fs::write(&junk, b"junk").unwrap();
    assert!(bundle::find(Some(&junk), &[cache], CodeSet::Devnet).is_err());
    let hint = bundle::missing_bundle_hint(CodeSet::FakeProofs);
    assert!(hint.contains("padma fetch-actors") && hint.contains(bundle::BUNDLE_ENV));
}
