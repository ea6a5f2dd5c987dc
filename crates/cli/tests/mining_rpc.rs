//! Mining and sending over the JSON-RPC API against a real daemon: the mining loop
//! runs in this test process over `RpcMiningNode` (MinerGetBaseInfo, WalletSign,
//! MpoolSelect, MinerCreateBlock, SyncSubmitBlock), while messages go in through
//! MpoolPush (signed here) and MpoolPushMessage (signed by the node, gas estimated),
//! with replace-by-fee, a refused nonce gap, MpoolSub over WebSocket, gas estimation,
//! a CreateMiner whose receipt and new miner are found, and a block with a bad
//! signature refused with its reason.

#![allow(clippy::unwrap_used, clippy::indexing_slicing, clippy::string_slice)] // test code: a panic is a failed test

use base64::Engine;
use fvm_shared::address::Address;
use fvm_shared::econ::TokenAmount;
use fvm_shared::message::Message;
use padma_chain::miner::{mine_one, run, Attempt, MiningNode, MockWinningProver};
use padma_chain::network::NetworkParams;
use padma_miner::mining_client::RpcMiningNode;
use padma_rpc::client::{ApiInfo, RpcClient};
use padma_rpc::client_ws::{Subscription, WsClient};
use padma_state::actors::{ids, method};
use padma_state::genesis::template::Actor;
use padma_state::genesis::{fake::fake_miner, Template, MINER_START};
use padma_testkit::*;
use padma_types::crypto::{KeyInfo, KeyType};
use padma_types::json::{KeyInfoJson, MessageJson, SignedMessageJson};
use padma_types::message::message_signing_bytes;
use padma_types::sector::SIZE_2KIB;
use padma_types::SignedMessage;
use serde_json::{json, Value};
use std::path::Path;
use std::time::{Duration, Instant};

const BLOCK_DELAY_MS: u64 = 2000;
const B64: base64::engine::GeneralPurpose = base64::engine::general_purpose::STANDARD;

fn bls_key(seed: u8) -> KeyInfo {
    let mut sk = [seed; 32];
    sk[31] &= 0x3f;
    KeyInfo::new(KeyType::Bls, sk.to_vec()).unwrap()
}

fn secp_key(seed: u8) -> KeyInfo {
    KeyInfo::new(KeyType::Secp256k1, [seed; 32].to_vec()).unwrap()
}

fn now_secs() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs()
}

/// A mock-proof genesis template: miner t01000 (fake sectors) worked by `worker`, and
/// the accounts funded with 1000 FIL each.
fn write_template(path: &Path, worker: &KeyInfo, accounts: &[&KeyInfo]) {
    let name = NetworkParams::name_for("padma-mining-rpc", BLOCK_DELAY_MS, true);
    let mut t = Template::new(name, now_secs() - 10);
    let m = fake_miner(MINER_START, worker, SIZE_2KIB, 4, 1_000_000).unwrap();
    t.add_miners_from_manifest(
        json!({ "t01000": m }).to_string().as_bytes(),
        TokenAmount::from_whole(1_000),
    )
    .unwrap();
    for k in accounts {
        t.accounts.push(Actor::account(
            k.address().unwrap(),
            TokenAmount::from_whole(1_000),
        ));
    }
    std::fs::write(path, t.to_json()).unwrap();
}

struct Node {
    d: Daemon,
    url: String,
}

impl Node {
    /// Calls a v1 method with the admin token: the result, or the error object.
    async fn call(&self, method: &str, params: Value) -> Result<Value, Value> {
        let fut = call(&self.url, Some(&self.d.admin), method, params);
        let v = tokio::time::timeout(Duration::from_secs(120), fut)
            .await
            .unwrap_or_else(|_| panic!("{method} timed out"));
        match v.get("error") {
            Some(e) => Err(e.clone()),
            None => Ok(v["result"].clone()),
        }
    }

