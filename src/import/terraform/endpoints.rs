//! VPC endpoints with their route-table, subnet and security-group
//! associations, and managed prefix lists with their entries.
//!
//! The AWS provider's semantics that change verdicts:
//! - `route_table_ids`, `subnet_ids` and `security_group_ids` of an
//!   `aws_vpc_endpoint` are computed when not configured: the
//!   `aws_vpc_endpoint_*_association` resources then decide them; when both
//!   name the same endpoint, each overwrites the other at every apply (a
//!   gap on the endpoint, not a guess);
//! - an interface endpoint without security groups gets the VPC's default
//!   group; `aws_vpc_endpoint_security_group_association` adds a group,
//!   and with `replace_default_association` replaces the default one;
//! - a gateway endpoint adds the route `service prefix list → endpoint` to
//!   every associated table (C-13.1); the list's entries are AWS's, not in
//!   the plan, so the loader derives a list whose entries are unknown;
//! - an interface endpoint has one interface per subnet, whose address is
//!   known only after apply: a stand-in address, as for instances;
//! - a managed prefix list's entries are its inline `entry` blocks plus the
//!   `aws_ec2_managed_prefix_list_entry` resources; when both are used they
//!   overwrite each other (a gap on the list).

use std::collections::BTreeMap;

use serde_json::Value;

use crate::model::format::{
    AddressFamily, EniOwner, GapKind, NetworkInterface, PrefixList, VpcEndpoint,
};
use crate::model::spanned::Sp;

use super::plan::P;
use super::sg::default_group;
use super::{Ctx, Field, Scope, Target, aws_id, flag, len, text};

const SG_KINDS: [&str; 2] = ["aws_security_group", "aws_default_security_group"];
const TABLE_KINDS: [&str; 2] = ["aws_route_table", "aws_default_route_table"];
const PL_KINDS: [&str; 1] = ["aws_ec2_managed_prefix_list"];

/// The name of the mapped prefix list that the id at `path` of resource
/// `i` names; otherwise why not (for the caller's gap).
pub(super) fn prefix_list_at(cx: &Ctx, i: usize, path: &[P]) -> Result<String, String> {
    prefix_list(cx, &cx.refs.target(cx.res(i), path))
}

/// The name of the mapped prefix list `t` points to; otherwise why not.
pub(super) fn prefix_list(cx: &Ctx, t: &Target) -> Result<String, String> {
    match t {
        // An AWS-managed list (`pl-…` of a service) is not in any plan.
        Target::External(id) => Err(format!(
            "it names the prefix list `{id}`, which is not in this plan, so its entries are not known"
        )),
        _ => cx.resolve(t, &PL_KINDS).map(|(_, n)| n),
    }
}

/// `aws_ec2_managed_prefix_list` and `aws_ec2_managed_prefix_list_entry`.
pub(super) fn prefix_lists(cx: &mut Ctx) {
    let mut inline: BTreeMap<String, bool> = BTreeMap::new();
    for i in cx.of(&PL_KINDS) {
        let r = cx.res(i);
        let name = cx.emit(i, None);
        let family = match text(r, &[P::K("address_family")]) {
            Field::Set(f) if f.eq_ignore_ascii_case("ipv6") => Some(AddressFamily::Ipv6),
            Field::Set(_) => Some(AddressFamily::Ipv4),
            _ => None,
        };
        let configured = cx.refs.configured(r, "entry") == Some(true);
        inline.insert(name.clone(), configured);
        let mut entries = Some(Vec::new());
        match len(r, &[P::K("entry")]) {
            Field::Set(n) => {
                for k in 0..n {
                    match text(r, &[P::K("entry"), P::I(k), P::K("cidr")]) {
                        Field::Set(c) => {
                            if let Some(e) = entries.as_mut() {
                                e.push(Sp::new(c));
                            }
                        }
                        _ => entries = None,
                    }
                }
                if entries.is_none() {
                    cx.attr_gap(
                        i,
                        "entry",
                        "a CIDR of the prefix list",
                        GapKind::PrefixLists,
                        Scope::Resources(vec![name.clone()]),
                    );
                }
            }
            Field::Unset => {}
            Field::Unknown if !configured => {}
            Field::Unknown => {
                entries = None;
                cx.attr_gap(
                    i,
                    "entry",
                    "the prefix list's entries",
                    GapKind::PrefixLists,
                    Scope::Resources(vec![name.clone()]),
                );
            }
        }
        cx.file.prefix_lists.push(Sp::new(PrefixList {
            name: Sp::new(name),
            aws_id: aws_id(r),
            family,
            entries,
            service: None,
        }));
    }
    let mut standalone: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for i in cx.of(&["aws_ec2_managed_prefix_list_entry"]) {
        let Some(list) = cx.standalone_parent(
            i,
            ("prefix_list_id", &PL_KINDS, "prefix list entry"),
            GapKind::PrefixLists,
            &mut standalone,
        ) else {
            continue;
        };
        let cidr = text(cx.res(i), &[P::K("cidr")]);
        let Some(pl) = cx
            .file
            .prefix_lists
            .iter_mut()
            .find(|p| p.name.value == list)
        else {
            continue;
        };
        match cidr {
            Field::Set(c) => {
                if let Some(e) = pl.value.entries.as_mut() {
                    e.push(Sp::new(c));
                }
            }
            _ => {
                pl.value.entries = None;
                cx.attr_gap(
                    i,
                    "cidr",
                    "an entry of the prefix list",
                    GapKind::PrefixLists,
                    Scope::Resources(vec![list]),
                );
            }
        }
    }
    for (list, entries) in &standalone {
        if inline.get(list) == Some(&true) {
            if let Some(pl) = cx
                .file
                .prefix_lists
                .iter_mut()
                .find(|p| &p.name.value == list)
            {
                pl.value.entries = None;
            }
            cx.gap(
                format!(
                    "prefix list `{list}` has inline entries and `aws_ec2_managed_prefix_list_entry` resources ({}): Terraform makes each overwrite the other at every apply, so its entries after apply are not decided",
                    entries.iter().map(|e| format!("`{e}`")).collect::<Vec<_>>().join(", ")
                ),
                GapKind::PrefixLists,
                Scope::Resources(vec![list.clone()]),
            );
        }
    }
}

