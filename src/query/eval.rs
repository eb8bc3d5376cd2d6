//! Evaluating parsed queries on the engine.

use std::collections::BTreeMap;
use std::net::{IpAddr, Ipv4Addr};

use super::endpoint::{Resolved, Source, resolve};
use super::gaps;
use super::lang::{EndpointExpr, PortSpec};
use super::trace::{self, Goal, Start, Trace};
pub use super::whynot::why_not;
use crate::diag::Diagnostic;
use crate::engine::exposure::packet_view;
use crate::engine::{End, Engine, Flow, Origin, Step, explain, summarize_flows};
use crate::hs::{DST, HeaderSet, IntervalSet, SRC, decode, is_v4_code};
use crate::model::{EniId, EniOwner, PortMatch, Proto, Topology};
use crate::report::answer::{Answer, AnswerKind, HopStatus, PathHop, PathView, ReachEntry, Reply};

/// At most this many distinct paths are drawn; the rest are counted.
const MAX_PATHS: usize = 16;
/// At most this many source × destination pairs are traced for `why not`.
pub(super) const MAX_CANDIDATES: usize = 64;

/// The packets a list of port specs names (every packet when empty).
pub fn port_set(ports: &[PortSpec]) -> HeaderSet {
    if ports.is_empty() {
        return HeaderSet::universe();
    }
    let mut s = HeaderSet::empty();
    for p in ports {
        let part = match *p {
            PortSpec::All => HeaderSet::universe(),
            PortSpec::Ports { proto, from, to } => HeaderSet::rule(
                Proto::Num(proto),
                &PortMatch {
                    ports: (from, to),
                    icmp_type: None,
                    icmp_code: None,
                },
                None,
                None,
            ),
            PortSpec::Icmp {
                proto,
                icmp_type,
                code,
            } => HeaderSet::rule(
                Proto::Num(proto),
                &PortMatch {
                    ports: (0, 65535),
                    icmp_type,
                    icmp_code: code,
                },
                None,
                None,
            ),
            PortSpec::Proto(n) => HeaderSet::rule(Proto::Num(n), &PortMatch::ALL, None, None),
        };
        s = s.union(&HeaderSet::universe().intersect(&part));
    }
    s
}

/// `on tcp/5432`, or nothing.
pub fn ports_label(ports: &[PortSpec]) -> String {
    if ports.is_empty() {
        return String::new();
    }
    let parts: Vec<String> = ports
        .iter()
        .map(|p| match *p {
            PortSpec::All => "all".into(),
            PortSpec::Ports { proto, from, to } if from == to => {
                format!("{}/{from}", crate::hs::proto_name(proto))
            }
            PortSpec::Ports { proto, from, to } => {
                format!("{}/{from}-{to}", crate::hs::proto_name(proto))
            }
            PortSpec::Icmp {
                proto,
                icmp_type,
                code,
            } => {
                let mut s = crate::hs::proto_name(proto);
                if let Some(t) = icmp_type {
                    s.push_str(&format!("/{t}"));
                }
                if let Some(c) = code {
                    s.push_str(&format!("/{c}"));
                }
                s
            }
            PortSpec::Proto(n) => crate::hs::proto_name(n),
        })
        .collect();
    format!(" on {}", parts.join(", "))
}

/// What one source's packets did.
struct Outcome {
    source: Source,
    hits: Vec<Flow>,
    /// Flows whose fate is unknown, with the reason.
    unknown: Vec<String>,
}

pub(super) fn push_unique(v: &mut Vec<String>, s: String) {
    if !v.contains(&s) {
        v.push(s);
    }
}

/// Propagates `set` from every origin of `src` and keeps the flows that
/// arrive at `dst` (`None`: every flow).
fn run(
    engine: &Engine<'_>,
    src: &Resolved,
    dst: Option<&Resolved>,
    set: &HeaderSet,
) -> Vec<Outcome> {
    let topo = engine.topo;
    let mut out = Vec::new();
    for s in src.sources(topo) {
        let mut o = Outcome {
            source: s.clone(),
            hits: Vec::new(),
            unknown: Vec::new(),
        };
        let origin = match &s.origin {
            Ok(origin) => *origin,
            Err(why) => {
                o.unknown.push(why.clone());
                out.push(o);
                continue;
            }
        };
        let from_internet = origin == Origin::Internet;
        let mut q = set.clone();
        if let Some(a) = &s.addrs {
            q = q.restrict(SRC, a);
        }
        if let Some(d) = dst.and_then(|d| d.dst_set(engine, from_internet)) {
            q = q.restrict(DST, &d);
        }
        if q.is_empty() {
            out.push(o);
            continue;
        }
        let reach = engine.reach(origin, &q);
        for f in reach.flows {
            if let End::Unknown(why) = &f.end {
                push_unique(&mut o.unknown, why.clone());
                continue;
            }
            let Some(d) = dst else {
                o.hits.push(f);
                continue;
            };
            if d.matches_end(topo, &f) {
                o.hits.push(f);
                continue;
            }
            // Not this destination. Exhaustive on purpose: a new kind of
            // end must say whether it could be the destination.
            match &f.end {
                End::Internet => {
                    if let Some(why) = d.unattributable() {
                        push_unique(&mut o.unknown, why);
                    }
                }
                End::Delivered(_) | End::Endpoint(_) | End::OnPrem(_) | End::Unknown(_) => {}
            }
        }
        out.push(o);
    }
    out
}

