//! Lotus's one-CBOR-item framing: the item scanner never panics, and the stream reader
//! returns exactly the item the scanner finds, never more.
#![no_main]
use libfuzzer_sys::fuzz_target;
use padma_net::wire::frame::{cbor_item_len, read_cbor_item};

fuzz_target!(|data: &[u8]| {
    let len = cbor_item_len(data);
    if let Ok(Some(n)) = len {
        assert!(n <= data.len());
    }
    let mut cursor = futures::io::Cursor::new(data);
    if let Ok(item) = futures::executor::block_on(read_cbor_item(&mut cursor, 1 << 20)) {
        assert_eq!(len, Ok(Some(item.len())));
        assert_eq!(cursor.position() as usize, item.len());
    }
});
