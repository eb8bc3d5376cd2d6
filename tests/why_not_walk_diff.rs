#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "test helpers fail by panicking"
)]

//! The `why not` recorder on the simulator's one walk
//! (`query::walk_recorder`) against the tracer that `why not` runs today
//! (`query::trace`), on the topologies of the property-test generator: a
//! differential test for moving `why not` onto the walk (issue 14).
//!
//! For every attached interface as a source, every other attached
//! interface, the internet and every on-prem network as a goal, and each
//! on-prem network towards every interface, one TCP packet is traced both
//! ways (several protocols, IPv4 and IPv6, from the internet to public
//! addresses too). Wherever the tracer met no unknown the two must agree
//! on whether the packet gets to the goal and on the components that
//! block it, in order, and on the texts of the NACL and security group
//! blockers to the letter. The other differences are counted and printed
//! (`--nocapture`; `WALK_DIFF_VERBOSE=1` prints each).

mod common;

use std::collections::BTreeMap;
use std::net::{IpAddr, Ipv4Addr};

use netverify::hs::Packet;
use netverify::model;
use netverify::query::trace::{self, Goal, Start, Trace};
use netverify::query::{walk_recorder, whynot};
use proptest::prelude::*;
use proptest::test_runner::{Config, TestCaseError};

fn cases() -> u32 {
    std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(64)
}

/// What the two answers are compared on: reached the goal, the blocking
/// components in path order, and the number of unknowns.
fn gist(t: &Trace) -> (bool, Vec<String>, usize) {
    (
        t.complete,
        t.blockers.iter().map(|b| b.component.clone()).collect(),
        t.unknown.len(),
    )
}

/// True when every blocker of the tracer is a NACL or a security group
/// (by the names the generator gives them) and it met no unknown.
fn filters_only(topo: &model::Topology, t: &Trace) -> bool {
    t.unknown.is_empty()
        && t.blockers.iter().all(|b| {
            topo.nacls.iter().any(|n| n.meta.name == b.component)
                || topo
                    .security_groups
                    .iter()
                    .any(|g| g.meta.name == b.component)
        })
}

/// The protocols and ports tried: tcp 443 and 22, udp 53, ICMP echo,
/// GRE (no ports).
const PORTS: [(u8, u16, (u8, u8)); 5] = [
    (6, 443, (0, 0)),
    (6, 22, (0, 0)),
    (17, 53, (0, 0)),
    (1, 0, (8, 0)),
    (47, 0, (0, 0)),
];

/// A trace of one blocker, for [`filters_only`].
fn trace_of(b: &netverify::report::answer::Blocker) -> Trace {
    Trace {
        blockers: vec![b.clone()],
        ..Trace::default()
    }
}

/// The candidate packets of a topology: start, goal and packet.
fn candidates(topo: &model::Topology) -> Vec<(Start, Goal, Packet)> {
    let v4 = |e: &model::Eni| e.private_ips.first().map(|a| IpAddr::V4(a.addr));
    let v6 = |e: &model::Eni| e.ipv6_addresses.first().map(|a| IpAddr::V6(*a));
    let public = |d: usize| {
        topo.enis[d]
            .private_ips
            .iter()
            .enumerate()
            .find_map(|(k, p)| p.public.map(|pb| IpAddr::V4(pb.addr(d, k))))
    };
    let enis: Vec<usize> = (0..topo.enis.len())
        .filter(|&e| topo.enis[e].attached)
        .collect();
    let internet4 = IpAddr::V4(Ipv4Addr::new(198, 51, 100, 7));
    let internet6: IpAddr = "2001:db8::8".parse().unwrap();
    let client4 = IpAddr::V4(Ipv4Addr::new(203, 0, 113, 7));
    let mut ends: Vec<(Start, Goal, IpAddr, IpAddr)> = Vec::new();
    for &a in &enis {
        let (ea, s4, s6) = (&topo.enis[a], v4(&topo.enis[a]), v6(&topo.enis[a]));
        let _ = ea;
        for &b in &enis {
            if a == b {
                continue;
            }
            let eb = &topo.enis[b];
            if let (Some(s), Some(d)) = (s4, v4(eb)) {
                ends.push((Start::Eni(a), Goal::Eni(b), s, d));
            }
            if let (Some(s), Some(d)) = (s6, v6(eb)) {
                ends.push((Start::Eni(a), Goal::Eni(b), s, d));
            }
        }
        if let Some(s) = s4 {
            ends.push((Start::Eni(a), Goal::Internet, s, internet4));
        }
        if let Some(s) = s6 {
            ends.push((Start::Eni(a), Goal::Internet, s, internet6));
        }
        if let Some(d) = public(a) {
            ends.push((Start::Internet, Goal::Eni(a), client4, d));
        }
        for (n, net) in topo.hybrid.on_prem.iter_enumerated() {
            let Some(o) = net
                .cidrs
                .iter()
                .find(|c| c.addr().is_ipv4())
                .map(|c| c.addr())
            else {
                continue;
            };
            if let Some(s) = s4 {
                ends.push((Start::Eni(a), Goal::OnPrem(n), s, o));
                ends.push((Start::OnPrem(n), Goal::Eni(a), o, s));
            }
        }
    }
    let mut out = Vec::new();
    for (start, goal, s, d) in ends {
        for (proto, port, icmp) in PORTS {
            let proto = if proto == 1 && s.is_ipv6() { 58 } else { proto };
            out.push((
                start,
                goal.clone(),
                whynot::candidate(s, d, proto, port, icmp),
            ));
        }
    }
    out
}

