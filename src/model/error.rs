//! Errors from reading and validating a topology.
//!
//! Every problem is a [`Diagnostic`]: a message in the project's error style
//! (lowercase, no final period, user values in backticks), the file, a 1-based
//! line and column, and an optional `help` line (usually a fuzzy "did you mean
//! …?"). A [`LoadError`] holds one diagnostic for I/O and parse failures, and
//! every diagnostic found in one pass for validation failures.

use std::fmt;
use std::io;

use crate::escape::terminal;

use super::spanned::Pos;

/// One problem in a topology file, at a position.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Diagnostic {
    /// What is wrong, e.g. ``route table `rtb-pub` routes `0.0.0.0/0` to unknown target `igw-mian` ``.
    pub message: String,
    /// The file, as given on the command line.
    pub file: String,
    /// 1-based line; `0` when the position is not known.
    pub line: u32,
    /// 1-based column (in characters); `0` when the position is not known.
    pub column: u32,
    /// A hint, e.g. ``did you mean `igw-main`?``.
    pub help: Option<String>,
}

impl Diagnostic {
    /// A diagnostic at `pos` in `file`.
    pub fn new(file: &str, pos: Pos, message: impl Into<String>) -> Diagnostic {
        Diagnostic {
            message: message.into(),
            file: file.to_owned(),
            line: pos.line,
            column: pos.column,
            help: None,
        }
    }

    /// The same diagnostic with a help line (or none).
    pub fn with_help(mut self, help: Option<String>) -> Diagnostic {
        self.help = help;
        self
    }

    /// Where it points.
    pub fn pos(&self) -> Pos {
        Pos {
            line: self.line,
            column: self.column,
        }
    }

    /// `file:line:column`, or just the file when the position is unknown.
    pub fn location(&self) -> String {
        if self.line == 0 {
            terminal(&self.file).into_owned()
        } else {
            format!("{}:{}:{}", terminal(&self.file), self.line, self.column)
        }
    }

    /// Render in the rustc/cedar style, with a source snippet when `source`
    /// (the text of the file) is given and the position is known:
    ///
    /// ```text
    /// error: route table `rtb-pub` routes `0.0.0.0/0` to unknown target `igw-mian`
    ///   --> topologies/web.yaml:41:15
    ///    |
    /// 41 |       target: igw-mian
    ///    |               ^^^^^^^^
    ///    = help: did you mean `igw-main`?
    /// ```
    pub fn render(&self, source: Option<&str>) -> String {
        let snippet = source
            .and_then(|s| source_line(s, self.line))
            .map(redact_secret);
        let width = if snippet.is_some() {
            digits(self.line)
        } else {
            1
        };
        let pad = " ".repeat(width);
        let mut out = format!("error: {}\n", terminal(&self.message));
        out.push_str(&format!("{pad}--> {}\n", self.location()));
        if let Some(text) = snippet {
            // Hazards in the line are escaped visibly; the caret moves with
            // them, so it still marks the characters the parser pointed at.
            let start = self.column.saturating_sub(1) as usize;
            let len = token_len(&text, start).max(1);
            let (shown, start, len) = crate::escape::snippet(&text, start, len, MAX_SNIPPET);
            out.push_str(&format!("{pad} |\n"));
            out.push_str(&format!("{} | {}\n", self.line, shown.trim_end()));
            out.push_str(&format!(
                "{pad} | {}{}\n",
                " ".repeat(start),
                "^".repeat(len)
            ));
        }
        if let Some(help) = &self.help {
            out.push_str(&format!("{pad} = help: {}\n", terminal(help)));
        }
        out
    }
}

impl fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.location(), terminal(&self.message))?;
        if let Some(help) = &self.help {
            write!(f, " (help: {})", terminal(help))?;
        }
        Ok(())
    }
}

/// Why a topology could not be loaded.
#[derive(Debug, thiserror::Error)]
pub enum LoadError {
    /// The file could not be read.
    #[error("{diagnostic}")]
    Io {
        diagnostic: Diagnostic,
        #[source]
        source: io::Error,
    },
    /// The input is larger than the loader accepts.
    #[error("{0}")]
    TooLarge(Diagnostic),
    /// The text is not YAML of the topology format (malformed YAML, unknown
    /// key, wrong type, duplicate key, resource budget exceeded).
    #[error("{0}")]
    Parse(Diagnostic),
    /// The file parsed, but is not a valid topology: every problem found.
    #[error("{}", join_lines(.0))]
    Invalid(Vec<Diagnostic>),
}

