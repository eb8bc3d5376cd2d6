#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "a test fails by panicking"
)]

//! `netverify diff`: scripted edits of the project's fixtures with their
//! exact deltas, the diff against the simulator on random topology pairs,
//! and the Markdown for pull-request comments (escaping hostile names).

mod common;

use std::collections::BTreeSet;

use netverify::diff::{self, FailOn, Outcome};
use netverify::engine::Engine;
use netverify::model::{self, Topology};
use netverify::render::diff::{DiffFormat, render};
use netverify::report::diff::{DiffReport, FlowChange};

fn fixture(name: &str) -> String {
    std::fs::read_to_string(format!("{}/topologies/{name}", env!("CARGO_MANIFEST_DIR"))).unwrap()
}

/// `text` with `from` replaced by `to`, which must occur exactly once.
fn edit(text: &str, from: &str, to: &str) -> String {
    assert_eq!(
        text.matches(from).count(),
        1,
        "the edit's anchor `{from}` must occur once"
    );
    text.replacen(from, to, 1)
}

fn load(text: &str, name: &str) -> Topology {
    model::load_str(text, name).unwrap_or_else(|e| panic!("{}", e.render(Some(text))))
}

/// The diff of two topology texts, with attribution (the CLI's way).
fn run(base: &str, head: &str) -> DiffReport {
    let bf = model::parse_str(base, "base.yaml").unwrap();
    let hf = model::parse_str(head, "head.yaml").unwrap();
    let b = load(base, "base.yaml");
    let h = load(head, "head.yaml");
    diff::diff_with(&Engine::new(&b), &Engine::new(&h), Some((&bf, &hf)))
}

/// One line per cause of each change: `opened|closed SRC -> DST: KIND
/// RESOURCE: CHANGE @LINE`.
fn cause_lines(r: &DiffReport) -> Vec<String> {
    let mut out = Vec::new();
    for (label, changes) in [("opened", &r.opened), ("closed", &r.closed)] {
        for c in changes {
            for k in &c.causes {
                out.push(format!(
                    "{label} {} -> {}: {} {}: {} @{}",
                    end_text(&c.source),
                    end_text(&c.destination),
                    k.kind,
                    k.resource,
                    k.change,
                    k.location
                        .as_ref()
                        .map(|l| format!("{}:{}", l.file, l.line))
                        .unwrap_or_else(|| "-".into())
                ));
            }
        }
    }
    out
}

fn end_text(e: &netverify::report::diff::DiffEndpoint) -> String {
    match &e.name {
        Some(n) => format!("{}:{n}", e.kind),
        None => e.kind.clone(),
    }
}

/// One line per changed flow summary: `SRC -> DST: proto ports from
/// sources to address`.
fn lines(changes: &[FlowChange]) -> Vec<String> {
    let mut out = Vec::new();
    for c in changes {
        for f in &c.flows {
            out.push(format!(
                "{} -> {}: {}",
                end_text(&c.source),
                end_text(&c.destination),
                netverify::render::text::flow_text(f)
            ));
        }
    }
    out
}

fn check_moves(r: &DiffReport) -> Vec<String> {
    r.checks
        .iter()
        .filter(|c| c.changed())
        .map(|c| {
            format!(
                "{}: {} -> {} (+{} -{})",
                c.id,
                c.before.as_str(),
                c.after.as_str(),
                c.new_findings.len(),
                c.resolved_findings.len()
            )
        })
        .collect()
}

/// The exact delta: opened and closed lines, and the checks that moved.
fn assert_delta(r: &DiffReport, opened: &[&str], closed: &[&str], checks: &[&str]) {
    assert_eq!(lines(&r.opened), opened, "opened");
    assert_eq!(lines(&r.closed), closed, "closed");
    assert_eq!(check_moves(r), checks, "checks");
    assert_witnesses(r);
}

/// Every change has a witness whose packet goes through.
fn assert_witnesses(r: &DiffReport) {
    for c in r.opened.iter().chain(&r.closed) {
        let w = c.witness.as_ref().expect("every change has a witness");
        assert!(!w.path.is_empty(), "the witness of {c:?} has a path");
    }
}

