//! Forwarding through VPC peering, transit gateways, virtual private
//! gateways, Site-to-Site VPN and Direct Connect, and the on-prem origin
//! (`docs/FORWARDING-MODEL.md`, "Hybrid connectivity"; C-8 – C-12).
//!
//! Route decisions of transit gateway route tables, VGWs and on-prem
//! routers are compiled once per topology into disjoint destination regions,
//! like subnet route tables are in [`super::graph`].

use ipnet::IpNet;

use super::{End, Engine, Frag, Reach, Step};
use crate::hs::{DST, IntervalSet, SRC, all_v4, all_v6, net_set, nets_set};
use crate::model::{
    DxAssociationTarget, OnPremId, OnPremVia, PeeringId, Preference, RouteDest, SgTag, SubnetId,
    TgwAttachmentId, TgwAttachmentKind, TgwId, TgwRouteTableId, TgwRouteTarget, TiVec, Topology,
    VgwId, VifId, VifKind, VpcId, VpnGatewayRef,
};

// At most this many transit gateway route lookups per packet (loops), as
// in the simulator.
use crate::rules::{MAX_TGW_HOPS, TgwRouteRank, VgwRouteRank};

/// Routes learned from on premises over one BGP connection.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Learned {
    Stated(Vec<IpNet>),
    /// The topology does not say: it may have learned any prefix.
    Unstated,
}

/// The routes AWS learned from on premises over connection `via`: the
/// `advertises` of every on-prem network that lists it (C-12.2, C-11.2).
/// A static VPN learns nothing over BGP: its routes are its `routes`.
pub fn learned(topo: &Topology, via: OnPremVia) -> Learned {
    match crate::rules::learned_routes(topo, via) {
        Some(nets) => Learned::Stated(nets),
        None => Learned::Unstated,
    }
}

/// True when the connection carries traffic (`state: available`).
pub fn via_available(topo: &Topology, via: OnPremVia) -> bool {
    match via {
        OnPremVia::Vpn(v) => topo.hybrid.vpns[v].available,
        OnPremVia::Vif(v) => topo.hybrid.vifs[v].available,
    }
}

/// The connections of a VGW: its VPNs and the private VIFs attached to it
/// directly or through an associated DX gateway.
pub fn vgw_connections(topo: &Topology, g: VgwId) -> Vec<OnPremVia> {
    let h = &topo.hybrid;
    let mut out: Vec<OnPremVia> = h.vgws[g].vpns.iter().map(|&v| OnPremVia::Vpn(v)).collect();
    out.extend(h.vgws[g].vifs.iter().map(|&v| OnPremVia::Vif(v)));
    for &d in &h.vgws[g].dx_gateways {
        for &v in &h.dx_gateways[d].vifs {
            if h.vifs[v].kind == VifKind::Private && !out.contains(&OnPremVia::Vif(v)) {
                out.push(OnPremVia::Vif(v));
            }
        }
    }
    out
}

/// A route candidate: a prefix, a rank (the lesser wins at equal length)
/// and a key.
#[derive(Debug, Clone)]
struct Cand<K, R> {
    net: IpNet,
    rank: R,
    key: K,
}

/// Disjoint destination regions, each with the candidates that win it.
type Regions<K, R> = Vec<(IntervalSet, Vec<Cand<K, R>>)>;

/// Longest prefix, then lowest rank: for each disjoint region of the
/// destination space, the candidates that win it (one prefix, one rank);
/// and the union of the regions.
fn lpm<K: Clone, R: Ord + Clone>(mut cands: Vec<Cand<K, R>>) -> (Regions<K, R>, IntervalSet) {
    cands.sort_by(|a, b| {
        b.net
            .prefix_len()
            .cmp(&a.net.prefix_len())
            .then(a.rank.cmp(&b.rank))
            // Equal prefixes must be adjacent to form one group.
            .then(a.net.cmp(&b.net))
    });
    let mut claimed = IntervalSet::empty();
    let mut out = Vec::new();
    let mut i = 0;
    while i < cands.len() {
        let mut j = i + 1;
        while j < cands.len() && cands[j].net == cands[i].net && cands[j].rank == cands[i].rank {
            j += 1;
        }
        let region = net_set(&cands[i].net).subtract(&claimed);
        if !region.is_empty() {
            claimed = claimed.union(&region);
            out.push((region, cands[i..j].to_vec()));
        }
        i = j;
    }
    (out, claimed)
}

fn everything() -> IntervalSet {
    all_v4().union(&all_v6())
}

/// Why a transit gateway route table sent a region where it did.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub enum TgwChoice {
    /// `routes[index]`; for a prefix-list route, the entry that matched.
    Static {
        index: usize,
        entry: Option<IpNet>,
    },
    /// Propagated from `attachment` (the first, for ECMP); `beats` names the
    /// routes for the same prefix that lost on priority (C-9.4).
    Propagated {
        attachment: TgwAttachmentId,
        prefix: IpNet,
        rank: TgwRouteRank,
        beats: Vec<String>,
    },
    NoRoute,
    Ambiguous(String),
}

/// Where a compiled transit gateway or VGW table sends one region of
/// destinations.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Hop<T> {
    To(T),
    Drop,
    Unknown(String),
}

/// One region of destinations of a compiled table, where it goes and the
/// route that decided.
#[derive(Debug, Clone)]
pub struct Region<T, C> {
    pub dst: IntervalSet,
    pub hop: Hop<T>,
    pub choice: C,
}

/// A transit gateway hop: one attachment, or several with ECMP (each is followed).
pub type TgwHop = Hop<Vec<TgwAttachmentId>>;
pub type TgwRegion = Region<Vec<TgwAttachmentId>, TgwChoice>;

