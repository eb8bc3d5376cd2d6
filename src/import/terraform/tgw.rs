//! Transit gateways: `aws_ec2_transit_gateway`, VPC and peering
//! attachments, route tables, routes, prefix-list references,
//! associations and propagations.
//!
//! The AWS provider's semantics that change verdicts:
//! - `default_route_table_association` and `_propagation` are `enable`
//!   unless set: AWS then creates a default route table, which no resource
//!   of the plan describes; netverify adds it as `<tgw>:default-route-table`
//!   and every attachment whose `transit_gateway_default_route_table_association`
//!   (`_propagation`) is not `false` is associated with (propagates to) it.
//!   VPN and Direct Connect gateway attachments always follow the defaults;
//! - a transit gateway peering attachment is associated with the default
//!   table too (it propagates nothing); without an
//!   `aws_ec2_transit_gateway_peering_attachment_accepter` in the plan it
//!   stays pending acceptance and carries nothing;
//! - an attachment has one association: an explicit
//!   `aws_ec2_transit_gateway_route_table_association` of an attachment
//!   that the default already associates fails at apply unless
//!   `replace_existing_association` is set (a gap, not a guess);
//! - a VPN connection or Direct Connect gateway association with a transit
//!   gateway makes its attachment (`<resource>:attachment`), which routes
//!   and associations name through `transit_gateway_attachment_id`.

use serde_json::Value;

use crate::model::format::{GapKind, TgwAttachment, TgwRoute, TgwRouteTable, TransitGateway};
use crate::model::spanned::Sp;

use super::plan::P;
use super::{Ctx, Field, Scope, Target, Val, aws_id, flag, int, tags, text};

pub(super) const TGW: [&str; 1] = ["aws_ec2_transit_gateway"];
const TABLES: [&str; 1] = ["aws_ec2_transit_gateway_route_table"];
/// The resources whose id (or `transit_gateway_attachment_id`) is an
/// attachment.
const ATTACHMENTS: [&str; 5] = [
    "aws_ec2_transit_gateway_vpc_attachment",
    "aws_ec2_transit_gateway_peering_attachment",
    "aws_ec2_transit_gateway_peering_attachment_accepter",
    "aws_vpn_connection",
    "aws_dx_gateway_association",
];

/// `enable`/`disable` (or a bool) as a flag; unset gives `default`.
fn enabled(cx: &mut Ctx, i: usize, attr: &str, default: bool, scope: &str) -> bool {
    match cx.res(i).get(&[P::K(attr)]) {
        Val::Known(Value::String(s)) => s.eq_ignore_ascii_case("enable"),
        Val::Known(Value::Bool(b)) => *b,
        Val::Unknown | Val::Sensitive => {
            cx.attr_gap(
                i,
                attr,
                "a transit gateway option",
                GapKind::TransitGateway,
                Scope::Resources(vec![scope.to_owned()]),
            );
            default
        }
        _ => default,
    }
}

/// The name of the default route table of transit gateway `tgw`.
fn default_table(tgw: &str) -> String {
    format!("{tgw}:default-route-table")
}

fn find_tgw<'a>(cx: &'a mut Ctx, tgw: &str) -> Option<&'a mut TransitGateway> {
    cx.file
        .transit_gateways
        .iter_mut()
        .find(|t| t.name.value == tgw)
        .map(|t| &mut t.value)
}

/// Add an attachment to transit gateway `tgw`, with its default
/// association and propagation (`assoc`, `prop`: whether the attachment
/// follows the transit gateway's defaults).
pub(super) fn attach(cx: &mut Ctx, tgw: &str, att: TgwAttachment, assoc: bool, prop: bool) {
    let name = att.name.value.clone();
    let Some(t) = find_tgw(cx, tgw) else { return };
    let defaults = (
        t.default_association_route_table.clone(),
        t.default_propagation_route_table.clone(),
    );
    t.attachments.push(Sp::new(att));
    for (want, table, assoc_side) in [(assoc, defaults.0, true), (prop, defaults.1, false)] {
        let Some(table) = table.filter(|_| want) else {
            continue;
        };
        if let Some(rt) = t
            .route_tables
            .iter_mut()
            .find(|r| r.name.value == table.value)
        {
            if assoc_side {
                rt.value.associations.push(Sp::new(name.clone()));
            } else {
                rt.value.propagations.push(Sp::new(name.clone()));
            }
        }
    }
}

