//! Exact search of a request space: is some request allowed (or not)?
//!
//! Each dimension of the space (the principal's ARN, the resource, each
//! string key, the source address) is cut into the regions the policy's
//! own patterns and ranges can tell apart, one concrete value per region
//! (`pattern::regions`, address intervals). Every request the policy
//! treats differently from all the others differs in some region, so
//! trying one value per region in every combination tries every case: the
//! answer is a witness request, "none", or unknown (C-19.4).

use std::collections::BTreeSet;
use std::net::IpAddr;

use ipnet::IpNet;

use super::pattern::{Pattern, TooComplex, regions};
use super::{Decision, Key, Policy, Principal, PrincipalEntry, Principals, Request, Test};
use crate::hs::{IntervalSet, all_v4, all_v6, decode, is_v4_code, net_set};

/// The requests a question is about.
#[derive(Debug, Clone)]
pub struct Space {
    /// Anonymous requests are in the space.
    pub anonymous: bool,
    /// Requests by IAM users and roles of any account.
    pub aws: bool,
    /// Requests by AWS service principals.
    pub services: bool,
    /// The actions, each with the shape of the resources it acts on
    /// (`arn:aws:s3:::data/*`).
    pub targets: Vec<(String, Pattern)>,
    /// `aws:SecureTransport`: `None` either.
    pub secure_transport: Option<bool>,
    /// Keys held to one value (`None`: absent from the request).
    pub pinned: Vec<(Key, Option<String>)>,
    /// Whether a request may come without `aws:SourceIp`.
    pub source_ip_absent: bool,
    /// Addresses a request may come from (`None`: any).
    pub source_ips: Option<IntervalSet>,
    /// S3's "public" (C-19.5): the request's values of the keys that make a
    /// grant non-public, and its principal, are none of the fixed values
    /// the policy names, and its address is outside every range the policy
    /// names that is narrow enough ([`super::s3::narrow`]).
    pub public: bool,
}

impl Space {
    /// Every principal, every key free, the given targets.
    pub fn anyone(targets: Vec<(String, Pattern)>) -> Space {
        Space {
            anonymous: true,
            aws: true,
            services: true,
            targets,
            secure_transport: None,
            pinned: Vec::new(),
            source_ip_absent: true,
            source_ips: None,
            public: false,
        }
    }
}

/// What to look for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Want {
    /// A request the policy allows.
    Allowed,
    /// A request the policy does not allow (denied, or no allow).
    NotAllowed,
    /// A request no statement explicitly denies.
    NotDenied,
}

impl Want {
    fn hit(self, d: &Decision) -> bool {
        match self {
            Want::Allowed => matches!(d, Decision::Allowed(_)),
            Want::NotAllowed => matches!(d, Decision::Denied(_) | Decision::NotAllowed),
            Want::NotDenied => matches!(d, Decision::Allowed(_) | Decision::NotAllowed),
        }
    }
}

/// The answer of a search.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Found {
    /// This request, with what the policy decided.
    Yes(Box<Request>, Decision),
    /// No request in the space.
    No,
    /// It depends on what the evaluator does not support (the reasons).
    Unknown(Vec<String>),
}

/// The most combinations one search evaluates.
const MAX_COMBINATIONS: usize = 2_000_000;

/// A string dimension: its values (`None`: absent).
type Values = Vec<Option<String>>;

impl Policy {
    /// Look for a request in `space` that the policy treats as `want` says.
    pub fn search(&self, space: &Space, want: Want) -> Found {
        match self.search_inner(space, want) {
            Ok(f) => f,
            Err(e) => Found::Unknown(vec![e]),
        }
    }

    fn patterns_of(&self, key: Key) -> Vec<Pattern> {
        let mut out = Vec::new();
        for s in &self.statements {
            for c in &s.conditions {
                if c.key == key
                    && let Test::Strings(ps) = &c.test
                {
                    out.extend(ps.iter().cloned());
                }
            }
        }
        out
    }

    /// Fixed (wildcard-free) values the policy names for `key`.
    fn fixed_of(&self, key: Key) -> Vec<Pattern> {
        self.patterns_of(key)
            .into_iter()
            .filter(|p| !p.has_wildcard())
            .map(|p| Pattern::new(&p.text(), false, p.ignores_case(), false))
            .collect()
    }

    fn principal_entries(&self) -> impl Iterator<Item = &PrincipalEntry> {
        self.statements.iter().flat_map(|s| match &s.principals {
            Principals::Only(e) | Principals::AllBut(e) => e.as_slice(),
            Principals::Absent => &[],
        })
    }

