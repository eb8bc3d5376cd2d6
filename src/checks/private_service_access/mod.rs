//! `private-service-access`: S3, DynamoDB and ECR traffic stays on VPC endpoints.
//!
//! What it proves, its assumptions and how to fix a finding are in
//! [`META`], the one place they are written (the README, `--help`, SARIF
//! and `netverify checks` are rendered from it).

mod paths;
mod policy;

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
use crate::model::Direction;
use crate::model::{
    EndpointId, EndpointKind, EniId, EniOwner, PrefixListId, RouteDest, RouteTarget, ServiceKind,
    SubnetId, TCP, Topology, VpcId,
};
use crate::report::{
    CheckResult, Finding, FindingKind, Hop, Location, PacketView, Severity, Verdict, Witness,
};
use crate::sim::{Blocked, Winner};
use policy::resource_findings;

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
  Without the prefix lists' entries, a leak is still certain when the
  workload's HTTPS to every internet address of the family leaves outside
  an endpoint, since the public ranges are internet addresses (C-15.6);
  short of that, what may be the service's stays `unknown`.
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

/// The services each workload interface uses, with their Regions.
type Uses = BTreeMap<EniId, BTreeSet<(ServiceKind, Option<String>)>>;

pub fn run(engine: &Engine<'_>) -> CheckResult {
    let topo = engine.topo;
    let ctx = Ctx::new(engine);
    let mut findings: Vec<Finding> = super::gap_findings(topo, ID);
    let used = uses(topo);
    let mut groups = group_workloads(&ctx, &used);
    findings.extend(groups.no_region.iter().map(|&e| no_region(topo, e)));
    let closed_notes = report_groups(&ctx, &used, &mut groups, &mut findings);
    let pol = &topo.policy.service_access;
    for b in &pol.buckets {
        findings.extend(resource_findings(topo, b, "bucket"));
    }
    for t in &pol.tables {
        findings.extend(resource_findings(topo, t, "table"));
    }
    summarise(findings, used.len(), &groups.kinds, closed_notes)
}

/// Per service set: for each kind, its requirements (requirement id,
/// gateway service id).
type Plan = Vec<(ServiceKind, Vec<(usize, Option<usize>)>)>;

/// Requirements and gateway services, interned so that the loop over
/// interfaces hashes only integers.
#[derive(Default)]
struct Interned {
    reqs: Vec<Req>,
    req_ids: HashMap<Req, usize>,
    gateways: Vec<Svc>,
}

impl Interned {
    /// The requirements of a set of services; a service with no Region has
    /// none.
    fn plan(&mut self, services: &BTreeSet<(ServiceKind, Option<String>)>) -> Plan {
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
                let gw = gw.map(|g| match self.gateways.iter().position(|x| *x == g) {
                    Some(i) => i,
                    None => {
                        self.gateways.push(g);
                        self.gateways.len() - 1
                    }
                });
                let n = self.reqs.len();
                let id = *self.req_ids.entry(r.clone()).or_insert(n);
                if id == n {
                    self.reqs.push(r);
                }
                rs.push((id, gw));
            }
            plan.push((kind.clone(), rs));
        }
        plan
    }
}

/// The workload groups: one analysis per (group, requirement).
#[derive(Default)]
struct Groups {
    interned: Interned,
    /// (group, requirement) → its interfaces, each with its fine key id.
    members: BTreeMap<(usize, usize), Vec<(EniId, usize)>>,
    /// Per group, the interface analysed for it.
    reps: Vec<EniId>,
    /// The service kinds that need each (group, requirement).
    req_kinds: BTreeMap<(usize, usize), Vec<ServiceKind>>,
    /// Every service kind used, with how its private path goes.
    kinds: BTreeMap<ServiceKind, BTreeSet<&'static str>>,
    /// Interfaces whose VPC has no Region.
    no_region: BTreeSet<EniId>,
}

/// What the security groups, route tables and NACLs decide for a gateway
/// service's addresses, interned per (resource, VPC, service).
#[derive(Default)]
struct Signatures {
    addrs: HashMap<(VpcId, usize), Option<IntervalSet>>,
    route_sigs: HashMap<(usize, usize), usize>,
    route_ids: HashMap<RouteSig, usize>,
    nacl_sigs: HashMap<(usize, usize), usize>,
    nacl_ids: HashMap<(Vec<Cube>, Vec<Cube>), usize>,
    egress: HashMap<(usize, VpcId, usize), usize>,
    egress_ids: HashMap<(Vec<Cube>, Vec<Cube>), usize>,
    egress_sets: HashMap<Vec<usize>, usize>,
}

