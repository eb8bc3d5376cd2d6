//! Renderers: turn a [`Report`] or an [`ExposedReport`] into text for
//! people, versioned JSON (a stable contract, see `docs/JSON-OUTPUT.md`) or
//! SARIF 2.1.0 for GitHub code scanning.
//!
//! Renderers know nothing about AWS: they only lay out the data in
//! [`crate::report`]. Every renderer is deterministic: the same report gives
//! the same bytes.

pub mod answer;
pub mod diff;
pub mod dot;
pub mod json;
pub mod mermaid;
pub mod sarif;
pub mod text;

use serde::Serialize;

use crate::report::{ExposedReport, Report};

/// An output format, as chosen with `--format`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, clap::ValueEnum)]
pub enum Format {
    /// Human-readable text, coloured when the terminal allows it.
    #[default]
    Text,
    /// Versioned JSON (`"version": 1`), documented in `docs/JSON-OUTPUT.md`.
    Json,
    /// SARIF 2.1.0, for GitHub code scanning.
    Sarif,
}

/// How text output looks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct TextOptions {
    /// Emit ANSI colour codes.
    pub color: bool,
}

impl TextOptions {
    /// Decide colour from the environment, for output going to a stream that
    /// is (`is_terminal`) or is not a terminal.
    ///
    /// In order: a non-empty `NO_COLOR` disables colour (<https://no-color.org>);
    /// a `CLICOLOR_FORCE` that is set and not `0` forces it; `CLICOLOR=0` or
    /// `TERM=dumb` disables it; otherwise colour follows `is_terminal`.
    pub fn from_env(is_terminal: bool) -> TextOptions {
        TextOptions::from_vars(is_terminal, |name| {
            std::env::var_os(name).map(|v| v.to_string_lossy().into_owned())
        })
    }

    /// [`TextOptions::from_env`] over any variable lookup, so that the policy
    /// can be tested without touching the process environment.
    pub fn from_vars(is_terminal: bool, var: impl Fn(&str) -> Option<String>) -> TextOptions {
        let set = |name: &str| var(name).filter(|v| !v.is_empty());
        let color = if set("NO_COLOR").is_some() {
            false
        } else if set("CLICOLOR_FORCE").is_some_and(|v| v != "0") {
            true
        } else if set("CLICOLOR").is_some_and(|v| v == "0")
            || set("TERM").is_some_and(|v| v == "dumb")
        {
            false
        } else {
            is_terminal
        };
        TextOptions { color }
    }
}

/// Render the result of `netverify check` in `format`. `opts` only matters
/// for [`Format::Text`].
pub fn render_report(report: &Report, format: Format, opts: &TextOptions) -> String {
    match format {
        Format::Text => text::render_report(report, opts),
        Format::Json => json::render_report(report),
        Format::Sarif => sarif::render_report(report),
    }
}

/// Render the result of `netverify exposed` in `format`.
///
/// SARIF has no place for a list of reachable resources without findings, so
/// [`Format::Sarif`] renders the same JSON as [`Format::Json`]; the CLI
/// should offer only `text` and `json` for this command.
pub fn render_exposed(report: &ExposedReport, format: Format, opts: &TextOptions) -> String {
    match format {
        Format::Text => text::render_exposed(report, opts),
        Format::Json | Format::Sarif => json::render_exposed(report),
    }
}

/// Pretty-printed JSON of any serialisable value, with a trailing newline,
/// for outputs other than the two reports.
///
/// The report types cannot fail to serialise; should some other value fail
/// (a map with non-string keys, say), the result is a JSON object
/// `{"error": "..."}` rather than a panic.
pub fn render_json_value<T: Serialize + ?Sized>(v: &T) -> String {
    json::render_value(v)
}
