//! Instances, network interfaces and their attachments, Elastic IPs, load
//! balancers with listeners and target groups; and the stand-in addresses
//! of interfaces whose private IP is known only after apply.
//!
//! The AWS provider's semantics that change verdicts:
//! - an instance gets a public IPv4 address when `associate_public_ip_address`
//!   says so, and otherwise when its subnet's `map_public_ip_on_launch` does;
//! - an Elastic IP (`aws_eip` with `instance`/`network_interface`, or
//!   `aws_eip_association`) maps a public address to the primary private IP
//!   (or `associate_with_private_ip` / `private_ip_address`);
//! - an interface (or an ALB) without security groups gets the VPC's default
//!   group.

use std::collections::{BTreeSet, HashMap};
use std::net::Ipv4Addr;

use ipnet::Ipv4Net;

use crate::model::format::{
    GapKind, Instance, Listener, LoadBalancer, NetworkInterface, PrivateIp, Target as LbTarget,
    TargetGroup,
};
use crate::model::spanned::Sp;

use super::plan::P;
use super::sg::default_group;
use super::{Ctx, Field, Scope, Target, Val, aws_id, flag, int, len, tags, text, texts};

const SG_KINDS: [&str; 2] = ["aws_security_group", "aws_default_security_group"];

/// The security groups at `attr` of resource `i` (in `vpc`), for
/// interface `owner`: the VPC's default group when none are configured.
pub(super) fn groups(
    cx: &mut Ctx,
    i: usize,
    attr: &str,
    vpc: &str,
    owner: &str,
) -> Vec<Sp<String>> {
    let r = cx.res(i);
    if cx.refs.configured(r, attr) == Some(false) || matches!(r.get(&[P::K(attr)]), Val::Null) {
        return vec![Sp::new(default_group(cx, vpc))];
    }
    let mut out: Vec<Sp<String>> = Vec::new();
    let mut seen = BTreeSet::new();
    for t in cx.refs.targets(r, &[P::K(attr)]) {
        match cx.resolve(&t, &SG_KINDS) {
            Ok((_, g)) => {
                if seen.insert(g.clone()) {
                    out.push(Sp::new(g));
                }
            }
            Err(why) => cx.attr_gap(
                i,
                attr,
                &format!("{why}; a security group of `{owner}` is not known"),
                GapKind::SecurityGroups,
                Scope::Resources(vec![owner.to_owned()]),
            ),
        }
    }
    if out.is_empty() {
        out.push(Sp::new(default_group(cx, vpc)));
    }
    out
}

/// A private address, or `None` to get a stand-in later.
fn private_ip(r: &super::Res, attr: &str) -> Option<String> {
    match text(r, &[P::K(attr)]) {
        Field::Set(a) => Some(a),
        _ => None,
    }
}

/// Whether an instance `name` launched into `subnet` without its own
/// choice gets a public IPv4 address: the subnet's
/// `map_public_ip_on_launch` (a gap on interface `eni` when unknown,
/// assuming it does).
pub(super) fn subnet_public_ip(
    cx: &mut Ctx,
    subnet: &str,
    name: &str,
    eni: &str,
) -> Option<String> {
    match cx.subnet_public_ip.get(subnet).cloned() {
        Some((_, Field::Set(true))) => Some("auto".to_owned()),
        Some((s, Field::Unknown)) => {
            cx.attr_gap(
                s,
                "map_public_ip_on_launch",
                &format!("whether `{name}` gets a public IPv4 address; netverify assumes it does"),
                GapKind::Other,
                Scope::Resources(vec![eni.to_owned()]),
            );
            Some("auto".to_owned())
        }
        _ => None,
    }
}

