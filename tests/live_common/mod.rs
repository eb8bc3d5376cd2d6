//! Shared by the live-import tests: running `netverify` so that nothing
//! from the environment can reach a real AWS account, and reading outputs.

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

/// `netverify <args>` with fake static credentials, no profile, no
/// instance metadata, no config files, and no proxy for 127.0.0.1.
pub fn netverify(args: &[&str]) -> Output {
    netverify_with(
        args,
        &[
            ("AWS_ACCESS_KEY_ID", "testing"),
            ("AWS_SECRET_ACCESS_KEY", "testing"),
        ],
    )
}

/// `netverify <args>` with only the given AWS settings (plus the safe
/// defaults of [`netverify`], which `env` may override).
pub fn netverify_with(args: &[&str], env: &[(&str, &str)]) -> Output {
    let mut c = Command::new(env!("CARGO_BIN_EXE_netverify"));
    for k in [
        "AWS_PROFILE",
        "AWS_DEFAULT_PROFILE",
        "AWS_REGION",
        "AWS_DEFAULT_REGION",
        "AWS_SESSION_TOKEN",
        "AWS_ROLE_ARN",
        "AWS_WEB_IDENTITY_TOKEN_FILE",
        "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI",
        "AWS_CONTAINER_CREDENTIALS_FULL_URI",
        "AWS_ENDPOINT_URL",
        "AWS_ACCESS_KEY_ID",
        "AWS_SECRET_ACCESS_KEY",
    ] {
        c.env_remove(k);
    }
    c.args(args)
        .env("AWS_EC2_METADATA_DISABLED", "true")
        .env("AWS_CONFIG_FILE", "/nonexistent/netverify-test/config")
        .env(
            "AWS_SHARED_CREDENTIALS_FILE",
            "/nonexistent/netverify-test/credentials",
        )
        .env("NO_PROXY", "127.0.0.1")
        .envs(env.iter().copied())
        .stdin(Stdio::null())
        .output()
        .unwrap_or_else(|e| panic!("cannot run netverify: {e}"))
}

/// `netverify import aws --endpoint-url URL <extra>`.
pub fn import_aws(url: &str, extra: &[&str]) -> Output {
    let mut args = vec!["import", "aws", "--endpoint-url", url];
    args.extend_from_slice(extra);
    netverify(&args)
}

pub fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

/// Every file below `dir`, with its text.
pub fn files_with_text(dir: &Path) -> Vec<(PathBuf, String)> {
    fn walk(dir: &Path, out: &mut Vec<PathBuf>) {
        for e in std::fs::read_dir(dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display())) {
            let p = e.unwrap_or_else(|e| panic!("{e}")).path();
            if p.is_dir() {
                walk(&p, out);
            } else {
                out.push(p);
            }
        }
    }
    let mut files = Vec::new();
    walk(dir, &mut files);
    files.sort();
    files
        .into_iter()
        .map(|f| {
            let t = std::fs::read_to_string(&f).unwrap_or_else(|e| panic!("{}: {e}", f.display()));
            (f, t)
        })
        .collect()
}
