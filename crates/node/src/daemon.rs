//! `padma daemon`: the node [`NodeBuilder`] builds from the daemon's options, run until
//! SIGINT, SIGTERM or the `Shutdown` method (stop accepting, drain, close the
//! database, remove `api`, release the lock).

pub use crate::builder::DaemonOptions;
use crate::builder::NodeBuilder;
use anyhow::Result;

/// Runs the daemon until it is told to stop.
pub async fn run(opts: DaemonOptions) -> Result<()> {
    let node = NodeBuilder::from_options(opts).build().await?;
    let signals = padma_service::signals::termination()?;
    node.run(signals).await
}