/// `aws_instance`: an instance and its primary interface (`<addr>:eni`),
/// unless it attaches interfaces declared as `aws_network_interface`.
pub(super) fn instances(cx: &mut Ctx) {
    for i in cx.of(&["aws_instance"]) {
        let r = cx.res(i);
        let attached = match len(r, &[P::K("network_interface")]) {
            Field::Set(n) => n,
            _ => 0,
        };
        if attached > 0 {
            let name = cx.emit(i, None);
            for k in 0..attached {
                let t = cx.refs.target(
                    r,
                    &[
                        P::K("network_interface"),
                        P::I(k),
                        P::K("network_interface_id"),
                    ],
                );
                match t {
                    Target::To(e) => {
                        cx.attach.insert(e, name.clone());
                    }
                    other => {
                        let why = cx
                            .resolve(&other, &["aws_network_interface"])
                            .err()
                            .unwrap_or_default();
                        cx.attr_gap(
                            i,
                            "network_interface",
                            &format!("{why}; an interface of the instance is not known"),
                            GapKind::Resources,
                            Scope::Resources(vec![name.clone()]),
                        );
                    }
                }
            }
            cx.file.instances.push(Sp::new(Instance {
                name: Sp::new(name),
                aws_id: aws_id(r),
                tags: tags(r),
            }));
            continue;
        }
        let subnet = match cx.link(i, "subnet_id", &["aws_subnet"]) {
            Ok((_, s)) => s,
            Err(why) => {
                let why = if matches!(r.get(&[P::K("subnet_id")]), Val::Null) {
                    "it is not set, so the instance goes to the default VPC, which is not in this plan".to_owned()
                } else {
                    why
                };
                cx.attr_gap(
                    i,
                    "subnet_id",
                    &format!("{why}; the instance is left out"),
                    GapKind::Resources,
                    Scope::Everywhere,
                );
                continue;
            }
        };
        let vpc = cx.vpc_of.get(&subnet).cloned().unwrap_or_default();
        let name = cx.emit(i, Some(&vpc));
        let eni = format!("{name}:eni");
        cx.vpc_of.insert(eni.clone(), vpc.clone());
        cx.primary_eni.insert(name.clone(), eni.clone());
        // An instance launched from a launch template takes the
        // template's groups and public-address choice where it sets none.
        let template = super::asg::instance_template(cx, i, &eni);
        let sgs = match template {
            Some(t) if cx.refs.configured(cx.res(i), "vpc_security_group_ids") != Some(true) => {
                super::asg::template_groups(cx, t, &vpc, &eni)
            }
            _ => groups(cx, i, "vpc_security_group_ids", &vpc, &eni),
        };
        let r = cx.res(i);
        if let Field::Set(named) = texts(r, &[P::K("security_groups")])
            && !named.is_empty()
            && cx.refs.configured(r, "security_groups") == Some(true)
        {
            cx.attr_gap(
                i,
                "security_groups",
                "security groups by name (EC2-Classic or the default VPC) are not read",
                GapKind::SecurityGroups,
                Scope::Resources(vec![eni.clone()]),
            );
        }
        // The public IPv4 address.
        let public = match text(r, &[P::K("public_ip")]) {
            Field::Set(a) => Some(a),
            _ => match flag(r, &[P::K("associate_public_ip_address")]) {
                Field::Set(true) => Some("auto".to_owned()),
                Field::Set(false) => None,
                other => {
                    if other == Field::Unknown
                        && cx.refs.configured(r, "associate_public_ip_address") == Some(true)
                    {
                        cx.attr_gap(
                            i,
                            "associate_public_ip_address",
                            "whether the instance gets a public IPv4 address; netverify assumes it does",
                            GapKind::Other,
                            Scope::Resources(vec![eni.clone()]),
                        );
                        Some("auto".to_owned())
                    } else {
                        match template.and_then(|t| super::asg::template_public(cx, t, &eni)) {
                            Some(true) => Some("auto".to_owned()),
                            Some(false) => None,
                            None => subnet_public_ip(cx, &subnet, &name, &eni),
                        }
                    }
                }
            },
        };
        let r = cx.res(i);
        let mut ips = Vec::new();
        match private_ip(r, "private_ip") {
            Some(a) => ips.push(Sp::new(PrivateIp {
                address: Sp::new(a),
                public_ip: public.map(Sp::new),
                eip_allocation: None,
            })),
            None => cx.stand_ins.push((i, eni.clone(), subnet.clone(), public)),
        }
        if let Field::Set(more) = texts(r, &[P::K("secondary_private_ips")]) {
            ips.extend(more.into_iter().map(|a| {
                Sp::new(PrivateIp {
                    address: Sp::new(a),
                    ..PrivateIp::default()
                })
            }));
        }
        let ipv6 = ipv6_addresses(cx, i, &eni);
        let r = cx.res(i);
        let sdc = match flag(r, &[P::K("source_dest_check")]) {
            Field::Set(b) => Some(b),
            _ => None,
        };
        cx.file.instances.push(Sp::new(Instance {
            name: Sp::new(name.clone()),
            aws_id: aws_id(r),
            tags: tags(r),
        }));
        cx.file.network_interfaces.push(Sp::new(NetworkInterface {
            name: Sp::new(eni),
            aws_id: match text(r, &[P::K("primary_network_interface_id")]) {
                Field::Set(id) => Some(id),
                _ => None,
            },
            subnet: Sp::new(subnet),
            instance: Some(Sp::new(name)),
            private_ips: ips,
            ipv6_addresses: ipv6,
            security_groups: sgs,
            source_dest_check: sdc,
            ..NetworkInterface::default()
        }));
    }
}

