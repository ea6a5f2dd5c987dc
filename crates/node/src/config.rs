//! `config.toml`: the node's sections and their defaults, range checks, and the
//! commented defaults written on first start. Reading it (every key overridable by an
//! environment variable `PADMA_<SECTION>_<KEY>`, e.g. `PADMA_API_LISTENADDRESS`) is
//! padma-repo's `config_file`.

use anyhow::{bail, Result};
use fvm_shared::econ::TokenAmount;
use padma_chain::MpoolConfig;
use serde::{Deserialize, Serialize};
use std::path::Path;

/// The API section.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "PascalCase", deny_unknown_fields)]
pub struct ApiConfig {
    /// Multiaddr of the JSON-RPC listener.
    pub listen_address: String,
    /// Largest JSON-RPC request (HTTP body or WebSocket message), in bytes.
    pub max_request_size: u64,
    /// Most requests in one JSON-RPC batch.
    pub max_batch_size: u64,
    /// Largest JSON-RPC reply, in bytes.
    pub max_response_size: u64,
    /// Most API connections open at once (also bounded by the file-handle limit).
    pub max_connections: u64,
    /// Most requests being read or run at once, over all connections.
    pub max_concurrent_requests: u64,
    /// Most requests in flight on one WebSocket connection.
    pub max_connection_requests: u64,
    /// Most reply bytes queued for one WebSocket client before it is disconnected.
    pub max_send_buffer: u64,
    /// Seconds allowed to send a request's headers, and then its body.
    pub read_timeout_secs: u64,
    /// Seconds after which a quiet connection (or a WebSocket not answering pings) closes.
    pub idle_timeout_secs: u64,
}

/// The allowed range of each numeric `[API]` key: (key, smallest, largest, unit).
const API_RANGES: [(&str, u64, u64, &str); 9] = [
    ("MaxRequestSize", 1 << 10, 1 << 30, "bytes"),
    ("MaxBatchSize", 1, 100_000, "requests"),
    ("MaxResponseSize", 64 << 10, 1 << 32, "bytes"),
    ("MaxConnections", 1, 1_000_000, "connections"),
    ("MaxConcurrentRequests", 1, 100_000, "requests"),
    ("MaxConnectionRequests", 1, 100_000, "requests"),
    ("MaxSendBuffer", 64 << 10, 1 << 32, "bytes"),
    ("ReadTimeoutSecs", 1, 3600, "seconds"),
    ("IdleTimeoutSecs", 1, 86_400, "seconds"),
];

impl ApiConfig {
    fn numeric(&self) -> [u64; 9] {
        [
            self.max_request_size,
            self.max_batch_size,
            self.max_response_size,
            self.max_connections,
            self.max_concurrent_requests,
            self.max_connection_requests,
            self.max_send_buffer,
            self.read_timeout_secs,
            self.idle_timeout_secs,
        ]
    }

    /// Refuses limits that cannot work (a zero size, a zero timeout, absurd values).
    fn validate(&self) -> Result<()> {
        for ((key, min, max, unit), v) in API_RANGES.iter().zip(self.numeric()) {
            if v < *min || v > *max {
                bail!("API.{key} must be between {min} and {max} {unit}, not {v}");
            }
        }
        Ok(())
    }
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

/// The message pool section: the limits the builder gives the node's pool.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "PascalCase", deny_unknown_fields)]
pub struct MpoolSection {
    /// Pending messages per sender pushed through this node's API.
    pub max_per_sender: u64,
    /// Pending messages per sender from the network.
    pub max_per_untrusted_sender: u64,
    /// How far ahead of the sender's next nonce a local message may be.
    pub max_nonce_gap: u64,
    /// Messages in the whole pool.
    pub max_total: u64,
    /// The lowest fee cap accepted, in attoFIL.
    pub min_gas_fee_cap: u64,
    /// Replace-by-fee: a replacement's premium must be at least this percentage of the
    /// replaced one's, plus one attoFIL.
    pub replace_by_fee_percent: u64,
}

impl MpoolSection {
    /// The defaults of padma's message pool.
    pub fn defaults() -> Self {
        let d = MpoolConfig::default();
        MpoolSection {
            max_per_sender: d.max_per_sender as u64,
            max_per_untrusted_sender: d.max_per_untrusted_sender as u64,
            max_nonce_gap: d.max_nonce_gap,
            max_total: d.max_total as u64,
            min_gas_fee_cap: u64::try_from(d.min_gas_fee_cap.atto()).unwrap_or(u64::MAX),
            replace_by_fee_percent: d.rbf_percent,
        }
    }

