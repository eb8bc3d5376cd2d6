//! S3 buckets: the `s3` section of the format, and the resolved buckets.
//!
//! A bucket carries its Region and account, its bucket policy (written as
//! YAML or as the JSON text AWS returns, with where each statement is
//! written), Block Public Access (bucket and account), object ownership and
//! ACL grants, access points and website hosting. The checks decide what
//! they make reachable with the resource-policy evaluator.

use std::borrow::Cow;
use std::fmt;

use schemars::{JsonSchema, Schema, SchemaGenerator};
use serde::de::{self, Deserializer, MapAccess, SeqAccess, Visitor};
use serde::{Deserialize, Serialize, Serializer};
use serde_json::Value;

use super::format::Tags;
use super::resolved::Meta;
use super::spanned::{Pos, Scalar, Sp};

// ----- format ------------------------------------------------------------

/// S3: account-level settings and buckets.
#[derive(Debug, Clone, Default, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct S3Section {
    /// Account-level Block Public Access, per account
    /// (`s3control get-public-access-block`).
    #[serde(default)]
    pub accounts: Vec<Sp<S3Account>>,
    #[serde(default)]
    pub buckets: Vec<Sp<Bucket>>,
}

/// One account's S3 settings.
#[derive(Debug, Clone, Default, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct S3Account {
    /// The account id; default: the top-level `account`.
    #[serde(default)]
    pub account: Option<Sp<Scalar>>,
    pub public_access_block: Sp<PublicAccessBlockConfig>,
}

/// The four Block Public Access settings; each defaults to `false`.
#[derive(Debug, Clone, Default, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct PublicAccessBlockConfig {
    #[serde(default)]
    pub block_public_acls: bool,
    #[serde(default)]
    pub ignore_public_acls: bool,
    /// Refuses new public policies only; a public policy in place stays.
    #[serde(default)]
    pub block_public_policy: bool,
    #[serde(default)]
    pub restrict_public_buckets: bool,
}

/// An S3 bucket.
#[derive(Debug, Clone, Default, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Bucket {
    /// The bucket name (its ARN is `arn:aws:s3:::<name>`).
    pub name: Sp<String>,
    /// The Region; default: the top-level `region`.
    #[serde(default)]
    pub region: Option<Sp<String>>,
    /// The owner account; default: the top-level `account`.
    #[serde(default)]
    pub account: Option<Sp<Scalar>>,
    /// The bucket policy: YAML, or the JSON text as AWS returns it.
    #[serde(default)]
    pub policy: Option<PolicyDoc>,
    /// The bucket's Block Public Access settings. Omitted: none (all off).
    #[serde(default)]
    pub public_access_block: Option<Sp<PublicAccessBlockConfig>>,
    /// `bucket-owner-enforced` (ACLs disabled; AWS's default for new
    /// buckets), `bucket-owner-preferred` or `object-writer`. Omitted:
    /// `bucket-owner-enforced`.
    #[serde(default)]
    pub object_ownership: Option<Sp<ObjectOwnership>>,
    /// The bucket ACL's grants.
    #[serde(default)]
    pub acl: Vec<Sp<AclGrant>>,
    #[serde(default)]
    pub access_points: Vec<Sp<AccessPoint>>,
    /// Static website hosting; omitted: off.
    #[serde(default)]
    pub website: Option<Sp<Website>>,
    #[serde(default)]
    pub tags: Tags,
}

/// Who owns new objects, and whether ACLs apply.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum ObjectOwnership {
    #[default]
    BucketOwnerEnforced,
    BucketOwnerPreferred,
    ObjectWriter,
}

/// One ACL grant.
#[derive(Debug, Clone, Default, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct AclGrant {
    /// `all-users`, `authenticated-users`, `log-delivery`, a canonical user
    /// id, or a group URI.
    pub grantee: Sp<String>,
    pub permission: Sp<AclPermission>,
}

/// An ACL permission.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum AclPermission {
    #[default]
    Read,
    Write,
    ReadAcp,
    WriteAcp,
    FullControl,
}

