//! Mapping the typed snapshot records to the topology format.
//!
//! [`build`] is a short driver: it indexes the snapshot's records by id
//! ([`index`]), then runs one step per resource family, in a fixed order,
//! over one [`Ctx`]: first every family's names (in a fixed kind order, so
//! that names never depend on which records exist), then every family's
//! part of the file. The order of the steps is the order of the gaps'
//! first records and of the notes, so it is kept as it is.

mod endpoints;
mod eni;
mod gateways;
mod hybrid;
mod lb;
mod prefix_lists;
mod region;
mod routing;
mod s3;
mod security;
mod vpc;

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};
use std::net::IpAddr;

use ipnet::IpNet;

use super::aws;
use super::read::{Items, Loc, Raw};
use super::{ImportError, Imported};
use crate::model::format as f;
use crate::model::{Scalar, Sp};

/// A prefix list: its name and, when known, its entries.
type PlInfo = (Option<String>, Option<Vec<String>>);

/// Elastic IPs by (interface, private address): (allocation id, public IP).
type Eips = HashMap<(String, String), (Option<String>, Option<String>)>;

/// Records of one kind by id, each with where it was read.
type Recs<T> = BTreeMap<String, (Loc, T)>;

/// Top-level keys per (account, Region) folder.
type Scopes = BTreeMap<(Option<String>, Option<String>), BTreeSet<String>>;

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

/// The snapshot's records (except the hybrid ones, see
/// [`hybrid::HybridRaw`]), by id; deleted and duplicate records are left
/// out as [`index`] says.
struct Snap {
    vpcs: Recs<aws::Vpc>,
    dhcp: Recs<aws::DhcpOptions>,
    vpc_attributes: Items<aws::VpcAttribute>,
    subnets: Recs<aws::Subnet>,
    route_tables: Recs<aws::RouteTable>,
    nacls: Recs<aws::NetworkAcl>,
    sgs: Recs<aws::SecurityGroup>,
    /// Instances that are not terminated, from every reservation.
    instances: Recs<aws::Instance>,
    /// Interfaces, including those described only inside an instance.
    enis: Recs<aws::NetworkInterface>,
    addresses: Items<aws::Address>,
    igws: Recs<aws::InternetGateway>,
    eigws: Recs<aws::EgressOnlyInternetGateway>,
    nats: Recs<aws::NatGateway>,
    endpoints: Recs<aws::VpcEndpoint>,
    /// Prefix lists, described or only referenced.
    pls: BTreeMap<String, PlInfo>,
    peerings: Recs<aws::PeeringConnection>,
    lbs: Recs<aws::LoadBalancer>,
    /// Classic Load Balancers, by name.
    classic_lbs: Recs<aws::ClassicLoadBalancer>,
    /// Cross-zone balancing of classic load balancers, by name, where read.
    classic_cross_zone: BTreeMap<String, bool>,
    listeners: Items<aws::Listener>,
    target_groups: Recs<aws::TargetGroup>,
    target_health: Items<aws::TargetHealth>,
    tgws: Recs<aws::TransitGateway>,
    vgws: Recs<aws::VpnGateway>,
    zones: Items<aws::AvailabilityZone>,
    /// The transit gateway of each attachment id.
    tgw_of_attachment: BTreeMap<String, String>,
    /// The NAT gateway of each interface (see [`gateways::nat_interfaces`]).
    nat_of_eni: BTreeMap<String, String>,
    scopes: Scopes,
    /// S3 outputs (see [`s3`]).
    s3: super::read::S3Raw,
}

impl Snap {
    fn vpc_known(&self, id: &Option<String>) -> bool {
        id.as_ref().is_some_and(|v| self.vpcs.contains_key(v))
    }

    /// The VPCs of a load balancer's subnets.
    fn lb_vpcs(&self, lb: &aws::LoadBalancer) -> Vec<String> {
        lb.availability_zones
            .iter()
            .filter_map(|z| self.subnets.get(z.subnet_id.as_deref()?))
            .filter_map(|(_, s)| s.vpc_id.clone())
            .collect()
    }

    /// The VPC of a subnet, by AWS id.
    fn subnet_vpc_of(&self, s: &str) -> Option<String> {
        self.subnets.get(s).and_then(|(_, x)| x.vpc_id.clone())
    }
}

