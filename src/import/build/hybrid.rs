//! Transit gateways, VPN and Direct Connect: snapshot records → topology.
//!
//! Every reference the topology format needs is checked here: a record
//! whose peer is not in the snapshot is left out and recorded as a gap, so
//! the dependent verdicts are `unknown` rather than silently complete. The
//! on-prem networks are derived from what AWS routes towards each VPN and
//! DX connection (including the propagated transit gateway routes, which
//! the format does not keep), marked `derived: true` with the routes they
//! came from. What AWS APIs cannot show (how on-prem routers prefer paths
//! into AWS) is never invented.

use std::collections::{BTreeMap, BTreeSet};

use super::super::ImportError;
use super::super::aws::{self, name_tag};
use super::super::read::{Items, Loc};
use super::{B, Recs, by_id, cidr, scope_text, sp, tags};
use crate::model::format as f;
use crate::model::{Scalar, Sp};

/// On-prem paths: what the encryption proof and the on-prem policy need.
const TRANSIT: &[&str] = &["transit-encryption", "on-prem-access"];
/// Transit gateway routing: internet delivery never consults it (C-6.4),
/// so public exposure does not depend on it.
const ROUTING: &[&str] = &[
    "private-service-access",
    "transit-encryption",
    "on-prem-access",
];
const IPSEC: &[&str] = &["transit-encryption", "ipsec-strength", "on-prem-access"];

/// The hybrid records of a snapshot.
pub(in crate::import) struct HybridRaw {
    pub tgws: BTreeMap<String, (Loc, aws::TransitGateway)>,
    pub attachments: Items<aws::TgwAttachment>,
    pub vpc_attachments: Items<aws::TgwVpcAttachment>,
    pub route_tables: Items<aws::TgwRouteTable>,
    pub routes: Items<aws::TgwRoutes>,
    pub propagations: Items<aws::TgwPropagations>,
    pub associations: Items<(String, aws::TgwRtbLink)>,
    pub vpns: Items<aws::VpnConnection>,
    pub cgws: Items<aws::CustomerGateway>,
    pub connections: Items<aws::DxConnection>,
    pub lags: Items<aws::DxLag>,
    pub vifs: Items<aws::VirtualInterface>,
    pub dx_gateways: Items<aws::DxGateway>,
    pub dx_associations: Items<aws::DxGatewayAssociation>,
    /// Top-level keys per (account, Region) folder.
    pub scopes: BTreeMap<(Option<String>, Option<String>), BTreeSet<String>>,
}

/// States of resources that no longer exist.
fn gone(state: &Option<String>) -> bool {
    matches!(
        state.as_deref(),
        Some("deleted" | "deleting" | "rejected" | "failed" | "disassociated" | "disassociating")
    )
}

fn enabled(v: &Option<String>) -> Option<bool> {
    v.as_deref().map(|x| x.eq_ignore_ascii_case("enable"))
}

fn values(v: &[aws::StrValue]) -> Vec<Sp<String>> {
    v.iter().filter_map(|x| x.value.clone()).map(sp).collect()
}

fn numbers(v: &[aws::IntValue]) -> Vec<Sp<u32>> {
    v.iter()
        .filter_map(|x| x.value.as_ref())
        .filter_map(|n| u32::try_from(n.0).ok())
        .map(sp)
        .collect()
}

fn num32(v: &Option<aws::Num>) -> Option<u32> {
    v.as_ref().and_then(|n| u32::try_from(n.0).ok())
}

/// The hybrid records by id (deleted ones left out), and the names of what
/// the file already holds, which references are checked against.
struct Records {
    /// Attachments by (transit gateway, attachment id): both ends of a TGW
    /// peering list the same attachment id, each under its own gateway.
    atts: BTreeMap<(String, String), (Loc, aws::TgwAttachment)>,
    vpc_atts: Recs<aws::TgwVpcAttachment>,
    rtbs: Recs<aws::TgwRouteTable>,
    vpns: Recs<aws::VpnConnection>,
    cgws: Recs<aws::CustomerGateway>,
    lags: Recs<aws::DxLag>,
    conns: Recs<aws::DxConnection>,
    vifs: Recs<aws::VirtualInterface>,
    dxgws: Recs<aws::DxGateway>,
    vpc_names: BTreeSet<String>,
    subnet_names: BTreeSet<String>,
    vgw_names: BTreeSet<String>,
    /// The transit gateways' ids.
    tgw_ids: BTreeSet<String>,
}

impl Records {
    fn vpc_of(&self, b: &B, id: &str) -> Option<String> {
        b.get(id).filter(|n| self.vpc_names.contains(n))
    }

    fn subnet_of(&self, b: &B, id: &str) -> Option<String> {
        b.get(id).filter(|n| self.subnet_names.contains(n))
    }

    fn vgw_of(&self, b: &B, id: &str) -> Option<String> {
        b.get(id).filter(|n| self.vgw_names.contains(n))
    }

    fn tgw_name(&self, b: &B, id: &str) -> Option<String> {
        self.tgw_ids.contains(id).then(|| b.get(id)).flatten()
    }

    /// The name of attachment `id` of transit gateway `tgw`.
    fn att_of(&self, b: &B, tgw: &str, id: &str) -> Option<String> {
        b.get(&format!("{id}@{tgw}")).or_else(|| {
            self.atts
                .contains_key(&(tgw.to_string(), id.to_string()))
                .then(|| b.get(id))
                .flatten()
        })
    }
}

/// Everything a step reads and writes: the names, gaps and notes, the file
/// being built, the records, and what earlier steps built.
struct Hx<'o> {
    b: &'o mut B,
    out: &'o mut f::TopologyFile,
    /// The records not yet indexed into [`Records`].
    h: HybridRaw,
    r: Records,
    cgw_out: BTreeMap<String, f::CustomerGateway>,
    vpn_out: BTreeMap<String, f::VpnConnection>,
    dx: f::DirectConnect,
    /// Propagated transit gateway routes towards on-prem attachments.
    observed: Vec<crate::model::ObservedTgwRoute>,
    /// A propagated route towards an attachment the snapshot lacks.
    hidden_routes: bool,
    /// The names of every attachment written out, for the VPNs over them.
    written_attachments: BTreeSet<String>,
    /// Transit gateways with a route table the snapshot does not hold.
    unseen_tables: BTreeSet<String>,
}

/// Transit gateway associations, propagations and routes, by route table.
struct TgwIndex {
    /// (route table, attachment id) pairs: the association is per route
    /// table, whose transit gateway scopes the attachment id.
    assocs: BTreeSet<(String, String)>,
    /// Route table → attachments propagating to it.
    props: BTreeMap<String, BTreeSet<String>>,
    props_known: BTreeSet<String>,
    routes_of: BTreeMap<String, Vec<(Loc, aws::TgwRoute)>>,
    routes_known: BTreeSet<String>,
    pl_names: BTreeMap<String, String>,
}

