//! The transit gateway and BGP facts one packet's route choice depends on
//! (C-9.4, C-10.x): what an attachment propagates into a route table, and
//! what a connection has learned from on prem, where a packet enters a
//! transit gateway, and a VPN gateway's edge route table. The engine
//! compiles route tables from them and the simulator looks them up per
//! packet.

use ipnet::IpNet;

use crate::model::{
    DxGatewayId, GatewayRef, HybridRef, OnPremVia, OutsideIp, RouteDest, RouteTableId, SubnetId,
    TgwAttachmentId, TgwAttachmentKind, TgwId, TgwRouteTableId, TgwRouteTarget, Topology, VgwId,
    VifKind, VpcId,
};

/// At most this many transit gateway route lookups per packet.
pub const MAX_TGW_HOPS: usize = 8;

/// The priority class of a transit gateway route (C-9.4), in AWS's order
/// of preference: at equal prefix length the lesser class wins.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum TgwRouteRank {
    /// A static route, or a VPN attachment's static routes.
    Static,
    /// A route to a prefix list.
    PrefixList,
    /// Propagated from a VPC attachment.
    Vpc,
    /// Propagated from a DX gateway's transit virtual interfaces.
    DxGateway,
    /// Propagated from a Connect attachment.
    Connect,
    /// Propagated from a VPN attachment over a private IP (over DX).
    VpnOverPrivateDx,
    /// Propagated from any other VPN attachment.
    Vpn,
}

impl TgwRouteRank {
    /// The class, for messages.
    pub fn name(self) -> &'static str {
        match self {
            TgwRouteRank::Static => "static",
            TgwRouteRank::PrefixList => "prefix list",
            TgwRouteRank::Vpc => "VPC",
            TgwRouteRank::DxGateway => "DX gateway",
            TgwRouteRank::Connect => "Connect",
            TgwRouteRank::VpnOverPrivateDx => "VPN over private DX",
            TgwRouteRank::Vpn => "VPN",
        }
    }
}

/// The priority class of a route a VGW learned (C-10.3), in AWS's order of
/// preference: at equal prefix length the lesser class wins.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum VgwRouteRank {
    /// Learned over a Direct Connect virtual interface (BGP).
    DxBgp,
    /// A static route of a VPN connection.
    VpnStatic,
    /// Learned over a VPN connection with BGP.
    VpnBgp,
}

impl VgwRouteRank {
    /// The class of the routes learned over connection `via`.
    pub fn of(topo: &Topology, via: OnPremVia) -> VgwRouteRank {
        match via {
            OnPremVia::Vif(_) => VgwRouteRank::DxBgp,
            OnPremVia::Vpn(v) if topo.hybrid.vpns[v].static_routes_only => VgwRouteRank::VpnStatic,
            OnPremVia::Vpn(_) => VgwRouteRank::VpnBgp,
        }
    }

    /// The class, for messages.
    pub fn name(self) -> &'static str {
        match self {
            VgwRouteRank::DxBgp => "DX BGP",
            VgwRouteRank::VpnStatic => "VPN static",
            VgwRouteRank::VpnBgp => "VPN BGP",
        }
    }
}

