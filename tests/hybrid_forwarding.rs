#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "test helpers fail by panicking"
)]

//! Forwarding through peering, transit gateways and VGWs, and from on prem:
//! the traps of AWS-SEMANTICS.md §16 that these paths decide, each checked in
//! the symbolic engine and in the per-packet simulator.

use std::collections::BTreeSet;
use std::net::IpAddr;

use netverify::engine::{End, Engine, Origin};
use netverify::hs::{HeaderSet, Packet};
use netverify::model::{OnPremId, OnPremVia, Topology, VpnId, load_str};
use netverify::sim::{self, Fate};

#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
enum K {
    Delivered(String),
    OnPrem(String),
    Internet,
    Endpoint,
    Unknown,
}

fn via_name(t: &Topology, v: OnPremVia) -> String {
    t.hybrid.via_meta(v).name.clone()
}

/// What the engine and the simulator both say happens to `p` from `origin`.
#[track_caller]
fn fate(t: &Topology, origin: Origin, p: &Packet) -> BTreeSet<K> {
    let engine = Engine::new(t);
    let reach = engine.reach(origin, &HeaderSet::universe());
    let e: BTreeSet<K> = reach
        .flows
        .iter()
        .filter(|f| f.set.contains(p))
        .map(|f| match &f.end {
            End::Delivered(x) => K::Delivered(t.enis[*x].meta.name.clone()),
            End::OnPrem(v) => K::OnPrem(via_name(t, *v)),
            End::Internet => K::Internet,
            End::Endpoint(_) => K::Endpoint,
            End::Unknown(_) => K::Unknown,
        })
        .collect();
    let out = sim::simulate(t, origin, p);
    let s: BTreeSet<K> = out
        .fates
        .iter()
        .filter_map(|f| match f {
            Fate::Delivered { eni } => Some(K::Delivered(t.enis[*eni].meta.name.clone())),
            Fate::OnPrem { via } => Some(K::OnPrem(via_name(t, *via))),
            Fate::Internet => Some(K::Internet),
            Fate::Endpoint { .. } => Some(K::Endpoint),
            Fate::Unknown { .. } => Some(K::Unknown),
            Fate::Dropped { .. } => None,
        })
        .collect();
    assert_eq!(
        e,
        s,
        "engine and simulator disagree; sim trace:\n{}",
        out.trace.join("\n")
    );
    e
}

fn tcp(src: &str, dst: &str, port: u16) -> Packet {
    let s: IpAddr = src.parse().unwrap();
    let d: IpAddr = dst.parse().unwrap();
    Packet::tcp(s, d, 40000, port)
}

fn load(yaml: &str) -> Topology {
    match load_str(yaml, "t.yaml") {
        Ok(t) => t,
        Err(e) => panic!("{}", e.render(Some(yaml))),
    }
}

fn eni(t: &Topology, name: &str) -> usize {
    t.enis.iter().position(|e| e.meta.name == name).unwrap()
}

fn set(xs: &[K]) -> BTreeSet<K> {
    xs.iter().cloned().collect()
}

const OPEN_SG: &str = "
      - { protocol: all, cidr: 0.0.0.0/0 }";

/// VPC `a` (with an IGW, a NAT gateway and an S3 gateway endpoint) peered
/// with VPC `b`, whose main table sends everything to the peering.
fn peered() -> String {
    format!(
        "version: 1
vpcs:
  - {{ name: a, cidrs: [10.0.0.0/16] }}
  - {{ name: b, cidrs: [10.1.0.0/16] }}
subnets:
  - {{ name: a-pub, vpc: a, cidr: 10.0.0.0/24, route_table: rtb-a }}
  - {{ name: b-app, vpc: b, cidr: 10.1.0.0/24 }}
internet_gateways:
  - {{ name: igw-a, vpc: a }}
nat_gateways:
  - {{ name: nat-a, subnet: a-pub, private_ip: 10.0.0.5, public_ip: 198.51.100.5 }}
peering_connections:
  - {{ name: pcx, requester_vpc: a, accepter_vpc: b }}
route_tables:
  - name: rtb-a
    vpc: a
    routes:
      - {{ destination: 0.0.0.0/0, target: igw-a }}
      - {{ destination: 10.1.0.0/16, target: pcx }}
  - name: rtb-b
    vpc: b
    main: true
    routes:
      - {{ destination: 0.0.0.0/0, target: pcx }}
security_groups:
  - name: sg-a
    vpc: a
    ingress:{OPEN_SG}
    egress:{OPEN_SG}
  - name: sg-b
    vpc: b
    ingress:{OPEN_SG}
    egress:{OPEN_SG}
network_interfaces:
  - {{ name: a-1, subnet: a-pub, private_ips: [{{ address: 10.0.0.10, public_ip: 203.0.113.10 }}], security_groups: [sg-a] }}
  - {{ name: b-1, subnet: b-app, private_ips: [{{ address: 10.1.0.10 }}], security_groups: [sg-b] }}
"
    )
}

