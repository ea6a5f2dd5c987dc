//! padma's exact execution engine: the `fvm` crate running the official
//! builtin-actors bundle, so gas, receipts and state roots are those Lotus and Forest
//! compute. [`bundle`] finds and checks a bundle, [`engine`] executes with it,
//! [`genesis`] builds a genesis through it as Lotus does, and [`externs`] are the
//! FVM's calls back into the node.

pub mod bundle;
pub mod engine;
pub mod externs;
pub mod genesis;
pub mod overlay;

pub use bundle::{Bundle, BundleSource};
pub use engine::FvmEngine;
