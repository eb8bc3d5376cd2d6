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
    pub lb: Option<(usize, bool)>,
    pub bpa: u8,
    /// An edge route table on the IGW: 0 none, 1 local only, 2 redirect a
    /// subnet to an appliance interface (C-3.11).
    pub edge: u8,
    /// A second VPC with its own IGW and one interface.
    pub second_vpc: Option<(bool, bool)>,
    /// VPC endpoints: an S3 gateway endpoint on the tables of this bit
    /// mask, dual-stack or not, and an ecr.api interface endpoint (its
    /// interface in this subnet, private DNS on or off).
    pub endpoints: Option<EndpointSeed>,
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
                (edge, second_vpc, endpoints),
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
                    target_group: None,
                }),
                sp(Listener {
                    protocol: s("HTTPS"),
                    port: sp(443),
                    target_group: None,
                }),
            ],
            ..Default::default()
        }));
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
