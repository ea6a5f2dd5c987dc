//! Every actor of the bundle reachable over the API on an FVM devnet (the official
//! testing-fake-proofs actors): `StateActorCodeCIDs`/`StateActorManifestCID` name the
//! bundle; `StateReadState` decodes every actor on the chain; a payment channel is
//! created with parameters built by `StateEncodeParams` (`padma send --params-json`),
//! executed by the real actors, read back, and its message's parameters decoded by
//! `StateDecodeParams`; `StateCompute` recomputes the tipset that carried it (its
//! trace with the implicit reward and cron messages).

#![allow(clippy::unwrap_used, clippy::indexing_slicing)] // test code: a panic is a failed test

use padma_state::code::{ActorKind, CodeSet};
use padma_testkit::{free_port, mock_devnet_command, Daemon};
use serde_json::{json, Value};
use std::time::Duration;

/// The message of the error `method` answers on v1.
async fn error_message(d: &Daemon, method: &str, params: Value) -> String {
    d.rpc_err("v1", method, params).await["message"]
        .as_str()
        .unwrap_or_default()
        .to_string()
}

#[tokio::test(flavor = "multi_thread")]
async fn every_actor_is_reachable_over_the_api_on_the_fvm() {
    let dir = tempfile::tempdir().unwrap();
    let mut d = Daemon::devnet_from(
        mock_devnet_command(dir.path(), free_port(), 1),
        dir.path(),
        dir.path(),
    );
    padma_testkit::chains::wait_height(&mut d, 2, Duration::from_secs(120)).await;
    let set = CodeSet::FakeProofs;

    // The bundle behind the state.
    let manifest = d.rpc("StateActorManifestCID", json!([28])).await;
    assert_eq!(manifest["/"], set.manifest_cid().to_string());
    let codes = d.rpc("StateActorCodeCIDs", json!([28])).await;
    let codes = codes.as_object().unwrap();
    assert_eq!(codes.len(), 16, "{codes:?}");
    for kind in ActorKind::all() {
        assert_eq!(
            codes[kind.name()]["/"],
            set.code(kind).to_string(),
            "{}",
            kind.name()
        );
    }
    let e = error_message(&d, "StateActorCodeCIDs", json!([21])).await;
    assert!(e.contains("network version 28"), "{e}");

    // Every actor on the chain decodes, with its Go field names.
    let name = d.rpc("StateNetworkName", json!([])).await;
    let expect = [
        ("t00", "BuiltinActors"),
        ("t01", "NetworkName"),
        ("t02", "ThisEpochReward"),
        ("t03", "Entries"),
        ("t04", "TotalRawBytePower"),
        ("t05", "Proposals"),
        ("t06", "RootKey"),
        ("t07", "Governor"),
        ("t01000", "ProvingPeriodStart"),
    ];
    for (a, field) in expect {
        let st = d.rpc("StateReadState", json!([a, null])).await;
        assert!(!st["State"][field].is_null(), "{a}: {st}");
    }
    assert_eq!(
        d.rpc("StateReadState", json!(["t01", null])).await["State"]["NetworkName"],
        name
    );
    for a in d
        .rpc("StateListActors", json!([null]))
        .await
        .as_array()
        .unwrap()
    {
        let st = d.rpc("StateReadState", json!([a, null])).await;
        assert!(st["State"].is_object(), "{a}: {st}");
    }

    // A payment channel, its constructor parameters encoded by the node.
    let from = d.rpc("WalletDefaultAddress", json!([])).await;
    let from = from.as_str().unwrap();
    let to = d.cli_ok(&["wallet", "new"]);
    let paych_code = json!({"/": set.code(ActorKind::PaymentChannel).to_string()});
    let ctor = d
        .rpc(
            "StateEncodeParams",
            json!([paych_code, 1, {"From": from, "To": to}]),
        )
        .await;
    let exec = json!({"CodeCID": paych_code, "ConstructorParams": ctor});
    let out = d.cli_ok(&[
        "send",
        "--method",
        "2",
        "--params-json",
        &exec.to_string(),
        "t01",
        "2",
    ]);
    let cid = out.lines().last().unwrap().to_string();
    let lookup = d
        .rpc("StateWaitMsg", json!([{ "/": cid }, 1, 200, true]))
        .await;
    assert_eq!(lookup["Receipt"]["ExitCode"], 0, "{lookup}");
    let ret = lookup["Receipt"]["Return"].as_str().unwrap();
    // The init actor's return, decoded: the new ID and robust addresses.
    let ret = base64_decode(ret);
    let (ret_id, robust): (fvm_shared::address::Address, fvm_shared::address::Address) =
        fvm_ipld_encoding::from_slice(&ret).unwrap();
    // (This process writes f addresses; the node answers with the devnet's t.)
    let id = d
        .rpc("StateLookupID", json!([robust.to_string(), null]))
        .await;
    assert_eq!(
        id.as_str().unwrap().trim_start_matches('t'),
        ret_id.to_string().trim_start_matches('f')
    );
    let id = id.as_str().unwrap().to_string();
    let st = d.rpc("StateReadState", json!([id, null])).await;
    assert_eq!(
        st["Code"]["/"],
        set.code(ActorKind::PaymentChannel).to_string()
    );
    assert_eq!(st["Balance"], "2000000000000000000");
    let from_id = d.rpc("StateLookupID", json!([from, null])).await;
    let to_id = d.rpc("StateLookupID", json!([to, null])).await;
    assert_eq!(st["State"]["From"], from_id);
    assert_eq!(st["State"]["To"], to_id);
    assert_eq!(st["State"]["ToSend"], "0");

    // The message's parameters decoded back: the init actor's Exec, then the channel's
    // constructor inside it.
    let msg = d.rpc("ChainGetMessage", json!([{ "/": cid }])).await;
    let decoded = d
        .rpc("StateDecodeParams", json!(["t01", 2, msg["Params"], null]))
        .await;
    assert_eq!(decoded, exec);
    let inner = d
        .rpc(
            "StateDecodeParams",
            json!([id, 1, decoded["ConstructorParams"], null]),
        )
        .await;
    assert_eq!(inner, json!({"From": from, "To": to}));
    // A method without parameters decodes as {}.
    let settle = d.rpc("StateDecodeParams", json!([id, 3, null, null])).await;
    assert_eq!(settle, json!({}));

    // StateCompute on the tipset that included the message: with no messages its root
    // is the state its child was built on, and its trace holds the message's result.
    let exec = d.rpc("ChainGetTipSet", json!([lookup["TipSet"]])).await;
    let incl = d
        .rpc("ChainGetTipSet", json!([exec["Blocks"][0]["Parents"]]))
        .await;
    let h = incl["Height"].as_i64().unwrap();
    let out = d.rpc("StateCompute", json!([h, [], incl["Cids"]])).await;
    assert_eq!(out["Root"], exec["Blocks"][0]["ParentStateRoot"]);
    let traced = out["Trace"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["MsgCid"]["/"] == cid.as_str())
        .unwrap_or_else(|| panic!("{cid} not traced: {out}"));
    assert_eq!(traced["MsgRct"]["ExitCode"], 0);
    assert_eq!(traced["MsgRct"]["GasUsed"], lookup["Receipt"]["GasUsed"]);
    // Lotus's execution trace: the implicit messages too, in execution order — each
    // block's reward (from the system actor to f02) after its messages, cron (f03) last.
    let trace = out["Trace"].as_array().unwrap();
    let id_of = |a: &Value| a.as_str().unwrap().get(1..).unwrap().to_string();
    let implicit: Vec<(usize, String, i64)> = trace
        .iter()
        .enumerate()
        .filter(|(_, t)| id_of(&t["Msg"]["From"]) == "00")
        .map(|(i, t)| {
            (
                i,
                id_of(&t["Msg"]["To"]),
                t["Msg"]["Method"].as_i64().unwrap(),
            )
        })
        .collect();
    let blocks = incl["Blocks"].as_array().unwrap().len();
    assert_eq!(implicit.len(), blocks + 1, "{out}");
    let (last, cron, method) = implicit.last().unwrap().clone();
    assert_eq!((last, cron.as_str(), method), (trace.len() - 1, "03", 2));
    let msg_at = trace.iter().position(|t| t["MsgCid"]["/"] == cid.as_str());
    for (i, to, method) in &implicit[..blocks] {
        assert_eq!((to.as_str(), *method), ("02", 2), "a block reward");
        assert!(Some(*i) > msg_at, "the reward after the block's messages");
        assert_eq!(trace[*i]["MsgRct"]["ExitCode"], 0);
    }
    // With a message on top: another state, written to the datastore.
    let nonce = d.rpc("StateGetActor", json!([from, exec["Cids"]])).await["Nonce"].clone();
    let extra = json!({"Version": 0, "To": to, "From": from, "Nonce": nonce, "Value": "1",
        "GasLimit": 10_000_000, "GasFeeCap": "1000000000", "GasPremium": "1000",
        "Method": 0, "Params": null});
    let out2 = d
        .rpc("StateCompute", json!([h, [extra], incl["Cids"]]))
        .await;
    assert_ne!(out2["Root"], out["Root"]);
    d.rpc("ChainReadObj", json!([out2["Root"]])).await;
    let e = error_message(&d, "StateCompute", json!([h - 1, [], incl["Cids"]])).await;
    assert!(e.contains("below the tipset's height"), "{e}");

    // Bad input: clear errors.
    let e = error_message(&d, "StateDecodeParams", json!(["t01", 999, null, null])).await;
    assert!(e.contains("unknown method 999 for actor init"), "{e}");
    let e = error_message(&d, "StateDecodeParams", json!(["t01", 2, "AAEC", null])).await;
    assert!(e.contains("decoding params of Exec"), "{e}");
    let e = error_message(
        &d,
        "StateEncodeParams",
        json!([paych_code, 1, {"From": "not an address"}]),
    )
    .await;
    assert!(e.contains("field From"), "{e}");
}

fn base64_decode(s: &str) -> Vec<u8> {
    use base64::Engine;
    base64::engine::general_purpose::STANDARD.decode(s).unwrap()
}
