//! Differential reachability (`netverify diff BASE HEAD`): what a change
//! opens and closes, as complete header sets per pair of endpoints, and how
//! the checks' verdicts move.
//!
//! Each side's engine propagates the whole header space from every origin
//! (the internet, every on-prem network, every network interface). The
//! delivered sets are grouped per (source, destination) endpoint, matched
//! across the sides by kind and name (or AWS id when the names differ), and
//! subtracted: header sets are sets of packet headers, independent of the
//! topology, so the two sides' sets compare directly.
//!
//! Fail closed: packets whose fate a side cannot decide, and missing data
//! a changed path relies on or that could add paths, are reported as
//! `unknown`, never left out.

pub mod cause;
pub mod intent;

use std::collections::{BTreeMap, BTreeSet};

use rayon::prelude::*;

use crate::checks::REGISTRY;
use crate::engine::exposure::packet_view;
use crate::engine::{End, Engine, Flow, Origin, Reach, explain, summarize_flows};
use std::net::IpAddr;

use crate::hs::{DST, HeaderSet, IntervalSet, Packet, SRC, decode, encode};
use crate::model::format::TopologyFile;
use crate::model::{EniId, EniOwner, OnPremVia, PublicIp, Topology, auto_public_ip};
use crate::query::gaps::{could_widen, ends, relied_on, relied_reason, widen_reason};
use crate::report::diff::{
    Cause, CheckDelta, DiffEndpoint, DiffFinding, DiffReport, FlowChange, UnknownChange,
};
use crate::report::{FindingKind, Witness};

/// An endpoint's identity across the sides: its kind and name.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Key {
    pub kind: &'static str,
    pub name: String,
}

impl Key {
    fn new(kind: &'static str, name: &str) -> Key {
        Key {
            kind,
            name: name.to_owned(),
        }
    }
}

/// The endpoint a network interface stands for, with its AWS id: an
/// instance's interfaces are the instance (as in `exposed`).
pub fn eni_key(topo: &Topology, e: EniId) -> (Key, Option<String>) {
    let eni = &topo.enis[e];
    let (kind, meta) = match &eni.owner {
        EniOwner::Workload => match eni.instance {
            Some(i) => ("instance", &topo.instances[i].meta),
            None => ("network-interface", &eni.meta),
        },
        EniOwner::Nat(n) => ("nat-gateway", &topo.nats[*n].meta),
        EniOwner::LoadBalancer(lb) => ("load-balancer", &topo.load_balancers[*lb].meta),
        EniOwner::Endpoint(ep) => ("interface-endpoint", &topo.endpoints[*ep].meta),
        EniOwner::TransitGateway => ("transit-gateway-attachment", &eni.meta),
        EniOwner::Service(_) => ("service", &eni.meta),
    };
    (Key::new(kind, &meta.name), meta.aws_id.clone())
}

/// The endpoint packets from `origin` come from.
pub fn source_key(topo: &Topology, origin: Origin) -> (Key, Option<String>) {
    match origin {
        Origin::Internet => (Key::new("internet", ""), None),
        Origin::OnPrem(n) => {
            let m = &topo.hybrid.on_prem[n].meta;
            (Key::new("on-prem", &m.name), m.aws_id.clone())
        }
        Origin::Eni(e) => eni_key(topo, e),
    }
}

fn via_meta(topo: &Topology, via: OnPremVia) -> &crate::model::Meta {
    match via {
        OnPremVia::Vpn(v) => &topo.hybrid.vpns[v].meta,
        OnPremVia::Vif(v) => &topo.hybrid.vifs[v].meta,
    }
}

/// The endpoint a flow ending at `end` reaches; `None` when the end is
/// unknown.
pub fn end_key(topo: &Topology, end: &End) -> Option<(Key, Option<String>)> {
    match end {
        End::Delivered(e) => Some(eni_key(topo, *e)),
        End::Internet => Some((Key::new("internet", ""), None)),
        End::Endpoint(i) => {
            let m = &topo.endpoints[*i].meta;
            Some((Key::new("gateway-endpoint", &m.name), m.aws_id.clone()))
        }
        End::OnPrem(via) => {
            let m = via_meta(topo, *via);
            Some((Key::new("on-prem-connection", &m.name), m.aws_id.clone()))
        }
        End::Unknown(_) => None,
    }
}

/// Every origin of a topology: the internet, each on-prem network, each
/// network interface except those of NAT gateways and transit gateway
/// attachments, which only forward what others send (their packets are
/// in the flows of the senders).
pub fn origins(topo: &Topology) -> Vec<Origin> {
    let mut v = vec![Origin::Internet];
    v.extend(topo.hybrid.on_prem.keys().map(Origin::OnPrem));
    v.extend(
        (0..topo.enis.len())
            .filter(|&e| {
                !matches!(
                    topo.enis[e].owner,
                    EniOwner::Nat(_) | EniOwner::TransitGateway
                )
            })
            .map(Origin::Eni),
    );
    v
}

/// What an origin sends: an interface its own addresses (what it sends as
/// itself; what it forwards for others is in their flows), the internet
/// and on-prem networks every header (the engine keeps what they can send).
pub fn origin_set(engine: &Engine<'_>, origin: Origin) -> HeaderSet {
    match origin {
        Origin::Eni(e) => HeaderSet::universe().restrict(SRC, engine.eni_addrs(e)),
        Origin::Internet | Origin::OnPrem(_) => HeaderSet::universe(),
    }
}

