//! `expected-flows`: every flow the policy expects (`policy.expect`) gets
//! through.
//!
//! What it proves, its assumptions and how to fix a finding are in
//! [`META`], the one place they are written (the README, `--help`, SARIF
//! and `netverify checks` are rendered from it).

use super::{CheckId, CheckMeta};
use crate::engine::Engine;
use crate::model::Topology;
use crate::query::lang::EndpointExpr;
use crate::report::answer::Reply;
use crate::report::{CheckResult, Finding, FindingKind, Severity, Verdict};

pub const ID: &str = CheckId::ExpectedFlows.as_str();

pub const META: CheckMeta = CheckMeta {
    check: CheckId::ExpectedFlows,
    id: ID,
    summary: "Every flow listed under `policy.expect` gets through",
    proves: r#"
For every entry of `policy.expect` (`SOURCE -> DESTINATION [on PORTS]`,
the query language's `can` without the `can`), some packet from the source
on those ports reaches the destination: the answer `netverify query TOPO
"can SOURCE reach DESTINATION on PORTS"` gives is `yes`.
"#,
    why: r#"
The other checks catch exposures; an expectation catches outages. A
security-group edit that drops the load balancer's listener port, or a
route that sends the web tier's replies the wrong way, is a violation here
before it is an incident.
"#,
    details: r#"
The answer is the query language's, with its endpoints and its rules: a
path that relies on missing data, or a component the engine does not model,
makes the finding `unknown`, never a pass. `netverify diff` also reports a
closed flow that an expectation covers as a violation, and an opened flow
from the internet or a constrained on-prem network that no policy allows.
A topology without `policy.expect` proves this check vacuously.
"#,
    assumptions: "",
    example: r#"
`expect: ["internet -> web-alb on tcp/443"]` while the load balancer's
security group admits only tcp/80.
"#,
    findings: r#"
A finding names the expected flow as written, with the policy's line, and
why it does not get through (`no`) or why that is not known.
"#,
    fix: r#"
Ask `netverify query TOPO "why not SOURCE -> DESTINATION on PORTS"` for the
blockers, and open the path; or correct the expectation.
"#,
    rules: "",
};

pub fn run(engine: &Engine<'_>) -> CheckResult {
    let topo: &Topology = engine.topo;
    let mut findings = Vec::new();
    for e in &topo.policy.expect {
        let query = format!("can {}", e.text);
        let src = EndpointExpr {
            word: e.src.clone(),
        };
        let dst = EndpointExpr {
            word: e.dst.clone(),
        };
        let (kind, why) = match crate::query::eval::can(engine, &query, &src, &dst, &e.ports, false)
        {
            Ok(a) => match a.answer {
                Reply::Yes => continue,
                Reply::No => (FindingKind::Violation, a.summary),
                Reply::Unknown | Reply::Info => {
                    let reasons = if a.unknown.is_empty() {
                        a.summary
                    } else {
                        a.unknown.join("; ")
                    };
                    (FindingKind::Unknown, reasons)
                }
            },
            Err(d) => (FindingKind::Unknown, d.message),
        };
        let message = match kind {
            FindingKind::Violation => {
                format!("the expected flow `{}` does not get through: {why}", e.text)
            }
            _ => format!(
                "whether the expected flow `{}` gets through is unknown: {why}",
                e.text
            ),
        };
        findings.push(Finding {
            kind,
            severity: Severity::Error,
            resource: e.text.clone(),
            aws_id: None,
            message,
            aws_ids: Vec::new(),
            flows: Vec::new(),
            witness: None,
            location: crate::engine::explain::pos_location(topo, e.pos),
        });
    }
    if !topo.policy.expect.is_empty() {
        findings.extend(super::gap_findings(topo, ID));
    }
    let verdict = super::verdict_of(&findings);
    let summary = match verdict {
        Verdict::Proven if topo.policy.expect.is_empty() => {
            "no expected flows in the policy".into()
        }
        Verdict::Proven => "every expected flow gets through".into(),
        Verdict::Violated => "some expected flows do not get through".into(),
        Verdict::Unknown => "could not decide every expected flow".into(),
    };
    CheckResult {
        id: ID,
        verdict,
        summary,
        findings,
    }
}
