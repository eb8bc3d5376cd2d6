#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "test helpers fail by panicking"
)]

//! The `transit-encryption` and `ipsec-strength` checks on the fixtures in
//! `tests/fixtures/transit-encryption/`: each fixture states its verdict in
//! an `# expect:` line, and each trap test also asserts the rule that
//! decided (the route decision and the reason the crossing is clear).

#[path = "common/field_data.rs"]
mod field_data;

use netverify::checks::{ipsec_strength, transit_encryption};
use netverify::engine::Engine;
use netverify::model::{OnPremId, Topology, load_file, load_str};
use netverify::report::{CheckResult, FindingKind, Verdict};

const DIR: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/tests/fixtures/transit-encryption"
);

fn fixture(name: &str) -> Topology {
    match load_file(std::path::Path::new(&format!("{DIR}/{name}"))) {
        Ok(t) => t,
        Err(e) => panic!("{name}: {}", e.render(None)),
    }
}

fn check(t: &Topology) -> CheckResult {
    transit_encryption::run(&Engine::new(t))
}

/// The messages of the findings of one kind.
fn messages(r: &CheckResult, kind: FindingKind) -> Vec<String> {
    r.findings
        .iter()
        .filter(|f| f.kind == kind)
        .map(|f| f.message.clone())
        .collect()
}

#[track_caller]
fn assert_one_containing(r: &CheckResult, kind: FindingKind, parts: &[&str]) {
    let ms = messages(r, kind);
    assert!(
        ms.iter().any(|m| parts.iter().all(|p| m.contains(p))),
        "no {kind:?} finding contains all of {parts:?}; findings: {ms:#?}"
    );
}

/// The engine and the simulator both end `p` from `origin` exactly at an
/// exit to on prem over `via`.
#[track_caller]
fn assert_leaves_over(
    t: &Topology,
    origin: netverify::engine::Origin,
    p: &netverify::hs::Packet,
    via: netverify::model::OnPremVia,
) {
    use netverify::engine::End;
    use netverify::sim::{self, Fate};
    let out = sim::simulate(t, origin, p);
    assert_eq!(out.fates, vec![Fate::OnPrem { via }], "{:?}", out.trace);
    let reach = Engine::new(t).reach(origin, &netverify::hs::HeaderSet::universe());
    let ends: Vec<&End> = reach
        .flows
        .iter()
        .filter(|f| f.set.contains(p))
        .map(|f| &f.end)
        .collect();
    assert_eq!(ends, vec![&End::OnPrem(via)]);
}

#[test]
fn every_fixture_has_the_verdict_it_expects() {
    let mut n = 0;
    for entry in std::fs::read_dir(DIR).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().and_then(|e| e.to_str()) != Some("yaml") {
            continue;
        }
        let text = std::fs::read_to_string(&path).unwrap();
        let expect = text
            .lines()
            .find_map(|l| l.strip_prefix("# expect: "))
            .unwrap_or_else(|| panic!("{} has no `# expect:` line", path.display()));
        let name = path.file_name().unwrap().to_string_lossy().to_string();
        let prefix = match expect {
            "proven" => "pass-",
            "violated" => "fail-",
            _ => "unknown-",
        };
        assert!(name.starts_with(prefix), "{name} expects {expect}");
        let t = load_str(&text, &name).unwrap();
        let r = check(&t);
        assert_eq!(r.verdict.as_str(), expect, "{name}: {:#?}", r.findings);
        n += 1;
    }
    assert!(n >= 10, "only {n} fixtures");
}

#[test]
fn reference_topology_is_proven_in_both_directions() {
    let t = fixture("pass-hybrid-reference.yaml");
    let r = check(&t);
    assert_eq!(r.verdict, Verdict::Proven, "{:#?}", r.findings);
    assert!(r.findings.is_empty());
    // And the tunnels are strong.
    let s = ipsec_strength::run(&Engine::new(&t));
    assert_eq!(s.verdict, Verdict::Proven, "{:#?}", s.findings);
}

#[test]
fn trap_14_vgw_dx_bgp_beats_bgp_vpn() {
    let r = check(&fixture("fail-trap-14-vgw-dx-beats-bgp-vpn.yaml"));
    assert_eq!(r.verdict, Verdict::Violated);
    assert_one_containing(
        &r,
        FindingKind::Violation,
        &[
            "10.0.10.5 → 10.50.",
            "leaves AWS unencrypted over virtual interface `vif-private`",
            "vgw-app: 10.50.0.0/16 over virtual interface `vif-private` (DX BGP) beats vpn connection `vpn-dc1` (VPN BGP) (C-10.3",
            "`dxcon-1` encryptionMode `no_encrypt`",
        ],
    );
}

#[test]
fn trap_15_tgw_dx_gateway_route_beats_bgp_vpn() {
    let r = check(&fixture("fail-trap-15-tgw-dxgw-beats-bgp-vpn.yaml"));
    assert_eq!(r.verdict, Verdict::Violated);
    assert_one_containing(
        &r,
        FindingKind::Violation,
        &[
            "rtb-app: route 10.50.0.0/16 → tgw-core",
            "tgw-rtb-main: 10.50.0.0/16 propagated from att-dxgw (DX gateway) beats `att-vpn` (VPN) (C-9.4",
            "`dxcon-1` encryptionMode `no_encrypt`",
        ],
    );
    let w = r
        .findings
        .iter()
        .find(|f| f.kind == FindingKind::Violation)
        .and_then(|f| f.witness.as_ref())
        .unwrap();
    assert!(w.path.iter().any(|h| h.component == "vif-transit"));
    // The last hop names the connection and why it is in the clear.
    let last = w.path.last().unwrap();
    assert_eq!(last.component, "dxcon-1");
    assert_eq!(
        last.rule,
        "`dxcon-1` encryptionMode `no_encrypt` (C-12.4, C-12.6)"
    );
}

#[test]
fn trap_15_static_vpn_route_encrypts_aws_to_on_prem_but_on_prem_to_aws_is_unknown() {
    let r = check(&fixture(
        "unknown-trap-15-static-vpn-route-on-prem-direction.yaml",
    ));
    assert_eq!(r.verdict, Verdict::Unknown, "{:#?}", r.findings);
    // AWS → on prem: the static route wins, nothing leaves in the clear.
    assert!(messages(&r, FindingKind::Violation).is_empty());
    assert!(
        !messages(&r, FindingKind::Unknown)
            .iter()
            .any(|m| m.contains("leaves AWS"))
    );
    // On prem → AWS: the DX gateway advertises the VPC CIDR, preference unstated.
    assert_one_containing(
        &r,
        FindingKind::Unknown,
        &[
            "10.50.",
            "→ 10.0.10.5 may enter AWS unencrypted over virtual interface `vif-transit`",
            "does not say which path the on-prem routers prefer",
        ],
    );
}

#[test]
fn trap_15_stating_the_preference_for_dx_makes_it_violated() {
    let path = format!("{DIR}/unknown-trap-15-static-vpn-route-on-prem-direction.yaml");
    let text = std::fs::read_to_string(path).unwrap().replace(
        "      - { via: vif-transit, prefixes: [10.50.0.0/16] }\n",
        "      - { via: vif-transit, prefixes: [10.50.0.0/16] }\n    prefer: [dx, vpn]\n",
    );
    let t = load_str(&text, "t.yaml").unwrap();
    let r = check(&t);
    assert_eq!(r.verdict, Verdict::Violated);
    assert_one_containing(
        &r,
        FindingKind::Violation,
        &[
            "enters AWS unencrypted over virtual interface `vif-transit`",
            "chosen by the stated on-prem preference",
        ],
    );
    // Preferring the VPN proves it.
    let t = load_str(
        &text.replace("prefer: [dx, vpn]", "prefer: [vpn, dx]"),
        "t.yaml",
    )
    .unwrap();
    assert_eq!(check(&t).verdict, Verdict::Proven);
}

#[test]
fn trap_16_longest_prefix_splits_dx_and_vpn() {
    let r = check(&fixture("fail-trap-16-lpm-splits-dx-and-vpn.yaml"));
    assert_eq!(r.verdict, Verdict::Violated);
    assert_one_containing(
        &r,
        FindingKind::Violation,
        &[
            "→ 10.60.",
            "tgw-rtb-main: 10.0.0.0/8 propagated from att-dxgw",
        ],
    );
    // The VPN slice stays encrypted: no violation towards 10.50.0.0/16.
    assert!(
        !messages(&r, FindingKind::Violation)
            .iter()
            .any(|m| m.contains("→ 10.50."))
    );
}

#[test]
fn trap_17_dx_gateway_route_bypasses_private_ip_vpn() {
    let r = check(&fixture("fail-trap-17-dxgw-beats-private-ip-vpn.yaml"));
    assert_eq!(r.verdict, Verdict::Violated);
    assert_one_containing(
        &r,
        FindingKind::Violation,
        &[
            "tgw-rtb-main: 10.50.0.0/16 propagated from att-dxgw (DX gateway) beats `att-vpn-private` (VPN over private DX) (C-9.4",
            "over virtual interface `vif-transit`",
        ],
    );
}

