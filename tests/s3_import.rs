//! Importing S3 buckets (issue 17): from Terraform plans (hand-written
//! plans under `tests/fixtures/terraform/aws/s3-*.json`, and the field
//! plans that hold buckets) and from snapshots (`tests/snapshots/s3*`).
//! Each import is loaded back from the YAML it writes, and gives the same
//! verdicts (the round trip); missing or unknown data makes the buckets it
//! concerns `unknown`, naming it, never a pass.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "a test fails by panicking"
)]

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde_json::{Value, json};

use netverify::engine::Engine;
use netverify::import::terraform::import_plan;
use netverify::import::{Imported, import_snapshot, to_yaml};
use netverify::model::load_str;
use netverify::report::{CheckResult, FindingKind};

#[path = "common/field_data.rs"]
mod field_data;
#[path = "common/run.rs"]
mod run;
use run::run;

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/terraform/aws")
        .join(name)
}

/// What the check says of one bucket.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Said {
    Public,
    Unknown,
    NotPublic,
}

/// The public-exposure result of a topology written as YAML.
fn exposure_of_yaml(yaml: &str) -> CheckResult {
    let t = match load_str(yaml, "imported.yaml") {
        Ok(t) => t,
        Err(e) => panic!(
            "the imported topology does not load:\n{}\n{yaml}",
            e.render(Some(yaml))
        ),
    };
    let engine = Engine::new(&t);
    (netverify::checks::find("public-exposure").unwrap().run)(&engine)
}

/// Each bucket's verdict: public (a violation), unknown, or not public.
fn per_bucket(r: &CheckResult, names: &[String]) -> BTreeMap<String, Said> {
    names
        .iter()
        .map(|n| {
            let of = |k: FindingKind| r.findings.iter().any(|f| &f.resource == n && f.kind == k);
            let said = if of(FindingKind::Violation) {
                Said::Public
            } else if of(FindingKind::Unknown) {
                Said::Unknown
            } else {
                Said::NotPublic
            };
            (n.clone(), said)
        })
        .collect()
}

fn bucket_names(i: &Imported) -> Vec<String> {
    i.file
        .s3
        .as_ref()
        .map(|s| s.buckets.iter().map(|b| b.name.value.clone()).collect())
        .unwrap_or_default()
}

/// Import, write the YAML, load it back, check; the same twice over (the
/// YAML is deterministic and reloads to the same verdicts).
fn round_trip(i: &Imported) -> (CheckResult, BTreeMap<String, Said>) {
    let yaml = to_yaml(&i.file);
    let r = exposure_of_yaml(&yaml);
    let names = bucket_names(i);
    let said = per_bucket(&r, &names);
    let t = load_str(&yaml, "imported.yaml").unwrap();
    assert_eq!(
        t.buckets.len(),
        names.len(),
        "every imported bucket loads back"
    );
    (r, said)
}

fn message_of(r: &CheckResult, bucket: &str, kind: FindingKind) -> String {
    r.findings
        .iter()
        .filter(|f| f.resource == bucket && f.kind == kind)
        .map(|f| f.message.clone())
        .collect::<Vec<_>>()
        .join("\n")
}

/// The summary line the CLI prints for `check <input> --check public-exposure`.
fn cli_summary(input: &str) -> (i32, String) {
    let args = ["check", input, "--check", "public-exposure"];
    let (code, out, err) = run(&args);
    let line = out
        .lines()
        .find(|l| l.starts_with("public-exposure:"))
        .unwrap_or_else(|| panic!("no verdict line:\n{out}\n{err}"))
        .to_owned();
    (code, line)
}

// ------------------------------------------------------------- terraform

fn plan_json(name: &str) -> Value {
    serde_json::from_str(&std::fs::read_to_string(fixture(name)).unwrap()).unwrap()
}

struct Written {
    _dir: tempfile::TempDir,
    path: PathBuf,
}

fn write(plan: &Value) -> Written {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("plan.json");
    std::fs::write(&path, serde_json::to_string_pretty(plan).unwrap()).unwrap();
    Written { _dir: dir, path }
}

fn rc<'a>(plan: &'a mut Value, address: &str) -> &'a mut Value {
    plan["resource_changes"]
        .as_array_mut()
        .unwrap()
        .iter_mut()
        .find(|r| r["address"] == address)
        .unwrap()
}

