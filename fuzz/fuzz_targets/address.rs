//! Addresses as text and as bytes.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(s) = std::str::from_utf8(data) {
        if let Ok(a) = padma_types::address::parse_address(s) {
            let again = padma_types::address::parse_address(&a.to_string()).expect("printed address parses");
            assert_eq!(a, again);
        }
    }
    let _ = padma_types::Address::from_bytes(data);
});
