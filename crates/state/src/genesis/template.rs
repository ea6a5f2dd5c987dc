//! The genesis template: the JSON `lotus-seed genesis new` writes and `add-miner`
//! extends (Lotus `genesis.Template`, `Actor`, `Miner`, `PreSeal`), field for field.

use anyhow::{anyhow, bail, Context, Result};
use fvm_shared::address::Address;
use fvm_shared::econ::TokenAmount;
use padma_types::json::{address_str, null_default, token_str, CidJson, KeyInfoJson};
use serde::{Deserialize, Serialize};
use serde_json::Value;

/// Network version written by `genesis new` (Lotus's 2k `GenesisNetworkVersion`).
pub const GENESIS_NETWORK_VERSION: u32 = 28;

/// The signer of the default verified-registry root key and remainder multisigs
/// (Lotus's `remAccTestKey` in `chain/gen`).
pub const DEFAULT_MSIG_SIGNER: &str = "t1ceb34gnsc6qk5dt6n7xg6ycwzasjhbxm3iylkiy";

/// Actor type of a template account: `account` or `multisig`.
pub const ACCOUNT: &str = "account";
/// Multisig template accounts.
pub const MULTISIG: &str = "multisig";

/// A genesis template.
#[derive(Clone, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct Template {
    /// Network version at genesis.
    pub network_version: u32,
    /// Accounts (and multisigs), given IDs from f0100 in order.
    #[serde(default, deserialize_with = "null_default")]
    pub accounts: Vec<Actor>,
    /// Miners, given IDs from f01000 in order.
    #[serde(default, deserialize_with = "null_default")]
    pub miners: Vec<Miner>,
    /// Network name (the suffix of the gossip topics).
    pub network_name: String,
    /// Genesis time in Unix seconds; 0 (omitted) means "when the genesis is made".
    #[serde(default, skip_serializing_if = "is_zero")]
    pub timestamp: u64,
    /// Root key of the verified registry (placed at f080).
    pub verifreg_root_key: Actor,
    /// Receives the FIL not given to anyone else (placed at f090).
    pub remainder_account: Actor,
}

fn is_zero(v: &u64) -> bool {
    *v == 0
}

/// A template account or multisig (Lotus `genesis.Actor`): type, balance and a
/// type-specific `Meta` object.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct Actor {
    /// `account` or `multisig`.
    #[serde(rename = "Type")]
    pub actor_type: String,
    /// Balance in attoFIL.
    #[serde(with = "token_str")]
    pub balance: TokenAmount,
    /// `{"Owner": addr}` for accounts; `{"Signers", "Threshold", "VestingDuration",
    /// "VestingStart"}` for multisigs.
    #[serde(default)]
    pub meta: Value,
}

/// `Meta` of an account.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct AccountMeta {
    /// The key address.
    #[serde(with = "address_str")]
    pub owner: Address,
}

/// `Meta` of a multisig.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct MultisigMeta {
    /// Signer key addresses.
    #[serde(default, deserialize_with = "null_default")]
    pub signers: Vec<AddressString>,
    /// Approvals needed.
    #[serde(default)]
    pub threshold: i64,
    /// Linear vesting duration in epochs.
    #[serde(default)]
    pub vesting_duration: i64,
    /// Vesting start epoch.
    #[serde(default)]
    pub vesting_start: i64,
}

/// An address as a JSON string.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct AddressString(#[serde(with = "address_str")] pub Address);

impl Actor {
    /// An account holding `balance` for `owner`.
    pub fn account(owner: Address, balance: TokenAmount) -> Self {
        Actor {
            actor_type: ACCOUNT.into(),
            balance,
            meta: serde_json::json!({ "Owner": owner.to_string() }),
        }
    }

    /// A 1-of-1 multisig of `signer`, as Lotus's default root key and remainder.
    pub fn default_multisig(signer: Address) -> Self {
        Actor {
            actor_type: MULTISIG.into(),
            balance: TokenAmount::default(),
            meta: serde_json::json!({
                "Signers": [signer.to_string()],
                "Threshold": 1,
                "VestingDuration": 0,
                "VestingStart": 0,
            }),
        }
    }

    /// The account meta, for `account` actors.
    pub fn account_meta(&self) -> Result<AccountMeta> {
        serde_json::from_value(self.meta.clone()).context("unmarshaling account meta")
    }

    /// The multisig meta, for `multisig` actors.
    pub fn multisig_meta(&self) -> Result<MultisigMeta> {
        serde_json::from_value(self.meta.clone()).context("unmarshaling multisig meta")
    }

    /// Checks the type is one padma knows.
    pub fn check_type(&self) -> Result<()> {
        match self.actor_type.as_str() {
            ACCOUNT | MULTISIG => Ok(()),
            t => bail!("unsupported account type '{t}' (want 'account' or 'multisig')"),
        }
    }
}

