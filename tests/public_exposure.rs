//! Regression tests for the `public-exposure` check and its summaries.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "test helpers fail by panicking"
)]

use netverify::checks::public_exposure;
use netverify::engine::{Engine, summarize_flows};
use netverify::hs::{HeaderSet, IntervalSet, PROTO, SRC, net_set};
use netverify::model::{Topology, load_str};
use netverify::report::{FindingKind, Verdict};

fn load(yaml: &str) -> Topology {
    load_str(yaml, "t.yaml").unwrap_or_else(|e| panic!("{}", e.render(Some(yaml))))
}

const TWO_LBS: &str = r#"version: 1
vpcs:
  - {name: vpc, cidrs: [10.0.0.0/16]}
internet_gateways:
  - {name: igw, vpc: vpc}
subnets:
  - {name: pub, vpc: vpc, cidr: 10.0.0.0/24}
route_tables:
  - name: rtb
    vpc: vpc
    main: true
    routes: [{destination: 0.0.0.0/0, target: igw}]
security_groups:
  - name: sg-lb
    vpc: vpc
    ingress: [{protocol: tcp, ports: 443, cidr: 0.0.0.0/0}]
    egress: [{protocol: all, cidr: 0.0.0.0/0}]
  - name: sg-app
    vpc: vpc
    ingress: [{protocol: tcp, ports: 8443, security_group: sg-lb}]
    egress: [{protocol: all, cidr: 0.0.0.0/0}]
instances:
  - {name: app}
load_balancers:
  - {name: lb-a, type: application, scheme: internet-facing, subnets: [pub], security_groups: [sg-lb], listeners: [{protocol: HTTPS, port: 443, target_group: tg}]}
  - {name: lb-b, type: application, scheme: internet-facing, subnets: [pub], security_groups: [sg-lb], listeners: [{protocol: HTTPS, port: 443, target_group: tg}]}
target_groups:
  - {name: tg, target_type: instance, protocol: HTTPS, port: 8443, targets: [{instance: app}]}
network_interfaces:
  - {name: a-1, subnet: pub, owner: {load_balancer: lb-a}, private_ips: [{address: 10.0.0.10, public_ip: 203.0.113.10}], security_groups: [sg-lb]}
  - {name: b-1, subnet: pub, owner: {load_balancer: lb-b}, private_ips: [{address: 10.0.0.20, public_ip: 203.0.113.20}], security_groups: [sg-lb]}
  - {name: a-2, subnet: pub, owner: {load_balancer: lb-a}, private_ips: [{address: 10.0.0.11, public_ip: 203.0.113.11}], security_groups: [sg-lb]}
  - {name: app-eni, subnet: pub, instance: app, private_ips: [{address: 10.0.0.50}], security_groups: [sg-app]}
"#;

#[test]
fn lb_notes_are_not_repeated_when_lb_nodes_interleave() {
    let t = load(TWO_LBS);
    let r = public_exposure::run(&Engine::new(&t));
    assert_eq!(r.verdict, Verdict::Proven, "{r:#?}");
    let notes: Vec<&str> = r
        .findings
        .iter()
        .filter(|f| f.kind == FindingKind::Info)
        .map(|f| f.message.as_str())
        .collect();
    assert_eq!(
        notes.len(),
        2,
        "one note per load balancer and target: {notes:#?}"
    );
    assert!(
        notes
            .iter()
            .any(|n| n.starts_with("`lb-a` listener 443 → `app-eni`"))
    );
    assert!(
        notes
            .iter()
            .any(|n| n.starts_with("`lb-b` listener 443 → `app-eni`"))
    );
}

#[test]
fn flow_summary_keeps_ports_with_their_own_sources() {
    let t = load(TWO_LBS);
    let a = net_set(&"203.0.113.0/24".parse().unwrap());
    let b = net_set(&"198.51.100.0/24".parse().unwrap());
    let tcp = IntervalSet::point(6);
    let mut set = HeaderSet::universe()
        .restrict(PROTO, &tcp)
        .restrict(SRC, &a)
        .restrict(netverify::hs::DPORT, &IntervalSet::point(22));
    set.append(
        HeaderSet::universe()
            .restrict(PROTO, &tcp)
            .restrict(SRC, &b)
            .restrict(netverify::hs::DPORT, &IntervalSet::point(80)),
    );
    let s = summarize_flows(&t, &set);
    assert_eq!(s.len(), 2, "{s:#?}");
    assert_eq!(
        (s[0].ports.clone(), s[0].sources.clone()),
        (vec!["22".to_string()], vec!["203.0.113.0/24".to_string()])
    );
    assert_eq!(
        (s[1].ports.clone(), s[1].sources.clone()),
        (vec!["80".to_string()], vec!["198.51.100.0/24".to_string()])
    );
}

