//! `private-service-access`: S3, DynamoDB and ECR traffic stays on VPC endpoints.
//!
//! What it proves, its assumptions and how to fix a finding are in
//! [`META`], the one place they are written (the README, `--help`, SARIF
//! and `netverify checks` are rendered from it).

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::net::IpAddr;
use std::rc::Rc;

use ipnet::IpNet;
use serde_json::Value;

use super::{CheckId, CheckMeta};
use crate::engine::explain::{filter_hop, nacl_hop, pos_location, sg_hop, target_name};
use petgraph::visit::EdgeRef;

use crate::engine::{End, Engine, Flow, Node, Origin, RouteChoice, Step, replies, service_ranges};
use crate::hs::{
    Cube, DPORT, DST, HeaderSet, IntervalSet, PROTO, Packet, SPORT, SRC, all_v4, all_v6, encode,
};
use crate::model::{
    EndpointId, EndpointKind, EniId, EniOwner, PrefixListId, RouteDest, RouteTarget, ServiceKind,
    SubnetId, TCP, Topology, VpcId,
};
use crate::report::{
    CheckResult, Finding, FindingKind, Hop, Location, PacketView, Severity, Verdict, Witness,
};
use crate::sim::{Blocked, Dir, Winner};

pub const ID: &str = CheckId::PrivateServiceAccess.as_str();

pub const META: CheckMeta = CheckMeta {
    check: CheckId::PrivateServiceAccess,
    id: ID,
    summary: "S3, DynamoDB and ECR traffic of every workload leaves the VPC only through VPC endpoints of that service",
    proves: r#"
For every workload interface and every AWS service it uses, every packet
the workload can send to that service's addresses leaves the VPC only
through a VPC endpoint of that service: never through a NAT gateway (even
one whose subnet then uses the endpoint, C-7.8), an internet gateway, an
egress-only gateway, a transit gateway, a peering connection, a VPN gateway
or an appliance. And the private path is open: the workload can actually
reach the endpoint.
"#,
    why: r#"
An endpoint that exists but is not associated with the workload's route
table, a more specific route to a NAT gateway, or private DNS that does not
apply sends data to S3 through the internet, where it is billed as NAT
traffic and escapes endpoint and bucket policies.
"#,
    details: r#"
For example:

```
private-service-access: proven — 2 workloads × 3 services; S3 and DynamoDB via gateway endpoints, ECR via interface endpoints
```

- **Which workloads and services.** By default every ordinary interface,
  and every interface of a service that runs customer code (`owner:
  {service: lambda}`, and likewise `ecs`, `fargate`, `eks`, `batch`,
  `codebuild`, `sagemaker`, `glue`, `emr`, `apprunner`), uses S3, DynamoDB
  and ECR in its VPC's Region; NAT gateway, load balancer, endpoint, transit
  gateway and managed data service (e.g. `rds`) interfaces do not.
  `policy.private_service_access.uses` says otherwise, per interface or
  instance, subnet or tag, and can name buckets and tables in other
  Regions (see [the format](docs/TOPOLOGY-FORMAT.md#policy)).
- **A service's addresses** are its AWS-managed prefix lists (IPv4, and
  IPv6 for dual-stack workloads), used exactly as the topology lists them,
  and whatever the service name resolves to inside the VPC: the interface
  endpoint's interfaces when private DNS is in effect (the endpoint's
  `private_dns`, not inbound-only, and the VPC's DNS support and DNS
  hostnames on, C-13.8, C-13.9), the public ranges otherwise (C-15.5).
- **Routing** is longest-prefix match with the AWS tie-breaks (C-3.3,
  C-3.4, C-13.3): a route more specific than a prefix-list entry takes that
  slice (trap 8); only subnets whose table is associated with a gateway
  endpoint use it (C-13.1, trap 7); an IPv4-only gateway endpoint does not
  carry IPv6 (C-13.5); endpoints serve their own Region only (C-13.2, trap
  10); a peer cannot use this VPC's gateway endpoint (C-8.3, C-13.4).
- **ECR** needs the ecr.api and ecr.dkr interface endpoints with private DNS
  in effect (trap 11), and S3 private for the image layers (trap 12); when
  the S3 endpoint has a policy, it must allow `s3:GetObject` on the layer
  bucket (C-13.10).
- **The private path must be open** (must-reach): tcp/443 from the
  workload's primary address to every service address (every prefix-list
  entry, or every endpoint interface), from every client port
  (`client_ports`, default 32768–65535, the Linux and Windows ranges,
  C-4.6), through the workload's egress security groups, the NACLs both
  ways (C-4.3) and the endpoint's security groups (C-13.7). A closed path
  is a violation naming the blocking rule, not a pass, for workloads that
  `uses` says use the service, or that evidently do: the VPC has an
  endpoint for it (for ECR and the S3 its layers come from, any ECR
  endpoint), or the workload is a container or function interface
  (`lambda`, `ecs`, `fargate`, `eks`, `batch`). Under the default policy
  (which assumes every workload uses S3, DynamoDB and ECR) it is a `note`
  elsewhere, and so is a VPC without ECR interface endpoints where nothing
  evidently pulls images. Leak freedom (no service traffic leaves outside an
  endpoint) stays a violation for every workload.
- **Bucket and table policies** recorded under
  `policy.private_service_access` must deny requests without TLS
  (`aws:SecureTransport`), deny requests that do not come through the
  endpoint (`aws:SourceVpce` or `aws:SourceVpc`), and must not use
  `aws:SourceIp` in a way that denies every request through an endpoint
  (C-13.12, trap 37). A policy restriction proves that *successful*
  requests used the endpoint; the routing proof is what shows that packets
  cannot leave another way (C-13.13). Both are reported.
- Interfaces that behave alike (same subnet, same addressing, the same
  security group rules towards the service) are evaluated once.

