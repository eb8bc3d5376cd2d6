//! Route tables, routes and associations.
//!
//! The AWS provider's semantics that change verdicts:
//! - `aws_default_route_table` (and `aws_main_route_table_association`)
//!   decide the VPC's main table, which every subnet without an explicit
//!   association uses; the default table's routes are exactly the ones given;
//! - when a table's `route` attribute is not in its configuration, its
//!   routes are the `aws_route` resources that name it;
//! - inline routes and `aws_route` resources on the same table overwrite
//!   each other at every apply: a gap on that table, not a guess.

use std::collections::BTreeMap;

use serde_json::Value;

use crate::model::format::{GapKind, Route, RouteTable};
use crate::model::spanned::Sp;

use super::plan::P;
use super::{Ctx, Field, Scope, Target, Val, aws_id, tags, text};

const TABLE_KINDS: [&str; 2] = ["aws_route_table", "aws_default_route_table"];

/// Route target attributes, and the resource types netverify maps them to.
const TARGETS: [(&str, &[&str]); 11] = [
    // The provider (and EC2's CreateRoute) accept a NAT gateway's id in
    // `gateway_id` too: the route then targets the NAT gateway.
    (
        "gateway_id",
        &[
            "aws_internet_gateway",
            "aws_vpn_gateway",
            "aws_vpc_endpoint",
            "aws_nat_gateway",
        ],
    ),
    ("nat_gateway_id", &["aws_nat_gateway"]),
    (
        "egress_only_gateway_id",
        &["aws_egress_only_internet_gateway"],
    ),
    ("network_interface_id", &["aws_network_interface"]),
    ("instance_id", &["aws_instance"]),
    ("vpc_endpoint_id", &["aws_vpc_endpoint"]),
    ("vpc_peering_connection_id", &["aws_vpc_peering_connection"]),
    ("transit_gateway_id", &["aws_ec2_transit_gateway"]),
    ("local_gateway_id", &[]),
    ("carrier_gateway_id", &[]),
    ("core_network_arn", &[]),
];

/// The VPC of a default table or NACL: its `vpc_id` when known, or the
/// VPC whose `attr` (`default_route_table_id`, `default_network_acl_id`)
/// its id attribute `via` refers to.
pub(super) fn default_owner(cx: &Ctx, i: usize, via: &str, attr: &str) -> Result<String, String> {
    if let Ok((_, v)) = cx.link(i, "vpc_id", &["aws_vpc"]) {
        return Ok(v);
    }
    match cx.refs.target(cx.res(i), &[P::K(via)]) {
        Target::External(id) => {
            let hit = cx.plan.resources.iter().enumerate().find(|(_, r)| {
                r.kind == "aws_vpc"
                    && matches!(r.get(&[P::K(attr)]), Val::Known(Value::String(s)) if *s == id)
            });
            match hit {
                Some((v, _)) => cx.resolve(&Target::To(v), &["aws_vpc"]).map(|(_, n)| n),
                None => Err(format!(
                    "it names `{id}`, which no VPC of this plan has (a plan alone is taken as the whole network)"
                )),
            }
        }
        t => cx.resolve(&t, &["aws_vpc"]).map(|(_, n)| n),
    }
}

