//! The leak analysis: how each workload's service traffic leaves its VPC,
//! flow by flow (a VPC endpoint, the internet, on prem, or not at all), and
//! what blocks a private path.

use super::policy::{Tri, policy_allows};
use super::*;

/// How the leak analysis classified one flow.
pub(super) enum Class {
    Private(&'static str),
    /// Stays inside the VPC (delivered to some other interface): not a leak.
    Inside,
    Leak(String),
    Unknown(String),
}

impl Ctx<'_, '_> {
    pub(super) fn endpoint_ids(&self, e: EndpointId) -> Vec<String> {
        self.topo.endpoints[e].meta.aws_id.iter().cloned().collect()
    }

    pub(super) fn name_id(&self, name: &str, aws: &Option<String>) -> String {
        match aws {
            Some(a) => format!("`{name}` ({a})"),
            None => format!("`{name}`"),
        }
    }

    /// Classifies a flow of packets sent to `svc`'s addresses.
    pub(super) fn classify(&self, svc: &Svc, f: &Flow) -> Class {
        let topo = self.topo;
        // A path through a NAT gateway is a leak whatever comes next, even
        // when the NAT's subnet then uses an endpoint (C-7.8).
        if let Some(n) = f.path.iter().find_map(|s| match s {
            Step::Nat { nat } => Some(*nat),
            _ => None,
        }) {
            let name = &topo.nats[n].meta.name;
            return Class::Leak(match &f.end {
                End::Endpoint(ep) => format!(
                    "NAT gateway `{name}` (then gateway endpoint `{}`; C-7.8)",
                    topo.endpoints[*ep].meta.name
                ),
                End::Internet => {
                    let gw = f
                        .path
                        .iter()
                        .rev()
                        .find_map(|s| match s {
                            Step::IgwOut { igw } => Some(topo.igws[*igw].meta.name.clone()),
                            _ => None,
                        })
                        .unwrap_or_else(|| "the internet".into());
                    format!("NAT gateway `{name}` and internet gateway `{gw}`")
                }
                _ => format!("NAT gateway `{name}` (C-7.8)"),
            });
        }
        match &f.end {
            // Over a VPN or Direct Connect to on prem: outside any endpoint.
            End::OnPrem(via) => Class::Leak(topo.hybrid.via_label(*via)),
            End::Endpoint(ep) => {
                if same_service(&topo.endpoints[*ep].service, &svc.full()) {
                    Class::Private("gateway")
                } else {
                    Class::Leak(format!(
                        "gateway endpoint `{}` of another service (`{}`)",
                        topo.endpoints[*ep].meta.name, topo.endpoints[*ep].service
                    ))
                }
            }
            End::Delivered(x) => match topo.enis[*x].owner {
                EniOwner::Endpoint(ep)
                    if topo.endpoints[ep].kind == EndpointKind::Interface
                        && same_service(&topo.endpoints[ep].service, &svc.full()) =>
                {
                    Class::Private("interface")
                }
                _ => Class::Inside,
            },
            End::Internet => {
                // Through a NAT gateway was handled above: this is direct.
                let gw = f.path.iter().rev().find_map(|s| match s {
                    Step::IgwOut { igw } => {
                        Some(format!("internet gateway `{}`", topo.igws[*igw].meta.name))
                    }
                    Step::EigwOut { eigw } => Some(format!(
                        "egress-only internet gateway `{}`",
                        topo.eigws[*eigw].meta.name
                    )),
                    _ => None,
                });
                Class::Leak(gw.unwrap_or_else(|| "the internet".into()))
            }
            End::Unknown(why) => {
                // A route that hands the packet to something other than the
                // endpoint makes it leave the VPC that way, whatever happens
                // next (peering, transit gateway, VPN gateway, appliance,
                // NAT64).
                let last = f.path.last();
                if let Some(Step::Route { table, choice }) = last
                    && let RouteChoice::Route { index, .. } = choice
                {
                    let r = &topo.route_tables[*table].routes[*index];
                    let what = match &r.target {
                        RouteTarget::Peering(p) => Some(format!(
                            "peering connection `{}`",
                            topo.peerings[*p].meta.name
                        )),
                        RouteTarget::Eni(e) => {
                            Some(format!("appliance `{}`", topo.enis[*e].meta.name))
                        }
                        RouteTarget::Other(o) => Some(format!("`{}`", topo.others[*o].name)),
                        _ => None,
                    };
                    if let Some(w) = what {
                        return Class::Leak(w);
                    }
                }
                if let Some(n) = f.path.iter().rev().find_map(|s| match s {
                    Step::Route {
                        choice: RouteChoice::Route { index, .. },
                        table,
                    } => match &topo.route_tables[*table].routes[*index].target {
                        RouteTarget::Nat(n) => Some(*n),
                        _ => None,
                    },
                    _ => None,
                }) && why.contains("NAT64")
                {
                    return Class::Leak(format!("NAT gateway `{}`", topo.nats[n].meta.name));
                }
                Class::Unknown(why.clone())
            }
        }
    }

    /// Route table and subnet of the workload's first route step.
    pub(super) fn first_table(&self, f: &Flow) -> Option<usize> {
        f.path.iter().find_map(|s| match s {
            Step::Route { table, .. } => Some(*table),
            _ => None,
        })
    }

    /// The witness for some packets of one flow, preferring tcp/443.
    pub(super) fn witness(&self, flow: &Flow, set: &HeaderSet) -> Option<(Witness, Packet)> {
        let https = set
            .restrict(PROTO, &IntervalSet::point(u128::from(TCP)))
            .restrict(DPORT, &IntervalSet::point(443));
        let pick = if https.is_empty() { set } else { &https };
        let p = pick.sample()?;
        let path = crate::engine::explain(self.topo, flow, &p);
        Some((
            Witness {
                packet: packet_view(&p),
                path,
            },
            p,
        ))
    }

    /// Why the leak happened and how to fix it, from the route that decided.
    pub(super) fn leak_reason(
        &self,
        e: EniId,
        svc: &Svc,
        flow: &Flow,
        p: &Packet,
        via: &str,
    ) -> (String, String) {
        let Some(t) = self.first_table(flow) else {
            return (
                String::new(),
                "route the service's addresses to a VPC endpoint".into(),
            );
        };
        let leak = self.leak_site(e, svc, flow, t);
        if via.starts_with("peering connection") {
            return self.across_peering(&leak);
        }
        if let Some(r) = self.other_region(&leak) {
            return r;
        }
        if let Some(r) = self.more_specific_route(&leak, p) {
            return r;
        }
        if let Some(r) = self.ipv4_only_endpoint(&leak, p) {
            return r;
        }
        self.no_endpoint_route(&leak, p)
    }

