//! Parameter checking and generation in throwaway cache directories.

#![allow(clippy::unwrap_used, clippy::indexing_slicing, clippy::string_slice)] // test code: a panic is a failed test

use padma_proofs::params::{
    circuits_for, ensure_params_in, manifest, ParamEvent, ParamSet, ParamsError, ParamsNeeded,
};
use padma_types::sector::SIZE_2KIB;
use std::sync::Mutex;

fn quiet(_: &ParamEvent) {}

#[test]
fn unsupported_sector_size_is_a_clear_error() {
    let dir = tempfile::tempdir().expect("tempdir");
    let err = ensure_params_in(
        dir.path(),
        4096,
        ParamsNeeded::All,
        ParamSet::Devnet,
        &quiet,
    )
    .expect_err("4KiB");
    assert!(matches!(err, ParamsError::SectorSize(_)), "{err}");
    assert!(err.to_string().contains("unsupported sector size"), "{err}");
    let parse = padma_types::sector::parse_sector_size("3KiB").expect_err("3KiB");
    assert!(
        parse
            .to_string()
            .contains("2KiB, 8MiB, 512MiB, 32GiB or 64GiB"),
        "{parse}"
    );
}

#[test]
fn missing_official_file_names_the_file_and_its_cid() {
    let dir = tempfile::tempdir().expect("tempdir");
    let err = ensure_params_in(
        dir.path(),
        SIZE_2KIB,
        ParamsNeeded::VerifyingKeysOnly,
        ParamSet::Official,
        &quiet,
    )
    .expect_err("nothing there");
    let ParamsError::OfficialMissing { path, cid, .. } = &err else {
        panic!("unexpected error {err}")
    };
    let porep = &circuits_for(SIZE_2KIB).expect("circuits")[0];
    assert_eq!(path, &dir.path().join(porep.vk_file()));
    assert!(cid.starts_with("Qm"), "{cid}");
    let msg = err.to_string();
    assert!(
        msg.contains(&porep.vk_file()) && msg.contains("cannot download"),
        "{msg}"
    );
}

#[test]
fn corrupt_or_truncated_files_are_rejected_by_name() {
    let dir = tempfile::tempdir().expect("tempdir");
    let porep = &circuits_for(SIZE_2KIB).expect("circuits")[0];
    let vk = dir.path().join(porep.vk_file());
    std::fs::write(&vk, b"truncated").expect("write");
    for set in [ParamSet::Official, ParamSet::Devnet] {
        let err = ensure_params_in(
            dir.path(),
            SIZE_2KIB,
            ParamsNeeded::VerifyingKeysOnly,
            set,
            &quiet,
        )
        .expect_err("corrupt");
        let ParamsError::DigestMismatch { path, .. } = &err else {
            panic!("unexpected error {err}")
        };
        assert_eq!(path, &vk);
        assert!(err.to_string().contains(&porep.vk_file()), "{err}");
    }
    // The bad file is left for the operator to inspect; nothing is silently replaced.
    assert_eq!(std::fs::read(&vk).expect("read"), b"truncated");
}

#[test]
fn devnet_file_on_an_official_network_is_refused() {
    let dir = tempfile::tempdir().expect("tempdir");
    ensure_params_in(
        dir.path(),
        SIZE_2KIB,
        ParamsNeeded::VerifyingKeysOnly,
        ParamSet::Devnet,
        &quiet,
    )
    .expect("devnet vks");
    let err = ensure_params_in(
        dir.path(),
        SIZE_2KIB,
        ParamsNeeded::VerifyingKeysOnly,
        ParamSet::Official,
        &quiet,
    )
    .expect_err("devnet keys on an official network");
    assert!(
        matches!(
            err,
            ParamsError::WrongSet {
                found: ParamSet::Devnet,
                wanted: ParamSet::Official,
                ..
            }
        ),
        "{err}"
    );
}

#[test]
fn devnet_verifying_keys_are_installed_without_generation() {
    let dir = tempfile::tempdir().expect("tempdir");
    let events = Mutex::new(Vec::new());
    let record = |e: &ParamEvent| events.lock().expect("lock").push(e.clone());
    ensure_params_in(
        dir.path(),
        SIZE_2KIB,
        ParamsNeeded::VerifyingKeysOnly,
        ParamSet::Devnet,
        &record,
    )
    .expect("vks");
    let events = events.into_inner().expect("events");
    assert_eq!(events.first(), Some(&ParamEvent::DevnetWarning));
    assert!(
        !events
            .iter()
            .any(|e| matches!(e, ParamEvent::Generating { .. })),
        "{events:?}"
    );
    for c in circuits_for(SIZE_2KIB).expect("circuits") {
        let vk = dir.path().join(c.vk_file());
        assert_eq!(
            manifest::file_digest(&vk).ok().as_deref(),
            manifest::devnet_digest(&c.vk_file())
        );
        assert!(!dir.path().join(c.params_file()).exists());
    }
    let leftovers: Vec<_> = std::fs::read_dir(dir.path())
        .expect("ls")
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n.contains(".tmp-"))
        .collect();
    assert!(leftovers.is_empty(), "{leftovers:?}");
}

/// Generating the 2KiB WindowPoSt parameters (about 10 s of CPU) from the devnet seed gives
/// the recorded bytes: devnet parameters are reproducible on every machine.
#[test]
fn devnet_generation_is_deterministic() {
    let window = circuits_for(SIZE_2KIB).expect("circuits").remove(2);
    let expected = manifest::devnet_digest(&window.params_file()).expect("recorded digest");
    let params = padma_proofs::params::generate::generate(&window).expect("generate");
    let mut bytes = Vec::new();
    params.write(&mut bytes).expect("serialise");
    let hash = blake2b_simd::Params::new().hash_length(64).hash(&bytes);
    assert_eq!(hex::encode(&hash.as_bytes()[..16]), expected);
}