/// What one step finds that a later step needs.
#[derive(Default)]
struct Ids {
    /// The subnets that are imported.
    subnet_ids: BTreeSet<String>,
    /// Prefix list ids by name (`com.amazonaws.<region>.s3`, …).
    pl_by_service: HashMap<String, String>,
    /// The Region of each VPC, where the snapshot says it.
    vpc_region: HashMap<String, String>,
    /// Load balancers (by name) with an imported interface.
    lb_has_eni: HashSet<String>,
    /// Instances (by id) with an imported interface.
    instance_has_eni: HashSet<String>,
}

/// Everything a family step reads and writes: the snapshot, the names,
/// gaps and notes found so far, the file being built, and what earlier
/// steps found.
struct Ctx {
    raw: Snap,
    b: B,
    out: f::TopologyFile,
    ids: Ids,
}

pub fn build(raw: Raw) -> Result<Imported, ImportError> {
    let (mut cx, mut hybrid_raw, skipped) = index(raw)?;
    {
        let cx = &mut cx;

        // ---- Names, in a fixed kind order, each kind sorted by id.
        prefix_lists::name(cx);
        vpc::name_vpcs(cx);
        vpc::name_subnets(cx);
        routing::name(cx);
        security::name(cx);
        eni::name_instances(cx);
        gateways::name_internet(cx);
        gateways::name_nats(cx);
        lb::name(cx);
        endpoints::name(cx);
        vpc::name_peerings(cx);
        gateways::name_hybrid(cx);

        // ---- The file, family by family.
        prefix_lists::write(cx);
        vpc::regions(cx);
        vpc::write_vpcs(cx)?;
        vpc::write_subnets(cx)?;
        security::write_nacls(cx)?;
        security::write_sgs(cx)?;
        gateways::write(cx)?;
        endpoints::write(cx);
        vpc::write_peerings(cx);
        eni::write(cx)?;
        lb::write_target_groups(cx)?;
        lb::write_lbs(cx)?;
        routing::write(cx)?;
        s3::write(cx)?;
        missing_outputs(cx);
        hybrid_raw.tgws = std::mem::take(&mut cx.raw.tgws);
        hybrid_raw.scopes = cx.raw.scopes.clone();
        hybrid::build(&mut cx.b, &mut cx.out, hybrid_raw)?;
    }
    let Ctx { b, mut out, .. } = cx;
    sort_unordered(&mut out);
    Ok(finish(b, out, skipped))
}

