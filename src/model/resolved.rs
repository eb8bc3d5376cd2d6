//! The validated, resolved topology that the engine and the simulator read.
//!
//! Every reference is an index into the vectors of [`Topology`]; every CIDR,
//! port and protocol has been parsed; implicit AWS defaults (main route
//! table, default NACL, the NAT gateway's interface, load balancer nodes)
//! have been filled in and marked as such. Each rule keeps the [`Pos`] it was
//! written at, so findings can cite `file:line`.

use std::collections::{BTreeSet, HashMap};
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use ipnet::{IpNet, Ipv4Net, Ipv6Net};

use super::format::{AddressFamily, Tags};
use super::ids::{OnPremId, VgwId};
use super::spanned::Pos;

/// The check ids a topology may name, in `gaps[].affects`: every check in
/// the registry. Any other id is a validation error:
/// a misspelt id would otherwise match no check, and the gap would silently
/// stop making that check `unknown`.
pub const CHECK_IDS: &[&str] = &[
    "public-exposure",
    "private-service-access",
    "transit-encryption",
    "ipsec-strength",
    "on-prem-access",
    "expected-flows",
];

pub type PrefixListId = usize;
pub type VpcId = usize;
pub type SubnetId = usize;
pub type RouteTableId = usize;
pub type NaclId = usize;
pub type SgId = usize;
pub type InstanceId = usize;
pub type EniId = usize;
pub type IgwId = usize;
pub type EigwId = usize;
pub type NatId = usize;
pub type LbId = usize;
pub type TargetGroupId = usize;
pub type EndpointId = usize;
pub type PeeringId = usize;

/// Which way a filter (NACL, security group) is crossed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Direction {
    /// Into the subnet / interface: rules match the packet's source.
    Ingress,
    /// Out of the subnet / interface: rules match the packet's destination.
    Egress,
}

impl Direction {
    /// Both directions, ingress first.
    pub const BOTH: [Direction; 2] = [Direction::Ingress, Direction::Egress];

    /// `ingress` or `egress`, as the topology format spells it.
    pub fn name(self) -> &'static str {
        match self {
            Direction::Ingress => "ingress",
            Direction::Egress => "egress",
        }
    }

    /// How a rule names its peer: `from` a source on ingress, `to` a
    /// destination on egress.
    pub fn preposition(self) -> &'static str {
        match self {
            Direction::Ingress => "from",
            Direction::Egress => "to",
        }
    }
}

/// Where packets come from, for the engine and the simulator alike.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Origin {
    /// From outside AWS, arriving at the internet gateways.
    Internet,
    /// Sent by a network interface.
    Eni(EniId),
    /// Sent from an on-prem network (index into `hybrid.on_prem`), entering
    /// AWS over one of the connections it sits behind.
    OnPrem(OnPremId),
}

/// Identity shared by every resource.
#[derive(Debug, Clone, Default)]
pub struct Meta {
    pub name: String,
    pub aws_id: Option<String>,
    /// Where the resource is defined; `Pos::default()` when derived.
    pub pos: Pos,
}

/// A reference to any named resource.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum ResourceRef {
    PrefixList(PrefixListId),
    Vpc(VpcId),
    Subnet(SubnetId),
    RouteTable(RouteTableId),
    Nacl(NaclId),
    SecurityGroup(SgId),
    Instance(InstanceId),
    Eni(EniId),
    Igw(IgwId),
    Eigw(EigwId),
    Nat(NatId),
    LoadBalancer(LbId),
    TargetGroup(TargetGroupId),
    Endpoint(EndpointId),
    Peering(PeeringId),
    /// Any resource of a section that the engine does not model yet
    /// (transit gateways, VPN, Direct Connect, on-prem networks): the name.
    Other(usize),
}

/// The validated topology.
#[derive(Debug, Clone, Default)]
pub struct Topology {
    /// The file it was read from, as given on the command line.
    pub file: String,
    /// Places in other sources that positions name (`Pos::site`): the
    /// `.tf` lines of a Terraform plan's resources.
    pub sites: Vec<crate::diag::Site>,
    /// The file that findings without a place of their own point at, when
    /// it is not `file` (a Terraform plan's root module `.tf` file).
    pub findings_file: Option<String>,
    pub prefix_lists: Vec<PrefixList>,
    pub vpcs: Vec<Vpc>,
    pub subnets: Vec<Subnet>,
    pub route_tables: Vec<RouteTable>,
    pub nacls: Vec<Nacl>,
    pub security_groups: Vec<SecurityGroup>,
    pub instances: Vec<Instance>,
    pub enis: Vec<Eni>,
    pub igws: Vec<Igw>,
    pub eigws: Vec<Eigw>,
    pub nats: Vec<Nat>,
    pub load_balancers: Vec<LoadBalancer>,
    pub target_groups: Vec<TargetGroup>,
    pub endpoints: Vec<Endpoint>,
    pub peerings: Vec<Peering>,
    /// Names of transit gateway, VPN, Direct Connect and on-prem resources
    /// (and GWLB endpoints); `hybrid.other_kind` says which each one is.
    pub others: Vec<Meta>,
    /// Transit gateways, VGWs, VPN, Direct Connect, on-prem networks.
    pub hybrid: super::hybrid::Hybrid,
    /// Every name in the file.
    pub names: HashMap<String, ResourceRef>,
    pub bpa: BlockPublicAccess,
    /// S3 buckets (the `s3` section).
    pub buckets: Vec<super::s3::S3Bucket>,
    pub policy: Policy,
    pub gaps: Vec<Gap>,
    /// The tags of the resources a `tag:` selector can pick: VPCs, subnets,
    /// security groups, instances, interfaces, load balancers and NAT
    /// gateways. Resources without tags have no entry.
    pub tags: HashMap<ResourceRef, Tags>,
}