fn end_label(topo: &Topology, end: &End) -> String {
    match end {
        End::Delivered(e) => topo.enis[*e].meta.name.clone(),
        End::Internet => "internet".into(),
        End::Endpoint(ep) => {
            let x = &topo.endpoints[*ep];
            format!("{} ({})", x.meta.name, x.service)
        }
        End::OnPrem(via) => format!("on prem via {}", topo.hybrid.via_meta(*via).name),
        End::Unknown(_) => "unknown".into(),
    }
}

fn end_outcome(end: &End) -> &'static str {
    match end {
        End::Delivered(_) => "delivered",
        End::Internet => "internet",
        End::Endpoint(_) => "endpoint",
        End::OnPrem(_) => "on-prem",
        End::Unknown(_) => "unknown",
    }
}

/// One witness path per distinct route through the network.
fn paths_of(
    engine: &Engine<'_>,
    outcomes: &[Outcome],
    limit: usize,
    through_lbs: bool,
) -> (Vec<PathView>, usize, Vec<String>) {
    let topo = engine.topo;
    let mut notes = Vec::new();
    // Load balancer targets past the limit, counted, not traced.
    let mut extra = 0;
    let mut groups: Vec<(String, &[Step], &End, HeaderSet, &Flow)> = Vec::new();
    for o in outcomes {
        for f in &o.hits {
            match groups
                .iter_mut()
                .find(|g| g.0 == o.source.label && g.1 == f.path.as_slice() && g.2 == &f.end)
            {
                Some(g) => g.3.append(f.set.clone()),
                None => groups.push((o.source.label.clone(), &f.path, &f.end, f.set.clone(), f)),
            }
        }
    }
    let total = groups.len();
    let mut out = Vec::new();
    for (label, _, end, set, flow) in groups.into_iter().take(limit) {
        let Some(p) = flow.set.sample() else { continue };
        let dst_owner = match end {
            End::Delivered(e) => Some(*e),
            _ => None,
        };
        let hops = path_hops(topo, flow, &p);
        let to = match end {
            End::OnPrem(via) => topo
                .hybrid
                .on_prem
                .iter()
                .find(|n| n.via.contains(via) && n.cidrs.iter().any(|c| c.contains(&p.dst)))
                .map_or_else(
                    || end_label(topo, end),
                    |n| {
                        format!(
                            "{} (on prem via {})",
                            n.meta.name,
                            topo.hybrid.via_meta(*via).name
                        )
                    },
                ),
            _ => end_label(topo, end),
        };
        let view = PathView {
            from: plain(&label),
            to,
            packet: Some(packet_view(topo, &p, dst_owner)),
            hops,
            outcome: end_outcome(end).into(),
            carries: summarize_flows(topo, &set.coalesce()),
        };
        let room = limit.saturating_sub(out.len()).max(1);
        let (legs, beyond) = match (end, through_lbs) {
            (End::Delivered(e), true) => lb_legs(engine, &view, (*e, room), &p, &mut notes),
            _ => (Vec::new(), 0),
        };
        extra += beyond;
        if legs.is_empty() {
            out.push(view);
        } else {
            out.extend(legs);
        }
    }
    (out, total.saturating_sub(limit) + extra, notes)
}

/// The hops of a flow, each passing; a network load balancer without
/// security groups names what lets the packet in (its listener).
/// The direction of a security group hop, from its rule text (`ingress: …`
/// or `egress: …`).
fn hop_direction(rule: &str) -> crate::model::Direction {
    if rule.starts_with("ingress") {
        crate::model::Direction::Ingress
    } else {
        crate::model::Direction::Egress
    }
}

fn path_hops(topo: &Topology, flow: &Flow, p: &crate::hs::Packet) -> Vec<PathHop> {
    explain(topo, flow, p)
        .into_iter()
        .map(|mut hop| {
            if hop.rule.ends_with(": no security group rule matches")
                && let Some(crate::model::ResourceRef::Eni(e)) =
                    topo.names.get(&hop.component).copied()
                && let Some(pass) = super::hops::lb_sg_pass(topo, e, p, hop_direction(&hop.rule))
            {
                hop.rule = pass;
            }
            PathHop {
                hop,
                status: HopStatus::Pass,
                fix: None,
            }
        })
        .collect()
}

