//! Prefix lists and security groups. A child module of `generator`.

use std::collections::HashSet;
use std::fmt::Write as _;

use anyhow::Result;

use super::*;

impl Gen {
    // ----- prefix lists ----------------------------------------------------

    /// Customer-managed prefix lists, all with known entries: private IPv4
    /// ranges (corporate, VPN, monitoring) and IPv6 ULA ranges. None holds an
    /// internet address, so an SG rule naming one never admits the internet.
    pub(super) fn prefix_lists(&mut self) -> Result<()> {
        if !self.p.service_data {
            return Ok(());
        }
        // The AWS-managed lists of the gateway services, with entries
        // (`private-service-access` uses them, never guesses them).
        for (svc, entries, v6) in [
            (
                "s3",
                "[3.5.0.0/19, 16.182.0.0/16, 52.216.0.0/15, 54.231.0.0/16]",
                false,
            ),
            ("s3", "[\"2600:1fa0:8000::/39\"]", true),
            (
                "dynamodb",
                "[3.218.180.0/22, 52.94.0.0/22, 52.119.224.0/20]",
                false,
            ),
            ("dynamodb", "[\"2600:1f18:7fff:f800::/56\"]", true),
        ] {
            let id = self.id("pl");
            writeln!(
                self.s.prefix_lists,
                "  - {{name: {svc}-pl{}, aws_id: {id}, service: com.amazonaws.{REGION}.{svc}, entries: {entries}}}",
                if v6 { "-ipv6" } else { "" }
            )?;
            self.n.prefix_lists += 1;
        }
        for k in 0..self.p.prefix_lists {
            let (name, v6) = match k % 4 {
                0 => (format!("corp-networks-{k:03}"), false),
                1 => (format!("office-vpn-{k:03}"), false),
                2 => (format!("monitoring-{k:03}"), false),
                _ => (format!("ula-services-{k:03}"), true),
            };
            let count = self.rng.range(2, 12);
            let mut seen = HashSet::new();
            let mut entries = Vec::with_capacity(count);
            while entries.len() < count {
                let e = match k % 4 {
                    0 => format!("10.{}.0.0/16", self.rng.below(256)),
                    1 => format!("192.168.{}.0/24", self.rng.below(256)),
                    2 => format!(
                        "100.{}.{}.0/22",
                        64 + self.rng.below(64),
                        self.rng.below(64) * 4
                    ),
                    _ => q(format!(
                        "fd{:02x}:{:x}:{:x}::/48",
                        self.rng.below(256),
                        self.rng.below(0x10000),
                        self.rng.below(0x10000)
                    )),
                };
                if seen.insert(e.clone()) {
                    entries.push(e);
                }
            }
            let id = self.id("pl");
            writeln!(
                self.s.prefix_lists,
                "  - {{name: {name}, aws_id: {id}, family: {}, entries: [{}]}}",
                if v6 { "ipv6" } else { "ipv4" },
                entries.join(", ")
            )?;
            self.prefix_lists.push((name, v6));
            self.n.prefix_lists += 1;
        }
        Ok(())
    }

    /// An SG rule's peer standing for private ranges: a prefix list, or
    /// without prefix lists ([`Shape::NoService`]) a private CIDR.
    fn list_peer(&mut self, v6: bool) -> String {
        if self.p.service_data {
            let pl = self.prefix_list(v6);
            pl_ref(&pl)
        } else if v6 {
            cidr(&q(format!("fd{:02x}::/16", self.rng.below(256))))
        } else {
            cidr(&format!("192.168.{}.0/24", self.rng.below(256)))
        }
    }

    /// The peers of the bastion's HTTPS to S3 and DynamoDB: their prefix
    /// lists, or without them any address.
    fn service_peers(&self) -> Vec<String> {
        if self.p.service_data {
            vec![pl_ref("s3-pl"), pl_ref("dynamodb-pl")]
        } else {
            vec![cidr(ANY4)]
        }
    }

    fn prefix_list(&mut self, v6: bool) -> String {
        let candidates: Vec<&str> = self
            .prefix_lists
            .iter()
            .filter(|(_, f)| *f == v6)
            .map(|(n, _)| n.as_str())
            .collect();
        let k = self.rng.below(candidates.len());
        candidates
            .get(k)
            .map_or_else(String::new, |s| s.to_string())
    }

    // ----- security groups -------------------------------------------------