/// Known IPv6 addresses; a gap when some are to be assigned at apply.
fn ipv6_addresses(cx: &mut Ctx, i: usize, owner: &str) -> Vec<Sp<String>> {
    let r = cx.res(i);
    match texts(r, &[P::K("ipv6_addresses")]) {
        Field::Set(v) => v.into_iter().map(Sp::new).collect(),
        Field::Unset => Vec::new(),
        Field::Unknown => {
            let wanted = matches!(int(r, &[P::K("ipv6_address_count")]), Field::Set(n) if n > 0)
                || cx.refs.configured(r, "ipv6_addresses") == Some(true)
                || cx.refs.configured(r, "ipv6_address_count") == Some(true);
            if wanted {
                cx.attr_gap(
                    i,
                    "ipv6_addresses",
                    "the interface's IPv6 addresses, and so its IPv6 paths",
                    GapKind::Other,
                    Scope::Resources(vec![owner.to_owned()]),
                );
            }
            Vec::new()
        }
    }
}

/// `aws_network_interface` and `aws_network_interface_attachment`.
pub(super) fn interfaces(cx: &mut Ctx) {
    for i in cx.of(&["aws_network_interface_attachment"]) {
        let link = cx.link(i, "instance_id", &["aws_instance"]);
        let r = cx.res(i);
        match (cx.refs.target(r, &[P::K("network_interface_id")]), link) {
            (Target::To(e), Ok((_, inst))) => {
                cx.attach.insert(e, inst);
            }
            (_, Err(why)) => cx.attr_gap(
                i,
                "instance_id",
                &why,
                GapKind::Resources,
                Scope::Everywhere,
            ),
            (t, Ok(_)) => {
                let why = cx
                    .resolve(&t, &["aws_network_interface"])
                    .err()
                    .unwrap_or_default();
                cx.attr_gap(
                    i,
                    "network_interface_id",
                    &why,
                    GapKind::Resources,
                    Scope::Everywhere,
                );
            }
        }
    }
    for i in cx.of(&["aws_network_interface"]) {
        let Some(subnet) = cx.link_or_leave_out(
            i,
            ("subnet_id", &["aws_subnet"], "interface"),
            GapKind::Resources,
        ) else {
            continue;
        };
        let vpc = cx.vpc_of.get(&subnet).cloned().unwrap_or_default();
        let name = cx.emit(i, Some(&vpc));
        let sgs = groups(cx, i, "security_groups", &vpc, &name);
        let r = cx.res(i);
        // Attached by an inline `attachment` block, an instance's
        // `network_interface` block, or an attachment resource.
        let mut instance = cx.attach.get(&i).cloned();
        if let Field::Set(n) = len(r, &[P::K("attachment")]) {
            for k in 0..n {
                let t = cx
                    .refs
                    .target(r, &[P::K("attachment"), P::I(k), P::K("instance")]);
                if let Ok((_, inst)) = cx.resolve(&t, &["aws_instance"]) {
                    instance = Some(inst);
                }
            }
        }
        let mut ips: Vec<Sp<PrivateIp>> = Vec::new();
        match texts(r, &[P::K("private_ips")]) {
            Field::Set(v) if !v.is_empty() => {
                // The primary address first when the plan names it.
                let primary = private_ip(r, "private_ip");
                let mut v = v;
                if let Some(p) = &primary {
                    v.sort_by_key(|a| a != p);
                }
                ips.extend(v.into_iter().map(|a| {
                    Sp::new(PrivateIp {
                        address: Sp::new(a),
                        ..PrivateIp::default()
                    })
                }));
            }
            _ => match private_ip(r, "private_ip") {
                Some(a) => ips.push(Sp::new(PrivateIp {
                    address: Sp::new(a),
                    ..PrivateIp::default()
                })),
                None => cx.stand_ins.push((i, name.clone(), subnet.clone(), None)),
            },
        }
        if let Some(inst) = &instance {
            cx.primary_eni
                .entry(inst.clone())
                .or_insert_with(|| name.clone());
        }
        let ipv6 = ipv6_addresses(cx, i, &name);
        let r = cx.res(i);
        let sdc = match flag(r, &[P::K("source_dest_check")]) {
            Field::Set(b) => Some(b),
            _ => None,
        };
        cx.file.network_interfaces.push(Sp::new(NetworkInterface {
            name: Sp::new(name),
            aws_id: aws_id(r),
            subnet: Sp::new(subnet),
            attached: if instance.is_none() {
                Some(false)
            } else {
                None
            },
            instance: instance.map(Sp::new),
            private_ips: ips,
            ipv6_addresses: ipv6,
            security_groups: sgs,
            source_dest_check: sdc,
            tags: tags(r),
            ..NetworkInterface::default()
        }));
    }
}

