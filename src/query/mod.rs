//! Questions asked of the engine directly: the `exposed` command, and the
//! query language used by `netverify query` and the REPL (`netverify repl`).
//!
//! - [`lang`]: the grammar and the parser (errors with position and a
//!   suggestion);
//! - [`endpoint`]: what an endpoint word names, mapped to engine origins and
//!   destination sets (the one place new origins plug in);
//! - [`eval`]: `can`, `who`, `what`, `path`, `why not` on the engine;
//! - [`whynot`]: `why not`: the candidate packets and the answer;
//! - [`trace`]: the blocked-path tracer behind `why not` (its hybrid
//!   steps in `trace_hybrid`; where it steers the packet, `steer`);
//! - [`hops`]: texts of answer hops that are not forwarding decisions;

pub mod endpoint;
pub mod eval;
pub mod gaps;
pub mod hops;
pub mod lang;
mod steer;
pub mod trace;
mod trace_hybrid;
pub mod walk_recorder;
pub mod whynot;

use std::collections::BTreeMap;

use crate::engine::exposure::Exposure;
use crate::engine::{Engine, summarize_flows};
use crate::hs::HeaderSet;
use crate::model::EniOwner;
use crate::report::{ExposedReport, ExposedResource};

/// Every resource some internet packet can be delivered to (C-0.3 (a)).
pub fn exposed(engine: &Engine<'_>) -> ExposedReport {
    let topo = engine.topo;
    let exposure = Exposure::of(engine);
    let mut per_eni: BTreeMap<usize, HeaderSet> = BTreeMap::new();
    for (e, flows) in exposure.delivered() {
        let s = per_eni.entry(e).or_default();
        for f in flows {
            *s = s.union(&f.set);
        }
    }
    let mut unknown: Vec<String> = exposure
        .undecided()
        .into_keys()
        .map(str::to_owned)
        .collect();
    for g in topo.gaps_for("public-exposure") {
        unknown.push(format!("the topology records missing data: {}", g.what));
    }
    let mut lbs: BTreeMap<usize, HeaderSet> = BTreeMap::new();
    // An instance is reported once, with its interfaces and what each
    // receives (at its own addresses).
    let mut instances: BTreeMap<usize, (Vec<String>, Vec<crate::report::FlowSummary>)> =
        BTreeMap::new();
    let mut exposed = Vec::new();
    for (&e, set) in &per_eni {
        let eni = &topo.enis[e];
        if let EniOwner::LoadBalancer(lb) = eni.owner {
            let s = lbs.entry(lb).or_default();
            *s = s.union(set);
            continue;
        }
        let mut flows = summarize_flows(topo, set);
        let addrs = crate::engine::explain::destination_addresses(topo, e, set);
        for f in &mut flows {
            f.address = Some(addrs.join(", "));
        }
        if let Some(i) = eni.instance {
            let x = instances.entry(i).or_default();
            x.0.push(eni.meta.name.clone());
            x.1.extend(flows);
            continue;
        }
        exposed.push(ExposedResource {
            resource: eni.meta.name.clone(),
            kind: "network-interface".into(),
            aws_id: eni.meta.aws_id.clone(),
            interfaces: Vec::new(),
            flows,
            session: None,
        });
    }
    for (i, (interfaces, flows)) in instances {
        let inst = &topo.instances[i];
        exposed.push(ExposedResource {
            resource: inst.meta.name.clone(),
            kind: "instance".into(),
            aws_id: inst.meta.aws_id.clone(),
            interfaces,
            flows,
            session: None,
        });
    }
    for (lb, set) in lbs {
        let l = &topo.load_balancers[lb];
        exposed.push(ExposedResource {
            resource: l.meta.name.clone(),
            kind: "load-balancer".into(),
            aws_id: l.meta.aws_id.clone(),
            interfaces: Vec::new(),
            flows: summarize_flows(topo, &set),
            session: None,
        });
    }
    exposed.sort_by(|a, b| a.resource.cmp(&b.resource).then(a.kind.cmp(&b.kind)));
    ExposedReport {
        version: 1,
        exposed,
        unknown,
    }
}
