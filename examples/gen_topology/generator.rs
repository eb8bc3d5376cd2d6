//! The topology generator behind `examples/gen_topology.rs`, also compiled
//! into `tests/generator.rs`.
//!
//! It writes an organisation-sized AWS network as topology YAML, sized by AWS
//! quotas (see [`Size::params`]), with a known set of planted
//! misconfigurations. Everything else is built so that it is genuinely not
//! exposed, so `netverify check` must report exactly the planted ones.
//!
//! Design:
//! - Deterministic: one seeded SplitMix64 stream ([`Rng`]), no hash-map
//!   iteration, no clock. The same size and seed give the same bytes on any
//!   machine.
//! - Fast: YAML is written as text, one flow mapping per resource (or per
//!   rule), into one buffer per top-level section; the sections are written
//!   out at the end. No serde tree is built.
//! - Layout: this file holds the sizes, the planted kinds, the summary and
//!   the output; `network.rs` lays out a VPC (subnets, NAT gateways, route
//!   tables, NACLs), `security.rs` writes prefix lists and security groups,
//!   `workloads.rs` the interfaces, load balancers and planted violations.
//! - The network is generated one VPC at a time. Every VPC has public
//!   subnets (the load balancer nodes and NAT gateways, `0.0.0.0/0 -> igw`),
//!   private app subnets (`0.0.0.0/0 -> nat`, `::/0 -> eigw` when
//!   dual-stack), data subnets (local routes only) and a management subnet.
//!
//! Why each non-planted interface is not exposed (the `public-exposure`
//! rules, AWS-SEMANTICS C-6.1, C-6.2, C-5.6, C-14.3):
//! - no public IPv4 on a workload unless all its security groups admit only
//!   private sources (RFC 1918, RFC 6598), security group references or
//!   prefix lists with private entries, or (the bastions) exactly what
//!   `policy.public_exposure` allows, or its NACL denies what its SGs open;
//! - IPv6 is admitted only from the VPC's own IPv6 CIDR (which the internet
//!   gateway drops as spoofed, C-6.3) or from ULA prefix lists;
//! - load balancer nodes receive only their listeners (C-14.3); NAT gateway
//!   interfaces receive nothing unsolicited (C-7.1).

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::io;
use std::net::{Ipv4Addr, Ipv6Addr};

use anyhow::{Result, bail};

// A file loaded with `#[path]` owns its directory: these submodules are the
// files beside this one.
mod hybrid;
mod network;
mod security;
mod workloads;

// ---------------------------------------------------------------------------
// Sizes

/// How big a network to generate.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Size {
    Small,
    Large,
    Huge,
}

/// The kind of network, beside its size: the bench checks every row of
/// its table for every shape, because networks shaped differently stress
/// different parts of the analysis.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, clap::ValueEnum)]
pub enum Shape {
    /// Gateway endpoints for S3 and DynamoDB, prefix lists, a transit
    /// gateway with a VPN and Direct Connect from `large` up.
    #[default]
    Standard,
    /// No VPC endpoints and no prefix lists (rules name CIDRs instead), and
    /// no `private_service_access` policy: the shape of most accounts, and
    /// the slowest for `private-service-access`, which then reports a note
    /// per workload. The planted S3 leaks need endpoints and are left out.
    NoService,
    /// Every workload interface has its own combination of one to five
    /// security groups, so no two interfaces share a filter class.
    SgCombos,
    /// Many VPN and MACsec Direct Connect connections on more transit
    /// gateways, with on-prem networks derived from the transit gateways'
    /// static routes (none declared for them).
    HybridHeavy,
}

impl Shape {
    pub fn name(self) -> &'static str {
        match self {
            Shape::Standard => "standard",
            Shape::NoService => "no-service",
            Shape::SgCombos => "sg-combos",
            Shape::HybridHeavy => "hybrid-heavy",
        }
    }
}

/// Which network ACLs each VPC has (the counts in the sizing table).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum NaclLayout {
    /// `public`, `private` (app, data and management share it).
    Two,
    /// the default NACL (unused), `public`, `app` (also management), `data`.
    Four,
    /// the default NACL (unused), `public`, `app`, `data`, `mgmt`.
    Five,
}

