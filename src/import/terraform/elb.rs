//! Classic Load Balancers: `aws_elb`, the registrations of
//! `aws_elb_attachment`, and those of autoscaling groups
//! (`load_balancers`, `aws_autoscaling_attachment.elb`).
//!
//! The AWS provider's semantics that change verdicts:
//! - without `subnets` the load balancer is placed by Availability Zone in
//!   the default VPC, which a plan does not hold: it is left out with a
//!   note, since it reaches only instances of that VPC (left out too, each
//!   with its own gap) and its own listeners are what a load balancer is
//!   allowed to expose;
//! - `internal` defaults to false (internet-facing);
//! - without `security_groups`, AWS gives it the VPC's default group;
//! - `cross_zone_load_balancing` defaults to true in the provider; known
//!   only after apply, it is left unknown (C-14.5).
//!
//! `aws_load_balancer_policy`, `aws_load_balancer_listener_policy`,
//! `aws_load_balancer_backend_server_policy`, `aws_lb_ssl_negotiation_policy`
//! and the stickiness policies are not read: they set proxy protocol, TLS
//! negotiation, back-end authentication and session stickiness, none of
//! which changes which packets reach a listener or which instance ports
//! the load balancer opens connections to.

use crate::model::format::{GapKind, Listener, LoadBalancer};
use crate::model::spanned::Sp;

use super::asg::instances_of;
use super::compute::groups;
use super::plan::P;
use super::{Ctx, Field, Scope, Target, Val, flag, int, len, tags, text};

const ELB: [&str; 1] = ["aws_elb"];

/// `aws_elb`, then the registrations made elsewhere.
pub(super) fn classic_load_balancers(cx: &mut Ctx) {
    for i in cx.of(&ELB) {
        classic(cx, i);
    }
    for i in cx.of(&["aws_elb_attachment"]) {
        let Some(lb) = cx.link_or_leave_out(i, ("elb", &ELB, "attachment"), GapKind::LoadBalancers)
        else {
            continue;
        };
        match cx.link(i, "instance", &["aws_instance"]) {
            Ok((_, inst)) => register(cx, &lb, &[inst]),
            Err(why) => cx.attr_gap(
                i,
                "instance",
                &format!("{why}; an instance registered with `{lb}` is not known"),
                GapKind::LoadBalancers,
                Scope::Resources(vec![lb.clone()]),
            ),
        }
    }
    autoscaling_registrations(cx);
}

/// One `aws_elb`.
fn classic(cx: &mut Ctx, i: usize) {
    let r = cx.res(i);
    let mut subnets: Vec<String> = Vec::new();
    let mut unknown = Vec::new();
    for t in cx.configured_targets(i, "subnets") {
        match cx.resolve(&t, &["aws_subnet"]) {
            Ok((_, s)) if !subnets.contains(&s) => subnets.push(s),
            Ok(_) => {}
            Err(why) => unknown.push(why),
        }
    }
    if subnets.is_empty() && unknown.is_empty() && cx.refs.configured(r, "subnets") != Some(true) {
        cx.notes.push(format!(
                "`{}` is left out: `subnets` is not set, so the classic load balancer is placed by Availability Zone in the default VPC, which is not in this plan; it can reach only instances of that VPC, and its listeners are what a load balancer may expose",
                r.address
            ));
        return;
    }
    let Some((name, vpc)) = super::compute::place_lb(cx, i, &subnets, unknown) else {
        return;
    };
    let scheme = match flag(r, &[P::K("internal")]) {
        Field::Set(true) => "internal",
        Field::Set(false) | Field::Unset => "internet-facing",
        // Computed by the provider when not configured: AWS's default.
        Field::Unknown if cx.refs.configured(r, "internal") != Some(true) => "internet-facing",
        Field::Unknown => {
            cx.attr_gap(
                i,
                "internal",
                "whether the load balancer is internet-facing; netverify assumes it is",
                GapKind::LoadBalancers,
                Scope::Resources(vec![name.clone()]),
            );
            "internet-facing"
        }
    };
    let cross_zone = match flag(r, &[P::K("cross_zone_load_balancing")]) {
        Field::Set(b) => Some(b),
        Field::Unset => Some(true),
        Field::Unknown => None,
    };
    let sgs = groups(cx, i, "security_groups", &vpc, &name);
    let listeners = listeners(cx, i, &name);
    let mut instances = Vec::new();
    for t in cx.configured_targets(i, "instances") {
        match cx.resolve(&t, &["aws_instance"]) {
            Ok((_, n)) => {
                if !instances.contains(&n) {
                    instances.push(n);
                }
            }
            Err(why) => cx.attr_gap(
                i,
                "instances",
                &format!("{why}; an instance registered with `{name}` is not known"),
                GapKind::LoadBalancers,
                Scope::Resources(vec![name.clone()]),
            ),
        }
    }
    let r = cx.res(i);
    cx.file.load_balancers.push(Sp::new(LoadBalancer {
        name: Sp::new(name),
        aws_id: match text(r, &[P::K("arn")]) {
            Field::Set(a) => Some(a),
            _ => None,
        },
        kind: Sp::new("classic".to_owned()),
        scheme: Sp::new(scheme.to_owned()),
        ip_address_type: None,
        subnets: subnets.into_iter().map(Sp::new).collect(),
        security_groups: sgs,
        listeners,
        instances: instances.into_iter().map(Sp::new).collect(),
        cross_zone,
        tags: tags(r),
    }));
}

