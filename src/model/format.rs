//! The topology YAML, format version 1.
//!
//! These types are the file format: they derive `Deserialize` for reading
//! (every user-written value keeps its position through [`Sp`]) and
//! `JsonSchema` for the committed schema in `schema/topology.schema.json`.
//!
//! Names are identities: every resource has a `name` that is unique across the
//! whole file, and every reference is by name. `aws_id` is optional and is
//! carried through to every output.

use std::collections::BTreeMap;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::spanned::{Scalar, Sp};

/// A whole topology file.
#[derive(Debug, Clone, Default, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct TopologyFile {
    /// Format version; must be `1`.
    pub version: Sp<u32>,
    /// Optional human title for the network.
    #[serde(default)]
    pub name: Option<String>,
    /// Default AWS Region for resources that do not name one.
    #[serde(default)]
    pub region: Option<Sp<String>>,
    /// Default AWS account id for resources that do not name one.
    #[serde(default)]
    pub account: Option<Sp<Scalar>>,
    #[serde(default)]
    pub prefix_lists: Vec<Sp<PrefixList>>,
    #[serde(default)]
    pub vpcs: Vec<Sp<Vpc>>,
    #[serde(default)]
    pub subnets: Vec<Sp<Subnet>>,
    #[serde(default)]
    pub route_tables: Vec<Sp<RouteTable>>,
    #[serde(default)]
    pub network_acls: Vec<Sp<NetworkAcl>>,
    #[serde(default)]
    pub security_groups: Vec<Sp<SecurityGroup>>,
    #[serde(default)]
    pub instances: Vec<Sp<Instance>>,
    #[serde(default)]
    pub network_interfaces: Vec<Sp<NetworkInterface>>,
    #[serde(default)]
    pub internet_gateways: Vec<Sp<InternetGateway>>,
    #[serde(default)]
    pub egress_only_internet_gateways: Vec<Sp<EgressOnlyInternetGateway>>,
    #[serde(default)]
    pub nat_gateways: Vec<Sp<NatGateway>>,
    #[serde(default)]
    pub load_balancers: Vec<Sp<LoadBalancer>>,
    #[serde(default)]
    pub target_groups: Vec<Sp<TargetGroup>>,
    /// VPC endpoints (gateway and interface). Routing to gateway endpoints is
    /// modelled; the `private-service-access` check is a later addition.
    #[serde(default)]
    pub vpc_endpoints: Vec<Sp<VpcEndpoint>>,
    /// VPC peering connections.
    #[serde(default)]
    pub peering_connections: Vec<Sp<PeeringConnection>>,
    /// Transit gateways, their attachments and route tables.
    #[serde(default)]
    pub transit_gateways: Vec<Sp<TransitGateway>>,
    /// Virtual private gateways.
    #[serde(default)]
    pub vpn_gateways: Vec<Sp<VpnGateway>>,
    #[serde(default)]
    pub customer_gateways: Vec<Sp<CustomerGateway>>,
    #[serde(default)]
    pub vpn_connections: Vec<Sp<VpnConnection>>,
    #[serde(default)]
    pub direct_connect: Option<Sp<DirectConnect>>,
    /// Networks outside AWS (data centres, offices), by name.
    #[serde(default)]
    pub on_prem_networks: Vec<Sp<OnPremNetwork>>,
    /// VPC Block Public Access settings (C-6.10).
    #[serde(default)]
    pub block_public_access: Option<Sp<BlockPublicAccess>>,
    /// S3 buckets and account-level S3 settings.
    #[serde(default)]
    pub s3: Option<Sp<super::s3::S3Section>>,
    /// What the checks must prove, beyond the defaults.
    #[serde(default)]
    pub policy: Option<Sp<Policy>>,
    /// Data known to be missing from this topology (written by importers).
    /// Each gap makes the verdicts of the checks it names `unknown`.
    #[serde(default)]
    pub gaps: Vec<Sp<Gap>>,
    /// Places in other sources (`.tf` files) that positions name
    /// ([`crate::diag::Pos::site`]); set by importers, never written.
    #[serde(skip)]
    pub sites: Vec<crate::diag::Site>,
    /// The file that findings without a place of their own point at, when
    /// it is not this one (a plan's root module `.tf` file); set by
    /// importers, never written.
    #[serde(skip)]
    pub findings_file: Option<String>,
}

/// Tags are free-form key/value pairs.
pub type Tags = BTreeMap<String, String>;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum AddressFamily {
    Ipv4,
    Ipv6,
}

/// A managed prefix list (`pl-…`), customer- or AWS-managed.
#[derive(Debug, Clone, Default, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct PrefixList {
    pub name: Sp<String>,
    #[serde(default)]
    pub aws_id: Option<String>,
    /// `ipv4` or `ipv6`; inferred from the entries when omitted.
    #[serde(default)]
    pub family: Option<AddressFamily>,
    /// The CIDRs in the list. Omit (not `[]`) when they are not known: any
    /// verdict that depends on the list then becomes `unknown`.
    #[serde(default)]
    pub entries: Option<Vec<Sp<String>>>,
    /// AWS-managed service list, e.g. `com.amazonaws.us-east-1.s3`.
    #[serde(default)]
    pub service: Option<String>,
}

/// A VPC.
#[derive(Debug, Clone, Default, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Vpc {
    pub name: Sp<String>,
    #[serde(default)]
    pub aws_id: Option<String>,
    #[serde(default)]
    pub region: Option<String>,
    #[serde(default)]
    pub account: Option<Scalar>,
    /// IPv4 CIDR blocks; the first one is the primary.
    pub cidrs: Vec<Sp<String>>,
    #[serde(default)]
    pub ipv6_cidrs: Vec<Sp<String>>,
    /// `enableDnsSupport` (AWS default `true`).
    #[serde(default)]
    pub dns_support: Option<bool>,
    /// `enableDnsHostnames` (AWS default `false` outside the default VPC).
    #[serde(default)]
    pub dns_hostnames: Option<bool>,
    #[serde(default)]
    pub dhcp_options: Option<DhcpOptions>,
    #[serde(default)]
    pub tags: Tags,
}

