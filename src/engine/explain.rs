//! Turning flows into words: witness paths with the rule that decided each
//! hop, and flow summaries (protocols, ports, sources).

use std::net::IpAddr;

use ipnet::{IpNet, Ipv4Net, Ipv6Net};

use super::{Flow, RouteChoice, Step};
use crate::hs::{DPORT, HeaderSet, IntervalSet, PROTO, Packet, SRC, decode, proto_name};
use crate::model::{
    Direction, ICMP, ICMPV6, PortMatch, Pos, Proto, RouteDest, RouteTarget, SgPeer, TCP, Topology,
    UDP, is_auto_public_ip,
};
use crate::report::{FlowSummary, Hop, Location};
use crate::rules::{nacl_first_match, sg_deciding_rule};

fn loc(topo: &Topology, pos: Pos) -> Option<Location> {
    if pos.site > 0 {
        let site = topo.sites.get(pos.site as usize - 1)?;
        return Some(site_location(site));
    }
    if pos.is_unknown() {
        None
    } else {
        Some(Location {
            file: topo.file.clone(),
            line: pos.line,
            column: pos.column,
            ..Location::default()
        })
    }
}

/// A place in another source (a `.tf` line), with the module calls that
/// lead to it.
fn site_location(site: &crate::diag::Site) -> Location {
    Location {
        file: site.file.clone(),
        line: site.line,
        column: site.column,
        text: Some(site.text.clone()),
        module_calls: site.calls.iter().map(site_location).collect(),
    }
}

/// `tcp 443`, `udp 1024-65535`, `icmp 8/0`, `all`.
pub fn describe_match(proto: Proto, port: &PortMatch) -> String {
    match proto {
        Proto::All => "all traffic".into(),
        Proto::Num(n) if n == TCP || n == UDP => {
            let name = proto_name(n);
            match port.ports {
                (0, 65535) => format!("{name} all ports"),
                (a, b) if a == b => format!("{name} {a}"),
                (a, b) => format!("{name} {a}-{b}"),
            }
        }
        Proto::Num(n) if n == ICMP || n == ICMPV6 => {
            let name = proto_name(n);
            match (port.icmp_type, port.icmp_code) {
                (None, _) => format!("{name} all types"),
                (Some(t), None) => format!("{name} type {t}"),
                (Some(t), Some(c)) => format!("{name} type {t} code {c}"),
            }
        }
        Proto::Num(n) => format!("protocol {n}"),
    }
}

pub fn nacl_hop(topo: &Topology, subnet: usize, dir: Direction, p: &Packet) -> Hop {
    let s = &topo.subnets[subnet];
    let n = &topo.nacls[s.nacl];
    let rule = nacl_first_match(topo, s.nacl, dir, p);
    let bound = match dir {
        Direction::Ingress => "inbound",
        Direction::Egress => "outbound",
    };
    let (text, location) = match rule {
        Some(r) => (
            format!(
                "{bound} rule {}: {} {} {} {}{}",
                r.number,
                if r.allow { "allow" } else { "deny" },
                describe_match(r.proto, &r.port),
                dir.preposition(),
                r.cidr,
                if n.synthesized {
                    " (AWS default NACL)"
                } else {
                    ""
                }
            ),
            loc(topo, r.pos),
        ),
        None => (
            format!("{bound}: no rule matches (implicit deny)"),
            loc(topo, n.meta.pos),
        ),
    };
    Hop {
        component: n.meta.name.clone(),
        aws_id: n.meta.aws_id.clone(),
        rule: format!("{text} (subnet {})", s.meta.name),
        location,
    }
}

pub fn sg_hop(topo: &Topology, eni: usize, dir: Direction, p: &Packet) -> Hop {
    let e = &topo.enis[eni];
    if let Some((sg, r)) = sg_deciding_rule(topo, eni, dir, p) {
        let g = &topo.security_groups[sg];
        let peer = match &r.peer {
            SgPeer::Cidr(n) => n.to_string(),
            SgPeer::PrefixList(pl) => format!("prefix list {}", topo.prefix_lists[*pl].meta.name),
            SgPeer::SecurityGroup(s) => {
                format!("members of {}", topo.security_groups[*s].meta.name)
            }
        };
        return Hop {
            component: g.meta.name.clone(),
            aws_id: g.meta.aws_id.clone(),
            rule: format!(
                "{}: allow {} {} {} (on {})",
                dir.name(),
                describe_match(r.proto, &r.port),
                dir.preposition(),
                peer,
                e.meta.name
            ),
            location: loc(topo, r.pos),
        };
    }
    Hop {
        component: e.meta.name.clone(),
        aws_id: e.meta.aws_id.clone(),
        rule: format!("{}: no security group rule matches", dir.name()),
        location: loc(topo, e.meta.pos),
    }
}

