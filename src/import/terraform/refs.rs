//! What a planned attribute refers to: a known id names a resource of the
//! plan; an unknown one is followed through the plan's `configuration`
//! (each expression's `references`), across module inputs and outputs.
//!
//! A reference that `count.index` or `each.key` makes ambiguous (several
//! instances) is decided by evaluating the `.tf` expression for this
//! instance, when the sources are there ([`super::tf_sources`]). Not
//! evaluated: locals and data sources in the plan's configuration (the
//! plan does not record their expressions), and an index that stays
//! unknown. Each of those leaves the value unknown, with the reason.

use std::collections::{BTreeSet, HashMap};

use serde_json::Value;

use super::plan::{P, Plan, Res, Val};
use super::tf_sources::{Decided, Sources};

/// Where an attribute points.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum Target {
    /// A resource of the plan (its index in [`Plan::resources`]).
    To(usize),
    /// A known id that no resource of the plan has: something outside it.
    External(String),
    /// Not known before apply, and not decided by the configuration.
    Unknown(String),
    /// Not set.
    Absent,
}

/// The plan's resources by id and by address, and its configuration.
pub(super) struct Refs<'p> {
    plan: &'p Plan,
    by_id: HashMap<&'p str, usize>,
    sources: Option<&'p Sources>,
}

/// The `references` of one configuration expression, as written.
fn expression_refs(e: &Value) -> Vec<String> {
    e.get("references")
        .and_then(Value::as_array)
        .map(|a| {
            a.iter()
                .filter_map(Value::as_str)
                .map(str::to_owned)
                .collect()
        })
        .unwrap_or_default()
}

/// `module.a[0].module.b["x"]` → `["a", "b"]`.
pub(super) fn module_names(addr: &str) -> Vec<String> {
    split_address(addr)
        .chunks(2)
        .filter_map(|c| match c {
            [m, n] if m == "module" => Some(strip_index(n).to_owned()),
            _ => None,
        })
        .collect()
}

fn strip_index(s: &str) -> &str {
    s.split_once('[').map_or(s, |(a, _)| a)
}

/// Split an address on the dots outside brackets and quotes.
fn split_address(addr: &str) -> Vec<String> {
    let mut parts = Vec::new();
    let mut cur = String::new();
    let mut depth = 0u32;
    let mut quoted = false;
    for c in addr.chars() {
        match c {
            '"' => quoted = !quoted,
            '[' if !quoted => depth += 1,
            ']' if !quoted => depth = depth.saturating_sub(1),
            '.' if !quoted && depth == 0 => {
                parts.push(std::mem::take(&mut cur));
                continue;
            }
            _ => {}
        }
        cur.push(c);
    }
    if !cur.is_empty() {
        parts.push(cur);
    }
    parts
}

/// Whether the concrete module address `have` (`module.a[0]`) is the one
/// `want` names, where `want` may leave out instance keys.
fn module_matches(have: &str, want: &str) -> bool {
    let h = split_address(have);
    let w = split_address(want);
    h.len() == w.len()
        && h.iter()
            .zip(&w)
            .all(|(h, w)| h == w || (!w.contains('[') && strip_index(h) == w.as_str()))
}

/// The parent of a concrete module address and the call's name:
/// `module.a[0].module.b` → (`module.a[0]`, `b`).
fn parent(module: &str) -> Option<(String, String)> {
    let parts = split_address(module);
    if parts.len() < 2 {
        return None;
    }
    let call = strip_index(&parts[parts.len() - 1]).to_owned();
    Some((parts[..parts.len() - 2].join("."), call))
}

