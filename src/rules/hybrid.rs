//! The transit gateway and BGP facts one packet's route choice depends on
//! (C-9.4, C-10.x): what an attachment propagates into a route table, and
//! what a connection has learned from on prem. The engine compiles route
//! tables from them and the simulator looks them up per packet.

use ipnet::IpNet;

use crate::model::{OnPremVia, OutsideIp, TgwAttachmentId, TgwAttachmentKind, Topology, VifKind};

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
