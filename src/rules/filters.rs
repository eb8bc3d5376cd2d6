//! Filter matching for one concrete packet: NACLs (first match), security
//! groups (union of allow rules), block public access, and the protocols a
//! gateway passes. Written as plain loops over the rules.

use std::net::IpAddr;

use crate::hs::Packet;
use crate::model::{
    BpaExclusionMode, BpaMode, Direction, EniId, EniOwner, ICMP, ICMPV6, LbKind, NaclId, NaclRule,
    PortMatch, Pos, Proto, SgId, SgPeer, SgRule, SubnetId, TCP, Topology, UDP, VpcId,
};

/// Why a packet of another protocol than tcp, udp and icmp that crosses
/// an internet gateway is not proven to get there (C-6.8).
pub fn igw_protocol_unknown() -> String {
    "AWS documents no protocol restriction at an internet gateway, but only tcp, udp and icmp may be proven to cross it (C-6.8)".into()
}

/// TCP, UDP, or the ICMP of the packet's family (protocol 1 with IPv4, 58
/// with IPv6): what a NAT gateway passes (C-7.1), and the only protocols
/// that may be proven to cross an internet gateway (C-6.8, must-reach
/// reading). The one statement of that set: the engine compiles it from
/// here.
pub fn tcp_udp_or_icmp(proto: u8, v4: bool) -> bool {
    proto == TCP || proto == UDP || proto == if v4 { ICMP } else { ICMPV6 }
}

/// The listener of load balancer `lb` that accepts `p`: its protocol and
/// port (C-14.3). Load balancer nodes accept nothing else.
pub fn listener_for<'t>(
    topo: &'t Topology,
    lb: usize,
    p: &Packet,
) -> Option<&'t crate::model::Listener> {
    topo.load_balancers[lb]
        .listeners
        .iter()
        .find(|l| l.port == p.dport && l.protocol.ip_protocols().contains(&p.proto))
}

/// " (line L:C)" for a known position, nothing for a derived one.
pub(crate) fn at(pos: Pos) -> String {
    if pos.is_unknown() {
        String::new()
    } else {
        format!(" (line {pos})")
    }
}

/// Protocol and port/ICMP matching shared by NACL and SG rules (C-1.4, C-1.5).
///
/// - protocol `all` matches every packet;
/// - a protocol number must equal the packet's protocol;
/// - for tcp/udp packets the destination port must be in the range;
/// - for icmp (IPv4, proto 1) and icmpv6 (IPv6, proto 58) packets the ICMP
///   type and code must match (`None` = any);
/// - any other protocol ignores ports and ICMP fields.
pub fn proto_port_match(proto: Proto, port: &PortMatch, p: &Packet) -> bool {
    let n = match proto {
        Proto::All => return true,
        Proto::Num(n) => n,
    };
    if n != p.proto {
        return false;
    }
    if p.proto == TCP || p.proto == UDP {
        port.ports.0 <= p.dport && p.dport <= port.ports.1
    } else if p.is_icmp() {
        port.icmp_type.is_none_or(|t| t == p.icmp_type)
            && port.icmp_code.is_none_or(|c| c == p.icmp_code)
    } else {
        true
    }
}

/// The result of a NACL evaluation.
#[derive(Debug, Clone)]
pub struct NaclVerdict {
    pub allow: bool,
    /// The deciding rule, for the trace.
    pub why: String,
}

/// First matching rule in rule-number order; implicit final deny (C-4.2).
pub fn nacl_check(topo: &Topology, nacl: NaclId, dir: Direction, p: &Packet) -> NaclVerdict {
    let acl = &topo.nacls[nacl];
    if let Some(r) = nacl_first_match(topo, nacl, dir, p) {
        let action = if r.allow { "allows" } else { "denies" };
        return NaclVerdict {
            allow: r.allow,
            why: format!(
                "NACL {} {} rule {} {}{} {action}",
                acl.meta.name,
                dir.name(),
                r.number,
                r.cidr,
                at(r.pos)
            ),
        };
    }
    NaclVerdict {
        allow: false,
        why: format!(
            "NACL {} {}: no rule matches (implicit deny)",
            acl.meta.name,
            dir.name()
        ),
    }
}

/// The rule of `nacl` that decides `p` in direction `dir` (C-4.2): the
/// lowest-numbered rule that matches, `None` for the implicit final deny.
pub fn nacl_first_match<'t>(
    topo: &'t Topology,
    nacl: NaclId,
    dir: Direction,
    p: &Packet,
) -> Option<&'t NaclRule> {
    let acl = &topo.nacls[nacl];
    let rules: &[NaclRule] = match dir {
        Direction::Ingress => &acl.ingress,
        Direction::Egress => &acl.egress,
    };
    // The loader sorts by rule number; sort a copy of the order anyway so the
    // oracle does not depend on that.
    let mut order: Vec<&NaclRule> = rules.iter().collect();
    order.sort_by_key(|r| r.number);
    let addr = p.peer_addr(dir);
    order
        .into_iter()
        .find(|r| r.cidr.contains(&addr) && proto_port_match(r.proto, &r.port, p))
}

