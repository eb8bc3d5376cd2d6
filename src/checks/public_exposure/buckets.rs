//! `public-exposure` for S3 buckets: a bucket anyone can read or write is
//! a violation, with the request that proves it and the statement that
//! allows it (C-19.5, C-19.6).

use crate::engine::explain::pos_location;
use crate::model::s3::{Grantee, Ownership, Permission, S3Bucket};
use crate::model::{GapKind, GapScope, Pos, Topology};
use crate::report::{
    CheckResult, Finding, FindingKind, Hop, PacketView, Severity, Verdict, Witness,
};
use crate::resource_policy::s3::{
    On, PolicyExposure, READ_ACTIONS, WRITE_ACTIONS, acls_in_force, policy_exposure,
};
use crate::resource_policy::{Policy, Request};

fn finding(topo: &Topology, b: &S3Bucket, kind: FindingKind, message: String, pos: Pos) -> Finding {
    Finding {
        kind,
        severity: match kind {
            FindingKind::Violation => Severity::Error,
            FindingKind::Unknown => Severity::Warning,
            FindingKind::Info => Severity::Note,
        },
        resource: b.meta.name.clone(),
        aws_id: Some(b.arn()),
        message,
        aws_ids: vec![b.arn()],
        flows: Vec::new(),
        witness: None,
        // A place in the `.tf` sources (`site`) counts as known.
        location: pos_location(
            topo,
            if pos.is_unknown() && pos.site == 0 {
                b.meta.pos
            } else {
                pos
            },
        ),
    }
}

/// `statement `r` (t.yaml:12)`.
fn statement_text(topo: &Topology, p: &Policy, i: usize) -> (String, Pos) {
    let Some(s) = p.statement(i) else {
        return (format!("statement #{}", i + 1), Pos::default());
    };
    let at = if s.pos.is_unknown() {
        String::new()
    } else {
        format!(" (`{}:{}`)", topo.file, s.pos.line)
    };
    (format!("statement {}{at}", s.label()), s.pos)
}

