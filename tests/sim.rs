//! Tests of the reference simulator (`netverify::sim`) on small topologies
//! built directly as resolved `Topology` values.

#![allow(
    clippy::unwrap_used,
    clippy::panic,
    reason = "a test fails by panicking"
)]

use std::net::IpAddr;

use ipnet::IpNet;
use netverify::hs::Packet;
use netverify::model::Direction;
use netverify::model::*;
use netverify::sim::{
    Blocked, Blocker, Fate, Lookup, Origin, Recorder, simulate, simulate_blockers, walk, walk_with,
};

// ---- a small builder for resolved topologies -------------------------------

fn net(s: &str) -> IpNet {
    s.parse().unwrap()
}

fn ip(s: &str) -> IpAddr {
    s.parse().unwrap()
}

fn meta(name: &str) -> Meta {
    Meta {
        name: name.into(),
        ..Default::default()
    }
}

fn nacl_rule(number: u32, allow: bool, proto: Proto, port: PortMatch, cidr: &str) -> NaclRule {
    NaclRule {
        number,
        allow,
        proto,
        port,
        cidr: net(cidr),
        pos: Pos::default(),
    }
}

fn ports(lo: u16, hi: u16) -> PortMatch {
    PortMatch {
        ports: (lo, hi),
        icmp_type: None,
        icmp_code: None,
    }
}

fn tcp(p: u16) -> (Proto, PortMatch) {
    (Proto::Num(TCP), ports(p, p))
}

fn all() -> (Proto, PortMatch) {
    (Proto::All, PortMatch::ALL)
}

fn allow_all_nacl_rules() -> Vec<NaclRule> {
    vec![
        nacl_rule(100, true, Proto::All, PortMatch::ALL, "0.0.0.0/0"),
        nacl_rule(101, true, Proto::All, PortMatch::ALL, "::/0"),
    ]
}

fn pkt(src: &str, dst: &str, proto: u8, dport: u16) -> Packet {
    Packet {
        src: ip(src),
        dst: ip(dst),
        proto,
        sport: 40000,
        dport,
        icmp_type: 0,
        icmp_code: 0,
    }
}

fn tcp_pkt(src: &str, dst: &str, dport: u16) -> Packet {
    pkt(src, dst, TCP, dport)
}

struct B {
    t: Topology,
}

impl B {
    fn new() -> B {
        B {
            t: Topology {
                file: "t.yaml".into(),
                ..Default::default()
            },
        }
    }

    /// A VPC with an allow-all default NACL and an empty main route table.
    fn vpc(&mut self, name: &str, cidr: &str, v6: Option<&str>) -> VpcId {
        let id = self.t.vpcs.len();
        let nacl = self.t.nacls.len();
        self.t.nacls.push(Nacl {
            meta: meta(&format!("{name}-default-nacl")),
            vpc: id,
            default: true,
            synthesized: true,
            ingress: allow_all_nacl_rules(),
            egress: allow_all_nacl_rules(),
        });
        let main = self.t.route_tables.len();
        self.t.route_tables.push(RouteTable {
            meta: meta(&format!("{name}-main")),
            vpc: id,
            main: true,
            ..Default::default()
        });
        self.t.vpcs.push(Vpc {
            meta: meta(name),
            cidrs: vec![cidr.parse().unwrap()],
            ipv6_cidrs: v6.iter().map(|s| s.parse().unwrap()).collect(),
            main_route_table: Some(main),
            default_nacl: nacl,
            ..Default::default()
        });
        id
    }

    fn main_rt(&self, vpc: VpcId) -> RouteTableId {
        self.t.vpcs[vpc].main_route_table.unwrap()
    }

    /// A subnet using the main table and the default NACL.
    fn subnet(&mut self, vpc: VpcId, name: &str, cidr: &str, v6: Option<&str>) -> SubnetId {
        let id = self.t.subnets.len();
        self.t.subnets.push(Subnet {
            meta: meta(name),
            vpc,
            cidr: Some(cidr.parse().unwrap()),
            ipv6_cidr: v6.map(|s| s.parse().unwrap()),
            route_table: self.t.vpcs[vpc].main_route_table,
            uses_main_route_table: true,
            nacl: self.t.vpcs[vpc].default_nacl,
            ..Default::default()
        });
        id
    }

    fn rt(&mut self, vpc: VpcId, name: &str) -> RouteTableId {
        let id = self.t.route_tables.len();
        self.t.route_tables.push(RouteTable {
            meta: meta(name),
            vpc,
            ..Default::default()
        });
        id
    }

    fn associate(&mut self, subnet: SubnetId, rt: RouteTableId) {
        self.t.subnets[subnet].route_table = Some(rt);
        self.t.subnets[subnet].uses_main_route_table = false;
    }

    fn push_route(&mut self, rt: RouteTableId, dest: RouteDest, target: RouteTarget) -> usize {
        let routes = &mut self.t.route_tables[rt].routes;
        routes.push(Route {
            dest,
            target,
            blackhole: false,
            propagated: false,
            pos: Pos::default(),
        });
        routes.len() - 1
    }

    fn route(&mut self, rt: RouteTableId, dest: &str, target: RouteTarget) -> usize {
        self.push_route(rt, RouteDest::Cidr(net(dest)), target)
    }

    fn nacl(
        &mut self,
        vpc: VpcId,
        name: &str,
        ingress: Vec<NaclRule>,
        egress: Vec<NaclRule>,
    ) -> NaclId {
        let id = self.t.nacls.len();
        self.t.nacls.push(Nacl {
            meta: meta(name),
            vpc,
            ingress,
            egress,
            ..Default::default()
        });
        id
    }

    fn sg(&mut self, vpc: VpcId, name: &str) -> SgId {
        let id = self.t.security_groups.len();
        self.t.security_groups.push(SecurityGroup {
            meta: meta(name),
            vpc,
            ingress: vec![],
            // A new SG has one allow-all egress rule.
            egress: vec![
                sg_rule(all(), SgPeer::Cidr(net("0.0.0.0/0"))),
                sg_rule(all(), SgPeer::Cidr(net("::/0"))),
            ],
        });
        id
    }

    fn sg_in(&mut self, sg: SgId, pp: (Proto, PortMatch), peer: SgPeer) {
        self.t.security_groups[sg].ingress.push(sg_rule(pp, peer));
    }

    fn sg_in_cidr(&mut self, sg: SgId, pp: (Proto, PortMatch), cidr: &str) {
        self.sg_in(sg, pp, SgPeer::Cidr(net(cidr)));
    }

    /// An attached workload interface with source/dest check on.
    fn eni(
        &mut self,
        subnet: SubnetId,
        name: &str,
        ips: &[(&str, Option<PublicIp>)],
        sgs: &[SgId],
    ) -> EniId {
        let id = self.t.enis.len();
        self.t.enis.push(Eni {
            meta: meta(name),
            subnet,
            vpc: self.t.subnets[subnet].vpc,
            private_ips: ips
                .iter()
                .map(|(a, p)| PrivateIp {
                    addr: a.parse().unwrap(),
                    public: *p,
                    pos: Pos::default(),
                })
                .collect(),
            security_groups: sgs.to_vec(),
            source_dest_check: true,
            attached: true,
            ..Default::default()
        });
        id
    }

    fn igw(&mut self, vpc: VpcId) -> IgwId {
        let id = self.t.igws.len();
        self.t.igws.push(Igw {
            meta: meta("igw"),
            vpc: Some(vpc),
            edge_route_table: None,
        });
        self.t.vpcs[vpc].igw = Some(id);
        id
    }

    fn eigw(&mut self, vpc: VpcId) -> EigwId {
        let id = self.t.eigws.len();
        self.t.eigws.push(Eigw {
            meta: meta("eigw"),
            vpc,
        });
        self.t.vpcs[vpc].eigws.push(id);
        id
    }

    /// A public NAT gateway with its interface (private IP, EIP).
    fn nat(&mut self, subnet: SubnetId, name: &str, private: &str, eip: Option<&str>) -> NatId {
        let id = self.t.nats.len();
        let public = eip.map(|a| PublicIp::Known {
            addr: a.parse().unwrap(),
            eip: true,
        });
        let eni = self.eni(subnet, &format!("{name}-eni"), &[(private, public)], &[]);
        self.t.enis[eni].owner = EniOwner::Nat(id);
        self.t.enis[eni].source_dest_check = false;
        self.t.enis[eni].derived = true;
        self.t.nats.push(Nat {
            meta: meta(name),
            subnet,
            public: true,
            available: true,
            eni,
        });
        id
    }

    fn prefix_list(&mut self, name: &str, entries: Option<&[&str]>) -> PrefixListId {
        let id = self.t.prefix_lists.len();
        self.t.prefix_lists.push(PrefixList {
            meta: meta(name),
            entries: entries.map(|es| es.iter().map(|s| net(s)).collect()),
            service: None,
            family: None,
        });
        id
    }

    fn gateway_endpoint(&mut self, vpc: VpcId, name: &str, pl: PrefixListId) -> EndpointId {
        let id = self.t.endpoints.len();
        self.t.endpoints.push(Endpoint {
            meta: meta(name),
            vpc,
            kind: EndpointKind::Gateway,
            service: "com.amazonaws.us-east-1.s3".into(),
            route_tables: vec![],
            prefix_list: Some(pl),
            subnets: vec![],
            security_groups: vec![],
            private_dns: false,
            ipv6_prefix_list: None,
            ip_address_type: Default::default(),
            dns_record_ip_type: Default::default(),
            private_dns_inbound_only: false,
            policy: None,
        });
        id
    }

    fn other(&mut self, name: &str) -> usize {
        self.t.others.push(meta(name));
        self.t.others.len() - 1
    }
}

fn sg_rule(pp: (Proto, PortMatch), peer: SgPeer) -> SgRule {
    SgRule {
        proto: pp.0,
        port: pp.1,
        peer,
        pos: Pos::default(),
    }
}

fn eip(s: &str) -> Option<PublicIp> {
    Some(PublicIp::Known {
        addr: s.parse().unwrap(),
        eip: true,
    })
}

