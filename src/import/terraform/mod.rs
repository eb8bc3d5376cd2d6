//! `import terraform`: a `terraform show -json` plan → the topology of the
//! network as it will be after apply (README, "Terraform plans").
//!
//! Creates, updates and no-ops are in; deletes and forgets are out. A
//! resource is named by its address (`module.net.aws_subnet.private[1]`),
//! with its real id as `aws_id` when the plan knows it. An id that is not
//! known before apply is followed through the plan's `configuration`
//! ([`refs`]). What stays unknown and changes verdicts becomes a scoped gap
//! naming the attribute, so those verdicts are `unknown`, never a pass.
//!
//! The plan is taken as the whole network: a reference to an id the plan
//! does not hold (another stack, the default VPC) is a gap, not a guess.
//!
//! One file per resource family does the mapping: [`vpc`] (VPCs, subnets,
//! gateways), [`routes`], [`sg`], [`nacl`], [`compute`] (instances,
//! interfaces, Elastic IPs, load balancers), [`endpoints`] (VPC endpoints,
//! prefix lists), [`peering`], [`tgw`], [`vpn`], [`dx`], [`asg`]
//! (Auto Scaling groups as templates) and [`s3`] (buckets, their policies,
//! Block Public Access, ownership, ACLs, websites and access points).

mod asg;
mod base;
mod compute;
mod dx;
mod elb;
mod endpoints;
mod locate;
mod nacl;
mod peering;
mod plan;
mod prior;
mod refs;
mod region;
mod routes;
mod s3;
mod sg;
mod tf_sources;
mod tgw;
mod vpc;
mod vpn;

use std::collections::{BTreeMap, HashMap, HashSet};
use std::path::Path;

use serde_json::Value;

use crate::diag::Pos;
use crate::import::{ImportError, Imported};
use crate::model::format::{Gap, GapKind, GapScope, Tags, TopologyFile};
use crate::model::spanned::Sp;

use plan::{P, Plan, Res, Val};
use refs::{Refs, Target};

pub use base::Base;
pub use plan::looks_like_plan;
pub use prior::import_prior_bytes;

/// Whether the file at `path` is a Terraform plan (by content): a plan
/// JSON document, or a binary plan file, which is read only to say how to
/// make the JSON.
pub fn is_plan_file(path: &Path) -> bool {
    path.is_file() && std::fs::read(path).is_ok_and(|b| looks_like_plan(&b) || is_binary_plan(&b))
}

/// A binary plan (`terraform plan -out plan.out`): a zip holding `tfplan`.
fn is_binary_plan(bytes: &[u8]) -> bool {
    bytes.starts_with(b"PK\x03\x04") && bytes.windows(6).any(|w| w == b"tfplan")
}

/// Import the plan JSON at `path`, with its `.tf` sources found as
/// [`tf_sources`] says (beside the plan).
pub fn import_plan(path: &Path) -> Result<Imported, ImportError> {
    import_plan_with(path, None, None)
}

/// Import the plan JSON at `path`, laid over `base` when given (`--base`).
pub fn import_plan_over(path: &Path, base: Option<&Base>) -> Result<Imported, ImportError> {
    import_plan_with(path, base, None)
}

/// Import the plan JSON at `path`, laid over `base` when given, reading
/// the `.tf` sources from `tf_dir` (a directory or a binary plan) when
/// given, else from beside the plan.
pub fn import_plan_with(
    path: &Path,
    base: Option<&Base>,
    tf_dir: Option<&Path>,
) -> Result<Imported, ImportError> {
    let file = path.display().to_string();
    if let Some(d) = tf_dir
        && !d.exists()
    {
        return Err(ImportError::Io {
            path: d.display().to_string(),
            message: "no such file or directory (given with `--tf-dir`)".to_owned(),
        });
    }
    let bytes = std::fs::read(path).map_err(|e| ImportError::Io {
        path: file.clone(),
        message: e.to_string(),
    })?;
    let sources = tf_sources::find(path, tf_dir);
    import_plan_bytes_over(&bytes, &file, base, sources.as_ref())
}

/// Import a plan JSON document read from `file`, without `.tf` sources.
pub fn import_plan_bytes(bytes: &[u8], file: &str) -> Result<Imported, ImportError> {
    import_plan_bytes_over(bytes, file, None, None)
}

