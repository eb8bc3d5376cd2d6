//! `import snapshot`: an offline AWS snapshot (describe-* JSON files, the
//! layout in the README, "Importing from AWS") → a topology file; and
//! `import aws` ([`live`]): a live account read through the AWS SDK, turned
//! into the same snapshot documents and built by the same code.
//!
//! The importer fails closed: data the checks need but the snapshot lacks
//! becomes a `gaps` entry, never a silent assumption. Secrets-bearing
//! outputs (VPN connections, customer gateway configurations) are not read
//! from snapshots at all, and the live import drops their secret fields as
//! it maps the SDK's answers, so nothing of them can reach the output.

mod aws;
mod build;
#[cfg(feature = "live")]
pub mod live;
mod read;
pub mod terraform;

use std::collections::BTreeMap;
use std::path::Path;

use crate::diag::{Diagnostic, Pos};
use crate::model::LoadError;
use crate::model::format::TopologyFile;

/// The result of an import.
#[derive(Debug, Clone)]
pub struct Imported {
    pub file: TopologyFile,
    /// Top-level keys that were recognised as AWS outputs but are not used,
    /// with the number of files that hold them.
    pub skipped_keys: BTreeMap<String, usize>,
    /// Things the user should know (derived nodes, dropped records).
    pub notes: Vec<String>,
}

/// Why a snapshot could not be imported.
#[derive(Debug, thiserror::Error)]
pub enum ImportError {
    #[error("`{0}` is not a directory")]
    NotADirectory(String),
    #[error("no json files under `{0}`")]
    NoFiles(String),
    #[error("{path}: cannot read: {message}")]
    Io { path: String, message: String },
    #[error("{file}:{line}:{column}: malformed json: {message}")]
    Json {
        file: String,
        line: usize,
        column: usize,
        message: String,
    },
    #[error("{file}: {path}: {msg}")]
    Invalid {
        file: String,
        path: String,
        msg: String,
        /// What to do about it.
        help: Option<String>,
    },
    #[error("cannot write `{path}`: {message}")]
    Write { path: String, message: String },
    /// `import aws`: the account could not be read at all.
    #[error("{message}")]
    Live {
        message: String,
        /// What to do about it.
        help: Option<String>,
    },
    /// The data holds an inconsistency the importer does not check yet, so
    /// the topology it built would not load: it is not written. The load
    /// errors point into the YAML it would have written.
    #[error("the topology imported from this data would not load, so none is written:\n{errors}")]
    Unloadable {
        errors: Box<LoadError>,
        yaml: String,
        from: Source,
    },
}

/// Where an import read its data from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Source {
    /// describe-* outputs: a snapshot directory or a live account.
    Aws,
    /// A Terraform plan (`terraform show -json`).
    TerraformPlan,
}

impl ImportError {
    /// A live-import error without a help line.
    pub fn live(message: impl Into<String>) -> ImportError {
        ImportError::Live {
            message: message.into(),
            help: None,
        }
    }

    /// A live-import error with what to do about it.
    pub fn live_help(message: impl Into<String>, help: impl Into<String>) -> ImportError {
        ImportError::Live {
            message: message.into(),
            help: Some(help.into()),
        }
    }

    /// The error as one diagnostic (for [`ImportError::Unloadable`], the
    /// heading; [`ImportError::render`] adds the load errors under it).
    pub fn diagnostic(&self) -> Diagnostic {
        let at = |file: &str, message: String| Diagnostic::new(file, Pos::default(), message);
        let nowhere = |message: String| Diagnostic::new("", Pos::default(), message);
        match self {
            ImportError::NotADirectory(_) | ImportError::NoFiles(_) => nowhere(self.to_string()),
            ImportError::Io { path, message } => at(path, format!("cannot read: {message}")),
            ImportError::Json {
                file,
                line,
                column,
                message,
            } => Diagnostic::new(
                file,
                Pos::at(u32::try_from(*line).unwrap_or(u32::MAX), u32::try_from(*column).unwrap_or(u32::MAX)),
                format!("malformed json: {message}"),
            ),
            ImportError::Invalid {
                file,
                path,
                msg,
                help,
            } => at(file, format!("{path}: {msg}")).with_help_opt(help.clone()),
            ImportError::Write { .. } => nowhere(self.to_string()),
            ImportError::Live { message, help } => {
                nowhere(message.clone()).with_help_opt(help.clone())
            }
            ImportError::Unloadable { from, .. } => nowhere(
                "the topology imported from this data would not load, so none is written".into(),
            )
            .with_help(match from {
                Source::Aws => {
                    "this is an importer bug; please report it with the snapshot (`--save-snapshot`)"
                }
                Source::TerraformPlan => {
                    "the plan holds a value the topology rejects (below): fix it in the Terraform configuration; if AWS accepts the value, this is an importer bug, please report it with the plan"
                }
            }),
        }
    }