#[derive(Debug, Clone, Default)]
pub struct PrefixList {
    pub meta: Meta,
    /// `None`: the entries are not known (fail closed on anything that needs them).
    pub entries: Option<Vec<IpNet>>,
    pub service: Option<String>,
    /// The address family the file declares (`None` when it does not).
    pub family: Option<AddressFamily>,
}

#[derive(Debug, Clone, Default)]
pub struct Vpc {
    pub meta: Meta,
    pub region: Option<String>,
    pub account: Option<String>,
    pub cidrs: Vec<Ipv4Net>,
    pub ipv6_cidrs: Vec<Ipv6Net>,
    pub dns_support: bool,
    pub dns_hostnames: bool,
    /// Custom DHCP DNS servers (empty: AmazonProvidedDNS).
    pub custom_dns_servers: Vec<String>,
    /// The main route table (C-3.1): the one marked `main: true`, or else a
    /// derived table with local routes only (see [`RouteTable::derived`]).
    pub main_route_table: Option<RouteTableId>,
    /// The default NACL (declared, or synthesized as AWS's allow-all default).
    pub default_nacl: NaclId,
    /// The attached internet gateway, if any.
    pub igw: Option<IgwId>,
    pub eigws: Vec<EigwId>,
}

#[derive(Debug, Clone, Default)]
pub struct Subnet {
    pub meta: Meta,
    pub vpc: VpcId,
    pub availability_zone: Option<String>,
    pub cidr: Option<Ipv4Net>,
    pub ipv6_cidr: Option<Ipv6Net>,
    /// The effective route table: explicit association, else the main table.
    /// `None` when there is neither (fail closed: nothing leaves the subnet by routing).
    pub route_table: Option<RouteTableId>,
    /// True when `route_table` is the main table through fallback (C-3.1, T-27).
    pub uses_main_route_table: bool,
    /// The effective NACL: explicit association, else the VPC's default.
    pub nacl: NaclId,
}

#[derive(Debug, Clone, Default)]
pub struct RouteTable {
    pub meta: Meta,
    pub vpc: VpcId,
    pub main: bool,
    /// Gateways this table is an edge table for (C-3.11).
    pub edge_associations: Vec<GatewayRef>,
    /// Virtual private gateways propagating into this table (C-10.1), as
    /// indices into `hybrid.vgws`.
    pub propagating_vgws: Vec<VgwId>,
    /// Routes as written, then the routes that associated gateway endpoints
    /// add (C-13.1); the implicit `local` routes are not listed here.
    pub routes: Vec<Route>,
    /// True for the main route table that the loader added because the file
    /// marks none `main: true` for the VPC (C-3.1): local routes only.
    pub derived: bool,
}

/// A gateway that can have an edge route table.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum GatewayRef {
    Igw(IgwId),
    /// A virtual private gateway (not modelled yet): index into `others`.
    Vgw(usize),
}

#[derive(Debug, Clone)]
pub enum RouteDest {
    Cidr(IpNet),
    PrefixList(PrefixListId),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RouteTarget {
    /// An explicit `local` route (replacing the implicit one is not allowed).
    Local,
    Blackhole,
    Igw(IgwId),
    Eigw(EigwId),
    Nat(NatId),
    Peering(PeeringId),
    /// A gateway VPC endpoint.
    GatewayEndpoint(EndpointId),
    /// An interface or instance (resolved to the instance's primary interface).
    Eni(EniId),
    /// A target named in `others` (index): a transit gateway or a virtual
    /// private gateway, which `hybrid` models (`Hybrid::of_other` says
    /// which), or a gateway load balancer endpoint, which is not modelled
    /// (what is routed to it is `unknown`).
    Other(usize),
}

#[derive(Debug, Clone)]
pub struct Route {
    pub dest: RouteDest,
    pub target: RouteTarget,
    /// `state: blackhole` (C-3.9): wins LPM and drops.
    pub blackhole: bool,
    /// Propagated from a VGW (lower priority at equal length, C-3.4).
    pub propagated: bool,
    pub pos: Pos,
}

/// IP protocol match: all, or one IANA number (6 tcp, 17 udp, 1 icmp, 58 icmpv6).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Proto {
    All,
    Num(u8),
}

pub const TCP: u8 = 6;
pub const UDP: u8 = 17;
pub const ICMP: u8 = 1;
pub const ICMPV6: u8 = 58;

/// The port/ICMP part of a rule. For tcp/udp, `ports` is an inclusive range on
/// the destination port; for icmp/icmpv6, `icmp_type`/`icmp_code` (`None` = all).
/// Other protocols ignore both (C-1.4, C-1.5).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct PortMatch {
    pub ports: (u16, u16),
    pub icmp_type: Option<u8>,
    pub icmp_code: Option<u8>,
}

