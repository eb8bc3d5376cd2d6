//! Reading a topology file: bounded YAML parsing, and parse errors reworded
//! as [`Diagnostic`]s. Validation and resolution are in `validate.rs`.

use std::collections::BTreeSet;
use std::fs::File;
use std::io::{self, Read};
use std::path::Path;
use std::sync::OnceLock;

use serde_json::Value;
use serde_saphyr::budget::BudgetBreach;
use serde_saphyr::options::AliasLimits;
use serde_saphyr::{
    Budget, DefaultMessageFormatter, DuplicateKeyPolicy, Error as YamlError, MessageFormatter,
    Options,
};

use super::error::{Diagnostic, LoadError, token_len};
use super::format::TopologyFile;
use super::fuzzy::{did_you_mean, one_of};
use super::resolved::Topology;
use super::schema::json_schema;
use super::spanned::Pos;
use super::validate::resolve;

/// The largest input accepted, in bytes.
pub const MAX_INPUT_BYTES: usize = 512 * 1024 * 1024;

/// How many YAML events aliases may replay in total. Hand-written files share
/// a rule list or two through anchors; an alias bomb ("billion laughs")
/// needs millions. Kept low so that a bomb fails in milliseconds.
pub const MAX_ALIAS_REPLAY: usize = 25_000;

/// Read, parse, validate and resolve the topology at `path`.
/// `Topology.file` and every diagnostic name the path as given.
pub fn load_file(path: &Path) -> Result<Topology, LoadError> {
    let shown = path.display().to_string();
    let text = read_text(path, &shown)?;
    load_str(&text, &shown)
}

/// Parse, validate and resolve `text`, naming it `file` in diagnostics.
pub fn load_str(text: &str, file: &str) -> Result<Topology, LoadError> {
    let parsed = parse_str(text, file)?;
    resolve(parsed, file)
}

/// Parse `text` into the format types without validating it.
pub fn parse_str(text: &str, file: &str) -> Result<TopologyFile, LoadError> {
    if text.len() > MAX_INPUT_BYTES {
        return Err(too_large(file));
    }
    if let Some(parsed) = super::parallel::parse(text, options, super::parallel::MIN_PARALLEL_BYTES)
    {
        return Ok(parsed);
    }
    parse_serial(text, file)
}

/// The parallel parser alone, whatever the size (`None`: it declined).
/// For tests that compare it with [`parse_serial`].
#[doc(hidden)]
pub fn parse_parallel_any_size(text: &str) -> Option<TopologyFile> {
    super::parallel::parse(text, options, 0)
}

/// Parse `text` on one core (the reference path; also gives the errors).
pub fn parse_serial(text: &str, file: &str) -> Result<TopologyFile, LoadError> {
    if text.len() > MAX_INPUT_BYTES {
        return Err(too_large(file));
    }
    serde_saphyr::from_str_with_options::<TopologyFile>(text, options())
        .map_err(|e| LoadError::Parse(Box::new(parse_diagnostic(&e, text, file))))
}

fn read_text(path: &Path, shown: &str) -> Result<String, LoadError> {
    let io_err = |source: io::Error| LoadError::Io {
        diagnostic: Box::new(Diagnostic::new(
            shown,
            Pos::default(),
            format!("cannot read `{shown}`: {}", io_reason(&source)),
        )),
        source,
    };
    let file = File::open(path).map_err(io_err)?;
    if file
        .metadata()
        .is_ok_and(|m| m.len() > MAX_INPUT_BYTES as u64)
    {
        return Err(too_large(shown));
    }
    let mut bytes = Vec::new();
    // Read one byte past the limit, so an oversized file is detected without
    // reading all of it.
    file.take(MAX_INPUT_BYTES as u64 + 1)
        .read_to_end(&mut bytes)
        .map_err(io_err)?;
    if bytes.len() > MAX_INPUT_BYTES {
        return Err(too_large(shown));
    }
    String::from_utf8(bytes).map_err(|e| {
        let valid = &e.as_bytes()[..e.utf8_error().valid_up_to()];
        let line = valid.iter().filter(|&&b| b == b'\n').count() + 1;
        let start = valid.iter().rposition(|&b| b == b'\n').map_or(0, |i| i + 1);
        let column = String::from_utf8_lossy(&valid[start..]).chars().count() + 1;
        let pos = Pos::at(to_u32(line), to_u32(column));
        LoadError::Parse(Box::new(Diagnostic::new(
            shown,
            pos,
            "the file is not valid UTF-8",
        )))
    })
}