/// A path that ends at load balancer node `node` goes on to the targets
/// of the listener that accepts `p` (C-14.3): one path per target the node
/// delivers to, continuing `front` (at most `room`; the targets past it
/// are counted, not traced); a note for each it cannot deliver to.
fn lb_legs(
    engine: &Engine<'_>,
    front: &PathView,
    (node, room): (EniId, usize),
    p: &crate::hs::Packet,
    notes: &mut Vec<String>,
) -> (Vec<PathView>, usize) {
    use crate::engine::exposure::{lb_leg_packets, lb_target};
    let topo = engine.topo;
    let EniOwner::LoadBalancer(lb) = topo.enis[node].owner else {
        return (Vec::new(), 0);
    };
    let l = &topo.load_balancers[lb];
    let Some((listener, tg)) =
        crate::rules::listener_for(topo, lb, p).and_then(|x| x.target_group.map(|tg| (x, tg)))
    else {
        return (Vec::new(), 0);
    };
    let g = &topo.target_groups[tg];
    let client = IntervalSet::point(crate::hs::encode(p.src));
    let mut out = Vec::new();
    if g.targets.len() > room {
        notes.push(format!(
            "`{}` forwards to {} targets; the paths to the first {room} are shown",
            l.meta.name,
            g.targets.len()
        ));
    }
    for t in g.targets.iter().take(room) {
        let Some((addr, target)) = lb_target(engine, lb, t) else {
            continue;
        };
        let name = target.map_or_else(|| addr.to_string(), |x| topo.enis[x].meta.name.clone());
        // Cross-zone balancing (C-14.5, C-14.6): a node may not send to a
        // target of another zone, or it is not known whether it does.
        match crate::rules::lb_node_sends_to(topo, node, target) {
            crate::rules::ZoneSends::Yes => {}
            crate::rules::ZoneSends::No(why) | crate::rules::ZoneSends::Unknown(why) => {
                notes.push(why);
                continue;
            }
        }
        let set = lb_leg_packets(topo, (lb, tg), t, node, addr, &client);
        let reach = engine.reach(Origin::Eni(node), &set);
        let hit = reach.flows.iter().find(|f| match (&f.end, target) {
            (End::Delivered(x), Some(want)) => *x == want,
            (End::Delivered(_) | End::OnPrem(_), None) => true,
            _ => false,
        });
        let Some(f) = hit else {
            notes.push(format!(
                "`{}` cannot deliver to target `{name}` port {} of target group `{}` (security groups, NACLs or routes): `why not {} -> {addr} on {}/{}` shows why",
                l.meta.name,
                t.port,
                g.meta.name,
                topo.enis[node].meta.name,
                crate::hs::proto_name(g.protocol.ip_protocols().first().copied().unwrap_or(crate::model::TCP)),
                t.port
            ));
            continue;
        };
        let Some(q) = f.set.sample() else { continue };
        let preserve = l.kind == crate::model::LbKind::Network && g.preserve_client_ip;
        let mut hops = front.hops.clone();
        hops.push(PathHop {
            hop: crate::report::Hop {
                component: l.meta.name.clone(),
                aws_id: l.meta.aws_id.clone(),
                rule: format!(
                    "listener {} {} forwards to target group `{}`: target `{name}` port {}, {} (C-14.3{})",
                    format!("{:?}", listener.protocol).to_uppercase(),
                    listener.port,
                    g.meta.name,
                    t.port,
                    if preserve {
                        "with the client's source address preserved"
                    } else {
                        "as a new connection from the load balancer's own address"
                    },
                    match l.kind {
                        crate::model::LbKind::Network => ", C-14.4",
                        crate::model::LbKind::Classic => ", C-14.5",
                        crate::model::LbKind::Application => "",
                    }
                ),
                location: explain::pos_location(topo, t.pos),
            },
            status: HopStatus::Pass,
            fix: None,
        });
        hops.extend(path_hops(topo, f, &q));
        out.push(PathView {
            from: front.from.clone(),
            to: name,
            packet: front.packet.clone(),
            hops,
            outcome: end_outcome(&f.end).into(),
            carries: front.carries.clone(),
        });
    }
    (out, g.targets.len().saturating_sub(room))
}

/// An endpoint label as plain text, for a path's ends: without the
/// backticks that quote names inside it (`` `10.0.0.5` (on-prem network
/// `corp`) `` reads `10.0.0.5 (on-prem network corp)`).
pub(super) fn plain(label: &str) -> String {
    label.replace('`', "")
}

/// The ends of a query, for deciding which gaps a `no` may miss a path
/// over (see [`gaps::could_widen`]).
fn add_ends(topo: &Topology, r: &Resolved, as_dst: bool, e: &mut gaps::Ends) {
    match r {
        Resolved::Enis { enis, .. } => {
            e.add_vpcs(enis.iter().filter_map(|&x| topo.enis.get(x).map(|n| n.vpc)));
            if enis.iter().any(|&x| {
                matches!(
                    topo.enis.get(x).map(|n| &n.owner),
                    Some(EniOwner::Endpoint(_))
                )
            }) {
                e.service = true;
            }
        }
        Resolved::Internet { .. } => {
            // Packets to outside addresses may be routed on prem or to an
            // AWS service instead.
            if as_dst {
                e.on_prem = true;
                e.service = true;
            }
        }
        Resolved::Service { .. } => e.service = true,
        Resolved::OnPrem { .. } => e.on_prem = true,
        Resolved::Addresses { addrs, .. } => {
            // The VPCs whose ranges hold them; outside every VPC they may
            // be on prem, on the internet or an AWS service.
            for (v, vpc) in topo.vpcs.iter().enumerate() {
                let nets: Vec<ipnet::IpNet> = vpc
                    .cidrs
                    .iter()
                    .map(|c| ipnet::IpNet::V4(*c))
                    .chain(vpc.ipv6_cidrs.iter().map(|c| ipnet::IpNet::V6(*c)))
                    .collect();
                if crate::hs::nets_set(nets.iter()).intersects(addrs) {
                    e.add_vpcs([v]);
                }
            }
            e.on_prem = true;
            e.service = true;
        }
        Resolved::Unmodelled { .. } => {
            e.anywhere();
            e.on_prem = true;
            e.service = true;
        }
    }
}

