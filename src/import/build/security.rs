//! Network ACLs and security groups.

use super::super::ImportError;
use super::super::aws::{self, PortRange as PortRangeVals, name_tag};
use super::super::read::Loc;
use super::{ALL, B, Ctx, cidr, port_range, protocol, sp, tags};
use crate::model::format as f;
use crate::model::{Scalar, Sp};

pub(super) fn name(cx: &mut Ctx) {
    let Ctx { raw, b, .. } = cx;
    for (id, (_, t)) in &raw.nacls {
        if raw.vpc_known(&t.vpc_id) {
            b.name(id, name_tag(&t.tags));
        }
    }
    for (id, (_, t)) in &raw.sgs {
        if raw.vpc_known(&t.vpc_id) {
            b.name(id, name_tag(&t.tags));
        }
    }
}

pub(super) fn write_nacls(cx: &mut Ctx) -> Result<(), ImportError> {
    let Ctx { raw, b, out, .. } = cx;
    for (id, (loc, t)) in &raw.nacls {
        let Some(name) = b.get(id) else { continue };
        let vpc = t.vpc_id.clone().unwrap_or_default();
        let mut ingress = Vec::new();
        let mut egress = Vec::new();
        let mut order: Vec<(usize, &aws::NaclEntry)> = t.entries.iter().enumerate().collect();
        order.sort_by_key(|(_, e)| (e.egress, e.rule_number));
        for (k, e) in order {
            let field = format!("Entries[{k}]");
            let Some(n) = e.rule_number else {
                return Err(loc.err(&format!("{field}.RuleNumber"), "missing".into()));
            };
            // The `*` entries (32767) are the implicit deny, always applied.
            if !(1..=32766).contains(&n) {
                continue;
            }
            let c = match (&e.cidr_block, &e.ipv6_cidr_block) {
                (Some(c), _) => cidr(loc, &format!("{field}.CidrBlock"), c)?,
                (None, Some(c)) => cidr(loc, &format!("{field}.Ipv6CidrBlock"), c)?,
                (None, None) => {
                    return Err(loc.err(&format!("{field}.CidrBlock"), "missing".into()));
                }
            };
            let proto = protocol(
                loc,
                &format!("{field}.Protocol"),
                e.protocol.as_deref().unwrap_or("-1"),
            )?;
            let ports = match (proto.as_str(), &e.port_range) {
                (
                    "tcp" | "udp",
                    Some(PortRangeVals {
                        from: Some(a),
                        to: Some(z),
                    }),
                ) => Some(sp(Scalar(port_range(*a, *z)))),
                _ => None,
            };
            let icmp = matches!(proto.as_str(), "icmp" | "icmpv6");
            let (it, ic) = match (&e.icmp_type_code, icmp) {
                (Some(x), true) => (x.kind.filter(|v| *v >= 0), x.code.filter(|v| *v >= 0)),
                _ => (None, None),
            };
            if it.is_none() && ic.is_some() {
                return Err(loc.err(
                    &format!("{field}.IcmpTypeCode.Type"),
                    format!(
                        "is no single ICMP type, but the ICMP code is `{}`: a code needs a type",
                        ic.unwrap_or_default()
                    ),
                ));
            }
            let action = match e.rule_action.as_deref().map(str::to_lowercase).as_deref() {
                Some(a @ ("allow" | "deny")) => a.to_string(),
                other => {
                    return Err(loc.err(
                        &format!("{field}.RuleAction"),
                        format!(
                            "expected `allow` or `deny`, found `{}`",
                            other.unwrap_or("nothing")
                        ),
                    ));
                }
            };
            let rule = sp(f::NaclRule {
                rule: sp(u32::try_from(n).unwrap_or(0)),
                action: sp(action),
                protocol: sp(Scalar(proto)),
                ports,
                icmp_type: it.map(sp),
                icmp_code: ic.map(sp),
                cidr: sp(c),
            });
            let list = if e.egress == Some(true) {
                &mut egress
            } else {
                &mut ingress
            };
            // AWS numbers a direction's rules uniquely: the same record twice
            // is one rule; two different rules with one number cannot be.
            let key = |r: &Sp<f::NaclRule>| serde_json::to_string(&r.value).unwrap_or_default();
            match list
                .iter()
                .find(|r: &&Sp<f::NaclRule>| r.value.rule.value == rule.value.rule.value)
            {
                Some(r) if key(r) == key(&rule) => {}
                Some(_) => {
                    return Err(loc.err(
                        &format!("{field}.RuleNumber"),
                        format!(
                            "rule number `{n}` is used by two different rules of one direction"
                        ),
                    ));
                }
                None => list.push(rule),
            }
        }
        out.network_acls.push(sp(f::NetworkAcl {
            name: sp(name),
            aws_id: Some(id.clone()),
            vpc: sp(b.get(&vpc).unwrap_or(vpc)),
            default: t.is_default.unwrap_or(false),
            ingress,
            egress,
            tags: tags(&t.tags),
        }));
    }

    Ok(())
}

