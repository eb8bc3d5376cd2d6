//! The blocked-path tracer behind `why not`.
//!
//! Like AWS Reachability Analyzer, it follows one candidate packet along the
//! path it *should* take and, instead of stopping at the first component
//! that drops it, records the blocker (the rule, or the missing rule, and
//! what would have to change) and carries on as if that component had let
//! the packet through. One answer then lists every fix at once.
//!
//! Every decision comes from the reference simulator's functions
//! ([`crate::rules::nacl_check`], [`crate::rules::sg_check`],
//! [`crate::sim::lookup_route`]) so the AWS semantics stay single-sourced;
//! the hop texts come from the engine's explainer. Peering, transit
//! gateways, VGWs, VPN and Direct Connect, and packets from on prem, are
//! followed in [`super::trace_hybrid`] with the simulator's decisions of
//! `crate::sim::hybrid`. Where the path leaves what the engine models
//! (appliances, connect attachments, unknown prefix lists) the trace stops
//! with an `unknown` hop.
//!
//! Where the path may fork (ECMP, several attachment subnets, several
//! connections from on prem) every branch is traced and the one with the
//! fewest blockers kept.

use std::net::IpAddr;

use super::hops::{lb_sg_pass, packet_ports};
pub use super::whynot::{Goal, Start};
use crate::engine::RouteChoice;
use crate::engine::explain::{meta_hop, nacl_hop, route_hop, sg_hop};
use crate::hs::Packet;
use crate::model::Direction;
use crate::model::{
    EniId, EniOwner, HybridRef, RouteTarget, SgTag, SubnetId, Topology, VpcId, referenced_vpcs,
};
use crate::report::Hop;
use crate::report::answer::{Blocker, HopStatus, PathHop};
use crate::rules::{SgVerdict, nacl_check, sg_check_as};
use crate::sim::{Lookup, lookup_route};

/// The traced path of one packet.
#[derive(Debug, Clone, Default)]
pub struct Trace {
    pub hops: Vec<PathHop>,
    pub blockers: Vec<Blocker>,
    pub unknown: Vec<String>,
    /// The trace reached the goal (possibly past blockers).
    pub complete: bool,
}

impl Trace {
    /// Fewer is a more nearly complete candidate.
    pub fn cost(&self) -> (usize, usize, usize) {
        (
            usize::from(!self.complete),
            self.blockers.len() + self.unknown.len(),
            usize::MAX - self.hops.len(),
        )
    }

    pub(super) fn pass(&mut self, hop: Hop) {
        self.hops.push(PathHop {
            hop,
            status: HopStatus::Pass,
            fix: None,
        });
    }

    pub(super) fn block(&mut self, hop: Hop, fix: String) {
        self.blockers.push(Blocker {
            component: hop.component.clone(),
            aws_id: hop.aws_id.clone(),
            rule: hop.rule.clone(),
            fix: fix.clone(),
            location: hop.location.clone(),
        });
        self.hops.push(PathHop {
            hop,
            status: HopStatus::Blocked,
            fix: Some(fix),
        });
    }

    pub(super) fn unknown(&mut self, hop: Hop, why: String) {
        self.unknown.push(why.clone());
        self.hops.push(PathHop {
            hop,
            status: HopStatus::Unknown,
            fix: None,
        });
    }
}

pub(super) struct Tracer<'t> {
    pub(super) topo: &'t Topology,
    pub(super) goal: Goal,
    /// A reply to an admitted flow: security groups are stateful and let it
    /// through (C-5.3); NACLs and routes decide again (C-0.2).
    pub(super) reply: bool,
    /// Transit gateway route lookups so far (at most
    /// [`crate::rules::MAX_TGW_HOPS`]).
    pub(super) tgw_hops: usize,
    /// Alternatives traced so far by [`Tracer::best_of`], over the whole
    /// trace: past [`MAX_BRANCHES`] only the first of each fork is traced,
    /// so that forks behind forks (ECMP behind a loop) stay cheap.
    pub(super) branches: usize,
    /// The security group identity the packet carries (C-5.8), as in the
    /// simulator.
    pub(super) tag: SgTag,
    /// The sender's egress rules let the packet out only through a
    /// reference to a group of another VPC: it passes only across a
    /// same-Region peering into that VPC (C-5.7, C-9.9).
    pub(super) remote_ref: Option<EniId>,
    /// The interface the trace starts from, if any.
    pub(super) origin: Option<EniId>,
    pub(super) t: Trace,
}

