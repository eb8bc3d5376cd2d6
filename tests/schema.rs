//! The committed JSON Schema of the topology format must match the types.
//!
//! Regenerate it with `NETVERIFY_BLESS=1 cargo test --test schema`.

#![allow(clippy::unwrap_used, reason = "a test fails by panicking")]

use std::path::Path;

use netverify::model::{json_schema, json_schema_text};

const PATH: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/schema/topology.schema.json");

#[test]
fn committed_schema_matches_the_types() {
    let generated = json_schema_text();
    if std::env::var_os("NETVERIFY_BLESS").is_some_and(|v| v == "1") {
        std::fs::create_dir_all(Path::new(PATH).parent().unwrap()).unwrap();
        std::fs::write(PATH, &generated).unwrap();
        return;
    }
    let committed = std::fs::read_to_string(PATH).unwrap_or_default();
    assert!(
        committed == generated,
        "schema/topology.schema.json is out of date with src/model/format.rs; \
         regenerate it with `NETVERIFY_BLESS=1 cargo test --test schema` and commit the result"
    );
}

#[test]
fn schema_describes_the_format() {
    let schema = json_schema();
    assert_eq!(
        schema["$schema"],
        "https://json-schema.org/draft/2020-12/schema"
    );
    assert_eq!(schema["$id"], "urn:netverify:topology:1");
    assert!(
        schema["title"]
            .as_str()
            .is_some_and(|t| t.contains("netverify"))
    );
    // Unknown keys are rejected, as the loader does.
    assert_eq!(schema["additionalProperties"], false);
    assert_eq!(schema["required"], serde_json::json!(["version"]));
    let vpc = &schema["$defs"]["Vpc"];
    assert_eq!(vpc["additionalProperties"], false);
    assert!(vpc["properties"]["cidrs"].is_object());
    // Positions are not part of the format.
    assert!(!json_schema_text().contains("\"line\""));
}

#[test]
fn schema_text_is_pretty_with_trailing_newline() {
    let text = json_schema_text();
    assert!(text.starts_with("{\n  \""));
    assert!(text.ends_with("}\n"));
    let parsed: serde_json::Value = serde_json::from_str(&text).unwrap();
    assert_eq!(parsed, json_schema());
}
