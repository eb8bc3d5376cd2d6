//! SARIF 2.1.0 output, as GitHub code scanning ingests it.
//!
//! One run; one rule per check in the report (proven checks included, so
//! that code scanning sees the rule ran and can close old alerts); one result
//! per finding: violations at level `error`, unknowns at `warning`, info at
//! `note`. A result points at the finding's primary location (the YAML line
//! of the rule that opened the path) so that the annotation lands on the PR
//! line, and carries the witness path as a code flow with one step per hop.
//!
//! Escaping: the document is written by [`json::render_value`], so no string
//! carries a bidi or control character raw; `message.text` values, which
//! code scanning shows to people, are in addition escaped visibly with
//! [`crate::escape::terminal`] (see `docs/JSON-OUTPUT.md`).

use std::collections::BTreeMap;
use std::collections::HashMap;

use serde::Serialize;

use super::json;
use super::text::{flow_text, name_with_id, packet_text};
use crate::escape::terminal;
use crate::report::{Finding, FindingKind, Hop, Location, Report};

const SCHEMA: &str = "https://json.schemastore.org/sarif-2.1.0.json";
const INFORMATION_URI: &str = "https://github.com/netverify/netverify";
const HELP_URI_BASE: &str = "https://github.com/netverify/netverify/blob/main/README.md#";
/// The key of our entry in `partialFingerprints`. The value is a hash of the
/// check id, resource and message, not of the line, so that moving a rule
/// in the YAML does not open a new alert. Bump the suffix if the hashed
/// fields ever change.
pub const FINGERPRINT_KEY: &str = "netverifyFindingHash/v1";

/// What a rule says about itself in SARIF, supplied by whoever knows the
/// checks (the renderer does not).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RuleDoc<'a> {
    /// The check id, e.g. `public-exposure`.
    pub id: &'a str,
    /// One line: what the check proves.
    pub short_description: &'a str,
    /// A paragraph: what it proves and why it matters.
    pub full_description: &'a str,
    /// Help in Markdown: how to read a finding and how to fix it. Also used,
    /// as is, for the plain-text help.
    pub help_markdown: &'a str,
}

/// SARIF for a `netverify check` run, with generic rule descriptions that
/// point at the check's documentation.
pub fn render_report(report: &Report) -> String {
    render_report_with_docs(report, &[])
}

