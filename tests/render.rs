//! Renderer tests: a snapshot per format for a proven, a violated and an
//! unknown report, plus structural checks of the SARIF and JSON contracts.

#![allow(
    clippy::expect_used,
    clippy::panic,
    reason = "a test fails by panicking"
)]

use netverify::render::{self, Format, TextOptions, sarif};
use netverify::report::{
    CheckResult, ExposedReport, ExposedResource, Finding, FindingKind, FlowSummary, Hop, Location,
    PacketView, Report, Severity, Verdict, Witness,
};
use serde::Deserialize;
use serde_json::Value;

const FILE: &str = "topologies/web.yaml";

fn loc(line: u32, column: u32) -> Option<Location> {
    Some(Location {
        file: FILE.to_owned(),
        line,
        column,
        ..Location::default()
    })
}

fn hop(component: &str, aws_id: Option<&str>, rule: &str, at: Option<Location>) -> Hop {
    Hop {
        component: component.to_owned(),
        aws_id: aws_id.map(str::to_owned),
        rule: rule.to_owned(),
        location: at,
    }
}

fn strings(items: &[&str]) -> Vec<String> {
    items.iter().map(|s| (*s).to_owned()).collect()
}

fn proven_report() -> Report {
    Report::new(
        FILE.to_owned(),
        vec![CheckResult {
            id: "public-exposure",
            verdict: Verdict::Proven,
            summary: "14 ENIs analysed; only web-alb is reachable from the internet \
                      (tcp/80, tcp/443 from 0.0.0.0/0 and ::/0)"
                .to_owned(),
            findings: vec![],
        }],
    )
}

fn bastion_finding() -> Finding {
    Finding {
        kind: FindingKind::Violation,
        severity: Severity::Error,
        resource: "bastion".to_owned(),
        aws_id: Some("i-0b45710n".to_owned()),
        message: "instance `bastion` accepts ssh from the internet".to_owned(),
        aws_ids: strings(&["i-0b45710n", "eni-0aa11", "igw-0abc", "sg-0456"]),
        flows: vec![
            FlowSummary {
                protocol: "tcp".to_owned(),
                ports: strings(&["22"]),
                sources: strings(&["0.0.0.0/0"]),
                address: Some("54.1.2.3".to_owned()),
            },
            FlowSummary {
                protocol: "icmp".to_owned(),
                ports: strings(&["8/0"]),
                sources: strings(&["0.0.0.0/0", "192.0.2.0/24", "198.51.100.0/24"]),
                address: Some("54.1.2.3".to_owned()),
            },
        ],
        witness: Some(Witness {
            packet: PacketView {
                src: "203.0.113.7".to_owned(),
                dst: "54.1.2.3".to_owned(),
                protocol: "tcp".to_owned(),
                src_port: Some(40000),
                dst_port: Some(22),
                icmp_type: None,
                icmp_code: None,
            },
            path: vec![
                hop(
                    "igw-main",
                    Some("igw-0abc"),
                    "inbound NAT 54.1.2.3 → 10.0.1.10",
                    loc(52, 5),
                ),
                hop(
                    "rtb-public",
                    Some("rtb-0def"),
                    "route 10.0.0.0/16 → local",
                    None,
                ),
                hop(
                    "nacl-public",
                    Some("acl-0123"),
                    "ingress rule 100: allow tcp 0-65535 from 0.0.0.0/0",
                    loc(67, 9),
                ),
                hop(
                    "sg-bastion",
                    Some("sg-0456"),
                    "ingress tcp/22 from 0.0.0.0/0",
                    loc(41, 7),
                ),
            ],
        }),
        location: loc(41, 7),
    }
}

fn violated_report() -> Report {
    Report::new(
        FILE.to_owned(),
        vec![
            CheckResult {
                id: "public-exposure",
                verdict: Verdict::Violated,
                summary: "1 of 14 ENIs is reachable from the internet on a port other than \
                          80 and 443"
                    .to_owned(),
                findings: vec![bastion_finding()],
            },
            CheckResult {
                id: "private-service-access",
                verdict: Verdict::Proven,
                summary: "app can reach db on tcp/5432 and nothing else can".to_owned(),
                findings: vec![],
            },
        ],
    )
}

