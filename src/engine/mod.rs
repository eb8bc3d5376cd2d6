//! The forwarding engine: exact reachability over sets of packet headers.
//!
//! It follows `docs/FORWARDING-MODEL.md` (the same semantics the reference
//! simulator in `crate::sim` implements one packet at a time). The engine
//! propagates *fragments*: a header set in the coordinates of the packet as
//! the origin sent it, plus the rewrites applied so far (IGW and NAT
//! translation) and the path of components crossed. Results are therefore
//! exact sets of *original* packets, which is what a user asks about ("which
//! internet packets reach db-1?").

pub mod explain;
pub mod exposure;
mod filters;
pub mod graph;
pub mod hybrid;
mod service;
pub use service::service_ranges;

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::{Arc, Mutex, OnceLock};

use petgraph::visit::EdgeRef;
use rayon::prelude::*;
use smallvec::SmallVec;

pub use explain::{explain, summarize_flows};
pub use graph::{ForwardingGraph, Node, RouteChoice};

use crate::hs::{
    DPORT, DST, HeaderSet, IntervalSet, PROTO, SPORT, SRC, all_v4, all_v6, encode, icmp_set,
    nets_set,
};
use crate::model::{
    Direction, EndpointKind, EniId, EniOwner, ICMP, ICMPV6, IgwId, LbKind, NatId, OnPremId,
    OnPremVia, SgTag, SubnetId, TCP, TgwAttachmentId, TgwRouteTableId, Topology, UDP, VgwId, VpcId,
    referenced_vpcs,
};
pub use filters::SgFilter;
use filters::{nacl_allowed, references_in, sg_filter_one, sg_members, sg_union};

pub use crate::model::Origin;

/// One step of a path, kept symbolic until a witness is explained.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub enum Step {
    /// Internet → IGW inbound translation to a private address (C-6.1), or
    /// IPv6 (no translation) when `public` is `None`.
    IgwIn {
        igw: IgwId,
        private: Option<IpAddr>,
        public: Option<IpAddr>,
    },
    IgwOut {
        igw: IgwId,
    },
    EigwOut {
        eigw: usize,
    },
    NaclOut {
        subnet: SubnetId,
    },
    NaclIn {
        subnet: SubnetId,
    },
    SgOut {
        eni: EniId,
    },
    SgIn {
        eni: EniId,
    },
    Route {
        table: usize,
        choice: RouteChoice,
    },
    EdgeRoute {
        table: usize,
        choice: RouteChoice,
    },
    Nat {
        nat: NatId,
    },
    Listener {
        eni: EniId,
    },
    Deliver {
        eni: EniId,
    },
    EndpointOut {
        endpoint: usize,
    },
    /// Crossed a VPC peering connection (C-8).
    PeeringCross {
        peering: usize,
    },
    /// Entered a transit gateway through an attachment (through its interface
    /// in `subnet` for a VPC attachment).
    TgwIn {
        attachment: TgwAttachmentId,
        subnet: Option<SubnetId>,
    },
    /// A transit gateway route table decision.
    TgwRoute {
        table: TgwRouteTableId,
        choice: hybrid::TgwChoice,
    },
    /// Left a transit gateway into a VPC through the attachment interface in `subnet`.
    TgwOut {
        attachment: TgwAttachmentId,
        subnet: Option<SubnetId>,
    },
    /// A virtual private gateway's path selection (C-10.3).
    VgwRoute {
        vgw: VgwId,
        choice: hybrid::VgwChoice,
    },
    /// Arrived from on prem at a virtual private gateway.
    VgwIn {
        vgw: VgwId,
    },
    /// Sent by on-prem network `network` into AWS over `via`; `decided` when
    /// the topology's stated on-prem preference chose it.
    OnPremIn {
        network: OnPremId,
        via: OnPremVia,
        decided: bool,
    },
    /// Left AWS towards on prem over `via`.
    OnPremOut {
        via: OnPremVia,
    },
}

/// Where a flow ends.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum End {
    Delivered(EniId),
    Internet,
    Endpoint(usize),
    /// Left AWS towards on prem over a VPN connection or virtual interface.
    OnPrem(OnPremVia),
    Unknown(String),
}

/// A set of original packets that all take one path to one end.
#[derive(Debug, Clone)]
pub struct Flow {
    /// The packets, as the origin sent them.
    pub set: HeaderSet,
    pub end: End,
    pub path: Vec<Step>,
    /// Rewrites applied along the path (for explaining witnesses).
    pub rewrites: Rewrites,
}

/// Header fields overwritten so far, in current coordinates.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Rewrites {
    pub src: Option<u128>,
    pub dst: Option<u128>,
    /// NAT source ports (only displayed: no AWS filter matches source ports).
    pub sport: Option<(u16, u16)>,
}

#[derive(Debug, Clone)]
struct Frag {
    set: HeaderSet,
    rw: Rewrites,
    path: Vec<Step>,
    via_nat: bool,
    from_internet: bool,
    /// Replies to flows the destination started: security groups admit
    /// them whatever their rules (C-5.3).
    reply_in: bool,
    /// The security group identity the packets carry (C-5.8).
    tag: SgTag,
    /// The sender's egress rules let these packets out only through a rule
    /// that references a group of another VPC: they count only once they
    /// cross a same-Region peering into it (C-5.7; C-9.9 inbound only).
    remote_egress: bool,
    /// The sender is still the origin, and its subnet's ACL applies to what
    /// it sends even inside the subnet (a classic load balancer node, C-4.9).
    nacl_inside: bool,
}

impl Frag {
    fn step(mut self, s: Step) -> Frag {
        self.path.push(s);
        self
    }

    fn with_set(&self, set: HeaderSet) -> Frag {
        // Filtering by many rules leaves many cubes that differ in one field
        // or not at all (e.g. once the destination is one interface, rules
        // for different CIDRs coincide); merging them keeps sets small.
        let set = if set.cubes().len() > 4 {
            set.into_coalesced()
        } else {
            set
        };
        Frag {
            set,
            path: self.path.clone(),
            rw: self.rw.clone(),
            via_nat: self.via_nat,
            from_internet: self.from_internet,
            reply_in: self.reply_in,
            tag: self.tag,
            remote_egress: self.remote_egress,
            nacl_inside: self.nacl_inside,
        }
    }

    /// Keeps the packets whose *current* header lies in `allowed`.
    fn filter(&self, allowed: &HeaderSet) -> HeaderSet {
        if self.rw.src.is_none() && self.rw.dst.is_none() {
            return self.set.intersect(allowed);
        }
        let mut out = HeaderSet::empty();
        for c in allowed.cubes() {
            if self.rw.src.is_some_and(|v| !c.dims[SRC].contains(v))
                || self.rw.dst.is_some_and(|v| !c.dims[DST].contains(v))
            {
                continue;
            }
            let mut free = c.clone();
            if self.rw.src.is_some() {
                free.dims[SRC] = IntervalSet::range(0, u128::MAX);
            }
            if self.rw.dst.is_some() {
                free.dims[DST] = IntervalSet::range(0, u128::MAX);
            }
            out.append(self.set.intersect_cube(&free));
        }
        out
    }

    /// Keeps the packets whose current value of `dim` lies in `vals`.
    fn restrict(&self, dim: usize, vals: &IntervalSet) -> HeaderSet {
        let rw = match dim {
            SRC => self.rw.src,
            DST => self.rw.dst,
            _ => None,
        };
        match rw {
            Some(v) if vals.contains(v) => self.set.clone(),
            Some(_) => HeaderSet::empty(),
            None => self.set.restrict(dim, vals),
        }
    }

    /// The current destination values.
    fn current(&self, dim: usize) -> IntervalSet {
        let rw = match dim {
            SRC => self.rw.src,
            DST => self.rw.dst,
            _ => None,
        };
        match rw {
            Some(v) => IntervalSet::point(v),
            None => self.set.project(dim),
        }
    }
}

/// What decides how an interface treats delivered packets (C-2.6).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
enum OwnerKey {
    Plain,
    Nat,
    Lb(usize),
    Tgw,
}

impl OwnerKey {
    fn of(o: &EniOwner) -> OwnerKey {
        match o {
            EniOwner::Nat(_) => OwnerKey::Nat,
            EniOwner::LoadBalancer(lb) => OwnerKey::Lb(*lb),
            EniOwner::TransitGateway => OwnerKey::Tgw,
            EniOwner::Workload | EniOwner::Endpoint(_) | EniOwner::Service(_) => OwnerKey::Plain,
        }
    }
}

fn rebase_end(end: &End, from: EniId, to: EniId) -> End {
    match end {
        End::Delivered(x) if *x == from => End::Delivered(to),
        other => other.clone(),
    }
}

