//! Parsing of request bodies and request objects: the part of the server that reads
//! bytes from the network, kept pure so it can be fuzzed.
//!
//! Nothing here builds a tree of JSON values: a batch is split into the raw text of
//! its members (with a cap on how many), a request keeps its id and each parameter as
//! raw text, so memory stays close to the size of the body and ids are echoed exactly.

use crate::error::{self, RpcError};
use serde::de::{DeserializeSeed, SeqAccess, Visitor};
use serde::Deserialize;
use serde_json::value::RawValue;
use std::fmt;

/// A request body: one request or a batch, borrowing the body's text.
#[derive(Debug)]
pub enum Body<'a> {
    /// A single request value.
    Single(&'a RawValue),
    /// A non-empty batch of request values.
    Batch(Vec<&'a RawValue>),
}

/// A request id exactly as the client wrote it (a number of any size or a string);
/// `None` for a notification (no id, or `null`).
#[derive(Clone, Debug, Default)]
pub struct Id(Option<Box<RawValue>>);

impl Id {
    /// The id of a notification or of an unreadable request (`null` on the wire).
    pub const NULL: Id = Id(None);

    /// True for a notification.
    pub fn is_null(&self) -> bool {
        self.0.is_none()
    }

    /// The JSON text to echo: the id as sent, or `null`.
    pub fn as_json(&self) -> &str {
        self.0.as_deref().map_or("null", RawValue::get)
    }

    /// An id from its JSON text, if it is a number or a string.
    pub fn parse(text: &str) -> Option<Id> {
        let raw: Box<RawValue> = serde_json::from_str(text).ok()?;
        match raw.get().as_bytes().first() {
            Some(b'"' | b'-' | b'0'..=b'9') => Some(Id(Some(raw))),
            Some(b'n') => Some(Id::NULL),
            _ => None,
        }
    }
}

impl PartialEq for Id {
    fn eq(&self, other: &Id) -> bool {
        self.as_json() == other.as_json()
    }
}

/// A well-formed request object.
#[derive(Debug)]
pub struct Request {
    /// The id (`null` for notifications).
    pub id: Id,
    /// The wire method name, e.g. `Filecoin.Version`.
    pub method: String,
    /// Positional parameters as raw JSON (`null` or missing read as none).
    pub params: Vec<Box<RawValue>>,
}

fn invalid() -> RpcError {
    RpcError::new(error::INVALID_REQUEST, "Invalid request")
}

/// Parses a body: empty is an invalid request, bad JSON a parse error, `[]` invalid,
/// a batch of more than `max_batch` requests an invalid request naming the limit.
pub fn parse_body(bytes: &[u8], max_batch: usize) -> Result<Body<'_>, RpcError> {
    let text = std::str::from_utf8(bytes.trim_ascii())
        .map_err(|_| RpcError::new(error::PARSE_ERROR, "Parse error"))?;
    if text.is_empty() {
        return Err(invalid());
    }
    let parse_error = |_| RpcError::new(error::PARSE_ERROR, "Parse error");
    if !text.starts_with('[') {
        return serde_json::from_str(text)
            .map(Body::Single)
            .map_err(parse_error);
    }
    let mut de = serde_json::Deserializer::from_str(text);
    let members = BatchSeed { max: max_batch }
        .deserialize(&mut de)
        .and_then(|m| de.end().map(|_| m))
        .map_err(parse_error)?;
    match members {
        None => Err(RpcError::new(
            error::INVALID_REQUEST,
            format!("batch bigger than maximum {max_batch} requests allowed"),
        )),
        Some(m) if m.is_empty() => Err(invalid()),
        Some(m) => Ok(Body::Batch(m)),
    }
}

/// Reads a batch's members as raw text; `None` once there are more than `max`
/// (the rest is only scanned, never stored).
struct BatchSeed {
    max: usize,
}

impl<'de> DeserializeSeed<'de> for BatchSeed {
    type Value = Option<Vec<&'de RawValue>>;
    fn deserialize<D: serde::Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        d.deserialize_seq(self)
    }
}

impl<'de> Visitor<'de> for BatchSeed {
    type Value = Option<Vec<&'de RawValue>>;
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a batch of requests")
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
        let mut out = Vec::new();
        let mut too_many = false;
        while let Some(member) = seq.next_element::<&'de RawValue>()? {
            if out.len() >= self.max {
                too_many = true;
            } else {
                out.push(member);
            }
        }
        Ok((!too_many).then_some(out))
    }
}

/// The members of a request object that matter; others are ignored.
#[derive(Deserialize)]
struct Wire<'a> {
    #[serde(borrow, default)]
    id: Option<&'a RawValue>,
    #[serde(borrow, default)]
    method: Option<&'a RawValue>,
    #[serde(borrow, default)]
    params: Option<&'a RawValue>,
}

