//! Resource policies of buckets and tables, evaluated with IAM semantics
//! kept to what the network promise needs (C-13.11–C-13.13, trap 37): does
//! a policy allow an action on a resource, and what a policy leaves open.

use super::*;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Tri {
    Yes,
    No,
    Unknown,
}

pub(super) fn statements(doc: &Value) -> Vec<&Value> {
    match doc.get("Statement") {
        Some(Value::Array(a)) => a.iter().collect(),
        Some(s @ Value::Object(_)) => vec![s],
        _ => Vec::new(),
    }
}

pub(super) fn strings(v: Option<&Value>) -> Vec<String> {
    match v {
        Some(Value::String(s)) => vec![s.clone()],
        Some(Value::Array(a)) => a
            .iter()
            .filter_map(|x| x.as_str().map(str::to_string))
            .collect(),
        Some(Value::Bool(b)) => vec![b.to_string()],
        _ => Vec::new(),
    }
}

/// IAM wildcard match: `*` any run, `?` one character, case-insensitive.
pub(super) fn glob(pattern: &str, text: &str) -> bool {
    let p: Vec<char> = pattern.to_ascii_lowercase().chars().collect();
    let t: Vec<char> = text.to_ascii_lowercase().chars().collect();
    let (mut pi, mut ti, mut star, mut mark) = (0usize, 0usize, None::<usize>, 0usize);
    while ti < t.len() {
        if pi < p.len() && (p[pi] == '?' || p[pi] == t[ti]) {
            pi += 1;
            ti += 1;
        } else if pi < p.len() && p[pi] == '*' {
            star = Some(pi);
            mark = ti;
            pi += 1;
        } else if let Some(s) = star {
            pi = s + 1;
            mark += 1;
            ti = mark;
        } else {
            return false;
        }
    }
    while pi < p.len() && p[pi] == '*' {
        pi += 1;
    }
    pi == p.len()
}

pub(super) fn effect(s: &Value) -> Option<bool> {
    match s.get("Effect").and_then(Value::as_str) {
        Some(e) if e.eq_ignore_ascii_case("allow") => Some(true),
        Some(e) if e.eq_ignore_ascii_case("deny") => Some(false),
        _ => None,
    }
}

pub(super) fn matches_field(s: &Value, key: &str, not_key: &str, value: &str) -> bool {
    if let Some(v) = s.get(key) {
        return strings(Some(v)).iter().any(|p| glob(p, value));
    }
    if let Some(v) = s.get(not_key) {
        return !strings(Some(v)).iter().any(|p| glob(p, value));
    }
    false
}

/// Whether a policy allows `action` on `resource` for every request
/// (IAM: an explicit deny wins; conditions make the answer unknown).
pub(super) fn policy_allows(doc: &Value, action: &str, resource: &str) -> Tri {
    let (mut allow, mut allow_if, mut deny_if) = (false, false, false);
    for s in statements(doc) {
        if !matches_field(s, "Action", "NotAction", action)
            || !matches_field(s, "Resource", "NotResource", resource)
        {
            continue;
        }
        let conditional = s.get("Condition").is_some();
        match (effect(s), conditional) {
            (Some(false), false) => return Tri::No,
            (Some(false), true) => deny_if = true,
            (Some(true), false) => allow = true,
            (Some(true), true) => allow_if = true,
            (None, _) => {}
        }
    }
    if allow && !deny_if {
        Tri::Yes
    } else if allow || allow_if {
        Tri::Unknown
    } else {
        Tri::No
    }
}

/// `(operator, key, values)` of every condition of a statement.
pub(super) fn conditions(s: &Value) -> Vec<(String, String, Vec<String>)> {
    let mut out = Vec::new();
    if let Some(Value::Object(ops)) = s.get("Condition") {
        for (op, body) in ops {
            if let Value::Object(keys) = body {
                for (k, v) in keys {
                    out.push((op.clone(), k.to_ascii_lowercase(), strings(Some(v))));
                }
            }
        }
    }
    out
}

