//! The bitswap connection handler: reads the messages a peer sends on the streams it
//! opens, and sends ours on streams this side opens, one stream per batch, encoded for
//! the protocol version the peer chose.

use super::message::{read_message, write_message, BitswapMessage};
use super::{protocol_version, ProtocolVersion};
use futures::future::BoxFuture;
use futures::stream::{BoxStream, SelectAll};
use futures::{AsyncWriteExt, FutureExt, StreamExt};
use libp2p::core::upgrade::{InboundUpgrade, OutboundUpgrade, UpgradeInfo};
use libp2p::swarm::handler::{
    ConnectionEvent, ConnectionHandler, ConnectionHandlerEvent, DialUpgradeError,
    FullyNegotiatedInbound, FullyNegotiatedOutbound, StreamUpgradeError, SubstreamProtocol,
};
use libp2p::swarm::Stream;
use libp2p::StreamProtocol;
use std::collections::VecDeque;
use std::convert::Infallible;
use std::io;
use std::task::{Context, Poll};
use std::time::Duration;

/// How long a peer's stream may stay silent before it is dropped.
const INBOUND_IDLE: Duration = Duration::from_secs(120);
/// How long writing one batch may take.
const OUTBOUND_WRITE: Duration = Duration::from_secs(30);
/// How many streams a peer may keep open towards us on one connection.
const MAX_INBOUND_STREAMS: usize = 8;
/// How many messages may wait for a stream; more are dropped (the peer is too slow).
const MAX_QUEUED: usize = 64;
/// How many block bytes may wait for a stream; more are dropped.
const MAX_QUEUED_BLOCK_BYTES: usize = 8 << 20;

fn block_bytes(msg: &BitswapMessage) -> usize {
    let raw: usize = msg.raw_blocks.iter().map(Vec::len).sum();
    let payload: usize = msg.payload.iter().map(|b| b.data.len()).sum();
    raw + payload
}

/// The bitswap protocols this side speaks, most preferred first.
#[derive(Clone, Debug)]
pub struct Protocols(pub Vec<StreamProtocol>);

impl UpgradeInfo for Protocols {
    type Info = StreamProtocol;
    type InfoIter = std::vec::IntoIter<StreamProtocol>;

    fn protocol_info(&self) -> Self::InfoIter {
        self.0.clone().into_iter()
    }
}

impl InboundUpgrade<Stream> for Protocols {
    type Output = (Stream, StreamProtocol);
    type Error = Infallible;
    type Future = futures::future::Ready<Result<Self::Output, Infallible>>;

    fn upgrade_inbound(self, stream: Stream, info: StreamProtocol) -> Self::Future {
        futures::future::ready(Ok((stream, info)))
    }
}

impl OutboundUpgrade<Stream> for Protocols {
    type Output = (Stream, StreamProtocol);
    type Error = Infallible;
    type Future = futures::future::Ready<Result<Self::Output, Infallible>>;

    fn upgrade_outbound(self, stream: Stream, info: StreamProtocol) -> Self::Future {
        futures::future::ready(Ok((stream, info)))
    }
}

/// What the handler tells the behaviour.
#[derive(Debug)]
pub enum HandlerOut {
    /// A message from the peer.
    Received(BitswapMessage),
    /// The peer speaks no bitswap protocol of ours; what was queued for it is dropped.
    Unsupported,
}

/// What the behaviour tells the handler.
#[derive(Debug)]
pub enum HandlerIn {
    /// Send this message.
    Send(BitswapMessage),
}

/// One connection's bitswap streams.
pub struct Handler {
    protocols: Protocols,
    queue: VecDeque<BitswapMessage>,
    queued_block_bytes: usize,
    stream_requested: bool,
    writing: Option<BoxFuture<'static, io::Result<()>>>,
    inbound: SelectAll<BoxStream<'static, io::Result<BitswapMessage>>>,
    unsupported_reported: bool,
    unsupported: bool,
}

impl Handler {
    /// A handler speaking `protocols`.
    pub fn new(protocols: Vec<StreamProtocol>) -> Self {
        Handler {
            protocols: Protocols(protocols),
            queue: VecDeque::new(),
            queued_block_bytes: 0,
            stream_requested: false,
            writing: None,
            inbound: SelectAll::new(),
            unsupported_reported: false,
            unsupported: false,
        }
    }
}

/// The messages a peer sends on one stream, until it closes it, stays silent too long,
/// or sends something malformed.
fn inbound_messages(stream: Stream) -> BoxStream<'static, io::Result<BitswapMessage>> {
    futures::stream::unfold(Some(stream), |state| async move {
        let mut stream = state?;
        let item = match tokio::time::timeout(INBOUND_IDLE, read_message(&mut stream)).await {
            Err(_) => return None,
            Ok(Ok(None)) => return None,
            Ok(Ok(Some(bytes))) => BitswapMessage::decode(&bytes)
                .map_err(|e| io::Error::new(io::ErrorKind::InvalidData, e)),
            Ok(Err(e)) => Err(e),
        };
        // After an error the stream is done.
        let next = item.is_ok().then_some(stream);
        Some((item, next))
    })
    .boxed()
}

