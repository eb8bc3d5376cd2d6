//! Gaps: what the file says the data does not show, and where.

use super::*;

impl V<'_> {
    pub(super) fn gaps(&mut self) {
        for g in &self.src.gaps {
            // A misspelt id would match no check, and the gap would silently
            // stop making that check `unknown`.
            for a in &g.affects {
                if !r::CHECK_IDS.contains(&a.as_str()) {
                    let help = did_you_mean(a, r::CHECK_IDS.iter().copied())
                        .or_else(|| Some(format!("expected {}", one_of(r::CHECK_IDS))));
                    let pos = if a.pos.is_unknown() { g.pos } else { a.pos };
                    self.err(
                        pos,
                        format!("gap `{}` affects unknown check `{}`", g.what.value, a.value),
                        help,
                    );
                }
            }
            let kind = g.kind.as_ref().map(|k| k.value).unwrap_or_default();
            let scope = match &g.scope {
                None => r::GapScope::Everywhere,
                Some(sc) if kind.is_s3() => self.bucket_gap_scope(&g.what.value, sc),
                Some(sc) => {
                    if let Some(b) = sc.value.buckets.first() {
                        self.err(
                            b.pos,
                            format!(
                                "gap `{}` names bucket `{}`, but only gaps of kind `s3` or `s3-restrictions` concern buckets",
                                g.what.value, b.value
                            ),
                            Some("write `kind: s3` (bucket data) or `kind: s3-restrictions` (Block Public Access, object ownership)".into()),
                        );
                    }
                    self.gap_scope(&g.what.value, sc)
                }
            };
            self.t.gaps.push(r::Gap {
                what: g.what.value.clone(),
                affects: g.affects.iter().map(|a| a.value.clone()).collect(),
                kind,
                scope,
                pos: g.pos,
            });
        }
    }

    /// The buckets the scope of an S3 gap stands for: those of its accounts
    /// and Regions (a bucket whose account or Region is not known counts as
    /// in it) and its buckets. Fail closed: an account or Region without a
    /// captured bucket makes it everywhere (its buckets are what is
    /// missing). VPCs and resources are not S3 scopes.
    fn bucket_gap_scope(&mut self, what: &str, sc: &Sp<f::GapScope>) -> r::GapScope {
        let s = &sc.value;
        if let Some(v) = s.vpcs.first().or(s.resources.first()) {
            self.err(
                v.pos,
                format!(
                    "gap `{what}` is of an S3 kind, so its scope names buckets, not `{}`",
                    v.value
                ),
                Some("list the `buckets`, `accounts` or `regions` it concerns".into()),
            );
        }
        if s.accounts.is_empty() && s.regions.is_empty() && s.buckets.is_empty() {
            if s.vpcs.is_empty() && s.resources.is_empty() {
                self.err(
                    sc.pos,
                    format!("gap `{what}` has an empty `scope`"),
                    Some("list the `buckets`, `accounts` or `regions` it concerns, or omit `scope` for everywhere".into()),
                );
            }
            return r::GapScope::Everywhere;
        }
        let mut set = std::collections::BTreeSet::new();
        let mut everywhere = false;
        let by_place = |set: &mut std::collections::BTreeSet<usize>,
                        t: &r::Topology,
                        field: fn(&crate::model::s3::S3Bucket) -> Option<&String>,
                        wanted: &str| {
            for (i, b) in t.buckets.iter().enumerate() {
                if field(b).is_none_or(|x| x == wanted) {
                    set.insert(i);
                }
            }
            t.buckets
                .iter()
                .any(|b| field(b).is_some_and(|x| x == wanted))
        };
        for a in &s.accounts {
            everywhere |= !by_place(&mut set, &self.t, |b| b.account.as_ref(), &a.value.0);
        }
        for reg in &s.regions {
            everywhere |= !by_place(&mut set, &self.t, |b| b.region.as_ref(), &reg.value);
        }
        for b in &s.buckets {
            match self.t.buckets.iter().position(|x| x.meta.name == b.value) {
                Some(i) => {
                    set.insert(i);
                }
                None => {
                    let help = did_you_mean(
                        &b.value,
                        self.t.buckets.iter().map(|x| x.meta.name.as_str()),
                    );
                    self.err(
                        b.pos,
                        format!(
                            "the scope of gap `{what}` names bucket `{}`, which the `s3` section does not list",
                            b.value
                        ),
                        help,
                    );
                }
            }
        }
        if everywhere || set.is_empty() {
            r::GapScope::Everywhere
        } else {
            r::GapScope::Buckets(set)
        }
    }

    /// The VPCs a gap's scope stands for: those of its accounts and Regions
    /// (a VPC whose account or Region is not known counts as in it), its
    /// VPCs, and the VPCs of its resources. Fail closed: a resource outside
    /// any VPC, or accounts and Regions without a VPC, make it everywhere.
    pub(super) fn gap_scope(&mut self, what: &str, sc: &Sp<f::GapScope>) -> r::GapScope {
        let s = &sc.value;
        if s.accounts.is_empty()
            && s.regions.is_empty()
            && s.vpcs.is_empty()
            && s.resources.is_empty()
        {
            self.err(
                sc.pos,
                format!("gap `{what}` has an empty `scope`"),
                Some("list the `accounts`, `regions`, `vpcs` or `resources` it concerns, or omit `scope` for everywhere".into()),
            );
            return r::GapScope::Everywhere;
        }
        let mut vpcs = std::collections::BTreeSet::new();
        let mut everywhere = false;
        let by_place = |vpcs: &mut std::collections::BTreeSet<usize>,
                        t: &r::Topology,
                        field: fn(&r::Vpc) -> Option<&String>,
                        wanted: &str| {
            for (i, v) in t.vpcs.iter().enumerate() {
                if field(v).is_none_or(|x| x == wanted) {
                    vpcs.insert(i);
                }
            }
            // No captured VPC is there: the place's VPCs are what is missing.
            t.vpcs.iter().any(|v| field(v).is_some_and(|x| x == wanted))
        };
        for a in &s.accounts {
            if !by_place(&mut vpcs, &self.t, |v| v.account.as_ref(), &a.value.0) {
                everywhere = true;
            }
        }
        for reg in &s.regions {
            if !by_place(&mut vpcs, &self.t, |v| v.region.as_ref(), &reg.value) {
                everywhere = true;
            }
        }
        for v in &s.vpcs {
            let id = self.lookup1(v, Kind::Vpc, &format!("the scope of gap `{what}`"));
            if id != BAD {
                vpcs.insert(id);
            }
        }
        for res in &s.resources {
            match self.t.names.get(res.value.as_str()).copied() {
                Some(rr) => match self.t.vpcs_of(rr) {
                    Some(v) => vpcs.extend(v),
                    None => everywhere = true,
                },
                None => {
                    let help = if self.diags.len() > MAX_SUGGESTIONS {
                        None
                    } else {
                        did_you_mean(&res.value, self.t.names.keys().map(String::as_str))
                    };
                    self.err(
                        res.pos,
                        format!(
                            "the scope of gap `{what}` refers to `{}`, which is not defined",
                            res.value
                        ),
                        help,
                    );
                }
            }
        }
        if everywhere || vpcs.is_empty() {
            r::GapScope::Everywhere
        } else {
            r::GapScope::Vpcs(vpcs)
        }
    }
}
