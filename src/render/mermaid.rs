//! Mermaid flowcharts of query paths, for pull-request comments (GitHub
//! renders Mermaid). One subgraph per path; a node per hop, labelled with
//! the component and the rule; blocked hops in red with their fix, unknown
//! hops in yellow.

use crate::escape::mermaid_label;
use crate::report::answer::{Answer, HopStatus};

/// The flowchart of every path of `a`.
pub fn render(a: &Answer) -> String {
    let mut out = String::from("flowchart LR\n");
    let mut blocked = Vec::new();
    let mut unknown = Vec::new();
    for (i, p) in a.paths.iter().enumerate() {
        let pid = format!("p{}", i + 1);
        out.push_str(&format!(
            "  subgraph {pid}[\"{}\"]\n",
            mermaid_label(&format!("{} → {} ({})", p.from, p.to, p.outcome))
        ));
        out.push_str(&format!("    {pid}s([\"{}\"])\n", mermaid_label(&p.from)));
        for (j, h) in p.hops.iter().enumerate() {
            let mut label = format!(
                "<b>{}</b><br/>{}",
                mermaid_label(&h.hop.component),
                mermaid_label(&h.hop.rule)
            );
            if let Some(l) = &h.hop.location {
                label.push_str(&format!(
                    "<br/><i>{}</i>",
                    mermaid_label(&format!("{}:{}", l.file, l.line))
                ));
            }
            if let Some(f) = &h.fix {
                label.push_str(&format!("<br/>fix: {}", mermaid_label(f)));
            }
            out.push_str(&format!("    {pid}h{j}[\"{label}\"]\n"));
            match h.status {
                HopStatus::Blocked => blocked.push(format!("{pid}h{j}")),
                HopStatus::Unknown => unknown.push(format!("{pid}h{j}")),
                HopStatus::Pass => {}
            }
        }
        out.push_str("  end\n");
        let mut prev = format!("{pid}s");
        for j in 0..p.hops.len() {
            let cur = format!("{pid}h{j}");
            out.push_str(&format!("  {prev} --> {cur}\n"));
            prev = cur;
        }
    }
    out.push_str("  classDef blocked fill:#fdd,stroke:#c00,color:#600\n");
    out.push_str("  classDef unknown fill:#ffd,stroke:#c90\n");
    if !blocked.is_empty() {
        out.push_str(&format!("  class {} blocked\n", blocked.join(",")));
    }
    if !unknown.is_empty() {
        out.push_str(&format!("  class {} unknown\n", unknown.join(",")));
    }
    out
}