/// The gaps every hit of `outcomes` relies on, when no hit is free of
/// them (then a `yes` is `unknown`); empty when some hit relies on none.
fn relied_by_all<'t>(topo: &'t Topology, outcomes: &[Outcome]) -> Vec<&'t crate::model::Gap> {
    let mut all: Vec<&crate::model::Gap> = Vec::new();
    for o in outcomes {
        let origin = o.source.origin.as_ref().ok().copied();
        for f in &o.hits {
            let r = gaps::relied_on(topo, origin, f);
            if r.is_empty() {
                return Vec::new();
            }
            for g in r {
                if !all.iter().any(|x| std::ptr::eq(*x, g)) {
                    all.push(g);
                }
            }
        }
    }
    all
}

/// The gaps any hit of `outcomes` relies on (a list that shows it may be
/// wrong).
fn relied_by_any<'t>(topo: &'t Topology, outcomes: &[Outcome]) -> Vec<&'t crate::model::Gap> {
    let mut all: Vec<&crate::model::Gap> = Vec::new();
    for o in outcomes {
        let origin = o.source.origin.as_ref().ok().copied();
        for f in &o.hits {
            for g in gaps::relied_on(topo, origin, f) {
                if !all.iter().any(|x| std::ptr::eq(*x, g)) {
                    all.push(g);
                }
            }
        }
    }
    all
}

fn both_internet(src: &Resolved, dst: &Resolved, e: &EndpointExpr) -> Result<(), Diagnostic> {
    if matches!(src, Resolved::Internet { .. }) && matches!(dst, Resolved::Internet { .. }) {
        return Err(Diagnostic::in_input(
            "both ends are on the internet",
            e.word.span,
            "also outside AWS",
        )
        .with_help("one end must be inside the topology (a name, an AWS id or a VPC address)"));
    }
    Ok(())
}

