//! Findings and check results: plain data that renderers turn into text,
//! JSON or SARIF. Nothing here knows about AWS or about output formats.

pub mod answer;
pub mod diff;

use serde::Serialize;

/// The outcome of a check, or of a whole run.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Verdict {
    Proven,
    Unknown,
    Violated,
}

impl Verdict {
    pub fn as_str(self) -> &'static str {
        match self {
            Verdict::Proven => "proven",
            Verdict::Violated => "violated",
            Verdict::Unknown => "unknown",
        }
    }

    /// Combine verdicts: any violation wins, then any unknown.
    pub fn combine(self, other: Verdict) -> Verdict {
        match (self, other) {
            (Verdict::Violated, _) | (_, Verdict::Violated) => Verdict::Violated,
            (Verdict::Unknown, _) | (_, Verdict::Unknown) => Verdict::Unknown,
            _ => Verdict::Proven,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    /// Makes the check `violated`.
    Error,
    /// Makes the check `unknown`.
    Warning,
    /// Information only.
    Note,
}

/// What a finding is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum FindingKind {
    /// The property does not hold; there is a witness.
    Violation,
    /// The engine could not decide; the reason is in the message.
    Unknown,
    /// Extra information that does not change the verdict.
    Info,
}

/// A place in a topology file, or in a `.tf` file of a Terraform plan.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Location {
    pub file: String,
    pub line: u32,
    pub column: u32,
    /// What is written there (`.tf` sources): the first line of the
    /// attribute or block, e.g. `cidr_blocks = ["0.0.0.0/0"]`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub text: Option<String>,
    /// For a resource inside a Terraform module: the `module "x" {` calls
    /// that lead to it, outermost first.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub module_calls: Vec<Location>,
}

/// A concrete packet, as the attacker (or the source) sends it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PacketView {
    pub src: String,
    pub dst: String,
    /// `tcp`, `udp`, `icmp`, `icmpv6`, or the protocol number.
    pub protocol: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub src_port: Option<u16>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub dst_port: Option<u16>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub icmp_type: Option<u8>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub icmp_code: Option<u8>,
}

/// One step of a path: the component crossed and the rule that decided.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Hop {
    /// The component's name, e.g. `igw-main`, `nacl-public`, `sg-web`.
    pub component: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub aws_id: Option<String>,
    /// The rule that admitted (or, in a blocked path, dropped) the packet,
    /// e.g. `ingress rule 100: allow tcp 443 from 0.0.0.0/0`.
    pub rule: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub location: Option<Location>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Witness {
    pub packet: PacketView,
    pub path: Vec<Hop>,
}

/// A set of flows, summarised for people: protocol, ports and sources.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FlowSummary {
    /// `tcp`, `udp`, `icmp`, `icmpv6`, `all`, or a protocol number.
    pub protocol: String,
    /// Port ranges (`22`, `1024-65535`) or ICMP `type/code`; empty for protocols without ports.
    pub ports: Vec<String>,
    /// Source CIDRs.
    pub sources: Vec<String>,
    /// The address the flows arrive at, e.g. the public IP.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub address: Option<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Finding {
    pub kind: FindingKind,
    pub severity: Severity,
    pub resource: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub aws_id: Option<String>,
    pub message: String,
    /// Every AWS id the finding names (resource, gateways, rules' owners).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub aws_ids: Vec<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub flows: Vec<FlowSummary>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub witness: Option<Witness>,
    /// The primary location: the rule that opened the path, or the resource.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub location: Option<Location>,
}

#[derive(Debug, Clone, Serialize)]
pub struct CheckResult {
    pub id: &'static str,
    pub verdict: Verdict,
    pub summary: String,
    pub findings: Vec<Finding>,
}

/// Everything one `netverify check` run found.
#[derive(Debug, Clone, Serialize)]
pub struct Report {
    pub version: u32,
    pub verdict: Verdict,
    #[serde(skip)]
    pub file: String,
    pub checks: Vec<CheckResult>,
}

impl Report {
    pub fn new(file: String, checks: Vec<CheckResult>) -> Report {
        let verdict = checks
            .iter()
            .fold(Verdict::Proven, |v, c| v.combine(c.verdict));
        Report {
            version: 1,
            verdict,
            file,
            checks,
        }
    }
}

/// One internet-reachable resource, for `netverify exposed`.
#[derive(Debug, Clone, Serialize)]
pub struct ExposedResource {
    pub resource: String,
    /// `network-interface`, `instance`, `load-balancer`.
    pub kind: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub aws_id: Option<String>,
    /// An instance's exposed network interfaces, by name (an instance is
    /// reported once, not once more per interface).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub interfaces: Vec<String>,
    pub flows: Vec<FlowSummary>,
    /// Whether a TCP session can complete (C-0.3 (b)), when known.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub session: Option<bool>,
}

#[derive(Debug, Clone, Serialize)]
pub struct ExposedReport {
    pub version: u32,
    pub exposed: Vec<ExposedResource>,
    /// Reasons the list may be incomplete (fail closed).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub unknown: Vec<String>,
}
