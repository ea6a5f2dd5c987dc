//! The JSON-RPC API of a real daemon over HTTP and WebSocket: permissions, 401s,
//! framing errors, batches, notifications, channels and the method table.

#![allow(clippy::unwrap_used, clippy::indexing_slicing, clippy::string_slice)] // test code: a panic is a failed test

use futures::{SinkExt, StreamExt};
use padma_chain::network::{block_delay_secs, DEFAULT_BLOCK_DELAY_MS};
use padma_rpc::api_version::{FULL_NODE_V0, FULL_NODE_V1};
use padma_testkit::*;
use serde_json::{json, Value};
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::Message;

const LEVELS: [&str; 4] = ["read", "write", "sign", "admin"];

#[tokio::test]
async fn permissions_of_each_token_against_each_level() {
    let dir = tempfile::tempdir().unwrap();
    let d = Daemon::start(dir.path());
    let addr = call(
        &d.url("v1"),
        Some(&d.admin),
        "WalletNew",
        json!(["secp256k1"]),
    )
    .await["result"]
        .clone();
    // One method per level, each with valid params.
    let probes = [
        ("read", "WalletBalance", json!([addr])),
        ("write", "WalletHas", json!([addr])),
        ("sign", "WalletSign", json!([addr, "aGVsbG8="])),
        ("admin", "WalletExport", json!([addr])),
    ];
    let mut tokens: Vec<(Option<String>, usize)> = vec![(None, 0)];
    for (i, l) in LEVELS.iter().enumerate() {
        tokens.push((Some(d.token(l).await), i));
    }
    for (token, have) in &tokens {
        for (need, (perm, method, params)) in probes.iter().enumerate() {
            for v in ["v0", "v1"] {
                let r = call(&d.url(v), token.as_deref(), method, params.clone()).await;
                if *have >= need {
                    assert!(r.get("error").is_none(), "{method} with level {have}: {r}");
                } else {
                    assert_eq!(r["error"]["code"], 1, "{r}");
                    assert_eq!(
                        r["error"]["message"],
                        format!("missing permission to invoke '{method}' (need '{perm}')")
                    );
                }
            }
        }
    }
    // AuthVerify returns exactly what the token allows.
    let t = d.token("sign").await;
    let r = call(&d.url("v1"), None, "AuthVerify", json!([t])).await;
    assert_eq!(r["result"], json!(["read", "write", "sign"]));
    // A token from the query string works like the header.
    let url = format!("{}?token={}", d.url("v1"), d.admin);
    let r = call(&url, None, "WalletExport", json!([addr])).await;
    assert!(r["result"]["PrivateKey"].is_string(), "{r}");
}

#[tokio::test]
async fn bad_tokens_get_401_before_any_rpc_work() {
    let dir = tempfile::tempdir().unwrap();
    let d = Daemon::start(dir.path());
    let body = json!({"jsonrpc":"2.0","id":1,"method":"Filecoin.Version"}).to_string();
    let other = {
        let r = call(&d.url("v1"), Some(&d.admin), "AuthNew", json!([["admin"]])).await;
        let t = String::from_utf8(
            base64::Engine::decode(
                &base64::engine::general_purpose::STANDARD,
                r["result"].as_str().unwrap(),
            )
            .unwrap(),
        )
        .unwrap();
        // Same claims, signature of another secret: flip a signature character.
        let mut chars: Vec<char> = t.chars().collect();
        let last = chars.len() - 2;
        chars[last] = if chars[last] == 'A' { 'B' } else { 'A' };
        chars.into_iter().collect::<String>()
    };
    for bad in ["garbage", "a.b.c", "", other.as_str()] {
        let (status, _) = post_raw(&d.url("v1"), Some(bad), body.clone()).await;
        assert_eq!(status, 401, "token {bad:?}");
    }
    let resp = reqwest::Client::new()
        .post(d.url("v0"))
        .header("Authorization", d.admin.clone())
        .body(body.clone())
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status().as_u16(), 401, "missing Bearer prefix");
    let (status, _) = post_raw(&format!("{}?token=nope", d.url("v1")), None, body.clone()).await;
    assert_eq!(status, 401);
    // WebSocket upgrade with a bad token is refused too.
    let mut req = d.ws_url("v1").into_client_request().unwrap();
    req.headers_mut()
        .insert("Authorization", "Bearer nope".parse().unwrap());
    assert!(tokio_tungstenite::connect_async(req).await.is_err());
}

