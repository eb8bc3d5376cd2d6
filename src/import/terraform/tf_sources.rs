//! The `.tf` sources behind a plan: where each resource, attribute and
//! module call is written (README, "Terraform plans", "Findings on `.tf`
//! lines"), and the evaluation of a reference that `count.index` or
//! `each.key` decides.
//!
//! Where the sources are read from, in order:
//! 1. `--tf-dir PATH`: the root module's directory, or a binary plan file
//!    (`plan.out`, a zip) whose `tfconfig/` holds the configuration;
//! 2. the plan's own directory, when it holds `.tf` files;
//! 3. a binary plan beside the plan: `plan.out`, or the plan's name with
//!    `.out` (`prod.json` → `prod.out`).
//!
//! Paths are shown relative to the root module's directory as given (for a
//! binary plan, the directory it sits in): `--tf-dir infra` gives
//! `infra/modules/web/sg.tf`. A module's directory comes from
//! `.terraform/modules/modules.json` (what `terraform init` writes, and
//! what a binary plan holds) or, without it, from a local `source`
//! (`./modules/web`). Sources are an aid: a file that cannot be read or
//! parsed, or a module that cannot be found, leaves the findings of its
//! resources named by their address, with a note.

use std::collections::HashMap;
use std::io::Read;
use std::ops::Range;
use std::path::{Path, PathBuf};

use hcl_edit::Span;
use hcl_edit::expr::{Expression, TraversalOperator};
use hcl_edit::structure::{Block, Body};
use serde_json::Value;

use crate::diag::Site;

use super::plan::{P, Res, Val};

/// The largest `.tf` file (or zip entry) read, in bytes.
const MAX_TF_BYTES: u64 = 16 * 1024 * 1024;
/// How deep module calls are followed.
const MAX_MODULE_DEPTH: usize = 16;

/// One parsed `.tf` file.
struct TfFile {
    /// The path shown in findings.
    shown: String,
    text: String,
    /// Byte offset of the start of each line.
    line_starts: Vec<usize>,
    body: Body,
}

impl TfFile {
    fn new(shown: String, text: String) -> Result<TfFile, String> {
        let body = hcl_edit::parser::parse_body(&text).map_err(|e| e.to_string())?;
        let mut line_starts = vec![0];
        line_starts.extend(
            text.bytes()
                .enumerate()
                .filter(|(_, b)| *b == b'\n')
                .map(|(i, _)| i + 1),
        );
        Ok(TfFile {
            shown,
            text,
            line_starts,
            body,
        })
    }

    /// The site at byte `span.start`: its line, column and first line of text.
    fn site(&self, span: &Range<usize>) -> Site {
        let line = self.line_starts.partition_point(|s| *s <= span.start);
        let start = self
            .line_starts
            .get(line.saturating_sub(1))
            .copied()
            .unwrap_or(0);
        let head = self.text.get(span.start..span.end).unwrap_or_default();
        let first = head.lines().next().unwrap_or_default().trim_end();
        let text: String = if first.chars().count() > 100 {
            format!("{}…", first.chars().take(100).collect::<String>())
        } else {
            first.to_owned()
        };
        let column = self
            .text
            .get(start..span.start)
            .map_or(0, |s| s.chars().count())
            + 1;
        Site {
            file: self.shown.clone(),
            line: u32::try_from(line).unwrap_or(u32::MAX),
            column: u32::try_from(column).unwrap_or(u32::MAX),
            text,
            calls: Vec::new(),
        }
    }
}

/// One module's files.
#[derive(Default)]
struct Module {
    files: Vec<TfFile>,
}

/// The sources of a plan's configuration, by module.
#[derive(Default)]
pub(super) struct Sources {
    /// Module key (`""` for the root, `net.web` for `module.net.module.web`)
    /// → its files.
    modules: HashMap<String, Module>,
    /// What could not be read, for the notes.
    pub problems: Vec<String>,
    /// Where the sources were read from, for the notes.
    pub from: String,
}