pub fn route_hop(topo: &Topology, table: usize, choice: &RouteChoice, edge: bool) -> Hop {
    let t = &topo.route_tables[table];
    let kind = if edge { "edge route" } else { "route" };
    let (rule, pos) = match choice {
        RouteChoice::Local(net) => (format!("local route {net}"), t.meta.pos),
        RouteChoice::Route { index, entry } => {
            let r = &t.routes[*index];
            let dest = match (&r.dest, entry) {
                (RouteDest::Cidr(n), _) => n.to_string(),
                (RouteDest::PrefixList(pl), Some(e)) => {
                    format!("{} (entry {e})", topo.prefix_lists[*pl].meta.name)
                }
                (RouteDest::PrefixList(pl), None) => topo.prefix_lists[*pl].meta.name.clone(),
            };
            let target = if r.blackhole {
                "blackhole".to_string()
            } else {
                target_name(topo, &r.target)
            };
            (format!("{kind} {dest} → {target}"), r.pos)
        }
        RouteChoice::Propagated { vgw, prefix } => (
            format!(
                "{kind} {prefix} → {} (propagated, C-10.1)",
                topo.hybrid.vgws[*vgw].meta.name
            ),
            t.meta.pos,
        ),
        RouteChoice::NoRoute => ("no route matches".into(), t.meta.pos),
        RouteChoice::Ambiguous(w) => (w.clone(), t.meta.pos),
    };
    Hop {
        component: t.meta.name.clone(),
        aws_id: t.meta.aws_id.clone(),
        rule,
        location: loc(topo, pos),
    }
}

pub fn target_name(topo: &Topology, t: &RouteTarget) -> String {
    match t {
        RouteTarget::Local => "local".into(),
        RouteTarget::Blackhole => "blackhole".into(),
        RouteTarget::Igw(i) => topo.igws[*i].meta.name.clone(),
        RouteTarget::Eigw(i) => topo.eigws[*i].meta.name.clone(),
        RouteTarget::Nat(i) => topo.nats[*i].meta.name.clone(),
        RouteTarget::Peering(i) => topo.peerings[*i].meta.name.clone(),
        RouteTarget::GatewayEndpoint(i) => topo.endpoints[*i].meta.name.clone(),
        RouteTarget::Eni(i) => topo.enis[*i].meta.name.clone(),
        RouteTarget::Other(i) => topo.others[*i].name.clone(),
    }
}

/// An address for people: stand-ins for auto-assigned public IPs are named.
pub fn show_addr(topo: &Topology, a: IpAddr, owner: Option<usize>) -> String {
    match a {
        IpAddr::V4(v) if is_auto_public_ip(v) => match owner {
            Some(e) => format!("<auto-assigned public IPv4 of {}>", topo.enis[e].meta.name),
            None => "<auto-assigned public IPv4>".into(),
        },
        _ => a.to_string(),
    }
}

/// A hop at a resource, located at its definition.
pub fn meta_hop(topo: &Topology, meta: &crate::model::Meta, rule: String) -> Hop {
    Hop {
        component: meta.name.clone(),
        aws_id: meta.aws_id.clone(),
        rule,
        location: loc(topo, meta.pos),
    }
}

/// The hop for one filter step (NACL or security group) and a concrete
/// packet: the rule that decides it, allow or deny, with its location.
/// Other steps give `None`.
pub fn filter_hop(topo: &Topology, step: &Step, p: &Packet) -> Option<Hop> {
    Some(match step {
        Step::NaclOut { subnet } => nacl_hop(topo, *subnet, Direction::Egress, p),
        Step::NaclIn { subnet } => nacl_hop(topo, *subnet, Direction::Ingress, p),
        Step::SgOut { eni } => sg_hop(topo, *eni, Direction::Egress, p),
        Step::SgIn { eni } => sg_hop(topo, *eni, Direction::Ingress, p),
        _ => return None,
    })
}