/// Adds transit gateways, VPN connections, customer gateways and Direct
/// Connect resources to `out`. VPCs, subnets and VPN gateways must already
/// be in `out` (their names are looked up there).
pub(in crate::import) fn build(
    b: &mut B,
    out: &mut f::TopologyFile,
    mut h: HybridRaw,
) -> Result<(), ImportError> {
    let r = records(out, &mut h)?;
    name(b, &r);
    let mut x = Hx {
        b,
        out,
        h,
        r,
        cgw_out: BTreeMap::new(),
        vpn_out: BTreeMap::new(),
        dx: f::DirectConnect::default(),
        observed: Vec::new(),
        hidden_routes: false,
        written_attachments: BTreeSet::new(),
        unseen_tables: BTreeSet::new(),
    };
    customer_gateways(&mut x);
    vpn_connections(&mut x)?;
    dx_gateways(&mut x)?;
    lags_and_connections(&mut x);
    virtual_interfaces(&mut x)?;
    let ix = tgw_index(&mut x)?;
    transit_gateways(&mut x, &ix)?;
    output(&mut x);
    derive(&mut x);
    let Hx {
        b,
        out,
        h,
        r,
        unseen_tables,
        ..
    } = x;
    // Transit gateways that can lead on prem: a VPN, DX gateway or Connect
    // attachment, or a peering to another transit gateway (C-9.1). Every
    // attachment the capture lists counts, imported or not; where the
    // capture lists transit gateways but not their attachments, all do.
    // `TransitGatewayVpcAttachments` lists VPC attachments only, never the
    // VPN and DX gateway ones.
    let unlisted = h
        .scopes
        .values()
        .any(|k| k.contains("TransitGateways") && !k.contains("TransitGatewayAttachments"));
    let onprem_tgws: BTreeSet<String> = h
        .tgws
        .keys()
        .filter(|t| {
            unlisted
                || unseen_tables.contains(*t)
                || r.atts.iter().any(|((x, _), (_, a))| {
                    x == *t
                        && matches!(
                            a.resource_type.as_deref(),
                            Some("vpn" | "direct-connect-gateway" | "connect" | "peering") | None
                        )
                })
        })
        .filter_map(|t| b.get(t))
        .collect();
    private_paths(b, out, &onprem_tgws, &h.scopes);
    Ok(())
}

/// The records by id; deleted ones are left out.
fn records(out: &f::TopologyFile, h: &mut HybridRaw) -> Result<Records, ImportError> {
    let vpc_names: BTreeSet<String> = out.vpcs.iter().map(|v| v.name.value.clone()).collect();
    let subnet_names: BTreeSet<String> = out.subnets.iter().map(|s| s.name.value.clone()).collect();
    let vgw_names: BTreeSet<String> = out
        .vpn_gateways
        .iter()
        .map(|g| g.name.value.clone())
        .collect();
    // ---- Records by id; deleted ones are left out.
    // Attachments by (transit gateway, attachment id): both ends of a TGW
    // peering list the same attachment id, each under its own gateway.
    let mut atts: BTreeMap<(String, String), (Loc, aws::TgwAttachment)> = BTreeMap::new();
    for (loc, a) in std::mem::take(&mut h.attachments) {
        let (Some(t), Some(id)) = (
            a.transit_gateway_id.clone(),
            a.transit_gateway_attachment_id.clone(),
        ) else {
            return Err(loc.err("TransitGatewayAttachmentId", "missing".into()));
        };
        if !gone(&a.state) {
            atts.entry((t, id)).or_insert((loc, a));
        }
    }
    let vpc_atts = by_id(
        std::mem::take(&mut h.vpc_attachments),
        "TransitGatewayAttachmentId",
        |a| a.transit_gateway_attachment_id.clone(),
    )?;
    // A VPC attachment described only by describe-transit-gateway-vpc-attachments.
    for (id, (loc, v)) in &vpc_atts {
        let key = (v.transit_gateway_id.clone().unwrap_or_default(), id.clone());
        if !atts.contains_key(&key) && !gone(&v.state) {
            atts.insert(
                key,
                (
                    loc.clone(),
                    aws::TgwAttachment {
                        transit_gateway_attachment_id: Some(id.clone()),
                        transit_gateway_id: v.transit_gateway_id.clone(),
                        resource_id: v.vpc_id.clone(),
                        resource_type: Some("vpc".into()),
                        state: v.state.clone(),
                        tags: v.tags.clone(),
                        ..Default::default()
                    },
                ),
            );
        }
    }
    let rtbs = by_id(
        std::mem::take(&mut h.route_tables),
        "TransitGatewayRouteTableId",
        |r| r.transit_gateway_route_table_id.clone(),
    )?;
    let mut vpns = by_id(std::mem::take(&mut h.vpns), "VpnConnectionId", |v| {
        v.vpn_connection_id.clone()
    })?;
    vpns.retain(|_, (_, v)| !gone(&v.state));
    let cgws = by_id(std::mem::take(&mut h.cgws), "CustomerGatewayId", |c| {
        c.customer_gateway_id.clone()
    })?;
    let mut lags = by_id(std::mem::take(&mut h.lags), "LagId", |l| l.lag_id.clone())?;
    lags.retain(|_, (_, l)| !gone(&l.lag_state));
    let mut conns = by_id(std::mem::take(&mut h.connections), "ConnectionId", |c| {
        c.connection_id.clone()
    })?;
    // LAG members may be described only inside describe-lags.
    for (lag_id, (loc, l)) in &lags {
        for (i, c) in l.connections.iter().enumerate() {
            let Some(id) = c.connection_id.clone() else {
                return Err(loc.err(&format!("Connections[{i}].ConnectionId"), "missing".into()));
            };
            let entry = conns.entry(id).or_insert_with(|| (loc.clone(), c.clone()));
            entry.1.lag_id.get_or_insert_with(|| lag_id.clone());
        }
    }
    conns.retain(|_, (_, c)| !gone(&c.connection_state));
    let mut vifs = by_id(std::mem::take(&mut h.vifs), "VirtualInterfaceId", |v| {
        v.virtual_interface_id.clone()
    })?;
    vifs.retain(|_, (_, v)| !gone(&v.virtual_interface_state));
    let mut dxgws = by_id(
        std::mem::take(&mut h.dx_gateways),
        "DirectConnectGatewayId",
        |g| g.direct_connect_gateway_id.clone(),
    )?;
    dxgws.retain(|_, (_, g)| !gone(&g.direct_connect_gateway_state));

    Ok(Records {
        atts,
        vpc_atts,
        rtbs,
        vpns,
        cgws,
        lags,
        conns,
        vifs,
        dxgws,
        vpc_names,
        subnet_names,
        vgw_names,
        tgw_ids: h.tgws.keys().cloned().collect(),
    })
}