/// A DHCP option set.
#[derive(Debug, Clone, Default, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct DhcpOptions {
    #[serde(default)]
    pub aws_id: Option<String>,
    /// `AmazonProvidedDNS` or custom server addresses.
    #[serde(default)]
    pub domain_name_servers: Vec<String>,
    #[serde(default)]
    pub domain_name: Option<String>,
}

/// A subnet.
#[derive(Debug, Clone, Default, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Subnet {
    pub name: Sp<String>,
    #[serde(default)]
    pub aws_id: Option<String>,
    pub vpc: Sp<String>,
    #[serde(default)]
    pub availability_zone: Option<String>,
    /// IPv4 CIDR; omit for an IPv6-only subnet.
    #[serde(default)]
    pub cidr: Option<Sp<String>>,
    #[serde(default)]
    pub ipv6_cidr: Option<Sp<String>>,
    /// Explicitly associated route table; the VPC's main table when omitted (C-3.1).
    #[serde(default)]
    pub route_table: Option<Sp<String>>,
    /// Explicitly associated network ACL; the VPC's default NACL when omitted (C-4.1).
    #[serde(default)]
    pub network_acl: Option<Sp<String>>,
    #[serde(default)]
    pub tags: Tags,
}

/// A route table.
#[derive(Debug, Clone, Default, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RouteTable {
    pub name: Sp<String>,
    #[serde(default)]
    pub aws_id: Option<String>,
    pub vpc: Sp<String>,
    /// The VPC's main table, used by every subnet without an explicit association.
    #[serde(default)]
    pub main: bool,
    /// Gateways (internet or virtual private) this table is an edge table for (C-3.11).
    #[serde(default)]
    pub edge_associations: Vec<Sp<String>>,
    /// Virtual private gateways that propagate routes into this table.
    #[serde(default)]
    pub propagating_gateways: Vec<Sp<String>>,
    /// Routes other than `local`, which is implicit for every VPC CIDR.
    #[serde(default)]
    pub routes: Vec<Sp<Route>>,
    #[serde(default)]
    pub tags: Tags,
}

/// One route. Exactly one of `destination` and `prefix_list` is set.
#[derive(Debug, Clone, Default, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Route {
    /// Destination CIDR (IPv4 or IPv6).
    #[serde(default)]
    pub destination: Option<Sp<String>>,
    /// Destination prefix list, by name.
    #[serde(default)]
    pub prefix_list: Option<Sp<String>>,
    /// `local`, `blackhole`, or the name of a gateway, NAT gateway, peering
    /// connection, transit gateway, gateway endpoint, network interface or instance.
    pub target: Sp<String>,
    /// `active` (default) or `blackhole`: a blackhole route drops matching traffic (C-3.9).
    #[serde(default)]
    pub state: Option<Sp<String>>,
    /// `static` (default) or `propagated` (learned from a VGW).
    #[serde(default)]
    pub origin: Option<Sp<String>>,
}

/// A network ACL.
#[derive(Debug, Clone, Default, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct NetworkAcl {
    pub name: Sp<String>,
    #[serde(default)]
    pub aws_id: Option<String>,
    pub vpc: Sp<String>,
    /// The VPC's default NACL, used by every subnet without an explicit association.
    #[serde(default)]
    pub default: bool,
    #[serde(default)]
    pub ingress: Vec<Sp<NaclRule>>,
    #[serde(default)]
    pub egress: Vec<Sp<NaclRule>>,
    #[serde(default)]
    pub tags: Tags,
}

/// A numbered NACL entry. Every NACL ends in an implicit deny (C-4.2).
#[derive(Debug, Clone, Default, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct NaclRule {
    /// 1–32766; lowest first, first match wins.
    pub rule: Sp<u32>,
    /// `allow` or `deny`.
    pub action: Sp<String>,
    /// `all`, `tcp`, `udp`, `icmp`, `icmpv6`, or an IANA number.
    pub protocol: Sp<Scalar>,
    /// Destination ports for tcp/udp: `443`, `1024-65535` or `all`.
    #[serde(default)]
    pub ports: Option<Sp<Scalar>>,
    /// ICMP type (`-1` or omitted: all).
    #[serde(default)]
    pub icmp_type: Option<Sp<i32>>,
    /// ICMP code (`-1` or omitted: all).
    #[serde(default)]
    pub icmp_code: Option<Sp<i32>>,
    /// Source (ingress) or destination (egress) CIDR, IPv4 or IPv6.
    pub cidr: Sp<String>,
}

/// A security group.
#[derive(Debug, Clone, Default, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct SecurityGroup {
    pub name: Sp<String>,
    #[serde(default)]
    pub aws_id: Option<String>,
    pub vpc: Sp<String>,
    #[serde(default)]
    pub description: Option<String>,
    #[serde(default)]
    pub ingress: Vec<Sp<SgRule>>,
    #[serde(default)]
    pub egress: Vec<Sp<SgRule>>,
    #[serde(default)]
    pub tags: Tags,
}

/// An SG rule. Exactly one peer: `cidr`, `prefix_list` or `security_group`.
#[derive(Debug, Clone, Default, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct SgRule {
    /// `all`, `tcp`, `udp`, `icmp`, `icmpv6`, or an IANA number.
    pub protocol: Sp<Scalar>,
    /// Destination ports for tcp/udp: `443`, `1024-65535` or `all`.
    #[serde(default)]
    pub ports: Option<Sp<Scalar>>,
    #[serde(default)]
    pub icmp_type: Option<Sp<i32>>,
    #[serde(default)]
    pub icmp_code: Option<Sp<i32>>,
    #[serde(default)]
    pub cidr: Option<Sp<String>>,
    #[serde(default)]
    pub prefix_list: Option<Sp<String>>,
    #[serde(default)]
    pub security_group: Option<Sp<String>>,
    #[serde(default)]
    pub description: Option<String>,
}

/// An EC2 instance; its network interfaces name it in `instance`.
#[derive(Debug, Clone, Default, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Instance {
    pub name: Sp<String>,
    #[serde(default)]
    pub aws_id: Option<String>,
    #[serde(default)]
    pub tags: Tags,
}

