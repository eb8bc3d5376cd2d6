//! VPCs and their CIDR associations, subnets, and the gateways a route can
//! name: internet, egress-only internet, NAT and VPN gateways, and customer
//! gateways.

use crate::model::format::{
    CustomerGateway, EgressOnlyInternetGateway, GapKind, InternetGateway, NatGateway, Subnet, Vpc,
    VpnGateway,
};
use crate::model::spanned::Sp;

use super::plan::P;
use super::{Ctx, Field, Scope, aws_id, flag, int, tags, text};

/// `aws_vpc`, then `aws_vpc_ipv4_cidr_block_association` and
/// `aws_vpc_ipv6_cidr_block_association`.
pub(super) fn vpcs(cx: &mut Ctx) {
    for i in cx.of(&["aws_vpc"]) {
        let r = cx.res(i);
        let cidr = match text(r, &[P::K("cidr_block")]) {
            Field::Set(c) => c,
            other => {
                let why = if other == Field::Unknown {
                    "the VPC is left out"
                } else {
                    "the VPC has no IPv4 CIDR in the plan; it is left out"
                };
                cx.attr_gap(i, "cidr_block", why, GapKind::Resources, Scope::Everywhere);
                continue;
            }
        };
        let name = cx.emit(i, None);
        cx.vpc_of.insert(name.clone(), name.clone());
        let mut ipv6 = Vec::new();
        match text(r, &[P::K("ipv6_cidr_block")]) {
            Field::Set(c) => ipv6.push(Sp::new(c)),
            Field::Unknown
                if flag(r, &[P::K("assign_generated_ipv6_cidr_block")]) != Field::Set(false)
                    && (flag(r, &[P::K("assign_generated_ipv6_cidr_block")])
                        == Field::Set(true)
                        || cx.refs.configured(r, "ipv6_ipam_pool_id") == Some(true)
                        || cx.refs.configured(r, "ipv6_cidr_block") == Some(true)) =>
            {
                cx.attr_gap(
                    i,
                    "ipv6_cidr_block",
                    "the VPC's IPv6 block, and so its IPv6 paths",
                    GapKind::Other,
                    Scope::Vpc(name.clone()),
                );
            }
            _ => {}
        }
        let opt = |f: Field<bool>| match f {
            Field::Set(b) => Some(b),
            _ => None,
        };
        cx.file.vpcs.push(Sp::new(Vpc {
            name: Sp::new(name),
            aws_id: aws_id(r),
            cidrs: vec![Sp::new(cidr)],
            ipv6_cidrs: ipv6,
            dns_support: opt(flag(r, &[P::K("enable_dns_support")])),
            dns_hostnames: opt(flag(r, &[P::K("enable_dns_hostnames")])),
            tags: tags(r),
            ..Vpc::default()
        }));
    }
    for (kind, attr, v6) in [
        ("aws_vpc_ipv4_cidr_block_association", "cidr_block", false),
        (
            "aws_vpc_ipv6_cidr_block_association",
            "ipv6_cidr_block",
            true,
        ),
    ] {
        for i in cx.of(&[kind]) {
            let vpc = match cx.link(i, "vpc_id", &["aws_vpc"]) {
                Ok((_, v)) => v,
                Err(why) => {
                    cx.attr_gap(i, "vpc_id", &why, GapKind::Other, Scope::Everywhere);
                    continue;
                }
            };
            match text(cx.res(i), &[P::K(attr)]) {
                Field::Set(c) => {
                    if let Some(v) = cx.file.vpcs.iter_mut().find(|v| v.name.value == vpc) {
                        if v6 {
                            v.value.ipv6_cidrs.push(Sp::new(c));
                        } else {
                            v.value.cidrs.push(Sp::new(c));
                        }
                    }
                }
                _ => cx.attr_gap(
                    i,
                    attr,
                    "a CIDR block of the VPC",
                    GapKind::Other,
                    Scope::Vpc(vpc),
                ),
            }
        }
    }
}

