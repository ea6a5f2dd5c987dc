//! The chain, message-search and randomness handlers on a chain mined in process (the
//! genesis miner with mock proofs): receipts found and waited for, replacements,
//! parent messages in receipt order, replay, heights, paths, weights and head changes.

use super::*;
use fvm_shared::address::Address;
use fvm_shared::econ::TokenAmount;
use fvm_shared::message::Message;
use padma_chain::miner::{mine_one, Attempt, LocalNode, MockWinningProver};
use padma_chain::network::{block_delay_secs, now_ms, NetworkParams, DEFAULT_BLOCK_DELAY_MS};
use padma_rpc::method::Bound;
use padma_rpc::{ApiVersion, CallCtx, Params, Permission};
use padma_state::genesis::template::Actor;
use padma_state::genesis::{fake::fake_miner, Template, MINER_START};
use padma_types::cid::blake2b_256;
use padma_types::crypto::{KeyInfo, KeyType};
use padma_types::message::message_signing_bytes;
use padma_types::sector::SIZE_2KIB;
use padma_types::SignedMessage;
use serde_json::{json, Value};
use std::collections::HashMap;

struct Node {
    _dir: tempfile::TempDir,
    s: Arc<NodeState>,
    local: LocalNode,
    accounts: Vec<KeyInfo>,
}

fn node() -> Node {
    let dir = tempfile::tempdir().unwrap();
    let mut sk = [42u8; 32];
    sk[31] &= 0x3f;
    let worker = KeyInfo::new(KeyType::Bls, sk.to_vec()).unwrap();
    let accounts: Vec<KeyInfo> = [7u8, 8]
        .iter()
        .map(|s| KeyInfo::new(KeyType::Secp256k1, vec![*s; 32]).unwrap())
        .collect();
    let name = NetworkParams::name_for("padma-api-test", DEFAULT_BLOCK_DELAY_MS, true);
    let mut t = Template::new(name, now_ms() / 1000 - 3600);
    let m = fake_miner(MINER_START, &worker, SIZE_2KIB, 4, 1_000_000).unwrap();
    t.add_miners_from_manifest(
        json!({ "t01000": m }).to_string().as_bytes(),
        TokenAmount::from_whole(1_000),
    )
    .unwrap();
    for k in &accounts {
        t.accounts.push(Actor::account(
            k.address().unwrap(),
            TokenAmount::from_whole(1_000),
        ));
    }
    // The official testing-fake-proofs actors (the shared test copy): the FVM.
    let actors = crate::builder::chain::ActorsOptions {
        bundle: Some(
            std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
                .join("../../../shared/actors/builtin-actors-v18.tar.zst"),
        ),
        cache_dirs: Vec::new(),
    };
    let car = super::chainstore::make_genesis_car(&t, &actors).unwrap().0;
    let store = Arc::new(Store::open(&dir.path().join("db")).unwrap());
    let chain =
        crate::builder::chain::open_chain(store.clone(), Some(&car), Default::default(), &actors)
            .unwrap()
            .unwrap();
    chain.svc.spawn_mpool_updater();
    let mut keys = HashMap::new();
    keys.insert(worker.address().unwrap(), worker);
    let local = LocalNode {
        svc: chain.svc.clone(),
        keys,
    };
    let ks = padma_repo::keystore::Keystore::open(&dir.path().join("keystore")).unwrap();
    let s = Arc::new(NodeState {
        wallet: Wallet::new(ks),
        auth: JwtAuth::new(&[1u8; 32]),
        store,
        session: "test".into(),
        block_delay: block_delay_secs(DEFAULT_BLOCK_DELAY_MS),
        shutdown: watch::channel(false).0,
        chain: Some(chain),
        pushed: Default::default(),
        net: None,
    });
    Node {
        _dir: dir,
        s,
        local,
        accounts,
    }
}

impl Node {
    async fn mine(&self, round: i64) -> bool {
        let head = self.s.chain.as_ref().unwrap().head();
        matches!(
            mine_one(
                &self.local,
                &MockWinningProver,
                &Address::new_id(1000),
                &head,
                round
            )
            .await
            .unwrap(),
            Attempt::Mined(_)
        )
    }

    async fn call(
        &self,
        v: ApiVersion,
        name: &'static str,
        params: Value,
    ) -> Result<Value, String> {
        call_table(self.s.clone(), v, name, params).await
    }

    async fn v1(&self, name: &'static str, params: Value) -> Value {
        self.call(ApiVersion::V1, name, params)
            .await
            .unwrap_or_else(|e| panic!("{name}: {e}"))
    }
}