/// Where to look for sources: `--tf-dir`, or nothing.
pub fn find(plan: &Path, tf_dir: Option<&Path>) -> Option<Sources> {
    if let Some(d) = tf_dir {
        return Some(if d.is_dir() { from_dir(d) } else { from_zip(d) });
    }
    let dir = plan.parent().filter(|p| !p.as_os_str().is_empty());
    let dir_path = dir.unwrap_or(Path::new("."));
    if has_tf_files(dir_path) {
        return Some(from_dir(dir.unwrap_or(Path::new(""))));
    }
    let stem_out = plan.with_extension("out");
    [stem_out, dir_path.join("plan.out")]
        .into_iter()
        .find(|p| p != plan && p.is_file() && super::is_plan_file(p))
        .map(|p| from_zip(&p))
}

fn has_tf_files(dir: &Path) -> bool {
    std::fs::read_dir(dir).is_ok_and(|rd| {
        rd.filter_map(Result::ok)
            .any(|e| e.path().extension().is_some_and(|x| x == "tf") && e.path().is_file())
    })
}

/// `a/./b/../c` → `a/c`, with forward slashes; `..` past the start stays.
fn clean(p: &str) -> String {
    let mut out: Vec<&str> = Vec::new();
    for part in p.split(['/', '\\']) {
        match part {
            "" | "." => {}
            ".." if out.last().is_some_and(|l| *l != "..") => {
                out.pop();
            }
            _ => out.push(part),
        }
    }
    let joined = out.join("/");
    if p.starts_with('/') {
        format!("/{joined}")
    } else {
        joined
    }
}

fn join_shown(dir: &str, rest: &str) -> String {
    if dir.is_empty() {
        clean(rest)
    } else {
        clean(&format!("{dir}/{rest}"))
    }
}

/// `.terraform/modules/modules.json` (or a binary plan's
/// `tfconfig/modules.json`): module key → directory, relative to the root.
fn manifest(text: &str) -> HashMap<String, String> {
    let mut out = HashMap::new();
    let doc: Value = serde_json::from_str(text).unwrap_or(Value::Null);
    let list = doc
        .get("Modules")
        .or(Some(&doc))
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default();
    for m in list {
        if let (Some(k), Some(d)) = (
            m.get("Key").and_then(Value::as_str),
            m.get("Dir").and_then(Value::as_str),
        ) {
            out.insert(k.to_owned(), d.to_owned());
        }
    }
    out
}

fn read_limited(path: &Path) -> Result<String, String> {
    let f = std::fs::File::open(path).map_err(|e| e.to_string())?;
    let mut s = String::new();
    f.take(MAX_TF_BYTES)
        .read_to_string(&mut s)
        .map_err(|e| e.to_string())?;
    Ok(s)
}

/// The sources of the root module in directory `root`.
fn from_dir(root: &Path) -> Sources {
    let root_shown = clean(&root.display().to_string());
    let mut s = Sources {
        from: if root_shown.is_empty() {
            ".".to_owned()
        } else {
            root_shown.clone()
        },
        ..Sources::default()
    };
    let manifest = read_limited(&root.join(".terraform/modules/modules.json"))
        .map(|t| manifest(&t))
        .unwrap_or_default();
    let mut queue: Vec<(String, PathBuf, String, usize)> =
        vec![(String::new(), root.to_path_buf(), root_shown.clone(), 0)];
    while let Some((key, dir, shown, depth)) = queue.pop() {
        if s.modules.contains_key(&key) || depth > MAX_MODULE_DEPTH {
            continue;
        }
        let mut names: Vec<PathBuf> = std::fs::read_dir(&dir)
            .map(|rd| {
                rd.filter_map(Result::ok)
                    .map(|e| e.path())
                    .filter(|p| p.extension().is_some_and(|x| x == "tf") && p.is_file())
                    .collect()
            })
            .unwrap_or_default();
        names.sort();
        let mut module = Module::default();
        for p in names {
            let name = p
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default();
            let file_shown = join_shown(&shown, &name);
            match read_limited(&p).and_then(|t| TfFile::new(file_shown.clone(), t)) {
                Ok(f) => module.files.push(f),
                Err(e) => s.problems.push(format!("cannot read `{file_shown}`: {e}")),
            }
        }
        for (call, source) in module_calls(&module) {
            let child = if key.is_empty() {
                call.clone()
            } else {
                format!("{key}.{call}")
            };
            let rel = match manifest.get(&child) {
                Some(d) => Some((root.join(d), join_shown(&root_shown, d))),
                None if source.starts_with("./") || source.starts_with("../") => {
                    Some((dir.join(&source), join_shown(&shown, &source)))
                }
                None => None,
            };
            match rel {
                Some((d, sh)) => queue.push((child, d, sh, depth + 1)),
                None => s.problems.push(format!(
                    "module `{child}` (source `{source}`) is not on disk: run `terraform init` so that `.terraform/modules/modules.json` names its directory"
                )),
            }
        }
        s.modules.insert(key, module);
    }
    s
}

