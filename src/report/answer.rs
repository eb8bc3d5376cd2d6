//! Answers to queries: plain data that the renderers lay out (text, JSON,
//! Mermaid, DOT). Nothing here knows about output formats.

use serde::Serialize;

use crate::report::{FlowSummary, Hop, PacketView};

/// The short answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Reply {
    /// Some packet gets there (or, for listings, the list is not empty).
    Yes,
    /// No packet gets there, and nothing on the way is unknown.
    No,
    /// The engine cannot decide: a component on the way is not modelled.
    Unknown,
    /// Not a yes/no question (`show`, `help`).
    Info,
}

impl Reply {
    pub fn as_str(self) -> &'static str {
        match self {
            Reply::Yes => "yes",
            Reply::No => "no",
            Reply::Unknown => "unknown",
            Reply::Info => "info",
        }
    }
}

/// How a hop treated the packet.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum HopStatus {
    /// The rule let the packet through.
    Pass,
    /// The packet is dropped here.
    Blocked,
    /// The engine cannot tell what happens here.
    Unknown,
}

/// One hop of a path, with its status and, when it blocks, what would have
/// to change.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PathHop {
    #[serde(flatten)]
    pub hop: Hop,
    pub status: HopStatus,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub fix: Option<String>,
}

/// One path from a source to a destination.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PathView {
    pub from: String,
    pub to: String,
    /// A concrete packet that takes this path.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub packet: Option<PacketView>,
    pub hops: Vec<PathHop>,
    /// `delivered`, `blocked`, `unknown`, `internet`, `endpoint`.
    pub outcome: String,
    /// Every packet that takes this path (protocol, ports, peers).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub carries: Vec<FlowSummary>,
}

/// One source (for `who can reach`) or destination (for `what can reach`)
/// and the exact packets.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ReachEntry {
    pub endpoint: String,
    /// `internet`, `network-interface`, `on-prem-network`, `service`, …
    pub kind: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub aws_id: Option<String>,
    /// Where it is (subnet and VPC of an interface).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub location: Option<String>,
    /// Protocols and ports; `sources` holds the peer addresses (the sending
    /// addresses for `who`, the destination addresses for `what`).
    pub flows: Vec<FlowSummary>,
}

/// A blocker of a `why not` path: the component, the rule (or missing rule)
/// and what would have to change.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Blocker {
    pub component: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub aws_id: Option<String>,
    pub rule: String,
    pub fix: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub location: Option<crate::report::Location>,
}

/// What kind of query an answer answers; serialised as the query word.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum AnswerKind {
    /// `can A reach B`.
    Can,
    /// `path A -> B`: every distinct path.
    Path,
    /// `who can reach B`.
    Who,
    /// `what can A reach`.
    What,
    /// `why not A -> B`.
    WhyNot,
    /// `show RESOURCE`.
    Show,
    /// `help`.
    Help,
}

/// The answer to one query.
#[derive(Debug, Clone, Serialize)]
pub struct Answer {
    pub version: u32,
    /// The query as typed.
    pub query: String,
    pub kind: AnswerKind,
    pub answer: Reply,
    /// One sentence.
    pub summary: String,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub paths: Vec<PathView>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub entries: Vec<ReachEntry>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub blockers: Vec<Blocker>,
    /// Why the answer is (partly) unknown.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub unknown: Vec<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub notes: Vec<String>,
    /// Free text (`show`, `help`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub text: Option<String>,
}

impl Answer {
    pub fn new(query: &str, kind: AnswerKind, answer: Reply, summary: String) -> Answer {
        Answer {
            version: 1,
            query: query.to_string(),
            kind,
            answer,
            summary,
            paths: Vec::new(),
            entries: Vec::new(),
            blockers: Vec::new(),
            unknown: Vec::new(),
            notes: Vec::new(),
            text: None,
        }
    }
}
