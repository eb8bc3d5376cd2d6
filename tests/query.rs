//! The query language on the bundled topologies: every query form, every
//! kind of endpoint, `why not` with several blockers (each one reported),
//! honest `unknown`s for what the engine does not model, mistakes with
//! position and suggestion, and the exit codes of `netverify query`.
//!
//! Most assertions read the versioned JSON answer; the text layout is
//! covered by the REPL transcript snapshot (`tests/repl.rs`).

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "a test fails by panicking"
)]

use assert_cmd::Command;
use serde_json::Value;

use netverify::engine::Engine;
use netverify::query::lang::QueryFormat;
use netverify::render::TextOptions;
use netverify::repl::{Action, Context, Status, run_line};

const REFERENCE: &str = "topologies/secure-three-tier.yaml";
const NACL_DENY: &str = "topologies/pass-nacl-blocks-open-sg.yaml";
const APPLIANCE: &str = "topologies/unknown-appliance-route-target.yaml";
const GAP: &str = "topologies/unknown-import-gap.yaml";
const HYBRID: &str = "tests/fixtures/query/services-and-hybrid.yaml";

/// Runs `netverify query FILE QUERY [ARGS]` and returns (stdout, stderr, exit code).
fn query(file: &str, q: &str, args: &[&str]) -> (String, String, i32) {
    let out = Command::cargo_bin("netverify")
        .unwrap()
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .env("NO_COLOR", "1")
        .args(["query", file, q])
        .args(args)
        .output()
        .unwrap();
    (
        String::from_utf8(out.stdout).unwrap(),
        String::from_utf8(out.stderr).unwrap(),
        out.status.code().unwrap_or(-1),
    )
}

/// The JSON answer and the exit code.
fn answer(file: &str, q: &str) -> (Value, i32) {
    let (out, err, code) = query(file, q, &["--format", "json"]);
    let v: Value = serde_json::from_str(&out).unwrap_or_else(|e| panic!("{e}: {out}{err}"));
    assert_eq!(v["version"], 1);
    (v, code)
}

fn names(v: &Value, key: &str, field: &str) -> Vec<String> {
    v[key]
        .as_array()
        .map(|a| {
            a.iter()
                .map(|x| x[field].as_str().unwrap_or_default().to_string())
                .collect()
        })
        .unwrap_or_default()
}

/// Every hop of every path cites a line of the topology file, except the
/// internet and derived resources.
fn assert_hops_located(v: &Value, file: &str) {
    for p in v["paths"].as_array().unwrap() {
        for h in p["hops"].as_array().unwrap() {
            if h["component"] == "internet" || h["rule"].as_str().unwrap().contains("AWS default") {
                continue;
            }
            assert_eq!(h["location"]["file"], file, "{h}");
            assert!(h["location"]["line"].as_u64().unwrap() > 0, "{h}");
        }
    }
}

#[test]
fn can_yes_has_a_witness_packet_and_located_hops() {
    let (v, code) = answer(REFERENCE, "can internet reach web-alb on tcp/443");
    assert_eq!(code, 0);
    assert_eq!(v["answer"], "yes");
    let p = &v["paths"][0];
    assert_eq!(p["packet"]["protocol"], "tcp");
    assert_eq!(p["packet"]["dst_port"], 443);
    let comps: Vec<&str> = p["hops"]
        .as_array()
        .unwrap()
        .iter()
        .map(|h| h["component"].as_str().unwrap())
        .collect();
    assert_eq!(
        comps,
        [
            "prod-igw",
            "public-nacl",
            "alb-sg",
            "web-alb",
            "web-alb-eni-a"
        ]
    );
    assert!(
        p["hops"][1]["rule"]
            .as_str()
            .unwrap()
            .contains("inbound rule 110: allow tcp 443")
    );
    assert_hops_located(&v, REFERENCE);
    // The exact packets: tcp/443 from every internet source, both families.
    let flows = &v["entries"][0]["flows"];
    assert_eq!(flows[0]["protocol"], "tcp");
    assert_eq!(flows[0]["ports"], serde_json::json!(["443"]));
}

#[test]
fn can_no_and_exit_codes() {
    let (v, code) = answer(REFERENCE, "can internet reach db-primary-eni on tcp/5432");
    assert_eq!((v["answer"].as_str(), code), (Some("no"), 1));
    assert!(v["paths"].as_array().is_none());
    // The app tier reaches the database on 5432, not on 22.
    assert_eq!(
        answer(REFERENCE, "can app-1 reach db-primary-eni on tcp/5432").1,
        0
    );
    assert_eq!(
        answer(REFERENCE, "can app-1 reach db-primary-eni on tcp/22").1,
        1
    );
    assert_eq!(answer(REFERENCE, "can app-1 -> db-primary-eni").1, 0);
}

#[test]
fn can_says_whether_replies_get_back() {
    let note = |q: &str| {
        let (v, code) = answer(REFERENCE, q);
        assert_eq!(code, 0, "{q}");
        v["notes"][0].as_str().unwrap().to_string()
    };
    assert!(note("can app-1 reach db-primary-eni on tcp/5432").contains("get back"));
    assert!(note("can internet reach web-alb on tcp/443").contains("sessions can complete"));
    // web-alb's node to app-1: over IPv4 the app NACL lets the replies out
    // (rule 130).
    assert!(note("can 10.0.0.37 reach app-1 on tcp/8080").contains("get back"));
    // Over IPv6, `alb-sg` lets the node out only through its reference to
    // `app-sg` (and `app-sg` admits it only through `alb-sg`), and whether
    // a reference matches a member's IPv6 address AWS does not say (C-5.6):
    // a `can` answer does not claim it (must-reach reading), it says
    // unknown and why.
    let (v, code) = answer(
        REFERENCE,
        "can 2600:1f18:4a2b:7d00:9d1c:2b77:e2a1:4f10 reach app-1 on tcp/8080",
    );
    assert_eq!((v["answer"].as_str(), code), (Some("unknown"), 3));
    let why = v["unknown"].to_string();
    assert!(why.contains("C-5.6") && why.contains("`app-sg`"), "{why}");
}

#[test]
fn endpoints_by_name_id_ip_cidr_subnet_tag_and_internet_range() {
    let yes = |q: &str| {
        let (v, code) = answer(REFERENCE, q);
        assert_eq!((v["answer"].as_str(), code), (Some("yes"), 0), "{q}: {v}");
        v
    };
    // AWS ids of an interface and of an instance.
    yes("can eni-0d98a24621f65528c reach db-primary-eni on tcp/5432");
    yes("can i-0de643dfcfe71e283 reach db-primary-eni on tcp/5432");
    // IPs and CIDRs (the app subnet), a subnet name and a tag.
    yes("can 10.0.10.21 reach 10.0.20.48 on tcp/5432");
    let v = yes("can 10.0.10.0/24 reach db-a on tcp/5432");
    assert_eq!(v["paths"][0]["from"], "app-1-eni");
    yes("can tag:Role=app reach db-primary-eni on tcp/5432");
    // An internet range: the ALB admits every internet source.
    let v = yes("can 198.51.100.0/24 reach web-alb on tcp/80");
    assert!(
        v["paths"][0]["packet"]["src"]
            .as_str()
            .unwrap()
            .starts_with("198.51.100.")
    );
    // A name with quotes, and `name:` for a resource named like a keyword.
    yes("can \"app-1\" reach name:db-primary-eni on tcp/5432");
}

#[test]
fn who_can_reach_lists_every_source_with_exact_ports() {
    let (v, code) = answer(REFERENCE, "who can reach db-primary-eni");
    assert_eq!(code, 0);
    assert_eq!(names(&v, "entries", "endpoint"), ["app-1-eni", "app-2-eni"]);
    for e in v["entries"].as_array().unwrap() {
        assert_eq!(e["flows"].as_array().unwrap().len(), 1, "{e}");
        assert_eq!(e["flows"][0]["protocol"], "tcp");
        assert_eq!(e["flows"][0]["ports"], serde_json::json!(["5432"]));
    }
    assert_eq!(
        v["entries"][0]["flows"][0]["sources"],
        serde_json::json!(["10.0.10.21/32"])
    );
    // The internet, with its ranges and the listener ports only.
    let (v, _) = answer(REFERENCE, "who can reach web-alb");
    let inet = &v["entries"][0];
    assert_eq!(inet["endpoint"], "internet");
    assert_eq!(inet["flows"][0]["ports"], serde_json::json!(["80", "443"]));
    assert_eq!(
        inet["flows"][0]["sources"],
        serde_json::json!(["0.0.0.0/0", "::/0"])
    );
    // Narrowed to a port nobody can use.
    let (v, code) = answer(REFERENCE, "who can reach db-primary-eni on udp/53");
    assert_eq!((v["answer"].as_str(), code), (Some("no"), 1));
}

#[test]
fn what_can_reach_lists_every_destination() {
    let (v, code) = answer(REFERENCE, "what can app-1 reach");
    assert_eq!(code, 0);
    let dests = names(&v, "entries", "endpoint");
    assert_eq!(
        dests,
        [
            "db-primary-eni",
            "db-standby-eni",
            "dynamodb-gateway (com.amazonaws.us-east-1.dynamodb)",
            "ecr-api-eni-a",
            "ecr-api-eni-b",
            "ecr-dkr-eni-a",
            "ecr-dkr-eni-b",
            "internet",
            "s3-gateway (com.amazonaws.us-east-1.s3)",
            "web-alb-eni-a",
            "web-alb-eni-b"
        ]
    );
    let inet = &v["entries"][7];
    assert_eq!(inet["flows"][0]["ports"], serde_json::json!(["80", "443"]));
    // Every internet address except the S3 and DynamoDB ranges, which the
    // route tables send to the gateway endpoints instead.
    let to = inet["flows"][0]["sources"].as_array().unwrap();
    assert!(
        to.iter()
            .any(|x| x.as_str().unwrap().starts_with("::/0 except ")),
        "{inet}"
    );
    assert!(!to.iter().any(|x| x == "0.0.0.0/0"), "{inet}");
    // From the internet: the load balancer nodes, at their public addresses.
    let (v, _) = answer(REFERENCE, "what can internet reach");
    assert_eq!(
        names(&v, "entries", "endpoint"),
        ["web-alb-eni-a", "web-alb-eni-b"]
    );
    assert_eq!(
        v["entries"][0]["flows"][0]["sources"][0],
        "<auto-assigned public IPv4 of web-alb-eni-a>"
    );
    // The database opens nothing.
    let (v, code) = answer(REFERENCE, "what can db-primary-eni reach");
    assert_eq!((v["answer"].as_str(), code), (Some("no"), 1));
}

