//! What each check is and says about itself, in one place.
//!
//! Every check declares one [`CheckMeta`] (its `META`, beside its code).
//! Everything a user reads about a check is rendered from it:
//! `netverify check --help` and `netverify checks` ([`list`],
//! [`CheckMeta::markdown`]), the SARIF rule descriptions and help
//! ([`CheckMeta::full_description`], [`CheckMeta::help_markdown`]) and the
//! README's check reference ([`reference_markdown`]; `tests/check_docs.rs`
//! fails when the README differs and rewrites it with `NETVERIFY_BLESS=1`).

use std::fmt;

use super::{REGISTRY, expected_flows, transit_encryption};
use super::{ipsec_strength, on_prem_access, private_service_access, public_exposure};

/// A check, by its stable id.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum CheckId {
    PublicExposure,
    PrivateServiceAccess,
    TransitEncryption,
    IpsecStrength,
    OnPremAccess,
    ExpectedFlows,
}

impl CheckId {
    /// Every check, in the order they run and are reported (the order of
    /// [`REGISTRY`]).
    pub const ALL: [CheckId; 6] = [
        CheckId::PublicExposure,
        CheckId::PrivateServiceAccess,
        CheckId::TransitEncryption,
        CheckId::IpsecStrength,
        CheckId::OnPremAccess,
        CheckId::ExpectedFlows,
    ];

    /// The kebab-case id used on the command line, in every output and as
    /// the README anchor.
    pub const fn as_str(self) -> &'static str {
        match self {
            CheckId::PublicExposure => "public-exposure",
            CheckId::PrivateServiceAccess => "private-service-access",
            CheckId::TransitEncryption => "transit-encryption",
            CheckId::IpsecStrength => "ipsec-strength",
            CheckId::OnPremAccess => "on-prem-access",
            CheckId::ExpectedFlows => "expected-flows",
        }
    }

    /// The check with this id, if there is one.
    pub fn parse(id: &str) -> Option<CheckId> {
        CheckId::ALL.into_iter().find(|c| c.as_str() == id)
    }

    /// The check's metadata.
    pub fn meta(self) -> &'static CheckMeta {
        match self {
            CheckId::PublicExposure => &public_exposure::META,
            CheckId::PrivateServiceAccess => &private_service_access::META,
            CheckId::TransitEncryption => &transit_encryption::META,
            CheckId::IpsecStrength => &ipsec_strength::META,
            CheckId::OnPremAccess => &on_prem_access::META,
            CheckId::ExpectedFlows => &expected_flows::META,
        }
    }

    /// The anchor of the check's section in the README. The section's
    /// heading is the id, so GitHub's anchor for it is the id.
    pub const fn docs_anchor(self) -> &'static str {
        self.as_str()
    }
}

impl fmt::Display for CheckId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A check's identity and documentation: the one place it is written.
///
/// The text fields are Markdown, wrapped at about 76 columns. `summary` is
/// one plain line; `proves`, `why`, `example`, `findings` and `fix` are one
/// paragraph each (SARIF shows them as text too), `details` and
/// `assumptions` may hold several paragraphs, lists and code blocks.
#[derive(Debug, Clone, Copy)]
pub struct CheckMeta {
    /// The check: `id` is `check.as_str()`.
    pub check: CheckId,
    /// Stable kebab-case id, used on the command line and in outputs.
    pub id: &'static str,
    /// One line: `--help`, `netverify checks`, SARIF `shortDescription`.
    pub summary: &'static str,
    /// What it proves.
    pub proves: &'static str,
    /// Why it matters.
    pub why: &'static str,
    /// How it decides, when it says `unknown`, what it does not model yet.
    /// README and `netverify checks ID` only.
    pub details: &'static str,
    /// What the proof takes for granted because no input can show it.
    pub assumptions: &'static str,
    /// An example that fails.
    pub example: &'static str,
    /// What a finding says.
    pub findings: &'static str,
    /// How to fix a finding.
    pub fix: &'static str,
    /// The rules of `docs/AWS-SEMANTICS.md` it relies on (C-x.y, traps).
    pub rules: &'static str,
}

/// The width of the README's check reference and `netverify checks ID`.
const MARKDOWN_WIDTH: usize = 76;

/// `text` (one paragraph) as lines of at most `width` columns (a longer
/// word stays whole), each starting with `indent`.
pub fn wrap(text: &str, indent: &str, width: usize) -> String {
    let mut out = String::new();
    let mut line = String::new();
    for word in text.split_whitespace() {
        let used = indent.chars().count() + line.chars().count();
        if !line.is_empty() && used + 1 + word.chars().count() > width {
            out.push_str(&format!("{indent}{line}\n"));
            line.clear();
        }
        if !line.is_empty() {
            line.push(' ');
        }
        line.push_str(word);
    }
    if !line.is_empty() {
        out.push_str(&format!("{indent}{line}\n"));
    }
    out
}

/// `text` with its first letter in capitals.
fn capitalized(text: &str) -> String {
    let mut chars = text.chars();
    chars
        .next()
        .map(|c| c.to_uppercase().chain(chars).collect())
        .unwrap_or_default()
}

