//! The GitHub Action (`action.yml`) and the example workflows
//! (`examples/github/*.yml`) are held to two linters: `actionlint` on the
//! workflows and `zizmor` (security: injection, pinning, permissions) on the
//! action and the workflows. Both come from PyPI; `.ci/run` installs them
//! into `target/tmp/lint-venv`. Where neither PATH nor that venv has a
//! linter, its test prints a notice naming what did not run and passes,
//! unless `NETVERIFY_REQUIRE_LINTERS=1`, when it fails. The rules the
//! examples promise in the README (pinned `uses:`, no credentials left in
//! the checkout, least privilege) are also checked here without the linters.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "a test fails by panicking"
)]

use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::Value;

const ROOT: &str = env!("CARGO_MANIFEST_DIR");

/// `action.yml` at the repository root.
fn action() -> PathBuf {
    Path::new(ROOT).join("action.yml")
}

/// The example workflows, in name order.
fn workflows() -> Vec<PathBuf> {
    let dir = Path::new(ROOT).join("examples/github");
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("cannot read `{}`: {e}", dir.display()))
        .map(|entry| entry.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "yml" || x == "yaml"))
        .collect();
    files.sort();
    assert!(!files.is_empty(), "no workflow in `{}`", dir.display());
    files
}

/// A linter from PATH, else from the venv `.ci/run` makes; `None` (after a
/// notice) when absent and not required.
fn linter(name: &str) -> Option<PathBuf> {
    let venv = Path::new(ROOT).join("target/tmp/lint-venv/bin");
    let dirs = std::env::var_os("PATH")
        .map(|p| std::env::split_paths(&p).collect::<Vec<_>>())
        .unwrap_or_default();
    if let Some(found) = dirs
        .into_iter()
        .chain(std::iter::once(venv))
        .map(|d| d.join(name))
        .find(|p| p.is_file())
    {
        return Some(found);
    }
    let required = std::env::var_os("NETVERIFY_REQUIRE_LINTERS").is_some_and(|v| v == "1");
    assert!(
        !required,
        "`{name}` is not on PATH nor in target/tmp/lint-venv/bin, and NETVERIFY_REQUIRE_LINTERS=1"
    );
    eprintln!(
        "notice: {name} on action.yml and examples/github skipped: `{name}` not found \
         (pip install it into target/tmp/lint-venv, as .ci/run does)"
    );
    None
}

/// Runs a linter; its verdict and everything it printed.
fn run(tool: &Path, args: &[&str], files: &[PathBuf]) -> (bool, String) {
    let out = Command::new(tool)
        .args(args)
        .args(files)
        .current_dir(ROOT)
        .output()
        .unwrap_or_else(|e| panic!("cannot run `{}`: {e}", tool.display()));
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    (out.status.success(), text)
}

fn actionlint(tool: &Path, files: &[PathBuf]) -> (bool, String) {
    run(tool, &["-no-color"], files)
}

fn zizmor(tool: &Path, files: &[PathBuf]) -> (bool, String) {
    run(tool, &["--offline"], files)
}

/// A workflow with the faults the linters exist for: the pull request's
/// title written into a script, an unpinned action and a checkout that
/// keeps its credentials.
const HOSTILE: &str = "\
on: pull_request
permissions: {}
jobs:
  greet:
    runs-on: ubuntu-latest
    permissions:
      contents: read
    steps:
      - uses: actions/checkout@v4
      - run: echo \"${{ github.event.pull_request.title }}\"
";

#[test]
fn example_workflows_pass_actionlint() {
    let Some(tool) = linter("actionlint") else {
        return;
    };
    let (ok, out) = actionlint(&tool, &workflows());
    assert!(ok, "actionlint found problems:\n{out}");
}

#[test]
fn action_and_example_workflows_pass_zizmor() {
    let Some(tool) = linter("zizmor") else {
        return;
    };
    let mut files = vec![action()];
    files.extend(workflows());
    let (ok, out) = zizmor(&tool, &files);
    assert!(ok, "zizmor found problems:\n{out}");
}