/// Names (after every other resource's, so theirs never change).
fn name(b: &mut B, r: &Records) {
    let mut named: BTreeSet<&String> = BTreeSet::new();
    for ((tgw, id), (_, a)) in &r.atts {
        // The second end of a TGW peering gets its own name.
        let key = if named.insert(id) {
            id.clone()
        } else {
            format!("{id}@{tgw}")
        };
        b.name(&key, Some(name_tag(&a.tags).unwrap_or(id)));
    }
    for (id, (_, r)) in &r.rtbs {
        b.name(id, name_tag(&r.tags));
    }
    for (id, (_, c)) in &r.cgws {
        b.name(id, name_tag(&c.tags));
    }
    for (id, (_, v)) in &r.vpns {
        b.name(id, name_tag(&v.tags));
    }
    for (id, (_, l)) in &r.lags {
        b.name(id, name_tag(&l.tags).or(l.lag_name.as_deref()));
    }
    for (id, (_, c)) in &r.conns {
        b.name(id, name_tag(&c.tags).or(c.connection_name.as_deref()));
    }
    for (id, (_, v)) in &r.vifs {
        b.name(
            id,
            name_tag(&v.tags).or(v.virtual_interface_name.as_deref()),
        );
    }
    for (id, (_, g)) in &r.dxgws {
        b.name(
            id,
            name_tag(&g.tags).or(g.direct_connect_gateway_name.as_deref()),
        );
    }
}

/// Customer gateways; one that a VPN names but the snapshot lacks is
/// added with its id only (its address is not needed by any check).
fn customer_gateways(x: &mut Hx) {
    let Hx { b, r, cgw_out, .. } = x;
    for (id, (_, c)) in &r.cgws {
        if gone(&c.state) {
            continue;
        }
        cgw_out.insert(
            id.clone(),
            f::CustomerGateway {
                name: sp(b.get(id).unwrap_or_else(|| id.clone())),
                aws_id: Some(id.clone()),
                ip_address: c.ip_address.clone().map(sp),
                bgp_asn: c.bgp_asn.as_ref().map(|n| n.0),
                tags: tags(&c.tags),
            },
        );
    }
}

fn vpn_connections(x: &mut Hx) -> Result<(), ImportError> {
    let Hx {
        b,
        r,
        cgw_out,
        vpn_out,
        ..
    } = x;
    for (id, (_, v)) in &r.vpns {
        if let Some(c) = vpn_connection(b, r, cgw_out, id, v)? {
            vpn_out.insert(id.clone(), c);
        }
    }
    Ok(())
}

/// One VPN connection, or `None` when it is left out (with a gap).
fn vpn_connection(
    b: &mut B,
    r: &Records,
    cgw_out: &mut BTreeMap<String, f::CustomerGateway>,
    id: &String,
    v: &aws::VpnConnection,
) -> Result<Option<f::VpnConnection>, ImportError> {
    let vpns = &r.vpns;
    let Some(name) = b.get(id) else {
        return Ok(None);
    };
    let gateway = match (&v.vpn_gateway_id, &v.transit_gateway_id) {
        (Some(g), _) if r.vgw_of(b, g).is_some() => r.vgw_of(b, g),
        (_, Some(t)) if r.tgw_name(b, t).is_some() => r.tgw_name(b, t),
        (g, t) => {
            let which = g.as_ref().or(t.as_ref()).cloned().unwrap_or_default();
            b.gap_in(
                format!("vpn connection `{id}`: its gateway `{which}` is not in the snapshot"),
                IPSEC,
                f::GapKind::VpnDirectConnect,
                None,
            );
            return Ok(None);
        }
    };
    let Some(gateway) = gateway else {
        return Ok(None);
    };
    let Some(cgw_id) = v.customer_gateway_id.clone() else {
        b.gap_in(
            format!("vpn connection `{id}` names no customer gateway"),
            IPSEC,
            f::GapKind::VpnDirectConnect,
            None,
        );
        return Ok(None);
    };
    if !cgw_out.contains_key(&cgw_id) {
        b.name(&cgw_id, None);
        b.notes.push(format!(
            "customer gateway `{cgw_id}` of vpn connection `{id}` is not in the snapshot; added with its id only"
        ));
        cgw_out.insert(
            cgw_id.clone(),
            f::CustomerGateway {
                name: sp(b.get(&cgw_id).unwrap_or_else(|| cgw_id.clone())),
                aws_id: Some(cgw_id.clone()),
                ..Default::default()
            },
        );
    }
    let cgw_name = cgw_out
        .get(&cgw_id)
        .map(|c| c.name.value.clone())
        .unwrap_or_else(|| cgw_id.clone());
    let opts = v.options.clone().unwrap_or_default();
    let static_only = opts.static_routes_only.unwrap_or(false);
    let mut routes = Vec::new();
    if static_only {
        for (i, r) in v.routes.iter().enumerate() {
            if gone(&r.state) {
                continue;
            }
            if let Some(c) = &r.destination_cidr_block {
                let loc = &vpns[id].0;
                routes.push(sp(cidr(
                    loc,
                    &format!("Routes[{i}].DestinationCidrBlock"),
                    c,
                )?));
            }
        }
    }
    let outside = opts.outside_ip_address_type.as_deref().map(|t| {
        match t {
            "PrivateIpv4" => "private-ipv4",
            "Ipv6" => "ipv6",
            _ => "public-ipv4",
        }
        .to_string()
    });
    let transport_tgw = v.transit_gateway_id.clone().unwrap_or_default();
    let transport = match &opts.transport_transit_gateway_attachment_id {
        Some(a) if r.att_of(b, &transport_tgw, a).is_some() => r.att_of(b, &transport_tgw, a),
        Some(a) => {
            b.gap_in(
                format!(
                    "vpn connection `{id}` runs over attachment `{a}`, which is not in the snapshot"
                ),
                IPSEC,
                f::GapKind::VpnDirectConnect,
                None,
            );
            return Ok(None);
        }
        None => None,
    };
    if v.options
        .as_ref()
        .is_none_or(|o| o.tunnel_options.is_empty())
    {
        b.gap_in(
            format!("tunnel options of vpn connection `{id}` are not in the snapshot"),
            IPSEC,
            f::GapKind::VpnDirectConnect,
            None,
        );
    }
    let tunnels = tunnels(v, &opts);
    Ok(Some(f::VpnConnection {
        name: sp(name),
        aws_id: Some(id.clone()),
        customer_gateway: sp(cgw_name),
        gateway: sp(gateway),
        state: v.state.clone().filter(|s| s != "available").map(sp),
        static_routes_only: Some(static_only),
        routes,
        outside_ip_address_type: outside.map(sp),
        transport_attachment: transport.map(sp),
        local_ipv4_network_cidr: opts.local_ipv4_network_cidr.clone().map(sp),
        remote_ipv4_network_cidr: opts.remote_ipv4_network_cidr.clone().map(sp),
        enable_acceleration: opts.enable_acceleration,
        tunnels,
        tags: tags(&v.tags),
    }))
}