/// The targets of one size. Counts marked "about" can differ slightly: the
/// heavy VPCs add a route table and a NACL, a VPC with a planted NACL may
/// add one, and SG rules follow a running budget.
#[derive(Debug, Clone, Copy)]
pub struct Params {
    pub vpcs: usize,
    pub subnets_per_vpc: usize,
    /// About.
    pub route_tables_per_vpc: usize,
    nacl_layout: NaclLayout,
    pub sgs_per_vpc: usize,
    /// About: ingress and egress rules of every security group.
    pub sg_rules: usize,
    pub enis: usize,
    pub load_balancers: usize,
    /// One NAT gateway per AZ, or one per VPC.
    pub nat_per_az: bool,
    pub prefix_lists: usize,
    /// Planted `public-exposure` violations.
    pub planted: usize,
    /// VPCs holding the interfaces at the quota maximum (about 1% of ENIs):
    /// 16 SGs of 60 rules, a 40-rule NACL, a 1,000-route table.
    pub heavy_vpcs: usize,
    /// Transit gateways, each with a VPN and a Direct Connect gateway; every
    /// VPC is attached to one of them.
    pub tgws: usize,
    /// Planted `transit-encryption` violations: unencrypted DX paths.
    pub planted_dx: usize,
    /// Gateway endpoints, prefix lists and the `private_service_access`
    /// policy ([`Shape::NoService`] turns them off).
    pub service_data: bool,
    /// Each workload gets its own combination of 1–5 security groups.
    pub sg_combos: bool,
    /// Extra VPN connections per transit gateway, each with a static route
    /// to a /24 of `100.64.0.0/10` that no declared network covers.
    pub extra_vpns_per_tgw: usize,
    /// Extra MACsec (`must_encrypt`) Direct Connect connections per transit
    /// gateway, each with a transit VIF, likewise routed to a /24.
    pub extra_dx_per_tgw: usize,
}

impl Size {
    pub fn params(self) -> Params {
        match self {
            Size::Small => Params {
                vpcs: 5,
                subnets_per_vpc: 12,
                route_tables_per_vpc: 6,
                nacl_layout: NaclLayout::Two,
                sgs_per_vpc: 50,
                sg_rules: 5_000,
                enis: 1_000,
                load_balancers: 6,
                nat_per_az: true,
                prefix_lists: 8,
                planted: PlantKind::ALL.len(),
                heavy_vpcs: 1,
                tgws: 0,
                planted_dx: 0,
                service_data: true,
                sg_combos: false,
                extra_vpns_per_tgw: 0,
                extra_dx_per_tgw: 0,
            },
            Size::Large => Params {
                vpcs: 100,
                subnets_per_vpc: 20,
                route_tables_per_vpc: 10,
                nacl_layout: NaclLayout::Four,
                sgs_per_vpc: 50,
                sg_rules: 100_000,
                enis: 25_000,
                load_balancers: 200,
                nat_per_az: false,
                prefix_lists: 50,
                planted: 25,
                heavy_vpcs: 10,
                tgws: 1,
                planted_dx: 5,
                service_data: true,
                sg_combos: false,
                extra_vpns_per_tgw: 0,
                extra_dx_per_tgw: 0,
            },
            Size::Huge => Params {
                vpcs: 1_000,
                subnets_per_vpc: 20,
                route_tables_per_vpc: 10,
                nacl_layout: NaclLayout::Five,
                sgs_per_vpc: 50,
                sg_rules: 1_000_000,
                enis: 200_000,
                load_balancers: 2_000,
                nat_per_az: false,
                prefix_lists: 500,
                planted: 100,
                heavy_vpcs: 100,
                tgws: 5,
                planted_dx: 10,
                service_data: true,
                sg_combos: false,
                extra_vpns_per_tgw: 0,
                extra_dx_per_tgw: 0,
            },
        }
    }

    /// The targets of this size in `shape`.
    pub fn params_in(self, shape: Shape) -> Params {
        let mut p = self.params();
        match shape {
            Shape::Standard => {}
            Shape::NoService => {
                p.service_data = false;
                p.prefix_lists = 0;
            }
            Shape::SgCombos => p.sg_combos = true,
            Shape::HybridHeavy => {
                let (tgws, vpns, dx) = match self {
                    Size::Small => (2, 4, 2),
                    Size::Large => (4, 16, 8),
                    Size::Huge => (10, 40, 20),
                };
                p.tgws = tgws;
                p.planted_dx = p.planted_dx.max(2);
                p.extra_vpns_per_tgw = vpns;
                p.extra_dx_per_tgw = dx;
            }
        }
        p
    }

    pub fn name(self) -> &'static str {
        match self {
            Size::Small => "small",
            Size::Large => "large",
            Size::Huge => "huge",
        }
    }
}

// ---------------------------------------------------------------------------
// Planted violations

/// The id of the check most planted violations below break.
pub const PUBLIC_EXPOSURE: &str = "public-exposure";
/// The check of the planted S3 and DynamoDB leaks.
pub const PRIVATE_SERVICE_ACCESS: &str = "private-service-access";

/// The id of the check that must find the planted unencrypted DX paths.
pub const TRANSIT_ENCRYPTION: &str = "transit-encryption";