/// What a transit gateway route table decides, region by region (C-9.3–C-9.5).
pub fn compile_tgw_table(topo: &Topology, rt: TgwRouteTableId) -> Vec<TgwRegion> {
    let h = &topo.hybrid;
    let table = &h.tgw_route_tables[rt];
    #[derive(Clone, Copy, PartialEq, Eq)]
    enum K {
        Static(usize, Option<IpNet>),
        Prop(TgwAttachmentId),
    }
    let mut cands: Vec<Cand<K, TgwRouteRank>> = Vec::new();
    for (i, r) in table.routes.iter().enumerate() {
        match &r.dest {
            RouteDest::Cidr(n) => cands.push(Cand {
                net: *n,
                rank: TgwRouteRank::Static,
                key: K::Static(i, None),
            }),
            RouteDest::PrefixList(pl) => match &topo.prefix_lists[*pl].entries {
                Some(es) => cands.extend(es.iter().map(|e| Cand {
                    net: *e,
                    rank: TgwRouteRank::PrefixList,
                    key: K::Static(i, Some(*e)),
                })),
                None => {
                    return vec![TgwRegion {
                        dst: everything(),
                        hop: TgwHop::Unknown(format!(
                            "transit gateway route table `{}` routes to prefix list `{}` whose entries are unknown",
                            table.meta.name, topo.prefix_lists[*pl].meta.name
                        )),
                        choice: TgwChoice::Ambiguous("prefix list entries unknown".into()),
                    }];
                }
            },
        }
    }
    let mut unstated: Vec<String> = Vec::new();
    for &(a, _) in &table.propagations {
        let (routes, open) = crate::rules::tgw_propagated(topo, a);
        cands.extend(routes.into_iter().map(|(net, rank)| Cand {
            net,
            rank,
            key: K::Prop(a),
        }));
        unstated.extend(open);
    }
    let tgw = &h.tgws[table.tgw];
    let all = cands.clone();
    let (regions, claimed) = lpm(cands);
    let mut out = Vec::new();
    for (dst, group) in regions {
        let first = &group[0];
        let target_of = |k: &K| match *k {
            K::Static(i, _) => table.routes[i].target,
            K::Prop(a) => TgwRouteTarget::Attachment(a),
        };
        let t0 = target_of(&first.key);
        let same = group.iter().all(|c| target_of(&c.key) == t0);
        let static_choice = group.iter().find_map(|c| match c.key {
            K::Static(i, entry) => Some(TgwChoice::Static { index: i, entry }),
            K::Prop(_) => None,
        });
        let mut beats: Vec<String> = all
            .iter()
            .filter(|c| c.net == first.net && c.rank > first.rank)
            .map(|c| match c.key {
                K::Prop(a) => format!("`{}` ({})", h.tgw_attachments[a].meta.name, c.rank.name()),
                K::Static(..) => "a static route".to_string(),
            })
            .collect();
        beats.dedup();
        let prop_choice = |a: TgwAttachmentId| TgwChoice::Propagated {
            attachment: a,
            prefix: first.net,
            rank: first.rank,
            beats: beats.clone(),
        };
        let (hop, choice) = if same {
            let hop = match t0 {
                TgwRouteTarget::Blackhole => TgwHop::Drop,
                TgwRouteTarget::Attachment(a) if !h.tgw_attachments[a].available => TgwHop::Drop,
                TgwRouteTarget::Attachment(a) => TgwHop::To(vec![a]),
            };
            let choice = match (static_choice, t0) {
                (Some(c), _) => c,
                (None, TgwRouteTarget::Attachment(a)) => prop_choice(a),
                (None, TgwRouteTarget::Blackhole) => TgwChoice::NoRoute,
            };
            (hop, choice)
        } else {
            let mut atts: Vec<TgwAttachmentId> = Vec::new();
            let mut all_vpn_prop = true;
            for c in &group {
                match c.key {
                    K::Prop(a)
                        if matches!(h.tgw_attachments[a].kind, TgwAttachmentKind::Vpn(_)) =>
                    {
                        atts.push(a)
                    }
                    _ => all_vpn_prop = false,
                }
            }
            atts.sort_unstable();
            atts.dedup();
            if all_vpn_prop && first.rank >= TgwRouteRank::VpnOverPrivateDx && tgw.vpn_ecmp {
                let choice = prop_choice(atts[0]);
                (TgwHop::To(atts), choice)
            } else {
                let names: Vec<String> = group
                    .iter()
                    .map(|c| match target_of(&c.key) {
                        TgwRouteTarget::Blackhole => "`blackhole`".to_string(),
                        TgwRouteTarget::Attachment(x) => {
                            format!("`{}`", h.tgw_attachments[x].meta.name)
                        }
                    })
                    .collect::<std::collections::BTreeSet<_>>()
                    .into_iter()
                    .collect();
                let why = format!(
                    "transit gateway route table `{}` has routes for `{}` to {} at the same priority; AWS does not order them (C-9.4)",
                    table.meta.name,
                    first.net,
                    names.join(" and ")
                );
                (TgwHop::Unknown(why.clone()), TgwChoice::Ambiguous(why))
            }
        };
        out.push(TgwRegion { dst, hop, choice });
    }
    let rest = everything().subtract(&claimed);
    if !rest.is_empty() {
        let (hop, choice) = if unstated.is_empty() {
            (TgwHop::Drop, TgwChoice::NoRoute)
        } else {
            let why = format!(
                "transit gateway route table `{}` has no known route, and {} may propagate any prefix learned from on premises",
                table.meta.name,
                unstated.join(", ")
            );
            (TgwHop::Unknown(why.clone()), TgwChoice::Ambiguous(why))
        };
        out.push(TgwRegion {
            dst: rest,
            hop,
            choice,
        });
    }
    out
}