/// An S3 access point.
#[derive(Debug, Clone, Default, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct AccessPoint {
    pub name: Sp<String>,
    /// The access point policy.
    #[serde(default)]
    pub policy: Option<PolicyDoc>,
    /// A VPC (by name) the access point only accepts requests from.
    /// Omitted: requests from the internet.
    #[serde(default)]
    pub vpc: Option<Sp<String>>,
    #[serde(default)]
    pub public_access_block: Option<Sp<PublicAccessBlockConfig>>,
}

/// Website hosting settings.
#[derive(Debug, Clone, Default, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Website {
    #[serde(default)]
    pub index_document: Option<String>,
    #[serde(default)]
    pub error_document: Option<String>,
    /// A host every request is redirected to.
    #[serde(default)]
    pub redirect_all_requests_to: Option<String>,
}

/// A policy document with where it and each statement are written.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct PolicyDoc {
    pub value: Value,
    pub pos: Pos,
    /// Where each statement is written (`Pos::default()`: not known).
    pub statements: Vec<Pos>,
    /// The JSON text did not parse: the message and where.
    pub error: Option<(String, Pos)>,
}

impl Serialize for PolicyDoc {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        self.value.serialize(s)
    }
}

impl JsonSchema for PolicyDoc {
    fn schema_name() -> Cow<'static, str> {
        "PolicyDocument".into()
    }
    fn json_schema(_: &mut SchemaGenerator) -> Schema {
        schemars::json_schema!({
            "description": "An IAM policy document: YAML, or its JSON text.",
            "type": ["object", "string"]
        })
    }
}

/// The document as written: YAML, or JSON text.
enum Raw {
    Text(String),
    Map(serde_json::Map<String, Value>, Vec<Pos>),
}

/// A `Statement` value: a list or one statement.
struct Statements(Vec<Value>, Vec<Pos>);

impl<'de> Deserialize<'de> for Statements {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct SV;
        impl<'de> Visitor<'de> for SV {
            type Value = Statements;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a statement or a list of statements")
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Statements, A::Error> {
                let (mut v, mut p) = (Vec::new(), Vec::new());
                while let Some(s) = seq.next_element::<Sp<Value>>()? {
                    p.push(s.pos);
                    v.push(s.value);
                }
                Ok(Statements(v, p))
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Statements, A::Error> {
                let mut m = serde_json::Map::new();
                while let Some(k) = map.next_key::<String>()? {
                    m.insert(k, map.next_value::<Value>()?);
                }
                Ok(Statements(vec![Value::Object(m)], vec![Pos::default()]))
            }
        }
        d.deserialize_any(SV)
    }
}

impl<'de> Deserialize<'de> for Raw {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct RV;
        impl<'de> Visitor<'de> for RV {
            type Value = Raw;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a policy document (a map, or its JSON text)")
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Raw, E> {
                Ok(Raw::Text(v.to_string()))
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Raw, A::Error> {
                let mut m = serde_json::Map::new();
                let mut pos = Vec::new();
                while let Some(k) = map.next_key::<String>()? {
                    if k == "Statement" {
                        let s: Sp<Statements> = map.next_value()?;
                        let Statements(v, mut p) = s.value;
                        // A single statement is where the `Statement` value is.
                        if p.len() == 1 && p[0].is_unknown() {
                            p[0] = s.pos;
                        }
                        pos = p;
                        m.insert(k, Value::Array(v));
                    } else {
                        m.insert(k, map.next_value::<Value>()?);
                    }
                }
                Ok(Raw::Map(m, pos))
            }
        }
        d.deserialize_any(RV)
    }
}

