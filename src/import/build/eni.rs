//! Instances and network interfaces, with their addresses.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::net::IpAddr;

use ipnet::IpNet;

use super::super::ImportError;
use super::super::aws::{self, name_tag};
use super::super::read::{Items, Loc};
use super::{ALL, B, Ctx, Eips, Ids, Recs, Snap, by_id, cidr, ip, sp, tags};
use crate::model::Sp;
use crate::model::format as f;

/// A private address as imported, with its public IP and EIP allocation.
type EniIp = (String, Option<String>, Option<String>);

/// How a network interface is owned (C-2.6).
enum Owner {
    Workload,
    Owned(f::EniOwner),
    /// Not importable: the reason, for the gap.
    Drop(String),
}

/// Instances that are not terminated, and every interface: described
/// ones, then those described only inside an instance.
pub(super) fn instances_and_interfaces(
    reservations: Items<aws::Reservation>,
    enis: Items<aws::NetworkInterface>,
    b: &mut B,
) -> Result<(Recs<aws::Instance>, Recs<aws::NetworkInterface>), ImportError> {
    let mut instances: BTreeMap<String, (Loc, aws::Instance)> = BTreeMap::new();
    for (loc, r) in reservations {
        for (i, inst) in r.instances.into_iter().enumerate() {
            let mut at = loc.clone();
            at.path = format!("{}.Instances[{i}]", loc.path);
            let Some(id) = inst.instance_id.clone() else {
                return Err(at.err("InstanceId", "missing".into()));
            };
            let state = inst.state.as_ref().and_then(|s| s.name.clone());
            if matches!(state.as_deref(), Some("terminated" | "shutting-down")) {
                b.notes.push(format!(
                    "skipped {} instance `{id}`",
                    state.as_deref().unwrap_or("")
                ));
                continue;
            }
            instances.entry(id).or_insert((at, inst));
        }
    }
    let mut all_enis = by_id(enis, "NetworkInterfaceId", |v| {
        v.network_interface_id.clone()
    })?;
    for (id, (loc, inst)) in &instances {
        for (j, nic) in inst.network_interfaces.iter().enumerate() {
            let Some(nid) = nic.network_interface_id.clone() else {
                continue;
            };
            if all_enis.contains_key(&nid) {
                continue;
            }
            let mut nic = nic.clone();
            let att = nic.attachment.get_or_insert_with(Default::default);
            if att.instance_id.is_none() {
                att.instance_id = Some(id.clone());
            }
            let mut at = loc.clone();
            at.path = format!("{}.NetworkInterfaces[{j}]", loc.path);
            all_enis.insert(nid, (at, nic));
        }
    }

    Ok((instances, all_enis))
}

pub(super) fn name_instances(cx: &mut Ctx) {
    let Ctx { raw, b, .. } = cx;
    for (id, (_, i)) in &raw.instances {
        b.name(id, name_tag(&i.tags));
    }
}

/// Who holds which address, for the checks that an address is held once.
struct Held {
    eips: Eips,
    /// Load balancer ARNs that are imported, for [`classify`].
    lb_by_suffix: Vec<(String, String)>,
    /// Subnet CIDRs (IPv4, IPv6), for the address checks.
    subnet_nets: HashMap<String, (Option<IpNet>, Option<IpNet>)>,
    /// Private addresses (per VPC) held more than once, with their holders.
    dup_private: BTreeMap<(String, IpAddr), BTreeSet<String>>,
    /// Public addresses mapped more than once, with their holders.
    dup_public: BTreeMap<String, BTreeSet<String>>,
}

/// Network interfaces and instances.
pub(super) fn write(cx: &mut Ctx) -> Result<(), ImportError> {
    let held = held(cx)?;
    nat_address_clashes(cx, &held);
    interfaces(cx, &held)?;
    write_instances(cx);
    Ok(())
}

