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