/// The stand-in addresses of auto-assigned public IPv4s depend on the
/// interface's position in its file (see [`auto_public_ip`]): HEAD's are
/// mapped to BASE's for the interface of the same name (or AWS id), and
/// those of new interfaces to stand-ins no BASE interface uses, so that the
/// two sides' sets compare.
#[derive(Debug, Clone, Default)]
pub struct StandIns {
    /// (HEAD address, BASE address), encoded.
    map: Vec<(u128, u128)>,
}

impl StandIns {
    fn of(base: &Topology, head: &Topology) -> StandIns {
        let mut map = Vec::new();
        for (e, eni) in head.enis.iter().enumerate() {
            let b = base.enis.iter().position(|x| {
                x.meta.name == eni.meta.name
                    || (x.meta.aws_id.is_some() && x.meta.aws_id == eni.meta.aws_id)
            });
            for (k, ip) in eni.private_ips.iter().enumerate() {
                if !matches!(ip.public, Some(PublicIp::Auto)) {
                    continue;
                }
                let to = match b {
                    Some(b) => auto_public_ip(b, k),
                    None => auto_public_ip(base.enis.len() + e, k),
                };
                map.push((
                    encode(IpAddr::V4(auto_public_ip(e, k))),
                    encode(IpAddr::V4(to)),
                ));
            }
        }
        // Complete the mapping to a permutation of the stand-ins: an
        // address that only BASE uses goes to one that only HEAD used, so
        // that no packet is lost or doubled.
        let from: BTreeSet<u128> = map.iter().map(|p| p.0).collect();
        let to: BTreeSet<u128> = map.iter().map(|p| p.1).collect();
        let back: Vec<(u128, u128)> = to
            .difference(&from)
            .copied()
            .zip(from.difference(&to).copied())
            .collect();
        map.extend(back);
        map.retain(|(h, b)| h != b);
        StandIns { map }
    }

    fn apply(&self, set: &HeaderSet, inverse: bool) -> HeaderSet {
        if self.map.is_empty() {
            return set.clone();
        }
        // Only destinations: the stand-ins are where packets go; as
        // sources they are internet addresses, the same on both sides.
        let dim = DST;
        let froms = IntervalSet::from_ranges(
            self.map
                .iter()
                .map(|&(h, b)| if inverse { (b, b) } else { (h, h) })
                .collect(),
        );
        let mut out = set.subtract(&HeaderSet::universe().restrict(dim, &froms));
        for &(h, b) in &self.map {
            let (from, to) = if inverse { (b, h) } else { (h, b) };
            let part = set.restrict(dim, &IntervalSet::point(from));
            if !part.is_empty() {
                out.append(part.set_dim(dim, &IntervalSet::point(to)));
            }
        }
        out
    }

    /// A HEAD packet in BASE's coordinates.
    pub fn packet_to_base(&self, p: &Packet) -> Packet {
        self.packet(p, false)
    }

    /// A packet in BASE's coordinates in HEAD's.
    pub fn packet_to_head(&self, p: &Packet) -> Packet {
        self.packet(p, true)
    }

    fn packet(&self, p: &Packet, inverse: bool) -> Packet {
        let map = |a: IpAddr| {
            let v = encode(a);
            let hit = self
                .map
                .iter()
                .map(|&(h, b)| if inverse { (b, h) } else { (h, b) })
                .find(|&(from, _)| from == v);
            match hit {
                Some((_, to)) => decode(to, a.is_ipv4()),
                None => a,
            }
        };
        Packet {
            dst: map(p.dst),
            ..*p
        }
    }

    /// A HEAD set in BASE's coordinates.
    pub fn to_base(&self, set: &HeaderSet) -> HeaderSet {
        self.apply(set, false)
    }

    /// A set in BASE's coordinates back in HEAD's.
    pub fn to_head(&self, set: &HeaderSet) -> HeaderSet {
        self.apply(set, true)
    }
}

/// One side's reach, grouped by endpoints.
pub struct SideReach<'t> {
    pub topo: &'t Topology,
    /// Per (source, destination): the flows, with the origin that sent them.
    /// After [`delta`], only the pairs whose sets differ between the sides
    /// (the flows of the others are not kept).
    pub pairs: BTreeMap<(Key, Key), Vec<(Origin, Flow)>>,
    /// Per source: the flows whose end the engine could not decide.
    pub unknown: BTreeMap<Key, Vec<(Origin, Flow)>>,
    /// Every endpoint of the side, with its AWS id.
    pub ids: BTreeMap<Key, Option<String>>,
    /// The reasons of the missing data that some delivered flow of the side
    /// relies on ([`relied_on`]), over every pair.
    pub relied: BTreeSet<String>,
}

impl SideReach<'_> {
    fn new(topo: &Topology) -> SideReach<'_> {
        SideReach {
            topo,
            pairs: BTreeMap::new(),
            unknown: BTreeMap::new(),
            ids: BTreeMap::new(),
            relied: BTreeSet::new(),
        }
    }

    /// The packets the side delivers from `src` to `dst`.
    pub fn set(&self, pair: &(Key, Key)) -> HeaderSet {
        flows_set(self.pairs.get(pair).map(Vec::as_slice).unwrap_or_default())
    }

    fn rename(&mut self, from: &Key, to: &Key) {
        let moved: Vec<(Key, Key)> = self
            .pairs
            .keys()
            .filter(|(s, d)| s == from || d == from)
            .cloned()
            .collect();
        for k in moved {
            if let Some(v) = self.pairs.remove(&k) {
                let swap = |x: Key| if &x == from { to.clone() } else { x };
                self.pairs
                    .entry((swap(k.0), swap(k.1)))
                    .or_default()
                    .extend(v);
            }
        }
        if let Some(v) = self.unknown.remove(from) {
            self.unknown.entry(to.clone()).or_default().extend(v);
        }
        if let Some(id) = self.ids.remove(from) {
            self.ids.insert(to.clone(), id);
        }
    }
}

