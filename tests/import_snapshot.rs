//! `import snapshot`: every shared AWS snapshot imports, loads and gets a
//! public-exposure verdict; output is deterministic; errors name the file
//! and JSON path; no pre-shared key ever reaches the output.

#![allow(
    clippy::unwrap_used,
    clippy::panic,
    reason = "a test fails by panicking"
)]

use std::path::{Path, PathBuf};

use netverify::import::{ImportError, import_snapshot, to_yaml};
use serde_json::Value;

#[path = "common/field_data.rs"]
mod field_data;

/// One of the repository's own snapshots (`tests/fixtures/snapshots/<name>`).
fn snapshot(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/snapshots")
        .join(name)
}

/// Every snapshot of the repository's own (`tests/fixtures/snapshots/*`),
/// sorted.
fn own_snapshots() -> Vec<PathBuf> {
    let mut v: Vec<PathBuf> = std::fs::read_dir(snapshot(""))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.is_dir())
        .collect();
    v.sort();
    assert!(!v.is_empty(), "no snapshots under tests/fixtures/snapshots");
    v
}

/// The repository's own snapshots, then the field data's networks when the
/// corpus is there (a notice says so when it is not).
fn all_snapshots() -> Vec<PathBuf> {
    let mut v = own_snapshots();
    v.extend(field_data::networks().unwrap_or_default());
    v
}

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/import")
        .join(name)
}

fn import_yaml(dir: &Path) -> String {
    let imported =
        import_snapshot(dir).unwrap_or_else(|e| panic!("{}: import failed: {e}", dir.display()));
    to_yaml(&imported.file)
}

