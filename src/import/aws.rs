//! Typed views of the describe-* JSON outputs the importer reads.
//!
//! Every field is optional (AWS and emulators omit fields) and unknown
//! fields are ignored. Secrets-bearing outputs (VPN connections, customer
//! gateway configurations) have no type here: they are never read.

use serde::Deserialize;

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct Tag {
    pub key: Option<String>,
    pub value: Option<String>,
}

/// The `Name` tag of a tag list.
pub fn name_tag(tags: &[Tag]) -> Option<&str> {
    tags.iter()
        .find(|t| t.key.as_deref() == Some("Name"))
        .and_then(|t| t.value.as_deref())
        .filter(|v| !v.trim().is_empty())
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct State {
    pub state: Option<String>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct CidrAssoc {
    pub cidr_block: Option<String>,
    pub cidr_block_state: Option<State>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct Ipv6CidrAssoc {
    pub ipv6_cidr_block: Option<String>,
    pub ipv6_cidr_block_state: Option<State>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct Vpc {
    pub vpc_id: Option<String>,
    pub cidr_block: Option<String>,
    pub cidr_block_association_set: Vec<CidrAssoc>,
    pub ipv6_cidr_block_association_set: Vec<Ipv6CidrAssoc>,
    pub dhcp_options_id: Option<String>,
    pub owner_id: Option<String>,
    pub tags: Vec<Tag>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct AttrValue {
    pub value: Option<String>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct DhcpConfiguration {
    pub key: Option<String>,
    pub values: Vec<AttrValue>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct DhcpOptions {
    pub dhcp_options_id: Option<String>,
    pub dhcp_configurations: Vec<DhcpConfiguration>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct BoolValue {
    pub value: Option<bool>,
}

/// `describe-vpc-attribute` output.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct VpcAttribute {
    pub vpc_id: Option<String>,
    pub enable_dns_support: Option<BoolValue>,
    pub enable_dns_hostnames: Option<BoolValue>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct Subnet {
    pub subnet_id: Option<String>,
    pub vpc_id: Option<String>,
    pub cidr_block: Option<String>,
    pub availability_zone: Option<String>,
    pub subnet_arn: Option<String>,
    pub ipv6_cidr_block_association_set: Vec<Ipv6CidrAssoc>,
    pub tags: Vec<Tag>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct RtAssociation {
    pub main: Option<bool>,
    pub subnet_id: Option<String>,
    pub gateway_id: Option<String>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct GatewayRef {
    pub gateway_id: Option<String>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct Route {
    pub destination_cidr_block: Option<String>,
    pub destination_ipv6_cidr_block: Option<String>,
    pub destination_prefix_list_id: Option<String>,
    pub gateway_id: Option<String>,
    pub egress_only_internet_gateway_id: Option<String>,
    pub nat_gateway_id: Option<String>,
    pub vpc_peering_connection_id: Option<String>,
    pub transit_gateway_id: Option<String>,
    pub network_interface_id: Option<String>,
    pub instance_id: Option<String>,
    pub local_gateway_id: Option<String>,
    pub carrier_gateway_id: Option<String>,
    pub core_network_arn: Option<String>,
    pub state: Option<String>,
    pub origin: Option<String>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct RouteTable {
    pub route_table_id: Option<String>,
    pub vpc_id: Option<String>,
    pub associations: Vec<RtAssociation>,
    pub propagating_vgws: Vec<GatewayRef>,
    pub routes: Vec<Route>,
    pub tags: Vec<Tag>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct SubnetRef {
    pub subnet_id: Option<String>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct PortRange {
    pub from: Option<i64>,
    pub to: Option<i64>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct IcmpTypeCode {
    #[serde(rename = "Type")]
    pub kind: Option<i32>,
    pub code: Option<i32>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct NaclEntry {
    pub egress: Option<bool>,
    pub rule_number: Option<i64>,
    pub rule_action: Option<String>,
    pub protocol: Option<String>,
    pub port_range: Option<PortRange>,
    pub icmp_type_code: Option<IcmpTypeCode>,
    pub cidr_block: Option<String>,
    pub ipv6_cidr_block: Option<String>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct NetworkAcl {
    pub network_acl_id: Option<String>,
    pub vpc_id: Option<String>,
    pub is_default: Option<bool>,
    pub associations: Vec<SubnetRef>,
    pub entries: Vec<NaclEntry>,
    pub tags: Vec<Tag>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct IpRange {
    pub cidr_ip: Option<String>,
    pub description: Option<String>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct Ipv6Range {
    pub cidr_ipv6: Option<String>,
    pub description: Option<String>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct PrefixListRef {
    pub prefix_list_id: Option<String>,
    pub description: Option<String>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct GroupPair {
    pub group_id: Option<String>,
    pub user_id: Option<String>,
    pub description: Option<String>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct IpPermission {
    pub ip_protocol: Option<String>,
    pub from_port: Option<i64>,
    pub to_port: Option<i64>,
    pub ip_ranges: Vec<IpRange>,
    pub ipv6_ranges: Vec<Ipv6Range>,
    pub prefix_list_ids: Vec<PrefixListRef>,
    pub user_id_group_pairs: Vec<GroupPair>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct SecurityGroup {
    pub group_id: Option<String>,
    pub group_name: Option<String>,
    pub vpc_id: Option<String>,
    pub description: Option<String>,
    pub ip_permissions: Vec<IpPermission>,
    pub ip_permissions_egress: Vec<IpPermission>,
    pub tags: Vec<Tag>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct GroupRef {
    pub group_id: Option<String>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct IpAssociation {
    pub public_ip: Option<String>,
    pub allocation_id: Option<String>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct PrivateIp {
    pub private_ip_address: Option<String>,
    pub primary: Option<bool>,
    pub association: Option<IpAssociation>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct Ipv6Address {
    pub ipv6_address: Option<String>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct Ipv4Prefix {
    pub ipv4_prefix: Option<String>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct Ipv6Prefix {
    pub ipv6_prefix: Option<String>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct EniAttachment {
    pub instance_id: Option<String>,
    pub status: Option<String>,
    pub device_index: Option<i64>,
}

/// A network interface, from `describe-network-interfaces` or from an
/// instance's `NetworkInterfaces` (the same shape, fewer fields).
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct NetworkInterface {
    pub network_interface_id: Option<String>,
    pub subnet_id: Option<String>,
    pub vpc_id: Option<String>,
    pub description: Option<String>,
    pub interface_type: Option<String>,
    pub requester_managed: Option<bool>,
    /// The AWS service or account that created a managed interface.
    pub requester_id: Option<String>,
    pub availability_zone: Option<String>,
    pub groups: Vec<GroupRef>,
    pub source_dest_check: Option<bool>,
    pub attachment: Option<EniAttachment>,
    /// The primary private IP's public association (some outputs, e.g.
    /// moto's, carry it only here).
    pub association: Option<IpAssociation>,
    pub private_ip_address: Option<String>,
    pub private_ip_addresses: Vec<PrivateIp>,
    pub ipv6_addresses: Vec<Ipv6Address>,
    pub ipv4_prefixes: Vec<Ipv4Prefix>,
    pub ipv6_prefixes: Vec<Ipv6Prefix>,
    pub tag_set: Vec<Tag>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct InstanceState {
    pub name: Option<String>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct Instance {
    pub instance_id: Option<String>,
    pub state: Option<InstanceState>,
    pub network_interfaces: Vec<NetworkInterface>,
    pub tags: Vec<Tag>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct Reservation {
    pub instances: Vec<Instance>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct Address {
    pub allocation_id: Option<String>,
    pub public_ip: Option<String>,
    pub private_ip_address: Option<String>,
    pub network_interface_id: Option<String>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct VpcAttachment {
    pub vpc_id: Option<String>,
    pub state: Option<String>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct InternetGateway {
    pub internet_gateway_id: Option<String>,
    pub attachments: Vec<VpcAttachment>,
    pub tags: Vec<Tag>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct EgressOnlyInternetGateway {
    pub egress_only_internet_gateway_id: Option<String>,
    pub attachments: Vec<VpcAttachment>,
    pub tags: Vec<Tag>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct NatAddress {
    pub network_interface_id: Option<String>,
    pub private_ip: Option<String>,
    pub public_ip: Option<String>,
    pub is_primary: Option<bool>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct NatGateway {
    pub nat_gateway_id: Option<String>,
    pub subnet_id: Option<String>,
    pub state: Option<String>,
    pub connectivity_type: Option<String>,
    pub nat_gateway_addresses: Vec<NatAddress>,
    pub tags: Vec<Tag>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct VpcEndpoint {
    pub vpc_endpoint_id: Option<String>,
    pub vpc_id: Option<String>,
    pub vpc_endpoint_type: Option<String>,
    pub service_name: Option<String>,
    pub state: Option<String>,
    pub route_table_ids: Vec<String>,
    pub subnet_ids: Vec<String>,
    pub groups: Vec<GroupRef>,
    pub private_dns_enabled: Option<bool>,
    pub dns_options: Option<EndpointDnsOptions>,
    pub ip_address_type: Option<String>,
    pub policy_document: Option<String>,
    pub tags: Vec<Tag>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct EndpointDnsOptions {
    pub dns_record_ip_type: Option<String>,
    pub private_dns_only_for_inbound_resolver_endpoint: Option<bool>,
}

/// One record under `PrefixLists`, which two calls print: `describe-prefix-lists`
/// (AWS-managed service lists, with `Cidrs`) and
/// `describe-managed-prefix-lists` (any managed list, without entries: those
/// come from `get-managed-prefix-list-entries`). One array may mix both.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct PrefixList {
    pub prefix_list_id: Option<String>,
    pub prefix_list_name: Option<String>,
    pub cidrs: Option<Vec<String>>,
    pub address_family: Option<String>,
    pub state: Option<String>,
    pub prefix_list_arn: Option<String>,
    pub tags: Vec<Tag>,
}

/// `describe-availability-zones`: a zone and its Region.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct AvailabilityZone {
    pub zone_name: Option<String>,
    pub region_name: Option<String>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct PrefixListEntry {
    pub cidr: Option<String>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct PeeringVpcInfo {
    pub vpc_id: Option<String>,
    pub region: Option<String>,
    pub peering_options: Option<PeeringOptions>,
}

/// `VpcPeeringConnectionOptionsDescription` of one side (C-8.5).
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct PeeringOptions {
    pub allow_dns_resolution_from_remote_vpc: Option<bool>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct StatusCode {
    pub code: Option<String>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct PeeringConnection {
    pub vpc_peering_connection_id: Option<String>,
    pub requester_vpc_info: Option<PeeringVpcInfo>,
    pub accepter_vpc_info: Option<PeeringVpcInfo>,
    pub status: Option<StatusCode>,
    pub tags: Vec<Tag>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct LbZone {
    pub subnet_id: Option<String>,
    pub zone_name: Option<String>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct LoadBalancer {
    pub load_balancer_arn: Option<String>,
    pub load_balancer_name: Option<String>,
    pub vpc_id: Option<String>,
    pub state: Option<StatusCode>,
    #[serde(rename = "Type")]
    pub kind: Option<String>,
    pub scheme: Option<String>,
    pub ip_address_type: Option<String>,
    pub availability_zones: Vec<LbZone>,
    pub security_groups: Vec<String>,
}

/// One element of `elb describe-load-balancers`' `LoadBalancerDescriptions`
/// (a Classic Load Balancer, C-14.5).
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct ClassicLoadBalancer {
    pub load_balancer_name: Option<String>,
    #[serde(rename = "VPCId")]
    pub vpc_id: Option<String>,
    pub scheme: Option<String>,
    pub subnets: Vec<String>,
    pub availability_zones: Vec<String>,
    pub security_groups: Vec<String>,
    pub listener_descriptions: Vec<ClassicListenerDescription>,
    pub instances: Vec<ClassicInstance>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct ClassicListenerDescription {
    pub listener: Option<ClassicListener>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct ClassicListener {
    pub protocol: Option<String>,
    pub load_balancer_port: Option<i64>,
    pub instance_protocol: Option<String>,
    pub instance_port: Option<i64>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct ClassicInstance {
    pub instance_id: Option<String>,
}

/// `elb describe-load-balancer-attributes`: `LoadBalancerAttributes`,
/// with the `LoadBalancerName` the capture writes beside it.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct ClassicLbAttributes {
    #[serde(skip)]
    pub load_balancer_name: Option<String>,
    pub cross_zone_load_balancing: Option<Enabled>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct Enabled {
    pub enabled: Option<bool>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct TgRef {
    pub target_group_arn: Option<String>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct ForwardConfig {
    pub target_groups: Vec<TgRef>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct Action {
    #[serde(rename = "Type")]
    pub kind: Option<String>,
    pub order: Option<i64>,
    pub target_group_arn: Option<String>,
    pub forward_config: Option<ForwardConfig>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct Listener {
    pub listener_arn: Option<String>,
    pub load_balancer_arn: Option<String>,
    pub port: Option<i64>,
    pub protocol: Option<String>,
    pub default_actions: Vec<Action>,
}

/// One element of the aggregate `LoadBalancerListeners` key.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct LbListeners {
    pub load_balancer_arn: Option<String>,
    pub listeners: Vec<Listener>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct TargetGroup {
    pub target_group_arn: Option<String>,
    pub target_group_name: Option<String>,
    pub target_type: Option<String>,
    pub protocol: Option<String>,
    pub port: Option<i64>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct TargetDesc {
    pub id: Option<String>,
    pub port: Option<i64>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct TargetHealthDescription {
    pub target: Option<TargetDesc>,
}

/// One element of the aggregate `LoadBalancerTargetHealth` key.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct TargetHealth {
    pub target_group_arn: Option<String>,
    pub target_health_descriptions: Vec<TargetHealthDescription>,
}

/// A number that AWS prints as a JSON number in some outputs and as a
/// string in others (`CustomerGateways[].BgpAsn` is `"65301"`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Num(pub u64);

impl<'de> Deserialize<'de> for Num {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        #[derive(Deserialize)]
        #[serde(untagged)]
        enum Raw {
            N(u64),
            S(String),
        }
        match Raw::deserialize(d)? {
            Raw::N(n) => Ok(Num(n)),
            Raw::S(s) => {
                s.trim().parse().map(Num).map_err(|_| {
                    serde::de::Error::custom(format!("expected a number, found `{s}`"))
                })
            }
        }
    }
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct TgwOptions {
    pub amazon_side_asn: Option<Num>,
    pub association_default_route_table_id: Option<String>,
    pub propagation_default_route_table_id: Option<String>,
    pub default_route_table_association: Option<String>,
    pub default_route_table_propagation: Option<String>,
    pub vpn_ecmp_support: Option<String>,
    pub security_group_referencing_support: Option<String>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct TransitGateway {
    pub transit_gateway_id: Option<String>,
    pub owner_id: Option<String>,
    pub state: Option<String>,
    pub options: Option<TgwOptions>,
    pub tags: Vec<Tag>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct TgwAssociation {
    pub transit_gateway_route_table_id: Option<String>,
    pub state: Option<String>,
}

/// `describe-transit-gateway-attachments` (and, with the VPC-specific
/// fields, `describe-transit-gateway-vpc-attachments`).
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct TgwAttachment {
    pub transit_gateway_attachment_id: Option<String>,
    pub transit_gateway_id: Option<String>,
    pub resource_id: Option<String>,
    pub resource_type: Option<String>,
    pub resource_owner_id: Option<String>,
    pub state: Option<String>,
    pub association: Option<TgwAssociation>,
    pub tags: Vec<Tag>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct TgwVpcAttachmentOptions {
    pub ipv6_support: Option<String>,
    pub appliance_mode_support: Option<String>,
    pub security_group_referencing_support: Option<String>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct TgwVpcAttachment {
    pub transit_gateway_attachment_id: Option<String>,
    pub transit_gateway_id: Option<String>,
    pub vpc_id: Option<String>,
    pub state: Option<String>,
    pub subnet_ids: Vec<String>,
    pub options: Option<TgwVpcAttachmentOptions>,
    pub tags: Vec<Tag>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct TgwRouteTable {
    pub transit_gateway_route_table_id: Option<String>,
    pub transit_gateway_id: Option<String>,
    pub state: Option<String>,
    pub default_association_route_table: Option<bool>,
    pub default_propagation_route_table: Option<bool>,
    pub tags: Vec<Tag>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct TgwRouteAttachment {
    pub transit_gateway_attachment_id: Option<String>,
    pub resource_id: Option<String>,
    pub resource_type: Option<String>,
}

/// One route of `search-transit-gateway-routes`.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct TgwRoute {
    pub destination_cidr_block: Option<String>,
    pub prefix_list_id: Option<String>,
    pub state: Option<String>,
    #[serde(rename = "Type")]
    pub kind: Option<String>,
    pub transit_gateway_attachments: Vec<TgwRouteAttachment>,
}

/// `search-transit-gateway-routes` output with the context key
/// `TransitGatewayRouteTableId` (the aggregate `TransitGatewayStaticRoutes`
/// holds a list of these).
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct TgwRoutes {
    pub transit_gateway_route_table_id: Option<String>,
    pub routes: Vec<TgwRoute>,
    pub additional_routes_available: Option<bool>,
}

/// One association or propagation of a TGW route table.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct TgwRtbLink {
    pub transit_gateway_attachment_id: Option<String>,
    pub resource_id: Option<String>,
    pub resource_type: Option<String>,
    pub state: Option<String>,
}

/// `get-transit-gateway-route-table-propagations` with the context key (the
/// aggregate `TransitGatewayPropagations` holds a list of these).
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct TgwPropagations {
    pub transit_gateway_route_table_id: Option<String>,
    pub transit_gateway_route_table_propagations: Vec<TgwRtbLink>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct IntValue {
    pub value: Option<Num>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct StrValue {
    pub value: Option<String>,
}

/// One tunnel's options. The pre-shared key (`PreSharedKey`) has no field
/// here, so it is never read into memory beyond the JSON parser.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct TunnelOptions {
    pub outside_ip_address: Option<String>,
    pub tunnel_inside_cidr: Option<String>,
    pub ike_versions: Vec<StrValue>,
    #[serde(rename = "Phase1DHGroupNumbers")]
    pub phase1_dh_group_numbers: Vec<IntValue>,
    #[serde(rename = "Phase2DHGroupNumbers")]
    pub phase2_dh_group_numbers: Vec<IntValue>,
    pub phase1_encryption_algorithms: Vec<StrValue>,
    pub phase2_encryption_algorithms: Vec<StrValue>,
    pub phase1_integrity_algorithms: Vec<StrValue>,
    pub phase2_integrity_algorithms: Vec<StrValue>,
    pub phase1_lifetime_seconds: Option<Num>,
    pub phase2_lifetime_seconds: Option<Num>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct VpnOptions {
    pub static_routes_only: Option<bool>,
    pub outside_ip_address_type: Option<String>,
    pub transport_transit_gateway_attachment_id: Option<String>,
    pub local_ipv4_network_cidr: Option<String>,
    pub remote_ipv4_network_cidr: Option<String>,
    pub local_ipv6_network_cidr: Option<String>,
    pub remote_ipv6_network_cidr: Option<String>,
    pub enable_acceleration: Option<bool>,
    pub tunnel_options: Vec<TunnelOptions>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct VpnStaticRoute {
    pub destination_cidr_block: Option<String>,
    pub state: Option<String>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct VgwTelemetry {
    pub outside_ip_address: Option<String>,
    pub status: Option<String>,
    pub status_message: Option<String>,
    pub accepted_route_count: Option<Num>,
    pub last_status_change: Option<String>,
}

/// `describe-vpn-connections`. `CustomerGatewayConfiguration` (which holds
/// the pre-shared keys in clear text) has no field here: it is never kept.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct VpnConnection {
    pub vpn_connection_id: Option<String>,
    pub customer_gateway_id: Option<String>,
    pub vpn_gateway_id: Option<String>,
    pub transit_gateway_id: Option<String>,
    pub state: Option<String>,
    #[serde(rename = "Type")]
    pub kind: Option<String>,
    pub options: Option<VpnOptions>,
    pub routes: Vec<VpnStaticRoute>,
    pub vgw_telemetry: Vec<VgwTelemetry>,
    pub tags: Vec<Tag>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct CustomerGateway {
    pub customer_gateway_id: Option<String>,
    pub ip_address: Option<String>,
    pub bgp_asn: Option<Num>,
    pub state: Option<String>,
    pub tags: Vec<Tag>,
}

/// Direct Connect records are read after their keys are normalised to
/// PascalCase (the real `aws directconnect` CLI prints camelCase).
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct MacSecKey {
    #[serde(rename = "SecretARN")]
    pub secret_arn: Option<String>,
    pub ckn: Option<String>,
    pub state: Option<String>,
}

/// `describe-connections` (and, with `Connections` inside, `describe-lags`).
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct DxConnection {
    pub connection_id: Option<String>,
    pub connection_name: Option<String>,
    pub connection_state: Option<String>,
    pub bandwidth: Option<String>,
    pub location: Option<String>,
    pub lag_id: Option<String>,
    pub partner_name: Option<String>,
    pub owner_account: Option<String>,
    #[serde(rename = "MacSecCapable")]
    pub macsec_capable: Option<bool>,
    pub encryption_mode: Option<String>,
    pub port_encryption_status: Option<String>,
    pub mac_sec_keys: Vec<MacSecKey>,
    pub tags: Vec<Tag>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct DxLag {
    pub lag_id: Option<String>,
    pub lag_name: Option<String>,
    pub lag_state: Option<String>,
    #[serde(rename = "MacSecCapable")]
    pub macsec_capable: Option<bool>,
    pub encryption_mode: Option<String>,
    pub mac_sec_keys: Vec<MacSecKey>,
    pub connections: Vec<DxConnection>,
    pub tags: Vec<Tag>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct DxRouteFilterPrefix {
    pub cidr: Option<String>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct VirtualInterface {
    pub virtual_interface_id: Option<String>,
    pub virtual_interface_name: Option<String>,
    pub virtual_interface_type: Option<String>,
    pub virtual_interface_state: Option<String>,
    pub connection_id: Option<String>,
    pub virtual_gateway_id: Option<String>,
    pub direct_connect_gateway_id: Option<String>,
    pub owner_account: Option<String>,
    pub region: Option<String>,
    pub address_family: Option<String>,
    pub asn: Option<Num>,
    pub route_filter_prefixes: Vec<DxRouteFilterPrefix>,
    pub tags: Vec<Tag>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct DxGateway {
    pub direct_connect_gateway_id: Option<String>,
    pub direct_connect_gateway_name: Option<String>,
    pub amazon_side_asn: Option<Num>,
    pub direct_connect_gateway_state: Option<String>,
    pub tags: Vec<Tag>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct DxAssociatedGateway {
    pub id: Option<String>,
    #[serde(rename = "Type")]
    pub kind: Option<String>,
    pub owner_account: Option<String>,
    pub region: Option<String>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct DxGatewayAssociation {
    pub association_id: Option<String>,
    pub direct_connect_gateway_id: Option<String>,
    pub associated_gateway: Option<DxAssociatedGateway>,
    pub virtual_gateway_id: Option<String>,
    pub association_state: Option<String>,
    pub allowed_prefixes_to_direct_connect_gateway: Vec<DxRouteFilterPrefix>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct VpnGateway {
    pub vpn_gateway_id: Option<String>,
    pub vpc_attachments: Vec<VpcAttachment>,
    pub amazon_side_asn: Option<u64>,
    pub tags: Vec<Tag>,
}

/// One entry of `NetverifyImportGaps`: what a live import could not read.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct ImportGap {
    pub what: Option<String>,
    pub affects: Vec<String>,
    /// The Region of the call that failed (absent: everywhere).
    pub region: Option<String>,
    /// The kind of data missing (absent: `other`).
    pub kind: Option<crate::model::format::GapKind>,
}

// ----- S3 (`s3api`, `s3control`) -----------------------------------------

/// One bucket of `s3api list-buckets`.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct ListedBucket {
    pub name: Option<String>,
    /// Printed by newer CLIs (`ListBuckets` with `BucketRegion`).
    pub bucket_region: Option<String>,
}

/// `PublicAccessBlockConfiguration` (`get-public-access-block`, bucket or
/// account); an absent setting is off.
#[derive(Debug, Clone, Copy, Default, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct PublicAccessBlock {
    pub block_public_acls: bool,
    pub ignore_public_acls: bool,
    pub block_public_policy: bool,
    pub restrict_public_buckets: bool,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct OwnershipRule {
    pub object_ownership: Option<String>,
}

/// `OwnershipControls` of `get-bucket-ownership-controls`.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct OwnershipControls {
    pub rules: Vec<OwnershipRule>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct AclGrantee {
    #[serde(rename = "Type")]
    pub kind: Option<String>,
    #[serde(rename = "ID")]
    pub id: Option<String>,
    #[serde(rename = "URI")]
    pub uri: Option<String>,
    pub email_address: Option<String>,
}

/// One of the `Grants` of `get-bucket-acl`.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct AclGrant {
    pub grantee: Option<AclGrantee>,
    pub permission: Option<String>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct IndexDocument {
    pub suffix: Option<String>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct ErrorDocument {
    pub key: Option<String>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct RedirectAll {
    pub host_name: Option<String>,
}

/// `get-bucket-website`.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct BucketWebsite {
    pub index_document: Option<IndexDocument>,
    pub error_document: Option<ErrorDocument>,
    pub redirect_all_requests_to: Option<RedirectAll>,
}

/// The `Error` a snapshot records for an S3 call that failed (the SDK's
/// error code, e.g. `NoSuchBucketPolicy`, `AccessDenied`).
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct CallError {
    pub code: Option<String>,
    pub message: Option<String>,
}
