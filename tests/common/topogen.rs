//! Random topologies for property tests: small, but dense with the features
//! whose interactions matter (NACL order, SG unions and references, LPM,
//! blackholes, main-table fallback, public and IPv6 addresses, NAT, LB
//! listeners, BPA, gateway endpoints with their service prefix lists, and
//! interface endpoints with private DNS).

#![allow(dead_code)]

use netverify::model::format::*;
use netverify::model::{Scalar, Sp};
use proptest::prelude::*;
use proptest::sample::select;

fn sp<T>(v: T) -> Sp<T> {
    Sp::new(v)
}

fn s(v: &str) -> Sp<String> {
    Sp::new(v.to_string())
}

const V4_PEERS: &[&str] = &[
    "0.0.0.0/0",
    "0.0.0.0/1",
    "128.0.0.0/1",
    "203.0.113.0/24",
    "198.51.100.0/24",
    "10.0.0.0/8",
    "10.0.1.0/24",
];
const V6_PEERS: &[&str] = &["::/0", "2001:db8::/32", "2600:1f00::/56"];
const PORTS: &[&str] = &["22", "80", "443", "1024-65535", "0-1000", "all", "8080"];
const PROTOS: &[&str] = &["all", "tcp", "udp", "icmp", "icmpv6", "47"];

#[derive(Debug, Clone)]
pub struct RuleSeed {
    pub proto: usize,
    pub port: usize,
    pub peer: usize,
    pub v6: bool,
    pub allow: bool,
    pub sg_ref: Option<usize>,
    pub icmp_type: Option<i32>,
}

fn rule_seed() -> impl Strategy<Value = RuleSeed> {
    (
        0..PROTOS.len(),
        0..PORTS.len(),
        0..16usize,
        prop::bool::weighted(0.3),
        prop::bool::weighted(0.7),
        prop::option::weighted(0.2, 0..3usize),
        prop::option::weighted(0.3, select(vec![0, 3, 8, 128])),
    )
        .prop_map(
            |(proto, port, peer, v6, allow, sg_ref, icmp_type)| RuleSeed {
                proto,
                port,
                peer,
                v6,
                allow,
                sg_ref,
                icmp_type,
            },
        )
}

fn peer(seed: &RuleSeed) -> String {
    if seed.v6 {
        V6_PEERS[seed.peer % V6_PEERS.len()].into()
    } else {
        V4_PEERS[seed.peer % V4_PEERS.len()].into()
    }
}

fn proto_fields(seed: &RuleSeed) -> (Sp<Scalar>, Option<Sp<Scalar>>, Option<Sp<i32>>) {
    let proto = PROTOS[seed.proto];
    let ports = match proto {
        "tcp" | "udp" => Some(sp(Scalar(PORTS[seed.port].into()))),
        _ => None,
    };
    let icmp = match proto {
        "icmp" | "icmpv6" => seed.icmp_type.map(sp),
        _ => None,
    };
    (sp(Scalar(proto.into())), ports, icmp)
}

#[derive(Debug, Clone)]
pub struct EniSeed {
    pub subnet: usize,
    pub public: u8, // 0 none, 1 concrete, 2 auto
    pub secondary: bool,
    pub secondary_public: bool,
    pub v6: bool,
    pub sgs: Vec<usize>,
    pub check: bool,
    pub attached: bool,
}

fn eni_seed() -> impl Strategy<Value = EniSeed> {
    (
        0..3usize,
        0..3u8,
        any::<bool>(),
        any::<bool>(),
        any::<bool>(),
        prop::collection::vec(0..3usize, 0..3),
        prop::bool::weighted(0.85),
        prop::bool::weighted(0.9),
    )
        .prop_map(
            |(subnet, public, secondary, secondary_public, v6, sgs, check, attached)| EniSeed {
                subnet,
                public,
                secondary,
                secondary_public,
                v6,
                sgs,
                check,
                attached,
            },
        )
}

#[derive(Debug, Clone)]
pub struct RouteSeed {
    pub dest: usize,
    pub target: usize,
    pub blackhole: bool,
}

const ROUTE_DESTS: &[&str] = &[
    "0.0.0.0/0",
    "0.0.0.0/1",
    "128.0.0.0/1",
    "203.0.113.0/24",
    "::/0",
    "2001:db8::/32",
    "10.0.1.0/24",
    "198.51.100.0/24",
    // Inside and around the S3 prefix list's entries (C-3.5, C-13.3).
    "52.216.0.0/16",
    "52.0.0.0/8",
];

fn route_seed() -> impl Strategy<Value = RouteSeed> {
    (0..ROUTE_DESTS.len(), 0..5usize, prop::bool::weighted(0.1)).prop_map(
        |(dest, target, blackhole)| RouteSeed {
            dest,
            target,
            blackhole,
        },
    )
}

