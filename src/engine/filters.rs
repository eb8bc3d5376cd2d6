//! Compiled filters: NACL directions and SG sets as exact header sets.

use crate::hs::{HeaderSet, IntervalSet, net_set, nets_set};
use crate::model::{NaclId, SgId, SgPeer, Topology, VpcId};

/// NACL first-match evaluation compiled into the set it allows (C-4.2):
/// every rule claims what earlier rules left, and the implicit final deny
/// drops the rest.
pub fn nacl_allowed(topo: &Topology, nacl: NaclId, ingress: bool) -> HeaderSet {
    let n = &topo.nacls[nacl];
    let rules = if ingress { &n.ingress } else { &n.egress };
    let mut rest = HeaderSet::universe();
    let mut allowed = HeaderSet::empty();
    for r in rules {
        let peer = net_set(&r.cidr);
        let cube = if ingress {
            HeaderSet::rule(r.proto, &r.port, Some(&peer), None)
        } else {
            HeaderSet::rule(r.proto, &r.port, None, Some(&peer))
        };
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

/// The addresses that match an SG reference (C-5.6, exposure mode: every
/// address of every attached interface carrying the group).
pub fn sg_members(topo: &Topology) -> Vec<IntervalSet> {
    let mut members: Vec<Vec<(u128, u128)>> = vec![Vec::new(); topo.security_groups.len()];
    for eni in topo.enis.iter().filter(|e| e.attached) {
        let addrs = nets_set(eni.address_nets().iter());
        for &sg in &eni.security_groups {
            if topo.security_groups[sg].vpc == eni.vpc {
                members[sg].extend_from_slice(addrs.runs());
            }
        }
    }
    members.into_iter().map(IntervalSet::from_ranges).collect()
}

/// What one security group allows in one direction, coalesced, for a
/// packet that carries the security group identity of `identity`'s
/// interfaces (C-5.8): a reference rule counts only when the referenced
/// group belongs to that VPC (`None`: no reference counts).
pub fn sg_filter_one(
    topo: &Topology,
    members: &[IntervalSet],
    sg: SgId,
    ingress: bool,
    identity: Option<VpcId>,
) -> SgFilter {
    let mut allowed = HeaderSet::empty();
    let mut unknown = HeaderSet::empty();
    let g = &topo.security_groups[sg];
    for r in if ingress { &g.ingress } else { &g.egress } {
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
                Some(members[*s].clone())
            }
        };
        match peer {
            Some(p) => {
                let c = if ingress {
                    HeaderSet::rule(r.proto, &r.port, Some(&p), None)
                } else {
                    HeaderSet::rule(r.proto, &r.port, None, Some(&p))
                };
                allowed.append(c);
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
pub fn references_in(topo: &Topology, g: SgId, ingress: bool, w: VpcId) -> bool {
    let sg = &topo.security_groups[g];
    let rules = if ingress { &sg.ingress } else { &sg.egress };
    rules
        .iter()
        .any(|r| matches!(r.peer, SgPeer::SecurityGroup(x) if topo.security_groups[x].vpc == w))
}
