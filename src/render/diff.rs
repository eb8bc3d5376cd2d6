//! `netverify diff` output: text for people, the versioned JSON contract,
//! and Markdown for pull-request comments.
//!
//! Every string from the inputs goes through the project's one escaping
//! policy ([`crate::escape`]): [`terminal`] for text, [`markdown`] for
//! Markdown. The Markdown keeps every input string out of HTML (the
//! `<summary>` of a `<details>` holds only fixed text), out of code spans
//! (where backslash escapes do not work) and inside table cells or
//! paragraphs, where the escaped text reads exactly as the terminal shows
//! it.

use crate::escape::{markdown, terminal};
use crate::report::diff::{Cause, CheckDelta, DiffEndpoint, DiffFinding, DiffReport, FlowChange};
use crate::report::{CheckResult, Finding, FindingKind, Report, Severity};

use super::text::{flow_text, hop_text, location_text, packet_text};

/// A `netverify diff` output format.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, clap::ValueEnum)]
pub enum DiffFormat {
    #[default]
    Text,
    /// Versioned JSON (`"version": 1`), documented in the README.
    Json,
    /// Markdown for a pull-request comment.
    Markdown,
    /// SARIF 2.1.0: the changes that violate the policy, at their causes'
    /// lines, and the checks' new violations.
    Sarif,
}

/// Render `report` in `format`.
pub fn render(report: &DiffReport, format: DiffFormat) -> String {
    match format {
        DiffFormat::Text => text(report),
        DiffFormat::Json => super::json::render_value(report),
        DiffFormat::Markdown => markdown_comment(report),
        DiffFormat::Sarif => sarif(report),
    }
}

/// `web-1 (instance, i-0abc)`, `internet`.
fn endpoint_text(e: &DiffEndpoint) -> String {
    let mut s = match &e.name {
        Some(n) => format!("{n} ({}", e.kind),
        None => return e.kind.clone(),
    };
    if let Some(id) = &e.aws_id {
        s.push_str(", ");
        s.push_str(id);
    }
    s.push(')');
    if !e.interfaces.is_empty() {
        s.push_str(" via ");
        s.push_str(&e.interfaces.join(", "));
    }
    s
}

/// ``security-group `app-sg`: ingress rule added: {…} (head.yaml:12)``.
pub fn cause_text(c: &Cause) -> String {
    let at = c
        .location
        .as_ref()
        .map(|l| format!(" ({})", location_text(l)))
        .unwrap_or_default();
    format!("{} `{}`: {}{at}", c.kind, c.resource, c.change)
}

fn finding_text(f: &DiffFinding) -> String {
    format!("{} {}: {}", f.kind, f.resource, f.message)
}

fn changed_checks(report: &DiffReport) -> Vec<&CheckDelta> {
    report.checks.iter().filter(|c| c.changed()).collect()
}

fn text(report: &DiffReport) -> String {
    let mut out = String::new();
    let mut change_block = |label: &str, c: &FlowChange| {
        out.push_str(&format!(
            "{label}: {} → {}\n",
            terminal(&endpoint_text(&c.source)),
            terminal(&endpoint_text(&c.destination))
        ));
        for f in &c.flows {
            out.push_str(&format!("  {}\n", terminal(&flow_text(f))));
        }
        if let Some(w) = &c.witness {
            out.push_str(&format!(
                "  witness: {}\n",
                terminal(&packet_text(&w.packet))
            ));
            for (i, h) in w.path.iter().enumerate() {
                let loc = h
                    .location
                    .as_ref()
                    .map(|l| format!("   {}", location_text(l)))
                    .unwrap_or_default();
                out.push_str(&format!(
                    "    {}. {}{}\n",
                    i + 1,
                    terminal(&hop_text(h)),
                    terminal(&loc)
                ));
            }
        }
        for u in &c.unknown {
            out.push_str(&format!("  unknown: {}\n", terminal(u)));
        }
        if let Some(v) = &c.violation {
            out.push_str(&format!("  violation: {}\n", terminal(v)));
        }
        for k in &c.causes {
            out.push_str(&format!("  caused by: {}\n", terminal(&cause_text(k))));
        }
    };
    for c in &report.opened {
        change_block("opened", c);
    }
    for c in &report.closed {
        change_block("closed", c);
    }
    for c in changed_checks(report) {
        out.push_str(&format!(
            "check {}: {} → {}\n",
            c.id,
            c.before.as_str(),
            c.after.as_str()
        ));
        for f in &c.new_findings {
            out.push_str(&format!("  + {}\n", terminal(&finding_text(f))));
        }
        for f in &c.resolved_findings {
            out.push_str(&format!("  - {}\n", terminal(&finding_text(f))));
        }
    }
    for u in &report.unknown {
        let src = u
            .source
            .as_ref()
            .map(|s| format!(" from {}", endpoint_text(s)))
            .unwrap_or_default();
        out.push_str(&format!(
            "unknown ({}){}: {}\n",
            u.side,
            terminal(&src),
            terminal(&u.reason)
        ));
        for f in &u.flows {
            out.push_str(&format!("  {}\n", terminal(&flow_text(f))));
        }
    }
    for n in &report.notes {
        out.push_str(&format!("note: {}\n", terminal(n)));
    }
    out.push_str(&format!("{}\n", totals(report)));
    out
}