fn run(t: &Topology, origin: Origin, p: Packet) -> Vec<Fate> {
    let out = simulate(t, origin, &p);
    eprintln!("--- {p} from {origin:?}");
    for line in &out.trace {
        eprintln!("  {line}");
    }
    out.fates
}

#[track_caller]
fn assert_delivered(fates: &[Fate], eni: EniId) {
    assert_eq!(fates, &[Fate::Delivered { eni }]);
}

#[track_caller]
fn assert_dropped(fates: &[Fate]) {
    assert!(
        matches!(fates, [Fate::Dropped { .. }]),
        "expected one Dropped, got {fates:?}"
    );
}

#[track_caller]
fn assert_dropped_because(fates: &[Fate], needle: &str) {
    match fates {
        [Fate::Dropped { reason }] => {
            assert!(
                reason.contains(needle),
                "reason {reason:?} does not mention {needle:?}"
            )
        }
        _ => panic!("expected one Dropped, got {fates:?}"),
    }
}

#[track_caller]
fn assert_unknown(fates: &[Fate]) {
    assert!(
        matches!(fates, [Fate::Unknown { .. }]),
        "expected one Unknown, got {fates:?}"
    );
}

const ATTACKER: &str = "203.0.113.9";

/// VPC 10.0.0.0/16 (+ 2600:1f18::/56) with an IGW, a public subnet
/// 10.0.0.0/24 whose table (the main table) has 0/0 and ::/0 → IGW.
struct Public {
    b: B,
    vpc: VpcId,
    igw: IgwId,
    subnet: SubnetId,
    web: SgId,
}

fn public_vpc() -> Public {
    let mut b = B::new();
    let vpc = b.vpc("vpc", "10.0.0.0/16", Some("2600:1f18::/56"));
    let igw = b.igw(vpc);
    let main = b.main_rt(vpc);
    b.route(main, "0.0.0.0/0", RouteTarget::Igw(igw));
    b.route(main, "::/0", RouteTarget::Igw(igw));
    let subnet = b.subnet(vpc, "public", "10.0.0.0/24", Some("2600:1f18::/64"));
    let web = b.sg(vpc, "web");
    b.sg_in_cidr(web, tcp(22), "0.0.0.0/0");
    Public {
        b,
        vpc,
        igw,
        subnet,
        web,
    }
}

// ---- traps -------------------------------------------------------------------

#[test]
fn trap_01_public_ip_with_nat_default_route_is_delivered() {
    let mut b = B::new();
    let vpc = b.vpc("vpc", "10.0.0.0/16", None);
    let igw = b.igw(vpc);
    let public = b.subnet(vpc, "public", "10.0.0.0/24", None);
    let private = b.subnet(vpc, "private", "10.0.1.0/24", None);
    let main = b.main_rt(vpc);
    b.route(main, "0.0.0.0/0", RouteTarget::Igw(igw));
    let nat = b.nat(public, "nat", "10.0.0.5", Some("54.0.0.5"));
    let prt = b.rt(vpc, "private-rt");
    b.route(prt, "0.0.0.0/0", RouteTarget::Nat(nat));
    b.associate(private, prt);
    let sg = b.sg(vpc, "ssh");
    b.sg_in_cidr(sg, tcp(22), "0.0.0.0/0");
    let inst = b.eni(private, "inst", &[("10.0.1.10", eip("54.1.2.3"))], &[sg]);
    let t = b.t;

    // Inbound is delivered: the IGW never consults the subnet's table (C-6.4).
    assert_delivered(
        &run(&t, Origin::Internet, tcp_pkt(ATTACKER, "54.1.2.3", 22)),
        inst,
    );
    // Its own traffic to the internet leaves through the NAT gateway.
    assert_eq!(
        run(&t, Origin::Eni(inst), tcp_pkt("10.0.1.10", ATTACKER, 443)),
        vec![Fate::Internet]
    );
    // A port the SG does not open is dropped.
    assert_dropped(&run(
        &t,
        Origin::Internet,
        tcp_pkt(ATTACKER, "54.1.2.3", 23),
    ));
}

#[test]
fn trap_02_nacl_deny_blocks_outside_but_not_same_subnet() {
    let mut p = public_vpc();
    let deny22 = p.b.nacl(
        p.vpc,
        "deny-ssh",
        vec![
            nacl_rule(10, false, Proto::Num(TCP), ports(22, 22), "0.0.0.0/0"),
            nacl_rule(100, true, Proto::All, PortMatch::ALL, "0.0.0.0/0"),
        ],
        allow_all_nacl_rules(),
    );
    p.b.t.subnets[p.subnet].nacl = deny22;
    let target = p.b.eni(
        p.subnet,
        "target",
        &[("10.0.0.10", eip("54.1.1.1"))],
        &[p.web],
    );
    let neighbour =
        p.b.eni(p.subnet, "neighbour", &[("10.0.0.11", None)], &[p.web]);
    let other_subnet = p.b.subnet(p.vpc, "other", "10.0.1.0/24", None);
    let outsider =
        p.b.eni(other_subnet, "outsider", &[("10.0.1.11", None)], &[p.web]);
    let t = p.b.t;

    assert_dropped_because(
        &run(&t, Origin::Internet, tcp_pkt(ATTACKER, "54.1.1.1", 22)),
        "rule 10",
    );
    // Same subnet: NACLs do not apply (C-4.4).
    assert_delivered(
        &run(
            &t,
            Origin::Eni(neighbour),
            tcp_pkt("10.0.0.11", "10.0.0.10", 22),
        ),
        target,
    );
    // Another subnet of the same VPC: the NACL applies.
    assert_dropped(&run(
        &t,
        Origin::Eni(outsider),
        tcp_pkt("10.0.1.11", "10.0.0.10", 22),
    ));
}

#[test]
fn trap_04_split_default_route_sg_equals_any() {
    let mut p = public_vpc();
    let split = p.b.sg(p.vpc, "split");
    p.b.sg_in_cidr(split, tcp(22), "0.0.0.0/1");
    p.b.sg_in_cidr(split, tcp(22), "128.0.0.0/1");
    let pl =
        p.b.prefix_list("halves", Some(&["0.0.0.0/1", "128.0.0.0/1"]));
    let by_list = p.b.sg(p.vpc, "by-list");
    p.b.sg_in(by_list, tcp(22), SgPeer::PrefixList(pl));
    let a =
        p.b.eni(p.subnet, "a", &[("10.0.0.10", eip("54.1.1.1"))], &[split]);
    let c =
        p.b.eni(p.subnet, "c", &[("10.0.0.12", eip("54.1.1.3"))], &[by_list]);
    let t = p.b.t;

    for src in ["1.2.3.4", "127.9.9.9", "128.0.0.1", "223.5.5.5"] {
        assert_delivered(&run(&t, Origin::Internet, tcp_pkt(src, "54.1.1.1", 22)), a);
        assert_delivered(&run(&t, Origin::Internet, tcp_pkt(src, "54.1.1.3", 22)), c);
    }
}

#[test]
fn trap_05_ipv6_exposure_through_igw() {
    let mut p = public_vpc();
    let v6only = p.b.sg(p.vpc, "v6-ssh");
    p.b.sg_in_cidr(v6only, tcp(22), "::/0");
    let e = p.b.eni(p.subnet, "dual", &[("10.0.0.10", None)], &[v6only]);
    p.b.t.enis[e]
        .ipv6_addresses
        .push("2600:1f18::10".parse().unwrap());
    let t = p.b.t;

    assert_delivered(
        &run(
            &t,
            Origin::Internet,
            tcp_pkt("2001:db8::1", "2600:1f18::10", 22),
        ),
        e,
    );
    // Another address in the VPC's IPv6 range that no interface owns.
    assert_dropped(&run(
        &t,
        Origin::Internet,
        tcp_pkt("2001:db8::1", "2600:1f18::11", 22),
    ));
    // The source must be in 2000::/3.
    assert_dropped(&run(
        &t,
        Origin::Internet,
        tcp_pkt("fd00::1", "2600:1f18::10", 22),
    ));
    // The IPv6 egress leaves through the IGW.
    assert_eq!(
        run(
            &t,
            Origin::Eni(e),
            tcp_pkt("2600:1f18::10", "2001:db8::1", 443)
        ),
        vec![Fate::Internet]
    );
}

#[test]
fn trap_06_eigw_does_not_admit_inbound() {
    let mut b = B::new();
    let vpc = b.vpc("vpc", "10.0.0.0/16", Some("2600:1f18::/56"));
    let eigw = b.eigw(vpc);
    let main = b.main_rt(vpc);
    b.route(main, "::/0", RouteTarget::Eigw(eigw));
    let subnet = b.subnet(vpc, "s", "10.0.0.0/24", Some("2600:1f18::/64"));
    let sg = b.sg(vpc, "open6");
    b.sg_in_cidr(sg, all(), "::/0");
    let e = b.eni(subnet, "e", &[("10.0.0.10", None)], &[sg]);
    b.t.enis[e]
        .ipv6_addresses
        .push("2600:1f18::10".parse().unwrap());
    let t = b.t;

    assert_dropped(&run(
        &t,
        Origin::Internet,
        tcp_pkt("2001:db8::1", "2600:1f18::10", 22),
    ));
    assert_eq!(
        run(
            &t,
            Origin::Eni(e),
            tcp_pkt("2600:1f18::10", "2001:db8::1", 443)
        ),
        vec![Fate::Internet]
    );
}

#[test]
fn trap_27_main_table_fallback_makes_subnet_public() {
    let mut p = public_vpc();
    // `public_vpc`'s subnet has no explicit association: it uses the main table.
    assert!(p.b.t.subnets[p.subnet].uses_main_route_table);
    let e =
        p.b.eni(p.subnet, "e", &[("10.0.0.10", eip("54.1.1.1"))], &[p.web]);
    let t = p.b.t;
    assert_eq!(
        run(&t, Origin::Eni(e), tcp_pkt("10.0.0.10", "8.8.8.8", 443)),
        vec![Fate::Internet]
    );
    assert_delivered(
        &run(&t, Origin::Internet, tcp_pkt(ATTACKER, "54.1.1.1", 22)),
        e,
    );
}