fn said(path: &Path) -> (Imported, CheckResult, BTreeMap<String, Said>) {
    let i = import_plan(path).unwrap_or_else(|e| panic!("{}", e.render()));
    let (r, s) = round_trip(&i);
    (i, r, s)
}

/// The hand-written provider v5 plan: a website bucket opened by its own
/// Block Public Access, ownership, ACL and policy resources is public
/// (policy and ACL); a new bucket with nothing else gets S3's defaults and
/// is not public; a policy from a data source read only at apply makes its
/// bucket `unknown`, naming the attribute and the data source; an existing
/// bucket whose Block Public Access is not in the plan, with a policy for
/// one partner account, stays not public (those settings only restrict).
#[test]
fn plan_v5_buckets_public_unknown_and_not_public() {
    let (i, r, s) = said(&fixture("s3-buckets.json"));
    assert_eq!(s["example-site-assets"], Said::Public, "{r:#?}");
    assert_eq!(s["example-access-logs"], Said::NotPublic, "{r:#?}");
    assert_eq!(s["example-reports"], Said::Unknown, "{r:#?}");
    assert_eq!(s["example-archive"], Said::NotPublic, "{r:#?}");
    let why = message_of(&r, "example-reports", FindingKind::Unknown);
    assert!(
        why.contains("`aws_s3_bucket_policy.reports.policy` is known only after apply")
            && why.contains("data.aws_iam_policy_document.reports.json"),
        "{why}"
    );
    let site = message_of(&r, "example-site-assets", FindingKind::Violation);
    assert!(site.contains("statement `PublicRead`"), "{site}");
    assert!(site.contains("grants `read` to everyone"), "{site}");
    // The website and the access point are carried over.
    let b = &i.file.s3.as_ref().unwrap().buckets[0].value;
    assert_eq!(
        b.website.as_ref().unwrap().index_document.as_deref(),
        Some("index.html")
    );
    assert_eq!(b.access_points[0].name.value, "site-ap");
    assert!(
        i.notes.iter().any(|n| n.contains("C-19.7")
            && n.contains("`example-access-logs`")
            && !n.contains("`example-site-assets`")),
        "{:?}",
        i.notes
    );
}

/// The CLI's verdict on the plan equals the verdict on the YAML it imports.
#[test]
fn plan_cli_verdict_equals_the_imported_yaml_verdict() {
    for name in ["s3-buckets.json", "s3-legacy-v3.json"] {
        let p = fixture(name);
        let (_, r, _) = said(&p);
        let (code, line) = cli_summary(p.to_str().unwrap());
        assert_eq!(
            line,
            format!("public-exposure: {} — {}", r.verdict.as_str(), r.summary),
            "{name}"
        );
        assert_eq!(code, 1, "{name}");
    }
}

/// Provider v3's inline `acl`, `grant`, `policy` and `website` on
/// `aws_s3_bucket`: a `public-read-write` canned ACL and a public policy
/// with ACLs enabled (`ObjectWriter`) and Block Public Access off; a
/// `grant` block to `AuthenticatedUsers` is public too, one to
/// `LogDelivery` is not.
#[test]
fn plan_v3_inline_acl_grant_policy_and_website() {
    let (i, r, s) = said(&fixture("s3-legacy-v3.json"));
    assert_eq!(s["legacy-downloads"], Said::Public);
    assert_eq!(s["legacy-shared"], Said::Public);
    let d = message_of(&r, "legacy-downloads", FindingKind::Violation);
    assert!(d.contains("statement `PublicList`"), "{d}");
    assert!(d.contains("grants `write` to everyone"), "{d}");
    let sh = message_of(&r, "legacy-shared", FindingKind::Violation);
    assert!(
        sh.contains("every AWS account (`AuthenticatedUsers`)"),
        "{sh}"
    );
    assert!(!sh.contains("LogDelivery"), "{sh}");
    let b = &i.file.s3.as_ref().unwrap().buckets[0].value;
    assert_eq!(
        b.website.as_ref().unwrap().error_document.as_deref(),
        Some("404.html")
    );
}

