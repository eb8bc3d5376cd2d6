//! Transit gateways: their defaults, attachments (and the VPNs that run
//! over a Direct Connect attachment) and route tables (AWS-SEMANTICS §9).

use super::*;

impl V<'_> {
    pub(super) fn tgws(&mut self) {
        let s = self.src;
        let (mut att, mut rtb) = (0, 0);
        for tg in &s.transit_gateways {
            let region = tg
                .region
                .as_ref()
                .map(|r| r.value.clone())
                .or_else(|| s.region.as_ref().map(|r| r.value.clone()));
            let attachments: Vec<TgwAttachmentId> = (att..att + tg.attachments.len())
                .map(TgwAttachmentId::from)
                .collect();
            let route_tables: Vec<TgwRouteTableId> = (rtb..rtb + tg.route_tables.len())
                .map(TgwRouteTableId::from)
                .collect();
            att += tg.attachments.len();
            rtb += tg.route_tables.len();
            self.t.hybrid.tgws.push(h::Tgw {
                meta: meta(&tg.name, &tg.aws_id),
                region,
                account: tg
                    .account
                    .as_ref()
                    .map(|a| a.0.clone())
                    .or_else(|| s.account.as_ref().map(|a| a.value.0.clone())),
                amazon_side_asn: tg.amazon_side_asn,
                sg_referencing: tg.security_group_referencing.unwrap_or(false),
                vpn_ecmp: tg.vpn_ecmp.unwrap_or(true),
                default_association_route_table: None,
                default_propagation_route_table: None,
                attachments,
                route_tables,
            });
        }
    }

    pub(super) fn tgw_defaults(&mut self) {
        let s = self.src;
        for (ti, tg) in s.transit_gateways.iter().enumerate() {
            let ti = TgwId::from(ti);
            let ctx = format!("transit gateway `{}`", tg.name.value);
            let pick = |v: &mut Self, r: &Option<Sp<String>>| -> Option<TgwRouteTableId> {
                let r = r.as_ref()?;
                let id: TgwRouteTableId = v.hyb1(r, Kind::TgwRouteTable, &ctx);
                let owner = v.t.hybrid.tgw_route_tables.get(id).map(|t| t.tgw)?;
                if owner != ti {
                    let other =
                        v.t.hybrid
                            .tgws
                            .get(owner)
                            .map(|t| t.meta.name.clone())
                            .unwrap_or_default();
                    v.err(
                        r.pos,
                        format!(
                            "{ctx} names route table `{}` of transit gateway `{other}`",
                            r.value
                        ),
                        None,
                    );
                    return None;
                }
                Some(id)
            };
            let a = pick(self, &tg.default_association_route_table);
            let p = pick(self, &tg.default_propagation_route_table);
            if let Some(t) = self.t.hybrid.tgws.get_mut(ti) {
                t.default_association_route_table = a;
                t.default_propagation_route_table = p;
            }
        }
    }

    pub(super) fn tgw_attachments(&mut self) {
        let s = self.src;
        for (ti, tg) in s.transit_gateways.iter().enumerate() {
            let ti = TgwId::from(ti);
            let tgw_sgr = tg.security_group_referencing.unwrap_or(false);
            for a in &tg.attachments {
                let id = self.t.hybrid.tgw_attachments.next_key();
                let ctx = format!("transit gateway attachment `{}`", a.name.value);
                let kind = self.choice(
                    &a.kind,
                    &[
                        ("vpc", AttKind::Vpc),
                        ("vpn", AttKind::Vpn),
                        ("direct-connect-gateway", AttKind::Dxgw),
                        ("peering", AttKind::Peering),
                        ("connect", AttKind::Connect),
                    ],
                    "attachment type",
                    &ctx,
                );
                let available = self.flag_state(&a.state, AVAILABLE, "attachment state", &ctx);
                self.attachment_fields(a, kind, &ctx);
                let resolved = match kind {
                    None => None,
                    Some(AttKind::Vpc) => self.vpc_attachment(a, &ctx, tgw_sgr),
                    Some(AttKind::Vpn) => {
                        let v = self
                            .required(&a.vpn_connection, "vpn_connection", a, &ctx)
                            .map(|v| (v, self.hyb1::<VpnId>(v, Kind::Vpn, &ctx)));
                        v.and_then(|(at, vi)| {
                            let vpn = self.t.hybrid.vpns.get_mut(vi)?;
                            if vpn.gateway != VpnGatewayRef::Tgw(ti) {
                                let msg = format!("{ctx} attaches vpn connection `{}`, which does not terminate on transit gateway `{}`", at.value, tg.name.value);
                                self.err(at.pos, msg, Some("set the vpn connection's `gateway` to this transit gateway".into()));
                                return None;
                            }
                            if let Some(first) = vpn.tgw_attachment {
                                let _ = first;
                                let msg = format!("vpn connection `{}` has two transit gateway attachments", at.value);
                                self.err(at.pos, msg, None);
                                return None;
                            }
                            vpn.tgw_attachment = Some(id);
                            Some(TgwAttachmentKind::Vpn(vi))
                        })
                    }
                    Some(AttKind::Dxgw) => {
                        let g = self
                            .required(&a.direct_connect_gateway, "direct_connect_gateway", a, &ctx)
                            .map(|g| (g, self.hyb1::<DxGatewayId>(g, Kind::DxGateway, &ctx)));
                        g.and_then(|(at, gi)| {
                            let dxgw = self.t.hybrid.dx_gateways.get(gi)?;
                            let associated = dxgw
                                .associations
                                .iter()
                                .any(|x| x.target == DxAssociationTarget::Tgw(ti));
                            if !associated {
                                let msg = format!("{ctx} attaches direct connect gateway `{}`, which has no association with transit gateway `{}`", at.value, tg.name.value);
                                self.err(at.pos, msg, Some("add the transit gateway to the gateway's `associations`, with its `allowed_prefixes`".into()));
                                return None;
                            }
                            Some(TgwAttachmentKind::DxGateway(gi))
                        })
                    }
                    Some(AttKind::Peering) => {
                        let p = self
                            .required(&a.peer_transit_gateway, "peer_transit_gateway", a, &ctx)
                            .map(|p| (p, self.hyb1::<TgwId>(p, Kind::Tgw, &ctx)));
                        p.and_then(|(at, pi)| {
                            if pi == ti {
                                self.err(
                                    at.pos,
                                    format!(
                                        "{ctx} peers transit gateway `{}` with itself",
                                        at.value
                                    ),
                                    None,
                                );
                                return None;
                            }
                            (pi != TgwId::from(BAD)).then_some(TgwAttachmentKind::Peering(pi))
                        })
                    }
                    Some(AttKind::Connect) => Some(TgwAttachmentKind::Connect),
                };
                self.t.hybrid.tgw_attachments.push(h::TgwAttachment {
                    meta: meta(&a.name, &a.aws_id),
                    tgw: ti,
                    kind: resolved.unwrap_or(TgwAttachmentKind::Connect),
                    available,
                    route_table: None,
                });
            }
        }
        self.vpn_transports();
    }

    /// Fields that belong to another attachment type are mistakes, not
    /// ignored.
    pub(super) fn attachment_fields(
        &mut self,
        a: &f::TgwAttachment,
        kind: Option<AttKind>,
        ctx: &str,
    ) {
        let fields: [(&str, bool, bool); 8] = [
            ("vpc", a.vpc.is_some(), matches!(kind, Some(AttKind::Vpc))),
            (
                "subnets",
                !a.subnets.is_empty(),
                matches!(kind, Some(AttKind::Vpc)),
            ),
            (
                "appliance_mode",
                a.appliance_mode.is_some(),
                matches!(kind, Some(AttKind::Vpc)),
            ),
            (
                "security_group_referencing",
                a.security_group_referencing.is_some(),
                matches!(kind, Some(AttKind::Vpc)),
            ),
            (
                "ipv6_support",
                a.ipv6_support.is_some(),
                matches!(kind, Some(AttKind::Vpc)),
            ),
            (
                "vpn_connection",
                a.vpn_connection.is_some(),
                matches!(kind, Some(AttKind::Vpn)),
            ),
            (
                "direct_connect_gateway",
                a.direct_connect_gateway.is_some(),
                matches!(kind, Some(AttKind::Dxgw)),
            ),
            (
                "peer_transit_gateway",
                a.peer_transit_gateway.is_some(),
                matches!(kind, Some(AttKind::Peering)),
            ),
        ];
        if kind.is_some() {
            for (field, set, allowed) in fields {
                if set && !allowed {
                    self.err(
                        a.kind.pos,
                        format!("{ctx} of type `{}` sets `{field}`, which is only for another attachment type", a.kind.value.trim()),
                        None,
                    );
                }
            }
        }
    }

    /// A private IP VPN runs over its TGW's DX gateway attachment (C-11.4).
    pub(super) fn vpn_transports(&mut self) {
        let s = self.src;
        for (vi, v) in s.vpn_connections.iter().enumerate() {
            let vi = VpnId::from(vi);
            let ctx = format!("vpn connection `{}`", v.name.value);
            let Some(t) = &v.transport_attachment else {
                continue;
            };
            let id: TgwAttachmentId = self.hyb1(t, Kind::TgwAttachment, &ctx);
            let Some(att) = self.t.hybrid.tgw_attachments.get(id) else {
                continue;
            };
            let (att_tgw, is_dx) = (att.tgw, matches!(att.kind, TgwAttachmentKind::DxGateway(_)));
            let Some(vpn) = self.t.hybrid.vpns.get(vi) else {
                continue;
            };
            if !is_dx {
                self.err(t.pos, format!("{ctx} uses transport attachment `{}`, which is not a `direct-connect-gateway` attachment", t.value), Some("a private IP VPN runs over the transit gateway's direct connect gateway attachment".into()));
            } else if vpn.gateway != VpnGatewayRef::Tgw(att_tgw) {
                self.err(
                    t.pos,
                    format!(
                        "{ctx} uses transport attachment `{}` of another transit gateway",
                        t.value
                    ),
                    None,
                );
            } else if let Some(vpn) = self.t.hybrid.vpns.get_mut(vi)
                && matches!(vpn.outside_ip, OutsideIp::PrivateIpv4 { .. })
            {
                vpn.outside_ip = OutsideIp::PrivateIpv4 { transport: id };
            }
        }
    }

    /// A required field of an attachment of some type.
    pub(super) fn required<'b>(
        &mut self,
        v: &'b Option<Sp<String>>,
        field: &str,
        a: &Sp<f::TgwAttachment>,
        ctx: &str,
    ) -> Option<&'b Sp<String>> {
        if v.is_none() {
            self.err(
                a.kind.pos,
                format!(
                    "{ctx} of type `{}` does not set `{field}`",
                    a.kind.value.trim()
                ),
                None,
            );
        }
        v.as_ref()
    }

    pub(super) fn vpc_attachment(
        &mut self,
        a: &Sp<f::TgwAttachment>,
        ctx: &str,
        tgw_sgr: bool,
    ) -> Option<TgwAttachmentKind> {
        let v = self.required(&a.vpc, "vpc", a, ctx)?;
        let vpc = self.lookup1(v, Kind::Vpc, ctx);
        if a.subnets.is_empty() {
            self.err(
                v.pos,
                format!("{ctx} has no `subnets`"),
                Some("list one subnet per availability zone the attachment serves (C-9.6)".into()),
            );
        }
        let mut subnets = Vec::new();
        let mut azs: HashMap<String, String> = HashMap::new();
        for sn in &a.subnets {
            let si = self.lookup1(sn, Kind::Subnet, ctx);
            let Some(sub) = self.t.subnets.get(si) else {
                continue;
            };
            let (svpc, az) = (sub.vpc, sub.availability_zone.clone());
            self.same_vpc(sn.pos, ctx, vpc, Kind::Subnet, &sn.value, svpc);
            if let Some(az) = az {
                if let Some(first) = azs.get(&az) {
                    let msg = format!(
                        "{ctx} has two subnets in availability zone `{az}`: `{first}` and `{}`",
                        sn.value
                    );
                    self.err(
                        sn.pos,
                        msg,
                        Some(
                            "a vpc attachment has one subnet per availability zone (C-9.6)".into(),
                        ),
                    );
                } else {
                    azs.insert(az, sn.value.clone());
                }
            }
            subnets.push(si);
        }
        if vpc == BAD {
            return None;
        }
        Some(TgwAttachmentKind::Vpc {
            vpc,
            subnets,
            appliance_mode: a.appliance_mode.unwrap_or(false),
            sg_referencing: a.security_group_referencing.unwrap_or(tgw_sgr),
            ipv6_support: a.ipv6_support.unwrap_or(false),
        })
    }

    pub(super) fn tgw_route_tables(&mut self) {
        let s = self.src;
        let mut associated: HashMap<TgwAttachmentId, (String, Pos)> = HashMap::new();
        for (ti, tg) in s.transit_gateways.iter().enumerate() {
            let ti = TgwId::from(ti);
            for rt in &tg.route_tables {
                let ctx = format!("transit gateway route table `{}`", rt.name.value);
                let own = |v: &mut Self, r: &Sp<String>, what: &str| -> Option<TgwAttachmentId> {
                    let id: TgwAttachmentId = v.hyb1(r, Kind::TgwAttachment, &ctx);
                    let att = v.t.hybrid.tgw_attachments.get(id)?;
                    if att.tgw != ti {
                        let other =
                            v.t.hybrid
                                .tgws
                                .get(att.tgw)
                                .map(|t| t.meta.name.clone())
                                .unwrap_or_default();
                        v.err(
                            r.pos,
                            format!("{ctx} of transit gateway `{}` {what} attachment `{}` of transit gateway `{other}`", tg.name.value, r.value),
                            None,
                        );
                        return None;
                    }
                    Some(id)
                };
                let mut associations = Vec::new();
                for a in &rt.associations {
                    let Some(id) = own(self, a, "associates") else {
                        continue;
                    };
                    // C-9.2: at most one table per attachment.
                    if let Some((first, pos)) = associated.get(&id) {
                        let msg = format!(
                            "transit gateway attachment `{}` is associated with two route tables: `{first}`{} and `{}`",
                            a.value,
                            at_line(*pos),
                            rt.name.value
                        );
                        self.err(
                            a.pos,
                            msg,
                            Some(
                                "an attachment is associated with at most one route table (C-9.2)"
                                    .into(),
                            ),
                        );
                        continue;
                    }
                    associated.insert(id, (rt.name.value.clone(), a.pos));
                    associations.push(id);
                }
                let mut propagations = Vec::new();
                for p in &rt.propagations {
                    let Some(id) = own(self, p, "propagates from") else {
                        continue;
                    };
                    if matches!(
                        self.t.hybrid.tgw_attachments.get(id).map(|x| &x.kind),
                        Some(TgwAttachmentKind::Peering(_))
                    ) {
                        self.err(p.pos, format!("{ctx} propagates from peering attachment `{}`, but peering attachments propagate no routes", p.value), Some("add a static route to the peering attachment (C-9.10)".into()));
                        continue;
                    }
                    if propagations.iter().any(|&(x, _)| x == id) {
                        self.err(
                            p.pos,
                            format!("{ctx} lists propagation `{}` twice", p.value),
                            None,
                        );
                        continue;
                    }
                    propagations.push((id, p.pos));
                }
                let mut routes = Vec::new();
                let mut seen: HashMap<String, Pos> = HashMap::new();
                for route in &rt.routes {
                    let dest =
                        self.route_dest(&route.destination, &route.prefix_list, route.pos, &ctx);
                    let blackhole = route.blackhole.as_ref().is_some_and(|b| b.value);
                    let target = match (&route.attachment, blackhole) {
                        (Some(a), false) => {
                            own(self, a, "routes to").map(TgwRouteTarget::Attachment)
                        }
                        (None, true) => Some(TgwRouteTarget::Blackhole),
                        (Some(_), true) => {
                            self.err(
                                route.pos,
                                format!(
                                    "a route of {ctx} sets both `attachment` and `blackhole: true`"
                                ),
                                Some("a blackhole route has no attachment".into()),
                            );
                            None
                        }
                        (None, false) => {
                            self.err(route.pos, format!("a route of {ctx} sets neither `attachment` nor `blackhole: true`"), None);
                            None
                        }
                    };
                    let (Some((dest, dtext)), Some(target)) = (dest, target) else {
                        continue;
                    };
                    if let Some(first) = seen.get(&dtext) {
                        self.err(
                            route.pos,
                            format!("{ctx} has two routes for {dtext}{}", at_line(*first)),
                            Some("a route table has one static route per destination".into()),
                        );
                        continue;
                    }
                    seen.insert(dtext, route.pos);
                    routes.push(h::TgwRoute {
                        dest,
                        target,
                        pos: route.pos,
                    });
                }
                for &a in &associations {
                    let idx = self.t.hybrid.tgw_route_tables.next_key();
                    if let Some(x) = self.t.hybrid.tgw_attachments.get_mut(a) {
                        x.route_table = Some(idx);
                    }
                }
                self.t.hybrid.tgw_route_tables.push(h::TgwRouteTable {
                    meta: meta(&rt.name, &rt.aws_id),
                    tgw: ti,
                    associations,
                    propagations,
                    routes,
                });
            }
        }
    }
}
