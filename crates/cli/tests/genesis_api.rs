//! A genesis made by `padma daemon --make-genesis`, written, reloaded with
//! `--genesis` and served by real daemon processes, read back over JSON-RPC. The
//! daemons find the official actors bundle (the shared test copy), so the genesis is
//! the FVM's, its network name the template's.

#![allow(clippy::unwrap_used, clippy::indexing_slicing, clippy::string_slice)] // test code: a panic is a failed test

mod common;

use common::*;
use padma_state::actors::{ids, method};
use padma_testkit::*;
use serde_json::{json, Value};
use std::path::Path;

fn start(repo: &Path, extra: &[&str]) -> Daemon {
    let bundle = actors_archive();
    let bundle = bundle.to_str().unwrap();
    Daemon::launch(repo, extra, &[(padma_fvm::bundle::BUNDLE_ENV, bundle)])
}

fn refused(repo: &Path, extra: &[&str]) -> String {
    let out = daemon_output(repo, extra);
    assert!(!out.status.success(), "daemon started but should not have");
    String::from_utf8_lossy(&out.stderr).to_string()
}

#[tokio::test(flavor = "multi_thread")]
async fn genesis_made_reloaded_and_served() {
    let dir = tempfile::tempdir().unwrap();
    let template = dir.path().join("localnet.json");
    let owner = write_lotus_template(&template, "localnet-padma-test", 1700000000);
    let car = dir.path().join("devgen.car");
    let repo1 = dir.path().join("repo1");
    let mut d = start(
        &repo1,
        &[
            "--make-genesis",
            car.to_str().unwrap(),
            "--genesis-template",
            template.to_str().unwrap(),
        ],
    );
    assert!(car.exists());

    // Chain methods.
    let head = d.rpc("ChainHead", json!([])).await;
    let genesis = d.rpc("ChainGetGenesis", json!([])).await;
    assert_eq!(head, genesis);
    assert_eq!(head["Height"], 0);
    let gcid = head["Cids"][0].clone();
    let block = d.rpc("ChainGetBlock", json!([gcid])).await;
    assert_eq!(block, head["Blocks"][0]);
    assert_eq!(block["Miner"], format!("t0{}", ids::SYSTEM));
    assert_eq!(block["Timestamp"], 1700000000);
    assert_eq!(block["ParentBaseFee"], "100000000");
    assert_eq!(
        block["Parents"],
        json!([{"/": "bafyreiaqpwbbyjo4a42saasj36kkrpv4tsherf2e7bvezkert2a7dhonoi"}])
    );
    assert_eq!(
        block["ElectionProof"],
        json!({"WinCount": 0, "VRFProof": null})
    );
    assert_eq!(block["BeaconEntries"][0]["Round"], 0);
    assert_eq!(block["WinPoStProof"], Value::Null);
    assert_eq!(block["BlockSig"], Value::Null);
    assert_eq!(
        block["Messages"]["/"],
        "bafy2bzacecmda75ovposbdateg7eyhwij65zklgyijgcjwynlklmqazpwlhba"
    );
    assert!(d
        .rpc("ChainHasObj", json!([block["ParentStateRoot"]]))
        .await
        .as_bool()
        .unwrap());
    let raw = d.rpc("ChainReadObj", json!([gcid])).await;
    assert!(raw.as_str().unwrap().starts_with("kEIA")); // 0x90 0x42 0x00: 16-tuple, miner f00
    let obj = json!({"RawData": "gwECAw=="}); // [1, 2, 3]
    let r = call(&d.url("v1"), Some(&d.admin), "ChainPutObj", json!([obj])).await;
    assert!(r.get("error").is_none(), "{r}");
    let c = padma_types::cid::cbor_cid(&[0x83, 1, 2, 3]).to_string();
    assert!(d
        .rpc("ChainHasObj", json!([{"/": c}]))
        .await
        .as_bool()
        .unwrap());

    // Actors and addresses.
    assert_eq!(
        d.rpc("StateNetworkName", json!([])).await,
        "localnet-padma-test"
    );
    assert_eq!(d.rpc("StateNetworkVersion", json!([null])).await, 28);
    assert_eq!(d.rpc("StateLookupID", json!([owner, []])).await, "t0100");
    let r = call(&d.url("v1"), None, "StateLookupID", json!(["t3wmuu6crofhqmm3v4enos73okk2l366ck6yc4owxwbdtkmpk42ohkqxfitcpa57pjdcftql4tojda2poeruwa", null])).await;
    assert_eq!(r["error"]["code"], 11, "{r}");
    assert_eq!(r["error"]["message"], "actor not found");
    assert_eq!(
        d.rpc("StateAccountKey", json!(["t0100", null])).await,
        owner
    );
    let robust = d
        .rpc("StateLookupRobustAddress", json!(["t01000", null]))
        .await;
    assert!(robust.as_str().unwrap().starts_with("t2"));
    assert_eq!(
        d.rpc("StateLookupID", json!([robust, null])).await,
        "t01000"
    );
    let actor = d.rpc("StateGetActor", json!(["t0100", null])).await;
    assert_eq!(
        actor["Code"]["/"],
        "bafk2bzacedpmhtrp2kdjoga2phrbi3f7z7wn25s3tluxoagcu7hsg2ppktxbw"
    );
    assert_eq!(actor["Nonce"], 0);
    assert_eq!(actor["DelegatedAddress"], Value::Null);
    let bal: u128 = actor["Balance"].as_str().unwrap().parse().unwrap();
    assert!(
        bal > 0 && bal < 50_000_000 * 10u128.pow(18),
        "the owner paid the miner's deposit and pledge"
    );
    assert_eq!(
        d.rpc("WalletBalance", json!([owner])).await,
        actor["Balance"]
    );
    assert_eq!(d.rpc("WalletBalance", json!(["t01234"])).await, "0");

    // StateCall: a send from the owner and a getter on the miner run without committing.
    let fresh = "t1ypi542zmmgaltijzw4byonei5c267ev5iif2liy";
    let send = json!({"To": fresh, "From": owner, "Value": "1000", "Method": method::SEND, "Params": null});
    let r = d.rpc("StateCall", json!([send, null])).await;
    assert_eq!(r["MsgRct"]["ExitCode"], 0, "{r}");
    assert_eq!(r["Error"], "");
    assert!(r["MsgCid"]["/"].is_string());
    // Applied implicitly, as in Lotus: the gas cost is the zero value.
    assert_eq!(r["GasCost"]["Message"], Value::Null, "{r}");
    assert_eq!(r["GasCost"]["TotalCost"], "0", "{r}");
    assert_eq!(
        d.rpc("WalletBalance", json!([fresh])).await,
        "0",
        "nothing committed"
    );
    let nowhere = json!({"To": "t01234", "From": owner, "Value": "1", "Method": method::SEND});
    let r = d.rpc("StateCall", json!([nowhere, null])).await;
    assert_eq!(r["MsgRct"]["ExitCode"], 5, "SysErrInvalidReceiver: {r}");
    let get = json!({"To": "t01000", "From": owner, "Value": "0", "Method": method::miner::CONTROL_ADDRESSES, "Params": null});
    let r = d.rpc("StateCall", json!([get, []])).await;
    assert_eq!(r["MsgRct"]["ExitCode"], 0, "ControlAddresses: {r}");
    assert!(r["MsgRct"]["Return"].is_string());
    let broke = json!({"To": "t01000", "From": "t01234", "Value": "0", "Method": method::miner::CONTROL_ADDRESSES});
    let r = call(&d.url("v1"), None, "StateCall", json!([broke, null])).await;
    assert!(
        r["error"]["message"]
            .as_str()
            .unwrap()
            .contains("not found"),
        "{r}"
    );
    let actors = d.rpc("StateListActors", json!([[]])).await;
    assert_eq!(actors.as_array().unwrap().len(), 17);
    let rs = d
        .rpc("StateReadState", json!([format!("t0{}", ids::INIT), null]))
        .await;
    assert_eq!(rs["State"]["NextID"], 1002);
    assert_eq!(rs["State"]["NetworkName"], "localnet-padma-test");
    let rs = d
        .rpc("StateReadState", json!([format!("t0{}", ids::POWER), null]))
        .await;
    assert_eq!(rs["State"]["TotalRawBytePower"], "4096");
    assert_eq!(rs["State"]["MinerCount"], 1);
    let rs = d.rpc("StateReadState", json!(["t01000", null])).await;
    assert_eq!(rs["State"]["DeadlineCronActive"], true);
    assert_eq!(rs["State"]["EarlyTerminations"], json!([0]));
    assert!(rs["State"]["VestingFunds"]["Head"]["Amount"].is_string());
    let supply: u128 = d
        .rpc("StateCirculatingSupply", json!([null]))
        .await
        .as_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!(supply > 0);
    let mb = d.rpc("StateMarketBalance", json!(["t01000", null])).await;
    assert_eq!(mb, json!({"Escrow": "0", "Locked": "0"}));

    // Miners.
    assert_eq!(
        d.rpc("StateListMiners", json!([null])).await,
        json!(["t01000"])
    );
    let info = d.rpc("StateMinerInfo", json!(["t01000", null])).await;
    assert_eq!(info["Owner"], "t0100");
    assert_eq!(info["Worker"], "t0100");
    assert_eq!(info["NewWorker"], "<empty>");
    assert_eq!(info["WorkerChangeEpoch"], -1);
    assert_eq!(
        info["PeerId"],
        "12D3KooWGzxzKZYveHXtpG6AsrUJBcWxHBFS2HsEoGTxrMLvKXtf"
    );
    assert_eq!(info["SectorSize"], 2048);
    assert_eq!(info["WindowPoStProofType"], 10); // StackedDrgWindow2KiBV1_1
    assert_eq!(info["WindowPoStPartitionSectors"], 2);
    assert_eq!(info["ControlAddresses"], Value::Null);
    assert_eq!(info["Beneficiary"], "t0100");
    assert_eq!(
        info["BeneficiaryTerm"],
        json!({"Quota": "0", "UsedQuota": "0", "Expiration": 0})
    );
    let power = d.rpc("StateMinerPower", json!(["t01000", null])).await;
    assert_eq!(
        power["MinerPower"],
        json!({"RawBytePower": "4096", "QualityAdjPower": "40960"})
    );
    assert_eq!(
        power["TotalPower"],
        json!({"RawBytePower": "4096", "QualityAdjPower": "40960"})
    );
    assert_eq!(power["HasMinPower"], true);
    let sectors = d
        .rpc("StateMinerSectors", json!(["t01000", null, null]))
        .await;
    assert_eq!(sectors.as_array().unwrap().len(), 2);
    assert_eq!(sectors[1]["SectorNumber"], 1);
    assert_eq!(sectors[1]["SealProof"], 5);
    let one = d
        .rpc("StateMinerSectors", json!(["t01000", [1, 1], null]))
        .await;
    assert_eq!(one.as_array().unwrap().len(), 1);
    assert_eq!(one[0], sectors[1]);
    assert_eq!(
        d.rpc("StateMinerActiveSectors", json!(["t01000", null]))
            .await,
        sectors
    );
    assert_eq!(
        d.rpc("StateSectorGetInfo", json!(["t01000", 0, null]))
            .await,
        sectors[0]
    );
    assert_eq!(
        d.rpc("StateSectorGetInfo", json!(["t01000", 9, null]))
            .await,
        Value::Null
    );
    let dl = d
        .rpc("StateMinerProvingDeadline", json!(["t01000", null]))
        .await;
    assert_eq!(dl["CurrentEpoch"], 0);
    assert_eq!(dl["WPoStPeriodDeadlines"], 48);
    assert_eq!(dl["WPoStProvingPeriod"], 2880);
    let dls = d.rpc("StateMinerDeadlines", json!(["t01000", null])).await;
    assert_eq!(dls.as_array().unwrap().len(), 48);
    assert_eq!(dls[0]["PostSubmissions"], json!([0]));
    let mut found = 0;
    for i in 0..48 {
        for p in d
            .rpc("StateMinerPartitions", json!(["t01000", i, null]))
            .await
            .as_array()
            .unwrap()
        {
            assert_eq!(p["FaultySectors"], json!([0]));
            assert_eq!(p["LiveSectors"], p["ActiveSectors"]);
            found += p["AllSectors"]
                .as_array()
                .unwrap()
                .iter()
                .skip(1)
                .step_by(2)
                .map(|n| n.as_u64().unwrap())
                .sum::<u64>();
        }
    }
    assert_eq!(found, 2, "both sectors sit in partitions");
    assert_eq!(
        d.rpc("StateMinerFaults", json!(["t01000", null])).await,
        json!([0])
    );
    let avail: u128 = d
        .rpc("StateMinerAvailableBalance", json!(["t01000", null]))
        .await
        .as_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!(avail > 0);
    let dep: u128 = d
        .rpc("StateMinerCreationDeposit", json!([null]))
        .await
        .as_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!(dep > 0);
    let r = call(&d.url("v1"), None, "StateMinerInfo", json!(["t0100", null])).await;
    assert!(
        r["error"]["message"]
            .as_str()
            .unwrap()
            .contains("not a storage miner"),
        "{r}"
    );

    // Stop; the CAR prints the genesis miner and reloads on another repo.
    call(&d.url("v1"), Some(&d.admin), "Shutdown", json!([])).await;
    assert!(d.wait().success());
    let out = d.stdout();
    assert!(out.contains("GENESIS MINER ADDRESS: t01000"), "{out}");

    let repo2 = dir.path().join("repo2");
    let d2 = start(&repo2, &["--genesis", car.to_str().unwrap()]);
    assert_eq!(d2.rpc("ChainHead", json!([])).await, head);
    assert_eq!(
        d2.rpc("StateMinerPower", json!(["t01000", null])).await,
        power
    );
    drop(d2);

    // The first repo restarts on its recorded genesis, with or without the CAR.
    let d1 = start(&repo1, &[]);
    assert_eq!(d1.rpc("ChainGetGenesis", json!([])).await, genesis);
    drop(d1);
    let d1 = start(&repo1, &["--genesis", car.to_str().unwrap()]);
    assert_eq!(d1.rpc("ChainHead", json!([])).await, head);
    drop(d1);

    // Another genesis is refused, clearly.
    let mut t: Value = serde_json::from_slice(&std::fs::read(&template).unwrap()).unwrap();
    t["Timestamp"] = json!(1700000001);
    let other_t = dir.path().join("other.json");
    std::fs::write(&other_t, t.to_string()).unwrap();
    let other = dir.path().join("other.car");
    let err = refused(
        &repo1,
        &[
            "--lotus-make-genesis",
            other.to_str().unwrap(),
            "--genesis-template",
            other_t.to_str().unwrap(),
        ],
    );
    assert!(err.contains("use a fresh repo"), "{err}");
    let err = refused(&repo1, &["--make-genesis", other.to_str().unwrap()]);
    assert!(
        err.contains("must also pass file with genesis template"),
        "{err}"
    );
}

#[tokio::test]
async fn a_node_without_genesis_says_so() {
    let dir = tempfile::tempdir().unwrap();
    let d = Daemon::start(dir.path());
    let r = call(&d.url("v1"), None, "ChainHead", json!([])).await;
    assert!(
        r["error"]["message"]
            .as_str()
            .unwrap()
            .contains("--genesis"),
        "{r}"
    );
    let r = call(&d.url("v1"), None, "WalletBalance", json!(["t01000"])).await;
    assert_eq!(r["result"], "0");
}
