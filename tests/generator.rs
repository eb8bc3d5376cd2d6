#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "a test fails by panicking"
)]

//! The benchmark generator (`examples/gen_topology`): deterministic, valid,
//! and `public-exposure` finds exactly the violations it planted, nothing
//! more and nothing unknown. Only `small` runs here (fast in debug); `large`
//! and `huge` are for benchmarks.

#[allow(
    dead_code,
    reason = "the example uses all of the generator; this test only part of it"
)]
#[path = "../examples/gen_topology/generator.rs"]
mod generator;

use std::collections::BTreeSet;

use generator::{PlantKind, Size, Summary};
use netverify::checks::public_exposure;
use netverify::engine::Engine;
use netverify::report::{FindingKind, Verdict};

fn generate(seed: u64) -> (String, Summary) {
    let mut out = Vec::new();
    let summary = generator::generate(Size::Small, seed, &mut out).expect("generation failed");
    assert_eq!(summary.bytes, out.len(), "the summary counts every byte");
    (String::from_utf8(out).expect("the YAML is UTF-8"), summary)
}

#[test]
fn small_is_deterministic_for_a_seed_and_differs_between_seeds() {
    let (a, _) = generate(1);
    let (again, _) = generate(1);
    assert!(a == again, "seed 1 gave different bytes on a second run");
    let (b, _) = generate(2);
    assert!(a != b, "seeds 1 and 2 gave the same network");
}

#[test]
fn small_has_the_sizes_of_the_table() {
    let (_, s) = generate(1);
    let c = &s.counts;
    let p = Size::Small.params();
    assert_eq!(c.vpcs, p.vpcs);
    assert_eq!(c.subnets, p.vpcs * p.subnets_per_vpc);
    assert_eq!(c.network_interfaces, p.enis);
    assert_eq!(c.load_balancers, p.load_balancers);
    assert_eq!(c.security_groups, p.vpcs * p.sgs_per_vpc);
    assert!(
        c.sg_rules.abs_diff(p.sg_rules) * 20 <= p.sg_rules,
        "{} security group rules, expected about {}",
        c.sg_rules,
        p.sg_rules
    );
    // The heavy VPC's 1,000-route table.
    assert!(c.routes >= 1_000, "{} routes", c.routes);
}

#[test]
fn small_plants_one_violation_of_every_kind() {
    let (_, s) = generate(1);
    let kinds: BTreeSet<PlantKind> = s.planted.iter().map(|p| p.kind).collect();
    assert_eq!(s.planted.len(), PlantKind::ALL.len());
    assert_eq!(kinds, PlantKind::ALL.into_iter().collect());
    for p in &s.planted {
        assert!(p.resource.starts_with("planted-"), "{}", p.resource);
        assert_eq!(p.check, public_exposure::ID);
    }
}

/// The resources of the `public-exposure` violations, as the manifest lists them.
fn manifest_set(s: &Summary) -> BTreeSet<String> {
    let json = generator::manifest_json(&s.planted).unwrap();
    let v: serde_json::Value = serde_json::from_str(&json).unwrap();
    let list = v[public_exposure::ID]
        .as_array()
        .expect("the manifest lists public-exposure");
    list.iter()
        .map(|r| r.as_str().unwrap().to_string())
        .collect()
}

#[test]
fn small_validates_and_public_exposure_finds_exactly_the_planted_violations() {
    for seed in [1, 2] {
        let (yaml, s) = generate(seed);
        let topo = netverify::model::load_str(&yaml, "generated.yaml")
            .unwrap_or_else(|e| panic!("seed {seed}: the generated topology is invalid:\n{e}"));
        let engine = Engine::new(&topo);
        let result = public_exposure::run(&engine);

        let unknown: Vec<&str> = result
            .findings
            .iter()
            .filter(|f| f.kind == FindingKind::Unknown)
            .map(|f| f.message.as_str())
            .collect();
        assert!(
            unknown.is_empty(),
            "seed {seed}: unknown findings: {unknown:#?}"
        );
        let found: BTreeSet<String> = result
            .findings
            .iter()
            .filter(|f| f.kind == FindingKind::Violation)
            .map(|f| f.resource.clone())
            .collect();
        let planted = manifest_set(&s);
        assert_eq!(planted.len(), PlantKind::ALL.len());
        assert_eq!(
            found, planted,
            "seed {seed}: violations differ from the planted set"
        );
        assert_eq!(result.verdict, Verdict::Violated);
    }
}
