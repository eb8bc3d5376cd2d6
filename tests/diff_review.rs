#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "a test fails by panicking"
)]

//! `netverify diff` for a pull-request review: the policy's verdict on a
//! change (`policy.expect`, the `expected-flows` check), SARIF at the
//! causes' lines, the exit codes, and a single Terraform plan compared
//! with its `prior_state`.

use netverify::diff::{self, FailOn, Outcome};
use netverify::engine::Engine;
use netverify::model;
use netverify::render::diff::{DiffFormat, render};
use netverify::report::diff::DiffReport;

fn root() -> std::path::PathBuf {
    std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn fixture(name: &str) -> String {
    std::fs::read_to_string(root().join("topologies").join(name)).unwrap()
}

/// `text` with `from` replaced by `to`, which must occur exactly once.
fn edit(text: &str, from: &str, to: &str) -> String {
    assert_eq!(text.matches(from).count(), 1, "`{from}` must occur once");
    text.replacen(from, to, 1)
}

/// The 1-based line of `needle` (which must occur once) in `text`.
fn line_of(text: &str, needle: &str) -> u32 {
    assert_eq!(text.matches(needle).count(), 1, "`{needle}` occurs once");
    u32::try_from(text[..text.find(needle).unwrap()].lines().count() + 1).unwrap()
}

fn run(base: &str, head: &str) -> DiffReport {
    let bf = model::parse_str(base, "base.yaml").unwrap();
    let hf = model::parse_str(head, "head.yaml").unwrap();
    let b = model::load_str(base, "base.yaml").unwrap();
    let h = model::load_str(head, "head.yaml").unwrap();
    diff::diff_with(&Engine::new(&b), &Engine::new(&h), Some((&bf, &hf)))
}

fn cli(args: &[&str]) -> (i32, String, String) {
    let out = std::process::Command::new(assert_cmd::cargo::cargo_bin!("netverify"))
        .args(args)
        .current_dir(root())
        .env("NO_COLOR", "1")
        .output()
        .unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// Writes `files` into a temporary directory; returns it and the paths.
fn write(files: &[(&str, &str)]) -> (tempfile::TempDir, Vec<String>) {
    let dir = tempfile::tempdir().unwrap();
    let paths = files
        .iter()
        .map(|(name, text)| {
            let p = dir.path().join(name);
            std::fs::write(&p, text).unwrap();
            p.to_str().unwrap().to_owned()
        })
        .collect();
    (dir, paths)
}

const EXPECT_443: &str = "\npolicy:\n  expect:\n    - internet -> web-alb on tcp/443\n";

/// The reference topology expecting HTTPS from the internet to the load
/// balancer.
fn expecting_https() -> String {
    edit(
        &fixture("secure-three-tier.yaml"),
        "\npolicy:\n",
        EXPECT_443,
    )
}

/// The same with alb-sg's HTTPS rules (IPv4 and IPv6) removed.
fn https_closed(base: &str) -> String {
    let head = edit(
        base,
        "      - { protocol: tcp, ports: 443, cidr: 0.0.0.0/0 }\n      - { protocol: tcp, ports: 443, cidr: \"::/0\" }\n    egress:\n      - { protocol: tcp, ports: 8080",
        "    egress:\n      - { protocol: tcp, ports: 8080",
    );
    assert_ne!(head, base);
    head
}

#[test]
fn closing_an_expected_flow_is_a_violation_an_outage() {
    let base = expecting_https();
    let head = https_closed(&base);
    let r = run(&base, &head);
    assert!(r.opened.is_empty(), "{:#?}", r.opened);
    let closed: Vec<_> = r
        .closed
        .iter()
        .filter(|c| c.source.kind == "internet")
        .collect();
    assert_eq!(closed.len(), 1, "{:#?}", r.closed);
    let c = closed[0];
    assert_eq!(c.destination.name.as_deref(), Some("web-alb"));
    let line = line_of(&head, "    - internet -> web-alb on tcp/443\n");
    assert_eq!(
        c.violation.as_deref(),
        Some(
            format!("closes the expected flow `internet -> web-alb on tcp/443` (head.yaml:{line})")
                .as_str()
        )
    );
    // The causes: each removed rule of alb-sg, at the group's line.
    let causes: Vec<String> = c.causes.iter().map(|k| k.change.clone()).collect();
    assert_eq!(
        causes,
        [
            "ingress rule removed: {cidr: 0.0.0.0/0, ports: 443, protocol: tcp}",
            "ingress rule removed: {cidr: ::/0, ports: 443, protocol: tcp}",
        ]
    );
    // The check says it too: the expectation held on BASE, not on HEAD.
    let check = r.checks.iter().find(|c| c.id == "expected-flows").unwrap();
    assert_eq!(
        (check.before.as_str(), check.after.as_str()),
        ("proven", "violated")
    );
    assert_eq!(diff::outcome(&r, FailOn::Violations), Outcome::Fail);
}

#[test]
fn a_closed_flow_no_expectation_covers_is_no_violation() {
    let base = fixture("secure-three-tier.yaml");
    let r = run(&base, &https_closed(&base));
    assert!(!r.closed.is_empty());
    assert!(
        r.closed.iter().all(|c| c.violation.is_none()),
        "{:#?}",
        r.closed
    );
    assert_eq!(diff::outcome(&r, FailOn::Violations), Outcome::Clean);
    assert_eq!(diff::outcome(&r, FailOn::Any), Outcome::Fail);
}

#[test]
fn an_opened_flow_the_policy_allows_is_no_violation() {
    // Both sides allow SSH to app-1 from the internet; HEAD opens it.
    let allow = "      - { resource: web-alb, ports: [tcp/80, tcp/443] }\n";
    let head = edit(
        &fixture("fail-nacl-allow-before-deny.yaml"),
        allow,
        &format!("{allow}      - {{ resource: app-1, ports: [tcp/22] }}\n"),
    );
    let base = edit(
        &head,
        "      - { protocol: tcp, ports: 22, cidr: 0.0.0.0/0, description: vendor support }\n",
        "",
    );
    let r = run(&base, &head);
    assert_eq!(r.opened.len(), 1, "{:#?}", r.opened);
    assert_eq!(r.opened[0].violation, None);
    assert!(!r.checks.iter().any(|c| c.worse()), "{:#?}", r.checks);
    assert_eq!(diff::outcome(&r, FailOn::Violations), Outcome::Clean);
    assert_eq!(diff::outcome(&r, FailOn::Opened), Outcome::Fail);
}

#[test]
fn an_expectation_allows_the_opened_flow_it_names() {
    // No public_exposure allowance for app-1, but an expectation naming
    // exactly the opened flow: the change is no policy violation (the
    // public-exposure check, which knows no expectations, still fails).
    let head = edit(
        &fixture("fail-nacl-allow-before-deny.yaml"),
        "\npolicy:\n",
        "\npolicy:\n  expect:\n    - internet -> app-1 on tcp/22\n",
    );
    let base = edit(
        &head,
        "      - { protocol: tcp, ports: 22, cidr: 0.0.0.0/0, description: vendor support }\n",
        "",
    );
    let r = run(&base, &head);
    assert_eq!(r.opened.len(), 1, "{:#?}", r.opened);
    assert_eq!(r.opened[0].violation, None);
    let wider = head.replace("internet -> app-1 on tcp/22", "internet -> app-1 on tcp/23");
    let base_wider = base.replace("internet -> app-1 on tcp/22", "internet -> app-1 on tcp/23");
    let r = run(&base_wider, &wider);
    assert_eq!(
        r.opened[0].violation.as_deref(),
        Some("opened beyond what the public_exposure policy and `policy.expect` allow")
    );
}

#[test]
fn expected_flows_check_reports_an_expectation_that_does_not_hold() {
    let holds = expecting_https();
    let fails = https_closed(&holds);
    let (_dir, paths) = write(&[("holds.yaml", &holds), ("fails.yaml", &fails)]);
    let (code, out, _) = cli(&["check", &paths[0], "--check", "expected-flows"]);
    assert_eq!(code, 0, "{out}");
    assert!(
        out.contains("expected-flows: proven — every expected flow gets through"),
        "{out}"
    );
    let (code, out, _) = cli(&[
        "check",
        &paths[1],
        "--check",
        "expected-flows",
        "--format",
        "json",
    ]);
    assert_eq!(code, 1, "{out}");
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    let f = &v["checks"][0]["findings"][0];
    assert_eq!(f["kind"], "violation");
    assert_eq!(f["resource"], "internet -> web-alb on tcp/443");
    assert_eq!(
        f["location"]["line"],
        line_of(&fails, "    - internet -> web-alb on tcp/443\n")
    );
}

#[test]
fn expectation_naming_an_unknown_endpoint_is_an_error_with_its_line_and_a_suggestion() {
    let text = expecting_https().replace("internet -> web-alb on", "internet -> web-abl on");
    let (_dir, paths) = write(&[("t.yaml", &text)]);
    let (code, out, err) = cli(&["check", &paths[0]]);
    assert_eq!(code, 2, "{out}{err}");
    let line = line_of(&text, "    - internet -> web-abl on tcp/443\n");
    assert!(
        err.contains(&format!("t.yaml:{line}:")),
        "the error names the file and line: {err}"
    );
    assert!(
        err.contains("unknown endpoint `web-abl` in the policy's expected flow `internet -> web-abl on tcp/443`"),
        "{err}"
    );
    assert!(err.contains("did you mean `web-alb`?"), "{err}");
    // diff rejects it the same way.
    let base = fixture("secure-three-tier.yaml");
    let (_d2, p2) = write(&[("base.yaml", &base)]);
    assert_eq!(cli(&["diff", &p2[0], &paths[0]]).0, 2);
}

#[test]
fn expectation_that_is_not_a_flow_is_an_error_with_the_form() {
    let text = expecting_https().replace("internet -> web-alb on tcp/443", "internet web-alb");
    let (_dir, paths) = write(&[("t.yaml", &text)]);
    let (code, _, err) = cli(&["validate", &paths[0]]);
    assert_eq!(code, 2, "{err}");
    assert!(
        err.contains("invalid expected flow `internet web-alb` in the policy"),
        "{err}"
    );
    let empty = expecting_https().replace("    - internet -> web-alb on tcp/443\n", "    - \"\"\n");
    let (_d2, p2) = write(&[("t.yaml", &empty)]);
    let (code, _, err) = cli(&["validate", &p2[0]]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("empty expected flow in the policy"), "{err}");
    assert!(err.contains("SOURCE -> DESTINATION [on PORTS]"), "{err}");
}

#[test]
fn sarif_puts_violating_changes_at_their_causes_lines() {
    let head = fixture("fail-nacl-allow-before-deny.yaml");
    let rule =
        "      - { protocol: tcp, ports: 22, cidr: 0.0.0.0/0, description: vendor support }\n";
    let base = edit(&head, rule, "");
    let r = run(&base, &head);
    let v: serde_json::Value = serde_json::from_str(&render(&r, DiffFormat::Sarif)).unwrap();
    assert_eq!(v["version"], "2.1.0");
    let results = v["runs"][0]["results"].as_array().unwrap();
    let ours: Vec<_> = results
        .iter()
        .filter(|x| x["ruleId"] == "diff-policy")
        .collect();
    assert_eq!(ours.len(), 1, "{results:#?}");
    let loc = &ours[0]["locations"][0]["physicalLocation"];
    assert_eq!(loc["artifactLocation"]["uri"], "head.yaml");
    assert_eq!(loc["region"]["startLine"], line_of(&head, rule));
    assert_eq!(ours[0]["level"], "error");
    assert!(
        ours[0]["message"]["text"].as_str().unwrap().starts_with(
            "opened: internet → app-1 (instance, i-0de643dfcfe71e283) via app-1-eni: tcp/22"
        ),
        "{}",
        ours[0]["message"]["text"]
    );
    // The check that got worse is there too, under its own rule.
    assert!(results.iter().any(|x| x["ruleId"] == "public-exposure"));
}

#[test]
fn exit_codes_zero_one_two_three() {
    let base = expecting_https();
    let head = https_closed(&base);
    let (_dir, p) = write(&[("base.yaml", &base), ("head.yaml", &head)]);
    // 0: nothing violates; 1: a closed expected flow (an outage).
    assert_eq!(cli(&["diff", &p[0], &p[0]]).0, 0);
    assert_eq!(cli(&["diff", &p[0], &p[1]]).0, 1);
    // Reopening is no violation.
    assert_eq!(cli(&["diff", &p[1], &p[0]]).0, 0);
    // 2: input errors, including one topology that is not a plan.
    assert_eq!(cli(&["diff", &p[0], "no-such.yaml"]).0, 2);
    let (code, _, err) = cli(&["diff", &p[0]]);
    assert_eq!(code, 2);
    assert!(err.contains("is not a Terraform plan"), "{err}");
    // 3: the answer depends on missing data and nothing fails.
    let gap = "topologies/unknown-import-gap.yaml";
    assert_eq!(cli(&["diff", gap, gap]).0, 3);
}

const PLAN: &str = "tests/fixtures/terraform/aws/ssh-added.json";

#[test]
fn a_single_plan_compares_its_prior_state_with_the_planned_values() {
    // The plan adds SSH from anywhere to the web instance's group.
    let (code, out, err) = cli(&["diff", PLAN, "--format", "json"]);
    assert_eq!(code, 1, "{out}{err}");
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert!(v["closed"].as_array().unwrap().is_empty(), "{out}");
    let opened = v["opened"].as_array().unwrap();
    let internet: Vec<_> = opened
        .iter()
        .filter(|c| c["source"]["kind"] == "internet")
        .collect();
    assert_eq!(internet.len(), 1, "{out}");
    let c = internet[0];
    assert_eq!(c["destination"]["name"], "aws_instance.web");
    assert_eq!(c["destination"]["aws_id"], "i-0d1ff0000000000a1");
    assert_eq!(c["flows"][0]["protocol"], "tcp");
    assert_eq!(c["flows"][0]["ports"], serde_json::json!(["22"]));
    assert_eq!(c["causes"][0]["kind"], "security-group");
    assert_eq!(c["causes"][0]["resource"], "aws_security_group.web");
    assert_eq!(c["causes"][0]["aws_id"], "sg-0d1ff0000000000a1");
    assert!(c["violation"].is_string());
}

#[test]
fn a_plan_without_prior_state_starts_from_an_empty_network() {
    let plan = "tests/fixtures/terraform/aws/public-instance.json";
    let (code, out, err) = cli(&["diff", plan, "--format", "json"]);
    assert_eq!(code, 1, "{out}{err}");
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    let opened = v["opened"].as_array().unwrap();
    assert!(
        opened
            .iter()
            .any(|c| c["source"]["kind"] == "internet" && c["destination"]["kind"] == "instance"),
        "a new public instance is an opened flow: {out}"
    );
    // A new network: every cause is an added resource.
    for c in opened {
        for k in c["causes"].as_array().unwrap() {
            assert_eq!(k["change"], "added", "{k}");
        }
    }
}

/// The README's sample pull-request comment is what netverify prints for
/// SSH opened on app-1 (`NETVERIFY_BLESS=1` rewrites it).
#[test]
fn readme_sample_pr_comment_is_what_netverify_prints() {
    let head = fixture("fail-nacl-allow-before-deny.yaml");
    let base = edit(
        &head,
        "      - { protocol: tcp, ports: 22, cidr: 0.0.0.0/0, description: vendor support }\n",
        "",
    );
    let md = render(&run(&base, &head), DiffFormat::Markdown);
    assert!(!md.contains("````"), "the sample's fence stays closed");
    let (begin, end) = ("<!-- BEGIN diff sample -->", "<!-- END diff sample -->");
    let block = format!("{begin}\n````markdown\n{md}````\n{end}");
    let path = root().join("README.md");
    let readme = std::fs::read_to_string(&path).unwrap();
    let a = readme
        .find(begin)
        .expect("the README has the sample's markers");
    let b = readme
        .find(end)
        .expect("the README has the sample's markers")
        + end.len();
    if std::env::var_os("NETVERIFY_BLESS").is_some_and(|v| v == "1") {
        let new = format!("{}{block}{}", &readme[..a], &readme[b..]);
        std::fs::write(&path, new).unwrap();
        return;
    }
    assert_eq!(
        &readme[a..b],
        block,
        "the README's sample comment is out of date: rerun with NETVERIFY_BLESS=1"
    );
}

/// A security group named to break out of the Mermaid block (a quote, a
/// bracket, a fence, HTML, a newline) stays inside its node's label.
#[test]
fn mermaid_paths_escape_hostile_names() {
    let hostile = "app\"]\n```\n<img src=x>`x`#35;";
    let quoted = serde_json::to_string(hostile).unwrap();
    let head = fixture("fail-nacl-allow-before-deny.yaml")
        .replace("name: app-sg\n", &format!("name: {quoted}\n"))
        .replace("[app-sg]", &format!("[{quoted}]"))
        .replace(
            "security_group: app-sg",
            &format!("security_group: {quoted}"),
        );
    let base = edit(
        &head,
        "      - { protocol: tcp, ports: 22, cidr: 0.0.0.0/0, description: vendor support }\n",
        "",
    );
    let md = render(&run(&base, &head), DiffFormat::Markdown);
    let block = md
        .split("```mermaid\n")
        .nth(1)
        .and_then(|rest| rest.split("\n```\n").next())
        .expect("a Mermaid block");
    for line in block.lines().skip(1) {
        let node = line.trim_start();
        if node.contains("-->") {
            continue;
        }
        let label = node
            .split_once("[\"")
            .and_then(|(_, rest)| rest.strip_suffix("\"]"))
            .unwrap_or_else(|| panic!("a node line: {line}"));
        for bad in ['"', '<', '>', '`', '[', ']', '\n'] {
            assert!(!label.contains(bad), "{bad:?} in {label}");
        }
    }
    assert!(block.contains("app#quot;#93;"), "{block}");
    // Outside the block, Markdown escapes it (`\<img`): never raw HTML.
    assert!(!md.replace("\\<img", "").contains("<img"), "{md}");
}
