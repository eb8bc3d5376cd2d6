//! The forwarding graph: components as nodes, forwarding decisions as edges.
//!
//! Built once per topology with petgraph. Route tables are compiled here into
//! a partition of the destination space (C-3.3–C-3.9), so the engine never
//! re-runs longest-prefix match per packet set.

use std::collections::HashMap;

use ipnet::IpNet;
use petgraph::graph::{DiGraph, NodeIndex};

use crate::hs::{IntervalSet, all_v4, all_v6, net_set};
use crate::model::{
    EniId, HybridRef, NatId, RouteDest, RouteTableId, RouteTarget, TgwId, Topology, VgwId, VpcId,
};

/// A component packets can be at.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Node {
    Internet,
    Igw(usize),
    Eigw(usize),
    Nat(NatId),
    RouteTable(RouteTableId),
    /// Local delivery inside a VPC (the implicit `local` route's target).
    VpcLocal(VpcId),
    Eni(EniId),
    Endpoint(usize),
    /// A VPC peering connection (C-8).
    Peering(usize),
    /// A transit gateway (C-9), index into `hybrid.tgws`.
    Tgw(TgwId),
    /// A virtual private gateway (C-10), index into `hybrid.vgws`.
    Vgw(VgwId),
    /// A target the engine does not model (GWLB endpoint, …) or an undecidable route.
    Opaque,
    /// Dropped (blackhole, no route).
    Drop,
}

/// Why a route-table edge was taken: which route (or local / no route).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub enum RouteChoice {
    /// The implicit local route for a VPC CIDR.
    Local(IpNet),
    /// `routes[i]` of the table; for prefix-list routes, the entry that matched.
    Route { index: usize, entry: Option<IpNet> },
    /// A route propagated by VGW `vgw` for `prefix` (C-10.1).
    Propagated { vgw: VgwId, prefix: IpNet },
    /// No route matches.
    NoRoute,
    /// Several routes tie with different targets (C-3.6), or a prefix list's
    /// entries are unknown: the decision is unknown.
    Ambiguous(String),
}

/// An edge out of a route table: the destinations it carries and where to.
#[derive(Debug, Clone)]
pub struct RouteEdge {
    pub dst: IntervalSet,
    pub choice: RouteChoice,
}

#[derive(Debug, Clone)]
pub enum Edge {
    Route(RouteEdge),
    /// Other structural edges (IGW → VPC, NAT → its subnet table, …).
    Plain,
}

pub struct ForwardingGraph {
    pub g: DiGraph<Node, Edge>,
    pub index: HashMap<Node, NodeIndex>,
}

impl ForwardingGraph {
    pub fn node(&self, n: Node) -> Option<NodeIndex> {
        self.index.get(&n).copied()
    }

    fn add(&mut self, n: Node) -> NodeIndex {
        if let Some(i) = self.index.get(&n) {
            return *i;
        }
        let i = self.g.add_node(n);
        self.index.insert(n, i);
        i
    }

    pub fn build(topo: &Topology) -> ForwardingGraph {
        let mut fg = ForwardingGraph {
            g: DiGraph::new(),
            index: HashMap::new(),
        };
        let internet = fg.add(Node::Internet);
        for (i, igw) in topo.igws.iter().enumerate() {
            let n = fg.add(Node::Igw(i));
            fg.g.add_edge(internet, n, Edge::Plain);
            if let Some(v) = igw.vpc {
                let l = fg.add(Node::VpcLocal(v));
                fg.g.add_edge(n, l, Edge::Plain);
                fg.g.add_edge(n, internet, Edge::Plain);
            }
        }
        for (i, _) in topo.eigws.iter().enumerate() {
            let n = fg.add(Node::Eigw(i));
            fg.g.add_edge(n, internet, Edge::Plain);
        }
        for (e, eni) in topo.enis.iter().enumerate() {
            let n = fg.add(Node::Eni(e));
            let l = fg.add(Node::VpcLocal(eni.vpc));
            fg.g.add_edge(l, n, Edge::Plain);
            if let Some(t) = topo.subnets[eni.subnet].route_table {
                let r = fg.add(Node::RouteTable(t));
                fg.g.add_edge(n, r, Edge::Plain);
            }
        }
        for (i, nat) in topo.nats.iter().enumerate() {
            let n = fg.add(Node::Nat(i));
            if let Some(t) = topo.subnets[nat.subnet].route_table {
                let r = fg.add(Node::RouteTable(t));
                fg.g.add_edge(n, r, Edge::Plain);
            }
        }
        for (p, x) in topo.peerings.iter().enumerate() {
            let n = fg.add(Node::Peering(p));
            for v in [x.requester, x.accepter] {
                let l = fg.add(Node::VpcLocal(v));
                fg.g.add_edge(n, l, Edge::Plain);
            }
        }
        for t in 0..topo.route_tables.len() {
            let from = fg.add(Node::RouteTable(t));
            for (node, edge) in compile_table(topo, t) {
                let to = fg.add(node);
                fg.g.add_edge(from, to, Edge::Route(edge));
            }
        }
        fg
    }
}

