//! The node's libp2p host: its key (the keystore's `libp2p-host`, made on the first
//! start so the peer ID survives restarts), where it listens and whom it dials first
//! (`[Libp2p]`), and the chain it speaks for. A node without a chain runs no host.

use crate::api::chainstore::Chain;
use crate::config::Libp2pSection;
use anyhow::{Context, Result};
use padma_net::{Keypair, Multiaddr, NetConfig};
use padma_repo::keystore::{KeyNotFound, Keystore, StoredKey};
use std::sync::Arc;

/// The keystore name (and key type) of the host's key, as Lotus names it.
pub const HOST_KEY: &str = "libp2p-host";

/// The host's key: the stored one, or a new Ed25519 key, stored.
pub fn host_keypair(keystore: &Keystore) -> Result<Keypair> {
    match keystore.get(HOST_KEY) {
        Ok(stored) => Keypair::from_protobuf_encoding(&stored.private_key)
            .with_context(|| format!("reading the keystore's {HOST_KEY} key")),
        Err(e) if e.is::<KeyNotFound>() => {
            let keypair = Keypair::generate_ed25519();
            let stored = StoredKey {
                key_type: HOST_KEY.into(),
                private_key: keypair
                    .to_protobuf_encoding()
                    .context("encoding the libp2p host key")?,
            };
            keystore.put(HOST_KEY, &stored)?;
            Ok(keypair)
        }
        Err(e) => Err(e),
    }
}

/// Parses multiaddrs of a `[Libp2p]` key.
fn multiaddrs(key: &str, texts: &[String]) -> Result<Vec<Multiaddr>> {
    texts
        .iter()
        .map(|t| {
            t.parse::<Multiaddr>()
                .with_context(|| format!("Libp2p.{key}: invalid multiaddr '{t}'"))
        })
        .collect()
}

/// The host's settings for `chain`: `section`'s addresses, bootstrap peers only when
/// `bootstrap` is on.
pub fn net_config(
    section: &Libp2pSection,
    keypair: Keypair,
    chain: &Chain,
    bootstrap: bool,
) -> Result<NetConfig> {
    let mut config = NetConfig::local(&chain.sm().params().name, chain.genesis.cid());
    config.keypair = keypair;
    config.listen_addrs = multiaddrs("ListenAddresses", &section.listen_addresses)?;
    config.bootstrap_peers = if bootstrap {
        multiaddrs("BootstrapPeers", &section.bootstrap_peers)?
    } else {
        Vec::new()
    };
    Ok(config)
}

/// The host for `chain`: built and bound now, run as the node's `libp2p` service.
/// Its events are not listened to yet (they are dropped, with a debug log, as a busy
/// node's would be).
pub fn start_host(
    section: &Libp2pSection,
    keystore: &Keystore,
    chain: &Chain,
    bootstrap: bool,
) -> Result<(padma_net::NetService, padma_net::NetHandle)> {
    let config = net_config(section, host_keypair(keystore)?, chain, bootstrap)?;
    let access: Arc<dyn padma_net::ChainAccess> = chain.sm().chain().clone();
    let (service, handle, _events) =
        padma_net::start(config, access).context("starting the libp2p host")?;
    tracing::info!(peer = %handle.peer_id(), "libp2p host started");
    Ok((service, handle))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_host_key_is_made_once_and_kept() {
        let dir = tempfile::tempdir().unwrap();
        let keystore = Keystore::open(&dir.path().join("keystore")).unwrap();
        let first = host_keypair(&keystore).unwrap();
        let again = host_keypair(&keystore).unwrap();
        assert_eq!(first.public().to_peer_id(), again.public().to_peer_id());
        assert_eq!(keystore.get(HOST_KEY).unwrap().key_type, HOST_KEY);
        let garbage = StoredKey {
            key_type: HOST_KEY.into(),
            private_key: vec![1, 2, 3],
        };
        keystore.overwrite(HOST_KEY, &garbage).unwrap();
        assert!(host_keypair(&keystore).is_err());
    }
}
