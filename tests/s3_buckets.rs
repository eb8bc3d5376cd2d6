//! S3 buckets in the topology format (issue 17): loading, positions of
//! policy statements, validation errors, and the public-exposure check on
//! buckets.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "a test fails by panicking"
)]

use netverify::model::s3::{Grantee, Ownership, Permission};
use netverify::model::{Diagnostic, Topology, load_str};

const BASE: &str = "version: 1\nregion: us-east-1\naccount: \"111122223333\"\nvpcs:\n  - {name: vpc, cidrs: [10.0.0.0/16]}\n";

fn load(yaml: &str) -> Topology {
    match load_str(yaml, "t.yaml") {
        Ok(t) => t,
        Err(e) => panic!("expected a valid topology:\n{}", e.render(Some(yaml))),
    }
}

fn diags(yaml: &str) -> Vec<Diagnostic> {
    match load_str(yaml, "t.yaml") {
        Ok(_) => panic!("expected an error for:\n{yaml}"),
        Err(e) => e.diagnostics().to_vec(),
    }
}

fn line_of(yaml: &str, needle: &str) -> u32 {
    yaml.lines().position(|l| l.contains(needle)).unwrap() as u32 + 1
}

#[test]
fn bucket_with_yaml_policy_keeps_statement_lines() {
    let yaml = format!(
        "{BASE}s3:\n  accounts:\n    - public_access_block: {{block_public_policy: true}}\n  buckets:\n    - name: data-prod\n      region: eu-west-1\n      object_ownership: object-writer\n      acl:\n        - {{grantee: all-users, permission: read}}\n      public_access_block: {{restrict_public_buckets: true}}\n      policy:\n        Version: \"2012-10-17\"\n        Statement:\n          - Sid: first\n            Effect: Allow\n            Principal: \"*\"\n            Action: s3:GetObject\n            Resource: arn:aws:s3:::data-prod/*\n          - Sid: second\n            Effect: Deny\n            Principal: \"*\"\n            Action: s3:*\n            Resource: \"*\"\n            Condition: {{Bool: {{aws:SecureTransport: \"false\"}}}}\n      access_points:\n        - {{name: ap, vpc: vpc}}\n      website: {{index_document: index.html}}\n"
    );
    let t = load(&yaml);
    assert_eq!(t.buckets.len(), 1);
    let b = &t.buckets[0];
    assert_eq!(b.region.as_deref(), Some("eu-west-1"));
    assert_eq!(b.account.as_deref(), Some("111122223333"));
    assert_eq!(b.ownership, Ownership::ObjectWriter);
    assert_eq!(b.acl[0].grantee, Grantee::AllUsers);
    assert_eq!(b.acl[0].permission, Permission::Read);
    assert!(b.public_access_block.restrict_public_buckets);
    assert!(b.account_public_access_block.block_public_policy);
    assert!(b.effective_block().block_public_policy && b.effective_block().restrict_public_buckets);
    assert!(b.access_points[0].vpc.is_some());
    assert!(b.website.is_some());
    let p = b.policy.as_ref().unwrap();
    let lines: Vec<u32> = p.statements.iter().map(|s| s.line).collect();
    assert_eq!(
        lines,
        vec![line_of(&yaml, "Sid: first"), line_of(&yaml, "Sid: second")]
    );
}

#[test]
fn bucket_with_json_text_policy_keeps_statement_lines() {
    let yaml = format!(
        "{BASE}s3:\n  buckets:\n    - name: logs\n      policy: |\n        {{\n          \"Statement\": [\n            {{\"Sid\": \"one\", \"Effect\": \"Allow\", \"Principal\": {{\"AWS\": \"444455556666\"}},\n             \"Action\": \"s3:PutObject\", \"Resource\": \"arn:aws:s3:::logs/*\"}}\n          ]\n        }}\n"
    );
    let t = load(&yaml);
    let p = t.buckets[0].policy.as_ref().unwrap();
    assert_eq!(p.statements.len(), 1);
    assert_eq!(p.statements[0].line, line_of(&yaml, "\"Sid\": \"one\""));
    // Ownership defaults to AWS's default for new buckets.
    assert_eq!(t.buckets[0].ownership, Ownership::BucketOwnerEnforced);
}

#[test]
fn error_policy_json_text_that_does_not_parse() {
    let yaml =
        format!("{BASE}s3:\n  buckets:\n    - name: logs\n      policy: '{{\"Statement\": ['\n");
    let d = diags(&yaml);
    assert_eq!(d.len(), 1, "{d:#?}");
    assert!(
        d[0].message
            .contains("the policy of bucket `logs`: the policy is not valid JSON"),
        "{}",
        d[0].message
    );
    assert_eq!(d[0].line, line_of(&yaml, "policy:"));
}

