//! go-jsonrpc's channel protocol on a real socket, with a method that streams values:
//! the channel id answer, `xrpc.ch.val` notifications in order, `xrpc.ch.close` when the
//! stream ends, and `xrpc.cancel` for streams and for slow plain calls.

#![allow(clippy::unwrap_used, clippy::indexing_slicing, clippy::string_slice)] // test code: a panic is a failed test

use futures::{SinkExt, StreamExt};
use padma_rpc::{rpc_methods, JwtAuth, MethodTable, RpcError, RpcServer, ServerConfig};
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};
use std::sync::Arc;
use std::time::Duration;
use tokio_tungstenite::tungstenite::Message;

/// One item of `Count`'s stream.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Numbered {
    /// Its place in the stream.
    pub n: u64,
}

rpc_methods! {
    /// The test API.
    fn test_api;
    /// Streams `{"n": 0}` … `{"n": count - 1}`, then closes.
    Count = "Filecoin.Count", Read, channel (count: u64) -> Numbered;
    /// Streams 0, 1, 2, … until cancelled.
    Forever = "Filecoin.Forever", Read, channel () -> u64;
    /// Answers after an hour.
    Slow = "Filecoin.Slow", Read, call () -> String;
    /// Answers after 700 ms.
    Nap = "Filecoin.Nap", Read, call () -> String;
    /// Panics.
    Boom = "Filecoin.Boom", Read, call () -> String;
}

struct State;

async fn boom() -> Result<String, RpcError> {
    panic!("handler bug")
}

fn table() -> MethodTable<State> {
    let mut t = MethodTable::empty("channels test API");
    t.add_channel(Count, |_s, _c, (count,): (u64,)| async move {
        let (tx, rx) = tokio::sync::mpsc::channel(4);
        tokio::spawn(async move {
            for n in 0..count {
                if tx.send(Numbered { n }).await.is_err() {
                    return;
                }
            }
        });
        Ok(rx)
    });
    t.add_channel(Forever, |_s, _c, ()| async move {
        let (tx, rx) = tokio::sync::mpsc::channel(1);
        tokio::spawn(async move {
            let mut i = 0u64;
            while tx.send(i).await.is_ok() {
                i += 1;
                tokio::time::sleep(Duration::from_millis(20)).await;
            }
        });
        Ok(rx)
    });
    t.add(Slow, |_s, _c, ()| async move {
        tokio::time::sleep(Duration::from_secs(3600)).await;
        Ok("never".to_string())
    });
    t.add(Nap, |_s, _c, ()| async move {
        tokio::time::sleep(Duration::from_millis(700)).await;
        Ok("rested".to_string())
    });
    t.add(Boom, |_s, _c, ()| boom());
    t
}