/// `can SRC reach DST` and `path SRC -> DST`.
pub fn can(
    engine: &Engine<'_>,
    query: &str,
    src_e: &EndpointExpr,
    dst_e: &EndpointExpr,
    ports: &[PortSpec],
    all_paths: bool,
) -> Result<Answer, Diagnostic> {
    let topo = engine.topo;
    let src = resolve(topo, &src_e.word)?;
    let dst = resolve(topo, &dst_e.word)?;
    both_internet(&src, &dst, dst_e)?;
    let set = port_set(ports);
    let mut outcomes = run(engine, &src, Some(&dst), &set);
    // A yes must hold in the must-reach reading of C-5.6: a reference
    // matches only members' primary IPv4 addresses, the rest is unknown.
    if outcomes.iter().any(|o| !o.hits.is_empty()) {
        // Only tcp, udp and icmp may be proven to cross an internet
        // gateway (C-6.8): the must-reach engine says so.
        let igw = outcomes
            .iter()
            .any(|o| o.hits.iter().any(Engine::unprovable_at_igw));
        let strict = if igw {
            engine.must_reach_engine()
        } else {
            engine.for_must_reach()
        };
        if !std::ptr::eq(strict, engine) {
            outcomes = run(strict, &src, Some(&dst), &set);
        }
    }
    let mut unknown = Vec::new();
    for o in &outcomes {
        for u in &o.unknown {
            push_unique(&mut unknown, u.clone());
        }
    }
    let any_hit = outcomes.iter().any(|o| !o.hits.is_empty());
    let kind = if all_paths {
        AnswerKind::Path
    } else {
        AnswerKind::Can
    };
    let what = format!("{} → {}{}", src.label(), dst.label(), ports_label(ports));
    // A yes needs one path that relies on no missing data.
    let relied = if any_hit {
        relied_by_all(topo, &outcomes)
    } else {
        Vec::new()
    };
    let widen = if any_hit || !unknown.is_empty() {
        Vec::new()
    } else {
        let mut ends = gaps::ends();
        add_ends(topo, &src, false, &mut ends);
        add_ends(topo, &dst, true, &mut ends);
        gaps::could_widen(topo, &ends)
    };
    let mut a = if !relied.is_empty() {
        unknown = relied
            .iter()
            .map(|g| gaps::relied_reason(topo, g))
            .collect();
        let (paths, _, _) = paths_of(
            engine,
            &outcomes,
            if all_paths { MAX_PATHS } else { 1 },
            all_paths,
        );
        let mut a = Answer::new(
            query,
            kind,
            Reply::Unknown,
            format!(
                "unknown: {what} — a path is found, but it relies on data the topology does not contain"
            ),
        );
        a.paths = paths;
        a
    } else if any_hit {
        let (paths, more, lb_notes) = paths_of(
            engine,
            &outcomes,
            if all_paths { MAX_PATHS } else { 1 },
            all_paths,
        );
        let n_paths: usize = paths.len() + more;
        let mut a = Answer::new(
            query,
            kind,
            Reply::Yes,
            if all_paths {
                format!(
                    "yes: {what} — {} distinct path{}",
                    n_paths,
                    if n_paths == 1 { "" } else { "s" }
                )
            } else {
                format!("yes: {what}")
            },
        );
        if let Some(note) = session(engine, &outcomes) {
            a.notes.push(note);
        }
        a.paths = paths;
        for n in lb_notes {
            if !a.notes.contains(&n) {
                a.notes.push(n);
            }
        }
        if more > 0 && all_paths {
            a.notes.push(format!("{more} more paths are not shown"));
        } else if more > 0 {
            a.notes.push(format!(
                "{} paths in all: `path {} -> {}{}` shows each",
                more + 1,
                src_e.word.text,
                dst_e.word.text,
                ports_label(ports)
            ));
        }
        // Every packet that gets there, exactly.
        // Summaries are exact over overlapping cubes: no need to make them disjoint.
        let mut all = HeaderSet::empty();
        for o in &outcomes {
            for f in &o.hits {
                all.append(f.set.clone());
            }
        }
        a.entries.push(ReachEntry {
            endpoint: plain(dst.label()),
            kind: "reached".into(),
            aws_id: None,
            location: None,
            flows: summarize_flows(topo, &all.coalesce()),
        });
        a
    } else if !unknown.is_empty() {
        Answer::new(
            query,
            kind,
            Reply::Unknown,
            format!(
                "unknown: {what} — no packet is known to get there, but part of the way is not modelled"
            ),
        )
    } else if !widen.is_empty() {
        unknown = widen.iter().map(|g| gaps::widen_reason(topo, g)).collect();
        Answer::new(
            query,
            kind,
            Reply::Unknown,
            format!("unknown: {what} — no path found, but the topology records missing data"),
        )
    } else {
        let mut a = Answer::new(query, kind, Reply::No, format!("no: {what}"));
        a.notes.push(format!(
            "`why not {} -> {}{}` lists every component that blocks it",
            src_e.word.text,
            dst_e.word.text,
            ports_label(ports)
        ));
        a
    };
    a.notes.extend(by_name_notes(engine, &src, &dst, &set));
    a.unknown = unknown;
    Ok(a)
}

/// Trap 24 (C-8.5): a query names a resource, so it is about its addresses.
/// A client that uses the public DNS name of an instance in a peered VPC
/// whose side of the peering does not allow DNS resolution from the peer
/// gets its public IPv4 instead, and its packets hairpin through a NAT or
/// internet gateway (where security group references stop matching). Says
/// so, with what the name would reach: the client's packets to the public
/// address that leave for the internet, translated to their public source
/// (C-6.1, C-7.1), then from the internet to the target.
fn by_name_notes(
    engine: &Engine<'_>,
    src: &Resolved,
    dst: &Resolved,
    set: &HeaderSet,
) -> Vec<String> {
    use crate::model::dns::{PeerName, peer_name};
    let topo = engine.topo;
    let Resolved::Enis { enis: targets, .. } = dst else {
        return Vec::new();
    };
    let mut notes = Vec::new();
    for s in src.sources(topo) {
        let Ok(Origin::Eni(a)) = s.origin else {
            continue;
        };
        for &d in targets {
            let Some(PeerName::Public { addr, peering }) = peer_name(topo, topo.enis[a].vpc, d)
            else {
                continue;
            };
            let public = IntervalSet::point(crate::hs::encode(IpAddr::V4(addr)));
            let q = set
                .restrict(SRC, engine.eni_addrs(a))
                .restrict(DST, &public);
            let mut runs: Vec<(u128, u128)> = Vec::new();
            for f in engine.reach(Origin::Eni(a), &q).flows {
                if f.end != End::Internet {
                    continue;
                }
                let sources: Vec<u128> = match f.rewrites.src {
                    Some(v) => vec![v],
                    None => f.set.project(SRC).runs().iter().map(|r| r.0).collect(),
                };
                for v in sources {
                    if let Some(p) = public_of(topo, decode(v, true)) {
                        let c = crate::hs::encode(IpAddr::V4(p));
                        runs.push((c, c));
                    }
                }
            }
            let back = set
                .restrict(SRC, &IntervalSet::from_ranges(runs))
                .restrict(DST, &public);
            let reached = !back.is_empty()
                && !engine
                    .reach(Origin::Internet, &back)
                    .delivered_to(d)
                    .is_empty();
            let p = &topo.peerings[peering];
            let owner = &topo.vpcs[topo.enis[d].vpc].meta.name;
            notes.push(format!(
                "by DNS name, `{}` resolves to its public IP {addr} from VPC `{}`: `AllowDnsResolutionFromRemoteVpc` is off on `{owner}`'s side of peering `{}` (C-8.5, trap 24); traffic that uses the name hairpins through a NAT or internet gateway, where security group references do not match, and {}",
                topo.enis[d].meta.name,
                topo.vpcs[topo.enis[a].vpc].meta.name,
                p.meta.name,
                if reached {
                    "still gets there"
                } else {
                    "does not get there"
                }
            ));
        }
    }
    notes.sort();
    notes.dedup();
    notes
}

