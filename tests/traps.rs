#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "test helpers fail by panicking"
)]

//! One test per trap of AWS-SEMANTICS.md §16 that the core engine covers,
//! named after the trap. Each runs the symbolic engine (and the
//! `public-exposure` check where the trap is about exposure, the
//! `private-service-access` check for traps 7–13 and 37).

use std::net::IpAddr;

use netverify::checks::public_exposure;
use netverify::engine::{End, Engine, Origin};
use netverify::hs::{HeaderSet, Packet};
use netverify::model::{Topology, load_str};
use netverify::report::{CheckResult, FindingKind, Verdict};

/// A VPC with a public subnet (IGW), an app subnet routed to a NAT gateway,
/// and one app interface; `extra` is appended to the file and `app` replaces
/// the app interface's definition.
fn topo(
    app_subnet_routes: &str,
    nacl: &str,
    sg_ingress: &str,
    app_eni: &str,
    extra: &str,
) -> Topology {
    let yaml = format!(
        r#"version: 1
vpcs:
  - name: vpc
    cidrs: [10.0.0.0/16]
    ipv6_cidrs: [2600:1f00::/56]
internet_gateways:
  - {{name: igw, vpc: vpc}}
subnets:
  - {{name: pub, vpc: vpc, cidr: 10.0.0.0/24, ipv6_cidr: "2600:1f00::/64", route_table: rtb-pub}}
  - {{name: app, vpc: vpc, cidr: 10.0.1.0/24, ipv6_cidr: "2600:1f00:0:1::/64", route_table: rtb-app{nacl_ref}}}
route_tables:
  - {{name: rtb-main, vpc: vpc, main: true}}
  - name: rtb-pub
    vpc: vpc
    routes:
      - {{destination: 0.0.0.0/0, target: igw}}
      - {{destination: "::/0", target: igw}}
  - name: rtb-app
    vpc: vpc
    routes:
{app_subnet_routes}
nat_gateways:
  - {{name: nat, subnet: pub, private_ip: 10.0.0.5, public_ip: 198.51.100.5}}
{nacl}
security_groups:
  - name: sg-app
    vpc: vpc
    ingress:
{sg_ingress}
    egress:
      - {{protocol: all, cidr: 0.0.0.0/0}}
      - {{protocol: all, cidr: "::/0"}}
network_interfaces:
{app_eni}
{extra}
"#,
        nacl_ref = if nacl.is_empty() {
            ""
        } else {
            ", network_acl: acl-app"
        },
    );
    match load_str(&yaml, "trap.yaml") {
        Ok(t) => t,
        Err(e) => panic!("{}\n---\n{yaml}", e.render(Some(&yaml))),
    }
}

const NAT_ROUTE: &str = "      - {destination: 0.0.0.0/0, target: nat}";
const SSH_FROM_ANYWHERE: &str = "      - {protocol: tcp, ports: 22, cidr: 0.0.0.0/0}";
const APP_WITH_PUBLIC_IP: &str = "  - name: app-1
    subnet: app
    private_ips: [{address: 10.0.1.10, public_ip: 203.0.113.10}]
    security_groups: [sg-app]";

fn exposure(t: &Topology) -> CheckResult {
    public_exposure::run(&Engine::new(t))
}

fn violation_on<'a>(r: &'a CheckResult, resource: &str) -> &'a netverify::report::Finding {
    r.findings
        .iter()
        .find(|f| f.kind == FindingKind::Violation && f.resource == resource)
        .unwrap_or_else(|| panic!("no violation on `{resource}`: {r:#?}"))
}

fn ip(s: &str) -> IpAddr {
    s.parse().unwrap()
}

fn ends_of(t: &Topology, origin: Origin, p: &Packet) -> Vec<End> {
    let e = Engine::new(t);
    e.reach(origin, &HeaderSet::universe())
        .flows
        .into_iter()
        .filter(|f| f.set.contains(p))
        .map(|f| f.end)
        .collect()
}

#[test]
fn trap_01_public_ip_with_nat_default_route_is_delivered() {
    let t = topo(NAT_ROUTE, "", SSH_FROM_ANYWHERE, APP_WITH_PUBLIC_IP, "");
    let r = exposure(&t);
    assert_eq!(r.verdict, Verdict::Violated);
    let f = violation_on(&r, "app-1");
    // Delivery is what counts; the session note says replies are SNATed.
    assert!(f.message.contains("NAT gateway `nat`"), "{}", f.message);
    assert!(f.message.contains("cannot complete"), "{}", f.message);
    let w = f.witness.as_ref().unwrap();
    assert_eq!(w.packet.dst, "203.0.113.10");
    assert_eq!(w.packet.dst_port, Some(22));
    assert_eq!(w.path.first().unwrap().component, "igw");
    assert_eq!(w.path.last().unwrap().component, "app-1");
}

#[test]
fn trap_02_nacl_deny_blocks_outside_but_not_same_subnet() {
    let nacl = "network_acls:
  - name: acl-app
    vpc: vpc
    ingress:
      - {rule: 100, action: deny, protocol: tcp, ports: 22, cidr: 0.0.0.0/0}
      - {rule: 200, action: allow, protocol: all, cidr: 0.0.0.0/0}
    egress:
      - {rule: 100, action: allow, protocol: all, cidr: 0.0.0.0/0}";
    let enis = format!(
        "{APP_WITH_PUBLIC_IP}
  - name: app-2
    subnet: app
    private_ips: [{{address: 10.0.1.11}}]
    security_groups: [sg-app]"
    );
    let t = topo(NAT_ROUTE, nacl, SSH_FROM_ANYWHERE, &enis, "");
    assert_eq!(exposure(&t).verdict, Verdict::Proven);
    // Same subnet: no NACL, so app-2 reaches app-1 on 22 (C-4.4).
    let p = Packet::tcp(ip("10.0.1.11"), ip("10.0.1.10"), 40000, 22);
    assert_eq!(ends_of(&t, Origin::Eni(1), &p), vec![End::Delivered(0)]);
}