#[test]
fn trap_31_blackhole_route_no_fallback() {
    let mut p = public_vpc();
    let main = p.b.main_rt(p.vpc);
    p.b.route(main, "8.8.0.0/16", RouteTarget::Blackhole);
    let e =
        p.b.eni(p.subnet, "e", &[("10.0.0.10", eip("54.1.1.1"))], &[p.web]);
    // A deleted NAT gateway: its route is in state blackhole.
    let other_nat_subnet = p.b.subnet(p.vpc, "nat-subnet", "10.0.9.0/24", None);
    let nat = p.b.nat(other_nat_subnet, "old-nat", "10.0.9.5", None);
    let r2 = p.b.route(main, "9.9.0.0/16", RouteTarget::Nat(nat));
    p.b.t.route_tables[main].routes[r2].blackhole = true;
    let t = p.b.t;

    assert_dropped_because(
        &run(&t, Origin::Eni(e), tcp_pkt("10.0.0.10", "8.8.8.8", 443)),
        "blackhole",
    );
    assert_dropped_because(
        &run(&t, Origin::Eni(e), tcp_pkt("10.0.0.10", "9.9.9.9", 443)),
        "blackhole",
    );
    // Outside the blackholed prefixes the wider IGW route applies.
    assert_eq!(
        run(&t, Origin::Eni(e), tcp_pkt("10.0.0.10", "1.1.1.1", 443)),
        vec![Fate::Internet]
    );
}

#[test]
fn trap_32_nacl_first_match_wins() {
    let mut p = public_vpc();
    // Deliberately listed out of order: the number decides.
    let acl = p.b.nacl(
        p.vpc,
        "acl",
        vec![
            nacl_rule(200, false, Proto::Num(TCP), ports(22, 22), "0.0.0.0/0"),
            nacl_rule(100, true, Proto::All, PortMatch::ALL, "0.0.0.0/0"),
        ],
        allow_all_nacl_rules(),
    );
    p.b.t.subnets[p.subnet].nacl = acl;
    let e =
        p.b.eni(p.subnet, "e", &[("10.0.0.10", eip("54.1.1.1"))], &[p.web]);
    let mut t = p.b.t;
    assert_delivered(
        &run(&t, Origin::Internet, tcp_pkt(ATTACKER, "54.1.1.1", 22)),
        e,
    );

    // The same deny with a lower number fires.
    t.nacls[acl].ingress[0].number = 50;
    assert_dropped_because(
        &run(&t, Origin::Internet, tcp_pkt(ATTACKER, "54.1.1.1", 22)),
        "rule 50",
    );
    // A rule with no match at all: implicit deny.
    t.nacls[acl].ingress.clear();
    assert_dropped_because(
        &run(&t, Origin::Internet, tcp_pkt(ATTACKER, "54.1.1.1", 22)),
        "implicit deny",
    );
}

#[test]
fn trap_34_eip_on_secondary_ip_is_delivered() {
    let mut p = public_vpc();
    let e = p.b.eni(
        p.subnet,
        "e",
        &[("10.0.0.10", None), ("10.0.0.11", eip("54.2.2.2"))],
        &[p.web],
    );
    let t = p.b.t;
    assert_delivered(
        &run(&t, Origin::Internet, tcp_pkt(ATTACKER, "54.2.2.2", 22)),
        e,
    );
    // Egress from the secondary IP uses its mapping; the primary has none.
    assert_eq!(
        run(&t, Origin::Eni(e), tcp_pkt("10.0.0.11", ATTACKER, 443)),
        vec![Fate::Internet]
    );
    assert_dropped_because(
        &run(&t, Origin::Eni(e), tcp_pkt("10.0.0.10", ATTACKER, 443)),
        "no public IPv4",
    );
}

// ---- other behaviours -------------------------------------------------------------

#[test]
fn detached_eni_gets_nothing_from_igw() {
    let mut p = public_vpc();
    let e =
        p.b.eni(p.subnet, "e", &[("10.0.0.10", eip("54.1.1.1"))], &[p.web]);
    p.b.t.enis[e].attached = false;
    let t = p.b.t;
    assert_dropped(&run(
        &t,
        Origin::Internet,
        tcp_pkt(ATTACKER, "54.1.1.1", 22),
    ));
}

#[test]
fn auto_public_ip_uses_stand_in_address() {
    let mut p = public_vpc();
    let e = p.b.eni(
        p.subnet,
        "e",
        &[("10.0.0.10", Some(PublicIp::Auto))],
        &[p.web],
    );
    let t = p.b.t;
    let stand_in = auto_public_ip(e, 0);
    let p2 = Packet::tcp(ip(ATTACKER), IpAddr::V4(stand_in), 40000, 22);
    assert_delivered(&run(&t, Origin::Internet, p2), e);
    assert_eq!(
        run(&t, Origin::Eni(e), tcp_pkt("10.0.0.10", ATTACKER, 443)),
        vec![Fate::Internet]
    );
}

#[test]
fn lb_node_drops_non_listener_port() {
    let mut p = public_vpc();
    let lb_sg = p.b.sg(p.vpc, "lb-sg");
    p.b.sg_in_cidr(lb_sg, (Proto::Num(TCP), ports(0, 65535)), "0.0.0.0/0");
    p.b.sg_in_cidr(lb_sg, (Proto::Num(UDP), ports(0, 65535)), "0.0.0.0/0");
    let node = p.b.eni(
        p.subnet,
        "lb-node",
        &[("10.0.0.20", eip("54.3.3.3"))],
        &[lb_sg],
    );
    p.b.t.enis[node].owner = EniOwner::LoadBalancer(0);
    p.b.t.enis[node].source_dest_check = false;
    p.b.t.load_balancers.push(LoadBalancer {
        meta: meta("alb"),
        kind: LbKind::Application,
        internet_facing: true,
        dualstack: false,
        vpc: p.vpc,
        subnets: vec![p.subnet],
        security_groups: vec![lb_sg],
        listeners: vec![Listener {
            protocol: LbProtocol::Https,
            port: 443,
            target_group: None,
            pos: Pos::default(),
        }],
        enis: vec![node],
        nodes_derived: false,
        cross_zone: Some(true),
    });
    let t = p.b.t;

    assert_delivered(
        &run(&t, Origin::Internet, tcp_pkt(ATTACKER, "54.3.3.3", 443)),
        node,
    );
    assert_dropped_because(
        &run(&t, Origin::Internet, tcp_pkt(ATTACKER, "54.3.3.3", 80)),
        "listener",
    );
    // UDP to the listener's port: HTTPS listens on tcp only.
    assert_dropped_because(
        &run(&t, Origin::Internet, pkt(ATTACKER, "54.3.3.3", UDP, 443)),
        "listener",
    );
}

#[test]
fn nat_gateway_drops_unsolicited_inbound() {
    let mut p = public_vpc();
    let nat = p.b.nat(p.subnet, "nat", "10.0.0.5", Some("54.0.0.5"));
    // Give its interface an open SG so the owner rule is what drops.
    let open = p.b.sg(p.vpc, "open");
    p.b.sg_in_cidr(open, all(), "0.0.0.0/0");
    let nat_eni = p.b.t.nats[nat].eni;
    p.b.t.enis[nat_eni].security_groups = vec![open];
    let client =
        p.b.eni(p.subnet, "client", &[("10.0.0.10", None)], &[p.web]);
    let t = p.b.t;

    assert_dropped_because(
        &run(&t, Origin::Internet, tcp_pkt(ATTACKER, "54.0.0.5", 443)),
        "NAT gateway",
    );
    assert_dropped_because(
        &run(
            &t,
            Origin::Eni(client),
            tcp_pkt("10.0.0.10", "10.0.0.5", 443),
        ),
        "NAT gateway",
    );
}

/// VPC with a public subnet (main table: 0/0 → IGW) holding a NAT gateway,
/// and a private subnet whose table sends 0/0 to the NAT.
struct Natted {
    t: Topology,
    nat: NatId,
    private_rt: RouteTableId,
    public_rt: RouteTableId,
    inst: EniId,
}

fn natted() -> Natted {
    let mut b = B::new();
    let vpc = b.vpc("vpc", "10.0.0.0/16", Some("2600:1f18::/56"));
    let igw = b.igw(vpc);
    let public_rt = b.main_rt(vpc);
    b.route(public_rt, "0.0.0.0/0", RouteTarget::Igw(igw));
    let public = b.subnet(vpc, "public", "10.0.0.0/24", None);
    let private = b.subnet(vpc, "private", "10.0.1.0/24", Some("2600:1f18::/64"));
    let nat = b.nat(public, "nat", "10.0.0.5", Some("54.0.0.5"));
    let private_rt = b.rt(vpc, "private-rt");
    b.route(private_rt, "0.0.0.0/0", RouteTarget::Nat(nat));
    b.route(private_rt, "::/0", RouteTarget::Nat(nat));
    b.associate(private, private_rt);
    let sg = b.sg(vpc, "none-in");
    let inst = b.eni(private, "inst", &[("10.0.1.10", None)], &[sg]);
    b.t.enis[inst]
        .ipv6_addresses
        .push("2600:1f18::10".parse().unwrap());
    Natted {
        t: b.t,
        nat,
        private_rt,
        public_rt,
        inst,
    }
}