/// The sources in a binary plan's `tfconfig/`: `m-<key>/` per module,
/// with `modules.json` naming each module's directory.
fn from_zip(path: &Path) -> Sources {
    let shown_plan = path.display().to_string();
    let root_shown = clean(
        &path
            .parent()
            .map(|p| p.display().to_string())
            .unwrap_or_default(),
    );
    let mut s = Sources {
        from: shown_plan.clone(),
        ..Sources::default()
    };
    let mut archive = match std::fs::File::open(path)
        .map_err(|e| e.to_string())
        .and_then(|f| zip::ZipArchive::new(f).map_err(|e| e.to_string()))
    {
        Ok(a) => a,
        Err(e) => {
            s.problems
                .push(format!("cannot read `{shown_plan}` as a binary plan: {e}"));
            return s;
        }
    };
    let mut entries: Vec<(String, String)> = Vec::new();
    for n in 0..archive.len() {
        let Ok(mut f) = archive.by_index(n) else {
            continue;
        };
        let Ok(name) = f.name().map(|n| n.into_owned()) else {
            continue;
        };
        if !name.starts_with("tfconfig/") || f.is_dir() || f.size() > MAX_TF_BYTES {
            continue;
        }
        let mut text = String::new();
        if f.read_to_string(&mut text).is_ok() {
            entries.push((name, text));
        }
    }
    let dirs = entries
        .iter()
        .find(|(n, _)| n == "tfconfig/modules.json")
        .map(|(_, t)| manifest(t))
        .unwrap_or_default();
    entries.sort();
    for (name, text) in entries {
        let Some(rest) = name.strip_prefix("tfconfig/m-") else {
            continue;
        };
        let Some((key, file)) = rest.split_once('/') else {
            continue;
        };
        if !file.ends_with(".tf") {
            continue;
        }
        let dir = dirs.get(key).cloned().unwrap_or_else(|| {
            if key.is_empty() {
                ".".to_owned()
            } else {
                format!("m-{key}")
            }
        });
        let shown = join_shown(&root_shown, &format!("{dir}/{file}"));
        match TfFile::new(shown.clone(), text) {
            Ok(f) => s.modules.entry(key.to_owned()).or_default().files.push(f),
            Err(e) => s.problems.push(format!("cannot read `{shown}`: {e}")),
        }
    }
    s
}

/// The `module "x" { source = "…" }` calls of a module: (name, source).
fn module_calls(m: &Module) -> Vec<(String, String)> {
    let mut out = Vec::new();
    for f in &m.files {
        for b in f.body.get_blocks("module") {
            let Some(name) = b.labels.first() else {
                continue;
            };
            let source = b
                .body
                .get_attribute("source")
                .and_then(|a| match &a.value {
                    Expression::String(s) => Some(s.value().clone()),
                    _ => None,
                })
                .unwrap_or_default();
            out.push((name.as_str().to_owned(), source));
        }
    }
    out
}

/// The module key of a concrete module address:
/// `module.a[0].module.b["x"]` → `a.b`.
pub(super) fn module_key(module: &str) -> String {
    super::refs::module_names(module).join(".")
}

/// A literal expression's value, as JSON (`None` when it is not a literal
/// or cannot be evaluated without context).
fn literal(e: &Expression, ctx: &hcl::eval::Context) -> Option<Value> {
    use hcl::eval::Evaluate;
    let expr: hcl::Expression = e.clone().into();
    let v = expr.evaluate(ctx).ok()?;
    serde_json::to_value(v).ok()
}