/// The hop-by-hop path of one concrete packet of `flow` (which must contain it).
pub fn explain(topo: &Topology, flow: &Flow, packet: &Packet) -> Vec<Hop> {
    let mut p = *packet;
    let mut hops = Vec::new();
    for s in &flow.path {
        match s {
            Step::IgwIn {
                igw,
                private,
                public,
            } => {
                let g = &topo.igws[*igw];
                let rule = match (private, public) {
                    (Some(pr), Some(pb)) => {
                        p.dst = *pr;
                        let owner = topo
                            .enis
                            .iter()
                            .position(|e| e.private_ips.iter().any(|x| IpAddr::V4(x.addr) == *pr));
                        format!(
                            "inbound: public {} → private {} (one-to-one NAT, C-6.1)",
                            show_addr(topo, *pb, owner),
                            pr
                        )
                    }
                    _ => format!("inbound IPv6 to {} (no translation, C-6.2)", p.dst),
                };
                hops.push(meta_hop(topo, &g.meta, rule));
            }
            Step::IgwOut { igw } => {
                let g = &topo.igws[*igw];
                hops.push(meta_hop(
                    topo,
                    &g.meta,
                    format!("outbound to the internet from {}", p.src),
                ));
            }
            Step::EigwOut { eigw } => {
                let g = &topo.eigws[*eigw];
                hops.push(meta_hop(
                    topo,
                    &g.meta,
                    "outbound IPv6 to the internet (egress-only)".into(),
                ));
            }
            Step::NaclOut { subnet } => hops.push(nacl_hop(topo, *subnet, Direction::Egress, &p)),
            Step::NaclIn { subnet } => hops.push(nacl_hop(topo, *subnet, Direction::Ingress, &p)),
            Step::SgOut { eni } => hops.push(sg_hop(topo, *eni, Direction::Egress, &p)),
            Step::SgIn { eni } => hops.push(sg_hop(topo, *eni, Direction::Ingress, &p)),
            Step::Route { table, choice } => hops.push(route_hop(topo, *table, choice, false)),
            Step::EdgeRoute { table, choice } => hops.push(route_hop(topo, *table, choice, true)),
            Step::Nat { nat } => {
                let n = &topo.nats[*nat];
                if let Some(ip) = topo.enis[n.eni].private_ips.first() {
                    p.src = IpAddr::V4(ip.addr);
                    if p.has_ports() {
                        p.sport = 1024;
                    }
                }
                hops.push(meta_hop(
                    topo,
                    &n.meta,
                    format!("source NAT to {} (C-7.1)", p.src),
                ));
            }
            Step::Listener { eni } => {
                let e = &topo.enis[*eni];
                if let crate::model::EniOwner::LoadBalancer(lb) = e.owner {
                    let l = &topo.load_balancers[lb];
                    if let Some(x) = crate::rules::listener_for(topo, lb, &p) {
                        hops.push(Hop {
                            component: l.meta.name.clone(),
                            aws_id: l.meta.aws_id.clone(),
                            rule: format!("listener {:?} {}", x.protocol, x.port)
                                .to_uppercase()
                                .replacen("LISTENER", "listener", 1),
                            location: loc(topo, x.pos),
                        });
                    }
                }
            }
            Step::Deliver { eni } => {
                let e = &topo.enis[*eni];
                hops.push(meta_hop(topo, &e.meta, format!("delivered to {}", p.dst)));
            }
            Step::EndpointOut { endpoint } => {
                let ep = &topo.endpoints[*endpoint];
                hops.push(meta_hop(
                    topo,
                    &ep.meta,
                    format!("to {} through the gateway endpoint", ep.service),
                ));
            }
            other => hops.push(hybrid_hop(topo, other)),
        }
    }
    hops
}

/// Summarises a header set exactly as protocol / ports / sources lines:
/// within each protocol, ports that are reachable from the same sources are
/// grouped, so every line is a true statement about every packet it names.
pub fn summarize_flows(topo: &Topology, set: &HeaderSet) -> Vec<FlowSummary> {
    summary_parts(set)
        .into_iter()
        .map(|p| p.with_sources(cidr_texts(topo, &p.sources)))
        .collect()
}

/// One line of a summary, with its sources still a set.
#[derive(Debug, Clone)]
struct Part {
    protocol: String,
    ports: Vec<String>,
    sources: IntervalSet,
}

impl Part {
    fn with_sources(&self, sources: Vec<String>) -> FlowSummary {
        FlowSummary {
            protocol: self.protocol.clone(),
            ports: self.ports.clone(),
            sources,
            address: None,
        }
    }
}