impl Signatures {
    /// For a gateway service reached by routing alone, turns `key` into the
    /// coarse key (signatures instead of security groups and subnet) and
    /// returns the fine key (which names the route table and NACL); `None`
    /// when the service's addresses are not known in the VPC.
    fn gateway_keys(
        &mut self,
        ctx: &Ctx<'_, '_>,
        key: &mut GroupKey,
        vpc: VpcId,
        gateway: (usize, &Svc),
        special: &BTreeSet<SubnetId>,
    ) -> Option<GroupKey> {
        let (engine, topo) = (ctx.engine, ctx.topo);
        let (gsvc, svc) = gateway;
        let addrs = self
            .addrs
            .entry((vpc, gsvc))
            .or_insert_with(|| ctx.gateway_reach_addrs(vpc, svc))
            .as_ref()?;
        // What a set of groups allows is the union of what each allows
        // (C-5.1), so the set of per-group answers decides it.
        let mut ids: Vec<usize> = key
            .sgs
            .iter()
            .map(|&g| {
                *self.egress.entry((g, vpc, gsvc)).or_insert_with(|| {
                    let f = engine.sg_set_allows(&[g], Direction::Egress);
                    let only = |h: &HeaderSet| h.restrict(DST, addrs).coalesce().cubes().to_vec();
                    let k = (only(&f.allowed), only(&f.unknown));
                    let n = self.egress_ids.len();
                    *self.egress_ids.entry(k).or_insert(n)
                })
            })
            .collect();
        ids.sort_unstable();
        ids.dedup();
        let n = self.egress_sets.len();
        let eg = *self.egress_sets.entry(ids).or_insert(n);
        let sn = &topo.subnets[key.subnet];
        let mut fine = key.clone();
        fine.egress = Some((eg, sn.route_table, sn.nacl));
        fine.sgs = Vec::new();
        // Coarse: what the route table and the NACL decide for the
        // service's addresses, not which ones they are. A coarse group with
        // a problem is split by the fine key, so findings name the right
        // table.
        let rsig = sn.route_table.map(|t| {
            *self.route_sigs.entry((t, gsvc)).or_insert_with(|| {
                let sig = ctx.route_signature(t, addrs);
                let n = self.route_ids.len();
                *self.route_ids.entry(sig).or_insert(n)
            })
        });
        let nsig = *self.nacl_sigs.entry((sn.nacl, gsvc)).or_insert_with(|| {
            let out = engine
                .nacl_allows(key.subnet, Direction::Egress)
                .restrict(DST, addrs)
                .coalesce()
                .cubes()
                .to_vec();
            let inn = engine
                .nacl_allows(key.subnet, Direction::Ingress)
                .restrict(SRC, addrs)
                .coalesce()
                .cubes()
                .to_vec();
            let n = self.nacl_ids.len();
            *self.nacl_ids.entry((out, inn)).or_insert(n)
        });
        key.egress = Some((eg, rsig, nsig));
        key.sgs = Vec::new();
        if !special.contains(&key.subnet) {
            key.subnet = usize::MAX;
        }
        Some(fine)
    }
}

/// Groups the workload interfaces: interfaces that behave alike for a
/// requirement share a group (`GroupKey`).
fn group_workloads(ctx: &Ctx<'_, '_>, used: &Uses) -> Groups {
    let topo = ctx.topo;
    let mut out = Groups::default();
    let mut plans: HashMap<&BTreeSet<(ServiceKind, Option<String>)>, Rc<Plan>> = HashMap::new();
    let mut fine_ids: HashMap<GroupKey, usize> = HashMap::new();
    let mut group_ids: HashMap<(GroupKey, usize), usize> = HashMap::new();
    let mut sigs = Signatures::default();
    // Subnets that matter in themselves: a NAT gateway lives there, or block
    // public access excludes them.
    let special: BTreeSet<SubnetId> = topo
        .nats
        .iter()
        .map(|n| topo.enis[n.eni].subnet)
        .chain(topo.bpa.subnet_exclusions.iter().map(|(s, _)| *s))
        .collect();
    for (&e, services) in used {
        let plan = Rc::clone(
            plans
                .entry(services)
                .or_insert_with(|| Rc::new(out.interned.plan(services))),
        );
        let base = group_key(topo, e);
        let vpc = topo.enis[e].vpc;
        for (kind, rs) in plan.iter() {
            if !out.kinds.contains_key(kind) {
                out.kinds.insert(kind.clone(), BTreeSet::new());
            }
            if rs.is_empty() {
                out.no_region.insert(e);
            }
            for &(r, gw) in rs {
                let mut key = base.clone();
                let fine = gw.and_then(|g| {
                    sigs.gateway_keys(ctx, &mut key, vpc, (g, &out.interned.gateways[g]), &special)
                });
                let fine = fine.unwrap_or_else(|| key.clone());
                let gid = *group_ids.entry((key, r)).or_insert_with(|| {
                    out.reps.push(e);
                    out.reps.len() - 1
                });
                let v = out.req_kinds.entry((gid, r)).or_default();
                if !v.contains(kind) {
                    v.push(kind.clone());
                }
                let n = fine_ids.len();
                let fid = *fine_ids.entry(fine).or_insert(n);
                out.members.entry((gid, r)).or_default().push((e, fid));
            }
        }
    }
    out
}

