//! Texts of the hops and blockers of query answers that are not a
//! forwarding decision: how a packet's protocol and port read, an address as
//! a host range, and what lets a packet through a network load balancer
//! without security groups.

use std::net::IpAddr;

use crate::hs::{Packet, proto_name};
use crate::model::{Direction, EniId, EniOwner, Topology};

/// `tcp 5432`, `udp 53`, `icmp type 8 code 0`, `protocol 50`.
pub fn packet_ports(p: &Packet) -> String {
    if p.has_ports() {
        format!("{} {}", proto_name(p.proto), p.dport)
    } else if p.is_icmp() {
        format!(
            "{} type {} code {}",
            proto_name(p.proto),
            p.icmp_type,
            p.icmp_code
        )
    } else {
        format!("protocol {}", p.proto)
    }
}

pub fn host(a: IpAddr) -> String {
    match a {
        IpAddr::V4(_) => format!("{a}/32"),
        IpAddr::V6(_) => format!("{a}/128"),
    }
}

/// What lets a packet into (ingress) or out of a network load balancer
/// without security groups: nothing filters it (C-14.4), and inbound the
/// listener for its protocol and port accepts it (C-14.3). `None` for
/// other interfaces.
pub fn lb_sg_pass(topo: &Topology, e: EniId, p: &Packet, dir: Direction) -> Option<String> {
    let eni = &topo.enis[e];
    let EniOwner::LoadBalancer(lb) = eni.owner else {
        return None;
    };
    let l = &topo.load_balancers[lb];
    if !eni.security_groups.is_empty() || l.kind != crate::model::LbKind::Network {
        return None;
    }
    if dir == Direction::Egress {
        return Some(format!(
            "egress: network load balancer `{}` has no security groups, so nothing filters what it forwards to its targets (C-14.4)",
            l.meta.name
        ));
    }
    let listener = crate::rules::listener_for(topo, lb, p).map_or_else(
        || "no listener accepts it".to_string(),
        |x| {
            format!(
                "listener {} {} accepts it",
                format!("{:?}", x.protocol).to_uppercase(),
                x.port
            )
        },
    );
    Some(format!(
        "ingress: network load balancer `{}` has no security groups, so nothing filters client packets (C-14.4); {listener} (C-14.3)",
        l.meta.name
    ))
}

/// `tcp 5432 from 10.0.0.5/32` (ingress) or `… to …` (egress): the packet
/// as a filter rule would have to name it.
fn filter_what(p: &Packet, dir: Direction) -> String {
    let ingress = dir == Direction::Ingress;
    let peer = if ingress { p.src } else { p.dst };
    format!(
        "{} {} {}",
        packet_ports(p),
        if ingress { "from" } else { "to" },
        host(peer)
    )
}

/// The fix for the NACL of `subnet` denying `p` in direction `dir`.
pub fn nacl_fix(topo: &Topology, subnet: usize, dir: Direction, p: &Packet) -> String {
    let acl = topo.subnets[subnet].nacl;
    let what = filter_what(p, dir);
    let n = &topo.nacls[acl];
    match crate::rules::nacl_first_match(topo, acl, dir, p) {
        Some(r) => format!(
            "rule {} denies it: add an {} allow rule for {what} numbered below {} to `{}`, or narrow rule {}",
            r.number,
            dir.name(),
            r.number,
            n.meta.name,
            r.number
        ),
        None => format!(
            "add an {} allow rule for {what} to `{}` (no rule matches, so the implicit deny applies)",
            dir.name(),
            n.meta.name
        ),
    }
}

/// The blocker hop and fix where the security groups of `e` deny `p` in
/// direction `dir`: the group that needs a rule, located at its
/// definition (`hop` when the interface has no groups).
pub fn sg_deny(
    topo: &Topology,
    e: EniId,
    dir: Direction,
    p: &Packet,
    hop: crate::report::Hop,
) -> (crate::report::Hop, String) {
    let ingress = dir == Direction::Ingress;
    let eni = &topo.enis[e];
    let what = filter_what(p, dir);
    let Some(&g) = eni.security_groups.first() else {
        return (
            hop,
            format!(
                "`{}` has no security groups: attach one that allows {what}",
                eni.meta.name
            ),
        );
    };
    let names: Vec<String> = eni
        .security_groups
        .iter()
        .map(|&g| format!("`{}`", topo.security_groups[g].meta.name))
        .collect();
    let sg = &topo.security_groups[g];
    let hop = crate::report::Hop {
        component: sg.meta.name.clone(),
        aws_id: sg.meta.aws_id.clone(),
        rule: format!(
            "{}: no rule of {} allows {what} (on {})",
            dir.name(),
            names.join(", "),
            eni.meta.name
        ),
        location: crate::engine::explain::pos_location(topo, sg.meta.pos),
    };
    let peer = if ingress { p.src } else { p.dst };
    let peer_sg = peer_group(topo, peer, e);
    let fix = format!(
        "add an {} rule to `{}` allowing {what}{}",
        dir.name(),
        sg.meta.name,
        peer_sg
            .map(|s| format!(
                " (or {} members of `{s}`)",
                if ingress { "from" } else { "to" }
            ))
            .unwrap_or_default()
    );
    (hop, fix)
}

