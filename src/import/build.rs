//! Mapping the typed snapshot records to the topology format.

mod hybrid;
mod region;

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};
use std::net::IpAddr;

use ipnet::IpNet;

use super::aws::{self, name_tag};
use super::read::{Items, Loc, Raw};
use super::{ImportError, Imported};
use crate::model::format as f;
use crate::model::{Scalar, Sp};

/// A prefix list: its name and, when known, its entries.
type PlInfo = (Option<String>, Option<Vec<String>>);

/// Elastic IPs by (interface, private address): (allocation id, public IP).
type Eips = HashMap<(String, String), (Option<String>, Option<String>)>;

/// A private address as imported, with its public IP and EIP allocation.
type EniIp = (String, Option<String>, Option<String>);

/// Gaps affecting every check.
const ALL: &[&str] = &[];

/// Keep the first record for each id, ordered by id.
fn by_id<T>(
    items: Items<T>,
    field: &str,
    id: impl Fn(&T) -> Option<String>,
) -> Result<BTreeMap<String, (Loc, T)>, ImportError> {
    let mut out = BTreeMap::new();
    for (loc, t) in items {
        let Some(k) = id(&t) else {
            return Err(loc.err(field, "missing".into()));
        };
        out.entry(k).or_insert((loc, t));
    }
    Ok(out)
}

fn slug(s: &str) -> String {
    s.split_whitespace()
        .collect::<Vec<_>>()
        .join("-")
        .to_lowercase()
}

/// ` for account A in R`, naming a snapshot folder in messages.
/// `PeeringOptions.AllowDnsResolutionFromRemoteVpc` of one side of a
/// peering connection, when the snapshot states it.
fn remote_dns(info: Option<&aws::PeeringVpcInfo>) -> Option<bool> {
    info.and_then(|i| i.peering_options.as_ref())
        .and_then(|o| o.allow_dns_resolution_from_remote_vpc)
}

fn scope_text(account: &Option<String>, region: &Option<String>) -> String {
    match (account, region) {
        (Some(a), Some(r)) => format!(" for account {a} in {r}"),
        (Some(a), None) => format!(" for account {a}"),
        (None, Some(r)) => format!(" in {r}"),
        (None, None) => String::new(),
    }
}

fn sp<T>(v: T) -> Sp<T> {
    Sp::new(v)
}

fn cidr(loc: &Loc, field: &str, s: &str) -> Result<String, ImportError> {
    let t = s.trim();
    t.parse::<IpNet>()
        .map(|_| t.to_string())
        .map_err(|_| loc.err(field, format!("invalid CIDR `{s}`")))
}

fn ip(loc: &Loc, field: &str, s: &str) -> Result<String, ImportError> {
    let t = s.trim();
    t.parse::<IpAddr>()
        .map(|_| t.to_string())
        .map_err(|_| loc.err(field, format!("invalid IP address `{s}`")))
}

/// A rule's protocol: `-1`/`all`, a name AWS prints, or an IANA number.
fn protocol(loc: &Loc, field: &str, p: &str) -> Result<String, ImportError> {
    let t = p.trim().to_lowercase();
    let named = match t.as_str() {
        "-1" | "all" => "all",
        "6" | "tcp" => "tcp",
        "17" | "udp" => "udp",
        "1" | "icmp" => "icmp",
        "58" | "icmpv6" => "icmpv6",
        other if other.parse::<u8>().is_ok() => return Ok(t),
        _ => {
            return Err(loc.err(
                field,
                format!("invalid protocol `{p}`: expected `-1`, `tcp`, `udp`, `icmp`, `icmpv6` or a number 0–255"),
            ));
        }
    };
    Ok(named.into())
}

fn port_range(from: i64, to: i64) -> String {
    if from == to {
        from.to_string()
    } else {
        format!("{from}-{to}")
    }
}

struct B {
    names: HashMap<String, String>,
    used: HashSet<String>,
    gaps: BTreeMap<String, GapRecord>,
    notes: Vec<String>,
}

/// A gap as the importer records it: the checks, the kind of data, and
/// where (`None`: everywhere).
struct GapRecord {
    affects: Vec<String>,
    kind: f::GapKind,
    scope: Option<f::GapScope>,
}

/// A gap scope of one VPC, by its AWS id (see [`B::vpc_scope`]).
fn scope_vpcs(names: Vec<String>) -> Option<f::GapScope> {
    (!names.is_empty()).then(|| f::GapScope {
        vpcs: names.into_iter().map(sp).collect(),
        ..f::GapScope::default()
    })
}

/// A gap scope of an account and Region of the snapshot (`None`: neither
/// is known, everywhere).
fn scope_place(account: &Option<String>, region: &Option<String>) -> Option<f::GapScope> {
    if account.is_none() && region.is_none() {
        return None;
    }
    Some(f::GapScope {
        accounts: account.iter().map(|a| sp(Scalar(a.clone()))).collect(),
        regions: region.iter().map(|r| sp(r.clone())).collect(),
        ..f::GapScope::default()
    })
}

impl B {
    fn name(&mut self, id: &str, readable: Option<&str>) {
        if self.names.contains_key(id) {
            return;
        }
        let base = readable
            .map(slug)
            .filter(|s| !s.is_empty())
            .unwrap_or_else(|| id.to_string());
        let mut n = base.clone();
        let mut i = 2;
        while self.used.contains(&n) {
            n = format!("{base}-{i}");
            i += 1;
        }
        self.used.insert(n.clone());
        self.names.insert(id.to_string(), n);
    }

    fn get(&self, id: &str) -> Option<String> {
        self.names.get(id).cloned()
    }

    /// A gap for inconsistent or dangling data about one resource: every
    /// gap the importer finds in the data itself goes through here, so that
    /// its scope (the resource's VPC, by AWS id; everywhere when there is
    /// none or it is not imported) is set in one place. The kind is `other`:
    /// what the data would have said can both open and close paths there.
    /// `what` states the problem with the offending value; the text starts
    /// with the resource's id.
    pub(super) fn inconsistent(
        &mut self,
        resource: &str,
        vpc: Option<&str>,
        what: String,
        affects: &[&str],
    ) {
        let at = match vpc {
            Some(v) if v != resource => format!(" (vpc `{v}`)"),
            _ => String::new(),
        };
        let scope = vpc.and_then(|v| self.vpc_scope([v]));
        self.gap_in(
            format!("`{resource}`{at}: {what}"),
            affects,
            f::GapKind::Other,
            scope,
        );
    }

    /// Records a gap with the kind of data that is missing and where
    /// (`None`: everywhere). The first record of a `what` wins.
    fn gap_in(
        &mut self,
        what: String,
        affects: &[&str],
        kind: f::GapKind,
        scope: Option<f::GapScope>,
    ) {
        self.gaps.entry(what).or_insert_with(|| GapRecord {
            affects: affects.iter().map(|s| s.to_string()).collect(),
            kind,
            scope,
        });
    }

    /// The scope of the VPCs with these AWS ids (`None`, everywhere, unless
    /// every one is imported under a name).
    fn vpc_scope<'s>(&self, ids: impl IntoIterator<Item = &'s str>) -> Option<f::GapScope> {
        let mut names = Vec::new();
        for id in ids {
            names.push(self.get(id)?);
        }
        scope_vpcs(names)
    }
}