/// The lines of [`summarize_flows`]. They depend only on the protocols,
/// destination ports and sources of `set`, and on the sources' families.
fn summary_parts(set: &HeaderSet) -> Vec<Part> {
    let mut out: Vec<Part> = Vec::new();
    let named = [TCP, UDP, ICMP, ICMPV6];
    let mut other = IntervalSet::range(0, 255);
    for &p in &named {
        other = other.subtract(&IntervalSet::point(u128::from(p)));
    }
    // The protocols present: a protocol no cube holds has nothing to say.
    let present = set.project(PROTO);
    for &p in &named {
        if !present.contains(u128::from(p)) {
            continue;
        }
        let mut s = set.restrict(PROTO, &IntervalSet::point(u128::from(p)));
        // ICMP has types only in its own family (protocol 1 with IPv4, 58 with IPv6).
        if p == ICMP {
            s = s.restrict(SRC, &crate::hs::all_v4());
        } else if p == ICMPV6 {
            s = s.restrict(SRC, &crate::hs::all_v6());
        }
        for (ports, sources) in split_by(&s, DPORT) {
            let ports = if p == ICMP || p == ICMPV6 {
                icmp_texts(&ports)
            } else {
                port_texts(&ports)
            };
            out.push(Part {
                protocol: proto_name(p),
                ports,
                sources,
            });
        }
    }
    if !present.intersects(&other)
        && !present.contains(u128::from(ICMP))
        && !present.contains(u128::from(ICMPV6))
    {
        return out;
    }
    let mut s = set.restrict(PROTO, &other);
    s.append(
        set.restrict(PROTO, &IntervalSet::point(u128::from(ICMP)))
            .restrict(SRC, &crate::hs::all_v6()),
    );
    s.append(
        set.restrict(PROTO, &IntervalSet::point(u128::from(ICMPV6)))
            .restrict(SRC, &crate::hs::all_v4()),
    );
    for (protos, sources) in split_by(&s, PROTO) {
        let label = if protos == other {
            "all other protocols".to_string()
        } else {
            ranges_text(&protos, "protocols ")
        };
        out.push(Part {
            protocol: label,
            ports: Vec::new(),
            sources,
        });
    }
    out
}

/// The stand-in sources of [`summarize_many`]'s shapes: one address per
/// family (`0.0.0.0` and `::`).
fn stand_in_v4() -> u128 {
    crate::hs::encode(IpAddr::V4(std::net::Ipv4Addr::UNSPECIFIED))
}
const STAND_IN_V6: u128 = 0;

/// The summaries of many sets at once (`what`'s destinations): exactly
/// [`summarize_flows`] of each set, worked out on every core.
///
/// A summary depends only on the protocols, destination ports and sources
/// (with their families) of a set ([`summary_parts`]). When every cube of a
/// set has the same sources `X`, the set is summarised through its *shape*:
/// `X`'s IPv4 part replaced by the stand-in `0.0.0.0` and its IPv6 part by
/// `::`, the other fields kept but destinations and source ports made
/// whole. Every step of a summary treats sources by union, intersection
/// with a family, emptiness and equality, which this replacement preserves
/// (it is one-to-one on the sets the two parts generate), so the shape's
/// lines with the stand-ins mapped back are the set's own lines.
/// Destinations of one query often share a shape (the same ports open to
/// the same peer), and each shape is summarised once.
pub fn summarize_many(topo: &Topology, sets: &[HeaderSet]) -> Vec<Vec<FlowSummary>> {
    use rayon::prelude::*;
    use std::collections::HashMap;
    let shaped: Vec<Option<Shape>> = sets.par_iter().map(shape_of).collect();
    // The distinct jobs: each shape once, and each set without one.
    let mut jobs: Vec<HeaderSet> = Vec::new();
    let mut shape_job: HashMap<&[crate::hs::Cube], usize> = HashMap::new();
    let mut job_of: Vec<usize> = Vec::with_capacity(sets.len());
    for (set, shape) in sets.iter().zip(&shaped) {
        let job = match shape {
            Some(sh) => *shape_job.entry(sh.cubes.as_slice()).or_insert_with(|| {
                jobs.push(HeaderSet::from_cubes(sh.cubes.clone()));
                jobs.len() - 1
            }),
            None => {
                jobs.push(set.coalesce());
                jobs.len() - 1
            }
        };
        job_of.push(job);
    }
    let done: Vec<Vec<Part>> = jobs.par_iter().map(summary_parts).collect();
    shaped
        .par_iter()
        .zip(job_of.par_iter())
        .map(|(shape, &job)| {
            let parts = &done[job];
            let Some(sh) = shape else {
                return parts
                    .iter()
                    .map(|p| p.with_sources(cidr_texts(topo, &p.sources)))
                    .collect();
            };
            // The texts of the (at most three) source sets a shape's lines
            // can have, each worked out once.
            let mut texts: Vec<(IntervalSet, Vec<String>)> = Vec::new();
            parts
                .iter()
                .map(|p| {
                    let real = sh.real(&p.sources);
                    let t = match texts.iter().find(|(s, _)| *s == real) {
                        Some((_, t)) => t.clone(),
                        None => {
                            let t = cidr_texts(topo, &real);
                            texts.push((real, t.clone()));
                            t
                        }
                    };
                    p.with_sources(t)
                })
                .collect()
        })
        .collect()
}

