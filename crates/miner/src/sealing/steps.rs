//! One step of a sector's state machine per state. A step reads and updates the
//! sector's record; the driver persists it and applies the outcome.

use super::node::SealingNode;
use super::sector::{Drawn, Sector, SectorState};
use super::{MinerFacts, Pipeline};
use anyhow::{anyhow, Context, Result};
use fil_actor_miner_state::v18::{
    max_prove_commit_duration, CompactCommD, PreCommitSectorBatchParams2,
    ProveCommitSectors3Params, SectorActivationManifest, SectorPreCommitInfo,
};
use fvm_ipld_encoding::RawBytes;
use fvm_shared::address::Address;
use fvm_shared::econ::TokenAmount;
use fvm_shared::message::Message;
use fvm_shared::sector::RegisteredSealProof;
use padma_proofs::seal::{self, prover_id, SectorPaths};
use padma_proofs::verifier::mock;
use padma_state::actors::method;

/// Domain separation tag of seal randomness (the ticket).
pub const TAG_SEAL_RANDOMNESS: i64 = 5;
/// Domain separation tag of the interactive seal challenge seed.
pub const TAG_INTERACTIVE_SEAL: i64 = 6;
/// How far behind the head the ticket is drawn (Lotus's `SealRandomnessLookback`,
/// the chain finality).
pub const SEAL_RANDOMNESS_LOOKBACK: i64 = 900;
/// Epochs of margin kept before a ticket becomes too old to pre-commit with.
const TICKET_MARGIN: i64 = 20;

/// What a step decided.
#[derive(Debug)]
pub(crate) enum Step {
    /// Move to a state, with the reason for the log.
    To(SectorState, String),
    /// Nothing to do yet: look again after the poll interval.
    Wait,
    /// The step failed: go to the failure state with this reason.
    Fail(String),
}

/// Gives the sector up with `reason`.
fn give_up(s: &mut Sector, reason: String) -> Result<Step> {
    s.last_err = reason.clone();
    Ok(Step::To(SectorState::FailedUnrecoverable, reason))
}

/// A chain read in a waiting state: an error only means "look again later".
macro_rules! or_wait {
    ($sector:expr, $e:expr) => {
        match $e {
            Ok(v) => v,
            Err(e) => {
                tracing::debug!(sector = $sector, "chain read failed, will retry: {e:#}");
                return Ok(Step::Wait);
            }
        }
    };
}

impl<N: SealingNode> Pipeline<N> {
    /// Runs the step of `s`'s current state.
    pub(crate) async fn step(&self, s: &mut Sector) -> Result<Step> {
        use SectorState::*;
        let f = match self.facts().await {
            Ok(f) => f,
            Err(e) => {
                tracing::warn!(sector = s.number, "cannot reach the miner on chain: {e:#}");
                return Ok(Step::Wait);
            }
        };
        match s.state {
            Packing => self.packing(f, s).await,
            PreCommit1 => self.pre_commit1(f, s).await,
            PreCommit2 => self.pre_commit2(f, s).await,
            PreCommitting => self.pre_committing(f, s).await,
            PreCommitWait => self.pre_commit_wait(s).await,
            WaitSeed => self.wait_seed(f, s).await,
            Committing => self.committing(f, s).await,
            SubmitCommit => self.submit_commit(f, s).await,
            CommitWait => self.commit_wait(f, s).await,
            FinalizeSector => self.finalize(f, s).await,
            Proving | FailedUnrecoverable => Ok(Step::Wait),
            failed => self.retry(s, failed).await,
        }
    }

    fn paths(&self, f: MinerFacts, s: &Sector) -> Result<SectorPaths> {
        self.inner
            .storage
            .new_sector(f.id, s.number)
            .ok_or_else(|| anyhow!("no sealing storage root"))
    }

    fn entropy(f: MinerFacts) -> Result<Vec<u8>> {
        fvm_ipld_encoding::to_vec(&Address::new_id(f.id))
            .map_err(|e| anyhow!("encoding the miner address: {e}"))
    }

