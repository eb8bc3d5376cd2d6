//! The one escaping policy for text that comes from a topology file, an AWS
//! account or a user (names, descriptions, tags, ids, file names, queries).
//!
//! Such text is data. It must never drive the reader's terminal or rewrite
//! the meaning of a pull-request comment, so before it reaches any output it
//! goes through one function here, chosen by the output context:
//!
//! | context                     | function            | what happens to a [`hazard`]                 |
//! |-----------------------------|---------------------|----------------------------------------------|
//! | terminal text, one line     | [`terminal`]        | visible escape: `\u{202e}`, `\x1b`, `\n`     |
//! | terminal text, several lines| [`terminal_block`]  | the same, but line breaks are kept           |
//! | a source line under a caret | [`snippet`]         | the same, with the caret moved to match      |
//! | JSON and SARIF documents    | [`json_pretty`]     | `\u202e` escape in the JSON text; the value  |
//! |                             |                     | itself is unchanged                          |
//! | Markdown (PR comments)      | [`markdown`]        | visible escape, and Markdown syntax escaped  |
//! | Mermaid labels              | [`mermaid_label`]   | visible escape, and `"` `<` `>` `#` `&` as   |
//! |                             |                     | Mermaid entity codes                         |
//! | Graphviz DOT labels         | [`dot_label`]       | visible escape, and `"` `\` escaped          |
//! | YAML written by an import   | [`yaml_quoted`]     | `\u202E` escape in a double-quoted scalar;   |
//! |                             |                     | the value itself is unchanged                |
//!
//! The visible escape is one rule, [`terminal`], which every other context
//! builds on: a backslash becomes `\\`, so the escaped form is unambiguous
//! (two different names never render the same), and a hazard becomes a
//! Rust-style escape a reader can see and copy.
//!
//! This module is a leaf: it depends on nothing in the crate, so the model's
//! errors and every renderer can use it without an upward dependency.

use std::borrow::Cow;
use std::io;

/// Whether `c` must never reach an output raw:
///
/// - control characters: C0 (U+0000–U+001F, including ESC, which starts
///   ANSI sequences), DEL (U+007F) and C1 (U+0080–U+009F, including CSI
///   U+009B, a one-byte ANSI sequence start);
/// - bidirectional controls, which can make text read in an order other
///   than the one it is stored in: U+061C, U+200E, U+200F, U+202A–U+202E,
///   U+2066–U+2069;
/// - line and paragraph separators (U+2028, U+2029), which some viewers
///   break lines at;
/// - invisible characters that can make two different names look the same
///   or hide text: the Unicode format characters (zero-width space and
///   joiners, word joiner, invisible operators, the byte-order mark, soft
///   hyphen, interlinear annotation, tag characters, …) and the other
///   default-ignorable code points (combining grapheme joiner, Hangul
///   fillers, variation selectors, Mongolian free variation selectors).
pub fn hazard(c: char) -> bool {
    matches!(c,
        '\u{0}'..='\u{1f}'
        | '\u{7f}'..='\u{9f}'
        | '\u{ad}'
        | '\u{34f}'
        | '\u{61c}'
        | '\u{600}'..='\u{605}'
        | '\u{6dd}'
        | '\u{70f}'
        | '\u{890}'..='\u{891}'
        | '\u{8e2}'
        | '\u{115f}'..='\u{1160}'
        | '\u{17b4}'..='\u{17b5}'
        | '\u{180b}'..='\u{180f}'
        | '\u{200b}'..='\u{200f}'
        | '\u{2028}'..='\u{202e}'
        | '\u{2060}'..='\u{206f}'
        | '\u{3164}'
        | '\u{fe00}'..='\u{fe0f}'
        | '\u{feff}'
        | '\u{ffa0}'
        | '\u{fff9}'..='\u{fffb}'
        | '\u{110bd}'
        | '\u{110cd}'
        | '\u{13430}'..='\u{1343f}'
        | '\u{1bca0}'..='\u{1bca3}'
        | '\u{1d173}'..='\u{1d17a}'
        | '\u{e0000}'..='\u{e0fff}'
    )
}