#[test]
fn error_statement_element_typo_suggests_the_element() {
    let yaml = format!(
        "{BASE}s3:\n  buckets:\n    - name: logs\n      policy:\n        Statement:\n          - Effect: Allow\n            Principal: \"*\"\n            Actoin: s3:GetObject\n            Resource: \"*\"\n"
    );
    let d = diags(&yaml);
    assert_eq!(d.len(), 1, "{d:#?}");
    assert_eq!(
        d[0].message,
        "statement #1 of the policy of bucket `logs` has unknown element `Actoin`"
    );
    assert_eq!(d[0].help.as_deref(), Some("did you mean `Action`?"));
    assert_eq!(d[0].line, line_of(&yaml, "Effect: Allow"));
}

#[test]
fn error_statement_without_principal() {
    let yaml = format!(
        "{BASE}s3:\n  buckets:\n    - name: logs\n      policy: {{Statement: [{{Effect: Allow, Action: s3:GetObject, Resource: \"*\"}}]}}\n"
    );
    let d = diags(&yaml);
    assert_eq!(d.len(), 1, "{d:#?}");
    assert!(
        d[0].message.contains("has no `Principal`"),
        "{}",
        d[0].message
    );
}

#[test]
fn error_effect_typo() {
    let yaml = format!(
        "{BASE}s3:\n  buckets:\n    - name: logs\n      policy: {{Statement: [{{Effect: Alow, Principal: \"*\", Action: s3:GetObject, Resource: \"*\"}}]}}\n"
    );
    let d = diags(&yaml);
    assert_eq!(d[0].help.as_deref(), Some("did you mean `Allow`?"));
}

#[test]
fn error_bucket_listed_twice_and_bad_name() {
    let yaml = format!(
        "{BASE}s3:\n  buckets:\n    - name: logs\n    - name: logs\n    - name: Bad_Name\n"
    );
    let msgs: Vec<String> = diags(&yaml).into_iter().map(|d| d.message).collect();
    assert!(
        msgs.iter()
            .any(|m| m.starts_with("s3 lists bucket `logs` twice (line")),
        "{msgs:?}"
    );
    assert!(
        msgs.iter()
            .any(|m| m == "`Bad_Name` is not a valid S3 bucket name"),
        "{msgs:?}"
    );
}

#[test]
fn error_access_point_vpc_typo_suggests_the_vpc() {
    let yaml = format!(
        "{BASE}s3:\n  buckets:\n    - name: logs\n      access_points:\n        - {{name: ap, vpc: vcp}}\n"
    );
    let d = diags(&yaml);
    assert_eq!(d.len(), 1, "{d:#?}");
    assert!(
        d[0].message.contains("unknown vpc `vcp`"),
        "{}",
        d[0].message
    );
    assert_eq!(d[0].help.as_deref(), Some("did you mean `vpc`?"));
}

#[test]
fn error_object_ownership_value() {
    let yaml = format!(
        "{BASE}s3:\n  buckets:\n    - name: logs\n      object_ownership: owner-enforced\n"
    );
    let d = diags(&yaml);
    assert_eq!(d[0].line, line_of(&yaml, "object_ownership"));
}

// ----- public-exposure on buckets ------------------------------------------

use netverify::checks::public_exposure;
use netverify::engine::Engine;
use netverify::report::{CheckResult, FindingKind, Verdict};

fn exposure(yaml: &str) -> CheckResult {
    let t = load(yaml);
    let engine = Engine::new(&t);
    public_exposure::run(&engine)
}

fn bucket(extra: &str) -> String {
    format!("{BASE}s3:\n  buckets:\n    - name: data-prod\n{extra}")
}

const PUBLIC_READ: &str = "      policy:\n        Statement:\n          - Sid: r\n            Effect: Allow\n            Principal: \"*\"\n            Action: s3:GetObject\n            Resource: arn:aws:s3:::data-prod/*\n";

