//! The layout of one VPC: its gateways, subnets, NAT gateways, route tables
//! and network ACLs. A child module of `generator`.

use std::fmt::Write as _;
use std::net::Ipv4Addr;

use anyhow::{Result, bail};

use super::*;

impl Gen {
    // ----- one VPC ---------------------------------------------------------

    pub(super) fn vpc(
        &mut self,
        i: usize,
        heavy: bool,
        plants: &[(usize, PlantKind)],
        lbs: &[(usize, LbKind)],
        rule_share: usize,
    ) -> Result<()> {
        let p = self.p;
        let (base, len) = if p.vpcs <= 256 {
            (u32::from(Ipv4Addr::new(10, i as u8, 0, 0)), 16u8)
        } else if i < 1024 {
            (
                u32::from(Ipv4Addr::new(10, 0, 0, 0)) + ((i as u32) << 14),
                18,
            )
        } else {
            bail!("at most 1024 VPCs fit in 10.0.0.0/8 as /18s");
        };
        let v6 = i.is_multiple_of(3).then(|| {
            (0x2600_1f18u64 << 32) | ((0x4000 + (i as u64 >> 8)) << 16) | ((i as u64 & 0xff) << 8)
        });
        let pfx = format!("v{i:04}");
        self.vpc_nets
            .push((format!("vpc{i:04}"), pfx.clone(), base, len));
        let mut v = Vpc {
            idx: i,
            name: format!("vpc{i:04}"),
            p: pfx.clone(),
            base,
            len,
            v6,
            env: ENVS[i % ENVS.len()],
            heavy,
            nacl_bug: plants
                .iter()
                .any(|(_, k)| *k == PlantKind::NaclAllowBeforeDeny),
            subnets: Vec::new(),
            nats: Vec::new(),
            igw: format!("{pfx}-igw"),
            eigw: v6.map(|_| format!("{pfx}-eigw")),
            workloads: 0,
            pool: Vec::new(),
            max_sgs: Vec::new(),
            refs: Vec::new(),
            albs: Vec::new(),
            isolated: plants
                .iter()
                .copied()
                .filter(|(_, k)| k.isolated())
                .collect(),
        };
        let rules_before = self.n.sg_rules;
        let enis_before = self.n.network_interfaces;

        // VPC and gateways.
        let id = self.id("vpc");
        let v6c = v
            .v6_cidr()
            .map(|c| format!(", ipv6_cidrs: [{c}]"))
            .unwrap_or_default();
        writeln!(
            self.s.vpcs,
            "  - {{name: {}, aws_id: {id}, cidrs: [{}]{v6c}, dns_support: true, dns_hostnames: true, tags: {{Name: {}-{i:04}, Environment: {}}}}}",
            v.name,
            v.cidr(),
            v.env,
            v.env
        )?;
        self.n.vpcs += 1;
        let id = self.id("igw");
        writeln!(
            self.s.internet_gateways,
            "  - {{name: {}, aws_id: {id}, vpc: {}}}",
            v.igw, v.name
        )?;
        self.n.internet_gateways += 1;
        if let Some(e) = &v.eigw {
            let id = self.id("eigw");
            writeln!(
                self.s.egress_only_internet_gateways,
                "  - {{name: {e}, aws_id: {id}, vpc: {}}}",
                v.name
            )?;
            self.n.egress_only_internet_gateways += 1;
        }

        // A heading per VPC in the long sections.
        let heading = format!(
            "  # --- {} ({}, {}{}) ---\n",
            v.name,
            v.env,
            v.cidr(),
            if v.v6.is_some() { ", dual-stack" } else { "" }
        );
        for section in [
            &mut self.s.subnets,
            &mut self.s.route_tables,
            &mut self.s.network_acls,
            &mut self.s.security_groups,
            &mut self.s.instances,
            &mut self.s.network_interfaces,
        ] {
            section.push_str(&heading);
        }

        let teams = self.subnets(&mut v)?;
        self.nat_gateways(&mut v)?;
        self.route_tables(&v, teams)?;
        self.network_acls(&v)?;
        self.security_groups(&mut v, plants, lbs, rule_share, rules_before)?;

        // Interfaces: load balancers and their targets first, then the
        // fixed roles, the planted ones, and app instances up to the count.
        let target_enis = p.enis / p.vpcs + usize::from(i < p.enis % p.vpcs);
        for &(g, kind) in lbs {
            self.load_balancer(&mut v, g, kind)?;
        }
        self.fixed_workloads(&mut v)?;
        for &(n, kind) in plants {
            self.plant(&mut v, n, kind)?;
        }
        let done = self.n.network_interfaces - enis_before;
        for _ in done..target_enis {
            self.filler(&mut v)?;
        }
        Ok(())
    }

