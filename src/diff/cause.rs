//! Attribution: the changed resources and rules of HEAD that each opened or
//! closed flow depends on.
//!
//! The two sides' topology files are compared as data, section by section:
//! resources match by name; inside a resource that changed, list fields
//! (security group and NACL rules, routes, a list of groups) are compared
//! element by element and every other changed field counts as one change
//! of the resource. Each change is a candidate. A candidate is reverted in
//! HEAD alone (a new resource or rule removed, a removed one put back, a
//! changed field set to its BASE value), the reverted HEAD is loaded and
//! its reach computed again, and the candidate is a cause of every change
//! that shrinks: some of its packets no longer differ from BASE.
//!
//! A revert that the loader rejects (a subnet removed while an instance
//! still names it) is not a candidate; the resource that needs it (the
//! instance) is. Locations are the model's positions of the resource or
//! rule in HEAD ([`pos_location`]), whatever input it came from.

use serde_json::{Map, Value};

use std::collections::BTreeSet;

use rayon::prelude::*;

use super::{Key, SideReach, StandIns, match_ids, renames_possible, side_reach, side_reach_of};
use crate::engine::Engine;
use crate::engine::explain::pos_location;
use crate::hs::HeaderSet;
use crate::model::format::TopologyFile;
use crate::model::{Pos, Topology};
use crate::report::diff::Cause;

/// At most this many candidates are reverted one by one (each costs one
/// reach of the whole HEAD); past it, attribution is skipped with a note.
pub const MAX_CANDIDATES: usize = 64;

/// One change of HEAD against BASE, and how to revert it.
#[derive(Debug, Clone)]
pub struct Candidate {
    pub cause: Cause,
    edit: Edit,
}

#[derive(Debug, Clone)]
enum Edit {
    /// A top-level setting that is not a list of resources.
    Key {
        key: String,
        base: Option<Value>,
    },
    RemoveItem {
        section: String,
        index: usize,
    },
    AddItem {
        section: String,
        value: Value,
    },
    /// Fields of an item set to their BASE values (`None`: absent).
    Fields {
        section: String,
        index: usize,
        fields: Vec<(String, Option<Value>)>,
    },
    RemoveElem {
        section: String,
        index: usize,
        field: String,
        elem: usize,
    },
    ReplaceElem {
        section: String,
        index: usize,
        field: String,
        elem: usize,
        value: Value,
    },
    AddElem {
        section: String,
        index: usize,
        field: String,
        value: Value,
    },
}

/// `security_groups` → `security-group`.
fn kind_of(section: &str) -> String {
    section
        .strip_suffix('s')
        .unwrap_or(section)
        .replace('_', "-")
}

/// `ingress` → `ingress rule`, `routes` → `route`.
fn element_of(field: &str) -> String {
    match field {
        "ingress" | "egress" => format!("{field} rule"),
        "routes" => "route".to_owned(),
        other => format!("`{other}` entry"),
    }
}

