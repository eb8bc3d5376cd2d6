//! The `s3` section: buckets, their policies, Block Public Access, ACLs,
//! access points and website hosting.

use serde_json::Value;

use super::*;
use crate::model::s3 as s;

/// The elements a policy statement may have.
const STATEMENT_KEYS: &[&str] = &[
    "Sid",
    "Effect",
    "Principal",
    "NotPrincipal",
    "Action",
    "NotAction",
    "Resource",
    "NotResource",
    "Condition",
];

/// The elements a policy document may have.
const DOCUMENT_KEYS: &[&str] = &["Version", "Id", "Statement"];

impl V<'_> {
    pub(super) fn s3(&mut self) {
        let Some(sec) = &self.src.s3 else {
            return;
        };
        let top_account = self.src.account.as_ref().map(|a| a.value.0.clone());
        let top_region = self.src.region.as_ref().map(|r| r.value.trim().to_string());
        let mut accounts: HashMap<Option<String>, (s::PublicAccessBlock, Pos)> = HashMap::new();
        for a in &sec.accounts {
            let id = a
                .account
                .as_ref()
                .map(|x| x.value.0.clone())
                .or_else(|| top_account.clone());
            let pab = s::PublicAccessBlock::from(&a.public_access_block.value);
            if let Some((_, first)) = accounts.insert(id.clone(), (pab, a.pos)) {
                self.err(
                    a.pos,
                    format!(
                        "s3 lists the settings of account `{}` twice{}",
                        id.unwrap_or_default(),
                        at_line(first)
                    ),
                    None,
                );
            }
        }
        let mut seen: HashMap<&str, Pos> = HashMap::new();
        for b in &sec.buckets {
            let name = b.name.value.as_str();
            if let Some(first) = seen.insert(name, b.name.pos) {
                self.err(
                    b.name.pos,
                    format!("s3 lists bucket `{name}` twice{}", at_line(first)),
                    None,
                );
            }
            if !s::valid_bucket_name(name) {
                self.err(
                    b.name.pos,
                    format!("`{name}` is not a valid S3 bucket name"),
                    Some("a bucket name has 3 to 63 lowercase letters, digits, dots and hyphens, and starts and ends with a letter or digit".into()),
                );
            }
            let ctx = format!("the policy of bucket `{name}`");
            let policy = b.policy.as_ref().and_then(|p| self.policy_doc(p, &ctx));
            let account = b
                .account
                .as_ref()
                .map(|x| x.value.0.clone())
                .or_else(|| top_account.clone());
            let account_pab = accounts.get(&account).map(|(p, _)| *p).unwrap_or_default();
            let mut access_points = Vec::new();
            for ap in &b.access_points {
                let actx = format!("access point `{}` of bucket `{name}`", ap.name.value);
                let vpc = ap
                    .vpc
                    .as_ref()
                    .and_then(|v| self.lookup(v, &[Kind::Vpc], "vpc", &actx).map(|(_, i)| i));
                let policy = ap
                    .policy
                    .as_ref()
                    .and_then(|p| self.policy_doc(p, &format!("the policy of {actx}")));
                access_points.push(s::AccessPointR {
                    meta: Meta {
                        name: ap.name.value.clone(),
                        aws_id: None,
                        pos: ap.name.pos,
                    },
                    policy,
                    vpc,
                    public_access_block: ap
                        .public_access_block
                        .as_ref()
                        .map(|p| s::PublicAccessBlock::from(&p.value))
                        .unwrap_or_default(),
                });
            }
            self.t.buckets.push(s::S3Bucket {
                meta: Meta {
                    name: name.to_string(),
                    aws_id: Some(format!("arn:aws:s3:::{name}")),
                    pos: b.name.pos,
                },
                region: b
                    .region
                    .as_ref()
                    .map(|r| r.value.trim().to_string())
                    .or_else(|| top_region.clone()),
                account,
                policy,
                public_access_block: b
                    .public_access_block
                    .as_ref()
                    .map(|p| s::PublicAccessBlock::from(&p.value))
                    .unwrap_or_default(),
                account_public_access_block: account_pab,
                ownership: b
                    .object_ownership
                    .as_ref()
                    .map(|o| o.value)
                    .unwrap_or_default(),
                acl: b
                    .acl
                    .iter()
                    .map(|g| s::Grant {
                        grantee: s::Grantee::parse(&g.grantee.value),
                        permission: g.permission.value,
                        pos: g.pos,
                    })
                    .collect(),
                access_points,
                website: b.website.as_ref().map(|w| w.value.clone()),
            });
        }
    }

    /// Check a policy document's shape; the resolved document, or `None`
    /// after reporting what is wrong.
    fn policy_doc(&mut self, p: &s::PolicyDoc, ctx: &str) -> Option<s::PolicyDocument> {
        if let Some((msg, pos)) = &p.error {
            self.err(*pos, format!("{ctx}: {msg}"), None);
            return None;
        }
        let Value::Object(doc) = &p.value else {
            self.err(p.pos, format!("{ctx} is not a policy document"), None);
            return None;
        };
        let mut ok = true;
        for k in doc.keys() {
            if !DOCUMENT_KEYS.contains(&k.as_str()) {
                let help = did_you_mean(k, DOCUMENT_KEYS.iter().copied());
                self.err(p.pos, format!("{ctx} has unknown element `{k}`"), help);
                ok = false;
            }
        }
        let statements: Vec<&Value> = match doc.get("Statement") {
            Some(Value::Array(a)) => a.iter().collect(),
            Some(v @ Value::Object(_)) => vec![v],
            _ => {
                self.err(p.pos, format!("{ctx} has no `Statement` list"), None);
                return None;
            }
        };
        for (i, st) in statements.iter().enumerate() {
            let pos = p
                .statements
                .get(i)
                .copied()
                .filter(|x| !x.is_unknown())
                .unwrap_or(p.pos);
            let label = format!("statement #{} of {ctx}", i + 1);
            let Value::Object(m) = st else {
                self.err(pos, format!("{label} is not a map"), None);
                ok = false;
                continue;
            };
            for k in m.keys() {
                if !STATEMENT_KEYS.contains(&k.as_str()) {
                    let help = did_you_mean(k, STATEMENT_KEYS.iter().copied());
                    self.err(pos, format!("{label} has unknown element `{k}`"), help);
                    ok = false;
                }
            }
            match m.get("Effect").and_then(Value::as_str) {
                Some("Allow" | "Deny") => {}
                Some(e) => {
                    let help = did_you_mean(e, ["Allow", "Deny"]);
                    self.err(
                        pos,
                        format!("{label} has `Effect` `{e}`, not `Allow` or `Deny`"),
                        help,
                    );
                    ok = false;
                }
                None => {
                    self.err(
                        pos,
                        format!("{label} has no `Effect`"),
                        Some("write `Effect: Allow` or `Effect: Deny`".into()),
                    );
                    ok = false;
                }
            }
            if !m.contains_key("Principal") && !m.contains_key("NotPrincipal") {
                self.err(
                    pos,
                    format!("{label} has no `Principal`: a resource policy statement needs one"),
                    Some("write `Principal: \"*\"` for everyone, or the accounts, roles or services it is for".into()),
                );
                ok = false;
            }
        }
        ok.then(|| s::PolicyDocument {
            value: p.value.clone(),
            pos: p.pos,
            statements: p.statements.clone(),
        })
    }
}
