//! `padma daemon`: open and lock the repo, prepare the JWT secret and token, open
//! the datastore, serve the API, and shut down cleanly on SIGINT, SIGTERM or the
//! `Shutdown` method (stop accepting, drain, close the database, remove `api`,
//! release the lock).

use crate::api::exec::ApiExecutors;
use crate::api::{methods, NodeState};
use crate::config::ApiConfig;
use crate::repo::Repo;
use crate::wallet::Wallet;
use anyhow::{bail, Context, Result};
use padma_chain::network::{block_delay_secs, DEFAULT_BLOCK_DELAY_MS};
use padma_repo::api_files::TOKEN_FILE;
use padma_rpc::api_version::{FULL_NODE_V0, FULL_NODE_V1};
use padma_rpc::{JwtAuth, Permission, RpcServer, ServerConfig};
use padma_store::{Store, StoreOptions};
use padma_types::Network;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;
use tokio::net::TcpListener;
use tokio::signal::unix::{signal, SignalKind};
use tokio::sync::watch;

/// Options of `padma daemon`.
#[derive(Clone, Debug, Default)]
pub struct DaemonOptions {
    /// The repo directory.
    pub repo: PathBuf,
    /// `--api PORT`: listen on 127.0.0.1:PORT instead of the configured address (0: a
    /// free port the system picks, named in the `api` file).
    pub api_port: Option<u16>,
    /// `--genesis FILE`.
    pub genesis: Option<PathBuf>,
    /// `--make-genesis OUT` (`--lotus-make-genesis`): build a genesis CAR from the template and run on it.
    pub make_genesis: Option<PathBuf>,
    /// `--genesis-template FILE` for `--make-genesis`.
    pub genesis_template: Option<PathBuf>,
    /// `--bootstrap`: dial bootstrap peers.
    pub bootstrap: bool,
}

/// Parses `/ip4/A/tcp/P[/http]` or `/ip6/A/tcp/P[/http]` into a socket address.
pub fn listen_addr(multiaddr: &str) -> Result<SocketAddr> {
    let parts: Vec<&str> = multiaddr.split('/').collect();
    let ok = parts.len() >= 5
        && parts[0].is_empty()
        && parts[3] == "tcp"
        && parts[5..].iter().all(|p| *p == "http" || p.is_empty());
    if !ok || !(parts[1] == "ip4" || parts[1] == "ip6") {
        bail!("API listen address '{multiaddr}' must look like /ip4/127.0.0.1/tcp/1234/http");
    }
    let ip: std::net::IpAddr = parts[2]
        .parse()
        .with_context(|| format!("bad IP in '{multiaddr}'"))?;
    let port: u16 = parts[4]
        .parse()
        .with_context(|| format!("bad port in '{multiaddr}'"))?;
    Ok(SocketAddr::new(ip, port))
}

/// The server's limits from the `[API]` section (already range-checked when loaded).
pub fn server_config(api: &ApiConfig) -> ServerConfig {
    let size = |n: u64| usize::try_from(n).unwrap_or(usize::MAX);
    let connections = size(api.max_connections).min(padma_rpc::listen::fd_connection_budget());
    ServerConfig {
        max_request_bytes: size(api.max_request_size),
        max_batch: size(api.max_batch_size),
        max_response_bytes: size(api.max_response_size),
        max_connections: connections,
        max_concurrent_requests: size(api.max_concurrent_requests),
        max_connection_requests: size(api.max_connection_requests),
        max_send_buffer_bytes: size(api.max_send_buffer),
        read_timeout: Duration::from_secs(api.read_timeout_secs),
        idle_timeout: Duration::from_secs(api.idle_timeout_secs),
        api_versions: (FULL_NODE_V0, FULL_NODE_V1),
        drain_timeout: Duration::from_secs(10),
    }
}

