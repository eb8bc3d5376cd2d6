//! What the internet reaches (C-0.3 (a)), computed once for the
//! `public-exposure` check and the `exposed` command, and the pieces both
//! (and the queries) use to show it: a witness packet, whether a TCP
//! session from it can complete, and the legs a load balancer opens to
//! its targets.

use std::collections::BTreeMap;
use std::net::IpAddr;

use super::{End, Engine, Flow, Origin, Reach, Step, explain, replies};
use crate::hs::{DST, HeaderSet, IntervalSet, PROTO, Packet, SRC, encode, nets_set, proto_name};
use crate::model::{EniId, LbKind, TCP, Topology};
use crate::report::{PacketView, Witness};

/// Every flow from the internet, over all packet headers.
pub struct Exposure {
    reach: Reach,
}

impl Exposure {
    pub fn of(engine: &Engine<'_>) -> Exposure {
        Exposure {
            reach: engine.reach(Origin::Internet, &HeaderSet::universe()),
        }
    }

    /// The flows delivered to each interface.
    pub fn delivered(&self) -> BTreeMap<EniId, Vec<&Flow>> {
        let mut per_eni: BTreeMap<EniId, Vec<&Flow>> = BTreeMap::new();
        for f in &self.reach.flows {
            if let End::Delivered(e) = f.end {
                per_eni.entry(e).or_default().push(f);
            }
        }
        per_eni
    }

    /// The flows the engine could not follow, by reason.
    pub fn undecided(&self) -> BTreeMap<&str, Vec<&Flow>> {
        let mut by_reason: BTreeMap<&str, Vec<&Flow>> = BTreeMap::new();
        for f in &self.reach.flows {
            if let End::Unknown(why) = &f.end {
                by_reason.entry(why.as_str()).or_default().push(f);
            }
        }
        by_reason
    }
}

pub fn packet_view(topo: &Topology, p: &Packet, dst_owner: Option<EniId>) -> PacketView {
    PacketView {
        src: p.src.to_string(),
        dst: crate::engine::explain::show_addr(topo, p.dst, dst_owner),
        protocol: proto_name(p.proto),
        src_port: p.has_ports().then_some(p.sport),
        dst_port: p.has_ports().then_some(p.dport),
        icmp_type: p.is_icmp().then_some(p.icmp_type),
        icmp_code: p.is_icmp().then_some(p.icmp_code),
    }
}

/// A witness from `set`, which must be a subset of the union of `flows`' sets.
pub fn witness(
    topo: &Topology,
    flows: &[&Flow],
    set: &HeaderSet,
    dst_owner: Option<EniId>,
) -> Option<(Witness, Packet, usize)> {
    let p = set.sample()?;
    let (i, flow) = flows.iter().enumerate().find(|(_, f)| f.set.contains(&p))?;
    let path = explain(topo, flow, &p);
    Some((
        Witness {
            packet: packet_view(topo, &p, dst_owner),
            path,
        },
        p,
        i,
    ))
}

/// Whether a TCP session from the witness can complete (C-0.3 (b), C-6.5).
pub fn session_note(engine: &Engine<'_>, e: EniId, flow: &Flow, p: &Packet) -> Option<String> {
    if p.proto != TCP {
        return None;
    }
    let one = HeaderSet::universe()
        .restrict(SRC, &IntervalSet::point(encode(p.src)))
        .restrict(DST, &IntervalSet::point(encode(p.dst)))
        .restrict(crate::hs::SPORT, &IntervalSet::point(u128::from(p.sport)))
        .restrict(crate::hs::DPORT, &IntervalSet::point(u128::from(p.dport)))
        .restrict(PROTO, &IntervalSet::point(u128::from(p.proto)));
    let flow1 = Flow {
        set: one,
        ..flow.clone()
    };
    let reply = replies(&crate::engine::current_set(&flow1));
    let r = engine.reach_reply(e, &reply);
    let direct = r
        .flows
        .iter()
        .any(|f| f.end == End::Internet && !f.path.iter().any(|s| matches!(s, Step::Nat { .. })));
    let via_nat = r.flows.iter().find_map(|f| {
        f.path.iter().find_map(|s| match s {
            Step::Nat { nat } if f.end == End::Internet => {
                Some(engine.topo.nats[*nat].meta.name.clone())
            }
            _ => None,
        })
    });
    Some(if direct {
        "TCP sessions can complete: replies return through the internet gateway".into()
    } else if let Some(n) = via_nat {
        format!(
            "replies are routed to NAT gateway `{n}` and source-translated, so TCP sessions cannot complete; one-way packets (UDP, ICMP, a TCP SYN) are still delivered (C-6.5)"
        )
    } else {
        "replies are dropped on the return path (a NACL, route or gateway check), so TCP sessions cannot complete; one-way packets are still delivered (C-0.2, C-6.5)".into()
    })
}

/// Whether load balancer `lb` can deliver to one target of group `tg`, as
/// (target description, outcome). An IP target that no interface of the
/// load balancer's VPC owns is followed through the node subnets' route
/// tables (peering, transit gateway, VGW, C-14.3): where it leaves AWS
/// towards on prem, the internet reaches on prem (trap 22), which is pushed
/// to `beyond` as a violation; where the way is not modelled, as unknown.
/// The target's address and its interface when the load balancer's VPC
/// holds it; `None` for a target without an IPv4 address.
pub fn lb_target(
    engine: &Engine<'_>,
    lb: usize,
    t: &crate::model::Target,
) -> Option<(IpAddr, Option<EniId>)> {
    let topo = engine.topo;
    match &t.target {
        crate::model::TargetRef::Eni(x) => topo.enis[*x]
            .private_ips
            .first()
            .map(|p| (IpAddr::V4(p.addr), Some(*x))),
        crate::model::TargetRef::Ip(ip) => {
            Some((*ip, engine.eni_owning(topo.load_balancers[lb].vpc, *ip)))
        }
    }
}

/// The packets load balancer node `node` sends to target `t` (at `addr`)
/// of target group `tg`: from the node's own addresses (ALB, and NLB
/// without client IP preservation) or from the `clients` (NLB with it),
/// C-14.3, C-14.4.
pub fn lb_leg_packets(
    topo: &Topology,
    (lb, tg): (usize, usize),
    t: &crate::model::Target,
    node: EniId,
    addr: IpAddr,
    clients: &IntervalSet,
) -> HeaderSet {
    let l = &topo.load_balancers[lb];
    let g = &topo.target_groups[tg];
    let preserve = l.kind == LbKind::Network && g.preserve_client_ip;
    let src = if preserve {
        clients.clone()
    } else {
        nets_set(
            topo.enis[node]
                .private_ips
                .iter()
                .map(|p| ipnet::IpNet::from(IpAddr::V4(p.addr)))
                .collect::<Vec<_>>()
                .iter(),
        )
    };
    let mut set = HeaderSet::empty();
    for &p in g.protocol.ip_protocols() {
        set = set.union(
            &HeaderSet::universe()
                .restrict(SRC, &src)
                .restrict(DST, &IntervalSet::point(encode(addr)))
                .restrict(PROTO, &IntervalSet::point(u128::from(p)))
                .restrict(crate::hs::DPORT, &IntervalSet::point(u128::from(t.port))),
        );
    }
    set
}