    /// Runs proof work on a blocking thread, one heavy step at a time.
    async fn heavy<T, F>(&self, what: &str, work: F) -> Result<T>
    where
        T: Send + 'static,
        F: FnOnce() -> Result<T> + Send + 'static,
    {
        let _permit = self
            .inner
            .heavy
            .acquire()
            .await
            .map_err(|e| anyhow!("{what}: {e}"))?;
        tokio::task::spawn_blocking(work)
            .await
            .map_err(|e| anyhow!("{what} task failed: {e}"))?
            .with_context(|| what.to_string())
    }

    async fn packing(&self, f: MinerFacts, s: &mut Sector) -> Result<Step> {
        let paths = self.paths(f, s)?;
        let seal = s.seal_proof;
        let piece = self
            .heavy("adding the CC piece", move || {
                seal::remove_unsealed(&paths)?;
                seal::add_cc_piece(seal, &paths.unsealed)
            })
            .await?;
        s.pieces = vec![piece];
        Ok(Step::To(
            SectorState::PreCommit1,
            "committed-capacity piece added".into(),
        ))
    }

    async fn pre_commit1(&self, f: MinerFacts, s: &mut Sector) -> Result<Step> {
        let node = &self.inner.node;
        let head = node.head_height().await?;
        let epoch = (head - SEAL_RANDOMNESS_LOOKBACK).max(0);
        let value = node
            .ticket_randomness(TAG_SEAL_RANDOMNESS, epoch, Self::entropy(f)?)
            .await
            .context("drawing the ticket")?;
        s.ticket = Some(Drawn { value, epoch });
        s.pc1_out = None;
        if self.inner.mock_proofs {
            return Ok(Step::To(
                SectorState::PreCommit2,
                format!("ticket drawn at epoch {epoch}"),
            ));
        }
        let paths = self.paths(f, s)?;
        let (seal, n, pieces) = (s.seal_proof, s.number, s.pieces.clone());
        let out = self
            .heavy("PreCommit1", move || {
                seal::pre_commit1(seal, &paths, prover_id(f.id), n, value, &pieces)
            })
            .await?;
        s.pc1_out = Some(serde_json::to_value(out)?);
        Ok(Step::To(
            SectorState::PreCommit2,
            format!("ticket drawn at epoch {epoch}; PreCommit1 done"),
        ))
    }

    async fn pre_commit2(&self, f: MinerFacts, s: &mut Sector) -> Result<Step> {
        let paths = self.paths(f, s)?;
        let seal = s.seal_proof;
        let c = if self.inner.mock_proofs {
            self.heavy("faux replication", move || seal::fauxrep(seal, &paths))
                .await?
        } else {
            let Some(raw) = s.pc1_out.clone() else {
                return Ok(Step::To(
                    SectorState::PreCommit1,
                    "no PreCommit1 output: running PreCommit1 again".into(),
                ));
            };
            let pc1: seal::PreCommit1Output =
                serde_json::from_value(raw).context("decoding the PreCommit1 output")?;
            self.heavy("PreCommit2", move || seal::pre_commit2(pc1, &paths))
                .await?
        };
        s.comm_r = Some(c.comm_r);
        s.comm_d = Some(c.comm_d);
        s.pc1_out = None;
        let cid = s.sealed_cid()?.map(|c| c.to_string()).unwrap_or_default();
        Ok(Step::To(SectorState::PreCommitting, format!("CommR {cid}")))
    }

    /// Whether the chain already has the sector, or its pre-commitment: the state
    /// to move to, if so.
    async fn already_on_chain(&self, f: MinerFacts, s: &mut Sector) -> Result<Option<Step>> {
        let node = &self.inner.node;
        let maddr = Address::new_id(f.id);
        let sealed = s.sealed_cid()?.context("no CommR")?;
        if let Some(sec) = node.sector_info(maddr, s.number).await? {
            if sec.sealed_cid != sealed {
                return give_up(
                    s,
                    format!(
                        "sector {} is on chain with another CommR ({})",
                        s.number, sec.sealed_cid
                    ),
                )
                .map(Some);
            }
            return Ok(Some(Step::To(
                SectorState::FinalizeSector,
                "the sector is already on chain".into(),
            )));
        }
        if s.state == SectorState::PreCommitting {
            if let Some(pc) = node.precommit_info(maddr, s.number).await? {
                if pc.sealed_cid != sealed {
                    return give_up(
                        s,
                        format!(
                            "sector number {} is pre-committed on chain with another CommR ({})",
                            s.number, pc.sealed_cid
                        ),
                    )
                    .map(Some);
                }
                s.precommit_epoch = Some(pc.pre_commit_epoch);
                s.expiration = Some(pc.expiration);
                return Ok(Some(Step::To(
                    SectorState::WaitSeed,
                    format!("already pre-committed at epoch {}", pc.pre_commit_epoch),
                )));
            }
        }
        Ok(None)
    }