#[test]
fn nat_egress_reaches_internet_via_nat_subnet_table() {
    let n = natted();
    let mut t = n.t;
    let out = simulate(
        &t,
        Origin::Eni(n.inst),
        &tcp_pkt("10.0.1.10", "8.8.8.8", 443),
    );
    assert_eq!(out.fates, vec![Fate::Internet]);
    assert!(
        out.trace
            .iter()
            .any(|l| l.contains("source becomes 10.0.0.5")),
        "{:?}",
        out.trace
    );
    assert_eq!(
        run(
            &t,
            Origin::Eni(n.inst),
            pkt("10.0.1.10", "8.8.8.8", UDP, 53)
        ),
        vec![Fate::Internet]
    );
    // Not tcp/udp/icmp: dropped by the NAT (C-7.1).
    assert_dropped_because(
        &run(&t, Origin::Eni(n.inst), pkt("10.0.1.10", "8.8.8.8", 47, 0)),
        "tcp, udp",
    );
    // IPv6 through a NAT gateway (NAT64) is not modelled.
    assert_unknown(&run(
        &t,
        Origin::Eni(n.inst),
        tcp_pkt("2600:1f18::10", "2001:db8::1", 443),
    ));

    // A private NAT gateway cannot use the IGW (C-7.3).
    t.nats[n.nat].public = false;
    assert_dropped_because(
        &run(
            &t,
            Origin::Eni(n.inst),
            tcp_pkt("10.0.1.10", "8.8.8.8", 443),
        ),
        "private NAT",
    );
    t.nats[n.nat].public = true;

    // An unavailable NAT gateway drops.
    t.nats[n.nat].available = false;
    assert_dropped_because(
        &run(
            &t,
            Origin::Eni(n.inst),
            tcp_pkt("10.0.1.10", "8.8.8.8", 443),
        ),
        "not available",
    );
    t.nats[n.nat].available = true;

    // The NAT's own table decides: with 0/0 → the NAT itself, it loops (C-7.5).
    t.route_tables[n.public_rt].routes[0].target = RouteTarget::Nat(n.nat);
    assert_dropped_because(
        &run(
            &t,
            Origin::Eni(n.inst),
            tcp_pkt("10.0.1.10", "8.8.8.8", 443),
        ),
        "loop",
    );
    // With no route at all in the NAT's table: dropped.
    t.route_tables[n.public_rt].routes.clear();
    assert_dropped(&run(
        &t,
        Origin::Eni(n.inst),
        tcp_pkt("10.0.1.10", "8.8.8.8", 443),
    ));
    let _ = n.private_rt;
}

#[test]
fn nat_chain_between_two_nats_terminates() {
    let mut b = B::new();
    let vpc = b.vpc("vpc", "10.0.0.0/16", None);
    let s1 = b.subnet(vpc, "s1", "10.0.1.0/24", None);
    let s2 = b.subnet(vpc, "s2", "10.0.2.0/24", None);
    let s3 = b.subnet(vpc, "s3", "10.0.3.0/24", None);
    let n1 = b.nat(s1, "n1", "10.0.1.5", None);
    let n2 = b.nat(s2, "n2", "10.0.2.5", None);
    let (r1, r2, r3) = (b.rt(vpc, "r1"), b.rt(vpc, "r2"), b.rt(vpc, "r3"));
    b.route(r1, "0.0.0.0/0", RouteTarget::Nat(n2));
    b.route(r2, "0.0.0.0/0", RouteTarget::Nat(n1));
    b.route(r3, "0.0.0.0/0", RouteTarget::Nat(n1));
    b.associate(s1, r1);
    b.associate(s2, r2);
    b.associate(s3, r3);
    let sg = b.sg(vpc, "sg");
    let e = b.eni(s3, "e", &[("10.0.3.10", None)], &[sg]);
    let t = b.t;
    assert_dropped_because(
        &run(&t, Origin::Eni(e), tcp_pkt("10.0.3.10", "8.8.8.8", 443)),
        "loop",
    );
}

#[test]
fn prefix_list_route_loses_to_equal_length_static_route() {
    let mut p = public_vpc();
    let pl =
        p.b.prefix_list("s3", Some(&["52.216.0.0/15", "3.5.0.0/19"]));
    let ep = p.b.gateway_endpoint(p.vpc, "s3-endpoint", pl);
    let main = p.b.main_rt(p.vpc);
    p.b.push_route(
        main,
        RouteDest::PrefixList(pl),
        RouteTarget::GatewayEndpoint(ep),
    );
    let nat_sub = p.b.subnet(p.vpc, "nat-subnet", "10.0.9.0/24", None);
    let nat_rt = p.b.rt(p.vpc, "nat-rt");
    p.b.associate(nat_sub, nat_rt);
    let nat = p.b.nat(nat_sub, "nat", "10.0.9.5", Some("54.0.0.9"));
    p.b.route(main, "52.216.0.0/15", RouteTarget::Nat(nat));
    let e =
        p.b.eni(p.subnet, "e", &[("10.0.0.10", eip("54.1.1.1"))], &[p.web]);
    let t = p.b.t;

    // Equal length: the static CIDR route wins (to the NAT, whose table has no route).
    match netverify::sim::lookup(&t, main, ip("52.216.1.1")) {
        Lookup::Target(RouteTarget::Nat(n), _) => assert_eq!(n, nat),
        other => panic!("unexpected {other:?}"),
    }
    assert_dropped(&run(
        &t,
        Origin::Eni(e),
        tcp_pkt("10.0.0.10", "52.216.1.1", 443),
    ));
    // The other entry is longer than 0/0 → IGW: the endpoint wins.
    assert_eq!(
        run(&t, Origin::Eni(e), tcp_pkt("10.0.0.10", "3.5.1.1", 443)),
        vec![Fate::Endpoint { endpoint: ep }]
    );
    // Gateway endpoints carry tcp and ICMP echo request only (C-13.4).
    assert_dropped(&run(
        &t,
        Origin::Eni(e),
        pkt("10.0.0.10", "3.5.1.1", UDP, 443),
    ));
    let mut echo = pkt("10.0.0.10", "3.5.1.1", ICMP, 0);
    echo.icmp_type = 8;
    assert_eq!(
        run(&t, Origin::Eni(e), echo),
        vec![Fate::Endpoint { endpoint: ep }]
    );
}

#[test]
fn local_beats_more_specific_propagated_route() {
    let mut p = public_vpc();
    let vgw = p.b.other("vgw");
    let main = p.b.main_rt(p.vpc);
    let r = p.b.route(main, "10.0.0.0/24", RouteTarget::Other(vgw));
    p.b.t.route_tables[main].routes[r].propagated = true;
    let r = p.b.route(main, "192.168.0.0/16", RouteTarget::Other(vgw));
    p.b.t.route_tables[main].routes[r].propagated = true;
    let a = p.b.eni(p.subnet, "a", &[("10.0.0.10", None)], &[p.web]);
    let c = p.b.eni(p.subnet, "c", &[("10.0.0.11", None)], &[p.web]);
    let t = p.b.t;

    assert_delivered(
        &run(&t, Origin::Eni(a), tcp_pkt("10.0.0.10", "10.0.0.11", 22)),
        c,
    );
    // Outside the VPC the propagated route is used, and the VGW is not modelled.
    assert_unknown(&run(
        &t,
        Origin::Eni(a),
        tcp_pkt("10.0.0.10", "192.168.1.1", 22),
    ));
}

#[test]
fn appliance_route_target_is_unknown() {
    let mut p = public_vpc();
    let appliance_subnet = p.b.subnet(p.vpc, "fw", "10.0.5.0/24", None);
    let fw =
        p.b.eni(appliance_subnet, "fw", &[("10.0.5.5", None)], &[p.web]);
    p.b.t.enis[fw].source_dest_check = false;
    let main = p.b.main_rt(p.vpc);
    p.b.route(main, "198.51.100.0/24", RouteTarget::Eni(fw));
    let e =
        p.b.eni(p.subnet, "e", &[("10.0.0.10", eip("54.1.1.1"))], &[p.web]);
    let mut t = p.b.t;

    assert_unknown(&run(
        &t,
        Origin::Eni(e),
        tcp_pkt("10.0.0.10", "198.51.100.7", 443),
    ));
    t.enis[fw].source_dest_check = true;
    assert_dropped_because(
        &run(
            &t,
            Origin::Eni(e),
            tcp_pkt("10.0.0.10", "198.51.100.7", 443),
        ),
        "source/destination",
    );
}

#[test]
fn sg_reference_matches_member_private_ip() {
    let mut b = B::new();
    let vpc = b.vpc("vpc", "10.0.0.0/16", None);
    let s1 = b.subnet(vpc, "s1", "10.0.1.0/24", None);
    let s2 = b.subnet(vpc, "s2", "10.0.2.0/24", None);
    let web = b.sg(vpc, "web");
    let other = b.sg(vpc, "other");
    let db = b.sg(vpc, "db");
    b.sg_in(db, tcp(5432), SgPeer::SecurityGroup(web));
    let w = b.eni(
        s1,
        "w",
        &[("10.0.1.10", None), ("10.0.1.11", None)],
        &[other, web],
    );
    let x = b.eni(s1, "x", &[("10.0.1.20", None)], &[other]);
    let d = b.eni(s2, "d", &[("10.0.2.10", None)], &[db]);
    let mut t = b.t;

    assert_delivered(
        &run(&t, Origin::Eni(w), tcp_pkt("10.0.1.10", "10.0.2.10", 5432)),
        d,
    );
    // Every address of a member counts (exposure mode).
    assert_delivered(
        &run(&t, Origin::Eni(w), tcp_pkt("10.0.1.11", "10.0.2.10", 5432)),
        d,
    );
    assert_dropped(&run(
        &t,
        Origin::Eni(x),
        tcp_pkt("10.0.1.20", "10.0.2.10", 5432),
    ));
    assert_dropped(&run(
        &t,
        Origin::Eni(w),
        tcp_pkt("10.0.1.10", "10.0.2.10", 5433),
    ));
    // A detached interface is not a member (the simulator does not stop a
    // detached interface from sending; only membership changes).
    t.enis[w].attached = false;
    assert_dropped(&run(
        &t,
        Origin::Eni(w),
        tcp_pkt("10.0.1.10", "10.0.2.10", 5432),
    ));
}