    /// Lays out and writes the subnets; returns the number of team route
    /// tables the app subnets use.
    fn subnets(&mut self, v: &mut Vpc) -> Result<usize> {
        let p = self.p;
        let a = AZS.len();
        let mut tiers: Vec<(Tier, usize)> = Vec::new();
        tiers.extend((0..a).map(|az| (Tier::Public, az)));
        tiers.extend((0..a).map(|az| (Tier::Data, az)));
        tiers.push((Tier::Mgmt, 0));
        let apps = p.subnets_per_vpc.saturating_sub(tiers.len()).max(2);
        tiers.extend((0..apps).map(|k| (Tier::App, k % a)));
        if v.heavy
            && let Some(last) = tiers.last_mut()
        {
            last.0 = Tier::Heavy;
        }
        tiers.extend(v.isolated.iter().map(|_| (Tier::Isolated, 0)));
        let mut isolated = v.isolated.iter().map(|(n, _)| *n);
        let slots = 1usize << (24 - u32::from(v.len));
        if tiers.len() > slots {
            bail!("{} subnets do not fit in a /{}", tiers.len(), v.len);
        }
        // Route tables: main, public, data, one app table per AZ, then team
        // tables (and the heavy VPC's 1,000-route table) up to the count.
        let base_tables = 3 + a;
        let extra = p.route_tables_per_vpc.saturating_sub(base_tables);
        let teams = if v.heavy {
            extra.saturating_sub(1)
        } else {
            extra
        };
        let (layout, bug, prefix) = (p.nacl_layout, v.nacl_bug, v.p.clone());
        let nacl_of = |tier: Tier| -> String {
            let role = match (layout, tier) {
                (_, Tier::Public) => "public",
                (_, Tier::Heavy) => "heavy",
                // The planted NACL, when this VPC has one.
                (_, Tier::Mgmt) if bug => "mgmt",
                (NaclLayout::Two, _) => "private",
                (_, Tier::Data) => "data",
                (NaclLayout::Five, Tier::Mgmt) => "mgmt",
                _ => "app",
            };
            format!("{prefix}-{role}-nacl")
        };
        let mut app_k = 0;
        for (j, (tier, az)) in tiers.into_iter().enumerate() {
            let (label, rt) = match tier {
                Tier::Public => (format!("public-{}", AZS[az]), "public-rt".to_string()),
                Tier::Data => (format!("data-{}", AZS[az]), "data-rt".to_string()),
                Tier::Mgmt => ("mgmt".to_string(), "app-rt-a".to_string()),
                Tier::Heavy => (format!("app-{app_k}"), "tail-rt".to_string()),
                Tier::Isolated => {
                    let n = isolated.next().unwrap_or_default();
                    (format!("planted-{n:03}"), format!("planted-rt-{n:03}"))
                }
                Tier::App => {
                    let rt = if app_k >= a && teams > 0 {
                        format!("team-rt-{}", (app_k - a) % teams)
                    } else {
                        format!("app-rt-{}", AZS[az])
                    };
                    (format!("app-{app_k}"), rt)
                }
            };
            if matches!(tier, Tier::App | Tier::Heavy) {
                app_k += 1;
            }
            let dual = v.v6.is_some() && tier != Tier::Data;
            let sn = Subnet {
                name: format!("{}-{label}", v.p),
                tier,
                az,
                base: v.base + (j as u32) * 256,
                next: 4 + self.rng.below(4) as u32,
                v6: v.v6.filter(|_| dual).map(|u| u | j as u64),
                v6_next: 0,
                route_table: format!("{}-{rt}", v.p),
                nacl: nacl_of(tier),
            };
            let id = self.id("subnet");
            let v6 = sn
                .v6
                .map(|u| format!(", ipv6_cidr: {}", v6_net(u, 64)))
                .unwrap_or_default();
            writeln!(
                self.s.subnets,
                "  - {{name: {}, aws_id: {id}, vpc: {}, availability_zone: {REGION}{}, cidr: {}{v6}, route_table: {}, network_acl: {}}}",
                sn.name,
                v.name,
                AZS[az],
                sn.cidr(),
                sn.route_table,
                sn.nacl
            )?;
            self.n.subnets += 1;
            v.subnets.push(sn);
        }
        Ok(teams)
    }