#[test]
fn trap_03_nacl_narrow_ephemeral_egress_still_exposed() {
    let nacl = "network_acls:
  - name: acl-app
    vpc: vpc
    ingress:
      - {rule: 100, action: allow, protocol: tcp, ports: 443, cidr: 0.0.0.0/0}
    egress:
      - {rule: 100, action: allow, protocol: tcp, ports: 32768-60999, cidr: 0.0.0.0/0}";
    let t = topo(
        "      - {destination: 0.0.0.0/0, target: igw}",
        nacl,
        "      - {protocol: tcp, ports: 443, cidr: 0.0.0.0/0}",
        APP_WITH_PUBLIC_IP,
        "",
    );
    let r = exposure(&t);
    let f = violation_on(&r, "app-1");
    assert_eq!(f.flows[0].ports, vec!["443"]);
}

#[test]
fn trap_04_split_default_route_sg_equals_any() {
    let sg = "      - {protocol: tcp, ports: 22, cidr: 0.0.0.0/1}
      - {protocol: tcp, ports: 22, cidr: 128.0.0.0/1}";
    let t = topo(NAT_ROUTE, "", sg, APP_WITH_PUBLIC_IP, "");
    let r = exposure(&t);
    let f = violation_on(&r, "app-1");
    assert_eq!(
        f.flows[0].sources,
        vec!["0.0.0.0/0"],
        "two halves are the whole internet"
    );
}

