//! Endpoints of queries: what a word names, and how it maps to the engine.
//!
//! This is the one place that turns a written endpoint into engine terms:
//! [`Resolved::sources`] gives the packet origins (with the source addresses
//! they may use), [`Resolved::dst_set`] the destination addresses to ask
//! about, and [`Resolved::matches_end`] which flow ends count as arriving.
//! New origins and ends plug in here (on-prem networks map to
//! `Origin::OnPrem` and `End::OnPrem`); the matches on ends are exhaustive
//! so that a new kind of end must be placed. What the engine cannot use
//! resolves to an honest `unknown` with the reason.

use std::net::IpAddr;

use ipnet::IpNet;

use super::lang::Word;
use crate::diag::Diagnostic;
use crate::engine::{End, Engine, Flow};
use crate::hs::{IntervalSet, all_v6, encode, nets_set};
use crate::model::{EniId, EniOwner, OnPremId, ResourceRef, Topology};

/// The AWS services a query may name.
pub const SERVICES: &[&str] = &["s3", "dynamodb", "ecr"];

/// A resolved endpoint.
#[derive(Debug, Clone)]
pub enum Resolved {
    /// Network interfaces: named directly, or through an instance, load
    /// balancer, NAT gateway, subnet, VPC, security group, tag or address.
    Enis {
        label: String,
        enis: Vec<EniId>,
        /// Source/destination addresses narrowed to these (an IP or CIDR).
        addrs: Option<IntervalSet>,
        /// Named by a public IPv4 (an Elastic IP) mapped to them (C-6.1):
        /// `addrs` holds it.
        public: bool,
    },
    /// Outside AWS: every internet address, or the given ones.
    Internet {
        label: String,
        addrs: Option<IntervalSet>,
    },
    /// Addresses that no interface owns (as a destination: any end there).
    Addresses { label: String, addrs: IntervalSet },
    /// An AWS service: its gateway / interface endpoints and its addresses
    /// (from the service's prefix lists) when the topology knows them.
    Service {
        label: String,
        service: String,
        /// `None`: the topology does not list the service's addresses.
        addrs: Option<IntervalSet>,
        /// Restrict to these endpoints (a named endpoint), else any of the service.
        only: Option<Vec<usize>>,
    },
    /// An on-prem network (`on_prem_networks`).
    OnPrem {
        label: String,
        addrs: IntervalSet,
        /// Index into `hybrid.on_prem`.
        net: OnPremId,
    },
    /// Something the engine cannot use as an endpoint yet.
    Unmodelled { label: String, why: String },
}

/// One origin of packets for a source endpoint.
#[derive(Debug, Clone)]
pub struct Source {
    pub label: String,
    /// The engine origin, or why there is none yet.
    pub origin: Result<crate::engine::Origin, String>,
    /// Source addresses the origin may use (`None`: any it can).
    pub addrs: Option<IntervalSet>,
    pub eni: Option<EniId>,
}

impl Resolved {
    pub fn label(&self) -> &str {
        match self {
            Resolved::Enis { label, .. }
            | Resolved::Internet { label, .. }
            | Resolved::Addresses { label, .. }
            | Resolved::Service { label, .. }
            | Resolved::OnPrem { label, .. }
            | Resolved::Unmodelled { label, .. } => label,
        }
    }