impl PortMatch {
    pub const ALL: PortMatch = PortMatch {
        ports: (0, 65535),
        icmp_type: None,
        icmp_code: None,
    };
}

#[derive(Debug, Clone, Default)]
pub struct Nacl {
    pub meta: Meta,
    pub vpc: VpcId,
    pub default: bool,
    /// True for the AWS default NACL that the loader added because the file has none.
    pub synthesized: bool,
    /// Sorted by rule number.
    pub ingress: Vec<NaclRule>,
    /// Sorted by rule number.
    pub egress: Vec<NaclRule>,
}

impl Nacl {
    /// The rules crossed in direction `dir`.
    pub fn rules(&self, dir: Direction) -> &[NaclRule] {
        match dir {
            Direction::Ingress => &self.ingress,
            Direction::Egress => &self.egress,
        }
    }
}

#[derive(Debug, Clone)]
pub struct NaclRule {
    pub number: u32,
    pub allow: bool,
    pub proto: Proto,
    pub port: PortMatch,
    pub cidr: IpNet,
    pub pos: Pos,
}

#[derive(Debug, Clone, Default)]
pub struct SecurityGroup {
    pub meta: Meta,
    pub vpc: VpcId,
    pub ingress: Vec<SgRule>,
    pub egress: Vec<SgRule>,
}

impl SecurityGroup {
    /// The rules applied in direction `dir`.
    pub fn rules(&self, dir: Direction) -> &[SgRule] {
        match dir {
            Direction::Ingress => &self.ingress,
            Direction::Egress => &self.egress,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub enum SgPeer {
    Cidr(IpNet),
    PrefixList(PrefixListId),
    SecurityGroup(SgId),
}

#[derive(Debug, Clone)]
pub struct SgRule {
    pub proto: Proto,
    pub port: PortMatch,
    pub peer: SgPeer,
    pub pos: Pos,
}

#[derive(Debug, Clone, Default)]
pub struct Instance {
    pub meta: Meta,
    /// Its interfaces, primary first.
    pub enis: Vec<EniId>,
}

/// Who owns an interface (C-2.6).
#[derive(Debug, Clone, Default, PartialEq, Eq, PartialOrd, Ord)]
pub enum EniOwner {
    /// An ordinary (workload) interface.
    #[default]
    Workload,
    Nat(NatId),
    LoadBalancer(LbId),
    Endpoint(EndpointId),
    /// A transit gateway attachment interface (not modelled yet).
    TransitGateway,
    /// Another AWS service, e.g. `lambda`.
    Service(String),
}

/// The public IPv4 mapped to a private IPv4 (C-2.2).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PublicIp {
    Known {
        addr: Ipv4Addr,
        eip: bool,
    },
    /// A public address exists but its value is not in the input.
    Auto,
}

#[derive(Debug, Clone)]
pub struct PrivateIp {
    pub addr: Ipv4Addr,
    pub public: Option<PublicIp>,
    pub pos: Pos,
}

#[derive(Debug, Clone, Default)]
pub struct Eni {
    pub meta: Meta,
    pub subnet: SubnetId,
    pub vpc: VpcId,
    pub instance: Option<InstanceId>,
    pub owner: EniOwner,
    /// Primary first.
    pub private_ips: Vec<PrivateIp>,
    pub ipv6_addresses: Vec<Ipv6Addr>,
    pub ipv4_prefixes: Vec<Ipv4Net>,
    pub ipv6_prefixes: Vec<Ipv6Net>,
    pub security_groups: Vec<SgId>,
    pub source_dest_check: bool,
    pub attached: bool,
    /// Added by the loader (e.g. LB nodes derived from subnets), not written in the file.
    pub derived: bool,
}

impl Eni {
    /// Every address of the interface as CIDRs (C-2.1).
    pub fn address_nets(&self) -> Vec<IpNet> {
        let mut v: Vec<IpNet> = Vec::new();
        v.extend(
            self.private_ips
                .iter()
                .map(|p| IpNet::from(IpAddr::V4(p.addr))),
        );
        v.extend(
            self.ipv6_addresses
                .iter()
                .map(|a| IpNet::from(IpAddr::V6(*a))),
        );
        v.extend(self.ipv4_prefixes.iter().map(|n| IpNet::V4(*n)));
        v.extend(self.ipv6_prefixes.iter().map(|n| IpNet::V6(*n)));
        v
    }
}

#[derive(Debug, Clone, Default)]
pub struct Igw {
    pub meta: Meta,
    pub vpc: Option<VpcId>,
    /// Edge route table associated with it (C-3.11).
    pub edge_route_table: Option<RouteTableId>,
}

#[derive(Debug, Clone, Default)]
pub struct Eigw {
    pub meta: Meta,
    pub vpc: VpcId,
}

#[derive(Debug, Clone, Default)]
pub struct Nat {
    pub meta: Meta,
    pub subnet: SubnetId,
    pub public: bool,
    pub available: bool,
    /// The NAT's interface (declared with `owner: {nat_gateway: …}` or derived).
    pub eni: EniId,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LbKind {
    Application,
    Network,
    /// A Classic Load Balancer (C-14.5): its listeners forward to the
    /// instances registered on the load balancer itself, each listener's
    /// instances held as a derived target group.
    Classic,
}

impl LbKind {
    /// The word reports use: `application`, `network` or `classic`.
    pub fn word(self) -> &'static str {
        match self {
            LbKind::Application => "application",
            LbKind::Network => "network",
            LbKind::Classic => "classic",
        }
    }
}

/// Listener / target group protocols.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LbProtocol {
    Http,
    Https,
    Tcp,
    Tls,
    Udp,
    TcpUdp,
    /// A Classic Load Balancer's TLS listener or instance protocol (C-14.5).
    Ssl,
}

impl LbProtocol {
    /// The IP protocols a listener of this kind accepts.
    pub fn ip_protocols(self) -> &'static [u8] {
        match self {
            LbProtocol::Http
            | LbProtocol::Https
            | LbProtocol::Tcp
            | LbProtocol::Tls
            | LbProtocol::Ssl => &[TCP],
            LbProtocol::Udp => &[UDP],
            LbProtocol::TcpUdp => &[TCP, UDP],
        }
    }
}