/// Whether a plan value and a source value are the same (numbers written
/// as strings, and sets in another order, compare equal).
fn same(plan: &Value, src: &Value) -> bool {
    match (plan, src) {
        (Value::Array(a), Value::Array(b)) => {
            a.len() == b.len() && b.iter().all(|x| a.iter().any(|y| same(y, x)))
        }
        (Value::Number(a), Value::String(b)) | (Value::String(b), Value::Number(a)) => {
            a.to_string() == *b
        }
        (Value::Number(a), Value::Number(b)) => a.as_f64() == b.as_f64(),
        _ => plan == src,
    }
}

/// An expression of a module that [`Sources::decided`] reads.
#[derive(Clone, Copy)]
pub(super) enum Decided<'a> {
    /// `output "name" { value = … }`.
    Output(&'a str),
    /// `module "call" { arg = … }`.
    CallArg(&'a str, &'a str),
}

/// A place in a block: the block, the nested block, or the attribute.
enum Found<'a> {
    Block(&'a Block),
    Attr(&'a hcl_edit::structure::Attribute),
}

impl Sources {
    fn module(&self, key: &str) -> Option<&Module> {
        self.modules.get(key)
    }

    /// The root module's first `.tf` file (`main.tf` when there is one):
    /// where findings without a place of their own point.
    pub fn root_file(&self) -> Option<String> {
        let m = self.module("")?;
        m.files
            .iter()
            .find(|f| f.shown.ends_with("main.tf"))
            .or(m.files.first())
            .map(|f| f.shown.clone())
    }

    /// Whether any source was read.
    pub fn is_empty(&self) -> bool {
        self.modules.values().all(|m| m.files.is_empty())
    }

    /// The `resource "kind" "name"` block of a resource and its file.
    fn block(&self, r: &Res) -> Option<(&TfFile, &Block)> {
        let m = self.module(&module_key(&r.module))?;
        m.files.iter().find_map(|f| {
            f.body
                .get_blocks("resource")
                .find(|b| {
                    b.labels.len() == 2
                        && b.labels[0].as_str() == r.kind
                        && b.labels[1].as_str() == r.name
                })
                .map(|b| (f, b))
        })
    }

    /// The module calls that lead to module `key`, outermost first.
    fn calls(&self, key: &str) -> Vec<Site> {
        let mut out = Vec::new();
        let mut parent = String::new();
        for name in key.split('.').filter(|s| !s.is_empty()) {
            let site = self.module(&parent).and_then(|m| {
                m.files.iter().find_map(|f| {
                    f.body
                        .get_blocks("module")
                        .find(|b| b.labels.first().is_some_and(|l| l.as_str() == name))
                        .and_then(|b| b.span().map(|s| f.site(&s)))
                })
            });
            if let Some(s) = site {
                out.push(s);
            }
            parent = if parent.is_empty() {
                name.to_owned()
            } else {
                format!("{parent}.{name}")
            };
        }
        out
    }

    /// Where the value at `path` of resource `r` is written: the attribute
    /// (in the nested block that holds it), else the nearest block that
    /// is written (the attribute then comes from a default). `None` when
    /// the resource's block is not in the sources.
    pub fn site(&self, r: &Res, path: &[P]) -> Option<Site> {
        let key = module_key(&r.module);
        let Some((file, block)) = self.block(r) else {
            // A module whose files are not on disk (a registry or git
            // source without `terraform init`): the call that makes it.
            if self.module(&key).is_some() {
                return None;
            }
            let mut calls = self.calls(&key);
            let mut last = calls.pop()?;
            last.calls = calls;
            return Some(last);
        };
        let found = walk(block, r, path);
        let span = match found {
            Found::Block(b) => b.span(),
            Found::Attr(a) => a.span(),
        }?;
        let mut site = file.site(&span);
        site.calls = self.calls(&key);
        Some(site)
    }

    /// The source expression at `path` of resource `r` (top-level or in a
    /// nested block chosen as in [`Sources::site`]), with the resource's
    /// block.
    fn expression<'a>(&'a self, r: &Res, path: &[P]) -> Option<(&'a Block, &'a Expression)> {
        let (_, block) = self.block(r)?;
        match walk(block, r, path) {
            Found::Attr(a) => Some((block, &a.value)),
            Found::Block(_) => None,
        }
    }

    /// The `resource_kind.name[key]` references that the expression at
    /// `path` of `r` makes for this instance of `r`, where the index is
    /// decided by `count.index`, `each.key` or `each.value` (and known
    /// variables and locals). `None` when the sources do not say; an
    /// error when an index stays unknown.
    pub fn instance_refs(
        &self,
        r: &Res,
        path: &[P],
        variables: &Value,
    ) -> Option<Result<Vec<String>, String>> {
        let (block, expr) = self.expression(r, path)?;
        let ctx = self.context(r, block, variables);
        let mut c = Collected::default();
        collect_indexed(expr, &ctx, &mut c);
        match c.err {
            // A resource named without an index (`x[*].id`, `x`) may mean
            // every instance: the sources do not decide it.
            _ if c.unindexed => None,
            Some(e) => Some(Err(e)),
            None if c.refs.is_empty() => None,
            None => Some(Ok(c.refs)),
        }
    }

    /// The resource references of an output (`output "name"`) or a module
    /// call's argument (`module "call" { name = … }`) of module `key`, when
    /// each names one instance by a literal index (`x[1].id`): the plan's
    /// references also name every instance (`x`), the sources say which.
    /// `None` when the sources do not decide it.
    pub fn decided(&self, key: &str, what: Decided<'_>) -> Option<Vec<String>> {
        let m = self.module(key)?;
        let expr = m.files.iter().find_map(|f| match what {
            Decided::Output(name) => f
                .body
                .get_blocks("output")
                .find(|b| b.labels.first().is_some_and(|l| l.as_str() == name))
                .and_then(|b| b.body.get_attribute("value"))
                .map(|a| &a.value),
            Decided::CallArg(call, arg) => f
                .body
                .get_blocks("module")
                .find(|b| b.labels.first().is_some_and(|l| l.as_str() == call))
                .and_then(|b| b.body.get_attribute(arg))
                .map(|a| &a.value),
        })?;
        let mut c = Collected::default();
        collect_indexed(expr, &hcl::eval::Context::new(), &mut c);
        (!c.unindexed
            && c.err.is_none()
            && !c.refs.is_empty()
            && c.refs.iter().all(|r| !r.contains('%')))
        .then_some(c.refs)
    }

    /// The evaluation context of an instance of `r`: `count.index`,
    /// `each.key`/`each.value`, the root variables the plan records and
    /// the locals that evaluate from them.
    fn context(&self, r: &Res, block: &Block, variables: &Value) -> hcl::eval::Context<'static> {
        let mut ctx = hcl::eval::Context::new();
        let key = module_key(&r.module);
        if key.is_empty() {
            let mut vars = hcl::Map::new();
            if let Some(m) = variables.as_object() {
                for (k, v) in m {
                    if let Some(val) = v.get("value")
                        && let Ok(hv) = hcl::to_value(val)
                    {
                        vars.insert(k.clone(), hv);
                    }
                }
            }
            ctx.declare_var("var", hcl::Value::Object(vars));
            // Locals, in a few rounds so that one may use another.
            let mut locals = hcl::Map::new();
            if let Some(m) = self.module("") {
                for _ in 0..3 {
                    ctx.declare_var("local", hcl::Value::Object(locals.clone()));
                    for f in &m.files {
                        for b in f.body.get_blocks("locals") {
                            for a in b.body.attributes() {
                                if let Some(v) =
                                    literal(&a.value, &ctx).and_then(|v| hcl::to_value(v).ok())
                                {
                                    locals.insert(a.key.as_str().to_owned(), v);
                                }
                            }
                        }
                    }
                }
            }
            ctx.declare_var("local", hcl::Value::Object(locals));
        }
        let instance = r
            .address
            .rsplit_once('[')
            .filter(|_| r.address.ends_with(']'))
            .map(|(_, k)| k.trim_end_matches(']'));
        if let Some(k) = instance {
            if let Ok(n) = k.parse::<u64>() {
                let mut c = hcl::Map::new();
                c.insert("index".to_owned(), hcl::Value::from(n));
                ctx.declare_var("count", hcl::Value::Object(c));
            } else if let Ok(Value::String(s)) = serde_json::from_str::<Value>(k) {
                let value = block
                    .body
                    .get_attribute("for_each")
                    .and_then(|a| literal(&a.value, &ctx))
                    .and_then(|fe| match fe {
                        Value::Object(m) => m.get(&s).cloned(),
                        _ => Some(Value::String(s.clone())),
                    })
                    .and_then(|v| hcl::to_value(v).ok());
                let mut e = hcl::Map::new();
                e.insert("key".to_owned(), hcl::Value::from(s));
                if let Some(v) = value {
                    e.insert("value".to_owned(), v);
                }
                ctx.declare_var("each", hcl::Value::Object(e));
            }
        }
        ctx
    }
}