/// Why a VGW sent a region where it did (C-10.3).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub enum VgwChoice {
    Learned {
        via: OnPremVia,
        prefix: IpNet,
        rank: VgwRouteRank,
        /// Connections with the same prefix that lost on priority.
        beats: Vec<String>,
    },
    NoRoute,
    Ambiguous(String),
}

/// A VGW hop: the connection the traffic leaves AWS over.
pub type VgwHop = Hop<OnPremVia>;
pub type VgwRegion = Region<OnPremVia, VgwChoice>;

/// The prefixes a VGW knows (C-10.2), with their rank and connection, and
/// the connections whose routes are unstated.
pub fn vgw_candidates(
    topo: &Topology,
    g: VgwId,
) -> (Vec<(IpNet, VgwRouteRank, OnPremVia)>, Vec<String>) {
    let h = &topo.hybrid;
    let mut cands = Vec::new();
    let mut unstated = Vec::new();
    for via in vgw_connections(topo, g) {
        if !via_available(topo, via) {
            continue;
        }
        let rank = VgwRouteRank::of(topo, via);
        let name = match via {
            OnPremVia::Vif(v) => format!("virtual interface `{}`", h.vifs[v].meta.name),
            OnPremVia::Vpn(v) => format!("vpn connection `{}`", h.vpns[v].meta.name),
        };
        match learned(topo, via) {
            Learned::Stated(nets) => {
                // VGWs carry no IPv6 (C-10.2).
                cands.extend(
                    nets.into_iter()
                        .filter(|n| n.addr().is_ipv4())
                        .map(|n| (n, rank, via)),
                );
            }
            Learned::Unstated => unstated.push(name),
        }
    }
    (cands, unstated)
}

/// What a VGW decides, region by region (C-10.3).
pub fn compile_vgw(topo: &Topology, g: VgwId) -> Vec<VgwRegion> {
    let (cands, unstated) = vgw_candidates(topo, g);
    let name = &topo.hybrid.vgws[g].meta.name;
    let cands: Vec<Cand<OnPremVia, VgwRouteRank>> = cands
        .into_iter()
        .map(|(net, rank, key)| Cand { net, rank, key })
        .collect();
    let all = cands.clone();
    let (regions, claimed) = lpm(cands);
    let mut out = Vec::new();
    for (dst, group) in regions {
        let first = &group[0];
        let mut vias: Vec<OnPremVia> = group.iter().map(|c| c.key).collect();
        vias.sort_unstable();
        vias.dedup();
        if vias.len() == 1 {
            out.push(VgwRegion {
                dst,
                hop: VgwHop::To(first.key),
                choice: VgwChoice::Learned {
                    via: first.key,
                    prefix: first.net,
                    rank: first.rank,
                    beats: all
                        .iter()
                        .filter(|c| c.net == first.net && c.rank > first.rank)
                        .map(|c| format!("{} ({})", topo.hybrid.via_label(c.key), c.rank.name()))
                        .collect(),
                },
            });
        } else {
            // Between DX virtual interfaces, the BGP local-preference
            // communities decide before AS_PATH and MED (C-12.3).
            let communities = if first.rank == VgwRouteRank::DxBgp {
                "the BGP local-preference communities on prem tags its routes with (`7224:7100` low, `7224:7200` medium, the default, `7224:7300` high; C-12.3), then "
            } else {
                ""
            };
            let why = format!(
                "vpn gateway `{name}` learned `{}` over several connections at the same priority; the choice depends on {communities}AS_PATH and MED, which the topology does not give (C-10.3)",
                first.net
            );
            out.push(VgwRegion {
                dst,
                hop: VgwHop::Unknown(why.clone()),
                choice: VgwChoice::Ambiguous(why),
            });
        }
    }
    let rest = everything().subtract(&claimed);
    if !rest.is_empty() {
        let (hop, choice) = if unstated.is_empty() {
            (VgwHop::Drop, VgwChoice::NoRoute)
        } else {
            let why = format!(
                "vpn gateway `{name}` has no known route, and {} may carry any prefix learned from on premises",
                unstated.join(", ")
            );
            (VgwHop::Unknown(why.clone()), VgwChoice::Ambiguous(why))
        };
        out.push(VgwRegion {
            dst: rest,
            hop,
            choice,
        });
    }
    out
}

/// What AWS advertises to on premises over a connection (C-12.2, C-12.3).
#[derive(Debug, Clone)]
enum Advertised {
    Prefixes(Vec<IpNet>),
    /// A static VPN: on-prem static routes are not in the topology.
    Any,
    /// A public virtual interface: not followed.
    Public,
}

