//! Randomness and beacon methods: chain and beacon randomness drawn on a tipset's
//! chain, and the beacon entry of an epoch (v1 `StateGetBeaconEntry`, v0
//! `BeaconGetEntry`). A `null` tag, round or entropy reads as zero or empty.

use padma_rpc::rpc_methods;
use padma_types::json::block::{BeaconEntryJson, TipSetKeyJson};
use padma_types::json::BytesJson;

rpc_methods! {
    /// The randomness and beacon methods, in table order.
    pub fn randomness_methods;
    /// Ticket randomness drawn from the chain of the tipset.
    StateGetRandomnessFromTickets = "Filecoin.StateGetRandomnessFromTickets", Read,
        call (
            personalization: Option<i64>,
            randEpoch: Option<i64>,
            entropy: Option<BytesJson>,
            tsk: TipSetKeyJson
        ) -> BytesJson;
    /// Beacon randomness from the entry of the round's epoch on the tipset's chain.
    StateGetRandomnessFromBeacon = "Filecoin.StateGetRandomnessFromBeacon", Read,
        call (
            personalization: Option<i64>,
            randEpoch: Option<i64>,
            entropy: Option<BytesJson>,
            tsk: TipSetKeyJson
        ) -> BytesJson;
    /// The beacon entry for an epoch's latest round.
    StateGetBeaconEntry = "Filecoin.StateGetBeaconEntry", Read,
        call (epoch: Option<i64>) -> BeaconEntryJson, versions = V1;
    /// The v0 name of `StateGetBeaconEntry`.
    BeaconGetEntry = "Filecoin.BeaconGetEntry", Read,
        call (epoch: Option<i64>) -> BeaconEntryJson, versions = V0;
}
