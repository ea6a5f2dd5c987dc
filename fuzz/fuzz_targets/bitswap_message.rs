//! Bitswap messages from peers: framing and protobuf decoding never panic, a block's
//! CID can always be asked for, and what decodes re-encodes to an equal message.
#![no_main]
use libfuzzer_sys::fuzz_target;
use padma_net::bitswap::message::{read_message, BitswapMessage};

fuzz_target!(|data: &[u8]| {
    if let Ok(m) = BitswapMessage::decode(data) {
        for b in &m.payload {
            let _ = b.cid();
        }
        assert_eq!(BitswapMessage::decode(&m.encode()).ok(), Some(m));
    }
    let mut cursor = futures::io::Cursor::new(data);
    let _ = futures::executor::block_on(read_message(&mut cursor));
});
