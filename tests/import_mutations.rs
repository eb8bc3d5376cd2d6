//! Import never panics and never produces a topology its loader rejects,
//! whatever is wrong with the snapshot: real snapshots (copied into a
//! temporary directory at test time, never into the repository) with
//! fields dropped, values of the wrong type, dangling ids, truncated files
//! and duplicated records. The import either fails with an error naming the
//! file (and, for a bad value, its JSON path), or gives a topology that
//! loads and that every check runs on.
//!
//! Without `../shared/aws-snapshots` the test runs on the project's own
//! fixtures under `tests/fixtures/import` and says so.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "a test fails by panicking"
)]

#[path = "common/field_data.rs"]
mod field_data;

use std::path::{Path, PathBuf};

use netverify::import::{ImportError, import_snapshot, to_yaml};
use proptest::prelude::*;
use proptest::test_runner::{Config, TestCaseError};
use serde_json::Value;

/// The shared field snapshots, or `None` with a notice when the corpus is
/// absent (an error under `NETVERIFY_REQUIRE_FIELD_DATA=1`).
fn field_snapshots() -> Option<Vec<PathBuf>> {
    field_data::networks()
}

fn sources() -> Vec<PathBuf> {
    let fixtures = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/import");
    let own = vec![fixtures.join("synthetic"), fixtures.join("hybrid")];
    field_snapshots().unwrap_or(own)
}

/// Every `*.json` below `dir`, relative to it, sorted.
fn json_files(dir: &Path, rel: &Path, out: &mut Vec<PathBuf>) {
    let mut entries: Vec<PathBuf> = std::fs::read_dir(dir.join(rel))
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    entries.sort();
    for p in entries {
        let r = rel.join(p.file_name().unwrap());
        if p.is_dir() {
            json_files(dir, &r, out);
        } else if p.extension().is_some_and(|x| x == "json") {
            out.push(r);
        }
    }
}

#[derive(Debug, Clone, Copy)]
enum Mutation {
    DropField,
    WrongType,
    DanglingId,
    Truncate,
    DuplicateRecord,
}

/// Every node of a JSON value, as paths of keys and indices.
fn nodes(v: &Value, path: &mut Vec<Step>, out: &mut Vec<Vec<Step>>) {
    out.push(path.clone());
    match v {
        Value::Object(m) => {
            for (k, x) in m {
                path.push(Step::Key(k.clone()));
                nodes(x, path, out);
                path.pop();
            }
        }
        Value::Array(a) => {
            for (i, x) in a.iter().enumerate() {
                path.push(Step::Index(i));
                nodes(x, path, out);
                path.pop();
            }
        }
        _ => {}
    }
}

#[derive(Debug, Clone)]
enum Step {
    Key(String),
    Index(usize),
}

fn at<'a>(v: &'a mut Value, path: &[Step]) -> &'a mut Value {
    path.iter().fold(v, |v, s| match s {
        Step::Key(k) => &mut v[k.as_str()],
        Step::Index(i) => &mut v[*i],
    })
}

/// Apply `m` to the file text, choosing what to change with `pick`.
fn mutate(text: &str, m: Mutation, pick: u64) -> String {
    if let Mutation::Truncate = m {
        let mut cut = usize::try_from(pick % (text.len() as u64 + 1)).unwrap();
        while !text.is_char_boundary(cut) {
            cut -= 1;
        }
        return text[..cut].to_string();
    }
    let Ok(mut v) = serde_json::from_str::<Value>(text) else {
        return text.to_string();
    };
    let mut all = Vec::new();
    nodes(&v, &mut Vec::new(), &mut all);
    let choose = |cands: &[Vec<Step>]| -> Option<Vec<Step>> {
        (!cands.is_empty())
            .then(|| cands[usize::try_from(pick % cands.len() as u64).unwrap()].clone())
    };
    match m {
        Mutation::DropField => {
            let keyed: Vec<Vec<Step>> = all
                .iter()
                .filter(|p| matches!(p.last(), Some(Step::Key(_))))
                .cloned()
                .collect();
            if let Some(p) = choose(&keyed)
                && let Some((Step::Key(k), parent)) = p.split_last()
                && let Value::Object(o) = at(&mut v, parent)
            {
                o.remove(k);
            }
        }
        Mutation::WrongType => {
            if let Some(p) = choose(&all[1.min(all.len())..]) {
                let n = at(&mut v, &p);
                *n = match n {
                    Value::String(_) => Value::from(7),
                    Value::Number(_) => Value::from("seven"),
                    Value::Bool(_) => Value::from("yes"),
                    Value::Array(_) => serde_json::json!({"not": "a list"}),
                    Value::Object(_) => Value::from("not an object"),
                    Value::Null => Value::from(false),
                };
            }
        }
        Mutation::DanglingId => {
            let ids: Vec<Vec<Step>> = all
                .iter()
                .filter(|p| {
                    let mut c = v.clone();
                    at(&mut c, p).as_str().is_some_and(|s| {
                        s.split_once('-').is_some_and(|(head, tail)| {
                            (1..=8).contains(&head.len())
                                && head.bytes().all(|b| b.is_ascii_lowercase())
                                && !tail.is_empty()
                        })
                    })
                })
                .cloned()
                .collect();
            if let Some(p) = choose(&ids) {
                let n = at(&mut v, &p);
                let head = n
                    .as_str()
                    .and_then(|s| s.split_once('-'))
                    .map(|x| x.0.to_string());
                *n = Value::from(format!("{}-0dangling", head.unwrap_or_default()));
            }
        }
        Mutation::DuplicateRecord => {
            let lists: Vec<Vec<Step>> = all
                .iter()
                .filter(|p| {
                    let mut c = v.clone();
                    at(&mut c, p)
                        .as_array()
                        .is_some_and(|a| a.first().is_some_and(Value::is_object))
                })
                .cloned()
                .collect();
            if let Some(p) = choose(&lists)
                && let Value::Array(a) = at(&mut v, &p)
            {
                let i = usize::try_from(pick % a.len() as u64).unwrap();
                let copy = a[i].clone();
                a.push(copy);
            }
        }
        Mutation::Truncate => {}
    }
    serde_json::to_string_pretty(&v).unwrap()
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for e in std::fs::read_dir(from).unwrap() {
        let p = e.unwrap().path();
        let dest = to.join(p.file_name().unwrap());
        if p.is_dir() {
            copy_dir(&p, &dest);
        } else if p.extension().is_some_and(|x| x == "json") {
            std::fs::copy(&p, &dest).unwrap();
        }
    }
}