/// `aws_ec2_transit_gateway` and the VPC and peering attachments.
pub(super) fn transit_gateways(cx: &mut Ctx) {
    for i in cx.of(&TGW) {
        let name = cx.emit(i, None);
        let assoc = enabled(cx, i, "default_route_table_association", true, &name);
        let prop = enabled(cx, i, "default_route_table_propagation", true, &name);
        let sg_ref = match cx.res(i).get(&[P::K("security_group_referencing_support")]) {
            Val::Known(Value::String(s)) => Some(s.eq_ignore_ascii_case("enable")),
            _ => None,
        };
        let ecmp = match cx.res(i).get(&[P::K("vpn_ecmp_support")]) {
            Val::Known(Value::String(s)) => Some(s.eq_ignore_ascii_case("enable")),
            _ => None,
        };
        let r = cx.res(i);
        let asn = match int(r, &[P::K("amazon_side_asn")]) {
            Field::Set(a) => u64::try_from(a).ok(),
            _ => None,
        };
        let table = default_table(&name);
        let mut route_tables = Vec::new();
        if assoc || prop {
            route_tables.push(Sp::new(TgwRouteTable {
                name: Sp::new(table.clone()),
                aws_id: match text(r, &[P::K("association_default_route_table_id")]) {
                    Field::Set(s) => Some(s),
                    _ => None,
                },
                ..TgwRouteTable::default()
            }));
        }
        cx.file.transit_gateways.push(Sp::new(TransitGateway {
            name: Sp::new(name),
            aws_id: aws_id(r),
            amazon_side_asn: asn,
            security_group_referencing: sg_ref,
            vpn_ecmp: ecmp,
            default_association_route_table: assoc.then(|| Sp::new(table.clone())),
            default_propagation_route_table: prop.then(|| Sp::new(table.clone())),
            route_tables,
            tags: tags(r),
            ..TransitGateway::default()
        }));
    }
    for i in cx.of(&["aws_ec2_transit_gateway_vpc_attachment"]) {
        let Some(tgw) = cx.link_or_leave_out(
            i,
            ("transit_gateway_id", &TGW, "attachment"),
            GapKind::TransitGateway,
        ) else {
            continue;
        };
        let Some(vpc) = cx.link_or_leave_out(
            i,
            ("vpc_id", &["aws_vpc"], "attachment"),
            GapKind::TransitGateway,
        ) else {
            continue;
        };
        let name = cx.emit(i, Some(&vpc));
        let mut subnets = Vec::new();
        for t in cx.configured_targets(i, "subnet_ids") {
            match cx.resolve(&t, &["aws_subnet"]) {
                Ok((_, s)) => subnets.push(Sp::new(s)),
                Err(why) => cx.attr_gap(
                    i,
                    "subnet_ids",
                    &format!("{why}; a subnet of the attachment is not known"),
                    GapKind::TransitGateway,
                    Scope::Vpc(vpc.clone()),
                ),
            }
        }
        let appliance = enabled(cx, i, "appliance_mode_support", false, &name);
        let ipv6 = enabled(cx, i, "ipv6_support", false, &name);
        let sg_ref = match cx.res(i).get(&[P::K("security_group_referencing_support")]) {
            Val::Known(Value::String(s)) => Some(s.eq_ignore_ascii_case("enable")),
            _ => None,
        };
        let assoc = default_flag(
            cx,
            i,
            "transit_gateway_default_route_table_association",
            &name,
        );
        let prop = default_flag(
            cx,
            i,
            "transit_gateway_default_route_table_propagation",
            &name,
        );
        let r = cx.res(i);
        let att = TgwAttachment {
            name: Sp::new(name),
            aws_id: aws_id(r),
            kind: Sp::new("vpc".to_owned()),
            vpc: Some(Sp::new(vpc)),
            subnets,
            appliance_mode: Some(appliance),
            security_group_referencing: sg_ref,
            ipv6_support: Some(ipv6),
            tags: tags(r),
            ..TgwAttachment::default()
        };
        attach(cx, &tgw, att, assoc, prop);
    }
    for i in cx.of(&["aws_ec2_transit_gateway_peering_attachment"]) {
        let Some(tgw) = cx.link_or_leave_out(
            i,
            ("transit_gateway_id", &TGW, "peering attachment"),
            GapKind::TransitGateway,
        ) else {
            continue;
        };
        let Some(peer) = cx.link_or_leave_out(
            i,
            ("peer_transit_gateway_id", &TGW, "peering attachment"),
            GapKind::TransitGateway,
        ) else {
            continue;
        };
        let name = cx.emit(i, None);
        // A peering is always accepted on the peer's side (there is no
        // auto-accept): without an accepter in the plan it stays pending.
        let accepted = cx.plan.resources.iter().any(|a| {
            a.kind == "aws_ec2_transit_gateway_peering_attachment_accepter"
                && cx.refs.target(a, &[P::K("transit_gateway_attachment_id")]) == Target::To(i)
        });
        if !accepted {
            cx.notes.push(format!(
                "`{}` has no `aws_ec2_transit_gateway_peering_attachment_accepter` in the plan: it stays pending acceptance and carries nothing",
                cx.res(i).address
            ));
        }
        let r = cx.res(i);
        // A peering attachment follows the default association (never
        // propagation: it propagates nothing, C-9.3).
        let att = TgwAttachment {
            name: Sp::new(name),
            aws_id: aws_id(r),
            kind: Sp::new("peering".to_owned()),
            state: (!accepted).then(|| Sp::new("pendingAcceptance".to_owned())),
            peer_transit_gateway: Some(Sp::new(peer)),
            tags: tags(r),
            ..TgwAttachment::default()
        };
        attach(cx, &tgw, att, true, false);
    }
    for i in cx.of(&["aws_ec2_transit_gateway_peering_attachment_accepter"]) {
        // The accepter's end: the peer gateway's attachment back.
        let req = cx.link(
            i,
            "transit_gateway_attachment_id",
            &["aws_ec2_transit_gateway_peering_attachment"],
        );
        let Ok((a, _)) = req else {
            let why = req.err().unwrap_or_default();
            cx.attr_gap(
                i,
                "transit_gateway_attachment_id",
                &format!("{why}; the accepter's end of the peering is left out"),
                GapKind::TransitGateway,
                Scope::Everywhere,
            );
            continue;
        };
        let ends = (
            cx.link(a, "transit_gateway_id", &TGW),
            cx.link(a, "peer_transit_gateway_id", &TGW),
        );
        let (Ok((_, requester)), Ok((_, accepter))) = ends else {
            continue;
        };
        let name = cx.emit(i, None);
        let r = cx.res(i);
        let att = TgwAttachment {
            name: Sp::new(name),
            kind: Sp::new("peering".to_owned()),
            peer_transit_gateway: Some(Sp::new(requester)),
            tags: tags(r),
            ..TgwAttachment::default()
        };
        attach(cx, &accepter, att, true, false);
    }
}

