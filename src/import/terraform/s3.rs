//! S3 buckets: `aws_s3_bucket` (with provider v3's inline `policy`, `acl`,
//! `grant` and `website`), `aws_s3_bucket_policy`,
//! `aws_s3_bucket_public_access_block`, `aws_s3_account_public_access_block`,
//! `aws_s3_bucket_ownership_controls`, `aws_s3_bucket_acl`,
//! `aws_s3_bucket_website_configuration`, `aws_s3_access_point` and
//! `aws_s3control_access_point_policy`.
//!
//! The AWS provider's and S3's semantics that change verdicts (C-19.7):
//! - a bucket the plan creates gets S3's defaults for new buckets: all
//!   four Block Public Access settings on and ACLs disabled
//!   (`BucketOwnerEnforced`), until a `_public_access_block` or
//!   `_ownership_controls` resource says otherwise;
//! - a bucket the plan keeps or updates has settings the plan does not
//!   hold unless those resources are in it: they are taken at their most
//!   permissive (all off, ACLs enabled) with a gap of kind
//!   `s3-restrictions`, so a bucket found public is `unknown`, and one
//!   found not public stays so (those settings only ever restrict);
//! - provider v4+ computes the legacy `policy`, `acl`, `grant` and
//!   `website` of `aws_s3_bucket` when they are not configured: unknown
//!   and unconfigured means "not set here", not "unknown";
//! - a policy (or ACL) set both inline and by its own resource is
//!   overwritten by each at every apply: a gap, not a guess;
//! - a policy known only after apply (a data source's `json`, a reference
//!   to an ARN not yet known) is a gap of kind `s3` on the bucket naming
//!   the attribute: the bucket's verdict is `unknown`, never a pass.

use std::collections::BTreeMap;

use serde_json::Value;

use crate::import::ImportError;
use crate::model::format::GapKind;
use crate::model::s3::{
    AccessPoint, AclGrant, AclPermission, Bucket, ObjectOwnership, PolicyDoc,
    PublicAccessBlockConfig, S3Account, S3Section, Website,
};
use crate::model::spanned::Sp;

use super::plan::{P, Val};
use super::{Ctx, Field, Scope, Target, flag, tags, text};

const BUCKET: [&str; 1] = ["aws_s3_bucket"];
const ACCESS_POINT: [&str; 1] = ["aws_s3_access_point"];

/// One bucket as it is gathered from its resources.
struct B {
    /// Its `aws_s3_bucket` resource.
    res: usize,
    name: String,
    /// The name is known only after apply: `name` stands for it.
    name_unknown: bool,
    policy: Option<PolicyDoc>,
    /// The resources that set the policy (for the overwrite gap).
    policy_from: Vec<String>,
    bpa: Option<PublicAccessBlockConfig>,
    ownership: Option<ObjectOwnership>,
    acl: Vec<Sp<AclGrant>>,
    acl_from: Vec<String>,
    /// Why the ACL is not known (each a gap, unless ACLs are disabled).
    acl_unknown: Vec<String>,
    website: Option<Website>,
    access_points: Vec<(usize, AccessPoint)>,
}

/// The value of a top-level attribute that the configuration may leave to
/// the provider: unknown and unconfigured is unset (see the module note).
fn configured_val<'a>(cx: &Ctx<'a>, i: usize, attr: &str) -> Val<'a> {
    let r = cx.res(i);
    match r.get(&[P::K(attr)]) {
        Val::Unknown if cx.refs.configured(r, attr) == Some(false) => Val::Null,
        v => v,
    }
}

