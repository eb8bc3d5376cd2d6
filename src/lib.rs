//! netverify: proves how traffic can move through an AWS network.
//!
//! Data flows one way: inputs → [`model`] → [`engine`] (over the [`hs`]
//! header-space algebra) → [`checks`] → [`render`]. The [`sim`] module is a
//! separate, deliberately simple per-packet simulator used as the oracle in
//! property tests.

#![forbid(unsafe_code)]

pub mod checks;
pub mod cli;
pub mod engine;
pub mod hs;
pub mod import;
pub mod model;
pub mod query;
pub mod render;
pub mod report;
pub mod sim;