#[derive(Debug, Clone)]
pub struct TopoSeed {
    pub subnets: usize,
    pub tables: Vec<Vec<RouteSeed>>,
    pub subnet_tables: Vec<Option<usize>>,
    pub nacls: Vec<(Vec<RuleSeed>, Vec<RuleSeed>)>,
    pub subnet_nacls: Vec<Option<usize>>,
    pub sgs: Vec<(Vec<RuleSeed>, Vec<RuleSeed>)>,
    pub enis: Vec<EniSeed>,
    pub igw: bool,
    pub eigw: bool,
    pub nat: Option<usize>,
    /// A load balancer: its subnet, and dualstack (application) or
    /// cross-zone on (classic). It is classic when the number of interfaces
    /// is even (a choice that draws nothing more from the random stream, so
    /// the seeds the properties explore stay those of before).
    pub lb: Option<(usize, bool)>,
    pub bpa: u8,
    /// An edge route table on the IGW: 0 none, 1 local only, 2 redirect a
    /// subnet to an appliance interface (C-3.11).
    pub edge: u8,
    /// A second VPC with its own IGW and one interface.
    pub second_vpc: Option<(bool, bool)>,
    /// Peering, a transit gateway, a VGW, VPN, Direct Connect, on prem.
    pub hybrid: Option<HybridSeed>,
    /// VPC endpoints: an S3 gateway endpoint on the tables of this bit
    /// mask, dual-stack or not, and an ecr.api interface endpoint (its
    /// interface in this subnet, private DNS on or off).
    pub endpoints: Option<EndpointSeed>,
}

/// The hybrid part of a random topology (C-8 – C-12).
#[derive(Debug, Clone)]
pub struct HybridSeed {
    /// A peering between the two VPCs (needs the second VPC): active?
    pub peering: Option<bool>,
    /// A transit gateway with VPC attachments: appliance mode on the first?
    pub tgw: Option<bool>,
    /// Attachment subnets of the first VPC: 1 or 2 (AZ a, AZ b).
    pub tgw_subnets: usize,
    /// Subnet AZs stated (else some are missing: unknown).
    pub azs: bool,
    /// Propagations into the TGW table: VPC, VPN, DX gateway.
    pub propagate: (bool, bool, bool),
    /// A static TGW route for 10.50.0.0/16: 0 none, 1 to the VPN, 2 blackhole, 3 to DX.
    pub tgw_static: u8,
    /// A VGW on the first VPC, propagating into the main table?
    pub vgw: Option<bool>,
    /// VGW VPN: static (true) or BGP.
    pub vgw_vpn_static: bool,
    /// What on prem advertises over each BGP connection: 0 unstated, 1 /16, 2 /24 + /16.
    pub adv: (u8, u8, u8),
    /// On-prem preference: 0 none, 1 [vpn, dx], 2 [dx, vpn].
    pub prefer: u8,
    /// The transit VIF's DX gateway allows 10.0.0.0/16 (else only 192.168.100.0/24).
    pub dx_allows_vpc: bool,
    /// Security group identity across VPCs (C-5.7, C-9.9).
    pub refs: RefSeed,
    /// A public virtual interface on the DX connection over which on prem
    /// advertises 198.51.100.0/24 (needs the transit gateway, C-12.1).
    pub public_vif: bool,
    /// A branch office (192.168.50.0/24) behind a second BGP VPN on the
    /// VGW: VPN CloudHub between it and the data centre (C-10.6).
    pub branch: bool,
    /// Leave the data centre undeclared: the loader derives the on-prem
    /// networks from the routes AWS points at its connections. Set when
    /// the first advertisement is unstated and no preference is given.
    pub derived_onprem: bool,
}

/// References between the groups of the two VPCs, the Regions of the VPCs
/// and the transit gateway's referencing options.
#[derive(Debug, Clone)]
pub struct RefSeed {
    /// `sg2` admits everything from `sg-0` (the first VPC's first group).
    pub sg2_in_from_sg0: bool,
    /// `sg2` lets out only what goes to `sg-0` (an egress reference).
    pub sg2_out_to_sg0: bool,
    /// `sg-0` admits everything from `sg2`.
    pub sg0_in_from_sg2: bool,
    /// Regions: 0 none stated, 1 both `us-east-1`, 2 the second VPC in `eu-west-1`.
    pub regions: u8,
    /// `security_group_referencing` on the TGW, the first and the second
    /// VPC attachment (`None`: unset).
    pub tgw: (bool, Option<bool>, Option<bool>),
}

fn ref_seed() -> impl Strategy<Value = RefSeed> {
    (
        prop::bool::weighted(0.6),
        prop::bool::weighted(0.5),
        prop::bool::weighted(0.6),
        0..3u8,
        (
            prop::bool::weighted(0.7),
            prop::option::of(prop::bool::weighted(0.7)),
            prop::option::of(prop::bool::weighted(0.7)),
        ),
    )
        .prop_map(
            |(sg2_in_from_sg0, sg2_out_to_sg0, sg0_in_from_sg2, regions, tgw)| RefSeed {
                sg2_in_from_sg0,
                sg2_out_to_sg0,
                sg0_in_from_sg2,
                regions,
                tgw,
            },
        )
}

