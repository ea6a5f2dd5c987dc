//! `padma-seed genesis new` and `genesis add-miner`: write and extend a genesis
//! template in the JSON of `lotus-seed genesis`.

use anyhow::{anyhow, bail, Context, Result};
use clap::Subcommand;
use fvm_shared::econ::TokenAmount;
use padma_state::genesis::Template;
use std::path::{Path, PathBuf};

/// `padma-seed genesis` subcommands.
#[derive(Subcommand)]
pub enum GenesisCmd {
    /// Create a new genesis template.
    New {
        /// The template file to write.
        file: PathBuf,
        /// Network name (default: localnet-<uuid>).
        #[arg(long)]
        network_name: Option<String>,
        /// Genesis time, RFC 3339 (e.g. 2025-02-27T15:04:05Z); default: when the genesis is made.
        #[arg(long)]
        timestamp: Option<String>,
    },
    /// Add the miners of a pre-seal manifest, each with an owner account.
    AddMiner {
        /// The template file to update.
        file: PathBuf,
        /// The pre-seal manifest (pre-seal-<maddr>.json).
        preseal: PathBuf,
        /// Balance of each miner's owner account, in whole FIL.
        #[arg(long, default_value_t = 50_000_000)]
        balance: i64,
    },
}

/// Runs a `genesis` subcommand. Addresses are written with the test-network prefix
/// (`t`), as the 2k `lotus-seed` writes them.
pub fn run(cmd: GenesisCmd) -> Result<()> {
    padma_types::address::set_network(fvm_shared::address::Network::Testnet);
    match cmd {
        GenesisCmd::New {
            file,
            network_name,
            timestamp,
        } => {
            let name = network_name
                .filter(|n| !n.is_empty())
                .unwrap_or_else(|| format!("localnet-{}", uuid::Uuid::new_v4()));
            let ts = match timestamp {
                Some(t) => parse_rfc3339(&t)?,
                None => 0,
            };
            write(&file, &Template::new(name, ts))
        }
        GenesisCmd::AddMiner {
            file,
            preseal,
            balance,
        } => {
            let file = expand_home(&file);
            let text = std::fs::read(&file)
                .with_context(|| format!("read genesis template {}", file.display()))?;
            let mut t = Template::from_json(&text)?;
            let preseal = expand_home(&preseal);
            let manifest = std::fs::read(&preseal)
                .with_context(|| format!("read preseal file {}", preseal.display()))?;
            if balance < 0 {
                bail!("--balance must not be negative");
            }
            t.add_miners_from_manifest(&manifest, TokenAmount::from_whole(balance))?;
            write(&file, &t)
        }
    }
}

fn expand_home(p: &Path) -> PathBuf {
    match (p.strip_prefix("~"), std::env::var_os("HOME")) {
        (Ok(rest), Some(home)) => PathBuf::from(home).join(rest),
        _ => p.to_path_buf(),
    }
}

fn write(file: &Path, t: &Template) -> Result<()> {
    let file = expand_home(file);
    std::fs::write(&file, t.to_json()).with_context(|| format!("writing {}", file.display()))
}

/// Parses an RFC 3339 time (`2025-02-27T15:04:05Z`, `…+02:00`, fractions ignored)
/// into Unix seconds.
pub fn parse_rfc3339(s: &str) -> Result<u64> {
    let bad = || anyhow!("invalid timestamp '{s}': want RFC 3339, e.g. 2025-02-27T15:04:05Z");
    // Every piece is taken with `get`, which refuses a range that splits a character.
    let piece = |r: std::ops::Range<usize>| s.get(r).ok_or_else(bad);
    let num = |r: std::ops::Range<usize>| -> Result<i64> {
        Some(piece(r)?)
            .filter(|t| t.bytes().all(|c| c.is_ascii_digit()))
            .and_then(|t| t.parse().ok())
            .ok_or_else(bad)
    };
    let separators_ok = piece(4..5)? == "-"
        && piece(7..8)? == "-"
        && matches!(piece(10..11)?, "T" | "t")
        && piece(13..14)? == ":"
        && piece(16..17)? == ":";
    if !separators_ok {
        return Err(bad());
    }
    let (y, mo, d) = (num(0..4)?, num(5..7)?, num(8..10)?);
    let (h, mi, sec) = (num(11..13)?, num(14..16)?, num(17..19)?);
    let mut rest = s.get(19..).ok_or_else(bad)?;
    if let Some(frac) = rest.strip_prefix('.') {
        let digits = frac.bytes().take_while(u8::is_ascii_digit).count();
        if digits == 0 {
            return Err(bad());
        }
        rest = frac.get(digits..).ok_or_else(bad)?;
    }
    let offset = match rest {
        "Z" | "z" => 0,
        _ => {
            let sign = match rest.get(0..1) {
                Some("+") => 1,
                Some("-") => -1,
                _ => return Err(bad()),
            };
            let digits = |r: std::ops::Range<usize>| -> Result<i64> {
                Some(rest.get(r).ok_or_else(bad)?)
                    .filter(|t| t.bytes().all(|c| c.is_ascii_digit()))
                    .and_then(|t| t.parse().ok())
                    .ok_or_else(bad)
            };
            if rest.len() != 6 || rest.get(3..4) != Some(":") {
                return Err(bad());
            }
            sign * (digits(1..3)? * 3600 + digits(4..6)? * 60)
        }
    };
    if !(1..=12).contains(&mo) || !(1..=31).contains(&d) || h > 23 || mi > 59 || sec > 60 {
        return Err(bad());
    }
    let secs = days_from_civil(y, mo, d) * 86400 + h * 3600 + mi * 60 + sec - offset;
    u64::try_from(secs).map_err(|_| anyhow!("timestamp '{s}' is before 1970"))
}

/// Days since 1970-01-01 of a proleptic Gregorian date.
fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146097 + doe - 719468
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rfc3339_times() {
        assert_eq!(parse_rfc3339("1970-01-01T00:00:00Z").unwrap(), 0);
        assert_eq!(parse_rfc3339("2025-02-27T15:04:05Z").unwrap(), 1740668645);
        assert_eq!(
            parse_rfc3339("2025-02-27T17:04:05.123+02:00").unwrap(),
            1740668645
        );
        assert_eq!(parse_rfc3339("2000-03-01T00:00:00Z").unwrap(), 951868800);
        for bad in [
            "",
            "2025-02-27",
            "2025-02-27 15:04:05Z",
            "2025-13-01T00:00:00Z",
            "x025-02-27T15:04:05Z",
            // Multi-byte characters where a separator or digit belongs.
            "2025-02-27T15:04:05+00é0",
            "2025-02-27T15:04:05+é:00",
            "2025é02-27T15:04:05Z",
            "2025-02-27T15:04:05.é",
            "2025-02-27T15:04:0é",
            "2025-02-27T15:04:05+0100",
        ] {
            assert!(parse_rfc3339(bad).is_err(), "{bad}");
        }
    }
}