/// Give every interface whose private IP is known only after apply a
/// stand-in: the first free address of its subnet (AWS reserves the first
/// four and the last).
pub(super) fn stand_in_addresses(cx: &mut Ctx) {
    let pending = std::mem::take(&mut cx.stand_ins);
    let mut used: HashMap<String, BTreeSet<Ipv4Addr>> = HashMap::new();
    for e in &cx.file.network_interfaces {
        for ip in &e.private_ips {
            if let Ok(a) = ip.address.value.parse() {
                used.entry(e.subnet.value.clone()).or_default().insert(a);
            }
        }
    }
    for n in &cx.file.nat_gateways {
        if let Some(Ok(a)) = n.private_ip.as_ref().map(|p| p.value.parse()) {
            used.entry(n.subnet.value.clone()).or_default().insert(a);
        }
    }
    for (i, eni, subnet, public) in pending {
        let cidr: Option<Ipv4Net> = cx
            .file
            .subnets
            .iter()
            .find(|s| s.name.value == subnet)
            .and_then(|s| s.cidr.as_ref())
            .and_then(|c| c.value.parse().ok());
        let taken = used.entry(subnet.clone()).or_default();
        let free = cidr.and_then(|net| {
            net.hosts()
                .skip(3)
                .take_while(|a| *a != net.broadcast())
                .find(|a| !taken.contains(a))
        });
        let Some(addr) = free else {
            cx.attr_gap(
                i,
                "private_ip",
                &format!("subnet `{subnet}` has no free IPv4 address for `{eni}`"),
                GapKind::Resources,
                Scope::Resources(vec![eni.clone()]),
            );
            continue;
        };
        taken.insert(addr);
        if let Some(e) = cx
            .file
            .network_interfaces
            .iter_mut()
            .find(|e| e.name.value == eni)
        {
            e.value.private_ips.insert(
                0,
                Sp::new(PrivateIp {
                    address: Sp::new(addr.to_string()),
                    public_ip: public.map(Sp::new),
                    eip_allocation: None,
                }),
            );
        }
        cx.stand_ins_done.push((i, eni, subnet, addr));
    }
}

