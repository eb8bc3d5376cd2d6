//! Where `why not` steers a candidate packet: the route target (or
//! transit gateway attachment) that leads towards the goal, whether the
//! one a table chose does, and what a route should point at instead.
//! Used by the tracer today, and by the walker's recorder once `why not`
//! runs on the simulator's walk.

use std::net::IpAddr;

use super::hops::host;
use super::whynot::Goal;
use crate::hs::Packet;
use crate::model::{
    EndpointKind, HybridRef, OnPremId, OnPremVia, RouteTarget, TgwAttachmentId, TgwAttachmentKind,
    TgwId, Topology, VpcId,
};
use crate::sim;

/// The goal a packet is steered towards, in a topology.
pub(super) struct Towards<'t> {
    pub(super) topo: &'t Topology,
    pub(super) goal: Goal,
}

impl Towards<'_> {
    /// The range to route towards the goal: the destination VPC's CIDR
    /// (when it is not `from`, the VPC doing the lookup) or the on-prem
    /// network's range holding `dst`, else `dst` itself.
    pub(super) fn goal_range(&self, dst: IpAddr, from: Option<VpcId>) -> String {
        let topo = self.topo;
        let range = match &self.goal {
            Goal::Eni(d) if Some(topo.enis[*d].vpc) != from => {
                let v = &topo.vpcs[topo.enis[*d].vpc];
                v.cidrs
                    .iter()
                    .map(|c| ipnet::IpNet::V4(*c))
                    .chain(v.ipv6_cidrs.iter().map(|c| ipnet::IpNet::V6(*c)))
                    .find(|c| c.contains(&dst))
            }
            Goal::OnPrem(n) => topo.hybrid.on_prem[*n]
                .cidrs
                .iter()
                .copied()
                .find(|c| c.contains(&dst)),
            _ => None,
        };
        range.map_or_else(|| host(dst), |n| n.to_string())
    }
    /// The target the packet should take from a table in `vpc`.
    pub(super) fn natural_target(&self, vpc: VpcId, p: &Packet) -> Option<RouteTarget> {
        let topo = self.topo;
        match &self.goal {
            Goal::Eni(d) if topo.enis[*d].vpc == vpc => Some(RouteTarget::Local),
            Goal::Eni(_) | Goal::OnPrem(_) => self.hybrid_natural(vpc),
            Goal::Addresses => None,
            Goal::Internet | Goal::Service(_) => {
                if let Some(ep) = topo.endpoints.iter().position(|x| {
                    x.vpc == vpc
                        && x.kind == EndpointKind::Gateway
                        && match &self.goal {
                            Goal::Service(s) => super::endpoint::service_of(&x.service) == *s,
                            // An internet address of the service: its
                            // gateway endpoint carries it (C-13.1).
                            _ => endpoint_carries(topo, x, p.dst),
                        }
                }) {
                    return Some(RouteTarget::GatewayEndpoint(ep));
                }
                if p.dst.is_ipv6()
                    && let Some(&g) = topo.vpcs[vpc].eigws.first()
                    && topo.vpcs[vpc].igw.is_none()
                {
                    return Some(RouteTarget::Eigw(g));
                }
                topo.vpcs[vpc].igw.map(RouteTarget::Igw)
            }
        }
    }
    /// True when `t` is a way towards the goal.
    pub(super) fn target_ok(&self, t: &RouteTarget, vpc: VpcId, dst: IpAddr) -> bool {
        let topo = self.topo;
        if let RouteTarget::Other(o) = t {
            match topo.hybrid.of_other(*o) {
                // A transit gateway decides for itself where the packet
                // goes (another VPC, an egress VPC, on prem): follow it.
                Some(HybridRef::Tgw(_)) => return true,
                // A VGW forwards only to prefixes it knows and drops the
                // rest (C-10.2): where it knows no route, the drop is the
                // VGW's, so the packet is followed there.
                Some(HybridRef::Vgw(g)) => {
                    return matches!(self.goal, Goal::OnPrem(_) | Goal::Addresses)
                        || matches!(
                            crate::sim::vgw_pick(topo, g, dst),
                            crate::sim::VgwPick::NoRoute(_)
                        );
                }
                _ => {}
            }
        }
        // A peering is followed: it names what it does not carry
        // (C-8.2, no edge-to-edge routing C-8.3). So is a NAT gateway: it
        // forwards the translated packet by its own subnet's routes, which
        // may well lead to the goal (a private NAT to another network).
        if let RouteTarget::Peering(_) | RouteTarget::Nat(_) = t {
            return true;
        }
        match (&self.goal, t) {
            (Goal::Eni(d), RouteTarget::Local) => self.topo.enis[*d].vpc == vpc,
            (Goal::Internet, RouteTarget::Igw(_) | RouteTarget::Eigw(_) | RouteTarget::Nat(_)) => {
                true
            }
            // The route lookup picked the endpoint's prefix list entry for
            // this address (C-3.3): the endpoint carries it to the service
            // (C-13.1).
            (Goal::Internet, RouteTarget::GatewayEndpoint(_)) => true,
            (
                Goal::Service(_),
                RouteTarget::Igw(_) | RouteTarget::Eigw(_) | RouteTarget::Nat(_),
            ) => true,
            (Goal::Service(s), RouteTarget::GatewayEndpoint(ep)) => {
                super::endpoint::service_of(&self.topo.endpoints[*ep].service) == *s
            }
            (
                Goal::Addresses,
                RouteTarget::Igw(_)
                | RouteTarget::Eigw(_)
                | RouteTarget::Nat(_)
                | RouteTarget::GatewayEndpoint(_),
            ) => true,
            _ => false,
        }
    }
    /// What a route should point at when no target of the VPC leads to
    /// the goal: never the kind of target the route already has (a VPC
    /// has at most one VPN gateway, C-10.1).
    pub(super) fn no_natural_target(&self, vpc: VpcId, current: Option<&RouteTarget>) -> String {
        let topo = self.topo;
        if matches!(self.goal, Goal::Internet | Goal::Service(_)) {
            return format!(
                "an internet gateway attached to VPC `{}` (or a NAT gateway that uses one)",
                topo.vpcs[vpc].meta.name
            );
        }
        let kind = current.and_then(|t| match t {
            RouteTarget::Peering(_) => Some(0),
            RouteTarget::Other(o) => match topo.hybrid.of_other(*o) {
                Some(HybridRef::Tgw(_)) => Some(1),
                Some(HybridRef::Vgw(_)) => Some(2),
                _ => None,
            },
            _ => None,
        });
        let mut kinds = vec![
            if kind == Some(0) {
                "another peering connection"
            } else {
                "a peering connection"
            },
            if kind == Some(1) {
                "another transit gateway"
            } else {
                "a transit gateway"
            },
        ];
        if kind != Some(2) {
            kinds.push("a VPN gateway");
        }
        let list = match kinds.as_slice() {
            [a, b] => format!("{a} or {b}"),
            [a, b, c] => format!("{a}, {b} or {c}"),
            _ => kinds.join(", "),
        };
        format!("{list} that reaches it")
    }
    /// True when attachment `a` leads out to on-prem network `n`.
    pub(super) fn leads_to_onprem(&self, a: TgwAttachmentId, n: OnPremId) -> bool {
        let h = &self.topo.hybrid;
        let net = &h.on_prem[n];
        match &h.tgw_attachments[a].kind {
            TgwAttachmentKind::Vpn(v) => net.via.contains(&OnPremVia::Vpn(*v)),
            TgwAttachmentKind::DxGateway(dx) => h.dx_gateways[*dx]
                .vifs
                .iter()
                .any(|x| net.via.contains(&OnPremVia::Vif(*x))),
            _ => false,
        }
    }
    /// The hybrid route target that leads from `vpc` towards the goal: a
    /// peering or transit gateway to the goal's VPC, or a VGW or transit
    /// gateway to the goal's on-prem network.
    pub(super) fn hybrid_natural(&self, vpc: VpcId) -> Option<RouteTarget> {
        let topo = self.topo;
        let h = &topo.hybrid;
        match self.goal {
            Goal::Eni(d) => {
                let to = topo.enis[d].vpc;
                let pcx = (0..topo.peerings.len())
                    .filter(|&x| topo.peerings[x].peer_of(vpc) == Some(to))
                    .min_by_key(|&x| !topo.peerings[x].active);
                if let Some(x) = pcx {
                    return Some(RouteTarget::Peering(x));
                }
                h.tgws
                    .keys()
                    .find(|&t| {
                        crate::rules::tgw_vpc_attachment(self.topo, t, vpc).is_some()
                            && crate::rules::tgw_vpc_attachment(self.topo, t, to).is_some()
                    })
                    .and_then(|t| sim::other_of(self.topo, HybridRef::Tgw(t)))
                    .map(RouteTarget::Other)
            }
            Goal::OnPrem(n) => {
                let net = &h.on_prem[n];
                let vgw = h
                    .vgws
                    .keys()
                    .filter(|&g| h.vgws[g].vpc == Some(vpc))
                    .find(|&g| {
                        sim::connections_of_vgw(topo, g)
                            .iter()
                            .any(|v| net.via.contains(v))
                    });
                if let Some(o) = vgw.and_then(|g| sim::other_of(self.topo, HybridRef::Vgw(g))) {
                    return Some(RouteTarget::Other(o));
                }
                h.tgws
                    .keys()
                    .find(|&t| {
                        crate::rules::tgw_vpc_attachment(self.topo, t, vpc).is_some()
                            && h.tgw_attachments
                                .iter_enumerated()
                                .any(|(a, x)| x.tgw == t && self.leads_to_onprem(a, n))
                    })
                    .and_then(|t| sim::other_of(self.topo, HybridRef::Tgw(t)))
                    .map(RouteTarget::Other)
            }
            Goal::Internet | Goal::Service(_) | Goal::Addresses => None,
        }
    }
    /// The attachment of the table's gateway that leads towards the goal:
    /// the goal VPC's attachment, else a peering with a transit gateway
    /// that has one.
    pub(super) fn natural_attachment(&self, t: TgwId) -> Option<TgwAttachmentId> {
        let h = &self.topo.hybrid;
        match self.goal {
            Goal::Eni(d) => {
                let vpc = self.topo.enis[d].vpc;
                crate::rules::tgw_vpc_attachment(self.topo, t, vpc).or_else(|| {
                    h.tgw_attachments.keys().find(|&a| {
                        h.tgw_attachments[a].tgw == t
                            && matches!(h.tgw_attachments[a].kind, TgwAttachmentKind::Peering(t2) if crate::rules::tgw_vpc_attachment(self.topo, t2, vpc).is_some())
                    })
                })
            }
            Goal::OnPrem(n) => h
                .tgw_attachments
                .keys()
                .find(|&a| h.tgw_attachments[a].tgw == t && self.leads_to_onprem(a, n)),
            Goal::Internet | Goal::Service(_) | Goal::Addresses => None,
        }
    }
    /// The blocker hop and fix where transit gateway route table `rt`
    /// drops `p` (`why`, the simulator's reason: no route, a blackhole,
    /// C-9.5, or a target that is not available), `natural` being the
    /// attachment towards the goal.
    pub(super) fn tgw_drop(
        &self,
        rt: crate::model::TgwRouteTableId,
        natural: Option<TgwAttachmentId>,
        why: String,
        p: &Packet,
    ) -> (crate::report::Hop, String) {
        let topo = self.topo;
        let h = &topo.hybrid;
        let table = &h.tgw_route_tables[rt];
        let to = natural.map_or_else(
            || "an attachment that reaches it".to_string(),
            |n| format!("`{}`", h.tgw_attachments[n].meta.name),
        );
        let blackhole = table.routes.iter().find(|r| {
            r.target == crate::model::TgwRouteTarget::Blackhole
                && matches!(r.dest, crate::model::RouteDest::Cidr(n) if n.contains(&p.dst))
        });
        let (pos, fix) = if let Some(r) = blackhole.filter(|_| why.contains("blackhole")) {
            (
                r.pos,
                format!(
                    "the route is a blackhole (C-9.5): point it at {to} or delete it (a more specific route → {to} also works)"
                ),
            )
        } else if why.contains("no route") {
            let peering = natural.is_some_and(|n| {
                matches!(h.tgw_attachments[n].kind, TgwAttachmentKind::Peering(_))
            });
            let how = if peering {
                " (a peering attachment propagates nothing: static routes only, C-9.10)".to_string()
            } else {
                format!(", or propagate {to} into it (C-9.3)")
            };
            (
                table.meta.pos,
                format!(
                    "add a static route {} → {to} to `{}`{how}",
                    self.goal_range(p.dst, None),
                    table.meta.name
                ),
            )
        } else {
            (
                table.meta.pos,
                format!("make the route's target attachment available, or route it to {to}"),
            )
        };
        let hop = crate::report::Hop {
            component: table.meta.name.clone(),
            aws_id: table.meta.aws_id.clone(),
            rule: why,
            location: crate::engine::explain::pos_location(topo, pos),
        };
        (hop, fix)
    }

    /// True when sending the packet to attachment `a` cannot reach the goal.
    pub(super) fn wrong_attachment(&self, a: TgwAttachmentId) -> bool {
        let leaves = matches!(
            self.topo.hybrid.tgw_attachments[a].kind,
            TgwAttachmentKind::Vpn(_) | TgwAttachmentKind::DxGateway(_)
        );
        match self.goal {
            Goal::OnPrem(n) => leaves && !self.leads_to_onprem(a, n),
            Goal::Addresses => false,
            Goal::Eni(_) | Goal::Internet | Goal::Service(_) => leaves,
        }
    }
}

/// True when gateway endpoint `x` carries packets to `dst`: an entry of its
/// service's prefix list (IPv4 or IPv6, C-13.1, C-13.5) holds it.
fn endpoint_carries(topo: &Topology, x: &crate::model::Endpoint, dst: IpAddr) -> bool {
    [x.prefix_list, x.ipv6_prefix_list]
        .into_iter()
        .flatten()
        .filter_map(|pl| topo.prefix_lists[pl].entries.as_ref())
        .flatten()
        .any(|n| n.contains(&dst))
}