/// Internet, egress-only and VPN gateways (with their attachments), and
/// customer gateways.
pub(super) fn gateways(cx: &mut Ctx) {
    for i in cx.of(&["aws_internet_gateway"]) {
        let r = cx.res(i);
        let vpc = match cx.link(i, "vpc_id", &["aws_vpc"]) {
            Ok((_, v)) => Some(v),
            Err(_) if matches!(r.get(&[P::K("vpc_id")]), super::Val::Null) => None,
            Err(why) => {
                cx.attr_gap(i, "vpc_id", &why, GapKind::Routes, Scope::Everywhere);
                None
            }
        };
        let name = cx.emit(i, vpc.as_deref());
        cx.file.internet_gateways.push(Sp::new(InternetGateway {
            name: Sp::new(name),
            aws_id: aws_id(r),
            vpc: vpc.map(Sp::new),
            tags: tags(r),
        }));
    }
    for i in cx.of(&["aws_internet_gateway_attachment"]) {
        let link = cx
            .link(i, "internet_gateway_id", &["aws_internet_gateway"])
            .and_then(|(_, g)| cx.link(i, "vpc_id", &["aws_vpc"]).map(|(_, v)| (g, v)));
        match link {
            Ok((g, v)) => {
                if let Some(gw) = cx
                    .file
                    .internet_gateways
                    .iter_mut()
                    .find(|x| x.name.value == g)
                {
                    gw.value.vpc = Some(Sp::new(v.clone()));
                }
                cx.vpc_of.insert(g, v);
            }
            Err(why) => cx.attr_gap(i, "vpc_id", &why, GapKind::Routes, Scope::Everywhere),
        }
    }
    for i in cx.of(&["aws_egress_only_internet_gateway"]) {
        match cx.link(i, "vpc_id", &["aws_vpc"]) {
            Ok((_, vpc)) => {
                let r = cx.res(i);
                let name = cx.emit(i, Some(&vpc));
                cx.file
                    .egress_only_internet_gateways
                    .push(Sp::new(EgressOnlyInternetGateway {
                        name: Sp::new(name),
                        aws_id: aws_id(r),
                        vpc: Sp::new(vpc),
                        tags: tags(r),
                    }));
            }
            Err(why) => cx.attr_gap(
                i,
                "vpc_id",
                &format!("{why}; the gateway is left out"),
                GapKind::Routes,
                Scope::Everywhere,
            ),
        }
    }
    for i in cx.of(&["aws_vpn_gateway"]) {
        let r = cx.res(i);
        let vpc = match cx.link(i, "vpc_id", &["aws_vpc"]) {
            Ok((_, v)) => Some(v),
            Err(_) if matches!(r.get(&[P::K("vpc_id")]), super::Val::Null) => None,
            Err(why) => {
                cx.attr_gap(
                    i,
                    "vpc_id",
                    &why,
                    GapKind::VpnDirectConnect,
                    Scope::Everywhere,
                );
                None
            }
        };
        let name = cx.emit(i, vpc.as_deref());
        let asn = match int(r, &[P::K("amazon_side_asn")]) {
            Field::Set(a) => u64::try_from(a).ok(),
            _ => None,
        };
        cx.file.vpn_gateways.push(Sp::new(VpnGateway {
            name: Sp::new(name),
            aws_id: aws_id(r),
            vpc: vpc.map(Sp::new),
            amazon_side_asn: asn,
            tags: tags(r),
        }));
    }
    for i in cx.of(&["aws_vpn_gateway_attachment"]) {
        let link = cx
            .link(i, "vpn_gateway_id", &["aws_vpn_gateway"])
            .and_then(|(_, g)| cx.link(i, "vpc_id", &["aws_vpc"]).map(|(_, v)| (g, v)));
        match link {
            Ok((g, v)) => {
                if let Some(gw) = cx.file.vpn_gateways.iter_mut().find(|x| x.name.value == g) {
                    gw.value.vpc = Some(Sp::new(v.clone()));
                }
                cx.vpc_of.insert(g, v);
            }
            Err(why) => cx.attr_gap(
                i,
                "vpc_id",
                &why,
                GapKind::VpnDirectConnect,
                Scope::Everywhere,
            ),
        }
    }
    for i in cx.of(&["aws_customer_gateway"]) {
        let r = cx.res(i);
        let name = cx.emit(i, None);
        let asn = match int(r, &[P::K("bgp_asn")]) {
            Field::Set(a) => u64::try_from(a).ok(),
            _ => None,
        };
        let ip = match text(r, &[P::K("ip_address")]) {
            Field::Set(a) => Some(Sp::new(a)),
            _ => None,
        };
        cx.file.customer_gateways.push(Sp::new(CustomerGateway {
            name: Sp::new(name),
            aws_id: aws_id(r),
            ip_address: ip,
            bgp_asn: asn,
            tags: tags(r),
        }));
    }
}

