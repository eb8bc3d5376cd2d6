#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "test helpers fail by panicking"
)]

//! The performance shortcuts give exactly the answers of the plain paths.
//!
//! - `Engine::sg_admits_any` decides group by group whether an interface's
//!   security groups may admit (or let out) any packet of a set; it must
//!   agree with intersecting the compiled union of the groups
//!   (`sg_ingress_admits` / `sg_egress_admits`), which is what
//!   `transit-encryption` used before, for every interface of random
//!   topologies and random sets.
//! - Checks and queries that spread independent sources over several
//!   threads must give the same results, in the same order, as on one
//!   thread.

mod common;

use netverify::engine::{Engine, Origin};
use netverify::hs::{DST, HeaderSet, IntervalSet, PROTO, SRC};
use netverify::model::{self, Direction, Topology};
use proptest::prelude::*;
use proptest::test_runner::{Config, TestCaseError};

fn topology(seed: &common::topogen::TopoSeed) -> Option<Topology> {
    model::resolve(common::topogen::build(seed), "gen.yaml").ok()
}

/// A set of packets from `lo..=hi` (source addresses, in one family's
/// encoding) with one protocol, or every protocol.
fn probe(lo: u128, hi: u128, proto: Option<u8>, dir: Direction) -> HeaderSet {
    let dim = match dir {
        Direction::Ingress => SRC,
        Direction::Egress => DST,
    };
    let s = HeaderSet::universe().restrict(dim, &IntervalSet::range(lo.min(hi), lo.max(hi)));
    match proto {
        Some(p) => s.restrict(PROTO, &IntervalSet::point(u128::from(p))),
        None => s,
    }
}

/// Address ranges to probe: each interface's own addresses, every on-prem
/// network, all of IPv4 and a random slice of it.
fn ranges(topo: &Topology, engine: &Engine<'_>, r: (u32, u32)) -> Vec<(u128, u128)> {
    let v4 = netverify::hs::all_v4();
    let &(v4_lo, _) = v4.runs().first().unwrap();
    let mut out: Vec<(u128, u128)> = (0..topo.enis.len())
        .flat_map(|e| engine.eni_addrs(e).runs().to_vec())
        .collect();
    for n in &topo.hybrid.on_prem {
        out.extend_from_slice(netverify::hs::nets_set(n.cidrs.iter()).runs());
    }
    out.extend_from_slice(v4.runs());
    out.push((v4_lo + u128::from(r.0), v4_lo + u128::from(r.1)));
    out
}

fn check_admits(
    seed: &common::topogen::TopoSeed,
    slice: (u32, u32),
    proto: Option<u8>,
) -> Result<(), TestCaseError> {
    let Some(topo) = topology(seed) else {
        return Ok(());
    };
    let engine = Engine::new(&topo);
    for (lo, hi) in ranges(&topo, &engine, slice) {
        for dir in Direction::BOTH {
            // Inbound rules match sources, outbound rules destinations.
            let set = probe(lo, hi, proto, dir);
            for e in 0..topo.enis.len() {
                let compiled = match dir {
                    Direction::Ingress => engine.sg_ingress_admits(e),
                    Direction::Egress => engine.sg_egress_admits(e),
                };
                let want = !compiled.intersect(&set).is_empty();
                let got = engine.sg_admits_any(e, dir, &set);
                prop_assert_eq!(
                    got,
                    want,
                    "interface `{}` ({}), {:?}, {:?}",
                    topo.enis[e].meta.name,
                    e,
                    dir,
                    set
                );
            }
        }
    }
    Ok(())
}

/// Runs `f` on a pool of `threads` threads.
fn on_threads<T: Send>(threads: usize, f: impl FnOnce() -> T + Send) -> T {
    rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .build()
        .unwrap()
        .install(f)
}

fn check_threads(seed: &common::topogen::TopoSeed) -> Result<(), TestCaseError> {
    let Some(topo) = topology(seed) else {
        return Ok(());
    };
    // A fresh engine per run: the compiled caches start empty each time.
    let run_all = || {
        let engine = Engine::new(&topo);
        let checks: Vec<String> = netverify::checks::REGISTRY
            .iter()
            .map(|c| format!("{:?}", (c.run)(&engine)))
            .collect();
        let internet = format!(
            "{:?}",
            engine.reach(Origin::Internet, &HeaderSet::universe()).flows
        );
        let ctx = netverify::repl::Context {
            engine: &engine,
            source: None,
            opts: netverify::render::TextOptions::default(),
            format: netverify::query::lang::QueryFormat::Text,
        };
        let what: Vec<String> = topo
            .enis
            .iter()
            .map(|e| {
                format!(
                    "{:?}",
                    netverify::repl::run_line(&ctx, &format!("what can {} reach", e.meta.name))
                )
            })
            .collect();
        (checks, internet, what)
    };
    let one = on_threads(1, run_all);
    let two = on_threads(2, run_all);
    let four = on_threads(4, run_all);
    prop_assert_eq!(&one.0, &two.0, "check results differ on 1 and 2 threads");
    prop_assert_eq!(&one.1, &two.1, "internet flows differ on 1 and 2 threads");
    prop_assert_eq!(
        &one.2,
        &two.2,
        "`what can A reach` differs on 1 and 2 threads"
    );
    prop_assert_eq!(&one, &four, "results differ on 1 and 4 threads");
    Ok(())
}

