//! Message and signed-message CBOR from peers: decoding never panics, and what decodes
//! re-encodes to the same bytes.
#![no_main]
use libfuzzer_sys::fuzz_target;
use padma_types::message::{decode_message, decode_signed_message, message_cbor};

fuzz_target!(|data: &[u8]| {
    if let Ok(m) = decode_message(data) {
        assert_eq!(message_cbor(&m), data);
    }
    if let Ok(sm) = decode_signed_message(data) {
        let _ = sm.cid();
    }
});
