//! The actors' runtime policy, as a value rather than compile-time features.
//!
//! builtin-actors selects its policy with cargo features per network bundle. padma
//! carries the [`Policy`] of `fil_actors_shared::v18` as a runtime value instead:
//! [`devnet_policy`] reproduces the v18 `devnet` bundle (features `sector-2k`,
//! `sector-8m`, `small-deals`, `short-precommit`, `min-power-2k`) and
//! [`mainnet_policy`] the `mainnet` bundle (`sector-32g`, `sector-64g`).

pub use fil_actors_shared::v18::runtime::{Policy, ProofSet};
use fvm_shared::sector::{RegisteredPoStProof, RegisteredSealProof, StoragePower};
use fvm_shared::version::NetworkVersion;

/// The network version padma runs: nv28 (FireHorse, actors v18).
pub const NETWORK_VERSION: NetworkVersion = NetworkVersion::V28;

/// The EIP-155 chain ID of padma's networks (Lotus's for devnets, 31415926).
pub const CHAIN_ID: u64 = 31_415_926;

/// The actors version padma's native actors implement.
pub const ACTORS_VERSION: u64 = 18;

/// Minimum consensus power of the devnet bundle (`min-power-2k`): 2 KiB.
pub const DEVNET_MINIMUM_CONSENSUS_POWER: i64 = 2 << 10;

/// Pre-commit challenge delay of the devnet bundle (`short-precommit`).
pub const DEVNET_PRE_COMMIT_CHALLENGE_DELAY: i64 = 10;

/// Minimum verified allocation size of the devnet bundle (`small-deals`): 256 bytes.
pub const DEVNET_MINIMUM_VERIFIED_ALLOCATION_SIZE: i64 = 256;

/// The policy of the builtin-actors v18 `mainnet` bundle: 32 GiB and 64 GiB sectors,
/// 10 TiB minimum consensus power, pre-commit challenge delay 150.
pub fn mainnet_policy() -> Policy {
    Policy::default()
}

/// The policy of the builtin-actors v18 `devnet` bundle: 2 KiB and 8 MiB sectors
/// (seal V1_1, synthetic PoRep and NI-PoRep; Window PoSt V1_1), 2 KiB minimum
/// consensus power, pre-commit challenge delay 10, 256-byte minimum verified
/// allocations. Window PoSt timing (2880/48/60) is unchanged from mainnet.
pub fn devnet_policy() -> Policy {
    let mut post = ProofSet::default();
    post.insert(RegisteredPoStProof::StackedDRGWindow2KiBV1P1);
    post.insert(RegisteredPoStProof::StackedDRGWindow8MiBV1P1);

    let mut seal = ProofSet::default();
    seal.insert(RegisteredSealProof::StackedDRG2KiBV1P1);
    seal.insert(RegisteredSealProof::StackedDRG2KiBV1P1_Feat_SyntheticPoRep);
    seal.insert(RegisteredSealProof::StackedDRG8MiBV1P1);
    seal.insert(RegisteredSealProof::StackedDRG8MiBV1P1_Feat_SyntheticPoRep);

    let mut ni = ProofSet::default();
    ni.insert(RegisteredSealProof::StackedDRG2KiBV1P2_Feat_NiPoRep);
    ni.insert(RegisteredSealProof::StackedDRG8MiBV1P2_Feat_NiPoRep);

    Policy {
        valid_post_proof_type: post,
        valid_pre_commit_proof_type: seal,
        valid_prove_commit_ni_proof_type: ni,
        minimum_consensus_power: StoragePower::from(DEVNET_MINIMUM_CONSENSUS_POWER),
        pre_commit_challenge_delay: DEVNET_PRE_COMMIT_CHALLENGE_DELAY,
        minimum_verified_allocation_size: StoragePower::from(
            DEVNET_MINIMUM_VERIFIED_ALLOCATION_SIZE,
        ),
        ..Policy::default()
    }
}

/// The power whose initial pledge a new miner must deposit (FIP-0077):
/// `minimum_consensus_power / 10`.
pub fn create_miner_deposit_power(policy: &Policy) -> StoragePower {
    &policy.minimum_consensus_power / 10
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn devnet_policy_enables_small_sectors_only() {
        let p = devnet_policy();
        assert!(p
            .valid_post_proof_type
            .contains(RegisteredPoStProof::StackedDRGWindow2KiBV1P1));
        assert!(p
            .valid_post_proof_type
            .contains(RegisteredPoStProof::StackedDRGWindow8MiBV1P1));
        assert!(!p
            .valid_post_proof_type
            .contains(RegisteredPoStProof::StackedDRGWindow32GiBV1P1));
        assert!(p
            .valid_pre_commit_proof_type
            .contains(RegisteredSealProof::StackedDRG2KiBV1P1));
        assert!(!p
            .valid_pre_commit_proof_type
            .contains(RegisteredSealProof::StackedDRG32GiBV1P1));
        assert_eq!(p.minimum_consensus_power, StoragePower::from(2048));
        assert_eq!(p.pre_commit_challenge_delay, 10);
        assert_eq!(p.wpost_proving_period, 2880);
        assert_eq!(p.wpost_challenge_window, 60);
        assert_eq!(p.wpost_period_deadlines, 48);
        assert_eq!(create_miner_deposit_power(&p), StoragePower::from(204));
    }

    #[test]
    fn mainnet_policy_is_the_default_bundle() {
        let p = mainnet_policy();
        assert!(p
            .valid_post_proof_type
            .contains(RegisteredPoStProof::StackedDRGWindow32GiBV1P1));
        assert!(!p
            .valid_post_proof_type
            .contains(RegisteredPoStProof::StackedDRGWindow2KiBV1P1));
        assert_eq!(p.minimum_consensus_power, StoragePower::from(10i64 << 40));
        assert_eq!(p.pre_commit_challenge_delay, 150);
        assert_eq!(NETWORK_VERSION, NetworkVersion::V28);
    }
}