/// What owns a network interface (C-2.6).
#[derive(Debug, Clone, Default, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct EniOwner {
    #[serde(default)]
    pub nat_gateway: Option<Sp<String>>,
    #[serde(default)]
    pub load_balancer: Option<Sp<String>>,
    #[serde(default)]
    pub vpc_endpoint: Option<Sp<String>>,
    #[serde(default)]
    pub transit_gateway: Option<Sp<String>>,
    /// Another AWS service (e.g. `lambda`, `rds`): modelled as a plain interface.
    #[serde(default)]
    pub service: Option<String>,
}

/// A private IPv4 address of an interface, with its public mapping (C-2.2).
#[derive(Debug, Clone, Default, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct PrivateIp {
    pub address: Sp<String>,
    /// Public IPv4 mapped to this private address (auto-assigned or Elastic IP).
    /// `auto` means a public address exists but its value is not known.
    #[serde(default)]
    pub public_ip: Option<Sp<String>>,
    /// Elastic IP allocation id, when the public address is an EIP.
    #[serde(default)]
    pub eip_allocation: Option<String>,
}

/// A network interface (ENI).
#[derive(Debug, Clone, Default, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct NetworkInterface {
    pub name: Sp<String>,
    #[serde(default)]
    pub aws_id: Option<String>,
    pub subnet: Sp<String>,
    /// The instance this interface is attached to.
    #[serde(default)]
    pub instance: Option<Sp<String>>,
    /// An AWS service that owns it; omit for ordinary interfaces.
    #[serde(default)]
    pub owner: Option<Sp<EniOwner>>,
    /// Private IPv4 addresses; the first is the primary.
    #[serde(default)]
    pub private_ips: Vec<Sp<PrivateIp>>,
    #[serde(default)]
    pub ipv6_addresses: Vec<Sp<String>>,
    /// Delegated IPv4 prefixes.
    #[serde(default)]
    pub ipv4_prefixes: Vec<Sp<String>>,
    /// Delegated IPv6 prefixes.
    #[serde(default)]
    pub ipv6_prefixes: Vec<Sp<String>>,
    #[serde(default)]
    pub security_groups: Vec<Sp<String>>,
    /// Source/destination check (default `true`, C-2.4).
    #[serde(default)]
    pub source_dest_check: Option<bool>,
    /// `false` for a detached interface (C-2.7). Default `true`.
    #[serde(default)]
    pub attached: Option<bool>,
    #[serde(default)]
    pub tags: Tags,
}

/// An internet gateway.
#[derive(Debug, Clone, Default, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct InternetGateway {
    pub name: Sp<String>,
    #[serde(default)]
    pub aws_id: Option<String>,
    /// The VPC it is attached to; omit when detached.
    #[serde(default)]
    pub vpc: Option<Sp<String>>,
    #[serde(default)]
    pub tags: Tags,
}

/// An egress-only internet gateway (IPv6, outbound only, C-6.9).
#[derive(Debug, Clone, Default, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct EgressOnlyInternetGateway {
    pub name: Sp<String>,
    #[serde(default)]
    pub aws_id: Option<String>,
    pub vpc: Sp<String>,
    #[serde(default)]
    pub tags: Tags,
}

/// A NAT gateway (C-7).
#[derive(Debug, Clone, Default, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct NatGateway {
    pub name: Sp<String>,
    #[serde(default)]
    pub aws_id: Option<String>,
    pub subnet: Sp<String>,
    /// `public` (default) or `private`.
    #[serde(default)]
    pub connectivity: Option<Sp<String>>,
    /// The NAT's private IPv4 address in its subnet.
    #[serde(default)]
    pub private_ip: Option<Sp<String>>,
    /// The Elastic IP of a public NAT gateway.
    #[serde(default)]
    pub public_ip: Option<Sp<String>>,
    /// `available` (default), or another state such as `deleted`.
    #[serde(default)]
    pub state: Option<String>,
    #[serde(default)]
    pub tags: Tags,
}

/// An Application, Network or Classic Load Balancer (C-14).
#[derive(Debug, Clone, Default, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct LoadBalancer {
    pub name: Sp<String>,
    #[serde(default)]
    pub aws_id: Option<String>,
    /// `application`, `network` or `classic`.
    #[serde(rename = "type")]
    pub kind: Sp<String>,
    /// `internet-facing` or `internal`.
    pub scheme: Sp<String>,
    /// `ipv4` (default) or `dualstack`.
    #[serde(default)]
    pub ip_address_type: Option<Sp<String>>,
    pub subnets: Vec<Sp<String>>,
    #[serde(default)]
    pub security_groups: Vec<Sp<String>>,
    #[serde(default)]
    pub listeners: Vec<Sp<Listener>>,
    /// Classic only: the instances registered with the load balancer
    /// (instance or network interface names). Every listener forwards to
    /// them on its `instance_port`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub instances: Vec<Sp<String>>,
    /// Classic only: cross-zone load balancing. When omitted it is not
    /// known, and a verdict that depends on it is `unknown` (C-14.5).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cross_zone: Option<bool>,
    #[serde(default)]
    pub tags: Tags,
}

/// A listener.
#[derive(Debug, Clone, Default, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Listener {
    /// `HTTP`, `HTTPS` (ALB); `TCP`, `TLS`, `UDP`, `TCP_UDP` (NLB);
    /// `HTTP`, `HTTPS`, `TCP`, `SSL` (classic).
    pub protocol: Sp<String>,
    pub port: Sp<u32>,
    /// Target group that the default action forwards to (ALB, NLB).
    #[serde(default)]
    pub target_group: Option<Sp<String>>,
    /// Classic only: the protocol to the instances (`HTTP`, `HTTPS`,
    /// `TCP`, `SSL`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub instance_protocol: Option<Sp<String>>,
    /// Classic only: the port on the instances.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub instance_port: Option<Sp<u32>>,
}

