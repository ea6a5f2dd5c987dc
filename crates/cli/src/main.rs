//! `padma`: the full node daemon and the Lotus-style client commands.

mod cmd;
mod message_cids;
mod multiaddr;
mod node;
mod util;

use clap::{Parser, Subcommand};
use padma_repo::paths::{default_node_repo, expand_home};
use padma_repo::process;
use std::path::PathBuf;

/// padma: a Filecoin full node with the Lotus workflow.
#[derive(Parser)]
#[command(name = "padma", version, about)]
struct Cli {
    /// Repo of the full node (also where clients find its `api` and `token`).
    #[arg(long, global = true, env = "PADMA_PATH")]
    repo: Option<PathBuf>,
    /// API to talk to: `TOKEN:MULTIADDR`, a multiaddr or a URL (overrides FULLNODE_API_INFO).
    #[arg(long, global = true)]
    api_url: Option<String>,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Run the full node.
    Daemon(cmd::daemon::DaemonArgs),
    /// Run a whole devnet in one command: keys, genesis sectors, genesis, the full node
    /// and the genesis miner mining blocks.
    Devnet(cmd::devnet::DevnetArgs),
    /// Print the node's and this client's versions.
    Version,
    /// Manage API tokens.
    #[command(subcommand)]
    Auth(cmd::auth::AuthCmd),
    /// Manage the node's wallet.
    #[command(subcommand)]
    Wallet(cmd::wallet::WalletCmd),
    /// Send funds (or call a method) from a wallet address; prints the message CID.
    Send(cmd::send::SendArgs),
    /// Interact with the blockchain: head, blocks, messages, segments.
    #[command(subcommand)]
    Chain(cmd::chain::ChainCmd),
    /// Inspect the message pool.
    #[command(subcommand)]
    Mpool(cmd::mpool::MpoolCmd),
    /// Interact with a multisig wallet.
    #[command(subcommand)]
    Msig(cmd::msig::MsigCmd),
    /// Query chain state: actors, addresses, miners, power, messages, local calls.
    State(cmd::state::StateArgs),
    /// Manage P2P Network.
    #[command(subcommand)]
    Net(cmd::net::NetCmd),
    /// Inspect the chain syncer.
    #[command(subcommand)]
    Sync(cmd::sync::SyncCmd),
    /// Make sure the proof parameters for a sector size (2KiB, 8MiB, 512MiB, 32GiB, 64GiB or
    /// bytes) are in the parameter cache; missing devnet parameters are generated offline.
    FetchParams {
        /// Sector size.
        size: String,
    },
    /// Download the builtin-actors v18 bundles (checked against their manifest CIDs)
    /// into the repo's actors/ folder.
    FetchActors(cmd::fetch_actors::FetchActorsArgs),
}

fn main() {
    let cli: Cli = process::parse_args();
    let is_daemon = matches!(&cli.command, Command::Daemon(a) if a.command.is_none())
        || matches!(&cli.command, Command::Devnet(_));
    process::init_logging(is_daemon);
    if !is_daemon {
        process::quiet_closed_pipe();
    }
    let repo = cli
        .repo
        .clone()
        .map(|p| expand_home(&p))
        .unwrap_or_else(default_node_repo);
    let target = node::Target {
        repo: repo.clone(),
        api_url: cli.api_url.clone(),
    };
    process::run_main(async move {
        match cli.command {
            Command::Daemon(args) => cmd::daemon::run(args, &target).await,
            Command::Devnet(args) => cmd::devnet::run(args).await,
            Command::Version => cmd::version(&target).await,
            Command::Auth(c) => cmd::auth::run(c, &target).await,
            Command::Wallet(c) => cmd::wallet::run(c, &target).await,
            Command::Send(a) => cmd::send::run(a, &target).await,
            Command::Chain(c) => cmd::chain::run(c, &target).await,
            Command::Mpool(c) => cmd::mpool::run(c, &target).await,
            Command::Msig(c) => cmd::msig::run(c, &target).await,
            Command::State(a) => cmd::state::run(a, &target).await,
            Command::Net(c) => cmd::net::run(c, &target).await,
            Command::Sync(c) => cmd::sync::run(c, &target).await,
            Command::FetchParams { size } => cmd::fetch_params::run(size).await,
            Command::FetchActors(a) => cmd::fetch_actors::run(a, &target.repo).await,
        }
    });
}

#[cfg(test)]
mod tests {
    #[test]
    fn every_command_definition_is_valid() {
        use clap::CommandFactory;
        super::Cli::command().debug_assert();
    }
}