#[test]
fn trap_18_should_encrypt_is_not_encrypted() {
    let r = check(&fixture("fail-trap-18-should-encrypt.yaml"));
    assert_eq!(r.verdict, Verdict::Violated);
    assert_one_containing(
        &r,
        FindingKind::Violation,
        &["`dxcon-1` encryptionMode `should_encrypt`, which fails open (C-12.5, C-12.6)"],
    );
}

#[test]
fn trap_18_lag_with_a_member_that_is_not_macsec_capable() {
    let path = format!("{DIR}/pass-dx-macsec-must-encrypt.yaml");
    let text = std::fs::read_to_string(path).unwrap().replace(
        "    - { name: dxcon-1, kind: dedicated, bandwidth: 10Gbps, macsec_capable: true, encryption_mode: must_encrypt, macsec_keys: [{ state: associated }] }\n",
        "    - { name: dxcon-1, lag: lag-1, macsec_capable: true }\n    - { name: dxcon-2, lag: lag-1 }\n  lags:\n    - { name: lag-1, macsec_capable: true, encryption_mode: must_encrypt, macsec_keys: [{ state: associated }] }\n",
    ).replace("connection: dxcon-1", "connection: lag-1");
    let t = load_str(&text, "t.yaml").unwrap();
    let r = check(&t);
    assert_eq!(r.verdict, Verdict::Violated, "{:#?}", r.findings);
    assert_one_containing(
        &r,
        FindingKind::Violation,
        &["`dxcon-2` is not MACsec-capable (C-12.6)"],
    );
}

#[test]
fn trap_19_must_encrypt_on_a_hosted_connection_is_unknown() {
    let r = check(&fixture("unknown-trap-19-must-encrypt-on-hosted.yaml"));
    assert_eq!(r.verdict, Verdict::Unknown);
    assert_one_containing(
        &r,
        FindingKind::Unknown,
        &["`dxcon-1` is a hosted connection", "(C-12.7)"],
    );
}

#[test]
fn dx_macsec_must_encrypt_with_a_key_is_encrypted() {
    let r = check(&fixture("pass-dx-macsec-must-encrypt.yaml"));
    assert_eq!(r.verdict, Verdict::Proven, "{:#?}", r.findings);
}

#[test]
fn trap_21_public_vif_to_an_eip_enters_unencrypted() {
    let t = fixture("fail-trap-21-public-vif-to-eip.yaml");
    let r = check(&t);
    assert_eq!(r.verdict, Verdict::Violated, "{:#?}", r.findings);
    assert_one_containing(
        &r,
        FindingKind::Violation,
        &[
            "198.51.100.",
            "→ 203.0.113.25",
            "public virtual interface `vif-public` carries it to the internet gateway unencrypted",
        ],
    );
    // Without a stated preference, unknown.
    let text = std::fs::read_to_string(format!("{DIR}/fail-trap-21-public-vif-to-eip.yaml"))
        .unwrap()
        .replace("    prefer: [dx]\n", "");
    let r = check(&load_str(&text, "t.yaml").unwrap());
    assert_one_containing(
        &r,
        FindingKind::Unknown,
        &["may reach AWS over public virtual interface `vif-public` unencrypted"],
    );
    // (Still violated: the app reaches the data centre's public range
    // through the internet gateway, see the next test.)
    assert_eq!(r.verdict, Verdict::Violated, "{:#?}", r.findings);
}

#[test]
fn unstated_routes_over_an_unencrypted_connection_are_unknown() {
    let path = format!("{DIR}/pass-hybrid-reference.yaml");
    let text = std::fs::read_to_string(path).unwrap().replace(
        "      - { via: vif-transit, prefixes: [172.16.0.0/30] }\n",
        "",
    );
    let r = check(&load_str(&text, "t.yaml").unwrap());
    assert_eq!(r.verdict, Verdict::Unknown, "{:#?}", r.findings);
    assert_one_containing(
        &r,
        FindingKind::Unknown,
        &["does not state the routes it advertises over virtual interface `vif-transit`"],
    );
}

#[test]
fn clear_connection_that_no_route_points_at_and_no_network_names_is_unknown() {
    // Without `on_prem_networks` the BGP routes are unknown, and no static
    // route points at a connection: nothing is derived. The VPNs are IPsec
    // whatever enters them; the DX virtual interface is in the clear, and
    // what on prem sends over it cannot be checked.
    let path = format!("{DIR}/pass-hybrid-reference.yaml");
    let text = std::fs::read_to_string(path).unwrap();
    let cut = text.find("on_prem_networks:").unwrap();
    let t = load_str(&text[..cut], "t.yaml").unwrap();
    assert!(t.hybrid.on_prem.is_empty());
    let r = check(&t);
    assert_eq!(r.verdict, Verdict::Unknown, "{:#?}", r.findings);
    assert_one_containing(
        &r,
        FindingKind::Unknown,
        &["no on-prem network is behind virtual interface `vif-transit`"],
    );
    assert!(
        messages(&r, FindingKind::Unknown)
            .iter()
            .all(|m| !m.contains("vpn connection `vpn-dc1`"))
    );
}

#[test]
fn gaps_for_transit_encryption_make_it_unknown() {
    let path = format!("{DIR}/pass-hybrid-reference.yaml");
    let text = std::fs::read_to_string(path).unwrap()
        + "gaps:\n  - what: describe-direct-connect-gateways failed\n    affects: [transit-encryption]\n";
    let r = check(&load_str(&text, "t.yaml").unwrap());
    assert_eq!(r.verdict, Verdict::Unknown);
}

// ----- ipsec-strength ---------------------------------------------------------

#[test]
fn ipsec_strength_reports_defaults_ikev1_sha1_and_weak_dh_groups() {
    let yaml = "version: 1\nvpcs:\n  - { name: v, cidrs: [10.0.0.0/16] }\nvpn_gateways:\n  - { name: vgw, vpc: v }\ncustomer_gateways:\n  - { name: cgw }\nvpn_connections:\n  - name: vpn\n    customer_gateway: cgw\n    gateway: vgw\n    tunnels:\n      - { ike_versions: [ikev1, ikev2], phase1_integrity: [SHA1], phase2_integrity: [SHA2-256], phase1_dh_groups: [2, 14], phase2_dh_groups: [14] }\n";
    let t = load_str(yaml, "t.yaml").unwrap();
    let r = ipsec_strength::run(&Engine::new(&t));
    assert_eq!(r.verdict, Verdict::Violated);
    assert_eq!(r.findings.len(), 2, "{:#?}", r.findings);
    assert!(
        r.findings
            .iter()
            .all(|f| f.severity == netverify::report::Severity::Warning)
    );
    assert_eq!(
        r.findings[0].message,
        "tunnel 1 of vpn connection `vpn` permits IKEv1, SHA-1 in phase 1, DH group 2 in phase 1 (C-11.3)"
    );
    assert_eq!(
        r.findings[1].message,
        "tunnel 2 of vpn connection `vpn` (not listed: AWS defaults throughout) permits IKEv1 (option left at its default), SHA-1 in phase 1 (option left at its default), SHA-1 in phase 2 (option left at its default), DH group 2 in phase 1 (option left at its default), DH groups 2, 5 in phase 2 (option left at its default) (C-11.3)"
    );
    assert_eq!(r.findings[0].location.as_ref().unwrap().line, 13);
}

// ----- on-prem-access ------------------------------------------------------------

/// The hybrid reference with its policy replaced by `policy`.
fn with_policy(policy: &str) -> Topology {
    load_str(&reference_without_policy(policy), "t.yaml").unwrap()
}

fn reference_without_policy(policy: &str) -> String {
    let text = std::fs::read_to_string(format!("{DIR}/pass-hybrid-reference.yaml")).unwrap();
    let (body, _) = text.split_once("\npolicy:\n").unwrap();
    format!("{body}\n{policy}")
}

#[test]
fn on_prem_may_reach_the_app_on_443_only() {
    use netverify::checks::on_prem_access;
    let t = with_policy(
        "policy:\n  on_prem_access:\n    - network: dc1-k8s\n      allow:\n        - { resource: app-1, ports: [tcp/443] }\n",
    );
    let r = on_prem_access::run(&Engine::new(&t));
    assert_eq!(r.verdict, Verdict::Proven, "{:#?}", r.findings);
    // Allowing only SSH: what the app's security group admits (443) is beyond it.
    let t = with_policy(
        "policy:\n  on_prem_access:\n    - network: dc1-k8s\n      allow:\n        - { resource: app-1, ports: [tcp/22] }\n",
    );
    let r = on_prem_access::run(&Engine::new(&t));
    assert_eq!(r.verdict, Verdict::Violated);
    let f = &r.findings[0];
    assert_eq!(
        f.message,
        "on-prem network `dc1-k8s` reaches network interface `app-1-eni` beyond what the on_prem_access policy allows"
    );
    assert_eq!(f.flows[0].protocol, "tcp");
    assert_eq!(f.flows[0].ports, ["443"]);
    assert_eq!(f.flows[0].sources, ["10.50.0.0/16"]);
    let w = f.witness.as_ref().unwrap();
    assert!(w.path.iter().any(|h| h.component == "dc1-k8s"));
    assert!(
        w.path
            .iter()
            .any(|h| h.component == "att-vpn" || h.component == "att-vpn-private")
    );
    // A network the policy does not list is not constrained.
    let r = on_prem_access::run(&Engine::new(&with_policy("")));
    assert_eq!(r.verdict, Verdict::Proven);
    assert_eq!(r.summary, "no on_prem_access policy");
}