/// Findings about one bucket or table policy (C-13.11–C-13.13, trap 37).
pub(super) fn resource_findings(
    topo: &Topology,
    r: &crate::model::ServiceResource,
    what: &str,
) -> Vec<Finding> {
    let mut out = Vec::new();
    let res = (r.meta.name.clone(), r.meta.aws_id.clone());
    let finding = |kind: FindingKind, message: String| Finding {
        kind,
        severity: match kind {
            FindingKind::Violation => Severity::Error,
            FindingKind::Unknown => Severity::Warning,
            FindingKind::Info => Severity::Note,
        },
        resource: res.0.clone(),
        aws_id: res.1.clone(),
        message,
        aws_ids: res.1.iter().cloned().collect(),
        flows: Vec::new(),
        witness: None,
        location: pos_location(topo, r.meta.pos),
    };
    let Some(doc) = &r.policy else {
        out.push(finding(
            FindingKind::Violation,
            format!(
                "{what} `{}` has no resource policy: it neither denies requests without TLS nor restricts access to the VPC endpoint; fix: add a `Deny` with `\"Bool\": {{\"aws:SecureTransport\": \"false\"}}` and a `Deny` unless `aws:SourceVpce` is the endpoint",
                r.meta.name
            ),
        ));
        return out;
    };
    let mut tls_deny = false;
    let mut restricted: Vec<String> = Vec::new();
    for s in statements(doc) {
        let deny = effect(s) == Some(false);
        for (op, key, values) in conditions(s) {
            let opl = op.to_ascii_lowercase();
            if deny
                && opl.starts_with("bool")
                && key == "aws:securetransport"
                && values.iter().any(|v| v.eq_ignore_ascii_case("false"))
            {
                tls_deny = true;
            }
            if deny
                && (opl.starts_with("stringnot") || opl.starts_with("arnnot"))
                && (key == "aws:sourcevpce" || key == "aws:sourcevpc")
            {
                restricted.extend(values.iter().cloned());
            }
            if key == "aws:sourceip" && opl.contains("ipaddress") {
                let not = opl.starts_with("not");
                if (deny && not) || (!deny && !not) {
                    out.push(finding(
                        FindingKind::Violation,
                        format!(
                            "the policy of {what} `{}` has `{} {op} aws:SourceIp`: requests through a VPC endpoint carry no public source IP, so this statement {} every request that comes through the endpoint (C-13.12, trap 37); fix: use `aws:VpcSourceIp` or `aws:SourceVpce` instead",
                            r.meta.name,
                            if deny { "Deny" } else { "Allow" },
                            if deny { "denies" } else { "never allows" }
                        ),
                    ));
                }
            }
        }
    }
    if !tls_deny {
        out.push(finding(
            FindingKind::Violation,
            format!(
                "{what} `{}` does not deny requests without TLS: its policy has no `Deny` with `\"Bool\": {{\"aws:SecureTransport\": \"false\"}}` (C-13.12); fix: add that statement",
                r.meta.name
            ),
        ));
    }
    if restricted.is_empty() {
        out.push(finding(
            FindingKind::Violation,
            format!(
                "{what} `{}` is not restricted to the VPC endpoint: its policy has no `Deny` unless `aws:SourceVpce` (or `aws:SourceVpc`) matches, so requests from anywhere else succeed (C-13.13); fix: add `Deny` with `\"StringNotEquals\": {{\"aws:SourceVpce\": \"vpce-…\"}}`",
                r.meta.name
            ),
        ));
    } else {
        let known: Vec<&String> = restricted
            .iter()
            .filter(|v| {
                topo.endpoints
                    .iter()
                    .any(|e| e.meta.aws_id.as_deref() == Some(v.as_str()) || e.meta.name == **v)
                    || topo
                        .vpcs
                        .iter()
                        .any(|x| x.meta.aws_id.as_deref() == Some(v.as_str()) || x.meta.name == **v)
            })
            .collect();
        out.push(finding(
            FindingKind::Info,
            format!(
                "{what} `{}` denies requests that do not come through {}: successful requests used the endpoint (a policy proof, C-13.13); that packets cannot leave another way is what the routing proof of this check shows{}",
                r.meta.name,
                restricted.iter().map(|v| format!("`{v}`")).collect::<Vec<_>>().join(", "),
                if known.is_empty() {
                    "; none of these is an endpoint or VPC of this topology"
                } else {
                    ""
                }
            ),
        ));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn glob_matches_like_iam() {
        assert!(glob("s3:*", "s3:GetObject"));
        assert!(glob("s3:Get*", "S3:GETOBJECT"));
        assert!(glob(
            "arn:aws:s3:::prod-*-starport-layer-bucket/*",
            "arn:aws:s3:::prod-us-east-1-starport-layer-bucket/layer"
        ));
        assert!(!glob("s3:Put*", "s3:GetObject"));
        assert!(glob("*", ""));
        assert!(!glob("a?c", "ac"));
    }

    #[test]
    fn policy_allow_and_deny() {
        let doc: Value = serde_json::json!({"Statement": [
            {"Effect": "Allow", "Action": "s3:*", "Resource": "*"},
            {"Effect": "Deny", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::secret/*"}
        ]});
        assert_eq!(
            policy_allows(&doc, "s3:GetObject", "arn:aws:s3:::x/y"),
            Tri::Yes
        );
        assert_eq!(
            policy_allows(&doc, "s3:GetObject", "arn:aws:s3:::secret/y"),
            Tri::No
        );
        let only: Value = serde_json::json!({"Statement": {"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::mine/*"}});
        assert_eq!(
            policy_allows(
                &only,
                "s3:GetObject",
                "arn:aws:s3:::prod-us-east-1-starport-layer-bucket/layer"
            ),
            Tri::No
        );
    }
}
