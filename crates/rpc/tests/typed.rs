//! Typed method definitions on a real socket: registration, permissions, arity with
//! optional trailing parameters, a v0 and a v1 form under one name, aliases, non-Filecoin
//! namespaces, discovery from the table, and the typed HTTP and WebSocket clients.

#![allow(clippy::unwrap_used, clippy::indexing_slicing, clippy::string_slice)] // test code: a panic is a failed test

use padma_rpc::client::{ApiInfo, ClientError, RpcClient};
use padma_rpc::client_ws::WsClient;
use padma_rpc::{rpc_methods, CallCtx, JwtAuth, MethodTable, RpcError, RpcServer, ServerConfig};
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};
use std::sync::Arc;

/// A typed result.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct Sum {
    /// The sum.
    pub total: u64,
    /// How many numbers were added.
    pub parts: usize,
}

rpc_methods! {
    /// The test API.
    fn test_api;
    /// Adds two numbers and an optional third.
    Add = "Filecoin.Add", Read, call (a: u64, b: u64; c: Option<u64>) -> Sum;
    /// The v0 form of Echo takes no parameter.
    EchoV0 = "Filecoin.Echo", Read, call () -> String, versions = V0;
    /// The v1 form of Echo.
    Echo = "Filecoin.Echo", Read, call (text: String) -> String, versions = V1;
    /// An Ethereum-style name with an alias.
    EthChainId = "eth_chainId", Read, call () -> String, aliases = ["net_version"];
    /// Needs admin.
    Secret = "Filecoin.Secret", Admin, call () -> u64;
    /// Streams 0..n.
    Count = "Filecoin.Count", Read, channel (n: u64) -> u64;
    /// The discovery document.
    Discover = "Filecoin.Discover", Read, call () -> Value, aliases = ["rpc.discover"];
}

struct State;

fn table() -> MethodTable<State> {
    let mut t = MethodTable::empty("test API");
    t.add(
        Add,
        |_s, _c: CallCtx, (a, b, c): (u64, u64, Option<u64>)| async move {
            let parts = 2 + usize::from(c.is_some());
            let total = a
                .checked_add(b)
                .and_then(|x| x.checked_add(c.unwrap_or(0)))
                .ok_or_else(|| RpcError::handler("overflow"))?;
            Ok(Sum { total, parts })
        },
    );
    t.add(EchoV0, |_s, _c, ()| async { Ok("v0".to_string()) });
    t.add(Echo, |_s, _c, (text,): (String,)| async move { Ok(text) });
    t.add(EthChainId, |_s, _c, ()| async { Ok("0x7e4".to_string()) });
    t.add(Secret, |_s, _c, ()| async { Ok(42) });
    t.add_channel(Count, |_s, _c, (n,): (u64,)| async move {
        let (tx, rx) = tokio::sync::mpsc::channel(4);
        tokio::spawn(async move {
            for i in 0..n {
                if tx.send(i).await.is_err() {
                    return;
                }
            }
        });
        Ok(rx)
    });
    t.add_discover(Discover);
    t
}

