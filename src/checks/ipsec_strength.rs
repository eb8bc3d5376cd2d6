//! `ipsec-strength`: VPN tunnels permit only strong IPsec suites.
//!
//! What it proves, its assumptions and how to fix a finding are in
//! [`META`], the one place they are written (the README, `--help`, SARIF
//! and `netverify checks` are rendered from it).

use super::{CheckId, CheckMeta};
use crate::model::{Pos, Topology, Tunnel};
use crate::report::{CheckResult, Finding, FindingKind, Severity, Verdict};

pub const ID: &str = CheckId::IpsecStrength.as_str();

pub const META: CheckMeta = CheckMeta {
    check: CheckId::IpsecStrength,
    id: ID,
    summary: "VPN tunnels permit no IKEv1, SHA-1 or Diffie-Hellman group below 14",
    proves: r#"
No tunnel of any Site-to-Site VPN connection permits IKEv1, SHA-1
integrity, or Diffie-Hellman groups below 14, in phase 1 or phase 2. A
tunnel option left empty, or a tunnel not listed, permits every value AWS
allows, weak ones included (C-11.3), and is reported as such.
"#,
    why: r#"
`transit-encryption` proves that traffic is inside IPsec; this check says
how good that IPsec is. AWS defaults still permit IKEv1, SHA-1 and DH
group 2 for compatibility.
"#,
    details: r#"
Findings are warnings (`warning[ipsec-strength]`); the check's verdict is
`violated` while any remain.
"#,
    assumptions: "",
    example: r#"
A VPN connection whose tunnels list no `ike_versions`: both IKEv1 and
IKEv2 are permitted, so a customer gateway can negotiate IKEv1.
"#,
    findings: r#"
A finding names the VPN connection, the tunnel and the weak values it
permits, and whether they come from options left at their defaults.
"#,
    fix: r#"
Set every tunnel's `ike_versions: [ikev2]`, SHA2 integrity algorithms and
DH groups 14 or above (for example 20), in both phases.
"#,
    rules: "C-11.3",
};

/// The weak values a tunnel permits, as phrases.
pub fn weaknesses(t: &Tunnel) -> Vec<String> {
    let mut out = Vec::new();
    let default = |empty: bool| {
        if empty {
            " (option left at its default)"
        } else {
            ""
        }
    };
    if t.permits_ikev1() {
        out.push(format!("IKEv1{}", default(t.ike_versions.is_empty())));
    }
    for (phase, list) in [(1u8, &t.phase1_integrity), (2, &t.phase2_integrity)] {
        if t.permits_sha1(phase) {
            out.push(format!(
                "SHA-1 in phase {phase}{}",
                default(list.is_empty())
            ));
        }
    }
    for (phase, list) in [(1u8, &t.phase1_dh_groups), (2, &t.phase2_dh_groups)] {
        let weak = t.weak_dh_groups(phase);
        if !weak.is_empty() {
            let groups: Vec<String> = weak.iter().map(u32::to_string).collect();
            out.push(format!(
                "DH group{} {} in phase {phase}{}",
                if weak.len() > 1 { "s" } else { "" },
                groups.join(", "),
                default(list.is_empty())
            ));
        }
    }
    out
}

pub fn run(engine: &crate::engine::Engine<'_>) -> CheckResult {
    let topo: &Topology = engine.topo;
    let mut findings = Vec::new();
    for vpn in &topo.hybrid.vpns {
        for (i, t) in vpn.tunnels.iter().enumerate() {
            let weak = weaknesses(t);
            if weak.is_empty() {
                continue;
            }
            let listed = if t.declared {
                ""
            } else {
                " (not listed: AWS defaults throughout)"
            };
            let pos: Pos = if t.declared { t.pos } else { vpn.meta.pos };
            findings.push(Finding {
                kind: FindingKind::Violation,
                severity: Severity::Warning,
                resource: vpn.meta.name.clone(),
                aws_id: vpn.meta.aws_id.clone(),
                message: format!(
                    "tunnel {} of vpn connection `{}`{listed} permits {} (C-11.3)",
                    i + 1,
                    vpn.meta.name,
                    weak.join(", ")
                ),
                aws_ids: vpn.meta.aws_id.iter().cloned().collect(),
                flows: Vec::new(),
                witness: None,
                location: crate::engine::explain::pos_location(topo, pos),
            });
        }
    }
    findings.extend(super::gap_findings(topo, ID));
    let verdict = super::verdict_of(&findings);
    let summary = match verdict {
        Verdict::Proven if topo.hybrid.vpns.is_empty() => "no VPN connections".into(),
        Verdict::Proven => "every VPN tunnel permits only strong IPsec suites".into(),
        Verdict::Violated => "some VPN tunnels permit weak IPsec suites".into(),
        Verdict::Unknown => "could not check every VPN tunnel".into(),
    };
    CheckResult {
        id: ID,
        verdict,
        summary,
        findings,
    }
}
