//! `why not` on the simulator's one walk: a [`Recorder`] that turns the
//! walk of a candidate packet into the hops and blockers of the answer.
//!
//! The walk decides everything (NACLs, security groups, routes, gateways,
//! transit gateways, VPN and Direct Connect); this recorder carries on
//! past every component that drops the packet, writes its hop and fix,
//! steers the packet towards the goal ([`super::steer::Towards`]) where a
//! route leads elsewhere, and keeps the branch of least cost where the
//! walk forks.
//!
//! Not yet what `why not` answers with: `whynot.rs` still runs the
//! tracer ([`super::trace`]). `tests/why_not_walk_diff.rs` compares the
//! two on generated topologies; the texts of the filter and route
//! blockers are the tracer's (shared in [`super::hops`]), the texts of
//! the other blockers are this module's own.

use super::hops::{lb_sg_pass, nacl_fix, packet_ports, route_choice, sg_deny};
use super::steer::Towards;
use super::trace::{Goal, Start, Trace};
use crate::engine::RouteChoice;
use crate::engine::explain::{meta_hop, nacl_hop, route_hop, sg_hop};
use crate::hs::Packet;
use crate::model::{
    EniId, Meta, OnPremVia, RouteTarget, TgwAttachmentId, TgwId, TgwRouteTableId, Topology, VgwId,
    VpcId,
};
use crate::report::Hop;
use crate::sim::{Blocked, Fate, Origin, Passed, Recorder};

/// The recorder of a `why not` walk: the trace of the branch followed.
#[derive(Clone)]
struct WhyNot<'t> {
    topo: &'t Topology,
    goal: Goal,
    /// A reply to an admitted flow (security groups let it through, C-5.3).
    reply: bool,
    /// The internet gateway the packet last went out through: where a
    /// public virtual interface takes it instead (C-12.1) is a blocker.
    last_igw: Option<usize>,
    /// The destination at the last component passed.
    last_dst: Option<std::net::IpAddr>,
    /// The destination a packet from the internet was sent to.
    sent_to: Option<std::net::IpAddr>,
    t: Trace,
}

/// Walks `p` from `start` towards `goal` on the simulator's walk,
/// recording every blocker.
pub fn walk_trace(topo: &Topology, start: Start, goal: Goal, p: Packet) -> Trace {
    run(topo, start, goal, p, false)
}

/// Walks the reply `p` from `from` back to `to`: NACLs and routes only,
/// security groups being stateful (C-5.3).
pub fn walk_reply(topo: &Topology, from: Start, to: Goal, p: Packet) -> Trace {
    run(topo, from, to, p, true)
}

fn run(topo: &Topology, start: Start, goal: Goal, p: Packet, reply: bool) -> Trace {
    let origin = match start {
        Start::Eni(e) => Origin::Eni(e),
        Start::Internet => Origin::Internet,
        Start::OnPrem(n) => Origin::OnPrem(n),
    };
    let rec = WhyNot {
        topo,
        goal,
        reply,
        last_igw: None,
        last_dst: None,
        sent_to: None,
        t: Trace::default(),
    };
    let (_, rec) = crate::sim::walk_with(topo, origin, &p, false, rec);
    rec.t
}