    /// The packet origins of a source endpoint.
    pub fn sources(&self, topo: &Topology) -> Vec<Source> {
        match self {
            // An interface sends from its own addresses: a managed one
            // (source/destination check off) could send others, but those
            // are packets it forwards, not packets it originates.
            Resolved::Enis {
                enis,
                addrs,
                public,
                ..
            } => enis
                .iter()
                .map(|&e| {
                    let own = nets_set(topo.enis[e].address_nets().iter());
                    // Named by its public IPv4, it sends from its private
                    // addresses, which the internet gateway translates (C-6.1).
                    let narrowed = match addrs {
                        Some(a) if !*public => a.intersect(&own),
                        _ => own,
                    };
                    Source {
                        label: topo.enis[e].meta.name.clone(),
                        origin: Ok(crate::engine::Origin::Eni(e)),
                        addrs: Some(narrowed),
                        eni: Some(e),
                    }
                })
                .collect(),
            Resolved::Internet { label, addrs } => vec![Source {
                label: label.clone(),
                origin: Ok(crate::engine::Origin::Internet),
                addrs: addrs.clone(),
                eni: None,
            }],
            Resolved::Addresses { label, .. } => vec![Source {
                label: label.clone(),
                origin: Err(format!(
                    "no network interface owns {label}, and it is not an internet or on-prem address"
                )),
                addrs: None,
                eni: None,
            }],
            Resolved::Service { label, .. } => vec![Source {
                label: label.clone(),
                origin: Err(format!(
                    "{label} as a source (traffic that an AWS service opens into a VPC) is not modelled"
                )),
                addrs: None,
                eni: None,
            }],
            Resolved::OnPrem {
                label, addrs, net, ..
            } => vec![Source {
                label: label.clone(),
                origin: Ok(crate::engine::Origin::OnPrem(*net)),
                addrs: Some(addrs.clone()),
                eni: None,
            }],
            Resolved::Unmodelled { label, why } => vec![Source {
                label: label.clone(),
                origin: Err(why.clone()),
                addrs: None,
                eni: None,
            }],
        }
    }

    /// The destination addresses to ask about, for packets from `origin`
    /// (`None`: any). From the internet an interface is reached at its
    /// public IPv4 mappings and its IPv6 addresses; from inside AWS at its
    /// own addresses.
    pub fn dst_set(&self, engine: &Engine<'_>, from_internet: bool) -> Option<IntervalSet> {
        let topo = engine.topo;
        match self {
            Resolved::Enis {
                enis,
                addrs,
                public,
                ..
            } => {
                let mut s = IntervalSet::empty();
                for &e in enis {
                    if from_internet {
                        s = s.union(&public_addrs(topo, e));
                        s = s.union(&engine.eni_addrs(e).intersect(&all_v6()));
                    } else {
                        s = s.union(engine.eni_addrs(e));
                    }
                }
                if let Some(a) = addrs
                    && (*public || !from_internet)
                {
                    // From inside AWS a public IPv4 is not an address of
                    // the interface: the packet leaves for the internet
                    // (see `unattributable`).
                    s = if *public && !from_internet {
                        a.clone()
                    } else {
                        s.intersect(a)
                    };
                }
                Some(s)
            }
            // The internet is its public addresses (C-6.3) that are not
            // on prem.
            Resolved::Internet { addrs, .. } => {
                Some(addrs.clone().unwrap_or_else(|| {
                    internet_set().subtract(&crate::engine::on_prem_space(topo))
                }))
            }
            Resolved::Addresses { addrs, .. } | Resolved::OnPrem { addrs, .. } => {
                Some(addrs.clone())
            }
            Resolved::Service { addrs, only, .. } => {
                // A packet to the service reaches it through a gateway
                // endpoint (routes to its prefix list), an interface endpoint
                // (its interfaces' addresses) or the internet (its addresses).
                let mut s = addrs.clone()?;
                for e in self.endpoint_enis(topo, only.as_deref()) {
                    s = s.union(engine.eni_addrs(e));
                }
                Some(s)
            }
            Resolved::Unmodelled { .. } => Some(IntervalSet::empty()),
        }
    }

    /// The interfaces of the service's interface endpoints.
    fn endpoint_enis(&self, topo: &Topology, only: Option<&[usize]>) -> Vec<EniId> {
        let Resolved::Service { service, .. } = self else {
            return Vec::new();
        };
        (0..topo.enis.len())
            .filter(|&e| match topo.enis[e].owner {
                EniOwner::Endpoint(ep) => {
                    only.is_none_or(|o| o.contains(&ep))
                        && service_of(&topo.endpoints[ep].service) == *service
                }
                _ => false,
            })
            .collect()
    }

