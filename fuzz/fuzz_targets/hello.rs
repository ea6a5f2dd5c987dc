//! Hello and latency messages from peers: decoding never panics, and what decodes
//! re-encodes to the same bytes.
#![no_main]
use libfuzzer_sys::fuzz_target;
use padma_net::wire::hello::{HelloMessage, LatencyMessage};

fuzz_target!(|data: &[u8]| {
    if let Ok(h) = HelloMessage::decode(data) {
        assert_eq!(h.encode(), data);
    }
    if let Ok(l) = LatencyMessage::decode(data) {
        assert_eq!(l.encode(), data);
    }
});
