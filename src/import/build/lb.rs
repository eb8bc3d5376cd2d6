//! Load balancers, their listeners, and target groups.

use std::collections::{BTreeMap, HashMap};
use std::net::IpAddr;

use super::super::ImportError;
use super::super::aws;
use super::{ALL, Ctx, sp};
use crate::model::Sp;
use crate::model::format as f;

pub(super) fn name(cx: &mut Ctx) {
    let Ctx { raw, b, ids, .. } = cx;
    for (arn, (_, lb)) in &raw.lbs {
        if lb.state.as_ref().and_then(|s| s.code.as_deref()) == Some("failed") {
            continue;
        }
        let kind = lb.kind.as_deref().unwrap_or("");
        if kind != "application" && kind != "network" {
            let scope = b.vpc_scope(raw.lb_vpcs(lb).iter().map(String::as_str));
            b.gap_in(
                format!("load balancer `{arn}` of type `{kind}` is not modelled"),
                ALL,
                f::GapKind::Other,
                scope,
            );
            continue;
        }
        if !lb.availability_zones.iter().any(|z| {
            z.subnet_id
                .as_ref()
                .is_some_and(|s| ids.subnet_ids.contains(s))
        }) {
            b.gap_in(
                format!("load balancer `{arn}`: none of its raw.subnets is in the snapshot"),
                ALL,
                f::GapKind::Resources,
                None,
            );
            continue;
        }
        // An application load balancer always has a security group: with
        // none of them imported it cannot be modelled (what it admits is not
        // known), so it is left out, with a gap over its VPCs.
        if kind == "application" && !lb.security_groups.iter().any(|g| b.names.contains_key(g)) {
            let scope = b.vpc_scope(raw.lb_vpcs(lb).iter().map(String::as_str));
            b.gap_in(
                format!(
                    "application load balancer `{arn}`: none of its security groups is in the snapshot; not imported"
                ),
                ALL,
                f::GapKind::Other,
                scope,
            );
            continue;
        }
        b.name(arn, lb.load_balancer_name.as_deref());
    }
    for (name, (_, lb)) in &raw.classic_lbs {
        let vpcs: Vec<String> = lb.vpc_id.iter().cloned().collect();
        if !lb.subnets.iter().any(|s| ids.subnet_ids.contains(s)) {
            let scope = b.vpc_scope(vpcs.iter().map(String::as_str));
            b.gap_in(
                format!(
                    "classic load balancer `{name}`: none of its subnets is in the snapshot (or it is in EC2-Classic)"
                ),
                ALL,
                f::GapKind::LoadBalancers,
                scope,
            );
            continue;
        }
        // In a VPC it always has a group (C-14.5): with none imported, what
        // it admits is not known.
        if !lb.security_groups.iter().any(|g| b.names.contains_key(g)) {
            let scope = b.vpc_scope(vpcs.iter().map(String::as_str));
            b.gap_in(
                format!(
                    "classic load balancer `{name}`: none of its security groups is in the snapshot; not imported"
                ),
                ALL,
                f::GapKind::LoadBalancers,
                scope,
            );
            continue;
        }
        b.name(name, Some(name));
    }
    for (arn, (_, tg)) in &raw.target_groups {
        let tt = tg.target_type.as_deref().unwrap_or("");
        if (tt == "instance" || tt == "ip") && tg.protocol.is_some() && tg.port.is_some() {
            b.name(arn, tg.target_group_name.as_deref());
        } else {
            b.notes
                .push(format!("skipped target group `{arn}` (target type `{tt}`)"));
        }
    }
}