/// A route's class, in the order of priority at equal prefix length
/// (C-3.4): the lesser wins.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Class {
    Static,
    Local,
    PrefixList,
    Propagated,
}

struct Cand {
    net: IpNet,
    class: Class,
    node: Node,
    choice: RouteChoice,
}

fn target_node(topo: &Topology, target: &RouteTarget, vpc: VpcId) -> Node {
    match target {
        RouteTarget::Local => Node::VpcLocal(vpc),
        RouteTarget::Blackhole => Node::Drop,
        RouteTarget::Igw(i) => Node::Igw(*i),
        RouteTarget::Eigw(i) => Node::Eigw(*i),
        RouteTarget::Nat(i) => Node::Nat(*i),
        RouteTarget::GatewayEndpoint(i) => Node::Endpoint(*i),
        RouteTarget::Eni(e) => Node::Eni(*e),
        RouteTarget::Peering(p) => Node::Peering(*p),
        RouteTarget::Other(o) => match topo.hybrid.of_other(*o) {
            Some(HybridRef::Tgw(t)) => Node::Tgw(t),
            Some(HybridRef::Vgw(g)) => Node::Vgw(g),
            _ => Node::Opaque,
        },
    }
}

/// Compiles a route table into disjoint destination regions (C-3.3–C-3.9).
pub fn compile_table(topo: &Topology, t: RouteTableId) -> Vec<(Node, RouteEdge)> {
    let table = &topo.route_tables[t];
    let vpc = &topo.vpcs[table.vpc];
    let mut cands: Vec<Cand> = Vec::new();
    let mut out: Vec<(Node, RouteEdge)> = Vec::new();
    let mut local_region = IntervalSet::empty();
    for c in vpc
        .cidrs
        .iter()
        .map(|c| IpNet::V4(*c))
        .chain(vpc.ipv6_cidrs.iter().map(|c| IpNet::V6(*c)))
    {
        local_region = local_region.union(&net_set(&c));
        cands.push(Cand {
            net: c,
            class: Class::Local,
            node: Node::VpcLocal(table.vpc),
            choice: RouteChoice::Local(c),
        });
    }
    let mut unknown = IntervalSet::empty();
    let mut unknown_why = String::new();
    for (i, r) in table.routes.iter().enumerate() {
        let node = if r.blackhole {
            Node::Drop
        } else {
            target_node(topo, &r.target, table.vpc)
        };
        match &r.dest {
            RouteDest::Cidr(net) => {
                let class = if r.propagated {
                    Class::Propagated
                } else {
                    Class::Static
                };
                cands.push(Cand {
                    net: *net,
                    class,
                    node,
                    choice: RouteChoice::Route {
                        index: i,
                        entry: None,
                    },
                });
            }
            RouteDest::PrefixList(pl) => match &topo.prefix_lists[*pl].entries {
                Some(entries) => {
                    for e in entries {
                        cands.push(Cand {
                            net: *e,
                            class: Class::PrefixList,
                            node,
                            choice: RouteChoice::Route {
                                index: i,
                                entry: Some(*e),
                            },
                        });
                    }
                }
                None => {
                    // Entries unknown: any destination of the list's family
                    // could match at any length, so nothing in that family
                    // can be decided (fail closed).
                    unknown = all_v4().union(&all_v6());
                    unknown_why = format!(
                        "route table `{}` routes to prefix list `{}` whose entries are unknown",
                        table.meta.name, topo.prefix_lists[*pl].meta.name
                    );
                }
            },
        }
    }
    // C-10.1: a propagating VGW adds one propagated route per prefix it
    // knows; one with an unstated connection may have added any.
    let mut unstated_vgw: Vec<String> = Vec::new();
    for &g in &table.propagating_vgws {
        let (known, unstated) = super::hybrid::vgw_candidates(topo, g);
        for (net, _, _) in known {
            cands.push(Cand {
                net,
                class: Class::Propagated,
                node: Node::Vgw(g),
                choice: RouteChoice::Propagated {
                    vgw: g,
                    prefix: net,
                },
            });
        }
        if !unstated.is_empty() {
            unstated_vgw.push(format!(
                "route table `{}` has no known route, and vpn gateway `{}` may propagate any prefix learned over {} (C-10.1)",
                table.meta.name,
                topo.hybrid.vgws[g].meta.name,
                unstated.join(", ")
            ));
        }
    }
    // Longest prefix first; then class priority (C-3.4).
    cands.sort_by(|a, b| {
        b.net
            .prefix_len()
            .cmp(&a.net.prefix_len())
            .then(a.class.cmp(&b.class))
            // Equal prefixes of one class must be adjacent to form one group
            // (two prefix lists with the same entry, C-3.6).
            .then(a.net.cmp(&b.net))
    });
    let mut claimed = IntervalSet::empty();
    let mut i = 0;
    while i < cands.len() {
        // A group: same prefix, same class.
        let mut j = i + 1;
        while j < cands.len() && cands[j].net == cands[i].net && cands[j].class == cands[i].class {
            j += 1;
        }
        let mut region = net_set(&cands[i].net).subtract(&claimed);
        if cands[i].class == Class::Propagated {
            // `local` beats every propagated route, even a more specific one (C-3.7).
            region = region.subtract(&local_region);
        }
        if !region.is_empty() {
            let group = &cands[i..j];
            let first = &group[0];
            let all_same = group.iter().all(|c| c.node == first.node);
            // Overlapping prefix-list entries of different lists at equal
            // length: AWS picks one at random (C-3.6).
            if all_same {
                out.push((
                    first.node,
                    RouteEdge {
                        dst: region.clone(),
                        choice: first.choice.clone(),
                    },
                ));
            } else {
                out.push((
                    Node::Opaque,
                    RouteEdge {
                        dst: region.clone(),
                        choice: RouteChoice::Ambiguous(format!(
                            "route table `{}` has several routes for `{}` with different targets (C-3.6)",
                            table.meta.name, first.net
                        )),
                    },
                ));
            }
            claimed = claimed.union(&region);
        }
        i = j;
    }
    if !unknown.is_empty() {
        // Unknown prefix-list contents override every decision in their family.
        out = out
            .into_iter()
            .filter_map(|(n, mut e)| {
                e.dst = e.dst.subtract(&unknown);
                if e.dst.is_empty() { None } else { Some((n, e)) }
            })
            .collect();
        out.push((
            Node::Opaque,
            RouteEdge {
                dst: unknown.clone(),
                choice: RouteChoice::Ambiguous(unknown_why),
            },
        ));
        claimed = claimed.union(&unknown);
    }
    let rest = all_v4().union(&all_v6()).subtract(&claimed);
    if !rest.is_empty() {
        let (node, choice) = match unstated_vgw.first() {
            None => (Node::Drop, RouteChoice::NoRoute),
            Some(why) => (Node::Opaque, RouteChoice::Ambiguous(why.clone())),
        };
        out.push((node, RouteEdge { dst: rest, choice }));
    }
    out
}