/// A list element in one line, without empty fields: `{protocol: tcp,
/// ports: 22, cidr: 0.0.0.0/0}`.
fn compact(v: &Value) -> String {
    match v {
        Value::Object(m) => {
            let parts: Vec<String> = m
                .iter()
                .filter(|(_, x)| !is_empty(x))
                .map(|(k, x)| format!("{k}: {}", compact(x)))
                .collect();
            format!("{{{}}}", parts.join(", "))
        }
        Value::Array(a) => {
            let parts: Vec<String> = a.iter().map(compact).collect();
            format!("[{}]", parts.join(", "))
        }
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

fn is_empty(v: &Value) -> bool {
    match v {
        Value::Null => true,
        Value::Array(a) => a.is_empty(),
        Value::Object(m) => m.is_empty(),
        _ => false,
    }
}

/// The elements of `head` that `base` does not have (their indexes in
/// `head`), and those of `base` that `head` does not have, as multisets.
fn unmatched<'a>(base: &'a [Value], head: &[Value]) -> (Vec<usize>, Vec<&'a Value>) {
    let mut left: Vec<&Value> = base.iter().collect();
    let mut added = Vec::new();
    for (k, e) in head.iter().enumerate() {
        match left.iter().position(|x| *x == e) {
            Some(j) => {
                left.remove(j);
            }
            None => added.push(k),
        }
    }
    (added, left)
}

fn name_of(item: &Value) -> String {
    match item.get("name").and_then(Value::as_str) {
        Some(n) => n.to_owned(),
        None => compact(item),
    }
}

fn aws_id_of(item: &Value) -> Option<String> {
    item.get("aws_id")
        .and_then(Value::as_str)
        .map(str::to_owned)
}

/// A list of resources (every element an object); absent is empty.
fn resource_list(v: Option<&Value>) -> Option<Vec<Value>> {
    match v {
        None | Some(Value::Null) => Some(Vec::new()),
        Some(Value::Array(a)) if a.iter().all(Value::is_object) => Some(a.clone()),
        _ => None,
    }
}

/// The position of item `index` of `section` in `file`, or of one element
/// of its list `field`.
fn position(file: &TopologyFile, section: &str, index: usize, elem: Option<(&str, usize)>) -> Pos {
    macro_rules! items {
        ($($s:ident),*) => {
            match section {
                $(stringify!($s) => file.$s.get(index).map(|x| x.pos),)*
                _ => None,
            }
        };
    }
    let item = items!(
        prefix_lists,
        vpcs,
        subnets,
        route_tables,
        network_acls,
        security_groups,
        instances,
        network_interfaces,
        internet_gateways,
        egress_only_internet_gateways,
        nat_gateways,
        load_balancers,
        target_groups,
        vpc_endpoints,
        peering_connections,
        transit_gateways,
        vpn_gateways,
        customer_gateways,
        vpn_connections,
        on_prem_networks,
        gaps
    )
    .unwrap_or_default();
    let Some((field, k)) = elem else {
        return item;
    };
    let inner = match (section, field) {
        ("security_groups", "ingress") => file
            .security_groups
            .get(index)
            .and_then(|g| g.ingress.get(k))
            .map(|r| r.pos),
        ("security_groups", "egress") => file
            .security_groups
            .get(index)
            .and_then(|g| g.egress.get(k))
            .map(|r| r.pos),
        ("network_acls", "ingress") => file
            .network_acls
            .get(index)
            .and_then(|g| g.ingress.get(k))
            .map(|r| r.pos),
        ("network_acls", "egress") => file
            .network_acls
            .get(index)
            .and_then(|g| g.egress.get(k))
            .map(|r| r.pos),
        ("route_tables", "routes") => file
            .route_tables
            .get(index)
            .and_then(|t| t.routes.get(k))
            .map(|r| r.pos),
        ("network_interfaces", "security_groups") => file
            .network_interfaces
            .get(index)
            .and_then(|e| e.security_groups.get(k))
            .map(|r| r.pos),
        _ => None,
    };
    inner.filter(|p| !p.is_unknown()).unwrap_or(item)
}

/// Every change of `head` against `base`, in file order (sections in the
/// order of the format, resources and elements in HEAD's order, removed
/// ones after).
pub fn candidates(
    base: &TopologyFile,
    head: &TopologyFile,
    head_topo: &Topology,
) -> Vec<Candidate> {
    let (Ok(Value::Object(b)), Ok(Value::Object(h))) =
        (serde_json::to_value(base), serde_json::to_value(head))
    else {
        return Vec::new();
    };
    let loc = |pos: Pos| pos_location(head_topo, pos);
    let mut out = Vec::new();
    let mut keys: Vec<&String> = h.keys().collect();
    keys.extend(b.keys().filter(|k| !h.contains_key(*k)));
    for key in keys {
        let (bv, hv) = (b.get(key), h.get(key));
        if bv == hv {
            continue;
        }
        let (Some(bl), Some(hl)) = (resource_list(bv), resource_list(hv)) else {
            out.push(Candidate {
                cause: Cause {
                    kind: "setting".to_owned(),
                    resource: key.clone(),
                    change: "changed".to_owned(),
                    aws_id: None,
                    location: None,
                },
                edit: Edit::Key {
                    key: key.clone(),
                    base: bv.cloned(),
                },
            });
            continue;
        };
        let kind = kind_of(key);
        for (i, hi) in hl.iter().enumerate() {
            let name = name_of(hi);
            let cause = |change: String, pos: Pos| Cause {
                kind: kind.clone(),
                resource: name.clone(),
                change,
                aws_id: aws_id_of(hi),
                location: loc(pos),
            };
            let Some(bi) = bl.iter().find(|x| name_of(x) == name) else {
                out.push(Candidate {
                    cause: cause("added".to_owned(), position(head, key, i, None)),
                    edit: Edit::RemoveItem {
                        section: key.clone(),
                        index: i,
                    },
                });
                continue;
            };
            if bi == hi {
                continue;
            }
            let (Some(bo), Some(ho)) = (bi.as_object(), hi.as_object()) else {
                continue;
            };
            let mut fields = Vec::new();
            let mut names: Vec<&String> = ho.keys().collect();
            names.extend(bo.keys().filter(|k| !ho.contains_key(*k)));
            for f in names {
                let (bf, hf) = (bo.get(f), ho.get(f));
                if bf == hf {
                    continue;
                }
                let as_list = |v: Option<&Value>| match v {
                    Some(Value::Array(a)) => Some(a.clone()),
                    None | Some(Value::Null) => Some(Vec::new()),
                    _ => None,
                };
                match (as_list(bf), as_list(hf)) {
                    (Some(ba), Some(ha))
                        if bf.is_some_and(Value::is_array) || hf.is_some_and(Value::is_array) =>
                    {
                        let (added, removed) = unmatched(&ba, &ha);
                        let n = added.len().min(removed.len());
                        // An element edited in place (a rule's port changed)
                        // is one change: reverting only its removal or only
                        // its addition would rarely load (two routes to one
                        // destination).
                        for (&k, old) in added.iter().zip(&removed).take(n) {
                            out.push(Candidate {
                                cause: cause(
                                    format!(
                                        "{} changed: {} → {}",
                                        element_of(f),
                                        compact(old),
                                        compact(&ha[k])
                                    ),
                                    position(head, key, i, Some((f, k))),
                                ),
                                edit: Edit::ReplaceElem {
                                    section: key.clone(),
                                    index: i,
                                    field: f.clone(),
                                    elem: k,
                                    value: (*old).clone(),
                                },
                            });
                        }
                        for &k in &added[n..] {
                            out.push(Candidate {
                                cause: cause(
                                    format!("{} added: {}", element_of(f), compact(&ha[k])),
                                    position(head, key, i, Some((f, k))),
                                ),
                                edit: Edit::RemoveElem {
                                    section: key.clone(),
                                    index: i,
                                    field: f.clone(),
                                    elem: k,
                                },
                            });
                        }
                        for e in &removed[n..] {
                            out.push(Candidate {
                                cause: cause(
                                    format!("{} removed: {}", element_of(f), compact(e)),
                                    position(head, key, i, None),
                                ),
                                edit: Edit::AddElem {
                                    section: key.clone(),
                                    index: i,
                                    field: f.clone(),
                                    value: (*e).clone(),
                                },
                            });
                        }
                    }
                    _ => fields.push((f.clone(), bf.cloned())),
                }
            }
            if !fields.is_empty() {
                let list: Vec<String> = fields.iter().map(|(f, _)| format!("`{f}`")).collect();
                out.push(Candidate {
                    cause: cause(
                        format!("changed {}", list.join(", ")),
                        position(head, key, i, None),
                    ),
                    edit: Edit::Fields {
                        section: key.clone(),
                        index: i,
                        fields,
                    },
                });
            }
        }
        for bi in &bl {
            let name = name_of(bi);
            if hl.iter().any(|x| name_of(x) == name) {
                continue;
            }
            out.push(Candidate {
                cause: Cause {
                    kind: kind.clone(),
                    resource: name,
                    change: "removed".to_owned(),
                    aws_id: aws_id_of(bi),
                    location: None,
                },
                edit: Edit::AddItem {
                    section: key.clone(),
                    value: bi.clone(),
                },
            });
        }
    }
    out
}

/// `head` (as JSON) with one candidate reverted.
fn reverted(head: &Map<String, Value>, edit: &Edit) -> Map<String, Value> {
    let mut h = head.clone();
    match edit {
        Edit::Key { key, base } => match base {
            Some(v) => {
                h.insert(key.clone(), v.clone());
            }
            None => {
                h.remove(key);
            }
        },
        Edit::RemoveItem { section, index } => {
            if let Some(a) = h.get_mut(section).and_then(Value::as_array_mut)
                && *index < a.len()
            {
                a.remove(*index);
            }
        }
        Edit::AddItem { section, value } => {
            let list = h
                .entry(section.clone())
                .or_insert_with(|| Value::Array(Vec::new()));
            if !list.is_array() {
                *list = Value::Array(Vec::new());
            }
            if let Some(a) = list.as_array_mut() {
                a.push(value.clone());
            }
        }
        Edit::Fields {
            section,
            index,
            fields,
        } => {
            if let Some(o) = item_mut(&mut h, section, *index) {
                for (f, v) in fields {
                    match v {
                        Some(v) => {
                            o.insert(f.clone(), v.clone());
                        }
                        None => {
                            o.remove(f);
                        }
                    }
                }
            }
        }
        Edit::RemoveElem {
            section,
            index,
            field,
            elem,
        } => {
            if let Some(a) = item_mut(&mut h, section, *index)
                .and_then(|o| o.get_mut(field))
                .and_then(Value::as_array_mut)
                && *elem < a.len()
            {
                a.remove(*elem);
            }
        }
        Edit::ReplaceElem {
            section,
            index,
            field,
            elem,
            value,
        } => {
            if let Some(slot) = item_mut(&mut h, section, *index)
                .and_then(|o| o.get_mut(field))
                .and_then(Value::as_array_mut)
                .and_then(|a| a.get_mut(*elem))
            {
                *slot = value.clone();
            }
        }
        Edit::AddElem {
            section,
            index,
            field,
            value,
        } => {
            if let Some(o) = item_mut(&mut h, section, *index) {
                let list = o
                    .entry(field.clone())
                    .or_insert_with(|| Value::Array(Vec::new()));
                if !list.is_array() {
                    *list = Value::Array(Vec::new());
                }
                if let Some(a) = list.as_array_mut() {
                    a.push(value.clone());
                }
            }
        }
    }
    h
}

fn item_mut<'a>(
    h: &'a mut Map<String, Value>,
    section: &str,
    index: usize,
) -> Option<&'a mut Map<String, Value>> {
    h.get_mut(section)
        .and_then(Value::as_array_mut)
        .and_then(|a| a.get_mut(index))
        .and_then(Value::as_object_mut)
}

