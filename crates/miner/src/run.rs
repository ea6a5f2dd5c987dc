//! `padma-miner run`, as Lotus's `lotus-miner run`: open the initialised repo, check
//! the full node (v1 API exactly 2.3.0) and the proof parameters, serve the
//! StorageMiner API on `127.0.0.1:2345` (`/rpc/v0`, its own JWT secret, `api` and
//! `token` in the miner repo), mine blocks over the node's API, run the WindowPoSt
//! scheduler and the sealing pipeline, and stop cleanly on SIGINT, SIGTERM or the
//! `Shutdown` method (`padma-miner stop`).

use crate::api::{methods, MinerApi, MinerSectors, Sectors};
use crate::fullnode::FullNode;
use crate::mining::spawn_mining;
use crate::node_checks::{check_node, check_params, sync_wait};
use crate::records::has_pre_sealed;
use crate::repo::MinerRepo;
use crate::storage::Storage;
use anyhow::{anyhow, bail, Context, Result};
use fvm_shared::address::{Address, Payload};
use padma_chain::network::NetworkParams;
use padma_rpc::{JwtAuth, Permission, RpcServer, ServerConfig};
use padma_types::json::AddressJson;
use serde_json::{json, Value};
use std::future::Future;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;
use tokio::net::TcpListener;
use tokio::sync::watch;

/// The default port of the miner API.
pub const DEFAULT_MINER_API_PORT: u16 = 2345;

/// Flags of `padma-miner run`.
#[derive(Clone, Debug)]
pub struct RunOptions {
    /// The miner repo.
    pub miner_repo: PathBuf,
    /// `--miner-api PORT` (default 2345) on 127.0.0.1; 0 lets the system pick a free
    /// port, which the `api` file names.
    pub api_port: u16,
    /// `--nosync`: do not wait for the chain to sync.
    pub nosync: bool,
}

/// Checks that the worker's key is in the node's wallet (the node signs blocks and
/// messages for the miner, as with Lotus).
async fn check_worker_key(node: &FullNode, worker: &Address) -> Result<()> {
    let key: AddressJson = node
        .call(
            "StateAccountKey",
            vec![json!(AddressJson(*worker)), Value::Null],
        )
        .await
        .with_context(|| format!("resolving the worker {worker}"))?;
    let has: bool = node.call("WalletHas", vec![json!(key)]).await?;
    if !has {
        bail!(
            "the worker key {} (worker {worker}) is not in the full node's wallet: import it with `padma wallet import`",
            key.0
        );
    }
    Ok(())
}

