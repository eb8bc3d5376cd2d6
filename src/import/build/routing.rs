//! VPC route tables and their routes.

use super::super::ImportError;
use super::super::aws::name_tag;
use super::{ALL, Ctx, cidr, sp, tags};
use crate::model::Sp;
use crate::model::format as f;

pub(super) fn name(cx: &mut Ctx) {
    let Ctx { raw, b, .. } = cx;
    for (id, (_, t)) in &raw.route_tables {
        if raw.vpc_known(&t.vpc_id) {
            b.name(id, name_tag(&t.tags));
        }
    }
}

pub(super) fn write(cx: &mut Ctx) -> Result<(), ImportError> {
    let Ctx { raw, b, out, ids } = cx;
    for (id, (loc, t)) in &raw.route_tables {
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
                if x.starts_with("i-") && !ids.instance_has_eni.contains(x) {
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
            let route = sp(f::Route {
                destination: destination.map(sp),
                prefix_list: prefix_list.map(sp),
                target: sp(target),
                state: blackhole.then(|| sp("blackhole".to_string())),
                origin: propagated.then(|| sp("propagated".to_string())),
            });
            // One route per destination in AWS: the same record twice is one
            // route; two different ones cannot be.
            let same_dest = |r: &&Sp<f::Route>| {
                r.value.destination.as_ref().map(|d| &d.value)
                    == route.value.destination.as_ref().map(|d| &d.value)
                    && r.value.prefix_list.as_ref().map(|d| &d.value)
                        == route.value.prefix_list.as_ref().map(|d| &d.value)
            };
            let key = |r: &Sp<f::Route>| serde_json::to_string(&r.value).unwrap_or_default();
            match routes.iter().find(same_dest) {
                Some(r) if key(r) == key(&route) => {}
                Some(_) => {
                    return Err(loc.err(&field, format!("a second, different route to `{dtext}`")));
                }
                None => routes.push(route),
            }
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

    Ok(())
}
