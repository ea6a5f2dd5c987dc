//! Building a full node: [`NodeBuilder`] opens and locks the repo, prepares the JWT
//! secret and token, opens the datastore and the chain (choosing its parts, see
//! [`chain`]), binds the API listener and assembles the node's services — the RPC
//! server, the message-pool updater, and any the caller adds — into a [`Node`] that
//! runs them under one supervisor.

pub mod chain;
pub mod rpc;

use crate::api::exec::ApiExecutors;
use crate::api::{chainstore, methods, NodeState};
use crate::network::{net_config, NetworkOptions, NodeNetwork};
use crate::node::{HeldRepo, Node};
use crate::repo::Repo;
use crate::wallet::Wallet;
use anyhow::{Context, Result};
use padma_chain::network::{block_delay_secs, DEFAULT_BLOCK_DELAY_MS};
use padma_chain::MpoolConfig;
use padma_repo::api_files::TOKEN_FILE;
use padma_rpc::{JwtAuth, Permission, RpcServer};
use padma_service::{Shutdown, Supervisor, DEFAULT_STOP_TIMEOUT};
use padma_store::{Store, StoreOptions};
use padma_types::Network;
use std::future::Future;
use std::path::PathBuf;
use std::pin::Pin;
use std::sync::Arc;
use std::time::Duration;
use tokio::net::TcpListener;

/// A service added by the caller, not yet started.
type ExtraService = (
    String,
    Pin<Box<dyn Future<Output = Result<()>> + Send + 'static>>,
);

/// Where the node's genesis comes from.
#[derive(Debug)]
enum GenesisSource {
    /// The genesis the repo's datastore holds, if any.
    Repo,
    /// A CAR file (`--genesis`).
    File(PathBuf),
    /// Made from a template and written to `out` (`--make-genesis`,
    /// `--genesis-template`).
    Make {
        out: PathBuf,
        template: Option<PathBuf>,
    },
    /// CAR bytes already in memory.
    Car(Vec<u8>),
}

impl GenesisSource {
    /// The genesis CAR to import, if any.
    fn into_car(self, actors: &chain::ActorsOptions) -> Result<Option<Vec<u8>>> {
        match self {
            GenesisSource::Repo => Ok(None),
            GenesisSource::File(path) => chainstore::genesis_car(Some(&path), None, None, actors),
            GenesisSource::Make { out, template } => {
                chainstore::genesis_car(None, Some(&out), template.as_deref(), actors)
            }
            GenesisSource::Car(car) => Ok(Some(car)),
        }
    }
}

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
    /// `--libp2p-listen`: listen addresses replacing `Libp2p.ListenAddresses`.
    pub libp2p_listen: Option<Vec<String>>,
    /// `--bootstrap-peers`: bootstrap peers replacing `Libp2p.BootstrapPeers`.
    pub bootstrap_peers: Option<Vec<String>>,
    /// `--no-libp2p`: run without the network.
    pub no_libp2p: bool,
    /// `--actors-bundle`: the builtin-actors bundle (a CAR or Lotus's `.tar.zst`).
    pub actors_bundle: Option<PathBuf>,
}

/// Builds a full node from its repo and options.
pub struct NodeBuilder {
    repo: PathBuf,
    api_port: Option<u16>,
    genesis: GenesisSource,
    bootstrap: bool,
    network: Option<NetworkOptions>,
    mpool: Option<MpoolConfig>,
    shutdown: Shutdown,
    stop_timeout: Duration,
    services: Vec<ExtraService>,
    actors_bundle: Option<PathBuf>,
}

impl NodeBuilder {
    /// A node over the repo at `repo`, listening where its config says, on the genesis
    /// its datastore holds.
    pub fn new(repo: impl Into<PathBuf>) -> Self {
        NodeBuilder {
            repo: repo.into(),
            api_port: None,
            genesis: GenesisSource::Repo,
            bootstrap: true,
            network: Some(NetworkOptions {
                bootstrap: true,
                ..Default::default()
            }),
            mpool: None,
            shutdown: Shutdown::new(),
            stop_timeout: DEFAULT_STOP_TIMEOUT,
            services: Vec::new(),
            actors_bundle: None,
        }
    }