/// Why attribute `attr` of resource `i` is not known before apply: what
/// its expression refers to, when the configuration says.
fn unknown_why(cx: &Ctx, i: usize, attr: &str) -> String {
    let refs: Vec<String> = cx
        .refs
        .config(cx.res(i))
        .and_then(|c| {
            c.get("expressions")?
                .get(attr)?
                .get("references")?
                .as_array()
        })
        .map(|a| {
            a.iter()
                .filter_map(Value::as_str)
                .map(str::to_owned)
                .collect()
        })
        .unwrap_or_default();
    // `references` lists `data.x.y.json` and then `data.x.y`: the longest
    // one names the attribute.
    match refs.iter().max_by_key(|r| r.len()) {
        Some(r) if r.starts_with("data.") => {
            format!("it is `{r}`, which the data source returns only at apply")
        }
        Some(r) => format!("it depends on `{r}`, which is known only after apply"),
        None => "its value is known only after apply".to_owned(),
    }
}

/// The bucket name a resource gives at `bucket`: its known name, or the
/// bucket resource the configuration refers to.
fn bucket_of(cx: &Ctx, i: usize, by_res: &BTreeMap<usize, String>) -> Result<String, String> {
    let r = cx.res(i);
    match text(r, &[P::K("bucket")]) {
        Field::Set(n) => {
            if by_res.values().any(|b| *b == n) {
                Ok(n)
            } else {
                Err(format!(
                    "it names bucket `{n}`, which is not in this plan (a plan alone is taken as the whole network)"
                ))
            }
        }
        Field::Unset => Err("it names no bucket".to_owned()),
        Field::Unknown => match cx.refs.target(r, &[P::K("bucket")]) {
            Target::To(j) => match by_res.get(&j) {
                Some(n) => Ok(n.clone()),
                None => Err(format!(
                    "it refers to `{}`, which is not an `aws_s3_bucket` of this plan",
                    cx.res(j).address
                )),
            },
            Target::External(id) => Err(format!("it names `{id}`, which is not in this plan")),
            Target::Unknown(why) => Err(why),
            Target::Absent => Err("it names no bucket".to_owned()),
        },
    }
}

/// A placeholder bucket name for a bucket whose name is known only after
/// apply: its address, in the letters a bucket name may have.
fn placeholder(address: &str, taken: &dyn Fn(&str) -> bool) -> String {
    let mut s: String = address
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() {
                c.to_ascii_lowercase()
            } else {
                '-'
            }
        })
        .collect();
    while s.contains("--") {
        s = s.replace("--", "-");
    }
    let s = s.trim_matches('-');
    let mut base: String = format!("unnamed-{s}").chars().take(56).collect();
    base = base.trim_end_matches('-').to_owned();
    let mut out = base.clone();
    let mut n = 2;
    while taken(&out) {
        out = format!("{base}-{n}");
        n += 1;
    }
    out
}

/// The policy JSON text at `attr` of resource `i`, as a policy document;
/// `Err(why)` when it is known only after apply; `Ok(None)` when unset.
/// Text that is not JSON is an error of the plan (AWS rejects it).
fn policy_at(cx: &mut Ctx, i: usize, attr: &str) -> Result<Option<PolicyDoc>, String> {
    let v = configured_val(cx, i, attr);
    let t = match v {
        Val::Null => return Ok(None),
        Val::Unknown | Val::Sensitive => return Err(unknown_why(cx, i, attr)),
        Val::Known(Value::String(s)) if s.trim().is_empty() => return Ok(None),
        Val::Known(Value::String(s)) => s.clone(),
        Val::Known(other) => {
            cx.errors.push(ImportError::Invalid {
                file: cx.plan.file.clone(),
                path: format!("{}.{attr}", cx.res(i).address),
                msg: format!("expected the policy's JSON text, found `{other}`"),
                help: None,
            });
            return Ok(None);
        }
    };
    match serde_json::from_str::<Value>(&t) {
        Ok(value) => {
            let pos = cx.pos(i, &[P::K(attr)]);
            let n = match value.get("Statement") {
                Some(Value::Array(a)) => a.len(),
                Some(_) => 1,
                None => 0,
            };
            Ok(Some(PolicyDoc {
                value,
                pos,
                statements: vec![pos; n],
                error: None,
            }))
        }
        Err(e) => {
            let line = t.lines().nth(e.line().saturating_sub(1)).unwrap_or("");
            cx.errors.push(ImportError::Invalid {
                file: cx.plan.file.clone(),
                path: format!("{}.{attr}", cx.res(i).address),
                msg: format!(
                    "the policy is not valid JSON ({e}), at `{}`",
                    line.trim().chars().take(60).collect::<String>()
                ),
                help: Some("AWS rejects it at apply: fix the policy in the Terraform configuration (`jsonencode` writes valid JSON)".to_owned()),
            });
            Ok(None)
        }
    }
}