/// `2 opened, 1 closed, 1 violation, 1 check changed, 0 unknown`.
fn totals(report: &DiffReport) -> String {
    let n = |k: usize, one: &str, many: &str| format!("{k} {}", if k == 1 { one } else { many });
    let unknown = report.unknown.len()
        + report
            .opened
            .iter()
            .chain(&report.closed)
            .filter(|c| !c.unknown.is_empty())
            .count();
    let violations = report
        .opened
        .iter()
        .chain(&report.closed)
        .filter(|c| c.violation.is_some())
        .count();
    format!(
        "{} opened, {} closed, {}, {}, {} unknown",
        report.opened.len(),
        report.closed.len(),
        n(violations, "violation", "violations"),
        n(
            changed_checks(report).len(),
            "check changed",
            "checks changed"
        ),
        unknown
    )
}

/// A Markdown table cell or paragraph text: escaped, never raw.
fn md(s: &str) -> String {
    markdown(s)
}

fn markdown_comment(report: &DiffReport) -> String {
    let mut out = String::from("### netverify diff\n\n");
    out.push_str(&md(&totals(report)));
    out.push_str("\n\n");
    let changes: Vec<(&str, &FlowChange)> = report
        .opened
        .iter()
        .map(|c| ("opened", c))
        .chain(report.closed.iter().map(|c| ("closed", c)))
        .collect();
    if !changes.is_empty() {
        out.push_str("| # | change | source | destination | flows | cause |\n");
        out.push_str("|---|---|---|---|---|---|\n");
        for (i, (label, c)) in changes.iter().enumerate() {
            let flows: Vec<String> = c.flows.iter().map(|f| md(&flow_text(f))).collect();
            let causes: Vec<String> = c
                .causes
                .iter()
                .map(|k| md(&format!("{} {}", k.kind, k.resource)))
                .collect();
            out.push_str(&format!(
                "| {} | {label}{}{} | {} | {} | {} | {} |\n",
                i + 1,
                if c.violation.is_some() {
                    " **violation**"
                } else {
                    ""
                },
                if c.unknown.is_empty() {
                    ""
                } else {
                    " (unknown)"
                },
                md(&endpoint_text(&c.source)),
                md(&endpoint_text(&c.destination)),
                flows.join("<br>"),
                causes.join("<br>")
            ));
        }
        out.push('\n');
    }
    let checks = changed_checks(report);
    if !checks.is_empty() {
        out.push_str("| check | before | after | new findings | resolved findings |\n");
        out.push_str("|---|---|---|---|---|\n");
        for c in &checks {
            out.push_str(&format!(
                "| {} | {} | {} | {} | {} |\n",
                md(c.id),
                c.before.as_str(),
                c.after.as_str(),
                c.new_findings.len(),
                c.resolved_findings.len()
            ));
        }
        out.push('\n');
    }
    for (i, (label, c)) in changes.iter().enumerate() {
        // Only fixed text inside the HTML: a `<summary>` line is raw HTML,
        // where Markdown escapes do not apply.
        out.push_str(&format!(
            "<details>\n<summary>{} {label}</summary>\n\n",
            i + 1
        ));
        out.push_str(&format!(
            "{} → {}\n\n",
            md(&endpoint_text(&c.source)),
            md(&endpoint_text(&c.destination))
        ));
        for f in &c.flows {
            out.push_str(&format!("- {}\n", md(&flow_text(f))));
        }
        if let Some(w) = &c.witness {
            out.push_str(&format!("\nwitness: {}\n\n", md(&packet_text(&w.packet))));
            for (j, h) in w.path.iter().enumerate() {
                let loc = h
                    .location
                    .as_ref()
                    .map(|l| format!(" ({})", location_text(l)))
                    .unwrap_or_default();
                out.push_str(&format!("{}. {}{}\n", j + 1, md(&hop_text(h)), md(&loc)));
            }
        }
        if let Some(w) = &c.witness
            && !w.path.is_empty()
        {
            out.push_str(&format!("\n```mermaid\n{}```\n", mermaid_path(w)));
        }
        for u in &c.unknown {
            out.push_str(&format!("\nunknown: {}\n", md(u)));
        }
        if let Some(v) = &c.violation {
            out.push_str(&format!("\nviolation: {}\n", md(v)));
        }
        if !c.causes.is_empty() {
            out.push_str("\ncaused by:\n\n");
            for k in &c.causes {
                out.push_str(&format!("- {}\n", md(&cause_text(k))));
            }
        }
        out.push_str("\n</details>\n\n");
    }
    for c in &checks {
        if c.new_findings.is_empty() && c.resolved_findings.is_empty() {
            continue;
        }
        out.push_str(&format!("<details>\n<summary>check {}</summary>\n\n", c.id));
        for f in &c.new_findings {
            out.push_str(&format!("- new: {}\n", md(&finding_text(f))));
        }
        for f in &c.resolved_findings {
            out.push_str(&format!("- resolved: {}\n", md(&finding_text(f))));
        }
        out.push_str("\n</details>\n\n");
    }
    if !report.unknown.is_empty() {
        out.push_str("<details>\n<summary>unknown</summary>\n\n");
        for u in &report.unknown {
            let src = u
                .source
                .as_ref()
                .map(|s| format!(" from {}", endpoint_text(s)))
                .unwrap_or_default();
            out.push_str(&format!("- {}{}: {}\n", u.side, md(&src), md(&u.reason)));
        }
        out.push_str("\n</details>\n");
    }
    for n in &report.notes {
        out.push_str(&format!("\nnote: {}\n", md(n)));
    }
    out
}

