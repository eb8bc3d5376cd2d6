//! Resource policies of buckets and tables, and the S3 endpoint policy's
//! grant of the ECR layer bucket (C-13.10–C-13.13, trap 37), asked of the
//! one resource-policy evaluator (`crate::resource_policy`).

use super::*;
use crate::resource_policy::pattern::Pattern;
use crate::resource_policy::s3::{READ_ACTIONS, WRITE_ACTIONS, targets};
use crate::resource_policy::{Effect, Found, Key, Policy, Request, Space, Want};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Tri {
    Yes,
    No,
    Unknown,
}

/// Whether an endpoint policy allows `action` on `resource` for every
/// request (`Yes`), for none (`No`), or for some only or depending on what
/// the evaluator does not support (`Unknown`).
pub(super) fn policy_allows(doc: &Value, action: &str, resource: &str) -> Tri {
    let p = Policy::parse_endpoint(doc);
    let space = Space::anyone(vec![(action.to_string(), Pattern::literal(resource))]);
    match p.search(&space, Want::NotAllowed) {
        Found::No => Tri::Yes,
        _ => match p.search(&space, Want::Allowed) {
            Found::No => Tri::No,
            _ => Tri::Unknown,
        },
    }
}

/// The requests a bucket or table policy governs: every read and write
/// action on the bucket and its objects, or every DynamoDB action on the
/// table.
fn space_of(r: &crate::model::ServiceResource, what: &str) -> Space {
    if what == "bucket" {
        let name = r
            .meta
            .aws_id
            .as_deref()
            .and_then(|a| a.strip_prefix("arn:aws:s3:::"))
            .unwrap_or(&r.meta.name)
            .to_string();
        let actions: Vec<_> = READ_ACTIONS.iter().chain(WRITE_ACTIONS).copied().collect();
        Space::anyone(targets(&name, &actions))
    } else {
        let arn = match &r.meta.aws_id {
            Some(a) if a.starts_with("arn:") => Pattern::literal(a),
            _ => Pattern::new(
                &format!("arn:aws:dynamodb:*:*:table/{}", r.meta.name),
                true,
                false,
                true,
            ),
        };
        Space::anyone(
            [
                "dynamodb:GetItem",
                "dynamodb:Query",
                "dynamodb:PutItem",
                "dynamodb:DeleteItem",
            ]
            .iter()
            .map(|a| (a.to_string(), arn.clone()))
            .collect(),
        )
    }
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
    // Records under `policy.private_service_access` were written without
    // `Principal` before it was required: such a statement applies to
    // every principal, as in an endpoint policy.
    let policy = Policy::parse_endpoint(doc);
    let space = space_of(r, what);
    let unknown = |why: Vec<String>, question: &str| {
        finding(
            FindingKind::Unknown,
            format!(
                "whether the policy of {what} `{}` {question} is unknown: {}",
                r.meta.name,
                why.join("; ")
            ),
        )
    };

    // Trap 37: a request through an endpoint carries no public source
    // address, so a condition on `aws:SourceIp` decides it as absent.
    let through_endpoint = Request::new(crate::resource_policy::Principal::Anonymous, "", "");
    for s in &policy.statements {
        for c in s.conditions.iter().filter(|c| c.key == Key::SourceIp) {
            let holds = c.holds(&through_endpoint);
            let deny = s.effect == Effect::Deny;
            if deny == holds {
                out.push(finding(
                    FindingKind::Violation,
                    format!(
                        "the policy of {what} `{}` has `{} {} aws:SourceIp`: requests through a VPC endpoint carry no public source IP, so this statement {} every request that comes through the endpoint (C-13.12, trap 37); fix: use `aws:VpcSourceIp` or `aws:SourceVpce` instead",
                        r.meta.name,
                        if deny { "Deny" } else { "Allow" },
                        c.operator,
                        if deny { "denies" } else { "never allows" }
                    ),
                ));
            }
        }
    }

    let mut plain = space.clone();
    plain.secure_transport = Some(false);
    match policy.search(&plain, Want::NotDenied) {
        Found::No => {}
        Found::Yes(..) => out.push(finding(
            FindingKind::Violation,
            format!(
                "{what} `{}` does not deny requests without TLS: its policy has no `Deny` with `\"Bool\": {{\"aws:SecureTransport\": \"false\"}}` (C-13.12); fix: add that statement",
                r.meta.name
            ),
        )),
        Found::Unknown(why) => out.push(unknown(why, "denies every request without TLS")),
    }

    let mut outside = space;
    outside.pinned = vec![(Key::SourceVpce, None), (Key::SourceVpc, None)];
    let restricted: Vec<String> = policy
        .statements
        .iter()
        .filter(|s| s.effect == Effect::Deny)
        .flat_map(|s| &s.conditions)
        .filter(|c| matches!(c.key, Key::SourceVpce | Key::SourceVpc))
        .flat_map(|c| c.values.iter().cloned())
        .collect();
    match policy.search(&outside, Want::NotDenied) {
        Found::Yes(..) => out.push(finding(
            FindingKind::Violation,
            format!(
                "{what} `{}` is not restricted to the VPC endpoint: its policy has no `Deny` unless `aws:SourceVpce` (or `aws:SourceVpc`) matches, so requests from anywhere else succeed (C-13.13); fix: add `Deny` with `\"StringNotEquals\": {{\"aws:SourceVpce\": \"vpce-…\"}}`",
                r.meta.name
            ),
        )),
        Found::Unknown(why) => out.push(unknown(
            why,
            "denies every request that does not come through a VPC endpoint",
        )),
        Found::No => {
            let known: Vec<&String> = restricted
                .iter()
                .filter(|v| {
                    topo.endpoints
                        .iter()
                        .any(|e| e.meta.aws_id.as_deref() == Some(v.as_str()) || e.meta.name == **v)
                        || topo.vpcs.iter().any(|x| {
                            x.meta.aws_id.as_deref() == Some(v.as_str()) || x.meta.name == **v
                        })
                })
                .collect();
            out.push(finding(
                FindingKind::Info,
                format!(
                    "{what} `{}` denies requests that do not come through {}: successful requests used the endpoint (a policy proof, C-13.13); that packets cannot leave another way is what the routing proof of this check shows{}",
                    r.meta.name,
                    if restricted.is_empty() {
                        "a VPC endpoint".to_string()
                    } else {
                        restricted
                            .iter()
                            .map(|v| format!("`{v}`"))
                            .collect::<Vec<_>>()
                            .join(", ")
                    },
                    if known.is_empty() {
                        "; none of these is an endpoint or VPC of this topology"
                    } else {
                        ""
                    }
                ),
            ));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn policy_allow_and_deny() {
        let doc: Value = serde_json::json!({"Statement": [
            {"Effect": "Allow", "Principal": "*", "Action": "s3:*", "Resource": "*"},
            {"Effect": "Deny", "Principal": "*", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::secret/*"}
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
        let some: Value = serde_json::json!({"Statement": {"Effect": "Allow", "Principal": "*", "Action": "s3:GetObject", "Resource": "*",
            "Condition": {"StringEquals": {"aws:PrincipalAccount": "111122223333"}}}});
        assert_eq!(
            policy_allows(&some, "s3:GetObject", "arn:aws:s3:::b/k"),
            Tri::Unknown
        );
    }
}
