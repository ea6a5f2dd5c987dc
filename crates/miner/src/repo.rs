//! The miner repo (`--miner-repo`, `PADMA_MINER_PATH`, default `~/.padma-miner`), laid
//! out like Lotus's miner repo: `keystore/` (the JWT secret `auth-jwt-private` and the
//! libp2p identity `libp2p-host`), `datastore/` (ParityDB: `miner-address` and the
//! miner's other metadata), `storage.json`, `repo.lock`, and while the miner runs,
//! `api` and `token`.

use anyhow::{anyhow, bail, Context, Result};
use fvm_shared::address::Address;
use padma_node::keystore::{KeyNotFound, Keystore, StoredKey};
use padma_node::lock::RepoLock;
use padma_node::repo::{JWT_KEY_NAME, JWT_KEY_TYPE};
use padma_store::Store;
use std::fs;
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// Metadata key of the miner actor's address (its bytes, as Lotus stores it).
pub const MINER_ADDRESS_KEY: &str = "miner-address";
/// Keystore name (and key type) of the libp2p identity.
pub const LIBP2P_KEY_NAME: &str = "libp2p-host";

/// The default miner repo: `$PADMA_MINER_PATH`, else `~/.padma-miner`.
pub fn default_miner_repo() -> PathBuf {
    if let Some(p) = std::env::var_os("PADMA_MINER_PATH") {
        return PathBuf::from(p);
    }
    let home = std::env::var_os("HOME")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from("."));
    home.join(".padma-miner")
}

/// Whether a miner repo exists at `path` (as Lotus decides: a `datastore/` or a
/// `keystore/` in it).
pub fn exists(path: &Path) -> bool {
    path.join("datastore").exists() || path.join("keystore").exists()
}

/// An opened, locked miner repo.
pub struct MinerRepo {
    path: PathBuf,
    _lock: RepoLock,
    /// The miner's keystore.
    pub keystore: Keystore,
    /// The miner's datastore (metadata and sector records).
    pub store: Arc<Store>,
}

impl MinerRepo {
    /// Creates a new repo at `path`; refuses a path where a repo exists.
    pub fn create(path: &Path) -> Result<MinerRepo> {
        if exists(path) {
            bail!(
                "a miner repo already exists at {} (remove it or pick another --miner-repo)",
                path.display()
            );
        }
        fs::create_dir_all(path)
            .with_context(|| format!("creating the miner repo {}", path.display()))?;
        Self::open_dir(path)
    }

    /// Opens an existing repo; an uninitialised one is refused with what to do.
    pub fn open(path: &Path) -> Result<MinerRepo> {
        if !exists(path) {
            bail!(
                "no miner repo at {}: run `padma-miner init` first",
                path.display()
            );
        }
        let r = Self::open_dir(path)?;
        if r.miner_address()?.is_none() {
            bail!(
                "the miner repo {} has no miner address (an interrupted init?): remove it and run `padma-miner init`",
                path.display()
            );
        }
        Ok(r)
    }

    fn open_dir(path: &Path) -> Result<MinerRepo> {
        let lock = RepoLock::acquire(path)?;
        let keystore = Keystore::open(&path.join("keystore"))?;
        let store = Arc::new(Store::open(&path.join("datastore"))?);
        Ok(MinerRepo {
            path: path.to_path_buf(),
            _lock: lock,
            keystore,
            store,
        })
    }

    /// The repo directory.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The miner actor's address, once init recorded it.
    pub fn miner_address(&self) -> Result<Option<Address>> {
        match self.store.get_meta(MINER_ADDRESS_KEY)? {
            None => Ok(None),
            Some(b) => Address::from_bytes(&b)
                .map(Some)
                .map_err(|e| anyhow!("the repo's miner address is corrupt: {e}")),
        }
    }

    /// Records the miner actor's address.
    pub fn set_miner_address(&self, a: &Address) -> Result<()> {
        self.store.put_meta(MINER_ADDRESS_KEY, &a.to_bytes())
    }

    /// The JWT secret, created (32 random bytes) on first use.
    pub fn jwt_secret(&self) -> Result<Vec<u8>> {
        match self.keystore.get(JWT_KEY_NAME) {
            Ok(k) => Ok(k.private_key),
            Err(e) if e.downcast_ref::<KeyNotFound>().is_some() => {
                let secret: [u8; 32] = rand::random();
                self.keystore.put(
                    JWT_KEY_NAME,
                    &StoredKey {
                        key_type: JWT_KEY_TYPE.into(),
                        private_key: secret.to_vec(),
                    },
                )?;
                Ok(secret.to_vec())
            }
            Err(e) => Err(e),
        }
    }

    /// The libp2p identity, created on first use.
    pub fn identity(&self) -> Result<Identity> {
        match self.keystore.get(LIBP2P_KEY_NAME) {
            Ok(k) => Identity::from_protobuf(&k.private_key),
            Err(e) if e.downcast_ref::<KeyNotFound>().is_some() => {
                let id = Identity::generate();
                self.keystore.put(
                    LIBP2P_KEY_NAME,
                    &StoredKey {
                        key_type: LIBP2P_KEY_NAME.into(),
                        private_key: id.to_protobuf(),
                    },
                )?;
                Ok(id)
            }
            Err(e) => Err(e),
        }
    }