    /// True when a flow that ends at `end` has arrived at this endpoint.
    ///
    /// The match on the end is exhaustive on purpose: a new kind of end
    /// (on-prem, peered VPC) must be placed here, not silently miss.
    pub fn matches_end(&self, topo: &Topology, flow: &Flow) -> bool {
        let endpoint_of_service = |ep: usize, service: &str, only: &Option<Vec<usize>>| {
            only.as_ref().is_none_or(|o| o.contains(&ep))
                && service_of(&topo.endpoints[ep].service) == service
        };
        match &flow.end {
            End::Delivered(e) => match self {
                Resolved::Enis { enis, .. } => enis.contains(e),
                Resolved::Addresses { .. } => true,
                Resolved::Service { service, only, .. } => match topo.enis[*e].owner {
                    EniOwner::Endpoint(ep) => endpoint_of_service(ep, service, only),
                    _ => false,
                },
                Resolved::Internet { .. }
                | Resolved::OnPrem { .. }
                | Resolved::Unmodelled { .. } => false,
            },
            End::Internet => match self {
                Resolved::Internet { .. } | Resolved::Addresses { .. } => true,
                // Flows to the service's public addresses (the destination
                // set holds only those when the addresses are known).
                Resolved::Service {
                    addrs: Some(_),
                    only: None,
                    ..
                } => true,
                Resolved::Service { .. }
                | Resolved::Enis { .. }
                | Resolved::OnPrem { .. }
                | Resolved::Unmodelled { .. } => false,
            },
            End::Endpoint(ep) => match self {
                Resolved::Service { service, only, .. } => endpoint_of_service(*ep, service, only),
                // A gateway endpoint carries packets to its service's public
                // addresses (C-13.1, won by longest prefix match, C-3.3): the
                // destination set holds only the asked addresses, so a flow
                // that ends there arrives at them. (The whole internet is
                // not the service: its flows end there.)
                Resolved::Addresses { .. } | Resolved::Internet { addrs: Some(_), .. } => true,
                Resolved::Enis { .. }
                | Resolved::Internet { addrs: None, .. }
                | Resolved::OnPrem { .. }
                | Resolved::Unmodelled { .. } => false,
            },
            // Out over a VPN connection or virtual interface that the
            // on-prem network sits behind (the destination set holds only
            // its addresses).
            End::OnPrem(via) => match self {
                Resolved::OnPrem { net, .. } => topo.hybrid.on_prem[*net].via.contains(via),
                Resolved::Addresses { .. } => true,
                // Internet addresses that AWS routes towards the connection
                // (a derived network behind it holds them, see
                // `on_prem_space`) go on prem from there.
                Resolved::Internet { addrs: Some(a), .. } => topo.hybrid.on_prem.iter().any(|n| {
                    n.derived && n.via.contains(via) && a.intersects(&nets_set(n.cidrs.iter()))
                }),
                Resolved::Enis { .. }
                | Resolved::Internet { .. }
                | Resolved::Service { .. }
                | Resolved::Unmodelled { .. } => false,
            },
            End::Unknown(_) => false,
        }
    }

    /// Why flows that leave to the internet cannot be attributed to this
    /// destination (the service's addresses are not in the topology).
    pub fn unattributable(&self) -> Option<String> {
        match self {
            Resolved::Service {
                addrs: None,
                service,
                ..
            } => Some(format!(
                "the topology lists no prefix list for `{service}`, so traffic that leaves to the internet may or may not go to {service}"
            )),
            Resolved::Unmodelled { why, .. } => Some(why.clone()),
            Resolved::Enis {
                public: true,
                label,
                ..
            } => Some(format!(
                "from inside AWS, a packet to {label} leaves through an internet gateway and must come back in through it (NAT reflection, C-6.7), which is not analysed"
            )),
            _ => None,
        }
    }
}

/// `s3` for `com.amazonaws.us-east-1.s3`; `ecr` for `…ecr.api` / `…ecr.dkr`.
pub fn service_of(name: &str) -> String {
    let n = name.to_lowercase();
    let parts: Vec<&str> = n.split('.').collect();
    if parts.contains(&"ecr") {
        return "ecr".into();
    }
    parts.last().map_or(n.clone(), |s| (*s).to_string())
}