/// The union of the flows' sets, coalesced.
fn flows_set(flows: &[(Origin, Flow)]) -> HeaderSet {
    let mut s = HeaderSet::empty();
    for (_, f) in flows {
        s.append(f.set.clone());
    }
    s.into_coalesced()
}

/// An endpoint with its AWS id.
type Named = (Key, Option<String>);
/// The endpoints one origin's flows reach, with the origin's position in
/// [`origins`].
type OriginIds = (usize, Vec<Named>);
/// Origins with their positions in [`origins`].
type Positioned = Vec<(usize, Origin)>;

/// The reach of one source endpoint on one side: its origins' flows in
/// origin order, split by destination endpoint, and the endpoints (with
/// their AWS ids) each origin's flows end at, for [`SideReach::ids`].
#[derive(Default)]
struct SourceReach {
    pairs: BTreeMap<Key, Vec<(Origin, Flow)>>,
    unknown: Vec<(Origin, Flow)>,
    /// Per origin (its position in [`origins`]): the destinations in the
    /// order its flows reach them.
    dst_ids: Vec<OriginIds>,
    relied: BTreeSet<String>,
}

/// Propagates the whole header space from `origins` (`(position, origin)`,
/// all of one source endpoint) and groups the flows by destination.
fn source_reach(engine: &Engine<'_>, origins: &[(usize, Origin)]) -> SourceReach {
    group_flows(engine.topo, raw_reach(engine, origins))
}

/// Each origin's reach of the whole header space (what it sends).
fn raw_reach(engine: &Engine<'_>, origins: &[(usize, Origin)]) -> Vec<(usize, Origin, Reach)> {
    origins
        .iter()
        .map(|&(i, o)| (i, o, engine.reach(o, &origin_set(engine, o))))
        .collect()
}

/// Origins' flows grouped by destination endpoint of `topo`.
fn group_flows(topo: &Topology, raw: Vec<(usize, Origin, Reach)>) -> SourceReach {
    let mut out = SourceReach::default();
    for (i, o, r) in raw {
        let mut ids = Vec::new();
        for f in r.flows {
            match end_key(topo, &f.end) {
                Some((dst, id)) => {
                    for g in relied_on(topo, Some(o), &f) {
                        out.relied.insert(relied_reason(topo, g));
                    }
                    ids.push((dst.clone(), id));
                    out.pairs.entry(dst).or_default().push((o, f));
                }
                None => out.unknown.push((o, f)),
            }
        }
        out.dst_ids.push((i, ids));
    }
    out
}

/// Adds a source endpoint's reach to `side`: its unknown flows, relied-on
/// reasons and endpoint ids (the pairs are the caller's).
fn absorb(side: &mut SideReach<'_>, src: &Key, r: &mut SourceReach) {
    if !r.unknown.is_empty() {
        side.unknown
            .entry(src.clone())
            .or_default()
            .append(&mut r.unknown);
    }
    side.relied.append(&mut r.relied);
}

/// Endpoint ids as [`side_reach`] records them: every source first (the
/// last origin of a key wins), then each destination the first time a flow
/// reaches it, in origin order.
fn record_ids(side: &mut SideReach<'_>, all: &[Origin], mut dst_ids: Vec<OriginIds>) {
    for &o in all {
        let (k, id) = source_key(side.topo, o);
        side.ids.insert(k, id);
    }
    dst_ids.sort_by_key(|(i, _)| *i);
    for (_, ids) in dst_ids {
        for (k, id) in ids {
            side.ids.entry(k).or_insert(id);
        }
    }
}

/// Propagates the whole header space from every origin of `engine`'s
/// topology and groups the flows by endpoints.
pub fn side_reach<'t>(engine: &Engine<'t>) -> SideReach<'t> {
    side_reach_of(engine, None)
}

/// [`side_reach`] from the origins whose source endpoint is in `sources`
/// (all of them for `None`); the ids are those of the origins propagated.
fn side_reach_of<'t>(engine: &Engine<'t>, sources: Option<&BTreeSet<Key>>) -> SideReach<'t> {
    let topo = engine.topo;
    let all = origins(topo);
    let mut by_key: BTreeMap<Key, Vec<(usize, Origin)>> = BTreeMap::new();
    for (i, &o) in all.iter().enumerate() {
        let k = source_key(topo, o).0;
        if sources.is_none_or(|s| s.contains(&k)) {
            by_key.entry(k).or_default().push((i, o));
        }
    }
    let keys: Vec<(Key, Vec<(usize, Origin)>)> = by_key.into_iter().collect();
    let reaches: Vec<SourceReach> = keys
        .par_iter()
        .map(|(_, os)| source_reach(engine, os))
        .collect();
    let mut side = SideReach::new(topo);
    let mut dst_ids = Vec::new();
    let mut kept: Vec<(usize, Origin)> =
        keys.iter().flat_map(|(_, os)| os.iter().copied()).collect();
    kept.sort_by_key(|p| p.0);
    for ((src, _), mut r) in keys.into_iter().zip(reaches) {
        absorb(&mut side, &src, &mut r);
        dst_ids.append(&mut r.dst_ids);
        for (dst, flows) in r.pairs {
            side.pairs.insert((src.clone(), dst), flows);
        }
    }
    let in_order: Vec<Origin> = kept.into_iter().map(|p| p.1).collect();
    record_ids(&mut side, &in_order, dst_ids);
    side
}

