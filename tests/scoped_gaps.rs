//! Gaps are scoped (issue 13, point 4): an answer is `unknown` only when it
//! depends on the missing data. A `no` depends on gaps whose data could let
//! packets through, in the VPCs its packets could touch; a `yes` depends on
//! gaps whose data could stop a packet on its path.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "a test fails by panicking"
)]

use assert_cmd::Command;
use serde_json::Value;

const REFERENCE: &str = "topologies/secure-three-tier.yaml";

/// The reference topology plus an unconnected VPC `other-vpc` and the given
/// `gaps:` section (YAML list items), written to a temporary file.
fn with_gaps(gaps: &str) -> (tempfile::TempDir, String) {
    let base =
        std::fs::read_to_string(std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join(REFERENCE))
            .unwrap();
    let text = base.replacen(
        "vpcs:\n",
        "vpcs:\n  - name: other-vpc\n    cidrs: [10.9.0.0/16]\n    region: us-west-2\n",
        1,
    );
    let text = if gaps.is_empty() {
        text
    } else {
        format!("{text}\ngaps:\n{gaps}")
    };
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("t.yaml");
    std::fs::write(&path, text).unwrap();
    let p = path.to_string_lossy().into_owned();
    (dir, p)
}

fn run(args: &[&str]) -> (String, String, i32) {
    let out = Command::cargo_bin("netverify")
        .unwrap()
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .env("NO_COLOR", "1")
        .args(args)
        .output()
        .unwrap();
    (
        String::from_utf8(out.stdout).unwrap(),
        String::from_utf8(out.stderr).unwrap(),
        out.status.code().unwrap_or(-1),
    )
}

fn answer(file: &str, q: &str) -> Value {
    let (out, err, _) = run(&["query", file, q, "--format", "json"]);
    serde_json::from_str(&out).unwrap_or_else(|e| panic!("{e}: {out}{err}"))
}

fn reply(file: &str, q: &str) -> String {
    answer(file, q)["answer"]
        .as_str()
        .unwrap_or_default()
        .to_string()
}

const NO_DB: &str = "can internet reach db-primary-eni on tcp/5432";
const YES_ALB: &str = "can internet reach web-alb on tcp/443";

/// The queries of the property test: yes and no answers, from the internet,
/// between tiers, and out to the internet and on prem.
const QUERIES: &[&str] = &[
    NO_DB,
    YES_ALB,
    "can app-1 reach db-primary-eni on tcp/5432",
    "can app-1 reach internet on tcp/443",
    "can internet reach app-1 on tcp/22",
    "can db-primary-eni reach internet on tcp/443",
    "can web-alb reach app-1 on tcp/8080",
    "can app-2 reach 192.168.1.1 on tcp/443",
];

#[test]
fn gap_in_an_unrelated_vpc_does_not_spoil_a_no() {
    let (_d, f) = with_gaps(
        "  - what: route tables of other-vpc\n    kind: routes\n    scope: { vpcs: [other-vpc] }\n",
    );
    assert_eq!(reply(&f, NO_DB), "no");
}

#[test]
fn missing_direct_connect_capture_does_not_spoil_internet_answers() {
    let (_d, f) = with_gaps(
        "  - what: snapshot has no direct connect virtual interfaces\n    kind: vpn-direct-connect\n",
    );
    assert_eq!(reply(&f, NO_DB), "no");
    assert_eq!(reply(&f, YES_ALB), "yes");
    // A destination outside AWS may be on prem: that `no` depends on it.
    let v = answer(&f, "can db-primary-eni reach 192.168.1.1 on tcp/443");
    assert_ne!(v["answer"], "no", "{v}");
}

#[test]
fn related_gap_makes_a_no_unknown() {
    let (_d, f) = with_gaps(
        "  - what: a security group of prod-vpc\n    kind: security-groups\n    scope: { vpcs: [prod-vpc] }\n",
    );
    let v = answer(&f, NO_DB);
    assert_eq!(v["answer"], "unknown", "{v}");
    assert!(
        v.to_string().contains("a security group of prod-vpc"),
        "{v}"
    );
    // Security group rules only allow: a missing one cannot stop a path.
    assert_eq!(reply(&f, YES_ALB), "yes");
}

