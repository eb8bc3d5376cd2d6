//! The policy's verdict on a change: an opened flow that no policy allows,
//! or a closed flow that the policy expects (`policy.expect`), violates it.
//!
//! Which opened flows a policy constrains: those from the internet (the
//! `public-exposure` policy: by default internet-facing load balancers on
//! their listeners, plus its `allow` entries) and those from an on-prem
//! network that `policy.on_prem_access` lists. The allowances are the
//! checks' own ([`public_exposure::allowed_set`],
//! [`on_prem_access::allowed_set`]); an `expect` entry allows what it
//! names too. Flows between resources inside AWS are constrained by no
//! policy: `--fail-on opened` fails on them.

use crate::checks::expected_flows::{self, Parsed};
use crate::checks::{on_prem_access, public_exposure};
use crate::engine::{Engine, Flow, Origin};
use crate::hs::{DST, HeaderSet, SRC};
use crate::model::Topology;
use crate::query::endpoint::resolve;
use crate::query::eval::port_set;

/// The packets of flow `f` from `origin` that expectation `e` names, when
/// its endpoints resolve in `engine`'s topology to that origin and the
/// flow's end (empty otherwise).
fn covered(engine: &Engine<'_>, e: &Parsed, origin: Origin, f: &Flow) -> HeaderSet {
    let topo = engine.topo;
    let (Ok(src), Ok(dst)) = (resolve(topo, &e.src), resolve(topo, &e.dst)) else {
        return HeaderSet::empty();
    };
    if !dst.matches_end(topo, f) {
        return HeaderSet::empty();
    }
    let mut out = HeaderSet::empty();
    for s in src.sources(topo) {
        if s.origin != Ok(origin) {
            continue;
        }
        let mut set = port_set(&e.ports);
        if let Some(a) = &s.addrs {
            set = set.restrict(SRC, a);
        }
        if let Some(d) = dst.dst_set(engine, origin == Origin::Internet) {
            set = set.restrict(DST, &d);
        }
        out = out.union(&set);
    }
    out
}

/// What `expects` allow of flow `f`.
fn expected(engine: &Engine<'_>, expects: &[Parsed], origin: Origin, f: &Flow) -> HeaderSet {
    let mut out = HeaderSet::empty();
    for e in expects {
        out = out.union(&covered(engine, e, origin, f));
    }
    out
}

/// What HEAD's policies allow of flow `f`, or `None` when no policy
/// constrains it.
fn allowed(
    engine: &Engine<'_>,
    expects: &[Parsed],
    origin: Origin,
    f: &Flow,
) -> Option<(HeaderSet, &'static str)> {
    let topo: &Topology = engine.topo;
    let crate::engine::End::Delivered(e) = f.end else {
        return None;
    };
    let (set, what) = match origin {
        Origin::Internet => (
            public_exposure::allowed_set(engine, e),
            "the public_exposure policy",
        ),
        Origin::OnPrem(n) => {
            let access = topo.policy.on_prem_access.iter().find(|a| a.network == n)?;
            (
                on_prem_access::allowed_set(topo, access, e),
                "the on_prem_access policy",
            )
        }
        Origin::Eni(_) => return None,
    };
    Some((set.union(&expected(engine, expects, origin, f)), what))
}

/// Why the opened packets `set` (in HEAD's coordinates), carried by
/// `flows` of HEAD, violate HEAD's policy, if they do.
pub fn opened_violation(
    head: &Engine<'_>,
    expects: &[Parsed],
    flows: &[&(Origin, Flow)],
    set: &HeaderSet,
) -> Option<String> {
    for (o, f) in flows {
        let part = f.set.intersect(set);
        if part.is_empty() {
            continue;
        }
        let Some((ok, what)) = allowed(head, expects, *o, f) else {
            continue;
        };
        if !part.subtract(&ok).is_empty() {
            return Some(format!(
                "opened beyond what {what} and `policy.expect` allow"
            ));
        }
    }
    None
}

/// Why the closed packets `set`, carried by `flows` of BASE, violate
/// `expects` (HEAD's), if they do: the first expectation they cover.
pub fn closed_violation(
    base: &Engine<'_>,
    expects: &[Parsed],
    head: &Topology,
    flows: &[&(Origin, Flow)],
    set: &HeaderSet,
) -> Option<String> {
    for e in expects {
        for (o, f) in flows {
            let part = f.set.intersect(set);
            if !part.is_empty() && !part.intersect(&covered(base, e, *o, f)).is_empty() {
                let at = crate::engine::explain::pos_location(head, e.pos)
                    .map(|l| format!(" ({}:{})", l.file, l.line))
                    .unwrap_or_default();
                return Some(format!("closes the expected flow `{}`{at}", e.text));
            }
        }
    }
    None
}

/// The expected flows of `topo` that parse (the front ends reject the
/// others before a diff runs).
pub fn expects(topo: &Topology) -> Vec<Parsed> {
    topo.policy
        .expect
        .iter()
        .filter_map(|e| expected_flows::parse(topo, e).ok())
        .collect()
}
