//! VPCs, their Regions, subnets and peering connections.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use ipnet::IpNet;

use super::super::ImportError;
use super::super::aws::{self, name_tag};
use super::{ALL, Ctx, cidr, region, sp, tags};
use crate::model::Scalar;
use crate::model::format as f;

pub(super) fn name_vpcs(cx: &mut Ctx) {
    let Ctx { raw, b, .. } = cx;
    for (id, (_, v)) in &raw.vpcs {
        b.name(id, name_tag(&v.tags));
    }
}

pub(super) fn name_subnets(cx: &mut Ctx) {
    let Ctx { raw, b, ids, .. } = cx;
    // A subnet's CIDR lies inside one of its VPC's CIDRs in AWS; a snapshot
    // that says otherwise is inconsistent, and the subnet is left out.
    let vpc_nets = |vid: &str| -> Vec<IpNet> {
        raw.vpcs
            .get(vid)
            .map(|(_, v)| {
                v.cidr_block_association_set
                    .iter()
                    .filter_map(|a| a.cidr_block.as_ref())
                    .chain(v.cidr_block.as_ref())
                    .chain(
                        v.ipv6_cidr_block_association_set
                            .iter()
                            .filter_map(|a| a.ipv6_cidr_block.as_ref()),
                    )
                    .filter_map(|c| c.trim().parse::<IpNet>().ok())
                    .collect()
            })
            .unwrap_or_default()
    };
    for (id, (_, s)) in &raw.subnets {
        let inside = |c: &Option<String>| {
            c.as_ref()
                .and_then(|c| c.trim().parse::<IpNet>().ok())
                .is_none_or(|n| {
                    vpc_nets(s.vpc_id.as_deref().unwrap_or(""))
                        .iter()
                        .any(|v| v.contains(&n))
                })
        };
        let v6 = s
            .ipv6_cidr_block_association_set
            .first()
            .and_then(|a| a.ipv6_cidr_block.clone());
        if raw.vpc_known(&s.vpc_id) && !(inside(&s.cidr_block) && inside(&v6)) {
            let scope = b.vpc_scope(s.vpc_id.as_deref());
            b.gap_in(
                format!("subnet `{id}`: its CIDR is outside its vpc's CIDRs; subnet not imported"),
                ALL,
                f::GapKind::Resources,
                scope,
            );
        } else if raw.vpc_known(&s.vpc_id) {
            b.name(id, name_tag(&s.tags));
            ids.subnet_ids.insert(id.clone());
        } else {
            b.gap_in(
                format!("subnet `{id}`: its vpc is not in the snapshot"),
                ALL,
                f::GapKind::Resources,
                None,
            );
        }
    }
}

pub(super) fn name_peerings(cx: &mut Ctx) {
    let Ctx { raw, b, .. } = cx;
    for (id, (_, p)) in &raw.peerings {
        let r = p.requester_vpc_info.as_ref().and_then(|x| x.vpc_id.clone());
        let a = p.accepter_vpc_info.as_ref().and_then(|x| x.vpc_id.clone());
        if raw.vpc_known(&r) && raw.vpc_known(&a) {
            b.name(id, name_tag(&p.tags));
        } else {
            let known: Vec<&str> = [&r, &a]
                .into_iter()
                .filter(|v| raw.vpc_known(v))
                .filter_map(|v| v.as_deref())
                .collect();
            let scope = b.vpc_scope(known);
            b.gap_in(
                format!("peering connection `{id}`: a peer vpc is not in the snapshot"),
                ALL,
                f::GapKind::Peering,
                scope,
            );
        }
    }
}