**Fails closed** (`unknown`) when the answer depends on something not in the
topology: custom DHCP DNS servers (trap 13), `enableDnsSupport` off, a
service prefix list without entries (never guessed), ambiguous route
priority (C-3.6, and a less specific CIDR route overlapping a prefix-list
entry, C-3.5), security group rules with unknown prefix lists, an endpoint
whose interfaces are not declared, a VPC without a Region, and `gaps` that
affect this check (see [Gaps](#gaps-what-missing-data-affects)).

**Not modelled yet**: Route 53 Resolver rules and endpoints, cross-Region
and cross-VPC interface endpoints (PrivateLink over peering or a transit
gateway), IAM evaluation beyond the statements above, endpoint policies
other than ECR's layer bucket.
"#,
    assumptions: r#"
Hosts resolve names through the VPC's DHCP-provided DNS and no Route 53
Resolver rule overrides AWS service names (`hosts_use_vpc_dns: false`
makes every answer that depends on DNS `unknown`, C-15.3); for the
open-path part, the workloads talk to the services over tcp/443 (the leak
part covers every protocol and port).
"#,
    example: r#"
The S3 gateway endpoint is associated with `rtb-app-a` only; subnet
`app-b` uses `rtb-app-b`, whose `0.0.0.0/0 → nat-b` carries S3 traffic out
through the NAT gateway (trap 7).
"#,
    findings: r#"
A finding names the workload, the service, the subnet and route table
responsible, the AWS ids, and, for a leak, a witness packet with its
hop-by-hop path (each hop with its `file:line`). Findings that share a
cause are reported once, with the number of workloads and a sample:
``the addresses of S3 in `us-east-1` are not known: the topology has no
prefix list for `com.amazonaws.us-east-1.s3` with entries …: 1,810
workloads (e.g. `a`, `b`, `c`, …)``.
"#,
    fix: r#"
Associate the gateway endpoint with the route table named in the finding
(`associate vpce-… with rtb-…`), remove a route that is more specific than
the service's prefix-list entries, enable private DNS on the interface
endpoint and `enableDnsHostnames` on the VPC, open the endpoint's security
group and the NACLs on tcp/443 and the replies, or add a TLS-only deny and
an `aws:SourceVpce` restriction to the bucket policy.
"#,
    rules: r#"
C-3.3–C-3.6, C-4.2–C-4.6, C-5.1, C-7.8, C-8.3, C-13.1–C-13.13,
C-15.1–C-15.5; traps 7, 8, 10–13, 37
"#,
};

/// The S3 bucket that holds ECR image layers (C-13.10).
fn ecr_layer_bucket(region: &str) -> String {
    format!("arn:aws:s3:::prod-{region}-starport-layer-bucket/*")
}

/// One service in one Region, by short name (`s3`, `ecr.dkr`, `sqs`).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
struct Svc {
    name: String,
    region: String,
}

impl Svc {
    fn full(&self) -> String {
        format!("com.amazonaws.{}.{}", self.region, self.name)
    }

    /// S3 and DynamoDB have gateway endpoints and AWS-managed prefix lists.
    fn gateway_capable(&self) -> bool {
        self.name == "s3" || self.name == "dynamodb"
    }

    fn label(&self) -> String {
        match self.name.as_str() {
            "s3" => "S3".into(),
            "dynamodb" => "DynamoDB".into(),
            other => other.to_string(),
        }
    }

    /// The name a client resolves (for messages).
    fn dns_name(&self) -> String {
        match self.name.as_str() {
            "ecr.api" => format!("api.ecr.{}.amazonaws.com", self.region),
            "ecr.dkr" => format!("<account>.dkr.ecr.{}.amazonaws.com", self.region),
            n => format!("{n}.{}.amazonaws.com", self.region),
        }
    }
}

/// What one workload needs for one `uses` service.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
enum Req {
    Service(Svc),
    /// ECR image layers from S3 in this Region (C-13.10).
    EcrLayers(String),
}

/// One thing that keeps a (workload group, service) from being proven.
#[derive(Debug, Clone)]
struct Problem {
    kind: FindingKind,
    /// The resource the finding is about; `None`: the workload interface.
    resource: Option<(String, Option<String>)>,
    message: String,
    witness: Option<Witness>,
    location: Option<Location>,
    aws_ids: Vec<String>,
}

/// The result of analysing one service for one workload group.
#[derive(Debug, Clone, Default)]
struct Analysis {
    problems: Vec<Problem>,
    /// How the private path goes when it is proven: `gateway` or `interface`.
    via: BTreeSet<&'static str>,
}

/// Interfaces that behave alike for every question this check asks: same
/// subnet, same security groups, same source/destination check, same
/// address families, same public-IPv4 mapping (which decides whether the
/// internet gateway would carry their packets, C-6.1). Mixed mappings are
/// evaluated per interface.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
struct GroupKey {
    subnet: SubnetId,
    sgs: Vec<usize>,
    /// For gateway services reached by routing alone: instead of the
    /// security groups, what they allow out to the service's addresses
    /// (allowed, then unknown), which is all the analysis reads of them,
    /// interned; and instead of the subnet, its route table and NACL (the
    /// subnet itself only where it matters: a NAT gateway lives there, or
    /// block public access excludes it).
    egress: Option<(usize, Option<usize>, usize)>,
    sdc: bool,
    v4: bool,
    v6: bool,
    mapping: u8,
    own: Option<EniId>,
}

fn group_key(topo: &Topology, e: EniId) -> GroupKey {
    let eni = &topo.enis[e];
    let mapped = eni
        .private_ips
        .iter()
        .filter(|p| p.public.is_some())
        .count();
    let mapping = if mapped == 0 {
        0
    } else if mapped == eni.private_ips.len() {
        1
    } else {
        2
    };
    let mut sgs = eni.security_groups.clone();
    sgs.sort_unstable();
    GroupKey {
        subnet: eni.subnet,
        sgs,
        egress: None,
        sdc: eni.source_dest_check,
        v4: !eni.private_ips.is_empty() || !eni.ipv4_prefixes.is_empty(),
        v6: !eni.ipv6_addresses.is_empty() || !eni.ipv6_prefixes.is_empty(),
        mapping,
        // Mixed mappings, and delegated prefixes (whose sources are many
        // addresses), are analysed per interface.
        own: (mapping == 2 || !eni.ipv4_prefixes.is_empty() || !eni.ipv6_prefixes.is_empty())
            .then_some(e),
    }
}

/// Whether name resolution in a VPC is known (C-15.2, C-15.3).
fn dns_unknown(topo: &Topology, vpc: VpcId) -> Option<String> {
    let v = &topo.vpcs[vpc];
    if !v.custom_dns_servers.is_empty() {
        return Some(format!(
            "vpc `{}` uses custom DNS servers ({}) from its DHCP options: whether AWS service names resolve to the endpoints' private addresses depends on those servers, which the topology does not describe (C-15.3, trap 13)",
            v.meta.name,
            v.custom_dns_servers
                .iter()
                .map(|s| format!("`{s}`"))
                .collect::<Vec<_>>()
                .join(", ")
        ));
    }
    if !v.dns_support {
        return Some(format!(
            "`enableDnsSupport` is off in vpc `{}`: the Amazon-provided DNS does not answer, so how hosts resolve service names is not in the topology (C-15.2)",
            v.meta.name
        ));
    }
    if !topo.policy.service_access.hosts_use_vpc_dns {
        return Some(
            "the policy does not assume that hosts use the VPC's DNS (`hosts_use_vpc_dns: false`), so where service names resolve is not known (C-15.3)"
                .into(),
        );
    }
    None
}

/// Why private DNS of an interface endpoint does not apply to clients in its
/// VPC, or `None` when it does (C-13.8, C-13.9).
fn private_dns_off(topo: &Topology, ep: EndpointId) -> Option<String> {
    let e = &topo.endpoints[ep];
    let v = &topo.vpcs[e.vpc];
    if !e.private_dns {
        return Some(format!("private DNS is off on endpoint `{}`", e.meta.name));
    }
    if e.private_dns_inbound_only {
        return Some(format!(
            "endpoint `{}` answers private DNS only for queries through a Resolver inbound endpoint, so clients in the VPC get the public addresses (C-13.9)",
            e.meta.name
        ));
    }
    if !v.dns_hostnames || !v.dns_support {
        return Some(format!(
            "`enableDnsHostnames`{} is off in vpc `{}`, so the private DNS of endpoint `{}` does not apply (C-13.8)",
            if v.dns_support {
                ""
            } else {
                " (or `enableDnsSupport`)"
            },
            v.meta.name,
            e.meta.name
        ));
    }
    None
}

fn same_service(a: &str, b: &str) -> bool {
    a.trim().eq_ignore_ascii_case(b.trim())
}

struct Ctx<'e, 't> {
    engine: &'e Engine<'t>,
    topo: &'t Topology,
    /// Per VPC, its endpoints.
    vpc_eps: Vec<Vec<EndpointId>>,
    /// Per endpoint, its attached interfaces.
    ep_enis: Vec<Vec<EniId>>,
    /// [`service_ranges`], once per service and family.
    ranges: std::cell::RefCell<HashMap<(Svc, bool), RangesOf>>,
}

type RangesOf = (Option<IntervalSet>, Vec<PrefixListId>);

/// What a route table decides for a service's addresses: (where, regions).
type RouteSig = Vec<(String, Vec<(u128, u128)>)>;

impl<'e, 't> Ctx<'e, 't> {
    fn new(engine: &'e Engine<'t>) -> Ctx<'e, 't> {
        let topo = engine.topo;
        let mut vpc_eps = vec![Vec::new(); topo.vpcs.len()];
        for (i, ep) in topo.endpoints.iter().enumerate() {
            vpc_eps[ep.vpc].push(i);
        }
        let mut ep_enis = vec![Vec::new(); topo.endpoints.len()];
        for (x, eni) in topo.enis.iter().enumerate() {
            if let EniOwner::Endpoint(ep) = eni.owner
                && eni.attached
            {
                ep_enis[ep].push(x);
            }
        }
        Ctx {
            engine,
            topo,
            vpc_eps,
            ep_enis,
            ranges: std::cell::RefCell::new(HashMap::new()),
        }
    }

    /// The endpoints of `vpc`, with their ids.
    fn eps_of(
        &self,
        vpc: VpcId,
    ) -> impl Iterator<Item = (EndpointId, &'t crate::model::Endpoint)> + '_ {
        let topo = self.topo;
        self.vpc_eps[vpc]
            .iter()
            .map(move |&i| (i, &topo.endpoints[i]))
    }

    fn ranges(&self, svc: &Svc, v4: bool) -> RangesOf {
        if let Some(r) = self.ranges.borrow().get(&(svc.clone(), v4)) {
            return r.clone();
        }
        let full = svc.full();
        let r = service_ranges(self.topo, |s| same_service(s, &full), Some(v4));
        self.ranges
            .borrow_mut()
            .insert((svc.clone(), v4), r.clone());
        r
    }
}

/// How the leak analysis classified one flow.
enum Class {
    Private(&'static str),
    /// Stays inside the VPC (delivered to some other interface): not a leak.
    Inside,
    Leak(String),
    Unknown(String),
}

impl Ctx<'_, '_> {
    fn endpoint_ids(&self, e: EndpointId) -> Vec<String> {
        self.topo.endpoints[e].meta.aws_id.iter().cloned().collect()
    }

    fn name_id(&self, name: &str, aws: &Option<String>) -> String {
        match aws {
            Some(a) => format!("`{name}` ({a})"),
            None => format!("`{name}`"),
        }
    }

    /// Classifies a flow of packets sent to `svc`'s addresses.
    fn classify(&self, svc: &Svc, f: &Flow) -> Class {
        let topo = self.topo;
        // A path through a NAT gateway is a leak whatever comes next, even
        // when the NAT's subnet then uses an endpoint (C-7.8).
        if let Some(n) = f.path.iter().find_map(|s| match s {
            Step::Nat { nat } => Some(*nat),
            _ => None,
        }) {
            let name = &topo.nats[n].meta.name;
            return Class::Leak(match &f.end {
                End::Endpoint(ep) => format!(
                    "NAT gateway `{name}` (then gateway endpoint `{}`; C-7.8)",
                    topo.endpoints[*ep].meta.name
                ),
                End::Internet => {
                    let gw = f
                        .path
                        .iter()
                        .rev()
                        .find_map(|s| match s {
                            Step::IgwOut { igw } => Some(topo.igws[*igw].meta.name.clone()),
                            _ => None,
                        })
                        .unwrap_or_else(|| "the internet".into());
                    format!("NAT gateway `{name}` and internet gateway `{gw}`")
                }
                _ => format!("NAT gateway `{name}` (C-7.8)"),
            });
        }
        match &f.end {
            // Over a VPN or Direct Connect to on prem: outside any endpoint.
            End::OnPrem(via) => Class::Leak(topo.hybrid.via_label(*via)),
            End::Endpoint(ep) => {
                if same_service(&topo.endpoints[*ep].service, &svc.full()) {
                    Class::Private("gateway")
                } else {
                    Class::Leak(format!(
                        "gateway endpoint `{}` of another service (`{}`)",
                        topo.endpoints[*ep].meta.name, topo.endpoints[*ep].service
                    ))
                }
            }
            End::Delivered(x) => match topo.enis[*x].owner {
                EniOwner::Endpoint(ep)
                    if topo.endpoints[ep].kind == EndpointKind::Interface
                        && same_service(&topo.endpoints[ep].service, &svc.full()) =>
                {
                    Class::Private("interface")
                }
                _ => Class::Inside,
            },
            End::Internet => {
                // Through a NAT gateway was handled above: this is direct.
                let gw = f.path.iter().rev().find_map(|s| match s {
                    Step::IgwOut { igw } => {
                        Some(format!("internet gateway `{}`", topo.igws[*igw].meta.name))
                    }
                    Step::EigwOut { eigw } => Some(format!(
                        "egress-only internet gateway `{}`",
                        topo.eigws[*eigw].meta.name
                    )),
                    _ => None,
                });
                Class::Leak(gw.unwrap_or_else(|| "the internet".into()))
            }
            End::Unknown(why) => {
                // A route that hands the packet to something other than the
                // endpoint makes it leave the VPC that way, whatever happens
                // next (peering, transit gateway, VPN gateway, appliance,
                // NAT64).
                let last = f.path.last();
                if let Some(Step::Route { table, choice }) = last
                    && let RouteChoice::Route { index, .. } = choice
                {
                    let r = &topo.route_tables[*table].routes[*index];
                    let what = match &r.target {
                        RouteTarget::Peering(p) => Some(format!(
                            "peering connection `{}`",
                            topo.peerings[*p].meta.name
                        )),
                        RouteTarget::Eni(e) => {
                            Some(format!("appliance `{}`", topo.enis[*e].meta.name))
                        }
                        RouteTarget::Unmodelled(o) => Some(format!("`{}`", topo.others[*o].name)),
                        _ => None,
                    };
                    if let Some(w) = what {
                        return Class::Leak(w);
                    }
                }
                if let Some(n) = f.path.iter().rev().find_map(|s| match s {
                    Step::Route {
                        choice: RouteChoice::Route { index, .. },
                        table,
                    } => match &topo.route_tables[*table].routes[*index].target {
                        RouteTarget::Nat(n) => Some(*n),
                        _ => None,
                    },
                    _ => None,
                }) && why.contains("NAT64")
                {
                    return Class::Leak(format!("NAT gateway `{}`", topo.nats[n].meta.name));
                }
                Class::Unknown(why.clone())
            }
        }
    }

    /// Route table and subnet of the workload's first route step.
    fn first_table(&self, f: &Flow) -> Option<usize> {
        f.path.iter().find_map(|s| match s {
            Step::Route { table, .. } => Some(*table),
            _ => None,
        })
    }

    /// The witness for some packets of one flow, preferring tcp/443.
    fn witness(&self, flow: &Flow, set: &HeaderSet) -> Option<(Witness, Packet)> {
        let https = set
            .restrict(PROTO, &IntervalSet::point(u128::from(TCP)))
            .restrict(DPORT, &IntervalSet::point(443));
        let pick = if https.is_empty() { set } else { &https };
        let p = pick.sample()?;
        let path = crate::engine::explain(self.topo, flow, &p);
        Some((
            Witness {
                packet: packet_view(&p),
                path,
            },
            p,
        ))
    }

    /// Why the leak happened and how to fix it, from the route that decided.
    fn leak_reason(
        &self,
        e: EniId,
        svc: &Svc,
        flow: &Flow,
        p: &Packet,
        via: &str,
    ) -> (String, String) {
        let topo = self.topo;
        let vpc = topo.enis[e].vpc;
        let vpc_region = topo.vpcs[vpc].region.clone().unwrap_or_default();
        let Some(t) = self.first_table(flow) else {
            return (
                String::new(),
                "route the service's addresses to a VPC endpoint".into(),
            );
        };
        let table = &topo.route_tables[t];
        let tname = self.name_id(&table.meta.name, &table.meta.aws_id);
        let gws: Vec<EndpointId> = self
            .eps_of(vpc)
            .filter(|(_, x)| {
                x.kind == EndpointKind::Gateway
                    && x.vpc == vpc
                    && same_service(&x.service, &svc.full())
            })
            .map(|(i, _)| i)
            .collect();
        let associated: Vec<EndpointId> = gws
            .iter()
            .copied()
            .filter(|&g| {
                table
                    .routes
                    .iter()
                    .any(|r| r.target == RouteTarget::GatewayEndpoint(g))
            })
            .collect();
        let choice = flow.path.iter().find_map(|s| match s {
            Step::Route { table: tt, choice } if *tt == t => Some(choice.clone()),
            _ => None,
        });
        if via.starts_with("peering connection") {
            return (
                format!(
                    "a peered VPC's gateway endpoint cannot be used across a peering connection (C-8.3, C-13.4), so this traffic has no private path; subnet `{}` uses route table {tname}",
                    topo.subnets[topo.enis[e].subnet].meta.name
                ),
                format!(
                    "create a gateway endpoint for `{}` in vpc `{}` and associate it with {tname}",
                    svc.full(),
                    topo.vpcs[vpc].meta.name
                ),
            );
        }
        if svc.region != vpc_region && svc.gateway_capable() {
            return (
                format!(
                    "gateway endpoints carry traffic to their own Region only, and {} is in `{}` while vpc `{}` is in `{vpc_region}` (C-13.2)",
                    svc.label(),
                    svc.region,
                    topo.vpcs[vpc].meta.name
                ),
                format!(
                    "reach {} in `{}` through a VPC endpoint in that Region (over peering or a transit gateway to an interface endpoint), or keep the data in `{vpc_region}`",
                    svc.label(),
                    svc.region
                ),
            );
        }
        if let Some(RouteChoice::Route { index, .. }) = &choice {
            let r = &table.routes[*index];
            if let RouteDest::Cidr(net) = r.dest
                && !associated.is_empty()
                && net.prefix_len() > 0
            {
                let dst = p.dst;
                let entry = self.entry_covering(svc, dst);
                return (
                    format!(
                        "route `{net} → {}` in {tname} is more specific than (or equal to) the endpoint's prefix-list entry{}, and wins (C-3.5, C-13.3, trap 8)",
                        target_name(topo, &r.target),
                        entry.map(|n| format!(" `{n}`")).unwrap_or_default()
                    ),
                    format!(
                        "remove or narrow the route `{net} → {}` in {tname}",
                        target_name(topo, &r.target)
                    ),
                );
            }
        }
        let v6 = p.dst.is_ipv6();
        if let Some(&g) = associated.first() {
            let ep = &topo.endpoints[g];
            if v6 && !ep.ip_address_type.v6() {
                return (
                    format!(
                        "gateway endpoint {} is IPv4-only (`ip_address_type: ipv4`), so IPv6 packets to {} do not use it (C-13.5)",
                        self.name_id(&ep.meta.name, &ep.meta.aws_id),
                        svc.label()
                    ),
                    format!(
                        "set `ip_address_type: dualstack` on {} with the service's IPv6 prefix list",
                        self.name_id(&ep.meta.name, &ep.meta.aws_id)
                    ),
                );
            }
        }
        let pl_name = {
            let (_, lists) = self.ranges(svc, !v6);
            lists
                .first()
                .map(|&l| {
                    let m = &topo.prefix_lists[l].meta;
                    m.aws_id.clone().unwrap_or_else(|| m.name.clone())
                })
                .unwrap_or_else(|| format!("the prefix list of {}", svc.full()))
        };
        match gws.first() {
            Some(&g) if associated.is_empty() => {
                let ep = &topo.endpoints[g];
                let id = ep
                    .meta
                    .aws_id
                    .clone()
                    .unwrap_or_else(|| ep.meta.name.clone());
                let tid = table
                    .meta
                    .aws_id
                    .clone()
                    .unwrap_or_else(|| table.meta.name.clone());
                (
                    format!(
                        "{tname} has no route for `{pl_name}`: gateway endpoint `{}` is not associated with it (C-13.1)",
                        ep.meta.name
                    ),
                    format!("associate {id} with {tid}"),
                )
            }
            Some(_) => (
                format!("{tname} has no endpoint route for these addresses"),
                format!("route them to the gateway endpoint in {tname}"),
            ),
            None if svc.gateway_capable() => (
                format!(
                    "vpc `{}` has no gateway endpoint for `{}`, and {tname} has no route for `{pl_name}`",
                    topo.vpcs[vpc].meta.name,
                    svc.full()
                ),
                format!(
                    "create a gateway endpoint for `{}` in vpc `{}` and associate it with {tname}",
                    svc.full(),
                    topo.vpcs[vpc].meta.name
                ),
            ),
            None => (
                format!("{tname} routes the endpoint's addresses elsewhere"),
                "route the endpoint's addresses locally".into(),
            ),
        }
    }

    fn entry_covering(&self, svc: &Svc, a: IpAddr) -> Option<IpNet> {
        let (_, lists) = self.ranges(svc, a.is_ipv4());
        lists.iter().find_map(|&l| {
            self.topo.prefix_lists[l]
                .entries
                .as_ref()?
                .iter()
                .find(|n| n.contains(&a))
                .copied()
        })
    }

    /// C-3.5: for endpoint queries, a less specific CIDR route (other than a
    /// default route) that overlaps a prefix-list entry and points elsewhere
    /// is ambiguous: an older AWS text let such a static route win.
    fn overlap_unknown(&self, flow: &Flow) -> Option<(String, Option<Location>)> {
        let topo = self.topo;
        let (t, index, entry) = flow.path.iter().rev().find_map(|s| match s {
            Step::Route {
                table,
                choice:
                    RouteChoice::Route {
                        index,
                        entry: Some(en),
                    },
            } => Some((*table, *index, *en)),
            _ => None,
        })?;
        let table = &topo.route_tables[t];
        let target = &table.routes[index].target;
        table.routes.iter().find_map(|r| match r.dest {
            RouteDest::Cidr(n)
                if n.prefix_len() > 0
                    && n.prefix_len() < entry.prefix_len()
                    && n.contains(&entry.network())
                    && &r.target != target =>
            {
                Some((
                    format!(
                        "route `{n} → {}` in route table `{}` overlaps prefix-list entry `{entry}`: AWS documents longest-prefix match, but an older text lets a static route beat an overlapping prefix-list route (C-3.5)",
                        target_name(topo, &r.target),
                        table.meta.name
                    ),
                    pos_location(topo, r.pos),
                ))
            }
            _ => None,
        })
    }

    /// Every packet `e` can send to `addrs` must reach an endpoint of `svc`.
    /// `unsure` is the part of `addrs` that is only a superset of the
    /// service's addresses (its prefix-list entries are unknown): leaks
    /// there are `unknown`.
    fn leaks(
        &self,
        e: EniId,
        svc: &Svc,
        addrs: &IntervalSet,
        unsure: &IntervalSet,
        out: &mut Analysis,
    ) -> Option<crate::engine::Reach> {
        let topo = self.topo;
        let src = self.engine.eni_addrs(e).clone();
        let set = HeaderSet::universe()
            .restrict(SRC, &src)
            .restrict(DST, addrs);
        if set.is_empty() {
            return None;
        }
        let reach = self.engine.reach(Origin::Eni(e), &set);
        let mut leaks: BTreeMap<String, Vec<&Flow>> = BTreeMap::new();
        let mut unknowns: BTreeMap<String, Vec<&Flow>> = BTreeMap::new();
        for f in &reach.flows {
            match self.classify(svc, f) {
                Class::Private(kind) => {
                    if let Some((why, loc)) = self.overlap_unknown(f) {
                        out.problems.push(Problem {
                            kind: FindingKind::Unknown,
                            resource: None,
                            message: format!(
                                "cannot decide whether some packets to {} use the endpoint: {why}",
                                svc.label()
                            ),
                            witness: None,
                            location: loc,
                            aws_ids: Vec::new(),
                        });
                    }
                    out.via.insert(kind);
                }
                Class::Inside => {}
                Class::Leak(via) => leaks.entry(via).or_default().push(f),
                Class::Unknown(why) => unknowns.entry(why).or_default().push(f),
            }
        }
        let unsure_set = HeaderSet::universe().restrict(DST, unsure);
        for (via, flows) in &leaks {
            // The part of the leak at known service addresses is a
            // violation; the part at addresses that may not be the service's
            // is unknown.
            let mut sure: Option<(&Flow, HeaderSet)> = None;
            let mut maybe: Option<(&Flow, HeaderSet)> = None;
            for f in flows {
                let s = f.set.subtract(&unsure_set);
                if sure.is_none() && !s.is_empty() {
                    sure = Some((f, s));
                }
                let m = f.set.intersect(&unsure_set);
                if maybe.is_none() && !m.is_empty() {
                    maybe = Some((f, m));
                }
            }
            if let Some((f, s)) = sure
                && let Some((w, p)) = self.witness(f, &s)
            {
                let (because, fix) = self.leak_reason(e, svc, f, &p, via);
                let subnet = &topo.subnets[topo.enis[e].subnet];
                let table = self.first_table(f).map(|t| &topo.route_tables[t]);
                let mut ids: Vec<String> = w.path.iter().filter_map(|h| h.aws_id.clone()).collect();
                ids.extend(subnet.meta.aws_id.clone());
                let message = format!(
                    "`{}` → {}{} ({}) leaves the VPC through {via}, not a VPC endpoint{}{}; subnet `{}`{}; fix: {fix}",
                    topo.enis[e].meta.name,
                    show_dst(&p),
                    if p.has_ports() {
                        format!(":{}", p.dport)
                    } else {
                        String::new()
                    },
                    svc.name,
                    route_text(&w),
                    if because.is_empty() {
                        String::new()
                    } else {
                        format!(", because {because}")
                    },
                    subnet.meta.name,
                    table
                        .map(|t| format!(", route table `{}`", t.meta.name))
                        .unwrap_or_default(),
                );
                let location = w
                    .path
                    .iter()
                    .find(|h| h.component == table.map(|t| t.meta.name.clone()).unwrap_or_default())
                    .and_then(|h| h.location.clone())
                    .or_else(|| w.path.iter().find_map(|h| h.location.clone()));
                out.problems.push(Problem {
                    kind: FindingKind::Violation,
                    resource: None,
                    message,
                    witness: Some(w),
                    location,
                    aws_ids: ids,
                });
            }
            if let Some((f, m)) = maybe {
                let w = self.witness(f, &m).map(|(w, _)| w);
                out.problems.push(Problem {
                    kind: FindingKind::Unknown,
                    resource: None,
                    message: format!(
                        "packets from `{}` to addresses that may be {}'s leave the VPC through {via}; the topology does not list {}'s addresses of that family (prefix list `{}` with entries), so whether {} traffic leaks is not known",
                        topo.enis[e].meta.name,
                        svc.label(),
                        svc.label(),
                        svc.full(),
                        svc.label()
                    ),
                    location: w.as_ref().and_then(|w| w.path.iter().find_map(|h| h.location.clone())),
                    witness: w,
                    aws_ids: Vec::new(),
                });
            }
        }
        for (why, flows) in &unknowns {
            let f = flows[0];
            let w = self.witness(f, &f.set).map(|(w, _)| w);
            out.problems.push(Problem {
                kind: FindingKind::Unknown,
                resource: None,
                message: format!(
                    "cannot decide where some packets from `{}` to {} go: {why}",
                    topo.enis[e].meta.name,
                    svc.label()
                ),
                location: w
                    .as_ref()
                    .and_then(|w| w.path.iter().rev().find_map(|h| h.location.clone())),
                witness: w,
                aws_ids: Vec::new(),
            });
        }
        drop(leaks);
        drop(unknowns);
        Some(reach)
    }

    /// Must-reach: tcp/443 from the workload's primary address to every
    /// target address, from every client port, and the replies back, over
    /// the private path (C-4.3, C-4.6, C-13.6, C-13.7). The first blocked
    /// packet becomes a finding naming the rule that blocks it.
    /// `pre`: the engine's flows for a superset of the probe (from
    /// [`Ctx::leaks`]), restricted instead of propagating again (exact: the
    /// engine decides packet by packet).
    fn path_open(
        &self,
        e: EniId,
        svc: &Svc,
        targets: &IntervalSet,
        pre: Option<&crate::engine::Reach>,
        out: &mut Analysis,
    ) {
        let topo = self.topo;
        let eni = &topo.enis[e];
        let src = match (eni.private_ips.first(), eni.ipv6_addresses.first()) {
            (Some(p), _) if targets.intersects(&all_v4()) => IpAddr::V4(p.addr),
            (_, Some(a)) if targets.intersects(&all_v6()) => IpAddr::V6(*a),
            _ => return,
        };
        let fam = if src.is_ipv4() { all_v4() } else { all_v6() };
        let (lo, hi) = topo.policy.service_access.client_ports;
        let probe = HeaderSet::universe()
            .restrict(SRC, &IntervalSet::point(encode(src)))
            .restrict(DST, &targets.intersect(&fam))
            .restrict(PROTO, &IntervalSet::point(u128::from(TCP)))
            .restrict(SPORT, &IntervalSet::range(u128::from(lo), u128::from(hi)))
            .restrict(DPORT, &IntervalSet::point(443));
        if probe.is_empty() {
            return;
        }
        let reach = match pre {
            Some(r) => crate::engine::Reach {
                flows: r
                    .flows
                    .iter()
                    .filter_map(|f| {
                        let set = f.set.intersect(&probe);
                        (!set.is_empty()).then(|| Flow {
                            set,
                            end: f.end.clone(),
                            path: f.path.clone(),
                            rewrites: f.rewrites.clone(),
                        })
                    })
                    .collect(),
            },
            None => self.engine.reach(Origin::Eni(e), &probe),
        };
        let mut ok = HeaderSet::empty();
        let mut elsewhere = HeaderSet::empty();
        let mut ok_flows: Vec<&Flow> = Vec::new();
        for f in &reach.flows {
            match self.classify(svc, f) {
                Class::Private(_) => {
                    ok = ok.union(&f.set);
                    ok_flows.push(f);
                }
                _ => elsewhere = elsewhere.union(&f.set),
            }
        }
        let dropped = probe.subtract(&ok).subtract(&elsewhere);
        if let Some(p) = dropped.sample() {
            let (hop, fix) = self.first_blocker(e, &p);
            out.problems
                .push(self.closed_hop(e, svc, &p, hop, fix, false));
            return;
        }
        // Replies: stateless NACLs on the way back (C-4.3); security groups
        // are stateful and admit them (C-5.3).
        for f in ok_flows {
            let reply = replies(&crate::engine::current_set(f));
            let (checks, from_eni): (Vec<(SubnetId, bool)>, Option<EniId>) = match f.end {
                End::Delivered(x) if topo.enis[x].subnet != eni.subnet => (
                    vec![(topo.enis[x].subnet, false), (eni.subnet, true)],
                    Some(x),
                ),
                End::Delivered(x) => (Vec::new(), Some(x)),
                _ => (vec![(eni.subnet, true)], None),
            };
            let mut rest = reply;
            for (subnet, ingress) in checks {
                let pass = rest.intersect(self.engine.nacl_allows(subnet, ingress));
                let blocked = rest.subtract(&pass);
                if let Some(q) = blocked.sample() {
                    let step = if ingress {
                        Step::NaclIn { subnet }
                    } else {
                        Step::NaclOut { subnet }
                    };
                    let hop = filter_hop(topo, &step, &q);
                    let fix = format!(
                        "allow tcp {lo}-{hi} (the clients' ports) in network ACL `{}`",
                        topo.nacls[topo.subnets[subnet].nacl].meta.name
                    );
                    out.problems.push(self.closed(e, svc, &q, hop, fix, true));
                    return;
                }
                rest = pass;
            }
            // The reply from an interface endpoint is routed by its subnet's table.
            if let Some(x) = from_eni
                && let Some(t) = topo.subnets[topo.enis[x].subnet].route_table
            {
                match self.engine.route_for(t, encode(src)) {
                    Some((Node::VpcLocal(_), _)) => {}
                    _ => {
                        let table = &topo.route_tables[t];
                        out.problems.push(Problem {
                            kind: FindingKind::Violation,
                            resource: None,
                            message: format!(
                                "`{}` cannot reach {} privately: replies from endpoint interface `{}` to {src} are not routed locally by route table `{}`",
                                eni.meta.name,
                                svc.label(),
                                topo.enis[x].meta.name,
                                table.meta.name
                            ),
                            witness: None,
                            location: pos_location(topo, table.meta.pos),
                            aws_ids: table.meta.aws_id.iter().cloned().collect(),
                        });
                        return;
                    }
                }
            }
        }
    }

    /// The first component that drops `p` on the way from `e` to the
    /// endpoint, as the simulator's walk records it, as a hop naming the
    /// rule, and a fix.
    fn first_blocker(&self, e: EniId, p: &Packet) -> (Hop, String) {
        let topo = self.topo;
        let eni = &topo.enis[e];
        let walk = crate::sim::simulate_blockers(topo, crate::model::Origin::Eni(e), p);
        let nacl_name = |s: SubnetId| &topo.nacls[topo.subnets[s].nacl].meta.name;
        match walk.blockers.first().map(|b| &b.at) {
            Some(&Blocked::Sg {
                eni: x,
                dir: Dir::Egress,
            }) => (
                sg_hop(topo, x, false, p),
                format!(
                    "allow tcp 443 to {} in an egress rule of a security group of `{}`",
                    p.dst, topo.enis[x].meta.name
                ),
            ),
            Some(&Blocked::Sg {
                eni: x,
                dir: Dir::Ingress,
            }) => {
                let hop = sg_hop(topo, x, true, p);
                let ep_sgs: Vec<String> = topo.enis[x]
                    .security_groups
                    .iter()
                    .map(|&g| format!("`{}`", topo.security_groups[g].meta.name))
                    .collect();
                (
                    Hop {
                        rule: format!(
                            "{} (security groups {} of endpoint interface `{}`)",
                            hop.rule,
                            ep_sgs.join(", "),
                            topo.enis[x].meta.name
                        ),
                        ..hop
                    },
                    format!(
                        "allow tcp 443 from `{}` (or its security group) in the endpoint's security group{}",
                        eni.meta.name,
                        ep_sgs.first().map(|s| format!(" {s}")).unwrap_or_default()
                    ),
                )
            }
            Some(&Blocked::Nacl {
                subnet,
                dir: Dir::Egress,
            }) => (
                nacl_hop(topo, subnet, false, p),
                format!(
                    "allow tcp 443 to {} in the outbound rules of network ACL `{}`",
                    p.dst,
                    nacl_name(subnet)
                ),
            ),
            Some(&Blocked::Nacl {
                subnet,
                dir: Dir::Ingress,
            }) => (
                nacl_hop(topo, subnet, true, p),
                format!(
                    "allow tcp 443 from {} in the inbound rules of network ACL `{}`",
                    p.src,
                    nacl_name(subnet)
                ),
            ),
            Some(Blocked::NoRouteTable { subnet }) => (
                hop_at(
                    topo,
                    &topo.subnets[*subnet].meta,
                    "the subnet has no route table",
                ),
                "associate a route table".into(),
            ),
            Some(Blocked::Route {
                table,
                blackhole: Some(Winner::Route { index, .. }),
            }) => {
                let t = &topo.route_tables[*table];
                (
                    Hop {
                        component: t.meta.name.clone(),
                        aws_id: t.meta.aws_id.clone(),
                        rule: format!("blackhole route for {} (C-3.9)", p.dst),
                        location: pos_location(topo, t.routes[*index].pos),
                    },
                    format!("remove the blackhole route in `{}`", t.meta.name),
                )
            }
            Some(Blocked::Route { table, .. }) => {
                let t = &topo.route_tables[*table];
                (
                    hop_at(topo, &t.meta, &format!("no route matches {}", p.dst)),
                    format!(
                        "route the service's addresses to its endpoint in `{}`",
                        t.meta.name
                    ),
                )
            }
            Some(Blocked::Bpa { .. }) | None => {
                let subnet = &topo.subnets[eni.subnet];
                let meta = subnet
                    .route_table
                    .map_or(&subnet.meta, |t| &topo.route_tables[t].meta);
                (
                    hop_at(topo, meta, &format!("the packet to {} is dropped", p.dst)),
                    "open the path to the endpoint".into(),
                )
            }
        }
    }

    fn closed(
        &self,
        e: EniId,
        svc: &Svc,
        p: &Packet,
        hop: Option<Hop>,
        fix: String,
        reply: bool,
    ) -> Problem {
        self.closed_hop(
            e,
            svc,
            p,
            hop.unwrap_or_else(|| hop_at(self.topo, &self.topo.enis[e].meta, "blocked")),
            fix,
            reply,
        )
    }

    fn closed_hop(
        &self,
        e: EniId,
        svc: &Svc,
        p: &Packet,
        hop: Hop,
        fix: String,
        reply: bool,
    ) -> Problem {
        let topo = self.topo;
        let what = if reply {
            format!(
                "replies from {}:{} to {}:{} are blocked",
                p.src, p.sport, p.dst, p.dport
            )
        } else {
            format!("tcp {} → {}:443 is blocked", p.src, p.dst)
        };
        Problem {
            kind: closed_kind(topo, Some(e), topo.enis[e].vpc, &svc.name),
            resource: None,
            message: format!(
                "`{}` cannot reach {} privately (the endpoint path is closed): {what} by `{}` {}; fix: {fix}",
                topo.enis[e].meta.name,
                svc.label(),
                hop.component,
                hop.rule
            ),
            witness: Some(Witness {
                packet: packet_view(p),
                path: vec![hop.clone()],
            }),
            location: hop.location.clone(),
            aws_ids: hop.aws_id.iter().cloned().collect(),
        }
    }

    /// One gateway-capable service (S3, DynamoDB) for workload `e`.
    fn gateway_service(&self, e: EniId, svc: &Svc, out: &mut Analysis) {
        let topo = self.topo;
        let eni = &topo.enis[e];
        let vpc = eni.vpc;
        let dns = dns_unknown(topo, vpc);
        let key = group_key(topo, e);
        let mut addrs = IntervalSet::empty();
        let mut unsure = IntervalSet::empty();
        let mut known_v4 = None;
        let mut known_v6 = None;
        for (v4, wanted) in [(true, key.v4), (false, key.v6)] {
            if !wanted {
                continue;
            }
            let (r, _) = self.ranges(svc, v4);
            match r {
                Some(s) => {
                    addrs = addrs.union(&s);
                    if v4 {
                        known_v4 = Some(s);
                    } else {
                        known_v6 = Some(s);
                    }
                }
                None => {
                    // Not known: leaks anywhere in the family might be the
                    // service's (unknown); nothing else is decided.
                    let fam = if v4 { all_v4() } else { all_v6() };
                    addrs = addrs.union(&fam);
                    unsure = unsure.union(&fam);
                }
            }
        }
        // With private DNS of an interface endpoint in effect, the name
        // resolves to the endpoint's interfaces (C-13.8, C-15.5).
        let mut resolved_to_enis = IntervalSet::empty();
        if dns.is_none() {
            for (i, ep) in self.eps_of(vpc) {
                if ep.kind == EndpointKind::Interface
                    && ep.vpc == vpc
                    && same_service(&ep.service, &svc.full())
                    && private_dns_off(topo, i).is_none()
                {
                    resolved_to_enis = resolved_to_enis.union(&self.endpoint_addrs(i));
                }
            }
        }
        addrs = addrs.union(&resolved_to_enis);
        if let Some(why) = &dns {
            out.problems.push(Problem {
                kind: FindingKind::Unknown,
                resource: Some((
                    topo.vpcs[vpc].meta.name.clone(),
                    topo.vpcs[vpc].meta.aws_id.clone(),
                )),
                message: format!("where `{}` resolves is not known: {why}", svc.dns_name()),
                witness: None,
                location: pos_location(topo, topo.vpcs[vpc].meta.pos),
                aws_ids: topo.vpcs[vpc].meta.aws_id.iter().cloned().collect(),
            });
        }
        let needs_known = if key.v4 {
            known_v4.is_none()
        } else {
            known_v6.is_none()
        };
        if needs_known && resolved_to_enis.is_empty() {
            out.problems.push(Problem {
                kind: FindingKind::Unknown,
                resource: None,
                message: format!(
                    "the addresses of {} in `{}` are not known: the topology has no prefix list for `{}` with entries (AWS-managed prefix lists are used as written, never guessed)",
                    svc.label(),
                    svc.region,
                    svc.full()
                ),
                witness: None,
                location: pos_location(topo, eni.meta.pos),
                aws_ids: Vec::new(),
            });
        }
        let pre = self.leaks(e, svc, &addrs, &unsure, out);
        let targets = if !resolved_to_enis.is_empty() {
            resolved_to_enis
        } else if key.v4 {
            known_v4.unwrap_or_default()
        } else {
            known_v6.unwrap_or_default()
        };
        self.path_open(e, svc, &targets, pre.as_ref(), out);
    }

    /// The addresses of an interface endpoint's interfaces that its DNS
    /// records name (C-13.5, `dns_record_ip_type`).
    fn endpoint_addrs(&self, ep: EndpointId) -> IntervalSet {
        let topo = self.topo;
        let rt = topo.endpoints[ep].dns_record_ip_type;
        let mut s = IntervalSet::empty();
        for &x in &self.ep_enis[ep] {
            let a = self.engine.eni_addrs(x);
            if rt.v4() {
                s = s.union(&a.intersect(&all_v4()));
            }
            if rt.v6() {
                s = s.union(&a.intersect(&all_v6()));
            }
        }
        s
    }

    /// One interface-only service (ecr.api, ecr.dkr, …) for workload `e`.
    fn interface_service(&self, e: EniId, svc: &Svc, out: &mut Analysis) {
        let topo = self.topo;
        let eni = &topo.enis[e];
        let vpc = eni.vpc;
        let v = &topo.vpcs[vpc];
        let eps: Vec<EndpointId> = self
            .eps_of(vpc)
            .filter(|(_, x)| {
                x.kind == EndpointKind::Interface
                    && x.vpc == vpc
                    && same_service(&x.service, &svc.full())
            })
            .map(|(i, _)| i)
            .collect();
        let vres = (v.meta.name.clone(), v.meta.aws_id.clone());
        if eps.is_empty() {
            out.problems.push(Problem {
                kind: closed_kind(topo, None, vpc, &svc.name),
                resource: Some(vres),
                message: format!(
                    "vpc `{}` has no interface endpoint for `{}`: `{}` resolves to public addresses, so the workloads' traffic to {} leaves through a NAT gateway or internet gateway, or fails{}; fix: create an interface endpoint for `{}` with private DNS in vpc `{}`",
                    v.meta.name,
                    svc.full(),
                    svc.dns_name(),
                    svc.name,
                    if svc.name.starts_with("ecr.") { " (C-13.10)" } else { "" },
                    svc.full(),
                    v.meta.name
                ),
                witness: None,
                location: pos_location(topo, v.meta.pos),
                aws_ids: v.meta.aws_id.iter().cloned().collect(),
            });
            return;
        }
        if let Some(why) = dns_unknown(topo, vpc) {
            out.problems.push(Problem {
                kind: FindingKind::Unknown,
                resource: Some(vres),
                message: format!(
                    "whether `{}` resolves to the endpoint is not known: {why}",
                    svc.dns_name()
                ),
                witness: None,
                location: pos_location(topo, v.meta.pos),
                aws_ids: v.meta.aws_id.iter().cloned().collect(),
            });
            return;
        }
        let on: Vec<EndpointId> = eps
            .iter()
            .copied()
            .filter(|&i| private_dns_off(topo, i).is_none())
            .collect();
        if on.is_empty() {
            let ep = &topo.endpoints[eps[0]];
            let why = private_dns_off(topo, eps[0]).unwrap_or_default();
            let fix = if !ep.private_dns || ep.private_dns_inbound_only {
                format!("enable private DNS on endpoint `{}`", ep.meta.name)
            } else {
                format!(
                    "turn on `enableDnsHostnames` (`dns_hostnames: true`) in vpc `{}`",
                    v.meta.name
                )
            };
            let (res_name, res_id, pos) = if !v.dns_hostnames && ep.private_dns {
                (v.meta.name.clone(), v.meta.aws_id.clone(), v.meta.pos)
            } else {
                (ep.meta.name.clone(), ep.meta.aws_id.clone(), ep.meta.pos)
            };
            let mut ids = self.endpoint_ids(eps[0]);
            ids.extend(v.meta.aws_id.clone());
            out.problems.push(Problem {
                kind: FindingKind::Violation,
                resource: Some((res_name, res_id)),
                message: format!(
                    "`{}` resolves to public addresses in vpc `{}`, not to endpoint `{}`: {why}; the workloads' traffic to {} leaves through a NAT gateway or internet gateway, or fails (trap 11); fix: {fix}",
                    svc.dns_name(),
                    v.meta.name,
                    ep.meta.name,
                    svc.name
                ),
                witness: None,
                location: pos_location(topo, pos),
                aws_ids: ids,
            });
            return;
        }
        let mut addrs = IntervalSet::empty();
        for &i in &on {
            addrs = addrs.union(&self.endpoint_addrs(i));
        }
        if addrs.is_empty() {
            let ep = &topo.endpoints[on[0]];
            out.problems.push(Problem {
                kind: FindingKind::Unknown,
                resource: Some((ep.meta.name.clone(), ep.meta.aws_id.clone())),
                message: format!(
                    "endpoint `{}` has no interfaces in the topology, so where `{}` resolves is not known; declare them with `owner: {{vpc_endpoint: {}}}`",
                    ep.meta.name,
                    svc.dns_name(),
                    ep.meta.name
                ),
                witness: None,
                location: pos_location(topo, ep.meta.pos),
                aws_ids: self.endpoint_ids(on[0]),
            });
            return;
        }
        // Only the families the workload can send matter.
        let key = group_key(topo, e);
        let mut fam = IntervalSet::empty();
        if key.v4 {
            fam = fam.union(&all_v4());
        }
        if key.v6 {
            fam = fam.union(&all_v6());
        }
        let targets = addrs.intersect(&fam);
        if targets.is_empty() {
            let ep = &topo.endpoints[on[0]];
            out.problems.push(Problem {
                kind: FindingKind::Violation,
                resource: None,
                message: format!(
                    "`{}` cannot reach {} privately: the DNS records of endpoint `{}` name no address of a family `{}` has",
                    eni.meta.name, svc.name, ep.meta.name, eni.meta.name
                ),
                witness: None,
                location: pos_location(topo, ep.meta.pos),
                aws_ids: self.endpoint_ids(on[0]),
            });
            return;
        }
        let pre = self.leaks(e, svc, &targets, &IntervalSet::empty(), out);
        self.path_open(e, svc, &targets, pre.as_ref(), out);
    }

    /// Every address a gateway service's traffic may go to from `vpc`: its
    /// prefix lists (a whole family when their entries are unknown), and
    /// the interfaces its name resolves to. `None` when the name resolves
    /// to interface endpoints, whose security groups may reference the
    /// workload's: then the security groups themselves matter.
    fn gateway_reach_addrs(&self, vpc: VpcId, svc: &Svc) -> Option<IntervalSet> {
        let topo = self.topo;
        if dns_unknown(topo, vpc).is_none()
            && self.eps_of(vpc).any(|(i, ep)| {
                ep.kind == EndpointKind::Interface
                    && ep.vpc == vpc
                    && same_service(&ep.service, &svc.full())
                    && private_dns_off(topo, i).is_none()
            })
        {
            return None;
        }
        let mut addrs = IntervalSet::empty();
        for v4 in [true, false] {
            addrs = addrs.union(
                &self
                    .ranges(svc, v4)
                    .0
                    .unwrap_or_else(|| if v4 { all_v4() } else { all_v6() }),
            );
        }
        Some(addrs)
    }

    /// What route table `t` decides for `addrs`: each region of them with
    /// where it goes. Two tables with the same signature treat every packet
    /// to the service alike. A table whose decision depends on more than the
    /// target (an ambiguous route, or a CIDR route overlapping a prefix-list
    /// entry, C-3.5) keeps its own signature.
    fn route_signature(&self, t: usize, addrs: &IntervalSet) -> RouteSig {
        let topo = self.topo;
        let table = &topo.route_tables[t];
        let own = table
            .routes
            .iter()
            .any(|r| matches!(r.dest, RouteDest::Cidr(n) if n.prefix_len() > 0 && net_set_of(n).intersects(addrs)));
        let Some(n) = self.engine.graph.node(Node::RouteTable(t)) else {
            return vec![(format!("table {t}"), Vec::new())];
        };
        let mut sig: RouteSig = Vec::new();
        for er in self.engine.graph.g.edges(n) {
            let crate::engine::graph::Edge::Route(edge) = er.weight() else {
                continue;
            };
            let part = edge.dst.intersect(addrs);
            if part.is_empty() {
                continue;
            }
            let node = self.engine.graph.g[er.target()];
            let what = match (&node, &edge.choice) {
                (_, RouteChoice::Ambiguous(_)) => format!("table {t}"),
                (Node::Opaque, RouteChoice::Route { index, .. }) => {
                    format!("{:?}", table.routes[*index].target)
                }
                (n, _) => format!("{n:?}"),
            };
            sig.push((what, part.runs().to_vec()));
        }
        sig.sort();
        if own {
            sig.push((format!("table {t}"), Vec::new()));
        }
        sig
    }

    fn analyse(&self, e: EniId, svc: &Svc) -> Analysis {
        let mut a = Analysis::default();
        if svc.gateway_capable() {
            self.gateway_service(e, svc, &mut a);
        } else {
            self.interface_service(e, svc, &mut a);
        }
        a
    }

    /// ECR image layers come from S3 (C-13.10): the S3 analysis must be
    /// clean, and the S3 endpoints' policies must allow the layer bucket.
    fn ecr_layers(&self, e: EniId, s3: &Analysis, region: &str, s3_reported: bool) -> Analysis {
        let topo = self.topo;
        let mut a = Analysis::default();
        let worst = s3
            .problems
            .iter()
            .map(|p| p.kind)
            .find(|k| *k == FindingKind::Violation)
            .or_else(|| s3.problems.first().map(|p| p.kind));
        if let Some(kind) = worst {
            a.problems.push(Problem {
                kind,
                resource: None,
                message: format!(
                    "ECR image layers come from S3 (`{}`), and S3 is not {} private for `{}`, so pulling images {} (C-13.10, trap 12): {}",
                    ecr_layer_bucket(region),
                    if kind == FindingKind::Violation { "proven" } else { "known to be" },
                    topo.enis[e].meta.name,
                    if kind == FindingKind::Violation {
                        "sends the layers outside the endpoints"
                    } else {
                        "may leave the endpoints"
                    },
                    if s3_reported {
                        "see the S3 finding".to_string()
                    } else {
                        s3.problems
                            .iter()
                            .find(|p| p.kind == kind)
                            .map(|p| p.message.clone())
                            .unwrap_or_default()
                    }
                ),
                witness: s3.problems.iter().find_map(|p| p.witness.clone()),
                location: s3.problems.iter().find_map(|p| p.location.clone()),
                aws_ids: Vec::new(),
            });
            return a;
        }
        let vpc = topo.enis[e].vpc;
        let full = format!("com.amazonaws.{region}.s3");
        for (i, ep) in self.eps_of(vpc) {
            if ep.vpc != vpc || !same_service(&ep.service, &full) {
                continue;
            }
            let Some(doc) = &ep.policy else { continue };
            match policy_allows(doc, "s3:GetObject", &ecr_layer_bucket(region).replace("/*", "/layer")) {
                Tri::Yes => {}
                t => a.problems.push(Problem {
                    kind: if t == Tri::No {
                        FindingKind::Violation
                    } else {
                        FindingKind::Unknown
                    },
                    resource: Some((ep.meta.name.clone(), ep.meta.aws_id.clone())),
                    message: format!(
                        "the policy of S3 endpoint `{}` {} `s3:GetObject` on `{}`, where ECR keeps image layers (C-13.10); fix: allow it in the endpoint policy",
                        ep.meta.name,
                        if t == Tri::No { "does not allow" } else { "may not allow (conditions the engine cannot evaluate)" },
                        ecr_layer_bucket(region)
                    ),
                    witness: None,
                    location: pos_location(topo, ep.meta.pos),
                    aws_ids: self.endpoint_ids(i),
                }),
            }
        }
        a
    }
}

fn net_set_of(n: IpNet) -> IntervalSet {
    crate::hs::net_set(&n)
}

fn hop_at(topo: &Topology, meta: &crate::model::Meta, rule: &str) -> Hop {
    Hop {
        component: meta.name.clone(),
        aws_id: meta.aws_id.clone(),
        rule: rule.to_string(),
        location: pos_location(topo, meta.pos),
    }
}

fn show_dst(p: &Packet) -> String {
    match p.dst {
        IpAddr::V6(a) => format!("[{a}]"),
        IpAddr::V4(a) => a.to_string(),
    }
}

/// `via route table `rtb` `0.0.0.0/0 → nat-a``, from a witness path.
fn route_text(w: &Witness) -> String {
    let routes: Vec<String> = w
        .path
        .iter()
        .filter(|h| h.rule.starts_with("route "))
        .map(|h| {
            format!(
                "`{}` `{}`",
                h.component,
                h.rule.trim_start_matches("route ")
            )
        })
        .collect();
    if routes.is_empty() {
        String::new()
    } else {
        format!(" (via route table {})", routes.join(", then "))
    }
}

fn packet_view(p: &Packet) -> PacketView {
    PacketView {
        src: p.src.to_string(),
        dst: p.dst.to_string(),
        protocol: crate::hs::proto_name(p.proto),
        src_port: p.has_ports().then_some(p.sport),
        dst_port: p.has_ports().then_some(p.dport),
        icmp_type: p.is_icmp().then_some(p.icmp_type),
        icmp_code: p.is_icmp().then_some(p.icmp_code),
    }
}

// ---------------------------------------------------------------------------
// Policies (IAM semantics, kept to what the network promise needs)

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Tri {
    Yes,
    No,
    Unknown,
}

fn statements(doc: &Value) -> Vec<&Value> {
    match doc.get("Statement") {
        Some(Value::Array(a)) => a.iter().collect(),
        Some(s @ Value::Object(_)) => vec![s],
        _ => Vec::new(),
    }
}

fn strings(v: Option<&Value>) -> Vec<String> {
    match v {
        Some(Value::String(s)) => vec![s.clone()],
        Some(Value::Array(a)) => a
            .iter()
            .filter_map(|x| x.as_str().map(str::to_string))
            .collect(),
        Some(Value::Bool(b)) => vec![b.to_string()],
        _ => Vec::new(),
    }
}

/// IAM wildcard match: `*` any run, `?` one character, case-insensitive.
fn glob(pattern: &str, text: &str) -> bool {
    let p: Vec<char> = pattern.to_ascii_lowercase().chars().collect();
    let t: Vec<char> = text.to_ascii_lowercase().chars().collect();
    let (mut pi, mut ti, mut star, mut mark) = (0usize, 0usize, None::<usize>, 0usize);
    while ti < t.len() {
        if pi < p.len() && (p[pi] == '?' || p[pi] == t[ti]) {
            pi += 1;
            ti += 1;
        } else if pi < p.len() && p[pi] == '*' {
            star = Some(pi);
            mark = ti;
            pi += 1;
        } else if let Some(s) = star {
            pi = s + 1;
            mark += 1;
            ti = mark;
        } else {
            return false;
        }
    }
    while pi < p.len() && p[pi] == '*' {
        pi += 1;
    }
    pi == p.len()
}

fn effect(s: &Value) -> Option<bool> {
    match s.get("Effect").and_then(Value::as_str) {
        Some(e) if e.eq_ignore_ascii_case("allow") => Some(true),
        Some(e) if e.eq_ignore_ascii_case("deny") => Some(false),
        _ => None,
    }
}

fn matches_field(s: &Value, key: &str, not_key: &str, value: &str) -> bool {
    if let Some(v) = s.get(key) {
        return strings(Some(v)).iter().any(|p| glob(p, value));
    }
    if let Some(v) = s.get(not_key) {
        return !strings(Some(v)).iter().any(|p| glob(p, value));
    }
    false
}

/// Whether a policy allows `action` on `resource` for every request
/// (IAM: an explicit deny wins; conditions make the answer unknown).
fn policy_allows(doc: &Value, action: &str, resource: &str) -> Tri {
    let (mut allow, mut allow_if, mut deny_if) = (false, false, false);
    for s in statements(doc) {
        if !matches_field(s, "Action", "NotAction", action)
            || !matches_field(s, "Resource", "NotResource", resource)
        {
            continue;
        }
        let conditional = s.get("Condition").is_some();
        match (effect(s), conditional) {
            (Some(false), false) => return Tri::No,
            (Some(false), true) => deny_if = true,
            (Some(true), false) => allow = true,
            (Some(true), true) => allow_if = true,
            (None, _) => {}
        }
    }
    if allow && !deny_if {
        Tri::Yes
    } else if allow || allow_if {
        Tri::Unknown
    } else {
        Tri::No
    }
}

/// `(operator, key, values)` of every condition of a statement.
fn conditions(s: &Value) -> Vec<(String, String, Vec<String>)> {
    let mut out = Vec::new();
    if let Some(Value::Object(ops)) = s.get("Condition") {
        for (op, body) in ops {
            if let Value::Object(keys) = body {
                for (k, v) in keys {
                    out.push((op.clone(), k.to_ascii_lowercase(), strings(Some(v))));
                }
            }
        }
    }
    out
}

/// Findings about one bucket or table policy (C-13.11–C-13.13, trap 37).
fn resource_findings(
    topo: &Topology,
    r: &crate::model::ServiceResource,
    what: &str,
) -> Vec<Finding> {
    let mut out = Vec::new();
    let res = (r.meta.name.clone(), r.meta.aws_id.clone());
    let finding = |kind: FindingKind, message: String| Finding {
        kind,
        severity: match kind {
            FindingKind::Violation => Severity::Error,
            FindingKind::Unknown => Severity::Warning,
            FindingKind::Info => Severity::Note,
        },
        resource: res.0.clone(),
        aws_id: res.1.clone(),
        message,
        aws_ids: res.1.iter().cloned().collect(),
        flows: Vec::new(),
        witness: None,
        location: pos_location(topo, r.meta.pos),
    };
    let Some(doc) = &r.policy else {
        out.push(finding(
            FindingKind::Violation,
            format!(
                "{what} `{}` has no resource policy: it neither denies requests without TLS nor restricts access to the VPC endpoint; fix: add a `Deny` with `\"Bool\": {{\"aws:SecureTransport\": \"false\"}}` and a `Deny` unless `aws:SourceVpce` is the endpoint",
                r.meta.name
            ),
        ));
        return out;
    };
    let mut tls_deny = false;
    let mut restricted: Vec<String> = Vec::new();
    for s in statements(doc) {
        let deny = effect(s) == Some(false);
        for (op, key, values) in conditions(s) {
            let opl = op.to_ascii_lowercase();
            if deny
                && opl.starts_with("bool")
                && key == "aws:securetransport"
                && values.iter().any(|v| v.eq_ignore_ascii_case("false"))
            {
                tls_deny = true;
            }
            if deny
                && (opl.starts_with("stringnot") || opl.starts_with("arnnot"))
                && (key == "aws:sourcevpce" || key == "aws:sourcevpc")
            {
                restricted.extend(values.iter().cloned());
            }
            if key == "aws:sourceip" && opl.contains("ipaddress") {
                let not = opl.starts_with("not");
                if (deny && not) || (!deny && !not) {
                    out.push(finding(
                        FindingKind::Violation,
                        format!(
                            "the policy of {what} `{}` has `{} {op} aws:SourceIp`: requests through a VPC endpoint carry no public source IP, so this statement {} every request that comes through the endpoint (C-13.12, trap 37); fix: use `aws:VpcSourceIp` or `aws:SourceVpce` instead",
                            r.meta.name,
                            if deny { "Deny" } else { "Allow" },
                            if deny { "denies" } else { "never allows" }
                        ),
                    ));
                }
            }
        }
    }
    if !tls_deny {
        out.push(finding(
            FindingKind::Violation,
            format!(
                "{what} `{}` does not deny requests without TLS: its policy has no `Deny` with `\"Bool\": {{\"aws:SecureTransport\": \"false\"}}` (C-13.12); fix: add that statement",
                r.meta.name
            ),
        ));
    }
    if restricted.is_empty() {
        out.push(finding(
            FindingKind::Violation,
            format!(
                "{what} `{}` is not restricted to the VPC endpoint: its policy has no `Deny` unless `aws:SourceVpce` (or `aws:SourceVpc`) matches, so requests from anywhere else succeed (C-13.13); fix: add `Deny` with `\"StringNotEquals\": {{\"aws:SourceVpce\": \"vpce-…\"}}`",
                r.meta.name
            ),
        ));
    } else {
        let known: Vec<&String> = restricted
            .iter()
            .filter(|v| {
                topo.endpoints
                    .iter()
                    .any(|e| e.meta.aws_id.as_deref() == Some(v.as_str()) || e.meta.name == **v)
                    || topo
                        .vpcs
                        .iter()
                        .any(|x| x.meta.aws_id.as_deref() == Some(v.as_str()) || x.meta.name == **v)
            })
            .collect();
        out.push(finding(
            FindingKind::Info,
            format!(
                "{what} `{}` denies requests that do not come through {}: successful requests used the endpoint (a policy proof, C-13.13); that packets cannot leave another way is what the routing proof of this check shows{}",
                r.meta.name,
                restricted.iter().map(|v| format!("`{v}`")).collect::<Vec<_>>().join(", "),
                if known.is_empty() {
                    "; none of these is an endpoint or VPC of this topology"
                } else {
                    ""
                }
            ),
        ));
    }
    out
}

// ---------------------------------------------------------------------------
// The check

/// The services each workload interface uses, in its VPC's Region unless the
/// policy names one (`None`: the VPC's Region is not known).
/// Service interfaces (`owner: {service: …}`) that run customer code and so
/// are workloads by default: their traffic to S3 is the customer's.
/// Interfaces of managed data services (RDS, ElastiCache, …) are not.
const COMPUTE_SERVICES: &[&str] = &[
    "lambda",
    "ecs",
    "fargate",
    "eks",
    "batch",
    "codebuild",
    "sagemaker",
    "glue",
    "emr",
    "apprunner",
];

/// A workload by default: an ordinary interface, or one of a compute service.
/// Whether an interface belongs to a container or function service (ECS,
/// Fargate, EKS, Lambda, Batch), which pull images from ECR.
fn runs_containers(owner: &EniOwner) -> bool {
    matches!(owner, EniOwner::Service(s) if ["lambda", "ecs", "fargate", "eks", "batch"]
        .iter()
        .any(|c| s.trim().eq_ignore_ascii_case(c)))
}

/// Whether workload `e` (`None`: some workload of the VPC) evidently uses
/// service `name` (`s3`, `ecr.api`, …) of VPC `vpc`, where the policy does
/// not say which workloads use what: the VPC has an endpoint for it (for
/// ECR and the S3 its layers come from, any ECR endpoint), or the workload
/// runs containers or functions.
fn evidently_uses(topo: &Topology, e: Option<EniId>, vpc: VpcId, name: &str) -> bool {
    let ecr = name.starts_with("ecr.") || name == "s3";
    let endpoint = topo.endpoints.iter().any(|x| {
        x.vpc == vpc
            && x.service_parts()
                .is_some_and(|(_, svc)| svc == name || (ecr && svc.starts_with("ecr.")))
    });
    let containers = match e {
        Some(e) => runs_containers(&topo.enis[e].owner),
        None => topo
            .enis
            .iter()
            .any(|n| n.vpc == vpc && n.attached && runs_containers(&n.owner)),
    };
    endpoint || containers
}

/// The kind of a closed private path (the service cannot be reached
/// privately, nothing leaks): a violation for workloads that the policy
/// says use the service, or that evidently do; a note under the default
/// policy otherwise (it assumes every workload uses S3, DynamoDB and ECR).
fn closed_kind(topo: &Topology, e: Option<EniId>, vpc: VpcId, name: &str) -> FindingKind {
    if topo.policy.service_access.uses.is_some() || evidently_uses(topo, e, vpc, name) {
        FindingKind::Violation
    } else {
        FindingKind::Info
    }
}

fn default_workload(owner: &EniOwner) -> bool {
    match owner {
        EniOwner::Workload => true,
        EniOwner::Service(s) => COMPUTE_SERVICES
            .iter()
            .any(|c| s.trim().eq_ignore_ascii_case(c)),
        _ => false,
    }
}

fn uses(topo: &Topology) -> BTreeMap<EniId, BTreeSet<(ServiceKind, Option<String>)>> {
    let mut out: BTreeMap<EniId, BTreeSet<(ServiceKind, Option<String>)>> = BTreeMap::new();
    let region = |e: EniId| topo.vpcs[topo.enis[e].vpc].region.clone();
    match &topo.policy.service_access.uses {
        None => {
            for (e, eni) in topo.enis.iter().enumerate() {
                if default_workload(&eni.owner) && eni.attached {
                    let set = out.entry(e).or_default();
                    for k in [ServiceKind::S3, ServiceKind::DynamoDb, ServiceKind::Ecr] {
                        set.insert((k, region(e)));
                    }
                }
            }
        }
        Some(list) => {
            for u in list {
                for (e, eni) in topo.enis.iter().enumerate() {
                    if !eni.attached {
                        continue;
                    }
                    let named = u.enis.contains(&e);
                    let eligible = named || default_workload(&eni.owner);
                    if !eligible
                        || (!u.enis.is_empty() && !named)
                        || (!u.subnets.is_empty() && !u.subnets.contains(&eni.subnet))
                    {
                        continue;
                    }
                    if !u.tags.is_empty() {
                        let own = topo.tags.get(&crate::model::ResourceRef::Eni(e));
                        let inst = eni
                            .instance
                            .and_then(|i| topo.tags.get(&crate::model::ResourceRef::Instance(i)));
                        let ok = u.tags.iter().all(|(k, v)| {
                            own.and_then(|t| t.get(k)) == Some(v)
                                || inst.and_then(|t| t.get(k)) == Some(v)
                        });
                        if !ok {
                            continue;
                        }
                    }
                    let set = out.entry(e).or_default();
                    for s in &u.services {
                        set.insert((s.kind.clone(), s.region.clone().or_else(|| region(e))));
                    }
                }
            }
        }
    }
    out
}

fn reqs(kind: &ServiceKind, region: &str) -> Vec<Req> {
    let svc = |n: &str| {
        Req::Service(Svc {
            name: n.to_string(),
            region: region.to_string(),
        })
    };
    match kind {
        ServiceKind::S3 => vec![svc("s3")],
        ServiceKind::DynamoDb => vec![svc("dynamodb")],
        ServiceKind::Ecr => vec![
            svc("ecr.api"),
            svc("ecr.dkr"),
            Req::EcrLayers(region.to_string()),
        ],
        ServiceKind::Interface(n) => vec![svc(n)],
    }
}

fn kind_label(k: &ServiceKind) -> String {
    match k {
        ServiceKind::S3 => "S3".into(),
        ServiceKind::DynamoDb => "DynamoDB".into(),
        ServiceKind::Ecr => "ECR".into(),
        ServiceKind::Interface(n) => n.clone(),
    }
}

pub fn run(engine: &Engine<'_>) -> CheckResult {
    let topo = engine.topo;
    let ctx = Ctx::new(engine);
    let mut findings: Vec<Finding> = super::gap_findings(topo, ID);
    let used = uses(topo);
    // Workload groups: one analysis per (group, requirement). Interfaces
    // that behave alike for a requirement share a group (`GroupKey`).
    // Requirements and services are interned, so the loop over interfaces
    // hashes only integers.
    let mut req_list: Vec<Req> = Vec::new();
    let mut req_ids: HashMap<Req, usize> = HashMap::new();
    let mut gw_list: Vec<Svc> = Vec::new();
    // Per service set: for each kind, its requirements (id, gateway service id).
    type Plan = Vec<(ServiceKind, Vec<(usize, Option<usize>)>)>;
    let mut plans: HashMap<&BTreeSet<(ServiceKind, Option<String>)>, Rc<Plan>> = HashMap::new();
    let mut groups: BTreeMap<(usize, usize), Vec<(EniId, usize)>> = BTreeMap::new();
    let mut fine_ids: HashMap<GroupKey, usize> = HashMap::new();
    type Cubes = Vec<Cube>;
    let mut route_sigs: HashMap<(usize, usize), usize> = HashMap::new();
    let mut route_ids: HashMap<RouteSig, usize> = HashMap::new();
    let mut nacl_sigs: HashMap<(usize, usize), usize> = HashMap::new();
    let mut nacl_ids: HashMap<(Cubes, Cubes), usize> = HashMap::new();
    let mut group_ids: HashMap<(GroupKey, usize), usize> = HashMap::new();
    let mut reps: Vec<EniId> = Vec::new();
    let mut no_region: BTreeSet<EniId> = BTreeSet::new();
    let mut kinds: BTreeMap<ServiceKind, BTreeSet<&'static str>> = BTreeMap::new();
    let mut req_kinds: BTreeMap<(usize, usize), Vec<ServiceKind>> = BTreeMap::new();
    let mut addrs_cache: HashMap<(VpcId, usize), Option<IntervalSet>> = HashMap::new();
    type EgressKey = (Vec<Cube>, Vec<Cube>);
    let mut egress_cache: HashMap<(usize, VpcId, usize), usize> = HashMap::new();
    let mut egress_ids: HashMap<EgressKey, usize> = HashMap::new();
    let mut egress_sets: HashMap<Vec<usize>, usize> = HashMap::new();
    let special: BTreeSet<SubnetId> = topo
        .nats
        .iter()
        .map(|n| topo.enis[n.eni].subnet)
        .chain(topo.bpa.subnet_exclusions.iter().map(|(s, _)| *s))
        .collect();
    for (&e, services) in &used {
        let plan = Rc::clone(plans.entry(services).or_insert_with(|| {
            let mut plan: Plan = Vec::new();
            for (kind, region) in services {
                let Some(region) = region else {
                    plan.push((kind.clone(), Vec::new()));
                    continue;
                };
                let mut rs = Vec::new();
                for r in reqs(kind, region) {
                    let gw = match &r {
                        Req::Service(svc) if svc.gateway_capable() => Some(svc.clone()),
                        Req::EcrLayers(region) => Some(Svc {
                            name: "s3".into(),
                            region: region.clone(),
                        }),
                        Req::Service(_) => None,
                    };
                    let gw = gw.map(|g| match gw_list.iter().position(|x| *x == g) {
                        Some(i) => i,
                        None => {
                            gw_list.push(g);
                            gw_list.len() - 1
                        }
                    });
                    let n = req_list.len();
                    let id = *req_ids.entry(r.clone()).or_insert(n);
                    if id == n {
                        req_list.push(r);
                    }
                    rs.push((id, gw));
                }
                plan.push((kind.clone(), rs));
            }
            Rc::new(plan)
        }));
        let base = group_key(topo, e);
        let vpc = topo.enis[e].vpc;
        for (kind, rs) in plan.iter() {
            if !kinds.contains_key(kind) {
                kinds.insert(kind.clone(), BTreeSet::new());
            }
            if rs.is_empty() {
                no_region.insert(e);
            }
            for &(r, gw) in rs {
                let mut key = base.clone();
                let mut fine = None;
                if let Some(gsvc) = gw {
                    let addrs = addrs_cache
                        .entry((vpc, gsvc))
                        .or_insert_with(|| ctx.gateway_reach_addrs(vpc, &gw_list[gsvc]));
                    if let Some(addrs) = addrs {
                        // What a set of groups allows is the union of what
                        // each allows (C-5.1), so the set of per-group
                        // answers decides it.
                        let mut ids: Vec<usize> = key
                            .sgs
                            .iter()
                            .map(|&g| {
                                *egress_cache.entry((g, vpc, gsvc)).or_insert_with(|| {
                                    let f = engine.sg_set_allows(&[g], false);
                                    let only = |h: &HeaderSet| {
                                        h.restrict(DST, addrs).coalesce().cubes().to_vec()
                                    };
                                    let k = (only(&f.allowed), only(&f.unknown));
                                    let n = egress_ids.len();
                                    *egress_ids.entry(k).or_insert(n)
                                })
                            })
                            .collect();
                        ids.sort_unstable();
                        ids.dedup();
                        let n = egress_sets.len();
                        let eg = *egress_sets.entry(ids).or_insert(n);
                        let sn = &topo.subnets[key.subnet];
                        let mut fine_key = key.clone();
                        fine_key.egress = Some((eg, sn.route_table, sn.nacl));
                        fine_key.sgs = Vec::new();
                        fine = Some(fine_key);
                        // Coarse: what the route table and the NACL decide
                        // for the service's addresses, not which ones they
                        // are. A coarse group with a problem is split by
                        // the fine key below, so findings name the right
                        // table.
                        let rsig = sn.route_table.map(|t| {
                            *route_sigs.entry((t, gsvc)).or_insert_with(|| {
                                let sig = ctx.route_signature(t, addrs);
                                let n = route_ids.len();
                                *route_ids.entry(sig).or_insert(n)
                            })
                        });
                        let nsig = *nacl_sigs.entry((sn.nacl, gsvc)).or_insert_with(|| {
                            let out = engine
                                .nacl_allows(key.subnet, false)
                                .restrict(DST, addrs)
                                .coalesce()
                                .cubes()
                                .to_vec();
                            let inn = engine
                                .nacl_allows(key.subnet, true)
                                .restrict(SRC, addrs)
                                .coalesce()
                                .cubes()
                                .to_vec();
                            let n = nacl_ids.len();
                            *nacl_ids.entry((out, inn)).or_insert(n)
                        });
                        key.egress = Some((eg, rsig, nsig));
                        key.sgs = Vec::new();
                        if !special.contains(&key.subnet) {
                            key.subnet = usize::MAX;
                        }
                    }
                }
                let fine = fine.unwrap_or_else(|| key.clone());
                let gid = *group_ids.entry((key, r)).or_insert_with(|| {
                    reps.push(e);
                    reps.len() - 1
                });
                let v = req_kinds.entry((gid, r)).or_default();
                if !v.contains(kind) {
                    v.push(kind.clone());
                }
                let n = fine_ids.len();
                let fid = *fine_ids.entry(fine).or_insert(n);
                groups.entry((gid, r)).or_default().push((e, fid));
            }
        }
    }
    for &e in &no_region {
        let v = &topo.vpcs[topo.enis[e].vpc];
        findings.push(Finding {
            kind: FindingKind::Unknown,
            severity: Severity::Warning,
            resource: topo.enis[e].meta.name.clone(),
            aws_id: topo.enis[e].meta.aws_id.clone(),
            message: format!(
                "the Region of vpc `{}` is not known (set `region`), so the services' endpoints and prefix lists of `{}` cannot be matched",
                v.meta.name,
                topo.enis[e].meta.name
            ),
            aws_ids: Vec::new(),
            flows: Vec::new(),
            witness: None,
            location: pos_location(topo, v.meta.pos),
        });
    }
    let mut cache: HashMap<(EniId, Svc), Rc<Analysis>> = HashMap::new();
    let mut analyse = |rep: EniId, svc: &Svc| -> Rc<Analysis> {
        Rc::clone(
            cache
                .entry((rep, svc.clone()))
                .or_insert_with(|| Rc::new(ctx.analyse(rep, svc))),
        )
    };
    let mut seen_msgs: BTreeSet<(String, String)> = BTreeSet::new();
    let mut closed_notes = 0usize;
    let mut analyse_req = |rep: EniId, req: &Req| -> Rc<Analysis> {
        match req {
            Req::Service(svc) => analyse(rep, svc),
            Req::EcrLayers(region) => {
                let s3 = analyse(
                    rep,
                    &Svc {
                        name: "s3".into(),
                        region: region.clone(),
                    },
                );
                // The workload's own S3 findings say why, when it uses S3
                // in that Region too.
                let vpc_region = topo.vpcs[topo.enis[rep].vpc].region.as_deref();
                let s3_reported = used.get(&rep).is_some_and(|set| {
                    set.iter().any(|(k, r)| {
                        *k == ServiceKind::S3
                            && r.as_deref().or(vpc_region) == Some(region.as_str())
                    })
                });
                Rc::new(ctx.ecr_layers(rep, &s3, region, s3_reported))
            }
        }
    };
    for (&(gid, r), members) in &groups {
        let req = &req_list[r];
        let rep = reps[gid];
        let coarse = analyse_req(rep, req);
        for k in req_kinds.get(&(gid, r)).into_iter().flatten() {
            let entry = kinds.entry(k.clone()).or_default();
            if matches!(req, Req::Service(_)) {
                entry.extend(coarse.via.iter().copied());
            }
        }
        if coarse.problems.is_empty() {
            continue;
        }
        // Split by the fine key: each part is analysed on its own, so that
        // its findings name its own subnet and route table.
        let mut parts: BTreeMap<usize, Vec<EniId>> = BTreeMap::new();
        for &(e, fid) in members {
            parts.entry(fid).or_default().push(e);
        }
        for enis in parts.values() {
            let rep = enis[0];
            let analysis = analyse_req(rep, req);
            for p in &analysis.problems {
                let (resource, aws_id) = p.resource.clone().unwrap_or_else(|| {
                    (
                        topo.enis[rep].meta.name.clone(),
                        topo.enis[rep].meta.aws_id.clone(),
                    )
                });
                let mut message = p.message.clone();
                if p.resource.is_none() && enis.len() > 1 {
                    let others: Vec<String> = enis
                        .iter()
                        .filter(|&&x| x != rep)
                        .take(5)
                        .map(|&x| format!("`{}`", topo.enis[x].meta.name))
                        .collect();
                    message.push_str(&format!(
                    " (the same holds for {} other interface{} with the same route table, network ACL and security group rules for this service: {}{})",
                    enis.len() - 1,
                    if enis.len() == 2 { "" } else { "s" },
                    others.join(", "),
                    if enis.len() > 6 { ", …" } else { "" }
                ));
                }
                // Findings about a VPC or endpoint (DNS, missing endpoints) are
                // the same for every workload: report each once.
                if p.resource.is_some() && !seen_msgs.insert((resource.clone(), p.message.clone()))
                {
                    continue;
                }
                let mut ids = p.aws_ids.clone();
                if p.resource.is_none() {
                    ids.extend(
                        enis.iter()
                            .take(20)
                            .filter_map(|&x| topo.enis[x].meta.aws_id.clone()),
                    );
                }
                let mut dedup = BTreeSet::new();
                ids.retain(|i| dedup.insert(i.clone()));
                // Workload problems are notes only when `closed_kind` says so.
                if p.kind == FindingKind::Info {
                    closed_notes += 1;
                }
                findings.push(Finding {
                    kind: p.kind,
                    severity: match p.kind {
                        FindingKind::Violation => Severity::Error,
                        FindingKind::Unknown => Severity::Warning,
                        FindingKind::Info => Severity::Note,
                    },
                    resource,
                    aws_id,
                    message,
                    aws_ids: ids,
                    flows: Vec::new(),
                    witness: p.witness.clone(),
                    location: p.location.clone(),
                });
            }
        }
    }
    let pol = &topo.policy.service_access;
    for b in &pol.buckets {
        findings.extend(resource_findings(topo, b, "bucket"));
    }
    for t in &pol.tables {
        findings.extend(resource_findings(topo, t, "table"));
    }

    let violated = findings
        .iter()
        .filter(|f| f.kind == FindingKind::Violation)
        .count();
    let unknown = findings
        .iter()
        .filter(|f| f.kind == FindingKind::Unknown)
        .count();
    let verdict = if violated > 0 {
        Verdict::Violated
    } else if unknown > 0 {
        Verdict::Unknown
    } else {
        Verdict::Proven
    };
    let workloads = used.len();
    let nservices = kinds.len();
    let summary = match verdict {
        Verdict::Proven if workloads == 0 => {
            "no workload interface uses S3, DynamoDB, ECR or another service".to_string()
        }
        Verdict::Proven => {
            // "S3 and DynamoDB via gateway endpoints, ECR via interface endpoints".
            let mut by_via: Vec<(String, Vec<String>)> = Vec::new();
            for (k, via) in &kinds {
                let v = match (via.contains("gateway"), via.contains("interface")) {
                    (true, true) => "gateway and interface endpoints",
                    (true, false) => "gateway endpoints",
                    (false, true) => "interface endpoints",
                    (false, false) => "endpoints",
                };
                match by_via.iter_mut().find(|(x, _)| x == v) {
                    Some((_, ks)) => ks.push(kind_label(k)),
                    None => by_via.push((v.to_string(), vec![kind_label(k)])),
                }
            }
            let parts: Vec<String> = by_via
                .iter()
                .map(|(v, ks)| format!("{} via {v}", and_list(ks)))
                .collect();
            format!(
                "{workloads} workload{} × {nservices} service{}; {}",
                if workloads == 1 { "" } else { "s" },
                if nservices == 1 { "" } else { "s" },
                parts.join(", ")
            )
        }
        Verdict::Violated => format!(
            "{violated} finding{} across {workloads} workload{} × {nservices} service{}: traffic to AWS services can leave the VPC outside its endpoints, or cannot reach them",
            if violated == 1 { "" } else { "s" },
            if workloads == 1 { "" } else { "s" },
            if nservices == 1 { "" } else { "s" },
        ),
        Verdict::Unknown => format!(
            "could not prove that {workloads} workload{} × {nservices} service{} stay on VPC endpoints: {unknown} question{} could not be decided",
            if workloads == 1 { "" } else { "s" },
            if nservices == 1 { "" } else { "s" },
            if unknown == 1 { "" } else { "s" },
        ),
    };
    // Closed private paths of workloads not known to use the service are
    // notes: the proof is then of leak freedom only, and says so.
    let notes = closed_notes;
    let summary = if verdict == Verdict::Proven && notes > 0 {
        format!(
            "{workloads} workload{} × {nservices} service{}: no service traffic leaves outside an endpoint; {notes} note{} on private paths that are closed for workloads not known to use the service",
            if workloads == 1 { "" } else { "s" },
            if nservices == 1 { "" } else { "s" },
            if notes == 1 { "" } else { "s" },
        )
    } else {
        summary
    };
    CheckResult {
        id: ID,
        verdict,
        summary,
        findings,
    }
}

fn and_list(items: &[String]) -> String {
    match items {
        [] => String::new(),
        [one] => one.clone(),
        [init @ .., last] => format!("{} and {last}", init.join(", ")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn glob_matches_like_iam() {
        assert!(glob("s3:*", "s3:GetObject"));
        assert!(glob("s3:Get*", "S3:GETOBJECT"));
        assert!(glob(
            "arn:aws:s3:::prod-*-starport-layer-bucket/*",
            "arn:aws:s3:::prod-us-east-1-starport-layer-bucket/layer"
        ));
        assert!(!glob("s3:Put*", "s3:GetObject"));
        assert!(glob("*", ""));
        assert!(!glob("a?c", "ac"));
    }

    #[test]
    fn policy_allow_and_deny() {
        let doc: Value = serde_json::json!({"Statement": [
            {"Effect": "Allow", "Action": "s3:*", "Resource": "*"},
            {"Effect": "Deny", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::secret/*"}
        ]});
        assert_eq!(
            policy_allows(&doc, "s3:GetObject", "arn:aws:s3:::x/y"),
            Tri::Yes
        );
        assert_eq!(
            policy_allows(&doc, "s3:GetObject", "arn:aws:s3:::secret/y"),
            Tri::No
        );
        let only: Value = serde_json::json!({"Statement": {"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::mine/*"}});
        assert_eq!(
            policy_allows(
                &only,
                "s3:GetObject",
                "arn:aws:s3:::prod-us-east-1-starport-layer-bucket/layer"
            ),
            Tri::No
        );
    }
}