#[tokio::test]
async fn framing_errors_follow_go_jsonrpc() {
    let dir = tempfile::tempdir().unwrap();
    let d = Daemon::start_with(dir.path(), &[("PADMA_API_MAXREQUESTSIZE", "4096")]);
    let url = d.url("v1");
    let check = |status: u16, text: &str, want_status: u16, want_code: i64| {
        assert_eq!(status, want_status, "{text}");
        let v: Value = serde_json::from_str(text).unwrap();
        assert_eq!(v["error"]["code"], want_code, "{text}");
        assert_eq!(v["jsonrpc"], "2.0");
    };
    let (s, t) = post_raw(&url, None, "{not json").await;
    check(s, &t, 500, -32700);
    let (s, t) = post_raw(&url, None, "   ").await;
    check(s, &t, 400, -32600);
    let (s, t) = post_raw(&url, None, "[]").await;
    check(s, &t, 400, -32600);
    let (s, t) = post_raw(
        &url,
        None,
        r#"{"jsonrpc":"2.0","id":7,"method":"Filecoin.Nope","params":[]}"#,
    )
    .await;
    check(s, &t, 500, -32601);
    assert!(t.contains("method 'Filecoin.Nope' not found"));
    let (s, t) = post_raw(
        &url,
        None,
        r#"{"jsonrpc":"2.0","id":7,"method":"Filecoin.Version","params":[1]}"#,
    )
    .await;
    check(s, &t, 500, -32602);
    assert!(t.contains("wrong param count"));
    let (s, t) = post_raw(&url, None, r#"{"jsonrpc":"2.0","id":"x","method":"Filecoin.WalletBalance","params":["not-an-address"]}"#).await;
    check(s, &t, 500, -32602);
    assert_eq!(serde_json::from_str::<Value>(&t).unwrap()["id"], "x");
    let big = format!(
        r#"{{"jsonrpc":"2.0","id":1,"method":"Filecoin.Version","params":[],"pad":"{}"}}"#,
        "x".repeat(5000)
    );
    let (s, t) = post_raw(&url, None, big).await;
    check(s, &t, 500, -32700);
    assert!(t.contains("request bigger than maximum 4096 allowed"));
    // Channel methods need a WebSocket.
    let (s, t) = post_raw(
        &url,
        None,
        r#"{"jsonrpc":"2.0","id":1,"method":"Filecoin.Closing"}"#,
    )
    .await;
    check(s, &t, 500, -32601);
    // Missing and null params are fine for zero-argument methods.
    for body in [
        r#"{"jsonrpc":"2.0","id":1,"method":"Filecoin.Version"}"#,
        r#"{"jsonrpc":"2.0","id":1,"method":"Filecoin.Version","params":null}"#,
    ] {
        let (s, t) = post_raw(&url, None, body).await;
        assert_eq!(s, 200);
        let v: Value = serde_json::from_str(&t).unwrap();
        assert_eq!(v["result"]["APIVersion"], FULL_NODE_V1);
    }
    // A notification gets no answer; the node still runs it.
    let (s, t) = post_raw(
        &url,
        None,
        r#"{"jsonrpc":"2.0","method":"Filecoin.Version","params":[]}"#,
    )
    .await;
    assert_eq!((s, t.as_str()), (200, ""));
    // Batches answer in order, skipping notifications.
    let batch = json!([
        {"jsonrpc":"2.0","id":1,"method":"Filecoin.Version","params":[]},
        {"jsonrpc":"2.0","method":"Filecoin.Version","params":[]},
        {"jsonrpc":"2.0","id":2,"method":"Filecoin.Nope","params":[]},
        {"jsonrpc":"2.0","id":3,"method":"Filecoin.Session"}
    ]);
    let (s, t) = post_raw(&url, None, batch.to_string()).await;
    assert_eq!(s, 200);
    let v: Value = serde_json::from_str(&t).unwrap();
    let arr = v.as_array().unwrap();
    assert_eq!(arr.len(), 3);
    assert_eq!(arr[0]["id"], 1);
    assert_eq!(arr[1]["error"]["code"], -32601);
    assert_eq!(arr[2]["id"], 3);
    assert!(arr[2]["result"].as_str().unwrap().len() == 36);
    // Content type is JSON.
    let resp = reqwest::Client::new()
        .post(&url)
        .body(r#"{"jsonrpc":"2.0","id":1,"method":"Filecoin.Version"}"#)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.headers()["content-type"], "application/json");
}

#[tokio::test]
async fn version_per_api_and_method_table_matches_lotus() {
    let dir = tempfile::tempdir().unwrap();
    let d = Daemon::start(dir.path());
    let v1 = call(&d.url("v1"), None, "Version", json!([])).await["result"].clone();
    let v0 = call(&d.url("v0"), None, "Version", json!([])).await["result"].clone();
    assert_eq!(v1["APIVersion"], FULL_NODE_V1);
    assert_eq!(v0["APIVersion"], FULL_NODE_V0);
    assert_eq!(v1["Agent"], "padma");
    assert_eq!(v1["BlockDelay"], block_delay_secs(DEFAULT_BLOCK_DELAY_MS));
    let lotus = lotus_methods();
    for (api, section) in [("v1", "fullNodeV1"), ("v0", "fullNodeV0")] {
        let doc = call(&d.url(api), None, "Discover", json!([])).await["result"].clone();
        let also = call(&d.url(api), None, "Discover", Value::Null).await;
        assert_eq!(also["result"], doc);
        let methods = doc["methods"].as_array().unwrap();
        assert!(methods.len() >= 19, "{api}: {}", methods.len());
        for m in methods {
            let full = m["name"].as_str().unwrap();
            let name = full.strip_prefix("Filecoin.").unwrap();
            let l = &lotus[section][name];
            assert!(l.is_object(), "{api}: {name} is not a Lotus method");
            assert_eq!(m["x-permission"], l["perm"], "{api}: permission of {name}");
            assert_eq!(
                m["params"].as_array().unwrap().len() as u64,
                l["params"].as_u64().unwrap(),
                "{api}: arity of {name}"
            );
            assert_eq!(
                m["x-subscription"].as_bool().unwrap(),
                l["subscription"].as_bool().unwrap_or(false),
                "{api}: channel {name}"
            );
        }
    }
    // rpc.discover is an alias.
    let (_, t) = post_raw(
        &d.url("v1"),
        None,
        r#"{"jsonrpc":"2.0","id":1,"method":"rpc.discover"}"#,
    )
    .await;
    assert!(t.contains("openrpc"));
}

async fn ws_connect(
    d: &Daemon,
    token: Option<&str>,
) -> tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>> {
    let mut req = d.ws_url("v1").into_client_request().unwrap();
    if let Some(t) = token {
        req.headers_mut()
            .insert("Authorization", format!("Bearer {t}").parse().unwrap());
    }
    tokio_tungstenite::connect_async(req).await.unwrap().0
}

async fn next_json(
    ws: &mut (impl StreamExt<Item = Result<Message, tokio_tungstenite::tungstenite::Error>> + Unpin),
) -> Value {
    loop {
        let msg = tokio::time::timeout(std::time::Duration::from_secs(20), ws.next())
            .await
            .expect("frame in time")
            .unwrap()
            .unwrap();
        if let Message::Text(t) = msg {
            return serde_json::from_str(&t).unwrap();
        }
    }
}

#[tokio::test]
async fn websocket_calls_channels_cancel_and_close_on_shutdown() {
    let dir = tempfile::tempdir().unwrap();
    let mut d = Daemon::start(dir.path());
    let mut ws = ws_connect(&d, Some(&d.admin)).await;
    // Plain calls and permission errors over WebSocket.
    ws.send(Message::Text(
        json!({"jsonrpc":"2.0","id":1,"method":"Filecoin.WalletNew","params":["bls"]})
            .to_string()
            .into(),
    ))
    .await
    .unwrap();
    let r = next_json(&mut ws).await;
    assert_eq!(r["id"], 1);
    assert!(r["result"].as_str().unwrap().starts_with("t3"));
    // A channel: the first answer is the channel id; cancelling closes it.
    ws.send(Message::Text(
        json!({"jsonrpc":"2.0","id":2,"method":"Filecoin.Closing","params":[]})
            .to_string()
            .into(),
    ))
    .await
    .unwrap();
    let r = next_json(&mut ws).await;
    assert_eq!(r["id"], 2);
    let chan = r["result"].as_u64().unwrap();
    assert_eq!(chan, 1);
    ws.send(Message::Text(
        json!({"jsonrpc":"2.0","method":"xrpc.cancel","params":[2]})
            .to_string()
            .into(),
    ))
    .await
    .unwrap();
    let r = next_json(&mut ws).await;
    assert_eq!(r["method"], "xrpc.ch.close");
    assert_eq!(r["params"], json!([chan]));
    // A second channel stays open until the node shuts down, then closes.
    ws.send(Message::Text(
        json!({"jsonrpc":"2.0","id":"c","method":"Filecoin.Closing","params":[]})
            .to_string()
            .into(),
    ))
    .await
    .unwrap();
    let r = next_json(&mut ws).await;
    assert_eq!(r["result"], 2);
    let mut reader = ws_connect(&d, None).await;
    reader
        .send(Message::Text(
            json!({"jsonrpc":"2.0","id":9,"method":"Filecoin.WalletList","params":[]})
                .to_string()
                .into(),
        ))
        .await
        .unwrap();
    let r = next_json(&mut reader).await;
    assert_eq!(
        r["error"]["message"],
        "missing permission to invoke 'WalletList' (need 'write')"
    );
    ws.send(Message::Text(
        json!({"jsonrpc":"2.0","id":3,"method":"Filecoin.Shutdown","params":[]})
            .to_string()
            .into(),
    ))
    .await
    .unwrap();
    let mut saw_close = false;
    for _ in 0..3 {
        let r = next_json(&mut ws).await;
        if r["method"] == "xrpc.ch.close" {
            assert_eq!(r["params"], json!([2]));
            saw_close = true;
            break;
        }
    }
    assert!(saw_close);
    assert!(d.wait().success());
}
