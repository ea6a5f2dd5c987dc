//! `padma-miner init`, as Lotus's `lotus-miner init`: check the full node (API
//! versions, sync), the proof parameters, create the miner repo (storage roots, the
//! libp2p identity), then either configure an existing miner actor (`--actor`: its
//! peer ID set on chain by `ChangePeerID` from the worker; a genesis miner mines while
//! it waits and imports its pre-sealed sectors) or create a new one through the power
//! actor's `CreateMiner`. The miner's address goes under `miner-address` in the repo's
//! metadata; any failure removes the half-made repo.

use crate::fullnode::FullNode;
use crate::messages::{message, push_and_wait};
use crate::mining::spawn_mining;
use crate::node_checks::{check_node, check_params, sync_wait};
use crate::records::import_pre_seals;
use crate::repo::MinerRepo;
use crate::storage::Storage;
use anyhow::{anyhow, bail, Context, Result};
use fvm_ipld_encoding::RawBytes;
use fvm_shared::address::{Address, Payload, Protocol};
use fvm_shared::econ::TokenAmount;
use padma_api::miner_state::{StateMinerCreationDeposit, StateMinerInfo};
use padma_api::state::StateLookupID;
use padma_api::wallet::{WalletDefaultAddress, WalletNew};
use padma_chain::network::NetworkParams;
use padma_repo::paths::expand_home;
use padma_state::actors::{ids, method};
use padma_types::json::block::TipSetKeyJson;
use padma_types::json::AddressJson;
use padma_types::sector::window_post_for_size;
use serde_json::{json, Value};
use std::path::{Path, PathBuf};

/// Flags of `padma-miner init`.
#[derive(Clone, Debug)]
pub struct InitOptions {
    /// The miner repo to create.
    pub miner_repo: PathBuf,
    /// `--actor`: an existing miner actor.
    pub actor: Option<Address>,
    /// `--genesis-miner`: the actor is a genesis miner; mine while initialising.
    pub genesis_miner: bool,
    /// `--owner`.
    pub owner: Option<Address>,
    /// `--worker`.
    pub worker: Option<Address>,
    /// `--create-worker-key`: a new BLS worker key in the node's wallet.
    pub create_worker_key: bool,
    /// `--sector-size` in bytes.
    pub sector_size: u64,
    /// `--pre-sealed-sectors`: directories holding pre-sealed sectors.
    pub pre_sealed_sectors: Vec<PathBuf>,
    /// `--pre-sealed-metadata`: the pre-seal manifest.
    pub pre_sealed_metadata: Option<PathBuf>,
    /// `--nosync`: do not wait for the chain to sync.
    pub nosync: bool,
    /// `--gas-premium` in attoFIL.
    pub gas_premium: TokenAmount,
    /// `--from`: sender of the creation messages.
    pub from: Option<Address>,
    /// `--confidence`: epochs to wait after a message lands.
    pub confidence: u64,
    /// `--deposit-margin-factor`.
    pub deposit_margin_factor: f64,
}

/// Lotus's default `--confidence` (`MessageConfidence`).
pub const DEFAULT_CONFIDENCE: u64 = 5;

/// Sends `ChangePeerID` from the miner's worker and waits for it (Lotus
/// `configureStorageMiner`).
async fn configure_miner(
    node: &FullNode,
    maddr: &Address,
    peer: Vec<u8>,
    o: &InitOptions,
) -> Result<()> {
    let info = node
        .request::<StateMinerInfo>((AddressJson(*maddr), TipSetKeyJson::default()))
        .await
        .with_context(|| format!("reading miner {maddr}"))?;
    let params =
        RawBytes::serialize(fil_actor_miner_state::v18::ChangePeerIDParams { new_id: peer })?;
    let mut msg = message(
        info.worker.0,
        *maddr,
        method::miner::CHANGE_PEER_ID,
        TokenAmount::from_atto(0),
        params,
    );
    msg.gas_premium = o.gas_premium.clone();
    push_and_wait(node, &msg, o.confidence, "ChangePeerID").await?;
    Ok(())
}

/// Makes sure an account actor exists at `a`, sending it a zero-value message from
/// `from` otherwise.
async fn ensure_account(
    node: &FullNode,
    a: &Address,
    from: &Address,
    o: &InitOptions,
) -> Result<()> {
    if a.protocol() == Protocol::ID {
        return Ok(());
    }
    let r = node
        .request::<StateLookupID>((AddressJson(*a), TipSetKeyJson::default()))
        .await;
    if r.is_ok() {
        return Ok(());
    }
    eprintln!("creating the account actor of {a}");
    let mut msg = message(*from, *a, 0, TokenAmount::from_atto(0), RawBytes::default());
    msg.gas_premium = o.gas_premium.clone();
    push_and_wait(
        node,
        &msg,
        o.confidence,
        &format!("creating the account of {a}"),
    )
    .await?;
    Ok(())
}

