//! What a load balancer's nodes do with their own traffic that other
//! interfaces do not: a classic load balancer's ACL reaches inside its
//! subnet (C-4.9), and a node forwards only to targets its zone setting
//! lets it reach (C-14.5, C-14.6).

use crate::model::{EniId, EniOwner, LbKind, Topology};

/// True when the subnet's ACL applies to what interface `sender` sends even
/// to an interface of its own subnet: the nodes of a classic load balancer
/// (C-4.9). Every other interface is filtered only when its packets cross
/// the subnet boundary (C-4.4).
pub fn nacl_out_within_subnet(topo: &Topology, sender: EniId) -> bool {
    matches!(
        topo.enis.get(sender).map(|e| &e.owner),
        Some(&EniOwner::LoadBalancer(lb))
            if topo.load_balancers.get(lb).is_some_and(|l| l.kind == LbKind::Classic)
    )
}

/// Whether a load balancer node sends to a target, by zones.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ZoneSends {
    Yes,
    /// Cross-zone balancing is off and the target is in another zone.
    No(String),
    /// It depends on a zone or a cross-zone setting that is not known.
    Unknown(String),
}

/// Whether node `node` of a classic load balancer forwards to the target
/// interface `target` (C-14.5, C-14.6): always with cross-zone balancing
/// on; with it off, only to a target in the node's own zone; with the
/// setting unknown, a target in another zone is `unknown`. A node and a
/// target of one subnet share its zone; otherwise a zone that is not known
/// is `unknown` unless cross-zone balancing is on. Application
/// and network load balancers, and targets outside the VPC, are not
/// decided here (`Yes`).
pub fn lb_node_sends_to(topo: &Topology, node: EniId, target: Option<EniId>) -> ZoneSends {
    let Some(&EniOwner::LoadBalancer(lb)) = topo.enis.get(node).map(|e| &e.owner) else {
        return ZoneSends::Yes;
    };
    let Some(l) = topo.load_balancers.get(lb) else {
        return ZoneSends::Yes;
    };
    if l.kind != LbKind::Classic || l.cross_zone == Some(true) {
        return ZoneSends::Yes;
    }
    let Some(target) = target else {
        return ZoneSends::Yes;
    };
    // One subnet is one zone, whether or not the zone is written down.
    if topo.enis.get(node).map(|e| e.subnet) == topo.enis.get(target).map(|e| e.subnet) {
        return ZoneSends::Yes;
    }
    let zone = |e: EniId| {
        topo.enis
            .get(e)
            .and_then(|x| topo.subnets.get(x.subnet))
            .and_then(|s| s.availability_zone.as_deref())
    };
    let (node_name, target_name) = (&topo.enis[node].meta.name, &topo.enis[target].meta.name);
    match (zone(node), zone(target), l.cross_zone) {
        (Some(a), Some(b), _) if a == b => ZoneSends::Yes,
        (Some(a), Some(b), Some(false)) => ZoneSends::No(format!(
            "classic load balancer `{}` has cross-zone balancing off: its node `{node_name}` in {a} does not send to `{target_name}` in {b} (C-14.5, C-14.6)",
            l.meta.name
        )),
        (Some(a), Some(b), _) => ZoneSends::Unknown(format!(
            "classic load balancer `{}`: whether its node `{node_name}` in {a} sends to `{target_name}` in {b} depends on cross-zone balancing, which is not known (C-14.5)",
            l.meta.name
        )),
        _ => ZoneSends::Unknown(format!(
            "classic load balancer `{}` has cross-zone balancing {}, and the zone of node `{node_name}` or of target `{target_name}` is not known (C-14.5, C-14.6)",
            l.meta.name,
            if l.cross_zone == Some(false) {
                "off"
            } else {
                "not known"
            }
        )),
    }
}
