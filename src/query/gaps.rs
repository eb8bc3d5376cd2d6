//! Which recorded gaps an answer depends on.
//!
//! A gap says what kind of data is missing and where (see
//! [`crate::model::Gap`]). An answer depends on it only when the missing
//! data could change it:
//! - a `yes` (a path) depends on a gap whose data could stop packets
//!   ([`GapKind::may_narrow`]) when the path crosses the gap's scope and has
//!   a step of the gap's kind: known data could only stop it there;
//! - a `no` (or a list that says it is complete) depends on a gap whose data
//!   could let more through ([`GapKind::may_widen`]) when the gap's scope
//!   meets the VPCs the packets could touch: the VPCs of both ends and every
//!   VPC joined to them by peering, transit gateways or on prem
//!   ([`Topology::vpcs_joined_to`]). VPN and Direct Connect data only
//!   matters when an end may be on prem; endpoint data only when the
//!   destination may be an AWS service.
//!
//! When in doubt, the gap counts: a gap without a scope concerns every
//! answer of its kind.

use std::collections::BTreeSet;

use crate::engine::{End, Flow, Step};
use crate::model::{Gap, GapKind, Origin, Topology, VpcId};

/// The VPCs one step of a path is in.
fn step_vpcs(topo: &Topology, s: &Step, out: &mut BTreeSet<VpcId>) {
    let mut add = |v: Option<VpcId>| {
        if let Some(v) = v {
            out.insert(v);
        }
    };
    match s {
        Step::IgwIn { igw, .. } | Step::IgwOut { igw } => {
            add(topo.igws.get(*igw).and_then(|g| g.vpc));
        }
        Step::EigwOut { eigw } => add(topo.eigws.get(*eigw).map(|g| g.vpc)),
        Step::NaclOut { subnet } | Step::NaclIn { subnet } => {
            add(topo.subnets.get(*subnet).map(|x| x.vpc));
        }
        Step::SgOut { eni }
        | Step::SgIn { eni }
        | Step::Listener { eni }
        | Step::Deliver { eni } => {
            add(topo.enis.get(*eni).map(|x| x.vpc));
        }
        Step::Route { table, .. } | Step::EdgeRoute { table, .. } => {
            add(topo.route_tables.get(*table).map(|x| x.vpc));
        }
        Step::Nat { nat } => add(topo
            .nats
            .get(*nat)
            .and_then(|n| topo.subnets.get(n.subnet))
            .map(|x| x.vpc)),
        Step::EndpointOut { endpoint } => add(topo.endpoints.get(*endpoint).map(|x| x.vpc)),
        Step::PeeringCross { peering } => {
            if let Some(p) = topo.peerings.get(*peering) {
                add(Some(p.requester));
                add(Some(p.accepter));
            }
        }
        Step::TgwIn { subnet, .. } | Step::TgwOut { subnet, .. } => {
            add(subnet.and_then(|s| topo.subnets.get(s)).map(|x| x.vpc));
        }
        Step::VgwRoute { vgw, .. } | Step::VgwIn { vgw } => {
            add(topo.hybrid.vgws.get(*vgw).and_then(|g| g.vpc));
        }
        Step::TgwRoute { .. } | Step::OnPremIn { .. } | Step::OnPremOut { .. } => {}
    }
}

/// Whether a step is one that data of `kind` decides.
fn step_of_kind(kind: GapKind, s: &Step) -> bool {
    match kind {
        GapKind::AssumedDefaultNacls | GapKind::NetworkAcls => {
            matches!(s, Step::NaclIn { .. } | Step::NaclOut { .. })
        }
        GapKind::SecurityGroups => false,
        GapKind::VpnDirectConnect => matches!(
            s,
            Step::VgwIn { .. }
                | Step::VgwRoute { .. }
                | Step::OnPremIn { .. }
                | Step::OnPremOut { .. }
        ),
        GapKind::Endpoints => matches!(s, Step::EndpointOut { .. }),
        GapKind::LoadBalancers => matches!(s, Step::Listener { .. }),
        GapKind::Peering => matches!(s, Step::PeeringCross { .. } | Step::Route { .. }),
        GapKind::TransitGateway => matches!(
            s,
            Step::TgwIn { .. } | Step::TgwOut { .. } | Step::TgwRoute { .. } | Step::Route { .. }
        ),
        GapKind::Routes => matches!(
            s,
            Step::Route { .. }
                | Step::EdgeRoute { .. }
                | Step::TgwRoute { .. }
                | Step::VgwRoute { .. }
        ),
        // Kinds that never stop packets (see `GapKind::may_narrow`).
        GapKind::PrefixLists | GapKind::Resources => false,
        // Bucket data decides no packet.
        GapKind::S3 | GapKind::S3Restrictions => false,
        GapKind::Other => true,
    }
}