/// SARIF for a `netverify check` run, describing each rule from `docs`
/// (matched by id); checks missing from `docs` get a generic description.
pub fn render_report_with_docs(report: &Report, docs: &[RuleDoc<'_>]) -> String {
    json::render_value(&build(report, docs))
}

fn build<'a>(report: &'a Report, docs: &[RuleDoc<'a>]) -> Log<'a> {
    let mut rules: Vec<Rule<'a>> = Vec::new();
    let mut rule_index: HashMap<&str, usize> = HashMap::new();
    for check in &report.checks {
        if !rule_index.contains_key(check.id) {
            rule_index.insert(check.id, rules.len());
            rules.push(rule(check.id, docs.iter().find(|d| d.id == check.id)));
        }
    }

    let mut seen: HashMap<String, usize> = HashMap::new();
    let mut results = Vec::new();
    for check in &report.checks {
        for finding in &check.findings {
            let hash = finding_hash(check.id, &finding.resource, &finding.message);
            let n = seen.entry(hash.clone()).or_insert(0);
            *n += 1;
            let fingerprint = format!("{hash}:{n}");
            let index = rule_index.get(check.id).copied().unwrap_or(0);
            results.push(result(report, check.id, index, finding, fingerprint));
        }
    }

    Log {
        schema: SCHEMA,
        version: "2.1.0",
        runs: vec![Run {
            tool: Tool {
                driver: Driver {
                    name: "netverify",
                    information_uri: INFORMATION_URI,
                    version: env!("CARGO_PKG_VERSION"),
                    semantic_version: env!("CARGO_PKG_VERSION"),
                    rules,
                },
            },
            // Columns come from the YAML parser, which counts characters.
            column_kind: "unicodeCodePoints",
            results,
        }],
    }
}

fn rule<'a>(id: &'a str, doc: Option<&RuleDoc<'a>>) -> Rule<'a> {
    let help_uri = format!("{HELP_URI_BASE}{id}");
    let (short, full, help_text, help_markdown) = match doc {
        Some(d) => (
            d.short_description.to_owned(),
            d.full_description.to_owned(),
            d.help_markdown.to_owned(),
            d.help_markdown.to_owned(),
        ),
        None => (
            format!("netverify check `{id}`"),
            format!(
                "Findings of the netverify `{id}` check. A violation comes with a witness: \
                 a concrete packet and the hop-by-hop path, with the rule that admitted it at \
                 each hop."
            ),
            format!("See {help_uri} for what `{id}` proves and how to fix a failure."),
            format!(
                "See [the `{id}` reference]({help_uri}) for what it proves and how to fix a failure."
            ),
        ),
    };
    Rule {
        id,
        name: pascal_case(id),
        short_description: Message { text: short },
        full_description: Message { text: full },
        help: Help {
            text: help_text,
            markdown: help_markdown,
        },
        help_uri,
        default_configuration: Configuration { level: "error" },
        properties: RuleProperties {
            tags: ["network", "security"],
        },
    }
}

fn result<'a>(
    report: &'a Report,
    check_id: &'a str,
    rule_index: usize,
    f: &'a Finding,
    fingerprint: String,
) -> SarifResult<'a> {
    let level = match f.kind {
        FindingKind::Violation => "error",
        FindingKind::Unknown => "warning",
        FindingKind::Info => "note",
    };
    // Message texts are for people (code scanning shows them in the pull
    // request): escaped as for a terminal. Other strings keep their value.
    let mut text = terminal(&f.message).into_owned();
    if let Some(w) = &f.witness {
        text.push_str("\nwitness: ");
        text.push_str(&terminal(&packet_text(&w.packet)));
    }

    // The primary location; without one, the top of the topology file, so
    // that code scanning still has somewhere to show the alert.
    let primary = match &f.location {
        Some(loc) => Some(physical(loc)),
        None if !report.file.is_empty() => Some(PhysicalLocation {
            artifact_location: artifact(&report.file),
            region: Region {
                start_line: 1,
                start_column: 1,
                snippet: None,
            },
        }),
        None => None,
    };
    let locations = primary
        .map(|p| SarifLocation {
            id: None,
            physical_location: Some(p),
            message: None,
        })
        .into_iter()
        .collect();
    // A `.tf` line inside a module: the module calls that lead to it.
    let related_locations = f
        .location
        .iter()
        .flat_map(|l| &l.module_calls)
        .enumerate()
        .map(|(n, call)| SarifLocation {
            id: Some(n + 1),
            physical_location: Some(physical(call)),
            message: Some(Message {
                text: format!(
                    "module call {}",
                    terminal(call.text.as_deref().unwrap_or_default())
                ),
            }),
        })
        .collect();

    let code_flows = match &f.witness {
        Some(w) if !w.path.is_empty() => vec![CodeFlow {
            message: Message {
                text: terminal(&packet_text(&w.packet)).into_owned(),
            },
            thread_flows: vec![ThreadFlow {
                locations: w.path.iter().map(thread_flow_location).collect(),
            }],
        }],
        _ => Vec::new(),
    };

    let mut partial_fingerprints = BTreeMap::new();
    partial_fingerprints.insert(FINGERPRINT_KEY, fingerprint);

    SarifResult {
        rule_id: check_id,
        rule_index,
        level,
        message: Message { text },
        locations,
        related_locations,
        partial_fingerprints,
        code_flows,
        properties: ResultProperties {
            resource: name_with_id(&f.resource, f.aws_id.as_deref()),
            aws_id: f.aws_id.as_deref(),
            aws_ids: all_aws_ids(f),
            flows: f.flows.iter().map(flow_text).collect(),
        },
    }
}

fn thread_flow_location(hop: &Hop) -> ThreadFlowLocation<'_> {
    ThreadFlowLocation {
        location: SarifLocation {
            id: None,
            physical_location: hop.location.as_ref().map(physical),
            message: Some(Message {
                text: format!("{} — {}", terminal(&hop.component), terminal(&hop.rule)),
            }),
        },
        properties: hop.aws_id.as_deref().map(|aws_id| HopProperties { aws_id }),
    }
}

/// The finding's own AWS ids, then the resource's, then each hop's, without
/// repeats, in that order.
fn all_aws_ids(f: &Finding) -> Vec<&str> {
    let hops = f
        .witness
        .iter()
        .flat_map(|w| w.path.iter().filter_map(|h| h.aws_id.as_deref()));
    let mut ids: Vec<&str> = Vec::new();
    for id in f
        .aws_ids
        .iter()
        .map(String::as_str)
        .chain(f.aws_id.as_deref())
        .chain(hops)
    {
        if !id.is_empty() && !ids.contains(&id) {
            ids.push(id);
        }
    }
    ids
}

fn physical(loc: &Location) -> PhysicalLocation {
    PhysicalLocation {
        artifact_location: artifact(&loc.file),
        region: Region {
            start_line: loc.line.max(1),
            start_column: loc.column.max(1),
            snippet: loc.text.as_ref().map(|t| Message { text: t.clone() }),
        },
    }
}

/// A file path as a SARIF artifact location: forward slashes, percent-encoded;
/// relative paths (the usual case: as given on the command line, relative
/// to the repository) get `uriBaseId: %SRCROOT%`, absolute ones become
/// `file://` URIs.
fn artifact(path: &str) -> ArtifactLocation {
    let mut p = path.replace('\\', "/");
    while let Some(rest) = p.strip_prefix("./") {
        p = rest.to_owned();
    }
    let bytes = p.as_bytes();
    let drive = bytes.len() >= 2 && bytes[0].is_ascii_alphabetic() && bytes[1] == b':';
    if drive {
        ArtifactLocation {
            uri: format!("file:///{}:{}", &p[..1], percent_encode(&p[2..])),
            uri_base_id: None,
        }
    } else if p.starts_with('/') {
        ArtifactLocation {
            uri: format!("file://{}", percent_encode(&p)),
            uri_base_id: None,
        }
    } else {
        ArtifactLocation {
            uri: percent_encode(&p),
            uri_base_id: Some("%SRCROOT%"),
        }
    }
}

