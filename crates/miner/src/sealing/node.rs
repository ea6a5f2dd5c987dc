//! What the pipeline asks of the chain, as a trait ([`SealingNode`]) implemented over
//! the full node's API ([`FullNode`]) — and by a fake chain in the unit tests.

use crate::fullnode::FullNode;
use anyhow::{anyhow, bail, Context, Result};
use cid::Cid;
use fil_actor_miner_state::v18::SectorPreCommitInfo;
use fvm_shared::address::Address;
use fvm_shared::econ::TokenAmount;
use fvm_shared::message::Message;
use padma_types::json::{AddressJson, BytesJson, CidJson, MessageJson};
use serde_json::{json, Value};
use std::future::Future;

/// A message found on chain.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Landed {
    /// The CID of the message that executed (a replacement's, if it was replaced).
    pub cid: Cid,
    /// The receipt's exit code.
    pub exit_code: i64,
    /// The epoch of the tipset it executed in.
    pub height: i64,
}

/// A pre-commitment on chain.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PreCommitOnChain {
    /// Its CommR.
    pub sealed_cid: Cid,
    /// The epoch it landed.
    pub pre_commit_epoch: i64,
    /// Its deposit.
    pub deposit: TokenAmount,
    /// The sector's expiration.
    pub expiration: i64,
}

/// A sector on chain.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SectorOnChain {
    /// Its CommR.
    pub sealed_cid: Cid,
    /// The full `SectorOnChainInfo` JSON.
    pub json: Value,
}

/// The chain, as the sealing pipeline sees it. Methods read at the current head.
pub trait SealingNode: Send + Sync + 'static {
    /// The head's height.
    fn head_height(&self) -> impl Future<Output = Result<i64>> + Send;
    /// The ID of an address.
    fn lookup_id(&self, a: Address) -> impl Future<Output = Result<u64>> + Send;
    /// The miner's sector size in bytes.
    fn sector_size(&self, miner: Address) -> impl Future<Output = Result<u64>> + Send;
    /// The largest sector number the miner has allocated on chain.
    fn max_allocated(&self, miner: Address) -> impl Future<Output = Result<Option<u64>>> + Send;
    /// Ticket randomness (`StateGetRandomnessFromTickets`).
    fn ticket_randomness(
        &self,
        tag: i64,
        round: i64,
        entropy: Vec<u8>,
    ) -> impl Future<Output = Result<[u8; 32]>> + Send;
    /// Beacon randomness (`StateGetRandomnessFromBeacon`).
    fn beacon_randomness(
        &self,
        tag: i64,
        round: i64,
        entropy: Vec<u8>,
    ) -> impl Future<Output = Result<[u8; 32]>> + Send;
    /// The pre-commit deposit of a sector (`StateMinerPreCommitDepositForPower`).
    fn precommit_deposit(
        &self,
        miner: Address,
        pci: &SectorPreCommitInfo,
    ) -> impl Future<Output = Result<TokenAmount>> + Send;
    /// The initial pledge of a sector (`StateMinerInitialPledgeCollateral`).
    fn initial_pledge(
        &self,
        miner: Address,
        pci: &SectorPreCommitInfo,
    ) -> impl Future<Output = Result<TokenAmount>> + Send;
    /// Signs (with the `from` key in the node's wallet), estimates gas and pushes a
    /// message; returns the CID to look it up by.
    fn push_message(&self, msg: Message) -> impl Future<Output = Result<Cid>> + Send;
    /// The message, if it executed on the current chain.
    fn search_msg(&self, cid: Cid) -> impl Future<Output = Result<Option<Landed>>> + Send;
    /// The sector's pre-commitment, if the chain has one.
    fn precommit_info(
        &self,
        miner: Address,
        n: u64,
    ) -> impl Future<Output = Result<Option<PreCommitOnChain>>> + Send;
    /// The sector, if the chain has it.
    fn sector_info(
        &self,
        miner: Address,
        n: u64,
    ) -> impl Future<Output = Result<Option<SectorOnChain>>> + Send;
}

