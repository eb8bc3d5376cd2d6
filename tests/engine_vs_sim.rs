#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "test helpers fail by panicking"
)]

//! The symbolic engine agrees with the per-packet reference simulator on
//! random topologies and packets.
//!
//! For each generated topology, the engine propagates the *whole* header
//! space once per origin (the internet and every interface); then random
//! concrete packets are classified both by membership in the engine's exact
//! result sets and by the simulator. Any disagreement is a bug in one of them.

mod common;
#[path = "common/packets.rs"]
mod packets;

use std::collections::BTreeSet;
use std::net::IpAddr;

use netverify::engine::{End, Engine, Origin};
use netverify::hs::{HeaderSet, Packet};
use netverify::model::{self, Topology};
use netverify::sim::{self, Fate};
use proptest::prelude::*;
use proptest::test_runner::{Config, TestCaseError};

#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
enum Kind {
    Delivered(usize),
    Internet,
    Endpoint(usize),
    OnPrem(model::OnPremVia),
    Unknown,
}

fn engine_kinds(flows: &[netverify::engine::Flow], p: &Packet) -> BTreeSet<Kind> {
    flows
        .iter()
        .filter(|f| f.set.contains(p))
        .map(|f| match &f.end {
            End::Delivered(e) => Kind::Delivered(*e),
            End::Internet => Kind::Internet,
            End::Endpoint(e) => Kind::Endpoint(*e),
            End::OnPrem(v) => Kind::OnPrem(*v),
            End::Unknown(_) => Kind::Unknown,
        })
        .collect()
}

fn sim_kinds_as(
    topo: &Topology,
    origin: Origin,
    p: &Packet,
    must_reach: bool,
) -> (BTreeSet<Kind>, Vec<String>) {
    let out = if must_reach {
        sim::simulate_must_reach(topo, origin, p)
    } else {
        sim::simulate(topo, origin, p)
    };
    let kinds = out
        .fates
        .iter()
        .filter_map(|f| match f {
            Fate::Delivered { eni } => Some(Kind::Delivered(*eni)),
            Fate::Internet => Some(Kind::Internet),
            Fate::Endpoint { endpoint } => Some(Kind::Endpoint(*endpoint)),
            Fate::OnPrem { via } => Some(Kind::OnPrem(*via)),
            Fate::Unknown { .. } => Some(Kind::Unknown),
            Fate::Dropped { .. } => None,
        })
        .collect();
    (kinds, out.trace)
}