/// A misconfiguration that `public-exposure` must find. Each is one of the
/// traps of AWS-SEMANTICS §16 or a bundled `fail-*` topology.
///
/// Extension point: the unencrypted Direct Connect links of
/// `transit-encryption` belong to a later issue. Planting them means a new
/// kind here whose [`PlantKind::check`] is that check's id, and a branch in
/// `Gen::plant`; the manifest already groups the planted resources by check
/// id. The S3 leaks of `private-service-access` are the last two kinds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum PlantKind {
    /// A public IPv4 on a workload whose SG allows tcp/8080 from 0.0.0.0/0.
    PublicIpOpenSg,
    /// A workload whose subnet routes an on-prem /24 to the transit gateway,
    /// where the /24 is learned over a `no_encrypt` Direct Connect link and
    /// beats the VPN's /12 by longest prefix (`transit-encryption`, T-16).
    /// Not in [`PlantKind::ALL`]: planted by `Gen::hybrid`.
    UnencryptedDx,
    /// An Elastic IP on a workload in a NAT-routed subnet, SG open (trap 1).
    EipNatRoutedSubnet,
    /// An Elastic IP on a secondary private IP, SG open (trap 34).
    EipOnSecondaryIp,
    /// `0.0.0.0/1` + `128.0.0.0/1` in an SG of a public interface (trap 4).
    SgSplitDefaultRoute,
    /// `::/0` ingress on a dual-stack interface with an IPv6 address (trap 5).
    Ipv6OpenSg,
    /// A NACL `allow all` numbered before the SSH deny (trap 32).
    NaclAllowBeforeDeny,
    /// A bastion with SSH open to the world and no policy allowance.
    BastionSshOpen,
    /// A second SG that allows everything, next to a strict one (C-5.1).
    SecondWideOpenSg,
    /// A workload in a subnet whose route table the gateway endpoints are
    /// not associated with: S3 and DynamoDB go through the NAT gateway
    /// (trap 7).
    S3ViaNat,
    /// A workload in a subnet whose table routes part of S3's range to the
    /// NAT gateway, more specifically than the endpoint's entry (trap 8).
    S3RouteOverlap,
}

impl PlantKind {
    pub const ALL: [PlantKind; 10] = [
        PlantKind::PublicIpOpenSg,
        PlantKind::EipNatRoutedSubnet,
        PlantKind::EipOnSecondaryIp,
        PlantKind::SgSplitDefaultRoute,
        PlantKind::Ipv6OpenSg,
        PlantKind::NaclAllowBeforeDeny,
        PlantKind::BastionSshOpen,
        PlantKind::SecondWideOpenSg,
        PlantKind::S3ViaNat,
        PlantKind::S3RouteOverlap,
    ];

    pub fn slug(self) -> &'static str {
        match self {
            PlantKind::PublicIpOpenSg => "public-ip-open-sg",
            PlantKind::EipNatRoutedSubnet => "eip-nat-routed-subnet",
            PlantKind::EipOnSecondaryIp => "eip-on-secondary-ip",
            PlantKind::SgSplitDefaultRoute => "sg-split-default-route",
            PlantKind::Ipv6OpenSg => "ipv6-open-sg",
            PlantKind::NaclAllowBeforeDeny => "nacl-allow-before-deny",
            PlantKind::BastionSshOpen => "bastion-ssh-open",
            PlantKind::SecondWideOpenSg => "second-wide-open-sg",
            PlantKind::UnencryptedDx => "dx-unencrypted",
            PlantKind::S3ViaNat => "s3-via-nat",
            PlantKind::S3RouteOverlap => "s3-route-overlap",
        }
    }

    /// The check that must report it.
    pub fn check(self) -> &'static str {
        if self == PlantKind::UnencryptedDx {
            TRANSIT_ENCRYPTION
        } else if self.isolated() {
            PRIVATE_SERVICE_ACCESS
        } else {
            PUBLIC_EXPOSURE
        }
    }

    /// Needs the gateway endpoints (and the `private_service_access`
    /// policy) that [`Shape::NoService`] leaves out: there, every
    /// workload's S3 traffic leaves through a NAT gateway, and the check is
    /// one of [`Summary::broad`].
    pub fn needs_service_data(self) -> bool {
        self.isolated()
    }

    /// Planted in a subnet (and route table) of its own.
    pub fn isolated(self) -> bool {
        matches!(self, PlantKind::S3ViaNat | PlantKind::S3RouteOverlap)
    }

    fn needs_ipv6(self) -> bool {
        self == PlantKind::Ipv6OpenSg
    }

    fn describe(self) -> &'static str {
        match self {
            PlantKind::PublicIpOpenSg => {
                "public IPv4 on a workload whose SG allows tcp/8080 from 0.0.0.0/0"
            }
            PlantKind::EipNatRoutedSubnet => {
                "Elastic IP on a workload in a NAT-routed subnet; SG allows tcp/8443 from 0.0.0.0/0"
            }
            PlantKind::EipOnSecondaryIp => {
                "Elastic IP on a secondary private IP; SG allows tcp/8080 from 0.0.0.0/0"
            }
            PlantKind::SgSplitDefaultRoute => {
                "public IPv4; SG allows tcp/8080 from 0.0.0.0/1 and 128.0.0.0/1"
            }
            PlantKind::Ipv6OpenSg => "IPv6 address; SG allows tcp/8080 from ::/0",
            PlantKind::NaclAllowBeforeDeny => {
                "public IPv4; SG allows tcp/22 from 0.0.0.0/0; NACL rule 150 allows all before the deny at 200"
            }
            PlantKind::BastionSshOpen => {
                "bastion with an Elastic IP and tcp/22 open to 0.0.0.0/0, not in the policy"
            }
            PlantKind::SecondWideOpenSg => {
                "public IPv4; a second SG allows all traffic from 0.0.0.0/0"
            }
            PlantKind::UnencryptedDx => {
                "subnet routes an on-prem /24 to the TGW, which learned it over an unencrypted DX link"
            }
            PlantKind::S3ViaNat => {
                "subnet on a route table without the S3 and DynamoDB endpoint routes: 0.0.0.0/0 -> NAT"
            }
            PlantKind::S3RouteOverlap => {
                "subnet whose route table sends 52.216.0.0/16 (inside S3's 52.216.0.0/15) to the NAT gateway"
            }
        }
    }
}

