use super::compact::expand_parts_within;
use super::*;
use crate::wire::samples::{header, message, signed};
use padma_chain::messages::put_block_messages;
use padma_chain::store::ChainStore;
use padma_chain::validate::FullBlock;
use padma_store::Store;
use padma_types::block::TipSet;
use padma_types::cid::cbor_cid;
use std::sync::Arc;

fn cid_cbor(c: &Cid) -> Vec<u8> {
    let mut out = vec![0xd8, 0x2a, 0x58, 0x27, 0x00];
    out.extend_from_slice(&c.to_bytes());
    out
}

#[test]
fn request_bytes_and_validation() {
    let head = cbor_cid(b"\x80");
    let req = Request {
        head: vec![head],
        length: 900,
        options: HEADERS | MESSAGES,
    };
    // 83: three fields; 81 <cid>; 19 0384: 900; 03: both options.
    let mut expected = vec![0x83, 0x81];
    expected.extend(cid_cbor(&head));
    expected.extend([0x19, 0x03, 0x84, 0x03]);
    assert_eq!(req.encode(), expected);
    assert_eq!(Request::decode(&expected).unwrap(), req);
    assert_eq!(req.validate(), Ok(()));
    assert!(req.wants_headers() && req.wants_messages());

    let with = |f: fn(&mut Request)| {
        let mut r = req.clone();
        f(&mut r);
        r.validate()
    };
    assert_eq!(with(|r| r.head.clear()), Err(RequestError::NoHead));
    assert_eq!(with(|r| r.length = 0), Err(RequestError::ZeroLength));
    assert_eq!(with(|r| r.length = 901), Err(RequestError::TooLong(901)));
    assert_eq!(with(|r| r.options = 0), Err(RequestError::NoOptions));
    assert_eq!(with(|r| r.options = 4), Err(RequestError::NoOptions));
    assert_eq!(with(|r| r.options = 1 | 8), Ok(()));
    assert_eq!(with(|r| r.options = MESSAGES), Ok(()));

    let mut trailing = expected.clone();
    trailing.push(0);
    assert!(Request::decode(&trailing).is_err());
    assert!(Request::decode(&expected[..expected.len() - 1]).is_err());
    assert!(Request::decode(&[0x82, 0x80, 0x01]).is_err());
    assert!(Request::decode(&[0x83, 0x80, 0x20, 0x01]).is_err());
    let mut big = vec![0x83, 0x99, 0x00, 0x64];
    big.extend(cid_cbor(&head).repeat(100));
    big.extend([0x01, 0x01]);
    assert!(matches!(
        Request::decode(&big),
        Err(DecodeError::TooLarge { .. })
    ));
}

#[test]
fn status_codes_and_response_bytes() {
    for s in [
        Status::Ok,
        Status::Partial,
        Status::NotFound,
        Status::GoAway,
        Status::InternalError,
        Status::BadRequest,
    ] {
        assert_eq!(Status::from_code(s.code()), Some(s));
    }
    assert_eq!(Status::from_code(1), None);
    let resp = Response::error(Status::NotFound, "x");
    // 83; 18 c9: 201; 61 78: "x"; 80: no tipsets.
    let bytes = [0x83, 0x18, 0xc9, 0x61, 0x78, 0x80];
    assert_eq!(resp.encode(), bytes);
    assert_eq!(Response::decode(&bytes).unwrap(), resp);
    assert!(Response::decode(&[0x83, 0x07, 0x60, 0x80]).is_err());
    assert!(Response::decode(&[0x83, 0x00, 0x60, 0x80, 0x00]).is_err());
    assert!(Response::decode(&[0x83, 0x00, 0x60, 0x9f, 0xff]).is_err());

    // A tipset without messages: [[header], null].
    let h = header(1000, 1, vec![], cbor_cid(b"\x80"));
    let bst = BsTipSet {
        blocks: vec![h.clone()],
        messages: None,
    };
    let mut expected = vec![0x82, 0x81];
    expected.extend(h.cbor());
    expected.push(0xf6);
    assert_eq!(fvm_ipld_encoding::to_vec(&bst).unwrap(), expected);
    // Empty compacted messages: [[], [], [], []].
    let empty = fvm_ipld_encoding::to_vec(&CompactedMessages::default()).unwrap();
    assert_eq!(empty, [0x84, 0x80, 0x80, 0x80, 0x80]);
}

fn full(
    header: padma_types::block::BlockHeader,
    bls: Vec<Message>,
    secp: Vec<SignedMessage>,
) -> FullBlock {
    FullBlock {
        header,
        bls_messages: bls,
        secp_messages: secp,
    }
}