#[test]
fn bpa_block_ingress_stops_internet_delivery() {
    let mut p = public_vpc();
    let e =
        p.b.eni(p.subnet, "e", &[("10.0.0.10", eip("54.1.1.1"))], &[p.web]);
    let nat_subnet = p.b.subnet(p.vpc, "nat-subnet", "10.0.9.0/24", None);
    let nat = p.b.nat(nat_subnet, "nat", "10.0.9.5", Some("54.0.0.9"));
    let private = p.b.subnet(p.vpc, "private", "10.0.1.0/24", None);
    let prt = p.b.rt(p.vpc, "private-rt");
    p.b.route(prt, "0.0.0.0/0", RouteTarget::Nat(nat));
    p.b.associate(private, prt);
    let q = p.b.eni(private, "q", &[("10.0.1.10", None)], &[p.web]);
    let mut t = p.b.t;
    let inbound = tcp_pkt(ATTACKER, "54.1.1.1", 22);
    let direct_out = tcp_pkt("10.0.0.10", "8.8.8.8", 443);
    let natted_out = tcp_pkt("10.0.1.10", "8.8.8.8", 443);
    assert_delivered(&run(&t, Origin::Internet, inbound), e);

    t.bpa.mode = BpaMode::BlockIngress;
    assert_dropped_because(&run(&t, Origin::Internet, inbound), "block public access");
    // Direct IGW egress is blocked; NAT egress is allowed.
    assert_dropped_because(&run(&t, Origin::Eni(e), direct_out), "block public access");
    assert_eq!(run(&t, Origin::Eni(q), natted_out), vec![Fate::Internet]);

    // An allow-egress exclusion lets direct egress out but not ingress in.
    t.bpa.subnet_exclusions = vec![(p.subnet, BpaExclusionMode::AllowEgress)];
    assert_eq!(run(&t, Origin::Eni(e), direct_out), vec![Fate::Internet]);
    assert_dropped(&run(&t, Origin::Internet, inbound));

    // A subnet excluded with allow-bidirectional receives.
    t.bpa.subnet_exclusions = vec![(p.subnet, BpaExclusionMode::AllowBidirectional)];
    assert_delivered(&run(&t, Origin::Internet, inbound), e);
    // ...but only that subnet.
    t.bpa.subnet_exclusions = vec![(nat_subnet, BpaExclusionMode::AllowBidirectional)];
    assert_dropped_because(&run(&t, Origin::Internet, inbound), "subnet public");

    // A VPC exclusion.
    t.bpa.subnet_exclusions.clear();
    t.bpa.vpc_exclusions = vec![(p.vpc, BpaExclusionMode::AllowBidirectional)];
    assert_delivered(&run(&t, Origin::Internet, inbound), e);

    // Block-bidirectional blocks NAT egress too.
    t.bpa.vpc_exclusions.clear();
    t.bpa.mode = BpaMode::BlockBidirectional;
    assert_dropped(&run(&t, Origin::Eni(q), natted_out));
    assert_dropped(&run(&t, Origin::Internet, inbound));
    let _ = p.igw;
}

// ---- matching details -----------------------------------------------------------

#[test]
fn unknown_prefix_list_in_sg_is_unknown_only_when_it_matters() {
    let mut p = public_vpc();
    let pl = p.b.prefix_list("corp", None);
    let sg = p.b.sg(p.vpc, "corp");
    p.b.sg_in(sg, tcp(22), SgPeer::PrefixList(pl));
    p.b.sg_in_cidr(sg, tcp(22), "198.51.100.0/24");
    let e =
        p.b.eni(p.subnet, "e", &[("10.0.0.10", eip("54.1.1.1"))], &[sg]);
    let t = p.b.t;
    // A known rule allows: allowed.
    assert_delivered(
        &run(
            &t,
            Origin::Internet,
            tcp_pkt("198.51.100.1", "54.1.1.1", 22),
        ),
        e,
    );
    // Only the unknown list could allow: unknown.
    assert_unknown(&run(
        &t,
        Origin::Internet,
        tcp_pkt(ATTACKER, "54.1.1.1", 22),
    ));
    // No rule matches the port: dropped.
    assert_dropped(&run(
        &t,
        Origin::Internet,
        tcp_pkt(ATTACKER, "54.1.1.1", 80),
    ));
}

#[test]
fn unknown_prefix_list_route_makes_lookup_unknown() {
    let mut p = public_vpc();
    let pl = p.b.prefix_list("corp", None);
    let main = p.b.main_rt(p.vpc);
    let x = p.b.other("tgw");
    p.b.push_route(main, RouteDest::PrefixList(pl), RouteTarget::Other(x));
    let e =
        p.b.eni(p.subnet, "e", &[("10.0.0.10", eip("54.1.1.1"))], &[p.web]);
    let t = p.b.t;
    assert_unknown(&run(
        &t,
        Origin::Eni(e),
        tcp_pkt("10.0.0.10", "8.8.8.8", 443),
    ));
    assert!(matches!(
        netverify::sim::lookup(&t, main, ip("10.0.0.11")),
        Lookup::Unknown(_)
    ));
}

#[test]
fn overlapping_prefix_lists_with_different_targets_are_unknown() {
    let mut p = public_vpc();
    let a = p.b.prefix_list("a", Some(&["198.51.100.0/24"]));
    let c = p.b.prefix_list("c", Some(&["198.51.100.0/24"]));
    let main = p.b.main_rt(p.vpc);
    let x = p.b.other("tgw");
    p.b.push_route(main, RouteDest::PrefixList(a), RouteTarget::Other(x));
    p.b.push_route(main, RouteDest::PrefixList(c), RouteTarget::Igw(p.igw));
    let e =
        p.b.eni(p.subnet, "e", &[("10.0.0.10", eip("54.1.1.1"))], &[p.web]);
    let t = p.b.t;
    assert_unknown(&run(
        &t,
        Origin::Eni(e),
        tcp_pkt("10.0.0.10", "198.51.100.1", 443),
    ));
    assert_eq!(
        run(
            &t,
            Origin::Eni(e),
            tcp_pkt("10.0.0.10", "198.51.101.1", 443)
        ),
        vec![Fate::Internet]
    );
}

#[test]
fn static_route_for_vpc_cidr_replaces_local() {
    let mut p = public_vpc();
    let fw_subnet = p.b.subnet(p.vpc, "fw", "10.0.5.0/24", None);
    let fw = p.b.eni(fw_subnet, "fw", &[("10.0.5.5", None)], &[p.web]);
    p.b.t.enis[fw].source_dest_check = false;
    let main = p.b.main_rt(p.vpc);
    p.b.route(main, "10.0.0.0/16", RouteTarget::Eni(fw));
    let e = p.b.eni(p.subnet, "e", &[("10.0.0.10", None)], &[p.web]);
    let t = p.b.t;
    assert_unknown(&run(
        &t,
        Origin::Eni(e),
        tcp_pkt("10.0.0.10", "10.0.0.11", 22),
    ));
}

#[test]
fn edge_route_table_redirect_is_unknown() {
    let mut p = public_vpc();
    let fw_subnet = p.b.subnet(p.vpc, "fw", "10.0.5.0/24", None);
    let fw = p.b.eni(fw_subnet, "fw", &[("10.0.5.5", None)], &[p.web]);
    p.b.t.enis[fw].source_dest_check = false;
    let e =
        p.b.eni(p.subnet, "e", &[("10.0.0.10", eip("54.1.1.1"))], &[p.web]);
    let edge = p.b.rt(p.vpc, "edge");
    p.b.t.route_tables[edge]
        .edge_associations
        .push(GatewayRef::Igw(p.igw));
    p.b.t.igws[p.igw].edge_route_table = Some(edge);
    let mut t = p.b.t;
    // Only the implicit local routes: delivered.
    assert_delivered(
        &run(&t, Origin::Internet, tcp_pkt(ATTACKER, "54.1.1.1", 22)),
        e,
    );
    // The public subnet redirected to the firewall: unknown.
    t.route_tables[edge].routes.push(Route {
        dest: RouteDest::Cidr(net("10.0.0.0/24")),
        target: RouteTarget::Eni(fw),
        blackhole: false,
        propagated: false,
        pos: Pos::default(),
    });
    assert_unknown(&run(
        &t,
        Origin::Internet,
        tcp_pkt(ATTACKER, "54.1.1.1", 22),
    ));
}

#[test]
fn source_dest_check_and_sg_egress_apply_at_the_sender() {
    let mut p = public_vpc();
    let quiet = p.b.sg(p.vpc, "quiet");
    p.b.t.security_groups[quiet].egress.clear();
    let e =
        p.b.eni(p.subnet, "e", &[("10.0.0.10", eip("54.1.1.1"))], &[p.web]);
    let q =
        p.b.eni(p.subnet, "q", &[("10.0.0.11", eip("54.1.1.2"))], &[quiet]);
    let mut t = p.b.t;
    assert_dropped_because(
        &run(&t, Origin::Eni(e), tcp_pkt("10.0.0.99", "8.8.8.8", 443)),
        "source/destination",
    );
    assert_dropped(&run(
        &t,
        Origin::Eni(q),
        tcp_pkt("10.0.0.11", "8.8.8.8", 443),
    ));
    // With the check off the source is not checked (the IGW then drops the
    // unmapped source).
    t.enis[e].source_dest_check = false;
    assert_dropped_because(
        &run(&t, Origin::Eni(e), tcp_pkt("10.0.0.99", "8.8.8.8", 443)),
        "no public IPv4",
    );
    // The IGW refuses private destinations.
    assert_dropped_because(
        &run(&t, Origin::Eni(e), tcp_pkt("10.0.0.10", "192.168.1.1", 443)),
        "RFC 1918",
    );
}

#[test]
fn internet_source_must_be_public_and_not_spoof_the_vpc() {
    let mut b = B::new();
    // A VPC using public address space.
    let vpc = b.vpc("vpc", "198.18.0.0/16", None);
    let igw = b.igw(vpc);
    let main = b.main_rt(vpc);
    b.route(main, "0.0.0.0/0", RouteTarget::Igw(igw));
    let s = b.subnet(vpc, "s", "198.18.0.0/24", None);
    let sg = b.sg(vpc, "open");
    b.sg_in_cidr(sg, all(), "0.0.0.0/0");
    let e = b.eni(s, "e", &[("198.18.0.10", eip("54.1.1.1"))], &[sg]);
    let t = b.t;
    assert_delivered(
        &run(&t, Origin::Internet, tcp_pkt(ATTACKER, "54.1.1.1", 22)),
        e,
    );
    assert_dropped_because(
        &run(&t, Origin::Internet, tcp_pkt("10.9.9.9", "54.1.1.1", 22)),
        "not an internet address",
    );
    assert_dropped_because(
        &run(&t, Origin::Internet, tcp_pkt("198.18.0.77", "54.1.1.1", 22)),
        "spoofed",
    );
    // Nobody's address.
    assert_dropped(&run(
        &t,
        Origin::Internet,
        tcp_pkt(ATTACKER, "54.9.9.9", 22),
    ));
}

