//! One typed definition per API method: its wire name (any namespace: `Filecoin.*`,
//! `eth_*`, `net_*`), aliases, permission, the API versions that serve it, its
//! parameter tuple and its result type. Servers register handlers against these
//! definitions and clients call through them, so the two cannot disagree.

use crate::auth::Permission;
use crate::params::RpcParams;
use serde::de::DeserializeOwned;
use serde::Serialize;

/// Which API version a request came in on (`/rpc/v0` or `/rpc/v1`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ApiVersion {
    /// The v0 (1.5.0) API.
    V0,
    /// The v1 (2.3.0) API.
    V1,
}

/// The API versions that serve a method.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Versions {
    /// `/rpc/v0` and `/rpc/v1`.
    Both,
    /// `/rpc/v0` only (a v0 form of a method whose v1 form differs).
    V0,
    /// `/rpc/v1` only.
    V1,
}

impl Versions {
    /// Whether `version` serves the method.
    pub fn serves(self, version: ApiVersion) -> bool {
        matches!(
            (self, version),
            (Versions::Both, _) | (Versions::V0, ApiVersion::V0) | (Versions::V1, ApiVersion::V1)
        )
    }
}

/// How a method answers.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum MethodKind {
    /// One result.
    Call,
    /// A stream of results over a WebSocket channel; the result type is one item.
    Channel,
}

/// The facts about a method that do not depend on its Rust types: what discovery,
/// permission and arity checks need.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct MethodInfo {
    /// Wire name.
    pub name: &'static str,
    /// Other wire names for the same method.
    pub aliases: &'static [&'static str],
    /// Permission needed to call it.
    pub perm: Permission,
    /// Versions that serve it.
    pub versions: Versions,
    /// Call or channel.
    pub kind: MethodKind,
    /// Parameter names, in order.
    pub param_names: &'static [&'static str],
    /// How many leading parameters must be present; the rest may be left out.
    pub required_params: usize,
}

/// A typed API method.
pub trait RpcMethod: Send + Sync + 'static {
    /// Wire name.
    const NAME: &'static str;
    /// Other wire names accepted for it.
    const ALIASES: &'static [&'static str] = &[];
    /// Permission needed to call it.
    const PERM: Permission;
    /// Versions that serve it.
    const VERSIONS: Versions = Versions::Both;
    /// Call or channel.
    const KIND: MethodKind = MethodKind::Call;
    /// Parameter names, in order (for discovery).
    const PARAM_NAMES: &'static [&'static str];
    /// How many leading parameters must be present.
    const REQUIRED_PARAMS: usize = <Self::Params as RpcParams>::LEN;
    /// The positional parameters.
    type Params: RpcParams;
    /// The result (for a channel: one item).
    type Ok: Serialize + DeserializeOwned + Send + 'static;

    /// The method's untyped facts.
    fn info() -> MethodInfo {
        MethodInfo {
            name: Self::NAME,
            aliases: Self::ALIASES,
            perm: Self::PERM,
            versions: Self::VERSIONS,
            kind: Self::KIND,
            param_names: Self::PARAM_NAMES,
            required_params: Self::REQUIRED_PARAMS,
        }
    }
}

