//! netverify: proves how traffic can move through an AWS network.
//!
//! Data flows one way: inputs → [`model`] → [`engine`] (over the [`hs`]
//! header-space algebra) → [`checks`] → [`render`]. The [`sim`] module is a
//! separate, deliberately simple per-packet simulator used as the oracle in
//! property tests. [`escape`] is a leaf every output uses: the one policy for
//! text that comes from a topology, an AWS account or a user.

#![forbid(unsafe_code)]

pub mod checks;
pub mod cli;
pub mod diag;
pub mod diff;
pub mod engine;
pub mod escape;
pub mod hs;
pub mod import;
pub mod model;
pub mod query;
pub mod render;
pub mod repl;
pub mod report;
pub mod sim;
