//! The network before a plan: its `prior_state` (what `terraform show
//! -json` records of the state the plan starts from), for `netverify diff
//! plan.json`.
//!
//! The prior state's resources are the same objects, in the same schema,
//! as the plan's planned values, so they go through the one mapping: each
//! becomes a resource the plan keeps unchanged (`no-op`, its values as
//! both `before` and `after`, nothing unknown), and that document is
//! imported like any plan. A plan without `prior_state` (a new stack)
//! starts from an empty network.

use serde_json::{Map, Value, json};

use crate::import::{ImportError, Imported};

/// The resources of a state module (`values.root_module` or one of its
/// `child_modules`), recursively, as `no-op` resource changes.
fn changes(module: &Value, out: &mut Vec<Value>) {
    let module_address = module.get("address").and_then(Value::as_str);
    for r in module
        .get("resources")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        let values = r.get("values").cloned().unwrap_or(Value::Null);
        let mut rc = Map::new();
        for k in ["address", "mode", "type", "name", "index", "provider_name"] {
            if let Some(v) = r.get(k) {
                rc.insert(k.to_owned(), v.clone());
            }
        }
        if let Some(m) = module_address {
            rc.insert("module_address".to_owned(), json!(m));
        }
        rc.insert(
            "change".to_owned(),
            json!({
                "actions": ["no-op"],
                "before": values,
                "after": values,
                "after_unknown": {},
                "after_sensitive": r.get("sensitive_values").cloned().unwrap_or(json!({})),
            }),
        );
        out.push(Value::Object(rc));
    }
    for c in module
        .get("child_modules")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        changes(c, out);
    }
}

/// The topology of the plan's `prior_state`. `bytes` must be a plan that
/// [`super::import_plan_bytes`] reads (its errors are reported there
/// first); a document that is not a JSON object imports as empty.
pub fn import_prior_bytes(bytes: &[u8], file: &str) -> Result<Imported, ImportError> {
    let doc: Value = serde_json::from_slice(bytes).map_err(|e| ImportError::Json {
        file: file.to_owned(),
        line: e.line(),
        column: e.column(),
        message: e.to_string(),
    })?;
    let mut out = Vec::new();
    if let Some(root) = doc
        .get("prior_state")
        .and_then(|s| s.get("values"))
        .and_then(|v| v.get("root_module"))
    {
        changes(root, &mut out);
    }
    let mut prior = Map::new();
    prior.insert(
        "format_version".to_owned(),
        doc.get("format_version").cloned().unwrap_or(json!("1.2")),
    );
    prior.insert("resource_changes".to_owned(), Value::Array(out));
    if let Some(c) = doc.get("configuration") {
        prior.insert("configuration".to_owned(), c.clone());
    }
    let text = serde_json::to_vec(&Value::Object(prior)).map_err(|e| ImportError::Invalid {
        file: file.to_owned(),
        path: "prior_state".to_owned(),
        msg: e.to_string(),
        help: None,
    })?;
    super::import_plan_bytes(&text, &format!("{file} (prior_state)"))
}
