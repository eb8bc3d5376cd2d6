//! Errors from reading and validating a topology.
//!
//! Every problem is a [`Diagnostic`]: a message in the project's error style
//! (lowercase, no final period, user values in backticks), the file, a 1-based
//! line and column, and an optional `help` line (usually a fuzzy "did you mean
//! …?"). A [`LoadError`] holds one diagnostic for I/O and parse failures, and
//! every diagnostic found in one pass for validation failures.

use std::io;

use crate::escape::terminal;

pub use crate::diag::Diagnostic;

/// Why a topology could not be loaded.
#[derive(Debug, thiserror::Error)]
pub enum LoadError {
    /// The file could not be read.
    #[error("{diagnostic}")]
    Io {
        diagnostic: Box<Diagnostic>,
        #[source]
        source: io::Error,
    },
    /// The input is larger than the loader accepts.
    #[error("{0}")]
    TooLarge(Box<Diagnostic>),
    /// The text is not YAML of the topology format (malformed YAML, unknown
    /// key, wrong type, duplicate key, resource budget exceeded).
    #[error("{0}")]
    Parse(Box<Diagnostic>),
    /// The file parsed, but is not a valid topology: every problem found.
    #[error("{}", join_lines(.0))]
    Invalid(Vec<Diagnostic>),
}

impl LoadError {
    /// Every diagnostic, in file order for validation errors.
    pub fn diagnostics(&self) -> &[Diagnostic] {
        match self {
            LoadError::Io { diagnostic, .. } => std::slice::from_ref(&**diagnostic),
            LoadError::TooLarge(d) | LoadError::Parse(d) => std::slice::from_ref(&**d),
            LoadError::Invalid(ds) => ds,
        }
    }

    /// Render every diagnostic (see [`Diagnostic::render`]), separated by
    /// blank lines, with a closing count when there are several.
    pub fn render(&self, source: Option<&str>) -> String {
        let diags = self.diagnostics();
        let mut out = diags
            .iter()
            .map(|d| d.render(source))
            .collect::<Vec<_>>()
            .join("\n");
        if diags.len() > 1 {
            let file = diags.first().map(|d| terminal(&d.file)).unwrap_or_default();
            out.push_str(&format!(
                "\nerror: could not load `{file}` due to {} errors\n",
                diags.len()
            ));
        }
        out
    }
}

fn join_lines(diags: &[Diagnostic]) -> String {
    diags
        .iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join("\n")
}

pub(super) use crate::diag::token_len;