#[derive(Debug, Clone)]
pub struct Listener {
    pub protocol: LbProtocol,
    pub port: u16,
    pub target_group: Option<TargetGroupId>,
    pub pos: Pos,
}

#[derive(Debug, Clone)]
pub struct LoadBalancer {
    pub meta: Meta,
    pub kind: LbKind,
    pub internet_facing: bool,
    pub dualstack: bool,
    pub vpc: VpcId,
    pub subnets: Vec<SubnetId>,
    pub security_groups: Vec<SgId>,
    pub listeners: Vec<Listener>,
    /// The LB's node interfaces (declared, or derived one per subnet).
    pub enis: Vec<EniId>,
    /// True when the nodes were derived from `subnets` because none were declared.
    pub nodes_derived: bool,
    /// Cross-zone balancing: whether a node sends to targets in other
    /// zones (C-14.5, C-14.6). `None` when not known (a Classic Load
    /// Balancer whose attribute was not read). Application and network
    /// load balancers carry `Some(true)`: their per-zone behaviour is not
    /// modelled.
    pub cross_zone: Option<bool>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TargetType {
    Instance,
    Ip,
}

#[derive(Debug, Clone)]
pub enum TargetRef {
    /// An instance's primary interface, or a named interface.
    Eni(EniId),
    Ip(IpAddr),
}

#[derive(Debug, Clone)]
pub struct Target {
    pub target: TargetRef,
    pub port: u16,
    pub pos: Pos,
}

#[derive(Debug, Clone)]
pub struct TargetGroup {
    pub meta: Meta,
    pub target_type: TargetType,
    pub protocol: LbProtocol,
    pub port: u16,
    /// Effective NLB client IP preservation (explicit, or the AWS default, C-14.4).
    pub preserve_client_ip: bool,
    pub targets: Vec<Target>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EndpointKind {
    Gateway,
    Interface,
    GatewayLoadBalancer,
}

#[derive(Debug, Clone)]
pub struct Endpoint {
    pub meta: Meta,
    pub vpc: VpcId,
    pub kind: EndpointKind,
    pub service: String,
    pub route_tables: Vec<RouteTableId>,
    pub prefix_list: Option<PrefixListId>,
    pub subnets: Vec<SubnetId>,
    pub security_groups: Vec<SgId>,
    pub private_dns: bool,
    /// Gateway endpoints: the service's IPv6 prefix list (C-13.5).
    pub ipv6_prefix_list: Option<PrefixListId>,
    /// `ipv4` unless the file says otherwise (C-13.5).
    pub ip_address_type: IpAddressType,
    /// Interface endpoints: which record types private DNS answers with.
    pub dns_record_ip_type: IpAddressType,
    /// S3 interface endpoints: private DNS only for queries through a Resolver
    /// inbound endpoint (C-13.9).
    pub private_dns_inbound_only: bool,
    /// The endpoint policy, verbatim; `None` is AWS's default (full access, C-13.11).
    pub policy: Option<serde_json::Value>,
}

/// Which address families an endpoint (or its DNS records) serves (C-13.5).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum IpAddressType {
    #[default]
    Ipv4,
    Ipv6,
    Dualstack,
}

impl IpAddressType {
    pub fn v4(self) -> bool {
        self != IpAddressType::Ipv6
    }
    pub fn v6(self) -> bool {
        self != IpAddressType::Ipv4
    }
}

impl Endpoint {
    /// The Region and service of an AWS service name,
    /// `com.amazonaws.<region>.<service>` (e.g. `("us-east-1", "ecr.dkr")`).
    pub fn service_parts(&self) -> Option<(&str, &str)> {
        service_parts(&self.service)
    }
}

/// The Region and service of `com.amazonaws.<region>.<service>`.
pub fn service_parts(name: &str) -> Option<(&str, &str)> {
    let rest = name.strip_prefix("com.amazonaws.")?;
    let (region, svc) = rest.split_once('.')?;
    if region.is_empty() || svc.is_empty() {
        None
    } else {
        Some((region, svc))
    }
}

#[derive(Debug, Clone)]
pub struct Peering {
    pub meta: Meta,
    pub requester: VpcId,
    pub accepter: VpcId,
    /// `status: active` (C-8.1). Operational state.
    pub active: bool,
    /// The two VPCs are in different Regions (`None`: a Region is not known).
    /// SG references do not cross an inter-Region peering (C-8.4).
    pub cross_region: Option<bool>,
    /// The two VPCs are in different accounts (`None`: not known).
    pub cross_account: Option<bool>,
    /// `AllowDnsResolutionFromRemoteVpc` on each side (C-8.5).
    pub requester_allows_remote_dns: bool,
    pub accepter_allows_remote_dns: bool,
}

impl Peering {
    /// The other VPC of the peering, seen from `vpc`.
    pub fn peer_of(&self, vpc: VpcId) -> Option<VpcId> {
        if vpc == self.requester {
            Some(self.accepter)
        } else if vpc == self.accepter {
            Some(self.requester)
        } else {
            None
        }
    }
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum BpaMode {
    #[default]
    Off,
    BlockBidirectional,
    BlockIngress,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BpaExclusionMode {
    AllowBidirectional,
    AllowEgress,
}

#[derive(Debug, Clone, Default)]
pub struct BlockPublicAccess {
    pub mode: BpaMode,
    pub vpc_exclusions: Vec<(VpcId, BpaExclusionMode)>,
    pub subnet_exclusions: Vec<(SubnetId, BpaExclusionMode)>,
    pub pos: Pos,
}

/// A protocol/port allowance in the policy, e.g. `tcp/22`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PortSpec {
    pub proto: Proto,
    pub port: PortMatch,
}

#[derive(Debug, Clone)]
pub struct ExposureAllow {
    pub resource: ResourceRef,
    /// Empty: for an LB, its listeners; otherwise nothing.
    pub ports: Vec<PortSpec>,
    /// Empty: any internet source.
    pub from: Vec<IpNet>,
    pub pos: Pos,
}

#[derive(Debug, Clone, Default)]
pub struct Policy {
    pub exposure_allow: Vec<ExposureAllow>,
    pub exposure_forbid: Vec<(LbId, Pos)>,
    /// Buckets (index into `Topology::buckets`) `policy.public_exposure`
    /// allows to be public, with where.
    pub exposure_allow_buckets: Vec<(usize, Pos)>,
    /// `policy.on_prem_access`.
    pub on_prem_access: Vec<OnPremAccess>,
    pub service_access: ServiceAccessPolicy,
    /// `policy.expect`: flows that must get through.
    pub expect: Vec<Expect>,
}

/// How an expected flow is written (the help of its errors).
pub const EXPECT_FORM: &str =
    "write `SOURCE -> DESTINATION [on PORTS]`, e.g. `internet -> web-alb on tcp/443`";

/// One expected flow (`policy.expect`) as written. The query language
/// parses it and resolves its endpoints (`checks::expected_flows`), above
/// the model: the loader keeps the text and where it is.
#[derive(Debug, Clone)]
pub struct Expect {
    /// As written, trimmed, e.g. `internet -> web-alb on tcp/443`.
    pub text: String,
    pub pos: Pos,
}

/// What one on-prem network may reach (`policy.on_prem_access`).
#[derive(Debug, Clone)]
pub struct OnPremAccess {
    /// Index into `hybrid.on_prem`.
    pub network: OnPremId,
    /// (interface, instance or load balancer; ports, empty = all; where).
    pub allow: Vec<(ResourceRef, Vec<PortSpec>, Pos)>,
    pub pos: Pos,
}

/// A service a workload uses (`policy.private_service_access`).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum ServiceKind {
    S3,
    DynamoDb,
    /// ecr.api + ecr.dkr + S3 for image layers (C-13.10).
    Ecr,
    /// Any other service reached through interface endpoints, by its short
    /// name (`sqs`, `ecr.api`).
    Interface(String),
}

impl ServiceKind {
    /// The short name, as in `com.amazonaws.<region>.<name>`.
    pub fn short(&self) -> &str {
        match self {
            ServiceKind::S3 => "s3",
            ServiceKind::DynamoDb => "dynamodb",
            ServiceKind::Ecr => "ecr",
            ServiceKind::Interface(s) => s,
        }
    }
}

/// One service, in one Region (`None`: the workload's VPC's Region).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct ServiceRef {
    pub kind: ServiceKind,
    pub region: Option<String>,
}

