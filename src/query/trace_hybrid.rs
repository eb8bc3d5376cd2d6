//! The hybrid steps of the blocked-path tracer: VPC peering (C-8), transit
//! gateways (C-9), virtual private gateways (C-10), Site-to-Site VPN
//! (C-11), Direct Connect (C-12) and packets that start on prem.
//!
//! Each step mirrors the simulator (`crate::sim::hybrid`) and takes its
//! decisions from the simulator's functions ([`sim::tgw_decision`],
//! [`sim::vgw_pick`], [`sim::onprem_pick`], [`sim::transit_vif_tgws`]); where
//! the simulator drops the packet, the tracer records the blocker with the
//! rule and the fix and carries on along the way the packet should go.
//! Where the simulator answers `unknown`, so does the tracer.

use std::net::IpAddr;

use ipnet::IpNet;

use super::hops::host;
use super::trace::{Goal, Tracer};
use crate::engine::explain::{meta_hop, pos_location};
use crate::hs::Packet;
use crate::model::Direction;
use crate::model::{
    DxAssociationTarget, DxGatewayId, OnPremId, OnPremVia, PeeringId, RouteTarget, SgTag, SubnetId,
    TgwAttachmentId, TgwAttachmentKind, TgwId, TgwRouteTableId, VgwId, VifKind, VpcId,
    VpnGatewayRef,
};
use crate::report::Hop;
use crate::sim::{self, Lookup, TgwWin, VgwPick};