/// The endpoint type in the model's words.
fn endpoint_kind(cx: &mut Ctx, i: usize) -> Option<&'static str> {
    match text(cx.res(i), &[P::K("vpc_endpoint_type")]) {
        // The provider's default is `Gateway`.
        Field::Unset => Some("gateway"),
        Field::Set(t) => {
            match t.to_ascii_lowercase().as_str() {
                "gateway" => Some("gateway"),
                "interface" => Some("interface"),
                "gatewayloadbalancer" | "gateway-load-balancer" => Some("gateway-load-balancer"),
                _ => {
                    cx.attr_gap(
                    i,
                    "vpc_endpoint_type",
                    &format!("netverify does not model endpoints of type `{t}`; the endpoint is left out"),
                    GapKind::Endpoints,
                    Scope::Everywhere,
                );
                    None
                }
            }
        }
        Field::Unknown => {
            cx.attr_gap(
                i,
                "vpc_endpoint_type",
                "the endpoint's type; the endpoint is left out",
                GapKind::Endpoints,
                Scope::Everywhere,
            );
            None
        }
    }
}

/// The mapped resources that a list of ids at `attr` of endpoint `i`
/// names, with a gap of `kind` for each that is not known.
fn linked_list(cx: &mut Ctx, i: usize, attr: &str, kinds: &[&str], owner: &str) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for t in cx.configured_targets(i, attr) {
        match cx.resolve(&t, kinds) {
            Ok((_, n)) => {
                if !out.contains(&n) {
                    out.push(n);
                }
            }
            Err(why) => cx.attr_gap(
                i,
                attr,
                &format!("{why}; a link of endpoint `{owner}` is not known"),
                GapKind::Endpoints,
                Scope::Resources(vec![owner.to_owned()]),
            ),
        }
    }
    out
}