/// Who holds each private address (per VPC) and each public address:
/// interfaces, and NAT gateways whose own interface is not imported.
fn held(cx: &mut Ctx) -> Result<Held, ImportError> {
    let Ctx { raw, b, out, ids } = cx;
    let mut eips: Eips = HashMap::new();
    for (_, a) in &raw.addresses {
        if let (Some(e), Some(p)) = (&a.network_interface_id, &a.private_ip_address) {
            eips.insert(
                (e.clone(), p.clone()),
                (a.allocation_id.clone(), a.public_ip.clone()),
            );
        }
    }
    let lb_by_suffix: Vec<(String, String)> = raw
        .lbs
        .keys()
        .filter(|arn| b.names.contains_key(*arn))
        .map(|arn| (arn.clone(), arn.clone()))
        .chain(
            raw.classic_lbs
                .keys()
                .filter(|n| b.names.contains_key(*n))
                .map(|n| (n.clone(), n.clone())),
        )
        .collect();
    // Subnet CIDRs and VPCs, for the address checks.
    let subnet_nets: HashMap<String, (Option<IpNet>, Option<IpNet>)> = ids
        .subnet_ids
        .iter()
        .filter_map(|id| {
            let (_, s) = raw.subnets.get(id)?;
            let v4 = s.cidr_block.as_deref().and_then(|c| c.trim().parse().ok());
            let v6 = s
                .ipv6_cidr_block_association_set
                .first()
                .and_then(|a| a.ipv6_cidr_block.as_deref())
                .and_then(|c| c.trim().parse().ok());
            Some((id.clone(), (v4, v6)))
        })
        .collect();
    // Who holds each private address (per VPC) and each public address.
    let mut dup_private: BTreeMap<(String, IpAddr), BTreeSet<String>> = BTreeMap::new();
    let mut dup_public: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for (id, (loc, e)) in &raw.enis {
        let Some(subnet) = e.subnet_id.as_ref().filter(|s| ids.subnet_ids.contains(*s)) else {
            continue;
        };
        let vpc = raw.subnet_vpc_of(subnet).unwrap_or_default();
        for (addr, public, _) in eni_ips(loc, id, e, &eips)? {
            if let Ok(a) = addr.parse::<IpAddr>() {
                dup_private
                    .entry((vpc.clone(), a))
                    .or_default()
                    .insert(id.clone());
            }
            if let Some(p) = public.filter(|p| p != "auto") {
                dup_public
                    .entry(p)
                    .or_default()
                    .insert(format!("{id}/{addr}"));
            }
        }
    }
    // A NAT gateway whose own interface is imported holds its raw.addresses
    // through it; the others hold them directly.
    for n in &out.nat_gateways {
        let Some(nid) = n.aws_id.clone() else {
            continue;
        };
        if raw.nat_of_eni.values().any(|x| *x == nid) {
            continue;
        }
        let vpc = raw
            .nats
            .get(&nid)
            .and_then(|(_, x)| x.subnet_id.as_deref())
            .and_then(|s| raw.subnet_vpc_of(s))
            .unwrap_or_default();
        if let Some(a) = n
            .private_ip
            .as_ref()
            .and_then(|a| a.value.parse::<IpAddr>().ok())
        {
            dup_private.entry((vpc, a)).or_default().insert(nid.clone());
        }
        if let Some(p) = n.public_ip.as_ref().filter(|p| p.value != "auto") {
            dup_public
                .entry(p.value.clone())
                .or_default()
                .insert(nid.clone());
        }
    }
    dup_private.retain(|_, h| h.len() > 1);
    dup_public.retain(|_, h| h.len() > 1);
    Ok(Held {
        eips,
        lb_by_suffix,
        subnet_nets,
        dup_private,
        dup_public,
    })
}

