//! Parsing of request bodies and request objects: the part of the server that reads
//! bytes from the network, kept pure so it can be fuzzed.

use crate::error::{self, RpcError};
use serde_json::Value;

/// A request body: one request or a batch.
#[derive(Debug, PartialEq)]
pub enum Body {
    /// A single request value.
    Single(Value),
    /// A non-empty batch of request values.
    Batch(Vec<Value>),
}

/// A well-formed request object.
#[derive(Debug, PartialEq)]
pub struct Request {
    /// The id (`null` for notifications).
    pub id: Value,
    /// The wire method name, e.g. `Filecoin.Version`.
    pub method: String,
    /// Positional parameters (`null` or missing read as none).
    pub params: Vec<Value>,
}

/// Parses a body: empty is an invalid request, bad JSON a parse error, `[]` invalid.
pub fn parse_body(bytes: &[u8]) -> Result<Body, RpcError> {
    let start = bytes
        .iter()
        .position(|c| !c.is_ascii_whitespace())
        .unwrap_or(bytes.len());
    let end = bytes
        .iter()
        .rposition(|c| !c.is_ascii_whitespace())
        .map_or(start, |e| e + 1);
    let text = &bytes[start..end];
    if text.is_empty() {
        return Err(RpcError::new(error::INVALID_REQUEST, "Invalid request"));
    }
    match serde_json::from_slice(text) {
        Ok(Value::Array(reqs)) if reqs.is_empty() => {
            Err(RpcError::new(error::INVALID_REQUEST, "Invalid request"))
        }
        Ok(Value::Array(reqs)) => Ok(Body::Batch(reqs)),
        Ok(v) => Ok(Body::Single(v)),
        Err(_) => Err(RpcError::new(error::PARSE_ERROR, "Parse error")),
    }
}

/// Reads one request object. On failure returns the id to answer with (if any) and the error.
pub fn parse_request(req: Value) -> Result<Request, Box<(Value, RpcError)>> {
    let Value::Object(mut obj) = req else {
        return Err(Box::new((
            Value::Null,
            RpcError::new(error::INVALID_REQUEST, "Invalid request"),
        )));
    };
    let id = obj.remove("id").unwrap_or(Value::Null);
    if !matches!(id, Value::Null | Value::Number(_) | Value::String(_)) {
        let e = RpcError::new(
            error::PARSE_ERROR,
            "failed to parse ID: id must be a number or a string",
        );
        return Err(Box::new((Value::Null, e)));
    }
    let method = match obj.remove("method") {
        Some(Value::String(m)) => m,
        _ => {
            return Err(Box::new((
                id,
                RpcError::new(error::INVALID_REQUEST, "Invalid request: missing method"),
            )))
        }
    };
    let params = match obj.remove("params") {
        None | Some(Value::Null) => Vec::new(),
        Some(Value::Array(a)) => a,
        Some(_) => {
            return Err(Box::new((
                id,
                RpcError::invalid_params("params must be a positional array"),
            )))
        }
    };
    Ok(Request { id, method, params })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn bodies_and_requests() {
        assert_eq!(parse_body(b"  ").unwrap_err().code, error::INVALID_REQUEST);
        assert_eq!(parse_body(b"[]").unwrap_err().code, error::INVALID_REQUEST);
        assert_eq!(parse_body(b"{x").unwrap_err().code, error::PARSE_ERROR);
        assert!(matches!(parse_body(b" [1] ").unwrap(), Body::Batch(v) if v.len() == 1));
        let r = parse_request(json!({"id": 3, "method": "Filecoin.X"})).unwrap();
        assert_eq!((r.id, r.params.len()), (json!(3), 0));
        assert_eq!(
            parse_request(json!(5)).unwrap_err().1.code,
            error::INVALID_REQUEST
        );
        assert_eq!(
            parse_request(json!({"id": [1], "method": "m"}))
                .unwrap_err()
                .1
                .code,
            error::PARSE_ERROR
        );
        let (id, e) =
            *parse_request(json!({"id": "a", "method": "m", "params": {"k": 1}})).unwrap_err();
        assert_eq!((id, e.code), (json!("a"), error::INVALID_PARAMS));
    }
}