/// Account-level Block Public Access with `RestrictPublicBuckets` and
/// `IgnorePublicAcls` makes the public website bucket not public.
#[test]
fn plan_account_block_public_access_covers_the_buckets() {
    let mut plan = plan_json("s3-buckets.json");
    plan["resource_changes"].as_array_mut().unwrap().push(json!({
        "address": "aws_s3_account_public_access_block.this", "mode": "managed",
        "type": "aws_s3_account_public_access_block", "name": "this",
        "change": {"actions": ["create"], "before": null,
            "after": {"block_public_acls": true, "block_public_policy": true, "ignore_public_acls": true, "restrict_public_buckets": true},
            "after_unknown": {"account_id": true, "id": true}, "after_sensitive": {}}
    }));
    let w = write(&plan);
    let (_, r, s) = said(&w.path);
    assert_eq!(s["example-site-assets"], Said::Unknown, "{r:#?}");
    // What is left is the access point open to the internet.
    let m = message_of(&r, "example-site-assets", FindingKind::Unknown);
    assert!(m.contains("access point `site-ap`"), "{m}");
    assert!(!m.contains("may carry public ACLs"), "{m}");
}

/// An existing bucket whose Block Public Access is not in the plan, with a
/// public policy: the settings could turn it off, so it is `unknown`
/// (never `violated` as if they were known off, never a pass).
#[test]
fn plan_existing_bucket_with_public_policy_and_unmanaged_block_is_unknown() {
    let mut plan = plan_json("s3-buckets.json");
    let pol = json!({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": "*", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::example-archive/*"}]}).to_string();
    rc(&mut plan, "aws_s3_bucket_policy.archive")["change"]["after"]["policy"] = json!(pol);
    let w = write(&plan);
    let (_, r, s) = said(&w.path);
    assert_eq!(s["example-archive"], Said::Unknown, "{r:#?}");
    let m = message_of(&r, "example-archive", FindingKind::Unknown);
    assert!(
        m.contains("anyone can read bucket `example-archive`")
            && m.contains("Block Public Access settings of bucket `example-archive`"),
        "{m}"
    );
}

/// A policy set inline (provider v3) and by `aws_s3_bucket_policy`: each
/// overwrites the other at every apply, so the bucket is `unknown`.
#[test]
fn plan_policy_set_twice_is_a_gap_on_the_bucket() {
    let mut plan = plan_json("s3-legacy-v3.json");
    plan["resource_changes"].as_array_mut().unwrap().push(json!({
        "address": "aws_s3_bucket_policy.downloads", "mode": "managed",
        "type": "aws_s3_bucket_policy", "name": "downloads",
        "change": {"actions": ["create"], "before": null,
            "after": {"bucket": "legacy-downloads", "policy": "{\"Version\":\"2012-10-17\",\"Statement\":[{\"Effect\":\"Deny\",\"Principal\":\"*\",\"Action\":\"s3:*\",\"Resource\":\"*\"}]}"},
            "after_unknown": {"id": true}, "after_sensitive": {}}
    }));
    let w = write(&plan);
    let (_, r, s) = said(&w.path);
    // The other policy denies everything, which would override the ACL's
    // grants too: nothing about the bucket stands.
    assert_eq!(s["legacy-downloads"], Said::Unknown, "{r:#?}");
    let m = message_of(&r, "legacy-downloads", FindingKind::Unknown);
    assert!(
        m.contains("gets its policy from more than one place"),
        "{m}"
    );
}

/// A policy that is not JSON is an input error naming the file, the
/// attribute and the offending text; nothing is written.
#[test]
fn plan_policy_that_is_not_json_is_an_error() {
    let mut plan = plan_json("s3-buckets.json");
    rc(&mut plan, "aws_s3_bucket_policy.site")["change"]["after"]["policy"] =
        json!("{\"Statement\": [ {\"Effect\": \"Allow\",, } ]}");
    let w = write(&plan);
    let (code, out, err) = run(&["import", "terraform", w.path.to_str().unwrap()]);
    assert_eq!(code, 2, "{out}\n{err}");
    assert!(
        err.contains("plan.json")
            && err.contains("aws_s3_bucket_policy.site.policy")
            && err.contains("not valid JSON")
            && err.contains("help:"),
        "{err}"
    );
    assert!(out.is_empty(), "{out}");
}