/// The visible escape of one character, pushed onto `out`: `\\` for a
/// backslash, `\n` `\r` `\t` for those, `\xNN` for the other ASCII
/// controls, `\u{NNNN}` for any other hazard, the character itself
/// otherwise.
fn push_visible(out: &mut String, c: char) {
    match c {
        '\\' => out.push_str("\\\\"),
        '\n' => out.push_str("\\n"),
        '\r' => out.push_str("\\r"),
        '\t' => out.push_str("\\t"),
        c if c.is_ascii() && hazard(c) => out.push_str(&format!("\\x{:02x}", c as u32)),
        c if hazard(c) => out.push_str(&format!("\\u{{{:x}}}", c as u32)),
        c => out.push(c),
    }
}

/// Text for a terminal or a log, on one line: every [`hazard`] (line breaks
/// included) becomes a visible escape, and a backslash becomes `\\`.
pub fn terminal(s: &str) -> Cow<'_, str> {
    if !s.chars().any(|c| c == '\\' || hazard(c)) {
        return Cow::Borrowed(s);
    }
    let mut out = String::with_capacity(s.len() + 8);
    for c in s.chars() {
        push_visible(&mut out, c);
    }
    Cow::Owned(out)
}

/// Text for a terminal over several lines: each line as [`terminal`], the
/// `\n` between lines kept (a `\r` before one is dropped).
pub fn terminal_block(s: &str) -> String {
    s.split('\n')
        .map(|l| terminal(l.strip_suffix('\r').unwrap_or(l)).into_owned())
        .collect::<Vec<_>>()
        .join("\n")
}

/// A source line as shown in an error snippet, with the caret that marks
/// characters `start .. start + len` of `line` moved to the same characters
/// of the escaped text. Returns the escaped line (at most about `max`
/// characters, cut around the caret with `…` when longer), the caret's
/// start and its length, both in characters of the returned line.
pub fn snippet(line: &str, start: usize, len: usize, max: usize) -> (String, usize, usize) {
    let mut shown: Vec<char> = Vec::with_capacity(line.len());
    let mut caret = None;
    let mut caret_end = None;
    let mut piece = String::new();
    for (i, c) in line.chars().enumerate() {
        if i == start {
            caret = Some(shown.len());
        }
        if i == start + len {
            caret_end = Some(shown.len());
        }
        piece.clear();
        push_visible(&mut piece, c);
        shown.extend(piece.chars());
    }
    let caret = caret.unwrap_or(shown.len());
    let caret_end = caret_end.unwrap_or(shown.len()).max(caret + 1);
    crop(&shown, caret, caret_end - caret, max)
}

/// A window of at most `max` characters of `chars` around the caret, with
/// `…` where it was cut: (text, caret start, caret length).
fn crop(chars: &[char], start: usize, len: usize, max: usize) -> (String, usize, usize) {
    if chars.len() <= max {
        return (chars.iter().collect(), start, len);
    }
    let left = start.saturating_sub(max / 3).min(chars.len());
    let right = (left + max).min(chars.len());
    let mut text = String::new();
    let mut caret = start - left;
    if left > 0 {
        text.push('…');
        caret += 1;
    }
    text.extend(&chars[left..right]);
    if right < chars.len() {
        text.push('…');
    }
    let len = len.min(right.saturating_sub(start)).max(1);
    (text, caret, len)
}

