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
use crate::report::diff::{CheckDelta, DiffEndpoint, DiffFinding, DiffReport, FlowChange};

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
}

/// Render `report` in `format`.
pub fn render(report: &DiffReport, format: DiffFormat) -> String {
    match format {
        DiffFormat::Text => text(report),
        DiffFormat::Json => super::json::render_value(report),
        DiffFormat::Markdown => markdown_comment(report),
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
    out.push_str(&format!("{}\n", totals(report)));
    out
}

/// `2 opened, 1 closed, 1 check changed, 0 unknown`.
fn totals(report: &DiffReport) -> String {
    let n = |k: usize, one: &str, many: &str| format!("{k} {}", if k == 1 { one } else { many });
    let unknown = report.unknown.len()
        + report
            .opened
            .iter()
            .chain(&report.closed)
            .filter(|c| !c.unknown.is_empty())
            .count();
    format!(
        "{} opened, {} closed, {}, {} unknown",
        report.opened.len(),
        report.closed.len(),
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
        out.push_str("| # | change | source | destination | flows |\n");
        out.push_str("|---|---|---|---|---|\n");
        for (i, (label, c)) in changes.iter().enumerate() {
            let flows: Vec<String> = c.flows.iter().map(|f| md(&flow_text(f))).collect();
            out.push_str(&format!(
                "| {} | {label}{} | {} | {} | {} |\n",
                i + 1,
                if c.unknown.is_empty() {
                    ""
                } else {
                    " (unknown)"
                },
                md(&endpoint_text(&c.source)),
                md(&endpoint_text(&c.destination)),
                flows.join("<br>")
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
        for u in &c.unknown {
            out.push_str(&format!("\nunknown: {}\n", md(u)));
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
    out
}