/// One route (an inline block at `base`, or an `aws_route` at the top).
fn read_route(cx: &mut Ctx, i: usize, base: &[P], table: &str) -> Option<Sp<Route>> {
    let r = cx.res(i);
    let at = |k: &'static str| {
        let mut p = base.to_vec();
        p.push(P::K(k));
        p
    };
    let inline = !base.is_empty();
    let fields: [&str; 3] = if inline {
        [
            "cidr_block",
            "ipv6_cidr_block",
            "destination_prefix_list_id",
        ]
    } else {
        [
            "destination_cidr_block",
            "destination_ipv6_cidr_block",
            "destination_prefix_list_id",
        ]
    };
    let what = |k: &str| {
        if inline {
            format!("`{}.route` ({k})", r.address)
        } else {
            format!("`{}.{k}`", r.address)
        }
    };
    let scope = Scope::Resources(vec![table.to_owned()]);
    let mut destination = None;
    for f in &fields[..2] {
        match text(r, &at(f)) {
            Field::Set(d) => destination = Some(d),
            Field::Unset => {}
            Field::Unknown => {
                cx.gap(
                    format!(
                        "{} is known only after apply: the route's destination",
                        what(f)
                    ),
                    GapKind::Routes,
                    scope,
                );
                return None;
            }
        }
    }
    let mut prefix_list = None;
    if destination.is_none() {
        let pl_path = at(fields[2]);
        if !matches!(r.get(&pl_path), Val::Null) {
            match super::endpoints::prefix_list_at(cx, i, &pl_path) {
                Ok(pl) => prefix_list = Some(Sp::new(pl)),
                Err(why) => {
                    cx.gap(
                        format!("{}: {why}; the route is left out", what(fields[2])),
                        GapKind::Routes,
                        scope,
                    );
                    return None;
                }
            }
        }
    }
    if destination.is_none() && prefix_list.is_none() {
        cx.gap(
            format!("{}: the route's destination is not known", what(fields[0])),
            GapKind::Routes,
            scope,
        );
        return None;
    }
    for (attr, kinds) in TARGETS {
        let path = at(attr);
        let t = cx.refs.target(r, &path);
        if t == Target::Absent {
            continue;
        }
        if attr == "gateway_id" && t == Target::External("local".to_owned()) {
            let pos = cx.pos(i, &path);
            return Some(Sp::at(
                Route {
                    destination: destination.map(Sp::new),
                    prefix_list,
                    target: Sp::new("local".to_owned()),
                    ..Route::default()
                },
                pos,
            ));
        }
        let unknown = matches!(r.get(&path), Val::Unknown);
        let res = if kinds.is_empty() {
            Err(format!(
                "a route through `{attr}`, which netverify does not read from plans yet"
            ))
        } else {
            cx.resolve(&t, kinds)
        };
        return match res {
            // Placed at the route's target: where it sends the packet.
            Ok((_, name)) => {
                let pos = cx.pos(i, &path);
                Some(Sp::at(
                    Route {
                        destination: destination.map(Sp::new),
                        prefix_list,
                        target: Sp::new(name),
                        ..Route::default()
                    },
                    pos,
                ))
            }
            Err(why) => {
                let head = if unknown {
                    format!("{} is known only after apply", what(attr))
                } else {
                    what(attr)
                };
                cx.gap(
                    format!(
                        "{head}: {why}; the route to `{}` is left out",
                        destination
                            .or_else(|| prefix_list.map(|p| p.value))
                            .unwrap_or_default()
                    ),
                    GapKind::Routes,
                    scope,
                );
                None
            }
        };
    }
    cx.gap(
        format!(
            "{}: the route has no target the plan knows",
            what("gateway_id")
        ),
        GapKind::Routes,
        scope,
    );
    None
}