fn io_reason(e: &io::Error) -> String {
    match e.kind() {
        io::ErrorKind::NotFound => "no such file".into(),
        io::ErrorKind::PermissionDenied => "permission denied".into(),
        io::ErrorKind::IsADirectory => "it is a directory".into(),
        _ => lower_first(&e.to_string()),
    }
}

fn too_large(file: &str) -> LoadError {
    LoadError::TooLarge(Box::new(Diagnostic::new(
        file,
        Pos::default(),
        format!(
            "`{file}` is larger than {} MiB",
            MAX_INPUT_BYTES / (1024 * 1024)
        ),
    )))
}

fn options() -> Options {
    let mut budget = Budget::default();
    budget.max_reader_input_bytes = Some(MAX_INPUT_BYTES);
    // Size is bounded by MAX_INPUT_BYTES; these only need to admit any file
    // of that size. Alias expansion is what the budget must stop.
    budget.max_events = 200_000_000;
    budget.max_nodes = 100_000_000;
    budget.max_total_scalar_bytes = MAX_INPUT_BYTES;
    let mut aliases = AliasLimits::default();
    aliases.max_total_replayed_events = MAX_ALIAS_REPLAY;
    aliases.max_replay_stack_depth = 16;
    let mut opts = Options::default();
    opts.budget = Some(budget);
    opts.alias_limits = aliases;
    opts.duplicate_keys = DuplicateKeyPolicy::Error;
    opts.with_snippet = false;
    opts
}

/// The innermost error, under alias and snippet wrappers.
fn original(mut err: &YamlError) -> &YamlError {
    while let YamlError::AliasError { error, .. } | YamlError::WithSnippet { error, .. } = err {
        err = error;
    }
    err
}

fn parse_diagnostic(err: &YamlError, text: &str, file: &str) -> Diagnostic {
    let inner = original(err);
    let pos = err
        .location()
        .or_else(|| inner.location())
        .map(|l| Pos::at(to_u32(l.line()), to_u32(l.column())))
        .unwrap_or_default();
    let span = err.location().or_else(|| inner.location()).and_then(|l| {
        let span = l.span();
        let offset = usize::try_from(span.byte_offset()?).ok()?;
        let len = usize::try_from(span.byte_len()?).ok()?;
        Some((offset, len))
    });
    let at = At { pos, span };
    let (mut message, mut help) = describe(inner, text, at);
    // Our own value parsers (e.g. `Scalar`) can only pass text through the
    // parser: a trailing ` (help: …)` becomes the help line.
    if help.is_none()
        && let Some((m, h)) = message.split_once(" (help: ")
    {
        help = Some(h.trim_end_matches(')').to_string());
        message = m.to_string();
    }
    Diagnostic::new(file, pos, message).with_help_opt(help)
}

fn to_u32(n: impl TryInto<u32>) -> u32 {
    n.try_into().unwrap_or(u32::MAX)
}

/// Where a parse error is: position, and byte span when known.
#[derive(Clone, Copy)]
struct At {
    pos: Pos,
    span: Option<(usize, usize)>,
}