/// `aws_vpc_endpoint` (with its subnet and security-group links, and the
/// interfaces of interface endpoints). Route tables come later
/// ([`route_table_links`]), once the tables are mapped.
pub(super) fn endpoints(cx: &mut Ctx) {
    for i in cx.of(&["aws_vpc_endpoint"]) {
        let Some(vpc) =
            cx.link_or_leave_out(i, ("vpc_id", &["aws_vpc"], "endpoint"), GapKind::Endpoints)
        else {
            continue;
        };
        let Some(kind) = endpoint_kind(cx, i) else {
            continue;
        };
        let service = match text(cx.res(i), &[P::K("service_name")]) {
            Field::Set(s) => s,
            _ => {
                cx.attr_gap(
                    i,
                    "service_name",
                    "the endpoint's service; the endpoint is left out",
                    GapKind::Endpoints,
                    Scope::Vpc(vpc),
                );
                continue;
            }
        };
        let name = cx.emit(i, Some(&vpc));
        let subnets = linked_list(cx, i, "subnet_ids", &["aws_subnet"], &name);
        let mut groups = linked_list(cx, i, "security_group_ids", &SG_KINDS, &name);
        // Interface endpoints without groups get the VPC's default group
        // (an empty list included: AWS then assigns the default one).
        if kind == "interface" && groups.is_empty() {
            groups.push(default_group(cx, &vpc));
        }
        let r = cx.res(i);
        let policy = match text(r, &[P::K("policy")]) {
            Field::Set(p) => serde_json::from_str::<Value>(&p).ok(),
            Field::Unknown if cx.refs.configured(r, "policy") == Some(true) => {
                cx.attr_gap(
                    i,
                    "policy",
                    "the endpoint's policy",
                    GapKind::Endpoints,
                    Scope::Resources(vec![name.clone()]),
                );
                None
            }
            _ => None,
        };
        let opt_text = |f: Field<String>| match f {
            Field::Set(s) => Some(s),
            _ => None,
        };
        let ip_address_type = opt_text(text(r, &[P::K("ip_address_type")]));
        let dns_record_ip_type = opt_text(text(
            r,
            &[P::K("dns_options"), P::I(0), P::K("dns_record_ip_type")],
        ))
        .map(Sp::new);
        let inbound_only = match flag(
            r,
            &[
                P::K("dns_options"),
                P::I(0),
                P::K("private_dns_only_for_inbound_resolver_endpoint"),
            ],
        ) {
            Field::Set(b) => Some(b),
            _ => None,
        };
        let private_dns = match flag(r, &[P::K("private_dns_enabled")]) {
            Field::Set(b) => Some(b),
            _ => None,
        };
        cx.file.vpc_endpoints.push(Sp::new(VpcEndpoint {
            name: Sp::new(name),
            aws_id: aws_id(r),
            vpc: Sp::new(vpc),
            kind: Sp::new(kind.to_owned()),
            service: Sp::new(service),
            route_tables: Vec::new(),
            prefix_list: None,
            subnets: subnets.into_iter().map(Sp::new).collect(),
            security_groups: groups.into_iter().map(Sp::new).collect(),
            private_dns,
            ip_address_type,
            ipv6_prefix_list: None,
            dns_record_ip_type,
            private_dns_only_for_inbound_resolver_endpoint: inbound_only,
            policy,
        }));
    }
    associations(cx);
    interfaces(cx);
}

/// The endpoint that association `i` names and what it links to it (at
/// `attr`, of `kinds`), recorded in `seen`; `None`, with a gap of `kind`,
/// when either is not in the plan.
fn association(
    cx: &mut Ctx,
    i: usize,
    (attr, kinds): (&str, &[&str]),
    kind: GapKind,
    seen: &mut BTreeMap<String, Vec<String>>,
) -> Option<(String, String)> {
    let ep = cx.link_or_leave_out(
        i,
        ("vpc_endpoint_id", &["aws_vpc_endpoint"], "association"),
        kind,
    )?;
    let to = cx.link_or_leave_out(i, (attr, kinds, "association"), kind)?;
    seen.entry(ep.clone())
        .or_default()
        .push(cx.res(i).address.clone());
    Some((ep, to))
}

/// Add `to` to the list `list` of endpoint `ep`, once.
fn add_link(
    cx: &mut Ctx,
    ep: &str,
    to: String,
    list: impl Fn(&mut VpcEndpoint) -> &mut Vec<Sp<String>>,
) {
    if let Some(e) = cx
        .file
        .vpc_endpoints
        .iter_mut()
        .find(|e| e.name.value == ep)
    {
        let l = list(&mut e.value);
        if !l.iter().any(|x| x.value == to) {
            l.push(Sp::new(to));
        }
    }
}

/// A gap when an endpoint's `attr` is configured and association
/// resources also set it.
fn overwrite_gap(cx: &mut Ctx, attr: &str, assocs: &BTreeMap<String, Vec<String>>) {
    for (ep, list) in assocs {
        let Some(e) = cx
            .plan
            .resources
            .iter()
            .position(|r| &r.address == ep && r.kind == "aws_vpc_endpoint")
        else {
            continue;
        };
        if cx.refs.configured(cx.res(e), attr) == Some(true) {
            cx.gap(
                format!(
                    "endpoint `{ep}` sets `{attr}` and association resources ({}) also set it: Terraform makes each overwrite the other at every apply, so it is not decided",
                    list.iter().map(|a| format!("`{a}`")).collect::<Vec<_>>().join(", ")
                ),
                GapKind::Endpoints,
                Scope::Resources(vec![ep.clone()]),
            );
        }
    }
}