#[test]
fn error_on_prem_access_policy_names_an_unknown_network() {
    let text = reference_without_policy(
        "policy:\n  on_prem_access:\n    - network: dc1-k9s\n      allow: []\n",
    );
    let err = load_str(&text, "t.yaml").unwrap_err();
    let d = &err.diagnostics()[0];
    assert_eq!(
        d.message,
        "the on_prem_access policy refers to unknown on-prem network `dc1-k9s`"
    );
    assert_eq!(d.help.as_deref(), Some("did you mean `dc1-k8s`?"));
}

#[test]
fn replies_to_on_prem_leave_over_the_aws_route_whatever_the_egress_rules() {
    // The app may not initiate anything towards on prem, but it answers
    // on-prem clients on 443 (C-5.3), and its replies follow the AWS routes:
    // the DX gateway route wins (C-9.4), so the replies leave in the clear.
    let text = std::fs::read_to_string(format!("{DIR}/fail-trap-15-tgw-dxgw-beats-bgp-vpn.yaml"))
        .unwrap()
        .replace(
            "    egress:\n      - { protocol: all, cidr: 0.0.0.0/0 }\n",
            "    egress:\n      - { protocol: all, cidr: 10.0.0.0/16 }\n",
        );
    let t = load_str(&text, "t.yaml").unwrap();
    let r = check(&t);
    assert_eq!(r.verdict, Verdict::Violated, "{:#?}", r.findings);
    let v = r
        .findings
        .iter()
        .find(|f| f.kind == FindingKind::Violation)
        .unwrap();
    let w = v.witness.as_ref().unwrap();
    // A packet from the app to on prem: replies are followed whatever the
    // egress rules say (ports are over-approximated, fail closed).
    assert_eq!(w.packet.src, "10.0.10.5");
    assert!(w.packet.dst.starts_with("10.50."));
    assert!(!w.path.iter().any(|h| h.rule.starts_with("egress:")));
    assert!(
        v.message
            .contains("propagated from att-dxgw (DX gateway) beats `att-vpn` (VPN)")
    );
    // Without the on-prem ingress rule there is nothing to answer: proven.
    let t = load_str(
        &text.replace(
            "    ingress:\n      - { protocol: tcp, ports: 443, cidr: 10.50.0.0/16 }\n",
            "    ingress: []\n",
        ),
        "t.yaml",
    )
    .unwrap();
    assert_eq!(check(&t).verdict, Verdict::Proven);
}

#[test]
fn replies_from_on_prem_over_an_advertising_dx_are_unknown_without_a_preference() {
    // The app only initiates (no ingress rule); on prem's replies come back
    // over whichever path its routers choose. The DX gateway advertises the
    // VPC CIDR over an unencrypted connection, and the topology does not
    // state a preference: unknown, although no on-prem client may connect.
    let text = std::fs::read_to_string(format!(
        "{DIR}/unknown-trap-15-static-vpn-route-on-prem-direction.yaml"
    ))
    .unwrap()
    .replace(
        "    ingress:\n      - { protocol: tcp, ports: 443, cidr: 10.50.0.0/16 }\n",
        "    ingress: []\n",
    );
    let t = load_str(&text, "t.yaml").unwrap();
    let r = check(&t);
    assert_eq!(r.verdict, Verdict::Unknown, "{:#?}", r.findings);
    assert_one_containing(
        &r,
        FindingKind::Unknown,
        &[
            "→ 10.0.10.5",
            "may enter AWS unencrypted over virtual interface `vif-transit`",
        ],
    );
    // If the app may not send to on prem either, nothing crosses: proven.
    let t = load_str(
        &text.replace(
            "    egress:\n      - { protocol: all, cidr: 0.0.0.0/0 }\n",
            "    egress:\n      - { protocol: all, cidr: 10.0.0.0/16 }\n",
        ),
        "t.yaml",
    )
    .unwrap();
    assert_eq!(
        check(&t).verdict,
        Verdict::Proven,
        "{:#?}",
        check(&t).findings
    );
}

#[test]
fn trap_21_aws_to_on_prem_public_prefixes_leaves_over_the_public_vif_in_the_clear() {
    use netverify::engine::Origin;
    use netverify::hs::Packet;
    use netverify::model::OnPremVia;
    use netverify::sim::{self, Fate};
    // Trap 21's data centre also owns 198.51.100.0/24 and advertises it over
    // the public VIF; the app (with an EIP) sends there through the internet
    // gateway, and AWS carries it over Direct Connect (C-12.1), no MACsec.
    let t = fixture("fail-trap-21-public-vif-to-eip.yaml");
    let r = check(&t);
    assert_one_containing(
        &r,
        FindingKind::Violation,
        &[
            "10.0.1.5 → 198.51.100.",
            "leaves AWS unencrypted over virtual interface `vif-public`",
            "rtb-pub: route 0.0.0.0/0 → igw",
            "`dxcon-1` encryptionMode `no_encrypt`",
        ],
    );
    // Engine and simulator agree on the exit.
    let app = t
        .enis
        .iter()
        .position(|e| e.meta.name == "app-1-eni")
        .unwrap();
    let vif = t
        .hybrid
        .vifs
        .position(|v| v.meta.name == "vif-public")
        .unwrap();
    let p = Packet::tcp(
        "10.0.1.5".parse().unwrap(),
        "198.51.100.7".parse().unwrap(),
        40000,
        443,
    );
    assert_leaves_over(&t, Origin::Eni(app), &p, OnPremVia::Vif(vif));
    // Other internet destinations still leave through the internet gateway.
    let q = Packet {
        dst: "8.8.8.8".parse().unwrap(),
        ..p
    };
    assert_eq!(
        sim::simulate(&t, Origin::Eni(app), &q).fates,
        vec![Fate::Internet]
    );
    // Through a NAT gateway (the app without an EIP, in a private subnet):
    // the NAT gateway's public address goes the same way.
    let text = std::fs::read_to_string(format!("{DIR}/fail-trap-21-public-vif-to-eip.yaml"))
        .unwrap()
        .replace(
            "    private_ips: [{ address: 10.0.1.5, public_ip: 203.0.113.25, eip_allocation: eipalloc-1 }]",
            "    private_ips: [{ address: 10.0.2.5 }]",
        )
        .replace("    subnet: pub-a\n", "    subnet: app-a\n")
        .replace(
            "route_tables:\n",
            "nat_gateways:\n  - { name: nat-a, subnet: pub-a, private_ip: 10.0.1.9, public_ip: 203.0.113.30 }\nroute_tables:\n  - name: rtb-app\n    vpc: app\n    routes:\n      - { destination: 0.0.0.0/0, target: nat-a }\n",
        )
        .replace(
            "subnets:\n",
            "subnets:\n  - { name: app-a, vpc: app, availability_zone: us-east-1a, cidr: 10.0.2.0/24, route_table: rtb-app }\n",
        );
    let r = check(&load_str(&text, "t.yaml").unwrap());
    assert_one_containing(
        &r,
        FindingKind::Violation,
        &[
            "10.0.2.5 → 198.51.100.",
            "leaves AWS unencrypted over virtual interface `vif-public`",
        ],
    );
    // MACsec must_encrypt with an associated key on the connection: encrypted.
    let macsec = std::fs::read_to_string(format!("{DIR}/fail-trap-21-public-vif-to-eip.yaml"))
        .unwrap()
        .replace(
            "{ name: dxcon-1, kind: dedicated, bandwidth: 10Gbps }",
            "{ name: dxcon-1, kind: dedicated, bandwidth: 10Gbps, macsec_capable: true, encryption_mode: must_encrypt, macsec_keys: [{ state: associated }] }",
        );
    let r = check(&load_str(&macsec, "t.yaml").unwrap());
    assert_eq!(r.verdict, Verdict::Proven, "{:#?}", r.findings);
}

