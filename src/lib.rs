//! netverify: proves how traffic can move through an AWS network.
//!
//! Data flows one way, and `tests/layering.rs` keeps it so (a module uses
//! only the layers below it):
//!
//! 1. [`escape`] (the one policy for text from files, accounts and users)
//!    and [`diag`] (the one diagnostic type and renderer);
//! 2. [`model`]: the topology format, loading, validation, the resolved
//!    model; [`hs`]: the header-space algebra; [`report`]: verdicts,
//!    findings and answers as plain data;
//! 3. [`rules`]: the rules one packet meets, stated once; beside it,
//!    [`resource_policy`]: the exact evaluator of resource policies (S3,
//!    DynamoDB, VPC endpoints) and S3's meaning of "public";
//! 4. [`import`] (snapshots, live accounts, Terraform plans → the topology
//!    format), [`engine`] (exact reachability over all headers) and
//!    [`sim`] (one packet at a time: the oracle of the property tests, and
//!    the walk that records blockers);
//! 5. [`checks`] and [`query`]; then [`diff`], which compares two networks;
//! 6. [`render`] (text, JSON, SARIF, Markdown, Mermaid, DOT); then the
//!    front ends, [`repl`] and [`cli`].

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
pub mod resource_policy;
pub mod rules;
pub mod sim;