#[test]
fn peering_delivers_between_the_two_vpcs() {
    let t = load(&peered());
    let b1 = eni(&t, "b-1");
    let a1 = eni(&t, "a-1");
    assert_eq!(
        fate(&t, Origin::Eni(b1), &tcp("10.1.0.10", "10.0.0.10", 22)),
        set(&[K::Delivered("a-1".into())])
    );
    assert_eq!(
        fate(&t, Origin::Eni(a1), &tcp("10.0.0.10", "10.1.0.10", 22)),
        set(&[K::Delivered("b-1".into())])
    );
    // An inactive peering carries nothing (C-8.1).
    let t = load(&peered().replace(
        "accepter_vpc: b }",
        "accepter_vpc: b, status: pending-acceptance }",
    ));
    assert!(fate(&t, Origin::Eni(b1), &tcp("10.1.0.10", "10.0.0.10", 22)).is_empty());
}

#[test]
fn trap_23_peer_cannot_use_the_other_vpcs_igw_or_nat() {
    // B routes 0/0 to the peering; A has an IGW and a NAT gateway (C-8.3).
    let t = load(&peered());
    let b1 = eni(&t, "b-1");
    for dst in ["8.8.8.8", "203.0.113.10", "10.0.0.5"] {
        let f = fate(&t, Origin::Eni(b1), &tcp("10.1.0.10", dst, 443));
        assert!(f.is_empty(), "{dst}: {f:?}");
    }
    // Nor transit through A to a third address inside A's routes (C-8.2).
    assert!(fate(&t, Origin::Eni(b1), &tcp("10.1.0.10", "10.2.0.1", 443)).is_empty());
}

/// One VPC with two app subnets in two AZs and a TGW attachment in AZ a
/// only, a VPN to on prem, and `extra` appended.
fn tgw_vpc(extra: &str) -> String {
    format!(
        "version: 1
vpcs:
  - {{ name: v, cidrs: [10.0.0.0/16] }}
subnets:
  - {{ name: app-a, vpc: v, availability_zone: us-east-1a, cidr: 10.0.1.0/24, route_table: rtb }}
  - {{ name: app-c, vpc: v, availability_zone: us-east-1c, cidr: 10.0.3.0/24, route_table: rtb }}
  - {{ name: tgw-a, vpc: v, availability_zone: us-east-1a, cidr: 10.0.0.0/28, route_table: rtb, network_acl: acl-tgw }}
route_tables:
  - name: rtb
    vpc: v
    routes:
      - {{ destination: 10.50.0.0/16, target: tgw }}
network_acls:
  - name: acl-tgw
    vpc: v
    ingress:
      - {{ rule: 100, action: allow, protocol: all, cidr: 0.0.0.0/0 }}
    egress:
      - {{ rule: 100, action: deny, protocol: all, cidr: 10.50.0.0/16 }}
      - {{ rule: 110, action: deny, protocol: all, cidr: 10.0.1.0/24 }}
      - {{ rule: 200, action: allow, protocol: all, cidr: 0.0.0.0/0 }}
security_groups:
  - name: sg
    vpc: v
    ingress:{OPEN_SG}
    egress:{OPEN_SG}
network_interfaces:
  - {{ name: app-a-1, subnet: app-a, private_ips: [{{ address: 10.0.1.10 }}], security_groups: [sg] }}
  - {{ name: app-c-1, subnet: app-c, private_ips: [{{ address: 10.0.3.10 }}], security_groups: [sg] }}
  - {{ name: tgw-a-1, subnet: tgw-a, private_ips: [{{ address: 10.0.0.10 }}], security_groups: [sg] }}
transit_gateways:
  - name: tgw
    attachments:
      - {{ name: att-v, type: vpc, vpc: v, subnets: [tgw-a] }}
      - {{ name: att-vpn, type: vpn, vpn_connection: vpn }}
    route_tables:
      - {{ name: trt, associations: [att-v, att-vpn], propagations: [att-v, att-vpn] }}
customer_gateways:
  - {{ name: cgw }}
vpn_connections:
  - {{ name: vpn, customer_gateway: cgw, gateway: tgw }}
on_prem_networks:
  - name: dc
    cidrs: [10.50.0.0/16]
    via: [vpn]
    advertises: [{{ via: vpn, prefixes: [10.50.0.0/16] }}]
{extra}"
    )
}

#[test]
fn trap_28_subnet_in_an_az_without_attachment_is_dropped() {
    let t = load(&tgw_vpc(""));
    let a = eni(&t, "app-a-1");
    let c = eni(&t, "app-c-1");
    assert_eq!(
        fate(&t, Origin::Eni(a), &tcp("10.0.1.10", "10.50.3.3", 443)),
        set(&[K::OnPrem("vpn".into())])
    );
    // C-9.6b: AZ c has no attachment subnet.
    assert!(fate(&t, Origin::Eni(c), &tcp("10.0.3.10", "10.50.3.3", 443)).is_empty());
    // An AZ that is not stated is unknown, never guessed.
    let t = load(&tgw_vpc("").replace("availability_zone: us-east-1c, ", ""));
    assert_eq!(
        fate(&t, Origin::Eni(c), &tcp("10.0.3.10", "10.50.3.3", 443)),
        set(&[K::Unknown])
    );
}