#[test]
fn compact_dedups_and_expand_restores() {
    let (a, b, c) = (message(1, 0), message(1, 1), message(2, 0));
    let (x, y) = (signed(3, 0), signed(4, 0));
    let meta = cbor_cid(b"\x80");
    let blocks = vec![
        full(
            header(1000, 5, vec![], meta),
            vec![a.clone(), b.clone()],
            vec![x.clone()],
        ),
        full(
            header(1001, 5, vec![], meta),
            vec![c.clone(), a.clone()],
            vec![y.clone(), x.clone()],
        ),
        full(header(1002, 5, vec![], meta), vec![], vec![]),
    ];
    let compacted = compact(&blocks);
    assert_eq!(compacted.bls, vec![a, b, c]);
    assert_eq!(compacted.bls_includes, vec![vec![0, 1], vec![2, 0], vec![]]);
    assert_eq!(compacted.secpk, vec![x, y]);
    assert_eq!(compacted.secpk_includes, vec![vec![0], vec![1, 0], vec![]]);
    let bst = BsTipSet {
        blocks: blocks.iter().map(|b| b.header.clone()).collect(),
        messages: Some(compacted),
    };
    let expanded = expand(&bst).unwrap();
    assert_eq!(expanded.len(), 3);
    for (got, want) in expanded.iter().zip(&blocks) {
        assert_eq!(got.header, want.header);
        assert_eq!(got.bls_messages, want.bls_messages);
        assert_eq!(got.secp_messages, want.secp_messages);
    }
    // Through the wire and back.
    let bytes = fvm_ipld_encoding::to_vec(&bst).unwrap();
    let again: BsTipSet = fvm_ipld_encoding::from_slice(&bytes).unwrap();
    assert_eq!(again, bst);
}

#[test]
fn expand_refuses_what_does_not_fit() {
    let meta = cbor_cid(b"\x80");
    let headers = vec![header(1000, 5, vec![], meta), header(1001, 5, vec![], meta)];
    let msgs = CompactedMessages {
        bls: vec![message(1, 0)],
        bls_includes: vec![vec![0], vec![0]],
        secpk: vec![signed(2, 0)],
        secpk_includes: vec![vec![], vec![0]],
    };
    let bst = |m: Option<CompactedMessages>| BsTipSet {
        blocks: headers.clone(),
        messages: m,
    };
    assert!(expand(&bst(Some(msgs.clone()))).is_ok());
    assert_eq!(expand(&bst(None)).unwrap_err(), ExpandError::NoMessages);
    let mut m = msgs.clone();
    m.bls_includes.pop();
    assert!(matches!(
        expand(&bst(Some(m))).unwrap_err(),
        ExpandError::IncludeCount {
            kind: "bls",
            lists: 1,
            blocks: 2
        }
    ));
    let mut m = msgs.clone();
    m.secpk_includes.push(vec![]);
    assert!(matches!(
        expand(&bst(Some(m))).unwrap_err(),
        ExpandError::IncludeCount {
            kind: "secpk",
            lists: 3,
            blocks: 2
        }
    ));
    for bad in [1, u64::MAX] {
        let mut m = msgs.clone();
        m.bls_includes[1] = vec![0, bad];
        assert_eq!(
            expand(&bst(Some(m))).unwrap_err(),
            ExpandError::IndexOutOfRange {
                kind: "bls",
                index: bad,
                len: 1
            }
        );
    }
    let mut m = msgs.clone();
    m.secpk_includes[0] = vec![1];
    assert_eq!(
        expand(&bst(Some(m))).unwrap_err(),
        ExpandError::IndexOutOfRange {
            kind: "secpk",
            index: 1,
            len: 1
        }
    );
    let mut m = msgs.clone();
    m.bls_includes[0] = vec![0; 6000];
    m.secpk_includes[0] = vec![0; 4001];
    assert_eq!(
        expand(&bst(Some(m))).unwrap_err(),
        ExpandError::TooManyMessages {
            block: 0,
            count: 10_001
        }
    );
    // One message included many times exhausts the expansion budget.
    let mut m = msgs.clone();
    m.bls[0].params = vec![0u8; 1000].into();
    m.bls_includes = vec![vec![0; 10], vec![0; 10]];
    m.secpk_includes = vec![vec![], vec![]];
    assert!(expand_parts_within(&headers, Some(&m), 20 * 1256).is_ok());
    assert_eq!(
        expand_parts_within(&headers, Some(&m), 20 * 1256 - 1).unwrap_err(),
        ExpandError::TooLarge
    );
}

/// A chain store holding genesis, then tipsets at heights 1 (one block), 2 (two blocks
/// sharing a message) and 3 (one block).
struct Chain {
    _dir: tempfile::TempDir,
    store: ChainStore,
    tipsets: Vec<TipSet>,
}