/// The grants a canned ACL adds beyond the owner's own; `None` for a name
/// S3 does not define.
fn canned(acl: &str) -> Option<Vec<(&'static str, AclPermission)>> {
    Some(match acl {
        "private" | "bucket-owner-read" | "bucket-owner-full-control" | "aws-exec-read" => {
            Vec::new()
        }
        "public-read" => vec![("all-users", AclPermission::Read)],
        "public-read-write" => vec![
            ("all-users", AclPermission::Read),
            ("all-users", AclPermission::Write),
        ],
        "authenticated-read" => vec![("authenticated-users", AclPermission::Read)],
        "log-delivery-write" => vec![
            ("log-delivery", AclPermission::Write),
            ("log-delivery", AclPermission::ReadAcp),
        ],
        _ => return None,
    })
}

fn permission(p: &str) -> Option<AclPermission> {
    Some(match p {
        "READ" => AclPermission::Read,
        "WRITE" => AclPermission::Write,
        "READ_ACP" => AclPermission::ReadAcp,
        "WRITE_ACP" => AclPermission::WriteAcp,
        "FULL_CONTROL" => AclPermission::FullControl,
        _ => return None,
    })
}

/// The grantee of a grant block: its group URI, canonical id or e-mail.
fn grantee(g: &Value) -> Option<String> {
    ["uri", "id", "email_address"]
        .iter()
        .find_map(|k| g.get(*k).and_then(Value::as_str).filter(|s| !s.is_empty()))
        .map(str::to_owned)
}

/// The ACL of resource `i`: its canned `acl` plus its grant blocks
/// (provider v3's `grant` on the bucket, or `access_control_policy` on
/// `aws_s3_bucket_acl`). `Err(why)` when part of it is not known.
fn acl_of(cx: &Ctx, i: usize) -> Result<Option<Vec<Sp<AclGrant>>>, String> {
    let mut out = Vec::new();
    let mut set = false;
    let grant = |out: &mut Vec<Sp<AclGrant>>, who: String, p: AclPermission| {
        out.push(Sp::new(AclGrant {
            grantee: Sp::new(who),
            permission: Sp::new(p),
        }));
    };
    match configured_val(cx, i, "acl") {
        Val::Null => {}
        Val::Unknown | Val::Sensitive => {
            return Err(format!("`acl`: {}", unknown_why(cx, i, "acl")));
        }
        Val::Known(v) => {
            let name = v.as_str().unwrap_or_default();
            if !name.is_empty() {
                let Some(gs) = canned(name) else {
                    return Err(format!(
                        "`acl` is `{name}`, which is not a canned ACL S3 defines"
                    ));
                };
                set = true;
                for (who, p) in gs {
                    grant(&mut out, who.to_owned(), p);
                }
            }
        }
    }
    // Provider v3's `grant` blocks on the bucket: {type, uri, id, permissions}.
    match configured_val(cx, i, "grant") {
        Val::Null => {}
        Val::Unknown | Val::Sensitive => {
            return Err(format!("`grant`: {}", unknown_why(cx, i, "grant")));
        }
        Val::Known(Value::Array(gs)) => {
            for g in gs {
                set = true;
                let who = grantee(g).ok_or("a `grant` names no grantee (or it is unknown)")?;
                for p in g
                    .get("permissions")
                    .and_then(Value::as_array)
                    .ok_or("the permissions of a `grant` are not known")?
                {
                    let p = p.as_str().and_then(permission).ok_or_else(|| {
                        format!("a `grant` has permission `{p}`, which S3 does not define")
                    })?;
                    grant(&mut out, who.clone(), p);
                }
            }
        }
        Val::Known(_) => {}
    }
    // `aws_s3_bucket_acl`'s `access_control_policy[0].grant[*]`.
    match configured_val(cx, i, "access_control_policy") {
        Val::Null => {}
        Val::Unknown | Val::Sensitive => {
            return Err(format!(
                "`access_control_policy`: {}",
                unknown_why(cx, i, "access_control_policy")
            ));
        }
        Val::Known(v) => {
            let gs = v
                .get(0)
                .and_then(|p| p.get("grant"))
                .and_then(Value::as_array)
                .ok_or("the grants of `access_control_policy` are not known")?;
            for g in gs {
                set = true;
                let who = g
                    .get("grantee")
                    .and_then(|x| x.get(0))
                    .and_then(grantee)
                    .ok_or(
                        "a grant of `access_control_policy` names no grantee (or it is unknown)",
                    )?;
                let p = g
                    .get("permission")
                    .and_then(Value::as_str)
                    .and_then(permission)
                    .ok_or(
                        "a grant of `access_control_policy` has a permission that is not known",
                    )?;
                grant(&mut out, who, p);
            }
        }
    }
    Ok(set.then_some(out))
}