impl WhyNot<'_> {
    fn towards(&self) -> Towards<'_> {
        Towards {
            topo: self.topo,
            goal: self.goal.clone(),
        }
    }

    fn bare_hop(&self, component: &str, rule: String) -> Hop {
        Hop {
            component: component.into(),
            aws_id: None,
            rule,
            location: None,
        }
    }

    fn hop_at(&self, meta: &Meta, rule: impl Into<String>) -> Hop {
        meta_hop(self.topo, meta, rule.into())
    }

    /// The hop of a component the packet passed.
    fn passed_hop(&self, step: &Passed, p: &Packet) -> Hop {
        let topo = self.topo;
        let h = &topo.hybrid;
        match step {
            Passed::FromInternet => self.bare_hop("internet", format!("sent from {}", p.src)),
            Passed::FromOnPrem { net } => {
                let net = &h.on_prem[*net];
                Hop {
                    component: net.meta.name.clone(),
                    aws_id: None,
                    rule: format!("sent from {} on prem", p.src),
                    location: crate::engine::explain::pos_location(topo, net.meta.pos),
                }
            }
            Passed::Nacl { subnet, dir } => nacl_hop(topo, *subnet, *dir, p),
            Passed::Sg { eni, dir, why } => {
                let mut hop = sg_hop(topo, *eni, *dir, p);
                if let Some(pass) = lb_sg_pass(topo, *eni, p, *dir) {
                    hop.rule = pass;
                } else if hop.rule.contains("no security group rule matches") {
                    hop.rule.clone_from(why);
                }
                hop
            }
            Passed::Route { table, winner } => route_hop(
                topo,
                *table,
                &route_choice(topo, *table, winner.as_ref()),
                false,
            ),
            Passed::IgwIn { igw } => {
                let text = match (p.dst, self.last_dst) {
                    (std::net::IpAddr::V4(pr), Some(pb)) => {
                        let owner = match self.goal {
                            Goal::Eni(d) => Some(d),
                            _ => None,
                        };
                        format!(
                            "inbound: public {} → private {pr} (one-to-one NAT, C-6.1)",
                            crate::engine::explain::show_addr(topo, pb, owner)
                        )
                    }
                    _ => format!("inbound IPv6 to {} (no translation, C-6.2)", p.dst),
                };
                self.hop_at(&topo.igws[*igw].meta, text)
            }
            Passed::IgwOut { igw } => self.hop_at(
                &topo.igws[*igw].meta,
                format!("outbound to the internet from {}", p.src),
            ),
            Passed::EigwOut { eigw } => self.hop_at(
                &topo.eigws[*eigw].meta,
                "outbound IPv6 to the internet (egress-only)",
            ),
            Passed::Nat { nat } => self.hop_at(
                &topo.nats[*nat].meta,
                format!("source NAT to {} (C-7.1)", p.src),
            ),
            Passed::Endpoint { endpoint } => {
                self.hop_at(&topo.endpoints[*endpoint].meta, "out to the service")
            }
            Passed::Listener { lb } => {
                let l = &topo.load_balancers[*lb];
                match crate::rules::listener_for(topo, *lb, p) {
                    Some(x) => Hop {
                        component: l.meta.name.clone(),
                        aws_id: l.meta.aws_id.clone(),
                        rule: format!("listener {:?} {}", x.protocol, x.port),
                        location: crate::engine::explain::pos_location(topo, x.pos),
                    },
                    None => self.hop_at(&l.meta, format!("a listener accepts {}", packet_ports(p))),
                }
            }
            Passed::Peering { peering } => {
                let pcx = &topo.peerings[*peering];
                let peer = if crate::sim::in_vpc(topo, pcx.requester, p.dst) {
                    pcx.requester
                } else {
                    pcx.accepter
                };
                self.hop_at(
                    &pcx.meta,
                    format!(
                        "peering connection to VPC `{}`: source and destination inside the two VPCs (C-8.2)",
                        topo.vpcs[peer].meta.name
                    ),
                )
            }
            _ => self.hybrid_passed_hop(step, p),
        }
    }

    /// The hop of a transit gateway, VPN or Direct Connect component the
    /// packet passed.
    fn hybrid_passed_hop(&self, step: &Passed, p: &Packet) -> Hop {
        let topo = self.topo;
        let h = &topo.hybrid;
        match step {
            Passed::TgwIn { attachment, subnet } => {
                let a = &h.tgw_attachments[*attachment];
                let tgw = &h.tgws[a.tgw].meta.name;
                self.hop_at(
                    &a.meta,
                    match subnet {
                        Some(s) => format!(
                            "into transit gateway `{tgw}` through the attachment interface in subnet {} (C-9.6)",
                            topo.subnets[*s].meta.name
                        ),
                        None => format!("into transit gateway `{tgw}`"),
                    },
                )
            }
            Passed::TgwRoute {
                table,
                attachment,
                prefix,
            } => super::hops::tgw_route_hop(topo, *table, *attachment, *prefix, p.dst),
            Passed::TgwOut { attachment, subnet } => self.hop_at(
                &h.tgw_attachments[*attachment].meta,
                format!(
                    "out of the transit gateway through subnet {}; forwarded by its route table (C-9.6)",
                    topo.subnets[*subnet].meta.name
                ),
            ),
            Passed::TgwPeering { attachment } => {
                self.hop_at(&h.tgw_attachments[*attachment].meta, "into the peer")
            }
            Passed::VgwChoose { vgw, via } => self.hop_at(
                &h.vgws[*vgw].meta,
                format!("chooses {} for {} (C-10.3)", h.via_label(*via), p.dst),
            ),
            Passed::CloudHub { vgw } => self.hop_at(
                &h.vgws[*vgw].meta,
                "forwards between its connections (VPN CloudHub, C-10.6)",
            ),
            Passed::EdgeTable { table } => route_hop(
                topo,
                *table,
                &RouteChoice::Ambiguous("edge route table".into()),
                true,
            ),
            Passed::VgwIn { vgw } => {
                let g = &h.vgws[*vgw];
                let text = match g.vpc {
                    Some(v) => format!(
                        "from on prem into VPC `{}` (C-10.4)",
                        topo.vpcs[v].meta.name
                    ),
                    None => "from on prem into its VPC (C-10.4)".into(),
                };
                self.hop_at(&g.meta, text)
            }
            Passed::IntoAws { net, via, decided } => {
                let net = &h.on_prem[*net];
                let how = if *decided {
                    "chosen by the stated on-prem preference"
                } else {
                    "one of the paths the on-prem routers may take"
                };
                let pos = if *decided && !net.prefer_pos.is_unknown() {
                    net.prefer_pos
                } else {
                    net.meta.pos
                };
                Hop {
                    component: net.meta.name.clone(),
                    aws_id: None,
                    rule: format!("into AWS over {}: {how}", h.via_label(*via)),
                    location: crate::engine::explain::pos_location(topo, pos),
                }
            }
            Passed::Exit { via } => self.hop_at(
                h.via_meta(*via),
                format!("leaves AWS over {}", h.via_label(*via)),
            ),
            // The others are `passed_hop`'s, which never hands them here.
            _ => self.bare_hop("passed", String::new()),
        }
    }

    /// The hop and fix of a component that drops the packet.
    fn blocked(&self, at: &Blocked, p: &Packet) -> (Hop, String) {
        let topo = self.topo;
        let h = &topo.hybrid;
        match at {
            Blocked::Nacl { subnet, dir } => (
                nacl_hop(topo, *subnet, *dir, p),
                nacl_fix(topo, *subnet, *dir, p),
            ),
            Blocked::Sg { eni, dir } => {
                let remote = *dir == crate::model::Direction::Egress
                    && super::hops::out_by_remote_ref(topo, *eni, p);
                match super::hops::remote_ref_block(topo, *eni).filter(|_| remote) {
                    Some(b) => b,
                    None => sg_deny(topo, *eni, *dir, p, sg_hop(topo, *eni, *dir, p)),
                }
            }
            Blocked::NoRouteTable { subnet } => {
                let s = &topo.subnets[*subnet];
                (
                    self.hop_at(&s.meta, "no route table (and no main route table)"),
                    format!("associate a route table with subnet `{}`", s.meta.name),
                )
            }
            Blocked::Route { table, blackhole } => {
                self.route_blocked(*table, blackhole.as_ref(), p)
            }
            Blocked::WrongTarget { table, target } => {
                let rt = *table;
                let vpc = topo.route_tables[rt].vpc;
                let (_, winner) = crate::sim::lookup_route(topo, rt, p.dst);
                let natural = self.towards().natural_target(vpc, p);
                (
                    route_hop(topo, rt, &route_choice(topo, rt, winner.as_ref()), false),
                    format!(
                        "the route sends it to `{}` instead: change it (or add a more specific route) to go to {}",
                        crate::engine::explain::target_name(topo, target),
                        self.suggest(&natural, vpc, Some(target))
                    ),
                )
            }
            Blocked::WrongAttachment { table, attachment } => (
                self.hop_at(
                    &h.tgw_route_tables[*table].meta,
                    format!("sends it to `{}`", h.tgw_attachments[*attachment].meta.name),
                ),
                "route it to the attachment that leads to its destination".into(),
            ),
            Blocked::TgwRoute { table } => {
                let why = match crate::sim::tgw_decision(topo, *table, p.dst) {
                    crate::sim::TgwWin::Drop(why) | crate::sim::TgwWin::Unknown(why) => why,
                    crate::sim::TgwWin::To(..) => format!("no route for {}", p.dst),
                };
                let natural = self
                    .towards()
                    .natural_attachment(h.tgw_route_tables[*table].tgw);
                self.towards().tgw_drop(*table, natural, why, p)
            }
            Blocked::Bpa { vpc, subnet, dir } => self.bpa_blocked(*vpc, *subnet, *dir, p),
            _ => self.named_blocked(at, p),
        }
    }

    /// The hop and fix of the components whose texts name the component
    /// and the packet (the tracer's).
    fn named_blocked(&self, at: &Blocked, p: &Packet) -> (Hop, String) {
        let topo = self.topo;
        let h = &topo.hybrid;
        match at {
            Blocked::NoListener { lb } => {
                let l = &topo.load_balancers[*lb];
                (
                    self.hop_at(
                        &l.meta,
                        format!(
                            "no listener for {} (load balancer nodes accept listener ports only, C-14.3)",
                            packet_ports(p)
                        ),
                    ),
                    format!("add a listener for {} to `{}`", packet_ports(p), l.meta.name),
                )
            }
            Blocked::NoIgw { vpc } => {
                let v = &topo.vpcs[*vpc];
                (
                    self.hop_at(&v.meta, "no internet gateway is attached"),
                    format!("attach an internet gateway to VPC `{}`", v.meta.name),
                )
            }
            Blocked::PeeringInactive { peering } => {
                let pcx = &topo.peerings[*peering];
                (
                    self.hop_at(
                        &pcx.meta,
                        "the peering connection is not active: it carries nothing until it is accepted (C-8.1)",
                    ),
                    format!(
                        "accept peering connection `{}` in the accepter's account (its status must become `active`)",
                        pcx.meta.name
                    ),
                )
            }
            Blocked::NatProtocol { nat } => (
                self.hop_at(
                    &topo.nats[*nat].meta,
                    "a NAT gateway passes tcp, udp and icmp only (C-7.1)",
                ),
                "this protocol cannot go through a NAT gateway".into(),
            ),
            Blocked::OnPremNoRoute { net } => {
                let net = &h.on_prem[*net];
                (
                    self.hop_at(
                        &net.meta,
                        format!(
                            "AWS advertises no route for {} to `{}` over any of its connections",
                            p.dst, net.meta.name
                        ),
                    ),
                    format!(
                        "have AWS advertise a prefix covering {}: attach its VPC's VPN gateway, propagate its VPC attachment into the route table of the VPN or DX gateway attachment, or add its CIDR to the DX gateway association's allowed prefixes",
                        p.dst
                    ),
                )
            }
            Blocked::NatLoop { nat } => {
                let nat = &topo.nats[*nat];
                (
                    self.hop_at(
                        &nat.meta,
                        "the NAT gateway's own subnet routes the packet back to it: routing loop (C-7.5)",
                    ),
                    format!(
                        "route the subnet of `{}` to an internet gateway (public NAT) or onwards (private NAT)",
                        nat.meta.name
                    ),
                )
            }
            Blocked::NatInbound { nat } => (
                self.hop_at(
                    &topo.nats[*nat].meta,
                    "a NAT gateway accepts no unsolicited inbound traffic (C-7.1)",
                ),
                "nothing can open a connection to a NAT gateway; address the instance behind it instead".into(),
            ),
            Blocked::NoPublicSource { igw } => {
                let g = &topo.igws[*igw];
                match p.src {
                    std::net::IpAddr::V4(s) => {
                        let owner = topo
                            .enis
                            .iter()
                            .find(|e| e.private_ips.iter().any(|pip| pip.addr == s));
                        let who = owner.map_or(s.to_string(), |o| format!("`{}`", o.meta.name));
                        (
                            self.hop_at(&g.meta, format!(
                                "{s} has no public IPv4 address: the internet gateway cannot translate it (C-6.1)"
                            )),
                            format!(
                                "give {who} a public IPv4 (Elastic IP), or route its subnet's 0.0.0.0/0 through a NAT gateway"
                            ),
                        )
                    }
                    std::net::IpAddr::V6(s) => (
                        self.hop_at(&g.meta, format!("{s} is not inside the VPC's IPv6 CIDRs (C-6.2)")),
                        "use an address from the VPC's IPv6 CIDRs".into(),
                    ),
                }
            }
            _ => self.other_blocked(at),
        }
    }

    /// The hop and fix of VPC block public access (C-6.10) in `vpc`.
    fn bpa_blocked(
        &self,
        vpc: VpcId,
        subnet: Option<crate::model::SubnetId>,
        dir: crate::model::Direction,
        p: &Packet,
    ) -> (Hop, String) {
        let topo = self.topo;
        // Decided for the whole VPC: the exclusion the goal's subnet needs.
        let subnet = subnet.or(match self.goal {
            Goal::Eni(d) if dir == crate::model::Direction::Ingress => Some(topo.enis[d].subnet),
            _ => None,
        });
        let subnet_name = subnet.map_or_else(
            || topo.vpcs[vpc].meta.name.clone(),
            |s| topo.subnets[s].meta.name.clone(),
        );
        let (what, fix) = if dir == crate::model::Direction::Ingress {
            (
                "internet ingress",
                format!(
                    "add a block-public-access exclusion (allow-bidirectional) for subnet `{subnet_name}`"
                ),
            )
        } else {
            let eigw = subnet
                .and_then(|s| topo.subnets[s].route_table)
                .map(|rt| crate::sim::lookup_route(topo, rt, p.dst).0)
                .is_some_and(|l| matches!(l, crate::sim::Lookup::Target(RouteTarget::Eigw(_), _)));
            (
                if eigw {
                    "egress-only internet gateway traffic"
                } else {
                    "internet egress"
                },
                format!(
                    "add a block-public-access exclusion (allow-egress) for subnet `{subnet_name}` or its VPC"
                ),
            )
        };
        let hop = Hop {
            component: "block-public-access".into(),
            aws_id: None,
            rule: format!(
                "VPC block public access blocks {what} for VPC `{}` (C-6.10)",
                topo.vpcs[vpc].meta.name
            ),
            location: crate::engine::explain::pos_location(topo, topo.bpa.pos),
        };
        (hop, fix)
    }

    /// The hop and fix of a route lookup in `rt` that drops the packet.
    fn route_blocked(
        &self,
        rt: usize,
        blackhole: Option<&crate::sim::Winner>,
        p: &Packet,
    ) -> (Hop, String) {
        let topo = self.topo;
        let table = &topo.route_tables[rt];
        let vpc = table.vpc;
        let natural = self.towards().natural_target(vpc, p);
        let dst = p.dst;
        match blackhole {
            Some(w) => (
                route_hop(topo, rt, &route_choice(topo, rt, Some(w)), false),
                format!(
                    "the route is a blackhole (its target is gone, C-3.9): point it at {} or delete it",
                    self.suggest(&natural, vpc, None)
                ),
            ),
            None => {
                let range = self.towards().goal_range(dst, Some(vpc));
                let dest = match (&self.goal, dst) {
                    (Goal::Internet | Goal::Service(_), std::net::IpAddr::V4(_)) => {
                        "0.0.0.0/0".to_string()
                    }
                    (Goal::Internet | Goal::Service(_), std::net::IpAddr::V6(_)) => {
                        "::/0".to_string()
                    }
                    _ => range,
                };
                (
                    route_hop(topo, rt, &RouteChoice::NoRoute, false),
                    format!(
                        "no route covers {dst}: add a route {dest} → {} to `{}`",
                        self.suggest(&natural, vpc, None),
                        table.meta.name
                    ),
                )
            }
        }
    }

    fn suggest(
        &self,
        t: &Option<RouteTarget>,
        vpc: VpcId,
        current: Option<&RouteTarget>,
    ) -> String {
        match t {
            Some(t) => format!("`{}`", crate::engine::explain::target_name(self.topo, t)),
            None => self.towards().no_natural_target(vpc, current),
        }
    }

    /// The hop and fix of the other components that drop the packet: the
    /// component, located at its definition.
    fn other_blocked(&self, at: &Blocked) -> (Hop, String) {
        let topo = self.topo;
        let h = &topo.hybrid;
        let via_meta = |v: &OnPremVia| h.via_meta(*v);
        let (meta, rule): (&Meta, String) = match at {
            Blocked::Bpa { vpc, .. } => {
                (&topo.vpcs[*vpc].meta, "block public access (C-6.10)".into())
            }
            Blocked::Detached { eni } => (&topo.enis[*eni].meta, "detached (C-2.7)".into()),
            Blocked::IgwNotAttached { igw, .. } => {
                (&topo.igws[*igw].meta, "not attached to the VPC".into())
            }
            Blocked::EigwNotAttached { eigw, .. } => {
                (&topo.eigws[*eigw].meta, "not attached to the VPC".into())
            }
            Blocked::PrivateNatToIgw { nat } => (
                &topo.nats[*nat].meta,
                "a private NAT gateway (C-7.3)".into(),
            ),
            Blocked::NoPublicSource { igw } => (
                &topo.igws[*igw].meta,
                "no public source address (C-6.1)".into(),
            ),
            Blocked::EigwIpv4 { eigw } => (&topo.eigws[*eigw].meta, "IPv6 only (C-6.9)".into()),
            Blocked::NatUnavailable { nat } => (&topo.nats[*nat].meta, "not available".into()),
            Blocked::NatProtocol { nat } => (
                &topo.nats[*nat].meta,
                "tcp, udp and icmp only (C-7.1)".into(),
            ),
            Blocked::EndpointProtocol { endpoint } => (
                &topo.endpoints[*endpoint].meta,
                "tcp and ICMP echo only (C-13.4)".into(),
            ),
            Blocked::PeeringInactive { peering } => {
                (&topo.peerings[*peering].meta, "not active (C-8.1)".into())
            }
            Blocked::PeeringSource { peering }
            | Blocked::PeeringDestination { peering }
            | Blocked::PeeringElsewhere { peering, .. } => (
                &topo.peerings[*peering].meta,
                "does not carry it (C-8.2, C-8.3)".into(),
            ),
            Blocked::TgwAttachmentUnavailable { attachment }
            | Blocked::TgwNoSubnetInZone { attachment }
            | Blocked::TgwNoRouteTable { attachment } => (
                &h.tgw_attachments[*attachment].meta,
                "attachment (C-9.2, C-9.6b)".into(),
            ),
            Blocked::ConnectionUnavailable { via }
            | Blocked::VgwIpv6 { via }
            | Blocked::PublicVif { via }
            | Blocked::NoVgwBehind { via } => (via_meta(via), "does not carry it".into()),
            Blocked::VpnSelectors { vpn } => (
                &h.vpns[*vpn].meta,
                "outside the traffic selectors (C-11.2)".into(),
            ),
            Blocked::VgwNotAttached { vgw, .. }
            | Blocked::VgwSource { vgw }
            | Blocked::VgwDestination { vgw }
            | Blocked::VgwNoRoute { vgw }
            | Blocked::VgwDetached { vgw } => (
                &h.vgws[*vgw].meta,
                "does not carry it (C-10.2, C-10.4)".into(),
            ),
            Blocked::OnPremSource { net }
            | Blocked::OnPremNoRoute { net }
            | Blocked::StaysOnPrem { net } => (&h.on_prem[*net].meta, "does not carry it".into()),
            Blocked::NatInbound { nat } => {
                (&topo.nats[*nat].meta, "a NAT gateway (C-7.1, C-7.5)".into())
            }
            Blocked::TgwLoop { table } => {
                (&h.tgw_route_tables[*table].meta, "a routing loop".into())
            }
            Blocked::NoOwner { vpc } | Blocked::NoIgw { vpc } => {
                (&topo.vpcs[*vpc].meta, "nothing receives it".into())
            }
            Blocked::NoPublicAddress { eni, .. } => {
                (&topo.enis[*eni].meta, "no public address (C-6.1)".into())
            }
            Blocked::DxNoVif { dx } | Blocked::DxPrefixes { dx } => (
                &h.dx_gateways[*dx].meta,
                "does not carry it (C-12.2)".into(),
            ),
            Blocked::NoListener { lb } => (
                &topo.load_balancers[*lb].meta,
                "no listener (C-14.3)".into(),
            ),
            Blocked::NatLoop { .. }
            | Blocked::Nacl { .. }
            | Blocked::Sg { .. }
            | Blocked::NoRouteTable { .. }
            | Blocked::Route { .. }
            | Blocked::WrongTarget { .. }
            | Blocked::WrongAttachment { .. }
            | Blocked::TgwRoute { .. } => {
                // Written by `blocked`, which never hands these here.
                return (self.bare_hop("blocked", String::new()), String::new());
            }
        };
        (self.hop_at(meta, rule), format!("fix `{}`", meta.name))
    }

    /// True when the walk's end `fate` is where the goal is.
    fn at_goal(&self, fate: &Fate) -> bool {
        match (fate, &self.goal) {
            (Fate::Delivered { eni }, Goal::Eni(g)) => eni == g,
            (Fate::Internet, Goal::Internet) => true,
            (Fate::Endpoint { .. } | Fate::Internet, Goal::Service(_)) => true,
            (Fate::OnPrem { via }, Goal::OnPrem(n)) => {
                self.topo.hybrid.on_prem[*n].via.contains(via)
            }
            (Fate::OnPrem { .. } | Fate::Delivered { .. }, Goal::Addresses) => true,
            _ => false,
        }
    }
}

