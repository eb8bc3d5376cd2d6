//! Route tables, their subnet associations (and NACL associations), and
//! routes with their targets.

use super::*;

impl V<'_> {
    pub(super) fn route_tables(&mut self) {
        for (i, rt) in self.src.route_tables.iter().enumerate() {
            let ctx = format!("route table `{}`", rt.name.value);
            let vpc = self.lookup1(&rt.vpc, Kind::Vpc, &ctx);
            if rt.main
                && let Some(first) = self.t.vpcs.get(vpc).map(|v| v.main_route_table)
            {
                match first {
                    Some(f) => {
                        let fname = self
                            .t
                            .route_tables
                            .get(f)
                            .map(|x| (x.meta.name.clone(), x.meta.pos));
                        let (fname, fpos) = fname.unwrap_or_default();
                        let msg = format!(
                            "vpc `{}` has two main route tables: `{fname}`{} and `{}`",
                            self.vpc_name(vpc),
                            at_line(fpos),
                            rt.name.value
                        );
                        self.err(
                            rt.name.pos,
                            msg,
                            Some("a vpc has exactly one main route table".into()),
                        );
                    }
                    None => {
                        if let Some(v) = self.t.vpcs.get_mut(vpc) {
                            v.main_route_table = Some(i);
                        }
                    }
                }
            }
            self.t.route_tables.push(r::RouteTable {
                meta: meta(&rt.name, &rt.aws_id),
                vpc,
                main: rt.main,
                edge_associations: Vec::new(),
                propagating_vgws: Vec::new(),
                routes: Vec::new(),
                derived: false,
            });
        }
        // C-3.1: every VPC has a main route table, created with the VPC and
        // holding the local routes only. A VPC without a `main: true` table
        // gets that table, and its subnets without an association use it.
        for vi in 0..self.t.vpcs.len() {
            let Some(v) = self.t.vpcs.get(vi) else {
                continue;
            };
            if v.main_route_table.is_some() {
                continue;
            }
            let name = self.unique_name(format!("{}-main-rtb", v.meta.name));
            let id = self.t.route_tables.len();
            self.derived_names
                .push((name.clone(), ResourceRef::RouteTable(id)));
            self.t.route_tables.push(r::RouteTable {
                meta: Meta {
                    name,
                    aws_id: None,
                    pos: Pos::default(),
                },
                vpc: vi,
                main: true,
                edge_associations: Vec::new(),
                propagating_vgws: Vec::new(),
                routes: Vec::new(),
                derived: true,
            });
            if let Some(v) = self.t.vpcs.get_mut(vi) {
                v.main_route_table = Some(id);
            }
        }
    }

    pub(super) fn subnet_associations(&mut self) {
        for (i, sn) in self.src.subnets.iter().enumerate() {
            let ctx = format!("subnet `{}`", sn.name.value);
            let vpc = self.subnet_vpc(i);
            let (route_table, uses_main) = match &sn.route_table {
                Some(rt) => {
                    let id = self.lookup1(rt, Kind::RouteTable, &ctx);
                    let other = self.t.route_tables.get(id).map_or(BAD, |x| x.vpc);
                    self.same_vpc(rt.pos, &ctx, vpc, Kind::RouteTable, &rt.value, other);
                    ((id != BAD).then_some(id), false)
                }
                // C-3.1: no explicit association means the main table.
                None => match self.t.vpcs.get(vpc).and_then(|v| v.main_route_table) {
                    Some(m) => (Some(m), true),
                    None => (None, false),
                },
            };
            let nacl = match &sn.network_acl {
                Some(n) => {
                    let id = self.lookup1(n, Kind::Nacl, &ctx);
                    let other = self.t.nacls.get(id).map_or(BAD, |x| x.vpc);
                    self.same_vpc(n.pos, &ctx, vpc, Kind::Nacl, &n.value, other);
                    id
                }
                // C-4.1: no explicit association means the default NACL.
                None => self.t.vpcs.get(vpc).map_or(BAD, |v| v.default_nacl),
            };
            if let Some(s) = self.t.subnets.get_mut(i) {
                s.route_table = route_table;
                s.uses_main_route_table = uses_main;
                s.nacl = nacl;
            }
        }
    }

    pub(super) fn routes(&mut self) {
        for (ti, rt) in self.src.route_tables.iter().enumerate() {
            let ctx = format!("route table `{}`", rt.name.value);
            let vpc = self.t.route_tables.get(ti).map_or(BAD, |x| x.vpc);
            let vname = self.vpc_name(vpc);
            let mut edges = Vec::new();
            for ea in &rt.edge_associations {
                let Some((kind, id)) = self.lookup(
                    ea,
                    &[Kind::Igw, Kind::Vgw],
                    "internet gateway or vpn gateway",
                    &ctx,
                ) else {
                    continue;
                };
                if kind == Kind::Igw {
                    let (gvpc, existing) = self
                        .t
                        .igws
                        .get(id)
                        .map_or((None, None), |g| (g.vpc, g.edge_route_table));
                    // C-3.11: the gateway must be attached to the table's VPC.
                    if vpc != BAD && gvpc != Some(vpc) {
                        let where_ = gvpc.map_or("is not attached to a vpc".into(), |g| {
                            format!("is attached to vpc `{}`", self.vpc_name(g))
                        });
                        self.err(
                            ea.pos,
                            format!("{ctx} (vpc `{vname}`) is an edge table of internet gateway `{}`, which {where_}", ea.value),
                            None,
                        );
                    }
                    match existing {
                        Some(other) if other != ti => {
                            let oname = self
                                .t
                                .route_tables
                                .get(other)
                                .map(|x| x.meta.name.clone())
                                .unwrap_or_default();
                            self.err(
                                ea.pos,
                                format!(
                                    "internet gateway `{}` already has edge route table `{oname}`",
                                    ea.value
                                ),
                                Some(
                                    "a gateway can be associated with only one route table".into(),
                                ),
                            );
                        }
                        _ => {
                            if let Some(g) = self.t.igws.get_mut(id) {
                                g.edge_route_table = Some(ti);
                            }
                        }
                    }
                    edges.push(GatewayRef::Igw(id));
                } else {
                    self.vgw_in_vpc(id, ea, &ctx, vpc);
                    edges.push(GatewayRef::Vgw(id));
                }
            }
            let mut propagating = Vec::new();
            for pg in &rt.propagating_gateways {
                if let Some((_, id)) = self.lookup(pg, &[Kind::Vgw], Kind::Vgw.label(), &ctx) {
                    self.vgw_in_vpc(id, pg, &ctx, vpc);
                    if let Some(&(Kind::Vgw, sec)) = self.other_src.get(id) {
                        propagating.push(sec.into());
                    }
                }
            }
            let mut routes = Vec::with_capacity(rt.routes.len());
            let mut seen: HashMap<String, Pos> = HashMap::new();
            for route in &rt.routes {
                if let Some(x) = self.route(route, &ctx, vpc, &mut seen) {
                    routes.push(x);
                }
            }
            if let Some(t) = self.t.route_tables.get_mut(ti) {
                t.edge_associations = edges;
                t.propagating_vgws = propagating;
                t.routes = routes;
            }
        }
    }

    /// A VGW used by a table must be attached to the table's VPC.
    pub(super) fn vgw_in_vpc(&mut self, other: usize, at: &Sp<String>, ctx: &str, vpc: r::VpcId) {
        let Some(&(Kind::Vgw, sec)) = self.other_src.get(other) else {
            return;
        };
        let Some(g) = self.src.vpn_gateways.get(sec) else {
            return;
        };
        let vname = self.vpc_name(vpc);
        match &g.vpc {
            Some(v) if vpc != BAD && v.value != vname => self.err(
                at.pos,
                format!(
                    "{ctx} (vpc `{vname}`) uses vpn gateway `{}`, which is attached to vpc `{}`",
                    at.value, v.value
                ),
                None,
            ),
            _ => {}
        }
    }

    /// The destination of a route: exactly one of a CIDR and a prefix list,
    /// with its text for messages.
    pub(super) fn route_dest(
        &mut self,
        destination: &Option<Sp<String>>,
        prefix_list: &Option<Sp<String>>,
        pos: Pos,
        ctx: &str,
    ) -> Option<(RouteDest, String)> {
        match (destination, prefix_list) {
            (Some(d), None) => self
                .cidr(d, ctx)
                .map(|n| (RouteDest::Cidr(n), format!("`{n}`"))),
            (None, Some(p)) => {
                let id = self.lookup1(p, Kind::PrefixList, ctx);
                (id != BAD).then(|| {
                    (
                        RouteDest::PrefixList(id),
                        format!("prefix list `{}`", p.value),
                    )
                })
            }
            (Some(_), Some(_)) => {
                self.err(
                    pos,
                    format!("a route of {ctx} sets both `destination` and `prefix_list`"),
                    Some("set exactly one; write one route per destination".into()),
                );
                None
            }
            (None, None) => {
                self.err(
                    pos,
                    format!("a route of {ctx} sets neither `destination` nor `prefix_list`"),
                    Some("set `destination: <cidr>` or `prefix_list: <name>`".into()),
                );
                None
            }
        }
    }

    pub(super) fn route(
        &mut self,
        route: &Sp<f::Route>,
        ctx: &str,
        vpc: r::VpcId,
        seen: &mut HashMap<String, Pos>,
    ) -> Option<r::Route> {
        let dest = self.route_dest(&route.destination, &route.prefix_list, route.pos, ctx);
        let blackhole_state = match &route.state {
            None => Some(false),
            Some(s) => self.choice(
                s,
                &[("active", false), ("blackhole", true)],
                "route state",
                ctx,
            ),
        };
        let propagated = match &route.origin {
            None => Some(false),
            Some(o) => self.choice(
                o,
                &[("static", false), ("propagated", true)],
                "route origin",
                ctx,
            ),
        };
        let (dest, dtext) = dest?;
        let family = match &dest {
            RouteDest::Cidr(n) => Some(if n.addr().is_ipv4() {
                AddressFamily::Ipv4
            } else {
                AddressFamily::Ipv6
            }),
            RouteDest::PrefixList(p) => self.pl_family.get(*p).copied().flatten(),
        };
        let target = self.route_target(&route.target, ctx, vpc, &dest, &dtext, family)?;
        let (blackhole_state, propagated) = (blackhole_state?, propagated?);
        // AWS refuses a second static route for the same destination.
        if !propagated {
            let key = dtext.clone();
            if let Some(first) = seen.get(&key) {
                self.err(
                    route.pos,
                    format!("{ctx} has two routes for {dtext}{}", at_line(*first)),
                    Some("a route table has one route per destination".into()),
                );
            } else {
                seen.insert(key, route.pos);
            }
        }
        Some(r::Route {
            dest,
            blackhole: blackhole_state || target == RouteTarget::Blackhole,
            target,
            propagated,
            pos: route.pos,
        })
    }

    // About 150 lines: one match arm per kind a route may target (C-3.10),
    // all sharing the one `elsewhere` check and the one problem report at the
    // end; split up, each arm would repeat both.
    pub(super) fn route_target(
        &mut self,
        t: &Sp<String>,
        ctx: &str,
        vpc: r::VpcId,
        dest: &RouteDest,
        dtext: &str,
        family: Option<AddressFamily>,
    ) -> Option<RouteTarget> {
        let name = t.value.trim();
        match name {
            "local" => return Some(RouteTarget::Local),
            "blackhole" => return Some(RouteTarget::Blackhole),
            _ => {}
        }
        let Some(e) = self.names.get(name).copied() else {
            let help = self.suggest(name, ROUTE_TARGETS, &["local", "blackhole"]);
            self.err(
                t.pos,
                format!("{ctx} routes {dtext} to unknown target `{name}`"),
                help,
            );
            return None;
        };
        let vname = self.vpc_name(vpc);
        let elsewhere = |this: &Self, other: r::VpcId, what: &str| -> Option<String> {
            (vpc != BAD && other != BAD && other != vpc).then(|| {
                format!(
                    "{ctx} (vpc `{vname}`) routes {dtext} to {what} `{name}` in vpc `{}`",
                    this.vpc_name(other)
                )
            })
        };
        let mut problem: Option<(String, Option<String>)> = None;
        let target = match e.kind {
            Kind::Igw => {
                // A detached gateway is allowed (the route is a blackhole in
                // AWS); one attached to another VPC is not.
                let gvpc = self.t.igws.get(e.idx).and_then(|g| g.vpc).unwrap_or(vpc);
                problem = elsewhere(self, gvpc, "internet gateway").map(|m| (m, None));
                RouteTarget::Igw(e.idx)
            }
            Kind::Eigw => {
                let gvpc = self.t.eigws.get(e.idx).map_or(BAD, |g| g.vpc);
                problem = elsewhere(self, gvpc, "egress-only internet gateway").map(|m| (m, None));
                if family == Some(AddressFamily::Ipv4) {
                    // C-6.9: an egress-only internet gateway carries IPv6 only.
                    problem = Some((
                        format!(
                            "{ctx} routes IPv4 destination {dtext} to egress-only internet gateway `{name}`, which carries IPv6 only"
                        ),
                        Some("route IPv4 to an internet gateway or a nat gateway".into()),
                    ));
                }
                RouteTarget::Eigw(e.idx)
            }
            Kind::Nat => {
                let nvpc = self.src.nat_gateways.get(e.idx).map_or(BAD, |n| {
                    self.names
                        .get(n.subnet.value.as_str())
                        .filter(|s| s.kind == Kind::Subnet)
                        .map_or(BAD, |s| self.subnet_vpc(s.idx))
                });
                problem = elsewhere(self, nvpc, "nat gateway").map(|m| (m, None));
                // C-7.4: a NAT gateway takes IPv6 only for NAT64.
                let nat64: Ipv6Net =
                    Ipv6Net::new(Ipv6Addr::new(0x64, 0xff9b, 0, 0, 0, 0, 0, 0), 96)
                        .unwrap_or_default();
                let is_nat64 = matches!(dest, RouteDest::Cidr(IpNet::V6(n)) if *n == nat64);
                if family == Some(AddressFamily::Ipv6) && !is_nat64 {
                    problem = Some((
                        format!(
                            "{ctx} routes IPv6 destination {dtext} to nat gateway `{name}`, which takes IPv6 only for `64:ff9b::/96` (NAT64)"
                        ),
                        Some(
                            "route IPv6 internet traffic to an egress-only internet gateway".into(),
                        ),
                    ));
                }
                RouteTarget::Nat(e.idx)
            }
            Kind::Peering => {
                let (a, b) = self
                    .t
                    .peerings
                    .get(e.idx)
                    .map_or((BAD, BAD), |p| (p.requester, p.accepter));
                if vpc != BAD && a != BAD && b != BAD && a != vpc && b != vpc {
                    problem = Some((
                        format!(
                            "{ctx} (vpc `{vname}`) routes {dtext} to peering connection `{name}`, which connects vpcs `{}` and `{}`",
                            self.vpc_name(a),
                            self.vpc_name(b)
                        ),
                        None,
                    ));
                }
                RouteTarget::Peering(e.idx)
            }
            Kind::Endpoint => {
                let (evpc, kind) = self
                    .t
                    .endpoints
                    .get(e.idx)
                    .map_or((BAD, None), |x| (x.vpc, Some(x.kind)));
                problem = elsewhere(self, evpc, "vpc endpoint").map(|m| (m, None));
                match kind {
                    Some(EndpointKind::Interface) => {
                        problem = Some((
                            format!("{ctx} routes {dtext} to interface endpoint `{name}`, which cannot be a route target"),
                            Some("only gateway and gateway-load-balancer endpoints are route targets".into()),
                        ));
                        RouteTarget::Blackhole
                    }
                    Some(EndpointKind::GatewayLoadBalancer) => {
                        RouteTarget::Other(self.gwlbe_other.get(&e.idx).copied().unwrap_or(BAD))
                    }
                    _ => RouteTarget::GatewayEndpoint(e.idx),
                }
            }
            Kind::Eni => {
                let evpc = self.t.enis.get(e.idx).map_or(BAD, |x| x.vpc);
                problem = elsewhere(self, evpc, "network interface").map(|m| (m, None));
                RouteTarget::Eni(e.idx)
            }
            Kind::Instance => {
                // C-3.10: an instance target is its primary interface.
                let eni = self.primary_eni(e.idx, t, ctx)?;
                let evpc = self.t.enis.get(eni).map_or(BAD, |x| x.vpc);
                problem = elsewhere(self, evpc, "instance").map(|m| (m, None));
                RouteTarget::Eni(eni)
            }
            Kind::Tgw => RouteTarget::Other(e.idx),
            Kind::Vgw => {
                self.vgw_in_vpc(e.idx, t, ctx, vpc);
                RouteTarget::Other(e.idx)
            }
            other => {
                let help = self.suggest(name, ROUTE_TARGETS, &["local", "blackhole"]);
                self.err(
                    t.pos,
                    format!("{ctx} routes {dtext} to `{name}`, which is {} and cannot be a route target", other.a()),
                    help,
                );
                return None;
            }
        };
        if let Some((msg, help)) = problem {
            self.err(t.pos, msg, help);
            return None;
        }
        Some(target)
    }
}
