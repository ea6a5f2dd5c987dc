//! The StorageMiner API: handlers for padma-api's StorageMiner definitions (the common
//! methods included), served on `/rpc/v0` only, and the state they share.

use crate::fullnode::FullNode;
use crate::records::{self, SectorRecord};
use crate::sealing::sector::apply_on_chain;
use anyhow::Context;
use cid::Cid;
use fvm_shared::address::Address;
use padma_api::chain::ChainHead;
use padma_api::common::{register_common, CommonApi, VersionInfo};
use padma_api::miner_state::{StateMinerInfo, StateSectorGetInfo};
use padma_api::storage_miner::{
    ActorAddress, ActorSectorSize, MiningBase, PledgeSector, SealRandomnessJson, SectorIdJson,
    SectorInfoJson, SectorsList, SectorsStatus, SectorsSummary, SectorsSummaryJson,
};
use padma_rpc::method::BoxFuture;
use padma_rpc::{ApiVersion, CallCtx, JwtAuth, MethodTable, RpcError};
use padma_types::json::block::TipSetKeyJson;
use padma_types::json::{AddressJson, CidJson};
use std::sync::Arc;
use tokio::sync::watch;

/// What the sector methods (`PledgeSector`, `SectorsList`, `SectorsStatus`,
/// `SectorsSummary`) ask of the sealing pipeline.
pub trait Sectors: Send + Sync {
    /// Starts a committed-capacity sector; its number.
    fn pledge(&self) -> BoxFuture<anyhow::Result<u64>>;
    /// Every sector the miner knows.
    fn list(&self) -> BoxFuture<anyhow::Result<Vec<u64>>>;
    /// One sector's `SectorInfo` (with on-chain fields when `on_chain`).
    fn status(&self, number: u64, on_chain: bool) -> BoxFuture<anyhow::Result<SectorInfoJson>>;
    /// Sector counts by state name.
    fn summary(&self) -> BoxFuture<anyhow::Result<SectorsSummaryJson>>;
}

/// Everything the miner API's handlers share.
pub struct MinerApi {
    /// Token issuer and verifier (the miner's own secret).
    pub auth: JwtAuth,
    /// The miner actor.
    pub miner: Address,
    /// The miner actor's ID.
    pub miner_id: u64,
    /// The miner's sector size.
    pub sector_size: u64,
    /// The node's block delay in seconds.
    pub block_delay: u64,
    /// The full node.
    pub node: FullNode,
    /// Set to true to stop the miner.
    pub shutdown: watch::Sender<bool>,
    /// Identifies this run of the miner (`Session`).
    pub session: String,
    /// The sealing pipeline, when this build has one.
    pub sectors: Option<Arc<dyn Sectors>>,
}

impl CommonApi for MinerApi {
    fn auth(&self) -> &JwtAuth {
        &self.auth
    }

    fn session(&self) -> &str {
        &self.session
    }

    fn shutdown(&self) -> &watch::Sender<bool> {
        &self.shutdown
    }

    /// The miner API's version (1.5.0) and the node's block delay.
    fn version(&self, _api: ApiVersion) -> VersionInfo {
        padma_api::common::padma_version(
            padma_rpc::api_version::STORAGE_MINER,
            self.block_delay,
            "padma-miner",
        )
    }
}

/// The StorageMiner method table: exactly padma-api's `storage_miner_methods()`, on v0.
pub fn methods() -> MethodTable<MinerApi> {
    let mut t = MethodTable::empty("padma StorageMiner API").only(ApiVersion::V0);
    register_common(&mut t);
    t.add(
        ActorAddress,
        |s: Arc<MinerApi>, _c: CallCtx, ()| async move { Ok(AddressJson(s.miner)) },
    );
    t.add(
        ActorSectorSize,
        |s: Arc<MinerApi>, _c, (addr,)| async move { actor_sector_size(&s, addr).await },
    );
    t.add(MiningBase, |s: Arc<MinerApi>, _c, ()| async move {
        s.node.request::<ChainHead>(()).await.map_err(handler_error)
    });
    t.add(PledgeSector, |s: Arc<MinerApi>, _c, ()| async move {
        let number = sectors(&s)?.pledge().await.map_err(handler_error)?;
        Ok(SectorIdJson {
            miner: s.miner_id,
            number,
        })
    });
    t.add(SectorsList, |s: Arc<MinerApi>, _c, ()| async move {
        sectors(&s)?.list().await.map_err(handler_error)
    });
    t.add(
        SectorsStatus,
        |s: Arc<MinerApi>, _c, (number, on_chain): (u64, Option<bool>)| async move {
            let on_chain = on_chain.unwrap_or(false);
            sectors(&s)?
                .status(number, on_chain)
                .await
                .map_err(handler_error)
        },
    );
    t.add(SectorsSummary, |s: Arc<MinerApi>, _c, ()| async move {
        sectors(&s)?.summary().await.map_err(handler_error)
    });
    t
}

