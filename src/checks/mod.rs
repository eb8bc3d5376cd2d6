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

/// Checks whose `proven` says that no packet gets somewhere: data assumed
/// to allow everything (default NACLs) cannot make them wrong.
const PROVEN_MEANS_BLOCKED: &[&str] = &["public-exposure", "transit-encryption"];

/// One `unknown` finding per gap of the topology that can change check
/// `id`'s verdict: it names the check and is of a kind the check depends on
/// (see [`crate::model::Gap::concerns_check`]). Gaps whose data could only
/// stop packets leave a "nothing gets through" proof standing; the
/// violations that rely on them are made `unknown` by [`guarded`].
pub fn gap_findings(topo: &Topology, id: &str) -> Vec<Finding> {
    topo.gaps_for(id)
        .filter(|g| g.kind.may_widen() || !PROVEN_MEANS_BLOCKED.contains(&id))
        .map(|g| Finding {
            kind: FindingKind::Unknown,
            severity: Severity::Warning,
            resource: "topology".into(),
            aws_id: None,
            message: format!(
                "the topology records missing data{}: {}",
                g.scope_text(topo),
                g.what
            ),
            aws_ids: Vec::new(),
            flows: Vec::new(),
            witness: None,
            location: crate::engine::explain::pos_location(topo, g.pos),
        })
        .collect()
}

/// A check's result with every violation that may rely on missing data
/// made `unknown`: a violation about a resource in the scope of a gap that
/// concerns the check, of a kind that could stop the packets
/// ([`crate::model::GapKind::may_narrow`]). A violation about no known resource counts as
/// anywhere. The reason is added to the finding.
pub fn without_relied_violations(topo: &Topology, mut r: CheckResult) -> CheckResult {
    if topo.gaps.is_empty() {
        return r;
    }
    let mut changed = false;
    for f in &mut r.findings {
        if f.kind != FindingKind::Violation {
            continue;
        }
        let vpcs = topo.names.get(&f.resource).and_then(|&rr| topo.vpcs_of(rr));
        let relied: Vec<&crate::model::Gap> = topo
            .gaps_for(r.id)
            .filter(|g| g.kind.may_narrow())
            .filter(|g| g.scope.meets(vpcs.as_ref()))
            .collect();
        if relied.is_empty() {
            continue;
        }
        let why: Vec<String> = relied
            .iter()
            .map(|g| format!("{}{}: {}", g.kind.data(), g.scope_text(topo), g.what))
            .collect();
        f.kind = FindingKind::Unknown;
        f.severity = Severity::Warning;
        f.message = format!(
            "{} — unknown: this relies on data the topology does not contain: {}",
            f.message,
            why.join("; ")
        );
        changed = true;
    }
    if changed {
        r.verdict = verdict_of(&r.findings);
    }
    r
}

/// The checks as written, in registry order, before
/// [`without_relied_violations`].
const RAW: [fn(&Engine<'_>) -> CheckResult; 5] = [
    public_exposure::run,
    private_service_access::run,
    transit_encryption::run,
    ipsec_strength::run,
    on_prem_access::run,
];

/// Check `I` of [`RAW`], with the violations that rely on missing data made
/// `unknown`.
fn guarded<const I: usize>(engine: &Engine<'_>) -> CheckResult {
    without_relied_violations(engine.topo, RAW[I](engine))
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
        run: guarded::<0>,
    },
    Check {
        meta: private_service_access::META,
        run: guarded::<1>,
    },
    Check {
        meta: transit_encryption::META,
        run: guarded::<2>,
    },
    Check {
        meta: ipsec_strength::META,
        run: guarded::<3>,
    },
    Check {
        meta: on_prem_access::META,
        run: guarded::<4>,
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