#[test]
fn path_shows_every_divergent_path() {
    // Two load balancer nodes × two address families, each on to the two
    // targets (C-14.3).
    let (v, code) = answer(REFERENCE, "path internet -> web-alb on tcp/80");
    assert_eq!(code, 0);
    let to = names(&v, "paths", "to");
    assert_eq!(to.len(), 8, "{to:?}");
    assert_eq!(to.iter().filter(|t| *t == "app-1-eni").count(), 4, "{to:?}");
    assert_hops_located(&v, REFERENCE);
    // Split by route: IPv4 through the NAT gateway, IPv6 through the egress-only gateway.
    let (v, _) = answer(REFERENCE, "path app-1 -> internet on tcp/443");
    let paths = v["paths"].as_array().unwrap();
    assert_eq!(paths.len(), 2, "{v}");
    let rules: Vec<String> = paths
        .iter()
        .map(|p| {
            p["hops"]
                .as_array()
                .unwrap()
                .iter()
                .map(|h| h["component"].as_str().unwrap().to_string())
                .collect::<Vec<_>>()
                .join(" ")
        })
        .collect();
    assert!(
        rules
            .iter()
            .any(|r| r.contains("nat-a") && r.contains("prod-igw")),
        "{rules:?}"
    );
    assert!(rules.iter().any(|r| r.contains("prod-eigw")), "{rules:?}");
}

fn blockers(v: &Value) -> Vec<(String, String)> {
    blocker_fixes(v)
        .into_iter()
        .map(|(c, r, _)| (c, r))
        .collect()
}

#[test]
fn why_not_reports_every_blocker_of_the_best_path() {
    // Internet → database: no public address, the NACL and the SG, all three.
    let (v, code) = answer(REFERENCE, "why not internet -> db-primary-eni on tcp/5432");
    assert_eq!((v["answer"].as_str(), code), (Some("no"), 1));
    let b = blockers(&v);
    assert_eq!(b.len(), 3, "{b:?}");
    assert_eq!(b[0].0, "prod-igw");
    assert!(b[0].1.contains("no public IPv4"));
    assert_eq!(b[1].0, "db-nacl");
    assert!(b[1].1.contains("implicit deny"));
    assert_eq!(b[2].0, "db-sg");
    assert!(
        b[2].1.contains(
            "ingress: no rule of `db-sg` allows tcp 5432 from 203.0.113.7/32 (on db-primary-eni)"
        ),
        "{}",
        b[2].1
    );
    for x in v["blockers"].as_array().unwrap() {
        assert!(!x["fix"].as_str().unwrap().is_empty());
        assert_eq!(x["location"]["file"], REFERENCE);
    }
    assert!(
        v["blockers"][2]["fix"]
            .as_str()
            .unwrap()
            .contains("`db-sg`")
    );

    // App → database on SSH: SG egress, both NACLs and the database's SG.
    let (v, _) = answer(REFERENCE, "why not app-1 -> db-primary-eni on tcp/22");
    let comps: Vec<String> = blockers(&v).into_iter().map(|b| b.0).collect();
    assert_eq!(comps, ["app-sg", "app-nacl", "db-nacl", "db-sg"]);
    assert!(
        v["blockers"][0]["fix"]
            .as_str()
            .unwrap()
            .contains("to members of `db-sg`")
    );
    assert!(
        v["blockers"][3]["fix"]
            .as_str()
            .unwrap()
            .contains("from members of `app-sg`")
    );

    // The database to the internet: SG, no route, NACL and no public address.
    let (v, _) = answer(REFERENCE, "why not db-primary-eni -> internet on tcp/443");
    let comps: Vec<String> = blockers(&v).into_iter().map(|b| b.0).collect();
    assert_eq!(comps, ["db-sg", "db-rt", "db-nacl", "prod-igw"]);
    assert!(
        v["blockers"][1]["fix"]
            .as_str()
            .unwrap()
            .contains("add a route 0.0.0.0/0")
    );
}

#[test]
fn why_not_names_the_denying_nacl_rule_and_picks_the_nearest_path() {
    // SSH to app-1: its SG is open, but NACL rule 200 denies it.
    let (v, _) = answer(NACL_DENY, "why not internet -> app-1 on tcp/22");
    let b = blockers(&v);
    assert!(
        b.iter()
            .any(|(c, r)| c == "app-nacl" && r.contains("rule 200: deny tcp 22")),
        "{b:?}"
    );
    assert!(
        v["blockers"]
            .as_array()
            .unwrap()
            .iter()
            .any(|x| x["fix"].as_str().unwrap().contains("numbered below 200"))
    );
    // Internet → app-1 on 8080 in the reference: over IPv6 no public IPv4 is
    // needed, so the nearest candidate has one blocker (the SG), not two.
    let (v, _) = answer(REFERENCE, "why not internet -> app-1 on tcp/8080");
    let b = blockers(&v);
    assert_eq!(b.len(), 1, "{b:?}");
    assert_eq!(b[0].0, "app-sg");
    assert!(
        v["paths"][0]["packet"]["src"]
            .as_str()
            .unwrap()
            .contains(':')
    );
}

#[test]
fn why_not_when_it_can_reach_says_so() {
    let (v, code) = answer(REFERENCE, "why not app-1 -> db-primary-eni on tcp/5432");
    assert_eq!((v["answer"].as_str(), code), (Some("yes"), 0));
    assert!(v["summary"].as_str().unwrap().contains("nothing blocks it"));
    assert!(v["blockers"].as_array().is_none());
}

/// The tracer and the engine agree: on every bundled topology and hybrid
/// fixture, for every pair of interfaces and on-prem networks and a spread
/// of ports, `why not` finds at least one blocker exactly when the engine
/// says no.
#[test]
fn why_not_agrees_with_the_engine_on_every_topology() {
    // The bundled topologies, and the hybrid fixtures (peering, TGW
    // peering, private and transit VIFs, VPN over DX).
    let mut files: Vec<_> = [
        "topologies",
        "tests/fixtures/query",
        "tests/fixtures/transit-encryption",
    ]
    .iter()
    .flat_map(|d| std::fs::read_dir(d).unwrap())
    .map(|e| e.unwrap().path())
    .filter(|p| p.extension().is_some_and(|x| x == "yaml"))
    .collect();
    files.sort();
    let mut checked = 0;
    for f in files {
        let topo = netverify::model::load_file(&f).unwrap();
        let engine = Engine::new(&topo);
        let ctx = Context {
            engine: &engine,
            source: None,
            opts: TextOptions::default(),
            format: QueryFormat::Json,
        };
        let mut ends: Vec<String> = topo
            .enis
            .iter()
            .filter(|e| {
                matches!(
                    e.owner,
                    netverify::model::EniOwner::Workload | netverify::model::EniOwner::Service(_)
                )
            })
            .map(|e| e.meta.name.clone())
            .collect();
        ends.push("internet".into());
        let onprem: Vec<String> = topo
            .hybrid
            .on_prem
            .iter()
            .map(|n| n.meta.name.clone())
            .collect();
        ends.extend(onprem.iter().cloned());
        for a in &ends {
            for b in &ends {
                let outside = |x: &String| x == "internet" || onprem.contains(x);
                if a == b || (outside(a) && outside(b)) {
                    continue;
                }
                for port in ["tcp/22", "tcp/443", "tcp/5432", "tcp/8080", "udp/53"] {
                    let q = format!("why not {a} -> {b} on {port}");
                    let Action::Output { text, status } = run_line(&ctx, &q) else {
                        panic!("{q}: not an answer");
                    };
                    let v: Value = serde_json::from_str(&text).unwrap();
                    assert!(!text.contains("disagree"), "{}: {q}: {text}", f.display());
                    let n = v["blockers"].as_array().map_or(0, Vec::len);
                    match v["answer"].as_str().unwrap() {
                        "yes" => assert_eq!(n, 0, "{}: {q}", f.display()),
                        "no" => assert!(n > 0, "{}: {q}: {text}", f.display()),
                        "unknown" => assert!(!v["unknown"].as_array().unwrap().is_empty()),
                        other => panic!("{other}"),
                    }
                    // And `can` says the same.
                    let c = format!("can {a} reach {b} on {port}");
                    let Action::Output { status: cs, .. } = run_line(&ctx, &c) else {
                        panic!("{c}");
                    };
                    // The tracer follows hybrid paths too (peering,
                    // transit gateways, VPN, Direct Connect, on prem): it
                    // answers exactly as the engine does.
                    assert_eq!(cs, status, "{}: {q} vs {c}: {text}", f.display());
                    checked += 1;
                }
            }
        }
    }
    assert!(checked > 1000, "{checked}");
    let _ = Status::Reply(netverify::report::answer::Reply::Yes);
}

#[test]
fn services_through_gateway_and_interface_endpoints() {
    let (v, code) = answer(HYBRID, "can app reach s3 on tcp/443");
    assert_eq!(code, 0);
    let hops: Vec<&str> = v["paths"][0]["hops"]
        .as_array()
        .unwrap()
        .iter()
        .map(|h| h["rule"].as_str().unwrap())
        .collect();
    assert!(hops.iter().any(|r| r.contains("route s3-pl")), "{hops:?}");
    assert!(
        hops.last()
            .unwrap()
            .contains("through the gateway endpoint")
    );
    // Both prefix-list entries are separate routes: two paths.
    let (v, _) = answer(HYBRID, "path app -> s3 on tcp/443");
    assert_eq!(v["paths"].as_array().unwrap().len(), 2);
    // ECR through its interface endpoint's interface.
    let (v, code) = answer(HYBRID, "can app reach ecr on tcp/443");
    assert_eq!(code, 0, "{v}");
    assert_eq!(v["paths"][0]["to"], "ecr-eni");
    // A locked subnet: the SG and the NACL both block, each reported.
    let (v, code) = answer(HYBRID, "why not locked-eni -> s3 on tcp/443");
    assert_eq!(code, 1);
    let comps: Vec<String> = blockers(&v).into_iter().map(|b| b.0).collect();
    assert_eq!(comps, ["locked-sg", "locked-nacl"]);
    // Nothing the app sends on 443 can be DynamoDB (only S3's prefix list
    // and the endpoint subnet are allowed): no, even without its addresses.
    let (v, code) = answer(HYBRID, "can app reach dynamodb on tcp/443");
    assert_eq!((v["answer"].as_str(), code), (Some("no"), 1), "{v}");
    // Traffic to the internet without the service's addresses in the
    // topology: unknown, never no.
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("no-service-lists.yaml");
    std::fs::write(
        &file,
        "version: 1\nvpcs: [{name: v, cidrs: [10.9.0.0/16]}]\n\
         internet_gateways: [{name: igw, vpc: v}]\n\
         subnets: [{name: s, vpc: v, cidr: 10.9.1.0/24, route_table: rt}]\n\
         route_tables: [{name: rt, vpc: v, routes: [{destination: 0.0.0.0/0, target: igw}]}]\n\
         security_groups: [{name: sg, vpc: v, egress: [{protocol: tcp, ports: 443, cidr: 0.0.0.0/0}]}]\n\
         network_interfaces: [{name: box, subnet: s, private_ips: [{address: 10.9.1.5, public_ip: 198.51.100.20}], security_groups: [sg]}]\n",
    )
    .unwrap();
    let (v, code) = answer(file.to_str().unwrap(), "can box reach dynamodb on tcp/443");
    assert_eq!((v["answer"].as_str(), code), (Some("unknown"), 3), "{v}");
    assert!(v["unknown"][0].as_str().unwrap().contains("no prefix list"));
    let (v, code) = answer(file.to_str().unwrap(), "why not box -> s3 on tcp/443");
    assert_eq!(code, 3);
    assert!(v["unknown"].to_string().contains("no addresses"), "{v}");
}

