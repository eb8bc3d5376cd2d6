//! Running one line of the query language: parse, evaluate, render.
//! Shared by `netverify query` and the REPL.

use crate::diag::Diagnostic;
use crate::engine::Engine;
use crate::model::{ResourceRef, Topology};
use crate::query::endpoint::{self, lookup_resource};
use crate::query::eval;
use crate::query::lang::{self, Query, QueryFormat, Word};
use crate::render::{self, TextOptions};
use crate::report::answer::{Answer, AnswerKind, Reply};
use crate::report::{Report, Verdict};

/// What the session needs to answer queries.
pub struct Context<'a, 't> {
    pub engine: &'a Engine<'t>,
    /// The topology file's text, for `show` (`None` for a snapshot directory).
    pub source: Option<&'a str>,
    pub opts: TextOptions,
    /// The format when the query does not say `as FORMAT`.
    pub format: QueryFormat,
}

/// How a query came out, for exit codes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Status {
    Reply(Reply),
    /// `check` and `exposed`: the verdict, as the commands report it.
    Verdict(Verdict),
}

/// The result of one line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Action {
    /// Print this; the query came out as `status`.
    Output {
        text: String,
        status: Status,
    },
    /// A mistake in the query (rendered, with position and suggestion).
    Error(String),
    /// Re-read the topology, keeping the session.
    Reload,
    Quit,
    /// Nothing to do (an empty line or a comment).
    Nothing,
}

/// The `help` text.
pub const HELP: &str = "\
Queries (endpoints are names, AWS ids, IPs, CIDRs, `internet`, `s3`, `dynamodb`,
`ecr`, on-prem network names, or `tag:KEY=VALUE`):

  can SRC reach DST [on PORTS]     yes / no / unknown, with a witness packet and path
  who can reach DST [on PORTS]     every source, with its exact protocols and ports
  what can SRC reach [on PORTS]    every destination, with its exact protocols and ports
  path SRC -> DST [on PORTS]       every distinct path, each hop with its rule and file:line
  why not SRC -> DST [on PORTS]    the most nearly complete path and EVERY blocker, with fixes
  exposed                          what the internet can reach (as `netverify exposed`)
  check [ID]                       run the checks (as `netverify check`)
  show RESOURCE                    a resource's definition, with file:line
  reload                           re-read the topology file, keep the session
  help                             this text
  quit                             leave (or Ctrl-D)

PORTS: tcp/443, udp/1024-65535, icmp/8, icmp/3/4, icmpv6, 50, all; several with commas.
Any query may end in `as json`; `path` and `why not` also `as mermaid` or `as dot`.

Examples:
  can internet reach web-alb on tcp/443
  can app-1 reach db-primary-eni on tcp/5432
  who can reach db-primary-eni
  what can app-1 reach on tcp/443
  path internet -> web-alb
  why not internet -> db-primary-eni on tcp/5432
  why not app-1 -> s3 as mermaid
  show app-sg
";

fn status_of(a: &Answer) -> Status {
    Status::Reply(a.answer)
}

fn render_answer(a: &Answer, format: QueryFormat, opts: &TextOptions) -> String {
    match format {
        QueryFormat::Text => render::answer::render(a, opts),
        QueryFormat::Json => render::render_json_value(a),
        QueryFormat::Mermaid => render::mermaid::render(a),
        QueryFormat::Dot => render::dot::render(a),
    }
}

/// Parses, evaluates and renders one line.
pub fn run_line(ctx: &Context<'_, '_>, line: &str) -> Action {
    let text = line.trim();
    if text.is_empty() || text.starts_with('#') {
        return Action::Nothing;
    }
    match run(ctx, text) {
        Ok(a) => a,
        Err(e) => Action::Error(e.render(Some(text))),
    }
}

