//! `config.toml`: written with commented defaults on first start; every key can be
//! overridden by an environment variable `PADMA_<SECTION>_<KEY>` (upper case), e.g.
//! `PADMA_API_LISTENADDRESS`.

use anyhow::{bail, Context, Result};
use serde::{Deserialize, Serialize};
use std::path::Path;

/// The API section.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "PascalCase", deny_unknown_fields)]
pub struct ApiConfig {
    /// Multiaddr of the JSON-RPC listener.
    pub listen_address: String,
    /// Largest JSON-RPC request body, in bytes.
    pub max_request_size: u64,
}

/// The network section.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "PascalCase", deny_unknown_fields)]
pub struct NetworkConfig {
    /// Address prefix: `testnet` (t) or `mainnet` (f).
    pub address_network: String,
}

/// The datastore section.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "PascalCase", deny_unknown_fields)]
pub struct DatastoreConfig {
    /// Free disk space (bytes) the datastore's filesystem must keep: below it the node
    /// stops writing with a clear error and keeps serving reads (0 disables the check).
    pub min_free_space: u64,
}

/// The whole node configuration.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Config {
    /// JSON-RPC settings.
    #[serde(rename = "API")]
    pub api: ApiConfig,
    /// Network settings.
    #[serde(rename = "Network")]
    pub network: NetworkConfig,
    /// Datastore settings.
    #[serde(rename = "Datastore")]
    pub datastore: DatastoreConfig,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            api: ApiConfig {
                listen_address: "/ip4/127.0.0.1/tcp/1234/http".into(),
                max_request_size: 100 << 20,
            },
            network: NetworkConfig {
                address_network: "testnet".into(),
            },
            datastore: DatastoreConfig {
                min_free_space: padma_store::space::DEFAULT_MIN_FREE_SPACE,
            },
        }
    }
}

/// The file written on first start: every key with its default, commented out.
pub fn default_config_text() -> String {
    let d = Config::default();
    format!(
        "# padma full node configuration.\n\
         # Every key may be overridden by the environment variable PADMA_<SECTION>_<KEY>,\n\
         # e.g. PADMA_API_LISTENADDRESS=/ip4/127.0.0.1/tcp/1235/http\n\n\
         [API]\n\
         # Multiaddr the JSON-RPC API (/rpc/v0, /rpc/v1) listens on.\n\
         #ListenAddress = \"{}\"\n\
         # Largest JSON-RPC request body accepted, in bytes.\n\
         #MaxRequestSize = {}\n\n\
         [Network]\n\
         # Prefix used to print addresses: \"testnet\" (t...) or \"mainnet\" (f...).\n\
         #AddressNetwork = \"{}\"\n\n\
         [Datastore]\n\
         # Free disk space (bytes) to keep: below it the node stops writing, keeps serving\n\
         # reads, and resumes by itself once space is freed (0 disables the check).\n\
         #MinFreeSpace = {}\n",
        d.api.listen_address,
        d.api.max_request_size,
        d.network.address_network,
        d.datastore.min_free_space
    )
}

impl Config {
    /// Loads `path` over the defaults, then applies `PADMA_<SECTION>_<KEY>` overrides
    /// read through `env`.
    pub fn load_with(path: &Path, env: impl Fn(&str) -> Option<String>) -> Result<Config> {
        let text =
            std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?;
        let file: toml::Table = text
            .parse()
            .with_context(|| format!("parsing {}", path.display()))?;
        let mut merged = toml::Table::try_from(Config::default()).context("encoding defaults")?;
        for (section, values) in file {
            let Some(toml::Value::Table(target)) = merged.get_mut(&section) else {
                bail!("{}: unknown section [{section}]", path.display());
            };
            let toml::Value::Table(values) = values else {
                bail!("{}: [{section}] must be a table", path.display());
            };
            for (k, v) in values {
                if !target.contains_key(&k) {
                    bail!("{}: unknown key {k} in [{section}]", path.display());
                }
                target.insert(k, v);
            }
        }
        for (section, values) in merged.iter_mut() {
            let toml::Value::Table(values) = values else {
                continue;
            };
            for (key, value) in values.iter_mut() {
                let var = format!("PADMA_{}_{}", section.to_uppercase(), key.to_uppercase());
                if let Some(raw) = env(&var) {
                    *value = parse_override(value, &raw)
                        .with_context(|| format!("environment variable {var}"))?;
                }
            }
        }
        let cfg: Config = toml::Value::Table(merged)
            .try_into()
            .with_context(|| format!("invalid configuration in {}", path.display()))?;
        cfg.validate()?;
        Ok(cfg)
    }

    /// Loads `path` with overrides from the process environment.
    pub fn load(path: &Path) -> Result<Config> {
        Config::load_with(path, |k| std::env::var(k).ok())
    }

    fn validate(&self) -> Result<()> {
        match self.network.address_network.as_str() {
            "testnet" | "mainnet" => Ok(()),
            other => {
                bail!("Network.AddressNetwork must be \"testnet\" or \"mainnet\", not \"{other}\"")
            }
        }
    }
}

fn parse_override(current: &toml::Value, raw: &str) -> Result<toml::Value> {
    Ok(match current {
        toml::Value::String(_) => toml::Value::String(raw.to_string()),
        toml::Value::Integer(_) => toml::Value::Integer(
            raw.trim()
                .parse()
                .with_context(|| format!("'{raw}' is not an integer"))?,
        ),
        toml::Value::Boolean(_) => toml::Value::Boolean(
            raw.trim()
                .parse()
                .with_context(|| format!("'{raw}' is not a boolean"))?,
        ),
        _ => format!("v = {raw}")
            .parse::<toml::Table>()
            .context("not a TOML value")?
            .remove("v")
            .unwrap_or(toml::Value::String(raw.into())),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn commented_defaults_load_as_defaults_and_env_overrides() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("config.toml");
        std::fs::write(&p, default_config_text()).unwrap();
        assert_eq!(Config::load_with(&p, |_| None).unwrap(), Config::default());
        let cfg = Config::load_with(&p, |k| match k {
            "PADMA_API_LISTENADDRESS" => Some("/ip4/127.0.0.1/tcp/9999/http".into()),
            "PADMA_API_MAXREQUESTSIZE" => Some("77".into()),
            _ => None,
        })
        .unwrap();
        assert_eq!(cfg.api.listen_address, "/ip4/127.0.0.1/tcp/9999/http");
        assert_eq!(cfg.api.max_request_size, 77);
        let err = Config::load_with(&p, |k| {
            (k == "PADMA_API_MAXREQUESTSIZE").then(|| "lots".into())
        })
        .unwrap_err();
        assert!(format!("{err:#}").contains("PADMA_API_MAXREQUESTSIZE"));
    }

    #[test]
    fn file_values_and_bad_keys() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("config.toml");
        std::fs::write(&p, "[API]\nMaxRequestSize = 5\n").unwrap();
        assert_eq!(
            Config::load_with(&p, |_| None)
                .unwrap()
                .api
                .max_request_size,
            5
        );
        std::fs::write(&p, "[API]\nBogus = 5\n").unwrap();
        assert!(
            format!("{:#}", Config::load_with(&p, |_| None).unwrap_err())
                .contains("unknown key Bogus")
        );
        std::fs::write(&p, "[Network]\nAddressNetwork = \"moon\"\n").unwrap();
        assert!(Config::load_with(&p, |_| None).is_err());
    }
}