fn chain() -> Chain {
    let dir = tempfile::tempdir().unwrap();
    let bs = Arc::new(Store::open(dir.path()).unwrap());
    let store = ChainStore::open(bs.clone()).unwrap();
    let block = |miner: u64, parent: &TipSet, bls: &[Message], secp: &[SignedMessage]| {
        let meta = put_block_messages(bs.as_ref(), bls, secp).unwrap();
        let h = header(
            miner,
            parent.height() + 1,
            parent.key().cids().to_vec(),
            meta,
        );
        store.put_header(&h).unwrap();
        h
    };
    let empty = put_block_messages(bs.as_ref(), &[], &[]).unwrap();
    let genesis = header(0, 0, vec![cbor_cid(b"genesis")], empty);
    store.put_header(&genesis).unwrap();
    let g = TipSet::new(vec![genesis]).unwrap();
    let t1 = TipSet::new(vec![block(1000, &g, &[message(1, 0)], &[])]).unwrap();
    let shared = signed(5, 0);
    let t2 = TipSet::new(vec![
        block(1000, &t1, &[message(1, 1)], std::slice::from_ref(&shared)),
        block(
            1001,
            &t1,
            &[message(2, 0), message(1, 1)],
            &[signed(6, 0), shared],
        ),
    ])
    .unwrap();
    let t3 = TipSet::new(vec![block(1002, &t2, &[], &[signed(5, 1)])]).unwrap();
    Chain {
        _dir: dir,
        store,
        tipsets: vec![g, t1, t2, t3],
    }
}

fn request(head: &TipSet, length: u64, options: u64) -> Request {
    Request {
        head: head.key().cids().to_vec(),
        length,
        options,
    }
}

#[test]
fn serves_headers_and_messages_walking_back() {
    let c = chain();
    let [g, t1, t2, t3] = &c.tipsets[..] else {
        unreachable!()
    };

    let req = request(t3, 3, HEADERS);
    let resp = serve(&c.store, &req);
    assert_eq!(resp.status, Status::Ok);
    let heads: Vec<_> = resp.chain.iter().map(|b| b.blocks.clone()).collect();
    assert_eq!(
        heads,
        vec![
            t3.blocks().to_vec(),
            t2.blocks().to_vec(),
            t1.blocks().to_vec()
        ]
    );
    assert!(resp.chain.iter().all(|b| b.messages.is_none()));
    let Segment::Headers(tipsets) = validate_response(&req, resp, &[]).unwrap() else {
        panic!("headers asked for")
    };
    assert_eq!(tipsets, vec![t3.clone(), t2.clone(), t1.clone()]);

    // Reaching genesis first is Partial, genesis included.
    let req = request(t2, 10, HEADERS | MESSAGES);
    let resp = serve(&c.store, &req);
    assert_eq!(resp.status, Status::Partial);
    assert_eq!(resp.chain.len(), 3);
    let shared_count = resp.chain[0].messages.as_ref().unwrap();
    assert_eq!(shared_count.bls.len(), 2, "the shared BLS message once");
    assert_eq!(shared_count.secpk.len(), 2, "the shared secp message once");
    let Segment::Full(full) = validate_response(&req, resp, &[]).unwrap() else {
        panic!("messages asked for")
    };
    assert_eq!(full.len(), 3);
    assert_eq!(full[0].tipset, *t2);
    assert_eq!(full[2].tipset, *g);
    let second = full[0]
        .blocks
        .iter()
        .find(|b| b.header.miner == fvm_shared::address::Address::new_id(1001))
        .unwrap();
    assert_eq!(second.bls_messages, vec![message(2, 0), message(1, 1)]);
    assert_eq!(second.secp_messages, vec![signed(6, 0), signed(5, 0)]);

    // Messages only: the blocks are empty and the caller's tipsets fill them in.
    let req = request(t3, 2, MESSAGES);
    let resp = serve(&c.store, &req);
    assert_eq!(resp.status, Status::Ok);
    assert!(resp.chain.iter().all(|b| b.blocks.is_empty()));
    let known = [t3.clone(), t2.clone()];
    let Segment::Full(full) = validate_response(&req, resp.clone(), &known).unwrap() else {
        panic!("messages asked for")
    };
    assert_eq!(full[0].blocks[0].secp_messages, vec![signed(5, 1)]);
    assert_eq!(
        validate_response(&req, resp, &known[..1]).unwrap_err(),
        ResponseError::UnknownHeaders { known: 1, got: 2 }
    );
}

#[test]
fn serve_errors() {
    let c = chain();
    let t3 = &c.tipsets[3];
    let resp = serve(&c.store, &request(t3, 0, HEADERS));
    assert_eq!(resp.status, Status::BadRequest);
    assert_eq!(resp.error_message, "invalid request length of zero");
    assert_eq!(
        serve(&c.store, &request(t3, 1, 0)).status,
        Status::BadRequest
    );
    assert_eq!(
        serve(&c.store, &request(t3, 901, 1)).status,
        Status::BadRequest
    );
    let unknown = Request {
        head: vec![cbor_cid(b"nothing")],
        length: 1,
        options: HEADERS,
    };
    let resp = serve(&c.store, &unknown);
    assert_eq!(resp.status, Status::NotFound);
    assert!(resp.chain.is_empty());
    // Known blocks that are not one tipset.
    let mixed = Request {
        head: vec![t3.key().cids()[0], c.tipsets[1].key().cids()[0]],
        length: 1,
        options: HEADERS,
    };
    assert_eq!(serve(&c.store, &mixed).status, Status::NotFound);
}

