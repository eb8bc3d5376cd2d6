//! `netverify repl`: a scripted session piped in without a terminal (the
//! transcript is an insta snapshot), `reload` while the session runs, and a
//! real terminal driven through tmux for tab completion, Ctrl-C, Ctrl-D and
//! the history file.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "a test fails by panicking"
)]

use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

const REFERENCE: &str = "topologies/secure-three-tier.yaml";

fn bin() -> PathBuf {
    PathBuf::from(env!("CARGO_BIN_EXE_netverify"))
}

/// Pipes `script` into `netverify repl FILE`; returns (stdout, exit code).
fn session(file: &str, script: &str) -> (String, i32) {
    let mut child = Command::new(bin())
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .env("NO_COLOR", "1")
        .env("NETVERIFY_HISTORY", "")
        .args(["repl", file])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    // A REPL that exits early (a bad file) closes the pipe: not an error here.
    let _ = child.stdin.take().unwrap().write_all(script.as_bytes());
    let out = child.wait_with_output().unwrap();
    (
        String::from_utf8(out.stdout).unwrap(),
        out.status.code().unwrap_or(-1),
    )
}

#[test]
fn scripted_session_transcript() {
    let script = "\
# a comment, and an empty line, are skipped

can internet reach web-alb on tcp/443
can internet reach db-primary-eni on tcp/5432
why not internet -> db-primary-eni on tcp/5432
who can reach db-primary-eni
what can db-standby-eni reach
cna internet reach web-alb
can app-1 reach db-primry-eni
show db-sg
path app-1 -> internet on tcp/443
why not app-1 -> db-primary-eni on tcp/22 as mermaid
quit
can internet reach web-alb
";
    let (out, code) = session(REFERENCE, script);
    assert_eq!(code, 0);
    // The REPL went on after both mistakes, and stopped at `quit`.
    assert_eq!(out.matches("netverify> ").count(), 13);
    insta::assert_snapshot!("scripted_session", out);
}

/// A piped session on a hybrid topology: peering, a transit gateway to on
/// prem, Direct Connect from on prem, each with several blockers, and the
/// listings with on-prem networks and peered VPCs.
#[test]
fn hybrid_session_transcript() {
    let script = "\
why not app-1 -> shared-db on tcp/5432
why not app-1 -> dc1 on tcp/443
why not branch -> shared-db on tcp/5432
why not app-1 -> branch on tcp/22
who can reach shared-db
what can dc1 reach
path dc1 -> app-1 on tcp/443
why not app-1 -> dc1 on tcp/443 as mermaid
quit
";
    let (out, code) = session("tests/fixtures/query/hybrid-blocked.yaml", script);
    assert_eq!(code, 0);
    assert_eq!(out.matches("netverify> ").count(), 9);
    insta::assert_snapshot!("hybrid_session", out);
}

#[test]
fn piped_session_ends_at_end_of_input_and_bad_file_is_exit_2() {
    let (out, code) = session(REFERENCE, "help\n");
    assert_eq!(code, 0);
    assert!(out.contains("why not SRC -> DST [on PORTS]"));
    assert!(out.contains("Examples:"));
    let (_, code) = session("tests/fixtures/cli/does-not-exist.yaml", "help\n");
    assert_eq!(code, 2);
}

/// Reads lines from the REPL until one contains `want`.
fn read_until(r: &mut impl BufRead, want: &str) -> String {
    let mut seen = String::new();
    loop {
        let mut l = String::new();
        if r.read_line(&mut l).unwrap() == 0 {
            panic!("end of output before `{want}`:\n{seen}");
        }
        seen.push_str(&l);
        if l.contains(want) {
            return seen;
        }
    }
}

#[test]
fn reload_rereads_the_file_and_keeps_the_session() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("topology.yaml");
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    std::fs::copy(
        root.join("topologies/pass-ipv4-open-sg-no-public-ip.yaml"),
        &file,
    )
    .unwrap();
    let mut child = Command::new(bin())
        .env("NO_COLOR", "1")
        .env("NETVERIFY_HISTORY", "")
        .arg("repl")
        .arg(&file)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut input = child.stdin.take().unwrap();
    let mut output = BufReader::new(child.stdout.take().unwrap());
    let q = "can internet reach app-1 on tcp/8080\n";
    input.write_all(q.as_bytes()).unwrap();
    read_until(&mut output, "no: the internet");
    // The edit: app-1 gets a public IPv4 (the fail-public-ip variant).
    std::fs::copy(
        root.join("topologies/fail-public-ip-on-app-instance.yaml"),
        &file,
    )
    .unwrap();
    input.write_all(b"reload\n").unwrap();
    read_until(&mut output, "reloaded");
    input.write_all(q.as_bytes()).unwrap();
    read_until(&mut output, "yes: the internet");
    // A broken file: the error, and the previous topology stays.
    std::fs::write(&file, "version: 1\nvpcs: [{name: x}]\n").unwrap();
    input.write_all(b"reload\n").unwrap();
    read_until(&mut output, "keeping the previous topology");
    input.write_all(q.as_bytes()).unwrap();
    read_until(&mut output, "yes: the internet");
    drop(input);
    assert!(child.wait().unwrap().success());
}

/// A tmux server of its own, killed when dropped.
struct Tmux {
    socket: String,
    /// The session the keys go to and the screen is read from.
    target: String,
}