/// One `uses` entry: selectors (all that are non-empty must match) and services.
#[derive(Debug, Clone, Default)]
pub struct ServiceUse {
    /// Interfaces named directly or through their instance.
    pub enis: Vec<EniId>,
    pub subnets: Vec<SubnetId>,
    pub tags: Vec<(String, String)>,
    pub services: Vec<ServiceRef>,
    pub pos: Pos,
}

/// An S3 bucket or DynamoDB table with its resource policy.
#[derive(Debug, Clone, Default)]
pub struct ServiceResource {
    pub meta: Meta,
    pub region: Option<String>,
    pub policy: Option<serde_json::Value>,
}

#[derive(Debug, Clone)]
pub struct ServiceAccessPolicy {
    /// `None`: the default (every workload, s3 + dynamodb + ecr).
    pub uses: Option<Vec<ServiceUse>>,
    pub hosts_use_vpc_dns: bool,
    pub client_ports: (u16, u16),
    pub buckets: Vec<ServiceResource>,
    pub tables: Vec<ServiceResource>,
    pub pos: Pos,
}

impl Default for ServiceAccessPolicy {
    fn default() -> Self {
        ServiceAccessPolicy {
            uses: None,
            hosts_use_vpc_dns: true,
            // Linux (32768–60999) and Windows (49152–65535) defaults (C-4.6).
            client_ports: (32768, 65535),
            buckets: Vec::new(),
            tables: Vec::new(),
            pos: Pos::default(),
        }
    }
}