#[test]
fn trap_29_tgw_to_instance_in_the_attachment_subnet_skips_the_nacl() {
    // The attachment subnet's NACL denies outbound to on prem and to app-a.
    // TGW → instance in the same subnet is not NACL-checked (C-4.7).
    let t = load(&tgw_vpc(""));
    assert_eq!(
        fate(
            &t,
            Origin::OnPrem(0.into()),
            &tcp("10.50.3.3", "10.0.0.10", 443)
        ),
        set(&[K::Delivered("tgw-a-1".into())])
    );
    // To another subnet, the TGW subnet's outbound rules apply: denied.
    // Instance → TGW in the same subnet is checked outbound: denied too.
    assert!(
        fate(
            &t,
            Origin::OnPrem(0.into()),
            &tcp("10.50.3.3", "10.0.1.10", 443)
        )
        .is_empty()
    );
    let me = eni(&t, "tgw-a-1");
    assert!(fate(&t, Origin::Eni(me), &tcp("10.0.0.10", "10.50.3.3", 443)).is_empty());
}

#[test]
fn tgw_blackhole_and_static_routes() {
    let t = load(&tgw_vpc("").replace(
        "propagations: [att-v, att-vpn] }",
        "propagations: [att-v, att-vpn], routes: [{ destination: 10.50.3.0/24, blackhole: true }] }",
    ));
    let a = eni(&t, "app-a-1");
    // The more specific blackhole drops; no fallback to the /16 (C-9.5).
    assert!(fate(&t, Origin::Eni(a), &tcp("10.0.1.10", "10.50.3.3", 443)).is_empty());
    assert_eq!(
        fate(&t, Origin::Eni(a), &tcp("10.0.1.10", "10.50.4.4", 443)),
        set(&[K::OnPrem("vpn".into())])
    );
}

/// A VPC with a VGW propagating into its table; a BGP VPN and a private
/// VIF to on prem; `extra` appended.
fn vgw_vpc(advertise_dx: &str) -> String {
    format!(
        "version: 1
vpcs:
  - {{ name: v, cidrs: [10.0.0.0/16], ipv6_cidrs: [2600:1f00::/56] }}
subnets:
  - {{ name: app, vpc: v, cidr: 10.0.1.0/24, ipv6_cidr: 2600:1f00:0:1::/64, route_table: rtb }}
route_tables:
  - {{ name: rtb, vpc: v, propagating_gateways: [vgw] }}
security_groups:
  - name: sg
    vpc: v
    ingress:{OPEN_SG}
      - {{ protocol: all, cidr: ::/0 }}
    egress:{OPEN_SG}
      - {{ protocol: all, cidr: ::/0 }}
network_interfaces:
  - {{ name: app-1, subnet: app, private_ips: [{{ address: 10.0.1.10 }}], ipv6_addresses: [2600:1f00:0:1::10], security_groups: [sg] }}
vpn_gateways:
  - {{ name: vgw, vpc: v }}
customer_gateways:
  - {{ name: cgw }}
vpn_connections:
  - {{ name: vpn, customer_gateway: cgw, gateway: vgw }}
direct_connect:
  connections: [{{ name: dxcon }}]
  virtual_interfaces:
    - {{ name: vif, type: private, connection: dxcon, vpn_gateway: vgw }}
on_prem_networks:
  - name: dc
    cidrs: [10.50.0.0/16, 10.0.5.0/24, fd00:50::/32]
    via: [vpn, vif]
    advertises:
      - {{ via: vpn, prefixes: [10.50.0.0/16, fd00:50::/32] }}
      - {{ via: vif, prefixes: [{advertise_dx}] }}
    prefer: [vpn]
"
    )
}

#[test]
fn trap_14_engine_vgw_prefers_dx_over_vpn_at_equal_length() {
    let t = load(&vgw_vpc("10.50.0.0/16"));
    let a = eni(&t, "app-1");
    assert_eq!(
        fate(&t, Origin::Eni(a), &tcp("10.0.1.10", "10.50.3.3", 443)),
        set(&[K::OnPrem("vif".into())])
    );
    // A more specific VPN route wins over DX (LPM first, C-10.3).
    let t = load(&vgw_vpc("10.0.0.0/8"));
    assert_eq!(
        fate(&t, Origin::Eni(a), &tcp("10.0.1.10", "10.50.3.3", 443)),
        set(&[K::OnPrem("vpn".into())])
    );
}

#[test]
fn trap_26_on_prem_route_inside_the_vpc_cidr_loses_to_local() {
    // On prem advertises 10.0.5.0/24 inside the VPC's 10.0.0.0/16: the VGW
    // propagates it, but `local` wins (C-3.7): the packet stays in the VPC.
    let t = load(&vgw_vpc("10.0.5.0/24"));
    let a = eni(&t, "app-1");
    let f = fate(&t, Origin::Eni(a), &tcp("10.0.1.10", "10.0.5.9", 443));
    assert!(!f.iter().any(|k| matches!(k, K::OnPrem(_))), "{f:?}");
}

#[test]
fn trap_35_ipv6_on_prem_prefixes_over_a_vgw_vpn_are_not_carried() {
    let t = load(&vgw_vpc("10.50.0.0/16"));
    let a = eni(&t, "app-1");
    let p = tcp("2600:1f00:0:1::10", "fd00:50::1", 443);
    assert!(fate(&t, Origin::Eni(a), &p).is_empty());
    let back = tcp("fd00:50::1", "2600:1f00:0:1::10", 443);
    assert!(fate(&t, Origin::OnPrem(0.into()), &back).is_empty());
}

