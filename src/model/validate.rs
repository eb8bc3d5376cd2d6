//! Validation and resolution: from the parsed [`TopologyFile`] to the
//! resolved [`Topology`] the engine reads.
//!
//! One pass collects every problem it can find. References are resolved by
//! name (names are unique across the whole file), every value is parsed, and
//! the implicit AWS defaults are filled in and marked as such: the default
//! NACL (C-4.1), the main route table and the fallback to it (C-3.1), the NAT
//! gateway's interface (C-7.1), load balancer nodes (C-14.1), NLB client IP
//! preservation (C-14.4) and the routes of gateway endpoints (C-13.1).
//!
//! While there are errors, an unresolved reference is the index [`BAD`]:
//! every later lookup goes through `get`, so a broken reference silently
//! skips the checks that depend on it instead of cascading into more errors.

use std::collections::HashMap;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use ipnet::{IpNet, Ipv4Net, Ipv6Net};

use super::error::{Diagnostic, LoadError};
use super::format::{self as f, AddressFamily, TopologyFile};
use super::fuzzy::{did_you_mean, one_of};
use super::resolved::{
    self as r, BpaExclusionMode, BpaMode, EndpointKind, EniOwner, GatewayRef, IpAddressType,
    LbKind, LbProtocol, Meta, PortMatch, Proto, PublicIp, ResourceRef, RouteDest, RouteTarget,
    TargetRef, TargetType, Topology,
};
use super::spanned::{Pos, Scalar, Sp};
use super::values::{self, Field, Problem};

mod hybrid;

/// The index of a reference that did not resolve (only while there are errors).
const BAD: usize = usize::MAX;

/// Errors after which "did you mean" suggestions stop.
const MAX_SUGGESTIONS: usize = 200;

/// Validate and resolve an already-parsed topology. `name` is the file name
/// used in diagnostics and stored in `Topology.file`. Values built in code
/// have unknown positions (`0:0`).
pub fn resolve(file: TopologyFile, name: &str) -> Result<Topology, LoadError> {
    // Connections that no on-prem network names get the networks AWS's
    // routes imply (declared ones win where they cover).
    let file = super::hybrid::with_derived_on_prem_networks(file);
    let (mut topo, mut diags) = {
        let mut v = V::new(&file, name);
        v.run();
        (v.t, v.diags)
    };
    if !diags.is_empty() {
        diags.sort_by_key(|d| (d.line, d.column));
        return Err(LoadError::Invalid(diags));
    }
    topo.file = name.to_owned();
    topo.tags = tags_of(&file, &topo.names);
    Ok(topo)
}

/// The tags of the resources `tag:` selectors pick, by resource.
fn tags_of(
    file: &TopologyFile,
    names: &HashMap<String, ResourceRef>,
) -> HashMap<ResourceRef, f::Tags> {
    let tagged = file
        .vpcs
        .iter()
        .map(|x| (&x.name, &x.tags))
        .chain(file.subnets.iter().map(|x| (&x.name, &x.tags)))
        .chain(file.security_groups.iter().map(|x| (&x.name, &x.tags)))
        .chain(file.instances.iter().map(|x| (&x.name, &x.tags)))
        .chain(file.network_interfaces.iter().map(|x| (&x.name, &x.tags)))
        .chain(file.load_balancers.iter().map(|x| (&x.name, &x.tags)))
        .chain(file.nat_gateways.iter().map(|x| (&x.name, &x.tags)));
    tagged
        .filter(|(_, t)| !t.is_empty())
        .filter_map(|(n, t)| Some((*names.get(&n.value)?, t.clone())))
        .collect()
}

/// The kinds of named resources.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    PrefixList,
    Vpc,
    Subnet,
    RouteTable,
    Nacl,
    SecurityGroup,
    Instance,
    Eni,
    Igw,
    Eigw,
    Nat,
    LoadBalancer,
    TargetGroup,
    Endpoint,
    Peering,
    Tgw,
    TgwAttachment,
    TgwRouteTable,
    Vgw,
    Cgw,
    Vpn,
    DxConnection,
    DxLag,
    Vif,
    DxGateway,
    OnPrem,
}

impl Kind {
    /// The kind in messages; it names the section of the file.
    fn label(self) -> &'static str {
        match self {
            Kind::PrefixList => "prefix list",
            Kind::Vpc => "vpc",
            Kind::Subnet => "subnet",
            Kind::RouteTable => "route table",
            Kind::Nacl => "network acl",
            Kind::SecurityGroup => "security group",
            Kind::Instance => "instance",
            Kind::Eni => "network interface",
            Kind::Igw => "internet gateway",
            Kind::Eigw => "egress-only internet gateway",
            Kind::Nat => "nat gateway",
            Kind::LoadBalancer => "load balancer",
            Kind::TargetGroup => "target group",
            Kind::Endpoint => "vpc endpoint",
            Kind::Peering => "peering connection",
            Kind::Tgw => "transit gateway",
            Kind::TgwAttachment => "transit gateway attachment",
            Kind::TgwRouteTable => "transit gateway route table",
            Kind::Vgw => "vpn gateway",
            Kind::Cgw => "customer gateway",
            Kind::Vpn => "vpn connection",
            Kind::DxConnection => "direct connect connection",
            Kind::DxLag => "direct connect lag",
            Kind::Vif => "virtual interface",
            Kind::DxGateway => "direct connect gateway",
            Kind::OnPrem => "on-prem network",
        }
    }

    /// "a vpc", "an instance".
    fn a(self) -> String {
        article(self.label())
    }
}

fn article(label: &str) -> String {
    let an = label.starts_with(['a', 'e', 'i', 'o', 'u']);
    format!("{} {label}", if an { "an" } else { "a" })
}

/// `Status.Code` values of a peering connection; only `active` carries traffic (C-8.1).
const PEERING_STATUSES: &[(&str, bool)] = &[
    ("active", true),
    ("initiating-request", false),
    ("pending-acceptance", false),
    ("provisioning", false),
    ("deleting", false),
    ("deleted", false),
    ("rejected", false),
    ("failed", false),
    ("expired", false),
];

/// Kinds a route may target by name (C-3.10).
const ROUTE_TARGETS: &[Kind] = &[
    Kind::Igw,
    Kind::Eigw,
    Kind::Nat,
    Kind::Peering,
    Kind::Endpoint,
    Kind::Eni,
    Kind::Instance,
    Kind::Tgw,
    Kind::Vgw,
];

#[derive(Debug, Clone, Copy)]
struct Entry {
    kind: Kind,
    idx: usize,
    pos: Pos,
}

/// `" (line 12)"`, or nothing when the position is unknown.
fn at_line(pos: Pos) -> String {
    if pos.is_unknown() {
        String::new()
    } else {
        format!(" (line {})", pos.line)
    }
}

fn meta(name: &Sp<String>, aws_id: &Option<String>) -> Meta {
    Meta {
        name: name.value.clone(),
        aws_id: aws_id.clone(),
        pos: name.pos,
    }
}

