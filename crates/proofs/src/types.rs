//! Sector sizes and registered proof types, with Filecoin's numbering.

use anyhow::{bail, Result};
use filecoin_proofs_api::{RegisteredPoStProof, RegisteredSealProof};

/// 2 KiB, the devnet sector size.
pub const SIZE_2KIB: u64 = 2 << 10;
/// 8 MiB.
pub const SIZE_8MIB: u64 = 8 << 20;
/// 512 MiB.
pub const SIZE_512MIB: u64 = 512 << 20;
/// 32 GiB (mainnet).
pub const SIZE_32GIB: u64 = 32 << 30;
/// 64 GiB (mainnet).
pub const SIZE_64GIB: u64 = 64 << 30;

/// All sector sizes Filecoin supports.
pub const SECTOR_SIZES: [u64; 5] = [SIZE_2KIB, SIZE_8MIB, SIZE_512MIB, SIZE_32GIB, SIZE_64GIB];

/// Parse a sector size: `2KiB`, `8MiB`, `512MiB`, `32GiB`, `64GiB` (any case, optional
/// space, `KB`/`K` accepted as binary units too) or a plain number of bytes.
pub fn parse_sector_size(text: &str) -> Result<u64> {
    let t = text.trim();
    let digits_end = t.find(|c: char| !c.is_ascii_digit()).unwrap_or(t.len());
    let (num, unit) = t.split_at(digits_end);
    let Ok(n) = num.parse::<u64>() else {
        bail!("invalid sector size {text:?}: expected e.g. 2KiB, 8MiB, 512MiB, 32GiB, 64GiB or a number of bytes");
    };
    let shift = match unit.trim().to_ascii_lowercase().as_str() {
        "" | "b" => 0,
        "k" | "kb" | "kib" => 10,
        "m" | "mb" | "mib" => 20,
        "g" | "gb" | "gib" => 30,
        _ => bail!("invalid sector size {text:?}: unknown unit {unit:?}"),
    };
    let bytes = n.checked_shl(shift).filter(|b| b >> shift == n);
    match bytes {
        Some(b) if SECTOR_SIZES.contains(&b) => Ok(b),
        _ => bail!(
            "unsupported sector size {text:?}: Filecoin sectors are 2KiB, 8MiB, 512MiB, 32GiB or 64GiB"
        ),
    }
}

/// Format a sector size the Lotus way (`2KiB`, `32GiB`, or bytes).
pub fn format_sector_size(bytes: u64) -> String {
    for (shift, unit) in [(30, "GiB"), (20, "MiB"), (10, "KiB")] {
        if bytes >= 1 << shift && bytes.is_multiple_of(1 << shift) {
            return format!("{}{unit}", bytes >> shift);
        }
    }
    format!("{bytes}B")
}

/// The seal proof type padma uses for new sectors at network version 28: `StackedDrg*V1_1`.
pub fn seal_proof_for_size(sector_size: u64) -> Result<RegisteredSealProof> {
    use RegisteredSealProof::*;
    Ok(match sector_size {
        SIZE_2KIB => StackedDrg2KiBV1_1,
        SIZE_8MIB => StackedDrg8MiBV1_1,
        SIZE_512MIB => StackedDrg512MiBV1_1,
        SIZE_32GIB => StackedDrg32GiBV1_1,
        SIZE_64GIB => StackedDrg64GiBV1_1,
        other => bail!("unsupported sector size {other} bytes"),
    })
}

/// The WinningPoSt proof type of a sector size: `StackedDrgWinning*V1`.
pub fn winning_post_for_size(sector_size: u64) -> Result<RegisteredPoStProof> {
    use RegisteredPoStProof::*;
    Ok(match sector_size {
        SIZE_2KIB => StackedDrgWinning2KiBV1,
        SIZE_8MIB => StackedDrgWinning8MiBV1,
        SIZE_512MIB => StackedDrgWinning512MiBV1,
        SIZE_32GIB => StackedDrgWinning32GiBV1,
        SIZE_64GIB => StackedDrgWinning64GiBV1,
        other => bail!("unsupported sector size {other} bytes"),
    })
}

/// The WindowPoSt proof type of a sector size at network version 28: `StackedDrgWindow*V1_2`
/// (Filecoin's `StackedDrgWindow*V1P1`, numbers 10–14).
pub fn window_post_for_size(sector_size: u64) -> Result<RegisteredPoStProof> {
    use RegisteredPoStProof::*;
    Ok(match sector_size {
        SIZE_2KIB => StackedDrgWindow2KiBV1_2,
        SIZE_8MIB => StackedDrgWindow8MiBV1_2,
        SIZE_512MIB => StackedDrgWindow512MiBV1_2,
        SIZE_32GIB => StackedDrgWindow32GiBV1_2,
        SIZE_64GIB => StackedDrgWindow64GiBV1_2,
        other => bail!("unsupported sector size {other} bytes"),
    })
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
    fn sector_sizes_parse() {
        assert_eq!(parse_sector_size("2KiB").unwrap(), 2048);
        assert_eq!(parse_sector_size("2048").unwrap(), 2048);
        assert_eq!(parse_sector_size("8mib").unwrap(), 8 << 20);
        assert_eq!(parse_sector_size("512 MiB").unwrap(), 512 << 20);
        assert_eq!(parse_sector_size("32GiB").unwrap(), 32 << 30);
        assert_eq!(parse_sector_size("64GiB").unwrap(), 64 << 30);
        let e = parse_sector_size("4KiB").unwrap_err().to_string();
        assert!(e.contains("unsupported sector size"), "{e}");
        assert!(parse_sector_size("two").is_err());
        assert!(parse_sector_size("2XB").is_err());
        assert!(parse_sector_size("99999999999999999999GiB").is_err());
        assert_eq!(format_sector_size(2048), "2KiB");
        assert_eq!(format_sector_size(32 << 30), "32GiB");
    }

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
            seal_proof_number(seal_proof_for_size(SIZE_2KIB).unwrap()),
            5
        );
        assert_eq!(
            post_proof_number(winning_post_for_size(SIZE_2KIB).unwrap()),
            0
        );
        assert_eq!(
            post_proof_number(window_post_for_size(SIZE_2KIB).unwrap()),
            10
        );
    }
}
