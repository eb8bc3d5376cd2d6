//! The query language: tokens, grammar and parser.
//!
//! ```text
//! query    := "can" endpoint ("reach" | "->") endpoint [on]
//!           | "who" "can" "reach" endpoint [on]
//!           | "what" "can" endpoint "reach" [on]
//!           | "path" endpoint ("->" | "to") endpoint [on]
//!           | "why" "not" endpoint ("->" | "to" | "reach") endpoint [on]
//!           | "exposed" | "check" [CHECK-ID] | "show" RESOURCE
//!           | "reload" | "help" [TOPIC] | "quit" | "exit"
//! on       := "on" portspec ("," portspec)*
//! portspec := "all" | PROTO ["/" PORT ["-" PORT]] | "icmp/" TYPE ["/" CODE]
//! PROTO    := "tcp" | "udp" | "icmp" | "icmpv6" | NUMBER
//! endpoint := "internet" | "s3" | "dynamodb" | "ecr"
//!           | IP | CIDR | "tag:" KEY "=" VALUE | "name:" NAME
//!           | NAME | AWS-ID | ON-PREM-NETWORK
//! ```
//!
//! Any query may end in `as text|json|mermaid|dot` to pick the output format
//! (the one-shot command also has `--format`). Words are separated by spaces;
//! a name with spaces is quoted (`"my subnet"`). Keywords are lowercase and
//! case-insensitive.

use crate::diag::Diagnostic;

pub use crate::diag::Span;

/// A word of the query and where it is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Word {
    pub text: String,
    pub span: Span,
    /// Written in quotes: never a keyword.
    pub quoted: bool,
}

/// An endpoint as written (resolved against the topology later).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EndpointExpr {
    pub word: Word,
}

/// A protocol/port set as written: `tcp/443`, `udp/1024-65535`, `icmp/8`, `all`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PortSpec {
    All,
    /// Protocol number and an inclusive destination port range (tcp/udp).
    Ports {
        proto: u8,
        from: u16,
        to: u16,
    },
    /// ICMP (1) or ICMPv6 (58), optional type and code.
    Icmp {
        proto: u8,
        icmp_type: Option<u8>,
        code: Option<u8>,
    },
    /// Any other protocol number, or tcp/udp without ports.
    Proto(u8),
}

/// Output formats a query may ask for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, clap::ValueEnum)]
pub enum QueryFormat {
    #[default]
    Text,
    Json,
    /// Mermaid flowchart (`path` and `why not`).
    Mermaid,
    /// Graphviz DOT (`path` and `why not`).
    Dot,
}

impl QueryFormat {
    pub fn name(self) -> &'static str {
        match self {
            QueryFormat::Text => "text",
            QueryFormat::Json => "json",
            QueryFormat::Mermaid => "mermaid",
            QueryFormat::Dot => "dot",
        }
    }
}

/// A parsed query.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Query {
    Can {
        src: EndpointExpr,
        dst: EndpointExpr,
        ports: Vec<PortSpec>,
    },
    Who {
        dst: EndpointExpr,
        ports: Vec<PortSpec>,
    },
    What {
        src: EndpointExpr,
        ports: Vec<PortSpec>,
    },
    Path {
        src: EndpointExpr,
        dst: EndpointExpr,
        ports: Vec<PortSpec>,
    },
    WhyNot {
        src: EndpointExpr,
        dst: EndpointExpr,
        ports: Vec<PortSpec>,
    },
    Exposed,
    Check(Option<Word>),
    Show(Word),
    Reload,
    Help(Option<String>),
    Quit,
}

/// A query and the format it asked for (`as FORMAT`), if any.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Parsed {
    pub query: Query,
    pub format: Option<QueryFormat>,
}

/// The first words of every query form, for completion and suggestions.
pub const COMMANDS: &[&str] = &[
    "can", "who", "what", "path", "why", "exposed", "check", "show", "reload", "help", "quit",
    "exit",
];

/// Keywords that may follow the first word, for completion.
pub const KEYWORDS: &[&str] = &[
    "reach", "can", "not", "on", "to", "->", "as", "internet", "s3", "dynamodb", "ecr",
];

