#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "a test fails by panicking"
)]

//! `netverify diff` on the shared field snapshots: the six scripted edits
//! of the issue, each made on copies of a snapshot in a temporary
//! directory (never on the corpus), with its exact delta and causes.
//! Skipped with a notice when `../shared/aws-snapshots` is absent.

#[path = "common/field_data.rs"]
mod field_data;

use std::path::{Path, PathBuf};

use netverify::diff::{self, FailOn, Outcome};
use netverify::engine::Engine;
use netverify::model;
use netverify::report::diff::{DiffReport, FlowChange};
use serde_json::{Value, json};

fn copy_dir(from: &Path, to: &Path) {
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

/// The one file called `name` under `dir`.
fn find(dir: &Path, name: &str) -> PathBuf {
    let mut hits = Vec::new();
    let mut todo = vec![dir.to_path_buf()];
    while let Some(d) = todo.pop() {
        for e in std::fs::read_dir(&d).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                todo.push(p);
            } else if p.file_name().is_some_and(|n| n == name) {
                hits.push(p);
            }
        }
    }
    assert_eq!(hits.len(), 1, "one `{name}` under {}", dir.display());
    hits.remove(0)
}

/// Edits the JSON file `name` of the snapshot copy in `dir`.
fn edit_json(dir: &Path, name: &str, f: impl FnOnce(&mut Value)) {
    let p = find(dir, name);
    let mut v: Value = serde_json::from_str(&std::fs::read_to_string(&p).unwrap()).unwrap();
    f(&mut v);
    std::fs::write(&p, serde_json::to_string_pretty(&v).unwrap()).unwrap();
}

fn load(dir: &Path) -> (model::format::TopologyFile, model::Topology) {
    let imported = netverify::import::import_snapshot(dir).unwrap();
    let file = imported.file.clone();
    let topo = model::resolve(imported.file, &dir.display().to_string())
        .unwrap_or_else(|e| panic!("{}", e.render(None)));
    (file, topo)
}

/// The diff of two copies of snapshot `network`, edited by `base` and
/// `head`; `None` (after the locator's notice) without the corpus.
fn field_diff(
    network: &str,
    base: impl FnOnce(&Path),
    head: impl FnOnce(&Path),
) -> Option<DiffReport> {
    let net = field_data::network(network)?;
    let tmp = tempfile::tempdir().unwrap();
    let (b, h) = (tmp.path().join("base"), tmp.path().join("head"));
    copy_dir(&net, &b);
    copy_dir(&net, &h);
    base(&b);
    head(&h);
    let (bf, bt) = load(&b);
    let (hf, ht) = load(&h);
    Some(diff::diff_with(
        &Engine::new(&bt),
        &Engine::new(&ht),
        Some((&bf, &hf)),
    ))
}

fn end_text(e: &netverify::report::diff::DiffEndpoint) -> String {
    match &e.name {
        Some(n) => format!("{}:{n}", e.kind),
        None => e.kind.clone(),
    }
}

/// `SRC -> DST: FLOW` per flow summary, and `SRC -> DST <- KIND RESOURCE:
/// CHANGE` per cause.
fn lines(changes: &[FlowChange]) -> Vec<String> {
    let mut out = Vec::new();
    for c in changes {
        let pair = format!("{} -> {}", end_text(&c.source), end_text(&c.destination));
        for f in &c.flows {
            out.push(format!("{pair}: {}", netverify::render::text::flow_text(f)));
        }
        for k in &c.causes {
            out.push(format!("{pair} <- {} {}: {}", k.kind, k.resource, k.change));
        }
    }
    out
}

fn check_moves(r: &DiffReport) -> Vec<String> {
    r.checks
        .iter()
        .filter(|c| c.changed())
        .map(|c| format!("{}: {} -> {}", c.id, c.before.as_str(), c.after.as_str()))
        .collect()
}

fn assert_delta(r: &DiffReport, opened: &[&str], closed: &[&str], checks: &[&str]) {
    assert_eq!(lines(&r.opened), opened, "opened");
    assert_eq!(lines(&r.closed), closed, "closed");
    assert_eq!(check_moves(r), checks, "checks");
    for c in r.opened.iter().chain(&r.closed) {
        let w = c.witness.as_ref().expect("every change has a witness");
        assert!(!w.path.is_empty());
    }
}