#[test]
fn icmp_type_and_code_matching() {
    let mut p = public_vpc();
    let sg = p.b.sg(p.vpc, "ping");
    p.b.sg_in_cidr(
        sg,
        (
            Proto::Num(ICMP),
            PortMatch {
                ports: (0, 65535),
                icmp_type: Some(8),
                icmp_code: None,
            },
        ),
        "0.0.0.0/0",
    );
    let e =
        p.b.eni(p.subnet, "e", &[("10.0.0.10", eip("54.1.1.1"))], &[sg]);
    let t = p.b.t;
    let mut echo = pkt(ATTACKER, "54.1.1.1", ICMP, 0);
    echo.icmp_type = 8;
    echo.icmp_code = 3;
    assert_delivered(&run(&t, Origin::Internet, echo), e);
    echo.icmp_type = 13;
    assert_dropped(&run(&t, Origin::Internet, echo));
}

#[test]
fn duplicate_public_address_gives_one_fate_per_distinct_outcome() {
    let mut p = public_vpc();
    let a =
        p.b.eni(p.subnet, "a", &[("10.0.0.10", eip("54.1.1.1"))], &[p.web]);
    let c =
        p.b.eni(p.subnet, "c", &[("10.0.0.11", eip("54.1.1.1"))], &[p.web]);
    let d =
        p.b.eni(p.subnet, "d", &[("10.0.0.12", eip("54.1.1.1"))], &[]);
    let t = p.b.t;
    let fates = run(&t, Origin::Internet, tcp_pkt(ATTACKER, "54.1.1.1", 22));
    assert_eq!(fates.len(), 3, "{fates:?}");
    assert!(fates.contains(&Fate::Delivered { eni: a }));
    assert!(fates.contains(&Fate::Delivered { eni: c }));
    assert!(fates.iter().any(|f| matches!(f, Fate::Dropped { .. })));
    let _ = d;
}

// ---- topologies read by the loader ----------------------------------------------

fn load_fixture(name: &str) -> Topology {
    let path = format!("{}/topologies/{name}", env!("CARGO_MANIFEST_DIR"));
    let text = std::fs::read_to_string(&path).unwrap();
    match netverify::model::load_str(&text, name) {
        Ok(t) => t,
        Err(e) => panic!("{name} does not load: {e:?}"),
    }
}

fn eni_named(t: &Topology, name: &str) -> EniId {
    match t.names.get(name) {
        Some(ResourceRef::Eni(i)) => *i,
        other => panic!("{name} is not an interface: {other:?}"),
    }
}

#[test]
fn yaml_three_tier_with_eip_in_nat_routed_subnet() {
    let t = load_fixture("fail-public-ip-nat-routed-subnet.yaml");
    let app1 = eni_named(&t, "app-1-eni");
    let app2 = eni_named(&t, "app-2-eni");
    let alb_a = eni_named(&t, "web-alb-eni-a");
    let db = eni_named(&t, "db-primary-eni");

    // Trap 1: the EIP in the NAT-routed subnet is delivered to.
    assert_delivered(
        &run(
            &t,
            Origin::Internet,
            tcp_pkt(ATTACKER, "54.164.23.90", 8080),
        ),
        app2,
    );
    // app-nacl rule 200 denies SSH before the ephemeral allow.
    assert_dropped(&run(
        &t,
        Origin::Internet,
        tcp_pkt(ATTACKER, "54.164.23.90", 22),
    ));
    // The NAT gateway's EIP takes no unsolicited inbound.
    assert_dropped(&run(
        &t,
        Origin::Internet,
        tcp_pkt(ATTACKER, "3.215.92.41", 443),
    ));
    // The ALB node (auto public IPv4) on a listener port and off it.
    let alb_public = IpAddr::V4(auto_public_ip(alb_a, 0));
    let to_alb = |port| Packet::tcp(ip(ATTACKER), alb_public, 40000, port);
    assert_delivered(&run(&t, Origin::Internet, to_alb(443)), alb_a);
    assert_dropped(&run(&t, Origin::Internet, to_alb(8443)));
    // app-1 reaches the internet through nat-a, and the database locally.
    assert_eq!(
        run(
            &t,
            Origin::Eni(app1),
            tcp_pkt("10.0.10.21", "198.51.100.1", 443)
        ),
        vec![Fate::Internet]
    );
    assert_delivered(
        &run(
            &t,
            Origin::Eni(app1),
            tcp_pkt("10.0.10.21", "10.0.20.48", 5432),
        ),
        db,
    );
    // IPv6 egress through the egress-only IGW; IPv6 inbound to app-1 finds
    // app-sg closed to the internet.
    assert_eq!(
        run(
            &t,
            Origin::Eni(app1),
            tcp_pkt(
                "2600:1f18:4a2b:7d0a:6c3f:e812:77a9:1b04",
                "2001:db8::1",
                443
            )
        ),
        vec![Fate::Internet]
    );
    assert_dropped(&run(
        &t,
        Origin::Internet,
        tcp_pkt(
            "2001:db8::1",
            "2600:1f18:4a2b:7d0a:6c3f:e812:77a9:1b04",
            8080,
        ),
    ));
}

#[test]
fn yaml_main_table_fallback() {
    let t = load_fixture("fail-main-table-fallback.yaml");
    let tools = eni_named(&t, "tools-1-eni");
    let public = IpAddr::V4(auto_public_ip(tools, 0));
    assert_delivered(
        &run(
            &t,
            Origin::Internet,
            Packet::tcp(ip(ATTACKER), public, 40000, 22),
        ),
        tools,
    );
}

#[test]
fn yaml_appliance_route_target() {
    let t = load_fixture("unknown-appliance-route-target.yaml");
    let app1 = eni_named(&t, "app-1-eni");
    assert_unknown(&run(
        &t,
        Origin::Eni(app1),
        tcp_pkt("10.0.10.21", "172.20.1.1", 443),
    ));
}

#[test]
fn yaml_inline_blackhole_and_prefix_list() {
    let yaml = r#"
version: 1
vpcs:
  - { name: v, cidrs: [10.0.0.0/16] }
internet_gateways:
  - { name: igw, vpc: v }
prefix_lists:
  - { name: s3, entries: [52.216.0.0/15] }
subnets:
  - { name: s, vpc: v, cidr: 10.0.0.0/24 }
route_tables:
  - name: main
    vpc: v
    main: true
    routes:
      - { destination: 0.0.0.0/0, target: igw }
      - { destination: 8.8.0.0/16, target: blackhole }
      - { prefix_list: s3, target: s3-gw }
vpc_endpoints:
  - { name: s3-gw, vpc: v, type: gateway, service: com.amazonaws.us-east-1.s3, route_tables: [main], prefix_list: s3 }
security_groups:
  - name: sg
    vpc: v
    ingress: [{ protocol: tcp, ports: 22, cidr: 0.0.0.0/0 }]
    egress: [{ protocol: all, cidr: 0.0.0.0/0 }]
network_interfaces:
  - name: e
    subnet: s
    private_ips: [{ address: 10.0.0.10, public_ip: 54.1.1.1 }]
    security_groups: [sg]
"#;
    let t = match netverify::model::load_str(yaml, "t.yaml") {
        Ok(t) => t,
        Err(e) => panic!("does not load: {e:?}"),
    };
    let e = eni_named(&t, "e");
    let ep = match t.names.get("s3-gw") {
        Some(ResourceRef::Endpoint(i)) => *i,
        other => panic!("{other:?}"),
    };
    assert_delivered(
        &run(&t, Origin::Internet, tcp_pkt(ATTACKER, "54.1.1.1", 22)),
        e,
    );
    assert_eq!(
        run(&t, Origin::Eni(e), tcp_pkt("10.0.0.10", "1.1.1.1", 443)),
        vec![Fate::Internet]
    );
    assert_dropped_because(
        &run(&t, Origin::Eni(e), tcp_pkt("10.0.0.10", "8.8.8.8", 443)),
        "blackhole",
    );
    assert_eq!(
        run(&t, Origin::Eni(e), tcp_pkt("10.0.0.10", "52.217.0.1", 443)),
        vec![Fate::Endpoint { endpoint: ep }]
    );
}

// ----- service paths (private-service-access, traps 7, 9, 11, 13) ----------

mod service_paths {
    use netverify::hs::Packet;
    use netverify::model::load_str;
    use netverify::sim::service::{Resolution, ServiceFate, resolve, service_fate};

    const S3: &str = "com.amazonaws.us-east-1.s3";
    const ECR: &str = "com.amazonaws.us-east-1.ecr.api";

    fn topo(edit: &[(&str, &str)]) -> netverify::model::Topology {
        let mut y = r#"version: 1
region: us-east-1
vpcs:
  - {name: vpc, cidrs: [10.0.0.0/16], dns_hostnames: true}
internet_gateways: [{name: igw, vpc: vpc}]
subnets:
  - {name: pub, vpc: vpc, cidr: 10.0.0.0/24, route_table: rtb-pub}
  - {name: app, vpc: vpc, cidr: 10.0.1.0/24, route_table: rtb-app}
route_tables:
  - {name: rtb-pub, vpc: vpc, routes: [{destination: 0.0.0.0/0, target: igw}]}
  - {name: rtb-app, vpc: vpc, routes: [{destination: 0.0.0.0/0, target: nat}]}
nat_gateways: [{name: nat, subnet: pub, private_ip: 10.0.0.5, public_ip: 198.51.100.5}]
prefix_lists: [{name: s3-pl, service: com.amazonaws.us-east-1.s3, entries: [52.216.0.0/15]}]
vpc_endpoints:
  - {name: gw, vpc: vpc, type: gateway, service: com.amazonaws.us-east-1.s3, prefix_list: s3-pl, route_tables: [rtb-app]}
  - {name: ecr, vpc: vpc, type: interface, service: com.amazonaws.us-east-1.ecr.api, subnets: [app], security_groups: [sg]}
security_groups:
  - {name: sg, vpc: vpc, ingress: [{protocol: tcp, ports: 443, cidr: 10.0.0.0/16}], egress: [{protocol: all, cidr: 0.0.0.0/0}]}
network_interfaces:
  - {name: w, subnet: app, private_ips: [{address: 10.0.1.10}], security_groups: [sg]}
  - {name: ecr-eni, subnet: app, owner: {vpc_endpoint: ecr}, private_ips: [{address: 10.0.1.20}], security_groups: [sg]}
"#
        .to_string();
        for (a, b) in edit {
            assert!(y.contains(a), "{a}");
            y = y.replacen(a, b, 1);
        }
        load_str(&y, "t.yaml").unwrap_or_else(|e| panic!("{}", e.render(Some(&y))))
    }