/// The two tests above prove something only if the linters do reject a
/// bad workflow: one that writes the pull request title into a script.
#[test]
fn linters_reject_a_pull_request_title_injected_into_a_script() {
    let dir = tempfile::tempdir().unwrap();
    let bad = dir.path().join("hostile.yml");
    std::fs::write(&bad, HOSTILE).unwrap();
    let files = [bad];
    if let Some(tool) = linter("actionlint") {
        let (ok, out) = actionlint(&tool, &files);
        assert!(!ok, "actionlint accepted the hostile workflow:\n{out}");
        assert!(out.contains("untrusted"), "{out}");
    }
    if let Some(tool) = linter("zizmor") {
        let (ok, out) = zizmor(&tool, &files);
        assert!(!ok, "zizmor accepted the hostile workflow:\n{out}");
        assert!(out.contains("template-injection"), "{out}");
    }
}

fn yaml(path: &Path) -> Value {
    let text = std::fs::read_to_string(path).unwrap();
    serde_saphyr::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// Every `uses:` value in a file.
fn uses(path: &Path) -> Vec<String> {
    std::fs::read_to_string(path)
        .unwrap()
        .lines()
        .filter_map(|l| {
            l.trim_start()
                .trim_start_matches("- ")
                .strip_prefix("uses: ")
        })
        .map(str::to_owned)
        .collect()
}

/// A remote `uses:` is pinned to a full commit SHA with its version in a
/// comment: `owner/repo[/path]@<40 hex> # vX`.
fn pinned(reference: &str) -> bool {
    let Some((_, rest)) = reference.split_once('@') else {
        return false;
    };
    let (sha, comment) = rest.split_once(" # ").unwrap_or((rest, ""));
    sha.len() == 40 && sha.chars().all(|c| c.is_ascii_hexdigit()) && !comment.trim().is_empty()
}

#[test]
fn every_action_used_is_pinned_to_a_commit_sha() {
    let mut files = vec![action()];
    files.extend(workflows());
    for file in files {
        let all = uses(&file);
        for u in &all {
            assert!(
                pinned(u),
                "{}: `uses: {u}` is not pinned to a full commit SHA with a version comment",
                file.display()
            );
        }
    }
    assert!(pinned(
        "github/codeql-action/upload-sarif@5d4e8d1aca955e8d8589aabd499c5cae939e33c7 # v4.31.9"
    ));
    assert!(!pinned("actions/checkout@v4"));
    assert!(!pinned(
        "actions/checkout@11bd71901bbe5b1630ceea73d27597364c9af683"
    ));
}

#[test]
fn example_workflows_grant_least_privilege_and_keep_no_credentials() {
    for file in workflows() {
        let name = file.display();
        let w = yaml(&file);
        assert_eq!(
            w["permissions"],
            serde_json::json!({}),
            "{name}: top-level `permissions: {{}}`"
        );
        assert!(
            w["on"].get("pull_request_target").is_none(),
            "{name}: pull_request_target"
        );
        let jobs = w["jobs"].as_object().unwrap();
        for (id, job) in jobs {
            let perms = job["permissions"].as_object().unwrap();
            let mut granted: Vec<(&str, &str)> = perms
                .iter()
                .map(|(k, v)| (k.as_str(), v.as_str().unwrap()))
                .collect();
            granted.sort_unstable();
            assert_eq!(
                granted,
                [
                    ("contents", "read"),
                    ("pull-requests", "write"),
                    ("security-events", "write")
                ],
                "{name}: job `{id}`"
            );
            for step in job["steps"].as_array().unwrap() {
                let is_checkout = step["uses"]
                    .as_str()
                    .is_some_and(|u| u.starts_with("actions/checkout@"));
                if is_checkout {
                    assert_eq!(
                        step["with"]["persist-credentials"],
                        Value::Bool(false),
                        "{name}: job `{id}`: a checkout without `persist-credentials: false`"
                    );
                }
            }
        }
    }
}

#[test]
fn action_scripts_take_inputs_only_through_env() {
    let a = yaml(&action());
    assert_eq!(a["runs"]["using"], "composite");
    for step in a["runs"]["steps"].as_array().unwrap() {
        if let Some(script) = step["run"].as_str() {
            assert!(
                !script.contains("${{"),
                "action.yml step `{}` writes an expression into its script:\n{script}",
                step["name"]
            );
        }
    }
}