    async fn pre_committing(&self, f: MinerFacts, s: &mut Sector) -> Result<Step> {
        let node = &self.inner.node;
        if let Some(step) = self.already_on_chain(f, s).await? {
            return Ok(step);
        }
        if let Some(c) = s.precommit_msg {
            match node.search_msg(c).await? {
                None => {
                    return Ok(Step::To(
                        SectorState::PreCommitWait,
                        format!("pre-commit message {c} is still pending"),
                    ))
                }
                Some(l) if l.exit_code == 0 => {
                    return Ok(Step::To(
                        SectorState::PreCommitWait,
                        format!("pre-commit message {} landed", l.cid),
                    ))
                }
                Some(l) => {
                    s.precommit_msg = None;
                    s.push_log(
                        "event",
                        format!(
                            "pre-commit message {} failed (exit {}): sending again",
                            l.cid, l.exit_code
                        ),
                    );
                }
            }
        }
        let head = node.head_height().await?;
        let ticket = s.ticket.clone().context("no ticket")?;
        let earliest = head
            - padma_state::policy::devnet_policy().max_pre_commit_randomness_lookback
            + TICKET_MARGIN;
        if ticket.epoch < earliest {
            s.ticket = None;
            s.comm_r = None;
            s.comm_d = None;
            return Ok(Step::To(
                SectorState::Packing,
                format!(
                    "ticket epoch {} is too old at {head}: sealing again",
                    ticket.epoch
                ),
            ));
        }
        let maddr = Address::new_id(f.id);
        let expiration = head + self.inner.config.cc_lifetime;
        let pci = SectorPreCommitInfo {
            seal_proof: RegisteredSealProof::from(s.seal_proof),
            sector_number: s.number,
            sealed_cid: s.sealed_cid()?.context("no CommR")?,
            seal_rand_epoch: ticket.epoch,
            deal_ids: vec![],
            expiration,
            unsealed_cid: CompactCommD::new(s.unsealed_cid()?),
        };
        let deposit = node
            .precommit_deposit(maddr, &pci)
            .await
            .context("estimating the pre-commit deposit")?;
        let params = PreCommitSectorBatchParams2 { sectors: vec![pci] };
        let msg = self.message(
            maddr,
            method::miner::PRE_COMMIT_SECTOR_BATCH2,
            RawBytes::serialize(&params)?,
            deposit.clone(),
        );
        let cid = node
            .push_message(msg)
            .await
            .context("pushing PreCommitSectorBatch2")?;
        s.precommit_msg = Some(cid);
        s.expiration = Some(expiration);
        Ok(Step::To(
            SectorState::PreCommitWait,
            format!("PreCommitSectorBatch2 {cid} sent with deposit {deposit}"),
        ))
    }

    fn message(&self, to: Address, method: u64, params: RawBytes, value: TokenAmount) -> Message {
        crate::messages::message(self.inner.worker, to, method, value, params)
    }

    async fn pre_commit_wait(&self, s: &mut Sector) -> Result<Step> {
        let Some(c) = s.precommit_msg else {
            return Ok(Step::To(
                SectorState::PreCommitting,
                "no pre-commit message".into(),
            ));
        };
        let Some(l) = or_wait!(s.number, self.inner.node.search_msg(c).await) else {
            return Ok(Step::Wait);
        };
        s.precommit_msg = Some(l.cid);
        if l.exit_code != 0 {
            return Ok(Step::Fail(format!(
                "pre-commit message {} failed with exit code {}",
                l.cid, l.exit_code
            )));
        }
        Ok(Step::To(
            SectorState::WaitSeed,
            format!(
                "pre-commit executed (receipt in the tipset at epoch {})",
                l.height
            ),
        ))
    }