/// Calls `name` on API version `v` through the method table, with admin rights.
async fn call_table(
    s: Arc<NodeState>,
    v: ApiVersion,
    name: &'static str,
    params: Value,
) -> Result<Value, String> {
    let table = methods(&exec::ApiExecutors::inline());
    let def = table.get(v, &format!("Filecoin.{name}")).unwrap();
    let Bound::Call(f) = &def.handler else {
        panic!("{name} is not a plain call")
    };
    let ctx = CallCtx {
        version: v,
        allow: padma_rpc::PermSet::up_to(Permission::Admin),
    };
    let values = params.as_array().cloned().unwrap_or_default();
    f(s, ctx, Params::new(def.info.name, values))
        .await
        .map_err(|e| e.message)
}

fn send(from: &KeyInfo, to: Address, nonce: u64, premium: u64) -> SignedMessage {
    let message = Message {
        version: 0,
        from: from.address().unwrap(),
        to,
        sequence: nonce,
        value: TokenAmount::from_atto(1000),
        method_num: padma_state::actors::method::SEND,
        params: Default::default(),
        gas_limit: 10_000_000,
        gas_fee_cap: TokenAmount::from_atto(10_000_000_000u64),
        gas_premium: TokenAmount::from_atto(premium),
    };
    let signature = from.sign(&message_signing_bytes(&message)).unwrap();
    SignedMessage { message, signature }
}

