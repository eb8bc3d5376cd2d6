//! The `terraform show -json` document (format 1.x, also OpenTofu's): the
//! resources as they will be after apply, with what is unknown and what is
//! sensitive, and the configuration that says what unknown values refer to.
//!
//! Sensitive values are blanked here, as the document is read, so that no
//! later step can copy one into an output: a sensitive attribute reads as
//! [`Val::Sensitive`], never as its value. VPN pre-shared keys are blanked
//! the same way whether or not the plan marks them.

use serde_json::Value;

use crate::import::ImportError;

/// One step of a path into a resource's attributes.
#[derive(Debug, Clone, Copy)]
pub(super) enum P<'a> {
    /// An object key (attribute or nested block name).
    K(&'a str),
    /// A list or set element.
    I(usize),
}

/// A resource that exists after apply (created, updated or unchanged).
#[derive(Debug)]
pub(super) struct Res {
    /// `module.net.aws_subnet.private[1]`.
    pub address: String,
    /// `module.net` (empty in the root module).
    pub module: String,
    pub kind: String,
    pub name: String,
    /// The plan creates it (or replaces it): a new object, which gets
    /// AWS's defaults for new objects of its kind.
    pub created: bool,
    after: Value,
    unknown: Value,
    sensitive: Value,
}

/// An attribute's planned value.
#[derive(Debug, Clone, Copy)]
pub(super) enum Val<'a> {
    Known(&'a Value),
    /// Known only after apply.
    Unknown,
    /// Marked sensitive: never read.
    Sensitive,
    /// Absent or `null`.
    Null,
}

impl Res {
    /// A resource outside the plan that the plan may name by `id` (one of
    /// `--base`): of type `kind`, named `name` in the topology. It has no
    /// configuration name, so no reference of the configuration matches it.
    pub fn outside(name: &str, kind: &str, id: &str) -> Res {
        Res {
            address: name.to_owned(),
            module: String::new(),
            kind: kind.to_owned(),
            name: String::new(),
            created: false,
            after: serde_json::json!({ "id": id }),
            unknown: Value::Null,
            sensitive: Value::Null,
        }
    }

    /// The planned value at `path`.
    pub fn get(&self, path: &[P]) -> Val<'_> {
        if marked(&self.sensitive, path) {
            return Val::Sensitive;
        }
        if marked(&self.unknown, path) {
            return Val::Unknown;
        }
        match walk(&self.after, path) {
            None | Some(Value::Null) => Val::Null,
            Some(v) => Val::Known(v),
        }
    }
}

/// The value at `path`, if the document has one.
pub(super) fn walk<'a>(v: &'a Value, path: &[P]) -> Option<&'a Value> {
    let mut cur = v;
    for p in path {
        cur = match p {
            P::K(k) => cur.get(*k)?,
            P::I(i) => cur.get(*i)?,
        };
    }
    Some(cur)
}

/// Whether a marks tree (`after_unknown`, `after_sensitive`) holds `true`
/// at `path` or at any prefix of it.
fn marked(tree: &Value, path: &[P]) -> bool {
    let mut cur = tree;
    for p in path {
        if cur == &Value::Bool(true) {
            return true;
        }
        cur = match (p, cur) {
            (P::K(k), Value::Object(m)) => match m.get(*k) {
                Some(v) => v,
                None => return false,
            },
            (P::I(i), Value::Array(a)) => match a.get(*i) {
                Some(v) => v,
                None => return false,
            },
            _ => return false,
        };
    }
    cur == &Value::Bool(true)
}

/// A read plan.
#[derive(Debug)]
pub(super) struct Plan {
    pub file: String,
    pub resources: Vec<Res>,
    /// `configuration.root_module` (or `null`).
    pub root_module: Value,
    /// `configuration.provider_config` (or `null`).
    pub provider_config: Value,
    /// `variables`: the root module's input values (or `null`).
    pub variables: Value,
    /// `errored: true`: the plan failed, so it is not the network after apply.
    pub errored: bool,
    /// `complete: false`: some changes were deferred to a later plan.
    pub incomplete: bool,
    /// Resources the plan deletes or forgets, by type (for the notes).
    pub removed: usize,
    /// Data sources read, which are not resources of the network.
    pub data_sources: usize,
    /// The resources the plan deletes (not forgets) whose id `before`
    /// knows: (address, id), for `--base`.
    pub deleted: Vec<(String, String)>,
}

/// Whether `bytes` are a `terraform show -json` document: text that opens a
/// JSON object and names `format_version` and at least one of the keys only
/// a plan has. The keys are looked for, not parsed: the plan reader parses
/// the document once, and a malformed plan is then reported as a malformed
/// plan (at its line and column), not as a malformed topology.
pub fn looks_like_plan(bytes: &[u8]) -> bool {
    let Ok(text) = decode(bytes) else {
        return false;
    };
    text.trim_start().starts_with('{')
        && text.contains("\"format_version\"")
        && [
            "\"planned_values\"",
            "\"resource_changes\"",
            "\"terraform_version\"",
        ]
        .iter()
        .any(|k| text.contains(k))
}

