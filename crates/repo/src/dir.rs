//! [`RepoDir`]: a repo directory this process has locked, with its keystore, its JWT
//! secret and the `api` and `token` files its API is found through.

use crate::api_files;
use crate::jwt::{self, JwtSecret};
use crate::keystore::Keystore;
use crate::lock::RepoLock;
use anyhow::Result;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};

/// A locked repo directory and its keystore.
#[derive(Debug)]
pub struct RepoDir {
    path: PathBuf,
    lock: RepoLock,
    keystore: Keystore,
}

impl RepoDir {
    /// Locks the existing directory `path` (`repo.lock`) and opens its keystore
    /// (`keystore/`, made with mode 0700 on first use).
    pub fn open(path: &Path) -> Result<RepoDir> {
        let lock = RepoLock::acquire(path)?;
        let keystore = Keystore::open(&path.join("keystore"))?;
        Ok(RepoDir {
            path: path.to_path_buf(),
            lock,
            keystore,
        })
    }

    /// The repo directory.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The lock held on this repo.
    pub fn lock(&self) -> &RepoLock {
        &self.lock
    }

    /// The repo's keystore.
    pub fn keystore(&self) -> &Keystore {
        &self.keystore
    }

    /// The JWT secret, created on first use.
    pub fn jwt_secret(&self) -> Result<JwtSecret> {
        jwt::load_or_create(&self.keystore)
    }

    /// Writes the admin token (mode 0600, no trailing newline).
    pub fn write_token(&self, token: &str) -> Result<()> {
        api_files::write_token(&self.path, token)
    }

    /// Writes the `api` file naming the address the listener is bound to.
    pub fn write_api(&self, bound: &SocketAddr) -> Result<()> {
        api_files::write_api(&self.path, bound)
    }

    /// Removes the `api` file.
    pub fn remove_api(&self) {
        api_files::remove_api(&self.path)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::fs::PermissionsExt;

    #[test]
    fn a_repo_dir_is_locked_keeps_its_secret_and_serves_its_files() {
        let dir = tempfile::tempdir().unwrap();
        let repo = RepoDir::open(dir.path()).unwrap();
        assert_eq!(repo.lock().path(), dir.path().join("repo.lock"));
        let mode = std::fs::metadata(dir.path().join("keystore"))
            .unwrap()
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o700);
        let secret = repo.jwt_secret().unwrap();
        assert!(secret.created);
        assert_eq!(repo.jwt_secret().unwrap().bytes, secret.bytes);
        repo.write_api(&"127.0.0.1:41234".parse().unwrap()).unwrap();
        repo.write_token("t").unwrap();
        let (api, token) = api_files::read_api_files(repo.path()).unwrap();
        assert_eq!(api, "/ip4/127.0.0.1/tcp/41234/http");
        assert_eq!(token.as_deref(), Some("t"));
        repo.remove_api();
        assert!(api_files::read_api_files(repo.path()).is_err());
    }
}
