//! `public-exposure`: only the load balancers are reachable from the internet.
//!
//! What it proves, its assumptions and how to fix a finding are in
//! [`META`], the one place they are written (the README, `--help`, SARIF
//! and `netverify checks` are rendered from it).

mod buckets;

use std::collections::BTreeMap;

use super::{CheckId, CheckMeta};
use crate::engine::exposure::{Exposure, lb_leg_packets, lb_target, session_note, witness};
use crate::engine::{End, Engine, Flow, Origin, summarize_flows};
use crate::hs::{HeaderSet, SRC, nets_set};
use crate::model::{EniId, EniOwner, LbKind, ResourceRef, Topology};
use crate::report::{CheckResult, Finding, FindingKind, Severity, Verdict, Witness};

pub const ID: &str = CheckId::PublicExposure.as_str();

pub const META: CheckMeta = CheckMeta {
    check: CheckId::PublicExposure,
    id: ID,
    summary: "only internet-facing load balancers are reachable from the internet, and only on their listener ports",
    proves: r#"
Every network interface that some internet packet (any IPv4 source outside
RFC 1918 and RFC 6598, any global IPv6 source) can be delivered to belongs
to an internet-facing load balancer, and receives only packets on that load
balancer's listener ports, unless the topology's `policy.public_exposure`
allows more (or forbids a load balancer). Delivery is what counts (C-0.3
(a)): a broken return path does not make an interface safe. And no S3 bucket of the topology's `s3` section can be read or written by
anyone, unless `policy.public_exposure` allows that bucket (see "What
public means for a bucket" below).
"#,
    why: r#"
One forgotten public IP, an IPv6 `::/0` rule or a permissive NACL order is
enough to put a database or an SSH daemon on the internet.
"#,
    details: r#"
- Exposure means delivery: an instance with a public IP in a subnet whose
  default route goes to a NAT gateway is still exposed: the internet
  gateway translates and delivers inbound packets without consulting the
  subnet's route table (C-6.4). Whether a TCP session can also complete
  (C-0.3 (b)) is reported in the finding as extra information.
- Load balancer nodes accept only their listener protocol and port, whatever
  their security group allows (C-14.3).
- What each exposed load balancer forwards to, and whether the load balancer →
  target leg is open (security groups, NACLs, target ports, client IP
  preservation), is reported as information (`note`).

**Fails closed** (`unknown`) when a packet from the internet could take a
path the engine cannot follow: an internet gateway edge route table that
redirects inbound traffic to an appliance or a Gateway Load Balancer endpoint
(C-3.11), a security group rule whose prefix list has unknown entries, an
allowed-public appliance with source/destination check off (what it forwards
is not in the topology, C-2.5), delivery to a transit gateway attachment
interface, and any `gaps` recorded in the file. Inbound delivery never
consults the destination subnet's route table (C-6.4), so routes to transit
gateways, VPN gateways or peering connections in subnet tables do not affect
this verdict; they matter for the session note and for the other checks.

**Modelled paths beyond a VPC** (`docs/FORWARDING-MODEL.md`): VPC peering,
transit gateways (route tables, propagation, AZ rules, appliance mode,
peering), VPN gateways (including VPN CloudHub between their connections),
Site-to-Site VPN and Direct Connect to on-prem networks (private, transit
and public virtual interfaces), and packets from on-prem networks.
Internet-facing load balancers with IP targets outside their VPC are
followed through the node subnets' routes: a target on prem (reached from
the node subnets over a transit gateway, a VGW or Direct Connect) is a
violation (the internet reaches on prem, trap 22, C-14.3). What is not
followed (Connect attachments, IPv6 over VPN, on-prem sources sending to
AWS public space other than EIPs, routes learned on premises that the
topology does not state) is `unknown`. See *Hybrid connectivity* below for
security group references across VPCs.

Classic Load Balancers are modelled (C-14.5): listeners forward to the
registered instances on their instance ports from the nodes' own
addresses, a node's outbound traffic meets its subnet's ACL even inside
the subnet (C-4.9), and with cross-zone balancing off a node sends only to
instances of its zone; a cross-zone setting that is not known is
`unknown` where it decides.

**Not modelled yet** (later issues): Gateway Load Balancers and Network
Firewall.
"#,
    assumptions: r#"
For buckets: the owner account's IAM policies grant nothing to principals
outside the account (they cannot), and what S3 calls public is what
netverify calls public, with netverify's bound on broad `aws:SourceIp`
ranges (IPv4 shorter than `/8`, IPv6 shorter than `/32`). No Global Accelerator, CloudFront VPC origin, API Gateway VPC link or
PrivateLink service exposes an internal resource (C-14.2): a snapshot
cannot show them. Record such paths as `gaps` if they exist, and the
verdict becomes `unknown`.
"#,
    example: r#"
An app instance with `public_ip: 54.1.2.3` whose security group allows
`tcp 22 from 0.0.0.0/0`: the IGW translates to its private address and
delivers, whatever the subnet's route table says (C-6.4).
"#,
    findings: r#"
A finding names the exposed resource, the exact protocols, ports and
internet sources that reach it, and a witness packet with its hop-by-hop
path; each hop names the rule that admitted the packet, with its
`file:line`.
"#,
    fix: r#"
Remove the public IPv4 address (or the IPv6 address, or the IPv6 route to
the IGW), narrow the security group or NACL rule named in the witness, or
record the exposure as intended in `policy.public_exposure.allow`.
"#,
    rules: r#"
C-0.3, C-1.1–C-1.5, C-2.1–C-2.7, C-3.11, C-4.1–C-4.4, C-4.9, C-5.1–C-5.6,
C-6.1–C-6.4, C-6.9, C-6.10, C-7.1, C-14.1–C-14.6; trap 22
"#,
};