fn advertised(topo: &Topology, via: OnPremVia) -> Advertised {
    let h = &topo.hybrid;
    let vpc_v4 = |v: Option<VpcId>| -> Vec<IpNet> {
        v.map(|v| topo.vpcs[v].cidrs.iter().map(|c| IpNet::V4(*c)).collect())
            .unwrap_or_default()
    };
    match via {
        OnPremVia::Vpn(v) => {
            let vpn = &h.vpns[v];
            if vpn.static_routes_only {
                return Advertised::Any;
            }
            match vpn.gateway {
                VpnGatewayRef::Vgw(g) => {
                    let mut out = vpc_v4(h.vgws[g].vpc);
                    out.extend(cloudhub_prefixes(topo, g, via));
                    Advertised::Prefixes(out)
                }
                VpnGatewayRef::Tgw(_) => {
                    let Some(a) = vpn.tgw_attachment else {
                        return Advertised::Prefixes(Vec::new());
                    };
                    let Some(rt) = h.tgw_attachments[a].route_table else {
                        return Advertised::Prefixes(Vec::new());
                    };
                    Advertised::Prefixes(crate::rules::tgw_advertised(topo, rt))
                }
            }
        }
        OnPremVia::Vif(x) => {
            let vif = &h.vifs[x];
            match vif.kind {
                VifKind::Public => Advertised::Public,
                VifKind::Private => {
                    let mut out = vif.vgw.map(|g| vpc_v4(h.vgws[g].vpc)).unwrap_or_default();
                    if let Some(g) = vif.vgw {
                        out.extend(cloudhub_prefixes(topo, g, via));
                    }
                    if let Some(d) = vif.dx_gateway {
                        for a in &h.dx_gateways[d].associations {
                            if let DxAssociationTarget::Vgw(g) = a.target {
                                out.extend(crate::rules::vgw_association_cidrs(
                                    topo,
                                    g,
                                    &a.allowed_prefixes,
                                ));
                            }
                        }
                    }
                    Advertised::Prefixes(out)
                }
                VifKind::Transit => {
                    let mut out = Vec::new();
                    if let Some(d) = vif.dx_gateway {
                        for a in &h.dx_gateways[d].associations {
                            if matches!(a.target, DxAssociationTarget::Tgw(_)) {
                                out.extend(a.allowed_prefixes.iter().copied());
                            }
                        }
                    }
                    Advertised::Prefixes(out)
                }
            }
        }
    }
}

/// VPN CloudHub (C-10.6): a VGW re-advertises to each of its connections
/// the routes it learned over the others (VPNs and private VIFs attached
/// to it directly; a DX gateway does not route between its associations,
/// C-12.2). Only stated routes: a connection whose routes are unstated is
/// reported by the checks that depend on it.
pub fn cloudhub_prefixes(topo: &Topology, g: VgwId, via: OnPremVia) -> Vec<IpNet> {
    vgw_candidates(topo, g)
        .0
        .into_iter()
        .filter(|&(_, _, other)| other != via && is_direct(topo, g, other))
        .map(|(n, _, _)| n)
        .collect()
}

/// True when `via` terminates on VGW `g` itself, not through a DX gateway.
fn is_direct(topo: &Topology, g: VgwId, via: OnPremVia) -> bool {
    let h = &topo.hybrid;
    match via {
        OnPremVia::Vpn(v) => h.vpns[v].gateway == VpnGatewayRef::Vgw(g),
        OnPremVia::Vif(x) => h.vifs[x].vgw == Some(g),
    }
}

/// How an on-prem network's routers send a destination region into AWS.
#[derive(Debug, Clone)]
pub struct OnPremRegion {
    pub dst: IntervalSet,
    pub vias: Vec<OnPremVia>,
    /// The stated preference decides the choice (see the forwarding model).
    pub decided: bool,
}

fn prefer_matches(p: &Preference, via: OnPremVia) -> bool {
    match (p, via) {
        (Preference::Dx, OnPremVia::Vif(_)) | (Preference::Vpn, OnPremVia::Vpn(_)) => true,
        (Preference::Via(x), v) => *x == v,
        _ => false,
    }
}

/// The on-prem routers' choice, region by region (C-12.3).
pub fn compile_onprem(topo: &Topology, n: OnPremId) -> Vec<OnPremRegion> {
    let net = &topo.hybrid.on_prem[n];
    // On prem, every connection's routes rank alike (C-12.3).
    let mut cands: Vec<Cand<OnPremVia, ()>> = Vec::new();
    let mut any: Vec<OnPremVia> = Vec::new();
    for &via in &net.via {
        match advertised(topo, via) {
            Advertised::Prefixes(p) => cands.extend(p.into_iter().map(|net| Cand {
                net,
                rank: (),
                key: via,
            })),
            Advertised::Any => any.push(via),
            Advertised::Public => {}
        }
    }
    let (regions, claimed) = lpm(cands);
    let mut raw: Vec<(IntervalSet, Vec<OnPremVia>)> = regions
        .into_iter()
        .map(|(dst, group)| {
            let mut v: Vec<OnPremVia> = group.iter().map(|c| c.key).collect();
            v.extend(any.iter().copied());
            (dst, v)
        })
        .collect();
    let rest = everything().subtract(&claimed);
    if !any.is_empty() && !rest.is_empty() {
        raw.push((rest, any.clone()));
    }
    raw.into_iter()
        .map(|(dst, mut vias)| {
            vias.sort_unstable();
            vias.dedup();
            let pick = net.prefer.as_ref().and_then(|prefs| {
                prefs.iter().find_map(|p| {
                    let sel: Vec<OnPremVia> = vias
                        .iter()
                        .copied()
                        .filter(|v| prefer_matches(p, *v))
                        .collect();
                    (!sel.is_empty()).then_some(sel)
                })
            });
            match pick {
                Some(sel) => {
                    let decided = any.iter().all(|a| !vias.contains(a) || sel.contains(a));
                    if decided {
                        OnPremRegion {
                            dst,
                            vias: sel,
                            decided: true,
                        }
                    } else {
                        OnPremRegion {
                            dst,
                            vias,
                            decided: false,
                        }
                    }
                }
                None => OnPremRegion {
                    dst,
                    vias,
                    decided: false,
                },
            }
        })
        .collect()
}

/// Compiled hybrid decisions of one topology.
#[derive(Debug, Clone, Default)]
pub struct HybridTables {
    pub tgw: TiVec<TgwRouteTableId, Vec<TgwRegion>>,
    pub vgw: TiVec<VgwId, Vec<VgwRegion>>,
    pub onprem: TiVec<OnPremId, Vec<OnPremRegion>>,
    /// Available public virtual interfaces and the customer prefixes AWS
    /// public traffic reaches over them (C-12.1).
    pub public_vifs: Vec<(VifId, IntervalSet)>,
    /// The union of those prefixes.
    pub public_vif_space: IntervalSet,
}