/// A stand-in address changes no verdict unless some rule or route tells
/// addresses of its subnet apart; when one does, a gap on the interface.
pub(super) fn stand_in_gaps(cx: &mut Ctx) {
    let done = std::mem::take(&mut cx.stand_ins_done);
    let mut blocks: Vec<(String, Ipv4Net)> = Vec::new();
    let mut add = |what: String, c: &str| {
        if let Ok(n) = c.parse::<Ipv4Net>() {
            blocks.push((what, n));
        }
    };
    for g in &cx.file.security_groups {
        for r in g.ingress.iter().chain(&g.egress) {
            if let Some(c) = &r.cidr {
                add(
                    format!("a rule of security group `{}`", g.name.value),
                    &c.value,
                );
            }
        }
    }
    for n in &cx.file.network_acls {
        for r in n.ingress.iter().chain(&n.egress) {
            add(format!("a rule of NACL `{}`", n.name.value), &r.cidr.value);
        }
    }
    for t in &cx.file.route_tables {
        for r in &t.routes {
            if let Some(d) = &r.destination {
                add(format!("a route of `{}`", t.name.value), &d.value);
            }
        }
    }
    for (i, eni, subnet, addr) in done {
        let net: Option<Ipv4Net> = cx
            .file
            .subnets
            .iter()
            .find(|s| s.name.value == subnet)
            .and_then(|s| s.cidr.as_ref())
            .and_then(|c| c.value.parse().ok());
        let Some(net) = net else { continue };
        let splitter = blocks.iter().find(|(_, b)| {
            b.prefix_len() > net.prefix_len() && (net.contains(b) || b.contains(&net))
        });
        if let Some((what, b)) = splitter {
            let why = format!(
                "netverify uses the stand-in address {addr} for `{eni}`, and {what} (`{b}`) tells addresses of subnet `{subnet}` apart"
            );
            let attr = match cx.res(i).kind.as_str() {
                "aws_network_interface" => Some("private_ips"),
                "aws_instance" => Some("private_ip"),
                // Endpoint and Auto Scaling interfaces: AWS picks the
                // address, no attribute of the plan sets it.
                _ => None,
            };
            match attr {
                Some(attr) => {
                    cx.attr_gap(i, attr, &why, GapKind::Other, Scope::Resources(vec![eni]));
                }
                None => cx.gap(
                    format!("the address of `{eni}` is chosen by AWS at apply: {why}"),
                    GapKind::Other,
                    Scope::Resources(vec![eni]),
                ),
            }
        }
    }
}

/// `aws_eip` (with `instance` or `network_interface`) and
/// `aws_eip_association`: the public address on an interface.
pub(super) fn elastic_ips(cx: &mut Ctx) {
    let put = |cx: &mut Ctx,
               i: usize,
               eip: usize,
               inst: &Target,
               eni: &Target,
               private: Option<String>| {
        let target = if *eni != Target::Absent {
            cx.resolve(eni, &["aws_network_interface"]).map(|(_, n)| n)
        } else {
            cx.resolve(inst, &["aws_instance"]).and_then(|(_, n)| {
                cx.primary_eni
                    .get(&n)
                    .cloned()
                    .ok_or_else(|| format!("instance `{n}` has no interface"))
            })
        };
        let e = cx.res(eip);
        let public = match text(e, &[P::K("public_ip")]) {
            Field::Set(a) => a,
            _ => "auto".to_owned(),
        };
        let alloc = match text(e, &[P::K("allocation_id")]) {
            Field::Set(a) => Some(a),
            _ => None,
        };
        match target {
            Ok(name) => {
                let Some(ni) = cx
                    .file
                    .network_interfaces
                    .iter_mut()
                    .find(|x| x.name.value == name)
                else {
                    return;
                };
                let slot = match &private {
                    Some(p) => ni
                        .value
                        .private_ips
                        .iter_mut()
                        .find(|x| &x.address.value == p),
                    None => ni.value.private_ips.first_mut(),
                };
                if let Some(s) = slot {
                    s.value.public_ip = Some(Sp::new(public));
                    s.value.eip_allocation = alloc;
                }
            }
            Err(why) => cx.gap(
                format!(
                    "`{}`: where the Elastic IP is associated is not known: {why}",
                    cx.res(i).address
                ),
                GapKind::Other,
                Scope::Everywhere,
            ),
        }
    };
    for i in cx.of(&["aws_eip"]) {
        let r = cx.res(i);
        let configured = |a| {
            cx.refs.configured(r, a) == Some(true) || matches!(r.get(&[P::K(a)]), Val::Known(_))
        };
        if !configured("instance") && !configured("network_interface") {
            continue;
        }
        let inst = cx.refs.target(r, &[P::K("instance")]);
        let eni = if configured("network_interface") {
            cx.refs.target(r, &[P::K("network_interface")])
        } else {
            Target::Absent
        };
        let private = private_ip(r, "associate_with_private_ip");
        put(cx, i, i, &inst, &eni, private);
    }
    for i in cx.of(&["aws_eip_association"]) {
        let r = cx.res(i);
        let eip = match cx.refs.target(r, &[P::K("allocation_id")]) {
            Target::To(e) if cx.res(e).kind == "aws_eip" => e,
            t => {
                let why = cx.resolve(&t, &["aws_eip"]).err().unwrap_or_default();
                cx.attr_gap(i, "allocation_id", &why, GapKind::Other, Scope::Everywhere);
                continue;
            }
        };
        let inst = cx.refs.target(r, &[P::K("instance_id")]);
        let eni = cx.refs.target(r, &[P::K("network_interface_id")]);
        let private = private_ip(r, "private_ip_address");
        put(cx, i, eip, &inst, &eni, private);
    }
}

