//! A JSON-RPC client for the Lotus API over HTTP, and `*_API_INFO` parsing.

use crate::error::RpcError;
use crate::params::RpcParams;
use crate::rpc_method::RpcMethod;
use serde::de::DeserializeOwned;
use serde_json::{json, Value};
use std::str::FromStr;

/// Where and how to reach an API: an HTTP base URL (without `/rpc/vN`) and a token.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ApiInfo {
    /// `http://host:port`.
    pub base_url: String,
    /// Bearer token, if any.
    pub token: Option<String>,
}

/// Converts a multiaddr such as `/ip4/127.0.0.1/tcp/1234/http` to `http://127.0.0.1:1234`.
pub fn multiaddr_to_url(ma: &str) -> Result<String, String> {
    let parts: Vec<&str> = ma.trim().split('/').collect();
    let bad = || format!("unsupported API multiaddr '{}'", ma.trim());
    let ["", proto, addr, "tcp", port, rest @ ..] = parts.as_slice() else {
        return Err(bad());
    };
    let host = match *proto {
        "ip4" | "dns" | "dns4" | "dns6" => addr.to_string(),
        "ip6" => format!("[{addr}]"),
        _ => return Err(bad()),
    };
    let port: u16 = port.parse().map_err(|_| bad())?;
    let scheme = if rest
        .iter()
        .any(|p| *p == "https" || *p == "wss" || *p == "tls")
    {
        "https"
    } else {
        "http"
    };
    Ok(format!("{scheme}://{host}:{port}"))
}

impl ApiInfo {
    /// Parses Lotus's `TOKEN:ADDR` form (ADDR a multiaddr or URL; the token optional).
    pub fn parse(s: &str) -> Result<ApiInfo, String> {
        let s = s.trim().split(',').next().unwrap_or("").trim();
        let (token, addr) = match s.split_once(':') {
            Some((t, rest)) if !s.starts_with('/') && !rest.starts_with("//") => {
                (Some(t.to_string()), rest)
            }
            _ => (None, s),
        };
        let base_url = if addr.starts_with('/') {
            multiaddr_to_url(addr)?
        } else {
            let u = addr.trim_end_matches('/');
            let u = u
                .replacen("ws://", "http://", 1)
                .replacen("wss://", "https://", 1);
            let u = u
                .strip_suffix("/rpc/v0")
                .or_else(|| u.strip_suffix("/rpc/v1"))
                .unwrap_or(&u)
                .to_string();
            if !u.starts_with("http://") && !u.starts_with("https://") {
                return Err(format!("unsupported API address '{addr}'"));
            }
            u
        };
        Ok(ApiInfo {
            base_url,
            token: token.filter(|t| !t.is_empty()),
        })
    }
}

/// Encodes `M`'s parameters, leaving out trailing optional ones that are `null`.
pub(crate) fn encode_params<M: RpcMethod>(params: &M::Params) -> Result<Vec<Value>, String> {
    let mut values = params
        .encode()
        .map_err(|e| format!("encoding params for {}: {e}", M::NAME))?;
    while values.len() > M::REQUIRED_PARAMS && values.last() == Some(&Value::Null) {
        values.pop();
    }
    Ok(values)
}

/// Errors a client call can end with.
#[derive(Debug, thiserror::Error)]
pub enum ClientError {
    /// The node could not be reached.
    #[error("cannot reach the node at {url}: {source}")]
    Transport {
        /// The endpoint.
        url: String,
        /// The cause.
        source: reqwest::Error,
    },
    /// The node refused the token (HTTP 401).
    #[error("the node rejected the API token (HTTP 401): {0}")]
    Unauthorized(String),
    /// The node answered with a JSON-RPC error.
    #[error("{0}")]
    Rpc(RpcError),
    /// The node's answer could not be read.
    #[error("bad response from the node: {0}")]
    BadResponse(String),
}

/// A client for one API endpoint (`/rpc/v0` or `/rpc/v1`).
#[derive(Clone, Debug)]
pub struct RpcClient {
    url: String,
    token: Option<String>,
    http: reqwest::Client,
}

impl RpcClient {
    /// A client for `info` on API version `version` ("v0" or "v1").
    pub fn new(info: &ApiInfo, version: &str) -> Self {
        RpcClient {
            url: format!("{}/rpc/{version}", info.base_url),
            token: info.token.clone(),
            http: reqwest::Client::new(),
        }
    }