#[test]
fn field_open_tcp_22_to_the_internet_on_one_instance() {
    // BASE: the instance's group without its SSH rule; HEAD: with it.
    let Some(r) = field_diff(
        "test-public-subnet",
        |d| {
            edit_json(d, "SecurityGroups.json", |v| {
                let g = v["SecurityGroups"]
                    .as_array_mut()
                    .unwrap()
                    .iter_mut()
                    .find(|g| g["GroupId"] == "sg-09ccba6656672061b")
                    .unwrap();
                g["IpPermissions"] = json!([]);
            });
        },
        |_| {},
    ) else {
        return;
    };
    assert_delta(
        &r,
        &[
            "instance:i-06669a407b2ef3ae5 -> instance:i-06669a407b2ef3ae5: tcp/22 from 10.0.0.91/32",
            "instance:i-06669a407b2ef3ae5 -> instance:i-06669a407b2ef3ae5 <- security-group sg-09ccba6656672061b: ingress rule added: {cidr: 0.0.0.0/0, ports: 22, protocol: tcp}",
            "internet -> instance:i-06669a407b2ef3ae5: tcp/22 from 0.0.0.0/0 to 18.216.80.133",
            "internet -> instance:i-06669a407b2ef3ae5 <- security-group sg-09ccba6656672061b: ingress rule added: {cidr: 0.0.0.0/0, ports: 22, protocol: tcp}",
        ],
        &[],
        &["public-exposure: proven -> violated"],
    );
    assert_eq!(diff::outcome(&r, FailOn::Violations), Outcome::Fail);
}

#[test]
fn field_default_route_to_the_igw_instead_of_the_nat() {
    let Some(r) = field_diff(
        "test-nat-gateway",
        |_| {},
        |d| {
            edit_json(d, "RouteTables.json", |v| {
                let t = v["RouteTables"]
                    .as_array_mut()
                    .unwrap()
                    .iter_mut()
                    .find(|t| t["RouteTableId"] == "rtb-02fe228b42de92a7c")
                    .unwrap();
                for r in t["Routes"].as_array_mut().unwrap() {
                    if r["DestinationCidrBlock"] == "0.0.0.0/0" {
                        let o = r.as_object_mut().unwrap();
                        o.remove("NatGatewayId");
                        o.insert("GatewayId".into(), json!("igw-071753b9c23d8a9b2"));
                    }
                }
            });
        },
    ) else {
        return;
    };
    assert_delta(
        &r,
        &[],
        &[
            "instance:test1 -> internet: tcp/all from 10.1.1.98/32 to 0.0.0.0/0",
            "instance:test1 -> internet: udp/all from 10.1.1.98/32 to 0.0.0.0/0",
            "instance:test1 -> internet: icmp all types from 10.1.1.98/32 to 0.0.0.0/0",
            "instance:test1 -> internet <- route-table vpc_a_public: route changed: {destination: 0.0.0.0/0, target: nat-07ab4846da51f4612} → {destination: 0.0.0.0/0, target: vpc_a-2}",
        ],
        &["private-service-access: violated -> violated"],
    );
}

#[test]
fn field_remove_a_nacl_deny() {
    // BASE: the public subnet's NACL denies SSH before its allow-all;
    // HEAD: the snapshot as it is.
    let Some(r) = field_diff(
        "test-nat-gateway",
        |d| {
            edit_json(d, "NetworkAcls.json", |v| {
                let a = v["NetworkAcls"]
                    .as_array_mut()
                    .unwrap()
                    .iter_mut()
                    .find(|a| a["NetworkAclId"] == "acl-0792adae678b88f85")
                    .unwrap();
                a["Entries"].as_array_mut().unwrap().push(json!({
                    "CidrBlock": "0.0.0.0/0", "Egress": false, "Protocol": "6",
                    "PortRange": {"From": 22, "To": 22},
                    "RuleAction": "deny", "RuleNumber": 150
                }));
            });
        },
        |_| {},
    ) else {
        return;
    };
    assert_delta(
        &r,
        &[
            "instance:test1 -> instance:jump-host: tcp/22 from 10.1.1.98/32",
            "instance:test1 -> instance:jump-host <- network-acl main: ingress rule removed: {action: deny, cidr: 0.0.0.0/0, ports: 22, protocol: tcp, rule: 150}",
            "instance:test1 -> internet: tcp/22 from 10.1.1.98/32 to 0.0.0.0/0",
            "instance:test1 -> internet <- network-acl main: ingress rule removed: {action: deny, cidr: 0.0.0.0/0, ports: 22, protocol: tcp, rule: 150}",
            "instance:test20 -> instance:jump-host: tcp/22 from 10.1.20.173/32",
            "instance:test20 -> instance:jump-host <- network-acl main: ingress rule removed: {action: deny, cidr: 0.0.0.0/0, ports: 22, protocol: tcp, rule: 150}",
            "internet -> instance:jump-host: tcp/22 from 0.0.0.0/0 to 18.216.129.140",
            "internet -> instance:jump-host <- network-acl main: ingress rule removed: {action: deny, cidr: 0.0.0.0/0, ports: 22, protocol: tcp, rule: 150}",
        ],
        &[],
        &["public-exposure: violated -> violated"],
    );
}