#[test]
fn on_prem_public_addresses_reached_through_the_internet_gateway_are_in_the_clear() {
    // An on-prem public range that is not advertised over the public VIF is
    // reached over the internet: in the clear as well.
    let text = std::fs::read_to_string(format!("{DIR}/fail-trap-21-public-vif-to-eip.yaml"))
        .unwrap()
        .replace(
            "cidrs: [10.50.0.0/16, 198.51.100.0/24]",
            "cidrs: [10.50.0.0/16, 198.51.100.0/24, 192.0.2.0/24]",
        );
    let r = check(&load_str(&text, "t.yaml").unwrap());
    assert_one_containing(
        &r,
        FindingKind::Violation,
        &[
            "10.0.1.5 → 192.0.2.",
            "leaves AWS through an internet gateway to an on-prem address",
            "rtb-pub: route 0.0.0.0/0 → igw",
        ],
    );
}

#[test]
fn vpn_cloudhub_legs_are_encrypted_only_where_they_are_vpns() {
    use netverify::engine::Origin;
    use netverify::hs::Packet;
    use netverify::model::OnPremVia;
    use netverify::sim::{self, Fate};
    let name = "fail-cloudhub-branch-to-dc-over-dx.yaml";
    let t = fixture(name);
    let r = check(&t);
    assert_eq!(r.verdict, Verdict::Violated);
    assert_one_containing(
        &r,
        FindingKind::Violation,
        &[
            "192.168.50.",
            "on-prem network `branch` reaches another on-prem network through vpn gateway `vgw` (CloudHub, C-10.6)",
            "leaves AWS unencrypted over virtual interface `vif-private`",
        ],
    );
    // The branch's packet to the data centre: in over the VPN, out over DX,
    // in the engine and the simulator alike (C-10.6).
    let branch = t
        .hybrid
        .on_prem
        .position(|n| n.meta.name == "branch")
        .unwrap();
    let vif = t
        .hybrid
        .vifs
        .position(|v| v.meta.name == "vif-private")
        .unwrap();
    let p = Packet::tcp(
        "192.168.50.7".parse().unwrap(),
        "10.50.1.1".parse().unwrap(),
        40000,
        22,
    );
    assert_leaves_over(&t, Origin::OnPrem(branch), &p, OnPremVia::Vif(vif));
    // Both sites over VPNs: every leg is IPsec, and CloudHub is no finding.
    let text = std::fs::read_to_string(format!("{DIR}/{name}"))
        .unwrap()
        .replace(
            "    via: [vif-private]\n    advertises:\n      - { via: vif-private,",
            "    via: [vpn-dc]\n    advertises:\n      - { via: vpn-dc,",
        )
        .replace(
            "vpn_connections:\n",
            "vpn_connections:\n  - { name: vpn-dc, customer_gateway: cgw-dc, gateway: vgw }\n",
        )
        .replace(
            "customer_gateways:\n",
            "customer_gateways:\n  - { name: cgw-dc, ip_address: 198.51.100.30, bgp_asn: 65030 }\n",
        );
    let t = load_str(&text, "t.yaml").unwrap();
    let r = check(&t);
    assert!(
        !r.findings
            .iter()
            .any(|f| f.message.contains("another on-prem network")),
        "{:#?}",
        r.findings
    );
    // And the branch does reach the data centre (over the other VPN).
    let dc_vpn = t.hybrid.vpns.position(|v| v.meta.name == "vpn-dc").unwrap();
    let out = sim::simulate(&t, Origin::OnPrem(branch), &p);
    assert_eq!(
        out.fates,
        vec![Fate::OnPrem {
            via: OnPremVia::Vpn(dc_vpn)
        }],
        "{:?}",
        out.trace
    );
}

// ----- on-prem networks derived from the routes AWS shows (issue 13) -------

const SNAPSHOTS: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/snapshots");

/// Imports one of the hybrid snapshot fixtures and loads the YAML it writes.
fn imported(name: &str) -> (String, Topology) {
    let dir = std::path::Path::new(SNAPSHOTS).join(name);
    let i = netverify::import::import_snapshot(&dir).unwrap();
    let yaml = netverify::import::to_yaml(&i.file);
    let t = load_str(&yaml, &format!("{name}.yaml"))
        .unwrap_or_else(|e| panic!("{name}: {}", e.render(None)));
    (yaml, t)
}

/// The snapshot fixture has no hand-written on-prem section; the importer
/// writes derived networks only.
#[track_caller]
fn assert_all_derived(yaml: &str, t: &Topology) {
    assert!(!t.hybrid.on_prem.is_empty(), "no on-prem network derived");
    assert!(t.hybrid.on_prem.iter().all(|n| n.derived));
    assert!(yaml.contains("derived: true"), "{yaml}");
    assert!(yaml.contains("derived_from:"), "{yaml}");
}

#[test]
fn hybrid_snapshot_vpn_only_is_proven() {
    let (yaml, t) = imported("hybrid-vpn-only");
    assert_all_derived(&yaml, &t);
    let r = check(&t);
    assert_eq!(r.verdict, Verdict::Proven, "{:#?}", r.findings);
}

#[test]
fn hybrid_snapshot_dx_no_encrypt_is_violated_in_both_directions() {
    let (yaml, t) = imported("hybrid-dx-clear");
    assert_all_derived(&yaml, &t);
    let r = check(&t);
    assert_eq!(r.verdict, Verdict::Violated, "{:#?}", r.findings);
    // AWS → on prem: AWS's own route choice; on prem → AWS: the only
    // connection AWS advertises the VPC over is clear, so no preference
    // could change it.
    assert_one_containing(
        &r,
        FindingKind::Violation,
        &[
            "leaves AWS unencrypted over virtual interface `dc-private-vif`",
            "no_encrypt",
        ],
    );
    assert_one_containing(
        &r,
        FindingKind::Violation,
        &["enters AWS unencrypted over virtual interface `dc-private-vif`"],
    );
    assert!(
        r.findings
            .iter()
            .all(|f| f.kind != FindingKind::Violation || f.witness.is_some())
    );
}

#[test]
fn hybrid_snapshot_dx_macsec_must_encrypt_is_proven() {
    let (yaml, t) = imported("hybrid-dx-macsec");
    assert_all_derived(&yaml, &t);
    let r = check(&t);
    assert_eq!(r.verdict, Verdict::Proven, "{:#?}", r.findings);
}

#[test]
fn hybrid_snapshot_tgw_dx_route_beats_vpn_is_violated() {
    let (yaml, t) = imported("hybrid-tgw-dx-wins");
    assert_all_derived(&yaml, &t);
    // Both propagated routes are written as derived_from, with AWS ids.
    assert!(yaml.contains("10.60.0.0/16 -> `tgw-attach-0a11c0ffee0000002` (propagated)"));
    assert!(yaml.contains("10.60.0.0/16 -> `tgw-attach-0a11c0ffee0000003` (propagated)"));
    let r = check(&t);
    assert_eq!(r.verdict, Verdict::Violated, "{:#?}", r.findings);
    assert_one_containing(
        &r,
        FindingKind::Violation,
        &[
            "leaves AWS unencrypted over virtual interface `dc-transit-vif`",
            "C-9.4",
        ],
    );
}

#[test]
fn competing_encrypted_and_clear_connections_name_the_deciding_prefer_entry() {
    let (_, t) = imported("hybrid-tgw-dx-wins");
    let r = check(&t);
    assert_one_containing(
        &r,
        FindingKind::Unknown,
        &[
            "may enter AWS unencrypted over virtual interface `dc-transit-vif`",
            "`prefer: [branch-vpn]` in on-prem network `on-prem-via-branch-vpn+dc-transit-vif`",
        ],
    );
}

#[test]
fn declared_on_prem_network_wins_where_it_covers() {
    let (yaml, _) = imported("hybrid-vpn-only");
    let cut = yaml.find("on_prem_networks:").unwrap();
    let rest = &yaml[cut..];
    let end = rest[1..]
        .find("\ngaps:")
        .map_or(yaml.len(), |e| cut + 1 + e + 1);
    // The declaration covers what AWS routes towards the VPN (10.60.0.0/16
    // and more): it alone stands for it.
    let declared = format!(
        "{}on_prem_networks:\n- name: branch\n  cidrs:\n  - 10.60.0.0/15\n  via:\n  - branch-vpn\n{}",
        &yaml[..cut],
        &yaml[end..]
    );
    let t = load_str(&declared, "t.yaml").unwrap_or_else(|e| panic!("{}", e.render(None)));
    assert_eq!(t.hybrid.on_prem.len(), 1);
    assert!(!t.hybrid.on_prem[OnPremId::from(0)].derived);
    assert_eq!(t.hybrid.on_prem[OnPremId::from(0)].meta.name, "branch");
    // A declaration that misses 10.60.0.0/16 still wins for its own CIDR;
    // the prefix it misses is derived (see
    // `bug_partial_declaration_left_the_other_prefixes_of_its_connection_unchecked`).
    let partial = declared.replace("10.60.0.0/15", "10.61.0.0/16");
    let t = load_str(&partial, "t.yaml").unwrap_or_else(|e| panic!("{}", e.render(None)));
    assert_eq!(t.hybrid.on_prem.len(), 2);
    assert_eq!(t.hybrid.on_prem[OnPremId::from(0)].meta.name, "branch");
    assert!(!t.hybrid.on_prem[OnPremId::from(0)].derived);
    assert!(t.hybrid.on_prem[OnPremId::from(1)].derived);
    assert_eq!(
        t.hybrid.on_prem[OnPremId::from(1)].cidrs,
        vec!["10.60.0.0/16".parse::<ipnet::IpNet>().unwrap()]
    );
}

