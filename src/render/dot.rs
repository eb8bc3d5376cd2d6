//! Graphviz DOT of query paths: one cluster per path, a box per hop with
//! the component, the rule and its `file:line`; blocked hops filled red
//! with their fix, unknown hops yellow.

use crate::escape::dot_label;
use crate::report::answer::{Answer, HopStatus};

/// The graph of every path of `a`.
pub fn render(a: &Answer) -> String {
    let mut out = String::from(
        "digraph netverify {\n  rankdir=LR;\n  node [shape=box, fontname=\"Helvetica\", fontsize=10];\n",
    );
    for (i, p) in a.paths.iter().enumerate() {
        let pid = format!("p{}", i + 1);
        out.push_str(&format!("  subgraph cluster_{} {{\n", i + 1));
        out.push_str(&format!(
            "    label=\"{}\";\n",
            dot_label(&format!("{} → {} ({})", p.from, p.to, p.outcome))
        ));
        out.push_str(&format!(
            "    {pid}s [label=\"{}\", shape=ellipse];\n",
            dot_label(&p.from)
        ));
        for (j, h) in p.hops.iter().enumerate() {
            let mut label = format!(
                "{}\\n{}",
                dot_label(&h.hop.component),
                dot_label(&h.hop.rule)
            );
            if let Some(l) = &h.hop.location {
                label.push_str(&format!(
                    "\\n{}",
                    dot_label(&format!("{}:{}", l.file, l.line))
                ));
            }
            if let Some(f) = &h.fix {
                label.push_str(&format!("\\nfix: {}", dot_label(f)));
            }
            let style = match h.status {
                HopStatus::Pass => "",
                HopStatus::Blocked => ", style=filled, fillcolor=\"#ffdddd\", color=\"#cc0000\"",
                HopStatus::Unknown => ", style=filled, fillcolor=\"#ffffcc\", color=\"#cc9900\"",
            };
            out.push_str(&format!("    {pid}h{j} [label=\"{label}\"{style}];\n"));
        }
        out.push_str("  }\n");
        let mut prev = format!("{pid}s");
        for j in 0..p.hops.len() {
            let cur = format!("{pid}h{j}");
            out.push_str(&format!("  {prev} -> {cur};\n"));
            prev = cur;
        }
    }
    out.push_str("}\n");
    out
}
