//! End-to-end tests of the `netverify` binary: exit codes, what goes to
//! stdout and what to stderr, the three output formats as a CI job reads
//! them, colour, and a reader that closes the pipe early.
//!
//! Every run goes through [`netverify`], which starts the built binary from
//! the package root with an environment cleared of everything that could
//! change its output (colour variables, `CI`, `AWS_*`). Rendered text sits
//! beside each test as an inline insta snapshot; machine formats are parsed
//! and checked field by field.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "a test fails by panicking"
)]

use std::io::Read;
use std::path::Path;
use std::process::{Command as StdCommand, Stdio};
use std::time::Duration;

use assert_cmd::Command;
use serde_json::Value;

/// The reference topology: `check` proves it.
const REFERENCE: &str = "topologies/secure-three-tier.yaml";
/// A violated variant with an Elastic IP, so the witness has a concrete address.
const FAIL_EIP: &str = "topologies/fail-eip-on-secondary-ip.yaml";
/// A violated variant with an auto-assigned public IPv4.
const FAIL_PUBLIC_IP: &str = "topologies/fail-public-ip-on-app-instance.yaml";
/// Two app interfaces exposed over IPv6, besides the load balancer.
const FAIL_IPV6: &str = "topologies/fail-ipv6-open-sg-ipv4-closed.yaml";
/// A bastion (instance and interface) exposed as the policy allows.
const BASTION: &str = "topologies/pass-bastion-allowed-by-policy.yaml";
/// Unknown because of a `gaps:` entry.
const UNKNOWN_GAP: &str = "topologies/unknown-import-gap.yaml";
/// Unknown because an exposed appliance forwards what it receives.
const UNKNOWN_APPLIANCE: &str = "topologies/unknown-appliance-route-target.yaml";

const DANGLING: &str = "tests/fixtures/cli/dangling-target.yaml";
const MALFORMED: &str = "tests/fixtures/cli/malformed.yaml";
const SEVERAL: &str = "tests/fixtures/cli/several-errors.yaml";
const MISSING: &str = "tests/fixtures/cli/does-not-exist.yaml";

/// No run should come near this; a hang must fail the test, not stall CI.
const TIMEOUT: Duration = Duration::from_secs(120);

/// Variables that change colour decisions, besides every `AWS_*` variable.
const CLEARED: &[&str] = &["NO_COLOR", "CLICOLOR_FORCE", "CLICOLOR", "CI", "TERM"];

// ----- the builder -----------------------------------------------------------

/// The binary with `args`, run from the package root (so paths in outputs are
/// the relative paths given here) with a clean environment.
fn std_command(args: &[&str]) -> StdCommand {
    let mut cmd = StdCommand::new(assert_cmd::cargo::cargo_bin!("netverify"));
    cmd.current_dir(env!("CARGO_MANIFEST_DIR")).args(args);
    for var in CLEARED {
        cmd.env_remove(var);
    }
    for (key, _) in std::env::vars_os() {
        if key.to_string_lossy().starts_with("AWS_") {
            cmd.env_remove(&key);
        }
    }
    cmd
}

/// [`std_command`] as an `assert_cmd` command, with a timeout.
fn netverify(args: &[&str]) -> Command {
    let mut cmd = Command::from_std(std_command(args));
    cmd.timeout(TIMEOUT);
    cmd
}

/// What one run printed.
struct Run {
    stdout: String,
    stderr: String,
}

/// Runs `cmd`, requires exit code `code`, and returns the output.
fn expect_code(cmd: &mut Command, code: i32) -> Run {
    let assert = cmd.assert().code(code);
    let out = assert.get_output();
    Run {
        stdout: String::from_utf8(out.stdout.clone()).expect("stdout is UTF-8"),
        stderr: String::from_utf8(out.stderr.clone()).expect("stderr is UTF-8"),
    }
}

/// Runs `netverify args`, requires exit code `code`.
fn run(args: &[&str], code: i32) -> Run {
    expect_code(&mut netverify(args), code)
}

fn json(text: &str) -> Value {
    serde_json::from_str(text).unwrap_or_else(|e| panic!("not JSON ({e}):\n{text}"))
}

/// The text of line `line` (1-based) of a file under the package root.
fn source_line(file: &str, line: u64) -> String {
    let text = std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join(file))
        .unwrap_or_else(|e| panic!("cannot read {file}: {e}"));
    let index = usize::try_from(line).unwrap() - 1;
    text.lines()
        .nth(index)
        .unwrap_or_else(|| panic!("{file} has no line {line}"))
        .to_owned()
}

