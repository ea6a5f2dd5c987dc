//! Chain exchange requests and responses from peers: decoding, expanding the compacted
//! messages and checking a response against requests never panic.
#![no_main]
use libfuzzer_sys::fuzz_target;
use padma_net::wire::xchg::{expand, validate_response, Request, Response, HEADERS, MESSAGES};

fuzz_target!(|data: &[u8]| {
    if let Ok(r) = Request::decode(data) {
        assert_eq!(r.encode(), data);
        let _ = r.validate();
    }
    if let Ok(resp) = Response::decode(data) {
        for bst in &resp.chain {
            let _ = expand(bst);
        }
        let head = resp
            .chain
            .first()
            .and_then(|b| b.blocks.first())
            .map(|h| vec![h.cid()])
            .unwrap_or_default();
        for options in [HEADERS, MESSAGES, HEADERS | MESSAGES] {
            let req = Request {
                head: head.clone(),
                length: resp.chain.len().max(1) as u64,
                options,
            };
            let _ = validate_response(&req, resp.clone(), &[]);
        }
    }
});