    /// One NAT gateway per AZ (or one per VPC), each with an Elastic IP and
    /// its interface declared.
    fn nat_gateways(&mut self, v: &mut Vpc) -> Result<()> {
        let azs: Vec<usize> = if self.p.nat_per_az {
            (0..AZS.len()).collect()
        } else {
            vec![0]
        };
        for az in azs {
            let name = if self.p.nat_per_az {
                format!("{}-nat-{}", v.p, AZS[az])
            } else {
                format!("{}-nat", v.p)
            };
            let si = v.subnet_of(Tier::Public, az);
            let Some(sn) = v.subnets.get_mut(si) else {
                continue;
            };
            let addr = sn.take_v4(&mut self.rng)?;
            let subnet = sn.name.clone();
            let (ip, alloc) = self.eip_parts()?;
            let id = self.id("nat");
            writeln!(
                self.s.nat_gateways,
                "  - {{name: {name}, aws_id: {id}, subnet: {subnet}, private_ip: {addr}, public_ip: {ip}}}"
            )?;
            self.n.nat_gateways += 1;
            self.eni(
                &format!("{name}-eni"),
                &subnet,
                None,
                Some(format!("{{nat_gateway: {name}}}")),
                &[(addr, Public::Eip(ip, alloc))],
                None,
                &[],
                true,
                None,
            )?;
            v.nats.push(name);
        }
        Ok(())
    }

    fn route_tables(&mut self, v: &Vpc, teams: usize) -> Result<()> {
        let first = self.route_table_names.len();
        self.route_tables_of(v, teams)?;
        let tables: Vec<String> = self.route_table_names.drain(first..).collect();
        self.gateway_endpoints(v, &tables)
    }

    /// S3 and DynamoDB gateway endpoints, associated with every route table
    /// of the VPC, dual-stack when the VPC is (C-13.1, C-13.5): every
    /// workload's S3 and DynamoDB traffic takes them.
    fn gateway_endpoints(&mut self, v: &Vpc, tables: &[String]) -> Result<()> {
        if !self.p.service_data {
            return Ok(());
        }
        for svc in ["s3", "dynamodb"] {
            let id = self.id("vpce");
            let out = &mut self.s.vpc_endpoints;
            writeln!(
                out,
                "  - {{name: {}-{svc}-gateway, aws_id: {id}, vpc: {}, type: gateway, service: com.amazonaws.{REGION}.{svc}, prefix_list: {svc}-pl{}, route_tables: [{}]}}",
                v.p,
                v.name,
                if v.v6.is_some() {
                    format!(", ipv6_prefix_list: {svc}-pl-ipv6, ip_address_type: dualstack")
                } else {
                    String::new()
                },
                tables.join(", ")
            )?;
            self.n.vpc_endpoints += 1;
        }
        Ok(())
    }