/// The snapshot's records by id (the hybrid ones apart, for
/// [`hybrid::build`]) and the keys the reader skipped; the context starts
/// with the gaps of a live import.
fn index(raw: Raw) -> Result<(Ctx, hybrid::HybridRaw, BTreeMap<String, usize>), ImportError> {
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
    for g in raw.import_gaps {
        let scope = scope_place(&None, &g.region);
        b.gaps.entry(g.what).or_insert(GapRecord {
            affects: g.affects,
            kind: g.kind.unwrap_or_default(),
            scope,
        });
    }

    let vpcs = by_id(raw.vpcs, "VpcId", |v| v.vpc_id.clone())?;
    let dhcp = by_id(raw.dhcp, "DhcpOptionsId", |v| v.dhcp_options_id.clone())?;
    let subnets = by_id(raw.subnets, "SubnetId", |v| v.subnet_id.clone())?;
    let route_tables = by_id(raw.route_tables, "RouteTableId", |v| {
        v.route_table_id.clone()
    })?;
    let nacls = by_id(raw.nacls, "NetworkAclId", |v| v.network_acl_id.clone())?;
    let sgs = by_id(raw.sgs, "GroupId", |v| v.group_id.clone())?;
    let igws = by_id(raw.igws, "InternetGatewayId", |v| {
        v.internet_gateway_id.clone()
    })?;
    let eigws = by_id(raw.eigws, "EgressOnlyInternetGatewayId", |v| {
        v.egress_only_internet_gateway_id.clone()
    })?;
    let nats = by_id(raw.nats, "NatGatewayId", |v| v.nat_gateway_id.clone())?;
    let endpoints = by_id(raw.endpoints, "VpcEndpointId", |v| {
        v.vpc_endpoint_id.clone()
    })?;
    let peerings = by_id(raw.peerings, "VpcPeeringConnectionId", |v| {
        v.vpc_peering_connection_id.clone()
    })?;
    let lbs = by_id(raw.lbs, "LoadBalancerArn", |v| v.load_balancer_arn.clone())?;
    let classic_lbs = by_id(raw.classic_lbs, "LoadBalancerName", |v| {
        v.load_balancer_name.clone()
    })?;
    let classic_cross_zone: BTreeMap<String, bool> = raw
        .classic_lb_attributes
        .iter()
        .filter_map(|(_, a)| {
            let on = a.cross_zone_load_balancing.as_ref()?.enabled?;
            Some((a.load_balancer_name.clone()?, on))
        })
        .collect();
    let target_groups = by_id(raw.target_groups, "TargetGroupArn", |v| {
        v.target_group_arn.clone()
    })?;
    let tgws = by_id(raw.tgws, "TransitGatewayId", |v| {
        v.transit_gateway_id.clone()
    })?;
    let vgws = by_id(raw.vgws, "VpnGatewayId", |v| v.vpn_gateway_id.clone())?;
    let tgw_of_attachment = tgw_of_attachment(&raw.tgw_attachments, &raw.tgw_vpc_attachments);
    let (instances, enis) = eni::instances_and_interfaces(raw.reservations, raw.enis, &mut b)?;
    let nat_of_eni = gateways::nat_interfaces(&nats, &enis);
    let pls = prefix_lists::collect(
        raw.prefix_lists,
        &raw.prefix_list_entries,
        &route_tables,
        &sgs,
    )?;
    let snap = Snap {
        vpcs,
        dhcp,
        vpc_attributes: raw.vpc_attributes,
        subnets,
        route_tables,
        nacls,
        sgs,
        instances,
        enis,
        addresses: raw.addresses,
        igws,
        eigws,
        nats,
        endpoints,
        pls,
        peerings,
        lbs,
        classic_lbs,
        classic_cross_zone,
        listeners: raw.listeners,
        target_groups,
        target_health: raw.target_health,
        tgws,
        vgws,
        zones: raw.zones,
        tgw_of_attachment,
        nat_of_eni,
        scopes: raw.scopes,
        s3: raw.s3,
    };
    let hybrid_raw = hybrid::HybridRaw {
        tgws: BTreeMap::new(),
        attachments: raw.tgw_attachments,
        vpc_attachments: raw.tgw_vpc_attachments,
        route_tables: raw.tgw_route_tables,
        routes: raw.tgw_routes,
        propagations: raw.tgw_propagations,
        associations: raw.tgw_associations,
        vpns: raw.vpn_connections,
        cgws: raw.customer_gateways,
        connections: raw.dx_connections,
        lags: raw.dx_lags,
        vifs: raw.dx_vifs,
        dx_gateways: raw.dx_gateways,
        dx_associations: raw.dx_associations,
        scopes: BTreeMap::new(),
    };
    let cx = Ctx {
        raw: snap,
        b,
        out: f::TopologyFile {
            version: sp(1),
            ..Default::default()
        },
        ids: Ids::default(),
    };
    Ok((cx, hybrid_raw, raw.skipped))
}

/// The transit gateway of each attachment id.
fn tgw_of_attachment(
    tgw_attachments: &Items<aws::TgwAttachment>,
    tgw_vpc_attachments: &Items<aws::TgwVpcAttachment>,
) -> BTreeMap<String, String> {
    tgw_attachments
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
        .collect()
}

/// Missing outputs: never treat absent data as complete.
fn missing_outputs(cx: &mut Ctx) {
    let Ctx { raw, b, .. } = cx;
    for ((account, region), present) in &raw.scopes {
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
}

/// The imported file with its gaps, and the notes.
fn finish(b: B, mut out: f::TopologyFile, skipped: BTreeMap<String, usize>) -> Imported {
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
    Imported {
        file: out,
        skipped_keys: skipped,
        notes: b.notes,
    }
}

fn tags(t: &[aws::Tag]) -> f::Tags {
    t.iter()
        .filter_map(|x| Some((x.key.clone()?, x.value.clone().unwrap_or_default())))
        .collect()
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