fn hybrid_seed() -> impl Strategy<Value = HybridSeed> {
    (
        prop::option::weighted(0.5, any::<bool>()),
        prop::option::weighted(0.8, prop::bool::weighted(0.3)),
        1..=2usize,
        prop::bool::weighted(0.9),
        (any::<bool>(), any::<bool>(), any::<bool>()),
        0..4u8,
        prop::option::weighted(0.5, any::<bool>()),
        any::<bool>(),
        (0..3u8, 0..3u8, 0..3u8),
        0..3u8,
        (
            any::<bool>(),
            ref_seed(),
            prop::bool::weighted(0.4),
            prop::bool::weighted(0.5),
        ),
    )
        .prop_map(
            |(
                peering,
                tgw,
                tgw_subnets,
                azs,
                propagate,
                tgw_static,
                vgw,
                vgw_vpn_static,
                adv,
                prefer,
                (dx_allows_vpc, refs, public_vif, branch),
            )| {
                // Drawn from the other choices, so that the random stream
                // (and every other case the generator covers) is unchanged.
                let derived_onprem = adv.0 == 0 && prefer == 0;
                HybridSeed {
                    peering,
                    tgw,
                    tgw_subnets,
                    azs,
                    propagate,
                    tgw_static,
                    vgw,
                    vgw_vpn_static,
                    adv,
                    prefer,
                    dx_allows_vpc,
                    refs,
                    public_vif,
                    branch,
                    derived_onprem,
                }
            },
        )
}

/// (gateway endpoint table mask, dual-stack, interface endpoint (subnet,
/// private DNS)).
pub type EndpointSeed = (u8, bool, Option<(usize, bool)>);

pub fn topo_seed() -> impl Strategy<Value = TopoSeed> {
    (
        1..=3usize,
        prop::collection::vec(prop::collection::vec(route_seed(), 0..4), 1..3),
        prop::collection::vec(prop::option::of(0..2usize), 3),
        prop::collection::vec(
            (
                prop::collection::vec(rule_seed(), 0..5),
                prop::collection::vec(rule_seed(), 0..5),
            ),
            0..3,
        ),
        prop::collection::vec(prop::option::of(0..2usize), 3),
        prop::collection::vec(
            (
                prop::collection::vec(rule_seed(), 0..4),
                prop::collection::vec(rule_seed(), 0..3),
            ),
            1..=3,
        ),
        prop::collection::vec(eni_seed(), 1..6),
        (
            prop::bool::weighted(0.85),
            any::<bool>(),
            prop::option::of(0..3usize),
            prop::option::of((0..3usize, any::<bool>())),
            prop::sample::select(vec![0u8, 0, 0, 0, 1, 2]),
        ),
        (
            prop::sample::select(vec![0u8, 0, 0, 1, 2]),
            prop::option::weighted(0.3, (any::<bool>(), any::<bool>())),
            prop::option::weighted(0.5, hybrid_seed()),
            prop::option::weighted(
                0.6,
                (
                    0..8u8,
                    any::<bool>(),
                    prop::option::weighted(0.6, (0..3usize, prop::bool::weighted(0.8))),
                ),
            ),
        ),
    )
        .prop_map(
            |(
                subnets,
                tables,
                subnet_tables,
                nacls,
                subnet_nacls,
                sgs,
                enis,
                (igw, eigw, nat, lb, bpa),
                (edge, second_vpc, hybrid, endpoints),
            )| TopoSeed {
                subnets,
                tables,
                subnet_tables,
                nacls,
                subnet_nacls,
                sgs,
                enis,
                igw,
                eigw,
                nat,
                lb,
                bpa,
                edge,
                second_vpc,
                hybrid,
                endpoints,
            },
        )
}

fn nacl_rules(rules: &[RuleSeed]) -> Vec<Sp<NaclRule>> {
    rules
        .iter()
        .enumerate()
        .map(|(i, r)| {
            let (protocol, ports, icmp_type) = proto_fields(r);
            sp(NaclRule {
                rule: sp(((i as u32) + 1) * 100),
                action: s(if r.allow { "allow" } else { "deny" }),
                protocol,
                ports,
                icmp_type,
                icmp_code: None,
                cidr: s(&peer(r)),
            })
        })
        .collect()
}

fn sg_rules(rules: &[RuleSeed], n_sgs: usize) -> Vec<Sp<SgRule>> {
    rules
        .iter()
        .map(|r| {
            let (protocol, ports, icmp_type) = proto_fields(r);
            let (cidr, security_group) = match r.sg_ref {
                Some(g) => (None, Some(s(&format!("sg-{}", g % n_sgs)))),
                None => (Some(s(&peer(r))), None),
            };
            sp(SgRule {
                protocol,
                ports,
                icmp_type,
                icmp_code: None,
                cidr,
                prefix_list: None,
                security_group,
                description: None,
            })
        })
        .collect()
}

