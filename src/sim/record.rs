//! What the one per-packet walk tells its caller about the components that
//! drop a packet, and how it goes on past them.
//!
//! Every component that drops the packet on its way is named by a
//! [`Blocked`] and handed to the walk's [`Recorder`], which says whether
//! the walk ends there (the oracle) or carries on as if it were fixed (a
//! report that lists every blocker). Where the walk carries on past a
//! routing fault it goes where the packet would go once the fault is
//! fixed: past an attachment without a route table through each of the
//! gateway's tables, past a missing DX gateway allowed prefix to the
//! gateways behind the association, and so on (each case is at its
//! [`Blocked`] variant).

use crate::hs::Packet;
use crate::model::{
    Direction, DxGatewayId, EndpointId, EniId, IgwId, NatId, OnPremId, OnPremVia, PeeringId,
    RouteTableId, RouteTarget, SubnetId, TgwAttachmentId, TgwId, TgwRouteTableId, Topology, VgwId,
    VpcId, VpnId,
};

use super::Winner;

/// What the walk does at a component that drops the packet.
pub trait Recorder: Clone {
    /// `at` drops `p` (the packet as it is there): true carries on as if
    /// it let the packet through, false ends the branch there, dropped.
    /// Past a component with no way on ([`Blocked::no_way_on`]) the branch
    /// ends whatever this says.
    fn carry_on(&mut self, at: &Blocked, p: &Packet) -> bool;

    /// `p` passed `step`, in path order (for reports that show the path
    /// hop by hop). The walk's end is [`Recorder::ended`].
    fn passed(&mut self, _step: &Passed, _p: &Packet) {}

    /// False when a subnet route table in `vpc` sending `p` to `target`
    /// does not lead where the recorder follows the packet to (a report
    /// steering towards a goal): the decision is then a blocker,
    /// [`Blocked::WrongTarget`]. The oracle follows every route.
    fn leads_on(&self, _topo: &Topology, _vpc: VpcId, _target: &RouteTarget, _p: &Packet) -> bool {
        true
    }

    /// Where the packet goes from a subnet of `vpc` once a route fault the
    /// recorder carried on past is fixed (a blackhole, no route, no route
    /// table, a wrong target): `None` ends the branch there, dropped.
    fn detour(&mut self, _topo: &Topology, _vpc: VpcId, _p: &Packet) -> Option<RouteTarget> {
        None
    }

    /// False when transit gateway route table `table` sending the packet
    /// to `attachment` does not lead where the recorder follows it to: the
    /// decision is then a blocker, [`Blocked::WrongAttachment`].
    fn tgw_leads_on(
        &self,
        _topo: &Topology,
        _table: TgwRouteTableId,
        _attachment: TgwAttachmentId,
    ) -> bool {
        true
    }

    /// The attachment of transit gateway `tgw` the packet leaves through
    /// once a route fault of its table the recorder carried on past is
    /// fixed: `None` ends the branch there, dropped.
    fn tgw_detour(&mut self, _topo: &Topology, _tgw: TgwId) -> Option<TgwAttachmentId> {
        None
    }

    /// The interface a packet from the internet is meant for, when no
    /// internet gateway accepts its destination ([`Blocked::NoIgw`],
    /// [`Blocked::NoPublicAddress`]): `None` ends the walk there, dropped.
    fn internet_detour(&mut self, _topo: &Topology, _p: &Packet) -> Option<EniId> {
        None
    }

    /// The connection VPN gateway `vgw` sends the packet over once its
    /// missing route (C-10.2), which the recorder carried on past, is
    /// fixed: `None` ends the branch there, dropped.
    fn vgw_detour(&mut self, _topo: &Topology, _vgw: VgwId) -> Option<OnPremVia> {
        None
    }

    /// The security groups of `eni` let `p` in only through a reference
    /// whose match is not known (`why`, C-5.7): true carries on as if they
    /// let it in, the recorder having recorded the doubt; false ends the
    /// branch there, unknown (the oracle).
    fn past_doubt(&mut self, _eni: EniId, _why: &str, _p: &Packet) -> bool {
        false
    }

    /// True for a reply to an admitted flow: security groups are stateful
    /// and let it through (C-5.3), NACLs and routes decide again (C-0.2).
    fn stateful(&self) -> bool {
        false
    }

    /// Where the walk forks (ECMP, several attachment subnets, several
    /// connections from on prem, several owners of an address): false
    /// follows every branch (the oracle); true follows each from the same
    /// state and keeps the one of least [`Recorder::cost`], up to
    /// [`MAX_BRANCHES`] alternatives per walk.
    fn one_branch(&self) -> bool {
        false
    }

