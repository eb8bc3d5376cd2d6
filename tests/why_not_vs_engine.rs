#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "test helpers fail by panicking"
)]

//! `why not` agrees with the engine on random topologies: the per-packet
//! tracer (built on the simulator's decisions) finds at least one blocker
//! exactly when the engine says that no packet gets there, and none when
//! it says yes. The generator covers NACL order, SG unions and references,
//! LPM and blackholes, main-table fallback, public and IPv6 addresses, NAT,
//! load balancer listeners and BPA.

mod common;

use netverify::engine::Engine;
use netverify::model;
use netverify::query::lang::QueryFormat;
use netverify::query::{Action, Context, run_line};
use netverify::render::TextOptions;
use proptest::prelude::*;
use proptest::test_runner::{Config, TestCaseError};
use serde_json::Value;

fn cases() -> u32 {
    std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(200)
}

fn check(seed: &common::topogen::TopoSeed, ports: &[&str]) -> Result<(), TestCaseError> {
    let Ok(topo) = model::resolve(common::topogen::build(seed), "gen.yaml") else {
        return Ok(());
    };
    let engine = Engine::new(&topo);
    let ctx = Context {
        engine: &engine,
        source: None,
        opts: TextOptions::default(),
        format: QueryFormat::Json,
    };
    let mut ends: Vec<String> = topo
        .enis
        .iter()
        .filter(|e| e.attached)
        .map(|e| format!("\"{}\"", e.meta.name))
        .collect();
    ends.push("internet".into());
    for a in &ends {
        for b in &ends {
            if a == b || (a == "internet" && b == "internet") {
                continue;
            }
            for port in ports {
                let q = format!("why not {a} -> {b} on {port}");
                let Action::Output { text, .. } = run_line(&ctx, &q) else {
                    return Err(TestCaseError::fail(format!("{q}: not an answer")));
                };
                let v: Value = serde_json::from_str(&text).unwrap();
                prop_assert!(!text.contains("disagree"), "{}: {}", q, text);
                let blockers = v["blockers"].as_array().map_or(0, Vec::len);
                let unknown = v["unknown"].as_array().map_or(0, Vec::len);
                match v["answer"].as_str().unwrap() {
                    "yes" => prop_assert_eq!(blockers, 0, "{}: {}", q, text),
                    "no" => prop_assert!(blockers > 0, "{}: {}", q, text),
                    "unknown" => prop_assert!(unknown > 0, "{}: {}", q, text),
                    other => return Err(TestCaseError::fail(format!("{q}: answer {other}"))),
                }
            }
        }
    }
    Ok(())
}

proptest! {
    #![proptest_config(Config { cases: cases(), max_global_rejects: 10_000, ..Config::default() })]

    #[test]
    fn why_not_agrees_with_the_engine(
        seed in common::topogen::topo_seed(),
        ports in prop::sample::subsequence(vec!["tcp/22", "tcp/80", "tcp/443", "tcp/8080", "udp/53", "icmp/8", "icmpv6/128", "47", "all"], 3),
    ) {
        check(&seed, &ports)?;
    }
}