#[test]
fn trap_05_ipv6_exposure_through_igw() {
    let app = "  - name: app-1
    subnet: app
    private_ips: [{address: 10.0.1.10}]
    ipv6_addresses: [\"2600:1f00:0:1::10\"]
    security_groups: [sg-app]";
    let t = topo(
        NAT_ROUTE,
        "",
        "      - {protocol: tcp, ports: 22, cidr: \"::/0\"}",
        app,
        "",
    );
    let r = exposure(&t);
    let f = violation_on(&r, "app-1");
    let w = f.witness.as_ref().unwrap();
    assert_eq!(w.packet.dst, "2600:1f00:0:1::10");
    assert_eq!(f.flows[0].sources, vec!["::/0"]);
}

#[test]
fn trap_06_eigw_does_not_admit_inbound() {
    let yaml = r#"version: 1
vpcs:
  - {name: vpc, cidrs: [10.0.0.0/16], ipv6_cidrs: ["2600:1f00::/56"]}
egress_only_internet_gateways:
  - {name: eigw, vpc: vpc}
subnets:
  - {name: app, vpc: vpc, cidr: 10.0.1.0/24, ipv6_cidr: "2600:1f00:0:1::/64", route_table: rtb}
route_tables:
  - name: rtb
    vpc: vpc
    main: true
    routes: [{destination: "::/0", target: eigw}]
security_groups:
  - name: sg
    vpc: vpc
    ingress: [{protocol: all, cidr: "::/0"}]
    egress: [{protocol: all, cidr: "::/0"}]
network_interfaces:
  - {name: app-1, subnet: app, private_ips: [{address: 10.0.1.10}], ipv6_addresses: ["2600:1f00:0:1::10"], security_groups: [sg]}
"#;
    let t = load_str(yaml, "t.yaml").unwrap();
    assert_eq!(exposure(&t).verdict, Verdict::Proven);
    // Egress still works.
    let p = Packet::tcp(ip("2600:1f00:0:1::10"), ip("2a00::1"), 40000, 443);
    assert_eq!(ends_of(&t, Origin::Eni(0), &p), vec![End::Internet]);
}

#[test]
fn trap_20_nlb_instance_target_with_public_ip_is_directly_exposed() {
    let extra = "instances:
  - {name: web-1}
load_balancers:
  - name: nlb
    type: network
    scheme: internet-facing
    subnets: [pub]
    listeners: [{protocol: TCP, port: 443, target_group: tg}]
target_groups:
  - name: tg
    target_type: instance
    protocol: TCP
    port: 8443
    targets: [{instance: web-1}]";
    let app = "  - name: web-1-eni
    subnet: pub
    instance: web-1
    private_ips: [{address: 10.0.0.20, public_ip: 203.0.113.20}]
    security_groups: [sg-app]";
    let t = topo(
        NAT_ROUTE,
        "",
        "      - {protocol: tcp, ports: 8443, cidr: 0.0.0.0/0}",
        app,
        extra,
    );
    let r = exposure(&t);
    assert_eq!(r.verdict, Verdict::Violated);
    let f = violation_on(&r, "web-1-eni");
    assert!(f.message.contains("instance `web-1`"));
    // The NLB itself is fine, and the indirect path is reported as information.
    assert!(
        !r.findings
            .iter()
            .any(|f| f.kind == FindingKind::Violation && f.resource == "nlb")
    );
    assert!(
        r.findings.iter().any(|f| f.kind == FindingKind::Info
            && f.message.contains("client's source address preserved"))
    );
}

#[test]
fn trap_27_main_table_fallback_makes_subnet_public() {
    let yaml = r#"version: 1
vpcs:
  - {name: vpc, cidrs: [10.0.0.0/16]}
internet_gateways:
  - {name: igw, vpc: vpc}
subnets:
  - {name: new, vpc: vpc, cidr: 10.0.2.0/24}
route_tables:
  - name: rtb-main
    vpc: vpc
    main: true
    routes: [{destination: 0.0.0.0/0, target: igw}]
security_groups:
  - name: sg
    vpc: vpc
    ingress: [{protocol: tcp, ports: 22, cidr: 0.0.0.0/0}]
    egress: [{protocol: all, cidr: 0.0.0.0/0}]
network_interfaces:
  - {name: new-1, subnet: new, private_ips: [{address: 10.0.2.10, public_ip: auto}], security_groups: [sg]}
"#;
    let t = load_str(yaml, "t.yaml").unwrap();
    assert!(t.subnets[0].uses_main_route_table);
    let p = Packet::tcp(ip("10.0.2.10"), ip("8.8.8.8"), 40000, 443);
    assert_eq!(ends_of(&t, Origin::Eni(0), &p), vec![End::Internet]);
    let r = exposure(&t);
    let f = violation_on(&r, "new-1");
    assert!(
        f.witness
            .as_ref()
            .unwrap()
            .packet
            .dst
            .contains("auto-assigned public IPv4 of new-1")
    );
    assert!(
        f.message.contains("TCP sessions can complete"),
        "{}",
        f.message
    );
}

#[test]
fn trap_31_blackhole_route_no_fallback() {
    let routes = "      - {destination: 0.0.0.0/0, target: igw}
      - {destination: 8.8.8.0/24, target: nat, state: blackhole}";
    let t = topo(routes, "", SSH_FROM_ANYWHERE, APP_WITH_PUBLIC_IP, "");
    let dropped = Packet::tcp(ip("10.0.1.10"), ip("8.8.8.8"), 40000, 443);
    assert!(
        ends_of(&t, Origin::Eni(0), &dropped).is_empty(),
        "blackhole wins LPM and drops"
    );
    let other = Packet::tcp(ip("10.0.1.10"), ip("1.1.1.1"), 40000, 443);
    assert_eq!(ends_of(&t, Origin::Eni(0), &other), vec![End::Internet]);
}

#[test]
fn trap_32_nacl_first_match_wins() {
    let nacl = "network_acls:
  - name: acl-app
    vpc: vpc
    ingress:
      - {rule: 100, action: allow, protocol: all, cidr: 0.0.0.0/0}
      - {rule: 200, action: deny, protocol: tcp, ports: 22, cidr: 0.0.0.0/0}
    egress:
      - {rule: 100, action: allow, protocol: all, cidr: 0.0.0.0/0}";
    let t = topo(NAT_ROUTE, nacl, SSH_FROM_ANYWHERE, APP_WITH_PUBLIC_IP, "");
    let r = exposure(&t);
    let f = violation_on(&r, "app-1");
    let nacl_hop = f
        .witness
        .as_ref()
        .unwrap()
        .path
        .iter()
        .find(|h| h.component == "acl-app")
        .unwrap();
    assert!(
        nacl_hop.rule.starts_with("inbound rule 100: allow"),
        "{}",
        nacl_hop.rule
    );
    assert!(nacl_hop.location.as_ref().unwrap().line > 0);
}

#[test]
fn trap_34_eip_on_secondary_ip_is_exposed() {
    let app = "  - name: app-1
    subnet: app
    private_ips:
      - {address: 10.0.1.10}
      - {address: 10.0.1.11, public_ip: 203.0.113.77, eip_allocation: eipalloc-0abc}
    security_groups: [sg-app]";
    let t = topo(NAT_ROUTE, "", SSH_FROM_ANYWHERE, app, "");
    let r = exposure(&t);
    let f = violation_on(&r, "app-1");
    let w = f.witness.as_ref().unwrap();
    assert_eq!(w.packet.dst, "203.0.113.77");
    assert!(w.path[0].rule.contains("10.0.1.11"));
}

#[test]
fn load_balancer_only_on_listener_ports_is_proven() {
    let extra = "load_balancers:
  - name: alb
    type: application
    scheme: internet-facing
    ip_address_type: dualstack
    subnets: [pub]
    security_groups: [sg-app]
    listeners: [{protocol: HTTPS, port: 443}]";
    let app = "  - name: app-1
    subnet: app
    private_ips: [{address: 10.0.1.10}]
    security_groups: [sg-app]";
    // The ALB's SG allows everything, but the ALB answers only on its listener.
    let t = topo(
        NAT_ROUTE,
        "",
        "      - {protocol: all, cidr: 0.0.0.0/0}\n      - {protocol: all, cidr: \"::/0\"}",
        app,
        extra,
    );
    let r = exposure(&t);
    assert_eq!(r.verdict, Verdict::Proven, "{r:#?}");
    assert!(
        r.summary.contains("only alb (tcp/443 from 0.0.0.0/0"),
        "{}",
        r.summary
    );
}

#[test]
fn unknown_prefix_list_entries_make_exposure_unknown() {
    let extra = "prefix_lists:
  - {name: pl-partners}";
    let sg = "      - {protocol: tcp, ports: 22, prefix_list: pl-partners}";
    let t = topo(NAT_ROUTE, "", sg, APP_WITH_PUBLIC_IP, extra);
    let r = exposure(&t);
    assert_eq!(r.verdict, Verdict::Unknown, "{r:#?}");
}

#[test]
fn recorded_gap_makes_exposure_unknown() {
    let extra = "gaps:
  - {what: \"describe-network-interfaces: AccessDenied\", affects: [public-exposure]}";
    let app = "  - name: app-1
    subnet: app
    private_ips: [{address: 10.0.1.10}]
    security_groups: [sg-app]";
    let t = topo(NAT_ROUTE, "", SSH_FROM_ANYWHERE, app, extra);
    assert_eq!(exposure(&t).verdict, Verdict::Unknown);
}

// ----- private-service-access (traps 7–13, 37) --------------------------------

use netverify::checks::private_service_access;

/// A VPC in us-east-1 with two app subnets (`app-a` on `rtb-a`, `app-b` on
/// `rtb-b`, both `0.0.0.0/0 → nat`), S3 and DynamoDB gateway endpoints on
/// both tables, and ECR interface endpoints with private DNS in subnet
/// `ep`. `edit` rewrites the YAML (a list of `(from, to)` replacements) so
/// each trap test states exactly its one change.
fn psa_topo(edits: &[(&str, &str)]) -> Topology {
    let mut yaml = r#"version: 1
region: us-east-1
vpcs:
  - {name: vpc, cidrs: [10.0.0.0/16], dns_support: true, dns_hostnames: true}
internet_gateways:
  - {name: igw, vpc: vpc}
subnets:
  - {name: pub, vpc: vpc, cidr: 10.0.0.0/24, route_table: rtb-pub}
  - {name: app-a, vpc: vpc, cidr: 10.0.1.0/24, route_table: rtb-a}
  - {name: app-b, vpc: vpc, cidr: 10.0.2.0/24, route_table: rtb-b}
  - {name: ep, vpc: vpc, cidr: 10.0.9.0/24, route_table: rtb-main}
route_tables:
  - {name: rtb-main, vpc: vpc, main: true}
  - name: rtb-pub
    vpc: vpc
    routes:
      - {destination: 0.0.0.0/0, target: igw}
  - name: rtb-a
    vpc: vpc
    routes:
      - {destination: 0.0.0.0/0, target: nat}
  - name: rtb-b
    vpc: vpc
    routes:
      - {destination: 0.0.0.0/0, target: nat}
nat_gateways:
  - {name: nat, subnet: pub, private_ip: 10.0.0.5, public_ip: 198.51.100.5}
prefix_lists:
  - {name: s3-pl, aws_id: pl-63a5400a, service: com.amazonaws.us-east-1.s3, entries: [52.216.0.0/15, 3.5.0.0/19]}
  - {name: ddb-pl, aws_id: pl-02cd2c6b, service: com.amazonaws.us-east-1.dynamodb, entries: [52.94.0.0/22]}
vpc_endpoints:
  - {name: vpce-s3, aws_id: vpce-0s3, vpc: vpc, type: gateway, service: com.amazonaws.us-east-1.s3, prefix_list: s3-pl, route_tables: [rtb-a, rtb-b]}
  - {name: vpce-ddb, vpc: vpc, type: gateway, service: com.amazonaws.us-east-1.dynamodb, prefix_list: ddb-pl, route_tables: [rtb-a, rtb-b]}
  - {name: vpce-ecr-api, vpc: vpc, type: interface, service: com.amazonaws.us-east-1.ecr.api, subnets: [ep], security_groups: [sg-ep]}
  - {name: vpce-ecr-dkr, vpc: vpc, type: interface, service: com.amazonaws.us-east-1.ecr.dkr, subnets: [ep], security_groups: [sg-ep]}
security_groups:
  - name: sg-app
    vpc: vpc
    egress:
      - {protocol: all, cidr: 0.0.0.0/0}
  - name: sg-ep
    vpc: vpc
    ingress:
      - {protocol: tcp, ports: 443, security_group: sg-app}
network_interfaces:
  - {name: app-1, subnet: app-a, private_ips: [{address: 10.0.1.10}], security_groups: [sg-app]}
  - {name: app-2, subnet: app-b, private_ips: [{address: 10.0.2.10}], security_groups: [sg-app]}
  - {name: ecr-api-eni, subnet: ep, owner: {vpc_endpoint: vpce-ecr-api}, private_ips: [{address: 10.0.9.10}], security_groups: [sg-ep]}
  - {name: ecr-dkr-eni, subnet: ep, owner: {vpc_endpoint: vpce-ecr-dkr}, private_ips: [{address: 10.0.9.20}], security_groups: [sg-ep]}
"#
    .to_string();
    for (from, to) in edits {
        assert!(
            yaml.contains(from),
            "edit target `{from}` not in the topology"
        );
        yaml = yaml.replacen(from, to, 1);
    }
    match load_str(&yaml, "psa.yaml") {
        Ok(t) => t,
        Err(e) => panic!("{}\n---\n{yaml}", e.render(Some(&yaml))),
    }
}

fn psa(t: &Topology) -> CheckResult {
    private_service_access::run(&Engine::new(t))
}

/// The findings of `kind` about `resource`, with their messages.
fn psa_findings<'a>(r: &'a CheckResult, kind: FindingKind, resource: &str) -> Vec<&'a str> {
    r.findings
        .iter()
        .filter(|f| f.kind == kind && f.resource == resource)
        .map(|f| f.message.as_str())
        .collect()
}

