//! Times this machine's WinningPoSt over a devnet's pre-sealed genesis sector, for
//! [`padma_chain::pace`] to pick a block time it can sustain.

use anyhow::{anyhow, Context, Result};
use padma_state::genesis::template::Miner;
use std::collections::BTreeMap;
use std::path::Path;
use std::time::Duration;

/// Times a WinningPoSt over the first pre-sealed sector of the manifest.
pub fn measure_winning_post(sector_dir: &Path, manifest: &[u8]) -> Result<Duration> {
    let miners: BTreeMap<String, Miner> =
        serde_json::from_slice(manifest).context("reading the pre-seal manifest")?;
    let miner = miners
        .values()
        .next()
        .ok_or_else(|| anyhow!("the pre-seal manifest has no miner"))?;
    let miner_id = miner
        .id
        .id()
        .context("the pre-sealed miner is not an ID address")?;
    let sector = miner
        .sectors
        .first()
        .ok_or_else(|| anyhow!("the pre-seal manifest has no sector"))?;
    let paths = padma_proofs::seal::SectorPaths::new(sector_dir, miner_id, sector.sector_id);
    let proving = padma_proofs::post::ProvingSector {
        number: sector.sector_id,
        comm_r: padma_types::cid::commitment(&sector.comm_r.0).map_err(|e| anyhow!(e))?,
        sealed: paths.sealed,
        cache: paths.cache,
    };
    let post = padma_proofs::types::post_proof_number(padma_proofs::types::winning_post_for_size(
        miner.sector_size,
    )?);
    padma_proofs::post::time_winning_post(post, miner_id, &proving)
}
