//! SDK outputs → the JSON the AWS CLI prints for them.
//!
//! The SDK's types are not serializable, so each is mapped here explicitly,
//! with the CLI's key names and shapes: PascalCase for EC2 and ELBv2,
//! camelCase for Direct Connect. Only the fields the importer reads (and
//! ids, names, states) are kept. The mapping is an allow-list: a field not
//! named here is never written, which is how secrets stay out
//! (`CustomerGatewayConfiguration`, tunnel `PreSharedKey`, Direct Connect
//! `authKey` and `customerRouterConfig` are not named).

use aws_sdk_directconnect::types as dx;
use aws_sdk_ec2::types as ec2;
use aws_sdk_elasticloadbalancingv2::types as lb;
use serde_json::{Map, Value};

/// A value as CLI JSON; `None` leaves the key out.
pub trait J {
    fn j(&self) -> Option<Value>;
}

impl J for str {
    fn j(&self) -> Option<Value> {
        Some(Value::String(self.to_string()))
    }
}

impl J for String {
    fn j(&self) -> Option<Value> {
        Some(Value::String(self.clone()))
    }
}

impl J for bool {
    fn j(&self) -> Option<Value> {
        Some(Value::Bool(*self))
    }
}

impl J for i32 {
    fn j(&self) -> Option<Value> {
        Some(Value::from(*self))
    }
}

impl J for i64 {
    fn j(&self) -> Option<Value> {
        Some(Value::from(*self))
    }
}

impl<T: J + ?Sized> J for &T {
    fn j(&self) -> Option<Value> {
        (**self).j()
    }
}

impl<T: J> J for Option<T> {
    fn j(&self) -> Option<Value> {
        self.as_ref().and_then(J::j)
    }
}

impl<T: J> J for Vec<T> {
    fn j(&self) -> Option<Value> {
        self.as_slice().j()
    }
}

impl<T: J> J for [T] {
    fn j(&self) -> Option<Value> {
        Some(Value::Array(self.iter().filter_map(J::j).collect()))
    }
}

/// A JSON object of the fields that have a value.
pub fn obj<const N: usize>(fields: [(&str, Option<Value>); N]) -> Value {
    let mut m = Map::new();
    for (k, v) in fields {
        if let Some(v) = v {
            m.insert(k.to_string(), v);
        }
    }
    Value::Object(m)
}

/// Enums print as their wire value.
macro_rules! enums {
    ($($t:ty),* $(,)?) => {
        $(impl J for $t {
            fn j(&self) -> Option<Value> {
                Some(Value::String(self.as_str().to_string()))
            }
        })*
    };
}

/// A struct prints as an object of the listed fields.
macro_rules! shape {
    ($($t:ty => |$x:ident| { $($k:literal : $v:expr),* $(,)? })*) => {
        $(impl J for $t {
            fn j(&self) -> Option<Value> {
                let $x = self;
                Some(obj([$(($k, J::j(&$v))),*]))
            }
        })*
    };
}

enums!(
    ec2::VpcState,
    ec2::VpcCidrBlockStateCode,
    ec2::SubnetState,
    ec2::SubnetCidrBlockStateCode,
    ec2::RouteTableAssociationStateCode,
    ec2::RouteOrigin,
    ec2::RouteState,
    ec2::RuleAction,
    ec2::NetworkInterfaceType,
    ec2::NetworkInterfaceStatus,
    ec2::AttachmentStatus,
    ec2::InstanceStateName,
    ec2::DomainType,
    ec2::NatGatewayState,
    ec2::ConnectivityType,
    ec2::VpcEndpointType,
    ec2::State,
    ec2::IpAddressType,
    ec2::DnsRecordIpType,
    ec2::PrefixListState,
    ec2::VpcPeeringConnectionStateReasonCode,
    ec2::TransitGatewayState,
    ec2::DefaultRouteTableAssociationValue,
    ec2::DefaultRouteTablePropagationValue,
    ec2::VpnEcmpSupportValue,
    ec2::DnsSupportValue,
    ec2::TransitGatewayAttachmentResourceType,
    ec2::TransitGatewayAttachmentState,
    ec2::TransitGatewayAssociationState,
    ec2::TransitGatewayPropagationState,
    ec2::Ipv6SupportValue,
    ec2::ApplianceModeSupportValue,
    ec2::TransitGatewayRouteTableState,
    ec2::TransitGatewayRouteType,
    ec2::TransitGatewayRouteState,
    ec2::VpnState,
    ec2::GatewayType,
    ec2::TunnelInsideIpVersion,
    ec2::VpnStaticRouteSource,
    ec2::TelemetryStatus,
    lb::LoadBalancerSchemeEnum,
    lb::LoadBalancerStateEnum,
    lb::LoadBalancerTypeEnum,
    lb::IpAddressType,
    lb::ProtocolEnum,
    lb::ActionTypeEnum,
    lb::TargetTypeEnum,
    lb::TargetHealthStateEnum,
    dx::ConnectionState,
    dx::LagState,
    dx::VirtualInterfaceState,
    dx::AddressFamily,
    dx::BgpPeerState,
    dx::BgpStatus,
    dx::DirectConnectGatewayState,
    dx::DirectConnectGatewayAssociationState,
    dx::GatewayType,
);