pub(super) fn write_target_groups(cx: &mut Ctx) -> Result<(), ImportError> {
    let Ctx { raw, b, out, ids } = cx;
    let mut tg_targets: HashMap<String, Vec<Sp<f::Target>>> = HashMap::new();
    for (loc, h) in &raw.target_health {
        let Some(arn) = &h.target_group_arn else {
            return Err(loc.err("TargetGroupArn", "missing".into()));
        };
        let Some((_, tg)) = raw.target_groups.get(arn) else {
            b.notes.push(format!(
                "target health for unknown target group `{arn}` ignored"
            ));
            continue;
        };
        let list = tg_targets.entry(arn.clone()).or_default();
        for d in &h.target_health_descriptions {
            let Some(t) = &d.target else { continue };
            let Some(tid) = &t.id else { continue };
            let port = t
                .port
                .filter(|p| Some(*p) != tg.port)
                .and_then(|p| u32::try_from(p).ok())
                .map(sp);
            if tid.starts_with("i-") {
                if ids.instance_has_eni.contains(tid)
                    && let Some(n) = b.get(tid)
                {
                    list.push(sp(f::Target {
                        instance: Some(sp(n)),
                        ip: None,
                        port,
                    }));
                } else {
                    b.gap_in(
                        format!("target `{tid}` of target group `{arn}` is not in the snapshot"),
                        ALL,
                        f::GapKind::LoadBalancers,
                        None,
                    );
                }
            } else if tid.parse::<IpAddr>().is_ok() {
                list.push(sp(f::Target {
                    instance: None,
                    ip: Some(sp(tid.clone())),
                    port,
                }));
            } else {
                b.notes.push(format!(
                    "target `{tid}` of target group `{arn}` is not modelled"
                ));
            }
        }
    }
    for (arn, (_, tg)) in &raw.target_groups {
        let Some(name) = b.get(arn) else { continue };
        let mut targets = tg_targets.remove(arn).unwrap_or_default();
        targets.sort_by_key(|t| {
            (
                t.instance.as_ref().map(|x| x.value.clone()),
                t.ip.as_ref().map(|x| x.value.clone()),
                t.port.as_ref().map(|x| x.value),
            )
        });
        out.target_groups.push(sp(f::TargetGroup {
            name: sp(name),
            aws_id: Some(arn.clone()),
            target_type: sp(tg.target_type.clone().unwrap_or_default()),
            protocol: sp(tg.protocol.clone().unwrap_or_default()),
            port: sp(tg.port.and_then(|p| u32::try_from(p).ok()).unwrap_or(0)),
            preserve_client_ip: None,
            targets,
        }));
    }

    Ok(())
}

pub(super) fn write_lbs(cx: &mut Ctx) -> Result<(), ImportError> {
    let Ctx { raw, b, out, ids } = cx;
    let mut lb_listeners: HashMap<String, Vec<Sp<f::Listener>>> = HashMap::new();
    for (loc, l) in &raw.listeners {
        let Some(arn) = &l.load_balancer_arn else {
            return Err(loc.err("LoadBalancerArn", "missing".into()));
        };
        let (Some(proto), Some(port)) = (&l.protocol, l.port) else {
            return Err(loc.err("Port", "missing port or protocol".into()));
        };
        let mut actions: Vec<&aws::Action> = l.default_actions.iter().collect();
        actions.sort_by_key(|a| a.order.unwrap_or(i64::MAX));
        let tg = actions
            .iter()
            .filter(|a| a.kind.as_deref() == Some("forward"))
            .find_map(|a| {
                a.target_group_arn.clone().or_else(|| {
                    a.forward_config
                        .as_ref()
                        .and_then(|c| c.target_groups.first())
                        .and_then(|t| t.target_group_arn.clone())
                })
            });
        lb_listeners
            .entry(arn.clone())
            .or_default()
            .push(sp(f::Listener {
                protocol: sp(proto.clone()),
                port: sp(u32::try_from(port).unwrap_or(0)),
                target_group: tg.and_then(|t| b.get(&t)).map(sp),
                instance_protocol: None,
                instance_port: None,
            }));
    }
    for (arn, (loc, lb)) in &raw.lbs {
        let Some(name) = b.get(arn) else { continue };
        let mut ls = lb_listeners.remove(arn).unwrap_or_default();
        ls.sort_by_key(|l| (l.port.value, l.protocol.value.clone()));
        let mut sgsn = Vec::new();
        for g in &lb.security_groups {
            match b.get(g) {
                Some(n) => sgsn.push(sp(n)),
                None => {
                    let scope = b.vpc_scope(raw.lb_vpcs(lb).iter().map(String::as_str));
                    b.gap_in(format!("load balancer `{name}` uses security group `{g}`, which is not in the snapshot"), ALL, f::GapKind::SecurityGroups, scope);
                }
            }
        }
        let mut subnets_n = Vec::new();
        for z in &lb.availability_zones {
            if let Some(s) = &z.subnet_id {
                match b.get(s).filter(|_| ids.subnet_ids.contains(s)) {
                    Some(n) => subnets_n.push(sp(n)),
                    None => {
                        let scope = b.vpc_scope(raw.lb_vpcs(lb).iter().map(String::as_str));
                        b.gap_in(
                            format!(
                                "load balancer `{name}` uses subnet `{s}`, which is not in the snapshot"
                            ),
                            ALL,
                            f::GapKind::LoadBalancers,
                            scope,
                        );
                    }
                }
            }
        }
        // Without a scheme, assume the wider exposure and say so.
        let scheme = match &lb.scheme {
            Some(s) if s == "internet-facing" || s == "internal" => s.clone(),
            Some(s) => {
                return Err(loc.err(
                    "Scheme",
                    format!("unknown scheme `{s}` (AWS uses `internet-facing` or `internal`)"),
                ));
            }
            None => {
                let scope = b.vpc_scope(raw.lb_vpcs(lb).iter().map(String::as_str));
                b.gap_in(
                    format!("load balancer `{name}` has no `Scheme`; assumed internet-facing"),
                    ALL,
                    f::GapKind::LoadBalancers,
                    scope,
                );
                "internet-facing".into()
            }
        };
        if !ids.lb_has_eni.contains(&name) {
            b.notes.push(format!("derived nodes for LB {name}"));
        }
        out.load_balancers.push(sp(f::LoadBalancer {
            name: sp(name),
            aws_id: Some(arn.clone()),
            kind: sp(lb.kind.clone().unwrap_or_default()),
            scheme: sp(scheme),
            ip_address_type: lb.ip_address_type.clone().map(sp),
            subnets: subnets_n,
            security_groups: sgsn,
            listeners: ls,
            instances: Vec::new(),
            cross_zone: None,
            tags: BTreeMap::new(),
        }));
    }
    write_classic(cx);
    Ok(())
}