#[test]
fn diff_of_a_topology_with_itself_is_empty_and_exit_zero() {
    let t = fixture("secure-three-tier.yaml");
    let r = run(&t, &t);
    assert!(r.opened.is_empty() && r.closed.is_empty(), "{r:?}");
    assert!(r.checks.iter().all(|c| !c.changed()));
    assert!(r.unknown.is_empty());
    assert_eq!(diff::outcome(&r, FailOn::Any), Outcome::Clean);
}

#[test]
fn opening_tcp_22_to_the_internet_on_one_instance() {
    // HEAD: the NACL admits tcp/22 before its deny, and app-sg admits it
    // from anywhere; BASE: the same without the SG rule.
    let head = fixture("fail-nacl-allow-before-deny.yaml");
    let base = edit(
        &head,
        "      - { protocol: tcp, ports: 22, cidr: 0.0.0.0/0, description: vendor support }\n",
        "",
    );
    let r = run(&base, &head);
    assert_delta(
        &r,
        &[
            "internet -> instance:app-1: tcp/22 from 0.0.0.0/0 to <auto-assigned public IPv4 of app-1-eni>",
        ],
        &[],
        &["public-exposure: proven -> violated (+1 -0)"],
    );
    // Attribution: the changed rule or resource of HEAD, at its line.
    assert_eq!(
        cause_lines(&r),
        [
            "opened internet -> instance:app-1: security-group app-sg: ingress rule added: {cidr: 0.0.0.0/0, description: vendor support, ports: 22, protocol: tcp} @head.yaml:282",
        ]
    );
    assert_eq!(diff::outcome(&r, FailOn::Violations), Outcome::Fail);
}

#[test]
fn sending_the_default_route_to_the_igw_instead_of_the_nat() {
    let base = fixture("secure-three-tier.yaml");
    let head = edit(
        &base,
        "      - { destination: 0.0.0.0/0, target: nat-a }\n",
        "      - { destination: 0.0.0.0/0, target: prod-igw }\n",
    );
    let r = run(&base, &head);
    // app-1 has no public IPv4: the internet gateway drops what it sends
    // to the internet (S3 and DynamoDB still take the gateway endpoints).
    assert_delta(
        &r,
        &[],
        &[
            "instance:app-1 -> internet: tcp/80, tcp/443 from 10.0.10.21/32 to 0.0.0.0/7, 2.0.0.0/8, 3.0.0.0/14, 3.4.0.0/16, 3.5.32.0/19, 3.5.64.0/18, 3.5.128.0/17, 3.6.0.0/15, … (143 more)",
        ],
        &[],
    );
    // Attribution: the changed rule or resource of HEAD, at its line.
    assert_eq!(
        cause_lines(&r),
        [
            "closed instance:app-1 -> internet: route-table app-rt-a: route changed: {destination: 0.0.0.0/0, target: nat-a} → {destination: 0.0.0.0/0, target: prod-igw} @head.yaml:158",
        ]
    );
    // Only a closed flow: no check got worse, nothing opened.
    assert_eq!(diff::outcome(&r, FailOn::Violations), Outcome::Clean);
    assert_eq!(diff::outcome(&r, FailOn::Opened), Outcome::Clean);
    assert_eq!(diff::outcome(&r, FailOn::Any), Outcome::Fail);
}

#[test]
fn removing_a_nacl_deny() {
    // BASE: the deny shadows an allow for tcp/22 (a guardrail); HEAD: the
    // deny is gone.
    let fixture_text = fixture("pass-nacl-blocks-open-sg.yaml");
    let deny = "      - { rule: 200, action: deny, protocol: tcp, ports: 22, cidr: 0.0.0.0/0 }\n";
    let allow = "      - { rule: 250, action: allow, protocol: tcp, ports: 22, cidr: 0.0.0.0/0 }\n";
    let base = edit(&fixture_text, deny, &format!("{deny}{allow}"));
    let head = edit(&base, deny, "");
    let r = run(&base, &head);
    assert_delta(
        &r,
        &[
            "internet -> instance:app-1: tcp/22 from 0.0.0.0/0 to <auto-assigned public IPv4 of app-1-eni>",
        ],
        &[],
        &["public-exposure: proven -> violated (+1 -0)"],
    );
    // Attribution: the changed rule or resource of HEAD, at its line.
    assert_eq!(
        cause_lines(&r),
        [
            "opened internet -> instance:app-1: network-acl app-nacl: ingress rule removed: {action: deny, cidr: 0.0.0.0/0, ports: 22, protocol: tcp, rule: 200} @head.yaml:204",
        ]
    );
}

