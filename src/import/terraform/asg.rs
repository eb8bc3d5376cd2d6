//! Auto Scaling groups as templates: `aws_autoscaling_group` with its
//! `aws_launch_template` or `aws_launch_configuration` becomes one
//! instance in each of its subnets (`<group>:<subnet>`, with the interface
//! `<group>:<subnet>:eni`), with the template's security groups and public
//! address choice. Whatever the group's size, one instance per subnet
//! stands for all of them: they share subnet, groups and rules, so they
//! share every verdict. The instances' addresses are known only after
//! apply: stand-ins, as for `aws_instance`.
//!
//! The AWS provider's semantics that change verdicts:
//! - a launch template's groups are its first network interface's
//!   `security_groups` when it has one, else `vpc_security_group_ids`; no
//!   groups at all gives the VPC's default group;
//! - the public address: the template interface's
//!   `associate_public_ip_address` (`"true"`/`"false"`), or the launch
//!   configuration's, and otherwise the subnet's `map_public_ip_on_launch`;
//! - `max_size = 0` launches nothing;
//! - `target_group_arns` and `aws_autoscaling_attachment` register every
//!   instance with the target groups.

use serde_json::Value;

use crate::model::format::{GapKind, Instance, NetworkInterface, Target as LbTarget};
use crate::model::spanned::Sp;

use super::compute::{groups, subnet_public_ip};
use super::plan::P;
use super::{Ctx, Field, Scope, Target, Val, int, tags};

const TEMPLATES: [&str; 2] = ["aws_launch_template", "aws_launch_configuration"];
const TG_KINDS: [&str; 2] = ["aws_lb_target_group", "aws_alb_target_group"];

/// The launch template or configuration that group `i` launches from.
fn template_of(cx: &Ctx, i: usize) -> Result<usize, String> {
    let r = cx.res(i);
    let paths: [&[P]; 4] = [
        &[P::K("launch_template"), P::I(0), P::K("id")],
        &[P::K("launch_template"), P::I(0), P::K("name")],
        &[
            P::K("mixed_instances_policy"),
            P::I(0),
            P::K("launch_template"),
            P::I(0),
            P::K("launch_template_specification"),
            P::I(0),
            P::K("launch_template_id"),
        ],
        &[P::K("launch_configuration")],
    ];
    let mut why = "it names no launch template or launch configuration".to_owned();
    for path in paths {
        let t = match cx.refs.target(r, path) {
            // A template named by its name, not its id.
            Target::External(n) => cx
                .plan
                .resources
                .iter()
                .position(|x| {
                    TEMPLATES.contains(&x.kind.as_str())
                        && matches!(x.get(&[P::K("name")]), Val::Known(Value::String(s)) if *s == n)
                })
                .map_or(Target::External(n), Target::To),
            t => t,
        };
        match t {
            Target::Absent => {}
            Target::To(x) if TEMPLATES.contains(&cx.res(x).kind.as_str()) => return Ok(x),
            other => {
                why = match cx.resolve(&other, &TEMPLATES) {
                    Err(w) => w,
                    Ok(_) => why,
                };
            }
        }
    }
    Err(why)
}

/// The launch template an `aws_instance` is launched from, if any; one
/// that is not in the plan is a gap on the instance's interface `eni`
/// (its groups and public address are then not known).
pub(super) fn instance_template(cx: &mut Ctx, i: usize, eni: &str) -> Option<usize> {
    if cx.refs.configured(cx.res(i), "launch_template") != Some(true)
        && !matches!(
            cx.res(i).get(&[P::K("launch_template"), P::I(0)]),
            Val::Known(_)
        )
    {
        return None;
    }
    match template_of(cx, i) {
        Ok(t) => Some(t),
        Err(why) => {
            cx.attr_gap(
                i,
                "launch_template",
                &format!("{why}; the groups and public address it gives `{eni}` are not known"),
                GapKind::SecurityGroups,
                Scope::Resources(vec![eni.to_owned()]),
            );
            None
        }
    }
}