#[test]
fn every_snapshot_imports_loads_and_gets_a_verdict() {
    let mut report = Vec::new();
    let mut failures = Vec::new();
    for dir in all_snapshots() {
        let name = dir.file_name().unwrap().to_string_lossy().into_owned();
        let imported = match import_snapshot(&dir) {
            Ok(x) => x,
            Err(e) => {
                failures.push(format!("{name}: import failed: {e}"));
                continue;
            }
        };
        let yaml = to_yaml(&imported.file);
        let topo = match netverify::model::load_str(&yaml, &format!("{name}.yaml")) {
            Ok(t) => t,
            Err(e) => {
                failures.push(format!("{name}: imported yaml does not load: {e}"));
                continue;
            }
        };
        let engine = netverify::engine::Engine::new(&topo);
        let result = netverify::checks::public_exposure::run(&engine);
        report.push(format!(
            "{name}: {:?} ({} gaps) {}",
            result.verdict,
            imported.file.gaps.len(),
            result.summary
        ));
    }
    eprintln!("{}", report.join("\n"));
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
#[ignore = "debug listing"]
fn list_gaps() {
    for dir in all_snapshots() {
        let i = import_snapshot(&dir).unwrap();
        eprintln!("== {}", dir.display());
        let out = std::env::temp_dir().join(format!(
            "import-{}.yaml",
            dir.file_name().unwrap().to_string_lossy()
        ));
        std::fs::write(out, to_yaml(&i.file)).unwrap();
        for g in &i.file.gaps {
            eprintln!("  gap: {}", g.what.value);
        }
        for n in &i.notes {
            eprintln!("  note: {n}");
        }
        eprintln!("  skipped: {:?}", i.skipped_keys);
    }
}

#[test]
fn public_instance_is_exposed_and_private_one_is_not() {
    // public-private: the jump host in "Public subnet" (public IP, default
    // route to the IGW), the app server in "Private subnet" (no public IP;
    // its IPv6 address and `::/0` rule only reach an egress-only gateway,
    // trap 6, C-6.9).
    let dir = snapshot("public-private");
    let yaml = import_yaml(&dir);
    let topo = netverify::model::load_str(&yaml, "pps.yaml").unwrap();
    let result = netverify::checks::public_exposure::run(&netverify::engine::Engine::new(&topo));
    assert_eq!(
        format!("{:?}", result.verdict),
        "Violated",
        "{}",
        result.summary
    );
    let text = format!("{} {:?}", result.summary, result.findings);
    assert!(
        text.contains("eni-jump"),
        "public instance's interface not reported: {text}"
    );
    assert!(
        !text.contains("eni-app"),
        "private instance's interface reported: {text}"
    );
    // The subnets keep their readable names and associations.
    assert!(yaml.contains("name: public-subnet"), "{yaml}");
    assert!(yaml.contains("name: private-subnet"), "{yaml}");
    // The implicit `*` NACL entries are dropped.
    assert!(!yaml.contains("32767"), "{yaml}");
}

#[test]
fn import_is_deterministic() {
    for dir in all_snapshots() {
        let a = import_yaml(&dir);
        let b = import_yaml(&dir);
        assert_eq!(a, b, "{}: two imports differ", dir.display());
    }
}

#[test]
fn accepts_the_aws_configs_folder_itself() {
    for dir in [snapshot("load-balancer"), snapshot("public-private")] {
        assert_eq!(import_yaml(&dir), import_yaml(&dir.join("aws_configs")));
    }
}

#[test]
fn malformed_json_names_file_and_line() {
    let err = import_snapshot(&fixture("malformed")).unwrap_err();
    assert!(matches!(err, ImportError::Json { line: 3, .. }), "{err:?}");
    let msg = err.to_string();
    assert!(msg.starts_with("Vpcs.json:3:"), "{msg}");
    assert!(msg.contains("malformed json: trailing comma"), "{msg}");
    assert!(!msg.contains(" at line "), "{msg}");
}

#[test]
fn invalid_cidr_names_file_and_json_path() {
    let err = import_snapshot(&fixture("bad-cidr")).unwrap_err();
    assert_eq!(
        err.to_string(),
        "RouteTables.json: RouteTables[0].Routes[1].DestinationCidrBlock: invalid CIDR `10.0.0/16`"
    );
}

#[test]
fn missing_outputs_become_gaps() {
    // multi-account has only Vpcs (and a peering), in two accounts'
    // folders: every other output is missing.
    let imported = import_snapshot(&snapshot("multi-account")).unwrap();
    let gaps: Vec<&str> = imported
        .file
        .gaps
        .iter()
        .map(|g| g.what.value.as_str())
        .collect();
    assert!(gaps.iter().any(|g| g.contains("network acls")), "{gaps:?}");
    assert!(
        gaps.iter().any(|g| g.contains("security groups")),
        "{gaps:?}"
    );
    assert!(
        gaps.iter()
            .any(|g| g.contains("neither network interfaces nor instances")),
        "{gaps:?}"
    );
    let yaml = to_yaml(&imported.file);
    let topo = netverify::model::load_str(&yaml, "multi.yaml").unwrap();
    let result = netverify::checks::public_exposure::run(&netverify::engine::Engine::new(&topo));
    assert_eq!(
        format!("{:?}", result.verdict),
        "Unknown",
        "{}",
        result.summary
    );
}

/// Every pre-shared key in a JSON value: `PreSharedKey` fields and
/// `<pre_shared_key>` elements of customer gateway configurations.
fn collect_keys(v: &Value, out: &mut Vec<String>) {
    match v {
        Value::Object(m) => {
            for (k, x) in m {
                if k == "PreSharedKey"
                    && let Some(s) = x.as_str()
                {
                    out.push(s.to_string());
                }
                collect_keys(x, out);
            }
        }
        Value::Array(a) => a.iter().for_each(|x| collect_keys(x, out)),
        Value::String(s) => {
            let mut rest = s.as_str();
            while let Some(i) = rest.find("<pre_shared_key>") {
                let after = &rest[i + "<pre_shared_key>".len()..];
                let end = after.find("</pre_shared_key>").unwrap_or(after.len());
                out.push(after[..end].to_string());
                rest = &after[end..];
            }
        }
        _ => {}
    }
}

fn keys_in(dir: &Path) -> Vec<String> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                stack.push(p);
            } else if p.extension().is_some_and(|x| x == "json") {
                let v: Value = serde_json::from_str(&std::fs::read_to_string(&p).unwrap()).unwrap();
                collect_keys(&v, &mut out);
            }
        }
    }
    out.retain(|k| !k.trim().is_empty());
    out
}

/// The secrets planted in the repository's own `vpn-dx-tgw` snapshot: two
/// tunnel pre-shared keys, one in a customer gateway configuration, and a
/// Direct Connect BGP auth key.
const FIXTURE_SECRETS: &[&str] = &[
    "fixturePskDoNotPrint0001",
    "fixturePskDoNotPrint0002",
    "fixturePskDoNotPrint0003",
];

#[test]
fn no_pre_shared_key_reaches_the_output() {
    let dir = snapshot("vpn-dx-tgw");
    let keys = keys_in(&dir);
    assert_eq!(
        keys.len(),
        3,
        "the fixture's keys are not all found: {keys:?}"
    );
    for k in &keys {
        assert!(FIXTURE_SECRETS.contains(&k.as_str()), "{k}");
    }
    let imported = import_snapshot(&dir).unwrap();
    let yaml = to_yaml(&imported.file);
    let debug = format!("{imported:?}");
    assert!(
        yaml.contains("vpn-office"),
        "the VPN was not imported: {yaml}"
    );
    for k in FIXTURE_SECRETS {
        assert!(!yaml.contains(k), "a pre-shared key reached the output");
        assert!(
            !debug.contains(k),
            "a pre-shared key reached the import result"
        );
    }
    // Every other snapshot, ours and the field data's.
    for dir in all_snapshots() {
        let keys = keys_in(&dir);
        let yaml = import_yaml(&dir);
        for k in &keys {
            assert!(
                !yaml.contains(k.as_str()),
                "{}: a pre-shared key reached the output",
                dir.display()
            );
        }
    }
}

