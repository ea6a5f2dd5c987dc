use super::*;
use futures::executor::block_on;
use futures::io::Cursor;
use std::pin::Pin;
use std::task::{Context, Poll};

/// A reader that hands out at most one byte per read and counts what it gave.
struct Trickle {
    data: Vec<u8>,
    pos: usize,
}

impl AsyncRead for Trickle {
    fn poll_read(
        mut self: Pin<&mut Self>,
        _: &mut Context<'_>,
        out: &mut [u8],
    ) -> Poll<io::Result<usize>> {
        match (self.data.get(self.pos), out.first_mut()) {
            (Some(b), Some(slot)) => {
                *slot = *b;
                self.pos += 1;
                Poll::Ready(Ok(1))
            }
            _ => Poll::Ready(Ok(0)),
        }
    }
}

fn hex(s: &str) -> Vec<u8> {
    s.as_bytes()
        .chunks(2)
        .map(|c| u8::from_str_radix(std::str::from_utf8(c).unwrap(), 16).unwrap())
        .collect()
}

#[test]
fn item_lengths_of_well_formed_items() {
    let cases: &[(&str, usize)] = &[
        ("00", 1),
        ("1818", 2),
        ("190100", 3),
        ("3a7fffffff", 5),
        ("40", 1),
        ("4401020304", 5),
        ("6161", 2),
        ("80", 1),
        ("820102", 3),
        ("a1616100", 4),
        ("d82a450001020304", 8),
        ("f4", 1),
        ("f5", 1),
        ("f6", 1),
        ("fb3ff0000000000000", 9),
        ("8283010203f6", 6),
    ];
    for (h, len) in cases {
        let bytes = hex(h);
        assert_eq!(cbor_item_len(&bytes), Ok(Some(*len)), "{h}");
        // Bytes after the item are not part of it.
        let mut more = bytes.clone();
        more.extend_from_slice(&[0xff, 0x1f]);
        assert_eq!(
            cbor_item_len(&more),
            Ok(Some(*len)),
            "{h} with trailing bytes"
        );
        // Every proper prefix needs more.
        for cut in 0..bytes.len() {
            assert_eq!(cbor_item_len(&bytes[..cut]), Ok(None), "{h} cut at {cut}");
        }
    }
}

#[test]
fn forbidden_encodings_are_errors() {
    let cases: &[(&str, FrameError)] = &[
        ("9f01ff", FrameError::Indefinite),
        ("5f4101ff", FrameError::Indefinite),
        ("bf", FrameError::Indefinite),
        ("1c", FrameError::Reserved(28)),
        ("1805", FrameError::NotMinimal),
        ("1900ff", FrameError::NotMinimal),
        ("1a0000ffff", FrameError::NotMinimal),
        ("1b00000000ffffffff", FrameError::NotMinimal),
        ("5801ff", FrameError::NotMinimal),
        ("c100", FrameError::Tag(1)),
        ("d82b40", FrameError::Tag(43)),
        ("f7", FrameError::Simple(23)),
        ("f0", FrameError::Simple(16)),
        ("f820", FrameError::Simple(24)),
        ("f93c00", FrameError::Simple(25)),
        ("fa3f800000", FrameError::Simple(26)),
        ("8201f7", FrameError::Simple(23)),
    ];
    for (h, err) in cases {
        assert_eq!(cbor_item_len(&hex(h)), Err(err.clone()), "{h}");
    }
}

#[test]
fn nesting_is_bounded() {
    let mut ok = vec![0x81; MAX_DEPTH - 1];
    ok.push(0x00);
    assert_eq!(cbor_item_len(&ok), Ok(Some(MAX_DEPTH)));
    let mut deep = vec![0x81; MAX_DEPTH];
    deep.push(0x00);
    assert_eq!(cbor_item_len(&deep), Err(FrameError::TooDeep));
    let tags: Vec<u8> = [0xd8, 0x2a].repeat(MAX_DEPTH);
    assert_eq!(cbor_item_len(&tags), Err(FrameError::TooDeep));
}

#[test]
fn reads_one_item_and_leaves_the_rest() {
    let first = hex("83820102d82a450001020304f6");
    let second = hex("6161");
    let mut stream = first.clone();
    stream.extend_from_slice(&second);
    let mut cursor = Cursor::new(stream.clone());
    assert_eq!(block_on(read_cbor_item(&mut cursor, 64)).unwrap(), first);
    assert_eq!(block_on(read_cbor_item(&mut cursor, 64)).unwrap(), second);
    // The same a byte at a time.
    let mut slow = Trickle {
        data: stream,
        pos: 0,
    };
    assert_eq!(block_on(read_cbor_item(&mut slow, 64)).unwrap(), first);
    assert_eq!(slow.pos, first.len());
    assert_eq!(block_on(read_cbor_item(&mut slow, 64)).unwrap(), second);
}

#[test]
fn reads_a_large_item_across_chunks() {
    let payload = vec![7u8; 300_000];
    let item = fvm_ipld_encoding::to_vec(&fvm_ipld_encoding::BytesSer(&payload)).unwrap();
    let mut cursor = Cursor::new(item.clone());
    assert_eq!(
        block_on(read_cbor_item(&mut cursor, item.len())).unwrap(),
        item
    );
    let mut cursor = Cursor::new(item.clone());
    let err = block_on(read_cbor_item(&mut cursor, item.len() - 1)).unwrap_err();
    assert_eq!(err.kind(), io::ErrorKind::InvalidData);
}

#[test]
fn read_errors() {
    // The stream ends inside the item.
    for h in ["", "82", "8201", "5818", "581801", "19"] {
        let err = block_on(read_cbor_item(&mut Cursor::new(hex(h)), 64)).unwrap_err();
        assert_eq!(err.kind(), io::ErrorKind::UnexpectedEof, "{h}");
    }
    // Malformed.
    let err = block_on(read_cbor_item(&mut Cursor::new(hex("9f")), 64)).unwrap_err();
    assert_eq!(err.kind(), io::ErrorKind::InvalidData);
    // Declared larger than the limit: refused before the bytes are read.
    for h in [
        "5a00010000",
        "9b0000000100000000",
        "bb7fffffffffffffff",
        "5bffffffffffffffff",
    ] {
        let mut slow = Trickle {
            data: hex(h),
            pos: 0,
        };
        let err = block_on(read_cbor_item(&mut slow, 1024)).unwrap_err();
        assert_eq!(err.kind(), io::ErrorKind::InvalidData, "{h}");
        assert_eq!(slow.pos, hex(h).len(), "{h}: read only the head");
    }
    // An array of many small items over the limit.
    let mut many = vec![0x99, 0x04, 0x00];
    many.extend(std::iter::repeat_n(0x00, 1024));
    let err = block_on(read_cbor_item(&mut Cursor::new(many), 1000)).unwrap_err();
    assert_eq!(err.kind(), io::ErrorKind::InvalidData);
}

#[test]
fn writes_the_item_unprefixed() {
    let mut out = Cursor::new(Vec::new());
    block_on(write_cbor_item(&mut out, &[0x82, 0x01, 0x02])).unwrap();
    assert_eq!(out.into_inner(), vec![0x82, 0x01, 0x02]);
}
