//! Gossiped block and message payloads: decoding never panics; what decodes re-encodes
//! to the same bytes, and a block message's MsgMeta can be computed.
#![no_main]
use libfuzzer_sys::fuzz_target;
use padma_net::wire::gossip::{decode_gossip_message, BlockMsg};

fuzz_target!(|data: &[u8]| {
    if let Ok(b) = BlockMsg::decode(data) {
        assert_eq!(b.encode(), data);
        let _ = b.messages_match_header();
    }
    if let Ok(m) = decode_gossip_message(data) {
        assert_eq!(m.cbor(), data);
    }
});
