//! JSON-RPC request bodies as the server reads them from HTTP and WebSocket.
#![no_main]
use libfuzzer_sys::fuzz_target;
use padma_rpc::request::{parse_body, parse_request, Body};

fuzz_target!(|data: &[u8]| {
    match parse_body(data, 100) {
        Ok(Body::Single(v)) => {
            let _ = parse_request(v);
        }
        Ok(Body::Batch(vs)) => {
            for v in vs {
                let _ = parse_request(v);
            }
        }
        Err(_) => {}
    }
    if let Ok(s) = std::str::from_utf8(data) {
        let _ = padma_rpc::client::ApiInfo::parse(s);
    }
});