/// A target group.
#[derive(Debug, Clone, Default, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct TargetGroup {
    pub name: Sp<String>,
    #[serde(default)]
    pub aws_id: Option<String>,
    /// `instance` or `ip`.
    pub target_type: Sp<String>,
    /// `HTTP`, `HTTPS`, `TCP`, `TLS`, `UDP`, `TCP_UDP`.
    pub protocol: Sp<String>,
    /// Default port of the targets.
    pub port: Sp<u32>,
    /// NLB client IP preservation; when omitted, the AWS default for the
    /// target type and protocol applies (C-14.4).
    #[serde(default)]
    pub preserve_client_ip: Option<bool>,
    #[serde(default)]
    pub targets: Vec<Sp<Target>>,
}

/// A registered target: an instance or interface by name, or an IP address.
#[derive(Debug, Clone, Default, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Target {
    #[serde(default)]
    pub instance: Option<Sp<String>>,
    #[serde(default)]
    pub ip: Option<Sp<String>>,
    /// Overrides the target group's port.
    #[serde(default)]
    pub port: Option<Sp<u32>>,
}

/// A VPC endpoint.
#[derive(Debug, Clone, Default, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct VpcEndpoint {
    pub name: Sp<String>,
    #[serde(default)]
    pub aws_id: Option<String>,
    pub vpc: Sp<String>,
    /// `gateway`, `interface` or `gateway-load-balancer`.
    #[serde(rename = "type")]
    pub kind: Sp<String>,
    /// Service name, e.g. `com.amazonaws.us-east-1.s3`.
    pub service: Sp<String>,
    /// Gateway endpoints: the route tables it is associated with.
    #[serde(default)]
    pub route_tables: Vec<Sp<String>>,
    /// Gateway endpoints: the service prefix list.
    #[serde(default)]
    pub prefix_list: Option<Sp<String>>,
    /// Interface endpoints: one subnet per AZ.
    #[serde(default)]
    pub subnets: Vec<Sp<String>>,
    #[serde(default)]
    pub security_groups: Vec<Sp<String>>,
    #[serde(default)]
    pub private_dns: Option<bool>,
    /// `ipv4`, `ipv6` or `dualstack` (C-13.5). Gateway endpoints: which
    /// prefix lists get routes (default `ipv4`). Interface endpoints: which
    /// addresses the endpoint's interfaces have.
    #[serde(default)]
    pub ip_address_type: Option<String>,
    /// Gateway endpoints: the service's IPv6 prefix list, routed when
    /// `ip_address_type` is `ipv6` or `dualstack` (C-13.5).
    #[serde(default)]
    pub ipv6_prefix_list: Option<Sp<String>>,
    /// Interface endpoints: the DNS record types of private DNS, `ipv4`,
    /// `ipv6`, `dualstack` or `service-defined` (default: `ipv4`, or
    /// `dualstack` for a dual-stack endpoint).
    #[serde(default)]
    pub dns_record_ip_type: Option<Sp<String>>,
    /// Interface endpoints for S3: private DNS answers only queries that
    /// arrive through a Resolver inbound endpoint; clients in the VPC get the
    /// public answers and use the gateway endpoint (C-13.9).
    #[serde(default)]
    pub private_dns_only_for_inbound_resolver_endpoint: Option<bool>,
    /// The endpoint policy document, verbatim.
    #[serde(default)]
    pub policy: Option<serde_json::Value>,
}

/// A VPC peering connection (C-8). Whether it is cross-account or
/// cross-Region follows from the `account` and `region` of the two VPCs.
#[derive(Debug, Clone, Default, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct PeeringConnection {
    pub name: Sp<String>,
    #[serde(default)]
    pub aws_id: Option<String>,
    pub requester_vpc: Sp<String>,
    pub accepter_vpc: Sp<String>,
    /// `active` (default) or another status code (`pending-acceptance`,
    /// `deleted`, …); only an active peering carries traffic (C-8.1).
    /// Operational state (C-0.4).
    #[serde(default)]
    pub status: Option<Sp<String>>,
    /// `AllowDnsResolutionFromRemoteVpc` on the requester side: the accepter
    /// resolves the requester's public DNS names to private IPs (C-8.5).
    #[serde(default)]
    pub requester_allows_remote_dns_resolution: Option<bool>,
    /// The same option on the accepter side.
    #[serde(default)]
    pub accepter_allows_remote_dns_resolution: Option<bool>,
}

/// A transit gateway (C-9), with its attachments and route tables.
#[derive(Debug, Clone, Default, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct TransitGateway {
    pub name: Sp<String>,
    #[serde(default)]
    pub aws_id: Option<String>,
    /// Defaults to the file's `region`.
    #[serde(default)]
    pub region: Option<Sp<String>>,
    #[serde(default)]
    pub account: Option<Scalar>,
    #[serde(default)]
    pub amazon_side_asn: Option<u64>,
    /// `SecurityGroupReferencingSupport` (AWS default `false`, C-9.9).
    #[serde(default)]
    pub security_group_referencing: Option<bool>,
    /// `VpnEcmpSupport` (AWS default `true`, C-9.4).
    #[serde(default)]
    pub vpn_ecmp: Option<bool>,
    /// The route table new attachments are associated with when
    /// `DefaultRouteTableAssociation` is enabled. Informational: the
    /// associations that exist are listed on each route table.
    #[serde(default)]
    pub default_association_route_table: Option<Sp<String>>,
    /// The route table new attachments propagate to when
    /// `DefaultRouteTablePropagation` is enabled. Informational, as above.
    #[serde(default)]
    pub default_propagation_route_table: Option<Sp<String>>,
    #[serde(default)]
    pub attachments: Vec<Sp<TgwAttachment>>,
    #[serde(default)]
    pub route_tables: Vec<Sp<TgwRouteTable>>,
    #[serde(default)]
    pub tags: Tags,
}