/// Defines API methods as unit structs implementing [`RpcMethod`], and a function
/// listing their [`MethodInfo`]s in order.
///
/// ```ignore
/// rpc_methods! {
///     /// The list's doc.
///     pub fn full_node_methods;
///     /// The heaviest tipset.
///     ChainHead = "Filecoin.ChainHead", Read, call () -> TipSetJson;
///     /// A v1-only method with an optional trailing parameter.
///     Foo = "Filecoin.Foo", Write, call (a: u64; b: Option<u64>) -> bool, versions = V1;
///     /// Head changes: a channel whose items are lists of changes.
///     ChainNotify = "Filecoin.ChainNotify", Read, channel () -> Vec<HeadChange>;
/// }
/// ```
/// `call` answers once, `channel` streams items. Parameters after `;` are optional
/// trailing parameters (their types must accept `null`). `versions = V0 | V1` limits
/// the versions; `aliases = ["a", "b"]` adds other wire names.
#[macro_export]
macro_rules! rpc_methods {
    (
        $(#[$list_doc:meta])* $list_vis:vis fn $list:ident;
        $(
            $(#[$doc:meta])*
            $name:ident = $wire:literal, $perm:ident,
            $kind:ident ( $($pn:ident : $pt:ty),* $(; $($on:ident : $ot:ty),+)? ) -> $ok:ty
            $(, versions = $ver:ident)?
            $(, aliases = [$($alias:literal),+])?
            ;
        )*
    ) => {
        $(
            $(#[$doc])*
            #[derive(Clone, Copy, Debug, Default)]
            pub struct $name;

            impl $crate::rpc_method::RpcMethod for $name {
                const NAME: &'static str = $wire;
                const ALIASES: &'static [&'static str] = &[$($($alias),+)?];
                const PERM: $crate::Permission = $crate::Permission::$perm;
                const VERSIONS: $crate::rpc_method::Versions =
                    $crate::rpc_methods!(@versions $($ver)?);
                const KIND: $crate::rpc_method::MethodKind =
                    $crate::rpc_methods!(@kind $kind);
                const PARAM_NAMES: &'static [&'static str] =
                    &[$(stringify!($pn),)* $($(stringify!($on),)+)?];
                const REQUIRED_PARAMS: usize = $crate::rpc_methods!(@count $($pn)*);
                type Params = ($($pt,)* $($($ot,)+)?);
                type Ok = $ok;
            }
        )*

        $(#[$list_doc])*
        $list_vis fn $list() -> ::std::vec::Vec<$crate::rpc_method::MethodInfo> {
            ::std::vec![$(<$name as $crate::rpc_method::RpcMethod>::info()),*]
        }
    };
    (@versions) => { $crate::rpc_method::Versions::Both };
    (@versions V0) => { $crate::rpc_method::Versions::V0 };
    (@versions V1) => { $crate::rpc_method::Versions::V1 };
    (@kind call) => { $crate::rpc_method::MethodKind::Call };
    (@kind channel) => { $crate::rpc_method::MethodKind::Channel };
    (@count) => { 0usize };
    (@count $head:ident $($rest:ident)*) => { 1usize + $crate::rpc_methods!(@count $($rest)*) };
}

#[cfg(test)]
mod tests {
    use super::*;

    rpc_methods! {
        /// Test methods.
        fn test_methods;
        /// A plain method.
        Plain = "Filecoin.Plain", Read, call (a: u64, b: String) -> bool;
        /// An optional trailing parameter, v1 only.
        Trailing = "eth_trailing", Write, call (a: u64; b: Option<u64>) -> u64, versions = V1;
        /// A channel with an alias.
        Stream = "Filecoin.Stream", Admin, channel () -> Vec<u64>, aliases = ["x.stream"];
    }

    #[test]
    fn definitions_carry_their_facts() {
        let all = test_methods();
        assert_eq!(all.len(), 3);
        assert_eq!(Plain::REQUIRED_PARAMS, 2);
        assert_eq!(Plain::PARAM_NAMES, ["a", "b"]);
        assert_eq!(Trailing::REQUIRED_PARAMS, 1);
        assert_eq!(<Trailing as RpcMethod>::Params::LEN, 2);
        assert_eq!(Trailing::VERSIONS, Versions::V1);
        assert!(!Trailing::VERSIONS.serves(ApiVersion::V0));
        assert_eq!(Stream::KIND, MethodKind::Channel);
        assert_eq!(Stream::ALIASES, ["x.stream"]);
        assert_eq!(all.get(2).map(|m| m.perm), Some(Permission::Admin));
    }
}
