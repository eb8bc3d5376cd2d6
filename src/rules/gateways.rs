//! What a gateway or connection does with one packet, where the simulator
//! and the why-not tracer both ask: who owns an address (C-2.1), whether
//! an internet gateway can translate a source (C-6.1), what a gateway
//! endpoint carries (C-13.4), a VPN's traffic selectors (C-11.2), the way
//! back over a transit gateway peering (C-9.10) and the transit virtual
//! interfaces that carry a prefix (C-12.x).

use std::net::{IpAddr, Ipv4Addr};

use ipnet::IpNet;

use super::hybrid::learned_routes;
use crate::hs::Packet;
use crate::model::{
    DxGatewayId, EniId, ICMP, ICMPV6, OnPremVia, TCP, TgwAttachmentId, TgwAttachmentKind, Topology,
    VifId, VifKind, VpcId, VpnConnection,
};

/// The attached interfaces in `vpc` that own `addr` (C-2.1), in order.
pub fn owners(topo: &Topology, vpc: VpcId, addr: IpAddr) -> Vec<EniId> {
    (0..topo.enis.len())
        .filter(|&i| {
            let e = &topo.enis[i];
            e.attached && e.vpc == vpc && e.address_nets().iter().any(|n| n.contains(&addr))
        })
        .collect()
}

/// True when an internet gateway of `vpc` can translate the IPv4 source
/// `s`: an attached interface of the VPC has it as a private address with
/// a public one (C-6.1).
pub fn igw_translates_source(topo: &Topology, vpc: VpcId, s: Ipv4Addr) -> bool {
    topo.enis.iter().any(|e| {
        e.attached
            && e.vpc == vpc
            && e.private_ips
                .iter()
                .any(|pip| pip.addr == s && pip.public.is_some())
    })
}

/// True when a gateway endpoint carries `p`: tcp, or an ICMP echo request
/// of the packet's family (type 8 over IPv4, 128 over IPv6), any code
/// (C-13.4).
pub fn gateway_endpoint_carries(p: &Packet) -> bool {
    let echo = (p.proto == ICMP && p.src.is_ipv4() && p.icmp_type == 8)
        || (p.proto == ICMPV6 && p.src.is_ipv6() && p.icmp_type == 128);
    p.proto == TCP || echo
}

/// True when the traffic selectors of `vpn` cover `p` leaving AWS: the
/// source in the local network, the destination in the remote one (C-11.2).
pub fn vpn_selectors_cover(vpn: &VpnConnection, p: &Packet) -> bool {
    vpn.remote_ipv4_network_cidr.contains(&p.dst) && vpn.local_ipv4_network_cidr.contains(&p.src)
}

/// The peering attachment of the transit gateway at the other end of
/// peering attachment `a` that points back at `a`'s gateway (C-9.10).
pub fn tgw_peering_back(topo: &Topology, a: TgwAttachmentId) -> Option<TgwAttachmentId> {
    let h = &topo.hybrid;
    let att = &h.tgw_attachments[a];
    let TgwAttachmentKind::Peering(t2) = att.kind else {
        return None;
    };
    h.tgw_attachments
        .position(|x| x.tgw == t2 && x.kind == TgwAttachmentKind::Peering(att.tgw))
}

/// The transit virtual interfaces of DX gateway `dx` that carry a packet
/// a transit gateway sent by route `prefix`: those over which on prem
/// advertises that prefix, or all when the prefix or the learned routes
/// are not known.
pub fn transit_vifs_carrying(
    topo: &Topology,
    dx: DxGatewayId,
    prefix: Option<IpNet>,
) -> Vec<VifId> {
    let h = &topo.hybrid;
    h.dx_gateways[dx]
        .vifs
        .iter()
        .copied()
        .filter(|&x| h.vifs[x].kind == VifKind::Transit)
        .filter(
            |&x| match (prefix, learned_routes(topo, OnPremVia::Vif(x))) {
                (Some(pf), Some(nets)) => nets.contains(&pf),
                _ => true,
            },
        )
        .collect()
}
