//! The bitswap message (`message.proto` of go-bitswap) with hand-written protobuf
//! encoding, and its framing: each message is preceded by its length as an unsigned
//! varint. Protocol 1.0.0 carries blocks as bare bytes (field 2); 1.1.0 and later as
//! a CID prefix with the data (field 3), and 1.2.0 adds want-have, don't-have and
//! block presences.

use super::protobuf::{
    expect_bytes, expect_varint, put_bytes, put_uint, put_varint, varint_prefix, ProtoError, Reader,
};
use cid::multihash::Multihash;
use cid::Cid;
use futures::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
use padma_types::cid::{blake2b_256, BLAKE2B_256};
use std::io;

/// The largest message read or written (go-bitswap's limit, 4 MiB).
pub const MAX_MESSAGE_BYTES: usize = 4 << 20;

/// The most wantlist entries, blocks or presences one message may carry.
pub const MAX_ITEMS: usize = 8192;

/// What a want asks for.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum WantType {
    /// The block itself.
    Block,
    /// Only whether the peer has it (1.2.0).
    Have,
}

/// One wantlist entry.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct WantEntry {
    /// The block wanted.
    pub cid: Cid,
    /// Higher first.
    pub priority: i32,
    /// Withdraws an earlier want of this CID.
    pub cancel: bool,
    /// Block or have.
    pub want_type: WantType,
    /// Asks for an explicit don't-have when the peer lacks the block (1.2.0).
    pub send_dont_have: bool,
}

/// Whether a peer has a block (1.2.0).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Presence {
    /// It has it.
    Have,
    /// It does not.
    DontHave,
}

/// A block as 1.1.0 and later carry it: the CID's prefix and the data.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PayloadBlock {
    /// CID version, codec, multihash code and digest length, as varints.
    pub prefix: Vec<u8>,
    /// The block's bytes.
    pub data: Vec<u8>,
}

/// A bitswap message.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct BitswapMessage {
    /// Wants and cancels.
    pub wantlist: Vec<WantEntry>,
    /// Whether `wantlist` replaces the sender's whole earlier wantlist.
    pub full: bool,
    /// Blocks as bare bytes (1.0.0).
    pub raw_blocks: Vec<Vec<u8>>,
    /// Blocks with their CID prefix (1.1.0 and later).
    pub payload: Vec<PayloadBlock>,
    /// Have and don't-have answers.
    pub presences: Vec<(Cid, Presence)>,
    /// How many bytes the sender still has queued for the receiver.
    pub pending_bytes: i32,
}

impl PayloadBlock {
    /// The block `data` under `cid`: its prefix is the CID's version, codec, hash code
    /// and digest length.
    pub fn new(cid: &Cid, data: Vec<u8>) -> Self {
        let mut prefix = Vec::with_capacity(8);
        put_varint(&mut prefix, u64::from(cid.version()));
        put_varint(&mut prefix, cid.codec());
        put_varint(&mut prefix, cid.hash().code());
        put_varint(&mut prefix, u64::from(cid.hash().size()));
        PayloadBlock { prefix, data }
    }

    /// The CID the data hashes to under the prefix: `None` for a prefix that is not a
    /// CIDv1 with a 32-byte blake2b-256 digest (the only hash padma checks; every chain
    /// object uses it) or that does not parse.
    pub fn cid(&self) -> Option<Cid> {
        let mut rest = self.prefix.as_slice();
        let mut next = || -> Option<u64> {
            let (v, n) = varint_prefix(rest).ok()??;
            rest = rest.get(n..)?;
            Some(v)
        };
        let (version, codec, code, size) = (next()?, next()?, next()?, next()?);
        if version != 1 || code != BLAKE2B_256 || size != 32 {
            return None;
        }
        let mh = Multihash::wrap(code, &blake2b_256(&self.data)).ok()?;
        Some(Cid::new_v1(codec, mh))
    }
}

/// The bitswap protocol versions, which differ in how blocks travel and in what 1.2.0
/// added.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum ProtocolVersion {
    /// `/chain/ipfs/bitswap` and `/chain/ipfs/bitswap/1.0.0`: blocks as bare bytes.
    V100,
    /// `/chain/ipfs/bitswap/1.1.0`: blocks with their CID prefix.
    V110,
    /// `/chain/ipfs/bitswap/1.2.0`: want-have, don't-have and block presences.
    V120,
}