/// Who an exposed interface is reported as: its load balancer, or itself.
fn owner_resource(topo: &Topology, e: EniId) -> (String, Option<String>) {
    let eni = &topo.enis[e];
    match eni.owner {
        EniOwner::LoadBalancer(lb) => {
            let l = &topo.load_balancers[lb];
            (l.meta.name.clone(), l.meta.aws_id.clone())
        }
        _ => (eni.meta.name.clone(), eni.meta.aws_id.clone()),
    }
}

/// The internet packets the policy allows to reach interface `e`, in the
/// coordinates the attacker sends them (destination left free).
pub fn allowed_set(engine: &Engine<'_>, e: EniId) -> HeaderSet {
    let topo = engine.topo;
    let eni = &topo.enis[e];
    let lb = match eni.owner {
        EniOwner::LoadBalancer(lb) => Some(lb),
        _ => None,
    };
    let forbidden = lb.is_some_and(|l| topo.policy.exposure_forbid.iter().any(|(f, _)| *f == l));
    let mut allowed = HeaderSet::empty();
    let mut explicit_for_lb = false;
    for a in &topo.policy.exposure_allow {
        let applies = match a.resource {
            ResourceRef::Eni(x) => x == e,
            ResourceRef::Instance(i) => eni.instance == Some(i),
            ResourceRef::LoadBalancer(l) => lb == Some(l),
            _ => false,
        };
        if !applies {
            continue;
        }
        if lb.is_some() {
            explicit_for_lb = true;
        }
        let from = if a.from.is_empty() {
            None
        } else {
            Some(nets_set(a.from.iter()))
        };
        if a.ports.is_empty() {
            // No ports: a load balancer keeps its listeners; anything else is allowed entirely.
            let base = match lb {
                Some(l) => engine.listener_set(l),
                None => HeaderSet::universe(),
            };
            allowed = allowed.union(&match &from {
                Some(f) => base.restrict(SRC, f),
                None => base,
            });
        } else {
            for p in &a.ports {
                let c = HeaderSet::rule(p.proto, &p.port, from.as_ref(), None);
                allowed = allowed.union(&HeaderSet::universe().intersect(&c));
            }
        }
    }
    if let Some(l) = lb {
        let internet_facing = topo.load_balancers[l].internet_facing;
        if !explicit_for_lb && internet_facing && !forbidden {
            allowed = engine.listener_set(l);
        }
        if forbidden {
            allowed = HeaderSet::empty();
        }
    }
    allowed
}

fn primary_location(w: &Witness) -> Option<crate::report::Location> {
    // The rule that opened the path: the security group rule that admitted
    // the packet, else the first hop with a location.
    w.path
        .iter()
        .rev()
        .find(|h| h.rule.starts_with("ingress: allow"))
        .or_else(|| w.path.iter().find(|h| h.location.is_some()))
        .and_then(|h| h.location.clone())
}