/// A NAT gateway address that another resource holds too is left unknown.
fn nat_address_clashes(cx: &mut Ctx, held: &Held) {
    let Ctx { raw, b, out, .. } = cx;
    for n in &mut out.nat_gateways {
        let Some(nid) = n.aws_id.clone() else {
            continue;
        };
        let vpc = raw
            .nats
            .get(&nid)
            .and_then(|(_, x)| x.subnet_id.as_deref())
            .and_then(|s| raw.subnet_vpc_of(s));
        if let Some(a) = n.private_ip.clone() {
            let holder = held
                .dup_private
                .iter()
                .find(|((_, x), h)| x.to_string() == a.value && h.contains(&nid));
            if let Some((_, h)) = holder {
                b.inconsistent(
                    &nid,
                    vpc.as_deref(),
                    format!(
                        "private IP `{}` is also held by {}; address left unknown",
                        a.value,
                        holders_text(h, &nid)
                    ),
                    ALL,
                );
                n.value.private_ip = None;
            }
        }
        if let Some(p) = n.public_ip.clone()
            && let Some(h) = held.dup_public.get(&p.value).filter(|h| h.contains(&nid))
        {
            b.inconsistent(
                &nid,
                vpc.as_deref(),
                format!("public IP `{}` is also mapped to {}; imported as an unknown public address (`auto`)", p.value, holders_text(h, &nid)),
                ALL,
            );
            n.value.public_ip = Some(sp("auto".to_string()));
        }
    }
}

/// The interfaces, sorted by id, except that an instance's interfaces sit
/// together in device order, at the place of its primary one: the loader
/// takes an instance's first interface as its primary (C-3.10).
fn interfaces(cx: &mut Ctx, held: &Held) -> Result<(), ImportError> {
    let Ctx { raw, b, out, ids } = cx;
    let mut eni_out = Vec::new();
    for (id, (loc, e)) in &raw.enis {
        if let Some(x) = interface(raw, b, ids, held, id, loc, e)? {
            eni_out.push(x);
        }
    }
    let mut primary: HashMap<String, (i64, String)> = HashMap::new();
    for (inst, device, id, _) in &eni_out {
        if let Some(i) = inst {
            let e = primary.entry(i.clone()).or_insert((*device, id.clone()));
            if (*device, id) < (e.0, &e.1) {
                *e = (*device, id.clone());
            }
        }
    }
    eni_out.sort_by_cached_key(|(inst, device, id, _)| match inst {
        Some(i) => (
            primary.get(i).map_or_else(|| id.clone(), |p| p.1.clone()),
            *device,
            id.clone(),
        ),
        None => (id.clone(), 0, id.clone()),
    });
    out.network_interfaces = eni_out.into_iter().map(|x| x.3).collect();
    Ok(())
}

