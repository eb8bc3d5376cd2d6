//! Checks: each one proves (or refutes) one property over the engine's
//! results. One check is one file; the registry below fixes their order.

pub mod private_service_access;
pub mod public_exposure;

use crate::engine::Engine;
use crate::report::CheckResult;

/// A check's identity and documentation.
#[derive(Debug, Clone, Copy)]
pub struct CheckMeta {
    /// Stable kebab-case id, used on the command line and in outputs.
    pub id: &'static str,
    /// One line for help texts and SARIF `shortDescription`.
    pub description: &'static str,
    /// The README anchor of the check's documentation.
    pub docs_anchor: &'static str,
    /// What it proves and why it matters (SARIF `fullDescription`).
    pub full_description: &'static str,
    /// How to read a finding and how to fix it, in Markdown (SARIF `help`).
    pub help_markdown: &'static str,
}

/// A registered check.
pub struct Check {
    pub meta: CheckMeta,
    pub run: fn(&Engine<'_>) -> CheckResult,
}

/// Every check, in the order they run and are reported.
pub const REGISTRY: &[Check] = &[
    Check {
        meta: public_exposure::META,
        run: public_exposure::run,
    },
    Check {
        meta: private_service_access::META,
        run: private_service_access::run,
    },
];

/// Looks a check up by id.
pub fn find(id: &str) -> Option<&'static Check> {
    REGISTRY.iter().find(|c| c.meta.id == id)
}

/// The ids of every check.
pub fn ids() -> Vec<&'static str> {
    REGISTRY.iter().map(|c| c.meta.id).collect()
}