    /// Where a leak left the VPC: the first route table and what it has of
    /// the service's gateway endpoints.
    fn leak_site<'s>(&self, e: EniId, svc: &'s Svc, flow: &Flow, t: usize) -> LeakSite<'s> {
        let topo = self.topo;
        let vpc = topo.enis[e].vpc;
        let table = &topo.route_tables[t];
        let gws: Vec<EndpointId> = self
            .eps_of(vpc)
            .filter(|(_, x)| {
                x.kind == EndpointKind::Gateway
                    && x.vpc == vpc
                    && same_service(&x.service, &svc.full())
            })
            .map(|(i, _)| i)
            .collect();
        let associated: Vec<EndpointId> = gws
            .iter()
            .copied()
            .filter(|&g| {
                table
                    .routes
                    .iter()
                    .any(|r| r.target == RouteTarget::GatewayEndpoint(g))
            })
            .collect();
        let choice = flow.path.iter().find_map(|s| match s {
            Step::Route { table: tt, choice } if *tt == t => Some(choice.clone()),
            _ => None,
        });
        LeakSite {
            e,
            svc,
            vpc,
            table: t,
            tname: self.name_id(&table.meta.name, &table.meta.aws_id),
            gws,
            associated,
            choice,
        }
    }

    /// C-8.3, C-13.4: a peered VPC's gateway endpoint is not usable.
    fn across_peering(&self, l: &LeakSite<'_>) -> (String, String) {
        let topo = self.topo;
        let tname = &l.tname;
        (
            format!(
                "a peered VPC's gateway endpoint cannot be used across a peering connection (C-8.3, C-13.4), so this traffic has no private path; subnet `{}` uses route table {tname}",
                topo.subnets[topo.enis[l.e].subnet].meta.name
            ),
            format!(
                "create a gateway endpoint for `{}` in vpc `{}` and associate it with {tname}",
                l.svc.full(),
                topo.vpcs[l.vpc].meta.name
            ),
        )
    }

    /// C-13.2: gateway endpoints carry traffic to their own Region only.
    fn other_region(&self, l: &LeakSite<'_>) -> Option<(String, String)> {
        let topo = self.topo;
        let svc = l.svc;
        let vpc_region = topo.vpcs[l.vpc].region.clone().unwrap_or_default();
        if svc.region == vpc_region || !svc.gateway_capable() {
            return None;
        }
        Some((
            format!(
                "gateway endpoints carry traffic to their own Region only, and {} is in `{}` while vpc `{}` is in `{vpc_region}` (C-13.2)",
                svc.label(),
                svc.region,
                topo.vpcs[l.vpc].meta.name
            ),
            format!(
                "reach {} in `{}` through a VPC endpoint in that Region (over peering or a transit gateway to an interface endpoint), or keep the data in `{vpc_region}`",
                svc.label(),
                svc.region
            ),
        ))
    }

    /// C-3.5, C-13.3, trap 8: a CIDR route at least as specific as the
    /// endpoint's prefix-list entry wins over it.
    fn more_specific_route(&self, l: &LeakSite<'_>, p: &Packet) -> Option<(String, String)> {
        let topo = self.topo;
        let Some(RouteChoice::Route { index, .. }) = &l.choice else {
            return None;
        };
        let r = &topo.route_tables[l.table].routes[*index];
        let RouteDest::Cidr(net) = r.dest else {
            return None;
        };
        if l.associated.is_empty() || net.prefix_len() == 0 {
            return None;
        }
        let tname = &l.tname;
        let entry = self.entry_covering(l.svc, p.dst);
        Some((
            format!(
                "route `{net} → {}` in {tname} is more specific than (or equal to) the endpoint's prefix-list entry{}, and wins (C-3.5, C-13.3, trap 8)",
                target_name(topo, &r.target),
                entry.map(|n| format!(" `{n}`")).unwrap_or_default()
            ),
            format!(
                "remove or narrow the route `{net} → {}` in {tname}",
                target_name(topo, &r.target)
            ),
        ))
    }

    /// C-13.5: an IPv4-only gateway endpoint does not carry IPv6 packets.
    fn ipv4_only_endpoint(&self, l: &LeakSite<'_>, p: &Packet) -> Option<(String, String)> {
        let &g = l.associated.first()?;
        let ep = &self.topo.endpoints[g];
        if !p.dst.is_ipv6() || ep.ip_address_type.v6() {
            return None;
        }
        Some((
            format!(
                "gateway endpoint {} is IPv4-only (`ip_address_type: ipv4`), so IPv6 packets to {} do not use it (C-13.5)",
                self.name_id(&ep.meta.name, &ep.meta.aws_id),
                l.svc.label()
            ),
            format!(
                "set `ip_address_type: dualstack` on {} with the service's IPv6 prefix list",
                self.name_id(&ep.meta.name, &ep.meta.aws_id)
            ),
        ))
    }

    /// C-13.1: the route table has no route to a gateway endpoint for the
    /// service, or the VPC has none.
    fn no_endpoint_route(&self, l: &LeakSite<'_>, p: &Packet) -> (String, String) {
        let topo = self.topo;
        let svc = l.svc;
        let table = &topo.route_tables[l.table];
        let tname = &l.tname;
        let pl_name = {
            let (_, lists) = self.ranges(svc, !p.dst.is_ipv6());
            lists
                .first()
                .map(|&l| {
                    let m = &topo.prefix_lists[l].meta;
                    m.aws_id.clone().unwrap_or_else(|| m.name.clone())
                })
                .unwrap_or_else(|| format!("the prefix list of {}", svc.full()))
        };
        match l.gws.first() {
            Some(&g) if l.associated.is_empty() => {
                let ep = &topo.endpoints[g];
                let id = ep
                    .meta
                    .aws_id
                    .clone()
                    .unwrap_or_else(|| ep.meta.name.clone());
                let tid = table
                    .meta
                    .aws_id
                    .clone()
                    .unwrap_or_else(|| table.meta.name.clone());
                (
                    format!(
                        "{tname} has no route for `{pl_name}`: gateway endpoint `{}` is not associated with it (C-13.1)",
                        ep.meta.name
                    ),
                    format!("associate {id} with {tid}"),
                )
            }
            Some(_) => (
                format!("{tname} has no endpoint route for these addresses"),
                format!("route them to the gateway endpoint in {tname}"),
            ),
            None if svc.gateway_capable() => (
                format!(
                    "vpc `{}` has no gateway endpoint for `{}`, and {tname} has no route for `{pl_name}`",
                    topo.vpcs[l.vpc].meta.name,
                    svc.full()
                ),
                format!(
                    "create a gateway endpoint for `{}` in vpc `{}` and associate it with {tname}",
                    svc.full(),
                    topo.vpcs[l.vpc].meta.name
                ),
            ),
            None => (
                format!("{tname} routes the endpoint's addresses elsewhere"),
                "route the endpoint's addresses locally".into(),
            ),
        }
    }

    pub(super) fn entry_covering(&self, svc: &Svc, a: IpAddr) -> Option<IpNet> {
        let (_, lists) = self.ranges(svc, a.is_ipv4());
        lists.iter().find_map(|&l| {
            self.topo.prefix_lists[l]
                .entries
                .as_ref()?
                .iter()
                .find(|n| n.contains(&a))
                .copied()
        })
    }

    /// C-3.5: for endpoint queries, a less specific CIDR route (other than a
    /// default route) that overlaps a prefix-list entry and points elsewhere
    /// is ambiguous: an older AWS text let such a static route win.
    pub(super) fn overlap_unknown(&self, flow: &Flow) -> Option<(String, Option<Location>)> {
        let topo = self.topo;
        let (t, index, entry) = flow.path.iter().rev().find_map(|s| match s {
            Step::Route {
                table,
                choice:
                    RouteChoice::Route {
                        index,
                        entry: Some(en),
                    },
            } => Some((*table, *index, *en)),
            _ => None,
        })?;
        let table = &topo.route_tables[t];
        let target = &table.routes[index].target;
        table.routes.iter().find_map(|r| match r.dest {
            RouteDest::Cidr(n)
                if n.prefix_len() > 0
                    && n.prefix_len() < entry.prefix_len()
                    && n.contains(&entry.network())
                    && &r.target != target =>
            {
                Some((
                    format!(
                        "route `{n} → {}` in route table `{}` overlaps prefix-list entry `{entry}`: AWS documents longest-prefix match, but an older text lets a static route beat an overlapping prefix-list route (C-3.5)",
                        target_name(topo, &r.target),
                        table.meta.name
                    ),
                    pos_location(topo, r.pos),
                ))
            }
            _ => None,
        })
    }

    /// Every packet `e` can send to `addrs` must reach an endpoint of `svc`.
    /// `unsure` is the part of `addrs` that is only a superset of the
    /// service's addresses (its prefix-list entries are unknown): leaks
    /// there are `unknown`, unless `public_name` (the service's name
    /// resolves to its public ranges, C-15.5) and the HTTPS to every
    /// internet address of `unsure` leaves outside an endpoint (C-15.6,
    /// [`decide`]).
    /// Returns the reach, and what C-15.6 decided.
    pub(super) fn leaks(
        &self,
        e: EniId,
        svc: &Svc,
        addrs: &IntervalSet,
        unsure: &IntervalSet,
        public_name: bool,
        out: &mut Analysis,
    ) -> (Option<crate::engine::Reach>, Decided) {
        let topo = self.topo;
        let src = self.engine.eni_addrs(e).clone();
        let set = HeaderSet::universe()
            .restrict(SRC, &src)
            .restrict(DST, addrs);
        if set.is_empty() {
            return (None, Decided::No);
        }
        let reach = self.engine.reach(Origin::Eni(e), &set);
        let mut leaks: BTreeMap<String, Vec<&Flow>> = BTreeMap::new();
        let mut unknowns: BTreeMap<String, Vec<&Flow>> = BTreeMap::new();
        for f in &reach.flows {
            match self.classify(svc, f) {
                Class::Private(kind) => {
                    if let Some((why, loc)) = self.overlap_unknown(f) {
                        out.problems.push(Problem {
                            kind: FindingKind::Unknown,
                            resource: None,
                            message: format!(
                                "cannot decide whether some packets to {} use the endpoint: {why}",
                                svc.label()
                            ),
                            witness: None,
                            location: loc,
                            aws_ids: Vec::new(),
                        });
                    }
                    out.via.insert(kind);
                }
                Class::Inside => {}
                Class::Leak(via) => leaks.entry(via).or_default().push(f),
                Class::Unknown(why) => unknowns.entry(why).or_default().push(f),
            }
        }
        let unsure_set = HeaderSet::universe().restrict(DST, unsure);
        let decided = if public_name {
            decide(&src, unsure, &leaks, &reach.flows)
        } else {
            Decided::No
        };
        let certain = decided == Decided::Leak;
        for (via, flows) in &leaks {
            // The part of the leak at known service addresses is a
            // violation; the part at addresses that may not be the service's
            // is unknown.
            let mut sure: Option<(&Flow, HeaderSet)> = None;
            let mut maybe: Option<(&Flow, HeaderSet)> = None;
            for f in flows {
                let s = f.set.subtract(&unsure_set);
                if sure.is_none() && !s.is_empty() {
                    sure = Some((f, s));
                }
                let m = f.set.intersect(&unsure_set);
                if maybe.is_none() && !m.is_empty() {
                    maybe = Some((f, m));
                }
            }
            if let Some((f, s)) = sure
                && let Some((w, p)) = self.witness(f, &s)
            {
                let (because, fix) = self.leak_reason(e, svc, f, &p, via);
                let subnet = &topo.subnets[topo.enis[e].subnet];
                let table = self.first_table(f).map(|t| &topo.route_tables[t]);
                let mut ids: Vec<String> = w.path.iter().filter_map(|h| h.aws_id.clone()).collect();
                ids.extend(subnet.meta.aws_id.clone());
                let message = format!(
                    "`{}` → {}{} ({}) leaves the VPC through {via}, not a VPC endpoint{}{}; subnet `{}`{}; fix: {fix}",
                    topo.enis[e].meta.name,
                    show_dst(&p),
                    if p.has_ports() {
                        format!(":{}", p.dport)
                    } else {
                        String::new()
                    },
                    svc.name,
                    route_text(&w),
                    if because.is_empty() {
                        String::new()
                    } else {
                        format!(", because {because}")
                    },
                    subnet.meta.name,
                    table
                        .map(|t| format!(", route table `{}`", t.meta.name))
                        .unwrap_or_default(),
                );
                let location = w
                    .path
                    .iter()
                    .find(|h| h.component == table.map(|t| t.meta.name.clone()).unwrap_or_default())
                    .and_then(|h| h.location.clone())
                    .or_else(|| w.path.iter().find_map(|h| h.location.clone()));
                out.problems.push(Problem {
                    kind: FindingKind::Violation,
                    resource: None,
                    message,
                    witness: Some(w),
                    location,
                    aws_ids: ids,
                });
            }
            let Some((f, m)) = maybe else {
                continue;
            };
            if certain {
                let w = self.witness(f, &m).map(|(w, _)| w);
                out.problems.push(Problem {
                    kind: FindingKind::Violation,
                    resource: None,
                    message: format!(
                        "`{}` → {} leaves the VPC through {via}, not a VPC endpoint: the topology does not list {}'s addresses (prefix list `{}` with entries), but `{}` resolves to its public ranges (C-15.5), which are internet addresses (C-15.6), and the workload's HTTPS to every internet address of that family leaves outside an endpoint, so {} traffic leaks whichever addresses it has; fix: associate the workload's route table with a gateway endpoint for `{}` (create one if the VPC has none)",
                        topo.enis[e].meta.name,
                        svc.label(),
                        svc.label(),
                        svc.full(),
                        svc.dns_name(),
                        svc.label(),
                        svc.full()
                    ),
                    location: w.as_ref().and_then(|w| w.path.iter().find_map(|h| h.location.clone())),
                    witness: w,
                    aws_ids: Vec::new(),
                });
            } else {
                let w = self.witness(f, &m).map(|(w, _)| w);
                out.problems.push(Problem {
                    kind: FindingKind::Unknown,
                    resource: None,
                    message: format!(
                        "packets from `{}` to addresses that may be {}'s leave the VPC through {via}; the topology does not list {}'s addresses of that family (prefix list `{}` with entries), so whether {} traffic leaks is not known",
                        topo.enis[e].meta.name,
                        svc.label(),
                        svc.label(),
                        svc.full(),
                        svc.label()
                    ),
                    location: w.as_ref().and_then(|w| w.path.iter().find_map(|h| h.location.clone())),
                    witness: w,
                    aws_ids: Vec::new(),
                });
            }
        }
        for (why, flows) in &unknowns {
            let f = flows[0];
            let w = self.witness(f, &f.set).map(|(w, _)| w);
            out.problems.push(Problem {
                kind: FindingKind::Unknown,
                resource: None,
                message: format!(
                    "cannot decide where some packets from `{}` to {} go: {why}",
                    topo.enis[e].meta.name,
                    svc.label()
                ),
                location: w
                    .as_ref()
                    .and_then(|w| w.path.iter().rev().find_map(|h| h.location.clone())),
                witness: w,
                aws_ids: Vec::new(),
            });
        }
        drop(leaks);
        drop(unknowns);
        (Some(reach), decided)
    }

    /// Must-reach: tcp/443 from the workload's primary address to every
    /// target address, from every client port, and the replies back, over
    /// the private path (C-4.3, C-4.6, C-13.6, C-13.7). The first blocked
    /// packet becomes a finding naming the rule that blocks it.
    /// `pre`: the engine's flows for a superset of the probe (from
    /// [`Ctx::leaks`]), restricted instead of propagating again (exact: the
    /// engine decides packet by packet).
    pub(super) fn path_open(
        &self,
        e: EniId,
        svc: &Svc,
        targets: &IntervalSet,
        pre: Option<&crate::engine::Reach>,
        out: &mut Analysis,
    ) {
        let topo = self.topo;
        let eni = &topo.enis[e];
        let src = match (eni.private_ips.first(), eni.ipv6_addresses.first()) {
            (Some(p), _) if targets.intersects(&all_v4()) => IpAddr::V4(p.addr),
            (_, Some(a)) if targets.intersects(&all_v6()) => IpAddr::V6(*a),
            _ => return,
        };
        let fam = if src.is_ipv4() { all_v4() } else { all_v6() };
        let (lo, hi) = topo.policy.service_access.client_ports;
        let probe = HeaderSet::universe()
            .restrict(SRC, &IntervalSet::point(encode(src)))
            .restrict(DST, &targets.intersect(&fam))
            .restrict(PROTO, &IntervalSet::point(u128::from(TCP)))
            .restrict(SPORT, &IntervalSet::range(u128::from(lo), u128::from(hi)))
            .restrict(DPORT, &IntervalSet::point(443));
        if probe.is_empty() {
            return;
        }
        let reach = match pre {
            Some(r) => crate::engine::Reach {
                watched: r.watched,
                flows: r
                    .flows
                    .iter()
                    .filter_map(|f| {
                        let set = f.set.intersect(&probe);
                        (!set.is_empty()).then(|| Flow {
                            set,
                            end: f.end.clone(),
                            path: f.path.clone(),
                            rewrites: f.rewrites.clone(),
                        })
                    })
                    .collect(),
            },
            None => self.engine.reach(Origin::Eni(e), &probe),
        };
        let mut ok = HeaderSet::empty();
        let mut elsewhere = HeaderSet::empty();
        let mut ok_flows: Vec<&Flow> = Vec::new();
        for f in &reach.flows {
            match self.classify(svc, f) {
                Class::Private(_) => {
                    ok = ok.union(&f.set);
                    ok_flows.push(f);
                }
                _ => elsewhere = elsewhere.union(&f.set),
            }
        }
        let dropped = probe.subtract(&ok).subtract(&elsewhere);
        if let Some(p) = dropped.sample() {
            let (hop, fix) = self.first_blocker(e, &p);
            out.problems
                .push(self.closed_hop(e, svc, &p, hop, fix, false));
            return;
        }
        // Replies: stateless NACLs on the way back (C-4.3); security groups
        // are stateful and admit them (C-5.3).
        for f in ok_flows {
            let reply = replies(&crate::engine::current_set(f));
            let (checks, from_eni): (Vec<(SubnetId, Direction)>, Option<EniId>) = match f.end {
                End::Delivered(x) if topo.enis[x].subnet != eni.subnet => (
                    vec![
                        (topo.enis[x].subnet, Direction::Egress),
                        (eni.subnet, Direction::Ingress),
                    ],
                    Some(x),
                ),
                End::Delivered(x) => (Vec::new(), Some(x)),
                _ => (vec![(eni.subnet, Direction::Ingress)], None),
            };
            let mut rest = reply;
            for (subnet, dir) in checks {
                let pass = rest.intersect(self.engine.nacl_allows(subnet, dir));
                let blocked = rest.subtract(&pass);
                if let Some(q) = blocked.sample() {
                    let step = match dir {
                        Direction::Ingress => Step::NaclIn { subnet },
                        Direction::Egress => Step::NaclOut { subnet },
                    };
                    let hop = filter_hop(topo, &step, &q);
                    let fix = format!(
                        "allow tcp {lo}-{hi} (the clients' ports) in network ACL `{}`",
                        topo.nacls[topo.subnets[subnet].nacl].meta.name
                    );
                    out.problems.push(self.closed(e, svc, &q, hop, fix, true));
                    return;
                }
                rest = pass;
            }
            // The reply from an interface endpoint is routed by its subnet's table.
            if let Some(x) = from_eni
                && let Some(t) = topo.subnets[topo.enis[x].subnet].route_table
            {
                match self.engine.route_for(t, encode(src)) {
                    Some((Node::VpcLocal(_), _)) => {}
                    _ => {
                        let table = &topo.route_tables[t];
                        out.problems.push(Problem {
                            kind: FindingKind::Violation,
                            resource: None,
                            message: format!(
                                "`{}` cannot reach {} privately: replies from endpoint interface `{}` to {src} are not routed locally by route table `{}`",
                                eni.meta.name,
                                svc.label(),
                                topo.enis[x].meta.name,
                                table.meta.name
                            ),
                            witness: None,
                            location: pos_location(topo, table.meta.pos),
                            aws_ids: table.meta.aws_id.iter().cloned().collect(),
                        });
                        return;
                    }
                }
            }
        }
    }

    /// The first component that drops `p` on the way from `e` to the
    /// endpoint, as the simulator's walk records it, as a hop naming the
    /// rule, and a fix.
    pub(super) fn first_blocker(&self, e: EniId, p: &Packet) -> (Hop, String) {
        let topo = self.topo;
        let eni = &topo.enis[e];
        let walk = crate::sim::simulate_blockers(topo, crate::model::Origin::Eni(e), p);
        let nacl_name = |s: SubnetId| &topo.nacls[topo.subnets[s].nacl].meta.name;
        match walk.blockers.first().map(|b| &b.at) {
            Some(&Blocked::Sg {
                eni: x,
                dir: Direction::Egress,
            }) => (
                sg_hop(topo, x, Direction::Egress, p),
                format!(
                    "allow tcp 443 to {} in an egress rule of a security group of `{}`",
                    p.dst, topo.enis[x].meta.name
                ),
            ),
            Some(&Blocked::Sg {
                eni: x,
                dir: Direction::Ingress,
            }) => {
                let hop = sg_hop(topo, x, Direction::Ingress, p);
                let ep_sgs: Vec<String> = topo.enis[x]
                    .security_groups
                    .iter()
                    .map(|&g| format!("`{}`", topo.security_groups[g].meta.name))
                    .collect();
                (
                    Hop {
                        rule: format!(
                            "{} (security groups {} of endpoint interface `{}`)",
                            hop.rule,
                            ep_sgs.join(", "),
                            topo.enis[x].meta.name
                        ),
                        ..hop
                    },
                    format!(
                        "allow tcp 443 from `{}` (or its security group) in the endpoint's security group{}",
                        eni.meta.name,
                        ep_sgs.first().map(|s| format!(" {s}")).unwrap_or_default()
                    ),
                )
            }
            Some(&Blocked::Nacl {
                subnet,
                dir: Direction::Egress,
            }) => (
                nacl_hop(topo, subnet, Direction::Egress, p),
                format!(
                    "allow tcp 443 to {} in the outbound rules of network ACL `{}`",
                    p.dst,
                    nacl_name(subnet)
                ),
            ),
            Some(&Blocked::Nacl {
                subnet,
                dir: Direction::Ingress,
            }) => (
                nacl_hop(topo, subnet, Direction::Ingress, p),
                format!(
                    "allow tcp 443 from {} in the inbound rules of network ACL `{}`",
                    p.src,
                    nacl_name(subnet)
                ),
            ),
            Some(Blocked::NoRouteTable { subnet }) => (
                hop_at(
                    topo,
                    &topo.subnets[*subnet].meta,
                    "the subnet has no route table",
                ),
                "associate a route table".into(),
            ),
            Some(Blocked::Route {
                table,
                blackhole: Some(Winner::Route { index, .. }),
            }) => {
                let t = &topo.route_tables[*table];
                (
                    Hop {
                        component: t.meta.name.clone(),
                        aws_id: t.meta.aws_id.clone(),
                        rule: format!("blackhole route for {} (C-3.9)", p.dst),
                        location: pos_location(topo, t.routes[*index].pos),
                    },
                    format!("remove the blackhole route in `{}`", t.meta.name),
                )
            }
            Some(Blocked::Route { table, .. }) => {
                let t = &topo.route_tables[*table];
                (
                    hop_at(topo, &t.meta, &format!("no route matches {}", p.dst)),
                    format!(
                        "route the service's addresses to its endpoint in `{}`",
                        t.meta.name
                    ),
                )
            }
            // The other components end the walk where the oracle drops
            // the packet too.
            Some(_) | None => {
                let subnet = &topo.subnets[eni.subnet];
                let meta = subnet
                    .route_table
                    .map_or(&subnet.meta, |t| &topo.route_tables[t].meta);
                (
                    hop_at(topo, meta, &format!("the packet to {} is dropped", p.dst)),
                    "open the path to the endpoint".into(),
                )
            }
        }
    }

    pub(super) fn closed(
        &self,
        e: EniId,
        svc: &Svc,
        p: &Packet,
        hop: Option<Hop>,
        fix: String,
        reply: bool,
    ) -> Problem {
        self.closed_hop(
            e,
            svc,
            p,
            hop.unwrap_or_else(|| hop_at(self.topo, &self.topo.enis[e].meta, "blocked")),
            fix,
            reply,
        )
    }

    pub(super) fn closed_hop(
        &self,
        e: EniId,
        svc: &Svc,
        p: &Packet,
        hop: Hop,
        fix: String,
        reply: bool,
    ) -> Problem {
        let topo = self.topo;
        let what = if reply {
            format!(
                "replies from {}:{} to {}:{} are blocked",
                p.src, p.sport, p.dst, p.dport
            )
        } else {
            format!("tcp {} → {}:443 is blocked", p.src, p.dst)
        };
        Problem {
            kind: closed_kind(topo, Some(e), topo.enis[e].vpc, &svc.name),
            resource: None,
            message: format!(
                "`{}` cannot reach {} privately (the endpoint path is closed): {what} by `{}` {}; fix: {fix}",
                topo.enis[e].meta.name,
                svc.label(),
                hop.component,
                hop.rule
            ),
            witness: Some(Witness {
                packet: packet_view(p),
                path: vec![hop.clone()],
            }),
            location: hop.location.clone(),
            aws_ids: hop.aws_id.iter().cloned().collect(),
        }
    }

    /// One gateway-capable service (S3, DynamoDB) for workload `e`.
    pub(super) fn gateway_service(&self, e: EniId, svc: &Svc, out: &mut Analysis) {
        let topo = self.topo;
        let eni = &topo.enis[e];
        let vpc = eni.vpc;
        let dns = dns_unknown(topo, vpc);
        let key = group_key(topo, e);
        let mut addrs = IntervalSet::empty();
        let mut unsure = IntervalSet::empty();
        let mut known_v4 = None;
        let mut known_v6 = None;
        for (v4, wanted) in [(true, key.v4), (false, key.v6)] {
            if !wanted {
                continue;
            }
            let (r, _) = self.ranges(svc, v4);
            match r {
                Some(s) => {
                    addrs = addrs.union(&s);
                    if v4 {
                        known_v4 = Some(s);
                    } else {
                        known_v6 = Some(s);
                    }
                }
                None => {
                    // Not known: leaks anywhere in the family might be the
                    // service's (unknown); nothing else is decided.
                    let fam = if v4 { all_v4() } else { all_v6() };
                    addrs = addrs.union(&fam);
                    unsure = unsure.union(&fam);
                }
            }
        }
        // With private DNS of an interface endpoint in effect, the name
        // resolves to the endpoint's interfaces (C-13.8, C-15.5).
        let mut resolved_to_enis = IntervalSet::empty();
        if dns.is_none() {
            for (i, ep) in self.eps_of(vpc) {
                if ep.kind == EndpointKind::Interface
                    && ep.vpc == vpc
                    && same_service(&ep.service, &svc.full())
                    && private_dns_off(topo, i).is_none()
                {
                    resolved_to_enis = resolved_to_enis.union(&self.endpoint_addrs(i));
                }
            }
        }
        addrs = addrs.union(&resolved_to_enis);
        if let Some(why) = &dns {
            out.problems.push(Problem {
                kind: FindingKind::Unknown,
                resource: Some((
                    topo.vpcs[vpc].meta.name.clone(),
                    topo.vpcs[vpc].meta.aws_id.clone(),
                )),
                message: format!("where `{}` resolves is not known: {why}", svc.dns_name()),
                witness: None,
                location: pos_location(topo, topo.vpcs[vpc].meta.pos),
                aws_ids: topo.vpcs[vpc].meta.aws_id.iter().cloned().collect(),
            });
        }
        let needs_known = if key.v4 {
            known_v4.is_none()
        } else {
            known_v6.is_none()
        };
        let mut not_known_at = None;
        if needs_known && resolved_to_enis.is_empty() {
            not_known_at = Some(out.problems.len());
            out.problems.push(Problem {
                kind: FindingKind::Unknown,
                resource: None,
                message: format!(
                    "the addresses of {} in `{}` are not known: the topology has no prefix list for `{}` with entries (AWS-managed prefix lists are used as written, never guessed)",
                    svc.label(),
                    svc.region,
                    svc.full()
                ),
                witness: None,
                location: pos_location(topo, eni.meta.pos),
                aws_ids: Vec::new(),
            });
        }
        let public_name = dns.is_none() && resolved_to_enis.is_empty();
        let (pre, decided) = self.leaks(e, svc, &addrs, &unsure, public_name, out);
        if decided != Decided::No
            && let Some(i) = not_known_at
        {
            // Decided without the addresses: that they are not known no
            // longer leaves anything open for this workload.
            out.problems.remove(i);
        }
        let family = if key.v4 { all_v4() } else { all_v6() };
        let stand_in = representative(
            &unsure
                .intersect(&crate::engine::internet_source_set())
                .intersect(&family),
        );
        let targets = if decided == Decided::Closed
            && let Some(a) = stand_in
        {
            // No HTTPS to any internet address gets out: any one of them
            // stands for the service's, and the closed path's finding
            // names what blocks it.
            a
        } else if !resolved_to_enis.is_empty() {
            resolved_to_enis
        } else if key.v4 {
            known_v4.unwrap_or_default()
        } else {
            known_v6.unwrap_or_default()
        };
        self.path_open(e, svc, &targets, pre.as_ref(), out);
    }

    /// The addresses of an interface endpoint's interfaces that its DNS
    /// records name (C-13.5, `dns_record_ip_type`).
    pub(super) fn endpoint_addrs(&self, ep: EndpointId) -> IntervalSet {
        let topo = self.topo;
        let rt = topo.endpoints[ep].dns_record_ip_type;
        let mut s = IntervalSet::empty();
        for &x in &self.ep_enis[ep] {
            let a = self.engine.eni_addrs(x);
            if rt.v4() {
                s = s.union(&a.intersect(&all_v4()));
            }
            if rt.v6() {
                s = s.union(&a.intersect(&all_v6()));
            }
        }
        s
    }

    /// One interface-only service (ecr.api, ecr.dkr, …) for workload `e`.
    pub(super) fn interface_service(&self, e: EniId, svc: &Svc, out: &mut Analysis) {
        let topo = self.topo;
        let eni = &topo.enis[e];
        let vpc = eni.vpc;
        let v = &topo.vpcs[vpc];
        let eps: Vec<EndpointId> = self
            .eps_of(vpc)
            .filter(|(_, x)| {
                x.kind == EndpointKind::Interface
                    && x.vpc == vpc
                    && same_service(&x.service, &svc.full())
            })
            .map(|(i, _)| i)
            .collect();
        let vres = (v.meta.name.clone(), v.meta.aws_id.clone());
        if eps.is_empty() {
            out.problems.push(Problem {
                kind: closed_kind(topo, None, vpc, &svc.name),
                resource: Some(vres),
                message: format!(
                    "vpc `{}` has no interface endpoint for `{}`: `{}` resolves to public addresses, so the workloads' traffic to {} leaves through a NAT gateway or internet gateway, or fails{}; fix: create an interface endpoint for `{}` with private DNS in vpc `{}`",
                    v.meta.name,
                    svc.full(),
                    svc.dns_name(),
                    svc.name,
                    if svc.name.starts_with("ecr.") { " (C-13.10)" } else { "" },
                    svc.full(),
                    v.meta.name
                ),
                witness: None,
                location: pos_location(topo, v.meta.pos),
                aws_ids: v.meta.aws_id.iter().cloned().collect(),
            });
            return;
        }
        if let Some(why) = dns_unknown(topo, vpc) {
            out.problems.push(Problem {
                kind: FindingKind::Unknown,
                resource: Some(vres),
                message: format!(
                    "whether `{}` resolves to the endpoint is not known: {why}",
                    svc.dns_name()
                ),
                witness: None,
                location: pos_location(topo, v.meta.pos),
                aws_ids: v.meta.aws_id.iter().cloned().collect(),
            });
            return;
        }
        let on: Vec<EndpointId> = eps
            .iter()
            .copied()
            .filter(|&i| private_dns_off(topo, i).is_none())
            .collect();
        if on.is_empty() {
            let ep = &topo.endpoints[eps[0]];
            let why = private_dns_off(topo, eps[0]).unwrap_or_default();
            let fix = if !ep.private_dns || ep.private_dns_inbound_only {
                format!("enable private DNS on endpoint `{}`", ep.meta.name)
            } else {
                format!(
                    "turn on `enableDnsHostnames` (`dns_hostnames: true`) in vpc `{}`",
                    v.meta.name
                )
            };
            let (res_name, res_id, pos) = if !v.dns_hostnames && ep.private_dns {
                (v.meta.name.clone(), v.meta.aws_id.clone(), v.meta.pos)
            } else {
                (ep.meta.name.clone(), ep.meta.aws_id.clone(), ep.meta.pos)
            };
            let mut ids = self.endpoint_ids(eps[0]);
            ids.extend(v.meta.aws_id.clone());
            out.problems.push(Problem {
                kind: FindingKind::Violation,
                resource: Some((res_name, res_id)),
                message: format!(
                    "`{}` resolves to public addresses in vpc `{}`, not to endpoint `{}`: {why}; the workloads' traffic to {} leaves through a NAT gateway or internet gateway, or fails (trap 11); fix: {fix}",
                    svc.dns_name(),
                    v.meta.name,
                    ep.meta.name,
                    svc.name
                ),
                witness: None,
                location: pos_location(topo, pos),
                aws_ids: ids,
            });
            return;
        }
        let mut addrs = IntervalSet::empty();
        for &i in &on {
            addrs = addrs.union(&self.endpoint_addrs(i));
        }
        if addrs.is_empty() {
            let ep = &topo.endpoints[on[0]];
            out.problems.push(Problem {
                kind: FindingKind::Unknown,
                resource: Some((ep.meta.name.clone(), ep.meta.aws_id.clone())),
                message: format!(
                    "endpoint `{}` has no interfaces in the topology, so where `{}` resolves is not known; declare them with `owner: {{vpc_endpoint: {}}}`",
                    ep.meta.name,
                    svc.dns_name(),
                    ep.meta.name
                ),
                witness: None,
                location: pos_location(topo, ep.meta.pos),
                aws_ids: self.endpoint_ids(on[0]),
            });
            return;
        }
        // Only the families the workload can send matter.
        let key = group_key(topo, e);
        let mut fam = IntervalSet::empty();
        if key.v4 {
            fam = fam.union(&all_v4());
        }
        if key.v6 {
            fam = fam.union(&all_v6());
        }
        let targets = addrs.intersect(&fam);
        if targets.is_empty() {
            let ep = &topo.endpoints[on[0]];
            out.problems.push(Problem {
                kind: FindingKind::Violation,
                resource: None,
                message: format!(
                    "`{}` cannot reach {} privately: the DNS records of endpoint `{}` name no address of a family `{}` has",
                    eni.meta.name, svc.name, ep.meta.name, eni.meta.name
                ),
                witness: None,
                location: pos_location(topo, ep.meta.pos),
                aws_ids: self.endpoint_ids(on[0]),
            });
            return;
        }
        let (pre, _) = self.leaks(e, svc, &targets, &IntervalSet::empty(), false, out);
        self.path_open(e, svc, &targets, pre.as_ref(), out);
    }

    /// Every address a gateway service's traffic may go to from `vpc`: its
    /// prefix lists (a whole family when their entries are unknown), and
    /// the interfaces its name resolves to. `None` when the name resolves
    /// to interface endpoints, whose security groups may reference the
    /// workload's: then the security groups themselves matter.
    pub(super) fn gateway_reach_addrs(&self, vpc: VpcId, svc: &Svc) -> Option<IntervalSet> {
        let topo = self.topo;
        if dns_unknown(topo, vpc).is_none()
            && self.eps_of(vpc).any(|(i, ep)| {
                ep.kind == EndpointKind::Interface
                    && ep.vpc == vpc
                    && same_service(&ep.service, &svc.full())
                    && private_dns_off(topo, i).is_none()
            })
        {
            return None;
        }
        let mut addrs = IntervalSet::empty();
        for v4 in [true, false] {
            addrs = addrs.union(
                &self
                    .ranges(svc, v4)
                    .0
                    .unwrap_or_else(|| if v4 { all_v4() } else { all_v6() }),
            );
        }
        Some(addrs)
    }

    /// What route table `t` decides for `addrs`: each region of them with
    /// where it goes. Two tables with the same signature treat every packet
    /// to the service alike. A table whose decision depends on more than the
    /// target (an ambiguous route, or a CIDR route overlapping a prefix-list
    /// entry, C-3.5) keeps its own signature.
    pub(super) fn route_signature(&self, t: usize, addrs: &IntervalSet) -> RouteSig {
        let topo = self.topo;
        let table = &topo.route_tables[t];
        let own = table
            .routes
            .iter()
            .any(|r| matches!(r.dest, RouteDest::Cidr(n) if n.prefix_len() > 0 && net_set_of(n).intersects(addrs)));
        let Some(n) = self.engine.graph.node(Node::RouteTable(t)) else {
            return vec![(format!("table {t}"), Vec::new())];
        };
        let mut sig: RouteSig = Vec::new();
        for er in self.engine.graph.g.edges(n) {
            let crate::engine::graph::Edge::Route(edge) = er.weight() else {
                continue;
            };
            let part = edge.dst.intersect(addrs);
            if part.is_empty() {
                continue;
            }
            let node = self.engine.graph.g[er.target()];
            let what = match (&node, &edge.choice) {
                (_, RouteChoice::Ambiguous(_)) => format!("table {t}"),
                (Node::Opaque, RouteChoice::Route { index, .. }) => {
                    format!("{:?}", table.routes[*index].target)
                }
                (n, _) => format!("{n:?}"),
            };
            sig.push((what, part.runs().to_vec()));
        }
        sig.sort();
        if own {
            sig.push((format!("table {t}"), Vec::new()));
        }
        sig
    }

    pub(super) fn analyse(&self, e: EniId, svc: &Svc) -> Analysis {
        let mut a = Analysis::default();
        if svc.gateway_capable() {
            self.gateway_service(e, svc, &mut a);
        } else {
            self.interface_service(e, svc, &mut a);
        }
        a
    }

    /// ECR image layers come from S3 (C-13.10): the S3 analysis must be
    /// clean, and the S3 endpoints' policies must allow the layer bucket.
    pub(super) fn ecr_layers(
        &self,
        e: EniId,
        s3: &Analysis,
        region: &str,
        s3_reported: bool,
    ) -> Analysis {
        let topo = self.topo;
        let mut a = Analysis::default();
        let worst = s3
            .problems
            .iter()
            .map(|p| p.kind)
            .find(|k| *k == FindingKind::Violation)
            .or_else(|| s3.problems.first().map(|p| p.kind));
        if let Some(kind) = worst {
            a.problems.push(Problem {
                kind,
                resource: None,
                message: format!(
                    "ECR image layers come from S3 (`{}`), and S3 is not {} private for `{}`, so pulling images {} (C-13.10, trap 12): {}",
                    ecr_layer_bucket(region),
                    if kind == FindingKind::Violation { "proven" } else { "known to be" },
                    topo.enis[e].meta.name,
                    if kind == FindingKind::Violation {
                        "sends the layers outside the endpoints"
                    } else {
                        "may leave the endpoints"
                    },
                    if s3_reported {
                        "see the S3 finding".to_string()
                    } else {
                        s3.problems
                            .iter()
                            .find(|p| p.kind == kind)
                            .map(|p| p.message.clone())
                            .unwrap_or_default()
                    }
                ),
                witness: s3.problems.iter().find_map(|p| p.witness.clone()),
                location: s3.problems.iter().find_map(|p| p.location.clone()),
                aws_ids: Vec::new(),
            });
            return a;
        }
        let vpc = topo.enis[e].vpc;
        let full = format!("com.amazonaws.{region}.s3");
        for (i, ep) in self.eps_of(vpc) {
            if ep.vpc != vpc || !same_service(&ep.service, &full) {
                continue;
            }
            let Some(doc) = &ep.policy else { continue };
            match policy_allows(doc, "s3:GetObject", &ecr_layer_bucket(region).replace("/*", "/layer")) {
                Tri::Yes => {}
                t => a.problems.push(Problem {
                    kind: if t == Tri::No {
                        FindingKind::Violation
                    } else {
                        FindingKind::Unknown
                    },
                    resource: Some((ep.meta.name.clone(), ep.meta.aws_id.clone())),
                    message: format!(
                        "the policy of S3 endpoint `{}` {} `s3:GetObject` on `{}`, where ECR keeps image layers (C-13.10); fix: allow it in the endpoint policy",
                        ep.meta.name,
                        if t == Tri::No { "does not allow" } else { "may not allow (conditions the engine cannot evaluate)" },
                        ecr_layer_bucket(region)
                    ),
                    witness: None,
                    location: pos_location(topo, ep.meta.pos),
                    aws_ids: self.endpoint_ids(i),
                }),
            }
        }
        a
    }
}