    async fn ok(&self, method: &str, params: Value) -> Value {
        self.call(method, params)
            .await
            .unwrap_or_else(|e| panic!("{method} failed: {e}"))
    }

    async fn err(&self, method: &str, params: Value) -> String {
        match self.call(method, params).await {
            Ok(v) => panic!("{method} succeeded unexpectedly: {v}"),
            Err(e) => e["message"].as_str().unwrap_or_default().to_string(),
        }
    }

    async fn height(&self) -> i64 {
        self.ok("ChainHead", json!([])).await["Height"]
            .as_i64()
            .unwrap()
    }

    /// Waits for a message (v1 StateWaitMsg, confidence 1) and returns its lookup.
    async fn wait(&self, cid: &Value) -> Value {
        self.ok("StateWaitMsg", json!([cid, 1, -1, true])).await
    }

    async fn nonce(&self, a: &Address) -> u64 {
        self.ok("MpoolGetNonce", json!([a.to_string()]))
            .await
            .as_u64()
            .unwrap()
    }
}

fn message(from: &KeyInfo, to: Address, nonce: u64, atto: u64, premium: u64) -> Message {
    Message {
        version: 0,
        from: from.address().unwrap(),
        to,
        sequence: nonce,
        value: TokenAmount::from_atto(atto),
        method_num: method::SEND,
        params: Default::default(),
        gas_limit: 10_000_000,
        gas_fee_cap: TokenAmount::from_atto(1_000_000_000u64),
        gas_premium: TokenAmount::from_atto(premium),
    }
}

fn sign(key: &KeyInfo, m: Message) -> SignedMessage {
    let signature = key.sign(&message_signing_bytes(&m)).unwrap();
    SignedMessage {
        message: m,
        signature,
    }
}

fn signed_json(m: &SignedMessage) -> Value {
    serde_json::to_value(SignedMessageJson::from(m)).unwrap()
}

fn msg_json(m: &Message) -> Value {
    serde_json::to_value(MessageJson::from(m)).unwrap()
}

fn cid_json(m: &SignedMessage) -> Value {
    json!({ "/": m.cid().to_string() })
}

/// The next MpoolSub update `{Type, Message}` for the signed message `cid`.
async fn next_update_for(sub: &mut Subscription, cid: &Value) -> i64 {
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let left = deadline.saturating_duration_since(Instant::now());
        let v = tokio::time::timeout(left, sub.next())
            .await
            .expect("no MpoolSub update in time")
            .expect("MpoolSub channel closed");
        if &v["Message"]["CID"] == cid {
            return v["Type"].as_i64().unwrap();
        }
    }
}