#[derive(Default)]
struct Tally {
    same: usize,
    /// Blockers named alike whose texts differ (not a filter).
    texts: usize,
    /// Answers alike in gist whose hop by hop paths differ.
    hops: usize,
    differ: BTreeMap<&'static str, usize>,
}

fn kind(t: &(bool, Vec<String>, usize), w: &(bool, Vec<String>, usize)) -> &'static str {
    if t.0 != w.0 {
        "complete differs"
    } else if t.2 != w.2 {
        "unknowns differ"
    } else {
        "blockers differ"
    }
}

fn compare(topo: &model::Topology, tally: &mut Tally) -> Result<(), TestCaseError> {
    for (start, goal, p) in candidates(topo) {
        let old = trace::trace(topo, start, goal.clone(), p);
        let new = walk_recorder::walk_trace(topo, start, goal.clone(), p);
        let (t, w) = (gist(&old), gist(&new));
        if t == w {
            tally.same += 1;
            // The filter blockers' texts are the tracer's, to the letter.
            for (a, b) in old.blockers.iter().zip(&new.blockers) {
                if filters_only(topo, &trace_of(a)) {
                    prop_assert_eq!(a, b, "{:?} -> {:?} {}", start, goal, p);
                } else if a != b {
                    tally.texts += 1;
                    if std::env::var("WALK_DIFF_TEXTS").is_ok() {
                        eprintln!("BLOCKER tracer {a:?}\nBLOCKER walk   {b:?}");
                    }
                }
            }
            if old.hops != new.hops {
                tally.hops += 1;
                if std::env::var("WALK_DIFF_TEXTS").is_ok() {
                    for (a, b) in old.hops.iter().zip(&new.hops) {
                        if a != b {
                            eprintln!("HOP tracer {a:?}\nHOP walk   {b:?}");
                            break;
                        }
                    }
                    if old.hops.len() != new.hops.len() {
                        eprintln!("HOPS tracer {} walk {}", old.hops.len(), new.hops.len());
                    }
                }
            }
            continue;
        }
        *tally.differ.entry(kind(&t, &w)).or_default() += 1;
        if std::env::var("WALK_DIFF_VERBOSE").is_ok() {
            eprintln!("{start:?} -> {goal:?} {p}: tracer {t:?}, walk {w:?}");
        }
        {
            prop_assert_eq!(
                &t,
                &w,
                "{:?} -> {:?} {}: the walk's recorder disagrees with the tracer",
                start,
                goal,
                p
            );
        }
    }
    Ok(())
}

proptest! {
    #![proptest_config(Config { cases: cases(), ..Config::default() })]

    #[test]
    fn walk_recorder_names_the_tracers_filter_blockers(seed in common::topogen::topo_seed()) {
        let Ok(topo) = model::resolve(common::topogen::build(&seed), "gen.yaml") else {
            return Ok(());
        };
        let mut tally = Tally::default();
        compare(&topo, &mut tally)?;
        eprintln!(
            "walk diff: {} same ({} blocker texts, {} paths differ), {:?}",
            tally.same, tally.texts, tally.hops, tally.differ
        );
    }
}
