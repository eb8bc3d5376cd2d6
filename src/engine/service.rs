//! Engine capabilities for service-path questions (`private-service-access`):
//! the compiled filters of one component, and which route a table chooses
//! for a destination. Kept apart from the propagation code so that checks
//! can ask "does this NACL / security group / route admit that packet?"
//! without re-implementing the filters.

use std::sync::Arc;

use petgraph::visit::EdgeRef;

use super::graph::{Edge, Node, RouteChoice};
use super::{Engine, SgFilter};
use crate::hs::HeaderSet;
use crate::model::{EniId, RouteTableId, SubnetId};

impl Engine<'_> {
    /// What the NACL of `subnet` allows, inbound (matching the source) or
    /// outbound (matching the destination), as an exact set (C-4.2).
    pub fn nacl_allows(&self, subnet: SubnetId, ingress: bool) -> &HeaderSet {
        let n = self.topo.subnets[subnet].nacl;
        if ingress {
            &self.nacl_in[n]
        } else {
            &self.nacl_out[n]
        }
    }

    /// What the security groups of interface `eni` allow in one direction,
    /// and what depends on unknown prefix-list entries (C-5.1, C-13.7).
    pub fn sg_allows(&self, eni: EniId, ingress: bool) -> Arc<SgFilter> {
        self.sg_for(eni, ingress)
    }

    /// What a set of security groups allows in one direction (C-5.1).
    pub fn sg_set_allows(&self, sgs: &[usize], ingress: bool) -> Arc<SgFilter> {
        self.sg(sgs, ingress)
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