/// Splits a query into words. `->` is always a word of its own; `,` too
/// (inside port lists). Double quotes group a word with spaces.
pub fn tokenize(text: &str) -> Result<Vec<Word>, Diagnostic> {
    let mut words = Vec::new();
    let bytes = text.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        let c = bytes[i];
        if c.is_ascii_whitespace() {
            i += 1;
            continue;
        }
        if c == b'"' {
            let start = i;
            let Some(rel) = text[i + 1..].find('"') else {
                return Err(Diagnostic::in_input(
                    "unclosed quote",
                    Span {
                        start,
                        end: text.len(),
                    },
                    "this quote is never closed",
                )
                .with_help("close the name with `\"`"));
            };
            let end = i + 1 + rel;
            words.push(Word {
                text: text[i + 1..end].to_string(),
                span: Span {
                    start,
                    end: end + 1,
                },
                quoted: true,
            });
            i = end + 1;
            continue;
        }
        if c == b',' {
            words.push(Word {
                text: ",".into(),
                span: Span {
                    start: i,
                    end: i + 1,
                },
                quoted: false,
            });
            i += 1;
            continue;
        }
        if text[i..].starts_with("->") {
            words.push(Word {
                text: "->".into(),
                span: Span {
                    start: i,
                    end: i + 2,
                },
                quoted: false,
            });
            i += 2;
            continue;
        }
        let start = i;
        while i < bytes.len()
            && !bytes[i].is_ascii_whitespace()
            && bytes[i] != b','
            && bytes[i] != b'"'
            && !text[i..].starts_with("->")
        {
            // Step over a whole UTF-8 character.
            i += text[i..].chars().next().map_or(1, char::len_utf8);
        }
        words.push(Word {
            text: text[start..i].to_string(),
            span: Span { start, end: i },
            quoted: false,
        });
    }
    Ok(words)
}

struct Parser<'a> {
    words: Vec<Word>,
    at: usize,
    text: &'a str,
}

