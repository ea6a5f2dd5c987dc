//! Where the repos are when no `--repo`/`--miner-repo` is given, and `~` in paths.

use std::path::{Path, PathBuf};

/// Environment variable naming the full node's repo.
pub const NODE_REPO_ENV: &str = "PADMA_PATH";
/// Environment variable naming the miner's repo.
pub const MINER_REPO_ENV: &str = "PADMA_MINER_PATH";

/// `$<env_var>` if set, else `~/<dir_name>` (the current directory without a home).
fn from_env_or_home(env_var: &str, dir_name: &str) -> PathBuf {
    if let Some(p) = std::env::var_os(env_var) {
        return PathBuf::from(p);
    }
    let home = std::env::var_os("HOME")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from("."));
    home.join(dir_name)
}

/// The default full-node repo: `$PADMA_PATH`, else `~/.padma`.
pub fn default_node_repo() -> PathBuf {
    from_env_or_home(NODE_REPO_ENV, ".padma")
}

/// The default miner repo: `$PADMA_MINER_PATH`, else `~/.padma-miner`.
pub fn default_miner_repo() -> PathBuf {
    from_env_or_home(MINER_REPO_ENV, ".padma-miner")
}

/// Expands a leading `~/` in a user-supplied path.
pub fn expand_home(p: &Path) -> PathBuf {
    match (p.strip_prefix("~"), std::env::var_os("HOME")) {
        (Ok(rest), Some(home)) => PathBuf::from(home).join(rest),
        _ => p.to_path_buf(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_a_leading_tilde_is_expanded() {
        assert_eq!(expand_home(Path::new("/srv/repo")), Path::new("/srv/repo"));
        assert_eq!(expand_home(Path::new("a/~/b")), Path::new("a/~/b"));
        if let Some(home) = std::env::var_os("HOME") {
            assert_eq!(
                expand_home(Path::new("~/.padma")),
                PathBuf::from(home).join(".padma")
            );
        }
    }
}