#[test]
fn dropping_an_s3_endpoint_route_table_association() {
    let base = fixture("secure-three-tier.yaml");
    let head = edit(
        &base,
        "    prefix_list: s3-pl\n    ipv6_prefix_list: s3-pl-ipv6\n    route_tables: [app-rt-a, app-rt-b]\n",
        "    prefix_list: s3-pl\n    ipv6_prefix_list: s3-pl-ipv6\n    route_tables: [app-rt-b]\n",
    );
    let r = run(&base, &head);
    // app-1's S3 traffic leaves through the NAT gateway (IPv4) and the
    // egress-only gateway (IPv6) instead of the gateway endpoint.
    assert_delta(
        &r,
        &[
            "instance:app-1 -> internet: tcp/80, tcp/443 from 10.0.10.21/32 to 3.5.0.0/19, 16.15.176.0/20, 16.182.0.0/16, 18.34.0.0/19, 52.216.0.0/15, 54.231.0.0/16",
            "instance:app-1 -> internet: tcp/80, tcp/443 from 2600:1f18:4a2b:7d0a:6c3f:e812:77a9:1b04/128 to 2600:1fa0:8000::/39, 2600:1ff9:8000::/40",
        ],
        &[
            "instance:app-1 -> gateway-endpoint:s3-gateway: tcp/80, tcp/443 from 2600:1f18:4a2b:7d0a:6c3f:e812:77a9:1b04/128 to 2600:1fa0:8000::/39, 2600:1ff9:8000::/40",
            "instance:app-1 -> gateway-endpoint:s3-gateway: tcp/80, tcp/443 from 10.0.10.21/32 to 3.5.0.0/19, 16.15.176.0/20, 16.182.0.0/16, 18.34.0.0/19, 52.216.0.0/15, 54.231.0.0/16",
        ],
        &["private-service-access: proven -> violated (+3 -0)"],
    );
    // Attribution: the changed rule or resource of HEAD, at its line.
    assert_eq!(
        cause_lines(&r),
        [
            "opened instance:app-1 -> internet: vpc-endpoint s3-gateway: `route_tables` entry removed: app-rt-a @head.yaml:486",
            "closed instance:app-1 -> gateway-endpoint:s3-gateway: vpc-endpoint s3-gateway: `route_tables` entry removed: app-rt-a @head.yaml:486",
        ]
    );
}

#[test]
fn adding_a_peering_route() {
    // HEAD: the analytics VPC routes prod-vpc over the peering; BASE: the
    // same without that route.
    let head = fixture("fail-psa-peered-vpc-relies-on-gateway-endpoint.yaml");
    let base = edit(
        &head,
        "      - { destination: 10.0.0.0/16, target: pcx-analytics }\n",
        "",
    );
    let r = run(&base, &head);
    // analytics-sg lets tcp/443 out, and only web-alb admits it from
    // anywhere in prod-vpc.
    assert_delta(
        &r,
        &["network-interface:analytics-1-eni -> load-balancer:web-alb: tcp/443 from 10.1.0.25/32"],
        &[],
        &[],
    );
    // Attribution: the changed rule or resource of HEAD, at its line.
    assert_eq!(
        cause_lines(&r),
        [
            "opened network-interface:analytics-1-eni -> load-balancer:web-alb: route-table analytics-rt: route added: {destination: 10.0.0.0/16, target: pcx-analytics} @head.yaml:139",
        ]
    );
}