impl LoadError {
    /// Every diagnostic, in file order for validation errors.
    pub fn diagnostics(&self) -> &[Diagnostic] {
        match self {
            LoadError::Io { diagnostic, .. } => std::slice::from_ref(diagnostic),
            LoadError::TooLarge(d) | LoadError::Parse(d) => std::slice::from_ref(d),
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

/// The widest source line shown in a snippet, in characters.
const MAX_SNIPPET: usize = 100;

fn digits(n: u32) -> usize {
    n.to_string().len()
}

/// Key names that hold secrets (VPN pre-shared keys and the like). A
/// topology has no such field, but a user may paste one in: the error for
/// the unknown key must not print its value.
const SECRET_KEYS: &[&str] = &[
    "pre_shared_key",
    "presharedkey",
    "pre-shared-key",
    "psk",
    "secret",
    "password",
    "cak",
];

/// The line with the value of a secret-looking key replaced.
fn redact_secret(line: &str) -> std::borrow::Cow<'_, str> {
    let lower = line.to_ascii_lowercase();
    for key in SECRET_KEYS {
        let mut from = 0;
        while let Some(i) = lower[from..].find(key) {
            let at = from + i;
            let after = at + key.len();
            let before_ok = at == 0
                || !lower.as_bytes()[at - 1].is_ascii_alphanumeric()
                    && lower.as_bytes()[at - 1] != b'_';
            let rest = lower[after..].trim_start_matches(['"', '\'', ' ']);
            if before_ok && rest.starts_with(':') {
                let colon = after + lower[after..].find(':').unwrap_or(0);
                return format!("{} <redacted>", &line[..=colon]).into();
            }
            from = after;
        }
    }
    line.into()
}

/// The 1-based line `line` of `source`, if it exists.
fn source_line(source: &str, line: u32) -> Option<&str> {
    if line == 0 {
        return None;
    }
    let source = source.strip_prefix('\u{feff}').unwrap_or(source);
    source
        .split('\n')
        .nth(line as usize - 1)
        .map(|l| l.strip_suffix('\r').unwrap_or(l))
}

/// How many characters the YAML token starting at character `start` spans:
/// a quoted scalar up to its closing quote, otherwise a plain scalar up to a
/// comment, or up to a flow indicator when the line is a flow collection.
pub(super) fn token_len(line: &str, start: usize) -> usize {
    let chars: Vec<char> = line.chars().collect();
    let Some(&first) = chars.get(start) else {
        return 1;
    };
    if first == '[' || first == '{' {
        return 1;
    }
    if first == '"' || first == '\'' {
        let mut i = start + 1;
        while let Some(&c) = chars.get(i) {
            if c == first {
                if first == '\'' && chars.get(i + 1) == Some(&'\'') {
                    i += 2;
                    continue;
                }
                return i + 1 - start;
            }
            if c == '\\' && first == '"' {
                i += 1;
            }
            i += 1;
        }
        return chars.len() - start;
    }
    let in_flow = chars[..start].iter().any(|&c| c == '[' || c == '{');
    let mut end = start;
    while let Some(&c) = chars.get(end) {
        if c == '#' && end > start && chars.get(end - 1).is_some_and(|p| p.is_whitespace()) {
            break;
        }
        if in_flow && matches!(c, ',' | ']' | '}') {
            break;
        }
        end += 1;
    }
    while end > start && chars.get(end - 1).is_some_and(|c| c.is_whitespace()) {
        end -= 1;
    }
    end - start
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renders_like_rustc() {
        let src = "a: 1\nroutes:\n  - target: igw-mian # typo\n";
        let d = Diagnostic::new(
            "web.yaml",
            Pos {
                line: 3,
                column: 13,
            },
            "unknown target `igw-mian`",
        )
        .with_help(Some("did you mean `igw-main`?".into()));
        assert_eq!(
            d.render(Some(src)),
            "error: unknown target `igw-mian`\n --> web.yaml:3:13\n  |\n3 |   - target: igw-mian # typo\n  |             ^^^^^^^^\n  = help: did you mean `igw-main`?\n"
        );
        assert_eq!(
            d.render(None),
            "error: unknown target `igw-mian`\n --> web.yaml:3:13\n  = help: did you mean `igw-main`?\n"
        );
    }

    #[test]
    fn token_lengths() {
        assert_eq!(token_len("x: \"a b\" # c", 3), 5);
        assert_eq!(token_len("x: [a, bb]", 7), 2);
        assert_eq!(token_len("x: a, b", 3), 4);
        assert_eq!(token_len("x:", 5), 1);
        assert_eq!(token_len("x: [[a]]", 3), 1);
    }

    #[test]
    fn control_characters_are_escaped() {
        let d = Diagnostic::new("f", Pos::default(), "bad `\u{1b}[31m`");
        assert!(!d.render(None).contains('\u{1b}'));
    }

    #[test]
    fn snippet_line_is_escaped_and_the_caret_follows() {
        let src = "a: 1\n  - target: \"igw\u{202e}\u{1b}[2J\" # x\n";
        let d = Diagnostic::new(
            "web\u{202e}.yaml",
            Pos {
                line: 2,
                column: 13,
            },
            "unknown target `igw\u{202e}\u{1b}[2J`",
        );
        let out = d.render(Some(src));
        assert!(
            !out.contains('\u{202e}') && !out.contains('\u{1b}'),
            "{out}"
        );
        assert_eq!(
            out,
            "error: unknown target `igw\\u{202e}\\x1b[2J`\n --> web\\u{202e}.yaml:2:13\n  |\n2 |   - target: \"igw\\u{202e}\\x1b[2J\" # x\n  |             ^^^^^^^^^^^^^^^^^^^^\n"
        );
    }
}