/// Every endpoint a flow of `topo` could start or end at, with its AWS id:
/// the source of every origin, every interface, gateway endpoint and
/// on-prem connection, and the internet.
fn possible_endpoints(topo: &Topology) -> Vec<(Key, Option<String>)> {
    let mut out: Vec<(Key, Option<String>)> = origins(topo)
        .into_iter()
        .map(|o| source_key(topo, o))
        .collect();
    let mut ends: Vec<End> = vec![End::Internet];
    ends.extend((0..topo.enis.len()).map(End::Delivered));
    ends.extend((0..topo.endpoints.len()).map(End::Endpoint));
    ends.extend(
        topo.hybrid
            .vpns
            .keys()
            .map(|v| End::OnPrem(OnPremVia::Vpn(v))),
    );
    ends.extend(
        topo.hybrid
            .vifs
            .keys()
            .map(|v| End::OnPrem(OnPremVia::Vif(v))),
    );
    out.extend(ends.iter().filter_map(|e| end_key(topo, e)));
    out
}

/// Records the ids of the destinations `reached` that are not sources.
fn reached_ids(
    side: &mut SideReach<'_>,
    reached: BTreeSet<Key>,
    ids: &BTreeMap<Key, Option<String>>,
) {
    for k in reached {
        let id = ids.get(&k).cloned().flatten();
        side.ids.entry(k).or_insert(id);
    }
}

/// Every endpoint `topo` could name with its AWS id, or `None` when one
/// endpoint could carry two ids (then the id [`side_reach`] records depends
/// on which flow reaches it first).
fn endpoint_ids(topo: &Topology) -> Option<BTreeMap<Key, Option<String>>> {
    let mut out: BTreeMap<Key, Option<String>> = BTreeMap::new();
    for (k, id) in possible_endpoints(topo) {
        match out.get(&k) {
            Some(x) if *x != id => return None,
            Some(_) => {}
            None => {
                out.insert(k, id);
            }
        }
    }
    Some(out)
}