/// `CreateMiner` through the power actor (Lotus `createStorageMiner`); returns the new
/// miner's ID address.
async fn create_miner(node: &FullNode, peer: Vec<u8>, o: &InitOptions) -> Result<Address> {
    let owner = match o.owner {
        Some(a) => a,
        None => {
            let a = node
                .request::<WalletDefaultAddress>(())
                .await
                .context("no --owner and no default wallet address on the node")?;
            a.0
        }
    };
    let worker = match (o.worker, o.create_worker_key) {
        (Some(w), _) => w,
        (None, true) => {
            let a = node.request::<WalletNew>((Value::from("bls"),)).await?;
            eprintln!("created the worker key {}", a.0);
            a.0
        }
        (None, false) => owner,
    };
    let sender = o.from.unwrap_or(owner);
    ensure_account(node, &owner, &sender, o).await?;
    ensure_account(node, &worker, &sender, o).await?;
    let proof = window_post_for_size(o.sector_size)?;
    let deposit = node
        .request::<StateMinerCreationDeposit>((TipSetKeyJson::default(),))
        .await?;
    let value = num_bigint_like::Big(deposit.0).times_margin(o.deposit_margin_factor)?;
    let params = RawBytes::serialize(fil_actor_power_state::v18::CreateMinerParams {
        owner,
        worker,
        window_post_proof_type: proof,
        peer,
        multiaddrs: vec![],
    })?;
    let mut msg = message(
        sender,
        Address::new_id(ids::POWER),
        method::power::CREATE_MINER,
        value.clone(),
        params,
    );
    msg.gas_premium = o.gas_premium.clone();
    eprintln!(
        "creating a miner: owner {owner}, worker {worker}, deposit {} attoFIL",
        value.atto()
    );
    let r = push_and_wait(node, &msg, o.confidence, "CreateMiner").await?;
    let ret: fil_actor_power_state::v18::CreateMinerReturn =
        fvm_ipld_encoding::from_slice(&r.ret).context("decoding the CreateMiner return")?;
    Ok(ret.id_address)
}

/// Big-integer helpers for the deposit margin.
mod num_bigint_like {
    use anyhow::{anyhow, Result};
    use fvm_shared::econ::TokenAmount;

    /// A non-negative attoFIL amount parsed from a decimal string.
    pub struct Big(pub TokenAmount);

    impl std::str::FromStr for Big {
        type Err = anyhow::Error;
        fn from_str(s: &str) -> Result<Big> {
            let n: fvm_shared::bigint::BigInt = s
                .trim()
                .parse()
                .map_err(|e| anyhow!("bad amount '{s}': {e}"))?;
            Ok(Big(TokenAmount::from_atto(n)))
        }
    }

    impl Big {
        /// The amount times `margin` (to 1/10000).
        pub fn times_margin(&self, margin: f64) -> Result<TokenAmount> {
            if !(margin.is_finite() && margin >= 0.0) {
                return Err(anyhow!("bad --deposit-margin-factor {margin}"));
            }
            let m = (margin * 10_000.0).round() as u64;
            Ok(TokenAmount::from_atto(
                self.0.atto() * fvm_shared::bigint::BigInt::from(m)
                    / fvm_shared::bigint::BigInt::from(10_000u64),
            ))
        }
    }
}

/// Everything after the repo exists; failures here remove the repo.
async fn init_in_repo(
    node: &FullNode,
    repo: &MinerRepo,
    net: &NetworkParams,
    o: &InitOptions,
) -> Result<Address> {
    // Storage: the repo itself seals new sectors; pre-sealed directories are more roots.
    let mut roots = vec![repo.path().to_path_buf()];
    for d in &o.pre_sealed_sectors {
        let d = expand_home(d);
        let d = d
            .canonicalize()
            .with_context(|| format!("pre-sealed sectors directory {}", d.display()))?;
        roots.push(d);
    }
    Storage { roots }.save(repo.path())?;
    std::fs::write(
        repo.path().join("sectorstore.json"),
        serde_json::to_string_pretty(&json!({
            "ID": uuid_v4(),
            "Weight": 10,
            "CanSeal": true,
            "CanStore": true,
        }))?,
    )?;
    let identity = repo.identity()?;
    eprintln!("miner peer ID: {}", identity.peer_id());

    let maddr = match o.actor {
        Some(maddr) if o.genesis_miner => {
            let Payload::ID(_) = maddr.payload() else {
                bail!("--actor must be an ID address (t0…), got {maddr}");
            };
            repo.set_miner_address(&maddr)?;
            // Nobody else mines on a fresh devnet: mine while waiting for ChangePeerID.
            let storage = Storage::load(repo.path())?;
            let (stop_tx, stop_rx) = tokio::sync::watch::channel(false);
            let mining = spawn_mining(node, maddr, storage, net, stop_rx);
            let configured = configure_miner(node, &maddr, identity.peer_id_bytes(), o).await;
            let _ = stop_tx.send(true);
            let _ = mining.await;
            configured?;
            let manifest = o
                .pre_sealed_metadata
                .as_ref()
                .ok_or_else(|| anyhow!("--genesis-miner needs --pre-sealed-metadata"))?;
            let n = import_pre_seals(repo, &expand_home(manifest), &maddr)?;
            eprintln!("imported {n} pre-sealed sectors");
            maddr
        }
        Some(maddr) => {
            if let Some(manifest) = &o.pre_sealed_metadata {
                let n = import_pre_seals(repo, &expand_home(manifest), &maddr)?;
                eprintln!("imported {n} pre-sealed sectors");
            }
            configure_miner(node, &maddr, identity.peer_id_bytes(), o).await?;
            repo.set_miner_address(&maddr)?;
            maddr
        }
        None => {
            let maddr = create_miner(node, identity.peer_id_bytes(), o).await?;
            repo.set_miner_address(&maddr)?;
            maddr
        }
    };
    Ok(maddr)
}

