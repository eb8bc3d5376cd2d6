//! Validation and resolution of the hybrid sections: transit gateways,
//! virtual private gateways, customer gateways, VPN connections, Direct
//! Connect and on-prem networks (AWS-SEMANTICS §9–12).

use ipnet::{IpNet, Ipv4Net};
use std::collections::HashMap;

use super::super::format as f;
use super::super::hybrid::{
    self as h, DxAssociationTarget, DxCarrier, EncryptionMode, HybridRef, IkeVersion,
    MacsecKeyState, OnPremVia, OutsideIp, Preference, TgwAttachmentKind, TgwRouteTarget, VifKind,
    VpnGatewayRef,
};
use super::super::spanned::{Pos, Sp};
use super::{BAD, Kind, V, at_line, meta};

const AVAILABLE: &[(&str, bool)] = &[
    ("available", true),
    ("pending", false),
    ("pendingAcceptance", false),
    ("initiating", false),
    ("modifying", false),
    ("rollingBack", false),
    ("failing", false),
    ("failed", false),
    ("rejecting", false),
    ("rejected", false),
    ("deleting", false),
    ("deleted", false),
];

const VIF_STATES: &[(&str, bool)] = &[
    ("available", true),
    ("confirming", false),
    ("verifying", false),
    ("pending", false),
    ("down", false),
    ("testing", false),
    ("deleting", false),
    ("deleted", false),
    ("rejected", false),
    ("unknown", false),
];

#[derive(Clone, Copy)]
enum AttKind {
    Vpc,
    Vpn,
    Dxgw,
    Peering,
    Connect,
}