/// Text for Markdown (a pull-request comment, a table cell, a heading):
/// hazards escaped visibly as in [`terminal`], then every ASCII punctuation
/// character backslash-escaped, so that no name can open a heading, a list,
/// a link, an image, an HTML tag, an entity, emphasis, a code span, a table
/// cell or an autolink. The rendered text reads exactly as [`terminal`]
/// prints it.
pub fn markdown(s: &str) -> String {
    let visible = terminal(s);
    let mut out = String::with_capacity(visible.len() + 8);
    for c in visible.chars() {
        if c.is_ascii_punctuation() {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

/// Text for a Mermaid node or subgraph label inside `["…"]`: hazards
/// escaped visibly as in [`terminal`], then the characters Mermaid or the
/// HTML it renders to would read (`"`, `<`, `>`, `&`, `#`, and a leading
/// backtick, which would start a Markdown string) written as Mermaid entity
/// codes.
pub fn mermaid_label(s: &str) -> String {
    let visible = terminal(s);
    let mut out = String::with_capacity(visible.len() + 8);
    for (i, c) in visible.chars().enumerate() {
        match c {
            '`' if i == 0 => out.push_str("#96;"),
            '"' => out.push_str("#quot;"),
            '<' => out.push_str("#lt;"),
            '>' => out.push_str("#gt;"),
            '&' => out.push_str("#amp;"),
            '#' => out.push_str("#35;"),
            c => out.push(c),
        }
    }
    out
}

/// Text for the body of a Graphviz DOT string literal (`label="…"`):
/// hazards escaped visibly as in [`terminal`], then `"` and `\` escaped, so
/// that no name can close the string or use a DOT escape such as `\N`.
pub fn dot_label(s: &str) -> String {
    let visible = terminal(s);
    let mut out = String::with_capacity(visible.len() + 8);
    for c in visible.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            c => out.push(c),
        }
    }
    out
}

/// Pretty-printed JSON (two-space indent) of `v`, with every [`hazard`]
/// that serde_json would write raw (bidi controls, C1 controls, DEL, the
/// invisible characters) written as a `\uXXXX` escape instead. Parsing the
/// text gives back exactly the same strings: only their spelling in the
/// JSON text changes.
pub fn json_pretty<T: serde::Serialize + ?Sized>(v: &T) -> serde_json::Result<String> {
    let mut buf = Vec::new();
    let mut ser = serde_json::Serializer::with_formatter(&mut buf, JsonFormatter::default());
    v.serialize(&mut ser)?;
    String::from_utf8(buf).map_err(|e| serde_json::Error::io(io::Error::other(e)))
}

/// serde_json's pretty formatter, with hazards in strings escaped.
#[derive(Default)]
struct JsonFormatter {
    pretty: serde_json::ser::PrettyFormatter<'static>,
}

impl serde_json::ser::Formatter for JsonFormatter {
    fn write_string_fragment<W: ?Sized + io::Write>(
        &mut self,
        w: &mut W,
        fragment: &str,
    ) -> io::Result<()> {
        let mut rest = fragment;
        while let Some((i, c)) = rest.char_indices().find(|&(_, c)| hazard(c)) {
            w.write_all(&rest.as_bytes()[..i])?;
            let mut units = [0u16; 2];
            for u in c.encode_utf16(&mut units) {
                write!(w, "\\u{u:04x}")?;
            }
            rest = &rest[i + c.len_utf8()..];
        }
        w.write_all(rest.as_bytes())
    }

    fn begin_array<W: ?Sized + io::Write>(&mut self, w: &mut W) -> io::Result<()> {
        self.pretty.begin_array(w)
    }
    fn end_array<W: ?Sized + io::Write>(&mut self, w: &mut W) -> io::Result<()> {
        self.pretty.end_array(w)
    }
    fn begin_array_value<W: ?Sized + io::Write>(
        &mut self,
        w: &mut W,
        first: bool,
    ) -> io::Result<()> {
        self.pretty.begin_array_value(w, first)
    }
    fn end_array_value<W: ?Sized + io::Write>(&mut self, w: &mut W) -> io::Result<()> {
        self.pretty.end_array_value(w)
    }
    fn begin_object<W: ?Sized + io::Write>(&mut self, w: &mut W) -> io::Result<()> {
        self.pretty.begin_object(w)
    }
    fn end_object<W: ?Sized + io::Write>(&mut self, w: &mut W) -> io::Result<()> {
        self.pretty.end_object(w)
    }
    fn begin_object_key<W: ?Sized + io::Write>(
        &mut self,
        w: &mut W,
        first: bool,
    ) -> io::Result<()> {
        self.pretty.begin_object_key(w, first)
    }
    fn begin_object_value<W: ?Sized + io::Write>(&mut self, w: &mut W) -> io::Result<()> {
        self.pretty.begin_object_value(w)
    }
    fn end_object_value<W: ?Sized + io::Write>(&mut self, w: &mut W) -> io::Result<()> {
        self.pretty.end_object_value(w)
    }
}

/// YAML text in which every string scalar is quoted (as serde_saphyr writes
/// it with `quote_all` and without block scalars), with every [`hazard`]
/// inside a scalar written as a `\uXXXX` escape: a single-quoted scalar
/// that holds one is rewritten double-quoted. The document means exactly
/// what it meant (checked by parsing both); `None` when it would not, or
/// when a hazard stands outside a quoted scalar.
pub fn yaml_quoted(yaml: &str) -> Option<String> {
    // Mapping keys stay plain under `quote_all`: a key with a hazard is
    // quoted first. A plain key ends at the first `: ` of its line.
    let mut keyed = String::with_capacity(yaml.len() + 16);
    for line in yaml.split_inclusive('\n') {
        let body = line.trim_start_matches([' ', '-']);
        let lead = &line[..line.len() - body.len()];
        let key_end = body
            .find(": ")
            .or_else(|| body.trim_end().strip_suffix(':').map(str::len));
        match key_end {
            Some(end) if !body.starts_with(['\'', '"']) && body[..end].chars().any(hazard) => {
                keyed.push_str(lead);
                push_yaml_double(&mut keyed, &body[..end]);
                keyed.push_str(&body[end..]);
            }
            _ => keyed.push_str(line),
        }
    }
    let mut out = String::with_capacity(keyed.len() + 16);
    let mut chars = keyed.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\'' => {
                let mut value = String::new();
                loop {
                    match chars.next()? {
                        '\'' if chars.peek() == Some(&'\'') => {
                            chars.next();
                            value.push('\'');
                        }
                        '\'' => break,
                        ch => value.push(ch),
                    }
                }
                if value.chars().any(hazard) {
                    push_yaml_double(&mut out, &value);
                } else {
                    out.push('\'');
                    out.push_str(&value.replace('\'', "''"));
                    out.push('\'');
                }
            }
            '"' => {
                out.push('"');
                loop {
                    match chars.next()? {
                        '\\' => {
                            out.push('\\');
                            out.push(chars.next()?);
                        }
                        '"' => break,
                        ch if hazard(ch) => push_yaml_escape(&mut out, ch),
                        ch => out.push(ch),
                    }
                }
                out.push('"');
            }
            c if c != '\n' && hazard(c) => return None,
            c => out.push(c),
        }
    }
    let before: serde_json::Value = serde_saphyr::from_str(yaml).ok()?;
    let after: serde_json::Value = serde_saphyr::from_str(&out).ok()?;
    (before == after).then_some(out)
}

