//! Resource policies (S3 bucket and access point policies, DynamoDB table
//! policies, VPC endpoint policies), evaluated exactly over the request
//! space (C-19.1–C-19.6).
//!
//! A [`Policy`] is parsed once from the document as written. It answers two
//! kinds of question:
//! - [`Policy::evaluate`]: what happens to one concrete [`Request`]:
//!   denied by a statement, allowed by a statement, not allowed, or unknown
//!   (naming the key or operator the evaluator does not support);
//! - [`Policy::search`] (in `search.rs`): is there a request in a space
//!   (a [`Space`]) that is allowed, or one that is not. The space's string
//!   and address dimensions are partitioned exactly by the policy's own
//!   patterns and ranges (`pattern::regions`), so the answer is exact: a
//!   witness request, "none", or unknown.
//!
//! What "public" means for S3 and what Block Public Access changes is in
//! `s3.rs`. The one place where IAM's rules are written is here: the
//! private-service-access and public-exposure checks use this module.

pub mod pattern;
pub mod s3;
mod search;

use std::fmt;
use std::net::IpAddr;

use ipnet::IpNet;
use serde_json::Value;

pub use crate::diag::Pos;
pub use search::{Found, Space, Want};

use pattern::Pattern;

/// Who makes a request.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Principal {
    /// No credentials.
    Anonymous,
    /// An IAM user or role (its ARN, `aws:PrincipalArn`); its account is the
    /// ARN's fifth component (`aws:PrincipalAccount`).
    Aws(String),
    /// An AWS service principal, e.g. `cloudfront.amazonaws.com`.
    Service(String),
    /// A canonical user id (S3).
    Canonical(String),
}

impl Principal {
    /// `aws:PrincipalAccount`.
    pub fn account(&self) -> Option<&str> {
        match self {
            Principal::Aws(arn) => arn.split(':').nth(4),
            _ => None,
        }
    }
}

impl fmt::Display for Principal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Principal::Anonymous => f.write_str("anonymous"),
            Principal::Aws(a) => write!(f, "`{a}`"),
            Principal::Service(s) => write!(f, "service `{s}`"),
            Principal::Canonical(c) => write!(f, "canonical user `{c}`"),
        }
    }
}

/// One concrete request: the principal, action, resource and the values of
/// the condition keys the evaluator supports (`None`: not in the request).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Request {
    pub principal: Principal,
    pub action: String,
    pub resource: String,
    pub source_ip: Option<IpAddr>,
    pub source_vpce: Option<String>,
    pub source_vpc: Option<String>,
    /// `aws:SecureTransport` (always in the request).
    pub secure_transport: bool,
    pub source_arn: Option<String>,
    pub source_account: Option<String>,
    pub principal_org_id: Option<String>,
    pub userid: Option<String>,
}

impl Request {
    /// A request with no optional keys.
    pub fn new(principal: Principal, action: &str, resource: &str) -> Self {
        Request {
            principal,
            action: action.to_string(),
            resource: resource.to_string(),
            source_ip: None,
            source_vpce: None,
            source_vpc: None,
            secure_transport: true,
            source_arn: None,
            source_account: None,
            principal_org_id: None,
            userid: None,
        }
    }

    fn string(&self, k: Key) -> Option<String> {
        match k {
            Key::SourceVpce => self.source_vpce.clone(),
            Key::SourceVpc => self.source_vpc.clone(),
            Key::SourceArn => self.source_arn.clone(),
            Key::SourceAccount => self.source_account.clone(),
            Key::PrincipalOrgId => self.principal_org_id.clone(),
            Key::PrincipalAccount => self.principal.account().map(str::to_string),
            Key::PrincipalArn => match &self.principal {
                Principal::Aws(a) => Some(a.clone()),
                _ => None,
            },
            Key::UserId => self.userid.clone(),
            Key::SecureTransport => Some(self.secure_transport.to_string()),
            Key::SourceIp => self.source_ip.map(|a| a.to_string()),
        }
    }
}