/// Import a plan JSON document read from `file`, laid over `base`.
fn import_plan_bytes_over(
    bytes: &[u8],
    file: &str,
    base: Option<&Base>,
    sources: Option<&tf_sources::Sources>,
) -> Result<Imported, ImportError> {
    if is_binary_plan(bytes) {
        return Err(ImportError::Invalid {
            file: file.to_owned(),
            path: "$".to_owned(),
            msg: "this is a binary Terraform plan, not its JSON".to_owned(),
            help: Some(format!(
                "run `terraform show -json {file} > plan.json` and give netverify `plan.json`"
            )),
        });
    }
    let mut plan = plan::parse(bytes, file)?;
    let mut laid = base.map(|b| base::lay(&plan, b)).transpose()?;
    let real = plan.resources.len();
    if let Some(l) = &mut laid {
        plan.resources.append(&mut l.outside);
    }
    crate::import::loadable(
        build(&plan, real, laid, sources)?,
        crate::import::Source::TerraformPlan,
    )
}

/// Where a gap applies.
enum Scope {
    Everywhere,
    Vpc(String),
    Resources(Vec<String>),
    /// S3 buckets, by name (gaps of the S3 kinds).
    Buckets(Vec<String>),
}

/// A field of a resource, read for the model.
#[derive(Debug, Clone, PartialEq)]
enum Field<T> {
    Set(T),
    Unset,
    /// Unknown before apply, or sensitive.
    Unknown,
}

impl<T> Field<T> {
    fn from_val(v: Val<'_>, f: impl FnOnce(&Value) -> Option<T>) -> Field<T> {
        match v {
            Val::Known(v) => f(v).map_or(Field::Unset, Field::Set),
            Val::Null => Field::Unset,
            Val::Unknown | Val::Sensitive => Field::Unknown,
        }
    }
}

fn text(r: &Res, path: &[P]) -> Field<String> {
    Field::from_val(r.get(path), |v| {
        v.as_str().filter(|s| !s.is_empty()).map(str::to_owned)
    })
}

fn flag(r: &Res, path: &[P]) -> Field<bool> {
    Field::from_val(r.get(path), Value::as_bool)
}

fn int(r: &Res, path: &[P]) -> Field<i64> {
    Field::from_val(r.get(path), |v| {
        v.as_i64()
            .or_else(|| v.as_str().and_then(|s| s.parse().ok()))
    })
}

/// A list of strings; unknown when the list or any element is.
fn texts(r: &Res, path: &[P]) -> Field<Vec<String>> {
    match r.get(path) {
        Val::Known(Value::Array(a)) => {
            let mut out = Vec::new();
            for i in 0..a.len() {
                let mut p = path.to_vec();
                p.push(P::I(i));
                match text(r, &p) {
                    Field::Set(s) => out.push(s),
                    Field::Unset => {}
                    Field::Unknown => return Field::Unknown,
                }
            }
            Field::Set(out)
        }
        Val::Known(_) | Val::Null => Field::Unset,
        Val::Unknown | Val::Sensitive => Field::Unknown,
    }
}

/// The number of elements of a known list (blocks or values).
fn len(r: &Res, path: &[P]) -> Field<usize> {
    Field::from_val(r.get(path), |v| v.as_array().map(Vec::len))
}

/// The known, non-sensitive tags.
fn tags(r: &Res) -> Tags {
    let mut out = Tags::new();
    if let Val::Known(Value::Object(m)) = r.get(&[P::K("tags")]) {
        for k in m.keys() {
            if let Field::Set(v) = text(r, &[P::K("tags"), P::K(k)]) {
                out.insert(k.clone(), v);
            }
        }
    }
    out
}

/// The real id, when known.
fn aws_id(r: &Res) -> Option<String> {
    match text(r, &[P::K("id")]) {
        Field::Set(s) => Some(s),
        _ => None,
    }
}