impl<'de> Deserialize<'de> for PolicyDoc {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let raw: Sp<Raw> = Sp::deserialize(d)?;
        let pos = raw.pos;
        Ok(match raw.value {
            Raw::Map(m, statements) => PolicyDoc {
                value: Value::Object(m),
                pos,
                statements,
                error: None,
            },
            Raw::Text(t) => match serde_json::from_str::<Value>(&t) {
                Ok(value) => PolicyDoc {
                    statements: statement_lines(&t, pos),
                    value,
                    pos,
                    error: None,
                },
                Err(e) => PolicyDoc {
                    value: Value::Null,
                    pos,
                    statements: Vec::new(),
                    error: Some((
                        format!("the policy is not valid JSON: {e}"),
                        text_pos(pos, &t, e.line()),
                    )),
                },
            },
        })
    }
}

/// Where line `line` (1-based) of a JSON text written at `pos` is: the
/// parser places a block scalar (`|`) at its first line of text; a
/// one-line string is all on its own line.
fn text_pos(pos: Pos, text: &str, line: usize) -> Pos {
    if !text.contains('\n') || pos.is_unknown() {
        return pos;
    }
    Pos::at(
        pos.line + u32::try_from(line.saturating_sub(1)).unwrap_or(u32::MAX),
        1,
    )
}

/// Where each statement of the JSON text is written.
fn statement_lines(text: &str, pos: Pos) -> Vec<Pos> {
    let b = text.as_bytes();
    let (mut depth, mut in_str, mut esc) = (0usize, false, false);
    let mut key_start = None;
    let mut after_statement = false;
    let mut in_list: Option<usize> = None;
    let mut out = Vec::new();
    for (i, &c) in b.iter().enumerate() {
        if in_str {
            if esc {
                esc = false;
            } else if c == b'\\' {
                esc = true;
            } else if c == b'"' {
                in_str = false;
                if depth == 1
                    && let Some(s) = key_start.take()
                {
                    after_statement = &text[s..i] == "Statement";
                }
            }
            continue;
        }
        match c {
            b'"' => {
                in_str = true;
                if depth == 1 {
                    key_start = Some(i + 1);
                }
            }
            b'{' | b'[' => {
                let line = text[..i].matches('\n').count() + 1;
                if depth == 1 && after_statement {
                    if c == b'{' {
                        out.push(text_pos(pos, text, line));
                    } else {
                        in_list = Some(depth + 1);
                    }
                    after_statement = false;
                } else if c == b'{' && in_list == Some(depth) {
                    out.push(text_pos(pos, text, line));
                }
                depth += 1;
            }
            b'}' | b']' => {
                depth = depth.saturating_sub(1);
                if c == b']' && in_list == Some(depth + 1) && depth == 1 {
                    in_list = None;
                }
            }
            b',' if depth == 1 => after_statement = false,
            _ => {}
        }
    }
    out
}

/// S3's bucket naming rules (general purpose buckets).
pub fn valid_bucket_name(n: &str) -> bool {
    let b = n.as_bytes();
    (3..=63).contains(&b.len())
        && b.iter()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || *c == b'.' || *c == b'-')
        && b.first().is_some_and(u8::is_ascii_alphanumeric)
        && b.last().is_some_and(u8::is_ascii_alphanumeric)
        && !n.contains("..")
}

// ----- resolved ----------------------------------------------------------

/// Block Public Access settings (bucket, access point or account).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct PublicAccessBlock {
    pub block_public_acls: bool,
    pub ignore_public_acls: bool,
    pub block_public_policy: bool,
    pub restrict_public_buckets: bool,
}

impl PublicAccessBlock {
    /// The effective settings of two levels: either one on turns it on.
    pub fn union(self, o: PublicAccessBlock) -> PublicAccessBlock {
        PublicAccessBlock {
            block_public_acls: self.block_public_acls || o.block_public_acls,
            ignore_public_acls: self.ignore_public_acls || o.ignore_public_acls,
            block_public_policy: self.block_public_policy || o.block_public_policy,
            restrict_public_buckets: self.restrict_public_buckets || o.restrict_public_buckets,
        }
    }
}

impl From<&PublicAccessBlockConfig> for PublicAccessBlock {
    fn from(c: &PublicAccessBlockConfig) -> Self {
        PublicAccessBlock {
            block_public_acls: c.block_public_acls,
            ignore_public_acls: c.ignore_public_acls,
            block_public_policy: c.block_public_policy,
            restrict_public_buckets: c.restrict_public_buckets,
        }
    }
}