fn unknown_report() -> Report {
    Report::new(
        FILE.to_owned(),
        vec![CheckResult {
            id: "transit-encryption",
            verdict: Verdict::Unknown,
            summary: "could not decide whether traffic to db is encrypted".to_owned(),
            findings: vec![
                Finding {
                    kind: FindingKind::Unknown,
                    severity: Severity::Warning,
                    resource: "db".to_owned(),
                    aws_id: None,
                    message: "the listener of `db` has no protocol; cannot tell whether \
                              it terminates TLS"
                        .to_owned(),
                    aws_ids: vec![],
                    flows: vec![],
                    witness: Some(Witness {
                        packet: PacketView {
                            src: "2001:db8:1::10".to_owned(),
                            dst: "2001:db8:2::20".to_owned(),
                            protocol: "tcp".to_owned(),
                            src_port: Some(49152),
                            dst_port: Some(5432),
                            icmp_type: None,
                            icmp_code: None,
                        },
                        path: vec![
                            hop("sg-app", None, "egress all to ::/0", loc(88, 11)),
                            hop(
                                "sg-db",
                                Some("sg-0db"),
                                "ingress tcp/5432 from sg-app",
                                None,
                            ),
                        ],
                    }),
                    location: None,
                },
                Finding {
                    kind: FindingKind::Info,
                    severity: Severity::Note,
                    resource: "db".to_owned(),
                    aws_id: Some("eni-0db".to_owned()),
                    message: "`db` is reachable only from inside the VPC".to_owned(),
                    aws_ids: strings(&["eni-0db"]),
                    flows: vec![FlowSummary {
                        protocol: "all".to_owned(),
                        ports: vec![],
                        sources: strings(&["10.0.0.0/16", "2001:db8::/56"]),
                        address: None,
                    }],
                    witness: None,
                    location: loc(90, 3),
                },
            ],
        }],
    )
}

fn exposed_report() -> ExposedReport {
    ExposedReport {
        version: 1,
        exposed: vec![
            ExposedResource {
                resource: "web-alb".to_owned(),
                kind: "load-balancer".to_owned(),
                aws_id: Some("app/web-alb/50dc6c495c0c9188".to_owned()),
                interfaces: Vec::new(),
                flows: vec![FlowSummary {
                    protocol: "tcp".to_owned(),
                    ports: strings(&["80", "443"]),
                    sources: strings(&["0.0.0.0/0", "::/0"]),
                    address: Some("54.1.2.4".to_owned()),
                }],
                session: Some(true),
            },
            ExposedResource {
                resource: "bastion".to_owned(),
                kind: "instance".to_owned(),
                aws_id: Some("i-0b45710n".to_owned()),
                interfaces: vec!["bastion-eni".to_owned()],
                flows: vec![FlowSummary {
                    protocol: "tcp".to_owned(),
                    ports: strings(&["22"]),
                    sources: strings(&["198.51.100.0/24"]),
                    address: Some("54.1.2.3".to_owned()),
                }],
                session: Some(false),
            },
            ExposedResource {
                resource: "dns".to_owned(),
                kind: "network-interface".to_owned(),
                aws_id: None,
                interfaces: Vec::new(),
                flows: vec![FlowSummary {
                    protocol: "udp".to_owned(),
                    ports: strings(&["53", "1024-65535"]),
                    sources: strings(&["0.0.0.0/0"]),
                    address: None,
                }],
                session: None,
            },
        ],
        unknown: strings(&["network interface `eni-x` has no security group data"]),
    }
}

fn plain() -> TextOptions {
    TextOptions { color: false }
}

fn text(report: &Report) -> String {
    render::render_report(report, Format::Text, &plain())
}

fn json(report: &Report) -> String {
    render::render_report(report, Format::Json, &plain())
}

fn sarif(report: &Report) -> String {
    render::render_report(report, Format::Sarif, &plain())
}

fn all_reports() -> [Report; 3] {
    [proven_report(), violated_report(), unknown_report()]
}

// ---------------------------------------------------------------- snapshots

#[test]
fn text_snapshots() {
    insta::assert_snapshot!("text_proven", text(&proven_report()));
    insta::assert_snapshot!("text_violated", text(&violated_report()));
    insta::assert_snapshot!("text_unknown", text(&unknown_report()));
    insta::assert_snapshot!(
        "text_exposed",
        render::render_exposed(&exposed_report(), Format::Text, &plain())
    );
}