/// How a network interface is owned (C-2.6).
enum Owner {
    Workload,
    Owned(f::EniOwner),
    /// Not importable: the reason, for the gap.
    Drop(String),
}

#[allow(clippy::too_many_lines)]
pub fn build(raw: Raw) -> Result<Imported, ImportError> {
    let Raw {
        vpcs,
        dhcp,
        vpc_attributes,
        subnets,
        route_tables,
        nacls,
        sgs,
        enis,
        reservations,
        addresses,
        igws,
        eigws,
        nats,
        endpoints,
        prefix_lists,
        prefix_list_entries,
        peerings,
        lbs,
        listeners,
        target_groups,
        target_health,
        tgws,
        tgw_attachments,
        tgw_vpc_attachments,
        tgw_route_tables,
        tgw_routes,
        tgw_propagations,
        tgw_associations,
        vgws,
        vpn_connections,
        customer_gateways,
        dx_connections,
        dx_lags,
        dx_vifs,
        dx_gateways,
        dx_associations,
        zones,
        import_gaps,
        keys: _,
        scopes,
        skipped,
    } = raw;
    let mut b = B {
        names: HashMap::new(),
        used: ["local", "blackhole"]
            .iter()
            .map(|s| s.to_string())
            .collect(),
        gaps: BTreeMap::new(),
        notes: Vec::new(),
    };

    // What a live import could not read.
    for g in import_gaps {
        let scope = scope_place(&None, &g.region);
        b.gaps.entry(g.what).or_insert(GapRecord {
            affects: g.affects,
            kind: g.kind.unwrap_or_default(),
            scope,
        });
    }

    let vpcs = by_id(vpcs, "VpcId", |v| v.vpc_id.clone())?;
    let dhcp = by_id(dhcp, "DhcpOptionsId", |v| v.dhcp_options_id.clone())?;
    let subnets = by_id(subnets, "SubnetId", |v| v.subnet_id.clone())?;
    let route_tables = by_id(route_tables, "RouteTableId", |v| v.route_table_id.clone())?;
    let nacls = by_id(nacls, "NetworkAclId", |v| v.network_acl_id.clone())?;
    let sgs = by_id(sgs, "GroupId", |v| v.group_id.clone())?;
    let igws = by_id(igws, "InternetGatewayId", |v| v.internet_gateway_id.clone())?;
    let eigws = by_id(eigws, "EgressOnlyInternetGatewayId", |v| {
        v.egress_only_internet_gateway_id.clone()
    })?;
    let nats = by_id(nats, "NatGatewayId", |v| v.nat_gateway_id.clone())?;
    let endpoints = by_id(endpoints, "VpcEndpointId", |v| v.vpc_endpoint_id.clone())?;
    let peerings = by_id(peerings, "VpcPeeringConnectionId", |v| {
        v.vpc_peering_connection_id.clone()
    })?;
    let lbs = by_id(lbs, "LoadBalancerArn", |v| v.load_balancer_arn.clone())?;
    let target_groups = by_id(target_groups, "TargetGroupArn", |v| {
        v.target_group_arn.clone()
    })?;
    let tgws = by_id(tgws, "TransitGatewayId", |v| v.transit_gateway_id.clone())?;
    let vgws = by_id(vgws, "VpnGatewayId", |v| v.vpn_gateway_id.clone())?;
    let tgw_of_attachment: BTreeMap<String, String> = tgw_attachments
        .iter()
        .filter_map(|(_, a)| {
            Some((
                a.transit_gateway_attachment_id.clone()?,
                a.transit_gateway_id.clone()?,
            ))
        })
        .chain(tgw_vpc_attachments.iter().filter_map(|(_, a)| {
            Some((
                a.transit_gateway_attachment_id.clone()?,
                a.transit_gateway_id.clone()?,
            ))
        }))
        .collect();

    // Instances and their interfaces.
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

    let nat_of_eni = nat_interfaces(&nats, &all_enis);

    // Prefix lists: described ones (both shapes under `PrefixLists`, an
    // AWS-managed list possibly in both), then any referenced but not
    // described. Entries: the record's `Cidrs`, else the
    // `get-managed-prefix-list-entries` output for its id.
    let mut pls: BTreeMap<String, PlInfo> = BTreeMap::new();
    for (loc, p) in prefix_lists {
        let Some(id) = p.prefix_list_id.clone() else {
            return Err(loc.err("PrefixListId", "missing".into()));
        };
        if matches!(
            p.state.as_deref(),
            Some("delete-complete" | "delete-in-progress" | "create-failed")
        ) {
            continue;
        }
        let entries = match (&p.cidrs, prefix_list_entries.get(&id)) {
            (Some(cs), _) => {
                let mut v = Vec::new();
                for (k, c) in cs.iter().enumerate() {
                    v.push(cidr(&loc, &format!("Cidrs[{k}]"), c)?);
                }
                Some(v)
            }
            (None, Some(es)) => {
                let mut v = Vec::new();
                for c in es {
                    v.push(cidr(&loc, "Entries", c)?);
                }
                Some(v)
            }
            (None, None) => None,
        };
        let name = name_tag(&p.tags)
            .map(str::to_string)
            .or(p.prefix_list_name.clone());
        let e = pls.entry(id).or_insert((None, None));
        if e.0.is_none() {
            e.0 = name;
        }
        if e.1.is_none() {
            e.1 = entries;
        }
    }
    let mut referenced_pls = BTreeSet::new();
    for (_, rt) in route_tables.values() {
        for r in &rt.routes {
            if let Some(p) = &r.destination_prefix_list_id {
                referenced_pls.insert(p.clone());
            }
        }
    }
    for (_, sg) in sgs.values() {
        for perm in sg.ip_permissions.iter().chain(&sg.ip_permissions_egress) {
            for p in &perm.prefix_list_ids {
                if let Some(id) = &p.prefix_list_id {
                    referenced_pls.insert(id.clone());
                }
            }
        }
    }
    for id in referenced_pls {
        pls.entry(id).or_insert((None, None));
    }

    // ---- Names, in a fixed kind order, each kind sorted by id.
    for (id, (name, _)) in &pls {
        b.name(id, name.as_deref());
    }
    for (id, (_, v)) in &vpcs {
        b.name(id, name_tag(&v.tags));
    }
    let vpc_known = |id: &Option<String>| id.as_ref().is_some_and(|v| vpcs.contains_key(v));
    let mut subnet_ids = BTreeSet::new();
    // A subnet's CIDR lies inside one of its VPC's CIDRs in AWS; a snapshot
    // that says otherwise is inconsistent, and the subnet is left out.
    let vpc_nets = |vid: &str| -> Vec<IpNet> {
        vpcs.get(vid)
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
    for (id, (_, s)) in &subnets {
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
        if vpc_known(&s.vpc_id) && !(inside(&s.cidr_block) && inside(&v6)) {
            let scope = b.vpc_scope(s.vpc_id.as_deref());
            b.gap_in(
                format!("subnet `{id}`: its CIDR is outside its vpc's CIDRs; subnet not imported"),
                ALL,
                f::GapKind::Resources,
                scope,
            );
        } else if vpc_known(&s.vpc_id) {
            b.name(id, name_tag(&s.tags));
            subnet_ids.insert(id.clone());
        } else {
            b.gap_in(
                format!("subnet `{id}`: its vpc is not in the snapshot"),
                ALL,
                f::GapKind::Resources,
                None,
            );
        }
    }
    for (id, (_, t)) in &route_tables {
        if vpc_known(&t.vpc_id) {
            b.name(id, name_tag(&t.tags));
        }
    }
    for (id, (_, t)) in &nacls {
        if vpc_known(&t.vpc_id) {
            b.name(id, name_tag(&t.tags));
        }
    }
    for (id, (_, t)) in &sgs {
        if vpc_known(&t.vpc_id) {
            b.name(id, name_tag(&t.tags));
        }
    }
    for (id, (_, i)) in &instances {
        b.name(id, name_tag(&i.tags));
    }
    for (id, (_, g)) in &igws {
        b.name(id, name_tag(&g.tags));
    }
    for (id, (_, g)) in &eigws {
        if g.attachments.iter().any(|a| vpc_known(&a.vpc_id)) {
            b.name(id, name_tag(&g.tags));
        }
    }
    for (id, (_, n)) in &nats {
        let dead = matches!(n.state.as_deref(), Some("deleted" | "deleting" | "failed"));
        let subnet_ok = n.subnet_id.as_ref().is_some_and(|s| subnet_ids.contains(s));
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
    // The VPCs of a load balancer's subnets.
    let lb_vpcs = |lb: &aws::LoadBalancer| -> Vec<String> {
        lb.availability_zones
            .iter()
            .filter_map(|z| subnets.get(z.subnet_id.as_deref()?))
            .filter_map(|(_, s)| s.vpc_id.clone())
            .collect()
    };
    for (arn, (_, lb)) in &lbs {
        if lb.state.as_ref().and_then(|s| s.code.as_deref()) == Some("failed") {
            continue;
        }
        let kind = lb.kind.as_deref().unwrap_or("");
        if kind != "application" && kind != "network" {
            let scope = b.vpc_scope(lb_vpcs(lb).iter().map(String::as_str));
            b.gap_in(
                format!("load balancer `{arn}` of type `{kind}` is not modelled"),
                ALL,
                f::GapKind::Other,
                scope,
            );
            continue;
        }
        if !lb
            .availability_zones
            .iter()
            .any(|z| z.subnet_id.as_ref().is_some_and(|s| subnet_ids.contains(s)))
        {
            b.gap_in(
                format!("load balancer `{arn}`: none of its subnets is in the snapshot"),
                ALL,
                f::GapKind::Resources,
                None,
            );
            continue;
        }
        // An application load balancer always has a security group: with
        // none of them imported it cannot be modelled (what it admits is not
        // known), so it is left out, with a gap over its VPCs.
        if kind == "application" && !lb.security_groups.iter().any(|g| b.names.contains_key(g)) {
            let scope = b.vpc_scope(lb_vpcs(lb).iter().map(String::as_str));
            b.gap_in(
                format!(
                    "application load balancer `{arn}`: none of its security groups is in the snapshot; not imported"
                ),
                ALL,
                f::GapKind::Other,
                scope,
            );
            continue;
        }
        b.name(arn, lb.load_balancer_name.as_deref());
    }
    for (arn, (_, tg)) in &target_groups {
        let tt = tg.target_type.as_deref().unwrap_or("");
        if (tt == "instance" || tt == "ip") && tg.protocol.is_some() && tg.port.is_some() {
            b.name(arn, tg.target_group_name.as_deref());
        } else {
            b.notes
                .push(format!("skipped target group `{arn}` (target type `{tt}`)"));
        }
    }
    for (id, (_, e)) in &endpoints {
        let gone = matches!(
            e.state.as_deref().map(str::to_lowercase).as_deref(),
            Some("deleted" | "deleting" | "rejected" | "failed" | "expired")
        );
        if vpc_known(&e.vpc_id) && !gone {
            b.name(id, name_tag(&e.tags));
        }
    }
    for (id, (_, p)) in &peerings {
        let r = p.requester_vpc_info.as_ref().and_then(|x| x.vpc_id.clone());
        let a = p.accepter_vpc_info.as_ref().and_then(|x| x.vpc_id.clone());
        if vpc_known(&r) && vpc_known(&a) {
            b.name(id, name_tag(&p.tags));
        } else {
            let known: Vec<&str> = [&r, &a]
                .into_iter()
                .filter(|v| vpc_known(v))
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
    for (id, (_, t)) in &tgws {
        b.name(id, name_tag(&t.tags));
    }
    for (id, (_, g)) in &vgws {
        b.name(id, name_tag(&g.tags));
    }

    let mut out = f::TopologyFile {
        version: sp(1),
        ..Default::default()
    };

    // ---- Prefix lists.
    for (id, (name, entries)) in &pls {
        let Some(n) = b.get(id) else { continue };
        if entries.is_none() {
            b.gap_in(
                format!("entries of prefix list `{id}` are not in the snapshot"),
                ALL,
                f::GapKind::PrefixLists,
                None,
            );
        }
        let service = name
            .as_ref()
            .filter(|x| x.starts_with("com.amazonaws."))
            .cloned();
        out.prefix_lists.push(sp(f::PrefixList {
            name: sp(n),
            aws_id: Some(id.clone()),
            family: None,
            entries: entries
                .as_ref()
                .map(|v| v.iter().cloned().map(sp).collect()),
            service,
        }));
    }
    let pl_by_service: HashMap<String, String> = pls
        .iter()
        .filter_map(|(id, (name, _))| Some((name.clone()?, id.clone())))
        .collect();

    // ---- The Region of each VPC, from whatever names it.
    let mut evidence = region::Evidence::default();
    {
        use region::Source;
        let listing: BTreeMap<(Option<String>, Option<String>), BTreeSet<String>> =
            zones.iter().fold(BTreeMap::new(), |mut m, (loc, z)| {
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
        for (id, (loc, _)) in &vpcs {
            evidence.add(id, Source::Folder, loc.region.clone());
            for r in listing
                .get(&(loc.account.clone(), loc.region.clone()))
                .into_iter()
                .flatten()
            {
                evidence.add(id, Source::Listing, Some(r.clone()));
            }
        }
        for (_, s) in subnets.values() {
            if let Some(v) = &s.vpc_id {
                let zone = s.availability_zone.as_deref().and_then(region::of_zone);
                evidence.add(v, Source::Zones, zone);
                let arn = s.subnet_arn.as_deref().and_then(region::of_arn);
                evidence.add(v, Source::Arns, arn);
            }
        }
        for (_, e) in all_enis.values() {
            if let Some(v) = &e.vpc_id {
                let zone = e.availability_zone.as_deref().and_then(region::of_zone);
                evidence.add(v, Source::Zones, zone);
            }
        }
        for (arn, (_, lb)) in &lbs {
            if let Some(v) = &lb.vpc_id {
                for z in &lb.availability_zones {
                    let zone = z.zone_name.as_deref().and_then(region::of_zone);
                    evidence.add(v, Source::Zones, zone);
                }
                evidence.add(v, Source::Arns, region::of_arn(arn));
            }
        }
        for (_, e) in endpoints.values() {
            if let Some(v) = &e.vpc_id {
                let r = e.service_name.as_deref().and_then(region::of_service);
                evidence.add(v, Source::Arns, r);
            }
        }
        for (_, p) in peerings.values() {
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
    let mut vpc_region: HashMap<String, String> = HashMap::new();
    for id in vpcs.keys() {
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
                vpc_region.insert(id.clone(), r);
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

    // ---- VPCs.
    let mut dns: HashMap<String, (Option<bool>, Option<bool>)> = HashMap::new();
    for (_, a) in &vpc_attributes {
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
    for (id, (loc, v)) in &vpcs {
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
            .and_then(|d| dhcp.get(d))
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
            region: vpc_region.get(id).cloned(),
            account: v.owner_id.clone().or(loc.account.clone()).map(Scalar),
            cidrs,
            ipv6_cidrs: ipv6,
            dns_support,
            dns_hostnames,
            dhcp_options,
            tags: tags(&v.tags),
        }));
    }

    // ---- Subnets (associations come from route tables and NACLs).
    let mut subnet_rt: HashMap<String, String> = HashMap::new();
    for (id, (_, t)) in &route_tables {
        for a in &t.associations {
            if let Some(s) = &a.subnet_id {
                subnet_rt.insert(s.clone(), id.clone());
            }
        }
    }
    let mut subnet_acl: HashMap<String, String> = HashMap::new();
    for (id, (_, t)) in &nacls {
        for a in &t.associations {
            if let Some(s) = &a.subnet_id {
                subnet_acl.insert(s.clone(), id.clone());
            }
        }
    }
    let mut subnet_vpc: HashMap<String, String> = HashMap::new();
    for id in &subnet_ids {
        let Some((loc, s)) = subnets.get(id) else {
            continue;
        };
        let vpc = s.vpc_id.clone().unwrap_or_default();
        subnet_vpc.insert(id.clone(), vpc.clone());
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

    // ---- Network ACLs.
    for (id, (loc, t)) in &nacls {
        let Some(name) = b.get(id) else { continue };
        let vpc = t.vpc_id.clone().unwrap_or_default();
        let mut ingress = Vec::new();
        let mut egress = Vec::new();
        let mut order: Vec<(usize, &aws::NaclEntry)> = t.entries.iter().enumerate().collect();
        order.sort_by_key(|(_, e)| (e.egress, e.rule_number));
        for (k, e) in order {
            let field = format!("Entries[{k}]");
            let Some(n) = e.rule_number else {
                return Err(loc.err(&format!("{field}.RuleNumber"), "missing".into()));
            };
            // The `*` entries (32767) are the implicit deny, always applied.
            if !(1..=32766).contains(&n) {
                continue;
            }
            let c = match (&e.cidr_block, &e.ipv6_cidr_block) {
                (Some(c), _) => cidr(loc, &format!("{field}.CidrBlock"), c)?,
                (None, Some(c)) => cidr(loc, &format!("{field}.Ipv6CidrBlock"), c)?,
                (None, None) => {
                    return Err(loc.err(&format!("{field}.CidrBlock"), "missing".into()));
                }
            };
            let proto = protocol(
                loc,
                &format!("{field}.Protocol"),
                e.protocol.as_deref().unwrap_or("-1"),
            )?;
            let ports = match (proto.as_str(), &e.port_range) {
                (
                    "tcp" | "udp",
                    Some(PortRangeVals {
                        from: Some(a),
                        to: Some(z),
                    }),
                ) => Some(sp(Scalar(port_range(*a, *z)))),
                _ => None,
            };
            let icmp = matches!(proto.as_str(), "icmp" | "icmpv6");
            let (it, ic) = match (&e.icmp_type_code, icmp) {
                (Some(x), true) => (x.kind.filter(|v| *v >= 0), x.code.filter(|v| *v >= 0)),
                _ => (None, None),
            };
            let action = match e.rule_action.as_deref().map(str::to_lowercase).as_deref() {
                Some(a @ ("allow" | "deny")) => a.to_string(),
                other => {
                    return Err(loc.err(
                        &format!("{field}.RuleAction"),
                        format!(
                            "expected `allow` or `deny`, found `{}`",
                            other.unwrap_or("nothing")
                        ),
                    ));
                }
            };
            let rule = sp(f::NaclRule {
                rule: sp(u32::try_from(n).unwrap_or(0)),
                action: sp(action),
                protocol: sp(Scalar(proto)),
                ports,
                icmp_type: it.map(sp),
                icmp_code: ic.map(sp),
                cidr: sp(c),
            });
            let list = if e.egress == Some(true) {
                &mut egress
            } else {
                &mut ingress
            };
            // AWS numbers a direction's rules uniquely: the same record twice
            // is one rule; two different rules with one number cannot be.
            let key = |r: &Sp<f::NaclRule>| serde_json::to_string(&r.value).unwrap_or_default();
            match list
                .iter()
                .find(|r: &&Sp<f::NaclRule>| r.value.rule.value == rule.value.rule.value)
            {
                Some(r) if key(r) == key(&rule) => {}
                Some(_) => {
                    return Err(loc.err(
                        &format!("{field}.RuleNumber"),
                        format!(
                            "rule number `{n}` is used by two different rules of one direction"
                        ),
                    ));
                }
                None => list.push(rule),
            }
        }
        out.network_acls.push(sp(f::NetworkAcl {
            name: sp(name),
            aws_id: Some(id.clone()),
            vpc: sp(b.get(&vpc).unwrap_or(vpc)),
            default: t.is_default.unwrap_or(false),
            ingress,
            egress,
            tags: tags(&t.tags),
        }));
    }

    // ---- Security groups.
    for (id, (loc, g)) in &sgs {
        let Some(name) = b.get(id) else { continue };
        let vpc = g.vpc_id.clone().unwrap_or_default();
        let ingress = sg_rules(
            &mut b,
            loc,
            id,
            g.vpc_id.as_deref(),
            "IpPermissions",
            &g.ip_permissions,
        )?;
        let egress = sg_rules(
            &mut b,
            loc,
            id,
            g.vpc_id.as_deref(),
            "IpPermissionsEgress",
            &g.ip_permissions_egress,
        )?;
        out.security_groups.push(sp(f::SecurityGroup {
            name: sp(name),
            aws_id: Some(id.clone()),
            vpc: sp(b.get(&vpc).unwrap_or(vpc)),
            description: g.description.clone(),
            ingress,
            egress,
            tags: tags(&g.tags),
        }));
    }

    // ---- Gateways.
    for (id, (_, g)) in &igws {
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
    for (id, (_, g)) in &eigws {
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
    for (id, (_, g)) in &vgws {
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
    for (id, (loc, n)) in &nats {
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
        let vpc = subnets.get(&subnet).and_then(|(_, s)| s.vpc_id.clone());
        let net = subnets
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

    // ---- VPC endpoints.
    for (id, (_, e)) in &endpoints {
        let Some(name) = b.get(id) else { continue };
        let vpc = e.vpc_id.clone().unwrap_or_default();
        let kind = match e
            .vpc_endpoint_type
            .as_deref()
            .map(str::to_lowercase)
            .as_deref()
        {
            Some("gateway") => "gateway",
            Some("interface") => "interface",
            Some("gatewayloadbalancer" | "gateway-load-balancer") => "gateway-load-balancer",
            other => {
                let scope = b.vpc_scope([vpc.as_str()]);
                b.gap_in(
                    format!(
                        "vpc endpoint `{id}` of type `{}` is not modelled",
                        other.unwrap_or("")
                    ),
                    ALL,
                    f::GapKind::Endpoints,
                    scope,
                );
                continue;
            }
        };
        let service = e.service_name.clone().unwrap_or_default();
        let mut groups = Vec::new();
        for g in &e.groups {
            if let Some(gid) = &g.group_id {
                match b.get(gid) {
                    Some(n) => groups.push(sp(n)),
                    None => {
                        let scope = b.vpc_scope([vpc.as_str()]);
                        b.gap_in(format!("vpc endpoint `{id}` uses security group `{gid}`, which is not in the snapshot"), ALL, f::GapKind::SecurityGroups, scope);
                    }
                }
            }
        }
        let policy = e
            .policy_document
            .as_ref()
            .and_then(|p| serde_json::from_str::<serde_json::Value>(p).ok());
        out.vpc_endpoints.push(sp(f::VpcEndpoint {
            name: sp(name),
            aws_id: Some(id.clone()),
            vpc: sp(b.get(&vpc).unwrap_or(vpc)),
            kind: sp(kind.to_string()),
            prefix_list: if kind == "gateway" {
                pl_by_service.get(&service).and_then(|p| b.get(p)).map(sp)
            } else {
                None
            },
            service: sp(service.clone()),
            route_tables: e
                .route_table_ids
                .iter()
                .filter_map(|r| b.get(r))
                .map(sp)
                .collect(),
            subnets: e
                .subnet_ids
                .iter()
                .filter_map(|s| b.get(s))
                .map(sp)
                .collect(),
            security_groups: groups,
            private_dns: e.private_dns_enabled,
            ip_address_type: e.ip_address_type.clone(),
            // The IPv6 list of a dual-stack gateway service is
            // `com.amazonaws.<region>.ipv6.<service>` (C-13.5); when the
            // snapshot lacks it, the loader derives a list with unknown
            // entries, so nothing is assumed.
            ipv6_prefix_list: if kind == "gateway" {
                service
                    .rsplit_once('.')
                    .map(|(head, svc)| format!("{head}.ipv6.{svc}"))
                    .and_then(|v6| pl_by_service.get(&v6))
                    .and_then(|p| b.get(p))
                    .map(sp)
            } else {
                None
            },
            dns_record_ip_type: e
                .dns_options
                .as_ref()
                .and_then(|d| d.dns_record_ip_type.clone())
                .map(sp),
            private_dns_only_for_inbound_resolver_endpoint: e
                .dns_options
                .as_ref()
                .and_then(|d| d.private_dns_only_for_inbound_resolver_endpoint),
            policy,
        }));
    }

    // ---- Peering connections.
    for (id, (_, p)) in &peerings {
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

    // ---- Network interfaces and instances.
    let mut eips: Eips = HashMap::new();
    for (_, a) in &addresses {
        if let (Some(e), Some(p)) = (&a.network_interface_id, &a.private_ip_address) {
            eips.insert(
                (e.clone(), p.clone()),
                (a.allocation_id.clone(), a.public_ip.clone()),
            );
        }
    }
    let lb_by_suffix: Vec<(String, String)> = lbs
        .keys()
        .filter(|arn| b.names.contains_key(*arn))
        .map(|arn| (arn.clone(), arn.clone()))
        .collect();
    // Subnet CIDRs and VPCs, for the address checks.
    let subnet_nets: HashMap<String, (Option<IpNet>, Option<IpNet>)> = subnet_ids
        .iter()
        .filter_map(|id| {
            let (_, s) = subnets.get(id)?;
            let v4 = s.cidr_block.as_deref().and_then(|c| c.trim().parse().ok());
            let v6 = s
                .ipv6_cidr_block_association_set
                .first()
                .and_then(|a| a.ipv6_cidr_block.as_deref())
                .and_then(|c| c.trim().parse().ok());
            Some((id.clone(), (v4, v6)))
        })
        .collect();
    let subnet_vpc_of =
        |s: &str| -> Option<String> { subnets.get(s).and_then(|(_, x)| x.vpc_id.clone()) };
    // Who holds each private address (per VPC) and each public address.
    let mut dup_private: BTreeMap<(String, IpAddr), BTreeSet<String>> = BTreeMap::new();
    let mut dup_public: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for (id, (loc, e)) in &all_enis {
        let Some(subnet) = e.subnet_id.as_ref().filter(|s| subnet_ids.contains(*s)) else {
            continue;
        };
        let vpc = subnet_vpc_of(subnet).unwrap_or_default();
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
    // A NAT gateway whose own interface is imported holds its addresses
    // through it; the others hold them directly.
    for n in &out.nat_gateways {
        let Some(nid) = n.aws_id.clone() else {
            continue;
        };
        if nat_of_eni.values().any(|x| *x == nid) {
            continue;
        }
        let vpc = nats
            .get(&nid)
            .and_then(|(_, x)| x.subnet_id.as_deref())
            .and_then(subnet_vpc_of)
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
    for n in &mut out.nat_gateways {
        let Some(nid) = n.aws_id.clone() else {
            continue;
        };
        let vpc = nats
            .get(&nid)
            .and_then(|(_, x)| x.subnet_id.as_deref())
            .and_then(subnet_vpc_of);
        if let Some(a) = n.private_ip.clone() {
            let held = dup_private
                .iter()
                .find(|((_, x), h)| x.to_string() == a.value && h.contains(&nid));
            if let Some((_, h)) = held {
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
            && let Some(h) = dup_public.get(&p.value).filter(|h| h.contains(&nid))
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
    let mut lb_has_eni: HashSet<String> = HashSet::new();
    let mut instance_has_eni: HashSet<String> = HashSet::new();
    let mut eni_out = Vec::new();
    for (id, (loc, e)) in &all_enis {
        let Some(subnet) = e.subnet_id.as_ref().filter(|s| subnet_ids.contains(*s)) else {
            let scope = b.vpc_scope(e.vpc_id.as_deref());
            b.gap_in(
                format!("network interface `{id}`: its subnet is not in the snapshot"),
                ALL,
                f::GapKind::Resources,
                scope,
            );
            continue;
        };
        let desc = e.description.as_deref().unwrap_or("").trim();
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
        let owner = classify(
            &b,
            desc,
            e,
            nat_of_eni.get(id),
            &nats,
            &endpoints,
            &lb_by_suffix,
            &tgw_of_attachment,
            &tgws,
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
                continue;
            }
            o => o,
        };
        // Addresses AWS would never give: outside the subnet, or held twice
        // in one VPC. The interface is left out, and the gap says why.
        let vpc = subnet_vpc_of(subnet);
        if let Some(why) =
            eni_address_problem(loc, id, e, &eips, subnet, &subnet_nets, &dup_private)?
        {
            b.inconsistent(
                id,
                vpc.as_deref(),
                format!("{why}; interface not imported"),
                ALL,
            );
            continue;
        }
        if let Some(gid) = &unknown_group {
            let scope = b.vpc_scope(e.vpc_id.as_deref());
            b.gap_in(format!("network interface `{id}` uses security group `{gid}`, which is not in the snapshot"), ALL, f::GapKind::SecurityGroups, scope);
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
                continue;
            }
            return Err(loc.err(
                "Groups",
                format!(
                    "network interface `{id}` has no security groups, which AWS does not allow"
                ),
            ));
        }
        let managed = !matches!(owner, Owner::Workload);
        if let Owner::Owned(o) = &owner
            && let Some(lb) = &o.load_balancer
        {
            lb_has_eni.insert(lb.value.clone());
        }
        let instance = e
            .attachment
            .as_ref()
            .and_then(|a| a.instance_id.as_ref())
            .filter(|i| instances.contains_key(*i))
            .and_then(|i| b.get(i));
        let attached = match e.attachment.as_ref().and_then(|a| a.status.as_deref()) {
            Some("attached" | "attaching") => None,
            Some(_) => Some(false),
            None if managed => None,
            None => Some(false),
        };
        let mut private_ips = Vec::new();
        for (addr, public, alloc) in eni_ips(loc, id, e, &eips)? {
            let public = public.map(|p| {
                let clash = dup_public.get(&p).filter(|h| h.len() > 1);
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
                            vpc.as_deref(),
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
        if let Some(i) = e.attachment.as_ref().and_then(|a| a.instance_id.as_ref())
            && instance.is_some()
        {
            instance_has_eni.insert(i.clone());
        }
        b.name(id, name_tag(&e.tag_set));
        let device = e
            .attachment
            .as_ref()
            .and_then(|a| a.device_index)
            .unwrap_or(i64::MAX);
        eni_out.push((
            instance.clone(),
            device,
            id.clone(),
            sp(f::NetworkInterface {
                name: sp(b.get(id).unwrap_or_else(|| id.clone())),
                aws_id: Some(id.clone()),
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
        ));
    }
    // Sorted by id, except that an instance's interfaces sit together in
    // device order, at the place of its primary one: the loader takes an
    // instance's first interface as its primary (C-3.10).
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
    for (id, (_, i)) in &instances {
        if !instance_has_eni.contains(id) {
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

    // ---- Target groups.
    let mut tg_targets: HashMap<String, Vec<Sp<f::Target>>> = HashMap::new();
    for (loc, h) in &target_health {
        let Some(arn) = &h.target_group_arn else {
            return Err(loc.err("TargetGroupArn", "missing".into()));
        };
        let Some((_, tg)) = target_groups.get(arn) else {
            b.notes.push(format!(
                "target health for unknown target group `{arn}` ignored"
            ));
            continue;
        };
        let list = tg_targets.entry(arn.clone()).or_default();
        for d in &h.target_health_descriptions {
            let Some(t) = &d.target else { continue };
            let Some(tid) = &t.id else { continue };
            let port = t
                .port
                .filter(|p| Some(*p) != tg.port)
                .and_then(|p| u32::try_from(p).ok())
                .map(sp);
            if tid.starts_with("i-") {
                if instance_has_eni.contains(tid)
                    && let Some(n) = b.get(tid)
                {
                    list.push(sp(f::Target {
                        instance: Some(sp(n)),
                        ip: None,
                        port,
                    }));
                } else {
                    b.gap_in(
                        format!("target `{tid}` of target group `{arn}` is not in the snapshot"),
                        ALL,
                        f::GapKind::LoadBalancers,
                        None,
                    );
                }
            } else if tid.parse::<IpAddr>().is_ok() {
                list.push(sp(f::Target {
                    instance: None,
                    ip: Some(sp(tid.clone())),
                    port,
                }));
            } else {
                b.notes.push(format!(
                    "target `{tid}` of target group `{arn}` is not modelled"
                ));
            }
        }
    }
    for (arn, (_, tg)) in &target_groups {
        let Some(name) = b.get(arn) else { continue };
        let mut targets = tg_targets.remove(arn).unwrap_or_default();
        targets.sort_by_key(|t| {
            (
                t.instance.as_ref().map(|x| x.value.clone()),
                t.ip.as_ref().map(|x| x.value.clone()),
                t.port.as_ref().map(|x| x.value),
            )
        });
        out.target_groups.push(sp(f::TargetGroup {
            name: sp(name),
            aws_id: Some(arn.clone()),
            target_type: sp(tg.target_type.clone().unwrap_or_default()),
            protocol: sp(tg.protocol.clone().unwrap_or_default()),
            port: sp(tg.port.and_then(|p| u32::try_from(p).ok()).unwrap_or(0)),
            preserve_client_ip: None,
            targets,
        }));
    }

    // ---- Load balancers.
    let mut lb_listeners: HashMap<String, Vec<Sp<f::Listener>>> = HashMap::new();
    for (loc, l) in &listeners {
        let Some(arn) = &l.load_balancer_arn else {
            return Err(loc.err("LoadBalancerArn", "missing".into()));
        };
        let (Some(proto), Some(port)) = (&l.protocol, l.port) else {
            return Err(loc.err("Port", "missing port or protocol".into()));
        };
        let mut actions: Vec<&aws::Action> = l.default_actions.iter().collect();
        actions.sort_by_key(|a| a.order.unwrap_or(i64::MAX));
        let tg = actions
            .iter()
            .filter(|a| a.kind.as_deref() == Some("forward"))
            .find_map(|a| {
                a.target_group_arn.clone().or_else(|| {
                    a.forward_config
                        .as_ref()
                        .and_then(|c| c.target_groups.first())
                        .and_then(|t| t.target_group_arn.clone())
                })
            });
        lb_listeners
            .entry(arn.clone())
            .or_default()
            .push(sp(f::Listener {
                protocol: sp(proto.clone()),
                port: sp(u32::try_from(port).unwrap_or(0)),
                target_group: tg.and_then(|t| b.get(&t)).map(sp),
            }));
    }
    for (arn, (loc, lb)) in &lbs {
        let Some(name) = b.get(arn) else { continue };
        let mut ls = lb_listeners.remove(arn).unwrap_or_default();
        ls.sort_by_key(|l| (l.port.value, l.protocol.value.clone()));
        let mut sgsn = Vec::new();
        for g in &lb.security_groups {
            match b.get(g) {
                Some(n) => sgsn.push(sp(n)),
                None => {
                    let scope = b.vpc_scope(lb_vpcs(lb).iter().map(String::as_str));
                    b.gap_in(format!("load balancer `{name}` uses security group `{g}`, which is not in the snapshot"), ALL, f::GapKind::SecurityGroups, scope);
                }
            }
        }
        let mut subnets_n = Vec::new();
        for z in &lb.availability_zones {
            if let Some(s) = &z.subnet_id {
                match b.get(s).filter(|_| subnet_ids.contains(s)) {
                    Some(n) => subnets_n.push(sp(n)),
                    None => {
                        let scope = b.vpc_scope(lb_vpcs(lb).iter().map(String::as_str));
                        b.gap_in(
                            format!(
                                "load balancer `{name}` uses subnet `{s}`, which is not in the snapshot"
                            ),
                            ALL,
                            f::GapKind::LoadBalancers,
                            scope,
                        );
                    }
                }
            }
        }
        // Without a scheme, assume the wider exposure and say so.
        let scheme = match &lb.scheme {
            Some(s) if s == "internet-facing" || s == "internal" => s.clone(),
            Some(s) => {
                return Err(loc.err(
                    "Scheme",
                    format!("unknown scheme `{s}` (AWS uses `internet-facing` or `internal`)"),
                ));
            }
            None => {
                let scope = b.vpc_scope(lb_vpcs(lb).iter().map(String::as_str));
                b.gap_in(
                    format!("load balancer `{name}` has no `Scheme`; assumed internet-facing"),
                    ALL,
                    f::GapKind::LoadBalancers,
                    scope,
                );
                "internet-facing".into()
            }
        };
        if !lb_has_eni.contains(&name) {
            b.notes.push(format!("derived nodes for LB {name}"));
        }
        out.load_balancers.push(sp(f::LoadBalancer {
            name: sp(name),
            aws_id: Some(arn.clone()),
            kind: sp(lb.kind.clone().unwrap_or_default()),
            scheme: sp(scheme),
            ip_address_type: lb.ip_address_type.clone().map(sp),
            subnets: subnets_n,
            security_groups: sgsn,
            listeners: ls,
            tags: BTreeMap::new(),
        }));
    }

    // ---- Route tables.
    for (id, (loc, t)) in &route_tables {
        let Some(name) = b.get(id) else { continue };
        let vpc = t.vpc_id.clone().unwrap_or_default();
        let mut routes = Vec::new();
        for (k, r) in t.routes.iter().enumerate() {
            let field = format!("Routes[{k}]");
            if r.gateway_id.as_deref() == Some("local") {
                continue;
            }
            let (destination, prefix_list, dtext) = match (
                &r.destination_cidr_block,
                &r.destination_ipv6_cidr_block,
                &r.destination_prefix_list_id,
            ) {
                (Some(c), _, _) => {
                    let c = cidr(loc, &format!("{field}.DestinationCidrBlock"), c)?;
                    (Some(c.clone()), None, c)
                }
                (None, Some(c), _) => {
                    let c = cidr(loc, &format!("{field}.DestinationIpv6CidrBlock"), c)?;
                    (Some(c.clone()), None, c)
                }
                (None, None, Some(p)) => (None, b.get(p), p.clone()),
                (None, None, None) => {
                    return Err(loc.err(
                        &format!("{field}.DestinationCidrBlock"),
                        "missing destination".into(),
                    ));
                }
            };
            let target_id = [
                &r.gateway_id,
                &r.egress_only_internet_gateway_id,
                &r.nat_gateway_id,
                &r.vpc_peering_connection_id,
                &r.transit_gateway_id,
                &r.network_interface_id,
                &r.instance_id,
                &r.local_gateway_id,
                &r.carrier_gateway_id,
                &r.core_network_arn,
            ]
            .into_iter()
            .find_map(|x| x.clone());
            let blackhole = r.state.as_deref() == Some("blackhole");
            let propagated = r.origin.as_deref() == Some("EnableVgwRoutePropagation");
            // A route's interface must be one that was imported.
            let known = |x: &str| -> Option<String> {
                if x.starts_with("eni-")
                    && !out
                        .network_interfaces
                        .iter()
                        .any(|e| e.aws_id.as_deref() == Some(x))
                {
                    return None;
                }
                if x.starts_with("i-") && !instance_has_eni.contains(x) {
                    return None;
                }
                b.get(x)
            };
            let target = match target_id.as_deref().map(|x| (x, known(x))) {
                Some((_, Some(n))) => n,
                _ if blackhole => "blackhole".to_string(),
                Some((x, None)) => {
                    let scope = b.vpc_scope([vpc.as_str()]);
                    b.gap_in(
                        format!("route table `{id}`: route to {dtext} via `{x}` dropped: target not in the snapshot"),
                        ALL,
                        f::GapKind::Routes,
                        scope,
                    );
                    continue;
                }
                None => {
                    let scope = b.vpc_scope([vpc.as_str()]);
                    b.gap_in(
                        format!(
                            "route table `{id}`: route to {dtext} has no target the importer knows"
                        ),
                        ALL,
                        f::GapKind::Routes,
                        scope,
                    );
                    continue;
                }
            };
            let route = sp(f::Route {
                destination: destination.map(sp),
                prefix_list: prefix_list.map(sp),
                target: sp(target),
                state: blackhole.then(|| sp("blackhole".to_string())),
                origin: propagated.then(|| sp("propagated".to_string())),
            });
            // One route per destination in AWS: the same record twice is one
            // route; two different ones cannot be.
            let same_dest = |r: &&Sp<f::Route>| {
                r.value.destination.as_ref().map(|d| &d.value)
                    == route.value.destination.as_ref().map(|d| &d.value)
                    && r.value.prefix_list.as_ref().map(|d| &d.value)
                        == route.value.prefix_list.as_ref().map(|d| &d.value)
            };
            let key = |r: &Sp<f::Route>| serde_json::to_string(&r.value).unwrap_or_default();
            match routes.iter().find(same_dest) {
                Some(r) if key(r) == key(&route) => {}
                Some(_) => {
                    return Err(loc.err(&field, format!("a second, different route to `{dtext}`")));
                }
                None => routes.push(route),
            }
        }
        let edge = t
            .associations
            .iter()
            .filter_map(|a| a.gateway_id.as_ref())
            .filter_map(|g| b.get(g))
            .map(sp)
            .collect();
        let propagating = t
            .propagating_vgws
            .iter()
            .filter_map(|g| g.gateway_id.as_ref())
            .filter_map(|g| b.get(g))
            .map(sp)
            .collect();
        out.route_tables.push(sp(f::RouteTable {
            name: sp(name),
            aws_id: Some(id.clone()),
            vpc: sp(b.get(&vpc).unwrap_or(vpc)),
            main: t.associations.iter().any(|a| a.main == Some(true)),
            edge_associations: edge,
            propagating_gateways: propagating,
            routes,
            tags: tags(&t.tags),
        }));
    }

    // ---- Missing outputs: never treat absent data as complete.
    for ((account, region), present) in &scopes {
        if !present.contains("Vpcs") {
            continue;
        }
        let at = scope_text(account, region);
        let has = |k: &str| present.contains(k);
        if !has("NetworkInterfaces") && !has("Reservations") {
            b.gap_in(
                format!("snapshot has neither network interfaces nor instances{at}"),
                ALL,
                f::GapKind::Resources,
                scope_place(account, region),
            );
        }
        // Without `NetworkAcls`, every subnet gets AWS's default NACL, which
        // allows everything (C-4.1): only paths through them rely on it.
        for (k, what, kind) in [
            ("Subnets", "subnets", f::GapKind::Resources),
            ("RouteTables", "route tables", f::GapKind::Routes),
            (
                "NetworkAcls",
                "network acls",
                f::GapKind::AssumedDefaultNacls,
            ),
            (
                "SecurityGroups",
                "security groups",
                f::GapKind::SecurityGroups,
            ),
        ] {
            if !has(k) {
                b.gap_in(
                    format!("snapshot has no {what} (`{k}`){at}"),
                    ALL,
                    kind,
                    scope_place(account, region),
                );
            }
        }
    }

    hybrid::build(
        &mut b,
        &mut out,
        hybrid::HybridRaw {
            tgws,
            attachments: tgw_attachments,
            vpc_attachments: tgw_vpc_attachments,
            route_tables: tgw_route_tables,
            routes: tgw_routes,
            propagations: tgw_propagations,
            associations: tgw_associations,
            vpns: vpn_connections,
            cgws: customer_gateways,
            connections: dx_connections,
            lags: dx_lags,
            vifs: dx_vifs,
            dx_gateways,
            dx_associations,
            scopes: scopes.clone(),
        },
    )?;

    sort_unordered(&mut out);

    // A scope names only VPCs the file defines; otherwise everywhere.
    let defined: HashSet<&str> = out
        .vpcs
        .iter()
        .map(|v| v.value.name.value.as_str())
        .collect();
    let gaps: Vec<Sp<f::Gap>> = b
        .gaps
        .into_iter()
        .map(|(what, g)| {
            let scope = g
                .scope
                .filter(|sc| sc.vpcs.iter().all(|v| defined.contains(v.value.as_str())));
            sp(f::Gap {
                what: sp(what),
                affects: g.affects.into_iter().map(sp).collect(),
                kind: (g.kind != f::GapKind::Other).then(|| sp(g.kind)),
                scope: scope.map(sp),
            })
        })
        .collect();
    out.gaps = gaps;
    Ok(Imported {
        file: out,
        skipped_keys: skipped,
        notes: b.notes,
    })
}

use aws::PortRange as PortRangeVals;

fn tags(t: &[aws::Tag]) -> f::Tags {
    t.iter()
        .filter_map(|x| Some((x.key.clone()?, x.value.clone().unwrap_or_default())))
        .collect()
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

fn sg_rules(
    b: &mut B,
    loc: &Loc,
    sg: &str,
    vpc: Option<&str>,
    key: &str,
    perms: &[aws::IpPermission],
) -> Result<Vec<Sp<f::SgRule>>, ImportError> {
    let mut out = Vec::new();
    for (k, p) in perms.iter().enumerate() {
        let field = format!("{key}[{k}]");
        let proto = protocol(
            loc,
            &format!("{field}.IpProtocol"),
            p.ip_protocol.as_deref().unwrap_or("-1"),
        )?;
        let (ports, it, ic) = match proto.as_str() {
            "tcp" | "udp" => match (p.from_port, p.to_port) {
                (Some(a), Some(z)) if a >= 0 && z >= 0 => {
                    (Some(sp(Scalar(port_range(a, z)))), None, None)
                }
                _ => (None, None, None),
            },
            "icmp" | "icmpv6" => (
                None,
                p.from_port
                    .filter(|v| *v >= 0)
                    .and_then(|v| i32::try_from(v).ok()),
                p.to_port
                    .filter(|v| *v >= 0)
                    .and_then(|v| i32::try_from(v).ok()),
            ),
            _ => (None, None, None),
        };
        let base = f::SgRule {
            protocol: sp(Scalar(proto.clone())),
            ports,
            icmp_type: it.map(sp),
            icmp_code: ic.map(sp),
            ..Default::default()
        };
        for (j, r) in p.ip_ranges.iter().enumerate() {
            let Some(c) = &r.cidr_ip else { continue };
            let mut x = base.clone();
            x.cidr = Some(sp(cidr(loc, &format!("{field}.IpRanges[{j}].CidrIp"), c)?));
            x.description.clone_from(&r.description);
            out.push(sp(x));
        }
        for (j, r) in p.ipv6_ranges.iter().enumerate() {
            let Some(c) = &r.cidr_ipv6 else { continue };
            let mut x = base.clone();
            x.cidr = Some(sp(cidr(
                loc,
                &format!("{field}.Ipv6Ranges[{j}].CidrIpv6"),
                c,
            )?));
            x.description.clone_from(&r.description);
            out.push(sp(x));
        }
        for r in &p.prefix_list_ids {
            let Some(id) = &r.prefix_list_id else {
                continue;
            };
            let Some(n) = b.get(id) else { continue };
            let mut x = base.clone();
            x.prefix_list = Some(sp(n));
            x.description.clone_from(&r.description);
            out.push(sp(x));
        }
        for r in &p.user_id_group_pairs {
            let Some(id) = &r.group_id else { continue };
            match b.get(id) {
                Some(n) => {
                    let mut x = base.clone();
                    x.security_group = Some(sp(n));
                    x.description.clone_from(&r.description);
                    out.push(sp(x));
                }
                None => {
                    let scope = b.vpc_scope(vpc);
                    b.gap_in(
                        format!("security group `{sg}` rule {field} references group `{id}`, which is not in the snapshot"),
                        ALL,
                        f::GapKind::SecurityGroups,
                        scope,
                    );
                }
            }
        }
    }
    Ok(out)
}

/// The NAT gateway each interface belongs to, by every signal AWS gives
/// (C-7.1): the gateway's own `NatGatewayAddresses[].NetworkInterfaceId`, the
/// interface's description `Interface for NAT Gateway nat-…`, or its
/// `InterfaceType` `nat_gateway`, `RequesterManaged` or `RequesterId` with
/// the gateway's address in the gateway's subnet.
fn nat_interfaces(
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

/// An interface's private IPv4 addresses as they are imported, primary
/// first, then by address (so the API's order does not matter): each with
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

/// Sort the lists whose order AWS does not define (an interface's security
/// groups, a group's rules, a table's routes, …), so that the same account
/// gives the same bytes whatever order the API returns things in. Lists
/// whose order means something are left alone: DHCP name servers, an
/// instance's interfaces (device order), a VPC's primary CIDR (first).
fn sort_unordered(out: &mut f::TopologyFile) {
    fn names(v: &mut Vec<Sp<String>>) {
        v.sort_by(|a, b| a.value.cmp(&b.value));
        v.dedup_by(|a, b| a.value == b.value);
    }
    fn by_json<T: serde::Serialize>(v: &mut [Sp<T>]) {
        v.sort_by_cached_key(|x| serde_json::to_string(&x.value).unwrap_or_default());
    }
    for v in &mut out.vpcs {
        // The first CIDR is the primary one; the others in address order.
        if let Some((_, rest)) = v.value.cidrs.split_first_mut() {
            rest.sort_by(|a, b| a.value.cmp(&b.value));
        }
        names(&mut v.value.ipv6_cidrs);
    }
    for g in &mut out.security_groups {
        by_json(&mut g.value.ingress);
        by_json(&mut g.value.egress);
    }
    for t in &mut out.route_tables {
        by_json(&mut t.value.routes);
        names(&mut t.value.edge_associations);
        names(&mut t.value.propagating_gateways);
    }
    for e in &mut out.network_interfaces {
        names(&mut e.value.security_groups);
        names(&mut e.value.ipv6_addresses);
        names(&mut e.value.ipv4_prefixes);
        names(&mut e.value.ipv6_prefixes);
    }
    for l in &mut out.load_balancers {
        names(&mut l.value.subnets);
        names(&mut l.value.security_groups);
    }
    for e in &mut out.vpc_endpoints {
        names(&mut e.value.route_tables);
        names(&mut e.value.subnets);
        names(&mut e.value.security_groups);
    }
    for p in &mut out.prefix_lists {
        if let Some(es) = &mut p.value.entries {
            names(es);
        }
    }
    for t in &mut out.transit_gateways {
        for a in &mut t.value.attachments {
            names(&mut a.value.subnets);
        }
        for r in &mut t.value.route_tables {
            names(&mut r.value.associations);
            names(&mut r.value.propagations);
            by_json(&mut r.value.routes);
        }
    }
    for v in &mut out.vpn_connections {
        names(&mut v.value.routes);
    }
    if let Some(dx) = &mut out.direct_connect {
        for g in &mut dx.value.gateways {
            for a in &mut g.value.associations {
                names(&mut a.value.allowed_prefixes);
            }
            by_json(&mut g.value.associations);
        }
    }
}
