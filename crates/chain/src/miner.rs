//! The block-production loop (Lotus `miner.Miner`): for each epoch, on the heaviest
//! tipset, check eligibility, compute the ticket, the election proof and its wins,
//! prove WinningPoSt, select messages, create, sign and submit the block; nobody
//! winning makes a null round. It talks to a full node through [`MiningNode`] (in
//! process: [`LocalNode`]; `padma-miner` implements it over the JSON-RPC API) and
//! proves through [`WinningProver`].

use crate::base_info::{address_cbor, MinerBaseInfo};
use crate::consensus::election::win_count;
use crate::consensus::randomness::{draw_from_base, Tag};
use crate::consensus::vrf::{election_input, ticket_input};
use crate::network::now_ms;
use crate::produce::BlockTemplate;
use crate::service::ChainService;
use crate::validate::FullBlock;
use anyhow::{bail, Result};
use fvm_shared::address::{Address, Payload};
use fvm_shared::crypto::signature::Signature;
use fvm_shared::sector::RegisteredPoStProof;
use padma_types::block::{ElectionProof, PoStProof, Ticket, TipSet, TipSetKey};
use padma_types::crypto::KeyInfo;
use padma_types::SignedMessage;
use std::collections::HashMap;
use std::future::Future;
use std::sync::Arc;
use tokio::sync::watch;

/// What the mining loop needs from a full node.
pub trait MiningNode: Send + Sync {
    /// The heaviest tipset.
    fn head(&self) -> impl Future<Output = Result<TipSet>> + Send;
    /// `MinerGetBaseInfo`.
    fn base_info(
        &self,
        miner: &Address,
        round: i64,
        base: &TipSet,
    ) -> impl Future<Output = Result<Option<MinerBaseInfo>>> + Send;
    /// `WalletSign` with the worker key.
    fn sign(&self, key: &Address, data: &[u8]) -> impl Future<Output = Result<Signature>> + Send;
    /// `MpoolSelect` on `base`.
    fn select_messages(
        &self,
        base: &TipSet,
    ) -> impl Future<Output = Result<Vec<SignedMessage>>> + Send;
    /// `MinerCreateBlock`.
    fn create_block(&self, t: BlockTemplate) -> impl Future<Output = Result<FullBlock>> + Send;
    /// `SyncSubmitBlock`.
    fn submit_block(&self, b: FullBlock) -> impl Future<Output = Result<()>> + Send;
    /// `SyncCheckBad`: why the node refused block `cid` as invalid, if it did.
    fn bad_block(&self, cid: &cid::Cid) -> impl Future<Output = Result<Option<String>>> + Send;
    /// The genesis timestamp and the block delay in milliseconds.
    fn timing(&self) -> impl Future<Output = Result<(u64, u64)>> + Send;
}

/// Proves WinningPoSt over a miner's challenged sectors.
pub trait WinningProver: Send + Sync {
    /// The proofs for `info.sectors` with challenge randomness `rand`.
    fn prove(&self, info: &MinerBaseInfo, miner_id: u64, rand: [u8; 32]) -> Result<Vec<PoStProof>>;
}

/// Mock WinningPoSt proofs, for networks that declare mock proofs.
#[derive(Clone, Copy, Debug, Default)]
pub struct MockWinningProver;

impl WinningProver for MockWinningProver {
    fn prove(&self, info: &MinerBaseInfo, miner_id: u64, rand: [u8; 32]) -> Result<Vec<PoStProof>> {
        let sectors = info
            .sectors
            .iter()
            .map(|s| Ok((s.number, sealed_commitment(&s.sealed_cid)?)))
            .collect::<Result<Vec<_>>>()?;
        let i = padma_proofs::PoStVerifyInfo {
            post_proof: info.winning_post_proof,
            miner_id,
            randomness: rand,
            sectors,
            proof: Vec::new(),
        };
        Ok(vec![PoStProof {
            post_proof: RegisteredPoStProof::from(info.winning_post_proof),
            proof_bytes: padma_proofs::verifier::mock::winning_post_proof(&i),
        }])
    }
}

fn sealed_commitment(c: &cid::Cid) -> Result<[u8; 32]> {
    padma_types::cid::commitment(c).map_err(|e| anyhow::anyhow!("sealed CID {e}"))
}

