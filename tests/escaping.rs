//! Hostile names through every command and format: a resource name with a
//! right-to-left override (U+202E), an ANSI "clear screen" (`ESC [2J`), a
//! left-to-right isolate (U+2066), a right-to-left mark (U+200F), a C1 CSI
//! (U+009B) and a newline must never reach stdout or stderr raw. Each run
//! checks that no forbidden character is printed, that the escaped form is
//! (so the name was not silently dropped), and that JSON still parses.
//!
//! The forbidden set is written out here on its own, not taken from
//! `netverify::escape`, so that a gap in the policy fails this test.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "a test fails by panicking"
)]

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use serde_json::Value;

/// The exposed interface, as YAML escapes (the file itself stays ASCII).
const ENI_YAML: &str = r#""app\u202E1\e[2J\u2066\u200F\u009B-eni""#;
/// The same name, as the program sees it.
const ENI: &str = "app\u{202e}1\u{1b}[2J\u{2066}\u{200f}\u{9b}-eni";
/// How text output must show it.
const ENI_SHOWN: &str = "app\\u{202e}1\\x1b[2J\\u{2066}\\u{200f}\\u{9b}-eni";
/// The security group, with a newline in its name (a quoted YAML string).
const SG_YAML: &str = r#""app\nsg\u202E""#;
const SG_SHOWN: &str = "app\\nsg\\u{202e}";

/// Characters that must never be printed: every control character but the
/// newline that ends lines, bidi controls, and invisible format characters.
fn forbidden(c: char) -> bool {
    (c.is_control() && c != '\n')
        || matches!(
            c,
            '\u{61c}'
                | '\u{200b}'..='\u{200f}'
                | '\u{2028}'..='\u{202e}'
                | '\u{2060}'..='\u{2069}'
                | '\u{feff}'
        )
}

/// Fails, naming the run and the character, if `text` holds a forbidden one.
fn assert_clean(what: &str, text: &str) {
    if let Some((i, c)) = text.char_indices().find(|&(_, c)| forbidden(c)) {
        let from = text[..i].char_indices().rev().nth(40).map_or(0, |(j, _)| j);
        panic!(
            "{what}: raw U+{:04X} at byte {i}, after {:?}",
            c as u32,
            &text[from..i]
        );
    }
}

fn bin() -> PathBuf {
    PathBuf::from(assert_cmd::cargo::cargo_bin!("netverify"))
}

/// Runs the binary with `args` (and `stdin`), colour off; returns (stdout,
/// stderr, exit code), both streams already checked by [`assert_clean`].
fn run_with(args: &[&str], stdin: Option<&str>) -> (String, String, i32) {
    let mut cmd = Command::new(bin());
    cmd.args(args)
        .env("NO_COLOR", "1")
        .env_remove("CLICOLOR_FORCE")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let mut child = cmd.spawn().unwrap();
    {
        let mut input = child.stdin.take().unwrap();
        if let Some(s) = stdin {
            input.write_all(s.as_bytes()).unwrap();
        }
    }
    let out = child.wait_with_output().unwrap();
    let stdout = String::from_utf8(out.stdout).unwrap();
    let stderr = String::from_utf8(out.stderr).unwrap();
    let what = args.join(" ");
    assert_clean(&format!("stdout of `{what}`"), &stdout);
    assert_clean(&format!("stderr of `{what}`"), &stderr);
    (stdout, stderr, out.status.code().unwrap_or(-1))
}

fn run(args: &[&str]) -> (String, String, i32) {
    run_with(args, None)
}

/// A tempdir holding the hostile topology: the reference topology with
/// `app-1-eni` exposed on a public IP, renamed to [`ENI`], and `app-sg`
/// renamed to a name with a newline. The file name itself carries U+202E.
fn hostile() -> (tempfile::TempDir, PathBuf) {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let text = std::fs::read_to_string(root.join("topologies/fail-public-ip-on-app-instance.yaml"))
        .unwrap();
    let text = text
        .replace("app-1-eni", ENI_YAML)
        .replace("app-sg", SG_YAML);
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("hostile\u{202e}lmy.yaml");
    std::fs::write(&file, text).unwrap();
    (dir, file)
}

fn path_str(p: &Path) -> &str {
    p.to_str().unwrap()
}

fn json(what: &str, text: &str) -> Value {
    serde_json::from_str(text).unwrap_or_else(|e| panic!("{what}: not JSON ({e}):\n{text}"))
}