/// Lotus JSON of a `SectorPreCommitInfo`.
pub fn pre_commit_info_json(pci: &SectorPreCommitInfo) -> Result<Value> {
    let unsealed = pci
        .unsealed_cid
        .0
        .map(CidJson)
        .map(serde_json::to_value)
        .transpose()?;
    Ok(json!({
        "SealProof": i64::from(pci.seal_proof),
        "SectorNumber": pci.sector_number,
        "SealedCID": CidJson(pci.sealed_cid),
        "SealRandEpoch": pci.seal_rand_epoch,
        "DealIDs": null,
        "Expiration": pci.expiration,
        "UnsealedCid": unsealed,
    }))
}

fn token(v: &Value, what: &str) -> Result<TokenAmount> {
    let s = v
        .as_str()
        .ok_or_else(|| anyhow!("{what}: expected a decimal string, got {v}"))?;
    let atto: fvm_shared::bigint::BigInt = s
        .parse()
        .map_err(|e| anyhow!("{what}: bad amount {s:?}: {e}"))?;
    Ok(TokenAmount::from_atto(atto))
}

fn cid_at(v: &Value, what: &str) -> Result<Cid> {
    let c: CidJson = serde_json::from_value(v.clone()).with_context(|| format!("{what}: {v}"))?;
    Ok(c.0)
}

fn bytes32(v: Value, what: &str) -> Result<[u8; 32]> {
    let b: BytesJson = serde_json::from_value(v).with_context(|| what.to_string())?;
    b.0.try_into()
        .map_err(|b: Vec<u8>| anyhow!("{what}: expected 32 bytes, got {}", b.len()))
}

/// The largest set bit of a bitfield in Lotus JSON (run lengths, starting unset).
pub fn max_in_runs(runs: &[u64]) -> Option<u64> {
    let mut pos = 0u64;
    let mut max = None;
    for (i, len) in runs.iter().enumerate() {
        let end = pos.saturating_add(*len);
        if i % 2 == 1 && *len > 0 {
            max = Some(end - 1);
        }
        pos = end;
    }
    max
}

/// Chain randomness from the node's `method` (tickets or beacon) at the head.
async fn randomness(
    node: &FullNode,
    method: &str,
    tag: i64,
    round: i64,
    entropy: Vec<u8>,
) -> Result<[u8; 32]> {
    let v: Value = node
        .call(
            method,
            vec![
                json!(tag),
                json!(round),
                json!(BytesJson(entropy)),
                Value::Null,
            ],
        )
        .await?;
    bytes32(v, method)
}

/// The collateral the node's `method` (pre-commit deposit or initial pledge) asks of
/// `miner` for the pre-commitment `pci` at the head.
async fn collateral(
    node: &FullNode,
    method: &str,
    miner: Address,
    pci: &SectorPreCommitInfo,
) -> Result<TokenAmount> {
    let v: Value = node
        .call(
            method,
            vec![
                json!(AddressJson(miner)),
                pre_commit_info_json(pci)?,
                Value::Null,
            ],
        )
        .await?;
    token(&v, method)
}

impl SealingNode for FullNode {
    async fn head_height(&self) -> Result<i64> {
        let h: Value = self.call("ChainHead", vec![]).await?;
        h["Height"]
            .as_i64()
            .ok_or_else(|| anyhow!("ChainHead: no height in {h}"))
    }

    async fn lookup_id(&self, a: Address) -> Result<u64> {
        if let fvm_shared::address::Payload::ID(id) = a.payload() {
            return Ok(*id);
        }
        let r: AddressJson = self
            .call("StateLookupID", vec![json!(AddressJson(a)), Value::Null])
            .await?;
        r.0.id().map_err(|e| anyhow!("StateLookupID({a}): {e}"))
    }

    async fn sector_size(&self, miner: Address) -> Result<u64> {
        let info: Value = self
            .call(
                "StateMinerInfo",
                vec![json!(AddressJson(miner)), Value::Null],
            )
            .await?;
        info["SectorSize"]
            .as_u64()
            .ok_or_else(|| anyhow!("StateMinerInfo: no sector size in {info}"))
    }