#[test]
fn on_prem_reaches_the_vpc_over_the_preferred_connection() {
    let t = load(&vgw_vpc("10.50.0.0/16"));
    let engine = Engine::new(&t);
    let reach = engine.reach(Origin::OnPrem(0.into()), &HeaderSet::universe());
    let p = tcp("10.50.3.3", "10.0.1.10", 443);
    assert_eq!(
        fate(&t, Origin::OnPrem(0.into()), &p),
        set(&[K::Delivered("app-1".into())])
    );
    // The flow records how it crossed the boundary, and that the stated
    // preference decided it.
    let f = reach.flows.iter().find(|f| f.set.contains(&p)).unwrap();
    assert!(f.path.iter().any(|s| matches!(
        s,
        netverify::engine::Step::OnPremIn {
            via: OnPremVia::Vpn(v),
            decided: true,
            ..
        } if *v == VpnId::from(0)
    )));
}

#[test]
fn trap_36_equal_entries_of_two_prefix_lists_with_different_targets_are_unknown() {
    // Regression: the two equal entries were not compared when another
    // entry of the same length sorted between them.
    let yaml = format!(
        "version: 1
vpcs:
  - {{ name: v, cidrs: [10.0.0.0/16] }}
subnets:
  - {{ name: app, vpc: v, cidr: 10.0.1.0/24, route_table: rtb }}
internet_gateways:
  - {{ name: igw, vpc: v }}
nat_gateways:
  - {{ name: nat, subnet: app, private_ip: 10.0.1.5, public_ip: 198.51.100.5 }}
prefix_lists:
  - {{ name: pl-a, entries: [52.216.0.0/15, 3.4.0.0/15] }}
  - {{ name: pl-b, entries: [52.216.0.0/15] }}
route_tables:
  - name: rtb
    vpc: v
    routes:
      - {{ prefix_list: pl-a, target: igw }}
      - {{ prefix_list: pl-b, target: nat }}
security_groups:
  - name: sg
    vpc: v
    ingress:{OPEN_SG}
    egress:{OPEN_SG}
network_interfaces:
  - {{ name: app-1, subnet: app, private_ips: [{{ address: 10.0.1.10, public_ip: 203.0.113.9 }}], security_groups: [sg] }}
"
    );
    let t = load(&yaml);
    let a = eni(&t, "app-1");
    assert_eq!(
        fate(&t, Origin::Eni(a), &tcp("10.0.1.10", "52.216.1.1", 443)),
        set(&[K::Unknown])
    );
}

#[test]
fn traffic_from_a_transit_gateway_cannot_use_a_gateway_endpoint() {
    // VPC `a` sends S3 traffic to the TGW; the shared VPC `b` routes the S3
    // prefix list to its gateway endpoint. Endpoint connections do not
    // extend out of a VPC: the packet is dropped, not carried to S3.
    let yaml = format!(
        "version: 1
vpcs:
  - {{ name: a, cidrs: [10.0.0.0/16] }}
  - {{ name: b, cidrs: [10.1.0.0/16] }}
subnets:
  - {{ name: a-app, vpc: a, availability_zone: us-east-1a, cidr: 10.0.1.0/24, route_table: rtb-a }}
  - {{ name: b-tgw, vpc: b, availability_zone: us-east-1a, cidr: 10.1.0.0/28, route_table: rtb-b }}
prefix_lists:
  - {{ name: pl-s3, entries: [52.216.0.0/15] }}
vpc_endpoints:
  - {{ name: vpce-s3, vpc: b, type: gateway, service: com.amazonaws.us-east-1.s3, route_tables: [rtb-b], prefix_list: pl-s3 }}
route_tables:
  - name: rtb-a
    vpc: a
    routes:
      - {{ destination: 0.0.0.0/0, target: tgw }}
  - {{ name: rtb-b, vpc: b }}
security_groups:
  - name: sg-a
    vpc: a
    ingress:{OPEN_SG}
    egress:{OPEN_SG}
network_interfaces:
  - {{ name: a-1, subnet: a-app, private_ips: [{{ address: 10.0.1.10 }}], security_groups: [sg-a] }}
transit_gateways:
  - name: tgw
    attachments:
      - {{ name: att-a, type: vpc, vpc: a, subnets: [a-app] }}
      - {{ name: att-b, type: vpc, vpc: b, subnets: [b-tgw] }}
    route_tables:
      - name: trt
        associations: [att-a, att-b]
        propagations: [att-a, att-b]
        routes:
          - {{ destination: 0.0.0.0/0, attachment: att-b }}
"
    );
    let t = load(&yaml);
    let a = eni(&t, "a-1");
    assert!(fate(&t, Origin::Eni(a), &tcp("10.0.1.10", "52.216.1.1", 443)).is_empty());
}

/// `yaml` with `sg-db`'s reference to `sg-app` replaced by a CIDR rule for
/// the app VPC: what the path itself lets through.
fn with_cidr_rule(yaml: &str) -> String {
    yaml.replace(
        "{ protocol: tcp, ports: 5432, security_group: sg-app }",
        "{ protocol: tcp, ports: 5432, cidr: 10.1.0.0/16 }",
    )
}