#[test]
fn psa_reference_is_proven() {
    let r = psa(&psa_topo(&[]));
    assert_eq!(r.verdict, Verdict::Proven, "{:#?}", r.findings);
    assert_eq!(
        r.summary,
        "2 workloads × 3 services; S3 and DynamoDB via gateway endpoints, ECR via interface endpoints"
    );
}

#[test]
fn trap_07_gateway_endpoint_on_one_table_only() {
    // app-b falls back to the main table, which routes to the NAT gateway.
    let t = psa_topo(&[
        (
            "{name: app-b, vpc: vpc, cidr: 10.0.2.0/24, route_table: rtb-b}",
            "{name: app-b, vpc: vpc, cidr: 10.0.2.0/24}",
        ),
        (
            "  - {name: rtb-main, vpc: vpc, main: true}",
            "  - {name: rtb-main, aws_id: rtb-0main, vpc: vpc, main: true, routes: [{destination: 0.0.0.0/0, target: nat}]}",
        ),
    ]);
    let r = psa(&t);
    assert_eq!(r.verdict, Verdict::Violated);
    let msgs = psa_findings(&r, FindingKind::Violation, "app-2");
    let s3 = msgs
        .iter()
        .find(|m| m.contains("(s3)"))
        .expect("an S3 leak finding on app-2");
    assert!(
        s3.contains("leaves the VPC through NAT gateway `nat`"),
        "{s3}"
    );
    assert!(s3.contains("no route for `pl-63a5400a`"), "{s3}");
    assert!(s3.contains("associate vpce-0s3 with rtb-0main"), "{s3}");
    // The witness names the main table's route, with its location.
    let f = r
        .findings
        .iter()
        .find(|f| f.resource == "app-2" && f.message.contains("(s3)"))
        .unwrap();
    let w = f.witness.as_ref().expect("a witness");
    assert!(
        w.path
            .iter()
            .any(|h| h.component == "rtb-main" && h.location.is_some())
    );
    assert!(psa_findings(&r, FindingKind::Violation, "app-1").is_empty());
}

