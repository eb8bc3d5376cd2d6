//! Text output for people.
//!
//! One block per check: `<id>: <verdict> — <summary>`, then each finding as
//! a compiler-style diagnostic (`error[<id>]: <message>`, its `-->` location,
//! the resource, the exposed flows, the witness packet and the numbered
//! hop-by-hop path), and a closing `verdict:` line with the counts.
//!
//! Every string that comes from the topology is passed through
//! [`crate::escape::terminal`] first: names and messages come from files
//! under review, and a control or bidi character in them must not reach the
//! reader's terminal or CI log.

use anstyle::{AnsiColor, Style};

use crate::escape::terminal;

use super::TextOptions;
use crate::report::{
    CheckResult, ExposedReport, ExposedResource, Finding, FindingKind, FlowSummary, Hop, Location,
    PacketView, Report, Verdict,
};

/// Width of the labels (`resource:`, `exposed:`, …) in a finding, so that
/// their values line up.
const LABEL_WIDTH: usize = 10;

/// The text of a `netverify check` run.
pub fn render_report(report: &Report, opts: &TextOptions) -> String {
    let p = Painter::new(opts);
    let mut out = Out::default();
    for (i, check) in report.checks.iter().enumerate() {
        if i > 0 {
            out.blank();
        }
        check_block(&mut out, &p, check);
    }
    if !report.checks.is_empty() {
        out.blank();
    }
    let count = |v: Verdict| report.checks.iter().filter(|c| c.verdict == v).count();
    out.line(format!(
        "{}: {} ({} violated, {} unknown, {} proven)",
        p.paint(Style::new().bold(), "verdict"),
        p.paint(verdict_style(report.verdict), report.verdict.as_str()),
        count(Verdict::Violated),
        count(Verdict::Unknown),
        count(Verdict::Proven),
    ));
    out.finish()
}

/// The text of a `netverify exposed` run: one block per reachable resource,
/// a warning per reason the list may be incomplete, and a closing count.
pub fn render_exposed(report: &ExposedReport, opts: &TextOptions) -> String {
    let p = Painter::new(opts);
    let mut out = Out::default();
    for resource in &report.exposed {
        exposed_block(&mut out, &p, resource);
        out.blank();
    }
    for reason in &report.unknown {
        out.line(format!(
            "{}: {}",
            p.paint(kind_style(FindingKind::Unknown), "warning"),
            terminal(reason)
        ));
    }
    if !report.unknown.is_empty() {
        out.blank();
    }
    let n = report.exposed.len();
    let mut last = match n {
        0 => "no resource is reachable from the internet".to_owned(),
        1 => "1 resource is reachable from the internet".to_owned(),
        _ => format!("{n} resources are reachable from the internet"),
    };
    if !report.unknown.is_empty() {
        last.push_str(&format!(
            "; the list may be incomplete ({} unknown)",
            report.unknown.len()
        ));
    }
    out.line(last);
    out.finish()
}

fn check_block(out: &mut Out, p: &Painter, check: &CheckResult) {
    let mut header = format!(
        "{}: {}",
        p.paint(Style::new().bold(), &terminal(check.id)),
        p.paint(verdict_style(check.verdict), check.verdict.as_str()),
    );
    if !check.summary.is_empty() {
        header.push_str(" — ");
        header.push_str(&terminal(&check.summary));
    }
    out.line(header);
    for finding in &check.findings {
        out.blank();
        finding_block(out, p, check.id, finding);
    }
}

