//! Security groups and their three rule styles: inline `ingress`/`egress`
//! blocks, `aws_security_group_rule`, and
//! `aws_vpc_security_group_ingress_rule`/`_egress_rule`.
//!
//! The AWS provider's semantics that change verdicts:
//! - a new `aws_security_group` has no egress rule unless the plan gives
//!   one: AWS adds allow-all egress, and Terraform removes it;
//! - `aws_default_security_group` replaces the default group's rules with
//!   exactly the ones given (none when none are);
//! - inline rules and standalone rule resources on the same group overwrite
//!   each other at every apply: a gap on that group, not a guess.

use std::collections::BTreeMap;

use crate::model::format::{GapKind, SecurityGroup, SgRule};
use crate::model::spanned::{Scalar, Sp};

use super::plan::P;
use super::{Ctx, Field, Scope, Target, aws_id, int, tags, text, texts};

const SG_KINDS: [&str; 2] = ["aws_security_group", "aws_default_security_group"];

/// Protocol, port range and ICMP type/code in the model's syntax, from the
/// provider's `protocol`, `from_port`, `to_port` (for ICMP, the ports are
/// the type and the code).
pub(super) fn protocol_ports(
    protocol: &str,
    from: Option<i64>,
    to: Option<i64>,
) -> (Scalar, Option<Scalar>, Option<i32>, Option<i32>) {
    let p = protocol.to_ascii_lowercase();
    match p.as_str() {
        "-1" | "all" => (Scalar("all".to_owned()), None, None, None),
        "tcp" | "6" | "udp" | "17" => {
            let ports = match (from, to) {
                (Some(f), Some(t)) if (f <= 0 && t >= 65535) || f < 0 => None,
                (Some(f), Some(t)) if f == t => Some(Scalar(f.to_string())),
                (Some(f), Some(t)) => Some(Scalar(format!("{f}-{t}"))),
                _ => None,
            };
            (Scalar(p), ports, None, None)
        }
        "icmp" | "1" | "icmpv6" | "58" => {
            let ty = from.filter(|t| *t >= 0).and_then(|t| i32::try_from(t).ok());
            let code = to
                .filter(|c| *c >= 0 && ty.is_some())
                .and_then(|c| i32::try_from(c).ok());
            (Scalar(p), None, ty, code)
        }
        _ => (Scalar(p), None, None, None),
    }
}

/// Which group each mapped group's rules go to, and what was seen.
#[derive(Default)]
struct Groups {
    /// Group name → whether its configuration has inline rules.
    inline: BTreeMap<String, bool>,
    /// Group name → standalone rule resources on it.
    standalone: BTreeMap<String, Vec<String>>,
}

/// Which rule fields a style uses.
struct Style {
    protocol: &'static str,
    cidrs4: &'static str,
    cidrs6: &'static str,
    prefix_lists: &'static str,
    groups: &'static str,
    /// The fields are single values, not lists.
    single: bool,
}

const INLINE: Style = Style {
    protocol: "protocol",
    cidrs4: "cidr_blocks",
    cidrs6: "ipv6_cidr_blocks",
    prefix_lists: "prefix_list_ids",
    groups: "security_groups",
    single: false,
};
const RULE: Style = Style {
    protocol: "protocol",
    cidrs4: "cidr_blocks",
    cidrs6: "ipv6_cidr_blocks",
    prefix_lists: "prefix_list_ids",
    groups: "source_security_group_id",
    single: false,
};
const VPC_RULE: Style = Style {
    protocol: "ip_protocol",
    cidrs4: "cidr_ipv4",
    cidrs6: "cidr_ipv6",
    prefix_lists: "prefix_list_id",
    groups: "referenced_security_group_id",
    single: true,
};