/// Block Public Access settings of resource `i` (bucket, account, or an
/// access point's `public_access_block_configuration[0]` with `under`);
/// a setting known only after apply is taken as off, and named in the
/// returned list.
fn bpa_of(
    cx: &Ctx,
    i: usize,
    under: &[P],
    default: bool,
) -> (PublicAccessBlockConfig, Vec<String>) {
    let mut unknown = Vec::new();
    let mut get = |k: &'static str| {
        let mut p = under.to_vec();
        p.push(P::K(k));
        match flag(cx.res(i), &p) {
            Field::Set(b) => b,
            Field::Unset => default,
            Field::Unknown => {
                unknown.push(k.to_owned());
                false
            }
        }
    };
    let c = PublicAccessBlockConfig {
        block_public_acls: get("block_public_acls"),
        ignore_public_acls: get("ignore_public_acls"),
        block_public_policy: get("block_public_policy"),
        restrict_public_buckets: get("restrict_public_buckets"),
    };
    (c, unknown)
}

/// Map the buckets and the resources that configure them.
pub(super) fn buckets(cx: &mut Ctx) {
    let account = account_block(cx);
    let mut bs: Vec<B> = Vec::new();
    for i in cx.of(&BUCKET) {
        cx.emit(i, None);
        let r = cx.res(i);
        let (name, name_unknown) = match text(r, &[P::K("bucket")]) {
            Field::Set(n) => (n, false),
            _ => {
                let taken = |n: &str| bs.iter().any(|b| b.name == n);
                (placeholder(&r.address, &taken), true)
            }
        };
        if name_unknown {
            cx.notes.push(format!(
                "the name of bucket `{}` is known only after apply; it is written as `{name}`",
                r.address
            ));
        }
        let mut b = B {
            res: i,
            name,
            name_unknown,
            policy: None,
            policy_from: Vec::new(),
            bpa: None,
            ownership: None,
            acl: Vec::new(),
            acl_from: Vec::new(),
            acl_unknown: Vec::new(),
            website: None,
            access_points: Vec::new(),
        };
        inline_settings(cx, i, &mut b);
        bs.push(b);
    }
    let by_res: BTreeMap<usize, String> = bs.iter().map(|b| (b.res, b.name.clone())).collect();
    satellites(cx, &mut bs, &by_res);
    access_points(cx, &mut bs, &by_res);
    let defaults: Vec<String> = bs
        .iter()
        .filter(|b| b.bpa.is_none() && cx.res(b.res).created)
        .map(|b| format!("`{}`", b.name))
        .collect();
    if !defaults.is_empty() {
        cx.notes.push(format!(
            "{} bucket{} created without `aws_s3_bucket_public_access_block` ({}): S3 turns all four Block Public Access settings on for new buckets (C-19.7), so a public policy on them is refused at apply",
            defaults.len(),
            if defaults.len() == 1 { " is" } else { "s are" },
            defaults.join(", ")
        ));
    }
    let mut out = Vec::new();
    for b in bs {
        out.push(finish(cx, b));
    }
    // Over a base (`--base`): the base's buckets the plan does not hold
    // stay, and its account settings unless the plan sets them.
    let base = cx.file.s3.take().map(|x| x.value).unwrap_or_default();
    let mut buckets = out;
    let in_plan: Vec<String> = buckets.iter().map(|b| b.name.value.clone()).collect();
    buckets.extend(
        base.buckets
            .into_iter()
            .filter(|b| !in_plan.contains(&b.name.value)),
    );
    if account.is_none() && !buckets.is_empty() && base.accounts.is_empty() {
        cx.notes.push("the plan has no `aws_s3_account_public_access_block`: account-level Block Public Access is taken as off (it can only make a public bucket private)".to_owned());
    }
    let accounts = match account {
        Some(a) => vec![a],
        None => base.accounts,
    };
    if buckets.is_empty() && accounts.is_empty() {
        return;
    }
    cx.file.s3 = Some(Sp::new(S3Section { accounts, buckets }));
}

