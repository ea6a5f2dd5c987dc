//! Lotus's framing of hello and chain exchange: one raw DAG-CBOR item per direction,
//! with no length prefix (go-cbor-util's `WriteCborRPC`). The reader finds where the
//! item ends by scanning its heads, so it never reads past the item on a stream that
//! stays open, and it refuses an item before reading it whole when its declared
//! lengths already exceed the caller's limit.

use futures::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
use std::io;

/// How deeply arrays, maps and tags may nest in one item.
pub const MAX_DEPTH: usize = 64;

/// The most bytes one read asks the stream for, so a large declared length does not
/// allocate its whole buffer before the bytes arrive.
const READ_CHUNK: usize = 64 * 1024;

/// Why bytes are not one DAG-CBOR item.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FrameError {
    /// Arrays, maps and tags nest deeper than [`MAX_DEPTH`].
    #[error("CBOR nests deeper than {MAX_DEPTH} levels")]
    TooDeep,
    /// An indefinite length (additional information 31), which DAG-CBOR forbids.
    #[error("indefinite-length CBOR item")]
    Indefinite,
    /// Additional information 28–30, reserved by CBOR.
    #[error("reserved CBOR additional information {0}")]
    Reserved(u8),
    /// An integer or length not written in its shortest form.
    #[error("CBOR argument not in its shortest form")]
    NotMinimal,
    /// A tag other than 42 (a CID), the only one DAG-CBOR allows.
    #[error("CBOR tag {0} is not allowed in DAG-CBOR")]
    Tag(u64),
    /// A simple value or float DAG-CBOR forbids (only false, true, null and 64-bit
    /// floats are allowed).
    #[error("CBOR simple value {0} is not allowed in DAG-CBOR")]
    Simple(u8),
    /// The item is (or declares itself) longer than the reader's limit.
    #[error("CBOR item larger than {0} bytes")]
    TooLarge(usize),
}

/// The outcome of scanning a buffer's prefix.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Scan {
    /// One whole item ends at this offset.
    Complete(usize),
    /// The item needs at least this many bytes in total (a lower bound).
    Incomplete(u64),
}

/// A resumable scanner over one CBOR item: it remembers how far the complete heads go
/// and how many items each open array, map or tag still holds, so feeding it a longer
/// buffer continues where it stopped instead of starting over.
#[derive(Debug)]
struct Scanner {
    /// Offset of the first byte not yet consumed.
    pos: usize,
    /// Items still to read at each open level; the bottom entry is the item itself.
    pending: Vec<u64>,
}

/// One decoded head: major type, argument, and the head's length.
struct Head {
    major: u8,
    info: u8,
    arg: u64,
    len: usize,
}

/// The head at `pos`: `Ok(Err(end))` when `buf` ends before the head's `end`.
fn parse_head(buf: &[u8], pos: usize) -> Result<Result<Head, u64>, FrameError> {
    let Some(&first) = buf.get(pos) else {
        return Ok(Err(pos as u64 + 1));
    };
    let (major, info) = (first >> 5, first & 0x1f);
    let extra = match info {
        0..=23 => {
            return Ok(Ok(Head {
                major,
                info,
                arg: u64::from(info),
                len: 1,
            }))
        }
        24 => 1,
        25 => 2,
        26 => 4,
        27 => 8,
        31 => return Err(FrameError::Indefinite),
        _ => return Err(FrameError::Reserved(info)),
    };
    let Some(bytes) = buf.get(pos + 1..pos + 1 + extra) else {
        return Ok(Err((pos + 1 + extra) as u64));
    };
    let arg = bytes.iter().fold(0u64, |acc, b| (acc << 8) | u64::from(*b));
    // Major type 7 with 25..27 holds a float, whose bits are not a length.
    let minimal = match extra {
        1 => arg >= 24,
        2 => arg > 0xff,
        4 => arg > 0xffff,
        _ => arg > 0xffff_ffff,
    };
    if major != 7 && !minimal {
        return Err(FrameError::NotMinimal);
    }
    Ok(Ok(Head {
        major,
        info,
        arg,
        len: 1 + extra,
    }))
}

impl Scanner {
    fn new() -> Self {
        Scanner {
            pos: 0,
            pending: vec![1],
        }
    }

    /// Items still expected after the current one, each at least one byte long.
    fn items_after_current(&self) -> u64 {
        self.pending
            .iter()
            .fold(0u64, |acc, n| acc.saturating_add(*n))
            .saturating_sub(1)
    }

    fn incomplete_at(&self, end: u64) -> Scan {
        Scan::Incomplete(end.saturating_add(self.items_after_current()))
    }