/// The result of a security group evaluation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SgVerdict {
    Allow(String),
    Deny(String),
    Unknown(String),
}

/// Whether one rule's peer matches an address.
enum PeerMatch {
    Yes,
    No,
    /// A prefix list whose entries are not known.
    Unknown,
    /// A reference that matches only through a member's address other than
    /// its primary private IPv4 (must-reach reading of C-5.6).
    Ambiguous,
}

/// True when `addr` is an address of some attached interface in `vpc` that
/// carries security group `sg` (C-5.6, exposure mode: every address of the
/// interface counts).
pub fn sg_member_addr(topo: &Topology, sg: SgId, vpc: usize, addr: IpAddr) -> bool {
    topo.enis.iter().any(|e| {
        e.attached
            && e.vpc == vpc
            && e.security_groups.contains(&sg)
            && e.address_nets().iter().any(|n| n.contains(&addr))
    })
}

/// `identity`: the VPC whose security group identity the packet carries
/// (C-5.8); a reference matches only members of a group of that VPC.
fn peer_match(
    topo: &Topology,
    rule: &SgRule,
    identity: Option<usize>,
    addr: IpAddr,
    primary_only: bool,
) -> PeerMatch {
    let yes = |b: bool| if b { PeerMatch::Yes } else { PeerMatch::No };
    match &rule.peer {
        SgPeer::Cidr(n) => yes(n.contains(&addr)),
        SgPeer::PrefixList(pl) => match &topo.prefix_lists[*pl].entries {
            Some(entries) => yes(entries.iter().any(|n| n.contains(&addr))),
            None => PeerMatch::Unknown,
        },
        SgPeer::SecurityGroup(g) => {
            let w = topo.security_groups[*g].vpc;
            if identity != Some(w) || !sg_member_addr(topo, *g, w, addr) {
                return PeerMatch::No;
            }
            let primary = topo.enis.iter().any(|e| {
                e.attached
                    && e.vpc == w
                    && e.security_groups.contains(g)
                    && e.private_ips
                        .first()
                        .is_some_and(|p| IpAddr::V4(p.addr) == addr)
            });
            if primary || !primary_only {
                PeerMatch::Yes
            } else {
                PeerMatch::Ambiguous
            }
        }
    }
}

/// The rules of security group `g` in direction `dir`.
fn sg_rules(topo: &Topology, g: SgId, dir: Direction) -> &[SgRule] {
    let sg = &topo.security_groups[g];
    match dir {
        Direction::Ingress => &sg.ingress,
        Direction::Egress => &sg.egress,
    }
}

/// The rule that lets `p` through the security groups of `eni` in
/// direction `dir`, for explanations of a path already decided: the group
/// and its rule. A reference to a group matches its members in the group's
/// own VPC (the path decided whether the identity survived, C-5.7), and a
/// rule whose prefix list has unknown entries counts as matching. Rules
/// that match whatever the path come first; a reference to a group of
/// another VPC is named only when nothing else matches.
pub fn sg_deciding_rule<'t>(
    topo: &'t Topology,
    eni: EniId,
    dir: Direction,
    p: &Packet,
) -> Option<(SgId, &'t SgRule)> {
    let e = &topo.enis[eni];
    let addr = p.peer_addr(dir);
    let remote = |r: &SgRule| matches!(r.peer, SgPeer::SecurityGroup(s) if topo.security_groups[s].vpc != e.vpc);
    for pass_remote in [false, true] {
        for &g in &e.security_groups {
            for r in sg_rules(topo, g, dir) {
                if remote(r) != pass_remote || !proto_port_match(r.proto, &r.port, p) {
                    continue;
                }
                let identity = match r.peer {
                    SgPeer::SecurityGroup(s) => Some(topo.security_groups[s].vpc),
                    _ => None,
                };
                if matches!(
                    peer_match(topo, r, identity, addr, false),
                    PeerMatch::Yes | PeerMatch::Unknown
                ) {
                    return Some((g, r));
                }
            }
        }
    }
    None
}

/// Union of the rules of every security group on interface `eni` (C-5.1).
///
/// A rule allows when protocol/port and peer match. If no rule allows and some
/// rule matches on protocol/port but its peer is a prefix list with unknown
/// entries, the verdict is unknown; otherwise deny.
pub fn sg_check(topo: &Topology, eni: EniId, dir: Direction, p: &Packet) -> SgVerdict {
    sg_check_as(topo, eni, dir, p, Some(topo.enis[eni].vpc), false)
}

