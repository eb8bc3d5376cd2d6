//! Per-packet forwarding through VPC peering, transit gateways, VGWs, VPN
//! and Direct Connect, and the on-prem origin (`docs/FORWARDING-MODEL.md`,
//! "Hybrid connectivity"). Written as plain scans over the topology for one
//! destination. The rules both it and `crate::engine::hybrid` apply (what
//! an attachment propagates, what a connection learned) are in `crate::rules`.

use std::net::IpAddr;

use ipnet::IpNet;

use super::{At, Blocked, Fate, Lookup, Passed, Sim, is_private_v4, lookup};
use crate::hs::Packet;
use crate::model::Direction;
use crate::model::{
    DxAssociationTarget, DxGatewayId, HybridRef, OnPremId, OnPremNetwork, OnPremVia, PeeringId,
    Preference, RouteDest, RouteTarget, SgTag, SubnetId, TgwAttachmentId, TgwAttachmentKind, TgwId,
    TgwRouteTableId, TgwRouteTarget, Topology, VgwId, VifId, VifKind, VpcId, VpnGatewayRef,
};
use crate::rules::{
    MAX_TGW_HOPS, TgwEntry, TgwRouteRank, VgwRouteRank, learned_routes, tgw_dx_attachment,
    tgw_entry_subnet, tgw_peering_back, tgw_propagated, tgw_vpc_attachment, transit_vifs_carrying,
    vgw_edge_table, vpn_selectors_cover,
};

pub fn available(topo: &Topology, via: OnPremVia) -> bool {
    match via {
        OnPremVia::Vpn(v) => topo.hybrid.vpns[v].available,
        OnPremVia::Vif(v) => topo.hybrid.vifs[v].available,
    }
}

pub fn in_vpc(topo: &Topology, vpc: VpcId, a: IpAddr) -> bool {
    let v = &topo.vpcs[vpc];
    match a {
        IpAddr::V4(x) => v.cidrs.iter().any(|n| n.contains(&x)),
        IpAddr::V6(x) => v.ipv6_cidrs.iter().any(|n| n.contains(&x)),
    }
}

/// True when `a` is an IPv4 address of an attached interface of `vpc`.
pub fn interface_v4(topo: &Topology, vpc: VpcId, a: IpAddr) -> bool {
    a.is_ipv4()
        && topo
            .enis
            .iter()
            .any(|e| e.attached && e.vpc == vpc && e.address_nets().iter().any(|n| n.contains(&a)))
}

/// The connections a VGW carries traffic over, in a fixed order.
pub fn connections_of_vgw(topo: &Topology, g: VgwId) -> Vec<OnPremVia> {
    let h = &topo.hybrid;
    let mut out = Vec::new();
    for (i, v) in h.vpns.iter_enumerated() {
        if v.gateway == VpnGatewayRef::Vgw(g) {
            out.push(OnPremVia::Vpn(i));
        }
    }
    for (i, vif) in h.vifs.iter_enumerated() {
        if vif.kind != VifKind::Private {
            continue;
        }
        let direct = vif.vgw == Some(g);
        let through_dxgw = vif.dx_gateway.is_some_and(|d| {
            h.dx_gateways[d]
                .associations
                .iter()
                .any(|a| a.target == DxAssociationTarget::Vgw(g))
        });
        if direct || through_dxgw {
            out.push(OnPremVia::Vif(i));
        }
    }
    out
}

/// One VGW candidate for a destination: (prefix, rank, connection).
type VgwCand = (IpNet, VgwRouteRank, OnPremVia);

/// The VGW's candidates covering `d` and whether some connection is unstated.
fn vgw_cands(topo: &Topology, g: VgwId, d: Option<IpAddr>) -> (Vec<VgwCand>, bool) {
    let mut cands = Vec::new();
    let mut unstated = false;
    for via in connections_of_vgw(topo, g) {
        if !available(topo, via) {
            continue;
        }
        let rank = VgwRouteRank::of(topo, via);
        match learned_routes(topo, via) {
            None => unstated = true,
            Some(nets) => {
                for n in nets {
                    if n.addr().is_ipv4() && d.is_none_or(|d| n.contains(&d)) {
                        cands.push((n, rank, via));
                    }
                }
            }
        }
    }
    (cands, unstated)
}

/// The `others` index (route target) of a hybrid resource.
pub fn other_of(topo: &Topology, r: HybridRef) -> Option<usize> {
    topo.hybrid.other_kind.iter().position(|k| *k == Some(r))
}

/// Routes propagated into subnet table `rt` from its VGWs that cover `d`
/// (C-10.1), as (prefix, target); and whether a VGW may have propagated
/// routes the topology does not state.
pub fn propagated(topo: &Topology, rt: usize, d: IpAddr) -> (Vec<(IpNet, RouteTarget)>, bool) {
    let mut out = Vec::new();
    let mut open = false;
    for &g in &topo.route_tables[rt].propagating_vgws {
        let (cands, unstated) = vgw_cands(topo, g, Some(d));
        open |= unstated;
        if let Some(o) = other_of(topo, HybridRef::Vgw(g)) {
            out.extend(
                cands
                    .into_iter()
                    .map(|(n, _, _)| (n, RouteTarget::Other(o))),
            );
        }
    }
    (out, open)
}

