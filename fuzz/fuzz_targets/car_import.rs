//! CAR files (genesis files, snapshots): import never panics and keeps only blocks
//! whose bytes match their CIDs.
#![no_main]
use libfuzzer_sys::fuzz_target;
use padma_store::{car, MemoryBlockstore};

fuzz_target!(|data: &[u8]| {
    let _ = car::import(&MemoryBlockstore::new(), data);
});
