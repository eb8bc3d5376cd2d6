//! A build without the `live` feature (`cargo build --no-default-features`)
//! has no AWS SDK: `import aws` must say so, with how to get it, and exit 2,
//! never panic or pretend to import an empty account.

#![cfg(not(feature = "live"))]
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "a test fails by panicking"
)]

use std::process::Command;

#[test]
fn import_aws_without_live_feature_exits_2_with_how_to_get_it() {
    let out = Command::new(assert_cmd::cargo::cargo_bin!("netverify"))
        .args(["import", "aws", "--region", "eu-west-1"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(out.stdout.is_empty(), "nothing may reach stdout");
    let err = String::from_utf8(out.stderr).unwrap();
    assert!(
        err.starts_with("error: this netverify was built without live import"),
        "{err}"
    );
    assert!(err.contains("feature `live`"), "{err}");
    assert!(err.contains("import snapshot"), "{err}");
}