/// Writes `batch` on `stream` for protocol `version`, then closes it.
async fn write_batch(
    mut stream: Stream,
    version: ProtocolVersion,
    batch: Vec<BitswapMessage>,
) -> io::Result<()> {
    for msg in batch {
        write_message(&mut stream, &msg.for_version(version).encode()).await?;
    }
    stream.close().await
}

impl ConnectionHandler for Handler {
    type FromBehaviour = HandlerIn;
    type ToBehaviour = HandlerOut;
    type InboundProtocol = Protocols;
    type OutboundProtocol = Protocols;
    type InboundOpenInfo = ();
    type OutboundOpenInfo = ();

    fn listen_protocol(&self) -> SubstreamProtocol<Protocols, ()> {
        SubstreamProtocol::new(self.protocols.clone(), ())
    }

    fn connection_keep_alive(&self) -> bool {
        !self.queue.is_empty() || self.stream_requested || self.writing.is_some()
    }

    fn on_behaviour_event(&mut self, event: HandlerIn) {
        match event {
            HandlerIn::Send(msg) => {
                let bytes = block_bytes(&msg);
                let fits = self.queue.len() < MAX_QUEUED
                    && self.queued_block_bytes + bytes <= MAX_QUEUED_BLOCK_BYTES;
                if !self.unsupported && fits {
                    self.queued_block_bytes += bytes;
                    self.queue.push_back(msg);
                } else {
                    tracing::debug!("bitswap: dropping a message for a slow or unsupported peer");
                }
            }
        }
    }

    fn on_connection_event(&mut self, event: ConnectionEvent<'_, Protocols, Protocols, (), ()>) {
        match event {
            ConnectionEvent::FullyNegotiatedInbound(FullyNegotiatedInbound {
                protocol: (stream, _),
                ..
            }) => {
                if self.inbound.len() < MAX_INBOUND_STREAMS {
                    self.inbound.push(inbound_messages(stream));
                } else {
                    tracing::debug!("bitswap: too many inbound streams, dropping a new one");
                }
            }
            ConnectionEvent::FullyNegotiatedOutbound(FullyNegotiatedOutbound {
                protocol: (stream, protocol),
                ..
            }) => {
                self.stream_requested = false;
                let batch: Vec<_> = self.queue.drain(..).collect();
                self.queued_block_bytes = 0;
                let version = protocol_version(&protocol);
                let write =
                    tokio::time::timeout(OUTBOUND_WRITE, write_batch(stream, version, batch))
                        .map(|r| r.unwrap_or_else(|_| Err(io::ErrorKind::TimedOut.into())));
                self.writing = Some(write.boxed());
            }
            ConnectionEvent::DialUpgradeError(DialUpgradeError { error, .. }) => {
                self.stream_requested = false;
                if let StreamUpgradeError::NegotiationFailed = error {
                    self.unsupported = true;
                }
                tracing::debug!("bitswap: could not open a stream: {error}");
                self.queue.clear();
                self.queued_block_bytes = 0;
            }
            _ => {}
        }
    }

    fn poll(
        &mut self,
        cx: &mut Context<'_>,
    ) -> Poll<ConnectionHandlerEvent<Protocols, (), HandlerOut>> {
        if self.unsupported && !self.unsupported_reported {
            self.unsupported_reported = true;
            return Poll::Ready(ConnectionHandlerEvent::NotifyBehaviour(
                HandlerOut::Unsupported,
            ));
        }
        if let Some(write) = self.writing.as_mut() {
            if let Poll::Ready(result) = write.poll_unpin(cx) {
                self.writing = None;
                if let Err(e) = result {
                    tracing::debug!("bitswap: sending failed: {e}");
                }
            }
        }
        if !self.queue.is_empty() && !self.stream_requested && self.writing.is_none() {
            self.stream_requested = true;
            return Poll::Ready(ConnectionHandlerEvent::OutboundSubstreamRequest {
                protocol: SubstreamProtocol::new(self.protocols.clone(), ()),
            });
        }
        loop {
            match self.inbound.poll_next_unpin(cx) {
                Poll::Ready(Some(Ok(msg))) => {
                    return Poll::Ready(ConnectionHandlerEvent::NotifyBehaviour(
                        HandlerOut::Received(msg),
                    ))
                }
                Poll::Ready(Some(Err(e))) => {
                    tracing::debug!("bitswap: dropping an inbound stream: {e}");
                }
                Poll::Ready(None) | Poll::Pending => return Poll::Pending,
            }
        }
    }
}