impl Parser<'_> {
    fn peek(&self) -> Option<&Word> {
        self.words.get(self.at)
    }

    fn end_span(&self) -> Span {
        let n = self.text.trim_end().len();
        Span {
            start: n,
            end: n + 1,
        }
    }

    fn is_kw(&self, kw: &str) -> bool {
        self.peek()
            .is_some_and(|w| !w.quoted && w.text.eq_ignore_ascii_case(kw))
    }

    fn next(&mut self) -> Option<Word> {
        let w = self.words.get(self.at).cloned();
        if w.is_some() {
            self.at += 1;
        }
        w
    }

    /// Consumes one of `kws` or fails with a message naming them.
    fn keyword(&mut self, kws: &[&str], what: &str) -> Result<Word, Diagnostic> {
        let list = kws
            .iter()
            .map(|k| format!("`{k}`"))
            .collect::<Vec<_>>()
            .join(" or ");
        match self.peek().cloned() {
            Some(w) if !w.quoted && kws.iter().any(|k| w.text.eq_ignore_ascii_case(k)) => {
                self.at += 1;
                Ok(w)
            }
            Some(w) => {
                let mut e = Diagnostic::in_input(
                    format!("expected {list} {what}, found `{}`", w.text),
                    w.span,
                    format!("expected {list}"),
                );
                if let Some(s) = crate::model::suggest(&w.text.to_lowercase(), kws.iter().copied())
                {
                    e = e.with_help(format!("did you mean `{s}`?"));
                }
                Err(e)
            }
            None => Err(Diagnostic::in_input(
                format!("expected {list} {what}, found the end of the query"),
                self.end_span(),
                format!("expected {list}"),
            )),
        }
    }

    fn endpoint(&mut self, role: &str) -> Result<EndpointExpr, Diagnostic> {
        match self.peek().cloned() {
            Some(w) if !w.quoted && matches!(w.text.as_str(), "->" | ",") => {
                Err(Diagnostic::in_input(
                    format!("expected the {role}, found `{}`", w.text),
                    w.span,
                    format!("expected the {role}"),
                )
                .with_help(
                    "an endpoint is a name, an AWS id, an IP or CIDR, `internet`, `s3`, `dynamodb`, `ecr`, or `tag:KEY=VALUE`",
                ))
            }
            Some(w) => {
                self.at += 1;
                Ok(EndpointExpr { word: w })
            }
            None => Err(Diagnostic::in_input(
                format!("expected the {role}, found the end of the query"),
                self.end_span(),
                format!("expected the {role}"),
            )
            .with_help(
                "an endpoint is a name, an AWS id, an IP or CIDR, `internet`, `s3`, `dynamodb`, `ecr`, or `tag:KEY=VALUE`",
            )),
        }
    }

    /// `[on portspec ("," portspec)*]`
    fn ports(&mut self) -> Result<Vec<PortSpec>, Diagnostic> {
        if !self.is_kw("on") {
            return Ok(Vec::new());
        }
        self.at += 1;
        let mut out = Vec::new();
        loop {
            let Some(w) = self.next() else {
                return Err(Diagnostic::in_input(
                    "expected a protocol and ports after `on`, found the end of the query",
                    self.end_span(),
                    "expected e.g. `tcp/443`",
                )
                .with_help("write `on tcp/443`, `on udp/1024-65535`, `on icmp/8` or `on all`"));
            };
            out.push(parse_portspec(&w)?);
            if self.is_kw(",") {
                self.at += 1;
                continue;
            }
            return Ok(out);
        }
    }

    fn finish(&mut self) -> Result<(), Diagnostic> {
        match self.peek() {
            None => Ok(()),
            Some(w) => {
                let mut e = Diagnostic::in_input(
                    format!("unexpected `{}` after the end of the query", w.text),
                    w.span,
                    "not expected here",
                );
                if crate::model::suggest(&w.text.to_lowercase(), ["on"]).is_some() {
                    e = e.with_help("did you mean `on`? (e.g. `on tcp/443`)");
                } else if w.text.contains('/') || w.text.parse::<u16>().is_ok() {
                    e = e.with_help(format!("protocols and ports follow `on`: `on {}`", w.text));
                }
                Err(e)
            }
        }
    }
}

fn port_num(s: &str, w: &Word) -> Result<u16, Diagnostic> {
    s.parse::<u16>().map_err(|_| {
        Diagnostic::in_input(
            format!("`{s}` is not a port number (0-65535)"),
            w.span,
            "not a port",
        )
        .with_help("write ports as `tcp/443` or `tcp/1024-65535`")
    })
}