    /// The pool limits these values give.
    pub fn pool_config(&self) -> MpoolConfig {
        let size = |n: u64| usize::try_from(n).unwrap_or(usize::MAX);
        MpoolConfig {
            max_per_sender: size(self.max_per_sender),
            max_per_untrusted_sender: size(self.max_per_untrusted_sender),
            max_nonce_gap: self.max_nonce_gap,
            max_total: size(self.max_total),
            min_gas_fee_cap: TokenAmount::from_atto(self.min_gas_fee_cap),
            rbf_percent: self.replace_by_fee_percent,
        }
    }

    fn validate(&self) -> Result<()> {
        let checks: [(&str, u64, u64, u64); 5] = [
            ("MaxPerSender", self.max_per_sender, 1, 100_000),
            (
                "MaxPerUntrustedSender",
                self.max_per_untrusted_sender,
                1,
                100_000,
            ),
            ("MaxNonceGap", self.max_nonce_gap, 0, 10_000),
            ("MaxTotal", self.max_total, 1, 10_000_000),
            (
                "ReplaceByFeePercent",
                self.replace_by_fee_percent,
                100,
                1_000,
            ),
        ];
        for (key, value, least, most) in checks {
            if !(least..=most).contains(&value) {
                bail!("Mpool.{key} is {value}, outside {least}..={most}");
            }
        }
        Ok(())
    }
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
    /// Message pool limits.
    #[serde(rename = "Mpool")]
    pub mpool: MpoolSection,
    /// The libp2p host.
    #[serde(rename = "Libp2p")]
    pub libp2p: Libp2pConfig,
}

/// `[Libp2p]`: where the host listens, whom it dials at start, whom it protects.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "PascalCase", deny_unknown_fields)]
pub struct Libp2pConfig {
    /// Multiaddresses to listen on.
    pub listen_addresses: Vec<String>,
    /// Peers dialled at start and kept connected (`/ip4/…/tcp/…/p2p/<peer ID>`).
    pub bootstrap_peers: Vec<String>,
    /// Peers the connection limits never refuse.
    pub protected_peers: Vec<String>,
    /// The most connections kept open.
    pub conn_mgr_high: u32,
    /// Whether Kademlia peer discovery runs.
    pub kademlia: bool,
}

impl Libp2pConfig {
    fn validate(&self) -> Result<()> {
        if !(1..=100_000).contains(&self.conn_mgr_high) {
            bail!(
                "Libp2p.ConnMgrHigh must be between 1 and 100000, not {}",
                self.conn_mgr_high
            );
        }
        Ok(())
    }
}

impl Default for Config {
    fn default() -> Self {
        Config {
            api: ApiConfig {
                listen_address: "/ip4/127.0.0.1/tcp/1234/http".into(),
                max_request_size: 16 << 20,
                max_batch_size: 100,
                max_response_size: 256 << 20,
                max_connections: 1024,
                max_concurrent_requests: 256,
                max_connection_requests: 64,
                max_send_buffer: 32 << 20,
                read_timeout_secs: 30,
                idle_timeout_secs: 60,
            },
            network: NetworkConfig {
                address_network: "testnet".into(),
            },
            datastore: DatastoreConfig {
                min_free_space: padma_store::space::DEFAULT_MIN_FREE_SPACE,
            },
            mpool: MpoolSection::defaults(),
            libp2p: Libp2pConfig {
                listen_addresses: vec!["/ip4/0.0.0.0/tcp/0".into()],
                bootstrap_peers: Vec::new(),
                protected_peers: Vec::new(),
                conn_mgr_high: 200,
                kademlia: true,
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
         # Largest JSON-RPC request accepted (HTTP body or WebSocket message), in bytes.\n\
         #MaxRequestSize = {}\n\
         # Most requests in one JSON-RPC batch.\n\
         #MaxBatchSize = {}\n\
         # Largest JSON-RPC reply, in bytes (a batch's replies together).\n\
         #MaxResponseSize = {}\n\
         # Most API connections open at once; also kept below the file-handle limit.\n\
         #MaxConnections = {}\n\
         # Most requests being read or run at once, over all connections.\n\
         #MaxConcurrentRequests = {}\n\
         # Most requests in flight on one WebSocket connection.\n\
         #MaxConnectionRequests = {}\n\
         # Most reply bytes queued for one WebSocket client; a slower reader is disconnected.\n\
         #MaxSendBuffer = {}\n\
         # Seconds a client has to send a request's headers, and then its body.\n\
         #ReadTimeoutSecs = {}\n\
         # Seconds after which a quiet connection, or a WebSocket not answering pings, closes.\n\
         #IdleTimeoutSecs = {}\n\n\
         [Network]\n\
         # Prefix used to print addresses: \"testnet\" (t...) or \"mainnet\" (f...).\n\
         #AddressNetwork = \"{}\"\n\n\
         [Datastore]\n\
         # Free disk space (bytes) to keep: below it the node stops writing, keeps serving\n\
         # reads, and resumes by itself once space is freed (0 disables the check).\n\
         #MinFreeSpace = {}\n\n\
         [Mpool]\n\
         # Pending messages per sender pushed through this node's API.\n\
         #MaxPerSender = {}\n\
         # Pending messages per sender from the network.\n\
         #MaxPerUntrustedSender = {}\n\
         # How far ahead of the sender's next nonce a local message may be.\n\
         #MaxNonceGap = {}\n\
         # Messages in the whole pool.\n\
         #MaxTotal = {}\n\
         # The lowest fee cap accepted, in attoFIL.\n\
         #MinGasFeeCap = {}\n\
         # A replacement's premium must be at least this percentage of the replaced one's.\n\
         #ReplaceByFeePercent = {}\n\n\
         [Libp2p]\n\
         # Multiaddresses the libp2p host listens on.\n\
         #ListenAddresses = {:?}\n\
         # Peers dialled at start and kept connected (/ip4/.../tcp/.../p2p/<peer ID>).\n\
         #BootstrapPeers = []\n\
         # Peer IDs the connection limits never refuse.\n\
         #ProtectedPeers = []\n\
         # The most libp2p connections kept open.\n\
         #ConnMgrHigh = {}\n\
         # Whether Kademlia peer discovery (/fil/kad/<network>/kad/1.0.0) runs.\n\
         #Kademlia = {}\n",
        d.api.listen_address,
        d.api.max_request_size,
        d.api.max_batch_size,
        d.api.max_response_size,
        d.api.max_connections,
        d.api.max_concurrent_requests,
        d.api.max_connection_requests,
        d.api.max_send_buffer,
        d.api.read_timeout_secs,
        d.api.idle_timeout_secs,
        d.network.address_network,
        d.datastore.min_free_space,
        d.mpool.max_per_sender,
        d.mpool.max_per_untrusted_sender,
        d.mpool.max_nonce_gap,
        d.mpool.max_total,
        d.mpool.min_gas_fee_cap,
        d.mpool.replace_by_fee_percent,
        d.libp2p.listen_addresses,
        d.libp2p.conn_mgr_high,
        d.libp2p.kademlia
    )
}

impl Config {
    /// Loads `path` over the defaults, then applies `PADMA_<SECTION>_<KEY>` overrides
    /// read through `env`.
    pub fn load_with(path: &Path, env: impl Fn(&str) -> Option<String>) -> Result<Config> {
        let cfg = padma_repo::config_file::load_layered(path, &Config::default(), "PADMA", env)?;
        cfg.validate()?;
        Ok(cfg)
    }

    /// Loads `path` with overrides from the process environment.
    pub fn load(path: &Path) -> Result<Config> {
        Config::load_with(path, |k| std::env::var(k).ok())
    }

    fn validate(&self) -> Result<()> {
        self.api.validate()?;
        self.mpool.validate()?;
        self.libp2p.validate()?;
        match self.network.address_network.as_str() {
            "testnet" | "mainnet" => Ok(()),
            other => {
                bail!("Network.AddressNetwork must be \"testnet\" or \"mainnet\", not \"{other}\"")
            }
        }
    }
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
            "PADMA_API_MAXREQUESTSIZE" => Some("7777".into()),
            "PADMA_API_IDLETIMEOUTSECS" => Some("5".into()),
            _ => None,
        })
        .unwrap();
        assert_eq!(cfg.api.listen_address, "/ip4/127.0.0.1/tcp/9999/http");
        assert_eq!(cfg.api.max_request_size, 7777);
        assert_eq!(cfg.api.idle_timeout_secs, 5);
        let err = Config::load_with(&p, |k| {
            (k == "PADMA_API_MAXREQUESTSIZE").then(|| "lots".into())
        })
        .unwrap_err();
        assert!(format!("{err:#}").contains("PADMA_API_MAXREQUESTSIZE"));
    }

