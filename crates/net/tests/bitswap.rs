//! Bitswap between real libp2p swarms over TCP on 127.0.0.1: a block is fetched and
//! checked against its CID, wrong data is dropped, an unknown block is refused with
//! don't-haves, wants wait for peers and time out, and the 1.0.0 framing of blocks
//! works both ways.

#![allow(clippy::unwrap_used, clippy::indexing_slicing, clippy::string_slice)] // test code: a panic is a failed test

use cid::Cid;
use futures::StreamExt;
use libp2p::swarm::{NetworkBehaviour, SwarmEvent};
use libp2p::{Multiaddr, Swarm};
use padma_net::bitswap::{
    Bitswap, BitswapConfig, BitswapEvent, BitswapStore, WantFailure, BITSWAP_100,
};
use padma_types::cid::cbor_cid;
use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

/// Blocks in memory.
#[derive(Default)]
struct MapStore(HashMap<Cid, Vec<u8>>);

impl MapStore {
    fn with(blocks: &[&[u8]]) -> Arc<Self> {
        Arc::new(MapStore(
            blocks.iter().map(|b| (cbor_cid(b), b.to_vec())).collect(),
        ))
    }
}

impl BitswapStore for MapStore {
    fn has(&self, cid: &Cid) -> bool {
        self.0.contains_key(cid)
    }
    fn get(&self, cid: &Cid) -> Option<Vec<u8>> {
        self.0.get(cid).cloned()
    }
}

/// Claims every block and serves the same wrong bytes for all.
struct LyingStore;

impl BitswapStore for LyingStore {
    fn has(&self, _: &Cid) -> bool {
        true
    }
    fn get(&self, _: &Cid) -> Option<Vec<u8>> {
        Some(b"\x63not".to_vec())
    }
}

fn swarm<B: NetworkBehaviour>(behaviour: B) -> Swarm<B> {
    libp2p::SwarmBuilder::with_new_identity()
        .with_tokio()
        .with_tcp(
            libp2p::tcp::Config::default(),
            libp2p::noise::Config::new,
            libp2p::yamux::Config::default,
        )
        .unwrap()
        .with_behaviour(|_| behaviour)
        .unwrap()
        .with_swarm_config(|c| c.with_idle_connection_timeout(Duration::from_secs(60)))
        .build()
}

fn node(store: Arc<dyn BitswapStore>, config: BitswapConfig) -> Swarm<Bitswap> {
    swarm(Bitswap::new(store, config))
}

fn config(want_timeout: Duration) -> BitswapConfig {
    BitswapConfig {
        want_timeout,
        ..Default::default()
    }
}

async fn listen<B: NetworkBehaviour>(s: &mut Swarm<B>) -> Multiaddr {
    s.listen_on("/ip4/127.0.0.1/tcp/0".parse().unwrap())
        .unwrap();
    loop {
        if let SwarmEvent::NewListenAddr { address, .. } = s.select_next_some().await {
            return address;
        }
    }
}

/// Drives both swarms until `client` reports a bitswap event, which is returned; the
/// server's events are passed over. Fails after 20 s.
async fn next_event<B: NetworkBehaviour>(
    client: &mut Swarm<Bitswap>,
    server: &mut Swarm<B>,
) -> BitswapEvent {
    let run = async {
        loop {
            tokio::select! {
                e = client.select_next_some() => {
                    if let SwarmEvent::Behaviour(e) = e {
                        return e;
                    }
                }
                _ = server.select_next_some() => {}
            }
        }
    };
    tokio::time::timeout(Duration::from_secs(20), run)
        .await
        .expect("no bitswap event within 20 s")
}

/// Connects `client` to `server` and drives both until each sees the connection.
async fn connect<B: NetworkBehaviour>(client: &mut Swarm<Bitswap>, server: &mut Swarm<B>) {
    let addr = listen(server).await;
    client.dial(addr).unwrap();
    let (mut client_up, mut server_up) = (false, false);
    let run = async {
        while !(client_up && server_up) {
            tokio::select! {
                e = client.select_next_some() => {
                    client_up |= matches!(e, SwarmEvent::ConnectionEstablished { .. });
                }
                e = server.select_next_some() => {
                    server_up |= matches!(e, SwarmEvent::ConnectionEstablished { .. });
                }
            }
        }
    };
    tokio::time::timeout(Duration::from_secs(20), run)
        .await
        .expect("no connection within 20 s");
}