#[test]
fn trap_08_more_specific_route_beats_prefix_list_entry() {
    let t = psa_topo(&[(
        "  - name: rtb-b\n    vpc: vpc\n    routes:\n      - {destination: 0.0.0.0/0, target: nat}",
        "  - name: rtb-b\n    vpc: vpc\n    routes:\n      - {destination: 0.0.0.0/0, target: nat}\n      - {destination: 52.216.0.0/16, target: nat}",
    )]);
    let r = psa(&t);
    assert_eq!(r.verdict, Verdict::Violated);
    let msgs = psa_findings(&r, FindingKind::Violation, "app-2");
    let s3 = msgs.iter().find(|m| m.contains("(s3)")).unwrap();
    assert!(
        s3.contains("52.216."),
        "the witness is in the overlapping slice: {s3}"
    );
    assert!(s3.contains("more specific than"), "{s3}");
    assert!(
        s3.contains("remove or narrow the route `52.216.0.0/16 → nat`"),
        "{s3}"
    );
    // The other half of the /15 still takes the endpoint: one leak only.
    assert_eq!(
        msgs.iter()
            .filter(|m| m.starts_with("`app-2` →") && m.contains("(s3)"))
            .count(),
        1
    );
}

#[test]
fn c_3_5_less_specific_overlapping_route_is_unknown() {
    // 52.0.0.0/8 → nat is less specific than the endpoint's entries: AWS's
    // current text says the entry wins, an older one says the static route.
    let t = psa_topo(&[(
        "  - name: rtb-b\n    vpc: vpc\n    routes:\n      - {destination: 0.0.0.0/0, target: nat}",
        "  - name: rtb-b\n    vpc: vpc\n    routes:\n      - {destination: 0.0.0.0/0, target: nat}\n      - {destination: 52.0.0.0/8, target: nat}",
    )]);
    let r = psa(&t);
    assert_eq!(r.verdict, Verdict::Unknown, "{:#?}", r.findings);
    let msgs = psa_findings(&r, FindingKind::Unknown, "app-2");
    assert!(msgs.iter().any(|m| m.contains("C-3.5")), "{msgs:?}");
}

#[test]
fn trap_09_s3_interface_endpoint_with_inbound_only_private_dns() {
    let t = psa_topo(&[
        ("route_tables: [rtb-a, rtb-b]}", "route_tables: [rtb-a]}"),
        (
            "  - {name: vpce-ecr-api,",
            "  - {name: vpce-s3-if, vpc: vpc, type: interface, service: com.amazonaws.us-east-1.s3, subnets: [ep], security_groups: [sg-ep], private_dns: true, private_dns_only_for_inbound_resolver_endpoint: true}\n  - {name: vpce-ecr-api,",
        ),
        (
            "  - {name: ecr-api-eni,",
            "  - {name: s3-if-eni, subnet: ep, owner: {vpc_endpoint: vpce-s3-if}, private_ips: [{address: 10.0.9.30}], security_groups: [sg-ep]}\n  - {name: ecr-api-eni,",
        ),
    ]);
    let r = psa(&t);
    assert_eq!(r.verdict, Verdict::Violated);
    let msgs = psa_findings(&r, FindingKind::Violation, "app-2");
    assert!(
        msgs.iter()
            .any(|m| m.contains("(s3)") && m.contains("NAT gateway `nat`")),
        "{msgs:?}"
    );
    // Without the inbound-only flag, the name resolves to the interface
    // endpoint: app-2 reaches S3 privately through it, but the S3 ranges
    // (prefix list) still leave through the NAT gateway from app-b.
    let full = psa_topo(&[
        ("route_tables: [rtb-a, rtb-b]}", "route_tables: [rtb-a]}"),
        (
            "  - {name: vpce-ecr-api,",
            "  - {name: vpce-s3-if, vpc: vpc, type: interface, service: com.amazonaws.us-east-1.s3, subnets: [ep], security_groups: [sg-ep], private_dns: true}\n  - {name: vpce-ecr-api,",
        ),
        (
            "  - {name: ecr-api-eni,",
            "  - {name: s3-if-eni, subnet: ep, owner: {vpc_endpoint: vpce-s3-if}, private_ips: [{address: 10.0.9.30}], security_groups: [sg-ep]}\n  - {name: ecr-api-eni,",
        ),
    ]);
    let r = psa(&full);
    assert_eq!(r.verdict, Verdict::Violated);
}

