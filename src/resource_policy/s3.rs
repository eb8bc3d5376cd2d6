//! S3's meaning of "public" and the effects of S3 Block Public Access
//! (C-19.5, C-19.6).
//!
//! A bucket is public when some request by anyone (anonymous, or a
//! principal of an account the policy does not name) that reads or writes
//! data is allowed:
//! - by the bucket policy, where "anyone" excludes requests that carry one
//!   of the fixed values the policy names for a principal or for
//!   `aws:SourceArn`, `aws:SourceVpc`, `aws:SourceVpce`,
//!   `aws:SourceAccount` or `aws:userid`, and requests from inside an
//!   `aws:SourceIp` range the policy names that is [`narrow`] enough; and
//!   `RestrictPublicBuckets` turns such access off;
//! - or by an ACL grant to `AllUsers` or `AuthenticatedUsers`, unless ACLs
//!   are disabled (`BucketOwnerEnforced`) or `IgnorePublicAcls` is on.
//!
//! `BlockPublicPolicy` and `BlockPublicAcls` only refuse new policies and
//! ACLs: a public policy or ACL already in place stays in force.

use ipnet::IpNet;

use super::pattern::Pattern;
use super::{Found, Policy, Request, Space, Want};
pub use crate::model::PublicAccessBlock;

/// Whether an action acts on the bucket or on its objects.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum On {
    Bucket,
    Object,
}

/// The S3 actions that read data or its listing ("read" in findings).
pub const READ_ACTIONS: &[(&str, On)] = &[
    ("s3:GetObject", On::Object),
    ("s3:GetObjectVersion", On::Object),
    ("s3:GetObjectAcl", On::Object),
    ("s3:GetObjectAttributes", On::Object),
    ("s3:GetObjectTagging", On::Object),
    ("s3:ListMultipartUploadParts", On::Object),
    ("s3:ListBucket", On::Bucket),
    ("s3:ListBucketVersions", On::Bucket),
    ("s3:ListBucketMultipartUploads", On::Bucket),
    ("s3:GetBucketPolicy", On::Bucket),
    ("s3:GetBucketAcl", On::Bucket),
];

/// The S3 actions that write or delete data, or change who may ("write").
pub const WRITE_ACTIONS: &[(&str, On)] = &[
    ("s3:PutObject", On::Object),
    ("s3:PutObjectAcl", On::Object),
    ("s3:DeleteObject", On::Object),
    ("s3:DeleteObjectVersion", On::Object),
    ("s3:AbortMultipartUpload", On::Object),
    ("s3:RestoreObject", On::Object),
    ("s3:PutBucketPolicy", On::Bucket),
    ("s3:DeleteBucketPolicy", On::Bucket),
    ("s3:PutBucketAcl", On::Bucket),
    ("s3:DeleteBucket", On::Bucket),
];

/// Every read and write action on `bucket`, with its resource shape.
pub fn targets(bucket: &str, actions: &[(&str, On)]) -> Vec<(String, Pattern)> {
    actions
        .iter()
        .map(|(a, on)| {
            let shape = match on {
                On::Bucket => Pattern::literal(&bucket_arn(bucket)),
                On::Object => {
                    Pattern::new(&format!("{}/*", bucket_arn(bucket)), true, false, false)
                }
            };
            (a.to_string(), shape)
        })
        .collect()
}

/// `arn:aws:s3:::<name>`.
pub fn bucket_arn(bucket: &str) -> String {
    format!("arn:aws:s3:::{bucket}")
}

/// Whether an `aws:SourceIp` range is narrow enough to make a grant
/// non-public: IPv4 `/8` or longer, IPv6 `/32` or longer. AWS gives
/// `0.0.0.0/1` as an example of a range too broad; it publishes no bound,
/// so this one is netverify's, written in the README (C-19.5).
pub fn narrow(n: &IpNet) -> bool {
    match n {
        IpNet::V4(v) => v.prefix_len() >= 8,
        IpNet::V6(v) => v.prefix_len() >= 32,
    }
}

/// What a bucket policy makes public.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PolicyExposure {
    /// Anyone can make this request; the statement that allows it.
    Public {
        request: Request,
        statement: usize,
    },
    /// The policy is public but `RestrictPublicBuckets` limits access to
    /// AWS services and the owner's account: the request it would allow.
    Restricted {
        request: Request,
        statement: usize,
    },
    NotPublic,
    /// The evaluator cannot decide: the reasons.
    Unknown(Vec<String>),
}

/// Whether `policy` lets anyone make one of `actions` on bucket `bucket`.
pub fn policy_exposure(
    policy: &Policy,
    bucket: &str,
    actions: &[(&str, On)],
    bpa: PublicAccessBlock,
) -> PolicyExposure {
    let space = Space {
        anonymous: true,
        aws: true,
        services: false,
        targets: targets(bucket, actions),
        secure_transport: None,
        pinned: Vec::new(),
        source_ip_absent: false,
        source_ips: None,
        public: true,
    };
    match policy.search(&space, Want::Allowed) {
        Found::Yes(request, super::Decision::Allowed(statement)) => {
            let request = *request;
            if bpa.restrict_public_buckets {
                PolicyExposure::Restricted { request, statement }
            } else {
                PolicyExposure::Public { request, statement }
            }
        }
        Found::Yes(..) | Found::No => PolicyExposure::NotPublic,
        Found::Unknown(r) => PolicyExposure::Unknown(r),
    }
}

/// Whether a public ACL grant takes effect: ACLs are enabled (object
/// ownership is not `BucketOwnerEnforced`) and `IgnorePublicAcls` is off.
pub fn acls_in_force(acls_disabled: bool, bpa: PublicAccessBlock) -> bool {
    !acls_disabled && !bpa.ignore_public_acls
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn narrow_ranges() {
        assert!(!narrow(&"0.0.0.0/1".parse().unwrap()));
        assert!(!narrow(&"10.0.0.0/7".parse().unwrap()));
        assert!(narrow(&"10.0.0.0/8".parse().unwrap()));
        assert!(narrow(&"203.0.113.0/24".parse().unwrap()));
        assert!(!narrow(&"2001:db8::/16".parse().unwrap()));
        assert!(narrow(&"2001:db8::/32".parse().unwrap()));
    }
}