const NEW_INSTANCE: &str = "  - name: web-3
    aws_id: i-0feedfacecafe0003
";

const NEW_ENI: &str = "  - name: web-3-eni
    aws_id: eni-0feedfacecafe0003
    subnet: public-a
    instance: web-3
    private_ips:
      - { address: 10.0.0.50, public_ip: 198.51.100.50 }
    security_groups: [alb-sg]
";

#[test]
fn adding_a_new_public_instance() {
    let base = fixture("secure-three-tier.yaml");
    let head = edit(
        &base,
        "instances:\n",
        &format!("instances:\n{NEW_INSTANCE}"),
    );
    let head = edit(
        &head,
        "network_interfaces:\n",
        &format!("network_interfaces:\n{NEW_ENI}"),
    );
    let r = run(&base, &head);
    // Nothing else moves: the other interfaces' stand-in public addresses
    // shift in the file but are matched by name.
    assert_delta(
        &r,
        &[
            "instance:app-1 -> instance:web-3: tcp/80, tcp/443 from 10.0.10.21/32",
            "instance:app-2 -> instance:web-3: tcp/80, tcp/443 from 10.0.11.34/32",
            "instance:web-3 -> instance:app-1: tcp/8080 from 10.0.0.50/32",
            "instance:web-3 -> instance:app-2: tcp/8080 from 10.0.0.50/32",
            "internet -> instance:web-3: tcp/80, tcp/443 from 0.0.0.0/0 to 198.51.100.50",
        ],
        &[],
        &[
            "public-exposure: proven -> violated (+1 -0)",
            "private-service-access: proven -> violated (+5 -0)",
        ],
    );
    // Attribution: the changed rule or resource of HEAD, at its line.
    assert_eq!(
        cause_lines(&r),
        [
            "opened instance:app-1 -> instance:web-3: network-interface web-3-eni: added @head.yaml:321",
            "opened instance:app-2 -> instance:web-3: network-interface web-3-eni: added @head.yaml:321",
            "opened instance:web-3 -> instance:app-1: network-interface web-3-eni: added @head.yaml:321",
            "opened instance:web-3 -> instance:app-2: network-interface web-3-eni: added @head.yaml:321",
            "opened internet -> instance:web-3: network-interface web-3-eni: added @head.yaml:321",
        ]
    );
}

#[test]
fn a_renamed_resource_with_the_same_aws_id_is_not_a_new_one() {
    let base = fixture("secure-three-tier.yaml");
    let head = base
        .replace("name: app-1\n", "name: app-one\n")
        .replace("instance: app-1\n", "instance: app-one\n")
        .replace("{ instance: app-1 }", "{ instance: app-one }");
    let r = run(&base, &head);
    assert!(
        r.opened.is_empty() && r.closed.is_empty(),
        "{:#?}",
        lines(&r.opened)
    );
}

#[test]
fn markdown_escapes_hostile_names() {
    let hostile = "<script>x</script>](http://x) # heading `code` \u{202e}evil";
    let head_text = edit(
        &fixture("secure-three-tier.yaml"),
        "instances:\n",
        &format!("instances:\n{NEW_INSTANCE}"),
    );
    let head_text = edit(
        &head_text,
        "network_interfaces:\n",
        &format!("network_interfaces:\n{NEW_ENI}"),
    )
    .replace("web-3", "WEB3");
    let quoted = serde_json::to_string(hostile).unwrap();
    let head_text = head_text.replace("name: WEB3\n", &format!("name: {quoted}\n"));
    let head_text = head_text.replace("instance: WEB3\n", &format!("instance: {quoted}\n"));
    let r = run(&fixture("secure-three-tier.yaml"), &head_text);
    let md = render(&r, DiffFormat::Markdown);
    assert!(!md.contains("<script>"), "{md}");
    assert!(!md.contains("](http"), "{md}");
    assert!(!md.contains('\u{202e}'), "{md}");
    assert!(!md.lines().any(|l| l.starts_with("# ")), "{md}");
    assert!(!md.contains(" `code`"), "{md}");
    insta::assert_snapshot!("diff_markdown_hostile_name", md);
}