#[test]
fn no_pre_shared_key_of_the_field_data_fixtures_reaches_the_output() {
    let Some(corpus) = field_data::aws_snapshots() else {
        return;
    };
    let mut checked = 0;
    for dir in field_data::networks().unwrap_or_default() {
        checked += keys_in(&dir).len();
    }
    // The fixtures with tunnel options, dropped into a snapshot.
    let tmp = tempfile::tempdir().unwrap();
    let cfg = tmp.path().join("aws_configs");
    std::fs::create_dir(&cfg).unwrap();
    std::fs::write(
        cfg.join("Vpcs.json"),
        r#"{"Vpcs": [{"VpcId": "vpc-1", "CidrBlock": "10.0.0.0/16"}]}"#,
    )
    .unwrap();
    for f in [
        "VpnConnectionWithTunnelOptions.json",
        "VpnConnectionTest.json",
    ] {
        std::fs::copy(corpus.join("fixtures").join(f), cfg.join(f)).unwrap();
    }
    let keys = keys_in(&cfg);
    let yaml = import_yaml(tmp.path());
    for k in &keys {
        assert!(
            !yaml.contains(k.as_str()),
            "fixture: a pre-shared key reached the output"
        );
        checked += 1;
    }
    assert!(
        checked >= 4,
        "expected to find pre-shared keys in the inputs, found {checked}"
    );
}

#[test]
fn synthetic_snapshot_maps_every_kind() {
    let imported = import_snapshot(&fixture("synthetic")).unwrap();
    let yaml = to_yaml(&imported.file);
    let topo = netverify::model::load_str(&yaml, "synthetic.yaml")
        .unwrap_or_else(|e| panic!("does not load: {e}\n{yaml}"));
    let f = &imported.file;
    // Names: readable, unique, deduplicated; ids kept.
    assert_eq!(f.vpcs[0].name.value, "main-vpc");
    let subnets: Vec<&str> = f.subnets.iter().map(|s| s.name.value.as_str()).collect();
    assert_eq!(subnets, ["web-a", "web-a-2"]);
    assert_eq!(f.subnets[0].aws_id.as_deref(), Some("subnet-a"));
    // VPC: associated CIDRs only, IPv6, DHCP options, DNS attribute.
    let vpc = &f.vpcs[0].value;
    assert_eq!(vpc.cidrs.len(), 1);
    assert_eq!(vpc.ipv6_cidrs[0].value, "2600:1f18:1:100::/56");
    assert_eq!(vpc.dns_hostnames, Some(true));
    assert_eq!(
        vpc.dhcp_options.as_ref().unwrap().domain_name.as_deref(),
        Some("ec2.internal")
    );
    assert_eq!(vpc.account.as_ref().unwrap().0, "012345678901");
    assert_eq!(vpc.region.as_deref(), Some("us-east-1"));
    // Associations.
    assert_eq!(f.subnets[0].route_table.as_ref().unwrap().value, "rtb-pub");
    assert_eq!(f.subnets[0].network_acl.as_ref().unwrap().value, "acl-1");
    // NACL: the `*` entries are dropped; ICMP and IPv6 entries are kept.
    let acl = &f.network_acls[0];
    assert_eq!(acl.ingress.len(), 3);
    assert_eq!(acl.egress.len(), 1);
    assert_eq!(acl.ingress[1].icmp_type.as_ref().unwrap().value, 8);
    assert!(acl.ingress[1].icmp_code.is_none());
    assert_eq!(acl.ingress[2].cidr.value, "::/0");
    assert_eq!(acl.ingress[2].ports.as_ref().unwrap().value.0, "1024-65535");
    // SG: one rule per peer; the unknown group becomes a gap.
    assert_eq!(f.security_groups[0].ingress.len(), 2);
    let gaps: Vec<&str> = f.gaps.iter().map(|g| g.what.value.as_str()).collect();
    assert!(gaps.iter().any(|g| g.contains("sg-elsewhere")), "{gaps:?}");
    // Routes: the one to a NAT not in the snapshot is dropped with a gap;
    // the blackhole one to a missing peering stays a blackhole.
    assert!(gaps.iter().any(|g| g.contains("nat-gone")), "{gaps:?}");
    let main = f.route_tables.iter().find(|r| r.main).unwrap();
    assert!(main.routes.is_empty());
    let public = f.route_tables.iter().find(|r| !r.main).unwrap();
    assert_eq!(public.routes.len(), 4);
    assert!(public.routes.iter().any(|r| r.target.value == "blackhole"));
    // A prefix list that is referenced but not described: unknown entries and a gap.
    let pl = f
        .prefix_lists
        .iter()
        .find(|p| p.aws_id.as_deref() == Some("pl-unknown"))
        .unwrap();
    assert!(pl.entries.is_none());
    assert!(gaps.iter().any(|g| g.contains("pl-unknown")), "{gaps:?}");
    // The EIP is joined to the private IP.
    let eni = &f.network_interfaces[0];
    assert_eq!(
        eni.private_ips[0].eip_allocation.as_deref(),
        Some("eipalloc-1")
    );
    assert_eq!(
        eni.private_ips[0].public_ip.as_ref().unwrap().value,
        "203.0.113.10"
    );
    assert_eq!(eni.instance.as_ref().unwrap().value, "app-server");
    // The LB has no interfaces in the snapshot: nodes are derived, and said so.
    assert!(
        imported
            .notes
            .iter()
            .any(|n| n == "derived nodes for LB web"),
        "{:?}",
        imported.notes
    );
    let lb = &f.load_balancers[0];
    assert_eq!(
        lb.listeners[0].target_group.as_ref().unwrap().value,
        "web-tg"
    );
    assert_eq!(
        f.target_groups[0].targets[0]
            .instance
            .as_ref()
            .unwrap()
            .value,
        "app-server"
    );
    // `AvailabilityZones` is read (it can name the Region), not skipped.
    assert_eq!(imported.skipped_keys.get("AvailabilityZones"), None);
    // eni-1 has an EIP and admits tcp/443 from anywhere: a concrete
    // violation, whatever the gaps (gaps only prevent `proven`).
    let result = netverify::checks::public_exposure::run(&netverify::engine::Engine::new(&topo));
    assert_eq!(
        format!("{:?}", result.verdict),
        "Violated",
        "{}",
        result.summary
    );
    assert!(result.summary.contains("eni-1"), "{}", result.summary);
}

