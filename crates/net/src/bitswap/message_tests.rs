use super::*;
use futures::executor::block_on;
use futures::io::Cursor;
use padma_types::cid::cbor_cid;

fn entry(cid: Cid) -> WantEntry {
    WantEntry {
        cid,
        priority: 1,
        cancel: false,
        want_type: WantType::Block,
        send_dont_have: true,
    }
}

#[test]
fn a_want_has_the_protobuf_bytes_of_message_proto() {
    let cid = cbor_cid(b"\x80");
    let msg = BitswapMessage {
        wantlist: vec![entry(cid)],
        ..Default::default()
    };
    // Entry: 0a 26 <38 CID bytes> (block), 10 01 (priority 1), 28 01 (sendDontHave).
    let mut e = vec![0x0a, 0x26];
    e.extend(cid.to_bytes());
    e.extend([0x10, 0x01, 0x28, 0x01]);
    assert_eq!(e.len(), 44);
    // Wantlist: 0a 2c <entry>; message: 0a 2e <wantlist>.
    let mut expected = vec![0x0a, 0x2e, 0x0a, 0x2c];
    expected.extend(&e);
    assert_eq!(msg.encode(), expected);
    assert_eq!(BitswapMessage::decode(&expected).unwrap(), msg);
    // Framed: the length (48) as a varint first.
    assert_eq!(frame(&expected)[0], 0x30);
}

#[test]
fn every_field_round_trips() {
    let (a, b) = (cbor_cid(b"a"), cbor_cid(b"b"));
    let msg = BitswapMessage {
        wantlist: vec![
            entry(a),
            WantEntry {
                cid: b,
                priority: -5,
                cancel: true,
                want_type: WantType::Have,
                send_dont_have: false,
            },
        ],
        full: true,
        raw_blocks: vec![b"raw".to_vec(), vec![]],
        payload: vec![PayloadBlock::new(&a, b"a".to_vec())],
        presences: vec![(a, Presence::Have), (b, Presence::DontHave)],
        pending_bytes: 1234,
    };
    assert_eq!(BitswapMessage::decode(&msg.encode()).unwrap(), msg);
    assert_eq!(
        BitswapMessage::decode(&[]).unwrap(),
        BitswapMessage::default()
    );
    assert!(BitswapMessage::default().is_empty());
    // An unknown field is skipped.
    let mut with_unknown = msg.encode();
    with_unknown.extend([0x30, 0x05, 0x3a, 0x01, 0x00]);
    assert_eq!(BitswapMessage::decode(&with_unknown).unwrap(), msg);
}

#[test]
fn payload_blocks_name_their_cid() {
    let data = b"\x82\x01\x02".to_vec();
    let cid = cbor_cid(&data);
    let block = PayloadBlock::new(&cid, data.clone());
    // CIDv1, DAG-CBOR 0x71, blake2b-256 0xb220, 32 bytes.
    assert_eq!(block.prefix, [0x01, 0x71, 0xa0, 0xe4, 0x02, 0x20]);
    assert_eq!(block.cid(), Some(cid));
    // Other data is another CID, not the wanted one.
    let other = PayloadBlock {
        prefix: block.prefix.clone(),
        data: b"\x80".to_vec(),
    };
    assert_eq!(other.cid(), Some(cbor_cid(b"\x80")));
    // Hashes padma does not check, CIDv0 and garbage name nothing.
    for prefix in [
        vec![0x01, 0x71, 0x12, 0x20],
        vec![0x00, 0x70, 0x12, 0x20],
        vec![0x01, 0x71, 0xa0, 0xe4, 0x02, 0x10],
        vec![0x01, 0x71],
        vec![0xff],
    ] {
        let b = PayloadBlock {
            prefix,
            data: data.clone(),
        };
        assert_eq!(b.cid(), None);
    }
}