fn str_at<'a>(v: &'a Value, pointer: &str) -> &'a str {
    v.pointer(pointer)
        .and_then(Value::as_str)
        .unwrap_or_else(|| panic!("no string at {pointer} in {v:#}"))
}

fn u64_at(v: &Value, pointer: &str) -> u64 {
    v.pointer(pointer)
        .and_then(Value::as_u64)
        .unwrap_or_else(|| panic!("no integer at {pointer} in {v:#}"))
}

fn array_at<'a>(v: &'a Value, pointer: &str) -> &'a Vec<Value> {
    v.pointer(pointer)
        .and_then(Value::as_array)
        .unwrap_or_else(|| panic!("no array at {pointer} in {v:#}"))
}

// ----- validate --------------------------------------------------------------

#[test]
fn validate_accepts_the_reference_topology() {
    let out = run(&["validate", REFERENCE], 0);
    insta::assert_snapshot!(out.stdout, @"topologies/secure-three-tier.yaml: valid (1 VPC, 8 subnets, 12 network interfaces)");
    assert_eq!(out.stderr, "");
}

#[test]
fn validate_rejects_a_dangling_name_with_its_position_and_a_suggestion() {
    let out = run(&["validate", DANGLING], 2);
    assert_eq!(out.stdout, "", "nothing but results goes to stdout");
    assert!(out.stderr.starts_with("error: "), "{}", out.stderr);
    assert!(
        out.stderr.contains(&format!("--> {DANGLING}:15:42")),
        "file:line:column of `igw-mian`: {}",
        out.stderr
    );
    assert!(
        out.stderr.contains("help: did you mean `igw-main`?"),
        "{}",
        out.stderr
    );
    // The column points at the misspelt name itself.
    assert_eq!(&source_line(DANGLING, 15)[41..49], "igw-mian");
    insta::assert_snapshot!(out.stderr, @r#"
    error: route table `rtb-public` routes `0.0.0.0/0` to unknown target `igw-mian`
      --> tests/fixtures/cli/dangling-target.yaml:15:42
       |
    15 |       - {destination: 0.0.0.0/0, target: igw-mian}
       |                                          ^^^^^^^^
       = help: did you mean `igw-main`?
    "#);
}

#[test]
fn validate_reports_every_error_of_a_file_in_one_run() {
    let out = run(&["validate", SEVERAL], 2);
    assert_eq!(out.stdout, "");
    insta::assert_snapshot!(out.stderr, @r#"
    error: CIDR `10.0.0.1/16` in vpc `main` has host bits set
     --> tests/fixtures/cli/several-errors.yaml:6:13
      |
    6 |     cidrs: ["10.0.0.1/16"]
      |             ^^^^^^^^^^^^^
      = help: did you mean `10.0.0.0/16`?

    error: subnet `app` refers to unknown vpc `mian`
     --> tests/fixtures/cli/several-errors.yaml:8:22
      |
    8 |   - {name: app, vpc: mian, cidr: 10.0.1.0/24}
      |                      ^^^^
      = help: did you mean `main`?

    error: invalid protocol `tpc` in security group `sg-app` ingress rule 1
      --> tests/fixtures/cli/several-errors.yaml:13:20
       |
    13 |       - {protocol: tpc, ports: 22, cidr: 0.0.0.0/0}
       |                    ^^^
       = help: did you mean `tcp`?

    error: could not load `tests/fixtures/cli/several-errors.yaml` due to 3 errors
    "#);
}

// ----- exit codes ------------------------------------------------------------

#[test]
fn check_proves_the_reference_topology_with_exit_code_0() {
    let out = run(&["check", REFERENCE], 0);
    assert!(
        out.stdout.starts_with("public-exposure: proven"),
        "{}",
        out.stdout
    );
    assert_eq!(out.stderr, "");
}

#[test]
fn check_exits_1_on_a_violated_topology() {
    let out = run(&["check", FAIL_EIP], 1);
    assert!(
        out.stdout.starts_with("public-exposure: violated"),
        "{}",
        out.stdout
    );
    assert!(
        out.stdout
            .ends_with("verdict: violated (1 violated, 0 unknown, 5 proven)\n")
    );
    assert_eq!(out.stderr, "");
}

#[test]
fn check_exits_3_on_an_unknown_topology() {
    for file in [UNKNOWN_GAP, UNKNOWN_APPLIANCE] {
        let out = run(&["check", file], 3);
        assert!(
            out.stdout.starts_with("public-exposure: unknown"),
            "{file}: {}",
            out.stdout
        );
        assert!(
            out.stdout.contains("\nwarning[public-exposure]: "),
            "{file}"
        );
        assert_eq!(out.stderr, "", "{file}");
    }
}

#[test]
fn every_command_exits_2_on_a_missing_file() {
    for command in ["validate", "check", "exposed"] {
        let out = run(&[command, MISSING], 2);
        assert_eq!(out.stdout, "", "{command}");
        assert_eq!(
            out.stderr,
            format!("error: cannot read `{MISSING}`: no such file\n --> {MISSING}\n"),
            "{command}"
        );
    }
}

#[test]
fn every_command_exits_2_on_malformed_yaml() {
    for command in ["validate", "check", "exposed"] {
        let out = run(&[command, MALFORMED], 2);
        assert_eq!(out.stdout, "", "{command}");
        assert!(
            out.stderr.contains(&format!("--> {MALFORMED}:6:12")),
            "{command}: {}",
            out.stderr
        );
    }
    let out = run(&["check", MALFORMED], 2);
    insta::assert_snapshot!(out.stderr, @r#"
    error: unclosed bracket '['
     --> tests/fixtures/cli/malformed.yaml:6:12
      |
    6 |     cidrs: [10.0.0.0/16
      |            ^
    "#);
}

#[test]
fn check_exits_2_on_an_unknown_check_id_and_suggests_the_closest() {
    let out = run(&["check", "--check", "publc-exposure", REFERENCE], 2);
    assert_eq!(out.stdout, "");
    insta::assert_snapshot!(out.stderr, @r#"
    error: unknown check `publc-exposure`
      = help: did you mean `public-exposure`?
      = note: the checks are `public-exposure`, `private-service-access`, `transit-encryption`, `ipsec-strength`, `on-prem-access`, `expected-flows`
    "#);
}

#[test]
fn a_check_named_twice_runs_once() {
    let out = run(
        &[
            "check",
            "--format",
            "json",
            "--check",
            "public-exposure",
            "--check",
            "public-exposure",
            REFERENCE,
        ],
        0,
    );
    let v: Value = serde_json::from_str(&out.stdout).unwrap();
    assert_eq!(array_at(&v, "/checks").len(), 1);
}

#[test]
fn check_runs_a_check_named_with_check() {
    let out = run(
        &[
            "check",
            "--check",
            "public-exposure",
            "--format",
            "json",
            FAIL_EIP,
        ],
        1,
    );
    let v = json(&out.stdout);
    let checks = array_at(&v, "/checks");
    assert_eq!(checks.len(), 1);
    assert_eq!(str_at(&v, "/checks/0/id"), "public-exposure");
}

#[test]
fn usage_errors_exit_2_with_nothing_on_stdout() {
    let cases: &[(&[&str], &str)] = &[
        (
            &["frobnicate", REFERENCE],
            "unrecognized subcommand 'frobnicate'",
        ),
        (
            &["check", "--frobnicate", REFERENCE],
            "unexpected argument '--frobnicate'",
        ),
        (
            &["check", "--format", "yaml", REFERENCE],
            "invalid value 'yaml'",
        ),
        (
            &["exposed", "--format", "xml", REFERENCE],
            "invalid value 'xml'",
        ),
        // Listings are not findings: SARIF is refused rather than silently
        // replaced by JSON.
        (
            &["exposed", "--format", "sarif", REFERENCE],
            "invalid value 'sarif'",
        ),
        (
            &["check"],
            "the following required arguments were not provided",
        ),
        (&[], "Usage: netverify <COMMAND>"),
    ];
    for (args, expected) in cases {
        let out = run(args, 2);
        assert_eq!(out.stdout, "", "{args:?}");
        assert!(out.stderr.contains(expected), "{args:?}: {}", out.stderr);
    }
}

// ----- JSON ------------------------------------------------------------------

#[test]
fn json_report_of_a_violation_carries_the_contract_fields() {
    let out = run(&["check", "--format", "json", FAIL_EIP], 1);
    assert_eq!(out.stderr, "");
    assert!(out.stdout.ends_with("}\n"), "one document and a newline");
    let v = json(&out.stdout);
    assert_eq!(v["version"], 1);
    assert_eq!(v["verdict"], "violated");
    assert_eq!(str_at(&v, "/checks/0/id"), "public-exposure");
    assert_eq!(str_at(&v, "/checks/0/verdict"), "violated");

    let findings = array_at(&v, "/checks/0/findings");
    let violations: Vec<&Value> = findings
        .iter()
        .filter(|f| f["kind"] == "violation")
        .collect();
    assert_eq!(violations.len(), 1, "{findings:#?}");
    let f = violations[0];
    assert_eq!(f["severity"], "error");
    assert_eq!(f["resource"], "app-1-eni");
    assert_eq!(f["aws_id"], "eni-0d98a24621f65528c");

    // The packet: from an internet source to the Elastic IP, on the open port.
    let packet = &f["witness"]["packet"];
    assert_eq!(packet["protocol"], "tcp");
    assert_eq!(packet["dst"], "52.203.14.77");
    assert_eq!(packet["dst_port"], 8080);
    let src: std::net::IpAddr = str_at(packet, "/src").parse().unwrap();
    assert!(!src.is_loopback() && !src.is_unspecified(), "{src}");

    // The path: every hop names a component and a rule, and points at a real
    // line of the file that names that component or holds that rule.
    let path = array_at(f, "/witness/path");
    assert!(path.len() >= 3, "{path:#?}");
    for hop in path {
        assert!(!str_at(hop, "/component").is_empty());
        assert!(!str_at(hop, "/rule").is_empty());
        assert_eq!(str_at(hop, "/location/file"), FAIL_EIP);
        let line = u64_at(hop, "/location/line");
        assert!(line >= 1);
        let text = source_line(FAIL_EIP, line);
        let column = usize::try_from(u64_at(hop, "/location/column")).unwrap();
        assert!(column >= 1 && column <= text.len(), "{hop:#}");
    }
    assert_eq!(str_at(&path[0], "/component"), "prod-igw");
    assert!(source_line(FAIL_EIP, u64_at(&path[0], "/location/line")).contains("prod-igw"));
    let last = path.last().unwrap();
    assert_eq!(str_at(last, "/component"), "app-1-eni");

    // The primary location is the security group rule that let it in.
    let rule_line = source_line(FAIL_EIP, u64_at(f, "/location/line"));
    assert!(
        rule_line.contains("ports: 8080") && rule_line.contains("0.0.0.0/0"),
        "{rule_line}"
    );
}

#[test]
fn json_report_of_the_reference_is_proven_without_violations() {
    let out = run(&["check", "--format", "json", REFERENCE], 0);
    let v = json(&out.stdout);
    assert_eq!(v["version"], 1);
    assert_eq!(v["verdict"], "proven");
    assert_eq!(str_at(&v, "/checks/0/verdict"), "proven");
    let kinds: Vec<&str> = array_at(&v, "/checks/0/findings")
        .iter()
        .map(|f| str_at(f, "/kind"))
        .collect();
    assert!(kinds.iter().all(|k| *k == "info"), "{kinds:?}");
}

#[test]
fn json_report_of_an_unknown_topology_names_the_culprit() {
    let out = run(&["check", "--format", "json", UNKNOWN_APPLIANCE], 3);
    let v = json(&out.stdout);
    assert_eq!(v["verdict"], "unknown");
    let findings = array_at(&v, "/checks/0/findings");
    assert!(
        findings.iter().any(|f| f["kind"] == "unknown"
            && f["severity"] == "warning"
            && f["resource"] == "vpn-gw-eni"),
        "{findings:#?}"
    );
    assert!(!findings.iter().any(|f| f["kind"] == "violation"));
}

// ----- SARIF -----------------------------------------------------------------

#[test]
fn sarif_report_of_a_violation_points_at_the_rule() {
    let out = run(&["check", "--format", "sarif", FAIL_EIP], 1);
    assert_eq!(out.stderr, "");
    let v = json(&out.stdout);
    assert_eq!(v["version"], "2.1.0");
    let runs = array_at(&v, "/runs");
    assert_eq!(runs.len(), 1);
    let rules = array_at(&v, "/runs/0/tool/driver/rules");
    assert!(rules.iter().any(|r| r["id"] == "public-exposure"));

    let results = array_at(&v, "/runs/0/results");
    let errors: Vec<&Value> = results.iter().filter(|r| r["level"] == "error").collect();
    assert_eq!(errors.len(), 1, "{results:#?}");
    let r = errors[0];
    assert_eq!(r["ruleId"], "public-exposure");
    let physical = &r["locations"][0]["physicalLocation"];
    assert_eq!(str_at(physical, "/artifactLocation/uri"), FAIL_EIP);
    let start = u64_at(physical, "/region/startLine");
    assert!(start >= 1);
    assert!(source_line(FAIL_EIP, start).contains("ports: 8080"));

    // The code flow is the witness path, hop for hop.
    let steps = array_at(r, "/codeFlows/0/threadFlows/0/locations");
    let json_out = run(&["check", "--format", "json", FAIL_EIP], 1);
    let report = json(&json_out.stdout);
    let witness = report["checks"][0]["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["kind"] == "violation")
        .unwrap();
    let path = array_at(witness, "/witness/path");
    assert_eq!(steps.len(), path.len());
    for (step, hop) in steps.iter().zip(path) {
        assert_eq!(
            step.pointer("/location/physicalLocation/region/startLine"),
            hop.pointer("/location/line")
        );
    }
}

#[test]
fn sarif_report_of_a_proven_topology_has_no_error_results() {
    let out = run(&["check", "--format", "sarif", REFERENCE], 0);
    let v = json(&out.stdout);
    assert_eq!(v["version"], "2.1.0");
    let results = array_at(&v, "/runs/0/results");
    assert!(
        results.iter().all(|r| r["level"] != "error"),
        "{results:#?}"
    );
}

// ----- timings ---------------------------------------------------------------

#[test]
fn timings_go_to_stderr_and_leave_stdout_unchanged() {
    let plain = run(&["check", REFERENCE], 0);
    let timed = run(&["check", "--timings", REFERENCE], 0);
    assert_eq!(timed.stdout, plain.stdout);
    assert_eq!(plain.stderr, "", "no timings unless asked");
    let phases: Vec<&str> = timed
        .stderr
        .lines()
        .map(|l| {
            let rest = l
                .strip_prefix("timing: ")
                .unwrap_or_else(|| panic!("not a timing line: {l:?}"));
            assert!(
                rest.trim_end().ends_with(" ms") || rest.starts_with("peak RSS"),
                "{l:?}"
            );
            rest
        })
        .collect();
    for phase in [
        "parse and validate",
        "model build",
        "check public-exposure",
        "render",
        "total",
    ] {
        assert!(
            phases.iter().any(|p| p.starts_with(phase)),
            "no `{phase}` in {phases:?}"
        );
    }
    // The total comes after every phase; peak RSS (Linux) may follow it.
    let total = phases.iter().position(|p| p.starts_with("total")).unwrap();
    assert!(
        phases[total + 1..]
            .iter()
            .all(|p| p.starts_with("peak RSS")),
        "{phases:?}"
    );
}

#[test]
fn timings_with_json_keep_stdout_a_single_json_document() {
    let out = run(&["check", "--timings", "--format", "json", REFERENCE], 0);
    assert_eq!(json(&out.stdout)["version"], 1);
    assert!(out.stderr.contains("timing: total"));
}

// ----- text ------------------------------------------------------------------

#[test]
fn text_report_of_the_reference_topology() {
    let out = run(&["check", REFERENCE], 0);
    insta::assert_snapshot!(out.stdout, @r#"
    public-exposure: proven — 12 ENIs analysed; only web-alb (tcp/80,443 from 0.0.0.0/0 and ::/0) is reachable from the internet

    note[public-exposure]: `web-alb` listeners 80, 443 → `app-1-eni` (10.0.10.21) port 8080: forwards internet traffic from the load balancer's own addresses
      --> topologies/secure-three-tier.yaml:432:11
      resource: web-alb (arn:aws:elasticloadbalancing:us-east-1:123456789012:loadbalancer/app/web-alb/c09c239e1cca4393)

    note[public-exposure]: `web-alb` listeners 80, 443 → `app-2-eni` (10.0.11.34) port 8080: forwards internet traffic from the load balancer's own addresses
      --> topologies/secure-three-tier.yaml:432:11
      resource: web-alb (arn:aws:elasticloadbalancing:us-east-1:123456789012:loadbalancer/app/web-alb/c09c239e1cca4393)

    private-service-access: proven — 2 workloads × 3 services; S3 and DynamoDB via gateway endpoints, ECR via interface endpoints

    note[private-service-access]: bucket `prod-data` denies requests that do not come through `vpce-0a7f3c9e2b4d61805`: successful requests used the endpoint (a policy proof, C-13.13); that packets cannot leave another way is what the routing proof of this check shows
      --> topologies/secure-three-tier.yaml:532:15
      resource: prod-data (arn:aws:s3:::prod-data-123456789012)

    transit-encryption: proven — no on-prem networks and no VPN or Direct Connect connections

    ipsec-strength: proven — no VPN connections

    on-prem-access: proven — no on_prem_access policy

    expected-flows: proven — no expected flows in the policy

    verdict: proven (0 violated, 0 unknown, 6 proven)
    "#);
}

#[test]
fn text_report_of_a_failing_variant() {
    let out = run(&["check", FAIL_PUBLIC_IP], 1);
    insta::assert_snapshot!(out.stdout, @r#"
    public-exposure: violated — 1 resource is reachable from the internet beyond the policy: app-1-eni

    error[public-exposure]: network interface `app-1-eni` of instance `app-1` is reachable from the internet beyond what the policy allows: tcp/8080 from 0.0.0.0/0; replies are dropped on the return path (a NACL, route or gateway check), so TCP sessions cannot complete; one-way packets are still delivered (C-0.2, C-6.5)
      --> topologies/fail-public-ip-on-app-instance.yaml:285:9
      resource: app-1-eni (eni-0d98a24621f65528c)
      exposed:  tcp/8080 from 0.0.0.0/0 to <auto-assigned public IPv4 of app-1-eni>
      witness:  tcp 203.0.113.7:40000 → <auto-assigned public IPv4 of app-1-eni>:8080
      path:
        1. prod-igw (igw-0199c1137d212a231) — inbound: public <auto-assigned public IPv4 of app-1-eni> → private 10.0.10.21 (one-to-one NAT, C-6.1)   topologies/fail-public-ip-on-app-instance.yaml:42:11
        2. app-nacl (acl-04a9427e897c95fb0) — inbound rule 300: allow tcp 1024-65535 from 0.0.0.0/0 (subnet app-a)                                    topologies/fail-public-ip-on-app-instance.yaml:227:9
        3. app-sg (sg-04adaa708c485864d) — ingress: allow tcp 8080 from 0.0.0.0/0 (on app-1-eni)                                                      topologies/fail-public-ip-on-app-instance.yaml:285:9
        4. app-1-eni (eni-0d98a24621f65528c) — delivered to 10.0.10.21                                                                                topologies/fail-public-ip-on-app-instance.yaml:378:11

    note[public-exposure]: `web-alb` listeners 80, 443 → `app-1-eni` (10.0.10.21) port 8080: forwards internet traffic from the load balancer's own addresses
      --> topologies/fail-public-ip-on-app-instance.yaml:426:11
      resource: web-alb (arn:aws:elasticloadbalancing:us-east-1:123456789012:loadbalancer/app/web-alb/c09c239e1cca4393)

    note[public-exposure]: `web-alb` listeners 80, 443 → `app-2-eni` (10.0.11.34) port 8080: forwards internet traffic from the load balancer's own addresses
      --> topologies/fail-public-ip-on-app-instance.yaml:426:11
      resource: web-alb (arn:aws:elasticloadbalancing:us-east-1:123456789012:loadbalancer/app/web-alb/c09c239e1cca4393)

    private-service-access: proven — 2 workloads × 3 services; S3 and DynamoDB via gateway endpoints, ECR via interface endpoints

    transit-encryption: proven — no on-prem networks and no VPN or Direct Connect connections

    ipsec-strength: proven — no VPN connections

    on-prem-access: proven — no on_prem_access policy

    expected-flows: proven — no expected flows in the policy

    verdict: violated (1 violated, 0 unknown, 5 proven)
    "#);
}

// ----- exposed ---------------------------------------------------------------

#[test]
fn exposed_text_lists_an_instance_once_with_its_interfaces() {
    let out = run(&["exposed", BASTION], 0);
    assert_eq!(out.stderr, "");
    insta::assert_snapshot!(out.stdout, @r#"
    bastion (instance, i-07be146a23e227025)
      interfaces: bastion-eni
      tcp/22 from 198.51.100.0/24 to 3.226.77.12

    web-alb (load-balancer, arn:aws:elasticloadbalancing:us-east-1:123456789012:loadbalancer/app/web-alb/c09c239e1cca4393)
      tcp/80, tcp/443 from 0.0.0.0/0 and ::/0

    2 resources are reachable from the internet
    "#);
}

#[test]
fn exposed_json_has_one_entry_per_instance_and_load_balancer() {
    let out = run(&["exposed", "--format", "json", FAIL_IPV6], 0);
    let v = json(&out.stdout);
    assert_eq!(v["version"], 1);
    assert!(v.get("unknown").is_none(), "nothing undecided here");
    let exposed = array_at(&v, "/exposed");
    let entries: Vec<(&str, &str)> = exposed
        .iter()
        .map(|e| (str_at(e, "/resource"), str_at(e, "/kind")))
        .collect();
    assert_eq!(
        entries,
        [
            ("app-1", "instance"),
            ("app-2", "instance"),
            ("web-alb", "load-balancer"),
        ],
        "load balancer nodes are reported once, as their load balancer, and an instance once, with its interfaces"
    );
    assert_eq!(exposed[0]["interfaces"], serde_json::json!(["app-1-eni"]));
    for e in exposed {
        assert!(str_at(e, "/aws_id").len() > 2, "{e:#}");
        let flows = array_at(e, "/flows");
        assert!(!flows.is_empty(), "{e:#}");
        for f in flows {
            assert!(!str_at(f, "/protocol").is_empty());
            assert!(!array_at(f, "/sources").is_empty());
            assert!(f.get("ports").is_some_and(Value::is_array));
        }
    }
    // The app tier is reachable over IPv6 only, at its global address.
    let app1 = &exposed[0];
    assert_eq!(str_at(app1, "/flows/0/protocol"), "tcp");
    assert_eq!(app1["flows"][0]["ports"], serde_json::json!(["8080"]));
    assert_eq!(app1["flows"][0]["sources"], serde_json::json!(["::/0"]));
    assert_eq!(
        str_at(app1, "/flows/0/address"),
        "2600:1f18:4a2b:7d0a:6c3f:e812:77a9:1b04"
    );
    let alb = &exposed[2];
    assert_eq!(alb["flows"][0]["ports"], serde_json::json!(["80", "443"]));
    assert_eq!(
        alb["flows"][0]["sources"],
        serde_json::json!(["0.0.0.0/0", "::/0"])
    );
}

#[test]
fn exposed_json_of_the_bastion_keeps_aws_ids_and_addresses() {
    let out = run(&["exposed", "--format", "json", BASTION], 0);
    let v = json(&out.stdout);
    let exposed = array_at(&v, "/exposed");
    assert!(
        !exposed.iter().any(|e| e["resource"] == "bastion-eni"),
        "the interface is listed under its instance"
    );
    let bastion = exposed
        .iter()
        .find(|e| e["resource"] == "bastion")
        .expect("the bastion instance is exposed");
    assert_eq!(bastion["kind"], "instance");
    assert_eq!(bastion["aws_id"], "i-07be146a23e227025");
    assert_eq!(bastion["interfaces"], serde_json::json!(["bastion-eni"]));
    assert_eq!(bastion["flows"][0]["address"], "3.226.77.12");
    assert_eq!(
        bastion["flows"][0]["sources"],
        serde_json::json!(["198.51.100.0/24"])
    );
}

#[test]
fn exposed_exits_3_when_the_list_may_be_incomplete() {
    let out = run(&["exposed", "--format", "json", UNKNOWN_GAP], 3);
    let v = json(&out.stdout);
    let unknown = array_at(&v, "/unknown");
    assert_eq!(unknown.len(), 1);
    assert!(
        unknown[0].as_str().unwrap().contains("globalaccelerator"),
        "{unknown:?}"
    );
    let text = run(&["exposed", UNKNOWN_GAP], 3);
    assert!(
        text.stdout.ends_with(
            "1 resource is reachable from the internet; the list may be incomplete (1 unknown)\n"
        ),
        "{}",
        text.stdout
    );
}

// ----- colour and pipes ------------------------------------------------------

#[test]
fn no_color_wins_over_forced_colour() {
    let esc = '\u{1b}';
    let forced = expect_code(
        netverify(&["check", FAIL_EIP]).env("CLICOLOR_FORCE", "1"),
        1,
    );
    assert!(
        forced.stdout.contains(esc),
        "CLICOLOR_FORCE=1 colours the text, so the test below can fail"
    );
    let plain = run(&["check", FAIL_EIP], 1);
    assert!(
        !plain.stdout.contains(esc),
        "no colour when stdout is not a terminal"
    );

    let no_color = expect_code(
        netverify(&["check", FAIL_EIP])
            .env("CLICOLOR_FORCE", "1")
            .env("NO_COLOR", "1"),
        1,
    );
    assert!(!no_color.stdout.contains(esc));
    assert!(!no_color.stderr.contains(esc));
    assert_eq!(no_color.stdout, plain.stdout);

    let exposed = expect_code(
        netverify(&["exposed", BASTION])
            .env("CLICOLOR_FORCE", "1")
            .env("NO_COLOR", "1"),
        0,
    );
    assert!(!exposed.stdout.contains(esc));
}

#[test]
fn a_closed_stdout_ends_the_run_quietly() {
    for (args, code) in [
        (&["check", FAIL_EIP][..], 1),
        (&["check", "--format", "json", FAIL_EIP][..], 1),
        (&["check", "--format", "sarif", REFERENCE][..], 0),
        (&["exposed", BASTION][..], 0),
        (&["validate", REFERENCE][..], 0),
        (&["--help"][..], 0),
    ] {
        // The read end is closed before the process starts, so every write to
        // stdout fails with a broken pipe.
        let (reader, writer) = std::io::pipe().unwrap();
        drop(reader);
        let out = std_command(args)
            .stdout(writer)
            .stderr(Stdio::piped())
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(!stderr.contains("panicked"), "{args:?}: {stderr}");
        assert_eq!(stderr, "", "{args:?}");
        assert_eq!(out.status.code(), Some(code), "{args:?}: still the verdict");
    }
}

#[test]
fn a_reader_that_stops_early_causes_no_panic() {
    let mut child = std_command(&["check", "--format", "sarif", FAIL_EIP])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    drop(child.stdout.take());
    let mut stderr = String::new();
    child
        .stderr
        .take()
        .unwrap()
        .read_to_string(&mut stderr)
        .unwrap();
    let status = child.wait().unwrap();
    assert!(!stderr.contains("panicked"), "{stderr}");
    assert_eq!(stderr, "");
    assert_eq!(status.code(), Some(1));
}

// ----- help and version ------------------------------------------------------

#[test]
fn help_lists_the_subcommands() {
    let out = run(&["--help"], 0);
    assert_eq!(out.stderr, "");
    for (command, about) in [
        ("validate", "Parse and validate a topology file"),
        ("check", "Run the checks"),
        (
            "exposed",
            "List every resource some internet packet can reach",
        ),
    ] {
        assert!(
            out.stdout
                .lines()
                .any(|l| l.trim_start().starts_with(command) && l.contains(about)),
            "`{command}` missing from:\n{}",
            out.stdout
        );
    }
}

#[test]
fn check_help_lists_formats_and_options() {
    let out = run(&["check", "-h"], 0);
    for needle in [
        "--format <FORMAT>",
        "[default: text] [possible values: text, json, sarif]",
        "--check <ID>",
        "--timings",
    ] {
        assert!(
            out.stdout.contains(needle),
            "no `{needle}` in:\n{}",
            out.stdout
        );
    }
}

#[test]
fn version_prints_the_package_version() {
    let out = run(&["--version"], 0);
    assert_eq!(
        out.stdout,
        format!("netverify {}\n", env!("CARGO_PKG_VERSION"))
    );
    assert_eq!(out.stderr, "");
}

// ----- private-service-access ---------------------------------------------------

#[test]
fn check_runs_private_service_access_by_default_and_alone() {
    let trap7 = "topologies/fail-psa-trap07-main-table-without-endpoint.yaml";
    // By default every check runs: public-exposure is proven, this one is not.
    let out = run(&["check", trap7, "--format", "json"], 1);
    let v = json(&out.stdout);
    let ids: Vec<&str> = array_at(&v, "/checks")
        .iter()
        .map(|c| str_at(c, "/id"))
        .collect();
    assert_eq!(
        ids,
        [
            "public-exposure",
            "private-service-access",
            "transit-encryption",
            "ipsec-strength",
            "on-prem-access",
            "expected-flows"
        ]
    );
    assert_eq!(str_at(&v, "/checks/0/verdict"), "proven");
    assert_eq!(str_at(&v, "/checks/1/verdict"), "violated");
    // Alone, with the text summary of a proof on the reference.
    let out = run(
        &["check", "--check", "private-service-access", REFERENCE],
        0,
    );
    assert!(
        out.stdout.starts_with("private-service-access: proven — 2 workloads × 3 services; S3 and DynamoDB via gateway endpoints, ECR via interface endpoints\n"),
        "{}",
        out.stdout
    );
    // Unknown exits 3.
    run(
        &[
            "check",
            "--check",
            "private-service-access",
            "topologies/unknown-psa-trap13-custom-dhcp-dns.yaml",
        ],
        3,
    );
}