    async fn wait_seed(&self, f: MinerFacts, s: &mut Sector) -> Result<Step> {
        let node = &self.inner.node;
        let maddr = Address::new_id(f.id);
        let sealed = s.sealed_cid()?.context("no CommR")?;
        let pc = match or_wait!(s.number, node.precommit_info(maddr, s.number).await) {
            Some(pc) => pc,
            None => {
                if let Some(step) = self.already_on_chain(f, s).await? {
                    return Ok(step);
                }
                return Ok(Step::Fail(
                    "the pre-commitment is not on chain (reorged out or expired?)".into(),
                ));
            }
        };
        if pc.sealed_cid != sealed {
            return give_up(
                s,
                format!(
                    "the chain's pre-commitment has another CommR ({})",
                    pc.sealed_cid
                ),
            );
        }
        s.precommit_epoch = Some(pc.pre_commit_epoch);
        s.precommit_deposit = Some(pc.deposit.atto().to_string());
        s.expiration = Some(pc.expiration);
        let policy = padma_state::policy::devnet_policy();
        let seed_epoch = pc.pre_commit_epoch + policy.pre_commit_challenge_delay;
        let head = or_wait!(s.number, node.head_height().await);
        let proof = RegisteredSealProof::from(s.seal_proof);
        let due = pc.pre_commit_epoch + max_prove_commit_duration(&policy, proof).unwrap_or(0);
        if head > due {
            return give_up(
                s,
                format!("the pre-commitment expired at epoch {due} (now {head})"),
            );
        }
        if head < seed_epoch + self.inner.config.seed_confidence {
            return Ok(Step::Wait);
        }
        let value = or_wait!(
            s.number,
            node.beacon_randomness(TAG_INTERACTIVE_SEAL, seed_epoch, Self::entropy(f)?)
                .await
        );
        s.seed = Some(Drawn {
            value,
            epoch: seed_epoch,
        });
        Ok(Step::To(
            SectorState::Committing,
            format!("seed drawn at epoch {seed_epoch}"),
        ))
    }

    async fn committing(&self, f: MinerFacts, s: &mut Sector) -> Result<Step> {
        let ticket = s.ticket.clone().context("no ticket")?;
        let seed = s.seed.clone().context("no seed")?;
        let comm_r = s.comm_r.context("no CommR")?;
        let comm_d = s.comm_d.context("no CommD")?;
        let (seal_proof, n) = (s.seal_proof, s.number);
        let proof = if self.inner.mock_proofs {
            mock::seal_proof(&padma_proofs::SealVerifyInfo {
                seal_proof,
                miner_id: f.id,
                sector_number: n,
                comm_r,
                comm_d,
                ticket: ticket.value,
                seed: seed.value,
                proof: vec![],
            })
        } else {
            let paths = self.paths(f, s)?;
            let pieces = s.pieces.clone();
            let prover = prover_id(f.id);
            self.heavy("Commit1/Commit2", move || {
                let c1 = seal::commit1(
                    seal_proof,
                    &paths,
                    prover,
                    n,
                    ticket.value,
                    seed.value,
                    seal::SectorCommitments { comm_r, comm_d },
                    &pieces,
                )?;
                seal::commit2(c1, prover, n)
            })
            .await?
        };
        let len = proof.len();
        s.proof = Some(proof);
        Ok(Step::To(
            SectorState::SubmitCommit,
            format!("seal proof computed ({len} bytes)"),
        ))
    }