/// Real WinningPoSt over the sectors `info` challenges, each sector's sealed replica
/// and cache where `locate` (given the sector number) finds them: the one proof a
/// block carries.
pub fn prove_winning_post(
    info: &MinerBaseInfo,
    miner_id: u64,
    rand: [u8; 32],
    locate: impl Fn(u64) -> Result<padma_proofs::seal::SectorPaths>,
) -> Result<Vec<PoStProof>> {
    let sectors = info
        .sectors
        .iter()
        .map(|s| {
            let paths = locate(s.number)?;
            Ok(padma_proofs::post::ProvingSector {
                number: s.number,
                comm_r: sealed_commitment(&s.sealed_cid)?,
                sealed: paths.sealed,
                cache: paths.cache,
            })
        })
        .collect::<Result<Vec<_>>>()?;
    let proof = padma_proofs::post::generate_winning_post(
        info.winning_post_proof,
        padma_proofs::seal::prover_id(miner_id),
        rand,
        &sectors,
    )?;
    Ok(vec![PoStProof {
        post_proof: RegisteredPoStProof::from(info.winning_post_proof),
        proof_bytes: proof,
    }])
}

/// Real WinningPoSt proofs over sealed sectors kept in Lotus's layout under `root`
/// (`sealed/` and `cache/`, as `padma-seed pre-seal` writes them).
#[derive(Clone, Debug)]
pub struct FileWinningProver {
    /// The sector storage root.
    pub root: std::path::PathBuf,
}

impl WinningProver for FileWinningProver {
    fn prove(&self, info: &MinerBaseInfo, miner_id: u64, rand: [u8; 32]) -> Result<Vec<PoStProof>> {
        prove_winning_post(info, miner_id, rand, |n| {
            Ok(padma_proofs::seal::SectorPaths::new(
                &self.root, miner_id, n,
            ))
        })
    }
}

/// The outcome of one mining attempt.
#[derive(Debug)]
pub enum Attempt {
    /// The miner won and submitted this block.
    Mined(Box<FullBlock>),
    /// The miner did not win (or may not mine) this round.
    Lost,
}

/// What a miner can work out for a round as soon as it knows the base: whether it
/// wins, and if so its ticket, election proof and WinningPoSt. It depends only on the
/// base and the round, so it can be done before the epoch starts.
#[derive(Debug)]
pub enum Prepared {
    /// The miner does not win (or may not mine) this round on this base.
    Lost,
    /// The miner wins: everything of the block but its messages.
    Won(Box<Win>),
}

/// The winning part of a block, proven on a base.
#[derive(Debug)]
pub struct Win {
    ticket: Ticket,
    eproof: ElectionProof,
    beacon_values: Vec<padma_types::block::BeaconEntry>,
    winning_post_proof: Vec<PoStProof>,
}

/// Proof work done ahead of an epoch, on the base known at the time.
#[derive(Debug)]
pub struct Speculation {
    base: TipSetKey,
    round: i64,
    prepared: Prepared,
}

impl Speculation {
    /// Work for `round` on `base`.
    pub fn new(base: &TipSet, round: i64, prepared: Prepared) -> Self {
        Speculation {
            base: base.key().clone(),
            round,
            prepared,
        }
    }

    /// True when this is the work for `round` on `base`.
    pub fn is_for(&self, base: &TipSet, round: i64) -> bool {
        self.round == round && &self.base == base.key()
    }

    /// The prepared work, if it was made for `round` on `base`; `None` when a better
    /// base arrived meanwhile and the work must be redone on it.
    pub fn take_for(self, base: &TipSet, round: i64) -> Option<Prepared> {
        self.is_for(base, round).then_some(self.prepared)
    }
}

/// Runs the prover off the async workers when the runtime has others to run on.
fn prove_blocking<P: WinningProver + ?Sized>(
    prover: &P,
    info: &MinerBaseInfo,
    miner_id: u64,
    rand: [u8; 32],
) -> Result<Vec<PoStProof>> {
    use tokio::runtime::{Handle, RuntimeFlavor};
    match Handle::try_current().map(|h| h.runtime_flavor()) {
        Ok(RuntimeFlavor::MultiThread) => {
            tokio::task::block_in_place(|| prover.prove(info, miner_id, rand))
        }
        _ => prover.prove(info, miner_id, rand),
    }
}