/// The Region of each VPC, from whatever names it.
pub(super) fn regions(cx: &mut Ctx) {
    let Ctx { raw, b, ids, .. } = cx;
    let mut evidence = region::Evidence::default();
    {
        use region::Source;
        let listing: BTreeMap<(Option<String>, Option<String>), BTreeSet<String>> =
            raw.zones.iter().fold(BTreeMap::new(), |mut m, (loc, z)| {
                let r = z
                    .region_name
                    .clone()
                    .filter(|r| region::is_region(r))
                    .or_else(|| z.zone_name.as_deref().and_then(region::of_zone));
                if let Some(r) = r {
                    m.entry((loc.account.clone(), loc.region.clone()))
                        .or_default()
                        .insert(r);
                }
                m
            });
        for (id, (loc, _)) in &raw.vpcs {
            evidence.add(id, Source::Folder, loc.region.clone());
            for r in listing
                .get(&(loc.account.clone(), loc.region.clone()))
                .into_iter()
                .flatten()
            {
                evidence.add(id, Source::Listing, Some(r.clone()));
            }
        }
        for (_, s) in raw.subnets.values() {
            if let Some(v) = &s.vpc_id {
                let zone = s.availability_zone.as_deref().and_then(region::of_zone);
                evidence.add(v, Source::Zones, zone);
                let arn = s.subnet_arn.as_deref().and_then(region::of_arn);
                evidence.add(v, Source::Arns, arn);
            }
        }
        for (_, e) in raw.enis.values() {
            if let Some(v) = &e.vpc_id {
                let zone = e.availability_zone.as_deref().and_then(region::of_zone);
                evidence.add(v, Source::Zones, zone);
            }
        }
        for (arn, (_, lb)) in &raw.lbs {
            if let Some(v) = &lb.vpc_id {
                for z in &lb.availability_zones {
                    let zone = z.zone_name.as_deref().and_then(region::of_zone);
                    evidence.add(v, Source::Zones, zone);
                }
                evidence.add(v, Source::Arns, region::of_arn(arn));
            }
        }
        for (_, e) in raw.endpoints.values() {
            if let Some(v) = &e.vpc_id {
                let r = e.service_name.as_deref().and_then(region::of_service);
                evidence.add(v, Source::Arns, r);
            }
        }
        for (_, p) in raw.peerings.values() {
            for info in [&p.requester_vpc_info, &p.accepter_vpc_info]
                .into_iter()
                .flatten()
            {
                if let Some(v) = &info.vpc_id {
                    let r = info.region.clone().filter(|r| region::is_region(r));
                    evidence.add(v, Source::Arns, r);
                }
            }
        }
    }
    for id in raw.vpcs.keys() {
        match evidence.region(id) {
            region::Found::Region(r, others) => {
                // The Region is kept (the strongest source names it), but
                // the data disagrees: the AWS service addresses of `r` may
                // not be the VPC's, so what depends on them is unknown.
                if !others.is_empty() {
                    let scope = b.vpc_scope([id.as_str()]);
                    b.gap_in(
                        format!(
                            "vpc `{id}`: Region `{r}` taken from the strongest source, although {}; the service addresses of `{r}` may not be the VPC's",
                            others.join("; ")
                        ),
                        &["private-service-access"],
                        f::GapKind::Endpoints,
                        scope,
                    );
                }
                ids.vpc_region.insert(id.clone(), r);
            }
            region::Found::Conflict(why) => b.inconsistent(
                id,
                Some(id),
                format!("its Region is not clear: {why}; Region left unknown"),
                ALL,
            ),
            region::Found::None => {}
        }
    }
}