/// Follow `path` from a resource block: `K(block)`, `I(n)` pick a nested
/// block (matched by its literal attributes against the planned values);
/// a last `K(attr)` picks an attribute.
fn walk<'a>(block: &'a Block, r: &Res, path: &[P]) -> Found<'a> {
    let mut cur = block;
    let empty = hcl::eval::Context::new();
    let mut n = 0;
    while n < path.len() {
        let P::K(k) = path[n] else {
            return Found::Block(cur);
        };
        if let Some(a) = cur.body.get_attribute(k) {
            return Found::Attr(a);
        }
        // Nested blocks written out, or a `dynamic "k"` block's content.
        let nested = |ident: &str| -> Vec<&'a Block> {
            cur.body
                .iter()
                .filter_map(|s| s.as_block())
                .filter(|b| b.ident.as_str() == ident)
                .collect()
        };
        let blocks = nested(k);
        if blocks.is_empty() {
            let dynamic = nested("dynamic")
                .into_iter()
                .find(|b| b.labels.first().is_some_and(|l| l.as_str() == k));
            return Found::Block(dynamic.unwrap_or(cur));
        }
        let chosen = match path.get(n + 1) {
            Some(P::I(_)) if blocks.len() > 1 => {
                let base = &path[..n + 2];
                let score = |b: &&Block| -> i64 {
                    b.body
                        .attributes()
                        .map(|a| {
                            let mut p = base.to_vec();
                            p.push(P::K(a.key.as_str()));
                            match (r.get(&p), literal(&a.value, &empty)) {
                                (Val::Known(pv), Some(sv)) if same(pv, &sv) => 1,
                                (Val::Known(_), Some(_)) => -1,
                                _ => 0,
                            }
                        })
                        .sum()
                };
                // The first block with the best score.
                let mut best = blocks[0];
                let mut best_score = score(&best);
                for b in &blocks[1..] {
                    let s = score(b);
                    if s > best_score {
                        best = b;
                        best_score = s;
                    }
                }
                best
            }
            _ => blocks[0],
        };
        cur = chosen;
        n += if matches!(path.get(n + 1), Some(P::I(_))) {
            2
        } else {
            1
        };
    }
    Found::Block(cur)
}