    /// The error for the terminal, escaped, by the one diagnostic renderer.
    pub fn render(&self) -> String {
        let mut out = self.diagnostic().render(None);
        if let ImportError::Unloadable { errors, yaml, .. } = self {
            out.push_str(&errors.render(Some(yaml)));
        }
        out
    }
}

/// The top-level key of the file that records what a live import could
/// not read, so that a replayed snapshot has the same gaps. Here, not in
/// [`live`], because the snapshot reader needs it in every build.
pub const GAPS_KEY: &str = "NetverifyImportGaps";

/// Import the snapshot in `dir` (the snapshot folder, or its `aws_configs`).
pub fn import_snapshot(dir: &Path) -> Result<Imported, ImportError> {
    let raw = read::read_snapshot(dir)?;
    loadable(build::build(raw)?, Source::Aws)
}

/// The last guard of "import never writes a file its loader rejects": the
/// importer turns the inconsistencies it knows into gaps; any other reason
/// the loader has to reject the result is an error (exit 2), not a file.
fn loadable(imported: Imported, from: Source) -> Result<Imported, ImportError> {
    let yaml = to_yaml(&imported.file);
    match crate::model::load_str(&yaml, "imported.yaml") {
        Ok(_) => Ok(imported),
        Err(errors) => Err(ImportError::Unloadable {
            errors: Box::new(errors),
            yaml,
            from,
        }),
    }
}

/// The topology as YAML. Deterministic: the same file gives the same bytes.
pub fn to_yaml(file: &TopologyFile) -> String {
    match serde_saphyr::to_string(file) {
        Ok(s) if s.chars().any(|c| c != '\n' && crate::escape::hazard(c)) => to_yaml_escaped(file),
        Ok(s) => drop_empty_fields(&s),
        // Serializing plain data structures does not fail; if it ever does,
        // the output is a comment that the loader will reject.
        Err(e) => format!("# cannot serialize topology: {e}\n"),
    }
}

/// The topology as YAML when a name, tag or description holds a bidi,
/// control or invisible character: every string quoted, and those
/// characters written as escapes (see [`crate::escape::yaml_quoted`]), so
/// that the output never carries them raw to a terminal.
fn to_yaml_escaped(file: &TopologyFile) -> String {
    let mut opts = serde_saphyr::SerializerOptions::default();
    opts.quote_all = true;
    opts.prefer_block_scalars = false;
    match serde_saphyr::to_string_with_options(file, opts) {
        Ok(s) => crate::escape::yaml_quoted(&drop_empty_fields(&s)).unwrap_or_else(|| {
            "# cannot serialize topology: a string holds a character that cannot be written escaped\n".to_owned()
        }),
        Err(e) => format!("# cannot serialize topology: {e}\n"),
    }
}

/// Remove the lines of fields left at their defaults (`null`, `[]`, `{}`):
/// every such field of the format is optional, so the file means the same
/// and reads better. Only snake_case keys of the format's own mappings are
/// touched (except `entries`, where `[]` means known empty), never a quoted
/// value. When a list item's first key is dropped, the item's next key (if
/// it has one) takes its `- ` so the structure is unchanged.
fn drop_empty_fields(yaml: &str) -> String {
    let is_empty = |t: &str| {
        ["null", "[]", "{}"].iter().any(|v| {
            t.split_once(": ").is_some_and(|(k, rest)| {
                rest == *v
                    && !k.is_empty()
                    // `entries: []` (known empty) differs from no entries (unknown).
                    && k != "entries"
                    && k.bytes()
                        .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_')
            })
        })
    };
    let mut out = String::with_capacity(yaml.len());
    // The `- ` prefix (with its indentation) owed to the next kept line of
    // the same list item.
    let mut owed: Option<String> = None;
    for line in yaml.lines() {
        let indent = line.len() - line.trim_start().len();
        let t = line.trim_start();
        if let Some(item) = t.strip_prefix("- ") {
            if let Some(o) = owed.take() {
                out.push_str(&o);
                out.push_str("{}\n");
            }
            if is_empty(item) {
                owed = Some(format!("{}- ", " ".repeat(indent)));
                continue;
            }
            out.push_str(line);
            out.push('\n');
            continue;
        }
        if let Some(o) = &owed {
            // A line of the same item sits two columns right of its `- `.
            if indent == o.len() {
                if is_empty(t) {
                    continue;
                }
                out.push_str(o);
                out.push_str(t);
                out.push('\n');
                owed = None;
                continue;
            }
            if indent < o.len() {
                out.push_str(o);
                out.push_str("{}\n");
                owed = None;
            }
        }
        if !is_empty(t) {
            out.push_str(line);
            out.push('\n');
        }
    }
    if let Some(o) = owed {
        out.push_str(&o);
        out.push_str("{}\n");
    }
    out
}