/// Reads one request object. On failure returns the id to answer with (if any) and the error.
pub fn parse_request(req: &RawValue) -> Result<Request, Box<(Id, RpcError)>> {
    let fail = |id: Id, e: RpcError| Err(Box::new((id, e)));
    if !req.get().starts_with('{') {
        return fail(Id::NULL, invalid());
    }
    let Ok(wire) = serde_json::from_str::<Wire<'_>>(req.get()) else {
        return fail(Id::NULL, invalid());
    };
    let id = match wire.id.map(|raw| Id::parse(raw.get())) {
        None => Id::NULL,
        Some(Some(id)) => id,
        Some(None) => {
            let e = RpcError::new(
                error::PARSE_ERROR,
                "failed to parse ID: id must be a number or a string",
            );
            return fail(Id::NULL, e);
        }
    };
    let method = match wire.method.map(|m| serde_json::from_str::<String>(m.get())) {
        Some(Ok(m)) => m,
        _ => {
            let e = RpcError::new(error::INVALID_REQUEST, "Invalid request: missing method");
            return fail(id, e);
        }
    };
    let params = match wire.params.map(RawValue::get) {
        None | Some("null") => Vec::new(),
        Some(text) if text.starts_with('[') => match serde_json::from_str(text) {
            Ok(p) => p,
            Err(_) => return fail(id, invalid()),
        },
        Some(_) => {
            return fail(
                id,
                RpcError::invalid_params("params must be a positional array"),
            )
        }
    };
    Ok(Request { id, method, params })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn req(text: &str) -> Result<Request, Box<(Id, RpcError)>> {
        let raw: Box<RawValue> = serde_json::from_str(text).unwrap();
        parse_request(&raw)
    }

    #[test]
    fn bodies_and_requests() {
        assert_eq!(
            parse_body(b"  ", 10).unwrap_err().code,
            error::INVALID_REQUEST
        );
        assert_eq!(
            parse_body(b"[]", 10).unwrap_err().code,
            error::INVALID_REQUEST
        );
        assert_eq!(parse_body(b"{x", 10).unwrap_err().code, error::PARSE_ERROR);
        assert_eq!(
            parse_body(b"[1] x", 10).unwrap_err().code,
            error::PARSE_ERROR
        );
        assert!(matches!(parse_body(b" [1] ", 10).unwrap(), Body::Batch(v) if v.len() == 1));
        let r = req(r#"{"id": 3, "method": "Filecoin.X"}"#).unwrap();
        assert_eq!((r.id.as_json(), r.params.len()), ("3", 0));
        assert_eq!(req("5").unwrap_err().1.code, error::INVALID_REQUEST);
        assert_eq!(
            req(r#"{"id": [1], "method": "m"}"#).unwrap_err().1.code,
            error::PARSE_ERROR
        );
        let (id, e) = *req(r#"{"id": "a", "method": "m", "params": {"k": 1}}"#).unwrap_err();
        assert_eq!((id.as_json(), e.code), (r#""a""#, error::INVALID_PARAMS));
    }

    #[test]
    fn ids_are_kept_exactly_as_sent() {
        for id in [
            "18446744073709551616123",
            "-99999999999999999999999",
            "1.50",
            r#""x\u0041""#,
        ] {
            let r = req(&format!(r#"{{"id":{id},"method":"m","params":[1]}}"#)).unwrap();
            assert_eq!(r.id.as_json(), id);
        }
        assert!(req(r#"{"id":null,"method":"m"}"#).unwrap().id.is_null());
    }

    #[test]
    fn batches_are_capped_without_storing_the_rest() {
        let body = format!("[{}1]", "1,".repeat(1000));
        let e = parse_body(body.as_bytes(), 100).unwrap_err();
        assert_eq!(e.code, error::INVALID_REQUEST);
        assert!(e.message.contains("maximum 100"), "{}", e.message);
        assert!(matches!(parse_body(b"[1,2,3]", 3).unwrap(), Body::Batch(v) if v.len() == 3));
    }

    /// Deterministic fuzzing: mutated requests never panic, and every readable id is
    /// echoed as a number or a string.
    #[test]
    fn mutated_bodies_never_panic() {
        let seeds: [&[u8]; 4] = [
            br#"{"jsonrpc":"2.0","id":18446744073709551616,"method":"Filecoin.Version","params":[]}"#,
            br#"[{"id":"x","method":"m","params":[1,{"a":[null]}]},{"method":"n"}]"#,
            br#"{"id":null,"method":"m","params":null}"#,
            b"[[[[[[]]]]]]",
        ];
        let mut x: u64 = 0x9E37_79B9_7F4A_7C15;
        let mut next = || {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            x
        };
        for round in 0..20_000u32 {
            let seed = seeds[(round as usize) % seeds.len()];
            let mut data = seed.to_vec();
            for _ in 0..(next() % 4) {
                let at = (next() as usize) % (data.len() + 1);
                match next() % 3 {
                    0 if at < data.len() => data[at] = (next() & 0xff) as u8,
                    1 if at < data.len() => {
                        data.remove(at);
                    }
                    _ => data.insert(at, b"{}[],:\"0-e\\"[(next() % 11) as usize]),
                }
            }
            let members = match parse_body(&data, 3) {
                Ok(Body::Single(v)) => vec![v],
                Ok(Body::Batch(vs)) => vs,
                Err(_) => continue,
            };
            for m in members {
                if let Ok(r) = parse_request(m) {
                    let id = r.id.as_json();
                    assert!(
                        id == "null"
                            || id.starts_with(['"', '-'])
                            || id.starts_with(|c: char| c.is_ascii_digit())
                    );
                }
            }
        }
    }
}
