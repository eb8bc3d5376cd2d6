//! JSON output: exactly the serde form of the report types, pretty-printed
//! with a trailing newline. The contract is documented field by field in
//! `docs/JSON-OUTPUT.md`; within `"version": 1` it only ever grows.

use serde::Serialize;

use crate::report::{ExposedReport, Report};

/// The JSON of a `netverify check` run.
pub fn render_report(report: &Report) -> String {
    render_value(report)
}

/// The JSON of a `netverify exposed` run.
pub fn render_exposed(report: &ExposedReport) -> String {
    render_value(report)
}

/// Pretty-printed JSON (two-space indent) with a trailing newline. Bidi,
/// C1 and invisible characters in strings are written as `\uXXXX` escapes
/// (see [`crate::escape::json_pretty`]): the values are unchanged, and the
/// text never carries them raw to a terminal.
///
/// Serialising fails only for values the report types never contain (maps
/// with non-string keys, a `Serialize` impl that errors); then the output is
/// a JSON object with one `error` field, so stdout stays valid JSON.
pub fn render_value<T: Serialize + ?Sized>(v: &T) -> String {
    let mut out = match crate::escape::json_pretty(v) {
        Ok(s) => s,
        Err(e) => {
            let fallback = serde_json::json!({ "error": format!("cannot serialise output: {e}") });
            serde_json::to_string_pretty(&fallback)
                .unwrap_or_else(|_| r#"{"error": "cannot serialise output"}"#.to_owned())
        }
    };
    out.push('\n');
    out
}
