//! Chain, randomness, message-search and sync methods of a real daemon on a made
//! genesis, over HTTP and WebSocket: tipsets by key and height, block and parent
//! messages, paths, weights, ChainNotify, randomness checked against an independent
//! computation, beacon entries, StateSearchMsg/StateWaitMsg on messages that never land,
//! SyncState, and errors (not panics) for bad parameters.

#![allow(clippy::unwrap_used, clippy::indexing_slicing, clippy::string_slice)] // test code: a panic is a failed test

mod common;

use base64::engine::general_purpose::STANDARD as B64;
use base64::Engine;
use common::*;
use futures::{SinkExt, StreamExt};
use fvm_shared::address::Address;
use fvm_shared::econ::TokenAmount;
use padma_testkit::*;
use padma_types::cid::blake2b_256;
use serde_json::{json, Value};
use std::path::Path;
use std::time::Duration;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::Message as WsMessage;

/// A daemon on a freshly made genesis; also returns the funded account.
fn start(dir: &Path) -> (Daemon, String) {
    let template = dir.join("localnet.json");
    let owner = write_lotus_template(&template, "localnet-padma-chain-api", 1700000000);
    let car = dir.join("devgen.car");
    let d = Daemon::start_args(
        &dir.join("repo"),
        &[
            "--make-genesis",
            car.to_str().unwrap(),
            "--genesis-template",
            template.to_str().unwrap(),
        ],
    );
    (d, owner)
}

/// Lotus's draw: blake2b-256(i64be(tag) ‖ digest ‖ i64be(round) ‖ entropy).
fn draw(digest: &[u8; 32], tag: i64, round: i64, entropy: &[u8]) -> String {
    let mut input = tag.to_be_bytes().to_vec();
    input.extend_from_slice(digest);
    input.extend_from_slice(&round.to_be_bytes());
    input.extend_from_slice(entropy);
    B64.encode(blake2b_256(&input))
}

/// A message that is stored (via ChainPutObj) but never included on chain.
async fn stored_message(d: &Daemon, from: &str) -> (Value, fvm_shared::message::Message) {
    let m = fvm_shared::message::Message {
        version: 0,
        to: Address::new_id(1000),
        from: from.parse().unwrap(),
        sequence: 3,
        value: TokenAmount::from_atto(12345),
        method_num: padma_state::actors::method::SEND,
        params: Default::default(),
        gas_limit: 1_000_000,
        gas_fee_cap: TokenAmount::from_atto(1000),
        gas_premium: TokenAmount::from_atto(10),
    };
    let bytes = padma_types::message::message_cbor(&m);
    let cid = padma_types::message::message_cid(&m);
    let put = json!([{"RawData": B64.encode(&bytes), "Cid": {"/": cid.to_string()}}]);
    d.rpc("ChainPutObj", put).await;
    (json!({"/": cid.to_string()}), m)
}

