//! The node's API server: where it listens and with which limits.

use crate::config::ApiConfig;
use anyhow::{bail, Context, Result};
use padma_rpc::api_version::{FULL_NODE_V0, FULL_NODE_V1};
use padma_rpc::ServerConfig;
use std::net::SocketAddr;
use std::time::Duration;

/// Parses `/ip4/A/tcp/P[/http]` or `/ip6/A/tcp/P[/http]` into a socket address.
pub fn listen_addr(multiaddr: &str) -> Result<SocketAddr> {
    let parts: Vec<&str> = multiaddr.split('/').collect();
    let ["", "ip4" | "ip6", ip, "tcp", port, rest @ ..] = parts.as_slice() else {
        bail!("API listen address '{multiaddr}' must look like /ip4/127.0.0.1/tcp/1234/http");
    };
    if !rest.iter().all(|p| *p == "http" || p.is_empty()) {
        bail!("API listen address '{multiaddr}' must look like /ip4/127.0.0.1/tcp/1234/http");
    }
    let ip: std::net::IpAddr = ip
        .parse()
        .with_context(|| format!("bad IP in '{multiaddr}'"))?;
    let port: u16 = port
        .parse()
        .with_context(|| format!("bad port in '{multiaddr}'"))?;
    Ok(SocketAddr::new(ip, port))
}

/// Where the API listens: 127.0.0.1 on `port` when one is given (`--api`; 0 lets the
/// system pick), else the configured `ListenAddress`.
pub fn api_addr(port: Option<u16>, api: &ApiConfig) -> Result<SocketAddr> {
    match port {
        Some(port) => Ok(SocketAddr::from(([127, 0, 0, 1], port))),
        None => listen_addr(&api.listen_address),
    }
}

/// The server's limits from the `[API]` section (already range-checked when loaded).
pub fn server_config(api: &ApiConfig) -> ServerConfig {
    let size = |n: u64| usize::try_from(n).unwrap_or(usize::MAX);
    let connections = size(api.max_connections).min(padma_rpc::listen::fd_connection_budget());
    ServerConfig {
        max_request_bytes: size(api.max_request_size),
        max_batch: size(api.max_batch_size),
        max_response_bytes: size(api.max_response_size),
        max_connections: connections,
        max_concurrent_requests: size(api.max_concurrent_requests),
        max_connection_requests: size(api.max_connection_requests),
        max_send_buffer_bytes: size(api.max_send_buffer),
        read_timeout: Duration::from_secs(api.read_timeout_secs),
        idle_timeout: Duration::from_secs(api.idle_timeout_secs),
        api_versions: (FULL_NODE_V0, FULL_NODE_V1),
        drain_timeout: Duration::from_secs(10),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn listen_addresses() {
        let a = listen_addr("/ip4/127.0.0.1/tcp/1234/http").expect("ip4");
        assert_eq!(a, SocketAddr::from(([127, 0, 0, 1], 1234)));
        assert_eq!(listen_addr("/ip6/::1/tcp/0").expect("ip6").port(), 0);
        for bad in [
            "",
            "/ip4/127.0.0.1",
            "/dns/x/tcp/1",
            "/ip4/1.2.3.4/udp/1",
            "/ip4/x/tcp/1",
        ] {
            assert!(listen_addr(bad).is_err(), "{bad}");
        }
    }
}