pub(super) fn write_sgs(cx: &mut Ctx) -> Result<(), ImportError> {
    let Ctx { raw, b, out, .. } = cx;
    for (id, (loc, g)) in &raw.sgs {
        let Some(name) = b.get(id) else { continue };
        let vpc = g.vpc_id.clone().unwrap_or_default();
        let ingress = sg_rules(
            b,
            loc,
            id,
            g.vpc_id.as_deref(),
            "IpPermissions",
            &g.ip_permissions,
        )?;
        let egress = sg_rules(
            b,
            loc,
            id,
            g.vpc_id.as_deref(),
            "IpPermissionsEgress",
            &g.ip_permissions_egress,
        )?;
        out.security_groups.push(sp(f::SecurityGroup {
            name: sp(name),
            aws_id: Some(id.clone()),
            vpc: sp(b.get(&vpc).unwrap_or(vpc)),
            description: g.description.clone(),
            ingress,
            egress,
            tags: tags(&g.tags),
        }));
    }

    Ok(())
}

fn sg_rules(
    b: &mut B,
    loc: &Loc,
    sg: &str,
    vpc: Option<&str>,
    key: &str,
    perms: &[aws::IpPermission],
) -> Result<Vec<Sp<f::SgRule>>, ImportError> {
    let mut out = Vec::new();
    for (k, p) in perms.iter().enumerate() {
        let field = format!("{key}[{k}]");
        let proto = protocol(
            loc,
            &format!("{field}.IpProtocol"),
            p.ip_protocol.as_deref().unwrap_or("-1"),
        )?;
        let (ports, it, ic) = match proto.as_str() {
            "tcp" | "udp" => match (p.from_port, p.to_port) {
                (Some(a), Some(z)) if a >= 0 && z >= 0 => {
                    (Some(sp(Scalar(port_range(a, z)))), None, None)
                }
                _ => (None, None, None),
            },
            "icmp" | "icmpv6" => (
                None,
                p.from_port
                    .filter(|v| *v >= 0)
                    .and_then(|v| i32::try_from(v).ok()),
                p.to_port
                    .filter(|v| *v >= 0)
                    .and_then(|v| i32::try_from(v).ok()),
            ),
            _ => (None, None, None),
        };
        if it.is_none() && ic.is_some() {
            // A code without its type (FromPort missing, ToPort set): AWS
            // never writes that, and no rule the format can hold means it.
            return Err(loc.err(
                &format!("{field}.FromPort"),
                format!(
                    "is `{}`, no single ICMP type, but `ToPort` sets ICMP code `{}`: a code needs a type",
                    p.from_port.map_or_else(|| "missing".to_owned(), |v| v.to_string()),
                    p.to_port.unwrap_or_default()
                ),
            ));
        }
        let base = f::SgRule {
            protocol: sp(Scalar(proto.clone())),
            ports,
            icmp_type: it.map(sp),
            icmp_code: ic.map(sp),
            ..Default::default()
        };
        for (j, r) in p.ip_ranges.iter().enumerate() {
            let Some(c) = &r.cidr_ip else { continue };
            let mut x = base.clone();
            x.cidr = Some(sp(cidr(loc, &format!("{field}.IpRanges[{j}].CidrIp"), c)?));
            x.description.clone_from(&r.description);
            out.push(sp(x));
        }
        for (j, r) in p.ipv6_ranges.iter().enumerate() {
            let Some(c) = &r.cidr_ipv6 else { continue };
            let mut x = base.clone();
            x.cidr = Some(sp(cidr(
                loc,
                &format!("{field}.Ipv6Ranges[{j}].CidrIpv6"),
                c,
            )?));
            x.description.clone_from(&r.description);
            out.push(sp(x));
        }
        for r in &p.prefix_list_ids {
            let Some(id) = &r.prefix_list_id else {
                continue;
            };
            let Some(n) = b.get(id) else { continue };
            let mut x = base.clone();
            x.prefix_list = Some(sp(n));
            x.description.clone_from(&r.description);
            out.push(sp(x));
        }
        for r in &p.user_id_group_pairs {
            let Some(id) = &r.group_id else { continue };
            match b.get(id) {
                Some(n) => {
                    let mut x = base.clone();
                    x.security_group = Some(sp(n));
                    x.description.clone_from(&r.description);
                    out.push(sp(x));
                }
                None => {
                    let scope = b.vpc_scope(vpc);
                    b.gap_in(
                        format!("security group `{sg}` rule {field} references group `{id}`, which is not in the snapshot"),
                        ALL,
                        f::GapKind::SecurityGroups,
                        scope,
                    );
                }
            }
        }
    }
    Ok(out)
}