/// A transit gateway attachment (C-9.1). The fields that apply depend on `type`.
#[derive(Debug, Clone, Default, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct TgwAttachment {
    pub name: Sp<String>,
    #[serde(default)]
    pub aws_id: Option<String>,
    /// `vpc`, `vpn`, `direct-connect-gateway`, `peering` or `connect`
    /// (`connect` is accepted and makes every path through it `unknown`).
    #[serde(rename = "type")]
    pub kind: Sp<String>,
    /// `available` (default) or another state; anything else carries
    /// nothing (C-9.2). Operational state (C-0.4).
    #[serde(default)]
    pub state: Option<Sp<String>>,
    /// `vpc`: the attached VPC.
    #[serde(default)]
    pub vpc: Option<Sp<String>>,
    /// `vpc`: one subnet per enabled AZ, holding the attachment ENI (C-9.6).
    #[serde(default)]
    pub subnets: Vec<Sp<String>>,
    /// `vpc`: `ApplianceModeSupport` (default `false`, C-9.7).
    #[serde(default)]
    pub appliance_mode: Option<bool>,
    /// `vpc`: `SecurityGroupReferencingSupport` on the attachment (C-9.9).
    /// When omitted, it follows the transit gateway's option.
    #[serde(default)]
    pub security_group_referencing: Option<bool>,
    /// `vpc`: `Ipv6Support` (default `false`).
    #[serde(default)]
    pub ipv6_support: Option<bool>,
    /// `vpn`: the VPN connection, by name.
    #[serde(default)]
    pub vpn_connection: Option<Sp<String>>,
    /// `direct-connect-gateway`: the DX gateway, by name.
    #[serde(default)]
    pub direct_connect_gateway: Option<Sp<String>>,
    /// `peering`: the peer transit gateway, by name.
    #[serde(default)]
    pub peer_transit_gateway: Option<Sp<String>>,
    #[serde(default)]
    pub tags: Tags,
}

/// A transit gateway route table (C-9.2–C-9.5).
#[derive(Debug, Clone, Default, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct TgwRouteTable {
    pub name: Sp<String>,
    #[serde(default)]
    pub aws_id: Option<String>,
    /// Attachments associated with this table: their traffic is routed by
    /// it. An attachment is associated with at most one table.
    #[serde(default)]
    pub associations: Vec<Sp<String>>,
    /// Attachments that propagate routes into this table (C-9.3).
    #[serde(default)]
    pub propagations: Vec<Sp<String>>,
    /// Static routes, blackholes and prefix-list references. Propagated
    /// routes are derived from `propagations`, not written here.
    #[serde(default)]
    pub routes: Vec<Sp<TgwRoute>>,
    #[serde(default)]
    pub tags: Tags,
}

/// A static transit gateway route. Exactly one of `destination` and
/// `prefix_list`; exactly one of `attachment` and `blackhole: true`.
#[derive(Debug, Clone, Default, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct TgwRoute {
    #[serde(default)]
    pub destination: Option<Sp<String>>,
    /// A prefix-list reference (C-9.4: below static routes at equal length).
    #[serde(default)]
    pub prefix_list: Option<Sp<String>>,
    /// The target attachment, by name.
    #[serde(default)]
    pub attachment: Option<Sp<String>>,
    /// Drops matching traffic (C-9.5).
    #[serde(default)]
    pub blackhole: Option<Sp<bool>>,
}

/// A virtual private gateway (C-10).
#[derive(Debug, Clone, Default, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct VpnGateway {
    pub name: Sp<String>,
    #[serde(default)]
    pub aws_id: Option<String>,
    /// The attached VPC; omit when detached.
    #[serde(default)]
    pub vpc: Option<Sp<String>>,
    #[serde(default)]
    pub amazon_side_asn: Option<u64>,
    #[serde(default)]
    pub tags: Tags,
}

/// A customer gateway: the on-prem end of a VPN connection.
#[derive(Debug, Clone, Default, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct CustomerGateway {
    pub name: Sp<String>,
    #[serde(default)]
    pub aws_id: Option<String>,
    /// The device's outside address.
    #[serde(default)]
    pub ip_address: Option<Sp<String>>,
    #[serde(default)]
    pub bgp_asn: Option<u64>,
    #[serde(default)]
    pub tags: Tags,
}

/// A Site-to-Site VPN connection (C-11). It has no field for pre-shared
/// keys: secrets are never part of a topology.
#[derive(Debug, Clone, Default, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct VpnConnection {
    pub name: Sp<String>,
    #[serde(default)]
    pub aws_id: Option<String>,
    pub customer_gateway: Sp<String>,
    /// The virtual private gateway or transit gateway it terminates on.
    pub gateway: Sp<String>,
    /// `available` (default) or another state. Operational state (C-0.4).
    #[serde(default)]
    pub state: Option<Sp<String>>,
    /// `StaticRoutesOnly` (default `false`: BGP).
    #[serde(default)]
    pub static_routes_only: Option<bool>,
    /// Static routes to on-prem (only with `static_routes_only: true`).
    #[serde(default)]
    pub routes: Vec<Sp<String>>,
    /// `public-ipv4` (default), `private-ipv4` (private IP VPN over Direct
    /// Connect, C-11.4) or `ipv6`.
    #[serde(default)]
    pub outside_ip_address_type: Option<Sp<String>>,
    /// `private-ipv4`: the transit gateway's direct-connect-gateway
    /// attachment the tunnels run over (`TransportTransitGatewayAttachmentId`).
    #[serde(default)]
    pub transport_attachment: Option<Sp<String>>,
    /// Traffic selectors (C-11.2); default `0.0.0.0/0`.
    #[serde(default)]
    pub local_ipv4_network_cidr: Option<Sp<String>>,
    #[serde(default)]
    pub remote_ipv4_network_cidr: Option<Sp<String>>,
    #[serde(default)]
    pub enable_acceleration: Option<bool>,
    /// The two tunnels. Fewer than two listed: the missing ones use AWS
    /// defaults for every option.
    #[serde(default)]
    pub tunnels: Vec<Sp<VpnTunnel>>,
    #[serde(default)]
    pub tags: Tags,
}

