//! VPC endpoints.

use super::super::aws::name_tag;
use super::{ALL, Ctx, sp};
use crate::model::format as f;

pub(super) fn name(cx: &mut Ctx) {
    let Ctx { raw, b, .. } = cx;
    for (id, (_, e)) in &raw.endpoints {
        let gone = matches!(
            e.state.as_deref().map(str::to_lowercase).as_deref(),
            Some("deleted" | "deleting" | "rejected" | "failed" | "expired")
        );
        if raw.vpc_known(&e.vpc_id) && !gone {
            b.name(id, name_tag(&e.tags));
        }
    }
}

pub(super) fn write(cx: &mut Ctx) {
    let Ctx { raw, b, out, ids } = cx;
    for (id, (_, e)) in &raw.endpoints {
        let Some(name) = b.get(id) else { continue };
        let vpc = e.vpc_id.clone().unwrap_or_default();
        let kind = match e
            .vpc_endpoint_type
            .as_deref()
            .map(str::to_lowercase)
            .as_deref()
        {
            Some("gateway") => "gateway",
            Some("interface") => "interface",
            Some("gatewayloadbalancer" | "gateway-load-balancer") => "gateway-load-balancer",
            other => {
                let scope = b.vpc_scope([vpc.as_str()]);
                b.gap_in(
                    format!(
                        "vpc endpoint `{id}` of type `{}` is not modelled",
                        other.unwrap_or("")
                    ),
                    ALL,
                    f::GapKind::Endpoints,
                    scope,
                );
                continue;
            }
        };
        let service = e.service_name.clone().unwrap_or_default();
        let mut groups = Vec::new();
        for g in &e.groups {
            if let Some(gid) = &g.group_id {
                match b.get(gid) {
                    Some(n) => groups.push(sp(n)),
                    None => {
                        let scope = b.vpc_scope([vpc.as_str()]);
                        b.gap_in(format!("vpc endpoint `{id}` uses security group `{gid}`, which is not in the snapshot"), ALL, f::GapKind::SecurityGroups, scope);
                    }
                }
            }
        }
        let policy = e
            .policy_document
            .as_ref()
            .and_then(|p| serde_json::from_str::<serde_json::Value>(p).ok());
        out.vpc_endpoints.push(sp(f::VpcEndpoint {
            name: sp(name),
            aws_id: Some(id.clone()),
            vpc: sp(b.get(&vpc).unwrap_or(vpc)),
            kind: sp(kind.to_string()),
            prefix_list: if kind == "gateway" {
                ids.pl_by_service
                    .get(&service)
                    .and_then(|p| b.get(p))
                    .map(sp)
            } else {
                None
            },
            service: sp(service.clone()),
            route_tables: e
                .route_table_ids
                .iter()
                .filter_map(|r| b.get(r))
                .map(sp)
                .collect(),
            subnets: e
                .subnet_ids
                .iter()
                .filter_map(|s| b.get(s))
                .map(sp)
                .collect(),
            security_groups: groups,
            private_dns: e.private_dns_enabled,
            ip_address_type: e.ip_address_type.clone(),
            // The IPv6 list of a dual-stack gateway service is
            // `com.amazonaws.<region>.ipv6.<service>` (C-13.5); when the
            // snapshot lacks it, the loader derives a list with unknown
            // entries, so nothing is assumed.
            ipv6_prefix_list: if kind == "gateway" {
                service
                    .rsplit_once('.')
                    .map(|(head, svc)| format!("{head}.ipv6.{svc}"))
                    .and_then(|v6| ids.pl_by_service.get(&v6))
                    .and_then(|p| b.get(p))
                    .map(sp)
            } else {
                None
            },
            dns_record_ip_type: e
                .dns_options
                .as_ref()
                .and_then(|d| d.dns_record_ip_type.clone())
                .map(sp),
            private_dns_only_for_inbound_resolver_endpoint: e
                .dns_options
                .as_ref()
                .and_then(|d| d.private_dns_only_for_inbound_resolver_endpoint),
            policy,
        }));
    }
}