#[test]
fn public_bucket_is_violated_with_its_request_and_statement_line() {
    let yaml = bucket(PUBLIC_READ);
    let r = exposure(&yaml);
    assert_eq!(r.verdict, Verdict::Violated, "{:#?}", r.findings);
    let f = r
        .findings
        .iter()
        .find(|f| f.kind == FindingKind::Violation && f.resource == "data-prod")
        .unwrap();
    assert!(
        f.message.contains("anyone can read bucket `data-prod`"),
        "{}",
        f.message
    );
    assert!(
        f.message.contains("anonymous `s3:GetObject`"),
        "{}",
        f.message
    );
    assert!(f.message.contains("statement `r`"), "{}", f.message);
    let loc = f.location.as_ref().unwrap();
    assert_eq!(loc.line, line_of(&yaml, "Sid: r"));
    let w = f.witness.as_ref().unwrap();
    assert_eq!(w.packet.dst, "data-prod.s3.us-east-1.amazonaws.com");
    assert!(
        r.summary.contains("1 of 1 bucket public: data-prod"),
        "{}",
        r.summary
    );
}

#[test]
fn public_bucket_allowed_by_policy_is_a_note() {
    let yaml = format!(
        "{}policy:\n  public_exposure:\n    allow:\n      - {{resource: data-prod}}\n",
        bucket(PUBLIC_READ)
    );
    let r = exposure(&yaml);
    assert_eq!(r.verdict, Verdict::Proven, "{:#?}", r.findings);
    assert!(
        r.findings.iter().any(|f| f.kind == FindingKind::Info
            && f.message.contains("`policy.public_exposure` allows it"))
    );
}

#[test]
fn block_public_policy_alone_does_not_make_a_public_bucket_private() {
    let yaml = bucket(&format!(
        "      public_access_block: {{block_public_policy: true, block_public_acls: true}}\n{PUBLIC_READ}"
    ));
    let r = exposure(&yaml);
    assert_eq!(r.verdict, Verdict::Violated);
    assert!(
        r.findings
            .iter()
            .any(|f| f.message.contains("only refuses new policies"))
    );
}

#[test]
fn account_restrict_public_buckets_covers_the_bucket() {
    let yaml = format!(
        "{BASE}s3:\n  accounts:\n    - public_access_block: {{restrict_public_buckets: true}}\n  buckets:\n    - name: data-prod\n{PUBLIC_READ}"
    );
    let r = exposure(&yaml);
    assert_eq!(r.verdict, Verdict::Proven, "{:#?}", r.findings);
    // Another account's settings do not apply.
    let other = format!(
        "{BASE}s3:\n  accounts:\n    - {{account: \"999999999999\", public_access_block: {{restrict_public_buckets: true}}}}\n  buckets:\n    - name: data-prod\n{PUBLIC_READ}"
    );
    assert_eq!(exposure(&other).verdict, Verdict::Violated);
}

#[test]
fn public_acl_is_violated_unless_acls_are_disabled_or_ignored() {
    let acl = "      object_ownership: bucket-owner-preferred\n      acl:\n        - {grantee: \"http://acs.amazonaws.com/groups/global/AllUsers\", permission: read}\n";
    let r = exposure(&bucket(acl));
    assert_eq!(r.verdict, Verdict::Violated, "{:#?}", r.findings);
    assert!(r.findings.iter().any(|f| f.kind == FindingKind::Violation
        && f.message.contains("grants `read` to everyone")
        && f.witness.is_some()));
    let ignored = bucket(&format!(
        "{acl}      public_access_block: {{ignore_public_acls: true}}\n"
    ));
    assert_eq!(exposure(&ignored).verdict, Verdict::Proven);
    let enforced = bucket("      acl:\n        - {grantee: all-users, permission: read}\n");
    assert_eq!(exposure(&enforced).verdict, Verdict::Proven);
}

#[test]
fn enabled_acls_without_ignore_are_unknown_for_object_acls() {
    let r = exposure(&bucket("      object_ownership: object-writer\n"));
    assert_eq!(r.verdict, Verdict::Unknown, "{:#?}", r.findings);
    assert!(
        r.findings
            .iter()
            .any(|f| f.message.contains("may carry public ACLs"))
    );
}

#[test]
fn unsupported_condition_key_is_unknown_naming_it() {
    let yaml = bucket(
        "      policy:\n        Statement:\n          - Effect: Allow\n            Principal: \"*\"\n            Action: s3:GetObject\n            Resource: \"*\"\n            Condition: {StringEquals: {s3:ExistingObjectTag/public: \"yes\"}}\n",
    );
    let r = exposure(&yaml);
    assert_eq!(r.verdict, Verdict::Unknown, "{:#?}", r.findings);
    assert!(
        r.findings.iter().any(|f| f.kind == FindingKind::Unknown
            && f.message.contains("`s3:ExistingObjectTag/public`"))
    );
}