/// What AWS advertises to on prem over a connection, for `d`: `Some(len)`
/// of the longest advertised prefix covering `d`, `None` when nothing
/// covers it. `Err(())` means "any, length unknown" (a static VPN).
fn advertised_len(topo: &Topology, via: OnPremVia, d: IpAddr) -> Result<Option<u8>, ()> {
    let h = &topo.hybrid;
    let mut nets: Vec<IpNet> = Vec::new();
    let vpc_nets = |v: Option<VpcId>| -> Vec<IpNet> {
        match v {
            Some(v) => topo.vpcs[v].cidrs.iter().map(|c| IpNet::V4(*c)).collect(),
            None => Vec::new(),
        }
    };
    match via {
        OnPremVia::Vpn(v) => {
            let vpn = &h.vpns[v];
            if vpn.static_routes_only {
                return Err(());
            }
            match vpn.gateway {
                VpnGatewayRef::Vgw(g) => {
                    nets = vpc_nets(h.vgws[g].vpc);
                    nets.extend(relayed(topo, g, via));
                }
                VpnGatewayRef::Tgw(_) => {
                    if let Some(rt) = vpn
                        .tgw_attachment
                        .and_then(|a| h.tgw_attachments[a].route_table)
                    {
                        nets = crate::rules::tgw_advertised(topo, rt);
                    }
                }
            }
        }
        OnPremVia::Vif(x) => {
            let vif = &h.vifs[x];
            match vif.kind {
                VifKind::Public => return Ok(None),
                VifKind::Private => {
                    if let Some(g) = vif.vgw {
                        nets.extend(vpc_nets(h.vgws[g].vpc));
                        nets.extend(relayed(topo, g, via));
                    }
                    if let Some(dx) = vif.dx_gateway {
                        for a in &h.dx_gateways[dx].associations {
                            if let DxAssociationTarget::Vgw(g) = a.target {
                                nets.extend(crate::rules::vgw_association_cidrs(
                                    topo,
                                    g,
                                    &a.allowed_prefixes,
                                ));
                            }
                        }
                    }
                }
                VifKind::Transit => {
                    if let Some(dx) = vif.dx_gateway {
                        for a in &h.dx_gateways[dx].associations {
                            if let DxAssociationTarget::Tgw(_) = a.target {
                                nets.extend(a.allowed_prefixes.iter().copied());
                            }
                        }
                    }
                }
            }
        }
    }
    Ok(nets
        .iter()
        .filter(|n| n.contains(&d))
        .map(IpNet::prefix_len)
        .max())
}

/// VPN CloudHub (C-10.6): the stated IPv4 routes VGW `g` learned over its
/// other connections that end on it directly (its VPNs and the private VIFs
/// attached to it), which it advertises over `via`.
fn relayed(topo: &Topology, g: VgwId, via: OnPremVia) -> Vec<IpNet> {
    let h = &topo.hybrid;
    let mut out = Vec::new();
    for other in connections_of_vgw(topo, g) {
        let direct = match other {
            OnPremVia::Vpn(v) => h.vpns[v].gateway == VpnGatewayRef::Vgw(g),
            OnPremVia::Vif(x) => h.vifs[x].vgw == Some(g),
        };
        if other == via || !direct || !available(topo, other) {
            continue;
        }
        if let Some(nets) = learned_routes(topo, other) {
            out.extend(nets.into_iter().filter(|n| n.addr().is_ipv4()));
        }
    }
    out
}

/// The VPN gateways a packet to `dst` from on prem over private virtual
/// interface `x` goes to: the VGW the interface is attached to, and each
/// VGW associated with its DX gateway whose allowed prefixes advertise a
/// VPC CIDR holding `dst` (C-12.2); then the DX gateway and VGW of each
/// association that does not.
pub fn private_vif_vgws(
    topo: &Topology,
    x: VifId,
    dst: IpAddr,
) -> (Vec<VgwId>, Vec<(DxGatewayId, VgwId)>) {
    let h = &topo.hybrid;
    let vif = &h.vifs[x];
    let mut taken: Vec<VgwId> = vif.vgw.into_iter().collect();
    let mut refused = Vec::new();
    if let Some(dx) = vif.dx_gateway {
        for a in &h.dx_gateways[dx].associations {
            if let DxAssociationTarget::Vgw(g) = a.target {
                if crate::rules::vgw_association_cidrs(topo, g, &a.allowed_prefixes)
                    .iter()
                    .any(|c| c.contains(&dst))
                {
                    taken.push(g);
                } else {
                    refused.push((dx, g));
                }
            }
        }
    }
    (taken, refused)
}

/// The winner of a transit gateway route table lookup.
pub enum TgwWin {
    /// Attachments to follow, and the propagated prefix when the winner is a
    /// propagated route (for DX gateway exits).
    To(Vec<TgwAttachmentId>, Option<IpNet>),
    Drop(String),
    Unknown(String),
}