/// The text of the file: UTF-8 (with or without a BOM) or UTF-16 with a BOM
/// (what PowerShell's `>` writes).
fn decode(bytes: &[u8]) -> Result<String, String> {
    let utf16 = |be: bool| {
        let units: Vec<u16> = bytes[2..]
            .chunks(2)
            .map(|c| match (c, be) {
                ([a, b], true) => u16::from_be_bytes([*a, *b]),
                ([a, b], false) => u16::from_le_bytes([*a, *b]),
                // An odd trailing byte is not UTF-16: a replacement char
                // makes the JSON parser report it.
                _ => 0xFFFD,
            })
            .collect();
        String::from_utf16(&units).map_err(|e| format!("invalid UTF-16: {e}"))
    };
    match bytes {
        [0xEF, 0xBB, 0xBF, rest @ ..] => {
            String::from_utf8(rest.to_vec()).map_err(|e| format!("invalid UTF-8: {e}"))
        }
        [0xFF, 0xFE, ..] => utf16(false),
        [0xFE, 0xFF, ..] => utf16(true),
        _ => String::from_utf8(bytes.to_vec()).map_err(|e| format!("invalid UTF-8: {e}")),
    }
}

/// Attribute names whose values are secrets whether or not the plan marks
/// them: VPN tunnel pre-shared keys and the customer gateway configuration
/// (which holds them), Direct Connect BGP auth keys, MACsec CAK and CKN.
fn secret_key(k: &str) -> bool {
    k.contains("preshared_key")
        || k == "bgp_auth_key"
        || k.ends_with("_auth_key")
        || k == "customer_gateway_configuration"
        || k == "cak"
        || k == "ckn"
}

/// Replace every value marked in `marks` (and every secret-named key) with
/// `null`, and return the marks with the secret keys added.
fn redact(after: &mut Value, marks: &Value) -> Value {
    let mut marks = marks.clone();
    redact_in(after, &mut marks);
    marks
}

fn redact_in(v: &mut Value, marks: &mut Value) {
    if marks == &Value::Bool(true) {
        *v = Value::Null;
        return;
    }
    match v {
        Value::Object(m) => {
            for (k, child) in m.iter_mut() {
                if secret_key(k) {
                    *child = Value::Null;
                    if let Value::Object(mm) = marks {
                        mm.insert(k.clone(), Value::Bool(true));
                    } else {
                        let mut mm = serde_json::Map::new();
                        mm.insert(k.clone(), Value::Bool(true));
                        *marks = Value::Object(mm);
                    }
                    continue;
                }
                let mut sub = marks.get(k.as_str()).cloned().unwrap_or(Value::Null);
                redact_in(child, &mut sub);
                if let (Value::Object(mm), false) = (&mut *marks, sub.is_null()) {
                    mm.insert(k.clone(), sub);
                }
            }
        }
        Value::Array(a) => {
            for (i, child) in a.iter_mut().enumerate() {
                let mut sub = marks.get(i).cloned().unwrap_or(Value::Null);
                redact_in(child, &mut sub);
                if let (Value::Array(ma), false) = (&mut *marks, sub.is_null())
                    && let Some(slot) = ma.get_mut(i)
                {
                    *slot = sub;
                }
            }
        }
        _ => {}
    }
}

fn invalid(file: &str, path: &str, msg: String) -> ImportError {
    ImportError::Invalid {
        file: file.to_owned(),
        path: path.to_owned(),
        msg,
        help: None,
    }
}

/// [`invalid`], with what to do about it.
fn invalid_help(file: &str, path: &str, msg: String, help: &str) -> ImportError {
    ImportError::Invalid {
        file: file.to_owned(),
        path: path.to_owned(),
        msg,
        help: Some(help.to_owned()),
    }
}

/// A short, escaped-later rendering of a JSON value for an error message.
fn shown(v: &Value) -> String {
    let s = v.to_string();
    if s.chars().count() > 60 {
        format!("{}…", s.chars().take(60).collect::<String>())
    } else {
        s
    }
}