/// Every string anywhere in `v`.
fn strings(v: &Value, out: &mut Vec<String>) {
    match v {
        Value::String(s) => out.push(s.clone()),
        Value::Array(a) => a.iter().for_each(|x| strings(x, out)),
        Value::Object(o) => o.iter().for_each(|(k, x)| {
            out.push(k.clone());
            strings(x, out);
        }),
        _ => {}
    }
}

#[test]
fn validate_escapes_the_file_name_and_a_dangling_hostile_reference() {
    let (dir, file) = hostile();
    let (out, _, code) = run(&["validate", path_str(&file)]);
    assert_eq!(code, 0);
    assert!(out.contains("hostile\\u{202e}lmy.yaml: valid"), "{out}");

    // A route table with a hostile name, and a reference to it written raw
    // in the file (U+202E and U+2066 as characters, not escapes), one
    // character off: the error quotes both, the help line suggests the
    // hostile name, and the snippet shows the raw source line.
    let text = std::fs::read_to_string(&file)
        .unwrap()
        .replacen(
            "name: app-rt-a\n",
            "name: \"app-rt\\u202E\\u2066-a\\e[2J\"\n",
            1,
        )
        .replacen(
            "route_table: app-rt-a\n",
            "route_table: app-rt\u{202e}\u{2066}-a[2J\n",
            1,
        );
    let bad = dir.path().join("dangling\u{202e}.yaml");
    std::fs::write(&bad, text).unwrap();
    let (_, err, code) = run(&["validate", path_str(&bad)]);
    assert_eq!(code, 2, "{err}");
    assert!(
        err.contains("unknown route table `app-rt\\u{202e}\\u{2066}-a[2J`"),
        "{err}"
    );
    assert!(
        err.contains("= help: did you mean `app-rt\\u{202e}\\u{2066}-a\\x1b[2J`?"),
        "{err}"
    );
    assert!(
        err.contains("|     route_table: app-rt\\u{202e}\\u{2066}-a[2J\n"),
        "{err}"
    );
    assert!(err.contains("dangling\\u{202e}.yaml:"), "{err}");
    // The caret still marks the whole (escaped) value.
    let caret = err
        .lines()
        .skip_while(|l| !l.contains("route_table: app-rt"))
        .nth(1)
        .unwrap();
    assert_eq!(
        caret.trim_start_matches([' ', '|']).len(),
        "app-rt\\u{202e}\\u{2066}-a[2J".len(),
        "{err}"
    );
}

