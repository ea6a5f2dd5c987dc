//! What padma's two repos share — the full node's (`~/.padma`) and the miner's
//! (`~/.padma-miner`): the repo lock, the keystore in Lotus's on-disk format, private
//! files, the JWT secret, the `api` and `token` files a running process leaves for its
//! clients, the TOML configuration file with environment overrides, and the default
//! paths. [`RepoDir`] ties them together for a process that owns a repo; the node and
//! the miner add their own files on top of it.
//!
//! [`process`] is the start-up both binaries share (arguments, logging, runtime),
//! here because both `main`s need it next to their repo, without the full node.

pub mod api_files;
pub mod config_file;
pub mod dir;
pub mod jwt;
pub mod keystore;
pub mod lock;
pub mod paths;
pub mod private_file;
pub mod process;

pub use dir::RepoDir;