#[test]
fn json_snapshots() {
    insta::assert_snapshot!("json_proven", json(&proven_report()));
    insta::assert_snapshot!("json_violated", json(&violated_report()));
    insta::assert_snapshot!("json_unknown", json(&unknown_report()));
    insta::assert_snapshot!(
        "json_exposed",
        render::render_exposed(&exposed_report(), Format::Json, &plain())
    );
}

/// A real `private-service-access` run (trap 7): its findings, witnesses
/// and locations in JSON and SARIF.
fn psa_report() -> Report {
    let file = "topologies/fail-psa-trap07-main-table-without-endpoint.yaml";
    let topo = netverify::model::load_file(std::path::Path::new(file))
        .unwrap_or_else(|e| panic!("{}", e.render(None)));
    let engine = netverify::engine::Engine::new(&topo);
    let result = netverify::checks::private_service_access::run(&engine);
    Report::new(file.into(), vec![result])
}

#[test]
fn private_service_access_snapshots() {
    let r = psa_report();
    insta::assert_snapshot!("json_private_service_access", json(&r));
    insta::assert_snapshot!("sarif_private_service_access", sarif(&r));
    insta::assert_snapshot!("text_private_service_access", text(&r));
}

#[test]
fn sarif_snapshots() {
    insta::assert_snapshot!("sarif_proven", sarif(&proven_report()));
    insta::assert_snapshot!("sarif_violated", sarif(&violated_report()));
    insta::assert_snapshot!("sarif_unknown", sarif(&unknown_report()));
}

// --------------------------------------------------------------------- text

#[test]
fn text_header_and_verdict_lines() {
    let out = text(&violated_report());
    assert!(
        out.starts_with("public-exposure: violated — 1 of 14 ENIs is reachable from the internet")
    );
    assert!(out.contains("\nerror[public-exposure]: instance `bastion` accepts ssh"));
    assert!(out.contains("\n  --> topologies/web.yaml:41:7\n"));
    assert!(out.contains("tcp 203.0.113.7:40000 → 54.1.2.3:22"));
    assert!(out.contains("1. igw-main (igw-0abc) — inbound NAT 54.1.2.3 → 10.0.1.10"));
    assert!(out.ends_with("verdict: violated (1 violated, 0 unknown, 1 proven)\n"));

    let unknown = text(&unknown_report());
    assert!(unknown.contains("\nwarning[transit-encryption]: "));
    assert!(unknown.contains("\nnote[transit-encryption]: "));
    assert!(unknown.contains("tcp [2001:db8:1::10]:49152 → [2001:db8:2::20]:5432"));
    assert!(unknown.ends_with("verdict: unknown (0 violated, 1 unknown, 0 proven)\n"));
}

#[test]
fn text_path_locations_line_up() {
    let out = text(&violated_report());
    let columns: Vec<usize> = out
        .lines()
        .filter(|l| l.ends_with(":52:5") || l.ends_with(":67:9") || l.ends_with(":41:7"))
        .filter(|l| l.trim_start().starts_with(char::is_numeric))
        .filter_map(|l| l.find("topologies/").map(|b| l[..b].chars().count()))
        .collect();
    assert_eq!(columns.len(), 3, "{out}");
    assert!(
        columns.windows(2).all(|w| w[0] == w[1]),
        "{columns:?}\n{out}"
    );
}

#[test]
fn text_without_color_has_no_escape_bytes() {
    for report in all_reports() {
        assert!(!text(&report).contains('\u{1b}'));
    }
    let exposed = render::render_exposed(&exposed_report(), Format::Text, &plain());
    assert!(!exposed.contains('\u{1b}'));
}

#[test]
fn text_escapes_control_characters_from_the_topology() {
    let mut report = violated_report();
    report.checks[0].findings[0].resource = "evil\u{1b}[2J\u{202e}name".to_owned();
    report.checks[0].findings[0].message = "line one\nline two".to_owned();
    let out = text(&report);
    assert!(!out.contains('\u{1b}'));
    assert!(!out.contains('\u{202e}'));
    assert!(out.contains(r"evil\x1b[2J\u{202e}name"));
    assert!(out.contains(r"line one\nline two"));
}