/// Subnet and security-group association resources.
fn associations(cx: &mut Ctx) {
    let mut seen: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for i in cx.of(&["aws_vpc_endpoint_subnet_association"]) {
        if let Some((ep, subnet)) = association(
            cx,
            i,
            ("subnet_id", &["aws_subnet"]),
            GapKind::Endpoints,
            &mut seen,
        ) {
            add_link(cx, &ep, subnet, |e| &mut e.subnets);
        }
    }
    overwrite_gap(cx, "subnet_ids", &seen);
    let mut seen: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for i in cx.of(&["aws_vpc_endpoint_security_group_association"]) {
        let Some((ep, sg)) = association(
            cx,
            i,
            ("security_group_id", &SG_KINDS),
            GapKind::SecurityGroups,
            &mut seen,
        ) else {
            continue;
        };
        let replace = match flag(cx.res(i), &[P::K("replace_default_association")]) {
            Field::Set(b) => b,
            Field::Unset => false,
            Field::Unknown => {
                cx.attr_gap(
                    i,
                    "replace_default_association",
                    "whether the endpoint keeps the VPC's default group",
                    GapKind::SecurityGroups,
                    Scope::Resources(vec![ep.clone()]),
                );
                false
            }
        };
        let vpc = cx.vpc_of.get(&ep).cloned().unwrap_or_default();
        let default = default_group(cx, &vpc);
        if let Some(e) = cx
            .file
            .vpc_endpoints
            .iter_mut()
            .find(|e| e.name.value == ep)
        {
            if replace {
                e.value.security_groups.retain(|g| g.value != default);
            }
            if !e.security_groups.iter().any(|g| g.value == sg) {
                e.value.security_groups.push(Sp::new(sg));
            }
        }
    }
    overwrite_gap(cx, "security_group_ids", &seen);
}

/// One interface per subnet of each interface (and GWLB) endpoint, owned
/// by the endpoint, with the endpoint's groups and a stand-in address.
fn interfaces(cx: &mut Ctx) {
    let mut add = Vec::new();
    for e in &cx.file.vpc_endpoints {
        if e.kind.value == "gateway" {
            continue;
        }
        for s in &e.subnets {
            add.push((
                e.name.value.clone(),
                s.value.clone(),
                e.security_groups.clone(),
            ));
        }
    }
    for (ep, subnet, groups) in add {
        let Some(i) = cx
            .plan
            .resources
            .iter()
            .position(|r| r.address == ep && r.kind == "aws_vpc_endpoint")
        else {
            continue;
        };
        let eni = format!("{ep}:eni:{subnet}");
        if let Some(v) = cx.vpc_of.get(&ep).cloned() {
            cx.vpc_of.insert(eni.clone(), v);
        }
        cx.file.network_interfaces.push(Sp::new(NetworkInterface {
            name: Sp::new(eni.clone()),
            subnet: Sp::new(subnet.clone()),
            owner: Some(Sp::new(EniOwner {
                vpc_endpoint: Some(Sp::new(ep.clone())),
                ..EniOwner::default()
            })),
            security_groups: groups,
            ..NetworkInterface::default()
        }));
        cx.stand_ins.push((i, eni, subnet, None));
    }
}

/// Route tables of gateway endpoints: `route_table_ids` and
/// `aws_vpc_endpoint_route_table_association`.
pub(super) fn route_table_links(cx: &mut Ctx) {
    let eps: Vec<(usize, String)> = cx
        .plan
        .resources
        .iter()
        .enumerate()
        .filter(|(_, r)| r.kind == "aws_vpc_endpoint")
        .filter_map(|(i, _)| cx.name(i).map(|n| (i, n.to_owned())))
        .collect();
    for (i, ep) in eps {
        let tables = linked_list(cx, i, "route_table_ids", &TABLE_KINDS, &ep);
        if let Some(e) = cx
            .file
            .vpc_endpoints
            .iter_mut()
            .find(|e| e.name.value == ep)
        {
            e.value.route_tables = tables.into_iter().map(Sp::new).collect();
        }
    }
    let mut seen: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for i in cx.of(&["aws_vpc_endpoint_route_table_association"]) {
        if let Some((ep, table)) = association(
            cx,
            i,
            ("route_table_id", &TABLE_KINDS),
            GapKind::Routes,
            &mut seen,
        ) {
            add_link(cx, &ep, table, |e| &mut e.route_tables);
        }
    }
    overwrite_gap(cx, "route_table_ids", &seen);
}