/// A genesis miner (Lotus `genesis.Miner`), as in a pre-seal manifest.
#[derive(Clone, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct Miner {
    /// The miner's ID address (`t01000`, `t01001`, … in template order).
    #[serde(rename = "ID", with = "address_str")]
    pub id: Address,
    /// Owner key address (pays the creation deposit).
    #[serde(with = "address_str")]
    pub owner: Address,
    /// Worker key address (becomes owner and worker of the miner).
    #[serde(with = "address_str")]
    pub worker: Address,
    /// libp2p peer ID (base58).
    pub peer_id: String,
    /// Market escrow to deposit for the miner.
    #[serde(with = "token_str", default)]
    pub market_balance: TokenAmount,
    /// Unused by current networks (kept for the format).
    #[serde(with = "token_str", default)]
    pub power_balance: TokenAmount,
    /// Sector size in bytes.
    pub sector_size: u64,
    /// Pre-sealed sectors.
    #[serde(default, deserialize_with = "null_default")]
    pub sectors: Vec<PreSeal>,
}

/// A pre-sealed sector (Lotus `genesis.PreSeal`).
#[derive(Clone, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct PreSeal {
    /// Sealed sector CID.
    pub comm_r: CidJson,
    /// Unsealed sector CID.
    pub comm_d: CidJson,
    /// Sector number.
    #[serde(rename = "SectorID")]
    pub sector_id: u64,
    /// The deal that fills the sector.
    pub deal: DealProposalJson,
    /// The client's key.
    pub deal_client_key: KeyInfoJson,
    /// Registered seal proof.
    pub proof_type: i64,
}

/// A deal proposal in Lotus JSON (market `DealProposal`).
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct DealProposalJson {
    /// Piece CID.
    #[serde(rename = "PieceCID")]
    pub piece_cid: CidJson,
    /// Padded piece size.
    pub piece_size: u64,
    /// Verified deal flag.
    pub verified_deal: bool,
    /// Client.
    #[serde(with = "address_str")]
    pub client: Address,
    /// Provider.
    #[serde(with = "address_str")]
    pub provider: Address,
    /// String label.
    #[serde(default)]
    pub label: String,
    /// Start epoch.
    pub start_epoch: i64,
    /// End epoch.
    pub end_epoch: i64,
    /// Price per epoch.
    #[serde(with = "token_str", default)]
    pub storage_price_per_epoch: TokenAmount,
    /// Provider collateral.
    #[serde(with = "token_str", default)]
    pub provider_collateral: TokenAmount,
    /// Client collateral.
    #[serde(with = "token_str", default)]
    pub client_collateral: TokenAmount,
}

impl Template {
    /// A new template as `genesis new` writes it: no accounts or miners, the default
    /// multisig root key and remainder.
    pub fn new(network_name: String, timestamp: u64) -> Self {
        let signer = padma_types::address::parse_address(DEFAULT_MSIG_SIGNER)
            .expect("the default signer address is valid");
        Template {
            network_version: GENESIS_NETWORK_VERSION,
            accounts: Vec::new(),
            miners: Vec::new(),
            network_name,
            timestamp,
            verifreg_root_key: Actor::default_multisig(signer),
            remainder_account: Actor::default_multisig(signer),
        }
    }

    /// Parses template JSON.
    pub fn from_json(text: &[u8]) -> Result<Self> {
        serde_json::from_slice(text).map_err(|e| anyhow!("invalid genesis template: {e}"))
    }

    /// Indented JSON, as `lotus-seed` writes it.
    pub fn to_json(&self) -> String {
        serde_json::to_string_pretty(self).expect("templates always serialise")
    }

    /// Appends the miners of a pre-seal manifest (`{maddr: Miner}`), each with an
    /// account for its owner holding `balance`, as `genesis add-miner` does. Miner IDs
    /// must continue the template's sequence from f01000.
    pub fn add_miners_from_manifest(
        &mut self,
        manifest: &[u8],
        balance: TokenAmount,
    ) -> Result<()> {
        let miners: std::collections::BTreeMap<String, Miner> = serde_json::from_slice(manifest)
            .map_err(|e| anyhow!("invalid pre-seal manifest: {e}"))?;
        for (name, miner) in miners {
            let want = super::MINER_START + self.miners.len() as u64;
            let addr = padma_types::address::parse_address(&name)
                .map_err(|e| anyhow!("pre-seal manifest key: {e}"))?;
            let id = addr
                .id()
                .map_err(|_| anyhow!("miner {name} in the manifest is not an ID address"))?;
            if id != want {
                bail!("tried to set miner t0{id} as t0{want}");
            }
            self.accounts
                .push(Actor::account(miner.owner, balance.clone()));
            self.miners.push(miner);
        }
        Ok(())
    }
}