    fn to(dst: &str) -> Packet {
        Packet::tcp(
            "10.0.1.10".parse().unwrap(),
            dst.parse().unwrap(),
            40000,
            443,
        )
    }

    #[test]
    fn gateway_endpoint_route_keeps_s3_private() {
        let t = topo(&[]);
        assert_eq!(
            service_fate(&t, 0, S3, &to("52.216.1.1")),
            ServiceFate::Private
        );
    }

    #[test]
    fn trap_07_table_without_the_endpoint_sends_s3_through_nat() {
        let t = topo(&[("route_tables: [rtb-app]}", "route_tables: []}")]);
        assert!(matches!(
            service_fate(&t, 0, S3, &to("52.216.1.1")),
            ServiceFate::Leak(_)
        ));
    }

    #[test]
    fn nat_then_endpoint_is_a_leak() {
        // The NAT's subnet uses the endpoint; the workload's does not: the
        // packet reaches the endpoint, through the NAT gateway (C-7.8).
        let t = topo(&[("route_tables: [rtb-app]}", "route_tables: [rtb-pub]}")]);
        let raw = netverify::sim::simulate(&t, netverify::sim::Origin::Eni(0), &to("52.216.1.1"));
        assert_eq!(
            raw.fates,
            vec![netverify::sim::Fate::Endpoint { endpoint: 0 }]
        );
        assert!(matches!(
            service_fate(&t, 0, S3, &to("52.216.1.1")),
            ServiceFate::Leak(_)
        ));
    }

    #[test]
    fn private_dns_resolves_to_the_endpoint_interfaces() {
        let t = topo(&[]);
        match resolve(&t, 0, ECR) {
            Resolution::Endpoint(nets) => {
                assert_eq!(nets.len(), 1);
                assert_eq!(nets[0].addr().to_string(), "10.0.1.20");
            }
            other => panic!("{other:?}"),
        }
        assert_eq!(
            service_fate(&t, 0, ECR, &to("10.0.1.20")),
            ServiceFate::Private
        );
        assert_eq!(resolve(&t, 0, S3), Resolution::Public);
    }

    #[test]
    fn trap_11_private_dns_needs_dns_hostnames() {
        let t = topo(&[("dns_hostnames: true", "dns_hostnames: false")]);
        assert_eq!(resolve(&t, 0, ECR), Resolution::Public);
    }

    #[test]
    fn trap_09_inbound_only_private_dns_gives_public_answers() {
        let t = topo(&[(
            "subnets: [app], security_groups: [sg]}",
            "subnets: [app], security_groups: [sg], private_dns_only_for_inbound_resolver_endpoint: true}",
        )]);
        assert_eq!(resolve(&t, 0, ECR), Resolution::Public);
    }

    #[test]
    fn trap_13_custom_dhcp_dns_is_unknown() {
        let t = topo(&[(
            "dns_hostnames: true}",
            "dns_hostnames: true, dhcp_options: {domain_name_servers: [10.0.0.53]}}",
        )]);
        assert!(matches!(resolve(&t, 0, ECR), Resolution::Unknown(_)));
    }
}

// ---- the walker's recorders ---------------------------------------------------

/// With `sim::EveryBlocker` the walk records every component that
/// drops the packet and carries on as if it were fixed: a packet from the
/// internet stopped by BPA, by the NACL and by the security group is
/// recorded three times, in path order, and is delivered once they are
/// fixed; the oracle (`simulate`) still stops at the first, with the same
/// reason as before.
#[test]
fn every_blocker_recorder_carries_on_past_bpa_nacl_and_sg() {
    let mut p = public_vpc();
    let deny_all = p.b.nacl(p.vpc, "deny-all", Vec::new(), Vec::new());
    p.b.t.subnets[p.subnet].nacl = deny_all;
    let e =
        p.b.eni(p.subnet, "e", &[("10.0.0.10", eip("54.1.1.1"))], &[p.web]);
    let mut t = p.b.t;
    t.bpa.mode = BpaMode::BlockIngress;
    let inbound = tcp_pkt(ATTACKER, "54.1.1.1", 443);

    let oracle = simulate(&t, Origin::Internet, &inbound);
    assert_dropped_because(&oracle.fates, "block public access");
    assert_eq!(oracle.blockers.len(), 1, "{:?}", oracle.blockers);

    let walk = simulate_blockers(&t, Origin::Internet, &inbound);
    let at: Vec<Blocked> = walk.blockers.iter().map(|b| b.at.clone()).collect();
    assert_eq!(
        at,
        vec![
            Blocked::Bpa {
                vpc: p.vpc,
                subnet: None,
                dir: Direction::Ingress
            },
            Blocked::Nacl {
                subnet: p.subnet,
                dir: Direction::Ingress
            },
            Blocked::Sg {
                eni: e,
                dir: Direction::Ingress
            },
        ]
    );
    // The first blocker is the oracle's drop.
    assert_eq!(walk.blockers[0], oracle.blockers[0]);
    assert_delivered(&walk.fates, e);
}

/// A drop that leaves no way on (a blackhole route) ends the branch in
/// both recorders, recorded as a blocker at the winning route; the
/// security group that denies egress before it is recorded first.
#[test]
fn every_blocker_recorder_stops_at_a_blackhole_route() {
    let mut b = B::new();
    let vpc = b.vpc("vpc", "10.0.0.0/16", None);
    let subnet = b.subnet(vpc, "a", "10.0.0.0/24", None);
    let main = b.main_rt(vpc);
    b.route(main, "0.0.0.0/0", RouteTarget::Blackhole);
    let sg = b.sg(vpc, "none");
    b.t.security_groups[sg].egress.clear();
    let e = b.eni(subnet, "e", &[("10.0.0.10", None)], &[sg]);
    let t = b.t;
    let out = tcp_pkt("10.0.0.10", "8.8.8.8", 443);

    let walk = simulate_blockers(&t, Origin::Eni(e), &out);
    assert_dropped_because(&walk.fates, "blackhole");
    let at: Vec<&Blocked> = walk.blockers.iter().map(|b| &b.at).collect();
    assert!(
        matches!(
            at.as_slice(),
            [
                Blocked::Sg {
                    dir: Direction::Egress,
                    ..
                },
                Blocked::Route {
                    blackhole: Some(_),
                    ..
                }
            ]
        ),
        "{at:?}"
    );
    let oracle = simulate(&t, Origin::Eni(e), &out);
    assert_eq!(oracle.blockers, walk.blockers[..1].to_vec());
}

/// A recorder that follows the packet towards one route target, as a
/// report steering towards a goal does: it carries on past every blocker,
/// takes any other target for a wrong turn, and detours to its own.
#[derive(Clone)]
struct Towards(RouteTarget);

impl Recorder for Towards {
    fn carry_on(&mut self, _at: &Blocked, _p: &Packet) -> bool {
        true
    }

    fn leads_on(&self, _topo: &Topology, _vpc: VpcId, target: &RouteTarget, _p: &Packet) -> bool {
        *target == self.0
    }

    fn detour(&mut self, _topo: &Topology, _vpc: VpcId, _p: &Packet) -> Option<RouteTarget> {
        Some(self.0.clone())
    }
}

/// Past a blackhole route the steering recorder takes the packet where it
/// should go (the internet gateway), with the route as its blocker; the
/// oracle still drops it at the blackhole.
#[test]
fn walker_detours_past_a_blackhole_route_for_a_steering_recorder() {
    let mut b = B::new();
    let vpc = b.vpc("vpc", "10.0.0.0/16", None);
    let igw = b.igw(vpc);
    let subnet = b.subnet(vpc, "a", "10.0.0.0/24", None);
    let main = b.main_rt(vpc);
    b.route(main, "0.0.0.0/0", RouteTarget::Blackhole);
    let sg = b.sg(vpc, "out");
    let e = b.eni(subnet, "e", &[("10.0.0.10", eip("54.1.1.1"))], &[sg]);
    let t = b.t;
    let out = tcp_pkt("10.0.0.10", "8.8.8.8", 443);
    assert_dropped_because(&simulate(&t, Origin::Eni(e), &out).fates, "blackhole");
    let w = walk(
        &t,
        Origin::Eni(e),
        &out,
        false,
        Towards(RouteTarget::Igw(igw)),
    );
    assert_eq!(w.fates, vec![Fate::Internet], "{}", w.trace.join("\n"));
    assert!(
        matches!(
            w.blockers
                .iter()
                .map(|b| &b.at)
                .collect::<Vec<_>>()
                .as_slice(),
            [Blocked::Route {
                blackhole: Some(_),
                ..
            }]
        ),
        "{:?}",
        w.blockers
    );
}