#[test]
fn check_escapes_in_text_json_and_sarif() {
    let (_dir, file) = hostile();
    let f = path_str(&file);
    let (text, _, code) = run(&["check", f]);
    assert_eq!(code, 1, "{text}");
    assert!(text.contains(ENI_SHOWN), "{text}");
    assert!(text.contains(SG_SHOWN), "{text}");

    let (out, _, _) = run(&["check", f, "--format", "json"]);
    assert!(out.contains("\\u202e"), "{out}");
    let mut all = Vec::new();
    strings(&json("check json", &out), &mut all);
    assert!(all.iter().any(|s| s == ENI), "the JSON value is exact");

    let (out, _, _) = run(&["check", f, "--format", "sarif"]);
    let sarif = json("check sarif", &out);
    let mut all = Vec::new();
    strings(&sarif, &mut all);
    let messages: Vec<&str> = sarif["runs"][0]["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["message"]["text"].as_str().unwrap())
        .collect();
    assert!(
        messages.iter().any(|m| m.contains(ENI_SHOWN)),
        "{messages:?}"
    );
    assert!(
        messages.iter().all(|m| !m.chars().any(forbidden)),
        "SARIF messages are for people: {messages:?}"
    );
    assert!(
        all.iter().any(|s| s.contains(ENI)),
        "properties keep the value"
    );
}

#[test]
fn exposed_escapes_in_text_and_json() {
    let (_dir, file) = hostile();
    let f = path_str(&file);
    let (text, _, _) = run(&["exposed", f]);
    assert!(text.contains(ENI_SHOWN), "{text}");
    let (out, _, _) = run(&["exposed", f, "--format", "json"]);
    let mut all = Vec::new();
    strings(&json("exposed json", &out), &mut all);
    assert!(all.iter().any(|s| s == ENI), "{out}");
}

#[test]
fn queries_escape_in_every_format() {
    let (_dir, file) = hostile();
    let f = path_str(&file);
    let queries = [
        format!("can internet reach {ENI} on tcp/8080"),
        format!("path internet -> {ENI} on tcp/8080"),
        format!("why not internet -> {ENI} on tcp/22"),
        format!("who can reach {ENI} on tcp/8080"),
        format!("what can {ENI} reach on tcp/443"),
    ];
    for q in &queries {
        let (text, err, _) = run(&["query", f, q]);
        assert!(err.is_empty(), "{q}: {err}");
        assert!(
            text.contains(ENI_SHOWN) || text.contains(SG_SHOWN),
            "{q}:\n{text}"
        );
        let (out, _, _) = run(&["query", f, &format!("{q} as json")]);
        let mut all = Vec::new();
        strings(&json(q, &out), &mut all);
        assert!(all.iter().any(|s| s.contains(ENI)), "{q}: {out}");
    }
    for q in &queries[1..3] {
        let (out, _, _) = run(&["query", f, &format!("{q} as mermaid")]);
        assert!(out.contains("\\u{202e}"), "{q}: {out}");
        assert!(out.starts_with("flowchart LR\n"), "{out}");
        let (out, _, _) = run(&["query", f, &format!("{q} as dot")]);
        assert!(out.contains("\\\\u{202e}"), "{q}: {out}");
        assert!(out.starts_with("digraph netverify {"), "{out}");
    }
    // A query error quotes the hostile word, shows the query escaped with
    // the caret under it, and suggests the hostile name.
    let (_, err, code) = run(&["query", f, &format!("can internet reach {ENI}x")]);
    assert_eq!(code, 2);
    assert!(
        err.contains(&format!("unknown endpoint `{ENI_SHOWN}x`")),
        "{err}"
    );
    assert!(
        err.contains(&format!("did you mean `{ENI_SHOWN}`")),
        "{err}"
    );
    let line = err.lines().find(|l| l.starts_with("1 | ")).unwrap();
    let caret = err
        .lines()
        .skip_while(|l| !l.starts_with("1 | "))
        .nth(1)
        .unwrap();
    let at = line.find(ENI_SHOWN).unwrap();
    assert_eq!(caret.find('^'), Some(at), "{err}");
}

#[test]
fn repl_transcript_escapes_queries_answers_and_errors() {
    let (_dir, file) = hostile();
    let script = format!(
        "can internet reach {ENI} on tcp/8080\nshow {ENI}\nwho can reach {ENI}x\n\u{1b}[2J\u{202e}\n"
    );
    let (out, err, _) = run_with(&["repl", path_str(&file)], Some(&script));
    assert!(out.contains("hostile\\u{202e}lmy.yaml"), "{out}");
    assert!(
        out.contains(&format!("can internet reach {ENI_SHOWN}")),
        "{out}"
    );
    assert!(
        out.contains(&format!("did you mean `{ENI_SHOWN}`")),
        "{out}{err}"
    );
    assert!(out.contains("\\x1b[2J\\u{202e}"), "{out}");
}

#[test]
fn import_snapshot_escapes_tag_names_in_yaml_notes_and_checks() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let src = root.join("tests/fixtures/import/instances-only/aws_configs");
    let dir = tempfile::tempdir().unwrap();
    let snap = dir.path().join("snap\u{202e}");
    let configs = snap.join("aws_configs");
    std::fs::create_dir_all(&configs).unwrap();
    let nasty = "\u{202e}\u{1b}[2J\u{2066}\u{200f}\u{9b}\nx";
    for entry in std::fs::read_dir(&src).unwrap() {
        let path = entry.unwrap().path();
        let mut v: Value = serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
        // Tag every VPC, subnet, security group and instance.
        for (list, id) in [
            ("Vpcs", "VpcId"),
            ("Subnets", "SubnetId"),
            ("SecurityGroups", "GroupId"),
        ] {
            if let Some(items) = v.get_mut(list).and_then(Value::as_array_mut) {
                for item in items {
                    let name = format!("{}{nasty}", item[id].as_str().unwrap());
                    item["Tags"] = serde_json::json!([
                        { "Key": "Name", "Value": name },
                        { "Key": "team\u{202e}", "Value": "x\u{1b}" },
                    ]);
                    item["Description"] = Value::String(format!("d{nasty}"));
                }
            }
        }
        if let Some(rs) = v.get_mut("Reservations").and_then(Value::as_array_mut) {
            for r in rs {
                for i in r["Instances"].as_array_mut().unwrap() {
                    i["Tags"] =
                        serde_json::json!([{ "Key": "Name", "Value": format!("web{nasty}") }]);
                }
            }
        }
        std::fs::write(configs.join(path.file_name().unwrap()), v.to_string()).unwrap();
    }
    let s = path_str(&snap);
    let (yaml, notes, code) = run(&["import", "snapshot", s]);
    assert_eq!(code, 0, "{notes}");
    assert!(yaml.contains("\\u202E"), "{yaml}");
    assert!(!yaml.starts_with('#'), "{yaml}");

    // The escaped YAML means the same topology: it loads, and names survive.
    let out = dir.path().join("imported.yaml");
    std::fs::write(&out, &yaml).unwrap();
    let (ok, err, code) = run(&["validate", path_str(&out)]);
    assert_eq!(code, 0, "{ok}{err}");
    let (text, _, _) = run(&["check", path_str(&out)]);
    assert!(text.contains("web\\u{202e}"), "{text}");
    // `show` finds a definition in the quoted YAML generated from the
    // snapshot, and shows its lines escaped.
    let (shown, _, _) = run(&["query", s, "show sg-ssh"]);
    assert!(shown.contains("sg-ssh"), "{shown}");
    let (shown, _, code) = run(&[
        "query",
        s,
        &format!("show sg-ssh{}-x", "\u{202e}\u{1b}[2j\u{2066}\u{200f}\u{9b}"),
    ]);
    assert_eq!(code, 0, "{shown}");
    assert!(shown.contains("imported from"), "{shown}");
    assert!(shown.contains("description: \"d\\\\u202E"), "{shown}");
    // Checking the snapshot directory directly escapes the same way.
    let (text, _, _) = run(&["check", s]);
    assert!(text.contains("web\\u{202e}"), "{text}");
    let (out, _, _) = run(&["check", s, "--format", "json"]);
    json("check json of a snapshot", &out);
}