/// A set whose cubes all have the same sources, as its shape (see
/// [`summarize_many`]) and the real sources of each family.
struct Shape {
    cubes: Vec<crate::hs::Cube>,
    v4: IntervalSet,
    v6: IntervalSet,
}

impl Shape {
    /// The real sources that stand-in sources `s` stand for.
    fn real(&self, s: &IntervalSet) -> IntervalSet {
        let mut out = IntervalSet::empty();
        if s.contains(stand_in_v4()) {
            out = out.union(&self.v4);
        }
        if s.contains(STAND_IN_V6) {
            out = out.union(&self.v6);
        }
        out
    }
}

fn shape_of(set: &HeaderSet) -> Option<Shape> {
    let first = set.cubes().first()?;
    let sources = &first.dims[SRC];
    if set.cubes().iter().any(|c| c.dims[SRC] != *sources) {
        return None;
    }
    let v4 = sources.intersect(&crate::hs::all_v4());
    let v6 = sources.subtract(&crate::hs::all_v4());
    let mut stand_in = Vec::new();
    if !v4.is_empty() {
        stand_in.push((stand_in_v4(), stand_in_v4()));
    }
    if !v6.is_empty() {
        stand_in.push((STAND_IN_V6, STAND_IN_V6));
    }
    let stand_in = IntervalSet::from_ranges(stand_in);
    let whole = IntervalSet::range(0, u128::MAX);
    let cubes: Vec<crate::hs::Cube> = set
        .cubes()
        .iter()
        .map(|c| {
            let mut c = c.clone();
            c.dims[SRC] = stand_in.clone();
            c.dims[crate::hs::DST] = whole.clone();
            c.dims[crate::hs::SPORT] = whole.clone();
            c
        })
        .collect();
    let mut cubes = HeaderSet::from_cubes(cubes)
        .into_coalesced()
        .cubes()
        .to_vec();
    // Equal shapes found in another order are one job.
    cubes.sort_by(|a, b| {
        a.dims
            .iter()
            .map(IntervalSet::runs)
            .cmp(b.dims.iter().map(IntervalSet::runs))
    });
    cubes.dedup();
    Some(Shape { cubes, v4, v6 })
}

/// Partitions the values of `dim` into groups that share exactly the same
/// set of sources: `(values, sources)` pairs, in order of first value.
fn split_by(set: &HeaderSet, dim: usize) -> Vec<(IntervalSet, IntervalSet)> {
    let mut bounds: Vec<u128> = Vec::new();
    for c in set.cubes() {
        for &(a, b) in c.dims[dim].runs() {
            bounds.push(a);
            if let Some(n) = b.checked_add(1) {
                bounds.push(n);
            }
        }
    }
    bounds.sort_unstable();
    bounds.dedup();
    let mut groups: Vec<(Vec<(u128, u128)>, IntervalSet)> = Vec::new();
    for (i, &lo) in bounds.iter().enumerate() {
        let hi = bounds.get(i + 1).map_or(u128::MAX, |n| n - 1);
        let mut sources = IntervalSet::empty();
        for c in set.cubes() {
            if c.dims[dim].contains(lo) {
                sources = sources.union(&c.dims[SRC]);
            }
        }
        if sources.is_empty() {
            continue;
        }
        match groups.iter_mut().find(|(_, s)| *s == sources) {
            Some((vals, _)) => vals.push((lo, hi)),
            None => groups.push((vec![(lo, hi)], sources)),
        }
    }
    groups
        .into_iter()
        .map(|(v, s)| (IntervalSet::from_ranges(v), s))
        .collect()
}

