//! NAT gateways and their derived interfaces (C-7.1).

use super::*;

impl V<'_> {
    pub(super) fn nats(&mut self) {
        for (i, n) in self.src.nat_gateways.iter().enumerate() {
            let ctx = format!("nat gateway `{}`", n.name.value);
            let subnet = self.lookup1(&n.subnet, Kind::Subnet, &ctx);
            let vpc = self.subnet_vpc(subnet);
            let scidr = self.t.subnets.get(subnet).and_then(|s| s.cidr);
            let public = match &n.connectivity {
                None => true,
                Some(c) => self
                    .choice(
                        c,
                        &[("public", true), ("private", false)],
                        "connectivity",
                        &ctx,
                    )
                    .unwrap_or(true),
            };
            let private_ip = n.private_ip.as_ref().and_then(|p| {
                let a = values::ipv4(&p.value, &ctx)
                    .map_err(|x| self.problem(p.pos, x))
                    .ok()?;
                if let Some(c) = scidr
                    && !c.contains(&a)
                {
                    self.err(
                        p.pos,
                        format!(
                            "private IP `{a}` of {ctx} is outside subnet `{}` (`{c}`)",
                            n.subnet.value
                        ),
                        None,
                    );
                }
                Some((a, p.pos))
            });
            let public_ip = n.public_ip.as_ref().and_then(|p| {
                if !public {
                    self.err(
                        p.pos,
                        format!("{ctx} is private, but has public IP `{}`", p.value),
                        Some("only public nat gateways have an Elastic IP".into()),
                    );
                    return None;
                }
                self.public_addr(p, &ctx).flatten()
            });
            let available = n
                .state
                .as_deref()
                .is_none_or(|s| s.trim().eq_ignore_ascii_case("available"));
            let declared = self.nat_enis.get(&i).cloned().unwrap_or_default();
            let eni = match declared.as_slice() {
                [] => {
                    // The NAT's own `public_ip` is in the model only through
                    // the derived interface.
                    if let (Some(a), Some(at)) = (public_ip, &n.public_ip) {
                        self.public_used.push((a, ctx.clone(), at.pos));
                    }
                    self.derive_nat_eni(i, n, subnet, vpc, scidr, public, private_ip, public_ip)
                }
                [one, rest @ ..] => {
                    for extra in rest {
                        let first = self
                            .t
                            .enis
                            .get(*one)
                            .map(|x| (x.meta.name.clone(), x.meta.pos));
                        let (fname, fpos) = first.unwrap_or_default();
                        let (ename, epos) = self
                            .t
                            .enis
                            .get(*extra)
                            .map(|x| (x.meta.name.clone(), x.meta.pos))
                            .unwrap_or_default();
                        self.err(
                            epos,
                            format!(
                                "{ctx} has two network interfaces: `{fname}`{} and `{ename}`",
                                at_line(fpos)
                            ),
                            Some("a nat gateway has exactly one network interface".into()),
                        );
                    }
                    let (esub, ename, epos) = self
                        .t
                        .enis
                        .get(*one)
                        .map(|x| (x.subnet, x.meta.name.clone(), x.meta.pos))
                        .unwrap_or((BAD, String::new(), Pos::default()));
                    if subnet != BAD && esub != BAD && esub != subnet {
                        self.err(
                            epos,
                            format!(
                                "network interface `{ename}` of {ctx} is not in the nat gateway's subnet `{}`",
                                n.subnet.value
                            ),
                            None,
                        );
                    }
                    *one
                }
            };
            self.t.nats.push(r::Nat {
                meta: meta(&n.name, &n.aws_id),
                subnet,
                public,
                available,
                eni,
            });
        }
    }

    /// The interface of a NAT gateway that declares none (C-7.1): in its
    /// subnet, at `private_ip` or the first free address, mapped to its EIP.
    #[allow(
        clippy::too_many_arguments,
        reason = "one call site; the values are computed there"
    )]
    pub(super) fn derive_nat_eni(
        &mut self,
        nat: r::NatId,
        n: &f::NatGateway,
        subnet: r::SubnetId,
        vpc: r::VpcId,
        scidr: Option<Ipv4Net>,
        public: bool,
        private_ip: Option<(Ipv4Addr, Pos)>,
        public_ip: Option<Ipv4Addr>,
    ) -> r::EniId {
        let ctx = format!("nat gateway `{}`", n.name.value);
        let addr = match (private_ip, scidr) {
            (Some((a, pos)), _) => {
                self.use_address(vpc, IpAddr::V4(a), &ctx, pos);
                Some(a)
            }
            (None, Some(c)) => {
                let found = values::free_v4(c, |a| self.is_free(vpc, IpAddr::V4(a)));
                match found {
                    Some(a) => self.use_address(vpc, IpAddr::V4(a), &ctx, n.name.pos),
                    None => self.err(
                        n.subnet.pos,
                        format!("subnet `{}` has no free address for {ctx}", n.subnet.value),
                        None,
                    ),
                }
                found
            }
            (None, None) => {
                if subnet != BAD {
                    self.err(
                        n.subnet.pos,
                        format!(
                            "{ctx} is in subnet `{}`, which has no IPv4 CIDR",
                            n.subnet.value
                        ),
                        None,
                    );
                }
                None
            }
        };
        let public_map = public.then_some(match public_ip {
            Some(a) => PublicIp::Known { addr: a, eip: true },
            None => PublicIp::Auto,
        });
        let name = self.unique_name(format!("{}-eni", n.name.value));
        let id = self.t.enis.len();
        self.derived_names
            .push((name.clone(), ResourceRef::Eni(id)));
        self.t.enis.push(r::Eni {
            meta: Meta {
                name,
                aws_id: None,
                pos: Pos::default(),
            },
            subnet,
            vpc,
            instance: None,
            owner: EniOwner::Nat(nat),
            private_ips: addr
                .map(|a| {
                    vec![r::PrivateIp {
                        addr: a,
                        public: public_map,
                        pos: n.name.pos,
                    }]
                })
                .unwrap_or_default(),
            ipv6_addresses: Vec::new(),
            ipv4_prefixes: Vec::new(),
            ipv6_prefixes: Vec::new(),
            security_groups: Vec::new(),
            source_dest_check: false,
            attached: true,
            derived: true,
        });
        id
    }
}