fn cid_json(c: &cid::Cid) -> Value {
    json!({ "/": c.to_string() })
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn mined_chain_search_wait_replay_and_reads() {
    let n = node();
    let ch = n.s.chain.as_ref().unwrap();
    let to = n.accounts[1].address().unwrap();
    let genesis = ch.head();

    // ChainNotify: the current head first, then the applies.
    let mut notify = chain_read::chain_notify(
        n.s.clone(),
        CallCtx {
            version: ApiVersion::V1,
            allow: padma_rpc::PermSet::up_to(Permission::Read),
        },
        (),
    )
    .await
    .unwrap();
    let first = serde_json::to_value(notify.recv().await.unwrap()).unwrap();
    assert_eq!(first[0]["Type"], "current");
    assert_eq!(first[0]["Val"]["Height"], 0);

    // A message, waited for with confidence 2 while blocks are mined.
    let m1 = send(&n.accounts[0], to, 0, 100_000);
    let c1 = m1.cid();
    ch.svc.push_message(m1.clone(), true).unwrap();
    let waiter = {
        let s = n.s.clone();
        let params = json!([cid_json(&c1), 2, -1, false]);
        tokio::spawn(async move { call_table(s, ApiVersion::V1, "StateWaitMsg", params).await })
    };
    // A replaced message: m2 is stored but its replacement (higher premium) lands.
    let m2 = send(&n.accounts[0], to, 1, 100_000);
    let m2b = send(&n.accounts[0], to, 1, 1_000_000);
    fvm_ipld_blockstore::Blockstore::put_keyed(n.s.store.as_ref(), &m2.cid(), &m2.cbor()).unwrap();
    ch.svc.push_message(m2b.clone(), true).unwrap();

    let mut mined = 0;
    for round in 1..=8 {
        if n.mine(round).await {
            mined += 1;
        }
    }
    assert!(mined >= 5, "only {mined} blocks");
    let head = ch.head();
    let found = tokio::time::timeout(std::time::Duration::from_secs(30), waiter)
        .await
        .expect("StateWaitMsg returned")
        .unwrap()
        .unwrap();
    assert_eq!(found["Message"], cid_json(&c1));
    assert_eq!(found["Receipt"]["ExitCode"], 0);
    let exec_h = found["Height"].as_i64().unwrap();
    let incl = ch.store().message_inclusion(&c1).unwrap().unwrap();
    assert!(exec_h > incl.height());
    let exec = ch.store().tipset_by_height(exec_h).unwrap();
    assert_eq!(exec.parents(), *incl.key());
    assert_eq!(
        found["TipSet"],
        json!(exec.key().cids().iter().map(cid_json).collect::<Vec<_>>())
    );

    // StateSearchMsg finds the same; from before the inclusion it finds nothing.
    let s1 = n
        .v1("StateSearchMsg", json!([[], cid_json(&c1), -1, false]))
        .await;
    assert_eq!(s1["Height"], found["Height"]);
    assert_eq!(s1["Receipt"], found["Receipt"]);
    let s0 = n
        .call(ApiVersion::V0, "StateSearchMsg", json!([cid_json(&c1)]))
        .await
        .unwrap();
    assert_eq!(s0["TipSet"], found["TipSet"]);
    let before = json!(incl.key().cids().iter().map(cid_json).collect::<Vec<_>>());
    assert_eq!(
        n.v1("StateSearchMsg", json!([before, cid_json(&c1), -1, false]))
            .await,
        Value::Null
    );
    // Walking back without the index (from a tipset off the index's answer): limit 0
    // from the exec tipset finds it in that tipset itself.
    let exec_key = found["TipSet"].clone();
    let s2 = n
        .v1("StateSearchMsg", json!([exec_key, cid_json(&c1), 0, false]))
        .await;
    assert_eq!(s2["Height"], found["Height"]);

    // The replaced message: found as its replacement when allowed, an error otherwise.
    let r = n
        .v1("StateSearchMsg", json!([[], cid_json(&m2.cid()), -1, true]))
        .await;
    assert_eq!(r["Message"], cid_json(&m2b.cid()));
    assert!(n
        .call(
            ApiVersion::V1,
            "StateSearchMsg",
            json!([[], cid_json(&m2.cid()), -1, false])
        )
        .await
        .is_err());

    // Block and parent messages line up with the receipts.
    let ib = incl.min_ticket_block().cid();
    let bm = n.v1("ChainGetBlockMessages", json!([cid_json(&ib)])).await;
    assert!(bm["Cids"].as_array().unwrap().contains(&cid_json(&c1)));
    let eb = exec.min_ticket_block().cid();
    let pm = n.v1("ChainGetParentMessages", json!([cid_json(&eb)])).await;
    let pr = n.v1("ChainGetParentReceipts", json!([cid_json(&eb)])).await;
    assert_eq!(pm.as_array().unwrap().len(), pr.as_array().unwrap().len());
    let i = pm
        .as_array()
        .unwrap()
        .iter()
        .position(|m| m["Cid"] == cid_json(&c1))
        .unwrap();
    assert_eq!(pr[i], found["Receipt"]);
    assert_eq!(pm[i]["Message"]["Nonce"], 0);
    let ikey = json!(incl.key().cids().iter().map(cid_json).collect::<Vec<_>>());
    assert_eq!(n.v1("ChainGetMessagesInTipset", json!([ikey])).await, pm);

    // Replay: the same receipt, by search or by the inclusion tipset.
    for key in [json!([]), ikey.clone()] {
        let rp = n.v1("StateReplay", json!([key, cid_json(&c1)])).await;
        assert_eq!(rp["MsgCid"], cid_json(&c1));
        assert_eq!(rp["MsgRct"], found["Receipt"]);
        assert_eq!(
            rp["GasCost"]["GasUsed"],
            found["Receipt"]["GasUsed"].as_u64().unwrap().to_string()
        );
        // Lotus's MakeMsgGasCost: the total is feeCap × gasLimit less the refund, which
        // is what the burns and the tip add up to.
        let atto = |k: &str| -> u128 { rp["GasCost"][k].as_str().unwrap().parse().unwrap() };
        let fee_cap: u128 = rp["Msg"]["GasFeeCap"].as_str().unwrap().parse().unwrap();
        let limit = rp["Msg"]["GasLimit"].as_u64().unwrap() as u128;
        assert_eq!(atto("TotalCost"), fee_cap * limit - atto("Refund"));
        assert_eq!(
            atto("TotalCost"),
            atto("BaseFeeBurn") + atto("OverEstimationBurn") + atto("MinerTip")
        );
        assert_eq!(rp["Error"], "");
    }

    // Heights, paths and weights.
    let hkey = json!(head.key().cids().iter().map(cid_json).collect::<Vec<_>>());
    for h in 0..=head.height() {
        let t = n.v1("ChainGetTipSetByHeight", json!([h, hkey])).await;
        let canon = ch.store().tipset_by_height(h).unwrap();
        assert_eq!(t["Height"], canon.height());
        let after = n.v1("ChainGetTipSetAfterHeight", json!([h, null])).await;
        assert!(after["Height"].as_i64().unwrap() >= h);
    }
    let gkey = json!(genesis
        .key()
        .cids()
        .iter()
        .map(cid_json)
        .collect::<Vec<_>>());
    let path = n.v1("ChainGetPath", json!([gkey, hkey])).await;
    let path = path.as_array().unwrap();
    assert_eq!(path.len(), mined);
    assert!(path.iter().all(|c| c["Type"] == "apply"));
    assert_eq!(path.last().unwrap()["Val"]["Height"], head.height());
    let back = n.v1("ChainGetPath", json!([hkey, gkey])).await;
    assert!(back
        .as_array()
        .unwrap()
        .iter()
        .all(|c| c["Type"] == "revert"));
    let w = n.v1("ChainTipSetWeight", json!([hkey])).await;
    assert_eq!(
        w.as_str().unwrap(),
        ch.store().weight(head.key()).unwrap().unwrap().to_string()
    );

    // Head changes arrived as applies, one batch per new head (waiting a while for any
    // the channel's task has not forwarded yet, then taking whatever else is queued).
    let mut applied = 0;
    loop {
        let batch = if applied < mined {
            let next = tokio::time::timeout(std::time::Duration::from_secs(10), notify.recv());
            match next.await {
                Ok(Some(batch)) => batch,
                _ => break,
            }
        } else {
            match notify.try_recv() {
                Ok(batch) => batch,
                Err(_) => break,
            }
        };
        let batch = serde_json::to_value(batch).unwrap();
        for c in batch.as_array().unwrap() {
            assert_eq!(c["Type"], "apply");
            applied += 1;
        }
    }
    assert_eq!(applied, mined);

    // Randomness against an independent computation.
    let round = 3i64;
    let ts = padma_chain::externs::tipset_at_or_after(ch.store(), &head, round).unwrap();
    let vrf = &ts.min_ticket_block().ticket.as_ref().unwrap().vrf_proof;
    let entropy = b"xyz";
    let want = |digest: [u8; 32], tag: i64| {
        let mut input = tag.to_be_bytes().to_vec();
        input.extend_from_slice(&digest);
        input.extend_from_slice(&round.to_be_bytes());
        input.extend_from_slice(entropy);
        padma_types::json::BytesJson(blake2b_256(&input).to_vec())
    };
    let e64 = serde_json::to_value(padma_types::json::BytesJson(entropy.to_vec())).unwrap();
    let r = n
        .v1(
            "StateGetRandomnessFromTickets",
            json!([5, round, e64, hkey]),
        )
        .await;
    assert_eq!(r, serde_json::to_value(want(blake2b_256(vrf), 5)).unwrap());
    let beacon_data = blake2b_256(&(round as u64 + 100).to_be_bytes());
    let r = n
        .v1("StateGetRandomnessFromBeacon", json!([4, round, e64, hkey]))
        .await;
    assert_eq!(
        r,
        serde_json::to_value(want(blake2b_256(&beacon_data), 4)).unwrap()
    );

    // SyncState follows the head.
    let ss = n.v1("SyncState", json!([])).await;
    assert_eq!(ss["ActiveSyncs"][0]["Height"], head.height());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sync_state_reports_the_sync_workers() {
    use padma_chain::sync::SyncStage;
    let n = node();
    let ch = n.s.chain.as_ref().unwrap();
    // Before any sync: one worker, complete at the head.
    let ss = n.v1("SyncState", json!([])).await;
    assert_eq!(ss["ActiveSyncs"].as_array().unwrap().len(), 1);
    assert_eq!(ss["ActiveSyncs"][0]["Stage"], 4);
    assert_eq!(ss["ActiveSyncs"][0]["Height"], ch.head().height());

    let tracker = ch.svc.sync_tracker();
    let running = tracker.start(ch.head());
    running.set_stage(SyncStage::Messages);
    running.set_height(12);
    tracker
        .start(ch.head())
        .finish(Err("the source failed: gone".into()));
    let ss = n.v1("SyncState", json!([])).await;
    let w = ss["ActiveSyncs"].as_array().unwrap();
    assert_eq!(w.len(), 2);
    assert_eq!(w[0]["WorkerID"], 1);
    assert_eq!(w[0]["Stage"], 3);
    assert_eq!(w[0]["Height"], 12);
    assert_eq!(w[0]["Base"]["Height"], ch.head().height());
    assert_eq!(w[0]["Target"], Value::Null);
    assert_eq!(w[0]["End"], "0001-01-01T00:00:00Z");
    assert_eq!(w[1]["WorkerID"], 2);
    assert_eq!(w[1]["Stage"], 5);
    assert_eq!(w[1]["Message"], "the source failed: gone");
    assert_ne!(w[1]["End"], "0001-01-01T00:00:00Z");
    running.finish(Ok(()));
    let ss = n.v1("SyncState", json!([])).await;
    assert_eq!(ss["ActiveSyncs"][0]["Stage"], 4);
}