#[tokio::test(flavor = "multi_thread")]
async fn chain_reads_on_the_genesis() {
    let dir = tempfile::tempdir().unwrap();
    let (d, owner) = start(dir.path());
    let head = d.rpc("ChainHead", json!([])).await;
    let gcid = head["Cids"][0].clone();
    let key = json!([gcid]);

    // Tipsets by key (the empty key is the head) and by height.
    assert_eq!(d.rpc("ChainGetTipSet", json!([[]])).await, head);
    assert_eq!(d.rpc("ChainGetTipSet", json!([null])).await, head);
    assert_eq!(d.rpc("ChainGetTipSet", json!([key])).await, head);
    for v in ["v0", "v1"] {
        assert_eq!(
            d.rpc_on(v, "ChainGetTipSetByHeight", json!([0, null]))
                .await,
            head
        );
        assert_eq!(
            d.rpc_on(v, "ChainGetTipSetByHeight", json!([0, key])).await,
            head
        );
    }
    assert_eq!(
        d.rpc("ChainGetTipSetAfterHeight", json!([0, []])).await,
        head
    );
    let e = d
        .rpc_err("v1", "ChainGetTipSetByHeight", json!([1, null]))
        .await;
    assert!(
        e["message"]
            .as_str()
            .unwrap()
            .contains("greater than start point"),
        "{e}"
    );
    d.rpc_err("v1", "ChainGetTipSetByHeight", json!([-1, null]))
        .await;
    let e = d
        .rpc_err("v0", "ChainGetTipSetAfterHeight", json!([0, null]))
        .await;
    assert_eq!(
        e["code"], -32601,
        "v0 has no ChainGetTipSetAfterHeight: {e}"
    );

    // The genesis block's messages, parent messages and receipts.
    assert_eq!(
        d.rpc("ChainGetBlockMessages", json!([gcid])).await,
        json!({"BlsMessages": [], "SecpkMessages": [], "Cids": []})
    );
    assert_eq!(
        d.rpc("ChainGetParentMessages", json!([gcid])).await,
        Value::Null
    );
    assert_eq!(
        d.rpc("ChainGetParentReceipts", json!([gcid])).await,
        Value::Null
    );
    assert_eq!(
        d.rpc("ChainGetMessagesInTipset", json!([[]])).await,
        Value::Null
    );

    // Paths and weights.
    assert_eq!(d.rpc("ChainGetPath", json!([key, []])).await, Value::Null);
    let w = d.rpc("ChainTipSetWeight", json!([[]])).await;
    let w: u64 = w.as_str().unwrap().parse().unwrap();
    // The genesis weight: ⌊log2(total QA power)⌋ · 256 (no wins).
    let p = d.rpc("StateMinerPower", json!(["t01000", null])).await;
    let qa: u128 = p["TotalPower"]["QualityAdjPower"]
        .as_str()
        .unwrap()
        .parse()
        .unwrap();
    assert_eq!(w, u64::from(127 - qa.leading_zeros()) * 256);

    // A stored message: ChainGetMessage returns it unsigned, with its CID.
    let (mcid, m) = stored_message(&d, &owner).await;
    let got = d.rpc("ChainGetMessage", json!([mcid])).await;
    assert_eq!(got["CID"], mcid);
    assert_eq!(got["From"], owner);
    assert_eq!(got["Nonce"], 3);
    assert_eq!(got["Value"], "12345");
    assert_eq!(got["GasLimit"], m.gas_limit);
    let unknown = json!({"/": "bafy2bzacea3wsdh6y3a36tb3skempjoxqpuyompjbmfeyf34fi3uy6uue42v4"});
    d.rpc_err("v1", "ChainGetMessage", json!([unknown])).await;
    d.rpc_err("v1", "ChainGetBlockMessages", json!([unknown]))
        .await;

    // Any tipset key works for State* methods.
    let a = d.rpc("StateGetActor", json!([owner, key])).await;
    assert_eq!(a, d.rpc("StateGetActor", json!([owner, null])).await);
    assert_eq!(
        d.rpc("StateListMiners", json!([key])).await,
        json!(["t01000"])
    );

    // SyncState: one worker, complete, at the head.
    let ss = d.rpc("SyncState", json!([])).await;
    let syncs = ss["ActiveSyncs"].as_array().unwrap();
    assert_eq!(syncs.len(), 1);
    assert_eq!(syncs[0]["Stage"], 4);
    assert_eq!(syncs[0]["Height"], 0);
    assert_eq!(syncs[0]["Target"], head);
    assert_eq!(syncs[0]["Base"], head);
    assert_eq!(syncs[0]["Start"], "2023-11-14T22:13:20Z");
    assert!(syncs[0]["WorkerID"].is_u64());
    assert_eq!(ss["VMApplied"], 0);
    assert_eq!(d.rpc("SyncCheckBad", json!([gcid])).await, "");
    // Marking bad and unmarking (admin).
    assert_eq!(d.rpc("SyncMarkBad", json!([gcid])).await, Value::Null);
    assert_eq!(
        d.rpc("SyncCheckBad", json!([gcid])).await,
        "marked bad manually"
    );
    d.rpc("SyncUnmarkBad", json!([gcid])).await;
    assert_eq!(d.rpc("SyncCheckBad", json!([gcid])).await, "");
    d.rpc("SyncMarkBad", json!([gcid])).await;
    d.rpc("SyncUnmarkAllBad", json!([])).await;
    assert_eq!(d.rpc("SyncCheckBad", json!([gcid])).await, "");

    // Bad params are errors, not panics; the node still answers afterwards.
    let e = d
        .rpc_err("v1", "ChainGetTipSetByHeight", json!(["x", null]))
        .await;
    assert_eq!(e["code"], -32602, "{e}");
    d.rpc_err("v1", "ChainGetBlockMessages", json!([{"/": "not-a-cid"}]))
        .await;
    d.rpc_err("v1", "ChainGetTipSet", json!([[unknown]])).await;
    d.rpc_err("v1", "ChainGetPath", json!([[unknown], []]))
        .await;
    d.rpc_err(
        "v1",
        "StateGetRandomnessFromTickets",
        json!([2, 0, "!!notb64", null]),
    )
    .await;
    d.rpc_err("v0", "StateWaitMsg", json!([mcid, 0, -1, true]))
        .await;
    d.rpc_err("v1", "StateSearchMsg", json!([mcid])).await;
    d.rpc_err("v1", "StateReplay", json!([[], unknown])).await;
    d.rpc_err("v1", "StateReplay", json!([[], mcid])).await;
    assert_eq!(d.rpc("ChainHead", json!([])).await, head);
}