    /// The recorder's rank of the branch it has followed, least best.
    fn cost(&self) -> (usize, usize, usize) {
        (0, 0, 0)
    }

    /// The branch ends: `fate` (a definite end, a drop, or unknown).
    fn ended(&mut self, _fate: &super::Fate) {}
}

/// At most this many alternatives are followed one by one over a walk
/// with [`Recorder::one_branch`]: past it only the first alternative of a
/// fork, so that forks behind forks stay cheap.
pub const MAX_BRANCHES: usize = 4096;

/// The oracle ([`super::simulate`], [`super::simulate_must_reach`]): a
/// branch ends at the first component that drops the packet.
#[derive(Debug, Clone, Copy, Default)]
pub struct FirstDrop;

impl Recorder for FirstDrop {
    fn carry_on(&mut self, _at: &Blocked, _p: &Packet) -> bool {
        false
    }
}

/// [`super::simulate_blockers`]: record the blocker and carry on as if it
/// were fixed past a filter (NACL, security groups, block public access);
/// any other drop ends the branch, recorded as a blocker.
#[derive(Debug, Clone, Copy, Default)]
pub struct EveryBlocker;

impl Recorder for EveryBlocker {
    fn carry_on(&mut self, at: &Blocked, _p: &Packet) -> bool {
        at.is_filter()
    }
}

/// Carries on past every component that drops the packet, filters and
/// routing faults alike: where the packet goes once everything on its way
/// is fixed, for reports that list every fix at once.
#[derive(Debug, Clone, Copy, Default)]
pub struct CarryOn;

impl Recorder for CarryOn {
    fn carry_on(&mut self, _at: &Blocked, _p: &Packet) -> bool {
        true
    }
}