    pub(super) fn security_groups(
        &mut self,
        v: &mut Vpc,
        plants: &[(usize, PlantKind)],
        lbs: &[(usize, LbKind)],
        rule_share: usize,
        rules_before: usize,
    ) -> Result<()> {
        let dual = v.v6.is_some();
        let vc = v.cidr();
        let v6c = v.v6_cidr();
        let all_out = |dual: bool| {
            let mut e = vec![sg_rule("protocol: all", &cidr(ANY4))];
            if dual {
                e.push(sg_rule("protocol: all", &cidr(ANY6)));
            }
            e
        };
        let web = v.sg("web");
        let app = v.sg("app");
        let db = v.sg("db");
        let bastion = v.sg("bastion");
        let sgs_before = self.n.security_groups;
        v.refs = vec![web.clone(), app.clone(), db.clone(), v.sg("mgmt")];

        // One SG per ALB.
        for &(g, kind) in lbs {
            let name = lb_name(v, g, kind);
            let sg = format!("{name}-sg");
            match kind {
                LbKind::PublicAlb => {
                    let mut i = Vec::new();
                    for port in ["80", "443"] {
                        i.push(sg_rule(&tcp(port), &cidr(ANY4)));
                        if dual {
                            i.push(sg_rule(&tcp(port), &cidr(ANY6)));
                        }
                    }
                    let e = vec![sg_rule(&tcp("8080"), &sg_ref(&web))];
                    self.sg(
                        v,
                        &sg,
                        "internet-facing ALB: HTTP and HTTPS from anywhere",
                        &i,
                        &e,
                    )?;
                }
                LbKind::InternalAlb => {
                    let pl = self.list_peer(false);
                    let i = vec![
                        sg_rule(&tcp("443"), &cidr(&vc)),
                        sg_rule(&tcp("443"), &pl),
                        sg_rule(&tcp("80"), &cidr(&vc)),
                    ];
                    let e = vec![sg_rule(&tcp("8080"), &sg_ref(&web))];
                    self.sg(
                        v,
                        &sg,
                        "internal ALB: HTTPS from the VPC and the corporate network",
                        &i,
                        &e,
                    )?;
                }
                LbKind::PublicNlb => continue,
            }
            v.albs.push(sg.clone());
            v.refs.push(sg);
        }

        // The tiers.
        let mut i: Vec<String> = v
            .albs
            .iter()
            .map(|a| sg_rule(&tcp("8080"), &sg_ref(a)))
            .collect();
        i.push(sg_rule(&tcp("8080"), &cidr(&vc)));
        i.push(sg_rule("protocol: icmp, icmp_type: 8", &cidr(&vc)));
        if let Some(c) = &v6c {
            i.push(sg_rule(&tcp("8080"), &cidr(c)));
        }
        let mut e = vec![
            sg_rule(&tcp("443"), &cidr(ANY4)),
            sg_rule(&tcp("5432"), &sg_ref(&db)),
            sg_rule(&tcp("6379"), &sg_ref(&db)),
        ];
        if dual {
            e.push(sg_rule(&tcp("443"), &cidr(ANY6)));
        }
        self.sg(
            v,
            &web,
            "web tier: from the load balancers and the VPC",
            &i,
            &e,
        )?;

        let pl = self.list_peer(false);
        let i = vec![
            sg_rule(&tcp("8080-8090"), &sg_ref(&web)),
            sg_rule(&tcp("8080"), &sg_ref(&app)),
            sg_rule(&tcp("9090"), &pl),
            sg_rule(&udp("8125"), &cidr(&vc)),
        ];
        self.sg(
            v,
            &app,
            "app tier: from the web tier and itself",
            &i,
            &all_out(dual),
        )?;

        let pl = self.list_peer(false);
        let i = vec![
            sg_rule(&tcp("5432"), &sg_ref(&app)),
            sg_rule(&tcp("5432"), &sg_ref(&web)),
            sg_rule(&tcp("3306"), &sg_ref(&app)),
            sg_rule(&tcp("6379"), &sg_ref(&app)),
            sg_rule(&tcp("5432"), &pl),
        ];
        self.sg(
            v,
            &db,
            "databases: from the app and web tiers, and the DBAs' VPN",
            &i,
            &[],
        )?;

        let i = vec![sg_rule(&tcp("22"), &cidr(OFFICE))];
        // SSH into the VPC, and HTTPS to S3 and DynamoDB (their prefix lists).
        let e = vec![sg_rule(&tcp("22"), &cidr(&vc))]
            .into_iter()
            .chain(self.service_peers().iter().map(|p| sg_rule(&tcp("443"), p)))
            .collect::<Vec<_>>();
        self.sg(
            v,
            &bastion,
            "bastion: SSH from the office only (see the policy)",
            &i,
            &e,
        )?;

        let pl = self.list_peer(false);
        let i = vec![
            sg_rule(&tcp("22"), &sg_ref(&bastion)),
            sg_rule(&tcp("22"), &pl),
            sg_rule(&tcp("9100"), &cidr(&vc)),
        ];
        self.sg(
            v,
            &v.sg("mgmt"),
            "management hosts: SSH from the bastion and the VPN",
            &i,
            &all_out(dual),
        )?;

        let i = vec![
            sg_rule(&tcp("8883"), &cidr(ANY4)),
            sg_rule(&tcp("8883"), &cidr(&vc)),
        ];
        self.sg(
            v,
            &v.sg("nlb-target"),
            "MQTT brokers behind the NLB, which preserves client IPs: 0.0.0.0/0 is needed, and safe without a public IP",
            &i,
            &all_out(false),
        )?;

        let i = vec![sg_rule(&tcp("8080"), &cidr(ANY4))];
        self.sg(
            v,
            &v.sg("open-ipv4"),
            "legacy rule: 8080 from anywhere; harmless on interfaces without a public IPv4",
            &i,
            &all_out(dual),
        )?;

        let i = vec![sg_rule(&tcp("22"), &cidr(ANY4))];
        self.sg(
            v,
            &v.sg("ssh-open"),
            "SSH from anywhere; the subnets' NACLs deny tcp/22 from outside",
            &i,
            &all_out(dual),
        )?;

        let pl = self.list_peer(false);
        let i = vec![
            sg_rule(&tcp("443"), &pl),
            sg_rule(&tcp("8443"), &sg_ref(&web)),
        ];
        self.sg(
            v,
            &v.sg("public-closed"),
            "hosts with a public IP that admit only the corporate network",
            &i,
            &all_out(dual),
        )?;

        // The planted ones (some kinds reuse the SGs above).
        for &(n, kind) in plants {
            let (role, desc, i) = match kind {
                PlantKind::PublicIpOpenSg => (
                    "legacy-web",
                    "legacy web server",
                    vec![sg_rule(&tcp("8080"), &cidr(ANY4))],
                ),
                PlantKind::EipNatRoutedSubnet => (
                    "partner-api",
                    "partner API, called from a fixed address",
                    vec![sg_rule(&tcp("8443"), &cidr(ANY4))],
                ),
                PlantKind::SgSplitDefaultRoute => (
                    "split",
                    "written as two halves to pass a 0.0.0.0/0 scanner",
                    vec![
                        sg_rule(&tcp("8080"), &cidr("0.0.0.0/1")),
                        sg_rule(&tcp("8080"), &cidr("128.0.0.0/1")),
                    ],
                ),
                PlantKind::Ipv6OpenSg => (
                    "v6-api",
                    "API over IPv6",
                    vec![
                        sg_rule(&tcp("8080"), &cidr(ANY6)),
                        sg_rule(&tcp("8080"), &cidr(&vc)),
                    ],
                ),
                PlantKind::BastionSshOpen => (
                    "bastion-open",
                    "temporary bastion",
                    vec![sg_rule(&tcp("22"), &cidr(ANY4))],
                ),
                PlantKind::SecondWideOpenSg => (
                    "debug",
                    "debugging, to be removed",
                    vec![sg_rule("protocol: all", &cidr(ANY4))],
                ),
                PlantKind::EipOnSecondaryIp
                | PlantKind::NaclAllowBeforeDeny
                | PlantKind::UnencryptedDx
                | PlantKind::S3ViaNat
                | PlantKind::S3RouteOverlap => continue,
            };
            let name = format!("{}-{role}-sg-{n}", v.p);
            self.sg(
                v,
                &name,
                &format!("PLANTED ({}): {desc}", kind.slug()),
                &i,
                &all_out(dual),
            )?;
        }

        // The pool: private sources only. A heavy VPC's first 16 have 60
        // ingress rules each (the quota maximum).
        let fixed = self.n.security_groups - sgs_before;
        let min_pool = if v.heavy { 16 + 4 } else { 4 };
        let pool = self.p.sgs_per_vpc.saturating_sub(fixed).max(min_pool);
        let mut budget = rule_share.saturating_sub(self.n.sg_rules - rules_before);
        let names: Vec<String> = (0..pool)
            .map(|k| {
                if v.heavy && k < 16 {
                    format!("{}-max-{k:02}-sg", v.p)
                } else {
                    format!("{}-svc-{k:02}-sg", v.p)
                }
            })
            .collect();
        v.refs.extend(names.iter().cloned());
        let light = if v.heavy { pool - 16 } else { pool };
        if v.heavy {
            budget = budget.saturating_sub(16 * 61);
        }
        let mean = (budget / light.max(1)).clamp(3, 61);
        for (k, name) in names.iter().enumerate() {
            let max = v.heavy && k < 16;
            let (ins, outs) = if max {
                (60, 1)
            } else {
                let total = self.rng.range(mean / 2, mean * 3 / 2).clamp(3, 61);
                let outs = if self.rng.percent(70) { 1 } else { 2 };
                (total - outs, outs)
            };
            let i = self.pool_rules(v, ins);
            let mut e = vec![sg_rule("protocol: all", &cidr(ANY4))];
            if outs > 1 {
                e = vec![
                    sg_rule(&tcp("443"), &cidr(ANY4)),
                    sg_rule(&tcp("1024-65535"), &cidr(&vc)),
                ];
            }
            let desc = if max {
                "shared services: 60 rules (the quota maximum)"
            } else {
                "service"
            };
            self.sg(v, name, desc, &i, &e)?;
            if max {
                v.max_sgs.push(name.clone());
            } else {
                v.pool.push(name.clone());
            }
        }
        Ok(())
    }

