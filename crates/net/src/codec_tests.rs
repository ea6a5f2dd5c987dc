use super::*;
use crate::wire::samples::header;
use crate::wire::xchg::{BsTipSet, Response, Status};
use futures::executor::block_on;
use futures::io::Cursor;
use num_bigint::BigInt;
use padma_types::cid::cbor_cid;

fn written<C: Codec<Protocol = StreamProtocol>>(
    codec: &mut C,
    proto: &StreamProtocol,
    req: Option<C::Request>,
    res: Option<C::Response>,
) -> Vec<u8> {
    let mut out = Cursor::new(Vec::new());
    if let Some(req) = req {
        block_on(codec.write_request(proto, &mut out, req)).unwrap();
    }
    if let Some(res) = res {
        block_on(codec.write_response(proto, &mut out, res)).unwrap();
    }
    out.into_inner()
}

#[test]
fn hello_round_trips_as_one_bare_item() {
    let hello = HelloMessage {
        heaviest_tipset: vec![cbor_cid(b"\x80")],
        heaviest_tipset_height: 3,
        heaviest_tipset_weight: BigInt::from(12),
        genesis: cbor_cid(b"g"),
    };
    let mut codec = HelloCodec;
    let bytes = written(&mut codec, &HELLO, Some(hello.clone()), None);
    assert_eq!(bytes, hello.encode());
    // Another item after it stays unread.
    let mut stream = Cursor::new([bytes.clone(), vec![0x82, 0x01, 0x02]].concat());
    assert_eq!(
        block_on(codec.read_request(&HELLO, &mut stream)).unwrap(),
        hello
    );
    assert_eq!(stream.position() as usize, bytes.len());

    let latency = LatencyMessage {
        arrival: 5,
        sent: 6,
    };
    let bytes = written(&mut codec, &HELLO, None, Some(latency));
    assert_eq!(bytes, [0x82, 0x05, 0x06]);
    let read = block_on(codec.read_response(&HELLO, &mut Cursor::new(bytes))).unwrap();
    assert_eq!(read, latency);
}

#[test]
fn hello_read_errors() {
    let mut codec = HelloCodec;
    let read = |bytes: Vec<u8>| block_on(HelloCodec.read_request(&HELLO, &mut Cursor::new(bytes)));
    assert_eq!(
        read(vec![]).unwrap_err().kind(),
        io::ErrorKind::UnexpectedEof
    );
    assert_eq!(
        read(vec![0x84, 0x80]).unwrap_err().kind(),
        io::ErrorKind::UnexpectedEof
    );
    assert_eq!(
        read(vec![0x82, 0x01, 0x02]).unwrap_err().kind(),
        io::ErrorKind::InvalidData
    );
    // Declares a CID list too long for a hello: refused from its head.
    let err = read(vec![0x84, 0x99, 0x10, 0x00]).unwrap_err();
    assert_eq!(err.kind(), io::ErrorKind::InvalidData);
    let err = block_on(codec.read_response(&HELLO, &mut Cursor::new(vec![0x82, 0x5a, 0, 1, 0, 0])))
        .unwrap_err();
    assert_eq!(err.kind(), io::ErrorKind::InvalidData);
}

#[test]
fn chain_exchange_round_trips_within_limits() {
    let req = xchg::Request {
        head: vec![cbor_cid(b"\x80")],
        length: 2,
        options: 1,
    };
    let h = header(1000, 4, vec![], cbor_cid(b"\x80"));
    let resp = Response {
        status: Status::Ok,
        error_message: String::new(),
        chain: vec![BsTipSet {
            blocks: vec![h],
            messages: None,
        }],
    };
    let mut codec = ChainExchangeCodec::default();
    let bytes = written(&mut codec, &CHAIN_EXCHANGE, Some(req.clone()), None);
    assert_eq!(bytes, req.encode());
    let read = block_on(codec.read_request(&CHAIN_EXCHANGE, &mut Cursor::new(bytes))).unwrap();
    assert_eq!(read, req);

    let bytes = written(&mut codec, &CHAIN_EXCHANGE, None, Some(resp.clone()));
    assert_eq!(bytes, resp.encode());
    let read =
        block_on(codec.read_response(&CHAIN_EXCHANGE, &mut Cursor::new(bytes.clone()))).unwrap();
    assert_eq!(read, resp);

    let mut small = ChainExchangeCodec::with_max_response_bytes(bytes.len() - 1);
    let err = block_on(small.read_response(&CHAIN_EXCHANGE, &mut Cursor::new(bytes))).unwrap_err();
    assert_eq!(err.kind(), io::ErrorKind::InvalidData);
    // A request declaring more than the request limit.
    let err = block_on(codec.read_request(
        &CHAIN_EXCHANGE,
        &mut Cursor::new(vec![0x83, 0x9a, 0x00, 0x01, 0x00, 0x00]),
    ))
    .unwrap_err();
    assert_eq!(err.kind(), io::ErrorKind::InvalidData);
}

/// A reader that fails with `kind`, as a stream whose connection broke.
struct Broken(io::ErrorKind);

impl AsyncRead for Broken {
    fn poll_read(
        self: std::pin::Pin<&mut Self>,
        _: &mut std::task::Context<'_>,
        _: &mut [u8],
    ) -> std::task::Poll<io::Result<usize>> {
        std::task::Poll::Ready(Err(io::Error::new(self.0, "broken")))
    }
}

#[test]
fn reporting_hands_over_malformed_requests_and_fails_on_broken_streams() {
    let hello = HelloMessage {
        heaviest_tipset: vec![cbor_cid(b"\x80")],
        heaviest_tipset_height: 3,
        heaviest_tipset_weight: BigInt::from(12),
        genesis: cbor_cid(b"g"),
    };
    let mut codec = Reporting(HelloCodec);
    let bytes = written(&mut codec, &HELLO, Some(Ok(hello.clone())), None);
    assert_eq!(bytes, hello.encode());
    let read = |bytes: &[u8]| {
        block_on(Reporting(HelloCodec).read_request(&HELLO, &mut Cursor::new(bytes.to_vec())))
    };
    assert_eq!(read(&bytes).unwrap(), Ok(hello));
    // Garbage, a truncated item and an oversized one are requests to report.
    for bad in [
        &[0xff, 0x00][..],
        &bytes[..bytes.len() / 2],
        &[0x5b, 0xff, 0, 0, 0, 0, 0, 0, 0],
    ] {
        assert!(read(bad).unwrap().is_err(), "{bad:?}");
    }
    // A broken stream is not the peer's bad request.
    let broken = block_on(codec.read_request(&HELLO, &mut Broken(io::ErrorKind::ConnectionReset)));
    assert_eq!(broken.unwrap_err().kind(), io::ErrorKind::ConnectionReset);
    // Nothing malformed is ever sent.
    let mut out = Cursor::new(Vec::new());
    assert!(block_on(codec.write_request(&HELLO, &mut out, Err("no".into()))).is_err());
    assert!(out.into_inner().is_empty());
}
