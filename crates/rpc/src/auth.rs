//! JWT permissions as Lotus issues them: HS256 tokens whose payload is `{"Allow":[...]}`.

use base64::engine::general_purpose::URL_SAFE_NO_PAD as B64URL;
use base64::Engine;
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Validation};
use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;

/// API permission levels; each includes the ones below it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Permission {
    /// Read chain and node state.
    Read,
    /// Change node state (push messages, connect peers).
    Write,
    /// Sign with the node's wallet keys.
    Sign,
    /// Administer the node (tokens, key export, shutdown).
    Admin,
}

impl Permission {
    /// All permissions, lowest first.
    pub const ALL: [Permission; 4] = [
        Permission::Read,
        Permission::Write,
        Permission::Sign,
        Permission::Admin,
    ];

    /// The lowercase name used in tokens.
    pub fn as_str(self) -> &'static str {
        match self {
            Permission::Read => "read",
            Permission::Write => "write",
            Permission::Sign => "sign",
            Permission::Admin => "admin",
        }
    }

    /// This permission and all below it, as `lotus auth create-token --perm` grants.
    pub fn up_to(self) -> Vec<String> {
        Permission::ALL
            .iter()
            .filter(|p| **p <= self)
            .map(|p| p.as_str().to_string())
            .collect()
    }
}

impl fmt::Display for Permission {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Permission {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        Permission::ALL
            .into_iter()
            .find(|p| p.as_str() == s)
            .ok_or_else(|| {
                format!("unknown permission '{s}' (expected read, write, sign or admin)")
            })
    }
}

/// The highest known permission in a token's `Allow` list (unknown names are ignored).
pub fn highest(allow: &[String]) -> Option<Permission> {
    allow
        .iter()
        .filter_map(|s| Permission::from_str(s).ok())
        .max()
}

/// The set of permissions a caller holds: exactly the known names of its token's
/// `Allow` list. A method is allowed when the permission it needs is in the set, as
/// Lotus checks it (a token allowing only `sign` cannot call `write` methods).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct PermSet(u8);

impl PermSet {
    /// No permission at all.
    pub const NONE: PermSet = PermSet(0);

    /// The set named by a token's `Allow` list; unknown names are ignored.
    pub fn from_allow(allow: &[String]) -> Self {
        allow
            .iter()
            .filter_map(|s| Permission::from_str(s).ok())
            .fold(PermSet::NONE, PermSet::with)
    }

    /// `p` and every permission below it (what `lotus auth create-token --perm p` grants).
    pub fn up_to(p: Permission) -> Self {
        Permission::ALL
            .into_iter()
            .filter(|q| *q <= p)
            .fold(PermSet::NONE, PermSet::with)
    }

    /// This set with `p` added.
    pub fn with(self, p: Permission) -> Self {
        PermSet(self.0 | Self::bit(p))
    }

    /// True when `p` is in the set.
    pub fn contains(self, p: Permission) -> bool {
        self.0 & Self::bit(p) != 0
    }

    fn bit(p: Permission) -> u8 {
        match p {
            Permission::Read => 1,
            Permission::Write => 2,
            Permission::Sign => 4,
            Permission::Admin => 8,
        }
    }
}

#[derive(Serialize, Deserialize)]
struct Claims {
    #[serde(rename = "Allow")]
    allow: Vec<String>,
}

/// Error for tokens that fail verification.
#[derive(Debug, thiserror::Error)]
#[error("JWT verification failed: {0}")]
pub struct TokenError(String);

/// Issues and verifies tokens with one HMAC secret.
#[derive(Clone)]
pub struct JwtAuth {
    encoding: EncodingKey,
    decoding: DecodingKey,
}

impl JwtAuth {
    /// Creates the authority from the raw secret (32 bytes in padma's keystore).
    pub fn new(secret: &[u8]) -> Self {
        JwtAuth {
            encoding: EncodingKey::from_secret(secret),
            decoding: DecodingKey::from_secret(secret),
        }
    }

    /// Signs a token allowing exactly `allow`, byte-identical to what Lotus issues.
    pub fn issue(&self, allow: &[String]) -> String {
        // Header and payload written by hand so the field order matches Lotus's tokens.
        let header = B64URL.encode(br#"{"alg":"HS256","typ":"JWT"}"#);
        let payload = serde_json::to_vec(&Claims {
            allow: allow.to_vec(),
        })
        .expect("claims serialise");
        let signing_input = format!("{header}.{}", B64URL.encode(payload));
        let sig =
            jsonwebtoken::crypto::sign(signing_input.as_bytes(), &self.encoding, Algorithm::HS256)
                .expect("HMAC signing cannot fail");
        format!("{signing_input}.{sig}")
    }

    /// Verifies a token's signature and returns its `Allow` list.
    pub fn verify(&self, token: &str) -> Result<Vec<String>, TokenError> {
        let mut validation = Validation::new(Algorithm::HS256);
        validation.required_spec_claims.clear();
        validation.validate_exp = false;
        let data = jsonwebtoken::decode::<Claims>(token.trim(), &self.decoding, &validation)
            .map_err(|e| TokenError(e.to_string()))?;
        Ok(data.claims.allow)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_round_trip_and_match_lotus_prefix() {
        let auth = JwtAuth::new(&[7u8; 32]);
        let t = auth.issue(&Permission::Admin.up_to());
        assert!(t.starts_with(
            "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJBbGxvdyI6WyJyZWFkIiwid3JpdGUiLCJzaWduIiwiYWRtaW4iXX0."
        ));
        assert_eq!(
            auth.verify(&t).unwrap(),
            vec!["read", "write", "sign", "admin"]
        );
        let other = JwtAuth::new(&[8u8; 32]);
        assert!(other.verify(&t).is_err());
        assert!(auth.verify("garbage").is_err());
        assert!(auth.verify("").is_err());
    }

    #[test]
    fn levels_are_cumulative() {
        assert_eq!(Permission::Sign.up_to(), vec!["read", "write", "sign"]);
        assert_eq!(
            highest(&["write".into(), "bogus".into()]),
            Some(Permission::Write)
        );
        assert_eq!(highest(&[]), None);
    }

    #[test]
    fn sets_hold_exactly_the_allowed_names() {
        let sign_only = PermSet::from_allow(&["sign".into(), "bogus".into()]);
        assert!(sign_only.contains(Permission::Sign));
        assert!(!sign_only.contains(Permission::Write));
        assert!(!sign_only.contains(Permission::Read));
        let admin = PermSet::up_to(Permission::Admin);
        assert!(Permission::ALL.iter().all(|p| admin.contains(*p)));
        assert_eq!(PermSet::from_allow(&[]), PermSet::NONE);
    }
}