/// Provider v3's inline settings of bucket resource `i`.
fn inline_settings(cx: &mut Ctx, i: usize, b: &mut B) {
    let address = cx.res(i).address.clone();
    match policy_at(cx, i, "policy") {
        Ok(Some(p)) => {
            b.policy = Some(p);
            b.policy_from.push(address.clone());
        }
        Ok(None) => {}
        Err(why) => {
            b.policy_from.push(address.clone());
            let name = b.name.clone();
            cx.attr_gap(i, "policy", &why, GapKind::S3, Scope::Buckets(vec![name]));
        }
    }
    match acl_of(cx, i) {
        Ok(Some(g)) => {
            b.acl = g;
            b.acl_from.push(address.clone());
        }
        Ok(None) => {}
        Err(why) => {
            b.acl_from.push(address.clone());
            b.acl_unknown.push(format!("the ACL of `{address}`: {why}"));
        }
    }
    if let Val::Known(Value::Array(ws)) = configured_val(cx, i, "website")
        && let Some(w) = ws.first()
    {
        let s = |k: &str| w.get(k).and_then(Value::as_str).map(str::to_owned);
        b.website = Some(Website {
            index_document: s("index_document"),
            error_document: s("error_document"),
            redirect_all_requests_to: s("redirect_all_requests_to"),
        });
    }
}

/// The account-level Block Public Access resource, when the plan has one.
/// Two of them (several accounts) are not told apart by bucket: none is
/// used, with a gap.
fn account_block(cx: &mut Ctx) -> Option<Sp<S3Account>> {
    let rs = cx.of(&["aws_s3_account_public_access_block"]);
    if rs.len() > 1 {
        let names: Vec<String> = rs
            .iter()
            .map(|i| format!("`{}`", cx.res(*i).address))
            .collect();
        cx.gap(
            format!(
                "the plan sets account-level S3 Block Public Access more than once ({}): which buckets each account owns is not in the plan, so none of them is used",
                names.join(", ")
            ),
            GapKind::S3Restrictions,
            Scope::Everywhere,
        );
        return None;
    }
    let i = *rs.first()?;
    cx.emit(i, None);
    let (c, unknown) = bpa_of(cx, i, &[], false);
    for k in unknown {
        cx.attr_gap(
            i,
            &k,
            "an account-level Block Public Access setting, taken as off",
            GapKind::S3Restrictions,
            Scope::Everywhere,
        );
    }
    let pos = cx.pos(i, &[]);
    Some(Sp::new(S3Account {
        account: None,
        public_access_block: Sp::at(c, pos),
    }))
}

/// The bucket `name` in `bs`.
fn find<'a>(bs: &'a mut [B], name: &str) -> Option<&'a mut B> {
    bs.iter_mut().find(|b| b.name == name)
}

