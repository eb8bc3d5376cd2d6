//! The checks' documentation is written once, in each check's `META`, and
//! everything else that describes a check is rendered from it or tested
//! against it: the README's check reference (regenerated here;
//! `NETVERIFY_BLESS=1 cargo test --test check_docs` rewrites it), the SARIF
//! rule descriptions, `check --help` and `netverify checks`. The README's
//! command reference is also held to the command line clap parses: every
//! subcommand, long flag, output format and exit code is documented.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "a test fails by panicking"
)]

use assert_cmd::Command;
use clap::CommandFactory;
use netverify::checks::{CheckId, REGISTRY, meta::reference_markdown};
use netverify::cli::{Cli, Exit};
use serde_json::Value;

const README: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/README.md");
const BEGIN: &str = "<!-- BEGIN GENERATED check reference";
const END: &str = "<!-- END GENERATED check reference -->";

fn readme() -> String {
    std::fs::read_to_string(README).unwrap()
}

/// The README with its generated block replaced by `block`.
fn with_reference(readme: &str, block: &str) -> String {
    let begin = readme
        .find(BEGIN)
        .unwrap_or_else(|| panic!("the README has no `{BEGIN}` marker"));
    let begin_end = begin + readme[begin..].find('\n').expect("a marker line") + 1;
    let end = readme
        .find(END)
        .unwrap_or_else(|| panic!("the README has no `{END}` marker"));
    assert!(begin_end <= end, "the README's markers are out of order");
    format!("{}\n{block}\n{}", &readme[..begin_end], &readme[end..])
}

/// A line diff that shows where two texts part: the first and last lines
/// that differ, with three lines of context.
fn diff(have: &str, want: &str) -> String {
    let h: Vec<&str> = have.lines().collect();
    let w: Vec<&str> = want.lines().collect();
    let head = h.iter().zip(&w).take_while(|(a, b)| a == b).count();
    let tail = h[head..]
        .iter()
        .rev()
        .zip(w[head..].iter().rev())
        .take_while(|(a, b)| a == b)
        .count();
    let from = head.saturating_sub(3);
    let mut out = format!("@@ README.md line {} @@\n", from + 1);
    for l in &h[from..head] {
        out.push_str(&format!("  {l}\n"));
    }
    for l in &h[head..h.len() - tail] {
        out.push_str(&format!("- {l}\n"));
    }
    for l in &w[head..w.len() - tail] {
        out.push_str(&format!("+ {l}\n"));
    }
    for l in h[h.len() - tail..].iter().take(3) {
        out.push_str(&format!("  {l}\n"));
    }
    out
}

#[test]
fn readme_check_reference_is_generated_from_the_check_metadata() {
    let have = readme();
    let want = with_reference(&have, &reference_markdown());
    if std::env::var_os("NETVERIFY_BLESS").is_some_and(|v| v == "1") {
        std::fs::write(README, &want).unwrap();
        return;
    }
    assert!(
        have == want,
        "the README's check reference differs from the checks' `META` \
         (src/checks/*.rs); edit the `META`, then regenerate with \
         `NETVERIFY_BLESS=1 cargo test --test check_docs`:\n{}",
        diff(&have, &want)
    );
}

#[test]
fn the_drift_diff_names_the_changed_lines() {
    let d = diff("a\nb\nc\nd\n", "a\nb\nX\nd\n");
    assert_eq!(d, "@@ README.md line 1 @@\n  a\n  b\n- c\n+ X\n  d\n");
}

/// GitHub's anchor for a heading: lowercase, spaces to `-`, other
/// punctuation dropped.
fn github_anchor(heading: &str) -> String {
    heading
        .to_lowercase()
        .chars()
        .filter_map(|c| match c {
            ' ' => Some('-'),
            c if c.is_alphanumeric() || c == '-' || c == '_' => Some(c),
            _ => None,
        })
        .collect()
}

#[test]
fn every_check_has_one_readme_section_at_its_docs_anchor() {
    let text = readme();
    for id in CheckId::ALL {
        let headings: Vec<&str> = text
            .lines()
            .filter_map(|l| l.strip_prefix("### "))
            .filter(|h| github_anchor(h) == id.docs_anchor())
            .collect();
        assert_eq!(headings, [id.as_str()], "README sections for `{id}`");
    }
}

// ----- the binary -------------------------------------------------------------

fn netverify(args: &[&str]) -> (Option<i32>, String, String) {
    let mut cmd = Command::new(assert_cmd::cargo::cargo_bin!("netverify"));
    cmd.current_dir(env!("CARGO_MANIFEST_DIR")).args(args);
    for var in ["NO_COLOR", "CLICOLOR_FORCE", "CLICOLOR", "CI", "TERM"] {
        cmd.env_remove(var);
    }
    let out = cmd.output().unwrap();
    (
        out.status.code(),
        String::from_utf8(out.stdout).unwrap(),
        String::from_utf8(out.stderr).unwrap(),
    )
}