/// Builds the topology file for a seed.
pub fn build(seed: &TopoSeed) -> TopologyFile {
    let mut f = TopologyFile {
        version: sp(1),
        ..TopologyFile::default()
    };
    f.vpcs.push(sp(Vpc {
        name: s("vpc"),
        cidrs: vec![s("10.0.0.0/16")],
        ipv6_cidrs: vec![s("2600:1f00::/56")],
        ..Vpc::default()
    }));
    if seed.igw {
        f.internet_gateways.push(sp(InternetGateway {
            name: s("igw"),
            vpc: Some(s("vpc")),
            ..Default::default()
        }));
    }
    if seed.eigw {
        f.egress_only_internet_gateways
            .push(sp(EgressOnlyInternetGateway {
                name: s("eigw"),
                vpc: s("vpc"),
                ..Default::default()
            }));
    }
    let nat_subnet = seed.nat.map(|n| n % seed.subnets);
    if let Some(ns) = nat_subnet {
        f.nat_gateways.push(sp(NatGateway {
            name: s("nat"),
            subnet: s(&format!("subnet-{ns}")),
            private_ip: Some(s(&format!("10.0.{ns}.5"))),
            public_ip: Some(s("192.0.2.5")),
            ..Default::default()
        }));
    }
    // Route tables: table 0 is main.
    for (t, routes) in seed.tables.iter().enumerate() {
        let mut rs = Vec::new();
        let mut seen = std::collections::BTreeSet::new();
        for r in routes {
            let dest = ROUTE_DESTS[r.dest];
            if !seen.insert(dest) {
                continue;
            }
            let v6 = dest.contains(':');
            let target = match r.target {
                0 if seed.igw => "igw",
                1 if seed.eigw && v6 => "eigw",
                2 if nat_subnet.is_some() && !v6 => "nat",
                3 => "blackhole",
                _ if seed.igw => "igw",
                _ => "blackhole",
            };
            // AWS allows a route more specific than local only to a subnet CIDR with a NAT/ENI target.
            if dest == "10.0.1.0/24" && target != "nat" {
                continue;
            }
            rs.push(sp(Route {
                destination: Some(s(dest)),
                prefix_list: None,
                target: s(target),
                state: if r.blackhole {
                    Some(s("blackhole"))
                } else {
                    None
                },
                origin: None,
            }));
        }
        f.route_tables.push(sp(RouteTable {
            name: s(&format!("rtb-{t}")),
            vpc: s("vpc"),
            main: t == 0,
            routes: rs,
            ..Default::default()
        }));
    }
    for (n, (ing, eg)) in seed.nacls.iter().enumerate() {
        f.network_acls.push(sp(NetworkAcl {
            name: s(&format!("acl-{n}")),
            vpc: s("vpc"),
            ingress: nacl_rules(ing),
            egress: nacl_rules(eg),
            ..Default::default()
        }));
    }
    for sn in 0..seed.subnets {
        let table = seed.subnet_tables[sn]
            .filter(|t| *t < seed.tables.len() && *t > 0)
            .map(|t| s(&format!("rtb-{t}")));
        let nacl = seed.subnet_nacls[sn]
            .filter(|n| *n < seed.nacls.len())
            .map(|n| s(&format!("acl-{n}")));
        f.subnets.push(sp(Subnet {
            name: s(&format!("subnet-{sn}")),
            vpc: s("vpc"),
            cidr: Some(s(&format!("10.0.{sn}.0/24"))),
            ipv6_cidr: Some(s(&format!("2600:1f00:0:{sn}::/64"))),
            route_table: table,
            network_acl: nacl,
            availability_zone: subnet_az(seed, sn),
            ..Default::default()
        }));
    }
    let n_sgs = seed.sgs.len();
    for (g, (ing, eg)) in seed.sgs.iter().enumerate() {
        f.security_groups.push(sp(SecurityGroup {
            name: s(&format!("sg-{g}")),
            vpc: s("vpc"),
            ingress: sg_rules(ing, n_sgs),
            egress: sg_rules(eg, n_sgs),
            ..Default::default()
        }));
    }
    for (i, e) in seed.enis.iter().enumerate() {
        let sn = e.subnet % seed.subnets;
        let mut ips = vec![sp(PrivateIp {
            address: s(&format!("10.0.{sn}.{}", 10 + i * 2)),
            public_ip: match e.public {
                1 => Some(s(&format!("192.0.2.{}", 10 + i))),
                2 => Some(s("auto")),
                _ => None,
            },
            eip_allocation: None,
        })];
        if e.secondary {
            ips.push(sp(PrivateIp {
                address: s(&format!("10.0.{sn}.{}", 11 + i * 2)),
                public_ip: e
                    .secondary_public
                    .then(|| s(&format!("192.0.2.{}", 30 + i))),
                eip_allocation: e.secondary_public.then(|| "eipalloc-1".to_string()),
            }));
        }
        let mut sgs: Vec<Sp<String>> = Vec::new();
        for g in &e.sgs {
            let n = format!("sg-{}", g % n_sgs);
            if !sgs.iter().any(|x| x.value == n) {
                sgs.push(s(&n));
            }
        }
        // AWS attaches at least one security group to every interface, and
        // the loader requires one.
        if sgs.is_empty() {
            sgs.push(s(&format!("sg-{}", i % n_sgs)));
        }
        f.network_interfaces.push(sp(NetworkInterface {
            name: s(&format!("eni-{i}")),
            subnet: s(&format!("subnet-{sn}")),
            private_ips: ips,
            ipv6_addresses: if e.v6 {
                vec![s(&format!("2600:1f00:0:{sn}::{:x}", 0x10 + i))]
            } else {
                vec![]
            },
            security_groups: sgs,
            source_dest_check: Some(e.check),
            attached: Some(e.attached),
            ..Default::default()
        }));
    }
    if let Some((sn, dual)) = seed.lb {
        let sn = sn % seed.subnets;
        if seed.enis.len().is_multiple_of(2) {
            // A classic load balancer (C-14.5): its nodes' outbound ACL
            // entries apply inside their subnet too (C-4.9).
            let instances: Vec<Sp<String>> = (0..seed.enis.len())
                .step_by(2)
                .map(|i| s(&format!("eni-{i}")))
                .collect();
            f.load_balancers.push(sp(LoadBalancer {
                name: s("lb"),
                kind: s("classic"),
                scheme: s("internet-facing"),
                subnets: vec![s(&format!("subnet-{sn}"))],
                security_groups: vec![s("sg-0")],
                listeners: vec![
                    sp(Listener {
                        protocol: s("HTTP"),
                        port: sp(80),
                        instance_protocol: Some(s("HTTP")),
                        instance_port: Some(sp(8080)),
                        ..Default::default()
                    }),
                    sp(Listener {
                        protocol: s("TCP"),
                        port: sp(22),
                        instance_protocol: Some(s("TCP")),
                        instance_port: Some(sp(22)),
                        ..Default::default()
                    }),
                ],
                instances,
                cross_zone: Some(dual),
                ..Default::default()
            }));
        } else {
            f.load_balancers.push(sp(LoadBalancer {
                name: s("lb"),
                kind: s("application"),
                scheme: s("internet-facing"),
                ip_address_type: Some(s(if dual { "dualstack" } else { "ipv4" })),
                subnets: vec![s(&format!("subnet-{sn}"))],
                security_groups: vec![s("sg-0")],
                listeners: vec![
                    sp(Listener {
                        protocol: s("HTTP"),
                        port: sp(80),
                        ..Default::default()
                    }),
                    sp(Listener {
                        protocol: s("HTTPS"),
                        port: sp(443),
                        ..Default::default()
                    }),
                ],
                ..Default::default()
            }));
        }
    }
    if seed.igw && seed.edge > 0 {
        let routes = if seed.edge == 2 {
            vec![sp(Route {
                destination: Some(s("10.0.0.0/24")),
                prefix_list: None,
                target: s("eni-0"),
                state: None,
                origin: None,
            })]
        } else {
            Vec::new()
        };
        f.route_tables.push(sp(RouteTable {
            name: s("rtb-edge"),
            vpc: s("vpc"),
            edge_associations: vec![s("igw")],
            routes,
            ..Default::default()
        }));
    }
    if let Some((igw2, public)) = seed.second_vpc {
        f.vpcs.push(sp(Vpc {
            name: s("vpc2"),
            cidrs: vec![s("10.1.0.0/16")],
            ..Vpc::default()
        }));
        if igw2 {
            f.internet_gateways.push(sp(InternetGateway {
                name: s("igw2"),
                vpc: Some(s("vpc2")),
                ..Default::default()
            }));
        }
        f.route_tables.push(sp(RouteTable {
            name: s("rtb2"),
            vpc: s("vpc2"),
            main: true,
            routes: if igw2 {
                vec![sp(Route {
                    destination: Some(s("0.0.0.0/0")),
                    prefix_list: None,
                    target: s("igw2"),
                    state: None,
                    origin: None,
                })]
            } else {
                Vec::new()
            },
            ..Default::default()
        }));
        f.subnets.push(sp(Subnet {
            name: s("subnet2"),
            vpc: s("vpc2"),
            cidr: Some(s("10.1.0.0/24")),
            ..Default::default()
        }));
        f.security_groups.push(sp(SecurityGroup {
            name: s("sg2"),
            vpc: s("vpc2"),
            ingress: vec![sp(SgRule {
                protocol: sp(Scalar("tcp".into())),
                ports: Some(sp(Scalar("22".into()))),
                icmp_type: None,
                icmp_code: None,
                cidr: Some(s("0.0.0.0/0")),
                prefix_list: None,
                security_group: None,
                description: None,
            })],
            egress: vec![sp(SgRule {
                protocol: sp(Scalar("all".into())),
                ports: None,
                icmp_type: None,
                icmp_code: None,
                cidr: Some(s("0.0.0.0/0")),
                prefix_list: None,
                security_group: None,
                description: None,
            })],
            ..Default::default()
        }));
        f.network_interfaces.push(sp(NetworkInterface {
            name: s("vpc2-eni"),
            subnet: s("subnet2"),
            private_ips: vec![sp(PrivateIp {
                address: s("10.1.0.10"),
                public_ip: public.then(|| s("192.0.2.50")),
                eip_allocation: None,
            })],
            security_groups: vec![s("sg2")],
            ..Default::default()
        }));
    }
    if let Some(h) = &seed.hybrid {
        hybrid(&mut f, seed, h);
    }
    if let Some((mask, dual, iface)) = seed.endpoints {
        f.region = Some(s("us-east-1"));
        f.prefix_lists.push(sp(PrefixList {
            name: s("s3-pl"),
            service: Some("com.amazonaws.us-east-1.s3".into()),
            entries: Some(vec![s("52.216.0.0/15"), s("3.5.0.0/19")]),
            ..Default::default()
        }));
        f.prefix_lists.push(sp(PrefixList {
            name: s("s3-pl-v6"),
            service: Some("com.amazonaws.us-east-1.s3".into()),
            entries: Some(vec![s("2600:1fa0::/32")]),
            ..Default::default()
        }));
        let tables: Vec<Sp<String>> = (0..seed.tables.len())
            .filter(|t| mask & (1 << t) != 0)
            .map(|t| s(&format!("rtb-{t}")))
            .collect();
        f.vpc_endpoints.push(sp(VpcEndpoint {
            name: s("vpce-s3"),
            vpc: s("vpc"),
            kind: s("gateway"),
            service: s("com.amazonaws.us-east-1.s3"),
            route_tables: tables,
            prefix_list: Some(s("s3-pl")),
            ipv6_prefix_list: dual.then(|| s("s3-pl-v6")),
            ip_address_type: Some(if dual { "dualstack" } else { "ipv4" }.into()),
            ..Default::default()
        }));
        if let Some((sn, private_dns)) = iface {
            let sn = sn % seed.subnets;
            f.vpcs[0].value.dns_hostnames = Some(true);
            f.vpc_endpoints.push(sp(VpcEndpoint {
                name: s("vpce-ecr"),
                vpc: s("vpc"),
                kind: s("interface"),
                service: s("com.amazonaws.us-east-1.ecr.api"),
                subnets: vec![s(&format!("subnet-{sn}"))],
                security_groups: vec![s("sg-0")],
                private_dns: Some(private_dns),
                ..Default::default()
            }));
            f.network_interfaces.push(sp(NetworkInterface {
                name: s("vpce-ecr-eni"),
                subnet: s(&format!("subnet-{sn}")),
                owner: Some(sp(EniOwner {
                    vpc_endpoint: Some(s("vpce-ecr")),
                    ..Default::default()
                })),
                private_ips: vec![sp(PrivateIp {
                    address: s(&format!("10.0.{sn}.200")),
                    public_ip: None,
                    eip_allocation: None,
                })],
                security_groups: vec![s("sg-0")],
                source_dest_check: Some(false),
                ..Default::default()
            }));
        }
        f.policy = Some(sp(Policy {
            private_service_access: Some(sp(PrivateServiceAccessPolicy {
                uses: Some(vec![sp(ServiceUse {
                    services: vec![s("s3"), s("ecr.api")],
                    ..Default::default()
                })]),
                ..Default::default()
            })),
            ..Default::default()
        }));
    }
    match seed.bpa {
        1 => {
            f.block_public_access = Some(sp(BlockPublicAccess {
                mode: s("block-ingress"),
                exclusions: vec![],
            }))
        }
        2 => {
            f.block_public_access = Some(sp(BlockPublicAccess {
                mode: s("block-bidirectional"),
                exclusions: vec![sp(BpaExclusion {
                    resource: s("subnet-0"),
                    mode: s("allow-bidirectional"),
                })],
            }))
        }
        _ => {}
    }
    f
}