// ---- EC2 (PascalCase, as `aws ec2 describe-*` prints).
shape! {
    ec2::Tag => |x| { "Key": x.key, "Value": x.value }
    ec2::VpcCidrBlockState => |x| { "State": x.state }
    ec2::VpcCidrBlockAssociation => |x| {
        "AssociationId": x.association_id,
        "CidrBlock": x.cidr_block,
        "CidrBlockState": x.cidr_block_state,
    }
    ec2::VpcIpv6CidrBlockAssociation => |x| {
        "AssociationId": x.association_id,
        "Ipv6CidrBlock": x.ipv6_cidr_block,
        "Ipv6CidrBlockState": x.ipv6_cidr_block_state,
    }
    ec2::Vpc => |x| {
        "VpcId": x.vpc_id,
        "OwnerId": x.owner_id,
        "State": x.state,
        "CidrBlock": x.cidr_block,
        "CidrBlockAssociationSet": x.cidr_block_association_set,
        "Ipv6CidrBlockAssociationSet": x.ipv6_cidr_block_association_set,
        "DhcpOptionsId": x.dhcp_options_id,
        "IsDefault": x.is_default,
        "Tags": x.tags,
    }
    ec2::AttributeValue => |x| { "Value": x.value }
    ec2::DhcpConfiguration => |x| { "Key": x.key, "Values": x.values }
    ec2::DhcpOptions => |x| {
        "DhcpOptionsId": x.dhcp_options_id,
        "OwnerId": x.owner_id,
        "DhcpConfigurations": x.dhcp_configurations,
        "Tags": x.tags,
    }
    ec2::SubnetCidrBlockState => |x| { "State": x.state }
    ec2::SubnetIpv6CidrBlockAssociation => |x| {
        "AssociationId": x.association_id,
        "Ipv6CidrBlock": x.ipv6_cidr_block,
        "Ipv6CidrBlockState": x.ipv6_cidr_block_state,
    }
    ec2::Subnet => |x| {
        "SubnetId": x.subnet_id,
        "VpcId": x.vpc_id,
        "OwnerId": x.owner_id,
        "State": x.state,
        "CidrBlock": x.cidr_block,
        "Ipv6CidrBlockAssociationSet": x.ipv6_cidr_block_association_set,
        "AvailabilityZone": x.availability_zone,
        "AvailabilityZoneId": x.availability_zone_id,
        "SubnetArn": x.subnet_arn,
        "MapPublicIpOnLaunch": x.map_public_ip_on_launch,
        "DefaultForAz": x.default_for_az,
        "Tags": x.tags,
    }
    ec2::RouteTableAssociationState => |x| { "State": x.state }
    ec2::RouteTableAssociation => |x| {
        "Main": x.main,
        "RouteTableAssociationId": x.route_table_association_id,
        "RouteTableId": x.route_table_id,
        "SubnetId": x.subnet_id,
        "GatewayId": x.gateway_id,
        "AssociationState": x.association_state,
    }
    ec2::PropagatingVgw => |x| { "GatewayId": x.gateway_id }
    ec2::Route => |x| {
        "DestinationCidrBlock": x.destination_cidr_block,
        "DestinationIpv6CidrBlock": x.destination_ipv6_cidr_block,
        "DestinationPrefixListId": x.destination_prefix_list_id,
        "GatewayId": x.gateway_id,
        "EgressOnlyInternetGatewayId": x.egress_only_internet_gateway_id,
        "NatGatewayId": x.nat_gateway_id,
        "VpcPeeringConnectionId": x.vpc_peering_connection_id,
        "TransitGatewayId": x.transit_gateway_id,
        "NetworkInterfaceId": x.network_interface_id,
        "InstanceId": x.instance_id,
        "InstanceOwnerId": x.instance_owner_id,
        "LocalGatewayId": x.local_gateway_id,
        "CarrierGatewayId": x.carrier_gateway_id,
        "CoreNetworkArn": x.core_network_arn,
        "OdbNetworkArn": x.odb_network_arn,
        "Origin": x.origin,
        "State": x.state,
    }
    ec2::RouteTable => |x| {
        "RouteTableId": x.route_table_id,
        "VpcId": x.vpc_id,
        "OwnerId": x.owner_id,
        "Associations": x.associations,
        "PropagatingVgws": x.propagating_vgws,
        "Routes": x.routes,
        "Tags": x.tags,
    }
    ec2::NetworkAclAssociation => |x| {
        "NetworkAclAssociationId": x.network_acl_association_id,
        "NetworkAclId": x.network_acl_id,
        "SubnetId": x.subnet_id,
    }
    ec2::PortRange => |x| { "From": x.from, "To": x.to }
    ec2::IcmpTypeCode => |x| { "Code": x.code, "Type": x.r#type }
    ec2::NetworkAclEntry => |x| {
        "RuleNumber": x.rule_number,
        "Egress": x.egress,
        "RuleAction": x.rule_action,
        "Protocol": x.protocol,
        "PortRange": x.port_range,
        "IcmpTypeCode": x.icmp_type_code,
        "CidrBlock": x.cidr_block,
        "Ipv6CidrBlock": x.ipv6_cidr_block,
    }
    ec2::NetworkAcl => |x| {
        "NetworkAclId": x.network_acl_id,
        "VpcId": x.vpc_id,
        "OwnerId": x.owner_id,
        "IsDefault": x.is_default,
        "Associations": x.associations,
        "Entries": x.entries,
        "Tags": x.tags,
    }
    ec2::IpRange => |x| { "CidrIp": x.cidr_ip, "Description": x.description }
    ec2::Ipv6Range => |x| { "CidrIpv6": x.cidr_ipv6, "Description": x.description }
    ec2::PrefixListId => |x| { "PrefixListId": x.prefix_list_id, "Description": x.description }
    ec2::UserIdGroupPair => |x| {
        "GroupId": x.group_id,
        "GroupName": x.group_name,
        "UserId": x.user_id,
        "VpcId": x.vpc_id,
        "VpcPeeringConnectionId": x.vpc_peering_connection_id,
        "PeeringStatus": x.peering_status,
        "Description": x.description,
    }
    ec2::IpPermission => |x| {
        "IpProtocol": x.ip_protocol,
        "FromPort": x.from_port,
        "ToPort": x.to_port,
        "IpRanges": x.ip_ranges,
        "Ipv6Ranges": x.ipv6_ranges,
        "PrefixListIds": x.prefix_list_ids,
        "UserIdGroupPairs": x.user_id_group_pairs,
    }
    ec2::SecurityGroup => |x| {
        "GroupId": x.group_id,
        "GroupName": x.group_name,
        "VpcId": x.vpc_id,
        "OwnerId": x.owner_id,
        "Description": x.description,
        "IpPermissions": x.ip_permissions,
        "IpPermissionsEgress": x.ip_permissions_egress,
        "Tags": x.tags,
    }
    ec2::GroupIdentifier => |x| { "GroupId": x.group_id, "GroupName": x.group_name }
    ec2::NetworkInterfaceAttachment => |x| {
        "AttachmentId": x.attachment_id,
        "InstanceId": x.instance_id,
        "InstanceOwnerId": x.instance_owner_id,
        "DeviceIndex": x.device_index,
        "Status": x.status,
    }
    ec2::NetworkInterfaceAssociation => |x| {
        "AllocationId": x.allocation_id,
        "AssociationId": x.association_id,
        "IpOwnerId": x.ip_owner_id,
        "PublicIp": x.public_ip,
    }
    ec2::NetworkInterfacePrivateIpAddress => |x| {
        "PrivateIpAddress": x.private_ip_address,
        "Primary": x.primary,
        "Association": x.association,
    }
    ec2::NetworkInterfaceIpv6Address => |x| { "Ipv6Address": x.ipv6_address }
    ec2::Ipv4PrefixSpecification => |x| { "Ipv4Prefix": x.ipv4_prefix }
    ec2::Ipv6PrefixSpecification => |x| { "Ipv6Prefix": x.ipv6_prefix }
    ec2::NetworkInterface => |x| {
        "NetworkInterfaceId": x.network_interface_id,
        "SubnetId": x.subnet_id,
        "VpcId": x.vpc_id,
        "OwnerId": x.owner_id,
        "AvailabilityZone": x.availability_zone,
        "Description": x.description,
        "InterfaceType": x.interface_type,
        "RequesterId": x.requester_id,
        "RequesterManaged": x.requester_managed,
        "Status": x.status,
        "Groups": x.groups,
        "SourceDestCheck": x.source_dest_check,
        "Attachment": x.attachment,
        "Association": x.association,
        "PrivateIpAddress": x.private_ip_address,
        "PrivateIpAddresses": x.private_ip_addresses,
        "Ipv6Addresses": x.ipv6_addresses,
        "Ipv4Prefixes": x.ipv4_prefixes,
        "Ipv6Prefixes": x.ipv6_prefixes,
        "TagSet": x.tag_set,
    }
    ec2::InstanceState => |x| { "Code": x.code, "Name": x.name }
    ec2::InstanceNetworkInterfaceAttachment => |x| {
        "AttachmentId": x.attachment_id,
        "DeviceIndex": x.device_index,
        "Status": x.status,
    }
    ec2::InstanceNetworkInterfaceAssociation => |x| {
        "IpOwnerId": x.ip_owner_id,
        "PublicIp": x.public_ip,
    }
    ec2::InstancePrivateIpAddress => |x| {
        "PrivateIpAddress": x.private_ip_address,
        "Primary": x.primary,
        "Association": x.association,
    }
    ec2::InstanceIpv6Address => |x| { "Ipv6Address": x.ipv6_address }
    ec2::InstanceIpv4Prefix => |x| { "Ipv4Prefix": x.ipv4_prefix }
    ec2::InstanceIpv6Prefix => |x| { "Ipv6Prefix": x.ipv6_prefix }
    ec2::InstanceNetworkInterface => |x| {
        "NetworkInterfaceId": x.network_interface_id,
        "SubnetId": x.subnet_id,
        "VpcId": x.vpc_id,
        "OwnerId": x.owner_id,
        "Description": x.description,
        "InterfaceType": x.interface_type,
        "Status": x.status,
        "Groups": x.groups,
        "SourceDestCheck": x.source_dest_check,
        "Attachment": x.attachment,
        "Association": x.association,
        "PrivateIpAddress": x.private_ip_address,
        "PrivateIpAddresses": x.private_ip_addresses,
        "Ipv6Addresses": x.ipv6_addresses,
        "Ipv4Prefixes": x.ipv4_prefixes,
        "Ipv6Prefixes": x.ipv6_prefixes,
    }
    ec2::Instance => |x| {
        "InstanceId": x.instance_id,
        "State": x.state,
        "SubnetId": x.subnet_id,
        "VpcId": x.vpc_id,
        "PrivateIpAddress": x.private_ip_address,
        "PublicIpAddress": x.public_ip_address,
        "SecurityGroups": x.security_groups,
        "SourceDestCheck": x.source_dest_check,
        "NetworkInterfaces": x.network_interfaces,
        "Tags": x.tags,
    }
    ec2::Reservation => |x| {
        "ReservationId": x.reservation_id,
        "OwnerId": x.owner_id,
        "Instances": x.instances,
    }
    ec2::Address => |x| {
        "AllocationId": x.allocation_id,
        "AssociationId": x.association_id,
        "Domain": x.domain,
        "PublicIp": x.public_ip,
        "PrivateIpAddress": x.private_ip_address,
        "NetworkInterfaceId": x.network_interface_id,
        "NetworkInterfaceOwnerId": x.network_interface_owner_id,
        "InstanceId": x.instance_id,
        "Tags": x.tags,
    }
    ec2::InternetGatewayAttachment => |x| { "State": x.state, "VpcId": x.vpc_id }
    ec2::InternetGateway => |x| {
        "InternetGatewayId": x.internet_gateway_id,
        "OwnerId": x.owner_id,
        "Attachments": x.attachments,
        "Tags": x.tags,
    }
    ec2::EgressOnlyInternetGateway => |x| {
        "EgressOnlyInternetGatewayId": x.egress_only_internet_gateway_id,
        "Attachments": x.attachments,
        "Tags": x.tags,
    }
    ec2::NatGatewayAddress => |x| {
        "AllocationId": x.allocation_id,
        "NetworkInterfaceId": x.network_interface_id,
        "PrivateIp": x.private_ip,
        "PublicIp": x.public_ip,
        "IsPrimary": x.is_primary,
    }
    ec2::NatGateway => |x| {
        "NatGatewayId": x.nat_gateway_id,
        "SubnetId": x.subnet_id,
        "VpcId": x.vpc_id,
        "State": x.state,
        "ConnectivityType": x.connectivity_type,
        "NatGatewayAddresses": x.nat_gateway_addresses,
        "Tags": x.tags,
    }
    ec2::SecurityGroupIdentifier => |x| { "GroupId": x.group_id, "GroupName": x.group_name }
    ec2::VpcEndpoint => |x| {
        "VpcEndpointId": x.vpc_endpoint_id,
        "VpcEndpointType": x.vpc_endpoint_type,
        "VpcId": x.vpc_id,
        "OwnerId": x.owner_id,
        "ServiceName": x.service_name,
        "State": x.state,
        "PolicyDocument": x.policy_document,
        "RouteTableIds": x.route_table_ids,
        "SubnetIds": x.subnet_ids,
        "Groups": x.groups,
        "IpAddressType": x.ip_address_type,
        "PrivateDnsEnabled": x.private_dns_enabled,
        "DnsOptions": x.dns_options,
        "RequesterManaged": x.requester_managed,
        "NetworkInterfaceIds": x.network_interface_ids,
        "Tags": x.tags,
    }
    ec2::DnsOptions => |x| {
        "DnsRecordIpType": x.dns_record_ip_type,
        "PrivateDnsOnlyForInboundResolverEndpoint": x.private_dns_only_for_inbound_resolver_endpoint,
    }
    ec2::PrefixList => |x| {
        "PrefixListId": x.prefix_list_id,
        "PrefixListName": x.prefix_list_name,
        "Cidrs": x.cidrs,
    }
    ec2::ManagedPrefixList => |x| {
        "PrefixListId": x.prefix_list_id,
        "PrefixListName": x.prefix_list_name,
        "AddressFamily": x.address_family,
        "State": x.state,
        "OwnerId": x.owner_id,
        "MaxEntries": x.max_entries,
        "Version": x.version,
        "PrefixListArn": x.prefix_list_arn,
        "Tags": x.tags,
    }
    ec2::PrefixListEntry => |x| { "Cidr": x.cidr, "Description": x.description }
    ec2::CidrBlock => |x| { "CidrBlock": x.cidr_block }
    ec2::VpcPeeringConnectionVpcInfo => |x| {
        "VpcId": x.vpc_id,
        "OwnerId": x.owner_id,
        "Region": x.region,
        "CidrBlock": x.cidr_block,
        "CidrBlockSet": x.cidr_block_set,
        "PeeringOptions": x.peering_options,
    }
    ec2::VpcPeeringConnectionOptionsDescription => |x| {
        "AllowDnsResolutionFromRemoteVpc": x.allow_dns_resolution_from_remote_vpc,
    }
    ec2::VpcPeeringConnectionStateReason => |x| { "Code": x.code, "Message": x.message }
    ec2::VpcPeeringConnection => |x| {
        "VpcPeeringConnectionId": x.vpc_peering_connection_id,
        "RequesterVpcInfo": x.requester_vpc_info,
        "AccepterVpcInfo": x.accepter_vpc_info,
        "Status": x.status,
        "Tags": x.tags,
    }
    ec2::TransitGatewayOptions => |x| {
        "AmazonSideAsn": x.amazon_side_asn,
        "TransitGatewayCidrBlocks": x.transit_gateway_cidr_blocks,
        "DefaultRouteTableAssociation": x.default_route_table_association,
        "AssociationDefaultRouteTableId": x.association_default_route_table_id,
        "DefaultRouteTablePropagation": x.default_route_table_propagation,
        "PropagationDefaultRouteTableId": x.propagation_default_route_table_id,
        "VpnEcmpSupport": x.vpn_ecmp_support,
        "DnsSupport": x.dns_support,
    }
    ec2::TransitGateway => |x| {
        "TransitGatewayId": x.transit_gateway_id,
        "TransitGatewayArn": x.transit_gateway_arn,
        "State": x.state,
        "OwnerId": x.owner_id,
        "Description": x.description,
        "Options": x.options,
        "Tags": x.tags,
    }
    ec2::TransitGatewayAttachmentAssociation => |x| {
        "TransitGatewayRouteTableId": x.transit_gateway_route_table_id,
        "State": x.state,
    }
    ec2::TransitGatewayAttachment => |x| {
        "TransitGatewayAttachmentId": x.transit_gateway_attachment_id,
        "TransitGatewayId": x.transit_gateway_id,
        "TransitGatewayOwnerId": x.transit_gateway_owner_id,
        "ResourceOwnerId": x.resource_owner_id,
        "ResourceType": x.resource_type,
        "ResourceId": x.resource_id,
        "State": x.state,
        "Association": x.association,
        "Tags": x.tags,
    }
    ec2::TransitGatewayVpcAttachmentOptions => |x| {
        "DnsSupport": x.dns_support,
        "Ipv6Support": x.ipv6_support,
        "ApplianceModeSupport": x.appliance_mode_support,
    }
    ec2::TransitGatewayVpcAttachment => |x| {
        "TransitGatewayAttachmentId": x.transit_gateway_attachment_id,
        "TransitGatewayId": x.transit_gateway_id,
        "VpcId": x.vpc_id,
        "VpcOwnerId": x.vpc_owner_id,
        "State": x.state,
        "SubnetIds": x.subnet_ids,
        "Options": x.options,
        "Tags": x.tags,
    }
    ec2::TransitGatewayRouteTable => |x| {
        "TransitGatewayRouteTableId": x.transit_gateway_route_table_id,
        "TransitGatewayId": x.transit_gateway_id,
        "State": x.state,
        "DefaultAssociationRouteTable": x.default_association_route_table,
        "DefaultPropagationRouteTable": x.default_propagation_route_table,
        "Tags": x.tags,
    }
    ec2::TransitGatewayRouteAttachment => |x| {
        "ResourceId": x.resource_id,
        "TransitGatewayAttachmentId": x.transit_gateway_attachment_id,
        "ResourceType": x.resource_type,
    }
    ec2::TransitGatewayRoute => |x| {
        "DestinationCidrBlock": x.destination_cidr_block,
        "PrefixListId": x.prefix_list_id,
        "TransitGatewayAttachments": x.transit_gateway_attachments,
        "Type": x.r#type,
        "State": x.state,
    }
    ec2::TransitGatewayRouteTableAssociation => |x| {
        "TransitGatewayAttachmentId": x.transit_gateway_attachment_id,
        "ResourceId": x.resource_id,
        "ResourceType": x.resource_type,
        "State": x.state,
    }
    ec2::TransitGatewayRouteTablePropagation => |x| {
        "TransitGatewayAttachmentId": x.transit_gateway_attachment_id,
        "ResourceId": x.resource_id,
        "ResourceType": x.resource_type,
        "State": x.state,
    }
    ec2::VpcAttachment => |x| { "VpcId": x.vpc_id, "State": x.state }
    ec2::VpnGateway => |x| {
        "VpnGatewayId": x.vpn_gateway_id,
        "State": x.state,
        "Type": x.r#type,
        "AvailabilityZone": x.availability_zone,
        "VpcAttachments": x.vpc_attachments,
        "AmazonSideAsn": x.amazon_side_asn,
        "Tags": x.tags,
    }
    ec2::Phase1EncryptionAlgorithmsListValue => |x| { "Value": x.value }
    ec2::Phase2EncryptionAlgorithmsListValue => |x| { "Value": x.value }
    ec2::Phase1IntegrityAlgorithmsListValue => |x| { "Value": x.value }
    ec2::Phase2IntegrityAlgorithmsListValue => |x| { "Value": x.value }
    ec2::Phase1DhGroupNumbersListValue => |x| { "Value": x.value }
    ec2::Phase2DhGroupNumbersListValue => |x| { "Value": x.value }
    ec2::IkeVersionsListValue => |x| { "Value": x.value }
    // No `PreSharedKey`: it is a secret.
    ec2::TunnelOption => |x| {
        "OutsideIpAddress": x.outside_ip_address,
        "TunnelInsideCidr": x.tunnel_inside_cidr,
        "TunnelInsideIpv6Cidr": x.tunnel_inside_ipv6_cidr,
        "Phase1EncryptionAlgorithms": x.phase1_encryption_algorithms,
        "Phase2EncryptionAlgorithms": x.phase2_encryption_algorithms,
        "Phase1IntegrityAlgorithms": x.phase1_integrity_algorithms,
        "Phase2IntegrityAlgorithms": x.phase2_integrity_algorithms,
        "Phase1DHGroupNumbers": x.phase1_dh_group_numbers,
        "Phase2DHGroupNumbers": x.phase2_dh_group_numbers,
        "IkeVersions": x.ike_versions,
    }
    ec2::VpnConnectionOptions => |x| {
        "EnableAcceleration": x.enable_acceleration,
        "StaticRoutesOnly": x.static_routes_only,
        "LocalIpv4NetworkCidr": x.local_ipv4_network_cidr,
        "RemoteIpv4NetworkCidr": x.remote_ipv4_network_cidr,
        "LocalIpv6NetworkCidr": x.local_ipv6_network_cidr,
        "RemoteIpv6NetworkCidr": x.remote_ipv6_network_cidr,
        "OutsideIpAddressType": x.outside_ip_address_type,
        "TransportTransitGatewayAttachmentId": x.transport_transit_gateway_attachment_id,
        "TunnelInsideIpVersion": x.tunnel_inside_ip_version,
        "TunnelOptions": x.tunnel_options,
    }
    ec2::VpnStaticRoute => |x| {
        "DestinationCidrBlock": x.destination_cidr_block,
        "Source": x.source,
        "State": x.state,
    }
    ec2::VgwTelemetry => |x| {
        "OutsideIpAddress": x.outside_ip_address,
        "Status": x.status,
        "AcceptedRouteCount": x.accepted_route_count,
    }
    // No `CustomerGatewayConfiguration`: it holds the pre-shared keys.
    ec2::VpnConnection => |x| {
        "VpnConnectionId": x.vpn_connection_id,
        "CustomerGatewayId": x.customer_gateway_id,
        "VpnGatewayId": x.vpn_gateway_id,
        "TransitGatewayId": x.transit_gateway_id,
        "CoreNetworkArn": x.core_network_arn,
        "Category": x.category,
        "State": x.state,
        "Type": x.r#type,
        "Options": x.options,
        "Routes": x.routes,
        "VgwTelemetry": x.vgw_telemetry,
        "Tags": x.tags,
    }
    ec2::CustomerGateway => |x| {
        "CustomerGatewayId": x.customer_gateway_id,
        "BgpAsn": x.bgp_asn,
        "BgpAsnExtended": x.bgp_asn_extended,
        "IpAddress": x.ip_address,
        "CertificateArn": x.certificate_arn,
        "State": x.state,
        "Type": x.r#type,
        "DeviceName": x.device_name,
        "Tags": x.tags,
    }
}

// ---- ELBv2 (PascalCase).
shape! {
    lb::LoadBalancerState => |x| { "Code": x.code }
    lb::LoadBalancerAddress => |x| {
        "IpAddress": x.ip_address,
        "AllocationId": x.allocation_id,
        "PrivateIPv4Address": x.private_ipv4_address,
        "IPv6Address": x.ipv6_address,
    }
    lb::AvailabilityZone => |x| {
        "ZoneName": x.zone_name,
        "SubnetId": x.subnet_id,
        "LoadBalancerAddresses": x.load_balancer_addresses,
    }
    lb::LoadBalancer => |x| {
        "LoadBalancerArn": x.load_balancer_arn,
        "LoadBalancerName": x.load_balancer_name,
        "DNSName": x.dns_name,
        "Scheme": x.scheme,
        "VpcId": x.vpc_id,
        "State": x.state,
        "Type": x.r#type,
        "AvailabilityZones": x.availability_zones,
        "SecurityGroups": x.security_groups,
        "IpAddressType": x.ip_address_type,
    }
    lb::TargetGroupTuple => |x| { "TargetGroupArn": x.target_group_arn, "Weight": x.weight }
    lb::ForwardActionConfig => |x| { "TargetGroups": x.target_groups }
    lb::Action => |x| {
        "Type": x.r#type,
        "Order": x.order,
        "TargetGroupArn": x.target_group_arn,
        "ForwardConfig": x.forward_config,
    }
    lb::Listener => |x| {
        "ListenerArn": x.listener_arn,
        "LoadBalancerArn": x.load_balancer_arn,
        "Port": x.port,
        "Protocol": x.protocol,
        "DefaultActions": x.default_actions,
    }
    lb::TargetGroup => |x| {
        "TargetGroupArn": x.target_group_arn,
        "TargetGroupName": x.target_group_name,
        "Protocol": x.protocol,
        "Port": x.port,
        "VpcId": x.vpc_id,
        "TargetType": x.target_type,
        "LoadBalancerArns": x.load_balancer_arns,
    }
    lb::TargetDescription => |x| {
        "Id": x.id,
        "Port": x.port,
        "AvailabilityZone": x.availability_zone,
    }
    lb::TargetHealth => |x| { "State": x.state }
    lb::TargetHealthDescription => |x| {
        "Target": x.target,
        "HealthCheckPort": x.health_check_port,
        "TargetHealth": x.target_health,
    }
}

// ---- Direct Connect (camelCase, as `aws directconnect` prints). No
// `authKey` (the BGP MD5 key) and no `customerRouterConfig`: secrets.
shape! {
    dx::Tag => |x| { "key": x.key, "value": x.value }
    dx::MacSecKey => |x| { "secretARN": x.secret_arn, "state": x.state, "startOn": x.start_on }
    dx::Connection => |x| {
        "ownerAccount": x.owner_account,
        "connectionId": x.connection_id,
        "connectionName": x.connection_name,
        "connectionState": x.connection_state,
        "region": x.region,
        "location": x.location,
        "bandwidth": x.bandwidth,
        "vlan": x.vlan,
        "lagId": x.lag_id,
        "macSecCapable": x.mac_sec_capable,
        "portEncryptionStatus": x.port_encryption_status,
        "encryptionMode": x.encryption_mode,
        "macSecKeys": x.mac_sec_keys,
        "tags": x.tags,
    }
    dx::Lag => |x| {
        "lagId": x.lag_id,
        "lagName": x.lag_name,
        "lagState": x.lag_state,
        "ownerAccount": x.owner_account,
        "region": x.region,
        "location": x.location,
        "connectionsBandwidth": x.connections_bandwidth,
        "numberOfConnections": x.number_of_connections,
        "minimumLinks": x.minimum_links,
        "connections": x.connections,
        "macSecCapable": x.mac_sec_capable,
        "encryptionMode": x.encryption_mode,
        "macSecKeys": x.mac_sec_keys,
        "tags": x.tags,
    }
    dx::RouteFilterPrefix => |x| { "cidr": x.cidr }
    dx::BgpPeer => |x| {
        "bgpPeerId": x.bgp_peer_id,
        "asn": x.asn,
        "addressFamily": x.address_family,
        "amazonAddress": x.amazon_address,
        "customerAddress": x.customer_address,
        "bgpPeerState": x.bgp_peer_state,
        "bgpStatus": x.bgp_status,
    }
    dx::VirtualInterface => |x| {
        "ownerAccount": x.owner_account,
        "virtualInterfaceId": x.virtual_interface_id,
        "location": x.location,
        "connectionId": x.connection_id,
        "virtualInterfaceType": x.virtual_interface_type,
        "virtualInterfaceName": x.virtual_interface_name,
        "vlan": x.vlan,
        "asn": x.asn,
        "amazonSideAsn": x.amazon_side_asn,
        "amazonAddress": x.amazon_address,
        "customerAddress": x.customer_address,
        "addressFamily": x.address_family,
        "virtualInterfaceState": x.virtual_interface_state,
        "mtu": x.mtu,
        "virtualGatewayId": x.virtual_gateway_id,
        "directConnectGatewayId": x.direct_connect_gateway_id,
        "routeFilterPrefixes": x.route_filter_prefixes,
        "bgpPeers": x.bgp_peers,
        "region": x.region,
        "tags": x.tags,
    }
    dx::DirectConnectGateway => |x| {
        "directConnectGatewayId": x.direct_connect_gateway_id,
        "directConnectGatewayName": x.direct_connect_gateway_name,
        "amazonSideAsn": x.amazon_side_asn,
        "ownerAccount": x.owner_account,
        "directConnectGatewayState": x.direct_connect_gateway_state,
    }
    dx::AssociatedGateway => |x| {
        "id": x.id,
        "type": x.r#type,
        "ownerAccount": x.owner_account,
        "region": x.region,
    }
    dx::DirectConnectGatewayAssociation => |x| {
        "directConnectGatewayId": x.direct_connect_gateway_id,
        "directConnectGatewayOwnerAccount": x.direct_connect_gateway_owner_account,
        "associationState": x.association_state,
        "associatedGateway": x.associated_gateway,
        "associationId": x.association_id,
        "allowedPrefixesToDirectConnectGateway": x.allowed_prefixes_to_direct_connect_gateway,
        "virtualGatewayId": x.virtual_gateway_id,
        "virtualGatewayRegion": x.virtual_gateway_region,
        "virtualGatewayOwnerAccount": x.virtual_gateway_owner_account,
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, reason = "a test fails by panicking")]

    use super::*;

    fn text<T: J>(v: &T) -> String {
        v.j().unwrap().to_string()
    }

    #[test]
    fn vpn_secrets_are_never_mapped() {
        let tunnel = ec2::TunnelOption::builder()
            .outside_ip_address("192.0.2.1")
            .pre_shared_key("unitPsk0001")
            .build();
        let vpn = ec2::VpnConnection::builder()
            .vpn_connection_id("vpn-1")
            .customer_gateway_configuration("<pre_shared_key>unitPsk0002</pre_shared_key>")
            .options(
                ec2::VpnConnectionOptions::builder()
                    .tunnel_options(tunnel)
                    .build(),
            )
            .build();
        let s = text(&vpn);
        assert!(s.contains("\"VpnConnectionId\":\"vpn-1\""), "{s}");
        assert!(s.contains("192.0.2.1"), "{s}");
        assert!(!s.contains("unitPsk"), "{s}");
        assert!(!s.contains("PreSharedKey") && !s.contains("CustomerGatewayConfiguration"));
    }

    #[test]
    fn direct_connect_secrets_are_never_mapped() {
        let peer = dx::BgpPeer::builder()
            .auth_key("unitBgp0001")
            .asn(65001)
            .build();
        let vif = dx::VirtualInterface::builder()
            .virtual_interface_id("dxvif-1")
            .auth_key("unitBgp0002")
            .customer_router_config("<cfg>unitRouter0003</cfg>")
            .bgp_peers(peer)
            .vlan(7)
            .build();
        let s = text(&vif);
        assert!(s.contains("\"virtualInterfaceId\":\"dxvif-1\""), "{s}");
        assert!(s.contains("\"vlan\":7"), "{s}");
        assert!(!s.contains("unitBgp"), "{s}");
        assert!(!s.contains("unitRouter") && !s.contains("authKey"), "{s}");
    }

    #[test]
    fn absent_fields_are_left_out_and_empty_lists_kept() {
        let pl = ec2::PrefixList::builder().prefix_list_id("pl-1").build();
        assert_eq!(text(&pl), r#"{"PrefixListId":"pl-1"}"#);
        let pl = ec2::PrefixList::builder()
            .prefix_list_id("pl-1")
            .set_cidrs(Some(Vec::new()))
            .build();
        assert_eq!(text(&pl), r#"{"Cidrs":[],"PrefixListId":"pl-1"}"#);
    }

    #[test]
    fn enums_print_their_wire_value() {
        let e = ec2::VpcEndpoint::builder()
            .vpc_endpoint_type(ec2::VpcEndpointType::GatewayLoadBalancer)
            .build();
        assert_eq!(text(&e), r#"{"VpcEndpointType":"GatewayLoadBalancer"}"#);
        let l = lb::LoadBalancer::builder()
            .r#type(lb::LoadBalancerTypeEnum::Network)
            .scheme(lb::LoadBalancerSchemeEnum::InternetFacing)
            .build();
        assert_eq!(text(&l), r#"{"Scheme":"internet-facing","Type":"network"}"#);
    }
}