#[test]
fn json_contract_has_version_opened_closed_checks() {
    let base = fixture("secure-three-tier.yaml");
    let head = edit(
        &base,
        "      - { destination: 0.0.0.0/0, target: nat-a }\n",
        "      - { destination: 0.0.0.0/0, target: prod-igw }\n",
    );
    let r = run(&base, &head);
    let v: serde_json::Value = serde_json::from_str(&render(&r, DiffFormat::Json)).unwrap();
    assert_eq!(v["version"], 1);
    for k in ["opened", "closed", "checks"] {
        assert!(v[k].is_array(), "{k} is an array");
    }
    let closed = v["closed"].as_array().unwrap();
    assert!(!closed.is_empty());
    for c in closed {
        for k in ["source", "destination", "flows", "witness"] {
            assert!(!c[k].is_null(), "a change has `{k}`");
        }
    }
    let checks = v["checks"].as_array().unwrap();
    assert_eq!(checks.len(), netverify::checks::REGISTRY.len());
    let _ = BTreeSet::<String>::new();
}

// ---- the diff against the simulator, on random topology pairs ----

#[path = "common/packets.rs"]
mod packets;

use netverify::diff::{Key, end_key, source_key};
use netverify::hs::Packet;
use netverify::sim::{self, Fate};
use proptest::prelude::*;
use proptest::test_runner::{Config, TestCaseError};

/// What the simulator says one side does with `p` sent by endpoint `src`:
/// the endpoints it reaches, or `None` when some origin's fate is unknown.
fn sim_delivers(
    engine: &Engine<'_>,
    src: &Key,
    renames: &std::collections::BTreeMap<Key, Key>,
    p: &Packet,
) -> Option<BTreeSet<Key>> {
    let topo = engine.topo;
    let key = |k: Key| renames.get(&k).cloned().unwrap_or(k);
    let mut out = BTreeSet::new();
    for o in diff::origins(topo) {
        if &key(source_key(topo, o).0) != src || !diff::origin_set(engine, o).contains(p) {
            continue;
        }
        for f in sim::simulate(topo, o, p).fates {
            let end = match f {
                Fate::Delivered { eni } => netverify::engine::End::Delivered(eni),
                Fate::Internet => netverify::engine::End::Internet,
                Fate::Endpoint { endpoint } => netverify::engine::End::Endpoint(endpoint),
                Fate::OnPrem { via } => netverify::engine::End::OnPrem(via),
                Fate::Unknown { .. } => return None,
                Fate::Dropped { .. } => continue,
            };
            if let Some((k, _)) = end_key(topo, &end) {
                out.insert(key(k));
            }
        }
    }
    Some(out)
}

fn build(seed: &common::topogen::TopoSeed, name: &str) -> Result<Topology, TestCaseError> {
    model::resolve(common::topogen::build(seed), name)
        .map_err(|e| TestCaseError::reject(e.render(None)))
}