#[test]
fn bad_responses_are_refused() {
    let c = chain();
    let [_, t1, _, t3] = &c.tipsets[..] else {
        unreachable!()
    };
    let req = request(t3, 3, HEADERS | MESSAGES);
    let good = serve(&c.store, &req);
    assert!(validate_response(&req, good.clone(), &[]).is_ok());
    let check = |f: &dyn Fn(&mut Response)| {
        let mut r = good.clone();
        f(&mut r);
        validate_response(&req, r, &[]).unwrap_err()
    };
    assert_eq!(
        check(&|r| *r = Response::error(Status::GoAway, "busy")),
        ResponseError::Status {
            status: Status::GoAway,
            message: "busy".into()
        }
    );
    assert_eq!(check(&|r| r.chain.clear()), ResponseError::Empty);
    assert_eq!(
        check(&|r| r.chain.truncate(2)),
        ResponseError::Short { got: 2, asked: 3 }
    );
    assert_eq!(
        check(&|r| {
            let extra = r.chain[2].clone();
            r.chain.push(extra)
        }),
        ResponseError::TooLong { got: 4, asked: 3 }
    );
    assert_eq!(
        check(&|r| {
            r.chain.remove(0);
            r.status = Status::Partial;
        }),
        ResponseError::WrongHead
    );
    assert_eq!(
        check(&|r| r.chain.swap(1, 2)),
        ResponseError::NotLinked { index: 1 }
    );
    assert!(matches!(
        check(&|r| r.chain[1].blocks.reverse()),
        ResponseError::BadTipSet { index: 1, .. }
    ));
    assert!(matches!(
        check(&|r| r.chain[1].blocks.push(t1.blocks()[0].clone())),
        ResponseError::BadTipSet { index: 1, .. }
    ));
    assert!(matches!(
        check(&|r| r.chain[2].messages = None),
        ResponseError::Messages {
            index: 2,
            error: ExpandError::NoMessages
        }
    ));
    assert!(matches!(
        check(&|r| r.chain[1].messages.as_mut().unwrap().bls_includes[0].push(7)),
        ResponseError::Messages { index: 1, .. }
    ));
    // A message swapped for another: indexes fit, but the header committed to others.
    assert_eq!(
        check(&|r| r.chain[1].messages.as_mut().unwrap().bls[0] = message(9, 9)),
        ResponseError::MessagesMismatch { index: 1, block: 0 }
    );
    let two = good.chain[1]
        .messages
        .as_ref()
        .unwrap()
        .bls_includes
        .iter()
        .position(|i| i.len() == 2)
        .unwrap();
    assert_eq!(
        check(&|r| r.chain[1].messages.as_mut().unwrap().bls_includes[two].reverse()),
        ResponseError::MessagesMismatch {
            index: 1,
            block: two
        }
    );
    // An invalid request is reported as such.
    let mut bad = req.clone();
    bad.length = 0;
    assert_eq!(
        validate_response(&bad, good, &[]).unwrap_err(),
        ResponseError::Request(RequestError::ZeroLength)
    );
}

#[test]
fn a_parent_above_its_child_is_refused() {
    let meta = cbor_cid(b"\x80");
    let parent = header(1000, 5, vec![cbor_cid(b"genesis")], meta);
    let child = header(1000, 3, vec![parent.cid()], meta);
    let req = Request {
        head: vec![child.cid()],
        length: 2,
        options: HEADERS,
    };
    let answer = |parent_height: i64| {
        let mut p = parent.clone();
        p.height = parent_height;
        let mut c = child.clone();
        c.parents = vec![p.cid()];
        let req = Request {
            head: vec![c.cid()],
            ..req.clone()
        };
        let resp = Response {
            status: Status::Ok,
            error_message: String::new(),
            chain: [c, p]
                .into_iter()
                .map(|h| BsTipSet {
                    blocks: vec![h],
                    messages: None,
                })
                .collect(),
        };
        validate_response(&req, resp, &[])
    };
    assert_eq!(
        answer(5).unwrap_err(),
        ResponseError::ParentNotBelow { index: 1 }
    );
    assert_eq!(
        answer(3).unwrap_err(),
        ResponseError::ParentNotBelow { index: 1 }
    );
    assert_eq!(answer(2).unwrap().len(), 2);
}