#[test]
fn on_prem_networks_and_peered_vpcs_through_the_engine() {
    // Out over the VPN: the path ends on prem, at the VPN connection.
    let (v, code) = answer(HYBRID, "can app reach corp on tcp/22");
    assert_eq!((v["answer"].as_str(), code), (Some("yes"), 0), "{v}");
    assert_eq!(v["paths"][0]["outcome"], "on-prem");
    let last = v["paths"][0]["hops"]
        .as_array()
        .unwrap()
        .last()
        .unwrap()
        .clone();
    assert_eq!(last["component"], "vpn");
    // In from the on-prem network, by name or by address.
    for q in [
        "can corp reach app on tcp/22",
        "can 192.168.1.1 reach app on tcp/22",
    ] {
        let (v, code) = answer(HYBRID, q);
        assert_eq!((v["answer"].as_str(), code), (Some("yes"), 0), "{q}: {v}");
    }
    // `who` lists the on-prem network with its exact ranges.
    let (v, code) = answer(HYBRID, "who can reach app on tcp/22");
    assert_eq!(code, 0, "{v}");
    assert_eq!(v["entries"][0]["endpoint"], "corp");
    assert_eq!(v["entries"][0]["kind"], "on-prem-network");
    assert_eq!(
        v["entries"][0]["flows"][0]["sources"],
        serde_json::json!(["192.168.0.0/16"])
    );
    // Through the peering connection.
    let (v, code) = answer(HYBRID, "can app reach partner-db on tcp/5432");
    assert_eq!((v["answer"].as_str(), code), (Some("yes"), 0), "{v}");
    // A locked subnet to on prem: the security group, the missing route
    // (the fix names the VGW that leads to `corp` and its range) and, past
    // them, the NACL that lets only tcp/80 out.
    let (v, code) = answer(HYBRID, "why not locked-eni -> corp on tcp/22");
    assert_eq!(code, 1, "{v}");
    let comps: Vec<String> = blockers(&v).into_iter().map(|b| b.0).collect();
    assert_eq!(comps, ["locked-sg", "locked-rt", "locked-nacl"]);
    assert!(
        v["blockers"][1]["fix"]
            .as_str()
            .unwrap()
            .contains("add a route 192.168.0.0/16 → `vgw` to `locked-rt`"),
        "{v}"
    );
    assert_eq!(
        v["paths"][0]["hops"].as_array().unwrap().last().unwrap()["component"],
        "vpn"
    );
    // From on prem the tracer follows the packet too: in over the VPN and
    // the VGW, then the locked subnet's NACL (tcp 1024-65535 only) and its
    // security group (no ingress rule); and the replies would not get back
    // either: no route to on prem, and the NACL lets only tcp/80 out.
    let (v, code) = answer(HYBRID, "why not corp -> locked-eni on tcp/22");
    assert_eq!(code, 1, "{v}");
    assert_eq!(
        blockers(&v),
        [
            (
                "locked-nacl".into(),
                "inbound: no rule matches (implicit deny) (subnet locked)".into()
            ),
            (
                "locked-sg".into(),
                "ingress: no rule of `locked-sg` allows tcp 22 from 192.168.0.7/32 (on locked-eni)"
                    .into()
            ),
            ("locked-rt".into(), "return path: no route matches".into()),
            (
                "locked-nacl".into(),
                "return path: outbound: no rule matches (implicit deny) (subnet locked)".into()
            ),
        ],
        "{v}"
    );
    let hops: Vec<&str> = v["paths"][0]["hops"]
        .as_array()
        .unwrap()
        .iter()
        .map(|h| h["component"].as_str().unwrap())
        .collect();
    assert_eq!(hops[..3], ["corp", "corp", "vgw"], "{hops:?}");
}

#[test]
fn appliances_and_gaps_make_answers_unknown() {
    // The app tier reaches the internet through its NAT gateway (a witness
    // is a witness), and the branch range behind the appliance is unknown.
    let (v, code) = answer(APPLIANCE, "can app-1 reach internet on tcp/443");
    assert_eq!((v["answer"].as_str(), code), (Some("yes"), 0));
    let (v, code) = answer(APPLIANCE, "can app-1 reach 172.20.1.1 on tcp/443");
    assert_eq!((v["answer"].as_str(), code), (Some("unknown"), 3));
    assert!(
        v["unknown"][0]
            .as_str()
            .unwrap()
            .contains("appliance `vpn-gw-eni`"),
        "{v}"
    );
    let (v, code) = answer(APPLIANCE, "why not app-1 -> 172.20.1.1 on tcp/443");
    assert_eq!(code, 3);
    assert_eq!(v["paths"][0]["hops"][1]["status"], "unknown");
    // An address nobody owns: the local route delivers it to no one.
    let (v, code) = answer(REFERENCE, "why not app-1 -> 10.0.99.9 on tcp/443");
    assert_eq!(code, 1);
    assert!(
        v["blockers"][0]["fix"]
            .as_str()
            .unwrap()
            .contains("owns 10.0.99.9")
    );
    let (v, code) = answer(GAP, "can internet reach db-primary-eni on tcp/5432");
    assert_eq!((v["answer"].as_str(), code), (Some("unknown"), 3));
    assert!(v["unknown"][0].as_str().unwrap().contains("missing data"));
}

#[test]
fn exposed_and_check_match_the_commands() {
    for (q, cmd) in [
        ("exposed", vec!["exposed"]),
        ("check", vec!["check"]),
        (
            "check public-exposure",
            vec!["check", "--check", "public-exposure"],
        ),
    ] {
        let (out, _, code) = query(REFERENCE, q, &[]);
        let direct = Command::cargo_bin("netverify")
            .unwrap()
            .current_dir(env!("CARGO_MANIFEST_DIR"))
            .env("NO_COLOR", "1")
            .args(&cmd)
            .arg(REFERENCE)
            .output()
            .unwrap();
        assert_eq!(out, String::from_utf8(direct.stdout).unwrap(), "{q}");
        assert_eq!(Some(code), direct.status.code(), "{q}");
    }
    let (out, _, code) = query(
        "topologies/fail-eip-on-secondary-ip.yaml",
        "check",
        &["--format", "json"],
    );
    assert_eq!(code, 1);
    let v: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(v["verdict"], "violated");
}

#[test]
fn show_prints_the_definition_with_its_line() {
    let (out, _, code) = query(REFERENCE, "show db-sg", &[]);
    assert_eq!(code, 0);
    let src = std::fs::read_to_string(REFERENCE).unwrap();
    let line = src
        .lines()
        .position(|l| l.contains("- name: db-sg"))
        .unwrap()
        + 1;
    assert!(
        out.starts_with(&format!(
            "security group `db-sg` (sg-06447803dd1f48beb) — {REFERENCE}:{line}\n"
        )),
        "{out}"
    );
    assert!(out.contains("security_group: app-sg, description: from the app tier"));
    assert!(
        !out.contains("instances:"),
        "the block stops at the item's end: {out}"
    );
    // Derived resources say so.
    let (out, _, _) = query(HYBRID, "show main-default-nacl", &[]);
    assert!(out.contains("derived by netverify"), "{out}");
    let (_, err, code) = query(REFERENCE, "show db-sgg", &[]);
    assert_eq!(code, 2);
    assert!(err.contains("did you mean `db-sg`?"), "{err}");
}

