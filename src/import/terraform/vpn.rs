//! Site-to-Site VPN: `aws_vpn_connection` (with its tunnel options),
//! `aws_vpn_connection_route` and `aws_vpn_gateway_route_propagation`.
//! Virtual private gateways and customer gateways are read with the
//! other gateways (`vpc.rs`).
//!
//! Secrets: the tunnels' pre-shared keys and the customer gateway
//! configuration are blanked when the plan is read (`plan.rs`) and never
//! looked at here.
//!
//! The AWS provider's semantics that change verdicts:
//! - a connection to a transit gateway makes its VPN attachment, which
//!   follows the transit gateway's default association and propagation;
//! - tunnel options that are not set permit every value AWS allows
//!   (C-11.3); a configured option known only after apply is a gap on the
//!   `ipsec-strength` answers for that connection;
//! - `aws_vpn_gateway_route_propagation` and a table's inline
//!   `propagating_vgws` overwrite each other (a gap on the table).

use std::collections::BTreeMap;

use serde_json::Value;

use crate::model::format::{GapKind, TgwAttachment, VpnConnection, VpnTunnel};
use crate::model::spanned::Sp;

use super::plan::P;
use super::{Ctx, Field, Scope, Val, aws_id, flag, int, tags, text};

const VPN: [&str; 1] = ["aws_vpn_connection"];
const TABLE_KINDS: [&str; 2] = ["aws_route_table", "aws_default_route_table"];

/// A set of strings at `attr`, or `None` (with a gap) when configured but
/// unknown.
fn strings(cx: &mut Ctx, i: usize, attr: &str, owner: &str) -> Vec<Sp<String>> {
    match cx.res(i).get(&[P::K(attr)]) {
        Val::Known(Value::Array(a)) => a
            .iter()
            .filter_map(|v| match v {
                Value::String(s) => Some(Sp::new(s.clone())),
                Value::Number(n) => Some(Sp::new(n.to_string())),
                _ => None,
            })
            .collect(),
        Val::Unknown | Val::Sensitive if cx.refs.configured(cx.res(i), attr) == Some(true) => {
            cx.attr_gap(
                i,
                attr,
                "a tunnel option of the VPN connection",
                GapKind::VpnDirectConnect,
                Scope::Resources(vec![owner.to_owned()]),
            );
            Vec::new()
        }
        _ => Vec::new(),
    }
}

fn opt_u32(cx: &Ctx, i: usize, attr: &str) -> Option<Sp<u32>> {
    match int(cx.res(i), &[P::K(attr)]) {
        Field::Set(n) => u32::try_from(n).ok().map(Sp::new),
        _ => None,
    }
}

fn opt_text(cx: &Ctx, i: usize, attr: &str) -> Option<Sp<String>> {
    match text(cx.res(i), &[P::K(attr)]) {
        Field::Set(s) => Some(Sp::new(s)),
        _ => None,
    }
}

/// Tunnel `n` (1 or 2) of connection `i`.
fn tunnel(cx: &mut Ctx, i: usize, n: u8, owner: &str) -> VpnTunnel {
    let a = |k: &str| format!("tunnel{n}_{k}");
    let numbers = |v: Vec<Sp<String>>| -> Vec<Sp<u32>> {
        v.into_iter()
            .filter_map(|s| s.value.parse().ok().map(Sp::new))
            .collect()
    };
    VpnTunnel {
        outside_ip_address: opt_text(cx, i, &a("address")),
        inside_cidr: opt_text(cx, i, &a("inside_cidr")),
        ike_versions: strings(cx, i, &a("ike_versions"), owner),
        phase1_encryption: strings(cx, i, &a("phase1_encryption_algorithms"), owner),
        phase2_encryption: strings(cx, i, &a("phase2_encryption_algorithms"), owner),
        phase1_integrity: strings(cx, i, &a("phase1_integrity_algorithms"), owner),
        phase2_integrity: strings(cx, i, &a("phase2_integrity_algorithms"), owner),
        phase1_dh_groups: numbers(strings(cx, i, &a("phase1_dh_group_numbers"), owner)),
        phase2_dh_groups: numbers(strings(cx, i, &a("phase2_dh_group_numbers"), owner)),
        phase1_lifetime_seconds: opt_u32(cx, i, &a("phase1_lifetime_seconds")),
        phase2_lifetime_seconds: opt_u32(cx, i, &a("phase2_lifetime_seconds")),
        telemetry: None,
    }
}