/// A bucket whose name is known only after apply (`bucket_prefix`) gets a
/// placeholder name that loads; with a policy, which statements apply to
/// it is not decided: `unknown`.
#[test]
fn plan_bucket_name_unknown_with_policy_is_unknown() {
    let mut plan = plan_json("s3-legacy-v3.json");
    let b = rc(&mut plan, "aws_s3_bucket.downloads");
    b["change"]["after"]["bucket"] = Value::Null;
    b["change"]["after"]["bucket_prefix"] = json!("legacy-");
    b["change"]["after_unknown"]["bucket"] = json!(true);
    b["change"]["after"]["acl"] = json!("private");
    let w = write(&plan);
    let (i, r, s) = said(&w.path);
    let name = bucket_names(&i)[0].clone();
    assert!(
        name.starts_with("unnamed-aws-s3-bucket-downloads"),
        "{name}"
    );
    assert_eq!(s[&name], Said::Unknown, "{r:#?}");
    assert!(
        message_of(&r, &name, FindingKind::Unknown).contains("`aws_s3_bucket.downloads.bucket`"),
        "{r:#?}"
    );
}

/// An unknown Block Public Access setting is taken as off with a gap of
/// kind `s3-restrictions`: the public bucket is `unknown`, not `violated`.
#[test]
fn plan_unknown_block_setting_makes_a_public_bucket_unknown() {
    let mut plan = plan_json("s3-legacy-v3.json");
    let b = rc(&mut plan, "aws_s3_bucket_public_access_block.downloads");
    b["change"]["after"]["restrict_public_buckets"] = Value::Null;
    b["change"]["after_unknown"]["restrict_public_buckets"] = json!(true);
    let w = write(&plan);
    let (i, r, s) = said(&w.path);
    assert_eq!(s["legacy-downloads"], Said::Unknown, "{r:#?}");
    assert_eq!(s["legacy-shared"], Said::Public);
    let yaml = to_yaml(&i.file);
    assert!(yaml.contains("kind: s3-restrictions"), "{yaml}");
}

// ------------------------------------------------------------- field plans

fn field_plan(name: &str) -> Option<PathBuf> {
    Some(field_data::terraform_plans()?.join(name).join("plan.json"))
}

/// regula-s3-bucket-policy: seven buckets the plan creates, none with
/// `aws_s3_bucket_public_access_block`. S3 turns Block Public Access on for
/// new buckets (C-19.7), so the three public policies (`AWS: *` to `*`,
/// `s3:ListBucket` and `s3:List*` to `*`) are limited by
/// `RestrictPublicBuckets` (notes), and no bucket is public.
#[test]
fn field_regula_bucket_policies_on_new_buckets_are_restricted() {
    let Some(p) = field_plan("regula-s3-bucket-policy") else {
        return;
    };
    let (_, r, s) = said(&p);
    assert_eq!(s.len(), 7);
    assert!(s.values().all(|v| *v == Said::NotPublic), "{s:?}");
    let restricted: Vec<&str> = r
        .findings
        .iter()
        .filter(|f| f.kind == FindingKind::Info && f.message.contains("RestrictPublicBuckets"))
        .map(|f| f.resource.as_str())
        .collect();
    for b in [
        "allowget-external-policy",
        "allowlist-external-policy",
        "allowlist-inline-policy",
    ] {
        assert!(restricted.contains(&b), "{b}: {restricted:?}");
    }
    // `s3:GetBucket` is no S3 action; the Deny policies allow nothing.
    for b in [
        "allowget-inline-policy",
        "denylist-inline-policy",
        "denylist-external-policy",
        "nopolicy-bucket",
    ] {
        assert!(!restricted.contains(&b), "{b}");
    }
    let (code, line) = cli_summary(p.to_str().unwrap());
    assert_eq!(code, 0, "{line}");
}

/// iamval-resource-policies: `my-tf-test-bucket` has a policy to
/// `AWS: *` (restricted by the new-bucket defaults), `my-private-test-bucket`
/// one to account 123456789012 (not public). Provider v5 computes the
/// legacy `policy`, `acl` and `website`: unknown but unconfigured, so not
/// gaps.
#[test]
fn field_iamval_public_and_account_policies() {
    let Some(p) = field_plan("iamval-resource-policies") else {
        return;
    };
    let (i, r, s) = said(&p);
    assert_eq!(s["my-tf-test-bucket"], Said::NotPublic, "{r:#?}");
    assert_eq!(s["my-private-test-bucket"], Said::NotPublic, "{r:#?}");
    assert!(
        r.findings.iter().any(|f| f.resource == "my-tf-test-bucket"
            && f.kind == FindingKind::Info
            && f.message.contains("RestrictPublicBuckets")),
        "{r:#?}"
    );
    assert!(
        !i.file
            .gaps
            .iter()
            .any(|g| g.what.value.contains("aws_s3_bucket")),
        "{:?}",
        i.file.gaps
    );
}