    /// Marks one item of the innermost open level as read.
    fn item_done(&mut self) {
        if let Some(top) = self.pending.last_mut() {
            *top = top.saturating_sub(1);
        }
    }

    fn open(&mut self, items: u64) -> Result<(), FrameError> {
        if items > 0 {
            if self.pending.len() >= MAX_DEPTH {
                return Err(FrameError::TooDeep);
            }
            self.pending.push(items);
        }
        Ok(())
    }

    /// Scans as far as `buf` allows; `buf` must extend the buffer seen before.
    fn advance(&mut self, buf: &[u8]) -> Result<Scan, FrameError> {
        loop {
            while self.pending.last() == Some(&0) {
                self.pending.pop();
            }
            if self.pending.is_empty() {
                return Ok(Scan::Complete(self.pos));
            }
            let head = match parse_head(buf, self.pos)? {
                Ok(head) => head,
                Err(end) => return Ok(self.incomplete_at(end)),
            };
            match head.major {
                0 | 1 => self.item_done(),
                2 | 3 => {
                    let end = (self.pos as u64)
                        .saturating_add(head.len as u64)
                        .saturating_add(head.arg);
                    if end > buf.len() as u64 {
                        return Ok(self.incomplete_at(end));
                    }
                    self.item_done();
                    self.pos = end as usize;
                    continue;
                }
                4 => {
                    self.item_done();
                    self.open(head.arg)?;
                }
                5 => {
                    self.item_done();
                    self.open(head.arg.saturating_mul(2))?;
                }
                6 => {
                    if head.arg != 42 {
                        return Err(FrameError::Tag(head.arg));
                    }
                    self.item_done();
                    self.open(1)?;
                }
                _ => {
                    // false, true, null, and 64-bit floats.
                    if !matches!(head.info, 20..=22 | 27) {
                        return Err(FrameError::Simple(head.info));
                    }
                    self.item_done();
                }
            }
            self.pos += head.len;
        }
    }
}

/// The length of the one DAG-CBOR item at the start of `buf`: `Ok(None)` while `buf`
/// holds only part of it. Bytes after the item are not looked at.
pub fn cbor_item_len(buf: &[u8]) -> Result<Option<usize>, FrameError> {
    match Scanner::new().advance(buf)? {
        Scan::Complete(len) => Ok(Some(len)),
        Scan::Incomplete(_) => Ok(None),
    }
}

/// The major type and argument of the head at `pos` and where the head ends, for a
/// buffer already known to hold whole items; `None` if it does not parse there.
pub(crate) fn head_at(buf: &[u8], pos: usize) -> Option<(u8, u64, usize)> {
    match parse_head(buf, pos) {
        Ok(Ok(h)) => Some((h.major, h.arg, pos + h.len)),
        _ => None,
    }
}

fn invalid_data(e: FrameError) -> io::Error {
    io::Error::new(io::ErrorKind::InvalidData, e)
}

/// Reads exactly one DAG-CBOR item from `io`, at most `max_bytes` long, and returns its
/// bytes. It never reads past the item's end, so the stream may carry more afterwards.
/// An end of stream inside the item is `UnexpectedEof`; malformed CBOR and an item
/// longer than `max_bytes` (also when only declared so) are `InvalidData`.
pub async fn read_cbor_item<R: AsyncRead + Unpin>(
    io: &mut R,
    max_bytes: usize,
) -> io::Result<Vec<u8>> {
    let mut scanner = Scanner::new();
    let mut buf = Vec::new();
    loop {
        let need = match scanner.advance(&buf).map_err(invalid_data)? {
            Scan::Complete(len) => {
                buf.truncate(len);
                return Ok(buf);
            }
            Scan::Incomplete(need) => need,
        };
        if need > max_bytes as u64 {
            return Err(invalid_data(FrameError::TooLarge(max_bytes)));
        }
        // `need` fits in usize here, being at most `max_bytes`.
        let missing = (need as usize)
            .saturating_sub(buf.len())
            .clamp(1, READ_CHUNK);
        let start = buf.len();
        buf.resize(start + missing, 0);
        let Some(room) = buf.get_mut(start..) else {
            return Err(io::Error::other("frame buffer out of range"));
        };
        let n = io.read(room).await?;
        if n == 0 {
            return Err(io::Error::new(
                io::ErrorKind::UnexpectedEof,
                "stream ended inside a CBOR item",
            ));
        }
        buf.truncate(start + n);
    }
}

/// Writes `item` (one encoded CBOR item) to `io` and flushes it; no prefix is added.
pub async fn write_cbor_item<W: AsyncWrite + Unpin>(io: &mut W, item: &[u8]) -> io::Result<()> {
    io.write_all(item).await?;
    io.flush().await
}

#[cfg(test)]
#[path = "frame_tests.rs"]
mod tests;
