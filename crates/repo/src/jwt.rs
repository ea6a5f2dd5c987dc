//! The JWT secret that signs a repo's API tokens: the keystore key `auth-jwt-private`
//! of type `jwt-hmac-secret`, 32 random bytes made on first use, as Lotus keeps it.

use crate::keystore::{KeyNotFound, Keystore, StoredKey};
use anyhow::Result;

/// Keystore name of the JWT secret.
pub const JWT_KEY_NAME: &str = "auth-jwt-private";
/// Key type of the JWT secret.
pub const JWT_KEY_TYPE: &str = "jwt-hmac-secret";

/// A repo's JWT secret.
pub struct JwtSecret {
    /// The HMAC key.
    pub bytes: Vec<u8>,
    /// Whether it was made just now (tokens signed before cannot exist).
    pub created: bool,
}

impl std::fmt::Debug for JwtSecret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "JwtSecret(<redacted>, created: {})", self.created)
    }
}

/// The keystore's JWT secret, created (32 random bytes) when it has none.
pub fn load_or_create(keystore: &Keystore) -> Result<JwtSecret> {
    match keystore.get(JWT_KEY_NAME) {
        Ok(k) => Ok(JwtSecret {
            bytes: k.private_key,
            created: false,
        }),
        Err(e) if e.downcast_ref::<KeyNotFound>().is_some() => {
            let secret: [u8; 32] = rand::random();
            let key = StoredKey {
                key_type: JWT_KEY_TYPE.into(),
                private_key: secret.to_vec(),
            };
            keystore.put(JWT_KEY_NAME, &key)?;
            Ok(JwtSecret {
                bytes: secret.to_vec(),
                created: true,
            })
        }
        Err(e) => Err(e),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_secret_is_made_once_and_kept() {
        let dir = tempfile::tempdir().unwrap();
        let ks = Keystore::open(&dir.path().join("keystore")).unwrap();
        let first = load_or_create(&ks).unwrap();
        assert!(first.created);
        assert_eq!(first.bytes.len(), 32);
        let again = load_or_create(&ks).unwrap();
        assert!(!again.created);
        assert_eq!(again.bytes, first.bytes);
        assert_eq!(ks.get(JWT_KEY_NAME).unwrap().key_type, JWT_KEY_TYPE);
    }
}
