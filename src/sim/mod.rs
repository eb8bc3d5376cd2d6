//! Reference per-packet simulator.
//!
//! A deliberately simple, separate implementation of
//! `docs/FORWARDING-MODEL.md` that decides one concrete packet at a time. It
//! is the oracle that property tests compare the symbolic engine against, so
//! it favours plain loops over the topology and a readable trace over speed.
//! It uses no code of `crate::engine`. The one-packet filter predicates
//! (NACL, security group, block public access, what a gateway passes) and
//! the transit gateway and BGP facts are in `crate::rules`, shared with the
//! engine; the per-packet route choice is here (`route`: subnet tables;
//! `hybrid`: TGW tables, VGW and on-prem choice), the engine compiling its
//! own exact version of it.
//!
//! The walk ([`walk`]) takes a [`Recorder`] (`record.rs`), which decides at
//! every component that drops the packet (a [`Blocked`]) whether the branch
//! ends there or carries on as if it were fixed: [`FirstDrop`] for the
//! oracle ([`simulate`], [`simulate_must_reach`]), [`EveryBlocker`] (past
//! filters) for [`simulate_blockers`], [`CarryOn`] (past routing faults
//! too). A recorder may also steer the walk towards a goal, treat security
//! groups as stateful (a reply), and follow one branch of each fork.
//!
//! # Choices where the forwarding model is silent or ambiguous
//!
//! The engine must make the same choices for the two to agree.
//!
//! 1. **Unknown prefix-list entries in routes**: any lookup in a route table
//!    that has a route to a prefix list with unknown entries is `Unknown`,
//!    whatever the destination (the resolved model has no family for such a
//!    list, and the list could hold a /32 or /128 that wins). Same for an
//!    IGW edge table.
//! 2. **Unknown prefix-list entries in security groups**: a rule whose peer is
//!    such a list, and that matches the packet's protocol/port, makes the
//!    verdict `Unknown` unless some other rule of the interface allows.
//! 3. **LPM ties** compare *effective* targets: a route in
//!    `state: blackhole` counts as target `blackhole`. A route flagged
//!    `propagated` ranks as propagated whatever its destination kind.
//! 4. **IGW ingress and BPA**: BPA is checked first at VPC level. If the VPC
//!    is blocked and *no* subnet of it is excluded with `allow-bidirectional`,
//!    the packet is dropped before the spoof and edge-table checks. If some
//!    subnet is excluded, the packet continues (spoof check, edge table,
//!    owner lookup) and is dropped at delivery unless the receiving
//!    interface's subnet is excluded with `allow-bidirectional`.
//! 5. **Edge tables**: the (rewritten) destination is looked up in the edge
//!    table; only a winning `local` target continues. Another target, a
//!    blackhole, an undecidable lookup, and no matching route are all
//!    `Unknown`.
//! 6. **Gateways of another VPC**: an IGW or EIGW route target that is not
//!    attached to the VPC the packet is in drops ("the VPC" in the IGW rules
//!    is the VPC of the subnet doing the lookup).
//! 7. **BPA on IGW egress**: exclusions of either mode (`allow-bidirectional`
//!    or `allow-egress`) on the VPC or on the subnet doing the lookup lift
//!    the block. `block-ingress` blocks only *direct* egress: a packet that
//!    went through a NAT gateway is not blocked by it. BPA is not applied to
//!    egress-only IGWs (the model lists no BPA step for them).
//! 8. **NAT gateway**: the protocol check is `tcp`, `udp`, or ICMP of the
//!    packet's family (proto 1 with IPv4, 58 with IPv6). An IPv6 packet that
//!    reaches a NAT gateway is `Unknown` (NAT64 is not modelled). The NAT's
//!    subnet is its interface's subnet, and its private IP is that
//!    interface's primary private IPv4. At most [`MAX_NAT_HOPS`] NAT
//!    traversals, then "routing loop".
//! 9. **Gateway endpoint**: ICMP echo request means type 8 (IPv4, proto 1) or
//!    type 128 (IPv6, proto 58), any code.
//! 10. **Several branches** (duplicate public addresses, overlapping interface
//!     addresses): each branch is followed and yields one fate; `fates` is the
//!     deduplicated set, with all `Dropped` merged into one and all `Unknown`
//!     merged into one (reasons joined by "; "). Reasons are free text; the
//!     fate *kind* (and the interface/endpoint) is what callers compare.
//! 11. A packet whose source and destination families differ is dropped.
//! 12. **Spoof check at IGW ingress** is IPv4 only (the model states it in the
//!     IPv4 bullet): an IPv6 internet source inside the VPC's IPv6 CIDRs is
//!     not dropped for that reason.
//! 13. **A NAT gateway's own interface as origin** is an ordinary interface
//!     origin: source/dest check (off), then SG egress (a NAT interface has
//!     no SG, so nothing leaves), no NAT protocol restriction.
//! 14. **ICMP fields of rules** are compared only for proto 1 with IPv4 and
//!     proto 58 with IPv6; an `icmpv6` rule with a type matches an IPv4
//!     packet of protocol 58 whatever its (zero) type/code fields.
//! 15. **Protocols at an internet gateway** (C-6.8): in the exposure reading
//!     every protocol crosses it. In the must-reach reading a packet of
//!     another protocol than [`tcp_udp_or_icmp`] that leaves to the internet
//!     through it, or that entered from the internet and meets a definite
//!     fate, is `Unknown`.

mod hybrid;
mod record;
mod route;
pub mod service;

use std::fmt;
use std::net::IpAddr;

use crate::hs::Packet;
use crate::model::{
    Direction, EndpointId, EniId, EniOwner, IgwId, NatId, RouteTarget, SgTag, SubnetId, Topology,
    VpcId, referenced_vpcs,
};