fn fixture(name: &str) -> String {
    let path = format!(
        "{}/tests/fixtures/sg-references/{name}.yaml",
        env!("CARGO_MANIFEST_DIR")
    );
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
}

/// `app-1` → `db-1` on tcp/5432, and the same from an address of the app
/// VPC that no member of `sg-app` owns (which no reference matches).
fn app_to_db(t: &Topology) -> (BTreeSet<K>, BTreeSet<K>) {
    let app = eni(t, "app-1");
    (
        fate(t, Origin::Eni(app), &tcp("10.1.1.10", "10.2.1.10", 5432)),
        fate(t, Origin::Eni(app), &tcp("10.1.1.10", "10.2.1.10", 22)),
    )
}

#[test]
fn trap_25_reference_matches_across_a_tgw_with_referencing_on() {
    let t = load(&fixture("pass-trap-25-tgw-referencing-on"));
    let (db, ssh) = app_to_db(&t);
    assert_eq!(db, set(&[K::Delivered("db-1".into())]));
    // Only the referenced port: the reference is not a blanket allow.
    assert!(ssh.is_empty(), "{ssh:?}");
}

#[test]
fn trap_25_reference_matches_nothing_with_referencing_off_on_one_attachment() {
    let t = load(&fixture("fail-trap-25-tgw-referencing-off-on-one-side"));
    assert!(app_to_db(&t).0.is_empty());
    // The same with referencing off on the gateway itself, the attachments on.
    let on = fixture("pass-trap-25-tgw-referencing-on").replacen(
        "security_group_referencing: true\n",
        "security_group_referencing: false\n",
        1,
    );
    assert!(app_to_db(&load(&on)).0.is_empty());
    // And when an attachment leaves the option out, it follows the gateway's.
    let inherit = fixture("pass-trap-25-tgw-referencing-on").replace(
        "subnets: [data-tgw-a], security_group_referencing: true",
        "subnets: [data-tgw-a]",
    );
    assert_eq!(
        app_to_db(&load(&inherit)).0,
        set(&[K::Delivered("db-1".into())])
    );
}

#[test]
fn trap_25_reference_matches_nothing_across_tgw_peering() {
    let t = load(&fixture("fail-trap-25-across-tgw-peering"));
    assert!(app_to_db(&t).0.is_empty());
    // The path itself is open: a CIDR rule admits what the reference does not.
    let cidr = with_cidr_rule(&fixture("fail-trap-25-across-tgw-peering"));
    assert_eq!(
        app_to_db(&load(&cidr)).0,
        set(&[K::Delivered("db-1".into())])
    );
}

#[test]
fn trap_25_reference_is_never_delivered_via_an_inspection_vpc() {
    let t = load(&fixture("fail-trap-25-via-inspection-vpc"));
    // The firewall is a black box (C-2.5): unknown, never delivered.
    assert_eq!(app_to_db(&t).0, set(&[K::Unknown]));
}

#[test]
fn trap_25_reference_matches_across_same_region_peering_not_inter_region() {
    let t = load(&fixture("pass-trap-25-same-region-peering"));
    assert_eq!(app_to_db(&t).0, set(&[K::Delivered("db-1".into())]));
    assert_eq!(t.peerings[0].cross_account, Some(true));
    let t = load(&fixture("fail-trap-25-inter-region-peering"));
    assert!(app_to_db(&t).0.is_empty());
    // Regions not known: whether the reference matches is unknown (C-5.7).
    let unknown = fixture("pass-trap-25-same-region-peering").replace("region: us-east-1\n", "");
    assert_eq!(app_to_db(&load(&unknown)).0, set(&[K::Unknown]));
}

#[test]
fn trap_25_nat_gateway_clears_the_identity() {
    // The app server reaches the database's VPC through a NAT gateway in a
    // shared VPC (C-5.8): the source is the NAT gateway, and the reference
    // no longer matches even though the peering is same-Region.
    let t = load(&fixture("pass-trap-25-same-region-peering"));
    let app = eni(&t, "app-1");
    let p = tcp("10.1.1.10", "10.2.1.10", 5432);
    let out = sim::simulate(&t, Origin::Eni(app), &p);
    assert!(out.trace.iter().any(|l| l.contains("peering pcx")));
    let with_nat = fixture("pass-trap-25-same-region-peering")
        .replace(
            "      - { destination: 10.2.0.0/16, target: pcx }\n  - name: rtb-data",
            "      - { destination: 10.2.0.0/16, target: nat-app }\n  - name: rtb-nat\n    vpc: app\n    routes:\n      - { destination: 10.2.0.0/16, target: pcx }\n  - name: rtb-data",
        )
        .replacen(
            "\nsecurity_groups:",
            "\nnat_gateways:\n  - { name: nat-app, subnet: app-nat, private_ip: 10.1.2.5, connectivity: private }\nsecurity_groups:",
            1,
        )
        .replace(
            "  - { name: data-a,",
            "  - { name: app-nat, vpc: app, availability_zone: us-east-1a, cidr: 10.1.2.0/24, route_table: rtb-nat }\n  - { name: data-a,",
        );
    let t = load(&with_nat);
    let (db, _) = app_to_db(&t);
    assert!(db.is_empty(), "{db:?}");
    // The path through the NAT gateway is open to a CIDR rule.
    let cidr = with_cidr_rule(&with_nat);
    assert_eq!(
        app_to_db(&load(&cidr)).0,
        set(&[K::Delivered("db-1".into())])
    );
}

