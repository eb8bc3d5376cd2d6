//! Network ACLs, their rules and subnet associations.
//!
//! The AWS provider's semantics that change verdicts:
//! - a new `aws_network_acl` without rules denies everything (only the
//!   implicit deny), whatever its `ingress`/`egress` look like in the plan;
//! - `aws_default_network_acl` replaces the default NACL's rules with
//!   exactly the ones given;
//! - inline rules and `aws_network_acl_rule` resources on the same NACL
//!   overwrite each other at every apply: a gap on that NACL.

use std::collections::BTreeMap;

use crate::model::format::{GapKind, NaclRule, NetworkAcl};
use crate::model::spanned::Sp;

use super::plan::P;
use super::sg::protocol_ports;
use super::{Ctx, Field, Scope, Target, aws_id, flag, int, tags, text};

const NACL_KINDS: [&str; 2] = ["aws_network_acl", "aws_default_network_acl"];

/// One rule: an inline block at `base`, or an `aws_network_acl_rule`.
fn read_rule(cx: &mut Ctx, i: usize, base: &[P], nacl: &str) -> Option<Sp<NaclRule>> {
    let r = cx.res(i);
    let at = |k: &'static str| {
        let mut p = base.to_vec();
        p.push(P::K(k));
        p
    };
    let inline = !base.is_empty();
    let (number, action) = if inline {
        ("rule_no", "action")
    } else {
        ("rule_number", "rule_action")
    };
    let mut unknown = Vec::new();
    let mut get_int = |k: &'static str| match int(r, &at(k)) {
        Field::Set(n) => Some(n),
        Field::Unset => None,
        Field::Unknown => {
            unknown.push(k);
            None
        }
    };
    let rule = get_int(number);
    let from = get_int("from_port");
    let to = get_int("to_port");
    let icmp_type = get_int("icmp_type");
    let icmp_code = get_int("icmp_code");
    let mut get_text = |k: &'static str| match text(r, &at(k)) {
        Field::Set(s) => Some(s),
        Field::Unset => None,
        Field::Unknown => {
            unknown.push(k);
            None
        }
    };
    let act = get_text(action);
    let protocol = get_text("protocol");
    let cidr = get_text("cidr_block").or_else(|| get_text("ipv6_cidr_block"));
    let scope = Scope::Resources(vec![nacl.to_owned()]);
    let head = |k: &str| {
        if inline {
            format!(
                "`{}.{}` ({k})",
                r.address,
                match base.first() {
                    Some(P::K(d)) => d,
                    _ => "rule",
                }
            )
        } else {
            format!("`{}.{k}`", r.address)
        }
    };
    if let Some(k) = unknown.first() {
        cx.gap(
            format!("{} is known only after apply: a rule of the NACL", head(k)),
            GapKind::NetworkAcls,
            scope,
        );
        return None;
    }
    let (Some(rule), Some(act), Some(protocol), Some(cidr)) = (rule, act, protocol, cidr) else {
        cx.gap(
            format!(
                "{}: a rule of the NACL lacks its number, action, protocol or CIDR",
                head(number)
            ),
            GapKind::NetworkAcls,
            scope,
        );
        return None;
    };
    let icmp = matches!(
        protocol.to_ascii_lowercase().as_str(),
        "icmp" | "1" | "icmpv6" | "58"
    );
    let (protocol, ports, ty, code) = if icmp {
        protocol_ports(&protocol, icmp_type, icmp_code)
    } else {
        protocol_ports(&protocol, from, to)
    };
    // Placed at the rule's CIDR: what the rule admits.
    let cidr_attr = if text(r, &at("cidr_block")) == Field::Set(cidr.clone()) {
        "cidr_block"
    } else {
        "ipv6_cidr_block"
    };
    let pos = cx.pos(i, &at(cidr_attr));
    Some(Sp::at(
        NaclRule {
            rule: Sp::new(u32::try_from(rule).unwrap_or(0)),
            action: Sp::new(act.to_ascii_lowercase()),
            protocol: Sp::new(protocol),
            ports: ports.map(Sp::new),
            icmp_type: ty.map(Sp::new),
            icmp_code: code.map(Sp::new),
            cidr: Sp::new(cidr),
        },
        pos,
    ))
}

fn set_subnet_nacl(cx: &mut Ctx, i: usize, t: &Target, nacl: &str) {
    match cx.resolve(t, &["aws_subnet"]) {
        Ok((_, s)) => {
            if let Some(sn) = cx.file.subnets.iter_mut().find(|x| x.name.value == s) {
                sn.value.network_acl = Some(Sp::new(nacl.to_owned()));
            }
        }
        Err(why) => cx.attr_gap(
            i,
            "subnet_ids",
            &format!("{why}; a subnet of NACL `{nacl}` is not known"),
            GapKind::NetworkAcls,
            cx.scope_of(nacl),
        ),
    }
}