#[test]
fn protocol_58_over_ipv4_is_not_summarised_as_icmpv6() {
    let t = load(TWO_LBS);
    let v4 = HeaderSet::family(true).restrict(PROTO, &IntervalSet::point(58));
    let s = summarize_flows(&t, &v4);
    assert_eq!(s.len(), 1);
    assert_eq!(s[0].protocol, "protocols 58");
    assert!(s[0].ports.is_empty());
}

#[test]
fn forbidden_load_balancer_is_a_violation() {
    // Both LBs are internet-facing and only on their listener; forbidding
    // one makes its exposure a violation, and leaves the other allowed.
    let yaml = format!("{TWO_LBS}policy:\n  public_exposure:\n    forbid: [lb-b]\n");
    let t = load(&yaml);
    let r = public_exposure::run(&Engine::new(&t));
    assert_eq!(r.verdict, Verdict::Violated);
    let v: Vec<&str> = r
        .findings
        .iter()
        .filter(|f| f.kind == FindingKind::Violation)
        .map(|f| f.resource.as_str())
        .collect();
    assert_eq!(v, vec!["lb-b"]);
    let f = r
        .findings
        .iter()
        .find(|f| f.resource == "lb-b" && f.kind == FindingKind::Violation)
        .unwrap();
    assert_eq!(f.flows[0].ports, vec!["443"]);
    assert!(
        f.message.starts_with("application load balancer `lb-b`"),
        "{}",
        f.message
    );
}

#[test]
fn explicit_allow_narrows_a_load_balancer_to_its_sources() {
    // An explicit allow replaces the default listener allowance: lb-a may
    // only be reached from 198.51.100.0/24.
    let yaml = format!(
        "{TWO_LBS}policy:\n  public_exposure:\n    allow:\n      - {{resource: lb-a, ports: [tcp/443], from: [198.51.100.0/24]}}\n"
    );
    let t = load(&yaml);
    let r = public_exposure::run(&Engine::new(&t));
    let f = r
        .findings
        .iter()
        .find(|f| f.kind == FindingKind::Violation && f.resource == "lb-a")
        .unwrap_or_else(|| panic!("{r:#?}"));
    assert_eq!(f.flows[0].sources, vec!["0.0.0.0/0 except 198.51.100.0/24"]);
    assert!(
        !r.findings
            .iter()
            .any(|f| f.kind == FindingKind::Violation && f.resource == "lb-b")
    );
}

#[test]
fn interface_endpoint_without_security_groups_is_unknown_not_closed() {
    // AWS gives it the VPC's default group, whose rules the file does not
    // name: treating it as closed could hide an exposure (fail closed).
    let yaml = r#"version: 1
vpcs:
  - {name: vpc, cidrs: [10.0.0.0/16], ipv6_cidrs: ["2600:1f00::/56"]}
internet_gateways:
  - {name: igw, vpc: vpc}
subnets:
  - {name: app, vpc: vpc, cidr: 10.0.1.0/24, ipv6_cidr: "2600:1f00:0:1::/64"}
vpc_endpoints:
  - {name: ep-sqs, vpc: vpc, type: interface, service: com.amazonaws.us-east-1.sqs, subnets: [app]}
network_interfaces:
  - {name: ep-sqs-eni, subnet: app, owner: {vpc_endpoint: ep-sqs}, private_ips: [{address: 10.0.1.20}], ipv6_addresses: ["2600:1f00:0:1::20"]}
"#;
    let t = load(yaml);
    let r = public_exposure::run(&Engine::new(&t));
    assert_eq!(r.verdict, Verdict::Unknown, "{r:#?}");
    let p = netverify::hs::Packet::tcp(
        "2a00::7".parse().unwrap(),
        "2600:1f00:0:1::20".parse().unwrap(),
        40000,
        443,
    );
    let sim = netverify::sim::simulate(&t, netverify::model::Origin::Internet, &p);
    assert!(
        sim.fates
            .iter()
            .any(|f| matches!(f, netverify::sim::Fate::Unknown { .. })),
        "{:?}",
        sim.fates
    );
}