/// The public IPv4 that an interface's private address `a` is translated to
/// at the internet gateway (C-6.1), if any.
fn public_of(topo: &Topology, a: IpAddr) -> Option<Ipv4Addr> {
    let IpAddr::V4(a) = a else { return None };
    topo.enis.iter().enumerate().find_map(|(e, eni)| {
        eni.private_ips
            .iter()
            .enumerate()
            .find(|(_, p)| p.addr == a)
            .and_then(|(k, p)| p.public.map(|pb| pb.addr(e, k)))
    })
}

/// Whether replies to the first witness get back (C-0.2, C-5.3): from the
/// internet through the engine's reply propagation; between interfaces by
/// tracing the reply, which names the component that drops it.
fn session(engine: &Engine<'_>, outcomes: &[Outcome]) -> Option<String> {
    let topo = engine.topo;
    let o = outcomes.iter().find(|o| !o.hits.is_empty())?;
    let f = o.hits.first()?;
    let p = f.set.sample()?;
    if !p.has_ports() {
        return None;
    }
    let origin = o.source.origin.as_ref().ok()?;
    if let (Origin::Internet, End::Delivered(d)) = (origin, &f.end) {
        return crate::engine::exposure::session_note(engine, *d, f, &p);
    }
    let start = match origin {
        Origin::Eni(s) => Start::Eni(*s),
        Origin::OnPrem(n) => Start::OnPrem(*n),
        Origin::Internet => return None,
    };
    let goal = match &f.end {
        End::Delivered(d) => Goal::Eni(*d),
        End::OnPrem(via) => Goal::OnPrem(
            topo.hybrid
                .on_prem
                .position(|n| n.via.contains(via) && n.cidrs.iter().any(|c| c.contains(&p.dst)))?,
        ),
        End::Internet | End::Endpoint(_) | End::Unknown(_) => return None,
    };
    let mut p = p;
    if let Some(dst) = f.rewrites.dst {
        p.dst = decode(dst, is_v4_code(dst));
    }
    let t = reply_trace(topo, start, &goal, p)?;
    if !t.unknown.is_empty() {
        return Some(format!(
            "whether replies get back is unknown: {}",
            t.unknown.join("; ")
        ));
    }
    if t.blockers.is_empty() {
        return Some("replies to this packet get back: its session can complete".into());
    }
    let list: Vec<String> = t
        .blockers
        .iter()
        .map(|b| format!("`{}` ({}); fix: {}", b.component, b.rule, b.fix))
        .collect();
    Some(format!(
        "replies to this packet cannot get back, so its session cannot complete: they are dropped on the way back by {}",
        list.join("; and by ")
    ))
}

/// The trace of the reply to `p` (sent from `start` to `goal`), back from
/// the goal to the start (C-0.2, C-5.3): between interfaces and on-prem
/// networks. `None` where no reply can be traced (the internet, services,
/// packets without ports).
pub(super) fn reply_trace(
    topo: &Topology,
    start: Start,
    goal: &Goal,
    p: crate::hs::Packet,
) -> Option<Trace> {
    if !p.has_ports() {
        return None;
    }
    let (from, to) = match (start, goal) {
        (Start::Eni(s), Goal::Eni(d)) => (Start::Eni(*d), Goal::Eni(s)),
        (Start::OnPrem(n), Goal::Eni(d)) => (Start::Eni(*d), Goal::OnPrem(n)),
        (Start::Eni(s), Goal::OnPrem(n)) => (Start::OnPrem(*n), Goal::Eni(s)),
        _ => return None,
    };
    let mut reply = p;
    std::mem::swap(&mut reply.src, &mut reply.dst);
    std::mem::swap(&mut reply.sport, &mut reply.dport);
    Some(trace::trace_reply(topo, from, to, reply))
}

/// A destination's AWS id and location, for `what`.
fn end_details(topo: &Topology, end: &End) -> (Option<String>, Option<String>) {
    match end {
        End::Delivered(e) => (
            topo.enis[*e].meta.aws_id.clone(),
            Some(eni_location(topo, *e)),
        ),
        End::Endpoint(ep) => (topo.endpoints[*ep].meta.aws_id.clone(), None),
        End::OnPrem(via) => (topo.hybrid.via_meta(*via).aws_id.clone(), None),
        End::Internet | End::Unknown(_) => (None, None),
    }
}

fn eni_location(topo: &Topology, e: EniId) -> String {
    let eni = &topo.enis[e];
    format!(
        "subnet {}, VPC {}",
        topo.subnets[eni.subnet].meta.name, topo.vpcs[eni.vpc].meta.name
    )
}