    /// Writes the admin token (mode 0600, no trailing newline).
    pub fn write_token(&self, token: &str) -> Result<()> {
        let p = self.path.join("token");
        let tmp = self.path.join("token.tmp");
        padma_node::repo::write_private_file(&tmp, token.as_bytes())?;
        fs::rename(&tmp, &p).with_context(|| format!("writing {}", p.display()))
    }

    /// Writes the `api` file with the listener's multiaddr.
    pub fn write_api(&self, multiaddr: &str) -> Result<()> {
        fs::write(self.path.join("api"), multiaddr).context("writing the miner's api file")
    }

    /// Removes the `api` file.
    pub fn remove_api(&self) {
        let _ = fs::remove_file(self.path.join("api"));
    }
}

/// A libp2p Ed25519 identity.
pub struct Identity {
    key: ed25519_dalek::SigningKey,
}

/// Protobuf prefix of a libp2p Ed25519 key (`KeyType = Ed25519`, then the data field).
const PB_ED25519: [u8; 2] = [0x08, 0x01];

impl Identity {
    /// A new random identity.
    pub fn generate() -> Identity {
        Identity {
            key: ed25519_dalek::SigningKey::generate(&mut rand::rngs::OsRng),
        }
    }

    /// The private key as libp2p marshals it (protobuf `PrivateKey{Type: Ed25519, Data:
    /// seed ‖ public key}`), the form Lotus keeps in its keystore.
    pub fn to_protobuf(&self) -> Vec<u8> {
        let mut b = PB_ED25519.to_vec();
        b.extend_from_slice(&[0x12, 64]);
        b.extend_from_slice(&self.key.to_bytes());
        b.extend_from_slice(self.key.verifying_key().as_bytes());
        b
    }

    /// Reads a protobuf-marshalled Ed25519 private key.
    pub fn from_protobuf(b: &[u8]) -> Result<Identity> {
        let bad = || anyhow!("the libp2p-host key is not a protobuf Ed25519 private key");
        let rest = b.strip_prefix(&PB_ED25519[..]).ok_or_else(bad)?;
        let (&tag, rest) = rest.split_first().ok_or_else(bad)?;
        let (&len, data) = rest.split_first().ok_or_else(bad)?;
        if tag != 0x12 || usize::from(len) != data.len() || !(data.len() == 64 || data.len() == 32)
        {
            return Err(bad());
        }
        let seed: [u8; 32] = data[..32].try_into().map_err(|_| bad())?;
        Ok(Identity {
            key: ed25519_dalek::SigningKey::from_bytes(&seed),
        })
    }

    /// The peer ID's bytes: an identity multihash of the protobuf-encoded public key.
    pub fn peer_id_bytes(&self) -> Vec<u8> {
        let mut pk = PB_ED25519.to_vec();
        pk.extend_from_slice(&[0x12, 32]);
        pk.extend_from_slice(self.key.verifying_key().as_bytes());
        let mut b = vec![0x00, pk.len() as u8];
        b.extend_from_slice(&pk);
        b
    }

    /// The peer ID as text (base58btc, `12D3KooW…`).
    pub fn peer_id(&self) -> String {
        bs58::encode(self.peer_id_bytes()).into_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn identity_round_trips_and_has_a_libp2p_peer_id() {
        let id = Identity::generate();
        let pb = id.to_protobuf();
        assert_eq!(pb.len(), 68);
        let back = Identity::from_protobuf(&pb).unwrap();
        assert_eq!(back.peer_id(), id.peer_id());
        assert!(id.peer_id().starts_with("12D3KooW"), "{}", id.peer_id());
        assert_eq!(id.peer_id_bytes().len(), 38);
        assert!(Identity::from_protobuf(&[1, 2, 3]).is_err());
    }

    #[test]
    fn known_peer_id() {
        // The all-zero seed's peer ID, as go-libp2p computes it.
        let id = Identity {
            key: ed25519_dalek::SigningKey::from_bytes(&[0u8; 32]),
        };
        let pk = id.key.verifying_key();
        assert_eq!(
            hex_of(pk.as_bytes()),
            "3b6a27bcceb6a42d62a3a8d02a6f0d73653215771de243a63ac048a18b59da29"
        );
        // An identity multihash (0x00, length 36) of the protobuf public key.
        let decoded = bs58::decode(id.peer_id()).into_vec().unwrap();
        assert_eq!(&decoded[..6], &[0x00, 36, 0x08, 0x01, 0x12, 32]);
        assert_eq!(&decoded[6..], pk.as_bytes());
        assert!(id.peer_id().starts_with("12D3KooW"));
    }

    fn hex_of(b: &[u8]) -> String {
        b.iter().map(|x| format!("{x:02x}")).collect()
    }

    #[test]
    fn repo_create_refuses_existing_and_records_the_address() {
        let d = tempfile::tempdir().unwrap();
        let p = d.path().join("m");
        assert!(MinerRepo::open(&p).is_err());
        {
            let r = MinerRepo::create(&p).unwrap();
            assert!(r.miner_address().unwrap().is_none());
            r.set_miner_address(&Address::new_id(1000)).unwrap();
            let a = r.identity().unwrap().peer_id();
            assert_eq!(r.identity().unwrap().peer_id(), a);
        }
        assert!(MinerRepo::create(&p).is_err());
        let r = MinerRepo::open(&p).unwrap();
        assert_eq!(r.miner_address().unwrap(), Some(Address::new_id(1000)));
    }
}