impl Recorder for WhyNot<'_> {
    fn carry_on(&mut self, at: &Blocked, p: &Packet) -> bool {
        let (hop, fix) = self.blocked(at, p);
        self.t.block(hop, fix);
        if matches!(at, Blocked::NatInbound { .. }) {
            // There is nothing behind it to fix: the answer is complete.
            self.t.complete = true;
        }
        true
    }

    fn passed(&mut self, step: &Passed, p: &Packet) {
        match step {
            Passed::IgwOut { igw } => self.last_igw = Some(*igw),
            Passed::FromInternet => self.sent_to = Some(p.dst),
            _ => {}
        }
        let hop = self.passed_hop(step, p);
        self.t.pass(hop);
        self.last_dst = Some(p.dst);
    }

    fn leads_on(&self, _topo: &Topology, vpc: VpcId, target: &RouteTarget, p: &Packet) -> bool {
        self.towards().target_ok(target, vpc, p.dst)
    }

    fn detour(&mut self, _topo: &Topology, vpc: VpcId, p: &Packet) -> Option<RouteTarget> {
        self.towards().natural_target(vpc, p)
    }

    fn tgw_leads_on(
        &self,
        _topo: &Topology,
        _table: TgwRouteTableId,
        attachment: TgwAttachmentId,
    ) -> bool {
        !self.towards().wrong_attachment(attachment)
    }

    fn tgw_detour(&mut self, _topo: &Topology, tgw: TgwId) -> Option<TgwAttachmentId> {
        self.towards().natural_attachment(tgw)
    }

    fn internet_detour(&mut self, _topo: &Topology, _p: &Packet) -> Option<EniId> {
        match self.goal {
            Goal::Eni(e) => Some(e),
            _ => None,
        }
    }

    fn vgw_detour(&mut self, topo: &Topology, vgw: VgwId) -> Option<OnPremVia> {
        match self.goal {
            Goal::OnPrem(n) => crate::sim::connections_of_vgw(topo, vgw)
                .into_iter()
                .find(|v| topo.hybrid.on_prem[n].via.contains(v)),
            _ => None,
        }
    }

    fn past_doubt(&mut self, eni: EniId, why: &str, p: &Packet) -> bool {
        let hop = sg_hop(self.topo, eni, crate::model::Direction::Ingress, p);
        self.t.unknown(hop, why.to_string());
        true
    }

    fn stateful(&self) -> bool {
        self.reply
    }

    fn one_branch(&self) -> bool {
        true
    }

    fn cost(&self) -> (usize, usize, usize) {
        self.t.cost()
    }

    fn ended(&mut self, fate: &Fate) {
        match fate {
            Fate::Unknown { reason } => self
                .t
                .unknown(self.bare_hop("unknown", reason.clone()), reason.clone()),
            Fate::Dropped { .. } => {}
            Fate::Delivered { eni } if self.at_goal(fate) => {
                // From the internet, the address it was sent to (before the
                // internet gateway's one-to-one NAT).
                let dst = self
                    .sent_to
                    .or(self.last_dst)
                    .map_or_else(String::new, |d| d.to_string());
                let text = if self.t.blockers.is_empty() {
                    format!("delivered to {dst}")
                } else {
                    format!("would be delivered to {dst} once the blockers are fixed")
                };
                let hop = self.hop_at(&self.topo.enis[*eni].meta, text);
                self.t.pass(hop);
                self.t.complete = true;
            }
            Fate::OnPrem {
                via: OnPremVia::Vif(x),
            } if matches!(self.goal, Goal::Internet | Goal::Service(_)) => {
                // AWS sends a public prefix on prem advertises over a public
                // virtual interface there, not to the internet (C-12.1).
                let Some(g) = self.last_igw else {
                    return;
                };
                let topo = self.topo;
                let hop = self.hop_at(
                    &topo.igws[g].meta,
                    format!(
                        "{} is advertised from on prem over public virtual interface `{}`: AWS sends it there, not to the internet (C-12.1)",
                        self.last_dst.map_or_else(String::new, |d| d.to_string()),
                        topo.hybrid.vifs[*x].meta.name
                    ),
                );
                self.t.block(hop, "ask about the on-prem network instead, or stop advertising the prefix over the public virtual interface".into());
                // The blocker belongs before the gateway's own hop, the last
                // one passed (as the tracer writes it).
                let n = self.t.hops.len();
                if n >= 2 {
                    self.t.hops.swap(n - 2, n - 1);
                }
                self.t.complete = true;
            }
            f => {
                if self.at_goal(f) {
                    self.t.complete = true;
                }
            }
        }
    }
}