#[test]
fn loader_derives_on_prem_networks_for_uncovered_connections() {
    let (yaml, _) = imported("hybrid-dx-clear");
    let cut = yaml.find("on_prem_networks:").unwrap();
    let rest = &yaml[cut..];
    let end = rest[1..]
        .find("\ngaps:")
        .map_or(yaml.len(), |e| cut + 1 + e + 1);
    let bare = format!("{}{}", &yaml[..cut], &yaml[end..]);
    assert!(!bare.contains("on_prem_networks"));
    let t = load_str(&bare, "t.yaml").unwrap_or_else(|e| panic!("{}", e.render(None)));
    assert_eq!(t.hybrid.on_prem.len(), 1);
    assert!(t.hybrid.on_prem[OnPremId::from(0)].derived);
    assert_eq!(check(&t).verdict, Verdict::Violated);
}

/// The shared snapshot corpus's `networks/` folder (see `field_data`).
fn field_snapshots() -> Option<std::path::PathBuf> {
    Some(field_data::aws_snapshots()?.join("networks"))
}

#[test]
fn capture_without_private_paths_proves_encryption_checks() {
    let Some(dir) = field_snapshots() else { return };
    // Captures that list VPN gateways and transit gateways (none attached)
    // and no VPN or DX files matter.
    for name in ["test-vpc-endpoint-gateway", "test-vpc-endpoint-interface"] {
        let i = netverify::import::import_snapshot(&dir.join(name)).unwrap();
        let t = load_str(&netverify::import::to_yaml(&i.file), name).unwrap();
        let e = Engine::new(&t);
        for (id, r) in [
            ("transit-encryption", transit_encryption::run(&e)),
            ("ipsec-strength", ipsec_strength::run(&e)),
        ] {
            assert_eq!(r.verdict, Verdict::Proven, "{name} {id}: {:#?}", r.findings);
        }
    }
}

#[test]
fn capture_that_lacks_vpn_gateways_says_so() {
    let Some(dir) = field_snapshots() else { return };
    let i = netverify::import::import_snapshot(&dir.join("test-subnet")).unwrap();
    let t = load_str(&netverify::import::to_yaml(&i.file), "test-subnet").unwrap();
    let r = check(&t);
    assert_eq!(r.verdict, Verdict::Unknown);
    assert_one_containing(&r, FindingKind::Unknown, &["`VpnGateways`", "private path"]);
    assert!(
        messages(&r, FindingKind::Unknown)
            .iter()
            .all(|m| !m.contains("`VirtualInterfaces`")),
        "{:#?}",
        r.findings
    );
}