#[test]
fn workload_interface_without_groups_is_an_error() {
    let err = import_snapshot(&fixture("eni-without-groups")).unwrap_err();
    let msg = err.to_string();
    assert!(
        msg.starts_with("NetworkInterfaces.json: NetworkInterfaces[0].Groups: "),
        "{msg}"
    );
    assert!(msg.contains("`eni-1`"), "{msg}");
}

#[test]
fn interfaces_are_built_from_instances_when_not_described() {
    let imported = import_snapshot(&fixture("instances-only")).unwrap();
    let f = &imported.file;
    let ids: Vec<&str> = f
        .network_interfaces
        .iter()
        .map(|e| e.aws_id.as_deref().unwrap())
        .collect();
    // The primary interface (device 0) comes first: the loader takes it as
    // the instance's primary.
    assert_eq!(ids, ["eni-9", "eni-2"]);
    assert!(
        f.network_interfaces
            .iter()
            .all(|e| e.instance.as_ref().unwrap().value == "i-1")
    );
    let yaml = to_yaml(f);
    let topo = netverify::model::load_str(&yaml, "instances.yaml").unwrap();
    let result = netverify::checks::public_exposure::run(&netverify::engine::Engine::new(&topo));
    assert_eq!(
        format!("{:?}", result.verdict),
        "Violated",
        "{}",
        result.summary
    );
    assert!(result.summary.contains("eni-9"), "{}", result.summary);
}

/// The owners of an imported snapshot's managed interfaces, as
/// `kind:name` (`nat:…`, `lb:…`, `ep:…`, `tgw:…`, `svc:…`).
fn owners(dir: PathBuf) -> Vec<String> {
    let i = import_snapshot(&dir).unwrap();
    i.file
        .network_interfaces
        .iter()
        .filter_map(|e| e.owner.as_ref())
        .map(|o| {
            let v = |x: &Option<netverify::model::Sp<String>>| x.as_ref().map(|x| x.value.clone());
            if let Some(n) = v(&o.nat_gateway) {
                format!("nat:{n}")
            } else if let Some(n) = v(&o.load_balancer) {
                format!("lb:{n}")
            } else if let Some(n) = v(&o.vpc_endpoint) {
                format!("ep:{n}")
            } else if let Some(n) = v(&o.transit_gateway) {
                format!("tgw:{n}")
            } else {
                format!("svc:{}", o.service.clone().unwrap_or_default())
            }
        })
        .collect()
}