pub(super) fn write_vpcs(cx: &mut Ctx) -> Result<(), ImportError> {
    let Ctx { raw, b, out, ids } = cx;
    let mut dns: HashMap<String, (Option<bool>, Option<bool>)> = HashMap::new();
    for (_, a) in &raw.vpc_attributes {
        if let Some(v) = &a.vpc_id {
            let e = dns.entry(v.clone()).or_default();
            if let Some(x) = a.enable_dns_support.as_ref().and_then(|x| x.value) {
                e.0 = Some(x);
            }
            if let Some(x) = a.enable_dns_hostnames.as_ref().and_then(|x| x.value) {
                e.1 = Some(x);
            }
        }
    }
    for (id, (loc, v)) in &raw.vpcs {
        let mut cidrs = Vec::new();
        for (k, a) in v.cidr_block_association_set.iter().enumerate() {
            let state = a.cidr_block_state.as_ref().and_then(|s| s.state.as_deref());
            if let (Some(c), None | Some("associated")) = (&a.cidr_block, state) {
                cidrs.push(sp(cidr(
                    loc,
                    &format!("CidrBlockAssociationSet[{k}].CidrBlock"),
                    c,
                )?));
            }
        }
        if cidrs.is_empty() {
            match &v.cidr_block {
                Some(c) => cidrs.push(sp(cidr(loc, "CidrBlock", c)?)),
                None => return Err(loc.err("CidrBlock", "missing".into())),
            }
        }
        // The primary CIDR (`CidrBlock`) first, whatever the set's order.
        if let Some(i) = v
            .cidr_block
            .as_deref()
            .and_then(|p| cidrs.iter().position(|c| c.value == p.trim()))
        {
            let primary = cidrs.remove(i);
            cidrs.insert(0, primary);
        }
        let mut ipv6 = Vec::new();
        for (k, a) in v.ipv6_cidr_block_association_set.iter().enumerate() {
            let state = a
                .ipv6_cidr_block_state
                .as_ref()
                .and_then(|s| s.state.as_deref());
            if let (Some(c), None | Some("associated")) = (&a.ipv6_cidr_block, state) {
                ipv6.push(sp(cidr(
                    loc,
                    &format!("Ipv6CidrBlockAssociationSet[{k}].Ipv6CidrBlock"),
                    c,
                )?));
            }
        }
        let dhcp_options = v
            .dhcp_options_id
            .as_ref()
            .and_then(|d| raw.dhcp.get(d))
            .map(|(_, d)| {
                let values = |key: &str| -> Vec<String> {
                    d.dhcp_configurations
                        .iter()
                        .filter(|c| c.key.as_deref() == Some(key))
                        .flat_map(|c| c.values.iter().filter_map(|v| v.value.clone()))
                        .collect()
                };
                f::DhcpOptions {
                    aws_id: d.dhcp_options_id.clone(),
                    domain_name_servers: values("domain-name-servers"),
                    domain_name: values("domain-name").into_iter().next(),
                }
            });
        let (dns_support, dns_hostnames) = dns.get(id).copied().unwrap_or_default();
        out.vpcs.push(sp(f::Vpc {
            name: sp(b.get(id).unwrap_or_else(|| id.clone())),
            aws_id: Some(id.clone()),
            region: ids.vpc_region.get(id).cloned(),
            account: v.owner_id.clone().or(loc.account.clone()).map(Scalar),
            cidrs,
            ipv6_cidrs: ipv6,
            dns_support,
            dns_hostnames,
            dhcp_options,
            tags: tags(&v.tags),
        }));
    }

    Ok(())
}