/// The parser's error, in this project's words.
fn describe(err: &YamlError, text: &str, at: At) -> (String, Option<String>) {
    let pos = at.pos;
    match err {
        YamlError::SerdeUnknownField {
            field, expected, ..
        } => {
            let ctx = struct_label(expected, text, pos)
                .map(|l| format!(" in {l}"))
                .unwrap_or_default();
            let lower = field.to_ascii_lowercase().replace('-', "_");
            if lower.contains("pre_shared") || lower.contains("preshared") || lower == "psk" {
                return (
                    format!("unknown key `{field}`{ctx}"),
                    Some("pre-shared keys are secrets and are never part of a topology; remove the key".into()),
                );
            }
            let help = did_you_mean(field, expected.iter().copied())
                .or_else(|| Some(format!("expected one of {}", one_of(expected))));
            (format!("unknown key `{field}`{ctx}"), help)
        }
        YamlError::SerdeUnknownVariant {
            variant, expected, ..
        } => (
            format!("unknown value `{variant}`, expected {}", one_of(expected)),
            did_you_mean(variant, expected.iter().copied()),
        ),
        YamlError::SerdeMissingField { field, .. } => (format!("missing key `{field}`"), None),
        YamlError::DuplicateMappingKey { key, .. } => {
            let key = key
                .as_deref()
                .map(|k| format!(" `{k}`"))
                .unwrap_or_default();
            (
                format!("duplicate key{key}"),
                Some("a key may appear only once in a mapping".into()),
            )
        }
        YamlError::InvalidScalar { ty, .. } => (
            format!(
                "invalid value {}: expected {}",
                found(text, pos, at.span),
                expected_desc(ty)
            ),
            None,
        ),
        YamlError::SerdeInvalidType {
            unexpected,
            expected,
            ..
        }
        | YamlError::SerdeInvalidValue {
            unexpected,
            expected,
            ..
        } => (
            format!("expected {}, found {unexpected}", expected_desc(expected)),
            None,
        ),
        YamlError::Unexpected { expected, .. } => {
            let what = match *expected {
                "sequence start" => "a list",
                "mapping start" => "a mapping",
                "scalar" | "string scalar" | "value" => "a single value",
                other => other,
            };
            (
                format!("expected {what}, found {}", found(text, pos, at.span)),
                None,
            )
        }
        YamlError::Eof { .. } if text.trim().is_empty() => (
            "the file is empty".into(),
            Some("a topology starts with `version: 1`".into()),
        ),
        YamlError::Eof { .. } => ("unexpected end of file".into(), None),
        YamlError::MultipleDocuments { .. } => (
            "the file holds more than one YAML document".into(),
            Some("a topology is a single document: remove the `---` separator".into()),
        ),
        YamlError::UnknownAnchor { .. } => ("alias refers to an unknown anchor".into(), None),
        YamlError::AliasReplayLimitExceeded { .. }
        | YamlError::AliasExpansionLimitExceeded { .. }
        | YamlError::AliasReplayStackDepthExceeded { .. } => alias_bomb(),
        YamlError::Budget { breach, .. } => describe_breach(breach),
        other => {
            let msg = DefaultMessageFormatter.format_message(other);
            if msg.contains("recursion limit") {
                return ("the YAML is nested too deeply".into(), None);
            }
            (lower_first(msg.trim_end_matches('.')), None)
        }
    }
}

fn alias_bomb() -> (String, Option<String>) {
    (
        format!("aliases in this file expand to more than {MAX_ALIAS_REPLAY} YAML nodes"),
        Some(
            "this looks like an alias bomb; write the values out instead of nesting aliases".into(),
        ),
    )
}

