//! The miner's client commands, as Lotus's `lotus-miner`: `info`, `sectors`,
//! `proving`, `actor`, `auth` and `stop`. They reach the running miner through
//! `MINER_API_INFO` or the miner repo's `api` and `token` files, and the full node as
//! the other commands do.

pub mod actor;
pub mod info;
pub mod proving;
pub mod sectors;

use crate::fullnode::method_name;
use anyhow::{anyhow, Context, Result};
use base64::engine::general_purpose::STANDARD as B64;
use base64::Engine;
use clap::Subcommand;
use fvm_shared::address::Address;
use padma_api::common::{AuthNew, Shutdown};
use padma_api::storage_miner::ActorAddress;
use padma_rpc::client::{ApiInfo, RpcClient};
use padma_rpc::{Permission, RpcMethod};
use std::path::PathBuf;
use std::str::FromStr;

/// Where the client commands find the miner and the node.
#[derive(Clone, Debug)]
pub struct Targets {
    /// The miner repo.
    pub miner_repo: PathBuf,
    /// The full node's repo.
    pub node_repo: PathBuf,
}

/// A connection to the running miner's API.
pub struct MinerClient {
    /// The address text (multiaddr or URL), for `api-info`.
    pub addr: String,
    client: RpcClient,
}

impl MinerClient {
    /// The miner named by `MINER_API_INFO` (or `STORAGE_API_INFO`), else by the miner
    /// repo's `api` and `token` files.
    pub fn discover(t: &Targets) -> Result<MinerClient> {
        for var in ["MINER_API_INFO", "STORAGE_API_INFO"] {
            if let Ok(v) = std::env::var(var) {
                if !v.trim().is_empty() {
                    let info = ApiInfo::parse(&v).map_err(|e| anyhow!("{var}: {e}"))?;
                    let addr = match v.trim().split_once(':') {
                        Some((_, rest)) if !v.starts_with('/') && !rest.starts_with("//") => {
                            rest.to_string()
                        }
                        _ => v.trim().to_string(),
                    };
                    return Ok(MinerClient {
                        addr,
                        client: RpcClient::new(&info, "v0"),
                    });
                }
            }
        }
        let (api, token) = padma_repo::api_files::read_api_files(&t.miner_repo).map_err(|_| {
            anyhow!(
                "no running miner found: cannot read {} (is `padma-miner run` running? or set MINER_API_INFO)",
                t.miner_repo.join("api").display()
            )
        })?;
        let info = ApiInfo::parse(&api)
            .map_err(|e| anyhow!("{}: {e}", t.miner_repo.join("api").display()))?;
        Ok(MinerClient {
            addr: api,
            client: RpcClient::new(&ApiInfo { token, ..info }, "v0"),
        })
    }

    /// Calls the typed method `M` on the miner; an error names the method.
    pub async fn request<M: RpcMethod>(&self, params: M::Params) -> Result<M::Ok> {
        self.client
            .request::<M>(params)
            .await
            .map_err(|e| anyhow!("{}: {e}", method_name::<M>()))
    }

    /// The miner's actor address.
    pub async fn actor_address(&self) -> Result<Address> {
        Ok(self.request::<ActorAddress>(()).await?.0)
    }

    /// `AuthNew`: a new miner API token with permission `perm` (`read`, `write`,
    /// `sign` or `admin`) and every permission below it, as text.
    pub async fn create_token(&self, perm: &str) -> Result<String> {
        let perm = Permission::from_str(perm).map_err(|e| anyhow!(e))?;
        let b64 = self.request::<AuthNew>((Some(perm.up_to()),)).await?;
        let bytes = B64
            .decode(b64)
            .map_err(|e| anyhow!("AuthNew returned invalid base64: {e}"))?;
        String::from_utf8(bytes).map_err(|_| anyhow!("AuthNew returned a non-text token"))
    }
}

/// The miner actor's address: from the running miner, else from the miner repo.
pub async fn miner_address(t: &Targets) -> Result<Address> {
    if let Ok(m) = MinerClient::discover(t) {
        if let Ok(a) = m.actor_address().await {
            return Ok(a);
        }
    }
    let repo = crate::repo::MinerRepo::open(&t.miner_repo)
        .context("the miner is not running and its repo cannot be opened")?;
    repo.miner_address()?
        .ok_or_else(|| anyhow!("no miner address in {}", t.miner_repo.display()))
}

/// The full node.
pub fn full_node(t: &Targets) -> Result<crate::fullnode::FullNode> {
    crate::fullnode::FullNode::discover(&t.node_repo)
}

/// Token commands of the miner.
#[derive(Subcommand)]
pub enum AuthCmd {
    /// Create a miner API token with permission PERM (and all below it).
    CreateToken {
        /// read, write, sign or admin.
        #[arg(long)]
        perm: String,
    },
    /// Print MINER_API_INFO=<token>:<address> for permission PERM.
    ApiInfo {
        /// read, write, sign or admin.
        #[arg(long)]
        perm: String,
    },
}

/// Runs an auth command.
pub async fn auth(cmd: AuthCmd, t: &Targets) -> Result<()> {
    let m = MinerClient::discover(t)?;
    let perm = match &cmd {
        AuthCmd::CreateToken { perm } | AuthCmd::ApiInfo { perm } => perm,
    };
    let token = m.create_token(perm).await?;
    match cmd {
        AuthCmd::CreateToken { .. } => println!("{token}"),
        AuthCmd::ApiInfo { .. } => println!("MINER_API_INFO={token}:{}", m.addr),
    }
    Ok(())
}

/// `padma-miner stop`.
pub async fn stop(t: &Targets) -> Result<()> {
    let m = MinerClient::discover(t)?;
    m.request::<Shutdown>(()).await?;
    println!("miner stopping");
    Ok(())
}
