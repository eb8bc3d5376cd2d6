//! `why not SRC -> DST`: when the engine finds no path, one candidate
//! packet per pair of ends is traced along the path it should take, past
//! every blocker, and the most nearly complete trace is the answer, with
//! the blockers of its return path listed last.
//!
//! This module chooses the candidate packets (addresses, protocol and
//! port) and builds the answer; the walk itself is [`super::trace`].

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use super::endpoint::{Resolved, resolve};
use super::eval::{MAX_CANDIDATES, can, plain, ports_label, push_unique, reply_trace};
use super::lang::{EndpointExpr, PortSpec};
use super::trace::{self, Trace};
use crate::diag::Diagnostic;
use crate::engine::exposure::packet_view;
use crate::engine::{Engine, Origin};
use crate::hs::{IntervalSet, Packet, decode, is_v4_code};
use crate::model::{EniId, EniOwner, OnPremId, PortMatch, Proto, TCP, Topology, UDP};
use crate::report::answer::{Answer, AnswerKind, Blocker, PathView, Reply};

/// Where the candidate packet should end.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Goal {
    /// Delivery to this interface.
    Eni(EniId),
    /// Out to the internet.
    Internet,
    /// A service: a gateway endpoint of it, or its public addresses.
    Service(String),
    /// Addresses that no interface owns (other networks): wherever the
    /// route table sends them.
    Addresses,
    /// Out to this on-prem network, over one of its connections.
    OnPrem(OnPremId),
}

/// Where the packet starts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Start {
    Eni(EniId),
    Internet,
    OnPrem(OnPremId),
}

/// One end of a candidate packet: where it starts (or should end), its
/// label, and the IPv4 and IPv6 addresses to try.
struct End<T> {
    at: T,
    label: String,
    v4: Option<IpAddr>,
    v6: Option<IpAddr>,
}

/// The most nearly complete trace of the candidates.
struct Best {
    t: Trace,
    from: String,
    to: String,
    p: Packet,
    dst_owner: Option<EniId>,
}

/// `why not SRC -> DST`: the most nearly complete candidate path and every
/// component that blocks it.
pub fn why_not(
    engine: &Engine<'_>,
    query: &str,
    src_e: &EndpointExpr,
    dst_e: &EndpointExpr,
    ports: &[PortSpec],
) -> Result<Answer, Diagnostic> {
    let topo = engine.topo;
    let reach = can(engine, query, src_e, dst_e, ports, false)?;
    if reach.answer == Reply::Yes {
        let mut a = reach;
        a.kind = AnswerKind::WhyNot;
        a.summary = format!("{} — nothing blocks it", a.summary);
        return Ok(a);
    }
    let src = resolve(topo, &src_e.word)?;
    let dst = resolve(topo, &dst_e.word)?;
    let mut unknown = reach.unknown.clone();
    let starts = starts(topo, &src, &mut unknown);
    let goals = goals(topo, &dst, &mut unknown);
    let (best, tried) = best_candidate(topo, &starts, &goals, ports);
    let what = format!("{} → {}{}", src.label(), dst.label(), ports_label(ports));
    let Some(best) = best else {
        return Ok(no_candidate(query, &src, &dst, &what, unknown));
    };
    let back = return_blockers(topo, &best, &starts, &goals);
    let mut a = answer(topo, query, reach.answer, &what, best, back, unknown);
    if tried > 1 {
        a.notes.push(format!(
            "{tried} candidate packets traced; this one meets the fewest blockers"
        ));
    }
    Ok(a)
}

/// The candidate starts of the query's source, with their addresses.
fn starts(topo: &Topology, src: &Resolved, unknown: &mut Vec<String>) -> Vec<End<Start>> {
    let mut starts = Vec::new();
    for s in src.sources(topo) {
        match s.origin {
            Ok(Origin::Eni(e)) => {
                let pick = s.addrs.as_ref().and_then(first_addr);
                starts.push(End {
                    at: Start::Eni(e),
                    label: s.label,
                    v4: pick.filter(|a| a.is_ipv4()).or_else(|| v4_of(topo, e)),
                    v6: pick.filter(|a| a.is_ipv6()).or_else(|| v6_of(topo, e)),
                });
            }
            Ok(Origin::Internet) => {
                let pick = s.addrs.as_ref().and_then(first_addr);
                let (v4, v6) = internet_pair(
                    pick,
                    Ipv4Addr::new(203, 0, 113, 7),
                    Ipv6Addr::new(0x2001, 0xdb8, 0, 0, 0, 0, 0, 7),
                );
                starts.push(End {
                    at: Start::Internet,
                    label: "internet".into(),
                    v4,
                    v6,
                });
            }
            Ok(Origin::OnPrem(n)) => {
                let own = s.addrs.as_ref();
                starts.push(End {
                    at: Start::OnPrem(n),
                    label: plain(&s.label),
                    v4: own.and_then(|a| first_addr(&a.intersect(&crate::hs::all_v4()))),
                    v6: own.and_then(|a| first_addr(&a.intersect(&crate::hs::all_v6()))),
                });
            }
            Err(why) => push_unique(unknown, why),
        }
    }
    starts
}

