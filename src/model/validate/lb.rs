//! Load balancers, listeners, their derived nodes, and target groups.

use super::*;

impl V<'_> {
    pub(super) fn load_balancers(&mut self) {
        for (i, lb) in self.src.load_balancers.iter().enumerate() {
            let ctx = format!("load balancer `{}`", lb.name.value);
            let kind = self.choice(
                &lb.kind,
                &[
                    ("application", LbKind::Application),
                    ("network", LbKind::Network),
                    ("classic", LbKind::Classic),
                ],
                "load balancer type",
                &ctx,
            );
            let internet_facing = self
                .choice(
                    &lb.scheme,
                    &[("internet-facing", true), ("internal", false)],
                    "scheme",
                    &ctx,
                )
                .unwrap_or(false);
            // (dualstack, public IPv4 on internet-facing nodes)
            let (dualstack, public_v4) = match &lb.ip_address_type {
                None => (false, true),
                Some(t) => self
                    .choice(
                        t,
                        &[
                            ("ipv4", (false, true)),
                            ("dualstack", (true, true)),
                            ("dualstack-without-public-ipv4", (true, false)),
                        ],
                        "ip_address_type",
                        &ctx,
                    )
                    .unwrap_or((false, true)),
            };
            let mut subnets = Vec::with_capacity(lb.subnets.len());
            let mut vpc = BAD;
            let mut first_subnet: Option<&str> = None;
            for s in &lb.subnets {
                let id = self.lookup1(s, Kind::Subnet, &ctx);
                let sv = self.subnet_vpc(id);
                if sv != BAD {
                    match first_subnet {
                        None => {
                            vpc = sv;
                            first_subnet = Some(&s.value);
                        }
                        Some(fs) if sv != vpc => {
                            let msg = format!(
                                "{ctx} has subnets in two vpcs: `{fs}` is in vpc `{}`, `{}` in vpc `{}`",
                                self.vpc_name(vpc),
                                s.value,
                                self.vpc_name(sv)
                            );
                            self.err(
                                s.pos,
                                msg,
                                Some("all subnets of a load balancer are in one vpc".into()),
                            );
                        }
                        Some(_) => {}
                    }
                }
                if id != BAD && !subnets.contains(&id) {
                    subnets.push(id);
                }
            }
            if lb.subnets.is_empty() {
                self.err(lb.name.pos, format!("{ctx} has no subnets"), None);
            }
            let security_groups = self.sg_list(&lb.security_groups, &ctx, vpc);
            if kind == Some(LbKind::Application) && lb.security_groups.is_empty() {
                // C-14.3: an ALB always has at least one security group. With
                // none, its nodes would admit nothing, and a check would prove
                // it closed (fail open).
                self.err(
                    lb.name.pos,
                    format!("{ctx} is an application load balancer with no security groups"),
                    Some("list its security groups: an application load balancer always has at least one".into()),
                );
            }
            if kind == Some(LbKind::Classic) && lb.security_groups.is_empty() {
                // C-14.5: a classic load balancer in a VPC always has a
                // group (AWS gives it the VPC's default group when none is
                // named). With none its nodes would admit nothing (fail open).
                self.err(
                    lb.name.pos,
                    format!("{ctx} is a classic load balancer with no security groups"),
                    Some("list its security groups: in a VPC a classic load balancer always has at least one (the VPC's default group when none was named)".into()),
                );
            }
            self.classic_only_fields(lb, kind, &ctx);
            let listeners = self.listeners(lb, kind, &ctx);
            let declared = self.lb_enis.get(&i).cloned().unwrap_or_default();
            if matches!(kind, Some(LbKind::Application | LbKind::Classic)) {
                // The nodes carry the ALB's groups; a declared node without
                // any would admit nothing (fail open), like the ALB above.
                for &e in &declared {
                    let Some(src) = self.src.network_interfaces.get(e) else {
                        continue;
                    };
                    if src.security_groups.is_empty() {
                        self.err(
                            src.name.pos,
                            format!(
                                "network interface `{}` is a node of {} {ctx}, but has no security groups",
                                src.name.value,
                                kind.map_or("", LbKind::word)
                            ),
                            Some("list the load balancer's security groups on it".into()),
                        );
                    }
                }
            }
            let (enis, nodes_derived) = if declared.is_empty() {
                let mut enis = Vec::with_capacity(subnets.len());
                for &s in &subnets {
                    enis.push(self.derive_lb_node(
                        i,
                        lb,
                        s,
                        internet_facing && public_v4,
                        dualstack,
                        &security_groups,
                    ));
                }
                (enis, true)
            } else {
                (declared, false)
            };
            self.t.load_balancers.push(r::LoadBalancer {
                meta: meta(&lb.name, &lb.aws_id),
                kind: kind.unwrap_or(LbKind::Application),
                internet_facing,
                dualstack,
                vpc,
                subnets,
                security_groups,
                listeners,
                enis,
                nodes_derived,
                cross_zone: if kind == Some(LbKind::Classic) {
                    lb.cross_zone
                } else {
                    Some(true)
                },
            });
            if kind == Some(LbKind::Classic) {
                self.classic_instances(i, lb, vpc, &ctx);
            }
        }
    }

    /// `instances`, `cross_zone`, `instance_protocol` and `instance_port`
    /// belong to classic load balancers, `target_group` to the others.
    fn classic_only_fields(&mut self, lb: &f::LoadBalancer, kind: Option<LbKind>, ctx: &str) {
        let Some(kind) = kind else { return };
        let classic = kind == LbKind::Classic;
        let mut wrong: Vec<(Pos, &str)> = Vec::new();
        if !classic {
            if let Some(i) = lb.instances.first() {
                wrong.push((i.pos, "instances"));
            }
            if lb.cross_zone.is_some() {
                wrong.push((lb.name.pos, "cross_zone"));
            }
        }
        for l in &lb.listeners {
            if classic {
                if let Some(t) = &l.target_group {
                    wrong.push((t.pos, "target_group"));
                }
                if l.instance_port.is_none() {
                    self.err(
                        l.pos,
                        format!("a listener of classic {ctx} has no `instance_port`"),
                        Some("a classic listener forwards to its registered instances: set `instance_protocol` and `instance_port`".into()),
                    );
                }
            } else {
                if let Some(p) = &l.instance_protocol {
                    wrong.push((p.pos, "instance_protocol"));
                }
                if let Some(p) = &l.instance_port {
                    wrong.push((p.pos, "instance_port"));
                }
            }
        }
        for (pos, field) in wrong {
            let help = if classic {
                "a classic listener forwards to the load balancer's `instances` on `instance_port`; remove `target_group`".to_string()
            } else {
                format!(
                    "`{field}` is for `type: classic`; an {} load balancer forwards through target groups",
                    kind.word()
                )
            };
            self.err(
                pos,
                format!(
                    "{ctx} is {} load balancer, which has no `{field}`",
                    article(kind)
                ),
                Some(help),
            );
        }
    }

    /// The registered instances of classic load balancer `i`: one derived
    /// target group per listener, on its instance port (C-14.5). Instances
    /// outside the load balancer's VPC cannot be registered.
    fn classic_instances(&mut self, i: r::LbId, lb: &f::LoadBalancer, vpc: r::VpcId, ctx: &str) {
        let mut targets: Vec<(r::EniId, Pos)> = Vec::new();
        for name in &lb.instances {
            let Some((k, id)) = self.lookup(
                name,
                &[Kind::Instance, Kind::Eni],
                "instance or network interface",
                ctx,
            ) else {
                continue;
            };
            let eni = match k {
                Kind::Instance => match self.primary_eni(id, name, ctx) {
                    Some(e) => e,
                    None => continue,
                },
                _ => id,
            };
            let ev = self.t.enis.get(eni).map_or(BAD, |e| e.vpc);
            if vpc != BAD && ev != BAD && ev != vpc {
                let msg = format!(
                    "{ctx} registers `{}`, which is in vpc `{}`, not the load balancer's vpc `{}`",
                    name.value,
                    self.vpc_name(ev),
                    self.vpc_name(vpc)
                );
                self.err(
                    name.pos,
                    msg,
                    Some("a classic load balancer registers only instances of its own vpc".into()),
                );
                continue;
            }
            if !targets.iter().any(|(e, _)| *e == eni) {
                targets.push((eni, name.pos));
            }
        }
        let Some(resolved) = self.t.load_balancers.get(i) else {
            return;
        };
        let mut pending = Vec::new();
        for (j, (l, src)) in resolved
            .listeners
            .iter()
            .zip(lb.listeners.iter().filter(|l| l.target_group.is_none()))
            .enumerate()
        {
            let Some(port) = src.instance_port.as_ref() else {
                continue;
            };
            pending.push((j, l.pos, src.instance_protocol.clone(), port.clone()));
        }
        for (j, pos, proto, port) in pending {
            let protocol = match &proto {
                Some(p) => self.lb_protocol(p, CLASSIC_PROTOCOLS, "a classic", ctx),
                None => {
                    self.err(
                        pos,
                        format!("a listener of classic {ctx} has no `instance_protocol`"),
                        Some(format!("expected {}", one_of(CLASSIC_PROTOCOLS))),
                    );
                    None
                }
            };
            let port = self.port_1_65535(&port, "instance port", ctx);
            let (Some(protocol), Some(port)) = (protocol, port) else {
                continue;
            };
            let lport = self.t.load_balancers[i].listeners[j].port;
            self.classic_tgs.push((
                i,
                j,
                r::TargetGroup {
                    meta: Meta {
                        name: format!("{}:{lport}", lb.name.value),
                        aws_id: None,
                        pos,
                    },
                    target_type: TargetType::Instance,
                    protocol,
                    port,
                    preserve_client_ip: false,
                    targets: targets
                        .iter()
                        .map(|&(e, pos)| r::Target {
                            target: TargetRef::Eni(e),
                            port,
                            pos,
                        })
                        .collect(),
                },
            ));
        }
    }

    /// The derived target groups of classic load balancers, after the
    /// file's own, and their listeners pointed at them.
    pub(super) fn classic_target_groups(&mut self) {
        for (lb, j, tg) in std::mem::take(&mut self.classic_tgs) {
            let id = self.t.target_groups.len();
            self.t.target_groups.push(tg);
            if let Some(l) = self
                .t
                .load_balancers
                .get_mut(lb)
                .and_then(|x| x.listeners.get_mut(j))
            {
                l.target_group = Some(id);
            }
        }
    }

    pub(super) fn listeners(
        &mut self,
        lb: &f::LoadBalancer,
        kind: Option<LbKind>,
        ctx: &str,
    ) -> Vec<r::Listener> {
        let mut out = Vec::with_capacity(lb.listeners.len());
        for l in &lb.listeners {
            let protocol = match kind {
                Some(LbKind::Application) => {
                    self.lb_protocol(&l.protocol, &["HTTP", "HTTPS"], "an application", ctx)
                }
                Some(LbKind::Network) => self.lb_protocol(
                    &l.protocol,
                    &["TCP", "TLS", "UDP", "TCP_UDP"],
                    "a network",
                    ctx,
                ),
                Some(LbKind::Classic) => {
                    if l.target_group.is_some() {
                        // Reported by `classic_only_fields`; left out here so
                        // the listeners line up with the instance ports.
                        continue;
                    }
                    self.lb_protocol(&l.protocol, CLASSIC_PROTOCOLS, "a classic", ctx)
                }
                None => None,
            };
            let port = self.port_1_65535(&l.port, "listener port", ctx);
            let target_group = l
                .target_group
                .as_ref()
                .map(|t| self.lookup1(t, Kind::TargetGroup, ctx));
            if kind == Some(LbKind::Classic) {
                // Keep one resolved listener per classic listener, so the
                // instance ports line up; an invalid one accepts nothing.
                out.push(r::Listener {
                    protocol: protocol.unwrap_or(LbProtocol::Tcp),
                    port: port.unwrap_or(0),
                    target_group: None,
                    pos: l.pos,
                });
                continue;
            }
            if let (Some(protocol), Some(port)) = (protocol, port) {
                out.push(r::Listener {
                    protocol,
                    port,
                    target_group: target_group.filter(|&t| t != BAD),
                    pos: l.pos,
                });
            }
        }
        out
    }

    /// A listener protocol valid for the load balancer type (C-14.3, C-14.4).
    pub(super) fn lb_protocol(
        &mut self,
        p: &Sp<String>,
        valid: &[&str],
        lb_kind: &str,
        ctx: &str,
    ) -> Option<LbProtocol> {
        let t = p.value.trim();
        match parse_lb_protocol(t) {
            Some(proto) if valid.iter().any(|v| v.eq_ignore_ascii_case(t)) => Some(proto),
            Some(_) => {
                self.err(
                    p.pos,
                    format!("{ctx} is {lb_kind} load balancer, which has no `{t}` listeners"),
                    Some(format!(
                        "{lb_kind} load balancer listens on {}",
                        one_of(valid)
                    )),
                );
                None
            }
            None => {
                let help = did_you_mean(&t.to_ascii_uppercase(), valid.iter().copied())
                    .or_else(|| Some(format!("expected {}", one_of(valid))));
                self.err(
                    p.pos,
                    format!("invalid listener protocol `{t}` in {ctx}"),
                    help,
                );
                None
            }
        }
    }

    pub(super) fn port_1_65535(&mut self, p: &Sp<u32>, what: &str, ctx: &str) -> Option<u16> {
        match u16::try_from(p.value) {
            Ok(port) if port >= 1 => Some(port),
            _ => {
                self.err(
                    p.pos,
                    format!(
                        "invalid {what} `{}` in {ctx}: ports are 1 to 65535",
                        p.value
                    ),
                    None,
                );
                None
            }
        }
    }

    /// One node interface of a load balancer that declares none (C-14.1):
    /// a free private IPv4, public when internet-facing, and a free IPv6
    /// address when dualstack.
    pub(super) fn derive_lb_node(
        &mut self,
        lb: r::LbId,
        src: &f::LoadBalancer,
        subnet: r::SubnetId,
        public: bool,
        dualstack: bool,
        sgs: &[r::SgId],
    ) -> r::EniId {
        let (sname, vpc, cidr, cidr6) = self
            .t
            .subnets
            .get(subnet)
            .map(|s| (s.meta.name.clone(), s.vpc, s.cidr, s.ipv6_cidr))
            .unwrap_or((String::new(), BAD, None, None));
        let name = self.unique_name(format!("{}-{sname}", src.name.value));
        let who = format!("load balancer node `{name}`");
        let mut private_ips = Vec::new();
        if let Some(c) = cidr {
            match values::free_v4(c, |a| self.is_free(vpc, IpAddr::V4(a))) {
                Some(a) => {
                    self.use_address(vpc, IpAddr::V4(a), &who, src.name.pos);
                    private_ips.push(r::PrivateIp {
                        addr: a,
                        public: public.then_some(PublicIp::Auto),
                        pos: src.name.pos,
                    });
                }
                None => self.err(
                    src.name.pos,
                    format!(
                        "subnet `{sname}` has no free address for load balancer `{}`",
                        src.name.value
                    ),
                    None,
                ),
            }
        }
        let mut ipv6_addresses = Vec::new();
        if dualstack
            && let Some(c) = cidr6
            && let Some(a) = values::free_v6(c, |a| self.is_free(vpc, IpAddr::V6(a)))
        {
            self.use_address(vpc, IpAddr::V6(a), &who, src.name.pos);
            ipv6_addresses.push(a);
        }
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
            owner: EniOwner::LoadBalancer(lb),
            private_ips,
            ipv6_addresses,
            ipv4_prefixes: Vec::new(),
            ipv6_prefixes: Vec::new(),
            security_groups: sgs.to_vec(),
            source_dest_check: false,
            attached: true,
            derived: true,
        });
        id
    }

    pub(super) fn target_groups(&mut self) {
        for tg in &self.src.target_groups {
            let ctx = format!("target group `{}`", tg.name.value);
            let target_type = self.choice(
                &tg.target_type,
                &[("instance", TargetType::Instance), ("ip", TargetType::Ip)],
                "target_type",
                &ctx,
            );
            let protocol = {
                let t = tg.protocol.value.trim();
                let p = parse_lb_protocol(t).filter(|p| *p != LbProtocol::Ssl);
                if p.is_none() {
                    let help = did_you_mean(
                        &t.to_ascii_uppercase(),
                        LB_PROTOCOLS.iter().map(|(n, _)| *n),
                    )
                    .or_else(|| {
                        Some(format!(
                            "expected {}",
                            one_of(&LB_PROTOCOLS.iter().map(|(n, _)| *n).collect::<Vec<_>>())
                        ))
                    });
                    self.err(
                        tg.protocol.pos,
                        format!("invalid protocol `{t}` in {ctx}"),
                        help,
                    );
                }
                p
            };
            let port = self.port_1_65535(&tg.port, "port", &ctx);
            // C-14.4: client IP preservation defaults.
            let default_preserve = match (protocol, target_type) {
                (Some(LbProtocol::Http | LbProtocol::Https), _) => false,
                (_, Some(TargetType::Instance)) => true,
                (Some(LbProtocol::Udp | LbProtocol::TcpUdp), _) => true,
                _ => false,
            };
            if tg.preserve_client_ip == Some(false)
                && target_type == Some(TargetType::Ip)
                && matches!(protocol, Some(LbProtocol::Udp | LbProtocol::TcpUdp))
            {
                self.err(
                    tg.name.pos,
                    format!("{ctx} turns off client IP preservation, which is always on for ip targets over UDP"),
                    Some("remove `preserve_client_ip: false`".into()),
                );
            }
            let mut targets = Vec::with_capacity(tg.targets.len());
            for t in &tg.targets {
                if let Some(x) = self.target(t, target_type, &ctx, port) {
                    targets.push(x);
                }
            }
            if let (Some(target_type), Some(protocol), Some(port)) = (target_type, protocol, port) {
                self.t.target_groups.push(r::TargetGroup {
                    meta: meta(&tg.name, &tg.aws_id),
                    target_type,
                    protocol,
                    port,
                    preserve_client_ip: tg.preserve_client_ip.unwrap_or(default_preserve),
                    targets,
                });
            } else {
                // Keep indices aligned with the file; this topology has errors.
                self.t.target_groups.push(r::TargetGroup {
                    meta: meta(&tg.name, &tg.aws_id),
                    target_type: TargetType::Ip,
                    protocol: LbProtocol::Tcp,
                    port: 1,
                    preserve_client_ip: false,
                    targets,
                });
            }
        }
    }

    pub(super) fn target(
        &mut self,
        t: &Sp<f::Target>,
        tt: Option<TargetType>,
        ctx: &str,
        tg_port: Option<u16>,
    ) -> Option<r::Target> {
        let port = match &t.port {
            Some(p) => self.port_1_65535(p, "target port", ctx),
            None => tg_port,
        };
        let target = match (&t.instance, &t.ip) {
            (Some(i), None) => {
                if tt == Some(TargetType::Ip) {
                    self.err(
                        i.pos,
                        format!(
                            "{ctx} has target_type `ip`, but a target names instance `{}`",
                            i.value
                        ),
                        Some("write `ip: <address>`, or set `target_type: instance`".into()),
                    );
                    return None;
                }
                let (kind, id) = self.lookup(
                    i,
                    &[Kind::Instance, Kind::Eni],
                    "instance or network interface",
                    ctx,
                )?;
                match kind {
                    Kind::Instance => TargetRef::Eni(self.primary_eni(id, i, ctx)?),
                    _ => TargetRef::Eni(id),
                }
            }
            (None, Some(ip)) => {
                if tt == Some(TargetType::Instance) {
                    self.err(
                        ip.pos,
                        format!(
                            "{ctx} has target_type `instance`, but a target is the address `{}`",
                            ip.value
                        ),
                        Some("write `instance: <name>`, or set `target_type: ip`".into()),
                    );
                    return None;
                }
                TargetRef::Ip(
                    values::ip(&ip.value, ctx)
                        .map_err(|p| self.problem(ip.pos, p))
                        .ok()?,
                )
            }
            (Some(_), Some(_)) => {
                self.err(
                    t.pos,
                    format!("a target of {ctx} sets both `instance` and `ip`"),
                    Some("set exactly one".into()),
                );
                return None;
            }
            (None, None) => {
                self.err(
                    t.pos,
                    format!("a target of {ctx} sets neither `instance` nor `ip`"),
                    Some("set exactly one".into()),
                );
                return None;
            }
        };
        Some(r::Target {
            target,
            port: port?,
            pos: t.pos,
        })
    }

    /// An instance's primary interface (its first, in file order).
    pub(super) fn primary_eni(
        &mut self,
        inst: r::InstanceId,
        at: &Sp<String>,
        ctx: &str,
    ) -> Option<r::EniId> {
        let first = self
            .t
            .instances
            .get(inst)
            .and_then(|i| i.enis.first().copied());
        if first.is_none() {
            self.err(
                at.pos,
                format!(
                    "{ctx} refers to instance `{}`, which has no network interface",
                    at.value
                ),
                Some("declare a network interface with `instance:` naming it".into()),
            );
        }
        first
    }
}