async fn start() -> (ApiInfo, JwtAuth, tokio::sync::oneshot::Sender<()>) {
    let auth = JwtAuth::new(b"typed-test-secret");
    let server = RpcServer::new(
        Arc::new(State),
        table(),
        auth.clone(),
        ServerConfig::default(),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let port = listener.local_addr().expect("addr").port();
    let (stop, stopped) = tokio::sync::oneshot::channel();
    tokio::spawn(server.serve(listener, async move {
        let _ = stopped.await;
    }));
    let info = ApiInfo::parse(&format!("/ip4/127.0.0.1/tcp/{port}/http")).expect("info");
    (info, auth, stop)
}

async fn raw(info: &ApiInfo, version: &str, body: Value) -> Value {
    reqwest::Client::new()
        .post(format!("{}/rpc/{version}", info.base_url))
        .json(&body)
        .send()
        .await
        .expect("send")
        .json()
        .await
        .expect("json")
}

#[tokio::test]
async fn typed_calls_round_trip_over_http() {
    let (info, _auth, _stop) = start().await;
    let v1 = RpcClient::new(&info, "v1");
    let three = v1.request::<Add>((1, 2, Some(3))).await.expect("Add");
    assert_eq!(three, Sum { total: 6, parts: 3 });
    let two = v1.request::<Add>((1, 2, None)).await.expect("Add");
    assert_eq!(two, Sum { total: 3, parts: 2 });
    assert_eq!(
        v1.request::<Echo>(("hi".into(),)).await.expect("Echo"),
        "hi"
    );
    assert_eq!(v1.request::<EthChainId>(()).await.expect("eth"), "0x7e4");
    let v0 = RpcClient::new(&info, "v0");
    assert_eq!(v0.request::<EchoV0>(()).await.expect("Echo v0"), "v0");
    // Handler errors come back as JSON-RPC errors.
    let e = v1
        .request::<Add>((u64::MAX, 1, None))
        .await
        .expect_err("overflow");
    assert!(
        matches!(e, ClientError::Rpc(ref r) if r.message == "overflow"),
        "{e}"
    );
}

#[tokio::test]
async fn arity_permissions_versions_and_aliases_are_checked() {
    let (info, auth, _stop) = start().await;
    let one = raw(
        &info,
        "v1",
        json!({"jsonrpc":"2.0","id":1,"method":"Filecoin.Add","params":[1]}),
    )
    .await;
    assert_eq!(one["error"]["code"], -32602);
    assert!(
        one["error"]["message"]
            .as_str()
            .is_some_and(|m| m.contains("1 != 2..3")),
        "{one}"
    );
    let four = raw(
        &info,
        "v1",
        json!({"jsonrpc":"2.0","id":1,"method":"Filecoin.Add","params":[1,2,3,4]}),
    )
    .await;
    assert_eq!(four["error"]["code"], -32602);
    let bad = raw(
        &info,
        "v1",
        json!({"jsonrpc":"2.0","id":1,"method":"Filecoin.Add","params":[1,"x"]}),
    )
    .await;
    assert!(
        bad["error"]["message"]
            .as_str()
            .is_some_and(|m| m.contains("'Filecoin.Add' (param 1)")),
        "{bad}"
    );
    // The v0 form takes no parameter; v1's takes one.
    let v0 = raw(
        &info,
        "v0",
        json!({"jsonrpc":"2.0","id":1,"method":"Filecoin.Echo","params":["x"]}),
    )
    .await;
    assert_eq!(v0["error"]["code"], -32602);
    let alias = raw(
        &info,
        "v1",
        json!({"jsonrpc":"2.0","id":1,"method":"net_version","params":[]}),
    )
    .await;
    assert_eq!(alias["result"], "0x7e4");
    // Admin needs a token.
    let anon = RpcClient::new(&info, "v1");
    let e = anon.request::<Secret>(()).await.expect_err("needs admin");
    assert!(
        e.to_string()
            .contains("missing permission to invoke 'Secret'"),
        "{e}"
    );
    let token = auth.issue(&padma_rpc::Permission::Admin.up_to());
    let admin = RpcClient::new(
        &ApiInfo {
            token: Some(token),
            ..info.clone()
        },
        "v1",
    );
    assert_eq!(admin.request::<Secret>(()).await.expect("admin"), 42);
}

#[tokio::test]
async fn discovery_lists_what_each_version_serves() {
    let (info, _auth, _stop) = start().await;
    let v1 = RpcClient::new(&info, "v1");
    let doc = v1.request::<Discover>(()).await.expect("Discover");
    let names: Vec<&str> = doc["methods"]
        .as_array()
        .expect("methods")
        .iter()
        .filter_map(|m| m["name"].as_str())
        .collect();
    let expected: Vec<&str> = test_api()
        .iter()
        .filter(|m| m.versions.serves(padma_rpc::ApiVersion::V1))
        .map(|m| m.name)
        .collect();
    assert_eq!(names, expected);
    let add = doc["methods"]
        .as_array()
        .and_then(|m| m.first())
        .expect("Add");
    assert_eq!(add["params"][2]["name"], "c");
    assert_eq!(add["params"][2]["required"], false);
    assert_eq!(add["x-permission"], "read");
    let count = doc["methods"]
        .as_array()
        .and_then(|m| m.iter().find(|m| m["name"] == "Filecoin.Count"))
        .expect("Count");
    assert_eq!(count["x-subscription"], true);
    let v0 = RpcClient::new(&info, "v0");
    let doc0 = v0.request::<Discover>(()).await.expect("Discover v0");
    let echo: Vec<&Value> = doc0["methods"]
        .as_array()
        .expect("methods")
        .iter()
        .filter(|m| m["name"] == "Filecoin.Echo")
        .collect();
    assert_eq!(echo.len(), 1);
    assert_eq!(
        echo.first().map(|m| m["params"].as_array().map(Vec::len)),
        Some(Some(0))
    );
}

#[tokio::test]
async fn typed_websocket_calls_and_channels() {
    let (info, _auth, _stop) = start().await;
    let ws = WsClient::connect(&info, "v1").await.expect("connect");
    assert_eq!(
        ws.request::<Add>((2, 2, None)).await.expect("Add"),
        Sum { total: 4, parts: 2 }
    );
    let mut items = ws.subscribe_to::<Count>((3,)).await.expect("Count");
    let mut got = Vec::new();
    while let Some(item) = items.next().await {
        got.push(item.expect("item"));
    }
    assert_eq!(got, vec![0, 1, 2]);
}