/// Works out, on `base`, whether the miner wins `round` and proves it if so.
pub async fn prepare<N: MiningNode, P: WinningProver + ?Sized>(
    node: &N,
    prover: &P,
    miner: &Address,
    base: &TipSet,
    round: i64,
) -> Result<Prepared> {
    let Payload::ID(miner_id) = *miner.payload() else {
        bail!("miner {miner} is not an ID address");
    };
    let Some(info) = node.base_info(miner, round, base).await? else {
        return Ok(Prepared::Lost);
    };
    if !info.eligible_for_mining {
        return Ok(Prepared::Lost);
    }
    let rbase = info.randomness_base().clone();
    let eproof = node
        .sign(&info.worker_key, &election_input(&rbase, round, miner))
        .await?;
    let wins = win_count(&eproof.bytes, &info.miner_power, &info.network_power);
    if wins < 1 {
        return Ok(Prepared::Lost);
    }
    let parent_ticket = base
        .min_ticket_block()
        .ticket
        .as_ref()
        .map(|t| t.vrf_proof.clone())
        .unwrap_or_default();
    let ticket = node
        .sign(
            &info.worker_key,
            &ticket_input(&rbase, round, miner, &parent_ticket),
        )
        .await?;
    let prand = draw_from_base(
        &rbase.data,
        Tag::WinningPoStChallengeSeed,
        round,
        &address_cbor(miner),
    );
    let winning_post_proof = prove_blocking(prover, &info, miner_id, prand)?;
    Ok(Prepared::Won(Box::new(Win {
        ticket: Ticket {
            vrf_proof: ticket.bytes,
        },
        eproof: ElectionProof {
            win_count: wins,
            vrf_proof: eproof.bytes,
        },
        beacon_values: info.beacon_entries,
        winning_post_proof,
    })))
}

/// Completes a prepared attempt at the epoch's start: selects the messages (those
/// that arrived until now), creates, signs and submits the block.
pub async fn finish<N: MiningNode>(
    node: &N,
    miner: &Address,
    base: &TipSet,
    round: i64,
    prepared: Prepared,
) -> Result<Attempt> {
    let Prepared::Won(win) = prepared else {
        return Ok(Attempt::Lost);
    };
    let messages = node.select_messages(base).await.unwrap_or_else(|e| {
        tracing::warn!(
            height = round,
            "message selection failed ({e:#}); mining without messages"
        );
        Vec::new()
    });
    let (genesis_ts, delay_ms) = node.timing().await?;
    let timestamp = (genesis_ts * 1000 + u64::try_from(round)? * delay_ms) / 1000;
    let template = BlockTemplate {
        miner: *miner,
        parents: base.key().clone(),
        ticket: win.ticket,
        eproof: win.eproof,
        beacon_values: win.beacon_values,
        messages,
        epoch: round,
        timestamp,
        winning_post_proof: win.winning_post_proof,
    };
    create_and_submit(node, template).await.map(Attempt::Mined)
}

/// Creates and submits the block of `template`. A block with messages that could not
/// be made, or that the node refused as invalid, is made again without them, so that
/// no message (one the pool should never have offered) can keep this miner from
/// producing blocks; the refusal is logged. A submission that failed otherwise is not
/// retried: the node may have accepted the block, and a second block for the same
/// epoch would be a consensus fault.
async fn create_and_submit<N: MiningNode>(
    node: &N,
    template: BlockTemplate,
) -> Result<Box<FullBlock>> {
    let empty = BlockTemplate {
        messages: Vec::new(),
        ..template.clone()
    };
    let with_messages = !template.messages.is_empty();
    let refused = match node.create_block(template).await {
        Err(e) if with_messages => e,
        Err(e) => return Err(e),
        Ok(block) => {
            let cid = block.header.cid();
            let Err(e) = node.submit_block(block.clone()).await else {
                return Ok(Box::new(block));
            };
            match node.bad_block(&cid).await {
                Ok(Some(reason)) if with_messages => anyhow::anyhow!("{reason}"),
                _ => return Err(e),
            }
        }
    };
    tracing::warn!(
        height = empty.epoch,
        "the block with the selected messages was refused ({refused:#}); mining it without messages"
    );
    let block = node.create_block(empty).await?;
    node.submit_block(block.clone()).await?;
    Ok(Box::new(block))
}

/// Tries to mine `round` on `base` once; the block's timestamp is the epoch's.
pub async fn mine_one<N: MiningNode, P: WinningProver + ?Sized>(
    node: &N,
    prover: &P,
    miner: &Address,
    base: &TipSet,
    round: i64,
) -> Result<Attempt> {
    let prepared = prepare(node, prover, miner, base, round).await?;
    finish(node, miner, base, round, prepared).await
}

