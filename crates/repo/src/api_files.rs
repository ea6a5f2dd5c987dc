//! The files a running API leaves in its repo for clients: `api`, the multiaddr the
//! listener is bound to (`/ip4/127.0.0.1/tcp/1234/http`), and `token`, an admin JWT
//! (mode 0600). `api` exists only while the process serves.

use crate::private_file::replace_private_file;
use anyhow::{Context, Result};
use std::fs;
use std::net::SocketAddr;
use std::path::Path;

/// The file naming the API's address.
pub const API_FILE: &str = "api";
/// The file holding the admin token.
pub const TOKEN_FILE: &str = "token";

/// The HTTP multiaddr of a socket address (`/ip4/A/tcp/P/http`, `/ip6/…`).
pub fn api_multiaddr(addr: &SocketAddr) -> String {
    match addr {
        SocketAddr::V4(a) => format!("/ip4/{}/tcp/{}/http", a.ip(), a.port()),
        SocketAddr::V6(a) => format!("/ip6/{}/tcp/{}/http", a.ip(), a.port()),
    }
}

/// Writes `<repo>/api` naming `bound`, the address the listener holds (so with port 0
/// asked for, the port the system chose). The file is written beside and renamed into
/// place: a client polling for it never reads half an address.
pub fn write_api(repo: &Path, bound: &SocketAddr) -> Result<()> {
    let path = repo.join(API_FILE);
    let tmp = path.with_extension("tmp");
    fs::write(&tmp, api_multiaddr(bound)).with_context(|| format!("writing {}", tmp.display()))?;
    fs::rename(&tmp, &path).with_context(|| format!("writing {}", path.display()))
}

/// Removes `<repo>/api` (the API stopped serving); a missing file is no error.
pub fn remove_api(repo: &Path) {
    let _ = fs::remove_file(repo.join(API_FILE));
}

/// Writes `<repo>/token` (mode 0600, no trailing newline).
pub fn write_token(repo: &Path, token: &str) -> Result<()> {
    replace_private_file(&repo.join(TOKEN_FILE), token.as_bytes())
}

/// Reads `api` and `token` from a repo, for clients; the token may be absent.
pub fn read_api_files(repo: &Path) -> Result<(String, Option<String>)> {
    let api = fs::read_to_string(repo.join(API_FILE)).with_context(|| {
        format!(
            "no running node found: cannot read {} (is `padma daemon` running?)",
            repo.join(API_FILE).display()
        )
    })?;
    let token = fs::read_to_string(repo.join(TOKEN_FILE))
        .ok()
        .map(|t| t.trim().to_string());
    Ok((api.trim().to_string(), token))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn multiaddrs_of_both_families() {
        let v4: SocketAddr = "127.0.0.1:1234".parse().unwrap();
        assert_eq!(api_multiaddr(&v4), "/ip4/127.0.0.1/tcp/1234/http");
        let v6: SocketAddr = "[::1]:2345".parse().unwrap();
        assert_eq!(api_multiaddr(&v6), "/ip6/::1/tcp/2345/http");
    }

    #[test]
    fn written_files_read_back_and_api_goes_away() {
        let dir = tempfile::tempdir().unwrap();
        assert!(read_api_files(dir.path()).is_err());
        let bound: SocketAddr = "127.0.0.1:40001".parse().unwrap();
        write_api(dir.path(), &bound).unwrap();
        assert_eq!(
            read_api_files(dir.path()).unwrap(),
            ("/ip4/127.0.0.1/tcp/40001/http".to_string(), None)
        );
        write_token(dir.path(), "eyJ.token").unwrap();
        let (_, token) = read_api_files(dir.path()).unwrap();
        assert_eq!(token.as_deref(), Some("eyJ.token"));
        remove_api(dir.path());
        assert!(!dir.path().join(API_FILE).exists());
        remove_api(dir.path());
    }
}