use crate::rules::{
    SgVerdict, bpa_blocks_igw_egress, bpa_blocks_ingress, bpa_blocks_vpc_ingress,
    gateway_endpoint_carries, igw_protocol_unknown, igw_translates_source, listener_for,
    nacl_check, owners, sg_check_as, tcp_udp_or_icmp,
};
pub use hybrid::{
    TgwWin, VgwPick, available, connections_of_vgw, in_vpc, interface_v4, onprem_pick, other_of,
    private_vif_vgws, tgw_decision, tgw_exit_subnets, transit_vif_tgws, vgw_pick,
};
pub use record::{
    Blocked, Blocker, CarryOn, EveryBlocker, FirstDrop, MAX_BRANCHES, Passed, Recorder,
};
pub use route::{Lookup, RouteKind, Winner, lookup, lookup_route};

/// The maximum number of NAT gateways a packet may traverse before it is
/// dropped as a routing loop.
pub const MAX_NAT_HOPS: usize = 8;

pub use crate::model::Origin;

/// One way a packet can end.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Fate {
    /// Delivered to this interface (after the owner rule).
    Delivered {
        eni: EniId,
    },
    /// Exits to the internet (IGW or egress-only IGW).
    Internet,
    /// Exits to a gateway endpoint's service.
    Endpoint {
        endpoint: EndpointId,
    },
    /// Leaves AWS towards on prem over this VPN connection or virtual interface.
    OnPrem {
        via: crate::model::OnPremVia,
    },
    Dropped {
        reason: String,
    },
    Unknown {
        reason: String,
    },
}

impl Fate {
    /// True when both fates are the same outcome, ignoring free-text reasons.
    pub fn same_kind(&self, other: &Fate) -> bool {
        match (self, other) {
            (Fate::Dropped { .. }, Fate::Dropped { .. })
            | (Fate::Unknown { .. }, Fate::Unknown { .. }) => true,
            (a, b) => a == b,
        }
    }
}

impl fmt::Display for Fate {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Fate::Delivered { eni } => write!(f, "delivered to interface #{eni}"),
            Fate::Internet => write!(f, "exits to the internet"),
            Fate::Endpoint { endpoint } => write!(f, "exits to gateway endpoint #{endpoint}"),
            Fate::OnPrem { via } => write!(f, "leaves AWS towards on prem over {via:?}"),
            Fate::Dropped { reason } => write!(f, "dropped: {reason}"),
            Fate::Unknown { reason } => write!(f, "unknown: {reason}"),
        }
    }
}

/// The result of simulating one packet.
#[derive(Debug, Clone, Default)]
pub struct Outcome {
    /// One fate per distinct outcome (usually exactly one). With a
    /// recorder that carries on, where the packet ends once every blocker
    /// it carried on past is fixed.
    pub fates: Vec<Fate>,
    /// Human-readable steps, in order.
    pub trace: Vec<String>,
    /// The components that dropped the packet, in the order the walk met
    /// them. With [`FirstDrop`] at most one per branch.
    pub blockers: Vec<Blocker>,
}

/// Decides what happens to `packet` sent from `origin` in `topo`, in the
/// exposure reading of C-5.6 (every address of a member matches a
/// reference to its group).
pub fn simulate(topo: &Topology, origin: Origin, packet: &Packet) -> Outcome {
    simulate_as(topo, origin, packet, false)
}

/// [`simulate`] in the must-reach reading of C-5.6: a reference matches
/// only its members' primary private IPv4 addresses; a decision that rests
/// on another address of a member is unknown.
pub fn simulate_must_reach(topo: &Topology, origin: Origin, packet: &Packet) -> Outcome {
    simulate_as(topo, origin, packet, true)
}

/// [`simulate`] with [`EveryBlocker`]: every component that
/// drops the packet on its way is recorded in [`Outcome::blockers`], and
/// the walk carries on past filters as if they let it through. The fates
/// are where the packet ends once those are fixed.
pub fn simulate_blockers(topo: &Topology, origin: Origin, packet: &Packet) -> Outcome {
    walk(topo, origin, packet, false, EveryBlocker)
}

fn simulate_as(topo: &Topology, origin: Origin, packet: &Packet, primary_only: bool) -> Outcome {
    walk(topo, origin, packet, primary_only, FirstDrop)
}

/// The one per-packet walk, in the exposure reading of C-5.6 unless
/// `primary_only`, with `recorder` deciding what happens at each
/// component that drops the packet.
pub fn walk<R: Recorder>(
    topo: &Topology,
    origin: Origin,
    packet: &Packet,
    primary_only: bool,
    recorder: R,
) -> Outcome {
    walk_with(topo, origin, packet, primary_only, recorder).0
}

/// [`walk`], handing the recorder back (with what it recorded: of the
/// branch it kept, for a recorder that keeps one).
pub fn walk_with<R: Recorder>(
    topo: &Topology,
    origin: Origin,
    packet: &Packet,
    primary_only: bool,
    recorder: R,
) -> (Outcome, R) {
    let mut sim = Sim::new(topo, primary_only, recorder, *packet);
    sim.note(format!("packet {packet}"));
    if packet.src.is_ipv4() != packet.dst.is_ipv4() {
        sim.dropped("source and destination are of different address families".into());
    } else {
        match origin {
            Origin::Internet => sim.start_internet(*packet),
            Origin::Eni(e) => sim.start_eni(e, *packet),
            Origin::OnPrem(n) => sim.start_onprem(n, *packet),
        }
    }
    sim.finish()
}

/// Where a packet is being forwarded from.
#[derive(Debug, Clone, Copy)]
struct At {
    /// The subnet whose route table decides the next hop (the sender's, or
    /// the NAT gateway's).
    subnet: SubnetId,
    vpc: VpcId,
    /// The NAT gateway that last translated the packet, if any.
    last_nat: Option<NatId>,
    /// How many NAT gateways the packet has gone through.
    nat_hops: usize,
    /// How many transit gateway route lookups it has gone through.
    tgw_hops: usize,
    /// The security group identity the packet carries (C-5.8).
    tag: SgTag,
    /// The sender is the origin, a classic load balancer node, whose
    /// subnet's outbound entries apply even inside the subnet (C-4.9).
    nacl_inside: bool,
}

