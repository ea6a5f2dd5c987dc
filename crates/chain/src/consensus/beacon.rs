//! The randomness beacon. Devnets use a deterministic mock, as Lotus's devnets do: the
//! round for epoch e is e + 100, and the entry for round r carries blake2b-256(u64be(r)).
//! A drand client can implement [`Beacon`] later.

use padma_types::block::BeaconEntry;
use padma_types::cid::blake2b_256;

/// A source of beacon entries.
pub trait Beacon: Send + Sync {
    /// The latest beacon round a block at `epoch` must include.
    fn max_round_for_epoch(&self, epoch: i64) -> u64;
    /// The entry of `round`.
    fn entry(&self, round: u64) -> BeaconEntry;
    /// Checks an entry (and, for chained beacons, its link to `prev`).
    fn verify(&self, entry: &BeaconEntry, prev: &BeaconEntry) -> Result<(), String>;
}

/// Lotus's mock beacon: offline, deterministic, chained.
#[derive(Clone, Copy, Debug, Default)]
pub struct MockBeacon;

impl Beacon for MockBeacon {
    fn max_round_for_epoch(&self, epoch: i64) -> u64 {
        u64::try_from(epoch.max(0)).unwrap_or(0) + 100
    }

    fn entry(&self, round: u64) -> BeaconEntry {
        BeaconEntry {
            round,
            data: blake2b_256(&round.to_be_bytes()).to_vec(),
        }
    }

    fn verify(&self, entry: &BeaconEntry, prev: &BeaconEntry) -> Result<(), String> {
        if prev.round != 0 && entry.round <= prev.round {
            return Err(format!(
                "beacon round {} does not follow {}",
                entry.round, prev.round
            ));
        }
        if entry.data != self.entry(entry.round).data {
            return Err(format!(
                "beacon entry for round {} has the wrong data",
                entry.round
            ));
        }
        Ok(())
    }
}

/// The entries a block at `epoch` must carry after `prev` (the latest entry on its parent
/// chain): one per round up to the epoch's max round, none when nothing is new.
pub fn entries_for_block(beacon: &dyn Beacon, epoch: i64, prev: &BeaconEntry) -> Vec<BeaconEntry> {
    let max = beacon.max_round_for_epoch(epoch);
    let start = if prev.round == 0 {
        max.saturating_sub(1)
    } else {
        prev.round
    };
    if max <= start {
        return Vec::new();
    }
    (start + 1..=max).map(|r| beacon.entry(r)).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mock_entries_are_deterministic_and_verified() {
        let b = MockBeacon;
        assert_eq!(b.max_round_for_epoch(7), 107);
        let e = b.entry(107);
        assert_eq!(e.data, blake2b_256(&107u64.to_be_bytes()).to_vec());
        b.verify(&e, &b.entry(106)).unwrap();
        let mut bad = e.clone();
        bad.data[0] ^= 1;
        assert!(b.verify(&bad, &b.entry(106)).is_err());
        assert!(b.verify(&b.entry(105), &b.entry(106)).is_err());
        let genesis = BeaconEntry {
            round: 0,
            data: vec![],
        };
        assert_eq!(
            entries_for_block(&b, 1, &genesis)
                .iter()
                .map(|e| e.round)
                .collect::<Vec<_>>(),
            vec![101]
        );
        // A null round in between: both rounds are carried.
        assert_eq!(
            entries_for_block(&b, 5, &b.entry(103))
                .iter()
                .map(|e| e.round)
                .collect::<Vec<_>>(),
            vec![104, 105]
        );
        assert!(entries_for_block(&b, 5, &b.entry(105)).is_empty());
    }
}
