//! libp2p request-response codecs for hello and chain exchange: each side writes one
//! raw CBOR item ([`crate::wire::frame`]) and the reader decodes exactly one, within
//! the protocol's size limits. The request-response handler closes the stream after
//! the responder's item; its request timeout bounds a peer that sends too slowly.

use crate::wire::frame::{read_cbor_item, write_cbor_item};
use crate::wire::hello::{HelloMessage, LatencyMessage, MAX_HELLO_BYTES, MAX_LATENCY_BYTES};
use crate::wire::xchg::{self, MAX_REQUEST_BYTES, MAX_RESPONSE_BYTES};
use crate::wire::DecodeError;
use async_trait::async_trait;
use futures::{AsyncRead, AsyncWrite};
use libp2p::request_response::Codec;
use libp2p::StreamProtocol;
use std::io;

/// The hello protocol as libp2p names it.
pub const HELLO: StreamProtocol = StreamProtocol::new(crate::wire::hello::HELLO_PROTOCOL);

/// The chain exchange protocol as libp2p names it.
pub const CHAIN_EXCHANGE: StreamProtocol =
    StreamProtocol::new(crate::wire::xchg::CHAIN_EXCHANGE_PROTOCOL);

fn invalid(e: DecodeError) -> io::Error {
    io::Error::new(io::ErrorKind::InvalidData, e)
}

/// Reads one item of at most `limit` bytes and decodes it with `decode`.
async fn read_one<T, R: AsyncRead + Unpin>(
    io: &mut R,
    limit: usize,
    decode: impl FnOnce(&[u8]) -> Result<T, DecodeError>,
) -> io::Result<T> {
    let bytes = read_cbor_item(io, limit).await?;
    decode(&bytes).map_err(invalid)
}

/// Hello: a [`HelloMessage`] asked, a [`LatencyMessage`] answered.
#[derive(Clone, Copy, Debug, Default)]
pub struct HelloCodec;

#[async_trait]
impl Codec for HelloCodec {
    type Protocol = StreamProtocol;
    type Request = HelloMessage;
    type Response = LatencyMessage;

    async fn read_request<T>(&mut self, _: &StreamProtocol, io: &mut T) -> io::Result<HelloMessage>
    where
        T: AsyncRead + Unpin + Send,
    {
        read_one(io, MAX_HELLO_BYTES, HelloMessage::decode).await
    }

    async fn read_response<T>(
        &mut self,
        _: &StreamProtocol,
        io: &mut T,
    ) -> io::Result<LatencyMessage>
    where
        T: AsyncRead + Unpin + Send,
    {
        read_one(io, MAX_LATENCY_BYTES, LatencyMessage::decode).await
    }

    async fn write_request<T>(
        &mut self,
        _: &StreamProtocol,
        io: &mut T,
        req: HelloMessage,
    ) -> io::Result<()>
    where
        T: AsyncWrite + Unpin + Send,
    {
        write_cbor_item(io, &req.encode()).await
    }

    async fn write_response<T>(
        &mut self,
        _: &StreamProtocol,
        io: &mut T,
        res: LatencyMessage,
    ) -> io::Result<()>
    where
        T: AsyncWrite + Unpin + Send,
    {
        write_cbor_item(io, &res.encode()).await
    }
}

/// Chain exchange: an [`xchg::Request`] asked, an [`xchg::Response`] answered. The
/// response limit defaults to Lotus's cap ([`MAX_RESPONSE_BYTES`]); a node may lower it.
#[derive(Clone, Copy, Debug)]
pub struct ChainExchangeCodec {
    max_response_bytes: usize,
}

impl Default for ChainExchangeCodec {
    fn default() -> Self {
        ChainExchangeCodec {
            max_response_bytes: MAX_RESPONSE_BYTES,
        }
    }
}

impl ChainExchangeCodec {
    /// A codec that accepts responses of at most `max_response_bytes` (capped at
    /// [`MAX_RESPONSE_BYTES`]).
    pub fn with_max_response_bytes(max_response_bytes: usize) -> Self {
        ChainExchangeCodec {
            max_response_bytes: max_response_bytes.min(MAX_RESPONSE_BYTES),
        }
    }
}

