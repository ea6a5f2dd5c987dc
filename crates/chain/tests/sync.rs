//! Chain sync in process: a node catches up to another node's chain (same head, same
//! state), reorgs to a heavier fork, refuses what a lying or failing source sends
//! without moving its head, refuses a chain holding an invalid block (marking it and
//! the blocks above bad), and after a restart resumes a sync that stopped midway
//! without fetching again what it had accepted. Two chain services on one genesis,
//! each on its own datastore, with real validation (mock proofs).

#![allow(clippy::unwrap_used, clippy::indexing_slicing, clippy::string_slice)] // test code: a panic is a failed test

mod common;

use anyhow::anyhow;
use common::build::mine_with_messages;
use common::TestChain;
use padma_chain::sync::{
    FetchedTipset, StoreSource, SyncConfig, SyncError, SyncStage, Syncer, TipsetSource,
};
use padma_chain::validate::FullBlock;
use padma_chain::HeadChangeKind;
use padma_types::block::{TipSet, TipSetKey};
use std::collections::HashMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// Small batches, so that a short chain takes several requests of each kind and a
/// last segment shorter than the others.
const SMALL: SyncConfig = SyncConfig {
    header_batch: 5,
    message_batch: 4,
    request_timeout: Duration::from_secs(60),
};

fn source(t: &TestChain) -> StoreSource {
    StoreSource::new(t.svc().sm().chain().clone())
}

/// The tipsets of `t`'s canonical chain above genesis, lowest first.
fn canonical(t: &TestChain) -> Vec<TipSet> {
    let cs = t.svc().sm().chain().clone();
    let mut out = Vec::new();
    let mut ts = t.head();
    while ts.height() > 0 {
        let parent = cs.load_tipset(&ts.parents()).unwrap();
        out.push(std::mem::replace(&mut ts, parent));
    }
    out.reverse();
    out
}

fn assert_same_chain(a: &TestChain, b: &TestChain) {
    assert_eq!(b.head(), a.head());
    assert_eq!(
        b.svc().sm().head_state().unwrap(),
        a.svc().sm().head_state().unwrap()
    );
}

/// One request a source answered: with messages or not, and the heights it gave.
type Request = (bool, Vec<i64>);

/// A source that records what it was asked and answered.
struct Recording<S> {
    inner: S,
    log: Mutex<Vec<Request>>,
}

impl<S: TipsetSource> Recording<S> {
    fn new(inner: S) -> Self {
        Recording {
            inner,
            log: Mutex::new(Vec::new()),
        }
    }

    fn log(&self) -> Vec<Request> {
        self.log.lock().unwrap().clone()
    }
}

impl<S: TipsetSource> TipsetSource for Recording<S> {
    async fn fetch(
        &self,
        head: &TipSetKey,
        count: u64,
        with_messages: bool,
    ) -> anyhow::Result<Vec<FetchedTipset>> {
        let got = self.inner.fetch(head, count, with_messages).await?;
        let heights = got.iter().map(|f| f.tipset.height()).collect();
        self.log.lock().unwrap().push((with_messages, heights));
        Ok(got)
    }
}

/// A source that never answers.
struct Silent;

impl TipsetSource for Silent {
    async fn fetch(&self, _: &TipSetKey, _: u64, _: bool) -> anyhow::Result<Vec<FetchedTipset>> {
        std::future::pending().await
    }
}

type Rewrite =
    dyn Fn(u64, bool, Vec<FetchedTipset>) -> anyhow::Result<Vec<FetchedTipset>> + Send + Sync;

/// A source that answers from a store, then rewrites the answer (given the count asked
/// and whether messages were).
struct Faulty {
    inner: StoreSource,
    rewrite: Box<Rewrite>,
}

impl Faulty {
    fn new(
        inner: StoreSource,
        rewrite: impl Fn(u64, bool, Vec<FetchedTipset>) -> anyhow::Result<Vec<FetchedTipset>>
            + Send
            + Sync
            + 'static,
    ) -> Self {
        Faulty {
            inner,
            rewrite: Box::new(rewrite),
        }
    }
}

