//! Address parsing and the network prefix used when printing addresses.

use fvm_shared::address::{set_current_network, Address, Network};

/// Error returned when an address string cannot be parsed.
#[derive(Debug, thiserror::Error)]
#[error("invalid address '{input}': {reason}")]
pub struct AddressParseError {
    /// The text that failed to parse.
    pub input: String,
    /// Why it failed.
    pub reason: String,
}

/// Parses an address with either network prefix (`f` or `t`), as Lotus accepts on input.
pub fn parse_address(s: &str) -> Result<Address, AddressParseError> {
    let err = |e: fvm_shared::address::Error| AddressParseError {
        input: s.to_string(),
        reason: e.to_string(),
    };
    match s.as_bytes().first() {
        Some(b'f') => Network::Mainnet.parse_address(s).map_err(err),
        Some(b't') => Network::Testnet.parse_address(s).map_err(err),
        _ => Err(AddressParseError {
            input: s.to_string(),
            reason: "address must start with 'f' or 't'".into(),
        }),
    }
}

/// Selects the prefix used when addresses are printed (`t` for test networks, `f` for mainnet).
pub fn set_network(network: Network) {
    set_current_network(network);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_both_prefixes() {
        let a = parse_address("f01234").unwrap();
        let b = parse_address("t01234").unwrap();
        assert_eq!(a, b);
        assert_eq!(a.id().unwrap(), 1234);
    }

    #[test]
    fn rejects_garbage() {
        for bad in [
            "",
            "x01",
            "f9abc",
            "f1zz",
            "t3",
            "f0-1",
            "f1ypi542zmmgaltijzw4byonei5c267ev5iif2lia",
        ] {
            assert!(parse_address(bad).is_err(), "{bad} should not parse");
        }
    }
}
