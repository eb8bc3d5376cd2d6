//! `--base SNAPSHOT_DIR|topology.yaml`: the plan laid over what already
//! exists (other stacks, interfaces that ECS or EKS create).
//!
//! - Every resource of the base with an `aws_id` can be named by the plan:
//!   a reference to that id resolves to it (as a stand-in resource of the
//!   plan, [`Res::outside`], which is never mapped itself).
//! - A resource the plan creates, updates or keeps whose known id is in the
//!   base replaces the base's resource and takes its name, so the base's
//!   references to it still hold.
//! - A resource the plan deletes is taken out of the base.
//! - Conflicts are errors naming both sides: a plan resource whose id the
//!   base holds as another kind of resource, or a plan address that is also
//!   a name in the base.

use std::collections::{HashMap, HashSet};

use serde_json::Value;

use crate::import::ImportError;
use crate::model::format::TopologyFile;

use super::plan::{P, Plan, Res, Val};

/// A base topology and where it came from (for notes and errors).
pub struct Base {
    pub file: TopologyFile,
    pub shown: String,
}

/// One resource of the base that a plan can name: (plan type, name, id).
type Entry = (&'static str, String, String);

/// Calls `$m!(collection, "aws_type")` for every top-level collection of
/// the format whose resources have a name and an `aws_id`.
macro_rules! collections {
    ($m:ident) => {
        $m!(prefix_lists, "aws_ec2_managed_prefix_list");
        $m!(vpcs, "aws_vpc");
        $m!(subnets, "aws_subnet");
        $m!(route_tables, "aws_route_table");
        $m!(network_acls, "aws_network_acl");
        $m!(security_groups, "aws_security_group");
        $m!(instances, "aws_instance");
        $m!(network_interfaces, "aws_network_interface");
        $m!(internet_gateways, "aws_internet_gateway");
        $m!(
            egress_only_internet_gateways,
            "aws_egress_only_internet_gateway"
        );
        $m!(nat_gateways, "aws_nat_gateway");
        $m!(load_balancers, "aws_lb");
        $m!(target_groups, "aws_lb_target_group");
        $m!(vpc_endpoints, "aws_vpc_endpoint");
        $m!(peering_connections, "aws_vpc_peering_connection");
        $m!(transit_gateways, "aws_ec2_transit_gateway");
        $m!(vpn_gateways, "aws_vpn_gateway");
        $m!(customer_gateways, "aws_customer_gateway");
        $m!(vpn_connections, "aws_vpn_connection");
    };
}

/// Every resource of the base a plan can name by id.
fn entries(file: &TopologyFile) -> Vec<Entry> {
    let mut out: Vec<Entry> = Vec::new();
    macro_rules! index {
        ($field:ident, $kind:expr) => {
            for x in &file.$field {
                if let Some(id) = &x.aws_id {
                    out.push(($kind, x.name.value.clone(), id.clone()));
                }
            }
        };
    }
    collections!(index);
    for t in &file.transit_gateways {
        for a in &t.attachments {
            if let Some(id) = &a.aws_id {
                out.push((
                    "aws_ec2_transit_gateway_vpc_attachment",
                    a.name.value.clone(),
                    id.clone(),
                ));
            }
        }
        for r in &t.route_tables {
            if let Some(id) = &r.aws_id {
                out.push((
                    "aws_ec2_transit_gateway_route_table",
                    r.name.value.clone(),
                    id.clone(),
                ));
            }
        }
    }
    if let Some(dx) = &file.direct_connect {
        for c in &dx.connections {
            if let Some(id) = &c.aws_id {
                out.push(("aws_dx_connection", c.name.value.clone(), id.clone()));
            }
        }
        for l in &dx.lags {
            if let Some(id) = &l.aws_id {
                out.push(("aws_dx_lag", l.name.value.clone(), id.clone()));
            }
        }
        for g in &dx.gateways {
            if let Some(id) = &g.aws_id {
                out.push(("aws_dx_gateway", g.name.value.clone(), id.clone()));
            }
        }
    }
    out
}

/// Take the resources named in `gone` out of `file`.
fn remove(file: &mut TopologyFile, gone: &HashSet<String>) {
    macro_rules! drop_named {
        ($field:ident, $kind:expr) => {
            file.$field.retain(|x| !gone.contains(&x.name.value));
        };
    }
    collections!(drop_named);
    for t in &mut file.transit_gateways {
        t.value
            .attachments
            .retain(|x| !gone.contains(&x.name.value));
        t.value
            .route_tables
            .retain(|x| !gone.contains(&x.name.value));
    }
    if let Some(dx) = &mut file.direct_connect {
        dx.value
            .connections
            .retain(|x| !gone.contains(&x.name.value));
        dx.value.lags.retain(|x| !gone.contains(&x.name.value));
        dx.value.gateways.retain(|x| !gone.contains(&x.name.value));
    }
}

/// The plan types of the resources a base holds (see [`entries`]).
const PRIMARY: [&str; 25] = [
    "aws_ec2_managed_prefix_list",
    "aws_vpc",
    "aws_subnet",
    "aws_route_table",
    "aws_network_acl",
    "aws_security_group",
    "aws_instance",
    "aws_network_interface",
    "aws_internet_gateway",
    "aws_egress_only_internet_gateway",
    "aws_nat_gateway",
    "aws_lb",
    "aws_lb_target_group",
    "aws_vpc_endpoint",
    "aws_vpc_peering_connection",
    "aws_ec2_transit_gateway",
    "aws_vpn_gateway",
    "aws_customer_gateway",
    "aws_vpn_connection",
    "aws_ec2_transit_gateway_vpc_attachment",
    "aws_ec2_transit_gateway_route_table",
    "aws_dx_connection",
    "aws_dx_lag",
    "aws_dx_gateway",
    "aws_ec2_transit_gateway_peering_attachment",
];

/// The family of a plan type: the types that describe one kind of
/// resource of the base.
fn family(kind: &str) -> &str {
    match kind {
        "aws_default_security_group" => "aws_security_group",
        "aws_default_route_table" => "aws_route_table",
        "aws_default_network_acl" => "aws_network_acl",
        "aws_alb" => "aws_lb",
        "aws_alb_target_group" => "aws_lb_target_group",
        "aws_ec2_transit_gateway_peering_attachment" => "aws_ec2_transit_gateway_vpc_attachment",
        "aws_dx_hosted_connection" => "aws_dx_connection",
        _ => kind,
    }
}

/// What laying the plan over the base gives the import: the file to start
/// from, the stand-in resources (appended to the plan's), and the base
/// names the plan's resources take.
pub(super) struct Laid {
    pub file: TopologyFile,
    pub outside: Vec<Res>,
    /// Plan resource index → the base name it takes.
    pub adopt: HashMap<usize, String>,
    pub notes: Vec<String>,
}

/// Lay `plan` over `base`; a conflict is an error naming both sides.
pub(super) fn lay(plan: &Plan, base: &Base) -> Result<Laid, ImportError> {
    let all = entries(&base.file);
    let by_id: HashMap<&str, &Entry> = all.iter().map(|e| (e.2.as_str(), e)).collect();
    let conflict = |msg: String, help: &str| ImportError::Invalid {
        file: plan.file.clone(),
        path: "$".to_owned(),
        msg,
        help: Some(help.to_owned()),
    };
    let mut adopt = HashMap::new();
    let mut gone: HashSet<String> = HashSet::new();
    for (i, r) in plan.resources.iter().enumerate() {
        if topology_has_name(&base.file, &r.address) {
            return Err(conflict(
                format!(
                    "`{}` of the plan has the same name as a resource of the base `{}`",
                    r.address, base.shown
                ),
                "rename the resource in the base topology",
            ));
        }
        for key in ["id", "arn"] {
            let Val::Known(Value::String(id)) = r.get(&[P::K(key)]) else {
                continue;
            };
            let Some((kind, name, _)) = by_id.get(id.as_str()) else {
                continue;
            };
            // Accepters and options share the id of what they configure.
            if !PRIMARY.contains(&family(&r.kind)) {
                continue;
            }
            if family(&r.kind) != family(kind) {
                return Err(conflict(
                    format!(
                        "`{}` of the plan (a `{}`) has the id `{id}`, which the base `{}` holds as `{name}`, a `{kind}`",
                        r.address, r.kind, base.shown
                    ),
                    "the plan and the base must describe the same account: check that the base is a snapshot of the plan's account and Region",
                ));
            }
            adopt.insert(i, name.clone());
            gone.insert(name.clone());
        }
    }
    let mut notes = Vec::new();
    for (address, id) in &plan.deleted {
        if let Some((_, name, _)) = by_id.get(id.as_str()) {
            gone.insert(name.clone());
            notes.push(format!(
                "`{address}` deletes `{name}` (`{id}`) of the base `{}`",
                base.shown
            ));
        }
    }
    let mut file = base.file.clone();
    remove(&mut file, &gone);
    let outside = all
        .iter()
        .filter(|(_, name, _)| !gone.contains(name))
        .map(|(kind, name, id)| Res::outside(name, kind, id))
        .collect();
    notes.push(format!(
        "the plan is laid over the base `{}`: ids the plan does not hold are looked up there",
        base.shown
    ));
    Ok(Laid {
        file,
        outside,
        adopt,
        notes,
    })
}

/// Whether any resource of `file` (with or without an id) is called `name`.
fn topology_has_name(file: &TopologyFile, name: &str) -> bool {
    let mut hit = false;
    macro_rules! look {
        ($field:ident, $kind:expr) => {
            hit |= file.$field.iter().any(|x| x.name.value == name);
        };
    }
    collections!(look);
    hit
}

/// Start the import from the base: its file, its resources' names for the
/// stand-ins, what the mapping looks up about them (their VPCs, the VPCs'
/// default groups), and that the base does not record whether its
/// subnets give public addresses.
pub(super) fn start(cx: &mut super::Ctx, laid: Laid) {
    let Laid {
        file, adopt, notes, ..
    } = laid;
    cx.file = file;
    cx.adopt = adopt;
    cx.notes.extend(notes);
    for i in cx.real..cx.plan.resources.len() {
        let name = cx.res(i).address.clone();
        cx.names.insert(i, name);
        cx.read.insert(i);
    }
    let f = &cx.file;
    let mut vpc_of: Vec<(String, String)> = Vec::new();
    for v in &f.vpcs {
        vpc_of.push((v.name.value.clone(), v.name.value.clone()));
    }
    for s in &f.subnets {
        vpc_of.push((s.name.value.clone(), s.vpc.value.clone()));
    }
    for g in &f.security_groups {
        vpc_of.push((g.name.value.clone(), g.vpc.value.clone()));
    }
    for t in &f.route_tables {
        vpc_of.push((t.name.value.clone(), t.vpc.value.clone()));
    }
    for n in &f.network_acls {
        vpc_of.push((n.name.value.clone(), n.vpc.value.clone()));
    }
    for e in &f.vpc_endpoints {
        vpc_of.push((e.name.value.clone(), e.vpc.value.clone()));
    }
    // AWS gives every VPC's default group this description.
    let defaults: Vec<(String, String)> = f
        .security_groups
        .iter()
        .filter(|g| g.description.as_deref() == Some("default VPC security group"))
        .map(|g| (g.vpc.value.clone(), g.name.value.clone()))
        .collect();
    let subnets: Vec<String> = f.subnets.iter().map(|s| s.name.value.clone()).collect();
    cx.vpc_of.extend(vpc_of);
    cx.default_sg.extend(defaults);
    for s in subnets {
        if let Some(i) = (cx.real..cx.plan.resources.len()).find(|&i| cx.res(i).address == s) {
            cx.subnet_public_ip.insert(s, (i, super::Field::Unknown));
        }
    }
}
