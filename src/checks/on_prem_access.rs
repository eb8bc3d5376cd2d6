//! `on-prem-access`: each on-prem network reaches only what the policy allows.
//!
//! What it proves, its assumptions and how to fix a finding are in
//! [`META`], the one place they are written (the README, `--help`, SARIF
//! and `netverify checks` are rendered from it).

use std::collections::BTreeMap;

use super::{CheckId, CheckMeta};
use crate::engine::exposure::witness;
use crate::engine::{End, Engine, Flow, Origin, summarize_flows};
use crate::hs::HeaderSet;
use crate::model::{EniId, EniOwner, OnPremAccess, ResourceRef, Topology};
use crate::report::{CheckResult, Finding, FindingKind, Severity, Verdict};

pub const ID: &str = CheckId::OnPremAccess.as_str();

pub const META: CheckMeta = CheckMeta {
    check: CheckId::OnPremAccess,
    id: ID,
    summary: "each on-prem network listed in the policy reaches only the VPC resources and ports it allows",
    proves: r#"
For every on-prem network listed in `policy.on_prem_access`, every packet
from it that can be delivered to a VPC network interface (over any of its
VPN connections or virtual interfaces, along any path the on-prem routers
may take) is allowed by one of its `allow` entries: the interface, its
instance or its load balancer, on the listed ports.
"#,
    why: r#"
"On prem may reach the app on 443 only" is a common rule, and a transit
gateway route, a propagated VPC CIDR or a wide security group quietly
opens more.
"#,
    details: r#"
The policy states the rule per network:

```yaml
policy:
  on_prem_access:
    - network: dc1-k8s
      allow:
        - { resource: app-1, ports: [tcp/443] }
```

Networks the policy does not list are not constrained. Paths the engine
cannot follow make the verdict `unknown`.
"#,
    assumptions: "",
    example: r#"
The policy allows `dc1-k8s` to reach `app-1` on `tcp/443`; the database's
security group also admits `10.50.0.0/16`, and the TGW propagates the
database VPC: the database is reachable from on prem.
"#,
    findings: r#"
A finding names the interface reached beyond the policy, the protocols and
ports, and a witness packet with its path from the on-prem network.
"#,
    fix: r#"
Narrow the security group or NACL rule named in the witness, remove the
route or propagation, or add the access to `policy.on_prem_access`.
"#,
    rules: r#"
C-3.3–C-3.7, C-4.1–C-4.7, C-5.1–C-5.6, C-9.2–C-9.6, C-10.4, C-10.5,
C-12.2, C-12.3
"#,
};

/// The packets `access` allows its network to send to interface `e`.
pub fn allowed_set(topo: &Topology, access: &OnPremAccess, e: EniId) -> HeaderSet {
    let eni = &topo.enis[e];
    let mut allowed = HeaderSet::empty();
    for (r, ports, _) in &access.allow {
        let applies = match *r {
            ResourceRef::Eni(x) => x == e,
            ResourceRef::Instance(i) => eni.instance == Some(i),
            ResourceRef::LoadBalancer(l) => eni.owner == EniOwner::LoadBalancer(l),
            _ => false,
        };
        if !applies {
            continue;
        }
        if ports.is_empty() {
            allowed = HeaderSet::universe();
        }
        for p in ports {
            let c = HeaderSet::rule(p.proto, &p.port, None, None);
            allowed = allowed.union(&HeaderSet::universe().intersect(&c));
        }
    }
    allowed
}

pub fn run(engine: &Engine<'_>) -> CheckResult {
    let topo = engine.topo;
    let mut findings = Vec::new();
    findings.extend(super::gap_findings(topo, ID));
    for access in &topo.policy.on_prem_access {
        let net = &topo.hybrid.on_prem[access.network];
        let reach = engine.reach(Origin::OnPrem(access.network), &HeaderSet::universe());
        let mut per_eni: BTreeMap<usize, Vec<&Flow>> = BTreeMap::new();
        let mut unknown: BTreeMap<String, Vec<&Flow>> = BTreeMap::new();
        for f in &reach.flows {
            match &f.end {
                End::Delivered(e) => per_eni.entry(*e).or_default().push(f),
                End::Unknown(why) => unknown.entry(why.clone()).or_default().push(f),
                _ => {}
            }
        }
        for (e, flows) in &per_eni {
            let eni = &topo.enis[*e];
            let allowed = allowed_set(topo, access, *e);
            let mut delivered = HeaderSet::empty();
            for f in flows {
                delivered = delivered.union(&f.set);
            }
            let bad = delivered.subtract(&allowed);
            if bad.is_empty() {
                continue;
            }
            let w = witness(topo, flows, &bad, Some(*e)).map(|x| x.0);
            findings.push(Finding {
                kind: FindingKind::Violation,
                severity: Severity::Error,
                resource: eni.meta.name.clone(),
                aws_id: eni.meta.aws_id.clone(),
                message: format!(
                    "on-prem network `{}` reaches network interface `{}` beyond what the on_prem_access policy allows",
                    net.meta.name, eni.meta.name
                ),
                aws_ids: eni.meta.aws_id.iter().cloned().collect(),
                flows: summarize_flows(topo, &bad),
                location: w
                    .as_ref()
                    .and_then(|w| w.path.iter().rev().find_map(|h| h.location.clone())),
                witness: w,
            });
        }
        for (why, flows) in &unknown {
            let mut all = HeaderSet::empty();
            for f in flows {
                all = all.union(&f.set);
            }
            findings.push(Finding {
                kind: FindingKind::Unknown,
                severity: Severity::Warning,
                resource: net.meta.name.clone(),
                aws_id: None,
                message: format!(
                    "packets from on-prem network `{}` take a path that cannot be followed: {why}",
                    net.meta.name
                ),
                aws_ids: Vec::new(),
                flows: Vec::new(),
                witness: witness(topo, flows, &all, None).map(|x| x.0),
                location: crate::engine::explain::pos_location(topo, access.pos),
            });
        }
    }
    let verdict = super::verdict_of(&findings);
    let summary = match verdict {
        Verdict::Proven if topo.policy.on_prem_access.is_empty() => {
            "no on_prem_access policy".to_string()
        }
        Verdict::Proven => "on-prem networks reach only what the policy allows".into(),
        Verdict::Violated => "an on-prem network reaches more than the policy allows".into(),
        Verdict::Unknown => "could not decide everything on-prem networks reach".into(),
    };
    CheckResult {
        id: ID,
        verdict,
        summary,
        findings,
    }
}