/// One IPsec tunnel's options (C-11.3). An empty or omitted list permits
/// every value AWS allows for that option, including weak ones.
#[derive(Debug, Clone, Default, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct VpnTunnel {
    #[serde(default)]
    pub outside_ip_address: Option<Sp<String>>,
    /// The BGP inside CIDR, e.g. `169.254.10.0/30`.
    #[serde(default)]
    pub inside_cidr: Option<Sp<String>>,
    /// `ikev1`, `ikev2`.
    #[serde(default)]
    pub ike_versions: Vec<Sp<String>>,
    /// `AES128`, `AES256`, `AES128-GCM-16`, `AES256-GCM-16`.
    #[serde(default)]
    pub phase1_encryption: Vec<Sp<String>>,
    #[serde(default)]
    pub phase2_encryption: Vec<Sp<String>>,
    /// `SHA1`, `SHA2-256`, `SHA2-384`, `SHA2-512`.
    #[serde(default)]
    pub phase1_integrity: Vec<Sp<String>>,
    #[serde(default)]
    pub phase2_integrity: Vec<Sp<String>>,
    /// Phase 1: 2, 14–24. Phase 2: 2, 5, 14–24.
    #[serde(default)]
    pub phase1_dh_groups: Vec<Sp<u32>>,
    #[serde(default)]
    pub phase2_dh_groups: Vec<Sp<u32>>,
    /// 900–28800 seconds.
    #[serde(default)]
    pub phase1_lifetime_seconds: Option<Sp<u32>>,
    /// 900–3600 seconds.
    #[serde(default)]
    pub phase2_lifetime_seconds: Option<Sp<u32>>,
    /// Operational state read from `VgwTelemetry` (C-11.6). Verdicts never
    /// depend on it; it is reported alongside.
    #[serde(default)]
    pub telemetry: Option<Sp<TunnelTelemetry>>,
}

/// Tunnel telemetry (operational state, C-0.4, C-11.6).
#[derive(Debug, Clone, Default, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct TunnelTelemetry {
    /// `UP` or `DOWN`.
    #[serde(default)]
    pub status: Option<Sp<String>>,
    #[serde(default)]
    pub status_message: Option<String>,
    #[serde(default)]
    pub accepted_route_count: Option<u32>,
    #[serde(default)]
    pub last_status_change: Option<String>,
}

/// Direct Connect resources (C-12).
#[derive(Debug, Clone, Default, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct DirectConnect {
    #[serde(default)]
    pub connections: Vec<Sp<DxConnection>>,
    #[serde(default)]
    pub lags: Vec<Sp<DxLag>>,
    #[serde(default)]
    pub virtual_interfaces: Vec<Sp<DxVirtualInterface>>,
    #[serde(default)]
    pub gateways: Vec<Sp<DxGateway>>,
}

/// A MACsec key (C-12.5). Only its state matters; the secret is never stored.
#[derive(Debug, Clone, Default, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct MacsecKey {
    /// `associating`, `associated`, `disassociating` or `disassociated`.
    pub state: Sp<String>,
    /// The connectivity association key name.
    #[serde(default)]
    pub ckn: Option<String>,
    /// The ARN of the Secrets Manager secret (not the secret).
    #[serde(default)]
    pub secret_arn: Option<String>,
}

/// A physical Direct Connect connection (dedicated or hosted).
#[derive(Debug, Clone, Default, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct DxConnection {
    pub name: Sp<String>,
    #[serde(default)]
    pub aws_id: Option<String>,
    /// `dedicated` (default) or `hosted` (partner-provisioned, C-12.7).
    #[serde(default)]
    pub kind: Option<Sp<String>>,
    /// E.g. `10Gbps`.
    #[serde(default)]
    pub bandwidth: Option<String>,
    #[serde(default)]
    pub location: Option<String>,
    /// The LAG it is a member of, by name.
    #[serde(default)]
    pub lag: Option<Sp<String>>,
    /// `macSecCapable` (default `false`).
    #[serde(default)]
    pub macsec_capable: Option<bool>,
    /// `no_encrypt` (default), `should_encrypt` or `must_encrypt`. A LAG
    /// member's mode is the LAG's (C-12.5); do not set both.
    #[serde(default)]
    pub encryption_mode: Option<Sp<String>>,
    #[serde(default)]
    pub macsec_keys: Vec<Sp<MacsecKey>>,
    /// `portEncryptionStatus` (operational, C-12.5): `Encryption Up` or `Encryption Down`.
    #[serde(default)]
    pub port_encryption_status: Option<String>,
    /// The user asserts that the partner segment of a hosted connection is
    /// protected (C-12.7). Default `false`.
    #[serde(default)]
    pub partner_segment_encrypted: Option<bool>,
    #[serde(default)]
    pub tags: Tags,
}

/// A link aggregation group; its members name it in `lag`.
#[derive(Debug, Clone, Default, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct DxLag {
    pub name: Sp<String>,
    #[serde(default)]
    pub aws_id: Option<String>,
    #[serde(default)]
    pub macsec_capable: Option<bool>,
    /// Applies to every member (C-12.5).
    #[serde(default)]
    pub encryption_mode: Option<Sp<String>>,
    #[serde(default)]
    pub macsec_keys: Vec<Sp<MacsecKey>>,
    #[serde(default)]
    pub tags: Tags,
}

/// A Direct Connect virtual interface (C-12.1).
#[derive(Debug, Clone, Default, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct DxVirtualInterface {
    pub name: Sp<String>,
    #[serde(default)]
    pub aws_id: Option<String>,
    /// `private`, `transit` or `public`.
    #[serde(rename = "type")]
    pub kind: Sp<String>,
    /// The connection or LAG it runs on, by name.
    pub connection: Sp<String>,
    /// `available` (default) or another state. Operational state (C-0.4).
    #[serde(default)]
    pub state: Option<Sp<String>>,
    #[serde(default)]
    pub vlan: Option<u32>,
    /// `private` or `transit`: the DX gateway it attaches to.
    #[serde(default)]
    pub direct_connect_gateway: Option<Sp<String>>,
    /// `private` only: a virtual private gateway it attaches to directly.
    #[serde(default)]
    pub vpn_gateway: Option<Sp<String>>,
    /// `public`: the customer's public prefixes advertised to AWS.
    #[serde(default)]
    pub advertised_prefixes: Vec<Sp<String>>,
    #[serde(default)]
    pub tags: Tags,
}

/// A Direct Connect gateway (global, C-12.2).
#[derive(Debug, Clone, Default, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct DxGateway {
    pub name: Sp<String>,
    #[serde(default)]
    pub aws_id: Option<String>,
    #[serde(default)]
    pub amazon_side_asn: Option<u64>,
    #[serde(default)]
    pub associations: Vec<Sp<DxGatewayAssociation>>,
}

