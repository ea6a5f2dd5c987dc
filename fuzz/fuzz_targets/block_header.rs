//! Block headers from peers and clients (`SyncSubmitBlock`, gossip): CBOR decoding and
//! Lotus JSON never panic; a decoded header re-encodes to the same bytes and its JSON
//! form converts back to it.
#![no_main]
use libfuzzer_sys::fuzz_target;
use padma_types::block::{BlockHeader, MsgMeta};
use padma_types::json::block::BlockHeaderJson;

fuzz_target!(|data: &[u8]| {
    if let Ok(h) = BlockHeader::decode(data) {
        assert_eq!(h.cbor(), data);
        let json = BlockHeaderJson::from(&h);
        assert_eq!(BlockHeader::try_from(json).ok().as_ref(), Some(&h));
    }
    let _ = padma_types::block::decode_canonical::<MsgMeta>(data, "message meta");
    if let Ok(j) = serde_json::from_slice::<BlockHeaderJson>(data) {
        let _ = BlockHeader::try_from(j);
    }
});
