//! Running proof work off the async runtime, cancellably between steps.
//!
//! The proofs library cannot be interrupted inside a step (Commit2 runs to its end), so
//! cancellation takes effect at the next step boundary.

use crate::post::{self, ProvingSector};
use crate::seal::{self, Piece, ProverId, SectorCommitments, SectorPaths};
use anyhow::{bail, Context, Result};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

/// A shared cancellation flag (e.g. set at node shutdown).
#[derive(Debug, Clone, Default)]
pub struct Cancel(Arc<AtomicBool>);

impl Cancel {
    /// A fresh, un-cancelled flag.
    pub fn new() -> Self {
        Self::default()
    }

    /// Ask the work to stop at the next step boundary.
    pub fn cancel(&self) {
        self.0.store(true, Ordering::SeqCst);
    }

    /// Whether [`Cancel::cancel`] was called.
    pub fn is_cancelled(&self) -> bool {
        self.0.load(Ordering::SeqCst)
    }

    /// An error if cancelled, naming the step that would have run next.
    pub fn check(&self, next: &str) -> Result<()> {
        if self.is_cancelled() {
            bail!("cancelled before {next}");
        }
        Ok(())
    }
}

/// Run `f` on tokio's blocking pool, unless `cancel` is already set.
pub async fn blocking<T, F>(cancel: &Cancel, step: &str, f: F) -> Result<T>
where
    T: Send + 'static,
    F: FnOnce() -> Result<T> + Send + 'static,
{
    cancel.check(step)?;
    tokio::task::spawn_blocking(f)
        .await
        .with_context(|| format!("{step} task panicked or was aborted"))?
}

/// What to seal: a sector of one miner, with its randomness.
#[derive(Debug, Clone)]
pub struct SealRequest {
    /// Filecoin's seal proof number (5 = StackedDrg2KiBV1_1).
    pub seal_proof: i64,
    /// The miner's actor id.
    pub miner_id: u64,
    /// Sector number.
    pub sector_number: u64,
    /// The sector's files.
    pub paths: SectorPaths,
    /// Sealing randomness.
    pub ticket: [u8; 32],
    /// Interactive randomness for Commit1.
    pub seed: [u8; 32],
    /// The pieces already written to the unsealed file (empty: a CC sector is filled in).
    pub pieces: Vec<Piece>,
}

/// A sealed sector: its commitments and seal proof.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SealedSector {
    /// CommR and CommD.
    pub commitments: SectorCommitments,
    /// The Groth16 seal proof.
    pub proof: Vec<u8>,
}

/// Seal a sector end to end (add CC data if no pieces, PC1, PC2, C1, C2, finalize), each
/// step on the blocking pool; `cancel` is checked between steps.
pub async fn seal_sector(req: SealRequest, cancel: &Cancel) -> Result<SealedSector> {
    let r = Arc::new(req);
    let prover: ProverId = seal::prover_id(r.miner_id);
    let pieces = if r.pieces.is_empty() {
        let r2 = r.clone();
        let piece = blocking(cancel, "add piece", move || {
            r2.paths.prepare()?;
            seal::add_cc_piece(r2.seal_proof, &r2.paths.unsealed)
        })
        .await?;
        vec![piece]
    } else {
        r.pieces.clone()
    };
    let pieces = Arc::new(pieces);
    let (r2, p2) = (r.clone(), pieces.clone());
    let pc1 = blocking(cancel, "PreCommit1", move || {
        seal::pre_commit1(
            r2.seal_proof,
            &r2.paths,
            prover,
            r2.sector_number,
            r2.ticket,
            &p2,
        )
    })
    .await?;
    let r2 = r.clone();
    let comms = blocking(cancel, "PreCommit2", move || {
        seal::pre_commit2(pc1, &r2.paths)
    })
    .await?;
    let (r2, p2) = (r.clone(), pieces.clone());
    let c1 = blocking(cancel, "Commit1", move || {
        seal::commit1(
            r2.seal_proof,
            &r2.paths,
            prover,
            r2.sector_number,
            r2.ticket,
            r2.seed,
            comms,
            &p2,
        )
    })
    .await?;
    let sector = r.sector_number;
    let proof = blocking(cancel, "Commit2", move || seal::commit2(c1, prover, sector)).await?;
    let r2 = r.clone();
    blocking(cancel, "finalize", move || seal::finalize(&r2.paths)).await?;
    Ok(SealedSector {
        commitments: comms,
        proof,
    })
}

/// [`post::generate_winning_post`] on the blocking pool.
pub async fn winning_post(
    post_proof: i64,
    miner_id: u64,
    randomness: [u8; 32],
    sectors: Vec<ProvingSector>,
    cancel: &Cancel,
) -> Result<Vec<u8>> {
    blocking(cancel, "WinningPoSt", move || {
        post::generate_winning_post(post_proof, seal::prover_id(miner_id), randomness, &sectors)
    })
    .await
}

/// [`post::generate_window_post`] on the blocking pool.
pub async fn window_post(
    post_proof: i64,
    miner_id: u64,
    randomness: [u8; 32],
    sectors: Vec<ProvingSector>,
    cancel: &Cancel,
) -> Result<Vec<u8>> {
    blocking(cancel, "WindowPoSt", move || {
        post::generate_window_post(post_proof, seal::prover_id(miner_id), randomness, &sectors)
    })
    .await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_cancelled_seal_stops_before_the_first_step() {
        let dir = tempfile::tempdir().expect("tempdir");
        let cancel = Cancel::new();
        cancel.cancel();
        let req = SealRequest {
            seal_proof: 5,
            miner_id: 1000,
            sector_number: 1,
            paths: SectorPaths::new(dir.path(), 1000, 1),
            ticket: [1; 32],
            seed: [2; 32],
            pieces: vec![],
        };
        let err = seal_sector(req, &cancel).await.expect_err("cancelled");
        assert!(
            err.to_string().contains("cancelled before add piece"),
            "{err}"
        );
        assert!(!dir.path().join("sealed").exists());
    }
}
