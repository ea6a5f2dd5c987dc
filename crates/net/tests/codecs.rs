//! Hello and chain exchange over real libp2p request-response streams on 127.0.0.1:
//! each side writes one bare CBOR item, and a chain exchange answered from a real chain
//! store passes the asking side's checks.

#![allow(clippy::unwrap_used, clippy::indexing_slicing, clippy::string_slice)] // test code: a panic is a failed test

mod common;

use common::{header, message, signed};
use futures::StreamExt;
use libp2p::request_response::{self, ProtocolSupport};
use libp2p::swarm::{NetworkBehaviour, SwarmEvent};
use libp2p::Swarm;
use num_bigint::BigInt;
use padma_chain::messages::put_block_messages;
use padma_chain::store::ChainStore;
use padma_net::codec::{ChainExchangeCodec, HelloCodec, CHAIN_EXCHANGE, HELLO};
use padma_net::wire::hello::{HelloMessage, LatencyMessage};
use padma_net::wire::xchg::{self, serve, validate_response, Segment, Status, HEADERS, MESSAGES};
use padma_store::Store;
use padma_types::block::TipSet;
use padma_types::cid::cbor_cid;
use std::sync::Arc;
use std::time::Duration;

#[derive(NetworkBehaviour)]
struct Protocols {
    hello: request_response::Behaviour<HelloCodec>,
    xchg: request_response::Behaviour<ChainExchangeCodec>,
}

fn swarm() -> Swarm<Protocols> {
    let cfg = request_response::Config::default().with_request_timeout(Duration::from_secs(20));
    libp2p::SwarmBuilder::with_new_identity()
        .with_tokio()
        .with_tcp(
            libp2p::tcp::Config::default(),
            libp2p::noise::Config::new,
            libp2p::yamux::Config::default,
        )
        .unwrap()
        .with_behaviour(|_| Protocols {
            hello: request_response::Behaviour::new([(HELLO, ProtocolSupport::Full)], cfg.clone()),
            xchg: request_response::Behaviour::new(
                [(CHAIN_EXCHANGE, ProtocolSupport::Full)],
                cfg.clone(),
            ),
        })
        .unwrap()
        .with_swarm_config(|c| c.with_idle_connection_timeout(Duration::from_secs(60)))
        .build()
}

/// A chain store with genesis and two tipsets above it, the top one of two blocks.
fn chain(dir: &std::path::Path) -> (ChainStore, Vec<TipSet>) {
    let bs = Arc::new(Store::open(dir).unwrap());
    let store = ChainStore::open(bs.clone()).unwrap();
    let empty = put_block_messages(bs.as_ref(), &[], &[]).unwrap();
    let genesis = header(0, 0, vec![cbor_cid(b"genesis")], empty);
    store.put_header(&genesis).unwrap();
    let g = TipSet::new(vec![genesis]).unwrap();
    let meta = put_block_messages(bs.as_ref(), &[message(0)], &[signed(1)]).unwrap();
    let b1 = header(1000, 1, g.key().cids().to_vec(), meta);
    store.put_header(&b1).unwrap();
    let t1 = TipSet::new(vec![b1]).unwrap();
    let meta_a = put_block_messages(bs.as_ref(), &[message(1)], &[]).unwrap();
    let meta_b = put_block_messages(bs.as_ref(), &[message(1), message(2)], &[signed(2)]).unwrap();
    let a = header(1000, 2, t1.key().cids().to_vec(), meta_a);
    let b = header(1001, 2, t1.key().cids().to_vec(), meta_b);
    store.put_header(&a).unwrap();
    store.put_header(&b).unwrap();
    let t2 = TipSet::new(vec![a, b]).unwrap();
    (store, vec![g, t1, t2])
}

#[tokio::test]
async fn hello_and_chain_exchange_over_real_streams() {
    let dir = tempfile::tempdir().unwrap();
    let (store, tipsets) = chain(dir.path());
    let mut server = swarm();
    let mut client = swarm();
    server
        .listen_on("/ip4/127.0.0.1/tcp/0".parse().unwrap())
        .unwrap();
    let addr = loop {
        if let SwarmEvent::NewListenAddr { address, .. } = server.select_next_some().await {
            break address;
        }
    };
    let server_id = *server.local_peer_id();
    client.dial(addr).unwrap();
    let (mut client_up, mut server_up) = (false, false);
    let connected = async {
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
    tokio::time::timeout(Duration::from_secs(20), connected)
        .await
        .expect("no connection within 20 s");

    let hello = HelloMessage {
        heaviest_tipset: tipsets[2].key().cids().to_vec(),
        heaviest_tipset_height: 2,
        heaviest_tipset_weight: BigInt::from(20),
        genesis: tipsets[0].key().cids()[0],
    };
    let xreq = xchg::Request {
        head: tipsets[2].key().cids().to_vec(),
        length: 5,
        options: HEADERS | MESSAGES,
    };
    client
        .behaviour_mut()
        .hello
        .send_request(&server_id, hello.clone());
    client
        .behaviour_mut()
        .xchg
        .send_request(&server_id, xreq.clone());

    let (mut latency, mut segment) = (None, None);
    let run = async {
        while latency.is_none() || segment.is_none() {
            tokio::select! {
                e = server.select_next_some() => match e {
                    SwarmEvent::Behaviour(ProtocolsEvent::Hello(request_response::Event::Message {
                        message: request_response::Message::Request { request, channel, .. }, ..
                    })) => {
                        assert_eq!(request, hello);
                        let answer = LatencyMessage { arrival: 10, sent: 11 };
                        server.behaviour_mut().hello.send_response(channel, answer).unwrap();
                    }
                    SwarmEvent::Behaviour(ProtocolsEvent::Xchg(request_response::Event::Message {
                        message: request_response::Message::Request { request, channel, .. }, ..
                    })) => {
                        let answer = serve(&store, &request);
                        server.behaviour_mut().xchg.send_response(channel, answer).unwrap();
                    }
                    _ => {}
                },
                e = client.select_next_some() => match e {
                    SwarmEvent::Behaviour(ProtocolsEvent::Hello(request_response::Event::Message {
                        message: request_response::Message::Response { response, .. }, ..
                    })) => latency = Some(response),
                    SwarmEvent::Behaviour(ProtocolsEvent::Xchg(request_response::Event::Message {
                        message: request_response::Message::Response { response, .. }, ..
                    })) => {
                        assert_eq!(response.status, Status::Partial);
                        segment = Some(validate_response(&xreq, response, &[]).unwrap());
                    }
                    SwarmEvent::Behaviour(ProtocolsEvent::Hello(request_response::Event::OutboundFailure { error, .. }))
                    | SwarmEvent::Behaviour(ProtocolsEvent::Xchg(request_response::Event::OutboundFailure { error, .. })) => {
                        panic!("request failed: {error}")
                    }
                    _ => {}
                },
            }
        }
    };
    tokio::time::timeout(Duration::from_secs(30), run)
        .await
        .expect("no answers within 30 s");

    assert_eq!(
        latency,
        Some(LatencyMessage {
            arrival: 10,
            sent: 11
        })
    );
    let Some(Segment::Full(full)) = segment else {
        panic!("headers and messages were asked for")
    };
    let got: Vec<TipSet> = full.iter().map(|f| f.tipset.clone()).collect();
    assert_eq!(
        got,
        vec![tipsets[2].clone(), tipsets[1].clone(), tipsets[0].clone()]
    );
    assert_eq!(full[1].blocks[0].bls_messages, vec![message(0)]);
    assert_eq!(full[1].blocks[0].secp_messages, vec![signed(1)]);
}
