//! Engine capabilities for service-path questions (`private-service-access`):
//! the compiled filters of one component, and which route a table chooses
//! for a destination. Kept apart from the propagation code so that checks
//! can ask "does this NACL / security group / route admit that packet?"
//! without re-implementing the filters; and where a service's addresses
//! are ([`service_ranges`]), for the check and for queries.

use std::sync::Arc;

use petgraph::visit::EdgeRef;

use super::graph::{Edge, Node, RouteChoice};
use super::{Engine, SgFilter};
use ipnet::IpNet;

use crate::hs::{HeaderSet, IntervalSet, nets_set};
use crate::model::{
    Direction, EndpointKind, EniId, PrefixListId, RouteTableId, SubnetId, Topology,
};

impl Engine<'_> {
    /// What the NACL of `subnet` allows, inbound (matching the source) or
    /// outbound (matching the destination), as an exact set (C-4.2).
    pub fn nacl_allows(&self, subnet: SubnetId, dir: Direction) -> &HeaderSet {
        let n = self.topo.subnets[subnet].nacl;
        match dir {
            Direction::Ingress => &self.nacl_in[n],
            Direction::Egress => &self.nacl_out[n],
        }
    }

    /// What the security groups of interface `eni` allow in one direction,
    /// and what depends on unknown prefix-list entries (C-5.1, C-13.7).
    pub fn sg_allows(&self, eni: EniId, dir: Direction) -> Arc<SgFilter> {
        self.sg_for(eni, dir)
    }

    /// What a set of security groups allows in one direction (C-5.1).
    pub fn sg_set_allows(&self, sgs: &[usize], dir: Direction) -> Arc<SgFilter> {
        self.sg(sgs, dir)
    }

    /// The node route table `table` sends destination `dst` (an encoded
    /// address) to, and the route that decided (C-3.3–C-3.9).
    pub fn route_for(&self, table: RouteTableId, dst: u128) -> Option<(Node, RouteChoice)> {
        let n = self.graph.node(Node::RouteTable(table))?;
        self.graph.g.edges(n).find_map(|er| match er.weight() {
            Edge::Route(edge) if edge.dst.contains(dst) => {
                Some((self.graph.g[er.target()], edge.choice.clone()))
            }
            _ => None,
        })
    }
}

/// The addresses of an AWS service from its AWS-managed prefix lists (the
/// lists marked with the service and those of its gateway endpoints), for
/// every service name `is_service` accepts, of one family (`Some(v4)`) or
/// of both (`None`); and the lists it consulted. The set is `None` when no
/// such list is in the topology, or one of them has unknown entries.
///
/// The check matches one Region's service (`com.amazonaws.<region>.s3`);
/// queries match a service in any Region (`s3`).
pub fn service_ranges(
    topo: &Topology,
    is_service: impl Fn(&str) -> bool,
    v4: Option<bool>,
) -> (Option<IntervalSet>, Vec<PrefixListId>) {
    let mut ids: Vec<PrefixListId> = topo
        .prefix_lists
        .iter()
        .enumerate()
        .filter(|(_, p)| p.service.as_deref().is_some_and(&is_service))
        .map(|(i, _)| i)
        .collect();
    for e in &topo.endpoints {
        if e.kind == EndpointKind::Gateway && is_service(&e.service) {
            ids.extend(e.prefix_list);
            ids.extend(e.ipv6_prefix_list);
        }
    }
    ids.sort_unstable();
    ids.dedup();
    let family = v4.map(|v4| {
        if v4 {
            crate::model::format::AddressFamily::Ipv4
        } else {
            crate::model::format::AddressFamily::Ipv6
        }
    });
    let mut known: Vec<IpNet> = Vec::new();
    let mut any_unknown = false;
    let mut lists = Vec::new();
    for &id in &ids {
        let fam = topo.prefix_list_family(id);
        if let (Some(f), Some(want)) = (fam, family)
            && f != want
        {
            continue;
        }
        lists.push(id);
        match &topo.prefix_lists[id].entries {
            Some(es) => known.extend(
                es.iter()
                    .filter(|n| v4.is_none_or(|v4| matches!(n, IpNet::V4(_)) == v4)),
            ),
            None => any_unknown = true,
        }
    }
    if any_unknown || lists.is_empty() {
        (None, lists)
    } else {
        (Some(nets_set(known.iter())), lists)
    }
}
