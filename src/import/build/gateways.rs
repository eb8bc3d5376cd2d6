//! Internet, egress-only internet, VPN and NAT gateways, and the names
//! of transit gateways.

use std::collections::BTreeMap;
use std::net::IpAddr;

use ipnet::IpNet;

use super::super::ImportError;
use super::super::aws::{self, name_tag};
use super::super::read::Loc;
use super::{ALL, Ctx, ip, sp, tags};
use crate::model::format as f;

pub(super) fn name_internet(cx: &mut Ctx) {
    let Ctx { raw, b, .. } = cx;
    for (id, (_, g)) in &raw.igws {
        b.name(id, name_tag(&g.tags));
    }
    for (id, (_, g)) in &raw.eigws {
        if g.attachments.iter().any(|a| raw.vpc_known(&a.vpc_id)) {
            b.name(id, name_tag(&g.tags));
        }
    }
}

pub(super) fn name_nats(cx: &mut Ctx) {
    let Ctx { raw, b, ids, .. } = cx;
    for (id, (_, n)) in &raw.nats {
        let dead = matches!(n.state.as_deref(), Some("deleted" | "deleting" | "failed"));
        let subnet_ok = n
            .subnet_id
            .as_ref()
            .is_some_and(|s| ids.subnet_ids.contains(s));
        if dead {
            b.notes.push(format!(
                "skipped nat gateway `{id}` in state `{}`",
                n.state.as_deref().unwrap_or("")
            ));
        } else if subnet_ok {
            b.name(id, name_tag(&n.tags));
        } else {
            b.gap_in(
                format!("nat gateway `{id}`: its subnet is not in the snapshot"),
                ALL,
                f::GapKind::Resources,
                None,
            );
        }
    }
}

pub(super) fn name_hybrid(cx: &mut Ctx) {
    let Ctx { raw, b, .. } = cx;
    for (id, (_, t)) in &raw.tgws {
        b.name(id, name_tag(&t.tags));
    }
    for (id, (_, g)) in &raw.vgws {
        b.name(id, name_tag(&g.tags));
    }
}

pub(super) fn write(cx: &mut Ctx) -> Result<(), ImportError> {
    write_internet(cx);
    write_nats(cx)
}

/// Internet, egress-only internet and VPN gateways.
fn write_internet(cx: &mut Ctx) {
    let Ctx { raw, b, out, .. } = cx;
    for (id, (_, g)) in &raw.igws {
        let vpc = g
            .attachments
            .iter()
            .filter(|a| matches!(a.state.as_deref(), None | Some("available" | "attached")))
            .find_map(|a| a.vpc_id.as_ref().and_then(|v| b.get(v)));
        out.internet_gateways.push(sp(f::InternetGateway {
            name: sp(b.get(id).unwrap_or_else(|| id.clone())),
            aws_id: Some(id.clone()),
            vpc: vpc.map(sp),
            tags: tags(&g.tags),
        }));
    }
    for (id, (_, g)) in &raw.eigws {
        let Some(name) = b.get(id) else { continue };
        let Some(vpc) = g
            .attachments
            .iter()
            .find_map(|a| a.vpc_id.as_ref().and_then(|v| b.get(v)))
        else {
            continue;
        };
        out.egress_only_internet_gateways
            .push(sp(f::EgressOnlyInternetGateway {
                name: sp(name),
                aws_id: Some(id.clone()),
                vpc: sp(vpc),
                tags: tags(&g.tags),
            }));
    }
    for (id, (_, g)) in &raw.vgws {
        let vpc = g
            .vpc_attachments
            .iter()
            .filter(|a| matches!(a.state.as_deref(), None | Some("attached")))
            .find_map(|a| a.vpc_id.as_ref().and_then(|v| b.get(v)));
        out.vpn_gateways.push(sp(f::VpnGateway {
            name: sp(b.get(id).unwrap_or_else(|| id.clone())),
            aws_id: Some(id.clone()),
            vpc: vpc.map(sp),
            amazon_side_asn: g.amazon_side_asn,
            tags: Default::default(),
        }));
    }
}