    fn route_tables_of(&mut self, v: &Vpc, teams: usize) -> Result<()> {
        let p = &v.p;
        let v6_default = |target: &str| route(ANY6, target);
        self.route_table(
            v,
            &format!("{p}-main-rt"),
            true,
            "the main table: no subnet falls back to it, and it stays private",
            &[],
        )?;
        let mut public = vec![route(ANY4, &v.igw)];
        if v.v6.is_some() {
            public.push(v6_default(&v.igw));
        }
        self.route_table(v, &format!("{p}-public-rt"), false, "", &public)?;
        self.route_table(
            v,
            &format!("{p}-data-rt"),
            false,
            "the data tier: local routes only",
            &[],
        )?;
        let private = |v: &Vpc, az: usize| -> Vec<String> {
            let mut r = vec![route(ANY4, v.nat(az))];
            if let Some(e) = &v.eigw {
                r.push(route(ANY6, e));
            }
            r
        };
        for (az, letter) in AZS.iter().enumerate() {
            let r = private(v, az);
            self.route_table(v, &format!("{p}-app-rt-{letter}"), false, "", &r)?;
        }
        for t in 0..teams {
            let mut r = private(v, t % AZS.len());
            // Routes to decommissioned on-premises ranges, kept as blackholes.
            let offset = self.rng.below(4096);
            for k in 0..self.rng.range(2, 12) {
                let m = (offset + k) % 4096;
                r.push(route(
                    &format!("172.{}.{}.0/24", 16 + m / 256, m % 256),
                    "blackhole",
                ));
            }
            self.route_table(v, &format!("{p}-team-rt-{t}"), false, "", &r)?;
        }
        // The planted leaks' tables: one the endpoints are not associated
        // with (trap 7), one with a route inside S3's range (trap 8).
        for &(n, kind) in &v.isolated {
            let mut r = private(v, 0);
            let name = format!("{p}-planted-rt-{n:03}");
            let comment = format!("PLANTED ({}): {}", kind.slug(), kind.describe());
            if kind == PlantKind::S3RouteOverlap {
                r.push(route(S3_OVERLAP, v.nat(0)));
            }
            self.route_table(v, &name, false, &comment, &r)?;
            if kind == PlantKind::S3ViaNat {
                self.route_table_names.retain(|t| *t != name);
            }
        }
        if v.heavy {
            // The quota maximum: 1,000 distinct routes outside the VPC.
            let mut r = private(v, 0);
            let (o1, o2) = (self.rng.below(4096), self.rng.below(512));
            let rest = 1000 - r.len();
            for k in 0..rest {
                let m = k / 2;
                if k.is_multiple_of(2) {
                    let m = (o1 + m) % 4096;
                    r.push(route(
                        &format!("172.{}.{}.0/24", 16 + m / 256, m % 256),
                        "blackhole",
                    ));
                } else {
                    let m = (o2 + m) % 512;
                    r.push(route(
                        &format!("198.{}.{}.0/24", 18 + m / 256, m % 256),
                        v.nat(0),
                    ));
                }
            }
            self.route_table(
                v,
                &format!("{p}-tail-rt"),
                false,
                "1,000 routes (the quota maximum): partner ranges through the NAT gateway, retired on-premises ranges as blackholes",
                &r,
            )?;
        }
        Ok(())
    }

    fn route_table(
        &mut self,
        v: &Vpc,
        name: &str,
        main: bool,
        comment: &str,
        routes: &[String],
    ) -> Result<()> {
        let id = self.id("rtb");
        let out = &mut self.s.route_tables;
        if !comment.is_empty() {
            writeln!(out, "  # {comment}")?;
        }
        writeln!(
            out,
            "  - name: {name}\n    aws_id: {id}\n    vpc: {}",
            v.name
        )?;
        if main {
            writeln!(out, "    main: true")?;
        }
        if routes.is_empty() {
            writeln!(out, "    routes: []")?;
        } else {
            writeln!(out, "    routes:")?;
            for r in routes {
                writeln!(out, "      - {r}")?;
            }
        }
        self.n.route_tables += 1;
        self.n.routes += routes.len();
        self.route_table_names.push(name.to_string());
        Ok(())
    }