    async fn max_allocated(&self, miner: Address) -> Result<Option<u64>> {
        let v: Value = self
            .call(
                "StateMinerAllocated",
                vec![json!(AddressJson(miner)), Value::Null],
            )
            .await?;
        let runs: Vec<u64> = if v.is_null() {
            vec![]
        } else {
            serde_json::from_value(v).context("StateMinerAllocated: bad bitfield")?
        };
        Ok(max_in_runs(&runs))
    }

    async fn ticket_randomness(&self, tag: i64, round: i64, entropy: Vec<u8>) -> Result<[u8; 32]> {
        randomness(self, "StateGetRandomnessFromTickets", tag, round, entropy).await
    }

    async fn beacon_randomness(&self, tag: i64, round: i64, entropy: Vec<u8>) -> Result<[u8; 32]> {
        randomness(self, "StateGetRandomnessFromBeacon", tag, round, entropy).await
    }

    async fn precommit_deposit(
        &self,
        miner: Address,
        pci: &SectorPreCommitInfo,
    ) -> Result<TokenAmount> {
        collateral(self, "StateMinerPreCommitDepositForPower", miner, pci).await
    }

    async fn initial_pledge(
        &self,
        miner: Address,
        pci: &SectorPreCommitInfo,
    ) -> Result<TokenAmount> {
        collateral(self, "StateMinerInitialPledgeCollateral", miner, pci).await
    }

    async fn push_message(&self, msg: Message) -> Result<Cid> {
        let v: Value = self
            .call(
                "MpoolPushMessage",
                vec![serde_json::to_value(MessageJson::from(&msg))?, Value::Null],
            )
            .await?;
        cid_at(&v["CID"], "MpoolPushMessage CID")
    }

    async fn search_msg(&self, cid: Cid) -> Result<Option<Landed>> {
        let v: Value = self
            .call(
                "StateSearchMsg",
                vec![Value::Null, json!(CidJson(cid)), json!(-1), json!(true)],
            )
            .await?;
        if v.is_null() {
            return Ok(None);
        }
        let exit_code = v["Receipt"]["ExitCode"]
            .as_i64()
            .ok_or_else(|| anyhow!("StateSearchMsg: no exit code in {v}"))?;
        let height = v["Height"]
            .as_i64()
            .ok_or_else(|| anyhow!("StateSearchMsg: no height in {v}"))?;
        let cid = if v["Message"].is_null() {
            cid
        } else {
            cid_at(&v["Message"], "StateSearchMsg message")?
        };
        Ok(Some(Landed {
            cid,
            exit_code,
            height,
        }))
    }

    async fn precommit_info(&self, miner: Address, n: u64) -> Result<Option<PreCommitOnChain>> {
        let v: Value = self
            .call(
                "StateSectorPreCommitInfo",
                vec![json!(AddressJson(miner)), json!(n), Value::Null],
            )
            .await?;
        if v.is_null() {
            return Ok(None);
        }
        Ok(Some(PreCommitOnChain {
            sealed_cid: cid_at(&v["Info"]["SealedCID"], "pre-commit sealed CID")?,
            pre_commit_epoch: v["PreCommitEpoch"]
                .as_i64()
                .ok_or_else(|| anyhow!("StateSectorPreCommitInfo: no epoch in {v}"))?,
            deposit: token(&v["PreCommitDeposit"], "pre-commit deposit")?,
            expiration: v["Info"]["Expiration"]
                .as_i64()
                .ok_or_else(|| anyhow!("StateSectorPreCommitInfo: no expiration in {v}"))?,
        }))
    }

    async fn sector_info(&self, miner: Address, n: u64) -> Result<Option<SectorOnChain>> {
        let v: Value = self
            .call(
                "StateSectorGetInfo",
                vec![json!(AddressJson(miner)), json!(n), Value::Null],
            )
            .await?;
        if v.is_null() {
            return Ok(None);
        }
        let sealed_cid = cid_at(&v["SealedCID"], "sector sealed CID")?;
        if v["SectorNumber"].as_u64() != Some(n) {
            bail!("StateSectorGetInfo({n}) answered another sector: {v}");
        }
        Ok(Some(SectorOnChain {
            sealed_cid,
            json: v,
        }))
    }
}