fn aws_ids(topo: &Topology, e: Option<EniId>, w: Option<&Witness>) -> Vec<String> {
    let mut ids: Vec<String> = Vec::new();
    if let Some(e) = e {
        let eni = &topo.enis[e];
        ids.extend(eni.meta.aws_id.clone());
        if let Some(i) = eni.instance {
            ids.extend(topo.instances[i].meta.aws_id.clone());
        }
    }
    if let Some(w) = w {
        ids.extend(w.path.iter().filter_map(|h| h.aws_id.clone()));
    }
    let mut seen = std::collections::BTreeSet::new();
    ids.retain(|i| seen.insert(i.clone()));
    ids
}

fn flows_text(s: &[crate::report::FlowSummary]) -> String {
    s.iter()
        .map(|f| {
            let ports = if f.ports.is_empty() {
                String::new()
            } else {
                format!("/{}", f.ports.join(","))
            };
            format!("{}{} from {}", f.protocol, ports, f.sources.join(" and "))
        })
        .collect::<Vec<_>>()
        .join("; ")
}

/// What is exposed beyond the policy, per reported resource: its AWS id,
/// the interfaces, the packets, and the flows that carry them.
type Violation<'a> = (Option<String>, Vec<EniId>, HeaderSet, Vec<&'a Flow>);

/// The check: the network's exposure, then the buckets' (`buckets.rs`).
pub fn run(engine: &Engine<'_>) -> CheckResult {
    let mut r = run_network(engine);
    buckets::add(engine.topo, &mut r);
    r
}

fn run_network(engine: &Engine<'_>) -> CheckResult {
    let topo = engine.topo;
    let mut findings: Vec<Finding> = super::gap_findings(topo, ID);
    let exposure = Exposure::of(engine);
    let per_eni = exposure.delivered();
    let sorted = compare_with_policy(engine, &per_eni);
    findings.extend(sorted.forwarders);
    for (name, v) in &sorted.violations {
        findings.push(violation(engine, name, v));
    }
    for (why, flows) in &exposure.undecided() {
        findings.push(undecided(topo, why, flows));
    }
    findings.extend(lb_infos(engine, &per_eni));
    finish(topo, findings, &sorted.exposed_ok, &sorted.violations)
}

/// What the internet reaches, compared with the exposure policy.
struct Compared<'a> {
    /// What the policy allows and is reached, per reported resource.
    exposed_ok: BTreeMap<String, HeaderSet>,
    /// What is reached beyond the policy, per reported resource (a load
    /// balancer aggregates its nodes).
    violations: BTreeMap<String, Violation<'a>>,
    /// Allowed workloads whose source/destination check is off.
    forwarders: Vec<Finding>,
}

/// Splits what reaches each interface into what the policy allows and what
/// it does not, grouped by reported resource.
fn compare_with_policy<'a>(
    engine: &Engine<'_>,
    per_eni: &BTreeMap<EniId, Vec<&'a Flow>>,
) -> Compared<'a> {
    let topo = engine.topo;
    let mut out = Compared {
        exposed_ok: BTreeMap::new(),
        violations: BTreeMap::new(),
        forwarders: Vec::new(),
    };
    for (&e, flows) in per_eni {
        let mut delivered = HeaderSet::empty();
        for f in flows {
            delivered = delivered.union(&f.set);
        }
        let allowed = allowed_set(engine, e);
        let bad = delivered.subtract(&allowed);
        let good = delivered.intersect(&allowed);
        let (name, aws) = owner_resource(topo, e);
        if !good.is_empty() {
            let entry = out.exposed_ok.entry(name.clone()).or_default();
            *entry = entry.union(&good);
            let eni = &topo.enis[e];
            if !eni.source_dest_check && eni.owner == EniOwner::Workload {
                out.forwarders.push(Finding {
                    kind: FindingKind::Unknown,
                    severity: Severity::Warning,
                    resource: eni.meta.name.clone(),
                    aws_id: eni.meta.aws_id.clone(),
                    message: format!(
                        "`{}` is reachable from the internet as the policy allows, but its source/destination check is off: it may forward what it receives, which the topology does not describe (C-2.5)",
                        eni.meta.name
                    ),
                    aws_ids: aws_ids(topo, Some(e), None),
                    flows: summarize_flows(topo, &good),
                    witness: None,
                    location: crate::engine::explain::pos_location(topo, eni.meta.pos),
                });
            }
        }
        if !bad.is_empty() {
            let entry = out
                .violations
                .entry(name)
                .or_insert_with(|| (aws, Vec::new(), HeaderSet::empty(), Vec::new()));
            entry.1.push(e);
            entry.2 = entry.2.union(&bad);
            entry.3.extend(flows.iter().copied());
        }
    }
    out
}