#[test]
fn trap_10_bucket_in_another_region_is_not_covered() {
    let t = psa_topo(&[
        (
            "  - {name: ddb-pl,",
            "  - {name: s3-pl-eu, service: com.amazonaws.eu-west-1.s3, entries: [52.218.0.0/17]}\n  - {name: ddb-pl,",
        ),
        (
            "network_interfaces:",
            "policy:\n  private_service_access:\n    uses:\n      - {workloads: [app-1], buckets: [archive]}\n    buckets:\n      - name: archive\n        region: eu-west-1\n        policy: {Statement: [{Effect: Deny, Action: \"s3:*\", Resource: \"*\", Condition: {Bool: {\"aws:SecureTransport\": \"false\"}}}, {Effect: Deny, Action: \"s3:*\", Resource: \"*\", Condition: {StringNotEquals: {\"aws:SourceVpce\": vpce-0s3}}}]}\nnetwork_interfaces:",
        ),
    ]);
    let r = psa(&t);
    assert_eq!(r.verdict, Verdict::Violated, "{:#?}", r.findings);
    let msgs = psa_findings(&r, FindingKind::Violation, "app-1");
    assert!(
        msgs.iter()
            .any(|m| m.contains("52.218.") && m.contains("C-13.2")),
        "{msgs:?}"
    );
    // app-2 uses nothing.
    assert!(r.findings.iter().all(|f| f.resource != "app-2"));
}

#[test]
fn trap_11_private_dns_needs_dns_hostnames() {
    let t = psa_topo(&[("dns_hostnames: true", "dns_hostnames: false")]);
    let r = psa(&t);
    assert_eq!(r.verdict, Verdict::Violated);
    let msgs = psa_findings(&r, FindingKind::Violation, "vpc");
    assert_eq!(msgs.len(), 2, "ecr.api and ecr.dkr: {msgs:?}");
    assert!(msgs.iter().all(|m| m.contains("enableDnsHostnames")));
    // S3 and DynamoDB do not depend on private DNS.
    assert!(r.findings.iter().all(|f| !f.message.contains("(s3)")));
}

#[test]
fn trap_12_ecr_layers_need_private_s3() {
    let t = psa_topo(&[(
        "prefix_list: s3-pl, route_tables: [rtb-a, rtb-b]}",
        "prefix_list: s3-pl, route_tables: []}",
    )]);
    let r = psa(&t);
    assert_eq!(r.verdict, Verdict::Violated);
    let msgs = psa_findings(&r, FindingKind::Violation, "app-1");
    assert!(
        msgs.iter()
            .any(|m| m.starts_with("ECR image layers come from S3") && m.contains("trap 12")),
        "{msgs:?}"
    );
    // The ECR endpoints themselves are fine.
    assert!(!msgs.iter().any(|m| m.contains("ecr.api privately")));
}

#[test]
fn ecr_layers_need_an_endpoint_policy_that_allows_the_layer_bucket() {
    let t = psa_topo(&[(
        "prefix_list: s3-pl, route_tables: [rtb-a, rtb-b]}",
        "prefix_list: s3-pl, route_tables: [rtb-a, rtb-b], policy: {Statement: [{Effect: Allow, Principal: \"*\", Action: \"s3:GetObject\", Resource: \"arn:aws:s3:::prod-data/*\"}]}}",
    )]);
    let r = psa(&t);
    assert_eq!(r.verdict, Verdict::Violated);
    let msgs = psa_findings(&r, FindingKind::Violation, "vpce-s3");
    assert!(
        msgs.iter().any(|m| m.contains("starport-layer-bucket")),
        "{msgs:?}"
    );
}

#[test]
fn trap_13_custom_dhcp_dns_is_unknown() {
    let t = psa_topo(&[(
        "dns_hostnames: true}",
        "dns_hostnames: true, dhcp_options: {domain_name_servers: [10.0.0.53]}}",
    )]);
    let r = psa(&t);
    assert_eq!(r.verdict, Verdict::Unknown, "{:#?}", r.findings);
    let msgs = psa_findings(&r, FindingKind::Unknown, "vpc");
    assert!(
        msgs.iter()
            .any(|m| m.contains("trap 13") && m.contains("10.0.0.53"))
    );
}

