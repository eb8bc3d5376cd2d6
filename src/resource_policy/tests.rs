//! The evaluator on the cases AWS documents (re-typed, with our own names),
//! and a property test against brute force over a small request space.

#![allow(
    clippy::unwrap_used,
    clippy::panic,
    reason = "a test fails by panicking"
)]

use super::s3::{PolicyExposure, PublicAccessBlock, READ_ACTIONS, WRITE_ACTIONS, policy_exposure};
use super::*;
use serde_json::json;

fn pol(v: Value) -> Policy {
    Policy::parse(&v, &[])
}

fn anon(action: &str, resource: &str) -> Request {
    Request::new(Principal::Anonymous, action, resource)
}

fn rw() -> Vec<(&'static str, s3::On)> {
    READ_ACTIONS.iter().chain(WRITE_ACTIONS).copied().collect()
}

fn exposure(p: &Policy) -> PolicyExposure {
    policy_exposure(p, "data-prod", &rw(), PublicAccessBlock::default())
}

#[test]
fn public_read_policy_is_public_with_an_anonymous_witness() {
    let p = pol(
        json!({"Statement": [{"Sid": "PublicRead", "Effect": "Allow", "Principal": "*",
        "Action": ["s3:GetObject", "s3:GetObjectVersion"], "Resource": "arn:aws:s3:::data-prod/*"}]}),
    );
    match exposure(&p) {
        PolicyExposure::Public { request, statement } => {
            assert_eq!(statement, 0);
            assert_eq!(request.principal, Principal::Anonymous);
            assert!(request.resource.starts_with("arn:aws:s3:::data-prod/"));
            assert!(request.action.starts_with("s3:GetObject"));
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn restrict_public_buckets_turns_a_public_policy_off() {
    let p = pol(
        json!({"Statement": {"Effect": "Allow", "Principal": {"AWS": "*"},
        "Action": "s3:*", "Resource": "arn:aws:s3:::data-prod/*"}}),
    );
    let bpa = PublicAccessBlock {
        restrict_public_buckets: true,
        ..Default::default()
    };
    assert!(matches!(
        policy_exposure(&p, "data-prod", &rw(), bpa),
        PolicyExposure::Restricted { .. }
    ));
    // BlockPublicPolicy only refuses new policies: this one stays public.
    let bpp = PublicAccessBlock {
        block_public_policy: true,
        ..Default::default()
    };
    assert!(matches!(
        policy_exposure(&p, "data-prod", &rw(), bpp),
        PolicyExposure::Public { .. }
    ));
}

#[test]
fn source_ip_allow_with_an_excluded_address() {
    // Allow a /24, but not one address in it.
    let p = pol(
        json!({"Statement": [{"Effect": "Allow", "Principal": "*", "Action": "s3:*",
        "Resource": "arn:aws:s3:::data-prod/*",
        "Condition": {"IpAddress": {"aws:SourceIp": "198.51.100.0/24"},
                      "NotIpAddress": {"aws:SourceIp": "198.51.100.9/32"}}}]}),
    );
    let mut r = anon("s3:GetObject", "arn:aws:s3:::data-prod/k");
    r.source_ip = Some("198.51.100.1".parse().unwrap());
    assert_eq!(p.evaluate(&r), Decision::Allowed(0));
    r.source_ip = Some("198.51.100.9".parse().unwrap());
    assert_eq!(p.evaluate(&r), Decision::NotAllowed);
    r.source_ip = None;
    assert_eq!(p.evaluate(&r), Decision::NotAllowed);
    // A /24 is narrow: not public.
    assert_eq!(exposure(&p), PolicyExposure::NotPublic);
}

#[test]
fn source_ip_half_the_internet_is_public() {
    let p = pol(
        json!({"Statement": [{"Effect": "Allow", "Principal": "*", "Action": "s3:GetObject",
        "Resource": "arn:aws:s3:::data-prod/*",
        "Condition": {"IpAddress": {"aws:SourceIp": "0.0.0.0/1"}}}]}),
    );
    match exposure(&p) {
        PolicyExposure::Public { request, .. } => {
            let ip = request.source_ip.unwrap();
            assert!("0.0.0.0/1".parse::<IpNet>().unwrap().contains(&ip), "{ip}");
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn deny_without_tls_denies_plain_http() {
    let p = pol(json!({"Statement": [
        {"Effect": "Allow", "Principal": "*", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::b/*"},
        {"Sid": "TlsOnly", "Effect": "Deny", "Principal": "*", "Action": "s3:*",
         "Resource": ["arn:aws:s3:::b", "arn:aws:s3:::b/*"],
         "Condition": {"Bool": {"aws:SecureTransport": "false"}}}]}));
    let mut r = anon("s3:GetObject", "arn:aws:s3:::b/x");
    r.secure_transport = false;
    assert_eq!(p.evaluate(&r), Decision::Denied(1));
    r.secure_transport = true;
    assert_eq!(p.evaluate(&r), Decision::Allowed(0));
    // Every request without TLS is denied.
    let mut space = Space::anyone(s3::targets("b", &rw()));
    space.secure_transport = Some(false);
    assert_eq!(p.search(&space, Want::NotDenied), Found::No);
}

#[test]
fn endpoint_restriction_denies_other_paths() {
    let p = pol(
        json!({"Statement": [{"Sid": "OnlyViaEndpoint", "Effect": "Deny", "Principal": "*",
        "Action": "s3:*", "Resource": ["arn:aws:s3:::b", "arn:aws:s3:::b/*"],
        "Condition": {"StringNotEquals": {"aws:SourceVpce": "vpce-1a2b3c4d"}}}]}),
    );
    let mut r = anon("s3:GetObject", "arn:aws:s3:::b/x");
    assert_eq!(
        p.evaluate(&r),
        Decision::Denied(0),
        "no endpoint: the key is absent"
    );
    r.source_vpce = Some("vpce-9999".into());
    assert_eq!(p.evaluate(&r), Decision::Denied(0));
    r.source_vpce = Some("vpce-1a2b3c4d".into());
    assert_eq!(p.evaluate(&r), Decision::NotAllowed);
}

#[test]
fn a_fixed_endpoint_makes_a_grant_non_public() {
    let p = pol(
        json!({"Statement": [{"Effect": "Allow", "Principal": "*", "Action": "s3:GetObject",
        "Resource": "arn:aws:s3:::data-prod/*",
        "Condition": {"StringEquals": {"aws:SourceVpce": "vpce-1a2b3c4d"}}}]}),
    );
    assert_eq!(exposure(&p), PolicyExposure::NotPublic);
    // A wildcard is not a fixed value.
    let w = pol(
        json!({"Statement": [{"Effect": "Allow", "Principal": "*", "Action": "s3:GetObject",
        "Resource": "arn:aws:s3:::data-prod/*",
        "Condition": {"StringLike": {"aws:SourceVpce": "vpce-*"}}}]}),
    );
    match exposure(&w) {
        PolicyExposure::Public { request, .. } => {
            let v = request.source_vpce.unwrap();
            assert!(v.starts_with("vpce-") && v != "vpce-1a2b3c4d");
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn cross_account_root_grant_is_not_public() {
    let p = pol(json!({"Statement": [{"Effect": "Allow",
        "Principal": {"AWS": ["arn:aws:iam::111122223333:root", "444455556666"]},
        "Action": "s3:*", "Resource": "arn:aws:s3:::data-prod/*"}]}));
    assert_eq!(exposure(&p), PolicyExposure::NotPublic);
    let r = Request::new(
        Principal::Aws("arn:aws:iam::444455556666:role/reader".into()),
        "s3:GetObject",
        "arn:aws:s3:::data-prod/x",
    );
    assert_eq!(p.evaluate(&r), Decision::Allowed(0));
}

#[test]
fn cloudfront_oac_grant_needs_the_distribution() {
    let p = pol(
        json!({"Statement": [{"Sid": "AllowCloudFrontServicePrincipal", "Effect": "Allow",
        "Principal": {"Service": "cloudfront.amazonaws.com"}, "Action": "s3:GetObject",
        "Resource": "arn:aws:s3:::site/*",
        "Condition": {"StringEquals": {"AWS:SourceArn": "arn:aws:cloudfront::111122223333:distribution/E2EXAMPLE"}}}]}),
    );
    assert_eq!(
        policy_exposure(&p, "site", &rw(), PublicAccessBlock::default()),
        PolicyExposure::NotPublic
    );
    let mut r = Request::new(
        Principal::Service("cloudfront.amazonaws.com".into()),
        "s3:GetObject",
        "arn:aws:s3:::site/index.html",
    );
    assert_eq!(p.evaluate(&r), Decision::NotAllowed);
    r.source_arn = Some("arn:aws:cloudfront::111122223333:distribution/E2EXAMPLE".into());
    assert_eq!(p.evaluate(&r), Decision::Allowed(0));
    r.source_arn = Some("arn:aws:cloudfront::999999999999:distribution/EOTHER".into());
    assert_eq!(p.evaluate(&r), Decision::NotAllowed);
}

#[test]
fn org_restriction_is_public_by_s3s_definition() {
    // aws:PrincipalOrgID is not among the keys S3 lists as making a grant
    // non-public.
    let p = pol(
        json!({"Statement": [{"Effect": "Allow", "Principal": "*", "Action": "s3:GetObject",
        "Resource": "arn:aws:s3:::data-prod/*",
        "Condition": {"StringEquals": {"aws:PrincipalOrgID": "o-a1b2c3d4e5"}}}]}),
    );
    match exposure(&p) {
        PolicyExposure::Public { request, .. } => {
            assert_eq!(request.principal_org_id.as_deref(), Some("o-a1b2c3d4e5"));
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn not_principal_deny_spares_only_the_named_user() {
    let p = pol(json!({"Statement": [
        {"Effect": "Allow", "Principal": "*", "Action": "s3:*", "Resource": "*"},
        {"Effect": "Deny", "NotPrincipal": {"AWS": "arn:aws:iam::111122223333:user/carol"},
         "Action": "s3:*", "Resource": "*"}]}));
    let carol = Request::new(
        Principal::Aws("arn:aws:iam::111122223333:user/carol".into()),
        "s3:PutObject",
        "arn:aws:s3:::b/x",
    );
    assert_eq!(p.evaluate(&carol), Decision::Allowed(0));
    assert_eq!(
        p.evaluate(&anon("s3:PutObject", "arn:aws:s3:::b/x")),
        Decision::Denied(1)
    );
    assert_eq!(exposure(&p), PolicyExposure::NotPublic);
}

#[test]
fn not_action_and_not_resource() {
    let p = pol(json!({"Statement": [
        {"Effect": "Allow", "Principal": "*", "NotAction": "s3:Delete*", "NotResource": "arn:aws:s3:::b/private/*"}]}));
    assert_eq!(
        p.evaluate(&anon("s3:GetObject", "arn:aws:s3:::b/x")),
        Decision::Allowed(0)
    );
    assert_eq!(
        p.evaluate(&anon("s3:deleteobject", "arn:aws:s3:::b/x")),
        Decision::NotAllowed
    );
    assert_eq!(
        p.evaluate(&anon("s3:GetObject", "arn:aws:s3:::b/private/k")),
        Decision::NotAllowed
    );
}

#[test]
fn if_exists_and_set_operators_on_a_missing_key() {
    let mk = |op: &str| {
        pol(
            json!({"Statement": [{"Effect": "Allow", "Principal": "*", "Action": "s3:GetObject",
            "Resource": "*", "Condition": {op: {"aws:SourceVpce": "vpce-1"}}}]}),
        )
    };
    let r = anon("s3:GetObject", "arn:aws:s3:::b/x");
    assert_eq!(
        mk("StringEqualsIfExists").evaluate(&r),
        Decision::Allowed(0)
    );
    assert_eq!(mk("StringEquals").evaluate(&r), Decision::NotAllowed);
    assert_eq!(mk("StringNotEquals").evaluate(&r), Decision::Allowed(0));
    assert_eq!(
        mk("ForAllValues:StringEquals").evaluate(&r),
        Decision::Allowed(0)
    );
    assert_eq!(
        mk("ForAnyValue:StringEquals").evaluate(&r),
        Decision::NotAllowed
    );
    let mut v = r.clone();
    v.source_vpce = Some("vpce-2".into());
    assert_eq!(
        mk("StringEqualsIfExists").evaluate(&v),
        Decision::NotAllowed
    );
    assert_eq!(
        mk("ForAnyValue:StringEquals").evaluate(&v),
        Decision::NotAllowed
    );
    v.source_vpce = Some("vpce-1".into());
    assert_eq!(
        mk("ForAnyValue:StringEquals").evaluate(&v),
        Decision::Allowed(0)
    );
}

#[test]
fn null_operator_tests_presence() {
    let p = pol(
        json!({"Statement": [{"Effect": "Deny", "Principal": "*", "Action": "s3:*",
        "Resource": "*", "Condition": {"Null": {"aws:SourceVpc": "true"}}}]}),
    );
    assert_eq!(p.evaluate(&anon("s3:GetObject", "x")), Decision::Denied(0));
    let mut r = anon("s3:GetObject", "x");
    r.source_vpc = Some("vpc-1".into());
    assert_eq!(p.evaluate(&r), Decision::NotAllowed);
}

#[test]
fn arn_like_wildcards_stay_in_their_component() {
    let p = pol(
        json!({"Statement": [{"Effect": "Allow", "Principal": "*", "Action": "s3:GetObject",
        "Resource": "*", "Condition": {"ArnLike": {"aws:PrincipalArn": "arn:aws:iam::*:role/reader"}}}]}),
    );
    let r = Request::new(
        Principal::Aws("arn:aws:iam::111122223333:role/reader".into()),
        "s3:GetObject",
        "x",
    );
    assert_eq!(p.evaluate(&r), Decision::Allowed(0));
    let odd = Request::new(
        Principal::Aws("arn:aws:iam::1:2:role/reader".into()),
        "s3:GetObject",
        "x",
    );
    assert_eq!(p.evaluate(&odd), Decision::NotAllowed);
}

#[test]
fn unsupported_key_is_unknown_and_named() {
    let p = pol(
        json!({"Statement": [{"Sid": "Acl", "Effect": "Allow", "Principal": "*", "Action": "s3:PutObject",
        "Resource": "arn:aws:s3:::data-prod/*",
        "Condition": {"StringEquals": {"s3:x-amz-acl": "bucket-owner-full-control"}}}]}),
    );
    match exposure(&p) {
        PolicyExposure::Unknown(r) => assert!(
            r.iter()
                .any(|m| m.contains("`s3:x-amz-acl`") && m.contains("`Acl`")),
            "{r:?}"
        ),
        other => panic!("{other:?}"),
    }
    // An unconditional deny still decides.
    let d = pol(json!({"Statement": [
        {"Effect": "Allow", "Principal": "*", "Action": "s3:*", "Resource": "*",
         "Condition": {"NumericLessThan": {"s3:max-keys": "10"}}},
        {"Effect": "Deny", "Principal": "*", "Action": "s3:*", "Resource": "*"}]}));
    assert_eq!(d.evaluate(&anon("s3:GetObject", "x")), Decision::Denied(1));
    assert_eq!(exposure(&d), PolicyExposure::NotPublic);
}

#[test]
fn unsupported_operator_is_named() {
    let p = pol(
        json!({"Statement": [{"Effect": "Allow", "Principal": "*", "Action": "s3:GetObject",
        "Resource": "*", "Condition": {"DateLessThan": {"aws:CurrentTime": "2030-01-01T00:00:00Z"}}}]}),
    );
    match p.evaluate(&anon("s3:GetObject", "x")) {
        Decision::Unknown(r) => assert!(r.iter().any(|m| m.contains("`DateLessThan`")), "{r:?}"),
        other => panic!("{other:?}"),
    }
}

#[test]
fn account_condition_excludes_that_account_from_public() {
    let p = pol(
        json!({"Statement": [{"Effect": "Allow", "Principal": "*", "Action": "s3:GetObject",
        "Resource": "arn:aws:s3:::data-prod/*",
        "Condition": {"StringEquals": {"aws:PrincipalAccount": "111122223333"}}}]}),
    );
    assert_eq!(exposure(&p), PolicyExposure::NotPublic);
    let r = Request::new(
        Principal::Aws("arn:aws:iam::111122223333:role/x".into()),
        "s3:GetObject",
        "arn:aws:s3:::data-prod/k",
    );
    assert_eq!(p.evaluate(&r), Decision::Allowed(0));
}

// ----- brute force ----------------------------------------------------------

mod brute {
    use super::*;
    use proptest::prelude::*;

    const ACTIONS: [&str; 3] = ["s3:*", "s3:Get*", "s3:PutObject"];
    const RESOURCES: [&str; 3] = ["*", "arn:aws:s3:::b/*", "arn:aws:s3:::b/x"];
    const VPCES: [&str; 2] = ["vpce-1", "vpce-*"];
    const NETS: [&str; 4] = ["10.0.0.0/8", "10.1.0.0/16", "192.0.2.0/24", "0.0.0.0/1"];

    fn principal() -> impl Strategy<Value = Value> {
        prop_oneof![
            Just(json!("*")),
            Just(json!({"AWS": "111111111111"})),
            Just(json!({"AWS": "arn:aws:iam::222222222222:role/r"})),
            Just(json!({"Service": "cloudfront.amazonaws.com"})),
        ]
    }

    fn condition() -> impl Strategy<Value = Option<(String, String, String)>> {
        let vpce_ops = prop_oneof![
            Just("StringEquals"),
            Just("StringNotEquals"),
            Just("StringLike"),
            Just("StringNotLike"),
            Just("StringEqualsIfExists"),
            Just("ForAnyValue:StringEquals"),
        ];
        prop_oneof![
            Just(None),
            (vpce_ops, 0..VPCES.len()).prop_map(|(o, v)| Some((
                o.to_string(),
                "aws:SourceVpce".into(),
                VPCES[v].into()
            ))),
            (
                prop_oneof![
                    Just("IpAddress"),
                    Just("NotIpAddress"),
                    Just("IpAddressIfExists")
                ],
                0..NETS.len()
            )
                .prop_map(|(o, n)| Some((
                    o.to_string(),
                    "aws:SourceIp".into(),
                    NETS[n].into()
                ))),
            prop_oneof![Just("true"), Just("false")].prop_map(|b| Some((
                "Bool".into(),
                "aws:SecureTransport".into(),
                b.into()
            ))),
            prop_oneof![Just("StringEquals"), Just("StringNotEquals")].prop_map(|o| Some((
                o.into(),
                "aws:PrincipalAccount".into(),
                "111111111111".into()
            ))),
            prop_oneof![Just("ArnLike"), Just("ArnNotLike")].prop_map(|o| Some((
                o.into(),
                "aws:PrincipalArn".into(),
                "arn:aws:iam::*:role/r".into()
            ))),
        ]
    }

    fn statement() -> impl Strategy<Value = Value> {
        (
            any::<bool>(),
            any::<bool>(),
            principal(),
            0..ACTIONS.len(),
            any::<bool>(),
            0..RESOURCES.len(),
            condition(),
            condition(),
        )
            .prop_map(|(allow, not_p, p, a, not_a, r, c1, c2)| {
                let mut s = serde_json::Map::new();
                s.insert("Effect".into(), json!(if allow { "Allow" } else { "Deny" }));
                s.insert(
                    if not_p && !allow {
                        "NotPrincipal"
                    } else {
                        "Principal"
                    }
                    .into(),
                    p,
                );
                s.insert(
                    if not_a { "NotAction" } else { "Action" }.into(),
                    json!(ACTIONS[a]),
                );
                s.insert("Resource".into(), json!(RESOURCES[r]));
                let mut cond = serde_json::Map::new();
                for (op, k, v) in [c1, c2].into_iter().flatten() {
                    let e = cond.entry(op).or_insert_with(|| json!({}));
                    if let Value::Object(m) = e {
                        m.insert(k, json!(v));
                    }
                }
                if !cond.is_empty() {
                    s.insert("Condition".into(), Value::Object(cond));
                }
                Value::Object(s)
            })
    }

    /// Every request of the small space: the policy's values and one
    /// value outside them in each dimension.
    fn universe() -> Vec<Request> {
        let principals = [
            Principal::Anonymous,
            Principal::Aws("arn:aws:iam::111111111111:user/u".into()),
            Principal::Aws("arn:aws:iam::111111111111:role/r".into()),
            Principal::Aws("arn:aws:iam::222222222222:role/r".into()),
            Principal::Aws("arn:aws:iam::333333333333:user/other".into()),
            Principal::Aws("arn:aws:iam::333333333333:role/r".into()),
            Principal::Service("cloudfront.amazonaws.com".into()),
            Principal::Service("other.amazonaws.com".into()),
        ];
        let targets = [
            ("s3:GetObject", "arn:aws:s3:::b/x"),
            ("s3:GetObject", "arn:aws:s3:::b/y"),
            ("s3:PutObject", "arn:aws:s3:::b/x"),
            ("s3:PutObject", "arn:aws:s3:::b/y"),
        ];
        let ips: [Option<&str>; 6] = [
            None,
            Some("10.1.2.3"),
            Some("10.2.3.4"),
            Some("192.0.2.5"),
            Some("203.0.113.1"),
            Some("2001:db8::1"),
        ];
        let vpces = [
            None,
            Some("vpce-1"),
            Some("vpce-2"),
            Some("vpce-*"),
            Some("other"),
        ];
        let mut out = Vec::new();
        for p in &principals {
            for (a, r) in targets {
                for ip in ips {
                    for v in vpces {
                        for tls in [false, true] {
                            let mut q = Request::new(p.clone(), a, r);
                            q.source_ip = ip.map(|s| s.parse().unwrap());
                            q.source_vpce = v.map(str::to_string);
                            q.secure_transport = tls;
                            out.push(q);
                        }
                    }
                }
            }
        }
        out
    }

    fn space() -> Space {
        Space::anyone(vec![
            (
                "s3:GetObject".into(),
                pattern::Pattern::new("arn:aws:s3:::b/*", true, false, false),
            ),
            (
                "s3:PutObject".into(),
                pattern::Pattern::new("arn:aws:s3:::b/*", true, false, false),
            ),
        ])
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(200))]
        #[test]
        fn search_agrees_with_brute_force(stmts in proptest::collection::vec(statement(), 1..4)) {
            let p = pol(json!({"Statement": stmts}));
            let all = universe();
            for want in [Want::Allowed, Want::NotAllowed, Want::NotDenied] {
                let brute = all.iter().any(|r| {
                    let d = p.evaluate(r);
                    match want {
                        Want::Allowed => matches!(d, Decision::Allowed(_)),
                        Want::NotAllowed => matches!(d, Decision::Denied(_) | Decision::NotAllowed),
                        Want::NotDenied => matches!(d, Decision::Allowed(_) | Decision::NotAllowed),
                    }
                });
                match p.search(&space(), want) {
                    Found::Yes(r, d) => {
                        prop_assert_eq!(p.evaluate(&r), d.clone());
                        prop_assert!(brute, "search found {} ({:?}) but brute force found none", r, d);
                    }
                    Found::No => prop_assert!(!brute, "search found none, brute force did ({:?})", want),
                    Found::Unknown(why) => prop_assert!(false, "unknown: {:?}", why),
                }
            }
        }
    }

    /// S3's "public", written out over the small space independently of
    /// the search: the principal is anonymous or not one the policy names
    /// by a fixed value, `aws:SourceVpce` is absent or not a fixed value of
    /// the policy, and the address is outside every narrow range named.
    fn public_in_universe(p: &Policy, r: &Request) -> bool {
        let mut fixed_arns: Vec<String> = Vec::new();
        let mut fixed_accounts: Vec<String> = Vec::new();
        let mut fixed_vpces: Vec<String> = Vec::new();
        let mut narrow: Vec<IpNet> = Vec::new();
        for st in &p.statements {
            if let Principals::Only(es) | Principals::AllBut(es) = &st.principals {
                for e in es {
                    match e {
                        PrincipalEntry::Arn(a) => fixed_arns.push(a.clone()),
                        PrincipalEntry::Account(a) => fixed_accounts.push(a.clone()),
                        _ => {}
                    }
                }
            }
            for c in &st.conditions {
                let literal = |v: &String| match c.family {
                    Family::String { wild, .. } => !wild || !(v.contains('*') || v.contains('?')),
                    _ => !(v.contains('*') || v.contains('?')),
                };
                match c.key {
                    Key::SourceVpce => {
                        fixed_vpces.extend(c.values.iter().filter(|v| literal(v)).cloned())
                    }
                    Key::PrincipalAccount => {
                        fixed_accounts.extend(c.values.iter().filter(|v| literal(v)).cloned())
                    }
                    Key::PrincipalArn => {
                        fixed_arns.extend(c.values.iter().filter(|v| literal(v)).cloned())
                    }
                    Key::SourceIp => narrow.extend(
                        c.values
                            .iter()
                            .map(|v| v.parse::<IpNet>().unwrap())
                            .filter(s3::narrow),
                    ),
                    _ => {}
                }
            }
        }
        let principal_ok = match &r.principal {
            Principal::Anonymous => true,
            Principal::Aws(a) => {
                !fixed_arns.contains(a)
                    && !fixed_accounts
                        .iter()
                        .any(|x| r.principal.account() == Some(x.as_str()))
            }
            _ => false,
        };
        principal_ok
            && r.source_vpce
                .as_ref()
                .is_none_or(|v| !fixed_vpces.contains(v))
            && r.source_ip
                .is_some_and(|ip| !narrow.iter().any(|n| n.contains(&ip)))
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(200))]
        #[test]
        fn public_search_agrees_with_brute_force(stmts in proptest::collection::vec(statement(), 1..4)) {
            let p = pol(json!({"Statement": stmts}));
            let brute = universe()
                .iter()
                .any(|r| public_in_universe(&p, r) && matches!(p.evaluate(r), Decision::Allowed(_)));
            let mut space = space();
            space.public = true;
            space.services = false;
            space.source_ip_absent = false;
            match p.search(&space, Want::Allowed) {
                Found::Yes(r, d) => {
                    prop_assert_eq!(p.evaluate(&r), d.clone());
                    prop_assert!(public_in_universe(&p, &r), "witness {} is not public", r);
                    prop_assert!(brute, "search found {} but brute force found none", r);
                }
                Found::No => prop_assert!(!brute, "search found none, brute force did"),
                Found::Unknown(why) => prop_assert!(false, "unknown: {:?}", why),
            }
        }
    }
}
