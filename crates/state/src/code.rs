//! Actor code CIDs. An actor's code CID names its Wasm module in a builtin-actors
//! bundle. padma builds its networks with one of two official v18.0.0 bundles
//! ([`CodeSet`]): `devnet` (real proofs; manifest
//! `bafy2bzaced35gjxagazf2fne5dakbok5abmivsh7cq7huwfuptebgwjmcpcf6`) and
//! `testing-fake-proofs` (mock-proof networks). The native engine tags its actors with
//! the devnet codes, so tools that map code CIDs to actor kinds recognise them.

use cid::Cid;
use std::str::FromStr;
use std::sync::LazyLock;

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

/// (kind, Lotus name, v18 devnet code CID, v18 testing-fake-proofs code CID) for every actor.
const TABLE: [(ActorKind, &str, &str, &str); 16] = [
    (
        ActorKind::Account,
        "account",
        "bafk2bzacedpmhtrp2kdjoga2phrbi3f7z7wn25s3tluxoagcu7hsg2ppktxbw",
        "bafk2bzaceb7qdzbji4msh3tyi3hqylly3ao77svv2243sjzwssfxo6dzdhxmc",
    ),
    (
        ActorKind::Cron,
        "cron",
        "bafk2bzacedrv5m6tczd6dz6ly3zmenkljnokovduvgkbmgxvsawbalerciieg",
        "bafk2bzaceaj2gxrxect3osfwralk7ndhz3rzy7ybz3rlxdnqmgfjm7o47n7sm",
    ),
    (
        ActorKind::Datacap,
        "datacap",
        "bafk2bzaceamho7atkl2a7c3m3t24v6tf3wzceaewp3ph6rjmwza3xdy3gmqb6",
        "bafk2bzacedir2w4opuf2nflnrlb7cfaqgjzldgr4qdyjli775s2wpr2cp32hi",
    ),
    (
        ActorKind::Eam,
        "eam",
        "bafk2bzaceaxpy4ilqlibpgytnt5ucmju2ooi3bqwca6dngwy6hlzmshyjpafw",
        "bafk2bzacebz2jhqgfkzetygd5lqflcc5gm2dtmvcduq4khcgeyem5c4fcsn4y",
    ),
    (
        ActorKind::EthAccount,
        "ethaccount",
        "bafk2bzacedsbwrrjywdmxeluuzwfhmam2jmrm6ivj72ggw6qaijcx7ilw5fvk",
        "bafk2bzaceaje5z7bxpbjo2befurw4rrsrhlwfnj7ps45tzshwcczha74cizno",
    ),
    (
        ActorKind::Evm,
        "evm",
        "bafk2bzacec273j42hyrcaeqms6xuuezkozjhptmyniwtr7y4jzjdoflccn2is",
        "bafk2bzacedbb2edt6kzzlochq4xahrffxnshghiwfa45xfyi6nfcvjojso5lc",
    ),
    (
        ActorKind::Init,
        "init",
        "bafk2bzaced23vlf6nemlulavy2ouxuvudxe3jbu4klc74tcgruafrqu2fnt3c",
        "bafk2bzacecvhl2ub56olwpxkfn466mllt4rlzcpwfjwo24m72myq4rmsmp3jm",
    ),
    (
        ActorKind::Multisig,
        "multisig",
        "bafk2bzacecquc4zxikmjfwsiyzx4tbxlsvauf53c7spf3hdz6jwmkczyqwbrg",
        "bafk2bzacedw4b7bw5yhfzuvdgut4hglzsshhlq2ab4vm7pafmgechgdsqh2uo",
    ),
    (
        ActorKind::PaymentChannel,
        "paymentchannel",
        "bafk2bzacecf3jaqzs757hmyxpthnj7vaxr2z6h5v6yubptvqasgabxiubeoim",
        "bafk2bzacebt2bhrmo55gkdeyil5bdmy5xo2i6ga4uyvriw7yiqsslro6gpco2",
    ),
    (
        ActorKind::Placeholder,
        "placeholder",
        "bafk2bzacedfvut2myeleyq67fljcrw4kkmn5pb5dpyozovj7jpoez5irnc3ro",
        "bafk2bzacedfvut2myeleyq67fljcrw4kkmn5pb5dpyozovj7jpoez5irnc3ro",
    ),
    (
        ActorKind::Reward,
        "reward",
        "bafk2bzacedchalmz2omgitfunbqg5opzcvrlvju77k6dr5zt2poyy7jjzkvwa",
        "bafk2bzaceadirgwrviw62skqu32xp4ddozk44gmkb7jh4fas6ppzg2edzpguo",
    ),
    (
        ActorKind::StorageMarket,
        "storagemarket",
        "bafk2bzacecjrg6jueodndhwtkaa3n2v2tkjakmzu4c57hrhg5ige4d4kjggcg",
        "bafk2bzacecp7lzrz7uvvn7jhi3frgq2xbd3fc2zlk2xrrqkdcpnp4iibwkdr4",
    ),
    (
        ActorKind::StorageMiner,
        "storageminer",
        "bafk2bzacedhvcxgdz2w75izwa5s5dwvsrxsnzkjcbpbresziyrrjrsvjzwvxe",
        "bafk2bzacec6cdq46pwy6rh27qfpvlkuzde3ux7eid52hwk5y3hsiemzb4ll4i",
    ),
    (
        ActorKind::StoragePower,
        "storagepower",
        "bafk2bzacebydegz3ap6xgejojdu3usfddhyrj476f25ooahgcqko6d7djynas",
        "bafk2bzacebfp3mye2ic3gzmqfsipwci5jekkzbud5tdqb47gvwqhucd6nlnkk",
    ),
    (
        ActorKind::System,
        "system",
        "bafk2bzacedced5maxljwmavukjvtnmknpzoullfcwk3upaz5x5hvvdl2pk24e",
        "bafk2bzaceboflgwz425do6punhi4rdeqryc7vf7bf4cjabivzyieki5jqnc3i",
    ),
    (
        ActorKind::VerifiedRegistry,
        "verifiedregistry",
        "bafk2bzaceccqnqgyehy72nkmujvpyibikslvpyxfhpqivzjmbkmdbme5xzm2u",
        "bafk2bzacebdwdxvflbvdroevz6jwfr62jffxyi4xdrw6ezirgatqqa3sd2vbc",
    ),
];