/// A security group of the interface owning `addr` in the same VPC as
/// `near`, to suggest a group reference rather than an address.
fn peer_group(topo: &Topology, addr: IpAddr, near: EniId) -> Option<String> {
    let vpc = topo.enis[near].vpc;
    topo.enis
        .iter()
        .find(|o| o.attached && o.vpc == vpc && o.address_nets().iter().any(|n| n.contains(&addr)))
        .and_then(|o| o.security_groups.first())
        .map(|&g| topo.security_groups[g].meta.name.clone())
}

/// The explainer's reading of the route lookup's winner in `table`.
pub fn route_choice(
    topo: &Topology,
    table: usize,
    winner: Option<&crate::sim::Winner>,
) -> crate::engine::RouteChoice {
    use crate::engine::RouteChoice;
    use crate::sim::Winner;
    match winner {
        Some(Winner::Local(n)) => RouteChoice::Local(*n),
        Some(Winner::Route { index, entry }) => RouteChoice::Route {
            index: *index,
            entry: *entry,
        },
        Some(Winner::Propagated { prefix }) => {
            match topo.route_tables[table].propagating_vgws.first() {
                Some(&vgw) => RouteChoice::Propagated {
                    vgw,
                    prefix: *prefix,
                },
                None => {
                    RouteChoice::Ambiguous(format!("route {prefix} propagated from a vpn gateway"))
                }
            }
        }
        None => RouteChoice::NoRoute,
    }
}

/// The blocker where only a rule referencing a security group of another
/// VPC lets a packet out of `e`, and it did not cross a same-Region
/// peering into that VPC (C-5.7, C-9.9): located at `e`'s first group.
pub fn remote_ref_block(topo: &Topology, e: EniId) -> Option<(crate::report::Hop, String)> {
    let eni = &topo.enis[e];
    let &g = eni.security_groups.first()?;
    let sg = &topo.security_groups[g];
    let hop = crate::report::Hop {
        component: sg.meta.name.clone(),
        aws_id: sg.meta.aws_id.clone(),
        rule: format!(
            "egress: only a rule that references a security group of another VPC lets it out (on {}), and such a rule matches only across a same-Region peering into that VPC (C-5.7, C-9.9)",
            eni.meta.name
        ),
        location: crate::engine::explain::pos_location(topo, sg.meta.pos),
    };
    let fix = format!(
        "add an egress rule to `{}` by address (CIDR) for this destination",
        sg.meta.name
    );
    Some((hop, fix))
}

/// True when the security groups of `e` let `p` out only through a
/// reference to a group of another VPC (C-5.7).
pub fn out_by_remote_ref(topo: &Topology, e: EniId, p: &Packet) -> bool {
    use crate::rules::{SgVerdict, sg_check_as};
    let own = Some(topo.enis[e].vpc);
    matches!(
        sg_check_as(topo, e, Direction::Egress, p, own, false),
        SgVerdict::Deny(_)
    ) && crate::model::referenced_vpcs(topo, &topo.enis[e].security_groups, Direction::Egress)
        .into_iter()
        .any(|w| {
            matches!(
                sg_check_as(topo, e, Direction::Egress, p, Some(w), false),
                SgVerdict::Allow(_)
            )
        })
}

/// The hop of a transit gateway route table sending `d` to attachment
/// `a`, located at the winning route (or propagation).
pub fn tgw_route_hop(
    topo: &Topology,
    rt: crate::model::TgwRouteTableId,
    a: crate::model::TgwAttachmentId,
    prefix: Option<ipnet::IpNet>,
    d: IpAddr,
) -> crate::report::Hop {
    let h = &topo.hybrid;
    let t = &h.tgw_route_tables[rt];
    let att = &h.tgw_attachments[a].meta.name;
    let (rule, pos) = match prefix {
        Some(pf) => (
            format!("{pf} propagated from `{att}` (C-9.4)"),
            t.propagations
                .iter()
                .find(|(x, _)| *x == a)
                .map_or(t.meta.pos, |(_, pos)| *pos),
        ),
        None => {
            let best = t
                .routes
                .iter()
                .filter(|r| r.target == crate::model::TgwRouteTarget::Attachment(a))
                .filter_map(|r| {
                    let nets: Vec<ipnet::IpNet> = match &r.dest {
                        crate::model::RouteDest::Cidr(n) => vec![*n],
                        crate::model::RouteDest::PrefixList(pl) => {
                            topo.prefix_lists[*pl].entries.clone().unwrap_or_default()
                        }
                    };
                    nets.into_iter()
                        .filter(|n| n.contains(&d))
                        .max_by_key(ipnet::IpNet::prefix_len)
                        .map(|n| (n, r.pos))
                })
                .max_by_key(|(n, _)| n.prefix_len());
            match best {
                Some((n, pos)) => (format!("static route {n} → `{att}`"), pos),
                None => (format!("route → `{att}`"), t.meta.pos),
            }
        }
    };
    crate::report::Hop {
        component: t.meta.name.clone(),
        aws_id: t.meta.aws_id.clone(),
        rule,
        location: crate::engine::explain::pos_location(topo, pos),
    }
}