/// `value` as a YAML double-quoted scalar, hazards escaped.
fn push_yaml_double(out: &mut String, value: &str) {
    out.push('"');
    for ch in value.chars() {
        match ch {
            '\\' => out.push_str("\\\\"),
            '"' => out.push_str("\\\""),
            ch if hazard(ch) => push_yaml_escape(out, ch),
            ch => out.push(ch),
        }
    }
    out.push('"');
}

/// A YAML double-quoted escape for `c`: `\uXXXX`, or `\UXXXXXXXX` above
/// the Basic Multilingual Plane.
fn push_yaml_escape(out: &mut String, c: char) {
    if (c as u32) <= 0xffff {
        out.push_str(&format!("\\u{:04X}", c as u32));
    } else {
        out.push_str(&format!("\\U{:08X}", c as u32));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// Undo [`terminal`]: the proof that it is injective.
    fn unescape(s: &str) -> Option<String> {
        let mut out = String::new();
        let mut it = s.chars().peekable();
        while let Some(c) = it.next() {
            if c != '\\' {
                out.push(c);
                continue;
            }
            match it.next()? {
                '\\' => out.push('\\'),
                'n' => out.push('\n'),
                'r' => out.push('\r'),
                't' => out.push('\t'),
                'x' => {
                    let h: String = [it.next()?, it.next()?].iter().collect();
                    out.push(char::from_u32(u32::from_str_radix(&h, 16).ok()?)?);
                }
                'u' => {
                    if it.next()? != '{' {
                        return None;
                    }
                    let mut h = String::new();
                    loop {
                        match it.next()? {
                            '}' => break,
                            d => h.push(d),
                        }
                    }
                    out.push(char::from_u32(u32::from_str_radix(&h, 16).ok()?)?);
                }
                _ => return None,
            }
        }
        Some(out)
    }

    /// Names as hostile as they come: mostly hazards, backslashes, the
    /// letters of the escapes, and the syntax of every output.
    fn nasty() -> impl Strategy<Value = String> {
        let pieces = prop_oneof![
            any::<char>().prop_map(String::from),
            prop::sample::select(vec![
                "\u{202e}",
                "\u{2066}",
                "\u{200f}",
                "\u{9b}",
                "\u{1b}[2J",
                "\n",
                "\r",
                "\t",
                "\\",
                "\\u{202e}",
                "\\x1b",
                "u{",
                "}",
                "\u{0}",
                "\u{7f}",
                "\u{feff}",
                "\u{e0041}",
                "\u{200b}",
                "\"",
                "<",
                ">",
                "#",
                "&",
                "`",
                "|",
                "[",
                "]",
                "(",
                ")",
                "*",
                "_",
                "@",
                "a",
                "é",
                "名",
            ])
            .prop_map(String::from),
        ];
        prop::collection::vec(pieces, 0..12).prop_map(|v| v.concat())
    }

    #[test]
    fn right_to_left_override_is_escaped_visibly() {
        assert_eq!(terminal("db\u{202e}lmth.exe"), "db\\u{202e}lmth.exe");
    }

    #[test]
    fn ansi_escape_is_escaped_visibly() {
        assert_eq!(terminal("x\u{1b}[2Jy"), "x\\x1b[2Jy");
        assert_eq!(terminal("\u{7f}\u{9b}"), "\\x7f\\u{9b}");
    }

    #[test]
    fn isolates_marks_and_invisibles_are_escaped() {
        assert_eq!(
            terminal("\u{2066}\u{200f}\u{61c}\u{200b}\u{feff}"),
            "\\u{2066}\\u{200f}\\u{61c}\\u{200b}\\u{feff}"
        );
        assert_eq!(terminal("tag\u{e0041}"), "tag\\u{e0041}");
    }

    #[test]
    fn backslash_is_doubled_so_an_escape_cannot_be_forged() {
        assert_eq!(terminal("a\\u{202e}"), "a\\\\u{202e}");
        assert_ne!(terminal("a\\u{202e}"), terminal("a\u{202e}"));
    }

    #[test]
    fn ordinary_text_is_borrowed_unchanged() {
        assert!(matches!(
            terminal("web-alb (sg-0abc) → 10.0.0.0/8 é 名"),
            Cow::Borrowed(_)
        ));
    }

    #[test]
    fn block_keeps_line_breaks_only() {
        assert_eq!(
            terminal_block("a\u{202e}\r\nb\u{1b}\n"),
            "a\\u{202e}\nb\\x1b\n"
        );
    }

    #[test]
    fn snippet_caret_follows_escapes() {
        let (text, start, len) = snippet("x: \u{202e}ab \u{1b}cd", 7, 3, 100);
        assert_eq!(text, "x: \\u{202e}ab \\x1bcd");
        let marked: String = text.chars().skip(start).take(len).collect();
        assert_eq!(marked, "\\x1bcd");
    }

    #[test]
    fn snippet_crops_long_lines_around_the_caret() {
        let line = format!("{}target{}", "a".repeat(200), "b".repeat(200));
        let (text, caret, len) = snippet(&line, 200, 6, 100);
        assert!(text.chars().count() <= 102);
        assert_eq!(
            text.chars().skip(caret).take(len).collect::<String>(),
            "target"
        );
    }

    #[test]
    fn snippet_caret_past_the_end_is_one_wide() {
        let (text, start, len) = snippet("x:", 5, 1, 100);
        assert_eq!((text.as_str(), start, len), ("x:", 2, 1));
    }

    #[test]
    fn markdown_heading_link_html_code_and_pipe_are_inert() {
        assert_eq!(markdown("# h"), "\\# h");
        assert_eq!(
            markdown("[x](https://e.example)"),
            "\\[x\\]\\(https\\:\\/\\/e\\.example\\)"
        );
        assert_eq!(markdown("<img src=x>"), "\\<img src\\=x\\>");
        assert_eq!(markdown("`rm -rf`"), "\\`rm \\-rf\\`");
        assert_eq!(markdown("a|b"), "a\\|b");
        assert_eq!(markdown("&amp;"), "\\&amp\\;");
        assert_eq!(
            markdown("*b* _i_ ~s~ !x @team"),
            "\\*b\\* \\_i\\_ \\~s\\~ \\!x \\@team"
        );
    }

    #[test]
    fn markdown_shows_hazards_as_the_terminal_does() {
        assert_eq!(markdown("a\u{202e}\n"), "a\\\\u\\{202e\\}\\\\n");
    }

    #[test]
    fn mermaid_label_cannot_close_the_label_or_inject_html() {
        assert_eq!(
            mermaid_label("a\"]-->x<b>&#`"),
            "a#quot;]--#gt;x#lt;b#gt;#amp;#35;`"
        );
        assert_eq!(mermaid_label("\u{202e}"), "\\u{202e}");
        assert_eq!(mermaid_label("`**b**`"), "#96;**b**`");
    }

    #[test]
    fn dot_label_cannot_close_the_string_or_use_dot_escapes() {
        assert_eq!(dot_label("a\"b\\N"), "a\\\"b\\\\\\\\N");
        assert_eq!(dot_label("\u{1b}"), "\\\\x1b");
        assert_eq!(dot_label("<b>"), "<b>");
    }

    #[test]
    fn json_escapes_hazards_and_keeps_values() {
        let v = serde_json::json!({ "name": "a\u{202e}b\u{9b}c\u{1b}\u{e0041}" });
        let text = json_pretty(&v).unwrap_or_default();
        assert!(text.contains("\\u202e"), "{text}");
        assert!(text.contains("\\u009b"), "{text}");
        assert!(text.contains("\\u001b"), "{text}");
        assert!(text.contains("\\udb40\\udc41"), "{text}");
        assert!(!text.chars().any(hazard_but_layout));
        let back: serde_json::Value = serde_json::from_str(&text).unwrap_or_default();
        assert_eq!(back, v);
    }

    #[test]
    fn json_layout_is_serde_pretty() {
        let v = serde_json::json!({ "a": [1, { "b": "c" }], "d": {} , "e": []});
        assert_eq!(
            json_pretty(&v).unwrap_or_default(),
            serde_json::to_string_pretty(&v).unwrap_or_default()
        );
    }

    #[test]
    fn yaml_hazards_become_double_quoted_escapes() {
        let yaml = "'a\u{202e}': 'it''s\u{2066}'\nb:\n- \"x\\\\\\e\\\"\u{200f}\"\n- 'plain'\n- 3\n";
        let out = yaml_quoted(yaml).unwrap_or_default();
        let keyed = yaml_quoted("- k\u{202e}: 1\n  t\u{2066}x:\n    a: 'b'\n").unwrap_or_default();
        assert_eq!(keyed, "- \"k\\u202E\": 1\n  \"t\\u2066x\":\n    a: 'b'\n");
        assert_eq!(
            out,
            "\"a\\u202E\": \"it's\\u2066\"\nb:\n- \"x\\\\\\e\\\"\\u200F\"\n- 'plain'\n- 3\n"
        );
        assert!(!out.chars().any(|c| c != '\n' && hazard(c)));
    }

    #[test]
    fn yaml_hazard_outside_a_quoted_scalar_is_refused() {
        assert_eq!(yaml_quoted("a: b\u{202e}\n"), None);
    }

    /// A hazard other than the newlines and spaces of pretty-printing.
    fn hazard_but_layout(c: char) -> bool {
        hazard(c) && c != '\n'
    }

    proptest! {
        #[test]
        fn terminal_never_emits_a_hazard(s in nasty()) {
            prop_assert!(!terminal(&s).chars().any(hazard));
            prop_assert!(!terminal_block(&s).chars().any(|c| c != '\n' && hazard(c)));
        }

        #[test]
        fn every_context_never_emits_a_hazard(s in nasty()) {
            prop_assert!(!markdown(&s).chars().any(hazard));
            prop_assert!(!mermaid_label(&s).chars().any(hazard));
            prop_assert!(!dot_label(&s).chars().any(hazard));
            let (line, _, _) = snippet(&s, 0, 1, 100);
            prop_assert!(!line.chars().any(hazard));
            let json = json_pretty(&s).unwrap_or_default();
            prop_assert!(!json.chars().any(hazard));
            let back: String = serde_json::from_str(&json).unwrap_or_default();
            prop_assert_eq!(back, s);
        }

        #[test]
        fn terminal_is_injective(a in nasty(), b in nasty()) {
            prop_assert_eq!(unescape(&terminal(&a)), Some(a.clone()));
            if a != b {
                prop_assert_ne!(terminal(&a), terminal(&b));
                prop_assert_ne!(markdown(&a), markdown(&b));
                prop_assert_ne!(mermaid_label(&a), mermaid_label(&b));
                prop_assert_ne!(dot_label(&a), dot_label(&b));
            }
        }

        #[test]
        fn block_is_injective_per_line(a in nasty()) {
            let lines: Vec<String> = a.split('\n').map(|l| l.strip_suffix('\r').unwrap_or(l).to_owned()).collect();
            let shown = terminal_block(&a);
            let back: Vec<Option<String>> = shown.split('\n').map(unescape).collect();
            prop_assert_eq!(back, lines.into_iter().map(Some).collect::<Vec<_>>());
        }
    }
}