/// Read the plan in `bytes` (the contents of `file`).
pub(super) fn parse(bytes: &[u8], file: &str) -> Result<Plan, ImportError> {
    let text = decode(bytes).map_err(|m| invalid(file, "$", m))?;
    let doc: Value = serde_json::from_str(&text).map_err(|e| ImportError::Json {
        file: file.to_owned(),
        line: e.line(),
        column: e.column(),
        message: e.to_string(),
    })?;
    let Value::Object(top) = &doc else {
        return Err(invalid(
            file,
            "$",
            format!(
                "expected a `terraform show -json` object, found `{}`",
                shown(&doc)
            ),
        ));
    };
    match top.get("format_version") {
        // 0.x is what Terraform 0.12 to 1.0 wrote: the same document, before
        // it was declared stable as 1.0.
        Some(Value::String(v)) if matches!(v.split('.').next(), Some("0" | "1")) => {}
        Some(v @ Value::String(_)) => {
            return Err(invalid_help(
                file,
                "format_version",
                format!(
                    "unsupported plan format version {}: netverify reads formats 0.x and 1.x",
                    shown(v)
                ),
                "make the plan with a Terraform or OpenTofu release that writes format 1.x",
            ));
        }
        Some(v) => {
            return Err(invalid(
                file,
                "format_version",
                format!(
                    "expected a version string such as `\"1.2\"`, found `{}`",
                    shown(v)
                ),
            ));
        }
        None => {
            return Err(invalid_help(
                file,
                "format_version",
                "missing: this is not `terraform show -json` output".to_owned(),
                "run `terraform show -json plan.out > plan.json`",
            ));
        }
    }
    let errored = top.get("errored") == Some(&Value::Bool(true));
    let incomplete = top.get("complete") == Some(&Value::Bool(false));
    let changes = match top.get("resource_changes") {
        None | Some(Value::Null) => &[][..],
        Some(Value::Array(a)) => a.as_slice(),
        Some(v) => {
            return Err(invalid(
                file,
                "resource_changes",
                format!("expected a list, found `{}`", shown(v)),
            ));
        }
    };
    let mut resources = Vec::new();
    let mut removed = 0;
    let mut deleted = Vec::new();
    let mut data_sources = 0;
    for (i, rc) in changes.iter().enumerate() {
        let path = |k: &str| format!("resource_changes[{i}].{k}");
        let s = |k: &str| -> Result<String, ImportError> {
            match rc.get(k) {
                Some(Value::String(s)) => Ok(s.clone()),
                Some(v) => Err(invalid(
                    file,
                    &path(k),
                    format!("expected a string, found `{}`", shown(v)),
                )),
                None => Err(invalid(file, &path(k), "missing".to_owned())),
            }
        };
        let address = s("address")?;
        let kind = s("type")?;
        let name = s("name")?;
        let mode = rc.get("mode").and_then(Value::as_str).unwrap_or("managed");
        if mode == "data" {
            data_sources += 1;
            continue;
        }
        let change = rc.get("change").unwrap_or(&Value::Null);
        let actions: Vec<&str> = match change.get("actions") {
            Some(Value::Array(a)) => a.iter().filter_map(Value::as_str).collect(),
            Some(v) => {
                return Err(invalid(
                    file,
                    &path("change.actions"),
                    format!("expected a list of actions, found `{}`", shown(v)),
                ));
            }
            None => {
                return Err(invalid(file, &path("change.actions"), "missing".to_owned()));
            }
        };
        for a in &actions {
            if !["create", "update", "no-op", "delete", "read", "forget"].contains(a) {
                return Err(invalid_help(
                    file,
                    &path("change.actions"),
                    format!("unknown action `{a}`"),
                    "the actions of format 1.x are `create`, `update`, `no-op`, `delete`, `read` and `forget`",
                ));
            }
        }
        // After apply, the resource exists if the plan creates, updates or
        // keeps it; `delete` alone and `forget` take it out of the network
        // (a `forget` leaves the object in AWS, but no longer managed here:
        // the plan no longer describes it).
        let exists = actions
            .iter()
            .any(|a| matches!(*a, "create" | "update" | "no-op"));
        if !exists {
            removed += 1;
            if actions.contains(&"delete")
                && let Some(Value::String(id)) = change.get("before").and_then(|b| b.get("id"))
            {
                deleted.push((address, id.clone()));
            }
            continue;
        }
        let mut after = change.get("after").cloned().unwrap_or(Value::Null);
        let marks = change
            .get("after_sensitive")
            .cloned()
            .unwrap_or(Value::Null);
        let sensitive = redact(&mut after, &marks);
        let module = rc
            .get("module_address")
            .and_then(Value::as_str)
            .unwrap_or("")
            .to_owned();
        resources.push(Res {
            address,
            module,
            kind,
            name,
            created: actions.contains(&"create"),
            after,
            unknown: change.get("after_unknown").cloned().unwrap_or(Value::Null),
            sensitive,
        });
    }
    let root_module = top
        .get("configuration")
        .and_then(|c| c.get("root_module"))
        .cloned()
        .unwrap_or(Value::Null);
    let provider_config = top
        .get("configuration")
        .and_then(|c| c.get("provider_config"))
        .cloned()
        .unwrap_or(Value::Null);
    // A variable declared `sensitive` is never read (its value could
    // otherwise reach an output through an evaluated index or a Region).
    let mut variables = top.get("variables").cloned().unwrap_or(Value::Null);
    if let Value::Object(vars) = &mut variables {
        vars.retain(|k, _| {
            root_module
                .get("variables")
                .and_then(|v| v.get(k))
                .and_then(|v| v.get("sensitive"))
                != Some(&Value::Bool(true))
        });
    }
    Ok(Plan {
        file: file.to_owned(),
        resources,
        root_module,
        provider_config,
        variables,
        errored,
        incomplete,
        removed,
        data_sources,
        deleted,
    })
}