/// A DX gateway association with a transit gateway or a VGW (exactly one).
#[derive(Debug, Clone, Default, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct DxGatewayAssociation {
    #[serde(default)]
    pub transit_gateway: Option<Sp<String>>,
    #[serde(default)]
    pub vpn_gateway: Option<Sp<String>>,
    /// `AllowedPrefixesToDirectConnectGateway`. For a transit gateway:
    /// exactly these are advertised to on-prem. For a VGW: a filter on the
    /// VPC CIDRs (C-12.2).
    #[serde(default)]
    pub allowed_prefixes: Vec<Sp<String>>,
}

/// A network outside AWS (a data centre, an office), by name.
#[derive(Debug, Clone, Default, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct OnPremNetwork {
    pub name: Sp<String>,
    /// The addresses of the network.
    pub cidrs: Vec<Sp<String>>,
    /// The VPN connections and Direct Connect virtual interfaces it sits
    /// behind: every path between it and AWS uses one of them.
    #[serde(default)]
    pub via: Vec<Sp<String>>,
    /// What the on-prem routers advertise to AWS over BGP, per connection.
    /// A BGP connection in `via` that is not listed here may carry any
    /// prefix (fail closed). Static VPN routes are in the VPN connection.
    #[serde(default)]
    pub advertises: Vec<Sp<OnPremAdvertisement>>,
    /// How the on-prem routers choose among the connections into AWS, for
    /// equally specific routes AWS advertises: an ordered list of `dx`,
    /// `vpn`, or connection names. Omitted: unknown (any of them).
    #[serde(default)]
    pub prefer: Vec<Sp<String>>,
    /// Written by the importer (or implied by the loader) from the routes
    /// AWS points at the connections in `via`, not declared by a person.
    #[serde(default)]
    pub derived: Option<bool>,
    /// For a derived network: the AWS routes it was derived from, as text.
    #[serde(default)]
    pub derived_from: Vec<Sp<String>>,
}

/// BGP routes an on-prem network advertises over one connection.
#[derive(Debug, Clone, Default, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct OnPremAdvertisement {
    /// A VPN connection or virtual interface in `via`.
    pub via: Sp<String>,
    /// The prefixes, e.g. `[10.50.0.0/16]`; `[]` for none.
    pub prefixes: Vec<Sp<String>>,
}

/// VPC Block Public Access for the account and Region (C-6.10).
#[derive(Debug, Clone, Default, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct BlockPublicAccess {
    /// `off` (default), `block-bidirectional` or `block-ingress`.
    pub mode: Sp<String>,
    /// VPC or subnet names excluded from BPA.
    #[serde(default)]
    pub exclusions: Vec<Sp<BpaExclusion>>,
}

/// An exclusion from BPA.
#[derive(Debug, Clone, Default, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct BpaExclusion {
    /// A VPC or subnet name.
    pub resource: Sp<String>,
    /// `allow-bidirectional` or `allow-egress`.
    pub mode: Sp<String>,
}

/// What the checks must prove.
#[derive(Debug, Clone, Default, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Policy {
    #[serde(default)]
    pub public_exposure: Option<Sp<PublicExposurePolicy>>,
    /// What each on-prem network may reach in the VPCs (the `on-prem-access`
    /// check). A network not listed is not constrained.
    #[serde(default)]
    pub on_prem_access: Vec<Sp<OnPremAccessPolicy>>,
    #[serde(default)]
    pub private_service_access: Option<Sp<PrivateServiceAccessPolicy>>,
    /// Flows that must get through (the `expected-flows` check; `diff`
    /// reports a closed flow one of them covers as a violation). Each is a
    /// query's `can` without the `can`: `SOURCE -> DESTINATION [on PORTS]`,
    /// e.g. `internet -> web-alb on tcp/443`.
    #[serde(default)]
    pub expect: Vec<Sp<String>>,
}

/// What one on-prem network may reach: nothing beyond `allow`.
#[derive(Debug, Clone, Default, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct OnPremAccessPolicy {
    /// An on-prem network, by name.
    pub network: Sp<String>,
    /// The resources it may reach, and on which ports. `[]`: nothing.
    #[serde(default)]
    pub allow: Vec<Sp<OnPremAllow>>,
}

/// One allowance: a network interface, instance or load balancer, and ports.
#[derive(Debug, Clone, Default, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct OnPremAllow {
    pub resource: Sp<String>,
    /// `tcp/443`, `udp/53`, `icmp`, `all`. Omitted: every port.
    #[serde(default)]
    pub ports: Vec<Sp<String>>,
}

/// Policy for the `private-service-access` check. By default every workload
/// interface uses S3, DynamoDB and ECR in its VPC's Region.
#[derive(Debug, Clone, Default, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct PrivateServiceAccessPolicy {
    /// Which workloads use which services. Left out: every workload
    /// interface uses `s3`, `dynamodb` and `ecr`. Written: exactly the
    /// interfaces some entry selects, with the union of their services.
    #[serde(default)]
    pub uses: Option<Vec<Sp<ServiceUse>>>,
    /// Assume that hosts resolve names through the VPC's DHCP-provided DNS
    /// and that no Route 53 Resolver rule overrides AWS service names
    /// (C-15.3). Default `true`; `false` makes every answer that depends on
    /// name resolution `unknown`.
    #[serde(default)]
    pub hosts_use_vpc_dns: Option<bool>,
    /// The source ports clients use, which replies must reach through the
    /// NACLs (C-4.3, C-4.6). Default `32768-65535` (Linux and Windows).
    #[serde(default)]
    pub client_ports: Option<Sp<Scalar>>,
    /// S3 buckets and their bucket policies.
    #[serde(default)]
    pub buckets: Vec<Sp<ServiceResource>>,
    /// DynamoDB tables and their resource policies.
    #[serde(default)]
    pub tables: Vec<Sp<ServiceResource>>,
}