fn describe_breach(breach: &BudgetBreach) -> (String, Option<String>) {
    match breach {
        BudgetBreach::Depth { depth } => (
            format!("the YAML is nested too deeply ({depth} levels)"),
            None,
        ),
        BudgetBreach::Aliases { .. }
        | BudgetBreach::AliasAnchorRatio { .. }
        | BudgetBreach::RecordedAnchorEvents { .. }
        | BudgetBreach::RecordedAnchorBytes { .. } => alias_bomb(),
        BudgetBreach::Documents { .. } => (
            "the file holds more than one YAML document".into(),
            Some("a topology is a single document: remove the `---` separator".into()),
        ),
        BudgetBreach::InputBytes { .. } | BudgetBreach::ScalarBytes { .. } => (
            format!(
                "the file is larger than {} MiB",
                MAX_INPUT_BYTES / (1024 * 1024)
            ),
            None,
        ),
        other => (
            format!(
                "the YAML exceeds a parser limit ({})",
                lower_first(&format!("{other:?}"))
            ),
            None,
        ),
    }
}

/// Lowercase the first letter of a message from another library.
fn lower_first(s: &str) -> String {
    let mut c = s.chars();
    match c.next() {
        Some(f) => f.to_lowercase().chain(c).collect(),
        None => String::new(),
    }
}

/// What the parser expected, without Rust type names.
fn expected_desc(expected: &str) -> String {
    let e = expected.trim();
    if e.starts_with("struct ") || e == "a map" || e == "map" {
        return "a mapping".into();
    }
    match e {
        "u8" | "u16" | "u32" | "u64" | "u128" | "usize" => "a whole number".into(),
        "i8" | "i16" | "i32" | "i64" | "i128" | "isize" => "an integer".into(),
        "f32" | "f64" => "a number".into(),
        "bool" | "boolean" | "a boolean" => "`true` or `false`".into(),
        "a sequence" | "sequence" => "a list".into(),
        "string" | "a string" | "str" => "a string".into(),
        other => other.into(),
    }
}

/// The value the parser stopped at, for "found …": `` `3` ``, `a list` or
/// `a mapping`. Uses the parser's span when it has one, else the token at
/// `pos`.
fn found(text: &str, pos: Pos, span: Option<(usize, usize)>) -> String {
    let from_span = span
        .and_then(|(o, l)| text.get(o..o.saturating_add(l)))
        .filter(|s| !s.trim().is_empty());
    let raw = match from_span {
        Some(s) => s.to_owned(),
        None => {
            let line = text
                .split('\n')
                .nth((pos.line as usize).saturating_sub(1))
                .unwrap_or_default();
            let start = (pos.column as usize).saturating_sub(1);
            let len = token_len(line, start);
            line.chars().skip(start).take(len).collect()
        }
    };
    // A quoted scalar is shown as its value, not as YAML source: its own
    // escapes (`\\`, `\"`, `''`) decoded, so that the one escaping policy
    // (`crate::escape::terminal`, when the message is shown) is the only one.
    let raw = match raw.trim_start().chars().next() {
        Some('"' | '\'') => serde_saphyr::from_str::<String>(raw.trim()).unwrap_or(raw),
        _ => raw,
    };
    let t = raw.split_whitespace().collect::<Vec<_>>().join(" ");
    match t.chars().next() {
        None => "nothing".into(),
        Some('[') => "a list".into(),
        Some('{') => "a mapping".into(),
        Some('-') if t == "-" || t.starts_with("- ") => "a list".into(),
        _ => {
            let mut out: String = t.chars().take(40).collect();
            if t.chars().count() > 40 {
                out.push('…');
            }
            format!("`{out}`")
        }
    }
}

/// Names a mapping of the format (``in vpc``) from the list of keys the
/// parser expected there, using the generated schema. When several types
/// share the same keys, the top-level section above `pos` decides.
fn struct_label(expected: &[&str], text: &str, pos: Pos) -> Option<&'static str> {
    let wanted: BTreeSet<&str> = expected.iter().copied().collect();
    let candidates: Vec<&'static str> = struct_keys()
        .iter()
        .filter(|(_, keys)| keys.iter().map(String::as_str).collect::<BTreeSet<_>>() == wanted)
        .map(|(name, _)| *name)
        .collect();
    let pick = match candidates.as_slice() {
        [] => return None,
        [one] => *one,
        several => {
            let section = top_level_key(text, pos)?;
            *several
                .iter()
                .find(|c| section_of(c) == Some(section.as_str()))?
        }
    };
    Some(label_of(pick))
}