    #[test]
    fn mpool_limits_come_from_the_config_and_are_range_checked() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("config.toml");
        std::fs::write(&p, "[Mpool]\nMaxTotal = 77\n").unwrap();
        let cfg = Config::load_with(&p, |k| {
            (k == "PADMA_MPOOL_MAXPERSENDER").then(|| "9".into())
        })
        .unwrap();
        let pool = cfg.mpool.pool_config();
        assert_eq!(pool.max_total, 77);
        assert_eq!(pool.max_per_sender, 9);
        assert_eq!(
            Config::default().mpool.pool_config(),
            MpoolConfig::default(),
            "the defaults are the pool's own"
        );
        std::fs::write(&p, "[Mpool]\nReplaceByFeePercent = 50\n").unwrap();
        let err = Config::load_with(&p, |_| None).unwrap_err();
        assert!(
            format!("{err:#}").contains("Mpool.ReplaceByFeePercent"),
            "{err:#}"
        );
    }

    #[test]
    fn file_values_and_bad_keys() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("config.toml");
        std::fs::write(&p, "[API]\nMaxRequestSize = 5000\n").unwrap();
        assert_eq!(
            Config::load_with(&p, |_| None)
                .unwrap()
                .api
                .max_request_size,
            5000
        );
        std::fs::write(&p, "[API]\nBogus = 5\n").unwrap();
        assert!(
            format!("{:#}", Config::load_with(&p, |_| None).unwrap_err())
                .contains("unknown key Bogus")
        );
        std::fs::write(&p, "[Network]\nAddressNetwork = \"moon\"\n").unwrap();
        assert!(Config::load_with(&p, |_| None).is_err());
    }

    #[test]
    fn nonsensical_limits_are_refused_with_the_key_and_range() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("config.toml");
        for (text, needle) in [
            (
                "MaxRequestSize = 0",
                "API.MaxRequestSize must be between 1024 and",
            ),
            ("MaxBatchSize = 0", "API.MaxBatchSize must be between 1 and"),
            (
                "MaxConnections = 0",
                "API.MaxConnections must be between 1 and",
            ),
            (
                "IdleTimeoutSecs = 0",
                "API.IdleTimeoutSecs must be between 1 and",
            ),
            (
                "ReadTimeoutSecs = 99999",
                "API.ReadTimeoutSecs must be between 1 and 3600",
            ),
            (
                "MaxSendBuffer = 10",
                "API.MaxSendBuffer must be between 65536 and",
            ),
        ] {
            std::fs::write(&p, format!("[API]\n{text}\n")).unwrap();
            let err = format!("{:#}", Config::load_with(&p, |_| None).unwrap_err());
            assert!(err.contains(needle), "{text}: {err}");
        }
        std::fs::write(&p, "").unwrap();
        let err = Config::load_with(&p, |k| {
            (k == "PADMA_API_MAXREQUESTSIZE").then(|| "0".into())
        })
        .unwrap_err();
        assert!(format!("{err:#}").contains("API.MaxRequestSize must be between"));
    }
}