pub(super) const LB_PROTOCOLS: &[(&str, LbProtocol)] = &[
    ("HTTP", LbProtocol::Http),
    ("HTTPS", LbProtocol::Https),
    ("TCP", LbProtocol::Tcp),
    ("TLS", LbProtocol::Tls),
    ("UDP", LbProtocol::Udp),
    ("TCP_UDP", LbProtocol::TcpUdp),
];

/// The listener and instance protocols of a classic load balancer (C-14.5).
pub(super) const CLASSIC_PROTOCOLS: &[&str] = &["HTTP", "HTTPS", "TCP", "SSL"];

/// A listener protocol of any kind of load balancer; `SSL` only exists on
/// classic ones, which [`V::lb_protocol`] checks.
pub(super) fn parse_lb_protocol(t: &str) -> Option<LbProtocol> {
    if t.eq_ignore_ascii_case("SSL") {
        return Some(LbProtocol::Ssl);
    }
    LB_PROTOCOLS
        .iter()
        .find(|(n, _)| n.eq_ignore_ascii_case(t))
        .map(|(_, p)| *p)
}

/// "an application", "a network", "a classic".
fn article(kind: LbKind) -> &'static str {
    match kind {
        LbKind::Application => "an application",
        LbKind::Network => "a network",
        LbKind::Classic => "a classic",
    }
}
