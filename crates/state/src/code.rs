//! Actor code CIDs. padma runs the actors natively but tags them with the code CIDs
//! of the builtin-actors v18.0.0 devnet bundle (manifest
//! `bafy2bzaced35gjxagazf2fne5dakbok5abmivsh7cq7huwfuptebgwjmcpcf6`, as Lotus lists it),
//! so tools that map code CIDs to actor kinds recognise padma's actors.

use cid::Cid;
use std::str::FromStr;

/// The kinds of builtin actor.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ActorKind {
    /// f00.
    System,
    /// f01: address → ID map.
    Init,
    /// f02: block rewards.
    Reward,
    /// f03: per-epoch cron.
    Cron,
    /// f04: storage power.
    StoragePower,
    /// f05: storage market.
    StorageMarket,
    /// f06: verified registry.
    VerifiedRegistry,
    /// f07: datacap token.
    Datacap,
    /// f010: Ethereum address manager.
    Eam,
    /// Key-address accounts (and f099, burnt funds).
    Account,
    /// Storage miners.
    StorageMiner,
    /// Multisig wallets.
    Multisig,
    /// Payment channels.
    PaymentChannel,
    /// Placeholders for f4 addresses not yet deployed.
    Placeholder,
    /// Ethereum accounts.
    EthAccount,
    /// EVM contracts.
    Evm,
}

/// (kind, Lotus name, v18 devnet code CID) for every actor.
const TABLE: [(ActorKind, &str, &str); 16] = [
    (
        ActorKind::Account,
        "account",
        "bafk2bzacedpmhtrp2kdjoga2phrbi3f7z7wn25s3tluxoagcu7hsg2ppktxbw",
    ),
    (
        ActorKind::Cron,
        "cron",
        "bafk2bzacedrv5m6tczd6dz6ly3zmenkljnokovduvgkbmgxvsawbalerciieg",
    ),
    (
        ActorKind::Datacap,
        "datacap",
        "bafk2bzaceamho7atkl2a7c3m3t24v6tf3wzceaewp3ph6rjmwza3xdy3gmqb6",
    ),
    (
        ActorKind::Eam,
        "eam",
        "bafk2bzaceaxpy4ilqlibpgytnt5ucmju2ooi3bqwca6dngwy6hlzmshyjpafw",
    ),
    (
        ActorKind::EthAccount,
        "ethaccount",
        "bafk2bzacedsbwrrjywdmxeluuzwfhmam2jmrm6ivj72ggw6qaijcx7ilw5fvk",
    ),
    (
        ActorKind::Evm,
        "evm",
        "bafk2bzacec273j42hyrcaeqms6xuuezkozjhptmyniwtr7y4jzjdoflccn2is",
    ),
    (
        ActorKind::Init,
        "init",
        "bafk2bzaced23vlf6nemlulavy2ouxuvudxe3jbu4klc74tcgruafrqu2fnt3c",
    ),
    (
        ActorKind::Multisig,
        "multisig",
        "bafk2bzacecquc4zxikmjfwsiyzx4tbxlsvauf53c7spf3hdz6jwmkczyqwbrg",
    ),
    (
        ActorKind::PaymentChannel,
        "paymentchannel",
        "bafk2bzacecf3jaqzs757hmyxpthnj7vaxr2z6h5v6yubptvqasgabxiubeoim",
    ),
    (
        ActorKind::Placeholder,
        "placeholder",
        "bafk2bzacedfvut2myeleyq67fljcrw4kkmn5pb5dpyozovj7jpoez5irnc3ro",
    ),
    (
        ActorKind::Reward,
        "reward",
        "bafk2bzacedchalmz2omgitfunbqg5opzcvrlvju77k6dr5zt2poyy7jjzkvwa",
    ),
    (
        ActorKind::StorageMarket,
        "storagemarket",
        "bafk2bzacecjrg6jueodndhwtkaa3n2v2tkjakmzu4c57hrhg5ige4d4kjggcg",
    ),
    (
        ActorKind::StorageMiner,
        "storageminer",
        "bafk2bzacedhvcxgdz2w75izwa5s5dwvsrxsnzkjcbpbresziyrrjrsvjzwvxe",
    ),
    (
        ActorKind::StoragePower,
        "storagepower",
        "bafk2bzacebydegz3ap6xgejojdu3usfddhyrj476f25ooahgcqko6d7djynas",
    ),
    (
        ActorKind::System,
        "system",
        "bafk2bzacedced5maxljwmavukjvtnmknpzoullfcwk3upaz5x5hvvdl2pk24e",
    ),
    (
        ActorKind::VerifiedRegistry,
        "verifiedregistry",
        "bafk2bzaceccqnqgyehy72nkmujvpyibikslvpyxfhpqivzjmbkmdbme5xzm2u",
    ),
];

/// The manifest CID of the bundle whose code CIDs padma uses.
pub const MANIFEST_CID: &str = "bafy2bzaced35gjxagazf2fne5dakbok5abmivsh7cq7huwfuptebgwjmcpcf6";

impl ActorKind {
    /// All kinds.
    pub fn all() -> impl Iterator<Item = ActorKind> {
        TABLE.iter().map(|(k, _, _)| *k)
    }

    fn row(self) -> &'static (ActorKind, &'static str, &'static str) {
        TABLE
            .iter()
            .find(|(k, _, _)| *k == self)
            .expect("every kind has a row")
    }

    /// Lotus's name of the actor (`storageminer`, `account`, ...).
    pub fn name(self) -> &'static str {
        self.row().1
    }

    /// The code CID.
    pub fn code(self) -> Cid {
        Cid::from_str(self.row().2).expect("code CIDs in the table are valid")
    }

    /// The kind tagged by a code CID, if it is one of padma's.
    pub fn from_code(code: &Cid) -> Option<ActorKind> {
        ActorKind::all().find(|k| k.code() == *code)
    }

    /// True for actors that may send messages (accounts and Ethereum accounts).
    pub fn is_account(self) -> bool {
        matches!(self, ActorKind::Account | ActorKind::EthAccount)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_round_trip_and_are_distinct() {
        let mut seen = std::collections::HashSet::new();
        for k in ActorKind::all() {
            assert_eq!(ActorKind::from_code(&k.code()), Some(k));
            assert!(seen.insert(k.code()));
        }
        assert_eq!(seen.len(), 16);
        assert_eq!(
            ActorKind::StorageMiner.code().to_string(),
            "bafk2bzacedhvcxgdz2w75izwa5s5dwvsrxsnzkjcbpbresziyrrjrsvjzwvxe"
        );
        assert_eq!(ActorKind::StoragePower.name(), "storagepower");
    }
}