/// One planted violation: the check that must report it and the resource
/// it must name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Planted {
    pub check: &'static str,
    /// The network interface, named `planted-…`.
    pub resource: String,
    pub kind: PlantKind,
    pub vpc: String,
}

/// The manifest: planted resources by check id, as JSON
/// (`{"public-exposure": ["planted-…", …]}`).
pub fn manifest_json(planted: &[Planted]) -> Result<String> {
    let mut by_check: BTreeMap<&str, Vec<&str>> = BTreeMap::new();
    by_check.entry(PUBLIC_EXPOSURE).or_default();
    by_check.entry(TRANSIT_ENCRYPTION).or_default();
    by_check.entry(PRIVATE_SERVICE_ACCESS).or_default();
    for p in planted {
        by_check.entry(p.check).or_default().push(&p.resource);
    }
    Ok(serde_json::to_string_pretty(&by_check)?)
}

// ---------------------------------------------------------------------------
// Summary

/// How many of each resource were written.
#[derive(Debug, Clone, Default)]
pub struct Counts {
    pub prefix_lists: usize,
    pub vpcs: usize,
    pub internet_gateways: usize,
    pub egress_only_internet_gateways: usize,
    pub subnets: usize,
    pub route_tables: usize,
    pub routes: usize,
    pub network_acls: usize,
    pub nacl_rules: usize,
    pub security_groups: usize,
    pub sg_rules: usize,
    pub instances: usize,
    pub network_interfaces: usize,
    pub public_ipv4: usize,
    pub ipv6_addresses: usize,
    pub nat_gateways: usize,
    pub load_balancers: usize,
    pub target_groups: usize,
    pub targets: usize,
    pub policy_allowances: usize,
    pub vpc_endpoints: usize,
}

impl Counts {
    pub fn rows(&self) -> [(&'static str, usize); 21] {
        [
            ("prefix lists", self.prefix_lists),
            ("vpcs", self.vpcs),
            ("internet gateways", self.internet_gateways),
            (
                "egress-only internet gateways",
                self.egress_only_internet_gateways,
            ),
            ("subnets", self.subnets),
            ("route tables", self.route_tables),
            ("routes", self.routes),
            ("network acls", self.network_acls),
            ("network acl rules", self.nacl_rules),
            ("security groups", self.security_groups),
            ("security group rules", self.sg_rules),
            ("instances", self.instances),
            ("network interfaces", self.network_interfaces),
            ("public ipv4 addresses", self.public_ipv4),
            ("ipv6 addresses", self.ipv6_addresses),
            ("nat gateways", self.nat_gateways),
            ("load balancers", self.load_balancers),
            ("target groups", self.target_groups),
            ("targets", self.targets),
            ("policy allowances", self.policy_allowances),
            ("vpc endpoints", self.vpc_endpoints),
        ]
    }
}

/// What was generated.
#[derive(Debug, Clone)]
pub struct Summary {
    pub counts: Counts,
    /// Checks that the shape makes fail everywhere, not at planted
    /// resources ([`Shape::NoService`]: `private-service-access`, since
    /// without endpoints every workload's S3 and DynamoDB traffic leaves
    /// through a NAT or internet gateway, C-15.6). Their violations are not
    /// compared with the planted ones; the check must be `violated`.
    pub broad: Vec<&'static str>,
    pub planted: Vec<Planted>,
    pub bytes: usize,
}

/// Writes the topology for `size` and `seed` to `out`.
pub fn generate(size: Size, shape: Shape, seed: u64, out: &mut dyn io::Write) -> Result<Summary> {
    let mut g = Gen::new(size, shape, seed);
    g.build()?;
    let bytes = g.write(out)?;
    Ok(Summary {
        broad: if g.p.service_data {
            Vec::new()
        } else {
            vec![PRIVATE_SERVICE_ACCESS]
        },
        counts: g.n,
        planted: g.planted,
        bytes,
    })
}

// ---------------------------------------------------------------------------
// Randomness

/// SplitMix64: tiny, fast, and its output is fixed by its definition, so a
/// seed means the same network forever, on every platform.
struct Rng(u64);

impl Rng {
    fn new(seed: u64) -> Rng {
        Rng(seed ^ 0x6A09_E667_F3BC_C908)
    }

    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform in `0..n` (0 when `n` is 0).
    fn below(&mut self, n: usize) -> usize {
        (((self.next() >> 32) * (n as u64)) >> 32) as usize
    }