#[test]
fn json_and_sarif_never_write_bidi_or_c1_raw_but_keep_the_values() {
    let mut report = violated_report();
    let name = "evil\u{202e}\u{9b}\u{1b}[2Jname";
    report.checks[0].findings[0].resource = name.to_owned();
    report.checks[0].findings[0].message = format!("`{name}` is exposed");
    let raw = |s: &str| {
        s.chars()
            .any(|c| matches!(c, '\u{202e}' | '\u{9b}' | '\u{1b}'))
    };

    let out = json(&report);
    assert!(!raw(&out), "{out}");
    assert!(out.contains("evil\\u202e\\u009b\\u001b[2Jname"), "{out}");
    let v: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(v["checks"][0]["findings"][0]["resource"], name);

    let out = sarif(&report);
    assert!(!raw(&out), "{out}");
    let v: Value = serde_json::from_str(&out).unwrap();
    let result = &v["runs"][0]["results"][0];
    // The message is for people: escaped visibly, as in text output.
    assert_eq!(
        result["message"]["text"].as_str().unwrap().lines().next(),
        Some(r"`evil\u{202e}\u{9b}\x1b[2Jname` is exposed")
    );
    // Properties are data: the exact value.
    assert!(
        result["properties"]["resource"]
            .as_str()
            .unwrap()
            .starts_with(name)
    );
}

#[test]
fn text_with_color_only_adds_styles() {
    let color = TextOptions { color: true };
    for report in all_reports() {
        let colored = render::render_report(&report, Format::Text, &color);
        assert!(colored.contains('\u{1b}'));
        assert_eq!(strip_ansi(&colored), text(&report));
    }
    let exposed = exposed_report();
    let colored = render::render_exposed(&exposed, Format::Text, &color);
    assert!(colored.contains('\u{1b}'));
    assert_eq!(
        strip_ansi(&colored),
        render::render_exposed(&exposed, Format::Text, &plain())
    );
}

/// Remove CSI sequences (`ESC [ … final-byte`).
fn strip_ansi(s: &str) -> String {
    let mut out = String::new();
    let mut chars = s.chars();
    while let Some(c) = chars.next() {
        if c == '\u{1b}' {
            assert_eq!(chars.next(), Some('['), "only CSI sequences expected");
            for c in chars.by_ref() {
                if ('@'..='~').contains(&c) {
                    break;
                }
            }
        } else {
            out.push(c);
        }
    }
    out
}

#[test]
fn output_is_deterministic() {
    for report in all_reports() {
        for format in [Format::Text, Format::Json, Format::Sarif] {
            assert_eq!(
                render::render_report(&report, format, &plain()),
                render::render_report(&report.clone(), format, &plain())
            );
        }
    }
}

// ------------------------------------------------------------------- colour

fn env<'a>(vars: &'a [(&'a str, &'a str)]) -> impl Fn(&str) -> Option<String> + 'a {
    move |name| {
        vars.iter()
            .find(|(k, _)| *k == name)
            .map(|(_, v)| (*v).to_owned())
    }
}

#[test]
fn color_policy() {
    let on =
        |is_terminal, vars: &[(&str, &str)]| TextOptions::from_vars(is_terminal, env(vars)).color;
    assert!(on(true, &[]));
    assert!(!on(false, &[]));
    assert!(!on(true, &[("NO_COLOR", "1")]));
    assert!(
        !on(true, &[("NO_COLOR", "false")]),
        "any non-empty value disables"
    );
    assert!(on(true, &[("NO_COLOR", "")]), "an empty NO_COLOR is unset");
    assert!(on(false, &[("CLICOLOR_FORCE", "1")]));
    assert!(!on(false, &[("CLICOLOR_FORCE", "0")]));
    assert!(
        !on(true, &[("NO_COLOR", "1"), ("CLICOLOR_FORCE", "1")]),
        "NO_COLOR wins"
    );
    assert!(!on(true, &[("CLICOLOR", "0")]));
    assert!(!on(true, &[("TERM", "dumb")]));
}

const PROBE_ENV: &str = "NETVERIFY_RENDER_PROBE";

