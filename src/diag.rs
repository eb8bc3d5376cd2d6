//! The one diagnostic type and its one renderer, in cedar's style: a
//! lowercase message with user values in backticks, where it is, the line
//! it points at with a caret (and a label under it), and a `help` line
//! (usually a "did you mean …?").
//!
//! A diagnostic points into a text file (`file:line:column`, a topology or
//! a `.tf` file) or into a one-line input (a query, [`Diagnostic::in_input`]).
//! Everything it prints goes through [`crate::escape`], so a name with a
//! control character or a bidi override cannot reach the terminal raw.
//!
//! ```text
//! error: route table `rtb-pub` routes `0.0.0.0/0` to unknown target `igw-mian`
//!   --> topologies/web.yaml:41:15
//!    |
//! 41 |       target: igw-mian
//!    |               ^^^^^^^^
//!    = help: did you mean `igw-main`?
//! ```

use std::fmt;

use serde::Serialize;

use crate::escape::{snippet, terminal};

/// A 1-based line and column in a text file (`0:0` when not known).
///
/// A record imported from another kind of source (a Terraform plan with
/// its `.tf` files) has no place in a topology file; its position is then
/// `0:0` with `site` naming its place in that source: `Topology::sites`
/// (1-based; `0` is none).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
pub struct Pos {
    pub line: u32,
    pub column: u32,
    #[serde(skip)]
    pub site: u32,
}

impl Pos {
    /// True when the position is not known (values built in code, not parsed).
    pub fn is_unknown(self) -> bool {
        self.line == 0
    }

    /// A place in a topology file.
    pub fn at(line: u32, column: u32) -> Pos {
        Pos {
            line,
            column,
            site: 0,
        }
    }

    /// The place numbered `site` (1-based) in `Topology::sites`.
    pub fn site(site: u32) -> Pos {
        Pos {
            line: 0,
            column: 0,
            site,
        }
    }
}

/// A place in a source other than the topology file: a line of a `.tf`
/// file, with the text written there and, for a resource inside a module,
/// the module calls that lead to it (outermost first).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Site {
    pub file: String,
    pub line: u32,
    pub column: u32,
    /// The first line of what is written there, e.g.
    /// `cidr_blocks = ["0.0.0.0/0"]`.
    pub text: String,
    /// The `module "x" {` lines that lead to it, outermost first.
    pub calls: Vec<Site>,
}

impl fmt::Display for Pos {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}", self.line, self.column)
    }
}

/// A byte range of a one-line input (a query).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Span {
    pub start: usize,
    pub end: usize,
}

/// One problem, with where it is and what might fix it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Diagnostic {
    /// What is wrong, e.g. ``route table `rtb-pub` routes `0.0.0.0/0` to unknown target `igw-mian` ``.
    pub message: String,
    /// The file, as given on the command line; empty for a one-line input
    /// or when the message says what it is about.
    pub file: String,
    /// 1-based line; `0` when the position is not known.
    pub line: u32,
    /// 1-based column (in characters); `0` when the position is not known.
    pub column: u32,
    /// In a one-line input: what the caret marks, and its label.
    pub input: Option<Box<Mark>>,
    /// A hint, e.g. ``did you mean `igw-main`?``.
    pub help: Option<String>,
    /// Facts that explain the error, each on a `= note:` line after the
    /// help, e.g. the valid values.
    pub notes: Vec<String>,
}

/// Where a diagnostic points in a one-line input, and the label after the
/// caret.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Mark {
    pub span: Span,
    pub label: String,
}

/// The widest line of a file shown in a snippet, in characters.
const MAX_SNIPPET: usize = 100;

impl Diagnostic {
    /// A diagnostic at `pos` in `file`.
    pub fn new(file: &str, pos: Pos, message: impl Into<String>) -> Diagnostic {
        Diagnostic {
            message: message.into(),
            file: file.to_owned(),
            line: pos.line,
            column: pos.column,
            input: None,
            help: None,
            notes: Vec::new(),
        }
    }

    /// A diagnostic at `span` of a one-line input, with a label under it.
    pub fn in_input(
        message: impl Into<String>,
        span: Span,
        label: impl Into<String>,
    ) -> Diagnostic {
        Diagnostic {
            message: message.into(),
            file: String::new(),
            line: 1,
            column: 0,
            input: Some(Box::new(Mark {
                span,
                label: label.into(),
            })),
            help: None,
            notes: Vec::new(),
        }
    }

    /// The same diagnostic with a help line.
    pub fn with_help(mut self, help: impl Into<String>) -> Diagnostic {
        self.help = Some(help.into());
        self
    }

    /// The same diagnostic with a help line, or none.
    pub fn with_help_opt(mut self, help: Option<String>) -> Diagnostic {
        self.help = help;
        self
    }

    /// Where it points in its file.
    pub fn pos(&self) -> Pos {
        Pos::at(self.line, self.column)
    }

    /// `file:line:column`, or just the file when the position is unknown.
    pub fn location(&self) -> String {
        if self.line == 0 {
            terminal(&self.file).into_owned()
        } else {
            format!("{}:{}:{}", terminal(&self.file), self.line, self.column)
        }
    }