/// Map route tables, routes and associations.
pub(super) fn route_tables(cx: &mut Ctx) {
    let mut inline: BTreeMap<String, bool> = BTreeMap::new();
    for i in cx.of(&TABLE_KINDS) {
        let default = cx.res(i).kind == "aws_default_route_table";
        let vpc = if default {
            default_owner(cx, i, "default_route_table_id", "default_route_table_id")
        } else {
            cx.link(i, "vpc_id", &["aws_vpc"]).map(|(_, v)| v)
        };
        let vpc = match vpc {
            Ok(v) => v,
            Err(why) => {
                let attr = if default {
                    "default_route_table_id"
                } else {
                    "vpc_id"
                };
                cx.attr_gap(
                    i,
                    attr,
                    &format!("{why}; the route table is left out"),
                    GapKind::Routes,
                    Scope::Everywhere,
                );
                continue;
            }
        };
        let name = cx.emit(i, Some(&vpc));
        let r = cx.res(i);
        let configured = cx.refs.configured(r, "route");
        inline.insert(name.clone(), configured == Some(true));
        let mut routes = Vec::new();
        match super::len(r, &[P::K("route")]) {
            Field::Set(n) => {
                for k in 0..n {
                    if let Some(rt) = read_route(cx, i, &[P::K("route"), P::I(k)], &name) {
                        routes.push(rt);
                    }
                }
            }
            Field::Unset => {}
            Field::Unknown if configured == Some(false) => {}
            Field::Unknown => cx.attr_gap(
                i,
                "route",
                "the table's inline routes",
                GapKind::Routes,
                Scope::Resources(vec![name.clone()]),
            ),
        }
        let mut propagating = Vec::new();
        for t in cx.configured_targets(i, "propagating_vgws") {
            match cx.resolve(&t, &["aws_vpn_gateway"]) {
                Ok((_, g)) => propagating.push(Sp::new(g)),
                Err(why) => cx.attr_gap(
                    i,
                    "propagating_vgws",
                    &why,
                    GapKind::Routes,
                    Scope::Resources(vec![name.clone()]),
                ),
            }
        }
        let r = cx.res(i);
        cx.file.route_tables.push(Sp::new(RouteTable {
            name: Sp::new(name),
            aws_id: aws_id(r),
            vpc: Sp::new(vpc),
            main: default,
            edge_associations: Vec::new(),
            propagating_gateways: propagating,
            routes,
            tags: tags(r),
        }));
    }
    let mut standalone: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for i in cx.of(&["aws_route"]) {
        let Some(table) = cx.standalone_parent(
            i,
            ("route_table_id", &TABLE_KINDS, "route"),
            GapKind::Routes,
            &mut standalone,
        ) else {
            continue;
        };
        if let Some(rt) = read_route(cx, i, &[], &table)
            && let Some(t) = cx
                .file
                .route_tables
                .iter_mut()
                .find(|t| t.name.value == table)
        {
            t.value.routes.push(rt);
        }
    }
    for (table, routes) in &standalone {
        if inline.get(table) == Some(&true) {
            cx.gap(
                format!(
                    "route table `{table}` has inline routes and `aws_route` resources ({}): Terraform makes each overwrite the other at every apply, so its routes after apply are not decided",
                    routes.iter().map(|r| format!("`{r}`")).collect::<Vec<_>>().join(", ")
                ),
                GapKind::Routes,
                Scope::Resources(vec![table.clone()]),
            );
        }
    }
    for i in cx.of(&["aws_route_table_association"]) {
        let r = cx.res(i);
        let subnet = cx.refs.target(r, &[P::K("subnet_id")]);
        let gateway = cx.refs.target(r, &[P::K("gateway_id")]);
        let table = cx.link(i, "route_table_id", &TABLE_KINDS);
        if subnet != Target::Absent {
            match (cx.resolve(&subnet, &["aws_subnet"]), table) {
                (Ok((_, s)), Ok((_, t))) => {
                    if let Some(sn) = cx.file.subnets.iter_mut().find(|x| x.name.value == s) {
                        sn.value.route_table = Some(Sp::new(t));
                    }
                }
                (Ok((_, s)), Err(why)) => cx.attr_gap(
                    i,
                    "route_table_id",
                    &format!("{why}; the subnet's route table is not known"),
                    GapKind::Routes,
                    Scope::Resources(vec![s]),
                ),
                (Err(why), _) => {
                    cx.attr_gap(i, "subnet_id", &why, GapKind::Routes, Scope::Everywhere)
                }
            }
        } else {
            match (
                cx.resolve(&gateway, &["aws_internet_gateway", "aws_vpn_gateway"]),
                table,
            ) {
                (Ok((_, g)), Ok((_, t))) => {
                    if let Some(rt) = cx.file.route_tables.iter_mut().find(|x| x.name.value == t) {
                        rt.value.edge_associations.push(Sp::new(g));
                    }
                }
                (Ok((_, g)), Err(why)) => cx.attr_gap(
                    i,
                    "route_table_id",
                    &format!("{why}; the gateway's edge route table is not known"),
                    GapKind::Routes,
                    Scope::Resources(vec![g]),
                ),
                (Err(why), _) => {
                    cx.attr_gap(i, "gateway_id", &why, GapKind::Routes, Scope::Everywhere)
                }
            }
        }
    }
    for i in cx.of(&["aws_main_route_table_association"]) {
        let link = cx
            .link(i, "route_table_id", &TABLE_KINDS)
            .and_then(|(_, t)| cx.link(i, "vpc_id", &["aws_vpc"]).map(|(_, v)| (t, v)));
        match link {
            Ok((t, v)) => {
                for rt in cx.file.route_tables.iter_mut().filter(|x| x.vpc.value == v) {
                    rt.value.main = rt.name.value == t;
                }
            }
            Err(why) => cx.attr_gap(
                i,
                "route_table_id",
                &format!("{why}; the VPC's main route table is not known"),
                GapKind::Routes,
                Scope::Everywhere,
            ),
        }
    }
}
