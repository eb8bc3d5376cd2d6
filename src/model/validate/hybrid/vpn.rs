//! VPN gateways, customer gateways and VPN connections with their
//! tunnels (AWS-SEMANTICS §10–11).

use super::*;

impl V<'_> {
    pub(super) fn vgws(&mut self) {
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

    pub(super) fn cgws(&mut self) {
        for c in &self.src.customer_gateways {
            let ctx = format!("customer gateway `{}`", c.name.value);
            let ip = c.ip_address.as_ref().and_then(|a| {
                crate::model::values::ip(&a.value, &ctx)
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

    pub(super) fn vpns(&mut self) {
        let s = self.src;
        for (vi, v) in s.vpn_connections.iter().enumerate() {
            let vi = VpnId::from(vi);
            let ctx = format!("vpn connection `{}`", v.name.value);
            let cgw: CgwId = self.hyb1(&v.customer_gateway, Kind::Cgw, &ctx);
            let gateway = match self.hyb(
                &v.gateway,
                &[Kind::Vgw, Kind::Tgw],
                "vpn gateway or transit gateway",
                &ctx,
            ) {
                Some((Kind::Vgw, g)) => {
                    let g = VgwId::from(g);
                    if let Some(x) = self.t.hybrid.vgws.get_mut(g) {
                        x.vpns.push(vi);
                    }
                    VpnGatewayRef::Vgw(g)
                }
                Some((_, g)) => VpnGatewayRef::Tgw(g.into()),
                None => VpnGatewayRef::Vgw(BAD.into()),
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
                    OutsideIp::PrivateIpv4 {
                        transport: BAD.into(),
                    }
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

    pub(super) fn tunnel(&mut self, t: &Sp<f::VpnTunnel>, ctx: &str) -> h::Tunnel {
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
            crate::model::values::ip(&a.value, ctx)
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
}