/// `who can reach DST`: the internet, every interface and every on-prem network.
pub fn who(
    engine: &Engine<'_>,
    query: &str,
    dst_e: &EndpointExpr,
    ports: &[PortSpec],
) -> Result<Answer, Diagnostic> {
    let topo = engine.topo;
    let dst = resolve(topo, &dst_e.word)?;
    let set = port_set(ports);
    let own: Vec<EniId> = match &dst {
        Resolved::Enis { enis, .. } => enis.clone(),
        _ => Vec::new(),
    };
    let mut entries = Vec::new();
    // reason -> sources
    let mut unknown: BTreeMap<String, Vec<String>> = BTreeMap::new();
    let mut candidates: Vec<Resolved> = Vec::new();
    if !matches!(dst, Resolved::Internet { .. }) {
        candidates.push(Resolved::Internet {
            label: "internet".into(),
            addrs: None,
        });
    }
    for (e, eni) in topo.enis.iter().enumerate() {
        // A NAT gateway forwards; what it sends is accounted to the
        // interfaces behind it.
        if eni.attached && !own.contains(&e) && !matches!(eni.owner, EniOwner::Nat(_)) {
            candidates.push(Resolved::Enis {
                label: eni.meta.name.clone(),
                enis: vec![e],
                addrs: None,
                public: false,
            });
        }
    }
    for (i, n) in topo.hybrid.on_prem.iter_enumerated() {
        candidates.push(Resolved::OnPrem {
            label: n.meta.name.clone(),
            addrs: crate::hs::nets_set(n.cidrs.iter()),
            net: i,
        });
    }
    let mut gap_lines: Vec<String> = Vec::new();
    for c in &candidates {
        for o in run(engine, c, Some(&dst), &set) {
            note_unknown(topo, &o, &mut unknown, &mut gap_lines);
            if o.hits.is_empty() {
                continue;
            }
            let mut s = HeaderSet::empty();
            for f in &o.hits {
                s.append(f.set.clone());
            }
            let (kind, aws_id, location) = match o.source.eni {
                Some(e) => (
                    "network-interface",
                    topo.enis[e].meta.aws_id.clone(),
                    Some(eni_location(topo, e)),
                ),
                None => match o.source.origin {
                    Ok(Origin::OnPrem(_)) => ("on-prem-network", None, None),
                    _ => ("internet", None, None),
                },
            };
            entries.push(ReachEntry {
                endpoint: o.source.label.clone(),
                kind: kind.into(),
                aws_id,
                location,
                flows: summarize_flows(topo, &s.coalesce()),
            });
        }
    }
    let n = entries.len();
    let head = match n {
        0 => "no source".to_string(),
        1 => "1 source".to_string(),
        _ => format!("{n} sources"),
    };
    let summary = format!("{head} can reach {}{}", dst.label(), ports_label(ports));
    // Any source may send: the internet and on prem included.
    let mut ends = gaps::ends();
    add_ends(topo, &dst, true, &mut ends);
    ends.internet = true;
    ends.on_prem = true;
    for g in gaps::could_widen(topo, &ends) {
        push_unique(&mut gap_lines, gaps::widen_reason(topo, g));
    }
    Ok(listing(
        query,
        AnswerKind::Who,
        summary,
        entries,
        unknown,
        gap_lines,
    ))
}

/// Records, for a list, why one source's part of it is unknown: its flows of
/// unknown fate, and the gaps its hits rely on.
fn note_unknown(
    topo: &Topology,
    o: &Outcome,
    unknown: &mut BTreeMap<String, Vec<String>>,
    gap_lines: &mut Vec<String>,
) {
    for u in &o.unknown {
        unknown
            .entry(u.clone())
            .or_default()
            .push(o.source.label.clone());
    }
    for g in relied_by_any(topo, std::slice::from_ref(o)) {
        push_unique(gap_lines, gaps::relied_reason(topo, g));
    }
}

/// The answer of `who` and `what`: `unknown` when the list may be
/// incomplete (with the reasons), else yes or no.
fn listing(
    query: &str,
    kind: AnswerKind,
    summary: String,
    entries: Vec<ReachEntry>,
    unknown: BTreeMap<String, Vec<String>>,
    gap_lines: Vec<String>,
) -> Answer {
    let incomplete = !unknown.is_empty() || !gap_lines.is_empty();
    let reply = if incomplete {
        Reply::Unknown
    } else if entries.is_empty() {
        Reply::No
    } else {
        Reply::Yes
    };
    let suffix = if incomplete {
        " (the list may be incomplete)"
    } else {
        ""
    };
    let mut a = Answer::new(query, kind, reply, format!("{summary}{suffix}"));
    a.entries = entries;
    a.unknown = unknown_lines(unknown);
    if a.unknown.is_empty() {
        a.unknown = gap_lines;
    }
    a
}

fn unknown_lines(m: BTreeMap<String, Vec<String>>) -> Vec<String> {
    m.into_iter()
        .map(|(why, who)| {
            let list = if who.len() > 4 {
                format!("{} and {} more", who[..4].join(", "), who.len() - 4)
            } else {
                who.join(", ")
            };
            format!("from {list}: {why}")
        })
        .collect()
}