/// checkov-terragoat-mixed: six new buckets, `data` with the canned ACL
/// `public-read` (provider v2/v3 inline) and `logs` with
/// `log-delivery-write`. New buckets have ACLs disabled (C-19.7): the
/// grant is a note, no bucket is public.
#[test]
fn field_terragoat_public_read_acl_on_a_new_bucket_is_disabled() {
    let Some(p) = field_plan("checkov-terragoat-mixed") else {
        return;
    };
    let (_, r, s) = said(&p);
    assert_eq!(s.len(), 6);
    assert!(s.values().all(|v| *v == Said::NotPublic), "{s:?}");
    assert!(
        r.findings
            .iter()
            .any(|f| f.resource == "123456789123-acme-corp-data"
                && f.kind == FindingKind::Info
                && f.message.contains("ACLs are disabled")),
        "{r:#?}"
    );
}

/// regula-cloudfront: the origin bucket's name is known only after apply;
/// it has no policy, so its placeholder name decides nothing: not public.
#[test]
fn field_cloudfront_origin_bucket_without_a_name() {
    let Some(p) = field_plan("regula-cloudfront") else {
        return;
    };
    let (i, _, s) = said(&p);
    assert_eq!(s.len(), 1);
    assert!(s.values().all(|v| *v == Said::NotPublic), "{s:?}");
    assert!(
        i.notes
            .iter()
            .any(|n| n
                .contains("the name of bucket `aws_s3_bucket.bucket` is known only after apply")),
        "{:?}",
        i.notes
    );
}

// ------------------------------------------------------------- snapshots

fn snapshot(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/snapshots")
        .join(name)
}

fn snapshot_said(dir: &Path) -> (Imported, CheckResult, BTreeMap<String, Said>) {
    let i = import_snapshot(dir).unwrap_or_else(|e| panic!("{}", e.render()));
    let (r, s) = round_trip(&i);
    (i, r, s)
}

/// A snapshot folder written from (file, JSON) pairs.
fn snap_dir(files: &[(&str, Value)]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    for (name, v) in files {
        let p = dir.path().join("aws_configs").join(name);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, serde_json::to_string_pretty(v).unwrap()).unwrap();
    }
    dir
}

/// The repository's S3 snapshot (`tests/fixtures/snapshots/s3-buckets`):
/// one public website bucket (policy and ACL); a private bucket with every
/// output captured (`NoSuchBucketPolicy` is "no policy"); a bucket whose
/// policy read was denied (`unknown`, naming the call and the error); an
/// archive with a partner-account policy and no Block Public Access
/// output (not public: those settings only restrict); a bucket with a
/// public write policy and no Block Public Access output (`unknown`, not
/// `violated`).
#[test]
fn snapshot_buckets_public_unknown_and_not_public() {
    let dir = snapshot("s3-buckets");
    let (i, r, s) = snapshot_said(&dir);
    assert_eq!(s["example-site-assets"], Said::Public, "{r:#?}");
    assert_eq!(s["example-access-logs"], Said::NotPublic, "{r:#?}");
    assert_eq!(s["example-reports"], Said::Unknown, "{r:#?}");
    assert_eq!(s["example-archive"], Said::NotPublic, "{r:#?}");
    assert_eq!(s["example-partner-drop"], Said::Unknown, "{r:#?}");
    let rep = message_of(&r, "example-reports", FindingKind::Unknown);
    assert!(
        rep.contains(
            "`s3api get-bucket-policy` for bucket `example-reports` failed (AccessDenied)"
        ),
        "{rep}"
    );
    let drop = message_of(&r, "example-partner-drop", FindingKind::Unknown);
    assert!(
        drop.contains("anyone can write bucket `example-partner-drop`")
            && drop
                .contains("no `s3api get-public-access-block` for bucket `example-partner-drop`"),
        "{drop}"
    );
    let s3 = i.file.s3.as_ref().unwrap();
    let archive = s3
        .buckets
        .iter()
        .find(|b| b.name.value == "example-archive")
        .unwrap();
    assert_eq!(
        archive.region.as_ref().map(|r| r.value.as_str()),
        Some("us-east-1"),
        "a null LocationConstraint is us-east-1"
    );
    assert_eq!(s3.accounts.len(), 1);
    let (code, line) = cli_summary(dir.to_str().unwrap());
    assert_eq!(code, 1);
    assert_eq!(
        line,
        format!("public-exposure: {} — {}", r.verdict.as_str(), r.summary)
    );
}