/// For each type of the format, its keys, from the schema.
fn struct_keys() -> &'static [(&'static str, Vec<String>)] {
    static KEYS: OnceLock<Vec<(&'static str, Vec<String>)>> = OnceLock::new();
    KEYS.get_or_init(|| {
        let schema = json_schema();
        let keys = |v: &Value| -> Vec<String> {
            v.get("properties")
                .and_then(Value::as_object)
                .map(|m| m.keys().cloned().collect())
                .unwrap_or_default()
        };
        let mut out = vec![("TopologyFile", keys(&schema))];
        if let Some(defs) = schema.get("$defs").and_then(Value::as_object) {
            for (name, def) in defs {
                if let Some(known) = LABELS.iter().find(|(n, _, _)| n == name) {
                    out.push((known.0, keys(def)));
                }
            }
        }
        out
    })
}

/// Type name, label in messages, top-level section it lives under.
const LABELS: &[(&str, &str, Option<&str>)] = &[
    ("TopologyFile", "the top level of the file", None),
    ("PrefixList", "prefix list", Some("prefix_lists")),
    ("Vpc", "vpc", Some("vpcs")),
    ("DhcpOptions", "dhcp_options", Some("vpcs")),
    ("Subnet", "subnet", Some("subnets")),
    ("RouteTable", "route table", Some("route_tables")),
    ("Route", "route", Some("route_tables")),
    ("NetworkAcl", "network acl", Some("network_acls")),
    ("NaclRule", "network acl rule", Some("network_acls")),
    ("SecurityGroup", "security group", Some("security_groups")),
    ("SgRule", "security group rule", Some("security_groups")),
    ("Instance", "instance", Some("instances")),
    (
        "EniOwner",
        "network interface owner",
        Some("network_interfaces"),
    ),
    ("PrivateIp", "private IP", Some("network_interfaces")),
    (
        "NetworkInterface",
        "network interface",
        Some("network_interfaces"),
    ),
    (
        "InternetGateway",
        "internet gateway",
        Some("internet_gateways"),
    ),
    (
        "EgressOnlyInternetGateway",
        "egress-only internet gateway",
        Some("egress_only_internet_gateways"),
    ),
    ("NatGateway", "nat gateway", Some("nat_gateways")),
    ("LoadBalancer", "load balancer", Some("load_balancers")),
    ("Listener", "listener", Some("load_balancers")),
    ("TargetGroup", "target group", Some("target_groups")),
    ("Target", "target", Some("target_groups")),
    ("VpcEndpoint", "vpc endpoint", Some("vpc_endpoints")),
    (
        "PeeringConnection",
        "peering connection",
        Some("peering_connections"),
    ),
    (
        "TransitGateway",
        "transit gateway",
        Some("transit_gateways"),
    ),
    (
        "TgwAttachment",
        "transit gateway attachment",
        Some("transit_gateways"),
    ),
    (
        "TgwRouteTable",
        "transit gateway route table",
        Some("transit_gateways"),
    ),
    (
        "TgwRoute",
        "transit gateway route",
        Some("transit_gateways"),
    ),
    ("VpnGateway", "vpn gateway", Some("vpn_gateways")),
    (
        "CustomerGateway",
        "customer gateway",
        Some("customer_gateways"),
    ),
    ("VpnConnection", "vpn connection", Some("vpn_connections")),
    ("VpnTunnel", "vpn tunnel", Some("vpn_connections")),
    (
        "TunnelTelemetry",
        "tunnel telemetry",
        Some("vpn_connections"),
    ),
    ("DirectConnect", "direct_connect", Some("direct_connect")),
    (
        "DxConnection",
        "direct connect connection",
        Some("direct_connect"),
    ),
    ("DxLag", "direct connect lag", Some("direct_connect")),
    (
        "DxVirtualInterface",
        "virtual interface",
        Some("direct_connect"),
    ),
    (
        "DxGateway",
        "direct connect gateway",
        Some("direct_connect"),
    ),
    (
        "DxGatewayAssociation",
        "direct connect gateway association",
        Some("direct_connect"),
    ),
    ("MacsecKey", "macsec key", Some("direct_connect")),
    ("OnPremNetwork", "on-prem network", Some("on_prem_networks")),
    (
        "OnPremAdvertisement",
        "on-prem advertisement",
        Some("on_prem_networks"),
    ),
    (
        "BlockPublicAccess",
        "block_public_access",
        Some("block_public_access"),
    ),
    (
        "BpaExclusion",
        "block public access exclusion",
        Some("block_public_access"),
    ),
    ("Policy", "policy", Some("policy")),
    (
        "PublicExposurePolicy",
        "public_exposure policy",
        Some("policy"),
    ),
    ("ExposureAllow", "public exposure allowance", Some("policy")),
    (
        "OnPremAccessPolicy",
        "on_prem_access policy",
        Some("policy"),
    ),
    ("OnPremAllow", "on-prem access allowance", Some("policy")),
    (
        "PrivateServiceAccessPolicy",
        "private_service_access policy",
        Some("policy"),
    ),
    ("ServiceUse", "service use", Some("policy")),
    ("ServiceResource", "bucket or table", Some("policy")),
    ("S3Section", "s3", Some("s3")),
    ("S3Account", "s3 account", Some("s3")),
    (
        "PublicAccessBlockConfig",
        "s3 public access block",
        Some("s3"),
    ),
    ("Bucket", "bucket", Some("s3")),
    ("AclGrant", "acl grant", Some("s3")),
    ("AccessPoint", "access point", Some("s3")),
    ("Website", "website configuration", Some("s3")),
    ("Gap", "gap", Some("gaps")),
    ("GapScope", "gap scope", Some("gaps")),
];

fn label_of(name: &str) -> &'static str {
    LABELS
        .iter()
        .find(|(n, _, _)| *n == name)
        .map_or("mapping", |(_, l, _)| l)
}

