//! Checks: each one proves (or refutes) one property over the engine's
//! results. One check is one file; the registry below fixes their order.

pub mod ipsec_strength;
pub mod on_prem_access;
pub mod private_service_access;
pub mod public_exposure;
pub mod transit_encryption;

use crate::engine::Engine;
use crate::model::Topology;
use crate::report::{CheckResult, Finding, FindingKind, Severity, Verdict};

/// One `unknown` finding per gap of the topology that affects check `id`.
pub fn gap_findings(topo: &Topology, id: &str) -> Vec<Finding> {
    topo.gaps_for(id)
        .map(|g| Finding {
            kind: FindingKind::Unknown,
            severity: Severity::Warning,
            resource: "topology".into(),
            aws_id: None,
            message: format!("the topology records missing data: {}", g.what),
            aws_ids: Vec::new(),
            flows: Vec::new(),
            witness: None,
            location: crate::engine::explain::pos_location(topo, g.pos),
        })
        .collect()
}

/// The verdict the findings make: any violation, else any unknown.
pub fn verdict_of(findings: &[Finding]) -> Verdict {
    findings.iter().fold(Verdict::Proven, |v, f| {
        v.combine(match f.kind {
            FindingKind::Violation => Verdict::Violated,
            FindingKind::Unknown => Verdict::Unknown,
            FindingKind::Info => Verdict::Proven,
        })
    })
}

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
    Check {
        meta: transit_encryption::META,
        run: transit_encryption::run,
    },
    Check {
        meta: ipsec_strength::META,
        run: ipsec_strength::run,
    },
    Check {
        meta: on_prem_access::META,
        run: on_prem_access::run,
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