/// A Mermaid flowchart of a witness path, one node per hop. Node labels
/// are quoted strings holding only the escaped text: Mermaid reads `"`
/// as the end of a label and `#…;` as an entity, so both are written as
/// entities, as are `<`, `>`, `&` and backticks (no HTML or Markdown
/// gets through).
fn mermaid_path(w: &crate::report::Witness) -> String {
    let mut out = String::from("flowchart LR\n");
    for (i, h) in w.path.iter().enumerate() {
        out.push_str(&format!(
            "  h{i}[\"{}\"]\n",
            mermaid_label(&terminal(&hop_text(h)))
        ));
        if i > 0 {
            out.push_str(&format!("  h{} --> h{i}\n", i - 1));
        }
    }
    out
}

fn mermaid_label(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '"' => out.push_str("#quot;"),
            '#' => out.push_str("#35;"),
            '<' => out.push_str("#lt;"),
            '>' => out.push_str("#gt;"),
            '&' => out.push_str("#amp;"),
            '`' => out.push_str("#96;"),
            '[' => out.push_str("#91;"),
            ']' => out.push_str("#93;"),
            '\n' | '\r' => out.push(' '),
            c => out.push(c),
        }
    }
    out
}

/// The rule id of the changes that violate the policy in `diff`'s SARIF.
pub const SARIF_RULE: &str = "diff-policy";

/// SARIF for a diff: one result per change that violates the policy, at
/// its first cause's line in HEAD (the others in the message), with the
/// witness as a code flow; and the checks' new violations and unknowns.
fn sarif(report: &DiffReport) -> String {
    let mut findings = Vec::new();
    for (label, c) in report
        .opened
        .iter()
        .map(|c| ("opened", c))
        .chain(report.closed.iter().map(|c| ("closed", c)))
    {
        let Some(v) = &c.violation else {
            continue;
        };
        let flows: Vec<String> = c.flows.iter().map(flow_text).collect();
        let causes: Vec<String> = c.causes.iter().map(cause_text).collect();
        let mut message = format!(
            "{label}: {} → {}: {} ({v})",
            endpoint_text(&c.source),
            endpoint_text(&c.destination),
            flows.join("; ")
        );
        if !causes.is_empty() {
            message.push_str(&format!("; caused by {}", causes.join("; ")));
        }
        findings.push(Finding {
            kind: FindingKind::Violation,
            severity: Severity::Error,
            resource: c
                .destination
                .name
                .clone()
                .unwrap_or_else(|| c.destination.kind.clone()),
            aws_id: c.destination.aws_id.clone(),
            message,
            aws_ids: Vec::new(),
            flows: c.flows.clone(),
            witness: c.witness.clone(),
            location: c.causes.iter().find_map(|k| k.location.clone()),
        });
    }
    let mut checks = vec![CheckResult {
        id: SARIF_RULE,
        verdict: if findings.is_empty() {
            crate::report::Verdict::Proven
        } else {
            crate::report::Verdict::Violated
        },
        summary: String::new(),
        findings,
    }];
    for d in &report.checks {
        let findings: Vec<Finding> = d
            .new_findings
            .iter()
            .filter(|f| f.kind != "info")
            .map(|f| Finding {
                kind: if f.kind == "violation" {
                    FindingKind::Violation
                } else {
                    FindingKind::Unknown
                },
                severity: Severity::Error,
                resource: f.resource.clone(),
                aws_id: f.aws_id.clone(),
                message: format!("new: {}", f.message),
                aws_ids: Vec::new(),
                flows: Vec::new(),
                witness: None,
                location: None,
            })
            .collect();
        checks.push(CheckResult {
            id: d.id,
            verdict: d.after,
            summary: String::new(),
            findings,
        });
    }
    let docs = [super::sarif::RuleDoc {
        id: SARIF_RULE,
        short_description: "A change opens a flow no policy allows, or closes one the policy expects",
        full_description: "netverify diff compares the reachable packets of BASE and HEAD. A flow that HEAD opens from the internet (or from an on-prem network that policy.on_prem_access lists) beyond what the policy allows, or a flow that HEAD closes while policy.expect lists it, is reported at the changed rule or resource it depends on.",
        help_markdown: "The message names the endpoints, the changed packets and the changed resources or rules in HEAD (the causes). Revert the cause, or allow the flow in the topology's `policy` (`public_exposure.allow`, `on_prem_access`, `expect`).",
    }];
    super::sarif::render_report_with_docs(&Report::new(report.head.clone(), checks), &docs)
}