fn diff_agrees_with_simulator(
    a: &common::topogen::TopoSeed,
    b: &common::topogen::TopoSeed,
    picks: &[(usize, usize, usize, usize, usize)],
) -> Result<(), TestCaseError> {
    let base = build(a, "base.yaml")?;
    let head = build(b, "head.yaml")?;
    let (eb, eh) = (Engine::new(&base), Engine::new(&head));
    let d = diff::delta(&eb, &eh);
    let none = std::collections::BTreeMap::new();
    let mut sources: BTreeSet<Key> = BTreeSet::new();
    for o in diff::origins(&base) {
        sources.insert(source_key(&base, o).0);
    }
    for o in diff::origins(&head) {
        let k = source_key(&head, o).0;
        sources.insert(d.renames.get(&k).cloned().unwrap_or(k));
    }
    let mut pkts = packets::packets(&base, picks);
    pkts.extend(packets::packets(&head, picks));
    let find = |s: &Key, t: &Key| {
        d.pairs
            .iter()
            .find(|p| &p.source == s && &p.destination == t)
    };
    // Every packet delivered on exactly one side is reported.
    for src in &sources {
        for p in &pkts {
            // `p` as HEAD sends it; BASE's coordinates differ only in
            // the stand-ins of auto-assigned public IPs.
            let pb = d.stand_ins.packet_to_base(p);
            let (Some(on_b), Some(on_h)) = (
                sim_delivers(&eb, src, &none, &pb),
                sim_delivers(&eh, src, &d.renames, p),
            ) else {
                continue;
            };
            for dst in on_h.difference(&on_b) {
                let pd = find(src, dst);
                prop_assert!(
                    pd.is_some_and(|x| x.opened.contains(&pb)),
                    "{p} from {src:?} to {dst:?} is delivered on HEAD only but not reported opened"
                );
            }
            for dst in on_b.difference(&on_h) {
                let pd = find(src, dst);
                prop_assert!(
                    pd.is_some_and(|x| x.closed.contains(&pb)),
                    "{p} from {src:?} to {dst:?} is delivered on BASE only but not reported closed"
                );
            }
        }
    }
    // And a packet of every reported set really changed.
    for pd in &d.pairs {
        for (set, opened) in [(&pd.opened, true), (&pd.closed, false)] {
            let Some(p) = set.sample() else { continue };
            let ph = d.stand_ins.packet_to_head(&p);
            let (Some(on_b), Some(on_h)) = (
                sim_delivers(&eb, &pd.source, &none, &p),
                sim_delivers(&eh, &pd.source, &d.renames, &ph),
            ) else {
                continue;
            };
            let (yes, no) = if opened { (on_h, on_b) } else { (on_b, on_h) };
            prop_assert!(
                yes.contains(&pd.destination) && !no.contains(&pd.destination),
                "{p} from {:?} to {:?} is reported {} but the simulator does not agree",
                pd.source,
                pd.destination,
                if opened { "opened" } else { "closed" }
            );
        }
    }
    Ok(())
}

fn cases() -> u32 {
    std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(64)
}

proptest! {
    #![proptest_config(Config { cases: cases(), max_global_rejects: 10_000, ..Config::default() })]

    #[test]
    fn diff_agrees_with_simulator_on_random_pairs(
        a in common::topogen::topo_seed(),
        b in common::topogen::topo_seed(),
        picks in prop::collection::vec((0..64usize, 0..64usize, 0..5usize, 0..6usize, 0..6usize), 24),
    ) {
        diff_agrees_with_simulator(&a, &b, &picks)?;
    }
}

// ---- field data: edits of a snapshot copy, never of the corpus ----

#[path = "common/field_data.rs"]
mod field_data;

fn copy_dir(from: &std::path::Path, to: &std::path::Path) {
    std::fs::create_dir_all(to).unwrap();
    for e in std::fs::read_dir(from).unwrap() {
        let p = e.unwrap().path();
        let dest = to.join(p.file_name().unwrap());
        if p.is_dir() {
            copy_dir(&p, &dest);
        } else {
            std::fs::copy(&p, &dest).unwrap();
        }
    }
}

fn load_snapshot(dir: &std::path::Path) -> Topology {
    let imported = netverify::import::import_snapshot(dir).unwrap();
    model::resolve(imported.file, &dir.display().to_string())
        .unwrap_or_else(|e| panic!("{}", e.render(None)))
}

