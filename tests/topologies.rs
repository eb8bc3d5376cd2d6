#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "test helpers fail by panicking"
)]

//! The bundled topologies are fixtures: each one says, in its leading comment
//! block, what `netverify check` must conclude about it and which resources
//! a finding must name:
//!
//! ```yaml
//! # expect: violated
//! # culprit: app-1-eni
//! ```
//!
//! `# expect:` is the overall verdict. A fixture may also state the verdict
//! of one check, and culprits that one check's findings must name:
//!
//! ```yaml
//! # expect[public-exposure]: proven
//! # expect[private-service-access]: violated
//! # culprit[private-service-access]: app-2-eni
//! ```
//!
//! Without `# expect[public-exposure]:`, that check must have the overall
//! verdict (the fixtures were written for it first).
//!
//! These tests run the built binary on every `topologies/*.yaml` and hold it
//! to those lines and to the JSON contract (`docs/JSON-OUTPUT.md`). Every
//! file is checked, and all failures are reported together.

use std::path::Path;
use std::time::Duration;

use assert_cmd::Command;
use serde_json::Value;

/// The directory of the fixtures, relative to the package root. The binary
/// is run from the package root, so findings name `topologies/<file>`.
const DIR: &str = "topologies";

/// The first line of every fixture: editors use it to validate the file.
const SCHEMA_LINE: &str = "# yaml-language-server: $schema=../schema/topology.schema.json";

/// No fixture should take anywhere near this long; a hang must not stall CI.
const TIMEOUT: Duration = Duration::from_secs(120);

/// The check most fixtures are about: without a per-check line, its
/// verdict is the overall one.
const CHECK: &str = "public-exposure";

/// The checks a per-check header line may name.
const CHECKS: &[&str] = &[
    "public-exposure",
    "private-service-access",
    "transit-encryption",
    "ipsec-strength",
    "on-prem-access",
];

/// What a fixture's header promises.
#[derive(Debug)]
struct Fixture {
    /// `topologies/<file>.yaml`, as given on the command line.
    path: String,
    /// `<file>.yaml`.
    name: String,
    /// `proven`, `violated` or `unknown`.
    expect: String,
    /// Resources that some finding must name.
    culprits: Vec<String>,
    /// Per-check verdicts, `(check, verdict)`.
    checks: Vec<(String, String)>,
    /// Per-check culprits, `(check, resource)`.
    check_culprits: Vec<(String, String)>,
}

impl Fixture {
    /// The verdict a check must have.
    fn check_expect(&self, check: &str) -> Option<&str> {
        self.checks
            .iter()
            .find(|(c, _)| c == check)
            .map(|(_, v)| v.as_str())
            .or((check == CHECK).then_some(self.expect.as_str()))
    }
}

/// A parsed header.
struct Header {
    expect: String,
    culprits: Vec<String>,
    checks: Vec<(String, String)>,
    check_culprits: Vec<(String, String)>,
}

impl Fixture {
    fn exit_code(&self) -> i32 {
        match self.expect.as_str() {
            "proven" => 0,
            "violated" => 1,
            _ => 3,
        }
    }

    /// The kind of finding that must name each culprit.
    fn culprit_kind(&self) -> &'static str {
        if self.expect == "unknown" {
            "unknown"
        } else {
            "violation"
        }
    }
}

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// Every fixture, sorted by file name. Finding none is an error: a moved
/// directory must not turn these tests into tests that cannot fail.
fn fixtures() -> Result<Vec<Fixture>, String> {
    let dir = root().join(DIR);
    let entries =
        std::fs::read_dir(&dir).map_err(|e| format!("cannot read {}: {e}", dir.display()))?;
    let mut names: Vec<String> = Vec::new();
    for entry in entries {
        let entry = entry.map_err(|e| format!("cannot read {}: {e}", dir.display()))?;
        let name = entry.file_name().to_string_lossy().into_owned();
        if name.ends_with(".yaml") {
            names.push(name);
        }
    }
    names.sort();
    if names.is_empty() {
        return Err(format!("no topology files in {}", dir.display()));
    }
    let mut out = Vec::new();
    let mut errors = Vec::new();
    for name in names {
        let path = format!("{DIR}/{name}");
        match std::fs::read_to_string(root().join(&path)) {
            Ok(text) => match parse_header(&name, &text) {
                Ok(h) => out.push(Fixture {
                    path,
                    name,
                    expect: h.expect,
                    culprits: h.culprits,
                    checks: h.checks,
                    check_culprits: h.check_culprits,
                }),
                Err(e) => errors.push(format!("{path}: {e}")),
            },
            Err(e) => errors.push(format!("{path}: cannot read: {e}")),
        }
    }
    if errors.is_empty() {
        Ok(out)
    } else {
        Err(errors.join("\n"))
    }
}