/// The public IPv4 addresses mapped to an interface (C-2.2).
pub fn public_addrs(topo: &Topology, e: EniId) -> IntervalSet {
    let mut v = Vec::new();
    for (k, p) in topo.enis[e].private_ips.iter().enumerate() {
        if let Some(pb) = p.public {
            let a = encode(IpAddr::V4(pb.addr(e, k)));
            v.push((a, a));
        }
    }
    IntervalSet::from_ranges(v)
}

/// Every name a query may use as an endpoint or resource, for completion
/// and suggestions.
pub fn known_names(topo: &Topology) -> Vec<String> {
    let mut v: Vec<String> = topo.names.keys().cloned().collect();
    v.extend(SERVICES.iter().map(|s| (*s).to_string()));
    v.push("internet".into());
    v.sort();
    v.dedup();
    v
}

fn err_unknown(topo: &Topology, w: &Word) -> Diagnostic {
    let names = known_names(topo);
    let e = Diagnostic::in_input(
        format!("unknown endpoint `{}`", w.text),
        w.span,
        "not a resource, address or keyword",
    );
    let help = match crate::model::suggest(&w.text, names.iter().map(String::as_str)) {
        Some(s) => format!("did you mean `{s}`?"),
        None => "an endpoint is a name, an AWS id, an IP or CIDR, `internet`, `s3`, `dynamodb`, `ecr`, an on-prem network, or `tag:KEY=VALUE`".into(),
    };
    e.with_help(help)
}

fn internet_set() -> IntervalSet {
    crate::engine::internet_source_set()
}

/// Interfaces of a resource.
fn enis_of(topo: &Topology, r: ResourceRef) -> Option<Vec<EniId>> {
    let all = 0..topo.enis.len();
    Some(match r {
        ResourceRef::Eni(e) => vec![e],
        ResourceRef::Instance(i) => topo.instances[i].enis.clone(),
        ResourceRef::LoadBalancer(l) => topo.load_balancers[l].enis.clone(),
        ResourceRef::Nat(n) => vec![topo.nats[n].eni],
        ResourceRef::Subnet(s) => all.filter(|&e| topo.enis[e].subnet == s).collect(),
        ResourceRef::Vpc(v) => all.filter(|&e| topo.enis[e].vpc == v).collect(),
        ResourceRef::SecurityGroup(g) => all
            .filter(|&e| topo.enis[e].security_groups.contains(&g))
            .collect(),
        _ => return None,
    })
}

fn kind_name(r: ResourceRef) -> &'static str {
    match r {
        ResourceRef::PrefixList(_) => "a prefix list",
        ResourceRef::Vpc(_) => "a VPC",
        ResourceRef::Subnet(_) => "a subnet",
        ResourceRef::RouteTable(_) => "a route table",
        ResourceRef::Nacl(_) => "a network ACL",
        ResourceRef::SecurityGroup(_) => "a security group",
        ResourceRef::Instance(_) => "an instance",
        ResourceRef::Eni(_) => "a network interface",
        ResourceRef::Igw(_) => "an internet gateway",
        ResourceRef::Eigw(_) => "an egress-only internet gateway",
        ResourceRef::Nat(_) => "a NAT gateway",
        ResourceRef::LoadBalancer(_) => "a load balancer",
        ResourceRef::TargetGroup(_) => "a target group",
        ResourceRef::Endpoint(_) => "a VPC endpoint",
        ResourceRef::Peering(_) => "a peering connection",
        ResourceRef::Other(_) => "a resource the engine does not model yet",
    }
}

/// Finds the resource a word names: by name, else by AWS id.
pub fn lookup_resource(topo: &Topology, text: &str) -> Option<ResourceRef> {
    if let Some(r) = topo.names.get(text) {
        return Some(*r);
    }
    let mut refs: Vec<ResourceRef> = topo.names.values().copied().collect();
    refs.sort();
    refs.into_iter()
        .find(|&r| topo.meta(r).aws_id.as_deref() == Some(text))
}