pub use super::format::GapKind;

/// Data known to be missing: what, the checks and the part of the network
/// it concerns, and what kind of data it is.
#[derive(Debug, Clone)]
pub struct Gap {
    pub what: String,
    /// Empty: every check.
    pub affects: Vec<String>,
    pub kind: GapKind,
    pub scope: GapScope,
    pub pos: Pos,
}

/// The part of the network a gap concerns.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum GapScope {
    /// Everywhere: no scope was given, or the scope names something no set
    /// of VPCs stands for (a transit gateway, a Region without captured
    /// VPCs). Every answer may depend on it.
    Everywhere,
    /// These VPCs (never empty).
    Vpcs(BTreeSet<VpcId>),
    /// These S3 buckets (indexes into `Topology::buckets`), and no VPC:
    /// the scope of a gap of kind `s3` or `s3-restrictions`.
    Buckets(BTreeSet<usize>),
}

impl GapScope {
    /// Whether the gap concerns VPC `v`.
    pub fn contains(&self, v: VpcId) -> bool {
        match self {
            GapScope::Everywhere => true,
            GapScope::Vpcs(s) => s.contains(&v),
            GapScope::Buckets(_) => false,
        }
    }

    /// Whether the gap concerns any of `vpcs` (`None`: every VPC).
    pub fn meets(&self, vpcs: Option<&BTreeSet<VpcId>>) -> bool {
        match (self, vpcs) {
            (GapScope::Buckets(_), _) => false,
            (GapScope::Everywhere, _) | (_, None) => true,
            (GapScope::Vpcs(s), Some(v)) => !s.is_disjoint(v),
        }
    }
}

impl GapKind {
    /// Whether knowing the data could let through packets the topology
    /// stops: then a `no` (or `proven` that nothing gets through) may be
    /// wrong. Assumed default NACLs allow everything, so nothing real can
    /// be more permissive.
    pub fn may_widen(self) -> bool {
        !matches!(self, GapKind::AssumedDefaultNacls | GapKind::S3Restrictions)
    }

    /// Whether the data is about S3 buckets, not the network: it concerns
    /// only the buckets' part of `public-exposure`.
    pub fn is_s3(self) -> bool {
        matches!(self, GapKind::S3 | GapKind::S3Restrictions)
    }

    /// Whether knowing the data could stop packets the topology lets
    /// through: then a `yes` (a path, a violation) over it may be wrong.
    /// Not so for data that only ever allows: security group rules allow
    /// and never deny (C-5.1), a missing peering or resource carries no
    /// packet (a route to it is dropped and recorded as kind `routes`), and
    /// prefix lists with unknown entries already make the engine's answers
    /// about them `unknown`.
    pub fn may_narrow(self) -> bool {
        !matches!(
            self,
            GapKind::SecurityGroups | GapKind::Peering | GapKind::PrefixLists | GapKind::Resources
        )
    }

    /// The data, for messages ("relies on network ACLs that the topology
    /// does not contain").
    pub fn data(self) -> &'static str {
        match self {
            GapKind::AssumedDefaultNacls | GapKind::NetworkAcls => "network ACLs",
            GapKind::SecurityGroups => "security groups",
            GapKind::Routes => "routes",
            GapKind::Peering => "peering connections",
            GapKind::TransitGateway => "transit gateway data",
            GapKind::VpnDirectConnect => "VPN or Direct Connect data",
            GapKind::Endpoints => "VPC endpoints",
            GapKind::LoadBalancers => "load balancer listeners or targets",
            GapKind::PrefixLists => "prefix list entries",
            GapKind::Resources => "resources",
            GapKind::S3 => "S3 bucket data",
            GapKind::S3Restrictions => "S3 settings that only restrict access",
            GapKind::Other => "data",
        }
    }

    /// Whether check `check`'s verdicts can depend on data of this kind.
    /// VPN and Direct Connect data only matter to the checks about on
    /// prem; load balancer listeners and targets not to service access;
    /// endpoints not to internet exposure (an endpoint has no public
    /// address; its security groups are kind `security-groups`).
    pub fn concerns_check(self, check: &str) -> bool {
        if self.is_s3() {
            return check == "public-exposure";
        }
        !matches!(
            (self, check),
            (
                GapKind::VpnDirectConnect,
                "public-exposure" | "private-service-access"
            ) | (GapKind::LoadBalancers, "private-service-access")
                | (GapKind::Endpoints, "public-exposure")
        )
    }
}