/// A route to another target than the one the recorder follows is a
/// blocker ([`Blocked::WrongTarget`]) and the walk detours; no route at
/// all, likewise. The oracle follows the route as it is.
#[test]
fn walker_takes_a_wrong_turn_as_a_blocker_for_a_steering_recorder() {
    let n = natted();
    let t = n.t;
    let igw = 0;
    let out = tcp_pkt("10.0.1.10", "8.8.8.8", 443);
    // The private subnet routes to the NAT gateway: a wrong turn for a
    // recorder that wants the internet gateway directly.
    let w = walk(
        &t,
        Origin::Eni(n.inst),
        &out,
        false,
        Towards(RouteTarget::Igw(igw)),
    );
    let at: Vec<&Blocked> = w.blockers.iter().map(|b| &b.at).collect();
    assert!(
        matches!(
            at.first(),
            Some(Blocked::WrongTarget {
                target: RouteTarget::Nat(_),
                ..
            })
        ),
        "{at:?}"
    );
    // Straight to the internet gateway, the instance has no public
    // address (C-6.1): recorded, carried past.
    assert!(
        at.iter()
            .any(|b| matches!(b, Blocked::NoPublicSource { .. })),
        "{at:?}"
    );
    assert_eq!(w.fates, vec![Fate::Internet]);
    assert_eq!(
        simulate(&t, Origin::Eni(n.inst), &out).fates,
        vec![Fate::Internet]
    );
    // No route at all: the same detour.
    let mut t2 = t.clone();
    t2.route_tables[n.private_rt].routes.clear();
    let w = walk(
        &t2,
        Origin::Eni(n.inst),
        &out,
        false,
        Towards(RouteTarget::Nat(n.nat)),
    );
    assert!(
        matches!(
            w.blockers.first().map(|b| &b.at),
            Some(Blocked::Route {
                blackhole: None,
                ..
            })
        ),
        "{:?}",
        w.blockers
    );
    // Past the NAT gateway, the public subnet's table leads to the internet
    // gateway, not to the NAT gateway the recorder follows: one more turn,
    // and then the NAT gateway routes to itself, which ends the branch.
    assert!(
        matches!(w.fates.as_slice(), [Fate::Dropped { reason }] if reason.contains("routes to itself"))
            && matches!(
                w.blockers.last().map(|b| &b.at),
                Some(Blocked::NatLoop { .. })
            ),
        "{:?}\n{}",
        w.fates,
        w.trace.join("\n")
    );
}

/// The oracle with security groups stateful, as for a reply to an admitted
/// flow (C-5.3): NACLs and routes still decide (C-0.2).
#[derive(Clone)]
struct Reply;

impl Recorder for Reply {
    fn carry_on(&mut self, _at: &Blocked, _p: &Packet) -> bool {
        false
    }

    fn stateful(&self) -> bool {
        true
    }
}

/// A reply passes security groups that would drop a new flow, in both
/// directions, and is still dropped by a NACL.
#[test]
fn walker_lets_a_reply_through_stateful_security_groups() {
    let mut b = B::new();
    let vpc = b.vpc("vpc", "10.0.0.0/16", None);
    let a = b.subnet(vpc, "a", "10.0.0.0/24", None);
    let c = b.subnet(vpc, "c", "10.0.1.0/24", None);
    let closed = b.sg(vpc, "closed");
    b.t.security_groups[closed].egress.clear();
    let server = b.eni(a, "server", &[("10.0.0.10", None)], &[closed]);
    let client = b.eni(c, "client", &[("10.0.1.10", None)], &[closed]);
    let mut t = b.t;
    let reply = tcp_pkt("10.0.0.10", "10.0.1.10", 40000);
    let oracle = simulate(&t, Origin::Eni(server), &reply);
    assert!(
        matches!(
            oracle.blockers.first().map(|b| &b.at),
            Some(Blocked::Sg {
                dir: Direction::Egress,
                ..
            })
        ),
        "{:?}",
        oracle.blockers
    );
    let w = walk(&t, Origin::Eni(server), &reply, false, Reply);
    assert_eq!(w.fates, vec![Fate::Delivered { eni: client }]);
    assert!(w.blockers.is_empty(), "{:?}", w.blockers);
    // The client subnet's NACL still decides.
    let deny = t.nacls.len();
    t.nacls.push(Nacl {
        meta: meta("deny-all"),
        vpc,
        ..Default::default()
    });
    t.subnets[c].nacl = deny;
    let w = walk(&t, Origin::Eni(server), &reply, false, Reply);
    assert_dropped(&w.fates);
    assert!(
        matches!(
            w.blockers.as_slice(),
            [Blocker {
                at: Blocked::Nacl {
                    dir: Direction::Ingress,
                    ..
                },
                ..
            }]
        ),
        "{:?}",
        w.blockers
    );
}

/// A recorder that follows one branch of each fork and prefers the one
/// that delivers to `want` (then the fewest blockers), carrying on past
/// every blocker.
#[derive(Clone)]
struct Prefer {
    want: EniId,
    arrived: bool,
    blocked: usize,
}

impl Recorder for Prefer {
    fn carry_on(&mut self, _at: &Blocked, _p: &Packet) -> bool {
        self.blocked += 1;
        true
    }

    fn one_branch(&self) -> bool {
        true
    }

    fn cost(&self) -> (usize, usize, usize) {
        (usize::from(!self.arrived), self.blocked, 0)
    }

    fn ended(&mut self, fate: &Fate) {
        self.arrived |= *fate == Fate::Delivered { eni: self.want };
    }
}

/// Where two interfaces own the destination address the oracle follows
/// both; a recorder that keeps one branch gets the one it prefers, with
/// that branch's blockers only (the other branch's state is undone).
#[test]
fn walker_keeps_the_branch_a_recorder_prefers_at_a_fork() {
    let mut b = B::new();
    let vpc = b.vpc("vpc", "10.0.0.0/16", None);
    let a = b.subnet(vpc, "a", "10.0.0.0/24", None);
    let c = b.subnet(vpc, "c", "10.0.1.0/24", None);
    let deny = b.nacl(vpc, "deny-all", Vec::new(), Vec::new());
    b.t.subnets[c].nacl = deny;
    let open = b.sg(vpc, "open");
    b.sg_in_cidr(open, all(), "0.0.0.0/0");
    let src = b.eni(a, "src", &[("10.0.0.5", None)], &[open]);
    let near = b.eni(a, "near", &[("10.0.0.10", None)], &[open]);
    let far = b.eni(c, "far", &[("10.0.0.10", None)], &[open]);
    let t = b.t;
    let p = tcp_pkt("10.0.0.5", "10.0.0.10", 443);
    let oracle = simulate(&t, Origin::Eni(src), &p);
    assert_eq!(oracle.fates.len(), 2, "{:?}", oracle.fates);
    let prefer = |want| Prefer {
        want,
        arrived: false,
        blocked: 0,
    };
    let w = walk(&t, Origin::Eni(src), &p, false, prefer(far));
    assert_eq!(w.fates, vec![Fate::Delivered { eni: far }]);
    assert!(
        matches!(
            w.blockers.as_slice(),
            [Blocker {
                at: Blocked::Nacl {
                    dir: Direction::Ingress,
                    ..
                },
                ..
            }]
        ),
        "{:?}",
        w.blockers
    );
    let w = walk(&t, Origin::Eni(src), &p, false, prefer(near));
    assert_eq!(w.fates, vec![Fate::Delivered { eni: near }]);
    assert!(w.blockers.is_empty(), "{:?}", w.blockers);
}

/// A recorder that carries on past every blocker and knows which interface
/// a packet from the internet is meant for.
#[derive(Clone)]
struct MeantFor(EniId);

impl Recorder for MeantFor {
    fn carry_on(&mut self, _at: &Blocked, _p: &Packet) -> bool {
        true
    }

    fn internet_detour(&mut self, _topo: &Topology, _p: &Packet) -> Option<EniId> {
        Some(self.0)
    }
}

/// From the internet to an interface without a public address (C-6.1), or
/// in a VPC without an internet gateway: the oracle drops the packet at the
/// edge; a recorder that names the interface records the missing address
/// (or gateway) and carries on into the VPC, through its NACL and security
/// group, to the interface.
#[test]
fn walker_enters_past_a_missing_public_address_or_gateway_for_a_recorder() {
    let mut p = public_vpc();
    let e = p.b.eni(p.subnet, "e", &[("10.0.0.10", None)], &[p.web]);
    let t = p.b.t;
    let inbound = tcp_pkt(ATTACKER, "10.0.0.10", 22);
    assert_dropped(&simulate(&t, Origin::Internet, &inbound).fates);
    let w = walk(&t, Origin::Internet, &inbound, false, MeantFor(e));
    assert_eq!(
        w.fates,
        vec![Fate::Delivered { eni: e }],
        "{}",
        w.trace.join("\n")
    );
    assert!(
        matches!(
            w.blockers.as_slice(),
            [Blocker {
                at: Blocked::NoPublicAddress { .. },
                ..
            }]
        ),
        "{:?}",
        w.blockers
    );
    // Without the internet gateway: the VPC is the blocker.
    let mut t = t;
    t.igws.clear();
    t.vpcs[p.vpc].igw = None;
    let w = walk(&t, Origin::Internet, &inbound, false, MeantFor(e));
    assert_eq!(w.fates, vec![Fate::Delivered { eni: e }]);
    assert!(
        matches!(
            w.blockers.as_slice(),
            [Blocker {
                at: Blocked::NoIgw { .. },
                ..
            }]
        ),
        "{:?}",
        w.blockers
    );
}

/// A recorder that writes down the components the packet passes.
#[derive(Clone, Default)]
struct Steps(Vec<String>);

impl Recorder for Steps {
    fn carry_on(&mut self, _at: &Blocked, _p: &Packet) -> bool {
        false
    }

    fn passed(&mut self, step: &netverify::sim::Passed, p: &Packet) {
        let kind = format!("{step:?}");
        let kind = kind.split([' ', '{']).next().unwrap_or_default();
        self.0.push(format!("{kind} {}", p.src));
    }
}

/// The walk tells its recorder every component the packet passes, in path
/// order, with the packet as it is there (after the NAT gateway's
/// translation), and hands the recorder back.
#[test]
fn walker_reports_every_component_passed_in_path_order() {
    let n = natted();
    let out = tcp_pkt("10.0.1.10", "8.8.8.8", 443);
    let (o, steps) = walk_with(&n.t, Origin::Eni(n.inst), &out, false, Steps::default());
    assert_eq!(o.fates, vec![Fate::Internet]);
    assert_eq!(
        steps.0,
        [
            "Sg 10.0.1.10",
            "Route 10.0.1.10",
            "Nacl 10.0.1.10",
            "Nacl 10.0.1.10",
            "Nat 10.0.0.5",
            "Route 10.0.0.5",
            "Nacl 10.0.0.5",
            "IgwOut 10.0.0.5",
        ],
        "{}",
        o.trace.join("\n")
    );
}