#[test]
fn bad_queries_are_usage_errors_with_position_and_suggestion() {
    let (out, err, code) = query(REFERENCE, "can app-1 reach db-primry-eni on tcp/5432", &[]);
    assert_eq!((out.as_str(), code), ("", 2));
    insta::assert_snapshot!(err, @r"
    error: unknown endpoint `db-primry-eni`
      |
    1 | can app-1 reach db-primry-eni on tcp/5432
      |                 ^^^^^^^^^^^^^ not a resource, address or keyword
      = help: did you mean `db-primary-eni`?
    ");
    let (_, err, code) = query(REFERENCE, "can app-1 reach db-primary-eni on tpc/5432", &[]);
    assert_eq!(code, 2);
    assert!(
        err.contains("unknown protocol `tpc`") && err.contains("did you mean `tcp`?"),
        "{err}"
    );
    let (_, err, _) = query(REFERENCE, "who reach web-alb", &[]);
    assert!(
        err.contains("expected `can` after `who`, found `reach`"),
        "{err}"
    );
    let (_, err, _) = query(REFERENCE, "can app-1 reach prod-igw", &[]);
    assert!(
        err.contains("is an internet gateway, not an endpoint") && err.contains("use `internet`"),
        "{err}"
    );
    let (_, err, _) = query(REFERENCE, "can internet reach 8.8.8.8", &[]);
    assert!(err.contains("both ends are on the internet"), "{err}");
    let (_, err, _) = query(REFERENCE, "who can reach tag:Rol=app", &[]);
    assert!(err.contains("did you mean tag key `Role`?"), "{err}");
    let (_, err, code) = query(REFERENCE, "can app-1 reach web-alb as mermaid", &[]);
    assert_eq!(code, 2);
    assert!(
        err.contains("only `path` and `why not` have pictures"),
        "{err}"
    );
    let (_, err, _) = query(REFERENCE, "check public-exposur", &[]);
    assert!(err.contains("did you mean `public-exposure`?"), "{err}");
}

#[test]
fn mermaid_and_dot_draw_blocked_paths() {
    let (out, _, code) = query(
        REFERENCE,
        "why not internet -> db-primary-eni on tcp/5432",
        &["--format", "mermaid"],
    );
    assert_eq!(code, 1);
    assert!(out.starts_with("flowchart LR\n"));
    assert!(out.contains("class p1h1,p1h2,p1h3 blocked"), "{out}");
    assert!(out.contains("fix: add an ingress allow rule"), "{out}");
    assert!(out.contains("topologies/secure-three-tier.yaml:"), "{out}");
    let (out, _, _) = query(REFERENCE, "path internet -> web-alb on tcp/443 as dot", &[]);
    assert!(out.starts_with("digraph netverify {"));
    // Two nodes × two families, each on to the two targets (C-14.3).
    assert_eq!(out.matches("subgraph cluster_").count(), 8);
    assert!(out.contains("p1h0 -> p1h1;"));
    assert!(!out.contains("fillcolor"), "nothing is blocked: {out}");
}

#[test]
fn snapshot_directories_answer_queries_and_show_imported_definitions() {
    let dir = "tests/fixtures/import/synthetic";
    let (v, code) = answer(dir, "can internet reach eni-1 on tcp/443");
    assert_eq!((v["answer"].as_str(), code), (Some("yes"), 0));
    let (out, _, code) = query(dir, "show eni-1", &[]);
    assert_eq!(code, 0);
    assert!(
        out.starts_with("network interface `eni-1` (eni-1) — imported from"),
        "{out}"
    );
    assert!(out.contains("public_ip: \"203.0.113.10\""), "{out}");
}

// ---- `why not` across hybrid paths -----------------------------------------

const HYBRID_BLOCKED: &str = "tests/fixtures/query/hybrid-blocked.yaml";
const HYBRID_REFERENCE: &str = "tests/fixtures/transit-encryption/pass-hybrid-reference.yaml";
const PUBLIC_VIF: &str = "tests/fixtures/transit-encryption/fail-trap-21-public-vif-to-eip.yaml";

/// Asserts that `text` holds `needle`, showing the text when it does not.
fn has(text: &str, needle: &str) {
    assert!(text.contains(needle), "`{needle}` not in: {text}");
}

/// The components of the first path's hops.
fn hop_components(v: &Value) -> Vec<String> {
    names(&v["paths"][0], "hops", "component")
}

/// The blockers' components, rules and fixes.
fn blocker_fixes(v: &Value) -> Vec<(String, String, String)> {
    v["blockers"]
        .as_array()
        .unwrap()
        .iter()
        .map(|b| {
            (
                b["component"].as_str().unwrap().to_string(),
                b["rule"].as_str().unwrap().to_string(),
                b["fix"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

#[test]
fn why_not_over_a_peering_lists_both_sides_and_the_return_route() {
    let (v, code) = answer(HYBRID_BLOCKED, "why not app-1 -> shared-db on tcp/5432");
    assert_eq!((v["answer"].as_str(), code), (Some("no"), 1), "{v}");
    let b = blocker_fixes(&v);
    let comps: Vec<&str> = b.iter().map(|x| x.0.as_str()).collect();
    assert_eq!(
        comps,
        [
            "rtb-app",
            "pcx-shared",
            "shared-nacl",
            "shared-sg",
            "rtb-shared"
        ],
        "{v}"
    );
    // The missing route on the sender's side, to the peering, for the
    // peer's CIDR.
    assert_eq!(b[0].1, "no route matches");
    assert!(
        b[0].2
            .contains("add a route 10.20.0.0/16 → `pcx-shared` to `rtb-app`"),
        "{}",
        b[0].2
    );
    // The peering is pending acceptance (C-8.1).
    assert!(
        b[1].1.contains("not active") && b[1].1.contains("C-8.1"),
        "{}",
        b[1].1
    );
    assert!(b[1].2.contains("accept peering connection `pcx-shared`"));
    // On the far side: the denying NACL rule and the security group.
    assert_eq!(
        b[2].1,
        "inbound rule 90: deny all traffic from 10.0.0.0/16 (subnet shared-a)"
    );
    has(&b[2].2, "numbered below 90");
    assert!(
        b[3].2
            .contains("add an ingress rule to `shared-sg` allowing tcp 5432 from 10.0.10.5/32")
    );
    // And the peer has no route back (return direction); the pending
    // peering, already listed, is not listed twice.
    assert_eq!(b[4].1, "return path: no route matches");
    assert!(
        b[4].2
            .contains("add a route 10.0.0.0/16 → `pcx-shared` to `rtb-shared`"),
        "{}",
        b[4].2
    );
    assert!(
        v["notes"]
            .to_string()
            .contains("1 blocker on the return path"),
        "{v}"
    );
    // Every blocker cites its line in the file.
    for x in v["blockers"].as_array().unwrap() {
        assert_eq!(x["location"]["file"], HYBRID_BLOCKED, "{x}");
    }
    assert_hops_located(&v, HYBRID_BLOCKED);
}

#[test]
fn why_not_through_a_transit_gateway_to_on_prem_lists_every_blocker() {
    let (v, code) = answer(HYBRID_BLOCKED, "why not app-1 -> dc1 on tcp/443");
    assert_eq!((v["answer"].as_str(), code), (Some("no"), 1), "{v}");
    let b = blocker_fixes(&v);
    let comps: Vec<&str> = b.iter().map(|x| x.0.as_str()).collect();
    assert_eq!(comps, ["att-app", "tgw-rtb-app", "vpn-dc1"], "{v}");
    // The attachment has no subnet in app-a's zone (C-9.6b).
    assert!(
        b[0].1.contains("us-east-1a") && b[0].1.contains("C-9.6b"),
        "{}",
        b[0].1
    );
    assert!(
        b[0].2
            .contains("add a subnet in us-east-1a to attachment `att-app`")
    );
    // The blackhole, located at its route, with the attachment to use.
    has(&b[1].1, "blackhole 10.50.0.0/16 (C-9.5)");
    assert_eq!(v["blockers"][1]["location"]["line"], 85);
    has(&b[1].2, "point it at `att-vpn`");
    // The VPN's traffic selectors leave the sender out (C-11.2).
    assert!(
        b[2].1.contains("traffic selectors") && b[2].1.contains("C-11.2"),
        "{}",
        b[2].1
    );
    assert!(b[2].2.contains("local_ipv4_network_cidr"));
    // Past the blockers the path ends on prem, over the VPN.
    let hops = v["paths"][0]["hops"].as_array().unwrap();
    assert_eq!(hops.last().unwrap()["component"], "vpn-dc1");
}

#[test]
fn why_not_from_on_prem_over_direct_connect_names_the_allowed_prefixes() {
    let (v, code) = answer(HYBRID_BLOCKED, "why not branch -> shared-db on tcp/5432");
    assert_eq!((v["answer"].as_str(), code), (Some("no"), 1), "{v}");
    let b = blocker_fixes(&v);
    let comps: Vec<&str> = b.iter().map(|x| x.0.as_str()).collect();
    assert_eq!(
        comps,
        ["branch", "dxgw-corp", "shared-sg", "rtb-shared"],
        "{v}"
    );
    // AWS advertises nothing for the VPC to the branch, because the DX
    // gateway association allows only 10.21.0.0/16 (C-12.2).
    has(&b[0].1, "AWS advertises no route for 10.20.1.5");
    assert!(
        b[1].1.contains("allowed prefixes") && b[1].1.contains("C-12.2"),
        "{}",
        b[1].1
    );
    has(&b[1].2, "`dxgw-corp` with `vgw-shared`");
    assert!(b[2].2.contains("from 172.20.0.7/32"));
    // The replies: shared has no route to the branch.
    assert_eq!(b[3].1, "return path: no route matches");
    has(&b[3].2, "172.20.0.0/16 → `vgw-shared`");
    let hops = hop_components(&v);
    assert!(hops.iter().any(|h| h == "vgw-shared"), "{hops:?}");
}

#[test]
fn why_not_over_a_peering_to_on_prem_is_no_edge_to_edge_routing() {
    let (v, code) = answer(HYBRID_BLOCKED, "why not app-1 -> branch on tcp/22");
    assert_eq!((v["answer"].as_str(), code), (Some("no"), 1), "{v}");
    let b = blocker_fixes(&v);
    assert_eq!(b.len(), 2, "{v}");
    assert_eq!(
        (b[0].0.as_str(), b[1].0.as_str()),
        ("pcx-shared", "pcx-shared")
    );
    assert!(b[0].1.contains("C-8.1"));
    assert!(
        b[1].1.contains("C-8.3") && b[1].1.contains("172.20.0.7"),
        "{}",
        b[1].1
    );
    // The engine agrees.
    let (c, _) = answer(HYBRID_BLOCKED, "can app-1 reach branch on tcp/22");
    assert_eq!(c["answer"], "no");
}

#[test]
fn why_not_on_the_hybrid_reference_with_an_unassociated_attachment() {
    // The reference with att-app taken out of its route table's
    // associations: from on prem on tcp/22 the security group blocks, and
    // the replies cannot enter the transit gateway (C-9.2).
    let text = std::fs::read_to_string(HYBRID_REFERENCE).unwrap().replace(
        "associations: [att-app, att-vpn, att-vpn-private]",
        "associations: [att-vpn, att-vpn-private]",
    );
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("reference.yaml");
    std::fs::write(&file, text).unwrap();
    let file = file.to_str().unwrap();
    let (v, code) = answer(file, "why not dc1-k8s -> app-1-eni on tcp/22");
    assert_eq!((v["answer"].as_str(), code), (Some("no"), 1), "{v}");
    let b = blocker_fixes(&v);
    let comps: Vec<&str> = b.iter().map(|x| x.0.as_str()).collect();
    assert_eq!(comps, ["sg-app", "att-app"], "{v}");
    has(&b[0].2, "allowing tcp 22 from 10.50.0.7/32");
    assert!(
        b[1].1.starts_with("return path: ") && b[1].1.contains("C-9.2"),
        "{}",
        b[1].1
    );
    has(&b[1].2, "associate attachment `att-app`");
    // The forward path: in over the preferred VPN, through the TGW.
    let hops = hop_components(&v);
    assert_eq!(
        hops[..5],
        ["dc1-k8s", "dc1-k8s", "att-vpn", "tgw-rtb-main", "att-app"],
        "{hops:?}"
    );
    // From the VPC on tcp/443 nothing blocks the way out, but the
    // attachment is not associated: blocked, and the fix says so.
    let (v, code) = answer(file, "why not app-1-eni -> dc1-k8s on tcp/443");
    assert_eq!((v["answer"].as_str(), code), (Some("no"), 1), "{v}");
    let b = blocker_fixes(&v);
    assert_eq!(b[0].0, "att-app", "{v}");
    assert!(
        b[0].1
            .contains("associated with no transit gateway route table"),
        "{}",
        b[0].1
    );
    // Unchanged, the reference lets on prem in on tcp/443.
    let (v, code) = answer(HYBRID_REFERENCE, "why not dc1-k8s -> app-1-eni on tcp/443");
    assert_eq!((v["answer"].as_str(), code), (Some("yes"), 0), "{v}");
}

#[test]
fn why_not_from_on_prem_over_a_public_vif_lists_both_blockers() {
    let (v, code) = answer(PUBLIC_VIF, "why not dc1 -> app-1-eni on tcp/443");
    assert_eq!((v["answer"].as_str(), code), (Some("no"), 1), "{v}");
    let b = blocker_fixes(&v);
    let comps: Vec<&str> = b.iter().map(|x| x.0.as_str()).collect();
    assert_eq!(comps, ["dc1", "vif-public"], "{v}");
    has(&b[0].1, "AWS advertises no route");
    has(&b[1].1, "public virtual interface");
}

#[test]
fn mermaid_and_dot_draw_hybrid_paths() {
    let (out, _, code) = query(
        HYBRID_BLOCKED,
        "why not app-1 -> dc1 on tcp/443",
        &["--format", "mermaid"],
    );
    assert_eq!(code, 1);
    assert!(out.starts_with("flowchart LR\n"), "{out}");
    for name in ["att-app", "tgw-rtb-app", "vpn-dc1"] {
        assert!(out.contains(name), "{name}: {out}");
    }
    assert!(out.contains(" blocked"), "{out}");
    assert!(out.contains("fix: add a subnet in us-east-1a"), "{out}");
    let (out, _, code) = query(
        HYBRID_REFERENCE,
        "path dc1-k8s -> app-1-eni on tcp/443",
        &["--format", "dot"],
    );
    assert_eq!(code, 0);
    assert!(out.starts_with("digraph netverify {"), "{out}");
    for name in ["att-vpn", "tgw-rtb-main", "att-app", "app-1-eni"] {
        assert!(out.contains(name), "{name}: {out}");
    }
    assert!(!out.contains("fillcolor"), "nothing is blocked: {out}");
}

/// `who`, `what` and `path` with on-prem networks and peered VPCs as
/// sources and destinations: named by the on-prem network, with exact sets.
#[test]
fn listings_and_paths_name_on_prem_networks_and_peered_vpcs() {
    // To on prem: the destination is the on-prem network, with its range.
    let (v, code) = answer(HYBRID, "what can app reach on tcp/22");
    assert_eq!(code, 0, "{v}");
    assert_eq!(v["entries"][0]["endpoint"], "corp", "{v}");
    assert_eq!(v["entries"][0]["kind"], "on-prem-network");
    assert_eq!(v["entries"][0]["location"], "on prem via vpn");
    assert_eq!(
        v["entries"][0]["flows"][0]["sources"],
        serde_json::json!(["192.168.0.0/16"])
    );
    let (v, _) = answer(HYBRID, "path app -> corp on tcp/22");
    assert_eq!(v["paths"][0]["to"], "corp (on prem via vpn)", "{v}");
    // From on prem.
    let (v, code) = answer(HYBRID, "what can corp reach");
    assert_eq!(code, 0, "{v}");
    assert_eq!(names(&v, "entries", "endpoint"), ["app-eni"], "{v}");
    assert_eq!(
        v["entries"][0]["flows"][0]["ports"],
        serde_json::json!(["22"])
    );
    let (v, _) = answer(HYBRID, "who can reach corp");
    assert_eq!(names(&v, "entries", "endpoint"), ["app-eni"], "{v}");
    // A peered VPC as the destination, and its interface as the source.
    let (v, _) = answer(HYBRID, "who can reach partner");
    assert_eq!(names(&v, "entries", "endpoint"), ["app-eni"], "{v}");
    assert_eq!(
        v["entries"][0]["flows"][0]["ports"],
        serde_json::json!(["5432"])
    );
    let (v, code) = answer(HYBRID, "what can partner-db reach");
    assert_eq!(
        (v["answer"].as_str(), code),
        (Some("no"), 1),
        "partner-sg has no egress: {v}"
    );
    // Through a transit gateway: on prem reaches the app over both VPNs
    // (the stated preference is `vpn`), and the app reaches on prem over
    // the private-IP VPN, which wins at the TGW (C-9.4).
    let (v, code) = answer(HYBRID_REFERENCE, "path dc1-k8s -> app-1-eni on tcp/443");
    assert_eq!(code, 0, "{v}");
    assert_eq!(v["paths"].as_array().unwrap().len(), 2, "{v}");
    assert_eq!(v["paths"][0]["from"], "dc1-k8s");
    let vias: Vec<&str> = v["paths"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["hops"][0]["rule"].as_str().unwrap())
        .collect();
    assert!(
        vias[0].contains("`vpn-dc1`") && vias[1].contains("`vpn-dc1-private`"),
        "{vias:?}"
    );
    let (v, _) = answer(HYBRID_REFERENCE, "who can reach app-1-eni");
    assert_eq!(names(&v, "entries", "endpoint"), ["dc1-k8s"], "{v}");
    assert_eq!(v["entries"][0]["kind"], "on-prem-network");
    let (v, _) = answer(HYBRID_REFERENCE, "what can app-1-eni reach on tcp/443");
    let onprem = v["entries"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["endpoint"] == "dc1-k8s")
        .unwrap_or_else(|| panic!("{v}"));
    assert_eq!(onprem["kind"], "on-prem-network");
    assert_eq!(onprem["location"], "on prem via vpn-dc1-private");
}

/// One function gives a service's addresses to the check (one Region, one
/// family) and to queries (any Region, both families).
#[test]
fn service_ranges_serve_the_check_and_queries() {
    use netverify::engine::service_ranges;
    let topo = netverify::model::load_file(std::path::Path::new(HYBRID)).unwrap();
    let want = netverify::hs::nets_set(
        ["52.216.0.0/15", "3.5.0.0/19"]
            .iter()
            .map(|n| n.parse::<ipnet::IpNet>().unwrap())
            .collect::<Vec<_>>()
            .iter(),
    );
    let (v4, lists) = service_ranges(&topo, |s| s == "com.amazonaws.us-east-1.s3", Some(true));
    assert_eq!(v4, Some(want.clone()));
    assert_eq!(lists.len(), 1);
    // No IPv6 list: unknown for that family.
    let (v6, _) = service_ranges(&topo, |s| s == "com.amazonaws.us-east-1.s3", Some(false));
    assert_eq!(v6, None);
    // Another Region's S3 has no list here.
    let (other, lists) = service_ranges(&topo, |s| s == "com.amazonaws.eu-west-1.s3", Some(true));
    assert_eq!((other, lists.len()), (None, 0));
    // A query's `s3`: any Region, both families.
    let (any, _) = service_ranges(&topo, |s| s.ends_with(".s3"), None);
    assert_eq!(any, Some(want));
    let (v, _) = answer(HYBRID, "can app reach s3 on tcp/443");
    assert_eq!(v["answer"], "yes");
}

/// A topology with an IGW edge route table: `local` only, or a redirect to
/// an appliance; with block public access when `bpa`.
fn edge_topology(dir: &std::path::Path, redirect: bool, bpa: bool) -> String {
    let route = if redirect {
        "routes: [{ destination: 10.0.1.0/24, target: appliance-eni }]"
    } else {
        "routes: []"
    };
    let bpa = if bpa {
        "block_public_access: { mode: block-bidirectional }\n"
    } else {
        ""
    };
    let text = format!(
        "version: 1
region: us-east-1
{bpa}vpcs:
  - {{ name: vpc, cidrs: [10.0.0.0/16] }}
internet_gateways:
  - {{ name: igw, vpc: vpc }}
subnets:
  - {{ name: web-a, vpc: vpc, cidr: 10.0.1.0/24, route_table: rtb-web }}
  - {{ name: fw-a, vpc: vpc, cidr: 10.0.2.0/24, route_table: rtb-web }}
route_tables:
  - name: rtb-web
    vpc: vpc
    routes: [{{ destination: 0.0.0.0/0, target: igw }}]
  - name: rtb-edge
    vpc: vpc
    edge_associations: [igw]
    {route}
security_groups:
  - {{ name: web-sg, vpc: vpc, ingress: [{{ protocol: tcp, ports: 443, cidr: 0.0.0.0/0 }}] }}
network_interfaces:
  - name: web-eni
    subnet: web-a
    private_ips: [{{ address: 10.0.1.10, public_ip: 198.51.100.20 }}]
    security_groups: [web-sg]
  - name: appliance-eni
    subnet: fw-a
    source_dest_check: false
    private_ips: [{{ address: 10.0.2.10 }}]
    security_groups: [web-sg]
"
    );
    let file = dir.join(format!("edge-{redirect}-{}.yaml", !bpa.is_empty()));
    std::fs::write(&file, text).unwrap();
    file.to_str().unwrap().to_string()
}

/// Bug fix: the tracer looked the edge route table up on the public
/// address, found no route and answered `unknown`; the table sees the
/// private address after the IGW's one-to-one NAT (C-3.11), so a
/// `local`-only edge table is crossed and the security group is the
/// blocker.
#[test]
fn why_not_looks_up_the_edge_route_table_on_the_private_address() {
    let dir = tempfile::tempdir().unwrap();
    let file = edge_topology(dir.path(), false, false);
    let (v, code) = answer(&file, "why not internet -> web-eni on tcp/22");
    assert_eq!((v["answer"].as_str(), code), (Some("no"), 1), "{v}");
    assert_eq!(names(&v, "blockers", "component"), ["web-sg"], "{v}");
    let (v, code) = answer(&file, "why not internet -> web-eni on tcp/443");
    assert_eq!((v["answer"].as_str(), code), (Some("yes"), 0), "{v}");
}

/// Bug fix: block public access is decided before the edge route table
/// (as in the simulator); the tracer met the table's redirect first and
/// answered `unknown` where the engine proves `no`.
#[test]
fn why_not_reports_block_public_access_before_an_edge_redirect() {
    let dir = tempfile::tempdir().unwrap();
    let file = edge_topology(dir.path(), true, true);
    let (c, _) = answer(&file, "can internet reach web-eni on tcp/443");
    assert_eq!(c["answer"], "no", "{c}");
    let (v, code) = answer(&file, "why not internet -> web-eni on tcp/443");
    assert_eq!((v["answer"].as_str(), code), (Some("no"), 1), "{v}");
    assert_eq!(
        names(&v, "blockers", "component"),
        ["block-public-access"],
        "{v}"
    );
    // Past it, the redirect is not modelled: a note says fixing BPA may not be enough.
    assert!(v["notes"].to_string().contains("not modelled"), "{v}");
    // Without BPA the redirect makes the answer unknown, for both.
    let file = edge_topology(dir.path(), true, false);
    let (v, code) = answer(&file, "why not internet -> web-eni on tcp/443");
    assert_eq!((v["answer"].as_str(), code), (Some("unknown"), 3), "{v}");
}

/// A VPC whose app subnet routes the db subnet through a private NAT
/// gateway (`loop`: the NAT's own subnet routes everything back to it).
fn nat_route_topology(dir: &std::path::Path, self_loop: bool) -> String {
    let nat_routes = if self_loop {
        "[{ destination: 0.0.0.0/0, target: nat }]"
    } else {
        "[]"
    };
    let text = format!(
        "version: 1
region: us-east-1
vpcs:
  - {{ name: vpc, cidrs: [10.0.0.0/16] }}
subnets:
  - {{ name: app, vpc: vpc, cidr: 10.0.1.0/24, route_table: rtb-app }}
  - {{ name: db, vpc: vpc, cidr: 10.0.2.0/24, route_table: rtb-nat }}
  - {{ name: nat-subnet, vpc: vpc, cidr: 10.0.3.0/24, route_table: rtb-nat }}
route_tables:
  - name: rtb-app
    vpc: vpc
    routes: [{{ destination: 10.0.2.0/24, target: nat }}, {{ destination: 0.0.0.0/0, target: nat }}]
  - name: rtb-nat
    vpc: vpc
    routes: {nat_routes}
nat_gateways:
  - {{ name: nat, subnet: nat-subnet, private_ip: 10.0.3.100, connectivity: private }}
security_groups:
  - {{ name: app-sg, vpc: vpc, egress: [{{ protocol: all, cidr: 0.0.0.0/0 }}] }}
  - {{ name: db-sg, vpc: vpc, ingress: [{{ protocol: tcp, ports: 5432, cidr: 10.0.1.0/24 }}] }}
network_interfaces:
  - {{ name: app-eni, subnet: app, private_ips: [{{ address: 10.0.1.10 }}], security_groups: [app-sg] }}
  - {{ name: db-eni, subnet: db, private_ips: [{{ address: 10.0.2.10 }}], security_groups: [db-sg] }}
"
    );
    let file = dir.join(format!("nat-{self_loop}.yaml"));
    std::fs::write(&file, text).unwrap();
    file.to_str().unwrap().to_string()
}

/// Bug fix: a route through a NAT gateway to an address inside the VPC
/// was reported as a wrong-target blocker ("the route sends it to `nat`
/// instead"), though the NAT forwards the packet there; the real blocker
/// is the database's security group, which sees the NAT's address.
#[test]
fn why_not_follows_a_route_through_a_nat_gateway_inside_the_vpc() {
    let dir = tempfile::tempdir().unwrap();
    let file = nat_route_topology(dir.path(), false);
    let (c, _) = answer(&file, "can app-eni reach db-eni on tcp/5432");
    assert_eq!(c["answer"], "no", "{c}");
    let (v, code) = answer(&file, "why not app-eni -> db-eni on tcp/5432");
    assert_eq!((v["answer"].as_str(), code), (Some("no"), 1), "{v}");
    assert_eq!(names(&v, "blockers", "component"), ["db-sg"], "{v}");
    let fix = v["blockers"][0]["fix"].as_str().unwrap();
    assert!(fix.contains("from 10.0.3.100/32"), "{fix}");
    let hops = hop_components(&v);
    assert!(hops.iter().any(|h| h == "nat"), "{hops:?}");
}

/// Bug fix: a NAT gateway whose subnet routes the packet back to itself
/// was followed eight times round the loop before a generic "routing loop"
/// blocker; it is the NAT gateway's own loop (C-7.5), at once.
#[test]
fn why_not_names_a_nat_gateway_routed_to_itself() {
    let dir = tempfile::tempdir().unwrap();
    let file = nat_route_topology(dir.path(), true);
    let (v, code) = answer(&file, "why not app-eni -> 10.9.0.1 on tcp/443");
    assert_eq!((v["answer"].as_str(), code), (Some("no"), 1), "{v}");
    let b = blocker_fixes(&v);
    assert_eq!(b[0].0, "nat", "{v}");
    has(&b[0].1, "routing loop (C-7.5)");
    let nats = v["paths"][0]["hops"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|h| h["component"] == "nat")
        .count();
    assert_eq!(nats, 2, "once through, then the loop: {v}");
}

#[test]
fn why_not_to_on_prem_through_a_vgw_without_a_route() {
    let (v, code) = answer(HYBRID_BLOCKED, "why not shared-db -> lab on tcp/443");
    assert_eq!((v["answer"].as_str(), code), (Some("no"), 1), "{v}");
    let b = blocker_fixes(&v);
    let comps: Vec<&str> = b.iter().map(|x| x.0.as_str()).collect();
    assert_eq!(comps, ["vgw-shared", "lab", "dxgw-corp"], "{v}");
    // The VGW has learned no route for the lab (it advertises nothing).
    assert_eq!(
        b[0].1,
        "vpn gateway vgw-shared has no route for 172.21.0.7: dropped (C-10.2)"
    );
    assert!(
        b[0].2
            .contains("on prem must advertise a prefix covering 172.21.0.7")
    );
    // The replies: AWS advertises nothing for shared to the lab, because of
    // the DX gateway's allowed prefixes.
    assert!(
        b[1].1
            .starts_with("return path: AWS advertises no route for 10.20.1.5")
    );
    assert!(b[2].1.starts_with("return path: the allowed prefixes"));
    // Past the VGW the packet leaves over the lab's virtual interface.
    let hops = v["paths"][0]["hops"].as_array().unwrap();
    assert_eq!(hops.last().unwrap()["component"], "vif-branch", "{v}");
}

#[test]
fn why_not_across_peered_transit_gateways_lists_the_missing_static_route_back() {
    let file = "tests/fixtures/query/tgw-peering.yaml";
    let (v, code) = answer(file, "why not east-eni -> west-eni on tcp/5432");
    assert_eq!((v["answer"].as_str(), code), (Some("no"), 1), "{v}");
    let b = blocker_fixes(&v);
    let comps: Vec<&str> = b.iter().map(|x| x.0.as_str()).collect();
    assert_eq!(comps, ["west-sg", "tgw-west-rt"], "{v}");
    // Over the peering and into the peer's table, by its propagation.
    let hops = hop_components(&v);
    for h in ["tgw-east-rt", "att-west-peer", "tgw-west-rt", "att-west"] {
        assert!(hops.iter().any(|x| x == h), "{h}: {hops:?}");
    }
    // The way back needs a static route over the peering attachment.
    assert_eq!(
        b[1].1,
        "return path: TGW route table tgw-west-rt has no route for 10.1.1.10"
    );
    assert!(
        b[1].2
            .contains("add a static route 10.1.0.0/16 → `att-west-peer` to `tgw-west-rt`")
            && b[1].2.contains("C-9.10"),
        "{}",
        b[1].2
    );
    // The engine agrees; with tcp/22 from west's own range it would pass
    // the group, not from east.
    let (c, _) = answer(file, "can east-eni reach west-eni on tcp/22");
    assert_eq!(c["answer"], "no");
}

/// Between two ends outside AWS (the internet, on-prem networks) no path
/// enters the topology: `why not` says why it cannot trace one.
#[test]
fn why_not_between_two_ends_outside_aws_says_why_it_is_unknown() {
    for q in ["why not internet -> dc1", "why not dc1 -> branch"] {
        let (v, code) = answer(HYBRID_BLOCKED, q);
        assert_eq!(
            (v["answer"].as_str(), code),
            (Some("unknown"), 3),
            "{q}: {v}"
        );
        assert!(
            v["unknown"].to_string().contains("both outside AWS"),
            "{q}: {v}"
        );
    }
}

/// `can` from on prem says whether the replies get back, naming every
/// component that would drop them.
#[test]
fn can_from_on_prem_says_whether_replies_get_back() {
    let (v, code) = answer(HYBRID_BLOCKED, "can dc1 reach app-1 on tcp/443");
    assert_eq!((v["answer"].as_str(), code), (Some("yes"), 0), "{v}");
    let note = v["notes"][0].as_str().unwrap();
    assert!(
        note.starts_with("replies to this packet cannot get back"),
        "{note}"
    );
    for c in ["`att-app`", "`tgw-rtb-app`", "`vpn-dc1`"] {
        assert!(note.contains(c), "{c}: {note}");
    }
    let (v, _) = answer(HYBRID_REFERENCE, "can dc1-k8s reach app-1-eni on tcp/443");
    assert_eq!(
        v["notes"][0], "replies to this packet get back: its session can complete",
        "{v}"
    );
}

/// A transit gateway that sends a VPC's traffic back into it, through an
/// appliance-mode attachment with three subnets whose tables route to the
/// gateway again: every lookup forks three ways until the loop limit. The
/// tracer's fork budget keeps `why not` quick, and the loop is the blocker.
#[test]
fn why_not_through_a_forking_transit_gateway_loop_stays_quick() {
    let text = "version: 1
region: us-east-1
vpcs:
  - { name: vpc, cidrs: [10.0.0.0/16] }
subnets:
  - { name: a, vpc: vpc, availability_zone: us-east-1a, cidr: 10.0.1.0/24, route_table: rtb }
  - { name: b, vpc: vpc, availability_zone: us-east-1b, cidr: 10.0.2.0/24, route_table: rtb }
  - { name: c, vpc: vpc, availability_zone: us-east-1c, cidr: 10.0.3.0/24, route_table: rtb }
route_tables:
  - name: rtb
    vpc: vpc
    routes: [{ destination: 10.9.0.0/16, target: tgw }]
security_groups:
  - { name: sg, vpc: vpc, egress: [{ protocol: all, cidr: 0.0.0.0/0 }] }
network_interfaces:
  - { name: eni, subnet: a, private_ips: [{ address: 10.0.1.10 }], security_groups: [sg] }
transit_gateways:
  - name: tgw
    attachments:
      - { name: att, type: vpc, vpc: vpc, subnets: [a, b, c], appliance_mode: true }
    route_tables:
      - name: tgw-rt
        associations: [att]
        routes: [{ destination: 10.9.0.0/16, attachment: att }]
";
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("loop.yaml");
    std::fs::write(&file, text).unwrap();
    let start = std::time::Instant::now();
    let (v, code) = answer(file.to_str().unwrap(), "why not eni -> 10.9.0.1 on tcp/443");
    assert!(
        start.elapsed() < std::time::Duration::from_secs(20),
        "{:?}",
        start.elapsed()
    );
    assert_eq!((v["answer"].as_str(), code), (Some("no"), 1), "{v}");
    let b = blocker_fixes(&v);
    assert_eq!(b.len(), 1, "{v}");
    assert_eq!(b[0].0, "tgw-rt");
    assert_eq!(b[0].1, "routing loop through transit gateways");
}

const TRAP_24: &str = "tests/fixtures/sg-references/trap-24-peer-dns-public-name.yaml";

/// Writes a changed copy of a fixture next to the build's temporary files.
fn variant(name: &str, from: &str, edits: &[(&str, &str)]) -> String {
    let root = env!("CARGO_MANIFEST_DIR");
    let mut text = std::fs::read_to_string(format!("{root}/{from}")).unwrap();
    for (a, b) in edits {
        assert!(text.contains(a), "{a}");
        text = text.replace(a, b);
    }
    let dir = format!("{root}/target/tmp");
    std::fs::create_dir_all(&dir).unwrap();
    let path = format!("{dir}/{name}.yaml");
    std::fs::write(&path, text).unwrap();
    path
}

fn notes(v: &Value) -> Vec<String> {
    v["notes"]
        .as_array()
        .map(|a| {
            a.iter()
                .filter_map(|n| n.as_str().map(String::from))
                .collect()
        })
        .unwrap_or_default()
}

#[test]
fn trap_24_peer_resolves_a_public_dns_name_to_the_public_ip_and_hairpins() {
    // By address, the reference to `sg-app` matches across the peering.
    let (v, code) = answer(TRAP_24, "can app-1 reach db-1 on tcp/5432");
    assert_eq!((v["answer"].as_str(), code), (Some("yes"), 0));
    // By name, the option is off on the data VPC's side: the public IP, a
    // hairpin through the NAT gateway, and the reference no longer matches.
    let n = notes(&v);
    let by_name = n
        .iter()
        .find(|s| s.contains("by DNS name"))
        .unwrap_or_else(|| panic!("{n:?}"));
    assert!(
        by_name.contains("resolves to its public IP 203.0.113.20 from VPC `app`"),
        "{by_name}"
    );
    assert!(
        by_name.contains("off on `data`'s side of peering `pcx`"),
        "{by_name}"
    );
    assert!(by_name.ends_with("does not get there"), "{by_name}");
    // A CIDR rule for the NAT gateway's public address: by name it gets there.
    let open = variant(
        "trap24-open",
        TRAP_24,
        &[(
            "      - { protocol: tcp, ports: 5432, security_group: sg-app }",
            "      - { protocol: tcp, ports: 5432, security_group: sg-app }\n      - { protocol: tcp, ports: 5432, cidr: 198.51.100.5/32 }",
        )],
    );
    let (v, _) = answer(&open, "can app-1 reach db-1 on tcp/5432");
    assert!(
        notes(&v)
            .iter()
            .any(|s| s.contains("by DNS name") && s.ends_with("still gets there")),
        "{:?}",
        notes(&v)
    );
    // With the option on the data VPC's side (the accepter), the name
    // resolves to the private address: nothing to say.
    let on = variant(
        "trap24-dns-on",
        TRAP_24,
        &[(
            "accepter_vpc: data }",
            "accepter_vpc: data, accepter_allows_remote_dns_resolution: true }",
        )],
    );
    let (v, _) = answer(&on, "can app-1 reach db-1 on tcp/5432");
    assert!(
        !notes(&v).iter().any(|s| s.contains("by DNS name")),
        "{:?}",
        notes(&v)
    );
    // The option on the *requester's* side does not help: it is the owner's.
    let wrong = variant(
        "trap24-dns-wrong-side",
        TRAP_24,
        &[(
            "accepter_vpc: data }",
            "accepter_vpc: data, requester_allows_remote_dns_resolution: true }",
        )],
    );
    let (v, _) = answer(&wrong, "can app-1 reach db-1 on tcp/5432");
    assert!(
        notes(&v).iter().any(|s| s.contains("by DNS name")),
        "{:?}",
        notes(&v)
    );
}

#[test]
fn trap_25_path_names_the_reference_across_the_transit_gateway() {
    let (v, code) = answer(
        "tests/fixtures/sg-references/pass-trap-25-tgw-referencing-on.yaml",
        "can app-1 reach db-1 on tcp/5432",
    );
    assert_eq!((v["answer"].as_str(), code), (Some("yes"), 0));
    let hops: Vec<String> = v["paths"][0]["hops"]
        .as_array()
        .unwrap()
        .iter()
        .map(|h| {
            format!(
                "{} — {}",
                h["component"].as_str().unwrap(),
                h["rule"].as_str().unwrap()
            )
        })
        .collect();
    assert!(
        hops.iter()
            .any(|h| h == "sg-db — ingress: allow tcp 5432 from members of sg-app (on db-1)"),
        "{hops:#?}"
    );
    // With referencing off on the data attachment: no.
    let (v, _) = answer(
        "tests/fixtures/sg-references/fail-trap-25-tgw-referencing-off-on-one-side.yaml",
        "can app-1 reach db-1 on tcp/5432",
    );
    assert_eq!(v["answer"].as_str(), Some("no"));
}

#[test]
fn c_5_6_reference_through_a_secondary_address_is_unknown_for_can() {
    // `app-1` gets a secondary IPv4. From its primary address the reference
    // in `sg-db` surely matches; from the secondary one AWS does not say
    // (C-5.6): `can` says unknown, never a false yes.
    let path = variant(
        "c56-secondary",
        "tests/fixtures/sg-references/pass-trap-25-same-region-peering.yaml",
        &[(
            "private_ips: [{ address: 10.1.1.10 }]",
            "private_ips: [{ address: 10.1.1.10 }, { address: 10.1.1.11 }]",
        )],
    );
    let (v, code) = answer(&path, "can 10.1.1.10 reach db-1 on tcp/5432");
    assert_eq!((v["answer"].as_str(), code), (Some("yes"), 0), "{v:#}");
    let (v, code) = answer(&path, "can 10.1.1.11 reach db-1 on tcp/5432");
    assert_eq!((v["answer"].as_str(), code), (Some("unknown"), 3), "{v:#}");
    let why = v["unknown"].to_string();
    assert!(why.contains("C-5.6") && why.contains("`sg-app`"), "{why}");
}

// ---- Query correctness on real AWS data (issue 13, point 7) ----

const ENDPOINT_GW: &str = "tests/fixtures/query/endpoint-gateway.yaml";

/// An S3 address routed to a gateway endpoint is reached through it (C-13.1,
/// C-3.3): `can` says yes, like `can … reach s3`, and `why not` does not call
/// the endpoint route a blocker.
#[test]
fn bug_s3_address_via_gateway_endpoint_answered_no() {
    let (v, code) = answer(ENDPOINT_GW, "can back-host reach 52.216.237.77 on tcp/443");
    assert_eq!((v["answer"].as_str(), code), (Some("yes"), 0), "{v}");
    assert_eq!(v["paths"][0]["outcome"], "endpoint", "{v}");
    assert!(
        hop_components(&v).contains(&"s3-gateway".to_string()),
        "{v}"
    );
    let (s3, _) = answer(ENDPOINT_GW, "can back-host reach s3 on tcp/443");
    assert_eq!(s3["answer"], "yes", "{s3}");
    // A packet the endpoint does not carry: the endpoint is the blocker,
    // never its route, and the internet gateway is not suggested.
    let (w, code) = answer(ENDPOINT_GW, "why not back-host -> 52.216.237.77 on udp/53");
    assert_eq!((w["answer"].as_str(), code), (Some("no"), 1), "{w}");
    let b = blockers(&w);
    assert_eq!(b.len(), 1, "{w}");
    assert_eq!(b[0].0, "s3-gateway", "{w}");
    assert!(!w.to_string().contains("shop-igw"), "{w}");
}

/// A NAT gateway has no security groups (C-7.1): `why not` to it names
/// only its refusal of unsolicited inbound traffic.
#[test]
fn bug_security_group_blocker_on_nat_gateway_interface() {
    for q in [
        "why not app-1 -> nat-a on tcp/443",
        "why not internet -> nat-a on tcp/443",
    ] {
        let (v, code) = answer(REFERENCE, q);
        assert_eq!((v["answer"].as_str(), code), (Some("no"), 1), "{q}: {v}");
        let b = blockers(&v);
        assert_eq!(b.len(), 1, "{q}: {v}");
        assert_eq!(b[0].0, "nat-a", "{q}: {v}");
        assert!(b[0].1.contains("C-7.1"), "{q}: {v}");
        assert!(!v.to_string().contains("security group"), "{q}: {v}");
    }
}

const VPN_SMALL: &str = "tests/fixtures/query/vpn-small-networks.yaml";

/// The address of a witness packet lies inside the set it stands for,
/// however small: sources from a /30, /31 or /32 on-prem network (which a
/// security group admits exactly) are admitted, and a blocked one names
/// an address of the network.
#[test]
fn bug_witness_address_outside_small_network() {
    for (net, inside) in [
        (
            "lab30",
            &[
                "192.168.50.0",
                "192.168.50.1",
                "192.168.50.2",
                "192.168.50.3",
            ][..],
        ),
        ("lab31", &["192.168.60.0", "192.168.60.1"][..]),
        ("lab32", &["192.168.70.5"][..]),
    ] {
        let (v, code) = answer(VPN_SMALL, &format!("why not {net} -> app on tcp/22"));
        assert_eq!((v["answer"].as_str(), code), (Some("yes"), 0), "{net}: {v}");
        let (v, _) = answer(VPN_SMALL, &format!("why not {net} -> app on tcp/23"));
        assert_eq!(v["answer"], "no", "{net}: {v}");
        let src = v["paths"][0]["packet"]["src"].as_str().unwrap().to_string();
        assert!(
            inside
                .iter()
                .any(|a| src.starts_with(&format!("{a}:")) || src == *a),
            "{net}: witness source {src} is outside the network: {v}"
        );
        let b = blockers(&v);
        assert_eq!(b.len(), 1, "{net}: {v}");
        assert_eq!(b[0].0, "app-sg", "{net}: {v}");
    }
    // The one helper, on every small prefix of both families.
    for (cidr, want) in [
        ("192.168.50.0/30", "192.168.50.0"),
        ("192.168.60.0/31", "192.168.60.0"),
        ("192.168.70.5/32", "192.168.70.5"),
        ("10.0.0.0/24", "10.0.0.7"),
        ("10.0.0.0/29", "10.0.0.7"),
        ("2001:db8::/127", "2001:db8::"),
        ("2001:db8::5/128", "2001:db8::5"),
        ("2001:db8::/126", "2001:db8::"),
        ("2001:db8::/64", "2001:db8::7"),
    ] {
        let n: ipnet::IpNet = cidr.parse().unwrap();
        let set = netverify::hs::nets_set([n].iter());
        let v = set.sample_addr().unwrap();
        assert!(set.contains(v), "{cidr}");
        assert_eq!(
            netverify::hs::decode(v, netverify::hs::is_v4_code(v)).to_string(),
            want,
            "{cidr}"
        );
    }
}

/// A route that already points at the VPC's VPN gateway (which sends the
/// packet on prem) is not told to go to "a … VPN gateway" (a VPC has one,
/// C-10.1).
#[test]
fn bug_fix_text_suggests_the_vpn_gateway_the_route_already_uses() {
    let (v, code) = answer(VPN_SMALL, "why not app -> depot-host on tcp/22");
    assert_eq!((v["answer"].as_str(), code), (Some("no"), 1), "{v}");
    let fixes = blocker_fixes(&v);
    assert_eq!(fixes.len(), 1, "{v}");
    assert_eq!(fixes[0].0, "apps-rt", "{v}");
    assert!(!fixes[0].2.contains("VPN gateway"), "{v}");
    has(&fixes[0].2, "a peering connection or a transit gateway");
}

/// A packet to an address the VGW has no route for is dropped at the VGW
/// (C-10.2): the VGW is the blocker, not the route that sends it there,
/// and no internet gateway is invented.
#[test]
fn bug_vgw_without_a_route_blames_route_table_and_igw() {
    let (v, code) = answer(VPN_SMALL, "why not app -> 8.8.8.8 on tcp/443");
    assert_eq!((v["answer"].as_str(), code), (Some("no"), 1), "{v}");
    let b = blocker_fixes(&v);
    assert_eq!(b.len(), 1, "{v}");
    assert_eq!(b[0].0, "branch-vgw", "{v}");
    has(&b[0].1, "no route for 8.8.8.8");
    has(&b[0].1, "C-10.2");
    assert!(!hop_components(&v).iter().any(|c| c.contains("igw")), "{v}");
}

/// Labels of on-prem destinations carry no stray backtick into the path
/// header or the reached entry.
#[test]
fn bug_stray_backtick_in_on_prem_path_header() {
    for q in [
        "can app reach 192.168.50.1 on tcp/22",
        "why not lab31 -> app on tcp/23",
        "path app -> 192.168.50.1 on tcp/22",
    ] {
        let (v, _) = answer(VPN_SMALL, q);
        for p in v["paths"].as_array().unwrap() {
            for end in ["from", "to"] {
                assert!(!p[end].as_str().unwrap().contains('`'), "{q}: {p}");
            }
        }
        for e in v["entries"].as_array().into_iter().flatten() {
            assert!(!e["endpoint"].as_str().unwrap().contains('`'), "{q}: {e}");
        }
        let (text, _, _) = query(VPN_SMALL, q, &[]);
        for l in text.lines().filter(|l| l.starts_with("path:")) {
            assert!(!l.contains('`'), "{q}: {l}");
        }
    }
}

/// A tie between Direct Connect virtual interfaces at a VGW names what
/// decides it first: the BGP local-preference communities (C-12.3).
#[test]
fn bug_dx_tie_message_omits_local_preference_communities() {
    let (v, _) = answer(
        "tests/fixtures/query/dx-tie.yaml",
        "can plc-eni reach mill on tcp/22",
    );
    assert_eq!(v["answer"], "unknown", "{v}");
    let why = v["unknown"].to_string();
    for c in ["7224:7100", "7224:7200", "7224:7300", "C-12.3", "AS_PATH"] {
        has(&why, c);
    }
}

/// An instance's Elastic IP names the instance (C-6.1), and the answer
/// says so; from inside AWS the packet to it hairpins through the internet
/// gateway, which is not analysed (C-6.7): never a plain no.
#[test]
fn bug_elastic_ip_destination_is_both_ends_on_the_internet() {
    let (v, code) = answer(ENDPOINT_GW, "can internet reach 54.80.1.10 on tcp/22");
    assert_eq!((v["answer"].as_str(), code), (Some("yes"), 0), "{v}");
    has(
        v["summary"].as_str().unwrap(),
        "the public IPv4 of `front-host`",
    );
    assert_eq!(v["paths"][0]["to"], "front-eni", "{v}");
    let (v, code) = answer(ENDPOINT_GW, "why not internet -> 54.80.1.10 on tcp/80");
    assert_eq!((v["answer"].as_str(), code), (Some("no"), 1), "{v}");
    assert_eq!(blockers(&v)[0].0, "hosts", "{v}");
    let (v, _) = answer(ENDPOINT_GW, "can front-host reach 54.80.1.10 on tcp/22");
    assert_eq!(v["answer"], "unknown", "{v}");
    has(&v["unknown"].to_string(), "C-6.7");
}

/// `what` and `can` agree on what the internet is: an address of a
/// declared on-prem network is not, even where public, so `what` does not
/// list it under the internet when `can` says no to it.
#[test]
fn bug_what_lists_on_prem_addresses_as_internet() {
    const F: &str = "tests/fixtures/query/on-prem-public.yaml";
    let (v, code) = answer(F, "can web-1 reach 198.18.0.5 on tcp/443");
    assert_eq!((v["answer"].as_str(), code), (Some("no"), 1), "{v}");
    let (v, _) = answer(F, "what can web-1 reach on tcp/443");
    let inet = v["entries"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["kind"] == "internet")
        .unwrap_or_else(|| panic!("{v}"));
    let peers = inet["flows"].to_string();
    has(&peers, "0.0.0.0/0 except 198.18.0.0/24");
    // The rest of the internet is still reached, as `can` says.
    let (v, _) = answer(F, "can web-1 reach 198.19.0.5 on tcp/443");
    assert_eq!(v["answer"], "yes", "{v}");
}

/// Only tcp, udp and icmp may be proven to cross an internet gateway
/// (C-6.8): `can` is unknown for protocol 0 or GRE to the internet, and
/// still yes for tcp.
#[test]
fn bug_can_says_yes_for_protocol_0_through_internet_gateway() {
    for proto in ["0", "47", "50"] {
        let (v, _) = answer(
            ENDPOINT_GW,
            &format!("can front-host reach internet on {proto}"),
        );
        assert_eq!(v["answer"], "unknown", "{proto}: {v}");
        has(&v["unknown"].to_string(), "C-6.8");
    }
    let (v, code) = answer(ENDPOINT_GW, "can front-host reach internet on tcp/443");
    assert_eq!((v["answer"].as_str(), code), (Some("yes"), 0), "{v}");
    let (v, _) = answer(ENDPOINT_GW, "can front-host reach internet on icmp");
    assert_eq!(v["answer"], "yes", "{v}");
}

/// `path` through a load balancer goes on to its targets (C-14.3), and
/// the hop that lets the packet into a network load balancer without
/// security groups names its listener (C-14.3, C-14.4), not "no security
/// group rule matches".
#[test]
fn bug_path_through_load_balancer_stops_at_it() {
    const F: &str = "tests/fixtures/query/nlb-targets.yaml";
    let (v, code) = answer(F, "path client -> jobs-nlb on tcp/80");
    assert_eq!((v["answer"].as_str(), code), (Some("yes"), 0), "{v}");
    assert_eq!(names(&v, "paths", "to"), ["worker-1-eni"], "{v}");
    let rules = names(&v["paths"][0], "hops", "rule");
    assert!(
        !rules
            .iter()
            .any(|r| r.contains("no security group rule matches")),
        "{rules:?}"
    );
    assert!(
        rules
            .iter()
            .any(|r| r.starts_with("ingress:") && r.contains("listener TCP 80")),
        "{rules:?}"
    );
    assert!(
        rules
            .iter()
            .any(|r| r.contains("target `worker-1-eni` port 9000")),
        "{rules:?}"
    );
    assert_eq!(
        rules.last().unwrap(),
        "delivered to 10.80.1.21",
        "{rules:?}"
    );
    // The target that refuses the port is named.
    has(
        &v["notes"].to_string(),
        "cannot deliver to target `worker-2-eni` port 9000",
    );
    // On the bundled reference: every path of the ALB ends at an app instance.
    let (v, _) = answer(REFERENCE, "path internet -> web-alb on tcp/80");
    for to in names(&v, "paths", "to") {
        assert!(to == "app-1-eni" || to == "app-2-eni", "{v}");
    }
}

/// A derived on-prem network of `0.0.0.0/0` (a private subnet's default
/// route to a VGW) is what AWS routes towards the VPN, not addresses on
/// prem owns: the internet stays the internet for `can` and `what` (one
/// rule with transit-encryption, `on_prem_space`).
#[test]
fn bug_derived_default_route_erased_the_internet() {
    let file = "tests/fixtures/query/derived-default-route.yaml";
    for q in [
        "can web-eni reach internet on tcp/443",
        "can 8.8.8.8 reach web-eni on tcp/22",
    ] {
        let (v, code) = answer(file, q);
        assert_eq!((v["answer"].as_str(), code), (Some("yes"), 0), "{q}: {v}");
    }
    let (v, _) = answer(file, "what can web-eni reach on tcp/443");
    assert!(
        names(&v, "entries", "endpoint").contains(&"internet".to_string()),
        "{v}"
    );
}

/// C-6.8 holds at an egress-only internet gateway too (C-6.9 says nothing
/// more, so it fails closed the same way): GRE out through one was `yes`.
#[test]
fn bug_can_says_yes_for_gre_through_egress_only_internet_gateway() {
    const F: &str = "tests/fixtures/query/eigw-protocols.yaml";
    for proto in ["0", "47", "50"] {
        let (v, code) = answer(F, &format!("can e1 reach internet on {proto}"));
        assert_eq!((v["answer"].as_str(), code), (Some("unknown"), 3), "{v}");
        assert!(v["unknown"].to_string().contains("C-6.8"), "{v}");
    }
    for proto in ["tcp/443", "udp/53"] {
        let (v, code) = answer(F, &format!("can e1 reach internet on {proto}"));
        assert_eq!((v["answer"].as_str(), code), (Some("yes"), 0), "{v}");
    }
}
