//! Finding the full node as Lotus clients do: `--api-url`, then `FULLNODE_API_INFO`,
//! then the repo's `api` and `token` files.

use anyhow::{anyhow, Result};
use padma_rpc::client::{ApiInfo, RpcClient};
use std::path::PathBuf;

/// Where the client commands look for the node.
#[derive(Clone, Debug)]
pub struct Target {
    /// The repo (for its `api` and `token` files).
    pub repo: PathBuf,
    /// `--api-url`, if given.
    pub api_url: Option<String>,
}

/// The resolved API: its address as given, and the parsed form.
pub struct Resolved {
    /// The address text (multiaddr or URL), for `api-info`.
    pub addr: String,
    /// Parsed connection info.
    pub info: ApiInfo,
}

impl Target {
    /// Resolves the API to use.
    pub fn resolve(&self) -> Result<Resolved> {
        let from_text = |text: &str, what: &str| -> Result<Resolved> {
            let info = ApiInfo::parse(text).map_err(|e| anyhow!("{what}: {e}"))?;
            let addr = match text.split_once(':') {
                Some((_, rest)) if !text.starts_with('/') && !rest.starts_with("//") => {
                    rest.to_string()
                }
                _ => text.to_string(),
            };
            Ok(Resolved { addr, info })
        };
        if let Some(u) = &self.api_url {
            return from_text(u, "--api-url");
        }
        if let Ok(v) = std::env::var("FULLNODE_API_INFO") {
            if !v.trim().is_empty() {
                return from_text(&v, "FULLNODE_API_INFO");
            }
        }
        let (api, token) = padma_repo::api_files::read_api_files(&self.repo)?;
        let info = ApiInfo::parse(&api)
            .map_err(|e| anyhow!("{}: {e}", self.repo.join("api").display()))?;
        Ok(Resolved {
            addr: api,
            info: ApiInfo { token, ..info },
        })
    }

    /// A v1 client.
    pub fn client(&self) -> Result<RpcClient> {
        Ok(RpcClient::new(&self.resolve()?.info, "v1"))
    }
}