    fn search_inner(&self, space: &Space, want: Want) -> Result<Found, String> {
        let too = |what: &str| {
            format!("the {what} patterns of the policy are too complex to decide exactly")
        };
        // Principals.
        let mut principals: Vec<Principal> = Vec::new();
        if space.anonymous {
            principals.push(Principal::Anonymous);
        }
        if space.aws {
            let mut ps: Vec<Pattern> = Vec::new();
            let mut reject: Vec<Pattern> = Vec::new();
            // An account is the fifth component of the principal's ARN.
            let account_glob = |acct: &str, ic: bool| {
                Pattern::new(&format!("arn:*:iam::{acct}:*"), true, ic, true)
            };
            for e in self.principal_entries() {
                match e {
                    PrincipalEntry::Account(a) => {
                        ps.push(account_glob(a, false));
                        reject.push(account_glob(a, false));
                    }
                    PrincipalEntry::Arn(a) => {
                        ps.push(Pattern::literal(a));
                        reject.push(Pattern::literal(a));
                    }
                    _ => {}
                }
            }
            for p in self.patterns_of(Key::PrincipalArn) {
                if !p.has_wildcard() {
                    reject.push(p.clone());
                }
                ps.push(p);
            }
            for p in self.patterns_of(Key::PrincipalAccount) {
                let t = p.text();
                if !p.is_wild() && (t.contains('*') || t.contains('?')) {
                    return Err(format!(
                        "`aws:PrincipalAccount` compared with `{t}`, which holds a literal wildcard character"
                    ));
                }
                let g = account_glob(&t, p.ignores_case());
                if !p.has_wildcard() {
                    reject.push(g.clone());
                }
                ps.push(g);
            }
            let shape = Pattern::new("arn:*:iam::*:*", true, false, true);
            let arns = dimension(
                &ps,
                &[shape],
                if space.public { &reject } else { &[] },
                &["arn:aws:iam::999999999999:user/anyone".to_string()],
            )
            .map_err(|_| too("principal"))?;
            principals.extend(arns.into_iter().map(Principal::Aws));
        }
        if space.services && !space.public {
            let mut ps = Vec::new();
            for e in self.principal_entries() {
                if let PrincipalEntry::Service(s) = e {
                    ps.push(Pattern::new(s, false, true, false));
                }
            }
            let names = dimension(&ps, &[], &[], &["example.amazonaws.com".to_string()])
                .map_err(|_| too("service"))?;
            principals.extend(names.into_iter().map(Principal::Service));
            for e in self.principal_entries() {
                if let PrincipalEntry::Canonical(c) = e {
                    principals.push(Principal::Canonical(c.clone()));
                }
            }
        }
        // Targets: each action with its resources.
        let mut res_patterns: Vec<Pattern> = Vec::new();
        for s in &self.statements {
            res_patterns.extend(s.resource.patterns.iter().cloned());
        }
        let mut targets: Vec<(String, String)> = Vec::new();
        for (action, shape) in &space.targets {
            let seed = shape.text().replace('*', "example").replace('?', "x");
            for r in dimension(&res_patterns, std::slice::from_ref(shape), &[], &[seed])
                .map_err(|_| too("resource"))?
            {
                targets.push((action.clone(), r));
            }
        }
        // String keys.
        let string_keys = [
            (Key::SourceVpce, "vpce-0example", true),
            (Key::SourceVpc, "vpc-0example", true),
            (
                Key::SourceArn,
                "arn:aws:cloudfront::999999999999:distribution/EXAMPLE",
                true,
            ),
            (Key::SourceAccount, "999999999999", true),
            (Key::PrincipalOrgId, "o-example", false),
            (Key::UserId, "AIDAEXAMPLE", true),
        ];
        let mut dims: Vec<(Key, Values)> = Vec::new();
        for (k, seed, restricting) in string_keys {
            if let Some((_, v)) = space.pinned.iter().find(|(pk, _)| *pk == k) {
                dims.push((k, vec![v.clone()]));
                continue;
            }
            let ps = self.patterns_of(k);
            let mut vals: Values = vec![None];
            if !ps.is_empty() {
                let reject = if space.public && restricting {
                    self.fixed_of(k)
                } else {
                    Vec::new()
                };
                vals.extend(
                    dimension(&ps, &[], &reject, &[seed.to_string()])
                        .map_err(|_| too(k.name()))?
                        .into_iter()
                        .map(Some),
                );
            }
            dims.push((k, vals));
        }
        // Addresses.
        let ips = self.addresses(space);
        let tls: Vec<bool> = match space.secure_transport {
            Some(b) => vec![b],
            None => vec![false, true],
        };
        let total = principals.len()
            * targets.len()
            * ips.len()
            * tls.len()
            * dims.iter().map(|(_, v)| v.len()).product::<usize>();
        if total > MAX_COMBINATIONS {
            return Err(format!(
                "the policy distinguishes {total} kinds of request, more than netverify decides exactly ({MAX_COMBINATIONS})"
            ));
        }
        let mut reasons: BTreeSet<String> = BTreeSet::new();
        let mut idx = vec![0usize; dims.len()];
        for p in &principals {
            for (action, resource) in &targets {
                for ip in &ips {
                    for &t in &tls {
                        idx.iter_mut().for_each(|i| *i = 0);
                        loop {
                            let mut r = Request::new(p.clone(), action, resource);
                            r.source_ip = *ip;
                            r.secure_transport = t;
                            for ((k, vals), &i) in dims.iter().zip(&idx) {
                                let v = vals[i].clone();
                                match k {
                                    Key::SourceVpce => r.source_vpce = v,
                                    Key::SourceVpc => r.source_vpc = v,
                                    Key::SourceArn => r.source_arn = v,
                                    Key::SourceAccount => r.source_account = v,
                                    Key::PrincipalOrgId => r.principal_org_id = v,
                                    _ => r.userid = v,
                                }
                            }
                            let d = self.evaluate(&r);
                            if want.hit(&d) {
                                return Ok(Found::Yes(Box::new(r), d));
                            }
                            if let Decision::Unknown(why) = d {
                                reasons.extend(why);
                            }
                            // Next combination of the string keys.
                            let mut j = 0;
                            loop {
                                if j == idx.len() {
                                    break;
                                }
                                idx[j] += 1;
                                if idx[j] < dims[j].1.len() {
                                    break;
                                }
                                idx[j] = 0;
                                j += 1;
                            }
                            if j == idx.len() {
                                break;
                            }
                        }
                    }
                }
            }
        }
        Ok(if reasons.is_empty() {
            Found::No
        } else {
            Found::Unknown(reasons.into_iter().collect())
        })
    }