fn section_of(name: &str) -> Option<&'static str> {
    LABELS
        .iter()
        .find(|(n, _, _)| *n == name)
        .and_then(|(_, _, s)| *s)
}

/// The top-level key whose block contains line `pos.line`.
fn top_level_key(text: &str, pos: Pos) -> Option<String> {
    let lines: Vec<&str> = text.split('\n').take(pos.line as usize).collect();
    lines.iter().rev().find_map(|l| {
        let first = l.chars().next()?;
        if first.is_whitespace() || first == '#' || first == '-' {
            return None;
        }
        l.split_once(':')
            .map(|(k, _)| k.trim().trim_matches(['"', '\'']).to_string())
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn labels_cover_every_struct_of_the_schema() {
        let schema = json_schema();
        let defs = schema
            .get("$defs")
            .and_then(Value::as_object)
            .cloned()
            .unwrap_or_default();
        for (name, def) in defs {
            if def.get("properties").is_some() {
                assert!(
                    LABELS.iter().any(|(n, _, _)| *n == name),
                    "no label for `{name}`"
                );
            }
        }
    }

    #[test]
    fn found_takes_the_token() {
        let text = "a: 1\nb: hello # c\n";
        assert_eq!(found(text, Pos::at(2, 4), None), "`hello`");
        assert_eq!(found(text, Pos::at(9, 4), None), "nothing");
        assert_eq!(found(text, Pos::at(1, 1), Some((0, 1))), "`a`");
        assert_eq!(found("x: [1]", Pos::at(1, 4), None), "a list");
    }
}
