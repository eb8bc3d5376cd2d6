//! Terraform plans: the resource types beyond VPCs, subnets, routes, SGs,
//! NACLs, instances and load balancers (endpoints, prefix lists, peering,
//! transit gateways, VPN, Direct Connect, Auto Scaling groups), the AWS
//! provider's semantics that change their verdicts, `--base`, and the
//! oracle: hand-written plans mirroring the `.tf` beside Batfish snapshots
//! give the snapshots' verdicts.

#![allow(
    clippy::unwrap_used,
    clippy::panic,
    reason = "a test fails by panicking"
)]

use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::{Value, json};

#[path = "common/field_data.rs"]
mod field_data;

/// Run netverify: (exit code, stdout, stderr).
fn nv(args: &[&str]) -> (i32, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_netverify"))
        .args(args)
        .output()
        .unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// A plan under construction: resource changes and their configuration.
#[derive(Default)]
struct Plan {
    changes: Vec<Value>,
    config: Vec<Value>,
}

/// `aws_vpc.a` → (`aws_vpc`, `a`).
fn split(address: &str) -> (&str, &str) {
    address.split_once('.').unwrap()
}

impl Plan {
    /// A resource whose values are all known (one the plan keeps as is),
    /// configured with those values (all but its id).
    fn known(&mut self, address: &str, after: Value) -> &mut Plan {
        let mut expressions = serde_json::Map::new();
        for (k, v) in after.as_object().unwrap() {
            if k != "id" {
                expressions.insert(k.clone(), json!({ "constant_value": v }));
            }
        }
        self.change(
            address,
            "no-op",
            after,
            json!({}),
            Value::Object(expressions),
        )
    }

    /// A resource the plan creates: `unknown` marks what is known only
    /// after apply, `expressions` is its configuration.
    fn create(
        &mut self,
        address: &str,
        after: Value,
        unknown: Value,
        expressions: Value,
    ) -> &mut Plan {
        self.change(address, "create", after, unknown, expressions)
    }

    fn change(
        &mut self,
        address: &str,
        action: &str,
        after: Value,
        unknown: Value,
        expressions: Value,
    ) -> &mut Plan {
        let (kind, name) = split(address);
        self.changes.push(json!({
            "address": address, "mode": "managed", "type": kind, "name": name,
            "change": {"actions": [action], "before": null, "after": after,
                       "after_unknown": unknown, "after_sensitive": {}}
        }));
        self.config.push(json!({
            "address": address, "mode": "managed", "type": kind, "name": name,
            "expressions": expressions
        }));
        self
    }

    /// A resource the plan deletes.
    fn delete(&mut self, address: &str, before: Value) -> &mut Plan {
        let (kind, name) = split(address);
        self.changes.push(json!({
            "address": address, "mode": "managed", "type": kind, "name": name,
            "change": {"actions": ["delete"], "before": before, "after": null,
                       "after_unknown": {}, "after_sensitive": {}}
        }));
        self
    }

    fn json(&self) -> Value {
        json!({
            "format_version": "1.2",
            "terraform_version": "1.9.0",
            "resource_changes": self.changes,
            "configuration": {"root_module": {"resources": self.config}}
        })
    }

    fn write(&self) -> Written {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("plan.json");
        std::fs::write(&path, serde_json::to_string_pretty(&self.json()).unwrap()).unwrap();
        if let Ok(d) = std::env::var("NV_TEST_KEEP") {
            let n = std::thread::current()
                .name()
                .unwrap_or("plan")
                .replace("::", "_");
            std::fs::write(
                format!("{d}/{n}.json"),
                serde_json::to_string_pretty(&self.json()).unwrap(),
            )
            .unwrap();
        }
        Written { dir, path }
    }
}

/// A file written to a temporary directory.
struct Written {
    dir: tempfile::TempDir,
    path: PathBuf,
}

impl Written {
    fn p(&self) -> &str {
        self.path.to_str().unwrap()
    }

    /// Another file beside it.
    fn beside(&self, name: &str, text: &str) -> String {
        let p = self.dir.path().join(name);
        std::fs::write(&p, text).unwrap();
        p.to_str().unwrap().to_owned()
    }
}

/// An imported topology, read back.
struct Doc(Value);

impl Doc {
    /// The entries of a top-level list.
    fn list(&self, key: &str) -> Vec<Value> {
        self.0[key].as_array().cloned().unwrap_or_default()
    }
}

fn doc(yaml: &str) -> Doc {
    Doc(serde_saphyr::from_str::<Value>(yaml).unwrap())
}

/// A reference to `to`'s id in a configuration expression.
fn refs(to: &str) -> Value {
    json!({"references": [format!("{to}.id"), to]})
}

/// One VPC (`x` is `a` or `b`: 10.0/16 or 10.1/16) with a subnet, a table
/// associated with it, a group admitting tcp/443 from the other VPC and
/// sending anywhere, and an instance; every id known.
fn vpc(p: &mut Plan, x: &str) {
    let (net, other) = if x == "a" {
        ("10.0", "10.1")
    } else {
        ("10.1", "10.0")
    };
    p.known(
        &format!("aws_vpc.{x}"),
        json!({"id": format!("vpc-{x}"), "cidr_block": format!("{net}.0.0/16")}),
    )
    .known(
        &format!("aws_subnet.{x}"),
        json!({"id": format!("subnet-{x}"), "vpc_id": format!("vpc-{x}"), "cidr_block": format!("{net}.1.0/24"), "map_public_ip_on_launch": false}),
    )
    .known(
        &format!("aws_route_table.{x}"),
        json!({"id": format!("rtb-{x}"), "vpc_id": format!("vpc-{x}")}),
    )
    .known(
        &format!("aws_route_table_association.{x}"),
        json!({"id": format!("rtbassoc-{x}"), "subnet_id": format!("subnet-{x}"), "route_table_id": format!("rtb-{x}")}),
    )
    .known(
        &format!("aws_security_group.{x}"),
        json!({"id": format!("sg-{x}"), "vpc_id": format!("vpc-{x}"),
               "ingress": [{"protocol": "tcp", "from_port": 443, "to_port": 443, "cidr_blocks": [format!("{other}.0.0/16")], "ipv6_cidr_blocks": [], "prefix_list_ids": [], "security_groups": [], "self": false}],
               "egress": [{"protocol": "-1", "from_port": 0, "to_port": 0, "cidr_blocks": ["0.0.0.0/0"], "ipv6_cidr_blocks": [], "prefix_list_ids": [], "security_groups": [], "self": false}]}),
    )
    .known(
        &format!("aws_instance.{x}"),
        json!({"id": format!("i-{x}"), "subnet_id": format!("subnet-{x}"), "private_ip": format!("{net}.1.10"), "vpc_security_group_ids": [format!("sg-{x}")], "associate_public_ip_address": false}),
    );
}

/// A route in table `rtb-<x>` to `dest` through `attr` = `id`.
fn route(p: &mut Plan, x: &str, dest: &str, attr: &str, id: &str) {
    p.known(
        &format!("aws_route.{x}_{}", dest.replace(['.', '/'], "_")),
        json!({"id": format!("r-{x}-{dest}"), "route_table_id": format!("rtb-{x}"), "destination_cidr_block": dest, attr: id}),
    );
}

fn two_vpcs() -> Plan {
    let mut p = Plan::default();
    vpc(&mut p, "a");
    vpc(&mut p, "b");
    p
}

const B_TO_A: &str = "can aws_instance.b:eni reach aws_instance.a:eni on tcp/443";

fn query(w: &Written, q: &str) -> (i32, String, String) {
    nv(&["query", w.p(), q])
}

fn import(w: &Written) -> (i32, String, String) {
    nv(&["import", "terraform", w.p()])
}

// ------------------------------------------------------------------ peering

/// An accepted peering `pcx-1` between the two VPCs, routed both ways.
fn peered(p: &mut Plan) {
    p.known(
        "aws_vpc_peering_connection.ab",
        json!({"id": "pcx-1", "vpc_id": "vpc-b", "peer_vpc_id": "vpc-a", "auto_accept": true, "accept_status": "active"}),
    );
    route(p, "a", "10.1.0.0/16", "vpc_peering_connection_id", "pcx-1");
    route(p, "b", "10.0.0.0/16", "vpc_peering_connection_id", "pcx-1");
}

/// Two VPCs peered (accepted on the connection) with routes both ways:
/// b reaches a on tcp/443.
#[test]
fn peering_with_routes_both_ways_connects_the_vpcs() {
    let mut p = two_vpcs();
    peered(&mut p);
    let w = p.write();
    let (code, out, err) = query(&w, B_TO_A);
    assert_eq!(code, 0, "{out}\n{err}");
    let (_, yaml, _) = import(&w);
    assert!(
        yaml.contains("target: aws_vpc_peering_connection.ab"),
        "{yaml}"
    );
}

/// C-8.1: a peering created without `auto_accept` and with no accepter
/// stays pending and carries nothing.
#[test]
fn peering_without_acceptance_carries_nothing() {
    let mut p = two_vpcs();
    p.create(
        "aws_vpc_peering_connection.ab",
        json!({"vpc_id": "vpc-b", "peer_vpc_id": "vpc-a", "auto_accept": false}),
        json!({"id": true, "accept_status": true}),
        json!({}),
    );
    p.create(
        "aws_route.a_peer",
        json!({"route_table_id": "rtb-a", "destination_cidr_block": "10.1.0.0/16"}),
        json!({"id": true, "vpc_peering_connection_id": true}),
        json!({"vpc_peering_connection_id": refs("aws_vpc_peering_connection.ab")}),
    );
    p.create(
        "aws_route.b_peer",
        json!({"route_table_id": "rtb-b", "destination_cidr_block": "10.0.0.0/16"}),
        json!({"id": true, "vpc_peering_connection_id": true}),
        json!({"vpc_peering_connection_id": refs("aws_vpc_peering_connection.ab")}),
    );
    let w = p.write();
    let (code, out, err) = query(&w, B_TO_A);
    assert_eq!(code, 1, "{out}\n{err}");
    let (_, yaml, _) = import(&w);
    assert!(yaml.contains("status: pending-acceptance"), "{yaml}");
    // An accepter with `auto_accept` makes it active.
    p.create(
        "aws_vpc_peering_connection_accepter.ab",
        json!({"auto_accept": true}),
        json!({"id": true, "vpc_peering_connection_id": true}),
        json!({"vpc_peering_connection_id": refs("aws_vpc_peering_connection.ab")}),
    );
    let w = p.write();
    let (code, out, err) = query(&w, B_TO_A);
    assert_eq!(code, 0, "{out}\n{err}");
}

/// An `auto_accept` known only after apply is a gap naming the attribute.
#[test]
fn unknown_peering_acceptance_is_a_gap_naming_the_attribute() {
    let mut p = two_vpcs();
    p.create(
        "aws_vpc_peering_connection.ab",
        json!({"vpc_id": "vpc-b", "peer_vpc_id": "vpc-a"}),
        json!({"id": true, "auto_accept": true, "accept_status": true}),
        json!({"auto_accept": {"references": ["var.accept"]}}),
    );
    route(
        &mut p,
        "b",
        "10.0.0.0/16",
        "vpc_peering_connection_id",
        "pcx-x",
    );
    let (_, _, err) = import(&p.write());
    assert!(
        err.contains("`aws_vpc_peering_connection.ab.auto_accept` is known only after apply"),
        "{err}"
    );
}

// ---------------------------------------------------------- transit gateway

fn tgw_plan(default_assoc_b: bool) -> Plan {
    let mut p = two_vpcs();
    p.known(
        "aws_ec2_transit_gateway.t",
        json!({"id": "tgw-1", "default_route_table_association": "enable", "default_route_table_propagation": "enable"}),
    );
    for x in ["a", "b"] {
        let assoc = x == "a" || default_assoc_b;
        p.known(
            &format!("aws_ec2_transit_gateway_vpc_attachment.{x}"),
            json!({"id": format!("tgw-attach-{x}"), "transit_gateway_id": "tgw-1", "vpc_id": format!("vpc-{x}"),
                   "subnet_ids": [format!("subnet-{x}")],
                   "transit_gateway_default_route_table_association": assoc,
                   "transit_gateway_default_route_table_propagation": true}),
        );
    }
    route(&mut p, "a", "10.1.0.0/16", "transit_gateway_id", "tgw-1");
    route(&mut p, "b", "10.0.0.0/16", "transit_gateway_id", "tgw-1");
    p
}

/// A transit gateway route table `tgw-rtb-1`, associated with b's attachment.
fn table_for_b(p: &mut Plan) -> &mut Plan {
    p.known(
        "aws_ec2_transit_gateway_route_table.rt",
        json!({"id": "tgw-rtb-1", "transit_gateway_id": "tgw-1"}),
    )
    .known(
        "aws_ec2_transit_gateway_route_table_association.b",
        json!({"id": "tgw-rtb-1_tgw-attach-b", "transit_gateway_route_table_id": "tgw-rtb-1", "transit_gateway_attachment_id": "tgw-attach-b"}),
    )
}

/// The transit gateway's default route table (which no resource
/// describes) associates and propagates both VPC attachments: b reaches a.
#[test]
fn transit_gateway_default_route_table_connects_attachments() {
    let w = tgw_plan(true).write();
    let (code, out, err) = query(&w, B_TO_A);
    assert_eq!(code, 0, "{out}\n{err}");
    let (_, yaml, _) = import(&w);
    assert!(
        yaml.contains("aws_ec2_transit_gateway.t:default-route-table"),
        "{yaml}"
    );
}

/// An attachment with `transit_gateway_default_route_table_association =
/// false` and no explicit association is associated with no table: its
/// VPC's packets go nowhere past the transit gateway.
#[test]
fn transit_gateway_attachment_without_association_routes_nothing() {
    let w = tgw_plan(false).write();
    let (code, out, err) = query(&w, B_TO_A);
    assert_eq!(code, 1, "{out}\n{err}");
}

/// Explicit route table, association and static route resources.
#[test]
fn transit_gateway_route_table_association_and_static_route_are_read() {
    let mut p = tgw_plan(false);
    table_for_b(&mut p).known(
        "aws_ec2_transit_gateway_route.to_a",
        json!({"id": "tgw-rtb-1_10.0.0.0/16", "transit_gateway_route_table_id": "tgw-rtb-1", "destination_cidr_block": "10.0.0.0/16", "transit_gateway_attachment_id": "tgw-attach-a", "blackhole": false}),
    );
    let w = p.write();
    let (code, out, err) = query(&w, B_TO_A);
    assert_eq!(code, 0, "{out}\n{err}");
    // A blackhole route instead drops the packets.
    let mut p = tgw_plan(false);
    table_for_b(&mut p)
    .known(
        "aws_ec2_transit_gateway_route.to_a",
        json!({"id": "y", "transit_gateway_route_table_id": "tgw-rtb-1", "destination_cidr_block": "10.0.0.0/16", "blackhole": true}),
    );
    let (code, out, err) = query(&p.write(), B_TO_A);
    assert_eq!(code, 1, "{out}\n{err}");
}

/// An explicit association of an attachment that the default already
/// associates fails at apply without `replace_existing_association`: a gap.
#[test]
fn second_association_without_replace_is_a_gap() {
    let mut p = tgw_plan(true);
    table_for_b(&mut p);
    let w = p.write();
    let (_, _, err) = import(&w);
    assert!(err.contains("replace_existing_association"), "{err}");
    let (code, out, _) = query(&w, B_TO_A);
    assert_eq!(code, 3, "{out}");
}

// ---------------------------------------------------------------- endpoints

/// A gateway endpoint's `route_table_ids` and an interface endpoint with no
/// groups: the interface endpoint gets the VPC's default group and one
/// interface per subnet, owned by it.
#[test]
fn endpoints_gateway_tables_and_interface_default_group() {
    let mut p = two_vpcs();
    p.known(
        "aws_vpc_endpoint.s3",
        json!({"id": "vpce-1", "vpc_id": "vpc-a", "service_name": "com.amazonaws.us-east-1.s3", "vpc_endpoint_type": "Gateway", "route_table_ids": ["rtb-a"]}),
    )
    .known(
        "aws_vpc_endpoint.sqs",
        json!({"id": "vpce-2", "vpc_id": "vpc-a", "service_name": "com.amazonaws.us-east-1.sqs", "vpc_endpoint_type": "Interface", "subnet_ids": ["subnet-a"], "security_group_ids": [], "private_dns_enabled": true}),
    );
    let w = p.write();
    let (code, yaml, err) = import(&w);
    assert_eq!(code, 0, "{err}");
    let v = doc(&yaml);
    let eps = v.list("vpc_endpoints");
    let s3 = eps
        .iter()
        .find(|e| e["name"] == "aws_vpc_endpoint.s3")
        .unwrap();
    assert_eq!(s3["route_tables"], json!(["aws_route_table.a"]));
    let sqs = eps
        .iter()
        .find(|e| e["name"] == "aws_vpc_endpoint.sqs")
        .unwrap();
    assert_eq!(
        sqs["security_groups"],
        json!(["aws_vpc.a:default-security-group"])
    );
    let enis = v.list("network_interfaces");
    let eni = enis
        .iter()
        .find(|e| e["name"] == "aws_vpc_endpoint.sqs:eni:aws_subnet.a")
        .unwrap();
    assert_eq!(eni["owner"]["vpc_endpoint"], "aws_vpc_endpoint.sqs");
    let (code, _, err) = nv(&["check", w.p()]);
    assert!([0, 1, 3].contains(&code), "{err}");
}

/// The association resources: a route table, a subnet, and a group that
/// replaces the default one.
#[test]
fn endpoint_association_resources_are_read() {
    let mut p = two_vpcs();
    p.create(
        "aws_vpc_endpoint.s3",
        json!({"vpc_id": "vpc-a", "service_name": "com.amazonaws.us-east-1.s3"}),
        json!({"id": true, "route_table_ids": true}),
        json!({"vpc_id": {"constant_value": "vpc-a"}}),
    )
    .create(
        "aws_vpc_endpoint_route_table_association.a",
        json!({"route_table_id": "rtb-a"}),
        json!({"id": true, "vpc_endpoint_id": true}),
        json!({"vpc_endpoint_id": refs("aws_vpc_endpoint.s3")}),
    )
    .create(
        "aws_vpc_endpoint.sqs",
        json!({"vpc_id": "vpc-a", "service_name": "com.amazonaws.us-east-1.sqs", "vpc_endpoint_type": "Interface"}),
        json!({"id": true, "subnet_ids": true, "security_group_ids": true}),
        json!({}),
    )
    .create(
        "aws_vpc_endpoint_subnet_association.a",
        json!({"subnet_id": "subnet-a"}),
        json!({"id": true, "vpc_endpoint_id": true}),
        json!({"vpc_endpoint_id": refs("aws_vpc_endpoint.sqs")}),
    )
    .create(
        "aws_vpc_endpoint_security_group_association.a",
        json!({"security_group_id": "sg-a", "replace_default_association": true}),
        json!({"id": true, "vpc_endpoint_id": true}),
        json!({"vpc_endpoint_id": refs("aws_vpc_endpoint.sqs")}),
    );
    let (code, yaml, err) = import(&p.write());
    assert_eq!(code, 0, "{err}");
    let v = doc(&yaml);
    let eps = v.list("vpc_endpoints");
    let s3 = eps
        .iter()
        .find(|e| e["name"] == "aws_vpc_endpoint.s3")
        .unwrap();
    assert_eq!(s3["route_tables"], json!(["aws_route_table.a"]));
    let sqs = eps
        .iter()
        .find(|e| e["name"] == "aws_vpc_endpoint.sqs")
        .unwrap();
    assert_eq!(sqs["subnets"], json!(["aws_subnet.a"]));
    assert_eq!(sqs["security_groups"], json!(["aws_security_group.a"]));
}

/// `route_table_ids` set on the endpoint and an association resource for
/// it overwrite each other: a gap, not a guess.
#[test]
fn endpoint_inline_tables_and_association_resources_are_a_gap() {
    let mut p = two_vpcs();
    p.create(
        "aws_vpc_endpoint.s3",
        json!({"vpc_id": "vpc-a", "service_name": "com.amazonaws.us-east-1.s3", "route_table_ids": ["rtb-a"]}),
        json!({"id": true}),
        json!({"route_table_ids": {"constant_value": ["rtb-a"]}}),
    )
    .create(
        "aws_vpc_endpoint_route_table_association.b",
        json!({"route_table_id": "rtb-a"}),
        json!({"id": true, "vpc_endpoint_id": true}),
        json!({"vpc_endpoint_id": refs("aws_vpc_endpoint.s3")}),
    );
    let (_, _, err) = import(&p.write());
    assert!(
        err.contains(
            "endpoint `aws_vpc_endpoint.s3` sets `route_table_ids` and association resources"
        ),
        "{err}"
    );
}

// ------------------------------------------------------------- prefix lists

fn prefix_list_rule_plan(entries: Value, unknown: Value) -> Plan {
    let mut p = two_vpcs();
    p.create(
        "aws_ec2_managed_prefix_list.peers",
        json!({"name": "peers", "address_family": "IPv4", "max_entries": 5, "entry": entries}),
        unknown,
        json!({"entry": [{"cidr": {"constant_value": "x"}}]}),
    );
    // Group a admits tc/443 only from the prefix list.
    let sg = p
        .changes
        .iter_mut()
        .find(|c| c["address"] == "aws_security_group.a")
        .unwrap();
    sg["change"]["after"]["ingress"] = json!([{"protocol": "tcp", "from_port": 443, "to_port": 443, "cidr_blocks": [], "ipv6_cidr_blocks": [], "prefix_list_ids": [], "security_groups": [], "self": false}]);
    sg["change"]["after_unknown"] = json!({"ingress": [{"prefix_list_ids": true}]});
    let conf = p
        .config
        .iter_mut()
        .find(|c| c["address"] == "aws_security_group.a")
        .unwrap();
    conf["expressions"] =
        json!({"ingress": [{"prefix_list_ids": refs("aws_ec2_managed_prefix_list.peers")}]});
    peered(&mut p);
    p
}

/// A security group rule naming a managed prefix list of the plan admits
/// exactly the list's entries.
#[test]
fn security_group_rule_through_managed_prefix_list() {
    let p = prefix_list_rule_plan(
        json!([{"cidr": "10.1.0.0/16", "description": "b"}]),
        json!({"id": true, "arn": true}),
    );
    let (code, out, err) = query(&p.write(), B_TO_A);
    assert_eq!(code, 0, "{out}\n{err}");
    let p = prefix_list_rule_plan(
        json!([{"cidr": "10.9.0.0/16", "description": "elsewhere"}]),
        json!({"id": true, "arn": true}),
    );
    let (code, out, err) = query(&p.write(), B_TO_A);
    assert_eq!(code, 1, "{out}\n{err}");
}

/// Entries known only after apply make the answer unknown, naming the list.
#[test]
fn unknown_prefix_list_entries_make_the_answer_unknown() {
    let p = prefix_list_rule_plan(json!(null), json!({"id": true, "arn": true, "entry": true}));
    let w = p.write();
    let (code, out, err) = query(&w, B_TO_A);
    assert_eq!(code, 3, "{out}\n{err}");
    let (_, _, err) = import(&w);
    assert!(
        err.contains("`aws_ec2_managed_prefix_list.peers.entry` is known only after apply"),
        "{err}"
    );
}

// ---------------------------------------------------------------------- VPN

const PSK: &str = "PLANTED-PSK-7f3a";
const CGW_CONFIG: &str = "PLANTED-CGW-CONFIG-91b2";
const CAK: &str = "PLANTED-CAK-0c44";
const CKN: &str = "PLANTED-CKN-5d19";

fn hybrid_plan() -> Plan {
    let mut p = two_vpcs();
    p.known(
        "aws_vpn_gateway.vgw",
        json!({"id": "vgw-1", "vpc_id": "vpc-a", "amazon_side_asn": "64512"}),
    )
    .known(
        "aws_customer_gateway.dc",
        json!({"id": "cgw-1", "ip_address": "198.51.100.7", "bgp_asn": "65000", "type": "ipsec.1"}),
    )
    .known(
        "aws_vpn_connection.dc",
        json!({"id": "vpn-1", "customer_gateway_id": "cgw-1", "vpn_gateway_id": "vgw-1", "type": "ipsec.1",
               "static_routes_only": true,
               "tunnel1_preshared_key": PSK, "tunnel2_preshared_key": PSK,
               "customer_gateway_configuration": format!("<vpn_connection><psk>{CGW_CONFIG}</psk></vpn_connection>"),
               "tunnel1_ike_versions": ["ikev2"], "tunnel1_phase1_encryption_algorithms": ["AES256"],
               "tunnel1_phase1_integrity_algorithms": ["SHA2-256"], "tunnel1_phase1_dh_group_numbers": [20],
               "tunnel1_phase2_encryption_algorithms": ["AES256"], "tunnel1_phase2_integrity_algorithms": ["SHA2-256"],
               "tunnel1_phase2_dh_group_numbers": [20], "tunnel1_inside_cidr": "169.254.10.0/30",
               "tunnel2_ike_versions": ["ikev1", "ikev2"]}),
    )
    .known(
        "aws_vpn_connection_route.dc",
        json!({"id": "vpn-1:10.50.0.0/16", "vpn_connection_id": "vpn-1", "destination_cidr_block": "10.50.0.0/16"}),
    )
    .known(
        "aws_vpn_gateway_route_propagation.a",
        json!({"id": "p-1", "vpn_gateway_id": "vgw-1", "route_table_id": "rtb-a"}),
    )
    .known(
        "aws_dx_lag.lag",
        json!({"id": "dxlag-1", "name": "lag", "connections_bandwidth": "10Gbps", "location": "EqDC2", "encryption_mode": "must_encrypt", "request_macsec": true}),
    )
    .known(
        "aws_dx_connection.c1",
        json!({"id": "dxcon-1", "name": "c1", "bandwidth": "10Gbps", "location": "EqDC2", "macsec_capable": true}),
    )
    .known(
        "aws_dx_connection_association.c1",
        json!({"id": "x", "connection_id": "dxcon-1", "lag_id": "dxlag-1"}),
    )
    .known(
        "aws_dx_macsec_key_association.k",
        json!({"id": "k", "connection_id": "dxlag-1", "cak": CAK, "ckn": CKN}),
    )
    .known(
        "aws_dx_gateway.gw",
        json!({"id": "dxgw-1", "name": "gw", "amazon_side_asn": "64513"}),
    )
    .known(
        "aws_dx_gateway_association.vgw",
        json!({"id": "ga-1", "dx_gateway_id": "dxgw-1", "associated_gateway_id": "vgw-1", "allowed_prefixes": ["10.0.0.0/16"]}),
    )
    .known(
        "aws_dx_private_virtual_interface.vif",
        json!({"id": "dxvif-1", "connection_id": "dxlag-1", "dx_gateway_id": "dxgw-1", "vlan": 101, "bgp_auth_key": PSK}),
    );
    p
}

/// A VPN connection to a VGW with tunnel options and a static route, the
/// VGW's route propagation, and Direct Connect (LAG with a member, MACsec
/// key, gateway associated with the VGW, private VIF) are all read.
#[test]
fn vpn_and_direct_connect_resources_are_read() {
    let w = hybrid_plan().write();
    let (code, yaml, err) = import(&w);
    assert_eq!(code, 0, "{err}");
    let v = doc(&yaml);
    let vpn = &v.list("vpn_connections")[0];
    assert_eq!(vpn["gateway"], "aws_vpn_gateway.vgw");
    assert_eq!(vpn["routes"], json!(["10.50.0.0/16"]));
    assert_eq!(vpn["tunnels"][0]["ike_versions"], json!(["ikev2"]));
    assert_eq!(vpn["tunnels"][0]["phase1_dh_groups"], json!([20]));
    let rt = v
        .list("route_tables")
        .into_iter()
        .find(|t| t["name"] == "aws_route_table.a")
        .unwrap();
    assert_eq!(rt["propagating_gateways"], json!(["aws_vpn_gateway.vgw"]));
    let dx = &v.0["direct_connect"];
    assert_eq!(dx["connections"][0]["lag"], "aws_dx_lag.lag");
    assert_eq!(dx["lags"][0]["macsec_keys"][0]["state"], "associated");
    assert_eq!(
        dx["gateways"][0]["associations"][0]["vpn_gateway"],
        "aws_vpn_gateway.vgw"
    );
    assert_eq!(
        dx["virtual_interfaces"][0]["direct_connect_gateway"],
        "aws_dx_gateway.gw"
    );
    // Tunnel 2 permits IKEv1: ipsec-strength finds it.
    let (code, out, _) = nv(&["check", w.p(), "--check", "ipsec-strength"]);
    assert_eq!(code, 1, "{out}");
    assert!(out.contains("ikev1") || out.contains("IKEv1"), "{out}");
}

/// The pre-shared keys, the customer gateway configuration that holds
/// them, the DX BGP auth key and the MACsec CAK and CKN never reach any
/// output of any command, with or without `--base`.
#[test]
fn vpn_and_macsec_secrets_never_reach_any_output() {
    let w = hybrid_plan().write();
    let base = w.beside("base.yaml", "version: 1\n");
    let outputs = [
        nv(&["import", "terraform", w.p()]),
        nv(&["import", "terraform", w.p(), "--base", &base]),
        nv(&["check", w.p()]),
        nv(&["check", w.p(), "--format", "json"]),
        nv(&["check", w.p(), "--format", "sarif"]),
        nv(&["check", w.p(), "--base", &base, "--format", "json"]),
        nv(&["exposed", w.p(), "--format", "json"]),
        nv(&["query", w.p(), "what can aws_instance.a:eni reach"]),
        nv(&["query", w.p(), "show aws_vpn_connection.dc"]),
    ];
    for (_, out, err) in &outputs {
        for secret in [PSK, CGW_CONFIG, CAK, CKN] {
            assert!(
                !out.contains(secret) && !err.contains(secret),
                "{secret} leaked:\n{out}\n{err}"
            );
        }
    }
}

/// A VPN connection and a DX gateway association with a transit gateway
/// make attachments that follow its default route table.
#[test]
fn vpn_and_dx_gateway_attachments_follow_the_transit_gateway_defaults() {
    let mut p = tgw_plan(true);
    p.known(
        "aws_customer_gateway.dc",
        json!({"id": "cgw-1", "ip_address": "198.51.100.7", "bgp_asn": "65000"}),
    )
    .known(
        "aws_vpn_connection.dc",
        json!({"id": "vpn-1", "customer_gateway_id": "cgw-1", "transit_gateway_id": "tgw-1", "transit_gateway_attachment_id": "tgw-attach-vpn"}),
    )
    .known("aws_dx_gateway.gw", json!({"id": "dxgw-1", "name": "gw"}))
    .known(
        "aws_dx_gateway_association.t",
        json!({"id": "ga-1", "dx_gateway_id": "dxgw-1", "associated_gateway_id": "tgw-1", "allowed_prefixes": ["10.0.0.0/8"]}),
    )
    .known(
        "aws_ec2_transit_gateway_route_table.rt",
        json!({"id": "tgw-rtb-1", "transit_gateway_id": "tgw-1"}),
    )
    .known(
        "aws_ec2_transit_gateway_route.vpn",
        json!({"id": "r", "transit_gateway_route_table_id": "tgw-rtb-1", "destination_cidr_block": "10.50.0.0/16", "transit_gateway_attachment_id": "tgw-attach-vpn"}),
    );
    let (code, yaml, err) = import(&p.write());
    assert_eq!(code, 0, "{err}");
    let v = doc(&yaml);
    let t = &v.list("transit_gateways")[0];
    let default = t["route_tables"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["name"] == "aws_ec2_transit_gateway.t:default-route-table")
        .unwrap();
    for a in [
        "aws_vpn_connection.dc:attachment",
        "aws_dx_gateway_association.t:attachment",
    ] {
        assert!(
            default["associations"]
                .as_array()
                .unwrap()
                .contains(&json!(a)),
            "{a}: {default}"
        );
    }
    let rt = t["route_tables"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["name"] == "aws_ec2_transit_gateway_route_table.rt")
        .unwrap();
    assert_eq!(
        rt["routes"][0]["attachment"],
        "aws_vpn_connection.dc:attachment"
    );
}

// ---------------------------------------------------------------------- ASG

/// A public subnet (IGW route, `map_public_ip_on_launch`), a group open on
/// tcp/22, and an Auto Scaling group launching into the subnet from a
/// launch template with `public` as its interface's address choice.
fn asg_plan(public: &str) -> Plan {
    let mut p = Plan::default();
    p.known(
        "aws_vpc.a",
        json!({"id": "vpc-a", "cidr_block": "10.0.0.0/16"}),
    )
    .known(
        "aws_subnet.pub",
        json!({"id": "subnet-p", "vpc_id": "vpc-a", "cidr_block": "10.0.1.0/24", "map_public_ip_on_launch": true}),
    )
    .known(
        "aws_internet_gateway.gw",
        json!({"id": "igw-1", "vpc_id": "vpc-a"}),
    )
    .known(
        "aws_route_table.pub",
        json!({"id": "rtb-p", "vpc_id": "vpc-a", "route": [{"cidr_block": "0.0.0.0/0", "gateway_id": "igw-1"}]}),
    )
    .known(
        "aws_route_table_association.pub",
        json!({"id": "x", "subnet_id": "subnet-p", "route_table_id": "rtb-p"}),
    )
    .known(
        "aws_security_group.ssh",
        json!({"id": "sg-s", "vpc_id": "vpc-a",
               "ingress": [{"protocol": "tcp", "from_port": 22, "to_port": 22, "cidr_blocks": ["0.0.0.0/0"], "ipv6_cidr_blocks": [], "prefix_list_ids": [], "security_groups": [], "self": false}],
               "egress": []}),
    );
    let nic = if public.is_empty() {
        json!([])
    } else {
        json!([{"associate_public_ip_address": public, "security_groups": ["sg-s"], "device_index": 0}])
    };
    p.known(
        "aws_launch_template.web",
        json!({"id": "lt-1", "name": "web", "vpc_security_group_ids": ["sg-s"], "network_interfaces": nic}),
    )
    .known(
        "aws_autoscaling_group.web",
        json!({"id": "web", "name": "web", "max_size": 4, "min_size": 1, "vpc_zone_identifier": ["subnet-p"],
               "launch_template": [{"id": "lt-1", "name": "web", "version": "$Latest"}]}),
    );
    p
}

/// An ASG is a template: one instance per subnet, with the template's
/// groups and the subnet's public address, exposed on tcp/22.
#[test]
fn autoscaling_group_instances_are_exposed_like_instances() {
    let w = asg_plan("").write();
    let (code, out, err) = nv(&["check", w.p(), "--check", "public-exposure"]);
    assert_eq!(code, 1, "{out}\n{err}");
    assert!(
        out.contains("aws_autoscaling_group.web:aws_subnet.pub:eni"),
        "{out}"
    );
    assert!(out.contains("tcp/22"), "{out}");
}

/// The launch template's `associate_public_ip_address = "false"` overrides
/// the subnet's `map_public_ip_on_launch`: nothing is exposed.
#[test]
fn launch_template_without_public_address_is_not_exposed() {
    let w = asg_plan("false").write();
    let (code, out, err) = nv(&["check", w.p(), "--check", "public-exposure"]);
    assert_eq!(code, 0, "{out}\n{err}");
}

/// `max_size = 0` launches nothing.
#[test]
fn autoscaling_group_of_size_zero_launches_nothing() {
    let mut p = asg_plan("");
    let asg = p.changes.last_mut().unwrap();
    asg["change"]["after"]["max_size"] = json!(0);
    let (code, out, err) = nv(&["check", p.write().p(), "--check", "public-exposure"]);
    assert_eq!(code, 0, "{out}\n{err}");
    assert!(err.contains("max_size = 0"), "{err}");
}

// ---------------------------------------------------------------------- --base

/// The base: a VPC with a public subnet (IGW route) that already exists.
const BASE: &str = "version: 1
vpcs:
  - { name: prod, aws_id: vpc-prod, cidrs: [10.20.0.0/16] }
subnets:
  - { name: prod-public, aws_id: subnet-pub, vpc: prod, cidr: 10.20.1.0/24, route_table: prod-rt }
route_tables:
  - name: prod-rt
    aws_id: rtb-prod
    vpc: prod
    routes:
      - { destination: 0.0.0.0/0, target: prod-igw }
internet_gateways:
  - { name: prod-igw, aws_id: igw-prod, vpc: prod }
security_groups:
  - name: old-web
    aws_id: sg-old
    vpc: prod
    ingress:
      - { protocol: tcp, ports: 22, cidr: 0.0.0.0/0 }
instances:
  - { name: legacy, aws_id: i-legacy }
network_interfaces:
  - name: legacy-eni
    aws_id: eni-legacy
    subnet: prod-public
    instance: legacy
    security_groups: [old-web]
    private_ips:
      - { address: 10.20.1.5, public_ip: 203.0.113.5 }
";

/// A plan that adds a group open on tcp/443 and an instance with a public
/// address in the base's subnet, both named by id.
fn over_base_plan() -> Plan {
    let mut p = Plan::default();
    p.create(
        "aws_security_group.web",
        json!({"vpc_id": "vpc-prod", "ingress": [{"protocol": "tcp", "from_port": 443, "to_port": 443, "cidr_blocks": ["0.0.0.0/0"], "ipv6_cidr_blocks": [], "prefix_list_ids": [], "security_groups": [], "self": false}], "egress": []}),
        json!({"id": true}),
        json!({"vpc_id": {"constant_value": "vpc-prod"}}),
    )
    .create(
        "aws_instance.web",
        json!({"subnet_id": "subnet-pub", "associate_public_ip_address": true}),
        json!({"id": true, "private_ip": true, "public_ip": true, "vpc_security_group_ids": true}),
        json!({"subnet_id": {"constant_value": "subnet-pub"}, "vpc_security_group_ids": refs("aws_security_group.web")}),
    );
    p
}

/// Alone, the plan names a subnet it does not hold: the instance is left
/// out with a gap. Over the base, the instance sits in the base's public
/// subnet and is exposed on tcp/443; the base's own exposure stays.
#[test]
fn base_resolves_ids_the_plan_does_not_hold() {
    let w = over_base_plan().write();
    let base = w.beside("base.yaml", BASE);
    let (code, out, err) = nv(&["check", w.p(), "--check", "public-exposure"]);
    assert_eq!(code, 3, "{out}\n{err}");
    assert!(out.contains("subnet-pub"), "{out}");
    let (code, out, err) = nv(&[
        "check",
        w.p(),
        "--check",
        "public-exposure",
        "--base",
        &base,
    ]);
    assert_eq!(code, 1, "{out}\n{err}");
    assert!(out.contains("aws_instance.web:eni"), "{out}");
    assert!(out.contains("legacy-eni"), "{out}");
    assert!(err.contains("laid over the base"), "{err}");
    let (code, out, _) = nv(&["exposed", w.p(), "--base", &base, "--format", "json"]);
    assert!([0, 3].contains(&code), "{out}");
    assert!(
        out.contains("aws_instance.web:eni") && out.contains("legacy-eni"),
        "{out}"
    );
    let (code, out, _) = nv(&[
        "query",
        w.p(),
        "--base",
        &base,
        "can internet reach aws_instance.web:eni on tcp/443",
    ]);
    assert_eq!(code, 0, "{out}");
    let (code, yaml, err) = nv(&["import", "terraform", w.p(), "--base", &base]);
    assert_eq!(code, 0, "{err}");
    assert!(
        yaml.contains("name: prod-public") && yaml.contains("subnet: prod-public"),
        "{yaml}"
    );
}

/// A plan that updates a base resource (known id) replaces it under the
/// base's name; one that deletes a base resource takes it out.
#[test]
fn base_updates_replace_and_deletes_remove_base_resources() {
    let mut p = Plan::default();
    // Close the old group: no ingress.
    p.change(
        "aws_security_group.old",
        "update",
        json!({"id": "sg-old", "vpc_id": "vpc-prod", "ingress": [], "egress": []}),
        json!({}),
        json!({}),
    );
    let w = p.write();
    let base = w.beside("base.yaml", BASE);
    let (code, out, err) = nv(&[
        "check",
        w.p(),
        "--check",
        "public-exposure",
        "--base",
        &base,
    ]);
    assert_eq!(code, 0, "{out}\n{err}");
    let (_, yaml, _) = nv(&["import", "terraform", w.p(), "--base", &base]);
    assert!(yaml.contains("name: old-web"), "{yaml}");
    assert!(!yaml.contains("aws_security_group.old"), "{yaml}");
    // Deleting the instance and its interface removes the exposure too.
    let mut p = Plan::default();
    p.delete("aws_network_interface.legacy", json!({"id": "eni-legacy"}))
        .delete("aws_instance.legacy", json!({"id": "i-legacy"}));
    let w = p.write();
    let base = w.beside("base.yaml", BASE);
    let (code, out, err) = nv(&[
        "check",
        w.p(),
        "--check",
        "public-exposure",
        "--base",
        &base,
    ]);
    assert_eq!(code, 0, "{out}\n{err}");
    assert!(err.contains("deletes `legacy-eni`"), "{err}");
}

/// A plan resource whose id the base holds as another kind of resource is
/// an input error (exit 2) naming both sides; so is `--base` with a file
/// that is not a plan.
#[test]
fn base_conflicts_are_errors_naming_both_sides() {
    let mut p = Plan::default();
    p.known(
        "aws_subnet.clash",
        json!({"id": "vpc-prod", "vpc_id": "vpc-prod", "cidr_block": "10.20.9.0/24"}),
    );
    let w = p.write();
    let base = w.beside("base.yaml", BASE);
    let (code, _, err) = nv(&["check", w.p(), "--base", &base]);
    assert_eq!(code, 2, "{err}");
    assert!(
        err.contains("`aws_subnet.clash`") && err.contains("`prod`") && err.contains("base.yaml"),
        "{err}"
    );
    let (code, _, err) = nv(&["check", &base, "--base", &base]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("is not a plan"), "{err}");
    // A base that does not load is reported as such.
    let bad = w.beside(
        "bad.yaml",
        "version: 1\nsubnets:\n  - { name: s, vpc: nowhere, cidr: 10.0.0.0/24 }\n",
    );
    let (code, _, err) = nv(&["check", w.p(), "--base", &bad]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("nowhere"), "{err}");
}

// ------------------------------------------------------------------- oracle

/// The verdict of every check, by id.
fn verdicts(input: &str) -> Value {
    let (_, out, err) = nv(&["check", input, "--format", "json"]);
    let report: Value = serde_json::from_str(&out).unwrap_or_else(|e| panic!("{e}: {out}\n{err}"));
    let mut v = serde_json::Map::new();
    for c in report["checks"].as_array().unwrap() {
        v.insert(c["id"].as_str().unwrap().to_owned(), c["verdict"].clone());
    }
    Value::Object(v)
}

/// What `exposed` lists, as `resource protocol ports from sources` lines;
/// resources are named through `names` (plan address → snapshot name),
/// and the public address is left out (the plan knows it only after apply).
fn exposed_set(input: &str, names: &[(&str, &str)]) -> Vec<String> {
    let (_, out, err) = nv(&["exposed", input, "--format", "json"]);
    let v: Value = serde_json::from_str(&out).unwrap_or_else(|e| panic!("{e}: {out}\n{err}"));
    let mut lines = Vec::new();
    for e in v["exposed"].as_array().unwrap() {
        let r = e["resource"].as_str().unwrap();
        let shown = names.iter().find(|(a, _)| *a == r).map_or(r, |(_, b)| b);
        for f in e["flows"].as_array().unwrap() {
            lines.push(format!(
                "{shown} {} {} from {}",
                f["protocol"], f["ports"], f["sources"]
            ));
        }
    }
    lines.sort();
    lines
}

/// The oracle: a plan written here that mirrors the `.tf` beside a Batfish
/// snapshot (`tests/fixtures/terraform/oracle/<snapshot>.json`) gives the
/// snapshot's verdicts and exposed set, except where `differ` says why
/// the two cannot agree: (check, snapshot's verdict, plan's verdict).
fn oracle(snapshot: &str, names: &[(&str, &str)], differ: &[(&str, &str, &str)]) {
    oracle_with_queries(snapshot, names, differ, &[]);
}

/// [`oracle`], and each query (written with the snapshot's names, then
/// with the plan's) gets the same answer from both.
fn oracle_with_queries(
    snapshot: &str,
    names: &[(&str, &str)],
    differ: &[(&str, &str, &str)],
    queries: &[(&str, &str)],
) {
    let Some(dir) = field_data::aws_snapshots() else {
        return;
    };
    let snap = dir.join("networks").join(snapshot);
    assert!(snap.join("aws_configs").is_dir(), "{}", snap.display());
    let plan = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/terraform/oracle")
        .join(format!("{snapshot}.json"));
    let (s, p) = (snap.to_str().unwrap(), plan.to_str().unwrap());
    let (sv, pv) = (verdicts(s), verdicts(p));
    let ids: Vec<&String> = sv.as_object().unwrap().keys().collect();
    assert!(!ids.is_empty());
    for id in ids {
        let (a, b) = (&sv[id.as_str()], &pv[id.as_str()]);
        match differ.iter().find(|(c, _, _)| c == id) {
            Some((_, want_s, want_p)) => {
                assert_eq!(
                    (a.as_str(), b.as_str()),
                    (Some(*want_s), Some(*want_p)),
                    "{snapshot}: {id}"
                );
            }
            None => assert_eq!(a, b, "{snapshot}: {id}: snapshot {a}, plan {b}"),
        }
    }
    assert_eq!(
        exposed_set(s, &[]),
        exposed_set(p, names),
        "{snapshot}: exposed"
    );
    for (qs, qp) in queries {
        let (cs, out_s, _) = nv(&["query", s, qs]);
        let (cp, out_p, _) = nv(&["query", p, qp]);
        assert_eq!(cs, cp, "{snapshot}: `{qs}`:\n{out_s}\n`{qp}`:\n{out_p}");
    }
}

/// The three hybrid checks on snapshots captured without `VpnGateways`:
/// the snapshot cannot show that no VGW exists (a gap, `unknown`); the
/// plan, taken as the whole network, knows there is none (`proven`).
const NO_VGW_CAPTURE: [(&str, &str, &str); 3] = [
    ("transit-encryption", "unknown", "proven"),
    ("ipsec-strength", "unknown", "proven"),
    ("on-prem-access", "unknown", "proven"),
];

/// test-nat-gateway: three instances with one group (tcp/22 and ICMP echo
/// from anywhere); only the jump host sits in the public subnet, so it
/// alone is exposed. The `.tf` routes the private subnet to the NAT
/// gateway through `gateway_id`, which the provider (and EC2) accept.
/// private-service-access: the snapshot has no S3 or DynamoDB prefix list,
/// but every internet address leaves through the gateways, so the leak is
/// certain (C-15.6, `violated`); the plan does not know its Region, and
/// the check asks for one before it looks at routes (`unknown`).
#[test]
fn oracle_nat_gateway_plan_gives_the_snapshot_verdicts() {
    let mut differ = NO_VGW_CAPTURE.to_vec();
    differ.push(("private-service-access", "violated", "unknown"));
    oracle(
        "test-nat-gateway",
        &[("aws_instance.jump_host", "jump-host")],
        &differ,
    );
}

/// test-vpc-endpoint-gateway: an S3 gateway endpoint on both route tables,
/// one group open on tcp/22, tcp/443, ICMP echo and traceroute; the public
/// instance is exposed. private-service-access cannot agree: the snapshot
/// knows the Region (us-east-1) and finds a leak, the plan does not know
/// its Region (the provider's `region` is not in the plan's resources),
/// so it cannot match the services' endpoints and says `unknown`.
#[test]
fn oracle_vpc_endpoint_gateway_plan_gives_the_snapshot_verdicts() {
    oracle(
        "test-vpc-endpoint-gateway",
        &[("aws_instance.instance_public[0]", "public-web01")],
        &[("private-service-access", "violated", "unknown")],
    );
}

/// The provider (and EC2's CreateRoute) accept a NAT gateway's id in a
/// route's `gateway_id`: the route targets the NAT gateway (it was a gap).
#[test]
fn nat_gateway_named_in_gateway_id_is_the_route_target() {
    let mut p = two_vpcs();
    p.known(
        "aws_nat_gateway.n",
        json!({"id": "nat-1", "subnet_id": "subnet-a", "connectivity_type": "private", "private_ip": "10.0.1.20"}),
    );
    route(&mut p, "a", "0.0.0.0/0", "gateway_id", "nat-1");
    let (code, yaml, err) = import(&p.write());
    assert_eq!(code, 0, "{err}");
    assert!(!err.contains("gateway_id"), "{err}");
    assert!(yaml.contains("target: aws_nat_gateway.n"), "{yaml}");
}

/// test-transit-gateway-asymmetric-paths: two VPCs, each attached to two
/// transit gateways that opt out of the default route table; each
/// gateway's own table associates one VPC and propagates the other, so
/// each direction crosses a different gateway. Both directions answer as
/// in the snapshot, and so does every check but private-service-access
/// (the plan's Region is not known).
#[test]
fn oracle_transit_gateway_asymmetric_plan_gives_the_snapshot_verdicts() {
    oracle_with_queries(
        "test-transit-gateway-asymmetric-paths",
        &[
            ("aws_instance.bat_web01[0]", "bat-web01"),
            ("aws_instance.fish_web01[0]", "fish-web01"),
        ],
        &[("private-service-access", "violated", "unknown")],
        &[
            (
                "can bat-web01 reach fish-web01 on tcp/22",
                "can aws_instance.bat_web01[0] reach aws_instance.fish_web01[0] on tcp/22",
            ),
            (
                "can fish-web01 reach bat-web01 on tcp/22",
                "can aws_instance.fish_web01[0] reach aws_instance.bat_web01[0] on tcp/22",
            ),
            (
                "can bat-web01 reach fish-web01 on tcp/80",
                "can aws_instance.bat_web01[0] reach aws_instance.fish_web01[0] on tcp/80",
            ),
        ],
    );
}

/// An `aws_instance` launched from a launch template takes the template's
/// groups (it was given the VPC's default group, hiding the template's
/// open port) and its public-address choice.
#[test]
fn bug_instance_from_launch_template_got_the_default_group() {
    let mut p = asg_plan("");
    p.changes.pop();
    p.config.pop();
    p.known(
        "aws_instance.web",
        json!({"id": "i-1", "subnet_id": "subnet-p", "private_ip": "10.0.1.10",
               "launch_template": [{"id": "lt-1", "name": "web", "version": "$Latest"}]}),
    );
    let (code, out, err) = nv(&["check", p.write().p(), "--check", "public-exposure"]);
    assert_eq!(code, 1, "{out}\n{err}");
    assert!(
        out.contains("aws_instance.web:eni") && out.contains("tcp/22"),
        "{out}"
    );
    // A template outside the plan: a gap naming the attribute.
    let mut p = asg_plan("");
    p.changes.pop();
    p.config.pop();
    p.changes.pop();
    p.config.pop();
    p.known(
        "aws_instance.web",
        json!({"id": "i-1", "subnet_id": "subnet-p", "private_ip": "10.0.1.10",
               "launch_template": [{"id": "lt-elsewhere"}]}),
    );
    let (code, out, err) = nv(&["check", p.write().p(), "--check", "public-exposure"]);
    assert_eq!(code, 3, "{out}\n{err}");
    assert!(out.contains("aws_instance.web.launch_template"), "{out}");
}

/// `--base` with a snapshot directory: a plan that adds a group open on
/// tcp/8080 and an instance with a public address in the snapshot's public
/// subnet (by their real ids) is exposed on tcp/8080, next to the
/// snapshot's own jump host; without a public address it is not.
#[test]
fn base_snapshot_directory_takes_the_plan_over_it() {
    let Some(dir) = field_data::aws_snapshots() else {
        return;
    };
    let snap = dir.join("networks/test-nat-gateway");
    let plan = |public: bool| {
        let subnet = "subnet-0428892a357fa1f94";
        let mut p = Plan::default();
        p.create(
            "aws_security_group.app",
            json!({"vpc_id": "vpc-0008a7b45e3ddf1dd", "ingress": [{"protocol": "tcp", "from_port": 8080, "to_port": 8080, "cidr_blocks": ["0.0.0.0/0"], "ipv6_cidr_blocks": [], "prefix_list_ids": [], "security_groups": [], "self": false}], "egress": []}),
            json!({"id": true}),
            json!({"vpc_id": {"constant_value": "vpc-0008a7b45e3ddf1dd"}}),
        )
        .create(
            "aws_instance.app",
            json!({"subnet_id": subnet, "associate_public_ip_address": public}),
            json!({"id": true, "private_ip": true, "public_ip": true, "vpc_security_group_ids": true}),
            json!({"subnet_id": {"constant_value": subnet}, "vpc_security_group_ids": refs("aws_security_group.app")}),
        );
        p.write()
    };
    let w = plan(true);
    let (code, out, err) = nv(&[
        "exposed",
        w.p(),
        "--base",
        snap.to_str().unwrap(),
        "--format",
        "json",
    ]);
    assert!([0, 3].contains(&code), "{out}\n{err}");
    let v: Value = serde_json::from_str(&out).unwrap();
    let shown: Vec<&str> = v["exposed"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["resource"].as_str().unwrap())
        .collect();
    assert!(shown.contains(&"aws_instance.app"), "{out}");
    assert!(shown.contains(&"jump-host"), "{out}");
    assert!(out.contains("\"8080\""), "{out}");
    let w = plan(false);
    let (_, out, err) = nv(&[
        "exposed",
        w.p(),
        "--base",
        snap.to_str().unwrap(),
        "--format",
        "json",
    ]);
    assert!(!out.contains("aws_instance.app"), "{out}\n{err}");
}

/// A peering the plan keeps whose `accept_status` is known and not
/// `active` (here `failed`) carries nothing, whatever its `auto_accept`.
#[test]
fn bug_known_peering_status_was_overridden_by_auto_accept() {
    let mut p = two_vpcs();
    peered(&mut p);
    let pcx = p
        .changes
        .iter_mut()
        .find(|c| c["address"] == "aws_vpc_peering_connection.ab")
        .unwrap();
    pcx["change"]["after"]["accept_status"] = json!("failed");
    let (code, out, err) = query(&p.write(), B_TO_A);
    assert_eq!(code, 1, "{out}\n{err}");
}

/// test-vpc-endpoint-interface: an interface endpoint in the private subnet
/// with the VPC's one group. Its interface (a stand-in address in the
/// plan, AWS's choice in the snapshot) answers as in the snapshot: the
/// public instance reaches it on tcp/443, not on tcp/8443, and the
/// internet does not reach it.
#[test]
fn oracle_vpc_endpoint_interface_plan_gives_the_snapshot_verdicts() {
    let eni = "aws_vpc_endpoint.testing_endpoint:eni:aws_subnet.testing_private_subnet";
    let snap_eni = "eni-0084b734451ba23ca";
    let q = |from: &str, to: &str, port: &str| format!("can {from} reach {to} on tcp/{port}");
    let plan_src = "aws_instance.instance_public[0]";
    let queries: Vec<(String, String)> = vec![
        (q("public-web01", snap_eni, "443"), q(plan_src, eni, "443")),
        (q("internet", snap_eni, "443"), q("internet", eni, "443")),
        (
            q("public-web01", snap_eni, "8443"),
            q(plan_src, eni, "8443"),
        ),
    ];
    let queries: Vec<(&str, &str)> = queries
        .iter()
        .map(|(a, b)| (a.as_str(), b.as_str()))
        .collect();
    oracle_with_queries(
        "test-vpc-endpoint-interface",
        &[("aws_instance.instance_public[0]", "public-web01")],
        &[("private-service-access", "violated", "unknown")],
        &queries,
    );
}

/// Every plan of the field corpus still gives a verdict (exit 0, 1 or 3)
/// with the new types read, laid over an empty base as well as alone.
#[test]
fn field_plans_give_a_verdict_over_an_empty_base() {
    let Some(dir) = field_data::terraform_plans() else {
        return;
    };
    let tmp = tempfile::tempdir().unwrap();
    let base = tmp.path().join("base.yaml");
    std::fs::write(&base, "version: 1\n").unwrap();
    let mut n = 0;
    for e in std::fs::read_dir(&dir).unwrap() {
        let plan = e.unwrap().path().join("plan.json");
        if !plan.is_file() {
            continue;
        }
        n += 1;
        let p = plan.to_str().unwrap();
        for args in [
            vec!["check", p],
            vec!["check", p, "--base", base.to_str().unwrap()],
        ] {
            let (code, out, err) = nv(&args);
            assert!(
                [0, 1, 3].contains(&code),
                "{args:?}: exit {code}\n{out}\n{err}"
            );
            assert!(!err.contains("panicked"), "{args:?}: {err}");
        }
    }
    assert!(n >= 20, "only {n} plans under `{}`", dir.display());
}

/// Two transit gateways peered (`_peering_attachment` and its
/// `_accepter`), each VPC on its own gateway, with static routes over the
/// peering in both gateways' default tables: b reaches a. Without the
/// accepter, the peer's end is missing and the answer is no.
#[test]
fn transit_gateway_peering_attachment_and_accepter_carry_traffic() {
    let build = |accepter: bool| {
        let mut p = two_vpcs();
        for (t, x) in [("t1", "a"), ("t2", "b")] {
            p.known(
                &format!("aws_ec2_transit_gateway.{t}"),
                json!({"id": format!("tgw-{t}"), "default_route_table_association": "enable", "default_route_table_propagation": "enable", "association_default_route_table_id": format!("tgw-rtb-{t}")}),
            )
            .known(
                &format!("aws_ec2_transit_gateway_vpc_attachment.{x}"),
                json!({"id": format!("tgw-attach-{x}"), "transit_gateway_id": format!("tgw-{t}"), "vpc_id": format!("vpc-{x}"), "subnet_ids": [format!("subnet-{x}")]}),
            );
            let other = if x == "a" {
                "10.1.0.0/16"
            } else {
                "10.0.0.0/16"
            };
            route(&mut p, x, other, "transit_gateway_id", &format!("tgw-{t}"));
        }
        p.known(
            "aws_ec2_transit_gateway_peering_attachment.p",
            json!({"id": "tgw-attach-peer", "transit_gateway_id": "tgw-t2", "peer_transit_gateway_id": "tgw-t1"}),
        );
        if accepter {
            // Both ends have the attachment's id.
            p.known(
                "aws_ec2_transit_gateway_peering_attachment_accepter.p",
                json!({"id": "tgw-attach-peer", "transit_gateway_attachment_id": "tgw-attach-peer"}),
            );
        }
        // Static routes over the peering in each default table, named by
        // the default table's id and through the gateway.
        p.known(
            "aws_ec2_transit_gateway_route.t1",
            json!({"id": "r1", "transit_gateway_route_table_id": "tgw-rtb-t1", "destination_cidr_block": "10.1.0.0/16", "transit_gateway_attachment_id": "tgw-attach-peer"}),
        )
        .create(
            "aws_ec2_transit_gateway_route.t2",
            json!({"destination_cidr_block": "10.0.0.0/16", "transit_gateway_attachment_id": "tgw-attach-peer"}),
            json!({"id": true, "transit_gateway_route_table_id": true}),
            json!({"transit_gateway_route_table_id": {"references": ["aws_ec2_transit_gateway.t2.association_default_route_table_id", "aws_ec2_transit_gateway.t2"]}}),
        );
        p
    };
    let (code, out, err) = query(&build(true).write(), B_TO_A);
    assert_eq!(code, 0, "{out}\n{err}");
    // Without the accepter the peering is pending and the route on the
    // accepter's gateway names no attachment there: unknown, never yes.
    let (code, out, err) = query(&build(false).write(), B_TO_A);
    assert_eq!(code, 3, "{out}\n{err}");
}