/// The stable text of a gap kind, as written in the file.
pub fn gap_kind_name(k: GapKind) -> &'static str {
    match k {
        GapKind::AssumedDefaultNacls => "assumed-default-nacls",
        GapKind::NetworkAcls => "network-acls",
        GapKind::SecurityGroups => "security-groups",
        GapKind::Routes => "routes",
        GapKind::Peering => "peering",
        GapKind::TransitGateway => "transit-gateway",
        GapKind::VpnDirectConnect => "vpn-direct-connect",
        GapKind::Endpoints => "endpoints",
        GapKind::LoadBalancers => "load-balancers",
        GapKind::PrefixLists => "prefix-lists",
        GapKind::Resources => "resources",
        GapKind::S3 => "s3",
        GapKind::S3Restrictions => "s3-restrictions",
        GapKind::Other => "other",
    }
}

impl Gap {
    /// Whether the gap can change check `check`'s verdict: it names the
    /// check (or every check) and is of a kind the check depends on.
    pub fn concerns_check(&self, check: &str) -> bool {
        (self.affects.is_empty() || self.affects.iter().any(|a| a == check))
            && self.kind.concerns_check(check)
    }

    /// " (in VPC `a`, `b`)", or "" for a gap that concerns everything.
    pub fn scope_text(&self, topo: &Topology) -> String {
        match &self.scope {
            GapScope::Everywhere => String::new(),
            GapScope::Vpcs(v) => {
                let names: Vec<String> = v
                    .iter()
                    .filter_map(|&i| topo.vpcs.get(i))
                    .map(|x| format!("`{}`", x.meta.name))
                    .collect();
                format!(
                    " (in VPC{} {})",
                    if names.len() == 1 { "" } else { "s" },
                    names.join(", ")
                )
            }
            GapScope::Buckets(b) => {
                let names: Vec<String> = b
                    .iter()
                    .filter_map(|&i| topo.buckets.get(i))
                    .map(|x| format!("`{}`", x.meta.name))
                    .collect();
                format!(
                    " (bucket{} {})",
                    if names.len() == 1 { "" } else { "s" },
                    names.join(", ")
                )
            }
        }
    }
}

impl Topology {
    /// The name of any resource, for messages.
    pub fn meta(&self, r: ResourceRef) -> &Meta {
        match r {
            ResourceRef::PrefixList(i) => &self.prefix_lists[i].meta,
            ResourceRef::Vpc(i) => &self.vpcs[i].meta,
            ResourceRef::Subnet(i) => &self.subnets[i].meta,
            ResourceRef::RouteTable(i) => &self.route_tables[i].meta,
            ResourceRef::Nacl(i) => &self.nacls[i].meta,
            ResourceRef::SecurityGroup(i) => &self.security_groups[i].meta,
            ResourceRef::Instance(i) => &self.instances[i].meta,
            ResourceRef::Eni(i) => &self.enis[i].meta,
            ResourceRef::Igw(i) => &self.igws[i].meta,
            ResourceRef::Eigw(i) => &self.eigws[i].meta,
            ResourceRef::Nat(i) => &self.nats[i].meta,
            ResourceRef::LoadBalancer(i) => &self.load_balancers[i].meta,
            ResourceRef::TargetGroup(i) => &self.target_groups[i].meta,
            ResourceRef::Endpoint(i) => &self.endpoints[i].meta,
            ResourceRef::Peering(i) => &self.peerings[i].meta,
            ResourceRef::Other(i) => self.others[i].meta_ref(),
        }
    }

