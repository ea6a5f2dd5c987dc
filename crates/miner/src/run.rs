//! `padma-miner run`, as Lotus's `lotus-miner run`: open the initialised repo, check
//! the full node (v1 API exactly 2.3.0) and the proof parameters, serve the
//! StorageMiner API on `127.0.0.1:2345` (`/rpc/v0`, its own JWT secret, `api` and
//! `token` in the miner repo), mine blocks over the node's API, run the WindowPoSt
//! scheduler and the sealing pipeline — each a service under one supervisor — and stop
//! cleanly on SIGINT, SIGTERM or the `Shutdown` method (`padma-miner stop`).

use crate::api::{methods, MinerApi, MinerSectors, Sectors};
use crate::fullnode::FullNode;
use crate::mining::mining;
use crate::node_checks::{check_node, check_params, sync_wait};
use crate::records::has_pre_sealed;
use crate::repo::MinerRepo;
use crate::storage::Storage;
use anyhow::{anyhow, bail, Context, Result};
use fvm_shared::address::{Address, Payload};
use padma_api::common::Version;
use padma_api::miner_state::StateMinerInfo;
use padma_api::state::StateAccountKey;
use padma_api::wallet::WalletHas;
use padma_chain::network::NetworkParams;
use padma_rpc::{JwtAuth, Permission, RpcServer, ServerConfig};
use padma_service::{Shutdown, Supervisor};
use padma_types::json::block::TipSetKeyJson;
use padma_types::json::AddressJson;
use std::future::Future;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;
use tokio::net::TcpListener;

/// The default port of the miner API.
pub const DEFAULT_MINER_API_PORT: u16 = 2345;

/// How long the miner's services get to stop once asked.
const STOP_TIMEOUT: Duration = Duration::from_secs(30);

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
    let key = node
        .request::<StateAccountKey>((AddressJson(*worker), TipSetKeyJson::default()))
        .await
        .with_context(|| format!("resolving the worker {worker}"))?;
    let has = node.request::<WalletHas>((key,)).await?;
    if !has {
        bail!(
            "the worker key {} (worker {worker}) is not in the full node's wallet: import it with `padma wallet import`",
            key.0
        );
    }
    Ok(())
}

/// Adds the WindowPoSt scheduler and the sealing pipeline to the miner's services;
/// returns the sector methods' backend.
fn add_proving_and_sealing(
    services: &mut Supervisor,
    node: &FullNode,
    maddr: Address,
    worker: Address,
    storage: &Storage,
    store: Arc<padma_store::Store>,
    net: &NetworkParams,
) -> Result<Arc<dyn Sectors>> {
    let sched = crate::wdpost::WindowPoStScheduler::new(
        node.clone(),
        maddr,
        storage.clone(),
        net.mock_proofs,
    );
    let stop = services.shutdown().receiver();
    services.add("WindowPoSt", sched.run(stop));
    let pipeline = crate::sealing::Pipeline::new(
        node.clone(),
        maddr,
        worker,
        storage.clone(),
        store.clone(),
        net.mock_proofs,
    )?;
    let p = pipeline.clone();
    let stop = services.shutdown().receiver();
    services.add("sealing", async move { p.run(stop).await });
    Ok(Arc::new(MinerSectors {
        pipeline,
        store,
        node: node.clone(),
        miner: maddr,
    }))
}

/// A started miner: its repo, its API's state, and its services, ready to run.
struct Started {
    repo: MinerRepo,
    api: Arc<MinerApi>,
    services: Supervisor,
}

/// Runs the miner until `stop` resolves or `Shutdown` is called (the binary passes
/// SIGINT and SIGTERM as `stop`; they also cut its start-up short). Its services — the
/// miner API server, WindowPoSt, sealing and mining — run under one supervisor: one
/// failing stops the miner.
pub async fn run(
    node: FullNode,
    o: RunOptions,
    stop: impl Future<Output = ()> + Send + 'static,
) -> Result<()> {
    tokio::pin!(stop);
    let started = tokio::select! {
        started = start(node, o) => started?,
        _ = &mut stop => {
            tracing::info!("stopped while starting");
            return Ok(());
        }
    };
    let outcome = started.services.run(stop).await;
    drop(started.api);
    started.repo.dir().remove_api();
    outcome?;
    tracing::info!("miner stopped");
    Ok(())
}

/// Checks the node and the repo, binds the miner API and assembles the services.
async fn start(node: FullNode, o: RunOptions) -> Result<Started> {
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
    let info = node
        .request::<StateMinerInfo>((AddressJson(maddr), TipSetKeyJson::default()))
        .await
        .with_context(|| format!("reading miner {maddr}"))?;
    let (sector_size, worker) = (info.sector_size, info.worker);
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
    let shutdown = Shutdown::new();
    let mut services = Supervisor::new(shutdown.clone()).stop_timeout(STOP_TIMEOUT);
    let identity = repo.identity()?;
    if let Some(on_chain) = &info.peer_id {
        if *on_chain != identity.peer_id() {
            tracing::warn!(on_chain = %on_chain, ours = %identity.peer_id(), "the miner's peer ID on chain is not this repo's libp2p identity");
        }
    }
    let host = crate::libp2p::start(&node, &identity).await?;
    let host_stop = shutdown.requested();
    services.add("libp2p", host.service.run(host_stop));
    let sectors = add_proving_and_sealing(
        &mut services,
        &node,
        maddr,
        worker.0,
        &storage,
        repo.store.clone(),
        &net,
    )?;
    let block_delay = node.request::<Version>(()).await?.block_delay;
    let api = Arc::new(MinerApi {
        auth: auth.clone(),
        miner: maddr,
        miner_id,
        sector_size,
        block_delay,
        node: node.clone(),
        shutdown: shutdown.sender(),
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
    let requested = shutdown.requested();
    services.add("miner API", async move {
        server
            .serve(listener, requested)
            .await
            .context("serving the miner API")
    });
    services.add(
        "mining",
        mining(&node, maddr, storage.clone(), &net, shutdown.receiver()),
    );
    repo.dir().write_api(&bound)?;
    tracing::info!(address = %bound, miner = %maddr, "miner API listening on /rpc/v0");

    Ok(Started {
        repo,
        api,
        services,
    })
}