/// The rules of one rule block (or rule resource) at `base` of resource
/// `i`, in group `own`, each placed at the `.tf` attribute that names its
/// peer. What cannot be read is a gap on the group.
fn read_rules(cx: &mut Ctx, i: usize, base: &[P], own: &str, style: &Style) -> Vec<Sp<SgRule>> {
    let r = cx.res(i);
    let at = |k: &'static str| {
        let mut p = base.to_vec();
        p.push(P::K(k));
        p
    };
    let shown = |k: &str| {
        let mut s = String::new();
        for p in base {
            match p {
                P::K(x) => s.push_str(x),
                P::I(n) => s.push_str(&format!("[{n}]")),
            }
        }
        if s.is_empty() {
            k.to_owned()
        } else {
            format!("{s}.{k}")
        }
    };
    let mut gaps: Vec<(String, String)> = Vec::new();
    let protocol = match text(r, &at(style.protocol)) {
        Field::Set(p) => p,
        _ => {
            gaps.push((shown(style.protocol), "the rule's protocol".to_owned()));
            String::new()
        }
    };
    let port = |k: &'static str, gaps: &mut Vec<(String, String)>| match int(r, &at(k)) {
        Field::Set(n) => Some(n),
        Field::Unset => None,
        Field::Unknown => {
            gaps.push((shown(k), "the rule's ports".to_owned()));
            None
        }
    };
    let from = port("from_port", &mut gaps);
    let to = port("to_port", &mut gaps);
    let description = match text(r, &at("description")) {
        Field::Set(d) => Some(d),
        _ => None,
    };
    let mut peers: Vec<Sp<SgRule>> = Vec::new();
    let list = |k: &'static str, gaps: &mut Vec<(String, String)>| -> Vec<String> {
        let f = if style.single {
            match text(r, &at(k)) {
                Field::Set(s) => Field::Set(vec![s]),
                Field::Unset => Field::Unset,
                Field::Unknown => Field::Unknown,
            }
        } else {
            texts(r, &at(k))
        };
        match f {
            Field::Set(v) => v,
            Field::Unset => Vec::new(),
            Field::Unknown => {
                gaps.push((shown(k), "the rule's peers".to_owned()));
                Vec::new()
            }
        }
    };
    for k in [style.cidrs4, style.cidrs6] {
        let cidrs = list(k, &mut gaps);
        if cidrs.is_empty() {
            continue;
        }
        let pos = cx.pos(i, &at(k));
        for c in cidrs {
            peers.push(Sp::at(
                SgRule {
                    cidr: Some(Sp::new(c)),
                    ..SgRule::default()
                },
                pos,
            ));
        }
    }
    let lists = if style.single {
        vec![cx.refs.target(r, &at(style.prefix_lists))]
    } else {
        cx.refs.targets(r, &at(style.prefix_lists))
    };
    for t in lists {
        if t == Target::Absent {
            continue;
        }
        match super::endpoints::prefix_list(cx, &t) {
            Ok(pl) => {
                let pos = cx.pos(i, &at(style.prefix_lists));
                peers.push(Sp::at(
                    SgRule {
                        prefix_list: Some(Sp::new(pl)),
                        ..SgRule::default()
                    },
                    pos,
                ));
            }
            Err(why) => gaps.push((shown(style.prefix_lists), why)),
        }
    }
    // Inline blocks hold a list of groups; rule resources one group.
    let targets = if style.single || style.groups == "source_security_group_id" {
        vec![cx.refs.target(r, &at(style.groups))]
    } else {
        cx.refs.targets(r, &at(style.groups))
    };
    for t in targets {
        if t == Target::Absent {
            continue;
        }
        match cx.resolve(&t, &SG_KINDS) {
            Ok((_, g)) => {
                let pos = cx.pos(i, &at(style.groups));
                peers.push(Sp::at(
                    SgRule {
                        security_group: Some(Sp::new(g)),
                        ..SgRule::default()
                    },
                    pos,
                ));
            }
            Err(why) => gaps.push((shown(style.groups), why)),
        }
    }
    if super::flag(r, &at("self")) == Field::Set(true) {
        let pos = cx.pos(i, &at("self"));
        peers.push(Sp::at(
            SgRule {
                security_group: Some(Sp::new(own.to_owned())),
                ..SgRule::default()
            },
            pos,
        ));
    }
    for (attr, why) in gaps {
        let addr = &cx.res(i).address;
        let what = if matches!(cx.res(i).get(&at_path(base, &attr)), super::Val::Unknown) {
            format!("`{addr}.{attr}` is known only after apply: {why}")
        } else {
            format!("`{addr}.{attr}`: {why}")
        };
        cx.gap(
            what,
            GapKind::SecurityGroups,
            Scope::Resources(vec![own.to_owned()]),
        );
    }
    if protocol.is_empty() {
        return Vec::new();
    }
    let (protocol, ports, icmp_type, icmp_code) = protocol_ports(&protocol, from, to);
    for p in peers.iter_mut().map(|p| &mut p.value) {
        p.protocol = Sp::new(protocol.clone());
        p.ports = ports.clone().map(Sp::new);
        p.icmp_type = icmp_type.map(Sp::new);
        p.icmp_code = icmp_code.map(Sp::new);
        p.description.clone_from(&description);
    }
    peers
}

