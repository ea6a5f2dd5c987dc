//! `padma-seed genesis new` and `genesis add-miner` run as real processes, on a
//! manifest from `padma-seed pre-seal --fake-sectors`; the template builds a genesis.

#![allow(clippy::unwrap_used, clippy::indexing_slicing, clippy::string_slice)] // test code: a panic is a failed test

use padma_state::genesis::Template;
use std::path::Path;
use std::process::{Command, Output};

fn seed(dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_padma-seed"))
        .arg("--sector-dir")
        .arg(dir)
        .args(args)
        .output()
        .expect("run padma-seed")
}

fn seed_ok(dir: &Path, args: &[&str]) {
    let out = seed(dir, args);
    assert!(
        out.status.success(),
        "padma-seed {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn new_writes_lotus_template_json() {
    let dir = tempfile::tempdir().unwrap();
    let f = dir.path().join("localnet.json");
    let fs = f.to_str().unwrap();
    seed_ok(
        dir.path(),
        &[
            "genesis",
            "new",
            fs,
            "--network-name",
            "devnet-x",
            "--timestamp",
            "2025-02-27T15:04:05Z",
        ],
    );
    let v: serde_json::Value = serde_json::from_slice(&std::fs::read(&f).unwrap()).unwrap();
    assert_eq!(v["NetworkVersion"], 28);
    assert_eq!(v["NetworkName"], "devnet-x");
    assert_eq!(v["Timestamp"], 1740668645u64);
    assert_eq!(v["Accounts"], serde_json::json!([]));
    assert_eq!(v["Miners"], serde_json::json!([]));
    assert_eq!(v["VerifregRootKey"]["Type"], "multisig");
    assert_eq!(v["VerifregRootKey"]["Balance"], "0");
    assert_eq!(
        v["RemainderAccount"]["Meta"]["Signers"],
        serde_json::json!(["t1ceb34gnsc6qk5dt6n7xg6ycwzasjhbxm3iylkiy"])
    );
    assert_eq!(v["RemainderAccount"]["Meta"]["Threshold"], 1);
    // Without flags: a localnet-<uuid> name and no Timestamp field.
    seed_ok(dir.path(), &["genesis", "new", fs]);
    let v: serde_json::Value = serde_json::from_slice(&std::fs::read(&f).unwrap()).unwrap();
    assert!(v["NetworkName"].as_str().unwrap().starts_with("localnet-"));
    assert!(v.get("Timestamp").is_none());
    let out = seed(
        dir.path(),
        &["genesis", "new", fs, "--timestamp", "yesterday"],
    );
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("RFC 3339"));
}

#[test]
fn add_miner_appends_the_manifest_and_the_genesis_builds() {
    let dir = tempfile::tempdir().unwrap();
    let sectors = dir.path().join("sectors");
    let sd = sectors.to_str().unwrap();
    let f = dir.path().join("localnet.json");
    let fs = f.to_str().unwrap();
    seed_ok(
        &sectors,
        &[
            "pre-seal",
            "--sector-size",
            "2KiB",
            "--num-sectors",
            "2",
            "--fake-sectors",
        ],
    );
    seed_ok(
        dir.path(),
        &["genesis", "new", fs, "--timestamp", "2025-02-27T15:04:05Z"],
    );
    let manifest = format!("{sd}/pre-seal-t01000.json");
    seed_ok(
        dir.path(),
        &["genesis", "add-miner", fs, &manifest, "--balance", "1000"],
    );
    let v: serde_json::Value = serde_json::from_slice(&std::fs::read(&f).unwrap()).unwrap();
    assert_eq!(v["Miners"].as_array().unwrap().len(), 1);
    assert_eq!(v["Miners"][0]["ID"], "t01000");
    assert_eq!(v["Miners"][0]["Sectors"].as_array().unwrap().len(), 2);
    assert_eq!(v["Accounts"][0]["Type"], "account");
    assert_eq!(v["Accounts"][0]["Balance"], "1000000000000000000000");
    assert_eq!(v["Accounts"][0]["Meta"]["Owner"], v["Miners"][0]["Owner"]);

    let t = Template::from_json(&std::fs::read(&f).unwrap()).unwrap();
    let (car, g) = padma_state::genesis::make_car(&t).unwrap();
    assert!(!car.is_empty());
    assert_eq!(g.miners.len(), 1);
    // Through the official actors (the devnet bundle: real-proof sectors), as Lotus
    // builds it: the deals signed with the pre-seal's client key are accepted, and the
    // state is the one the direct writer makes.
    let codes = padma_state::code::CodeSet::Devnet;
    let archive = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../../shared/actors/builtin-actors-v18.tar.zst");
    let bundle = padma_fvm::Bundle::load(&archive, codes).unwrap();
    let (_, through_vm) = padma_fvm::genesis::make_genesis_car(&t, codes, &bundle).unwrap();
    let direct = padma_state::genesis::build_with_policy(
        &fvm_ipld_blockstore::MemoryBlockstore::new(),
        &t,
        padma_state::policy::devnet_policy(),
        codes,
    )
    .unwrap();
    assert_eq!(through_vm.cid, direct.cid);

    // The same manifest again would make a second t01000: refused like Lotus.
    let out = seed(dir.path(), &["genesis", "add-miner", fs, &manifest]);
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("tried to set miner t01000 as t01001"));
}
