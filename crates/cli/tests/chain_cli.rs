//! The Lotus client commands (`send`, `chain`, `mpool`, `state`, `sync`) run as real
//! `padma` processes against a daemon serving a made genesis, and their refusals of bad
//! input. Tests of commands whose RPC methods need the chain service (the message pool,
//! message search, sync state) run against a node that serves them; the message search
//! runs against a `padma devnet` whose miner includes the message.

#![allow(clippy::unwrap_used, clippy::indexing_slicing, clippy::string_slice)] // test code: a panic is a failed test

mod common;

use common::*;
use padma_state::actors::method;
use padma_testkit::*;
use serde_json::{json, Value};
use std::io::{BufRead, BufReader};
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

/// A daemon on a fresh genesis (made at `timestamp`) with the owner key imported as the
/// wallet default. Returns the daemon, the owner address and the temp dir holding both.
fn genesis_daemon(timestamp: u64) -> (Daemon, String, tempfile::TempDir) {
    let dir = tempfile::tempdir().unwrap();
    let template = dir.path().join("localnet.json");
    let owner = write_lotus_template(&template, "localnet-padma-cli-test", timestamp);
    let car = dir.path().join("devgen.car");
    let repo = dir.path().join("repo");
    let d = Daemon::start_args(
        &repo,
        &[
            "--make-genesis",
            car.to_str().unwrap(),
            "--genesis-template",
            template.to_str().unwrap(),
        ],
    );
    let key_file = dir.path().join("owner.key");
    let key_json =
        serde_json::to_string(&padma_types::json::KeyInfoJson::from(&template_owner_key()));
    std::fs::write(&key_file, key_json.unwrap()).unwrap();
    let out = d.cli_ok(&[
        "wallet",
        "import",
        "--as-default",
        key_file.to_str().unwrap(),
    ]);
    assert!(out.contains(&owner), "{out}");
    (d, owner, dir)
}

fn now() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs()
}

/// Runs the CLI against `d` in UTC (for `chain list`'s times).
fn cli_utc(d: &Daemon, args: &[&str]) -> Output {
    d.cli_command(args).env("TZ", "UTC").output().unwrap()
}

fn stdout_of(out: &Output) -> String {
    String::from_utf8_lossy(&out.stdout).to_string()
}

/// Asserts that the CLI failed cleanly (status 1, no panic) with `needle` in its stderr.
fn assert_refused(out: &Output, needle: &str, what: &str) {
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(
        out.status.code(),
        Some(1),
        "{what}: expected exit code 1; stderr: {err}; stdout: {}",
        stdout_of(out)
    );
    assert!(!err.contains("panicked"), "{what}: panicked: {err}");
    assert!(
        err.to_lowercase().contains(&needle.to_lowercase()),
        "{what}: expected '{needle}' in stderr: {err}"
    );
}

fn b64_to_hex(v: &Value) -> String {
    use base64::Engine;
    let bytes = base64::engine::general_purpose::STANDARD
        .decode(v.as_str().unwrap_or(""))
        .unwrap();
    hex::encode(bytes)
}