#[test]
fn egress_reference_to_a_peer_group_counts_only_across_same_region_peering() {
    // `sg-app` lets out only what goes to members of `sg-db` (C-5.7): across
    // the peering it matches; across a TGW (inbound rules only, C-9.9) not.
    let egress = |yaml: String| {
        with_cidr_rule(&yaml).replace(
            "  - name: sg-app\n    vpc: app\n    egress:\n      - { protocol: all, cidr: 0.0.0.0/0 }",
            "  - name: sg-app\n    vpc: app\n    egress:\n      - { protocol: tcp, ports: 5432, security_group: sg-db }",
        )
    };
    let peered = egress(fixture("pass-trap-25-same-region-peering"));
    assert!(peered.contains("security_group: sg-db"));
    assert_eq!(
        app_to_db(&load(&peered)).0,
        set(&[K::Delivered("db-1".into())])
    );
    let tgw = egress(fixture("pass-trap-25-tgw-referencing-on"));
    assert!(app_to_db(&load(&tgw)).0.is_empty());
    let inter_region = egress(fixture("fail-trap-25-inter-region-peering"));
    assert!(app_to_db(&load(&inter_region)).0.is_empty());
}

// ----- derived on-prem networks (issue 13) ----------------------------------

/// The VPN-only snapshot fixture, imported, with its on-prem section cut
/// (so that the loader derives it) and its branch range moved to `range`.
fn vpn_only_without_on_prem(range: &str) -> String {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/snapshots/hybrid-vpn-only");
    let i = netverify::import::import_snapshot(&dir).unwrap();
    let yaml = netverify::import::to_yaml(&i.file);
    let cut = yaml.find("on_prem_networks:").unwrap();
    let end = yaml[cut + 1..]
        .find("\ngaps:")
        .map_or(yaml.len(), |e| cut + 1 + e + 1);
    format!("{}{}", &yaml[..cut], &yaml[end..]).replace("10.60.0.0/16", range)
}

#[test]
fn derived_networks_are_plain_on_prem_networks_for_engine_and_simulator() {
    let bare = vpn_only_without_on_prem("10.60.0.0/16");
    let derived = load_str(&bare, "derived.yaml").unwrap();
    assert_eq!(derived.hybrid.on_prem.len(), 1);
    assert!(derived.hybrid.on_prem[OnPremId::from(0)].derived);
    // The same network written by hand.
    let declared = load_str(
        &format!(
            "{bare}on_prem_networks:\n- name: branch\n  cidrs:\n  - 10.60.0.0/16\n  via:\n  - branch-vpn\n"
        ),
        "declared.yaml",
    )
    .unwrap();
    assert!(!declared.hybrid.on_prem[OnPremId::from(0)].derived);
    let app = |t: &Topology| {
        t.enis
            .iter()
            .position(|e| e.meta.name == "eni-0a11c0ffee0000001")
            .unwrap()
    };
    for dst in ["10.60.0.7", "10.60.255.1", "10.61.0.1", "8.8.8.8"] {
        let p = tcp("10.20.1.10", dst, 443);
        // `fate` asserts that the engine and the simulator agree.
        let a = fate(&derived, Origin::Eni(app(&derived)), &p);
        let b = fate(&declared, Origin::Eni(app(&declared)), &p);
        assert_eq!(a, b, "{dst}");
    }
    assert_eq!(
        fate(
            &derived,
            Origin::Eni(app(&derived)),
            &tcp("10.20.1.10", "10.60.0.7", 443)
        ),
        BTreeSet::from([K::OnPrem("branch-vpn".into())])
    );
}

#[test]
fn bug_vpn_static_route_destination_follows_the_vpn() {
    // A VPN static route to a range outside private space, no on-prem
    // network declared: the destination was taken for an internet address
    // and the answer was no, "route it to the internet gateway".
    let yaml = vpn_only_without_on_prem("19.168.0.0/16");
    let tmp = tempfile::tempdir().unwrap();
    let file = tmp.path().join("t.yaml");
    std::fs::write(&file, yaml).unwrap();
    let out = assert_cmd::Command::cargo_bin("netverify")
        .unwrap()
        .env("NO_COLOR", "1")
        .args([
            "query",
            file.to_str().unwrap(),
            "can app-1 reach 19.168.4.4 on tcp/443",
        ])
        .output()
        .unwrap();
    let text = String::from_utf8(out.stdout).unwrap();
    assert_eq!(out.status.code(), Some(0), "{text}");
    assert!(text.starts_with("yes"), "{text}");
    assert!(text.contains("on prem via branch-vpn"), "{text}");
    assert!(!text.contains("internet gateway"), "{text}");
}

// ---- the walker's recorders past routing faults ------------------------------

/// The kinds of the components a walk recorded as blockers.
fn blocked_kinds(out: &sim::Outcome) -> Vec<String> {
    out.blockers
        .iter()
        .map(|b| {
            let s = format!("{:?}", b.at);
            s.split([' ', '{']).next().unwrap_or_default().to_string()
        })
        .collect()
}