/// `list-buckets` alone: each bucket's policy and ACL are missing, so
/// every bucket is `unknown`, naming the missing outputs; the account's
/// and buckets' Block Public Access are missing too (kind
/// `s3-restrictions`).
#[test]
fn snapshot_list_buckets_alone_makes_every_bucket_unknown() {
    let d = snap_dir(&[(
        "list-buckets.json",
        json!({"Buckets": [{"Name": "alpha-data"}, {"Name": "beta-data"}], "Owner": {"ID": "abc"}}),
    )]);
    let (i, r, s) = snapshot_said(d.path());
    assert_eq!(s["alpha-data"], Said::Unknown);
    assert_eq!(s["beta-data"], Said::Unknown);
    let m = message_of(&r, "alpha-data", FindingKind::Unknown);
    assert!(
        m.contains("no `s3api get-bucket-policy` for bucket `alpha-data`")
            && m.contains("no `s3api get-bucket-acl` for bucket `alpha-data`"),
        "{m}"
    );
    let yaml = to_yaml(&i.file);
    assert!(yaml.contains("s3control get-public-access-block"), "{yaml}");
}

/// Account-level `RestrictPublicBuckets` and `IgnorePublicAcls` from
/// `s3control get-public-access-block` cover the account's buckets.
#[test]
fn snapshot_account_block_covers_the_buckets() {
    let d = snap_dir(&[
        (
            "accounts/111122223333/list-buckets.json",
            json!({"Buckets": [{"Name": "gamma-data"}]}),
        ),
        (
            "accounts/111122223333/pab.json",
            json!({"AccountId": "111122223333", "PublicAccessBlockConfiguration": {"RestrictPublicBuckets": true, "IgnorePublicAcls": true}}),
        ),
        (
            "accounts/111122223333/policy.json",
            json!({"Bucket": "gamma-data", "Policy": "{\"Statement\":[{\"Effect\":\"Allow\",\"Principal\":\"*\",\"Action\":\"s3:GetObject\",\"Resource\":\"arn:aws:s3:::gamma-data/*\"}]}"}),
        ),
        (
            "accounts/111122223333/bpa.json",
            json!({"Bucket": "gamma-data", "Error": {"Code": "NoSuchPublicAccessBlockConfiguration"}}),
        ),
        (
            "accounts/111122223333/own.json",
            json!({"Bucket": "gamma-data", "OwnershipControls": {"Rules": [{"ObjectOwnership": "ObjectWriter"}]}}),
        ),
        (
            "accounts/111122223333/acl.json",
            json!({"Bucket": "gamma-data", "Grants": [{"Grantee": {"Type": "Group", "URI": "http://acs.amazonaws.com/groups/global/AllUsers"}, "Permission": "READ"}]}),
        ),
    ]);
    let (i, r, s) = snapshot_said(d.path());
    assert_eq!(s["gamma-data"], Said::NotPublic, "{r:#?}");
    assert!(i.file.gaps.is_empty(), "{:?}", i.file.gaps);
    assert!(
        r.findings
            .iter()
            .any(|f| f.kind == FindingKind::Info && f.message.contains("`IgnorePublicAcls` is on")),
        "{r:#?}"
    );
}

