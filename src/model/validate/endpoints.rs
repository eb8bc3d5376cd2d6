//! VPC endpoints and the routes of gateway endpoints (C-13.1).

use super::*;

impl V<'_> {
    pub(super) fn endpoints(&mut self) {
        for (i, e) in self.src.vpc_endpoints.iter().enumerate() {
            let ctx = format!("vpc endpoint `{}`", e.name.value);
            let kind = self.choice(
                &e.kind,
                &[
                    ("gateway", EndpointKind::Gateway),
                    ("interface", EndpointKind::Interface),
                    ("gateway-load-balancer", EndpointKind::GatewayLoadBalancer),
                ],
                "endpoint type",
                &ctx,
            );
            let vpc = self.lookup1(&e.vpc, Kind::Vpc, &ctx);
            let mut route_tables = Vec::new();
            for rt in &e.route_tables {
                let id = self.lookup1(rt, Kind::RouteTable, &ctx);
                let other = self.t.route_tables.get(id).map_or(BAD, |x| x.vpc);
                self.same_vpc(rt.pos, &ctx, vpc, Kind::RouteTable, &rt.value, other);
                if id != BAD {
                    route_tables.push(id);
                }
            }
            let prefix_list = e
                .prefix_list
                .as_ref()
                .map(|p| self.lookup1(p, Kind::PrefixList, &ctx));
            let mut subnets = Vec::new();
            for s in &e.subnets {
                let id = self.lookup1(s, Kind::Subnet, &ctx);
                let other = self.subnet_vpc(id);
                self.same_vpc(s.pos, &ctx, vpc, Kind::Subnet, &s.value, other);
                if id != BAD {
                    subnets.push(id);
                }
            }
            let security_groups = self.sg_list(&e.security_groups, &ctx, vpc);
            let ipv6_prefix_list = e
                .ipv6_prefix_list
                .as_ref()
                .map(|p| self.lookup1(p, Kind::PrefixList, &ctx))
                .filter(|&p| p != BAD);
            const IP_TYPES: &[(&str, IpAddressType)] = &[
                ("ipv4", IpAddressType::Ipv4),
                ("ipv6", IpAddressType::Ipv6),
                ("dualstack", IpAddressType::Dualstack),
            ];
            let ip_address_type = match &e.ip_address_type {
                Some(t) => {
                    let at = Sp {
                        value: t.clone(),
                        pos: e.name.pos,
                    };
                    self.choice(&at, IP_TYPES, "ip_address_type", &ctx)
                        .unwrap_or_default()
                }
                None => IpAddressType::Ipv4,
            };
            // DnsOptions.DnsRecordIpType: `service-defined` leaves the choice
            // to the service; read as dual-stack, the widest (C-15.5).
            let dns_record_ip_type = match &e.dns_record_ip_type {
                Some(t) if t.value.trim().eq_ignore_ascii_case("service-defined") => {
                    IpAddressType::Dualstack
                }
                Some(t) => self
                    .choice(t, IP_TYPES, "dns_record_ip_type", &ctx)
                    .unwrap_or_default(),
                None => ip_address_type,
            };
            let kind = kind.unwrap_or(EndpointKind::Interface);
            if kind == EndpointKind::GatewayLoadBalancer {
                // Routes to a GWLB endpoint are not modelled yet: they target
                // an `others` entry (C-3.10, C-14.7).
                self.gwlbe_other.insert(i, self.t.others.len());
                self.t.others.push(meta(&e.name, &e.aws_id));
                self.other_src.push((Kind::Endpoint, i));
            }
            self.t.endpoints.push(r::Endpoint {
                meta: meta(&e.name, &e.aws_id),
                vpc,
                kind,
                service: e.service.value.clone(),
                route_tables,
                prefix_list: prefix_list.filter(|&p| p != BAD),
                subnets,
                security_groups,
                // CreateVpcEndpoint: PrivateDnsEnabled defaults to true for
                // interface endpoints; other types have no private DNS.
                private_dns: e.private_dns.unwrap_or(kind == EndpointKind::Interface),
                ipv6_prefix_list,
                ip_address_type,
                dns_record_ip_type,
                private_dns_inbound_only: e
                    .private_dns_only_for_inbound_resolver_endpoint
                    .unwrap_or(false),
                policy: e.policy.clone(),
            });
        }
    }

    /// C-13.1: associating a route table with a gateway endpoint adds the
    /// route `prefix list → endpoint` to the table. Each associated table
    /// gets that route, at the association entry, unless it already routes
    /// the prefix list, or already routes to the endpoint (the file wrote
    /// the endpoint's route itself). An endpoint without `prefix_list` gets a
    /// derived list, `<endpoint>-pl`, whose entries are unknown: lookups in
    /// those tables are then `unknown` rather than guessed (fail closed).
    pub(super) fn gateway_endpoint_routes(&mut self) {
        let s = self.src;
        for (ei, e) in s.vpc_endpoints.iter().enumerate() {
            let Some(ep) = self.t.endpoints.get(ei) else {
                continue;
            };
            if ep.kind != EndpointKind::Gateway
                || (e.prefix_list.is_some() && ep.prefix_list.is_none())
            {
                // Not a gateway endpoint, or its prefix list did not resolve
                // (already reported).
                continue;
            }
            let mut pl = ep.prefix_list;
            let (want_v4, want_v6) = (ep.ip_address_type.v4(), ep.ip_address_type.v6());
            // An IPv6-capable endpoint without its IPv6 list still has the
            // route: its entries are unknown (fail closed).
            let v6_list = match ep.ipv6_prefix_list {
                Some(p) => Some(p),
                None if want_v6 && !e.route_tables.is_empty() && e.ipv6_prefix_list.is_none() => {
                    let p = self.derive_endpoint_prefix_list(ei);
                    // `derive_endpoint_prefix_list` records the IPv4 list: move it.
                    if let Some(x) = self.t.endpoints.get_mut(ei) {
                        x.prefix_list = pl;
                        x.ipv6_prefix_list = Some(p);
                    }
                    Some(p)
                }
                None => None,
            };
            let target = RouteTarget::GatewayEndpoint(ei);
            for rt in &e.route_tables {
                let Some(entry) = self
                    .names
                    .get(rt.value.as_str())
                    .filter(|x| x.kind == Kind::RouteTable)
                    .copied()
                else {
                    continue;
                };
                if want_v4 {
                    // A route the file wrote itself (to the endpoint, or for
                    // its prefix list) stands for the association.
                    let present = self.t.route_tables.get(entry.idx).is_none_or(|t| {
                        t.routes.iter().any(|r| match r.dest {
                            RouteDest::PrefixList(p) => {
                                Some(p) == pl || (r.target == target && Some(p) != v6_list)
                            }
                            RouteDest::Cidr(_) => r.target == target,
                        })
                    });
                    if !present {
                        let list = match pl {
                            Some(p) => p,
                            None => {
                                let p = self.derive_endpoint_prefix_list(ei);
                                pl = Some(p);
                                p
                            }
                        };
                        if let Some(t) = self.t.route_tables.get_mut(entry.idx) {
                            t.routes.push(r::Route {
                                dest: RouteDest::PrefixList(list),
                                target: target.clone(),
                                blackhole: false,
                                propagated: false,
                                pos: rt.pos,
                            });
                        }
                    }
                }
                // C-13.5: a dual-stack or IPv6 endpoint also adds the route
                // for the service's IPv6 prefix list.
                if want_v6
                    && let Some(list6) = v6_list
                    && let Some(t) = self.t.route_tables.get_mut(entry.idx)
                    && !t
                        .routes
                        .iter()
                        .any(|r| matches!(r.dest, RouteDest::PrefixList(p) if p == list6))
                {
                    t.routes.push(r::Route {
                        dest: RouteDest::PrefixList(list6),
                        target: target.clone(),
                        blackhole: false,
                        propagated: false,
                        pos: rt.pos,
                    });
                }
            }
        }
    }

    /// The prefix list of a gateway endpoint that names none: the service's
    /// list, with unknown entries.
    pub(super) fn derive_endpoint_prefix_list(&mut self, ep: r::EndpointId) -> r::PrefixListId {
        let (ename, service) = self
            .t
            .endpoints
            .get(ep)
            .map(|e| (e.meta.name.clone(), e.service.clone()))
            .unwrap_or_default();
        let name = self.unique_name(format!("{ename}-pl"));
        let id = self.t.prefix_lists.len();
        self.derived_names
            .push((name.clone(), ResourceRef::PrefixList(id)));
        self.t.prefix_lists.push(r::PrefixList {
            meta: Meta {
                name,
                aws_id: None,
                pos: Pos::default(),
            },
            entries: None,
            service: Some(service),
            family: None,
        });
        self.pl_family.push(None);
        if let Some(e) = self.t.endpoints.get_mut(ep) {
            e.prefix_list = Some(id);
        }
        id
    }
}