fn parse_portspec(w: &Word) -> Result<PortSpec, Diagnostic> {
    let t = w.text.to_lowercase();
    if t == "all" {
        return Ok(PortSpec::All);
    }
    let (proto_s, rest) = match t.split_once('/') {
        Some((p, r)) => (p, Some(r)),
        None => (t.as_str(), None),
    };
    let proto = match proto_s {
        "tcp" => 6u8,
        "udp" => 17,
        "icmp" => 1,
        "icmpv6" => 58,
        n => match n.parse::<u8>() {
            Ok(n) => n,
            Err(_) => {
                let mut e = Diagnostic::in_input(
                    format!("unknown protocol `{proto_s}`"),
                    w.span,
                    "not a protocol",
                );
                let help =
                    match crate::model::suggest(proto_s, ["tcp", "udp", "icmp", "icmpv6", "all"]) {
                        Some(s) => format!("did you mean `{s}`?"),
                        None => {
                            "protocols are `tcp`, `udp`, `icmp`, `icmpv6`, `all` or a number 0-255"
                                .into()
                        }
                    };
                e = e.with_help(help);
                return Err(e);
            }
        },
    };
    if proto == 1 || proto == 58 {
        let Some(rest) = rest else {
            return Ok(PortSpec::Icmp {
                proto,
                icmp_type: None,
                code: None,
            });
        };
        let mut parts = rest.split('/');
        let num = |s: Option<&str>| -> Result<Option<u8>, Diagnostic> {
            match s {
                None => Ok(None),
                Some(x) => x.parse::<u8>().map(Some).map_err(|_| {
                    Diagnostic::in_input(
                        format!("`{x}` is not an ICMP type or code (0-255)"),
                        w.span,
                        "not an ICMP type",
                    )
                    .with_help("write `icmp/8` (echo request) or `icmp/3/4`")
                }),
            }
        };
        let icmp_type = num(parts.next())?;
        let code = num(parts.next())?;
        return Ok(PortSpec::Icmp {
            proto,
            icmp_type,
            code,
        });
    }
    match rest {
        None => Ok(PortSpec::Proto(proto)),
        Some(r) if proto == 6 || proto == 17 => {
            let (a, b) = match r.split_once('-') {
                Some((a, b)) => (port_num(a, w)?, port_num(b, w)?),
                None => {
                    let p = port_num(r, w)?;
                    (p, p)
                }
            };
            if a > b {
                return Err(Diagnostic::in_input(
                    format!("port range `{r}` is backwards"),
                    w.span,
                    "empty range",
                )
                .with_help(format!("did you mean `{proto_s}/{b}-{a}`?")));
            }
            Ok(PortSpec::Ports {
                proto,
                from: a,
                to: b,
            })
        }
        Some(_) => Err(Diagnostic::in_input(
            format!("protocol `{proto_s}` has no ports"),
            w.span,
            "ports only apply to tcp and udp",
        )
        .with_help(format!("write `{proto_s}` alone"))),
    }
}