fn write_nats(cx: &mut Ctx) -> Result<(), ImportError> {
    let Ctx { raw, b, out, .. } = cx;
    for (id, (loc, n)) in &raw.nats {
        let Some(name) = b.get(id) else { continue };
        let subnet = n.subnet_id.clone().unwrap_or_default();
        let primary = n
            .nat_gateway_addresses
            .iter()
            .find(|a| a.is_primary == Some(true))
            .or_else(|| n.nat_gateway_addresses.first());
        let private_ip = primary
            .and_then(|a| a.private_ip.as_ref())
            .map(|x| ip(loc, "NatGatewayAddresses.PrivateIp", x))
            .transpose()?;
        let public_ip = primary
            .and_then(|a| a.public_ip.as_ref())
            .map(|x| ip(loc, "NatGatewayAddresses.PublicIp", x))
            .transpose()?;
        let vpc = raw.subnets.get(&subnet).and_then(|(_, s)| s.vpc_id.clone());
        let net = raw
            .subnets
            .get(&subnet)
            .and_then(|(_, s)| s.cidr_block.as_deref())
            .and_then(|c| c.trim().parse::<IpNet>().ok());
        let private_ip = match (private_ip, net) {
            (Some(a), Some(net)) if a.parse::<IpAddr>().is_ok_and(|x| !net.contains(&x)) => {
                b.inconsistent(
                    id,
                    vpc.as_deref(),
                    format!("private IP `{a}` is outside its subnet `{subnet}` (`{net}`); address left unknown"),
                    ALL,
                );
                None
            }
            (a, _) => a,
        };
        let public_ip = public_ip.map(|p| {
            let why = match p.parse::<IpAddr>() {
                Ok(IpAddr::V4(a)) => crate::model::not_public_v4(a),
                _ => Some("not an IPv4 address"),
            };
            match why {
                Some(why) => {
                    b.inconsistent(
                        id,
                        vpc.as_deref(),
                        format!("public IP `{p}` is {why}; imported as an unknown public address (`auto`)"),
                        ALL,
                    );
                    "auto".to_string()
                }
                None => p,
            }
        });
        out.nat_gateways.push(sp(f::NatGateway {
            name: sp(name),
            aws_id: Some(id.clone()),
            subnet: sp(b.get(&subnet).unwrap_or(subnet)),
            connectivity: n.connectivity_type.clone().map(sp),
            private_ip: private_ip.map(sp),
            public_ip: public_ip.map(sp),
            state: n.state.clone(),
            tags: tags(&n.tags),
        }));
    }

    Ok(())
}

/// The NAT gateway each interface belongs to, by every signal AWS gives
/// (C-7.1): the gateway's own `NatGatewayAddresses[].NetworkInterfaceId`, the
/// interface's description `Interface for NAT Gateway nat-…`, or its
/// `InterfaceType` `nat_gateway`, `RequesterManaged` or `RequesterId` with
/// the gateway's address in the gateway's subnet.
pub(super) fn nat_interfaces(
    nats: &BTreeMap<String, (Loc, aws::NatGateway)>,
    enis: &BTreeMap<String, (Loc, aws::NetworkInterface)>,
) -> BTreeMap<String, String> {
    let mut out = BTreeMap::new();
    for (nid, (_, n)) in nats {
        for a in &n.nat_gateway_addresses {
            if let Some(e) = &a.network_interface_id {
                out.entry(e.clone()).or_insert_with(|| nid.clone());
            }
        }
    }
    for (eid, (_, e)) in enis {
        if out.contains_key(eid) {
            continue;
        }
        let desc = e.description.as_deref().unwrap_or("").trim();
        if let Some(rest) = desc.strip_prefix("Interface for NAT Gateway ") {
            out.insert(eid.clone(), rest.trim().to_string());
            continue;
        }
        // A managed interface (by type, flag or requester) that holds a
        // NAT gateway's address in the gateway's subnet is the gateway's.
        let managed = e.interface_type.as_deref() == Some("nat_gateway")
            || e.requester_managed == Some(true)
            || e.requester_id.is_some();
        if managed {
            let own = nats.iter().find(|(_, (_, n))| {
                n.subnet_id.is_some()
                    && n.subnet_id == e.subnet_id
                    && n.nat_gateway_addresses
                        .iter()
                        .any(|a| a.private_ip.is_some() && a.private_ip == e.private_ip_address)
            });
            if let Some((nid, _)) = own {
                out.insert(eid.clone(), nid.clone());
            }
        }
    }
    out
}
