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

mod endpoints;
mod eni;
mod gaps;
mod hybrid;
mod lb;
mod names;
mod nat;
mod policy;
mod routing;
mod s3;
mod security;
mod vpc;

pub(super) use names::all_names;

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
    topo.sites.clone_from(&file.sites);
    topo.findings_file.clone_from(&file.findings_file);
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
    /// The instances behind each listener of a classic load balancer, as
    /// (load balancer, listener index, derived target group): added after
    /// the file's target groups so their indices stay the file's.
    classic_tgs: Vec<(r::LbId, usize, r::TargetGroup)>,
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
            classic_tgs: Vec::new(),
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
        self.classic_target_groups();
        self.routes();
        self.gateway_endpoint_routes();
        self.hybrid();
        self.bpa();
        self.s3();
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