/// An attachment's `transit_gateway_default_route_table_*` flag (default
/// `true`); unknown is a gap and taken as `true`.
fn default_flag(cx: &mut Ctx, i: usize, attr: &str, name: &str) -> bool {
    match flag(cx.res(i), &[P::K(attr)]) {
        Field::Set(b) => b,
        Field::Unset => true,
        Field::Unknown => {
            cx.attr_gap(
                i,
                attr,
                "whether the attachment follows the transit gateway's default route table",
                GapKind::TransitGateway,
                Scope::Resources(vec![name.to_owned()]),
            );
            true
        }
    }
}

/// The attachment name that `t` points to, as seen from transit gateway
/// `tgw` when given: a peering's requester attachment id names, on the
/// peer gateway, the accepter's end.
fn attachment(cx: &Ctx, t: &Target, tgw: Option<&str>) -> Result<String, String> {
    let t = match t {
        // An attachment id the plan knows only on the VPN connection or
        // DX gateway association that made it.
        Target::External(id) => cx
            .plan
            .resources
            .iter()
            .position(|r| {
                matches!(r.get(&[P::K("transit_gateway_attachment_id")]), Val::Known(Value::String(s)) if s == id)
                    && ATTACHMENTS.contains(&r.kind.as_str())
            })
            .map_or_else(|| t.clone(), Target::To),
        _ => t.clone(),
    };
    let (i, name) = cx.resolve(&t, &ATTACHMENTS)?;
    let kind = cx.res(i).kind.as_str();
    let name = if matches!(kind, "aws_vpn_connection" | "aws_dx_gateway_association") {
        format!("{name}:attachment")
    } else {
        name
    };
    let exists = cx
        .file
        .transit_gateways
        .iter()
        .any(|g| g.attachments.iter().any(|a| a.name.value == name));
    let on = |n: &str| tgw.is_none_or(|g| tgw_of_attachment(cx, n).as_deref() == Some(g));
    if exists && !on(&name) {
        let accepter = cx.plan.resources.iter().enumerate().find_map(|(j, r)| {
            (r.kind == "aws_ec2_transit_gateway_peering_attachment_accepter"
                && cx.refs.target(r, &[P::K("transit_gateway_attachment_id")]) == Target::To(i))
            .then(|| cx.name(j))
            .flatten()
            .filter(|n| on(n))
        });
        if let Some(a) = accepter {
            return Ok(a.to_owned());
        }
        return Err(format!(
            "it names `{name}`, an attachment of another transit gateway than `{}` (a peering's end on this gateway needs its accepter)",
            tgw.unwrap_or_default()
        ));
    }
    if exists {
        Ok(name)
    } else {
        Err(format!(
            "it refers to `{}`, which makes no transit gateway attachment here",
            cx.res(i).address
        ))
    }
}

