use super::*;
use crate::wire::samples::{header, message, signed};
use padma_chain::messages::put_block_messages;
use padma_types::cid::cbor_cid;
use padma_types::message::message_cid;

#[test]
fn topics_and_message_ids() {
    assert_eq!(blocks_topic("testnetnet"), "/fil/blocks/testnetnet");
    assert_eq!(msgs_topic("localnet-1"), "/fil/msgs/localnet-1");
    // blake2b-256 of the empty input.
    let empty = message_id(b"");
    assert_eq!(empty[..8], [0x0e, 0x57, 0x51, 0xc0, 0x26, 0xe5, 0x43, 0xb2]);
    assert_eq!(message_id(b"abc"), blake2b_256(b"abc"));
}

#[test]
fn block_message_bytes_and_msg_meta() {
    let empty_meta: Cid = "bafy2bzacecmda75ovposbdateg7eyhwij65zklgyijgcjwynlklmqazpwlhba"
        .parse()
        .unwrap();
    let h = header(1000, 10, vec![cbor_cid(b"\x80")], empty_meta);
    let msg = BlockMsg {
        header: h.clone(),
        bls_messages: vec![],
        secpk_messages: vec![],
    };
    // 83, the header's 16-tuple, then two empty lists.
    let mut expected = vec![0x83];
    expected.extend(h.cbor());
    expected.extend([0x80, 0x80]);
    assert_eq!(msg.encode(), expected);
    assert_eq!(BlockMsg::decode(&expected).unwrap(), msg);
    assert_eq!(msg.cid(), h.cid());
    assert_eq!(msg.msg_meta_cid(), empty_meta);
    assert!(msg.messages_match_header());

    // With messages: the CID lists make the MsgMeta the chain stores for the messages.
    let bls = vec![message(1, 0), message(2, 0)];
    let secp = vec![signed(3, 0)];
    let meta = put_block_messages(&MemoryBlockstore::new(), &bls, &secp).unwrap();
    let msg = BlockMsg {
        header: header(1000, 10, vec![], meta),
        bls_messages: bls.iter().map(message_cid).collect(),
        secpk_messages: secp.iter().map(|m| m.cid()).collect(),
    };
    assert!(msg.messages_match_header());
    let mut swapped = msg.clone();
    swapped.bls_messages.reverse();
    assert!(!swapped.messages_match_header());
    assert_eq!(BlockMsg::decode(&msg.encode()).unwrap(), msg);
}

#[test]
fn bad_block_messages_are_refused() {
    let h = header(1000, 10, vec![], cbor_cid(b"\x80"));
    let good = BlockMsg {
        header: h.clone(),
        bls_messages: vec![cbor_cid(b"a")],
        secpk_messages: vec![],
    }
    .encode();
    let mut trailing = good.clone();
    trailing.push(0x80);
    let mut two = good.clone();
    two[0] = 0x82;
    two.truncate(good.len() - 1);
    for bad in [
        &trailing[..],
        &good[..good.len() - 1],
        &two[..],
        &[0x80][..],
    ] {
        assert!(matches!(
            BlockMsg::decode(bad),
            Err(DecodeError::Invalid { .. })
        ));
    }
    let many = BlockMsg {
        header: h.clone(),
        bls_messages: vec![cbor_cid(b"a"); 5000],
        secpk_messages: vec![cbor_cid(b"b"); 5001],
    };
    let err = BlockMsg::decode(&many.encode()).unwrap_err();
    assert!(err.to_string().contains("10001 messages"), "{err}");
    let huge = BlockMsg {
        header: h,
        bls_messages: vec![cbor_cid(b"a"); 30_000],
        secpk_messages: vec![],
    };
    assert!(matches!(
        BlockMsg::decode(&huge.encode()),
        Err(DecodeError::TooLarge { .. })
    ));
}

#[test]
fn gossiped_messages() {
    let m = signed(3, 7);
    let bytes = m.cbor();
    assert_eq!(decode_gossip_message(&bytes).unwrap(), m);
    let mut trailing = bytes.clone();
    trailing.push(0);
    assert!(decode_gossip_message(&trailing).is_err());
    assert!(decode_gossip_message(&bytes[..bytes.len() - 1]).is_err());
    assert!(decode_gossip_message(&message(3, 7).params).is_err());
    let mut big = signed(3, 7);
    big.message.params = vec![0u8; MAX_GOSSIP_MESSAGE_BYTES].into();
    assert!(matches!(
        decode_gossip_message(&big.cbor()),
        Err(DecodeError::TooLarge { .. })
    ));
}
