//! `padma auth create-token` and `padma auth api-info`.

use crate::node::Target;
use anyhow::Result;
use clap::Subcommand;

/// Token commands.
#[derive(Subcommand)]
pub enum AuthCmd {
    /// Create a token with permission PERM (and all below it).
    CreateToken {
        /// read, write, sign or admin.
        #[arg(long)]
        perm: String,
    },
    /// Print FULLNODE_API_INFO=<token>:<address> for permission PERM.
    ApiInfo {
        /// read, write, sign or admin.
        #[arg(long)]
        perm: String,
    },
}

async fn new_token(target: &Target, perm: &str) -> Result<String> {
    target.client()?.auth_new(perm).await
}

/// Runs an auth command.
pub async fn run(cmd: AuthCmd, target: &Target) -> Result<()> {
    match cmd {
        AuthCmd::CreateToken { perm } => println!("{}", new_token(target, &perm).await?),
        AuthCmd::ApiInfo { perm } => {
            let token = new_token(target, &perm).await?;
            println!("FULLNODE_API_INFO={token}:{}", target.resolve()?.addr);
        }
    }
    Ok(())
}