/// The transit gateway that holds attachment `att`.
fn tgw_of_attachment(cx: &Ctx, att: &str) -> Option<String> {
    cx.file
        .transit_gateways
        .iter()
        .find(|g| g.attachments.iter().any(|a| a.name.value == att))
        .map(|g| g.name.value.clone())
}

/// The route table that resource `i` names at
/// `transit_gateway_route_table_id`: a table of the plan, or a transit
/// gateway's default one (named through the gateway's
/// `association_default_route_table_id` or `propagation_default_route_table_id`).
fn table(cx: &Ctx, i: usize) -> Result<String, String> {
    let t = cx
        .refs
        .target(cx.res(i), &[P::K("transit_gateway_route_table_id")]);
    let t = match t {
        Target::External(id) => cx
            .plan
            .resources
            .iter()
            .position(|r| {
                r.kind == TGW[0]
                    && [
                        "association_default_route_table_id",
                        "propagation_default_route_table_id",
                    ]
                    .iter()
                    .any(|k| matches!(r.get(&[P::K(k)]), Val::Known(Value::String(s)) if *s == id))
            })
            .map_or(Target::External(id), Target::To),
        t => t,
    };
    match t {
        Target::To(g) if cx.res(g).kind == TGW[0] => {
            let (_, name) = cx.resolve(&t, &TGW)?;
            let default = default_table(&name);
            if table_tgw(cx, &default).is_some() {
                Ok(default)
            } else {
                Err(format!(
                    "it names the default route table of `{name}`, which has none (`default_route_table_association` and `_propagation` are `disable`)"
                ))
            }
        }
        t => cx.resolve(&t, &TABLES).map(|(_, n)| n),
    }
}

/// The transit gateway that holds route table `table`.
fn table_tgw(cx: &Ctx, table: &str) -> Option<String> {
    cx.file
        .transit_gateways
        .iter()
        .find(|g| g.route_tables.iter().any(|t| t.name.value == table))
        .map(|g| g.name.value.clone())
}

fn find_table<'a>(cx: &'a mut Ctx, table: &str) -> Option<&'a mut TgwRouteTable> {
    cx.file
        .transit_gateways
        .iter_mut()
        .flat_map(|g| g.value.route_tables.iter_mut())
        .find(|t| t.name.value == table)
        .map(|t| &mut t.value)
}

