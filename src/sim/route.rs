//! Longest-prefix-match route lookup for one destination (C-3.3–C-3.9),
//! written as a scan over every candidate.

use std::net::IpAddr;

use ipnet::IpNet;

use crate::model::{RouteDest, RouteTableId, RouteTarget, Topology};
use crate::rules::at;

/// The kind of a candidate route, in tie-break order: at equal prefix length
/// a lower kind wins (static CIDR > local > prefix list > propagated, C-3.4).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum RouteKind {
    Static,
    Local,
    PrefixList,
    Propagated,
}

/// One route that covers the destination.
#[derive(Debug, Clone)]
struct Candidate {
    net: IpNet,
    kind: RouteKind,
    /// The effective target: `Blackhole` for a route in `state: blackhole`.
    target: RouteTarget,
    what: String,
    /// Which route this is, for explanations.
    route: Winner,
}

/// The result of a lookup.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Lookup {
    /// The winning route's target (never `Blackhole`), with a description.
    Target(RouteTarget, String),
    /// The winner is a blackhole route: drop, no fallback (C-3.9).
    Blackhole(String),
    /// No route covers the destination.
    NoRoute,
    /// The winner cannot be decided (C-3.6, unknown prefix-list entries).
    Unknown(String),
}

/// Looks `d` up in route table `rt`.
///
/// Unknown prefix-list entries: the resolved model does not record a family
/// for a list whose entries are unknown, and such a list could hold any
/// prefix, including a /32 or /128 that beats every other route. The simple,
/// documented choice is therefore: **any lookup in a table that has a route
/// to a prefix list with unknown entries is unknown**, whatever the
/// destination.
pub fn lookup(topo: &Topology, rt: RouteTableId, d: IpAddr) -> Lookup {
    lookup_route(topo, rt, d).0
}

/// The winning route of a lookup, for explanations.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Winner {
    /// The implicit local route for this VPC CIDR.
    Local(IpNet),
    /// `routes[index]`; for a prefix-list route, the entry that matched.
    Route { index: usize, entry: Option<IpNet> },
    /// A route for `prefix` propagated from a VPN gateway (C-10.1).
    Propagated { prefix: IpNet },
}

/// [`lookup`], and which route won (`None` when none did).
pub fn lookup_route(topo: &Topology, rt: RouteTableId, d: IpAddr) -> (Lookup, Option<Winner>) {
    let table = &topo.route_tables[rt];

    for r in &table.routes {
        if let RouteDest::PrefixList(pl) = r.dest
            && topo.prefix_lists[pl].entries.is_none()
        {
            return (
                Lookup::Unknown(format!(
                    "route table {} has a route{} to prefix list {} whose entries are unknown",
                    table.meta.name,
                    at(r.pos),
                    topo.prefix_lists[pl].meta.name
                )),
                None,
            );
        }
    }

    // 1. Candidates.
    let mut cands: Vec<Candidate> = Vec::new();
    let vpc = &topo.vpcs[table.vpc];
    let vpc_nets = vpc
        .cidrs
        .iter()
        .map(|n| IpNet::V4(*n))
        .chain(vpc.ipv6_cidrs.iter().map(|n| IpNet::V6(*n)));
    for net in vpc_nets {
        if net.contains(&d) {
            cands.push(Candidate {
                net,
                kind: RouteKind::Local,
                target: RouteTarget::Local,
                what: format!("implicit local route {net}"),
                route: Winner::Local(net),
            });
        }
    }
    for (index, r) in table.routes.iter().enumerate() {
        let target = if r.blackhole {
            RouteTarget::Blackhole
        } else {
            r.target.clone()
        };
        match &r.dest {
            RouteDest::Cidr(net) => {
                if net.contains(&d) {
                    let kind = if r.propagated {
                        RouteKind::Propagated
                    } else {
                        RouteKind::Static
                    };
                    cands.push(Candidate {
                        net: *net,
                        kind,
                        target,
                        what: format!("route {net}{}", at(r.pos)),
                        route: Winner::Route { index, entry: None },
                    });
                }
            }
            RouteDest::PrefixList(pl) => {
                let list = &topo.prefix_lists[*pl];
                let entries = list.entries.as_deref().unwrap_or_default();
                for net in entries {
                    if net.contains(&d) {
                        let kind = if r.propagated {
                            RouteKind::Propagated
                        } else {
                            RouteKind::PrefixList
                        };
                        cands.push(Candidate {
                            net: *net,
                            kind,
                            target: target.clone(),
                            what: format!(
                                "route to prefix list {} entry {net}{}",
                                list.meta.name,
                                at(r.pos)
                            ),
                            route: Winner::Route {
                                index,
                                entry: Some(*net),
                            },
                        });
                    }
                }
            }
        }
    }

    // VGW route propagation (C-10.1).
    let (vgw_routes, vgw_open) = super::hybrid::propagated(topo, rt, d);
    for (net, target) in vgw_routes {
        cands.push(Candidate {
            net,
            kind: RouteKind::Propagated,
            what: format!("route {net} propagated from a vpn gateway"),
            target,
            route: Winner::Propagated { prefix: net },
        });
    }

    // 2. Inside a VPC CIDR, propagated routes are ignored (C-3.7).
    if cands.iter().any(|c| c.kind == RouteKind::Local) {
        cands.retain(|c| c.kind != RouteKind::Propagated);
    }

    // 3. Longest prefix, then kind.
    let Some(best_len) = cands.iter().map(|c| c.net.prefix_len()).max() else {
        if vgw_open {
            return (
                Lookup::Unknown(format!(
                    "route table {} has no route for {d}, and a propagating vpn gateway may have learned one the topology does not state",
                    table.meta.name
                )),
                None,
            );
        }
        return (Lookup::NoRoute, None);
    };
    cands.retain(|c| c.net.prefix_len() == best_len);
    let Some(best_kind) = cands.iter().map(|c| c.kind).min() else {
        return (Lookup::NoRoute, None);
    };
    cands.retain(|c| c.kind == best_kind);

    // 4. A remaining tie between different (effective) targets is unknown.
    let Some(first) = cands.first() else {
        return (Lookup::NoRoute, None);
    };
    if let Some(other) = cands.iter().find(|c| c.target != first.target) {
        return (
            Lookup::Unknown(format!(
                "route table {}: {} and {} tie with different targets",
                table.meta.name, first.what, other.what
            )),
            None,
        );
    }

    // 5. The winner.
    let what = format!("route table {}: {} wins", table.meta.name, first.what);
    let winner = Some(first.route.clone());
    let l = match first.target {
        RouteTarget::Blackhole => Lookup::Blackhole(what),
        ref t => Lookup::Target(t.clone(), what),
    };
    (l, winner)
}
