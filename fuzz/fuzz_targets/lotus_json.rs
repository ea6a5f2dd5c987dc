//! Lotus JSON from API clients: messages, signed messages, keys.
#![no_main]
use libfuzzer_sys::fuzz_target;
use padma_types::json::{key_from_lotus_text, MessageJson, SignedMessageJson};

fuzz_target!(|data: &[u8]| {
    if let Ok(m) = serde_json::from_slice::<MessageJson>(data) {
        let msg: padma_types::Message = m.into();
        let _ = padma_types::message::message_cid(&msg);
    }
    if let Ok(sm) = serde_json::from_slice::<SignedMessageJson>(data) {
        let _ = padma_types::SignedMessage::try_from(sm);
    }
    if let Ok(s) = std::str::from_utf8(data) {
        let _ = key_from_lotus_text(s);
    }
});