#[test]
fn internet_access_point_is_unknown_and_vpc_access_point_is_not() {
    let r = exposure(&bucket("      access_points:\n        - {name: ap-web}\n"));
    assert_eq!(r.verdict, Verdict::Unknown);
    let v = exposure(&bucket(
        "      access_points:\n        - {name: ap-vpc, vpc: vpc}\n",
    ));
    assert_eq!(v.verdict, Verdict::Proven, "{:#?}", v.findings);
}

#[test]
fn write_access_is_reported_as_write() {
    let yaml = bucket(
        "      policy:\n        Statement:\n          - {Effect: Allow, Principal: {AWS: \"*\"}, Action: \"s3:Put*\", Resource: \"arn:aws:s3:::data-prod/*\"}\n",
    );
    let r = exposure(&yaml);
    let msgs: Vec<&str> = r
        .findings
        .iter()
        .filter(|f| f.kind == FindingKind::Violation)
        .map(|f| f.message.as_str())
        .collect();
    assert_eq!(msgs.len(), 1, "{msgs:?}");
    assert!(
        msgs[0].contains("anyone can write bucket `data-prod`") && msgs[0].contains("s3:Put"),
        "{msgs:?}"
    );
}

// ----- gaps about buckets (C-19.7) --------------------------------------

const TWO_BUCKETS: &str = "s3:\n  buckets:\n    - name: data-prod\n      policy:\n        Statement:\n          - {Effect: Allow, Principal: \"*\", Action: s3:GetObject, Resource: \"arn:aws:s3:::data-prod/*\"}\n    - name: logs-prod\n";

fn bucket_kind(r: &CheckResult, b: &str) -> Vec<FindingKind> {
    r.findings
        .iter()
        .filter(|f| f.resource == b)
        .map(|f| f.kind)
        .collect()
}

fn guarded(yaml: &str) -> CheckResult {
    let t = load(yaml);
    let engine = Engine::new(&t);
    (netverify::checks::find("public-exposure").unwrap().run)(&engine)
}

#[test]
fn s3_gap_on_a_bucket_makes_only_that_bucket_unknown() {
    let yaml = format!(
        "{BASE}{TWO_BUCKETS}gaps:\n  - what: get-bucket-acl for logs-prod failed\n    kind: s3\n    scope: {{buckets: [logs-prod]}}\n"
    );
    let r = guarded(&yaml);
    assert_eq!(r.verdict, Verdict::Violated);
    assert_eq!(bucket_kind(&r, "data-prod"), vec![FindingKind::Violation]);
    let logs = bucket_kind(&r, "logs-prod");
    assert_eq!(logs, vec![FindingKind::Unknown], "{r:#?}");
    assert!(
        r.findings.iter().any(|f| f.resource == "logs-prod"
            && f.message.contains("get-bucket-acl for logs-prod failed")),
        "{r:#?}"
    );
    // Not a topology-wide finding: the network's part is untouched.
    assert!(
        !r.findings.iter().any(|f| f.resource == "topology"),
        "{r:#?}"
    );
}

#[test]
fn s3_restrictions_gap_spoils_a_public_bucket_only() {
    let yaml = format!(
        "{BASE}{TWO_BUCKETS}gaps:\n  - what: get-public-access-block was not captured\n    kind: s3-restrictions\n"
    );
    let r = guarded(&yaml);
    assert_eq!(r.verdict, Verdict::Unknown, "{r:#?}");
    assert_eq!(bucket_kind(&r, "data-prod"), vec![FindingKind::Unknown]);
    assert!(bucket_kind(&r, "logs-prod").is_empty(), "{r:#?}");
}

#[test]
fn s3_gap_of_an_account_covers_its_buckets() {
    let yaml = format!(
        "{BASE}{TWO_BUCKETS}gaps:\n  - what: bucket policies of the account were not read\n    kind: s3\n    scope: {{accounts: [\"111122223333\"]}}\n"
    );
    let r = guarded(&yaml);
    assert_eq!(bucket_kind(&r, "data-prod"), vec![FindingKind::Unknown]);
    assert_eq!(bucket_kind(&r, "logs-prod"), vec![FindingKind::Unknown]);
}

#[test]
fn error_s3_gap_scope_names_an_unknown_bucket() {
    let yaml = format!(
        "{BASE}{TWO_BUCKETS}gaps:\n  - what: x\n    kind: s3\n    scope: {{buckets: [logs-prd]}}\n"
    );
    let d = diags(&yaml);
    assert!(
        d.iter().any(|x| x
            .message
            .contains("names bucket `logs-prd`, which the `s3` section does not list")
            && x.help.as_deref().is_some_and(|h| h.contains("logs-prod"))),
        "{d:?}"
    );
}