impl Tracer<'_> {
    /// A passing hop at a resource, located at its definition.
    fn pass_at(&mut self, meta: &crate::model::Meta, rule: impl Into<String>) {
        let hop = meta_hop(self.topo, meta, rule.into());
        self.t.pass(hop);
    }

    // ---- peering (C-8) -----------------------------------------------------

    pub(super) fn peering(&mut self, x: PeeringId, subnet: SubnetId, vpc: VpcId, p: Packet) {
        let topo = self.topo;
        let pcx = &topo.peerings[x];
        let Some(peer) = pcx.peer_of(vpc) else {
            self.block_at(
                &pcx.meta,
                format!(
                    "does not connect VPC `{}` (C-8.1)",
                    topo.vpcs[vpc].meta.name
                ),
                format!(
                    "route to a peering connection of VPC `{}`",
                    topo.vpcs[vpc].meta.name
                ),
            );
            return;
        };
        if !pcx.active {
            self.block_at(
                &pcx.meta,
                "the peering connection is not active: it carries nothing until it is accepted (C-8.1)",
                format!(
                    "accept peering connection `{}` in the accepter's account (its status must become `active`)",
                    pcx.meta.name
                ),
            );
        }
        self.nacl(subnet, Direction::Egress, &p);
        if !sim::in_vpc(topo, vpc, p.src) {
            self.block_at(
                &pcx.meta,
                format!(
                    "source {} is not an address of VPC `{}`: a peering carries only traffic between the two VPCs, never traffic from beyond them (C-8.2, C-8.3 no edge-to-edge routing)",
                    p.src,
                    topo.vpcs[vpc].meta.name
                ),
                "send from an address of the VPC itself (not through a NAT gateway, transit gateway or VPN), or use a transit gateway for transitive routing".to_string(),
            );
        }
        if !sim::in_vpc(topo, peer, p.dst) {
            self.block_at(
                &pcx.meta,
                format!(
                    "destination {} is not an address of peer VPC `{}`: a peering does not carry traffic on to the peer's gateways, VPN or other peerings (C-8.2, C-8.3 no edge-to-edge routing)",
                    p.dst,
                    topo.vpcs[peer].meta.name
                ),
                format!(
                    "route {} to a connection that reaches it (a transit gateway, or a peering with its own VPC)",
                    host(p.dst)
                ),
            );
            return;
        }
        let tag = self.tag.after_peering(topo, x);
        if self.remote_ref.is_some() && matches!(self.tag, SgTag::Local(_)) {
            match tag {
                SgTag::Peered(_) => self.remote_ref = None,
                SgTag::PeeredUnknownRegion(_) => {
                    let hop = meta_hop(topo, &pcx.meta, "peering across Regions not known".into());
                    self.t.unknown(
                        hop,
                        format!(
                            "the egress rule that let it out references a security group across peering {}, whose Regions are not known (C-5.7, C-8.4)",
                            pcx.meta.name
                        ),
                    );
                    return;
                }
                _ => {}
            }
        }
        self.tag = tag;
        self.pass_at(&pcx.meta, format!(
                "peering connection to VPC `{}`: source and destination inside the two VPCs (C-8.2)",
                topo.vpcs[peer].meta.name
            ));
        self.arrive_from_outside(peer, p);
    }

    /// Delivery of a packet arriving in `vpc` from outside any subnet
    /// (a peering, a VGW): the owner's NACL ingress and security groups.
    fn arrive_from_outside(&mut self, vpc: VpcId, p: Packet) {
        let topo = self.topo;
        let owners = crate::rules::owners(topo, vpc, p.dst);
        let to = match self.goal {
            Goal::Eni(d) if owners.contains(&d) => Some(d),
            Goal::Addresses => owners.first().copied(),
            _ => None,
        };
        match to {
            Some(d) => {
                self.nacl(topo.enis[d].subnet, Direction::Ingress, &p);
                self.admit(d, &p);
            }
            None => {
                let v = &topo.vpcs[vpc];
                self.block_at(
                    &v.meta,
                    format!(
                        "no attached interface in VPC `{}` owns {}",
                        v.meta.name, p.dst
                    ),
                    format!(
                        "route {} to the network that holds it: nothing in VPC `{}` receives it",
                        host(p.dst),
                        v.meta.name
                    ),
                );
            }
        }
    }

    // ---- transit gateway (C-9) ---------------------------------------------

    /// A subnet route to transit gateway `t`: into it through the VPC's attachment.
    pub(super) fn tgw_from_vpc(
        &mut self,
        t: TgwId,
        subnet: SubnetId,
        vpc: VpcId,
        last_nat: Option<usize>,
        p: Packet,
        depth: usize,
    ) {
        let topo = self.topo;
        let h = &topo.hybrid;
        let tgw = &h.tgws[t];
        let Some(ai) = crate::rules::tgw_vpc_attachment(self.topo, t, vpc) else {
            let hop = meta_hop(topo, &tgw.meta, "no attachment for this VPC".into());
            self.t.unknown(
                hop,
                format!(
                    "VPC {} has no attachment to transit gateway {}",
                    topo.vpcs[vpc].meta.name, tgw.meta.name
                ),
            );
            return;
        };
        let a = &h.tgw_attachments[ai];
        if !a.available {
            self.block_at(
                &a.meta,
                "the attachment is not available (C-9.2)",
                format!(
                    "bring attachment `{}` to state `available` (accept it if it is pending acceptance)",
                    a.meta.name
                ),
            );
        }
        let TgwAttachmentKind::Vpc { subnets, .. } = &a.kind else {
            return;
        };
        let entry = match crate::rules::tgw_entry_subnet(topo, subnets, subnet) {
            crate::rules::TgwEntry::Subnet(s) => s,
            crate::rules::TgwEntry::ZoneUnstated => {
                let hop = meta_hop(topo, &a.meta, "availability zone not stated".into());
                self.t
                    .unknown(hop, "availability zone not stated (C-9.6)".into());
                return;
            }
            crate::rules::TgwEntry::NoSubnetInZone(zone) => {
                self.block_at(
                        &a.meta,
                        format!(
                            "no subnet of the attachment is in availability zone {zone}, where the sender's subnet `{}` is: traffic from that zone cannot enter the transit gateway (C-9.6b)",
                            topo.subnets[subnet].meta.name
                        ),
                        format!(
                            "add a subnet in {zone} to attachment `{}` (one subnet per availability zone)",
                            a.meta.name
                        ),
                    );
                match subnets.first() {
                    Some(s) => *s,
                    None => return,
                }
            }
        };
        self.nacl(subnet, Direction::Egress, &p);
        self.nacl(entry, Direction::Ingress, &p);
        self.pass_at(
            &a.meta,
            format!(
                "into transit gateway `{}` through the attachment interface in subnet {} (C-9.6)",
                tgw.meta.name, topo.subnets[entry].meta.name
            ),
        );
        let az = topo.subnets[entry].availability_zone.clone();
        self.tag = self.tag.tgw_entry(topo, ai, entry);
        self.tgw_associated(ai, p, az, last_nat, depth);
    }

    /// The route table of attachment `ai`; when it has none, the blocker,
    /// and the trace goes on through each of the gateway's tables.
    fn tgw_associated(
        &mut self,
        ai: TgwAttachmentId,
        p: Packet,
        az: Option<String>,
        last_nat: Option<usize>,
        depth: usize,
    ) {
        let topo = self.topo;
        let h = &topo.hybrid;
        let a = &h.tgw_attachments[ai];
        if let Some(rt) = a.route_table {
            self.tgw_route(rt, p, az, last_nat, depth);
            return;
        }
        self.block_at(
            &a.meta,
            "the attachment is associated with no transit gateway route table, so traffic from it is dropped (C-9.2)",
            format!(
                "associate attachment `{}` with a route table of transit gateway `{}` that routes {}",
                a.meta.name,
                h.tgws[a.tgw].meta.name,
                host(p.dst)
            ),
        );
        let tables = h.tgws[a.tgw].route_tables.clone();
        self.best_of(tables, |tr, rt| {
            tr.tgw_route(rt, p, az.clone(), last_nat, depth);
        });
    }

    fn tgw_route_hop(
        &self,
        rt: TgwRouteTableId,
        a: TgwAttachmentId,
        prefix: Option<IpNet>,
        d: IpAddr,
    ) -> Hop {
        super::hops::tgw_route_hop(self.topo, rt, a, prefix, d)
    }

    /// Lookup in a transit gateway route table, then on to the winner.
    fn tgw_route(
        &mut self,
        rt: TgwRouteTableId,
        p: Packet,
        az: Option<String>,
        last_nat: Option<usize>,
        depth: usize,
    ) {
        let topo = self.topo;
        let h = &topo.hybrid;
        let table = &h.tgw_route_tables[rt];
        if self.tgw_hops >= crate::rules::MAX_TGW_HOPS {
            self.block_at(
                &table.meta,
                "routing loop through transit gateways",
                "break the loop between the transit gateway route tables",
            );
            return;
        }
        self.tgw_hops += 1;
        let natural = self.towards().natural_attachment(table.tgw);
        match sim::tgw_decision(topo, rt, p.dst) {
            TgwWin::To(atts, prefix) => {
                self.best_of(atts, |tr, a| {
                    let hop = tr.tgw_route_hop(rt, a, prefix, p.dst);
                    match natural {
                        Some(n) if n != a && tr.towards().wrong_attachment(a) => {
                            tr.t.block(
                                hop,
                                format!(
                                    "the route sends it to `{}` instead: add a more specific route {} → `{}` to `{}`",
                                    h.tgw_attachments[a].meta.name,
                                    host(p.dst),
                                    h.tgw_attachments[n].meta.name,
                                    table.meta.name
                                ),
                            );
                            tr.tgw_to(n, None, p, az.clone(), last_nat, depth);
                        }
                        _ => {
                            tr.t.pass(hop);
                            tr.tgw_to(a, prefix, p, az.clone(), last_nat, depth);
                        }
                    }
                });
            }
            TgwWin::Drop(why) => {
                let (hop, fix) = self.towards().tgw_drop(rt, natural, why, &p);
                self.t.block(hop, fix);
                if let Some(n) = natural {
                    self.tgw_to(n, None, p, az, last_nat, depth);
                }
            }
            TgwWin::Unknown(why) => {
                let hop = meta_hop(topo, &table.meta, why.clone());
                self.t.unknown(hop, why);
            }
        }
    }

    /// Out of a transit gateway through attachment `a`.
    fn tgw_to(
        &mut self,
        a: TgwAttachmentId,
        prefix: Option<IpNet>,
        p: Packet,
        az: Option<String>,
        last_nat: Option<usize>,
        depth: usize,
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
                let exits = sim::tgw_exit_subnets(topo, subnets, *appliance_mode, az.as_deref());
                if exits.is_empty() {
                    self.block_at(
                        &att.meta,
                        "the attachment has no subnets",
                        format!("add a subnet to attachment `{}`", att.meta.name),
                    );
                    return;
                }
                let vpc = *vpc;
                self.best_of(exits, |tr, e| {
                    tr.pass_at(&att.meta, format!(
                            "out of the transit gateway through subnet {}; forwarded by its route table (C-9.6)",
                            topo.subnets[e].meta.name
                        ));
                    tr.tag = tr.tag.tgw_exit(topo, a, e);
                    tr.forward(e, vpc, last_nat, p, depth);
                });
            }
            TgwAttachmentKind::Vpn(v) => self.exit(OnPremVia::Vpn(*v), p),
            TgwAttachmentKind::DxGateway(dx) => {
                let vifs: Vec<OnPremVia> = crate::rules::transit_vifs_carrying(topo, *dx, prefix)
                    .into_iter()
                    .map(OnPremVia::Vif)
                    .collect();
                if vifs.is_empty() {
                    let dxg = &h.dx_gateways[*dx];
                    self.block_at(
                        &dxg.meta,
                        "no transit virtual interface of the DX gateway carries it",
                        format!(
                            "attach a transit virtual interface to DX gateway `{}` over which on prem advertises {}",
                            dxg.meta.name,
                            prefix.map_or_else(|| host(p.dst), |n| n.to_string())
                        ),
                    );
                    return;
                }
                self.best_of(vifs, |tr, via| tr.exit(via, p));
            }
            TgwAttachmentKind::Peering(t2) => {
                let Some(b) = crate::rules::tgw_peering_back(topo, a) else {
                    let hop = meta_hop(topo, &att.meta, "transit gateway peering".into());
                    self.t.unknown(
                        hop,
                        format!(
                            "transit gateway {} has no peering attachment back",
                            h.tgws[*t2].meta.name
                        ),
                    );
                    return;
                };
                let back_att = &h.tgw_attachments[b];
                if !back_att.available {
                    self.block_at(
                        &back_att.meta,
                        "the peering attachment is not available (C-9.10)",
                        format!(
                            "accept peering attachment `{}` (its state must be `available`)",
                            back_att.meta.name
                        ),
                    );
                }
                self.pass_at(
                    &back_att.meta,
                    format!(
                        "over transit gateway peering into `{}` (static routes only, C-9.10)",
                        h.tgws[*t2].meta.name
                    ),
                );
                // TGW peering carries no identity (C-9.10).
                self.tag = SgTag::Cleared;
                self.tgw_associated(b, p, None, last_nat, depth);
            }
            TgwAttachmentKind::Connect => {
                let hop = meta_hop(topo, &att.meta, "a connect attachment".into());
                self.t.unknown(
                    hop,
                    format!("connect attachment {} is not modelled", att.meta.name),
                );
            }
        }
    }

    // ---- leaving AWS (C-10 to C-12) ----------------------------------------

    /// The blocker of a connection that is down.
    fn via_available(&mut self, via: OnPremVia) {
        let h = &self.topo.hybrid;
        if !sim::available(self.topo, via) {
            let label = h.via_label(via);
            self.block_at(
                h.via_meta(via),
                format!("{label} is not available"),
                format!("bring {label} up (its state must be `available`)"),
            );
        }
    }

    /// Leaves AWS over a connection.
    fn exit(&mut self, via: OnPremVia, p: Packet) {
        let topo = self.topo;
        let h = &topo.hybrid;
        let meta = h.via_meta(via);
        let label = h.via_label(via);
        self.via_available(via);
        if let OnPremVia::Vpn(v) = via {
            let vpn = &h.vpns[v];
            if p.dst.is_ipv6() {
                let hop = meta_hop(topo, &vpn.meta, "IPv6 over a VPN".into());
                self.t.unknown(
                    hop,
                    format!("IPv6 over vpn connection {} is not modelled", vpn.meta.name),
                );
                return;
            }
            if !crate::rules::vpn_selectors_cover(vpn, &p) {
                self.block_at(
                    &vpn.meta,
                    format!(
                        "{} → {} is outside the tunnels' traffic selectors (local {}, remote {}, C-11.2)",
                        p.src, p.dst, vpn.local_ipv4_network_cidr, vpn.remote_ipv4_network_cidr
                    ),
                    format!(
                        "widen the traffic selectors of `{}` (local_ipv4_network_cidr, remote_ipv4_network_cidr) to cover {} → {}",
                        vpn.meta.name, p.src, p.dst
                    ),
                );
            }
        }
        let hop = meta_hop(topo, meta, format!("leaves AWS over {label}"));
        match self.goal {
            Goal::OnPrem(n) if !h.on_prem[n].via.contains(&via) => {
                let net = &h.on_prem[n];
                self.t.block(
                    hop,
                    format!(
                        "{label} does not lead to on-prem network `{}`: route {} over one of its connections",
                        net.meta.name,
                        host(p.dst)
                    ),
                );
                self.t.complete = true;
            }
            Goal::OnPrem(_) | Goal::Addresses => {
                self.t.pass(hop);
                self.end_checks();
                self.t.complete = true;
            }
            Goal::Eni(_) | Goal::Internet | Goal::Service(_) => {
                self.t.block(
                    hop,
                    format!("it leaves AWS over {label} instead: route it towards its destination"),
                );
            }
        }
    }

    // ---- virtual private gateway (C-10) -------------------------------------

    /// A subnet route to VGW `g`.
    pub(super) fn vgw_out(&mut self, g: VgwId, subnet: SubnetId, vpc: VpcId, p: Packet) {
        let topo = self.topo;
        let vgw = &topo.hybrid.vgws[g];
        if vgw.vpc != Some(vpc) {
            self.block_at(
                &vgw.meta,
                format!("not attached to VPC `{}`", topo.vpcs[vpc].meta.name),
                format!(
                    "attach vpn gateway `{}` to VPC `{}`",
                    vgw.meta.name, topo.vpcs[vpc].meta.name
                ),
            );
        }
        self.nacl(subnet, Direction::Egress, &p);
        if !sim::interface_v4(topo, vpc, p.src) {
            self.block_at(
                &vgw.meta,
                format!(
                    "{} is not an IPv4 address of an interface in the VPC: a VPN gateway carries IPv4 between on prem and the VPC's own interfaces only (C-10.2, C-10.4)",
                    p.src
                ),
                "send IPv4 from an interface of the VPC itself (not through a NAT gateway or from another network)",
            );
        }
        self.vgw_choose(g, p);
    }

    /// The VGW's path selection (C-10.3) and the exit over the connection
    /// it chooses.
    fn vgw_choose(&mut self, g: VgwId, p: Packet) {
        let topo = self.topo;
        let vgw = &topo.hybrid.vgws[g];
        match sim::vgw_pick(topo, g, p.dst) {
            VgwPick::Via(via) => {
                self.pass_at(
                    &vgw.meta,
                    format!(
                        "chooses {} for {} (C-10.3)",
                        topo.hybrid.via_label(via),
                        p.dst
                    ),
                );
                self.exit(via, p);
            }
            VgwPick::NoRoute(why) => {
                // It forwards only to prefixes it knows (C-10.2).
                let hop = meta_hop(topo, &vgw.meta, format!("{why}: dropped (C-10.2)"));
                let fix = if matches!(self.goal, Goal::Internet | Goal::Service(_)) {
                    format!(
                        "route {} to an internet gateway (or a NAT gateway) instead of `{}`",
                        p.dst, vgw.meta.name
                    )
                } else {
                    format!(
                        "on prem must advertise a prefix covering {} over a VPN connection or virtual interface of `{}` (BGP), or give a static VPN a route to it",
                        p.dst, vgw.meta.name
                    )
                };
                self.t.block(hop, fix);
                let onward = match self.goal {
                    Goal::OnPrem(n) => sim::connections_of_vgw(topo, g)
                        .into_iter()
                        .find(|v| topo.hybrid.on_prem[n].via.contains(v)),
                    _ => None,
                };
                if let Some(via) = onward {
                    self.exit(via, p);
                }
            }
            VgwPick::Unknown(why) => {
                let hop = meta_hop(topo, &vgw.meta, why.clone());
                self.t.unknown(hop, why);
            }
        }
    }

    /// From on prem into VGW `g`'s VPC (C-10.4, C-10.5), or on to another
    /// of its connections (VPN CloudHub, C-10.6).
    fn vgw_in(&mut self, g: VgwId, p: Packet) {
        let topo = self.topo;
        let vgw = &topo.hybrid.vgws[g];
        if !vgw.vpc.is_some_and(|v| sim::in_vpc(topo, v, p.dst)) {
            self.pass_at(
                &vgw.meta,
                "forwards between its connections (VPN CloudHub, C-10.6)",
            );
            self.vgw_choose(g, p);
            return;
        }
        let Some(vpc) = vgw.vpc else {
            self.block_at(
                &vgw.meta,
                "the vpn gateway is attached to no VPC",
                format!("attach vpn gateway `{}` to a VPC", vgw.meta.name),
            );
            return;
        };
        if !sim::interface_v4(topo, vpc, p.dst) {
            self.block_at(
                &vgw.meta,
                format!(
                    "{} is not an IPv4 address of an interface in VPC `{}` (C-10.4)",
                    p.dst, topo.vpcs[vpc].meta.name
                ),
                "address an interface of the VPC: a VPN gateway forwards nothing beyond the VPC",
            );
        }
        if let Some(rt) = crate::rules::vgw_edge_table(topo, g) {
            let table = &topo.route_tables[rt];
            match sim::lookup(topo, rt, p.dst) {
                Lookup::Target(RouteTarget::Local, what) => {
                    self.pass_at(&table.meta, what);
                }
                Lookup::Unknown(why) => {
                    let hop = meta_hop(topo, &table.meta, "edge route table".into());
                    self.t.unknown(hop, why);
                    return;
                }
                _ => {
                    let hop = meta_hop(topo, &table.meta, "edge route table".into());
                    self.t.unknown(
                        hop,
                        format!(
                            "edge route table of {} does not deliver locally (C-3.11)",
                            vgw.meta.name
                        ),
                    );
                    return;
                }
            }
        }
        self.pass_at(
            &vgw.meta,
            format!(
                "from on prem into VPC `{}` (C-10.4)",
                topo.vpcs[vpc].meta.name
            ),
        );
        // From on prem: no identity (C-5.6).
        self.tag = SgTag::Cleared;
        self.arrive_from_outside(vpc, p);
    }

    // ---- on-prem origin ------------------------------------------------------

    pub(super) fn start_onprem(&mut self, n: OnPremId, p: Packet) {
        let topo = self.topo;
        let h = &topo.hybrid;
        let net = &h.on_prem[n];
        self.t.pass(Hop {
            component: net.meta.name.clone(),
            aws_id: None,
            rule: format!("sent from {} on prem", p.src),
            location: pos_location(topo, net.meta.pos),
        });
        if !net.cidrs.iter().any(|c| c.contains(&p.src)) {
            self.block_at(
                &net.meta,
                format!("{} is not in on-prem network `{}`", p.src, net.meta.name),
                "send from an address of the network",
            );
        }
        if net.stays_on_prem().iter().any(|c| c.contains(&p.dst)) {
            self.block_at(
                &net.meta,
                format!(
                    "{} is inside the on-prem network: it stays on premises",
                    p.dst
                ),
                "address a destination in AWS",
            );
            return;
        }
        let public_vif = net
            .via
            .iter()
            .any(|v| matches!(v, OnPremVia::Vif(x) if h.vifs[*x].kind == VifKind::Public));
        if public_vif && !sim::is_private_v4(p.dst) {
            let hop = meta_hop(topo, &net.meta, "a public virtual interface".into());
            self.t.unknown(
                hop,
                "public virtual interfaces are not followed (C-12.1)".into(),
            );
            return;
        }
        match sim::onprem_pick(topo, net, p.dst) {
            Some((chosen, decided)) => {
                self.best_of(chosen, |tr, via| {
                    let how = if decided {
                        "chosen by the stated on-prem preference"
                    } else {
                        "one of the paths the on-prem routers may take"
                    };
                    let pos = if decided && !net.prefer_pos.is_unknown() {
                        net.prefer_pos
                    } else {
                        net.meta.pos
                    };
                    tr.t.pass(Hop {
                        component: net.meta.name.clone(),
                        aws_id: None,
                        rule: format!("into AWS over {}: {how}", h.via_label(via)),
                        location: pos_location(topo, pos),
                    });
                    tr.enter(via, p);
                });
            }
            None => {
                self.block_at(
                    &net.meta,
                    format!(
                        "AWS advertises no route for {} to `{}` over any of its connections",
                        p.dst, net.meta.name
                    ),
                    format!(
                        "have AWS advertise a prefix covering {}: attach its VPC's VPN gateway, propagate its VPC attachment into the route table of the VPN or DX gateway attachment, or add its CIDR to the DX gateway association's allowed prefixes",
                        p.dst
                    ),
                );
                let vias = net.via.clone();
                self.best_of(vias, |tr, via| tr.enter(via, p));
            }
        }
    }

    /// Into AWS over a connection from on prem.
    fn enter(&mut self, via: OnPremVia, p: Packet) {
        let topo = self.topo;
        let h = &topo.hybrid;
        let meta = h.via_meta(via);
        let label = h.via_label(via);
        self.via_available(via);
        match via {
            OnPremVia::Vpn(v) => match h.vpns[v].gateway {
                VpnGatewayRef::Vgw(g) => {
                    if p.dst.is_ipv6() {
                        self.block_at(
                            meta,
                            "a VPN gateway carries no IPv6 (C-10.2)",
                            "use IPv4, or a transit gateway VPN",
                        );
                        return;
                    }
                    self.vgw_in(g, p);
                }
                VpnGatewayRef::Tgw(_) => {
                    if p.dst.is_ipv6() {
                        let hop = meta_hop(topo, meta, "IPv6 over a VPN".into());
                        self.t
                            .unknown(hop, "IPv6 over a VPN is not modelled".into());
                        return;
                    }
                    match h.vpns[v].tgw_attachment {
                        Some(a) => self.enter_tgw(a, p),
                        None => {
                            let hop = meta_hop(topo, meta, "no transit gateway attachment".into());
                            self.t
                                .unknown(hop, format!("{label} has no TGW attachment"));
                        }
                    }
                }
            },
            OnPremVia::Vif(x) => {
                let vif = &h.vifs[x];
                match vif.kind {
                    VifKind::Public => self.block_at(
                        meta,
                        "a public virtual interface carries no traffic into a VPC (C-12.1)",
                        "use a private or transit virtual interface",
                    ),
                    VifKind::Private => {
                        if p.dst.is_ipv6() {
                            self.block_at(
                                meta,
                                "a VPN gateway carries no IPv6 (C-10.2)",
                                "use IPv4, or a transit virtual interface",
                            );
                            return;
                        }
                        let (vgws, refused) = sim::private_vif_vgws(topo, x, p.dst);
                        if vgws.is_empty() {
                            self.refused_private(via, p, &refused);
                            let onward: Vec<VgwId> = refused
                                .iter()
                                .map(|&(_, g)| g)
                                .filter(|&g| {
                                    h.vgws[g].vpc.is_some_and(|v| sim::in_vpc(topo, v, p.dst))
                                })
                                .collect();
                            self.best_of(onward, |tr, g| tr.vgw_in(g, p));
                            return;
                        }
                        self.best_of(vgws, |tr, g| tr.vgw_in(g, p));
                    }
                    VifKind::Transit => {
                        let Some(dx) = vif.dx_gateway else {
                            self.block_at(
                                meta,
                                "a transit virtual interface without a DX gateway",
                                format!("attach {label} to a DX gateway"),
                            );
                            return;
                        };
                        let dxg = &h.dx_gateways[dx];
                        let mut tgws = sim::transit_vif_tgws(topo, dx, p.dst);
                        if tgws.is_empty() {
                            self.block_at(
                                &dxg.meta,
                                format!(
                                    "no association of DX gateway `{}` with a transit gateway allows {} (allowed prefixes, C-12.2)",
                                    dxg.meta.name, p.dst
                                ),
                                format!(
                                    "add a prefix covering {} to the allowed prefixes of the association of `{}` with its transit gateway",
                                    p.dst, dxg.meta.name
                                ),
                            );
                            tgws = dxg
                                .associations
                                .iter()
                                .filter_map(|a| match a.target {
                                    DxAssociationTarget::Tgw(t) => Some(t),
                                    DxAssociationTarget::Vgw(_) => None,
                                })
                                .collect();
                            tgws.dedup();
                        }
                        self.best_of(tgws, |tr, t| {
                            match crate::rules::tgw_dx_attachment(topo, t, dx) {
                                Some(a) => tr.enter_tgw(a, p),
                                None => {
                                    let hop = meta_hop(
                                        topo,
                                        &h.tgws[t].meta,
                                        "no DX gateway attachment".into(),
                                    );
                                    tr.t.unknown(
                                        hop,
                                        format!(
                                            "transit gateway {} has no attachment for the DX gateway",
                                            h.tgws[t].meta.name
                                        ),
                                    );
                                }
                            }
                        });
                    }
                }
            }
        }
    }

    /// The blocker of a private virtual interface whose DX gateway lets no
    /// associated VGW take the packet.
    fn refused_private(&mut self, via: OnPremVia, p: Packet, refused: &[(DxGatewayId, VgwId)]) {
        let topo = self.topo;
        let h = &topo.hybrid;
        match refused.first() {
            Some(&(dx, g)) => {
                let dxg = &h.dx_gateways[dx];
                self.block_at(
                    &dxg.meta,
                    format!(
                        "the allowed prefixes of the association of DX gateway `{}` with vpn gateway `{}` do not cover {} (C-12.2)",
                        dxg.meta.name, h.vgws[g].meta.name, p.dst
                    ),
                    format!(
                        "add the VPC CIDR holding {} to the allowed prefixes of the association of `{}` with `{}`",
                        p.dst, dxg.meta.name, h.vgws[g].meta.name
                    ),
                );
            }
            None => self.block_at(
                h.via_meta(via),
                "no vpn gateway is behind the virtual interface",
                format!(
                    "attach {} to a vpn gateway, or to a DX gateway associated with one",
                    h.via_label(via)
                ),
            ),
        }
    }

    /// Into a transit gateway through a VPN or DX gateway attachment.
    fn enter_tgw(&mut self, a: TgwAttachmentId, p: Packet) {
        let topo = self.topo;
        let att = &topo.hybrid.tgw_attachments[a];
        if !att.available {
            self.block_at(
                &att.meta,
                "the attachment is not available (C-9.2)",
                format!("bring attachment `{}` to state `available`", att.meta.name),
            );
        }
        self.pass_at(
            &att.meta,
            format!(
                "into transit gateway `{}`",
                topo.hybrid.tgws[att.tgw].meta.name
            ),
        );
        self.tag = SgTag::Cleared;
        self.tgw_associated(a, p, None, None, 0);
    }
}