/// `aws_subnet` (and whether it gives instances public addresses).
pub(super) fn subnets(cx: &mut Ctx) {
    for i in cx.of(&["aws_subnet"]) {
        let r = cx.res(i);
        let vpc = match cx.link(i, "vpc_id", &["aws_vpc"]) {
            Ok((_, v)) => v,
            Err(why) => {
                cx.left_out(i, "vpc_id", &why);
                continue;
            }
        };
        let cidr = match text(r, &[P::K("cidr_block")]) {
            Field::Set(c) => Some(Sp::new(c)),
            Field::Unset => None,
            Field::Unknown => {
                cx.attr_gap(
                    i,
                    "cidr_block",
                    "the subnet is left out",
                    GapKind::Resources,
                    Scope::Vpc(vpc),
                );
                continue;
            }
        };
        let ipv6 = match text(r, &[P::K("ipv6_cidr_block")]) {
            Field::Set(c) => Some(Sp::new(c)),
            Field::Unknown if cx.refs.configured(r, "ipv6_cidr_block") == Some(true) => {
                cx.attr_gap(
                    i,
                    "ipv6_cidr_block",
                    "the subnet's IPv6 block, and so its IPv6 paths",
                    GapKind::Other,
                    Scope::Vpc(vpc.clone()),
                );
                None
            }
            _ => None,
        };
        if cidr.is_none() && ipv6.is_none() {
            cx.attr_gap(
                i,
                "cidr_block",
                "the subnet has no CIDR in the plan; it is left out",
                GapKind::Resources,
                Scope::Vpc(vpc),
            );
            continue;
        }
        let name = cx.emit(i, Some(&vpc));
        cx.subnet_public_ip.insert(
            name.clone(),
            (i, flag(r, &[P::K("map_public_ip_on_launch")])),
        );
        let az = match text(r, &[P::K("availability_zone")]) {
            Field::Set(a) => Some(a),
            _ => None,
        };
        cx.file.subnets.push(Sp::new(Subnet {
            name: Sp::new(name),
            aws_id: aws_id(r),
            vpc: Sp::new(vpc),
            availability_zone: az,
            cidr,
            ipv6_cidr: ipv6,
            route_table: None,
            network_acl: None,
            tags: tags(r),
        }));
    }
}

/// `aws_nat_gateway`, with its Elastic IP's address when the plan knows it.
pub(super) fn nat_gateways(cx: &mut Ctx) {
    for i in cx.of(&["aws_nat_gateway"]) {
        let r = cx.res(i);
        let Some(subnet) = cx.link_or_leave_out(
            i,
            ("subnet_id", &["aws_subnet"], "NAT gateway"),
            GapKind::Routes,
        ) else {
            continue;
        };
        let vpc = cx.vpc_of.get(&subnet).cloned();
        let private = text(r, &[P::K("connectivity_type")]) == Field::Set("private".to_owned());
        let private_ip = match text(r, &[P::K("private_ip")]) {
            Field::Set(a) => Some(Sp::new(a)),
            _ => None,
        };
        let public_ip = if private {
            None
        } else {
            match text(r, &[P::K("public_ip")]) {
                Field::Set(a) => Some(Sp::new(a)),
                _ => match cx.refs.target(r, &[P::K("allocation_id")]) {
                    super::Target::To(e) => match text(cx.res(e), &[P::K("public_ip")]) {
                        Field::Set(a) => Some(Sp::new(a)),
                        _ => Some(Sp::new("auto".to_owned())),
                    },
                    _ => Some(Sp::new("auto".to_owned())),
                },
            }
        };
        if private {
            cx.read.extend(
                [cx.refs.target(r, &[P::K("allocation_id")])]
                    .iter()
                    .filter_map(|t| match t {
                        super::Target::To(e) => Some(*e),
                        _ => None,
                    }),
            );
        }
        let name = cx.emit(i, vpc.as_deref());
        cx.file.nat_gateways.push(Sp::new(NatGateway {
            name: Sp::new(name),
            aws_id: aws_id(r),
            subnet: Sp::new(subnet),
            connectivity: Some(Sp::new(
                if private { "private" } else { "public" }.to_owned(),
            )),
            private_ip,
            public_ip,
            state: None,
            tags: tags(r),
        }));
    }
}
