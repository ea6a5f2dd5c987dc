//! Ports: the one a running API bound (from its repo's `api` file), and, for the few
//! processes that cannot be given port 0, a free one.

use std::path::Path;

/// A loopback port nobody listens on right now. Another process may take it before it
/// is used: the devnet tests still pass `padma devnet` ports of their choosing (the
/// devnet itself takes port 0 and prints the ports it bound), and a client test may
/// need a port where no server listens.
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