fn ranges_text(s: &IntervalSet, prefix: &str) -> String {
    let parts: Vec<String> = s
        .runs()
        .iter()
        .map(|&(a, b)| {
            if a == b {
                a.to_string()
            } else {
                format!("{a}-{b}")
            }
        })
        .collect();
    format!("{prefix}{}", parts.join(", "))
}

fn port_texts(s: &IntervalSet) -> Vec<String> {
    if s.runs() == [(0, 65535)] {
        return vec!["all".into()];
    }
    s.runs()
        .iter()
        .map(|&(a, b)| {
            if a == b {
                a.to_string()
            } else {
                format!("{a}-{b}")
            }
        })
        .collect()
}

fn icmp_texts(s: &IntervalSet) -> Vec<String> {
    if s.runs() == [(0, 0xffff)] {
        return vec!["all types".into()];
    }
    s.runs()
        .iter()
        .map(|&(a, b)| {
            if a == b {
                format!("type {} code {}", a >> 8, a & 0xff)
            } else if a & 0xff == 0 && b & 0xff == 0xff && a >> 8 == b >> 8 {
                format!("type {}", a >> 8)
            } else {
                format!("types {}-{}", a >> 8, b >> 8)
            }
        })
        .collect()
}

/// Source addresses as CIDRs; the whole internet is shown as `0.0.0.0/0` /
/// `::/0` (meaning every internet source of that family).
pub fn cidr_texts(topo: &Topology, s: &IntervalSet) -> Vec<String> {
    // The IGW drops sources inside the VPC's own CIDRs (C-6.3), so "every
    // internet source" is the internet less every VPC range. It is worked
    // out only when needed: a set too small to hold it cannot cover it.
    let own_nets = |is_v4: bool| -> Vec<IpNet> {
        let mut own: Vec<IpNet> = Vec::new();
        for v in &topo.vpcs {
            if is_v4 {
                own.extend(v.cidrs.iter().map(|c| IpNet::V4(*c)));
            } else {
                own.extend(v.ipv6_cidrs.iter().map(|c| IpNet::V6(*c)));
            }
        }
        own
    };
    let block =
        |max: u8, len: u8| -> u128 { 1u128.checked_shl(u32::from(max - len)).unwrap_or(u128::MAX) };
    // An upper bound of the addresses of the VPCs' CIDRs, without
    // collecting them.
    let own_size = |is_v4: bool| -> u128 {
        topo.vpcs.iter().fold(0u128, |n, v| {
            if is_v4 {
                v.cidrs
                    .iter()
                    .fold(n, |n, c| n.saturating_add(block(32, c.prefix_len())))
            } else {
                v.ipv6_cidrs
                    .iter()
                    .fold(n, |n, c| n.saturating_add(block(128, c.prefix_len())))
            }
        })
    };
    let size = |runs: &[(u128, u128)]| -> u128 {
        runs.iter().fold(0u128, |n, &(a, b)| {
            n.saturating_add((b - a).saturating_add(1))
        })
    };
    let v4 = s.intersect(&crate::hs::all_v4());
    let v6 = s.subtract(&crate::hs::all_v4());
    let mut out = Vec::new();
    for (part, is_v4) in [(v4, true), (v6, false)] {
        if part.is_empty() {
            continue;
        }
        let all_inet = if is_v4 { internet_v4() } else { internet_v6() };
        let fam_inet = || all_inet.subtract(&crate::hs::nets_set(own_nets(is_v4).iter()));
        let could_cover =
            size(part.runs()).saturating_add(own_size(is_v4)) >= size(all_inet.runs());
        if could_cover && fam_inet().is_subset(&part) {
            out.push(if is_v4 {
                "0.0.0.0/0".into()
            } else {
                "::/0".into()
            });
            continue;
        }
        let mut nets: Vec<IpNet> = Vec::new();
        for &(a, b) in part.runs() {
            nets.extend(range_to_cidrs(a, b, is_v4));
        }
        // "Everything but a few ranges" reads better as an exception list
        // (worked out only when the plain list is long).
        let mut holes: Vec<IpNet> = Vec::new();
        if nets.len() > 4 {
            let missing = fam_inet().subtract(&part);
            for &(a, b) in missing.runs().iter().take(5) {
                holes.extend(range_to_cidrs(a, b, is_v4));
            }
        }
        if nets.len() > 4 && holes.len() <= 4 {
            let any = if is_v4 { "0.0.0.0/0" } else { "::/0" };
            let holes: Vec<String> = holes.iter().map(ToString::to_string).collect();
            out.push(format!("{any} except {}", holes.join(", ")));
            continue;
        }
        // Long lists show their first 8 networks and a count of the rest.
        let n = nets.len();
        out.extend(
            nets.iter()
                .take(if n > 8 { 8 } else { n })
                .map(ToString::to_string),
        );
        if n > 8 {
            out.push(format!("… ({} more)", n - 8));
        }
    }
    out
}

