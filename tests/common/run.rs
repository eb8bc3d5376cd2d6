//! Run the netverify binary in the crate's directory (so relative paths
//! in its output are relative to the crate): (exit code, stdout, stderr).
//! Include it with `#[path = "common/run.rs"] mod run;`.

#![allow(
    dead_code,
    clippy::unwrap_used,
    reason = "a test helper; a test fails by panicking"
)]

use std::process::Command;

pub fn run(args: &[&str]) -> (i32, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_netverify"))
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .args(args)
        .output()
        .unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}