/// A resolved policy document.
#[derive(Debug, Clone, Default)]
pub struct PolicyDocument {
    pub value: Value,
    pub pos: Pos,
    pub statements: Vec<Pos>,
}

/// An ACL grantee.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Grantee {
    AllUsers,
    /// Any AWS account.
    AuthenticatedUsers,
    LogDelivery,
    /// A canonical user id (or an e-mail address).
    User(String),
}

impl Grantee {
    pub fn parse(s: &str) -> Grantee {
        let t = s.trim();
        match t {
            "all-users" => Grantee::AllUsers,
            "authenticated-users" => Grantee::AuthenticatedUsers,
            "log-delivery" => Grantee::LogDelivery,
            _ if t.ends_with("/groups/global/AllUsers") => Grantee::AllUsers,
            _ if t.ends_with("/groups/global/AuthenticatedUsers") => Grantee::AuthenticatedUsers,
            _ if t.ends_with("/groups/s3/LogDelivery") => Grantee::LogDelivery,
            _ => Grantee::User(t.to_string()),
        }
    }

    /// A grant to everyone, or to every AWS account.
    pub fn is_public(&self) -> bool {
        matches!(self, Grantee::AllUsers | Grantee::AuthenticatedUsers)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn grantee_groups() {
        assert!(Grantee::parse("http://acs.amazonaws.com/groups/global/AllUsers").is_public());
        assert!(Grantee::parse("authenticated-users").is_public());
        assert!(!Grantee::parse("http://acs.amazonaws.com/groups/s3/LogDelivery").is_public());
        assert!(!Grantee::parse("79a59df900b949e55d96a1e698fbaced").is_public());
    }

    #[test]
    fn statement_lines_of_json_text() {
        let text = "{\n  \"Version\": \"2012-10-17\",\n  \"Statement\": [\n    {\"Sid\": \"a\"},\n    {\"Sid\": \"b\",\n     \"Condition\": {\"X\": {\"k\": [\"{\"]}}}\n  ]\n}";
        let base = Pos::at(10, 5);
        let lines: Vec<u32> = statement_lines(text, base).iter().map(|p| p.line).collect();
        // The block scalar's position is its first line of text.
        assert_eq!(lines, vec![13, 14]);
        let one = "{\"Statement\": {\"Sid\": \"a\"}}";
        assert_eq!(statement_lines(one, base), vec![base]);
    }
}

pub type Permission = AclPermission;
pub type Ownership = ObjectOwnership;

/// One resolved ACL grant.
#[derive(Debug, Clone)]
pub struct Grant {
    pub grantee: Grantee,
    pub permission: Permission,
    pub pos: Pos,
}

/// A resolved access point.
#[derive(Debug, Clone)]
pub struct AccessPointR {
    pub meta: Meta,
    pub policy: Option<PolicyDocument>,
    /// The VPC it accepts requests from (`None`: the internet).
    pub vpc: Option<super::resolved::VpcId>,
    pub public_access_block: PublicAccessBlock,
}

/// A resolved bucket.
#[derive(Debug, Clone)]
pub struct S3Bucket {
    pub meta: Meta,
    pub region: Option<String>,
    pub account: Option<String>,
    pub policy: Option<PolicyDocument>,
    /// The bucket's own settings.
    pub public_access_block: PublicAccessBlock,
    /// The owner account's settings (all off when not known to be set).
    pub account_public_access_block: PublicAccessBlock,
    pub ownership: Ownership,
    pub acl: Vec<Grant>,
    pub access_points: Vec<AccessPointR>,
    pub website: Option<Website>,
}

impl S3Bucket {
    /// The effective Block Public Access settings (bucket and account).
    pub fn effective_block(&self) -> PublicAccessBlock {
        self.public_access_block
            .union(self.account_public_access_block)
    }

    pub fn arn(&self) -> String {
        format!("arn:aws:s3:::{}", self.meta.name)
    }
}