/// The component that dropped a packet, for reports that name the rule and
/// suggest a fix.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Blocked {
    /// The NACL of `subnet` in direction `dir` (its deciding rule is
    /// [`crate::rules::nacl_first_match`]; none is the implicit deny).
    Nacl { subnet: SubnetId, dir: Direction },
    /// The security groups of `eni` in direction `dir`: no rule allows.
    Sg { eni: EniId, dir: Direction },
    /// Subnet `subnet` has no route table. No way on unless the recorder
    /// names one ([`Recorder::detour`]).
    NoRouteTable { subnet: SubnetId },
    /// The lookup in `table`: a blackhole route won (`Some`), or no route
    /// covers the destination (`None`). No way on unless the recorder names
    /// one ([`Recorder::detour`]).
    Route {
        table: RouteTableId,
        blackhole: Option<Winner>,
    },
    /// `table` sends the packet to `target`, which does not lead where the
    /// recorder follows it to ([`Recorder::leads_on`]).
    WrongTarget {
        table: RouteTableId,
        target: RouteTarget,
    },
    /// Transit gateway route table `table` sends the packet to
    /// `attachment`, which does not lead where the recorder follows it to
    /// ([`Recorder::tgw_leads_on`]).
    WrongAttachment {
        table: TgwRouteTableId,
        attachment: TgwAttachmentId,
    },
    /// Transit gateway route table `table` drops the packet: no route, a
    /// blackhole (C-9.5), or a target attachment that is not available.
    /// No way on unless the recorder names one ([`Recorder::tgw_detour`]).
    TgwRoute { table: TgwRouteTableId },
    /// VPC block public access (C-6.10) in `vpc`, at `subnet` when it is
    /// decided per subnet; `dir` is internet ingress or egress.
    Bpa {
        vpc: VpcId,
        subnet: Option<SubnetId>,
        dir: Direction,
    },
    /// The sending interface is detached (C-2.7): past it, it sends.
    Detached { eni: EniId },
    /// A route in `vpc` targets internet gateway `igw`, attached elsewhere.
    IgwNotAttached { igw: IgwId, vpc: VpcId },
    /// A route in `vpc` targets egress-only internet gateway `eigw`,
    /// attached elsewhere.
    EigwNotAttached { eigw: usize, vpc: VpcId },
    /// A private NAT gateway's traffic reaches an internet gateway (C-7.3).
    PrivateNatToIgw { nat: NatId },
    /// The source has no public address at internet gateway `igw` (C-6.1;
    /// an IPv6 source outside the VPC's IPv6 CIDRs, C-6.2).
    NoPublicSource { igw: IgwId },
    /// An egress-only internet gateway carries IPv6 only (C-6.9).
    EigwIpv4 { eigw: usize },
    /// NAT gateway `nat` is not available.
    NatUnavailable { nat: NatId },
    /// NAT gateway `nat` passes tcp, udp and icmp only (C-7.1).
    NatProtocol { nat: NatId },
    /// A gateway endpoint passes tcp and ICMP echo request only (C-13.4).
    EndpointProtocol { endpoint: EndpointId },
    /// Peering `peering` is not active (C-8.1).
    PeeringInactive { peering: PeeringId },
    /// The source is not an address of the sending VPC (C-8.2, C-8.3).
    PeeringSource { peering: PeeringId },
    /// Transit gateway attachment `attachment` is not available (C-9.2).
    TgwAttachmentUnavailable { attachment: TgwAttachmentId },
    /// Attachment `attachment` has no subnet in the sender's availability
    /// zone (C-9.6b): past it, the packet enters through the attachment's
    /// first subnet.
    TgwNoSubnetInZone { attachment: TgwAttachmentId },
    /// Attachment `attachment` is associated with no route table (C-9.2):
    /// past it, the packet is looked up in each of the gateway's tables.
    TgwNoRouteTable { attachment: TgwAttachmentId },
    /// A connection to on prem is not available.
    ConnectionUnavailable { via: OnPremVia },
    /// The packet is outside the traffic selectors of `vpn` (C-11.2).
    VpnSelectors { vpn: VpnId },
    /// VPN gateway `vgw` is not attached to `vpc`, whose route targets it.
    VgwNotAttached { vgw: VgwId, vpc: VpcId },
    /// The source is not an IPv4 address of an interface of `vgw`'s VPC
    /// (C-10.2, C-10.4).
    VgwSource { vgw: VgwId },
    /// The destination is not an IPv4 address of an interface of `vgw`'s
    /// VPC (C-10.4).
    VgwDestination { vgw: VgwId },
    /// The source is not in on-prem network `net`.
    OnPremSource { net: OnPremId },
    /// AWS advertises no route for the destination to on-prem network
    /// `net`: past it, the packet enters over each of its connections.
    OnPremNoRoute { net: OnPremId },
    /// A NAT gateway routes the packet back to itself, or more than
    /// [`super::MAX_NAT_HOPS`] NAT gateways in a row (C-7.5). No way on.
    NatLoop { nat: NatId },
    /// More than [`crate::rules::MAX_TGW_HOPS`] transit gateway lookups,
    /// the last in `table`. No way on.
    TgwLoop { table: TgwRouteTableId },
    /// The destination is not an address of the peer VPC: a peering
    /// carries nothing beyond it (C-8.2, C-8.3). No way on.
    PeeringDestination { peering: PeeringId },
    /// The destination is a NAT gateway's interface, which accepts no
    /// unsolicited inbound traffic (C-7.1). No way on.
    NatInbound { nat: NatId },
    /// No attached interface of `vpc` owns the destination. No way on.
    NoOwner { vpc: VpcId },
    /// No internet gateway is attached to `vpc`, whose interface a packet
    /// from the internet is meant for ([`Recorder::internet_detour`]).
    NoIgw { vpc: VpcId },
    /// Interface `eni` has no public address that internet gateway `igw`
    /// accepts a packet for (C-6.1).
    NoPublicAddress { igw: IgwId, eni: EniId },
    /// Peering `peering` does not connect `vpc`, whose route targets it.
    /// No way on.
    PeeringElsewhere { peering: PeeringId, vpc: VpcId },
    /// No transit virtual interface of DX gateway `dx` carries the
    /// packet. No way on.
    DxNoVif { dx: DxGatewayId },
    /// VPN gateway `vgw` has no route for the destination (C-10.2): past
    /// it, over the connection the recorder names ([`Recorder::vgw_detour`]).
    VgwNoRoute { vgw: VgwId },
    /// VPN gateway `vgw` is attached to no VPC. No way on.
    VgwDetached { vgw: VgwId },
    /// The destination is inside on-prem network `net`: it stays on
    /// premises. No way on.
    StaysOnPrem { net: OnPremId },
    /// IPv6 into a VPN gateway over `via` (C-10.2). No way on.
    VgwIpv6 { via: OnPremVia },
    /// A public virtual interface carries nothing into a VPC (C-12.1). No
    /// way on.
    PublicVif { via: OnPremVia },
    /// No VPN gateway (or no DX gateway) is behind virtual interface
    /// `via`. No way on.
    NoVgwBehind { via: OnPremVia },
    /// Load balancer `lb` has no listener for the packet's protocol and
    /// port (C-14.3): past it, the packet is delivered to the node.
    NoListener { lb: usize },
    /// No association of DX gateway `dx` allows the destination (C-12.2):
    /// past it, the packet goes to the gateways behind its associations.
    DxPrefixes { dx: DxGatewayId },
}

