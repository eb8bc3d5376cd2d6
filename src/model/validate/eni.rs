//! Instances, network interfaces and their addresses.

use super::*;

impl V<'_> {
    pub(super) fn instances(&mut self) {
        for i in &self.src.instances {
            self.t.instances.push(r::Instance {
                meta: meta(&i.name, &i.aws_id),
                enis: Vec::new(),
            });
        }
    }

    pub(super) fn enis(&mut self) {
        for (i, e) in self.src.network_interfaces.iter().enumerate() {
            let ctx = format!("network interface `{}`", e.name.value);
            let subnet = self.lookup1(&e.subnet, Kind::Subnet, &ctx);
            let vpc = self.subnet_vpc(subnet);
            let (scidr, s6) = self
                .t
                .subnets
                .get(subnet)
                .map_or((None, None), |s| (s.cidr, s.ipv6_cidr));
            let sname = e.subnet.value.as_str();
            let instance = e
                .instance
                .as_ref()
                .map(|x| self.lookup1(x, Kind::Instance, &ctx));
            if let Some(inst) = instance.and_then(|x| self.t.instances.get_mut(x)) {
                inst.enis.push(i);
            }
            let owner = match &e.owner {
                Some(o) => self.eni_owner(o, &ctx, i),
                None => EniOwner::Workload,
            };
            let private_ips = self.eni_private_ips(e, &ctx, subnet, vpc, scidr);
            let mut ipv6_addresses = Vec::with_capacity(e.ipv6_addresses.len());
            for a in &e.ipv6_addresses {
                let Ok(addr) = values::ipv6(&a.value, &ctx).map_err(|x| self.problem(a.pos, x))
                else {
                    continue;
                };
                self.check_in_v6(
                    subnet,
                    s6,
                    sname,
                    a.pos,
                    &format!("IPv6 address `{addr}` of {ctx}"),
                    |n| n.contains(&addr),
                );
                self.use_address(vpc, IpAddr::V6(addr), &ctx, a.pos);
                ipv6_addresses.push(addr);
            }
            let mut ipv4_prefixes = Vec::new();
            for p in &e.ipv4_prefixes {
                let Some(net) = self.cidr_v4(p, &ctx) else {
                    continue;
                };
                if subnet != BAD {
                    match scidr {
                        None => self.err(
                            p.pos,
                            format!("{ctx} has IPv4 prefix `{net}`, but subnet `{sname}` has no IPv4 CIDR"),
                            None,
                        ),
                        Some(c) if !c.contains(&net) => self.err(
                            p.pos,
                            format!("IPv4 prefix `{net}` of {ctx} is outside subnet `{sname}` (`{c}`)"),
                            None,
                        ),
                        Some(_) => {}
                    }
                }
                ipv4_prefixes.push(net);
            }
            let mut ipv6_prefixes = Vec::new();
            for p in &e.ipv6_prefixes {
                let Some(net) = self.cidr_v6(p, &ctx) else {
                    continue;
                };
                self.check_in_v6(
                    subnet,
                    s6,
                    sname,
                    p.pos,
                    &format!("IPv6 prefix `{net}` of {ctx}"),
                    |n| n.contains(&net),
                );
                ipv6_prefixes.push(net);
            }
            let security_groups = self.sg_list(&e.security_groups, &ctx, vpc);
            // Workload interfaces, and those of other services (RDS, Lambda,
            // …), always carry a security group in AWS; with none the engine
            // would admit nothing (fail open). NAT gateways, NLBs, transit
            // gateway attachments and endpoints are the exceptions.
            let service_owned = e.owner.as_ref().is_some_and(|o| {
                o.service.is_some()
                    && o.nat_gateway.is_none()
                    && o.load_balancer.is_none()
                    && o.vpc_endpoint.is_none()
                    && o.transit_gateway.is_none()
            });
            if (e.owner.is_none() || service_owned) && e.security_groups.is_empty() {
                let help = self.default_sg_help(vpc);
                self.err(
                    e.name.pos,
                    format!("{ctx} has no security groups"),
                    Some(help),
                );
            }
            // C-2.4: the check is on by default for instance interfaces; AWS-
            // managed interfaces (NAT, LB, endpoint, TGW) show it off (C-2.6).
            let managed = matches!(
                owner,
                EniOwner::Nat(_)
                    | EniOwner::LoadBalancer(_)
                    | EniOwner::Endpoint(_)
                    | EniOwner::TransitGateway
            );
            self.t.enis.push(r::Eni {
                meta: meta(&e.name, &e.aws_id),
                subnet,
                vpc,
                instance: instance.filter(|&x| x != BAD),
                owner,
                private_ips,
                ipv6_addresses,
                ipv4_prefixes,
                ipv6_prefixes,
                security_groups,
                source_dest_check: e.source_dest_check.unwrap_or(!managed),
                attached: e.attached.unwrap_or(true),
                derived: false,
            });
        }
    }

    /// An interface's private IPv4 addresses, each inside its subnet and
    /// used once in its VPC.
    fn eni_private_ips(
        &mut self,
        e: &f::NetworkInterface,
        ctx: &str,
        subnet: r::SubnetId,
        vpc: r::VpcId,
        scidr: Option<Ipv4Net>,
    ) -> Vec<r::PrivateIp> {
        let sname = e.subnet.value.as_str();
        let ctx = ctx.to_string();
        let mut private_ips = Vec::with_capacity(e.private_ips.len());
        for p in &e.private_ips {
            let Ok(addr) =
                values::ipv4(&p.address.value, &ctx).map_err(|x| self.problem(p.address.pos, x))
            else {
                continue;
            };
            if subnet != BAD {
                match scidr {
                    None => self.err(
                        p.address.pos,
                        format!(
                            "{ctx} has private IP `{addr}`, but subnet `{sname}` has no IPv4 CIDR"
                        ),
                        None,
                    ),
                    Some(c) if !c.contains(&addr) => self.err(
                        p.address.pos,
                        format!("private IP `{addr}` of {ctx} is outside subnet `{sname}` (`{c}`)"),
                        None,
                    ),
                    Some(_) => {}
                }
            }
            self.use_address(vpc, IpAddr::V4(addr), &ctx, p.address.pos);
            let public = self.public_ip(p, &ctx);
            if let (Some(PublicIp::Known { addr: a, .. }), Some(at)) = (public, &p.public_ip) {
                self.public_used.push((a, ctx.clone(), at.pos));
            }
            private_ips.push(r::PrivateIp {
                addr,
                public,
                pos: p.pos,
            });
        }
        private_ips
    }

    /// Report `what` (an IPv6 address or prefix) outside the subnet's IPv6 CIDR.
    pub(super) fn check_in_v6(
        &mut self,
        subnet: r::SubnetId,
        s6: Option<Ipv6Net>,
        sname: &str,
        pos: Pos,
        what: &str,
        inside: impl Fn(&Ipv6Net) -> bool,
    ) {
        if subnet == BAD {
            return;
        }
        match s6 {
            None => self.err(
                pos,
                format!("{what} is in subnet `{sname}`, which has no IPv6 CIDR"),
                None,
            ),
            Some(n) if !inside(&n) => {
                self.err(
                    pos,
                    format!("{what} is outside subnet `{sname}` (`{n}`)"),
                    None,
                );
            }
            Some(_) => {}
        }
    }

    pub(super) fn eni_owner(&mut self, o: &Sp<f::EniOwner>, ctx: &str, eni: r::EniId) -> EniOwner {
        let set: Vec<&str> = [
            o.nat_gateway.as_ref().map(|_| "`nat_gateway`"),
            o.load_balancer.as_ref().map(|_| "`load_balancer`"),
            o.vpc_endpoint.as_ref().map(|_| "`vpc_endpoint`"),
            o.transit_gateway.as_ref().map(|_| "`transit_gateway`"),
            o.service.as_ref().map(|_| "`service`"),
        ]
        .into_iter()
        .flatten()
        .collect();
        if set.len() != 1 {
            let msg = if set.is_empty() {
                format!("{ctx} has an empty `owner`")
            } else {
                format!("{ctx} has several owners ({})", set.join(" and "))
            };
            self.err(
                o.pos,
                msg,
                Some("set one of `nat_gateway`, `load_balancer`, `vpc_endpoint`, `transit_gateway` or `service`".into()),
            );
            return EniOwner::Workload;
        }
        if let Some(n) = &o.nat_gateway {
            let id = self.lookup1(n, Kind::Nat, ctx);
            if id != BAD {
                self.nat_enis.entry(id).or_default().push(eni);
                return EniOwner::Nat(id);
            }
        } else if let Some(l) = &o.load_balancer {
            let id = self.lookup1(l, Kind::LoadBalancer, ctx);
            if id != BAD {
                self.lb_enis.entry(id).or_default().push(eni);
                return EniOwner::LoadBalancer(id);
            }
        } else if let Some(e) = &o.vpc_endpoint {
            let id = self.lookup1(e, Kind::Endpoint, ctx);
            if id != BAD {
                return EniOwner::Endpoint(id);
            }
        } else if let Some(t) = &o.transit_gateway {
            if self.lookup1(t, Kind::Tgw, ctx) != BAD {
                return EniOwner::TransitGateway;
            }
        } else if let Some(s) = &o.service {
            return EniOwner::Service(s.clone());
        }
        EniOwner::Workload
    }

    /// The public IPv4 mapped to a private IP (C-2.2): an address or `auto`.
    pub(super) fn public_ip(&mut self, p: &f::PrivateIp, ctx: &str) -> Option<PublicIp> {
        let eip = p.eip_allocation.is_some();
        let Some(s) = &p.public_ip else {
            // An Elastic IP allocation without its address: a public address
            // exists, its value is not known.
            return eip.then_some(PublicIp::Auto);
        };
        self.public_addr(s, ctx).map(|a| match a {
            Some(addr) => PublicIp::Known { addr, eip },
            None => PublicIp::Auto,
        })
    }

    /// `auto` (Some(None)), a public IPv4 (Some(Some(a))), or an error (None).
    pub(super) fn public_addr(&mut self, s: &Sp<String>, ctx: &str) -> Option<Option<Ipv4Addr>> {
        let t = s.value.trim();
        if t.eq_ignore_ascii_case("auto") {
            return Some(None);
        }
        match t.parse::<IpAddr>() {
            Ok(IpAddr::V4(a)) => match values::not_public_v4(a) {
                None => Some(Some(a)),
                Some(why) => {
                    self.err(
                        s.pos,
                        format!("public IP `{a}` of {ctx} is {why}"),
                        Some("write the public address, or `auto` when it is not known".into()),
                    );
                    None
                }
            },
            _ => {
                self.err(
                    s.pos,
                    format!("invalid public IP `{t}` in {ctx}"),
                    Some("write an IPv4 address, or `auto` when it is not known".into()),
                );
                None
            }
        }
    }

    /// A public IPv4 maps to one private address (C-2.2): report each later
    /// mapping of an address, in file order, at the address.
    pub(super) fn public_ip_reuse(&mut self) {
        let mut used = std::mem::take(&mut self.public_used);
        // Stable: mappings at one position keep the order they were found in.
        used.sort_by_key(|(_, _, pos)| *pos);
        let mut first: HashMap<Ipv4Addr, (String, Pos)> = HashMap::new();
        for (addr, who, pos) in used {
            match first.get(&addr) {
                Some((fwho, fpos)) => {
                    let msg = format!(
                        "public IP `{addr}` of {who} is already mapped to {fwho}{}",
                        at_line(*fpos)
                    );
                    self.err(
                        pos,
                        msg,
                        Some("a public IPv4 address maps to one private address".into()),
                    );
                }
                None => {
                    first.insert(addr, (who, pos));
                }
            }
        }
    }
}
