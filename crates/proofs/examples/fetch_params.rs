//! `cargo run -p padma-proofs --example fetch_params -- 2KiB`: the `padma fetch-params` logic.

#![allow(clippy::unwrap_used, clippy::indexing_slicing, clippy::string_slice)] // measurement code, not shipped: a panic ends the run

fn main() {
    let size = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "2KiB".to_string());
    if let Err(e) = padma_proofs::params::fetch_params_command(&size) {
        eprintln!("ERROR: {e:#}");
        std::process::exit(1);
    }
}