/// What transit gateway attachment `a` propagates into a TGW route table
/// (C-9.4): each prefix with its rank (a static VPN, a VPC, a DX
/// gateway's transit virtual interfaces, a VPN over a private IP, another
/// VPN), and the connections whose learned routes the topology
/// does not state, named (they may hold any prefix). Nothing from an
/// attachment or connection that is not available, nor from a peering.
pub fn tgw_propagated(
    topo: &Topology,
    a: TgwAttachmentId,
) -> (Vec<(IpNet, TgwRouteRank)>, Vec<String>) {
    let h = &topo.hybrid;
    let att = &h.tgw_attachments[a];
    let mut routes: Vec<(IpNet, TgwRouteRank)> = Vec::new();
    let mut unstated: Vec<String> = Vec::new();
    if !att.available {
        return (routes, unstated);
    }
    let mut add =
        |via: OnPremVia, rank: TgwRouteRank, label: String| match learned_routes(topo, via) {
            Some(nets) => routes.extend(nets.into_iter().map(|n| (n, rank))),
            None => unstated.push(label),
        };
    match &att.kind {
        TgwAttachmentKind::Vpc {
            vpc, ipv6_support, ..
        } => {
            let v = &topo.vpcs[*vpc];
            routes.extend(v.cidrs.iter().map(|c| (IpNet::V4(*c), TgwRouteRank::Vpc)));
            if *ipv6_support {
                routes.extend(
                    v.ipv6_cidrs
                        .iter()
                        .map(|c| (IpNet::V6(*c), TgwRouteRank::Vpc)),
                );
            }
        }
        TgwAttachmentKind::Vpn(v) => {
            let vpn = &h.vpns[*v];
            if vpn.available {
                let rank = if vpn.static_routes_only {
                    TgwRouteRank::Static
                } else if matches!(vpn.outside_ip, OutsideIp::PrivateIpv4 { .. }) {
                    TgwRouteRank::VpnOverPrivateDx
                } else {
                    TgwRouteRank::Vpn
                };
                add(
                    OnPremVia::Vpn(*v),
                    rank,
                    format!("vpn connection `{}`", vpn.meta.name),
                );
            }
        }
        TgwAttachmentKind::DxGateway(dx) => {
            for &vif in &h.dx_gateways[*dx].vifs {
                let x = &h.vifs[vif];
                if x.kind == VifKind::Transit && x.available {
                    add(
                        OnPremVia::Vif(vif),
                        TgwRouteRank::DxGateway,
                        format!("virtual interface `{}`", x.meta.name),
                    );
                }
            }
        }
        TgwAttachmentKind::Connect => {
            unstated.push(format!("connect attachment `{}`", att.meta.name));
        }
        TgwAttachmentKind::Peering(_) => {}
    }
    (routes, unstated)
}

/// BGP routes learned from on prem over one connection; `None` when the
/// topology leaves them open.
pub fn learned_routes(topo: &Topology, via: OnPremVia) -> Option<Vec<IpNet>> {
    if let OnPremVia::Vpn(v) = via {
        let vpn = &topo.hybrid.vpns[v];
        if vpn.static_routes_only {
            return Some(vpn.static_routes.iter().map(|(n, _)| *n).collect());
        }
    }
    let mut any_listing = false;
    let mut nets = Vec::new();
    for net in &topo.hybrid.on_prem {
        for k in 0..net.via.len() {
            if net.via[k] == via {
                any_listing = true;
                nets.extend(net.advertises[k].clone()?);
            }
        }
    }
    any_listing.then_some(nets)
}

/// The VPC attachment of transit gateway `t` for `vpc`, if any.
pub fn tgw_vpc_attachment(topo: &Topology, t: TgwId, vpc: VpcId) -> Option<TgwAttachmentId> {
    topo.hybrid.tgw_attachments.position(|a| {
        a.tgw == t && matches!(a.kind, TgwAttachmentKind::Vpc { vpc: v, .. } if v == vpc)
    })
}

/// The attachment of transit gateway `t` for DX gateway `dx`, if any.
pub fn tgw_dx_attachment(topo: &Topology, t: TgwId, dx: DxGatewayId) -> Option<TgwAttachmentId> {
    topo.hybrid
        .tgw_attachments
        .position(|x| x.tgw == t && x.kind == TgwAttachmentKind::DxGateway(dx))
}

/// Where a packet from `from` enters a transit gateway through a VPC
/// attachment with `subnets` (C-9.6).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TgwEntry {
    /// Through the attachment interface in this subnet: the sender's own
    /// subnet when it is one of them, else the one in its availability zone.
    Subnet(SubnetId),
    /// The sender's availability zone, or one of the attachment subnets',
    /// is not stated.
    ZoneUnstated,
    /// No attachment subnet is in the sender's availability zone (`zone`):
    /// the packet cannot enter (C-9.6b).
    NoSubnetInZone(String),
}