/// [`sg_check`] for a packet that carries the security group identity of
/// `identity`'s interfaces (C-5.6–C-5.8): references to groups of other
/// VPCs match nothing, and with `None` no reference matches. With
/// `primary_only` (the must-reach reading of C-5.6), a reference matches
/// only members' primary private IPv4 addresses, and a decision that rests
/// on another address of a member is unknown.
pub fn sg_check_as(
    topo: &Topology,
    eni: EniId,
    dir: Direction,
    p: &Packet,
    identity: Option<usize>,
    primary_only: bool,
) -> SgVerdict {
    let iface = &topo.enis[eni];
    // A Network Load Balancer without security groups filters nothing (C-14.4).
    if iface.security_groups.is_empty()
        && let EniOwner::LoadBalancer(lb) = iface.owner
        && topo.load_balancers[lb].kind == LbKind::Network
    {
        return SgVerdict::Allow("network load balancer without security groups (C-14.4)".into());
    }
    // An interface endpoint without groups uses the VPC's default group
    // (C-13.7), whose rules the topology does not name: unknown.
    if iface.security_groups.is_empty() && matches!(iface.owner, EniOwner::Endpoint(_)) {
        return SgVerdict::Unknown(
            "interface endpoint without security groups uses the VPC default group (C-13.7)".into(),
        );
    }
    let addr = p.peer_addr(dir);
    let mut unknown: Option<String> = None;
    for &g in &iface.security_groups {
        let sg = &topo.security_groups[g];
        for r in sg_rules(topo, g, dir) {
            if !proto_port_match(r.proto, &r.port, p) {
                continue;
            }
            match peer_match(topo, r, identity, addr, primary_only) {
                PeerMatch::Yes => {
                    return SgVerdict::Allow(format!(
                        "security group {} {} rule{} allows",
                        sg.meta.name,
                        dir.name(),
                        at(r.pos)
                    ));
                }
                PeerMatch::No => {}
                m @ (PeerMatch::Unknown | PeerMatch::Ambiguous) => {
                    if unknown.is_none() {
                        let why = if matches!(m, PeerMatch::Unknown) {
                            "uses a prefix list with unknown entries".to_string()
                        } else {
                            format!(
                                "matches {addr} only as a secondary, IPv6 or prefix address of a member; AWS does not say whether it counts (C-5.6)"
                            )
                        };
                        unknown = Some(format!(
                            "security group {} {} rule{} {why}",
                            sg.meta.name,
                            dir.name(),
                            at(r.pos)
                        ));
                    }
                }
            }
        }
    }
    match unknown {
        Some(u) => SgVerdict::Unknown(u),
        None => SgVerdict::Deny(format!(
            "no {} rule of the security groups of {} matches",
            dir.name(),
            iface.meta.name
        )),
    }
}

// ---- VPC block public access (C-6.10) -------------------------------------
// The one statement of BPA: the simulator, the engine and `why not` ask here.

/// True when BPA blocks internet ingress into `vpc`, or into `subnet` of
/// it when given: the mode blocks ingress (`block-bidirectional` or
/// `block-ingress`) and neither the VPC nor the subnet is excluded with
/// `allow-bidirectional`.
pub fn bpa_blocks_ingress(topo: &Topology, vpc: VpcId, subnet: Option<SubnetId>) -> bool {
    let b = &topo.bpa;
    if b.mode == BpaMode::Off {
        return false;
    }
    let bidirectional = BpaExclusionMode::AllowBidirectional;
    let excluded = b
        .vpc_exclusions
        .iter()
        .any(|&(v, m)| v == vpc && m == bidirectional)
        || subnet.is_some_and(|s| {
            b.subnet_exclusions
                .iter()
                .any(|&(x, m)| x == s && m == bidirectional)
        });
    !excluded
}

/// True when BPA blocks internet ingress into every subnet of `vpc`: the
/// VPC is blocked and none of its subnets is excluded with
/// `allow-bidirectional`, so the packet is dropped at the VPC.
pub fn bpa_blocks_vpc_ingress(topo: &Topology, vpc: VpcId) -> bool {
    bpa_blocks_ingress(topo, vpc, None)
        && !topo
            .subnets
            .iter()
            .enumerate()
            .any(|(s, sub)| sub.vpc == vpc && !bpa_blocks_ingress(topo, vpc, Some(s)))
}

/// True when BPA blocks egress to the internet from `subnet` of `vpc`
/// through an internet gateway, or through an egress-only one
/// (`via_nat_or_eigw`). An exclusion of either mode on the VPC or the
/// subnet lifts the block; `block-ingress` blocks only direct egress
/// through an internet gateway, not a packet that went through a NAT
/// gateway nor egress-only traffic.
pub fn bpa_blocks_igw_egress(
    topo: &Topology,
    vpc: VpcId,
    subnet: SubnetId,
    via_nat_or_eigw: bool,
) -> bool {
    let b = &topo.bpa;
    let excluded = b.vpc_exclusions.iter().any(|&(v, _)| v == vpc)
        || b.subnet_exclusions.iter().any(|&(s, _)| s == subnet);
    match b.mode {
        BpaMode::Off => false,
        BpaMode::BlockBidirectional => !excluded,
        BpaMode::BlockIngress => !excluded && !via_nat_or_eigw,
    }
}