impl<R: super::Recorder> Sim<'_, R> {
    fn via_name(&self, via: OnPremVia) -> String {
        self.topo.hybrid.via_label(via)
    }

    // ---- peering (C-8) -----------------------------------------------------

    pub(super) fn via_peering(&mut self, at: At, x: PeeringId, p: Packet) {
        let topo = self.topo;
        let pcx = &topo.peerings[x];
        let Some(peer) = pcx.peer_of(at.vpc) else {
            self.blocked(
                Blocked::PeeringElsewhere {
                    peering: x,
                    vpc: at.vpc,
                },
                format!("peering {} does not connect this VPC", pcx.meta.name),
            );
            return;
        };
        if !pcx.active
            && !self.blocked(
                Blocked::PeeringInactive { peering: x },
                format!("peering {} is not active (C-8.1)", pcx.meta.name),
            )
        {
            return;
        }
        if !self.nacl(at.subnet, Direction::Egress, &p) {
            return;
        }
        let edge = format!(
            "peering {}: {} → {} is not VPC-to-peer-VPC (C-8.2)",
            pcx.meta.name, p.src, p.dst
        );
        if !in_vpc(topo, at.vpc, p.src)
            && !self.blocked(Blocked::PeeringSource { peering: x }, edge.clone())
        {
            return;
        }
        if !in_vpc(topo, peer, p.dst) {
            // Not carried on beyond the peer VPC (C-8.3): no way on.
            self.blocked(Blocked::PeeringDestination { peering: x }, edge);
            return;
        }
        self.note(format!(
            "peering {} to VPC {}",
            pcx.meta.name, topo.vpcs[peer].meta.name
        ));
        self.pass(Passed::Peering { peering: x }, &p);
        let tag = at.tag.after_peering(topo, x);
        let pending = self.egress_by_remote_ref;
        if pending.is_some() && matches!(at.tag, SgTag::Local(_)) {
            match tag {
                SgTag::Peered(_) => self.egress_by_remote_ref = None,
                SgTag::PeeredUnknownRegion(_) => {
                    self.unknown(format!(
                        "the egress rule that let it out references a security group across peering {}, whose Regions are not known (C-5.7, C-8.4)",
                        pcx.meta.name
                    ));
                    return;
                }
                _ => {}
            }
        }
        self.deliver_from_outside(peer, p, tag);
        self.egress_by_remote_ref = pending;
    }

    /// Local delivery of a packet arriving from outside any subnet (C-3.12).
    fn deliver_from_outside(&mut self, vpc: VpcId, p: Packet, tag: SgTag) {
        let owners = crate::rules::owners(self.topo, vpc, p.dst);
        if owners.is_empty() {
            self.blocked(
                Blocked::NoOwner { vpc },
                format!(
                    "no attached interface in VPC {} owns {}",
                    self.topo.vpcs[vpc].meta.name, p.dst
                ),
            );
            return;
        }
        self.fork(owners, |sim, eni| {
            let s = sim.topo.enis[eni].subnet;
            if sim.nacl(s, Direction::Ingress, &p) {
                sim.admit(eni, &p, tag);
            }
        });
    }

    // ---- transit gateway (C-9) ---------------------------------------------

    pub(super) fn via_tgw(&mut self, at: At, t: TgwId, p: Packet) {
        let topo = self.topo;
        let h = &topo.hybrid;
        let Some(ai) = tgw_vpc_attachment(topo, t, at.vpc) else {
            self.unknown(format!(
                "VPC {} has no attachment to transit gateway {}",
                topo.vpcs[at.vpc].meta.name, h.tgws[t].meta.name
            ));
            return;
        };
        let a = &h.tgw_attachments[ai];
        if !a.available
            && !self.blocked(
                Blocked::TgwAttachmentUnavailable { attachment: ai },
                format!("attachment {} is not available (C-9.2)", a.meta.name),
            )
        {
            return;
        }
        let TgwAttachmentKind::Vpc { subnets, .. } = &a.kind else {
            return;
        };
        let entry = match tgw_entry_subnet(topo, subnets, at.subnet) {
            TgwEntry::Subnet(s) => s,
            TgwEntry::ZoneUnstated => {
                self.unknown("availability zone not stated (C-9.6)".into());
                return;
            }
            TgwEntry::NoSubnetInZone(_) => {
                let why = format!(
                    "attachment {} has no subnet in the sender's availability zone (C-9.6b)",
                    a.meta.name
                );
                // Once fixed, it enters through a subnet of the attachment.
                match subnets.first() {
                    Some(&s)
                        if self.blocked(Blocked::TgwNoSubnetInZone { attachment: ai }, why) =>
                    {
                        s
                    }
                    _ => return,
                }
            }
        };
        if !self.nacl(at.subnet, Direction::Egress, &p) || !self.nacl(entry, Direction::Ingress, &p)
        {
            return;
        }
        self.note(format!(
            "enters transit gateway {} through {} (subnet {})",
            h.tgws[t].meta.name,
            a.meta.name,
            self.subnet_name(entry)
        ));
        let into = Passed::TgwIn {
            attachment: ai,
            subnet: Some(entry),
        };
        self.pass(into, &p);
        let az = topo.subnets[entry].availability_zone.clone();
        let at = At {
            tag: at.tag.tgw_entry(topo, ai, entry),
            nacl_inside: false,
            ..at
        };
        self.tgw_associated(ai, p, az, at);
    }

    /// Lookup in the route table of attachment `a`. Past an attachment
    /// without one (C-9.2), in each of its gateway's tables.
    fn tgw_associated(&mut self, a: TgwAttachmentId, p: Packet, az: Option<String>, at: At) {
        let h = &self.topo.hybrid;
        let att = &h.tgw_attachments[a];
        if let Some(rt) = att.route_table {
            self.tgw_route(rt, p, az, at);
            return;
        }
        if self.blocked(
            Blocked::TgwNoRouteTable { attachment: a },
            format!("attachment {} has no route table (C-9.2)", att.meta.name),
        ) {
            let tables = h.tgws[att.tgw].route_tables.clone();
            self.fork(tables, |s, rt| s.tgw_route(rt, p, az.clone(), at));
        }
    }

    fn tgw_decide(&self, rt: TgwRouteTableId, d: IpAddr) -> TgwWin {
        let topo = self.topo;
        let h = &topo.hybrid;
        let t = &h.tgw_route_tables[rt];
        // (prefix, rank, effective target, static?)
        let mut cands: Vec<(IpNet, TgwRouteRank, TgwRouteTarget, bool)> = Vec::new();
        for r in &t.routes {
            match &r.dest {
                RouteDest::Cidr(n) => {
                    if n.contains(&d) {
                        cands.push((*n, TgwRouteRank::Static, r.target, true));
                    }
                }
                RouteDest::PrefixList(pl) => match &topo.prefix_lists[*pl].entries {
                    None => {
                        return TgwWin::Unknown(format!(
                            "TGW route table {} uses prefix list {} with unknown entries",
                            t.meta.name, topo.prefix_lists[*pl].meta.name
                        ));
                    }
                    Some(es) => {
                        for n in es {
                            if n.contains(&d) {
                                cands.push((*n, TgwRouteRank::PrefixList, r.target, true));
                            }
                        }
                    }
                },
            }
        }
        let mut open = false;
        for (a, _) in &t.propagations {
            let (routes, unstated) = tgw_propagated(topo, *a);
            open |= !unstated.is_empty();
            let target = TgwRouteTarget::Attachment(*a);
            for (n, rank) in routes {
                if n.contains(&d) {
                    cands.push((n, rank, target, false));
                }
            }
        }
        let Some(len) = cands.iter().map(|c| c.0.prefix_len()).max() else {
            return if open {
                TgwWin::Unknown(format!(
                    "TGW route table {} has no known route for {d}; propagated routes are not all stated",
                    t.meta.name
                ))
            } else {
                TgwWin::Drop(format!(
                    "TGW route table {} has no route for {d}",
                    t.meta.name
                ))
            };
        };
        cands.retain(|c| c.0.prefix_len() == len);
        let rank = cands.iter().map(|c| c.1).min();
        cands.retain(|c| Some(c.1) == rank);
        let first = cands[0];
        let same = cands.iter().all(|c| c.2 == first.2);
        if same {
            let any_static = cands.iter().any(|c| c.3);
            return match first.2 {
                TgwRouteTarget::Blackhole => TgwWin::Drop(format!(
                    "TGW route table {}: blackhole {} (C-9.5)",
                    t.meta.name, first.0
                )),
                TgwRouteTarget::Attachment(a) if !h.tgw_attachments[a].available => {
                    TgwWin::Drop(format!(
                        "route target {} is not available",
                        h.tgw_attachments[a].meta.name
                    ))
                }
                TgwRouteTarget::Attachment(a) => {
                    TgwWin::To(vec![a], (!any_static).then_some(first.0))
                }
            };
        }
        // Different targets at the same length and rank.
        let mut atts: Vec<TgwAttachmentId> = Vec::new();
        let mut all_vpn_prop = true;
        for c in &cands {
            match c.2 {
                TgwRouteTarget::Attachment(a)
                    if !c.3 && matches!(h.tgw_attachments[a].kind, TgwAttachmentKind::Vpn(_)) =>
                {
                    if !atts.contains(&a) {
                        atts.push(a);
                    }
                }
                _ => all_vpn_prop = false,
            }
        }
        if all_vpn_prop && first.1 >= TgwRouteRank::VpnOverPrivateDx && h.tgws[t.tgw].vpn_ecmp {
            atts.sort_unstable();
            return TgwWin::To(atts, Some(first.0));
        }
        TgwWin::Unknown(format!(
            "TGW route table {}: several routes for {} at the same priority (C-9.4)",
            t.meta.name, first.0
        ))
    }

    /// Lookup in a TGW route table, then forwarding to the winner.
    fn tgw_route(&mut self, rt: TgwRouteTableId, p: Packet, az: Option<String>, at: At) {
        if at.tgw_hops >= MAX_TGW_HOPS {
            self.blocked(
                Blocked::TgwLoop { table: rt },
                "routing loop through transit gateways".into(),
            );
            return;
        }
        let at = At {
            tgw_hops: at.tgw_hops + 1,
            nacl_inside: false,
            ..at
        };
        match self.tgw_decide(rt, p.dst) {
            TgwWin::Drop(why) => {
                self.tgw_fault(rt, Blocked::TgwRoute { table: rt }, why, p, az, at)
            }
            TgwWin::Unknown(why) => self.unknown(why),
            TgwWin::To(atts, prefix) => {
                let topo = self.topo;
                self.fork(atts, |s, a| {
                    let table = &topo.hybrid.tgw_route_tables[rt].meta.name;
                    let att = &topo.hybrid.tgw_attachments[a].meta.name;
                    s.note(format!("TGW route table {table} sends it to {att}"));
                    if !s.recorder.tgw_leads_on(topo, rt, a) {
                        let why = format!(
                            "TGW route table {table} sends it to {att}, elsewhere than where it should go"
                        );
                        let wrong = Blocked::WrongAttachment {
                            table: rt,
                            attachment: a,
                        };
                        s.tgw_fault(rt, wrong, why, p, az.clone(), at);
                        return;
                    }
                    s.pass(
                        Passed::TgwRoute {
                            table: rt,
                            attachment: a,
                            prefix,
                        },
                        &p,
                    );
                    s.tgw_to(a, prefix, p, az.clone(), at);
                });
            }
        }
    }

    /// A transit gateway route table drops the packet (or, for the
    /// recorder, sends it the wrong way). Where the recorder carries on
    /// past it and names the attachment the packet should leave through,
    /// the walk goes there; else the branch ends, dropped.
    fn tgw_fault(
        &mut self,
        rt: TgwRouteTableId,
        blocked: Blocked,
        why: String,
        p: Packet,
        az: Option<String>,
        at: At,
    ) {
        if !self.blocked(blocked, why.clone()) {
            return;
        }
        let tgw = self.topo.hybrid.tgw_route_tables[rt].tgw;
        match self.recorder.tgw_detour(self.topo, tgw) {
            Some(a) => self.tgw_to(a, None, p, az, at),
            None => self.dropped(why),
        }
    }

    fn tgw_to(
        &mut self,
        a: TgwAttachmentId,
        prefix: Option<IpNet>,
        p: Packet,
        az: Option<String>,
        at: At,
    ) {
        let topo = self.topo;
        let h = &topo.hybrid;
        let att = &h.tgw_attachments[a];
        match &att.kind {
            TgwAttachmentKind::Vpc {
                vpc,
                subnets,
                appliance_mode,
                ..
            } => {
                let exits = tgw_exit_subnets(topo, subnets, *appliance_mode, az.as_deref());
                self.fork(exits, |s, e| {
                    s.note(format!(
                        "leaves the TGW through subnet {}",
                        s.subnet_name(e)
                    ));
                    s.pass(
                        Passed::TgwOut {
                            attachment: a,
                            subnet: e,
                        },
                        &p,
                    );
                    let next = At {
                        subnet: e,
                        vpc: *vpc,
                        tag: at.tag.tgw_exit(topo, a, e),
                        nacl_inside: false,
                        ..at
                    };
                    s.forward(next, p);
                });
            }
            TgwAttachmentKind::Vpn(v) => self.exit(OnPremVia::Vpn(*v), p),
            TgwAttachmentKind::DxGateway(dx) => {
                let vifs = transit_vifs_carrying(topo, *dx, prefix);
                if vifs.is_empty() {
                    self.blocked(
                        Blocked::DxNoVif { dx: *dx },
                        "no transit virtual interface carries it".into(),
                    );
                }
                self.fork(vifs, |s, vif| s.exit(OnPremVia::Vif(vif), p));
            }
            TgwAttachmentKind::Peering(t2) => {
                let Some(b) = tgw_peering_back(topo, a) else {
                    self.unknown(format!(
                        "transit gateway {} has no peering attachment back",
                        h.tgws[*t2].meta.name
                    ));
                    return;
                };
                let back = &h.tgw_attachments[b];
                if !back.available
                    && !self.blocked(
                        Blocked::TgwAttachmentUnavailable { attachment: b },
                        format!("attachment {} is not available", back.meta.name),
                    )
                {
                    return;
                }
                self.pass(Passed::TgwPeering { attachment: b }, &p);
                // TGW peering carries no identity (C-9.10).
                let at = At {
                    tag: SgTag::Cleared,
                    nacl_inside: false,
                    ..at
                };
                self.tgw_associated(b, p, None, at);
            }
            TgwAttachmentKind::Connect => {
                self.unknown(format!(
                    "connect attachment {} is not modelled",
                    att.meta.name
                ));
            }
        }
    }

    /// Leaves AWS over a connection.
    fn exit(&mut self, via: OnPremVia, p: Packet) {
        if !available(self.topo, via)
            && !self.blocked(
                Blocked::ConnectionUnavailable { via },
                format!("{} is not available", self.via_name(via)),
            )
        {
            return;
        }
        if let OnPremVia::Vpn(v) = via {
            let vpn = &self.topo.hybrid.vpns[v];
            if p.dst.is_ipv6() {
                self.unknown(format!(
                    "IPv6 over vpn connection {} is not modelled",
                    vpn.meta.name
                ));
                return;
            }
            if !vpn_selectors_cover(vpn, &p)
                && !self.blocked(
                    Blocked::VpnSelectors { vpn: v },
                    format!(
                        "outside the traffic selectors of {} (C-11.2)",
                        vpn.meta.name
                    ),
                )
            {
                return;
            }
        }
        self.note(format!("leaves AWS over {}", self.via_name(via)));
        self.pass(Passed::Exit { via }, &p);
        self.end(Fate::OnPrem { via });
    }

    // ---- virtual private gateway (C-10) -------------------------------------

    pub(super) fn via_vgw(&mut self, at: At, g: VgwId, p: Packet) {
        let topo = self.topo;
        let vgw = &topo.hybrid.vgws[g];
        if vgw.vpc != Some(at.vpc)
            && !self.blocked(
                Blocked::VgwNotAttached {
                    vgw: g,
                    vpc: at.vpc,
                },
                format!("vpn gateway {} is not attached to this VPC", vgw.meta.name),
            )
        {
            return;
        }
        if !self.nacl(at.subnet, Direction::Egress, &p) {
            return;
        }
        if !interface_v4(topo, at.vpc, p.src)
            && !self.blocked(
                Blocked::VgwSource { vgw: g },
                format!(
                    "vpn gateway {}: {} is not an IPv4 address of an interface in the VPC (C-10.2, C-10.4)",
                    vgw.meta.name, p.src
                ),
            )
        {
            return;
        }
        self.vgw_route(g, p);
    }

    /// A VGW's path selection and the exit over the chosen connection (C-10.3).
    fn vgw_route(&mut self, g: VgwId, p: Packet) {
        let topo = self.topo;
        let vgw = &topo.hybrid.vgws[g];
        let via = match vgw_pick(topo, g, p.dst) {
            VgwPick::Via(via) => via,
            VgwPick::NoRoute(why) => {
                // It forwards only to prefixes it knows (C-10.2); past it,
                // over the connection the recorder names.
                if self.blocked(Blocked::VgwNoRoute { vgw: g }, why.clone()) {
                    match self.recorder.vgw_detour(topo, g) {
                        Some(via) => self.exit(via, p),
                        None => self.dropped(why),
                    }
                }
                return;
            }
            VgwPick::Unknown(why) => {
                self.unknown(why);
                return;
            }
        };
        self.note(format!(
            "vpn gateway {} chooses {}",
            vgw.meta.name,
            self.via_name(via)
        ));
        self.pass(Passed::VgwChoose { vgw: g, via }, &p);
        self.exit(via, p);
    }

    /// From on prem into a VGW's VPC (C-10.4, C-10.5).
    fn vgw_in(&mut self, g: VgwId, p: Packet) {
        let topo = self.topo;
        let vgw = &topo.hybrid.vgws[g];
        if !vgw.vpc.is_some_and(|v| in_vpc(topo, v, p.dst)) {
            // VPN CloudHub (C-10.6): between the VGW's connections.
            self.note(format!(
                "vpn gateway {} forwards between its connections (CloudHub)",
                vgw.meta.name
            ));
            self.pass(Passed::CloudHub { vgw: g }, &p);
            self.vgw_route(g, p);
            return;
        }
        let Some(vpc) = vgw.vpc else {
            self.blocked(
                Blocked::VgwDetached { vgw: g },
                format!("vpn gateway {} is detached", vgw.meta.name),
            );
            return;
        };
        if !interface_v4(topo, vpc, p.dst)
            && !self.blocked(
                Blocked::VgwDestination { vgw: g },
                format!(
                    "vpn gateway {}: {} is not an IPv4 address of an interface in the VPC (C-10.4)",
                    vgw.meta.name, p.dst
                ),
            )
        {
            return;
        }
        if let Some(rt) = vgw_edge_table(topo, g) {
            match lookup(topo, rt, p.dst) {
                Lookup::Target(RouteTarget::Local, what) => {
                    self.pass(Passed::EdgeTable { table: rt }, &p);
                    self.note(what);
                }
                Lookup::Unknown(why) => {
                    self.unknown(why);
                    return;
                }
                _ => {
                    self.unknown(format!(
                        "edge route table of {} does not deliver locally (C-3.11)",
                        vgw.meta.name
                    ));
                    return;
                }
            }
        }
        self.note(format!(
            "enters VPC {} through {}",
            topo.vpcs[vpc].meta.name, vgw.meta.name
        ));
        self.pass(Passed::VgwIn { vgw: g }, &p);
        // From on prem: no identity (C-5.6).
        self.deliver_from_outside(vpc, p, SgTag::Cleared);
    }

    // ---- on-prem origin ------------------------------------------------------

    pub(super) fn start_onprem(&mut self, n: OnPremId, p: Packet) {
        let topo = self.topo;
        let Some(net) = topo.hybrid.on_prem.get(n) else {
            self.dropped(format!("no on-prem network #{n:?}"));
            return;
        };
        self.note(format!("origin: on-prem network {}", net.meta.name));
        self.pass(Passed::FromOnPrem { net: n }, &p);
        if !net.cidrs.iter().any(|c| c.contains(&p.src))
            && !self.blocked(
                Blocked::OnPremSource { net: n },
                format!("{} is not in on-prem network {}", p.src, net.meta.name),
            )
        {
            return;
        }
        if net.stays_on_prem().iter().any(|c| c.contains(&p.dst)) {
            self.blocked(
                Blocked::StaysOnPrem { net: n },
                format!("{} stays on premises", p.dst),
            );
            return;
        }
        let public_vif = net.via.iter().any(
            |v| matches!(v, OnPremVia::Vif(x) if topo.hybrid.vifs[*x].kind == VifKind::Public),
        );
        if public_vif && !is_private_v4(p.dst) {
            self.unknown("public virtual interfaces are not followed (C-12.1)".into());
            return;
        }
        let Some((chosen, decided)) = onprem_pick(topo, net, p.dst) else {
            // Once AWS advertises a route, over any of the connections.
            if self.blocked(
                Blocked::OnPremNoRoute { net: n },
                format!("AWS advertises no route for {} to {}", p.dst, net.meta.name),
            ) {
                let vias = net.via.clone();
                self.fork(vias, |s, via| s.enter(via, p));
            }
            return;
        };
        self.fork(chosen, |s, via| {
            s.note(format!(
                "into AWS over {} ({})",
                s.via_name(via),
                if decided {
                    "stated preference"
                } else {
                    "possible path"
                }
            ));
            s.pass(
                Passed::IntoAws {
                    net: n,
                    via,
                    decided,
                },
                &p,
            );
            s.enter(via, p);
        });
    }

    fn enter(&mut self, via: OnPremVia, p: Packet) {
        let topo = self.topo;
        let h = &topo.hybrid;
        if !available(topo, via)
            && !self.blocked(
                Blocked::ConnectionUnavailable { via },
                format!("{} is not available", self.via_name(via)),
            )
        {
            return;
        }
        match via {
            OnPremVia::Vpn(v) => match h.vpns[v].gateway {
                VpnGatewayRef::Vgw(g) => {
                    if p.dst.is_ipv6() {
                        self.blocked(
                            Blocked::VgwIpv6 { via },
                            "a VGW carries no IPv6 (C-10.2)".into(),
                        );
                        return;
                    }
                    self.vgw_in(g, p);
                }
                VpnGatewayRef::Tgw(_) => {
                    if p.dst.is_ipv6() {
                        self.unknown("IPv6 over a VPN is not modelled".into());
                        return;
                    }
                    match h.vpns[v].tgw_attachment {
                        Some(a) => self.enter_tgw(a, p),
                        None => {
                            self.unknown(format!("{} has no TGW attachment", self.via_name(via)))
                        }
                    }
                }
            },
            OnPremVia::Vif(x) => {
                let vif = &h.vifs[x];
                match vif.kind {
                    VifKind::Public => {
                        self.blocked(
                            Blocked::PublicVif { via },
                            "public virtual interface".into(),
                        );
                    }
                    VifKind::Private => {
                        if p.dst.is_ipv6() {
                            self.blocked(
                                Blocked::VgwIpv6 { via },
                                "a VGW carries no IPv6 (C-10.2)".into(),
                            );
                            return;
                        }
                        let (mut vgws, refused) = private_vif_vgws(topo, x, p.dst);
                        if vgws.is_empty() {
                            let why = "no VGW behind the virtual interface takes it".to_string();
                            let Some(&(dx, _)) = refused.first() else {
                                self.blocked(Blocked::NoVgwBehind { via }, why);
                                return;
                            };
                            if !self.blocked(Blocked::DxPrefixes { dx }, why) {
                                return;
                            }
                            // Once the allowed prefixes cover it: the VGWs
                            // whose VPC holds the destination.
                            vgws = refused
                                .iter()
                                .map(|&(_, g)| g)
                                .filter(|&g| h.vgws[g].vpc.is_some_and(|v| in_vpc(topo, v, p.dst)))
                                .collect();
                        }
                        self.fork(vgws, |s, g| s.vgw_in(g, p));
                    }
                    VifKind::Transit => {
                        let Some(dx) = vif.dx_gateway else {
                            self.blocked(
                                Blocked::NoVgwBehind { via },
                                "transit virtual interface without a DX gateway".into(),
                            );
                            return;
                        };
                        let mut tgws = transit_vif_tgws(topo, dx, p.dst);
                        if tgws.is_empty() {
                            if !self.blocked(
                                Blocked::DxPrefixes { dx },
                                "no DX gateway association allows it".into(),
                            ) {
                                return;
                            }
                            // Once the allowed prefixes cover it: every
                            // transit gateway associated.
                            tgws = h.dx_gateways[dx]
                                .associations
                                .iter()
                                .filter_map(|a| match a.target {
                                    DxAssociationTarget::Tgw(t) => Some(t),
                                    DxAssociationTarget::Vgw(_) => None,
                                })
                                .collect();
                            tgws.sort_unstable();
                            tgws.dedup();
                        }
                        self.fork(tgws, |s, t| match tgw_dx_attachment(topo, t, dx) {
                            Some(a) => s.enter_tgw(a, p),
                            None => s.unknown(format!(
                                "transit gateway {} has no attachment for the DX gateway",
                                h.tgws[t].meta.name
                            )),
                        });
                    }
                }
            }
        }
    }

    fn enter_tgw(&mut self, a: TgwAttachmentId, p: Packet) {
        let att = &self.topo.hybrid.tgw_attachments[a];
        if !att.available
            && !self.blocked(
                Blocked::TgwAttachmentUnavailable { attachment: a },
                format!("attachment {} is not available", att.meta.name),
            )
        {
            return;
        }
        self.note(format!(
            "enters the transit gateway through {}",
            att.meta.name
        ));
        let into = Passed::TgwIn {
            attachment: a,
            subnet: None,
        };
        self.pass(into, &p);
        // Arriving from on prem: no subnet yet. The subnet and VPC are set
        // when the packet leaves the TGW into a VPC; only the hop counts matter.
        let at = At {
            subnet: 0,
            vpc: 0,
            last_nat: None,
            nat_hops: 0,
            tgw_hops: 0,
            tag: SgTag::Cleared,
            nacl_inside: false,
        };
        self.tgw_associated(a, p, None, at);
    }
}

