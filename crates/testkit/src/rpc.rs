//! JSON-RPC over HTTP, as Lotus clients speak it (`Filecoin.<Method>`, a bearer token).

use serde_json::{json, Value};

/// Posts a raw body to `url`; returns the HTTP status and the body text. Panics if no
/// answer comes.
pub async fn post_raw(
    url: &str,
    token: Option<&str>,
    body: impl Into<reqwest::Body>,
) -> (u16, String) {
    let mut req = reqwest::Client::new()
        .post(url)
        .header("Content-Type", "application/json")
        .body(body);
    if let Some(t) = token {
        req = req.bearer_auth(t);
    }
    let resp = req
        .send()
        .await
        .unwrap_or_else(|e| panic!("POST {url}: {e}"));
    let status = resp.status().as_u16();
    (status, resp.text().await.unwrap())
}

/// The request body of a call to `Filecoin.<method>`.
fn request(method: &str, params: Value) -> String {
    json!({"jsonrpc": "2.0", "id": 1, "method": format!("Filecoin.{method}"), "params": params})
        .to_string()
}

/// Calls `Filecoin.<method>` with `params`; returns the whole response object (`result`
/// or `error`). Panics if no answer comes or the answer is not JSON.
pub async fn call(url: &str, token: Option<&str>, method: &str, params: Value) -> Value {
    let (_, text) = post_raw(url, token, request(method, params)).await;
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("bad JSON from {method}: {e}: {text}"))
}

/// [`call`] for polling a process that may not answer yet: the whole response, an
/// object `{"error": {"message": ...}}` naming why no answer came, or null if the
/// answer was not JSON.
pub async fn call_lenient(url: &str, token: Option<&str>, method: &str, params: Value) -> Value {
    let mut req = reqwest::Client::new()
        .post(url)
        .header("Content-Type", "application/json")
        .body(request(method, params));
    if let Some(t) = token {
        req = req.bearer_auth(t);
    }
    match req.send().await {
        Ok(resp) => resp.json().await.unwrap_or(Value::Null),
        Err(e) => json!({ "error": { "message": e.to_string() } }),
    }
}