impl fmt::Display for Request {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} `{}` on `{}`",
            self.principal, self.action, self.resource
        )?;
        if let Some(ip) = self.source_ip {
            write!(f, " from {ip}")?;
        }
        for (k, v) in [
            ("aws:SourceVpce", &self.source_vpce),
            ("aws:SourceVpc", &self.source_vpc),
            ("aws:SourceArn", &self.source_arn),
            ("aws:SourceAccount", &self.source_account),
            ("aws:PrincipalOrgID", &self.principal_org_id),
            ("aws:userid", &self.userid),
        ] {
            if let Some(v) = v {
                write!(f, " with {k} `{v}`")?;
            }
        }
        f.write_str(if self.secure_transport {
            " over TLS"
        } else {
            " without TLS"
        })
    }
}

/// The condition keys the evaluator supports.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Key {
    SourceIp,
    SourceVpce,
    SourceVpc,
    SecureTransport,
    SourceArn,
    SourceAccount,
    PrincipalOrgId,
    PrincipalAccount,
    PrincipalArn,
    UserId,
}

impl Key {
    pub const ALL: [Key; 10] = [
        Key::SourceIp,
        Key::SourceVpce,
        Key::SourceVpc,
        Key::SecureTransport,
        Key::SourceArn,
        Key::SourceAccount,
        Key::PrincipalOrgId,
        Key::PrincipalAccount,
        Key::PrincipalArn,
        Key::UserId,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Key::SourceIp => "aws:SourceIp",
            Key::SourceVpce => "aws:SourceVpce",
            Key::SourceVpc => "aws:SourceVpc",
            Key::SecureTransport => "aws:SecureTransport",
            Key::SourceArn => "aws:SourceArn",
            Key::SourceAccount => "aws:SourceAccount",
            Key::PrincipalOrgId => "aws:PrincipalOrgID",
            Key::PrincipalAccount => "aws:PrincipalAccount",
            Key::PrincipalArn => "aws:PrincipalArn",
            Key::UserId => "aws:userid",
        }
    }

    /// Condition key names are case-insensitive.
    pub fn parse(s: &str) -> Option<Key> {
        Key::ALL
            .into_iter()
            .find(|k| k.name().eq_ignore_ascii_case(s))
    }
}

/// The operator families the evaluator supports.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Family {
    /// `StringEquals`, `StringEqualsIgnoreCase`, `StringLike` and negations.
    String { wild: bool, ignore_case: bool },
    /// `ArnEquals`, `ArnLike` (both take wildcards) and negations.
    Arn,
    /// `IpAddress`, `NotIpAddress`.
    Ip,
    /// `Bool`.
    Bool,
    /// `Null`: whether the key is absent.
    Null,
}

/// `ForAllValues:` / `ForAnyValue:`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SetOp {
    Single,
    ForAll,
    ForAny,
}

/// A condition's comparison against its values.
#[derive(Debug, Clone)]
pub enum Test {
    Strings(Vec<Pattern>),
    Nets(Vec<IpNet>),
    Bool(bool),
    /// `Null: true` (the key must be absent) or `false`.
    Null(bool),
}

/// One `operator: {key: values}` entry.
#[derive(Debug, Clone)]
pub struct Condition {
    /// As written, for messages (`StringNotEquals`).
    pub operator: String,
    pub key: Key,
    pub family: Family,
    pub negated: bool,
    pub if_exists: bool,
    pub set: SetOp,
    pub test: Test,
    /// The values as written.
    pub values: Vec<String>,
}

/// Three-valued truth: what the evaluator knows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Truth {
    True,
    False,
    Unknown,
}

impl Truth {
    fn of(b: bool) -> Truth {
        if b { Truth::True } else { Truth::False }
    }
    fn and(self, o: Truth) -> Truth {
        match (self, o) {
            (Truth::False, _) | (_, Truth::False) => Truth::False,
            (Truth::True, Truth::True) => Truth::True,
            _ => Truth::Unknown,
        }
    }
}

impl Condition {
    /// Whether the condition holds for `r`.
    pub fn holds(&self, r: &Request) -> bool {
        let present = r.string(self.key).is_some();
        if let Test::Null(want_absent) = self.test {
            return present != want_absent;
        }
        if !present {
            // A key not in the request: `…IfExists` and `ForAllValues:`
            // hold, negated operators hold, the rest do not (C-19.2).
            return self.if_exists
                || self.set == SetOp::ForAll
                || (self.negated && self.set == SetOp::Single);
        }
        let base = self.base_match(r);
        if self.negated { !base } else { base }
    }