#[test]
fn trap_37_source_ip_condition_breaks_endpoint_access() {
    let t = psa_topo(&[(
        "network_interfaces:",
        "policy:\n  private_service_access:\n    buckets:\n      - name: data\n        policy: {Statement: [{Effect: Deny, Action: \"s3:*\", Resource: \"*\", Condition: {Bool: {\"aws:SecureTransport\": \"false\"}}}, {Effect: Deny, Action: \"s3:*\", Resource: \"*\", Condition: {StringNotEquals: {\"aws:SourceVpce\": vpce-0s3}}}, {Effect: Deny, Action: \"s3:*\", Resource: \"*\", Condition: {NotIpAddress: {\"aws:SourceIp\": 198.51.100.5/32}}}]}\nnetwork_interfaces:",
    )]);
    let r = psa(&t);
    assert_eq!(r.verdict, Verdict::Violated);
    let msgs = psa_findings(&r, FindingKind::Violation, "data");
    assert_eq!(msgs.len(), 1, "only the SourceIp statement: {msgs:?}");
    assert!(msgs[0].contains("trap 37") && msgs[0].contains("aws:VpcSourceIp"));
}

#[test]
fn bucket_policy_without_tls_deny_or_endpoint_restriction() {
    let t = psa_topo(&[(
        "network_interfaces:",
        "policy:\n  private_service_access:\n    buckets:\n      - {name: open, policy: {Statement: [{Effect: Allow, Principal: \"*\", Action: \"s3:GetObject\", Resource: \"*\"}]}}\n      - {name: none}\nnetwork_interfaces:",
    )]);
    let r = psa(&t);
    assert_eq!(r.verdict, Verdict::Violated);
    let open = psa_findings(&r, FindingKind::Violation, "open");
    assert!(
        open.iter()
            .any(|m| m.contains("does not deny requests without TLS"))
    );
    assert!(
        open.iter()
            .any(|m| m.contains("not restricted to the VPC endpoint"))
    );
    assert_eq!(psa_findings(&r, FindingKind::Violation, "none").len(), 1);
}

#[test]
fn closed_endpoint_path_names_the_blocking_rule() {
    // The endpoints' group admits tcp/80 only: nothing leaks, but the
    // private path is closed, which is a violation, not a pass.
    let t = psa_topo(&[(
        "      - {protocol: tcp, ports: 443, security_group: sg-app}",
        "      - {protocol: tcp, ports: 80, security_group: sg-app}",
    )]);
    let r = psa(&t);
    assert_eq!(r.verdict, Verdict::Violated);
    let f = r
        .findings
        .iter()
        .find(|f| f.resource == "app-1" && f.message.contains("ecr.api privately"))
        .expect("a closed-path finding");
    assert!(f.message.contains("sg-ep"), "{}", f.message);
    // And a NACL that denies the replies (stateless, C-4.3).
    let t = psa_topo(&[
        (
            "{name: ep, vpc: vpc, cidr: 10.0.9.0/24, route_table: rtb-main}",
            "{name: ep, vpc: vpc, cidr: 10.0.9.0/24, route_table: rtb-main, network_acl: acl-ep}",
        ),
        (
            "\nsecurity_groups:\n",
            "\nnetwork_acls:\n  - name: acl-ep\n    vpc: vpc\n    ingress:\n      - {rule: 100, action: allow, protocol: tcp, ports: 443, cidr: 10.0.0.0/16}\n    egress:\n      - {rule: 100, action: allow, protocol: tcp, ports: 49152-65535, cidr: 10.0.0.0/16}\nsecurity_groups:\n",
        ),
    ]);
    let r = psa(&t);
    let f = r
        .findings
        .iter()
        .find(|f| f.resource == "app-1" && f.message.contains("replies from"))
        .expect("a closed reply path");
    assert!(f.message.contains("acl-ep"), "{}", f.message);
    assert!(f.location.is_some(), "the blocking rule has a location");
}

#[test]
fn unknown_service_prefix_list_is_not_guessed() {
    let t = psa_topo(&[("entries: [52.216.0.0/15, 3.5.0.0/19]}", "}")]);
    let r = psa(&t);
    assert_ne!(r.verdict, Verdict::Proven);
}

#[test]
fn route_to_a_peering_connection_reaches_no_endpoint() {
    // A peer cannot use this VPC's gateway endpoint (C-8.3, C-13.4). With
    // peering modelled (C-8.2), the S3 packet sent over the peering is
    // dropped (its destination is not in the peer's CIDR): no leak, but S3
    // is not reachable privately either, so the check is still violated.
    let t = psa_topo(&[
        (
            "  - {name: vpc, cidrs: [10.0.0.0/16], dns_support: true, dns_hostnames: true}",
            "  - {name: vpc, cidrs: [10.0.0.0/16], dns_support: true, dns_hostnames: true}\n  - {name: peer, cidrs: [10.1.0.0/16], dns_support: true, dns_hostnames: true}\npeering_connections:\n  - {name: pcx, requester_vpc: peer, accepter_vpc: vpc}",
        ),
        (
            "  - {name: ep, vpc: vpc,",
            "  - {name: peer-a, vpc: peer, cidr: 10.1.0.0/24, route_table: rtb-peer}\n  - {name: ep, vpc: vpc,",
        ),
        (
            "  - {name: rtb-main, vpc: vpc, main: true}",
            "  - {name: rtb-main, vpc: vpc, main: true}\n  - {name: rtb-peer, vpc: peer, routes: [{prefix_list: s3-pl, target: pcx}]}",
        ),
        (
            "  - name: sg-ep",
            "  - {name: sg-peer, vpc: peer, egress: [{protocol: tcp, ports: 443, cidr: 0.0.0.0/0}]}\n  - name: sg-ep",
        ),
        (
            "  - {name: ecr-api-eni,",
            "  - {name: peer-1, subnet: peer-a, private_ips: [{address: 10.1.0.10}], security_groups: [sg-peer]}\n  - {name: ecr-api-eni,",
        ),
        (
            "network_interfaces:",
            "policy:\n  private_service_access:\n    uses:\n      - {workloads: [app-1, app-2], services: [s3, dynamodb, ecr]}\n      - {workloads: [peer-1], services: [s3]}\nnetwork_interfaces:",
        ),
    ]);
    let r = psa(&t);
    assert_eq!(r.verdict, Verdict::Violated, "{:#?}", r.findings);
    let msgs = psa_findings(&r, FindingKind::Violation, "peer-1");
    assert!(
        msgs.iter().any(|m| m.contains("cannot reach S3 privately")
            && m.contains("`rtb-peer`")
            && m.contains("dropped")),
        "{msgs:?}"
    );
}

