//! Genesis: the Lotus genesis template ([`template`]), the genesis state built from
//! it as Lotus's `MakeGenesisBlock` builds it (singletons, accounts from f0100,
//! miners from f01000 with their pre-sealed sectors active and their power claimed),
//! the genesis block, and its CARv1 file.
//!
//! As Lotus does, the initial actors are written directly and everything after them
//! (the deal clients' datacap, the miners, their deals and sectors) is Lotus's genesis
//! messages executed by the official actors through a [`GenesisVm`] (the FVM, in
//! `padma_fvm`). Without a bundle, for the native engine, the same steps are written
//! directly as the actors would make them ([`build_with_policy`]); a test checks both
//! give the same state root.
//!
//! Lotus draws two things at random: the genesis ticket and the f081 verifier key.
//! padma derives both from the template (see [`header`]), so one template always
//! yields the same CAR bytes.

mod builder;
mod deals;
pub mod fake;
pub mod header;
mod initial;
mod miners;
mod sectors;
pub mod template;
mod vm;

pub use header::{filecoin_genesis_cid, filecoin_genesis_document, write_car};
pub use initial::{builtin_actors_registry, MultisigState};
pub use miners::peer_id_bytes;
pub use template::Template;
pub use vm::{genesis_message, GenesisVm, GENESIS_GAS_LIMIT};

use crate::actors::ids;
use crate::code::CodeSet;
use crate::policy::{devnet_policy, Policy};
use anyhow::{bail, Context, Result};
use builder::Builder;
use cid::Cid;
use fvm_ipld_blockstore::Blockstore;
use fvm_shared::address::Address;
use fvm_shared::econ::TokenAmount;
use padma_types::block::BlockHeader;
use std::sync::LazyLock;

/// First ID of template accounts.
pub const ACCOUNT_START: u64 = 100;
/// First ID of genesis miners.
pub const MINER_START: u64 = 1000;
/// Most template accounts.
pub const MAX_ACCOUNTS: u64 = MINER_START - ACCOUNT_START;
/// attoFIL per FIL.
pub const FILECOIN_PRECISION: u64 = 1_000_000_000_000_000_000;
/// Total FIL: every genesis balance adds up to this.
pub const FIL_BASE: u64 = 2_000_000_000;
/// The parent base fee of the genesis block (attoFIL).
pub const INITIAL_BASE_FEE: u64 = 100_000_000;
/// The reward actor's balance (1.1 billion FIL).
pub static INITIAL_REWARD_BALANCE: LazyLock<TokenAmount> =
    LazyLock::new(|| TokenAmount::from_whole(1_100_000_000));
/// The circulating supply Lotus assumes for miner creation deposits at genesis.
pub static INITIAL_FIL_RESERVED: LazyLock<TokenAmount> =
    LazyLock::new(|| TokenAmount::from_whole(300_000_000));

/// A built genesis.
#[derive(Clone, Debug)]
pub struct Genesis {
    /// The genesis block.
    pub header: BlockHeader,
    /// Its CID.
    pub cid: Cid,
    /// The genesis miners' addresses (f01000, …).
    pub miners: Vec<Address>,
}

/// Builds the genesis state and block of `template` into `store` with the devnet policy
/// and the devnet bundle's code CIDs.
/// A template without a timestamp (0) gets the time the state is finished, so a genesis
/// that takes a while to build does not start stale (Lotus stamps it before building).
pub fn build<BS: Blockstore>(store: &BS, template: &Template) -> Result<Genesis> {
    build_with_policy(store, template, devnet_policy(), CodeSet::Devnet)
}

/// [`build`] with an explicit actor policy and the code CIDs of bundle `codes`, the
/// actors' work written directly (for the native engine, when no bundle is at hand):
/// the same state as [`build_through_vm`] with that bundle's actors.
pub fn build_with_policy<BS: Blockstore>(
    store: &BS,
    template: &Template,
    policy: Policy,
    codes: CodeSet,
) -> Result<Genesis> {
    build_inner(store, template, policy, codes, None)
}

/// Builds the genesis as Lotus does: the initial actors written, then the verified
/// registry, the miners and their pre-sealed sectors set up by Lotus's genesis
/// messages, executed by `vm` over `store` (which must hold the actors' code of
/// `codes`).
pub fn build_through_vm<BS: Blockstore>(
    store: &BS,
    template: &Template,
    policy: Policy,
    codes: CodeSet,
    vm: &dyn GenesisVm,
) -> Result<Genesis> {
    build_inner(store, template, policy, codes, Some(vm))
}

