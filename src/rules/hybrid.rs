//! The transit gateway and BGP facts one packet's route choice depends on
//! (C-9.4, C-10.x): what an attachment propagates into a route table, and
//! what a connection has learned from on prem. The engine compiles route
//! tables from them and the simulator looks them up per packet.

use ipnet::IpNet;

use crate::model::{OnPremVia, OutsideIp, TgwAttachmentId, TgwAttachmentKind, Topology, VifKind};

/// At most this many transit gateway route lookups per packet.
pub const MAX_TGW_HOPS: usize = 8;

/// What transit gateway attachment `a` propagates into a TGW route table
/// (C-9.4): each prefix with its rank (a static VPN 0, a VPC 2, a DX
/// gateway's transit virtual interfaces 3, a VPN over a private IP 5,
/// another VPN 6), and the connections whose learned routes the topology
/// does not state, named (they may hold any prefix). Nothing from an
/// attachment or connection that is not available, nor from a peering.
pub fn tgw_propagated(topo: &Topology, a: TgwAttachmentId) -> (Vec<(IpNet, u8)>, Vec<String>) {
    let h = &topo.hybrid;
    let att = &h.tgw_attachments[a];
    let mut routes: Vec<(IpNet, u8)> = Vec::new();
    let mut unstated: Vec<String> = Vec::new();
    if !att.available {
        return (routes, unstated);
    }
    let mut add = |via: OnPremVia, rank: u8, label: String| match learned_routes(topo, via) {
        Some(nets) => routes.extend(nets.into_iter().map(|n| (n, rank))),
        None => unstated.push(label),
    };
    match &att.kind {
        TgwAttachmentKind::Vpc {
            vpc, ipv6_support, ..
        } => {
            let v = &topo.vpcs[*vpc];
            routes.extend(v.cidrs.iter().map(|c| (IpNet::V4(*c), 2)));
            if *ipv6_support {
                routes.extend(v.ipv6_cidrs.iter().map(|c| (IpNet::V6(*c), 2)));
            }
        }
        TgwAttachmentKind::Vpn(v) => {
            let vpn = &h.vpns[*v];
            if vpn.available {
                let rank = if vpn.static_routes_only {
                    0
                } else if matches!(vpn.outside_ip, OutsideIp::PrivateIpv4 { .. }) {
                    5
                } else {
                    6
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
                        3,
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