#[test]
fn lambda_interfaces_are_workloads_by_default_rds_interfaces_are_not() {
    // Two service interfaces in app-b, whose table falls back to nothing
    // private: only the Lambda one is asked about.
    let t = psa_topo(&[
        (
            "{name: app-b, vpc: vpc, cidr: 10.0.2.0/24, route_table: rtb-b}",
            "{name: app-b, vpc: vpc, cidr: 10.0.2.0/24}",
        ),
        (
            "  - {name: app-2, subnet: app-b, private_ips: [{address: 10.0.2.10}], security_groups: [sg-app]}",
            "  - {name: fn-1, subnet: app-b, owner: {service: lambda}, private_ips: [{address: 10.0.2.10}], security_groups: [sg-app]}\n  - {name: db-1, subnet: app-b, owner: {service: rds}, private_ips: [{address: 10.0.2.11}], security_groups: [sg-app]}",
        ),
    ]);
    let r = psa(&t);
    assert_eq!(r.verdict, Verdict::Violated);
    assert!(!psa_findings(&r, FindingKind::Violation, "fn-1").is_empty());
    assert!(
        r.findings
            .iter()
            .all(|f| f.resource != "db-1" && !f.message.contains("`db-1`"))
    );
}

fn hybrid_fixture(name: &str) -> String {
    let path = format!(
        "{}/tests/fixtures/transit-encryption/{name}.yaml",
        env!("CARGO_MANIFEST_DIR")
    );
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
}

#[test]
fn trap_22_internet_facing_alb_with_an_on_prem_ip_target_exposes_on_prem() {
    use netverify::checks::transit_encryption;
    let yaml = hybrid_fixture("fail-trap-22-alb-ip-target-on-prem");
    let t = load_str(&yaml, "trap22.yaml").unwrap();
    // The engine follows the node's leg through its subnet's table to the
    // transit gateway and out over the transit VIF (C-14.3).
    let node = t
        .enis
        .iter()
        .position(|e| e.meta.name == "web-alb-pub-a")
        .unwrap();
    let leg = Packet::tcp(ip("10.0.1.4"), ip("10.50.1.10"), 40000, 8443);
    assert!(
        ends_of(&t, Origin::Eni(node), &leg)
            .iter()
            .any(|e| matches!(e, End::OnPrem(_))),
        "{:?}",
        ends_of(&t, Origin::Eni(node), &leg)
    );
    let r = exposure(&t);
    assert_eq!(r.verdict, Verdict::Violated, "{:#?}", r.findings);
    let f = violation_on(&r, "web-alb");
    assert!(
        f.message.contains("the internet reaches on prem"),
        "{}",
        f.message
    );
    assert!(f.message.contains("10.50.1.10"), "{}", f.message);
    assert!(
        f.message.contains("virtual interface `vif-transit`"),
        "{}",
        f.message
    );
    let w = f.witness.as_ref().unwrap();
    assert!(w.path.iter().any(|h| h.component == "trt"), "{w:#?}");
    assert!(
        w.path.iter().any(|h| h.component == "vif-transit"),
        "{w:#?}"
    );
    // The leg crosses Direct Connect without MACsec: transit-encryption too.
    let te = transit_encryption::run(&Engine::new(&t));
    assert_eq!(te.verdict, Verdict::Violated);
    assert!(te.findings.iter().any(|f| {
        f.kind == FindingKind::Violation
            && f.resource.starts_with("web-alb")
            && f.message
                .contains("unencrypted over virtual interface `vif-transit`")
    }));
    // An internal load balancer is not an internet path (C-14.1).
    let internal = yaml.replace("scheme: internet-facing", "scheme: internal");
    let r = exposure(&load_str(&internal, "trap22.yaml").unwrap());
    assert_eq!(r.verdict, Verdict::Proven, "{:#?}", r.findings);
    // Nor is a target the load balancer's group cannot send to.
    let closed = yaml.replace(
        "{ protocol: tcp, ports: 8443, cidr: 10.50.0.0/16 }",
        "{ protocol: tcp, ports: 8443, cidr: 10.0.0.0/16 }",
    );
    let r = exposure(&load_str(&closed, "trap22.yaml").unwrap());
    assert_eq!(r.verdict, Verdict::Proven, "{:#?}", r.findings);
}
