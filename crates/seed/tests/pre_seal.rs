//! `padma-seed pre-seal` run as a real process; its outputs parsed back and proven over.

#![allow(clippy::unwrap_used, clippy::indexing_slicing, clippy::string_slice)] // test code: a panic is a failed test

use fvm_shared::commcid::{cid_to_data_commitment_v1, cid_to_replica_commitment_v1};
use padma_proofs::post::{self, ProvingSector};
use padma_proofs::seal::{self, SectorPaths};
use padma_proofs::{ensure_params, ParamSet, ParamsNeeded};
use padma_seed::manifest::PreSealManifest;
use padma_types::json::key_from_lotus_text;
use std::path::Path;
use std::process::Command;

fn run_pre_seal(dir: &Path, extra: &[&str]) -> std::process::Output {
    let out = Command::new(env!("CARGO_BIN_EXE_padma-seed"))
        .arg("--sector-dir")
        .arg(dir)
        .arg("pre-seal")
        .args(["--sector-size", "2KiB", "--miner-addr", "t01000"])
        .args(extra)
        .output()
        .expect("run padma-seed");
    assert!(
        out.status.success(),
        "padma-seed failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    out
}

/// Parse the manifest and key back, check them against each other, return the sectors.
fn read_back(dir: &Path, expected_sectors: &[u64]) -> Vec<ProvingSector> {
    let text = std::fs::read_to_string(dir.join("pre-seal-t01000.json")).expect("manifest");
    let manifest: PreSealManifest = serde_json::from_str(&text).expect("manifest parses");
    let miner = &manifest["t01000"];
    let raw: serde_json::Value = serde_json::from_str(&text).expect("json");
    assert_eq!(
        raw["t01000"]["ID"], "t01000",
        "testnet addresses as written"
    );
    assert_eq!(miner.id, fvm_shared::address::Address::new_id(1000));
    assert_eq!(miner.sector_size, 2048);
    assert_eq!(miner.owner, miner.worker);
    assert!(miner.peer_id.starts_with("12D3KooW"));
    let key_hex = std::fs::read_to_string(dir.join("pre-seal-t01000.key")).expect("key file");
    let key = key_from_lotus_text(&key_hex).expect("key parses");
    let owner_text = raw["t01000"]["Owner"].as_str().expect("owner");
    assert!(owner_text.starts_with("t3"), "{owner_text}");
    let owner = miner.owner;
    assert_eq!(key.address().expect("address"), owner);
    let numbers: Vec<u64> = miner.sectors.iter().map(|s| s.sector_id).collect();
    assert_eq!(numbers, expected_sectors);
    let first = &raw["t01000"]["Sectors"][0];
    for field in [
        "CommR",
        "CommD",
        "SectorID",
        "Deal",
        "DealClientKey",
        "ProofType",
    ] {
        assert!(first.get(field).is_some(), "missing {field}");
    }
    assert_eq!(first["ProofType"], 5);
    assert_eq!(first["Deal"]["Provider"], "t01000");
    miner
        .sectors
        .iter()
        .map(|s| {
            assert_eq!(s.deal.piece_cid, s.comm_d);
            assert_eq!(s.deal_client_key.private_key, key.private_key);
            let paths = SectorPaths::new(dir, 1000, s.sector_id);
            assert!(!paths.unsealed.exists(), "unsealed copy left behind");
            ProvingSector {
                number: s.sector_id,
                comm_r: cid_to_replica_commitment_v1(&s.comm_r.0).expect("CommR CID"),
                sealed: paths.sealed,
                cache: paths.cache,
            }
        })
        .collect()
}

/// A WinningPoSt and a WindowPoSt over the pre-sealed sector files verify.
fn prove(sectors: &[ProvingSector]) {
    ensure_params(2048, ParamsNeeded::PostOnly, ParamSet::Devnet, &|_| {}).expect("PoSt params");
    let prover = seal::prover_id(1000);
    let randomness = [9u8; 32];
    let public: Vec<_> = sectors
        .iter()
        .map(|s| post::PublicSector {
            number: s.number,
            comm_r: s.comm_r,
        })
        .collect();
    let proof = post::generate_window_post(10, prover, randomness, sectors).expect("window post");
    assert!(
        post::verify_window_post(10, prover, randomness, &public, &proof).expect("verify window")
    );
    let proof =
        post::generate_winning_post(0, prover, randomness, &sectors[..1]).expect("winning post");
    assert!(
        post::verify_winning_post(0, prover, randomness, &public[..1], &proof)
            .expect("verify winning")
    );
}

#[test]
fn fake_sectors_pre_seal_and_prove() {
    let dir = tempfile::tempdir().expect("tempdir");
    run_pre_seal(
        dir.path(),
        &[
            "--fake-sectors",
            "--num-sectors",
            "2",
            "--sector-offset",
            "1",
        ],
    );
    let sectors = read_back(dir.path(), &[1, 2]);
    let text = std::fs::read_to_string(dir.path().join("pre-seal-t01000.json")).expect("manifest");
    let manifest: PreSealManifest = serde_json::from_str(&text).expect("manifest parses");
    let empty = seal::compute_comm_d(5, &[]).expect("empty CommD");
    assert_eq!(
        cid_to_data_commitment_v1(&manifest["t01000"].sectors[0].comm_d.0).expect("CommD"),
        empty
    );
    let store: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(dir.path().join("sectorstore.json")).expect("sectorstore"),
    )
    .expect("json");
    assert_eq!(store["Weight"], 0);
    prove(&sectors);
}

#[test]
fn real_proofs_pre_seal_with_a_given_key_and_prove() {
    let dir = tempfile::tempdir().expect("tempdir");
    let key = padma_types::crypto::KeyInfo::generate(padma_types::crypto::KeyType::Bls);
    let key_file = dir.path().join("owner.key");
    std::fs::write(&key_file, padma_types::json::key_to_lotus_hex(&key)).expect("key");
    let sectors_dir = dir.path().join("sectors");
    run_pre_seal(
        &sectors_dir,
        &["--key", key_file.to_str().expect("utf8 path")],
    );
    let sectors = read_back(&sectors_dir, &[0]);
    let written = std::fs::read_to_string(sectors_dir.join("pre-seal-t01000.key")).expect("key");
    assert_eq!(
        key_from_lotus_text(&written).expect("key").private_key,
        key.private_key
    );
    prove(&sectors);
}

#[test]
fn bad_arguments_fail_clearly() {
    let dir = tempfile::tempdir().expect("tempdir");
    let out = Command::new(env!("CARGO_BIN_EXE_padma-seed"))
        .arg("--sector-dir")
        .arg(dir.path())
        .args(["pre-seal", "--sector-size", "3KiB", "--fake-sectors"])
        .output()
        .expect("run");
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("unsupported sector size"));
    let out = Command::new(env!("CARGO_BIN_EXE_padma-seed"))
        .arg("--sector-dir")
        .arg(dir.path())
        .args(["pre-seal", "--miner-addr", "t3abc", "--fake-sectors"])
        .output()
        .expect("run");
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("--miner-addr"));
}
