//! Checks: each one proves (or refutes) one property over the engine's
//! results. One check is one file, with its documentation in its `META`
//! ([`meta`]); the registry below fixes their order.

pub mod expected_flows;
pub mod ipsec_strength;
pub mod meta;
pub mod on_prem_access;
pub mod private_service_access;
pub mod public_exposure;
pub mod transit_encryption;

pub use meta::{CheckId, CheckMeta};

use crate::engine::Engine;
use crate::model::Topology;
use crate::report::{CheckResult, Finding, FindingKind, Severity, Verdict};

/// Checks whose `proven` says that no packet gets somewhere: data assumed
/// to allow everything (default NACLs) cannot make them wrong.
const PROVEN_MEANS_BLOCKED: &[&str] = &[
    CheckId::PublicExposure.as_str(),
    CheckId::TransitEncryption.as_str(),
];

/// One `unknown` finding per gap of the topology that can change check
/// `id`'s verdict: it names the check and is of a kind the check depends on
/// (see [`crate::model::Gap::concerns_check`]). Gaps whose data could only
/// stop packets leave a "nothing gets through" proof standing; the
/// violations that rely on them are made `unknown` by [`guarded`].
pub fn gap_findings(topo: &Topology, id: &str) -> Vec<Finding> {
    topo.gaps_for(id)
        .filter(|g| g.kind.may_widen() || !PROVEN_MEANS_BLOCKED.contains(&id))
        // A gap about named buckets makes those buckets' verdicts unknown
        // (`public_exposure::buckets`), not the network's.
        .filter(|g| !matches!(g.scope, crate::model::GapScope::Buckets(_)))
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
        // Bucket findings depend on S3 data only, and `public_exposure`
        // applies its gaps to them.
        if f.kind != FindingKind::Violation
            || f.aws_id
                .as_deref()
                .is_some_and(|a| a.starts_with("arn:aws:s3:::"))
        {
            continue;
        }
        let vpcs = topo.names.get(&f.resource).and_then(|&rr| topo.vpcs_of(rr));
        let relied: Vec<&crate::model::Gap> = topo
            .gaps_for(r.id)
            .filter(|g| g.kind.may_narrow() && !g.kind.is_s3())
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
const RAW: [fn(&Engine<'_>) -> CheckResult; 6] = [
    public_exposure::run,
    private_service_access::run,
    transit_encryption::run,
    ipsec_strength::run,
    on_prem_access::run,
    expected_flows::run,
];

/// Check `I` of [`RAW`], with the violations that rely on missing data made
/// `unknown`, and (for private-service-access) one finding per root cause.
fn guarded<const I: usize>(engine: &Engine<'_>) -> CheckResult {
    let mut r = without_relied_violations(engine.topo, RAW[I](engine));
    if r.id == private_service_access::ID {
        let topo = engine.topo;
        // Only findings about one workload share a cause with others; a
        // VPC's missing endpoint (or a bucket's policy) is its own fix.
        let workloads: std::collections::HashSet<&str> = topo
            .enis
            .iter()
            .map(|e| e.meta.name.as_str())
            .chain(topo.instances.iter().map(|i| i.meta.name.as_str()))
            .collect();
        let workload = |f: &Finding| workloads.contains(f.resource.as_str());
        r.findings = by_cause(std::mem::take(&mut r.findings), "workloads", workload);
    }
    r
}

/// At most this many resources are named in a finding that stands for many.
const SAMPLE: usize = 3;

/// `1810` as `1,810`.
fn thousands(n: usize) -> String {
    let d = n.to_string();
    let mut out = String::new();
    for (i, c) in d.chars().enumerate() {
        if i > 0 && (d.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// One finding per root cause: findings of one kind whose messages are the
/// same once the resource's own name is taken out are reported once, with
/// the number of resources and a sample of them ("…: 1,810 workloads (e.g.
/// `a`, `b`, `c`)"). The first keeps its witness and location; the AWS ids
/// are merged. Only findings whose resource `is_one` says is one of the
/// `noun` are merged; the others are kept as they are.
pub fn by_cause(
    findings: Vec<Finding>,
    noun: &str,
    is_one: impl Fn(&Finding) -> bool,
) -> Vec<Finding> {
    let cause = |f: &Finding| -> String {
        f.message
            .replace(&format!("`{}`", f.resource), &format!("these {noun}"))
    };
    // Groups in order of first appearance, found by their cause.
    let mut groups: Vec<(String, Vec<Finding>)> = Vec::new();
    let mut index: std::collections::HashMap<(String, FindingKind), usize> =
        std::collections::HashMap::new();
    for f in findings {
        if !is_one(&f) {
            groups.push((String::new(), vec![f]));
            continue;
        }
        let c = cause(&f);
        let i = *index.entry((c.clone(), f.kind)).or_insert_with(|| {
            groups.push((c, Vec::new()));
            groups.len() - 1
        });
        groups[i].1.push(f);
    }
    let mut out = Vec::new();
    for (msg, mut g) in groups {
        if g.len() == 1 {
            out.extend(g);
            continue;
        }
        let mut names: Vec<String> = g.iter().map(|f| f.resource.clone()).collect();
        names.dedup();
        let n = g.len();
        let mut ids: Vec<String> = Vec::new();
        for f in &g {
            for i in f.aws_id.iter().chain(f.aws_ids.iter()) {
                if ids.len() < 20 && !ids.contains(i) {
                    ids.push(i.clone());
                }
            }
        }
        let sample: Vec<String> = names
            .iter()
            .take(SAMPLE)
            .map(|x| format!("`{x}`"))
            .collect();
        let mut first = g.swap_remove(0);
        first.message = format!(
            "{msg}: {} {noun} (e.g. {}{})",
            thousands(n),
            sample.join(", "),
            if names.len() > SAMPLE { ", …" } else { "" }
        );
        first.aws_ids = ids;
        out.push(first);
    }
    out
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
    Check {
        meta: expected_flows::META,
        run: guarded::<5>,
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

#[cfg(test)]
mod tests {
    use super::*;

    fn finding(resource: &str, message: &str) -> Finding {
        Finding {
            kind: FindingKind::Unknown,
            severity: Severity::Warning,
            resource: resource.into(),
            aws_id: Some(format!("id-{resource}")),
            message: message.into(),
            aws_ids: Vec::new(),
            flows: Vec::new(),
            witness: None,
            location: None,
        }
    }

    #[test]
    fn findings_that_share_a_cause_are_reported_once_with_a_count_and_a_sample() {
        let s3 = "the addresses of S3 in `us-east-1` are not known";
        let mut fs: Vec<Finding> = (0..1810).map(|i| finding(&format!("w{i}"), s3)).collect();
        fs.push(finding("w0", "S3 is not private for `w0`"));
        fs.push(finding("w1", "S3 is not private for `w1`"));
        fs.push(finding("w2", "something else"));
        let out = by_cause(fs, "workloads", |_| true);
        let msgs: Vec<&str> = out.iter().map(|f| f.message.as_str()).collect();
        assert_eq!(
            msgs,
            [
                "the addresses of S3 in `us-east-1` are not known: 1,810 workloads (e.g. `w0`, `w1`, `w2`, …)",
                "S3 is not private for these workloads: 2 workloads (e.g. `w0`, `w1`)",
                "something else",
            ]
        );
        assert_eq!(out[0].aws_ids.len(), 20, "the AWS ids are sampled");
    }

    #[test]
    fn a_violation_and_an_unknown_with_one_message_are_not_merged() {
        let mut v = finding("a", "m");
        v.kind = FindingKind::Violation;
        let out = by_cause(vec![v, finding("b", "m")], "workloads", |_| true);
        assert_eq!(out.len(), 2);
    }

    #[test]
    fn bug_findings_about_other_resources_than_the_noun_are_not_merged() {
        // Each VPC without an ECR endpoint is its own fix: merging them read
        // "vpc these workloads has no interface endpoint … 5 workloads".
        let vpc = |n: &str| finding(n, &format!("vpc `{n}` has no interface endpoint"));
        let out = by_cause(vec![vpc("v1"), vpc("v2")], "workloads", |f| {
            f.resource.starts_with('w')
        });
        let msgs: Vec<&str> = out.iter().map(|f| f.message.as_str()).collect();
        assert_eq!(
            msgs,
            [
                "vpc `v1` has no interface endpoint",
                "vpc `v2` has no interface endpoint"
            ]
        );
    }
}