fn finding_block(out: &mut Out, p: &Painter, check_id: &str, f: &Finding) {
    let style = kind_style(f.kind);
    out.line(format!(
        "{}: {}",
        p.paint(
            style,
            &format!("{}[{}]", kind_label(f.kind), terminal(check_id))
        ),
        p.paint(Style::new().bold(), &terminal(&f.message)),
    ));
    let gutter = Style::new().fg_color(Some(AnsiColor::BrightBlue.into()));
    if let Some(loc) = &f.location {
        out.line(format!(
            "  {} {}",
            p.paint(gutter, "-->"),
            terminal(&location_text(loc))
        ));
        for call in &loc.module_calls {
            out.line(format!(
                "  {} {}",
                p.paint(gutter, "via"),
                terminal(&location_text(call))
            ));
        }
    }
    let label = |text: &str| p.paint(gutter, &format!("{text:<LABEL_WIDTH$}"));
    out.line(format!(
        "  {}{}",
        label("resource:"),
        terminal(&name_with_id(&f.resource, f.aws_id.as_deref()))
    ));
    for (i, flow) in f.flows.iter().enumerate() {
        let l = if i == 0 { "exposed:" } else { "" };
        out.line(format!("  {}{}", label(l), terminal(&flow_text(flow))));
    }
    if let Some(w) = &f.witness {
        out.line(format!(
            "  {}{}",
            label("witness:"),
            terminal(&packet_text(&w.packet))
        ));
        if !w.path.is_empty() {
            out.line(format!("  {}", p.paint(gutter, "path:")));
            path_lines(out, p, &w.path);
        }
    }
}

/// The numbered hops, with their locations lined up in one column.
fn path_lines(out: &mut Out, p: &Painter, path: &[Hop]) {
    let number_width = path.len().to_string().len();
    let texts: Vec<String> = path
        .iter()
        .map(|h| terminal(&hop_text(h)).into_owned())
        .collect();
    let text_width = texts.iter().map(|t| t.chars().count()).max().unwrap_or(0);
    for (i, (hop, text)) in path.iter().zip(&texts).enumerate() {
        let number = p.paint(Style::new().dimmed(), &format!("{:>number_width$}.", i + 1));
        let mut line = format!("    {number} {text}");
        if let Some(loc) = &hop.location {
            let pad = text_width - text.chars().count() + 3;
            line.push_str(&" ".repeat(pad));
            line.push_str(&p.paint(Style::new().dimmed(), &terminal(&location_text(loc))));
        }
        out.line(line);
    }
}

fn exposed_block(out: &mut Out, p: &Painter, r: &ExposedResource) {
    let mut what = terminal(&r.kind).into_owned();
    if let Some(id) = &r.aws_id {
        what.push_str(", ");
        what.push_str(&terminal(id));
    }
    out.line(format!(
        "{} ({what})",
        p.paint(Style::new().bold(), &terminal(&r.resource))
    ));
    if !r.interfaces.is_empty() {
        let names: Vec<String> = r
            .interfaces
            .iter()
            .map(|n| terminal(n).into_owned())
            .collect();
        out.line(format!("  interfaces: {}", names.join(", ")));
    }
    for flow in &r.flows {
        out.line(format!("  {}", terminal(&flow_text(flow))));
    }
    match r.session {
        Some(true) => out.line("  a tcp session can complete"),
        Some(false) => out.line("  a tcp session cannot complete"),
        None => {}
    }
}

/// `file:line:column`; for a `.tf` line, `file:line` and what is written
/// there (`modules/web/sg.tf:41 cidr_blocks = ["0.0.0.0/0"]`).
pub fn location_text(loc: &Location) -> String {
    match &loc.text {
        Some(text) => format!("{}:{} {text}", loc.file, loc.line),
        None => format!("{}:{}:{}", loc.file, loc.line, loc.column),
    }
}

/// `name (aws-id)`, or just `name`.
pub fn name_with_id(name: &str, aws_id: Option<&str>) -> String {
    match aws_id {
        Some(id) if !id.is_empty() => format!("{name} ({id})"),
        _ => name.to_owned(),
    }
}

/// One hop: `igw-main (igw-0abc) — inbound NAT 54.1.2.3 → 10.0.1.10`.
pub fn hop_text(hop: &Hop) -> String {
    format!(
        "{} — {}",
        name_with_id(&hop.component, hop.aws_id.as_deref()),
        hop.rule
    )
}