impl BitswapMessage {
    /// The message as a peer speaking `version` understands it: before 1.1.0 blocks go
    /// as bare bytes; before 1.2.0 presences and want-haves are left out, and wants do
    /// not ask for don't-haves.
    pub fn for_version(mut self, version: ProtocolVersion) -> Self {
        if version < ProtocolVersion::V120 {
            self.presences.clear();
            self.wantlist.retain(|e| e.want_type == WantType::Block);
            for e in &mut self.wantlist {
                e.send_dont_have = false;
            }
        }
        if version < ProtocolVersion::V110 {
            self.raw_blocks.extend(
                std::mem::take(&mut self.payload)
                    .into_iter()
                    .map(|b| b.data),
            );
        } else {
            // Later versions carry bare blocks too, but a receiver can check a block
            // only with its prefix, so they are not sent as bare bytes.
        }
        self
    }
}

fn encode_entry(e: &WantEntry) -> Vec<u8> {
    let mut out = Vec::with_capacity(48);
    put_bytes(&mut out, 1, &e.cid.to_bytes());
    // int32 on the wire is the varint of its 64-bit sign extension.
    put_uint(&mut out, 2, i64::from(e.priority) as u64);
    put_uint(&mut out, 3, u64::from(e.cancel));
    put_uint(&mut out, 4, matches!(e.want_type, WantType::Have).into());
    put_uint(&mut out, 5, u64::from(e.send_dont_have));
    out
}

impl BitswapMessage {
    /// Whether the message carries nothing.
    pub fn is_empty(&self) -> bool {
        self.wantlist.is_empty()
            && !self.full
            && self.raw_blocks.is_empty()
            && self.payload.is_empty()
            && self.presences.is_empty()
    }

    /// The protobuf bytes (without the length prefix).
    pub fn encode(&self) -> Vec<u8> {
        let mut out = Vec::new();
        if !self.wantlist.is_empty() || self.full {
            let mut wl = Vec::new();
            for e in &self.wantlist {
                put_bytes(&mut wl, 1, &encode_entry(e));
            }
            put_uint(&mut wl, 2, u64::from(self.full));
            put_bytes(&mut out, 1, &wl);
        }
        for b in &self.raw_blocks {
            put_bytes(&mut out, 2, b);
        }
        for b in &self.payload {
            let mut block = Vec::with_capacity(b.prefix.len() + b.data.len() + 8);
            put_bytes(&mut block, 1, &b.prefix);
            put_bytes(&mut block, 2, &b.data);
            put_bytes(&mut out, 3, &block);
        }
        for (cid, presence) in &self.presences {
            let mut p = Vec::with_capacity(48);
            put_bytes(&mut p, 1, &cid.to_bytes());
            put_uint(&mut p, 2, matches!(presence, Presence::DontHave).into());
            put_bytes(&mut out, 4, &p);
        }
        put_uint(&mut out, 5, i64::from(self.pending_bytes) as u64);
        out
    }

    /// Decodes a message of at most [`MAX_MESSAGE_BYTES`] carrying at most
    /// [`MAX_ITEMS`] of each kind. Unknown fields are skipped, as protobuf allows.
    pub fn decode(bytes: &[u8]) -> Result<Self, ProtoError> {
        if bytes.len() > MAX_MESSAGE_BYTES {
            return Err(ProtoError::Field(0, "message too large".into()));
        }
        let mut msg = BitswapMessage::default();
        let mut r = Reader::new(bytes);
        while let Some((field, value)) = r.next_field()? {
            match field {
                1 => decode_wantlist(expect_bytes(1, value)?, &mut msg)?,
                2 => {
                    limit(msg.raw_blocks.len(), 2)?;
                    msg.raw_blocks.push(expect_bytes(2, value)?.to_vec());
                }
                3 => {
                    limit(msg.payload.len(), 3)?;
                    msg.payload.push(decode_block(expect_bytes(3, value)?)?);
                }
                4 => {
                    limit(msg.presences.len(), 4)?;
                    msg.presences
                        .push(decode_presence(expect_bytes(4, value)?)?);
                }
                5 => msg.pending_bytes = expect_varint(5, value)? as i32,
                _ => {}
            }
        }
        Ok(msg)
    }
}

fn limit(have: usize, field: u32) -> Result<(), ProtoError> {
    if have >= MAX_ITEMS {
        return Err(ProtoError::Field(
            field,
            format!("more than {MAX_ITEMS} items"),
        ));
    }
    Ok(())
}

fn cid_field(field: u32, bytes: &[u8]) -> Result<Cid, ProtoError> {
    Cid::try_from(bytes).map_err(|e| ProtoError::Field(field, format!("bad CID: {e}")))
}