/// One interface as imported, with its instance and device index (for
/// the order), or `None` when it is left out (with a gap saying why).
#[allow(clippy::too_many_arguments)]
fn interface(
    raw: &Snap,
    b: &mut B,
    ids: &mut Ids,
    held: &Held,
    id: &str,
    loc: &Loc,
    e: &aws::NetworkInterface,
) -> Result<Option<EniOut>, ImportError> {
    let Some(subnet) = e.subnet_id.as_ref().filter(|s| ids.subnet_ids.contains(*s)) else {
        let scope = b.vpc_scope(e.vpc_id.as_deref());
        b.gap_in(
            format!("network interface `{id}`: its subnet is not in the snapshot"),
            ALL,
            f::GapKind::Resources,
            scope,
        );
        return Ok(None);
    };
    let desc = e.description.as_deref().unwrap_or("").trim();
    let (groups, unknown_group) = groups(b, e);
    let owner = classify(
        b,
        desc,
        e,
        raw.nat_of_eni.get(id),
        &raw.nats,
        &raw.endpoints,
        &held.lb_by_suffix,
        &raw.tgw_of_attachment,
        &raw.tgws,
    );
    let owner = match owner {
        Owner::Drop(why) => {
            let scope = b.vpc_scope(e.vpc_id.as_deref());
            b.gap_in(
                format!("network interface `{id}` ({desc}) is not imported: {why}"),
                ALL,
                f::GapKind::Resources,
                scope,
            );
            return Ok(None);
        }
        o => o,
    };
    // Addresses AWS would never give: outside the subnet, or held twice
    // in one VPC. The interface is left out, and the gap says why.
    let vpc = raw.subnet_vpc_of(subnet);
    if let Some(why) = eni_address_problem(
        loc,
        id,
        e,
        &held.eips,
        subnet,
        &held.subnet_nets,
        &held.dup_private,
    )? {
        b.inconsistent(
            id,
            vpc.as_deref(),
            format!("{why}; interface not imported"),
            ALL,
        );
        return Ok(None);
    }
    if let Some(gid) = &unknown_group {
        let scope = b.vpc_scope(e.vpc_id.as_deref());
        b.gap_in(
            format!(
                "network interface `{id}` uses security group `{gid}`, which is not in the snapshot"
            ),
            ALL,
            f::GapKind::SecurityGroups,
            scope,
        );
    }
    let needs_groups = match &owner {
        Owner::Workload => true,
        Owner::Owned(o) => o.service.is_some(),
        Owner::Drop(_) => false,
    };
    if needs_groups && groups.is_empty() {
        if unknown_group.is_some() || matches!(owner, Owner::Owned(_)) {
            let scope = b.vpc_scope(e.vpc_id.as_deref());
            b.gap_in(format!("network interface `{id}` ({desc}) is not imported: none of its security groups is known"), ALL, f::GapKind::Resources, scope);
            return Ok(None);
        }
        return Err(loc.err(
            "Groups",
            format!("network interface `{id}` has no security groups, which AWS does not allow"),
        ));
    }
    let managed = !matches!(owner, Owner::Workload);
    if let Owner::Owned(o) = &owner
        && let Some(lb) = &o.load_balancer
    {
        ids.lb_has_eni.insert(lb.value.clone());
    }
    let instance = e
        .attachment
        .as_ref()
        .and_then(|a| a.instance_id.as_ref())
        .filter(|i| raw.instances.contains_key(*i))
        .and_then(|i| b.get(i));
    let attached = match e.attachment.as_ref().and_then(|a| a.status.as_deref()) {
        Some("attached" | "attaching") => None,
        Some(_) => Some(false),
        None if managed => None,
        None => Some(false),
    };
    let private_ips = private_ips(b, held, loc, id, e, vpc.as_deref())?;
    let (ipv6, v4p, v6p) = prefixes(loc, e)?;
    if let Some(i) = e.attachment.as_ref().and_then(|a| a.instance_id.as_ref())
        && instance.is_some()
    {
        ids.instance_has_eni.insert(i.clone());
    }
    b.name(id, name_tag(&e.tag_set));
    let device = e
        .attachment
        .as_ref()
        .and_then(|a| a.device_index)
        .unwrap_or(i64::MAX);
    Ok(Some((
        instance.clone(),
        device,
        id.to_string(),
        sp(f::NetworkInterface {
            name: sp(b.get(id).unwrap_or_else(|| id.to_string())),
            aws_id: Some(id.to_string()),
            subnet: sp(b.get(subnet).unwrap_or_else(|| subnet.clone())),
            instance: instance.map(sp),
            owner: match owner {
                Owner::Owned(o) => Some(sp(o)),
                _ => None,
            },
            private_ips,
            ipv6_addresses: ipv6,
            ipv4_prefixes: v4p,
            ipv6_prefixes: v6p,
            security_groups: groups,
            source_dest_check: e.source_dest_check,
            attached,
            tags: tags(&e.tag_set),
        }),
    )))
}

/// An interface's security groups that are imported, and the last one
/// that is not.
fn groups(b: &B, e: &aws::NetworkInterface) -> (Vec<Sp<String>>, Option<String>) {
    let mut groups = Vec::new();
    let mut unknown_group = None;
    for g in &e.groups {
        if let Some(gid) = &g.group_id {
            match b.get(gid) {
                Some(n) => groups.push(sp(n)),
                None => unknown_group = Some(gid.clone()),
            }
        }
    }
    (groups, unknown_group)
}

/// An interface's IPv6 addresses, IPv4 prefixes and IPv6 prefixes.
type Prefixes = (Vec<Sp<String>>, Vec<Sp<String>>, Vec<Sp<String>>);

