//! `cargo bench -p padma-proofs`: seal, WinningPoSt and WindowPoSt on 2KiB sectors, padma's
//! wrappers against calling filecoin-proofs-api directly, in the same process.
//!
//! Runs alternate in ABBA order so drift (page cache, other load) hits both sides alike.
//! `PADMA_BENCH_ROUNDS` (default 1) sets the ABBA rounds (PoSt runs 3x as many); a seal takes
//! about 90 s of CPU. `PADMA_BENCH_ONLY=seal` or `post` runs one half.
//! The devnet parameters are generated first if missing (about 17 minutes, once).

#![allow(clippy::unwrap_used, clippy::indexing_slicing, clippy::string_slice)] // measurement code, not shipped: a panic ends the run

use filecoin_proofs_api::{post as api_post, seal as api_seal};
use filecoin_proofs_api::{
    PrivateReplicaInfo, RegisteredPoStProof, RegisteredSealProof, SectorId, UnpaddedBytesAmount,
};
use padma_proofs::post::{self, ProvingSector};
use padma_proofs::seal::{self, SectorPaths};
use padma_proofs::{ensure_params, ParamSet, ParamsNeeded};
use std::collections::BTreeMap;
use std::io::Read;
use std::path::Path;
use std::time::{Duration, Instant};

const MINER: u64 = 1000;
const SEAL: i64 = 5;
const TICKET: [u8; 32] = [3; 32];
const SEED: [u8; 32] = [4; 32];

fn padma_seal(root: &Path, n: u64) -> Vec<u8> {
    let paths = SectorPaths::new(root, MINER, n);
    paths.prepare().expect("prepare");
    let prover = seal::prover_id(MINER);
    let piece = seal::add_cc_piece(SEAL, &paths.unsealed).expect("add piece");
    let pc1 = seal::pre_commit1(SEAL, &paths, prover, n, TICKET, &[piece]).expect("pc1");
    let comms = seal::pre_commit2(pc1, &paths).expect("pc2");
    let c1 = seal::commit1(SEAL, &paths, prover, n, TICKET, SEED, comms, &[piece]).expect("c1");
    let proof = seal::commit2(c1, prover, n).expect("c2");
    seal::finalize(&paths).expect("finalize");
    proof
}

fn direct_seal(root: &Path, n: u64) -> Vec<u8> {
    let p = RegisteredSealProof::StackedDrg2KiBV1_1;
    let dir = root.join(format!("direct-{n}"));
    let (cache, staged, sealed) = (dir.join("cache"), dir.join("staged"), dir.join("sealed"));
    std::fs::create_dir_all(&cache).expect("cache dir");
    std::fs::File::create(&sealed).expect("sealed file");
    let staged_file = std::fs::File::create(&staged).expect("staged file");
    let (piece, _) = api_seal::add_piece(
        p,
        std::io::repeat(0).take(2032),
        staged_file,
        UnpaddedBytesAmount(2032),
        &[],
    )
    .expect("add piece");
    let mut prover = [0u8; 32];
    prover[..2].copy_from_slice(&[0xe8, 0x07]);
    let id = SectorId::from(n);
    let pc1 = api_seal::seal_pre_commit_phase1(
        p,
        &cache,
        &staged,
        &sealed,
        prover,
        id,
        TICKET,
        std::slice::from_ref(&piece),
    )
    .expect("pc1");
    let pc2 = api_seal::seal_pre_commit_phase2(pc1, &cache, &sealed).expect("pc2");
    let c1 = api_seal::seal_commit_phase1(&cache, &sealed, prover, id, TICKET, SEED, pc2, &[piece])
        .expect("c1");
    let out = api_seal::seal_commit_phase2(c1, prover, id).expect("c2");
    api_seal::clear_cache(&cache).expect("finalize");
    out.proof
}

fn replicas(
    sectors: &[ProvingSector],
    p: RegisteredPoStProof,
) -> BTreeMap<SectorId, PrivateReplicaInfo> {
    sectors
        .iter()
        .map(|s| {
            (
                SectorId::from(s.number),
                PrivateReplicaInfo::new(p, s.comm_r, s.cache.clone(), s.sealed.clone()),
            )
        })
        .collect()
}

