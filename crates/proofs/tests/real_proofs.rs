//! Real 2KiB proofs end to end, with the devnet parameters in the shared parameter cache
//! (`FIL_PROOFS_PARAMETER_CACHE`, default /var/tmp/filecoin-proof-parameters). Missing
//! parameters are generated first: about a minute for PoSt, about 16 minutes and 5 GB of
//! memory for PoRep, once per machine.

#![allow(clippy::unwrap_used, clippy::indexing_slicing, clippy::string_slice)] // test code: a panic is a failed test

use padma_proofs::post::{self, ProvingSector};
use padma_proofs::seal::{self, SectorPaths};
use padma_proofs::tasks::{self, Cancel, SealRequest};
use padma_proofs::verifier::{
    mock, MockVerifier, PoStVerifyInfo, ProofVerifier, RealVerifier, SealVerifyInfo,
};
use padma_proofs::{ensure_params, ParamEvent, ParamSet, ParamsNeeded};
use padma_types::sector::{
    seal_proof_for_size, window_post_for_size, winning_post_for_size, SIZE_2KIB, SIZE_8MIB,
};
use std::sync::Mutex;

const MINER: u64 = 1000;

/// Serialises parameter checks between the tests of this binary (the lock file does the
/// same between processes; this just keeps the output readable).
static PARAMS: Mutex<()> = Mutex::new(());

fn ensure(size: u64, needed: ParamsNeeded) {
    let _guard = PARAMS.lock().unwrap_or_else(|e| e.into_inner());
    let print = |e: &ParamEvent| match e {
        ParamEvent::Generating { elapsed, .. } if elapsed.as_secs() % 60 != 0 => {}
        other => eprintln!("params: {other:?}"),
    };
    ensure_params(size, needed, ParamSet::Devnet, &print).expect("devnet parameters");
}

fn winning(size: u64) -> i64 {
    i64::from(winning_post_for_size(size).expect("winning"))
}

fn window(size: u64) -> i64 {
    i64::from(window_post_for_size(size).expect("window"))
}

fn flipped(proof: &[u8], at: usize) -> Vec<u8> {
    let mut p = proof.to_vec();
    p[at] ^= 0x01;
    p
}

/// WinningPoSt and WindowPoSt over `sectors`: both verify, and fail with a flipped byte,
/// other randomness, or through the mock verifier.
fn prove_and_verify_posts(size: u64, sectors: &[ProvingSector]) {
    let (winning_type, window_type) = (winning(size), window(size));
    let prover = seal::prover_id(MINER);
    let randomness = [0x5au8; 32];
    let public: Vec<(u64, [u8; 32])> = sectors.iter().map(|s| (s.number, s.comm_r)).collect();

    let challenge = RealVerifier
        .winning_post_sector_challenge(winning_type, MINER, randomness, sectors.len() as u64)
        .expect("challenge");
    let chosen: Vec<ProvingSector> = challenge
        .iter()
        .map(|i| sectors[*i as usize].clone())
        .collect();
    let chosen_public: Vec<(u64, [u8; 32])> = chosen.iter().map(|s| (s.number, s.comm_r)).collect();
    let proof = post::generate_winning_post(winning_type, prover, randomness, &chosen)
        .expect("winning post");
    let mut info = PoStVerifyInfo {
        post_proof: winning_type,
        miner_id: MINER,
        randomness,
        sectors: chosen_public,
        proof,
    };
    assert!(RealVerifier
        .verify_winning_post(&info)
        .expect("verify winning"));
    assert!(
        !MockVerifier
            .verify_winning_post(&info)
            .expect("mock verifier"),
        "mock verifier accepted a real proof"
    );
    let good = info.proof.clone();
    for at in [0, good.len() / 2, good.len() - 1] {
        info.proof = flipped(&good, at);
        assert!(
            !matches!(RealVerifier.verify_winning_post(&info), Ok(true)),
            "flipped byte {at} accepted"
        );
    }
    info.proof = good;
    info.randomness[0] ^= 1;
    assert!(
        !matches!(RealVerifier.verify_winning_post(&info), Ok(true)),
        "other randomness accepted"
    );

    let proof =
        post::generate_window_post(window_type, prover, randomness, sectors).expect("window post");
    let partitions = post::window_post_partitions(window_type, sectors.len()).expect("partitions");
    assert_eq!(proof.len(), 192 * partitions);
    let mut info = PoStVerifyInfo {
        post_proof: window_type,
        miner_id: MINER,
        randomness,
        sectors: public,
        proof,
    };
    assert!(RealVerifier
        .verify_window_post(&info)
        .expect("verify window"));
    assert!(!MockVerifier
        .verify_window_post(&info)
        .expect("mock verifier"));
    let good = info.proof.clone();
    for at in [0, good.len() / 2, good.len() - 1] {
        info.proof = flipped(&good, at);
        assert!(
            !matches!(RealVerifier.verify_window_post(&info), Ok(true)),
            "flipped byte {at} accepted"
        );
    }
    info.proof = good;
    // The PoSt circuits bind sectors through CommR (which binds the prover), not the prover id.
    info.sectors[0].1[0] ^= 1;
    assert!(
        !matches!(RealVerifier.verify_window_post(&info), Ok(true)),
        "other CommR accepted"
    );
}

