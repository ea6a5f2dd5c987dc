//! Proving and verifying with an empty parameter cache fail with errors that name the
//! missing file and the command that provides it. This binary points the proofs library at
//! an empty directory, so it holds a single test (the library reads its settings once).

#![allow(clippy::unwrap_used, clippy::indexing_slicing, clippy::string_slice)] // test code: a panic is a failed test

use padma_proofs::post::{self, ProvingSector, PublicSector};
use padma_proofs::seal::{self, SectorPaths};
use padma_proofs::verifier::{ProofVerifier, RealVerifier, SealVerifyInfo};

#[test]
fn missing_parameter_files_are_named() {
    let cache = tempfile::tempdir().expect("tempdir");
    // Before any proofs call in this process: the library reads it once.
    std::env::set_var("FIL_PROOFS_PARAMETER_CACHE", cache.path());
    let dir = tempfile::tempdir().expect("tempdir");
    let prover = seal::prover_id(1000);
    let check = |err: anyhow::Error, what: &str| {
        let msg = format!("{err:#}");
        assert!(msg.contains(what), "{msg}");
        assert!(msg.contains(&cache.path().display().to_string()), "{msg}");
        assert!(msg.contains("padma fetch-params 2KiB"), "{msg}");
    };

    // PreCommit and Commit1 need no parameters; Commit2 does.
    let paths = SectorPaths::new(dir.path(), 1000, 1);
    paths.prepare().expect("prepare");
    let piece = seal::add_cc_piece(5, &paths.unsealed).expect("cc");
    let pc1 = seal::pre_commit1(5, &paths, prover, 1, [1; 32], &[piece]).expect("pc1");
    let comms = seal::pre_commit2(pc1, &paths).expect("pc2");
    let c1 = seal::commit1(5, &paths, prover, 1, [1; 32], [2; 32], comms, &[piece]).expect("c1");
    check(
        seal::commit2(c1, prover, 1).expect_err("no PoRep params"),
        "PoRep parameter file",
    );

    let info = SealVerifyInfo {
        seal_proof: 5,
        miner_id: 1000,
        sector_number: 1,
        comm_r: comms.comm_r,
        comm_d: comms.comm_d,
        ticket: [1; 32],
        seed: [2; 32],
        proof: vec![0; 192],
    };
    check(
        RealVerifier.verify_seal(&info).expect_err("no PoRep vk"),
        "PoRep verifying key",
    );

    let faux = SectorPaths::new(dir.path(), 1000, 2);
    let comms = seal::fauxrep(5, &faux).expect("fauxrep");
    let sector = ProvingSector {
        number: 2,
        comm_r: comms.comm_r,
        sealed: faux.sealed,
        cache: faux.cache,
    };
    let public = [PublicSector {
        number: 2,
        comm_r: comms.comm_r,
    }];
    check(
        post::generate_winning_post(0, prover, [3; 32], std::slice::from_ref(&sector))
            .expect_err("no params"),
        "PoSt parameter file",
    );
    check(
        post::generate_window_post(10, prover, [3; 32], &[sector]).expect_err("no params"),
        "PoSt parameter file",
    );
    check(
        post::verify_winning_post(0, prover, [3; 32], &public, &[0; 192]).expect_err("no vk"),
        "PoSt verifying key",
    );
    check(
        post::verify_window_post(10, prover, [3; 32], &public, &[0; 192]).expect_err("no vk"),
        "PoSt verifying key",
    );
}