/// The IPv4 and IPv6 addresses to try for an internet end: the one the
/// query names (of its family only), else a documentation address of each.
fn internet_pair(
    pick: Option<IpAddr>,
    v4: Ipv4Addr,
    v6: Ipv6Addr,
) -> (Option<IpAddr>, Option<IpAddr>) {
    match pick {
        Some(a) if a.is_ipv6() => (None, Some(a)),
        Some(a) => (Some(a), None),
        None => (Some(IpAddr::V4(v4)), Some(IpAddr::V6(v6))),
    }
}

/// The candidate goals of the query's destination, with their addresses.
fn goals(topo: &Topology, dst: &Resolved, unknown: &mut Vec<String>) -> Vec<End<Goal>> {
    let mut goals = Vec::new();
    match dst {
        Resolved::Enis { enis, addrs, .. } => {
            for &d in enis {
                let pick = addrs.as_ref().and_then(first_addr);
                goals.push(End {
                    at: Goal::Eni(d),
                    label: topo.enis[d].meta.name.clone(),
                    v4: pick.filter(|a| a.is_ipv4()).or_else(|| v4_of(topo, d)),
                    v6: pick.filter(|a| a.is_ipv6()).or_else(|| v6_of(topo, d)),
                });
            }
        }
        Resolved::Internet { addrs, .. } => {
            let pick = addrs.as_ref().and_then(first_addr);
            let (v4, v6) = internet_pair(
                pick,
                Ipv4Addr::new(198, 51, 100, 7),
                Ipv6Addr::new(0x2001, 0xdb8, 0, 0, 0, 0, 0, 8),
            );
            goals.push(End {
                at: Goal::Internet,
                label: "internet".into(),
                v4,
                v6,
            });
        }
        Resolved::Service { service, addrs, .. } => match addrs.as_ref().and_then(first_addr) {
            Some(a) => goals.push(End {
                at: Goal::Service(service.clone()),
                label: service.clone(),
                v4: a.is_ipv4().then_some(a),
                v6: a.is_ipv6().then_some(a),
            }),
            None => push_unique(
                unknown,
                format!(
                    "the topology lists no addresses (prefix list) for `{service}`, so no candidate packet can be built"
                ),
            ),
        },
        Resolved::OnPrem { addrs, label, net } => goals.push(End {
            at: Goal::OnPrem(*net),
            label: plain(label),
            v4: first_addr(&addrs.intersect(&crate::hs::all_v4())),
            v6: first_addr(&addrs.intersect(&crate::hs::all_v6())),
        }),
        Resolved::Addresses { addrs, label } => {
            let pick =
                first_addr(&addrs.intersect(&crate::hs::all_v4())).or_else(|| first_addr(addrs));
            goals.push(End {
                at: Goal::Addresses,
                label: plain(label),
                v4: pick.filter(|a| a.is_ipv4()),
                v6: pick.filter(|a| a.is_ipv6()),
            });
        }
        other => {
            if let Some(why) = other.unattributable() {
                push_unique(unknown, why);
            }
        }
    }
    goals
}

/// True when a packet from `start` towards `goal` is worth tracing: not to
/// itself, from the internet only to an interface, from on prem only to an
/// interface or to addresses.
fn traceable(start: &Start, goal: &Goal) -> bool {
    match (start, goal) {
        (Start::Eni(a), Goal::Eni(b)) => a != b,
        (Start::Internet, g) => matches!(g, Goal::Eni(_)),
        (Start::OnPrem(_), g) => matches!(g, Goal::Eni(_) | Goal::Addresses),
        (Start::Eni(_), _) => true,
    }
}

/// The protocol, port and ICMP type and code of the candidate packets: the
/// query's first port spec, else [`default_port`].
fn asked_ports(topo: &Topology, ports: &[PortSpec], goal: &Goal) -> (u8, u16, (u8, u8)) {
    let (proto, port) = match ports.first() {
        Some(PortSpec::Ports { proto, from, .. }) => (*proto, *from),
        Some(PortSpec::Icmp { proto, .. }) => (*proto, 0),
        Some(PortSpec::Proto(n)) => (*n, 0),
        Some(PortSpec::All) | None => default_port(topo, goal),
    };
    let icmp = match ports.first() {
        Some(PortSpec::Icmp {
            icmp_type, code, ..
        }) => (icmp_type.unwrap_or(8), code.unwrap_or(0)),
        _ => (8, 0),
    };
    (proto, port, icmp)
}