/// The walk with a recorder that carries on past every component that
/// drops the packet.
fn carried(t: &Topology, origin: sim::Origin, p: &Packet) -> sim::Outcome {
    sim::walk(t, origin, p, false, sim::CarryOn)
}

/// An inactive peering (C-8.1) drops the packet for the oracle and ends the
/// every-blocker walk (a routing fault, not a filter), recorded; a recorder
/// that carries on past it delivers the packet across the peering, with the
/// peering as the one blocker.
#[test]
fn walker_carries_on_past_an_inactive_peering_when_the_recorder_asks() {
    let t = load(&peered().replace(
        "accepter_vpc: b }",
        "accepter_vpc: b, status: pending-acceptance }",
    ));
    let b1 = eni(&t, "b-1");
    let a1 = eni(&t, "a-1");
    let p = tcp("10.1.0.10", "10.0.0.10", 22);
    let oracle = sim::simulate(&t, sim::Origin::Eni(b1), &p);
    assert!(matches!(oracle.fates.as_slice(), [Fate::Dropped { .. }]));
    assert_eq!(blocked_kinds(&oracle), ["PeeringInactive"]);
    let every = sim::simulate_blockers(&t, sim::Origin::Eni(b1), &p);
    assert_eq!(every.fates, oracle.fates);
    let walk = carried(&t, sim::Origin::Eni(b1), &p);
    assert_eq!(walk.fates, vec![Fate::Delivered { eni: a1 }]);
    assert_eq!(blocked_kinds(&walk), ["PeeringInactive"]);
}

/// A subnet in an availability zone without an attachment subnet (C-9.6b):
/// past it the packet enters through the attachment's subnet and leaves
/// over the VPN.
#[test]
fn walker_carries_on_past_an_az_without_an_attachment_subnet() {
    let t = load(&tgw_vpc(""));
    let c = eni(&t, "app-c-1");
    let p = tcp("10.0.3.10", "10.50.3.3", 443);
    let oracle = sim::simulate(&t, sim::Origin::Eni(c), &p);
    assert_eq!(blocked_kinds(&oracle), ["TgwNoSubnetInZone"]);
    let walk = carried(&t, sim::Origin::Eni(c), &p);
    assert_eq!(blocked_kinds(&walk), ["TgwNoSubnetInZone"]);
    assert!(
        matches!(
            walk.fates.as_slice(),
            [Fate::OnPrem {
                via: OnPremVia::Vpn(_)
            }]
        ),
        "{:?}",
        walk.fates
    );
}

/// An attachment associated with no route table (C-9.2): past it the
/// packet is looked up in each of the gateway's route tables.
#[test]
fn walker_carries_on_past_an_attachment_without_a_route_table() {
    let t = load(&tgw_vpc("").replace("associations: [att-v, att-vpn]", "associations: [att-vpn]"));
    let a = eni(&t, "app-a-1");
    let p = tcp("10.0.1.10", "10.50.3.3", 443);
    let oracle = sim::simulate(&t, sim::Origin::Eni(a), &p);
    assert!(matches!(oracle.fates.as_slice(), [Fate::Dropped { .. }]));
    assert_eq!(blocked_kinds(&oracle), ["TgwNoRouteTable"]);
    let walk = carried(&t, sim::Origin::Eni(a), &p);
    assert_eq!(blocked_kinds(&walk), ["TgwNoRouteTable"]);
    assert!(
        matches!(
            walk.fates.as_slice(),
            [Fate::OnPrem {
                via: OnPremVia::Vpn(_)
            }]
        ),
        "{:?}",
        walk.fates
    );
}

/// From on prem, a source outside the network and a VPN that is down: past
/// both the packet reaches the VPC over the transit gateway.
#[test]
fn walker_carries_on_past_an_onprem_source_and_a_connection_down() {
    let t = load(&tgw_vpc("").replace(
        "customer_gateway: cgw, gateway: tgw }",
        "customer_gateway: cgw, gateway: tgw, state: pending }",
    ));
    let dc = t.hybrid.on_prem.position(|n| n.meta.name == "dc").unwrap();
    // To the attachment subnet's own instance: no NACL between (C-4.7).
    let a = eni(&t, "tgw-a-1");
    let p = tcp("172.16.0.1", "10.0.0.10", 443);
    let oracle = sim::simulate(&t, sim::Origin::OnPrem(dc), &p);
    assert_eq!(blocked_kinds(&oracle), ["OnPremSource"]);
    let walk = carried(&t, sim::Origin::OnPrem(dc), &p);
    assert_eq!(
        blocked_kinds(&walk),
        ["OnPremSource", "ConnectionUnavailable"],
        "{}",
        walk.trace.join("\n")
    );
    assert_eq!(walk.fates, vec![Fate::Delivered { eni: a }]);
}

/// A recorder that carries on past every blocker and, in a transit gateway
/// route table, wants the attachment named `want`: any other is a wrong
/// turn, and where the table drops the packet it detours there.
#[derive(Clone)]
struct TowardsAttachment(String);

impl sim::Recorder for TowardsAttachment {
    fn carry_on(&mut self, _at: &sim::Blocked, _p: &Packet) -> bool {
        true
    }

