//! The keystore: one file per key in `keystore/` (mode 0700), named by the key name
//! in unpadded RFC 4648 base32, holding `{"Type":..,"PrivateKey":<base64>}` with mode
//! 0600. Files readable by group or others are refused, as Lotus refuses them.

use anyhow::{anyhow, bail, Context, Result};
use base64::engine::general_purpose::STANDARD as B64;
use base64::Engine;
use serde::{Deserialize, Serialize};
use std::fs;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};

/// A stored key: its type name and raw private bytes.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StoredKey {
    /// Lotus key type (`bls`, `secp256k1`, `jwt-hmac-secret`, `libp2p-host`).
    #[serde(rename = "Type")]
    pub key_type: String,
    /// Private key bytes.
    #[serde(rename = "PrivateKey", with = "b64")]
    pub private_key: Vec<u8>,
}

mod b64 {
    use super::*;
    pub fn serialize<S: serde::Serializer>(b: &[u8], s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&B64.encode(b))
    }
    pub fn deserialize<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Vec<u8>, D::Error> {
        let s = String::deserialize(d)?;
        B64.decode(s).map_err(serde::de::Error::custom)
    }
}

impl std::fmt::Debug for StoredKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "StoredKey({}, <redacted>)", self.key_type)
    }
}

/// Error returned when a key does not exist.
#[derive(Debug, thiserror::Error)]
#[error("key info not found: {0}")]
pub struct KeyNotFound(pub String);

/// A directory of keys.
#[derive(Clone, Debug)]
pub struct Keystore {
    dir: PathBuf,
}

fn encode_name(name: &str) -> String {
    data_encoding::BASE32_NOPAD.encode(name.as_bytes())
}

fn decode_name(file: &str) -> Option<String> {
    let bytes = data_encoding::BASE32_NOPAD.decode(file.as_bytes()).ok()?;
    String::from_utf8(bytes).ok()
}

impl Keystore {
    /// Opens (creating with mode 0700 if needed) the keystore at `dir`.
    pub fn open(dir: &Path) -> Result<Keystore> {
        if !dir.exists() {
            fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
            fs::set_permissions(dir, fs::Permissions::from_mode(0o700))?;
        }
        let mode = fs::metadata(dir)?.permissions().mode();
        if mode & 0o077 != 0 {
            bail!(
                "keystore {} has too open permissions {:o}; it must be 0700",
                dir.display(),
                mode & 0o777
            );
        }
        Ok(Keystore {
            dir: dir.to_path_buf(),
        })
    }

    fn path_of(&self, name: &str) -> PathBuf {
        self.dir.join(encode_name(name))
    }

    /// Names of all keys.
    pub fn list(&self) -> Result<Vec<String>> {
        let mut out = Vec::new();
        for entry in fs::read_dir(&self.dir)? {
            let entry = entry?;
            if let Some(name) = entry.file_name().to_str().and_then(decode_name) {
                out.push(name);
            }
        }
        out.sort();
        Ok(out)
    }

    /// Reads a key; missing keys give [`KeyNotFound`], loose file modes an error.
    pub fn get(&self, name: &str) -> Result<StoredKey> {
        let path = self.path_of(name);
        let meta = match fs::metadata(&path) {
            Ok(m) => m,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                return Err(KeyNotFound(name.to_string()).into())
            }
            Err(e) => return Err(e).with_context(|| format!("reading key {name}")),
        };
        let mode = meta.permissions().mode() & 0o777;
        if mode & 0o077 != 0 {
            bail!(
                "permissions of key '{name}' ({}) are too relaxed: required 0600, got {mode:04o}",
                path.display()
            );
        }
        let bytes = fs::read(&path).with_context(|| format!("reading key {name}"))?;
        serde_json::from_slice(&bytes)
            .map_err(|e| anyhow!("key file {} is corrupt: {e}", path.display()))
    }

    /// True when the key exists.
    pub fn has(&self, name: &str) -> bool {
        self.path_of(name).exists()
    }

    /// Writes a new key; an existing key of that name is an error.
    pub fn put(&self, name: &str, key: &StoredKey) -> Result<()> {
        let path = self.path_of(name);
        let tmp = self.dir.join(format!(".tmp-{}", encode_name(name)));
        crate::private_file::write_private_file(&tmp, &serde_json::to_vec(key)?)?;
        if path.exists() {
            let _ = fs::remove_file(&tmp);
            bail!("key '{name}' already exists");
        }
        fs::rename(&tmp, &path)?;
        Ok(())
    }

    /// Replaces or creates a key.
    pub fn overwrite(&self, name: &str, key: &StoredKey) -> Result<()> {
        self.delete(name).ok();
        self.put(name, key)
    }

    /// Removes a key.
    pub fn delete(&self, name: &str) -> Result<()> {
        match fs::remove_file(self.path_of(name)) {
            Ok(()) => Ok(()),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                Err(KeyNotFound(name.to_string()).into())
            }
            Err(e) => Err(e.into()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_modes_and_round_trip() {
        assert_eq!(
            encode_name("auth-jwt-private"),
            "MF2XI2BNNJ3XILLQOJUXMYLUMU"
        );
        assert_eq!(encode_name("libp2p-host"), "NRUWE4BSOAWWQ33TOQ");
        let dir = tempfile::tempdir().unwrap();
        let ks = Keystore::open(&dir.path().join("keystore")).unwrap();
        let k = StoredKey {
            key_type: "bls".into(),
            private_key: vec![1, 2, 3],
        };
        ks.put("wallet-t1abc", &k).unwrap();
        assert!(ks.put("wallet-t1abc", &k).is_err());
        assert_eq!(ks.get("wallet-t1abc").unwrap().private_key, vec![1, 2, 3]);
        assert_eq!(ks.list().unwrap(), vec!["wallet-t1abc".to_string()]);
        let path = ks.path_of("wallet-t1abc");
        assert_eq!(
            fs::metadata(&path).unwrap().permissions().mode() & 0o777,
            0o600
        );
        fs::set_permissions(&path, fs::Permissions::from_mode(0o644)).unwrap();
        assert!(ks
            .get("wallet-t1abc")
            .unwrap_err()
            .to_string()
            .contains("too relaxed"));
        assert!(ks
            .get("nope")
            .unwrap_err()
            .downcast_ref::<KeyNotFound>()
            .is_some());
        let text = String::from_utf8(fs::read(&path).unwrap()).unwrap();
        assert_eq!(text, r#"{"Type":"bls","PrivateKey":"AQID"}"#);
    }
}