/// Runs this test binary again with `env` as the colour variables, and
/// returns what `TextOptions::from_env(true)` decided there.
fn from_env_in_child(vars: &[(&str, &str)]) -> bool {
    let exe = std::env::current_exe().expect("test binary path");
    let mut cmd = std::process::Command::new(exe);
    cmd.args(["--exact", "from_env_probe", "--ignored", "--nocapture"])
        .env(PROBE_ENV, "1");
    for name in ["NO_COLOR", "CLICOLOR_FORCE", "CLICOLOR", "TERM"] {
        cmd.env_remove(name);
    }
    for (k, v) in vars {
        cmd.env(k, v);
    }
    let out = cmd.output().expect("run test binary");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{stdout}");
    if stdout.contains("probe color=true") {
        true
    } else if stdout.contains("probe color=false") {
        false
    } else {
        panic!("probe did not run: {stdout}")
    }
}

#[test]
#[ignore = "helper: run in a child process by from_env_reads_the_process_environment"]
fn from_env_probe() {
    // Only meaningful in the child that `from_env_in_child` starts.
    if std::env::var_os(PROBE_ENV).is_none() {
        return;
    }
    println!("probe color={}", TextOptions::from_env(true).color);
}

#[test]
fn from_env_reads_the_process_environment() {
    assert!(from_env_in_child(&[]));
    assert!(!from_env_in_child(&[("NO_COLOR", "1")]));
    assert!(!from_env_in_child(&[
        ("NO_COLOR", "1"),
        ("CLICOLOR_FORCE", "1")
    ]));
}

// --------------------------------------------------------------------- JSON

/// The documented contract of `netverify check --format json`, version 1.
/// Unknown fields are refused so that a new field fails this test until it
/// is documented in docs/JSON-OUTPUT.md and added here.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
#[allow(
    dead_code,
    reason = "fields are read by Debug and deserialisation only"
)]
struct JsonReport {
    version: u32,
    verdict: String,
    checks: Vec<JsonCheck>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
#[allow(
    dead_code,
    reason = "fields are read by Debug and deserialisation only"
)]
struct JsonCheck {
    id: String,
    verdict: String,
    summary: String,
    findings: Vec<JsonFinding>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
#[allow(
    dead_code,
    reason = "fields are read by Debug and deserialisation only"
)]
struct JsonFinding {
    kind: String,
    severity: String,
    resource: String,
    aws_id: Option<String>,
    message: String,
    #[serde(default)]
    aws_ids: Vec<String>,
    #[serde(default)]
    flows: Vec<JsonFlow>,
    witness: Option<JsonWitness>,
    location: Option<JsonLocation>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
#[allow(
    dead_code,
    reason = "fields are read by Debug and deserialisation only"
)]
struct JsonFlow {
    protocol: String,
    ports: Vec<String>,
    sources: Vec<String>,
    address: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
#[allow(
    dead_code,
    reason = "fields are read by Debug and deserialisation only"
)]
struct JsonWitness {
    packet: JsonPacket,
    path: Vec<JsonHop>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
#[allow(
    dead_code,
    reason = "fields are read by Debug and deserialisation only"
)]
struct JsonPacket {
    src: String,
    dst: String,
    protocol: String,
    src_port: Option<u16>,
    dst_port: Option<u16>,
    icmp_type: Option<u8>,
    icmp_code: Option<u8>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
#[allow(
    dead_code,
    reason = "fields are read by Debug and deserialisation only"
)]
struct JsonHop {
    component: String,
    aws_id: Option<String>,
    rule: String,
    location: Option<JsonLocation>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
#[allow(
    dead_code,
    reason = "fields are read by Debug and deserialisation only"
)]
struct JsonLocation {
    file: String,
    line: u32,
    column: u32,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
#[allow(
    dead_code,
    reason = "fields are read by Debug and deserialisation only"
)]
struct JsonExposedReport {
    version: u32,
    exposed: Vec<JsonExposed>,
    #[serde(default)]
    unknown: Vec<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
#[allow(
    dead_code,
    reason = "fields are read by Debug and deserialisation only"
)]
struct JsonExposed {
    resource: String,
    kind: String,
    aws_id: Option<String>,
    #[serde(default)]
    interfaces: Vec<String>,
    flows: Vec<JsonFlow>,
    session: Option<bool>,
}