/// A VPN connection's tunnels (AWS has two), with their telemetry.
fn tunnels(v: &aws::VpnConnection, opts: &aws::VpnOptions) -> Vec<Sp<f::VpnTunnel>> {
    opts.tunnel_options
        .iter()
        .take(2)
        .map(|t| {
            let telemetry = v
                .vgw_telemetry
                .iter()
                .find(|x| {
                    x.outside_ip_address.is_some() && x.outside_ip_address == t.outside_ip_address
                })
                .map(|x| {
                    sp(f::TunnelTelemetry {
                        status: x.status.clone().map(sp),
                        status_message: x.status_message.clone(),
                        accepted_route_count: num32(&x.accepted_route_count),
                        last_status_change: x.last_status_change.clone(),
                    })
                });
            sp(f::VpnTunnel {
                outside_ip_address: t.outside_ip_address.clone().map(sp),
                inside_cidr: t.tunnel_inside_cidr.clone().map(sp),
                ike_versions: values(&t.ike_versions),
                phase1_encryption: values(&t.phase1_encryption_algorithms),
                phase2_encryption: values(&t.phase2_encryption_algorithms),
                phase1_integrity: values(&t.phase1_integrity_algorithms),
                phase2_integrity: values(&t.phase2_integrity_algorithms),
                phase1_dh_groups: numbers(&t.phase1_dh_group_numbers),
                phase2_dh_groups: numbers(&t.phase2_dh_group_numbers),
                phase1_lifetime_seconds: num32(&t.phase1_lifetime_seconds).map(sp),
                phase2_lifetime_seconds: num32(&t.phase2_lifetime_seconds).map(sp),
                telemetry,
            })
        })
        .collect()
}

/// Direct Connect gateways and their associations.
fn dx_gateways(x: &mut Hx) -> Result<(), ImportError> {
    let Hx { b, h, r, dx, .. } = x;
    let mut dx_assoc: BTreeMap<String, Vec<Sp<f::DxGatewayAssociation>>> = BTreeMap::new();
    for (loc, a) in &h.dx_associations {
        if gone(&a.association_state) {
            continue;
        }
        let Some(g) = a.direct_connect_gateway_id.clone() else {
            return Err(loc.err("DirectConnectGatewayId", "missing".into()));
        };
        let (kind, gw) = match &a.associated_gateway {
            Some(x) => (x.kind.clone().unwrap_or_default(), x.id.clone()),
            None => ("virtualPrivateGateway".into(), a.virtual_gateway_id.clone()),
        };
        let Some(gw) = gw else {
            return Err(loc.err("AssociatedGateway.Id", "missing".into()));
        };
        let mut allowed = Vec::new();
        for (i, p) in a
            .allowed_prefixes_to_direct_connect_gateway
            .iter()
            .enumerate()
        {
            if let Some(c) = &p.cidr {
                allowed.push(sp(cidr(
                    loc,
                    &format!("AllowedPrefixesToDirectConnectGateway[{i}].Cidr"),
                    c,
                )?));
            }
        }
        let assoc = match kind.as_str() {
            "transitGateway" => r.tgw_name(b, &gw).map(|n| f::DxGatewayAssociation {
                transit_gateway: Some(sp(n)),
                allowed_prefixes: allowed,
                ..Default::default()
            }),
            "virtualPrivateGateway" => r.vgw_of(b, &gw).map(|n| f::DxGatewayAssociation {
                vpn_gateway: Some(sp(n)),
                allowed_prefixes: allowed,
                ..Default::default()
            }),
            other => {
                b.gap_in(
                    format!("direct connect gateway `{g}`: association with `{gw}` of type `{other}` is not imported"), TRANSIT, f::GapKind::VpnDirectConnect, None);
                continue;
            }
        };
        match assoc {
            Some(x) => dx_assoc.entry(g).or_default().push(sp(x)),
            None => b.gap_in(
                format!("direct connect gateway `{g}` is associated with `{gw}`, which is not in the snapshot"), TRANSIT, f::GapKind::VpnDirectConnect, None),
        }
    }
    let has_dx_assoc_output = h.scopes.values().any(|k| {
        k.contains("DirectConnectGatewayAssociations")
            || k.contains("directConnectGatewayAssociations")
    });
    for (id, (_, g)) in &r.dxgws {
        let Some(name) = b.get(id) else { continue };
        if !has_dx_assoc_output {
            b.gap_in(
                format!("associations of direct connect gateway `{id}` are not in the snapshot"),
                TRANSIT,
                f::GapKind::VpnDirectConnect,
                None,
            );
        }
        dx.gateways.push(sp(f::DxGateway {
            name: sp(name),
            aws_id: Some(id.clone()),
            amazon_side_asn: g.amazon_side_asn.as_ref().map(|n| n.0),
            associations: dx_assoc.remove(id).unwrap_or_default(),
        }));
    }
    Ok(())
}

/// The transit gateways a DX gateway is associated with.
fn dxgw_tgws(g: &f::DxGateway) -> Vec<String> {
    g.associations
        .iter()
        .filter_map(|a| a.transit_gateway.as_ref().map(|t| t.value.clone()))
        .collect()
}

/// A LAG's or connection's MACsec keys.
fn macsec_keys(k: &[aws::MacSecKey]) -> Vec<Sp<f::MacsecKey>> {
    k.iter()
        .map(|x| {
            sp(f::MacsecKey {
                state: sp(x.state.clone().unwrap_or_else(|| "disassociated".into())),
                ckn: x.ckn.clone(),
                secret_arn: x.secret_arn.clone(),
            })
        })
        .collect()
}

/// LAGs and connections.
fn lags_and_connections(x: &mut Hx) {
    let Hx { b, r, dx, .. } = x;
    for (id, (_, l)) in &r.lags {
        let Some(name) = b.get(id) else { continue };
        dx.lags.push(sp(f::DxLag {
            name: sp(name),
            aws_id: Some(id.clone()),
            macsec_capable: l.macsec_capable,
            encryption_mode: l.encryption_mode.clone().map(sp),
            macsec_keys: macsec_keys(&l.mac_sec_keys),
            tags: tags(&l.tags),
        }));
    }
    for (id, (_, c)) in &r.conns {
        let Some(name) = b.get(id) else { continue };
        let lag = c.lag_id.as_ref().filter(|l| r.lags.contains_key(*l));
        dx.connections.push(sp(f::DxConnection {
            name: sp(name),
            aws_id: Some(id.clone()),
            // Hosted connections are provisioned by a partner (C-12.7).
            kind: Some(sp(if c.partner_name.is_some() {
                "hosted"
            } else {
                "dedicated"
            }
            .to_string())),
            bandwidth: c.bandwidth.clone(),
            location: c.location.clone(),
            lag: lag.and_then(|l| b.get(l)).map(sp),
            macsec_capable: c.macsec_capable,
            // A member's mode is its LAG's (C-12.5).
            encryption_mode: if lag.is_some() {
                None
            } else {
                c.encryption_mode.clone().map(sp)
            },
            macsec_keys: if lag.is_some() {
                Vec::new()
            } else {
                macsec_keys(&c.mac_sec_keys)
            },
            port_encryption_status: c.port_encryption_status.clone(),
            partner_segment_encrypted: None,
            tags: tags(&c.tags),
        }));
    }
}