/// An interface whose VPC has no Region: its services cannot be matched.
fn no_region(topo: &Topology, e: EniId) -> Finding {
    let v = &topo.vpcs[topo.enis[e].vpc];
    Finding {
        kind: FindingKind::Unknown,
        severity: Severity::Warning,
        resource: topo.enis[e].meta.name.clone(),
        aws_id: topo.enis[e].meta.aws_id.clone(),
        message: format!(
            "the Region of vpc `{}` is not known (set `region`), so the services' endpoints and prefix lists of `{}` cannot be matched",
            v.meta.name, topo.enis[e].meta.name
        ),
        aws_ids: Vec::new(),
        flows: Vec::new(),
        witness: None,
        location: pos_location(topo, v.meta.pos),
    }
}

/// The analyses of (interface, service), each run once.
struct Analyses<'c, 'e, 't> {
    ctx: &'c Ctx<'e, 't>,
    used: &'c Uses,
    cache: HashMap<(EniId, Svc), Rc<Analysis>>,
}

impl Analyses<'_, '_, '_> {
    fn service(&mut self, rep: EniId, svc: &Svc) -> Rc<Analysis> {
        let ctx = self.ctx;
        Rc::clone(
            self.cache
                .entry((rep, svc.clone()))
                .or_insert_with(|| Rc::new(ctx.analyse(rep, svc))),
        )
    }

    fn req(&mut self, rep: EniId, req: &Req) -> Rc<Analysis> {
        match req {
            Req::Service(svc) => self.service(rep, svc),
            Req::EcrLayers(region) => {
                let s3 = self.service(
                    rep,
                    &Svc {
                        name: "s3".into(),
                        region: region.clone(),
                    },
                );
                // The workload's own S3 findings say why, when it uses S3
                // in that Region too.
                let topo = self.ctx.topo;
                let vpc_region = topo.vpcs[topo.enis[rep].vpc].region.as_deref();
                let s3_reported = self.used.get(&rep).is_some_and(|set| {
                    set.iter().any(|(k, r)| {
                        *k == ServiceKind::S3
                            && r.as_deref().or(vpc_region) == Some(region.as_str())
                    })
                });
                Rc::new(self.ctx.ecr_layers(rep, &s3, region, s3_reported))
            }
        }
    }
}

/// Analyses each group for each requirement, records how the private paths
/// go, and reports the problems of the groups that have any, split by the
/// fine key. Returns how many notes were closed private paths.
fn report_groups(
    ctx: &Ctx<'_, '_>,
    used: &Uses,
    groups: &mut Groups,
    findings: &mut Vec<Finding>,
) -> usize {
    let topo = ctx.topo;
    let mut analyses = Analyses {
        ctx,
        used,
        cache: HashMap::new(),
    };
    let mut seen_msgs: BTreeSet<(String, String)> = BTreeSet::new();
    let mut closed_notes = 0usize;
    for (&(gid, r), members) in &groups.members {
        let req = &groups.interned.reqs[r];
        let rep = groups.reps[gid];
        let coarse = analyses.req(rep, req);
        for k in groups.req_kinds.get(&(gid, r)).into_iter().flatten() {
            let entry = groups.kinds.entry(k.clone()).or_default();
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
            let analysis = analyses.req(rep, req);
            for p in &analysis.problems {
                let Some(f) = problem_finding(topo, p, enis, &mut seen_msgs) else {
                    continue;
                };
                // Workload problems are notes only when `closed_kind` says so.
                if p.kind == FindingKind::Info {
                    closed_notes += 1;
                }
                findings.push(f);
            }
        }
    }
    closed_notes
}

/// The finding for one problem of a part of a group (`enis`, the first
/// analysed); `None` for a problem about a VPC or endpoint (DNS, missing
/// endpoints) already reported: those are the same for every workload.
fn problem_finding(
    topo: &Topology,
    p: &Problem,
    enis: &[EniId],
    seen_msgs: &mut BTreeSet<(String, String)>,
) -> Option<Finding> {
    let rep = enis[0];
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
    if p.resource.is_some() && !seen_msgs.insert((resource.clone(), p.message.clone())) {
        return None;
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
    Some(Finding {
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
    })
}

/// The verdict and its summary: workloads × services, how the private
/// paths go when proven, and the notes on closed private paths.
fn summarise(
    findings: Vec<Finding>,
    workloads: usize,
    kinds: &BTreeMap<ServiceKind, BTreeSet<&'static str>>,
    closed_notes: usize,
) -> CheckResult {
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
    let nservices = kinds.len();
    let summary = match verdict {
        Verdict::Proven if workloads == 0 => {
            "no workload interface uses S3, DynamoDB, ECR or another service".to_string()
        }
        Verdict::Proven => {
            // "S3 and DynamoDB via gateway endpoints, ECR via interface endpoints".
            let mut by_via: Vec<(String, Vec<String>)> = Vec::new();
            for (k, via) in kinds {
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