#[test]
fn managed_interfaces_are_joined_to_their_owners() {
    assert_eq!(
        owners(snapshot("load-balancer")),
        ["lb:shop-alb", "lb:shop-alb"]
    );
    let pp = owners(snapshot("public-private"));
    assert_eq!(pp.len(), 2, "{pp:?}");
    assert!(pp.iter().any(|o| o.starts_with("nat:")), "{pp:?}");
    assert!(pp.iter().any(|o| o.starts_with("ep:")), "{pp:?}");
    let tgw = owners(snapshot("vpn-dx-tgw"));
    assert!(tgw.len() == 1 && tgw[0].starts_with("tgw:"), "{tgw:?}");
}

#[test]
fn managed_interfaces_of_the_field_data_are_joined_to_their_owners() {
    if field_data::aws_snapshots().is_none() {
        return;
    }
    assert_eq!(
        owners(field_data::network("test-load-balancer").unwrap()),
        ["lb:test-lb", "lb:test-lb"]
    );
    let nat = owners(field_data::network("test-nat-gateway").unwrap());
    assert!(nat.len() == 1 && nat[0].starts_with("nat:"), "{nat:?}");
    let ep = owners(field_data::network("test-vpc-endpoint-interface").unwrap());
    assert!(ep.len() == 1 && ep[0].starts_with("ep:"), "{ep:?}");
    let tgw = owners(field_data::network("test-transit-gateway").unwrap());
    assert!(
        !tgw.is_empty() && tgw.iter().all(|o| o.starts_with("tgw:")),
        "{tgw:?}"
    );
}

#[test]
fn type_error_names_the_exact_field() {
    // A list where AWS prints a string: the error points at the field, not
    // just the record that holds it.
    let err = import_snapshot(&fixture("bad-type")).unwrap_err();
    let text = err.to_string();
    assert!(
        text.starts_with("RouteTables.json: RouteTables[0].Routes[1].GatewayId: "),
        "{text}"
    );
}

#[test]
fn verdicts_on_a_snapshot_equal_verdicts_on_its_yaml() {
    // Round trip: checking the snapshot directory (imported in memory) and
    // checking the YAML written from it must agree, check by check.
    for dir in all_snapshots() {
        let name = dir.file_name().unwrap().to_string_lossy().into_owned();
        let imported = import_snapshot(&dir).unwrap();
        let yaml = to_yaml(&imported.file);
        let direct = netverify::model::resolve(imported.file, &name).unwrap();
        let reread = netverify::model::load_str(&yaml, &format!("{name}.yaml")).unwrap();
        let (a, b) = (
            netverify::engine::Engine::new(&direct),
            netverify::engine::Engine::new(&reread),
        );
        for check in netverify::checks::REGISTRY {
            let (x, y) = ((check.run)(&a), (check.run)(&b));
            assert_eq!(
                (format!("{:?}", x.verdict), x.findings.len()),
                (format!("{:?}", y.verdict), y.findings.len()),
                "{name}: `{}` differs between the snapshot and its yaml",
                check.meta.id
            );
        }
    }
}

/// What the internet reaches in an imported snapshot: (resource, kind) →
/// flows as `protocol ports from sources`.
fn exposed_in(dir: &Path) -> Vec<(String, String, Vec<String>)> {
    let snapshot = dir.file_name().unwrap().to_string_lossy().into_owned();
    let topo = netverify::model::load_str(&import_yaml(dir), &snapshot).unwrap();
    let report = netverify::query::exposed(&netverify::engine::Engine::new(&topo));
    assert!(
        report.unknown.is_empty(),
        "{snapshot}: {:?}",
        report.unknown
    );
    report
        .exposed
        .into_iter()
        .map(|r| {
            let flows = r
                .flows
                .iter()
                .map(|f| {
                    format!(
                        "{} {} from {}",
                        f.protocol,
                        f.ports.join(","),
                        f.sources.join(",")
                    )
                })
                .collect();
            (r.resource, r.kind, flows)
        })
        .collect()
}

#[test]
fn internet_facing_alb_is_exposed_on_its_listener_and_its_target_is_not() {
    // load-balancer: an internet-facing ALB (HTTPS 443 from 0.0.0.0/0) in
    // two public subnets, forwarding to an instance in a subnet without an
    // internet route whose group admits only the ALB's group.
    let exposed = exposed_in(&snapshot("load-balancer"));
    let kinds: Vec<(&str, &str)> = exposed
        .iter()
        .map(|(r, k, _)| (r.as_str(), k.as_str()))
        .collect();
    assert!(
        kinds.contains(&("shop-alb", "load-balancer")),
        "{exposed:?}"
    );
    assert!(!kinds.iter().any(|(_, k)| *k == "instance"), "{exposed:?}");
    for (_, _, flows) in &exposed {
        assert_eq!(flows, &vec!["tcp 443 from 0.0.0.0/0".to_string()]);
    }
}

