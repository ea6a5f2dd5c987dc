//! `padma fetch-actors`: downloads the builtin-actors v18 bundles padma's networks
//! use (from the release, or another address), checks each against its manifest CID
//! and keeps it in the repo's `actors/` folder, where the daemon and the devnet find it.

use anyhow::{bail, Context, Result};
use clap::{Args, ValueEnum};
use padma_fvm::bundle::{self, Bundle};
use padma_state::code::CodeSet;
use std::path::Path;
use std::time::Duration;

/// The largest download accepted (a v18 CAR is about 8 MB).
const MAX_DOWNLOAD: usize = 64 << 20;

/// Which bundles to fetch.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum Which {
    /// `builtin-actors-devnet.car` (networks with real proofs).
    Devnet,
    /// `builtin-actors-testing-fake-proofs.car` (mock-proof networks).
    TestingFakeProofs,
    /// Both.
    All,
}

/// Flags of `padma fetch-actors`.
#[derive(Args)]
pub struct FetchActorsArgs {
    /// Which bundle.
    #[arg(long, value_enum, default_value = "all")]
    pub network: Which,
    /// Where the bundles are downloaded from (`<url>/builtin-actors-<network>.car`).
    #[arg(long, default_value = bundle::RELEASE_URL)]
    pub url: String,
}

/// Downloads, checks and caches the bundles into `repo/actors/`.
pub async fn run(args: FetchActorsArgs, repo: &Path) -> Result<()> {
    let sets: &[CodeSet] = match args.network {
        Which::Devnet => &[CodeSet::Devnet],
        Which::TestingFakeProofs => &[CodeSet::FakeProofs],
        Which::All => &[CodeSet::Devnet, CodeSet::FakeProofs],
    };
    let dir = repo.join(bundle::CACHE_DIR);
    let client = reqwest::Client::builder()
        .timeout(Duration::from_secs(300))
        .build()?;
    for &codes in sets {
        let cached = bundle::cached_path(&dir, codes);
        if cached.exists() && Bundle::load(&cached, codes).is_ok() {
            println!(
                "{} is already here: {}",
                bundle::car_file_name(codes),
                cached.display()
            );
            continue;
        }
        let url = format!(
            "{}/{}",
            args.url.trim_end_matches('/'),
            bundle::car_file_name(codes)
        );
        let bytes = download(&client, &url).await?;
        let b = Bundle::from_car(bytes, codes).with_context(|| {
            format!(
                "{url} is not the builtin-actors {} {} bundle",
                bundle::ACTORS_VERSION,
                codes.bundle_name()
            )
        })?;
        let path = b.save_to_cache(&dir)?;
        println!(
            "{} (manifest {}) saved to {}",
            url,
            b.manifest,
            path.display()
        );
    }
    Ok(())
}

async fn download(client: &reqwest::Client, url: &str) -> Result<Vec<u8>> {
    let mut resp = client
        .get(url)
        .send()
        .await
        .with_context(|| format!("downloading {url}"))?;
    if !resp.status().is_success() {
        bail!("downloading {url}: HTTP {}", resp.status());
    }
    let mut out = Vec::new();
    while let Some(chunk) = resp
        .chunk()
        .await
        .with_context(|| format!("downloading {url}"))?
    {
        if out.len() + chunk.len() > MAX_DOWNLOAD {
            bail!("downloading {url}: more than {MAX_DOWNLOAD} bytes, not a bundle");
        }
        out.extend_from_slice(&chunk);
    }
    Ok(out)
}