/// RDP (tcp/3389) opened from anywhere on every security group of a field
/// snapshot (a copy in a temporary directory; its groups already admit
/// SSH): whatever opens is tcp/3389, something does, nothing closes, and
/// the same snapshot against itself is no change.
#[test]
fn field_snapshot_rdp_opened_on_its_security_groups() {
    let Some(net) = field_data::network("test-public-subnet") else {
        return;
    };
    let tmp = tempfile::tempdir().unwrap();
    let head_dir = tmp.path().join("head");
    copy_dir(&net, &head_dir);
    let sgs = head_dir.join("aws_configs").join("SecurityGroups.json");
    let mut v: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&sgs).unwrap()).unwrap();
    let groups = v["SecurityGroups"].as_array_mut().expect("SecurityGroups");
    assert!(!groups.is_empty(), "the snapshot has security groups");
    for g in groups {
        g["IpPermissions"]
            .as_array_mut()
            .expect("IpPermissions")
            .push(serde_json::json!({
                "IpProtocol": "tcp", "FromPort": 3389, "ToPort": 3389,
                "IpRanges": [{"CidrIp": "0.0.0.0/0"}], "Ipv6Ranges": [],
                "PrefixListIds": [], "UserIdGroupPairs": []
            }));
    }
    std::fs::write(&sgs, serde_json::to_string_pretty(&v).unwrap()).unwrap();
    let base = load_snapshot(&net);
    let head = load_snapshot(&head_dir);
    let same = diff::diff(&Engine::new(&base), &Engine::new(&base));
    assert!(same.opened.is_empty() && same.closed.is_empty());
    let r = diff::diff(&Engine::new(&base), &Engine::new(&head));
    assert!(r.closed.is_empty(), "{:#?}", lines(&r.closed));
    assert!(
        !r.opened.is_empty(),
        "opening RDP everywhere opens something"
    );
    for c in &r.opened {
        for f in &c.flows {
            assert_eq!(
                (f.protocol.as_str(), f.ports.as_slice()),
                ("tcp", &["3389".to_string()][..]),
                "{c:#?}"
            );
        }
    }
    assert_witnesses(&r);
}

// ---- the command line ----

fn cli(args: &[&str]) -> (i32, String) {
    let out = std::process::Command::new(assert_cmd::cargo::cargo_bin!("netverify"))
        .args(args)
        .env("NO_COLOR", "1")
        .output()
        .unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
    )
}

#[test]
fn diff_exit_codes_follow_fail_on() {
    let dir = tempfile::tempdir().unwrap();
    let head_text = fixture("fail-nacl-allow-before-deny.yaml");
    let base_text = edit(
        &head_text,
        "      - { protocol: tcp, ports: 22, cidr: 0.0.0.0/0, description: vendor support }\n",
        "",
    );
    let base = dir.path().join("base.yaml");
    let head = dir.path().join("head.yaml");
    std::fs::write(&base, base_text).unwrap();
    std::fs::write(&head, head_text).unwrap();
    let (b, h) = (base.to_str().unwrap(), head.to_str().unwrap());
    // A check got worse: 1 whatever `--fail-on` says.
    assert_eq!(cli(&["diff", b, h]).0, 1);
    // The reverse only closes: 0 by default, 1 with `--fail-on any`.
    let (code, text) = cli(&["diff", h, b]);
    assert_eq!(code, 0, "{text}");
    assert!(text.starts_with("closed: internet → app-1"), "{text}");
    assert_eq!(cli(&["diff", h, b, "--fail-on", "opened"]).0, 0);
    assert_eq!(cli(&["diff", h, b, "--fail-on", "any"]).0, 1);
    assert_eq!(cli(&["diff", b, b]).0, 0);
    // Input errors.
    assert_eq!(cli(&["diff", b, "no-such-file.yaml"]).0, 2);
    // A side with missing data (a gap) is unknown: 3 unless something fails.
    let gap =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("topologies/unknown-import-gap.yaml");
    let g = gap.to_str().unwrap();
    assert_eq!(cli(&["diff", g, g]).0, 3);
    let (code, json) = cli(&["diff", h, b, "--format", "json"]);
    assert_eq!(code, 0);
    let v: serde_json::Value = serde_json::from_str(&json).unwrap();
    assert_eq!(v["opened"].as_array().unwrap().len(), 0);
    assert_eq!(v["closed"].as_array().unwrap().len(), 1);
    assert_eq!(v["closed"][0]["source"]["kind"], "internet");
    assert_eq!(v["closed"][0]["destination"]["name"], "app-1");
}

// ---- the streamed diff against the whole-reach reference ----

