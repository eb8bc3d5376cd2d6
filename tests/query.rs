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
use netverify::query::{Action, Context, Status, run_line};
use netverify::render::TextOptions;

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
    // Two load balancer nodes × two address families.
    let (v, code) = answer(REFERENCE, "path internet -> web-alb on tcp/80");
    assert_eq!(code, 0);
    let to = names(&v, "paths", "to");
    assert_eq!(
        to,
        [
            "web-alb-eni-a",
            "web-alb-eni-a",
            "web-alb-eni-b",
            "web-alb-eni-b"
        ]
    );
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
    v["blockers"]
        .as_array()
        .unwrap()
        .iter()
        .map(|b| {
            (
                b["component"].as_str().unwrap().to_string(),
                b["rule"].as_str().unwrap().to_string(),
            )
        })
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

/// The tracer and the engine agree: on every bundled topology, for every
/// pair of interfaces and a spread of ports, `why not` finds at least one
/// blocker exactly when the engine says no.
#[test]
fn why_not_agrees_with_the_engine_on_every_topology() {
    let mut files: Vec<_> = std::fs::read_dir("topologies")
        .unwrap()
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
        for a in &ends {
            for b in &ends {
                if a == b {
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
                    // The tracer does not follow hybrid paths (peering,
                    // transit gateways, VPN, Direct Connect) yet: there it
                    // may say unknown where the engine proves no, never the
                    // other way round.
                    let no = Status::Reply(netverify::query::answer::Reply::No);
                    let unknown = Status::Reply(netverify::query::answer::Reply::Unknown);
                    if cs == no && status == unknown {
                        assert!(
                            text.contains("why-not tracer does not follow"),
                            "{}: {q}: {text}",
                            f.display()
                        );
                    } else {
                        assert_eq!(cs, status, "{}: {q} vs {c}", f.display());
                    }
                    checked += 1;
                }
            }
        }
    }
    assert!(checked > 1000, "{checked}");
    let _ = Status::Reply(netverify::query::answer::Reply::Yes);
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
    // A locked subnet to on prem: the security group and the missing route.
    let (v, code) = answer(HYBRID, "why not locked-eni -> corp on tcp/22");
    assert_eq!(code, 1, "{v}");
    let comps: Vec<String> = blockers(&v).into_iter().map(|b| b.0).collect();
    assert_eq!(comps, ["locked-sg", "locked-rt"]);
    // The tracer does not follow packets from on prem: unknown, never a
    // made-up blocker.
    let (v, code) = answer(HYBRID, "why not corp -> locked-eni on tcp/22");
    assert!(matches!(code, 1 | 3), "{v}");
    if code == 3 {
        assert!(v["unknown"].to_string().contains("why-not tracer"), "{v}");
    }
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
    assert_eq!(out.matches("subgraph cluster_").count(), 4);
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