/// HEAD with `c` reverted, loaded; `None` when the loader rejects it.
fn load_reverted(head: &Map<String, Value>, c: &Candidate, name: &str) -> Option<Topology> {
    let v = Value::Object(reverted(head, &c.edit));
    let yaml = serde_saphyr::to_string(&v).ok()?;
    crate::model::load_str(&yaml, name).ok()
}

/// The causes of each changed pair: for `pairs[i]`, the candidates whose
/// revert shrinks its opened set, and those whose revert shrinks its
/// closed set.
///
/// A pair's set on a reverted HEAD depends only on the flows of the
/// origins of its source endpoint, so only those are propagated, unless an
/// endpoint may have been renamed (then which origins those are depends on
/// every flow, [`renames_possible`]) or `whole` asks for the reference
/// computation. Candidates are reverted in parallel; the causes keep the
/// candidates' order.
pub fn attribute(
    base: &SideReach<'_>,
    head_json: &TopologyFile,
    cands: &[Candidate],
    pairs: &[super::PairDelta],
    whole: bool,
) -> Vec<(Vec<Cause>, Vec<Cause>)> {
    let mut out = vec![(Vec::new(), Vec::new()); pairs.len()];
    let Ok(Value::Object(head)) = serde_json::to_value(head_json) else {
        return out;
    };
    let sources: BTreeSet<Key> = pairs.iter().map(|p| p.source.clone()).collect();
    let shrunk: Vec<Option<Vec<(bool, bool)>>> = cands
        .par_iter()
        .map(|c| {
            let topo = load_reverted(&head, c, "reverted.yaml")?;
            let engine = Engine::new(&topo);
            let h = if whole || renames_possible(base.topo, &topo) {
                let mut h = side_reach(&engine);
                match_ids(base, &mut h);
                h
            } else {
                side_reach_of(&engine, Some(&sources))
            };
            let stand_ins = StandIns::of(base.topo, &topo);
            let shrinks = |now: &HeaderSet, reverted: HeaderSet| {
                !now.is_empty() && !now.subtract(&reverted).is_empty()
            };
            Some(
                pairs
                    .iter()
                    .map(|p| {
                        let pair: (Key, Key) = (p.source.clone(), p.destination.clone());
                        let sb = base.set(&pair);
                        let sh = stand_ins.to_base(&h.set(&pair));
                        (
                            shrinks(&p.opened, sh.subtract(&sb)),
                            shrinks(&p.closed, sb.subtract(&sh)),
                        )
                    })
                    .collect(),
            )
        })
        .collect();
    for (c, s) in cands.iter().zip(shrunk) {
        for (i, (opened, closed)) in s.into_iter().flatten().enumerate() {
            if opened {
                out[i].0.push(c.cause.clone());
            }
            if closed {
                out[i].1.push(c.cause.clone());
            }
        }
    }
    out
}