    /// Uniform in `lo..=hi`.
    fn range(&mut self, lo: usize, hi: usize) -> usize {
        lo + self.below(hi.saturating_sub(lo) + 1)
    }

    fn percent(&mut self, p: usize) -> bool {
        self.below(100) < p
    }

    fn pick<'a>(&mut self, xs: &[&'a str]) -> &'a str {
        xs.get(self.below(xs.len())).copied().unwrap_or_default()
    }
}

// ---------------------------------------------------------------------------
// Constants of the network

const REGION: &str = "us-east-1";
/// Who uses which AWS services (`private-service-access`): every workload
/// interface uses S3 and DynamoDB.
const PSA_POLICY: &str = "  # Every workload uses S3 and DynamoDB, through the gateway endpoints.\n  private_service_access:\n    uses:\n      - {services: [s3, dynamodb]}\n";
/// The part of S3's `52.216.0.0/15` the planted overlap routes to the NAT.
const S3_OVERLAP: &str = "52.216.0.0/16";
const ACCOUNT: &str = "123456789012";
const AZS: [&str; 3] = ["a", "b", "c"];
const ENVS: [&str; 5] = ["prod", "staging", "dev", "shared", "sandbox"];
const ANY4: &str = "0.0.0.0/0";
const ANY6: &str = "\"::/0\"";
/// The office range the bastions admit SSH from (and the policy allows).
const OFFICE: &str = "198.51.100.0/24";
/// A known-bad range the public NACLs deny.
const BLOCKED: &str = "203.0.113.0/24";
/// The on-premises VPN range.
const VPN: &str = "192.168.0.0/16";
const TCP_PORTS: [&str; 24] = [
    "22", "80", "443", "2049", "2379", "3000", "3306", "5000", "5432", "5672", "6379", "8000",
    "8080", "8443", "8500", "9000", "9090", "9100", "9200", "9300", "11211", "15672", "27017",
    "50051",
];
const TCP_RANGES: [&str; 5] = [
    "8080-8090",
    "9000-9010",
    "30000-32767",
    "7000-7001",
    "4000-4100",
];
const UDP_PORTS: [&str; 6] = ["53", "123", "161", "514", "4789", "8125"];
/// Workload roles for the filler instances (names only).
const APP_ROLES: [&str; 8] = [
    "api", "worker", "svc", "batch", "cache", "queue", "search", "ingest",
];

/// A double-quoted YAML scalar, for what flow context cannot take plain:
/// IPv6 addresses and CIDRs, ARNs, descriptions (none holds `"` or `\`).
fn q(s: impl std::fmt::Display) -> String {
    format!("\"{s}\"")
}

fn v4(a: u32) -> Ipv4Addr {
    Ipv4Addr::from(a)
}

fn v6_net(upper: u64, len: u8) -> String {
    q(format!("{}/{len}", Ipv6Addr::from(u128::from(upper) << 64)))
}

/// An SG rule: `what` is the protocol part (`protocol: tcp, ports: 443`),
/// `peer` the peer part (`cidr: 10.0.0.0/8`).
fn sg_rule(what: &str, peer: &str) -> String {
    format!("{{{what}, {peer}}}")
}

fn tcp(ports: &str) -> String {
    format!("protocol: tcp, ports: {ports}")
}

fn udp(ports: &str) -> String {
    format!("protocol: udp, ports: {ports}")
}

fn cidr(c: &str) -> String {
    format!("cidr: {c}")
}

fn sg_ref(name: &str) -> String {
    format!("security_group: {name}")
}

fn pl_ref(name: &str) -> String {
    format!("prefix_list: {name}")
}

fn route(dest: &str, target: &str) -> String {
    format!("{{destination: {dest}, target: {target}}}")
}