#[test]
fn versions_shape_what_is_sent() {
    let a = cbor_cid(b"a");
    let msg = BitswapMessage {
        wantlist: vec![
            entry(a),
            WantEntry {
                want_type: WantType::Have,
                ..entry(a)
            },
        ],
        payload: vec![PayloadBlock::new(&a, b"a".to_vec())],
        presences: vec![(a, Presence::DontHave)],
        ..Default::default()
    };
    assert_eq!(msg.clone().for_version(ProtocolVersion::V120), msg);
    let v110 = msg.clone().for_version(ProtocolVersion::V110);
    assert_eq!(v110.wantlist.len(), 1);
    assert!(!v110.wantlist[0].send_dont_have);
    assert!(v110.presences.is_empty());
    assert_eq!(v110.payload, msg.payload);
    let v100 = msg.for_version(ProtocolVersion::V100);
    assert!(v100.payload.is_empty());
    assert_eq!(v100.raw_blocks, vec![b"a".to_vec()]);
}

#[test]
fn malformed_messages_are_refused() {
    let cid = cbor_cid(b"\x80").to_bytes();
    let with_entry = |entry: &[u8]| {
        let mut wl = vec![0x0a, entry.len() as u8];
        wl.extend(entry);
        let mut m = vec![0x0a, wl.len() as u8];
        m.extend(wl);
        m
    };
    let mut no_cid = vec![0x10, 0x01];
    no_cid.truncate(2);
    let mut bad_type = vec![0x0a, 0x26];
    bad_type.extend(&cid);
    bad_type.extend([0x20, 0x02]);
    for bad in [
        with_entry(&no_cid),
        with_entry(&bad_type),
        with_entry(&[0x0a, 0x02, 0x01, 0x71]),
        with_entry(&[0x08, 0x01]),
        vec![0x0a, 0x05, 0x01],
        vec![0x22, 0x02, 0x10, 0x01],
        vec![0x28],
        vec![0x0b],
    ] {
        assert!(BitswapMessage::decode(&bad).is_err(), "{bad:02x?}");
    }
    let mut many = Vec::new();
    for _ in 0..=MAX_ITEMS {
        many.extend([0x12, 0x00]);
    }
    assert!(BitswapMessage::decode(&many).is_err());
    assert!(BitswapMessage::decode(&vec![0u8; MAX_MESSAGE_BYTES + 1]).is_err());
}

#[test]
fn framing_reads_one_message_at_a_time() {
    let one = BitswapMessage {
        wantlist: vec![entry(cbor_cid(b"a"))],
        ..Default::default()
    }
    .encode();
    let two = vec![0x28, 0x07];
    let mut out = Cursor::new(Vec::new());
    block_on(write_message(&mut out, &one)).unwrap();
    block_on(write_message(&mut out, &two)).unwrap();
    let mut input = Cursor::new(out.into_inner());
    assert_eq!(block_on(read_message(&mut input)).unwrap(), Some(one));
    assert_eq!(block_on(read_message(&mut input)).unwrap(), Some(two));
    assert_eq!(block_on(read_message(&mut input)).unwrap(), None);

    let read = |bytes: Vec<u8>| block_on(read_message(&mut Cursor::new(bytes)));
    assert_eq!(
        read(vec![0x80]).unwrap_err().kind(),
        io::ErrorKind::UnexpectedEof
    );
    assert_eq!(
        read(vec![0x05, 0x01]).unwrap_err().kind(),
        io::ErrorKind::UnexpectedEof
    );
    // Over the limit: refused from the prefix alone.
    let mut too_big = Vec::new();
    put_varint(&mut too_big, MAX_MESSAGE_BYTES as u64 + 1);
    assert_eq!(
        read(too_big).unwrap_err().kind(),
        io::ErrorKind::InvalidData
    );
    assert_eq!(
        read(vec![0xff; 11]).unwrap_err().kind(),
        io::ErrorKind::InvalidData
    );
}