/// Bad S3 outputs are input errors naming the file and the JSON path (and
/// the offending value), never a partial import.
#[test]
fn snapshot_bad_s3_outputs_are_errors() {
    let cases: Vec<(Value, &[&str])> = vec![
        (
            json!({"Policy": "{}"}),
            &["`Policy` without `Bucket`", "bad.json"],
        ),
        (
            json!({"Bucket": "delta-data", "Policy": "{\"Statement\": [ {,} ]}"}),
            &[
                "bad.json",
                "Policy",
                "not valid JSON",
                "{\"Statement\": [ {,} ]}",
            ],
        ),
        (
            json!({"Bucket": "delta-data", "Error": {"Code": "AccessDenied"}}),
            &["bad.json", "`AccessDenied` without `Operation`"],
        ),
        (
            json!({"Bucket": "delta-data", "OwnershipControls": {"Rules": [{"ObjectOwnership": "BucketOwnerEnforce"}]}}),
            &[
                "bad.json",
                "OwnershipControls.Rules[0].ObjectOwnership",
                "`BucketOwnerEnforce`",
            ],
        ),
        (
            json!({"Bucket": "delta-data", "Grants": [{"Grantee": {"Type": "Group", "URI": "x"}, "Permission": "READ_ALL"}]}),
            &["bad.json", "Grants[0].Permission", "`READ_ALL`"],
        ),
        (
            json!({"PublicAccessBlockConfiguration": {"BlockPublicAcls": "yes"}, "Bucket": "delta-data"}),
            &["bad.json", "PublicAccessBlockConfiguration.BlockPublicAcls"],
        ),
    ];
    for (doc, wants) in cases {
        let d = snap_dir(&[("bad.json", doc.clone())]);
        let (code, out, err) = run(&["import", "snapshot", d.path().to_str().unwrap()]);
        assert_eq!(code, 2, "{doc}: {out}\n{err}");
        for w in wants {
            assert!(err.contains(w), "{doc}: missing `{w}` in\n{err}");
        }
    }
}

/// A bucket with a legacy name (capitals) is left out with a gap, not
/// written where the loader would reject it.
#[test]
fn snapshot_legacy_bucket_name_is_left_out_with_a_gap() {
    let d = snap_dir(&[(
        "list-buckets.json",
        json!({"Buckets": [{"Name": "Legacy_Bucket"}, {"Name": "epsilon-data"}]}),
    )]);
    let (i, _, s) = snapshot_said(d.path());
    assert_eq!(s.len(), 1);
    assert!(
        i.file
            .gaps
            .iter()
            .any(|g| g.what.value.contains("`Legacy_Bucket`")),
        "{:?}",
        i.file.gaps
    );
}

/// A website that redirects every request (`RedirectAllRequestsTo`, no
/// `IndexDocument`) is read as a website.
#[test]
fn snapshot_redirect_only_website() {
    let d = snap_dir(&[
        (
            "list-buckets.json",
            json!({"Buckets": [{"Name": "zeta-redirect"}]}),
        ),
        (
            "website.json",
            json!({"Bucket": "zeta-redirect", "RedirectAllRequestsTo": {"HostName": "www.example.com", "Protocol": "https"}}),
        ),
    ]);
    let (i, _, _) = snapshot_said(d.path());
    let b = &i.file.s3.as_ref().unwrap().buckets[0].value;
    assert_eq!(
        b.website
            .as_ref()
            .unwrap()
            .redirect_all_requests_to
            .as_deref(),
        Some("www.example.com")
    );
}

/// A plan laid over a snapshot (`--base`): the snapshot's buckets stay,
/// with their own gaps, beside the plan's.
#[test]
fn plan_over_a_base_keeps_the_base_buckets() {
    let base = snapshot("s3-buckets");
    let plan = fixture("s3-legacy-v3.json");
    let (code, out, err) = run(&[
        "import",
        "terraform",
        plan.to_str().unwrap(),
        "--base",
        base.to_str().unwrap(),
    ]);
    assert_eq!(code, 0, "{err}");
    for b in [
        "name: legacy-downloads",
        "name: legacy-shared",
        "name: example-site-assets",
        "name: example-partner-drop",
    ] {
        assert!(out.contains(b), "`{b}` missing:\n{out}");
    }
    let r = exposure_of_yaml(&out);
    assert!(
        r.findings
            .iter()
            .any(|f| f.resource == "example-reports" && f.kind == FindingKind::Unknown),
        "{r:#?}"
    );
}

