//! Bandwidth accounting: every connection's muxer is wrapped so that each substream
//! counts its bytes, in total, per peer and per protocol (read from the substream's
//! multistream-select negotiation), with rates updated once a second (what
//! `NetBandwidthStats*` report).

use libp2p::core::muxing::{
    StreamMuxer, StreamMuxerBox, StreamMuxerEvent, StreamMuxerExt, SubstreamBox,
};
use libp2p::PeerId;
use std::collections::HashMap;
use std::io;
use std::pin::Pin;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};

/// Bytes seen and the rates they move at.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct Bandwidth {
    /// Bytes received.
    pub total_in: u64,
    /// Bytes sent.
    pub total_out: u64,
    /// Bytes per second received (smoothed).
    pub rate_in: f64,
    /// Bytes per second sent (smoothed).
    pub rate_out: f64,
}

#[derive(Default)]
struct Counter {
    bytes_in: AtomicU64,
    bytes_out: AtomicU64,
    rates: Mutex<(u64, u64, f64, f64)>,
}

impl Counter {
    fn add(&self, inbound: bool, n: usize) {
        let c = if inbound {
            &self.bytes_in
        } else {
            &self.bytes_out
        };
        c.fetch_add(n as u64, Ordering::Relaxed);
    }

    fn tick(&self, secs: f64) {
        let (i, o) = (
            self.bytes_in.load(Ordering::Relaxed),
            self.bytes_out.load(Ordering::Relaxed),
        );
        let mut r = self.rates.lock().unwrap_or_else(|p| p.into_inner());
        let smooth = |old: f64, new: f64| {
            if old == 0.0 {
                new
            } else {
                0.5 * old + 0.5 * new
            }
        };
        let (last_in, last_out, rate_in, rate_out) = *r;
        let secs = secs.max(0.001);
        *r = (
            i,
            o,
            smooth(rate_in, i.saturating_sub(last_in) as f64 / secs),
            smooth(rate_out, o.saturating_sub(last_out) as f64 / secs),
        );
    }

    fn read(&self) -> Bandwidth {
        let r = self.rates.lock().unwrap_or_else(|p| p.into_inner());
        Bandwidth {
            total_in: self.bytes_in.load(Ordering::Relaxed),
            total_out: self.bytes_out.load(Ordering::Relaxed),
            rate_in: r.2,
            rate_out: r.3,
        }
    }
}

/// Protocols with more distinct names than this are counted under `other`.
const MAX_PROTOCOLS: usize = 256;
/// Peers are forgotten from the per-peer table beyond this many.
const MAX_PEERS: usize = 4096;

/// The node's bandwidth counters.
#[derive(Default)]
pub struct Meter {
    total: Counter,
    streams_in: AtomicU64,
    streams_out: AtomicU64,
    peers: Mutex<HashMap<PeerId, Arc<Counter>>>,
    protocols: Mutex<HashMap<String, Arc<Counter>>>,
}

impl Meter {
    /// A meter with nothing counted.
    pub fn new() -> Arc<Meter> {
        Arc::new(Meter::default())
    }

    /// Wraps a connection's muxer so its substreams are counted for `peer`.
    pub fn wrap(self: &Arc<Self>, peer: PeerId, muxer: StreamMuxerBox) -> StreamMuxerBox {
        let mut peers = self.peers.lock().unwrap_or_else(|p| p.into_inner());
        if peers.len() >= MAX_PEERS && !peers.contains_key(&peer) {
            peers.retain(|_, c| Arc::strong_count(c) > 1);
        }
        let counter = peers.entry(peer).or_default().clone();
        StreamMuxerBox::new(CountedMuxer {
            inner: muxer,
            meter: self.clone(),
            peer: counter,
        })
    }

    fn protocol(&self, name: &str) -> Arc<Counter> {
        let mut p = self.protocols.lock().unwrap_or_else(|p| p.into_inner());
        let name = if p.len() >= MAX_PROTOCOLS && !p.contains_key(name) {
            "other"
        } else {
            name
        };
        p.entry(name.to_string()).or_default().clone()
    }