#[tokio::test(flavor = "multi_thread")]
async fn read_only_commands_on_a_genesis() {
    let (d, owner, _dir) = genesis_daemon(1_700_000_000);

    // wallet default
    assert_eq!(d.cli_ok(&["wallet", "default"]), owner);

    // chain head
    let head = d.rpc("ChainHead", json!([])).await;
    let gcid = head["Cids"][0]["/"].as_str().unwrap().to_string();
    assert_eq!(d.cli_ok(&["chain", "head"]), gcid);
    assert_eq!(d.cli_ok(&["chain", "head", "--height"]), "0");

    // chain get-block: Lotus's header JSON.
    let block = d.rpc("ChainGetBlock", json!([{"/": gcid}])).await;
    let raw: Value =
        serde_json::from_str(&d.cli_ok(&["chain", "get-block", "--raw", &gcid])).unwrap();
    assert_eq!(raw, block);
    let full: Value = serde_json::from_str(&d.cli_ok(&["chain", "getblock", &gcid])).unwrap();
    for (k, v) in block.as_object().unwrap() {
        assert_eq!(&full[k], v, "get-block field {k}");
    }
    let unknown = "bafy2bzacecmda75ovposbdateg7eyhwij65zklgyijgcjwynlklmqazpwlhba";
    assert_refused(
        &d.cli(&["chain", "get-block", unknown]),
        "get block failed",
        "unknown block",
    );

    // chain get-message: a message object put into the store reads back as Lotus JSON.
    let mj: padma_types::json::MessageJson = serde_json::from_value(json!({
        "Version": 0, "To": "t01000", "From": owner, "Nonce": 7, "Value": "1234",
        "GasLimit": 1_000_000, "GasFeeCap": "100", "GasPremium": "10", "Method": 2, "Params": null
    }))
    .unwrap();
    let msg = fvm_shared::message::Message::from(mj);
    let bytes = padma_types::message::message_cbor(&msg);
    let mcid = padma_types::message::message_cid(&msg).to_string();
    use base64::Engine;
    // ChainPutObj returns nothing (void, as in Lotus); the CID is the object's.
    d.rpc(
        "ChainPutObj",
        json!([{"RawData": base64::engine::general_purpose::STANDARD.encode(&bytes)}]),
    )
    .await;
    for name in ["get-message", "getmessage", "get-msg"] {
        let m: Value = serde_json::from_str(&d.cli_ok(&["chain", name, &mcid])).unwrap();
        assert_eq!(m["CID"]["/"], mcid);
        assert_eq!(m["From"], owner);
        assert_eq!(m["To"], "t01000");
        assert_eq!(m["Nonce"], 7);
        assert_eq!(m["Value"], "1234");
        assert_eq!(m["Method"], 2);
        assert_eq!(m["GasLimit"], 1_000_000);
        assert_eq!(m["GasFeeCap"], "100");
        assert_eq!(m["GasPremium"], "10");
    }
    // The genesis block is an object but not a message.
    assert_refused(
        &d.cli(&["chain", "get-message", &gcid]),
        "failed to decode object as a message",
        "block as message",
    );

    // chain list: Lotus's `EPOCH: (TIME) [ CID: MINER, ]`, time.Stamp in local time.
    let out = cli_utc(&d, &["chain", "list"]);
    assert!(out.status.success());
    assert_eq!(
        stdout_of(&out),
        format!("0: (Nov 14 22:13:20) [ {gcid}: t00, ]\n")
    );
    let out = cli_utc(&d, &["chain", "list", "--count", "0"]);
    assert!(out.status.success());
    assert_eq!(stdout_of(&out), "");
    let out = cli_utc(
        &d,
        &["chain", "love", "--format", "<epoch> <tipset> <weight>"],
    );
    assert_eq!(
        stdout_of(&out),
        format!("0 {gcid} {}\n", block["ParentWeight"].as_str().unwrap())
    );

    // state actor (alias get-actor), also at an explicit tipset.
    let actor = d.rpc("StateGetActor", json!(["t0100", null])).await;
    let out = d.cli_ok(&["state", "actor", "t0100"]);
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(lines[0], "Address:\tt0100");
    assert!(lines[1].starts_with("Balance:\t") && lines[1].ends_with(" FIL"));
    let bal_fil = d.cli_ok(&["wallet", "balance", &owner]);
    assert_eq!(lines[1], format!("Balance:\t{bal_fil}"));
    assert_eq!(lines[2], "Nonce:\t\t0");
    assert_eq!(
        lines[3],
        format!(
            "Code:\t\t{} (fil/18/account)",
            actor["Code"]["/"].as_str().unwrap()
        )
    );
    assert_eq!(
        lines[4],
        format!("Head:\t\t{}", actor["Head"]["/"].as_str().unwrap())
    );
    assert_eq!(lines.len(), 5);
    assert_eq!(
        d.cli_ok(&["state", "--tipset", &gcid, "get-actor", "t0100"]),
        out
    );
    assert_eq!(
        d.cli_ok(&["state", "get-actor", "t0100", "--tipset", "@head"]),
        out
    );
    let miner = d.cli_ok(&["state", "actor", "f01000"]);
    assert!(miner.contains("(fil/18/storageminer)"), "{miner}");
    assert!(miner.starts_with("Address:\tf01000"), "{miner}");
    assert_refused(
        &d.cli(&["state", "actor", "t3wmuu6crofhqmm3v4enos73okk2l366ck6yc4owxwbdtkmpk42ohkqxfitcpa57pjdcftql4tojda2poeruwa"]),
        "actor not found",
        "missing actor",
    );

    // state lookup
    assert_eq!(d.cli_ok(&["state", "lookup", &owner]), "t0100");
    assert_eq!(d.cli_ok(&["state", "lookup", "t0100"]), "t0100");
    assert_eq!(d.cli_ok(&["state", "lookup", "--reverse", "t0100"]), owner);
    let robust = d.cli_ok(&["state", "lookup", "-r", "t01000"]);
    assert!(robust.starts_with("t2"), "{robust}");
    assert_eq!(d.cli_ok(&["state", "lookup", &robust]), "t01000");
    assert_refused(
        &d.cli(&["state", "lookup", "t3wmuu6crofhqmm3v4enos73okk2l366ck6yc4owxwbdtkmpk42ohkqxfitcpa57pjdcftql4tojda2poeruwa"]),
        "actor not found",
        "lookup of a missing actor",
    );

    // state miner-info
    let info = d.cli_ok(&["state", "miner-info", "t01000"]);
    let avail = d
        .rpc("StateMinerAvailableBalance", json!(["t01000", null]))
        .await;
    let expect_start = [
        format!(
            "Available Balance: {}",
            padma_types::fil::format_fil(avail.as_str().unwrap())
        ),
        "Owner:\tt0100".into(),
        "Worker:\tt0100".into(),
        "Beneficiary:\tt0100".into(),
        "PeerID:\t12D3KooWGzxzKZYveHXtpG6AsrUJBcWxHBFS2HsEoGTxrMLvKXtf".into(),
        "Multiaddrs:\t".into(),
        "Consensus Fault End:\t-1".into(),
        "SectorSize:\t2 KiB (2048)".into(),
        "Byte Power:   4 KiB / 4 KiB (100.0000%)".into(),
        "Actual Power: 40 Ki / 40 Ki (100.0000%)".into(),
        String::new(),
    ];
    let lines: Vec<&str> = info.lines().collect();
    assert_eq!(
        lines[..expect_start.len()],
        expect_start.iter().map(String::as_str).collect::<Vec<_>>()[..],
        "{info}"
    );
    let dl = d
        .rpc("StateMinerProvingDeadline", json!(["t01000", null]))
        .await;
    let start = dl["PeriodStart"].as_i64().unwrap();
    assert!(
        lines[expect_start.len()].starts_with(&format!("Proving Period Start:\t{start} (")),
        "{info}"
    );
    assert_refused(
        &d.cli(&["state", "miner-info", "t0100"]),
        "not a storage miner",
        "miner-info of an account",
    );

    // state power
    assert_eq!(d.cli_ok(&["state", "power"]), "40960(40 KiB)");
    assert_eq!(
        d.cli_ok(&["state", "power", "t01000"]),
        "40960(40 KiB) / 40960(40 KiB) ~= 100.0000%"
    );
    assert_refused(
        &d.cli(&["state", "power", "t0100"]),
        "does not correspond to a miner actor",
        "power of an account",
    );

    // state list-miners
    assert_eq!(d.cli_ok(&["state", "list-miners"]), "t01000");

    // state call: ControlAddresses on the miner, a plain send, a send to nowhere.
    let get = json!({"To": "t01000", "From": owner, "Value": "0", "Method": method::miner::CONTROL_ADDRESSES, "Params": null});
    let r = d.rpc("StateCall", json!([get, null])).await;
    let out = d.cli_ok(&["state", "call", "--from", &owner, "--method", "2", "t01000"]);
    assert_eq!(
        out,
        format!(
            "Call receipt:\nExit code: 0\nGas Used: {}\nReturn: \n{}",
            r["MsgRct"]["GasUsed"],
            b64_to_hex(&r["MsgRct"]["Return"])
        )
    );
    // Lotus's positional form: TO METHOD.
    assert_eq!(
        d.cli_ok(&["state", "call", "--from", &owner, "t01000", "2"]),
        out
    );
    let fresh = "t1ypi542zmmgaltijzw4byonei5c267ev5iif2liy";
    let out = d.cli_ok(&["state", "call", "--from", &owner, "--value", "0.5", fresh]);
    assert!(out.starts_with("Call receipt:\nExit code: 0\n"), "{out}");
    assert_eq!(d.rpc("WalletBalance", json!([fresh])).await, "0");
    assert_refused(
        &d.cli(&[
            "state",
            "call",
            "--from",
            &owner,
            "--value",
            "1 attofil",
            "t01234",
        ]),
        "invocation failed (exit: 5",
        "call to a missing actor",
    );
}