impl TipsetSource for Faulty {
    async fn fetch(
        &self,
        head: &TipSetKey,
        count: u64,
        with_messages: bool,
    ) -> anyhow::Result<Vec<FetchedTipset>> {
        let got = self.inner.read(head, count, with_messages)?;
        (self.rewrite)(count, with_messages, got)
    }
}

/// A source serving some tipsets of its own (with their blocks), and the rest from a
/// store: a chain that branches off a real one.
struct Patched {
    inner: StoreSource,
    own: HashMap<TipSetKey, Vec<FullBlock>>,
}

impl TipsetSource for Patched {
    async fn fetch(
        &self,
        head: &TipSetKey,
        count: u64,
        with_messages: bool,
    ) -> anyhow::Result<Vec<FetchedTipset>> {
        let mut out = Vec::new();
        let mut key = head.clone();
        while (out.len() as u64) < count {
            let Some(blocks) = self.own.get(&key) else {
                out.extend(
                    self.inner
                        .read(&key, count - out.len() as u64, with_messages)?,
                );
                break;
            };
            let tipset = TipSet::new(blocks.iter().map(|b| b.header.clone()).collect())?;
            key = tipset.parents();
            out.push(FetchedTipset {
                tipset,
                blocks: with_messages.then(|| blocks.clone()),
            });
        }
        Ok(out)
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_new_node_catches_up_to_a_chain_with_messages() {
    let a = TestChain::new(3600);
    let built = mine_with_messages(&a, 1..31, 6).await;
    assert!(built.blocks >= 25, "only {} blocks mined", built.blocks);
    let b = a.peer();
    let genesis = b.head();
    let src = Arc::new(Recording::new(source(&a)));
    let syncer = Syncer::new(b.svc().clone()).with_config(SMALL);
    // A sync can run on a task of its own.
    let target = a.head().key().clone();
    let report = tokio::spawn({
        let (syncer, src) = (syncer.clone(), src.clone());
        async move { syncer.sync_to(&target, &src).await }
    })
    .await
    .unwrap()
    .unwrap();
    assert_same_chain(&a, &b);
    let tipsets = canonical(&a);
    assert_eq!(report.base_height, 0);
    assert_eq!(report.headers_fetched, tipsets.len() as u64);
    assert_eq!(report.tipsets_accepted, tipsets.len() as u64);
    // The messages came along: the last message pushed is found on B's chain.
    let included = b
        .svc()
        .sm()
        .chain()
        .message_inclusion(&tipsets[0].blocks()[0].messages);
    assert!(included.is_ok());
    // Every request kept to its batch; every tipset came with messages exactly once.
    let log = src.log();
    assert!(log
        .iter()
        .all(|(with, h)| h.len() as u64 <= if *with { 4 } else { 5 }));
    let mut with_messages: Vec<i64> = log
        .iter()
        .filter(|(with, _)| *with)
        .flat_map(|(_, h)| h.clone())
        .collect();
    with_messages.sort();
    let heights: Vec<i64> = tipsets.iter().map(TipSet::height).collect();
    assert_eq!(with_messages, heights);
    // One worker, complete, from the genesis to A's head.
    let workers = b.svc().sync_tracker().workers();
    assert_eq!(workers.len(), 1);
    let w = &workers[0];
    assert_eq!(w.stage, SyncStage::Complete);
    assert_eq!(w.base.as_ref(), Some(&genesis));
    assert_eq!(w.target.as_ref(), Some(&a.head()));
    assert_eq!(w.height, a.head().height());
    assert!(w.end_secs.is_some() && w.message.is_empty());
    // Known now: nothing is fetched and no worker starts.
    let report = syncer.sync_to(a.head().key(), &src).await.unwrap();
    assert_eq!(report.tipsets_accepted, 0);
    assert_eq!(src.log().len(), log.len());
    assert_eq!(b.svc().sync_tracker().workers().len(), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_heavier_fork_reorgs_the_head_and_a_lighter_one_does_not() {
    let a = TestChain::new(3600);
    let b = a.peer();
    let c = a.peer();
    // Three chains from the same genesis, told apart by their messages.
    mine_with_messages(&b, 1..6, 0).await;
    mine_with_messages(&a, 1..16, 3).await;
    mine_with_messages(&c, 1..4, 1).await;
    let own = b.head();
    assert!(own.height() >= 3);
    let mut events = b.svc().sm().chain().subscribe();
    let syncer = Syncer::new(b.svc().clone()).with_config(SMALL);
    syncer.sync_to(a.head().key(), &source(&a)).await.unwrap();
    assert_same_chain(&a, &b);
    let mut reverted = false;
    while let Ok(batch) = events.try_recv() {
        reverted |= batch
            .iter()
            .any(|ch| ch.kind == HeadChangeKind::Revert && ch.tipset == own);
    }
    assert!(reverted, "B's own head was never reverted");
    // A lighter fork is accepted but does not take the head.
    let report = syncer.sync_to(c.head().key(), &source(&c)).await.unwrap();
    assert_eq!(report.base_height, 0);
    assert!(syncer.is_known(c.head().key()).unwrap());
    assert_same_chain(&a, &b);
}

/// Runs a sync that must fail; checks the worker says why.
async fn failing(b: &TestChain, target: &TipSetKey, src: &impl TipsetSource) -> SyncError {
    let e = Syncer::new(b.svc().clone())
        .with_config(SMALL)
        .sync_to(target, src)
        .await
        .unwrap_err();
    let last = b.svc().sync_tracker().workers().pop().unwrap();
    assert_eq!(last.stage, SyncStage::Errored);
    assert_eq!(last.message, e.to_string());
    e
}

/// Runs a sync that must fail before accepting anything: B's head does not move.
async fn refused(b: &TestChain, target: &TipSetKey, src: &impl TipsetSource) -> SyncError {
    let head = b.head();
    let e = failing(b, target, src).await;
    assert_eq!(b.head(), head, "a refused sync moved the head ({e})");
    e
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn what_a_lying_or_failing_source_sends_is_refused() {
    let a = TestChain::new(3600);
    mine_with_messages(&a, 1..13, 2).await;
    let b = a.peer();
    let target = a.head().key().clone();
    let src = || source(&a);

    let e = refused(
        &b,
        &target,
        &Faulty::new(src(), |_, _, _| Err(anyhow!("connection reset"))),
    )
    .await;
    assert!(
        matches!(&e, SyncError::Source(m) if m.contains("connection reset")),
        "{e}"
    );

    let e = Syncer::new(b.svc().clone())
        .with_config(SyncConfig {
            request_timeout: Duration::from_millis(50),
            ..SMALL
        })
        .sync_to(&target, &Silent)
        .await
        .unwrap_err();
    assert!(
        matches!(&e, SyncError::Source(m) if m.contains("no answer")),
        "{e}"
    );
    assert_eq!(b.head().height(), 0);

    let e = refused(&b, &target, &Faulty::new(src(), |_, _, _| Ok(Vec::new()))).await;
    assert!(
        matches!(&e, SyncError::Source(m) if m.contains("no tipsets")),
        "{e}"
    );

    let e = refused(
        &b,
        &target,
        &Faulty::new(src(), |_, _, mut got| {
            got.push(got[0].clone());
            Ok(got)
        }),
    )
    .await;
    assert!(
        matches!(&e, SyncError::Source(m) if m.contains("were asked")),
        "{e}"
    );

    // A tipset left out: the next one is not the parent asked for.
    let e = refused(
        &b,
        &target,
        &Faulty::new(src(), |_, _, mut got| {
            if got.len() > 2 {
                got.remove(1);
            }
            Ok(got)
        }),
    )
    .await;
    assert!(
        matches!(&e, SyncError::Source(m) if m.contains("does not link")),
        "{e}"
    );

    let e = refused(
        &b,
        &target,
        &Faulty::new(src(), |_, _, got| {
            Ok(got
                .into_iter()
                .map(|f| FetchedTipset { blocks: None, ..f })
                .collect())
        }),
    )
    .await;
    assert!(
        matches!(&e, SyncError::Source(m) if m.contains("no messages")),
        "{e}"
    );

    // Messages other than the header's: not the block's fault, so not marked bad.
    let e = refused(
        &b,
        &target,
        &Faulty::new(src(), |_, _, mut got| {
            for f in &mut got {
                for block in f.blocks.iter_mut().flatten() {
                    block.secp_messages.pop();
                }
            }
            Ok(got)
        }),
    )
    .await;
    let SyncError::NotAccepted(r) = &e else {
        panic!("{e}")
    };
    assert!(r.reason.contains("does not match"), "{e}");
    assert_eq!(b.svc().bad_block(&r.block), None);

    // A chain on another genesis.
    let other = TestChain::new(7200);
    mine_with_messages(&other, 1..4, 0).await;
    let e = refused(&b, other.head().key(), &source(&other)).await;
    assert!(
        matches!(&e, SyncError::Refused(m) if m.contains("another genesis")),
        "{e}"
    );

    // A target far ahead of the clock.
    let mut header = a.head().blocks()[0].clone();
    header.height += 10_000_000;
    let future = TipSet::new(vec![header.clone()]).unwrap();
    let patched = Patched {
        inner: src(),
        own: HashMap::from([(
            future.key().clone(),
            vec![FullBlock {
                header,
                bls_messages: vec![],
                secp_messages: vec![],
            }],
        )]),
    };
    let e = refused(&b, future.key(), &patched).await;
    assert!(
        matches!(&e, SyncError::Refused(m) if m.contains("ahead of the current epoch")),
        "{e}"
    );
    assert_eq!(b.head().height(), 0);

    // Answers of one tipset at a time are partial, not wrong: the sync completes.
    let one_at_a_time = Faulty::new(src(), |_, _, mut got| {
        got.truncate(1);
        Ok(got)
    });
    Syncer::new(b.svc().clone())
        .with_config(SMALL)
        .sync_to(&target, &one_at_a_time)
        .await
        .unwrap();
    assert_same_chain(&a, &b);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_chain_with_an_invalid_block_is_refused_and_marked_bad() {
    let a = TestChain::new(3600);
    mine_with_messages(&a, 1..11, 1).await;
    let tipsets = canonical(&a);
    assert!(tipsets.len() >= 8);
    let store = a.svc().sm().chain().blockstore().clone();
    let full = |ts: &TipSet| -> FullBlock {
        let h = ts.blocks()[0].clone();
        let (bls_messages, secp_messages) =
            padma_chain::messages::block_messages(store.as_ref(), &h.messages).unwrap();
        FullBlock {
            header: h,
            bls_messages,
            secp_messages,
        }
    };
    // The fifth block claims a wrong parent weight; the blocks above it are rebuilt on
    // it. Each is signed again, so only the weight is wrong.
    let sign = |b: &mut FullBlock| {
        b.header.block_sig = Some(a.worker.sign(&b.header.signing_bytes()).unwrap());
    };
    let mut own = HashMap::new();
    let mut bad_cids = Vec::new();
    let mut parent: Option<TipSetKey> = None;
    for ts in &tipsets[4..] {
        let mut b = full(ts);
        match &parent {
            None => b.header.parent_weight += 1,
            Some(p) => b.header.parents = p.cids().to_vec(),
        }
        sign(&mut b);
        let key = TipSetKey(vec![b.header.cid()]);
        bad_cids.push(b.header.cid());
        own.insert(key.clone(), vec![b]);
        parent = Some(key);
    }
    let target = parent.unwrap();
    let b = a.peer();
    let src = Recording::new(Patched {
        inner: source(&a),
        own,
    });
    let e = failing(&b, &target, &src).await;
    let SyncError::Invalid(r) = &e else {
        panic!("{e}")
    };
    assert_eq!(r.block, bad_cids[0]);
    assert!(r.reason.contains("parent weight"), "{e}");
    // Accepted up to the block below the invalid one.
    assert_eq!(b.head(), tipsets[3]);
    assert!(b
        .svc()
        .bad_block(&bad_cids[0])
        .unwrap()
        .contains("parent weight"));
    // The target is marked bad; so is the top of every segment of the walk, so that a
    // sync to any block above the invalid one meets a marked block within a segment's
    // headers, and fetches no messages.
    let reason = b.svc().bad_block(&target.cids()[0]).unwrap();
    assert!(reason.contains("descends from"), "{reason}");
    let before = src.log().len();
    for c in &bad_cids[1..] {
        let e = refused(&b, &TipSetKey(vec![*c]), &src).await;
        assert!(
            matches!(&e, SyncError::Refused(m) if m.contains("known bad")),
            "{e}"
        );
    }
    assert!(src.log()[before..].iter().all(|(with, _)| !with));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_sync_stopped_midway_resumes_after_a_restart_without_fetching_again() {
    let a = TestChain::new(3600);
    mine_with_messages(&a, 1..26, 3).await;
    let mut b = a.peer();
    let target = a.head().key().clone();
    // The peer goes away at its third answer with messages.
    let answered = AtomicUsize::new(0);
    let going = Faulty::new(source(&a), move |_, with, got| {
        if with && answered.fetch_add(1, Ordering::SeqCst) >= 2 {
            return Err(anyhow!("peer went away"));
        }
        Ok(got)
    });
    let e = Syncer::new(b.svc().clone())
        .with_config(SMALL)
        .sync_to(&target, &going)
        .await
        .unwrap_err();
    assert!(
        matches!(&e, SyncError::Source(m) if m.contains("went away")),
        "{e}"
    );
    let reached = b.head();
    assert!(
        reached.height() > 0 && reached.height() < a.head().height(),
        "head at {}",
        reached.height()
    );
    assert!(canonical(&a).contains(&reached));

    b.reopen();
    assert_eq!(b.head(), reached);
    let src = Recording::new(source(&a));
    let report = Syncer::new(b.svc().clone())
        .with_config(SMALL)
        .sync_to(&target, &src)
        .await
        .unwrap();
    assert_eq!(report.base_height, reached.height());
    assert_same_chain(&a, &b);
    for (with, heights) in src.log() {
        if with {
            assert!(
                heights.iter().all(|h| *h > reached.height()),
                "fetched again with messages: {heights:?} (had up to {})",
                reached.height()
            );
        }
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_checkpoint_keeps_the_head_on_its_chain() {
    let a = TestChain::new(3600);
    let b = a.peer();
    let c = a.peer();
    mine_with_messages(&a, 1..12, 1).await;
    mine_with_messages(&c, 1..4, 0).await;
    let syncer = Syncer::new(b.svc().clone()).with_config(SMALL);
    syncer.sync_to(c.head().key(), &source(&c)).await.unwrap();
    assert_eq!(b.head().key(), c.head().key());
    // Checkpointed on C's chain, B takes A's heavier chain in but not as its head.
    b.svc().set_checkpoint(c.head().key()).unwrap();
    syncer.sync_to(a.head().key(), &source(&a)).await.unwrap();
    assert!(syncer.is_known(a.head().key()).unwrap());
    assert_eq!(b.head().key(), c.head().key());
    // A checkpoint on A's chain moves the head there at once.
    b.svc().set_checkpoint(a.head().key()).unwrap();
    assert_eq!(b.head().key(), a.head().key());
    assert!(b
        .svc()
        .revalidate_tipset(a.head().key(), padma_chain::network::now_ms())
        .unwrap());
    let unknown = TipSetKey(vec![c.svc().sm().genesis().messages]);
    assert!(b.svc().set_checkpoint(&unknown).is_err());
}
