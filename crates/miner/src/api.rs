//! The StorageMiner API: one table of methods (names, permissions and arity from
//! Lotus's `api/api_storage.go` and `api/api_common.go`), served on `/rpc/v0` only,
//! and the state its handlers share.

use crate::fullnode::FullNode;
use crate::records::{self, SectorRecord};
use base64::engine::general_purpose::STANDARD as B64;
use base64::Engine;
use fvm_shared::address::Address;
use padma_rpc::method::{to_value, BoxFuture, CallResult};
use padma_rpc::{
    Arity, CallCtx, Handler, JwtAuth, MethodDef, MethodTable, Params, Permission, RpcError,
};
use padma_types::json::AddressJson;
use serde_json::{json, Value};
use std::sync::Arc;
use tokio::sync::watch;

/// What the sector methods (`PledgeSector`, `SectorsList`, `SectorsStatus`,
/// `SectorsSummary`) ask of the sealing pipeline, in Lotus's JSON shapes.
pub trait Sectors: Send + Sync {
    /// Starts a committed-capacity sector; its number.
    fn pledge(&self) -> BoxFuture<anyhow::Result<u64>>;
    /// Every sector the miner knows.
    fn list(&self) -> BoxFuture<anyhow::Result<Vec<u64>>>;
    /// One sector's `SectorInfo` (with on-chain fields when `on_chain`).
    fn status(&self, number: u64, on_chain: bool) -> BoxFuture<anyhow::Result<Value>>;
    /// Sector counts by state name.
    fn summary(&self) -> BoxFuture<anyhow::Result<Value>>;
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

type CallFn = fn(Arc<MinerApi>, CallCtx, Params) -> BoxFuture<CallResult>;

/// A v0-only row (the miner API has no v1).
fn call(name: &'static str, perm: Permission, n: usize, f: CallFn) -> MethodDef<MinerApi> {
    MethodDef {
        name,
        perm,
        arity: Arity {
            v0: Some(n),
            v1: None,
        },
        handler: Handler::Call(f),
    }
}

macro_rules! h {
    ($f:path) => {
        |s, c, p| Box::pin($f(s, c, p))
    };
}

/// The StorageMiner method table.
pub fn methods() -> MethodTable<MinerApi> {
    use Permission::*;
    MethodTable::new(vec![
        // Common.
        call("Version", Read, 0, h!(version)),
        call("AuthNew", Admin, 1, h!(auth_new)),
        call("AuthVerify", Read, 1, h!(auth_verify)),
        call("Shutdown", Admin, 0, h!(shutdown)),
        call("Session", Read, 0, h!(session)),
        MethodDef {
            name: "Discover",
            perm: Read,
            arity: Arity {
                v0: Some(0),
                v1: None,
            },
            handler: Handler::Discover,
        },
        // The miner.
        call("ActorAddress", Read, 0, h!(actor_address)),
        call("ActorSectorSize", Read, 1, h!(actor_sector_size)),
        call("MiningBase", Read, 0, h!(mining_base)),
        // Sectors.
        call("PledgeSector", Write, 0, h!(pledge_sector)),
        call("SectorsList", Read, 0, h!(sectors_list)),
        call("SectorsStatus", Read, 2, h!(sectors_status)),
        call("SectorsSummary", Read, 0, h!(sectors_summary)),
    ])
}

fn ah(e: anyhow::Error) -> RpcError {
    RpcError::handler(format!("{e:#}"))
}

/// `Version`: the miner API's version (1.5.0) and the node's block delay.
async fn version(s: Arc<MinerApi>, _c: CallCtx, _p: Params) -> CallResult {
    Ok(json!({
        "Version": format!("{}+padma", env!("CARGO_PKG_VERSION")),
        "APIVersion": padma_rpc::api_version::STORAGE_MINER,
        "BlockDelay": s.block_delay,
        "Agent": "padma-miner",
    }))
}

/// `AuthNew`: a token for the given permissions, as base64 of the JWT bytes.
async fn auth_new(s: Arc<MinerApi>, _c: CallCtx, p: Params) -> CallResult {
    let perms: Vec<String> = p.get::<Option<Vec<String>>>(0)?.unwrap_or_default();
    to_value(B64.encode(s.auth.issue(&perms).as_bytes()))
}

/// `AuthVerify`: the permissions a token grants.
async fn auth_verify(s: Arc<MinerApi>, _c: CallCtx, p: Params) -> CallResult {
    let token: String = p.get(0)?;
    to_value(
        s.auth
            .verify(&token)
            .map_err(|e| RpcError::handler(e.to_string()))?,
    )
}

/// `Shutdown`: stops the miner.
async fn shutdown(s: Arc<MinerApi>, _c: CallCtx, _p: Params) -> CallResult {
    tracing::info!("shutdown requested over the miner API");
    let _ = s.shutdown.send(true);
    Ok(Value::Null)
}

/// `Session`: the UUID-like identifier of this run.
async fn session(s: Arc<MinerApi>, _c: CallCtx, _p: Params) -> CallResult {
    to_value(&s.session)
}

/// `ActorAddress`: the miner actor's address.
async fn actor_address(s: Arc<MinerApi>, _c: CallCtx, _p: Params) -> CallResult {
    to_value(AddressJson(s.miner))
}

/// `ActorSectorSize`: a miner's sector size (this miner's without asking the node).
async fn actor_sector_size(s: Arc<MinerApi>, _c: CallCtx, p: Params) -> CallResult {
    let a: Address = p.get::<AddressJson>(0)?.0;
    if a == s.miner {
        return to_value(s.sector_size);
    }
    let info: Value = s
        .node
        .call("StateMinerInfo", vec![json!(AddressJson(a)), Value::Null])
        .await
        .map_err(ah)?;
    to_value(info["SectorSize"].clone())
}

/// `MiningBase`: the tipset the miner builds on (the node's heaviest tipset).
async fn mining_base(s: Arc<MinerApi>, _c: CallCtx, _p: Params) -> CallResult {
    s.node.call::<Value>("ChainHead", vec![]).await.map_err(ah)
}

fn sectors(s: &MinerApi) -> Result<Arc<dyn Sectors>, RpcError> {
    s.sectors
        .clone()
        .ok_or_else(|| RpcError::handler("this padma-miner has no sealing pipeline"))
}

/// `PledgeSector`: starts a committed-capacity sector; returns its `SectorID`.
async fn pledge_sector(s: Arc<MinerApi>, _c: CallCtx, _p: Params) -> CallResult {
    let n = sectors(&s)?.pledge().await.map_err(ah)?;
    Ok(json!({ "Miner": s.miner_id, "Number": n }))
}

/// `SectorsList`: every sector number.
async fn sectors_list(s: Arc<MinerApi>, _c: CallCtx, _p: Params) -> CallResult {
    to_value(sectors(&s)?.list().await.map_err(ah)?)
}

/// `SectorsStatus [number, showOnChainInfo]`.
async fn sectors_status(s: Arc<MinerApi>, _c: CallCtx, p: Params) -> CallResult {
    let n: u64 = p.get(0)?;
    let on_chain: bool = p.get::<Option<bool>>(1)?.unwrap_or(false);
    sectors(&s)?.status(n, on_chain).await.map_err(ah)
}

/// `SectorsSummary`: sector counts by state.
async fn sectors_summary(s: Arc<MinerApi>, _c: CallCtx, _p: Params) -> CallResult {
    sectors(&s)?.summary().await.map_err(ah)
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

impl MinerSectors {
    async fn pre_sealed_status(&self, r: &SectorRecord, on_chain: bool) -> anyhow::Result<Value> {
        let chain = if on_chain {
            self.node
                .call::<Value>(
                    "StateSectorGetInfo",
                    vec![
                        json!(AddressJson(self.miner)),
                        json!(r.sector_number),
                        Value::Null,
                    ],
                )
                .await?
        } else {
            Value::Null
        };
        let c = |k: &str, d: Value| chain.get(k).cloned().unwrap_or(d);
        Ok(json!({
            "SectorID": r.sector_number,
            "State": r.state,
            "CommD": { "/": r.comm_d },
            "CommR": { "/": r.comm_r },
            "Proof": null,
            "Deals": [],
            "Pieces": null,
            "Ticket": { "Value": null, "Epoch": 0 },
            "Seed": { "Value": null, "Epoch": 0 },
            "PreCommitMsg": null,
            "CommitMsg": null,
            "Retries": 0,
            "ToUpgrade": false,
            "ReplicaUpdateMessage": null,
            "LastErr": "",
            "Log": [],
            "SealProof": r.seal_proof,
            "Activation": c("Activation", json!(0)),
            "Expiration": c("Expiration", json!(0)),
            "DealWeight": c("DealWeight", json!("0")),
            "VerifiedDealWeight": c("VerifiedDealWeight", json!("0")),
            "InitialPledge": c("InitialPledge", json!("0")),
            "OnTime": c("Expiration", json!(0)),
            "Early": 0,
        }))
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

    fn status(&self, number: u64, on_chain: bool) -> BoxFuture<anyhow::Result<Value>> {
        let me = MinerSectors {
            pipeline: self.pipeline.clone(),
            store: self.store.clone(),
            node: self.node.clone(),
            miner: self.miner,
        };
        Box::pin(async move {
            if me.pipeline.status(number).await.is_some() {
                return me.pipeline.status_json(number).await;
            }
            match records::pre_sealed(&me.store)?.get(&number) {
                Some(r) => me.pre_sealed_status(r, on_chain).await,
                None => Err(anyhow::anyhow!("sector {number} not found")),
            }
        })
    }

    fn summary(&self) -> BoxFuture<anyhow::Result<Value>> {
        let p = self.pipeline.clone();
        let pre = records::pre_sealed(&self.store);
        Box::pin(async move {
            let mut m = match p.summary_json().await {
                Value::Object(m) => m,
                _ => serde_json::Map::new(),
            };
            for r in pre?.values() {
                let n = m.get(&r.state).and_then(Value::as_u64).unwrap_or(0);
                m.insert(r.state.clone(), json!(n + 1));
            }
            Ok(Value::Object(m))
        })
    }
}