/// [`TgwEntry`] for a packet from subnet `from`.
pub fn tgw_entry_subnet(topo: &Topology, subnets: &[SubnetId], from: SubnetId) -> TgwEntry {
    if subnets.contains(&from) {
        return TgwEntry::Subnet(from);
    }
    let az = topo.subnets[from].availability_zone.clone();
    let unstated = az.is_none()
        || subnets
            .iter()
            .any(|s| topo.subnets[*s].availability_zone.is_none());
    if unstated {
        return TgwEntry::ZoneUnstated;
    }
    match subnets
        .iter()
        .find(|s| topo.subnets[**s].availability_zone == az)
    {
        Some(s) => TgwEntry::Subnet(*s),
        None => TgwEntry::NoSubnetInZone(az.unwrap_or_default()),
    }
}

/// The edge route table associated with VPN gateway `g` (C-3.11), if any.
pub fn vgw_edge_table(topo: &Topology, g: VgwId) -> Option<RouteTableId> {
    topo.route_tables.iter().position(|t| {
        t.edge_associations.iter().any(|e| match e {
            GatewayRef::Vgw(o) => topo.hybrid.of_other(*o) == Some(HybridRef::Vgw(g)),
            GatewayRef::Igw(_) => false,
        })
    })
}

/// The prefixes transit gateway route table `rt` advertises over BGP (to
/// a VPN or DX gateway attachment associated with it): its static routes
/// and prefix-list entries that are not blackholes (C-9.5: a blackhole is
/// never advertised), and the stated prefixes its available attachments
/// propagate into it. A prefix list with unknown entries and a connection
/// whose learned routes are unstated add nothing.
pub fn tgw_advertised(topo: &Topology, rt: TgwRouteTableId) -> Vec<IpNet> {
    let h = &topo.hybrid;
    let t = &h.tgw_route_tables[rt];
    let mut out = Vec::new();
    for r in t
        .routes
        .iter()
        .filter(|r| r.target != TgwRouteTarget::Blackhole)
    {
        match &r.dest {
            RouteDest::Cidr(n) => out.push(*n),
            RouteDest::PrefixList(pl) => {
                out.extend(topo.prefix_lists[*pl].entries.iter().flatten().copied());
            }
        }
    }
    for &(a, _) in &t.propagations {
        let att = &h.tgw_attachments[a];
        if !att.available {
            continue;
        }
        match &att.kind {
            TgwAttachmentKind::Vpc {
                vpc, ipv6_support, ..
            } => {
                out.extend(topo.vpcs[*vpc].cidrs.iter().map(|c| IpNet::V4(*c)));
                if *ipv6_support {
                    out.extend(topo.vpcs[*vpc].ipv6_cidrs.iter().map(|c| IpNet::V6(*c)));
                }
            }
            TgwAttachmentKind::Vpn(v) => {
                out.extend(learned_routes(topo, OnPremVia::Vpn(*v)).unwrap_or_default());
            }
            TgwAttachmentKind::DxGateway(dx) => {
                for &vif in &h.dx_gateways[*dx].vifs {
                    out.extend(learned_routes(topo, OnPremVia::Vif(vif)).unwrap_or_default());
                }
            }
            TgwAttachmentKind::Peering(_) | TgwAttachmentKind::Connect => {}
        }
    }
    out
}

/// The IPv4 CIDRs of VGW `g`'s VPC that a DX gateway association with
/// allowed prefixes `allowed` advertises: those an allowed prefix covers,
/// or all of them when none is listed (C-12.2).
pub fn vgw_association_cidrs(topo: &Topology, g: VgwId, allowed: &[IpNet]) -> Vec<IpNet> {
    let Some(v) = topo.hybrid.vgws[g].vpc else {
        return Vec::new();
    };
    topo.vpcs[v]
        .cidrs
        .iter()
        .map(|c| IpNet::V4(*c))
        .filter(|c| allowed.is_empty() || allowed.iter().any(|a| a.contains(c)))
        .collect()
}