#[tokio::test(flavor = "multi_thread")]
async fn randomness_and_beacon_entries() {
    let dir = tempfile::tempdir().unwrap();
    let (d, _) = start(dir.path());
    let head = d.rpc("ChainHead", json!([])).await;
    let g = &head["Blocks"][0];
    let vrf = B64
        .decode(g["Ticket"]["VRFProof"].as_str().expect("genesis ticket"))
        .unwrap();
    let ticket_digest = blake2b_256(&vrf);
    let entropy = b"some entropy";
    let e64 = B64.encode(entropy);
    for (tag, round) in [(2i64, 0i64), (5, -1), (9, -100), (77, 0)] {
        for key in [json!(null), json!(head["Cids"])] {
            let r = d
                .rpc(
                    "StateGetRandomnessFromTickets",
                    json!([tag, round, e64, key]),
                )
                .await;
            assert_eq!(
                r,
                draw(&ticket_digest, tag, round, entropy),
                "tag {tag} round {round}"
            );
        }
    }
    // No entropy (null) is empty entropy.
    let r = d
        .rpc("StateGetRandomnessFromTickets", json!([1, 0, null, null]))
        .await;
    assert_eq!(r, draw(&ticket_digest, 1, 0, b""));
    // The future is refused.
    let e = d
        .rpc_err(
            "v1",
            "StateGetRandomnessFromTickets",
            json!([1, 1, null, null]),
        )
        .await;
    assert!(e["message"].as_str().unwrap().contains("future"), "{e}");

    // Beacon randomness: a negative round draws from the latest entry at height 0; the
    // entry for epoch 0 (mock round 100) is not on a genesis-only chain.
    let gentry = B64
        .decode(g["BeaconEntries"][0]["Data"].as_str().unwrap_or(""))
        .unwrap();
    let r = d
        .rpc("StateGetRandomnessFromBeacon", json!([4, -1, e64, null]))
        .await;
    assert_eq!(r, draw(&blake2b_256(&gentry), 4, -1, entropy));
    d.rpc_err(
        "v1",
        "StateGetRandomnessFromBeacon",
        json!([4, 0, e64, null]),
    )
    .await;

    // Beacon entries of the mock beacon: round = epoch + 100, data = blake2b(u64be(round)).
    let want = json!({"Round": 107, "Data": B64.encode(blake2b_256(&107u64.to_be_bytes()))});
    assert_eq!(d.rpc("StateGetBeaconEntry", json!([7])).await, want);
    assert_eq!(d.rpc_on("v0", "BeaconGetEntry", json!([7])).await, want);
    let e = d.rpc_err("v0", "StateGetBeaconEntry", json!([7])).await;
    assert_eq!(e["code"], -32601, "{e}");
}

async fn ws_connect(
    d: &Daemon,
    v: &str,
) -> tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>> {
    let mut req = d.ws_url(v).into_client_request().unwrap();
    req.headers_mut().insert(
        "Authorization",
        format!("Bearer {}", d.admin).parse().unwrap(),
    );
    tokio_tungstenite::connect_async(req).await.unwrap().0
}

async fn next_json(
    ws: &mut (impl StreamExt<Item = Result<WsMessage, tokio_tungstenite::tungstenite::Error>> + Unpin),
) -> Value {
    loop {
        let msg = tokio::time::timeout(Duration::from_secs(20), ws.next())
            .await
            .expect("frame in time")
            .unwrap()
            .unwrap();
        if let WsMessage::Text(t) = msg {
            return serde_json::from_str(&t).unwrap();
        }
    }
}