/// The import under construction.
struct Ctx<'p> {
    pub plan: &'p Plan,
    /// The `.tf` sources, when found: where each record is written.
    pub sources: Option<&'p tf_sources::Sources>,
    pub refs: Refs<'p>,
    pub file: TopologyFile,
    pub notes: Vec<String>,
    /// Resources mapped into the topology: index → name.
    names: HashMap<usize, String>,
    /// Resources read (mapped, merged into another, or left out with a gap).
    pub read: HashSet<usize>,
    /// The VPC (topology name) of each mapped resource that has one.
    pub vpc_of: HashMap<String, String>,
    /// Subnet name → (its resource, `map_public_ip_on_launch`).
    pub subnet_public_ip: HashMap<String, (usize, Field<bool>)>,
    /// VPC name → the security group that interfaces without one get.
    pub default_sg: HashMap<String, String>,
    /// `aws_network_interface` resource → the instance it is attached to.
    pub attach: HashMap<usize, String>,
    /// Instance name → its primary interface's name.
    pub primary_eni: HashMap<String, String>,
    /// Interfaces waiting for a stand-in address: (resource, interface,
    /// subnet, public IP).
    pub stand_ins: Vec<(usize, String, String, Option<String>)>,
    /// Stand-in addresses given: (resource, interface, subnet, address).
    pub stand_ins_done: Vec<(usize, String, String, std::net::Ipv4Addr)>,
    /// The plan's own resources are `0..real`; the rest stand for
    /// resources of the base (`--base`), which are never mapped.
    real: usize,
    /// Plan resources that replace a base resource, and take its name.
    adopt: HashMap<usize, String>,
    /// Values the plan holds that AWS would reject at apply (a bucket
    /// policy that is not JSON): the import fails with the first.
    pub errors: Vec<ImportError>,
}

