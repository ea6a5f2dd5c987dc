//! `padma daemon` and `padma daemon stop`.

use crate::node::Target;
use anyhow::Result;
use clap::{Args, Subcommand};
use padma_api::common::Shutdown;
use padma_node::daemon::DaemonOptions;
use std::path::PathBuf;

/// Flags of `padma daemon`.
#[derive(Args)]
pub struct DaemonArgs {
    /// Port of the API on 127.0.0.1 (overrides API.ListenAddress).
    #[arg(long)]
    pub api: Option<u16>,
    /// Genesis CAR file for the first start.
    #[arg(long)]
    pub genesis: Option<PathBuf>,
    /// Build a genesis CAR from --genesis-template, write it here, and run on it.
    #[arg(long, alias = "lotus-make-genesis")]
    pub make_genesis: Option<PathBuf>,
    /// Genesis template (`padma-seed genesis new`) for --make-genesis.
    #[arg(long)]
    pub genesis_template: Option<PathBuf>,
    /// Dial bootstrap peers.
    #[arg(long, default_value_t = true, action = clap::ArgAction::Set, num_args = 0..=1, default_missing_value = "true")]
    pub bootstrap: bool,
    /// libp2p listen addresses, comma-separated (overrides Libp2p.ListenAddresses).
    #[arg(long, value_delimiter = ',')]
    pub libp2p_listen: Option<Vec<String>>,
    /// Bootstrap peers, comma-separated /ip4/…/tcp/…/p2p/<peer ID> addresses
    /// (overrides Libp2p.BootstrapPeers).
    #[arg(long, value_delimiter = ',')]
    pub bootstrap_peers: Option<Vec<String>>,
    /// Run without libp2p (an island: no peers, no sync).
    #[arg(long)]
    pub no_libp2p: bool,
    /// The builtin-actors v18 bundle: a CAR, or Lotus's v18.tar.zst (else
    /// PADMA_ACTORS_BUNDLE, else the copy cached in the repo's actors/ folder).
    #[arg(long)]
    pub actors_bundle: Option<PathBuf>,
    #[command(subcommand)]
    pub command: Option<DaemonCmd>,
}

/// Subcommands of `padma daemon`.
#[derive(Subcommand)]
pub enum DaemonCmd {
    /// Stop a running daemon (calls Shutdown).
    Stop,
}

/// Runs the daemon or its subcommand.
pub async fn run(args: DaemonArgs, target: &Target) -> Result<()> {
    match args.command {
        Some(DaemonCmd::Stop) => {
            target.client()?.request::<Shutdown>(()).await?;
            println!("daemon stopping");
            Ok(())
        }
        None => {
            padma_node::daemon::run(DaemonOptions {
                repo: target.repo.clone(),
                api_port: args.api,
                genesis: args.genesis,
                make_genesis: args.make_genesis,
                genesis_template: args.genesis_template,
                bootstrap: args.bootstrap,
                libp2p_listen: args.libp2p_listen,
                bootstrap_peers: args.bootstrap_peers,
                no_libp2p: args.no_libp2p,
                actors_bundle: args.actors_bundle,
            })
            .await
        }
    }
}