async fn send(
    ws: &mut (impl SinkExt<WsMessage, Error = tokio_tungstenite::tungstenite::Error> + Unpin),
    v: Value,
) {
    ws.send(WsMessage::Text(v.to_string().into()))
        .await
        .unwrap();
}

#[tokio::test(flavor = "multi_thread")]
async fn notify_search_and_wait() {
    let dir = tempfile::tempdir().unwrap();
    let (mut d, owner) = start(dir.path());
    let head = d.rpc("ChainHead", json!([])).await;

    // ChainNotify through padma's WebSocket client: first the current head.
    let info = padma_rpc::client::ApiInfo {
        base_url: format!("http://127.0.0.1:{}", d.port),
        token: Some(d.admin.clone()),
    };
    let ws = padma_rpc::client_ws::WsClient::connect(&info, "v1")
        .await
        .unwrap();
    let mut sub = ws.subscribe("ChainNotify", vec![]).await.unwrap();
    let first = tokio::time::timeout(Duration::from_secs(10), sub.next())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(first, json!([{"Type": "current", "Val": head}]));

    // StateSearchMsg: unknown and never-included messages are not found (null).
    let unknown = json!({"/": "bafy2bzacea3wsdh6y3a36tb3skempjoxqpuyompjbmfeyf34fi3uy6uue42v4"});
    let (mcid, _) = stored_message(&d, &owner).await;
    for c in [&unknown, &mcid] {
        assert_eq!(
            d.rpc("StateSearchMsg", json!([null, c, -1, true])).await,
            Value::Null
        );
        assert_eq!(
            d.rpc("StateSearchMsg", json!([[], c, 10, false])).await,
            Value::Null
        );
        assert_eq!(
            d.rpc_on("v0", "StateSearchMsg", json!([c])).await,
            Value::Null
        );
        assert_eq!(
            d.rpc_on("v0", "StateSearchMsgLimited", json!([c, 5])).await,
            Value::Null
        );
    }

    // StateWaitMsg on an unknown message fails at once, as Lotus's does.
    let e = d
        .rpc_err("v1", "StateWaitMsg", json!([unknown, 0, -1, true]))
        .await;
    assert!(
        e["message"]
            .as_str()
            .unwrap()
            .contains("failed to load message"),
        "{e}"
    );

    // StateWaitMsg on a message that never lands blocks: an HTTP client gives up...
    let slow = reqwest::Client::new()
        .post(d.url("v1"))
        .bearer_auth(&d.admin)
        .timeout(Duration::from_millis(700))
        .body(
            json!({"jsonrpc":"2.0","id":1,"method":"Filecoin.StateWaitMsg","params":[mcid, 0, null, false]})
                .to_string(),
        )
        .send()
        .await;
    assert!(slow.is_err_and(|e| e.is_timeout()));
    // ...and a WebSocket client cancels it (xrpc.cancel), on v0 and v1.
    for (v, params) in [("v1", json!([mcid, 1, 10, true])), ("v0", json!([mcid, 1]))] {
        let mut raw = ws_connect(&d, v).await;
        send(
            &mut raw,
            json!({"jsonrpc":"2.0","id":7,"method":"Filecoin.StateWaitMsg","params":params}),
        )
        .await;
        tokio::time::sleep(Duration::from_millis(300)).await;
        send(
            &mut raw,
            json!({"jsonrpc":"2.0","method":"xrpc.cancel","params":[7]}),
        )
        .await;
        let r = next_json(&mut raw).await;
        assert_eq!(r["id"], 7, "{r}");
        assert!(r["error"].is_object(), "{r}");
    }
    // The node still answers.
    assert_eq!(d.rpc("ChainHead", json!([])).await, head);

    // A wait in flight when the node shuts down ends with an error, and ChainNotify closes.
    let mut raw = ws_connect(&d, "v1").await;
    send(
        &mut raw,
        json!({"jsonrpc":"2.0","id":8,"method":"Filecoin.StateWaitMsg","params":[mcid, 0, -1, false]}),
    )
    .await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    d.rpc_on("v1", "Shutdown", json!([])).await;
    let r = next_json(&mut raw).await;
    assert_eq!(r["id"], 8, "{r}");
    assert!(r["error"].is_object(), "{r}");
    let closed = tokio::time::timeout(Duration::from_secs(10), sub.next())
        .await
        .unwrap();
    assert!(closed.is_none(), "ChainNotify should close: {closed:?}");
    assert!(d.wait().success());
}