impl V<'_> {
    /// Resolve a reference to one of the hybrid `kinds`: the kind and the
    /// index in its section (which is its index in `t.hybrid`).
    fn hyb(
        &mut self,
        r: &Sp<String>,
        kinds: &[Kind],
        what: &str,
        ctx: &str,
    ) -> Option<(Kind, usize)> {
        let (kind, other) = self.lookup(r, kinds, what, ctx)?;
        let &(k, sec) = self.other_src.get(other)?;
        (k == kind).then_some((k, sec))
    }

    fn hyb1(&mut self, r: &Sp<String>, kind: Kind, ctx: &str) -> usize {
        self.hyb(r, &[kind], kind.label(), ctx)
            .map_or(BAD, |(_, i)| i)
    }

    fn flag_state(
        &mut self,
        s: &Option<Sp<String>>,
        options: &[(&'static str, bool)],
        what: &str,
        ctx: &str,
    ) -> bool {
        match s {
            None => true,
            Some(v) => self.choice(v, options, what, ctx).unwrap_or(false),
        }
    }

    fn cidrs(&mut self, list: &[Sp<String>], ctx: &str) -> Vec<IpNet> {
        list.iter().filter_map(|c| self.cidr(c, ctx)).collect()
    }

    pub(super) fn hybrid(&mut self) {
        self.tgws();
        self.vgws();
        self.cgws();
        self.direct_connect();
        self.vpns();
        self.tgw_attachments();
        self.dx_gateways_without_vifs();
        self.tgw_route_tables();
        self.tgw_defaults();
        self.on_prem();
        self.on_prem_policy();
        let kinds: Vec<Option<HybridRef>> = self
            .other_src
            .iter()
            .map(|&(k, i)| match k {
                Kind::Tgw => Some(HybridRef::Tgw(i)),
                Kind::TgwAttachment => Some(HybridRef::TgwAttachment(i)),
                Kind::TgwRouteTable => Some(HybridRef::TgwRouteTable(i)),
                Kind::Vgw => Some(HybridRef::Vgw(i)),
                Kind::Cgw => Some(HybridRef::Cgw(i)),
                Kind::Vpn => Some(HybridRef::Vpn(i)),
                Kind::DxConnection => Some(HybridRef::DxConnection(i)),
                Kind::DxLag => Some(HybridRef::DxLag(i)),
                Kind::Vif => Some(HybridRef::Vif(i)),
                Kind::DxGateway => Some(HybridRef::DxGateway(i)),
                Kind::OnPrem => Some(HybridRef::OnPrem(i)),
                _ => None,
            })
            .collect();
        // Entries past `other_src` (GWLB endpoints) are not hybrid.
        let mut all = kinds;
        all.resize(self.t.others.len(), None);
        self.t.hybrid.other_kind = all;
    }

    // ----- transit gateways ----------------------------------------------

    fn tgws(&mut self) {
        let s = self.src;
        let (mut att, mut rtb) = (0, 0);
        for tg in &s.transit_gateways {
            let region = tg
                .region
                .as_ref()
                .map(|r| r.value.clone())
                .or_else(|| s.region.as_ref().map(|r| r.value.clone()));
            let attachments: Vec<usize> = (att..att + tg.attachments.len()).collect();
            let route_tables: Vec<usize> = (rtb..rtb + tg.route_tables.len()).collect();
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

    fn tgw_defaults(&mut self) {
        let s = self.src;
        for (ti, tg) in s.transit_gateways.iter().enumerate() {
            let ctx = format!("transit gateway `{}`", tg.name.value);
            let pick = |v: &mut Self, r: &Option<Sp<String>>| -> Option<usize> {
                let r = r.as_ref()?;
                let id = v.hyb1(r, Kind::TgwRouteTable, &ctx);
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

    fn tgw_attachments(&mut self) {
        let s = self.src;
        for (ti, tg) in s.transit_gateways.iter().enumerate() {
            let tgw_sgr = tg.security_group_referencing.unwrap_or(false);
            for a in &tg.attachments {
                let id = self.t.hybrid.tgw_attachments.len();
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
                            .map(|v| (v, self.hyb1(v, Kind::Vpn, &ctx)));
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
                            .map(|g| (g, self.hyb1(g, Kind::DxGateway, &ctx)));
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
                            .map(|p| (p, self.hyb1(p, Kind::Tgw, &ctx)));
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
                            (pi != BAD).then_some(TgwAttachmentKind::Peering(pi))
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
    fn attachment_fields(&mut self, a: &f::TgwAttachment, kind: Option<AttKind>, ctx: &str) {
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
    fn vpn_transports(&mut self) {
        let s = self.src;
        for (vi, v) in s.vpn_connections.iter().enumerate() {
            let ctx = format!("vpn connection `{}`", v.name.value);
            let Some(t) = &v.transport_attachment else {
                continue;
            };
            let id = self.hyb1(t, Kind::TgwAttachment, &ctx);
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
    fn required<'b>(
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

    fn vpc_attachment(
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

    fn tgw_route_tables(&mut self) {
        let s = self.src;
        let mut associated: HashMap<usize, (String, Pos)> = HashMap::new();
        for (ti, tg) in s.transit_gateways.iter().enumerate() {
            for rt in &tg.route_tables {
                let ctx = format!("transit gateway route table `{}`", rt.name.value);
                let own = |v: &mut Self, r: &Sp<String>, what: &str| -> Option<usize> {
                    let id = v.hyb1(r, Kind::TgwAttachment, &ctx);
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
                    let idx = self.t.hybrid.tgw_route_tables.len();
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

    // ----- VGWs, customer gateways, VPN ----------------------------------

    fn vgws(&mut self) {
        let s = self.src;
        let mut by_vpc: HashMap<usize, String> = HashMap::new();
        for g in &s.vpn_gateways {
            let ctx = format!("vpn gateway `{}`", g.name.value);
            let vpc = g
                .vpc
                .as_ref()
                .map(|v| (v, self.lookup1(v, Kind::Vpc, &ctx)));
            let mut attached = None;
            if let Some((v, vi)) = vpc
                && vi != BAD
            {
                // C-10.1: a VPC has at most one VGW.
                if let Some(first) = by_vpc.get(&vi) {
                    let msg = format!(
                        "vpc `{}` has two vpn gateways attached: `{first}` and `{}`",
                        v.value, g.name.value
                    );
                    self.err(
                        v.pos,
                        msg,
                        Some("a vpc can have only one virtual private gateway".into()),
                    );
                } else {
                    by_vpc.insert(vi, g.name.value.clone());
                    attached = Some(vi);
                }
            }
            self.t.hybrid.vgws.push(h::Vgw {
                meta: meta(&g.name, &g.aws_id),
                vpc: attached,
                amazon_side_asn: g.amazon_side_asn,
                ..h::Vgw::default()
            });
        }
    }

    fn cgws(&mut self) {
        for c in &self.src.customer_gateways {
            let ctx = format!("customer gateway `{}`", c.name.value);
            let ip = c.ip_address.as_ref().and_then(|a| {
                super::super::values::ip(&a.value, &ctx)
                    .map_err(|p| self.problem(a.pos, p))
                    .ok()
            });
            self.t.hybrid.cgws.push(h::Cgw {
                meta: meta(&c.name, &c.aws_id),
                ip_address: ip,
                bgp_asn: c.bgp_asn,
            });
        }
    }

    fn vpns(&mut self) {
        let s = self.src;
        for (vi, v) in s.vpn_connections.iter().enumerate() {
            let ctx = format!("vpn connection `{}`", v.name.value);
            let cgw = self.hyb1(&v.customer_gateway, Kind::Cgw, &ctx);
            let gateway = match self.hyb(
                &v.gateway,
                &[Kind::Vgw, Kind::Tgw],
                "vpn gateway or transit gateway",
                &ctx,
            ) {
                Some((Kind::Vgw, g)) => {
                    if let Some(x) = self.t.hybrid.vgws.get_mut(g) {
                        x.vpns.push(vi);
                    }
                    VpnGatewayRef::Vgw(g)
                }
                Some((_, g)) => VpnGatewayRef::Tgw(g),
                None => VpnGatewayRef::Vgw(BAD),
            };
            let available = self.flag_state(
                &v.state,
                &[
                    ("available", true),
                    ("pending", false),
                    ("deleting", false),
                    ("deleted", false),
                ],
                "vpn connection state",
                &ctx,
            );
            let static_only = v.static_routes_only.unwrap_or(false);
            if !static_only && let Some(first) = v.routes.first() {
                self.err(
                    first.pos,
                    format!("{ctx} lists static `routes` but uses BGP"),
                    Some("set `static_routes_only: true`, or remove `routes`: BGP routes come from the on-prem network's `advertises`".into()),
                );
            }
            let static_routes: Vec<(IpNet, Pos)> = v
                .routes
                .iter()
                .filter_map(|r| self.cidr(r, &ctx).map(|n| (n, r.pos)))
                .collect();
            #[derive(Clone, Copy)]
            enum O {
                Public,
                Private,
                V6,
            }
            let outside = match &v.outside_ip_address_type {
                None => Some(O::Public),
                Some(o) => self.choice(
                    o,
                    &[
                        ("public-ipv4", O::Public),
                        ("private-ipv4", O::Private),
                        ("ipv6", O::V6),
                    ],
                    "outside ip address type",
                    &ctx,
                ),
            };
            let outside_ip = match outside {
                Some(O::Private) => {
                    if !matches!(gateway, VpnGatewayRef::Tgw(_)) {
                        let at = v
                            .outside_ip_address_type
                            .as_ref()
                            .map_or(v.name.pos, |o| o.pos);
                        self.err(at, format!("{ctx} uses `private-ipv4` outside addresses, which only a transit gateway vpn supports"), None);
                    }
                    if v.transport_attachment.is_none() {
                        let at = v
                            .outside_ip_address_type
                            .as_ref()
                            .map_or(v.name.pos, |o| o.pos);
                        self.err(at, format!("{ctx} uses `private-ipv4` outside addresses but sets no `transport_attachment`"), Some("name the transit gateway's `direct-connect-gateway` attachment the tunnels run over (C-11.4)".into()));
                    }
                    OutsideIp::PrivateIpv4 { transport: BAD }
                }
                Some(O::V6) => OutsideIp::Ipv6,
                _ => {
                    if let Some(t) = &v.transport_attachment {
                        self.err(t.pos, format!("{ctx} sets `transport_attachment` without `outside_ip_address_type: private-ipv4`"), None);
                    }
                    OutsideIp::PublicIpv4
                }
            };
            let any_v4: IpNet = IpNet::V4(Ipv4Net::default());
            let selector = |x: &Option<Sp<String>>, this: &mut Self| {
                x.as_ref()
                    .and_then(|c| this.cidr(c, &ctx))
                    .unwrap_or(any_v4)
            };
            let local = selector(&v.local_ipv4_network_cidr, self);
            let remote = selector(&v.remote_ipv4_network_cidr, self);
            if v.tunnels.len() > 2 {
                self.err(
                    v.tunnels[2].pos,
                    format!("{ctx} lists {} tunnels", v.tunnels.len()),
                    Some("a vpn connection has exactly two tunnels".into()),
                );
            }
            let mut tunnels: Vec<h::Tunnel> = v
                .tunnels
                .iter()
                .take(2)
                .enumerate()
                .map(|(i, t)| self.tunnel(t, &format!("tunnel {} of {ctx}", i + 1)))
                .collect();
            while tunnels.len() < 2 {
                tunnels.push(h::Tunnel::default());
            }
            self.t.hybrid.vpns.push(h::VpnConnection {
                meta: meta(&v.name, &v.aws_id),
                customer_gateway: cgw,
                gateway,
                tgw_attachment: None,
                available,
                static_routes_only: static_only,
                static_routes,
                outside_ip,
                local_ipv4_network_cidr: local,
                remote_ipv4_network_cidr: remote,
                enable_acceleration: v.enable_acceleration.unwrap_or(false),
                tunnels,
            });
        }
    }

    fn tunnel(&mut self, t: &Sp<f::VpnTunnel>, ctx: &str) -> h::Tunnel {
        let names = |v: &mut Self,
                     list: &[Sp<String>],
                     allowed: &[&'static str],
                     what: &str|
         -> Vec<String> {
            let opts: Vec<(&'static str, &'static str)> =
                allowed.iter().map(|a| (*a, *a)).collect();
            list.iter()
                .filter_map(|x| v.choice(x, &opts, what, ctx).map(str::to_owned))
                .collect()
        };
        let groups = |v: &mut Self, list: &[Sp<u32>], allowed: &[u32], phase: u8| -> Vec<u32> {
            list.iter()
                .filter_map(|g| {
                    if allowed.contains(&g.value) {
                        Some(g.value)
                    } else {
                        let l: Vec<String> = allowed.iter().map(u32::to_string).collect();
                        v.err(
                            g.pos,
                            format!("invalid phase {phase} dh group `{}` in {ctx}", g.value),
                            Some(format!("expected one of {}", l.join(", "))),
                        );
                        None
                    }
                })
                .collect()
        };
        let lifetime =
            |v: &mut Self, x: &Option<Sp<u32>>, lo: u32, hi: u32, phase: u8| -> Option<u32> {
                let x = x.as_ref()?;
                if (lo..=hi).contains(&x.value) {
                    Some(x.value)
                } else {
                    v.err(
                    x.pos,
                    format!(
                        "invalid phase {phase} lifetime `{}` in {ctx}: it is {lo} to {hi} seconds",
                        x.value
                    ),
                    None,
                );
                    None
                }
            };
        let ike_versions = t
            .ike_versions
            .iter()
            .filter_map(|x| {
                self.choice(
                    x,
                    &[("ikev1", IkeVersion::V1), ("ikev2", IkeVersion::V2)],
                    "ike version",
                    ctx,
                )
            })
            .collect();
        let inside_cidr = t.inside_cidr.as_ref().and_then(|c| {
            let n = self.cidr(c, ctx)?;
            let link_local: IpNet = "169.254.0.0/16".parse().ok()?;
            let ula: IpNet = "fd00::/8".parse().ok()?;
            let ok = (n.prefix_len() == 30 && link_local.contains(&n)) || (n.prefix_len() == 126 && ula.contains(&n));
            if !ok {
                self.err(c.pos, format!("invalid inside cidr `{n}` in {ctx}"), Some("a tunnel inside cidr is a /30 in `169.254.0.0/16` or a /126 in `fd00::/8` (C-11.2)".into()));
            }
            Some(n)
        });
        let outside_ip = t.outside_ip_address.as_ref().and_then(|a| {
            super::super::values::ip(&a.value, ctx)
                .map_err(|p| self.problem(a.pos, p))
                .ok()
        });
        let telemetry = t.telemetry.as_ref().map(|tm| h::Telemetry {
            up: tm.status.as_ref().and_then(|s| {
                self.choice(s, &[("UP", true), ("DOWN", false)], "tunnel status", ctx)
            }),
            status_message: tm.status_message.clone(),
            accepted_route_count: tm.accepted_route_count,
            last_status_change: tm.last_status_change.clone(),
        });
        h::Tunnel {
            declared: true,
            pos: t.pos,
            outside_ip,
            inside_cidr,
            ike_versions,
            phase1_encryption: names(
                self,
                &t.phase1_encryption,
                h::ENCRYPTION_ALGORITHMS,
                "phase 1 encryption algorithm",
            ),
            phase2_encryption: names(
                self,
                &t.phase2_encryption,
                h::ENCRYPTION_ALGORITHMS,
                "phase 2 encryption algorithm",
            ),
            phase1_integrity: names(
                self,
                &t.phase1_integrity,
                h::INTEGRITY_ALGORITHMS,
                "phase 1 integrity algorithm",
            ),
            phase2_integrity: names(
                self,
                &t.phase2_integrity,
                h::INTEGRITY_ALGORITHMS,
                "phase 2 integrity algorithm",
            ),
            phase1_dh_groups: groups(self, &t.phase1_dh_groups, h::PHASE1_DH_GROUPS, 1),
            phase2_dh_groups: groups(self, &t.phase2_dh_groups, h::PHASE2_DH_GROUPS, 2),
            phase1_lifetime_seconds: lifetime(self, &t.phase1_lifetime_seconds, 900, 28800, 1),
            phase2_lifetime_seconds: lifetime(self, &t.phase2_lifetime_seconds, 900, 3600, 2),
            telemetry,
        }
    }

    // ----- Direct Connect -------------------------------------------------

    fn encryption_mode(&mut self, m: &Option<Sp<String>>, ctx: &str) -> Option<EncryptionMode> {
        let m = m.as_ref()?;
        self.choice(
            m,
            &[
                ("no_encrypt", EncryptionMode::NoEncrypt),
                ("should_encrypt", EncryptionMode::ShouldEncrypt),
                ("must_encrypt", EncryptionMode::MustEncrypt),
            ],
            "encryption mode",
            ctx,
        )
    }

    fn keys(&mut self, keys: &[Sp<f::MacsecKey>], ctx: &str) -> Vec<MacsecKeyState> {
        keys.iter()
            .filter_map(|k| {
                self.choice(
                    &k.state,
                    &[
                        ("associating", MacsecKeyState::Associating),
                        ("associated", MacsecKeyState::Associated),
                        ("disassociating", MacsecKeyState::Disassociating),
                        ("disassociated", MacsecKeyState::Disassociated),
                    ],
                    "macsec key state",
                    ctx,
                )
            })
            .collect()
    }

    /// MACsec modes other than `no_encrypt` need a MACsec-capable port.
    fn macsec_needs_capable(
        &mut self,
        mode: Option<EncryptionMode>,
        capable: bool,
        at: &Option<Sp<String>>,
        ctx: &str,
    ) {
        if let (Some(m), Some(at)) = (mode, at)
            && m != EncryptionMode::NoEncrypt
            && !capable
        {
            self.err(
                at.pos,
                format!(
                    "{ctx} sets encryption mode `{}` but is not `macsec_capable`",
                    m.as_str()
                ),
                Some("set `macsec_capable: true` if the port supports MACsec (C-12.5)".into()),
            );
        }
    }

    fn direct_connect(&mut self) {
        let Some(dx) = &self.src.direct_connect else {
            return;
        };
        self.dx_lags(dx);
        self.dx_connections(dx);
        self.dx_gateways(dx);
        self.dx_vifs(dx);
    }

    /// Direct Connect LAGs.
    fn dx_lags(&mut self, dx: &f::DirectConnect) {
        for l in &dx.lags {
            let ctx = format!("direct connect lag `{}`", l.name.value);
            let mode = self.encryption_mode(&l.encryption_mode, &ctx);
            let capable = l.macsec_capable.unwrap_or(false);
            self.macsec_needs_capable(mode, capable, &l.encryption_mode, &ctx);
            self.t.hybrid.dx_lags.push(h::DxLag {
                meta: meta(&l.name, &l.aws_id),
                macsec_capable: capable,
                encryption_mode: mode.unwrap_or_default(),
                members: Vec::new(),
            });
        }
    }

    /// Direct Connect connections, with the encryption mode and keys of their LAG (C-12.5).
    fn dx_connections(&mut self, dx: &f::DirectConnect) {
        for (ci, c) in dx.connections.iter().enumerate() {
            let ctx = format!("direct connect connection `{}`", c.name.value);
            let hosted = match &c.kind {
                None => false,
                Some(k) => self
                    .choice(
                        k,
                        &[("dedicated", false), ("hosted", true)],
                        "connection kind",
                        &ctx,
                    )
                    .unwrap_or(false),
            };
            let lag = c.lag.as_ref().map(|l| self.hyb1(l, Kind::DxLag, &ctx));
            let own = self.encryption_mode(&c.encryption_mode, &ctx);
            let capable = c.macsec_capable.unwrap_or(false);
            self.macsec_needs_capable(own, capable, &c.encryption_mode, &ctx);
            let mut keys = self.keys(&c.macsec_keys, &ctx);
            let mut mode = own.unwrap_or_default();
            let mut mode_pos = c.encryption_mode.as_ref().map_or(Pos::default(), |m| m.pos);
            if let Some(li) = lag
                && let Some(lg) = dx.lags.get(li)
            {
                // C-12.5: a LAG's mode applies to all its members.
                if let (Some(m), Some(at)) = (own, &c.encryption_mode)
                    && lg.encryption_mode.is_some()
                    && Some(m) != self.t.hybrid.dx_lags.get(li).map(|x| x.encryption_mode)
                {
                    self.err(at.pos, format!("{ctx} sets encryption mode `{}`, but its lag `{}` sets another", m.as_str(), lg.name.value), Some("a lag's encryption mode applies to all its members; set it on the lag only".into()));
                }
                if lg.encryption_mode.is_some() {
                    mode = self
                        .t
                        .hybrid
                        .dx_lags
                        .get(li)
                        .map_or(mode, |x| x.encryption_mode);
                    mode_pos = lg.encryption_mode.as_ref().map_or(mode_pos, |m| m.pos);
                }
                let lag_keys = self.keys(
                    &lg.macsec_keys,
                    &format!("direct connect lag `{}`", lg.name.value),
                );
                keys.extend(lag_keys);
                if let Some(x) = self.t.hybrid.dx_lags.get_mut(li) {
                    x.members.push(ci);
                }
            }
            let port = c
                .port_encryption_status
                .as_deref()
                .map(|p| p.trim().eq_ignore_ascii_case("encryption up"));
            self.t.hybrid.dx_connections.push(h::DxConnection {
                meta: meta(&c.name, &c.aws_id),
                hosted,
                lag: lag.filter(|&l| l != BAD),
                macsec_capable: capable,
                encryption_mode: mode,
                encryption_mode_pos: mode_pos,
                macsec_keys: keys,
                port_encryption_up: port,
                partner_segment_encrypted: c.partner_segment_encrypted.unwrap_or(false),
            });
        }
    }

    /// Direct Connect gateways and their associations (C-12.2).
    fn dx_gateways(&mut self, dx: &f::DirectConnect) {
        for g in &dx.gateways {
            let ctx = format!("direct connect gateway `{}`", g.name.value);
            let mut associations = Vec::new();
            let (mut tgw_seen, mut vgw_seen) = (false, false);
            for a in &g.associations {
                let target = match (&a.transit_gateway, &a.vpn_gateway) {
                    (Some(t), None) => {
                        let i = self.hyb1(t, Kind::Tgw, &ctx);
                        tgw_seen = true;
                        (i != BAD).then_some(DxAssociationTarget::Tgw(i))
                    }
                    (None, Some(v)) => {
                        let i = self.hyb1(v, Kind::Vgw, &ctx);
                        vgw_seen = true;
                        (i != BAD).then_some(DxAssociationTarget::Vgw(i))
                    }
                    _ => {
                        self.err(a.pos, format!("an association of {ctx} must set exactly one of `transit_gateway` and `vpn_gateway`"), None);
                        None
                    }
                };
                let allowed = self.cidrs(&a.allowed_prefixes, &ctx);
                if let Some(target) = target {
                    associations.push(h::DxGatewayAssociation {
                        target,
                        allowed_prefixes: allowed,
                        pos: a.pos,
                    });
                }
            }
            if tgw_seen && vgw_seen {
                self.err(g.name.pos, format!("{ctx} is associated with both transit gateways and vpn gateways"), Some("a direct connect gateway associates with vpn gateways or with transit gateways, not both (C-12.2)".into()));
            }
            let gi = self.t.hybrid.dx_gateways.len();
            for a in &associations {
                if let DxAssociationTarget::Vgw(v) = a.target
                    && let Some(x) = self.t.hybrid.vgws.get_mut(v)
                {
                    x.dx_gateways.push(gi);
                }
            }
            self.t.hybrid.dx_gateways.push(h::DxGateway {
                meta: meta(&g.name, &g.aws_id),
                amazon_side_asn: g.amazon_side_asn,
                associations,
                vifs: Vec::new(),
            });
        }
    }

    /// Virtual interfaces, and the gateways they attach to (C-12.1, C-12.2).
    fn dx_vifs(&mut self, dx: &f::DirectConnect) {
        for (vi, x) in dx.virtual_interfaces.iter().enumerate() {
            let ctx = format!("virtual interface `{}`", x.name.value);
            let kind = self.choice(
                &x.kind,
                &[
                    ("private", VifKind::Private),
                    ("transit", VifKind::Transit),
                    ("public", VifKind::Public),
                ],
                "virtual interface type",
                &ctx,
            );
            let carrier = match self.hyb(
                &x.connection,
                &[Kind::DxConnection, Kind::DxLag],
                "direct connect connection or lag",
                &ctx,
            ) {
                Some((Kind::DxLag, l)) => DxCarrier::Lag(l),
                Some((_, c)) => DxCarrier::Connection(c),
                None => DxCarrier::Connection(BAD),
            };
            let available = self.flag_state(&x.state, VIF_STATES, "virtual interface state", &ctx);
            let dxgw = x
                .direct_connect_gateway
                .as_ref()
                .map(|g| (g, self.hyb1(g, Kind::DxGateway, &ctx)));
            let vgw = x
                .vpn_gateway
                .as_ref()
                .map(|g| (g, self.hyb1(g, Kind::Vgw, &ctx)));
            match kind {
                Some(VifKind::Private) if dxgw.is_some() == vgw.is_some() => {
                    self.err(x.kind.pos, format!("{ctx} of type `private` must set exactly one of `direct_connect_gateway` and `vpn_gateway`"), None);
                }
                Some(VifKind::Private) => {}
                Some(VifKind::Transit) => {
                    if dxgw.is_none() {
                        self.err(
                            x.kind.pos,
                            format!(
                                "{ctx} of type `transit` does not set `direct_connect_gateway`"
                            ),
                            None,
                        );
                    }
                    if let Some((g, _)) = vgw {
                        self.err(g.pos, format!("{ctx} of type `transit` sets `vpn_gateway`"), Some("a transit virtual interface attaches to a direct connect gateway (C-12.1)".into()));
                    }
                }
                Some(VifKind::Public) => {
                    for (g, _) in dxgw.iter().chain(vgw.iter()) {
                        self.err(g.pos, format!("{ctx} of type `public` attaches to `{}`", g.value), Some("a public virtual interface reaches AWS public address space, not a gateway (C-12.1)".into()));
                    }
                }
                None => {}
            }
            if kind != Some(VifKind::Public)
                && let Some(p) = x.advertised_prefixes.first()
            {
                self.err(p.pos, format!("{ctx} lists `advertised_prefixes`, which only a public virtual interface has"), None);
            }
            // C-12.2: transit VIFs reach TGW associations, private VIFs VGW ones.
            if let (Some(k), Some((g, gi))) = (kind, dxgw)
                && let Some(gw) = self.t.hybrid.dx_gateways.get(gi)
            {
                let wrong = gw.associations.iter().any(|a| {
                    matches!(
                        (k, a.target),
                        (VifKind::Transit, DxAssociationTarget::Vgw(_))
                            | (VifKind::Private, DxAssociationTarget::Tgw(_))
                    )
                });
                if wrong {
                    let other = if k == VifKind::Transit {
                        "vpn gateways"
                    } else {
                        "transit gateways"
                    };
                    self.err(g.pos, format!("{ctx} of type `{}` attaches to direct connect gateway `{}`, which is associated with {other}", k.as_str(), g.value), Some("transit virtual interfaces reach transit gateways; private ones reach vpn gateways (C-12.1)".into()));
                }
            }
            let prefixes = self.cidrs(&x.advertised_prefixes, &ctx);
            let dxgw = dxgw.map(|(_, i)| i).filter(|&i| i != BAD);
            let vgw = vgw.map(|(_, i)| i).filter(|&i| i != BAD);
            if let Some(g) = dxgw
                && let Some(gw) = self.t.hybrid.dx_gateways.get_mut(g)
            {
                gw.vifs.push(vi);
            }
            if let Some(g) = vgw
                && let Some(gw) = self.t.hybrid.vgws.get_mut(g)
            {
                gw.vifs.push(vi);
            }
            self.t.hybrid.vifs.push(h::Vif {
                meta: meta(&x.name, &x.aws_id),
                kind: kind.unwrap_or(VifKind::Private),
                carrier,
                available,
                dx_gateway: dxgw,
                vgw,
                advertised_prefixes: prefixes,
            });
        }
    }

    // ----- policy.on_prem_access -----------------------------------------------

    fn on_prem_policy(&mut self) {
        let Some(policy) = &self.src.policy else {
            return;
        };
        let ctx = "the on_prem_access policy";
        let mut seen: HashMap<usize, Pos> = HashMap::new();
        for p in &policy.on_prem_access {
            let n = self.hyb1(&p.network, Kind::OnPrem, ctx);
            if n == BAD {
                continue;
            }
            if let Some(first) = seen.get(&n) {
                let msg = format!(
                    "{ctx} lists on-prem network `{}` twice{}",
                    p.network.value,
                    at_line(*first)
                );
                self.err(p.network.pos, msg, Some("merge the two entries".into()));
                continue;
            }
            seen.insert(n, p.network.pos);
            let mut allow = Vec::new();
            for a in &p.allow {
                let res = self.lookup(
                    &a.resource,
                    &[Kind::Eni, Kind::Instance, Kind::LoadBalancer],
                    "network interface, instance or load balancer",
                    ctx,
                );
                let actx = format!(
                    "the on_prem_access allowance for `{}` from `{}`",
                    a.resource.value, p.network.value
                );
                let mut ports = Vec::new();
                for x in &a.ports {
                    match super::super::values::port_spec(&x.value, &actx) {
                        Ok(s) => ports.push(s),
                        Err(e) => self.problem(x.pos, e),
                    }
                }
                let r = match res {
                    Some((Kind::Eni, i)) => super::ResourceRef::Eni(i),
                    Some((Kind::Instance, i)) => super::ResourceRef::Instance(i),
                    Some((_, i)) => super::ResourceRef::LoadBalancer(i),
                    None => continue,
                };
                allow.push((r, ports, a.pos));
            }
            self.t
                .policy
                .on_prem_access
                .push(super::super::resolved::OnPremAccess {
                    network: n,
                    allow,
                    pos: p.pos,
                });
        }
    }

    // ----- on-prem networks -------------------------------------------------

    /// A DX gateway associated with a gateway or attached to a transit
    /// gateway, with none of its virtual interfaces in the topology (one
    /// owned by another account, or left out): its paths on prem are not
    /// known, not absent (C-12.2), so the hybrid checks are unknown.
    fn dx_gateways_without_vifs(&mut self) {
        let h = &self.t.hybrid;
        let mut found = Vec::new();
        for (gi, g) in h.dx_gateways.iter().enumerate() {
            let attached = h
                .tgw_attachments
                .iter()
                .any(|a| matches!(a.kind, TgwAttachmentKind::DxGateway(x) if x == gi));
            if g.vifs.is_empty() && (attached || !g.associations.is_empty()) {
                found.push(super::super::resolved::Gap {
                    what: format!(
                        "direct connect gateway `{}` is in use, but none of its virtual interfaces is in the topology (owned by another account?): where it reaches on prem is not known",
                        g.meta.aws_id.as_deref().unwrap_or(&g.meta.name)
                    ),
                    affects: vec!["transit-encryption".into(), "on-prem-access".into()],
                    kind: super::super::resolved::GapKind::VpnDirectConnect,
                    scope: super::super::resolved::GapScope::Everywhere,
                    pos: g.meta.pos,
                });
            }
        }
        self.t.gaps.extend(found);
    }

    fn on_prem(&mut self) {
        let s = self.src;
        for n in &s.on_prem_networks {
            let ctx = format!("on-prem network `{}`", n.name.value);
            if let Some(first) = n.derived_from.first()
                && n.derived != Some(true)
            {
                self.err(
                    first.pos,
                    format!("{ctx} lists `derived_from` but is not `derived: true`"),
                    Some("only a derived network records the routes it came from".into()),
                );
            }
            if n.cidrs.is_empty() {
                self.err(n.name.pos, format!("{ctx} has no `cidrs`"), None);
            }
            let cidrs = self.cidrs(&n.cidrs, &ctx);
            let mut via: Vec<OnPremVia> = Vec::new();
            let mut via_names: Vec<&str> = Vec::new();
            for x in &n.via {
                let v = match self.hyb(
                    x,
                    &[Kind::Vpn, Kind::Vif],
                    "vpn connection or virtual interface",
                    &ctx,
                ) {
                    Some((Kind::Vpn, i)) => OnPremVia::Vpn(i),
                    Some((_, i)) => OnPremVia::Vif(i),
                    None => continue,
                };
                if via.contains(&v) {
                    self.err(
                        x.pos,
                        format!("{ctx} lists `{}` twice in `via`", x.value),
                        None,
                    );
                    continue;
                }
                via.push(v);
                via_names.push(x.value.as_str());
            }
            let mut advertises: Vec<Option<Vec<IpNet>>> = vec![None; via.len()];
            for a in &n.advertises {
                let Some(k) = via_names.iter().position(|v| *v == a.via.value) else {
                    let help =
                        super::super::fuzzy::did_you_mean(&a.via.value, via_names.iter().copied());
                    self.err(
                        a.via.pos,
                        format!(
                            "{ctx} advertises over `{}`, which is not in its `via`",
                            a.via.value
                        ),
                        help,
                    );
                    continue;
                };
                if let Some(OnPremVia::Vpn(vp)) = via.get(k)
                    && self
                        .t
                        .hybrid
                        .vpns
                        .get(*vp)
                        .is_some_and(|x| x.static_routes_only)
                {
                    self.err(
                        a.via.pos,
                        format!(
                            "{ctx} advertises bgp routes over `{}`, which uses static routes only",
                            a.via.value
                        ),
                        Some("static vpn routes are the connection's `routes`".into()),
                    );
                    continue;
                }
                if advertises[k].is_some() {
                    self.err(
                        a.via.pos,
                        format!("{ctx} lists advertisements over `{}` twice", a.via.value),
                        None,
                    );
                    continue;
                }
                advertises[k] = Some(self.cidrs(&a.prefixes, &ctx));
            }
            let prefer = if n.prefer.is_empty() {
                None
            } else {
                let mut out = Vec::new();
                for p in &n.prefer {
                    let t = p.value.trim();
                    if t.eq_ignore_ascii_case("dx") {
                        out.push(Preference::Dx);
                    } else if t.eq_ignore_ascii_case("vpn") {
                        out.push(Preference::Vpn);
                    } else if let Some(k) = via_names.iter().position(|v| *v == t) {
                        if let Some(v) = via.get(k) {
                            out.push(Preference::Via(*v));
                        }
                    } else {
                        let mut cands = vec!["dx", "vpn"];
                        cands.extend(via_names.iter().copied());
                        let help = super::super::fuzzy::did_you_mean(t, cands.iter().copied())
                            .or_else(|| {
                                Some("expected `dx`, `vpn` or a connection in `via`".into())
                            });
                        self.err(p.pos, format!("invalid preference `{t}` in {ctx}"), help);
                    }
                }
                Some(out)
            };
            let derived = n.derived == Some(true);
            // A derived network is what AWS routes towards its connections,
            // and the local route wins for a VPC's own CIDRs (C-3.7): none
            // of them is on prem, even in a file derived before that rule.
            let cidrs = if derived {
                let own: Vec<IpNet> = self
                    .t
                    .vpcs
                    .iter()
                    .flat_map(|v| {
                        v.cidrs
                            .iter()
                            .map(|c| IpNet::V4(*c))
                            .chain(v.ipv6_cidrs.iter().map(|c| IpNet::V6(*c)))
                    })
                    .collect();
                cidrs
                    .into_iter()
                    .flat_map(|c| super::super::hybrid::prefix_minus(c, &own))
                    .collect()
            } else {
                cidrs
            };
            self.t.hybrid.on_prem.push(h::OnPremNetwork {
                meta: meta(&n.name, &None),
                cidrs,
                via,
                advertises,
                prefer,
                prefer_pos: n.prefer.first().map_or(Pos::default(), |p| p.pos),
                derived,
            });
        }
    }
}