/// What one bucket's policy, ACL and access points make public.
fn bucket_findings(topo: &Topology, b: &S3Bucket) -> Vec<Finding> {
    let mut out = Vec::new();
    let allowed_at = topo
        .policy
        .exposure_allow_buckets
        .iter()
        .find(|(i, _)| {
            topo.buckets
                .get(*i)
                .is_some_and(|x| x.meta.name == b.meta.name)
        })
        .map(|(_, p)| *p);
    let bpa = b.effective_block();
    let name = &b.meta.name;
    let public = |kind: FindingKind, what: String, pos: Pos, w: Option<Witness>| -> Finding {
        match allowed_at {
            Some(at) if kind == FindingKind::Violation => finding(
                topo,
                b,
                FindingKind::Info,
                format!(
                    "{what}; `policy.public_exposure` allows it (line {})",
                    at.line
                ),
                pos,
            ),
            _ => Finding {
                witness: w,
                ..finding(topo, b, kind, what, pos)
            },
        }
    };
    if let Some(doc) = &b.policy {
        let p = Policy::parse(&doc.value, &doc.statements);
        for (verb, actions) in [("read", READ_ACTIONS), ("write", WRITE_ACTIONS)] {
            let acts: Vec<(&str, On)> = actions.to_vec();
            match policy_exposure(&p, name, &acts, bpa) {
                PolicyExposure::Public { request, statement } => {
                    let (st, pos) = statement_text(topo, &p, statement);
                    let hop = Hop {
                        component: format!("policy of {name}"),
                        aws_id: None,
                        rule: format!("{st}: allows {}", describe(&request)),
                        location: pos_location(topo, pos),
                    };
                    let w = request_witness(topo, b, Some(&request), hop);
                    out.push(public(
                        FindingKind::Violation,
                        format!(
                            "anyone can {verb} bucket `{name}`: {} is allowed by {st} (C-19.5){}; fix: limit the statement to fixed principals, endpoints or narrow `aws:SourceIp` ranges, or turn on `RestrictPublicBuckets`",
                            describe(&request),
                            if bpa.block_public_policy {
                                "; `BlockPublicPolicy` is on, but it only refuses new policies (C-19.6)"
                            } else {
                                ""
                            }
                        ),
                        pos,
                        Some(w),
                    ));
                }
                PolicyExposure::Restricted { request, statement } => {
                    let (st, pos) = statement_text(topo, &p, statement);
                    out.push(finding(
                        topo,
                        b,
                        FindingKind::Info,
                        format!(
                            "the policy of bucket `{name}` is public ({} is allowed by {st}), but `RestrictPublicBuckets` limits it to AWS services and principals of the owner's account (C-19.6)",
                            describe(&request)
                        ),
                        pos,
                    ));
                }
                PolicyExposure::NotPublic => {}
                PolicyExposure::Unknown(why) => out.push(finding(
                    topo,
                    b,
                    FindingKind::Unknown,
                    format!(
                        "whether anyone can {verb} bucket `{name}` through its policy is unknown: {}",
                        why.join("; ")
                    ),
                    doc.pos,
                )),
            }
        }
    }
    let acls_disabled = b.ownership == Ownership::BucketOwnerEnforced;
    for g in b.acl.iter().filter(|g| g.grantee.is_public()) {
        let what = format!(
            "the ACL of bucket `{name}` grants `{}` to {}",
            permission_name(g.permission),
            if g.grantee == Grantee::AllUsers {
                "everyone (`AllUsers`)"
            } else {
                "every AWS account (`AuthenticatedUsers`)"
            }
        );
        if acls_in_force(acls_disabled, bpa) {
            let hop = Hop {
                component: format!("ACL of {name}"),
                aws_id: None,
                rule: format!(
                    "grant `{}` to `{:?}`",
                    permission_name(g.permission),
                    g.grantee
                ),
                location: pos_location(topo, g.pos),
            };
            let w = request_witness(topo, b, None, hop);
            out.push(public(
                FindingKind::Violation,
                format!("{what}: anyone can use it (C-19.5); fix: set object ownership to `bucket-owner-enforced` or turn on `IgnorePublicAcls`"),
                g.pos,
                Some(w),
            ));
        } else {
            out.push(finding(
                topo,
                b,
                FindingKind::Info,
                format!(
                    "{what}, but {} (C-19.6)",
                    if acls_disabled {
                        "ACLs are disabled (`bucket-owner-enforced`)"
                    } else {
                        "`IgnorePublicAcls` is on"
                    }
                ),
                g.pos,
            ));
        }
    }
    if acls_in_force(acls_disabled, bpa) {
        out.push(finding(
            topo,
            b,
            FindingKind::Unknown,
            format!(
                "objects of bucket `{name}` may carry public ACLs, which the topology does not hold: ACLs are enabled (object ownership `{}`) and `IgnorePublicAcls` is off; fix: set object ownership to `bucket-owner-enforced` or turn on `IgnorePublicAcls`",
                if b.ownership == Ownership::ObjectWriter { "object-writer" } else { "bucket-owner-preferred" }
            ),
            b.meta.pos,
        ));
    }
    for ap in b.access_points.iter().filter(|a| a.vpc.is_none()) {
        out.push(finding(
            topo,
            b,
            FindingKind::Unknown,
            format!(
                "access point `{}` of bucket `{name}` accepts requests from the internet, and access point policies are not evaluated yet",
                ap.meta.name
            ),
            ap.meta.pos,
        ));
    }
    out
}

/// The request as a packet: from its source address to the bucket's
/// endpoint name, on 443 (TLS) or 80; then the settings and the rule that
/// let it through, each with its place in the file.
fn request_witness(topo: &Topology, b: &S3Bucket, r: Option<&Request>, rule: Hop) -> Witness {
    let host = match &b.region {
        Some(reg) => format!("{}.s3.{reg}.amazonaws.com", b.meta.name),
        None => format!("{}.s3.amazonaws.com", b.meta.name),
    };
    let bpa = b.effective_block();
    let off = |on: bool| if on { "on" } else { "off" };
    Witness {
        packet: PacketView {
            src: r
                .and_then(|r| r.source_ip)
                .map_or_else(|| "203.0.113.7".to_string(), |a| a.to_string()),
            dst: host,
            protocol: "tcp".into(),
            src_port: None,
            dst_port: Some(if r.is_none_or(|r| r.secure_transport) {
                443
            } else {
                80
            }),
            icmp_type: None,
            icmp_code: None,
        },
        path: vec![
            Hop {
                component: b.meta.name.clone(),
                aws_id: Some(b.arn()),
                rule: format!(
                    "Block Public Access (bucket and account): RestrictPublicBuckets {}, IgnorePublicAcls {}",
                    off(bpa.restrict_public_buckets),
                    off(bpa.ignore_public_acls)
                ),
                location: pos_location(topo, b.meta.pos),
            },
            rule,
        ],
    }
}