fn rebase_step(s: &Step, from: EniId, to: EniId) -> Step {
    let swap = |x: EniId| if x == from { to } else { x };
    match s {
        Step::SgIn { eni } => Step::SgIn { eni: swap(*eni) },
        Step::Listener { eni } => Step::Listener { eni: swap(*eni) },
        Step::Deliver { eni } => Step::Deliver { eni: swap(*eni) },
        other => other.clone(),
    }
}

/// The result of propagating a set of packets from an origin.
#[derive(Debug, Clone, Default)]
pub struct Reach {
    pub flows: Vec<Flow>,
    /// Whether the security groups of a watched interface
    /// ([`Engine::watch_groups`]) were evaluated for some packet of this
    /// reach (whatever they decided).
    pub watched: bool,
}

impl Reach {
    pub fn delivered_to(&self, eni: EniId) -> HeaderSet {
        let mut s = HeaderSet::empty();
        for f in self.flows.iter().filter(|f| f.end == End::Delivered(eni)) {
            s = s.union(&f.set);
        }
        s
    }
}

/// The engine for one topology: compiled filters and the forwarding graph.
pub struct Engine<'t> {
    pub topo: &'t Topology,
    pub graph: ForwardingGraph,
    nacl_in: Vec<HeaderSet>,
    nacl_out: Vec<HeaderSet>,
    eni_addrs: Vec<IntervalSet>,
    /// Per group: the addresses a reference matches, and the ambiguous ones
    /// (C-5.6; empty in the exposure reading).
    members: (Vec<IntervalSet>, Vec<IntervalSet>),
    /// The must-reach reading of C-5.6 (see [`Engine::must_reach`]).
    primary_only: bool,
    /// The engine in the other reading, built on first use (queries).
    twin: OnceLock<Box<Engine<'t>>>,
    /// Whether the two readings can differ, computed on first use.
    ambiguous: OnceLock<bool>,
    /// Per VPC: its attached interfaces.
    vpc_enis: Vec<Vec<EniId>>,
    /// Per VPC: (address run, interface) sorted, for local delivery.
    vpc_addrs: Vec<Vec<(u128, u128, EniId)>>,
    /// Per VPC: every private IPv4 with a public mapping (for IGW egress, C-6.1).
    mapped_private: Vec<IntervalSet>,
    /// Shared by the threads that propagate independent sources at once.
    sg_cache: Mutex<HashMap<SgSetKey, Arc<SgFilter>>>,
    /// Per security group, compiled on first use.
    sg_in: Vec<OnceLock<SgFilter>>,
    sg_out: Vec<OnceLock<SgFilter>>,
    /// Per interface, [dir, egress] (indexed by `Direction`): its groups' filter for packets
    /// from its own VPC (the common case), so a lookup needs no lock.
    eni_sg: Vec<[OnceLock<Arc<SgFilter>>; 2]>,
    /// Per security group, [dir, egress] (indexed by `Direction`): whether a rule references a
    /// group of its own VPC (what its cached filter assumes, C-5.8).
    refs_own: Vec<[bool; 2]>,
    /// Transit gateway tables, VGWs and on-prem routing, compiled.
    hybrid: hybrid::HybridTables,
    /// Per interface: whether it has a watched security group
    /// ([`Engine::watch_groups`]); empty when nothing is watched.
    watch: Vec<bool>,
}

const MAX_NAT_HOPS: usize = 8;

/// A set of security groups, a direction (true: dir) and the security
/// group identity of the packet (C-5.8), normalised to `None` when the
/// rules reference no group of that VPC.
type SgSetKey = (Vec<usize>, Direction, Option<VpcId>);

/// IPv4 outside RFC 1918 and RFC 6598, and global IPv6 (2000::/3).
fn internet_sources() -> IntervalSet {
    static SET: std::sync::LazyLock<IntervalSet> = std::sync::LazyLock::new(|| {
        let global: Vec<ipnet::IpNet> =
            ["2000::/3"].iter().filter_map(|s| s.parse().ok()).collect();
        all_v4()
            .subtract(&non_internet_v4())
            .union(&nets_set(global.iter()))
    });
    SET.clone()
}

/// A flow on `path` to `end` crosses an internet gateway with a definite
/// end: in from the internet, or out to it through an internet gateway or
/// an egress-only one (C-6.8, C-6.9).
fn through_igw(path: &[Step], end: &End) -> bool {
    !matches!(end, End::Unknown(_))
        && path.iter().any(|s| match s {
            Step::IgwIn { .. } => true,
            Step::IgwOut { .. } | Step::EigwOut { .. } => *end == End::Internet,
            _ => false,
        })
}

/// The packets of [`crate::rules::tcp_udp_or_icmp`], per family: what a NAT
/// gateway passes (C-7.1) and what may be proven to cross an internet
/// gateway (C-6.8). Compiled from the simulator's predicate.
fn tcp_udp_or_icmp_set() -> &'static HeaderSet {
    static SET: std::sync::LazyLock<HeaderSet> = std::sync::LazyLock::new(|| {
        let protos = |v4: bool| {
            IntervalSet::from_ranges(
                (0..=255u8)
                    .filter(|&p| crate::rules::tcp_udp_or_icmp(p, v4))
                    .map(|p| (u128::from(p), u128::from(p)))
                    .collect(),
            )
        };
        HeaderSet::family(true)
            .restrict(PROTO, &protos(true))
            .union(&HeaderSet::family(false).restrict(PROTO, &protos(false)))
    });
    &SET
}

/// RFC 1918 and RFC 6598 destinations, which an IGW never sends out (C-6.3).
fn non_internet_v4() -> IntervalSet {
    static SET: std::sync::LazyLock<IntervalSet> = std::sync::LazyLock::new(|| {
        let private: Vec<ipnet::IpNet> = [
            "10.0.0.0/8",
            "172.16.0.0/12",
            "192.168.0.0/16",
            "100.64.0.0/10",
        ]
        .iter()
        .filter_map(|s| s.parse().ok())
        .collect();
        nets_set(private.iter())
    });
    SET.clone()
}

/// RFC 1918 and RFC 6598 IPv4: the private space on-prem networks reach
/// over VPN and private or transit virtual interfaces.
pub fn non_internet_space() -> IntervalSet {
    non_internet_v4()
}

/// Every internet source address: IPv4 outside RFC 1918/6598, global IPv6.
pub fn internet_source_set() -> IntervalSet {
    internet_sources()
}

/// Every address of the declared on-prem networks: not the internet, even
/// where public (a query naming one resolves to the on-prem network). A
/// derived network's CIDRs are what AWS routes towards a connection (often
/// `0.0.0.0/0`), not addresses on prem owns, so they take nothing from the
/// internet. The one rule for queries and `transit-encryption`.
pub fn on_prem_space(topo: &Topology) -> IntervalSet {
    nets_set(
        topo.hybrid
            .on_prem
            .iter()
            .filter(|n| !n.derived)
            .flat_map(|n| n.cidrs.iter()),
    )
}