/// The bucket that satellite resource `i` configures; `None`, with a gap
/// saying what is left out, when it names none of the plan's buckets.
fn satellite_bucket(
    cx: &mut Ctx,
    i: usize,
    by_res: &BTreeMap<usize, String>,
    what: &str,
) -> Option<String> {
    match bucket_of(cx, i, by_res) {
        Ok(n) => Some(n),
        Err(why) => {
            let kind = if what.contains("Block Public Access") || what.contains("ownership") {
                GapKind::S3Restrictions
            } else {
                GapKind::S3
            };
            cx.attr_gap(
                i,
                "bucket",
                &format!("{why}; the {what} is left out"),
                kind,
                Scope::Everywhere,
            );
            None
        }
    }
}

/// Policies, Block Public Access, ownership, ACLs and websites set by
/// their own resources.
fn satellites(cx: &mut Ctx, bs: &mut [B], by_res: &BTreeMap<usize, String>) {
    for i in cx.of(&["aws_s3_bucket_policy"]) {
        let Some(name) = satellite_bucket(cx, i, by_res, "bucket policy") else {
            continue;
        };
        let address = cx.res(i).address.clone();
        let p = policy_at(cx, i, "policy");
        let Some(b) = find(bs, &name) else { continue };
        b.policy_from.push(address);
        match p {
            Ok(p) => b.policy = p.or(b.policy.take()),
            Err(why) => {
                b.policy = None;
                cx.attr_gap(i, "policy", &why, GapKind::S3, Scope::Buckets(vec![name]));
            }
        }
    }
    for i in cx.of(&["aws_s3_bucket_public_access_block"]) {
        let Some(name) = satellite_bucket(cx, i, by_res, "Block Public Access setting") else {
            continue;
        };
        let (c, unknown) = bpa_of(cx, i, &[], false);
        for k in unknown {
            cx.attr_gap(
                i,
                &k,
                "a Block Public Access setting, taken as off",
                GapKind::S3Restrictions,
                Scope::Buckets(vec![name.clone()]),
            );
        }
        if let Some(b) = find(bs, &name) {
            if b.bpa.is_some() {
                cx.gap(
                    format!("bucket `{name}` has more than one `aws_s3_bucket_public_access_block`: each overwrites the other, and the last one's settings are not decided; they are taken as off"),
                    GapKind::S3Restrictions,
                    Scope::Buckets(vec![name.clone()]),
                );
                b.bpa = Some(PublicAccessBlockConfig::default());
            } else {
                b.bpa = Some(c);
            }
        }
    }
    for i in cx.of(&["aws_s3_bucket_ownership_controls"]) {
        let Some(name) = satellite_bucket(cx, i, by_res, "object ownership setting") else {
            continue;
        };
        let o = match text(
            cx.res(i),
            &[P::K("rule"), P::I(0), P::K("object_ownership")],
        ) {
            Field::Set(s) => match s.as_str() {
                "BucketOwnerEnforced" => Some(ObjectOwnership::BucketOwnerEnforced),
                "BucketOwnerPreferred" => Some(ObjectOwnership::BucketOwnerPreferred),
                "ObjectWriter" => Some(ObjectOwnership::ObjectWriter),
                _ => None,
            },
            _ => None,
        };
        if o.is_none() {
            cx.attr_gap(
                i,
                "rule",
                "the bucket's object ownership, taken as `ObjectWriter` (ACLs enabled)",
                GapKind::S3Restrictions,
                Scope::Buckets(vec![name.clone()]),
            );
        }
        if let Some(b) = find(bs, &name) {
            b.ownership = Some(o.unwrap_or(ObjectOwnership::ObjectWriter));
        }
    }
    for i in cx.of(&["aws_s3_bucket_acl"]) {
        let Some(name) = satellite_bucket(cx, i, by_res, "bucket ACL") else {
            continue;
        };
        let address = cx.res(i).address.clone();
        let acl = acl_of(cx, i);
        let Some(b) = find(bs, &name) else { continue };
        b.acl_from.push(address.clone());
        match acl {
            Ok(g) => b.acl = g.unwrap_or_default(),
            Err(why) => b.acl_unknown.push(format!("the ACL of `{address}`: {why}")),
        }
    }
    for i in cx.of(&["aws_s3_bucket_website_configuration"]) {
        let Some(name) = satellite_bucket(cx, i, by_res, "website configuration") else {
            continue;
        };
        let r = cx.res(i);
        let s = |a: &str, k: &str| match text(r, &[P::K(a), P::I(0), P::K(k)]) {
            Field::Set(v) => Some(v),
            _ => None,
        };
        let w = Website {
            index_document: s("index_document", "suffix"),
            error_document: s("error_document", "key"),
            redirect_all_requests_to: s("redirect_all_requests_to", "host_name"),
        };
        if let Some(b) = find(bs, &name) {
            b.website = Some(w);
        }
    }
}