/// The finding for a resource reached beyond the policy: a witness, the
/// flows and the exposed addresses.
fn violation(engine: &Engine<'_>, name: &str, v: &Violation<'_>) -> Finding {
    let topo = engine.topo;
    let (aws, enis, bad, flows) = v;
    let first = enis.first().copied();
    let w = witness(topo, flows, bad, first);
    let what = match first.map(|e| &topo.enis[e].owner) {
        Some(EniOwner::LoadBalancer(lb)) => {
            let l = &topo.load_balancers[*lb];
            format!("{} load balancer `{name}`", l.kind.word())
        }
        _ => match first.and_then(|e| topo.enis[e].instance) {
            Some(i) => format!(
                "network interface `{name}` of instance `{}`",
                topo.instances[i].meta.name
            ),
            None => format!("network interface `{name}`"),
        },
    };
    let mut message = format!(
        "{what} is reachable from the internet beyond what the policy allows: {}",
        flows_text(&summarize_flows(topo, bad))
    );
    if let (Some((_, p, i)), Some(e)) = (&w, first)
        && let Some(note) = session_note(engine, e, flows[*i], p)
    {
        message.push_str("; ");
        message.push_str(&note);
    }
    let witness = w.map(|(w, _, _)| w);
    let mut ids = aws_ids(topo, first, witness.as_ref());
    for &e in enis.iter().skip(1) {
        ids.extend(topo.enis[e].meta.aws_id.clone());
    }
    let mut summaries = summarize_flows(topo, bad);
    let addrs = exposed_addresses(topo, enis, bad);
    for s in &mut summaries {
        s.address = addrs.clone();
    }
    Finding {
        kind: FindingKind::Violation,
        severity: Severity::Error,
        resource: name.to_string(),
        aws_id: aws.clone(),
        message,
        aws_ids: ids,
        flows: summaries,
        location: witness.as_ref().and_then(primary_location),
        witness,
    }
}

/// The finding for internet packets whose fate cannot be decided, for one
/// reason.
fn undecided(topo: &Topology, why: &str, flows: &[&Flow]) -> Finding {
    let mut all = HeaderSet::empty();
    for f in flows {
        all = all.union(&f.set);
    }
    let w = witness(topo, flows, &all, None).map(|(w, _, _)| w);
    let resource = w
        .as_ref()
        .and_then(|w| w.path.last().map(|h| h.component.clone()))
        .unwrap_or_else(|| "topology".into());
    Finding {
        kind: FindingKind::Unknown,
        severity: Severity::Warning,
        resource,
        aws_id: w
            .as_ref()
            .and_then(|w| w.path.last().and_then(|h| h.aws_id.clone())),
        message: format!("cannot decide where some internet packets go: {why}"),
        aws_ids: aws_ids(topo, None, w.as_ref()),
        flows: summarize_flows(topo, &all),
        location: w
            .as_ref()
            .and_then(|w| w.path.iter().rev().find_map(|h| h.location.clone())),
        witness: w,
    }
}