fn time(f: impl FnOnce()) -> Duration {
    let start = Instant::now();
    f();
    start.elapsed()
}

/// Run `padma` and `direct` in ABBA order `rounds` times; print means.
fn compare(name: &str, rounds: usize, mut padma: impl FnMut(usize), mut direct: impl FnMut(usize)) {
    let (mut a, mut b) = (Vec::new(), Vec::new());
    for r in 0..rounds {
        a.push(time(|| padma(4 * r)));
        b.push(time(|| direct(4 * r + 1)));
        b.push(time(|| direct(4 * r + 2)));
        a.push(time(|| padma(4 * r + 3)));
    }
    let secs = |v: &[Duration]| {
        v.iter()
            .map(|d| format!("{:.2}", d.as_secs_f64()))
            .collect::<Vec<_>>()
            .join(" ")
    };
    eprintln!(
        "{name}: padma runs [{}] s, api runs [{}] s",
        secs(&a),
        secs(&b)
    );
    let mean = |v: &[Duration]| v.iter().sum::<Duration>().as_secs_f64() / v.len() as f64;
    let min = |v: &[Duration]| v.iter().min().map_or(0.0, Duration::as_secs_f64);
    let (ma, mb, na, nb) = (mean(&a), mean(&b), min(&a), min(&b));
    println!(
        "{name:<12} mean: padma {ma:>8.3} s  api {mb:>8.3} s  ({:+.1}%)   min: padma {na:>8.3} s  api {nb:>8.3} s  ({:+.1}%)   {} runs each",
        (ma - mb) / mb * 100.0,
        (na - nb) / nb * 100.0,
        a.len()
    );
}

fn main() {
    // `cargo bench` passes `--bench`; accept and ignore harness flags.
    let rounds: usize = std::env::var("PADMA_BENCH_ROUNDS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(1);
    eprintln!("ensuring 2KiB devnet parameters (generated if missing)...");
    ensure_params(2048, ParamsNeeded::All, ParamSet::Devnet, &|_| {}).expect("parameters");
    let dir = tempfile::tempdir().expect("tempdir");
    let root = dir.path();

    let only = std::env::var("PADMA_BENCH_ONLY").unwrap_or_default();
    if only.is_empty() || only == "seal" {
        // Warm up: load the PoRep parameters once so neither side pays the first load.
        let warm = padma_seal(root, 1000);
        assert_eq!(warm.len(), 192);
        compare(
            "seal",
            rounds,
            |i| drop(padma_seal(root, i as u64)),
            |i| drop(direct_seal(root, i as u64)),
        );
    }
    if !(only.is_empty() || only == "post") {
        return;
    }

    let sectors: Vec<ProvingSector> = (1..=2)
        .map(|n| {
            let paths = SectorPaths::new(&root.join("faux"), MINER, n);
            let comms = seal::fauxrep(SEAL, &paths).expect("fauxrep");
            ProvingSector {
                number: n,
                comm_r: comms.comm_r,
                sealed: paths.sealed,
                cache: paths.cache,
            }
        })
        .collect();
    let prover = seal::prover_id(MINER);
    let rand = [7u8; 32];
    let winning_map = replicas(&sectors[..1], RegisteredPoStProof::StackedDrgWinning2KiBV1);
    let window_map = replicas(&sectors, RegisteredPoStProof::StackedDrgWindow2KiBV1_2);
    let post_rounds = rounds * 3;
    post::generate_winning_post(0, prover, rand, &sectors[..1]).expect("warm winning");
    post::generate_window_post(10, prover, rand, &sectors).expect("warm window");
    compare(
        "WinningPoSt",
        post_rounds,
        |_| drop(post::generate_winning_post(0, prover, rand, &sectors[..1]).expect("winning")),
        |_| {
            drop(
                api_post::generate_winning_post(&post::post_randomness(rand), &winning_map, prover)
                    .expect("winning"),
            )
        },
    );
    compare(
        "WindowPoSt",
        post_rounds,
        |_| drop(post::generate_window_post(10, prover, rand, &sectors).expect("window")),
        |_| {
            drop(
                api_post::generate_window_post(&post::post_randomness(rand), &window_map, prover)
                    .expect("window"),
            )
        },
    );
}