/// The template's security groups for an instance of group `asg` in
/// `vpc`, named `eni`.
pub(super) fn template_groups(cx: &mut Ctx, t: usize, vpc: &str, eni: &str) -> Vec<Sp<String>> {
    let r = cx.res(t);
    if r.kind == "aws_launch_configuration" {
        return groups(cx, t, "security_groups", vpc, eni);
    }
    let nic = [P::K("network_interfaces"), P::I(0), P::K("security_groups")];
    let nic_groups = cx.refs.targets(r, &nic);
    if nic_groups.is_empty() {
        return groups(cx, t, "vpc_security_group_ids", vpc, eni);
    }
    let mut out: Vec<Sp<String>> = Vec::new();
    for g in nic_groups {
        match cx.resolve(&g, &["aws_security_group", "aws_default_security_group"]) {
            Ok((_, n)) => {
                if !out.iter().any(|x| x.value == n) {
                    out.push(Sp::new(n));
                }
            }
            Err(why) => cx.attr_gap(
                t,
                "network_interfaces",
                &format!("{why}; a security group of `{eni}` is not known"),
                GapKind::SecurityGroups,
                Scope::Resources(vec![eni.to_owned()]),
            ),
        }
    }
    out
}

/// The template's own public-address choice: `Some(true/false)`, or
/// `None` when it leaves it to the subnet. Unknown: a gap, taken as yes.
pub(super) fn template_public(cx: &mut Ctx, t: usize, eni: &str) -> Option<bool> {
    let r = cx.res(t);
    let path: &[P] = if r.kind == "aws_launch_configuration" {
        &[P::K("associate_public_ip_address")]
    } else {
        &[
            P::K("network_interfaces"),
            P::I(0),
            P::K("associate_public_ip_address"),
        ]
    };
    match r.get(path) {
        Val::Known(Value::Bool(b)) => Some(*b),
        Val::Known(Value::String(s)) if s == "true" => Some(true),
        Val::Known(Value::String(s)) if s == "false" => Some(false),
        Val::Unknown | Val::Sensitive => {
            cx.attr_gap(
                t,
                if r.kind == "aws_launch_configuration" {
                    "associate_public_ip_address"
                } else {
                    "network_interfaces"
                },
                &format!("whether `{eni}` gets a public IPv4 address; netverify assumes it does"),
                GapKind::Other,
                Scope::Resources(vec![eni.to_owned()]),
            );
            Some(true)
        }
        _ => None,
    }
}

/// The instances of every Auto Scaling group (before the stand-in
/// addresses are given).
pub(super) fn autoscaling_groups(cx: &mut Ctx) {
    // Templates are read through the groups that use them.
    cx.of(&TEMPLATES);
    for i in cx.of(&["aws_autoscaling_group"]) {
        let t = match template_of(cx, i) {
            Ok(t) => t,
            Err(why) => {
                cx.attr_gap(
                    i,
                    "launch_template",
                    &format!("{why}; the group's instances are left out"),
                    GapKind::Resources,
                    Scope::Everywhere,
                );
                continue;
            }
        };
        if int(cx.res(i), &[P::K("max_size")]) == Field::Set(0) {
            cx.notes.push(format!(
                "`{}` has `max_size = 0`: it launches no instances",
                cx.res(i).address
            ));
            continue;
        }
        let mut subnets = Vec::new();
        for s in cx.configured_targets(i, "vpc_zone_identifier") {
            match cx.resolve(&s, &["aws_subnet"]) {
                Ok((_, n)) => subnets.push(n),
                Err(why) => cx.attr_gap(
                    i,
                    "vpc_zone_identifier",
                    &format!("{why}; the group's instances in that subnet are left out"),
                    GapKind::Resources,
                    Scope::Everywhere,
                ),
            }
        }
        if subnets.is_empty() && cx.refs.configured(cx.res(i), "vpc_zone_identifier") != Some(true)
        {
            cx.gap(
                format!(
                    "`{}.vpc_zone_identifier` is not set, so the group launches into the default VPC, which is not in this plan; its instances are left out",
                    cx.res(i).address
                ),
                GapKind::Resources,
                Scope::Everywhere,
            );
        }
        let asg = cx.emit(i, None);
        for subnet in subnets {
            let vpc = cx.vpc_of.get(&subnet).cloned().unwrap_or_default();
            let inst = format!("{asg}:{subnet}");
            let eni = format!("{inst}:eni");
            cx.vpc_of.insert(inst.clone(), vpc.clone());
            cx.vpc_of.insert(eni.clone(), vpc.clone());
            cx.primary_eni.insert(inst.clone(), eni.clone());
            let sgs = template_groups(cx, t, &vpc, &eni);
            let public = match template_public(cx, t, &eni) {
                Some(true) => Some("auto".to_owned()),
                Some(false) => None,
                None => subnet_public_ip(cx, &subnet, &inst, &eni),
            };
            let r = cx.res(i);
            cx.file.instances.push(Sp::new(Instance {
                name: Sp::new(inst.clone()),
                aws_id: None,
                tags: tags(r),
            }));
            cx.file.network_interfaces.push(Sp::new(NetworkInterface {
                name: Sp::new(eni.clone()),
                subnet: Sp::new(subnet.clone()),
                instance: Some(Sp::new(inst)),
                security_groups: sgs,
                ..NetworkInterface::default()
            }));
            cx.stand_ins.push((i, eni, subnet, public));
        }
    }
}