fn cases(default: u32) -> u32 {
    std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

proptest! {
    #![proptest_config(Config { cases: cases(300), ..Config::default() })]

    #[test]
    fn security_groups_admit_group_by_group_as_their_union(
        seed in common::topogen::topo_seed(),
        slice in (0u32..u32::MAX, 0u32..u32::MAX),
        proto in prop::option::of(prop::sample::select(vec![1u8, 6, 17, 58, 50])),
    ) {
        check_admits(&seed, slice, proto)?;
    }
}

proptest! {
    #![proptest_config(Config { cases: cases(60), ..Config::default() })]

    #[test]
    fn checks_and_queries_are_the_same_on_any_number_of_threads(
        seed in common::topogen::topo_seed(),
    ) {
        check_threads(&seed)?;
    }
}

/// The property above must see interfaces whose groups admit on-prem
/// traffic and interfaces whose groups do not, or it tests little.
#[test]
fn admits_property_sees_both_answers() {
    use proptest::strategy::{Strategy, ValueTree};
    let mut runner = proptest::test_runner::TestRunner::deterministic();
    let (mut yes, mut no) = (0, 0);
    for _ in 0..100 {
        let seed = common::topogen::topo_seed()
            .new_tree(&mut runner)
            .unwrap()
            .current();
        let Some(topo) = topology(&seed) else {
            continue;
        };
        let engine = Engine::new(&topo);
        for n in &topo.hybrid.on_prem {
            let space = netverify::hs::nets_set(n.cidrs.iter());
            let set = HeaderSet::universe().restrict(SRC, &space);
            for e in 0..topo.enis.len() {
                if engine.sg_admits_any(e, Direction::Ingress, &set) {
                    yes += 1;
                } else {
                    no += 1;
                }
            }
        }
    }
    assert!(yes >= 20, "only {yes} interfaces admit on-prem traffic");
    assert!(no >= 20, "only {no} interfaces refuse on-prem traffic");
}

/// Source sets to build summary inputs from: IPv4 points and ranges, an
/// IPv6 point, both families at once, and a wide IPv4 range.
fn source_pool() -> Vec<IntervalSet> {
    let v4 = netverify::hs::all_v4();
    let &(base, _) = v4.runs().first().unwrap();
    let a = |x: u32| base + u128::from(x);
    let v6 = 0x2001_0db8_u128 << 96;
    vec![
        IntervalSet::point(a(0x0a00_0001)),
        IntervalSet::range(a(0x0a00_0100), a(0x0a00_01ff)),
        IntervalSet::point(v6 + 5),
        IntervalSet::from_ranges(vec![(a(0x0a00_0002), a(0x0a00_0002)), (v6 + 7, v6 + 9)]),
        IntervalSet::range(a(0x0800_0000), a(0x0bff_ffff)),
    ]
}

/// One cube of a summary input: a source from the pool, a protocol and a
/// destination port (or ICMP type/code) range.
fn summary_cube() -> impl Strategy<Value = (usize, u8, u16, u16)> {
    (
        0..5usize,
        prop_oneof![
            Just(6u8),
            Just(17u8),
            Just(1u8),
            Just(58u8),
            Just(47u8),
            0..=255u8
        ],
        any::<u16>(),
        any::<u16>(),
    )
}

fn summary_set(cubes: &[(usize, u8, u16, u16)], uniform: bool) -> HeaderSet {
    use netverify::hs::{Cube, DPORT};
    let pool = source_pool();
    let first = cubes.first().map_or(0, |c| c.0);
    HeaderSet::from_cubes(
        cubes
            .iter()
            .map(|&(s, p, lo, hi)| {
                let src = if uniform { first } else { s };
                Cube::any()
                    .with(SRC, pool[src].clone())
                    .with(PROTO, IntervalSet::point(u128::from(p)))
                    .with(
                        DPORT,
                        IntervalSet::range(u128::from(lo.min(hi)), u128::from(lo.max(hi))),
                    )
            })
            .collect(),
    )
}

proptest! {
    #![proptest_config(Config { cases: 256, ..Config::default() })]

    /// `what` summarises its destinations together, once per shape
    /// (`explain::summarize_many`); each summary must be exactly the one
    /// `summarize_flows` gives the set alone.
    #[test]
    fn summaries_of_many_sets_are_the_summaries_of_each(
        sets in proptest::collection::vec(
            (proptest::collection::vec(summary_cube(), 1..6), any::<bool>()),
            1..8,
        ),
    ) {
        let topo = Topology::default();
        let sets: Vec<HeaderSet> = sets.iter().map(|(c, u)| summary_set(c, *u)).collect();
        let many = netverify::engine::explain::summarize_many(&topo, &sets);
        let each: Vec<_> = sets
            .iter()
            .map(|s| netverify::engine::summarize_flows(&topo, s))
            .collect();
        prop_assert_eq!(many, each);
    }
}
