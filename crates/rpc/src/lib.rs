//! Lotus-compatible JSON-RPC for padma, generic over any API: typed method definitions
//! (`RpcMethod`, `rpc_methods!`), the method table that binds handlers to them, JWT
//! permissions, the HTTP and WebSocket server (with go-jsonrpc's channel protocol) and
//! the typed HTTP and WebSocket clients.

pub mod api_version;
pub mod auth;
pub mod client;
pub mod client_ws;
mod config;
mod conn;
mod dispatch;
pub mod error;
mod http;
pub mod listen;
pub mod method;
pub mod params;
pub mod request;
pub mod rpc_method;
pub mod server;
mod shared;
mod ws;

pub use auth::{JwtAuth, PermSet, Permission};
pub use error::RpcError;
pub use method::{ApiVersion, CallCtx, MethodTable, Params};
pub use params::RpcParams;
pub use rpc_method::{MethodInfo, MethodKind, RpcMethod, Versions};
pub use server::{RpcServer, ServerConfig};