/// The gaps a path relies on: a `yes` over it is `unknown` while any is
/// recorded. A path relies on a gap when it has a step that the gap's kind
/// of data decides, and it touches the gap's scope.
pub fn relied_on<'t>(topo: &'t Topology, origin: Option<Origin>, flow: &Flow) -> Vec<&'t Gap> {
    if topo.gaps.is_empty() {
        return Vec::new();
    }
    let mut touched = BTreeSet::new();
    for s in &flow.path {
        step_vpcs(topo, s, &mut touched);
    }
    if let Some(Origin::Eni(e)) = origin
        && let Some(x) = topo.enis.get(e)
    {
        touched.insert(x.vpc);
    }
    if let End::Delivered(e) = flow.end
        && let Some(x) = topo.enis.get(e)
    {
        touched.insert(x.vpc);
    }
    let on_prem = matches!(flow.end, End::OnPrem(_)) || matches!(origin, Some(Origin::OnPrem(_)));
    topo.gaps
        .iter()
        .filter(|g| g.kind.may_narrow())
        .filter(|g| {
            let of_kind = flow.path.iter().any(|s| step_of_kind(g.kind, s))
                || (g.kind == GapKind::VpnDirectConnect && on_prem)
                || (g.kind == GapKind::Endpoints && matches!(flow.end, End::Endpoint(_)));
            of_kind && (touched.is_empty() || touched.iter().any(|&v| g.scope.contains(v)))
        })
        .collect()
}

/// What a `no` (or a complete list) is about: the VPCs at its ends, and
/// whether an end may be on prem or an AWS service.
#[derive(Debug, Clone, Default)]
pub struct Ends {
    /// `None`: the ends may be anywhere.
    pub vpcs: Option<BTreeSet<VpcId>>,
    /// The internet is an end (or can carry the packets): every VPC with an
    /// internet gateway is touched too.
    pub internet: bool,
    pub on_prem: bool,
    pub service: bool,
}

impl Ends {
    pub fn add_vpcs(&mut self, vs: impl IntoIterator<Item = VpcId>) {
        if let Some(v) = &mut self.vpcs {
            v.extend(vs);
        }
    }

    pub fn anywhere(&mut self) {
        self.vpcs = None;
    }
}

/// A new, empty set of ends.
pub fn ends() -> Ends {
    Ends {
        vpcs: Some(BTreeSet::new()),
        ..Ends::default()
    }
}

/// The gaps that could turn a `no` about `ends` into a `yes` (or add to a
/// list about them).
pub fn could_widen<'t>(topo: &'t Topology, ends: &Ends) -> Vec<&'t Gap> {
    if topo.gaps.is_empty() {
        return Vec::new();
    }
    let region: Option<BTreeSet<VpcId>> = ends.vpcs.as_ref().map(|v| {
        let mut v = v.clone();
        if ends.internet {
            v.extend(topo.internet_vpcs());
        }
        topo.vpcs_joined_to(&v)
    });
    topo.gaps
        .iter()
        .filter(|g| g.kind.may_widen())
        .filter(|g| match g.kind {
            GapKind::VpnDirectConnect => ends.on_prem,
            GapKind::Endpoints => ends.service,
            GapKind::S3 | GapKind::S3Restrictions => false,
            _ => true,
        })
        .filter(|g| g.scope.meets(region.as_ref()))
        .collect()
}

/// The reason line for a gap that a `no` or a list may miss a path over.
pub fn widen_reason(topo: &Topology, g: &Gap) -> String {
    format!(
        "the topology records missing data{}: {}",
        g.scope_text(topo),
        g.what
    )
}

/// The reason line for a gap that a path relies on.
pub fn relied_reason(topo: &Topology, g: &Gap) -> String {
    format!(
        "the path relies on {} that the topology does not contain{}: {}",
        g.kind.data(),
        g.scope_text(topo),
        g.what
    )
}
