//! `padma auth create-token` and `padma auth api-info`.

use crate::node::Target;
use anyhow::{anyhow, Result};
use base64::engine::general_purpose::STANDARD as B64;
use base64::Engine;
use clap::Subcommand;
use padma_api::common::AuthNew;
use padma_rpc::Permission;
use std::str::FromStr;

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

/// A new token with permission `perm` and every permission below it, as text.
async fn new_token(target: &Target, perm: &str) -> Result<String> {
    let c = target.client()?;
    let perm = Permission::from_str(perm).map_err(|e| anyhow!(e))?;
    let b64 = c
        .request::<AuthNew>((Some(perm.up_to()),))
        .await
        .map_err(|e| anyhow!("AuthNew: {e}"))?;
    let bytes = B64
        .decode(b64)
        .map_err(|e| anyhow!("AuthNew returned invalid base64: {e}"))?;
    String::from_utf8(bytes).map_err(|_| anyhow!("AuthNew returned a non-text token"))
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