    // ----- network ACLs ----------------------------------------------------

    fn network_acls(&mut self, v: &Vpc) -> Result<()> {
        let dual = v.v6.is_some();
        let vc = v.cidr();
        let p = v.p.clone();
        let layout = self.p.nacl_layout;
        let all = || "protocol: all".to_string();
        let allow_all = numbered(if dual {
            vec![("allow", all(), ANY4), ("allow", all(), ANY6)]
        } else {
            vec![("allow", all(), ANY4)]
        });

        if layout != NaclLayout::Two {
            self.nacl(
                v,
                &format!("{p}-default-nacl"),
                true,
                "the default NACL as AWS creates it; every subnet has an explicit association",
                &allow_all,
                &allow_all,
            )?;
        }

        // Public: the load balancers' listeners, SSH for the bastions (their
        // SGs narrow it), replies on ephemeral ports.
        let mut r = vec![("deny", all(), BLOCKED)];
        for port in ["80", "443"] {
            r.push(("allow", tcp(port), ANY4));
            if dual {
                r.push(("allow", tcp(port), ANY6));
            }
        }
        r.push(("allow", tcp("22"), ANY4));
        r.push(("allow", all(), &vc));
        r.push(("allow", tcp("1024-65535"), ANY4));
        if dual {
            r.push(("allow", tcp("1024-65535"), ANY6));
        }
        r.push(("allow", udp("1024-65535"), ANY4));
        r.push((
            "allow",
            "protocol: icmp, icmp_type: 3, icmp_code: 4".to_string(),
            ANY4,
        ));
        self.nacl(
            v,
            &format!("{p}-public-nacl"),
            false,
            "",
            &numbered(r),
            &allow_all,
        )?;

        // App (and management): anything from inside, no SSH or RDP from
        // outside, replies on ephemeral ports from anywhere.
        let private = |bug: bool| -> Vec<NaclRule> {
            let mut i: Vec<NaclRule> = vec![
                (100, "allow", all(), vc.clone()),
                (110, "allow", tcp("443"), VPN.to_string()),
            ];
            if bug {
                i.push((150, "allow", all(), ANY4.to_string()));
            }
            i.push((200, "deny", tcp("22"), ANY4.to_string()));
            if dual {
                i.push((201, "deny", tcp("22"), ANY6.to_string()));
            }
            i.push((210, "deny", tcp("3389"), ANY4.to_string()));
            i.push((300, "allow", tcp("1024-65535"), ANY4.to_string()));
            if dual {
                i.push((301, "allow", tcp("1024-65535"), ANY6.to_string()));
            }
            i.push((310, "allow", udp("1024-65535"), ANY4.to_string()));
            i
        };
        let app = if layout == NaclLayout::Two {
            "private"
        } else {
            "app"
        };
        self.nacl(
            v,
            &format!("{p}-{app}-nacl"),
            false,
            "",
            &private(false),
            &allow_all,
        )?;
        if layout == NaclLayout::Five || v.nacl_bug {
            let comment = if v.nacl_bug {
                "PLANTED (nacl-allow-before-deny): rule 150 allows everything before the SSH deny at 200"
            } else {
                ""
            };
            self.nacl(
                v,
                &format!("{p}-mgmt-nacl"),
                false,
                comment,
                &private(v.nacl_bug),
                &allow_all,
            )?;
        }
        if layout != NaclLayout::Two {
            let ingress = numbered(
                ["5432", "3306", "6379"]
                    .iter()
                    .map(|port| ("allow", tcp(port), vc.as_str()))
                    .collect(),
            );
            let egress = numbered(vec![("allow", tcp("1024-65535"), &vc)]);
            self.nacl(v, &format!("{p}-data-nacl"), false, "", &ingress, &egress)?;
        }
        if v.heavy {
            let (ingress, egress) = self.heavy_nacl_rules(v);
            self.nacl(
                v,
                &format!("{p}-heavy-nacl"),
                false,
                "40 rules each way (the quota maximum)",
                &ingress,
                &egress,
            )?;
        }
        Ok(())
    }