/// An interface's IPv6 addresses and its delegated IPv4 and IPv6 prefixes.
fn prefixes(loc: &Loc, e: &aws::NetworkInterface) -> Result<Prefixes, ImportError> {
    let mut ipv6 = Vec::new();
    for (k, a) in e.ipv6_addresses.iter().enumerate() {
        if let Some(x) = &a.ipv6_address {
            ipv6.push(sp(ip(loc, &format!("Ipv6Addresses[{k}].Ipv6Address"), x)?));
        }
    }
    let mut v4p = Vec::new();
    for (k, a) in e.ipv4_prefixes.iter().enumerate() {
        if let Some(x) = &a.ipv4_prefix {
            v4p.push(sp(cidr(loc, &format!("Ipv4Prefixes[{k}].Ipv4Prefix"), x)?));
        }
    }
    let mut v6p = Vec::new();
    for (k, a) in e.ipv6_prefixes.iter().enumerate() {
        if let Some(x) = &a.ipv6_prefix {
            v6p.push(sp(cidr(loc, &format!("Ipv6Prefixes[{k}].Ipv6Prefix"), x)?));
        }
    }
    Ok((ipv6, v4p, v6p))
}

/// An imported interface: its instance, device index and id, for the order.
type EniOut = (Option<String>, i64, String, Sp<f::NetworkInterface>);

/// An interface's private addresses, each with its public IP; a public IP
/// AWS would never map there is imported as unknown (`auto`).
fn private_ips(
    b: &mut B,
    held: &Held,
    loc: &Loc,
    id: &str,
    e: &aws::NetworkInterface,
    vpc: Option<&str>,
) -> Result<Vec<Sp<f::PrivateIp>>, ImportError> {
    let mut private_ips = Vec::new();
    for (addr, public, alloc) in eni_ips(loc, id, e, &held.eips)? {
        let public = public.map(|p| {
            let clash = held.dup_public.get(&p).filter(|h| h.len() > 1);
            let why = match (p.parse::<std::net::Ipv4Addr>(), clash) {
                (Ok(a), _) if crate::model::not_public_v4(a).is_some() => {
                    crate::model::not_public_v4(a).map(str::to_string)
                }
                (_, Some(h)) => Some(format!("also mapped to {}", holders_text(h, id))),
                _ => None,
            };
            match why {
                Some(why) => {
                    b.inconsistent(
                        id,
                        vpc,
                        format!("public IP `{p}` of private IP `{addr}` is {why}; imported as an unknown public address (`auto`)"),
                        ALL,
                    );
                    "auto".to_string()
                }
                None => p,
            }
        });
        private_ips.push(sp(f::PrivateIp {
            address: sp(addr),
            eip_allocation: if public.is_some() { alloc } else { None },
            public_ip: public.map(sp),
        }));
    }
    Ok(private_ips)
}

fn write_instances(cx: &mut Ctx) {
    let Ctx { raw, b, out, ids } = cx;
    for (id, (_, i)) in &raw.instances {
        if !ids.instance_has_eni.contains(id) {
            b.gap_in(
                format!("instance `{id}` has no network interface in the snapshot"),
                ALL,
                f::GapKind::Resources,
                None,
            );
            continue;
        }
        out.instances.push(sp(f::Instance {
            name: sp(b.get(id).unwrap_or_else(|| id.clone())),
            aws_id: Some(id.clone()),
            tags: tags(&i.tags),
        }));
    }
}