    /// Calls `Filecoin.<method>` with positional params and returns the raw result.
    pub async fn call_raw(&self, method: &str, params: Vec<Value>) -> Result<Value, ClientError> {
        self.call_wire(&format!("Filecoin.{method}"), params).await
    }

    /// Calls the typed method `M`.
    pub async fn request<M: RpcMethod>(&self, params: M::Params) -> Result<M::Ok, ClientError> {
        let values = encode_params::<M>(&params).map_err(ClientError::BadResponse)?;
        let v = self.call_wire(M::NAME, values).await?;
        serde_json::from_value(v).map_err(|e| ClientError::BadResponse(format!("{}: {e}", M::NAME)))
    }

    /// Calls the method with wire name `wire` and returns the raw result.
    async fn call_wire(&self, wire: &str, params: Vec<Value>) -> Result<Value, ClientError> {
        let body = json!({ "jsonrpc": "2.0", "id": 1, "method": wire, "params": params });
        let mut req = self.http.post(&self.url).json(&body);
        if let Some(t) = &self.token {
            req = req.bearer_auth(t);
        }
        let resp = req.send().await.map_err(|e| ClientError::Transport {
            url: self.url.clone(),
            source: e,
        })?;
        if resp.status() == reqwest::StatusCode::UNAUTHORIZED {
            let text = resp.text().await.unwrap_or_default();
            return Err(ClientError::Unauthorized(text.trim().to_string()));
        }
        let v: Value = resp
            .json()
            .await
            .map_err(|e| ClientError::BadResponse(e.to_string()))?;
        if let Some(err) = v.get("error") {
            let code = err.get("code").and_then(Value::as_i64).unwrap_or(1);
            let msg = err
                .get("message")
                .and_then(Value::as_str)
                .unwrap_or("unknown error");
            return Err(ClientError::Rpc(RpcError::new(code, msg)));
        }
        Ok(v.get("result").cloned().unwrap_or(Value::Null))
    }

    /// Calls a method and decodes its result.
    pub async fn call<T: DeserializeOwned>(
        &self,
        method: &str,
        params: Vec<Value>,
    ) -> Result<T, ClientError> {
        let v = self.call_raw(method, params).await?;
        serde_json::from_value(v).map_err(|e| ClientError::BadResponse(format!("{method}: {e}")))
    }

    /// `AuthNew`: a new token with permission `perm` (`read`, `write`, `sign` or `admin`)
    /// and every permission below it, as text.
    pub async fn auth_new(&self, perm: &str) -> anyhow::Result<String> {
        use base64::Engine;
        let perm = crate::Permission::from_str(perm).map_err(|e| anyhow::anyhow!(e))?;
        let b64: String = self
            .call("AuthNew", vec![json!(perm.up_to())])
            .await
            .map_err(|e| anyhow::anyhow!("AuthNew: {e}"))?;
        let bytes = base64::engine::general_purpose::STANDARD
            .decode(b64)
            .map_err(|e| anyhow::anyhow!("AuthNew returned invalid base64: {e}"))?;
        String::from_utf8(bytes).map_err(|_| anyhow::anyhow!("AuthNew returned a non-text token"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_api_info_forms() {
        let a = ApiInfo::parse("abc.def:/ip4/127.0.0.1/tcp/1234/http").unwrap();
        assert_eq!(
            a,
            ApiInfo {
                base_url: "http://127.0.0.1:1234".into(),
                token: Some("abc.def".into())
            }
        );
        let b = ApiInfo::parse("/ip4/127.0.0.1/tcp/2345").unwrap();
        assert_eq!(b.token, None);
        assert_eq!(b.base_url, "http://127.0.0.1:2345");
        let c = ApiInfo::parse("ws://localhost:1234/rpc/v1").unwrap();
        assert_eq!(c.base_url, "http://localhost:1234");
        assert_eq!(c.token, None);
        let d = ApiInfo::parse("tok:http://127.0.0.1:9/").unwrap();
        assert_eq!(d.token.as_deref(), Some("tok"));
        assert!(ApiInfo::parse("tok:/ip4/1.2.3.4/udp/3").is_err());
        assert!(ApiInfo::parse("").is_err());
    }
}