/// False when [`match_ids`] surely renames nothing, whatever the two sides'
/// flows: no endpoint `head` could name has the kind and AWS id of another
/// endpoint `base` could name. (A rename needs an endpoint of HEAD and a
/// different one of BASE with the same kind and non-empty AWS id.)
fn renames_possible(base: &Topology, head: &Topology) -> bool {
    let mut by_id: BTreeMap<(&'static str, String), BTreeSet<String>> = BTreeMap::new();
    for (k, id) in possible_endpoints(base) {
        if let Some(id) = id.filter(|i| !i.is_empty()) {
            by_id.entry((k.kind, id)).or_default().insert(k.name);
        }
    }
    possible_endpoints(head).into_iter().any(|(k, id)| {
        id.and_then(|id| by_id.get(&(k.kind, id)))
            .is_some_and(|names| names.iter().any(|n| *n != k.name))
    })
}

/// Renames HEAD's endpoints that BASE knows under another name with the
/// same kind and AWS id, so that a renamed resource is not a new one.
fn match_ids(base: &SideReach<'_>, head: &mut SideReach<'_>) -> BTreeMap<Key, Key> {
    let mut by_id: BTreeMap<(&'static str, &str), &Key> = BTreeMap::new();
    for (k, id) in &base.ids {
        if let Some(id) = id.as_deref().filter(|i| !i.is_empty())
            && !head.ids.contains_key(k)
        {
            by_id.insert((k.kind, id), k);
        }
    }
    let renames: Vec<(Key, Key)> = head
        .ids
        .iter()
        .filter(|(k, _)| !base.ids.contains_key(*k))
        .filter_map(|(k, id)| {
            let id = id.as_deref()?;
            by_id.get(&(k.kind, id)).map(|b| (k.clone(), (*b).clone()))
        })
        .collect();
    for (from, to) in &renames {
        head.rename(from, to);
    }
    renames.into_iter().collect()
}

/// The change between two endpoints, as header sets.
#[derive(Debug, Clone)]
pub struct PairDelta {
    pub source: Key,
    pub destination: Key,
    /// Delivered on HEAD, not on BASE.
    pub opened: HeaderSet,
    /// Delivered on BASE, not on HEAD.
    pub closed: HeaderSet,
}

/// Both sides' reach and the pairs whose delivered sets differ.
pub struct Delta<'b, 'h> {
    pub base: SideReach<'b>,
    pub head: SideReach<'h>,
    pub pairs: Vec<PairDelta>,
    /// HEAD's endpoints that the diff knows by their BASE key (same kind
    /// and AWS id, another name).
    pub renames: BTreeMap<Key, Key>,
    /// HEAD's stand-in addresses in BASE's coordinates.
    pub stand_ins: StandIns,
}

/// The difference of one pair's flows on the two sides, `None` when the
/// sides deliver the same packets. With `shortcut`, flows whose sets are
/// the same cube for cube on both sides are not compared as sets.
fn pair_delta(
    stand_ins: &StandIns,
    pair: &(Key, Key),
    on_base: &[(Origin, Flow)],
    on_head: &[(Origin, Flow)],
    shortcut: bool,
) -> Option<PairDelta> {
    // The same sets cube for cube deliver the same packets.
    if shortcut
        && stand_ins.map.is_empty()
        && on_base.len() == on_head.len()
        && on_base.iter().zip(on_head).all(|(b, h)| b.1.set == h.1.set)
    {
        return None;
    }
    let sb = flows_set(on_base);
    let sh = stand_ins.to_base(&flows_set(on_head));
    let opened = sh.subtract(&sb).into_coalesced();
    let closed = sb.subtract(&sh).into_coalesced();
    (!opened.is_empty() || !closed.is_empty()).then(|| PairDelta {
        source: pair.0.clone(),
        destination: pair.1.clone(),
        opened,
        closed,
    })
}

/// The exact per-pair difference between two engines' reach.
///
/// Source endpoint by source endpoint, both sides' flows are computed,
/// compared and dropped unless the pair changed, so that memory stays that
/// of the changes. When an endpoint may have been renamed (same kind and
/// AWS id, another name, see [`match_ids`]), the names to compare by depend
/// on every flow of both sides, and the sides are computed whole first
/// ([`delta_whole`]).
pub fn delta<'b, 'h>(base: &Engine<'b>, head: &Engine<'h>) -> Delta<'b, 'h> {
    delta_shared(base, head, None)
}

/// [`delta`]; with `watched`, HEAD's engine watching the security groups
/// whose rules are the only difference between the sides
/// ([`rule_only_groups`]): a source endpoint whose HEAD reach never
/// evaluated a watched group ([`Reach::watched`]) read nothing that differs
/// between the sides, so its BASE reach is the same and is not computed
/// again. The internet and on-prem networks are always computed on both
/// sides.
fn delta_shared<'b, 'h>(
    base: &Engine<'b>,
    head: &Engine<'h>,
    watched: Option<&Engine<'h>>,
) -> Delta<'b, 'h> {
    if renames_possible(base.topo, head.topo) {
        return delta_whole(base, head);
    }
    let (Some(id_b), Some(id_h)) = (endpoint_ids(base.topo), endpoint_ids(head.topo)) else {
        return delta_whole(base, head);
    };
    let stand_ins = StandIns::of(base.topo, head.topo);
    let (all_b, all_h) = (origins(base.topo), origins(head.topo));
    // The destinations reached, per side: with one AWS id per endpoint,
    // the ids follow from them (the per-origin lists are not kept).
    let reached = [
        std::sync::Mutex::new(BTreeSet::<Key>::new()),
        std::sync::Mutex::new(BTreeSet::<Key>::new()),
    ];
    let note = |side: usize, r: &mut SourceReach| {
        let keys: BTreeSet<Key> = r
            .dst_ids
            .drain(..)
            .flat_map(|(_, ids)| ids.into_iter().map(|(k, _)| k))
            .collect();
        reached[side]
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .extend(keys);
    };
    let mut by_key: BTreeMap<Key, [Positioned; 2]> = BTreeMap::new();
    for (i, &o) in all_b.iter().enumerate() {
        let k = source_key(base.topo, o).0;
        by_key.entry(k).or_default()[0].push((i, o));
    }
    for (i, &o) in all_h.iter().enumerate() {
        let k = source_key(head.topo, o).0;
        by_key.entry(k).or_default()[1].push((i, o));
    }
    let keys: Vec<(Key, [Positioned; 2])> = by_key.into_iter().collect();
    let compared: Vec<_> = keys
        .par_iter()
        .map(|(src, [ob, oh])| {
            let (mut rb, mut rh) = match watched {
                Some(w) => {
                    let raw = raw_reach(w, oh);
                    let affected = raw
                        .iter()
                        .any(|(_, o, r)| r.watched || !matches!(o, Origin::Eni(_)))
                        || ob.iter().map(|p| p.1).ne(oh.iter().map(|p| p.1));
                    let raw_b = if affected {
                        raw_reach(base, ob)
                    } else {
                        raw.clone()
                    };
                    (group_flows(base.topo, raw_b), group_flows(head.topo, raw))
                }
                None => (source_reach(base, ob), source_reach(head, oh)),
            };
            note(0, &mut rb);
            note(1, &mut rh);
            let dsts: BTreeSet<Key> = rb.pairs.keys().chain(rh.pairs.keys()).cloned().collect();
            let mut changed = Vec::new();
            for dst in dsts {
                let pair = (src.clone(), dst);
                let fb = rb.pairs.remove(&pair.1).unwrap_or_default();
                let fh = rh.pairs.remove(&pair.1).unwrap_or_default();
                if let Some(d) = pair_delta(&stand_ins, &pair, &fb, &fh, true) {
                    changed.push((d, fb, fh));
                }
            }
            (rb, rh, changed)
        })
        .collect();
    let mut b = SideReach::new(base.topo);
    let mut h = SideReach::new(head.topo);
    let mut pairs = Vec::new();
    for ((src, _), (mut rb, mut rh, changed)) in keys.into_iter().zip(compared) {
        absorb(&mut b, &src, &mut rb);
        absorb(&mut h, &src, &mut rh);
        for (d, fb, fh) in changed {
            let pair = (d.source.clone(), d.destination.clone());
            if !fb.is_empty() {
                b.pairs.insert(pair.clone(), fb);
            }
            if !fh.is_empty() {
                h.pairs.insert(pair, fh);
            }
            pairs.push(d);
        }
    }
    let [reached_b, reached_h] = reached.map(|m| {
        m.into_inner()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    });
    record_ids(&mut b, &all_b, Vec::new());
    record_ids(&mut h, &all_h, Vec::new());
    reached_ids(&mut b, reached_b, &id_b);
    reached_ids(&mut h, reached_h, &id_h);
    Delta {
        base: b,
        head: h,
        pairs,
        renames: BTreeMap::new(),
        stand_ins,
    }
}

/// [`delta`] from both sides' whole reach: every flow of both sides is
/// kept. The reference that the streamed [`delta`] must agree with, and
/// its fallback when an endpoint may have been renamed.
pub fn delta_whole<'b, 'h>(base: &Engine<'b>, head: &Engine<'h>) -> Delta<'b, 'h> {
    let b = side_reach(base);
    let mut h = side_reach(head);
    let renames = match_ids(&b, &mut h);
    let stand_ins = StandIns::of(base.topo, head.topo);
    let keys: BTreeSet<&(Key, Key)> = b.pairs.keys().chain(h.pairs.keys()).collect();
    let empty = Vec::new();
    let pairs = keys
        .into_iter()
        .filter_map(|k| {
            let fb = b.pairs.get(k).unwrap_or(&empty);
            let fh = h.pairs.get(k).unwrap_or(&empty);
            pair_delta(&stand_ins, k, fb, fh, false)
        })
        .collect();
    Delta {
        base: b,
        head: h,
        pairs,
        renames,
        stand_ins,
    }
}

/// The flows of `side` between the pair that carry some of `set`.
fn carriers<'a>(
    side: &'a SideReach<'_>,
    pair: &(Key, Key),
    set: &HeaderSet,
) -> Vec<&'a (Origin, Flow)> {
    side.pairs
        .get(pair)
        .map(|fs| {
            fs.iter()
                .filter(|(_, f)| !f.set.intersect(set).is_empty())
                .collect()
        })
        .unwrap_or_default()
}