struct Sim<'a, R: Recorder> {
    topo: &'a Topology,
    fates: Vec<Fate>,
    trace: Vec<String>,
    /// The sender's egress rules let the packet out only through a rule
    /// that references a group of another VPC: it passes only across a
    /// same-Region peering into that VPC (C-5.7, C-9.9 inbound only).
    /// The sender.
    egress_by_remote_ref: Option<EniId>,
    /// The must-reach reading of C-5.6 (and of C-6.8).
    primary_only: bool,
    /// Entered from the internet with a protocol that may not be proven
    /// through an internet gateway (C-6.8): in the must-reach reading a
    /// definite fate is unknown.
    igw_unprovable: bool,
    recorder: R,
    blockers: Vec<Blocker>,
    /// Alternatives followed one by one so far ([`Recorder::one_branch`]).
    branches: usize,
    /// The packet as it is where the walk is (after any translation).
    cur: Packet,
}

/// What a branch changes in the walk, saved and restored around each
/// alternative of a fork the recorder follows one by one.
#[derive(Clone)]
struct Branch<R> {
    fates: Vec<Fate>,
    trace: Vec<String>,
    blockers: Vec<Blocker>,
    egress_by_remote_ref: Option<EniId>,
    igw_unprovable: bool,
    recorder: R,
}

impl<'a, R: Recorder> Sim<'a, R> {
    // ---- bookkeeping -------------------------------------------------------

    fn new(topo: &'a Topology, primary_only: bool, recorder: R, packet: Packet) -> Self {
        Sim {
            topo,
            fates: Vec::new(),
            trace: Vec::new(),
            egress_by_remote_ref: None,
            primary_only,
            igw_unprovable: false,
            recorder,
            blockers: Vec::new(),
            branches: 0,
            cur: packet,
        }
    }

    fn save(&self) -> Branch<R> {
        Branch {
            fates: self.fates.clone(),
            trace: self.trace.clone(),
            blockers: self.blockers.clone(),
            egress_by_remote_ref: self.egress_by_remote_ref,
            igw_unprovable: self.igw_unprovable,
            recorder: self.recorder.clone(),
        }
    }

    fn restore(&mut self, b: Branch<R>) {
        self.fates = b.fates;
        self.trace = b.trace;
        self.blockers = b.blockers;
        self.egress_by_remote_ref = b.egress_by_remote_ref;
        self.igw_unprovable = b.igw_unprovable;
        self.recorder = b.recorder;
    }

    /// Follows `f` for each alternative of a fork: every one, or, for a
    /// recorder that keeps one branch, each from the same state, keeping
    /// the one of least cost (the first of equals).
    fn fork<A>(&mut self, mut alts: Vec<A>, mut f: impl FnMut(&mut Self, A)) {
        if !self.recorder.one_branch() || alts.len() <= 1 {
            for a in alts {
                f(self, a);
            }
            return;
        }
        if self.branches >= MAX_BRANCHES {
            alts.truncate(1);
        }
        self.branches += alts.len();
        let base = self.save();
        let mut best: Option<Branch<R>> = None;
        for a in alts {
            self.restore(base.clone());
            f(self, a);
            if best
                .as_ref()
                .is_none_or(|b| self.recorder.cost() < b.recorder.cost())
            {
                best = Some(self.save());
            }
        }
        self.restore(best.unwrap_or(base));
    }

    fn note(&mut self, s: String) {
        self.trace.push(s);
    }

    fn end(&mut self, fate: Fate) {
        let definite = !matches!(fate, Fate::Dropped { .. } | Fate::Unknown { .. });
        if definite
            && let Some(e) = self.egress_by_remote_ref
            && !self.blocked(
                Blocked::Sg {
                    eni: e,
                    dir: Direction::Egress,
                },
                "the egress rule that let it out references a security group of another VPC, which matches only across a same-Region peering (C-5.7, C-9.9)"
                    .into(),
            )
        {
            return;
        }
        if definite && self.primary_only && self.igw_unprovable {
            self.unknown(igw_protocol_unknown());
            return;
        }
        self.note(format!("=> {fate}"));
        self.recorder.ended(&fate);
        self.fates.push(fate);
    }

    fn dropped(&mut self, reason: String) {
        self.end(Fate::Dropped { reason });
    }

    fn unknown(&mut self, reason: String) {
        self.end(Fate::Unknown { reason });
    }

    /// Records that `at` drops the packet. When the recorder carries on
    /// past it, the walk goes on as if `at` let the packet through and
    /// this is true; else the branch ends dropped and this is false.
    fn blocked(&mut self, at: Blocked, reason: String) -> bool {
        // Past some there is no way on, whatever the recorder says.
        let on = self.recorder.carry_on(&at, &self.cur) && !at.no_way_on();
        self.blockers.push(Blocker {
            at,
            reason: reason.clone(),
        });
        if on {
            self.note(format!("blocked: {reason}; carrying on as if fixed"));
        } else {
            self.dropped(reason);
        }
        on
    }

    /// Deduplicates the fates: exact duplicates are removed, and every
    /// `Dropped` (every `Unknown`) is merged into the first one.
    fn finish(self) -> (Outcome, R) {
        let mut fates: Vec<Fate> = Vec::new();
        for f in self.fates {
            let same = fates.iter_mut().find(|g| g.same_kind(&f));
            match (same, f) {
                (None, f) => fates.push(f),
                (Some(Fate::Dropped { reason: r }), Fate::Dropped { reason })
                | (Some(Fate::Unknown { reason: r }), Fate::Unknown { reason }) => {
                    if !r.split("; ").any(|part| part == reason) {
                        r.push_str("; ");
                        r.push_str(&reason);
                    }
                }
                (Some(_), _) => {}
            }
        }
        (
            Outcome {
                fates,
                trace: self.trace,
                blockers: self.blockers,
            },
            self.recorder,
        )
    }