/// Reads `# expect:` and `# culprit:` (and their per-check forms
/// `# expect[ID]:`, `# culprit[ID]:`) from the leading comment block.
fn parse_header(name: &str, text: &str) -> Result<Header, String> {
    if text.lines().next() != Some(SCHEMA_LINE) {
        return Err(format!("the first line must be `{SCHEMA_LINE}`"));
    }
    let mut expect: Vec<String> = Vec::new();
    let mut culprits: Vec<String> = Vec::new();
    let mut checks: Vec<(String, String)> = Vec::new();
    let mut check_culprits: Vec<(String, String)> = Vec::new();
    let mut in_header = true;
    for (i, line) in text.lines().enumerate() {
        let trimmed = line.trim();
        if in_header && !(trimmed.is_empty() || trimmed.starts_with('#')) {
            in_header = false;
        }
        if !trimmed.starts_with('#') {
            continue;
        }
        let comment = trimmed.trim_start_matches('#').trim();
        for key in ["expect[", "culprit["] {
            let Some(rest) = comment.strip_prefix(key) else {
                continue;
            };
            let Some((id, value)) = rest.split_once("]:") else {
                return Err(format!("line {}: expected `# {key}CHECK]: VALUE`", i + 1));
            };
            if !in_header {
                return Err(format!(
                    "line {}: `# {key}{id}]:` must be in the comment block at the top of the file",
                    i + 1
                ));
            }
            if !CHECKS.contains(&id) {
                return Err(format!("line {}: unknown check `{id}`", i + 1));
            }
            let value = value.trim();
            if value.is_empty() || value.contains(char::is_whitespace) {
                return Err(format!(
                    "line {}: `# {key}{id}]:` needs exactly one value",
                    i + 1
                ));
            }
            if key == "expect[" {
                if !["proven", "violated", "unknown"].contains(&value) {
                    return Err(format!("line {}: `{value}` is not a verdict", i + 1));
                }
                checks.push((id.to_owned(), value.to_owned()));
            } else {
                check_culprits.push((id.to_owned(), value.to_owned()));
            }
        }
        for (key, list) in [("expect:", &mut expect), ("culprit:", &mut culprits)] {
            let Some(value) = comment.strip_prefix(key) else {
                continue;
            };
            if !in_header {
                return Err(format!(
                    "line {}: `# {key}` must be in the comment block at the top of the file",
                    i + 1
                ));
            }
            let value = value.trim();
            if value.is_empty() || value.contains(char::is_whitespace) {
                return Err(format!("line {}: `# {key}` needs exactly one value", i + 1));
            }
            list.push(value.to_owned());
        }
    }
    let expect = match expect.as_slice() {
        [one] => one.clone(),
        [] => return Err("no `# expect:` line".into()),
        _ => return Err("more than one `# expect:` line".into()),
    };
    if !["proven", "violated", "unknown"].contains(&expect.as_str()) {
        return Err(format!(
            "`# expect: {expect}`: expected `proven`, `violated` or `unknown`"
        ));
    }
    // The file name says what kind of fixture it is, so that a reader of a
    // directory listing is not misled.
    for (prefix, wanted) in [
        ("pass-", "proven"),
        ("fail-", "violated"),
        ("unknown-", "unknown"),
    ] {
        if name.starts_with(prefix) && expect != wanted {
            return Err(format!(
                "a `{prefix}*` file must `# expect: {wanted}`, not `{expect}`"
            ));
        }
    }
    if expect == "violated" && culprits.is_empty() && check_culprits.is_empty() {
        return Err("a violated fixture needs at least one `# culprit:` line".into());
    }
    if expect == "proven" && !(culprits.is_empty() && check_culprits.is_empty()) {
        return Err("a proven fixture has no culprit".into());
    }
    // The overall verdict combines the checks': any violation wins, then
    // any unknown.
    let stated: Vec<&str> = checks.iter().map(|(_, v)| v.as_str()).collect();
    if stated.contains(&"violated") && expect != "violated"
        || stated.contains(&"unknown") && expect == "proven"
    {
        return Err(format!(
            "`# expect: {expect}` contradicts the per-check verdicts {stated:?}"
        ));
    }
    Ok(Header {
        expect,
        culprits,
        checks,
        check_culprits,
    })
}