fn endpoint(side: &SideReach<'_>, key: &Key, enis: &[String]) -> DiffEndpoint {
    DiffEndpoint {
        kind: key.kind.to_owned(),
        name: (key.kind != "internet").then(|| key.name.clone()),
        aws_id: side.ids.get(key).cloned().flatten(),
        interfaces: if key.kind == "instance" {
            enis.to_vec()
        } else {
            Vec::new()
        },
    }
}

fn witness(topo: &Topology, flows: &[&(Origin, Flow)], set: &HeaderSet) -> Option<Witness> {
    let p = set.sample()?;
    let (_, f) = flows.iter().find(|(_, f)| f.set.contains(&p))?;
    let owner = match f.end {
        End::Delivered(e) => Some(e),
        _ => None,
    };
    Some(Witness {
        packet: packet_view(topo, &p, owner),
        path: explain(topo, f, &p),
    })
}

/// The VPCs, and whether the internet, on prem or a service, are at the
/// ends of a pair in `topo` (for the gaps that could widen it).
fn pair_ends(topo: &Topology, pair: &(Key, Key)) -> crate::query::gaps::Ends {
    let mut e = ends();
    for k in [&pair.0, &pair.1] {
        match k.kind {
            "internet" => e.internet = true,
            "on-prem" | "on-prem-connection" => e.on_prem = true,
            "gateway-endpoint" | "interface-endpoint" | "service" => e.service = true,
            _ => {}
        }
        let vpcs: Vec<_> = (0..topo.enis.len())
            .filter(|&x| &eni_key(topo, x).0 == k)
            .map(|x| topo.enis[x].vpc)
            .collect();
        e.add_vpcs(vpcs);
    }
    e
}

/// The summary of `set` (as `who`/`what` print it), one group per set of
/// destination addresses: an interface's public addresses by name, other
/// destinations as CIDRs.
fn summary_by_destination(
    topo: &Topology,
    set: &HeaderSet,
    dst_enis: &BTreeSet<EniId>,
) -> Vec<crate::report::FlowSummary> {
    let mut groups: Vec<(IntervalSet, HeaderSet)> = Vec::new();
    for c in set.cubes() {
        match groups.iter_mut().find(|(d, _)| *d == c.dims[DST]) {
            Some((_, g)) => g.add_cube(c.clone()),
            None => groups.push((c.dims[DST].clone(), HeaderSet::from_cube(c.clone()))),
        }
    }
    let mut out = Vec::new();
    for (dst, g) in groups {
        let g = g.into_coalesced();
        let mut address: Vec<String> = Vec::new();
        if dst_enis.is_empty() {
            address = crate::engine::explain::cidr_texts(topo, &dst);
        } else {
            for &e in dst_enis {
                address.extend(crate::engine::explain::destination_addresses(topo, e, &g));
            }
        }
        for mut f in summarize_flows(topo, &g) {
            f.address = (!address.is_empty()).then(|| address.join(", "));
            out.push(f);
        }
    }
    out
}