fn fauxrep_sectors(size: u64, count: u64, root: &std::path::Path) -> Vec<ProvingSector> {
    let seal_proof = i64::from(seal_proof_for_size(size).expect("seal type"));
    (1..=count)
        .map(|n| {
            let paths = SectorPaths::new(root, MINER, n);
            let comms = seal::fauxrep(seal_proof, &paths).expect("fauxrep");
            assert_eq!(
                comms.comm_d,
                seal::compute_comm_d(seal_proof, &[]).expect("empty CommD")
            );
            ProvingSector {
                number: n,
                comm_r: comms.comm_r,
                sealed: paths.sealed,
                cache: paths.cache,
            }
        })
        .collect()
}

#[test]
fn real_proofs_fauxrep_sectors_prove_posts() {
    ensure(SIZE_2KIB, ParamsNeeded::PostOnly);
    let dir = tempfile::tempdir().expect("tempdir");
    // Three sectors need two WindowPoSt partitions of two sectors each.
    prove_and_verify_posts(SIZE_2KIB, &fauxrep_sectors(SIZE_2KIB, 3, dir.path()));
}

/// 8MiB sectors: the same code on another tree size (PoSt parameters only; the 8MiB PoRep
/// parameters are not generated by the tests).
#[test]
fn real_proofs_fauxrep_8mib_sectors_prove_posts() {
    ensure(SIZE_8MIB, ParamsNeeded::PostOnly);
    let dir = tempfile::tempdir().expect("tempdir");
    prove_and_verify_posts(SIZE_8MIB, &fauxrep_sectors(SIZE_8MIB, 2, dir.path()));
}

/// Seals a committed-capacity sector of `size` for real, verifies the seal (and that
/// tampered or mock proofs fail), then proves WinningPoSt and WindowPoSt over it.
async fn seal_verify_and_prove(size: u64) {
    tokio::task::spawn_blocking(move || ensure(size, ParamsNeeded::All))
        .await
        .expect("params");
    let seal_proof = i64::from(seal_proof_for_size(size).expect("seal type"));
    let dir = tempfile::tempdir().expect("tempdir");
    let paths = SectorPaths::new(dir.path(), MINER, 7);
    let (ticket, seed) = ([3u8; 32], [4u8; 32]);
    let req = SealRequest {
        seal_proof,
        miner_id: MINER,
        sector_number: 7,
        paths: paths.clone(),
        ticket,
        seed,
        pieces: vec![],
    };
    let sealed = tasks::seal_sector(req, &Cancel::new()).await.expect("seal");
    assert_eq!(sealed.proof.len(), 192);
    assert_eq!(
        sealed.commitments.comm_d,
        seal::compute_comm_d(seal_proof, &[]).expect("CC CommD")
    );

    let mut info = SealVerifyInfo {
        seal_proof,
        miner_id: MINER,
        sector_number: 7,
        comm_r: sealed.commitments.comm_r,
        comm_d: sealed.commitments.comm_d,
        ticket,
        seed,
        proof: sealed.proof.clone(),
    };
    assert!(RealVerifier.verify_seal(&info).expect("verify seal"));
    assert!(
        !MockVerifier.verify_seal(&info).expect("mock verifier"),
        "mock verifier accepted a real proof"
    );
    for at in [0, 96, 191] {
        info.proof = flipped(&sealed.proof, at);
        assert!(
            !matches!(RealVerifier.verify_seal(&info), Ok(true)),
            "flipped byte {at} accepted"
        );
    }
    info.proof = sealed.proof.clone();
    info.seed[0] ^= 1;
    assert!(
        !matches!(RealVerifier.verify_seal(&info), Ok(true)),
        "other seed accepted"
    );
    info.seed = seed;
    info.proof = mock::seal_proof(&info);
    assert!(
        !RealVerifier.verify_seal(&info).expect("real verifier"),
        "real verifier accepted a mock proof"
    );

    // Finalize kept what PoSt needs.
    let sector = ProvingSector {
        number: 7,
        comm_r: sealed.commitments.comm_r,
        sealed: paths.sealed,
        cache: paths.cache,
    };
    tokio::task::spawn_blocking(move || prove_and_verify_posts(size, &[sector]))
        .await
        .expect("posts");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn real_proofs_2kib_sector_seals_verifies_and_proves_posts() {
    seal_verify_and_prove(SIZE_2KIB).await;
}

/// The same on an 8MiB sector. Its PoRep devnet parameters take about 40 minutes and
/// more than 10 GB of memory to generate on 2 cores (`padma fetch-params 8MiB`), more
/// than CI's budget on a fresh machine, so this one runs on request:
/// `cargo test -p padma-proofs --test real_proofs -- --ignored`.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs the 8MiB PoRep devnet parameters (padma fetch-params 8MiB, ~40 min)"]
async fn real_proofs_8mib_sector_seals_verifies_and_proves_posts() {
    seal_verify_and_prove(SIZE_8MIB).await;
}