fn describe(r: &Request) -> String {
    r.to_string()
}

fn permission_name(p: Permission) -> &'static str {
    match p {
        Permission::Read => "read",
        Permission::Write => "write",
        Permission::ReadAcp => "read-acp",
        Permission::WriteAcp => "write-acp",
        Permission::FullControl => "full-control",
    }
}

/// The bucket's findings with the S3 gaps that concern it applied: a gap
/// of kind `s3` leaves no verdict standing (a violation becomes `unknown`,
/// and a bucket found not public gets an `unknown` finding); a gap of kind
/// `s3-restrictions` (settings held at their most permissive values) only
/// makes a violation `unknown`.
fn with_gaps(topo: &Topology, i: usize, b: &S3Bucket, mut found: Vec<Finding>) -> Vec<Finding> {
    let gaps: Vec<&crate::model::Gap> = topo
        .gaps_for(super::ID)
        .filter(|g| g.kind.is_s3())
        .filter(|g| match &g.scope {
            GapScope::Everywhere => true,
            GapScope::Buckets(s) => s.contains(&i),
            GapScope::Vpcs(_) => false,
        })
        .collect();
    if gaps.is_empty() {
        return found;
    }
    let why = |kinds: &[GapKind]| -> Vec<String> {
        gaps.iter()
            .filter(|g| kinds.contains(&g.kind))
            .map(|g| format!("{}{}: {}", g.kind.data(), g.scope_text(topo), g.what))
            .collect()
    };
    let narrowing = why(&[GapKind::S3, GapKind::S3Restrictions]);
    let mut converted = false;
    for f in found
        .iter_mut()
        .filter(|f| f.kind == FindingKind::Violation)
    {
        converted = true;
        f.kind = FindingKind::Unknown;
        f.severity = Severity::Warning;
        f.message = format!(
            "{} — unknown: this relies on data the topology does not contain: {}",
            f.message,
            narrowing.join("; ")
        );
    }
    let widening = why(&[GapKind::S3]);
    // A violation made `unknown` already names every gap.
    if !widening.is_empty() && !converted {
        found.push(finding(
            topo,
            b,
            FindingKind::Unknown,
            format!(
                "whether bucket `{}` is public is unknown: the topology records missing data: {}",
                b.meta.name,
                widening.join("; ")
            ),
            b.meta.pos,
        ));
    }
    found
}

/// Adds the buckets' findings to the network's result: the verdict is the
/// worse of the two, and the summary says what the buckets add.
pub(super) fn add(topo: &Topology, r: &mut CheckResult) {
    if topo.buckets.is_empty() {
        return;
    }
    let mut found = Vec::new();
    for (i, b) in topo.buckets.iter().enumerate() {
        found.extend(with_gaps(topo, i, b, bucket_findings(topo, b)));
    }
    let mut public: Vec<&str> = found
        .iter()
        .filter(|f| f.kind == FindingKind::Violation)
        .map(|f| f.resource.as_str())
        .collect();
    public.dedup();
    let mut undecided: Vec<&str> = found
        .iter()
        .filter(|f| f.kind == FindingKind::Unknown)
        .map(|f| f.resource.as_str())
        .collect();
    undecided.dedup();
    let n = topo.buckets.len();
    let part = if !public.is_empty() {
        format!(
            "{} of {n} bucket{} public: {}",
            public.len(),
            if n == 1 { "" } else { "s" },
            public.join(", ")
        )
    } else if !undecided.is_empty() {
        format!(
            "whether {} of {n} bucket{} public is unknown",
            undecided.len(),
            if n == 1 { " is" } else { "s are" }
        )
    } else {
        format!("no bucket of {n} is public")
    };
    let verdict = if !public.is_empty() || r.verdict == Verdict::Violated {
        Verdict::Violated
    } else if !undecided.is_empty() || r.verdict == Verdict::Unknown {
        Verdict::Unknown
    } else {
        Verdict::Proven
    };
    r.summary = format!("{}; {part}", r.summary);
    r.verdict = verdict;
    r.findings.extend(found);
}