    /// `count` distinct ingress rules whose peers are all private: VPC and
    /// subnet CIDRs, other private ranges, SG references, prefix lists with
    /// private entries, and the VPC's own IPv6 CIDR.
    fn pool_rules(&mut self, v: &Vpc, count: usize) -> Vec<String> {
        let mut seen = HashSet::with_capacity(count);
        let mut out = Vec::with_capacity(count);
        let mut tries = 0;
        while out.len() < count && tries < count * 20 {
            tries += 1;
            let r = self.rng.below(100);
            let what = if r < 55 {
                tcp(self.rng.pick(&TCP_PORTS))
            } else if r < 70 {
                tcp(self.rng.pick(&TCP_RANGES))
            } else if r < 85 {
                udp(self.rng.pick(&UDP_PORTS))
            } else if r < 92 {
                "protocol: icmp, icmp_type: 8".to_string()
            } else {
                "protocol: all".to_string()
            };
            let r = self.rng.below(100);
            let peer = if r < 30 {
                let refs: Vec<&str> = v.refs.iter().map(String::as_str).collect();
                sg_ref(self.rng.pick(&refs))
            } else if r < 45 {
                self.list_peer(false)
            } else if r < 55 && v.v6.is_some() {
                if what.starts_with("protocol: icmp") {
                    continue;
                }
                if self.rng.percent(50) {
                    cidr(&v.v6_cidr().unwrap_or_default())
                } else {
                    self.list_peer(true)
                }
            } else {
                cidr(&self.private_cidr(v))
            };
            let rule = sg_rule(&what, &peer);
            if seen.insert(rule.clone()) {
                out.push(rule);
            }
        }
        out
    }