fn check_agreement(
    seed: &common::topogen::TopoSeed,
    picks: &[(usize, usize, usize, usize, usize)],
) -> Result<(), TestCaseError> {
    let file = common::topogen::build(seed);
    let topo = match model::resolve(file, "gen.yaml") {
        Ok(t) => t,
        // The generator aims for valid topologies; a rejected one is not a test.
        Err(e) => return Err(TestCaseError::reject(e.render(None))),
    };
    let engine = Engine::new(&topo);
    let mut origins = vec![Origin::Internet];
    origins.extend((0..topo.enis.len()).map(Origin::Eni));
    origins.extend(topo.hybrid.on_prem.keys().map(Origin::OnPrem));
    let pkts = packets::packets(&topo, picks);
    // Grouped propagation (used by transit-encryption) is exact: for an
    // interface `e` and the first interface `rep` with its subnet, groups,
    // owner and check, propagating `e`'s own packets from `rep` gives what
    // `e` gets.
    for e in 0..topo.enis.len() {
        let me = &topo.enis[e];
        let Some(rep) = (0..topo.enis.len()).find(|&r| {
            let o = &topo.enis[r];
            o.subnet == me.subnet
                && o.security_groups == me.security_groups
                && o.owner == me.owner
                && o.source_dest_check == me.source_dest_check
                && o.attached == me.attached
        }) else {
            continue;
        };
        let own = engine.eni_addrs(e).clone();
        let grouped = engine.reach_from_group(
            rep,
            &HeaderSet::universe().restrict(netverify::hs::SRC, &own),
        );
        let single = engine.reach(
            Origin::Eni(e),
            &HeaderSet::universe().restrict(netverify::hs::SRC, &own),
        );
        for p in &pkts {
            let mut p = *p;
            if let Some(a) = me
                .address_nets()
                .iter()
                .find(|n| n.addr().is_ipv4() == p.dst.is_ipv4())
            {
                p.src = a.addr();
            }
            prop_assert_eq!(
                engine_kinds(&grouped.flows, &p),
                engine_kinds(&single.flows, &p),
                "grouped propagation of interface {} through {} differs for {}",
                e,
                rep,
                p
            );
        }
    }
    // Both readings of C-5.6 (exposure: every address of a member matches
    // a reference; must-reach: only primary IPv4, the rest unknown) and of
    // C-6.8 (must-reach: only tcp, udp and icmp proven through an internet
    // gateway), which differ on every topology with one.
    let strict = Engine::must_reach(&topo);
    let engines: Vec<(&Engine<'_>, bool)> = vec![(&engine, false), (&strict, true)];
    for (engine, must_reach) in engines {
        for &origin in &origins {
            let reach = engine.reach(origin, &HeaderSet::universe());
            for p in &pkts {
                // Interface origins: make most packets come from the interface itself.
                let mut p = *p;
                if let Origin::Eni(e) = origin {
                    let own = topo.enis[e].address_nets();
                    if let Some(a) = own.iter().find(|n| n.addr().is_ipv4() == p.dst.is_ipv4())
                        && p.sport % 2 == 0
                    {
                        p.src = a.addr();
                    }
                }
                // On-prem origins: most packets come from the network itself.
                if let Origin::OnPrem(n) = origin {
                    let own = &topo.hybrid.on_prem[n].cidrs;
                    if let Some(a) = own.iter().find(|c| c.addr().is_ipv4() == p.dst.is_ipv4())
                        && p.sport % 2 == 0
                    {
                        p.src = a.hosts().nth(usize::from(p.dport % 7)).unwrap_or(a.addr());
                    }
                }
                let ek = engine_kinds(&reach.flows, &p);
                let (sk, trace) = sim_kinds_as(&topo, origin, &p, must_reach);
                prop_assert_eq!(
                    &ek,
                    &sk,
                    "origin {:?} packet {} disagrees (must-reach reading: {})\nsim trace:\n{}",
                    origin,
                    p,
                    must_reach,
                    trace.join("\n")
                );
            }
        }
    }
    Ok(())
}

/// The check and the simulator agree on service paths: a workload with no
/// `private-service-access` finding sends no sampled service packet outside
/// an endpoint, and a sampled packet that the simulator sees leak is
/// reported (as a violation or as unknown).
fn check_service_paths(
    seed: &common::topogen::TopoSeed,
    picks: &[(usize, usize, usize, usize, usize)],
) -> Result<(), TestCaseError> {
    check_service_paths_counted(seed, picks).map(|_| ())
}

/// As [`check_service_paths`]; returns how many sampled service packets
/// were private and how many leaked, so that a test can show the property
/// is not vacuous.
fn check_service_paths_counted(
    seed: &common::topogen::TopoSeed,
    picks: &[(usize, usize, usize, usize, usize)],
) -> Result<(usize, usize), TestCaseError> {
    let mut private = 0;
    let mut leaked = 0;
    let file = common::topogen::build(seed);
    let Ok(topo) = model::resolve(file, "gen.yaml") else {
        return Err(TestCaseError::reject("invalid topology"));
    };
    if topo.endpoints.is_empty() {
        return Ok((0, 0));
    }
    let engine = Engine::new(&topo);
    let result = netverify::checks::private_service_access::run(&engine);
    let pkts = packets::packets(&topo, picks);
    for (e, eni) in topo.enis.iter().enumerate() {
        if eni.owner != model::EniOwner::Workload || !eni.attached {
            continue;
        }
        let name = format!("`{}`", eni.meta.name);
        let named = result.findings.iter().any(|f| {
            f.kind != netverify::report::FindingKind::Info
                && (f.resource == eni.meta.name || f.message.contains(&name))
        });
        // Any finding not about one interface (DNS, a missing endpoint)
        // covers every workload.
        let general = result.findings.iter().any(|f| {
            f.kind != netverify::report::FindingKind::Info
                && !topo.enis.iter().any(|x| x.meta.name == f.resource)
        });
        for service in [
            "com.amazonaws.us-east-1.s3",
            "com.amazonaws.us-east-1.ecr.api",
        ] {
            let targets: Vec<IpAddr> = match sim::service::resolve(&topo, eni.vpc, service) {
                sim::service::Resolution::Endpoint(nets) => nets.iter().map(|n| n.addr()).collect(),
                _ => Vec::new(),
            };
            // The random packets, and tcp/443 to every service address.
            let mut all = pkts.clone();
            for d in ["52.216.0.7", "52.217.3.3", "3.5.0.9", "2600:1fa0::5"]
                .iter()
                .filter_map(|a| a.parse::<IpAddr>().ok())
                .chain(targets.iter().copied())
            {
                all.push(Packet::tcp(d, d, 40000, 443));
            }
            for p in &all {
                let mut p = *p;
                let Some(own) = eni
                    .address_nets()
                    .into_iter()
                    .find(|n| n.addr().is_ipv4() == p.dst.is_ipv4())
                else {
                    continue;
                };
                p.src = own.addr();
                let is_service = if service.ends_with(".s3") {
                    sim::service::in_service_ranges(&topo, service, p.dst) == Some(true)
                        || targets.contains(&p.dst)
                } else {
                    targets.contains(&p.dst)
                };
                if !is_service {
                    continue;
                }
                let fate = sim::service::service_fate(&topo, e, service, &p);
                match fate {
                    sim::service::ServiceFate::Private => private += 1,
                    sim::service::ServiceFate::Leak(_) => leaked += 1,
                    _ => {}
                }
                let bad = matches!(
                    fate,
                    sim::service::ServiceFate::Leak(_) | sim::service::ServiceFate::Unknown(_)
                );
                prop_assert!(
                    !bad || named || general,
                    "{} sends {} ({}) as {:?}, but the check reports nothing about it: {:#?}",
                    eni.meta.name,
                    p,
                    service,
                    fate,
                    result.findings
                );
            }
        }
    }
    // A proven check means no sampled packet leaks.
    if result.verdict == netverify::report::Verdict::Proven {
        prop_assert!(
            result
                .findings
                .iter()
                .all(|f| f.kind == netverify::report::FindingKind::Info)
        );
    }
    Ok((private, leaked))
}

/// The service-path property sees both private and leaking packets, and
/// proven as well as violated verdicts: it can fail.
#[test]
fn service_path_property_is_not_vacuous() {
    use proptest::strategy::{Strategy, ValueTree};
    let mut runner = proptest::test_runner::TestRunner::deterministic();
    let (mut private, mut leaked, mut proven) = (0, 0, 0);
    let picks: Vec<(usize, usize, usize, usize, usize)> = (0..40)
        .map(|k| (k, k * 7 + 3, k % 5, k % 6, (k / 2) % 6))
        .collect();
    for _ in 0..600 {
        let seed = common::topogen::topo_seed()
            .new_tree(&mut runner)
            .unwrap()
            .current();
        if let Ok((p, l)) = check_service_paths_counted(&seed, &picks) {
            private += p;
            leaked += l;
        }
        if let Ok(t) = model::resolve(common::topogen::build(&seed), "gen.yaml")
            && !t.endpoints.is_empty()
            && netverify::checks::private_service_access::run(&Engine::new(&t)).verdict
                == netverify::report::Verdict::Proven
        {
            proven += 1;
        }
    }
    eprintln!("service packets: {private} private, {leaked} leaked; {proven} proven");
    assert!(
        private >= 15,
        "only {private} private service packets sampled"
    );
    assert!(
        leaked >= 20,
        "only {leaked} leaking service packets sampled"
    );
    assert!(proven >= 3, "only {proven} proven topologies");
}

/// The engine's compiled filters against the one statement of the rule
/// predicates (`rules::nacl_check`, `rules::sg_check`): for every subnet's
/// NACL and every interface's security groups, both directions, a packet
/// is in the compiled allowed set exactly when the predicate allows it,
/// and in the compiled unknown set exactly when the predicate is unknown.
/// Returns how many (filter, packet) pairs were compared, and how many
/// were allowed.
fn check_compiled_filters(
    topo: &Topology,
    picks: &[(usize, usize, usize, usize, usize)],
) -> Result<(usize, usize), TestCaseError> {
    let engine = Engine::new(topo);
    let packets = packets::packets(topo, picks);
    let (mut compared, mut allowed) = (0, 0);
    for dir in [
        netverify::model::Direction::Egress,
        netverify::model::Direction::Ingress,
    ] {
        for (s, subnet) in topo.subnets.iter().enumerate() {
            let set = engine.nacl_allows(s, dir);
            for p in &packets {
                let v = netverify::rules::nacl_check(topo, subnet.nacl, dir, p);
                prop_assert_eq!(
                    set.contains(p),
                    v.allow,
                    "NACL of subnet {} {:?} {}: {}",
                    subnet.meta.name,
                    dir,
                    p,
                    v.why
                );
                compared += 1;
                allowed += usize::from(v.allow);
            }
        }
        for (e, eni) in topo.enis.iter().enumerate() {
            let f = engine.sg_allows(e, dir);
            for p in &packets {
                let v = netverify::rules::sg_check(topo, e, dir, p);
                let engine_says = if f.allowed.contains(p) {
                    "allow"
                } else if f.unknown.contains(p) {
                    "unknown"
                } else {
                    "deny"
                };
                let sim_says = match &v {
                    netverify::rules::SgVerdict::Allow(_) => "allow",
                    netverify::rules::SgVerdict::Unknown(_) => "unknown",
                    netverify::rules::SgVerdict::Deny(_) => "deny",
                };
                prop_assert_eq!(
                    engine_says,
                    sim_says,
                    "security groups of {} {:?} {}: {:?}",
                    eni.meta.name,
                    dir,
                    p,
                    v
                );
                compared += 1;
                allowed += usize::from(sim_says == "allow");
            }
        }
    }
    Ok((compared, allowed))
}

/// The oracle (`sim::FirstDrop`), the blocker walk (`sim::EveryBlocker`)
/// and the walk that carries on past routing faults too (`sim::CarryOn`)
/// are one walk: where the oracle meets no blocker the three end alike,
/// and where it does, the others' first blocker is the oracle's. Returns
/// how many packets had blockers.
fn check_recorders(
    topo: &Topology,
    picks: &[(usize, usize, usize, usize, usize)],
) -> Result<usize, TestCaseError> {
    let mut origins = vec![sim::Origin::Internet];
    origins.extend((0..topo.enis.len()).map(sim::Origin::Eni));
    origins.extend(topo.hybrid.on_prem.keys().map(sim::Origin::OnPrem));
    let mut blocked = 0;
    for p in packets::packets(topo, picks) {
        for &origin in &origins {
            let oracle = sim::simulate(topo, origin, &p);
            let walk = sim::simulate_blockers(topo, origin, &p);
            // And the walk that carries on past routing faults too.
            let carried = sim::walk(topo, origin, &p, false, sim::CarryOn);
            prop_assert_eq!(
                carried.blockers.first(),
                oracle.blockers.first(),
                "{:?} {}",
                origin,
                p
            );
            match oracle.blockers.first() {
                None => {
                    prop_assert!(walk.blockers.is_empty(), "{:?} {}", origin, p);
                    prop_assert_eq!(&walk.fates, &oracle.fates, "{:?} {}", origin, p);
                    prop_assert!(carried.blockers.is_empty(), "{:?} {}", origin, p);
                    prop_assert_eq!(&carried.fates, &oracle.fates, "{:?} {}", origin, p);
                }
                Some(first) => {
                    blocked += 1;
                    prop_assert!(
                        oracle
                            .fates
                            .iter()
                            .any(|f| matches!(f, Fate::Dropped { .. })),
                        "{:?} {}: a blocker without a drop",
                        origin,
                        p
                    );
                    prop_assert_eq!(walk.blockers.first(), Some(first), "{:?} {}", origin, p);
                }
            }
        }
    }
    Ok(blocked)
}

/// The recorder property sees blocked packets.
#[test]
fn recorders_property_is_not_vacuous() {
    let picks: Vec<(usize, usize, usize, usize, usize)> = (0..20)
        .map(|i| (i * 7, i * 13 + 1, i, i * 3, i * 5))
        .collect();
    let blocked: usize = generated(40)
        .iter()
        .map(|t| check_recorders(t, &picks).unwrap())
        .sum();
    assert!(blocked >= 500, "only {blocked} blocked packets");
}

/// The filter property compares many pairs and sees both answers.
#[test]
fn compiled_filters_property_is_not_vacuous() {
    let picks: Vec<(usize, usize, usize, usize, usize)> = (0..40)
        .map(|i| (i * 7, i * 13 + 1, i, i * 3, i * 5))
        .collect();
    let (mut compared, mut allowed) = (0, 0);
    for topo in generated(60) {
        let (c, a) = check_compiled_filters(&topo, &picks).unwrap();
        compared += c;
        allowed += a;
    }
    assert!(compared >= 10_000, "only {compared} pairs compared");
    assert!(
        allowed >= compared / 20 && allowed < compared,
        "{allowed} of {compared} allowed"
    );
}

fn cases() -> u32 {
    std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(1000)
}

proptest! {
    #![proptest_config(Config { cases: cases(), max_global_rejects: 10_000, ..Config::default() })]

    #[test]
    fn engine_agrees_with_simulator(
        seed in common::topogen::topo_seed(),
        picks in prop::collection::vec((0..64usize, 0..64usize, 0..5usize, 0..6usize, 0..6usize), 40),
    ) {
        check_agreement(&seed, &picks)?;
    }

    #[test]
    fn compiled_filters_agree_with_rule_predicates(
        seed in common::topogen::topo_seed(),
        picks in prop::collection::vec((0..64usize, 0..64usize, 0..5usize, 0..6usize, 0..6usize), 40),
    ) {
        if let Ok(topo) = model::resolve(common::topogen::build(&seed), "gen.yaml") {
            check_compiled_filters(&topo, &picks)?;
        }
    }

    #[test]
    fn blocker_walk_agrees_with_the_oracle(
        seed in common::topogen::topo_seed(),
        picks in prop::collection::vec((0..64usize, 0..64usize, 0..5usize, 0..6usize, 0..6usize), 20),
    ) {
        if let Ok(topo) = model::resolve(common::topogen::build(&seed), "gen.yaml") {
            check_recorders(&topo, &picks)?;
        }
    }

    #[test]
    fn private_service_access_agrees_with_simulator(
        seed in common::topogen::topo_seed(),
        picks in prop::collection::vec((0..64usize, 0..64usize, 0..5usize, 0..6usize, 0..6usize), 40),
    ) {
        check_service_paths(&seed, &picks)?;
    }
}

/// The generator must produce valid topologies most of the time, or the
/// property above silently tests little.
#[test]
fn generator_produces_mostly_valid_topologies() {
    use proptest::strategy::{Strategy, ValueTree};
    let mut runner = proptest::test_runner::TestRunner::deterministic();
    let mut ok = 0;
    let mut errors = Vec::new();
    for _ in 0..200 {
        let seed = common::topogen::topo_seed()
            .new_tree(&mut runner)
            .unwrap()
            .current();
        match model::resolve(common::topogen::build(&seed), "gen.yaml") {
            Ok(_) => ok += 1,
            Err(e) => errors.push(e.render(None)),
        }
    }
    assert!(
        ok >= 180,
        "only {ok}/200 generated topologies are valid; first error:\n{}",
        errors.first().cloned().unwrap_or_default()
    );
}

/// The valid topologies among the first `n` the generator makes, in a
/// fixed order.
fn generated(n: usize) -> Vec<Topology> {
    use proptest::strategy::{Strategy, ValueTree};
    let mut runner = proptest::test_runner::TestRunner::deterministic();
    (0..n)
        .filter_map(|_| {
            let seed = common::topogen::topo_seed()
                .new_tree(&mut runner)
                .unwrap()
                .current();
            model::resolve(common::topogen::build(&seed), "gen.yaml").ok()
        })
        .collect()
}

/// The property above must actually exercise the hybrid paths: peering
/// deliveries, transit gateway and VGW exits to on prem, and packets from on
/// prem delivered to interfaces.
#[test]
fn generator_exercises_hybrid_paths() {
    let (mut to_onprem, mut from_onprem, mut peered, mut tgw_vpc, mut public_vif) = (0, 0, 0, 0, 0);
    let mut cloudhub = 0;
    for topo in generated(600) {
        let engine = Engine::new(&topo);
        for e in 0..topo.enis.len() {
            let r = engine.reach(Origin::Eni(e), &HeaderSet::universe());
            if r.flows.iter().any(|f| matches!(f.end, End::OnPrem(_))) {
                to_onprem += 1;
            }
            if r.flows.iter().any(|f| {
                matches!(f.end, End::OnPrem(model::OnPremVia::Vif(x))
                    if topo.hybrid.vifs[x].kind == model::VifKind::Public)
            }) {
                public_vif += 1;
            }
            if r.flows.iter().any(|f| {
                matches!(f.end, End::Delivered(_))
                    && f.path
                        .iter()
                        .any(|s| matches!(s, netverify::engine::Step::PeeringCross { .. }))
            }) {
                peered += 1;
            }
            if r.flows.iter().any(|f| {
                matches!(f.end, End::Delivered(_))
                    && f.path
                        .iter()
                        .any(|s| matches!(s, netverify::engine::Step::TgwOut { .. }))
            }) {
                tgw_vpc += 1;
            }
        }
        for n in topo.hybrid.on_prem.keys() {
            let r = engine.reach(Origin::OnPrem(n), &HeaderSet::universe());
            if r.flows.iter().any(|f| matches!(f.end, End::Delivered(_))) {
                from_onprem += 1;
            }
            if r.flows.iter().any(|f| matches!(f.end, End::OnPrem(_))) {
                cloudhub += 1;
            }
        }
    }
    assert!(
        to_onprem >= 20
            && from_onprem >= 10
            && peered >= 5
            && tgw_vpc >= 5
            && public_vif >= 5
            && cloudhub >= 5,
        "to on prem {to_onprem}, from on prem {from_onprem}, over peering {peered}, through a TGW into a VPC {tgw_vpc}, over a public VIF {public_vif}, between on-prem networks {cloudhub}"
    );
}

/// The must-reach reading of C-5.6 is exercised: packets that a reference
/// admits in the exposure reading only through a member's secondary or IPv6
/// address, which the must-reach reading makes unknown.
#[test]
fn generator_exercises_both_readings_of_references() {
    let mut differ = 0;
    for topo in generated(300) {
        if !Engine::references_are_ambiguous(&topo) {
            continue;
        }
        let addrs = packets::addresses(&topo);
        for (e, eni) in topo.enis.iter().enumerate() {
            for a in eni.address_nets().iter().skip(1) {
                for d in addrs.iter().filter(|d| d.is_ipv4() == a.addr().is_ipv4()) {
                    let p = Packet::tcp(a.addr(), *d, 40000, 22);
                    let loose = sim::simulate(&topo, Origin::Eni(e), &p).fates;
                    let strict = sim::simulate_must_reach(&topo, Origin::Eni(e), &p).fates;
                    if loose.iter().any(|f| matches!(f, Fate::Delivered { .. }))
                        && strict.iter().any(|f| matches!(f, Fate::Unknown { .. }))
                    {
                        differ += 1;
                    }
                }
            }
        }
    }
    assert!(
        differ >= 5,
        "only {differ} packets where the readings differ"
    );
}

/// The property above must exercise C-6.8: packets of other protocols than
/// tcp, udp and icmp that cross an internet gateway (out, and in) reach in
/// the exposure reading and are unknown in the must-reach one, in the
/// simulator and in the engine alike.
#[test]
fn generator_exercises_protocols_at_internet_gateways() {
    let (mut out, mut inbound) = (0, 0);
    for topo in generated(200) {
        let strict = Engine::must_reach(&topo);
        let loose = Engine::new(&topo);
        let addrs = packets::addresses(&topo);
        let mut origins = vec![Origin::Internet];
        origins.extend((0..topo.enis.len()).map(Origin::Eni));
        for origin in origins {
            let lr = loose.reach(origin, &HeaderSet::universe());
            let sr = strict.reach(origin, &HeaderSet::universe());
            for &s in &addrs {
                for &d in addrs.iter().filter(|d| d.is_ipv4() == s.is_ipv4()) {
                    for proto in [0u8, 47, 50] {
                        let p = Packet {
                            src: s,
                            dst: d,
                            proto,
                            sport: 0,
                            dport: 0,
                            icmp_type: 0,
                            icmp_code: 0,
                        };
                        let reached = sim::simulate(&topo, origin, &p)
                            .fates
                            .iter()
                            .any(|f| matches!(f, Fate::Internet | Fate::Delivered { .. }));
                        let unknown = sim::simulate_must_reach(&topo, origin, &p)
                            .fates
                            .iter()
                            .any(|f| matches!(f, Fate::Unknown { .. }));
                        if reached && unknown {
                            assert!(
                                engine_kinds(&lr.flows, &p)
                                    .iter()
                                    .any(|k| matches!(k, Kind::Internet | Kind::Delivered(_))),
                                "{p}"
                            );
                            assert!(engine_kinds(&sr.flows, &p).contains(&Kind::Unknown), "{p}");
                            if origin == Origin::Internet {
                                inbound += 1;
                            } else {
                                out += 1;
                            }
                        }
                    }
                }
            }
        }
    }
    assert!(
        out >= 5 && inbound >= 5,
        "only {out} outbound and {inbound} inbound packets exercise C-6.8"
    );
}

/// The property above must exercise security group identity across VPCs
/// (C-5.7, C-9.9): deliveries over a peering or a transit gateway that only
/// a reference to the sender's group admits, and packets that a reference
/// would admit but whose identity did not survive the path.
#[test]
fn generator_exercises_sg_references_across_vpcs() {
    use netverify::model::Direction;
    use netverify::rules::{SgVerdict, sg_check_as};
    let (mut kept, mut cleared, mut egress_only_peering) = (0, 0, 0);
    for topo in generated(600) {
        let Some(src) = topo.enis.iter().position(|e| e.meta.name == "vpc2-eni") else {
            continue;
        };
        let from = IpAddr::V4(topo.enis[src].private_ips[0].addr);
        for (d, eni) in topo.enis.iter().enumerate() {
            if eni.vpc == topo.enis[src].vpc || eni.private_ips.is_empty() {
                continue;
            }
            let p = Packet::tcp(from, IpAddr::V4(eni.private_ips[0].addr), 40000, 8080);
            let out = sim::simulate(&topo, Origin::Eni(src), &p);
            let delivered = out.fates.contains(&Fate::Delivered { eni: d });
            let by_ref = matches!(
                sg_check_as(&topo, d, Direction::Ingress, &p, None, false),
                SgVerdict::Deny(_)
            ) && matches!(
                sg_check_as(
                    &topo,
                    d,
                    Direction::Ingress,
                    &p,
                    Some(topo.enis[src].vpc),
                    false
                ),
                SgVerdict::Allow(_)
            );
            let arrived = out.trace.iter().any(|t| t.starts_with("reaches interface"));
            if delivered && by_ref {
                kept += 1;
            }
            if by_ref && arrived && !delivered {
                cleared += 1;
            }
            if out
                .trace
                .iter()
                .any(|t| t.contains("matches only across a same-Region peering"))
            {
                egress_only_peering += 1;
            }
        }
    }
    assert!(
        kept >= 5 && cleared >= 10 && egress_only_peering >= 2,
        "identity kept {kept}, cleared {cleared}, egress reference not across peering {egress_only_peering}"
    );
}

/// The property above covers on-prem networks that the loader derives from
/// the routes AWS points at its connections (no declared network covers
/// them): for the engine and the simulator they are plain on-prem networks.
#[test]
fn generator_exercises_derived_on_prem_networks() {
    let mut derived = 0;
    let mut reached = 0;
    for topo in generated(300) {
        if !topo.hybrid.on_prem.iter().any(|n| n.derived) {
            continue;
        }
        derived += 1;
        let engine = Engine::new(&topo);
        for e in 0..topo.enis.len() {
            let r = engine.reach(Origin::Eni(e), &HeaderSet::universe());
            if r.flows.iter().any(|f| match f.end {
                End::OnPrem(v) => topo
                    .hybrid
                    .on_prem
                    .iter()
                    .any(|n| n.derived && n.via.contains(&v)),
                _ => false,
            }) {
                reached += 1;
            }
        }
    }
    assert!(
        derived >= 5 && reached >= 3,
        "{derived} topologies with derived on-prem networks, {reached} interfaces reaching them"
    );
}

/// The property also covers a derived network's traffic to its own
/// prefixes (D1: a derived network keeps nothing on premises, it may be
/// several sites): the generator makes derived networks whose packets to
/// their own prefixes enter AWS and leave again towards on prem, which
/// the property compares with the simulator.
#[test]
fn generator_exercises_derived_networks_sending_to_their_own_prefixes() {
    let mut crossing = 0;
    for topo in generated(300) {
        for (n, net) in topo.hybrid.on_prem.iter_enumerated() {
            if !net.derived {
                continue;
            }
            assert!(net.stays_on_prem().is_empty());
            let own = netverify::hs::nets_set(net.cidrs.iter());
            let set = HeaderSet::universe().restrict(netverify::hs::DST, &own);
            let r = Engine::new(&topo).reach(Origin::OnPrem(n), &set);
            if r.flows.iter().any(|f| matches!(f.end, End::OnPrem(_))) {
                crossing += 1;
            }
        }
    }
    assert!(
        crossing >= 3,
        "{crossing} derived networks whose own traffic crosses AWS"
    );
}

/// The property above covers classic load balancers (C-4.9): a node's
/// packets to an interface of its own subnet meet the subnet's outbound
/// ACL entries, and some are dropped there, in the simulator and (through
/// `engine_agrees_with_simulator`) in the engine alike.
#[test]
fn generator_exercises_classic_lb_acl_inside_subnet() {
    use netverify::model::{Direction, EniOwner, LbKind};
    let (mut inside, mut dropped) = (0, 0);
    for topo in generated(600) {
        for (n, node) in topo.enis.iter().enumerate() {
            let EniOwner::LoadBalancer(lb) = node.owner else {
                continue;
            };
            if topo.load_balancers[lb].kind != LbKind::Classic || node.private_ips.is_empty() {
                continue;
            }
            let from = IpAddr::V4(node.private_ips[0].addr);
            for (d, eni) in topo.enis.iter().enumerate() {
                if d == n || eni.subnet != node.subnet || eni.private_ips.is_empty() {
                    continue;
                }
                inside += 1;
                let p = Packet::tcp(from, IpAddr::V4(eni.private_ips[0].addr), 40000, 8080);
                let out = sim::simulate_blockers(&topo, Origin::Eni(n), &p);
                if out.blockers.iter().any(|b| {
                    matches!(b.at, sim::Blocked::Nacl { subnet, dir: Direction::Egress } if subnet == node.subnet)
                }) {
                    dropped += 1;
                }
            }
        }
    }
    assert!(
        inside >= 10 && dropped >= 2,
        "classic node to its own subnet: {inside} packets, {dropped} met a denying outbound ACL entry"
    );
}
