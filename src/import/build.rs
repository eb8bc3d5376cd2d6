//! Mapping the typed snapshot records to the topology format.

mod hybrid;

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

fn protocol(p: &str) -> String {
    match p.trim() {
        "-1" | "all" => "all".into(),
        "6" => "tcp".into(),
        "17" => "udp".into(),
        "1" => "icmp".into(),
        "58" => "icmpv6".into(),
        other => other.to_lowercase(),
    }
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

    /// Records a gap of kind `other` that concerns everything: the
    /// fail-closed default, for data whose kind and place are not known.
    /// Every call site in this crate now says both; kept as the one
    /// constructor for new gaps until they do.
    #[allow(dead_code)]
    fn gap(&mut self, what: String, affects: &[&str]) {
        self.gap_in(what, affects, f::GapKind::Other, None);
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
        managed_prefix_lists,
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

    // Prefix lists: described ones, then any referenced but not described.
    let mut pls: BTreeMap<String, PlInfo> = BTreeMap::new();
    for (loc, p) in prefix_lists {
        let Some(id) = p.prefix_list_id.clone() else {
            return Err(loc.err("PrefixListId", "missing".into()));
        };
        let mut entries = Vec::new();
        if let Some(cs) = &p.cidrs {
            for (k, c) in cs.iter().enumerate() {
                entries.push(cidr(&loc, &format!("Cidrs[{k}]"), c)?);
            }
        }
        pls.entry(id).or_insert((
            p.prefix_list_name.clone(),
            p.cidrs.as_ref().map(|_| entries),
        ));
    }
    for (loc, p) in managed_prefix_lists {
        let Some(id) = p.prefix_list_id.clone() else {
            return Err(loc.err("PrefixListId", "missing".into()));
        };
        let entries = match prefix_list_entries.get(&id) {
            Some(es) => {
                let mut v = Vec::new();
                for c in es {
                    v.push(cidr(&loc, "Entries", c)?);
                }
                Some(v)
            }
            None => None,
        };
        let name = name_tag(&p.tags)
            .map(str::to_string)
            .or(p.prefix_list_name.clone());
        // An AWS-managed list is in both outputs; `describe-prefix-lists`
        // may lack its CIDRs (emulators), the entries call has them.
        let e = pls.entry(id).or_insert((name, None));
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
        if vpc_known(&e.vpc_id) {
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
            region: loc.region.clone(),
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
            let proto = protocol(e.protocol.as_deref().unwrap_or("-1"));
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
            let action = e.rule_action.clone().unwrap_or_default().to_lowercase();
            let rule = sp(f::NaclRule {
                rule: sp(u32::try_from(n).unwrap_or(0)),
                action: sp(action),
                protocol: sp(Scalar(proto)),
                ports,
                icmp_type: it.map(sp),
                icmp_code: ic.map(sp),
                cidr: sp(c),
            });
            if e.egress == Some(true) {
                egress.push(rule);
            } else {
                ingress.push(rule);
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
    let mut eips: HashMap<(String, String), (Option<String>, Option<String>)> = HashMap::new();
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
        let mut ips: Vec<(usize, &aws::PrivateIp)> =
            e.private_ip_addresses.iter().enumerate().collect();
        ips.sort_by_key(|(k, p)| (p.primary != Some(true), *k));
        let mut private_ips = Vec::new();
        for (k, p) in ips {
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
            let eip = eips.get(&(id.clone(), addr.clone()));
            let public = assoc
                .and_then(|a| a.public_ip.clone())
                .or_else(|| eip.and_then(|x| x.1.clone()))
                .map(|x| ip(loc, &format!("{field}.Association.PublicIp"), &x))
                .transpose()?;
            let alloc = assoc
                .and_then(|a| a.allocation_id.clone())
                .or_else(|| eip.and_then(|x| x.0.clone()));
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
    for (arn, (_, lb)) in &lbs {
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
            Some(s) => s.clone(),
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
            routes.push(sp(f::Route {
                destination: destination.map(sp),
                prefix_list: prefix_list.map(sp),
                target: sp(target),
                state: blackhole.then(|| sp("blackhole".to_string())),
                origin: propagated.then(|| sp("propagated".to_string())),
            }));
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
    if let Some(rest) = desc.strip_prefix("Interface for NAT Gateway ") {
        let id = rest.trim();
        return match b.get(id).filter(|_| nats.contains_key(id)) {
            Some(n) => owned(f::EniOwner {
                nat_gateway: Some(sp(n)),
                ..Default::default()
            }),
            None => unjoinable(format!("nat gateway `{id}` is not in the snapshot")),
        };
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
        let proto = protocol(p.ip_protocol.as_deref().unwrap_or("-1"));
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