/// Which services some workloads use. The selectors that are written must
/// all match (an interface matches `workloads` if it or its instance is
/// listed); an entry without selectors selects every workload interface.
#[derive(Debug, Clone, Default, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ServiceUse {
    /// Network interfaces or instances.
    #[serde(default)]
    pub workloads: Vec<Sp<String>>,
    /// Subnets whose interfaces are selected.
    #[serde(default)]
    pub subnets: Vec<Sp<String>>,
    /// Tags the interface or its instance must carry (all of them).
    #[serde(default)]
    pub tags: Tags,
    /// `s3`, `dynamodb`, `ecr` (ecr.api, ecr.dkr and S3 for image layers),
    /// another service's short name (`sqs`, `ecr.api`) or a full endpoint
    /// service name (`com.amazonaws.us-west-2.s3`).
    #[serde(default)]
    pub services: Vec<Sp<String>>,
    /// Buckets (from `buckets`) the workloads use: S3 in each bucket's Region.
    #[serde(default)]
    pub buckets: Vec<Sp<String>>,
    /// Tables (from `tables`) the workloads use: DynamoDB in each table's Region.
    #[serde(default)]
    pub tables: Vec<Sp<String>>,
}

/// An S3 bucket or DynamoDB table with its resource policy.
#[derive(Debug, Clone, Default, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ServiceResource {
    pub name: Sp<String>,
    /// The ARN.
    #[serde(default)]
    pub aws_id: Option<String>,
    /// The Region; default: the top-level `region`.
    #[serde(default)]
    pub region: Option<Sp<String>>,
    /// The bucket or table policy document, verbatim (JSON or YAML).
    #[serde(default)]
    pub policy: Option<serde_json::Value>,
}

/// Policy for the `public-exposure` check. By default every internet-facing
/// load balancer may be reached on its listeners, and nothing else.
#[derive(Debug, Clone, Default, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct PublicExposurePolicy {
    /// Further resources that may be reachable from the internet.
    #[serde(default)]
    pub allow: Vec<Sp<ExposureAllow>>,
    /// Load balancers that must not be reachable from the internet at all.
    #[serde(default)]
    pub forbid: Vec<Sp<String>>,
}

/// One allowance: a resource (interface, instance or load balancer), the
/// ports, and the internet sources.
#[derive(Debug, Clone, Default, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ExposureAllow {
    pub resource: Sp<String>,
    /// `tcp/22`, `udp/500-4500`, `icmp`, `all`. Omitted: the LB's listeners, or nothing.
    #[serde(default)]
    pub ports: Vec<Sp<String>>,
    /// Source CIDRs; omitted means any internet source.
    #[serde(default)]
    pub from: Vec<Sp<String>>,
}

/// Data known to be missing.
#[derive(Debug, Clone, Default, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Gap {
    /// What is missing, e.g. `describe-vpc-endpoints in us-east-1: AccessDenied`.
    pub what: Sp<String>,
    /// The check ids whose verdicts depend on it; empty means every check.
    #[serde(default)]
    pub affects: Vec<Sp<String>>,
    /// What kind of data is missing, which decides the answers that depend
    /// on it. Omitted: `other` (every answer in the scope depends on it).
    #[serde(default)]
    pub kind: Option<Sp<GapKind>>,
    /// Where the data is missing. Omitted: everywhere (every answer may
    /// depend on it).
    #[serde(default)]
    pub scope: Option<Sp<GapScope>>,
}

/// The kind of data a gap says is missing. Each kind names the answers
/// that can depend on it; README "Gaps" has the table.
#[derive(
    Debug,
    Clone,
    Copy,
    Default,
    PartialEq,
    Eq,
    PartialOrd,
    Ord,
    Hash,
    Deserialize,
    Serialize,
    JsonSchema,
)]
#[serde(rename_all = "kebab-case")]
pub enum GapKind {
    /// Network ACLs were not captured and the topology assumes AWS's default
    /// NACL, which allows everything: only answers that a packet gets
    /// through a subnet in scope depend on it.
    AssumedDefaultNacls,
    /// Network ACLs of the scope are not known.
    NetworkAcls,
    /// Security groups (or rules referencing them) of the scope are not known.
    SecurityGroups,
    /// Routes or route tables of the scope are not known.
    Routes,
    /// VPC peering connections of the scope are not known.
    Peering,
    /// Transit gateway attachments, route tables or routes are not known.
    TransitGateway,
    /// VPN or Direct Connect data is not known: only paths to or from on
    /// prem (and the checks about them) depend on it.
    VpnDirectConnect,
    /// VPC endpoints (or their policies or groups) are not known: only paths
    /// to AWS services and endpoints depend on it.
    Endpoints,
    /// Load balancer listeners or targets are not known.
    LoadBalancers,
    /// Entries of prefix lists are not known.
    PrefixLists,
    /// Resources (interfaces, instances, subnets) were left out.
    Resources,
    /// S3 data (the bucket list, a bucket policy, an ACL) is not known:
    /// only the `public-exposure` verdicts of the buckets in scope depend
    /// on it, in both directions.
    #[serde(rename = "s3")]
    S3,
    /// S3 settings that can only restrict access (Block Public Access,
    /// object ownership) are not known, and the topology holds their most
    /// permissive values: only a bucket found public depends on it.
    S3Restrictions,
    /// Anything else: every answer in the scope depends on it.
    #[default]
    Other,
}

/// Where a gap's data is missing: the union of the accounts, Regions, VPCs
/// and resources listed. An empty scope is an error; an omitted one means
/// everywhere.
#[derive(Debug, Clone, Default, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct GapScope {
    /// AWS account ids: every VPC of the account (and every VPC whose
    /// account is not known).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub accounts: Vec<Sp<Scalar>>,
    /// Regions: every VPC in the Region (and every VPC whose Region is not
    /// known).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub regions: Vec<Sp<String>>,
    /// VPCs, by name.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub vpcs: Vec<Sp<String>>,
    /// Any resources, by name: the VPCs they are in (a resource outside any
    /// VPC, such as a transit gateway, makes the scope everywhere).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub resources: Vec<Sp<String>>,
    /// S3 buckets, by name (gaps of kind `s3` and `s3-restrictions` only).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub buckets: Vec<Sp<String>>,
}
