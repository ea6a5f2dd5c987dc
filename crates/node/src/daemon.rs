//! `padma daemon`: the node [`NodeBuilder`] builds from the daemon's options, run until
//! SIGINT, SIGTERM or the `Shutdown` method (stop accepting, drain, close the
//! database, remove `api`, release the lock).

use crate::builder::NodeBuilder;
use anyhow::Result;
use std::path::PathBuf;

/// Options of `padma daemon`.
#[derive(Clone, Debug, Default)]
pub struct DaemonOptions {
    /// The repo directory.
    pub repo: PathBuf,
    /// `--api PORT`: listen on 127.0.0.1:PORT instead of the configured address (0: a
    /// free port the system picks, named in the `api` file).
    pub api_port: Option<u16>,
    /// `--genesis FILE`.
    pub genesis: Option<PathBuf>,
    /// `--make-genesis OUT` (`--lotus-make-genesis`): build a genesis CAR from the template and run on it.
    pub make_genesis: Option<PathBuf>,
    /// `--genesis-template FILE` for `--make-genesis`.
    pub genesis_template: Option<PathBuf>,
    /// `--bootstrap`: dial bootstrap peers.
    pub bootstrap: bool,
}

/// Runs the daemon until it is told to stop.
pub async fn run(opts: DaemonOptions) -> Result<()> {
    let node = NodeBuilder::from_options(opts).build().await?;
    let signals = padma_service::signals::termination()?;
    node.run(signals).await
}