/// What a VGW does with a packet for `d` (C-10.3): the connection it
/// chooses, or why it drops it or cannot decide.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum VgwPick {
    Via(OnPremVia),
    NoRoute(String),
    Unknown(String),
}

/// The VGW's path selection for `d`: longest prefix, then DX BGP > VPN
/// static > VPN BGP; a tie between connections is unknown (C-10.3).
pub fn vgw_pick(topo: &Topology, g: VgwId, d: IpAddr) -> VgwPick {
    let name = &topo.hybrid.vgws[g].meta.name;
    let (mut cands, open) = vgw_cands(topo, g, Some(d));
    let Some(len) = cands.iter().map(|c| c.0.prefix_len()).max() else {
        return if open {
            VgwPick::Unknown(format!(
                "vpn gateway {name} may have learned a route for {d} that the topology does not state"
            ))
        } else {
            VgwPick::NoRoute(format!("vpn gateway {name} has no route for {d}"))
        };
    };
    cands.retain(|c| c.0.prefix_len() == len);
    let rank = cands.iter().map(|c| c.1).min();
    cands.retain(|c| Some(c.1) == rank);
    let Some(&(prefix, _, via)) = cands.first() else {
        return VgwPick::NoRoute(format!("vpn gateway {name} has no route for {d}"));
    };
    if cands.iter().any(|c| c.2 != via) {
        return VgwPick::Unknown(format!(
            "vpn gateway {name}: several connections tie for {prefix} (C-10.3)"
        ));
    }
    VgwPick::Via(via)
}