#[tokio::test]
async fn fetches_a_block_and_checks_it() {
    let data: &[u8] = b"\x83\x01\x02\x03";
    let cid = cbor_cid(data);
    let mut server = node(MapStore::with(&[data]), BitswapConfig::default());
    let mut client = node(Arc::new(MapStore::default()), BitswapConfig::default());
    connect(&mut client, &mut server).await;
    client.behaviour_mut().want(cid);
    match next_event(&mut client, &mut server).await {
        BitswapEvent::Block {
            cid: got,
            data: bytes,
            from,
        } => {
            assert_eq!(got, cid);
            assert_eq!(bytes, data);
            assert_eq!(from, *server.local_peer_id());
        }
        other => panic!("expected the block, got {other:?}"),
    }
    assert_eq!(client.behaviour().wanted().count(), 0);
}

#[tokio::test]
async fn a_want_made_before_connecting_is_sent_on_connection() {
    let data: &[u8] = b"\x82\x05\x06";
    let cid = cbor_cid(data);
    let mut server = node(MapStore::with(&[data]), BitswapConfig::default());
    let mut client = node(Arc::new(MapStore::default()), BitswapConfig::default());
    client.behaviour_mut().want(cid);
    connect(&mut client, &mut server).await;
    let event = next_event(&mut client, &mut server).await;
    assert!(
        matches!(&event, BitswapEvent::Block { cid: c, data: d, .. } if *c == cid && d == data),
        "{event:?}"
    );
}

#[tokio::test]
async fn wrong_data_is_dropped_and_the_want_times_out() {
    let cid = cbor_cid(b"\x82\x01\x02");
    let mut server = node(Arc::new(LyingStore), BitswapConfig::default());
    let mut client = node(
        Arc::new(MapStore::default()),
        config(Duration::from_millis(1500)),
    );
    connect(&mut client, &mut server).await;
    client.behaviour_mut().want(cid);
    assert_eq!(
        next_event(&mut client, &mut server).await,
        BitswapEvent::WantFailed {
            cid,
            reason: WantFailure::Timeout
        }
    );
    assert!(
        client.behaviour().dropped_blocks() >= 1,
        "the wrong block arrived and was dropped"
    );
}

#[tokio::test]
async fn an_unknown_block_is_refused_with_dont_have() {
    let cid = cbor_cid(b"\x61x");
    let mut server = node(MapStore::with(&[b"\x80"]), BitswapConfig::default());
    // A long timeout: the failure must come from the don't-have.
    let mut client = node(
        Arc::new(MapStore::default()),
        config(Duration::from_secs(600)),
    );
    connect(&mut client, &mut server).await;
    client.behaviour_mut().want(cid);
    assert_eq!(
        next_event(&mut client, &mut server).await,
        BitswapEvent::WantFailed {
            cid,
            reason: WantFailure::NotFound
        }
    );
}

#[tokio::test]
async fn a_want_without_peers_times_out() {
    let cid = cbor_cid(b"\x61y");
    let mut client = node(
        Arc::new(MapStore::default()),
        config(Duration::from_millis(200)),
    );
    let mut idle = node(Arc::new(MapStore::default()), BitswapConfig::default());
    client.behaviour_mut().want(cid);
    client.behaviour_mut().want(cid);
    assert_eq!(
        next_event(&mut client, &mut idle).await,
        BitswapEvent::WantFailed {
            cid,
            reason: WantFailure::Timeout
        }
    );
    assert_eq!(client.behaviour().wanted().count(), 0);
}

#[tokio::test]
async fn bitswap_1_0_0_carries_bare_blocks() {
    let data: &[u8] = b"\x82\x07\x08";
    let cid = cbor_cid(data);
    let mut server = node(MapStore::with(&[data]), BitswapConfig::default());
    // The client speaks only 1.0.0, so both directions fall back to it.
    let mut client = node(
        Arc::new(MapStore::default()),
        BitswapConfig {
            protocols: vec![BITSWAP_100],
            ..Default::default()
        },
    );
    connect(&mut client, &mut server).await;
    client.behaviour_mut().want(cid);
    let event = next_event(&mut client, &mut server).await;
    assert!(
        matches!(&event, BitswapEvent::Block { cid: c, data: d, .. } if *c == cid && d == data),
        "{event:?}"
    );
}

#[tokio::test]
async fn a_peer_without_bitswap_is_not_waited_for() {
    let cid = cbor_cid(b"\x61z");
    let mut other = swarm(libp2p::swarm::dummy::Behaviour);
    let mut client = node(
        Arc::new(MapStore::default()),
        config(Duration::from_millis(1500)),
    );
    connect(&mut client, &mut other).await;
    assert_eq!(client.behaviour().peer_count(), 1);
    client.behaviour_mut().want(cid);
    assert_eq!(
        next_event(&mut client, &mut other).await,
        BitswapEvent::WantFailed {
            cid,
            reason: WantFailure::Timeout
        }
    );
    assert_eq!(
        client.behaviour().peer_count(),
        0,
        "the peer was found not to speak bitswap"
    );
}