impl<'t> Engine<'t> {
    /// The engine in the exposure reading of C-5.6: a reference to a group
    /// matches every address of its members (what may reach).
    pub fn new(topo: &'t Topology) -> Engine<'t> {
        Engine::build(topo, false)
    }

    /// The engine for an interactive session: [`Engine::new`] with its
    /// must-reach twin (see [`Engine::for_must_reach`]) built up front, so
    /// that the session's first yes answer does not pay for building it.
    pub fn for_session(topo: &'t Topology) -> Engine<'t> {
        let engine = Engine::new(topo);
        let _ = engine.for_must_reach();
        engine
    }

    /// The engine in the must-reach reading of C-5.6: a reference matches
    /// only its members' primary private IPv4 addresses, and what only
    /// their other addresses would admit is unknown (what surely reaches).
    pub fn must_reach(topo: &'t Topology) -> Engine<'t> {
        Engine::build(topo, true)
    }

    /// True when the two readings of C-5.6 can differ: some rule references
    /// a group one of whose members has an address besides its primary
    /// private IPv4.
    pub fn references_are_ambiguous(topo: &Topology) -> bool {
        let referenced: std::collections::HashSet<usize> = topo
            .security_groups
            .iter()
            .flat_map(|g| g.ingress.iter().chain(g.egress.iter()))
            .filter_map(|r| match r.peer {
                crate::model::SgPeer::SecurityGroup(x) => Some(x),
                _ => None,
            })
            .collect();
        topo.enis.iter().any(|e| {
            e.attached
                && e.address_nets().len() > 1
                && e.security_groups.iter().any(|g| referenced.contains(g))
        })
    }

    /// For a yes that must hold in the must-reach reading of C-5.6: this
    /// engine when the readings cannot differ (or it is already that
    /// reading), else the must-reach engine of the same topology, built
    /// once and kept.
    pub fn for_must_reach(&self) -> &Engine<'t> {
        if self.primary_only
            || !*self
                .ambiguous
                .get_or_init(|| Self::references_are_ambiguous(self.topo))
        {
            return self;
        }
        self.must_reach_engine()
    }

    /// The must-reach engine of this topology (this one, or its twin built
    /// once and kept), whether or not the readings of C-5.6 differ: for a
    /// yes that rests on [`Engine::unprovable_at_igw`] flows (C-6.8).
    pub fn must_reach_engine(&self) -> &Engine<'t> {
        if self.primary_only {
            return self;
        }
        self.twin
            .get_or_init(|| Box::new(Engine::must_reach(self.topo)))
    }

    /// True when part of flow `f` (of this engine's reach) is of a protocol
    /// that crosses an internet gateway and may not be proven to (C-6.8):
    /// the must-reach engine answers it as unknown.
    pub fn unprovable_at_igw(f: &Flow) -> bool {
        through_igw(&f.path, &f.end) && !f.set.subtract(tcp_udp_or_icmp_set()).is_empty()
    }

    fn build(topo: &'t Topology, primary_only: bool) -> Engine<'t> {
        let graph = ForwardingGraph::build(topo);
        let nacl_in = (0..topo.nacls.len())
            .map(|n| nacl_allowed(topo, n, Direction::Ingress))
            .collect();
        let nacl_out = (0..topo.nacls.len())
            .map(|n| nacl_allowed(topo, n, Direction::Egress))
            .collect();
        let eni_addrs: Vec<IntervalSet> = topo
            .enis
            .iter()
            .map(|e| nets_set(e.address_nets().iter()))
            .collect();
        let members = sg_members(topo, primary_only);
        let mut vpc_addrs: Vec<Vec<(u128, u128, EniId)>> = vec![Vec::new(); topo.vpcs.len()];
        let mut mapped: Vec<Vec<(u128, u128)>> = vec![Vec::new(); topo.vpcs.len()];
        for (e, eni) in topo.enis.iter().enumerate() {
            if !eni.attached {
                continue;
            }
            for &(a, b) in eni_addrs[e].runs() {
                vpc_addrs[eni.vpc].push((a, b, e));
            }
            for p in eni.private_ips.iter().filter(|p| p.public.is_some()) {
                let v = encode(IpAddr::V4(p.addr));
                mapped[eni.vpc].push((v, v));
            }
        }
        for v in &mut vpc_addrs {
            v.sort_unstable();
        }
        let mut vpc_enis: Vec<Vec<EniId>> = vec![Vec::new(); topo.vpcs.len()];
        for (e, eni) in topo.enis.iter().enumerate().filter(|(_, x)| x.attached) {
            vpc_enis[eni.vpc].push(e);
        }
        Engine {
            topo,
            graph,
            nacl_in,
            nacl_out,
            eni_addrs,
            members,
            primary_only,
            twin: OnceLock::new(),
            ambiguous: OnceLock::new(),
            vpc_enis,
            vpc_addrs,
            mapped_private: mapped.into_iter().map(IntervalSet::from_ranges).collect(),
            sg_cache: Mutex::new(HashMap::new()),
            sg_in: (0..topo.security_groups.len())
                .map(|_| OnceLock::new())
                .collect(),
            sg_out: (0..topo.security_groups.len())
                .map(|_| OnceLock::new())
                .collect(),
            eni_sg: (0..topo.enis.len())
                .map(|_| [OnceLock::new(), OnceLock::new()])
                .collect(),
            refs_own: (0..topo.security_groups.len())
                .map(|g| {
                    let own = topo.security_groups[g].vpc;
                    Direction::BOTH.map(|dir| references_in(topo, g, dir, own))
                })
                .collect(),
            hybrid: hybrid::HybridTables::build(topo),
            watch: Vec::new(),
        }
    }

    /// A new engine of the same topology and reading of C-5.6 that watches
    /// security groups `groups` ([`Engine::watch_groups`]).
    pub fn watching(&self, groups: &[usize]) -> Engine<'t> {
        let mut e = Engine::build(self.topo, self.primary_only);
        e.watch_groups(groups);
        e
    }

    /// True when both engines read C-5.6 the same way.
    pub fn same_reading(&self, other: &Engine<'_>) -> bool {
        self.primary_only == other.primary_only
    }

    /// Watches security groups `groups`: a reach that evaluates the groups
    /// of an interface that has one of them is marked [`Reach::watched`].
    /// Every evaluation of an interface's security groups while
    /// propagating is such a point (delivery, [`Engine::deliver_checked`]
    /// and its grouped form, and an interface's egress); the rules of a
    /// group are read nowhere else during a propagation, so a reach that is
    /// not marked read none of the watched groups' rules.
    pub fn watch_groups(&mut self, groups: &[usize]) {
        self.watch = self
            .topo
            .enis
            .iter()
            .map(|e| e.security_groups.iter().any(|g| groups.contains(g)))
            .collect();
    }

    /// Marks `out` when interface `e`'s groups are watched: called wherever
    /// a propagation evaluates them.
    fn mark_watched(&self, e: EniId, out: &mut Reach) {
        if self.watch.get(e).copied().unwrap_or(false) {
            out.watched = true;
        }
    }

    /// What a set of security groups allows for packets that carry the
    /// identity of the groups' own VPC (sent from inside it).
    fn sg(&self, sgs: &[usize], dir: Direction) -> Arc<SgFilter> {
        let own = sgs.first().map(|&g| self.topo.security_groups[g].vpc);
        self.sg_as(sgs, dir, own)
    }

    /// Group `g`'s cached filter in one direction, when it is the one that
    /// applies to packets carrying `identity` (C-5.8). A cell holds the
    /// reading of the group's own VPC, or of no VPC when the group
    /// references none of its own VPC's groups; it applies when a reference
    /// rule counts for `identity` exactly when it counts for that reading.
    fn group_cell(&self, g: usize, dir: Direction, identity: Option<VpcId>) -> Option<&SgFilter> {
        let topo = self.topo;
        let own = topo.security_groups[g].vpc;
        let natural = self.refs_own[g][dir as usize].then_some(own);
        let effective = match identity {
            Some(w) if w == own => natural,
            Some(w) => Some(w).filter(|&w| references_in(topo, g, dir, w)),
            None => None,
        };
        if effective != natural {
            return None;
        }
        let cells = match dir {
            Direction::Ingress => &self.sg_in,
            Direction::Egress => &self.sg_out,
        };
        Some(cells[g].get_or_init(|| sg_filter_one(topo, &self.members, g, dir, natural)))
    }

    /// What a set of security groups allows for packets that carry the
    /// security group identity of `identity`'s interfaces (C-5.6–C-5.8).
    fn sg_as(&self, sgs: &[usize], dir: Direction, identity: Option<VpcId>) -> Arc<SgFilter> {
        let topo = self.topo;
        let identity = identity.filter(|&w| sgs.iter().any(|&g| references_in(topo, g, dir, w)));
        let key = (sgs.to_vec(), dir, identity);
        if let Some(f) = self.sg_cache_map().get(&key) {
            return Arc::clone(f);
        }
        let mut owned: Vec<SgFilter> = Vec::new();
        let mut cached: Vec<&SgFilter> = Vec::new();
        for &g in sgs {
            match self.group_cell(g, dir, identity) {
                Some(f) => cached.push(f),
                None => {
                    let effective = identity.filter(|&w| references_in(topo, g, dir, w));
                    owned.push(sg_filter_one(topo, &self.members, g, dir, effective));
                }
            }
        }
        let mut parts = cached;
        parts.extend(owned.iter());
        // Compiled outside the lock: two threads may compile the same set
        // at once, and either result is the same filter.
        let f = Arc::new(sg_union(&parts));
        self.sg_cache_map().insert(key, Arc::clone(&f));
        f
    }

    /// The compiled security group sets. A thread that panicked while
    /// holding the lock left the map consistent (entries are inserted
    /// whole), so a poisoned lock is used as is.
    fn sg_cache_map(&self) -> std::sync::MutexGuard<'_, HashMap<SgSetKey, Arc<SgFilter>>> {
        self.sg_cache
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// The security group filter of an interface for packets sent from its
    /// own VPC. A Network Load Balancer without security groups filters
    /// nothing (C-14.4).
    fn sg_for(&self, e: EniId, dir: Direction) -> Arc<SgFilter> {
        self.sg_for_as(e, dir, Some(self.topo.enis[e].vpc))
    }

    /// [`Engine::sg_for`] for packets that carry the security group identity
    /// of `identity`'s interfaces (C-5.8).
    fn sg_for_as(&self, e: EniId, dir: Direction, identity: Option<VpcId>) -> Arc<SgFilter> {
        let eni = &self.topo.enis[e];
        if eni.security_groups.is_empty()
            && let EniOwner::LoadBalancer(lb) = eni.owner
            && self.topo.load_balancers[lb].kind == LbKind::Network
        {
            return Arc::new(SgFilter {
                allowed: HeaderSet::universe(),
                unknown: HeaderSet::empty(),
            });
        }
        // An interface endpoint without groups uses the VPC's default group
        // (C-13.7), whose rules the topology does not name: unknown.
        if eni.security_groups.is_empty() && matches!(eni.owner, EniOwner::Endpoint(_)) {
            return Arc::new(SgFilter {
                allowed: HeaderSet::empty(),
                unknown: HeaderSet::universe(),
            });
        }
        if identity == Some(eni.vpc)
            && let Some(cell) = self.eni_sg.get(e)
        {
            let f =
                cell[dir as usize].get_or_init(|| self.sg_as(&eni.security_groups, dir, identity));
            return Arc::clone(f);
        }
        self.sg_as(&eni.security_groups, dir, identity)
    }

    /// The compiled filter of each of interface `e`'s groups, when each is
    /// the one that applies to packets carrying `identity` (C-5.8) and none
    /// depends on unknown prefix lists. A set of groups allows the union of
    /// what each allows (C-5.1), so filtering by each and joining the
    /// results is exact, and the union of a new combination of groups is
    /// never compiled. `None`: use [`Engine::sg_for_as`].
    fn sg_groups(
        &self,
        e: EniId,
        dir: Direction,
        identity: Option<VpcId>,
    ) -> Option<SmallVec<[&SgFilter; 4]>> {
        let topo = self.topo;
        let eni = &topo.enis[e];
        if eni.security_groups.is_empty() {
            return None; // the owner decides (C-13.7, C-14.4)
        }
        let mut out = SmallVec::new();
        for &g in &eni.security_groups {
            let f = self.group_cell(g, dir, identity)?;
            if !f.unknown.is_empty() {
                return None;
            }
            out.push(f);
        }
        Some(out)
    }

    /// Why a security group decision is unknown: the groups that use prefix
    /// lists whose entries are not in the topology.
    fn unknown_pl_reason(&self, sgs: &[usize]) -> String {
        let names: Vec<String> = sgs
            .iter()
            .filter(|&&g| {
                let sg = &self.topo.security_groups[g];
                sg.ingress.iter().chain(sg.egress.iter()).any(|r| {
                    matches!(r.peer, crate::model::SgPeer::PrefixList(pl) if self.topo.prefix_lists[pl].entries.is_none())
                })
            })
            .map(|&g| format!("`{}`", self.topo.security_groups[g].meta.name))
            .collect();
        if names.is_empty() && self.primary_only {
            let refs: Vec<String> = sgs
                .iter()
                .flat_map(|&g| {
                    let sg = &self.topo.security_groups[g];
                    sg.ingress.iter().chain(sg.egress.iter())
                })
                .filter_map(|r| match r.peer {
                    crate::model::SgPeer::SecurityGroup(x) if !self.members.1[x].is_empty() => {
                        Some(format!("`{}`", self.topo.security_groups[x].meta.name))
                    }
                    _ => None,
                })
                .collect::<std::collections::BTreeSet<_>>()
                .into_iter()
                .collect();
            if !refs.is_empty() {
                return format!(
                    "a rule references security group {}, which admits this only through a member's secondary IPv4, IPv6 or prefix address; AWS does not say whether those match (C-5.6), so only primary addresses count for must-reach answers",
                    refs.join(", ")
                );
            }
        }
        if names.is_empty() {
            return "an interface endpoint without security groups uses the VPC's default group, which the topology does not name (C-13.7)".into();
        }
        format!(
            "security group {} uses a prefix list whose entries are unknown",
            names.join(", ")
        )
    }

    /// The attached interface of `vpc` that owns `addr`, if any.
    pub fn eni_owning(&self, vpc: VpcId, addr: IpAddr) -> Option<EniId> {
        let v = encode(addr);
        let addrs = &self.vpc_addrs[vpc];
        let start = addrs.partition_point(|&(_, b, _)| b < v);
        addrs[start..]
            .iter()
            .take_while(|&&(a, _, _)| a <= v)
            .map(|&(_, _, e)| e)
            .next()
    }

    /// The addresses of an interface.
    pub fn eni_addrs(&self, eni: EniId) -> &IntervalSet {
        &self.eni_addrs[eni]
    }

    /// Propagates `set` (in the origin's coordinates) and returns every flow
    /// that is delivered, leaves AWS, or reaches something not modelled.
    pub fn reach(&self, origin: Origin, set: &HeaderSet) -> Reach {
        match origin {
            Origin::Internet => {
                let mut out = Reach::default();
                self.propagate_internet(set, &mut out);
                out.flows.retain(|f| !f.set.is_empty());
                out
            }
            Origin::Eni(e) => self.reach_from_eni(e, set, false),
            Origin::OnPrem(n) => {
                let mut out = Reach::default();
                if n < self.topo.hybrid.on_prem.next_key() {
                    let f = Frag {
                        set: set.clone(),
                        rw: Rewrites::default(),
                        path: Vec::new(),
                        via_nat: false,
                        from_internet: false,
                        reply_in: false,
                        tag: SgTag::Cleared,
                        remote_egress: false,
                        nacl_inside: false,
                    };
                    self.propagate_onprem(n, f, &mut out);
                }
                out.flows.retain(|f| !f.set.is_empty());
                out
            }
        }
    }

    /// Propagates replies sent by interface `e` to flows it accepted: the
    /// security groups are stateful and let them out (C-5.3); NACLs and
    /// routes are evaluated again (C-0.2).
    pub fn reach_reply(&self, e: EniId, set: &HeaderSet) -> Reach {
        self.reach_from_eni(e, set, true)
    }

    /// Propagates packets that the interfaces of a *group* send from their
    /// own addresses: every interface of the group has `e`'s subnet,
    /// security groups and owner, so each step treats them alike, and the
    /// sources in `set` (the members' addresses, restricted by the caller)
    /// keep the results exact per member. One propagation instead of one per
    /// interface.
    pub fn reach_from_group(&self, e: EniId, set: &HeaderSet) -> Reach {
        self.reach_from_eni_src(e, set, false, false)
    }

    /// [`Engine::reach_from_group`] for replies: security groups are
    /// stateful and let them out (C-5.3).
    pub fn reach_reply_from_group(&self, e: EniId, set: &HeaderSet) -> Reach {
        self.reach_from_eni_src(e, set, true, false)
    }

    /// What interface `e`'s security groups may admit inbound (C-5.1): the
    /// packets they allow, and those that depend on unknown prefix lists.
    pub fn sg_ingress_admits(&self, e: EniId) -> HeaderSet {
        let f = self.sg_for(e, Direction::Ingress);
        f.allowed.union(&f.unknown)
    }

    /// What interface `e`'s security groups may let out (C-5.1), including
    /// what depends on unknown prefix lists.
    pub fn sg_egress_admits(&self, e: EniId) -> HeaderSet {
        if matches!(self.topo.enis[e].owner, EniOwner::Nat(_)) {
            return HeaderSet::universe(); // no security groups (C-7.1)
        }
        let f = self.sg_for(e, Direction::Egress);
        f.allowed.union(&f.unknown)
    }

    /// Whether interface `e`'s security groups may admit (`ingress`) or let
    /// out any packet of `set`, counting what depends on unknown prefix
    /// lists: the same answer as intersecting [`Engine::sg_ingress_admits`]
    /// or [`Engine::sg_egress_admits`] with `set`, but decided group by
    /// group (a set of groups allows the union of what each allows, C-5.1),
    /// so the union of a new combination of groups is never compiled.
    pub fn sg_admits_any(&self, e: EniId, dir: Direction, set: &HeaderSet) -> bool {
        let eni = &self.topo.enis[e];
        let no_groups_filter_nothing = eni.security_groups.is_empty()
            && (matches!(eni.owner, EniOwner::Endpoint(_))
                || matches!(eni.owner, EniOwner::LoadBalancer(lb)
                    if self.topo.load_balancers[lb].kind == LbKind::Network));
        if (dir == Direction::Egress && matches!(eni.owner, EniOwner::Nat(_)))
            || no_groups_filter_nothing
        {
            // No groups apply (C-7.1, C-14.4), or the VPC's unnamed default
            // group does (C-13.7, unknown): anything may pass.
            return !set.is_empty();
        }
        // The packets carry the interface's own VPC identity, as in
        // `sg_for` (C-5.8); per group, the cells hold its own VPC's reading.
        let topo = self.topo;
        let meets = |f: &SgFilter| {
            !f.allowed.intersect(set).is_empty() || !f.unknown.intersect(set).is_empty()
        };
        let identity = Some(eni.vpc);
        eni.security_groups
            .iter()
            .any(|&g| match self.group_cell(g, dir, identity) {
                Some(f) => meets(f),
                None => {
                    let effective = identity.filter(|&w| references_in(topo, g, dir, w));
                    meets(&sg_filter_one(topo, &self.members, g, dir, effective))
                }
            })
    }

    fn reach_from_eni(&self, e: EniId, set: &HeaderSet, reply: bool) -> Reach {
        self.reach_from_eni_src(e, set, reply, true)
    }

    fn reach_from_eni_src(&self, e: EniId, set: &HeaderSet, reply: bool, own_src: bool) -> Reach {
        let mut out = Reach::default();
        let f = Frag {
            set: set.clone(),
            rw: Rewrites::default(),
            path: Vec::new(),
            via_nat: false,
            from_internet: false,
            reply_in: false,
            tag: SgTag::Local(self.topo.enis[e].vpc),
            remote_egress: false,
            nacl_inside: crate::rules::nacl_out_within_subnet(self.topo, e),
        };
        self.propagate_eni(e, f, &mut out, reply, own_src);
        out.flows.retain(|f| !f.set.is_empty());
        out
    }

    fn emit(&self, f: Frag, end: End, out: &mut Reach) {
        // Let out only by a reference to a group of another VPC, and not
        // delivered across a same-Region peering into it: the rule does not
        // match (C-5.7, C-9.9), so nothing definite happens.
        if f.remote_egress && !matches!(end, End::Unknown(_)) {
            return;
        }
        if !f.set.is_empty() {
            self.push(
                Flow {
                    set: f.set,
                    end,
                    path: f.path,
                    rewrites: f.rw,
                },
                out,
            );
        }
    }

    /// Records a flow. Must-reach: only tcp, udp and icmp may be proven to
    /// cross an internet gateway (C-6.8), in from the internet or out to
    /// it; the rest of such a flow is unknown.
    fn push(&self, f: Flow, out: &mut Reach) {
        if self.primary_only && Self::unprovable_at_igw(&f) {
            out.flows.push(Flow {
                set: f.set.subtract(tcp_udp_or_icmp_set()),
                end: End::Unknown(crate::rules::igw_protocol_unknown()),
                path: f.path.clone(),
                rewrites: f.rewrites.clone(),
            });
            let set = f.set.intersect(tcp_udp_or_icmp_set());
            if !set.is_empty() {
                out.flows.push(Flow { set, ..f });
            }
            return;
        }
        out.flows.push(f);
    }
    /// BPA against internet ingress (C-6.10), as the simulator states it.
    fn bpa_blocks_ingress(&self, vpc: VpcId, subnet: Option<SubnetId>) -> bool {
        crate::rules::bpa_blocks_ingress(self.topo, vpc, subnet)
    }

    /// BPA against internet egress (C-6.10), as the simulator states it.
    fn bpa_blocks_egress(&self, vpc: VpcId, subnet: SubnetId, via_nat_or_eigw: bool) -> bool {
        crate::rules::bpa_blocks_igw_egress(self.topo, vpc, subnet, via_nat_or_eigw)
    }

    fn propagate_internet(&self, set: &HeaderSet, out: &mut Reach) {
        let src_ok = internet_sources();
        let base = set.restrict(SRC, &src_ok);
        // Each internet gateway leads into its own VPC: they are followed on
        // every core, and their flows kept in the gateways' order.
        let per_igw: Vec<Reach> = (0..self.topo.igws.len())
            .into_par_iter()
            .map(|i| {
                let mut out = Reach::default();
                self.internet_via(i, &base, &mut out);
                out
            })
            .collect();
        for r in per_igw {
            out.flows.extend(r.flows);
            out.watched |= r.watched;
        }
    }

    /// Internet → internet gateway `i` → its VPC.
    fn internet_via(&self, i: IgwId, base: &HeaderSet, out: &mut Reach) {
        let igw = &self.topo.igws[i];
        {
            let Some(v) = igw.vpc else { return };
            // BPA: a blocked VPC admits nothing unless some subnet is excluded (C-6.10).
            if crate::rules::bpa_blocks_vpc_ingress(self.topo, v) {
                return;
            }
            let vpc = &self.topo.vpcs[v];
            let v4_cidrs = nets_set(
                vpc.cidrs
                    .iter()
                    .map(|c| ipnet::IpNet::V4(*c))
                    .collect::<Vec<_>>()
                    .iter(),
            );
            let v6_cidrs = nets_set(
                vpc.ipv6_cidrs
                    .iter()
                    .map(|c| ipnet::IpNet::V6(*c))
                    .collect::<Vec<_>>()
                    .iter(),
            );
            if igw.edge_route_table.is_none() {
                self.internet_fast(i, v, base, &v4_cidrs, &v6_cidrs, out);
                return;
            }
            // IPv4: one-to-one NAT of each mapped public address (C-6.1, C-2.2).
            for &e in &self.vpc_enis[v] {
                let eni = &self.topo.enis[e];
                for (k, p) in eni.private_ips.iter().enumerate() {
                    let Some(public) = p.public else { continue };
                    let pub_addr = IpAddr::V4(public.addr(e, k));
                    let s = base.restrict(DST, &IntervalSet::point(encode(pub_addr)));
                    let s = s.subtract(&HeaderSet::universe().restrict(SRC, &v4_cidrs));
                    if s.is_empty() {
                        continue;
                    }
                    let f = Frag {
                        set: s,
                        rw: Rewrites {
                            dst: Some(encode(IpAddr::V4(p.addr))),
                            ..Rewrites::default()
                        },
                        path: vec![Step::IgwIn {
                            igw: i,
                            private: Some(IpAddr::V4(p.addr)),
                            public: Some(pub_addr),
                        }],
                        via_nat: false,
                        from_internet: true,
                        reply_in: false,
                        tag: SgTag::Cleared,
                        remote_egress: false,
                        nacl_inside: false,
                    };
                    self.igw_deliver(i, v, f, out);
                }
            }
            // IPv6: no translation (C-6.2).
            if !v6_cidrs.is_empty() {
                let s = base
                    .restrict(DST, &v6_cidrs)
                    .restrict(SRC, &all_v6().subtract(&v6_cidrs));
                if !s.is_empty() {
                    let f = Frag {
                        set: s,
                        rw: Rewrites::default(),
                        path: vec![Step::IgwIn {
                            igw: i,
                            private: None,
                            public: None,
                        }],
                        via_nat: false,
                        from_internet: true,
                        reply_in: false,
                        tag: SgTag::Cleared,
                        remote_egress: false,
                        nacl_inside: false,
                    };
                    self.igw_deliver(i, v, f, out);
                }
            }
        }
    }

    /// Internet → IGW → interfaces when the IGW has no edge route table.
    ///
    /// Inbound NACL and security group rules match the source, never the
    /// destination, so what reaches an interface depends only on its subnet,
    /// its security groups and its owner: each distinct combination is
    /// evaluated once (with the destination left free) and the result is
    /// specialised to every interface that shares it. Exact, and far cheaper
    /// than evaluating each interface.
    fn internet_fast(
        &self,
        igw: IgwId,
        vpc: VpcId,
        base: &HeaderSet,
        v4_cidrs: &IntervalSet,
        v6_cidrs: &IntervalSet,
        out: &mut Reach,
    ) {
        let v4_in = base
            .restrict(DST, &all_v4())
            .restrict(SRC, &all_v4().subtract(v4_cidrs));
        let v6_in = base
            .restrict(DST, v6_cidrs)
            .restrict(SRC, &all_v6().subtract(v6_cidrs));
        let mut input = v4_in;
        input.append(v6_in);
        if input.is_empty() {
            return;
        }
        let mut memo: HashMap<(SubnetId, Vec<usize>, OwnerKey), Vec<Flow>> = HashMap::new();
        // The destinations asked about: an interface none of whose
        // addresses is among them yields nothing, so it is skipped before
        // its (subnet, groups, owner) combination is evaluated.
        let wanted = base.project(DST);
        for &e in &self.vpc_enis[vpc] {
            let eni = &self.topo.enis[e];
            let has_public = eni.private_ips.iter().enumerate().any(|(k, p)| {
                p.public
                    .is_some_and(|pb| wanted.contains(encode(IpAddr::V4(pb.addr(e, k)))))
            });
            let v6_dst = self.eni_addrs[e].intersect(v6_cidrs).intersect(&wanted);
            if !has_public && v6_dst.is_empty() {
                continue;
            }
            let key = (
                eni.subnet,
                eni.security_groups.clone(),
                OwnerKey::of(&eni.owner),
            );
            let template = memo.entry(key).or_insert_with(|| {
                let mut r = Reach::default();
                let f = Frag {
                    set: input.clone(),
                    rw: Rewrites::default(),
                    path: Vec::new(),
                    via_nat: false,
                    from_internet: true,
                    reply_in: false,
                    tag: SgTag::Cleared,
                    remote_egress: false,
                    nacl_inside: false,
                };
                self.deliver(e, None, f, &mut r);
                out.watched |= r.watched;
                // Stand for "this interface" in the template.
                for fl in &mut r.flows {
                    fl.end = rebase_end(&fl.end, e, usize::MAX);
                    for st in &mut fl.path {
                        *st = rebase_step(st, e, usize::MAX);
                    }
                }
                r.flows
            });
            for t in template.iter() {
                let end = rebase_end(&t.end, usize::MAX, e);
                let path: Vec<Step> = t
                    .path
                    .iter()
                    .map(|st| rebase_step(st, usize::MAX, e))
                    .collect();
                for (k, p) in eni.private_ips.iter().enumerate() {
                    let Some(public) = p.public else { continue };
                    let pub_addr = IpAddr::V4(public.addr(e, k));
                    let set = t.set.restrict(DST, &IntervalSet::point(encode(pub_addr)));
                    if set.is_empty() {
                        continue;
                    }
                    let mut full = vec![Step::IgwIn {
                        igw,
                        private: Some(IpAddr::V4(p.addr)),
                        public: Some(pub_addr),
                    }];
                    full.extend(path.iter().cloned());
                    self.push(
                        Flow {
                            set,
                            end: end.clone(),
                            path: full,
                            rewrites: Rewrites {
                                dst: Some(encode(IpAddr::V4(p.addr))),
                                ..t.rewrites.clone()
                            },
                        },
                        out,
                    );
                }
                if !v6_dst.is_empty() {
                    let set = t.set.restrict(DST, &v6_dst);
                    if !set.is_empty() {
                        let mut full = vec![Step::IgwIn {
                            igw,
                            private: None,
                            public: None,
                        }];
                        full.extend(path.iter().cloned());
                        self.push(
                            Flow {
                                set,
                                end: end.clone(),
                                path: full,
                                rewrites: t.rewrites.clone(),
                            },
                            out,
                        );
                    }
                }
            }
        }
    }

    /// Splits `f` by the destination regions of route table `t` (C-3.3–C-3.9,
    /// compiled in the graph): for each non-empty piece, the node it goes
    /// to, the piece with the route recorded on its path, and the choice.
    fn by_route(&self, t: usize, f: &Frag, edge_table: bool) -> Vec<(Node, Frag, RouteChoice)> {
        let Some(n) = self.graph.node(Node::RouteTable(t)) else {
            return Vec::new();
        };
        let mut edges: Vec<_> = self.graph.g.edges(n).collect();
        edges.sort_by_key(|e| e.id());
        let mut out = Vec::new();
        // Most regions of a large table miss the packets' destinations:
        // they are skipped on the destinations alone, before any set or
        // fragment is built.
        let current = f.current(DST);
        for er in edges {
            let graph::Edge::Route(edge) = er.weight() else {
                continue;
            };
            if !current.intersects(&edge.dst) {
                continue;
            }
            let set = f.restrict(DST, &edge.dst);
            if set.is_empty() {
                continue;
            }
            let piece = f.with_set(set);
            let choice = edge.choice.clone();
            let step = if edge_table {
                Step::EdgeRoute {
                    table: t,
                    choice: choice.clone(),
                }
            } else {
                Step::Route {
                    table: t,
                    choice: choice.clone(),
                }
            };
            out.push((self.graph.g[er.target()], piece.step(step), choice));
        }
        out
    }

    /// After inbound translation: the edge route table if any (C-3.11), then
    /// local delivery, never the subnet's table (C-6.4).
    fn igw_deliver(&self, igw: IgwId, vpc: VpcId, f: Frag, out: &mut Reach) {
        match self.topo.igws[igw].edge_route_table {
            None => self.local_deliver(vpc, None, f, out),
            Some(t) => {
                for (node, piece, _) in self.by_route(t, &f, true) {
                    match node {
                        Node::VpcLocal(_) => self.local_deliver(vpc, None, piece, out),
                        _ => {
                            let why = format!(
                                "edge route table `{}` redirects inbound traffic to a target that is not modelled (C-3.11)",
                                self.topo.route_tables[t].meta.name
                            );
                            self.emit(piece, End::Unknown(why), out)
                        }
                    }
                }
            }
        }
    }

    /// Delivers to the attached interface owning the current destination.
    fn local_deliver(&self, vpc: VpcId, from: Option<SubnetId>, f: Frag, out: &mut Reach) {
        let dst = f.current(DST);
        let addrs = &self.vpc_addrs[vpc];
        let mut hit: Vec<EniId> = Vec::new();
        for &(lo, hi) in dst.runs() {
            let start = addrs.partition_point(|&(_, b, _)| b < lo);
            for &(a, _, e) in &addrs[start..] {
                if a > hi {
                    break;
                }
                hit.push(e);
            }
        }
        hit.sort_unstable();
        hit.dedup();
        // NACLs belong to subnets: filter once per destination subnet, on the
        // packets for all its interfaces, then split by interface (exact:
        // filtering is intersection, which commutes with the split).
        hit.sort_by_key(|&e| (self.topo.enis[e].subnet, e));
        let mut i = 0;
        while i < hit.len() {
            let subnet = self.topo.enis[hit[i]].subnet;
            let mut j = i;
            let mut addrs = IntervalSet::empty();
            while j < hit.len() && self.topo.enis[hit[j]].subnet == subnet {
                addrs = addrs.union(&self.eni_addrs[hit[j]]);
                j += 1;
            }
            let piece = f.with_set(f.restrict(DST, &addrs));
            if let Some(piece) = self.cross_nacls(subnet, from, piece) {
                // Security groups match sources, never the destination:
                // interfaces with the same groups and owner are filtered
                // once, then split by address (exact, as for NACLs).
                let mut members: Vec<EniId> = hit[i..j].to_vec();
                members.sort_by(|&a, &b| {
                    let (x, y) = (&self.topo.enis[a], &self.topo.enis[b]);
                    x.security_groups
                        .cmp(&y.security_groups)
                        .then_with(|| format!("{:?}", x.owner).cmp(&format!("{:?}", y.owner)))
                        .then(a.cmp(&b))
                });
                let mut k = 0;
                while k < members.len() {
                    let first = &self.topo.enis[members[k]];
                    let mut l = k + 1;
                    while l < members.len() {
                        let o = &self.topo.enis[members[l]];
                        if o.security_groups != first.security_groups || o.owner != first.owner {
                            break;
                        }
                        l += 1;
                    }
                    self.deliver_group(&members[k..l], &piece, out);
                    k = l;
                }
            }
            i = j;
        }
    }

    /// The NACLs between subnet `from` and subnet `to` (C-4.2, C-4.4):
    /// `None` when nothing passes.
    fn cross_nacls(&self, to: SubnetId, from: Option<SubnetId>, f: Frag) -> Option<Frag> {
        let mut f = f;
        if f.from_internet && self.bpa_blocks_ingress(self.topo.subnets[to].vpc, Some(to)) {
            return None;
        }
        if from != Some(to) {
            // NACLs apply only when crossing the subnet boundary (C-4.4).
            if let Some(s) = from {
                f = f
                    .with_set(f.filter(&self.nacl_out[self.topo.subnets[s].nacl]))
                    .step(Step::NaclOut { subnet: s });
            }
            f = f
                .with_set(f.filter(&self.nacl_in[self.topo.subnets[to].nacl]))
                .step(Step::NaclIn { subnet: to });
        } else if f.nacl_inside {
            // A classic load balancer's own traffic meets its subnet's
            // outbound entries even inside the subnet (C-4.9).
            f = f
                .with_set(f.filter(&self.nacl_out[self.topo.subnets[to].nacl]))
                .step(Step::NaclOut { subnet: to });
        }
        if f.set.is_empty() { None } else { Some(f) }
    }

    fn deliver(&self, e: EniId, from: Option<SubnetId>, f: Frag, out: &mut Reach) {
        if let Some(f) = self.cross_nacls(self.topo.enis[e].subnet, from, f) {
            self.deliver_checked(e, f, out);
        }
    }

    /// Delivery after the NACLs to interfaces that share security groups
    /// and owner: the groups are evaluated once for all of them.
    fn deliver_group(&self, members: &[EniId], f: &Frag, out: &mut Reach) {
        let Some(&first) = members.first() else {
            return;
        };
        if members.len() == 1 || f.reply_in || f.tag.doubtful().is_some() {
            for &m in members {
                let one = f.with_set(f.restrict(DST, &self.eni_addrs[m]));
                if !one.set.is_empty() {
                    self.deliver_checked(m, one, out);
                }
            }
            return;
        }
        for &m in members {
            self.mark_watched(m, out);
        }
        let sg = self.sg_for_as(first, Direction::Ingress, f.tag.identity());
        let unknown = f.with_set(f.filter(&sg.unknown));
        let allowed = f.with_set(f.filter(&sg.allowed));
        let reason = (!unknown.set.is_empty())
            .then(|| self.unknown_pl_reason(&self.topo.enis[first].security_groups));
        for &m in members {
            if let Some(why) = &reason {
                let u = unknown
                    .with_set(unknown.restrict(DST, &self.eni_addrs[m]))
                    .step(Step::SgIn { eni: m });
                self.emit(u, End::Unknown(why.clone()), out);
            }
            let a = allowed.with_set(allowed.restrict(DST, &self.eni_addrs[m]));
            if !a.set.is_empty() {
                self.deliver_owner(m, a.step(Step::SgIn { eni: m }), out);
            }
        }
    }

    /// Delivery after the NACLs: security groups and the owner rule.
    fn deliver_checked(&self, e: EniId, f: Frag, out: &mut Reach) {
        if f.reply_in {
            // A reply to a flow `e` started: stateful groups admit it (C-5.3).
            self.deliver_owner(e, f, out);
            return;
        }
        self.mark_watched(e, out);
        let eni = &self.topo.enis[e];
        if f.tag.doubtful().is_none()
            && let Some(groups) = self.sg_groups(e, Direction::Ingress, f.tag.identity())
        {
            let mut allowed = HeaderSet::empty();
            for g in groups {
                allowed.append(f.filter(&g.allowed));
            }
            if !allowed.is_empty() {
                self.deliver_owner(e, f.with_set(allowed).step(Step::SgIn { eni: e }), out);
            }
            return;
        }
        let sg = self.sg_for_as(e, Direction::Ingress, f.tag.identity());
        if let Some(v) = f.tag.doubtful() {
            // Across a peering whose Regions are not known, references to
            // the sender's groups may or may not match (C-5.7, C-8.4).
            let maybe = self.sg_for_as(e, Direction::Ingress, Some(v));
            let doubt = maybe.allowed.subtract(&sg.allowed).subtract(&sg.unknown);
            let d = f.with_set(f.filter(&doubt)).step(Step::SgIn { eni: e });
            self.emit(
                d,
                End::Unknown(format!(
                    "a rule of the security groups of `{}` admits it only through a reference to a group of a peered VPC whose Region is not known (C-5.7, C-8.4)",
                    eni.meta.name
                )),
                out,
            );
        }
        let unknown = f.filter(&sg.unknown);
        if !unknown.is_empty() {
            self.emit(
                f.with_set(unknown).step(Step::SgIn { eni: e }),
                End::Unknown(self.unknown_pl_reason(&eni.security_groups)),
                out,
            );
        }
        let allowed = f.filter(&sg.allowed);
        if allowed.is_empty() {
            return;
        }
        self.deliver_owner(e, f.with_set(allowed).step(Step::SgIn { eni: e }), out);
    }

    /// The owner rule at delivery (C-2.6), after the security groups.
    fn deliver_owner(&self, e: EniId, f: Frag, out: &mut Reach) {
        let eni = &self.topo.enis[e];
        match &eni.owner {
            EniOwner::Nat(_) => {} // no unsolicited inbound (C-7.1)
            EniOwner::LoadBalancer(lb) => {
                let listeners = self.listener_set(*lb);
                let f = f
                    .with_set(f.filter(&listeners))
                    .step(Step::Listener { eni: e });
                self.emit(f.step(Step::Deliver { eni: e }), End::Delivered(e), out);
            }
            EniOwner::TransitGateway => self.emit(
                f,
                End::Unknown(
                    "delivery to a transit gateway attachment interface is not modelled yet".into(),
                ),
                out,
            ),
            EniOwner::Workload | EniOwner::Endpoint(_) | EniOwner::Service(_) => {
                self.emit(f.step(Step::Deliver { eni: e }), End::Delivered(e), out)
            }
        }
    }

    /// The packets a load balancer's listeners accept (C-14.3).
    pub fn listener_set(&self, lb: usize) -> HeaderSet {
        let mut s = HeaderSet::empty();
        for l in &self.topo.load_balancers[lb].listeners {
            for &p in l.protocol.ip_protocols() {
                let c = crate::hs::Cube::any()
                    .with(PROTO, IntervalSet::point(u128::from(p)))
                    .with(DPORT, IntervalSet::point(u128::from(l.port)));
                s.add_cube(c);
            }
        }
        HeaderSet::universe().intersect(&s)
    }

    fn propagate_eni(&self, e: EniId, f: Frag, out: &mut Reach, reply: bool, own_src: bool) {
        let eni = &self.topo.enis[e];
        if !eni.attached {
            return; // a detached interface sends nothing (C-2.7)
        }
        let mut f = f;
        if eni.source_dest_check && own_src {
            f = f.with_set(f.restrict(SRC, &self.eni_addrs[e]));
        }
        // NAT gateways have no security groups (C-7.1); replies of admitted
        // flows pass security groups whatever their rules (C-5.3).
        let managed = matches!(eni.owner, EniOwner::Nat(_));
        let mut remote: Vec<Frag> = Vec::new();
        if !managed && !reply {
            self.mark_watched(e, out);
            let sg = self.sg_for(e, Direction::Egress);
            let unknown = f
                .with_set(f.filter(&sg.unknown))
                .step(Step::SgOut { eni: e });
            self.emit(
                unknown,
                End::Unknown(self.unknown_pl_reason(&eni.security_groups)),
                out,
            );
            // Rules that reference groups of other VPCs (C-5.7): what only
            // they let out goes on, marked, and counts only across a
            // same-Region peering into that VPC.
            let mut claimed = sg.allowed.union(&sg.unknown);
            for w in referenced_vpcs(self.topo, &eni.security_groups, Direction::Egress) {
                let other = self.sg_for_as(e, Direction::Egress, Some(w));
                let only = other.allowed.subtract(&claimed);
                if only.is_empty() {
                    continue;
                }
                claimed = claimed.union(&only);
                let mut piece = f.with_set(f.filter(&only)).step(Step::SgOut { eni: e });
                piece.remote_egress = true;
                remote.push(piece);
            }
            f = f
                .with_set(f.filter(&sg.allowed))
                .step(Step::SgOut { eni: e });
        }
        let Some(t) = self.topo.subnets[eni.subnet].route_table else {
            return;
        };
        for piece in remote {
            if !piece.set.is_empty() {
                self.route(t, eni.subnet, piece, out);
            }
        }
        if f.set.is_empty() {
            return;
        }
        self.route(t, eni.subnet, f, out);
    }

    fn route(&self, t: usize, src_subnet: SubnetId, f: Frag, out: &mut Reach) {
        let vpc = self.topo.route_tables[t].vpc;
        for (node, piece, choice) in self.by_route(t, &f, false) {
            match node {
                Node::VpcLocal(v) => self.local_deliver(v, Some(src_subnet), piece, out),
                Node::Drop => {}
                Node::Opaque => {
                    let why = match &choice {
                        RouteChoice::Ambiguous(w) => w.clone(),
                        _ => format!(
                            "route table `{}` sends traffic to a target that is not modelled (C-3.10)",
                            self.topo.route_tables[t].meta.name
                        ),
                    };
                    self.emit(piece, End::Unknown(why), out);
                }
                Node::Igw(i) => self.to_igw(i, vpc, src_subnet, piece, out),
                Node::Eigw(i) => {
                    if self.topo.eigws[i].vpc != vpc {
                        continue;
                    }
                    let p = piece
                        .with_set(piece.filter(&self.nacl_out[self.topo.subnets[src_subnet].nacl]));
                    let p = p
                        .with_set(p.restrict(DST, &all_v6()))
                        .step(Step::NaclOut { subnet: src_subnet });
                    if self.bpa_blocks_egress(vpc, src_subnet, true) {
                        continue;
                    }
                    self.emit(p.step(Step::EigwOut { eigw: i }), End::Internet, out);
                }
                Node::Nat(nat) => self.to_nat(nat, src_subnet, piece, out),
                Node::Endpoint(ep) => {
                    let p = piece
                        .with_set(piece.filter(&self.nacl_out[self.topo.subnets[src_subnet].nacl]));
                    // Endpoint connections do not extend out of the VPC: the
                    // source must be inside it (traffic from a transit gateway,
                    // a VPN or DX is not carried; VPCE_GATEWAY_EGRESS_SOURCE_ADDRESS_RESTRICTION).
                    let p = p.with_set(p.restrict(SRC, &hybrid::vpc_cidrs(self.topo, vpc)));
                    let p = p.step(Step::NaclOut { subnet: src_subnet });
                    if self.topo.endpoints[ep].kind != EndpointKind::Gateway {
                        self.emit(
                            p,
                            End::Unknown(
                                "route to a non-gateway VPC endpoint is not modelled yet".into(),
                            ),
                            out,
                        );
                        continue;
                    }
                    // Gateway endpoints carry TCP and ICMP echo only (C-13.4).
                    let mut allowed =
                        HeaderSet::universe().restrict(PROTO, &IntervalSet::point(u128::from(TCP)));
                    let echo4 = HeaderSet::family(true)
                        .restrict(PROTO, &IntervalSet::point(u128::from(ICMP)))
                        .restrict(DPORT, &icmp_set(Some(8), None));
                    let echo6 = HeaderSet::family(false)
                        .restrict(PROTO, &IntervalSet::point(u128::from(ICMPV6)))
                        .restrict(DPORT, &icmp_set(Some(128), None));
                    allowed = allowed.union(&echo4).union(&echo6);
                    let p = p.with_set(p.filter(&allowed));
                    self.emit(
                        p.step(Step::EndpointOut { endpoint: ep }),
                        End::Endpoint(ep),
                        out,
                    );
                }
                Node::Eni(target) => {
                    // An appliance: a black box (C-2.5).
                    if self.topo.enis[target].source_dest_check {
                        continue;
                    }
                    let why = format!(
                        "route to appliance `{}`: what it forwards is not in the topology (C-2.5)",
                        self.topo.enis[target].meta.name
                    );
                    self.emit(piece, End::Unknown(why), out);
                }
                Node::Peering(x) => self.to_peering(x, vpc, src_subnet, piece, out),
                Node::Tgw(x) => self.to_tgw(x, vpc, src_subnet, piece, out),
                Node::Vgw(x) => self.to_vgw(x, vpc, src_subnet, piece, out),
                Node::Internet | Node::RouteTable(_) => {}
            }
        }
    }

    fn to_igw(&self, i: IgwId, vpc: VpcId, src_subnet: SubnetId, f: Frag, out: &mut Reach) {
        if self.topo.igws[i].vpc != Some(vpc) {
            return;
        }
        let f = f
            .with_set(f.filter(&self.nacl_out[self.topo.subnets[src_subnet].nacl]))
            .step(Step::NaclOut { subnet: src_subnet });
        if self.bpa_blocks_egress(vpc, src_subnet, f.via_nat) {
            return;
        }
        let v = &self.topo.vpcs[vpc];
        let v6_cidrs = nets_set(
            v.ipv6_cidrs
                .iter()
                .map(|c| ipnet::IpNet::V6(*c))
                .collect::<Vec<_>>()
                .iter(),
        );
        // IPv4 needs a public mapping for the source (C-6.1) and an internet destination (C-6.3).
        let v4 = f.with_set(f.restrict(SRC, &self.mapped_private[vpc]));
        let v4 = v4.with_set(v4.restrict(DST, &all_v4().subtract(&non_internet_v4())));
        let v6 = f.with_set(f.restrict(SRC, &v6_cidrs));
        let set = v4.set.union(&v6.set);
        let mut rest = f.with_set(set).step(Step::IgwOut { igw: i });
        // Public prefixes on prem advertises over a public virtual interface
        // are reached over Direct Connect, not the internet (C-12.1).
        for (x, nets) in &self.hybrid.public_vifs {
            let via = OnPremVia::Vif(*x);
            let p = rest.with_set(rest.restrict(DST, nets));
            self.emit(p.step(Step::OnPremOut { via }), End::OnPrem(via), out);
        }
        if !self.hybrid.public_vif_space.is_empty() {
            rest =
                rest.with_set(rest.restrict(DST, &everything_but(&self.hybrid.public_vif_space)));
        }
        self.emit(rest, End::Internet, out);
    }

    fn to_nat(&self, nat: NatId, src_subnet: SubnetId, f: Frag, out: &mut Reach) {
        let n = &self.topo.nats[nat];
        if !n.available
            || f.path
                .iter()
                .filter(|s| matches!(s, Step::Nat { .. }))
                .count()
                >= MAX_NAT_HOPS
        {
            return;
        }
        if f.path.contains(&Step::Nat { nat }) {
            return; // routing loop (C-7.5)
        }
        let mut f = f;
        if src_subnet != n.subnet {
            f = f
                .with_set(f.filter(&self.nacl_out[self.topo.subnets[src_subnet].nacl]))
                .step(Step::NaclOut { subnet: src_subnet });
            f = f
                .with_set(f.filter(&self.nacl_in[self.topo.subnets[n.subnet].nacl]))
                .step(Step::NaclIn { subnet: n.subnet });
        } else if f.nacl_inside {
            // C-4.9: a classic load balancer's outbound entries apply inside its subnet.
            f = f
                .with_set(f.filter(&self.nacl_out[self.topo.subnets[src_subnet].nacl]))
                .step(Step::NaclOut { subnet: src_subnet });
        }
        // The NAT gateway sends on: it is not the classic load balancer.
        f.nacl_inside = false;
        // TCP, UDP and ICMP only (C-7.1).
        f = f.with_set(f.filter(tcp_udp_or_icmp_set()));
        let Some(ip) = self.topo.enis[n.eni].private_ips.first().map(|p| p.addr) else {
            return;
        };
        // NAT64 (64:ff9b::/96, C-7.4) is not modelled: IPv6 at a NAT gateway is unknown.
        let v6 = f.with_set(f.restrict(DST, &all_v6()));
        self.emit(
            v6,
            End::Unknown(format!(
                "IPv6 traffic reaches NAT gateway `{}`; NAT64 is not modelled (C-7.4)",
                n.meta.name
            )),
            out,
        );
        f = f.with_set(f.restrict(DST, &all_v4()));
        if f.set.is_empty() {
            return;
        }
        f.rw.src = Some(encode(IpAddr::V4(ip)));
        f.rw.sport = Some((1024, 65535));
        f.via_nat = true;
        // A NAT gateway clears the security group identity (C-5.8).
        f.tag = SgTag::Cleared;
        let f = f.step(Step::Nat { nat });
        let Some(t) = self.topo.subnets[n.subnet].route_table else {
            return;
        };
        self.route(t, n.subnet, f, out);
    }
}

/// Every address outside `set`.
fn everything_but(set: &IntervalSet) -> IntervalSet {
    IntervalSet::range(0, u128::MAX).subtract(set)
}

/// Convenience: the set of headers with one of the given IP protocols.
pub fn protocols(ps: &[u8]) -> HeaderSet {
    let s = IntervalSet::from_ranges(ps.iter().map(|&p| (u128::from(p), u128::from(p))).collect());
    HeaderSet::universe().restrict(PROTO, &s)
}

/// Replies to a set of delivered packets, in current coordinates: source
/// and destination swapped, ports swapped (tcp/udp only).
pub fn replies(current: &HeaderSet) -> HeaderSet {
    let tcpudp = protocols(&[TCP, UDP]);
    current
        .intersect(&tcpudp)
        .swap_dims(SRC, DST)
        .swap_dims(SPORT, DPORT)
}

/// The delivered packets in the coordinates they have when delivered.
pub fn current_set(flow: &Flow) -> HeaderSet {
    let mut s = flow.set.clone();
    if let Some(v) = flow.rewrites.src {
        s = s.set_dim(SRC, &IntervalSet::point(v));
    }
    if let Some(v) = flow.rewrites.dst {
        s = s.set_dim(DST, &IntervalSet::point(v));
    }
    if let Some((a, b)) = flow.rewrites.sport {
        s = s.set_dim(SPORT, &IntervalSet::range(u128::from(a), u128::from(b)));
    }
    s
}