#[allow(clippy::too_many_arguments)]
fn classify(
    b: &B,
    desc: &str,
    e: &aws::NetworkInterface,
    nat: Option<&String>,
    nats: &BTreeMap<String, (Loc, aws::NatGateway)>,
    endpoints: &BTreeMap<String, (Loc, aws::VpcEndpoint)>,
    lbs: &[(String, String)],
    tgw_of_attachment: &BTreeMap<String, String>,
    tgws: &BTreeMap<String, (Loc, aws::TransitGateway)>,
) -> Owner {
    let owned = |o: f::EniOwner| Owner::Owned(o);
    // A managed interface whose owner is not in the snapshot: with security
    // groups it is modelled as a plain service interface (C-2.6: an
    // unjoinable ENI is generic); without, it cannot be, and is dropped.
    let unjoinable = |why: String| {
        if e.groups.is_empty() {
            Owner::Drop(why)
        } else {
            owned(f::EniOwner {
                service: Some(
                    e.interface_type
                        .clone()
                        .unwrap_or_else(|| "aws-managed".into()),
                ),
                ..Default::default()
            })
        }
    };
    if let Some(id) = nat {
        return match b.get(id).filter(|_| nats.contains_key(id)) {
            Some(n) => owned(f::EniOwner {
                nat_gateway: Some(sp(n)),
                ..Default::default()
            }),
            None => unjoinable(format!("nat gateway `{id}` is not in the snapshot")),
        };
    }
    if e.interface_type.as_deref() == Some("nat_gateway") {
        return unjoinable("its nat gateway is not in the snapshot".into());
    }
    if let Some(rest) = desc.strip_prefix("VPC Endpoint Interface ") {
        let id = rest.trim();
        return match b.get(id).filter(|_| endpoints.contains_key(id)) {
            Some(n) => owned(f::EniOwner {
                vpc_endpoint: Some(sp(n)),
                ..Default::default()
            }),
            None => unjoinable(format!("vpc endpoint `{id}` is not in the snapshot")),
        };
    }
    if let Some(rest) = desc.strip_prefix("ELB ") {
        let rest = rest.trim();
        if rest.starts_with("app/") || rest.starts_with("net/") {
            let suffix = format!("/{rest}");
            return match lbs
                .iter()
                .find(|(arn, _)| arn.ends_with(&suffix))
                .and_then(|(arn, _)| b.get(arn))
            {
                Some(n) => owned(f::EniOwner {
                    load_balancer: Some(sp(n)),
                    ..Default::default()
                }),
                None => unjoinable(format!("load balancer `{rest}` is not in the snapshot")),
            };
        }
        if rest.starts_with("gwy/") {
            return Owner::Drop("gateway load balancers are not modelled".into());
        }
        // A classic load balancer's interface: `ELB <name>` (C-14.5).
        if let Some(n) = lbs
            .iter()
            .find(|(name, _)| name == rest)
            .and_then(|(name, _)| b.get(name))
        {
            return owned(f::EniOwner {
                load_balancer: Some(sp(n)),
                ..Default::default()
            });
        }
        return if e.groups.is_empty() {
            Owner::Drop("classic load balancers are not modelled".into())
        } else {
            owned(f::EniOwner {
                service: Some("elb".into()),
                ..Default::default()
            })
        };
    }
    if let Some(rest) = desc.strip_prefix("Network Interface for Transit Gateway Attachment ") {
        let att = rest.trim();
        return match tgw_of_attachment
            .get(att)
            .filter(|t| tgws.contains_key(*t))
            .and_then(|t| b.get(t))
        {
            Some(n) => owned(f::EniOwner {
                transit_gateway: Some(sp(n)),
                ..Default::default()
            }),
            None => unjoinable(format!(
                "the transit gateway of attachment `{att}` is not in the snapshot"
            )),
        };
    }
    let itype = e.interface_type.as_deref().unwrap_or("interface");
    if e.requester_managed == Some(true) || itype != "interface" {
        return owned(f::EniOwner {
            service: Some(itype.to_string()),
            ..Default::default()
        });
    }
    Owner::Workload
}