impl<'p> Ctx<'p> {
    pub fn res(&self, i: usize) -> &'p Res {
        &self.plan.resources[i]
    }

    /// The resources of the given types, in plan order, marked read.
    pub fn of(&mut self, kinds: &[&str]) -> Vec<usize> {
        let v: Vec<usize> = self
            .plan
            .resources
            .iter()
            .enumerate()
            .filter(|(i, r)| *i < self.real && kinds.contains(&r.kind.as_str()))
            .map(|(i, _)| i)
            .collect();
        self.read.extend(v.iter().copied());
        v
    }

    /// Record that resource `i` is in the topology, under its address.
    pub fn emit(&mut self, i: usize, vpc: Option<&str>) -> String {
        let name = match self.adopt.get(&i) {
            Some(n) => n.clone(),
            None => self.res(i).address.clone(),
        };
        self.names.insert(i, name.clone());
        if let Some(v) = vpc {
            self.vpc_of.insert(name.clone(), v.to_owned());
        }
        name
    }

    /// Where the value at `path` of resource `i` is written in the `.tf`
    /// sources (the attribute, else the block that holds it); unknown
    /// without sources.
    pub fn pos(&mut self, i: usize, path: &[P]) -> Pos {
        let Some(site) = self.sources.and_then(|s| s.site(self.res(i), path)) else {
            return Pos::default();
        };
        self.file.sites.push(site);
        Pos::site(u32::try_from(self.file.sites.len()).unwrap_or(0))
    }

    pub fn name(&self, i: usize) -> Option<&str> {
        self.names.get(&i).map(String::as_str)
    }

    /// The topology name of what `t` points to, which must be a mapped
    /// resource of one of `kinds`; otherwise why not.
    pub fn resolve(&self, t: &Target, kinds: &[&str]) -> Result<(usize, String), String> {
        match t {
            Target::To(i) => {
                let r = self.res(*i);
                if !kinds.contains(&r.kind.as_str()) {
                    return Err(format!(
                        "it refers to `{}`, a `{}`, where netverify expects {}",
                        r.address,
                        r.kind,
                        kinds
                            .iter()
                            .map(|k| format!("`{k}`"))
                            .collect::<Vec<_>>()
                            .join(" or ")
                    ));
                }
                match self.name(*i) {
                    Some(n) => Ok((*i, n.to_owned())),
                    None => Err(format!("it refers to `{}`, which is left out", r.address)),
                }
            }
            Target::External(id) => Err(format!(
                "it names `{id}`, which is not in this plan (a plan alone is taken as the whole network)"
            )),
            Target::Unknown(why) => Err(why.clone()),
            Target::Absent => Err("it is not set".to_owned()),
        }
    }

    /// Resolve the id at `attr` of resource `i` to a mapped resource.
    pub fn link(&self, i: usize, attr: &str, kinds: &[&str]) -> Result<(usize, String), String> {
        let r = self.res(i);
        self.resolve(&self.refs.target(r, &[P::K(attr)]), kinds)
    }

    /// The mapped resource that resource `i` names at `attr` ([`Ctx::link`]);
    /// `None`, with a gap of `kind` saying the `what` is left out, when it
    /// names none in the plan.
    pub fn link_or_leave_out(
        &mut self,
        i: usize,
        (attr, kinds, what): (&str, &[&str], &str),
        kind: GapKind,
    ) -> Option<String> {
        match self.link(i, attr, kinds) {
            Ok((_, to)) => Some(to),
            Err(why) => {
                let why = format!("{why}; the {what} is left out");
                self.attr_gap(i, attr, &why, kind, Scope::Everywhere);
                None
            }
        }
    }

    /// The container (route table, NACL) that standalone rule resource `i`
    /// names at `attr`, recorded in `standalone` with the rule's address
    /// (see [`Ctx::link_or_leave_out`]).
    pub fn standalone_parent(
        &mut self,
        i: usize,
        link: (&str, &[&str], &str),
        kind: GapKind,
        standalone: &mut BTreeMap<String, Vec<String>>,
    ) -> Option<String> {
        let parent = self.link_or_leave_out(i, link, kind)?;
        standalone
            .entry(parent.clone())
            .or_default()
            .push(self.res(i).address.clone());
        Some(parent)
    }

    /// The targets of a list of ids at `attr` of resource `i`; none when
    /// the configuration does not set it and the plan leaves it to apply
    /// (an optional attribute the provider computes: other resources, such
    /// as associations, then decide it).
    pub fn configured_targets(&self, i: usize, attr: &str) -> Vec<Target> {
        let r = self.res(i);
        if matches!(r.get(&[P::K(attr)]), Val::Unknown)
            && self.refs.configured(r, attr) == Some(false)
        {
            return Vec::new();
        }
        self.refs.targets(r, &[P::K(attr)])
    }

    /// Leave out a container (a VPC, subnet or security group) whose own
    /// container is not in the plan, with a note. No gap is needed: every
    /// mapped resource that refers to it gets one when the reference fails.
    pub fn left_out(&mut self, i: usize, attr: &str, why: &str) {
        let r = self.res(i);
        let why = if matches!(r.get(&[P::K(attr)]), Val::Null | Val::Unknown)
            && self.refs.configured(r, attr) == Some(false)
        {
            "it is not set, so AWS places it in the default VPC, which is not in this plan"
        } else {
            why
        };
        self.notes
            .push(format!("`{}` is left out: `{attr}`: {why}", r.address));
    }

    /// Record a gap.
    pub fn gap(&mut self, what: String, kind: GapKind, scope: Scope) {
        let scope = match scope {
            Scope::Everywhere => None,
            Scope::Vpc(v) => Some(GapScope {
                vpcs: vec![Sp::new(v)],
                ..GapScope::default()
            }),
            Scope::Resources(rs) if rs.is_empty() => None,
            Scope::Resources(rs) => Some(GapScope {
                resources: rs.into_iter().map(Sp::new).collect(),
                ..GapScope::default()
            }),
            Scope::Buckets(bs) if bs.is_empty() => None,
            Scope::Buckets(bs) => Some(GapScope {
                buckets: bs.into_iter().map(Sp::new).collect(),
                ..GapScope::default()
            }),
        };
        let dup = self.file.gaps.iter().any(|g| g.what.value == what);
        if !dup {
            self.file.gaps.push(Sp::new(Gap {
                what: Sp::new(what),
                affects: Vec::new(),
                kind: Some(Sp::new(kind)),
                scope: scope.map(Sp::new),
            }));
        }
    }

    /// A gap about attribute `attr` of resource `i`: "`addr.attr` is known
    /// only after apply: why" when the plan does not know it.
    pub fn attr_gap(&mut self, i: usize, attr: &str, why: &str, kind: GapKind, scope: Scope) {
        let r = self.res(i);
        let head = match r.get(&[P::K(attr)]) {
            Val::Unknown => format!("`{}.{attr}` is known only after apply", r.address),
            Val::Sensitive => format!("`{}.{attr}` is sensitive", r.address),
            _ => format!("`{}.{attr}`", r.address),
        };
        self.gap(format!("{head}: {why}"), kind, scope);
    }

    /// The scope of a resource's gap: its VPC when it has a known one.
    pub fn scope_of(&self, name: &str) -> Scope {
        match self.vpc_of.get(name) {
            Some(v) => Scope::Vpc(v.clone()),
            None => Scope::Everywhere,
        }
    }
}