    /// One address per interval the policy's ranges tell apart, within the
    /// space (and, for a public question, outside the narrow ranges).
    fn addresses(&self, space: &Space) -> Vec<Option<IpAddr>> {
        let mut nets: Vec<IpNet> = Vec::new();
        for s in &self.statements {
            for c in &s.conditions {
                if let Test::Nets(n) = &c.test {
                    nets.extend(n.iter().copied());
                }
            }
        }
        let mut allowed = space
            .source_ips
            .clone()
            .unwrap_or_else(|| all_v4().union(&all_v6()));
        if space.public {
            for n in &nets {
                if super::s3::narrow(n) {
                    allowed = allowed.subtract(&net_set(n));
                }
            }
        }
        let mut cuts: BTreeSet<u128> = BTreeSet::new();
        let mut mark = |set: &IntervalSet| {
            for &(lo, hi) in set.runs() {
                cuts.insert(lo);
                if let Some(n) = hi.checked_add(1) {
                    cuts.insert(n);
                }
            }
        };
        mark(&allowed);
        mark(&all_v4());
        for n in &nets {
            mark(&net_set(n));
        }
        let mut out: Vec<Option<IpAddr>> = Vec::new();
        if space.source_ip_absent && !space.public {
            out.push(None);
        }
        // One address inside each interval between two cuts: its middle,
        // which reads better than its first address (`0.0.0.0`).
        let cuts: Vec<u128> = cuts.into_iter().collect();
        for (i, &lo) in cuts.iter().enumerate() {
            let hi = cuts.get(i + 1).map_or(u128::MAX, |n| n - 1);
            let mid = lo + (hi - lo) / 2;
            let nice = ["203.0.113.7", "2001:db8::7"]
                .iter()
                .filter_map(|t| t.parse::<IpAddr>().ok())
                .map(crate::hs::encode);
            let pick = nice
                .chain([mid, lo])
                .find(|a| allowed.contains(*a) && (lo..=hi).contains(a));
            if let Some(a) = pick {
                out.push(Some(decode(a, is_v4_code(a))));
            }
        }
        if nets.is_empty() {
            // One address stands for all.
            out.retain(Option::is_none);
            if let Some(a) = allowed.first() {
                let nice = ["203.0.113.7"]
                    .iter()
                    .filter_map(|s| s.parse::<IpAddr>().ok())
                    .find(|a| allowed.contains(crate::hs::encode(*a)));
                out.push(Some(nice.unwrap_or_else(|| decode(a, is_v4_code(a)))));
            }
        }
        out
    }
}

/// The values of one string dimension: one per region of `patterns` that
/// every pattern in `must` accepts and no pattern in `reject` accepts.
fn dimension(
    patterns: &[Pattern],
    must: &[Pattern],
    reject: &[Pattern],
    seeds: &[String],
) -> Result<Vec<String>, TooComplex> {
    let mut all: Vec<Pattern> = patterns.to_vec();
    let m0 = all.len();
    all.extend(must.iter().cloned());
    let r0 = all.len();
    all.extend(reject.iter().cloned());
    let mut seeds = seeds.to_vec();
    for p in &all {
        seeds.push(p.text().replace('*', "example").replace('?', "x"));
    }
    Ok(regions(&all, &seeds)?
        .into_iter()
        .filter(|(v, _)| v[m0..r0].iter().all(|b| *b) && !v[r0..].iter().any(|b| *b))
        .map(|(_, w)| w)
        .collect())
}