/// The `listener` blocks of `aws_elb` `i`; one known only after apply is
/// a gap on the load balancer.
fn listeners(cx: &mut Ctx, i: usize, name: &str) -> Vec<Sp<Listener>> {
    let r = cx.res(i);
    let n = match len(r, &[P::K("listener")]) {
        Field::Set(n) => n,
        Field::Unset => 0,
        Field::Unknown => {
            cx.attr_gap(
                i,
                "listener",
                &format!("the listeners of `{name}` are not known"),
                GapKind::LoadBalancers,
                Scope::Resources(vec![name.to_owned()]),
            );
            return Vec::new();
        }
    };
    let mut out = Vec::new();
    for k in 0..n {
        let at = |key: &'static str| [P::K("listener"), P::I(k), P::K(key)];
        let (lb_proto, lb_port, proto, port) = (
            text(r, &at("lb_protocol")),
            int(r, &at("lb_port")),
            text(r, &at("instance_protocol")),
            int(r, &at("instance_port")),
        );
        let (Field::Set(lb_proto), Field::Set(lb_port), Field::Set(proto), Field::Set(port)) =
            (lb_proto, lb_port, proto, port)
        else {
            cx.attr_gap(
                i,
                "listener",
                &format!(
                    "a listener's protocol or port; load balancer `{name}` is not fully known"
                ),
                GapKind::LoadBalancers,
                Scope::Resources(vec![name.to_owned()]),
            );
            continue;
        };
        let pos = cx.pos(i, &at("lb_port"));
        let ipos = cx.pos(i, &at("instance_port"));
        out.push(Sp::new(Listener {
            protocol: Sp::new(lb_proto.to_ascii_uppercase()),
            port: Sp::at(u32::try_from(lb_port).unwrap_or(0), pos),
            target_group: None,
            instance_protocol: Some(Sp::new(proto.to_ascii_uppercase())),
            instance_port: Some(Sp::at(u32::try_from(port).unwrap_or(0), ipos)),
        }));
    }
    out
}

/// Adds `instances` to classic load balancer `lb`'s registrations.
pub(super) fn register(cx: &mut Ctx, lb: &str, instances: &[String]) {
    if let Some(l) = cx
        .file
        .load_balancers
        .iter_mut()
        .find(|l| l.name.value == lb)
    {
        for inst in instances {
            if !l.instances.iter().any(|x| x.value == *inst) {
                l.value.instances.push(Sp::new(inst.clone()));
            }
        }
    }
}

/// Autoscaling groups register their instances with classic load
/// balancers through `load_balancers` (names) and through
/// `aws_autoscaling_attachment.elb`.
fn autoscaling_registrations(cx: &mut Ctx) {
    for (i, asg) in super::asg::mapped_asgs(cx) {
        for t in cx.configured_targets(i, "load_balancers") {
            let t = by_elb_name(cx, t);
            match cx.resolve(&t, &ELB) {
                Ok((_, lb)) => {
                    let insts = instances_of(cx, &asg);
                    register(cx, &lb, &insts);
                }
                Err(why) => cx.attr_gap(
                    i,
                    "load_balancers",
                    &format!(
                        "{why}; a classic load balancer of the group's instances is not known"
                    ),
                    GapKind::LoadBalancers,
                    Scope::Everywhere,
                ),
            }
        }
    }
}

/// A classic load balancer named by its `name` (what `load_balancers` and
/// `elb` hold) rather than by reference.
pub(super) fn by_elb_name(cx: &Ctx, t: Target) -> Target {
    match t {
        Target::External(n) => cx
            .plan
            .resources
            .iter()
            .position(|x| {
                x.kind == "aws_elb"
                    && matches!(x.get(&[P::K("name")]), Val::Known(serde_json::Value::String(s)) if *s == n)
            })
            .map_or(Target::External(n), Target::To),
        t => t,
    }
}