fn list(nets: &[impl std::fmt::Display]) -> String {
    nets.iter()
        .map(|n| format!("`{n}`"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// IPv4 and IPv6 addresses on one number line, for overlap checks.
fn span(net: IpNet) -> (bool, u128, u128) {
    match net {
        IpNet::V4(n) => (
            false,
            u32::from(n.network()).into(),
            u32::from(n.broadcast()).into(),
        ),
        IpNet::V6(n) => (true, n.network().into(), n.broadcast().into()),
    }
}

struct V<'a> {
    src: &'a TopologyFile,
    file: &'a str,
    diags: Vec<Diagnostic>,
    names: HashMap<&'a str, Entry>,
    /// Names given to derived resources (default NACLs, NAT and LB interfaces).
    derived_names: Vec<(String, ResourceRef)>,
    t: Topology,
    /// For each entry of `t.others`: its kind and its index in its section
    /// (or, for GWLB endpoints, in `vpc_endpoints`).
    other_src: Vec<(Kind, usize)>,
    /// The `others` entry of each gateway-load-balancer endpoint.
    gwlbe_other: HashMap<r::EndpointId, usize>,
    /// Private addresses in use, per VPC, with who uses them.
    used: HashMap<(r::VpcId, IpAddr), (String, Pos)>,
    /// The address family of each prefix list, declared or inferred.
    pl_family: Vec<Option<AddressFamily>>,
    /// Interfaces declared with `owner: {nat_gateway: …}`, per NAT.
    nat_enis: HashMap<r::NatId, Vec<r::EniId>>,
    /// Interfaces declared with `owner: {load_balancer: …}`, per LB.
    lb_enis: HashMap<r::LbId, Vec<r::EniId>>,
    /// Known public IPv4 addresses in the model, with who maps them and
    /// where the address is written, to report one mapped twice.
    public_used: Vec<(Ipv4Addr, String, Pos)>,
}

impl<'a> V<'a> {
    fn new(src: &'a TopologyFile, file: &'a str) -> V<'a> {
        V {
            src,
            file,
            diags: Vec::new(),
            names: HashMap::new(),
            derived_names: Vec::new(),
            t: Topology::default(),
            other_src: Vec::new(),
            gwlbe_other: HashMap::new(),
            used: HashMap::new(),
            pl_family: Vec::new(),
            nat_enis: HashMap::new(),
            lb_enis: HashMap::new(),
            public_used: Vec::new(),
        }
    }

    fn run(&mut self) {
        self.version();
        self.register_names();
        self.prefix_lists();
        self.vpcs();
        self.subnets();
        self.subnet_overlaps();
        self.route_tables();
        self.nacls();
        self.subnet_associations();
        self.security_groups();
        self.gateways();
        self.peerings();
        self.endpoints();
        self.instances();
        self.enis();
        self.nats();
        self.load_balancers();
        self.public_ip_reuse();
        self.target_groups();
        self.routes();
        self.gateway_endpoint_routes();
        self.hybrid();
        self.bpa();
        self.policy();
        self.names_map();
        self.gaps();
    }

    // ----- diagnostics and lookups -------------------------------------

    fn err(&mut self, pos: Pos, message: String, help: Option<String>) {
        self.diags
            .push(Diagnostic::new(self.file, pos, message).with_help_opt(help));
    }

    fn problem(&mut self, pos: Pos, p: Problem) {
        self.err(pos, p.message, p.help);
    }

    fn suggest(&self, name: &str, kinds: &[Kind], extra: &[&'a str]) -> Option<String> {
        // Each suggestion scans every name: past a few hundred errors the
        // file is not a typo away from valid, and the scan would dominate.
        if self.diags.len() > MAX_SUGGESTIONS {
            return None;
        }
        let mut cands: Vec<&str> = self
            .names
            .iter()
            .filter(|(_, e)| kinds.contains(&e.kind))
            .map(|(n, _)| *n)
            .collect();
        cands.extend_from_slice(extra);
        did_you_mean(name, cands)
    }

    /// Resolve a reference to one of `kinds`; `what` names them in messages.
    fn lookup(
        &mut self,
        r: &Sp<String>,
        kinds: &[Kind],
        what: &str,
        ctx: &str,
    ) -> Option<(Kind, usize)> {
        let name = r.value.as_str();
        match self.names.get(name).copied() {
            Some(e) if kinds.contains(&e.kind) => Some((e.kind, e.idx)),
            Some(e) => {
                let help = self.suggest(name, kinds, &[]);
                self.err(
                    r.pos,
                    format!(
                        "{ctx} refers to `{name}`, which is {} and not {}",
                        e.kind.a(),
                        article(what)
                    ),
                    help,
                );
                None
            }
            None => {
                let help = self.suggest(name, kinds, &[]);
                self.err(
                    r.pos,
                    format!("{ctx} refers to unknown {what} `{name}`"),
                    help,
                );
                None
            }
        }
    }

    /// Resolve a reference to one kind; [`BAD`] when it does not resolve.
    fn lookup1(&mut self, r: &Sp<String>, kind: Kind, ctx: &str) -> usize {
        self.lookup(r, &[kind], kind.label(), ctx)
            .map_or(BAD, |(_, i)| i)
    }

    /// One of a fixed set of values (case-insensitive).
    fn choice<T: Copy>(
        &mut self,
        v: &Sp<String>,
        options: &[(&'static str, T)],
        what: &str,
        ctx: &str,
    ) -> Option<T> {
        let t = v.value.trim();
        if let Some((_, x)) = options.iter().find(|(n, _)| n.eq_ignore_ascii_case(t)) {
            return Some(*x);
        }
        let names: Vec<&str> = options.iter().map(|(n, _)| *n).collect();
        let help = did_you_mean(t, names.iter().copied())
            .or_else(|| Some(format!("expected {}", one_of(&names))));
        self.err(v.pos, format!("invalid {what} `{t}` in {ctx}"), help);
        None
    }

    fn cidr(&mut self, v: &Sp<String>, ctx: &str) -> Option<IpNet> {
        values::cidr(&v.value, ctx)
            .map_err(|p| self.problem(v.pos, p))
            .ok()
    }

    fn cidr_v4(&mut self, v: &Sp<String>, ctx: &str) -> Option<Ipv4Net> {
        values::cidr_v4(&v.value, ctx)
            .map_err(|p| self.problem(v.pos, p))
            .ok()
    }

    fn cidr_v6(&mut self, v: &Sp<String>, ctx: &str) -> Option<Ipv6Net> {
        values::cidr_v6(&v.value, ctx)
            .map_err(|p| self.problem(v.pos, p))
            .ok()
    }

    fn vpc_name(&self, v: r::VpcId) -> String {
        self.t
            .vpcs
            .get(v)
            .map(|x| x.meta.name.clone())
            .unwrap_or_default()
    }

    fn subnet_vpc(&self, s: r::SubnetId) -> r::VpcId {
        self.t.subnets.get(s).map_or(BAD, |x| x.vpc)
    }

    /// Report `ctx` (in `vpc`) using `what` `name` that lives in `other`.
    fn same_vpc(
        &mut self,
        pos: Pos,
        ctx: &str,
        vpc: r::VpcId,
        what: Kind,
        name: &str,
        other: r::VpcId,
    ) {
        if vpc != BAD && other != BAD && vpc != other {
            let (a, b) = (self.vpc_name(vpc), self.vpc_name(other));
            self.err(
                pos,
                format!(
                    "{ctx} is in vpc `{a}`, but {} `{name}` belongs to vpc `{b}`",
                    what.label()
                ),
                None,
            );
        }
    }

    /// Record a private address in use; report a second user.
    fn use_address(&mut self, vpc: r::VpcId, addr: IpAddr, who: &str, pos: Pos) {
        if vpc == BAD {
            return;
        }
        match self.used.get(&(vpc, addr)) {
            Some((first, first_pos)) => {
                let msg = format!(
                    "address `{addr}` of {who} is already used by {first}{}",
                    at_line(*first_pos)
                );
                self.err(pos, msg, None);
            }
            None => {
                self.used.insert((vpc, addr), (who.to_owned(), pos));
            }
        }
    }

    fn is_free(&self, vpc: r::VpcId, addr: IpAddr) -> bool {
        !self.used.contains_key(&(vpc, addr))
    }

    /// A name for a derived resource that no other resource uses.
    fn unique_name(&self, base: String) -> String {
        let taken =
            |n: &str| self.names.contains_key(n) || self.derived_names.iter().any(|(d, _)| d == n);
        if !taken(&base) {
            return base;
        }
        (2..)
            .map(|i| format!("{base}-{i}"))
            .find(|n| !taken(n))
            .unwrap_or(base)
    }

    // ----- version and names -------------------------------------------

    fn version(&mut self) {
        let v = &self.src.version;
        if v.value != 1 {
            self.err(
                v.pos,
                format!("unsupported format version `{}`", v.value),
                Some("this version of netverify reads `version: 1`".into()),
            );
        }
    }

    fn register(&mut self, kind: Kind, idx: usize, name: &'a str, pos: Pos) {
        if name.trim().is_empty() {
            self.err(pos, format!("{} name is empty", kind.label()), None);
            return;
        }
        if let Some(first) = self.names.get(name).copied() {
            let by = if first.pos.is_unknown() {
                first.kind.a()
            } else {
                format!("the {} at line {}", first.kind.label(), first.pos.line)
            };
            self.err(
                pos,
                format!("{} name `{name}` is already used by {by}", kind.label()),
                Some("names must be unique across the whole file, whatever the kind".into()),
            );
        } else {
            self.names.insert(name, Entry { kind, idx, pos });
        }
    }

    /// Register a resource of a section the engine does not model yet.
    fn register_other(
        &mut self,
        kind: Kind,
        sec: usize,
        name: &'a str,
        aws_id: Option<String>,
        pos: Pos,
    ) {
        let idx = self.t.others.len();
        self.t.others.push(Meta {
            name: name.to_owned(),
            aws_id,
            pos,
        });
        self.other_src.push((kind, sec));
        self.register(kind, idx, name, pos);
    }

    fn register_names(&mut self) {
        let s = self.src;
        macro_rules! section {
            ($field:ident, $kind:expr) => {
                for (i, x) in s.$field.iter().enumerate() {
                    self.register($kind, i, &x.name.value, x.name.pos);
                }
            };
        }
        section!(prefix_lists, Kind::PrefixList);
        section!(vpcs, Kind::Vpc);
        section!(subnets, Kind::Subnet);
        section!(route_tables, Kind::RouteTable);
        section!(network_acls, Kind::Nacl);
        section!(security_groups, Kind::SecurityGroup);
        section!(instances, Kind::Instance);
        section!(network_interfaces, Kind::Eni);
        section!(internet_gateways, Kind::Igw);
        section!(egress_only_internet_gateways, Kind::Eigw);
        section!(nat_gateways, Kind::Nat);
        section!(load_balancers, Kind::LoadBalancer);
        section!(target_groups, Kind::TargetGroup);
        section!(vpc_endpoints, Kind::Endpoint);
        section!(peering_connections, Kind::Peering);
        let (mut att, mut rtb) = (0, 0);
        for (i, x) in s.transit_gateways.iter().enumerate() {
            self.register_other(Kind::Tgw, i, &x.name.value, x.aws_id.clone(), x.name.pos);
            for a in &x.attachments {
                self.register_other(
                    Kind::TgwAttachment,
                    att,
                    &a.name.value,
                    a.aws_id.clone(),
                    a.name.pos,
                );
                att += 1;
            }
            for t in &x.route_tables {
                self.register_other(
                    Kind::TgwRouteTable,
                    rtb,
                    &t.name.value,
                    t.aws_id.clone(),
                    t.name.pos,
                );
                rtb += 1;
            }
        }
        for (i, x) in s.vpn_gateways.iter().enumerate() {
            self.register_other(Kind::Vgw, i, &x.name.value, x.aws_id.clone(), x.name.pos);
        }
        for (i, x) in s.customer_gateways.iter().enumerate() {
            self.register_other(Kind::Cgw, i, &x.name.value, x.aws_id.clone(), x.name.pos);
        }
        for (i, x) in s.vpn_connections.iter().enumerate() {
            self.register_other(Kind::Vpn, i, &x.name.value, x.aws_id.clone(), x.name.pos);
        }
        if let Some(dx) = &s.direct_connect {
            for (i, x) in dx.connections.iter().enumerate() {
                let (n, id) = (&x.name, x.aws_id.clone());
                self.register_other(Kind::DxConnection, i, &n.value, id, n.pos);
            }
            for (i, x) in dx.lags.iter().enumerate() {
                let (n, id) = (&x.name, x.aws_id.clone());
                self.register_other(Kind::DxLag, i, &n.value, id, n.pos);
            }
            for (i, x) in dx.virtual_interfaces.iter().enumerate() {
                let (n, id) = (&x.name, x.aws_id.clone());
                self.register_other(Kind::Vif, i, &n.value, id, n.pos);
            }
            for (i, x) in dx.gateways.iter().enumerate() {
                let (n, id) = (&x.name, x.aws_id.clone());
                self.register_other(Kind::DxGateway, i, &n.value, id, n.pos);
            }
        }
        for (i, x) in s.on_prem_networks.iter().enumerate() {
            self.register_other(Kind::OnPrem, i, &x.name.value, None, x.name.pos);
        }
    }

    fn names_map(&mut self) {
        let mut map = HashMap::with_capacity(self.names.len() + self.derived_names.len());
        for (name, e) in &self.names {
            let r = match e.kind {
                Kind::PrefixList => ResourceRef::PrefixList(e.idx),
                Kind::Vpc => ResourceRef::Vpc(e.idx),
                Kind::Subnet => ResourceRef::Subnet(e.idx),
                Kind::RouteTable => ResourceRef::RouteTable(e.idx),
                Kind::Nacl => ResourceRef::Nacl(e.idx),
                Kind::SecurityGroup => ResourceRef::SecurityGroup(e.idx),
                Kind::Instance => ResourceRef::Instance(e.idx),
                Kind::Eni => ResourceRef::Eni(e.idx),
                Kind::Igw => ResourceRef::Igw(e.idx),
                Kind::Eigw => ResourceRef::Eigw(e.idx),
                Kind::Nat => ResourceRef::Nat(e.idx),
                Kind::LoadBalancer => ResourceRef::LoadBalancer(e.idx),
                Kind::TargetGroup => ResourceRef::TargetGroup(e.idx),
                Kind::Endpoint => ResourceRef::Endpoint(e.idx),
                Kind::Peering => ResourceRef::Peering(e.idx),
                Kind::Tgw
                | Kind::TgwAttachment
                | Kind::TgwRouteTable
                | Kind::Vgw
                | Kind::Cgw
                | Kind::Vpn
                | Kind::DxConnection
                | Kind::DxLag
                | Kind::Vif
                | Kind::DxGateway
                | Kind::OnPrem => ResourceRef::Other(e.idx),
            };
            map.insert((*name).to_owned(), r);
        }
        for (name, r) in self.derived_names.drain(..) {
            map.entry(name).or_insert(r);
        }
        self.t.names = map;
    }

    // ----- prefix lists, VPCs, subnets ---------------------------------

    fn prefix_lists(&mut self) {
        for pl in &self.src.prefix_lists {
            let ctx = format!("prefix list `{}`", pl.name.value);
            let mut family = pl.family;
            let entries = pl.entries.as_ref().map(|entries| {
                let mut out = Vec::with_capacity(entries.len());
                for e in entries {
                    let Some(net) = self.cidr(e, &ctx) else {
                        continue;
                    };
                    let fam = if net.addr().is_ipv4() {
                        AddressFamily::Ipv4
                    } else {
                        AddressFamily::Ipv6
                    };
                    match family {
                        None => family = Some(fam),
                        Some(want) if want != fam => {
                            let msg = if pl.family.is_some() {
                                format!(
                                    "{ctx} is {}, but entry `{net}` is {}",
                                    family_name(want),
                                    family_name(fam)
                                )
                            } else {
                                format!("{ctx} mixes IPv4 and IPv6 entries: `{net}`")
                            };
                            self.err(
                                e.pos,
                                msg,
                                Some("a prefix list holds one address family".into()),
                            );
                            continue;
                        }
                        Some(_) => {}
                    }
                    out.push(net);
                }
                out
            });
            self.t.prefix_lists.push(r::PrefixList {
                meta: meta(&pl.name, &pl.aws_id),
                entries,
                service: pl.service.clone(),
                family: pl.family,
            });
            self.pl_family.push(family);
        }
    }

    fn vpcs(&mut self) {
        let s = self.src;
        for v in &s.vpcs {
            let ctx = format!("vpc `{}`", v.name.value);
            let mut cidrs = Vec::new();
            for c in &v.cidrs {
                match self.cidr(c, &ctx) {
                    Some(IpNet::V4(n)) => cidrs.push(n),
                    Some(IpNet::V6(n)) => self.err(
                        c.pos,
                        format!("{ctx} lists IPv6 CIDR `{n}` in `cidrs`"),
                        Some("IPv6 CIDRs go in `ipv6_cidrs`".into()),
                    ),
                    None => {}
                }
            }
            let mut ipv6_cidrs = Vec::new();
            for c in &v.ipv6_cidrs {
                match self.cidr(c, &ctx) {
                    Some(IpNet::V6(n)) => ipv6_cidrs.push(n),
                    Some(IpNet::V4(n)) => self.err(
                        c.pos,
                        format!("{ctx} lists IPv4 CIDR `{n}` in `ipv6_cidrs`"),
                        Some("IPv4 CIDRs go in `cidrs`".into()),
                    ),
                    None => {}
                }
            }
            let custom_dns_servers = v
                .dhcp_options
                .as_ref()
                .map(|d| {
                    d.domain_name_servers
                        .iter()
                        .filter(|s| !s.trim().eq_ignore_ascii_case("AmazonProvidedDNS"))
                        .cloned()
                        .collect()
                })
                .unwrap_or_default();
            self.t.vpcs.push(r::Vpc {
                meta: meta(&v.name, &v.aws_id),
                region: v
                    .region
                    .clone()
                    .or_else(|| s.region.as_ref().map(|r| r.value.clone())),
                account: v
                    .account
                    .as_ref()
                    .or(s.account.as_ref().map(|a| &a.value))
                    .map(|a| a.0.clone()),
                cidrs,
                ipv6_cidrs,
                // AWS defaults: enableDnsSupport true, enableDnsHostnames false
                // outside the default VPC.
                dns_support: v.dns_support.unwrap_or(true),
                dns_hostnames: v.dns_hostnames.unwrap_or(false),
                custom_dns_servers,
                main_route_table: None,
                default_nacl: BAD,
                igw: None,
                eigws: Vec::new(),
            });
        }
    }

    fn subnets(&mut self) {
        for sn in &self.src.subnets {
            let ctx = format!("subnet `{}`", sn.name.value);
            let vpc = self.lookup1(&sn.vpc, Kind::Vpc, &ctx);
            let (vcidrs, v6cidrs) = self
                .t
                .vpcs
                .get(vpc)
                .map(|v| (v.cidrs.clone(), v.ipv6_cidrs.clone()))
                .unwrap_or_default();
            let vname = self.vpc_name(vpc);
            let cidr = sn.cidr.as_ref().and_then(|c| {
                let n = self.cidr_v4(c, &ctx)?;
                if vpc != BAD && !vcidrs.iter().any(|v| v.contains(&n)) {
                    let msg = if vcidrs.is_empty() {
                        format!("{ctx} CIDR `{n}` is outside vpc `{vname}`, which has no IPv4 CIDR")
                    } else {
                        format!(
                            "{ctx} CIDR `{n}` is outside vpc `{vname}` ({})",
                            list(&vcidrs)
                        )
                    };
                    self.err(c.pos, msg, None);
                }
                Some(n)
            });
            let ipv6_cidr = sn.ipv6_cidr.as_ref().and_then(|c| {
                let n = self.cidr_v6(c, &ctx)?;
                if vpc != BAD && !v6cidrs.iter().any(|v| v.contains(&n)) {
                    let msg = if v6cidrs.is_empty() {
                        format!(
                            "{ctx} IPv6 CIDR `{n}` is outside vpc `{vname}`, which has no IPv6 CIDR"
                        )
                    } else {
                        format!(
                            "{ctx} IPv6 CIDR `{n}` is outside vpc `{vname}` ({})",
                            list(&v6cidrs)
                        )
                    };
                    self.err(c.pos, msg, None);
                }
                Some(n)
            });
            if sn.cidr.is_none() && sn.ipv6_cidr.is_none() {
                self.err(
                    sn.name.pos,
                    format!("{ctx} has neither `cidr` nor `ipv6_cidr`"),
                    None,
                );
            }
            self.t.subnets.push(r::Subnet {
                meta: meta(&sn.name, &sn.aws_id),
                vpc,
                availability_zone: sn.availability_zone.clone(),
                cidr,
                ipv6_cidr,
                route_table: None,
                uses_main_route_table: false,
                nacl: BAD,
            });
        }
    }

    /// Subnets of one VPC must not overlap (in either family).
    fn subnet_overlaps(&mut self) {
        // (vpc, ipv6) -> (first address, last address, subnet)
        type Spans = Vec<(u128, u128, usize)>;
        let mut groups: HashMap<(r::VpcId, bool), Spans> = HashMap::new();
        for (i, sn) in self.t.subnets.iter().enumerate() {
            if sn.vpc == BAD {
                continue;
            }
            let nets = sn
                .cidr
                .map(IpNet::V4)
                .into_iter()
                .chain(sn.ipv6_cidr.map(IpNet::V6));
            for net in nets {
                let (v6, lo, hi) = span(net);
                groups.entry((sn.vpc, v6)).or_default().push((lo, hi, i));
            }
        }
        let mut pairs = Vec::new();
        for ((_, v6), mut items) in groups {
            // Sorted by start (widest first): a block overlaps an earlier one
            // exactly when it starts before the furthest end seen so far.
            items.sort_by_key(|&(lo, hi, i)| (lo, std::cmp::Reverse(hi), i));
            let mut holder: Option<(u128, usize)> = None;
            for (lo, hi, i) in items {
                if let Some((end, h)) = holder {
                    if lo <= end {
                        pairs.push((v6, h.min(i), h.max(i)));
                    }
                    if hi > end {
                        holder = Some((hi, i));
                    }
                } else {
                    holder = Some((hi, i));
                }
            }
        }
        pairs.sort_unstable();
        for (v6, first, second) in pairs {
            let (Some(a), Some(b)) = (self.t.subnets.get(first), self.t.subnets.get(second)) else {
                continue;
            };
            let net = |s: &r::Subnet| -> String {
                if v6 {
                    s.ipv6_cidr.map(|n| n.to_string())
                } else {
                    s.cidr.map(|n| n.to_string())
                }
                .unwrap_or_default()
            };
            let msg = format!(
                "subnet `{}` CIDR `{}` overlaps subnet `{}` (`{}`{})",
                b.meta.name,
                net(b),
                a.meta.name,
                net(a),
                at_line(a.meta.pos).replace(" (", ", ").replace(')', "")
            );
            let src = self.src.subnets.get(second);
            let pos = src
                .and_then(|s| {
                    if v6 {
                        s.ipv6_cidr.as_ref()
                    } else {
                        s.cidr.as_ref()
                    }
                })
                .map_or(b.meta.pos, |c| c.pos);
            self.err(
                pos,
                msg,
                Some("subnets of one vpc cannot share addresses".into()),
            );
        }
    }

    // ----- route tables (skeleton), NACLs, associations ----------------

    fn route_tables(&mut self) {
        for (i, rt) in self.src.route_tables.iter().enumerate() {
            let ctx = format!("route table `{}`", rt.name.value);
            let vpc = self.lookup1(&rt.vpc, Kind::Vpc, &ctx);
            if rt.main
                && let Some(first) = self.t.vpcs.get(vpc).map(|v| v.main_route_table)
            {
                match first {
                    Some(f) => {
                        let fname = self
                            .t
                            .route_tables
                            .get(f)
                            .map(|x| (x.meta.name.clone(), x.meta.pos));
                        let (fname, fpos) = fname.unwrap_or_default();
                        let msg = format!(
                            "vpc `{}` has two main route tables: `{fname}`{} and `{}`",
                            self.vpc_name(vpc),
                            at_line(fpos),
                            rt.name.value
                        );
                        self.err(
                            rt.name.pos,
                            msg,
                            Some("a vpc has exactly one main route table".into()),
                        );
                    }
                    None => {
                        if let Some(v) = self.t.vpcs.get_mut(vpc) {
                            v.main_route_table = Some(i);
                        }
                    }
                }
            }
            self.t.route_tables.push(r::RouteTable {
                meta: meta(&rt.name, &rt.aws_id),
                vpc,
                main: rt.main,
                edge_associations: Vec::new(),
                propagating_vgws: Vec::new(),
                routes: Vec::new(),
                derived: false,
            });
        }
        // C-3.1: every VPC has a main route table, created with the VPC and
        // holding the local routes only. A VPC without a `main: true` table
        // gets that table, and its subnets without an association use it.
        for vi in 0..self.t.vpcs.len() {
            let Some(v) = self.t.vpcs.get(vi) else {
                continue;
            };
            if v.main_route_table.is_some() {
                continue;
            }
            let name = self.unique_name(format!("{}-main-rtb", v.meta.name));
            let id = self.t.route_tables.len();
            self.derived_names
                .push((name.clone(), ResourceRef::RouteTable(id)));
            self.t.route_tables.push(r::RouteTable {
                meta: Meta {
                    name,
                    aws_id: None,
                    pos: Pos::default(),
                },
                vpc: vi,
                main: true,
                edge_associations: Vec::new(),
                propagating_vgws: Vec::new(),
                routes: Vec::new(),
                derived: true,
            });
            if let Some(v) = self.t.vpcs.get_mut(vi) {
                v.main_route_table = Some(id);
            }
        }
    }

    fn nacls(&mut self) {
        for (i, n) in self.src.network_acls.iter().enumerate() {
            let ctx = format!("network acl `{}`", n.name.value);
            let vpc = self.lookup1(&n.vpc, Kind::Vpc, &ctx);
            if n.default
                && let Some(v) = self.t.vpcs.get(vpc)
            {
                if v.default_nacl == BAD {
                    if let Some(v) = self.t.vpcs.get_mut(vpc) {
                        v.default_nacl = i;
                    }
                } else {
                    let first = self
                        .t
                        .nacls
                        .get(v.default_nacl)
                        .map(|x| (x.meta.name.clone(), x.meta.pos));
                    let (fname, fpos) = first.unwrap_or_default();
                    let msg = format!(
                        "vpc `{}` has two default network acls: `{fname}`{} and `{}`",
                        v.meta.name,
                        at_line(fpos),
                        n.name.value
                    );
                    self.err(
                        n.name.pos,
                        msg,
                        Some("a vpc has exactly one default network acl".into()),
                    );
                }
            }
            let ingress = self.nacl_rules(&n.name.value, "ingress", &n.ingress);
            let egress = self.nacl_rules(&n.name.value, "egress", &n.egress);
            self.t.nacls.push(r::Nacl {
                meta: meta(&n.name, &n.aws_id),
                vpc,
                default: n.default,
                synthesized: false,
                ingress,
                egress,
            });
        }
        // C-4.1: a VPC without a declared default NACL gets AWS's default,
        // which allows everything: rule 100 for IPv4, and rule 101 for IPv6
        // when the VPC has IPv6.
        for vi in 0..self.t.vpcs.len() {
            let Some(v) = self.t.vpcs.get(vi) else {
                continue;
            };
            if v.default_nacl != BAD {
                continue;
            }
            let mut rules = vec![allow_all(100, IpNet::V4(Ipv4Net::default()))];
            if !v.ipv6_cidrs.is_empty() {
                rules.push(allow_all(101, IpNet::V6(Ipv6Net::default())));
            }
            let name = self.unique_name(format!("{}-default-nacl", v.meta.name));
            let id = self.t.nacls.len();
            self.derived_names
                .push((name.clone(), ResourceRef::Nacl(id)));
            self.t.nacls.push(r::Nacl {
                meta: Meta {
                    name,
                    aws_id: None,
                    pos: Pos::default(),
                },
                vpc: vi,
                default: true,
                synthesized: true,
                ingress: rules.clone(),
                egress: rules,
            });
            if let Some(v) = self.t.vpcs.get_mut(vi) {
                v.default_nacl = id;
            }
        }
    }

    fn nacl_rules(&mut self, nacl: &str, dir: &str, rules: &[Sp<f::NaclRule>]) -> Vec<r::NaclRule> {
        let mut out = Vec::with_capacity(rules.len());
        let mut seen: HashMap<u32, Pos> = HashMap::new();
        for rule in rules {
            let num = rule.rule.value;
            let ctx = format!("network acl `{nacl}` {dir} rule {num}");
            let mut ok = true;
            if !(1..=32766).contains(&num) {
                self.err(
                    rule.rule.pos,
                    format!("network acl `{nacl}` {dir} rule number `{num}` is outside 1 to 32766"),
                    None,
                );
                ok = false;
            } else if let Some(first) = seen.get(&num).copied() {
                self.err(
                    rule.rule.pos,
                    format!(
                        "network acl `{nacl}` has two {dir} rules numbered `{num}`{}",
                        at_line(first)
                    ),
                    Some(
                        "rule numbers must be unique within the ingress or the egress rules".into(),
                    ),
                );
                ok = false;
            } else {
                seen.insert(num, rule.rule.pos);
            }
            let allow = self.choice(
                &rule.action,
                &[("allow", true), ("deny", false)],
                "action",
                &ctx,
            );
            let proto_port = self.proto_port(
                &rule.protocol,
                rule.ports.as_ref(),
                rule.icmp_type.as_ref(),
                rule.icmp_code.as_ref(),
                &ctx,
            );
            let cidr = self.cidr(&rule.cidr, &ctx);
            if let (true, Some(allow), Some((proto, port)), Some(cidr)) =
                (ok, allow, proto_port, cidr)
            {
                out.push(r::NaclRule {
                    number: num,
                    allow,
                    proto,
                    port,
                    cidr,
                    pos: rule.pos,
                });
            }
        }
        out.sort_by_key(|r| r.number);
        out
    }

    /// Protocol and port/ICMP match of an SG or NACL rule.
    fn proto_port(
        &mut self,
        protocol: &Sp<Scalar>,
        ports: Option<&Sp<Scalar>>,
        icmp_type: Option<&Sp<i32>>,
        icmp_code: Option<&Sp<i32>>,
        ctx: &str,
    ) -> Option<(Proto, PortMatch)> {
        let proto = values::protocol(&protocol.value.0, ctx)
            .map_err(|p| self.problem(protocol.pos, p))
            .ok()?;
        match values::port_match(
            proto,
            ports.map(|p| p.value.0.as_str()),
            icmp_type.map(|v| v.value),
            icmp_code.map(|v| v.value),
            ctx,
        ) {
            Ok(m) => Some((proto, m)),
            Err((field, p)) => {
                let pos = match field {
                    Field::Ports => ports.map(|p| p.pos),
                    Field::IcmpType => icmp_type.map(|v| v.pos),
                    Field::IcmpCode => icmp_code.map(|v| v.pos),
                }
                .unwrap_or(protocol.pos);
                self.problem(pos, p);
                None
            }
        }
    }

    fn subnet_associations(&mut self) {
        for (i, sn) in self.src.subnets.iter().enumerate() {
            let ctx = format!("subnet `{}`", sn.name.value);
            let vpc = self.subnet_vpc(i);
            let (route_table, uses_main) = match &sn.route_table {
                Some(rt) => {
                    let id = self.lookup1(rt, Kind::RouteTable, &ctx);
                    let other = self.t.route_tables.get(id).map_or(BAD, |x| x.vpc);
                    self.same_vpc(rt.pos, &ctx, vpc, Kind::RouteTable, &rt.value, other);
                    ((id != BAD).then_some(id), false)
                }
                // C-3.1: no explicit association means the main table.
                None => match self.t.vpcs.get(vpc).and_then(|v| v.main_route_table) {
                    Some(m) => (Some(m), true),
                    None => (None, false),
                },
            };
            let nacl = match &sn.network_acl {
                Some(n) => {
                    let id = self.lookup1(n, Kind::Nacl, &ctx);
                    let other = self.t.nacls.get(id).map_or(BAD, |x| x.vpc);
                    self.same_vpc(n.pos, &ctx, vpc, Kind::Nacl, &n.value, other);
                    id
                }
                // C-4.1: no explicit association means the default NACL.
                None => self.t.vpcs.get(vpc).map_or(BAD, |v| v.default_nacl),
            };
            if let Some(s) = self.t.subnets.get_mut(i) {
                s.route_table = route_table;
                s.uses_main_route_table = uses_main;
                s.nacl = nacl;
            }
        }
    }

    // ----- security groups ---------------------------------------------

    fn security_groups(&mut self) {
        for sg in &self.src.security_groups {
            let ctx = format!("security group `{}`", sg.name.value);
            let vpc = self.lookup1(&sg.vpc, Kind::Vpc, &ctx);
            let ingress = self.sg_rules(&sg.name.value, "ingress", &sg.ingress);
            let egress = self.sg_rules(&sg.name.value, "egress", &sg.egress);
            self.t.security_groups.push(r::SecurityGroup {
                meta: meta(&sg.name, &sg.aws_id),
                vpc,
                ingress,
                egress,
            });
        }
    }

    fn sg_rules(&mut self, sg: &str, dir: &str, rules: &[Sp<f::SgRule>]) -> Vec<r::SgRule> {
        let mut out = Vec::with_capacity(rules.len());
        for (k, rule) in rules.iter().enumerate() {
            let ctx = format!("security group `{sg}` {dir} rule {}", k + 1);
            let proto_port = self.proto_port(
                &rule.protocol,
                rule.ports.as_ref(),
                rule.icmp_type.as_ref(),
                rule.icmp_code.as_ref(),
                &ctx,
            );
            let set: Vec<&str> = [
                rule.cidr.as_ref().map(|_| "`cidr`"),
                rule.prefix_list.as_ref().map(|_| "`prefix_list`"),
                rule.security_group.as_ref().map(|_| "`security_group`"),
            ]
            .into_iter()
            .flatten()
            .collect();
            let peer = match set.len() {
                0 => {
                    self.err(
                        rule.pos,
                        format!("{ctx} has no peer"),
                        Some("set one of `cidr`, `prefix_list` or `security_group`".into()),
                    );
                    None
                }
                1 => {
                    if let Some(c) = &rule.cidr {
                        self.cidr(c, &ctx).map(r::SgPeer::Cidr)
                    } else if let Some(p) = &rule.prefix_list {
                        let id = self.lookup1(p, Kind::PrefixList, &ctx);
                        (id != BAD).then_some(r::SgPeer::PrefixList(id))
                    } else if let Some(g) = &rule.security_group {
                        let id = self.lookup1(g, Kind::SecurityGroup, &ctx);
                        (id != BAD).then_some(r::SgPeer::SecurityGroup(id))
                    } else {
                        None
                    }
                }
                _ => {
                    self.err(
                        rule.pos,
                        format!("{ctx} has several peers ({})", set.join(" and ")),
                        Some("set exactly one peer; write one rule per peer".into()),
                    );
                    None
                }
            };
            if let (Some((proto, port)), Some(peer)) = (proto_port, peer) {
                out.push(r::SgRule {
                    proto,
                    port,
                    peer,
                    pos: rule.pos,
                });
            }
        }
        out
    }

    // ----- gateways, peerings, endpoints -------------------------------

    fn gateways(&mut self) {
        for (i, g) in self.src.internet_gateways.iter().enumerate() {
            let ctx = format!("internet gateway `{}`", g.name.value);
            let vpc = g
                .vpc
                .as_ref()
                .map(|v| (v, self.lookup1(v, Kind::Vpc, &ctx)));
            let mut attached = None;
            if let Some((v, vi)) = vpc
                && let Some(first) = self.t.vpcs.get(vi).map(|x| x.igw)
            {
                attached = Some(vi);
                match first {
                    Some(f) => {
                        let (fname, fpos) = self
                            .t
                            .igws
                            .get(f)
                            .map(|x| (x.meta.name.clone(), x.meta.pos))
                            .unwrap_or_default();
                        let msg = format!(
                            "vpc `{}` has two internet gateways attached: `{fname}`{} and `{}`",
                            v.value,
                            at_line(fpos),
                            g.name.value
                        );
                        self.err(
                            v.pos,
                            msg,
                            Some("a vpc can have only one internet gateway".into()),
                        );
                    }
                    None => {
                        if let Some(x) = self.t.vpcs.get_mut(vi) {
                            x.igw = Some(i);
                        }
                    }
                }
            }
            self.t.igws.push(r::Igw {
                meta: meta(&g.name, &g.aws_id),
                vpc: attached,
                edge_route_table: None,
            });
        }
        for (i, g) in self.src.egress_only_internet_gateways.iter().enumerate() {
            let ctx = format!("egress-only internet gateway `{}`", g.name.value);
            let vpc = self.lookup1(&g.vpc, Kind::Vpc, &ctx);
            if let Some(v) = self.t.vpcs.get_mut(vpc) {
                v.eigws.push(i);
            }
            self.t.eigws.push(r::Eigw {
                meta: meta(&g.name, &g.aws_id),
                vpc,
            });
        }
    }

    fn peerings(&mut self) {
        for p in &self.src.peering_connections {
            let ctx = format!("peering connection `{}`", p.name.value);
            let requester = self.lookup1(&p.requester_vpc, Kind::Vpc, &ctx);
            let accepter = self.lookup1(&p.accepter_vpc, Kind::Vpc, &ctx);
            if requester != BAD && requester == accepter {
                self.err(
                    p.accepter_vpc.pos,
                    format!("{ctx} connects vpc `{}` to itself", p.accepter_vpc.value),
                    None,
                );
            }
            let active = match &p.status {
                None => true,
                Some(st) => self
                    .choice(st, PEERING_STATUSES, "peering status", &ctx)
                    .unwrap_or(false),
            };
            let region = |v: r::VpcId| {
                self.t
                    .vpcs
                    .get(v)
                    .and_then(|x| x.region.clone())
                    .or_else(|| self.src.region.as_ref().map(|r| r.value.clone()))
            };
            let account = |v: r::VpcId| {
                self.t
                    .vpcs
                    .get(v)
                    .and_then(|x| x.account.clone())
                    .or_else(|| self.src.account.as_ref().map(|a| a.value.0.clone()))
            };
            let differ = |a: Option<String>, b: Option<String>| Some(a? != b?);
            let cross_region = differ(region(requester), region(accepter));
            let cross_account = differ(account(requester), account(accepter));
            self.t.peerings.push(r::Peering {
                meta: meta(&p.name, &p.aws_id),
                requester,
                accepter,
                active,
                cross_region,
                cross_account,
                requester_allows_remote_dns: p
                    .requester_allows_remote_dns_resolution
                    .unwrap_or(false),
                accepter_allows_remote_dns: p
                    .accepter_allows_remote_dns_resolution
                    .unwrap_or(false),
            });
        }
    }

    fn endpoints(&mut self) {
        for (i, e) in self.src.vpc_endpoints.iter().enumerate() {
            let ctx = format!("vpc endpoint `{}`", e.name.value);
            let kind = self.choice(
                &e.kind,
                &[
                    ("gateway", EndpointKind::Gateway),
                    ("interface", EndpointKind::Interface),
                    ("gateway-load-balancer", EndpointKind::GatewayLoadBalancer),
                ],
                "endpoint type",
                &ctx,
            );
            let vpc = self.lookup1(&e.vpc, Kind::Vpc, &ctx);
            let mut route_tables = Vec::new();
            for rt in &e.route_tables {
                let id = self.lookup1(rt, Kind::RouteTable, &ctx);
                let other = self.t.route_tables.get(id).map_or(BAD, |x| x.vpc);
                self.same_vpc(rt.pos, &ctx, vpc, Kind::RouteTable, &rt.value, other);
                if id != BAD {
                    route_tables.push(id);
                }
            }
            let prefix_list = e
                .prefix_list
                .as_ref()
                .map(|p| self.lookup1(p, Kind::PrefixList, &ctx));
            let mut subnets = Vec::new();
            for s in &e.subnets {
                let id = self.lookup1(s, Kind::Subnet, &ctx);
                let other = self.subnet_vpc(id);
                self.same_vpc(s.pos, &ctx, vpc, Kind::Subnet, &s.value, other);
                if id != BAD {
                    subnets.push(id);
                }
            }
            let security_groups = self.sg_list(&e.security_groups, &ctx, vpc);
            let ipv6_prefix_list = e
                .ipv6_prefix_list
                .as_ref()
                .map(|p| self.lookup1(p, Kind::PrefixList, &ctx))
                .filter(|&p| p != BAD);
            const IP_TYPES: &[(&str, IpAddressType)] = &[
                ("ipv4", IpAddressType::Ipv4),
                ("ipv6", IpAddressType::Ipv6),
                ("dualstack", IpAddressType::Dualstack),
            ];
            let ip_address_type = match &e.ip_address_type {
                Some(t) => {
                    let at = Sp {
                        value: t.clone(),
                        pos: e.name.pos,
                    };
                    self.choice(&at, IP_TYPES, "ip_address_type", &ctx)
                        .unwrap_or_default()
                }
                None => IpAddressType::Ipv4,
            };
            // DnsOptions.DnsRecordIpType: `service-defined` leaves the choice
            // to the service; read as dual-stack, the widest (C-15.5).
            let dns_record_ip_type = match &e.dns_record_ip_type {
                Some(t) if t.value.trim().eq_ignore_ascii_case("service-defined") => {
                    IpAddressType::Dualstack
                }
                Some(t) => self
                    .choice(t, IP_TYPES, "dns_record_ip_type", &ctx)
                    .unwrap_or_default(),
                None => ip_address_type,
            };
            let kind = kind.unwrap_or(EndpointKind::Interface);
            if kind == EndpointKind::GatewayLoadBalancer {
                // Routes to a GWLB endpoint are not modelled yet: they target
                // an `others` entry (C-3.10, C-14.7).
                self.gwlbe_other.insert(i, self.t.others.len());
                self.t.others.push(meta(&e.name, &e.aws_id));
                self.other_src.push((Kind::Endpoint, i));
            }
            self.t.endpoints.push(r::Endpoint {
                meta: meta(&e.name, &e.aws_id),
                vpc,
                kind,
                service: e.service.value.clone(),
                route_tables,
                prefix_list: prefix_list.filter(|&p| p != BAD),
                subnets,
                security_groups,
                // CreateVpcEndpoint: PrivateDnsEnabled defaults to true for
                // interface endpoints; other types have no private DNS.
                private_dns: e.private_dns.unwrap_or(kind == EndpointKind::Interface),
                ipv6_prefix_list,
                ip_address_type,
                dns_record_ip_type,
                private_dns_inbound_only: e
                    .private_dns_only_for_inbound_resolver_endpoint
                    .unwrap_or(false),
                policy: e.policy.clone(),
            });
        }
    }

    /// Security groups by name, each in `vpc`.
    fn sg_list(&mut self, sgs: &[Sp<String>], ctx: &str, vpc: r::VpcId) -> Vec<r::SgId> {
        let mut out = Vec::with_capacity(sgs.len());
        for sg in sgs {
            let id = self.lookup1(sg, Kind::SecurityGroup, ctx);
            let other = self.t.security_groups.get(id).map_or(BAD, |x| x.vpc);
            self.same_vpc(sg.pos, ctx, vpc, Kind::SecurityGroup, &sg.value, other);
            if id != BAD {
                out.push(id);
            }
        }
        out
    }

    /// The help line for an ordinary interface without security groups:
    /// AWS attaches the VPC's default group when none is chosen, so point at
    /// it, by name when the file seems to declare it.
    fn default_sg_help(&self, vpc: r::VpcId) -> String {
        let Some(v) = self.t.vpcs.get(vpc) else {
            return "add the groups the interface has, or its vpc's default security group, which AWS attaches when none is chosen".into();
        };
        let in_vpc = || self.t.security_groups.iter().filter(|g| g.vpc == vpc);
        let default = in_vpc()
            .find(|g| g.meta.name.eq_ignore_ascii_case("default"))
            .or_else(|| in_vpc().find(|g| g.meta.name.to_ascii_lowercase().contains("default")));
        match default {
            Some(g) => format!(
                "add the groups the interface has, or the default security group of vpc `{}`: `security_groups: [{}]`",
                v.meta.name, g.meta.name
            ),
            None => format!(
                "add the groups the interface has, or the default security group of vpc `{}`, which AWS attaches when none is chosen",
                v.meta.name
            ),
        }
    }

    // ----- instances and interfaces ------------------------------------

    fn instances(&mut self) {
        for i in &self.src.instances {
            self.t.instances.push(r::Instance {
                meta: meta(&i.name, &i.aws_id),
                enis: Vec::new(),
            });
        }
    }

    fn enis(&mut self) {
        for (i, e) in self.src.network_interfaces.iter().enumerate() {
            let ctx = format!("network interface `{}`", e.name.value);
            let subnet = self.lookup1(&e.subnet, Kind::Subnet, &ctx);
            let vpc = self.subnet_vpc(subnet);
            let (scidr, s6) = self
                .t
                .subnets
                .get(subnet)
                .map_or((None, None), |s| (s.cidr, s.ipv6_cidr));
            let sname = e.subnet.value.as_str();
            let instance = e
                .instance
                .as_ref()
                .map(|x| self.lookup1(x, Kind::Instance, &ctx));
            if let Some(inst) = instance.and_then(|x| self.t.instances.get_mut(x)) {
                inst.enis.push(i);
            }
            let owner = match &e.owner {
                Some(o) => self.eni_owner(o, &ctx, i),
                None => EniOwner::Workload,
            };
            let mut private_ips = Vec::with_capacity(e.private_ips.len());
            for p in &e.private_ips {
                let Ok(addr) = values::ipv4(&p.address.value, &ctx)
                    .map_err(|x| self.problem(p.address.pos, x))
                else {
                    continue;
                };
                if subnet != BAD {
                    match scidr {
                        None => self.err(
                            p.address.pos,
                            format!("{ctx} has private IP `{addr}`, but subnet `{sname}` has no IPv4 CIDR"),
                            None,
                        ),
                        Some(c) if !c.contains(&addr) => self.err(
                            p.address.pos,
                            format!("private IP `{addr}` of {ctx} is outside subnet `{sname}` (`{c}`)"),
                            None,
                        ),
                        Some(_) => {}
                    }
                }
                self.use_address(vpc, IpAddr::V4(addr), &ctx, p.address.pos);
                let public = self.public_ip(p, &ctx);
                if let (Some(PublicIp::Known { addr: a, .. }), Some(at)) = (public, &p.public_ip) {
                    self.public_used.push((a, ctx.clone(), at.pos));
                }
                private_ips.push(r::PrivateIp {
                    addr,
                    public,
                    pos: p.pos,
                });
            }
            let mut ipv6_addresses = Vec::with_capacity(e.ipv6_addresses.len());
            for a in &e.ipv6_addresses {
                let Ok(addr) = values::ipv6(&a.value, &ctx).map_err(|x| self.problem(a.pos, x))
                else {
                    continue;
                };
                self.check_in_v6(
                    subnet,
                    s6,
                    sname,
                    a.pos,
                    &format!("IPv6 address `{addr}` of {ctx}"),
                    |n| n.contains(&addr),
                );
                self.use_address(vpc, IpAddr::V6(addr), &ctx, a.pos);
                ipv6_addresses.push(addr);
            }
            let mut ipv4_prefixes = Vec::new();
            for p in &e.ipv4_prefixes {
                let Some(net) = self.cidr_v4(p, &ctx) else {
                    continue;
                };
                if subnet != BAD {
                    match scidr {
                        None => self.err(
                            p.pos,
                            format!("{ctx} has IPv4 prefix `{net}`, but subnet `{sname}` has no IPv4 CIDR"),
                            None,
                        ),
                        Some(c) if !c.contains(&net) => self.err(
                            p.pos,
                            format!("IPv4 prefix `{net}` of {ctx} is outside subnet `{sname}` (`{c}`)"),
                            None,
                        ),
                        Some(_) => {}
                    }
                }
                ipv4_prefixes.push(net);
            }
            let mut ipv6_prefixes = Vec::new();
            for p in &e.ipv6_prefixes {
                let Some(net) = self.cidr_v6(p, &ctx) else {
                    continue;
                };
                self.check_in_v6(
                    subnet,
                    s6,
                    sname,
                    p.pos,
                    &format!("IPv6 prefix `{net}` of {ctx}"),
                    |n| n.contains(&net),
                );
                ipv6_prefixes.push(net);
            }
            let security_groups = self.sg_list(&e.security_groups, &ctx, vpc);
            // Workload interfaces, and those of other services (RDS, Lambda,
            // …), always carry a security group in AWS; with none the engine
            // would admit nothing (fail open). NAT gateways, NLBs, transit
            // gateway attachments and endpoints are the exceptions.
            let service_owned = e.owner.as_ref().is_some_and(|o| {
                o.service.is_some()
                    && o.nat_gateway.is_none()
                    && o.load_balancer.is_none()
                    && o.vpc_endpoint.is_none()
                    && o.transit_gateway.is_none()
            });
            if (e.owner.is_none() || service_owned) && e.security_groups.is_empty() {
                let help = self.default_sg_help(vpc);
                self.err(
                    e.name.pos,
                    format!("{ctx} has no security groups"),
                    Some(help),
                );
            }
            // C-2.4: the check is on by default for instance interfaces; AWS-
            // managed interfaces (NAT, LB, endpoint, TGW) show it off (C-2.6).
            let managed = matches!(
                owner,
                EniOwner::Nat(_)
                    | EniOwner::LoadBalancer(_)
                    | EniOwner::Endpoint(_)
                    | EniOwner::TransitGateway
            );
            self.t.enis.push(r::Eni {
                meta: meta(&e.name, &e.aws_id),
                subnet,
                vpc,
                instance: instance.filter(|&x| x != BAD),
                owner,
                private_ips,
                ipv6_addresses,
                ipv4_prefixes,
                ipv6_prefixes,
                security_groups,
                source_dest_check: e.source_dest_check.unwrap_or(!managed),
                attached: e.attached.unwrap_or(true),
                derived: false,
            });
        }
    }

    /// Report `what` (an IPv6 address or prefix) outside the subnet's IPv6 CIDR.
    fn check_in_v6(
        &mut self,
        subnet: r::SubnetId,
        s6: Option<Ipv6Net>,
        sname: &str,
        pos: Pos,
        what: &str,
        inside: impl Fn(&Ipv6Net) -> bool,
    ) {
        if subnet == BAD {
            return;
        }
        match s6 {
            None => self.err(
                pos,
                format!("{what} is in subnet `{sname}`, which has no IPv6 CIDR"),
                None,
            ),
            Some(n) if !inside(&n) => {
                self.err(
                    pos,
                    format!("{what} is outside subnet `{sname}` (`{n}`)"),
                    None,
                );
            }
            Some(_) => {}
        }
    }

    fn eni_owner(&mut self, o: &Sp<f::EniOwner>, ctx: &str, eni: r::EniId) -> EniOwner {
        let set: Vec<&str> = [
            o.nat_gateway.as_ref().map(|_| "`nat_gateway`"),
            o.load_balancer.as_ref().map(|_| "`load_balancer`"),
            o.vpc_endpoint.as_ref().map(|_| "`vpc_endpoint`"),
            o.transit_gateway.as_ref().map(|_| "`transit_gateway`"),
            o.service.as_ref().map(|_| "`service`"),
        ]
        .into_iter()
        .flatten()
        .collect();
        if set.len() != 1 {
            let msg = if set.is_empty() {
                format!("{ctx} has an empty `owner`")
            } else {
                format!("{ctx} has several owners ({})", set.join(" and "))
            };
            self.err(
                o.pos,
                msg,
                Some("set one of `nat_gateway`, `load_balancer`, `vpc_endpoint`, `transit_gateway` or `service`".into()),
            );
            return EniOwner::Workload;
        }
        if let Some(n) = &o.nat_gateway {
            let id = self.lookup1(n, Kind::Nat, ctx);
            if id != BAD {
                self.nat_enis.entry(id).or_default().push(eni);
                return EniOwner::Nat(id);
            }
        } else if let Some(l) = &o.load_balancer {
            let id = self.lookup1(l, Kind::LoadBalancer, ctx);
            if id != BAD {
                self.lb_enis.entry(id).or_default().push(eni);
                return EniOwner::LoadBalancer(id);
            }
        } else if let Some(e) = &o.vpc_endpoint {
            let id = self.lookup1(e, Kind::Endpoint, ctx);
            if id != BAD {
                return EniOwner::Endpoint(id);
            }
        } else if let Some(t) = &o.transit_gateway {
            if self.lookup1(t, Kind::Tgw, ctx) != BAD {
                return EniOwner::TransitGateway;
            }
        } else if let Some(s) = &o.service {
            return EniOwner::Service(s.clone());
        }
        EniOwner::Workload
    }

    /// The public IPv4 mapped to a private IP (C-2.2): an address or `auto`.
    fn public_ip(&mut self, p: &f::PrivateIp, ctx: &str) -> Option<PublicIp> {
        let eip = p.eip_allocation.is_some();
        let Some(s) = &p.public_ip else {
            // An Elastic IP allocation without its address: a public address
            // exists, its value is not known.
            return eip.then_some(PublicIp::Auto);
        };
        self.public_addr(s, ctx).map(|a| match a {
            Some(addr) => PublicIp::Known { addr, eip },
            None => PublicIp::Auto,
        })
    }

    /// `auto` (Some(None)), a public IPv4 (Some(Some(a))), or an error (None).
    fn public_addr(&mut self, s: &Sp<String>, ctx: &str) -> Option<Option<Ipv4Addr>> {
        let t = s.value.trim();
        if t.eq_ignore_ascii_case("auto") {
            return Some(None);
        }
        match t.parse::<IpAddr>() {
            Ok(IpAddr::V4(a)) => match values::not_public_v4(a) {
                None => Some(Some(a)),
                Some(why) => {
                    self.err(
                        s.pos,
                        format!("public IP `{a}` of {ctx} is {why}"),
                        Some("write the public address, or `auto` when it is not known".into()),
                    );
                    None
                }
            },
            _ => {
                self.err(
                    s.pos,
                    format!("invalid public IP `{t}` in {ctx}"),
                    Some("write an IPv4 address, or `auto` when it is not known".into()),
                );
                None
            }
        }
    }

    // ----- NAT gateways and load balancers ------------------------------

    fn nats(&mut self) {
        for (i, n) in self.src.nat_gateways.iter().enumerate() {
            let ctx = format!("nat gateway `{}`", n.name.value);
            let subnet = self.lookup1(&n.subnet, Kind::Subnet, &ctx);
            let vpc = self.subnet_vpc(subnet);
            let scidr = self.t.subnets.get(subnet).and_then(|s| s.cidr);
            let public = match &n.connectivity {
                None => true,
                Some(c) => self
                    .choice(
                        c,
                        &[("public", true), ("private", false)],
                        "connectivity",
                        &ctx,
                    )
                    .unwrap_or(true),
            };
            let private_ip = n.private_ip.as_ref().and_then(|p| {
                let a = values::ipv4(&p.value, &ctx)
                    .map_err(|x| self.problem(p.pos, x))
                    .ok()?;
                if let Some(c) = scidr
                    && !c.contains(&a)
                {
                    self.err(
                        p.pos,
                        format!(
                            "private IP `{a}` of {ctx} is outside subnet `{}` (`{c}`)",
                            n.subnet.value
                        ),
                        None,
                    );
                }
                Some((a, p.pos))
            });
            let public_ip = n.public_ip.as_ref().and_then(|p| {
                if !public {
                    self.err(
                        p.pos,
                        format!("{ctx} is private, but has public IP `{}`", p.value),
                        Some("only public nat gateways have an Elastic IP".into()),
                    );
                    return None;
                }
                self.public_addr(p, &ctx).flatten()
            });
            let available = n
                .state
                .as_deref()
                .is_none_or(|s| s.trim().eq_ignore_ascii_case("available"));
            let declared = self.nat_enis.get(&i).cloned().unwrap_or_default();
            let eni = match declared.as_slice() {
                [] => {
                    // The NAT's own `public_ip` is in the model only through
                    // the derived interface.
                    if let (Some(a), Some(at)) = (public_ip, &n.public_ip) {
                        self.public_used.push((a, ctx.clone(), at.pos));
                    }
                    self.derive_nat_eni(i, n, subnet, vpc, scidr, public, private_ip, public_ip)
                }
                [one, rest @ ..] => {
                    for extra in rest {
                        let first = self
                            .t
                            .enis
                            .get(*one)
                            .map(|x| (x.meta.name.clone(), x.meta.pos));
                        let (fname, fpos) = first.unwrap_or_default();
                        let (ename, epos) = self
                            .t
                            .enis
                            .get(*extra)
                            .map(|x| (x.meta.name.clone(), x.meta.pos))
                            .unwrap_or_default();
                        self.err(
                            epos,
                            format!(
                                "{ctx} has two network interfaces: `{fname}`{} and `{ename}`",
                                at_line(fpos)
                            ),
                            Some("a nat gateway has exactly one network interface".into()),
                        );
                    }
                    let (esub, ename, epos) = self
                        .t
                        .enis
                        .get(*one)
                        .map(|x| (x.subnet, x.meta.name.clone(), x.meta.pos))
                        .unwrap_or((BAD, String::new(), Pos::default()));
                    if subnet != BAD && esub != BAD && esub != subnet {
                        self.err(
                            epos,
                            format!(
                                "network interface `{ename}` of {ctx} is not in the nat gateway's subnet `{}`",
                                n.subnet.value
                            ),
                            None,
                        );
                    }
                    *one
                }
            };
            self.t.nats.push(r::Nat {
                meta: meta(&n.name, &n.aws_id),
                subnet,
                public,
                available,
                eni,
            });
        }
    }

    /// The interface of a NAT gateway that declares none (C-7.1): in its
    /// subnet, at `private_ip` or the first free address, mapped to its EIP.
    #[allow(
        clippy::too_many_arguments,
        reason = "one call site; the values are computed there"
    )]
    fn derive_nat_eni(
        &mut self,
        nat: r::NatId,
        n: &f::NatGateway,
        subnet: r::SubnetId,
        vpc: r::VpcId,
        scidr: Option<Ipv4Net>,
        public: bool,
        private_ip: Option<(Ipv4Addr, Pos)>,
        public_ip: Option<Ipv4Addr>,
    ) -> r::EniId {
        let ctx = format!("nat gateway `{}`", n.name.value);
        let addr = match (private_ip, scidr) {
            (Some((a, pos)), _) => {
                self.use_address(vpc, IpAddr::V4(a), &ctx, pos);
                Some(a)
            }
            (None, Some(c)) => {
                let found = values::free_v4(c, |a| self.is_free(vpc, IpAddr::V4(a)));
                match found {
                    Some(a) => self.use_address(vpc, IpAddr::V4(a), &ctx, n.name.pos),
                    None => self.err(
                        n.subnet.pos,
                        format!("subnet `{}` has no free address for {ctx}", n.subnet.value),
                        None,
                    ),
                }
                found
            }
            (None, None) => {
                if subnet != BAD {
                    self.err(
                        n.subnet.pos,
                        format!(
                            "{ctx} is in subnet `{}`, which has no IPv4 CIDR",
                            n.subnet.value
                        ),
                        None,
                    );
                }
                None
            }
        };
        let public_map = public.then_some(match public_ip {
            Some(a) => PublicIp::Known { addr: a, eip: true },
            None => PublicIp::Auto,
        });
        let name = self.unique_name(format!("{}-eni", n.name.value));
        let id = self.t.enis.len();
        self.derived_names
            .push((name.clone(), ResourceRef::Eni(id)));
        self.t.enis.push(r::Eni {
            meta: Meta {
                name,
                aws_id: None,
                pos: Pos::default(),
            },
            subnet,
            vpc,
            instance: None,
            owner: EniOwner::Nat(nat),
            private_ips: addr
                .map(|a| {
                    vec![r::PrivateIp {
                        addr: a,
                        public: public_map,
                        pos: n.name.pos,
                    }]
                })
                .unwrap_or_default(),
            ipv6_addresses: Vec::new(),
            ipv4_prefixes: Vec::new(),
            ipv6_prefixes: Vec::new(),
            security_groups: Vec::new(),
            source_dest_check: false,
            attached: true,
            derived: true,
        });
        id
    }

    /// A public IPv4 maps to one private address (C-2.2): report each later
    /// mapping of an address, in file order, at the address.
    fn public_ip_reuse(&mut self) {
        let mut used = std::mem::take(&mut self.public_used);
        // Stable: mappings at one position keep the order they were found in.
        used.sort_by_key(|(_, _, pos)| *pos);
        let mut first: HashMap<Ipv4Addr, (String, Pos)> = HashMap::new();
        for (addr, who, pos) in used {
            match first.get(&addr) {
                Some((fwho, fpos)) => {
                    let msg = format!(
                        "public IP `{addr}` of {who} is already mapped to {fwho}{}",
                        at_line(*fpos)
                    );
                    self.err(
                        pos,
                        msg,
                        Some("a public IPv4 address maps to one private address".into()),
                    );
                }
                None => {
                    first.insert(addr, (who, pos));
                }
            }
        }
    }

    fn load_balancers(&mut self) {
        for (i, lb) in self.src.load_balancers.iter().enumerate() {
            let ctx = format!("load balancer `{}`", lb.name.value);
            let kind = self.choice(
                &lb.kind,
                &[
                    ("application", LbKind::Application),
                    ("network", LbKind::Network),
                ],
                "load balancer type",
                &ctx,
            );
            let internet_facing = self
                .choice(
                    &lb.scheme,
                    &[("internet-facing", true), ("internal", false)],
                    "scheme",
                    &ctx,
                )
                .unwrap_or(false);
            // (dualstack, public IPv4 on internet-facing nodes)
            let (dualstack, public_v4) = match &lb.ip_address_type {
                None => (false, true),
                Some(t) => self
                    .choice(
                        t,
                        &[
                            ("ipv4", (false, true)),
                            ("dualstack", (true, true)),
                            ("dualstack-without-public-ipv4", (true, false)),
                        ],
                        "ip_address_type",
                        &ctx,
                    )
                    .unwrap_or((false, true)),
            };
            let mut subnets = Vec::with_capacity(lb.subnets.len());
            let mut vpc = BAD;
            let mut first_subnet: Option<&str> = None;
            for s in &lb.subnets {
                let id = self.lookup1(s, Kind::Subnet, &ctx);
                let sv = self.subnet_vpc(id);
                if sv != BAD {
                    match first_subnet {
                        None => {
                            vpc = sv;
                            first_subnet = Some(&s.value);
                        }
                        Some(fs) if sv != vpc => {
                            let msg = format!(
                                "{ctx} has subnets in two vpcs: `{fs}` is in vpc `{}`, `{}` in vpc `{}`",
                                self.vpc_name(vpc),
                                s.value,
                                self.vpc_name(sv)
                            );
                            self.err(
                                s.pos,
                                msg,
                                Some("all subnets of a load balancer are in one vpc".into()),
                            );
                        }
                        Some(_) => {}
                    }
                }
                if id != BAD && !subnets.contains(&id) {
                    subnets.push(id);
                }
            }
            if lb.subnets.is_empty() {
                self.err(lb.name.pos, format!("{ctx} has no subnets"), None);
            }
            let security_groups = self.sg_list(&lb.security_groups, &ctx, vpc);
            if kind == Some(LbKind::Application) && lb.security_groups.is_empty() {
                // C-14.3: an ALB always has at least one security group. With
                // none, its nodes would admit nothing, and a check would prove
                // it closed (fail open).
                self.err(
                    lb.name.pos,
                    format!("{ctx} is an application load balancer with no security groups"),
                    Some("list its security groups: an application load balancer always has at least one".into()),
                );
            }
            let listeners = self.listeners(lb, kind, &ctx);
            let declared = self.lb_enis.get(&i).cloned().unwrap_or_default();
            if kind == Some(LbKind::Application) {
                // The nodes carry the ALB's groups; a declared node without
                // any would admit nothing (fail open), like the ALB above.
                for &e in &declared {
                    let Some(src) = self.src.network_interfaces.get(e) else {
                        continue;
                    };
                    if src.security_groups.is_empty() {
                        self.err(
                            src.name.pos,
                            format!(
                                "network interface `{}` is a node of application {ctx}, but has no security groups",
                                src.name.value
                            ),
                            Some("list the load balancer's security groups on it".into()),
                        );
                    }
                }
            }
            let (enis, nodes_derived) = if declared.is_empty() {
                let mut enis = Vec::with_capacity(subnets.len());
                for &s in &subnets {
                    enis.push(self.derive_lb_node(
                        i,
                        lb,
                        s,
                        internet_facing && public_v4,
                        dualstack,
                        &security_groups,
                    ));
                }
                (enis, true)
            } else {
                (declared, false)
            };
            self.t.load_balancers.push(r::LoadBalancer {
                meta: meta(&lb.name, &lb.aws_id),
                kind: kind.unwrap_or(LbKind::Application),
                internet_facing,
                dualstack,
                vpc,
                subnets,
                security_groups,
                listeners,
                enis,
                nodes_derived,
            });
        }
    }

    fn listeners(
        &mut self,
        lb: &f::LoadBalancer,
        kind: Option<LbKind>,
        ctx: &str,
    ) -> Vec<r::Listener> {
        let mut out = Vec::with_capacity(lb.listeners.len());
        for l in &lb.listeners {
            let protocol = match kind {
                Some(LbKind::Application) => {
                    self.lb_protocol(&l.protocol, &["HTTP", "HTTPS"], "an application", ctx)
                }
                Some(LbKind::Network) => self.lb_protocol(
                    &l.protocol,
                    &["TCP", "TLS", "UDP", "TCP_UDP"],
                    "a network",
                    ctx,
                ),
                None => None,
            };
            let port = self.port_1_65535(&l.port, "listener port", ctx);
            let target_group = l
                .target_group
                .as_ref()
                .map(|t| self.lookup1(t, Kind::TargetGroup, ctx));
            if let (Some(protocol), Some(port)) = (protocol, port) {
                out.push(r::Listener {
                    protocol,
                    port,
                    target_group: target_group.filter(|&t| t != BAD),
                    pos: l.pos,
                });
            }
        }
        out
    }

    /// A listener protocol valid for the load balancer type (C-14.3, C-14.4).
    fn lb_protocol(
        &mut self,
        p: &Sp<String>,
        valid: &[&str],
        lb_kind: &str,
        ctx: &str,
    ) -> Option<LbProtocol> {
        let t = p.value.trim();
        match parse_lb_protocol(t) {
            Some(proto) if valid.iter().any(|v| v.eq_ignore_ascii_case(t)) => Some(proto),
            Some(_) => {
                self.err(
                    p.pos,
                    format!("{ctx} is {lb_kind} load balancer, which has no `{t}` listeners"),
                    Some(format!(
                        "{lb_kind} load balancer listens on {}",
                        one_of(valid)
                    )),
                );
                None
            }
            None => {
                let help = did_you_mean(&t.to_ascii_uppercase(), valid.iter().copied())
                    .or_else(|| Some(format!("expected {}", one_of(valid))));
                self.err(
                    p.pos,
                    format!("invalid listener protocol `{t}` in {ctx}"),
                    help,
                );
                None
            }
        }
    }

    fn port_1_65535(&mut self, p: &Sp<u32>, what: &str, ctx: &str) -> Option<u16> {
        match u16::try_from(p.value) {
            Ok(port) if port >= 1 => Some(port),
            _ => {
                self.err(
                    p.pos,
                    format!(
                        "invalid {what} `{}` in {ctx}: ports are 1 to 65535",
                        p.value
                    ),
                    None,
                );
                None
            }
        }
    }

    /// One node interface of a load balancer that declares none (C-14.1):
    /// a free private IPv4, public when internet-facing, and a free IPv6
    /// address when dualstack.
    fn derive_lb_node(
        &mut self,
        lb: r::LbId,
        src: &f::LoadBalancer,
        subnet: r::SubnetId,
        public: bool,
        dualstack: bool,
        sgs: &[r::SgId],
    ) -> r::EniId {
        let (sname, vpc, cidr, cidr6) = self
            .t
            .subnets
            .get(subnet)
            .map(|s| (s.meta.name.clone(), s.vpc, s.cidr, s.ipv6_cidr))
            .unwrap_or((String::new(), BAD, None, None));
        let name = self.unique_name(format!("{}-{sname}", src.name.value));
        let who = format!("load balancer node `{name}`");
        let mut private_ips = Vec::new();
        if let Some(c) = cidr {
            match values::free_v4(c, |a| self.is_free(vpc, IpAddr::V4(a))) {
                Some(a) => {
                    self.use_address(vpc, IpAddr::V4(a), &who, src.name.pos);
                    private_ips.push(r::PrivateIp {
                        addr: a,
                        public: public.then_some(PublicIp::Auto),
                        pos: src.name.pos,
                    });
                }
                None => self.err(
                    src.name.pos,
                    format!(
                        "subnet `{sname}` has no free address for load balancer `{}`",
                        src.name.value
                    ),
                    None,
                ),
            }
        }
        let mut ipv6_addresses = Vec::new();
        if dualstack
            && let Some(c) = cidr6
            && let Some(a) = values::free_v6(c, |a| self.is_free(vpc, IpAddr::V6(a)))
        {
            self.use_address(vpc, IpAddr::V6(a), &who, src.name.pos);
            ipv6_addresses.push(a);
        }
        let id = self.t.enis.len();
        self.derived_names
            .push((name.clone(), ResourceRef::Eni(id)));
        self.t.enis.push(r::Eni {
            meta: Meta {
                name,
                aws_id: None,
                pos: Pos::default(),
            },
            subnet,
            vpc,
            instance: None,
            owner: EniOwner::LoadBalancer(lb),
            private_ips,
            ipv6_addresses,
            ipv4_prefixes: Vec::new(),
            ipv6_prefixes: Vec::new(),
            security_groups: sgs.to_vec(),
            source_dest_check: false,
            attached: true,
            derived: true,
        });
        id
    }

    fn target_groups(&mut self) {
        for tg in &self.src.target_groups {
            let ctx = format!("target group `{}`", tg.name.value);
            let target_type = self.choice(
                &tg.target_type,
                &[("instance", TargetType::Instance), ("ip", TargetType::Ip)],
                "target_type",
                &ctx,
            );
            let protocol = {
                let t = tg.protocol.value.trim();
                let p = parse_lb_protocol(t);
                if p.is_none() {
                    let help = did_you_mean(
                        &t.to_ascii_uppercase(),
                        LB_PROTOCOLS.iter().map(|(n, _)| *n),
                    )
                    .or_else(|| {
                        Some(format!(
                            "expected {}",
                            one_of(&LB_PROTOCOLS.iter().map(|(n, _)| *n).collect::<Vec<_>>())
                        ))
                    });
                    self.err(
                        tg.protocol.pos,
                        format!("invalid protocol `{t}` in {ctx}"),
                        help,
                    );
                }
                p
            };
            let port = self.port_1_65535(&tg.port, "port", &ctx);
            // C-14.4: client IP preservation defaults.
            let default_preserve = match (protocol, target_type) {
                (Some(LbProtocol::Http | LbProtocol::Https), _) => false,
                (_, Some(TargetType::Instance)) => true,
                (Some(LbProtocol::Udp | LbProtocol::TcpUdp), _) => true,
                _ => false,
            };
            if tg.preserve_client_ip == Some(false)
                && target_type == Some(TargetType::Ip)
                && matches!(protocol, Some(LbProtocol::Udp | LbProtocol::TcpUdp))
            {
                self.err(
                    tg.name.pos,
                    format!("{ctx} turns off client IP preservation, which is always on for ip targets over UDP"),
                    Some("remove `preserve_client_ip: false`".into()),
                );
            }
            let mut targets = Vec::with_capacity(tg.targets.len());
            for t in &tg.targets {
                if let Some(x) = self.target(t, target_type, &ctx, port) {
                    targets.push(x);
                }
            }
            if let (Some(target_type), Some(protocol), Some(port)) = (target_type, protocol, port) {
                self.t.target_groups.push(r::TargetGroup {
                    meta: meta(&tg.name, &tg.aws_id),
                    target_type,
                    protocol,
                    port,
                    preserve_client_ip: tg.preserve_client_ip.unwrap_or(default_preserve),
                    targets,
                });
            } else {
                // Keep indices aligned with the file; this topology has errors.
                self.t.target_groups.push(r::TargetGroup {
                    meta: meta(&tg.name, &tg.aws_id),
                    target_type: TargetType::Ip,
                    protocol: LbProtocol::Tcp,
                    port: 1,
                    preserve_client_ip: false,
                    targets,
                });
            }
        }
    }

    fn target(
        &mut self,
        t: &Sp<f::Target>,
        tt: Option<TargetType>,
        ctx: &str,
        tg_port: Option<u16>,
    ) -> Option<r::Target> {
        let port = match &t.port {
            Some(p) => self.port_1_65535(p, "target port", ctx),
            None => tg_port,
        };
        let target = match (&t.instance, &t.ip) {
            (Some(i), None) => {
                if tt == Some(TargetType::Ip) {
                    self.err(
                        i.pos,
                        format!(
                            "{ctx} has target_type `ip`, but a target names instance `{}`",
                            i.value
                        ),
                        Some("write `ip: <address>`, or set `target_type: instance`".into()),
                    );
                    return None;
                }
                let (kind, id) = self.lookup(
                    i,
                    &[Kind::Instance, Kind::Eni],
                    "instance or network interface",
                    ctx,
                )?;
                match kind {
                    Kind::Instance => TargetRef::Eni(self.primary_eni(id, i, ctx)?),
                    _ => TargetRef::Eni(id),
                }
            }
            (None, Some(ip)) => {
                if tt == Some(TargetType::Instance) {
                    self.err(
                        ip.pos,
                        format!(
                            "{ctx} has target_type `instance`, but a target is the address `{}`",
                            ip.value
                        ),
                        Some("write `instance: <name>`, or set `target_type: ip`".into()),
                    );
                    return None;
                }
                TargetRef::Ip(
                    values::ip(&ip.value, ctx)
                        .map_err(|p| self.problem(ip.pos, p))
                        .ok()?,
                )
            }
            (Some(_), Some(_)) => {
                self.err(
                    t.pos,
                    format!("a target of {ctx} sets both `instance` and `ip`"),
                    Some("set exactly one".into()),
                );
                return None;
            }
            (None, None) => {
                self.err(
                    t.pos,
                    format!("a target of {ctx} sets neither `instance` nor `ip`"),
                    Some("set exactly one".into()),
                );
                return None;
            }
        };
        Some(r::Target {
            target,
            port: port?,
            pos: t.pos,
        })
    }

    /// An instance's primary interface (its first, in file order).
    fn primary_eni(&mut self, inst: r::InstanceId, at: &Sp<String>, ctx: &str) -> Option<r::EniId> {
        let first = self
            .t
            .instances
            .get(inst)
            .and_then(|i| i.enis.first().copied());
        if first.is_none() {
            self.err(
                at.pos,
                format!(
                    "{ctx} refers to instance `{}`, which has no network interface",
                    at.value
                ),
                Some("declare a network interface with `instance:` naming it".into()),
            );
        }
        first
    }

    // ----- routes and edge associations --------------------------------

    fn routes(&mut self) {
        for (ti, rt) in self.src.route_tables.iter().enumerate() {
            let ctx = format!("route table `{}`", rt.name.value);
            let vpc = self.t.route_tables.get(ti).map_or(BAD, |x| x.vpc);
            let vname = self.vpc_name(vpc);
            let mut edges = Vec::new();
            for ea in &rt.edge_associations {
                let Some((kind, id)) = self.lookup(
                    ea,
                    &[Kind::Igw, Kind::Vgw],
                    "internet gateway or vpn gateway",
                    &ctx,
                ) else {
                    continue;
                };
                if kind == Kind::Igw {
                    let (gvpc, existing) = self
                        .t
                        .igws
                        .get(id)
                        .map_or((None, None), |g| (g.vpc, g.edge_route_table));
                    // C-3.11: the gateway must be attached to the table's VPC.
                    if vpc != BAD && gvpc != Some(vpc) {
                        let where_ = gvpc.map_or("is not attached to a vpc".into(), |g| {
                            format!("is attached to vpc `{}`", self.vpc_name(g))
                        });
                        self.err(
                            ea.pos,
                            format!("{ctx} (vpc `{vname}`) is an edge table of internet gateway `{}`, which {where_}", ea.value),
                            None,
                        );
                    }
                    match existing {
                        Some(other) if other != ti => {
                            let oname = self
                                .t
                                .route_tables
                                .get(other)
                                .map(|x| x.meta.name.clone())
                                .unwrap_or_default();
                            self.err(
                                ea.pos,
                                format!(
                                    "internet gateway `{}` already has edge route table `{oname}`",
                                    ea.value
                                ),
                                Some(
                                    "a gateway can be associated with only one route table".into(),
                                ),
                            );
                        }
                        _ => {
                            if let Some(g) = self.t.igws.get_mut(id) {
                                g.edge_route_table = Some(ti);
                            }
                        }
                    }
                    edges.push(GatewayRef::Igw(id));
                } else {
                    self.vgw_in_vpc(id, ea, &ctx, vpc);
                    edges.push(GatewayRef::Vgw(id));
                }
            }
            let mut propagating = Vec::new();
            for pg in &rt.propagating_gateways {
                if let Some((_, id)) = self.lookup(pg, &[Kind::Vgw], Kind::Vgw.label(), &ctx) {
                    self.vgw_in_vpc(id, pg, &ctx, vpc);
                    if let Some(&(Kind::Vgw, sec)) = self.other_src.get(id) {
                        propagating.push(sec);
                    }
                }
            }
            let mut routes = Vec::with_capacity(rt.routes.len());
            let mut seen: HashMap<String, Pos> = HashMap::new();
            for route in &rt.routes {
                if let Some(x) = self.route(route, &ctx, vpc, &mut seen) {
                    routes.push(x);
                }
            }
            if let Some(t) = self.t.route_tables.get_mut(ti) {
                t.edge_associations = edges;
                t.propagating_vgws = propagating;
                t.routes = routes;
            }
        }
    }

    /// A VGW used by a table must be attached to the table's VPC.
    fn vgw_in_vpc(&mut self, other: usize, at: &Sp<String>, ctx: &str, vpc: r::VpcId) {
        let Some(&(Kind::Vgw, sec)) = self.other_src.get(other) else {
            return;
        };
        let Some(g) = self.src.vpn_gateways.get(sec) else {
            return;
        };
        let vname = self.vpc_name(vpc);
        match &g.vpc {
            Some(v) if vpc != BAD && v.value != vname => self.err(
                at.pos,
                format!(
                    "{ctx} (vpc `{vname}`) uses vpn gateway `{}`, which is attached to vpc `{}`",
                    at.value, v.value
                ),
                None,
            ),
            _ => {}
        }
    }

    /// The destination of a route: exactly one of a CIDR and a prefix list,
    /// with its text for messages.
    fn route_dest(
        &mut self,
        destination: &Option<Sp<String>>,
        prefix_list: &Option<Sp<String>>,
        pos: Pos,
        ctx: &str,
    ) -> Option<(RouteDest, String)> {
        match (destination, prefix_list) {
            (Some(d), None) => self
                .cidr(d, ctx)
                .map(|n| (RouteDest::Cidr(n), format!("`{n}`"))),
            (None, Some(p)) => {
                let id = self.lookup1(p, Kind::PrefixList, ctx);
                (id != BAD).then(|| {
                    (
                        RouteDest::PrefixList(id),
                        format!("prefix list `{}`", p.value),
                    )
                })
            }
            (Some(_), Some(_)) => {
                self.err(
                    pos,
                    format!("a route of {ctx} sets both `destination` and `prefix_list`"),
                    Some("set exactly one; write one route per destination".into()),
                );
                None
            }
            (None, None) => {
                self.err(
                    pos,
                    format!("a route of {ctx} sets neither `destination` nor `prefix_list`"),
                    Some("set `destination: <cidr>` or `prefix_list: <name>`".into()),
                );
                None
            }
        }
    }

    fn route(
        &mut self,
        route: &Sp<f::Route>,
        ctx: &str,
        vpc: r::VpcId,
        seen: &mut HashMap<String, Pos>,
    ) -> Option<r::Route> {
        let dest = self.route_dest(&route.destination, &route.prefix_list, route.pos, ctx);
        let blackhole_state = match &route.state {
            None => Some(false),
            Some(s) => self.choice(
                s,
                &[("active", false), ("blackhole", true)],
                "route state",
                ctx,
            ),
        };
        let propagated = match &route.origin {
            None => Some(false),
            Some(o) => self.choice(
                o,
                &[("static", false), ("propagated", true)],
                "route origin",
                ctx,
            ),
        };
        let (dest, dtext) = dest?;
        let family = match &dest {
            RouteDest::Cidr(n) => Some(if n.addr().is_ipv4() {
                AddressFamily::Ipv4
            } else {
                AddressFamily::Ipv6
            }),
            RouteDest::PrefixList(p) => self.pl_family.get(*p).copied().flatten(),
        };
        let target = self.route_target(&route.target, ctx, vpc, &dest, &dtext, family)?;
        let (blackhole_state, propagated) = (blackhole_state?, propagated?);
        // AWS refuses a second static route for the same destination.
        if !propagated {
            let key = dtext.clone();
            if let Some(first) = seen.get(&key) {
                self.err(
                    route.pos,
                    format!("{ctx} has two routes for {dtext}{}", at_line(*first)),
                    Some("a route table has one route per destination".into()),
                );
            } else {
                seen.insert(key, route.pos);
            }
        }
        Some(r::Route {
            dest,
            blackhole: blackhole_state || target == RouteTarget::Blackhole,
            target,
            propagated,
            pos: route.pos,
        })
    }

    fn route_target(
        &mut self,
        t: &Sp<String>,
        ctx: &str,
        vpc: r::VpcId,
        dest: &RouteDest,
        dtext: &str,
        family: Option<AddressFamily>,
    ) -> Option<RouteTarget> {
        let name = t.value.trim();
        match name {
            "local" => return Some(RouteTarget::Local),
            "blackhole" => return Some(RouteTarget::Blackhole),
            _ => {}
        }
        let Some(e) = self.names.get(name).copied() else {
            let help = self.suggest(name, ROUTE_TARGETS, &["local", "blackhole"]);
            self.err(
                t.pos,
                format!("{ctx} routes {dtext} to unknown target `{name}`"),
                help,
            );
            return None;
        };
        let vname = self.vpc_name(vpc);
        let elsewhere = |this: &Self, other: r::VpcId, what: &str| -> Option<String> {
            (vpc != BAD && other != BAD && other != vpc).then(|| {
                format!(
                    "{ctx} (vpc `{vname}`) routes {dtext} to {what} `{name}` in vpc `{}`",
                    this.vpc_name(other)
                )
            })
        };
        let mut problem: Option<(String, Option<String>)> = None;
        let target = match e.kind {
            Kind::Igw => {
                // A detached gateway is allowed (the route is a blackhole in
                // AWS); one attached to another VPC is not.
                let gvpc = self.t.igws.get(e.idx).and_then(|g| g.vpc).unwrap_or(vpc);
                problem = elsewhere(self, gvpc, "internet gateway").map(|m| (m, None));
                RouteTarget::Igw(e.idx)
            }
            Kind::Eigw => {
                let gvpc = self.t.eigws.get(e.idx).map_or(BAD, |g| g.vpc);
                problem = elsewhere(self, gvpc, "egress-only internet gateway").map(|m| (m, None));
                if family == Some(AddressFamily::Ipv4) {
                    // C-6.9: an egress-only internet gateway carries IPv6 only.
                    problem = Some((
                        format!(
                            "{ctx} routes IPv4 destination {dtext} to egress-only internet gateway `{name}`, which carries IPv6 only"
                        ),
                        Some("route IPv4 to an internet gateway or a nat gateway".into()),
                    ));
                }
                RouteTarget::Eigw(e.idx)
            }
            Kind::Nat => {
                let nvpc = self.src.nat_gateways.get(e.idx).map_or(BAD, |n| {
                    self.names
                        .get(n.subnet.value.as_str())
                        .filter(|s| s.kind == Kind::Subnet)
                        .map_or(BAD, |s| self.subnet_vpc(s.idx))
                });
                problem = elsewhere(self, nvpc, "nat gateway").map(|m| (m, None));
                // C-7.4: a NAT gateway takes IPv6 only for NAT64.
                let nat64: Ipv6Net =
                    Ipv6Net::new(Ipv6Addr::new(0x64, 0xff9b, 0, 0, 0, 0, 0, 0), 96)
                        .unwrap_or_default();
                let is_nat64 = matches!(dest, RouteDest::Cidr(IpNet::V6(n)) if *n == nat64);
                if family == Some(AddressFamily::Ipv6) && !is_nat64 {
                    problem = Some((
                        format!(
                            "{ctx} routes IPv6 destination {dtext} to nat gateway `{name}`, which takes IPv6 only for `64:ff9b::/96` (NAT64)"
                        ),
                        Some(
                            "route IPv6 internet traffic to an egress-only internet gateway".into(),
                        ),
                    ));
                }
                RouteTarget::Nat(e.idx)
            }
            Kind::Peering => {
                let (a, b) = self
                    .t
                    .peerings
                    .get(e.idx)
                    .map_or((BAD, BAD), |p| (p.requester, p.accepter));
                if vpc != BAD && a != BAD && b != BAD && a != vpc && b != vpc {
                    problem = Some((
                        format!(
                            "{ctx} (vpc `{vname}`) routes {dtext} to peering connection `{name}`, which connects vpcs `{}` and `{}`",
                            self.vpc_name(a),
                            self.vpc_name(b)
                        ),
                        None,
                    ));
                }
                RouteTarget::Peering(e.idx)
            }
            Kind::Endpoint => {
                let (evpc, kind) = self
                    .t
                    .endpoints
                    .get(e.idx)
                    .map_or((BAD, None), |x| (x.vpc, Some(x.kind)));
                problem = elsewhere(self, evpc, "vpc endpoint").map(|m| (m, None));
                match kind {
                    Some(EndpointKind::Interface) => {
                        problem = Some((
                            format!("{ctx} routes {dtext} to interface endpoint `{name}`, which cannot be a route target"),
                            Some("only gateway and gateway-load-balancer endpoints are route targets".into()),
                        ));
                        RouteTarget::Blackhole
                    }
                    Some(EndpointKind::GatewayLoadBalancer) => RouteTarget::Unmodelled(
                        self.gwlbe_other.get(&e.idx).copied().unwrap_or(BAD),
                    ),
                    _ => RouteTarget::GatewayEndpoint(e.idx),
                }
            }
            Kind::Eni => {
                let evpc = self.t.enis.get(e.idx).map_or(BAD, |x| x.vpc);
                problem = elsewhere(self, evpc, "network interface").map(|m| (m, None));
                RouteTarget::Eni(e.idx)
            }
            Kind::Instance => {
                // C-3.10: an instance target is its primary interface.
                let eni = self.primary_eni(e.idx, t, ctx)?;
                let evpc = self.t.enis.get(eni).map_or(BAD, |x| x.vpc);
                problem = elsewhere(self, evpc, "instance").map(|m| (m, None));
                RouteTarget::Eni(eni)
            }
            Kind::Tgw => RouteTarget::Unmodelled(e.idx),
            Kind::Vgw => {
                self.vgw_in_vpc(e.idx, t, ctx, vpc);
                RouteTarget::Unmodelled(e.idx)
            }
            other => {
                let help = self.suggest(name, ROUTE_TARGETS, &["local", "blackhole"]);
                self.err(
                    t.pos,
                    format!("{ctx} routes {dtext} to `{name}`, which is {} and cannot be a route target", other.a()),
                    help,
                );
                return None;
            }
        };
        if let Some((msg, help)) = problem {
            self.err(t.pos, msg, help);
            return None;
        }
        Some(target)
    }

    /// C-13.1: associating a route table with a gateway endpoint adds the
    /// route `prefix list → endpoint` to the table. Each associated table
    /// gets that route, at the association entry, unless it already routes
    /// the prefix list, or already routes to the endpoint (the file wrote
    /// the endpoint's route itself). An endpoint without `prefix_list` gets a
    /// derived list, `<endpoint>-pl`, whose entries are unknown: lookups in
    /// those tables are then `unknown` rather than guessed (fail closed).
    fn gateway_endpoint_routes(&mut self) {
        let s = self.src;
        for (ei, e) in s.vpc_endpoints.iter().enumerate() {
            let Some(ep) = self.t.endpoints.get(ei) else {
                continue;
            };
            if ep.kind != EndpointKind::Gateway
                || (e.prefix_list.is_some() && ep.prefix_list.is_none())
            {
                // Not a gateway endpoint, or its prefix list did not resolve
                // (already reported).
                continue;
            }
            let mut pl = ep.prefix_list;
            let (want_v4, want_v6) = (ep.ip_address_type.v4(), ep.ip_address_type.v6());
            // An IPv6-capable endpoint without its IPv6 list still has the
            // route: its entries are unknown (fail closed).
            let v6_list = match ep.ipv6_prefix_list {
                Some(p) => Some(p),
                None if want_v6 && !e.route_tables.is_empty() && e.ipv6_prefix_list.is_none() => {
                    let p = self.derive_endpoint_prefix_list(ei);
                    // `derive_endpoint_prefix_list` records the IPv4 list: move it.
                    if let Some(x) = self.t.endpoints.get_mut(ei) {
                        x.prefix_list = pl;
                        x.ipv6_prefix_list = Some(p);
                    }
                    Some(p)
                }
                None => None,
            };
            let target = RouteTarget::GatewayEndpoint(ei);
            for rt in &e.route_tables {
                let Some(entry) = self
                    .names
                    .get(rt.value.as_str())
                    .filter(|x| x.kind == Kind::RouteTable)
                    .copied()
                else {
                    continue;
                };
                if want_v4 {
                    // A route the file wrote itself (to the endpoint, or for
                    // its prefix list) stands for the association.
                    let present = self.t.route_tables.get(entry.idx).is_none_or(|t| {
                        t.routes.iter().any(|r| match r.dest {
                            RouteDest::PrefixList(p) => {
                                Some(p) == pl || (r.target == target && Some(p) != v6_list)
                            }
                            RouteDest::Cidr(_) => r.target == target,
                        })
                    });
                    if !present {
                        let list = match pl {
                            Some(p) => p,
                            None => {
                                let p = self.derive_endpoint_prefix_list(ei);
                                pl = Some(p);
                                p
                            }
                        };
                        if let Some(t) = self.t.route_tables.get_mut(entry.idx) {
                            t.routes.push(r::Route {
                                dest: RouteDest::PrefixList(list),
                                target: target.clone(),
                                blackhole: false,
                                propagated: false,
                                pos: rt.pos,
                            });
                        }
                    }
                }
                // C-13.5: a dual-stack or IPv6 endpoint also adds the route
                // for the service's IPv6 prefix list.
                if want_v6
                    && let Some(list6) = v6_list
                    && let Some(t) = self.t.route_tables.get_mut(entry.idx)
                    && !t
                        .routes
                        .iter()
                        .any(|r| matches!(r.dest, RouteDest::PrefixList(p) if p == list6))
                {
                    t.routes.push(r::Route {
                        dest: RouteDest::PrefixList(list6),
                        target: target.clone(),
                        blackhole: false,
                        propagated: false,
                        pos: rt.pos,
                    });
                }
            }
        }
    }

    /// The prefix list of a gateway endpoint that names none: the service's
    /// list, with unknown entries.
    fn derive_endpoint_prefix_list(&mut self, ep: r::EndpointId) -> r::PrefixListId {
        let (ename, service) = self
            .t
            .endpoints
            .get(ep)
            .map(|e| (e.meta.name.clone(), e.service.clone()))
            .unwrap_or_default();
        let name = self.unique_name(format!("{ename}-pl"));
        let id = self.t.prefix_lists.len();
        self.derived_names
            .push((name.clone(), ResourceRef::PrefixList(id)));
        self.t.prefix_lists.push(r::PrefixList {
            meta: Meta {
                name,
                aws_id: None,
                pos: Pos::default(),
            },
            entries: None,
            service: Some(service),
            family: None,
        });
        self.pl_family.push(None);
        if let Some(e) = self.t.endpoints.get_mut(ep) {
            e.prefix_list = Some(id);
        }
        id
    }

    // ----- BPA, policy, gaps -------------------------------------------

    fn bpa(&mut self) {
        let Some(b) = &self.src.block_public_access else {
            return;
        };
        let ctx = "block_public_access";
        let mode = self
            .choice(
                &b.mode,
                &[
                    ("off", BpaMode::Off),
                    ("block-bidirectional", BpaMode::BlockBidirectional),
                    ("block-ingress", BpaMode::BlockIngress),
                ],
                "mode",
                ctx,
            )
            .unwrap_or_default();
        let mut out = r::BlockPublicAccess {
            mode,
            pos: b.pos,
            ..Default::default()
        };
        for ex in &b.exclusions {
            let ectx = format!("a block_public_access exclusion of `{}`", ex.resource.value);
            let emode = self.choice(
                &ex.mode,
                &[
                    ("allow-bidirectional", BpaExclusionMode::AllowBidirectional),
                    ("allow-egress", BpaExclusionMode::AllowEgress),
                ],
                "exclusion mode",
                &ectx,
            );
            let res = self.lookup(
                &ex.resource,
                &[Kind::Vpc, Kind::Subnet],
                "vpc or subnet",
                "block_public_access",
            );
            match (res, emode) {
                (Some((Kind::Vpc, id)), Some(m)) => out.vpc_exclusions.push((id, m)),
                (Some((_, id)), Some(m)) => out.subnet_exclusions.push((id, m)),
                _ => {}
            }
        }
        self.t.bpa = out;
    }

    /// `policy.private_service_access`: who uses which services, and the
    /// buckets' and tables' resource policies.
    fn service_access_policy(&mut self) {
        let Some(pa) = self
            .src
            .policy
            .as_ref()
            .and_then(|p| p.private_service_access.as_ref())
        else {
            return;
        };
        let ctx = "the private_service_access policy";
        let mut out = r::ServiceAccessPolicy {
            pos: pa.pos,
            hosts_use_vpc_dns: pa.hosts_use_vpc_dns.unwrap_or(true),
            ..r::ServiceAccessPolicy::default()
        };
        if let Some(p) = &pa.client_ports {
            match values::ports(&p.value.0, ctx) {
                Ok(r) => out.client_ports = r,
                Err(x) => self.problem(p.pos, x),
            }
        }
        let top_region = self.src.region.as_ref().map(|r| r.value.clone());
        let resources = |list: &[Sp<f::ServiceResource>]| -> Vec<r::ServiceResource> {
            list.iter()
                .map(|b| r::ServiceResource {
                    meta: meta(&b.name, &b.aws_id),
                    region: b
                        .region
                        .as_ref()
                        .map(|r| r.value.trim().to_string())
                        .or_else(|| top_region.clone()),
                    policy: b.policy.clone(),
                })
                .collect()
        };
        out.buckets = resources(&pa.buckets);
        out.tables = resources(&pa.tables);
        for (list, what) in [(&pa.buckets, "bucket"), (&pa.tables, "table")] {
            let mut seen: HashMap<&str, Pos> = HashMap::new();
            for b in list {
                if let Some(first) = seen.insert(b.name.value.as_str(), b.name.pos) {
                    self.err(
                        b.name.pos,
                        format!(
                            "{ctx} lists {what} `{}` twice{}",
                            b.name.value,
                            at_line(first)
                        ),
                        None,
                    );
                }
            }
        }
        if let Some(uses) = &pa.uses {
            let mut resolved = Vec::with_capacity(uses.len());
            for u in uses {
                let mut su = r::ServiceUse {
                    pos: u.pos,
                    tags: u.tags.iter().map(|(k, v)| (k.clone(), v.clone())).collect(),
                    ..r::ServiceUse::default()
                };
                for w in &u.workloads {
                    match self.lookup(
                        w,
                        &[Kind::Eni, Kind::Instance],
                        "network interface or instance",
                        ctx,
                    ) {
                        Some((Kind::Eni, i)) => su.enis.push(i),
                        Some((_, i)) => {
                            if let Some(inst) = self.t.instances.get(i) {
                                su.enis.extend(inst.enis.iter().copied());
                            }
                        }
                        None => {}
                    }
                }
                for sn in &u.subnets {
                    let id = self.lookup1(sn, Kind::Subnet, ctx);
                    if id != BAD {
                        su.subnets.push(id);
                    }
                }
                for sv in &u.services {
                    match parse_service(&sv.value) {
                        Ok(x) => su.services.push(x),
                        Err(help) => self.err(
                            sv.pos,
                            format!("invalid service `{}` in {ctx}", sv.value.trim()),
                            Some(help),
                        ),
                    }
                }
                for (names, list, kind, what) in [
                    (&u.buckets, &out.buckets, r::ServiceKind::S3, "bucket"),
                    (&u.tables, &out.tables, r::ServiceKind::DynamoDb, "table"),
                ] {
                    for n in names {
                        match list.iter().find(|b| b.meta.name == n.value) {
                            Some(b) => su.services.push(r::ServiceRef {
                                kind: kind.clone(),
                                region: b.region.clone(),
                            }),
                            None => {
                                let help = did_you_mean(
                                    &n.value,
                                    list.iter().map(|b| b.meta.name.as_str()),
                                )
                                .or_else(|| {
                                    Some(format!(
                                        "list it under `policy.private_service_access.{what}s`"
                                    ))
                                });
                                self.err(
                                    n.pos,
                                    format!("{ctx} refers to unknown {what} `{}`", n.value),
                                    help,
                                );
                            }
                        }
                    }
                }
                resolved.push(su);
            }
            out.uses = Some(resolved);
        }
        self.t.policy.service_access = out;
    }

    fn policy(&mut self) {
        self.service_access_policy();
        let Some(pe) = self
            .src
            .policy
            .as_ref()
            .and_then(|p| p.public_exposure.as_ref())
        else {
            return;
        };
        let ctx = "the public_exposure policy";
        for a in &pe.allow {
            let res = self.lookup(
                &a.resource,
                &[Kind::Eni, Kind::Instance, Kind::LoadBalancer],
                "network interface, instance or load balancer",
                ctx,
            );
            let actx = format!("the public_exposure allowance for `{}`", a.resource.value);
            let mut ports = Vec::with_capacity(a.ports.len());
            for p in &a.ports {
                match values::port_spec(&p.value, &actx) {
                    Ok(s) => ports.push(s),
                    Err(x) => self.problem(p.pos, x),
                }
            }
            let mut from = Vec::with_capacity(a.from.len());
            for c in &a.from {
                if let Some(n) = self.cidr(c, &actx) {
                    from.push(n);
                }
            }
            let resource = match res {
                Some((Kind::Eni, i)) => ResourceRef::Eni(i),
                Some((Kind::Instance, i)) => ResourceRef::Instance(i),
                Some((_, i)) => ResourceRef::LoadBalancer(i),
                None => continue,
            };
            self.t.policy.exposure_allow.push(r::ExposureAllow {
                resource,
                ports,
                from,
                pos: a.pos,
            });
        }
        for lb in &pe.forbid {
            let id = self.lookup1(
                lb,
                Kind::LoadBalancer,
                "the public_exposure policy's `forbid`",
            );
            if id != BAD {
                self.t.policy.exposure_forbid.push((id, lb.pos));
            }
        }
    }

    fn gaps(&mut self) {
        for g in &self.src.gaps {
            // A misspelt id would match no check, and the gap would silently
            // stop making that check `unknown`.
            for a in &g.affects {
                if !r::CHECK_IDS.contains(&a.as_str()) {
                    let help = did_you_mean(a, r::CHECK_IDS.iter().copied())
                        .or_else(|| Some(format!("expected {}", one_of(r::CHECK_IDS))));
                    let pos = if a.pos.is_unknown() { g.pos } else { a.pos };
                    self.err(
                        pos,
                        format!("gap `{}` affects unknown check `{}`", g.what.value, a.value),
                        help,
                    );
                }
            }
            let scope = match &g.scope {
                None => r::GapScope::Everywhere,
                Some(sc) => self.gap_scope(&g.what.value, sc),
            };
            self.t.gaps.push(r::Gap {
                what: g.what.value.clone(),
                affects: g.affects.iter().map(|a| a.value.clone()).collect(),
                kind: g.kind.as_ref().map(|k| k.value).unwrap_or_default(),
                scope,
                pos: g.pos,
            });
        }
    }

    /// The VPCs a gap's scope stands for: those of its accounts and Regions
    /// (a VPC whose account or Region is not known counts as in it), its
    /// VPCs, and the VPCs of its resources. Fail closed: a resource outside
    /// any VPC, or accounts and Regions without a VPC, make it everywhere.
    fn gap_scope(&mut self, what: &str, sc: &Sp<f::GapScope>) -> r::GapScope {
        let s = &sc.value;
        if s.accounts.is_empty()
            && s.regions.is_empty()
            && s.vpcs.is_empty()
            && s.resources.is_empty()
        {
            self.err(
                sc.pos,
                format!("gap `{what}` has an empty `scope`"),
                Some("list the `accounts`, `regions`, `vpcs` or `resources` it concerns, or omit `scope` for everywhere".into()),
            );
            return r::GapScope::Everywhere;
        }
        let mut vpcs = std::collections::BTreeSet::new();
        let mut everywhere = false;
        let by_place = |vpcs: &mut std::collections::BTreeSet<usize>,
                        t: &r::Topology,
                        field: fn(&r::Vpc) -> Option<&String>,
                        wanted: &str| {
            for (i, v) in t.vpcs.iter().enumerate() {
                if field(v).is_none_or(|x| x == wanted) {
                    vpcs.insert(i);
                }
            }
            // No captured VPC is there: the place's VPCs are what is missing.
            t.vpcs.iter().any(|v| field(v).is_some_and(|x| x == wanted))
        };
        for a in &s.accounts {
            if !by_place(&mut vpcs, &self.t, |v| v.account.as_ref(), &a.value.0) {
                everywhere = true;
            }
        }
        for reg in &s.regions {
            if !by_place(&mut vpcs, &self.t, |v| v.region.as_ref(), &reg.value) {
                everywhere = true;
            }
        }
        for v in &s.vpcs {
            let id = self.lookup1(v, Kind::Vpc, &format!("the scope of gap `{what}`"));
            if id != BAD {
                vpcs.insert(id);
            }
        }
        for res in &s.resources {
            match self.t.names.get(res.value.as_str()).copied() {
                Some(rr) => match self.t.vpcs_of(rr) {
                    Some(v) => vpcs.extend(v),
                    None => everywhere = true,
                },
                None => {
                    let help = if self.diags.len() > MAX_SUGGESTIONS {
                        None
                    } else {
                        did_you_mean(&res.value, self.t.names.keys().map(String::as_str))
                    };
                    self.err(
                        res.pos,
                        format!(
                            "the scope of gap `{what}` refers to `{}`, which is not defined",
                            res.value
                        ),
                        help,
                    );
                }
            }
        }
        if everywhere || vpcs.is_empty() {
            r::GapScope::Everywhere
        } else {
            r::GapScope::Vpcs(vpcs)
        }
    }
}

/// A service of `policy.private_service_access.uses[].services`: `s3`,
/// `dynamodb`, `ecr`, another short name, or `com.amazonaws.<region>.<name>`.
fn parse_service(text: &str) -> Result<r::ServiceRef, String> {
    let t = text.trim().to_ascii_lowercase();
    let (region, short) = match r::service_parts(&t) {
        Some((reg, svc)) => (Some(reg.to_string()), svc.to_string()),
        None => (None, t.clone()),
    };
    let valid = !short.is_empty()
        && short
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '.' || c == '-' || c == '_')
        && !short.starts_with('.')
        && !short.ends_with('.');
    if !valid {
        return Err(
            "write `s3`, `dynamodb`, `ecr`, a service's short name such as `sqs`, or `com.amazonaws.<region>.<service>`"
                .into(),
        );
    }
    let kind = match short.as_str() {
        "s3" => r::ServiceKind::S3,
        "dynamodb" => r::ServiceKind::DynamoDb,
        "ecr" => r::ServiceKind::Ecr,
        _ => r::ServiceKind::Interface(short),
    };
    Ok(r::ServiceRef { kind, region })
}

const LB_PROTOCOLS: &[(&str, LbProtocol)] = &[
    ("HTTP", LbProtocol::Http),
    ("HTTPS", LbProtocol::Https),
    ("TCP", LbProtocol::Tcp),
    ("TLS", LbProtocol::Tls),
    ("UDP", LbProtocol::Udp),
    ("TCP_UDP", LbProtocol::TcpUdp),
];

fn parse_lb_protocol(t: &str) -> Option<LbProtocol> {
    LB_PROTOCOLS
        .iter()
        .find(|(n, _)| n.eq_ignore_ascii_case(t))
        .map(|(_, p)| *p)
}

fn family_name(f: AddressFamily) -> &'static str {
    match f {
        AddressFamily::Ipv4 => "ipv4",
        AddressFamily::Ipv6 => "ipv6",
    }
}

/// An allow-all NACL rule of AWS's default NACL (C-4.1).
fn allow_all(number: u32, cidr: IpNet) -> r::NaclRule {
    r::NaclRule {
        number,
        allow: true,
        proto: Proto::All,
        port: PortMatch::ALL,
        cidr,
        pos: Pos::default(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spans_put_both_families_on_one_line() {
        let a: IpNet = "10.0.0.0/16".parse().unwrap();
        assert_eq!(span(a), (false, 0x0a00_0000, 0x0a00_ffff));
        let b: IpNet = "::/127".parse().unwrap();
        assert_eq!(span(b), (true, 0, 1));
    }

    #[test]
    fn articles() {
        assert_eq!(Kind::Instance.a(), "an instance");
        assert_eq!(Kind::Vpc.a(), "a vpc");
    }
}