/// Percent-encode everything but unreserved characters, `/` and the
/// sub-delimiters. `:` is encoded so that a relative path never reads as a
/// URI scheme.
fn percent_encode(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        let keep = b.is_ascii_alphanumeric()
            || matches!(
                b,
                b'-' | b'.'
                    | b'_'
                    | b'~'
                    | b'/'
                    | b'!'
                    | b'$'
                    | b'&'
                    | b'\''
                    | b'('
                    | b')'
                    | b'*'
                    | b'+'
                    | b','
                    | b';'
                    | b'='
                    | b'@'
            );
        if keep {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// A stable 64-bit FNV-1a hash of the fields that identify a finding, as
/// 16 hex digits. Each field is followed by a NUL so that `("ab", "c")` and
/// `("a", "bc")` differ. FNV is not a cryptographic hash and need not be: it
/// only has to be stable across runs, platforms and versions.
pub fn finding_hash(check_id: &str, resource: &str, message: &str) -> String {
    const OFFSET: u64 = 0xcbf2_9ce4_8422_2325;
    const PRIME: u64 = 0x0000_0100_0000_01b3;
    let mut h = OFFSET;
    for field in [check_id, resource, message] {
        for b in field.bytes().chain(std::iter::once(0)) {
            h ^= u64::from(b);
            h = h.wrapping_mul(PRIME);
        }
    }
    format!("{h:016x}")
}

/// `public-exposure` → `PublicExposure`.
fn pascal_case(id: &str) -> String {
    id.split(['-', '_'])
        .map(|word| {
            let mut chars = word.chars();
            match chars.next() {
                Some(first) => first.to_uppercase().chain(chars).collect::<String>(),
                None => String::new(),
            }
        })
        .collect()
}

// The SARIF object model, as much of it as we emit. Field order follows the
// specification's examples, so the output reads top-down.

#[derive(Serialize)]
struct Log<'a> {
    #[serde(rename = "$schema")]
    schema: &'static str,
    version: &'static str,
    runs: Vec<Run<'a>>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Run<'a> {
    tool: Tool<'a>,
    column_kind: &'static str,
    results: Vec<SarifResult<'a>>,
}

#[derive(Serialize)]
struct Tool<'a> {
    driver: Driver<'a>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Driver<'a> {
    name: &'static str,
    information_uri: &'static str,
    version: &'static str,
    semantic_version: &'static str,
    rules: Vec<Rule<'a>>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Rule<'a> {
    id: &'a str,
    name: String,
    short_description: Message,
    full_description: Message,
    help: Help,
    help_uri: String,
    default_configuration: Configuration,
    properties: RuleProperties,
}

#[derive(Serialize)]
struct Message {
    text: String,
}

#[derive(Serialize)]
struct Help {
    text: String,
    markdown: String,
}

#[derive(Serialize)]
struct Configuration {
    level: &'static str,
}

#[derive(Serialize)]
struct RuleProperties {
    tags: [&'static str; 2],
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct SarifResult<'a> {
    rule_id: &'a str,
    rule_index: usize,
    level: &'static str,
    message: Message,
    locations: Vec<SarifLocation>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    related_locations: Vec<SarifLocation>,
    partial_fingerprints: BTreeMap<&'static str, String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    code_flows: Vec<CodeFlow<'a>>,
    properties: ResultProperties<'a>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct ResultProperties<'a> {
    resource: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    aws_id: Option<&'a str>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    aws_ids: Vec<&'a str>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    flows: Vec<String>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct SarifLocation {
    #[serde(skip_serializing_if = "Option::is_none")]
    id: Option<usize>,
    #[serde(skip_serializing_if = "Option::is_none")]
    physical_location: Option<PhysicalLocation>,
    #[serde(skip_serializing_if = "Option::is_none")]
    message: Option<Message>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct PhysicalLocation {
    artifact_location: ArtifactLocation,
    region: Region,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct ArtifactLocation {
    uri: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    uri_base_id: Option<&'static str>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Region {
    start_line: u32,
    start_column: u32,
    /// What is written there (`.tf` sources).
    #[serde(skip_serializing_if = "Option::is_none")]
    snippet: Option<Message>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct CodeFlow<'a> {
    message: Message,
    thread_flows: Vec<ThreadFlow<'a>>,
}

#[derive(Serialize)]
struct ThreadFlow<'a> {
    locations: Vec<ThreadFlowLocation<'a>>,
}

#[derive(Serialize)]
struct ThreadFlowLocation<'a> {
    location: SarifLocation,
    #[serde(skip_serializing_if = "Option::is_none")]
    properties: Option<HopProperties<'a>>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct HopProperties<'a> {
    aws_id: &'a str,
}