fn virtual_interfaces(x: &mut Hx) -> Result<(), ImportError> {
    let Hx { b, r, dx, .. } = x;
    for (id, (loc, v)) in &r.vifs {
        let Some(name) = b.get(id) else { continue };
        let kind = v.virtual_interface_type.clone().unwrap_or_default();
        if !matches!(kind.as_str(), "private" | "transit" | "public") {
            b.gap_in(
                format!("virtual interface `{id}` has unknown type `{kind}`"),
                TRANSIT,
                f::GapKind::VpnDirectConnect,
                None,
            );
            continue;
        }
        let Some(conn) = v.connection_id.clone() else {
            return Err(loc.err("ConnectionId", "missing".into()));
        };
        // The physical connection decides encryption (C-12.6): one the
        // snapshot lacks is added by id, and the check cannot prove anything.
        if !r.conns.contains_key(&conn) && !r.lags.contains_key(&conn) {
            b.gap_in(
                format!("direct connect connection `{conn}` of virtual interface `{id}` is not in the snapshot: its encryption is unknown"), TRANSIT, f::GapKind::VpnDirectConnect, None);
            if b.get(&conn).is_none() {
                b.name(&conn, None);
                dx.connections.push(sp(f::DxConnection {
                    name: sp(b.get(&conn).unwrap_or_else(|| conn.clone())),
                    aws_id: Some(conn.clone()),
                    ..Default::default()
                }));
            }
        }
        let dxgw = match &v.direct_connect_gateway_id {
            Some(g) if !g.is_empty() => match b.get(g).filter(|_| r.dxgws.contains_key(g)) {
                Some(n) => Some(n),
                None => {
                    b.gap_in(
                        format!("virtual interface `{id}` attaches to direct connect gateway `{g}`, which is not in the snapshot"), TRANSIT, f::GapKind::VpnDirectConnect, None);
                    continue;
                }
            },
            _ => None,
        };
        let vgw = match &v.virtual_gateway_id {
            Some(g) if !g.is_empty() && kind == "private" && dxgw.is_none() => match r.vgw_of(b, g)
            {
                Some(n) => Some(n),
                None => {
                    b.gap_in(
                            format!("virtual interface `{id}` attaches to vpn gateway `{g}`, which is not in the snapshot"), TRANSIT, f::GapKind::VpnDirectConnect, None);
                    continue;
                }
            },
            _ => None,
        };
        if (kind == "private" && dxgw.is_none() && vgw.is_none())
            || (kind == "transit" && dxgw.is_none())
        {
            b.gap_in(
                format!("virtual interface `{id}` names no gateway"),
                TRANSIT,
                f::GapKind::VpnDirectConnect,
                None,
            );
            continue;
        }
        let mut advertised = Vec::new();
        if kind == "public" {
            for (i, p) in v.route_filter_prefixes.iter().enumerate() {
                if let Some(c) = &p.cidr {
                    advertised.push(sp(cidr(loc, &format!("RouteFilterPrefixes[{i}].Cidr"), c)?));
                }
            }
        }
        dx.virtual_interfaces.push(sp(f::DxVirtualInterface {
            name: sp(name),
            aws_id: Some(id.clone()),
            kind: sp(kind),
            connection: sp(b.get(&conn).unwrap_or(conn)),
            state: v
                .virtual_interface_state
                .clone()
                .filter(|s| s != "available")
                .map(sp),
            vlan: None,
            direct_connect_gateway: dxgw.map(sp),
            vpn_gateway: vgw.map(sp),
            advertised_prefixes: advertised,
            tags: tags(&v.tags),
        }));
    }
    Ok(())
}

/// Transit gateway associations, propagations and routes by route table;
/// gaps for tables the snapshot does not hold.
fn tgw_index(x: &mut Hx) -> Result<TgwIndex, ImportError> {
    let Hx {
        b,
        out,
        h,
        r,
        unseen_tables,
        ..
    } = x;
    let mut assocs: BTreeSet<(String, String)> = BTreeSet::new();
    for ((_, id), (_, a)) in &r.atts {
        if let Some(x) = &a.association
            && matches!(
                x.state.as_deref(),
                None | Some("associated" | "associating")
            )
            && let Some(r) = &x.transit_gateway_route_table_id
        {
            assocs.insert((r.clone(), id.clone()));
        }
    }
    for (_, (rtb, l)) in &h.associations {
        if let Some(a) = &l.transit_gateway_attachment_id
            && !gone(&l.state)
        {
            assocs.insert((rtb.clone(), a.clone()));
        }
    }
    // An association with a route table the snapshot does not hold (a
    // transit gateway shared from another account shows its attachments,
    // not its tables): where that attachment's packets go is not known, and
    // the unseen tables may lead on prem.
    for (rtb, att) in &assocs {
        if r.rtbs.contains_key(rtb) {
            continue;
        }
        let tgw = r
            .atts
            .iter()
            .find(|((_, id), _)| id == att)
            .map(|((t, _), _)| t.clone());
        if let Some(t) = tgw {
            unseen_tables.insert(t);
        }
        b.gap_in(
            format!("transit gateway attachment `{att}` is associated with route table `{rtb}`, which is not in the snapshot (a transit gateway shared from another account?)"),
            ROUTING,
            f::GapKind::TransitGateway,
            None,
        );
    }
    let mut props: BTreeMap<String, BTreeSet<String>> = BTreeMap::new(); // rtb → attachments
    let mut props_known: BTreeSet<String> = BTreeSet::new();
    for (_, p) in &h.propagations {
        let Some(r) = &p.transit_gateway_route_table_id else {
            continue;
        };
        props_known.insert(r.clone());
        for l in &p.transit_gateway_route_table_propagations {
            if let Some(a) = &l.transit_gateway_attachment_id
                && matches!(l.state.as_deref(), None | Some("enabled" | "enabling"))
            {
                props.entry(r.clone()).or_default().insert(a.clone());
            }
        }
    }
    let mut routes_of: BTreeMap<String, Vec<(Loc, aws::TgwRoute)>> = BTreeMap::new();
    let mut routes_known: BTreeSet<String> = BTreeSet::new();
    for (loc, r) in &h.routes {
        let Some(id) = &r.transit_gateway_route_table_id else {
            return Err(loc.err("TransitGatewayRouteTableId", "missing".into()));
        };
        routes_known.insert(id.clone());
        if r.additional_routes_available == Some(true) {
            b.gap_in(
                format!(
                    "transit gateway route table `{id}` has more routes than the snapshot holds"
                ),
                ROUTING,
                f::GapKind::TransitGateway,
                None,
            );
        }
        for (i, x) in r.routes.iter().enumerate() {
            let mut at = loc.clone();
            at.path = format!("{}.Routes[{i}]", loc.path);
            routes_of
                .entry(id.clone())
                .or_default()
                .push((at, x.clone()));
        }
    }
    let pl_names: BTreeMap<String, String> = out
        .prefix_lists
        .iter()
        .filter_map(|p| Some((p.aws_id.clone()?, p.name.value.clone())))
        .collect();

    Ok(TgwIndex {
        assocs,
        props,
        props_known,
        routes_of,
        routes_known,
        pl_names,
    })
}