    /// Gaps that can change the given check's verdict (see
    /// [`Gap::concerns_check`]).
    pub fn gaps_for<'a>(&'a self, check: &'a str) -> impl Iterator<Item = &'a Gap> + 'a {
        self.gaps.iter().filter(move |g| g.concerns_check(check))
    }

    /// The VPCs a resource is in (`None`: a resource outside any VPC, or
    /// one whose VPC the model does not record: it stands for everywhere).
    pub fn vpcs_of(&self, r: ResourceRef) -> Option<BTreeSet<VpcId>> {
        let one = |v: Option<VpcId>| v.map(|v| BTreeSet::from([v]));
        match r {
            ResourceRef::Vpc(i) => one(Some(i)),
            ResourceRef::Subnet(i) => one(self.subnets.get(i).map(|x| x.vpc)),
            ResourceRef::RouteTable(i) => one(self.route_tables.get(i).map(|x| x.vpc)),
            ResourceRef::Nacl(i) => one(self.nacls.get(i).map(|x| x.vpc)),
            ResourceRef::SecurityGroup(i) => one(self.security_groups.get(i).map(|x| x.vpc)),
            ResourceRef::Eni(i) => one(self.enis.get(i).map(|x| x.vpc)),
            ResourceRef::Igw(i) => one(self.igws.get(i).and_then(|x| x.vpc)),
            ResourceRef::Eigw(i) => one(self.eigws.get(i).map(|x| x.vpc)),
            ResourceRef::Nat(i) => one(self
                .nats
                .get(i)
                .and_then(|x| self.subnets.get(x.subnet))
                .map(|s| s.vpc)),
            ResourceRef::LoadBalancer(i) => one(self.load_balancers.get(i).map(|x| x.vpc)),
            ResourceRef::Endpoint(i) => one(self.endpoints.get(i).map(|x| x.vpc)),
            ResourceRef::Peering(i) => self
                .peerings
                .get(i)
                .map(|p| BTreeSet::from([p.requester, p.accepter])),
            ResourceRef::Instance(i) => {
                let v: BTreeSet<VpcId> = self
                    .instances
                    .get(i)?
                    .enis
                    .iter()
                    .filter_map(|&e| self.enis.get(e).map(|x| x.vpc))
                    .collect();
                (!v.is_empty()).then_some(v)
            }
            ResourceRef::Other(i) => match self.hybrid.of_other(i)? {
                super::hybrid::HybridRef::Vgw(g) => one(self.hybrid.vgws.get(g)?.vpc),
                super::hybrid::HybridRef::TgwAttachment(a) => {
                    match &self.hybrid.tgw_attachments.get(a)?.kind {
                        super::hybrid::TgwAttachmentKind::Vpc { vpc, .. } => one(Some(*vpc)),
                        _ => None,
                    }
                }
                _ => None,
            },
            ResourceRef::PrefixList(_) | ResourceRef::TargetGroup(_) => None,
        }
    }

    /// The VPCs that packets can pass between, joined into groups: peered
    /// VPCs; VPCs attached to transit gateways (all of them, one group:
    /// transit gateways peer); VPCs with a virtual private gateway or a
    /// Direct Connect gateway association (on prem may carry packets from
    /// one connection to another). A packet from a VPC only ever touches
    /// VPCs of its group, and the internet. Returns the group of each VPC.
    pub fn vpc_groups(&self) -> Vec<usize> {
        let n = self.vpcs.len();
        let mut parent: Vec<usize> = (0..n).collect();
        fn find(p: &mut [usize], mut x: usize) -> usize {
            while p[x] != x {
                p[x] = p[p[x]];
                x = p[x];
            }
            x
        }
        let join = |p: &mut Vec<usize>, a: usize, b: usize| {
            if a < n && b < n {
                let (ra, rb) = (find(p, a), find(p, b));
                p[ra] = rb;
            }
        };
        for pr in &self.peerings {
            join(&mut parent, pr.requester, pr.accepter);
        }
        let mut linked: Vec<VpcId> = Vec::new();
        for a in &self.hybrid.tgw_attachments {
            if let super::hybrid::TgwAttachmentKind::Vpc { vpc, .. } = a.kind {
                linked.push(vpc);
            }
        }
        for g in &self.hybrid.vgws {
            if let Some(v) = g.vpc {
                linked.push(v);
            }
        }
        for w in linked.windows(2) {
            join(&mut parent, w[0], w[1]);
        }
        (0..n).map(|v| find(&mut parent, v)).collect()
    }

    /// Every VPC in the groups (see [`Topology::vpc_groups`]) of `vpcs`.
    pub fn vpcs_joined_to(&self, vpcs: &BTreeSet<VpcId>) -> BTreeSet<VpcId> {
        let g = self.vpc_groups();
        let wanted: BTreeSet<usize> = vpcs.iter().filter_map(|&v| g.get(v).copied()).collect();
        (0..self.vpcs.len())
            .filter(|&v| wanted.contains(&g[v]))
            .collect()
    }

    /// The VPCs with an internet gateway: the internet joins them.
    pub fn internet_vpcs(&self) -> BTreeSet<VpcId> {
        self.igws.iter().filter_map(|g| g.vpc).collect()
    }
}

impl Topology {
    /// The address family of a prefix list: declared in the file, else that
    /// of its entries; `None` when neither says (C-1.2: a list only matches
    /// packets of its own family, even when its entries are unknown).
    pub fn prefix_list_family(&self, id: PrefixListId) -> Option<AddressFamily> {
        let declared = self.prefix_lists.get(id).and_then(|p| p.family);
        declared.or_else(|| {
            let first = self.prefix_lists.get(id)?.entries.as_ref()?.first()?;
            Some(match first {
                IpNet::V4(_) => AddressFamily::Ipv4,
                IpNet::V6(_) => AddressFamily::Ipv6,
            })
        })
    }
}

impl Meta {
    fn meta_ref(&self) -> &Meta {
        self
    }
}

/// The stand-in address used for an auto-assigned public IPv4 whose value is
/// not in the input (`public_ip: auto`). It comes from 240.0.0.0/4 (reserved,
/// never routed on the internet), so it can never collide with a real
/// address; outputs print it as "auto-assigned public IPv4 of …".
pub fn auto_public_ip(eni: EniId, private_index: usize) -> Ipv4Addr {
    let n: u32 =
        0xF000_0000 | (((eni as u32) & 0x000F_FFFF) << 8) | ((private_index as u32) & 0xFF);
    Ipv4Addr::from(n)
}

/// True for addresses produced by [`auto_public_ip`].
pub fn is_auto_public_ip(a: Ipv4Addr) -> bool {
    a.octets()[0] >= 240
}

impl PublicIp {
    /// The concrete address to use for this mapping of `eni`'s `index`-th private IP.
    pub fn addr(self, eni: EniId, index: usize) -> Ipv4Addr {
        match self {
            PublicIp::Known { addr, .. } => addr,
            PublicIp::Auto => auto_public_ip(eni, index),
        }
    }
}