/// A named background task of the miner.
type Task = (&'static str, tokio::task::JoinHandle<()>);

/// Starts the WindowPoSt scheduler and the sealing pipeline; returns their tasks and
/// the sector methods' backend.
fn start_proving_and_sealing(
    node: &FullNode,
    maddr: Address,
    worker: Address,
    storage: &Storage,
    store: Arc<padma_store::Store>,
    net: &NetworkParams,
    stop: &watch::Sender<bool>,
) -> Result<(Vec<Task>, Arc<dyn Sectors>)> {
    let sched = crate::wdpost::WindowPoStScheduler::new(
        node.clone(),
        maddr,
        storage.clone(),
        net.mock_proofs,
    );
    let rx = stop.subscribe();
    let wdpost = tokio::spawn(async move {
        if let Err(e) = sched.run(rx).await {
            tracing::error!("the WindowPoSt scheduler stopped: {e:#}");
        }
    });
    let pipeline = crate::sealing::Pipeline::new(
        node.clone(),
        maddr,
        worker,
        storage.clone(),
        store.clone(),
        net.mock_proofs,
    )?;
    let p = pipeline.clone();
    let rx = stop.subscribe();
    let sealing = tokio::spawn(async move {
        if let Err(e) = p.run(rx).await {
            tracing::error!("the sealing pipeline stopped: {e:#}");
        }
    });
    let sectors = Arc::new(MinerSectors {
        pipeline,
        store,
        node: node.clone(),
        miner: maddr,
    });
    Ok((vec![("WindowPoSt", wdpost), ("sealing", sealing)], sectors))
}

/// Runs the miner until `stop` resolves, SIGINT/SIGTERM arrive, or `Shutdown` is called.
pub async fn run(
    node: FullNode,
    o: RunOptions,
    stop: impl Future<Output = ()> + Send + 'static,
) -> Result<()> {
    let repo = MinerRepo::open(&o.miner_repo)?;
    let maddr = repo
        .miner_address()?
        .ok_or_else(|| anyhow!("no miner address in the repo: run `padma-miner init`"))?;
    let Payload::ID(miner_id) = *maddr.payload() else {
        bail!("the repo's miner address {maddr} is not an ID address");
    };
    let net = check_node(&node, true).await?;
    if !o.nosync {
        eprintln!("checking the full node's sync status");
        sync_wait(&node).await?;
    }
    let info: Value = node
        .call(
            "StateMinerInfo",
            vec![json!(AddressJson(maddr)), Value::Null],
        )
        .await
        .with_context(|| format!("reading miner {maddr}"))?;
    let sector_size = info["SectorSize"]
        .as_u64()
        .ok_or_else(|| anyhow!("StateMinerInfo: no SectorSize"))?;
    let worker: AddressJson = serde_json::from_value(info["Worker"].clone())
        .map_err(|e| anyhow!("StateMinerInfo: bad Worker: {e}"))?;
    // PoSt parameters to mine and prove; the PoRep ones too for a miner that seals
    // (one that init made without pre-sealed sectors).
    let pre_sealed = has_pre_sealed(&repo.store)?;
    check_params(sector_size, pre_sealed, &net).await?;
    check_worker_key(&node, &worker.0).await?;
    let storage = Storage::load(repo.path())?;

    let secret = repo.dir().jwt_secret()?;
    let auth = JwtAuth::new(&secret.bytes);
    repo.dir()
        .write_token(&auth.issue(&Permission::Admin.up_to()))?;
    let (shutdown_tx, mut shutdown_rx) = watch::channel(false);
    let (subsystems, sectors) = start_proving_and_sealing(
        &node,
        maddr,
        worker.0,
        &storage,
        repo.store.clone(),
        &net,
        &shutdown_tx,
    )?;
    let ver: Value = node.call("Version", vec![]).await?;
    let repo = Arc::new(repo);
    let api = Arc::new(MinerApi {
        auth: auth.clone(),
        miner: maddr,
        miner_id,
        sector_size,
        block_delay: ver["BlockDelay"].as_u64().unwrap_or(0),
        node: node.clone(),
        shutdown: shutdown_tx.clone(),
        session: format!("{:032x}", rand::random::<u128>()),
        sectors: Some(sectors),
    });

    let addr = SocketAddr::from(([127, 0, 0, 1], o.api_port));
    let listener = TcpListener::bind(addr)
        .await
        .with_context(|| format!("cannot listen for the miner API on {addr}"))?;
    // The address the listener holds: with `--miner-api 0` the system picked the port,
    // and the `api` file must name it.
    let bound = listener.local_addr()?;
    let server = RpcServer::new(
        api.clone(),
        methods(),
        auth,
        ServerConfig {
            api_versions: (
                padma_rpc::api_version::STORAGE_MINER,
                padma_rpc::api_version::STORAGE_MINER,
            ),
            ..ServerConfig::default()
        },
    );
    repo.dir().write_api(&bound)?;
    tracing::info!(address = %bound, miner = %maddr, "miner API listening on /rpc/v0");

    let mining = spawn_mining(&node, maddr, storage.clone(), &net, shutdown_tx.subscribe());
    let mut tasks = vec![("mining", mining)];
    tasks.extend(subsystems);

    let mut sigint = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::interrupt())?;
    let mut sigterm = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())?;
    let until = async move {
        tokio::select! {
            _ = sigint.recv() => tracing::info!("SIGINT received, stopping the miner"),
            _ = sigterm.recv() => tracing::info!("SIGTERM received, stopping the miner"),
            _ = shutdown_rx.wait_for(|s| *s) => tracing::info!("shutdown requested"),
            _ = stop => tracing::info!("stopping the miner"),
        }
    };
    let served = server.serve(listener, until).await;
    let _ = shutdown_tx.send(true);
    for (what, t) in tasks {
        if tokio::time::timeout(Duration::from_secs(30), t)
            .await
            .is_err()
        {
            tracing::warn!("{what} did not stop in time");
        }
    }
    drop(api);
    repo.dir().remove_api();
    served.context("miner API server failed")?;
    tracing::info!("miner stopped");
    Ok(())
}
