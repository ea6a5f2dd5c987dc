//! What the pipeline asks of the chain, as a trait ([`SealingNode`]) implemented over
//! the full node's API ([`FullNode`]) — and by a fake chain in the unit tests.

use crate::fullnode::FullNode;
use anyhow::{anyhow, bail, Result};
use cid::Cid;
use fil_actor_miner_state::v18::SectorPreCommitInfo;
use fvm_shared::address::Address;
use fvm_shared::econ::TokenAmount;
use fvm_shared::message::Message;
use padma_api::chain::ChainHead;
use padma_api::miner_json::{SectorOnChainInfoJson, SectorPreCommitInfoJson};
use padma_api::miner_state::{
    StateMinerAllocated, StateMinerInfo, StateMinerInitialPledgeCollateral,
    StateMinerPreCommitDepositForPower, StateSectorGetInfo, StateSectorPreCommitInfo,
};
use padma_api::msg_search::StateSearchMsg;
use padma_api::randomness::{StateGetRandomnessFromBeacon, StateGetRandomnessFromTickets};
use padma_api::state::StateLookupID;
use padma_types::json::block::TipSetKeyJson;
use padma_types::json::{AddressJson, BytesJson, CidJson};
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
#[derive(Debug, Clone, PartialEq)]
pub struct SectorOnChain {
    /// Its CommR.
    pub sealed_cid: Cid,
    /// The chain's `SectorOnChainInfo`.
    pub info: SectorOnChainInfoJson,
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
pub fn pre_commit_info_json(pci: &SectorPreCommitInfo) -> SectorPreCommitInfoJson {
    SectorPreCommitInfoJson {
        seal_proof: i64::from(pci.seal_proof),
        sector_number: pci.sector_number,
        sealed_cid: Some(CidJson(pci.sealed_cid)),
        seal_rand_epoch: pci.seal_rand_epoch,
        deal_ids: None,
        expiration: pci.expiration,
        unsealed_cid: pci.unsealed_cid.0.map(CidJson),
    }
}

fn bytes32(b: BytesJson, what: &str) -> Result<[u8; 32]> {
    b.0.try_into()
        .map_err(|b: Vec<u8>| anyhow!("{what}: expected 32 bytes, got {}", b.len()))
}

/// The head (the empty tipset key).
fn head() -> TipSetKeyJson {
    TipSetKeyJson::default()
}

impl SealingNode for FullNode {
    async fn head_height(&self) -> Result<i64> {
        Ok(self.request::<ChainHead>(()).await?.height)
    }

    async fn lookup_id(&self, a: Address) -> Result<u64> {
        if let fvm_shared::address::Payload::ID(id) = a.payload() {
            return Ok(*id);
        }
        let r = self
            .request::<StateLookupID>((AddressJson(a), head()))
            .await?;
        r.0.id().map_err(|e| anyhow!("StateLookupID({a}): {e}"))
    }

    async fn sector_size(&self, miner: Address) -> Result<u64> {
        let info = self
            .request::<StateMinerInfo>((AddressJson(miner), head()))
            .await?;
        Ok(info.sector_size)
    }

    async fn max_allocated(&self, miner: Address) -> Result<Option<u64>> {
        let allocated = self
            .request::<StateMinerAllocated>((AddressJson(miner), head()))
            .await?;
        Ok(allocated.0.last())
    }

    async fn ticket_randomness(&self, tag: i64, round: i64, entropy: Vec<u8>) -> Result<[u8; 32]> {
        let r = self
            .request::<StateGetRandomnessFromTickets>((
                Some(tag),
                Some(round),
                Some(BytesJson(entropy)),
                head(),
            ))
            .await?;
        bytes32(r, "StateGetRandomnessFromTickets")
    }

    async fn beacon_randomness(&self, tag: i64, round: i64, entropy: Vec<u8>) -> Result<[u8; 32]> {
        let r = self
            .request::<StateGetRandomnessFromBeacon>((
                Some(tag),
                Some(round),
                Some(BytesJson(entropy)),
                head(),
            ))
            .await?;
        bytes32(r, "StateGetRandomnessFromBeacon")
    }

    async fn precommit_deposit(
        &self,
        miner: Address,
        pci: &SectorPreCommitInfo,
    ) -> Result<TokenAmount> {
        let deposit = self
            .request::<StateMinerPreCommitDepositForPower>((
                AddressJson(miner),
                pre_commit_info_json(pci),
                head(),
            ))
            .await?;
        Ok(deposit.0)
    }

    async fn initial_pledge(
        &self,
        miner: Address,
        pci: &SectorPreCommitInfo,
    ) -> Result<TokenAmount> {
        let pledge = self
            .request::<StateMinerInitialPledgeCollateral>((
                AddressJson(miner),
                pre_commit_info_json(pci),
                head(),
            ))
            .await?;
        Ok(pledge.0)
    }

    async fn push_message(&self, msg: Message) -> Result<Cid> {
        crate::messages::push(self, &msg).await
    }

    async fn search_msg(&self, cid: Cid) -> Result<Option<Landed>> {
        let found = self
            .request::<StateSearchMsg>((head(), CidJson(cid), Some(-1), Some(true)))
            .await?;
        Ok(found.map(|l| Landed {
            cid: l.message.0,
            exit_code: i64::from(l.receipt.exit_code),
            height: l.height,
        }))
    }

    async fn precommit_info(&self, miner: Address, n: u64) -> Result<Option<PreCommitOnChain>> {
        let found = self
            .request::<StateSectorPreCommitInfo>((AddressJson(miner), n, head()))
            .await?;
        let Some(p) = found else {
            return Ok(None);
        };
        let sealed_cid = p
            .info
            .sealed_cid
            .ok_or_else(|| anyhow!("StateSectorPreCommitInfo({n}): no sealed CID"))?;
        Ok(Some(PreCommitOnChain {
            sealed_cid: sealed_cid.0,
            pre_commit_epoch: p.pre_commit_epoch,
            deposit: p.pre_commit_deposit.0,
            expiration: p.info.expiration,
        }))
    }

    async fn sector_info(&self, miner: Address, n: u64) -> Result<Option<SectorOnChain>> {
        let found = self
            .request::<StateSectorGetInfo>((AddressJson(miner), n, head()))
            .await?;
        let Some(info) = found else {
            return Ok(None);
        };
        if info.sector_number != n {
            bail!(
                "StateSectorGetInfo({n}) answered another sector: {}",
                info.sector_number
            );
        }
        Ok(Some(SectorOnChain {
            sealed_cid: info.sealed_cid.0,
            info,
        }))
    }
}