/// The instances of group `asg` (by its topology name).
pub(super) fn instances_of(cx: &Ctx, asg: &str) -> Vec<String> {
    let prefix = format!("{asg}:");
    cx.file
        .instances
        .iter()
        .filter(|x| x.name.value.starts_with(&prefix))
        .map(|x| x.name.value.clone())
        .collect()
}

fn register(cx: &mut Ctx, tg: &str, asg: &str) {
    let insts = instances_of(cx, asg);
    if let Some(g) = cx
        .file
        .target_groups
        .iter_mut()
        .find(|g| g.name.value == tg)
    {
        for inst in insts {
            g.value.targets.push(Sp::new(LbTarget {
                instance: Some(Sp::new(inst)),
                ..LbTarget::default()
            }));
        }
    }
}

/// Target group registrations (after the target groups are mapped).
pub(super) fn lb_targets(cx: &mut Ctx) {
    for (i, asg) in mapped_asgs(cx) {
        for t in cx.configured_targets(i, "target_group_arns") {
            match cx.resolve(&t, &TG_KINDS) {
                Ok((_, tg)) => register(cx, &tg, &asg),
                Err(why) => cx.attr_gap(
                    i,
                    "target_group_arns",
                    &format!("{why}; a target group of the group's instances is not known"),
                    GapKind::LoadBalancers,
                    Scope::Everywhere,
                ),
            }
        }
    }
    for i in cx.of(&["aws_autoscaling_attachment"]) {
        let r = cx.res(i);
        let asg = match cx.refs.target(r, &[P::K("autoscaling_group_name")]) {
            Target::External(n) => cx
                .plan
                .resources
                .iter()
                .position(|x| {
                    x.kind == "aws_autoscaling_group"
                        && matches!(x.get(&[P::K("name")]), Val::Known(Value::String(s)) if *s == n)
                })
                .map_or(Target::External(n), Target::To),
            t => t,
        };
        let asg = match cx.resolve(&asg, &["aws_autoscaling_group"]) {
            Ok((_, a)) => a,
            Err(why) => {
                cx.attr_gap(
                    i,
                    "autoscaling_group_name",
                    &format!("{why}; the attachment is left out"),
                    GapKind::LoadBalancers,
                    Scope::Everywhere,
                );
                continue;
            }
        };
        let attr = if matches!(
            cx.refs.target(cx.res(i), &[P::K("lb_target_group_arn")]),
            Target::Absent
        ) {
            "alb_target_group_arn"
        } else {
            "lb_target_group_arn"
        };
        let elb = cx.refs.target(cx.res(i), &[P::K("elb")]);
        if elb != Target::Absent {
            let elb = super::elb::by_elb_name(cx, elb);
            match cx.resolve(&elb, &["aws_elb"]) {
                Ok((_, lb)) => {
                    let insts = instances_of(cx, &asg);
                    super::elb::register(cx, &lb, &insts);
                }
                Err(why) => cx.attr_gap(
                    i,
                    "elb",
                    &format!("{why}; the group's instances registered with it are left out"),
                    GapKind::LoadBalancers,
                    Scope::Everywhere,
                ),
            }
            continue;
        }
        if let Some(tg) =
            cx.link_or_leave_out(i, (attr, &TG_KINDS, "attachment"), GapKind::LoadBalancers)
        {
            register(cx, &tg, &asg);
        }
    }
}

/// The autoscaling groups the plan maps, with their names.
pub(super) fn mapped_asgs(cx: &Ctx) -> Vec<(usize, String)> {
    cx.plan
        .resources
        .iter()
        .enumerate()
        .filter(|(_, r)| r.kind == "aws_autoscaling_group")
        .filter_map(|(i, _)| cx.name(i).map(|n| (i, n.to_owned())))
        .collect()
}