    fn eni_name(&self, e: EniId) -> &'a str {
        &self.topo.enis[e].meta.name
    }

    fn subnet_name(&self, s: SubnetId) -> &'a str {
        &self.topo.subnets[s].meta.name
    }

    // ---- shared steps ------------------------------------------------------

    /// Applies the NACL of `subnet` in direction `dir`; false when it denies
    /// (and the drop has been recorded).
    fn nacl(&mut self, subnet: SubnetId, dir: Direction, p: &Packet) -> bool {
        let acl = self.topo.subnets[subnet].nacl;
        let v = nacl_check(self.topo, acl, dir, p);
        let why = format!("subnet {}: {}", self.subnet_name(subnet), v.why);
        if v.allow {
            self.note(why);
            self.pass(Passed::Nacl { subnet, dir }, p);
            return true;
        }
        self.blocked(Blocked::Nacl { subnet, dir }, why)
    }

    /// Applies the security groups of `eni` in direction `dir`; false when
    /// they deny or are unknown (and the fate has been recorded).
    fn sg(&mut self, eni: EniId, dir: Direction, p: &Packet, identity: Option<VpcId>) -> bool {
        match sg_check_as(self.topo, eni, dir, p, identity, self.primary_only) {
            SgVerdict::Allow(why) => {
                self.pass(
                    Passed::Sg {
                        eni,
                        dir,
                        why: why.clone(),
                    },
                    p,
                );
                self.note(why);
                true
            }
            SgVerdict::Deny(why) => self.blocked(Blocked::Sg { eni, dir }, why),
            SgVerdict::Unknown(why) => {
                self.unknown(why);
                false
            }
        }
    }

    /// The owner rule at delivery.
    fn owner_rule(&mut self, eni: EniId, p: &Packet) {
        let name = self.eni_name(eni);
        match &self.topo.enis[eni].owner {
            EniOwner::Workload | EniOwner::Endpoint(_) | EniOwner::Service(_) => {
                self.end(Fate::Delivered { eni });
            }
            EniOwner::Nat(nat) => {
                self.blocked(
                    Blocked::NatInbound { nat: *nat },
                    format!("{name} is a NAT gateway interface: no unsolicited inbound (C-7.1)"),
                );
            }
            EniOwner::LoadBalancer(lb_id) => {
                let listener = listener_for(self.topo, *lb_id, p);
                let lb = &self.topo.load_balancers[*lb_id];
                match listener {
                    Some(l) => {
                        self.note(format!(
                            "load balancer {} has a listener on {:?}/{}{}",
                            lb.meta.name,
                            l.protocol,
                            l.port,
                            crate::rules::at(l.pos)
                        ));
                        self.pass(Passed::Listener { lb: *lb_id }, p);
                        self.end(Fate::Delivered { eni });
                    }
                    None => {
                        let why = format!(
                            "load balancer {} has no listener for this protocol and port (C-14.3)",
                            lb.meta.name
                        );
                        if self.blocked(Blocked::NoListener { lb: *lb_id }, why) {
                            self.end(Fate::Delivered { eni });
                        }
                    }
                }
            }
            EniOwner::TransitGateway => {
                self.unknown(format!("{name} is a transit gateway attachment interface"));
            }
        }
    }

    /// The final steps of every delivery: SG ingress with the identity the
    /// packet carries (C-5.8), then the owner rule.
    fn admit(&mut self, eni: EniId, p: &Packet, tag: SgTag) {
        self.note(format!("reaches interface {}", self.eni_name(eni)));
        if self.recorder.stateful() {
            // A reply to the flow this interface opened: the security
            // groups let it in (C-5.3), and it is delivered.
            self.end(Fate::Delivered { eni });
            return;
        }
        if let Some(v) = tag.doubtful() {
            // Peering across Regions that are not known: references to the
            // sender's groups may or may not match (C-5.7).
            if let SgVerdict::Deny(_) = sg_check_as(
                self.topo,
                eni,
                Direction::Ingress,
                p,
                None,
                self.primary_only,
            ) && let SgVerdict::Allow(why) = sg_check_as(
                self.topo,
                eni,
                Direction::Ingress,
                p,
                Some(v),
                self.primary_only,
            ) {
                let why = format!(
                    "{why}, but only through a reference to a group of a peered VPC whose Region is not known (C-5.7, C-8.4)"
                );
                if !self.recorder.past_doubt(eni, &why, p) {
                    self.unknown(why);
                    return;
                }
                self.owner_rule(eni, p);
                return;
            }
        }
        // A NAT gateway has no security groups (C-7.1): its owner rule
        // decides.
        if matches!(self.topo.enis[eni].owner, EniOwner::Nat(_))
            || self.sg(eni, Direction::Ingress, p, tag.identity())
        {
            self.owner_rule(eni, p);
        }
    }

    // ---- internet origin (C-6) --------------------------------------------

    fn start_internet(&mut self, p: Packet) {
        self.note("origin: the internet".into());
        if !is_internet_source(p.src) {
            self.dropped(format!("{} is not an internet address (C-6.3)", p.src));
            return;
        }
        self.pass(Passed::FromInternet, &p);
        let mut claimed: Vec<(IgwId, VpcId, IpAddr)> = Vec::new();
        for g in 0..self.topo.igws.len() {
            let Some(vpc) = self.topo.igws[g].vpc else {
                continue;
            };
            let igw_name = &self.topo.igws[g].meta.name;
            // The destinations (after the IGW's 1:1 NAT) this IGW accepts the
            // packet for: usually none or one.
            let mut entries: Vec<IpAddr> = Vec::new();
            match p.dst {
                IpAddr::V4(d) => {
                    for (ei, e) in self.topo.enis.iter().enumerate() {
                        if !e.attached || e.vpc != vpc {
                            continue;
                        }
                        for (k, pip) in e.private_ips.iter().enumerate() {
                            if let Some(public) = pip.public
                                && public.addr(ei, k) == d
                            {
                                self.note(format!(
                                    "internet gateway {igw_name}: {d} is the public address of {} on {}; destination becomes {}",
                                    pip.addr, e.meta.name, pip.addr
                                ));
                                entries.push(IpAddr::V4(pip.addr));
                            }
                        }
                    }
                }
                IpAddr::V6(d) => {
                    if self.topo.vpcs[vpc]
                        .ipv6_cidrs
                        .iter()
                        .any(|n| n.contains(&d))
                    {
                        self.note(format!(
                            "internet gateway {igw_name}: {d} is inside an IPv6 CIDR of VPC {}",
                            self.topo.vpcs[vpc].meta.name
                        ));
                        entries.push(p.dst);
                    }
                }
            }
            claimed.extend(entries.into_iter().map(|dst| (g, vpc, dst)));
        }
        if claimed.is_empty() {
            self.no_internet_entry(p);
        }
        self.fork(claimed, |s, (g, vpc, dst)| {
            let q = Packet { dst, ..p };
            s.translated(q, |s| s.igw_ingress(Some(g), vpc, q));
        });
    }

    /// No internet gateway accepts the destination. A recorder may name
    /// the interface the packet is meant for: the missing gateway (or
    /// public address) is then its blocker, and past it the packet enters
    /// that interface's VPC, at its private address.
    fn no_internet_entry(&mut self, p: Packet) {
        let topo = self.topo;
        let why = format!("no internet gateway accepts destination {}", p.dst);
        let Some(e) = self.recorder.internet_detour(topo, &p) else {
            self.dropped(why);
            return;
        };
        let eni = &topo.enis[e];
        let vpc = eni.vpc;
        let g = topo.vpcs[vpc].igw;
        let at = match g {
            None => Blocked::NoIgw { vpc },
            Some(igw) => Blocked::NoPublicAddress { igw, eni: e },
        };
        if !self.blocked(at, why.clone()) {
            return;
        }
        let dst = match (p.dst, eni.private_ips.first()) {
            (IpAddr::V4(_), Some(pip)) => IpAddr::V4(pip.addr),
            _ => p.dst,
        };
        let q = Packet { dst, ..p };
        self.translated(q, |s| s.igw_ingress(g, vpc, q));
    }

    /// The packet has been accepted by IGW `g` of `vpc` (and rewritten).
    /// (`None`: past a missing internet gateway, for a recorder.)
    fn igw_ingress(&mut self, g: Option<IgwId>, vpc: VpcId, p: Packet) {
        let topo = self.topo;
        self.igw_unprovable = !tcp_udp_or_icmp(p.proto, p.src.is_ipv4());
        let igw = g.map(|g| &topo.igws[g]);
        let v = &topo.vpcs[vpc];
        if let Some(igw) = g {
            self.pass(Passed::IgwIn { igw }, &p);
        }

        let bpa_blocked = bpa_blocks_ingress(topo, vpc, None);
        // Blocked for the whole VPC: recorded once, not again per subnet.
        let whole_vpc = bpa_blocked && bpa_blocks_vpc_ingress(topo, vpc);
        if bpa_blocked {
            if whole_vpc {
                let why = format!(
                    "VPC block public access blocks internet ingress to VPC {} (C-6.10)",
                    v.meta.name
                );
                let at = Blocked::Bpa {
                    vpc,
                    subnet: None,
                    dir: Direction::Ingress,
                };
                if !self.blocked(at, why) {
                    return;
                }
            } else {
                self.note(format!(
                    "VPC block public access blocks VPC {} except excluded subnets",
                    v.meta.name
                ));
            }
        }

        let spoofed = match p.src {
            IpAddr::V4(s) => v.cidrs.iter().any(|n| n.contains(&s)),
            IpAddr::V6(s) => v.ipv6_cidrs.iter().any(|n| n.contains(&s)),
        };
        if spoofed {
            self.dropped(format!(
                "source {} is inside VPC {} (spoofed, C-6.3)",
                p.src, v.meta.name
            ));
            return;
        }

        if let Some(igw) = igw
            && let Some(rt) = igw.edge_route_table
        {
            match lookup(topo, rt, p.dst) {
                Lookup::Target(RouteTarget::Local, what) => self.note(what),
                Lookup::Target(_, what) | Lookup::Blackhole(what) => {
                    self.unknown(format!(
                        "edge route table of {} does not deliver locally: {what} (C-3.11)",
                        igw.meta.name
                    ));
                    return;
                }
                Lookup::NoRoute => {
                    self.unknown(format!(
                        "edge route table of {} has no route for {} (C-3.11)",
                        igw.meta.name, p.dst
                    ));
                    return;
                }
                Lookup::Unknown(why) => {
                    self.unknown(why);
                    return;
                }
            }
        }

        let owners = owners(self.topo, vpc, p.dst);
        if owners.is_empty() {
            self.blocked(
                Blocked::NoOwner { vpc },
                format!(
                    "no attached interface in VPC {} owns {}",
                    v.meta.name, p.dst
                ),
            );
            return;
        }
        self.fork(owners, |s, eni| {
            let subnet = topo.enis[eni].subnet;
            if bpa_blocked && !whole_vpc && bpa_blocks_ingress(topo, vpc, Some(subnet)) {
                let why = format!(
                    "VPC block public access blocks internet ingress to subnet {} (C-6.10)",
                    s.subnet_name(subnet)
                );
                let at = Blocked::Bpa {
                    vpc,
                    subnet: Some(subnet),
                    dir: Direction::Ingress,
                };
                if !s.blocked(at, why) {
                    return;
                }
            }
            if s.nacl(subnet, Direction::Ingress, &p) {
                // From the internet: no identity (C-5.6).
                s.admit(eni, &p, SgTag::Cleared);
            }
        });
    }

    // ---- interface origin --------------------------------------------------

    fn start_eni(&mut self, e: EniId, p: Packet) {
        let Some(eni) = self.topo.enis.get(e) else {
            self.dropped(format!("no interface #{e}"));
            return;
        };
        self.note(format!("origin: interface {}", eni.meta.name));
        if eni.source_dest_check && !eni.address_nets().iter().any(|n| n.contains(&p.src)) {
            self.dropped(format!(
                "source/destination check: {} is not an address of {} (C-2.4)",
                p.src, eni.meta.name
            ));
            return;
        }
        if !eni.attached
            && !self.blocked(
                Blocked::Detached { eni: e },
                format!("{} is detached (C-2.7)", eni.meta.name),
            )
        {
            return;
        }
        // A NAT gateway has no security groups (C-7.1).
        if !matches!(eni.owner, EniOwner::Nat(_))
            && !self.recorder.stateful()
            && !self.egress(e, &p)
        {
            return;
        }
        let at = At {
            subnet: eni.subnet,
            vpc: eni.vpc,
            last_nat: None,
            nat_hops: 0,
            tgw_hops: 0,
            tag: SgTag::Local(eni.vpc),
            nacl_inside: crate::rules::nacl_out_within_subnet(self.topo, e),
        };
        self.forward(at, p);
    }

    /// The sender's egress rules (C-5.2). Rules that reference a group of
    /// another VPC count only when the packet then crosses a same-Region
    /// peering into it (C-5.7): such a packet goes on, marked.
    fn egress(&mut self, e: EniId, p: &Packet) -> bool {
        let topo = self.topo;
        let own = topo.enis[e].vpc;
        match sg_check_as(topo, e, Direction::Egress, p, Some(own), self.primary_only) {
            SgVerdict::Allow(why) => {
                let dir = Direction::Egress;
                self.pass(
                    Passed::Sg {
                        eni: e,
                        dir,
                        why: why.clone(),
                    },
                    p,
                );
                self.note(why);
                true
            }
            SgVerdict::Unknown(why) => {
                self.unknown(why);
                false
            }
            SgVerdict::Deny(why) => {
                for w in referenced_vpcs(topo, &topo.enis[e].security_groups, Direction::Egress) {
                    if let SgVerdict::Allow(how) =
                        sg_check_as(topo, e, Direction::Egress, p, Some(w), self.primary_only)
                    {
                        let why = format!(
                            "{how} (a reference to a group of VPC {}: valid only across a same-Region peering)",
                            topo.vpcs[w].meta.name
                        );
                        let dir = Direction::Egress;
                        self.pass(
                            Passed::Sg {
                                eni: e,
                                dir,
                                why: why.clone(),
                            },
                            p,
                        );
                        self.note(why);
                        self.egress_by_remote_ref = Some(e);
                        return true;
                    }
                }
                self.blocked(
                    Blocked::Sg {
                        eni: e,
                        dir: Direction::Egress,
                    },
                    why,
                )
            }
        }
    }

    /// Route lookup in the table of `at.subnet` and the step by target.
    fn forward(&mut self, at: At, p: Packet) {
        let topo = self.topo;
        let Some(rt) = topo.subnets[at.subnet].route_table else {
            let why = format!("subnet {} has no route table", self.subnet_name(at.subnet));
            self.route_fault(at, Blocked::NoRouteTable { subnet: at.subnet }, why, p);
            return;
        };
        let (target, winner) = match lookup_route(topo, rt, p.dst) {
            (Lookup::Target(t, what), winner) => {
                self.note(what);
                (t, winner)
            }
            (Lookup::Blackhole(what), winner) => {
                let at_route = Blocked::Route {
                    table: rt,
                    blackhole: winner,
                };
                self.route_fault(at, at_route, format!("{what}: blackhole (C-3.9)"), p);
                return;
            }
            (Lookup::NoRoute, _) => {
                let why = format!(
                    "route table {} has no route for {}",
                    topo.route_tables[rt].meta.name, p.dst
                );
                let at_route = Blocked::Route {
                    table: rt,
                    blackhole: None,
                };
                self.route_fault(at, at_route, why, p);
                return;
            }
            (Lookup::Unknown(why), _) => {
                self.unknown(why);
                return;
            }
        };
        if !self.recorder.leads_on(topo, at.vpc, &target, &p) {
            let why = format!(
                "route table {} sends {} elsewhere than where it should go",
                topo.route_tables[rt].meta.name, p.dst
            );
            let wrong = Blocked::WrongTarget { table: rt, target };
            self.route_fault(at, wrong, why, p);
            return;
        }
        self.pass(Passed::Route { table: rt, winner }, &p);
        self.step(at, target, p);
    }

    /// A subnet's route decision drops the packet (or, for the recorder,
    /// sends it the wrong way). Where the recorder carries on past it and
    /// names the target the packet should take instead, the walk goes
    /// there; else the branch ends, dropped.
    fn route_fault(&mut self, at: At, blocked: Blocked, why: String, p: Packet) {
        if !self.blocked(blocked, why.clone()) {
            return;
        }
        match self.recorder.detour(self.topo, at.vpc, &p) {
            Some(t) => self.step(at, t, p),
            None => self.dropped(why),
        }
    }

    /// The step by route target.
    fn step(&mut self, at: At, target: RouteTarget, p: Packet) {
        let topo = self.topo;
        match target {
            RouteTarget::Local => self.deliver_local(at, p),
            RouteTarget::Blackhole => self.dropped("blackhole route (C-3.9)".into()),
            RouteTarget::Igw(g) => self.via_igw(at, g, p),
            RouteTarget::Eigw(g) => self.via_eigw(at, g, p),
            RouteTarget::Nat(n) => self.via_nat(at, n, p),
            RouteTarget::GatewayEndpoint(ep) => self.via_gateway_endpoint(at, ep, p),
            RouteTarget::Eni(t) => {
                let name = self.eni_name(t);
                if topo.enis[t].source_dest_check {
                    self.dropped(format!(
                        "route target {name} has source/destination check on (C-2.5)"
                    ));
                } else {
                    self.unknown(format!("route target {name} is an appliance (C-2.5)"));
                }
            }
            RouteTarget::Peering(x) => self.via_peering(at, x, p),
            RouteTarget::Other(x) => match topo.hybrid.of_other(x) {
                Some(crate::model::HybridRef::Tgw(t)) => self.via_tgw(at, t, p),
                Some(crate::model::HybridRef::Vgw(g)) => self.via_vgw(at, g, p),
                _ => self.unknown(format!(
                    "route target {} is not modelled",
                    topo.others[x].name
                )),
            },
        }
    }

    /// Target `local`: delivery to the interface in the VPC owning `dst`.
    fn deliver_local(&mut self, at: At, p: Packet) {
        let owners = owners(self.topo, at.vpc, p.dst);
        if owners.is_empty() {
            self.blocked(
                Blocked::NoOwner { vpc: at.vpc },
                format!(
                    "no attached interface in VPC {} owns {}",
                    self.topo.vpcs[at.vpc].meta.name, p.dst
                ),
            );
            return;
        }
        self.fork(owners, |s, eni| {
            let to = s.topo.enis[eni].subnet;
            if to != at.subnet {
                if !s.nacl(at.subnet, Direction::Egress, &p) || !s.nacl(to, Direction::Ingress, &p)
                {
                    return;
                }
            } else if at.nacl_inside {
                // A classic load balancer's own traffic meets its subnet's
                // outbound entries even inside the subnet (C-4.9).
                if !s.nacl(at.subnet, Direction::Egress, &p) {
                    return;
                }
            } else {
                s.note(format!(
                    "same subnet {}: no NACL (C-4.4)",
                    s.subnet_name(to)
                ));
            }
            s.admit(eni, &p, at.tag);
        });
    }

    fn via_igw(&mut self, at: At, g: IgwId, p: Packet) {
        let topo = self.topo;
        let igw = &topo.igws[g];
        if igw.vpc != Some(at.vpc)
            && !self.blocked(
                Blocked::IgwNotAttached {
                    igw: g,
                    vpc: at.vpc,
                },
                format!(
                    "internet gateway {} is not attached to VPC {}",
                    igw.meta.name, topo.vpcs[at.vpc].meta.name
                ),
            )
        {
            return;
        }
        if !self.nacl(at.subnet, Direction::Egress, &p) {
            return;
        }
        if let Some(n) = at.last_nat
            && !topo.nats[n].public
            && !self.blocked(
                Blocked::PrivateNatToIgw { nat: n },
                format!(
                    "private NAT gateway {} cannot reach the internet gateway (C-7.3)",
                    topo.nats[n].meta.name
                ),
            )
        {
            return;
        }
        match (p.src, p.dst) {
            (IpAddr::V4(s), IpAddr::V4(d)) => {
                if !igw_translates_source(topo, at.vpc, s)
                    && !self.blocked(
                        Blocked::NoPublicSource { igw: g },
                        format!("{s} has no public IPv4 mapping on an attached interface (C-6.1)"),
                    )
                {
                    return;
                }
                if is_private_v4(IpAddr::V4(d)) {
                    self.dropped(format!("{d} is an RFC 1918/6598 address (C-6.3)"));
                    return;
                }
            }
            (IpAddr::V6(s), _) => {
                if !topo.vpcs[at.vpc].ipv6_cidrs.iter().any(|n| n.contains(&s))
                    && !self.blocked(
                        Blocked::NoPublicSource { igw: g },
                        format!("{s} is not inside the VPC's IPv6 CIDRs (C-6.2)"),
                    )
                {
                    return;
                }
            }
            _ => {
                self.dropped("mixed address families".into());
                return;
            }
        }
        if bpa_blocks_igw_egress(self.topo, at.vpc, at.subnet, at.last_nat.is_some())
            && !self.blocked(
                Blocked::Bpa {
                    vpc: at.vpc,
                    subnet: Some(at.subnet),
                    dir: Direction::Egress,
                },
                format!(
                    "VPC block public access blocks egress through {} (C-6.10)",
                    igw.meta.name
                ),
            )
        {
            return;
        }
        self.note(format!("internet gateway {}", igw.meta.name));
        self.pass(Passed::IgwOut { igw: g }, &p);
        // Public prefixes on prem advertises over a public virtual interface
        // are reached over Direct Connect (C-12.1).
        let vifs = topo.hybrid.public_vifs_to(p.dst);
        if vifs.is_empty() {
            self.out_to_internet(&p);
        }
        self.fork(vifs, |s, x| {
            let via = crate::model::OnPremVia::Vif(x);
            s.note(format!("leaves AWS over {}", topo.hybrid.via_label(via)));
            s.end(Fate::OnPrem { via });
        });
    }

    fn via_eigw(&mut self, at: At, g: usize, p: Packet) {
        let eigw = &self.topo.eigws[g];
        if eigw.vpc != at.vpc
            && !self.blocked(
                Blocked::EigwNotAttached {
                    eigw: g,
                    vpc: at.vpc,
                },
                format!(
                    "egress-only internet gateway {} is not attached to VPC {}",
                    eigw.meta.name, self.topo.vpcs[at.vpc].meta.name
                ),
            )
        {
            return;
        }
        if !self.nacl(at.subnet, Direction::Egress, &p) {
            return;
        }
        if p.dst.is_ipv4()
            && !self.blocked(
                Blocked::EigwIpv4 { eigw: g },
                format!(
                    "egress-only internet gateway {} carries IPv6 only (C-6.9)",
                    eigw.meta.name
                ),
            )
        {
            return;
        }
        // block-bidirectional blocks egress-only IGW traffic too; block-ingress
        // allows it (C-6.10). Either exclusion mode lifts the block.
        if bpa_blocks_igw_egress(self.topo, at.vpc, at.subnet, true)
            && !self.blocked(
                Blocked::Bpa {
                    vpc: at.vpc,
                    subnet: Some(at.subnet),
                    dir: Direction::Egress,
                },
                "VPC block public access blocks egress-only IGW traffic (C-6.10)".to_string(),
            )
        {
            return;
        }
        self.note(format!("egress-only internet gateway {}", eigw.meta.name));
        self.pass(Passed::EigwOut { eigw: g }, &p);
        self.out_to_internet(&p);
    }

    /// Out to the internet through an internet gateway or an egress-only
    /// one: in the must-reach reading only tcp, udp and icmp get there
    /// provably (C-6.8; C-6.9 says no more for the egress-only gateway, so
    /// it fails closed the same way).
    fn out_to_internet(&mut self, p: &Packet) {
        if self.primary_only && !tcp_udp_or_icmp(p.proto, p.src.is_ipv4()) {
            self.unknown(igw_protocol_unknown());
        } else {
            self.end(Fate::Internet);
        }
    }

    fn via_nat(&mut self, at: At, n: NatId, p: Packet) {
        let topo = self.topo;
        let nat = &topo.nats[n];
        if at.last_nat == Some(n) {
            self.blocked(
                Blocked::NatLoop { nat: n },
                format!(
                    "NAT gateway {} routes to itself: routing loop (C-7.5)",
                    nat.meta.name
                ),
            );
            return;
        }
        if at.nat_hops >= MAX_NAT_HOPS {
            self.blocked(
                Blocked::NatLoop { nat: n },
                format!("routing loop: more than {MAX_NAT_HOPS} NAT gateways"),
            );
            return;
        }
        let nat_eni = &topo.enis[nat.eni];
        let nat_subnet = nat_eni.subnet;
        if nat_subnet != at.subnet
            && (!self.nacl(at.subnet, Direction::Egress, &p)
                || !self.nacl(nat_subnet, Direction::Ingress, &p))
        {
            return;
        }
        // C-4.9: a classic load balancer's outbound entries apply inside its subnet.
        if nat_subnet == at.subnet && at.nacl_inside && !self.nacl(at.subnet, Direction::Egress, &p)
        {
            return;
        }
        if !nat.available
            && !self.blocked(
                Blocked::NatUnavailable { nat: n },
                format!("NAT gateway {} is not available", nat.meta.name),
            )
        {
            return;
        }
        if !tcp_udp_or_icmp(p.proto, p.src.is_ipv4())
            && !self.blocked(
                Blocked::NatProtocol { nat: n },
                format!(
                    "NAT gateway {} passes tcp, udp and icmp only (C-7.1)",
                    nat.meta.name
                ),
            )
        {
            return;
        }
        if p.src.is_ipv6() {
            self.unknown(format!(
                "IPv6 through NAT gateway {} (NAT64) is not modelled",
                nat.meta.name
            ));
            return;
        }
        let Some(pip) = nat_eni.private_ips.first() else {
            self.dropped(format!("NAT gateway {} has no private IPv4", nat.meta.name));
            return;
        };
        self.note(format!(
            "NAT gateway {}: source becomes {}",
            nat.meta.name, pip.addr
        ));
        let next = At {
            subnet: nat_subnet,
            vpc: nat_eni.vpc,
            last_nat: Some(n),
            nat_hops: at.nat_hops + 1,
            tgw_hops: at.tgw_hops,
            // A NAT gateway clears the identity (C-5.8).
            tag: SgTag::Cleared,
            nacl_inside: false,
        };
        let q = Packet {
            src: IpAddr::V4(pip.addr),
            ..p
        };
        self.pass(Passed::Nat { nat: n }, &q);
        self.translated(q, |s| s.forward(next, q));
    }

    /// Follows `f` with the packet translated to `q`.
    fn translated(&mut self, q: Packet, f: impl FnOnce(&mut Self)) {
        let before = std::mem::replace(&mut self.cur, q);
        f(self);
        self.cur = before;
    }

    /// The packet passed `step`.
    fn pass(&mut self, step: Passed, p: &Packet) {
        self.recorder.passed(&step, p);
    }

    fn via_gateway_endpoint(&mut self, at: At, ep: EndpointId, p: Packet) {
        if !self.nacl(at.subnet, Direction::Egress, &p) {
            return;
        }
        let v = &self.topo.vpcs[at.vpc];
        let inside = match p.src {
            IpAddr::V4(a) => v.cidrs.iter().any(|n| n.contains(&a)),
            IpAddr::V6(a) => v.ipv6_cidrs.iter().any(|n| n.contains(&a)),
        };
        if !inside {
            self.dropped(format!(
                "gateway endpoint {}: source {} is not in the VPC (endpoints do not extend out of the VPC)",
                self.topo.endpoints[ep].meta.name, p.src
            ));
            return;
        }
        let name = &self.topo.endpoints[ep].meta.name;
        if !gateway_endpoint_carries(&p)
            && !self.blocked(
                Blocked::EndpointProtocol { endpoint: ep },
                format!("gateway endpoint {name} passes tcp and ICMP echo request only (C-13.4)"),
            )
        {
            return;
        }
        self.note(format!("gateway endpoint {name}"));
        self.pass(Passed::Endpoint { endpoint: ep }, &p);
        self.end(Fate::Endpoint { endpoint: ep });
    }
}