/// its public IPv4 and Elastic IP allocation, when it has them.
fn eni_ips(
    loc: &Loc,
    id: &str,
    e: &aws::NetworkInterface,
    eips: &Eips,
) -> Result<Vec<EniIp>, ImportError> {
    let mut out = Vec::new();
    for (k, p) in e.private_ip_addresses.iter().enumerate() {
        let Some(addr) = &p.private_ip_address else {
            continue;
        };
        let field = format!("PrivateIpAddresses[{k}]");
        let addr = ip(loc, &format!("{field}.PrivateIpAddress"), addr)?;
        // The interface-level association is the primary IP's.
        let is_primary =
            p.primary == Some(true) || e.private_ip_address.as_deref() == Some(addr.as_str());
        let assoc = p
            .association
            .as_ref()
            .or_else(|| e.association.as_ref().filter(|_| is_primary));
        let eip = eips.get(&(id.to_string(), addr.clone()));
        let public = assoc
            .and_then(|a| a.public_ip.clone())
            .or_else(|| eip.and_then(|x| x.1.clone()))
            .map(|x| ip(loc, &format!("{field}.Association.PublicIp"), &x))
            .transpose()?;
        let alloc = assoc
            .and_then(|a| a.allocation_id.clone())
            .or_else(|| eip.and_then(|x| x.0.clone()));
        let order = (p.primary != Some(true), addr.parse::<IpAddr>().ok());
        out.push((order, (addr, public, alloc)));
    }
    out.sort_by_key(|a| a.0);
    out.dedup_by(|a, b| a.1.0 == b.1.0);
    Ok(out.into_iter().map(|x| x.1).collect())
}

/// Why an interface's addresses cannot be as the snapshot says: an address
/// or prefix outside its subnet, or a private address that another
/// resource of the VPC holds too.
fn eni_address_problem(
    loc: &Loc,
    id: &str,
    e: &aws::NetworkInterface,
    eips: &Eips,
    subnet: &str,
    nets: &HashMap<String, (Option<IpNet>, Option<IpNet>)>,
    dup_private: &BTreeMap<(String, IpAddr), BTreeSet<String>>,
) -> Result<Option<String>, ImportError> {
    let (v4, v6) = nets.get(subnet).copied().unwrap_or_default();
    let outside = |what: &str, x: &str, net: Option<IpNet>| -> Option<String> {
        let net = net?;
        let inside = match x.parse::<IpAddr>() {
            Ok(a) => net.contains(&a),
            Err(_) => x.parse::<IpNet>().is_ok_and(|n| net.contains(&n)),
        };
        (!inside).then(|| format!("{what} `{x}` is outside its subnet `{subnet}` (`{net}`)"))
    };
    for (addr, _, _) in eni_ips(loc, id, e, eips)? {
        if let Some(why) = outside("private IP", &addr, v4) {
            return Ok(Some(why));
        }
        if let Ok(a) = addr.parse::<IpAddr>()
            && let Some((_, h)) = dup_private
                .iter()
                .find(|((_, x), h)| *x == a && h.contains(id))
        {
            return Ok(Some(format!(
                "private IP `{addr}` is also held by {}",
                holders_text(h, id)
            )));
        }
    }
    let v6s = e
        .ipv6_addresses
        .iter()
        .filter_map(|a| a.ipv6_address.as_deref());
    for a in v6s {
        if let Some(why) = outside("IPv6 address", a.trim(), v6) {
            return Ok(Some(why));
        }
    }
    for p in e
        .ipv4_prefixes
        .iter()
        .filter_map(|p| p.ipv4_prefix.as_deref())
    {
        if let Some(why) = outside("IPv4 prefix", p.trim(), v4) {
            return Ok(Some(why));
        }
    }
    for p in e
        .ipv6_prefixes
        .iter()
        .filter_map(|p| p.ipv6_prefix.as_deref())
    {
        if let Some(why) = outside("IPv6 prefix", p.trim(), v6) {
            return Ok(Some(why));
        }
    }
    Ok(None)
}

/// The other holders of an address, for a gap's text.
fn holders_text(holders: &BTreeSet<String>, me: &str) -> String {
    holders
        .iter()
        .filter(|h| h.as_str() != me && !h.starts_with(&format!("{me}/")))
        .map(|h| format!("`{h}`"))
        .collect::<Vec<_>>()
        .join(", ")
}