/// At most this many alternatives are traced for one packet.
const MAX_BRANCHES: usize = 4096;

/// Traces the reply `p` from `from` (which admitted a flow) back to `to`
/// (the interface or on-prem network that opened it): NACLs and routes
/// only, security groups being stateful (C-5.3).
pub fn trace_reply(topo: &Topology, from: Start, to: Goal, p: Packet) -> Trace {
    let mut tr = Tracer {
        topo,
        goal: to,
        reply: true,
        tgw_hops: 0,
        branches: 0,
        tag: SgTag::Cleared,
        remote_ref: None,
        origin: None,
        t: Trace::default(),
    };
    match from {
        Start::Eni(e) => tr.start_eni(e, p),
        Start::Internet => tr.start_internet(p),
        Start::OnPrem(n) => tr.start_onprem(n, p),
    }
    tr.t
}

/// Traces `p` from `start` towards `goal`, recording every blocker.
pub fn trace(topo: &Topology, start: Start, goal: Goal, p: Packet) -> Trace {
    let mut tr = Tracer {
        topo,
        goal,
        reply: false,
        tgw_hops: 0,
        branches: 0,
        tag: SgTag::Cleared,
        remote_ref: None,
        origin: None,
        t: Trace::default(),
    };
    match start {
        Start::Eni(e) => tr.start_eni(e, p),
        Start::Internet => tr.start_internet(p),
        Start::OnPrem(n) => tr.start_onprem(n, p),
    }
    tr.t
}