/// RFC 1918 (10/8, 172.16/12, 192.168/16) and RFC 6598 (100.64/10) IPv4.
pub fn is_private_v4(a: IpAddr) -> bool {
    match a {
        IpAddr::V4(v4) => {
            let o = v4.octets();
            o[0] == 10
                || (o[0] == 172 && (o[1] & 0xf0) == 16)
                || (o[0] == 192 && o[1] == 168)
                || (o[0] == 100 && (o[1] & 0xc0) == 64)
        }
        IpAddr::V6(_) => false,
    }
}

/// An internet source: IPv4 outside RFC 1918/6598, IPv6 in 2000::/3 (C-6.3).
fn is_internet_source(a: IpAddr) -> bool {
    match a {
        IpAddr::V4(_) => !is_private_v4(a),
        IpAddr::V6(v6) => (v6.segments()[0] & 0xe000) == 0x2000,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn internet_source_ranges() {
        let internet = |s: &str| s.parse::<IpAddr>().ok().map(is_internet_source);
        for a in ["8.8.8.8", "172.32.0.1", "2001:db8::1", "3fff::1"] {
            assert_eq!(internet(a), Some(true), "{a}");
        }
        for a in [
            "10.1.2.3",
            "172.31.0.1",
            "192.168.1.1",
            "100.100.0.1",
            "fd00::1",
            "4000::1",
        ] {
            assert_eq!(internet(a), Some(false), "{a}");
        }
    }
}