/// The root names that are not resource types.
const NOT_RESOURCES: [&str; 9] = [
    "var",
    "local",
    "module",
    "data",
    "count",
    "each",
    "path",
    "terraform",
    "self",
];

/// What [`collect_indexed`] found.
#[derive(Default)]
struct Collected {
    /// `kind.name[key]`, or `kind.name%[n]` for `element(…, n)`.
    refs: Vec<String>,
    /// An index that is not known before apply.
    err: Option<String>,
    /// A resource named without an index.
    unindexed: bool,
}

/// Collect `kind.name[index]` for each traversal of a resource with an
/// index expression (evaluated in `ctx`), and for `element(kind.name.*.x,
/// index)`; any other mention of a resource is marked unindexed.
fn collect_indexed(e: &Expression, ctx: &hcl::eval::Context, c: &mut Collected) {
    let out = &mut c.refs;
    let err = &mut c.err;
    let key = |ix: &Expression, err: &mut Option<String>| -> Option<String> {
        match literal(ix, ctx) {
            Some(Value::Number(n)) => Some(format!("[{n}]")),
            Some(Value::String(s)) => Some(format!("[{}]", Value::String(s))),
            _ => {
                *err = Some(format!(
                    "its index `{}` is not known before apply",
                    ix.to_string().trim()
                ));
                None
            }
        }
    };
    match e {
        Expression::Traversal(t) => {
            // A splat nests traversals: take the innermost root and every
            // operator in order.
            let mut ops: Vec<&TraversalOperator> = t.operators.iter().map(|o| o.value()).collect();
            let mut inner = &t.expr;
            while let Expression::Traversal(i) = inner {
                let mut v: Vec<&TraversalOperator> =
                    i.operators.iter().map(|o| o.value()).collect();
                v.extend(ops);
                ops = v;
                inner = &i.expr;
            }
            if let Expression::Variable(root) = inner
                && !NOT_RESOURCES.contains(&root.as_str())
                && let (Some(op1), Some(op2)) = (ops.first().copied(), ops.get(1).copied())
                && let TraversalOperator::GetAttr(name) = op1
            {
                match op2 {
                    TraversalOperator::Index(ix) => {
                        if let Some(k) = key(ix, err) {
                            out.push(format!("{}.{}{k}", root.as_str(), name.as_str()));
                        }
                    }
                    TraversalOperator::LegacyIndex(n) => {
                        out.push(format!(
                            "{}.{}[{}]",
                            root.as_str(),
                            name.as_str(),
                            n.value()
                        ));
                    }
                    _ => c.unindexed = true,
                }
            } else if let Expression::Variable(root) = inner
                && !NOT_RESOURCES.contains(&root.as_str())
            {
                c.unindexed = true;
            }
        }
        Expression::FuncCall(f) if f.name.name.as_str() == "element" => {
            let args: Vec<&Expression> = f.args.iter().collect();
            if let [list, ix] = args.as_slice()
                && let Expression::Traversal(t) = list
                && let Expression::Variable(root) = &t.expr
                && !NOT_RESOURCES.contains(&root.as_str())
                && let Some(op1) = t.operators.first()
                && let TraversalOperator::GetAttr(name) = op1.value()
                && let Some(k) = key(ix, err)
            {
                // `element` wraps around: the caller reduces the index
                // modulo the number of instances (marked with `%`).
                out.push(format!("{}.{}%{k}", root.as_str(), name.as_str()));
            } else {
                c.unindexed = true;
            }
        }
        Expression::Array(a) => {
            for x in a.iter() {
                collect_indexed(x, ctx, c);
            }
        }
        Expression::Parenthesis(p) => collect_indexed(p.inner(), ctx, c),
        Expression::String(_)
        | Expression::Number(_)
        | Expression::Bool(_)
        | Expression::Null(_) => {}
        // Anything else that names a resource is not decided here.
        other => {
            let text = other.to_string();
            if text.contains('.') {
                c.unindexed = true;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

    use super::*;
    use crate::import::terraform::plan::{Plan, parse};
    use crate::import::terraform::refs::{Refs, Target};

    const LINES: &str = "tests/fixtures/terraform/lines";

    fn plan() -> Plan {
        let file = format!("{LINES}/plan.json");
        parse(&std::fs::read(&file).unwrap(), &file).unwrap()
    }

    fn res<'p>(plan: &'p Plan, address: &str) -> &'p Res {
        plan.resources
            .iter()
            .find(|r| r.address == address)
            .unwrap_or_else(|| panic!("no `{address}` in the plan"))
    }

    fn at(site: &Site) -> String {
        format!("{}:{} {}", site.file, site.line, site.text)
    }

    /// The sources of a plan whose directory has no `.tf` files come from
    /// the binary plan beside it; paths are relative to its directory.
    #[test]
    fn sources_of_a_binary_plan_beside_the_json_give_lines_two_modules_deep() {
        let s = find(Path::new(&format!("{LINES}/plan.json")), None).unwrap();
        assert_eq!(s.from, format!("{LINES}/plan.out"));
        assert!(s.problems.is_empty(), "{:?}", s.problems);
        let plan = plan();
        let deep = res(&plan, "module.outer.module.inner.terraform_data.deep");
        let site = s.site(deep, &[P::K("input")]).unwrap();
        assert_eq!(
            at(&site),
            format!("{LINES}/modules/outer/inner/main.tf:6 input = {{")
        );
        let calls: Vec<String> = site.calls.iter().map(at).collect();
        assert_eq!(
            calls,
            [
                format!("{LINES}/main.tf:40 module \"outer\" {{"),
                format!("{LINES}/modules/outer/main.tf:5 module \"inner\" {{"),
            ]
        );
    }

    /// `--tf-dir DIR`: the root module's directory; module directories
    /// come from local `source` paths.
    #[test]
    fn sources_of_a_directory_follow_local_module_sources() {
        let dir = format!("{LINES}/src");
        let s = find(Path::new("elsewhere/plan.json"), Some(Path::new(&dir))).unwrap();
        let plan = plan();
        let deep = res(&plan, "module.outer.module.inner.terraform_data.deep");
        let site = s.site(deep, &[P::K("input")]).unwrap();
        assert_eq!(
            at(&site),
            format!("{dir}/modules/outer/inner/main.tf:6 input = {{")
        );
        assert_eq!(site.calls.len(), 2);
        // An attribute the block does not write: the block's line.
        let sub = res(&plan, "terraform_data.subnet[1]");
        let site = s.site(sub, &[P::K("triggers_replace")]).unwrap();
        assert_eq!(
            at(&site),
            format!("{dir}/main.tf:15 resource \"terraform_data\" \"subnet\" {{")
        );
        assert!(site.calls.is_empty());
    }

    fn target(plan: &Plan, s: Option<&Sources>, address: &str) -> Target {
        let refs = Refs::new(plan, s);
        refs.target(res(plan, address), &[P::K("input")])
    }

    fn to(plan: &Plan, address: &str) -> Target {
        Target::To(
            plan.resources
                .iter()
                .position(|r| r.address == address)
                .unwrap(),
        )
    }

    /// `count.index`, `each.key` and `element(…, count.index)` pick one
    /// instance when the `.tf` expression is evaluated for this instance.
    #[test]
    fn count_and_each_references_are_decided_by_the_tf_expression() {
        let plan = plan();
        let s = find(Path::new(&format!("{LINES}/plan.json")), None).unwrap();
        let s = Some(&s);
        assert_eq!(
            target(&plan, s, "terraform_data.assoc[1]"),
            to(&plan, "terraform_data.subnet[1]")
        );
        assert_eq!(
            target(&plan, s, "terraform_data.assoc[0]"),
            to(&plan, "terraform_data.subnet[0]")
        );
        assert_eq!(
            target(&plan, s, "terraform_data.pick[\"y\"]"),
            to(&plan, "terraform_data.named[\"y\"]")
        );
        // element() wraps around: index 2 of 2 instances is the first.
        assert_eq!(
            target(&plan, s, "terraform_data.wrap[2]"),
            to(&plan, "terraform_data.subnet[0]")
        );
    }

    /// Without the sources the same references stay unknown, and say how
    /// to decide them.
    #[test]
    fn count_references_without_sources_stay_unknown_and_name_tf_dir() {
        let plan = plan();
        match target(&plan, None, "terraform_data.assoc[1]") {
            Target::Unknown(why) => assert!(why.contains("--tf-dir"), "{why}"),
            t => panic!("expected unknown, got {t:?}"),
        }
    }

    /// An index that stays unknown is an error naming it, never a guess.
    #[test]
    fn an_index_unknown_before_apply_is_not_guessed() {
        let e: Expression = "aws_subnet.private[var.pick].id".parse().unwrap();
        let mut c = Collected::default();
        collect_indexed(&e, &hcl::eval::Context::new(), &mut c);
        assert!(c.refs.is_empty());
        assert_eq!(
            c.err.as_deref(),
            Some("its index `var.pick` is not known before apply")
        );
        let e: Expression = "aws_subnet.private[*].id".parse().unwrap();
        let mut c = Collected::default();
        collect_indexed(&e, &hcl::eval::Context::new(), &mut c);
        assert!(c.unindexed);
    }

    #[test]
    fn paths_are_cleaned_lexically() {
        assert_eq!(clean("a/./b/../c"), "a/c");
        assert_eq!(clean("./main.tf"), "main.tf");
        assert_eq!(clean("../x/y"), "../x/y");
        assert_eq!(join_shown("", "main.tf"), "main.tf");
    }

    #[test]
    fn zone_names_give_their_region() {
        use crate::import::terraform::region::zone_region;
        assert_eq!(zone_region("us-east-1a").as_deref(), Some("us-east-1"));
        assert_eq!(
            zone_region("us-gov-west-1b").as_deref(),
            Some("us-gov-west-1")
        );
        assert_eq!(zone_region("us-west-2-lax-1a"), None);
        assert_eq!(zone_region("x"), None);
    }
}