/// One reported change: `set` gets through on `through` and not on `other`.
fn change(
    through: &SideReach<'_>,
    other: &SideReach<'_>,
    pair: &(Key, Key),
    set: &HeaderSet,
) -> FlowChange {
    let topo = through.topo;
    let flows = carriers(through, pair, set);
    let mut src_enis = BTreeSet::new();
    let mut dst_enis = BTreeSet::new();
    let mut dst_owners = BTreeSet::new();
    let mut unknown = BTreeSet::new();
    for (o, f) in &flows {
        if let Origin::Eni(e) = o {
            src_enis.insert(topo.enis[*e].meta.name.clone());
        }
        if let End::Delivered(e) = f.end {
            dst_enis.insert(topo.enis[e].meta.name.clone());
            dst_owners.insert(e);
        }
        for g in relied_on(topo, Some(*o), f) {
            unknown.insert(relied_reason(topo, g));
        }
    }
    for g in could_widen(other.topo, &pair_ends(other.topo, pair)) {
        unknown.insert(widen_reason(other.topo, g));
    }
    let summary = summary_by_destination(topo, set, &dst_owners);
    let src: Vec<String> = src_enis.into_iter().collect();
    let dst: Vec<String> = dst_enis.into_iter().collect();
    FlowChange {
        source: endpoint(through, &pair.0, &src),
        destination: endpoint(through, &pair.1, &dst),
        flows: summary,
        witness: witness(topo, &flows, set),
        unknown: unknown.into_iter().collect(),
        causes: Vec::new(),
        violation: None,
    }
}

fn undecided(side: &SideReach<'_>, name: &'static str, out: &mut Vec<UnknownChange>) {
    for (src, flows) in &side.unknown {
        let mut by_reason: BTreeMap<&str, HeaderSet> = BTreeMap::new();
        for (_, f) in flows {
            if let End::Unknown(why) = &f.end {
                by_reason
                    .entry(why.as_str())
                    .or_default()
                    .append(f.set.clone());
            }
        }
        for (why, set) in by_reason {
            out.push(UnknownChange {
                side: name,
                source: Some(endpoint(side, src, &[])),
                reason: why.to_owned(),
                flows: summarize_flows(side.topo, &set.into_coalesced()),
            });
        }
    }
}

/// The missing data of a side that any of its paths relies on, or that
/// could add paths anywhere: a pair that looks unchanged may have changed.
fn gap_unknowns(side: &SideReach<'_>, name: &'static str, out: &mut Vec<UnknownChange>) {
    let topo = side.topo;
    let mut reasons = side.relied.clone();
    let mut anywhere = ends();
    anywhere.anywhere();
    anywhere.internet = true;
    anywhere.on_prem = true;
    anywhere.service = true;
    for g in could_widen(topo, &anywhere) {
        reasons.insert(widen_reason(topo, g));
    }
    out.extend(reasons.into_iter().map(|reason| UnknownChange {
        side: name,
        source: None,
        reason,
        flows: Vec::new(),
    }));
}

fn findings_of(c: &crate::report::CheckResult) -> Vec<DiffFinding> {
    c.findings
        .iter()
        .filter(|f| f.kind != FindingKind::Info)
        .map(|f| DiffFinding {
            kind: match f.kind {
                FindingKind::Violation => "violation",
                FindingKind::Unknown => "unknown",
                FindingKind::Info => "info",
            }
            .to_owned(),
            resource: f.resource.clone(),
            aws_id: f.aws_id.clone(),
            message: f.message.clone(),
        })
        .collect()
}

/// Every check on both sides; findings match by check, resource and
/// message (and kind).
pub fn check_deltas(base: &Engine<'_>, head: &Engine<'_>) -> Vec<CheckDelta> {
    REGISTRY
        .iter()
        .map(|c| {
            let b = (c.run)(base);
            let h = (c.run)(head);
            let fb = findings_of(&b);
            let fh = findings_of(&h);
            CheckDelta {
                id: c.meta.id,
                before: b.verdict,
                after: h.verdict,
                new_findings: fh.iter().filter(|f| !fb.contains(f)).cloned().collect(),
                resolved_findings: fb.iter().filter(|f| !fh.contains(f)).cloned().collect(),
            }
        })
        .collect()
}

/// The security groups (indexes, the same on both sides) whose rules are
/// the only difference between the two topology files `base` and `head`,
/// from which `base_topo` and `head_topo` were resolved: every other
/// setting and resource is the same, in the same order, and so is each
/// group but for its `ingress` and `egress` lists. `None` otherwise (or
/// when nothing differs).
fn rule_only_groups(
    base: &TopologyFile,
    head: &TopologyFile,
    base_topo: &Topology,
    head_topo: &Topology,
) -> Option<Vec<usize>> {
    use serde_json::Value;
    let (Ok(Value::Object(b)), Ok(Value::Object(h))) =
        (serde_json::to_value(base), serde_json::to_value(head))
    else {
        return None;
    };
    const SECTION: &str = "security_groups";
    if b.keys()
        .chain(h.keys())
        .any(|k| k != SECTION && b.get(k) != h.get(k))
    {
        return None;
    }
    fn list<'a>(m: &'a serde_json::Map<String, Value>, empty: &'a [Value]) -> Option<&'a [Value]> {
        match m.get(SECTION) {
            None | Some(Value::Null) => Some(empty),
            Some(Value::Array(a)) => Some(a),
            Some(_) => None,
        }
    }
    let (bl, hl) = (list(&b, &[])?, list(&h, &[])?);
    if bl.len() != hl.len()
        || base_topo.security_groups.len() != bl.len()
        || head_topo.security_groups.len() != hl.len()
    {
        return None;
    }
    let rules = ["ingress", "egress"];
    let mut changed = Vec::new();
    for (i, (bg, hg)) in bl.iter().zip(hl).enumerate() {
        let (Value::Object(bo), Value::Object(ho)) = (bg, hg) else {
            return None;
        };
        let others_differ = bo
            .keys()
            .chain(ho.keys())
            .any(|k| !rules.contains(&k.as_str()) && bo.get(k) != ho.get(k));
        let name = bo.get("name").and_then(Value::as_str)?;
        if others_differ
            || base_topo.security_groups[i].meta.name != name
            || head_topo.security_groups[i].meta.name != name
        {
            return None;
        }
        if rules.iter().any(|k| bo.get(*k) != ho.get(*k)) {
            changed.push(i);
        }
    }
    (!changed.is_empty()).then_some(changed)
}