    /// The node `padma daemon` runs with these options.
    pub fn from_options(o: DaemonOptions) -> Self {
        let mut b = NodeBuilder::new(o.repo).bootstrap(o.bootstrap);
        b.network = (!o.no_libp2p).then_some(NetworkOptions {
            listen: o.libp2p_listen,
            bootstrap_peers: o.bootstrap_peers,
            bootstrap: o.bootstrap,
        });
        b.api_port = o.api_port;
        b.actors_bundle = o.actors_bundle;
        if let Some(out) = o.make_genesis {
            b.genesis = GenesisSource::Make {
                out,
                template: o.genesis_template,
            };
        } else if let Some(file) = o.genesis {
            b.genesis = GenesisSource::File(file);
        }
        b
    }

    /// Listens on 127.0.0.1:`port` instead of the configured address (0: a free port
    /// the system picks, named in the `api` file and by [`Node::api_addr`]).
    pub fn api_port(mut self, port: u16) -> Self {
        self.api_port = Some(port);
        self
    }

    /// Starts from the genesis CAR file at `path` (for a repo without a chain, or the
    /// same genesis it holds).
    pub fn genesis_file(mut self, path: impl Into<PathBuf>) -> Self {
        self.genesis = GenesisSource::File(path.into());
        self
    }

    /// Starts from a genesis CAR held in memory.
    pub fn genesis_car(mut self, car: Vec<u8>) -> Self {
        self.genesis = GenesisSource::Car(car);
        self
    }

    /// Whether to dial bootstrap peers (default true).
    pub fn bootstrap(mut self, on: bool) -> Self {
        self.bootstrap = on;
        if let Some(n) = &mut self.network {
            n.bootstrap = on;
        }
        self
    }

    /// How the node joins the network; `None` runs it without libp2p.
    pub fn network(mut self, options: Option<NetworkOptions>) -> Self {
        self.network = options;
        self
    }

    /// The message pool's limits (default: the repo config's `[Mpool]` section).
    pub fn mpool_config(mut self, config: MpoolConfig) -> Self {
        self.mpool = Some(config);
        self
    }

    /// The shutdown the node's services watch, shared with the caller (a fresh one
    /// otherwise; [`Node::shutdown`] hands it out either way).
    pub fn shutdown(mut self, shutdown: Shutdown) -> Self {
        self.shutdown = shutdown;
        self
    }

    /// How long the node's services get to stop once asked.
    pub fn stop_timeout(mut self, timeout: Duration) -> Self {
        self.stop_timeout = timeout;
        self
    }

    /// Adds a service that runs with the node's own, under the same supervisor: it
    /// should return once [`Node::shutdown`] is requested; its failure stops the node.
    pub fn with_service(
        mut self,
        name: impl Into<String>,
        service: impl Future<Output = Result<()>> + Send + 'static,
    ) -> Self {
        self.services.push((name.into(), Box::pin(service)));
        self
    }