/// A NACL rule: number, action, protocol part, CIDR.
type NaclRule = (u32, &'static str, String, String);

/// NACL rules numbered 100, 110, 120, … in order.
fn numbered(rules: Vec<(&'static str, String, &str)>) -> Vec<NaclRule> {
    rules
        .into_iter()
        .enumerate()
        .map(|(k, (action, what, c))| (100 + 10 * k as u32, action, what, c.to_string()))
        .collect()
}

// ---------------------------------------------------------------------------
// The generator

#[derive(Default)]
struct Sections {
    prefix_lists: String,
    vpcs: String,
    internet_gateways: String,
    egress_only_internet_gateways: String,
    subnets: String,
    route_tables: String,
    network_acls: String,
    security_groups: String,
    instances: String,
    network_interfaces: String,
    nat_gateways: String,
    load_balancers: String,
    target_groups: String,
    vpc_endpoints: String,
    allow: String,
    transit_gateways: String,
    customer_gateways: String,
    vpn_connections: String,
    direct_connect: String,
    on_prem_networks: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Tier {
    Public,
    Data,
    Mgmt,
    App,
    /// An app subnet holding the interfaces at the quota maximum.
    Heavy,
    /// A subnet of its own for a planted `private-service-access` leak.
    Isolated,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum LbKind {
    PublicAlb,
    PublicNlb,
    InternalAlb,
}

struct Subnet {
    name: String,
    tier: Tier,
    az: usize,
    base: u32,
    next: u32,
    /// The upper 64 bits of its IPv6 /64, when dual-stack.
    v6: Option<u64>,
    v6_next: u64,
    route_table: String,
    nacl: String,
}

impl Subnet {
    fn cidr(&self) -> String {
        format!("{}/24", v4(self.base))
    }

    /// The next free address: AWS reserves .0–.3 and .255 of a /24.
    fn take_v4(&mut self, rng: &mut Rng) -> Result<Ipv4Addr> {
        let host = self.next;
        if host > 254 {
            bail!("subnet `{}` has no free address left", self.name);
        }
        self.next += 1 + rng.below(3) as u32;
        Ok(v4(self.base + host))
    }

    fn take_v6(&mut self, rng: &mut Rng) -> Option<Ipv6Addr> {
        let upper = self.v6?;
        self.v6_next += 1;
        let low = ((rng.next() & 0xffff_ffff_ffff) << 16) | (self.v6_next & 0xffff);
        Some(Ipv6Addr::from((u128::from(upper) << 64) | u128::from(low)))
    }
}

/// A public IPv4 mapping of a private address.
#[derive(Debug, Clone)]
enum Public {
    None,
    Auto,
    Eip(Ipv4Addr, String),
}

/// How a workload is built.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum PubKind {
    None,
    Auto,
    Eip,
}

struct Workload<'a> {
    /// Names the instance (`{vpc}-{role}-{k}`) and its tag.
    role: &'a str,
    /// The interface name, when not `{instance}-eni`.
    eni_name: Option<String>,
    /// `Some(service)`: an interface owned by that service, no instance.
    service: Option<&'a str>,
    public: PubKind,
    /// A secondary private IP, with this public mapping.
    secondary: Option<PubKind>,
    v6: bool,
    sgs: Vec<String>,
    comment: Option<String>,
}

impl<'a> Workload<'a> {
    fn new(role: &'a str, sgs: Vec<String>) -> Workload<'a> {
        Workload {
            role,
            eni_name: None,
            service: None,
            public: PubKind::None,
            secondary: None,
            v6: false,
            sgs,
            comment: None,
        }
    }
}

struct Vpc {
    idx: usize,
    name: String,
    /// The prefix of every resource name in the VPC.
    p: String,
    base: u32,
    len: u8,
    v6: Option<u64>,
    env: &'static str,
    heavy: bool,
    nacl_bug: bool,
    subnets: Vec<Subnet>,
    nats: Vec<String>,
    igw: String,
    eigw: Option<String>,
    workloads: usize,
    /// Pool SGs with private sources only, for any workload.
    pool: Vec<String>,
    /// The 16 SGs of 60 rules of the heavy interfaces.
    max_sgs: Vec<String>,
    /// SGs that rules may reference.
    refs: Vec<String>,
    albs: Vec<String>,
    /// The planted `private-service-access` leaks, each with a subnet and a
    /// route table of its own: (plant number, kind).
    isolated: Vec<(usize, PlantKind)>,
}

impl Vpc {
    fn cidr(&self) -> String {
        format!("{}/{}", v4(self.base), self.len)
    }

    fn v6_cidr(&self) -> Option<String> {
        self.v6.map(|u| v6_net(u, 56))
    }

    fn sg(&self, role: &str) -> String {
        format!("{}-{role}-sg", self.p)
    }

    fn nat(&self, az: usize) -> &str {
        self.nats
            .get(az)
            .or_else(|| self.nats.first())
            .map_or("", String::as_str)
    }

    fn subnets_of(&self, tier: Tier) -> Vec<usize> {
        (0..self.subnets.len())
            .filter(|&i| self.subnets.get(i).is_some_and(|s| s.tier == tier))
            .collect()
    }

    fn subnet_of(&self, tier: Tier, az: usize) -> usize {
        let all = self.subnets_of(tier);
        all.iter()
            .copied()
            .find(|&i| self.subnets.get(i).is_some_and(|s| s.az == az))
            .or_else(|| all.first().copied())
            .unwrap_or(0)
    }
}

struct Gen {
    size: Size,
    shape: Shape,
    seed: u64,
    p: Params,
    rng: Rng,
    next_id: u64,
    id_salt: u64,
    next_public: u32,
    s: Sections,
    n: Counts,
    planted: Vec<Planted>,
    /// (name, ipv6) of every prefix list.
    prefix_lists: Vec<(String, bool)>,
    /// (name, resource prefix, base address, prefix length) of every VPC.
    vpc_nets: Vec<(String, String, u32, u8)>,
    /// Route tables written for the current VPC.
    route_table_names: Vec<String>,
    /// The [`Shape::HybridHeavy`] Direct Connect connections, written into
    /// the `direct_connect` section by `Gen::hybrid`.
    extra_dx_connections: String,
}

impl Gen {
    fn new(size: Size, shape: Shape, seed: u64) -> Gen {
        let mut rng = Rng::new(seed);
        let id_salt = rng.next();
        let next_public = rng.below(4_000) as u32 * 254;
        Gen {
            size,
            shape,
            seed,
            p: size.params_in(shape),
            rng,
            next_id: 0,
            id_salt,
            next_public,
            s: Sections::default(),
            n: Counts::default(),
            planted: Vec::new(),
            prefix_lists: Vec::new(),
            vpc_nets: Vec::new(),
            route_table_names: Vec::new(),
            extra_dx_connections: String::new(),
        }
    }

    /// A fake AWS id, unique in the file: `{prefix}-0` and 16 hex digits.
    fn id(&mut self, prefix: &str) -> String {
        format!("{prefix}-0{:016x}", self.hex())
    }

    fn hex(&mut self) -> u64 {
        self.next_id += 1;
        // Bijective in `next_id`, so never repeats.
        (self.next_id ^ self.id_salt).wrapping_mul(0x9E37_79B9_7F4A_7C15)
    }

    fn arn(&mut self, kind: &str, name: &str) -> String {
        let h = self.hex();
        q(format!(
            "arn:aws:elasticloadbalancing:{REGION}:{ACCOUNT}:{kind}/{name}/{h:016x}"
        ))
    }

    /// A new public IPv4 address from 44.192.0.0/10, never a .0 or .255.
    fn public_ip(&mut self) -> Result<Ipv4Addr> {
        let k = self.next_public;
        self.next_public += 1;
        let (block, host) = (k / 254, k % 254 + 1);
        if block >= 1 << 14 {
            bail!("out of public addresses");
        }
        Ok(v4(u32::from(Ipv4Addr::new(44, 192, 0, 0))
            + block * 256
            + host))
    }

    fn eip(&mut self) -> Result<Public> {
        let a = self.public_ip()?;
        Ok(Public::Eip(a, self.id("eipalloc")))
    }

    fn eip_parts(&mut self) -> Result<(Ipv4Addr, String)> {
        let a = self.public_ip()?;
        Ok((a, self.id("eipalloc")))
    }

    fn public(&mut self, k: PubKind) -> Result<Public> {
        Ok(match k {
            PubKind::None => Public::None,
            PubKind::Auto => Public::Auto,
            PubKind::Eip => self.eip()?,
        })
    }

    fn build(&mut self) -> Result<()> {
        let p = self.p;
        self.prefix_lists()?;
        // Which VPC each planted violation goes to: spread out, with the
        // IPv6 one in a dual-stack VPC (every third).
        let mut plants: Vec<Vec<(usize, PlantKind)>> = vec![Vec::new(); p.vpcs];
        let offset = self.rng.below(p.vpcs);
        let kinds: Vec<PlantKind> = PlantKind::ALL
            .into_iter()
            .filter(|k| p.service_data || !k.needs_service_data())
            .collect();
        for n in 0..p.planted {
            let kind = kinds[n % kinds.len()];
            let mut v = (offset + n * 7) % p.vpcs;
            if kind.needs_ipv6() {
                v -= v % 3;
            }
            if let Some(list) = plants.get_mut(v) {
                list.push((n, kind));
            }
        }
        let heavy_stride = (p.vpcs / p.heavy_vpcs.max(1)).max(1);
        let mut target = p.sg_rules;
        for (i, plants) in plants.iter().enumerate() {
            let lbs: Vec<(usize, LbKind)> = (0..p.load_balancers)
                .filter(|g| g % p.vpcs == i)
                .map(|g| {
                    let kind = match g % 3 {
                        0 => LbKind::PublicAlb,
                        1 => LbKind::PublicNlb,
                        _ => LbKind::InternalAlb,
                    };
                    (g, kind)
                })
                .collect();
            let share = target / (p.vpcs - i);
            let before = self.n.sg_rules;
            self.vpc(i, i % heavy_stride == 1 % heavy_stride, plants, &lbs, share)?;
            target = target.saturating_sub(self.n.sg_rules - before);
        }
        self.hybrid()?;
        self.planted.sort_by(|a, b| a.resource.cmp(&b.resource));
        Ok(())
    }

    // ----- output ----------------------------------------------------------

    fn write(&self, out: &mut dyn io::Write) -> Result<usize> {
        let mut head = String::new();
        writeln!(
            head,
            "# Generated by `cargo run --release --example gen_topology -- --size {}{} --seed {}`.",
            self.size.name(),
            if self.shape == Shape::Standard {
                String::new()
            } else {
                format!(" --shape {}", self.shape.name())
            },
            self.seed
        )?;
        writeln!(
            head,
            "# An organisation-scale network sized by AWS quotas; do not edit by hand.\n#"
        )?;
        for (what, n) in self.n.rows() {
            writeln!(head, "#   {what}: {n}")?;
        }
        writeln!(
            head,
            "#\n# Planted violations (each interface is named `planted-…`; search for PLANTED):"
        )?;
        for p in &self.planted {
            writeln!(
                head,
                "#   {} {} ({}): {}",
                p.check,
                p.resource,
                p.vpc,
                p.kind.describe()
            )?;
        }
        if !self.p.service_data {
            writeln!(
                head,
                "#\n# No VPC endpoints and no prefix lists: private-service-access fails for\n# every workload, whose S3 and DynamoDB traffic leaves through a NAT or\n# internet gateway."
            )?;
        }
        writeln!(
            head,
            "#\n# Everything else is not reachable from the internet, except the load\n# balancers on their listeners and the bastions as the policy allows.\n"
        )?;
        writeln!(
            head,
            "version: 1\nname: generated {} network (seed {})\nregion: {REGION}\naccount: \"{ACCOUNT}\"",
            self.size.name(),
            self.seed
        )?;
        let s = &self.s;
        let sections: [(&str, &str); 18] = [
            ("prefix_lists", &s.prefix_lists),
            ("vpcs", &s.vpcs),
            ("internet_gateways", &s.internet_gateways),
            (
                "egress_only_internet_gateways",
                &s.egress_only_internet_gateways,
            ),
            ("subnets", &s.subnets),
            ("route_tables", &s.route_tables),
            ("network_acls", &s.network_acls),
            ("security_groups", &s.security_groups),
            ("instances", &s.instances),
            ("network_interfaces", &s.network_interfaces),
            ("nat_gateways", &s.nat_gateways),
            ("load_balancers", &s.load_balancers),
            ("target_groups", &s.target_groups),
            ("vpc_endpoints", &s.vpc_endpoints),
            ("transit_gateways", &s.transit_gateways),
            ("customer_gateways", &s.customer_gateways),
            ("vpn_connections", &s.vpn_connections),
            ("on_prem_networks", &s.on_prem_networks),
        ];
        let mut bytes = head.len();
        out.write_all(head.as_bytes())?;
        for (key, body) in sections {
            let line = if body.is_empty() {
                format!("\n{key}: []\n")
            } else {
                format!("\n{key}:\n")
            };
            out.write_all(line.as_bytes())?;
            out.write_all(body.as_bytes())?;
            bytes += line.len() + body.len();
        }
        if !s.direct_connect.is_empty() {
            let body = format!("\ndirect_connect:\n{}", s.direct_connect);
            out.write_all(body.as_bytes())?;
            bytes += body.len();
        }

        let mut policy = if s.allow.is_empty() {
            "\npolicy:\n  public_exposure:\n    allow: []\n".to_string()
        } else {
            format!(
                "\n# The bastions are meant to be reachable: SSH from the office range only.\npolicy:\n  public_exposure:\n    allow:\n{}",
                s.allow
            )
        };
        if self.p.service_data {
            policy.push_str(PSA_POLICY);
        }
        out.write_all(policy.as_bytes())?;
        bytes += policy.len();
        Ok(bytes)
    }
}

fn lb_name(v: &Vpc, g: usize, kind: LbKind) -> String {
    let what = match kind {
        LbKind::PublicAlb => "web-alb",
        LbKind::PublicNlb => "mqtt-nlb",
        LbKind::InternalAlb => "int-alb",
    };
    format!("{}-{what}-{g}", v.p)
}