#[test]
fn import_error_escapes_a_hostile_file_name_on_one_line() {
    let dir = tempfile::tempdir().unwrap();
    let configs = dir.path().join("snap\u{202e}").join("aws_configs");
    std::fs::create_dir_all(&configs).unwrap();
    std::fs::write(
        configs.join("Vpcs\u{1b}[2J\nverdict: proven\u{202e}.json"),
        "{",
    )
    .unwrap();
    let (_, err, code) = run(&["import", "snapshot", path_str(configs.parent().unwrap())]);
    assert_eq!(code, 2, "{err}");
    assert!(
        err.contains("Vpcs\\x1b[2J\\nverdict: proven\\u{202e}.json"),
        "{err}"
    );
    // The message and its location: a name cannot forge a line.
    let lines: Vec<&str> = err.lines().collect();
    assert_eq!(lines.len(), 2, "a name cannot forge a line: {err}");
    assert!(lines[0].starts_with("error: malformed json"), "{err}");
    assert!(lines[1].starts_with(" --> "), "{err}");
}

#[test]
fn unknown_check_id_is_escaped() {
    let (_dir, file) = hostile();
    let (_, err, code) = run(&["check", path_str(&file), "--check", "x\u{202e}\u{1b}[2J"]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("unknown check `x\\u{202e}\\x1b[2J`"), "{err}");
}

/// A quoted YAML value with a backslash and a quote in a parse error: it
/// was shown as YAML source (`"x\\y\"z"`) and then escaped again by the
/// terminal policy, so each backslash showed four times and the quotes did
/// not pair. It is now shown as its value, escaped once by `escape`
/// (a backslash as `\\`, C-like and unambiguous).
#[test]
fn bug_parse_error_showed_a_quoted_value_escaped_twice() {
    let cases = [
        (
            "version: 1\nvpcs:\n  - name: a\n    cidrs: \"x\\\\y\\\"z\"\n",
            r#"expected a list, found `x\\y"z`"#,
        ),
        (
            "version: 1\nvpcs:\n  - name: a\n    cidrs: [10.0.0.0/16]\n    dns_support: \"ye\\\\s\\\"q\"\n",
            r#"invalid value `ye\\s"q`: expected `true` or `false`"#,
        ),
        (
            "version: 1\nvpcs:\n  - name: a\n    cidrs: [10.0.0.0/16]\n    dns_support: 'it''s\\'\n",
            r#"invalid value `it's\\`: expected `true` or `false`"#,
        ),
    ];
    for (text, want) in cases {
        let Err(e) = netverify::model::load_str(text, "t.yaml") else {
            panic!("accepted {text}");
        };
        let shown = e.to_string();
        assert!(shown.contains(want), "{shown}\nwant: {want}");
        let rendered = e.render(Some(text));
        assert!(rendered.contains(want), "{rendered}");
    }
}