#[async_trait]
impl Codec for ChainExchangeCodec {
    type Protocol = StreamProtocol;
    type Request = xchg::Request;
    type Response = xchg::Response;

    async fn read_request<T>(&mut self, _: &StreamProtocol, io: &mut T) -> io::Result<xchg::Request>
    where
        T: AsyncRead + Unpin + Send,
    {
        read_one(io, MAX_REQUEST_BYTES, xchg::Request::decode).await
    }

    async fn read_response<T>(
        &mut self,
        _: &StreamProtocol,
        io: &mut T,
    ) -> io::Result<xchg::Response>
    where
        T: AsyncRead + Unpin + Send,
    {
        read_one(io, self.max_response_bytes, xchg::Response::decode).await
    }

    async fn write_request<T>(
        &mut self,
        _: &StreamProtocol,
        io: &mut T,
        req: xchg::Request,
    ) -> io::Result<()>
    where
        T: AsyncWrite + Unpin + Send,
    {
        write_cbor_item(io, &req.encode()).await
    }

    async fn write_response<T>(
        &mut self,
        _: &StreamProtocol,
        io: &mut T,
        res: xchg::Response,
    ) -> io::Result<()>
    where
        T: AsyncWrite + Unpin + Send,
    {
        write_cbor_item(io, &res.encode()).await
    }
}

/// Whether a stream failed because the peer sent something other than one well-formed
/// item of the protocol (`InvalidData` from the codecs, or the stream ending inside the
/// item): what an honest peer never does, unlike a timeout or a closed connection.
pub fn malformed(e: &io::Error) -> bool {
    matches!(
        e.kind(),
        io::ErrorKind::InvalidData | io::ErrorKind::UnexpectedEof
    )
}

/// A request as [`Reporting`] reads it: decoded, or what was wrong with its bytes.
pub type Received<T> = Result<T, String>;

/// A codec that reports malformed requests instead of failing on them. libp2p's
/// request-response drops a request whose reading fails without telling anyone, so a
/// peer sending garbage would go unnoticed; with this wrapper such a request arrives as
/// `Err(why)`, for the host to penalise the peer and answer nothing. Requests sent are
/// `Ok(request)`.
#[derive(Clone, Copy, Debug, Default)]
pub struct Reporting<C>(pub C);

#[async_trait]
impl<C> Codec for Reporting<C>
where
    C: Codec<Protocol = StreamProtocol> + Clone + Send + 'static,
    C::Request: Send,
    C::Response: Send,
{
    type Protocol = StreamProtocol;
    type Request = Received<C::Request>;
    type Response = C::Response;

    async fn read_request<T>(&mut self, p: &StreamProtocol, io: &mut T) -> io::Result<Self::Request>
    where
        T: AsyncRead + Unpin + Send,
    {
        match self.0.read_request(p, io).await {
            Ok(r) => Ok(Ok(r)),
            Err(e) if malformed(&e) => Ok(Err(e.to_string())),
            Err(e) => Err(e),
        }
    }

    async fn read_response<T>(&mut self, p: &StreamProtocol, io: &mut T) -> io::Result<C::Response>
    where
        T: AsyncRead + Unpin + Send,
    {
        self.0.read_response(p, io).await
    }

    async fn write_request<T>(
        &mut self,
        p: &StreamProtocol,
        io: &mut T,
        req: Self::Request,
    ) -> io::Result<()>
    where
        T: AsyncWrite + Unpin + Send,
    {
        match req {
            Ok(r) => self.0.write_request(p, io, r).await,
            Err(why) => Err(io::Error::new(io::ErrorKind::InvalidInput, why)),
        }
    }

    async fn write_response<T>(
        &mut self,
        p: &StreamProtocol,
        io: &mut T,
        res: C::Response,
    ) -> io::Result<()>
    where
        T: AsyncWrite + Unpin + Send,
    {
        self.0.write_response(p, io, res).await
    }
}

#[cfg(test)]
#[path = "codec_tests.rs"]
mod tests;
