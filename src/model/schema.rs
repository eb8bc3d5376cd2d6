//! The JSON Schema of the topology format, generated from the types in
//! [`super::format`]. The committed copy lives in
//! `schema/topology.schema.json`; `tests/schema.rs` fails when it drifts.

use serde_json::{Value, json};

use super::format::TopologyFile;

/// The `$id` of the schema.
pub const SCHEMA_ID: &str = "urn:netverify:topology:1";

/// The JSON Schema (draft 2020-12) of a topology file.
pub fn json_schema() -> Value {
    let mut schema = schemars::schema_for!(TopologyFile);
    schema.insert("$id".into(), json!(SCHEMA_ID));
    schema.insert(
        "title".into(),
        json!("netverify topology, format version 1"),
    );
    schema.to_value()
}

/// [`json_schema`] as pretty-printed JSON with a trailing newline: the
/// exact bytes of `schema/topology.schema.json`.
pub fn json_schema_text() -> String {
    let mut text = serde_json::to_string_pretty(&json_schema()).unwrap_or_default();
    text.push('\n');
    text
}