/// Mines until `stop` turns true: one attempt per epoch on the heaviest tipset known
/// at the epoch's start. The proving is done ahead: as soon as the base for the next
/// round is known (the block just mined, or a settled head), the election and the
/// WinningPoSt run before the epoch starts, so at its start the block only needs its
/// messages, a signature and submitting. Work done on a base that a better one
/// replaced before the start is dropped and redone. Errors of one attempt are logged
/// and mining goes on.
pub async fn run<N: MiningNode, P: WinningProver + ?Sized>(
    node: &N,
    prover: &P,
    miner: Address,
    mut stop: watch::Receiver<bool>,
) -> Result<()> {
    let (genesis_ts, delay_ms) = node.timing().await?;
    let mut last: i64 = 0;
    let mut ahead: Option<Speculation> = None;
    while !*stop.borrow() {
        let head = node.head().await?;
        let now_epoch = i64::try_from(now_ms().saturating_sub(genesis_ts * 1000) / delay_ms)?;
        let round = (head.height() + 1).max(last + 1).max(now_epoch);
        if !ahead.as_ref().is_some_and(|s| s.is_for(&head, round)) {
            ahead = match prepare(node, prover, &miner, &head, round).await {
                Ok(p) => Some(Speculation::new(&head, round, p)),
                Err(e) => {
                    tracing::debug!(height = round, "proving ahead failed: {e:#}");
                    None
                }
            };
        }
        let start = genesis_ts * 1000 + u64::try_from(round)? * delay_ms;
        let wait = start.saturating_sub(now_ms());
        tokio::select! {
            _ = tokio::time::sleep(std::time::Duration::from_millis(wait)) => {}
            _ = stop.wait_for(|s| *s) => break,
        }
        let base = node.head().await?;
        if base.height() >= round {
            continue;
        }
        last = round;
        let prepared = match ahead.take().and_then(|s| s.take_for(&base, round)) {
            Some(p) => Ok(p),
            None => {
                tracing::info!(
                    height = round,
                    base_height = base.height(),
                    "a better base arrived: proving again on it"
                );
                prepare(node, prover, &miner, &base, round).await
            }
        };
        let attempt = match prepared {
            Ok(p) => finish(node, &miner, &base, round, p).await,
            Err(e) => Err(e),
        };
        match attempt {
            Ok(Attempt::Mined(b)) => {
                let late_ms = now_ms().saturating_sub(start);
                tracing::info!(height = round, block = %b.header.cid(), msgs = b.bls_messages.len() + b.secp_messages.len(), late_ms, "mined a block");
            }
            Ok(Attempt::Lost) => tracing::debug!(height = round, "did not win"),
            Err(e) => tracing::warn!(height = round, "mining failed: {e:#}"),
        }
    }
    Ok(())
}

/// A [`MiningNode`] in the same process as the chain service, signing with keys it
/// holds (the genesis miners' worker keys).
pub struct LocalNode {
    /// The chain service.
    pub svc: Arc<ChainService>,
    /// Keys by address.
    pub keys: HashMap<Address, KeyInfo>,
}

impl LocalNode {
    fn sm(&self) -> &crate::sm::StateManager {
        self.svc.sm()
    }
}

impl MiningNode for LocalNode {
    async fn head(&self) -> Result<TipSet> {
        Ok(self.sm().head())
    }

    async fn base_info(
        &self,
        miner: &Address,
        round: i64,
        base: &TipSet,
    ) -> Result<Option<MinerBaseInfo>> {
        self.sm().miner_base_info(miner, round, base)
    }

    async fn sign(&self, key: &Address, data: &[u8]) -> Result<Signature> {
        let k = self
            .keys
            .get(key)
            .ok_or_else(|| anyhow::anyhow!("no key for {key}"))?;
        Ok(k.sign(data)?)
    }

    async fn select_messages(&self, base: &TipSet) -> Result<Vec<SignedMessage>> {
        self.svc.select_messages(base)
    }

    async fn create_block(&self, t: BlockTemplate) -> Result<FullBlock> {
        self.sm().create_block(&t, |a, d| {
            let k = self
                .keys
                .get(a)
                .ok_or_else(|| anyhow::anyhow!("no key for {a}"))?;
            Ok(k.sign(d)?)
        })
    }

    async fn submit_block(&self, b: FullBlock) -> Result<()> {
        self.svc.submit_block(b, now_ms())?;
        Ok(())
    }

    async fn bad_block(&self, cid: &cid::Cid) -> Result<Option<String>> {
        Ok(self.svc.bad_block(cid))
    }

    async fn timing(&self) -> Result<(u64, u64)> {
        Ok((
            self.sm().genesis().timestamp,
            self.sm().params().block_delay_ms,
        ))
    }
}