/// `what can SRC reach`: every destination with the exact packets.
pub fn what(
    engine: &Engine<'_>,
    query: &str,
    src_e: &EndpointExpr,
    ports: &[PortSpec],
) -> Result<Answer, Diagnostic> {
    let topo = engine.topo;
    let src = resolve(topo, &src_e.word)?;
    let set = port_set(ports);
    let mut per_end: BTreeMap<String, (String, Option<String>, Option<String>, HeaderSet)> =
        BTreeMap::new();
    let mut unknown: BTreeMap<String, Vec<String>> = BTreeMap::new();
    // The internet is what is not on prem, as for `can` (an address of a
    // declared on-prem network resolves to that network).
    let on_prem = HeaderSet::universe().restrict(DST, &crate::engine::on_prem_space(topo));
    let mut gap_lines: Vec<String> = Vec::new();
    let mut ends = gaps::ends();
    add_ends(topo, &src, false, &mut ends);
    ends.on_prem = true;
    ends.service = true;
    for o in run(engine, &src, None, &set) {
        note_unknown(topo, &o, &mut unknown, &mut gap_lines);
        if o.hits.iter().any(|f| f.end == End::Internet) {
            ends.internet = true;
        }
        for f in &o.hits {
            // Out to on prem: to the on-prem networks behind the
            // connection, by name, with their part of the packets.
            let mut rest = f.set.clone();
            if let End::OnPrem(via) = &f.end {
                for n in topo.hybrid.on_prem.iter().filter(|n| n.via.contains(via)) {
                    let part = rest.restrict(DST, &crate::hs::nets_set(n.cidrs.iter()));
                    if part.is_empty() {
                        continue;
                    }
                    rest = rest.subtract(&part);
                    let e = per_end.entry(n.meta.name.clone()).or_insert_with(|| {
                        (
                            "on-prem-network".into(),
                            None,
                            Some(format!("on prem via {}", topo.hybrid.via_meta(*via).name)),
                            HeaderSet::empty(),
                        )
                    });
                    e.3.append(part.swapped(SRC, DST));
                }
                if rest.is_empty() {
                    continue;
                }
            }
            if f.end == End::Internet && !on_prem.is_empty() {
                rest = rest.subtract(&on_prem);
                if rest.is_empty() {
                    continue;
                }
            }
            let kind = match &f.end {
                End::Delivered(_) => "network-interface",
                End::Internet => "internet",
                End::Endpoint(_) => "service",
                End::OnPrem(_) => "on-prem",
                End::Unknown(_) => continue,
            };
            // Names and locations are built once per destination, not per flow.
            let e = per_end.entry(end_label(topo, &f.end)).or_insert_with(|| {
                let (aws_id, location) = end_details(topo, &f.end);
                (kind.into(), aws_id, location, HeaderSet::empty())
            });
            // Destinations are shown as the peers.
            // `append` allows overlap, so the cubes need not be made disjoint.
            e.3.append(rest.swapped(SRC, DST));
        }
    }
    // The exact summary of each destination, worked out on every core.
    let mut heads = Vec::with_capacity(per_end.len());
    let mut sets = Vec::with_capacity(per_end.len());
    for (name, (kind, aws_id, location, set)) in per_end {
        heads.push((name, kind, aws_id, location));
        sets.push(set);
    }
    let summaries = explain::summarize_many(topo, &sets);
    let entries: Vec<ReachEntry> = heads
        .into_iter()
        .zip(summaries)
        .map(|((name, kind, aws_id, location), mut flows)| {
            if let Some(crate::model::ResourceRef::Eni(e)) = topo.names.get(&name).copied() {
                name_auto_addresses(topo, e, &mut flows);
            }
            ReachEntry {
                endpoint: name,
                kind,
                aws_id,
                location,
                flows,
            }
        })
        .collect();
    let n = entries.len();
    let head = match n {
        0 => "nothing".to_string(),
        1 => "1 destination".to_string(),
        _ => format!("{n} destinations"),
    };
    let summary = format!("{} can reach {head}{}", src.label(), ports_label(ports));
    for g in gaps::could_widen(topo, &ends) {
        push_unique(&mut gap_lines, gaps::widen_reason(topo, g));
    }
    Ok(listing(
        query,
        AnswerKind::What,
        summary,
        entries,
        unknown,
        gap_lines,
    ))
}

/// Stand-ins for auto-assigned public IPv4 addresses, shown by name.
fn name_auto_addresses(topo: &Topology, e: EniId, flows: &mut [crate::report::FlowSummary]) {
    let eni = &topo.enis[e];
    for (k, p) in eni.private_ips.iter().enumerate() {
        if let Some(crate::model::PublicIp::Auto) = p.public {
            let a = IpAddr::V4(crate::model::auto_public_ip(e, k));
            let raw = format!("{a}/32");
            for f in flows.iter_mut() {
                for x in &mut f.sources {
                    if *x == raw {
                        *x = explain::show_addr(topo, a, Some(e));
                    }
                }
            }
        }
    }
}