#[test]
fn bad_input_is_refused_cleanly() {
    // No node runs on this repo: input is checked before the node is contacted.
    let dir = tempfile::tempdir().unwrap();
    let run = |args: &[&str]| -> Output {
        Command::new(padma())
            .arg("--repo")
            .arg(dir.path())
            .args(args)
            .env_remove("FULLNODE_API_INFO")
            .output()
            .unwrap()
    };
    let cid = "bafy2bzacecmda75ovposbdateg7eyhwij65zklgyijgcjwynlklmqazpwlhba";
    let cases: &[(&[&str], &str)] = &[
        // send
        (&["send", "nope", "1"], "failed to parse target address"),
        (&["send", "t01000", "abc"], "failed to parse amount"),
        (&["send", "t01000", "1 btc"], "unrecognized suffix"),
        (
            &["send", "t01000", "0.0000000000000000001"],
            "invalid FIL value",
        ),
        (&["send", "t01000", "-1"], "must not be negative"),
        (&["send", "--from", "t9zz", "t01000", "1"], "--from"),
        (
            &["send", "--gas-premium", "x", "t01000", "1"],
            "--gas-premium",
        ),
        (
            &["send", "--gas-feecap", "-5", "t01000", "1"],
            "--gas-feecap",
        ),
        (&["send", "--gas-limit", "-5", "t01000", "1"], "--gas-limit"),
        (
            &["send", "--gas-limit", "lots", "t01000", "1"],
            "invalid value",
        ),
        (
            &["send", "--nonce", "-1", "t01000", "1"],
            "unexpected argument",
        ),
        (&["send", "--method", "x", "t01000", "1"], "invalid value"),
        (
            &["send", "--params-hex", "zz", "t01000", "1"],
            "failed to decode hex params",
        ),
        (
            &["send", "--params-json", "{", "t01000", "1"],
            "failed to decode json params",
        ),
        (
            &[
                "send",
                "--params-json",
                "{}",
                "--params-hex",
                "00",
                "t01000",
                "1",
            ],
            "cannot be used with",
        ),
        (&["send", "t01000"], "required"),
        // chain
        (&["chain", "get-block", "bafyNOT"], "invalid CID"),
        (&["chain", "get-block"], "required"),
        (&["chain", "get-message", "xyz"], "invalid CID"),
        (&["chain", "list", "--height", "abc"], "invalid value"),
        (&["chain", "list", "--count", "many"], "invalid value"),
        (&["chain", "nosuch"], "unrecognized subcommand"),
        // mpool
        (&["mpool", "pending", "--from", "bad"], "was invalid"),
        (&["mpool", "pending", "--to", "t0x"], "was invalid"),
        (&["mpool", "nonce", "t4"], "invalid address"),
        (&["mpool", "nonce"], "required"),
        // state
        (&["state", "actor", "f0-1"], "invalid address"),
        (&["state", "get-actor", ""], "invalid address"),
        (&["state", "lookup", "x01"], "invalid address"),
        (&["state", "lookup", "-r", "t1zz"], "invalid address"),
        (&["state", "miner-info", "t0abc"], "invalid address"),
        (&["state", "power", "miner"], "invalid address"),
        (&["state", "wait-msg", "nope"], "invalid CID"),
        (
            &["state", "wait-msg", "--timeout", "soon", cid],
            "--timeout",
        ),
        (&["state", "search-msg", "bafy"], "invalid CID"),
        (&["state", "call", "t0zz"], "given 'to' address"),
        (
            &["state", "call", "--from", "me", "t01000"],
            "given 'from' address",
        ),
        (
            &["state", "call", "--value", "lots", "t01000"],
            "failed to parse 'value'",
        ),
        (
            &["state", "call", "t01000", "two"],
            "must pass method as a number",
        ),
        (
            &["state", "call", "--params-hex", "0g", "t01000"],
            "decoding hex value",
        ),
        (
            &["state", "call", "t01000", "2", "!!"],
            "decoding base64 value",
        ),
        (
            &["state", "call", "--encoding", "b32", "t01000", "2", "AA"],
            "unrecognized encoding",
        ),
        (&["state", "--tipset", "notacid", "list-miners"], "--tipset"),
        (
            &["state", "--tipset", "@tomorrow", "list-miners"],
            "parsing height tipset ref",
        ),
        (&["state", "list-miners", "--tipset", ","], "--tipset"),
        // sync
        (&["sync", "status", "extra"], "unexpected argument"),
        (&["sync", "wait", "--watch=maybe"], "unexpected value"),
    ];
    for (args, needle) in cases {
        assert_refused(&run(args), needle, &format!("{args:?}"));
    }
    // Without a node, a valid command says it cannot find one (exit 1, no panic).
    let out = run(&["chain", "head"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(!String::from_utf8_lossy(&out.stderr).contains("panicked"));
    // Help is not an error.
    assert!(run(&["state", "--help"]).status.success());
}

// ---- Commands that need the chain service (message pool, search, sync state). ----

/// Polls `f` every 200 ms until it returns Some, or panics after `secs`.
fn eventually<T>(secs: u64, what: &str, mut f: impl FnMut() -> Option<T>) -> T {
    let deadline = Instant::now() + Duration::from_secs(secs);
    loop {
        if let Some(v) = f() {
            return v;
        }
        assert!(Instant::now() < deadline, "timed out: {what}");
        std::thread::sleep(Duration::from_millis(200));
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn send_lands_in_the_mpool() {
    let (d, owner, _dir) = genesis_daemon(now());
    let fresh = "t1ypi542zmmgaltijzw4byonei5c267ev5iif2liy";

    // send: Lotus's three lines, then the signed message CID.
    let out = d.cli_ok(&["send", fresh, "1.5"]);
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(lines[0], format!("Sending message from: {owner}"));
    assert_eq!(lines[1], format!("Sending message to: {fresh}"));
    assert_eq!(lines[2], "Using Method: 0");
    let cid = lines[3].to_string();
    assert!(cid.starts_with("bafy2bza"), "{out}");

    // mpool pending: the message, as SignedMessage JSON.
    let pending = d.rpc("MpoolPending", json!([[]])).await;
    let ours = pending
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["CID"]["/"] == cid.as_str())
        .cloned()
        .expect("the sent message is pending");
    assert_eq!(ours["Message"]["Value"], "1500000000000000000");
    assert_eq!(ours["Message"]["Nonce"], 0);
    assert_eq!(ours["Message"]["From"], owner);
    assert_eq!(ours["Signature"]["Type"], 2);
    let text = d.cli_ok(&["mpool", "pending"]);
    let printed: Value = serde_json::from_str(&text).unwrap();
    assert_eq!(printed, ours);
    assert_eq!(text, serde_json::to_string_pretty(&ours).unwrap());
    assert_eq!(d.cli_ok(&["mpool", "pending", "--cids"]), cid);
    assert_eq!(d.cli_ok(&["mpool", "pending", "--local", "--cids"]), cid);
    assert_eq!(
        d.cli_ok(&["mpool", "pending", "--cids", "--from", &owner]),
        cid
    );
    assert_eq!(
        d.cli_ok(&["mpool", "pending", "--cids", "--to", fresh]),
        cid
    );
    assert_eq!(
        d.cli_ok(&["mpool", "pending", "--cids", "--from", fresh]),
        ""
    );

    // mpool nonce counts the pending message.
    assert_eq!(d.cli_ok(&["mpool", "nonce", &owner]), "1");
    assert_eq!(d.cli_ok(&["mpool", "nonce", fresh]), "0");

    // Explicit gas values and a method are carried into the message.
    let out = d.cli_ok(&[
        "send",
        "--gas-premium",
        "1000",
        "--gas-feecap",
        "200000",
        "--gas-limit",
        "3000000",
        "--from",
        &owner,
        fresh,
        "7 attofil",
    ]);
    let cid2 = out.lines().last().unwrap().to_string();
    let pending = d.rpc("MpoolPending", json!([[]])).await;
    let second = pending
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["CID"]["/"] == cid2.as_str())
        .cloned()
        .expect("the second message is pending");
    assert_eq!(second["Message"]["Nonce"], 1);
    assert_eq!(second["Message"]["Value"], "7");
    assert_eq!(second["Message"]["GasPremium"], "1000");
    assert_eq!(second["Message"]["GasFeeCap"], "200000");
    assert_eq!(second["Message"]["GasLimit"], 3000000);

    // --nonce signs locally and pushes with MpoolPush.
    let out = d.cli_ok(&["send", "--nonce", "2", fresh, "0.1"]);
    let cid3 = out.lines().last().unwrap().to_string();
    let pending = d.rpc("MpoolPending", json!([[]])).await;
    assert!(pending
        .as_array()
        .unwrap()
        .iter()
        .any(|m| m["CID"]["/"] == cid3.as_str() && m["Message"]["Nonce"] == 2));
    assert_eq!(d.cli_ok(&["mpool", "nonce", &owner]), "3");

    // More than the sender holds is refused by the node, cleanly.
    assert_refused(
        &d.cli(&["send", fresh, "100000000"]),
        "",
        "sending more than the balance",
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn mpool_sub_streams_until_ctrl_c() {
    let (d, _owner, _dir) = genesis_daemon(now());
    /// Kills the subscriber if the test fails before it is stopped.
    struct KillOnDrop(std::process::Child);
    impl Drop for KillOnDrop {
        fn drop(&mut self) {
            let _ = self.0.kill();
            let _ = self.0.wait();
        }
    }
    let mut sub = d
        .cli_command(&["mpool", "sub"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let stdout = sub.stdout.take().unwrap();
    let mut sub = KillOnDrop(sub);
    let (tx, rx) = std::sync::mpsc::channel::<String>();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            if tx.send(line).is_err() {
                return;
            }
        }
    });
    // Give the subscription a moment to open, then send.
    std::thread::sleep(Duration::from_secs(1));
    let fresh = "t1ypi542zmmgaltijzw4byonei5c267ev5iif2liy";
    let cid = d
        .cli_ok(&["send", fresh, "1"])
        .lines()
        .last()
        .unwrap()
        .to_string();
    let mut text = String::new();
    eventually(30, "the MpoolSub update", || {
        while let Ok(line) = rx.try_recv() {
            text.push_str(&line);
            text.push('\n');
        }
        text.contains(&cid).then_some(())
    });
    // Pretty JSON of an MpoolUpdate {Type: 0 (add), Message: SignedMessage}.
    assert!(
        text.starts_with("{\n  \"Type\": 0,\n  \"Message\": {"),
        "{text}"
    );
    unsafe { libc::kill(sub.0.id() as i32, libc::SIGINT) };
    let status = eventually(10, "mpool sub to exit on Ctrl-C", || {
        sub.0.try_wait().unwrap()
    });
    assert!(status.success(), "{status}");
}

#[tokio::test(flavor = "multi_thread")]
async fn wait_and_search_msg_report_the_receipt() {
    // A devnet: its genesis miner includes the message in a block.
    let dir = tempfile::tempdir().unwrap();
    let d = Daemon::devnet(dir.path(), 1);
    let fresh = "t1ypi542zmmgaltijzw4byonei5c267ev5iif2liy";
    let cid = d
        .cli_ok(&["send", fresh, "2"])
        .lines()
        .last()
        .unwrap()
        .to_string();
    let out = d.cli_ok(&["state", "wait-msg", "--timeout", "5m", &cid]);
    let lines: Vec<&str> = out.lines().collect();
    assert!(lines[0].starts_with("Executed in tipset: [bafy"), "{out}");
    assert_eq!(lines[1], "Exit Code: 0");
    assert!(lines[2].starts_with("Gas Used: "), "{out}");
    assert_eq!(
        lines[3].trim_end(),
        "Return:",
        "the last line (trimmed by cli_ok)"
    );
    let searched = d.cli_ok(&["state", "search-msg", &cid]);
    assert_eq!(searched, out);
    assert_eq!(
        d.cli_ok(&["wallet", "balance", fresh]),
        "2 FIL",
        "the send landed"
    );
    // The message is on chain: chain get-message prints it.
    // (A secp message is printed as the signed message; the prefix follows the node.)
    let m: Value = serde_json::from_str(&d.cli_ok(&["chain", "get-message", &cid])).unwrap();
    let to = m["Message"]["To"].as_str().unwrap_or_default();
    assert_eq!(to.get(1..), fresh.get(1..), "{m}");
    // chain list walks back from the head with ChainGetTipSet, oldest first.
    let out = cli_utc(&d, &["chain", "list", "--count", "3"]);
    let text = stdout_of(&out);
    let heights: Vec<i64> = text
        .lines()
        .map(|l| l.split(':').next().unwrap().parse().unwrap())
        .collect();
    assert!(heights.windows(2).all(|w| w[0] < w[1]), "{text}");
    // A message nobody sent is not found.
    let missing = "bafy2bzacea5ainifngxj3rygaw2hppnyz2cw72x5pysqty2x6dxmjs5qg2uus";
    assert_refused(
        &d.cli(&["state", "search-msg", missing]),
        &format!("failed to find message: {missing}"),
        "search for an unknown message",
    );
    // As Lotus: waiting for a message the node has never seen fails at once.
    let out = d.cli(&["state", "wait-msg", "--timeout", "2s", missing]);
    assert_refused(
        &out,
        "failed to load message",
        "wait for an unknown message",
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn search_msg_of_an_unknown_message_fails() {
    let (d, _owner, _dir) = genesis_daemon(1_700_000_000);
    let missing = "bafy2bzacea5ainifngxj3rygaw2hppnyz2cw72x5pysqty2x6dxmjs5qg2uus";
    assert_refused(
        &d.cli(&["state", "search-msg", missing]),
        &format!("failed to find message: {missing}"),
        "search for an unknown message",
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn tipsets_by_height() {
    let (d, _owner, _dir) = genesis_daemon(1_700_000_000);
    let head = d.rpc("ChainHead", json!([])).await;
    let gcid = head["Cids"][0]["/"].as_str().unwrap().to_string();
    let out = cli_utc(&d, &["chain", "list", "--height", "0"]);
    assert_eq!(
        stdout_of(&out),
        format!("0: (Nov 14 22:13:20) [ {gcid}: t00, ]\n")
    );
    assert_eq!(
        d.cli_ok(&["state", "--tipset", "@0", "actor", "t0100"]),
        d.cli_ok(&["state", "actor", "t0100"])
    );
    assert_eq!(
        d.cli_ok(&["state", "--tipset", "@0", "list-miners"]),
        "t01000"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn sync_status_and_wait() {
    // A template without a timestamp: the genesis gets the time it is finished, so the
    // head is within a couple of epochs of wall-clock time.
    let (d, _owner, _dir) = genesis_daemon(0);
    let out = d.cli_ok(&["sync", "status"]);
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(lines[0], "sync status:");
    assert!(
        lines[1].starts_with("worker ") && lines[1].ends_with(':'),
        "{out}"
    );
    assert!(lines[2].starts_with("\tBase:\t["), "{out}");
    assert!(lines[3].starts_with("\tTarget:\t["), "{out}");
    assert!(lines[4].starts_with("\tHeight diff:\t"), "{out}");
    assert!(lines[5].starts_with("\tStage: "), "{out}");
    assert!(lines[6].starts_with("\tHeight: "), "{out}");

    let started = Instant::now();
    let out = d.cli_ok(&["sync", "wait"]);
    assert!(out.ends_with("Done!"), "{out}");
    assert!(out.contains("Worker: "), "{out}");
    assert!(started.elapsed() < Duration::from_secs(30));
}