const AZS: &[&str] = &["us-east-1a", "us-east-1b", "us-east-1a"];

fn subnet_az(seed: &TopoSeed, sn: usize) -> Option<String> {
    match &seed.hybrid {
        Some(h) if !h.azs && sn == 2 => None,
        _ => Some(AZS[sn % AZS.len()].to_string()),
    }
}

fn route(dest: &str, target: &str) -> Sp<Route> {
    sp(Route {
        destination: Some(s(dest)),
        prefix_list: None,
        target: s(target),
        state: None,
        origin: None,
    })
}

fn adv(kind: u8) -> Option<Vec<Sp<String>>> {
    match kind {
        1 => Some(vec![s("10.50.0.0/16")]),
        2 => Some(vec![s("10.50.3.0/24"), s("10.50.0.0/16")]),
        _ => None,
    }
}

/// Adds the hybrid resources of `h` to `f`.
fn hybrid(f: &mut TopologyFile, seed: &TopoSeed, h: &HybridSeed) {
    let two = seed.second_vpc.is_some();
    let main = |f: &mut TopologyFile, vpc: &str| -> Option<usize> {
        f.route_tables
            .iter()
            .position(|t| t.vpc.value == vpc && t.main)
    };
    let add_route = |f: &mut TopologyFile, table: Option<usize>, dest: &str, target: &str| {
        if let Some(t) = table {
            let rt = &mut f.route_tables[t].value;
            if !rt
                .routes
                .iter()
                .any(|r| r.destination.as_ref().is_some_and(|d| d.value == dest))
            {
                rt.routes.push(route(dest, target));
            }
        }
    };
    if two {
        refs(f, &h.refs);
    }
    if let (Some(active), true) = (h.peering, two) {
        f.peering_connections.push(sp(PeeringConnection {
            name: s("pcx"),
            requester_vpc: s("vpc"),
            accepter_vpc: s("vpc2"),
            status: (!active).then(|| s("pending-acceptance")),
            ..Default::default()
        }));
        let m = main(f, "vpc");
        add_route(f, m, "10.1.0.0/16", "pcx");
        let m2 = main(f, "vpc2");
        add_route(f, m2, "10.0.0.0/16", "pcx");
    }
    let mut vias: Vec<Sp<String>> = Vec::new();
    let mut advertises: Vec<Sp<OnPremAdvertisement>> = Vec::new();
    f.customer_gateways.push(sp(CustomerGateway {
        name: s("cgw"),
        ip_address: Some(s("198.51.100.77")),
        ..Default::default()
    }));
    if let Some(appliance) = h.tgw {
        let mut atts = vec![sp(TgwAttachment {
            name: s("att-vpc"),
            kind: s("vpc"),
            vpc: Some(s("vpc")),
            subnets: (0..h.tgw_subnets.min(seed.subnets))
                .map(|i| s(&format!("subnet-{i}")))
                .collect(),
            appliance_mode: Some(appliance),
            security_group_referencing: h.refs.tgw.1,
            ..Default::default()
        })];
        if two {
            atts.push(sp(TgwAttachment {
                name: s("att-vpc2"),
                kind: s("vpc"),
                vpc: Some(s("vpc2")),
                subnets: vec![s("subnet2")],
                security_group_referencing: h.refs.tgw.2,
                ..Default::default()
            }));
        }
        atts.push(sp(TgwAttachment {
            name: s("att-vpn"),
            kind: s("vpn"),
            vpn_connection: Some(s("vpn-tgw")),
            ..Default::default()
        }));
        atts.push(sp(TgwAttachment {
            name: s("att-dx"),
            kind: s("direct-connect-gateway"),
            direct_connect_gateway: Some(s("dxgw")),
            ..Default::default()
        }));
        let all: Vec<Sp<String>> = atts.iter().map(|a| a.name.clone()).collect();
        let mut props = Vec::new();
        if h.propagate.0 {
            props.push(s("att-vpc"));
            if two {
                props.push(s("att-vpc2"));
            }
        }
        if h.propagate.1 {
            props.push(s("att-vpn"));
        }
        if h.propagate.2 {
            props.push(s("att-dx"));
        }
        let statics = match h.tgw_static {
            1 => vec![sp(TgwRoute {
                destination: Some(s("10.50.0.0/16")),
                attachment: Some(s("att-vpn")),
                ..Default::default()
            })],
            2 => vec![sp(TgwRoute {
                destination: Some(s("10.50.0.0/16")),
                blackhole: Some(sp(true)),
                ..Default::default()
            })],
            3 => vec![sp(TgwRoute {
                destination: Some(s("10.50.0.0/16")),
                attachment: Some(s("att-dx")),
                ..Default::default()
            })],
            _ => Vec::new(),
        };
        f.transit_gateways.push(sp(TransitGateway {
            name: s("tgw"),
            security_group_referencing: Some(h.refs.tgw.0),
            attachments: atts,
            route_tables: vec![sp(TgwRouteTable {
                name: s("tgw-rt"),
                associations: all,
                propagations: props,
                routes: statics,
                ..Default::default()
            })],
            ..Default::default()
        }));
        f.vpn_connections.push(sp(VpnConnection {
            name: s("vpn-tgw"),
            customer_gateway: s("cgw"),
            gateway: s("tgw"),
            ..Default::default()
        }));
        f.direct_connect = Some(sp(DirectConnect {
            connections: vec![sp(DxConnection {
                name: s("dxcon"),
                ..Default::default()
            })],
            virtual_interfaces: {
                let mut v = vec![sp(DxVirtualInterface {
                    name: s("vif-t"),
                    kind: s("transit"),
                    connection: s("dxcon"),
                    direct_connect_gateway: Some(s("dxgw")),
                    ..Default::default()
                })];
                if h.public_vif {
                    v.push(sp(DxVirtualInterface {
                        name: s("vif-pub"),
                        kind: s("public"),
                        connection: s("dxcon"),
                        advertised_prefixes: vec![s("198.51.100.0/24")],
                        ..Default::default()
                    }));
                }
                v
            },
            gateways: vec![sp(DxGateway {
                name: s("dxgw"),
                associations: vec![sp(DxGatewayAssociation {
                    transit_gateway: Some(s("tgw")),
                    vpn_gateway: None,
                    allowed_prefixes: vec![s(if h.dx_allows_vpc {
                        "10.0.0.0/16"
                    } else {
                        "192.168.100.0/24"
                    })],
                })],
                ..Default::default()
            })],
            ..Default::default()
        }));
        let m = main(f, "vpc");
        add_route(f, m, "10.50.0.0/16", "tgw");
        if h.peering.is_none() && two {
            add_route(f, m, "10.1.0.0/16", "tgw");
            let m2 = main(f, "vpc2");
            add_route(f, m2, "10.0.0.0/16", "tgw");
            add_route(f, m2, "10.50.0.0/16", "tgw");
        }
        vias.push(s("vpn-tgw"));
        vias.push(s("vif-t"));
        if h.public_vif {
            vias.push(s("vif-pub"));
        }
        if let Some(p) = adv(h.adv.0) {
            advertises.push(sp(OnPremAdvertisement {
                via: s("vpn-tgw"),
                prefixes: p,
            }));
        }
        if let Some(p) = adv(h.adv.1) {
            advertises.push(sp(OnPremAdvertisement {
                via: s("vif-t"),
                prefixes: p,
            }));
        }
    }
    if let Some(propagating) = h.vgw {
        f.vpn_gateways.push(sp(VpnGateway {
            name: s("vgw"),
            vpc: Some(s("vpc")),
            ..Default::default()
        }));
        f.vpn_connections.push(sp(VpnConnection {
            name: s("vpn-vgw"),
            customer_gateway: s("cgw"),
            gateway: s("vgw"),
            static_routes_only: Some(h.vgw_vpn_static),
            routes: if h.vgw_vpn_static {
                vec![s("10.50.0.0/16")]
            } else {
                Vec::new()
            },
            ..Default::default()
        }));
        if propagating && let Some(m) = main(f, "vpc") {
            f.route_tables[m].value.propagating_gateways.push(s("vgw"));
        }
        vias.push(s("vpn-vgw"));
        if h.branch {
            f.customer_gateways.push(sp(CustomerGateway {
                name: s("cgw-branch"),
                ip_address: Some(s("198.51.100.88")),
                ..Default::default()
            }));
            f.vpn_connections.push(sp(VpnConnection {
                name: s("vpn-branch"),
                customer_gateway: s("cgw-branch"),
                gateway: s("vgw"),
                ..Default::default()
            }));
            f.on_prem_networks.push(sp(OnPremNetwork {
                name: s("branch"),
                cidrs: vec![s("192.168.50.0/24")],
                via: vec![s("vpn-branch")],
                advertises: vec![sp(OnPremAdvertisement {
                    via: s("vpn-branch"),
                    prefixes: vec![s("192.168.50.0/24")],
                })],
                prefer: Vec::new(),
                ..Default::default()
            }));
        }
        if !h.vgw_vpn_static
            && let Some(p) = adv(h.adv.2)
        {
            advertises.push(sp(OnPremAdvertisement {
                via: s("vpn-vgw"),
                prefixes: p,
            }));
        }
    }
    if !vias.is_empty() && !h.derived_onprem {
        f.on_prem_networks.push(sp(OnPremNetwork {
            name: s("dc"),
            cidrs: if h.public_vif && h.tgw.is_some() {
                vec![s("10.50.0.0/16"), s("198.51.100.0/24")]
            } else {
                vec![s("10.50.0.0/16")]
            },
            via: vias,
            advertises,
            prefer: match h.prefer {
                1 => vec![s("vpn"), s("dx")],
                2 => vec![s("dx"), s("vpn")],
                _ => Vec::new(),
            },
            ..Default::default()
        }));
    }
}