/// The connections an on-prem network sends a packet for `d` into AWS
/// over (the longest prefix AWS advertises, then the stated preference),
/// and whether the preference decided; `None` when AWS advertises no
/// route for `d` over any of them.
pub fn onprem_pick(
    topo: &Topology,
    net: &OnPremNetwork,
    d: IpAddr,
) -> Option<(Vec<OnPremVia>, bool)> {
    let mut best: Option<u8> = None;
    let mut lens: Vec<(OnPremVia, Option<u8>)> = Vec::new();
    let mut any: Vec<OnPremVia> = Vec::new();
    for &via in &net.via {
        match advertised_len(topo, via, d) {
            Err(()) => any.push(via),
            Ok(Some(l)) => {
                best = Some(best.map_or(l, |b| b.max(l)));
                lens.push((via, Some(l)));
            }
            Ok(None) => {}
        }
    }
    let mut cands: Vec<OnPremVia> = lens
        .iter()
        .filter(|(_, l)| *l == best && best.is_some())
        .map(|(v, _)| *v)
        .collect();
    cands.extend(any.iter().copied());
    cands.sort_unstable();
    cands.dedup();
    if cands.is_empty() {
        return None;
    }
    let matches = |pref: &Preference, via: &OnPremVia| match pref {
        Preference::Dx => matches!(via, OnPremVia::Vif(_)),
        Preference::Vpn => matches!(via, OnPremVia::Vpn(_)),
        Preference::Via(x) => x == via,
    };
    let mut chosen = cands.clone();
    let mut decided = false;
    if let Some(prefs) = &net.prefer {
        for pref in prefs {
            let sel: Vec<OnPremVia> = cands.iter().copied().filter(|v| matches(pref, v)).collect();
            if sel.is_empty() {
                continue;
            }
            if any.iter().all(|a| sel.contains(a)) {
                chosen = sel;
                decided = true;
            }
            break;
        }
    }
    Some((chosen, decided))
}