/// An access point restricted to a VPC of the plan (its `vpc_id` followed
/// through the configuration) is no internet path; its policy comes from
/// `aws_s3control_access_point_policy`, found by the access point's ARN.
#[test]
fn plan_access_point_in_a_vpc_with_its_policy() {
    let mut plan = plan_json("s3-buckets.json");
    let ap = rc(&mut plan, "aws_s3_access_point.site");
    ap["change"]["after"]["vpc_configuration"] = json!([{}]);
    ap["change"]["after_unknown"]["vpc_configuration"] = json!([{"vpc_id": true}]);
    let changes = plan["resource_changes"].as_array_mut().unwrap();
    changes.push(json!({
        "address": "aws_vpc.main", "mode": "managed", "type": "aws_vpc", "name": "main",
        "change": {"actions": ["create"], "before": null,
            "after": {"cidr_block": "10.0.0.0/16", "tags": {"Name": "main"}},
            "after_unknown": {"id": true, "arn": true}, "after_sensitive": {}}
    }));
    changes.push(json!({
        "address": "aws_s3control_access_point_policy.site", "mode": "managed",
        "type": "aws_s3control_access_point_policy", "name": "site",
        "change": {"actions": ["create"], "before": null,
            "after": {"policy": "{\"Version\":\"2012-10-17\",\"Statement\":[{\"Effect\":\"Allow\",\"Principal\":{\"AWS\":\"arn:aws:iam::111122223333:root\"},\"Action\":\"s3:GetObject\",\"Resource\":\"arn:aws:s3:eu-west-1:111122223333:accesspoint/site-ap/object/*\"}]}"},
            "after_unknown": {"access_point_arn": true, "has_public_access_policy": true, "id": true},
            "after_sensitive": {}}
    }));
    let conf = plan["configuration"]["root_module"]["resources"]
        .as_array_mut()
        .unwrap();
    conf.push(
        json!({"address": "aws_vpc.main", "mode": "managed", "type": "aws_vpc", "name": "main",
        "expressions": {"cidr_block": {"constant_value": "10.0.0.0/16"}}}),
    );
    conf.push(json!({"address": "aws_s3control_access_point_policy.site", "mode": "managed",
        "type": "aws_s3control_access_point_policy", "name": "site",
        "expressions": {"access_point_arn": {"references": ["aws_s3_access_point.site.arn", "aws_s3_access_point.site"]}, "policy": {}}}));
    let ap_conf = conf
        .iter_mut()
        .find(|c| c["address"] == "aws_s3_access_point.site")
        .unwrap();
    ap_conf["expressions"]["vpc_configuration"] =
        json!([{"vpc_id": {"references": ["aws_vpc.main.id", "aws_vpc.main"]}}]);
    let w = write(&plan);
    let (i, r, _) = said(&w.path);
    let b = &i.file.s3.as_ref().unwrap().buckets[0].value;
    let ap = &b.access_points[0].value;
    assert_eq!(
        ap.vpc.as_ref().map(|v| v.value.as_str()),
        Some("aws_vpc.main")
    );
    assert!(ap.policy.is_some(), "{ap:?}");
    assert!(
        !message_of(&r, "example-site-assets", FindingKind::Unknown).contains("access point"),
        "{r:#?}"
    );
}

/// An ACL known only after apply is a gap only while ACLs are in force: on
/// a new bucket without ownership controls (ACLs disabled, C-19.7) it
/// changes nothing; with `ObjectWriter` the bucket is `unknown`.
#[test]
fn plan_unknown_acl_matters_only_while_acls_are_enabled() {
    let mut plan = plan_json("s3-legacy-v3.json");
    let b = rc(&mut plan, "aws_s3_bucket.downloads");
    b["change"]["after"]["acl"] = Value::Null;
    b["change"]["after_unknown"]["acl"] = json!(true);
    b["change"]["after"]["policy"] = Value::Null;
    let w = write(&plan);
    let (i, r, s) = said(&w.path);
    assert_eq!(s["legacy-downloads"], Said::Unknown, "{r:#?}");
    assert!(
        i.file.gaps.iter().any(|g| g
            .what
            .value
            .contains("the ACL of `aws_s3_bucket.downloads`")),
        "{:?}",
        i.file.gaps
    );
    // Without its ownership controls, the new bucket has ACLs disabled.
    plan["resource_changes"]
        .as_array_mut()
        .unwrap()
        .retain(|r| r["address"] != "aws_s3_bucket_ownership_controls.downloads");
    let w = write(&plan);
    let (i, r, s) = said(&w.path);
    assert_eq!(s["legacy-downloads"], Said::NotPublic, "{r:#?}");
    assert!(i.file.gaps.is_empty(), "{:?}", i.file.gaps);
}