/// Security group references between the two VPCs and their Regions
/// (C-5.7, C-8.4).
fn refs(f: &mut TopologyFile, r: &RefSeed) {
    let all = |group: &str| {
        sp(SgRule {
            protocol: sp(Scalar("all".into())),
            ports: None,
            icmp_type: None,
            icmp_code: None,
            cidr: None,
            prefix_list: None,
            security_group: Some(s(group)),
            description: None,
        })
    };
    let has_sg0 = f.security_groups.iter().any(|g| g.name.value == "sg-0");
    for g in &mut f.security_groups {
        let g = &mut g.value;
        if g.name.value == "sg2" && has_sg0 {
            if r.sg2_in_from_sg0 {
                g.ingress.push(all("sg-0"));
            }
            if r.sg2_out_to_sg0 {
                g.egress = vec![all("sg-0")];
            }
        }
        if g.name.value == "sg-0" && r.sg0_in_from_sg2 {
            g.ingress.push(all("sg2"));
        }
    }
    for v in &mut f.vpcs {
        let v = &mut v.value;
        v.region = match (r.regions, v.name.value.as_str()) {
            (0, _) => v.region.take(),
            (2, "vpc2") => Some("eu-west-1".into()),
            _ => Some("us-east-1".into()),
        };
    }
}