/// `aws_s3_access_point` and `aws_s3control_access_point_policy`.
fn access_points(cx: &mut Ctx, bs: &mut [B], by_res: &BTreeMap<usize, String>) {
    for i in cx.of(&ACCESS_POINT) {
        let Some(bucket) = satellite_bucket(cx, i, by_res, "access point") else {
            continue;
        };
        cx.emit(i, None);
        let r = cx.res(i);
        let name = match text(r, &[P::K("name")]) {
            Field::Set(n) => n,
            _ => r.address.clone(),
        };
        let vpc_path = [P::K("vpc_configuration"), P::I(0), P::K("vpc_id")];
        let vpc = match r.get(&vpc_path) {
            Val::Null => None,
            _ => match cx.resolve(&cx.refs.target(r, &vpc_path), &["aws_vpc"]) {
                Ok((_, v)) => Some(v),
                Err(why) => {
                    // Taken as open to the internet: the check then says its
                    // exposure is unknown, never that it is closed.
                    cx.notes.push(format!(
                        "the VPC of access point `{}`: {why}; it is taken as accepting requests from the internet",
                        r.address
                    ));
                    None
                }
            },
        };
        let (bpa, unknown) = bpa_of(
            cx,
            i,
            &[P::K("public_access_block_configuration"), P::I(0)],
            true,
        );
        for k in unknown {
            cx.attr_gap(
                i,
                "public_access_block_configuration",
                &format!("`{k}` of the access point, taken as off"),
                GapKind::S3Restrictions,
                Scope::Buckets(vec![bucket.clone()]),
            );
        }
        let policy = match policy_at(cx, i, "policy") {
            Ok(p) => p,
            Err(why) => {
                cx.attr_gap(
                    i,
                    "policy",
                    &why,
                    GapKind::S3,
                    Scope::Buckets(vec![bucket.clone()]),
                );
                None
            }
        };
        let pos = cx.pos(i, &[]);
        let ap = AccessPoint {
            name: Sp::at(name, pos),
            policy,
            vpc: vpc.map(Sp::new),
            public_access_block: Some(Sp::new(bpa)),
        };
        if let Some(b) = find(bs, &bucket) {
            b.access_points.push((i, ap));
        }
    }
    for i in cx.of(&["aws_s3control_access_point_policy"]) {
        let r = cx.res(i);
        let target = cx.refs.target(r, &[P::K("access_point_arn")]);
        let ap = match cx.resolve(&target, &ACCESS_POINT) {
            Ok((j, _)) => j,
            Err(why) => {
                cx.attr_gap(
                    i,
                    "access_point_arn",
                    &format!("{why}; the access point policy is left out"),
                    GapKind::S3,
                    Scope::Everywhere,
                );
                continue;
            }
        };
        let p = policy_at(cx, i, "policy");
        let Some((b, slot)) = bs.iter_mut().find_map(|b| {
            let name = b.name.clone();
            b.access_points
                .iter_mut()
                .find(|(k, _)| *k == ap)
                .map(|(_, a)| (name, a))
        }) else {
            continue;
        };
        match p {
            Ok(p) => slot.policy = p.or(slot.policy.take()),
            Err(why) => {
                slot.policy = None;
                cx.attr_gap(i, "policy", &why, GapKind::S3, Scope::Buckets(vec![b]));
            }
        }
    }
}

