//! The module layering, enforced: data flows one way, inputs → model →
//! engine and simulator → checks and queries → report → renderers, with the
//! front ends (REPL, CLI) on top. A module may use only modules on a lower
//! layer; modules on one layer do not use each other. The test reads every
//! `crate::…` path in the code (comments left out) and fails on an upward
//! or sideways edge, naming the file and line.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "a test fails by panicking"
)]

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// The layer of each top-level module. Lower layers are used by higher
/// ones; a module may use any lower layer.
fn layers() -> BTreeMap<&'static str, u8> {
    BTreeMap::from([
        ("escape", 0),
        ("diag", 1),
        ("model", 2),
        ("hs", 3),
        // Answers and findings: plain data at the bottom of everything that
        // produces or shows them.
        ("report", 4),
        // The rules one packet meets, stated once for the engine and the
        // simulator.
        ("rules", 5),
        // Resource policies (bucket, table, endpoint), evaluated exactly
        // over the request space: beside the packet rules.
        ("resource_policy", 5),
        ("import", 6),
        ("engine", 6),
        ("sim", 6),
        ("query", 7),
        // Checks sit above queries: `expected-flows` answers with the
        // query language's `can` (one evaluator).
        ("checks", 8),
        // Differential reachability: above the checks and queries it runs.
        ("diff", 9),
        ("render", 10),
        ("repl", 11),
        ("cli", 12),
    ])
}

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(rd) = std::fs::read_dir(dir) else {
        return;
    };
    for e in rd.flatten() {
        let p = e.path();
        if p.is_dir() {
            rust_files(&p, out);
        } else if p.extension().is_some_and(|x| x == "rs") {
            out.push(p);
        }
    }
}

/// The top-level module a file under `src/` belongs to.
fn module_of(rel: &Path) -> Option<String> {
    let first = rel.components().next()?.as_os_str().to_str()?;
    let m = first.strip_suffix(".rs").unwrap_or(first);
    (m != "lib" && m != "main").then(|| m.to_string())
}

/// The code of a line, without a `//` comment (doc comments included). A
/// `//` inside a string literal is rare enough in this code base not to
/// matter: a false cut only hides a path, and the string is not a `use`.
fn code_of(line: &str) -> &str {
    match line.find("//") {
        Some(i) => &line[..i],
        None => line,
    }
}

fn crate_paths(code: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut rest = code;
    while let Some(i) = rest.find("crate::") {
        let before = rest[..i].chars().last();
        let after = &rest[i + "crate::".len()..];
        let name: String = after
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
            .collect();
        // `netverify_crate::x` or `$crate::x` are not paths of this crate.
        if !before.is_some_and(|c| c.is_ascii_alphanumeric() || c == '_' || c == '$')
            && !name.is_empty()
        {
            out.push(name);
        }
        rest = after;
    }
    out
}

/// `(file:line, from, to)` for every edge that breaks the layering.
fn violations(src: &Path) -> Vec<(String, String, String)> {
    let layers = layers();
    let mut files = Vec::new();
    rust_files(src, &mut files);
    files.sort();
    let mut bad = Vec::new();
    for f in files {
        let Ok(rel) = f.strip_prefix(src) else {
            continue;
        };
        let Some(from) = module_of(rel) else {
            continue;
        };
        let text = std::fs::read_to_string(&f).unwrap();
        let from_layer = *layers
            .get(from.as_str())
            .unwrap_or_else(|| panic!("module `{from}` has no layer in tests/layering.rs"));
        for (n, line) in text.lines().enumerate() {
            for to in crate_paths(code_of(line)) {
                if to == from {
                    continue;
                }
                let Some(&to_layer) = layers.get(to.as_str()) else {
                    continue;
                };
                if to_layer >= from_layer {
                    bad.push((format!("src/{}:{}", rel.display(), n + 1), from.clone(), to));
                }
            }
        }
    }
    bad
}

#[test]
fn every_module_has_a_layer() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let layers = layers();
    let mut files = Vec::new();
    rust_files(&src, &mut files);
    for f in files {
        let rel = f.strip_prefix(&src).unwrap();
        if let Some(m) = module_of(rel) {
            assert!(
                layers.contains_key(m.as_str()),
                "src/{}: module `{m}` has no layer in tests/layering.rs",
                rel.display()
            );
        }
    }
}

#[test]
fn no_module_uses_its_own_layer_or_a_higher_one() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let bad = violations(&src);
    let text: Vec<String> = bad
        .iter()
        .map(|(at, from, to)| format!("{at}: `{from}` uses `{to}`"))
        .collect();
    assert!(
        bad.is_empty(),
        "{} edge(s) break the layering:\n{}",
        bad.len(),
        text.join("\n")
    );
}

#[test]
fn the_checker_sees_an_upward_edge() {
    // The checker itself: a planted upward and a sideways edge are found,
    // a lower one and a comment are not.
    let dir = std::env::temp_dir().join(format!("netverify-layering-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(dir.join("engine")).unwrap();
    std::fs::write(
        dir.join("engine/mod.rs"),
        "use crate::model::Topology;\n// crate::checks in a comment\nuse crate::checks::x;\nfn f() { crate::sim::g(); }\n",
    )
    .unwrap();
    let bad = violations(&dir);
    let _ = std::fs::remove_dir_all(&dir);
    let edges: Vec<(String, String)> = bad.into_iter().map(|(_, f, t)| (f, t)).collect();
    assert_eq!(
        edges,
        vec![
            ("engine".to_string(), "checks".to_string()),
            ("engine".to_string(), "sim".to_string())
        ]
    );
}