fn run(ctx: &Context<'_, '_>, text: &str) -> Result<Action, Diagnostic> {
    let parsed = lang::parse(text)?;
    let format = parsed.format.unwrap_or(ctx.format);
    let draws = matches!(parsed.query, Query::Path { .. } | Query::WhyNot { .. });
    if matches!(format, QueryFormat::Mermaid | QueryFormat::Dot) && !draws {
        let words = lang::tokenize(text)?;
        let span = words.last().map(|w| w.span).unwrap_or_default();
        return Err(Diagnostic::in_input(
            format!(
                "`{}` draws paths: only `path` and `why not` have pictures",
                format.name()
            ),
            span,
            "not available for this query",
        )
        .with_help("use `as text` or `as json`, or ask `path SRC -> DST`"));
    }
    let engine = ctx.engine;
    let answer = match &parsed.query {
        Query::Can { src, dst, ports } => eval::can(engine, text, src, dst, ports, false)?,
        Query::Path { src, dst, ports } => eval::can(engine, text, src, dst, ports, true)?,
        Query::WhyNot { src, dst, ports } => eval::why_not(engine, text, src, dst, ports)?,
        Query::Who { dst, ports } => eval::who(engine, text, dst, ports)?,
        Query::What { src, ports } => eval::what(engine, text, src, ports)?,
        Query::Exposed => {
            let rep = crate::query::exposed(engine);
            let status = Status::Verdict(if rep.unknown.is_empty() {
                Verdict::Proven
            } else {
                Verdict::Unknown
            });
            let f = match format {
                QueryFormat::Json => render::Format::Json,
                _ => render::Format::Text,
            };
            return Ok(Action::Output {
                text: render::render_exposed(&rep, f, &ctx.opts),
                status,
            });
        }
        Query::Check(id) => return check(ctx, id.as_ref(), format),
        Query::Show(w) => show(engine.topo, ctx.source, w, text)?,
        Query::Help(_) => {
            let mut a = Answer::new(text, AnswerKind::Help, Reply::Info, "help".into());
            a.text = Some(HELP.to_string());
            a
        }
        Query::Reload => return Ok(Action::Reload),
        Query::Quit => return Ok(Action::Quit),
    };
    Ok(Action::Output {
        text: render_answer(&answer, format, &ctx.opts),
        status: status_of(&answer),
    })
}

fn check(
    ctx: &Context<'_, '_>,
    id: Option<&Word>,
    format: QueryFormat,
) -> Result<Action, Diagnostic> {
    let selected: Vec<&crate::checks::Check> = match id {
        None => crate::checks::REGISTRY.iter().collect(),
        Some(w) => match crate::checks::find(&w.text) {
            Some(c) => vec![c],
            None => {
                let ids = crate::checks::ids();
                let e = Diagnostic::in_input(
                    format!("unknown check `{}`", w.text),
                    w.span,
                    "not a check",
                );
                return Err(match crate::model::suggest(&w.text, ids.iter().copied()) {
                    Some(s) => e.with_help(format!("did you mean `{s}`?")),
                    None => e.with_help(format!(
                        "the checks are {}",
                        ids.iter()
                            .map(|i| format!("`{i}`"))
                            .collect::<Vec<_>>()
                            .join(", ")
                    )),
                });
            }
        },
    };
    let results = selected.iter().map(|c| (c.run)(ctx.engine)).collect();
    let report = Report::new(ctx.engine.topo.file.clone(), results);
    let f = match format {
        QueryFormat::Json => render::Format::Json,
        _ => render::Format::Text,
    };
    Ok(Action::Output {
        text: render::render_report(&report, f, &ctx.opts),
        status: Status::Verdict(report.verdict),
    })
}

/// The lines of the YAML item that starts at `line` (1-based): that line
/// and every following line indented deeper than its list dash.
fn item_lines(source: &str, line: u32) -> Option<(u32, Vec<&str>)> {
    let lines: Vec<&str> = source.lines().collect();
    let mut start = (line as usize).checked_sub(1)?;
    let indent = |l: &str| l.len() - l.trim_start().len();
    // Walk back to the line with the list dash of this item.
    let mut k = start;
    loop {
        let l = lines.get(k)?;
        if l.trim_start().starts_with("- ") || l.trim_start() == "-" {
            start = k;
            break;
        }
        if k == 0 || start - k > 3 {
            break;
        }
        k -= 1;
    }
    let first = lines.get(start)?;
    let dash = indent(first);
    let mut out = vec![*first];
    for l in lines.iter().skip(start + 1) {
        if l.trim().is_empty() {
            out.push(l);
            continue;
        }
        if indent(l) <= dash {
            break;
        }
        out.push(l);
        if out.len() >= 80 {
            break;
        }
    }
    while out.last().is_some_and(|l| l.trim().is_empty()) {
        out.pop();
    }
    Some((start as u32 + 1, out))
}

