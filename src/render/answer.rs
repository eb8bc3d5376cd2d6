//! Text for query answers (`netverify query`, the REPL).
//!
//! The first line is the answer (`yes: …`, `no: …`, `unknown: …`); then the
//! paths as numbered hops with their `file:line`, blockers with what would
//! have to change, listings of sources or destinations with their exact
//! protocol and port sets, and the reasons for any `unknown`.

use anstyle::{AnsiColor, Style};

use super::TextOptions;
use super::text::{flow_head, hop_text, location_text, name_with_id, packet_text};
use crate::escape::{terminal, terminal_block};
use crate::report::FlowSummary;
use crate::report::answer::{Answer, AnswerKind, HopStatus, PathView, Reply};

fn paint(opts: &TextOptions, style: Style, text: &str) -> String {
    if opts.color && !text.trim().is_empty() {
        format!("{style}{text}{style:#}")
    } else {
        text.to_owned()
    }
}

fn reply_style(r: Reply) -> Style {
    let c = match r {
        Reply::Yes => AnsiColor::Green,
        Reply::No => AnsiColor::Red,
        Reply::Unknown => AnsiColor::Yellow,
        Reply::Info => AnsiColor::Cyan,
    };
    Style::new().bold().fg_color(Some(c.into()))
}

/// `tcp/5432 from 10.0.10.21/32`, or with `to` for destinations.
fn flows_line(f: &FlowSummary, peers: &str) -> String {
    let mut s = String::new();
    flow_head(&mut s, f);
    if let Some(addr) = &f.address {
        s.push_str(" to ");
        s.push_str(addr);
    }
    for (i, src) in f.sources.iter().enumerate() {
        s.push_str(if i == 0 { " " } else { ", " });
        if i == 0 {
            s.push_str(peers);
            s.push(' ');
        }
        s.push_str(src);
    }
    s
}

fn path_block(out: &mut String, opts: &TextOptions, i: usize, n: usize, p: &PathView) {
    let title = if n > 1 {
        format!("path {} of {n}: {} → {}", i + 1, p.from, p.to)
    } else {
        format!("path: {} → {}", p.from, p.to)
    };
    out.push_str(&format!(
        "{}\n",
        paint(opts, Style::new().bold(), &terminal(&title))
    ));
    if let Some(pkt) = &p.packet {
        out.push_str(&format!("  packet:  {}\n", terminal(&packet_text(pkt))));
    }
    for f in &p.carries {
        out.push_str(&format!(
            "  carries: {}\n",
            terminal(&flows_line(f, "from"))
        ));
    }
    let texts: Vec<String> = p
        .hops
        .iter()
        .map(|h| {
            let mark = match h.status {
                HopStatus::Pass => "",
                HopStatus::Blocked => "BLOCKED ",
                HopStatus::Unknown => "UNKNOWN ",
            };
            format!("{mark}{}", terminal(&hop_text(&h.hop)))
        })
        .collect();
    let width = texts.iter().map(|t| t.chars().count()).max().unwrap_or(0);
    let nw = p.hops.len().to_string().len();
    for (k, (h, t)) in p.hops.iter().zip(&texts).enumerate() {
        let styled = match h.status {
            HopStatus::Pass => t.clone(),
            HopStatus::Blocked => paint(
                opts,
                Style::new().bold().fg_color(Some(AnsiColor::Red.into())),
                t,
            ),
            HopStatus::Unknown => paint(
                opts,
                Style::new().bold().fg_color(Some(AnsiColor::Yellow.into())),
                t,
            ),
        };
        let mut line = format!("    {:>nw$}. {styled}", k + 1);
        if let Some(loc) = &h.hop.location {
            line.push_str(&" ".repeat(width - t.chars().count() + 3));
            line.push_str(&terminal(&location_text(loc)));
        }
        out.push_str(line.trim_end());
        out.push('\n');
    }
}

/// The text of an answer.
pub fn render(a: &Answer, opts: &TextOptions) -> String {
    let mut out = String::new();
    if a.answer == Reply::Info {
        if let Some(t) = &a.text {
            out.push_str(&terminal_block(t.strip_suffix('\n').unwrap_or(t)));
            out.push('\n');
        }
        return out;
    }
    // `yes: …` with the first word coloured.
    let summary = terminal(&a.summary).into_owned();
    let head = match summary.split_once(": ") {
        Some((w, rest)) if matches!(w, "yes" | "no" | "unknown") => {
            format!("{}: {rest}", paint(opts, reply_style(a.answer), w))
        }
        _ => summary,
    };
    out.push_str(&head);
    out.push('\n');
    let peers = if a.kind == AnswerKind::What {
        "to"
    } else {
        "from"
    };
    if matches!(a.kind, AnswerKind::Who | AnswerKind::What) {
        for e in &a.entries {
            let mut title = name_with_id(&e.endpoint, e.aws_id.as_deref());
            if let Some(l) = &e.location {
                title.push_str(&format!(" ({l})"));
            } else if e.kind != "network-interface" {
                title.push_str(&format!(" ({})", e.kind));
            }
            out.push_str(&format!(
                "  {}\n",
                paint(opts, Style::new().bold(), &terminal(&title))
            ));
            for f in &e.flows {
                out.push_str("    ");
                out.push_str(&terminal(&flows_line(f, peers)));
                out.push('\n');
            }
        }
    }
    let n = a.paths.len();
    for (i, p) in a.paths.iter().enumerate() {
        out.push('\n');
        path_block(&mut out, opts, i, n, p);
    }
    if !a.blockers.is_empty() {
        out.push('\n');
        out.push_str(&format!(
            "{}\n",
            paint(
                opts,
                Style::new().bold(),
                &format!(
                    "{} blocker{} (fix all of them):",
                    a.blockers.len(),
                    if a.blockers.len() == 1 { "" } else { "s" }
                )
            )
        ));
        for (i, b) in a.blockers.iter().enumerate() {
            out.push_str(&format!(
                "  {}. {} — {}\n",
                i + 1,
                terminal(&name_with_id(&b.component, b.aws_id.as_deref())),
                terminal(&b.rule)
            ));
            if let Some(l) = &b.location {
                out.push_str(&format!("     --> {}\n", terminal(&location_text(l))));
            }
            out.push_str(&format!("     fix: {}\n", terminal(&b.fix)));
        }
    }
    if !a.unknown.is_empty() {
        out.push('\n');
        for u in &a.unknown {
            out.push_str(&format!(
                "{}: {}\n",
                paint(
                    opts,
                    Style::new().bold().fg_color(Some(AnsiColor::Yellow.into())),
                    "unknown"
                ),
                terminal(u)
            ));
        }
    }
    if !a.notes.is_empty() {
        for n in &a.notes {
            out.push_str(&format!("note: {}\n", terminal(n)));
        }
    }
    out
}
