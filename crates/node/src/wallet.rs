//! The node's wallet: key addresses backed by the keystore (`wallet-<address>`, and
//! `default` for the default key), with Lotus's behaviours: the first key becomes the
//! default, deleted keys are kept as `trash-…`.

use anyhow::{anyhow, bail, Result};
use padma_repo::keystore::{KeyNotFound, Keystore, StoredKey};
use padma_types::address::parse_address;
use padma_types::crypto::{KeyInfo, KeyType};
use padma_types::fvm_shared::address::Protocol;
use padma_types::{Address, Signature};
use std::str::FromStr;
use std::sync::Mutex;

const WALLET_PREFIX: &str = "wallet-";
const DEFAULT_KEY: &str = "default";
const TRASH_PREFIX: &str = "trash-";

/// A wallet over a keystore.
pub struct Wallet {
    keystore: Keystore,
    lock: Mutex<()>,
}

fn key_name(addr: &Address) -> String {
    format!("{WALLET_PREFIX}{addr}")
}

fn stored(k: &KeyInfo) -> StoredKey {
    StoredKey {
        key_type: k.key_type.to_string(),
        private_key: k.private_key.clone(),
    }
}

fn key_info(s: StoredKey) -> Result<KeyInfo> {
    Ok(KeyInfo::new(
        KeyType::from_str(&s.key_type)?,
        s.private_key,
    )?)
}

impl Wallet {
    /// A wallet using `keystore`.
    pub fn new(keystore: Keystore) -> Self {
        Wallet {
            keystore,
            lock: Mutex::new(()),
        }
    }

    fn guard(&self) -> std::sync::MutexGuard<'_, ()> {
        self.lock.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Finds the keystore name of `addr`, whichever network prefix it was stored with.
    fn find_name(&self, addr: &Address) -> Option<String> {
        let s = addr.to_string();
        // An address text starts with its one-letter (ASCII) network prefix.
        let payload = s.get(1..)?;
        ["f", "t"]
            .iter()
            .map(|n| format!("{WALLET_PREFIX}{n}{payload}"))
            .find(|name| self.keystore.has(name))
    }

    fn check_key_address(addr: &Address) -> Result<()> {
        match addr.protocol() {
            Protocol::Secp256k1 | Protocol::BLS => Ok(()),
            _ => bail!("address {addr} is not a key address (f1 or f3); ID addresses are resolved once the node has state"),
        }
    }

    /// Creates a new key; it becomes the default if there is none.
    pub fn new_key(&self, key_type: KeyType) -> Result<Address> {
        let key = KeyInfo::generate(key_type);
        self.import(&key)
    }

    /// Stores a key and returns its address; the first key becomes the default.
    pub fn import(&self, key: &KeyInfo) -> Result<Address> {
        let addr = key.address()?;
        let _g = self.guard();
        if self.find_name(&addr).is_none() {
            self.keystore.put(&key_name(&addr), &stored(key))?;
        }
        if !self.keystore.has(DEFAULT_KEY) {
            self.keystore.put(DEFAULT_KEY, &stored(key))?;
        }
        Ok(addr)
    }

    /// Addresses of all keys, sorted.
    pub fn list(&self) -> Result<Vec<Address>> {
        let mut out = Vec::new();
        for name in self.keystore.list()? {
            if let Some(a) = name.strip_prefix(WALLET_PREFIX) {
                if let Ok(addr) = parse_address(a) {
                    out.push(addr);
                }
            }
        }
        out.sort_by_key(|a| a.to_string());
        out.dedup();
        Ok(out)
    }

    /// True when the wallet holds the key of `addr`.
    pub fn has(&self, addr: &Address) -> bool {
        self.find_name(addr).is_some()
    }

    /// The key of `addr`.
    pub fn export(&self, addr: &Address) -> Result<KeyInfo> {
        Self::check_key_address(addr)?;
        let name = self
            .find_name(addr)
            .ok_or_else(|| anyhow!("key not found for {addr}"))?;
        key_info(self.keystore.get(&name)?)
    }

    /// The default address.
    pub fn default_address(&self) -> Result<Address> {
        match self.keystore.get(DEFAULT_KEY) {
            Ok(k) => Ok(key_info(k)?.address()?),
            Err(e) if e.downcast_ref::<KeyNotFound>().is_some() => bail!("failed to get default key: no default address set (create one with `padma wallet new`)"),
            Err(e) => Err(e),
        }
    }

    /// Makes `addr` the default.
    pub fn set_default(&self, addr: &Address) -> Result<()> {
        let key = self.export(addr)?;
        let _g = self.guard();
        self.keystore.overwrite(DEFAULT_KEY, &stored(&key))
    }

    /// Removes `addr`'s key (kept as `trash-…`); clears the default if it was the default.
    pub fn delete(&self, addr: &Address) -> Result<()> {
        let key = self.export(addr)?;
        let _g = self.guard();
        let name = self
            .find_name(addr)
            .ok_or_else(|| anyhow!("key not found for {addr}"))?;
        self.keystore
            .overwrite(&format!("{TRASH_PREFIX}{name}"), &stored(&key))?;
        self.keystore.delete(&name)?;
        if let Ok(d) = self.keystore.get(DEFAULT_KEY) {
            if key_info(d)?.address()? == *addr {
                self.keystore.delete(DEFAULT_KEY)?;
            }
        }
        Ok(())
    }

    /// Signs `data` with `addr`'s key.
    pub fn sign(&self, addr: &Address, data: &[u8]) -> Result<Signature> {
        Ok(self.export(addr)?.sign(data)?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use padma_types::crypto::verify_signature;

    #[test]
    fn lifecycle() {
        let dir = tempfile::tempdir().unwrap();
        let w = Wallet::new(Keystore::open(&dir.path().join("ks")).unwrap());
        assert!(w.default_address().is_err());
        let a = w.new_key(KeyType::Bls).unwrap();
        let b = w.new_key(KeyType::Secp256k1).unwrap();
        assert_eq!(w.default_address().unwrap(), a);
        assert_eq!(w.list().unwrap().len(), 2);
        w.set_default(&b).unwrap();
        assert_eq!(w.default_address().unwrap(), b);
        let sig = w.sign(&b, b"hi").unwrap();
        verify_signature(&sig, &b, b"hi").unwrap();
        let exported = w.export(&a).unwrap();
        w.delete(&b).unwrap();
        assert!(!w.has(&b));
        assert!(w.default_address().is_err());
        w.delete(&a).unwrap();
        assert_eq!(w.import(&exported).unwrap(), a);
        assert!(w.has(&a));
        assert!(w.sign(&parse_address("t01000").unwrap(), b"x").is_err());
    }
}