/// Map NACLs, rules and associations.
pub(super) fn network_acls(cx: &mut Ctx) {
    let mut inline: BTreeMap<String, bool> = BTreeMap::new();
    for i in cx.of(&NACL_KINDS) {
        let default = cx.res(i).kind == "aws_default_network_acl";
        let vpc = if default {
            super::routes::default_owner(cx, i, "default_network_acl_id", "default_network_acl_id")
        } else {
            cx.link(i, "vpc_id", &["aws_vpc"]).map(|(_, v)| v)
        };
        let vpc = match vpc {
            Ok(v) => v,
            Err(why) => {
                let attr = if default {
                    "default_network_acl_id"
                } else {
                    "vpc_id"
                };
                cx.attr_gap(
                    i,
                    attr,
                    &format!("{why}; the NACL is left out"),
                    GapKind::NetworkAcls,
                    Scope::Everywhere,
                );
                continue;
            }
        };
        let name = cx.emit(i, Some(&vpc));
        let mut dirs: [Vec<Sp<NaclRule>>; 2] = [Vec::new(), Vec::new()];
        let mut has_inline = false;
        for (d, dir) in ["ingress", "egress"].into_iter().enumerate() {
            let r = cx.res(i);
            let configured = cx.refs.configured(r, dir);
            has_inline |= configured == Some(true);
            match super::len(r, &[P::K(dir)]) {
                Field::Set(n) => {
                    for k in 0..n {
                        if let Some(rule) = read_rule(cx, i, &[P::K(dir), P::I(k)], &name) {
                            dirs[d].push(rule);
                        }
                    }
                }
                Field::Unset => {}
                Field::Unknown if configured == Some(false) => {}
                Field::Unknown => cx.attr_gap(
                    i,
                    dir,
                    "the NACL's inline rules",
                    GapKind::NetworkAcls,
                    Scope::Resources(vec![name.clone()]),
                ),
            }
        }
        inline.insert(name.clone(), has_inline);
        for t in cx.configured_targets(i, "subnet_ids") {
            set_subnet_nacl(cx, i, &t, &name);
        }
        let r = cx.res(i);
        let [ingress, egress] = dirs;
        cx.file.network_acls.push(Sp::new(NetworkAcl {
            name: Sp::new(name),
            aws_id: aws_id(r),
            vpc: Sp::new(vpc),
            default,
            ingress,
            egress,
            tags: tags(r),
        }));
    }
    let mut standalone: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for i in cx.of(&["aws_network_acl_rule"]) {
        let Some(nacl) = cx.standalone_parent(
            i,
            ("network_acl_id", &NACL_KINDS, "rule"),
            GapKind::NetworkAcls,
            &mut standalone,
        ) else {
            continue;
        };
        let egress = match flag(cx.res(i), &[P::K("egress")]) {
            Field::Set(b) => b,
            Field::Unset => false,
            Field::Unknown => {
                cx.attr_gap(
                    i,
                    "egress",
                    "the rule's direction",
                    GapKind::NetworkAcls,
                    Scope::Resources(vec![nacl.clone()]),
                );
                continue;
            }
        };
        if let Some(rule) = read_rule(cx, i, &[], &nacl)
            && let Some(n) = cx
                .file
                .network_acls
                .iter_mut()
                .find(|x| x.name.value == nacl)
        {
            let list = if egress {
                &mut n.value.egress
            } else {
                &mut n.value.ingress
            };
            list.push(rule);
        }
    }
    for (nacl, rules) in &standalone {
        if inline.get(nacl) == Some(&true) {
            cx.gap(
                format!(
                    "network ACL `{nacl}` has inline rules and `aws_network_acl_rule` resources ({}): Terraform makes each overwrite the other at every apply, so its rules after apply are not decided",
                    rules.iter().map(|r| format!("`{r}`")).collect::<Vec<_>>().join(", ")
                ),
                GapKind::NetworkAcls,
                Scope::Resources(vec![nacl.clone()]),
            );
        }
    }
    for i in cx.of(&["aws_network_acl_association"]) {
        match cx.link(i, "network_acl_id", &NACL_KINDS) {
            Ok((_, n)) => {
                let t = cx.refs.target(cx.res(i), &[P::K("subnet_id")]);
                set_subnet_nacl(cx, i, &t, &n);
            }
            Err(why) => cx.attr_gap(
                i,
                "network_acl_id",
                &format!("{why}; the subnet's NACL is not known"),
                GapKind::NetworkAcls,
                Scope::Everywhere,
            ),
        }
    }
}
