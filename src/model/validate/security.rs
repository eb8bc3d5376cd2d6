//! Network ACLs and security groups.

use super::*;

impl V<'_> {
    pub(super) fn nacls(&mut self) {
        for (i, n) in self.src.network_acls.iter().enumerate() {
            let ctx = format!("network acl `{}`", n.name.value);
            let vpc = self.lookup1(&n.vpc, Kind::Vpc, &ctx);
            if n.default
                && let Some(v) = self.t.vpcs.get(vpc)
            {
                if v.default_nacl == BAD {
                    if let Some(v) = self.t.vpcs.get_mut(vpc) {
                        v.default_nacl = i;
                    }
                } else {
                    let first = self
                        .t
                        .nacls
                        .get(v.default_nacl)
                        .map(|x| (x.meta.name.clone(), x.meta.pos));
                    let (fname, fpos) = first.unwrap_or_default();
                    let msg = format!(
                        "vpc `{}` has two default network acls: `{fname}`{} and `{}`",
                        v.meta.name,
                        at_line(fpos),
                        n.name.value
                    );
                    self.err(
                        n.name.pos,
                        msg,
                        Some("a vpc has exactly one default network acl".into()),
                    );
                }
            }
            let ingress = self.nacl_rules(&n.name.value, "ingress", &n.ingress);
            let egress = self.nacl_rules(&n.name.value, "egress", &n.egress);
            self.t.nacls.push(r::Nacl {
                meta: meta(&n.name, &n.aws_id),
                vpc,
                default: n.default,
                synthesized: false,
                ingress,
                egress,
            });
        }
        // C-4.1: a VPC without a declared default NACL gets AWS's default,
        // which allows everything: rule 100 for IPv4, and rule 101 for IPv6
        // when the VPC has IPv6.
        for vi in 0..self.t.vpcs.len() {
            let Some(v) = self.t.vpcs.get(vi) else {
                continue;
            };
            if v.default_nacl != BAD {
                continue;
            }
            let mut rules = vec![allow_all(100, IpNet::V4(Ipv4Net::default()))];
            if !v.ipv6_cidrs.is_empty() {
                rules.push(allow_all(101, IpNet::V6(Ipv6Net::default())));
            }
            let name = self.unique_name(format!("{}-default-nacl", v.meta.name));
            let id = self.t.nacls.len();
            self.derived_names
                .push((name.clone(), ResourceRef::Nacl(id)));
            self.t.nacls.push(r::Nacl {
                meta: Meta {
                    name,
                    aws_id: None,
                    pos: Pos::default(),
                },
                vpc: vi,
                default: true,
                synthesized: true,
                ingress: rules.clone(),
                egress: rules,
            });
            if let Some(v) = self.t.vpcs.get_mut(vi) {
                v.default_nacl = id;
            }
        }
    }

    pub(super) fn nacl_rules(
        &mut self,
        nacl: &str,
        dir: &str,
        rules: &[Sp<f::NaclRule>],
    ) -> Vec<r::NaclRule> {
        let mut out = Vec::with_capacity(rules.len());
        let mut seen: HashMap<u32, Pos> = HashMap::new();
        for rule in rules {
            let num = rule.rule.value;
            let ctx = format!("network acl `{nacl}` {dir} rule {num}");
            let mut ok = true;
            if !(1..=32766).contains(&num) {
                self.err(
                    rule.rule.pos,
                    format!("network acl `{nacl}` {dir} rule number `{num}` is outside 1 to 32766"),
                    None,
                );
                ok = false;
            } else if let Some(first) = seen.get(&num).copied() {
                self.err(
                    rule.rule.pos,
                    format!(
                        "network acl `{nacl}` has two {dir} rules numbered `{num}`{}",
                        at_line(first)
                    ),
                    Some(
                        "rule numbers must be unique within the ingress or the egress rules".into(),
                    ),
                );
                ok = false;
            } else {
                seen.insert(num, rule.rule.pos);
            }
            let allow = self.choice(
                &rule.action,
                &[("allow", true), ("deny", false)],
                "action",
                &ctx,
            );
            let proto_port = self.proto_port(
                &rule.protocol,
                rule.ports.as_ref(),
                rule.icmp_type.as_ref(),
                rule.icmp_code.as_ref(),
                &ctx,
            );
            let cidr = self.cidr(&rule.cidr, &ctx);
            if let (true, Some(allow), Some((proto, port)), Some(cidr)) =
                (ok, allow, proto_port, cidr)
            {
                out.push(r::NaclRule {
                    number: num,
                    allow,
                    proto,
                    port,
                    cidr,
                    pos: rule.pos,
                });
            }
        }
        out.sort_by_key(|r| r.number);
        out
    }

    /// Protocol and port/ICMP match of an SG or NACL rule.
    pub(super) fn proto_port(
        &mut self,
        protocol: &Sp<Scalar>,
        ports: Option<&Sp<Scalar>>,
        icmp_type: Option<&Sp<i32>>,
        icmp_code: Option<&Sp<i32>>,
        ctx: &str,
    ) -> Option<(Proto, PortMatch)> {
        let proto = values::protocol(&protocol.value.0, ctx)
            .map_err(|p| self.problem(protocol.pos, p))
            .ok()?;
        match values::port_match(
            proto,
            ports.map(|p| p.value.0.as_str()),
            icmp_type.map(|v| v.value),
            icmp_code.map(|v| v.value),
            ctx,
        ) {
            Ok(m) => Some((proto, m)),
            Err((field, p)) => {
                let pos = match field {
                    Field::Ports => ports.map(|p| p.pos),
                    Field::IcmpType => icmp_type.map(|v| v.pos),
                    Field::IcmpCode => icmp_code.map(|v| v.pos),
                }
                .unwrap_or(protocol.pos);
                self.problem(pos, p);
                None
            }
        }
    }

    pub(super) fn security_groups(&mut self) {
        for sg in &self.src.security_groups {
            let ctx = format!("security group `{}`", sg.name.value);
            let vpc = self.lookup1(&sg.vpc, Kind::Vpc, &ctx);
            let ingress = self.sg_rules(&sg.name.value, "ingress", &sg.ingress);
            let egress = self.sg_rules(&sg.name.value, "egress", &sg.egress);
            self.t.security_groups.push(r::SecurityGroup {
                meta: meta(&sg.name, &sg.aws_id),
                vpc,
                ingress,
                egress,
            });
        }
    }

    pub(super) fn sg_rules(
        &mut self,
        sg: &str,
        dir: &str,
        rules: &[Sp<f::SgRule>],
    ) -> Vec<r::SgRule> {
        let mut out = Vec::with_capacity(rules.len());
        for (k, rule) in rules.iter().enumerate() {
            let ctx = format!("security group `{sg}` {dir} rule {}", k + 1);
            let proto_port = self.proto_port(
                &rule.protocol,
                rule.ports.as_ref(),
                rule.icmp_type.as_ref(),
                rule.icmp_code.as_ref(),
                &ctx,
            );
            let set: Vec<&str> = [
                rule.cidr.as_ref().map(|_| "`cidr`"),
                rule.prefix_list.as_ref().map(|_| "`prefix_list`"),
                rule.security_group.as_ref().map(|_| "`security_group`"),
            ]
            .into_iter()
            .flatten()
            .collect();
            let peer = match set.len() {
                0 => {
                    self.err(
                        rule.pos,
                        format!("{ctx} has no peer"),
                        Some("set one of `cidr`, `prefix_list` or `security_group`".into()),
                    );
                    None
                }
                1 => {
                    if let Some(c) = &rule.cidr {
                        self.cidr(c, &ctx).map(r::SgPeer::Cidr)
                    } else if let Some(p) = &rule.prefix_list {
                        let id = self.lookup1(p, Kind::PrefixList, &ctx);
                        (id != BAD).then_some(r::SgPeer::PrefixList(id))
                    } else if let Some(g) = &rule.security_group {
                        let id = self.lookup1(g, Kind::SecurityGroup, &ctx);
                        (id != BAD).then_some(r::SgPeer::SecurityGroup(id))
                    } else {
                        None
                    }
                }
                _ => {
                    self.err(
                        rule.pos,
                        format!("{ctx} has several peers ({})", set.join(" and ")),
                        Some("set exactly one peer; write one rule per peer".into()),
                    );
                    None
                }
            };
            if let (Some((proto, port)), Some(peer)) = (proto_port, peer) {
                out.push(r::SgRule {
                    proto,
                    port,
                    peer,
                    pos: rule.pos,
                });
            }
        }
        out
    }

    /// Security groups by name, each in `vpc`.
    pub(super) fn sg_list(&mut self, sgs: &[Sp<String>], ctx: &str, vpc: r::VpcId) -> Vec<r::SgId> {
        let mut out = Vec::with_capacity(sgs.len());
        for sg in sgs {
            let id = self.lookup1(sg, Kind::SecurityGroup, ctx);
            let other = self.t.security_groups.get(id).map_or(BAD, |x| x.vpc);
            self.same_vpc(sg.pos, ctx, vpc, Kind::SecurityGroup, &sg.value, other);
            if id != BAD {
                out.push(id);
            }
        }
        out
    }

    /// The help line for an ordinary interface without security groups:
    /// AWS attaches the VPC's default group when none is chosen, so point at
    /// it, by name when the file seems to declare it.
    pub(super) fn default_sg_help(&self, vpc: r::VpcId) -> String {
        let Some(v) = self.t.vpcs.get(vpc) else {
            return "add the groups the interface has, or its vpc's default security group, which AWS attaches when none is chosen".into();
        };
        let in_vpc = || self.t.security_groups.iter().filter(|g| g.vpc == vpc);
        let default = in_vpc()
            .find(|g| g.meta.name.eq_ignore_ascii_case("default"))
            .or_else(|| in_vpc().find(|g| g.meta.name.to_ascii_lowercase().contains("default")));
        match default {
            Some(g) => format!(
                "add the groups the interface has, or the default security group of vpc `{}`: `security_groups: [{}]`",
                v.meta.name, g.meta.name
            ),
            None => format!(
                "add the groups the interface has, or the default security group of vpc `{}`, which AWS attaches when none is chosen",
                v.meta.name
            ),
        }
    }
}

/// An allow-all NACL rule of AWS's default NACL (C-4.1).
pub(super) fn allow_all(number: u32, cidr: IpNet) -> r::NaclRule {
    r::NaclRule {
        number,
        allow: true,
        proto: Proto::All,
        port: PortMatch::ALL,
        cidr,
        pos: Pos::default(),
    }
}