    /// 40 ingress and 40 egress rules: blocklist denies first, then port
    /// allows from private ranges, the SSH/RDP denies, and ephemeral replies.
    fn heavy_nacl_rules(&mut self, v: &Vpc) -> (Vec<NaclRule>, Vec<NaclRule>) {
        let dual = v.v6.is_some();
        let vc = v.cidr();
        let all = || "protocol: all".to_string();
        let blocklist: Vec<String> = (0..8)
            .map(|k| format!("45.{}.{}.0/24", 10 + k * 20, self.rng.below(256)))
            .collect();
        let partner: Vec<String> = (0..16).map(|k| format!("172.{}.0.0/16", 16 + k)).collect();

        let mut ingress: Vec<(&str, String, &str)> = blocklist
            .iter()
            .map(|c| ("deny", all(), c.as_str()))
            .collect();
        ingress.push(("deny", tcp("22"), ANY4));
        ingress.push(("deny", tcp("3389"), ANY4));
        if dual {
            ingress.push(("deny", tcp("22"), ANY6));
        }
        let mut tail = vec![
            (
                "allow",
                "protocol: icmp, icmp_type: 8".to_string(),
                vc.as_str(),
            ),
            ("allow", tcp("1024-65535"), ANY4),
            ("allow", udp("1024-65535"), ANY4),
        ];
        if dual {
            tail.push(("allow", tcp("1024-65535"), ANY6));
        }
        let mut k = 0;
        while ingress.len() + tail.len() < 40 {
            let port = TCP_PORTS[k % TCP_PORTS.len()];
            let src = if k.is_multiple_of(2) {
                vc.as_str()
            } else {
                partner[k % partner.len()].as_str()
            };
            ingress.push(("allow", tcp(port), src));
            k += 1;
        }
        ingress.extend(tail);

        let mut egress: Vec<(&str, String, &str)> = blocklist
            .iter()
            .map(|c| ("deny", all(), c.as_str()))
            .collect();
        let mut tail = vec![
            ("allow", tcp("443"), ANY4),
            ("allow", tcp("80"), ANY4),
            ("allow", tcp("1024-65535"), ANY4),
            ("allow", all(), "10.0.0.0/8"),
        ];
        if dual {
            tail.push(("allow", tcp("443"), ANY6));
            tail.push(("allow", tcp("1024-65535"), ANY6));
        }
        let mut k = 0;
        while egress.len() + tail.len() < 40 {
            let port = TCP_PORTS[(k * 5) % TCP_PORTS.len()];
            egress.push(("allow", tcp(port), partner[k % partner.len()].as_str()));
            k += 1;
        }
        egress.extend(tail);
        (numbered(ingress), numbered(egress))
    }

    fn nacl(
        &mut self,
        v: &Vpc,
        name: &str,
        default: bool,
        comment: &str,
        ingress: &[NaclRule],
        egress: &[NaclRule],
    ) -> Result<()> {
        let id = self.id("acl");
        let out = &mut self.s.network_acls;
        if !comment.is_empty() {
            writeln!(out, "  # {comment}")?;
        }
        writeln!(
            out,
            "  - name: {name}\n    aws_id: {id}\n    vpc: {}",
            v.name
        )?;
        if default {
            writeln!(out, "    default: true")?;
        }
        for (dir, rules) in [("ingress", ingress), ("egress", egress)] {
            writeln!(out, "    {dir}:")?;
            for (number, action, what, c) in rules {
                writeln!(
                    out,
                    "      - {{rule: {number}, action: {action}, {what}, cidr: {c}}}"
                )?;
            }
        }
        self.n.network_acls += 1;
        self.n.nacl_rules += ingress.len() + egress.len();
        Ok(())
    }
}