#[test]
fn load_balancer_and_nat_snapshots_expose_only_the_jump_host() {
    // Both `.tf` files put a jump host with a public IP in the public subnet
    // (SG: tcp/22 and ICMP echo from 0.0.0.0/0); the test instances sit in
    // private subnets, and test-load-balancer's NLB is `internal = true`.
    if field_data::aws_snapshots().is_none() {
        return;
    }
    for snapshot in ["test-load-balancer", "test-nat-gateway"] {
        let exposed = exposed_in(&field_data::network(snapshot).unwrap());
        let kinds: Vec<(&str, &str)> = exposed
            .iter()
            .map(|(r, k, _)| (r.as_str(), k.as_str()))
            .collect();
        // The jump host once, as an instance with its interface.
        assert_eq!(kinds.len(), 1, "{snapshot}: {exposed:?}");
        assert!(
            kinds.contains(&("jump-host", "instance")),
            "{snapshot}: {exposed:?}"
        );
        assert!(
            !exposed.iter().any(|(_, k, _)| k == "load-balancer"),
            "{snapshot}: {exposed:?}"
        );
        for (_, _, flows) in &exposed {
            assert_eq!(
                flows,
                &vec![
                    "tcp 22 from 0.0.0.0/0".to_string(),
                    "icmp type 8 code 0 from 0.0.0.0/0".to_string()
                ],
                "{snapshot}"
            );
        }
    }
}