impl HybridTables {
    pub fn build(topo: &Topology) -> HybridTables {
        let h = &topo.hybrid;
        let public_vifs: Vec<(VifId, IntervalSet)> = h
            .vifs
            .iter_enumerated()
            .filter(|(_, v)| v.kind == VifKind::Public && v.available)
            .map(|(x, v)| (x, nets_set(v.advertised_prefixes.iter())))
            .filter(|(_, s)| !s.is_empty())
            .collect();
        HybridTables {
            tgw: h
                .tgw_route_tables
                .keys()
                .map(|t| compile_tgw_table(topo, t))
                .collect(),
            vgw: h.vgws.keys().map(|g| compile_vgw(topo, g)).collect(),
            onprem: h.on_prem.keys().map(|n| compile_onprem(topo, n)).collect(),
            public_vifs: public_vifs.clone(),
            public_vif_space: public_vifs
                .iter()
                .fold(IntervalSet::empty(), |acc, (_, s)| acc.union(s)),
        }
    }
}

/// The CIDRs of a VPC, both families.
pub(super) fn vpc_cidrs(topo: &Topology, v: VpcId) -> IntervalSet {
    let vpc = &topo.vpcs[v];
    let nets: Vec<IpNet> = vpc
        .cidrs
        .iter()
        .map(|c| IpNet::V4(*c))
        .chain(vpc.ipv6_cidrs.iter().map(|c| IpNet::V6(*c)))
        .collect();
    nets_set(nets.iter())
}