impl Tracer<'_> {
    /// Where the packet is steered.
    pub(super) fn towards(&self) -> super::steer::Towards<'_> {
        super::steer::Towards {
            topo: self.topo,
            goal: self.goal.clone(),
        }
    }

    /// Traces every alternative from here and keeps the most nearly
    /// complete one (the fewest blockers). `f` must end the trace.
    pub(super) fn best_of<A>(&mut self, mut alts: Vec<A>, f: impl Fn(&mut Self, A)) {
        if self.branches >= MAX_BRANCHES {
            alts.truncate(1);
        }
        self.branches += alts.len();
        let base = (self.t.clone(), self.tgw_hops, self.tag, self.remote_ref);
        let mut best: Option<(Trace, usize, SgTag, Option<EniId>)> = None;
        for a in alts {
            self.t = base.0.clone();
            self.tgw_hops = base.1;
            self.tag = base.2;
            self.remote_ref = base.3;
            f(self, a);
            if best.as_ref().is_none_or(|b| self.t.cost() < b.0.cost()) {
                best = Some((self.t.clone(), self.tgw_hops, self.tag, self.remote_ref));
            }
        }
        let (t, h, tag, r) = best.unwrap_or(base);
        self.t = t;
        self.tgw_hops = h;
        self.tag = tag;
        self.remote_ref = r;
    }

    pub(super) fn nacl(&mut self, subnet: SubnetId, dir: Direction, p: &Packet) {
        let topo = self.topo;
        let acl = topo.subnets[subnet].nacl;
        let v = nacl_check(topo, acl, dir, p);
        let hop = nacl_hop(topo, subnet, dir, p);
        if v.allow {
            self.t.pass(hop);
            return;
        }
        let fix = super::hops::nacl_fix(topo, subnet, dir, p);
        self.t.block(hop, fix);
    }

    fn sg(&mut self, e: EniId, dir: Direction, p: &Packet) {
        let topo = self.topo;
        let ingress = dir == Direction::Ingress;
        let hop = sg_hop(topo, e, dir, p);
        let identity = if ingress {
            // Across a peering whose Regions are not known, references to
            // the sender's groups may or may not match (C-5.7).
            if let Some(v) = self.tag.doubtful()
                && let SgVerdict::Deny(_) = sg_check_as(topo, e, dir, p, None, false)
                && let SgVerdict::Allow(why) = sg_check_as(topo, e, dir, p, Some(v), false)
            {
                self.t.unknown(
                    hop,
                    format!(
                        "{why}, but only through a reference to a group of a peered VPC whose Region is not known (C-5.7, C-8.4)"
                    ),
                );
                return;
            }
            self.tag.identity()
        } else {
            Some(topo.enis[e].vpc)
        };
        let mut verdict = sg_check_as(topo, e, dir, p, identity, false);
        if !ingress && matches!(verdict, SgVerdict::Deny(_)) {
            // A reference to a group of another VPC lets it out, to be
            // checked where it goes (C-5.7).
            for w in referenced_vpcs(topo, &topo.enis[e].security_groups, Direction::Egress) {
                if let SgVerdict::Allow(how) = sg_check_as(topo, e, dir, p, Some(w), false) {
                    verdict = SgVerdict::Allow(format!(
                        "{how} (a reference to a group of VPC {}: valid only across a same-Region peering)",
                        topo.vpcs[w].meta.name
                    ));
                    self.remote_ref = Some(e);
                    break;
                }
            }
        }
        match verdict {
            SgVerdict::Allow(why) => {
                // Security groups without a deciding rule of their own (an
                // NLB without groups) are located at the interface.
                let mut hop = hop;
                if let Some(pass) = lb_sg_pass(topo, e, p, dir) {
                    hop.rule = pass;
                } else if hop.rule.contains("no security group rule matches") {
                    hop.rule = why;
                }
                self.t.pass(hop);
            }
            SgVerdict::Unknown(why) => self.t.unknown(hop, why),
            SgVerdict::Deny(_) => {
                let (hop, fix) = super::hops::sg_deny(topo, e, dir, p, hop);
                self.t.block(hop, fix);
            }
        }
    }

    fn start_eni(&mut self, e: EniId, p: Packet) {
        let topo = self.topo;
        let eni = &topo.enis[e];
        if !eni.attached {
            self.block_at(
                &eni.meta,
                "detached: sends nothing (C-2.7)",
                format!("attach `{}` to an instance", eni.meta.name),
            );
        }
        self.tag = SgTag::Local(eni.vpc);
        self.origin = Some(e);
        if has_security_groups(&eni.owner) && !self.reply {
            self.sg(e, Direction::Egress, &p);
        }
        self.forward(eni.subnet, eni.vpc, None, p, 0);
    }

    fn target_label(&self, t: &RouteTarget) -> String {
        crate::engine::explain::target_name(self.topo, t)
    }

    /// Route lookup in the table of `subnet`, then the step by target.
    pub(super) fn forward(
        &mut self,
        subnet: SubnetId,
        vpc: VpcId,
        last_nat: Option<usize>,
        p: Packet,
        depth: usize,
    ) {
        let topo = self.topo;
        if depth > crate::sim::MAX_NAT_HOPS {
            self.block_at(
                &topo.subnets[subnet].meta,
                "routing loop through NAT gateways",
                "break the loop: route the NAT gateways' subnets to an internet gateway",
            );
            return;
        }
        let natural = self.towards().natural_target(vpc, &p);
        let dst = p.dst;
        let Some(rt) = topo.subnets[subnet].route_table else {
            self.block_at(
                &topo.subnets[subnet].meta,
                "no route table (and no main route table)",
                format!(
                    "associate a route table with subnet `{}`",
                    topo.subnets[subnet].meta.name
                ),
            );
            if let Some(t) = natural {
                self.step(t, subnet, vpc, last_nat, p, depth);
            }
            return;
        };
        let (lookup, winner) = lookup_route(topo, rt, dst);
        let choice = super::hops::route_choice(topo, rt, winner.as_ref());
        let table = &topo.route_tables[rt];
        let suggest = |t: &Option<RouteTarget>, current: Option<&RouteTarget>| match t {
            Some(t) => format!("`{}`", crate::engine::explain::target_name(topo, t)),
            None => self.towards().no_natural_target(vpc, current),
        };
        match lookup {
            Lookup::Target(t, _) if self.towards().target_ok(&t, vpc, dst) => {
                self.t.pass(route_hop(topo, rt, &choice, false));
                self.step(t, subnet, vpc, last_nat, p, depth);
            }
            Lookup::Target(RouteTarget::Local, _) if self.goal == Goal::Addresses => {
                let hop = route_hop(topo, rt, &choice, false);
                self.t.block(
                    hop,
                    format!(
                        "no attached interface in VPC `{}` owns {dst}: nothing receives it",
                        topo.vpcs[vpc].meta.name
                    ),
                );
            }
            Lookup::Target(t, _) => {
                let hop = route_hop(topo, rt, &choice, false);
                let hybrid = matches!(t, RouteTarget::Other(o) if matches!(topo.hybrid.of_other(o), Some(HybridRef::Tgw(_) | HybridRef::Vgw(_))));
                let opaque = (matches!(t, RouteTarget::Other(_)) && !hybrid)
                    || matches!(t, RouteTarget::Eni(x) if !topo.enis[x].source_dest_check);
                if opaque {
                    let why = format!(
                        "route table `{}` sends the packet to `{}`, an appliance or a target that is not modelled",
                        table.meta.name,
                        self.target_label(&t)
                    );
                    self.t.unknown(hop, why);
                    return;
                }
                let fix = format!(
                    "the route sends it to `{}` instead: change it (or add a more specific route) to go to {}",
                    self.target_label(&t),
                    suggest(&natural, Some(&t))
                );
                self.t.block(hop, fix);
                if let Some(t) = natural {
                    self.step(t, subnet, vpc, last_nat, p, depth);
                }
            }
            Lookup::Blackhole(_) => {
                let hop = route_hop(topo, rt, &choice, false);
                self.t.block(
                    hop,
                    format!(
                        "the route is a blackhole (its target is gone, C-3.9): point it at {} or delete it",
                        suggest(&natural, None)
                    ),
                );
                if let Some(t) = natural {
                    self.step(t, subnet, vpc, last_nat, p, depth);
                }
            }
            Lookup::NoRoute => {
                let hop = route_hop(topo, rt, &RouteChoice::NoRoute, false);
                let range = self.towards().goal_range(dst, Some(vpc));
                let dest = match (&self.goal, dst) {
                    (Goal::Internet | Goal::Service(_), IpAddr::V4(_)) => "0.0.0.0/0".to_string(),
                    (Goal::Internet | Goal::Service(_), IpAddr::V6(_)) => "::/0".to_string(),
                    _ => range,
                };
                self.t.block(
                    hop,
                    format!(
                        "no route covers {dst}: add a route {dest} → {} to `{}`",
                        suggest(&natural, None),
                        table.meta.name
                    ),
                );
                if let Some(t) = natural {
                    self.step(t, subnet, vpc, last_nat, p, depth);
                }
            }
            Lookup::Unknown(why) => {
                let hop = route_hop(topo, rt, &RouteChoice::Ambiguous(why.clone()), false);
                self.t.unknown(hop, why);
            }
        }
    }

    pub(super) fn step(
        &mut self,
        t: RouteTarget,
        subnet: SubnetId,
        vpc: VpcId,
        last_nat: Option<usize>,
        p: Packet,
        depth: usize,
    ) {
        match t {
            RouteTarget::Local => self.local(subnet, vpc, p, depth),
            RouteTarget::Blackhole | RouteTarget::Eni(_) => {}
            RouteTarget::Igw(g) => self.igw_out(g, subnet, vpc, last_nat, p),
            RouteTarget::Eigw(g) => self.eigw_out(g, subnet, vpc, p),
            RouteTarget::Nat(n) if last_nat == Some(n) => {
                let nat = &self.topo.nats[n];
                self.block_at(
                    &nat.meta,
                    "the NAT gateway's own subnet routes the packet back to it: routing loop (C-7.5)",
                    format!(
                        "route the subnet of `{}` to an internet gateway (public NAT) or onwards (private NAT)",
                        nat.meta.name
                    ),
                );
            }
            RouteTarget::Nat(n) => self.nat(n, subnet, p, depth),
            RouteTarget::GatewayEndpoint(ep) => self.gateway_endpoint(ep, subnet, p),
            RouteTarget::Peering(x) => self.peering(x, subnet, vpc, p),
            RouteTarget::Other(o) => match self.topo.hybrid.of_other(o) {
                Some(HybridRef::Tgw(t)) => self.tgw_from_vpc(t, subnet, vpc, last_nat, p, depth),
                Some(HybridRef::Vgw(g)) => self.vgw_out(g, subnet, vpc, p),
                _ => {}
            },
        }
    }

    fn local(&mut self, from: SubnetId, vpc: VpcId, p: Packet, depth: usize) {
        let topo = self.topo;
        let Goal::Eni(d) = self.goal else { return };
        let to = topo.enis[d].subnet;
        let _ = vpc;
        if to != from {
            self.nacl(from, Direction::Egress, &p);
            self.nacl(to, Direction::Ingress, &p);
        } else if self.sender_nacl_inside(depth) {
            self.nacl(from, Direction::Egress, &p);
        }
        self.admit(d, &p);
    }

    /// True when the packet is still sent by the origin (no NAT gateway
    /// yet, `depth` 0) and the origin is a classic load balancer's node,
    /// whose subnet's outbound entries apply inside the subnet (C-4.9).
    fn sender_nacl_inside(&self, depth: usize) -> bool {
        depth == 0
            && self
                .origin
                .is_some_and(|e| crate::rules::nacl_out_within_subnet(self.topo, e))
    }

    /// Security group ingress and the owner rule at delivery.
    pub(super) fn admit(&mut self, d: EniId, p: &Packet) {
        let topo = self.topo;
        let eni = &topo.enis[d];
        if !eni.attached {
            self.block_at(
                &eni.meta,
                "detached: receives nothing (C-2.7)",
                format!("attach `{}` to an instance", eni.meta.name),
            );
        }
        if self.reply {
            self.delivered(d, p);
            return;
        }
        if has_security_groups(&eni.owner) {
            self.sg(d, Direction::Ingress, p);
        }
        match &eni.owner {
            EniOwner::Workload | EniOwner::Endpoint(_) | EniOwner::Service(_) => {
                self.delivered(d, p);
            }
            EniOwner::Nat(n) => {
                self.block_at(&topo.nats[*n].meta, "a NAT gateway accepts no unsolicited inbound traffic (C-7.1)", "nothing can open a connection to a NAT gateway; address the instance behind it instead");
                self.t.complete = true;
            }
            EniOwner::LoadBalancer(lb) => {
                let l = &topo.load_balancers[*lb];
                let hit = crate::rules::listener_for(topo, *lb, p);
                match hit {
                    Some(x) => self.t.pass(Hop {
                        component: l.meta.name.clone(),
                        aws_id: l.meta.aws_id.clone(),
                        rule: format!("listener {:?} {}", x.protocol, x.port),
                        location: crate::engine::explain::pos_location(topo, x.pos),
                    }),
                    None => {
                        self.block_at(&l.meta, format!(
                                "no listener for {} (load balancer nodes accept listener ports only, C-14.3)",
                                packet_ports(p)
                            ), format!(
                                "add a listener for {} to `{}`",
                                packet_ports(p),
                                l.meta.name
                            ));
                    }
                }
                self.delivered(d, p);
            }
            EniOwner::TransitGateway => {
                let hop = meta_hop(
                    topo,
                    &eni.meta,
                    "a transit gateway attachment interface".into(),
                );
                self.t.unknown(
                    hop,
                    format!(
                        "`{}` is a transit gateway attachment interface; transit gateways are not modelled yet",
                        eni.meta.name
                    ),
                );
            }
        }
    }

    /// A blocker at a resource, located at its definition.
    pub(super) fn block_at(
        &mut self,
        meta: &crate::model::Meta,
        rule: impl Into<String>,
        fix: impl Into<String>,
    ) {
        let hop = meta_hop(self.topo, meta, rule.into());
        self.t.block(hop, fix.into());
    }

    /// At a definite end: a packet let out only by a reference to another
    /// VPC's group that did not cross a same-Region peering into it is
    /// dropped (C-5.7, C-9.9), as in the simulator.
    pub(super) fn end_checks(&mut self) {
        let Some(e) = self.remote_ref.take() else {
            return;
        };
        if let Some((hop, fix)) = super::hops::remote_ref_block(self.topo, e) {
            self.t.block(hop, fix);
        }
    }

    fn delivered(&mut self, d: EniId, p: &Packet) {
        self.end_checks();
        let eni = &self.topo.enis[d];
        let text = if self.t.blockers.is_empty() {
            format!("delivered to {}", p.dst)
        } else {
            format!(
                "would be delivered to {} once the blockers are fixed",
                p.dst
            )
        };
        self.t.pass(meta_hop(self.topo, &eni.meta, text));
        self.t.complete = true;
    }

    fn bpa_hop(&self, vpc: VpcId, what: &str) -> Hop {
        let topo = self.topo;
        Hop {
            component: "block-public-access".into(),
            aws_id: None,
            rule: format!(
                "VPC block public access blocks {what} for VPC `{}` (C-6.10)",
                topo.vpcs[vpc].meta.name
            ),
            location: crate::engine::explain::pos_location(topo, topo.bpa.pos),
        }
    }

    fn igw_out(
        &mut self,
        g: usize,
        subnet: SubnetId,
        vpc: VpcId,
        last_nat: Option<usize>,
        p: Packet,
    ) {
        let topo = self.topo;
        let igw = &topo.igws[g];
        self.nacl(subnet, Direction::Egress, &p);
        if igw.vpc != Some(vpc) {
            self.block_at(
                &igw.meta,
                "not attached to this VPC",
                format!(
                    "attach `{}` to VPC `{}`",
                    igw.meta.name, topo.vpcs[vpc].meta.name
                ),
            );
        }
        if let Some(n) = last_nat
            && !topo.nats[n].public
        {
            self.block_at(
                &topo.nats[n].meta,
                "a private NAT gateway cannot use an internet gateway (C-7.3)",
                "use a public NAT gateway for internet egress",
            );
        }
        match p.src {
            IpAddr::V4(s) => {
                if !crate::rules::igw_translates_source(topo, vpc, s) {
                    let owner = topo
                        .enis
                        .iter()
                        .find(|e| e.private_ips.iter().any(|pip| pip.addr == s));
                    let hop = Hop {
                        component: igw.meta.name.clone(),
                        aws_id: igw.meta.aws_id.clone(),
                        rule: format!(
                            "{s} has no public IPv4 address: the internet gateway cannot translate it (C-6.1)"
                        ),
                        location: crate::engine::explain::pos_location(topo, igw.meta.pos),
                    };
                    let who = owner.map_or(s.to_string(), |o| format!("`{}`", o.meta.name));
                    self.t.block(
                        hop,
                        format!(
                            "give {who} a public IPv4 (Elastic IP), or route its subnet's 0.0.0.0/0 through a NAT gateway"
                        ),
                    );
                }
            }
            IpAddr::V6(s) => {
                if !topo.vpcs[vpc].ipv6_cidrs.iter().any(|n| n.contains(&s)) {
                    self.block_at(
                        &igw.meta,
                        format!("{s} is not inside the VPC's IPv6 CIDRs (C-6.2)"),
                        "use an address from the VPC's IPv6 CIDRs",
                    );
                }
            }
        }
        if crate::rules::bpa_blocks_igw_egress(topo, vpc, subnet, last_nat.is_some()) {
            let hop = self.bpa_hop(vpc, "internet egress");
            self.t.block(
                hop,
                format!(
                    "add a block-public-access exclusion (allow-egress) for subnet `{}` or its VPC",
                    topo.subnets[subnet].meta.name
                ),
            );
        }
        // A public prefix that on prem advertises over a public virtual
        // interface is reached over Direct Connect, not the internet (C-12.1).
        if let Some(&x) = topo.hybrid.public_vifs_to(p.dst).first() {
            let vif = &topo.hybrid.vifs[x];
            self.block_at(
                &igw.meta,
                format!(
                    "{} is advertised from on prem over public virtual interface `{}`: AWS sends it there, not to the internet (C-12.1)",
                    p.dst, vif.meta.name
                ),
                "ask about the on-prem network instead, or stop advertising the prefix over the public virtual interface",
            );
        }
        self.t.pass(meta_hop(
            topo,
            &igw.meta,
            format!("outbound to the internet from {}", p.src),
        ));
        self.end_checks();
        self.t.complete = true;
    }

    fn eigw_out(&mut self, g: usize, subnet: SubnetId, vpc: VpcId, p: Packet) {
        let topo = self.topo;
        let eigw = &topo.eigws[g];
        if eigw.vpc != vpc {
            self.block_at(
                &eigw.meta,
                "not attached to this VPC",
                format!(
                    "route to an egress-only internet gateway of VPC `{}`",
                    topo.vpcs[vpc].meta.name
                ),
            );
        }
        self.nacl(subnet, Direction::Egress, &p);
        // block-bidirectional blocks egress-only traffic too (C-6.10).
        if crate::rules::bpa_blocks_igw_egress(topo, vpc, subnet, true) {
            let hop = self.bpa_hop(vpc, "egress-only internet gateway traffic");
            self.t.block(
                hop,
                format!(
                    "add a block-public-access exclusion (allow-egress) for subnet `{}` or its VPC",
                    topo.subnets[subnet].meta.name
                ),
            );
        }
        if p.dst.is_ipv4() {
            self.block_at(
                &eigw.meta,
                "an egress-only internet gateway carries IPv6 only (C-6.9)",
                "route IPv4 through an internet gateway or a NAT gateway",
            );
        }
        self.t.pass(meta_hop(
            topo,
            &eigw.meta,
            "outbound IPv6 to the internet (egress-only)".into(),
        ));
        self.end_checks();
        self.t.complete = true;
    }

    fn nat(&mut self, n: usize, subnet: SubnetId, p: Packet, depth: usize) {
        let topo = self.topo;
        let nat = &topo.nats[n];
        let nat_eni = &topo.enis[nat.eni];
        if nat_eni.subnet != subnet {
            self.nacl(subnet, Direction::Egress, &p);
            self.nacl(nat_eni.subnet, Direction::Ingress, &p);
        } else if self.sender_nacl_inside(depth) {
            self.nacl(subnet, Direction::Egress, &p);
        }
        if !nat.available {
            self.block_at(
                &nat.meta,
                "not available",
                format!(
                    "replace NAT gateway `{}` (it is not available)",
                    nat.meta.name
                ),
            );
        }
        if !crate::rules::tcp_udp_or_icmp(p.proto, p.src.is_ipv4()) {
            self.block_at(
                &nat.meta,
                "a NAT gateway passes tcp, udp and icmp only (C-7.1)",
                "this protocol cannot go through a NAT gateway",
            );
        }
        if p.src.is_ipv6() {
            let hop = meta_hop(topo, &nat.meta, "IPv6 at a NAT gateway".into());
            self.t.unknown(
                hop,
                format!(
                    "IPv6 through NAT gateway `{}` (NAT64) is not modelled",
                    nat.meta.name
                ),
            );
            return;
        }
        let Some(pip) = nat_eni.private_ips.first() else {
            return;
        };
        self.t.pass(meta_hop(
            topo,
            &nat.meta,
            format!("source NAT to {} (C-7.1)", pip.addr),
        ));
        let q = Packet {
            src: IpAddr::V4(pip.addr),
            ..p
        };
        // A NAT gateway clears the identity (C-5.8).
        self.tag = SgTag::Cleared;
        self.forward(nat_eni.subnet, nat_eni.vpc, Some(n), q, depth + 1);
    }

    fn gateway_endpoint(&mut self, ep: usize, subnet: SubnetId, p: Packet) {
        let topo = self.topo;
        let e = &topo.endpoints[ep];
        self.nacl(subnet, Direction::Egress, &p);
        if !crate::rules::gateway_endpoint_carries(&p) {
            self.block_at(
                &e.meta,
                "a gateway endpoint carries tcp and ICMP echo only (C-13.4)",
                "use tcp to reach the service",
            );
        }
        self.t.pass(meta_hop(
            topo,
            &e.meta,
            format!("to {} through the gateway endpoint", e.service),
        ));
        self.end_checks();
        self.t.complete = true;
    }

    fn start_internet(&mut self, p: Packet) {
        let topo = self.topo;
        let Goal::Eni(d) = self.goal else { return };
        let eni = &topo.enis[d];
        let vpc = eni.vpc;
        let v = &topo.vpcs[vpc];
        let inet = Hop {
            component: "internet".into(),
            aws_id: None,
            rule: format!("sent from {}", p.src),
            location: None,
        };
        self.t.pass(inet);
        match v.igw {
            None => {
                self.block_at(
                    &v.meta,
                    "no internet gateway is attached",
                    format!("attach an internet gateway to VPC `{}`", v.meta.name),
                );
            }
            Some(g) => {
                let igw = &topo.igws[g];
                let public = eni
                    .private_ips
                    .iter()
                    .enumerate()
                    .find_map(|(k, x)| x.public.map(|pb| (IpAddr::V4(pb.addr(d, k)), x.addr)));
                match (p.dst, public) {
                    (IpAddr::V4(_), Some((pb, pr))) => self.t.pass(meta_hop(
                        topo,
                        &igw.meta,
                        format!(
                            "inbound: public {} → private {pr} (one-to-one NAT, C-6.1)",
                            crate::engine::explain::show_addr(topo, pb, Some(d))
                        ),
                    )),
                    (IpAddr::V4(_), None) => {
                        self.block_at(&igw.meta, format!(
                                "inbound: `{}` has no public IPv4 address, so nothing on the internet can address it (C-6.1)",
                                eni.meta.name
                            ), format!(
                                "give `{}` a public IPv4 (an Elastic IP), or put it behind an internet-facing load balancer",
                                eni.meta.name
                            ));
                    }
                    (IpAddr::V6(_), _) => self.t.pass(meta_hop(
                        topo,
                        &igw.meta,
                        format!("inbound IPv6 to {} (no translation, C-6.2)", p.dst),
                    )),
                }
                // Block public access is decided before the edge route
                // table (as the simulator does).
                self.bpa_ingress(vpc, eni.subnet);
                // The edge route table sees the destination after the
                // IGW's one-to-one NAT (C-3.11).
                let private = match (p.dst, public) {
                    (IpAddr::V4(_), Some((_, pr))) => IpAddr::V4(pr),
                    _ => p.dst,
                };
                if let Some(rt) = igw.edge_route_table {
                    let (l, _) = lookup_route(topo, rt, private);
                    if !matches!(l, Lookup::Target(RouteTarget::Local, _)) {
                        let hop =
                            meta_hop(topo, &topo.route_tables[rt].meta, "edge route table".into());
                        self.t.unknown(
                            hop,
                            format!(
                                "edge route table `{}` redirects inbound traffic to a target that is not modelled (C-3.11)",
                                topo.route_tables[rt].meta.name
                            ),
                        );
                        return;
                    }
                }
            }
        }
        if v.igw.is_none() {
            self.bpa_ingress(vpc, eni.subnet);
        }
        self.nacl(eni.subnet, Direction::Ingress, &p);
        self.admit(d, &p);
    }

    /// VPC block public access against internet ingress to `subnet` (C-6.10).
    fn bpa_ingress(&mut self, vpc: VpcId, subnet: SubnetId) {
        let topo = self.topo;
        if crate::rules::bpa_blocks_ingress(topo, vpc, Some(subnet)) {
            let hop = self.bpa_hop(vpc, "internet ingress");
            self.t.block(
                hop,
                format!(
                    "add a block-public-access exclusion (allow-bidirectional) for subnet `{}`",
                    topo.subnets[subnet].meta.name
                ),
            );
        }
    }
}

/// False for the interfaces of a NAT gateway, which has no security groups
/// (C-7.1): no security group blocker can be named there.
fn has_security_groups(owner: &EniOwner) -> bool {
    !matches!(owner, EniOwner::Nat(_))
}
