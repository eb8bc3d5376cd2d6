//! Direct Connect: connections (dedicated and hosted), LAGs and their
//! members, gateways and their associations, private, transit and public
//! virtual interfaces (also hosted ones and their accepters), and MACsec
//! key associations.
//!
//! Secrets: BGP auth keys are blanked when the plan is read, and so are a
//! MACsec key association's CAK and CKN (`plan.rs`); only the key's
//! existence and its Secrets Manager ARN are kept.
//!
//! The AWS provider's semantics that change verdicts:
//! - a DX gateway association with a transit gateway makes a
//!   `direct-connect-gateway` attachment (`<association>:attachment`) that
//!   follows the transit gateway's default association and propagation;
//! - `allowed_prefixes` not set: AWS advertises the associated VPCs' CIDRs
//!   (VGW) — known after apply for a transit gateway, so a gap there;
//! - `encryption_mode` of a LAG member is the LAG's (C-12.5).

use crate::model::format::{
    DirectConnect, DxConnection, DxGateway, DxGatewayAssociation, DxLag, DxVirtualInterface,
    GapKind, MacsecKey, TgwAttachment,
};
use crate::model::spanned::Sp;

use super::plan::P;
use super::{Ctx, Field, Scope, Target, aws_id, flag, int, tags, text, texts};

const CONN: [&str; 2] = ["aws_dx_connection", "aws_dx_hosted_connection"];
const LAG: [&str; 1] = ["aws_dx_lag"];
const GW: [&str; 1] = ["aws_dx_gateway"];
const ON: [&str; 3] = [
    "aws_dx_connection",
    "aws_dx_hosted_connection",
    "aws_dx_lag",
];

fn opt(f: Field<String>) -> Option<String> {
    match f {
        Field::Set(s) => Some(s),
        _ => None,
    }
}

fn dx<'a>(cx: &'a mut Ctx) -> &'a mut DirectConnect {
    &mut cx
        .file
        .direct_connect
        .get_or_insert_with(|| Sp::new(DirectConnect::default()))
        .value
}

/// Map every Direct Connect resource (after the VPN gateways and transit
/// gateways).
pub(super) fn direct_connect(cx: &mut Ctx) {
    for i in cx.of(&LAG) {
        let name = cx.emit(i, None);
        let r = cx.res(i);
        let lag = DxLag {
            name: Sp::new(name),
            aws_id: aws_id(r),
            macsec_capable: match flag(r, &[P::K("request_macsec")]) {
                Field::Set(b) => Some(b),
                _ => None,
            },
            encryption_mode: opt(text(r, &[P::K("encryption_mode")])).map(Sp::new),
            macsec_keys: Vec::new(),
            tags: tags(r),
        };
        dx(cx).lags.push(Sp::new(lag));
    }
    for i in cx.of(&CONN) {
        let name = cx.emit(i, None);
        let r = cx.res(i);
        let hosted = r.kind == "aws_dx_hosted_connection";
        let conn = DxConnection {
            name: Sp::new(name),
            aws_id: aws_id(r),
            kind: Some(Sp::new(
                if hosted { "hosted" } else { "dedicated" }.to_owned(),
            )),
            bandwidth: opt(text(r, &[P::K("bandwidth")])),
            location: opt(text(r, &[P::K("location")])),
            lag: None,
            macsec_capable: match flag(r, &[P::K("macsec_capable")]) {
                Field::Set(b) => Some(b),
                _ => match flag(r, &[P::K("request_macsec")]) {
                    Field::Set(b) => Some(b),
                    _ => None,
                },
            },
            encryption_mode: opt(text(r, &[P::K("encryption_mode")])).map(Sp::new),
            macsec_keys: Vec::new(),
            port_encryption_status: None,
            partner_segment_encrypted: None,
            tags: tags(r),
        };
        dx(cx).connections.push(Sp::new(conn));
    }
    // LAG membership: `aws_dx_connection_association`, or the LAG's own
    // `connection_id` (the connection it was created with).
    for i in cx.of(&["aws_dx_connection_association"]) {
        let link = cx
            .link(i, "connection_id", &CONN)
            .and_then(|(_, c)| cx.link(i, "lag_id", &LAG).map(|(_, l)| (c, l)));
        match link {
            Ok((c, l)) => set_lag(cx, &c, &l),
            Err(why) => cx.attr_gap(
                i,
                "lag_id",
                &why,
                GapKind::VpnDirectConnect,
                Scope::Everywhere,
            ),
        }
    }
    let lags: Vec<(usize, String)> = cx
        .plan
        .resources
        .iter()
        .enumerate()
        .filter(|(_, r)| r.kind == "aws_dx_lag")
        .filter_map(|(i, _)| cx.name(i).map(|n| (i, n.to_owned())))
        .collect();
    for (i, l) in lags {
        if let Ok((_, c)) = cx.link(i, "connection_id", &CONN) {
            set_lag(cx, &c, &l);
        }
    }
    macsec(cx);
    for i in cx.of(&GW) {
        let name = cx.emit(i, None);
        let r = cx.res(i);
        let asn = match int(r, &[P::K("amazon_side_asn")]) {
            Field::Set(a) => u64::try_from(a).ok(),
            _ => None,
        };
        dx(cx).gateways.push(Sp::new(DxGateway {
            name: Sp::new(name),
            aws_id: aws_id(r),
            amazon_side_asn: asn,
            associations: Vec::new(),
        }));
    }
    associations(cx);
    virtual_interfaces(cx);
}