/// Route tables, routes, prefix-list references, associations and
/// propagations (after every attachment exists).
pub(super) fn route_tables(cx: &mut Ctx) {
    for i in cx.of(&TABLES) {
        let Some(tgw) = cx.link_or_leave_out(
            i,
            ("transit_gateway_id", &TGW, "route table"),
            GapKind::TransitGateway,
        ) else {
            continue;
        };
        let name = cx.emit(i, None);
        let r = cx.res(i);
        let table = TgwRouteTable {
            name: Sp::new(name),
            aws_id: aws_id(r),
            tags: tags(r),
            ..TgwRouteTable::default()
        };
        if let Some(t) = find_tgw(cx, &tgw) {
            t.route_tables.push(Sp::new(table));
        }
    }
    let table_of = |cx: &mut Ctx, i: usize, what: &str| match table(cx, i) {
        Ok(t) => Some(t),
        Err(why) => {
            cx.attr_gap(
                i,
                "transit_gateway_route_table_id",
                &format!("{why}; the {what} is left out"),
                GapKind::TransitGateway,
                Scope::Everywhere,
            );
            None
        }
    };
    for (kind, dest_attr) in [
        ("aws_ec2_transit_gateway_route", "destination_cidr_block"),
        (
            "aws_ec2_transit_gateway_prefix_list_reference",
            "prefix_list_id",
        ),
    ] {
        for i in cx.of(&[kind]) {
            let Some(table) = table_of(cx, i, "route") else {
                continue;
            };
            let scope = Scope::Resources(vec![table.clone()]);
            let mut route = TgwRoute::default();
            if dest_attr == "prefix_list_id" {
                match super::endpoints::prefix_list_at(cx, i, &[P::K(dest_attr)]) {
                    Ok(pl) => route.prefix_list = Some(Sp::new(pl)),
                    Err(why) => {
                        cx.attr_gap(
                            i,
                            dest_attr,
                            &format!("{why}; the route is left out"),
                            GapKind::TransitGateway,
                            scope,
                        );
                        continue;
                    }
                }
            } else {
                match text(cx.res(i), &[P::K(dest_attr)]) {
                    Field::Set(d) => route.destination = Some(Sp::new(d)),
                    _ => {
                        cx.attr_gap(
                            i,
                            dest_attr,
                            "the route's destination; the route is left out",
                            GapKind::TransitGateway,
                            scope,
                        );
                        continue;
                    }
                }
            }
            match flag(cx.res(i), &[P::K("blackhole")]) {
                Field::Set(true) => route.blackhole = Some(Sp::new(true)),
                Field::Unknown => {
                    cx.attr_gap(
                        i,
                        "blackhole",
                        "whether the route drops traffic; the route is left out",
                        GapKind::TransitGateway,
                        scope,
                    );
                    continue;
                }
                _ => {
                    let t = cx
                        .refs
                        .target(cx.res(i), &[P::K("transit_gateway_attachment_id")]);
                    match attachment(cx, &t, table_tgw(cx, &table).as_deref()) {
                        Ok(a) => route.attachment = Some(Sp::new(a)),
                        Err(why) => {
                            cx.attr_gap(
                                i,
                                "transit_gateway_attachment_id",
                                &format!("{why}; the route is left out"),
                                GapKind::TransitGateway,
                                scope,
                            );
                            continue;
                        }
                    }
                }
            }
            if let Some(t) = find_table(cx, &table) {
                t.routes.push(Sp::new(route));
            }
        }
    }
    for (kind, assoc) in [
        ("aws_ec2_transit_gateway_route_table_association", true),
        ("aws_ec2_transit_gateway_route_table_propagation", false),
    ] {
        for i in cx.of(&[kind]) {
            let what = if assoc { "association" } else { "propagation" };
            let Some(table) = table_of(cx, i, what) else {
                continue;
            };
            let t = cx
                .refs
                .target(cx.res(i), &[P::K("transit_gateway_attachment_id")]);
            let att = match attachment(cx, &t, table_tgw(cx, &table).as_deref()) {
                Ok(a) => a,
                Err(why) => {
                    cx.attr_gap(
                        i,
                        "transit_gateway_attachment_id",
                        &why,
                        GapKind::TransitGateway,
                        Scope::Resources(vec![table]),
                    );
                    continue;
                }
            };
            if !assoc {
                if let Some(rt) = find_table(cx, &table)
                    && !rt.propagations.iter().any(|p| p.value == att)
                {
                    rt.propagations.push(Sp::new(att));
                }
                continue;
            }
            // One association per attachment: the default one, if any,
            // is replaced only with `replace_existing_association`.
            let tgw = tgw_of_attachment(cx, &att).unwrap_or_default();
            let held = cx
                .file
                .transit_gateways
                .iter()
                .filter(|g| g.name.value == tgw)
                .flat_map(|g| g.route_tables.iter())
                .find(|rt| rt.name.value != table && rt.associations.iter().any(|a| a.value == att))
                .map(|rt| rt.name.value.clone());
            if let Some(other) = held {
                match flag(cx.res(i), &[P::K("replace_existing_association")]) {
                    Field::Set(true) => {
                        if let Some(rt) = find_table(cx, &other) {
                            rt.associations.retain(|a| a.value != att);
                        }
                    }
                    _ => {
                        cx.gap(
                            format!(
                                "`{}` associates `{att}` with `{table}`, but the transit gateway's default already associates it with `{other}` and `replace_existing_association` is not set: the apply fails, so the attachment's route table is not decided",
                                cx.res(i).address
                            ),
                            GapKind::TransitGateway,
                            Scope::Resources(vec![att.clone()]),
                        );
                        continue;
                    }
                }
            }
            if let Some(rt) = find_table(cx, &table)
                && !rt.associations.iter().any(|a| a.value == att)
            {
                rt.associations.push(Sp::new(att));
            }
        }
    }
}