fn build_inner<BS: Blockstore>(
    store: &BS,
    template: &Template,
    policy: Policy,
    codes: CodeSet,
    vm: Option<&dyn GenesisVm>,
) -> Result<Genesis> {
    if template.network_version != template::GENESIS_NETWORK_VERSION {
        bail!(
            "genesis network version {} is not supported: padma runs network version {}",
            template.network_version,
            template::GENESIS_NETWORK_VERSION
        );
    }
    if template.miners.is_empty() {
        bail!("no genesis miners: add one with `padma-seed genesis add-miner`");
    }
    let mut b = Builder::new(store, policy, codes);
    let key_ids = initial::make_initial_state(&mut b, template)?;
    let vreg_needs = verified_needs(&b, template, &key_ids)?;
    match vm {
        Some(vm) => {
            vm::verify_presealed_data(&mut b, vm, &vreg_needs)?;
            vm::setup_miners(&mut b, vm, &template.miners)?;
        }
        None => {
            let total: u64 = vreg_needs.values().sum();
            deals::add_verifier(&mut b, ids::FIRST_VERIFIER, total)?;
            for (client, bytes) in vreg_needs {
                deals::add_verified_client(&mut b, client, bytes)?;
            }
            miners::setup_miners(&mut b, &template.miners)?;
        }
    }
    // The null Ethereum address gets an EthAccount after the miners.
    let null_eth = Address::new_delegated(ids::EAM, &[0u8; 20])?;
    let id = b.map_new_id(&null_eth)?;
    let act = crate::tree::ActorState::new(
        b.codes.code(crate::code::ActorKind::EthAccount),
        crate::ipld::empty_array_cid(),
        TokenAmount::default(),
        0,
        Some(null_eth),
    );
    b.tree.set_actor(id, act)?;
    let root = b.tree.flush()?;
    let timestamp = match template.timestamp {
        0 => std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .context("the system clock is before 1970")?
            .as_secs(),
        t => t,
    };
    let header = header::make_genesis_block(store, root, timestamp, &template.network_name)?;
    let miners = (0..template.miners.len() as u64)
        .map(|i| Address::new_id(MINER_START + i))
        .collect();
    Ok(Genesis {
        cid: header.cid(),
        header,
        miners,
    })
}

/// Datacap each deal client needs (Lotus `VerifyPreSealedData`), by client ID.
fn verified_needs<BS: Blockstore>(
    b: &Builder<'_, BS>,
    t: &Template,
    key_ids: &initial::KeyIds,
) -> Result<std::collections::BTreeMap<u64, u64>> {
    let mut needs = std::collections::BTreeMap::new();
    for (mi, m) in t.miners.iter().enumerate() {
        for (si, s) in m.sectors.iter().enumerate() {
            if s.deal.provider != m.id {
                bail!(
                    "Sector {si} in miner {mi} in template had mismatch in provider and miner ID: {} != {}",
                    s.deal.provider,
                    m.id
                );
            }
            let client = match key_ids.get(&s.deal.client) {
                Some(id) => *id,
                None => b.resolve_existing(&s.deal.client, "deal client")?,
            };
            *needs.entry(client).or_insert(0) += s.deal.piece_size;
        }
    }
    Ok(needs)
}

/// The `[actor name, code CID]` list the system actor's manifest holds in the state
/// `root`.
pub fn manifest_codes<BS: Blockstore>(store: &BS, root: &Cid) -> Result<Vec<(String, Cid)>> {
    let tree = crate::tree::StateTree::load(store, root)?;
    let system = tree
        .get_actor(ids::SYSTEM)?
        .ok_or_else(|| anyhow::anyhow!("the state has no system actor"))?;
    let st: fil_actor_system_state::v18::State = crate::ipld::get_cbor(store, &system.state)?;
    crate::ipld::get_cbor(store, &st.builtin_actors)
}

/// The network-name option of a genesis whose state padma's native engine executes
/// (`<name>;…;native-actors`); a name without it is executed by the FVM.
pub const NATIVE_ACTORS_OPTION: &str = "native-actors";

/// Builds a genesis for the native engine from `template` in memory and returns the
/// CAR bytes and the genesis: the devnet bundle's code CIDs, the actors' work written
/// directly (no bundle needed), no actor code in the CAR, and
/// [`NATIVE_ACTORS_OPTION`] added to the network name (when missing) so the network
/// declares its engine. (A genesis for the FVM is built through it: `padma_fvm`.)
pub fn make_car(template: &Template) -> Result<(Vec<u8>, Genesis)> {
    let mut t = template.clone();
    if !t.network_name.split(';').any(|o| o == NATIVE_ACTORS_OPTION) {
        t.network_name = format!("{};{NATIVE_ACTORS_OPTION}", t.network_name);
    }
    let store = fvm_ipld_blockstore::MemoryBlockstore::new();
    let g = build_with_policy(&store, &t, devnet_policy(), CodeSet::Devnet)?;
    let mut out = Vec::new();
    write_car(&store, g.cid, &mut out)?;
    Ok((out, g))
}

#[cfg(test)]
mod tests;