/// Traces one candidate packet per start, goal and address family (at most
/// [`MAX_CANDIDATES`]) and keeps the most nearly complete trace; with the
/// number traced.
fn best_candidate(
    topo: &Topology,
    starts: &[End<Start>],
    goals: &[End<Goal>],
    ports: &[PortSpec],
) -> (Option<Best>, usize) {
    let mut best: Option<Best> = None;
    let mut tried = 0;
    for start in starts {
        for goal in goals {
            if !traceable(&start.at, &goal.at) {
                continue;
            }
            let (proto, port, icmp) = asked_ports(topo, ports, &goal.at);
            for v4 in [true, false] {
                let (s, d) = if v4 {
                    (start.v4, goal.v4)
                } else {
                    (start.v6, goal.v6)
                };
                let d = match (&start.at, &goal.at) {
                    (Start::Internet, Goal::Eni(x)) => public_dst(topo, *x, v4),
                    _ => d,
                };
                let (Some(s), Some(d)) = (s, d) else {
                    continue;
                };
                // The protocol as asked: `icmp` over IPv6 is protocol 1
                // without ICMP fields, which the asked set holds too.
                let p = candidate(s, d, proto, port, icmp);
                let t = trace::trace(topo, start.at, goal.at.clone(), p);
                let dst_owner = match goal.at {
                    Goal::Eni(x) => Some(x),
                    _ => None,
                };
                if best.as_ref().is_none_or(|b| t.cost() < b.t.cost()) {
                    best = Some(Best {
                        t,
                        from: start.label.clone(),
                        to: goal.label.clone(),
                        p,
                        dst_owner,
                    });
                }
                tried += 1;
                if tried >= MAX_CANDIDATES {
                    return (best, tried);
                }
            }
        }
    }
    (best, tried)
}

/// The answer when no candidate packet could be built.
fn no_candidate(
    query: &str,
    src: &Resolved,
    dst: &Resolved,
    what: &str,
    mut unknown: Vec<String>,
) -> Answer {
    let outside = |r: &Resolved| matches!(r, Resolved::Internet { .. } | Resolved::OnPrem { .. });
    if outside(src) && outside(dst) {
        push_unique(
            &mut unknown,
            format!(
                "{} and {} are both outside AWS: a path between them that does not enter the topology is not modelled, and `why not` traces packets through the topology only",
                src.label(),
                dst.label()
            ),
        );
    }
    let mut a = Answer::new(
        query,
        AnswerKind::WhyNot,
        Reply::Unknown,
        format!("unknown: {what} — no candidate path can be traced"),
    );
    a.unknown = unknown;
    a
}

/// Past the blockers the reply must get back too: its blockers are listed
/// as well, so that one answer fixes the whole session. (Not after a NAT
/// gateway, whose translation the reply would undo.) A component already
/// listed (a peering not active) is fixed once.
fn return_blockers(
    topo: &Topology,
    best: &Best,
    starts: &[End<Start>],
    goals: &[End<Goal>],
) -> Vec<Blocker> {
    let t = &best.t;
    let natted = t
        .hops
        .iter()
        .any(|h| topo.nats.iter().any(|n| n.meta.name == h.hop.component));
    let start = starts
        .iter()
        .find(|x| x.label == best.from)
        .map_or(Start::Internet, |x| x.at);
    let goal = goals.iter().find(|g| g.label == best.to).map(|g| &g.at);
    if !t.complete || t.blockers.is_empty() || natted {
        return Vec::new();
    }
    let Some(r) = goal.and_then(|goal| reply_trace(topo, start, goal, best.p)) else {
        return Vec::new();
    };
    if !r.unknown.is_empty() {
        return Vec::new();
    }
    r.blockers
        .into_iter()
        .filter(|b| {
            !t.blockers
                .iter()
                .any(|f| f.component == b.component && f.rule == b.rule)
        })
        .collect()
}