fn decode_wantlist(bytes: &[u8], msg: &mut BitswapMessage) -> Result<(), ProtoError> {
    let mut r = Reader::new(bytes);
    while let Some((field, value)) = r.next_field()? {
        match field {
            1 => {
                limit(msg.wantlist.len(), 1)?;
                msg.wantlist.push(decode_entry(expect_bytes(1, value)?)?);
            }
            2 => msg.full = expect_varint(2, value)? != 0,
            _ => {}
        }
    }
    Ok(())
}

fn decode_entry(bytes: &[u8]) -> Result<WantEntry, ProtoError> {
    let mut cid = None;
    let mut e = WantEntry {
        cid: Cid::default(),
        priority: 0,
        cancel: false,
        want_type: WantType::Block,
        send_dont_have: false,
    };
    let mut r = Reader::new(bytes);
    while let Some((field, value)) = r.next_field()? {
        match field {
            1 => cid = Some(cid_field(1, expect_bytes(1, value)?)?),
            // int32: the low 32 bits of the varint.
            2 => e.priority = expect_varint(2, value)? as i32,
            3 => e.cancel = expect_varint(3, value)? != 0,
            4 => {
                e.want_type = match expect_varint(4, value)? {
                    0 => WantType::Block,
                    1 => WantType::Have,
                    t => return Err(ProtoError::Field(4, format!("unknown want type {t}"))),
                }
            }
            5 => e.send_dont_have = expect_varint(5, value)? != 0,
            _ => {}
        }
    }
    e.cid = cid.ok_or_else(|| ProtoError::Field(1, "entry without a CID".into()))?;
    Ok(e)
}

fn decode_block(bytes: &[u8]) -> Result<PayloadBlock, ProtoError> {
    let mut b = PayloadBlock {
        prefix: Vec::new(),
        data: Vec::new(),
    };
    let mut r = Reader::new(bytes);
    while let Some((field, value)) = r.next_field()? {
        match field {
            1 => b.prefix = expect_bytes(1, value)?.to_vec(),
            2 => b.data = expect_bytes(2, value)?.to_vec(),
            _ => {}
        }
    }
    Ok(b)
}

fn decode_presence(bytes: &[u8]) -> Result<(Cid, Presence), ProtoError> {
    let mut cid = None;
    let mut presence = Presence::Have;
    let mut r = Reader::new(bytes);
    while let Some((field, value)) = r.next_field()? {
        match field {
            1 => cid = Some(cid_field(1, expect_bytes(1, value)?)?),
            2 => {
                presence = match expect_varint(2, value)? {
                    0 => Presence::Have,
                    1 => Presence::DontHave,
                    t => return Err(ProtoError::Field(2, format!("unknown presence {t}"))),
                }
            }
            _ => {}
        }
    }
    let cid = cid.ok_or_else(|| ProtoError::Field(1, "presence without a CID".into()))?;
    Ok((cid, presence))
}

/// The message's frame: its length as an unsigned varint, then its bytes.
pub fn frame(msg: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(msg.len() + 5);
    put_varint(&mut out, msg.len() as u64);
    out.extend_from_slice(msg);
    out
}

/// Reads one framed message; `Ok(None)` when the stream ends cleanly before it.
/// A length over [`MAX_MESSAGE_BYTES`] is refused before its bytes are read, and the
/// buffer grows only as bytes arrive.
pub async fn read_message<R: AsyncRead + Unpin>(io: &mut R) -> io::Result<Option<Vec<u8>>> {
    let mut prefix = Vec::with_capacity(5);
    let len = loop {
        let mut byte = [0u8; 1];
        if io.read(&mut byte).await? == 0 {
            if prefix.is_empty() {
                return Ok(None);
            }
            return Err(io::ErrorKind::UnexpectedEof.into());
        }
        prefix.extend_from_slice(&byte);
        let invalid = |e: ProtoError| io::Error::new(io::ErrorKind::InvalidData, e);
        if let Some((len, _)) = varint_prefix(&prefix).map_err(invalid)? {
            break len;
        }
    };
    if len > MAX_MESSAGE_BYTES as u64 {
        return Err(io::Error::new(
            io::ErrorKind::InvalidData,
            format!("bitswap message of {len} bytes exceeds {MAX_MESSAGE_BYTES}"),
        ));
    }
    let mut buf = Vec::new();
    (&mut *io).take(len).read_to_end(&mut buf).await?;
    if buf.len() as u64 != len {
        return Err(io::ErrorKind::UnexpectedEof.into());
    }
    Ok(Some(buf))
}

/// Writes one message with its length prefix and flushes.
pub async fn write_message<W: AsyncWrite + Unpin>(io: &mut W, msg: &[u8]) -> io::Result<()> {
    io.write_all(&frame(msg)).await?;
    io.flush().await
}

#[cfg(test)]
#[path = "message_tests.rs"]
mod tests;