/// Transit gateways: attachments, route tables.
fn transit_gateways(x: &mut Hx, ix: &TgwIndex) -> Result<(), ImportError> {
    let Hx {
        b,
        out,
        h,
        r,
        vpn_out,
        dx,
        observed,
        hidden_routes,
        written_attachments,
        ..
    } = x;
    for (tgw_id, (loc, t)) in &h.tgws {
        let Some(tgw) = b.get(tgw_id) else { continue };
        let o = t.options.clone().unwrap_or_default();
        let (attachments, kept) =
            tgw_attachments(b, r, vpn_out, dx, written_attachments, tgw_id, tgw.clone());
        let route_tables = tgw_route_tables(
            b,
            r,
            ix,
            observed,
            hidden_routes,
            tgw_id,
            tgw.clone(),
            &kept,
        )?;
        // A default table must be one of this gateway's own tables.
        let table_name = |b: &mut B, on: &Option<String>, id: &Option<String>| -> Option<String> {
            if enabled(on) != Some(true) {
                return None;
            }
            let id = id.as_ref()?;
            let own = r
                .rtbs
                .get(id)
                .is_some_and(|(_, r)| r.transit_gateway_id.as_deref() == Some(tgw_id.as_str()));
            if !own {
                b.inconsistent(
                    tgw_id,
                    None,
                    format!("its default route table `{id}` is not one of its route tables in the snapshot"),
                    ROUTING,
                );
                return None;
            }
            b.get(id)
        };
        out.transit_gateways.push(sp(f::TransitGateway {
            name: sp(tgw.clone()),
            aws_id: Some(tgw_id.clone()),
            region: loc.region.clone().map(sp),
            account: t.owner_id.clone().map(Scalar),
            amazon_side_asn: o.amazon_side_asn.as_ref().map(|n| n.0),
            security_group_referencing: enabled(&o.security_group_referencing_support),
            vpn_ecmp: enabled(&o.vpn_ecmp_support),
            default_association_route_table: table_name(
                b,
                &o.default_route_table_association,
                &o.association_default_route_table_id,
            )
            .map(sp),
            default_propagation_route_table: table_name(
                b,
                &o.default_route_table_propagation,
                &o.propagation_default_route_table_id,
            )
            .map(sp),
            attachments,
            route_tables,
            tags: tags(&t.tags),
        }));
    }
    Ok(())
}

/// The attachments of one transit gateway, and the ids of those kept.
#[allow(clippy::too_many_arguments)]
fn tgw_attachments(
    b: &mut B,
    r: &Records,
    vpn_out: &BTreeMap<String, f::VpnConnection>,
    dx: &f::DirectConnect,
    written_attachments: &mut BTreeSet<String>,
    tgw_id: &String,
    tgw: String,
) -> (Vec<Sp<f::TgwAttachment>>, BTreeSet<String>) {
    let mut attachments = Vec::new();
    let mut kept: BTreeSet<String> = BTreeSet::new();
    for ((_, att_id), (_, a)) in r.atts.iter().filter(|((t, _), _)| t == tgw_id) {
        let Some(name) = r.att_of(b, tgw_id, att_id) else {
            continue;
        };
        let kind = a.resource_type.clone().unwrap_or_default();
        let res = a.resource_id.clone().unwrap_or_default();
        let mut x = f::TgwAttachment {
            name: sp(name),
            aws_id: Some(att_id.clone()),
            kind: sp(kind.clone()),
            state: a.state.clone().filter(|s| s != "available").map(sp),
            tags: tags(&a.tags),
            ..Default::default()
        };
        let missing = |b: &mut B, what: &str| {
            b.gap_in(
                format!("transit gateway attachment `{att_id}`: {what} is not in the snapshot"),
                ROUTING,
                f::GapKind::TransitGateway,
                None,
            );
        };
        match kind.as_str() {
            "vpc" => {
                let Some(vpc) = r.vpc_of(b, &res) else {
                    missing(b, &format!("vpc `{res}`"));
                    continue;
                };
                let Some((_, details)) = r.vpc_atts.get(att_id) else {
                    missing(b, "its subnets (describe-transit-gateway-vpc-attachments)");
                    continue;
                };
                let mut subnets = Vec::new();
                for s in &details.subnet_ids {
                    match r.subnet_of(b, s) {
                        Some(n) => subnets.push(sp(n)),
                        None => missing(b, &format!("subnet `{s}`")),
                    }
                }
                if subnets.is_empty() {
                    continue;
                }
                let opts = details.options.clone().unwrap_or_default();
                x.vpc = Some(sp(vpc));
                x.subnets = subnets;
                x.appliance_mode = enabled(&opts.appliance_mode_support);
                x.security_group_referencing = enabled(&opts.security_group_referencing_support);
                x.ipv6_support = enabled(&opts.ipv6_support);
            }
            "vpn" => {
                let Some(v) = vpn_out.get(&res) else {
                    missing(b, &format!("vpn connection `{res}`"));
                    continue;
                };
                if v.gateway.value != tgw {
                    missing(
                        b,
                        &format!("vpn connection `{res}` on this transit gateway"),
                    );
                    continue;
                }
                x.vpn_connection = Some(sp(v.name.value.clone()));
            }
            "direct-connect-gateway" => {
                let g = dx
                    .gateways
                    .iter()
                    .find(|g| g.aws_id.as_deref() == Some(res.as_str()));
                let Some(g) = g.filter(|g| dxgw_tgws(g).contains(&tgw)) else {
                    missing(
                        b,
                        &format!(
                            "the association of direct connect gateway `{res}` with this transit gateway"
                        ),
                    );
                    continue;
                };
                x.direct_connect_gateway = Some(sp(g.name.value.clone()));
            }
            "peering" => {
                let Some(peer) = r.tgw_name(b, &res) else {
                    missing(b, &format!("peer transit gateway `{res}`"));
                    continue;
                };
                x.peer_transit_gateway = Some(sp(peer));
            }
            "connect" => {}
            other => {
                b.gap_in(
                    format!(
                        "transit gateway attachment `{att_id}` of type `{other}` is not modelled"
                    ),
                    ROUTING,
                    f::GapKind::TransitGateway,
                    None,
                );
                continue;
            }
        }
        kept.insert(att_id.clone());
        written_attachments.insert(x.name.value.clone());
        attachments.push(sp(x));
    }
    (attachments, kept)
}