#[test]
fn json_round_trips_and_is_version_1() {
    for report in all_reports() {
        let out = json(&report);
        assert!(out.ends_with("}\n"));
        let value: Value = serde_json::from_str(&out).expect("valid JSON");
        assert_eq!(value["version"], 1);
        assert_eq!(value["verdict"], report.verdict.as_str());
        assert_eq!(value, serde_json::to_value(&report).expect("serialise"));

        let parsed: JsonReport = serde_json::from_str(&out).expect("matches the contract");
        assert_eq!(parsed.version, 1);
        assert_eq!(parsed.checks.len(), report.checks.len());
        for (p, c) in parsed.checks.iter().zip(&report.checks) {
            assert_eq!(p.id, c.id);
            assert_eq!(p.findings.len(), c.findings.len());
        }
    }
}

#[test]
fn json_witness_path_keeps_hop_order_and_locations() {
    let parsed: JsonReport = serde_json::from_str(&json(&violated_report())).expect("contract");
    let w = parsed.checks[0].findings[0]
        .witness
        .as_ref()
        .expect("witness");
    let components: Vec<&str> = w.path.iter().map(|h| h.component.as_str()).collect();
    assert_eq!(
        components,
        ["igw-main", "rtb-public", "nacl-public", "sg-bastion"]
    );
    assert!(w.path[1].location.is_none());
    let first = w.path[0].location.as_ref().expect("location");
    assert_eq!(
        (first.file.as_str(), first.line, first.column),
        (FILE, 52, 5)
    );
    assert_eq!(w.packet.dst_port, Some(22));
    assert_eq!(w.packet.icmp_type, None);
}

#[test]
fn json_exposed_round_trips_and_is_version_1() {
    let report = exposed_report();
    let out = render::render_exposed(&report, Format::Json, &plain());
    let value: Value = serde_json::from_str(&out).expect("valid JSON");
    assert_eq!(value["version"], 1);
    assert_eq!(value, serde_json::to_value(&report).expect("serialise"));
    let parsed: JsonExposedReport = serde_json::from_str(&out).expect("matches the contract");
    assert_eq!(parsed.exposed.len(), 3);
    assert_eq!(parsed.unknown.len(), 1);
}

#[test]
fn every_json_field_is_documented() {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/docs/JSON-OUTPUT.md");
    let doc = std::fs::read_to_string(path).expect("docs/JSON-OUTPUT.md");
    let mut keys = Vec::new();
    for report in all_reports() {
        collect_keys(
            &serde_json::from_str(&json(&report)).expect("JSON"),
            &mut keys,
        );
    }
    let exposed = render::render_exposed(&exposed_report(), Format::Json, &plain());
    collect_keys(&serde_json::from_str(&exposed).expect("JSON"), &mut keys);
    for key in keys {
        assert!(
            doc.contains(&format!("`{key}`")),
            "field `{key}` is not documented in docs/JSON-OUTPUT.md"
        );
    }
}

fn collect_keys(v: &Value, keys: &mut Vec<String>) {
    match v {
        Value::Object(map) => {
            for (k, v) in map {
                if !keys.contains(k) {
                    keys.push(k.clone());
                }
                collect_keys(v, keys);
            }
        }
        Value::Array(items) => items.iter().for_each(|v| collect_keys(v, keys)),
        _ => {}
    }
}

#[test]
fn render_json_value_is_pretty_with_trailing_newline() {
    let out = render::render_json_value(&serde_json::json!({ "a": [1, 2] }));
    assert_eq!(out, "{\n  \"a\": [\n    1,\n    2\n  ]\n}\n");

    // A map with non-integer, non-string keys cannot be JSON: still valid
    // JSON out, with the reason.
    let mut bad = std::collections::BTreeMap::new();
    bad.insert((1, 2), "x");
    let out = render::render_json_value(&bad);
    let value: Value = serde_json::from_str(&out).expect("valid JSON");
    assert!(
        value["error"]
            .as_str()
            .is_some_and(|e| e.contains("serialise"))
    );
}

// -------------------------------------------------------------------- SARIF

fn sarif_value(report: &Report) -> Value {
    serde_json::from_str(&sarif(report)).expect("SARIF is JSON")
}

fn results(v: &Value) -> &Vec<Value> {
    v["runs"][0]["results"].as_array().expect("results array")
}