/// Where a leak of one interface's service traffic left the VPC.
struct LeakSite<'s> {
    e: EniId,
    svc: &'s Svc,
    vpc: VpcId,
    /// The first route table on the path, and its name for messages.
    table: usize,
    tname: String,
    /// The VPC's gateway endpoints for the service, and those associated
    /// with the table.
    gws: Vec<EndpointId>,
    associated: Vec<EndpointId>,
    /// How the table chose, if it did.
    choice: Option<RouteChoice>,
}

/// What C-15.6 decides for a service whose addresses are not listed but
/// whose name resolves to its public ranges, which are internet addresses.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Decided {
    /// Not decided: leaks to what may be the service's stay `unknown`.
    No,
    /// The HTTPS to every internet address leaves outside an endpoint: the
    /// service's traffic leaks, whichever its addresses.
    Leak,
    /// No HTTPS to any internet address goes anywhere: nothing leaks, and
    /// the service cannot be reached (a closed private path).
    Closed,
}

/// [`Decided`] for the HTTPS (tcp/443) a workload sends from `src` to the
/// internet addresses (C-6.3) of `unsure`, given the flows that `leaks`
/// and the engine's reach found. An empty candidate set decides nothing.
fn decide(
    src: &IntervalSet,
    unsure: &IntervalSet,
    leaks: &BTreeMap<String, Vec<&Flow>>,
    flows: &[Flow],
) -> Decided {
    let candidates = unsure.intersect(&crate::engine::internet_source_set());
    if candidates.is_empty() {
        return Decided::No;
    }
    let https = HeaderSet::universe()
        .restrict(SRC, src)
        .restrict(DST, &candidates)
        .restrict(PROTO, &IntervalSet::point(u128::from(TCP)))
        .restrict(DPORT, &IntervalSet::point(443));
    let leaking = leaks
        .values()
        .flatten()
        .fold(HeaderSet::empty(), |acc, f| acc.union(&f.set));
    if https.subtract(&leaking).is_empty() {
        return Decided::Leak;
    }
    if flows.iter().all(|f| f.set.intersect(&https).is_empty()) {
        return Decided::Closed;
    }
    Decided::No
}

/// One address of `set` to stand for all of them in a closed path's
/// finding: 203.0.113.7 (documentation space, as other witnesses) when the
/// set has it, else its first address.
fn representative(set: &IntervalSet) -> Option<IntervalSet> {
    let doc = crate::hs::encode(IpAddr::V4(std::net::Ipv4Addr::new(203, 0, 113, 7)));
    if set.contains(doc) {
        return Some(IntervalSet::point(doc));
    }
    set.first().map(IntervalSet::point)
}