/// A packet: `tcp 203.0.113.7:40000 → 54.1.2.3:22`,
/// `tcp [2001:db8::1]:40000 → [2001:db8::2]:22`,
/// `icmp 203.0.113.7 → 54.1.2.3 (type 8 code 0)`.
pub fn packet_text(pkt: &PacketView) -> String {
    let mut s = format!(
        "{} {} → {}",
        pkt.protocol,
        endpoint(&pkt.src, pkt.src_port),
        endpoint(&pkt.dst, pkt.dst_port)
    );
    match (pkt.icmp_type, pkt.icmp_code) {
        (Some(t), Some(c)) => s.push_str(&format!(" (type {t} code {c})")),
        (Some(t), None) => s.push_str(&format!(" (type {t})")),
        (None, Some(c)) => s.push_str(&format!(" (code {c})")),
        (None, None) => {}
    }
    s
}

fn endpoint(addr: &str, port: Option<u16>) -> String {
    match port {
        // An IPv6 address needs brackets before a port.
        Some(port) if addr.contains(':') => format!("[{addr}]:{port}"),
        Some(port) => format!("{addr}:{port}"),
        None => addr.to_owned(),
    }
}

/// A flow set: `tcp/80, tcp/443 from 0.0.0.0/0 and ::/0 to 54.1.2.3`,
/// `icmp 8/0 from 10.0.0.0/8`, `all traffic from 0.0.0.0/0`.
pub fn flow_text(flow: &FlowSummary) -> String {
    let mut s = String::new();
    flow_head(&mut s, flow);
    if !flow.sources.is_empty() {
        s.push_str(" from ");
        s.push_str(&natural_join(&flow.sources));
    }
    if let Some(addr) = &flow.address {
        s.push_str(" to ");
        s.push_str(addr);
    }
    s
}

/// The protocol and ports of a flow (`tcp/443, tcp/8443`, `all traffic`),
/// appended to `s`.
pub fn flow_head(s: &mut String, flow: &FlowSummary) {
    let proto = flow.protocol.as_str();
    if flow.ports.is_empty() {
        s.push_str(if proto == "all" { "all traffic" } else { proto });
        return;
    }
    // ICMP "ports" are `type/code`; a slash after the protocol would read
    // as a port, so a space separates them.
    let sep = if matches!(proto, "icmp" | "icmpv6") {
        " "
    } else {
        "/"
    };
    for (i, port) in flow.ports.iter().enumerate() {
        if i > 0 {
            s.push_str(", ");
        }
        s.push_str(proto);
        s.push_str(sep);
        s.push_str(port);
    }
}

/// `a`, `a and b`, `a, b and c`.
fn natural_join(items: &[String]) -> String {
    match items {
        [] => String::new(),
        [one] => one.clone(),
        [init @ .., last] => format!("{} and {last}", init.join(", ")),
    }
}

fn kind_label(kind: FindingKind) -> &'static str {
    match kind {
        FindingKind::Violation => "error",
        FindingKind::Unknown => "warning",
        FindingKind::Info => "note",
    }
}

fn kind_style(kind: FindingKind) -> Style {
    let color = match kind {
        FindingKind::Violation => AnsiColor::Red,
        FindingKind::Unknown => AnsiColor::Yellow,
        FindingKind::Info => AnsiColor::Cyan,
    };
    Style::new().bold().fg_color(Some(color.into()))
}

fn verdict_style(verdict: Verdict) -> Style {
    let color = match verdict {
        Verdict::Proven => AnsiColor::Green,
        Verdict::Unknown => AnsiColor::Yellow,
        Verdict::Violated => AnsiColor::Red,
    };
    Style::new().bold().fg_color(Some(color.into()))
}

/// Applies styles only when colour is on.
struct Painter {
    color: bool,
}

impl Painter {
    fn new(opts: &TextOptions) -> Painter {
        Painter { color: opts.color }
    }

    fn paint(&self, style: Style, text: &str) -> String {
        if self.color && !text.trim().is_empty() {
            format!("{style}{text}{style:#}")
        } else {
            text.to_owned()
        }
    }
}

/// Output lines, each ending in a newline.
#[derive(Default)]
struct Out {
    buf: String,
}

impl Out {
    fn line(&mut self, s: impl AsRef<str>) {
        self.buf.push_str(s.as_ref());
        self.buf.push('\n');
    }

    fn blank(&mut self) {
        self.buf.push('\n');
    }

    fn finish(self) -> String {
        self.buf
    }
}