#[test]
fn hybrid_snapshot_maps_transit_gateways_vpn_and_direct_connect() {
    let imported = import_snapshot(&fixture("hybrid")).unwrap();
    let yaml = to_yaml(&imported.file);
    netverify::model::load_str(&yaml, "hybrid.yaml")
        .unwrap_or_else(|e| panic!("does not load: {e}\n{yaml}"));
    let f = &imported.file;

    // Transit gateways: options, attachments of every kind, both ends of a
    // peering under their own gateway, deleted attachments left out.
    let core = &f.transit_gateways[0].value;
    assert_eq!(core.name.value, "core");
    assert_eq!(core.vpn_ecmp, Some(true));
    assert_eq!(core.security_group_referencing, Some(false));
    assert_eq!(
        core.default_association_route_table.as_ref().unwrap().value,
        "main"
    );
    assert!(
        core.default_propagation_route_table.is_none(),
        "propagation default is disabled"
    );
    let kinds: Vec<(&str, &str)> = core
        .attachments
        .iter()
        .map(|a| (a.aws_id.as_deref().unwrap(), a.kind.value.as_str()))
        .collect();
    assert_eq!(
        kinds,
        [
            ("tgw-attach-app", "vpc"),
            ("tgw-attach-dx", "direct-connect-gateway"),
            ("tgw-attach-peer", "peering"),
            ("tgw-attach-vpn", "vpn")
        ]
    );
    let app = &core.attachments[0];
    assert_eq!(app.subnets[0].value, "tgw-a");
    assert_eq!(app.appliance_mode, Some(true));
    let west = &f.transit_gateways[1].value;
    assert_eq!(
        west.attachments[0].aws_id.as_deref(),
        Some("tgw-attach-peer")
    );
    assert_ne!(
        west.attachments[0].name.value,
        core.attachments[2].name.value
    );
    assert_eq!(
        west.attachments[0]
            .peer_transit_gateway
            .as_ref()
            .unwrap()
            .value,
        "core"
    );

    // Route tables: associations from attachments and from context-key
    // files, propagations, static/blackhole/prefix-list routes; propagated
    // routes are not written (they are derived from propagations).
    let main = core
        .route_tables
        .iter()
        .find(|r| r.name.value == "main")
        .unwrap();
    let names = |v: &[netverify::model::Sp<String>]| -> Vec<String> {
        v.iter().map(|x| x.value.clone()).collect()
    };
    assert_eq!(names(&main.associations), ["app-att"]);
    assert_eq!(
        names(&main.propagations),
        ["tgw-attach-dx", "tgw-attach-vpn"]
    );
    assert_eq!(main.routes.len(), 3, "{:?}", main.routes);
    // Routes are sorted (their order in the API output means nothing).
    assert!(
        main.routes
            .iter()
            .any(|r| r.blackhole.as_ref().is_some_and(|b| b.value))
    );
    assert!(
        main.routes
            .iter()
            .any(|r| r.prefix_list.as_ref().is_some_and(|p| p.value == "corp"))
    );
    assert!(main.routes.iter().any(|r| {
        r.attachment
            .as_ref()
            .is_some_and(|a| a.value == "tgw-attach-peer")
    }));
    let edge = core
        .route_tables
        .iter()
        .find(|r| r.name.value == "edge")
        .unwrap();
    assert_eq!(
        names(&edge.associations),
        ["tgw-attach-dx", "tgw-attach-vpn"]
    );
    assert_eq!(names(&edge.propagations), ["app-att"]);
    assert!(
        yaml.contains("- prefix_list: corp\n"),
        "a null first key is dropped cleanly:\n{yaml}"
    );

    // VPN: private IP VPN over the DX attachment, tunnel options and
    // telemetry; static routes only when static; deleted routes and
    // connections left out; a missing customer gateway added by id.
    let k8s = f
        .vpn_connections
        .iter()
        .find(|v| v.name.value == "k8s-vpn")
        .unwrap();
    assert_eq!(k8s.gateway.value, "core");
    assert_eq!(
        k8s.outside_ip_address_type.as_ref().unwrap().value,
        "private-ipv4"
    );
    assert_eq!(
        k8s.transport_attachment.as_ref().unwrap().value,
        "tgw-attach-dx"
    );
    let t = &k8s.tunnels[0];
    assert_eq!(names(&t.ike_versions), ["ikev2"]);
    assert_eq!(t.phase1_dh_groups[0].value, 20);
    assert_eq!(
        t.telemetry.as_ref().unwrap().status.as_ref().unwrap().value,
        "UP"
    );
    assert_eq!(
        k8s.tunnels[1]
            .telemetry
            .as_ref()
            .unwrap()
            .status
            .as_ref()
            .unwrap()
            .value,
        "DOWN"
    );
    let legacy = f
        .vpn_connections
        .iter()
        .find(|v| v.name.value == "vpn-legacy")
        .unwrap();
    assert_eq!(legacy.gateway.value, "vgw-legacy");
    assert_eq!(names(&legacy.routes), ["192.168.10.0/24"]);
    assert_eq!(
        f.vpn_connections.len(),
        2,
        "the deleted connection is left out"
    );
    let cgws: Vec<&str> = f
        .customer_gateways
        .iter()
        .map(|c| c.name.value.as_str())
        .collect();
    assert_eq!(cgws, ["dc1-router", "cgw-gone"]);
    assert_eq!(
        f.customer_gateways[0].bgp_asn,
        Some(65001),
        "string ASN parsed"
    );

    // Direct Connect, from camelCase CLI output: LAG members carry the
    // LAG's MACsec; a hosted connection is marked; VIFs of each type; the
    // DX gateway's association with its allowed prefixes.
    let dx = f.direct_connect.as_ref().unwrap();
    let lag = &dx.lags[0];
    assert_eq!(lag.encryption_mode.as_ref().unwrap().value, "must_encrypt");
    assert_eq!(lag.macsec_keys[0].state.value, "associated");
    assert!(
        lag.macsec_keys[0]
            .secret_arn
            .as_deref()
            .unwrap()
            .starts_with("arn:aws:secretsmanager")
    );
    let conn = |n: &str| {
        dx.connections
            .iter()
            .find(|c| c.aws_id.as_deref() == Some(n))
            .unwrap()
    };
    assert_eq!(conn("dxcon-a").lag.as_ref().unwrap().value, "dc1-lag");
    assert_eq!(
        conn("dxcon-b").lag.as_ref().unwrap().value,
        "dc1-lag",
        "member known only from describe-lags"
    );
    assert_eq!(conn("dxcon-h").kind.as_ref().unwrap().value, "hosted");
    let vif = |n: &str| {
        dx.virtual_interfaces
            .iter()
            .find(|v| v.aws_id.as_deref() == Some(n))
            .unwrap()
    };
    assert_eq!(vif("dxvif-transit").connection.value, "dc1-lag");
    assert_eq!(
        vif("dxvif-transit")
            .direct_connect_gateway
            .as_ref()
            .unwrap()
            .value,
        "corp-dxgw"
    );
    assert_eq!(
        vif("dxvif-private").vpn_gateway.as_ref().unwrap().value,
        "vgw-legacy"
    );
    assert_eq!(
        names(&vif("dxvif-public").advertised_prefixes),
        ["203.0.113.0/24"]
    );
    let assoc = &dx.gateways[0].associations[0];
    assert_eq!(assoc.transit_gateway.as_ref().unwrap().value, "core");
    assert_eq!(names(&assoc.allowed_prefixes), ["10.0.0.0/16"]);

    // Gaps: a VIF's connection that is missing makes encryption unknown;
    // a truncated route listing makes routing unknown (not public exposure).
    let gap = |needle: &str| {
        f.gaps
            .iter()
            .find(|g| g.what.value.contains(needle))
            .unwrap_or_else(|| panic!("no gap about {needle}: {:?}", f.gaps))
    };
    let g = gap("dxcon-gone");
    assert_eq!(names(&g.affects), ["transit-encryption", "on-prem-access"]);
    let g = gap("more routes than the snapshot holds");
    assert!(!names(&g.affects).contains(&"public-exposure".to_string()));
    // On-prem networks are only derived from AWS routes, and marked so;
    // the on-prem routing preference is never invented.
    assert!(!f.on_prem_networks.is_empty());
    assert!(
        f.on_prem_networks
            .iter()
            .all(|n| n.derived == Some(true) && !n.derived_from.is_empty() && n.prefer.is_empty())
    );
    assert!(
        imported
            .notes
            .iter()
            .any(|n| n.contains("derived: true") && n.contains("prefer"))
    );

    // Endpoints: the dual-stack gateway endpoint gets the service's IPv6
    // list; the interface endpoint's DNS options are kept (C-13.5, C-13.9).
    let ep = |n: &str| f.vpc_endpoints.iter().find(|e| e.name.value == n).unwrap();
    assert_eq!(
        ep("s3-gw").ipv6_prefix_list.as_ref().unwrap().value,
        "com.amazonaws.us-east-1.ipv6.s3"
    );
    assert_eq!(
        ep("s3-if").dns_record_ip_type.as_ref().unwrap().value,
        "ipv4"
    );
    assert_eq!(
        ep("s3-if").private_dns_only_for_inbound_resolver_endpoint,
        Some(true)
    );

    // Secrets: neither the configuration document nor tunnel keys.
    assert!(!yaml.contains("SECRET-PSK"), "{yaml}");
    assert!(!format!("{imported:?}").contains("SECRET-PSK"));
}