/// The built binary, run from the package root with an environment that
/// cannot change its output.
fn netverify() -> Result<Command, String> {
    let mut cmd = Command::cargo_bin("netverify").map_err(|e| format!("no binary: {e}"))?;
    cmd.current_dir(root())
        .env_remove("NO_COLOR")
        .env_remove("CI");
    for (key, _) in std::env::vars_os() {
        if key.to_string_lossy().starts_with("AWS_") {
            cmd.env_remove(key);
        }
    }
    cmd.timeout(TIMEOUT);
    Ok(cmd)
}

struct Run {
    code: Option<i32>,
    stdout: String,
    stderr: String,
}

fn run(args: &[&str]) -> Result<Run, String> {
    let out = netverify()?
        .args(args)
        .output()
        .map_err(|e| format!("cannot run netverify {}: {e}", args.join(" ")))?;
    Ok(Run {
        code: out.status.code(),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    })
}

/// Fails with every message, one fixture per paragraph.
fn report(failures: &[String]) {
    assert!(
        failures.is_empty(),
        "{} problem(s):\n\n{}",
        failures.len(),
        failures.join("\n\n")
    );
}

#[test]
fn every_topology_has_a_valid_header() {
    if let Err(e) = fixtures() {
        report(&[e]);
    }
}

#[test]
fn every_topology_validates() {
    let fixtures = match fixtures() {
        Ok(f) => f,
        Err(e) => return report(&[e]),
    };
    let mut failures = Vec::new();
    for f in &fixtures {
        match run(&["validate", &f.path]) {
            Ok(r) if r.code == Some(0) => {}
            Ok(r) => failures.push(format!(
                "{}: `netverify validate` exited with {:?}\n{}{}",
                f.path, r.code, r.stdout, r.stderr
            )),
            Err(e) => failures.push(format!("{}: {e}", f.path)),
        }
    }
    report(&failures);
}

#[test]
fn every_topology_checks_as_its_header_says() {
    let fixtures = match fixtures() {
        Ok(f) => f,
        Err(e) => return report(&[e]),
    };
    let mut failures = Vec::new();
    for f in &fixtures {
        if let Err(e) = check_one(f) {
            failures.push(format!("{} (expect {}): {e}", f.path, f.expect));
        }
    }
    report(&failures);
}