fn handler_error(e: anyhow::Error) -> RpcError {
    RpcError::handler(format!("{e:#}"))
}

/// `ActorSectorSize`: a miner's sector size (this miner's without asking the node).
async fn actor_sector_size(s: &MinerApi, addr: AddressJson) -> Result<u64, RpcError> {
    if addr.0 == s.miner {
        return Ok(s.sector_size);
    }
    let info = s
        .node
        .request::<StateMinerInfo>((addr, TipSetKeyJson::default()))
        .await
        .map_err(handler_error)?;
    Ok(info.sector_size)
}

fn sectors(s: &MinerApi) -> Result<Arc<dyn Sectors>, RpcError> {
    s.sectors
        .clone()
        .ok_or_else(|| RpcError::handler("this padma-miner has no sealing pipeline"))
}

/// The miner's sectors: those of the sealing pipeline, and the pre-sealed genesis
/// sectors `init` imported (`Proving` from the start).
pub struct MinerSectors {
    /// The sealing pipeline.
    pub pipeline: crate::sealing::Pipeline,
    /// The miner repo's store (the pre-sealed sector records).
    pub store: Arc<padma_store::Store>,
    /// The full node (for on-chain sector information).
    pub node: FullNode,
    /// The miner actor.
    pub miner: Address,
}

/// A CID recorded as text.
fn recorded_cid(text: &str, what: &str) -> anyhow::Result<CidJson> {
    Cid::try_from(text)
        .map(CidJson)
        .with_context(|| format!("the {what} {text:?} of a pre-sealed sector"))
}

impl MinerSectors {
    async fn pre_sealed_status(
        &self,
        r: &SectorRecord,
        on_chain: bool,
    ) -> anyhow::Result<SectorInfoJson> {
        let chain = if on_chain {
            self.node
                .request::<StateSectorGetInfo>((
                    AddressJson(self.miner),
                    r.sector_number,
                    TipSetKeyJson::default(),
                ))
                .await?
        } else {
            None
        };
        let mut info = SectorInfoJson {
            sector_id: r.sector_number,
            state: r.state.clone(),
            comm_d: Some(recorded_cid(&r.comm_d, "CommD")?),
            comm_r: Some(recorded_cid(&r.comm_r, "CommR")?),
            proof: None,
            deals: vec![],
            pieces: None,
            ticket: SealRandomnessJson::default(),
            seed: SealRandomnessJson::default(),
            pre_commit_msg: None,
            commit_msg: None,
            retries: 0,
            to_upgrade: false,
            replica_update_message: None,
            last_err: String::new(),
            log: vec![],
            seal_proof: r.seal_proof,
            activation: 0,
            expiration: 0,
            deal_weight: Default::default(),
            verified_deal_weight: Default::default(),
            initial_pledge: Default::default(),
            on_time: 0,
            early: 0,
        };
        if let Some(c) = &chain {
            apply_on_chain(&mut info, c);
        }
        Ok(info)
    }
}

impl Sectors for MinerSectors {
    fn pledge(&self) -> BoxFuture<anyhow::Result<u64>> {
        let p = self.pipeline.clone();
        Box::pin(async move { p.pledge().await })
    }

    fn list(&self) -> BoxFuture<anyhow::Result<Vec<u64>>> {
        let p = self.pipeline.clone();
        let pre = records::pre_sealed(&self.store);
        Box::pin(async move {
            let mut all: std::collections::BTreeSet<u64> = pre?.into_keys().collect();
            all.extend(p.list().await.into_iter().map(|s| s.number));
            Ok(all.into_iter().collect())
        })
    }

    fn status(&self, number: u64, on_chain: bool) -> BoxFuture<anyhow::Result<SectorInfoJson>> {
        let me = MinerSectors {
            pipeline: self.pipeline.clone(),
            store: self.store.clone(),
            node: self.node.clone(),
            miner: self.miner,
        };
        Box::pin(async move {
            if me.pipeline.status(number).await.is_some() {
                return me.pipeline.sector_info(number).await;
            }
            match records::pre_sealed(&me.store)?.get(&number) {
                Some(r) => me.pre_sealed_status(r, on_chain).await,
                None => Err(anyhow::anyhow!("sector {number} not found")),
            }
        })
    }

    fn summary(&self) -> BoxFuture<anyhow::Result<SectorsSummaryJson>> {
        let p = self.pipeline.clone();
        let pre = records::pre_sealed(&self.store);
        Box::pin(async move {
            let mut counts = p.summary_counts().await;
            for r in pre?.values() {
                *counts.entry(r.state.clone()).or_insert(0) += 1;
            }
            Ok(counts)
        })
    }
}

#[cfg(test)]
#[path = "api_tests.rs"]
mod tests;
