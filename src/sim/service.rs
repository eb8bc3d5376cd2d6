//! Service paths, one packet at a time (`docs/FORWARDING-MODEL.md`,
//! "Service paths and DNS"): where a service name resolves for clients in a
//! VPC, and whether one packet a workload sends to a service address stays
//! on a VPC endpoint of that service. Written apart from
//! `crate::checks::private_service_access`, which answers the same
//! questions over sets of packets, so that property tests can compare them.

use std::net::IpAddr;

use ipnet::IpNet;

use super::{Fate, Lookup, lookup, simulate};
use crate::hs::Packet;
use crate::model::{EndpointKind, EniId, EniOwner, Origin, RouteTarget, Topology, VpcId};

/// What a service name resolves to for clients in one VPC (C-13.8, C-13.9,
/// C-15.2, C-15.3, C-15.5).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Resolution {
    /// The interfaces of the service's interface endpoints (private DNS).
    Endpoint(Vec<IpNet>),
    /// The public answers: the service's AWS ranges.
    Public,
    /// Not known (custom DNS servers, DNS support off, or the policy does
    /// not assume that hosts use the VPC's DNS).
    Unknown(String),
}

/// Where `service` (`com.amazonaws.<region>.<name>`) resolves in `vpc`.
pub fn resolve(topo: &Topology, vpc: VpcId, service: &str) -> Resolution {
    let v = &topo.vpcs[vpc];
    if !v.custom_dns_servers.is_empty() {
        return Resolution::Unknown(format!("vpc {} uses custom DNS servers", v.meta.name));
    }
    if !v.dns_support {
        return Resolution::Unknown(format!("vpc {} has DNS support off", v.meta.name));
    }
    if !topo.policy.service_access.hosts_use_vpc_dns {
        return Resolution::Unknown("hosts may not use the VPC's DNS".into());
    }
    let mut addrs: Vec<IpNet> = Vec::new();
    let mut private = false;
    for (i, ep) in topo.endpoints.iter().enumerate() {
        let applies = ep.kind == EndpointKind::Interface
            && ep.vpc == vpc
            && ep.service.eq_ignore_ascii_case(service)
            && ep.private_dns
            && !ep.private_dns_inbound_only
            && v.dns_hostnames;
        if !applies {
            continue;
        }
        private = true;
        for eni in &topo.enis {
            if eni.owner != EniOwner::Endpoint(i) || !eni.attached {
                continue;
            }
            for n in eni.address_nets() {
                let keep = match n {
                    IpNet::V4(_) => ep.dns_record_ip_type.v4(),
                    IpNet::V6(_) => ep.dns_record_ip_type.v6(),
                };
                if keep {
                    addrs.push(n);
                }
            }
        }
    }
    if private {
        Resolution::Endpoint(addrs)
    } else {
        Resolution::Public
    }
}

/// What happens to one packet a workload sends to a service address.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ServiceFate {
    /// It reaches an endpoint of the service (gateway endpoint or an
    /// interface endpoint's interface), without a NAT gateway on the way.
    Private,
    /// It stays in the VPC (delivered to another interface).
    Inside,
    /// It leaves the VPC another way: NAT gateway (whatever comes next,
    /// C-7.8), internet or egress-only gateway, peering, transit gateway,
    /// VPN gateway, appliance, or another service's endpoint.
    Leak(String),
    Dropped,
    Unknown(String),
}

/// The fate of packet `p` sent by interface `eni` to `service`'s addresses.
pub fn service_fate(topo: &Topology, eni: EniId, service: &str, p: &Packet) -> ServiceFate {
    let out = simulate(topo, Origin::Eni(eni), p);
    let iface = &topo.enis[eni];
    // The first hop, by the workload's own subnet table.
    let first = topo.subnets[iface.subnet]
        .route_table
        .map(|rt| lookup(topo, rt, p.dst));
    let first_target = match &first {
        Some(Lookup::Target(t, _)) => Some(t.clone()),
        _ => None,
    };
    // A security group decision that is unknown comes before any route.
    let sg_unknown = !matches!(iface.owner, EniOwner::Nat(_))
        && matches!(
            crate::rules::sg_check(topo, eni, crate::model::Direction::Egress, p),
            super::SgVerdict::Unknown(_)
        );
    let mut result: Option<ServiceFate> = None;
    for f in &out.fates {
        let this = match f {
            Fate::Dropped { .. } => ServiceFate::Dropped,
            Fate::Internet => ServiceFate::Leak("internet".into()),
            Fate::OnPrem { .. } => ServiceFate::Leak("on prem".into()),
            Fate::Endpoint { endpoint } => {
                if matches!(first_target, Some(RouteTarget::Nat(_))) {
                    ServiceFate::Leak("NAT gateway, then an endpoint".into())
                } else if topo.endpoints[*endpoint]
                    .service
                    .eq_ignore_ascii_case(service)
                {
                    ServiceFate::Private
                } else {
                    ServiceFate::Leak("another service's endpoint".into())
                }
            }
            Fate::Delivered { eni: x } => match topo.enis[*x].owner {
                EniOwner::Endpoint(ep)
                    if topo.endpoints[ep].kind == EndpointKind::Interface
                        && topo.endpoints[ep].service.eq_ignore_ascii_case(service) =>
                {
                    ServiceFate::Private
                }
                _ => ServiceFate::Inside,
            },
            Fate::Unknown { reason } => {
                if sg_unknown {
                    ServiceFate::Unknown(reason.clone())
                } else {
                    match &first_target {
                        Some(RouteTarget::Nat(_)) => ServiceFate::Leak("NAT gateway".into()),
                        Some(RouteTarget::Peering(_)) => ServiceFate::Leak("peering".into()),
                        Some(RouteTarget::Other(_)) => {
                            ServiceFate::Leak("a gateway that is not modelled".into())
                        }
                        Some(RouteTarget::Eni(_)) => ServiceFate::Leak("appliance".into()),
                        _ => ServiceFate::Unknown(reason.clone()),
                    }
                }
            }
        };
        // Several fates (overlapping owners): the worst one counts.
        let rank = |x: &ServiceFate| match x {
            ServiceFate::Leak(_) => 4,
            ServiceFate::Unknown(_) => 3,
            ServiceFate::Private => 2,
            ServiceFate::Inside => 1,
            ServiceFate::Dropped => 0,
        };
        if result.as_ref().is_none_or(|r| rank(&this) > rank(r)) {
            result = Some(this);
        }
    }
    result.unwrap_or(ServiceFate::Dropped)
}

/// Whether `a` is one of the service's addresses from its prefix lists
/// (`None`: no list of that family with known entries).
pub fn in_service_ranges(topo: &Topology, service: &str, a: IpAddr) -> Option<bool> {
    let mut known = false;
    let mut hit = false;
    for pl in &topo.prefix_lists {
        if !pl
            .service
            .as_deref()
            .is_some_and(|s| s.eq_ignore_ascii_case(service))
        {
            continue;
        }
        match &pl.entries {
            Some(es) => {
                for n in es {
                    if n.addr().is_ipv4() == a.is_ipv4() {
                        known = true;
                        hit |= n.contains(&a);
                    }
                }
            }
            None => return None,
        }
    }
    known.then_some(hit)
}
