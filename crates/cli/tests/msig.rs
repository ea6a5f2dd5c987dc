//! A 2-of-3 multisig on an FVM devnet (the official testing-fake-proofs actors):
//! `padma msig create` with a vesting schedule, funded, a transfer proposed by one
//! signer and approved by a second; the vesting schedule holds back a transfer larger
//! than what has unlocked (the node refuses to push an approval that would fail); a
//! wrong proposal hash is refused; the proposer cancels
//! through the v0 API; a signer is added by proposal and approval.

#![allow(clippy::unwrap_used, clippy::indexing_slicing)] // test code: a panic is a failed test

use padma_state::code::{ActorKind, CodeSet};
use padma_testkit::{call, free_port, mock_devnet_command, Daemon};
use serde_json::{json, Value};
use std::time::Duration;

const FIL: u128 = 1_000_000_000_000_000_000;
const DURATION: u128 = 400;
const INITIAL: u128 = 100 * FIL;

async fn wait_msg(d: &Daemon, cid: &str) -> Value {
    d.rpc("StateWaitMsg", json!([{ "/": cid }, 1, 200, true]))
        .await
}

/// Locked at `epoch` by the actor's rule: ceil(initial × remaining / duration).
fn locked(epoch: u128) -> u128 {
    if epoch >= DURATION {
        return 0;
    }
    (INITIAL * (DURATION - epoch)).div_ceil(DURATION)
}

fn atto(v: &Value) -> u128 {
    v.as_str().unwrap().parse().unwrap()
}

async fn id_of(d: &Daemon, a: &str) -> String {
    d.rpc("StateLookupID", json!([a, null]))
        .await
        .as_str()
        .unwrap()
        .to_string()
}

fn line_after<'a>(out: &'a str, prefix: &str) -> &'a str {
    out.lines()
        .find_map(|l| l.strip_prefix(prefix))
        .unwrap_or_else(|| panic!("no '{prefix}' in:\n{out}"))
        .trim()
}