impl Tmux {
    fn run(&self, args: &[&str]) -> String {
        let out = Command::new("tmux")
            .args(["-L", &self.socket, "-f", "/dev/null"])
            .args(args)
            .output()
            .unwrap();
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    fn screen(&self) -> String {
        self.run(&["capture-pane", "-p", "-t", &self.target])
    }

    /// Waits until the screen shows `want`.
    fn wait_for(&self, want: &str) -> String {
        let start = Instant::now();
        loop {
            let s = self.screen();
            if s.contains(want) {
                return s;
            }
            if start.elapsed() > Duration::from_secs(30) {
                panic!("the terminal never showed `{want}`:\n{s}");
            }
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    /// Waits until `n` prompts are on the screen and the last line is the
    /// newest one: rustyline discards keys typed before it is ready for the
    /// next line (switching the terminal to raw mode flushes pending input).
    fn prompt(&self, n: usize) {
        let start = Instant::now();
        loop {
            let s = self.screen();
            let prompts = s.lines().filter(|l| l.starts_with("netverify>")).count();
            let last = s.lines().rev().find(|l| !l.trim().is_empty()).unwrap_or("");
            if prompts >= n && last.trim_end() == "netverify>" {
                // And a moment for the editor to switch the terminal mode.
                std::thread::sleep(Duration::from_millis(100));
                return;
            }
            if start.elapsed() > Duration::from_secs(30) {
                panic!("the terminal never showed prompt {n}:\n{s}");
            }
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    fn keys(&self, keys: &[&str]) {
        let mut args = vec!["send-keys", "-t", self.target.as_str()];
        args.extend_from_slice(keys);
        self.run(&args);
    }

    fn start(&self, history: &Path) {
        let cmd = format!(
            "cd {} && NETVERIFY_HISTORY={} {} repl {REFERENCE}; sleep 30",
            env!("CARGO_MANIFEST_DIR"),
            history.display(),
            bin().display()
        );
        self.run(&[
            "new-session",
            "-d",
            "-s",
            &self.target,
            "-x",
            "220",
            "-y",
            "60",
            &cmd,
        ]);
    }
}

impl Drop for Tmux {
    fn drop(&mut self) {
        self.run(&["kill-server"]);
    }
}

#[test]
fn terminal_tab_completion_ctrl_c_ctrl_d_and_history() {
    if Command::new("tmux").arg("-V").output().is_err() {
        // CI installs tmux (.ci/run): there, a missing tmux is a failure.
        assert!(
            std::env::var_os("CI").is_none(),
            "tmux is missing in CI: the terminal test must run"
        );
        eprintln!("tmux is not installed: the terminal test cannot run here");
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let history = dir.path().join("state").join("history");
    let mut t = Tmux {
        socket: format!("netverify-test-{}", std::process::id()),
        target: "first".into(),
    };
    t.start(&history);
    t.prompt(1);
    // A command word, then a resource name, both completed with Tab.
    t.keys(&["sh", "Tab"]);
    t.wait_for("netverify> show");
    t.keys(&[" app-s", "Tab"]);
    t.wait_for("netverify> show app-sg");
    t.keys(&["Enter"]);
    t.wait_for("security group `app-sg` (sg-04adaa708c485864d)");
    t.prompt(2);
    // Several candidates are listed.
    t.keys(&["can web-alb-eni-", "Tab", "Tab"]);
    let s = t.wait_for("web-alb-eni-b");
    assert!(s.contains("web-alb-eni-a"), "{s}");
    // Ctrl-C cancels the line: nothing is run, the prompt comes back.
    t.keys(&["C-c"]);
    t.prompt(4);
    t.keys(&["can app-1 reach db-primary-eni on tcp/5432", "Enter"]);
    t.wait_for("yes: `app-1` → `db-primary-eni` on tcp/5432");
    t.prompt(5);
    // A mistake does not end the session.
    t.keys(&["cna x", "Enter"]);
    t.wait_for("did you mean `can`?");
    t.prompt(6);
    // Ctrl-D leaves; the history file has the queries.
    t.keys(&["C-d"]);
    let start = Instant::now();
    while !history.exists() && start.elapsed() < Duration::from_secs(10) {
        std::thread::sleep(Duration::from_millis(50));
    }
    let saved = std::fs::read_to_string(&history).unwrap();
    assert!(saved.contains("show app-sg"), "{saved}");
    assert!(
        saved.contains("can app-1 reach db-primary-eni on tcp/5432"),
        "{saved}"
    );
    assert!(
        !saved.contains("can web-alb-eni-"),
        "a cancelled line is not history: {saved}"
    );
    // A new session (the first one's pane stays, so the server lives on)
    // recalls the history with the Up arrow.
    t.target = "second".into();
    t.start(&history);
    t.prompt(1);
    t.keys(&["Up"]);
    t.wait_for("netverify> cna x");
    t.keys(&["Up"]);
    t.wait_for("netverify> can app-1 reach db-primary-eni on tcp/5432");
    t.keys(&["Enter"]);
    t.wait_for("yes: `app-1` → `db-primary-eni` on tcp/5432");
}

/// The sample sessions in the README are what the REPL prints: on the
/// reference topology and on the hybrid one.
#[test]
fn readme_sample_session_is_current() {
    let readme =
        std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("README.md")).unwrap();
    for file in [REFERENCE, "tests/fixtures/query/hybrid-blocked.yaml"] {
        let start = readme
            .find(&format!("$ netverify repl {file}\n"))
            .unwrap_or_else(|| panic!("the README has a sample session on {file}"));
        let body = &readme[start..];
        let body = &body[body.find('\n').unwrap() + 1..];
        let shown = &body[..body.find("```").unwrap()];
        let script: String = shown
            .lines()
            .filter_map(|l| l.strip_prefix("netverify> "))
            .map(|q| format!("{q}\n"))
            .collect();
        assert!(script.lines().count() >= 2);
        let (out, code) = session(file, &script);
        assert_eq!(code, 0);
        assert_eq!(out, shown, "update the README's sample session on {file}");
    }
}