fn set_lag(cx: &mut Ctx, conn: &str, lag: &str) {
    if let Some(c) = dx(cx).connections.iter_mut().find(|c| c.name.value == conn) {
        c.value.lag = Some(Sp::new(lag.to_owned()));
    }
}

/// `aws_dx_macsec_key_association`: a key on a connection or LAG. Its CKN
/// and CAK are secrets (blanked when read); the key counts as associated.
fn macsec(cx: &mut Ctx) {
    for i in cx.of(&["aws_dx_macsec_key_association"]) {
        let Some(on) = cx.link_or_leave_out(
            i,
            ("connection_id", &ON, "MACsec key"),
            GapKind::VpnDirectConnect,
        ) else {
            continue;
        };
        let key = MacsecKey {
            state: Sp::new("associated".to_owned()),
            ckn: None,
            secret_arn: opt(text(cx.res(i), &[P::K("secret_arn")])),
        };
        let d = dx(cx);
        if let Some(c) = d.connections.iter_mut().find(|c| c.name.value == on) {
            c.value.macsec_keys.push(Sp::new(key));
        } else if let Some(l) = d.lags.iter_mut().find(|l| l.name.value == on) {
            l.value.macsec_keys.push(Sp::new(key));
        }
    }
}

/// `aws_dx_gateway_association` (and its proposal's accepter).
fn associations(cx: &mut Ctx) {
    for i in cx.of(&[
        "aws_dx_gateway_association",
        "aws_dx_gateway_association_proposal",
    ]) {
        let Some(gw) = cx.link_or_leave_out(
            i,
            ("dx_gateway_id", &GW, "Direct Connect gateway association"),
            GapKind::VpnDirectConnect,
        ) else {
            continue;
        };
        let r = cx.res(i);
        let attr = if matches!(
            cx.refs.target(r, &[P::K("associated_gateway_id")]),
            Target::Absent
        ) {
            "vpn_gateway_id"
        } else {
            "associated_gateway_id"
        };
        let kinds = ["aws_vpn_gateway", "aws_ec2_transit_gateway"];
        let Some(to) = cx.link_or_leave_out(
            i,
            (attr, &kinds, "Direct Connect gateway association"),
            GapKind::VpnDirectConnect,
        ) else {
            continue;
        };
        let to_tgw = cx.file.transit_gateways.iter().any(|t| t.name.value == to);
        let name = cx.emit(i, None);
        let prefixes = match texts(cx.res(i), &[P::K("allowed_prefixes")]) {
            Field::Set(p) => p,
            Field::Unset => Vec::new(),
            Field::Unknown => {
                let why = if to_tgw {
                    "the prefixes advertised to on-prem (for a transit gateway, AWS chooses them at apply when not set)"
                } else {
                    "the prefixes advertised to on-prem"
                };
                cx.attr_gap(
                    i,
                    "allowed_prefixes",
                    why,
                    GapKind::VpnDirectConnect,
                    Scope::Resources(vec![name.clone()]),
                );
                Vec::new()
            }
        };
        let assoc = DxGatewayAssociation {
            transit_gateway: to_tgw.then(|| Sp::new(to.clone())),
            vpn_gateway: (!to_tgw).then(|| Sp::new(to.clone())),
            allowed_prefixes: prefixes.into_iter().map(Sp::new).collect(),
        };
        if let Some(g) = dx(cx).gateways.iter_mut().find(|g| g.name.value == gw) {
            g.value.associations.push(Sp::new(assoc));
        }
        if to_tgw {
            let att = TgwAttachment {
                name: Sp::new(format!("{name}:attachment")),
                aws_id: opt(text(cx.res(i), &[P::K("transit_gateway_attachment_id")])),
                kind: Sp::new("direct-connect-gateway".to_owned()),
                direct_connect_gateway: Some(Sp::new(gw)),
                ..TgwAttachment::default()
            };
            super::tgw::attach(cx, &to, att, true, true);
        }
    }
}