    fn private_cidr(&mut self, v: &Vpc) -> String {
        match self.rng.below(7) {
            0 | 1 => {
                let j = self.rng.below(v.subnets.len());
                v.subnets.get(j).map_or_else(|| v.cidr(), Subnet::cidr)
            }
            2 => v.cidr(),
            3 => "10.0.0.0/8".to_string(),
            4 => format!(
                "172.{}.{}.0/20",
                16 + self.rng.below(16),
                self.rng.below(16) * 16
            ),
            5 => format!("192.168.{}.0/24", self.rng.below(256)),
            _ => format!("100.{}.0.0/16", 64 + self.rng.below(64)),
        }
    }

    fn sg(
        &mut self,
        v: &Vpc,
        name: &str,
        desc: &str,
        ingress: &[String],
        egress: &[String],
    ) -> Result<()> {
        let id = self.id("sg");
        let out = &mut self.s.security_groups;
        writeln!(
            out,
            "  - name: {name}\n    aws_id: {id}\n    vpc: {}\n    description: {}",
            v.name,
            q(desc)
        )?;
        for (dir, rules) in [("ingress", ingress), ("egress", egress)] {
            if rules.is_empty() {
                writeln!(out, "    {dir}: []")?;
            } else {
                writeln!(out, "    {dir}:")?;
                for r in rules {
                    writeln!(out, "      - {r}")?;
                }
            }
        }
        self.n.security_groups += 1;
        self.n.sg_rules += ingress.len() + egress.len();
        Ok(())
    }
}