/// The bucket's record, with the gaps of what the plan leaves undecided.
fn finish(cx: &mut Ctx, mut b: B) -> Sp<Bucket> {
    let i = b.res;
    let r = cx.res(i);
    let created = r.created;
    let address = r.address.clone();
    let region = match text(r, &[P::K("region")]) {
        Field::Set(s) => Some(Sp::new(s)),
        _ => None,
    };
    let bucket_tags = tags(r);
    let name = b.name.clone();
    let one = |v: &[String]| {
        v.iter()
            .map(|a| format!("`{a}`"))
            .collect::<Vec<_>>()
            .join(", ")
    };
    if b.policy_from.len() > 1 {
        cx.gap(
            format!(
                "bucket `{name}` gets its policy from more than one place ({}): each overwrites the other at every apply, so its policy after apply is not decided",
                one(&b.policy_from)
            ),
            GapKind::S3,
            Scope::Buckets(vec![name.clone()]),
        );
    }
    if b.acl_from.len() > 1 {
        b.acl_unknown.push(format!(
            "bucket `{name}` gets its ACL from more than one place ({}): each overwrites the other at every apply, so its ACL after apply is not decided",
            one(&b.acl_from)
        ));
    }
    if b.name_unknown
        && (b.policy.is_some() || b.access_points.iter().any(|(_, a)| a.policy.is_some()))
    {
        cx.attr_gap(
            i,
            "bucket",
            "the bucket's name, which decides the statements of its policy that apply to it",
            GapKind::S3,
            Scope::Buckets(vec![name.clone()]),
        );
    }
    // Settings not in the plan: a new bucket has S3's defaults for new
    // buckets; one the plan keeps has settings the plan does not hold.
    let bpa = match b.bpa {
        Some(c) => c,
        None if created => PublicAccessBlockConfig {
            block_public_acls: true,
            ignore_public_acls: true,
            block_public_policy: true,
            restrict_public_buckets: true,
        },
        None => {
            cx.gap(
                format!("the Block Public Access settings of bucket `{name}` (`{address}`, not created by this plan) are not in the plan; they are taken as off"),
                GapKind::S3Restrictions,
                Scope::Buckets(vec![name.clone()]),
            );
            PublicAccessBlockConfig::default()
        }
    };
    let ownership = match b.ownership {
        Some(o) => o,
        None if created => ObjectOwnership::BucketOwnerEnforced,
        None => {
            cx.gap(
                format!("the object ownership of bucket `{name}` (`{address}`, not created by this plan) is not in the plan; it is taken as `ObjectWriter` (ACLs enabled)"),
                GapKind::S3Restrictions,
                Scope::Buckets(vec![name.clone()]),
            );
            ObjectOwnership::ObjectWriter
        }
    };
    // Disabled or ignored ACLs grant nothing: not knowing them changes
    // nothing (C-19.6).
    if ownership != ObjectOwnership::BucketOwnerEnforced && !bpa.ignore_public_acls {
        for what in std::mem::take(&mut b.acl_unknown) {
            cx.gap(what, GapKind::S3, Scope::Buckets(vec![name.clone()]));
        }
    }
    let pos = cx.pos(i, &[]);
    Sp::new(Bucket {
        name: Sp::at(name, pos),
        region,
        account: None,
        policy: b.policy,
        public_access_block: Some(Sp::new(bpa)),
        object_ownership: Some(Sp::new(ownership)),
        acl: b.acl,
        access_points: b
            .access_points
            .into_iter()
            .map(|(_, a)| Sp::new(a))
            .collect(),
        website: b.website.map(Sp::new),
        tags: bucket_tags,
    })
}