#[tokio::test(flavor = "multi_thread")]
async fn a_two_of_three_multisig_with_vesting_on_the_fvm() {
    let dir = tempfile::tempdir().unwrap();
    let mut d = Daemon::devnet_from(
        mock_devnet_command(dir.path(), free_port(), 1),
        dir.path(),
        dir.path(),
    );
    padma_testkit::chains::wait_height(&mut d, 2, Duration::from_secs(120)).await;

    // Three signers, funded for gas.
    let signers: Vec<String> = (0..3).map(|_| d.cli_ok(&["wallet", "new"])).collect();
    let funding: Vec<String> = signers
        .iter()
        .map(|s| {
            let out = d.cli_ok(&["send", s, "10"]);
            out.lines().last().unwrap().to_string()
        })
        .collect();
    for cid in &funding {
        assert_eq!(wait_msg(&d, cid).await["Receipt"]["ExitCode"], 0);
    }
    let ids = [
        id_of(&d, &signers[0]).await,
        id_of(&d, &signers[1]).await,
        id_of(&d, &signers[2]).await,
    ];

    // Bad input is refused before anything is sent.
    let bad = d.cli(&[
        "msig",
        "create",
        "--required",
        "4",
        &signers[0],
        &signers[1],
    ]);
    assert!(!bad.status.success());
    assert!(
        String::from_utf8_lossy(&bad.stderr).contains("cannot require signing from more"),
        "{}",
        String::from_utf8_lossy(&bad.stderr)
    );

    // Create: 2 of 3, 100 FIL unlocking over 400 epochs from epoch 0.
    let out = d.cli_ok(&[
        "msig",
        "create",
        "--required",
        "2",
        "--value",
        "100",
        "--duration",
        "400",
        "--confidence",
        "1",
        &signers[0],
        &signers[1],
        &signers[2],
    ]);
    assert!(out.contains("sent create in message:"), "{out}");
    let created: Vec<&str> = line_after(&out, "Created new multisig:")
        .split_whitespace()
        .collect();
    let (msig, robust) = (created[0].to_string(), created[1].to_string());
    assert!(msig.starts_with("t0"), "{out}");
    assert!(robust.starts_with("t2"), "{out}");
    assert_eq!(id_of(&d, &robust).await, msig);

    let st = d.rpc("StateReadState", json!([msig, null])).await;
    assert_eq!(
        st["Code"]["/"],
        CodeSet::FakeProofs.code(ActorKind::Multisig).to_string()
    );
    assert_eq!(st["State"]["NumApprovalsThreshold"], 2);
    assert_eq!(st["State"]["Signers"], json!(ids));
    assert_eq!(atto(&st["Balance"]), INITIAL);
    let vesting = d.rpc("MsigGetVestingSchedule", json!([msig, null])).await;
    assert_eq!(
        vesting,
        json!({"InitialBalance": INITIAL.to_string(), "StartEpoch": 0, "UnlockDuration": 400})
    );

    // The spendable balance follows the linear unlock, at two tipsets.
    let head = d.rpc("ChainHead", json!([])).await;
    let h = head["Height"].as_u64().unwrap() as u128;
    let avail = d
        .rpc("MsigGetAvailableBalance", json!([msig, head["Cids"]]))
        .await;
    assert_eq!(atto(&avail), INITIAL - locked(h));
    let early = d.rpc("ChainGetTipSetByHeight", json!([1, null])).await;
    let vested = d
        .rpc("MsigGetVested", json!([msig, early["Cids"], head["Cids"]]))
        .await;
    assert_eq!(atto(&vested), locked(1) - locked(h));
    let inspect = d.cli_ok(&["msig", "inspect", "--vesting", &msig]);
    assert!(inspect.contains("Threshold: 2 / 3"), "{inspect}");
    assert!(inspect.contains("UnlockDuration: 400"), "{inspect}");
    assert!(inspect.contains("Transactions:  0"), "{inspect}");

    // Signer 0 proposes 1 FIL to a new address; signer 1 approves; it executes.
    let recipient = d.cli_ok(&["wallet", "new"]);
    let out = d.cli_ok(&[
        "msig",
        "propose",
        "--from",
        &signers[0],
        "--confidence",
        "1",
        &msig,
        &recipient,
        "1",
    ]);
    assert_eq!(line_after(&out, "Transaction ID:"), "0", "{out}");
    let pending = d.rpc("MsigGetPending", json!([msig, null])).await;
    assert_eq!(pending.as_array().unwrap().len(), 1, "{pending}");
    assert_eq!(pending[0]["ID"], 0);
    assert_eq!(pending[0]["To"], recipient.as_str());
    assert_eq!(pending[0]["Value"], FIL.to_string());
    assert_eq!(pending[0]["Approved"], json!([ids[0]]));
    let inspect = d.cli_ok(&["msig", "inspect", &msig]);
    assert!(inspect.contains("Transactions:  1"), "{inspect}");
    let out = d.cli_ok(&[
        "msig",
        "approve",
        "--from",
        &signers[1],
        "--confidence",
        "1",
        &msig,
        "0",
    ]);
    assert!(
        out.contains("Transaction was executed during approve"),
        "{out}"
    );
    assert!(out.contains("Exit Code: 0"), "{out}");
    let got = d.rpc("StateGetActor", json!([recipient, null])).await;
    assert_eq!(atto(&got["Balance"]), FIL);
    assert_eq!(
        d.rpc("MsigGetPending", json!([msig, null])).await,
        json!([])
    );

    // 90 FIL is more than has unlocked: the approval that would execute it fails with
    // the actor's insufficient-funds code and the proposal stays pending.
    let out = d.cli_ok(&[
        "msig",
        "propose",
        "--from",
        &signers[1],
        "--confidence",
        "1",
        &msig,
        &recipient,
        "90",
    ]);
    assert_eq!(line_after(&out, "Transaction ID:"), "1", "{out}");
    // A proposal hash that does not match (wrong value) is refused: illegal argument.
    let wrong = d.cli(&[
        "msig",
        "approve",
        "--from",
        &signers[2],
        "--confidence",
        "1",
        &msig,
        "1",
        &signers[1],
        &recipient,
        "89",
    ]);
    assert!(!wrong.status.success());
    // Gas estimation runs the approval, so the node refuses to push it (as Lotus).
    let err = String::from_utf8_lossy(&wrong.stderr);
    assert!(err.contains("hash does not match proposal params"), "{err}");
    assert!(err.contains("exit=[16]"), "{err}");
    // The right hash passes the check and meets the vesting schedule.
    let locked_out = d.cli(&[
        "msig",
        "approve",
        "--from",
        &signers[2],
        "--confidence",
        "1",
        &msig,
        "1",
        &signers[1],
        &recipient,
        "90",
    ]);
    assert!(!locked_out.status.success());
    let err = String::from_utf8_lossy(&locked_out.stderr);
    assert!(err.contains("exit=[19]"), "{err}");
    assert!(err.contains("less than required locked amount"), "{err}");
    let pending = d.rpc("MsigGetPending", json!([msig, null])).await;
    assert_eq!(pending[0]["ID"], 1, "{pending}");
    assert_eq!(pending[0]["Approved"], json!([ids[1]]));

    // The proposer cancels it through the v0 API (v0 MsigCancel carries the details).
    let cid = d
        .rpc_on(
            "v0",
            "MsigCancel",
            json!([
                msig,
                1,
                recipient,
                (90 * FIL).to_string(),
                signers[1],
                0,
                null
            ]),
        )
        .await;
    let lookup = wait_msg(&d, cid["/"].as_str().unwrap()).await;
    assert_eq!(lookup["Receipt"]["ExitCode"], 0, "{lookup}");
    assert_eq!(
        d.rpc("MsigGetPending", json!([msig, null])).await,
        json!([])
    );

    // A fourth signer, proposed by signer 0 and approved (with the hash) by signer 2.
    let fourth = d.cli_ok(&["wallet", "new"]);
    let out = d.cli_ok(&[
        "msig",
        "add-propose",
        "--from",
        &signers[0],
        "--confidence",
        "1",
        &msig,
        &fourth,
    ]);
    let txn = line_after(&out, "Transaction ID:").to_string();
    let out = d.cli_ok(&[
        "msig",
        "add-approve",
        "--from",
        &signers[2],
        "--confidence",
        "1",
        &msig,
        &signers[0],
        &txn,
        &fourth,
        "false",
    ]);
    assert!(out.contains("Exit Code: 0"), "{out}");
    let st = d.rpc("StateReadState", json!([msig, null])).await;
    assert_eq!(st["State"]["Signers"].as_array().unwrap().len(), 4, "{st}");
    assert_eq!(st["State"]["NumApprovalsThreshold"], 2);

    // The v1 builders answer a prototype with the nonce left to the push.
    let proto = d
        .rpc(
            "MsigPropose",
            json!([msig, recipient, "1", signers[0], 0, null]),
        )
        .await;
    assert_eq!(proto["ValidNonce"], false);
    assert_eq!(proto["Message"]["To"], msig.as_str());
    assert_eq!(proto["Message"]["Method"], 2);
    // Reading a non-multisig as one is a clear error.
    let not = call(
        &d.url("v1"),
        Some(&d.admin),
        "MsigGetPending",
        json!([recipient, null]),
    )
    .await;
    assert!(
        not["error"]["message"]
            .as_str()
            .unwrap()
            .contains("is not a multisig actor"),
        "{not}"
    );
}