#[test]
fn yes_over_assumed_default_nacls_is_unknown() {
    let (_d, f) = with_gaps(
        "  - what: snapshot has no network acls\n    kind: assumed-default-nacls\n    scope: { regions: [us-east-1] }\n",
    );
    let v = answer(&f, YES_ALB);
    assert_eq!(v["answer"], "unknown", "{v}");
    assert!(
        v.to_string()
            .contains("relies on network ACLs that the topology does not contain"),
        "{v}"
    );
    // Allow-all NACLs cannot hide a path: the `no` stands.
    assert_eq!(reply(&f, NO_DB), "no");
}

#[test]
fn assumed_nacls_of_another_region_do_not_spoil_a_yes() {
    let (_d, f) = with_gaps(
        "  - what: snapshot has no network acls in us-west-2\n    kind: assumed-default-nacls\n    scope: { regions: [us-west-2] }\n",
    );
    assert_eq!(reply(&f, YES_ALB), "yes");
}

#[test]
fn gap_scoped_to_an_untouched_vpc_never_changes_an_answer() {
    let (_d, base) = with_gaps("");
    let expected: Vec<String> = QUERIES.iter().map(|q| reply(&base, q)).collect();
    for kind in [
        "assumed-default-nacls",
        "network-acls",
        "security-groups",
        "routes",
        "peering",
        "transit-gateway",
        "vpn-direct-connect",
        "endpoints",
        "load-balancers",
        "prefix-lists",
        "resources",
        "other",
    ] {
        let (_d, f) = with_gaps(&format!(
            "  - what: {kind} of other-vpc\n    kind: {kind}\n    scope: {{ vpcs: [other-vpc] }}\n"
        ));
        let got: Vec<String> = QUERIES.iter().map(|q| reply(&f, q)).collect();
        assert_eq!(got, expected, "kind {kind}");
    }
}

#[test]
fn gap_without_scope_makes_every_answer_unknown() {
    let (_d, f) = with_gaps("  - what: something was not read\n");
    for q in QUERIES {
        assert_eq!(reply(&f, q), "unknown", "{q}");
    }
}

#[test]
fn gap_scope_naming_an_unknown_vpc_is_an_error() {
    let (_d, f) = with_gaps("  - what: x\n    scope: { vpcs: [prod-vcp] }\n");
    let (_, err, code) = run(&["check", &f]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("`prod-vcp`"), "{err}");
    assert!(err.contains("did you mean `prod-vpc`?"), "{err}");
    let (_d, f) = with_gaps("  - what: x\n    scope: {}\n");
    let (_, err, code) = run(&["check", &f]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("empty `scope`"), "{err}");
}

#[test]
fn missing_vpn_data_does_not_make_public_exposure_unknown() {
    let (_d, base) = with_gaps("");
    let (out_base, _, _) = run(&["check", &base, "--format", "json"]);
    let (_d, f) =
        with_gaps("  - what: snapshot has no vpn connections\n    kind: vpn-direct-connect\n");
    let (out, _, _) = run(&["check", &f, "--format", "json"]);
    let verdict = |s: &str, id: &str| -> Value {
        let v: Value = serde_json::from_str(s).unwrap();
        v["checks"]
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["id"] == id)
            .map(|c| c["verdict"].clone())
            .unwrap()
    };
    for id in ["public-exposure", "private-service-access"] {
        assert_eq!(verdict(&out, id), verdict(&out_base, id), "{id}");
    }
}