/// Every internet source address of one family (see
/// [`super::internet_source_set`]), worked out once.
fn internet_v4() -> &'static IntervalSet {
    static SET: std::sync::LazyLock<IntervalSet> =
        std::sync::LazyLock::new(|| super::internet_source_set().intersect(&crate::hs::all_v4()));
    &SET
}

fn internet_v6() -> &'static IntervalSet {
    static SET: std::sync::LazyLock<IntervalSet> =
        std::sync::LazyLock::new(|| super::internet_source_set().intersect(&crate::hs::all_v6()));
    &SET
}

/// The range `a..=b` as the fewest CIDR blocks, in order (at most 65).
fn range_to_cidrs(a: u128, b: u128, v4: bool) -> Vec<IpNet> {
    let base = if v4 {
        crate::hs::encode(IpAddr::V4(std::net::Ipv4Addr::UNSPECIFIED))
    } else {
        0
    };
    let bits: u32 = if v4 { 32 } else { 128 };
    let (mut lo, hi) = (a - base, b - base);
    let mut out = Vec::new();
    loop {
        // The largest aligned block starting at `lo` that stays inside the range.
        let mut k = lo.trailing_zeros().min(bits);
        while k > 0 && (k >= 128 || lo.checked_add((1u128 << k) - 1).is_none_or(|end| end > hi)) {
            k -= 1;
        }
        let ip = decode(base + lo, v4);
        let len = (bits - k) as u8;
        let net = match ip {
            IpAddr::V4(x) => Ipv4Net::new(x, len).ok().map(IpNet::V4),
            IpAddr::V6(x) => Ipv6Net::new(x, len).ok().map(IpNet::V6),
        };
        out.extend(net);
        match lo.checked_add(1u128 << k) {
            Some(n) if n <= hi && out.len() <= 64 => lo = n,
            _ => break,
        }
    }
    out
}

/// A position in the topology file as a report location.
pub fn pos_location(topo: &Topology, pos: Pos) -> Option<Location> {
    loc(topo, pos)
}

/// The addresses of interface `e` (public IPv4 mappings, IPv6 addresses)
/// that some packet of `set` is sent to, for people.
pub fn destination_addresses(topo: &Topology, e: usize, set: &HeaderSet) -> Vec<String> {
    let dst = set.project(crate::hs::DST);
    let eni = &topo.enis[e];
    let mut out = Vec::new();
    for (k, p) in eni.private_ips.iter().enumerate() {
        if let Some(pb) = p.public {
            let a = IpAddr::V4(pb.addr(e, k));
            if dst.contains(crate::hs::encode(a)) {
                out.push(show_addr(topo, a, Some(e)));
            }
        }
    }
    for a in &eni.ipv6_addresses {
        if dst.contains(crate::hs::encode(IpAddr::V6(*a))) {
            out.push(a.to_string());
        }
    }
    out
}