    /// Opens everything and binds the API listener; nothing runs until [`Node::run`].
    /// On an error the repo is released again.
    pub async fn build(self) -> Result<Node> {
        match padma_rpc::listen::raise_fd_limit() {
            Ok(n) => tracing::info!(open_files = n, "file-handle limit"),
            Err(e) => tracing::warn!("cannot read the file-handle limit: {e}"),
        }
        let repo = HeldRepo::new(Repo::open(&self.repo)?);
        tracing::info!(repo = %repo.path().display(), "repo opened and locked");
        padma_types::address::set_network(match repo.config.network.address_network.as_str() {
            "mainnet" => Network::Mainnet,
            _ => Network::Testnet,
        });
        let auth = prepare_auth(&repo)?;
        let actors = chain::ActorsOptions {
            bundle: self.actors_bundle.clone(),
            cache_dirs: vec![repo.path().join(padma_fvm::bundle::CACHE_DIR)],
        };
        let car = self.genesis.into_car(&actors)?;
        if !self.bootstrap {
            tracing::info!("bootstrap disabled");
        }
        let store = Arc::new(Store::open_with(
            &repo.datastore_dir(),
            &StoreOptions {
                min_free_space: repo.config.datastore.min_free_space,
            },
        )?);
        let mpool = self
            .mpool
            .unwrap_or_else(|| repo.config.mpool.pool_config());
        let chain = open_repo_chain(&repo, &store, car.as_deref(), mpool, &actors)?;
        let network = match (&chain, &self.network) {
            (Some(c), Some(opts)) => {
                let config = net_config(repo.dir().keystore(), &repo.config.libp2p, opts, c)?;
                Some(NodeNetwork::start(
                    config,
                    c,
                    &repo.config.libp2p.protected_peers,
                )?)
            }
            _ => None,
        };
        let block_delay = chain
            .as_ref()
            .map(|c| c.sm().params().block_delay_secs())
            .unwrap_or(block_delay_secs(DEFAULT_BLOCK_DELAY_MS));
        let state = Arc::new(NodeState {
            wallet: Wallet::new(repo.dir().keystore().clone()),
            auth: auth.clone(),
            store,
            session: uuid::Uuid::new_v4().to_string(),
            block_delay,
            shutdown: self.shutdown.sender(),
            chain,
            pushed: Default::default(),
            net: network.as_ref().map(|n| n.handle.clone()),
        });

        let addr = rpc::api_addr(self.api_port, &repo.config.api)?;
        let listener = TcpListener::bind(addr)
            .await
            .with_context(|| format!("cannot listen for the API on {addr}"))?;
        // The address the listener holds, not the one asked for: with port 0 the
        // system picked the port, and the `api` file must name it.
        let bound = listener.local_addr()?;
        let executors = ApiExecutors::start();
        let server = RpcServer::new(
            state.clone(),
            methods(&executors),
            auth,
            rpc::server_config(&repo.config.api),
        );

        let shutdown = self.shutdown;
        let mut supervisor = Supervisor::new(shutdown.clone()).stop_timeout(self.stop_timeout);
        let requested = shutdown.requested();
        supervisor.add("rpc", async move {
            server
                .serve(listener, requested)
                .await
                .context("serving the API")
        });
        if let Some(c) = &state.chain {
            let updater = c.svc.mpool_updater();
            let requested = shutdown.requested();
            supervisor.add("mpool updater", async move {
                tokio::select! {
                    _ = updater => {}
                    _ = requested => {}
                }
                Ok(())
            });
        }
        if let Some(n) = network {
            tracing::info!(peer = %n.handle.peer_id(), "libp2p host started");
            for (name, service) in n.services(&shutdown) {
                supervisor.add(name, service);
            }
        }
        for (name, service) in self.services {
            supervisor.add(name, service);
        }
        repo.dir().write_api(&bound)?;
        tracing::info!(address = %bound, "API listening on /rpc/v0 and /rpc/v1");
        Ok(Node::new(repo, state, executors, bound, supervisor))
    }
}

/// The JWT secret's verifier; an admin token is written when the secret is new or the
/// `token` file is missing.
fn prepare_auth(repo: &Repo) -> Result<JwtAuth> {
    let secret = repo.dir().jwt_secret()?;
    let auth = JwtAuth::new(&secret.bytes);
    if secret.created || !repo.path().join(TOKEN_FILE).exists() {
        repo.dir()
            .write_token(&auth.issue(&Permission::Admin.up_to()))?;
    }
    Ok(auth)
}

/// Opens the chain the repo's datastore holds (importing `car` first, if given),
/// refusing a datastore that lost the chain the repo recorded; records a new chain's
/// genesis, and brings back the messages pushed here before a restart.
fn open_repo_chain(
    repo: &Repo,
    store: &Arc<Store>,
    car: Option<&[u8]>,
    mpool: MpoolConfig,
    actors: &chain::ActorsOptions,
) -> Result<Option<chainstore::Chain>> {
    let held = padma_chain::ChainStore::open(store.clone())?
        .genesis()?
        .map(|g| g.cid().to_string());
    repo.check_datastore_chain(held.as_deref())?;
    let chain = chain::open_chain(store.clone(), car, mpool, actors)?;
    if let Some(c) = &chain {
        if held.is_none() {
            repo.record_genesis(&c.genesis.cid().to_string())?;
        }
        // Messages pushed here before a restart come back before the API serves; a
        // network layer would republish `local_messages()` from here on.
        c.svc
            .mpool()
            .restore_local(&repo.mpool_local_dir())
            .context("restoring the message pool's local messages")?;
    }
    Ok(chain)
}