/// Parses one query.
pub fn parse(text: &str) -> Result<Parsed, Diagnostic> {
    let mut words = tokenize(text)?;
    // A trailing `as FORMAT`.
    let mut format = None;
    if words.len() >= 2 {
        let n = words.len();
        if !words[n - 2].quoted && words[n - 2].text.eq_ignore_ascii_case("as") {
            let f = &words[n - 1];
            let names = ["text", "json", "mermaid", "dot"];
            format = Some(match f.text.to_lowercase().as_str() {
                "text" => QueryFormat::Text,
                "json" => QueryFormat::Json,
                "mermaid" => QueryFormat::Mermaid,
                "dot" => QueryFormat::Dot,
                other => {
                    let mut e = Diagnostic::in_input(
                        format!("unknown output format `{}`", f.text),
                        f.span,
                        "not a format",
                    );
                    e = e.with_help(match crate::model::suggest(other, names) {
                        Some(s) => format!("did you mean `{s}`?"),
                        None => "formats are `text`, `json`, `mermaid` and `dot`".into(),
                    });
                    return Err(e);
                }
            });
            words.truncate(n - 2);
        }
    }
    let mut p = Parser { words, at: 0, text };
    let Some(first) = p.next() else {
        return Err(Diagnostic::in_input(
            "empty query",
            Span { start: 0, end: 1 },
            "expected a query",
        )
        .with_help("type `help` for the query forms"));
    };
    let kw = first.text.to_lowercase();
    let query = match kw.as_str() {
        "can" => {
            let src = p.endpoint("source")?;
            p.keyword(&["reach", "->"], "after the source")?;
            let dst = p.endpoint("destination")?;
            let ports = p.ports()?;
            Query::Can { src, dst, ports }
        }
        "who" => {
            p.keyword(&["can"], "after `who`")?;
            p.keyword(&["reach"], "after `who can`")?;
            let dst = p.endpoint("destination")?;
            let ports = p.ports()?;
            Query::Who { dst, ports }
        }
        "what" => {
            p.keyword(&["can"], "after `what`")?;
            let src = p.endpoint("source")?;
            p.keyword(&["reach"], "after the source")?;
            let ports = p.ports()?;
            Query::What { src, ports }
        }
        "path" => {
            let src = p.endpoint("source")?;
            p.keyword(&["->", "to"], "after the source")?;
            let dst = p.endpoint("destination")?;
            let ports = p.ports()?;
            Query::Path { src, dst, ports }
        }
        "why" => {
            p.keyword(&["not"], "after `why`")?;
            let src = p.endpoint("source")?;
            p.keyword(&["->", "to", "reach"], "after the source")?;
            let dst = p.endpoint("destination")?;
            let ports = p.ports()?;
            Query::WhyNot { src, dst, ports }
        }
        "exposed" => Query::Exposed,
        "check" => Query::Check(p.next()),
        "show" => match p.next() {
            Some(w) => Query::Show(w),
            None => {
                return Err(Diagnostic::in_input(
                    "expected a resource after `show`, found the end of the query",
                    p.end_span(),
                    "expected a resource",
                )
                .with_help("e.g. `show db-sg`"));
            }
        },
        "reload" => Query::Reload,
        "help" | "?" => Query::Help(p.next().map(|w| w.text.to_lowercase())),
        "quit" | "exit" => Query::Quit,
        _ => {
            let mut e = Diagnostic::in_input(
                format!("unknown query `{}`", first.text),
                first.span,
                "not a query",
            );
            e = e.with_help(match crate::model::suggest(&kw, COMMANDS.iter().copied()) {
                Some(s) => format!("did you mean `{s}`? (`help` lists the query forms)"),
                None => "queries start with `can`, `who`, `what`, `path`, `why not`, `exposed`, `check`, `show`, `reload` or `help`".into(),
            });
            return Err(e);
        }
    };
    p.finish()?;
    Ok(Parsed { query, format })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_every_form() {
        let can = parse("can app-1 reach db-1 on tcp/5432").unwrap();
        assert!(matches!(
            can.query,
            Query::Can { ref ports, .. } if ports == &[PortSpec::Ports { proto: 6, from: 5432, to: 5432 }]
        ));
        assert!(matches!(
            parse("who can reach db on tcp/1-2, udp/53").unwrap().query,
            Query::Who { ref ports, .. } if ports.len() == 2
        ));
        assert!(matches!(
            parse("what can app reach").unwrap().query,
            Query::What { .. }
        ));
        let path = parse("path app->s3 as mermaid").unwrap();
        assert_eq!(path.format, Some(QueryFormat::Mermaid));
        assert!(matches!(path.query, Query::Path { ref src, ref dst, .. }
            if src.word.text == "app" && dst.word.text == "s3"));
        assert!(matches!(
            parse("why not internet -> db on icmp/8").unwrap().query,
            Query::WhyNot { ref ports, .. } if ports == &[PortSpec::Icmp { proto: 1, icmp_type: Some(8), code: None }]
        ));
        assert_eq!(parse("exposed").unwrap().query, Query::Exposed);
        assert!(matches!(
            parse("check public-exposure").unwrap().query,
            Query::Check(Some(_))
        ));
        assert!(
            matches!(parse("show \"my sg\"").unwrap().query, Query::Show(ref w) if w.text == "my sg")
        );
    }

    #[test]
    fn errors_have_positions_and_suggestions() {
        let e = parse("cna a reach b").unwrap_err();
        assert_eq!(e.input.map(|m| m.span), Some(Span { start: 0, end: 3 }));
        assert_eq!(
            e.help.as_deref(),
            Some("did you mean `can`? (`help` lists the query forms)")
        );
        let e = parse("can a rech b").unwrap_err();
        assert_eq!(e.input.map(|m| m.span.start), Some(6));
        assert!(e.help.unwrap().contains("`reach`"));
        let e = parse("can a reach b on tpc/22").unwrap_err();
        assert!(e.help.unwrap().contains("`tcp`"));
        let e = parse("can a reach b tcp/22").unwrap_err();
        assert!(e.help.unwrap().contains("on tcp/22"));
        let e = parse("can a reach").unwrap_err();
        assert!(e.message.contains("end of the query"));
        let e = parse("can a reach b on tcp/9-1").unwrap_err();
        assert!(e.help.unwrap().contains("tcp/1-9"));
        let r = parse("cna a").unwrap_err().render(Some("cna a"));
        assert!(r.contains("1 | cna a\n  | ^^^ not a query"), "{r}");
    }
}