/// The answer from the best trace and the blockers of its return path.
///
/// The engine's answer stands: a proven `no` stays `no` even when the
/// traced path, past its blockers, enters something not modelled (then
/// fixing the blockers may not be enough, which a note says). A `no`
/// without any blocker means the tracer and the engine disagree: unknown.
fn answer(
    topo: &Topology,
    query: &str,
    engine_says: Reply,
    what: &str,
    best: Best,
    back: Vec<Blocker>,
    mut unknown: Vec<String>,
) -> Answer {
    let Best {
        t,
        from,
        to,
        p,
        dst_owner,
    } = best;
    let n = t.blockers.len() + back.len();
    let mut beyond = Vec::new();
    let reply = match engine_says {
        Reply::No if n > 0 && unknown.is_empty() => {
            beyond = t.unknown.clone();
            Reply::No
        }
        _ => {
            for u in &t.unknown {
                push_unique(&mut unknown, u.clone());
            }
            Reply::Unknown
        }
    };
    let s_ = if n == 1 { "" } else { "s" };
    let summary = match (reply, engine_says) {
        (Reply::No, _) => format!(
            "no: {what} — {n} component{s_} block{} the most nearly complete path",
            if n == 1 { "s" } else { "" }
        ),
        (_, Reply::No) if unknown.is_empty() => format!(
            "unknown: {what} — the engine finds no path, yet the traced packet meets no blocker: the engine and the tracer disagree (please report this)"
        ),
        _ => format!(
            "unknown: {what} — part of the way is not modelled; {n} blocker{s_} found on the most nearly complete path"
        ),
    };
    if reply == Reply::Unknown && unknown.is_empty() {
        unknown.push("the engine and the why-not tracer disagree about this packet".into());
    }
    let mut a = Answer::new(query, AnswerKind::WhyNot, reply, summary);
    a.paths.push(PathView {
        from,
        to,
        packet: Some(packet_view(topo, &p, dst_owner)),
        hops: t.hops.clone(),
        outcome: if !t.unknown.is_empty() {
            "unknown".into()
        } else if t.blockers.is_empty() {
            "delivered".into()
        } else {
            "blocked".into()
        },
        carries: Vec::new(),
    });
    a.blockers = t.blockers;
    if !back.is_empty() {
        a.notes.push(format!(
            "the replies would be dropped too: {} blocker{} on the return path, listed last",
            back.len(),
            if back.len() == 1 { "" } else { "s" }
        ));
    }
    for mut b in back {
        b.rule = format!("return path: {}", b.rule);
        a.blockers.push(b);
    }
    a.unknown = unknown;
    for u in beyond {
        a.notes.push(format!(
            "past the blockers the path is not modelled, so fixing them may not be enough: {u}"
        ));
    }
    a
}

/// An address of `s` that reads well: past the network address when the
/// first range allows it.
fn first_addr(s: &IntervalSet) -> Option<IpAddr> {
    let v = s.sample_addr()?;
    Some(decode(v, is_v4_code(v)))
}

fn v4_of(topo: &Topology, e: EniId) -> Option<IpAddr> {
    topo.enis[e].private_ips.first().map(|p| IpAddr::V4(p.addr))
}

fn v6_of(topo: &Topology, e: EniId) -> Option<IpAddr> {
    topo.enis[e].ipv6_addresses.first().map(|a| IpAddr::V6(*a))
}

/// The address an internet packet aims at for interface `d`.
fn public_dst(topo: &Topology, d: EniId, v4: bool) -> Option<IpAddr> {
    if !v4 {
        return v6_of(topo, d);
    }
    let eni = &topo.enis[d];
    eni.private_ips
        .iter()
        .enumerate()
        .find_map(|(k, p)| p.public.map(|pb| IpAddr::V4(pb.addr(d, k))))
        .or_else(|| v4_of(topo, d))
}

/// A concrete candidate packet: `proto` and `port` (or ICMP type) between two addresses.
pub fn candidate(src: IpAddr, dst: IpAddr, proto: u8, port: u16, icmp: (u8, u8)) -> Packet {
    let mut p = Packet {
        src,
        dst,
        proto,
        sport: 0,
        dport: 0,
        icmp_type: 0,
        icmp_code: 0,
    };
    if p.has_ports() {
        p.sport = 40000;
        p.dport = port;
    } else if p.is_icmp() {
        p.icmp_type = icmp.0;
        p.icmp_code = icmp.1;
    }
    p
}

/// The protocol and port to try when the query names none: a load
/// balancer's first listener, else the first port the destination's
/// security groups open, else tcp/443.
pub fn default_port(topo: &Topology, goal: &Goal) -> (u8, u16) {
    if let Goal::Eni(d) = goal {
        let eni = &topo.enis[*d];
        if let EniOwner::LoadBalancer(lb) = eni.owner
            && let Some(l) = topo.load_balancers[lb].listeners.first()
            && let Some(&proto) = l.protocol.ip_protocols().first()
        {
            return (proto, l.port);
        }
        for &g in &eni.security_groups {
            for r in &topo.security_groups[g].ingress {
                if let Proto::Num(n) = r.proto
                    && (n == TCP || n == UDP)
                    && r.port != PortMatch::ALL
                {
                    return (n, r.port.ports.0);
                }
            }
        }
    }
    (TCP, 443)
}