fn mutation() -> impl Strategy<Value = Mutation> {
    prop_oneof![
        Just(Mutation::DropField),
        Just(Mutation::WrongType),
        Just(Mutation::DanglingId),
        Just(Mutation::Truncate),
        Just(Mutation::DuplicateRecord),
    ]
}

fn run_case(
    sources: &[PathBuf],
    src: usize,
    muts: &[(usize, Mutation, u64)],
) -> Result<(), TestCaseError> {
    let src = &sources[src % sources.len()];
    let tmp = tempfile::tempdir().unwrap();
    let configs = {
        let c = src.join("aws_configs");
        if c.is_dir() { c } else { src.clone() }
    };
    let root = tmp.path().join("aws_configs");
    copy_dir(&configs, &root);
    let mut files = Vec::new();
    json_files(&root, Path::new(""), &mut files);
    let mut changed = Vec::new();
    for (f, m, pick) in muts {
        let rel = &files[f % files.len()];
        let p = root.join(rel);
        let text = std::fs::read_to_string(&p).unwrap();
        std::fs::write(&p, mutate(&text, *m, *pick)).unwrap();
        changed.push(format!("{} {m:?} {pick}", rel.display()));
    }
    let what = format!("{} with {changed:?}", src.display());
    match import_snapshot(tmp.path()) {
        Ok(imported) => {
            let yaml = to_yaml(&imported.file);
            let topo = netverify::model::load_str(&yaml, "imported.yaml").map_err(|e| {
                TestCaseError::fail(format!("{what}: the imported topology does not load:\n{e}"))
            })?;
            let engine = netverify::engine::Engine::new(&topo);
            let _ = netverify::checks::public_exposure::run(&engine);
            let _ = netverify::checks::private_service_access::run(&engine);
            let _ = netverify::checks::transit_encryption::run(&engine);
            let _ = netverify::checks::ipsec_strength::run(&engine);
            let _ = netverify::checks::on_prem_access::run(&engine);
        }
        Err(e @ ImportError::Unloadable { .. }) => {
            return Err(TestCaseError::fail(format!(
                "{what}: the importer built a topology it cannot load: {e}"
            )));
        }
        Err(e) => {
            // Errors about the data name the file, and for a value its path.
            let text = e.to_string();
            let names_file = changed
                .iter()
                .any(|c| c.split(' ').next().is_some_and(|f| text.contains(f)))
                || text.contains(".json");
            prop_assert!(names_file, "{what}: error names no file: {text}");
        }
    }
    Ok(())
}

proptest! {
    #![proptest_config(Config { cases: 256, failure_persistence: None, ..Config::default() })]

    #[test]
    fn mutated_snapshots_import_to_loadable_topologies_or_named_errors(
        src in 0usize..64,
        muts in prop::collection::vec((0usize..256, mutation(), any::<u64>()), 1..4),
    ) {
        let sources = sources();
        run_case(&sources, src, &muts)?;
    }
}

/// The same mutations, each kind at least once on every source: the random
/// cases above may miss a source.
#[test]
fn every_mutation_kind_on_every_source() {
    let sources = sources();
    for i in 0..sources.len() {
        for (k, m) in [
            Mutation::DropField,
            Mutation::WrongType,
            Mutation::DanglingId,
            Mutation::Truncate,
            Mutation::DuplicateRecord,
        ]
        .into_iter()
        .enumerate()
        {
            let pick = 0x5851_f42d_4c95_7f2d_u64.wrapping_mul(i as u64 * 5 + k as u64 + 1);
            if let Err(e) = run_case(&sources, i, &[(i * 7 + k, m, pick)]) {
                panic!("{e}");
            }
        }
    }
}