    /// Updates the rates; called once a second.
    pub fn tick(&self, secs: f64) {
        self.total.tick(secs);
        for c in self
            .peers
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .values()
        {
            c.tick(secs);
        }
        for c in self
            .protocols
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .values()
        {
            c.tick(secs);
        }
    }

    /// Everything counted.
    pub fn total(&self) -> Bandwidth {
        self.total.read()
    }

    /// Substreams open now: (inbound, outbound).
    pub fn open_streams(&self) -> (u64, u64) {
        (
            self.streams_in.load(Ordering::Relaxed),
            self.streams_out.load(Ordering::Relaxed),
        )
    }

    /// Per peer.
    pub fn by_peer(&self) -> HashMap<PeerId, Bandwidth> {
        let p = self.peers.lock().unwrap_or_else(|p| p.into_inner());
        p.iter().map(|(k, c)| (*k, c.read())).collect()
    }

    /// Per protocol.
    pub fn by_protocol(&self) -> HashMap<String, Bandwidth> {
        let p = self.protocols.lock().unwrap_or_else(|p| p.into_inner());
        p.iter().map(|(k, c)| (k.clone(), c.read())).collect()
    }
}

struct CountedMuxer {
    inner: StreamMuxerBox,
    meter: Arc<Meter>,
    peer: Arc<Counter>,
}

impl CountedMuxer {
    fn wrap(&self, s: SubstreamBox, inbound: bool) -> SubstreamBox {
        let open = if inbound {
            &self.meter.streams_in
        } else {
            &self.meter.streams_out
        };
        open.fetch_add(1, Ordering::Relaxed);
        SubstreamBox::new(CountedStream {
            inbound,
            inner: s,
            meter: self.meter.clone(),
            peer: self.peer.clone(),
            negotiation: Negotiation::default(),
            protocol: None,
        })
    }
}

impl StreamMuxer for CountedMuxer {
    type Substream = SubstreamBox;
    type Error = io::Error;