/// Target groups, load balancers (`aws_lb`/`aws_alb`), listeners and
/// target group attachments.
pub(super) fn load_balancers(cx: &mut Ctx) {
    for i in cx.of(&["aws_lb_target_group", "aws_alb_target_group"]) {
        let r = cx.res(i);
        let kind = match text(r, &[P::K("target_type")]) {
            Field::Set(t) => t,
            _ => "instance".to_owned(),
        };
        let protocol = text(r, &[P::K("protocol")]);
        let port = int(r, &[P::K("port")]);
        let (Field::Set(protocol), Field::Set(port), true) =
            (protocol, port, kind == "instance" || kind == "ip")
        else {
            cx.gap(
                format!(
                    "`{}`: a target group of type `{kind}`, or whose protocol or port is known only after apply, is not read; it is left out",
                    r.address
                ),
                GapKind::LoadBalancers,
                Scope::Everywhere,
            );
            continue;
        };
        let preserve = match text(r, &[P::K("preserve_client_ip")]) {
            Field::Set(s) => s.parse().ok(),
            _ => None,
        };
        let name = cx.emit(i, None);
        cx.file.target_groups.push(Sp::new(TargetGroup {
            name: Sp::new(name),
            aws_id: match text(r, &[P::K("arn")]) {
                Field::Set(a) => Some(a),
                _ => None,
            },
            target_type: Sp::new(kind),
            protocol: Sp::new(protocol),
            port: Sp::new(u32::try_from(port).unwrap_or(0)),
            preserve_client_ip: preserve,
            targets: Vec::new(),
        }));
    }
    for i in cx.of(&[
        "aws_lb_target_group_attachment",
        "aws_alb_target_group_attachment",
    ]) {
        let tg = match cx.link(
            i,
            "target_group_arn",
            &["aws_lb_target_group", "aws_alb_target_group"],
        ) {
            Ok((_, t)) => t,
            Err(why) => {
                cx.attr_gap(
                    i,
                    "target_group_arn",
                    &why,
                    GapKind::LoadBalancers,
                    Scope::Everywhere,
                );
                continue;
            }
        };
        let r = cx.res(i);
        let port = match int(r, &[P::K("port")]) {
            Field::Set(p) => u32::try_from(p).ok().map(Sp::new),
            _ => None,
        };
        let t = cx.refs.target(r, &[P::K("target_id")]);
        let target = match &t {
            Target::External(ip) if ip.parse::<std::net::IpAddr>().is_ok() => Ok(LbTarget {
                ip: Some(Sp::new(ip.clone())),
                port,
                ..LbTarget::default()
            }),
            _ => cx.resolve(&t, &["aws_instance"]).map(|(_, n)| LbTarget {
                instance: Some(Sp::new(n)),
                port,
                ..LbTarget::default()
            }),
        };
        match target {
            Ok(tgt) => {
                if let Some(g) = cx
                    .file
                    .target_groups
                    .iter_mut()
                    .find(|g| g.name.value == tg)
                {
                    g.value.targets.push(Sp::new(tgt));
                }
            }
            Err(why) => cx.attr_gap(
                i,
                "target_id",
                &format!("{why}; a target of `{tg}` is not known"),
                GapKind::LoadBalancers,
                Scope::Everywhere,
            ),
        }
    }
    for i in cx.of(&["aws_lb", "aws_alb"]) {
        let r = cx.res(i);
        let kind = match text(r, &[P::K("load_balancer_type")]) {
            Field::Set(t) => t,
            _ => "application".to_owned(),
        };
        if kind != "application" && kind != "network" {
            cx.gap(
                format!(
                    "`{}`: a `{kind}` load balancer is not read from plans yet; it is left out",
                    r.address
                ),
                GapKind::LoadBalancers,
                Scope::Everywhere,
            );
            continue;
        }
        let mut subnets: Vec<String> = Vec::new();
        let mut unknown = Vec::new();
        let mut targets = cx.refs.targets(r, &[P::K("subnets")]);
        if let Field::Set(n) = len(r, &[P::K("subnet_mapping")]) {
            for k in 0..n {
                targets.push(
                    cx.refs
                        .target(r, &[P::K("subnet_mapping"), P::I(k), P::K("subnet_id")]),
                );
            }
        }
        for t in targets {
            match cx.resolve(&t, &["aws_subnet"]) {
                Ok((_, s)) if !subnets.contains(&s) => subnets.push(s),
                Ok(_) => {}
                Err(why) => unknown.push(why),
            }
        }
        let Some((name, vpc)) = place_lb(cx, i, &subnets, unknown) else {
            continue;
        };
        let scheme = match flag(r, &[P::K("internal")]) {
            Field::Set(true) => "internal",
            Field::Set(false) | Field::Unset => "internet-facing",
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
        let sgs = if kind == "application" || cx.refs.configured(r, "security_groups") == Some(true)
        {
            groups(cx, i, "security_groups", &vpc, &name)
        } else {
            Vec::new()
        };
        let r = cx.res(i);
        let ip_type = match text(r, &[P::K("ip_address_type")]) {
            Field::Set(t) => Some(Sp::new(t)),
            _ => None,
        };
        cx.file.load_balancers.push(Sp::new(LoadBalancer {
            name: Sp::new(name),
            aws_id: match text(r, &[P::K("arn")]) {
                Field::Set(a) => Some(a),
                _ => None,
            },
            kind: Sp::new(kind),
            scheme: Sp::new(scheme.to_owned()),
            ip_address_type: ip_type,
            subnets: subnets.into_iter().map(Sp::new).collect(),
            security_groups: sgs,
            listeners: Vec::new(),
            instances: Vec::new(),
            cross_zone: None,
            tags: tags(r),
        }));
    }
    for i in cx.of(&["aws_lb_listener", "aws_alb_listener"]) {
        let Some(lb) = cx.link_or_leave_out(
            i,
            ("load_balancer_arn", &["aws_lb", "aws_alb"], "listener"),
            GapKind::LoadBalancers,
        ) else {
            continue;
        };
        let r = cx.res(i);
        let lb_kind = cx
            .file
            .load_balancers
            .iter()
            .find(|l| l.name.value == lb)
            .map(|l| l.kind.value.clone())
            .unwrap_or_default();
        let protocol = match text(r, &[P::K("protocol")]) {
            Field::Set(p) => Some(p),
            Field::Unset | Field::Unknown if cx.refs.configured(r, "protocol") != Some(true) => {
                Some(if lb_kind == "network" { "TCP" } else { "HTTP" }.to_owned())
            }
            _ => None,
        };
        let (Some(protocol), Field::Set(port)) = (protocol, int(r, &[P::K("port")])) else {
            cx.attr_gap(
                i,
                "port",
                &format!(
                    "the listener's protocol or port; load balancer `{lb}` is not fully known"
                ),
                GapKind::LoadBalancers,
                Scope::Resources(vec![lb.clone()]),
            );
            continue;
        };
        let mut tg = None;
        if let Field::Set(n) = len(r, &[P::K("default_action")]) {
            for k in 0..n {
                let t = cx.refs.target(
                    r,
                    &[P::K("default_action"), P::I(k), P::K("target_group_arn")],
                );
                if t == Target::Absent {
                    continue;
                }
                match cx.resolve(&t, &["aws_lb_target_group", "aws_alb_target_group"]) {
                    Ok((_, g)) => tg = Some(Sp::new(g)),
                    Err(why) => cx.attr_gap(
                        i,
                        "default_action",
                        &format!("{why}; where the listener forwards is not known"),
                        GapKind::LoadBalancers,
                        Scope::Resources(vec![lb.clone()]),
                    ),
                }
            }
        }
        let port_pos = cx.pos(i, &[P::K("port")]);
        if let Some(l) = cx
            .file
            .load_balancers
            .iter_mut()
            .find(|l| l.name.value == lb)
        {
            l.value.listeners.push(Sp::new(Listener {
                protocol: Sp::new(protocol),
                port: Sp::at(u32::try_from(port).unwrap_or(0), port_pos),
                target_group: tg,
                instance_protocol: None,
                instance_port: None,
            }));
        }
    }
}

/// Resource types (a name, or a prefix when it ends with `_`) that carry network interfaces or routes and
/// are not read from plans yet: each one in a plan is a gap, so no verdict
/// passes over what it may open.
const NETWORKED: [&str; 40] = [
    "aws_vpn_gateway_route_propagation",
    "aws_vpc_dhcp_options",
    "aws_lb_",
    "aws_alb_",
    "aws_vpc_endpoint",
    "aws_vpc_endpoint_",
    "aws_vpc_peering_connection",
    "aws_vpc_peering_connection_",
    "aws_ec2_transit_gateway_",
    "aws_ec2_transit_gateway",
    "aws_vpn_connection",
    "aws_vpn_connection_route",
    "aws_dx_",
    "aws_autoscaling_group",
    "aws_ec2_fleet",
    "aws_spot_instance_request",
    "aws_spot_fleet_request",
    "aws_db_instance",
    "aws_rds_cluster_instance",
    "aws_docdb_cluster_instance",
    "aws_neptune_cluster_instance",
    "aws_lambda_function",
    "aws_ecs_service",
    "aws_eks_",
    "aws_elasticsearch_domain",
    "aws_opensearch_domain",
    "aws_elasticache_",
    "aws_memorydb_cluster",
    "aws_mq_broker",
    "aws_msk_cluster",
    "aws_redshift_cluster",
    "aws_efs_mount_target",
    "aws_emr_cluster",
    "aws_batch_compute_environment",
    "aws_sagemaker_notebook_instance",
    "aws_route53_resolver_endpoint",
    "aws_networkfirewall_",
    "aws_ec2_client_vpn_",
    "aws_globalaccelerator_",
    "aws_directory_service_directory",
];

/// A gap for every resource of a networked type that was not read.
pub(super) fn unread_networked(cx: &mut Ctx) {
    for i in 0..cx.plan.resources.len() {
        if cx.read.contains(&i) {
            continue;
        }
        let r = cx.res(i);
        let hit = NETWORKED.iter().any(|p| {
            if p.ends_with('_') {
                r.kind.starts_with(p)
            } else {
                r.kind == *p
            }
        });
        if hit {
            cx.gap(
                format!(
                    "the plan has `{}`, a `{}`: it carries network interfaces or routes, and netverify does not read it from plans yet",
                    r.address, r.kind
                ),
                GapKind::Resources,
                Scope::Everywhere,
            );
        }
    }
}

/// Places load balancer `i` in the VPC of its first known subnet and
/// returns its name and that VPC; subnets known only after apply are gaps scoped to it.
/// Without a known subnet it is left out, with a gap that names why.
pub(super) fn place_lb(
    cx: &mut Ctx,
    i: usize,
    subnets: &[String],
    unknown: Vec<String>,
) -> Option<(String, String)> {
    let Some(first) = subnets.first() else {
        let why = unknown
            .first()
            .cloned()
            .unwrap_or_else(|| "it has no subnets".to_owned());
        cx.attr_gap(
            i,
            "subnets",
            &format!("{why}; the load balancer is left out"),
            GapKind::LoadBalancers,
            Scope::Everywhere,
        );
        return None;
    };
    let vpc = cx.vpc_of.get(first).cloned().unwrap_or_default();
    let name = cx.emit(i, Some(&vpc));
    for why in unknown {
        cx.attr_gap(
            i,
            "subnets",
            &why,
            GapKind::LoadBalancers,
            Scope::Resources(vec![name.clone()]),
        );
    }
    Some((name, vpc))
}