/// Trap 24 (C-8.5): each side's `AllowDnsResolutionFromRemoteVpc` and the
/// two VPCs' Regions (from their folders, C-8.4) come through the import.
#[test]
fn peering_dns_options_and_regions_are_imported() {
    let tmp = tempfile::tempdir().unwrap();
    let east = tmp.path().join("aws_configs/us-east-1");
    let west = tmp.path().join("aws_configs/eu-west-1");
    std::fs::create_dir_all(&east).unwrap();
    std::fs::create_dir_all(&west).unwrap();
    std::fs::write(
        east.join("Vpcs.json"),
        r#"{"Vpcs": [{"VpcId": "vpc-a", "CidrBlock": "10.1.0.0/16"}, {"VpcId": "vpc-b", "CidrBlock": "10.2.0.0/16"}]}"#,
    )
    .unwrap();
    std::fs::write(
        west.join("Vpcs.json"),
        r#"{"Vpcs": [{"VpcId": "vpc-c", "CidrBlock": "10.3.0.0/16"}]}"#,
    )
    .unwrap();
    std::fs::write(
        east.join("VpcPeeringConnections.json"),
        r#"{"VpcPeeringConnections": [
            {"VpcPeeringConnectionId": "pcx-1", "Status": {"Code": "active"},
             "RequesterVpcInfo": {"VpcId": "vpc-a", "Region": "us-east-1", "PeeringOptions": {"AllowDnsResolutionFromRemoteVpc": false}},
             "AccepterVpcInfo": {"VpcId": "vpc-b", "Region": "us-east-1", "PeeringOptions": {"AllowDnsResolutionFromRemoteVpc": true}}},
            {"VpcPeeringConnectionId": "pcx-2", "Status": {"Code": "active"},
             "RequesterVpcInfo": {"VpcId": "vpc-a", "Region": "us-east-1"},
             "AccepterVpcInfo": {"VpcId": "vpc-c", "Region": "eu-west-1"}}
        ]}"#,
    )
    .unwrap();
    let imported = import_snapshot(tmp.path()).unwrap();
    let p1 = imported
        .file
        .peering_connections
        .iter()
        .find(|p| p.aws_id.as_deref() == Some("pcx-1"))
        .unwrap();
    assert_eq!(p1.requester_allows_remote_dns_resolution, Some(false));
    assert_eq!(p1.accepter_allows_remote_dns_resolution, Some(true));
    let yaml = to_yaml(&imported.file);
    let topo = netverify::model::load_str(&yaml, "peering.yaml").unwrap();
    let by_id = |id: &str| {
        topo.peerings
            .iter()
            .find(|p| p.meta.aws_id.as_deref() == Some(id))
            .unwrap()
    };
    assert!(by_id("pcx-1").accepter_allows_remote_dns);
    assert!(!by_id("pcx-1").requester_allows_remote_dns);
    assert_eq!(by_id("pcx-1").cross_region, Some(false));
    // Inter-Region: security group references do not cross it (C-8.4).
    assert_eq!(by_id("pcx-2").cross_region, Some(true));
    assert!(!by_id("pcx-2").accepter_allows_remote_dns);
}
