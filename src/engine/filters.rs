//! Compiled filters: NACL directions and SG sets as exact header sets.

use crate::hs::{HeaderSet, IntervalSet, net_set, nets_set};
use crate::model::{Direction, NaclId, PortMatch, Proto, SgId, SgPeer, Topology, VpcId};

/// NACL first-match evaluation compiled into the set it allows (C-4.2):
/// every rule claims what earlier rules left, and the implicit final deny
/// drops the rest.
pub fn nacl_allowed(topo: &Topology, nacl: NaclId, dir: Direction) -> HeaderSet {
    let rules = topo.nacls[nacl].rules(dir);
    let mut rest = HeaderSet::universe();
    let mut allowed = HeaderSet::empty();
    for r in rules {
        let peer = net_set(&r.cidr);
        let cube = peer_rule(r.proto, &r.port, dir, &peer);
        if r.allow {
            // `rest` excludes every earlier rule, so this part is disjoint
            // from what is already allowed.
            allowed.append(rest.intersect(&cube));
        }
        rest = rest.subtract(&cube);
        if rest.is_empty() {
            break;
        }
    }
    allowed
}

/// What a set of SGs allows in one direction (C-5.1), and what depends on
/// prefix lists whose entries are unknown, for one security group identity
/// of the packet (C-5.8).
#[derive(Debug, Clone, Default)]
pub struct SgFilter {
    pub allowed: HeaderSet,
    pub unknown: HeaderSet,
}

/// Per group, the addresses that match a reference to it, and those whose
/// match AWS leaves ambiguous (C-5.6). Exposure reading (`primary_only`
/// false): every address of every attached interface carrying the group
/// matches, and nothing is ambiguous. Must-reach reading: only each
/// member's primary private IPv4 matches; its other addresses (secondary
/// IPv4, IPv6, delegated prefixes) are ambiguous, and what only they admit
/// is unknown.
pub fn sg_members(topo: &Topology, primary_only: bool) -> (Vec<IntervalSet>, Vec<IntervalSet>) {
    let n = topo.security_groups.len();
    let mut members: Vec<Vec<(u128, u128)>> = vec![Vec::new(); n];
    let mut doubtful: Vec<Vec<(u128, u128)>> = vec![Vec::new(); n];
    for eni in topo.enis.iter().filter(|e| e.attached) {
        let all = nets_set(eni.address_nets().iter());
        let (sure, other) = match (primary_only, eni.private_ips.first()) {
            (false, _) => (all, IntervalSet::empty()),
            (true, Some(p)) => {
                let one = crate::hs::addr_set(std::net::IpAddr::V4(p.addr));
                let rest = all.subtract(&one);
                (one, rest)
            }
            (true, None) => (IntervalSet::empty(), all),
        };
        for &sg in &eni.security_groups {
            if topo.security_groups[sg].vpc == eni.vpc {
                members[sg].extend_from_slice(sure.runs());
                doubtful[sg].extend_from_slice(other.runs());
            }
        }
    }
    let sets = |v: Vec<Vec<(u128, u128)>>| v.into_iter().map(IntervalSet::from_ranges).collect();
    (sets(members), sets(doubtful))
}

/// What one security group allows in one direction, coalesced, for a
/// packet that carries the security group identity of `identity`'s
/// interfaces (C-5.8): a reference rule counts only when the referenced
/// group belongs to that VPC (`None`: no reference counts).
pub fn sg_filter_one(
    topo: &Topology,
    members: &(Vec<IntervalSet>, Vec<IntervalSet>),
    sg: SgId,
    dir: Direction,
    identity: Option<VpcId>,
) -> SgFilter {
    let mut allowed = HeaderSet::empty();
    let mut unknown = HeaderSet::empty();
    let g = &topo.security_groups[sg];
    for r in g.rules(dir) {
        let peer = match &r.peer {
            SgPeer::Cidr(n) => Some(net_set(n)),
            SgPeer::PrefixList(pl) => topo.prefix_lists[*pl]
                .entries
                .as_ref()
                .map(|e| nets_set(e.iter())),
            SgPeer::SecurityGroup(s) => {
                if identity != Some(topo.security_groups[*s].vpc) {
                    continue;
                }
                // Ambiguous members (must-reach reading, C-5.6): unknown.
                let d = &members.1[*s];
                if !d.is_empty() {
                    unknown.append(peer_rule(r.proto, &r.port, dir, d));
                }
                Some(members.0[*s].clone())
            }
        };
        match peer {
            Some(p) => {
                allowed.append(peer_rule(r.proto, &r.port, dir, &p));
            }
            None => unknown.append(HeaderSet::rule(r.proto, &r.port, None, None)),
        }
    }
    SgFilter {
        allowed: allowed.coalesce(),
        unknown,
    }
}

/// What a set of security groups allows (the union of their rules, C-5.1),
/// from the per-group filters.
pub fn sg_union(parts: &[&SgFilter]) -> SgFilter {
    let mut allowed = HeaderSet::empty();
    let mut unknown = HeaderSet::empty();
    for p in parts {
        allowed.append(p.allowed.clone());
        unknown.append(p.unknown.clone());
    }
    // Groups often repeat each other's rules: merge across groups too.
    let allowed = if parts.len() > 1 {
        allowed.coalesce()
    } else {
        allowed
    };
    let unknown = if unknown.is_empty() {
        unknown
    } else {
        unknown.subtract(&allowed)
    };
    SgFilter { allowed, unknown }
}

/// True when a rule of group `g` in one direction references a group of
/// VPC `w` (C-5.6).
pub fn references_in(topo: &Topology, g: SgId, dir: Direction, w: VpcId) -> bool {
    topo.security_groups[g]
        .rules(dir)
        .iter()
        .any(|r| matches!(r.peer, SgPeer::SecurityGroup(x) if topo.security_groups[x].vpc == w))
}

/// The packets a filter rule of protocol `proto` and ports `port` matches
/// when crossed in direction `dir` with peer addresses `peer`: the peer is
/// the source on ingress, the destination on egress.
fn peer_rule(proto: Proto, port: &PortMatch, dir: Direction, peer: &IntervalSet) -> HeaderSet {
    match dir {
        Direction::Ingress => HeaderSet::rule(proto, port, Some(peer), None),
        Direction::Egress => HeaderSet::rule(proto, port, None, Some(peer)),
    }
}
