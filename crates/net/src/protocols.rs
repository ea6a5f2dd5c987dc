//! Hello, chain exchange and bitswap events on the host's task.

use crate::bitswap::BitswapEvent;
use crate::codec::{malformed, Received, HELLO};
use crate::service::{NetEvent, NetService};
use crate::wire::hello::{unix_nanos_now, HelloMessage, LatencyMessage};
use crate::wire::xchg;
use libp2p::request_response::{self, Message, OutboundFailure};
use libp2p::PeerId;
use padma_types::block::TipSetKey;

impl NetService {
    /// Says hello to a newly identified peer that speaks it (once per connection).
    pub(crate) fn say_hello(&mut self, peer: PeerId, protocols: &[libp2p::StreamProtocol]) {
        if !protocols.contains(&HELLO) || !self.said_hello.insert(peer) {
            return;
        }
        match self.chain.hello() {
            Ok(hello) => {
                self.swarm
                    .behaviour_mut()
                    .hello
                    .send_request(&peer, Ok(hello));
            }
            Err(e) => tracing::debug!("no hello to say yet: {e:#}"),
        }
    }

    pub(crate) fn on_hello(
        &mut self,
        event: request_response::Event<Received<HelloMessage>, LatencyMessage>,
    ) {
        match event {
            request_response::Event::Message { peer, message, .. } => match message {
                Message::Request {
                    request: Err(why), ..
                } => {
                    // Left unanswered: the stream closes.
                    self.penalise(peer, &format!("malformed hello: {why}"));
                }
                Message::Request {
                    request: Ok(request),
                    channel,
                    ..
                } => {
                    let arrival = unix_nanos_now();
                    if request.genesis != self.config.genesis {
                        tracing::info!(%peer, genesis = %request.genesis, "peer is on another genesis; disconnecting");
                        let _ = self.swarm.disconnect_peer_id(peer);
                        return;
                    }
                    let latency = LatencyMessage {
                        arrival,
                        sent: unix_nanos_now(),
                    };
                    let _ = self
                        .swarm
                        .behaviour_mut()
                        .hello
                        .send_response(channel, latency);
                    self.emit_hello(peer, request);
                }
                Message::Response { response, .. } => {
                    tracing::debug!(%peer, arrival = response.arrival, "hello answered");
                }
            },
            request_response::Event::OutboundFailure { peer, error, .. } => {
                if let OutboundFailure::Io(e) = &error {
                    if malformed(e) {
                        self.penalise(peer, &format!("malformed hello answer: {e}"));
                        return;
                    }
                }
                tracing::debug!(%peer, "hello failed: {error}");
            }
            request_response::Event::InboundFailure { peer, error, .. } => {
                tracing::debug!(%peer, "hello not answered: {error}");
            }
            request_response::Event::ResponseSent { .. } => {}
        }
    }

    fn emit_hello(&mut self, peer: PeerId, hello: HelloMessage) {
        let event = NetEvent::Hello {
            peer,
            head: TipSetKey(hello.heaviest_tipset),
            height: hello.heaviest_tipset_height,
            weight: hello.heaviest_tipset_weight,
        };
        if let Err(e) = self.events.try_send(event) {
            tracing::debug!("hello dropped, the node is busy: {e}");
        }
    }

    pub(crate) fn on_xchg(
        &mut self,
        event: request_response::Event<Received<xchg::Request>, xchg::Response>,
    ) {
        match event {
            request_response::Event::Message { peer, message, .. } => match message {
                Message::Request {
                    request: Err(why), ..
                } => {
                    self.penalise(peer, &format!("malformed chain exchange request: {why}"));
                }
                Message::Request {
                    request: Ok(request),
                    channel,
                    ..
                } => {
                    let chain = self.chain.clone();
                    let served = self.served_tx.clone();
                    tracing::debug!(%peer, length = request.length, "chain exchange request");
                    tokio::task::spawn_blocking(move || {
                        let response = chain.serve_chain_exchange(&request);
                        let _ = served.blocking_send((channel, response));
                    });
                }
                Message::Response {
                    request_id,
                    response,
                } => {
                    if let Some(tx) = self.exchanges.remove(&request_id) {
                        let _ = tx.send(Ok(response));
                    }
                }
            },
            request_response::Event::OutboundFailure {
                peer,
                request_id,
                error,
                ..
            } => {
                if let OutboundFailure::Io(e) = &error {
                    if malformed(e) {
                        self.penalise(peer, &format!("malformed chain exchange answer: {e}"));
                    }
                }
                if let Some(tx) = self.exchanges.remove(&request_id) {
                    let _ = tx.send(Err(anyhow::anyhow!("chain exchange with {peer}: {error}")));
                }
            }
            request_response::Event::InboundFailure { peer, error, .. } => {
                tracing::debug!(%peer, "chain exchange request failed: {error}");
            }
            request_response::Event::ResponseSent { .. } => {}
        }
    }

    pub(crate) fn on_bitswap(&mut self, event: BitswapEvent) {
        match event {
            BitswapEvent::Block { cid, data, .. } => {
                for tx in self.fetches.remove(&cid).unwrap_or_default() {
                    let _ = tx.send(Ok(data.clone()));
                }
            }
            BitswapEvent::WantFailed { cid, reason } => {
                for tx in self.fetches.remove(&cid).unwrap_or_default() {
                    let _ = tx.send(Err(anyhow::anyhow!(
                        "fetching {cid} by bitswap: {reason:?}"
                    )));
                }
            }
        }
    }
}
