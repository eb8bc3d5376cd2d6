//! Every AWS rule (`C-<section>.<rule>`) and trap number that a file of the
//! repository cites must exist in `docs/AWS-SEMANTICS.md`, as a heading
//! (`### C-3.9 …`, `### Trap 31. …`). The scanner reads every text file of
//! the repository (src, tests, docs, README, examples, topologies, …),
//! except build output and hidden folders.
//!
//! Citation forms recognised: `C-3.9` (also inside `C-3.3–C-3.5` or
//! `C-9.6b`); traps as `trap 31`, `Trap 31`, `trap_31_…`, `trap-31-…`,
//! `trap31`, `TRAP_31`, and `T-31`.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "a test fails by panicking"
)]

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;
use std::path::{Path, PathBuf};

/// A citable number of the specification.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Cite {
    /// `C-<section>.<rule>`.
    Rule(u32, u32),
    /// A trap of §16.
    Trap(u32),
}

impl fmt::Display for Cite {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Cite::Rule(s, r) => write!(f, "C-{s}.{r}"),
            Cite::Trap(n) => write!(f, "trap {n}"),
        }
    }
}

/// The decimal number at the start of `s`, and how many bytes it takes.
fn number(s: &[u8]) -> Option<(u32, usize)> {
    let len = s.iter().take_while(|b| b.is_ascii_digit()).count();
    if len == 0 || len > 4 {
        return None;
    }
    let text = std::str::from_utf8(&s[..len]).ok()?;
    Some((text.parse().ok()?, len))
}

/// Whether the byte before `i` lets a citation start at `i` (start of text,
/// or not a letter or digit: `ABC-1.2` and `metric-1.2` are not citations).
fn starts_word(b: &[u8], i: usize) -> bool {
    i == 0 || !b[i - 1].is_ascii_alphanumeric()
}

/// Every citation in `text`, in order.
fn citations(text: &str) -> Vec<Cite> {
    let b = text.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < b.len() {
        if !starts_word(b, i) {
            i += 1;
            continue;
        }
        // C-<n>.<m>
        if b[i..].starts_with(b"C-")
            && let Some((s, l)) = number(&b[i + 2..])
            && b.get(i + 2 + l) == Some(&b'.')
            && let Some((r, l2)) = number(&b[i + 3 + l..])
        {
            out.push(Cite::Rule(s, r));
            i += 3 + l + l2;
            continue;
        }
        // T-<n>, not followed by a dot and digit (that would be a version).
        if b[i..].starts_with(b"T-")
            && let Some((n, l)) = number(&b[i + 2..])
        {
            let after = &b[i + 2 + l..];
            let versionish =
                after.first() == Some(&b'.') && after.get(1).is_some_and(u8::is_ascii_digit);
            let glued = after.first().is_some_and(u8::is_ascii_alphanumeric);
            if !versionish && !glued {
                out.push(Cite::Trap(n));
                i += 2 + l;
                continue;
            }
        }
        // trap[ _-]?<n>, any case.
        if b.len() >= i + 4 && b[i..i + 4].eq_ignore_ascii_case(b"trap") {
            let mut j = i + 4;
            if matches!(b.get(j), Some(b' ' | b'_' | b'-')) {
                j += 1;
            }
            if let Some((n, l)) = number(&b[j..]) {
                out.push(Cite::Trap(n));
                i = j + l;
                continue;
            }
        }
        i += 1;
    }
    out
}

/// The numbers the specification defines: its `C-x.y` and `Trap n.`
/// headings.
fn defined(spec: &str) -> BTreeSet<Cite> {
    let mut out = BTreeSet::new();
    for line in spec.lines() {
        let Some(rest) = line.strip_prefix("### ") else {
            continue;
        };
        if let Some(r) = rest.strip_prefix("Trap ") {
            if let Some((n, l)) = number(r.as_bytes())
                && r.as_bytes().get(l) == Some(&b'.')
            {
                out.insert(Cite::Trap(n));
            }
        } else if rest.starts_with("C-")
            && let Some(c) = citations(rest).first()
        {
            out.insert(*c);
        }
    }
    out
}