#[test]
fn sarif_structure() {
    for report in all_reports() {
        let v = sarif_value(&report);
        assert_eq!(v["version"], "2.1.0");
        assert_eq!(
            v["$schema"],
            "https://json.schemastore.org/sarif-2.1.0.json"
        );
        assert_eq!(v["runs"].as_array().map(Vec::len), Some(1));
        let driver = &v["runs"][0]["tool"]["driver"];
        assert_eq!(driver["name"], "netverify");
        assert_eq!(driver["version"], env!("CARGO_PKG_VERSION"));

        // One rule per check, with everything code scanning shows.
        let rules = driver["rules"].as_array().expect("rules");
        assert_eq!(rules.len(), report.checks.len());
        for (rule, check) in rules.iter().zip(&report.checks) {
            assert_eq!(rule["id"], check.id);
            for field in ["shortDescription", "fullDescription"] {
                assert!(rule[field]["text"].as_str().is_some_and(|t| !t.is_empty()));
            }
            assert!(rule["help"]["text"].is_string());
            assert!(rule["help"]["markdown"].is_string());
            assert_eq!(
                rule["helpUri"],
                format!(
                    "https://github.com/netverify/netverify/blob/main/README.md#{}",
                    check.id
                )
            );
            assert!(rule["defaultConfiguration"]["level"].is_string());
        }

        // One result per finding, in order, each with a region and a code
        // flow as long as the witness path.
        let findings: Vec<(&str, &Finding)> = report
            .checks
            .iter()
            .flat_map(|c| c.findings.iter().map(move |f| (c.id, f)))
            .collect();
        let counted = findings
            .iter()
            .filter(|(_, f)| {
                matches!(
                    f.kind,
                    FindingKind::Violation | FindingKind::Unknown | FindingKind::Info
                )
            })
            .count();
        let results = results(&v);
        assert_eq!(results.len(), counted);
        for (result, (id, finding)) in results.iter().zip(&findings) {
            assert_eq!(result["ruleId"], *id);
            let level = match finding.kind {
                FindingKind::Violation => "error",
                FindingKind::Unknown => "warning",
                FindingKind::Info => "note",
            };
            assert_eq!(result["level"], level);
            let text = result["message"]["text"].as_str().expect("message");
            assert!(text.starts_with(&finding.message));
            let physical = &result["locations"][0]["physicalLocation"];
            assert_eq!(physical["artifactLocation"]["uri"], FILE);
            assert_eq!(physical["artifactLocation"]["uriBaseId"], "%SRCROOT%");
            let line = physical["region"]["startLine"].as_u64().expect("startLine");
            assert!(line >= 1);
            assert!(
                physical["region"]["startColumn"]
                    .as_u64()
                    .is_some_and(|c| c >= 1)
            );
            if let Some(at) = &finding.location {
                assert_eq!(line, u64::from(at.line));
            }
            assert!(result["partialFingerprints"][sarif::FINGERPRINT_KEY].is_string());
            match &finding.witness {
                Some(w) => {
                    let hops = result["codeFlows"][0]["threadFlows"][0]["locations"]
                        .as_array()
                        .expect("thread flow");
                    assert_eq!(hops.len(), w.path.len());
                    for (step, hop) in hops.iter().zip(&w.path) {
                        assert_eq!(
                            step["location"]["message"]["text"],
                            format!("{} — {}", hop.component, hop.rule)
                        );
                        let region = &step["location"]["physicalLocation"]["region"];
                        match &hop.location {
                            Some(at) => assert_eq!(region["startLine"], at.line),
                            None => assert!(region.is_null()),
                        }
                    }
                }
                None => assert!(result["codeFlows"].is_null()),
            }
        }
    }
}

#[test]
fn sarif_proven_check_has_a_rule_and_no_results() {
    let v = sarif_value(&proven_report());
    assert!(results(&v).is_empty());
    assert_eq!(
        v["runs"][0]["tool"]["driver"]["rules"][0]["id"],
        "public-exposure"
    );

    let v = sarif_value(&violated_report());
    assert!(
        results(&v)
            .iter()
            .all(|r| r["ruleId"] != "private-service-access")
    );
}

#[test]
fn sarif_finding_without_location_points_at_line_1_of_the_topology() {
    let v = sarif_value(&unknown_report());
    let physical = &results(&v)[0]["locations"][0]["physicalLocation"];
    assert_eq!(physical["artifactLocation"]["uri"], FILE);
    assert_eq!(physical["region"]["startLine"], 1);
}

