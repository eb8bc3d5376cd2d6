//! Network interfaces, instances, load balancers and their targets, and the
//! planted violations. A child module of `generator`.

use std::fmt::Write as _;
use std::net::{Ipv4Addr, Ipv6Addr};

use anyhow::{Result, bail};

use super::*;

impl Gen {
    // ----- interfaces and instances ----------------------------------------

    #[expect(
        clippy::too_many_arguments,
        reason = "one flat writer for every kind of interface"
    )]
    pub(super) fn eni(
        &mut self,
        name: &str,
        subnet: &str,
        instance: Option<&str>,
        owner: Option<String>,
        ips: &[(Ipv4Addr, Public)],
        v6: Option<Ipv6Addr>,
        sgs: &[String],
        managed: bool,
        comment: Option<&str>,
    ) -> Result<()> {
        let id = self.id("eni");
        let out = &mut self.s.network_interfaces;
        if let Some(c) = comment {
            writeln!(out, "  # {c}")?;
        }
        write!(out, "  - {{name: {name}, aws_id: {id}, subnet: {subnet}")?;
        if let Some(i) = instance {
            write!(out, ", instance: {i}")?;
        }
        if let Some(o) = owner {
            write!(out, ", owner: {o}")?;
        }
        write!(out, ", private_ips: [")?;
        for (k, (a, p)) in ips.iter().enumerate() {
            if k > 0 {
                write!(out, ", ")?;
            }
            match p {
                Public::None => write!(out, "{{address: {a}}}")?,
                Public::Auto => write!(out, "{{address: {a}, public_ip: auto}}")?,
                Public::Eip(ip, alloc) => write!(
                    out,
                    "{{address: {a}, public_ip: {ip}, eip_allocation: {alloc}}}"
                )?,
            }
            if !matches!(p, Public::None) {
                self.n.public_ipv4 += 1;
            }
        }
        write!(out, "]")?;
        if let Some(a) = v6 {
            write!(out, ", ipv6_addresses: [{}]", q(a))?;
            self.n.ipv6_addresses += 1;
        }
        if !sgs.is_empty() {
            write!(out, ", security_groups: [{}]", sgs.join(", "))?;
        }
        if managed {
            write!(out, ", source_dest_check: false")?;
        }
        writeln!(out, "}}")?;
        self.n.network_interfaces += 1;
        Ok(())
    }

    /// A workload interface in subnet `si`, with its instance unless it
    /// belongs to a service. Returns the instance (or interface) name and
    /// its primary address.
    fn workload(&mut self, v: &mut Vpc, si: usize, w: Workload<'_>) -> Result<(String, Ipv4Addr)> {
        v.workloads += 1;
        let base = format!("{}-{}-{}", v.p, w.role, v.workloads);
        let eni_name = w.eni_name.clone().unwrap_or_else(|| format!("{base}-eni"));
        let Some(sn) = v.subnets.get_mut(si) else {
            bail!("no subnet {si} in `{}`", v.name);
        };
        let primary = sn.take_v4(&mut self.rng)?;
        let mut ips = vec![(primary, self.public(w.public)?)];
        if let Some(k) = w.secondary {
            let a = sn.take_v4(&mut self.rng)?;
            ips.push((a, self.public(k)?));
        }
        let v6 = if w.v6 {
            sn.take_v6(&mut self.rng)
        } else {
            None
        };
        let subnet = sn.name.clone();
        let (instance, owner) = match w.service {
            Some(s) => (None, Some(format!("{{service: {s}}}"))),
            None => {
                let id = self.id("i");
                writeln!(
                    self.s.instances,
                    "  - {{name: {base}, aws_id: {id}, tags: {{Name: {base}, Role: {}, Environment: {}}}}}",
                    w.role, v.env
                )?;
                self.n.instances += 1;
                (Some(base.as_str()), None)
            }
        };
        self.eni(
            &eni_name,
            &subnet,
            instance,
            owner,
            &ips,
            v6,
            &w.sgs,
            false,
            w.comment.as_deref(),
        )?;
        Ok((if w.service.is_some() { eni_name } else { base }, primary))
    }

    fn random_subnet(&mut self, v: &Vpc, tier: Tier) -> usize {
        let all = v.subnets_of(tier);
        all.get(self.rng.below(all.len())).copied().unwrap_or(0)
    }

    /// Up to `max` distinct pool SGs.
    fn some_pool(&mut self, v: &Vpc, max: usize) -> Vec<String> {
        let n = self.rng.range(0, max).min(v.pool.len());
        let start = self.rng.below(v.pool.len());
        (0..n)
            .filter_map(|k| v.pool.get((start + k) % v.pool.len()).cloned())
            .collect()
    }

    /// One to five distinct groups of the VPC's pool and its `app` group,
    /// in a random order ([`Shape::SgCombos`]): with about fifty groups a
    /// VPC, almost every interface gets a combination of its own.
    fn combination(&mut self, v: &Vpc) -> Vec<String> {
        let mut all: Vec<String> = v.pool.clone();
        all.push(v.sg("app"));
        let k = self.rng.range(1, 5).min(all.len());
        let mut out = Vec::with_capacity(k);
        for _ in 0..k {
            let i = self.rng.below(all.len());
            out.push(all.swap_remove(i));
        }
        out
    }

    pub(super) fn load_balancer(&mut self, v: &mut Vpc, g: usize, kind: LbKind) -> Result<()> {
        let name = lb_name(v, g, kind);
        let dual = v.v6.is_some() && kind == LbKind::PublicAlb;
        let node_tier = match kind {
            LbKind::PublicAlb | LbKind::PublicNlb => Tier::Public,
            LbKind::InternalAlb => Tier::App,
        };
        // NLBs here have no security groups: all client traffic reaches the
        // listeners (C-14.4).
        let sgs: Vec<String> = if kind == LbKind::PublicNlb {
            Vec::new()
        } else {
            vec![format!("{name}-sg")]
        };
        // Node interfaces, one per AZ.
        let mut subnets = Vec::new();
        for (az, letter) in AZS.iter().enumerate() {
            let si = v.subnet_of(node_tier, az);
            let Some(sn) = v.subnets.get_mut(si) else {
                continue;
            };
            let addr = sn.take_v4(&mut self.rng)?;
            let v6 = if dual {
                sn.take_v6(&mut self.rng)
            } else {
                None
            };
            let subnet = sn.name.clone();
            let public = match kind {
                LbKind::PublicAlb => Public::Auto,
                LbKind::PublicNlb => self.eip()?,
                LbKind::InternalAlb => Public::None,
            };
            self.eni(
                &format!("{name}-eni-{letter}"),
                &subnet,
                None,
                Some(format!("{{load_balancer: {name}}}")),
                &[(addr, public)],
                v6,
                &sgs,
                true,
                None,
            )?;
            subnets.push(subnet);
        }

        // Targets.
        let mut listeners = Vec::new();
        let tg = format!("{name}-tg");
        match kind {
            LbKind::PublicAlb | LbKind::InternalAlb => {
                let mut targets = Vec::new();
                for k in 0..4 {
                    let si = v.subnet_of(Tier::App, k % AZS.len());
                    let has_v6 = v.subnets.get(si).is_some_and(|s| s.v6.is_some());
                    let mut sgs = vec![v.sg("web")];
                    sgs.extend(self.some_pool(v, 2));
                    let w = Workload {
                        v6: has_v6 && self.rng.percent(50),
                        ..Workload::new("web", sgs)
                    };
                    let (inst, _) = self.workload(v, si, w)?;
                    targets.push(format!("{{instance: {inst}}}"));
                }
                self.target_group(&tg, "instance", "HTTP", 8080, &targets)?;
                if kind == LbKind::PublicAlb {
                    listeners.push(format!("{{protocol: HTTP, port: 80, target_group: {tg}}}"));
                }
                listeners.push(format!(
                    "{{protocol: HTTPS, port: 443, target_group: {tg}}}"
                ));
            }
            LbKind::PublicNlb => {
                let mut by_instance = Vec::new();
                let mut by_ip = Vec::new();
                for k in 0..2 {
                    let si = v.subnet_of(Tier::App, k % AZS.len());
                    let mut sgs = vec![v.sg("nlb-target")];
                    sgs.extend(self.some_pool(v, 1));
                    let (inst, addr) = self.workload(v, si, Workload::new("mqtt", sgs))?;
                    by_instance.push(format!("{{instance: {inst}}}"));
                    by_ip.push(format!("{{ip: {addr}}}"));
                }
                let ip_tg = format!("{name}-ip-tg");
                self.target_group(&tg, "instance", "TCP", 8883, &by_instance)?;
                self.target_group(&ip_tg, "ip", "TCP", 8883, &by_ip)?;
                listeners.push(format!("{{protocol: TCP, port: 8883, target_group: {tg}}}"));
                listeners.push(format!(
                    "{{protocol: TLS, port: 443, target_group: {ip_tg}}}"
                ));
            }
        }

        let (ty, scheme, short) = match kind {
            LbKind::PublicAlb => ("application", "internet-facing", "app"),
            LbKind::PublicNlb => ("network", "internet-facing", "net"),
            LbKind::InternalAlb => ("application", "internal", "app"),
        };
        let arn = self.arn(&format!("loadbalancer/{short}"), &name);
        let out = &mut self.s.load_balancers;
        writeln!(
            out,
            "  - name: {name}\n    aws_id: {arn}\n    type: {ty}\n    scheme: {scheme}"
        )?;
        if dual {
            writeln!(out, "    ip_address_type: dualstack")?;
        }
        writeln!(out, "    subnets: [{}]", subnets.join(", "))?;
        if !sgs.is_empty() {
            writeln!(out, "    security_groups: [{}]", sgs.join(", "))?;
        }
        writeln!(out, "    listeners:")?;
        for l in &listeners {
            writeln!(out, "      - {l}")?;
        }
        self.n.load_balancers += 1;
        Ok(())
    }

    fn target_group(
        &mut self,
        name: &str,
        target_type: &str,
        protocol: &str,
        port: u16,
        targets: &[String],
    ) -> Result<()> {
        let arn = self.arn("targetgroup", name);
        let out = &mut self.s.target_groups;
        writeln!(
            out,
            "  - name: {name}\n    aws_id: {arn}\n    target_type: {target_type}\n    protocol: {protocol}\n    port: {port}\n    targets:"
        )?;
        for t in targets {
            writeln!(out, "      - {t}")?;
        }
        self.n.target_groups += 1;
        self.n.targets += targets.len();
        Ok(())
    }

    /// The roles every VPC has: a bastion (every other VPC), hosts with a
    /// public IP behind closed SGs or NACLs, databases, Lambda functions,
    /// management hosts, and the heavy interfaces.
    pub(super) fn fixed_workloads(&mut self, v: &mut Vpc) -> Result<()> {
        let dual = v.v6.is_some();
        if v.idx.is_multiple_of(2) {
            // The bastion: exposed exactly as the policy allows.
            let si = v.subnet_of(Tier::Public, 0);
            let name = format!("{}-bastion", v.p);
            let Some(sn) = v.subnets.get_mut(si) else {
                bail!("no public subnet in `{}`", v.name);
            };
            let addr = sn.take_v4(&mut self.rng)?;
            let subnet = sn.name.clone();
            let eip = self.eip()?;
            let id = self.id("i");
            writeln!(
                self.s.instances,
                "  - {{name: {name}, aws_id: {id}, tags: {{Name: {name}, Role: bastion, Environment: {}}}}}",
                v.env
            )?;
            self.n.instances += 1;
            self.eni(
                &format!("{name}-eni"),
                &subnet,
                Some(&name),
                None,
                &[(addr, eip)],
                None,
                &[v.sg("bastion")],
                false,
                None,
            )?;
            writeln!(
                self.s.allow,
                "      - {{resource: {name}, ports: [tcp/22], from: [{OFFICE}]}}"
            )?;
            self.n.policy_allowances += 1;
        }
        // Public IPs, closed SGs: nothing from the internet matches.
        for k in 0..2 {
            let si = v.subnet_of(Tier::Public, k + 1);
            let mut sgs = vec![v.sg("public-closed")];
            sgs.extend(self.some_pool(v, 1));
            let w = Workload {
                public: if k == 0 { PubKind::Auto } else { PubKind::Eip },
                ..Workload::new("legacy", sgs)
            };
            self.workload(v, si, w)?;
        }
        // Public IP, SSH open in the SG, denied by the subnet's NACL.
        let si = self.random_subnet(v, Tier::App);
        let w = Workload {
            public: PubKind::Auto,
            ..Workload::new("jump", vec![v.sg("app"), v.sg("ssh-open")])
        };
        self.workload(v, si, w)?;
        // Databases and caches (managed services), Lambda functions.
        let per_vpc = self.p.enis / self.p.vpcs;
        for _ in 0..(per_vpc * 8 / 100).max(2) {
            let si = self.random_subnet(v, Tier::Data);
            let service = if self.rng.percent(70) {
                "rds"
            } else {
                "elasticache"
            };
            let w = Workload {
                service: Some(service),
                ..Workload::new(service, vec![v.sg("db")])
            };
            self.workload(v, si, w)?;
        }
        for _ in 0..(per_vpc * 4 / 100).max(1) {
            let si = self.random_subnet(v, Tier::App);
            let mut sgs = vec![v.sg("app")];
            sgs.extend(self.some_pool(v, 1));
            let w = Workload {
                service: Some("lambda"),
                ..Workload::new("lambda", sgs)
            };
            self.workload(v, si, w)?;
        }

        // Management hosts.
        let si = v.subnet_of(Tier::Mgmt, 0);
        for _ in 0..3 {
            let mut sgs = vec![v.sg("mgmt")];
            sgs.extend(self.some_pool(v, 1));
            let w = Workload {
                v6: dual && self.rng.percent(50),
                ..Workload::new("ops", sgs)
            };
            self.workload(v, si, w)?;
        }
        // The quota maximum: 16 SGs of 60 rules, a 40-rule NACL, a 1,000-route table.
        if v.heavy {
            let si = v.subnet_of(Tier::Heavy, 0);
            let count = (self.p.enis / 100 / self.p.heavy_vpcs.max(1)).max(1);
            for _ in 0..count {
                let w = Workload {
                    v6: dual,
                    ..Workload::new("shared", v.max_sgs.clone())
                };
                self.workload(v, si, w)?;
            }
        }
        Ok(())
    }

    /// An app instance: the app SG and up to three pool SGs, sometimes the
    /// legacy `0.0.0.0/0` rule (never with a public IPv4), a secondary IP,
    /// an IPv6 address in dual-stack VPCs.
    pub(super) fn filler(&mut self, v: &mut Vpc) -> Result<()> {
        let si = self.random_subnet(v, Tier::App);
        let has_v6 = v.subnets.get(si).is_some_and(|s| s.v6.is_some());
        let sgs = if self.p.sg_combos {
            self.combination(v)
        } else {
            let mut sgs = vec![v.sg("app")];
            if self.rng.percent(10) {
                sgs.push(v.sg("open-ipv4"));
            }
            sgs.extend(self.some_pool(v, 3));
            sgs
        };
        let role = self.rng.pick(&APP_ROLES);
        let w = Workload {
            secondary: self.rng.percent(15).then_some(PubKind::None),
            v6: has_v6 && self.rng.percent(50),
            ..Workload::new(role, sgs)
        };
        self.workload(v, si, w)?;
        Ok(())
    }

    /// Plants violation `n` of `kind` in `v`.
    pub(super) fn plant(&mut self, v: &mut Vpc, n: usize, kind: PlantKind) -> Result<()> {
        let eni = format!("planted-{n:03}-{}", kind.slug());
        let sg = |role: &str| format!("{}-{role}-sg-{n}", v.p);
        let app_subnet = self.random_subnet(v, Tier::App);
        let public_subnet = self.random_subnet(v, Tier::Public);
        let (si, w) = match kind {
            PlantKind::UnencryptedDx => {
                bail!("`{eni}`: unencrypted DX paths are planted by the hybrid section")
            }
            PlantKind::PublicIpOpenSg => (
                public_subnet,
                Workload {
                    public: PubKind::Auto,
                    ..Workload::new("legacy-web", vec![v.sg("web"), sg("legacy-web")])
                },
            ),
            PlantKind::EipNatRoutedSubnet => (
                app_subnet,
                Workload {
                    public: PubKind::Eip,
                    ..Workload::new("partner-api", vec![v.sg("app"), sg("partner-api")])
                },
            ),
            PlantKind::EipOnSecondaryIp => (
                app_subnet,
                Workload {
                    secondary: Some(PubKind::Eip),
                    ..Workload::new("api", vec![v.sg("app"), v.sg("open-ipv4")])
                },
            ),
            PlantKind::SgSplitDefaultRoute => (
                app_subnet,
                Workload {
                    public: PubKind::Auto,
                    ..Workload::new("api", vec![v.sg("app"), sg("split")])
                },
            ),
            PlantKind::Ipv6OpenSg => (
                app_subnet,
                Workload {
                    v6: true,
                    ..Workload::new("api", vec![v.sg("app"), sg("v6-api")])
                },
            ),
            PlantKind::NaclAllowBeforeDeny => (
                v.subnet_of(Tier::Mgmt, 0),
                Workload {
                    public: PubKind::Auto,
                    ..Workload::new("ops", vec![v.sg("mgmt"), v.sg("ssh-open")])
                },
            ),
            PlantKind::BastionSshOpen => (
                public_subnet,
                Workload {
                    public: PubKind::Eip,
                    ..Workload::new("bastion-tmp", vec![sg("bastion-open")])
                },
            ),
            PlantKind::SecondWideOpenSg => (
                app_subnet,
                Workload {
                    public: PubKind::Auto,
                    ..Workload::new("api", vec![v.sg("app"), sg("debug")])
                },
            ),
            PlantKind::S3ViaNat | PlantKind::S3RouteOverlap => {
                let own = format!("{}-planted-{n:03}", v.p);
                let si = (0..v.subnets.len())
                    .find(|&i| v.subnets.get(i).is_some_and(|s| s.name == own))
                    .unwrap_or(app_subnet);
                (si, Workload::new("exporter", vec![v.sg("app")]))
            }
        };
        if kind == PlantKind::Ipv6OpenSg && v.subnets.get(si).is_none_or(|s| s.v6.is_none()) {
            bail!("planted `{eni}` needs a dual-stack subnet");
        }
        let w = Workload {
            eni_name: Some(eni.clone()),
            comment: Some(format!("PLANTED ({}): {}", kind.slug(), kind.describe())),
            ..w
        };
        self.workload(v, si, w)?;
        self.planted.push(Planted {
            check: kind.check(),
            resource: eni,
            kind,
            vpc: v.name.clone(),
        });
        Ok(())
    }
}