/// Resolves an endpoint word against the topology.
pub fn resolve(topo: &Topology, w: &Word) -> Result<Resolved, Diagnostic> {
    let text = w.text.trim();
    let lower = text.to_lowercase();
    if !w.quoted {
        if lower == "internet" {
            return Ok(Resolved::Internet {
                label: "the internet".into(),
                addrs: None,
            });
        }
        if SERVICES.contains(&lower.as_str()) {
            return Ok(service(topo, &lower, None, lower.clone()));
        }
        if let Some(rest) = text.strip_prefix("tag:") {
            return resolve_tag(topo, w, rest);
        }
        if let Some(addrs) = parse_addrs(text) {
            return Ok(resolve_addrs(topo, text, addrs));
        }
    }
    let name = text.strip_prefix("name:").unwrap_or(text);
    for (i, n) in topo.hybrid.on_prem.iter_enumerated() {
        if n.meta.name == name {
            return Ok(Resolved::OnPrem {
                label: format!("`{name}`"),
                addrs: nets_set(n.cidrs.iter()),
                net: i,
            });
        }
    }
    let Some(r) = lookup_resource(topo, name) else {
        return Err(err_unknown(topo, w));
    };
    let meta = topo.meta(r);
    let label = format!("`{}`", meta.name);
    if let Some(enis) = enis_of(topo, r) {
        return Ok(Resolved::Enis {
            label,
            enis,
            addrs: None,
            public: false,
        });
    }
    match r {
        ResourceRef::Endpoint(ep) => {
            let e = &topo.endpoints[ep];
            Ok(service(topo, &service_of(&e.service), Some(vec![ep]), label))
        }
        ResourceRef::PrefixList(pl) => match &topo.prefix_lists[pl].entries {
            Some(entries) => Ok(resolve_addrs(topo, name, nets_set(entries.iter()))),
            None => Ok(Resolved::Unmodelled {
                label: label.clone(),
                why: format!("the entries of prefix list {label} are not known"),
            }),
        },
        ResourceRef::Peering(_) | ResourceRef::Other(_) => Ok(Resolved::Unmodelled {
            label: label.clone(),
            why: format!(
                "{label} is {}: paths through it are not modelled by the engine yet",
                kind_name(r)
            ),
        }),
        _ => Err(Diagnostic::in_input(
            format!("`{name}` is {}, not an endpoint", kind_name(r)),
            w.span,
            "not an endpoint",
        )
        .with_help(match r {
            ResourceRef::Igw(_) | ResourceRef::Eigw(_) => {
                "to ask about traffic to or from outside AWS, use `internet`".to_string()
            }
            _ => format!(
                "name an interface, instance, load balancer, subnet, VPC or security group; `show {name}` prints it"
            ),
        })),
    }
}

fn service(topo: &Topology, svc: &str, only: Option<Vec<usize>>, label: String) -> Resolved {
    // The service's addresses, in any Region: the entries of its prefix
    // lists (the check's function, which also serves one Region).
    let (addrs, _) = crate::engine::service_ranges(topo, |s| service_of(s) == svc, None);
    Resolved::Service {
        label,
        service: svc.to_string(),
        addrs,
        only,
    }
}

fn parse_addrs(text: &str) -> Option<IntervalSet> {
    if let Ok(a) = text.parse::<IpAddr>() {
        return Some(crate::hs::addr_set(a));
    }
    let n: IpNet = text.parse().ok()?;
    Some(nets_set([n].iter()))
}

