//! Ports: the one a running API bound (from its repo's `api` file), and, for the few
//! processes that cannot be given port 0, a free one.

use std::path::Path;

/// A loopback port nobody listens on right now. Another process may take it before it
/// is used, so this is only for what cannot take port 0 and name the port it bound:
/// `padma devnet --api` (the devnet's own miner dials the port it was given) and
/// `padma devnet --miner-api` where a test reads the printed `MINER_API_INFO` (it
/// names the port asked for); and for a client that must find no server there.
pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// The port named by `<repo>/api` (`/ip4/A/tcp/PORT/http`), once the file is there.
pub fn api_file_port(repo: &Path) -> Option<u16> {
    let api = std::fs::read_to_string(repo.join("api")).ok()?;
    api.split('/').nth(4)?.parse().ok()
}
