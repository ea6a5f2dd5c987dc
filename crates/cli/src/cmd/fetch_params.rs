//! `padma fetch-params SIZE`: make sure the proof parameters of a sector size are in the
//! parameter cache, generating padma's devnet parameters offline when missing.

use anyhow::{Context, Result};

/// Runs the parameter check/generation on a blocking thread, printing progress to stderr.
pub async fn run(size: String) -> Result<()> {
    tokio::task::spawn_blocking(move || padma_proofs::params::fetch_params_command(&size))
        .await
        .context("fetch-params task failed")?
}