/// VPN connections (after the gateways and transit gateways), their
/// static routes, and their transit gateway attachments.
pub(super) fn vpn_connections(cx: &mut Ctx) {
    for i in cx.of(&VPN) {
        let Some(cgw) = cx.link_or_leave_out(
            i,
            (
                "customer_gateway_id",
                &["aws_customer_gateway"],
                "VPN connection",
            ),
            GapKind::VpnDirectConnect,
        ) else {
            continue;
        };
        let r = cx.res(i);
        let to_tgw = !matches!(
            cx.refs.target(r, &[P::K("transit_gateway_id")]),
            super::Target::Absent
        );
        let gateway = if to_tgw {
            cx.link_or_leave_out(
                i,
                ("transit_gateway_id", &super::tgw::TGW, "VPN connection"),
                GapKind::VpnDirectConnect,
            )
        } else {
            cx.link_or_leave_out(
                i,
                ("vpn_gateway_id", &["aws_vpn_gateway"], "VPN connection"),
                GapKind::VpnDirectConnect,
            )
        };
        let Some(gateway) = gateway else { continue };
        let name = cx.emit(i, None);
        let static_only = match flag(cx.res(i), &[P::K("static_routes_only")]) {
            Field::Set(b) => Some(b),
            Field::Unset => None,
            Field::Unknown => {
                cx.attr_gap(
                    i,
                    "static_routes_only",
                    "whether the connection uses BGP",
                    GapKind::VpnDirectConnect,
                    Scope::Resources(vec![name.clone()]),
                );
                None
            }
        };
        let transport = if to_tgw {
            match cx.refs.target(
                cx.res(i),
                &[P::K("transport_transit_gateway_attachment_id")],
            ) {
                super::Target::Absent => None,
                _ => {
                    cx.attr_gap(
                        i,
                        "transport_transit_gateway_attachment_id",
                        "a private IP VPN over Direct Connect: the transport attachment is not read from plans yet",
                        GapKind::VpnDirectConnect,
                        Scope::Resources(vec![name.clone()]),
                    );
                    None
                }
            }
        } else {
            None
        };
        let tunnels = vec![
            Sp::new(tunnel(cx, i, 1, &name)),
            Sp::new(tunnel(cx, i, 2, &name)),
        ];
        let accel = match flag(cx.res(i), &[P::K("enable_acceleration")]) {
            Field::Set(b) => Some(b),
            _ => None,
        };
        let r = cx.res(i);
        cx.file.vpn_connections.push(Sp::new(VpnConnection {
            name: Sp::new(name.clone()),
            aws_id: aws_id(r),
            customer_gateway: Sp::new(cgw),
            gateway: Sp::new(gateway.clone()),
            state: None,
            static_routes_only: static_only,
            routes: Vec::new(),
            outside_ip_address_type: opt_text(cx, i, "outside_ip_address_type"),
            transport_attachment: transport,
            local_ipv4_network_cidr: opt_text(cx, i, "local_ipv4_network_cidr"),
            remote_ipv4_network_cidr: opt_text(cx, i, "remote_ipv4_network_cidr"),
            enable_acceleration: accel,
            tunnels,
            tags: tags(r),
        }));
        if to_tgw {
            let att = TgwAttachment {
                name: Sp::new(format!("{name}:attachment")),
                aws_id: match text(cx.res(i), &[P::K("transit_gateway_attachment_id")]) {
                    Field::Set(s) => Some(s),
                    _ => None,
                },
                kind: Sp::new("vpn".to_owned()),
                vpn_connection: Some(Sp::new(name)),
                ..TgwAttachment::default()
            };
            super::tgw::attach(cx, &gateway, att, true, true);
        }
    }
    for i in cx.of(&["aws_vpn_connection_route"]) {
        let Some(vpn) = cx.link_or_leave_out(
            i,
            ("vpn_connection_id", &VPN, "VPN route"),
            GapKind::VpnDirectConnect,
        ) else {
            continue;
        };
        match text(cx.res(i), &[P::K("destination_cidr_block")]) {
            Field::Set(d) => {
                if let Some(v) = cx
                    .file
                    .vpn_connections
                    .iter_mut()
                    .find(|v| v.name.value == vpn)
                {
                    v.value.routes.push(Sp::new(d));
                }
            }
            _ => cx.attr_gap(
                i,
                "destination_cidr_block",
                "a static route of the VPN connection",
                GapKind::VpnDirectConnect,
                Scope::Resources(vec![vpn]),
            ),
        }
    }
}

/// `aws_vpn_gateway_route_propagation` (after the route tables).
pub(super) fn route_propagations(cx: &mut Ctx) {
    let mut standalone: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for i in cx.of(&["aws_vpn_gateway_route_propagation"]) {
        let Some(table) = cx.standalone_parent(
            i,
            ("route_table_id", &TABLE_KINDS, "route propagation"),
            GapKind::Routes,
            &mut standalone,
        ) else {
            continue;
        };
        let Some(vgw) = cx.link_or_leave_out(
            i,
            ("vpn_gateway_id", &["aws_vpn_gateway"], "route propagation"),
            GapKind::Routes,
        ) else {
            continue;
        };
        if let Some(t) = cx
            .file
            .route_tables
            .iter_mut()
            .find(|t| t.name.value == table)
            && !t.propagating_gateways.iter().any(|g| g.value == vgw)
        {
            t.value.propagating_gateways.push(Sp::new(vgw));
        }
    }
    for (table, props) in &standalone {
        let inline = cx.plan.resources.iter().any(|r| {
            &r.address == table
                && r.kind == "aws_route_table"
                && cx.refs.configured(r, "propagating_vgws") == Some(true)
        });
        if inline {
            cx.gap(
                format!(
                    "route table `{table}` sets `propagating_vgws` and has `aws_vpn_gateway_route_propagation` resources ({}): Terraform makes each overwrite the other at every apply, so its propagated routes are not decided",
                    props.iter().map(|p| format!("`{p}`")).collect::<Vec<_>>().join(", ")
                ),
                GapKind::Routes,
                Scope::Resources(vec![table.clone()]),
            );
        }
    }
}
