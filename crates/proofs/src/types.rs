//! Filecoin's registered proof numbers and the proofs library's proof types: which
//! library type each number is, and the library types of a sector size's proofs (the
//! sizes and their proof types are defined in [`padma_types::sector`]).

use anyhow::{bail, Result};
use filecoin_proofs_api::{RegisteredPoStProof, RegisteredSealProof};
use padma_types::sector;

/// The library's seal proof of new sectors of `sector_size` bytes
/// ([`sector::seal_proof_for_size`]).
pub fn library_seal_proof(sector_size: u64) -> Result<RegisteredSealProof> {
    seal_proof_from_number(i64::from(sector::seal_proof_for_size(sector_size)?))
}

/// The library's WinningPoSt proof of sectors of `sector_size` bytes
/// ([`sector::winning_post_for_size`]).
pub fn library_winning_post(sector_size: u64) -> Result<RegisteredPoStProof> {
    post_proof_from_number(i64::from(sector::winning_post_for_size(sector_size)?))
}

/// The library's WindowPoSt proof of sectors of `sector_size` bytes
/// ([`sector::window_post_for_size`]).
pub fn library_window_post(sector_size: u64) -> Result<RegisteredPoStProof> {
    post_proof_from_number(i64::from(sector::window_post_for_size(sector_size)?))
}

/// Filecoin's number of a seal proof type (`abi.RegisteredSealProof`).
pub fn seal_proof_number(p: RegisteredSealProof) -> i64 {
    use RegisteredSealProof::*;
    match p {
        StackedDrg2KiBV1 => 0,
        StackedDrg8MiBV1 => 1,
        StackedDrg512MiBV1 => 2,
        StackedDrg32GiBV1 => 3,
        StackedDrg64GiBV1 => 4,
        StackedDrg2KiBV1_1 => 5,
        StackedDrg8MiBV1_1 => 6,
        StackedDrg512MiBV1_1 => 7,
        StackedDrg32GiBV1_1 => 8,
        StackedDrg64GiBV1_1 => 9,
        StackedDrg2KiBV1_1_Feat_SyntheticPoRep => 10,
        StackedDrg8MiBV1_1_Feat_SyntheticPoRep => 11,
        StackedDrg512MiBV1_1_Feat_SyntheticPoRep => 12,
        StackedDrg32GiBV1_1_Feat_SyntheticPoRep => 13,
        StackedDrg64GiBV1_1_Feat_SyntheticPoRep => 14,
        StackedDrg2KiBV1_2_Feat_NonInteractivePoRep => 15,
        StackedDrg8MiBV1_2_Feat_NonInteractivePoRep => 16,
        StackedDrg512MiBV1_2_Feat_NonInteractivePoRep => 17,
        StackedDrg32GiBV1_2_Feat_NonInteractivePoRep => 18,
        StackedDrg64GiBV1_2_Feat_NonInteractivePoRep => 19,
    }
}

/// The seal proof type with Filecoin's number `n`.
pub fn seal_proof_from_number(n: i64) -> Result<RegisteredSealProof> {
    use RegisteredSealProof::*;
    const ALL: [RegisteredSealProof; 20] = [
        StackedDrg2KiBV1,
        StackedDrg8MiBV1,
        StackedDrg512MiBV1,
        StackedDrg32GiBV1,
        StackedDrg64GiBV1,
        StackedDrg2KiBV1_1,
        StackedDrg8MiBV1_1,
        StackedDrg512MiBV1_1,
        StackedDrg32GiBV1_1,
        StackedDrg64GiBV1_1,
        StackedDrg2KiBV1_1_Feat_SyntheticPoRep,
        StackedDrg8MiBV1_1_Feat_SyntheticPoRep,
        StackedDrg512MiBV1_1_Feat_SyntheticPoRep,
        StackedDrg32GiBV1_1_Feat_SyntheticPoRep,
        StackedDrg64GiBV1_1_Feat_SyntheticPoRep,
        StackedDrg2KiBV1_2_Feat_NonInteractivePoRep,
        StackedDrg8MiBV1_2_Feat_NonInteractivePoRep,
        StackedDrg512MiBV1_2_Feat_NonInteractivePoRep,
        StackedDrg32GiBV1_2_Feat_NonInteractivePoRep,
        StackedDrg64GiBV1_2_Feat_NonInteractivePoRep,
    ];
    match usize::try_from(n).ok().and_then(|i| ALL.get(i)) {
        Some(p) => Ok(*p),
        None => bail!("unknown registered seal proof {n}"),
    }
}

/// Filecoin's number of a PoSt proof type (`abi.RegisteredPoStProof`).
/// The proofs library's `StackedDrgWindow*V1_2` is Filecoin's `StackedDrgWindow*V1P1` (10–14).
pub fn post_proof_number(p: RegisteredPoStProof) -> i64 {
    use RegisteredPoStProof::*;
    match p {
        StackedDrgWinning2KiBV1 => 0,
        StackedDrgWinning8MiBV1 => 1,
        StackedDrgWinning512MiBV1 => 2,
        StackedDrgWinning32GiBV1 => 3,
        StackedDrgWinning64GiBV1 => 4,
        StackedDrgWindow2KiBV1 => 5,
        StackedDrgWindow8MiBV1 => 6,
        StackedDrgWindow512MiBV1 => 7,
        StackedDrgWindow32GiBV1 => 8,
        StackedDrgWindow64GiBV1 => 9,
        StackedDrgWindow2KiBV1_2 => 10,
        StackedDrgWindow8MiBV1_2 => 11,
        StackedDrgWindow512MiBV1_2 => 12,
        StackedDrgWindow32GiBV1_2 => 13,
        StackedDrgWindow64GiBV1_2 => 14,
    }
}

/// The PoSt proof type with Filecoin's number `n`.
pub fn post_proof_from_number(n: i64) -> Result<RegisteredPoStProof> {
    use RegisteredPoStProof::*;
    const ALL: [RegisteredPoStProof; 15] = [
        StackedDrgWinning2KiBV1,
        StackedDrgWinning8MiBV1,
        StackedDrgWinning512MiBV1,
        StackedDrgWinning32GiBV1,
        StackedDrgWinning64GiBV1,
        StackedDrgWindow2KiBV1,
        StackedDrgWindow8MiBV1,
        StackedDrgWindow512MiBV1,
        StackedDrgWindow32GiBV1,
        StackedDrgWindow64GiBV1,
        StackedDrgWindow2KiBV1_2,
        StackedDrgWindow8MiBV1_2,
        StackedDrgWindow512MiBV1_2,
        StackedDrgWindow32GiBV1_2,
        StackedDrgWindow64GiBV1_2,
    ];
    match usize::try_from(n).ok().and_then(|i| ALL.get(i)) {
        Some(p) => Ok(*p),
        None => bail!("unknown registered PoSt proof {n}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn proof_numbers_round_trip() {
        for n in 0..20 {
            assert_eq!(seal_proof_number(seal_proof_from_number(n).unwrap()), n);
        }
        for n in 0..15 {
            assert_eq!(post_proof_number(post_proof_from_number(n).unwrap()), n);
        }
        assert!(seal_proof_from_number(20).is_err());
        assert!(post_proof_from_number(-1).is_err());
        assert_eq!(
            seal_proof_number(library_seal_proof(sector::SIZE_2KIB).unwrap()),
            5
        );
        assert_eq!(
            post_proof_number(library_winning_post(sector::SIZE_2KIB).unwrap()),
            0
        );
        assert_eq!(
            post_proof_number(library_window_post(sector::SIZE_2KIB).unwrap()),
            10
        );
    }
}
