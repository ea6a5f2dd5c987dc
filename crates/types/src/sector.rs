//! Sector sizes and the proof types that go with them, in Filecoin's numbering (the
//! `fvm_shared` types; `i64::from` gives a type's registered number): the seal proof
//! of new sectors, the WinningPoSt and WindowPoSt proof types and the WindowPoSt
//! partition size of each sector size, and the sizes' Lotus spellings.

use anyhow::{anyhow, bail, Result};
use fvm_shared::sector::{RegisteredPoStProof, RegisteredSealProof, SectorSize};

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

/// The sector size of `bytes`, refusing sizes Filecoin does not support.
pub fn sector_size(bytes: u64) -> Result<SectorSize> {
    Ok(match bytes {
        SIZE_2KIB => SectorSize::_2KiB,
        SIZE_8MIB => SectorSize::_8MiB,
        SIZE_512MIB => SectorSize::_512MiB,
        SIZE_32GIB => SectorSize::_32GiB,
        SIZE_64GIB => SectorSize::_64GiB,
        other => bail!("unsupported sector size {other} bytes"),
    })
}

/// The seal proof padma uses for new sectors of `bytes` at network version 28:
/// `StackedDRG*V1P1` (numbers 5–9).
pub fn seal_proof_for_size(bytes: u64) -> Result<RegisteredSealProof> {
    use RegisteredSealProof::*;
    Ok(match sector_size(bytes)? {
        SectorSize::_2KiB => StackedDRG2KiBV1P1,
        SectorSize::_8MiB => StackedDRG8MiBV1P1,
        SectorSize::_512MiB => StackedDRG512MiBV1P1,
        SectorSize::_32GiB => StackedDRG32GiBV1P1,
        SectorSize::_64GiB => StackedDRG64GiBV1P1,
    })
}

/// The WinningPoSt proof type of sectors of `bytes`: `StackedDRGWinning*V1` (0–4).
pub fn winning_post_for_size(bytes: u64) -> Result<RegisteredPoStProof> {
    use RegisteredPoStProof::*;
    Ok(match sector_size(bytes)? {
        SectorSize::_2KiB => StackedDRGWinning2KiBV1,
        SectorSize::_8MiB => StackedDRGWinning8MiBV1,
        SectorSize::_512MiB => StackedDRGWinning512MiBV1,
        SectorSize::_32GiB => StackedDRGWinning32GiBV1,
        SectorSize::_64GiB => StackedDRGWinning64GiBV1,
    })
}

/// The WindowPoSt proof type of sectors of `bytes`: the one of their seal proof,
/// `StackedDRGWindow*V1P1` (10–14).
pub fn window_post_for_size(bytes: u64) -> Result<RegisteredPoStProof> {
    seal_proof_for_size(bytes)?
        .registered_window_post_proof()
        .map_err(|e| anyhow!(e))
}

/// Sectors per WindowPoSt partition for sectors of `bytes` (2 for 2KiB, 2349 for 32GiB).
pub fn window_post_partition_sectors(bytes: u64) -> Result<u64> {
    window_post_for_size(bytes)?
        .window_post_partition_sectors()
        .map_err(|e| anyhow!(e))
}

/// Parses a sector size: `2KiB`, `8MiB`, `512MiB`, `32GiB`, `64GiB` (any case, optional
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

/// Formats a sector size the Lotus way (`2KiB`, `32GiB`, or bytes).
pub fn format_sector_size(bytes: u64) -> String {
    for (shift, unit) in [(30, "GiB"), (20, "MiB"), (10, "KiB")] {
        if bytes >= 1 << shift && bytes.is_multiple_of(1 << shift) {
            return format!("{}{unit}", bytes >> shift);
        }
    }
    format!("{bytes}B")
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
    fn proof_types_of_each_size() {
        let numbers = |size| {
            (
                i64::from(seal_proof_for_size(size).unwrap()),
                i64::from(winning_post_for_size(size).unwrap()),
                i64::from(window_post_for_size(size).unwrap()),
            )
        };
        assert_eq!(numbers(SIZE_2KIB), (5, 0, 10));
        assert_eq!(numbers(SIZE_8MIB), (6, 1, 11));
        assert_eq!(numbers(SIZE_512MIB), (7, 2, 12));
        assert_eq!(numbers(SIZE_32GIB), (8, 3, 13));
        assert_eq!(numbers(SIZE_64GIB), (9, 4, 14));
        for size in SECTOR_SIZES {
            assert_eq!(sector_size(size).unwrap() as u64, size);
            let seal = seal_proof_for_size(size).unwrap();
            assert_eq!(seal.sector_size().unwrap() as u64, size);
            assert_eq!(
                winning_post_for_size(size).unwrap().sector_size().unwrap() as u64,
                size
            );
        }
        assert_eq!(
            window_post_for_size(2048).unwrap(),
            RegisteredPoStProof::StackedDRGWindow2KiBV1P1
        );
        for bad in [0, 4096, 1 << 40] {
            assert!(sector_size(bad).is_err());
            assert!(seal_proof_for_size(bad).is_err());
            assert!(winning_post_for_size(bad).is_err());
            assert!(window_post_for_size(bad).is_err());
        }
    }

    #[test]
    fn partition_sizes() {
        assert_eq!(window_post_partition_sectors(SIZE_2KIB).unwrap(), 2);
        assert_eq!(window_post_partition_sectors(SIZE_32GIB).unwrap(), 2349);
        assert_eq!(window_post_partition_sectors(SIZE_64GIB).unwrap(), 2300);
        assert!(window_post_partition_sectors(4096).is_err());
    }
}
