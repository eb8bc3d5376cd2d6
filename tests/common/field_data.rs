//! The one place that finds the field data: third-party corpora that are
//! NOT in the repository (`aws-snapshots/`, `terraform-plans/`).
//!
//! Where they are looked for, in order:
//! 1. `$NETVERIFY_FIELD_DATA/<corpus>`, when that variable is set (a
//!    directory holding `aws-snapshots/` and `terraform-plans/`). A set
//!    variable that does not hold the corpus is an error, not a skip: a typo
//!    must not turn the tests off silently.
//! 2. `../shared/<corpus>` beside the crate (`CARGO_MANIFEST_DIR/../shared`).
//!
//! When a corpus is missing, the locator prints a notice naming the test
//! that did not run and returns `None`; the test then returns and passes,
//! so a fresh clone passes `cargo test`. With `NETVERIFY_REQUIRE_FIELD_DATA=1`
//! (set by `.ci/run`) a missing corpus fails the test instead.
//!
//! Use it from a test file with
//! `#[path = "common/field_data.rs"] mod field_data;` and
//! `let Some(dir) = field_data::aws_snapshots() else { return };`.

#![allow(
    dead_code,
    clippy::panic,
    reason = "each test file uses part of the locator; a test fails by panicking"
)]

use std::io::Write;
use std::path::{Path, PathBuf};

/// The variable naming a directory that holds the corpora.
pub const DIR_VAR: &str = "NETVERIFY_FIELD_DATA";
/// The variable that turns a missing corpus into a failure.
pub const REQUIRE_VAR: &str = "NETVERIFY_REQUIRE_FIELD_DATA";

/// `aws-snapshots/`: describe-* snapshots (`networks/<name>/aws_configs`)
/// and single-output `fixtures/`.
pub fn aws_snapshots() -> Option<PathBuf> {
    corpus("aws-snapshots")
}

/// `terraform-plans/`: `terraform show -json` plans.
pub fn terraform_plans() -> Option<PathBuf> {
    corpus("terraform-plans")
}

/// Every snapshot folder under `aws-snapshots/networks`, sorted; `None` when
/// the corpus is missing (after the notice). An empty or unreadable
/// `networks/` folder fails: the corpus is there but broken.
pub fn networks() -> Option<Vec<PathBuf>> {
    let root = aws_snapshots()?.join("networks");
    let entries = std::fs::read_dir(&root)
        .unwrap_or_else(|e| panic!("cannot read `{}`: {e}", root.display()));
    let mut v: Vec<PathBuf> = entries
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.is_dir())
        .collect();
    v.sort();
    assert!(!v.is_empty(), "no snapshots under `{}`", root.display());
    Some(v)
}

/// One snapshot of `aws-snapshots/networks` by name.
pub fn network(name: &str) -> Option<PathBuf> {
    Some(aws_snapshots()?.join("networks").join(name))
}

/// Whether a missing corpus fails (`NETVERIFY_REQUIRE_FIELD_DATA` set to
/// anything but empty or `0`).
pub fn required() -> bool {
    std::env::var(REQUIRE_VAR).is_ok_and(|v| !v.is_empty() && v != "0")
}

/// Locate `name` (see the module doc); `None` after a notice when absent.
pub fn corpus(name: &str) -> Option<PathBuf> {
    let (found, looked) = locate(
        name,
        std::env::var_os(DIR_VAR).map(PathBuf::from),
        Path::new(env!("CARGO_MANIFEST_DIR")),
    );
    if let Some(p) = found {
        return Some(p);
    }
    let test = std::thread::current()
        .name()
        .filter(|n| *n != "main")
        .map_or_else(|| "a test".to_string(), |n| format!("`{n}`"));
    if required() {
        panic!("field data missing: {looked} not found, and {REQUIRE_VAR} is set");
    }
    // Straight to the process's stderr, not `eprintln!`: the test harness
    // captures the macros' output of passing tests, and this notice is
    // meant to be seen.
    let _ = writeln!(
        std::io::stderr(),
        "notice: {test}: its field-data checks were skipped: {looked} not found (set {DIR_VAR} to a directory holding `{name}/`)"
    );
    None
}

/// The corpus `name` under `var` (when set) or under `crate_dir/../shared`:
/// the path if it is a directory, and a description of where it was looked
/// for. A set `var` without the corpus panics.
fn locate(name: &str, var: Option<PathBuf>, crate_dir: &Path) -> (Option<PathBuf>, String) {
    if let Some(root) = var {
        let p = root.join(name);
        assert!(
            p.is_dir(),
            "{DIR_VAR} is set to `{}`, but `{}` is not a directory",
            root.display(),
            p.display()
        );
        return (Some(p), String::new());
    }
    let p = crate_dir.join("../shared").join(name);
    if p.is_dir() {
        (Some(p), String::new())
    } else {
        (None, format!("`../shared/{name}`"))
    }
}