    fn value_of(&self, r: &Request) -> Option<String> {
        r.string(self.key)
    }

    /// The positive operator on a present key.
    fn base_match(&self, r: &Request) -> bool {
        match &self.test {
            Test::Strings(ps) => {
                let Some(v) = self.value_of(r) else {
                    return false;
                };
                ps.iter().any(|p| p.matches(&v))
            }
            Test::Nets(nets) => r
                .source_ip
                .is_some_and(|ip| nets.iter().any(|n| n.contains(&ip))),
            Test::Bool(b) => r.secure_transport == *b && self.key == Key::SecureTransport,
            Test::Null(_) => false,
        }
    }
}

/// The `Principal` or `NotPrincipal` element.
#[derive(Debug, Clone)]
pub enum PrincipalEntry {
    /// `"*"` or `{"AWS": "*"}`: everyone, anonymous included.
    Everyone,
    /// An account id or its root ARN: every principal of that account.
    Account(String),
    /// One IAM user or role ARN (or an OAI's ARN).
    Arn(String),
    Service(String),
    Canonical(String),
}

impl PrincipalEntry {
    fn matches(&self, p: &Principal) -> bool {
        match (self, p) {
            (PrincipalEntry::Everyone, _) => true,
            (PrincipalEntry::Account(a), p) => p.account() == Some(a.as_str()),
            (PrincipalEntry::Arn(a), Principal::Aws(x)) => a == x,
            (PrincipalEntry::Service(s), Principal::Service(x)) => s.eq_ignore_ascii_case(x),
            (PrincipalEntry::Canonical(c), Principal::Canonical(x)) => c == x,
            _ => false,
        }
    }
}

/// Whom a statement applies to.
#[derive(Debug, Clone)]
pub enum Principals {
    Only(Vec<PrincipalEntry>),
    AllBut(Vec<PrincipalEntry>),
    /// No `Principal` element: an identity-style statement. In a VPC
    /// endpoint policy AWS reads it as every principal; elsewhere it is
    /// not valid and the statement is unsupported.
    Absent,
}

/// `Action`/`NotAction`, `Resource`/`NotResource`.
#[derive(Debug, Clone)]
pub struct Match {
    pub not: bool,
    pub patterns: Vec<Pattern>,
}

impl Match {
    pub fn matches(&self, s: &str) -> bool {
        self.patterns.iter().any(|p| p.matches(s)) != self.not
    }
}

/// Allow or Deny.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Effect {
    Allow,
    Deny,
}

/// One statement, parsed.
#[derive(Debug, Clone)]
pub struct Statement {
    /// Position in the `Statement` list (0-based).
    pub index: usize,
    pub sid: Option<String>,
    /// Where the statement is written (line 0: not known).
    pub pos: Pos,
    pub effect: Effect,
    pub principals: Principals,
    pub action: Match,
    pub resource: Match,
    pub conditions: Vec<Condition>,
    /// What in the statement the evaluator does not support (an unknown
    /// key, operator or element), each named. A statement with such a part
    /// applies `unknown` to any request its supported parts do not rule out.
    pub unsupported: Vec<String>,
}

impl Statement {
    /// `Sid` `x`, or `#2` (1-based).
    pub fn label(&self) -> String {
        match &self.sid {
            Some(s) if !s.is_empty() => format!("`{s}`"),
            _ => format!("#{}", self.index + 1),
        }
    }

    fn principal_matches(&self, p: &Principal, absent_is_everyone: bool) -> Truth {
        match &self.principals {
            Principals::Only(es) => Truth::of(es.iter().any(|e| e.matches(p))),
            Principals::AllBut(es) => Truth::of(!es.iter().any(|e| e.matches(p))),
            Principals::Absent if absent_is_everyone => Truth::True,
            Principals::Absent => Truth::Unknown,
        }
    }

    /// Whether the statement applies to `r`.
    pub fn applies(&self, r: &Request, absent_is_everyone: bool) -> Truth {
        let mut t = Truth::of(self.action.matches(&r.action) && self.resource.matches(&r.resource))
            .and(self.principal_matches(&r.principal, absent_is_everyone));
        for c in &self.conditions {
            t = t.and(Truth::of(c.holds(r)));
        }
        if !self.unsupported.is_empty() {
            t = t.and(Truth::Unknown);
        }
        t
    }
}