    /// The diagnostic as the terminal shows it. `source` is the text it
    /// points into: the file (when it can be read), or the input line. The
    /// snippet and the caret are left out when it is not given or the
    /// position is not known.
    pub fn render(&self, source: Option<&str>) -> String {
        // (shown line, caret column, caret length), hazards escaped.
        let span = self.input.as_ref().map(|m| m.span);
        let shown = match (span, source) {
            (Some(span), Some(input)) => {
                let col = input
                    .get(..span.start.min(input.len()))
                    .map_or(0, |s| s.chars().count());
                let len = input
                    .get(span.start.min(input.len())..span.end.min(input.len()))
                    .map_or(1, |s| s.chars().count())
                    .max(1);
                Some(snippet(input, col, len, usize::MAX))
            }
            (None, Some(text)) => source_line(text, self.line).map(|line| {
                let line = redact_secret(line);
                let start = self.column.saturating_sub(1) as usize;
                let len = token_len(&line, start).max(1);
                let (shown, start, len) = snippet(&line, start, len, MAX_SNIPPET);
                (shown.trim_end().to_string(), start, len)
            }),
            _ => None,
        };
        let width = if shown.is_some() || span.is_some() {
            self.line.to_string().len()
        } else {
            1
        };
        let pad = " ".repeat(width);
        let mut out = format!("error: {}\n", terminal(&self.message));
        if span.is_none() && !self.file.is_empty() {
            out.push_str(&format!("{pad}--> {}\n", self.location()));
        }
        if let Some((text, start, len)) = shown {
            out.push_str(&format!("{pad} |\n"));
            out.push_str(&format!("{} | {text}\n", self.line));
            let label = self
                .input
                .as_ref()
                .map(|m| format!(" {}", terminal(&m.label)))
                .unwrap_or_default();
            out.push_str(&format!(
                "{pad} | {}{}{label}\n",
                " ".repeat(start),
                "^".repeat(len)
            ));
        }
        if let Some(help) = &self.help {
            out.push_str(&format!("{pad} = help: {}\n", terminal(help)));
        }
        for note in &self.notes {
            out.push_str(&format!("{pad} = note: {}\n", terminal(note)));
        }
        out
    }

    /// The same diagnostic with a note.
    pub fn with_note(mut self, note: impl Into<String>) -> Diagnostic {
        self.notes.push(note.into());
        self
    }

    /// A diagnostic about no place in particular: the message says what it
    /// is about (a command-line value, an output file).
    pub fn plain(message: impl Into<String>) -> Diagnostic {
        Diagnostic::new("", Pos::default(), message)
    }
}

impl fmt::Display for Diagnostic {
    /// One line: `file:line:column: message (help: …)`, or for an input
    /// `message (at column N)`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Some(span) = self.input.as_ref().map(|m| m.span) {
            return write!(
                f,
                "{} (at column {})",
                terminal(&self.message),
                span.start.saturating_add(1)
            );
        }
        if self.file.is_empty() {
            write!(f, "{}", terminal(&self.message))?;
        } else {
            write!(f, "{}: {}", self.location(), terminal(&self.message))?;
        }
        if let Some(help) = &self.help {
            write!(f, " (help: {})", terminal(help))?;
        }
        Ok(())
    }
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
pub fn token_len(line: &str, start: usize) -> usize {
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
        let d = Diagnostic::new("web.yaml", Pos::at(3, 13), "unknown target `igw-mian`")
            .with_help("did you mean `igw-main`?");
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
    fn an_input_error_marks_its_span_with_a_label() {
        let q = "can app-1 reach db-1";
        let d = Diagnostic::in_input(
            "unknown endpoint `db-1`",
            Span { start: 16, end: 20 },
            "not a resource",
        )
        .with_help("did you mean `db-primary`?");
        assert_eq!(
            d.render(Some(q)),
            "error: unknown endpoint `db-1`\n  |\n1 | can app-1 reach db-1\n  |                 ^^^^ not a resource\n  = help: did you mean `db-primary`?\n"
        );
        assert_eq!(d.to_string(), "unknown endpoint `db-1` (at column 17)");
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
        let q = "can \u{202e}x reach y";
        let d = Diagnostic::in_input(
            "unknown `\u{202e}x`",
            Span { start: 4, end: 8 },
            "\u{1b}[2J",
        );
        let out = d.render(Some(q));
        assert!(
            !out.contains('\u{202e}') && !out.contains('\u{1b}'),
            "{out}"
        );
    }

    #[test]
    fn snippet_line_is_escaped_and_the_caret_follows() {
        let src = "a: 1\n  - target: \"igw\u{202e}\u{1b}[2J\" # x\n";
        let d = Diagnostic::new(
            "web\u{202e}.yaml",
            Pos::at(2, 13),
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

    #[test]
    fn a_secret_in_the_snippet_is_redacted() {
        let src = "vpn:\n  pre_shared_key: hunter2\n";
        let d = Diagnostic::new("t.yaml", Pos::at(2, 3), "unknown key `pre_shared_key`");
        let out = d.render(Some(src));
        assert!(!out.contains("hunter2"), "{out}");
    }
}