/// The verdict and its summary: what is reachable as the policy allows, or
/// which resources are reachable beyond it.
fn finish(
    topo: &Topology,
    findings: Vec<Finding>,
    exposed_ok: &BTreeMap<String, HeaderSet>,
    violations: &BTreeMap<String, Violation<'_>>,
) -> CheckResult {
    let violated = findings.iter().any(|f| f.kind == FindingKind::Violation);
    let unknown = findings.iter().any(|f| f.kind == FindingKind::Unknown);
    let verdict = if violated {
        Verdict::Violated
    } else if unknown {
        Verdict::Unknown
    } else {
        Verdict::Proven
    };
    let analysed = topo.enis.len();
    let exposed_text = if exposed_ok.is_empty() {
        "no interface is reachable from the internet".to_string()
    } else {
        let parts: Vec<String> = exposed_ok
            .iter()
            .map(|(n, s)| format!("{n} ({})", flows_text(&summarize_flows(topo, s))))
            .collect();
        format!(
            "only {} {} reachable from the internet",
            parts.join(", "),
            if parts.len() == 1 { "is" } else { "are" }
        )
    };
    let summary = match verdict {
        Verdict::Proven => format!(
            "{analysed} ENI{} analysed; {exposed_text}",
            if analysed == 1 { "" } else { "s" }
        ),
        Verdict::Violated if violations.is_empty() => {
            "the internet reaches on prem through a load balancer (trap 22)".to_string()
        }
        Verdict::Violated => format!(
            "{} reachable from the internet beyond the policy: {}",
            if violations.len() == 1 {
                "1 resource is".to_string()
            } else {
                format!("{} resources are", violations.len())
            },
            violations
                .keys()
                .map(|k| k.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        ),
        Verdict::Unknown => format!(
            "could not prove that {exposed_text}: {} question{} could not be decided",
            findings
                .iter()
                .filter(|f| f.kind == FindingKind::Unknown)
                .count(),
            if findings
                .iter()
                .filter(|f| f.kind == FindingKind::Unknown)
                .count()
                == 1
            {
                ""
            } else {
                "s"
            }
        ),
    };
    CheckResult {
        id: ID,
        verdict,
        summary,
        findings,
    }
}

fn exposed_addresses(topo: &Topology, enis: &[EniId], bad: &HeaderSet) -> Option<String> {
    let out: Vec<String> = enis
        .iter()
        .flat_map(|&e| crate::engine::explain::destination_addresses(topo, e, bad))
        .collect();
    if out.is_empty() {
        None
    } else {
        Some(out.join(", "))
    }
}

/// Indirect exposure: what each exposed load balancer forwards to, and
/// whether the load balancer → target leg is open (information), and
/// targets outside AWS that the internet reaches through it (violations:
/// trap 22, C-14.3) or may reach (unknown).
fn lb_infos(engine: &Engine<'_>, per_eni: &BTreeMap<EniId, Vec<&Flow>>) -> Vec<Finding> {
    let topo = engine.topo;
    let mut lbs: Vec<usize> = per_eni
        .keys()
        .filter_map(|&e| match topo.enis[e].owner {
            EniOwner::LoadBalancer(lb) => Some(lb),
            _ => None,
        })
        .collect();
    lbs.sort_unstable();
    lbs.dedup();
    let mut out = Vec::new();
    for lb in lbs {
        let l = &topo.load_balancers[lb];
        // (target text, port, outcome) → listener ports, in listener order.
        let mut legs: Vec<((String, u16, String), Vec<u16>)> = Vec::new();
        let mut beyond: Vec<Finding> = Vec::new();
        for lis in &l.listeners {
            let Some(tg) = lis.target_group else { continue };
            let g = &topo.target_groups[tg];
            for t in &g.targets {
                let outcome = lb_leg(engine, lb, tg, t, &mut beyond);
                let key = (outcome.0, t.port, outcome.1);
                match legs.iter_mut().find(|(k, _)| *k == key) {
                    Some((_, ports)) => ports.push(lis.port),
                    None => legs.push((key, vec![lis.port])),
                }
            }
        }
        for ((target, port, outcome), listeners) in legs {
            let ls: Vec<String> = listeners.iter().map(u16::to_string).collect();
            out.push(info(
                topo,
                lb,
                format!(
                    "`{}` listener{} {} → {target} port {port}: {outcome}",
                    l.meta.name,
                    if ls.len() == 1 { "" } else { "s" },
                    ls.join(", ")
                ),
            ));
        }
        // One finding per message: several listeners may share a target.
        for f in beyond {
            if !out.iter().any(|o| o.message == f.message) {
                out.push(f);
            }
        }
    }
    out
}

fn lb_leg(
    engine: &Engine<'_>,
    lb: usize,
    tg: usize,
    t: &crate::model::Target,
    beyond: &mut Vec<Finding>,
) -> (String, String) {
    let topo = engine.topo;
    let l = &topo.load_balancers[lb];
    let g = &topo.target_groups[tg];
    let Some((addr, target_eni)) = lb_target(engine, lb, t) else {
        return (
            "a target without an IPv4 address".into(),
            "not checked".into(),
        );
    };
    // ALB, and NLB without client IP preservation: the node's own address;
    // NLB with preservation: the internet client (C-14.3, C-14.4).
    let preserve = l.kind == LbKind::Network && g.preserve_client_ip;
    let how = if preserve {
        "forwards internet traffic with the client's source address preserved"
    } else {
        "forwards internet traffic from the load balancer's own addresses"
    };
    let mut legs: Vec<(EniId, crate::engine::Reach)> = Vec::new();
    let clients = crate::engine::internet_source_set();
    // A node another zone's target depends on, when cross-zone balancing
    // is not known (C-14.5).
    let mut zone_unknown: Option<String> = None;
    let mut zone_off: Option<String> = None;
    for &node in &l.enis {
        let zone = crate::rules::lb_node_sends_to(topo, node, target_eni);
        if let crate::rules::ZoneSends::No(why) = zone {
            zone_off.get_or_insert(why);
            continue;
        }
        let set = lb_leg_packets(topo, (lb, tg), t, node, addr, &clients);
        let reach = engine.reach(Origin::Eni(node), &set);
        if let Some(x) = target_eni
            && !reach.delivered_to(x).is_empty()
        {
            if let crate::rules::ZoneSends::Unknown(why) = zone {
                zone_unknown.get_or_insert(why);
                continue;
            }
            return (format!("`{}` ({addr})", topo.enis[x].meta.name), how.into());
        }
        legs.push((node, reach));
    }
    if let Some(x) = target_eni {
        let outcome = match (zone_unknown, zone_off) {
            (Some(why), _) => format!("not known: {why}"),
            (None, Some(why)) => format!("blocked: {why}"),
            (None, None) => "blocked: the load balancer cannot deliver to this target (security groups, NACLs or routes)".into(),
        };
        return (format!("`{}` ({addr})", topo.enis[x].meta.name), outcome);
    }
    // Outside the load balancer's VPC (C-14.3, T-22).
    let mut outcomes: Vec<String> = Vec::new();
    for (node, reach) in &legs {
        for f in &reach.flows {
            let text = match &f.end {
                End::Delivered(x) => format!("delivered to `{}`", topo.enis[*x].meta.name),
                End::OnPrem(via) => {
                    let label = topo.hybrid.via_label(*via);
                    if let Some((w, _, _)) = witness(topo, &[f], &f.set, None) {
                        beyond.push(Finding {
                            kind: FindingKind::Violation,
                            severity: Severity::Error,
                            resource: l.meta.name.clone(),
                            aws_id: l.meta.aws_id.clone(),
                            message: format!(
                                "the internet reaches on prem: internet-facing load balancer `{}` forwards to IP target {addr} port {}, which leaves AWS over {label} (trap 22, C-14.3); fix: register only targets inside AWS, or make the load balancer internal",
                                l.meta.name, t.port
                            ),
                            aws_ids: aws_ids(topo, Some(*node), Some(&w)),
                            flows: summarize_flows(topo, &f.set),
                            location: primary_location(&w),
                            witness: Some(w),
                        });
                    }
                    format!("leaves AWS towards on prem over {label}")
                }
                End::Unknown(why) => {
                    beyond.push(Finding {
                        kind: FindingKind::Unknown,
                        severity: Severity::Warning,
                        resource: l.meta.name.clone(),
                        aws_id: l.meta.aws_id.clone(),
                        message: format!(
                            "cannot decide where internet-facing load balancer `{}` sends traffic for IP target {addr}: {why}",
                            l.meta.name
                        ),
                        aws_ids: l.meta.aws_id.iter().cloned().collect(),
                        flows: summarize_flows(topo, &f.set),
                        witness: None,
                        location: crate::engine::explain::pos_location(topo, l.meta.pos),
                    });
                    "not known".into()
                }
                End::Internet | End::Endpoint(_) => continue,
            };
            if !outcomes.contains(&text) {
                outcomes.push(text);
            }
        }
    }
    if outcomes.is_empty() {
        return (
            format!("{addr}"),
            "outside the load balancer's VPC, and nothing reaches it".into(),
        );
    }
    (
        format!("{addr}"),
        format!(
            "outside the load balancer's VPC; {how}: {}",
            outcomes.join(", ")
        ),
    )
}

fn info(topo: &Topology, lb: usize, message: String) -> Finding {
    let l = &topo.load_balancers[lb];
    Finding {
        kind: FindingKind::Info,
        severity: Severity::Note,
        resource: l.meta.name.clone(),
        aws_id: l.meta.aws_id.clone(),
        message,
        aws_ids: l.meta.aws_id.iter().cloned().collect(),
        flows: Vec::new(),
        witness: None,
        location: crate::engine::explain::pos_location(topo, l.meta.pos),
    }
}