impl Blocked {
    /// True where the walk cannot go on past the component, whatever the
    /// recorder says: there is nowhere the packet goes once it is fixed.
    pub fn no_way_on(&self) -> bool {
        matches!(
            self,
            Blocked::NatLoop { .. }
                | Blocked::TgwLoop { .. }
                | Blocked::PeeringDestination { .. }
                | Blocked::NatInbound { .. }
                | Blocked::NoOwner { .. }
                | Blocked::PeeringElsewhere { .. }
                | Blocked::DxNoVif { .. }
                | Blocked::VgwDetached { .. }
                | Blocked::StaysOnPrem { .. }
                | Blocked::VgwIpv6 { .. }
                | Blocked::PublicVif { .. }
                | Blocked::NoVgwBehind { .. }
        )
    }

    /// True for a filter: a NACL, security groups or block public access.
    pub fn is_filter(&self) -> bool {
        matches!(
            self,
            Blocked::Nacl { .. } | Blocked::Sg { .. } | Blocked::Bpa { .. }
        )
    }
}

/// A component the packet passed, for reports that show the path hop by
/// hop (the explainer names the deciding rule from it and the packet).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Passed {
    /// Sent from the internet.
    FromInternet,
    /// Accepted by internet gateway `igw` (after its one-to-one NAT).
    IgwIn { igw: IgwId },
    /// The NACL of `subnet` allows it in direction `dir`.
    Nacl { subnet: SubnetId, dir: Direction },
    /// The security groups of `eni` allow it in direction `dir` (`why`:
    /// the simulator's text, which names the rule).
    Sg {
        eni: EniId,
        dir: Direction,
        why: String,
    },
    /// Subnet route table `table` sends it on (the winning route).
    Route {
        table: RouteTableId,
        winner: Option<Winner>,
    },
    /// Out to the internet through internet gateway `igw`.
    IgwOut { igw: IgwId },
    /// Out to the internet through egress-only internet gateway `eigw`.
    EigwOut { eigw: usize },
    /// Source NAT by NAT gateway `nat` (the packet is the translated one).
    Nat { nat: NatId },
    /// Out through gateway endpoint `endpoint`.
    Endpoint { endpoint: EndpointId },
    /// Load balancer `lb` has a listener for it (C-14.3).
    Listener { lb: usize },
    /// Across peering `peering` into the peer VPC (C-8.2).
    Peering { peering: PeeringId },
    /// Into a transit gateway through `attachment` (through `subnet`, the
    /// attachment interface's, from a VPC).
    TgwIn {
        attachment: TgwAttachmentId,
        subnet: Option<SubnetId>,
    },
    /// Transit gateway route table `table` sends it to `attachment` (by a
    /// propagated `prefix`, or a static route).
    TgwRoute {
        table: TgwRouteTableId,
        attachment: TgwAttachmentId,
        prefix: Option<ipnet::IpNet>,
    },
    /// Out of a transit gateway into a VPC through `attachment`'s `subnet`.
    TgwOut {
        attachment: TgwAttachmentId,
        subnet: SubnetId,
    },
    /// Over transit gateway peering, into the peer through `attachment`.
    TgwPeering { attachment: TgwAttachmentId },
    /// VPN gateway `vgw` chooses connection `via` (C-10.3).
    VgwChoose { vgw: VgwId, via: OnPremVia },
    /// VPN gateway `vgw` forwards between its connections (C-10.6).
    CloudHub { vgw: VgwId },
    /// A VPN gateway's edge route table `table` delivers locally.
    EdgeTable { table: RouteTableId },
    /// From on prem into `vgw`'s VPC (C-10.4).
    VgwIn { vgw: VgwId },
    /// Sent from on-prem network `net`.
    FromOnPrem { net: OnPremId },
    /// From on-prem network `net` into AWS over `via` (`decided` by the
    /// stated preference).
    IntoAws {
        net: OnPremId,
        via: OnPremVia,
        decided: bool,
    },
    /// Leaves AWS over `via`.
    Exit { via: OnPremVia },
}

/// One recorded blocker: where, and the simulator's reason.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Blocker {
    pub at: Blocked,
    pub reason: String,
}
