//! Prefix lists, VPCs, subnets, internet gateways, peering connections
//! and VPC block public access.

use super::*;

impl V<'_> {
    pub(super) fn prefix_lists(&mut self) {
        for pl in &self.src.prefix_lists {
            let ctx = format!("prefix list `{}`", pl.name.value);
            let mut family = pl.family;
            let entries = pl.entries.as_ref().map(|entries| {
                let mut out = Vec::with_capacity(entries.len());
                for e in entries {
                    let Some(net) = self.cidr(e, &ctx) else {
                        continue;
                    };
                    let fam = if net.addr().is_ipv4() {
                        AddressFamily::Ipv4
                    } else {
                        AddressFamily::Ipv6
                    };
                    match family {
                        None => family = Some(fam),
                        Some(want) if want != fam => {
                            let msg = if pl.family.is_some() {
                                format!(
                                    "{ctx} is {}, but entry `{net}` is {}",
                                    family_name(want),
                                    family_name(fam)
                                )
                            } else {
                                format!("{ctx} mixes IPv4 and IPv6 entries: `{net}`")
                            };
                            self.err(
                                e.pos,
                                msg,
                                Some("a prefix list holds one address family".into()),
                            );
                            continue;
                        }
                        Some(_) => {}
                    }
                    out.push(net);
                }
                out
            });
            self.t.prefix_lists.push(r::PrefixList {
                meta: meta(&pl.name, &pl.aws_id),
                entries,
                service: pl.service.clone(),
                family: pl.family,
            });
            self.pl_family.push(family);
        }
    }

    pub(super) fn vpcs(&mut self) {
        let s = self.src;
        for v in &s.vpcs {
            let ctx = format!("vpc `{}`", v.name.value);
            let mut cidrs = Vec::new();
            for c in &v.cidrs {
                match self.cidr(c, &ctx) {
                    Some(IpNet::V4(n)) => cidrs.push(n),
                    Some(IpNet::V6(n)) => self.err(
                        c.pos,
                        format!("{ctx} lists IPv6 CIDR `{n}` in `cidrs`"),
                        Some("IPv6 CIDRs go in `ipv6_cidrs`".into()),
                    ),
                    None => {}
                }
            }
            let mut ipv6_cidrs = Vec::new();
            for c in &v.ipv6_cidrs {
                match self.cidr(c, &ctx) {
                    Some(IpNet::V6(n)) => ipv6_cidrs.push(n),
                    Some(IpNet::V4(n)) => self.err(
                        c.pos,
                        format!("{ctx} lists IPv4 CIDR `{n}` in `ipv6_cidrs`"),
                        Some("IPv4 CIDRs go in `cidrs`".into()),
                    ),
                    None => {}
                }
            }
            let custom_dns_servers = v
                .dhcp_options
                .as_ref()
                .map(|d| {
                    d.domain_name_servers
                        .iter()
                        .filter(|s| !s.trim().eq_ignore_ascii_case("AmazonProvidedDNS"))
                        .cloned()
                        .collect()
                })
                .unwrap_or_default();
            self.t.vpcs.push(r::Vpc {
                meta: meta(&v.name, &v.aws_id),
                region: v
                    .region
                    .clone()
                    .or_else(|| s.region.as_ref().map(|r| r.value.clone())),
                account: v
                    .account
                    .as_ref()
                    .or(s.account.as_ref().map(|a| &a.value))
                    .map(|a| a.0.clone()),
                cidrs,
                ipv6_cidrs,
                // AWS defaults: enableDnsSupport true, enableDnsHostnames false
                // outside the default VPC.
                dns_support: v.dns_support.unwrap_or(true),
                dns_hostnames: v.dns_hostnames.unwrap_or(false),
                custom_dns_servers,
                main_route_table: None,
                default_nacl: BAD,
                igw: None,
                eigws: Vec::new(),
            });
        }
    }

    pub(super) fn subnets(&mut self) {
        for sn in &self.src.subnets {
            let ctx = format!("subnet `{}`", sn.name.value);
            let vpc = self.lookup1(&sn.vpc, Kind::Vpc, &ctx);
            let (vcidrs, v6cidrs) = self
                .t
                .vpcs
                .get(vpc)
                .map(|v| (v.cidrs.clone(), v.ipv6_cidrs.clone()))
                .unwrap_or_default();
            let vname = self.vpc_name(vpc);
            let cidr = sn.cidr.as_ref().and_then(|c| {
                let n = self.cidr_v4(c, &ctx)?;
                if vpc != BAD && !vcidrs.iter().any(|v| v.contains(&n)) {
                    let msg = if vcidrs.is_empty() {
                        format!("{ctx} CIDR `{n}` is outside vpc `{vname}`, which has no IPv4 CIDR")
                    } else {
                        format!(
                            "{ctx} CIDR `{n}` is outside vpc `{vname}` ({})",
                            list(&vcidrs)
                        )
                    };
                    self.err(c.pos, msg, None);
                }
                Some(n)
            });
            let ipv6_cidr = sn.ipv6_cidr.as_ref().and_then(|c| {
                let n = self.cidr_v6(c, &ctx)?;
                if vpc != BAD && !v6cidrs.iter().any(|v| v.contains(&n)) {
                    let msg = if v6cidrs.is_empty() {
                        format!(
                            "{ctx} IPv6 CIDR `{n}` is outside vpc `{vname}`, which has no IPv6 CIDR"
                        )
                    } else {
                        format!(
                            "{ctx} IPv6 CIDR `{n}` is outside vpc `{vname}` ({})",
                            list(&v6cidrs)
                        )
                    };
                    self.err(c.pos, msg, None);
                }
                Some(n)
            });
            if sn.cidr.is_none() && sn.ipv6_cidr.is_none() {
                self.err(
                    sn.name.pos,
                    format!("{ctx} has neither `cidr` nor `ipv6_cidr`"),
                    None,
                );
            }
            self.t.subnets.push(r::Subnet {
                meta: meta(&sn.name, &sn.aws_id),
                vpc,
                availability_zone: sn.availability_zone.clone(),
                cidr,
                ipv6_cidr,
                route_table: None,
                uses_main_route_table: false,
                nacl: BAD,
            });
        }
    }

    /// Subnets of one VPC must not overlap (in either family).
    pub(super) fn subnet_overlaps(&mut self) {
        // (vpc, ipv6) -> (first address, last address, subnet)
        type Spans = Vec<(u128, u128, usize)>;
        let mut groups: HashMap<(r::VpcId, bool), Spans> = HashMap::new();
        for (i, sn) in self.t.subnets.iter().enumerate() {
            if sn.vpc == BAD {
                continue;
            }
            let nets = sn
                .cidr
                .map(IpNet::V4)
                .into_iter()
                .chain(sn.ipv6_cidr.map(IpNet::V6));
            for net in nets {
                let (v6, lo, hi) = span(net);
                groups.entry((sn.vpc, v6)).or_default().push((lo, hi, i));
            }
        }
        let mut pairs = Vec::new();
        for ((_, v6), mut items) in groups {
            // Sorted by start (widest first): a block overlaps an earlier one
            // exactly when it starts before the furthest end seen so far.
            items.sort_by_key(|&(lo, hi, i)| (lo, std::cmp::Reverse(hi), i));
            let mut holder: Option<(u128, usize)> = None;
            for (lo, hi, i) in items {
                if let Some((end, h)) = holder {
                    if lo <= end {
                        pairs.push((v6, h.min(i), h.max(i)));
                    }
                    if hi > end {
                        holder = Some((hi, i));
                    }
                } else {
                    holder = Some((hi, i));
                }
            }
        }
        pairs.sort_unstable();
        for (v6, first, second) in pairs {
            let (Some(a), Some(b)) = (self.t.subnets.get(first), self.t.subnets.get(second)) else {
                continue;
            };
            let net = |s: &r::Subnet| -> String {
                if v6 {
                    s.ipv6_cidr.map(|n| n.to_string())
                } else {
                    s.cidr.map(|n| n.to_string())
                }
                .unwrap_or_default()
            };
            let msg = format!(
                "subnet `{}` CIDR `{}` overlaps subnet `{}` (`{}`{})",
                b.meta.name,
                net(b),
                a.meta.name,
                net(a),
                at_line(a.meta.pos).replace(" (", ", ").replace(')', "")
            );
            let src = self.src.subnets.get(second);
            let pos = src
                .and_then(|s| {
                    if v6 {
                        s.ipv6_cidr.as_ref()
                    } else {
                        s.cidr.as_ref()
                    }
                })
                .map_or(b.meta.pos, |c| c.pos);
            self.err(
                pos,
                msg,
                Some("subnets of one vpc cannot share addresses".into()),
            );
        }
    }

    pub(super) fn gateways(&mut self) {
        for (i, g) in self.src.internet_gateways.iter().enumerate() {
            let ctx = format!("internet gateway `{}`", g.name.value);
            let vpc = g
                .vpc
                .as_ref()
                .map(|v| (v, self.lookup1(v, Kind::Vpc, &ctx)));
            let mut attached = None;
            if let Some((v, vi)) = vpc
                && let Some(first) = self.t.vpcs.get(vi).map(|x| x.igw)
            {
                attached = Some(vi);
                match first {
                    Some(f) => {
                        let (fname, fpos) = self
                            .t
                            .igws
                            .get(f)
                            .map(|x| (x.meta.name.clone(), x.meta.pos))
                            .unwrap_or_default();
                        let msg = format!(
                            "vpc `{}` has two internet gateways attached: `{fname}`{} and `{}`",
                            v.value,
                            at_line(fpos),
                            g.name.value
                        );
                        self.err(
                            v.pos,
                            msg,
                            Some("a vpc can have only one internet gateway".into()),
                        );
                    }
                    None => {
                        if let Some(x) = self.t.vpcs.get_mut(vi) {
                            x.igw = Some(i);
                        }
                    }
                }
            }
            self.t.igws.push(r::Igw {
                meta: meta(&g.name, &g.aws_id),
                vpc: attached,
                edge_route_table: None,
            });
        }
        for (i, g) in self.src.egress_only_internet_gateways.iter().enumerate() {
            let ctx = format!("egress-only internet gateway `{}`", g.name.value);
            let vpc = self.lookup1(&g.vpc, Kind::Vpc, &ctx);
            if let Some(v) = self.t.vpcs.get_mut(vpc) {
                v.eigws.push(i);
            }
            self.t.eigws.push(r::Eigw {
                meta: meta(&g.name, &g.aws_id),
                vpc,
            });
        }
    }

    pub(super) fn peerings(&mut self) {
        for p in &self.src.peering_connections {
            let ctx = format!("peering connection `{}`", p.name.value);
            let requester = self.lookup1(&p.requester_vpc, Kind::Vpc, &ctx);
            let accepter = self.lookup1(&p.accepter_vpc, Kind::Vpc, &ctx);
            if requester != BAD && requester == accepter {
                self.err(
                    p.accepter_vpc.pos,
                    format!("{ctx} connects vpc `{}` to itself", p.accepter_vpc.value),
                    None,
                );
            }
            let active = match &p.status {
                None => true,
                Some(st) => self
                    .choice(st, PEERING_STATUSES, "peering status", &ctx)
                    .unwrap_or(false),
            };
            let region = |v: r::VpcId| {
                self.t
                    .vpcs
                    .get(v)
                    .and_then(|x| x.region.clone())
                    .or_else(|| self.src.region.as_ref().map(|r| r.value.clone()))
            };
            let account = |v: r::VpcId| {
                self.t
                    .vpcs
                    .get(v)
                    .and_then(|x| x.account.clone())
                    .or_else(|| self.src.account.as_ref().map(|a| a.value.0.clone()))
            };
            let differ = |a: Option<String>, b: Option<String>| Some(a? != b?);
            let cross_region = differ(region(requester), region(accepter));
            let cross_account = differ(account(requester), account(accepter));
            self.t.peerings.push(r::Peering {
                meta: meta(&p.name, &p.aws_id),
                requester,
                accepter,
                active,
                cross_region,
                cross_account,
                requester_allows_remote_dns: p
                    .requester_allows_remote_dns_resolution
                    .unwrap_or(false),
                accepter_allows_remote_dns: p
                    .accepter_allows_remote_dns_resolution
                    .unwrap_or(false),
            });
        }
    }

    pub(super) fn bpa(&mut self) {
        let Some(b) = &self.src.block_public_access else {
            return;
        };
        let ctx = "block_public_access";
        let mode = self
            .choice(
                &b.mode,
                &[
                    ("off", BpaMode::Off),
                    ("block-bidirectional", BpaMode::BlockBidirectional),
                    ("block-ingress", BpaMode::BlockIngress),
                ],
                "mode",
                ctx,
            )
            .unwrap_or_default();
        let mut out = r::BlockPublicAccess {
            mode,
            pos: b.pos,
            ..Default::default()
        };
        for ex in &b.exclusions {
            let ectx = format!("a block_public_access exclusion of `{}`", ex.resource.value);
            let emode = self.choice(
                &ex.mode,
                &[
                    ("allow-bidirectional", BpaExclusionMode::AllowBidirectional),
                    ("allow-egress", BpaExclusionMode::AllowEgress),
                ],
                "exclusion mode",
                &ectx,
            );
            let res = self.lookup(
                &ex.resource,
                &[Kind::Vpc, Kind::Subnet],
                "vpc or subnet",
                "block_public_access",
            );
            match (res, emode) {
                (Some((Kind::Vpc, id)), Some(m)) => out.vpc_exclusions.push((id, m)),
                (Some((_, id)), Some(m)) => out.subnet_exclusions.push((id, m)),
                _ => {}
            }
        }
        self.t.bpa = out;
    }
}

pub(super) fn family_name(f: AddressFamily) -> &'static str {
    match f {
        AddressFamily::Ipv4 => "ipv4",
        AddressFamily::Ipv6 => "ipv6",
    }
}