    fn tgw_leads_on(
        &self,
        topo: &Topology,
        _table: netverify::model::TgwRouteTableId,
        attachment: netverify::model::TgwAttachmentId,
    ) -> bool {
        topo.hybrid.tgw_attachments[attachment].meta.name == self.0
    }

    fn tgw_detour(
        &mut self,
        topo: &Topology,
        _tgw: netverify::model::TgwId,
    ) -> Option<netverify::model::TgwAttachmentId> {
        topo.hybrid
            .tgw_attachments
            .position(|a| a.meta.name == self.0)
    }
}

/// Past a transit gateway blackhole (C-9.5) a steering recorder leaves
/// through the attachment it names, with the table as the blocker; a
/// table that sends the packet elsewhere is a wrong turn. The oracle drops
/// the packet at the blackhole.
#[test]
fn walker_detours_past_a_tgw_blackhole_for_a_steering_recorder() {
    let t = load(&tgw_vpc("").replace(
        "propagations: [att-v, att-vpn] }",
        "propagations: [att-v, att-vpn], routes: [{ destination: 10.50.3.0/24, blackhole: true }] }",
    ));
    let a = eni(&t, "app-a-1");
    let p = tcp("10.0.1.10", "10.50.3.3", 443);
    let oracle = sim::simulate(&t, sim::Origin::Eni(a), &p);
    assert_eq!(blocked_kinds(&oracle), ["TgwRoute"]);
    assert!(matches!(oracle.fates.as_slice(), [Fate::Dropped { .. }]));
    let w = sim::walk(
        &t,
        sim::Origin::Eni(a),
        &p,
        false,
        TowardsAttachment("att-vpn".into()),
    );
    assert_eq!(blocked_kinds(&w), ["TgwRoute"]);
    assert!(
        matches!(
            w.fates.as_slice(),
            [Fate::OnPrem {
                via: OnPremVia::Vpn(_)
            }]
        ),
        "{:?}",
        w.fates
    );
    // Towards the VPC's own attachment instead: the propagated route to the
    // VPN is a wrong turn, and the walk goes back into the VPC.
    let p = tcp("10.0.1.10", "10.50.4.4", 443);
    let w = sim::walk(
        &t,
        sim::Origin::Eni(a),
        &p,
        false,
        TowardsAttachment("att-v".into()),
    );
    assert_eq!(
        blocked_kinds(&w)[0],
        "WrongAttachment",
        "{}",
        w.trace.join("\n")
    );
}

/// Past some components there is nowhere to go once they are fixed: a
/// peering does not carry a packet beyond the peer VPC (C-8.3). Even a
/// recorder that carries on past everything ends the branch there, with
/// the peering as the blocker.
#[test]
fn walker_stops_where_there_is_no_way_on_whatever_the_recorder() {
    let t = load(&peered());
    let b1 = eni(&t, "b-1");
    let p = tcp("10.1.0.10", "8.8.8.8", 443);
    let w = carried(&t, sim::Origin::Eni(b1), &p);
    assert_eq!(blocked_kinds(&w), ["PeeringDestination"]);
    assert!(
        matches!(w.fates.as_slice(), [Fate::Dropped { .. }]),
        "{:?}",
        w.fates
    );
    assert_eq!(
        sim::simulate(&t, sim::Origin::Eni(b1), &p).blockers,
        w.blockers
    );
}

/// A recorder that carries on past every blocker and sends what a VPN
/// gateway has no route for over one connection.
#[derive(Clone)]
struct OverConnection(OnPremVia);

impl sim::Recorder for OverConnection {
    fn carry_on(&mut self, _at: &sim::Blocked, _p: &Packet) -> bool {
        true
    }

    fn vgw_detour(&mut self, _topo: &Topology, _vgw: netverify::model::VgwId) -> Option<OnPremVia> {
        Some(self.0)
    }
}

/// A VPN gateway drops what it has learned no route for (C-10.2); a
/// steering recorder carries on past it over the connection it names.
#[test]
fn walker_detours_past_a_vgw_without_a_route_for_a_steering_recorder() {
    let t = load(&vgw_vpc("10.50.0.0/16").replace(
        "  - { name: rtb, vpc: v, propagating_gateways: [vgw] }",
        "  - { name: rtb, vpc: v, propagating_gateways: [vgw], routes: [{ destination: 172.16.0.0/12, target: vgw }] }",
    ));
    let a = eni(&t, "app-1");
    let p = tcp("10.0.1.10", "172.16.1.1", 443);
    let oracle = sim::simulate(&t, sim::Origin::Eni(a), &p);
    assert_eq!(
        blocked_kinds(&oracle),
        ["VgwNoRoute"],
        "{}",
        oracle.trace.join("\n")
    );
    let vpn = t.hybrid.vpns.position(|v| v.meta.name == "vpn").unwrap();
    let w = sim::walk(
        &t,
        sim::Origin::Eni(a),
        &p,
        false,
        OverConnection(OnPremVia::Vpn(vpn)),
    );
    assert_eq!(blocked_kinds(&w), ["VgwNoRoute"]);
    assert_eq!(
        w.fates,
        vec![Fate::OnPrem {
            via: OnPremVia::Vpn(vpn)
        }]
    );
}