#[test]
fn field_drop_an_s3_endpoint_route_table_association() {
    let Some(r) = field_diff(
        "test-vpc-endpoint-gateway",
        |_| {},
        |d| {
            edit_json(d, "VpcEndpoints.json", |v| {
                let e = &mut v["VpcEndpoints"][0];
                assert_eq!(e["VpcEndpointId"], "vpce-0b7357542bb7b83ec");
                e["RouteTableIds"] = json!(["rtb-0efde4139784b75b0"]);
            });
            edit_json(d, "RouteTables.json", |v| {
                let t = v["RouteTables"]
                    .as_array_mut()
                    .unwrap()
                    .iter_mut()
                    .find(|t| t["RouteTableId"] == "rtb-04f71fc2caa8d94cf")
                    .unwrap();
                t["Routes"]
                    .as_array_mut()
                    .unwrap()
                    .retain(|r| r["GatewayId"] != "vpce-0b7357542bb7b83ec");
            });
        },
    ) else {
        return;
    };
    assert_delta(
        &r,
        &[],
        &[
            "instance:private-web01 -> gateway-endpoint:vpce-0b7357542bb7b83ec: tcp/all from 10.1.101.36/32 to 3.5.0.0/20, 3.5.16.0/21, 52.216.0.0/15, 54.231.0.0/17",
            "instance:private-web01 -> gateway-endpoint:vpce-0b7357542bb7b83ec: icmp type 8 from 10.1.101.36/32 to 3.5.0.0/20, 3.5.16.0/21, 52.216.0.0/15, 54.231.0.0/17",
            "instance:private-web01 -> gateway-endpoint:vpce-0b7357542bb7b83ec <- route-table testing-noigw: route removed: {prefix_list: com.amazonaws.us-east-1.s3, target: vpce-0b7357542bb7b83ec}",
            "instance:private-web01 -> gateway-endpoint:vpce-0b7357542bb7b83ec <- vpc-endpoint vpce-0b7357542bb7b83ec: `route_tables` entry removed: testing-noigw",
        ],
        &["private-service-access: violated -> violated"],
    );
}

#[test]
fn field_add_a_peering_route() {
    // BASE: without the 10.10/16 VPC's route to 192.168.1.0/24 over the
    // peering; HEAD: the snapshot.
    let Some(r) = field_diff(
        "test-vpc-peering",
        |d| {
            edit_json(d, "RouteTables.json", |v| {
                let t = v["RouteTables"]
                    .as_array_mut()
                    .unwrap()
                    .iter_mut()
                    .find(|t| t["RouteTableId"] == "rtb-0891861fffaea6d52")
                    .unwrap();
                t["Routes"]
                    .as_array_mut()
                    .unwrap()
                    .retain(|r| r["DestinationCidrBlock"] != "192.168.1.0/24");
            });
        },
        |_| {},
    ) else {
        return;
    };
    assert_delta(
        &r,
        &[
            "instance:i-06ba034d88c84ef07 -> instance:i-0b14080af811fda3d: tcp/22 from 10.10.10.157/32",
            "instance:i-06ba034d88c84ef07 -> instance:i-0b14080af811fda3d <- route-table rtb-0891861fffaea6d52: route added: {destination: 192.168.1.0/24, target: a-b}",
        ],
        &[],
        &[],
    );
}