    fn poll_inbound(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<SubstreamBox>> {
        let this = self.get_mut();
        this.inner
            .poll_inbound_unpin(cx)
            .map_ok(|s| this.wrap(s, true))
    }

    fn poll_outbound(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<SubstreamBox>> {
        let this = self.get_mut();
        this.inner
            .poll_outbound_unpin(cx)
            .map_ok(|s| this.wrap(s, false))
    }

    fn poll_close(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        self.get_mut().inner.poll_close_unpin(cx)
    }

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<StreamMuxerEvent>> {
        self.get_mut().inner.poll_unpin(cx)
    }
}

/// The first bytes of both directions of a substream, read as multistream-select
/// lines until the protocol both sides agreed on shows.
#[derive(Default)]
struct Negotiation {
    read: Vec<u8>,
    written: Vec<u8>,
    pending_in: usize,
    pending_out: usize,
    done: bool,
}

/// Bytes of negotiation looked at, per direction.
const NEGOTIATION_WINDOW: usize = 512;

impl Negotiation {
    fn feed(&mut self, inbound: bool, bytes: &[u8]) -> Option<String> {
        if self.done {
            return None;
        }
        let buf = if inbound {
            &mut self.read
        } else {
            &mut self.written
        };
        let room = NEGOTIATION_WINDOW.saturating_sub(buf.len());
        buf.extend(bytes.iter().take(room));
        let (a, b) = (lines(&self.read), lines(&self.written));
        let agreed = a.iter().find(|l| b.contains(l)).cloned();
        if agreed.is_some()
            || (self.read.len() >= NEGOTIATION_WINDOW && self.written.len() >= NEGOTIATION_WINDOW)
        {
            self.done = true;
            self.read = Vec::new();
            self.written = Vec::new();
            return Some(agreed.unwrap_or_else(|| "unknown".to_string()));
        }
        None
    }
}

/// The protocol names among the varint-length-prefixed, newline-ended lines at the
/// start of `buf` (`/multistream/1.0.0` and `na` left out).
fn lines(buf: &[u8]) -> Vec<String> {
    let mut out = Vec::new();
    let mut rest = buf;
    while let Ok((len, tail)) = unsigned_varint::decode::usize(rest) {
        let Some(line) = tail.get(..len) else { break };
        rest = tail.get(len..).unwrap_or_default();
        let Some(name) = line
            .strip_suffix(b"\n")
            .and_then(|l| std::str::from_utf8(l).ok())
        else {
            break;
        };
        if name.starts_with('/') && name != "/multistream/1.0.0" {
            out.push(name.to_string());
        }
    }
    out
}

struct CountedStream {
    inbound: bool,
    inner: SubstreamBox,
    meter: Arc<Meter>,
    peer: Arc<Counter>,
    negotiation: Negotiation,
    protocol: Option<Arc<Counter>>,
}

impl Drop for CountedStream {
    fn drop(&mut self) {
        let open = if self.inbound {
            &self.meter.streams_in
        } else {
            &self.meter.streams_out
        };
        open.fetch_sub(1, Ordering::Relaxed);
    }
}

impl CountedStream {
    fn count(&mut self, inbound: bool, bytes: &[u8]) {
        let n = bytes.len();
        self.meter.total.add(inbound, n);
        self.peer.add(inbound, n);
        match &self.protocol {
            Some(p) => p.add(inbound, n),
            None => {
                if inbound {
                    self.negotiation.pending_in += n;
                } else {
                    self.negotiation.pending_out += n;
                }
                if let Some(name) = self.negotiation.feed(inbound, bytes) {
                    let p = self.meter.protocol(&name);
                    p.add(true, self.negotiation.pending_in);
                    p.add(false, self.negotiation.pending_out);
                    self.protocol = Some(p);
                }
            }
        }
    }
}

impl futures::AsyncRead for CountedStream {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut [u8],
    ) -> Poll<io::Result<usize>> {
        let this = self.get_mut();
        let r = Pin::new(&mut this.inner).poll_read(cx, buf);
        if let Poll::Ready(Ok(n)) = r {
            this.count(true, buf.get(..n).unwrap_or_default());
        }
        r
    }
}

impl futures::AsyncWrite for CountedStream {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        let this = self.get_mut();
        let r = Pin::new(&mut this.inner).poll_write(cx, buf);
        if let Poll::Ready(Ok(n)) = r {
            this.count(false, buf.get(..n).unwrap_or_default());
        }
        r
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().inner).poll_flush(cx)
    }

    fn poll_close(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().inner).poll_close(cx)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn line(s: &str) -> Vec<u8> {
        let mut b = vec![(s.len() + 1) as u8];
        b.extend_from_slice(s.as_bytes());
        b.push(b'\n');
        b
    }

    #[test]
    fn the_agreed_protocol_is_read_from_the_negotiation() {
        let mut n = Negotiation::default();
        let mut out = line("/multistream/1.0.0");
        out.extend(line("/fil/hello/1.0.0"));
        assert_eq!(n.feed(false, &out), None);
        let mut back = line("/multistream/1.0.0");
        back.extend(line("/fil/hello/1.0.0"));
        back.extend([0xa4, 1, 2]);
        assert_eq!(n.feed(true, &back).as_deref(), Some("/fil/hello/1.0.0"));
        assert_eq!(n.feed(true, b"more"), None);
    }

    #[test]
    fn a_refused_proposal_is_not_the_protocol_and_garbage_ends_as_unknown() {
        let mut n = Negotiation::default();
        let mut out = line("/multistream/1.0.0");
        out.extend(line("/a/2"));
        n.feed(false, &out);
        let mut back = line("/multistream/1.0.0");
        back.extend(line("na"));
        assert_eq!(n.feed(true, &back), None);
        assert_eq!(n.feed(false, &line("/a/1")), None);
        assert_eq!(n.feed(true, &line("/a/1")).as_deref(), Some("/a/1"));
        let mut g = Negotiation::default();
        g.feed(false, &[0xff; 600]);
        assert_eq!(g.feed(true, &[0x80; 600]).as_deref(), Some("unknown"));
    }

    #[test]
    fn rates_follow_the_counts() {
        let c = Counter::default();
        c.add(true, 1000);
        c.add(false, 10);
        c.tick(1.0);
        let b = c.read();
        assert_eq!((b.total_in, b.total_out), (1000, 10));
        assert_eq!((b.rate_in, b.rate_out), (1000.0, 10.0));
        c.tick(1.0);
        assert_eq!(c.read().rate_in, 500.0);
    }
}