/// A random (version 4) UUID in its usual text form.
fn uuid_v4() -> String {
    let mut b: [u8; 16] = rand::random();
    if let Some(version) = b.get_mut(6) {
        *version = (*version & 0x0f) | 0x40;
    }
    if let Some(variant) = b.get_mut(8) {
        *variant = (*variant & 0x3f) | 0x80;
    }
    let mut out = String::with_capacity(36);
    for (i, x) in b.iter().enumerate() {
        if matches!(i, 4 | 6 | 8 | 10) {
            out.push('-');
        }
        out.push_str(&format!("{x:02x}"));
    }
    out
}

/// Removes what init made in `path` (the whole directory when init created it).
struct Cleanup {
    path: PathBuf,
    created_dir: bool,
    before: Vec<std::ffi::OsString>,
    armed: bool,
}

impl Cleanup {
    fn new(path: &Path) -> Cleanup {
        let before = std::fs::read_dir(path)
            .map(|d| d.filter_map(|e| e.ok().map(|e| e.file_name())).collect())
            .unwrap_or_default();
        Cleanup {
            path: path.to_path_buf(),
            created_dir: !path.exists(),
            before,
            armed: true,
        }
    }

    fn run(&self) {
        if self.created_dir {
            let _ = std::fs::remove_dir_all(&self.path);
            return;
        }
        if let Ok(d) = std::fs::read_dir(&self.path) {
            for e in d.flatten() {
                if !self.before.contains(&e.file_name()) {
                    let p = e.path();
                    let _ = if p.is_dir() {
                        std::fs::remove_dir_all(&p)
                    } else {
                        std::fs::remove_file(&p)
                    };
                }
            }
        }
    }
}

impl Drop for Cleanup {
    fn drop(&mut self) {
        if self.armed {
            self.run();
        }
    }
}

/// Runs `padma-miner init` against `node`; returns the miner's address.
pub async fn init(node: &FullNode, o: &InitOptions) -> Result<Address> {
    // Refused before anything else (Lotus checks after the node and parameters; an
    // early refusal costs nothing and spares a parameter download).
    if crate::repo::exists(&o.miner_repo) {
        bail!(
            "a miner repo already exists at {} (remove it or pick another --miner-repo)",
            o.miner_repo.display()
        );
    }
    eprintln!("checking the full node's version");
    let net = check_node(node, false).await?;
    eprintln!("checking proof parameters");
    check_params(o.sector_size, o.genesis_miner, &net).await?;
    if !(o.nosync || o.genesis_miner) {
        eprintln!("checking the full node's sync status");
        sync_wait(node).await?;
    }
    if o.genesis_miner && o.actor.is_none() {
        bail!("--genesis-miner needs --actor");
    }
    if crate::repo::exists(&o.miner_repo) {
        bail!(
            "a miner repo already exists at {} (remove it or pick another --miner-repo)",
            o.miner_repo.display()
        );
    }
    let mut cleanup = Cleanup::new(&o.miner_repo);
    eprintln!("initialising the miner repo {}", o.miner_repo.display());
    let result = async {
        let repo = MinerRepo::create(&o.miner_repo)?;
        init_in_repo(node, &repo, &net, o).await
    }
    .await;
    match result {
        Ok(a) => {
            cleanup.armed = false;
            Ok(a)
        }
        Err(e) => {
            cleanup.run();
            cleanup.armed = false;
            Err(e.context(format!(
                "miner init failed; removed the miner repo {}",
                o.miner_repo.display()
            )))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn margins_proofs_and_ids() {
        let b: num_bigint_like::Big = "1000000".parse().unwrap();
        assert_eq!(b.times_margin(1.01).unwrap().atto().to_string(), "1010000");
        assert!(b.times_margin(f64::NAN).is_err());
        assert!("x".parse::<num_bigint_like::Big>().is_err());
        let id = uuid_v4();
        assert_eq!(id.len(), 36);
        let groups: Vec<usize> = id.split('-').map(str::len).collect();
        assert_eq!(groups, [8, 4, 4, 4, 12]);
        assert_eq!(id.chars().nth(14), Some('4'));
    }
}