// About 150 lines: the propagated-route block (which feeds the on-prem
// derivation) is kept as it was in the former single function, so that
// edits to the derivation made beside this split still apply to it.
/// The route tables of one transit gateway; the propagated routes towards
/// on prem are `observed`.
#[allow(clippy::too_many_arguments)]
fn tgw_route_tables(
    b: &mut B,
    rec: &Records,
    ix: &TgwIndex,
    observed: &mut Vec<crate::model::ObservedTgwRoute>,
    hidden_routes: &mut bool,
    tgw_id: &str,
    tgw: String,
    kept: &BTreeSet<String>,
) -> Result<Vec<Sp<f::TgwRouteTable>>, ImportError> {
    let mut route_tables = Vec::new();
    for (rtb_id, (_, r)) in rec
        .rtbs
        .iter()
        .filter(|(_, (_, r))| r.transit_gateway_id.as_deref() == Some(tgw_id))
    {
        if gone(&r.state) {
            continue;
        }
        let Some(name) = b.get(rtb_id) else { continue };
        let att_name =
            |b: &B, a: &str| kept.contains(a).then(|| rec.att_of(b, tgw_id, a)).flatten();
        let associations = ix
            .assocs
            .iter()
            .filter(|(t, _)| t == rtb_id)
            .filter_map(|(_, a)| att_name(b, a))
            .map(sp)
            .collect();
        if !ix.props_known.contains(rtb_id) {
            b.gap_in(
                format!(
                    "propagations of transit gateway route table `{rtb_id}` are not in the snapshot"
                ),
                ROUTING,
                f::GapKind::TransitGateway,
                None,
            );
        }
        let peering: BTreeSet<&String> = rec
            .atts
            .iter()
            .filter(|(_, (_, a))| a.resource_type.as_deref() == Some("peering"))
            .map(|((_, id), _)| id)
            .collect();
        let propagations = ix
            .props
            .get(rtb_id)
            .into_iter()
            .flatten()
            .filter(|a| !peering.contains(a))
            .filter_map(|a| att_name(b, a))
            .map(sp)
            .collect();
        if !ix.routes_known.contains(rtb_id) {
            b.gap_in(
                format!("static routes of transit gateway route table `{rtb_id}` are not in the snapshot"), ROUTING, f::GapKind::TransitGateway, None);
        }
        let mut routes = Vec::new();
        let mut seen: BTreeSet<String> = BTreeSet::new();
        for (at, x) in ix.routes_of.get(rtb_id).into_iter().flatten() {
            if gone(&x.state) {
                continue;
            }
            // Propagated routes are derived from `propagations` (C-9.3);
            // those towards on prem also tell where on prem is.
            if x.kind.as_deref() == Some("propagated") {
                let a = x
                    .transit_gateway_attachments
                    .first()
                    .and_then(|a| a.transit_gateway_attachment_id.clone());
                if let (Some(c), Some(a)) = (&x.destination_cidr_block, a) {
                    match att_name(b, &a) {
                        Some(att) => observed.push(crate::model::ObservedTgwRoute {
                            prefix: c.clone(),
                            transit_gateway: tgw.clone(),
                            attachment: att,
                            text: format!(
                                "transit gateway route table `{rtb_id}`: {c} -> `{a}` (propagated)"
                            ),
                        }),
                        // As for a static route: a propagated route
                        // towards an attachment the snapshot lacks may
                        // lead on prem.
                        None => {
                            *hidden_routes = true;
                            b.gap_in(
                            format!("transit gateway route table `{rtb_id}`: a propagated route's attachment `{a}` is not in the snapshot"),
                            ROUTING,
                            f::GapKind::TransitGateway,
                            None,
                        );
                        }
                    }
                }
                continue;
            }
            let (dest, pl, key) = match (&x.destination_cidr_block, &x.prefix_list_id) {
                (_, Some(p)) => match ix.pl_names.get(p) {
                    Some(n) => (None, Some(n.clone()), p.clone()),
                    None => {
                        b.gap_in(
                            format!("transit gateway route table `{rtb_id}` routes prefix list `{p}`, which is not in the snapshot"), ROUTING, f::GapKind::TransitGateway, None);
                        continue;
                    }
                },
                (Some(c), None) => {
                    let c = cidr(at, "DestinationCidrBlock", c)?;
                    (Some(c.clone()), None, c)
                }
                (None, None) => {
                    return Err(at.err("DestinationCidrBlock", "missing destination".into()));
                }
            };
            if !seen.insert(key) {
                continue;
            }
            let blackhole = x.state.as_deref() == Some("blackhole");
            let attachment = if blackhole {
                None
            } else {
                let a = x
                    .transit_gateway_attachments
                    .first()
                    .and_then(|a| a.transit_gateway_attachment_id.clone());
                match a.as_deref().and_then(|a| att_name(b, a)) {
                    Some(n) => Some(n),
                    None => {
                        b.gap_in(
                            format!("transit gateway route table `{rtb_id}`: a route's attachment `{}` is not in the snapshot", a.unwrap_or_default()), ROUTING, f::GapKind::TransitGateway, None);
                        continue;
                    }
                }
            };
            routes.push(sp(f::TgwRoute {
                destination: dest.map(sp),
                prefix_list: pl.map(sp),
                attachment: attachment.map(sp),
                blackhole: blackhole.then(|| sp(true)),
            }));
        }
        route_tables.push(sp(f::TgwRouteTable {
            name: sp(name),
            aws_id: Some(rtb_id.clone()),
            associations,
            propagations,
            routes,
            tags: tags(&r.tags),
        }));
    }
    Ok(route_tables)
}

/// Output, and what the snapshot cannot show.
fn output(x: &mut Hx) {
    let Hx {
        b,
        out,
        h,
        cgw_out,
        vpn_out,
        dx,
        observed,
        written_attachments,
        ..
    } = x;
    out.customer_gateways = std::mem::take(cgw_out).into_values().map(sp).collect();
    // A VPN over Direct Connect whose transport attachment was left out
    // (its DX gateway's association is not in the snapshot, say) cannot be
    // placed: it is left out too, with its own transit gateway attachment
    // and what refers to that, and a gap over every check that transit
    // gateway routing or the VPN can change.
    let mut removed_vpns: BTreeSet<String> = BTreeSet::new();
    vpn_out.retain(|id, v| {
        let Some(t) = &v.transport_attachment else {
            return true;
        };
        if written_attachments.contains(&t.value) {
            return true;
        }
        b.gap_in(
            format!(
                "vpn connection `{id}` runs over attachment `{}`, which is not imported; the vpn connection and its own attachment are left out",
                t.value
            ),
            &["private-service-access", "transit-encryption", "ipsec-strength", "on-prem-access"],
            f::GapKind::TransitGateway,
            None,
        );
        removed_vpns.insert(v.name.value.clone());
        false
    });
    if !removed_vpns.is_empty() {
        let mut removed_atts: BTreeSet<String> = BTreeSet::new();
        for t in &mut out.transit_gateways {
            t.value.attachments.retain(|a| {
                let gone = a
                    .value
                    .vpn_connection
                    .as_ref()
                    .is_some_and(|v| removed_vpns.contains(&v.value));
                if gone {
                    removed_atts.insert(a.value.name.value.clone());
                }
                !gone
            });
            for r in &mut t.value.route_tables {
                r.value
                    .associations
                    .retain(|a| !removed_atts.contains(&a.value));
                r.value
                    .propagations
                    .retain(|a| !removed_atts.contains(&a.value));
                r.value.routes.retain(|x| {
                    !x.value
                        .attachment
                        .as_ref()
                        .is_some_and(|a| removed_atts.contains(&a.value))
                });
            }
        }
        observed.retain(|o| !removed_atts.contains(&o.attachment));
    }
    out.vpn_connections = std::mem::take(vpn_out).into_values().map(sp).collect();
    let any_dx = !dx.connections.is_empty()
        || !dx.lags.is_empty()
        || !dx.virtual_interfaces.is_empty()
        || !dx.gateways.is_empty();
    if any_dx {
        out.direct_connect = Some(sp(std::mem::take(dx)));
    }
    for ((account, region), present) in &h.scopes {
        if !present.contains("Vpcs") {
            continue;
        }
        let at = scope_text(account, region);
        let has = |k: &[&str]| k.iter().any(|k| present.contains(*k));
        if has(&["TransitGateways"])
            && !has(&["TransitGatewayAttachments", "TransitGatewayVpcAttachments"])
        {
            b.gap_in(
                format!("snapshot has no transit gateway attachments{at}"),
                ROUTING,
                f::GapKind::TransitGateway,
                super::scope_place(account, region),
            );
        }
        if has(&["TransitGateways"]) && !has(&["TransitGatewayRouteTables"]) {
            b.gap_in(
                format!("snapshot has no transit gateway route tables{at}"),
                ROUTING,
                f::GapKind::TransitGateway,
                super::scope_place(account, region),
            );
        }
    }
}