#[test]
fn sarif_rules_are_described_by_the_check_metadata() {
    let (code, stdout, _) = netverify(&[
        "check",
        "--format",
        "sarif",
        "topologies/secure-three-tier.yaml",
    ]);
    assert_eq!(code, Some(0));
    let v: Value = serde_json::from_str(&stdout).unwrap();
    let rules = v["runs"][0]["tool"]["driver"]["rules"].as_array().unwrap();
    assert_eq!(rules.len(), CheckId::ALL.len());
    for (rule, id) in rules.iter().zip(CheckId::ALL) {
        let m = id.meta();
        assert_eq!(rule["id"], m.id);
        assert_eq!(rule["shortDescription"]["text"], m.summary);
        assert_eq!(rule["fullDescription"]["text"], m.full_description());
        assert_eq!(rule["help"]["markdown"], m.help_markdown());
        assert_eq!(rule["help"]["text"], m.help_markdown());
        assert!(
            rule["helpUri"]
                .as_str()
                .unwrap()
                .ends_with(&format!("/README.md#{}", id.docs_anchor())),
            "{}",
            rule["helpUri"]
        );
    }
}

#[test]
fn check_help_lists_every_check_from_its_metadata() {
    let (code, short, _) = netverify(&["check", "-h"]);
    assert_eq!(code, Some(0));
    let (code, long, _) = netverify(&["check", "--help"]);
    assert_eq!(code, Some(0));
    let squeeze = |s: &str| s.split_whitespace().collect::<Vec<_>>().join(" ");
    let (short, long) = (squeeze(&short), squeeze(&long));
    for id in CheckId::ALL {
        let m = id.meta();
        let line = format!("{id} {}", m.summary);
        assert!(short.contains(&line), "`check -h` lacks `{line}`:\n{short}");
        for text in [m.summary, m.proves, m.fix, m.assumptions] {
            assert!(
                long.contains(&squeeze(text)),
                "`check --help` lacks {id}'s `{}`",
                squeeze(text)
            );
        }
    }
}

#[test]
fn checks_lists_the_checks_and_describes_one() {
    let (code, list, stderr) = netverify(&["checks"]);
    assert_eq!((code, stderr.as_str()), (Some(0), ""));
    let ids: Vec<&str> = list
        .lines()
        .filter_map(|l| l.split_whitespace().next())
        .filter(|w| CheckId::parse(w).is_some())
        .collect();
    let all: Vec<&str> = REGISTRY.iter().map(|c| c.meta.id).collect();
    assert_eq!(ids, all);

    let (code, one, _) = netverify(&["checks", "transit-encryption"]);
    assert_eq!(code, Some(0));
    assert_eq!(one, CheckId::TransitEncryption.meta().markdown());

    let (code, stdout, stderr) = netverify(&["checks", "transit-encryptoin"]);
    assert_eq!((code, stdout.as_str()), (Some(2), ""));
    assert!(
        stderr.starts_with(
            "error: unknown check `transit-encryptoin`\n  = help: did you mean `transit-encryption`?\n"
        ),
        "{stderr}"
    );
}

// ----- the command reference ----------------------------------------------------

/// Every subcommand as its path (`import snapshot`) with its command.
fn subcommands(cmd: &clap::Command, prefix: &str, out: &mut Vec<(String, clap::Command)>) {
    for sub in cmd.get_subcommands() {
        if sub.get_name() == "help" {
            continue;
        }
        let path = format!("{prefix}{}", sub.get_name());
        if sub.has_subcommands() {
            subcommands(sub, &format!("{path} "), out);
        } else {
            out.push((path, sub.clone()));
        }
    }
}

#[test]
fn readme_documents_every_subcommand_flag_and_format() {
    let text = readme();
    let mut commands = Vec::new();
    subcommands(&Cli::command(), "", &mut commands);
    assert!(commands.len() >= 8, "{commands:?}");
    // The "Output formats" section, up to the next heading.
    let formats = &text[text
        .find("### Output formats\n")
        .expect("an output format section")..];
    let formats = &formats[..formats[4..].find("\n#").map_or(formats.len(), |i| i + 4)];
    let mut missing = Vec::new();
    for (path, cmd) in &commands {
        // The row of the command table that documents this subcommand.
        let row_start = format!("| `netverify {path} ");
        let Some(row) = text.lines().find(|l| l.starts_with(&row_start)) else {
            missing.push(format!(
                "no row `{row_start}…` in the README's command table"
            ));
            continue;
        };
        for arg in cmd.get_arguments() {
            if matches!(arg.get_id().as_str(), "help" | "version") {
                continue;
            }
            if let Some(long) = arg.get_long()
                && !row.contains(&format!("--{long}"))
            {
                missing.push(format!("`netverify {path}`: `--{long}` in its row"));
            }
            if arg.get_long() != Some("format") {
                continue;
            }
            for value in arg.get_possible_values() {
                let v = value.get_name();
                if !row.contains(v) {
                    missing.push(format!("`netverify {path}`: `--format {v}` in its row"));
                }
                if !formats.contains(&format!("`{v}`")) {
                    missing.push(format!("the format `{v}` under \"Output formats\""));
                }
            }
        }
    }
    assert!(
        missing.is_empty(),
        "the README does not document:\n{}",
        missing.join("\n")
    );
}

#[test]
fn help_ends_with_the_exit_codes() {
    let (code, top, _) = netverify(&["--help"]);
    assert_eq!(code, Some(0));
    let (_, check, _) = netverify(&["check", "--help"]);
    for help in [&top, &check] {
        for code in Exit::ALL {
            let line = format!("  {}  {}\n", code as u8, code.meaning());
            assert!(help.contains(&line), "no `{line}` in:\n{help}");
        }
    }
}

#[test]
fn readme_documents_every_exit_code() {
    let text = readme();
    let table = &text[text.find("### Exit codes").expect("an exit code section")..];
    for code in Exit::ALL {
        let row = format!("| {} |", code as u8);
        assert!(
            table.contains(&row),
            "no `{row}` row in the README's exit codes"
        );
    }
}