/// Runs the daemon until it is told to stop.
pub async fn run(opts: DaemonOptions) -> Result<()> {
    match padma_rpc::listen::raise_fd_limit() {
        Ok(n) => tracing::info!(open_files = n, "file-handle limit"),
        Err(e) => tracing::warn!("cannot read the file-handle limit: {e}"),
    }
    let repo = Repo::open(&opts.repo)?;
    tracing::info!(repo = %repo.path().display(), "repo opened and locked");
    padma_types::address::set_network(match repo.config.network.address_network.as_str() {
        "mainnet" => Network::Mainnet,
        _ => Network::Testnet,
    });

    let secret = repo.dir().jwt_secret()?;
    let auth = JwtAuth::new(&secret.bytes);
    if secret.created || !repo.path().join(TOKEN_FILE).exists() {
        repo.dir()
            .write_token(&auth.issue(&Permission::Admin.up_to()))?;
    }

    let genesis_car = crate::api::chainstore::genesis_car(
        opts.genesis.as_deref(),
        opts.make_genesis.as_deref(),
        opts.genesis_template.as_deref(),
    )?;
    if !opts.bootstrap {
        tracing::info!("bootstrap disabled");
    }

    let store = Arc::new(Store::open_with(
        &repo.datastore_dir(),
        &StoreOptions {
            min_free_space: repo.config.datastore.min_free_space,
        },
    )?);
    let held = padma_chain::ChainStore::open(store.clone())?
        .genesis()?
        .map(|g| g.cid().to_string());
    repo.check_datastore_chain(held.as_deref())?;
    let chain = crate::api::chainstore::open_chain(store.clone(), genesis_car.as_deref())?;
    if let Some(c) = &chain {
        if held.is_none() {
            repo.record_genesis(&c.genesis.cid().to_string())?;
        }
    }
    let block_delay = chain
        .as_ref()
        .map(|c| c.sm().params().block_delay_secs())
        .unwrap_or(block_delay_secs(DEFAULT_BLOCK_DELAY_MS));
    if let Some(c) = &chain {
        // Messages pushed here before a restart come back before the API serves; a
        // network layer would republish `local_messages()` from here on.
        c.svc
            .mpool()
            .restore_local(&repo.mpool_local_dir())
            .context("restoring the message pool's local messages")?;
    }
    let mpool_updater = chain.as_ref().map(|c| c.svc.spawn_mpool_updater());
    let (shutdown_tx, mut shutdown_rx) = watch::channel(false);
    let state = Arc::new(NodeState {
        wallet: Wallet::new(repo.dir().keystore().clone()),
        auth: auth.clone(),
        store,
        session: uuid::Uuid::new_v4().to_string(),
        block_delay,
        shutdown: shutdown_tx,
        chain,
    });

    let addr = match opts.api_port {
        Some(port) => SocketAddr::from(([127, 0, 0, 1], port)),
        None => listen_addr(&repo.config.api.listen_address)?,
    };
    let listener = TcpListener::bind(addr)
        .await
        .with_context(|| format!("cannot listen for the API on {addr}"))?;
    // The address the listener holds, not the one asked for: with port 0 the system
    // picked the port, and the `api` file must name it.
    let bound = listener.local_addr()?;
    let config = server_config(&repo.config.api);
    let executors = ApiExecutors::start();
    let server = RpcServer::new(state.clone(), methods(&executors), auth, config);
    repo.dir().write_api(&bound)?;
    tracing::info!(address = %bound, "API listening on /rpc/v0 and /rpc/v1");

    let mut sigint = signal(SignalKind::interrupt())?;
    let mut sigterm = signal(SignalKind::terminate())?;
    let stop = async move {
        tokio::select! {
            _ = sigint.recv() => tracing::info!("SIGINT received, shutting down"),
            _ = sigterm.recv() => tracing::info!("SIGTERM received, shutting down"),
            _ = shutdown_rx.wait_for(|s| *s) => {}
        }
    };
    let served = server.serve(listener, stop).await;
    let _ = state.shutdown.send(true);
    if let Some(u) = mpool_updater {
        u.abort();
    }
    // Close the database: wait briefly for the last handlers to let go of the state.
    let mut state = Some(state);
    for _ in 0..50 {
        match Arc::try_unwrap(state.take().expect("state present")) {
            Ok(s) => {
                drop(s);
                break;
            }
            Err(s) => {
                state = Some(s);
                tokio::time::sleep(Duration::from_millis(100)).await;
            }
        }
    }
    if state.is_some() {
        tracing::warn!("some requests still hold the node state; closing anyway");
    }
    repo.dir().remove_api();
    drop(repo);
    served.context("API server failed")?;
    tracing::info!("graceful shutdown successful");
    Ok(())
}