/// Classic Load Balancers (C-14.5): subnets, groups, listeners, registered
/// instances, and cross-zone balancing where its attributes were read.
fn write_classic(cx: &mut Ctx) {
    let Ctx { raw, b, out, ids } = cx;
    for (id, (_, lb)) in &raw.classic_lbs {
        let Some(name) = b.get(id) else { continue };
        let scope = b.vpc_scope(lb.vpc_id.iter().map(String::as_str));
        let mut subnets = Vec::new();
        for s in &lb.subnets {
            match b.get(s).filter(|_| ids.subnet_ids.contains(s)) {
                Some(n) => subnets.push(sp(n)),
                None => b.gap_in(
                    format!(
                        "load balancer `{name}` uses subnet `{s}`, which is not in the snapshot"
                    ),
                    ALL,
                    f::GapKind::LoadBalancers,
                    scope.clone(),
                ),
            }
        }
        let mut groups = Vec::new();
        for g in &lb.security_groups {
            match b.get(g) {
                Some(n) => groups.push(sp(n)),
                None => b.gap_in(
                    format!("load balancer `{name}` uses security group `{g}`, which is not in the snapshot"),
                    ALL,
                    f::GapKind::SecurityGroups,
                    scope.clone(),
                ),
            }
        }
        let mut listeners = Vec::new();
        for d in &lb.listener_descriptions {
            let Some(l) = &d.listener else { continue };
            let (Some(p), Some(port), Some(ip), Some(iport)) = (
                &l.protocol,
                l.load_balancer_port,
                &l.instance_protocol,
                l.instance_port,
            ) else {
                b.gap_in(
                    format!("a listener of load balancer `{name}` has no protocol or port"),
                    ALL,
                    f::GapKind::LoadBalancers,
                    scope.clone(),
                );
                continue;
            };
            listeners.push(sp(f::Listener {
                protocol: sp(p.to_ascii_uppercase()),
                port: sp(u32::try_from(port).unwrap_or(0)),
                target_group: None,
                instance_protocol: Some(sp(ip.to_ascii_uppercase())),
                instance_port: Some(sp(u32::try_from(iport).unwrap_or(0))),
            }));
        }
        listeners.sort_by_key(|l| l.port.value);
        let mut instances = Vec::new();
        for i in &lb.instances {
            let Some(iid) = &i.instance_id else { continue };
            match b.get(iid).filter(|_| ids.instance_has_eni.contains(iid)) {
                Some(n) => instances.push(sp(n)),
                None => b.gap_in(
                    format!("instance `{iid}` registered with load balancer `{name}` is not in the snapshot"),
                    ALL,
                    f::GapKind::LoadBalancers,
                    scope.clone(),
                ),
            }
        }
        instances.sort_by(|a, b| a.value.cmp(&b.value));
        let cross_zone = raw.classic_cross_zone.get(id).copied();
        if cross_zone.is_none() {
            b.notes.push(format!(
                "cross-zone balancing of classic load balancer `{name}` was not read (`elb describe-load-balancer-attributes`): what depends on it is unknown"
            ));
        }
        let scheme = match lb.scheme.as_deref() {
            Some("internal") => "internal",
            Some("internet-facing") => "internet-facing",
            other => {
                b.gap_in(
                    format!(
                        "load balancer `{name}` has scheme `{}`; assumed internet-facing",
                        other.unwrap_or("")
                    ),
                    ALL,
                    f::GapKind::LoadBalancers,
                    scope.clone(),
                );
                "internet-facing"
            }
        };
        out.load_balancers.push(sp(f::LoadBalancer {
            name: sp(name),
            aws_id: Some(id.clone()),
            kind: sp("classic".to_owned()),
            scheme: sp(scheme.to_owned()),
            ip_address_type: None,
            subnets,
            security_groups: groups,
            listeners,
            instances,
            cross_zone,
            tags: BTreeMap::new(),
        }));
    }
}