#[test]
fn sealed_capture_without_vpn_and_dx_files_has_no_hybrid_gap() {
    // The VPN-only capture with its VGW detached, its route removed, and
    // no VPN or Direct Connect files at all.
    let src = std::path::Path::new(SNAPSHOTS).join("hybrid-vpn-only/aws_configs/eu-west-1");
    let tmp = tempfile::tempdir().unwrap();
    let dst = tmp.path().join("aws_configs/eu-west-1");
    std::fs::create_dir_all(&dst).unwrap();
    for e in std::fs::read_dir(&src).unwrap() {
        let p = e.unwrap().path();
        let name = p.file_name().unwrap().to_string_lossy().to_string();
        if name.starts_with("DirectConnect")
            || name.starts_with("Vpn")
            || name.starts_with("Customer")
        {
            continue;
        }
        let mut text = std::fs::read_to_string(&p).unwrap();
        if name == "RouteTables.json" {
            let mut v: serde_json::Value = serde_json::from_str(&text).unwrap();
            let routes = v["RouteTables"][0]["Routes"].as_array_mut().unwrap();
            routes.retain(|r| r.get("GatewayId").and_then(|g| g.as_str()) == Some("local"));
            text = v.to_string();
        }
        std::fs::write(dst.join(&name), text).unwrap();
    }
    std::fs::write(dst.join("VpnGateways.json"), r#"{"VpnGateways": []}"#).unwrap();
    let i = netverify::import::import_snapshot(tmp.path()).unwrap();
    assert!(
        i.file.gaps.is_empty(),
        "{:#?}",
        i.file
            .gaps
            .iter()
            .map(|g| g.what.value.clone())
            .collect::<Vec<_>>()
    );
    let t = load_str(&netverify::import::to_yaml(&i.file), "t.yaml").unwrap();
    assert_eq!(check(&t).verdict, Verdict::Proven);
}

#[test]
fn error_derived_from_on_a_network_that_is_not_derived() {
    let (yaml, _) = imported("hybrid-vpn-only");
    let bad = yaml.replace("  derived: true\n", "");
    assert_ne!(bad, yaml);
    let Err(e) = load_str(&bad, "t.yaml") else {
        panic!("accepted `derived_from` without `derived: true`")
    };
    let text = e.render(None);
    assert!(
        text.contains("lists `derived_from` but is not `derived: true`"),
        "{text}"
    );
}

#[test]
fn transit_gateway_with_only_vpc_attachments_is_no_private_path() {
    let Some(dir) = field_snapshots() else { return };
    // Transit gateways whose only (live) attachments are VPCs; no Direct
    // Connect files: nothing leads on prem, and no hybrid gap is recorded.
    for name in [
        "test-transit-gateway",
        "test-transit-gateway-multi-table",
        "test-transit-gateway-asymmetric-paths",
    ] {
        let i = netverify::import::import_snapshot(&dir.join(name)).unwrap();
        assert!(
            i.file
                .gaps
                .iter()
                .all(|g| !g.what.value.contains("VirtualInterfaces")),
            "{name}"
        );
        let t = load_str(&netverify::import::to_yaml(&i.file), name).unwrap();
        let r = check(&t);
        assert_eq!(r.verdict, Verdict::Proven, "{name}: {:#?}", r.findings);
    }
    // A transit gateway with a peering attachment may lead on prem through
    // its peer: the gap stays, and names the VPCs.
    let i = netverify::import::import_snapshot(&dir.join("test-transit-gateway-peering")).unwrap();
    assert!(
        i.file
            .gaps
            .iter()
            .any(|g| g.what.value.contains("`VirtualInterfaces`")
                && g.what.value.contains("have a private path towards on prem"))
    );
}

#[test]
fn derived_network_name_never_collides_with_a_resource_name() {
    let (yaml, _) = imported("hybrid-vpn-only");
    let cut = yaml.find("on_prem_networks:").unwrap();
    let end = yaml[cut + 1..]
        .find("\ngaps:")
        .map_or(yaml.len(), |e| cut + 1 + e + 1);
    // A customer gateway already holds the name a derived network would take.
    let bare = format!("{}{}", &yaml[..cut], &yaml[end..])
        .replace("branch-router", "on-prem-via-branch-vpn");
    let t = load_str(&bare, "t.yaml").unwrap_or_else(|e| panic!("{}", e.render(None)));
    assert_eq!(t.hybrid.on_prem.len(), 1);
    assert_eq!(
        t.hybrid.on_prem[OnPremId::from(0)].meta.name,
        "on-prem-via-branch-vpn-2"
    );
}

/// A VGW route `10.0.0.0/8` in a VPC of `10.100.0.0/16` (with DX in the
/// clear): the derived on-prem network must not hold the VPC's own CIDR
/// (C-3.7, the local route wins), or every packet from on prem to the VPC
/// "stays on premises" and the on prem → AWS direction is silently proven.
const DERIVED_COVERS_VPC: &str = r#"
version: 1
region: us-east-1
vpcs:
  - { name: app, cidrs: [10.100.0.0/16] }
subnets:
  - { name: app-a, vpc: app, availability_zone: us-east-1a, cidr: 10.100.10.0/24, route_table: rtb-app }
route_tables:
  - name: rtb-app
    vpc: app
    routes:
      - { destination: 10.0.0.0/8, target: vgw-app }
security_groups:
  - name: sg-app
    vpc: app
    ingress:
      - { protocol: tcp, ports: 22, cidr: 10.0.0.0/8 }
    egress:
      - { protocol: all, cidr: 0.0.0.0/0 }
network_interfaces:
  - { name: app-1-eni, subnet: app-a, private_ips: [{ address: 10.100.10.5 }], security_groups: [sg-app] }
vpn_gateways:
  - { name: vgw-app, vpc: app }
customer_gateways:
  - { name: cgw-dc1, ip_address: 198.51.100.10, bgp_asn: 65010 }
vpn_connections:
  - name: vpn-dc1
    customer_gateway: cgw-dc1
    gateway: vgw-app
    static_routes_only: true
    routes: [10.0.0.0/8]
    tunnels:
      - &strong
        ike_versions: [ikev2]
        phase1_encryption: [AES256-GCM-16]
        phase2_encryption: [AES256-GCM-16]
        phase1_integrity: [SHA2-384]
        phase2_integrity: [SHA2-384]
        phase1_dh_groups: [20]
        phase2_dh_groups: [20]
      - *strong
direct_connect:
  connections:
    - { name: dxcon-1, kind: dedicated, bandwidth: 10Gbps, encryption_mode: no_encrypt }
  virtual_interfaces:
    - { name: vif-private, type: private, connection: dxcon-1, vpn_gateway: vgw-app }
"#;

#[test]
fn bug_derived_on_prem_network_covering_the_vpc_silenced_on_prem_to_aws() {
    let t = match load_str(DERIVED_COVERS_VPC, "t.yaml") {
        Ok(t) => t,
        Err(e) => panic!("{}", e.render(None)),
    };
    let n = &t.hybrid.on_prem[OnPremId::from(0)];
    assert!(n.derived);
    let vpc: ipnet::IpNet = "10.100.0.0/16".parse().unwrap();
    assert!(
        !n.cidrs.iter().any(|c| c.contains(&vpc) || vpc.contains(c)),
        "{:?}",
        n.cidrs
    );
    let r = check(&t);
    assert_eq!(r.verdict, Verdict::Unknown, "{:#?}", r.findings);
    assert_one_containing(
        &r,
        FindingKind::Unknown,
        &["→ 10.100.10.5", "may enter AWS unencrypted", "vif-private"],
    );
}

/// The same, with the network already written into the file as derived
/// (an older import): the loader takes the VPC's CIDR out of it too, so
/// on-prem-access sees the SSH the policy does not allow.
#[test]
fn bug_written_derived_network_covering_the_vpc_hid_on_prem_access() {
    use netverify::checks::on_prem_access;
    let text = format!(
        "{DERIVED_COVERS_VPC}on_prem_networks:\n  - name: dc1\n    derived: true\n    cidrs: [10.0.0.0/8]\n    via: [vif-private, vpn-dc1]\npolicy:\n  on_prem_access:\n    - network: dc1\n      allow:\n        - {{ resource: app-1-eni, ports: [tcp/443] }}\n"
    );
    let t = match load_str(&text, "t.yaml") {
        Ok(t) => t,
        Err(e) => panic!("{}", e.render(None)),
    };
    let r = on_prem_access::run(&Engine::new(&t));
    assert_eq!(r.verdict, Verdict::Violated, "{:#?}", r.findings);
}

/// A propagated VPC route `10.50.0.0/16` to a VGW with a static VPN that
/// has that route and a private VIF: AWS propagates the VPN's static route
/// too (C-10.1), so the route is not proof that DX BGP learned it. Taking
/// it for a DX advertisement made the check violated; unattributed, the
/// advertisements stay unstated (fail closed: unknown).
#[test]
fn bug_static_vpn_route_was_taken_for_a_dx_bgp_route() {
    let text = r#"
version: 1
region: us-east-1
vpcs:
  - { name: app, cidrs: [10.0.0.0/16] }
subnets:
  - { name: app-a, vpc: app, availability_zone: us-east-1a, cidr: 10.0.10.0/24, route_table: rtb-app }
route_tables:
  - name: rtb-app
    vpc: app
    propagating_gateways: [vgw-app]
    routes:
      - { destination: 10.50.0.0/16, target: vgw-app, origin: propagated }
security_groups:
  - name: sg-app
    vpc: app
    ingress: []
    egress:
      - { protocol: all, cidr: 0.0.0.0/0 }
network_interfaces:
  - { name: app-1-eni, subnet: app-a, private_ips: [{ address: 10.0.10.5 }], security_groups: [sg-app] }
vpn_gateways:
  - { name: vgw-app, vpc: app }
customer_gateways:
  - { name: cgw-dc1, ip_address: 198.51.100.10, bgp_asn: 65010 }
vpn_connections:
  - { name: vpn-dc1, customer_gateway: cgw-dc1, gateway: vgw-app, static_routes_only: true, routes: [10.50.0.0/16] }
direct_connect:
  connections:
    - { name: dxcon-1, kind: dedicated, bandwidth: 10Gbps, encryption_mode: no_encrypt }
  virtual_interfaces:
    - { name: vif-private, type: private, connection: dxcon-1, vpn_gateway: vgw-app }
"#;
    let t = match load_str(text, "t.yaml") {
        Ok(t) => t,
        Err(e) => panic!("{}", e.render(None)),
    };
    let n = &t.hybrid.on_prem[OnPremId::from(0)];
    assert!(n.derived);
    assert!(
        n.advertises.iter().all(Option::is_none),
        "{:?}",
        n.advertises
    );
    let r = check(&t);
    assert_eq!(r.verdict, Verdict::Unknown, "{:#?}", r.findings);
}

/// A DX gateway associated with the VGW and no virtual interface in the
/// topology (owned by another account): its paths on prem are not known,
/// so neither hybrid check may be proven (C-12.2).
#[test]
fn bug_dx_gateway_without_a_vif_dropped_its_paths() {
    let text = r#"
version: 1
region: us-east-1
vpcs:
  - { name: app, cidrs: [10.0.0.0/16] }
subnets:
  - { name: app-a, vpc: app, availability_zone: us-east-1a, cidr: 10.0.10.0/24, route_table: rtb-app }
route_tables:
  - name: rtb-app
    vpc: app
    propagating_gateways: [vgw-app]
    routes:
      - { destination: 10.50.0.0/16, target: vgw-app, origin: propagated }
security_groups:
  - name: sg-app
    vpc: app
    ingress:
      - { protocol: tcp, ports: 443, cidr: 10.50.0.0/16 }
    egress:
      - { protocol: all, cidr: 0.0.0.0/0 }
network_interfaces:
  - { name: app-1-eni, subnet: app-a, private_ips: [{ address: 10.0.10.5 }], security_groups: [sg-app] }
vpn_gateways:
  - { name: vgw-app, vpc: app }
customer_gateways:
  - { name: cgw-dc1, ip_address: 198.51.100.10, bgp_asn: 65010 }
vpn_connections:
  - name: vpn-dc1
    customer_gateway: cgw-dc1
    gateway: vgw-app
    tunnels:
      - &strong
        ike_versions: [ikev2]
        phase1_encryption: [AES256-GCM-16]
        phase2_encryption: [AES256-GCM-16]
        phase1_integrity: [SHA2-384]
        phase2_integrity: [SHA2-384]
        phase1_dh_groups: [20]
        phase2_dh_groups: [20]
      - *strong
direct_connect:
  gateways:
    - name: dxgw-1
      associations:
        - { vpn_gateway: vgw-app, allowed_prefixes: [10.0.0.0/16] }
"#;
    let t = match load_str(text, "t.yaml") {
        Ok(t) => t,
        Err(e) => panic!("{}", e.render(None)),
    };
    let r = check(&t);
    assert_eq!(r.verdict, Verdict::Unknown, "{:#?}", r.findings);
    assert_one_containing(
        &r,
        FindingKind::Unknown,
        &["`dxgw-1`", "none of its virtual interfaces"],
    );
    let a = netverify::checks::on_prem_access::run(&Engine::new(&t));
    assert_eq!(a.verdict, Verdict::Unknown, "{:#?}", a.findings);
}

// ----- derived networks: own prefixes, partial declarations, same-prefix routes

/// A VGW with a static VPN to a branch (192.168.50.0/24) and a clear
/// private VIF whose BGP taught 10.50.0.0/16; the only interface sends and
/// admits nothing. Both prefixes are routed to the VGW, so one derived
/// network holds both, over both connections: they may be two sites, which
/// the VGW carries between (CloudHub, C-10.6), out over the clear VIF.
const DERIVED_TWO_SITES: &str = r#"
version: 1
region: us-east-1
vpcs:
  - { name: app, cidrs: [10.0.0.0/16] }
subnets:
  - { name: app-a, vpc: app, availability_zone: us-east-1a, cidr: 10.0.10.0/24, route_table: rtb-app }
route_tables:
  - name: rtb-app
    vpc: app
    routes:
      - { destination: 10.50.0.0/16, target: vgw, origin: propagated }
      - { destination: 192.168.50.0/24, target: vgw, origin: propagated }
security_groups:
  - { name: sg-app, vpc: app, ingress: [], egress: [] }
network_interfaces:
  - { name: app-1-eni, subnet: app-a, private_ips: [{ address: 10.0.10.5 }], security_groups: [sg-app] }
vpn_gateways:
  - { name: vgw, vpc: app }
customer_gateways:
  - { name: cgw-branch, ip_address: 198.51.100.20, bgp_asn: 65020 }
vpn_connections:
  - { name: vpn-branch, customer_gateway: cgw-branch, gateway: vgw, static_routes_only: true, routes: [192.168.50.0/24] }
direct_connect:
  connections:
    - { name: dxcon-1, kind: dedicated, bandwidth: 10Gbps, encryption_mode: no_encrypt }
  virtual_interfaces:
    - { name: vif-private, type: private, connection: dxcon-1, vpn_gateway: vgw }
"#;

fn load(text: &str) -> Topology {
    match load_str(text, "t.yaml") {
        Ok(t) => t,
        Err(e) => panic!("{}", e.render(None)),
    }
}

#[test]
fn bug_derived_network_own_prefixes_were_kept_on_prem_hiding_cloudhub() {
    use netverify::engine::Origin;
    use netverify::hs::Packet;
    use netverify::model::OnPremVia;
    let t = load(DERIVED_TWO_SITES);
    assert_eq!(t.hybrid.on_prem.len(), 1);
    let n = &t.hybrid.on_prem[OnPremId::from(0)];
    assert!(n.derived && n.via.len() == 2 && n.cidrs.len() == 2, "{n:?}");
    // Branch → data centre: into the VGW over the VPN, out over DX (the
    // VGW's choice: DX BGP learned 10.50.0.0/16), in engine and simulator.
    let vif = t
        .hybrid
        .vifs
        .position(|v| v.meta.name == "vif-private")
        .unwrap();
    let p = Packet::tcp(
        "192.168.50.7".parse().unwrap(),
        "10.50.1.1".parse().unwrap(),
        40000,
        22,
    );
    assert_leaves_over(&t, Origin::OnPrem(0.into()), &p, OnPremVia::Vif(vif));
    // Whether the branch sends it to AWS is not known (both prefixes may
    // be one site): unknown, never proven.
    let r = check(&t);
    assert_eq!(r.verdict, Verdict::Unknown, "{:#?}", r.findings);
    assert_one_containing(
        &r,
        FindingKind::Unknown,
        &[
            "stays inside derived on-prem network `on-prem-via-vif-private+vpn-branch`",
            "leave AWS unencrypted over virtual interface `vif-private`",
        ],
    );
}

/// Pins the declared reading: the same two prefixes declared as one
/// network are one site, and traffic between them stays on premises.
#[test]
fn declared_network_own_prefixes_stay_on_prem() {
    use netverify::engine::{End, Origin};
    use netverify::hs::{HeaderSet, Packet};
    use netverify::sim::{self, Fate};
    let text = format!(
        "{DERIVED_TWO_SITES}on_prem_networks:\n  - name: sites\n    cidrs: [192.168.50.0/24, 10.50.0.0/16]\n    via: [vpn-branch, vif-private]\n    advertises:\n      - {{ via: vif-private, prefixes: [10.50.0.0/16] }}\n"
    );
    let t = load(&text);
    assert_eq!(t.hybrid.on_prem.len(), 1);
    assert!(!t.hybrid.on_prem[OnPremId::from(0)].derived);
    let p = Packet::tcp(
        "192.168.50.7".parse().unwrap(),
        "10.50.1.1".parse().unwrap(),
        40000,
        22,
    );
    let out = sim::simulate(&t, Origin::OnPrem(0.into()), &p);
    assert!(
        out.fates.iter().all(|f| !matches!(f, Fate::OnPrem { .. })),
        "{:?}",
        out.trace
    );
    let reach = Engine::new(&t).reach(Origin::OnPrem(0.into()), &HeaderSet::universe());
    assert!(
        !reach
            .flows
            .iter()
            .any(|f| f.set.contains(&p) && matches!(f.end, End::OnPrem(_)))
    );
    assert_eq!(check(&t).verdict, Verdict::Proven);
}

/// A VGW route for 10.50.0.0/16 and one for 172.20.0.0/16, a BGP VPN and a
/// clear private VIF; a declared network names the VIF for 10.50.0.0/16
/// only. 172.20.0.0/16 is routed towards the VIF as well; the interface
/// sends to it over DX in the clear.
const PARTIAL_DECLARATION: &str = r#"
version: 1
region: us-east-1
vpcs:
  - { name: app, cidrs: [10.0.0.0/16] }
subnets:
  - { name: app-a, vpc: app, availability_zone: us-east-1a, cidr: 10.0.10.0/24, route_table: rtb-app }
route_tables:
  - name: rtb-app
    vpc: app
    routes:
      - { destination: 10.50.0.0/16, target: vif-only-vgw }
      - { destination: 172.20.0.0/16, target: vif-only-vgw }
security_groups:
  - name: sg-app
    vpc: app
    ingress: []
    egress:
      - { protocol: all, cidr: 0.0.0.0/0 }
network_interfaces:
  - { name: app-1-eni, subnet: app-a, private_ips: [{ address: 10.0.10.5 }], security_groups: [sg-app] }
vpn_gateways:
  - { name: vif-only-vgw, vpc: app }
direct_connect:
  connections:
    - { name: dxcon-1, kind: dedicated, bandwidth: 10Gbps, encryption_mode: must_encrypt, macsec_capable: true, macsec_keys: [{ state: associated }] }
  virtual_interfaces:
    - { name: vif-private, type: private, connection: dxcon-1, vpn_gateway: vif-only-vgw }
on_prem_networks:
  - name: dc1
    cidrs: [10.50.0.0/16]
    via: [vif-private]
    advertises:
      - { via: vif-private, prefixes: [10.50.0.0/16, 172.20.0.0/16] }
"#;

#[test]
fn bug_partial_declaration_left_the_other_prefixes_of_its_connection_unchecked() {
    // MACsec: encrypted, proven; the same with no_encrypt must not be
    // proven for 172.20.0.0/16 either.
    let t = load(PARTIAL_DECLARATION);
    let derived: Vec<_> = t.hybrid.on_prem.iter().filter(|n| n.derived).collect();
    assert_eq!(derived.len(), 1, "{:?}", t.hybrid.on_prem);
    assert_eq!(
        derived[0].cidrs,
        vec!["172.20.0.0/16".parse::<ipnet::IpNet>().unwrap()]
    );
    assert_eq!(check(&t).verdict, Verdict::Proven);
    let clear = PARTIAL_DECLARATION.replace(
        "encryption_mode: must_encrypt, macsec_capable: true, macsec_keys: [{ state: associated }]",
        "encryption_mode: no_encrypt",
    );
    // Only the declared prefix's traffic left: 172.20.0.0/16 is the case.
    let clear = clear.replace(
        "      - { destination: 10.50.0.0/16, target: vif-only-vgw }\n",
        "",
    );
    let t = load(&clear);
    let r = check(&t);
    assert_eq!(r.verdict, Verdict::Violated, "{:#?}", r.findings);
    assert_one_containing(
        &r,
        FindingKind::Violation,
        &[
            "→ 172.20.",
            "leaves AWS unencrypted over virtual interface `vif-private`",
        ],
    );
}

/// C-3.x: a static route and a propagated route for the same prefix; the
/// static one wins. The static route points at a peering (not on prem):
/// the hidden propagated route to the VGW still says where AWS would send
/// the prefix, the derivation keeps it, and the verdict follows the static
/// route (nothing leaves over the clear VIF).
const SAME_PREFIX: &str = r#"
version: 1
region: us-east-1
vpcs:
  - { name: app, cidrs: [10.0.0.0/16] }
  - { name: other, cidrs: [10.9.0.0/16] }
subnets:
  - { name: app-a, vpc: app, availability_zone: us-east-1a, cidr: 10.0.10.0/24, route_table: rtb-app }
route_tables:
  - name: rtb-app
    vpc: app
    routes:
      - { destination: 10.50.0.0/16, target: pcx, origin: static }
      - { destination: 10.50.0.0/16, target: vgw, origin: propagated }
security_groups:
  - name: sg-app
    vpc: app
    ingress: []
    egress:
      - { protocol: all, cidr: 0.0.0.0/0 }
network_interfaces:
  - { name: app-1-eni, subnet: app-a, private_ips: [{ address: 10.0.10.5 }], security_groups: [sg-app] }
peering_connections:
  - { name: pcx, requester_vpc: app, accepter_vpc: other }
vpn_gateways:
  - { name: vgw, vpc: app }
direct_connect:
  connections:
    - { name: dxcon-1, kind: dedicated, bandwidth: 10Gbps, encryption_mode: no_encrypt }
  virtual_interfaces:
    - { name: vif-private, type: private, connection: dxcon-1, vpn_gateway: vgw }
"#;

#[test]
fn same_prefix_static_route_hides_the_propagated_one_but_not_its_connection() {
    let t = load(SAME_PREFIX);
    assert_eq!(t.hybrid.on_prem.len(), 1);
    let n = &t.hybrid.on_prem[OnPremId::from(0)];
    assert!(n.derived);
    assert_eq!(
        n.cidrs,
        vec!["10.50.0.0/16".parse::<ipnet::IpNet>().unwrap()]
    );
    // The propagated route taught the VIF 10.50.0.0/16 (its only BGP
    // connection): stated, so not unknown for unstated routes.
    assert_eq!(
        n.advertises,
        vec![Some(vec!["10.50.0.0/16".parse().unwrap()])]
    );
    let r = check(&t);
    // AWS → 10.50.x goes to the peering (static wins): nothing leaves over
    // DX. On prem → the VPC enters over the clear VIF (AWS advertises the
    // VPC there, and it is the only connection): violated, decided.
    assert!(
        !messages(&r, FindingKind::Violation)
            .iter()
            .any(|m| m.contains("leaves AWS unencrypted")),
        "{:#?}",
        r.findings
    );
    // Swapped: the static route to the VGW, the propagated one to nothing
    // else; the clear VIF carries the interface's packets.
    let swapped = SAME_PREFIX.replace(
        "      - { destination: 10.50.0.0/16, target: pcx, origin: static }\n",
        "",
    );
    let r = check(&load(&swapped));
    assert_one_containing(
        &r,
        FindingKind::Violation,
        &[
            "→ 10.50.",
            "leaves AWS unencrypted over virtual interface `vif-private`",
        ],
    );
}

/// A VPC route to a VGW through a customer-managed prefix list (C-3.3),
/// with a clear private VIF on the VGW.
const PREFIX_LIST_ROUTE: &str = r#"
version: 1
region: us-east-1
prefix_lists:
  - { name: pl-dc, aws_id: pl-0dc0ffee, entries: [172.20.0.0/16] }
vpcs:
  - { name: app, cidrs: [10.0.0.0/16] }
subnets:
  - { name: app-a, vpc: app, availability_zone: us-east-1a, cidr: 10.0.10.0/24, route_table: rtb-app }
route_tables:
  - name: rtb-app
    vpc: app
    routes:
      - { prefix_list: pl-dc, target: vgw }
security_groups:
  - name: sg-app
    vpc: app
    ingress: []
    egress:
      - { protocol: all, cidr: 0.0.0.0/0 }
network_interfaces:
  - { name: app-1-eni, subnet: app-a, private_ips: [{ address: 10.0.10.5 }], security_groups: [sg-app] }
vpn_gateways:
  - { name: vgw, vpc: app }
direct_connect:
  connections:
    - { name: dxcon-1, kind: dedicated, bandwidth: 10Gbps, encryption_mode: no_encrypt }
  virtual_interfaces:
    - { name: vif-private, type: private, connection: dxcon-1, vpn_gateway: vgw }
"#;

#[test]
fn bug_prefix_list_route_to_a_vgw_derived_nothing() {
    let t = load(PREFIX_LIST_ROUTE);
    assert_eq!(t.hybrid.on_prem.len(), 1, "{:?}", t.hybrid.on_prem);
    let n = &t.hybrid.on_prem[OnPremId::from(0)];
    assert!(n.derived);
    assert_eq!(
        n.cidrs,
        vec!["172.20.0.0/16".parse::<ipnet::IpNet>().unwrap()]
    );
    let r = check(&t);
    // On prem → AWS: only the clear VIF carries 172.20.0.0/16's packets
    // (before, no network was derived, and nothing was checked).
    assert_eq!(r.verdict, Verdict::Violated, "{:#?}", r.findings);
    assert_one_containing(
        &r,
        FindingKind::Violation,
        &[
            "172.20.",
            "enters AWS unencrypted over virtual interface `vif-private`",
        ],
    );
    // The import writes where it came from.
    let file = netverify::model::parse_str(PREFIX_LIST_ROUTE, "t.yaml").unwrap();
    let derived = netverify::model::derive_on_prem_networks(&file, &[]);
    assert_eq!(
        derived[0].derived_from[0].value,
        "route table `rtb-app`: 172.20.0.0/16 (prefix list `pl-0dc0ffee`) -> `vgw`"
    );
}

#[test]
fn prefix_list_route_with_unknown_entries_is_unknown_naming_the_list() {
    let text = PREFIX_LIST_ROUTE.replace(", entries: [172.20.0.0/16]", "");
    let t = load(&text);
    assert!(t.hybrid.on_prem.is_empty());
    let r = check(&t);
    assert_eq!(r.verdict, Verdict::Unknown, "{:#?}", r.findings);
    assert_one_containing(
        &r,
        FindingKind::Unknown,
        &[
            "route table `rtb-app` routes prefix list `pl-0dc0ffee` towards vpn gateway `vgw`",
            "get-managed-prefix-list-entries",
            "virtual interface `vif-private`",
        ],
    );
}

/// The DX-clear capture with its VGW route given as a customer-managed
/// prefix list (`DestinationPrefixListId`), described under `PrefixLists`
/// with its `get-managed-prefix-list-entries` beside it: the import
/// derives the network from the entries, and the verdict is the same as
/// with the CIDR route. Without the entries file: unknown, naming the list.
#[test]
fn prefix_list_route_in_a_snapshot_derives_from_its_entries() {
    let src = std::path::Path::new(SNAPSHOTS).join("hybrid-dx-clear/aws_configs/eu-west-1");
    let tmp = tempfile::tempdir().unwrap();
    let dst = tmp.path().join("aws_configs/eu-west-1");
    std::fs::create_dir_all(&dst).unwrap();
    for e in std::fs::read_dir(&src).unwrap() {
        let p = e.unwrap().path();
        std::fs::copy(&p, dst.join(p.file_name().unwrap())).unwrap();
    }
    let rt = dst.join("RouteTables.json");
    let text = std::fs::read_to_string(&rt).unwrap();
    let mut v: serde_json::Value = serde_json::from_str(&text).unwrap();
    let routes = v["RouteTables"][0]["Routes"].as_array_mut().unwrap();
    let r = routes
        .iter_mut()
        .find(|r| r["DestinationCidrBlock"] == "10.60.0.0/16")
        .expect("the fixture changed");
    let o = r.as_object_mut().unwrap();
    o.remove("DestinationCidrBlock");
    o.insert("DestinationPrefixListId".into(), "pl-0dc".into());
    std::fs::write(&rt, v.to_string()).unwrap();
    std::fs::write(
        dst.join("ManagedPrefixLists.json"),
        r#"{"PrefixLists": [{"PrefixListId": "pl-0dc", "PrefixListName": "dc", "AddressFamily": "IPv4", "State": "create-complete", "MaxEntries": 5, "Version": 1, "OwnerId": "111122223333", "Tags": []}]}"#,
    )
    .unwrap();
    let entries = dst.join("PrefixListEntries.json");
    std::fs::write(
        &entries,
        r#"{"PrefixListId": "pl-0dc", "Entries": [{"Cidr": "10.60.0.0/16"}]}"#,
    )
    .unwrap();
    let i = netverify::import::import_snapshot(tmp.path()).unwrap();
    let yaml = netverify::import::to_yaml(&i.file);
    assert!(
        yaml.contains("10.60.0.0/16 (prefix list `pl-0dc`) ->"),
        "{yaml}"
    );
    let t = load_str(&yaml, "t.yaml").unwrap_or_else(|e| panic!("{}", e.render(None)));
    let r = check(&t);
    assert_eq!(r.verdict, Verdict::Violated, "{:#?}", r.findings);
    assert_one_containing(
        &r,
        FindingKind::Violation,
        &["leaves AWS unencrypted over virtual interface `dc-private-vif`"],
    );
    std::fs::remove_file(&entries).unwrap();
    let i = netverify::import::import_snapshot(tmp.path()).unwrap();
    let t = load_str(&netverify::import::to_yaml(&i.file), "t.yaml").unwrap();
    let r = check(&t);
    assert_eq!(r.verdict, Verdict::Unknown, "{:#?}", r.findings);
    assert_one_containing(
        &r,
        FindingKind::Unknown,
        &[
            "routes prefix list `pl-0dc` towards vpn gateway",
            "get-managed-prefix-list-entries",
        ],
    );
}

/// Pins the other side of the partial-declaration fix: when declared
/// networks cover every prefix AWS routes towards their connections (here
/// `dc1` over the VIF, and `branch`'s 172.20.0.0/16 routed to the same
/// VGW), nothing is derived, even for a prefix another declaration holds.
#[test]
fn declarations_that_cover_every_routed_prefix_derive_nothing() {
    let text = PARTIAL_DECLARATION
        .replace(
            "direct_connect:",
            "customer_gateways:\n  - { name: cgw-b, ip_address: 198.51.100.9, bgp_asn: 65009 }\nvpn_connections:\n  - { name: vpn-b, customer_gateway: cgw-b, gateway: vif-only-vgw }\ndirect_connect:",
        )
        .replace(
            "on_prem_networks:\n",
            "on_prem_networks:\n  - name: branch\n    cidrs: [172.20.0.0/16]\n    via: [vpn-b]\n    advertises:\n      - { via: vpn-b, prefixes: [172.20.0.0/16] }\n",
        );
    let t = load(&text);
    assert!(
        t.hybrid.on_prem.iter().all(|n| !n.derived),
        "{:?}",
        t.hybrid.on_prem
    );
    assert_eq!(t.hybrid.on_prem.len(), 2);
}