#[test]
fn field_add_a_new_public_instance() {
    // HEAD: a second instance in the public subnet, with a public IPv4 and
    // the SSH group, and its interface.
    let Some(r) = field_diff(
        "test-public-subnet",
        |_| {},
        |d| {
            edit_json(d, "Reservations.json", |v| {
                let res = v["Reservations"].as_array_mut().unwrap();
                let mut new = res[0].clone();
                let i = &mut new["Instances"][0];
                i["InstanceId"] = json!("i-0feedfacecafe0001");
                i["PrivateIpAddress"] = json!("10.0.0.92");
                i["PublicIpAddress"] = json!("18.216.80.134");
                for n in i["NetworkInterfaces"].as_array_mut().unwrap() {
                    n["NetworkInterfaceId"] = json!("eni-0feedfacecafe0001");
                    n["PrivateIpAddress"] = json!("10.0.0.92");
                    n["PrivateIpAddresses"] = json!([{
                        "Primary": true, "PrivateIpAddress": "10.0.0.92",
                        "Association": {"PublicIp": "18.216.80.134", "IpOwnerId": "amazon"}
                    }]);
                    n["Association"] = json!({"PublicIp": "18.216.80.134", "IpOwnerId": "amazon"});
                }
                res.push(new);
            });
            edit_json(d, "NetworkInterfaces.json", |v| {
                let list = v["NetworkInterfaces"].as_array_mut().unwrap();
                let mut new = list[0].clone();
                new["NetworkInterfaceId"] = json!("eni-0feedfacecafe0001");
                new["PrivateIpAddress"] = json!("10.0.0.92");
                new["Attachment"]["InstanceId"] = json!("i-0feedfacecafe0001");
                new["PrivateIpAddresses"] = json!([{
                    "Primary": true, "PrivateIpAddress": "10.0.0.92",
                    "Association": {"PublicIp": "18.216.80.134", "IpOwnerId": "amazon"}
                }]);
                new["Association"] = json!({"PublicIp": "18.216.80.134", "IpOwnerId": "amazon"});
                list.push(new);
            });
        },
    ) else {
        return;
    };
    assert_delta(
        &r,
        &[
            "instance:i-06669a407b2ef3ae5 -> instance:i-0feedfacecafe0001: tcp/22 from 10.0.0.91/32",
            "instance:i-06669a407b2ef3ae5 -> instance:i-0feedfacecafe0001 <- network-interface eni-0feedfacecafe0001: added",
            "instance:i-0feedfacecafe0001 -> instance:i-06669a407b2ef3ae5: tcp/22 from 10.0.0.92/32",
            "instance:i-0feedfacecafe0001 -> instance:i-06669a407b2ef3ae5 <- network-interface eni-0feedfacecafe0001: added",
            "instance:i-0feedfacecafe0001 -> instance:i-0feedfacecafe0001: tcp/22 from 10.0.0.92/32",
            "instance:i-0feedfacecafe0001 -> instance:i-0feedfacecafe0001 <- network-interface eni-0feedfacecafe0001: added",
            "instance:i-0feedfacecafe0001 -> internet: tcp/all from 10.0.0.92/32 to 0.0.0.0/0",
            "instance:i-0feedfacecafe0001 -> internet: udp/all from 10.0.0.92/32 to 0.0.0.0/0",
            "instance:i-0feedfacecafe0001 -> internet: icmp all types from 10.0.0.92/32 to 0.0.0.0/0",
            "instance:i-0feedfacecafe0001 -> internet: protocols 0, 2-5, 7-16, 18-255 from 10.0.0.92/32 to 0.0.0.0/0",
            "instance:i-0feedfacecafe0001 -> internet <- network-interface eni-0feedfacecafe0001: added",
            "internet -> instance:i-0feedfacecafe0001: tcp/22 from 0.0.0.0/0 to 18.216.80.134",
            "internet -> instance:i-0feedfacecafe0001 <- network-interface eni-0feedfacecafe0001: added",
        ],
        &[],
        &[
            "public-exposure: violated -> violated",
            "private-service-access: violated -> violated",
        ],
    );
}