/// Private, transit and public virtual interfaces, hosted or not.
fn virtual_interfaces(cx: &mut Ctx) {
    for (kinds, vif) in [
        (
            &[
                "aws_dx_private_virtual_interface",
                "aws_dx_hosted_private_virtual_interface",
            ][..],
            "private",
        ),
        (
            &[
                "aws_dx_transit_virtual_interface",
                "aws_dx_hosted_transit_virtual_interface",
            ][..],
            "transit",
        ),
        (
            &[
                "aws_dx_public_virtual_interface",
                "aws_dx_hosted_public_virtual_interface",
            ][..],
            "public",
        ),
    ] {
        for i in cx.of(kinds) {
            let Some(conn) = cx.link_or_leave_out(
                i,
                ("connection_id", &ON, "virtual interface"),
                GapKind::VpnDirectConnect,
            ) else {
                continue;
            };
            let name = cx.emit(i, None);
            let r = cx.res(i);
            let mut v = DxVirtualInterface {
                name: Sp::new(name.clone()),
                aws_id: aws_id(r),
                kind: Sp::new(vif.to_owned()),
                connection: Sp::new(conn),
                vlan: match int(r, &[P::K("vlan")]) {
                    Field::Set(n) => u32::try_from(n).ok(),
                    _ => None,
                },
                tags: tags(r),
                ..DxVirtualInterface::default()
            };
            if vif == "public" {
                match texts(r, &[P::K("route_filter_prefixes")]) {
                    Field::Set(p) => v.advertised_prefixes = p.into_iter().map(Sp::new).collect(),
                    Field::Unset => {}
                    Field::Unknown => cx.attr_gap(
                        i,
                        "route_filter_prefixes",
                        "the prefixes advertised to AWS",
                        GapKind::VpnDirectConnect,
                        Scope::Resources(vec![name.clone()]),
                    ),
                }
            }
            // A hosted interface is attached by its accepter in the other
            // account; the accepter names the gateway.
            for at in [i].into_iter().chain(accepters(cx, i)).collect::<Vec<_>>() {
                let r = cx.res(at);
                if !matches!(cx.refs.target(r, &[P::K("dx_gateway_id")]), Target::Absent) {
                    match cx.link(at, "dx_gateway_id", &GW) {
                        Ok((_, g)) => v.direct_connect_gateway = Some(Sp::new(g)),
                        Err(why) => cx.attr_gap(
                            at,
                            "dx_gateway_id",
                            &why,
                            GapKind::VpnDirectConnect,
                            Scope::Resources(vec![name.clone()]),
                        ),
                    }
                }
                if !matches!(cx.refs.target(r, &[P::K("vpn_gateway_id")]), Target::Absent) {
                    match cx.link(at, "vpn_gateway_id", &["aws_vpn_gateway"]) {
                        Ok((_, g)) => v.vpn_gateway = Some(Sp::new(g)),
                        Err(why) => cx.attr_gap(
                            at,
                            "vpn_gateway_id",
                            &why,
                            GapKind::VpnDirectConnect,
                            Scope::Resources(vec![name.clone()]),
                        ),
                    }
                }
            }
            dx(cx).virtual_interfaces.push(Sp::new(v));
        }
    }
}

/// The `aws_dx_hosted_*_virtual_interface_accepter` resources of hosted
/// interface `i`.
fn accepters(cx: &mut Ctx, i: usize) -> Vec<usize> {
    let all = cx.of(&[
        "aws_dx_hosted_private_virtual_interface_accepter",
        "aws_dx_hosted_transit_virtual_interface_accepter",
        "aws_dx_hosted_public_virtual_interface_accepter",
    ]);
    all.into_iter()
        .filter(|&a| {
            matches!(cx.refs.target(cx.res(a), &[P::K("virtual_interface_id")]), Target::To(v) if v == i)
        })
        .collect()
}