/// What AWS routes towards each connection is on prem behind it.
fn derive(x: &mut Hx) {
    let Hx {
        b,
        out,
        observed,
        hidden_routes,
        ..
    } = x;
    let any_dx = out.direct_connect.is_some();
    // What AWS routes towards each connection is on prem behind it; the
    // loader derives the same for any connection left uncovered.
    let derived = crate::model::derive_on_prem_networks(out, observed);
    if derived.is_empty() && !*hidden_routes && (!out.vpn_connections.is_empty() || any_dx) {
        b.notes.push(
            "AWS routes no prefix towards the VPN and Direct Connect connections, and the routes on-prem routers advertise are not visible in AWS APIs: add `on_prem_networks` (with `advertises` and `prefer`) to state them".into(),
        );
    } else if !derived.is_empty() {
        b.notes.push(format!(
            "{} on-prem network(s) derived from the routes AWS points at its VPN and Direct Connect connections (`derived: true`); how on-prem routers prefer paths into AWS is not visible in AWS APIs: state it with `prefer`",
            derived.len()
        ));
    }
    out.on_prem_networks.extend(derived.into_iter().map(sp));
}

/// The VPCs of a capture that have a private path towards on prem: a VPN
/// gateway attached, an attachment to a transit gateway that can lead on
/// prem (`onprem_tgws`), or a route to either. A DX gateway association or
/// a VPN always goes through one of these (C-10.1, C-9.1, C-12.2). Keyed by
/// the VPC's (account, Region).
fn hybrid_vpcs(
    out: &f::TopologyFile,
    onprem_tgws: &BTreeSet<String>,
) -> BTreeMap<(Option<String>, Option<String>), Vec<String>> {
    let mut names: BTreeSet<&str> = BTreeSet::new();
    for g in &out.vpn_gateways {
        if let Some(v) = &g.vpc {
            names.insert(v.value.as_str());
        }
    }
    for t in out
        .transit_gateways
        .iter()
        .filter(|t| onprem_tgws.contains(&t.name.value))
    {
        for a in &t.attachments {
            if let Some(v) = &a.vpc {
                names.insert(v.value.as_str());
            }
        }
    }
    let gateways: BTreeSet<&str> = out
        .vpn_gateways
        .iter()
        .map(|g| g.name.value.as_str())
        .chain(onprem_tgws.iter().map(String::as_str))
        .collect();
    for t in &out.route_tables {
        if t.routes
            .iter()
            .any(|r| gateways.contains(r.target.value.as_str()))
            || !t.propagating_gateways.is_empty()
        {
            names.insert(t.vpc.value.as_str());
        }
    }
    let mut by_scope: BTreeMap<(Option<String>, Option<String>), Vec<String>> = BTreeMap::new();
    for v in &out.vpcs {
        if names.contains(v.name.value.as_str()) {
            let account = v.account.as_ref().map(|a| a.0.clone());
            by_scope
                .entry((account, v.region.clone()))
                .or_default()
                .push(v.name.value.clone());
        }
    }
    by_scope
}

/// Gaps for the hybrid outputs a capture lacks, only where they matter: a
/// capture without VPN connections or virtual interfaces misses something
/// only when some VPC of it has a private path towards on prem. A VPC with
/// no VGW, no transit gateway attachment and no route to either has none:
/// its other route targets (internet, NAT, peering, endpoints, interfaces)
/// stay in AWS or go to the internet, and peering is not transitive (C-8.3).
/// Whether a VGW or attachment exists is known only when the capture lists
/// VPN gateways and (where there are transit gateways) their attachments.
fn private_paths(
    b: &mut B,
    out: &f::TopologyFile,
    onprem_tgws: &BTreeSet<String>,
    scopes: &BTreeMap<(Option<String>, Option<String>), BTreeSet<String>>,
) {
    let hybrid = hybrid_vpcs(out, onprem_tgws);
    let tgw_interfaces = out.network_interfaces.iter().any(|e| {
        e.owner.as_ref().is_some_and(|o| {
            o.transit_gateway.is_some() || o.service.as_deref() == Some("transit_gateway")
        })
    });
    for ((account, region), present) in scopes {
        if !present.contains("Vpcs") {
            continue;
        }
        let at = scope_text(account, region);
        let has = |k: &[&str]| k.iter().any(|k| present.contains(*k));
        // A VPC's scope is its own account and Region, or the file's when
        // the import left them out.
        let vpcs: Vec<&String> = hybrid
            .iter()
            .filter(|((a, r), _)| {
                (a.is_none() || account.is_none() || a == account)
                    && (r.is_none() || region.is_none() || r == region)
            })
            .flat_map(|(_, v)| v.iter())
            .collect();
        let unseen = if !has(&["VpnGateways"]) {
            Some("vpn gateways (`VpnGateways`)")
        } else if !has(&[
            "TransitGateways",
            "TransitGatewayAttachments",
            "TransitGatewayVpcAttachments",
        ]) && (!has(&["NetworkInterfaces"]) || tgw_interfaces)
        {
            // A transit gateway VPC attachment puts an interface in each of
            // its subnets (C-9.6): captured interfaces without one show that
            // there is none.
            Some("transit gateways (`TransitGateways`, `TransitGatewayAttachments`)")
        } else {
            None
        };
        let which = match (&vpcs[..], unseen) {
            ([], None) => continue,
            ([], Some(what)) => {
                b.gap_in(
                    format!(
                        "snapshot has no {what}{at}: whether its vpcs have a private path to on prem is not known"
                    ),
                    IPSEC,
                    f::GapKind::VpnDirectConnect,
                    super::scope_place(account, region),
                );
                continue;
            }
            ([one], _) => format!("vpc `{one}` has"),
            (v, _) => format!(
                "vpcs {} have",
                v.iter()
                    .map(|n| format!("`{n}`"))
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        };
        if !has(&["VpnConnections"]) {
            b.gap_in(
                format!(
                    "snapshot has no vpn connections (`VpnConnections`){at}, and {which} a private path towards on prem"
                ),
                IPSEC,
                f::GapKind::VpnDirectConnect,
                super::scope_place(account, region),
            );
        }
        if !has(&["VirtualInterfaces", "virtualInterfaces"]) {
            b.gap_in(
                format!(
                    "snapshot has no direct connect virtual interfaces (`VirtualInterfaces`){at}, and {which} a private path towards on prem"
                ),
                TRANSIT,
                f::GapKind::VpnDirectConnect,
                super::scope_place(account, region),
            );
        }
    }
}