/// The CBOR of power actor `CreateMiner` params `{Owner, Worker, WindowPoStProofType,
/// Peer, Multiaddrs}` (a 5-tuple).
fn create_miner_params(owner: &Address, worker: &Address, proof: u8, peer: &[u8]) -> Vec<u8> {
    fn bytes(out: &mut Vec<u8>, b: &[u8]) {
        assert!(b.len() < 256);
        if b.len() < 24 {
            out.push(0x40 | b.len() as u8);
        } else {
            out.extend([0x58, b.len() as u8]);
        }
        out.extend_from_slice(b);
    }
    let mut out = vec![0x85];
    bytes(&mut out, &owner.to_bytes());
    bytes(&mut out, &worker.to_bytes());
    assert!(proof < 24);
    out.push(proof);
    bytes(&mut out, peer);
    out.push(0x80);
    out
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn mining_and_sending_over_rpc() {
    let dir = tempfile::tempdir().unwrap();
    let worker = bls_key(42);
    let (alice, bob) = (secp_key(7), secp_key(8));
    let (a, b) = (alice.address().unwrap(), bob.address().unwrap());
    let template = dir.path().join("template.json");
    write_template(&template, &worker, &[&alice, &bob]);
    let car = dir.path().join("devgen.car");
    let d = Daemon::start_args(
        &dir.path().join("repo"),
        &[
            "--make-genesis",
            car.to_str().unwrap(),
            "--genesis-template",
            template.to_str().unwrap(),
        ],
    );
    let node = Node {
        url: d.url("v1"),
        d,
    };
    for k in [&worker, &alice] {
        let ki = serde_json::to_value(KeyInfoJson::from(k)).unwrap();
        node.ok("WalletImport", json!([ki])).await;
    }
    let info = ApiInfo {
        base_url: format!("http://127.0.0.1:{}", node.d.port),
        token: Some(node.d.admin.clone()),
    };
    let ws = WsClient::connect(&info, "v1").await.unwrap();
    let mut sub = ws.subscribe("MpoolSub", vec![]).await.unwrap();

    // --- The pool, before anything is mined. ---
    let m1 = sign(&alice, message(&alice, b, 0, 1_000, 100_000));
    let c1 = node.ok("MpoolPush", json!([signed_json(&m1)])).await;
    assert_eq!(
        c1,
        cid_json(&m1),
        "MpoolPush returns the signed message's CID"
    );
    assert_eq!(next_update_for(&mut sub, &c1).await, 0);
    assert_eq!(node.nonce(&a).await, 1);
    // Replace-by-fee: too small a bump is refused, a 10%+ bump replaces.
    let low = sign(&alice, message(&alice, b, 0, 1_000, 105_000));
    let e = node.err("MpoolPush", json!([signed_json(&low)])).await;
    assert!(e.contains("replace by fee has too low GasPremium"), "{e}");
    let m1b = sign(&alice, message(&alice, b, 0, 1_000, 200_000));
    let c1b = node.ok("MpoolPush", json!([signed_json(&m1b)])).await;
    assert_eq!(
        next_update_for(&mut sub, &c1).await,
        1,
        "the replaced message leaves"
    );
    assert_eq!(next_update_for(&mut sub, &c1b).await, 0);
    let pending = node.ok("MpoolPending", json!([null])).await;
    let cids: Vec<&Value> = pending
        .as_array()
        .unwrap()
        .iter()
        .map(|m| &m["CID"])
        .collect();
    assert_eq!(cids, vec![&c1b]);
    // A nonce far ahead is refused.
    let gap = sign(&alice, message(&alice, b, 11, 1_000, 100_000));
    let e = node.err("MpoolPush", json!([signed_json(&gap)])).await;
    assert!(e.contains("unfulfilled nonce gap"), "{e}");
    // Selection for the next block takes the replacement.
    let sel = node.ok("MpoolSelect", json!([null, 0.8])).await;
    assert_eq!(sel.as_array().unwrap().len(), 1);
    assert_eq!(sel[0]["CID"], c1b);
    // Gas estimation: the limit of a plain send, and a message that cannot succeed.
    let mut probe = message(&alice, b, 0, 5_000, 0);
    probe.gas_limit = 0;
    probe.gas_fee_cap = TokenAmount::default();
    let used = node
        .ok("GasEstimateGasLimit", json!([msg_json(&probe), null]))
        .await
        .as_u64()
        .unwrap();
    assert!(used > 0 && used < 10_000_000, "{used}");
    let est = node
        .ok(
            "GasEstimateMessageGas",
            json!([msg_json(&probe), {"MaxFee": "0"}, null]),
        )
        .await;
    let limit = est["GasLimit"].as_u64().unwrap();
    assert_eq!(limit, used * 5 / 4, "1.25 times the gas used");
    let fee_cap: u128 = est["GasFeeCap"].as_str().unwrap().parse().unwrap();
    let premium: u128 = est["GasPremium"].as_str().unwrap().parse().unwrap();
    assert!(premium >= 90_000 && fee_cap > premium, "{est}");
    let mut too_much = probe.clone();
    too_much.value = TokenAmount::from_whole(1_000_000);
    let e = node
        .call("GasEstimateGasLimit", json!([msg_json(&too_much), null]))
        .await
        .unwrap_err();
    assert_eq!(e["code"], 3, "{e}");
    assert!(
        e["message"]
            .as_str()
            .unwrap()
            .contains("message execution failed"),
        "{e}"
    );
    let cap = node
        .ok("GasEstimateFeeCap", json!([msg_json(&probe), 20, null]))
        .await;
    assert!(cap.as_str().unwrap().parse::<u128>().unwrap() > 0);
    let p = node
        .ok("GasEstimateGasPremium", json!([2, a.to_string(), 0, null]))
        .await;
    assert!(p.as_str().unwrap().parse::<u128>().unwrap() >= 140_000);

    // --- Mining over RPC. ---
    let miner = Address::new_id(MINER_START);
    let mnode = RpcMiningNode::new(RpcClient::new(&info, "v1"));
    // One attempt by hand first, so a failure shows its cause.
    let info_now = node
        .ok("MinerGetBaseInfo", json!(["t01000", 1, null]))
        .await;
    assert_eq!(info_now["SectorSize"], 2048);
    assert!(info_now["EligibleForMining"].as_bool().unwrap());
    assert_eq!(info_now["Sectors"][0]["SectorKey"], Value::Null);
    let head = mnode.head().await.unwrap();
    let genesis = node.ok("ChainGetGenesis", json!([])).await;
    let genesis_ts = genesis["Blocks"][0]["Timestamp"].as_u64().unwrap();
    let round = ((now_secs() - genesis_ts) * 1000 / BLOCK_DELAY_MS) as i64;
    let round = round.max(head.height() + 1);
    match mine_one(&mnode, &MockWinningProver, &miner, &head, round).await {
        Ok(Attempt::Mined(_)) | Ok(Attempt::Lost) => {}
        Err(e) => panic!("mining over RPC failed: {e:#}"),
    }
    let (stop_tx, stop_rx) = tokio::sync::watch::channel(false);
    let mining = tokio::spawn(async move { run(&mnode, &MockWinningProver, miner, stop_rx).await });

    // The replacement is mined; the pool reports its removal.
    let found = node.wait(&c1b).await;
    assert_eq!(found["Receipt"]["ExitCode"], 0, "{found}");
    assert_eq!(next_update_for(&mut sub, &c1b).await, 1);
    assert!(node.height().await >= 1);

    // MpoolPushMessage: nonce from the pool, gas estimated, signed by the node.
    let mut plain = message(&alice, b, 0, 7_000, 0);
    plain.gas_limit = 0;
    plain.gas_fee_cap = TokenAmount::default();
    let max_fee = 1_000_000_000_000u128;
    let sm = node
        .ok(
            "MpoolPushMessage",
            json!([msg_json(&plain), {"MaxFee": max_fee.to_string()}]),
        )
        .await;
    assert_eq!(sm["Message"]["Nonce"], 1);
    let limit = sm["Message"]["GasLimit"].as_u64().unwrap() as u128;
    let cap: u128 = sm["Message"]["GasFeeCap"]
        .as_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!(limit > 0 && cap * limit <= max_fee, "{sm}");
    let found = node.wait(&sm["CID"]).await;
    assert_eq!(found["Receipt"]["ExitCode"], 0, "{found}");
    // A non-zero nonce is refused.
    let mut with_nonce = plain.clone();
    with_nonce.sequence = 5;
    let e = node
        .err("MpoolPushMessage", json!([msg_json(&with_nonce), null]))
        .await;
    assert!(
        e.contains("MpoolPushMessage expects message nonce to be 0"),
        "{e}"
    );
    // From an ID address: the node signs with the key address.
    let id = node.ok("StateLookupID", json!([a.to_string(), null])).await;
    let mut by_id = msg_json(&plain);
    by_id["From"] = id.clone();
    let sm = node.ok("MpoolPushMessage", json!([by_id, null])).await;
    assert_eq!(
        sm["Message"]["From"].as_str().unwrap()[1..],
        a.to_string()[1..]
    );
    node.wait(&sm["CID"]).await;
    // Two at once, with consecutive nonces.
    let batch = node
        .ok(
            "MpoolBatchPushMessage",
            json!([[msg_json(&plain), msg_json(&plain)], null]),
        )
        .await;
    let n0 = batch[0]["Message"]["Nonce"].as_u64().unwrap();
    assert_eq!(batch[1]["Message"]["Nonce"].as_u64().unwrap(), n0 + 1);
    node.wait(&batch[1]["CID"]).await;

    // Estimate, sign here, push: it executes.
    let est = node
        .ok(
            "GasEstimateMessageGas",
            json!([msg_json(&plain), null, null]),
        )
        .await;
    let mut m: Message = serde_json::from_value::<MessageJson>(est).unwrap().into();
    m.sequence = node.nonce(&a).await;
    let signed = sign(&alice, m);
    let c = node
        .ok("MpoolBatchPush", json!([[signed_json(&signed)]]))
        .await;
    assert_eq!(c[0], cid_json(&signed));
    let found = node.wait(&c[0]).await;
    assert_eq!(found["Receipt"]["ExitCode"], 0, "{found}");

    // CreateMiner through the power actor, gas estimated by the node.
    let before = node.ok("StateListMiners", json!([null])).await;
    assert_eq!(before.as_array().unwrap().len(), 1);
    let deposit = node
        .call("StateMinerCreationDeposit", json!([null]))
        .await
        .map(|v| v.as_str().unwrap().to_string())
        .unwrap_or_else(|_| TokenAmount::from_whole(10).atto().to_string());
    let params = create_miner_params(&a, &worker.address().unwrap(), 10, b"padma-test-peer");
    let create = json!({
        "Version": 0, "To": format!("t0{}", ids::POWER), "From": a.to_string(), "Nonce": 0,
        "Value": deposit, "GasLimit": 0, "GasFeeCap": "0", "GasPremium": "0",
        "Method": method::power::CREATE_MINER, "Params": B64.encode(&params),
    });
    let sm = node.ok("MpoolPushMessage", json!([create, null])).await;
    let found = node.wait(&sm["CID"]).await;
    assert_eq!(found["Receipt"]["ExitCode"], 0, "{found}");
    let after = node.ok("StateListMiners", json!([null])).await;
    assert_eq!(after.as_array().unwrap().len(), 2, "{after}");

    // A block with a bad signature is refused with the reason.
    let head = node.ok("ChainHead", json!([])).await;
    let block = &head["Blocks"][0];
    let bcid = &head["Cids"][0];
    let msgs = node.ok("ChainGetBlockMessages", json!([bcid])).await;
    let cids = |k: &str| -> Vec<Value> {
        msgs[k]
            .as_array()
            .map(|l| l.iter().map(|m| m["CID"].clone()).collect())
            .unwrap_or_default()
    };
    let mut bad = block.clone();
    let mut sig = B64
        .decode(bad["BlockSig"]["Data"].as_str().unwrap())
        .unwrap();
    sig[95] ^= 1;
    bad["BlockSig"]["Data"] = json!(B64.encode(&sig));
    let blk = json!({
        "Header": bad,
        "BlsMessages": cids("BlsMessages"),
        "SecpkMessages": cids("SecpkMessages"),
    });
    let e = node.err("SyncSubmitBlock", json!([blk])).await;
    assert!(e.contains("signature"), "{e}");
    // The untouched block is accepted again (it is already known).
    let good = json!({
        "Header": block,
        "BlsMessages": cids("BlsMessages"),
        "SecpkMessages": cids("SecpkMessages"),
    });
    node.ok("SyncSubmitBlock", json!([good])).await;

    stop_tx.send(true).unwrap();
    tokio::time::timeout(Duration::from_secs(60), mining)
        .await
        .expect("the mining loop did not stop")
        .unwrap()
        .unwrap();
    assert!(node.height().await >= 3);
}