/// [`TABLE`]'s code CIDs, parsed once: (kind, devnet code, testing-fake-proofs code).
static PARSED: LazyLock<Vec<(ActorKind, Cid, Cid)>> = LazyLock::new(|| {
    TABLE
        .iter()
        .map(|(k, _, devnet, fake)| {
            let parse = |s: &str| Cid::from_str(s).expect("code CIDs in the table are valid");
            (*k, parse(devnet), parse(fake))
        })
        .collect()
});

/// The manifest CID of the devnet bundle (the native engine's code CIDs).
pub const MANIFEST_CID: &str = "bafy2bzaced35gjxagazf2fne5dakbok5abmivsh7cq7huwfuptebgwjmcpcf6";

/// The manifest CID of the testing-fake-proofs bundle.
pub const FAKE_PROOFS_MANIFEST_CID: &str =
    "bafy2bzacebhqxufvuk42n44l2h3ilek5jrp7lgdyapnyu76j5ocgi5koxkh7u";

/// Which official v18 bundle a network's actors come from.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum CodeSet {
    /// `builtin-actors-devnet.car`: real proofs.
    Devnet,
    /// `builtin-actors-testing-fake-proofs.car`: the actors accept mock proofs.
    FakeProofs,
}

impl CodeSet {
    /// The bundle for a network with mock proofs or real ones.
    pub fn for_proofs(mock_proofs: bool) -> CodeSet {
        if mock_proofs {
            CodeSet::FakeProofs
        } else {
            CodeSet::Devnet
        }
    }

    /// The code CID of `kind` in this bundle.
    pub fn code(self, kind: ActorKind) -> Cid {
        let (devnet, fake) = PARSED
            .iter()
            .find(|(k, _, _)| *k == kind)
            .map(|(_, d, f)| (*d, *f))
            .expect("every kind has a row");
        match self {
            CodeSet::Devnet => devnet,
            CodeSet::FakeProofs => fake,
        }
    }

    /// The bundle's manifest CID (the root of its CAR).
    pub fn manifest_cid(self) -> Cid {
        let s = match self {
            CodeSet::Devnet => MANIFEST_CID,
            CodeSet::FakeProofs => FAKE_PROOFS_MANIFEST_CID,
        };
        Cid::from_str(s).expect("manifest CIDs are valid")
    }

    /// The bundle's network name, as in its file name `builtin-actors-<name>.car`.
    pub fn bundle_name(self) -> &'static str {
        match self {
            CodeSet::Devnet => "devnet",
            CodeSet::FakeProofs => "testing-fake-proofs",
        }
    }

    /// The bundle whose code CIDs include `code`.
    pub fn of_code(code: &Cid) -> Option<CodeSet> {
        [CodeSet::Devnet, CodeSet::FakeProofs]
            .into_iter()
            .find(|set| ActorKind::all().any(|k| set.code(k) == *code))
    }
}

impl ActorKind {
    /// All kinds.
    pub fn all() -> impl Iterator<Item = ActorKind> {
        TABLE.iter().map(|(k, _, _, _)| *k)
    }

    fn row(self) -> &'static (ActorKind, &'static str, &'static str, &'static str) {
        TABLE
            .iter()
            .find(|(k, _, _, _)| *k == self)
            .expect("every kind has a row")
    }

    /// Lotus's name of the actor (`storageminer`, `account`, ...).
    pub fn name(self) -> &'static str {
        self.row().1
    }

    /// The code CID in the devnet bundle (what the native engine uses).
    pub fn code(self) -> Cid {
        CodeSet::Devnet.code(self)
    }

    /// The kind tagged by a code CID of either bundle.
    pub fn from_code(code: &Cid) -> Option<ActorKind> {
        PARSED
            .iter()
            .find(|(_, devnet, fake)| devnet == code || fake == code)
            .map(|(k, _, _)| *k)
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
        for k in ActorKind::all() {
            let fake = CodeSet::FakeProofs.code(k);
            assert_eq!(ActorKind::from_code(&fake), Some(k));
            assert_eq!(
                CodeSet::of_code(&fake),
                Some(if k == ActorKind::Placeholder {
                    CodeSet::Devnet
                } else {
                    CodeSet::FakeProofs
                })
            );
        }
        assert_eq!(
            ActorKind::StorageMiner.code().to_string(),
            "bafk2bzacedhvcxgdz2w75izwa5s5dwvsrxsnzkjcbpbresziyrrjrsvjzwvxe"
        );
        assert_eq!(ActorKind::StoragePower.name(), "storagepower");
    }
}