/// Runs `netverify check FILE --format json` and compares with the header.
fn check_one(f: &Fixture) -> Result<(), String> {
    let r = run(&["check", &f.path, "--format", "json"])?;
    let json: Value = serde_json::from_str(&r.stdout).map_err(|e| {
        format!(
            "stdout is not JSON ({e}), exit code {:?}\nstdout: {}\nstderr: {}",
            r.code, r.stdout, r.stderr
        )
    })?;
    let mut problems = Vec::new();
    if r.code != Some(f.exit_code()) {
        problems.push(format!(
            "exit code {:?}, expected {}",
            r.code,
            f.exit_code()
        ));
    }
    if json["version"] != 1 {
        problems.push(format!("`version` is {}, expected 1", json["version"]));
    }
    if json["verdict"] != f.expect.as_str() {
        problems.push(format!("`verdict` is {}", json["verdict"]));
    }
    let checks = json["checks"]
        .as_array()
        .map(Vec::as_slice)
        .unwrap_or_default();
    for id in CHECKS {
        let Some(want) = f.check_expect(id) else {
            continue;
        };
        match checks.iter().find(|c| c["id"] == *id) {
            Some(c) if c["verdict"] != want => {
                problems.push(format!("check `{id}` is {}, expected {want}", c["verdict"]));
            }
            Some(c) => {
                let fs = c["findings"]
                    .as_array()
                    .map(Vec::as_slice)
                    .unwrap_or_default();
                if want == "proven" {
                    for x in fs.iter().filter(|x| x["kind"] != "info") {
                        problems.push(format!(
                            "unexpected {} finding of `{id}` on `{}`: {}",
                            x["kind"], x["resource"], x["message"]
                        ));
                    }
                }
                let kind = if want == "unknown" {
                    "unknown"
                } else {
                    "violation"
                };
                for (_, culprit) in f.check_culprits.iter().filter(|(c, _)| c == id) {
                    if !fs
                        .iter()
                        .any(|x| x["resource"] == culprit.as_str() && x["kind"] == kind)
                    {
                        problems.push(format!("no `{kind}` finding of `{id}` names `{culprit}`"));
                    }
                }
            }
            None => problems.push(format!("no check `{id}` in `checks`")),
        }
    }
    let findings: Vec<&Value> = checks
        .iter()
        .filter_map(|c| c["findings"].as_array())
        .flatten()
        .collect();
    let kind = f.culprit_kind();
    for culprit in &f.culprits {
        let named = findings
            .iter()
            .any(|x| x["resource"] == culprit.as_str() && x["kind"] == kind);
        if !named {
            problems.push(format!("no `{kind}` finding names `{culprit}`"));
        }
    }
    match f.expect.as_str() {
        // A proven run has nothing but information (docs/JSON-OUTPUT.md).
        "proven" => {
            for x in findings.iter().filter(|x| x["kind"] != "info") {
                problems.push(format!(
                    "unexpected {} finding on `{}`: {}",
                    x["kind"], x["resource"], x["message"]
                ));
            }
        }
        // A violation comes with a witness packet (findings about a
        // configuration, such as a bucket policy or DNS settings, have none).
        "violated" => {
            if !findings
                .iter()
                .any(|x| x["kind"] == "violation" && x["witness"]["packet"].is_object())
                && f.check_expect(CHECK) == Some("violated")
            {
                problems.push("no violation finding carries a witness".into());
            }
        }
        _ => {
            if !findings.iter().any(|x| x["kind"] == "unknown") {
                problems.push("no `unknown` finding says why".into());
            }
        }
    }
    if problems.is_empty() {
        Ok(())
    } else {
        let shown: String = r.stdout.chars().take(4000).collect();
        Err(format!("{}\n--- stdout:\n{shown}", problems.join("\n")))
    }
}

#[test]
fn the_readme_describes_every_topology() {
    let fixtures = match fixtures() {
        Ok(f) => f,
        Err(e) => return report(&[e]),
    };
    let readme = match std::fs::read_to_string(root().join(DIR).join("README.md")) {
        Ok(t) => t,
        Err(e) => return report(&[format!("{DIR}/README.md: {e}")]),
    };
    let failures: Vec<String> = fixtures
        .iter()
        .filter(|f| !readme.contains(&format!("`{}`", f.name)))
        .map(|f| format!("{DIR}/README.md does not mention `{}`", f.name))
        .collect();
    report(&failures);
}

/// The hybrid reference passes every check, not only the hybrid ones, and
/// is the same topology as the transit-encryption fixture of that name.
#[test]
fn hybrid_reference_passes_every_check() {
    let r = run(&[
        "check",
        "topologies/hybrid-reference.yaml",
        "--format",
        "json",
    ])
    .unwrap();
    assert_eq!(r.code, Some(0), "{}\n{}", r.stdout, r.stderr);
    let json: Value = serde_json::from_str(&r.stdout).unwrap();
    let checks = json["checks"].as_array().unwrap();
    for id in CHECKS {
        let c = checks.iter().find(|c| c["id"] == *id);
        assert!(
            c.is_some_and(|c| c["verdict"] == "proven"),
            "check `{id}`: {c:?}"
        );
    }
    let body = |path: &str| {
        let text = std::fs::read_to_string(root().join(path)).unwrap();
        text.split_once("\nversion: 1\n").unwrap().1.to_string()
    };
    assert_eq!(
        body("topologies/hybrid-reference.yaml"),
        body("tests/fixtures/transit-encryption/pass-hybrid-reference.yaml"),
        "the bundled hybrid reference and the transit-encryption fixture differ"
    );
}