/// Build the topology from a read plan (whose resources from `real` on
/// stand for the base's, when it is laid over one).
fn build(
    plan: &Plan,
    real: usize,
    laid: Option<base::Laid>,
    sources: Option<&tf_sources::Sources>,
) -> Result<Imported, ImportError> {
    let mut cx = Ctx {
        plan,
        sources: sources.filter(|s| !s.is_empty()),
        refs: Refs::new(plan, sources),
        file: TopologyFile {
            version: Sp::new(1),
            ..TopologyFile::default()
        },
        notes: Vec::new(),
        names: HashMap::new(),
        read: HashSet::new(),
        vpc_of: HashMap::new(),
        subnet_public_ip: HashMap::new(),
        default_sg: HashMap::new(),
        attach: HashMap::new(),
        primary_eni: HashMap::new(),
        stand_ins: Vec::new(),
        stand_ins_done: Vec::new(),
        real,
        adopt: HashMap::new(),
        errors: Vec::new(),
    };
    let over_base = laid.is_some();
    if let Some(l) = laid {
        base::start(&mut cx, l);
    }
    if plan.errored {
        cx.gap(
            format!(
                "the plan in `{}` is errored (`errored: true`): Terraform could not finish it, so it is not the network after apply",
                plan.file
            ),
            GapKind::Other,
            Scope::Everywhere,
        );
    }
    if plan.incomplete {
        cx.gap(
            format!(
                "the plan in `{}` is incomplete (`complete: false`): some changes are deferred to a later plan",
                plan.file
            ),
            GapKind::Other,
            Scope::Everywhere,
        );
    }
    // Dependencies first: what a resource refers to is mapped before it.
    vpc::vpcs(&mut cx);
    endpoints::prefix_lists(&mut cx);
    vpc::gateways(&mut cx);
    vpc::subnets(&mut cx);
    vpc::nat_gateways(&mut cx);
    sg::security_groups(&mut cx);
    compute::instances(&mut cx);
    compute::interfaces(&mut cx);
    endpoints::endpoints(&mut cx);
    asg::autoscaling_groups(&mut cx);
    compute::stand_in_addresses(&mut cx);
    compute::elastic_ips(&mut cx);
    peering::peerings(&mut cx);
    tgw::transit_gateways(&mut cx);
    vpn::vpn_connections(&mut cx);
    dx::direct_connect(&mut cx);
    tgw::route_tables(&mut cx);
    routes::route_tables(&mut cx);
    endpoints::route_table_links(&mut cx);
    vpn::route_propagations(&mut cx);
    nacl::network_acls(&mut cx);
    compute::load_balancers(&mut cx);
    elb::classic_load_balancers(&mut cx);
    asg::lb_targets(&mut cx);
    compute::unread_networked(&mut cx);
    compute::stand_in_gaps(&mut cx);
    s3::buckets(&mut cx);
    if let Some(e) = cx.errors.drain(..).next() {
        return Err(e);
    }
    locate::records(&mut cx);
    region::derive(&mut cx);

    let mut skipped: BTreeMap<String, usize> = BTreeMap::new();
    for (i, r) in plan.resources.iter().enumerate() {
        if !cx.read.contains(&i) {
            *skipped.entry(r.kind.clone()).or_default() += 1;
        }
    }
    let mapped = cx.names.keys().filter(|i| **i < real).count();
    cx.notes.push(if over_base {
        format!("read a plan of {real} resources after apply ({mapped} mapped)")
    } else {
        format!(
            "read a plan of {real} resources after apply ({mapped} mapped); a plan alone is taken as the whole network"
        )
    });
    if plan.data_sources > 0 {
        cx.notes.push(format!(
            "{} data sources are not read (what they return is known only at apply)",
            plan.data_sources
        ));
    }
    if plan.removed > 0 {
        cx.notes.push(format!(
            "{} resources that the plan deletes or forgets are left out",
            plan.removed
        ));
    }
    locate::note_sources(&mut cx, sources);
    Ok(Imported {
        file: cx.file,
        skipped_keys: skipped,
        notes: cx.notes,
    })
}