/// What a policy does with one request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Decision {
    /// An explicit deny, by statement index.
    Denied(usize),
    /// Allowed, by statement index (and no deny applies).
    Allowed(usize),
    /// No statement allows it (an implicit deny).
    NotAllowed,
    /// It depends on what the evaluator does not support: the reasons.
    Unknown(Vec<String>),
}

/// A parsed resource policy.
#[derive(Debug, Clone)]
pub struct Policy {
    pub statements: Vec<Statement>,
    /// A statement without `Principal` applies to everyone (VPC endpoint
    /// policies); otherwise it is unsupported.
    pub absent_principal_is_everyone: bool,
}

impl Policy {
    /// Parse a policy document. `positions[i]` is where statement `i` is
    /// written (missing entries: not known). A document that is not a
    /// policy at all (no `Statement`) has no statements: it allows nothing.
    pub fn parse(doc: &Value, positions: &[Pos]) -> Policy {
        let list: Vec<&Value> = match doc.get("Statement") {
            Some(Value::Array(a)) => a.iter().collect(),
            Some(s @ Value::Object(_)) => vec![s],
            _ => Vec::new(),
        };
        let statements = list
            .into_iter()
            .enumerate()
            .map(|(i, s)| parse_statement(i, s, positions.get(i).copied().unwrap_or_default()))
            .collect();
        Policy {
            statements,
            absent_principal_is_everyone: false,
        }
    }

    /// The same, for a VPC endpoint policy (a statement without
    /// `Principal` applies to every principal).
    pub fn parse_endpoint(doc: &Value) -> Policy {
        Policy {
            absent_principal_is_everyone: true,
            ..Policy::parse(doc, &[])
        }
    }

    /// What the policy does with `r`: an explicit deny first, then an
    /// allow (C-19.1).
    pub fn evaluate(&self, r: &Request) -> Decision {
        let mut unknown: Vec<String> = Vec::new();
        let mut allow: Option<usize> = None;
        let mut allow_unknown = false;
        let mut deny_unknown = false;
        for s in &self.statements {
            match (s.effect, s.applies(r, self.absent_principal_is_everyone)) {
                (Effect::Deny, Truth::True) => return Decision::Denied(s.index),
                (Effect::Deny, Truth::Unknown) => {
                    deny_unknown = true;
                    unknown.extend(s.reasons());
                }
                (Effect::Allow, Truth::True) => {
                    allow.get_or_insert(s.index);
                }
                (Effect::Allow, Truth::Unknown) => {
                    allow_unknown = true;
                    unknown.extend(s.reasons());
                }
                (_, Truth::False) => {}
            }
        }
        unknown.sort();
        unknown.dedup();
        match allow {
            Some(i) if !deny_unknown => Decision::Allowed(i),
            Some(_) => Decision::Unknown(unknown),
            None if allow_unknown => Decision::Unknown(unknown),
            None => Decision::NotAllowed,
        }
    }

    pub fn statement(&self, index: usize) -> Option<&Statement> {
        self.statements.get(index)
    }
}

impl Statement {
    fn reasons(&self) -> Vec<String> {
        let mut out: Vec<String> = self
            .unsupported
            .iter()
            .map(|u| format!("statement {}: {u}", self.label()))
            .collect();
        if matches!(self.principals, Principals::Absent) {
            out.push(format!(
                "statement {}: no `Principal` element",
                self.label()
            ));
        }
        out
    }
}

fn strings(v: &Value) -> Vec<String> {
    match v {
        Value::String(s) => vec![s.clone()],
        Value::Array(a) => a.iter().flat_map(strings).collect(),
        Value::Bool(b) => vec![b.to_string()],
        Value::Number(n) => vec![n.to_string()],
        _ => Vec::new(),
    }
}

/// A policy variable (`${aws:username}`) makes a value depend on the request.
fn has_variable(s: &str) -> bool {
    s.contains("${")
}