/// The hop of a peering, transit gateway, VGW or on-prem step.
pub fn hybrid_hop(topo: &Topology, s: &Step) -> Hop {
    use super::hybrid::{TgwChoice, VgwChoice};
    use crate::model::TgwRouteTarget;
    let h = &topo.hybrid;
    match s {
        Step::PeeringCross { peering } => meta_hop(
            topo,
            &topo.peerings[*peering].meta,
            "peering connection: source and destination inside the two VPCs (C-8.2)".into(),
        ),
        Step::TgwIn { attachment, subnet } => {
            let a = &h.tgw_attachments[*attachment];
            let rule = match subnet {
                Some(sn) => format!(
                    "into transit gateway `{}` through attachment interface in subnet {} (C-9.6)",
                    h.tgws[a.tgw].meta.name, topo.subnets[*sn].meta.name
                ),
                None => format!("into transit gateway `{}`", h.tgws[a.tgw].meta.name),
            };
            meta_hop(topo, &a.meta, rule)
        }
        Step::TgwOut { attachment, subnet } => {
            let a = &h.tgw_attachments[*attachment];
            let rule = match subnet {
                Some(sn) => format!(
                    "out of the transit gateway through subnet {}; forwarded by its route table (C-9.6)",
                    topo.subnets[*sn].meta.name
                ),
                None => "out of the transit gateway".into(),
            };
            meta_hop(topo, &a.meta, rule)
        }
        Step::TgwRoute { table, choice } => {
            let t = &h.tgw_route_tables[*table];
            let (rule, pos) = match choice {
                TgwChoice::Static { index, entry } => {
                    let r = &t.routes[*index];
                    let dest = match (&r.dest, entry) {
                        (RouteDest::Cidr(n), _) => n.to_string(),
                        (RouteDest::PrefixList(pl), Some(e)) => {
                            format!("{} (entry {e})", topo.prefix_lists[*pl].meta.name)
                        }
                        (RouteDest::PrefixList(pl), None) => {
                            topo.prefix_lists[*pl].meta.name.clone()
                        }
                    };
                    let target = match r.target {
                        TgwRouteTarget::Blackhole => "blackhole".to_string(),
                        TgwRouteTarget::Attachment(a) => h.tgw_attachments[a].meta.name.clone(),
                    };
                    (format!("static route {dest} → {target}"), r.pos)
                }
                TgwChoice::Propagated {
                    attachment,
                    prefix,
                    rank,
                    beats,
                } => {
                    let pos = t
                        .propagations
                        .iter()
                        .find(|(a, _)| a == attachment)
                        .map_or(t.meta.pos, |(_, p)| *p);
                    let won = if beats.is_empty() {
                        String::new()
                    } else {
                        format!(" beats {}", beats.join(", "))
                    };
                    (
                        format!(
                            "{prefix} propagated from {} ({}){won} (C-9.4: longest prefix, then static > prefix list > VPC > DX gateway > VPN over DX > VPN)",
                            h.tgw_attachments[*attachment].meta.name,
                            rank.name()
                        ),
                        pos,
                    )
                }
                TgwChoice::NoRoute => ("no route matches".into(), t.meta.pos),
                TgwChoice::Ambiguous(w) => (w.clone(), t.meta.pos),
            };
            Hop {
                component: t.meta.name.clone(),
                aws_id: t.meta.aws_id.clone(),
                rule,
                location: loc(topo, pos),
            }
        }
        Step::VgwRoute { vgw, choice } => {
            let g = &h.vgws[*vgw];
            let rule = match choice {
                VgwChoice::Learned {
                    via,
                    prefix,
                    rank,
                    beats,
                } => {
                    let won = if beats.is_empty() {
                        String::new()
                    } else {
                        format!(" beats {}", beats.join(", "))
                    };
                    format!(
                        "{prefix} over {} ({}){won} (C-10.3: longest prefix, then DX BGP > VPN static > VPN BGP)",
                        h.via_label(*via),
                        rank.name()
                    )
                }
                VgwChoice::NoRoute => "no route matches".into(),
                VgwChoice::Ambiguous(w) => w.clone(),
            };
            meta_hop(topo, &g.meta, rule)
        }
        Step::VgwIn { vgw } => meta_hop(
            topo,
            &h.vgws[*vgw].meta,
            "from on prem to an interface address of the VPC (C-10.4)".into(),
        ),
        Step::OnPremIn {
            network,
            via,
            decided,
        } => {
            let n = &h.on_prem[*network];
            let how = if *decided {
                "chosen by the stated on-prem preference".to_string()
            } else {
                "one of the paths the on-prem routers may take (no stated preference decides)"
                    .to_string()
            };
            let pos = if *decided && !n.prefer_pos.is_unknown() {
                n.prefer_pos
            } else {
                n.meta.pos
            };
            Hop {
                component: n.meta.name.clone(),
                aws_id: None,
                rule: format!("into AWS over {}: {how}", h.via_label(*via)),
                location: loc(topo, pos),
            }
        }
        Step::OnPremOut { via } => meta_hop(
            topo,
            h.via_meta(*via),
            format!("leaves AWS over {}", h.via_label(*via)),
        ),
        other => Hop {
            component: String::new(),
            aws_id: None,
            rule: format!("{other:?}"),
            location: None,
        },
    }
}