fn resolve_addrs(topo: &Topology, text: &str, addrs: IntervalSet) -> Resolved {
    let label = format!("`{text}`");
    let owners: Vec<EniId> = (0..topo.enis.len())
        .filter(|&e| {
            let eni = &topo.enis[e];
            eni.attached && nets_set(eni.address_nets().iter()).intersects(&addrs)
        })
        .collect();
    if !owners.is_empty() {
        return Resolved::Enis {
            label,
            enis: owners,
            addrs: Some(addrs),
            public: false,
        };
    }
    // A public IPv4 mapped to an interface (an Elastic IP) names it
    // (C-6.1); the label says whose it is.
    let public: Vec<EniId> = (0..topo.enis.len())
        .filter(|&e| topo.enis[e].attached && public_addrs(topo, e).intersects(&addrs))
        .collect();
    if !public.is_empty() {
        let mut whose: Vec<String> = public
            .iter()
            .map(|&e| {
                let eni = &topo.enis[e];
                let name = eni
                    .instance
                    .map_or(&eni.meta.name, |i| &topo.instances[i].meta.name);
                format!("`{name}`")
            })
            .collect();
        whose.dedup();
        return Resolved::Enis {
            label: format!("{label} (the public IPv4 of {})", whose.join(", ")),
            enis: public,
            addrs: Some(addrs),
            public: true,
        };
    }
    let inet = internet_set();
    for (i, n) in topo.hybrid.on_prem.iter_enumerated() {
        // Internet addresses name a derived network never (see
        // `on_prem_space`).
        if n.derived && addrs.intersects(&inet.subtract(&crate::engine::on_prem_space(topo))) {
            continue;
        }
        if addrs.is_subset(&nets_set(n.cidrs.iter())) {
            return Resolved::OnPrem {
                label: format!("{label} (on-prem network `{}`)", n.meta.name),
                addrs,
                net: i,
            };
        }
    }
    let in_vpc = topo.vpcs.iter().any(|v| {
        let nets: Vec<IpNet> = v
            .cidrs
            .iter()
            .map(|c| IpNet::V4(*c))
            .chain(v.ipv6_cidrs.iter().map(|c| IpNet::V6(*c)))
            .collect();
        !nets_set(nets.iter()).intersect(&addrs).is_empty()
    });
    if !in_vpc && addrs.is_subset(&inet) {
        return Resolved::Internet {
            label,
            addrs: Some(addrs),
        };
    }
    Resolved::Addresses { label, addrs }
}

fn resolve_tag(topo: &Topology, w: &Word, spec: &str) -> Result<Resolved, Diagnostic> {
    let (key, value) = match spec.split_once('=') {
        Some((k, v)) => (k, Some(v)),
        None => (spec, None),
    };
    let hit = |tags: &crate::model::format::Tags| {
        tags.get(key)
            .is_some_and(|v| value.is_none_or(|want| want == v))
    };
    let refs: Vec<ResourceRef> = topo
        .tags
        .iter()
        .filter(|(_, t)| hit(t))
        .map(|(r, _)| *r)
        .collect();
    let mut enis: Vec<EniId> = refs
        .iter()
        .filter_map(|&r| enis_of(topo, r))
        .flatten()
        .collect();
    enis.sort_unstable();
    enis.dedup();
    if enis.is_empty() {
        let mut keys: Vec<&str> = Vec::new();
        for (r, t) in &topo.tags {
            if matches!(
                r,
                ResourceRef::Vpc(_)
                    | ResourceRef::Subnet(_)
                    | ResourceRef::Instance(_)
                    | ResourceRef::Eni(_)
            ) {
                keys.extend(t.keys().map(String::as_str));
            }
        }
        keys.sort_unstable();
        keys.dedup();
        let e = Diagnostic::in_input(
            format!("no interface carries tag `{spec}`"),
            w.span,
            "matches nothing",
        );
        return Err(match crate::model::suggest(key, keys.iter().copied()) {
            Some(k) => e.with_help(format!("did you mean tag key `{k}`?")),
            None => e.with_help(format!(
                "the tag keys in this topology are {}",
                if keys.is_empty() {
                    "none".to_string()
                } else {
                    keys.iter()
                        .map(|k| format!("`{k}`"))
                        .collect::<Vec<_>>()
                        .join(", ")
                }
            )),
        });
    }
    Ok(Resolved::Enis {
        label: format!("`tag:{spec}`"),
        enis,
        addrs: None,
        public: false,
    })
}