fn kind_word(r: ResourceRef) -> &'static str {
    match r {
        ResourceRef::PrefixList(_) => "prefix list",
        ResourceRef::Vpc(_) => "VPC",
        ResourceRef::Subnet(_) => "subnet",
        ResourceRef::RouteTable(_) => "route table",
        ResourceRef::Nacl(_) => "network ACL",
        ResourceRef::SecurityGroup(_) => "security group",
        ResourceRef::Instance(_) => "instance",
        ResourceRef::Eni(_) => "network interface",
        ResourceRef::Igw(_) => "internet gateway",
        ResourceRef::Eigw(_) => "egress-only internet gateway",
        ResourceRef::Nat(_) => "NAT gateway",
        ResourceRef::LoadBalancer(_) => "load balancer",
        ResourceRef::TargetGroup(_) => "target group",
        ResourceRef::Endpoint(_) => "VPC endpoint",
        ResourceRef::Peering(_) => "peering connection",
        ResourceRef::Other(_) => "resource",
    }
}

/// `show RESOURCE`: the definition, as written, with `file:line`.
fn show(
    topo: &Topology,
    source: Option<&str>,
    w: &Word,
    query: &str,
) -> Result<Answer, Diagnostic> {
    let name = w.text.strip_prefix("name:").unwrap_or(&w.text);
    let on_prem = topo.hybrid.on_prem.iter().find(|n| n.meta.name == name);
    let (title, pos, derived) = match (lookup_resource(topo, name), on_prem) {
        (_, Some(n)) => (format!("on-prem network `{name}`"), n.meta.pos, false),
        (Some(r), None) => {
            let m = topo.meta(r);
            let derived = match r {
                ResourceRef::Eni(e) => topo.enis[e].derived,
                ResourceRef::Nacl(n) => topo.nacls[n].synthesized,
                ResourceRef::RouteTable(t) => topo.route_tables[t].derived,
                _ => false,
            };
            let id = m
                .aws_id
                .as_deref()
                .map(|i| format!(" ({i})"))
                .unwrap_or_default();
            (format!("{} `{}`{id}", kind_word(r), m.name), m.pos, derived)
        }
        (None, None) => {
            let names = endpoint::known_names(topo);
            let e = Diagnostic::in_input(
                format!("unknown resource `{name}`"),
                w.span,
                "not a resource in this topology",
            );
            return Err(
                match crate::model::suggest(name, names.iter().map(String::as_str)) {
                    Some(s) => e.with_help(format!("did you mean `{s}`?")),
                    None => {
                        e.with_help("names are as written in the topology file; tab completes them")
                    }
                },
            );
        }
    };
    let mut text = String::new();
    // A snapshot directory has no file positions: its definition is found
    // by name in the topology YAML generated from it.
    let imported = std::path::Path::new(&topo.file).is_dir();
    let line = if imported {
        source.and_then(|src| {
            src.lines()
                .position(|l| {
                    // Plain, or quoted when the name needs it (escapes included).
                    l.trim_start().strip_prefix("- name: ").is_some_and(|v| {
                        v == name || serde_saphyr::from_str::<String>(v).is_ok_and(|v| v == name)
                    })
                })
                .map(|i| i as u32 + 1)
        })
    } else if pos.is_unknown() || derived {
        None
    } else {
        Some(pos.line)
    };
    match (source, line) {
        (Some(src), Some(line)) => match item_lines(src, line) {
            Some((first, lines)) => {
                if imported {
                    text.push_str(&format!(
                        "{title} — imported from {} (as `netverify import snapshot` writes it)\n",
                        topo.file
                    ));
                } else {
                    text.push_str(&format!("{title} — {}:{first}\n", topo.file));
                }
                let width = (first as usize + lines.len()).to_string().len();
                for (i, l) in lines.iter().enumerate() {
                    text.push_str(&format!("{:>width$} | {l}\n", first as usize + i));
                }
            }
            None => text.push_str(&format!("{title} — {}:{line}\n", topo.file)),
        },
        _ => text.push_str(&format!(
            "{title}: derived by netverify (an AWS default or implied resource), not written in {}\n",
            topo.file
        )),
    }
    let mut a = Answer::new(query, AnswerKind::Show, Reply::Info, title);
    a.text = Some(text);
    Ok(a)
}