#[test]
fn sarif_carries_aws_ids() {
    let v = sarif_value(&violated_report());
    let props = &results(&v)[0]["properties"];
    assert_eq!(props["awsId"], "i-0b45710n");
    let ids: Vec<&str> = props["awsIds"]
        .as_array()
        .expect("awsIds")
        .iter()
        .filter_map(Value::as_str)
        .collect();
    // The finding's own list first, then hop ids it did not already name.
    assert_eq!(
        ids,
        [
            "i-0b45710n",
            "eni-0aa11",
            "igw-0abc",
            "sg-0456",
            "rtb-0def",
            "acl-0123"
        ]
    );
}

#[test]
fn sarif_paths_become_uris() {
    let uri_of = |file: &str| {
        let mut report = violated_report();
        report.checks[0].findings[0].location = Some(Location {
            file: file.to_owned(),
            line: 3,
            column: 1,
            ..Location::default()
        });
        let v = sarif_value(&report);
        let a = results(&v)[0]["locations"][0]["physicalLocation"]["artifactLocation"].clone();
        (
            a["uri"].as_str().unwrap_or_default().to_owned(),
            a["uriBaseId"].as_str().map(str::to_owned),
        )
    };
    let srcroot = Some("%SRCROOT%".to_owned());
    assert_eq!(
        uri_of("topologies\\web.yaml"),
        ("topologies/web.yaml".into(), srcroot.clone())
    );
    assert_eq!(
        uri_of("./topologies/web.yaml"),
        ("topologies/web.yaml".into(), srcroot.clone())
    );
    assert_eq!(
        uri_of("my nets/a#1.yaml"),
        ("my%20nets/a%231.yaml".into(), srcroot)
    );
    assert_eq!(
        uri_of("/repo/web.yaml"),
        ("file:///repo/web.yaml".into(), None)
    );
    assert_eq!(
        uri_of("C:\\repo\\web.yaml"),
        ("file:///C:/repo/web.yaml".into(), None)
    );
}

#[test]
fn sarif_fingerprint_ignores_the_line_and_separates_repeats() {
    let fingerprint = |report: &Report, i: usize| {
        results(&sarif_value(report))[i]["partialFingerprints"][sarif::FINGERPRINT_KEY]
            .as_str()
            .map(str::to_owned)
            .expect("fingerprint")
    };
    let report = violated_report();
    let mut moved = violated_report();
    moved.checks[0].findings[0].location = loc(141, 7);
    assert_eq!(fingerprint(&report, 0), fingerprint(&moved, 0));

    let mut other = violated_report();
    other.checks[0].findings[0].resource = "bastion-2".to_owned();
    assert_ne!(fingerprint(&report, 0), fingerprint(&other, 0));

    let mut twice = violated_report();
    twice.checks[0].findings.push(bastion_finding());
    let (a, b) = (fingerprint(&twice, 0), fingerprint(&twice, 1));
    assert!(a.ends_with(":1") && b.ends_with(":2"), "{a} {b}");
    assert_eq!(a.split(':').next(), b.split(':').next());

    // The hash is pinned: changing it would reopen every alert.
    // Values computed independently from the FNV-1a 64 definition.
    assert_eq!(sarif::finding_hash("", "", ""), "d94d12186c0f2fb7");
    assert_eq!(
        sarif::finding_hash(
            "public-exposure",
            "bastion",
            "instance `bastion` accepts ssh from the internet"
        ),
        "9dc9b6d93beddf12"
    );
}

#[test]
fn sarif_rule_docs_replace_the_generic_text() {
    let docs = [sarif::RuleDoc {
        id: "public-exposure",
        short_description: "Only the intended resources are reachable from the internet",
        full_description: "Proves that no other network interface can receive a packet \
                           from the internet.",
        help_markdown: "**How to fix**: remove the security group rule.",
    }];
    let v: Value = serde_json::from_str(&sarif::render_report_with_docs(&violated_report(), &docs))
        .expect("SARIF is JSON");
    let rules = &v["runs"][0]["tool"]["driver"]["rules"];
    assert_eq!(
        rules[0]["shortDescription"]["text"],
        docs[0].short_description
    );
    assert_eq!(rules[0]["help"]["markdown"], docs[0].help_markdown);
    assert_eq!(rules[1]["id"], "private-service-access");
    assert!(
        rules[1]["shortDescription"]["text"]
            .as_str()
            .is_some_and(|t| t.contains("private-service-access"))
    );
}
