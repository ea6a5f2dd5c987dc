//! Finding the full node as Lotus clients do: `--api-url`, then `FULLNODE_API_INFO`,
//! then the repo's `api` and `token` files.

use anyhow::{anyhow, Result};
use padma_node::config::Config;
use padma_node::repo::CONFIG_FILE;
use padma_rpc::client::{ApiInfo, RpcClient};
use padma_rpc::client_ws::WsClient;
use padma_types::Network;
use std::path::PathBuf;

/// Where the client commands look for the node.
#[derive(Clone, Debug)]
pub struct Target {
    /// The repo (for its `api`, `token` and `config.toml` files).
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

    /// The prefix the node prints addresses with: `Network.AddressNetwork` of the
    /// repo's `config.toml` (with the `PADMA_*` overrides the node reads too), or the
    /// node's default, the test-network prefix, where the repo has no readable config.
    fn address_network(&self) -> Network {
        let path = self.repo.join(CONFIG_FILE);
        if !path.exists() {
            return Network::Testnet;
        }
        match Config::load(&path) {
            Ok(c) if c.network.address_network == "mainnet" => Network::Mainnet,
            Ok(_) => Network::Testnet,
            Err(e) => {
                tracing::debug!("{}: {e:#}; printing test-network addresses", path.display());
                Network::Testnet
            }
        }
    }

    /// A v1 client. From here on this process prints addresses with the node's
    /// prefix, as the node itself writes them.
    pub fn client(&self) -> Result<RpcClient> {
        let resolved = self.resolve()?;
        padma_types::address::set_network(self.address_network());
        Ok(RpcClient::new(&resolved.info, "v1"))
    }

    /// A v1 WebSocket client (for channel methods), printing addresses as
    /// [`Target::client`] does.
    pub async fn ws_client(&self) -> Result<WsClient> {
        let resolved = self.resolve()?;
        padma_types::address::set_network(self.address_network());
        Ok(WsClient::connect(&resolved.info, "v1").await?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_address_prefix_follows_the_repo_config() {
        let dir = tempfile::tempdir().unwrap();
        let target = Target {
            repo: dir.path().to_path_buf(),
            api_url: None,
        };
        assert_eq!(target.address_network(), Network::Testnet, "no config");
        let config = dir.path().join(CONFIG_FILE);
        std::fs::write(&config, "[Network]\nAddressNetwork = \"mainnet\"\n").unwrap();
        assert_eq!(target.address_network(), Network::Mainnet);
        std::fs::write(&config, "[Network]\nAddressNetwork = \"testnet\"\n").unwrap();
        assert_eq!(target.address_network(), Network::Testnet);
        std::fs::write(&config, "not toml [").unwrap();
        assert_eq!(target.address_network(), Network::Testnet, "unreadable");
    }
}