/// The transit gateways a transit VIF's DX gateway `dx` sends `d` to: the
/// associations whose allowed prefixes cover `d` most specifically (C-12.2).
pub fn transit_vif_tgws(topo: &Topology, dx: DxGatewayId, d: IpAddr) -> Vec<TgwId> {
    let mut best: Option<u8> = None;
    let mut hits: Vec<(TgwId, u8)> = Vec::new();
    for a in &topo.hybrid.dx_gateways[dx].associations {
        if let DxAssociationTarget::Tgw(t) = a.target {
            for n in &a.allowed_prefixes {
                if n.contains(&d) {
                    hits.push((t, n.prefix_len()));
                    best = Some(best.map_or(n.prefix_len(), |b| b.max(n.prefix_len())));
                }
            }
        }
    }
    let Some(best) = best else {
        return Vec::new();
    };
    let mut tgws: Vec<TgwId> = hits.iter().filter(|h| h.1 == best).map(|h| h.0).collect();
    tgws.sort_unstable();
    tgws.dedup();
    tgws
}

/// A transit gateway route table's decision for `d` (C-9.4, C-9.5).
pub fn tgw_decision(topo: &Topology, rt: TgwRouteTableId, d: IpAddr) -> TgwWin {
    let p = Packet::tcp(d, d, 0, 0);
    Sim::new(topo, false, super::FirstDrop, p).tgw_decide(rt, d)
}

/// The subnets through which a packet that entered a transit gateway in
/// availability zone `az` leaves into a VPC attachment: the attachment's
/// subnet in the same zone, or every subnet with appliance mode or when
/// none is in that zone (C-9.6, C-9.7).
pub fn tgw_exit_subnets(
    topo: &Topology,
    subnets: &[SubnetId],
    appliance_mode: bool,
    az: Option<&str>,
) -> Vec<SubnetId> {
    let here: Vec<SubnetId> = subnets
        .iter()
        .copied()
        .filter(|s| az.is_some() && topo.subnets[*s].availability_zone.as_deref() == az)
        .collect();
    if appliance_mode || here.is_empty() {
        subnets.to_vec()
    } else {
        here
    }
}