/// Citations in `files` (path, text) that `defined` lacks, with where each
/// was cited (`path:line`).
fn missing(defined: &BTreeSet<Cite>, files: &[(String, String)]) -> BTreeMap<Cite, Vec<String>> {
    let mut out: BTreeMap<Cite, Vec<String>> = BTreeMap::new();
    for (path, text) in files {
        for (n, line) in text.lines().enumerate() {
            for c in citations(line) {
                if !defined.contains(&c) {
                    out.entry(c).or_default().push(format!("{path}:{}", n + 1));
                }
            }
        }
    }
    out
}

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// Every text file of the repository below `dir`: no build output, no
/// hidden folders (`.git`), nothing that is not UTF-8.
fn repo_files(dir: &Path, out: &mut Vec<(String, String)>) {
    let mut entries: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    entries.sort();
    for p in entries {
        let name = p.file_name().unwrap().to_string_lossy().into_owned();
        if name.starts_with('.') || (dir == root() && name == "target") {
            continue;
        }
        if p.is_dir() {
            repo_files(&p, out);
        } else if let Ok(text) = std::fs::read_to_string(&p) {
            let rel = p.strip_prefix(root()).unwrap().display().to_string();
            out.push((rel, text));
        }
    }
}

fn spec() -> String {
    std::fs::read_to_string(root().join("docs/AWS-SEMANTICS.md")).unwrap()
}

#[test]
fn every_cited_rule_and_trap_exists_in_the_spec() {
    let defined = defined(&spec());
    let mut files = Vec::new();
    repo_files(&root(), &mut files);
    assert!(
        files.iter().any(|(p, _)| p.starts_with("src")),
        "the scan found no sources"
    );
    let cited: usize = files.iter().map(|(_, t)| citations(t).len()).sum();
    assert!(
        cited > 100,
        "only {cited} citations found: is the scanner broken?"
    );
    let missing = missing(&defined, &files);
    let report: Vec<String> = missing
        .iter()
        .map(|(c, at)| {
            format!(
                "{c} (no heading in docs/AWS-SEMANTICS.md), cited at {}",
                at.join(", ")
            )
        })
        .collect();
    assert!(report.is_empty(), "{}", report.join("\n"));
}

#[test]
fn spec_numbers_its_rules_and_traps_without_gaps() {
    let defined = defined(&spec());
    let traps: Vec<u32> = defined
        .iter()
        .filter_map(|c| match c {
            Cite::Trap(n) => Some(*n),
            Cite::Rule(..) => None,
        })
        .collect();
    assert_eq!(traps, (1..=37).collect::<Vec<_>>());
    for section in 0..=15 {
        let rules: Vec<u32> = defined
            .iter()
            .filter_map(|c| match c {
                Cite::Rule(s, r) if *s == section => Some(*r),
                _ => None,
            })
            .collect();
        assert!(!rules.is_empty(), "section {section} has no rules");
        assert_eq!(
            rules,
            (1..=rules.len() as u32).collect::<Vec<_>>(),
            "section {section} skips a number"
        );
    }
}

#[test]
fn scanner_finds_every_citation_form() {
    let text = "C-3.9, C-3.3–C-3.5 and C-9.6b; trap 31, Trap 2, trap_07_x, \
                fail-trap-25-y, trap07, TRAP_24, (T-27).";
    assert_eq!(
        citations(text),
        [
            Cite::Rule(3, 9),
            Cite::Rule(3, 3),
            Cite::Rule(3, 5),
            Cite::Rule(9, 6),
            Cite::Trap(31),
            Cite::Trap(2),
            Cite::Trap(7),
            Cite::Trap(25),
            Cite::Trap(7),
            Cite::Trap(24),
            Cite::Trap(27),
        ]
    );
}

#[test]
fn scanner_ignores_look_alikes() {
    let text = "ABC-1.2, metric-C-2, traps (§16), trapdoor, T-1.5 (a version), \
                UT-3, T-4x, C-, C-1. and C-.2";
    assert_eq!(citations(text), []);
}

#[test]
fn a_made_up_citation_is_reported_with_where_it_was_cited() {
    let spec = "### C-3.9 Blackhole routes\ntext\n### Trap 31. Blackhole left\n";
    let defined = defined(spec);
    assert_eq!(
        defined.iter().copied().collect::<Vec<_>>(),
        [Cite::Rule(3, 9), Cite::Trap(31)]
    );
    // Built at run time, so that this file cites nothing made up.
    let (rule, trap) = (format!("C-{}.{}", 3, 99), format!("trap_{}_x", 77));
    let files = vec![
        (
            "a.rs".to_string(),
            format!("// C-3.9 and trap 31\n// {rule}\n"),
        ),
        ("b.md".to_string(), format!("see {trap} and {rule}")),
    ];
    let missing = missing(&defined, &files);
    assert_eq!(
        missing.into_iter().collect::<Vec<_>>(),
        [
            (
                Cite::Rule(3, 99),
                vec!["a.rs:2".to_string(), "b.md:1".to_string()]
            ),
            (Cite::Trap(77), vec!["b.md:1".to_string()]),
        ]
    );
}