    async fn submit_commit(&self, f: MinerFacts, s: &mut Sector) -> Result<Step> {
        let node = &self.inner.node;
        if let Some(step) = self.already_on_chain(f, s).await? {
            return Ok(step);
        }
        if let Some(c) = s.commit_msg {
            match node.search_msg(c).await? {
                None => {
                    return Ok(Step::To(
                        SectorState::CommitWait,
                        format!("prove-commit message {c} is still pending"),
                    ))
                }
                Some(l) if l.exit_code == 0 => {
                    return Ok(Step::To(
                        SectorState::CommitWait,
                        format!("prove-commit message {} landed", l.cid),
                    ))
                }
                Some(l) => {
                    s.commit_msg = None;
                    s.push_log(
                        "event",
                        format!(
                            "prove-commit message {} failed (exit {}): sending again",
                            l.cid, l.exit_code
                        ),
                    );
                }
            }
        }
        let maddr = Address::new_id(f.id);
        let Some(pc) = node.precommit_info(maddr, s.number).await? else {
            return Ok(Step::Fail(
                "the pre-commitment is not on chain (reorged out or expired?)".into(),
            ));
        };
        let proof = s.proof.clone().context("no seal proof")?;
        let ticket = s.ticket.clone().context("no ticket")?;
        let pci = SectorPreCommitInfo {
            seal_proof: RegisteredSealProof::from(s.seal_proof),
            sector_number: s.number,
            sealed_cid: pc.sealed_cid,
            seal_rand_epoch: ticket.epoch,
            deal_ids: vec![],
            expiration: pc.expiration,
            unsealed_cid: CompactCommD::new(s.unsealed_cid()?),
        };
        let pledge = node
            .initial_pledge(maddr, &pci)
            .await
            .context("estimating the initial pledge")?;
        let value = if pledge > pc.deposit {
            pledge - &pc.deposit
        } else {
            TokenAmount::default()
        };
        let params = ProveCommitSectors3Params {
            sector_activations: vec![SectorActivationManifest {
                sector_number: s.number,
                pieces: vec![],
            }],
            sector_proofs: vec![RawBytes::new(proof)],
            aggregate_proof: RawBytes::default(),
            aggregate_proof_type: None,
            require_activation_success: true,
            require_notification_success: true,
        };
        let msg = self.message(
            maddr,
            method::miner::PROVE_COMMIT_SECTORS3,
            RawBytes::serialize(&params)?,
            value.clone(),
        );
        let cid = node
            .push_message(msg)
            .await
            .context("pushing ProveCommitSectors3")?;
        s.commit_msg = Some(cid);
        Ok(Step::To(
            SectorState::CommitWait,
            format!("ProveCommitSectors3 {cid} sent with {value} of pledge"),
        ))
    }

    async fn commit_wait(&self, f: MinerFacts, s: &mut Sector) -> Result<Step> {
        let node = &self.inner.node;
        let Some(c) = s.commit_msg else {
            return Ok(Step::To(
                SectorState::SubmitCommit,
                "no prove-commit message".into(),
            ));
        };
        let Some(l) = or_wait!(s.number, node.search_msg(c).await) else {
            return Ok(Step::Wait);
        };
        s.commit_msg = Some(l.cid);
        if l.exit_code != 0 {
            return Ok(Step::Fail(format!(
                "prove-commit message {} failed with exit code {}",
                l.cid, l.exit_code
            )));
        }
        let sealed = s.sealed_cid()?.context("no CommR")?;
        let maddr = Address::new_id(f.id);
        match or_wait!(s.number, node.sector_info(maddr, s.number).await) {
            Some(sec) if sec.sealed_cid == sealed => Ok(Step::To(
                SectorState::FinalizeSector,
                format!(
                    "activated on chain (receipt in the tipset at epoch {})",
                    l.height
                ),
            )),
            Some(sec) => give_up(
                s,
                format!("the chain's sector has another CommR ({})", sec.sealed_cid),
            ),
            None => Ok(Step::Fail(format!(
                "prove-commit {} landed but sector {} is not on chain",
                l.cid, s.number
            ))),
        }
    }

    async fn finalize(&self, f: MinerFacts, s: &mut Sector) -> Result<Step> {
        let paths = self.paths(f, s)?;
        let real = !self.inner.mock_proofs;
        self.heavy("finalizing", move || {
            if real {
                seal::finalize(&paths)?;
            }
            seal::remove_unsealed(&paths)
        })
        .await?;
        s.pc1_out = None;
        Ok(Step::To(SectorState::Proving, "sealed and on chain".into()))
    }

    async fn retry(&self, s: &mut Sector, failed: SectorState) -> Result<Step> {
        let max = self.inner.config.max_retries;
        if s.retries > max {
            let reason = format!("gave up after {} failures; last: {}", s.retries, s.last_err);
            return give_up(s, reason);
        }
        let Some(to) = failed.retry_state() else {
            return give_up(s, format!("no retry from {failed}"));
        };
        let factor = u32::try_from(s.retries.clamp(1, 10)).unwrap_or(10);
        tokio::time::sleep(self.inner.config.retry_delay * factor).await;
        Ok(Step::To(to, format!("retry {} of {max}", s.retries)))
    }
}
