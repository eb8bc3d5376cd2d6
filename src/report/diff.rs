//! What `netverify diff` found: plain data that the renderers lay out as
//! text, JSON (the contract in the README's `diff` section) or Markdown.

use serde::Serialize;

use super::{FlowSummary, Location, Verdict, Witness};

/// One end of a changed flow: the internet, an on-prem network or the
/// connection packets leave AWS over, or a resource.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct DiffEndpoint {
    /// `internet`, `on-prem`, `on-prem-connection`, `instance`,
    /// `network-interface`, `load-balancer`, `nat-gateway`,
    /// `interface-endpoint`, `gateway-endpoint`, `service`,
    /// `transit-gateway-attachment`.
    pub kind: String,
    /// The resource's name (absent for the internet).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub aws_id: Option<String>,
    /// An instance's network interfaces that the change concerns, by name.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub interfaces: Vec<String>,
}

/// The packets between two endpoints that one side lets through and the
/// other does not.
#[derive(Debug, Clone, Serialize)]
pub struct FlowChange {
    pub source: DiffEndpoint,
    pub destination: DiffEndpoint,
    /// The complete set of changed packets, summarised like `who`/`what`.
    pub flows: Vec<FlowSummary>,
    /// One changed packet and its path, on the side where it gets through
    /// (HEAD for an opened flow, BASE for a closed one).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub witness: Option<Witness>,
    /// Why this change may be incomplete or not hold (missing data the
    /// paths rely on); empty when it is exact.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub unknown: Vec<String>,
    /// The changed resources and rules of HEAD this change depends on:
    /// reverting any one of them alone takes some of its packets back to
    /// BASE. Empty when attribution did not run or found none.
    pub causes: Vec<Cause>,
    /// Why this change violates the policy: an opened flow no policy
    /// allows, or a closed flow the policy expects. Absent when it does not.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub violation: Option<String>,
}

/// A changed resource or rule of HEAD that a change depends on.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Cause {
    /// The resource's kind, from its section: `security-group`,
    /// `route-table`, `subnet`, … (`setting` for a top-level setting).
    pub kind: String,
    /// The resource's name (for a setting, its key).
    pub resource: String,
    /// What changed: `added`, `removed`, `ingress rule added: {…}`,
    /// `route removed: {…}`, ``changed `route_table` ``.
    pub change: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub aws_id: Option<String>,
    /// Where the resource or rule is in HEAD (absent for what HEAD
    /// removed, or when HEAD's input has no positions).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub location: Option<Location>,
}

/// Packets from one source whose fate the engine could not decide on one
/// side: the diff cannot say whether they changed (fail closed).
#[derive(Debug, Clone, Serialize)]
pub struct UnknownChange {
    /// `base` or `head`.
    pub side: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub source: Option<DiffEndpoint>,
    pub reason: String,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub flows: Vec<FlowSummary>,
}

/// A finding, as far as the diff matches it across the sides.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DiffFinding {
    /// `violation`, `unknown` or `info`.
    pub kind: String,
    pub resource: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub aws_id: Option<String>,
    pub message: String,
}

/// One check, before and after.
#[derive(Debug, Clone, Serialize)]
pub struct CheckDelta {
    pub id: &'static str,
    pub before: Verdict,
    pub after: Verdict,
    pub new_findings: Vec<DiffFinding>,
    pub resolved_findings: Vec<DiffFinding>,
}

impl CheckDelta {
    /// The verdict got worse, or a violation appeared.
    pub fn worse(&self) -> bool {
        self.after > self.before || self.new_findings.iter().any(|f| f.kind == "violation")
    }

    pub fn changed(&self) -> bool {
        self.before != self.after
            || !self.new_findings.is_empty()
            || !self.resolved_findings.is_empty()
    }
}

/// Everything `netverify diff` found.
#[derive(Debug, Clone, Serialize)]
pub struct DiffReport {
    pub version: u32,
    #[serde(skip)]
    pub base: String,
    #[serde(skip)]
    pub head: String,
    pub opened: Vec<FlowChange>,
    pub closed: Vec<FlowChange>,
    /// Parts of the answer that depend on something unknown.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub unknown: Vec<UnknownChange>,
    pub checks: Vec<CheckDelta>,
    /// What the diff did not do, e.g. attribution skipped.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub notes: Vec<String>,
}

impl Cause {
    /// What orders and groups changes by cause: kind, resource, change.
    pub fn key(&self) -> (&str, &str, &str) {
        (&self.kind, &self.resource, &self.change)
    }
}

impl DiffReport {
    /// Whether some change violates the policy, or a check got worse.
    pub fn violates(&self) -> bool {
        self.checks.iter().any(CheckDelta::worse)
            || self
                .opened
                .iter()
                .chain(&self.closed)
                .any(|c| c.violation.is_some())
    }

    /// Whether any part of the answer is unknown.
    pub fn has_unknown(&self) -> bool {
        !self.unknown.is_empty()
            || self
                .opened
                .iter()
                .chain(&self.closed)
                .any(|c| !c.unknown.is_empty())
    }
}
