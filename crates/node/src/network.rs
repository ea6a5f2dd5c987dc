//! The node on the network: its libp2p identity (the keystore's `libp2p-host` key,
//! made on first start, so the peer ID stays across restarts), the host built from the
//! `[Libp2p]` section and the daemon's flags, and the two services it adds — the
//! libp2p host and the chain follower.

use crate::api::chainstore::Chain;
use crate::config::Libp2pConfig;
use anyhow::{Context, Result};
use padma_chain::state_view::StateView;
use padma_net::{Follower, Keypair, Multiaddr, NetConfig, NetEvent, NetHandle, NetService};
use padma_repo::keystore::{Keystore, StoredKey};
use tokio::sync::mpsc;

/// The keystore name (and Lotus key type) of the host's key.
pub const LIBP2P_KEY: &str = "libp2p-host";

/// The host's key, made and stored on first use.
pub fn host_key(keystore: &Keystore) -> Result<Keypair> {
    if keystore.has(LIBP2P_KEY) {
        let k = keystore.get(LIBP2P_KEY)?;
        return Keypair::from_protobuf_encoding(&k.private_key)
            .context("the keystore's libp2p-host key is not a libp2p private key");
    }
    let key = Keypair::generate_ed25519();
    let bytes = key
        .to_protobuf_encoding()
        .context("encoding the new libp2p key")?;
    keystore.put(
        LIBP2P_KEY,
        &StoredKey {
            key_type: LIBP2P_KEY.into(),
            private_key: bytes,
        },
    )?;
    Ok(key)
}

/// How the node joins the network, beyond its config file.
#[derive(Clone, Debug, Default)]
pub struct NetworkOptions {
    /// Listen addresses replacing the config's.
    pub listen: Option<Vec<String>>,
    /// Bootstrap peers replacing the config's.
    pub bootstrap_peers: Option<Vec<String>>,
    /// False: dial nobody at start and run no peer discovery rounds.
    pub bootstrap: bool,
}

fn multiaddrs(what: &str, list: &[String]) -> Result<Vec<Multiaddr>> {
    list.iter()
        .map(|a| {
            a.parse::<Multiaddr>()
                .with_context(|| format!("{what}: '{a}' is not a multiaddress"))
        })
        .collect()
}

/// The host's settings for `chain`.
pub fn net_config(
    keystore: &Keystore,
    section: &Libp2pConfig,
    opts: &NetworkOptions,
    chain: &Chain,
) -> Result<NetConfig> {
    let network_name =
        StateView::new(chain.sm().store().clone(), &chain.genesis.parent_state_root)?
            .network_name()
            .context("reading the network name from the genesis state")?;
    let mut config = NetConfig::local(&network_name, chain.genesis.cid());
    config.keypair = host_key(keystore)?;
    config.listen_addrs = multiaddrs(
        "Libp2p.ListenAddresses",
        opts.listen.as_ref().unwrap_or(&section.listen_addresses),
    )?;
    config.bootstrap_peers = if opts.bootstrap {
        multiaddrs(
            "Libp2p.BootstrapPeers",
            opts.bootstrap_peers
                .as_ref()
                .unwrap_or(&section.bootstrap_peers),
        )?
    } else {
        Vec::new()
    };
    config.kademlia = section.kademlia;
    config.limits.max_connections = section.conn_mgr_high;
    config.limits.max_inbound = section.conn_mgr_high;
    config.limits.max_outbound = section.conn_mgr_high;
    config.agent_version = format!("padma/{}", env!("CARGO_PKG_VERSION"));
    Ok(config)
}

/// A service's future.
pub type ServiceFuture = std::pin::Pin<Box<dyn std::future::Future<Output = Result<()>> + Send>>;

/// The started host: its handle for the API, and the two services to run.
pub struct NodeNetwork {
    /// The handle.
    pub handle: NetHandle,
    service: NetService,
    events: mpsc::Receiver<NetEvent>,
    follower: Follower,
}

impl NodeNetwork {
    /// Starts the host for `chain` (binding its listen addresses).
    pub fn start(config: NetConfig, chain: &Chain, protected: &[String]) -> Result<NodeNetwork> {
        let (service, handle, events) = padma_net::start(config, chain.sm().chain().clone())?;
        let follower = Follower::new(handle.clone(), chain.svc.clone());
        let mut peers = Vec::new();
        for p in protected {
            peers.push(
                p.parse()
                    .with_context(|| format!("Libp2p.ProtectedPeers: '{p}' is not a peer ID"))?,
            );
        }
        if !peers.is_empty() {
            let h = handle.clone();
            tokio::spawn(async move { h.protect_add(peers).await });
        }
        Ok(NodeNetwork {
            handle,
            service,
            events,
            follower,
        })
    }

    /// The services: the host, and the follower feeding the chain from it.
    pub fn services(
        self,
        shutdown: &padma_service::Shutdown,
    ) -> Vec<(&'static str, ServiceFuture)> {
        let NodeNetwork {
            service,
            events,
            follower,
            ..
        } = self;
        vec![
            ("libp2p", Box::pin(service.run(shutdown.requested()))),
            (
                "chain follower",
                Box::pin(follower.run(events, shutdown.requested())),
            ),
        ]
    }
}