fn parse_statement(index: usize, s: &Value, pos: Pos) -> Statement {
    let mut unsupported = Vec::new();
    let effect = match s.get("Effect").and_then(Value::as_str) {
        Some("Allow") => Effect::Allow,
        Some("Deny") => Effect::Deny,
        other => {
            unsupported.push(format!(
                "`Effect` is {}, not `Allow` or `Deny`",
                other.map_or("missing".to_string(), |o| format!("`{o}`"))
            ));
            Effect::Allow
        }
    };
    let elem = |key: &str, not_key: &str, ignore_case: bool, unsupported: &mut Vec<String>| {
        let (not, v) = match (s.get(key), s.get(not_key)) {
            (Some(v), None) => (false, v),
            (None, Some(v)) => (true, v),
            (Some(_), Some(_)) => {
                unsupported.push(format!("both `{key}` and `{not_key}`"));
                return Match {
                    not: false,
                    patterns: Vec::new(),
                };
            }
            (None, None) => {
                unsupported.push(format!("no `{key}` element"));
                return Match {
                    not: false,
                    patterns: Vec::new(),
                };
            }
        };
        let vals = strings(v);
        for x in &vals {
            if has_variable(x) {
                unsupported.push(format!("policy variable in `{key}` value `{x}`"));
            }
        }
        Match {
            not,
            patterns: vals
                .iter()
                .map(|x| Pattern::new(x, true, ignore_case, false))
                .collect(),
        }
    };
    let action = elem("Action", "NotAction", true, &mut unsupported);
    let resource = elem("Resource", "NotResource", false, &mut unsupported);
    let principals = match (s.get("Principal"), s.get("NotPrincipal")) {
        (Some(p), None) => Principals::Only(principal_entries(p, &mut unsupported)),
        (None, Some(p)) => Principals::AllBut(principal_entries(p, &mut unsupported)),
        (None, None) => Principals::Absent,
        (Some(_), Some(_)) => {
            unsupported.push("both `Principal` and `NotPrincipal`".into());
            Principals::Only(Vec::new())
        }
    };
    let mut conditions = Vec::new();
    match s.get("Condition") {
        None => {}
        Some(Value::Object(ops)) => {
            for (op, body) in ops {
                let Value::Object(keys) = body else {
                    unsupported.push(format!("condition operator `{op}` without keys"));
                    continue;
                };
                for (k, v) in keys {
                    match parse_condition(op, k, &strings(v)) {
                        Ok(c) => conditions.push(c),
                        Err(e) => unsupported.push(e),
                    }
                }
            }
        }
        Some(_) => unsupported.push("`Condition` is not a map".into()),
    }
    Statement {
        index,
        sid: s.get("Sid").and_then(Value::as_str).map(str::to_string),
        pos,
        effect,
        principals,
        action,
        resource,
        conditions,
        unsupported,
    }
}

fn principal_entries(p: &Value, unsupported: &mut Vec<String>) -> Vec<PrincipalEntry> {
    let mut out = Vec::new();
    match p {
        Value::String(s) if s == "*" => out.push(PrincipalEntry::Everyone),
        Value::Object(m) => {
            for (kind, v) in m {
                for x in strings(v) {
                    let e = match kind.as_str() {
                        "AWS" if x == "*" => PrincipalEntry::Everyone,
                        "AWS" if x.len() == 12 && x.chars().all(|c| c.is_ascii_digit()) => {
                            PrincipalEntry::Account(x)
                        }
                        "AWS" if x.contains('*') || has_variable(&x) => {
                            unsupported.push(format!(
                                "wildcard or variable in principal `{x}` (AWS does not accept one)"
                            ));
                            continue;
                        }
                        "AWS" => match x
                            .strip_prefix("arn:")
                            .map(|r| r.split(':').collect::<Vec<_>>())
                        {
                            Some(parts)
                                if parts.len() == 5 && parts[1] == "iam" && parts[4] == "root" =>
                            {
                                PrincipalEntry::Account(parts[3].to_string())
                            }
                            Some(parts) if parts.len() >= 5 => PrincipalEntry::Arn(x),
                            _ => {
                                unsupported
                                    .push(format!("principal `{x}` (not an account id or ARN)"));
                                continue;
                            }
                        },
                        "Service" => PrincipalEntry::Service(x),
                        "CanonicalUser" => PrincipalEntry::Canonical(x),
                        other => {
                            unsupported.push(format!("principal type `{other}`"));
                            continue;
                        }
                    };
                    out.push(e);
                }
            }
        }
        other => unsupported.push(format!("principal `{other}`")),
    }
    out
}

