//! `expected-flows`: every flow the policy expects (`policy.expect`) gets
//! through.
//!
//! What it proves, its assumptions and how to fix a finding are in
//! [`META`], the one place they are written (the README, `--help`, SARIF
//! and `netverify checks` are rendered from it).

use super::{CheckId, CheckMeta};
use crate::diag::Diagnostic;
use crate::engine::Engine;
use crate::model::{EXPECT_FORM, Expect, Pos, Topology};
use crate::query::lang::{EndpointExpr, PortSpec, Query, Word};
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
    rules: r#"
C-3.3–C-3.7, C-4.1–C-4.7, C-5.1–C-5.6, C-6.1, C-6.3, C-6.8 (those of the
`can` query that decides each expectation)
"#,
};

/// An expected flow, parsed by the query language (`can` without `can`).
#[derive(Debug, Clone)]
pub struct Parsed {
    /// As written.
    pub text: String,
    pub src: Word,
    pub dst: Word,
    /// Empty: every packet.
    pub ports: Vec<PortSpec>,
    pub pos: Pos,
}

/// Parses `e` and resolves its endpoints against `topo`, as a query does:
/// an error names the policy's line, with the query language's help (a
/// did-you-mean for an unknown name).
pub fn parse(topo: &Topology, e: &Expect) -> Result<Parsed, Diagnostic> {
    let text = e.text.as_str();
    let at = |message: String, help: Option<String>| {
        Diagnostic::new(&topo.file, e.pos, message).with_help_opt(help)
    };
    let parsed = crate::query::lang::parse(&format!("can {text}")).map_err(|d| {
        at(
            format!(
                "invalid expected flow `{text}` in the policy: {}",
                d.message
            ),
            d.help.or_else(|| Some(EXPECT_FORM.to_owned())),
        )
    })?;
    if parsed.format.is_some() {
        return Err(at(
            format!("the expected flow `{text}` in the policy names an output format"),
            Some("drop the trailing `as FORMAT`".to_owned()),
        ));
    }
    let Query::Can { src, dst, ports } = parsed.query else {
        return Err(at(
            format!("invalid expected flow `{text}` in the policy"),
            Some(EXPECT_FORM.to_owned()),
        ));
    };
    for w in [&src.word, &dst.word] {
        crate::query::endpoint::resolve(topo, w).map_err(|d| {
            at(
                format!("{} in the policy's expected flow `{text}`", d.message),
                d.help,
            )
        })?;
    }
    Ok(Parsed {
        text: text.to_owned(),
        src: src.word,
        dst: dst.word,
        ports,
        pos: e.pos,
    })
}

/// The errors of `topo`'s expected flows (the front ends reject a
/// topology that has any, like any other validation error).
pub fn errors(topo: &Topology) -> Vec<Diagnostic> {
    topo.policy
        .expect
        .iter()
        .filter_map(|e| parse(topo, e).err())
        .collect()
}

pub fn run(engine: &Engine<'_>) -> CheckResult {
    let topo: &Topology = engine.topo;
    let mut findings = Vec::new();
    for e in &topo.policy.expect {
        let (kind, why) = match parse(topo, e) {
            Err(d) => (FindingKind::Unknown, d.message),
            Ok(p) => {
                let query = format!("can {}", p.text);
                let src = EndpointExpr { word: p.src };
                let dst = EndpointExpr { word: p.dst };
                match crate::query::eval::can(engine, &query, &src, &dst, &p.ports, false) {
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
                }
            }
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
