#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "test helpers fail by panicking"
)]

//! One test per trap of AWS-SEMANTICS.md §16 that the core engine covers,
//! named after the trap. Each runs the symbolic engine (and the
//! `public-exposure` check where the trap is about exposure).

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