/// Subnets (associations come from route tables and NACLs).
pub(super) fn write_subnets(cx: &mut Ctx) -> Result<(), ImportError> {
    let Ctx { raw, b, out, ids } = cx;
    // A table or ACL associated with a subnet of another VPC is data AWS
    // cannot produce: an error naming the association, never a topology the
    // loader then rejects.
    let other_vpc = |table_vpc: &Option<String>, subnet: &str| -> Option<String> {
        let theirs = raw.subnets.get(subnet)?.1.vpc_id.as_ref()?;
        let ours = table_vpc.as_ref()?;
        (ours != theirs).then(|| {
            format!("associates subnet `{subnet}` of vpc `{theirs}`, but belongs to vpc `{ours}`")
        })
    };
    let mut subnet_rt: HashMap<String, String> = HashMap::new();
    for (id, (loc, t)) in &raw.route_tables {
        for (k, a) in t.associations.iter().enumerate() {
            if let Some(s) = &a.subnet_id {
                if let Some(why) = other_vpc(&t.vpc_id, s) {
                    return Err(loc.err(&format!("Associations[{k}].SubnetId"), why));
                }
                subnet_rt.insert(s.clone(), id.clone());
            }
        }
    }
    let mut subnet_acl: HashMap<String, String> = HashMap::new();
    for (id, (loc, t)) in &raw.nacls {
        for (k, a) in t.associations.iter().enumerate() {
            if let Some(s) = &a.subnet_id {
                if let Some(why) = other_vpc(&t.vpc_id, s) {
                    return Err(loc.err(&format!("Associations[{k}].SubnetId"), why));
                }
                subnet_acl.insert(s.clone(), id.clone());
            }
        }
    }
    for id in &ids.subnet_ids {
        let Some((loc, s)) = raw.subnets.get(id) else {
            continue;
        };
        let vpc = s.vpc_id.clone().unwrap_or_default();
        let ipv6 = s
            .ipv6_cidr_block_association_set
            .iter()
            .enumerate()
            .find(|(_, a)| {
                matches!(
                    a.ipv6_cidr_block_state
                        .as_ref()
                        .and_then(|x| x.state.as_deref()),
                    None | Some("associated")
                )
            })
            .and_then(|(k, a)| {
                a.ipv6_cidr_block.as_ref().map(|c| {
                    cidr(
                        loc,
                        &format!("Ipv6CidrBlockAssociationSet[{k}].Ipv6CidrBlock"),
                        c,
                    )
                })
            })
            .transpose()?;
        let v4 = s
            .cidr_block
            .as_ref()
            .map(|c| cidr(loc, "CidrBlock", c))
            .transpose()?;
        if v4.is_none() && ipv6.is_none() {
            return Err(loc.err("CidrBlock", "missing (and no IPv6 CIDR either)".into()));
        }
        out.subnets.push(sp(f::Subnet {
            name: sp(b.get(id).unwrap_or_else(|| id.clone())),
            aws_id: Some(id.clone()),
            vpc: sp(b.get(&vpc).unwrap_or(vpc)),
            availability_zone: s.availability_zone.clone(),
            cidr: v4.map(sp),
            ipv6_cidr: ipv6.map(sp),
            route_table: subnet_rt.get(id).and_then(|r| b.get(r)).map(sp),
            network_acl: subnet_acl.get(id).and_then(|r| b.get(r)).map(sp),
            tags: tags(&s.tags),
        }));
    }

    Ok(())
}

pub(super) fn write_peerings(cx: &mut Ctx) {
    let Ctx { raw, b, out, .. } = cx;
    for (id, (_, p)) in &raw.peerings {
        let Some(name) = b.get(id) else { continue };
        let r = p
            .requester_vpc_info
            .as_ref()
            .and_then(|x| x.vpc_id.clone())
            .unwrap_or_default();
        let a = p
            .accepter_vpc_info
            .as_ref()
            .and_then(|x| x.vpc_id.clone())
            .unwrap_or_default();
        out.peering_connections.push(sp(f::PeeringConnection {
            name: sp(name),
            aws_id: Some(id.clone()),
            requester_vpc: sp(b.get(&r).unwrap_or(r)),
            accepter_vpc: sp(b.get(&a).unwrap_or(a)),
            status: p.status.as_ref().and_then(|s| s.code.clone()).map(sp),
            // C-8.5: each side's own `AllowDnsResolutionFromRemoteVpc`.
            requester_allows_remote_dns_resolution: remote_dns(p.requester_vpc_info.as_ref()),
            accepter_allows_remote_dns_resolution: remote_dns(p.accepter_vpc_info.as_ref()),
        }));
    }
}

/// `PeeringOptions.AllowDnsResolutionFromRemoteVpc` of one side of a
/// peering connection, when the snapshot states it.
fn remote_dns(info: Option<&aws::PeeringVpcInfo>) -> Option<bool> {
    info.and_then(|i| i.peering_options.as_ref())
        .and_then(|o| o.allow_dns_resolution_from_remote_vpc)
}