/// Parse one `operator: {key: values}` entry, or say what is unsupported.
pub fn parse_condition(op: &str, key: &str, values: &[String]) -> Result<Condition, String> {
    let (set, rest) = if let Some(r) = op.strip_prefix("ForAllValues:") {
        (SetOp::ForAll, r)
    } else if let Some(r) = op.strip_prefix("ForAnyValue:") {
        (SetOp::ForAny, r)
    } else {
        (SetOp::Single, op)
    };
    let (if_exists, base) = match rest.strip_suffix("IfExists") {
        Some(b) => (true, b),
        None => (false, rest),
    };
    let (family, negated) = match base {
        "StringEquals" => (
            Family::String {
                wild: false,
                ignore_case: false,
            },
            false,
        ),
        "StringNotEquals" => (
            Family::String {
                wild: false,
                ignore_case: false,
            },
            true,
        ),
        "StringEqualsIgnoreCase" => (
            Family::String {
                wild: false,
                ignore_case: true,
            },
            false,
        ),
        "StringNotEqualsIgnoreCase" => (
            Family::String {
                wild: false,
                ignore_case: true,
            },
            true,
        ),
        "StringLike" => (
            Family::String {
                wild: true,
                ignore_case: false,
            },
            false,
        ),
        "StringNotLike" => (
            Family::String {
                wild: true,
                ignore_case: false,
            },
            true,
        ),
        "ArnEquals" | "ArnLike" => (Family::Arn, false),
        "ArnNotEquals" | "ArnNotLike" => (Family::Arn, true),
        "IpAddress" => (Family::Ip, false),
        "NotIpAddress" => (Family::Ip, true),
        "Bool" => (Family::Bool, false),
        "Null" if !if_exists && set == SetOp::Single => (Family::Null, false),
        _ => return Err(format!("condition operator `{op}` is not supported")),
    };
    let Some(k) = Key::parse(key) else {
        return Err(format!("condition key `{key}` is not supported"));
    };
    for v in values {
        if has_variable(v) {
            return Err(format!(
                "policy variable in the `{op}` value `{v}` of `{key}`"
            ));
        }
    }
    let type_err = || format!("operator `{op}` cannot compare `{key}`");
    let test = match family {
        Family::Null => match values {
            [v] if v.eq_ignore_ascii_case("true") => Test::Null(true),
            [v] if v.eq_ignore_ascii_case("false") => Test::Null(false),
            _ => return Err(format!("`Null` value of `{key}` is not `true` or `false`")),
        },
        Family::Ip => {
            if k != Key::SourceIp {
                return Err(type_err());
            }
            let mut nets = Vec::new();
            for v in values {
                let n = v
                    .parse::<IpNet>()
                    .or_else(|_| v.parse::<IpAddr>().map(IpNet::from))
                    .map_err(|_| format!("`{v}` in `{op}` is not an address or CIDR"))?;
                nets.push(n.trunc());
            }
            Test::Nets(nets)
        }
        Family::Bool => {
            if k != Key::SecureTransport {
                return Err(type_err());
            }
            match values {
                [v] if v.eq_ignore_ascii_case("true") => Test::Bool(true),
                [v] if v.eq_ignore_ascii_case("false") => Test::Bool(false),
                _ => return Err(format!("`Bool` value of `{key}` is not `true` or `false`")),
            }
        }
        Family::String { wild, ignore_case } => {
            if matches!(k, Key::SourceIp | Key::SecureTransport) {
                return Err(type_err());
            }
            Test::Strings(
                values
                    .iter()
                    .map(|v| Pattern::new(v, wild, ignore_case, false))
                    .collect(),
            )
        }
        Family::Arn => {
            if !matches!(k, Key::SourceArn | Key::PrincipalArn) {
                return Err(type_err());
            }
            Test::Strings(
                values
                    .iter()
                    .map(|v| Pattern::new(v, true, false, true))
                    .collect(),
            )
        }
    };
    Ok(Condition {
        operator: op.to_string(),
        key: k,
        family,
        negated,
        if_exists,
        set,
        test,
        values: values.to_vec(),
    })
}

#[cfg(test)]
mod tests;