impl<'p> Refs<'p> {
    pub fn new(plan: &'p Plan, sources: Option<&'p Sources>) -> Refs<'p> {
        let mut by_id = HashMap::new();
        for (i, r) in plan.resources.iter().enumerate() {
            for key in ["id", "arn"] {
                if let Val::Known(Value::String(id)) = r.get(&[P::K(key)]) {
                    by_id.entry(id.as_str()).or_insert(i);
                }
            }
        }
        Refs {
            plan,
            by_id,
            sources,
        }
    }

    /// The resource whose known `id` (or ARN) is `id`.
    pub fn by_id(&self, id: &str) -> Option<usize> {
        self.by_id.get(id).copied()
    }

    /// The configuration of the module at a concrete address.
    fn module_config(&self, module: &str) -> Option<&'p Value> {
        let mut cur = &self.plan.root_module;
        for name in module_names(module) {
            cur = cur.get("module_calls")?.get(&name)?.get("module")?;
        }
        Some(cur)
    }

    /// The configuration block of a resource.
    pub fn config(&self, r: &Res) -> Option<&'p Value> {
        self.module_config(&r.module)?
            .get("resources")?
            .as_array()?
            .iter()
            .find(|c| {
                c.get("type").and_then(Value::as_str) == Some(r.kind.as_str())
                    && c.get("name").and_then(Value::as_str) == Some(r.name.as_str())
                    && c.get("mode").and_then(Value::as_str) != Some("data")
            })
    }

    /// Whether the configuration sets attribute (or block) `attr`. `None`
    /// when the plan has no configuration for the resource.
    pub fn configured(&self, r: &Res, attr: &str) -> Option<bool> {
        let c = self.config(r)?;
        Some(
            c.get("expressions")
                .and_then(|e| e.get(attr))
                .is_some_and(|e| match e {
                    Value::Array(a) => !a.is_empty(),
                    _ => true,
                }),
        )
    }

    /// The references of the expression at `path`. Nested blocks are lists
    /// of objects in the configuration; for a block inside a set (rules,
    /// routes), whose elements the plan orders differently, the references
    /// of that field in every block of the set are taken together.
    fn references(&self, r: &Res, path: &[P]) -> Result<Vec<String>, String> {
        let no_config = || "the plan has no configuration for it".to_owned();
        let mut cur = self
            .config(r)
            .and_then(|c| c.get("expressions"))
            .ok_or_else(no_config)?;
        let mut set_fields: Option<Vec<&Value>> = None;
        for (n, p) in path.iter().enumerate() {
            match (p, cur) {
                (P::K(k), Value::Object(m)) => match m.get(*k) {
                    Some(v) => cur = v,
                    None => return Ok(Vec::new()),
                },
                (P::I(_), Value::Array(blocks)) => {
                    // A set of blocks: the field in every block.
                    let Some(P::K(field)) = path.get(n + 1) else {
                        return Err(
                            "it is set by a nested block the plan does not record".to_owned()
                        );
                    };
                    set_fields = Some(blocks.iter().filter_map(|b| b.get(*field)).collect());
                    if path.len() > n + 2 {
                        return Err("it is set deep inside nested blocks".to_owned());
                    }
                    break;
                }
                // An element of an attribute list: the list's references.
                (P::I(_), _) => break,
                _ => return Err("its expression is not a plain reference".to_owned()),
            }
        }
        let exprs: Vec<&Value> = set_fields.unwrap_or_else(|| vec![cur]);
        let mut out = Vec::new();
        for e in exprs {
            out.extend(expression_refs(e));
        }
        Ok(out)
    }

    /// Resolve reference strings made in the module at `module`.
    fn resolve_refs(
        &self,
        module: &str,
        refs: &[String],
        depth: u32,
    ) -> Result<BTreeSet<usize>, String> {
        if depth > 16 {
            return Err("its references nest too deeply".to_owned());
        }
        let mut found = BTreeSet::new();
        let mut ambiguous_index = false;
        for rf in refs {
            let parts = split_address(rf);
            let head = parts.first().map(String::as_str).unwrap_or("");
            match head {
                "count" | "each" => {
                    ambiguous_index = true;
                }
                "path" | "terraform" | "self" => {}
                "local" => {
                    return Err(format!(
                        "it depends on `{rf}`; the plan does not record local values"
                    ));
                }
                "data" => {
                    return Err(format!(
                        "it depends on the data source `{rf}`, read only at apply"
                    ));
                }
                "var" => {
                    let Some(var) = parts.get(1) else { continue };
                    let Some((up, call)) = parent(module) else {
                        return Err(format!(
                            "it depends on the root variable `{rf}`, whose value is not known"
                        ));
                    };
                    let refs: Vec<String> = self
                        .module_config(&up)
                        .and_then(|c| {
                            c.get("module_calls")?
                                .get(&call)?
                                .get("expressions")?
                                .get(strip_index(var))
                        })
                        .map(expression_refs)
                        .unwrap_or_default();
                    if refs.is_empty() {
                        return Err(format!(
                            "it depends on `{rf}`, which module `{call}` is given as a value the plan does not resolve"
                        ));
                    }
                    let refs =
                        self.decided_or(&up, Decided::CallArg(&call, strip_index(var)), refs);
                    found.extend(self.resolve_refs(&up, &refs, depth + 1)?);
                }
                "module" => {
                    let (Some(call), Some(output)) = (parts.get(1), parts.get(2)) else {
                        continue;
                    };
                    let child = if module.is_empty() {
                        format!("module.{call}")
                    } else {
                        format!("{module}.module.{call}")
                    };
                    let refs: Vec<String> = self
                        .module_config(&child)
                        .and_then(|c| {
                            c.get("outputs")?
                                .get(strip_index(output))?
                                .get("expression")
                        })
                        .map(expression_refs)
                        .unwrap_or_default();
                    if refs.is_empty() {
                        return Err(format!(
                            "it depends on `{rf}`, an output the plan does not resolve"
                        ));
                    }
                    let refs = self.decided_or(&child, Decided::Output(strip_index(output)), refs);
                    found.extend(self.resolve_refs(&child, &refs, depth + 1)?);
                }
                _ => {
                    let (Some(kind), Some(name)) = (parts.first(), parts.get(1)) else {
                        continue;
                    };
                    let want_index = name.find('[').map(|i| &name[i..]);
                    let bare = strip_index(name);
                    let hits: Vec<usize> = self
                        .plan
                        .resources
                        .iter()
                        .enumerate()
                        .filter(|(_, r)| {
                            &r.kind == kind
                                && r.name == bare
                                && module_matches(&r.module, module)
                                && want_index
                                    .is_none_or(|ix| r.address.ends_with(&format!("{bare}{ix}")))
                        })
                        .map(|(i, _)| i)
                        .collect();
                    if hits.is_empty() {
                        return Err(format!(
                            "it refers to `{rf}`, which this plan does not create or keep"
                        ));
                    }
                    found.extend(hits);
                }
            }
        }
        if found.is_empty() && ambiguous_index {
            return Err(
                "it is chosen by `count`/`each` values (`each.value`, `count.index`), which only the `.tf` sources decide (give them with `--tf-dir`)".to_owned(),
            );
        }
        if ambiguous_index && found.len() > 1 {
            return Err(format!(
                "it is chosen by `count.index` or `each.key` among {} instances, which only the `.tf` sources decide (give them with `--tf-dir`)",
                found.len()
            ));
        }
        Ok(found)
    }

    /// The references of an output or module argument as the `.tf`
    /// sources decide them (one instance by a literal index), else the
    /// plan's `refs`.
    fn decided_or(&self, module: &str, what: Decided<'_>, refs: Vec<String>) -> Vec<String> {
        if !refs.iter().any(|r| r.contains('[')) {
            return refs;
        }
        self.sources
            .and_then(|s| s.decided(&module_names(module).join("."), what))
            .unwrap_or(refs)
    }

    /// Every resource an unknown attribute (a single id or a list of ids)
    /// refers to, through the configuration.
    fn through_config(&self, r: &Res, path: &[P]) -> Result<BTreeSet<usize>, String> {
        let refs = self.references(r, path)?;
        if refs.is_empty() {
            return Err("the configuration gives no reference for it".to_owned());
        }
        // Decided per instance (`count.index`, `each.key`) or by a literal
        // index (`x[0]`, whose references also name every instance `x`).
        let by_instance = refs
            .iter()
            .any(|rf| rf.starts_with("count.") || rf.starts_with("each.") || rf.contains('['));
        if by_instance
            && let Some(decided) = self
                .sources
                .and_then(|s| s.instance_refs(r, path, &self.plan.variables))
        {
            return self.for_instance(r, decided?);
        }
        self.resolve_refs(&r.module, &refs, 0)
    }

    /// The resources that the `.tf` expression names for this instance:
    /// `kind.name[key]`, or `kind.name%[n]` for `element(kind.name.*.x, n)`
    /// (the `n % count`-th instance).
    fn for_instance(&self, r: &Res, decided: Vec<String>) -> Result<BTreeSet<usize>, String> {
        let mut found = BTreeSet::new();
        for d in decided {
            match d.split_once('%') {
                None => found.extend(self.resolve_refs(&r.module, &[d], 0)?),
                Some((base, ix)) => {
                    let n: usize = ix
                        .trim_matches(['[', ']'])
                        .parse()
                        .map_err(|_| format!("`element` is given the index `{ix}`"))?;
                    let mut all: Vec<(usize, usize)> = self
                        .resolve_refs(&r.module, &[base.to_owned()], 0)?
                        .into_iter()
                        .filter_map(|i| {
                            let a = &self.plan.resources[i].address;
                            let k = a.rsplit_once('[')?.1.trim_end_matches(']').parse().ok()?;
                            Some((k, i))
                        })
                        .collect();
                    all.sort_unstable();
                    if all.is_empty() {
                        return Err(format!("`{base}` has no counted instances in this plan"));
                    }
                    if let Some((_, i)) = all.get(n % all.len()) {
                        found.insert(*i);
                    }
                }
            }
        }
        Ok(found)
    }

    /// Whether `path` is a top-level attribute that the configuration
    /// leaves unset while the plan leaves it to apply: an optional
    /// attribute the provider computes, which refers to nothing the plan
    /// makes (the callers that give such a value a meaning, e.g. the
    /// default VPC or default group, test for it themselves).
    fn computed_unset(&self, r: &Res, path: &[P]) -> bool {
        match path {
            [P::K(attr)] => {
                matches!(r.get(path), Val::Unknown) && self.configured(r, attr) == Some(false)
            }
            _ => false,
        }
    }

    /// What the id at `path` of `r` points to.
    pub fn target(&self, r: &Res, path: &[P]) -> Target {
        if self.computed_unset(r, path) {
            return Target::Absent;
        }
        match r.get(path) {
            Val::Null => Target::Absent,
            Val::Sensitive => Target::Unknown("it is marked sensitive".to_owned()),
            Val::Known(Value::String(id)) if id.is_empty() => Target::Absent,
            Val::Known(Value::String(id)) => match self.by_id(id) {
                Some(i) => Target::To(i),
                None => Target::External(id.clone()),
            },
            Val::Known(v) => Target::Unknown(format!("it is `{v}`, not an id")),
            Val::Unknown => match self.through_config(r, path) {
                Ok(s) if s.len() == 1 => s.first().map_or(Target::Absent, |i| Target::To(*i)),
                Ok(s) => Target::Unknown(format!(
                    "the configuration refers to {} resources for it",
                    s.len()
                )),
                Err(why) => Target::Unknown(why),
            },
        }
    }

    /// What a list (or set) of ids at `path` points to, element by element:
    /// an unknown list is followed through the configuration as a whole.
    pub fn targets(&self, r: &Res, path: &[P]) -> Vec<Target> {
        if self.computed_unset(r, path) {
            return Vec::new();
        }
        match r.get(path) {
            Val::Null => Vec::new(),
            Val::Sensitive => vec![Target::Unknown("it is marked sensitive".to_owned())],
            Val::Known(Value::Array(items)) => {
                let mut out = Vec::new();
                let mut any_unknown = false;
                for (i, _) in items.iter().enumerate() {
                    let mut p = path.to_vec();
                    p.push(P::I(i));
                    match r.get(&p) {
                        Val::Unknown => any_unknown = true,
                        _ => out.push(self.target(r, &p)),
                    }
                }
                if any_unknown {
                    match self.through_config(r, path) {
                        Ok(s) => out.extend(s.into_iter().map(Target::To)),
                        Err(why) => out.push(Target::Unknown(why)),
                    }
                }
                out
            }
            Val::Known(v) => vec![Target::Unknown(format!("it is `{v}`, not a list of ids"))],
            Val::Unknown => match self.through_config(r, path) {
                Ok(s) => s.into_iter().map(Target::To).collect(),
                Err(why) => vec![Target::Unknown(why)],
            },
        }
    }
}