/// The path of a shown attribute's last key under `base` (for the
/// unknown test of a gap's wording).
fn at_path<'a>(base: &[P<'a>], attr: &'a str) -> Vec<P<'a>> {
    let mut p = base.to_vec();
    if let Some(k) = attr.rsplit('.').next() {
        p.push(P::K(k));
    }
    p
}

/// Map the groups and every rule style.
pub(super) fn security_groups(cx: &mut Ctx) {
    let mut seen = Groups::default();
    for i in cx.of(&SG_KINDS) {
        let default = cx.res(i).kind == "aws_default_security_group";
        let vpc = match cx.link(i, "vpc_id", &["aws_vpc"]) {
            Ok((_, v)) => v,
            Err(why) => {
                cx.left_out(i, "vpc_id", &why);
                continue;
            }
        };
        let name = cx.emit(i, Some(&vpc));
        if default {
            cx.default_sg.insert(vpc.clone(), name.clone());
        }
        let r = cx.res(i);
        let description = match text(r, &[P::K("description")]) {
            Field::Set(d) => Some(d),
            _ => None,
        };
        let mut dirs: [Vec<Sp<SgRule>>; 2] = [Vec::new(), Vec::new()];
        let mut inline = false;
        for (d, dir) in ["ingress", "egress"].into_iter().enumerate() {
            let configured = cx.refs.configured(r, dir);
            inline |= configured == Some(true);
            match super::len(r, &[P::K(dir)]) {
                Field::Set(n) => {
                    for k in 0..n {
                        dirs[d].extend(read_rules(cx, i, &[P::K(dir), P::I(k)], &name, &INLINE));
                    }
                }
                Field::Unset => {}
                // Not in the configuration: no inline rules (AWS's
                // default allow-all egress is removed by Terraform; the
                // default group's rules are removed when it is adopted).
                Field::Unknown if configured == Some(false) => {}
                Field::Unknown => cx.attr_gap(
                    i,
                    dir,
                    "the group's inline rules",
                    GapKind::SecurityGroups,
                    Scope::Resources(vec![name.clone()]),
                ),
            }
        }
        seen.inline.insert(name.clone(), inline);
        let [ingress, egress] = dirs;
        let r = cx.res(i);
        cx.file.security_groups.push(Sp::new(SecurityGroup {
            name: Sp::new(name),
            aws_id: aws_id(r),
            vpc: Sp::new(vpc),
            description,
            ingress,
            egress,
            tags: tags(r),
        }));
    }
    for (kind, style) in [
        ("aws_security_group_rule", &RULE),
        ("aws_vpc_security_group_ingress_rule", &VPC_RULE),
        ("aws_vpc_security_group_egress_rule", &VPC_RULE),
    ] {
        for i in cx.of(&[kind]) {
            let sg = match cx.link(i, "security_group_id", &SG_KINDS) {
                Ok((_, g)) => g,
                // A rule of a group that is itself left out (in a VPC not
                // in the plan): whatever carries that group has a gap.
                Err(why) if matches!(cx.refs.target(cx.res(i), &[P::K("security_group_id")]), Target::To(g) if SG_KINDS.contains(&cx.res(g).kind.as_str())) =>
                {
                    cx.left_out(i, "security_group_id", &why);
                    continue;
                }
                Err(why) => {
                    cx.attr_gap(
                        i,
                        "security_group_id",
                        &format!("{why}; the rule is left out"),
                        GapKind::SecurityGroups,
                        Scope::Everywhere,
                    );
                    continue;
                }
            };
            let egress = match kind {
                "aws_vpc_security_group_egress_rule" => true,
                "aws_vpc_security_group_ingress_rule" => false,
                _ => match text(cx.res(i), &[P::K("type")]) {
                    Field::Set(t) => t == "egress",
                    _ => {
                        cx.attr_gap(
                            i,
                            "type",
                            "the rule's direction",
                            GapKind::SecurityGroups,
                            Scope::Resources(vec![sg.clone()]),
                        );
                        continue;
                    }
                },
            };
            seen.standalone
                .entry(sg.clone())
                .or_default()
                .push(cx.res(i).address.clone());
            let rules = read_rules(cx, i, &[], &sg, style);
            if let Some(g) = cx
                .file
                .security_groups
                .iter_mut()
                .find(|g| g.name.value == sg)
            {
                let list = if egress {
                    &mut g.value.egress
                } else {
                    &mut g.value.ingress
                };
                list.extend(rules);
            }
        }
    }
    for (sg, rules) in &seen.standalone {
        if seen.inline.get(sg) == Some(&true) {
            cx.gap(
                format!(
                    "security group `{sg}` has inline rules and standalone rule resources ({}): Terraform makes each overwrite the other at every apply, so its rules after apply are not decided",
                    rules
                        .iter()
                        .map(|r| format!("`{r}`"))
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
                GapKind::SecurityGroups,
                Scope::Resources(vec![sg.clone()]),
            );
        }
    }
}

/// The security group that an interface of `vpc` with none gets: the
/// plan's `aws_default_security_group` of that VPC, or else AWS's default
/// group (all inbound from itself, all outbound), added once as
/// `<vpc>:default-security-group`.
pub(super) fn default_group(cx: &mut Ctx, vpc: &str) -> String {
    if let Some(g) = cx.default_sg.get(vpc) {
        return g.clone();
    }
    let name = format!("{vpc}:default-security-group");
    let all = |peer: SgRule| {
        Sp::new(SgRule {
            protocol: Sp::new(Scalar("all".to_owned())),
            ..peer
        })
    };
    let mut egress = vec![all(SgRule {
        cidr: Some(Sp::new("0.0.0.0/0".to_owned())),
        ..SgRule::default()
    })];
    let v6 = cx
        .file
        .vpcs
        .iter()
        .any(|v| v.name.value == vpc && !v.ipv6_cidrs.is_empty());
    if v6 {
        egress.push(all(SgRule {
            cidr: Some(Sp::new("::/0".to_owned())),
            ..SgRule::default()
        }));
    }
    cx.file.security_groups.push(Sp::new(SecurityGroup {
        name: Sp::new(name.clone()),
        vpc: Sp::new(vpc.to_owned()),
        description: Some(
            "the VPC's default security group, which AWS creates with the VPC".to_owned(),
        ),
        ingress: vec![all(SgRule {
            security_group: Some(Sp::new(name.clone())),
            ..SgRule::default()
        })],
        egress,
        ..SecurityGroup::default()
    }));
    cx.vpc_of.insert(name.clone(), vpc.to_owned());
    cx.default_sg.insert(vpc.to_owned(), name.clone());
    name
}