impl Engine<'_> {
    /// IPv4 addresses of the attached interfaces of a VPC (C-10.4).
    fn vpc_v4_addrs(&self, v: VpcId) -> IntervalSet {
        let runs: Vec<(u128, u128)> = self.vpc_addrs[v].iter().map(|&(a, b, _)| (a, b)).collect();
        IntervalSet::from_ranges(runs).intersect(&all_v4())
    }

    fn tgw_hops(f: &Frag) -> usize {
        f.path
            .iter()
            .filter(|s| matches!(s, Step::TgwRoute { .. }))
            .count()
    }

    /// Route target peering connection (C-8).
    pub(super) fn to_peering(
        &self,
        x: PeeringId,
        vpc: VpcId,
        src_subnet: SubnetId,
        f: Frag,
        out: &mut Reach,
    ) {
        let p = &self.topo.peerings[x];
        let Some(peer) = p.peer_of(vpc) else {
            return;
        };
        if !p.active {
            return;
        }
        let f = f
            .with_set(f.filter(&self.nacl_out[self.topo.subnets[src_subnet].nacl]))
            .step(Step::NaclOut { subnet: src_subnet });
        // C-8.2: source in this VPC, destination in the peer, per family.
        let f = f.with_set(f.restrict(SRC, &vpc_cidrs(self.topo, vpc)));
        let f = f.with_set(f.restrict(DST, &vpc_cidrs(self.topo, peer)));
        if f.set.is_empty() {
            return;
        }
        let mut f = f.step(Step::PeeringCross { peering: x });
        let tag = f.tag.after_peering(self.topo, x);
        if f.remote_egress && matches!(f.tag, SgTag::Local(_)) {
            match tag {
                SgTag::Peered(_) => f.remote_egress = false,
                SgTag::PeeredUnknownRegion(_) => {
                    let why = format!(
                        "the egress rule that let it out references a security group across peering `{}`, whose Regions are not known (C-5.7, C-8.4)",
                        p.meta.name
                    );
                    self.emit(f, End::Unknown(why), out);
                    return;
                }
                _ => {}
            }
        }
        f.tag = tag;
        self.local_deliver(peer, None, f, out);
    }

    /// Route target transit gateway, from a subnet of `vpc` (C-9.6).
    pub(super) fn to_tgw(
        &self,
        t: TgwId,
        vpc: VpcId,
        src_subnet: SubnetId,
        f: Frag,
        out: &mut Reach,
    ) {
        let h = &self.topo.hybrid;
        let att = h.tgws[t].attachments.iter().copied().find(|&a| {
            matches!(h.tgw_attachments[a].kind, TgwAttachmentKind::Vpc { vpc: v, .. } if v == vpc)
        });
        let Some(a) = att else {
            let why = format!(
                "vpc `{}` routes to transit gateway `{}` but has no attachment to it",
                self.topo.vpcs[vpc].meta.name, h.tgws[t].meta.name
            );
            self.emit(f, End::Unknown(why), out);
            return;
        };
        let attachment = &h.tgw_attachments[a];
        if !attachment.available {
            return;
        }
        let TgwAttachmentKind::Vpc { subnets, .. } = &attachment.kind else {
            return;
        };
        let entry = if subnets.contains(&src_subnet) {
            Some(src_subnet)
        } else {
            let az = self.topo.subnets[src_subnet].availability_zone.as_ref();
            let unknown_az = az.is_none()
                || subnets
                    .iter()
                    .any(|&s| self.topo.subnets[s].availability_zone.is_none());
            if unknown_az {
                let why = format!(
                    "the availability zone of subnet `{}` or of an attachment subnet of `{}` is not stated (C-9.6)",
                    self.topo.subnets[src_subnet].meta.name, attachment.meta.name
                );
                self.emit(f, End::Unknown(why), out);
                return;
            }
            subnets
                .iter()
                .copied()
                .find(|&s| self.topo.subnets[s].availability_zone.as_ref() == az)
        };
        // C-9.6b: no attachment subnet in the sender's AZ drops.
        let Some(entry) = entry else {
            return;
        };
        // C-4.7: the sender's subnet outbound, the attachment subnet inbound.
        let f = f
            .with_set(f.filter(&self.nacl_out[self.topo.subnets[src_subnet].nacl]))
            .step(Step::NaclOut { subnet: src_subnet });
        let f = f
            .with_set(f.filter(&self.nacl_in[self.topo.subnets[entry].nacl]))
            .step(Step::NaclIn { subnet: entry });
        if f.set.is_empty() {
            return;
        }
        let mut f = f.step(Step::TgwIn {
            attachment: a,
            subnet: Some(entry),
        });
        f.tag = f.tag.tgw_entry(self.topo, a, entry);
        let Some(rt) = attachment.route_table else {
            return; // C-9.2: no association drops
        };
        let az = self.topo.subnets[entry].availability_zone.clone();
        self.tgw_lookup(rt, f, az.as_deref(), out);
    }

    /// Lookup in a transit gateway route table and forwarding (C-9.3–C-9.10).
    fn tgw_lookup(&self, rt: TgwRouteTableId, f: Frag, az: Option<&str>, out: &mut Reach) {
        if Self::tgw_hops(&f) >= MAX_TGW_HOPS {
            return;
        }
        let step = |choice| Step::TgwRoute { table: rt, choice };
        self.each_region(
            &self.hybrid.tgw[rt],
            &f,
            step,
            out,
            |atts, choice, piece, out| {
                for &a in atts {
                    self.tgw_forward(a, choice, piece.clone(), az, out);
                }
            },
        );
    }

    /// Splits `f` by the destination regions of a compiled transit gateway
    /// or VGW table: records the decision on each non-empty piece, drops
    /// or reports what is not routed, and passes routed pieces to `next`.
    fn each_region<T, C: Clone>(
        &self,
        regions: &[Region<T, C>],
        f: &Frag,
        step: impl Fn(C) -> Step,
        out: &mut Reach,
        mut next: impl FnMut(&T, &C, Frag, &mut Reach),
    ) {
        for region in regions {
            let piece = f.with_set(f.restrict(DST, &region.dst));
            if piece.set.is_empty() {
                continue;
            }
            let piece = piece.step(step(region.choice.clone()));
            match &region.hop {
                Hop::Drop => {}
                Hop::Unknown(why) => self.emit(piece, End::Unknown(why.clone()), out),
                Hop::To(t) => next(t, &region.choice, piece, out),
            }
        }
    }

    fn tgw_forward(
        &self,
        a: TgwAttachmentId,
        choice: &TgwChoice,
        f: Frag,
        az: Option<&str>,
        out: &mut Reach,
    ) {
        let h = &self.topo.hybrid;
        let att = &h.tgw_attachments[a];
        match &att.kind {
            TgwAttachmentKind::Vpc {
                subnets,
                appliance_mode,
                ..
            } => {
                let same_az: Vec<SubnetId> = subnets
                    .iter()
                    .copied()
                    .filter(|&s| {
                        az.is_some() && self.topo.subnets[s].availability_zone.as_deref() == az
                    })
                    .collect();
                let exits = if !appliance_mode && !same_az.is_empty() {
                    same_az
                } else {
                    subnets.clone()
                };
                for e in exits {
                    let mut p = f.clone().step(Step::TgwOut {
                        attachment: a,
                        subnet: Some(e),
                    });
                    p.tag = f.tag.tgw_exit(self.topo, a, e);
                    // The transit gateway sends on, not the sender (C-4.9).
                    p.nacl_inside = false;
                    if let Some(t) = self.topo.subnets[e].route_table {
                        self.route(t, e, p, out);
                    }
                }
            }
            TgwAttachmentKind::Vpn(v) => self.exit_onprem(OnPremVia::Vpn(*v), f, out),
            TgwAttachmentKind::DxGateway(d) => {
                let prefix = match choice {
                    TgwChoice::Propagated { prefix, .. } => Some(*prefix),
                    _ => None,
                };
                for &vif in &h.dx_gateways[*d].vifs {
                    let v = &h.vifs[vif];
                    if v.kind != VifKind::Transit {
                        continue;
                    }
                    let carries = match (prefix, learned(self.topo, OnPremVia::Vif(vif))) {
                        (None, _) | (_, Learned::Unstated) => true,
                        (Some(p), Learned::Stated(n)) => n.contains(&p),
                    };
                    if carries {
                        self.exit_onprem(OnPremVia::Vif(vif), f.clone(), out);
                    }
                }
            }
            TgwAttachmentKind::Peering(t2) => {
                let back =
                    h.tgws[*t2].attachments.iter().copied().find(|&x| {
                        h.tgw_attachments[x].kind == TgwAttachmentKind::Peering(att.tgw)
                    });
                let Some(b) = back else {
                    let why = format!(
                        "transit gateway `{}` has no peering attachment back to `{}`",
                        h.tgws[*t2].meta.name, h.tgws[att.tgw].meta.name
                    );
                    self.emit(f, End::Unknown(why), out);
                    return;
                };
                if !h.tgw_attachments[b].available {
                    return;
                }
                let Some(rt) = h.tgw_attachments[b].route_table else {
                    return;
                };
                let mut f = f.step(Step::TgwIn {
                    attachment: b,
                    subnet: None,
                });
                // TGW peering carries no identity (C-9.10).
                f.tag = SgTag::Cleared;
                self.tgw_lookup(rt, f, None, out);
            }
            TgwAttachmentKind::Connect => {
                let why = format!(
                    "connect attachment `{}` (GRE) is not modelled (C-9.1)",
                    att.meta.name
                );
                self.emit(f, End::Unknown(why), out);
            }
        }
    }

    /// Leaves AWS over a VPN connection or virtual interface.
    fn exit_onprem(&self, via: OnPremVia, f: Frag, out: &mut Reach) {
        if !via_available(self.topo, via) {
            return;
        }
        let mut f = f;
        if let OnPremVia::Vpn(v) = via {
            let vpn = &self.topo.hybrid.vpns[v];
            let v6 = f.with_set(f.restrict(DST, &all_v6()));
            self.emit(
                v6,
                End::Unknown(format!(
                    "IPv6 over vpn connection `{}` is not modelled",
                    vpn.meta.name
                )),
                out,
            );
            // C-11.2: traffic selectors.
            f = f.with_set(f.restrict(DST, &net_set(&vpn.remote_ipv4_network_cidr)));
            f = f.with_set(f.restrict(SRC, &net_set(&vpn.local_ipv4_network_cidr)));
        }
        self.emit(f.step(Step::OnPremOut { via }), End::OnPrem(via), out);
    }

    /// Route target VGW, from a subnet of `vpc` (C-10).
    pub(super) fn to_vgw(
        &self,
        g: VgwId,
        vpc: VpcId,
        src_subnet: SubnetId,
        f: Frag,
        out: &mut Reach,
    ) {
        if self.topo.hybrid.vgws[g].vpc != Some(vpc) {
            return;
        }
        let f = f
            .with_set(f.filter(&self.nacl_out[self.topo.subnets[src_subnet].nacl]))
            .step(Step::NaclOut { subnet: src_subnet });
        // C-10.2: no IPv6; C-10.4: the source is an interface of the VPC.
        let f = f.with_set(f.restrict(SRC, &self.vpc_v4_addrs(vpc)));
        self.vgw_route(g, &f, out);
    }

    /// A VGW's path selection and the exit over the chosen connection (C-10.3).
    fn vgw_route(&self, g: VgwId, f: &Frag, out: &mut Reach) {
        let step = |choice| Step::VgwRoute { vgw: g, choice };
        self.each_region(&self.hybrid.vgw[g], f, step, out, |via, _, piece, out| {
            self.exit_onprem(*via, piece, out);
        });
    }

    /// Packets from on prem arriving at a VGW (C-10.4, C-10.5).
    fn vgw_ingress(&self, g: VgwId, f: Frag, out: &mut Reach) {
        // VPN CloudHub (C-10.6): what is not for the VPC goes out over the
        // VGW's other connections, by its own path selection.
        let inside = match self.topo.hybrid.vgws[g].vpc {
            Some(v) => vpc_cidrs(self.topo, v),
            None => IntervalSet::empty(),
        };
        let hub = f.with_set(f.restrict(DST, &all_v4().subtract(&inside)));
        if !hub.set.is_empty() {
            self.vgw_route(g, &hub.step(Step::VgwIn { vgw: g }), out);
        }
        let Some(vpc) = self.topo.hybrid.vgws[g].vpc else {
            return;
        };
        let f = f.with_set(f.restrict(DST, &self.vpc_v4_addrs(vpc)));
        if f.set.is_empty() {
            return;
        }
        let f = f.step(Step::VgwIn { vgw: g });
        if let Some(t) = crate::rules::vgw_edge_table(self.topo, g) {
            for (node, piece, choice) in self.by_route(t, &f, true) {
                match node {
                    super::Node::VpcLocal(v) if v == vpc => {
                        self.local_deliver(vpc, None, piece, out);
                    }
                    _ => {
                        let why = match choice {
                            super::RouteChoice::Ambiguous(w) => w,
                            _ => format!(
                                "edge route table `{}` of vpn gateway `{}` does not deliver locally (C-3.11)",
                                self.topo.route_tables[t].meta.name,
                                self.topo.hybrid.vgws[g].meta.name
                            ),
                        };
                        self.emit(piece, End::Unknown(why), out);
                    }
                }
            }
            return;
        }
        self.local_deliver(vpc, None, f, out);
    }

    /// Packets sent from on-prem network `n` (C-10 – C-12).
    pub(super) fn propagate_onprem(&self, n: OnPremId, f: Frag, out: &mut Reach) {
        self.propagate_onprem_over(n, f, out, &|_| true);
    }

    /// Like [`Engine::reach`] from on-prem network `n`, following only the
    /// connections `keep` accepts (the on-prem choice among all of them is
    /// unchanged; paths over the others are left out).
    pub fn reach_onprem_over(
        &self,
        n: OnPremId,
        set: &crate::hs::HeaderSet,
        keep: &dyn Fn(OnPremVia) -> bool,
    ) -> Reach {
        self.reach_onprem_as(n, set, keep, false)
    }

    /// [`Engine::reach_onprem_over`] for replies to flows that VPC
    /// interfaces started: their security groups admit them (C-5.3).
    pub fn reach_onprem_replies_over(
        &self,
        n: OnPremId,
        set: &crate::hs::HeaderSet,
        keep: &dyn Fn(OnPremVia) -> bool,
    ) -> Reach {
        self.reach_onprem_as(n, set, keep, true)
    }

    fn reach_onprem_as(
        &self,
        n: OnPremId,
        set: &crate::hs::HeaderSet,
        keep: &dyn Fn(OnPremVia) -> bool,
        reply_in: bool,
    ) -> Reach {
        let mut out = Reach::default();
        if n < self.topo.hybrid.on_prem.next_key() {
            let f = Frag {
                set: set.clone(),
                rw: super::Rewrites::default(),
                path: Vec::new(),
                via_nat: false,
                from_internet: false,
                reply_in,
                tag: SgTag::Cleared,
                remote_egress: false,
                nacl_inside: false,
            };
            self.propagate_onprem_over(n, f, &mut out, keep);
        }
        out.flows.retain(|f| !f.set.is_empty());
        out
    }

    fn propagate_onprem_over(
        &self,
        n: OnPremId,
        f: Frag,
        out: &mut Reach,
        keep: &dyn Fn(OnPremVia) -> bool,
    ) {
        let h = &self.topo.hybrid;
        let net = &h.on_prem[n];
        let own = nets_set(net.cidrs.iter());
        let f = f.with_set(f.restrict(SRC, &own));
        let local = nets_set(net.stays_on_prem().iter());
        let f = f.with_set(f.restrict(DST, &everything().subtract(&local)));
        if f.set.is_empty() {
            return;
        }
        let has_public = net
            .via
            .iter()
            .any(|v| matches!(v, OnPremVia::Vif(x) if h.vifs[*x].kind == VifKind::Public));
        let mut f = f;
        if has_public {
            let public = all_v4()
                .subtract(&super::non_internet_v4())
                .union(&all_v6());
            let p = f.with_set(f.restrict(DST, &public));
            self.emit(
                p,
                End::Unknown(format!(
                    "on-prem network `{}` sits behind a public virtual interface, which is not followed (C-12.1)",
                    net.meta.name
                )),
                out,
            );
            f = f.with_set(f.restrict(DST, &super::non_internet_v4()));
        }
        for region in &self.hybrid.onprem[n] {
            let piece = f.with_set(f.restrict(DST, &region.dst));
            if piece.set.is_empty() {
                continue;
            }
            for &via in region.vias.iter().filter(|v| keep(**v)) {
                let p = piece.clone().step(Step::OnPremIn {
                    network: n,
                    via,
                    decided: region.decided,
                });
                self.enter_aws(via, p, out);
            }
        }
    }

    fn enter_aws(&self, via: OnPremVia, f: Frag, out: &mut Reach) {
        let h = &self.topo.hybrid;
        if !via_available(self.topo, via) {
            return;
        }
        match via {
            OnPremVia::Vpn(v) => match h.vpns[v].gateway {
                VpnGatewayRef::Vgw(g) => {
                    let f = f.with_set(f.restrict(DST, &all_v4()));
                    self.vgw_ingress(g, f, out);
                }
                VpnGatewayRef::Tgw(t) => {
                    let v6 = f.with_set(f.restrict(DST, &all_v6()));
                    self.emit(
                        v6,
                        End::Unknown(format!(
                            "IPv6 over vpn connection `{}` is not modelled",
                            h.vpns[v].meta.name
                        )),
                        out,
                    );
                    let f = f.with_set(f.restrict(DST, &all_v4()));
                    let Some(a) = h.vpns[v].tgw_attachment else {
                        let why = format!(
                            "vpn connection `{}` terminates on transit gateway `{}`, which lists no attachment for it",
                            h.vpns[v].meta.name, h.tgws[t].meta.name
                        );
                        self.emit(f, End::Unknown(why), out);
                        return;
                    };
                    self.enter_tgw(a, f, out);
                }
            },
            OnPremVia::Vif(x) => {
                let vif = &h.vifs[x];
                match vif.kind {
                    VifKind::Public => {}
                    VifKind::Private => {
                        let f = f.with_set(f.restrict(DST, &all_v4()));
                        if let Some(g) = vif.vgw {
                            self.vgw_ingress(g, f.clone(), out);
                        }
                        if let Some(d) = vif.dx_gateway {
                            for a in &h.dx_gateways[d].associations {
                                if let DxAssociationTarget::Vgw(g) = a.target {
                                    let nets = crate::rules::vgw_association_cidrs(
                                        self.topo,
                                        g,
                                        &a.allowed_prefixes,
                                    );
                                    let p = f.with_set(f.restrict(DST, &nets_set(nets.iter())));
                                    self.vgw_ingress(g, p, out);
                                }
                            }
                        }
                    }
                    VifKind::Transit => {
                        let Some(d) = vif.dx_gateway else {
                            return;
                        };
                        let cands: Vec<Cand<TgwId, ()>> = h.dx_gateways[d]
                            .associations
                            .iter()
                            .filter_map(|a| match a.target {
                                DxAssociationTarget::Tgw(t) => Some((t, &a.allowed_prefixes)),
                                DxAssociationTarget::Vgw(_) => None,
                            })
                            .flat_map(|(t, nets)| {
                                nets.iter().map(move |n| Cand {
                                    net: *n,
                                    rank: (),
                                    key: t,
                                })
                            })
                            .collect();
                        let (regions, _) = lpm(cands);
                        for (dst, group) in regions {
                            let piece = f.with_set(f.restrict(DST, &dst));
                            if piece.set.is_empty() {
                                continue;
                            }
                            let mut tgws: Vec<TgwId> = group.iter().map(|c| c.key).collect();
                            tgws.sort_unstable();
                            tgws.dedup();
                            for t in tgws {
                                let att = h.tgws[t].attachments.iter().copied().find(|&a| {
                                    h.tgw_attachments[a].kind == TgwAttachmentKind::DxGateway(d)
                                });
                                match att {
                                    Some(a) => self.enter_tgw(a, piece.clone(), out),
                                    None => {
                                        let why = format!(
                                            "transit gateway `{}` has no attachment for direct connect gateway `{}`",
                                            h.tgws[t].meta.name, h.dx_gateways[d].meta.name
                                        );
                                        self.emit(piece.clone(), End::Unknown(why), out);
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
    }

    /// Traffic from on prem entering a transit gateway through attachment `a`.
    fn enter_tgw(&self, a: TgwAttachmentId, f: Frag, out: &mut Reach) {
        let att = &self.topo.hybrid.tgw_attachments[a];
        if !att.available {
            return;
        }
        let Some(rt) = att.route_table else {
            return;
        };
        let f = f.step(Step::TgwIn {
            attachment: a,
            subnet: None,
        });
        self.tgw_lookup(rt, f, None, out);
    }
}