async fn start() -> (u16, tokio::sync::oneshot::Sender<()>) {
    assert_eq!(test_api().len(), 5);
    let server = RpcServer::new(
        Arc::new(State),
        table(),
        JwtAuth::new(&[1; 32]),
        ServerConfig::default(),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    let (tx, rx) = tokio::sync::oneshot::channel::<()>();
    tokio::spawn(server.serve(listener, async move {
        let _ = rx.await;
    }));
    (port, tx)
}

type Ws =
    tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

async fn recv(ws: &mut Ws) -> Value {
    loop {
        let m = tokio::time::timeout(Duration::from_secs(10), ws.next())
            .await
            .expect("frame in time")
            .unwrap()
            .unwrap();
        if let Message::Text(t) = m {
            return serde_json::from_str(&t).unwrap();
        }
    }
}

async fn send(ws: &mut Ws, v: Value) {
    ws.send(Message::Text(v.to_string().into())).await.unwrap();
}

#[tokio::test]
async fn streams_values_then_closes() {
    let (port, _stop) = start().await;
    let (mut ws, _) = tokio_tungstenite::connect_async(format!("ws://127.0.0.1:{port}/rpc/v1"))
        .await
        .unwrap();
    send(
        &mut ws,
        json!({"jsonrpc":"2.0","id":5,"method":"Filecoin.Count","params":[3]}),
    )
    .await;
    let first = recv(&mut ws).await;
    assert_eq!(first, json!({"jsonrpc":"2.0","id":5,"result":1}));
    for i in 0..3 {
        let v = recv(&mut ws).await;
        assert_eq!(
            v,
            json!({"jsonrpc":"2.0","method":"xrpc.ch.val","params":[1, {"n": i}]})
        );
    }
    assert_eq!(
        recv(&mut ws).await,
        json!({"jsonrpc":"2.0","method":"xrpc.ch.close","params":[1]})
    );
    // Channel ids count up per connection.
    send(
        &mut ws,
        json!({"jsonrpc":"2.0","id":6,"method":"Filecoin.Count","params":[0]}),
    )
    .await;
    assert_eq!(recv(&mut ws).await["result"], 2);
    assert_eq!(recv(&mut ws).await["method"], "xrpc.ch.close");
    // Bad params on a channel method are an ordinary error answer.
    send(
        &mut ws,
        json!({"jsonrpc":"2.0","id":7,"method":"Filecoin.Count","params":["x"]}),
    )
    .await;
    assert_eq!(recv(&mut ws).await["error"]["code"], -32602);
}

#[tokio::test]
async fn cancel_stops_streams_and_slow_calls() {
    let (port, _stop) = start().await;
    let (mut ws, _) = tokio_tungstenite::connect_async(format!("ws://127.0.0.1:{port}/rpc/v0"))
        .await
        .unwrap();
    send(
        &mut ws,
        json!({"jsonrpc":"2.0","id":"f","method":"Filecoin.Forever","params":[]}),
    )
    .await;
    assert_eq!(recv(&mut ws).await["result"], 1);
    assert_eq!(recv(&mut ws).await["params"], json!([1, 0]));
    assert_eq!(recv(&mut ws).await["params"], json!([1, 1]));
    send(
        &mut ws,
        json!({"jsonrpc":"2.0","method":"xrpc.cancel","params":["f"]}),
    )
    .await;
    loop {
        let v = recv(&mut ws).await;
        if v["method"] == "xrpc.ch.close" {
            assert_eq!(v["params"], json!([1]));
            break;
        }
        assert_eq!(v["method"], "xrpc.ch.val");
    }
    send(
        &mut ws,
        json!({"jsonrpc":"2.0","id":9,"method":"Filecoin.Slow","params":[]}),
    )
    .await;
    send(
        &mut ws,
        json!({"jsonrpc":"2.0","method":"xrpc.cancel","params":[9]}),
    )
    .await;
    let v = recv(&mut ws).await;
    assert_eq!(v["id"], 9);
    assert_eq!(v["error"]["message"], "context canceled");
    // A panicking handler is an error answer; the connection and server live on.
    send(
        &mut ws,
        json!({"jsonrpc":"2.0","id":10,"method":"Filecoin.Boom","params":[]}),
    )
    .await;
    let v = recv(&mut ws).await;
    assert_eq!(v["error"]["code"], 1);
    assert!(v["error"]["message"].as_str().unwrap().contains("panic"));
    // Garbage frames get a parse error, not a dropped connection.
    ws.send(Message::Text("{nope".into())).await.unwrap();
    assert_eq!(recv(&mut ws).await["error"]["code"], -32700);
    send(
        &mut ws,
        json!([{"jsonrpc":"2.0","id":1,"method":"Filecoin.Nope"}]),
    )
    .await;
    assert_eq!(recv(&mut ws).await[0]["error"]["code"], -32601);
}

#[tokio::test]
async fn shutdown_closes_websockets_and_stops_serving() {
    let (port, stop) = start().await;
    let (mut ws, _) = tokio_tungstenite::connect_async(format!("ws://127.0.0.1:{port}/rpc/v1"))
        .await
        .unwrap();
    send(
        &mut ws,
        json!({"jsonrpc":"2.0","id":1,"method":"Filecoin.Forever","params":[]}),
    )
    .await;
    assert_eq!(recv(&mut ws).await["result"], 1);
    stop.send(()).unwrap();
    // The stream ends: the socket closes within the test's patience.
    let closed = tokio::time::timeout(Duration::from_secs(10), async {
        while let Some(Ok(m)) = ws.next().await {
            if let Message::Close(_) = m {
                break;
            }
        }
    })
    .await;
    assert!(closed.is_ok());
}

#[tokio::test]
async fn shutdown_drains_in_flight_http_requests_and_stops_accepting() {
    let (port, stop) = start().await;
    let url = format!("http://127.0.0.1:{port}/rpc/v1");
    let body = json!({"jsonrpc":"2.0","id":1,"method":"Filecoin.Nap","params":[]}).to_string();
    let in_flight = tokio::spawn(
        reqwest::Client::new()
            .post(url.clone())
            .body(body.clone())
            .send(),
    );
    tokio::time::sleep(Duration::from_millis(200)).await;
    stop.send(()).unwrap();
    let resp = in_flight
        .await
        .unwrap()
        .expect("in-flight request answered");
    let v: Value = resp.json().await.unwrap();
    assert_eq!(v["result"], "rested", "{v}");
    tokio::time::sleep(Duration::from_millis(200)).await;
    let after = reqwest::Client::new().post(url).body(body).send().await;
    assert!(after.is_err(), "no longer accepting: {after:?}");
}