/// One random edit of a topology file: a rule or route removed, SSH opened
/// on a group, an interface renamed (with an AWS id on both sides, so the
/// diff must match it by id) or removed.
fn edit_file(f: &mut model::format::TopologyFile, kind: usize, k: usize) {
    use model::format::SgRule;
    use model::{Scalar, Sp};
    let pick = |n: usize| (n > 0).then(|| k % n);
    match kind {
        0 => {
            if let Some(i) = pick(f.security_groups.len()) {
                let g = &mut f.security_groups[i].value;
                if let Some(j) = pick(g.ingress.len()) {
                    g.ingress.remove(j);
                } else if let Some(j) = pick(g.egress.len()) {
                    g.egress.remove(j);
                }
            }
        }
        1 => {
            if let Some(i) = pick(f.security_groups.len()) {
                f.security_groups[i].value.ingress.push(Sp::new(SgRule {
                    protocol: Sp::new(Scalar("tcp".into())),
                    ports: Some(Sp::new(Scalar("22".into()))),
                    cidr: Some(Sp::new("0.0.0.0/0".into())),
                    ..SgRule::default()
                }));
            }
        }
        2 => {
            if let Some(i) = pick(f.route_tables.len()) {
                let t = &mut f.route_tables[i].value;
                if let Some(j) = pick(t.routes.len()) {
                    t.routes.remove(j);
                }
            }
        }
        3 => {
            if let Some(i) = pick(f.network_acls.len()) {
                let n = &mut f.network_acls[i].value;
                if let Some(j) = pick(n.ingress.len()) {
                    n.ingress.remove(j);
                } else if let Some(j) = pick(n.egress.len()) {
                    n.egress.remove(j);
                }
            }
        }
        4 => {
            if let Some(i) = pick(f.network_interfaces.len()) {
                let e = &mut f.network_interfaces[i].value;
                e.name = Sp::new(format!("{}-renamed", e.name.value));
            }
        }
        _ => {
            if let Some(i) = pick(f.network_interfaces.len()) {
                f.network_interfaces.remove(i);
            }
        }
    }
}

fn streamed_equals_whole(
    seed: &common::topogen::TopoSeed,
    edits: &[(usize, usize)],
    ids: bool,
) -> Result<(), TestCaseError> {
    let bf = common::topogen::build(seed);
    let mut bf = bf;
    if ids {
        for (n, e) in bf.network_interfaces.iter_mut().enumerate() {
            e.value.aws_id = Some(format!("eni-{n:08x}"));
        }
    }
    let mut hf = bf.clone();
    for &(kind, k) in edits {
        edit_file(&mut hf, kind, k);
    }
    let (Ok(base), Ok(head)) = (
        model::resolve(bf.clone(), "base.yaml"),
        model::resolve(hf.clone(), "head.yaml"),
    ) else {
        return Err(TestCaseError::reject("an edit made the topology invalid"));
    };
    let (eb, eh) = (Engine::new(&base), Engine::new(&head));
    let fast = diff::diff_with(&eb, &eh, Some((&bf, &hf)));
    let whole = diff::diff_with_whole(&Engine::new(&base), &Engine::new(&head), Some((&bf, &hf)));
    let (fast, whole) = (
        render(&fast, DiffFormat::Json),
        render(&whole, DiffFormat::Json),
    );
    prop_assert!(
        fast == whole,
        "the streamed diff differs from the whole-reach diff:\n--- streamed\n{fast}\n--- whole\n{whole}"
    );
    Ok(())
}

proptest! {
    #![proptest_config(Config { cases: cases(), max_global_rejects: 10_000, ..Config::default() })]

    /// `diff` compares the sides source endpoint by source endpoint and
    /// re-runs attribution only for the changed pairs' sources; the answer
    /// (sets, witnesses, causes, unknowns, order) is exactly that of the
    /// whole-reach computation.
    #[test]
    fn streamed_diff_equals_the_whole_reach_diff_on_random_edits(
        seed in common::topogen::topo_seed(),
        edits in prop::collection::vec((0..6usize, 0..64usize), 1..4),
        ids in any::<bool>(),
    ) {
        streamed_equals_whole(&seed, &edits, ids)?;
    }
}
