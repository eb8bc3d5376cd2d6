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
use netverify::checks::{private_service_access, public_exposure};
use netverify::engine::Engine;
use netverify::report::{FindingKind, Verdict};

fn generate(seed: u64) -> (String, Summary) {
    let mut out = Vec::new();
    let summary = generator::generate(Size::Small, generator::Shape::Standard, seed, &mut out)
        .expect("generation failed");
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
    // Each planted S3 leak has a subnet of its own.
    let isolated = s.planted.iter().filter(|x| x.kind.isolated()).count();
    assert_eq!(c.subnets, p.vpcs * p.subnets_per_vpc + isolated);
    assert_eq!(c.vpc_endpoints, 2 * p.vpcs, "S3 and DynamoDB in every VPC");
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
        let check = if p.kind.isolated() {
            private_service_access::ID
        } else {
            public_exposure::ID
        };
        assert_eq!(p.check, check);
    }
}

/// The resources of one check's violations, as the manifest lists them.
fn manifest_set(s: &Summary, check: &str) -> BTreeSet<String> {
    let json = generator::manifest_json(&s.planted).unwrap();
    let v: serde_json::Value = serde_json::from_str(&json).unwrap();
    let list = v[check].as_array().expect("the manifest lists the check");
    list.iter()
        .map(|r| r.as_str().unwrap().to_string())
        .collect()
}

#[test]
fn small_validates_and_each_check_finds_exactly_the_planted_violations() {
    for seed in [1, 2] {
        let (yaml, s) = generate(seed);
        let topo = netverify::model::load_str(&yaml, "generated.yaml")
            .unwrap_or_else(|e| panic!("seed {seed}: the generated topology is invalid:\n{e}"));
        let engine = Engine::new(&topo);
        let mut total = 0;
        for (id, run) in [
            (
                public_exposure::ID,
                public_exposure::run as fn(&Engine<'_>) -> _,
            ),
            (private_service_access::ID, private_service_access::run),
        ] {
            let result = run(&engine);
            let unknown: Vec<&str> = result
                .findings
                .iter()
                .filter(|f| f.kind == FindingKind::Unknown)
                .map(|f| f.message.as_str())
                .collect();
            assert!(
                unknown.is_empty(),
                "seed {seed}, {id}: unknown findings: {unknown:#?}"
            );
            let found: BTreeSet<String> = result
                .findings
                .iter()
                .filter(|f| f.kind == FindingKind::Violation)
                .map(|f| f.resource.clone())
                .collect();
            let planted = manifest_set(&s, id);
            assert!(!planted.is_empty(), "{id}: nothing planted");
            total += planted.len();
            assert_eq!(
                found, planted,
                "seed {seed}, {id}: violations differ from the planted set"
            );
            assert_eq!(result.verdict, Verdict::Violated);
        }
        assert_eq!(total, PlantKind::ALL.len());
    }
}

/// Every check of the registry, as `netverify check` runs them: the
/// violations by `check:resource`.
fn violations(yaml: &str) -> BTreeSet<String> {
    let topo = netverify::model::load_str(yaml, "generated.yaml")
        .unwrap_or_else(|e| panic!("the generated topology is invalid:\n{e}"));
    let engine = Engine::new(&topo);
    let mut out = BTreeSet::new();
    for check in netverify::checks::REGISTRY {
        let r = (check.run)(&engine);
        for f in r
            .findings
            .iter()
            .filter(|f| f.kind == FindingKind::Violation)
        {
            out.insert(format!("{}:{}", r.id, f.resource));
        }
    }
    out
}

#[test]
fn every_shape_at_small_validates_and_the_checks_find_exactly_what_it_planted() {
    use generator::Shape;
    for shape in [Shape::NoService, Shape::SgCombos, Shape::HybridHeavy] {
        let mut out = Vec::new();
        let s = generator::generate(Size::Small, shape, 1, &mut out).unwrap();
        let yaml = String::from_utf8(out).unwrap();
        let planted: BTreeSet<String> = s
            .planted
            .iter()
            .map(|p| format!("{}:{}", p.check, p.resource))
            .collect();
        let found = violations(&yaml);
        // The checks the shape fails everywhere are violated; the others
        // find exactly what was planted.
        let broad = |k: &String| s.broad.iter().any(|c| k.starts_with(&format!("{c}:")));
        for c in &s.broad {
            assert!(found.iter().any(|k| k.starts_with(&format!("{c}:"))), "{c}");
        }
        let found: BTreeSet<String> = found.into_iter().filter(|k| !broad(k)).collect();
        assert_eq!(found, planted, "shape {}", shape.name());
        match shape {
            Shape::NoService => {
                assert_eq!(s.broad, ["private-service-access"]);
                assert!(!yaml.contains("vpc_endpoints:\n  -"), "no endpoints");
                assert!(!yaml.contains("prefix_lists:\n  -"), "no prefix lists");
                assert!(!yaml.contains("private_service_access:"), "no policy");
            }
            Shape::SgCombos => {
                // Almost every workload has a combination of its own.
                let combos: Vec<&str> = yaml
                    .lines()
                    .filter(|l| l.contains("-eni, ") && l.contains("security_groups: ["))
                    .filter_map(|l| l.split("security_groups: [").nth(1))
                    .collect();
                assert!(combos.len() > 500, "{} interfaces", combos.len());
                let distinct: BTreeSet<&str> = combos.iter().copied().collect();
                assert!(
                    distinct.len() * 10 >= combos.len() * 7,
                    "{} distinct of {}",
                    distinct.len(),
                    combos.len()
                );
            }
            Shape::HybridHeavy => {
                assert!(yaml.contains("static_routes_only: true"));
                assert!(yaml.contains("encryption_mode: must_encrypt"));
                // No on-prem network is declared for the extra connections:
                // the loader derives them.
                assert!(!yaml.contains("on-prem-via-"));
            }
            Shape::Standard => {}
        }
    }
}