/// The whole diff of two topologies, without attribution.
pub fn diff(base: &Engine<'_>, head: &Engine<'_>) -> DiffReport {
    diff_with(base, head, None)
}

/// The whole diff of two topologies; given the two sides' topology files
/// (`(base, head)`), each change also gets its causes ([`cause`]).
pub fn diff_with(
    base: &Engine<'_>,
    head: &Engine<'_>,
    files: Option<(&TopologyFile, &TopologyFile)>,
) -> DiffReport {
    diff_by(base, head, files, false)
}

/// [`diff_with`] the straightforward way: both sides' whole reach kept
/// ([`delta_whole`]) and every reverted HEAD's whole reach computed. The
/// reference the tests compare [`diff_with`] with; same answer, slower.
#[doc(hidden)]
pub fn diff_with_whole(
    base: &Engine<'_>,
    head: &Engine<'_>,
    files: Option<(&TopologyFile, &TopologyFile)>,
) -> DiffReport {
    diff_by(base, head, files, true)
}

fn diff_by(
    base: &Engine<'_>,
    head: &Engine<'_>,
    files: Option<(&TopologyFile, &TopologyFile)>,
    whole: bool,
) -> DiffReport {
    let shared = match files {
        Some((bf, hf)) if !whole && base.same_reading(head) => {
            rule_only_groups(bf, hf, base.topo, head.topo).map(|g| head.watching(&g))
        }
        _ => None,
    };
    let d = if whole {
        delta_whole(base, head)
    } else {
        delta_shared(base, head, shared.as_ref())
    };
    let mut notes = Vec::new();
    let causes = match files {
        Some((bf, hf)) if !d.pairs.is_empty() => {
            let cands = cause::candidates(bf, hf, head.topo);
            if cands.len() > cause::MAX_CANDIDATES {
                notes.push(format!(
                    "attribution skipped: {} changed resources and rules (at most {} are reverted one by one)",
                    cands.len(),
                    cause::MAX_CANDIDATES
                ));
                Vec::new()
            } else {
                cause::attribute(&d.base, hf, &cands, &d.pairs, whole)
            }
        }
        _ => Vec::new(),
    };
    let expects = intent::expects(head.topo);
    let mut opened = Vec::new();
    let mut closed = Vec::new();
    for (i, p) in d.pairs.iter().enumerate() {
        let pair = (p.source.clone(), p.destination.clone());
        if !p.opened.is_empty() {
            let set = d.stand_ins.to_head(&p.opened);
            let mut c = change(&d.head, &d.base, &pair, &set);
            c.violation =
                intent::opened_violation(head, &expects, &carriers(&d.head, &pair, &set), &set);
            c.causes = causes.get(i).map(|x| x.0.clone()).unwrap_or_default();
            opened.push(c);
        }
        if !p.closed.is_empty() {
            let mut c = change(&d.base, &d.head, &pair, &p.closed);
            c.violation = intent::closed_violation(
                base,
                &expects,
                head.topo,
                &carriers(&d.base, &pair, &p.closed),
                &p.closed,
            );
            c.causes = causes.get(i).map(|x| x.1.clone()).unwrap_or_default();
            closed.push(c);
        }
    }
    // Grouped by cause: changes with the same causes are adjacent, ordered
    // by their causes, then by endpoints (a stable sort).
    let by_cause = |a: &FlowChange, b: &FlowChange| {
        a.causes
            .iter()
            .map(Cause::key)
            .cmp(b.causes.iter().map(Cause::key))
    };
    opened.sort_by(by_cause);
    closed.sort_by(by_cause);
    let mut unknown = Vec::new();
    undecided(&d.base, "base", &mut unknown);
    undecided(&d.head, "head", &mut unknown);
    gap_unknowns(&d.base, "base", &mut unknown);
    gap_unknowns(&d.head, "head", &mut unknown);
    DiffReport {
        version: 1,
        base: base.topo.file.clone(),
        head: head.topo.file.clone(),
        opened,
        closed,
        unknown,
        checks: check_deltas(base, head),
        notes,
    }
}

/// What `--fail-on` makes exit code 1.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, clap::ValueEnum)]
pub enum FailOn {
    /// A check got worse (a new violation, or a worse verdict).
    #[default]
    Violations,
    /// Anything opened, or a check got worse.
    Opened,
    /// Any change at all: opened, closed, or a check's verdict or findings.
    Any,
}

/// How a diff ends.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// Nothing that `--fail-on` names happened, and the answer is exact.
    Clean,
    /// Something `--fail-on` names happened.
    Fail,
    /// Nothing failed, but part of the answer depends on something unknown.
    Unknown,
}

/// The outcome of `report` under `fail_on`.
pub fn outcome(report: &DiffReport, fail_on: FailOn) -> Outcome {
    let violates = report.violates();
    let fail = match fail_on {
        FailOn::Violations => violates,
        FailOn::Opened => violates || !report.opened.is_empty(),
        FailOn::Any => {
            violates
                || !report.opened.is_empty()
                || !report.closed.is_empty()
                || report.checks.iter().any(CheckDelta::changed)
        }
    };
    if fail {
        Outcome::Fail
    } else if report.has_unknown() {
        Outcome::Unknown
    } else {
        Outcome::Clean
    }
}
