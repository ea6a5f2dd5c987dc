//! Network parameters a padma genesis declares: the block delay, whether the
//! network uses mock proofs, and whether padma's native engine executes it
//! (`native-actors`; else the FVM with the official actors does).
//!
//! Lotus fixes these at build time. padma lets a genesis carry them so one binary
//! serves every network, and so nodes of one network cannot disagree: they are
//! written into the network name (the init actor's `NetworkName`) as `;`-separated
//! options after the base name, e.g. `devnet;block-delay-ms=500;mock-proofs`. A name
//! without options is a network with real proofs and Lotus's 4-second block delay.

use anyhow::{bail, Context, Result};

/// Lotus's devnet block delay, in milliseconds: padma's default.
pub const DEFAULT_BLOCK_DELAY_MS: u64 = 4000;
/// Lotus mainnet's block delay, in seconds: what a client assumes of a node whose
/// `Version` reports no `BlockDelay`.
pub const MAINNET_BLOCK_DELAY_SECS: u64 = 30;
const DELAY_OPTION: &str = "block-delay-ms=";
const MOCK_OPTION: &str = "mock-proofs";
use padma_state::genesis::NATIVE_ACTORS_OPTION;

/// What a genesis declares about its network.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NetworkParams {
    /// The full network name, options included.
    pub name: String,
    /// Milliseconds between epochs.
    pub block_delay_ms: u64,
    /// Whether proofs are padma's mock proofs (fake sectors).
    pub mock_proofs: bool,
    /// Whether padma's native engine executes the state (else the FVM does).
    pub native_actors: bool,
}

impl NetworkParams {
    /// Parses a network name with its options.
    pub fn parse(name: &str) -> Result<Self> {
        let mut parts = name.split(';');
        let base = parts.next().unwrap_or_default();
        if base.is_empty() {
            bail!("network name '{name}' has an empty base name");
        }
        let mut p = NetworkParams {
            name: name.to_string(),
            block_delay_ms: DEFAULT_BLOCK_DELAY_MS,
            mock_proofs: false,
            native_actors: false,
        };
        for opt in parts {
            if let Some(v) = opt.strip_prefix(DELAY_OPTION) {
                p.block_delay_ms = v
                    .parse()
                    .with_context(|| format!("bad block delay '{v}' in network name '{name}'"))?;
                if p.block_delay_ms == 0 {
                    bail!("block delay in network name '{name}' must be positive");
                }
            } else if opt == MOCK_OPTION {
                p.mock_proofs = true;
            } else if opt == NATIVE_ACTORS_OPTION {
                p.native_actors = true;
            } else {
                bail!("unknown option '{opt}' in network name '{name}'");
            }
        }
        Ok(p)
    }

    /// The network name that declares these options on top of `base`.
    pub fn name_for(base: &str, block_delay_ms: u64, mock_proofs: bool) -> String {
        let mut name = base.to_string();
        if block_delay_ms != DEFAULT_BLOCK_DELAY_MS {
            name.push(';');
            name.push_str(DELAY_OPTION);
            name.push_str(&block_delay_ms.to_string());
        }
        if mock_proofs {
            name.push(';');
            name.push_str(MOCK_OPTION);
        }
        name
    }

    /// The block delay in whole seconds, rounded up (what `Version` reports).
    pub fn block_delay_secs(&self) -> u64 {
        block_delay_secs(self.block_delay_ms)
    }

    /// When epoch `h` starts, in Unix milliseconds.
    pub fn epoch_start_ms(&self, genesis_timestamp: u64, h: i64) -> u64 {
        let h = u64::try_from(h.max(0)).unwrap_or(0);
        genesis_timestamp
            .saturating_mul(1000)
            .saturating_add(h.saturating_mul(self.block_delay_ms))
    }

    /// The timestamp a block at epoch `h` carries (Unix seconds). With a whole-second
    /// delay this is Lotus's `genesis + delay·h`.
    pub fn block_timestamp(&self, genesis_timestamp: u64, h: i64) -> u64 {
        self.epoch_start_ms(genesis_timestamp, h) / 1000
    }

    /// The epoch the wall clock `now_ms` falls in (0 before genesis).
    pub fn epoch_at(&self, genesis_timestamp: u64, now_ms: u64) -> i64 {
        let since = now_ms.saturating_sub(genesis_timestamp.saturating_mul(1000));
        i64::try_from(since / self.block_delay_ms).unwrap_or(i64::MAX)
    }
}

/// A block delay of `delay_ms` milliseconds in whole seconds, rounded up (the unit of
/// `Version`'s `BlockDelay`).
pub const fn block_delay_secs(delay_ms: u64) -> u64 {
    delay_ms.div_ceil(1000)
}

/// The wall clock in Unix milliseconds.
pub fn now_ms() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| u64::try_from(d.as_millis()).unwrap_or(u64::MAX))
        .unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_names_are_lotus_networks() {
        let p = NetworkParams::parse("localnet-1234").unwrap();
        assert_eq!(p.block_delay_ms, 4000);
        assert!(!p.mock_proofs);
        assert_eq!(p.block_delay_secs(), 4);
        assert_eq!(block_delay_secs(DEFAULT_BLOCK_DELAY_MS), 4);
        assert_eq!(block_delay_secs(1500), 2);
        assert_eq!(p.block_timestamp(1000, 3), 1012);
    }

    #[test]
    fn options_round_trip() {
        let name = NetworkParams::name_for("devnet", 500, true);
        assert_eq!(name, "devnet;block-delay-ms=500;mock-proofs");
        let p = NetworkParams::parse(&name).unwrap();
        assert_eq!((p.block_delay_ms, p.mock_proofs), (500, true));
        assert_eq!(p.block_timestamp(100, 3), 101);
        assert_eq!(p.epoch_at(100, 101_600), 3);
        assert_eq!(NetworkParams::name_for("devnet", 4000, false), "devnet");
    }

    #[test]
    fn bad_options_are_refused() {
        for bad in [
            "",
            ";mock-proofs",
            "n;block-delay-ms=0",
            "n;block-delay-ms=x",
            "n;fast",
        ] {
            assert!(NetworkParams::parse(bad).is_err(), "{bad}");
        }
    }
}