#[test]
fn imported_gaps_record_kind_and_scope() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("t.yaml");
    let (_, err, code) = run(&[
        "import",
        "snapshot",
        "tests/fixtures/import/synthetic",
        "-o",
        &out.to_string_lossy(),
    ]);
    assert!(code == 0 || code == 1, "{err}");
    let text = std::fs::read_to_string(&out).unwrap();
    assert!(text.contains("kind: routes"), "{text}");
    assert!(
        text.contains("vpcs:\n      - main-vpc")
            || text.contains("vpcs: [main-vpc]")
            || text.contains("- main-vpc"),
        "{text}"
    );
    // And the file loads.
    let (_, err, code) = run(&["check", &out.to_string_lossy()]);
    assert_ne!(code, 2, "{err}");
}

/// The verdict of `check` on `file` plus a `gaps:` section.
fn verdict_with(file: &str, gaps: &str, check: &str) -> (String, Value) {
    let base = std::fs::read_to_string(std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join(file))
        .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("t.yaml");
    std::fs::write(&path, format!("{base}\ngaps:\n{gaps}")).unwrap();
    let (out, err, _) = run(&[
        "check",
        &path.to_string_lossy(),
        "--check",
        check,
        "--format",
        "json",
    ]);
    let v: Value = serde_json::from_str(&out).unwrap_or_else(|e| panic!("{e}: {out}{err}"));
    let c = v["checks"][0].clone();
    (c["verdict"].as_str().unwrap_or_default().to_string(), c)
}

#[test]
fn exposure_violation_over_assumed_default_nacls_is_unknown() {
    let file = "topologies/fail-public-ip-on-app-instance.yaml";
    let (v, c) = verdict_with(
        file,
        "  - what: snapshot has no network acls\n    kind: assumed-default-nacls\n    scope: { vpcs: [prod-vpc] }\n",
        "public-exposure",
    );
    assert_eq!(v, "unknown", "{c}");
    assert!(
        c.to_string()
            .contains("relies on data the topology does not contain"),
        "{c}"
    );
    // A gap that names only another check leaves the violation standing.
    let (v, c) = verdict_with(
        file,
        "  - what: route tables of prod-vpc\n    kind: routes\n    scope: { vpcs: [prod-vpc] }\n    affects: [transit-encryption]\n",
        "public-exposure",
    );
    assert_eq!(v, "violated", "{c}");
}

#[test]
fn assumed_default_nacls_leave_a_proven_exposure_proven() {
    let (v, c) = verdict_with(
        REFERENCE,
        "  - what: snapshot has no network acls\n    kind: assumed-default-nacls\n",
        "public-exposure",
    );
    assert_eq!(v, "proven", "{c}");
}

/// S3 data decides no packet (C-19.7): a gap of kind `s3` or
/// `s3-restrictions`, even without a scope, never changes a network answer.
#[test]
fn s3_gaps_never_change_a_network_answer() {
    let (_d, base) = with_gaps("");
    let expected: Vec<String> = QUERIES.iter().map(|q| reply(&base, q)).collect();
    for kind in ["s3", "s3-restrictions"] {
        let (_d, f) = with_gaps(&format!(
            "  - what: the bucket list was not read\n    kind: {kind}\n"
        ));
        let got: Vec<String> = QUERIES.iter().map(|q| reply(&f, q)).collect();
        assert_eq!(got, expected, "kind {kind}");
        // Nor a check other than public-exposure.
        let (out, err, _) = run(&["check", &f, "--check", "private-service-access"]);
        assert!(!out.contains("the bucket list was not read"), "{out}{err}");
    }
}

/// A network gap cannot name buckets, and an S3 gap cannot name VPCs.
#[test]
fn s3_and_network_gap_scopes_do_not_mix() {
    let (_d, f) = with_gaps(
        "  - what: x\n    kind: routes\n    scope: { buckets: [data] }\n  - what: y\n    kind: s3\n    scope: { vpcs: [prod-vpc] }\n",
    );
    let (_, err, code) = run(&["check", &f]);
    assert_eq!(code, 2, "{err}");
    assert!(
        err.contains("gap `x` names bucket `data`, but only gaps of kind `s3` or `s3-restrictions` concern buckets"),
        "{err}"
    );
    assert!(
        err.contains("gap `y` is of an S3 kind, so its scope names buckets, not `prod-vpc`"),
        "{err}"
    );
}