/// A Markdown field without its surrounding blank lines.
fn field(s: &str) -> &str {
    s.trim_matches('\n')
}

/// A one-paragraph field on one line (for SARIF, which does not wrap).
fn one_line(s: &str) -> String {
    field(s)
        .lines()
        .map(str::trim)
        .collect::<Vec<_>>()
        .join(" ")
}

impl CheckMeta {
    /// SARIF `fullDescription`: what it proves and why it matters.
    pub fn full_description(&self) -> String {
        format!("{} {}", one_line(self.proves), one_line(self.why))
    }

    /// SARIF `help`: what a finding says, how to fix it, the assumptions
    /// and the rules used, in Markdown.
    pub fn help_markdown(&self) -> String {
        let mut out = format!(
            "{}\n\n**How to fix.** {}",
            one_line(self.findings),
            one_line(self.fix)
        );
        if !field(self.assumptions).is_empty() {
            out.push_str(&format!("\n\n**Assumptions.** {}", field(self.assumptions)));
        }
        out.push_str(&format!(
            "\n\n**AWS rules used:** {}.",
            one_line(self.rules)
        ));
        out
    }

    /// The check's section of the README (and of `netverify checks ID`).
    /// The one-paragraph fields are wrapped; `details` and `assumptions`
    /// are kept as written.
    pub fn markdown(&self) -> String {
        let para = |label: &str, text: &str| wrap(&format!("{label}{text}"), "", MARKDOWN_WIDTH);
        let mut out = format!("### {}\n\n", self.id);
        out.push_str(&para("", &format!("*{}.*", capitalized(self.summary))));
        for (label, text) in [
            ("**What it proves.** ", self.proves),
            ("**Why it matters.** ", self.why),
        ] {
            out.push('\n');
            out.push_str(&para(label, text));
        }
        if !field(self.details).is_empty() {
            out.push_str(&format!("\n{}\n", field(self.details)));
        }
        if !field(self.assumptions).is_empty() {
            out.push_str(&format!("\n**Assumptions.** {}\n", field(self.assumptions)));
        }
        for (label, text) in [
            ("**Example that fails.** ", self.example),
            ("**Findings.** ", self.findings),
            ("**How to fix.** ", self.fix),
        ] {
            out.push('\n');
            out.push_str(&para(label, text));
        }
        out.push('\n');
        out.push_str(&para(
            "**AWS rules used:** ",
            &format!("{}.", one_line(self.rules)),
        ));
        out
    }
}

/// The README's check reference: every check's section, in registry order.
pub fn reference_markdown() -> String {
    REGISTRY
        .iter()
        .map(|c| c.meta.markdown())
        .collect::<Vec<_>>()
        .join("\n")
}

/// One line per check, `id  summary`, each line starting with `indent`.
pub fn list(indent: &str) -> String {
    let width = CheckId::ALL
        .iter()
        .map(|c| c.as_str().len())
        .max()
        .unwrap_or(0);
    REGISTRY
        .iter()
        .map(|c| format!("{indent}{:<width$}  {}\n", c.meta.id, c.meta.summary))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_check_id_has_one_registry_entry_in_order() {
        let registered: Vec<&str> = REGISTRY.iter().map(|c| c.meta.id).collect();
        let ids: Vec<&str> = CheckId::ALL.iter().map(|c| c.as_str()).collect();
        assert_eq!(registered, ids);
        for (c, id) in REGISTRY.iter().zip(CheckId::ALL) {
            assert_eq!(c.meta.check, id);
            assert_eq!(id.meta().id, id.as_str());
            assert_eq!(CheckId::parse(id.as_str()), Some(id));
        }
        assert_eq!(CheckId::parse("public_exposure"), None);
    }

    #[test]
    fn every_check_documents_every_section_but_details_and_assumptions() {
        for id in CheckId::ALL {
            let m = id.meta();
            for (name, text) in [
                ("summary", m.summary),
                ("proves", m.proves),
                ("why", m.why),
                ("example", m.example),
                ("findings", m.findings),
                ("fix", m.fix),
                ("rules", m.rules),
            ] {
                assert!(!field(text).trim().is_empty(), "{id}: `{name}` is empty");
            }
            assert!(
                !m.summary.contains('\n') && !m.summary.ends_with('.'),
                "{id}: the summary is one line without a final period"
            );
            // These are wrapped as one paragraph: a blank line would be lost.
            for text in [m.proves, m.why, m.example, m.findings, m.fix, m.rules] {
                assert!(
                    !field(text).contains("\n\n"),
                    "{id}: `{text}` is one paragraph"
                );
            }
        }
    }

    #[test]
    fn sarif_descriptions_are_single_lines_of_the_metadata() {
        let m = CheckId::IpsecStrength.meta();
        let full = m.full_description();
        assert!(!full.contains('\n'));
        assert!(full.starts_with(&one_line(m.proves)));
        let help = m.help_markdown();
        assert!(help.contains(&one_line(m.fix)));
        assert!(help.contains(&one_line(m.rules)));
    }
}
