//! `netverify check plan.json` and `import terraform`: Terraform plans
//! (`terraform show -json`) as input. The field corpus (every plan gives a
//! verdict, spot checks against what its `.tf` intends), the AWS provider's
//! semantics on hand-written plans (`tests/fixtures/terraform/aws`), the
//! document's edge cases, secrets, and structural plans generated with
//! `terraform_data` (`tests/fixtures/terraform/structural`, see
//! `regenerate.sh`).

#![allow(
    clippy::unwrap_used,
    clippy::panic,
    reason = "a test fails by panicking"
)]

use std::path::{Path, PathBuf};

use serde_json::{Value, json};

#[path = "common/field_data.rs"]
mod field_data;
#[path = "common/run.rs"]
mod run;
use run::run;

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/terraform")
        .join(name)
}

/// The base hand-written plan: one VPC, a public subnet whose table routes
/// to an internet gateway through an `aws_route`, a group open on tcp/22,
/// and an instance; every id unknown and resolved through the
/// configuration.
fn base() -> Value {
    let text = std::fs::read_to_string(fixture("aws/public-instance.json")).unwrap();
    serde_json::from_str(&text).unwrap()
}

/// A plan written to a temporary file.
struct Written {
    _dir: tempfile::TempDir,
    path: PathBuf,
}

impl Written {
    fn p(&self) -> &str {
        self.path.to_str().unwrap()
    }
}

fn write_bytes(bytes: &[u8]) -> Written {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("plan.json");
    std::fs::write(&path, bytes).unwrap();
    Written { _dir: dir, path }
}

fn write(plan: &Value) -> Written {
    write_bytes(serde_json::to_string_pretty(plan).unwrap().as_bytes())
}

/// The resource change with this address.
fn rc<'a>(plan: &'a mut Value, address: &str) -> &'a mut Value {
    plan["resource_changes"]
        .as_array_mut()
        .unwrap()
        .iter_mut()
        .find(|r| r["address"] == address)
        .unwrap()
}

/// The root module's configuration of this resource.
fn conf<'a>(plan: &'a mut Value, address: &str) -> &'a mut Value {
    plan["configuration"]["root_module"]["resources"]
        .as_array_mut()
        .unwrap()
        .iter_mut()
        .find(|r| r["address"] == address)
        .unwrap()
}

/// Add a resource change and its configuration.
fn add(plan: &mut Value, change: Value, config: Value) {
    plan["resource_changes"]
        .as_array_mut()
        .unwrap()
        .push(change);
    plan["configuration"]["root_module"]["resources"]
        .as_array_mut()
        .unwrap()
        .push(config);
}

fn refs(to: &str) -> Value {
    json!({"references": [format!("{to}.id"), to]})
}

fn created(address: &str, kind: &str, after: Value, unknown: Value) -> Value {
    let name = address.rsplit('.').next().unwrap();
    json!({
        "address": address, "mode": "managed", "type": kind, "name": name,
        "change": {"actions": ["create"], "before": null, "after": after, "after_unknown": unknown, "after_sensitive": {}}
    })
}

fn config(address: &str, kind: &str, expressions: Value) -> Value {
    let name = address.rsplit('.').next().unwrap();
    json!({"address": address, "mode": "managed", "type": kind, "name": name, "expressions": expressions})
}

fn import(plan: &Written) -> (i32, String, String) {
    run(&["import", "terraform", plan.p()])
}

fn check(plan: &Written) -> (i32, String, String) {
    run(&["check", plan.p(), "--check", "public-exposure"])
}

// ---------------------------------------------------------------- field data

/// Every plan of the field corpus gives a verdict: exit 0, 1 or 3, never an
/// input error or a panic.
#[test]
fn field_plans_all_give_a_verdict() {
    let Some(dir) = field_data::terraform_plans() else {
        return;
    };
    let mut plans: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap()
        .filter_map(|e| e.ok().map(|e| e.path().join("plan.json")))
        .filter(|p| p.is_file())
        .collect();
    plans.sort();
    assert!(
        plans.len() >= 20,
        "only {} plans under `{}`",
        plans.len(),
        dir.display()
    );
    for p in &plans {
        let (code, out, err) = run(&["check", p.to_str().unwrap()]);
        assert!(
            [0, 1, 3].contains(&code),
            "`{}`: exit {code}\n{out}\n{err}",
            p.display()
        );
        assert!(
            !err.contains("panicked"),
            "`{}` panicked: {err}",
            p.display()
        );
    }
}

fn field_plan(name: &str) -> Option<PathBuf> {
    Some(field_data::terraform_plans()?.join(name).join("plan.json"))
}

/// regula-sg-ingress-anywhere: the `.tf` makes five groups open to
/// 0.0.0.0/0 (all ports, 442-444, 79-81, 443, 80) and nothing else. The
/// groups set no `vpc_id`, so AWS puts them in the default VPC, which the
/// plan does not hold, and no interface of the plan carries them: a group
/// alone is no path, so public exposure is proven, and each group is named
/// as left out.
#[test]
fn field_regula_open_groups_without_an_interface_expose_nothing() {
    let Some(p) = field_plan("regula-sg-ingress-anywhere") else {
        return;
    };
    let (code, out, err) = run(&["check", p.to_str().unwrap(), "--check", "public-exposure"]);
    assert_eq!(code, 0, "{out}\n{err}");
    for sg in [
        "invalid_allow_all",
        "invalid_include_443",
        "invalid_include_80",
        "valid_exact_443",
        "valid_exact_80",
    ] {
        assert!(
            err.contains(&format!("`aws_security_group.{sg}` is left out")),
            "{sg}: {err}"
        );
    }
    assert!(err.contains("default VPC"), "{err}");
}

/// checkov-terragoat-mixed: TerraGoat is insecure on purpose; its web host
/// sits in a public subnet (route to the internet gateway) with a public
/// address and a group open to the internet, so it is exposed.
#[test]
fn field_terragoat_web_host_is_exposed() {
    let Some(p) = field_plan("checkov-terragoat-mixed") else {
        return;
    };
    let (code, out, err) = run(&["check", p.to_str().unwrap(), "--check", "public-exposure"]);
    assert_eq!(code, 1, "{out}\n{err}");
    assert!(out.contains("aws_instance.web_host:eni"), "{out}");
}

/// precloud-vpc-with-nat: the public subnet's table routes 0.0.0.0/0 to
/// the internet gateway, the private one's to the NAT gateway, and the
/// isolated one has local routes only; every id is unknown before apply.
#[test]
fn field_precloud_routes_follow_configuration_references() {
    let Some(p) = field_plan("precloud-vpc-with-nat") else {
        return;
    };
    let (code, yaml, err) = run(&["import", "terraform", p.to_str().unwrap()]);
    assert_eq!(code, 0, "{err}");
    let topo: Value = serde_saphyr::from_str(&yaml).unwrap();
    let tables = topo["route_tables"].as_array().unwrap();
    let targets: Vec<String> = tables
        .iter()
        .flat_map(|t| t["routes"].as_array().cloned().unwrap_or_default())
        .map(|r| r["target"].as_str().unwrap().to_owned())
        .collect();
    assert!(
        targets.contains(&"aws_internet_gateway.ts_aws_internet_gateway".to_owned()),
        "{yaml}"
    );
    assert!(
        targets.contains(&"aws_nat_gateway.ts_aws_nat_gateway".to_owned()),
        "{yaml}"
    );
    let subnets = topo["subnets"].as_array().unwrap();
    assert_eq!(subnets.len(), 3, "{yaml}");
    assert!(topo["gaps"].as_array().is_none_or(Vec::is_empty), "{yaml}");
}

/// precloud-vpc-module-nat: the NAT gateways pick their subnet with
/// `each.key` among `for_each` instances; that is not evaluated yet, so it
/// is a gap naming the attribute, and the verdict is unknown, not a pass.
#[test]
fn field_for_each_choice_is_a_gap_naming_the_attribute() {
    let Some(p) = field_plan("precloud-vpc-module-nat") else {
        return;
    };
    let (code, out, err) = run(&["check", p.to_str().unwrap(), "--check", "public-exposure"]);
    assert_eq!(code, 3, "{out}\n{err}");
    assert!(
        out.contains("`module.my_vpc.aws_nat_gateway.ts_aws_nat_gateway[\\\"us-east-1a\\\"].subnet_id` is known only after apply")
            || out.contains("`module.my_vpc.aws_nat_gateway.ts_aws_nat_gateway[\"us-east-1a\"].subnet_id` is known only after apply"),
        "{out}"
    );
}

/// tfc-vpn-cgw-vgw-nat: the customer gateway and VPN gateway are read.
#[test]
fn field_vpn_gateways_are_read() {
    let Some(p) = field_plan("tfc-vpn-cgw-vgw-nat") else {
        return;
    };
    let (code, yaml, err) = run(&["import", "terraform", p.to_str().unwrap()]);
    assert_eq!(code, 0, "{err}");
    assert!(yaml.contains("customer_gateways:"), "{yaml}");
    assert!(yaml.contains("vpn_gateways:"), "{yaml}");
}

// ------------------------------------------------------ provider semantics

/// The base plan: the route comes from `aws_route` (the table's `route` is
/// unknown and not configured), the instance's public address from the
/// subnet's `map_public_ip_on_launch`, every id through the configuration.
#[test]
fn plan_instance_in_public_subnet_is_exposed_through_references() {
    let w = write(&base());
    let (code, out, err) = check(&w);
    assert_eq!(code, 1, "{out}\n{err}");
    assert!(out.contains("aws_instance.web:eni"), "{out}");
    assert!(out.contains("tcp/22 from 0.0.0.0/0"), "{out}");
    let (_, yaml, _) = import(&w);
    assert!(yaml.contains("target: aws_internet_gateway.gw"), "{yaml}");
}

/// A new `aws_security_group` loses AWS's default allow-all egress: with no
/// `egress` given, the instance reaches nothing outside.
#[test]
fn new_security_group_without_egress_has_none() {
    let w = write(&base());
    let (code, out, _) = run(&[
        "query",
        w.p(),
        "can aws_instance.web:eni reach internet on tcp/443",
    ]);
    assert_eq!(code, 1, "{out}");
    // With an egress block, it does.
    let mut plan = base();
    let sg = rc(&mut plan, "aws_security_group.web");
    sg["change"]["after"]["egress"] = json!([{"protocol": "-1", "from_port": 0, "to_port": 0, "cidr_blocks": ["0.0.0.0/0"], "ipv6_cidr_blocks": [], "prefix_list_ids": [], "security_groups": [], "self": false}]);
    sg["change"]["after_unknown"]["egress"] = json!([{"cidr_blocks": [false]}]);
    conf(&mut plan, "aws_security_group.web")["expressions"]["egress"] =
        json!([{"protocol": {"constant_value": "-1"}}]);
    let w = write(&plan);
    let (code, out, _) = run(&[
        "query",
        w.p(),
        "can aws_instance.web:eni reach internet on tcp/443",
    ]);
    assert_eq!(code, 0, "{out}");
}

/// An instance with no group gets the VPC's default group: AWS's own
/// (inbound from itself only) unless the plan has an
/// `aws_default_security_group`, whose rules replace it.
#[test]
fn default_security_group_rules_replace_the_defaults() {
    let mut plan = base();
    conf(&mut plan, "aws_instance.web")["expressions"]
        .as_object_mut()
        .unwrap()
        .remove("vpc_security_group_ids");
    let w = write(&plan);
    let (code, out, err) = check(&w);
    assert_eq!(
        code, 0,
        "AWS's default group is closed to the internet\n{out}\n{err}"
    );
    add(
        &mut plan,
        created(
            "aws_default_security_group.default",
            "aws_default_security_group",
            json!({"ingress": [{"protocol": "tcp", "from_port": 3389, "to_port": 3389, "cidr_blocks": ["0.0.0.0/0"], "ipv6_cidr_blocks": [], "prefix_list_ids": [], "security_groups": [], "self": false}]}),
            json!({"id": true, "vpc_id": true, "egress": true}),
        ),
        config(
            "aws_default_security_group.default",
            "aws_default_security_group",
            json!({"vpc_id": refs("aws_vpc.main"), "ingress": [{"protocol": {"constant_value": "tcp"}}]}),
        ),
    );
    let w = write(&plan);
    let (code, out, err) = check(&w);
    assert_eq!(code, 1, "{out}\n{err}");
    assert!(out.contains("tcp/3389"), "{out}");
    assert!(!out.contains("tcp/22 "), "{out}");
}

/// Inline rules and an `aws_security_group_rule` on the same group
/// overwrite each other: a gap on the group, so the verdict is unknown.
#[test]
fn inline_and_standalone_security_group_rules_are_a_gap() {
    let mut plan = base();
    add(
        &mut plan,
        created(
            "aws_security_group_rule.extra",
            "aws_security_group_rule",
            json!({"type": "ingress", "protocol": "tcp", "from_port": 443, "to_port": 443, "cidr_blocks": ["0.0.0.0/0"]}),
            json!({"id": true, "security_group_id": true}),
        ),
        config(
            "aws_security_group_rule.extra",
            "aws_security_group_rule",
            json!({"security_group_id": refs("aws_security_group.web")}),
        ),
    );
    let w = write(&plan);
    let (code, out, err) = check(&w);
    assert_ne!(code, 0, "{out}\n{err}");
    assert!(
        out.contains("inline rules and standalone rule resources"),
        "{out}"
    );
    // The same rule as a `aws_vpc_security_group_ingress_rule` on a group
    // without inline rules is read, with no gap.
    let mut plan = base();
    let sg = rc(&mut plan, "aws_security_group.web");
    sg["change"]["after"]["ingress"] = json!([]);
    conf(&mut plan, "aws_security_group.web")["expressions"]
        .as_object_mut()
        .unwrap()
        .remove("ingress");
    add(
        &mut plan,
        created(
            "aws_vpc_security_group_ingress_rule.https",
            "aws_vpc_security_group_ingress_rule",
            json!({"ip_protocol": "tcp", "from_port": 443, "to_port": 443, "cidr_ipv4": "0.0.0.0/0"}),
            json!({"id": true, "security_group_id": true}),
        ),
        config(
            "aws_vpc_security_group_ingress_rule.https",
            "aws_vpc_security_group_ingress_rule",
            json!({"security_group_id": refs("aws_security_group.web")}),
        ),
    );
    let w = write(&plan);
    let (code, out, err) = check(&w);
    assert_eq!(code, 1, "{out}\n{err}");
    assert!(out.contains("tcp/443 from 0.0.0.0/0"), "{out}");
    assert!(!out.contains("tcp/22 "), "{out}");
}

/// Inline routes and an `aws_route` on the same table: a gap.
#[test]
fn inline_routes_and_aws_route_on_one_table_are_a_gap() {
    let mut plan = base();
    conf(&mut plan, "aws_route_table.public")["expressions"]["route"] =
        json!([{"cidr_block": {"constant_value": "10.9.0.0/16"}}]);
    let w = write(&plan);
    let (code, out, err) = check(&w);
    assert_eq!(code, 3, "{out}\n{err}");
    assert!(
        out.contains("inline routes and `aws_route` resources"),
        "{out}"
    );
}

/// `associate_public_ip_address = false` overrides the subnet's
/// `map_public_ip_on_launch`; an Elastic IP then gives the address back.
#[test]
fn public_address_from_instance_flag_and_elastic_ip() {
    let mut plan = base();
    let i = rc(&mut plan, "aws_instance.web");
    i["change"]["after"]["associate_public_ip_address"] = json!(false);
    i["change"]["after_unknown"]
        .as_object_mut()
        .unwrap()
        .remove("associate_public_ip_address");
    conf(&mut plan, "aws_instance.web")["expressions"]["associate_public_ip_address"] =
        json!({"constant_value": false});
    let w = write(&plan);
    let (code, out, err) = check(&w);
    assert_eq!(code, 0, "{out}\n{err}");
    add(
        &mut plan,
        created(
            "aws_eip.web",
            "aws_eip",
            json!({"domain": "vpc"}),
            json!({"id": true, "public_ip": true, "instance": true, "allocation_id": true}),
        ),
        config(
            "aws_eip.web",
            "aws_eip",
            json!({"instance": refs("aws_instance.web")}),
        ),
    );
    let w = write(&plan);
    let (code, out, err) = check(&w);
    assert_eq!(code, 1, "{out}\n{err}");
    assert!(out.contains("aws_instance.web:eni"), "{out}");
}

/// `map_public_ip_on_launch` known only after apply (it comes from a
/// variable of the root module): a gap naming the attribute, never a pass.
#[test]
fn unknown_public_ip_decision_is_a_gap_naming_the_attribute() {
    let mut plan = base();
    let s = rc(&mut plan, "aws_subnet.public");
    s["change"]["after"]
        .as_object_mut()
        .unwrap()
        .remove("map_public_ip_on_launch");
    s["change"]["after_unknown"]["map_public_ip_on_launch"] = json!(true);
    // And the instance's group closed, so only the gap can stop a pass.
    let sg = rc(&mut plan, "aws_security_group.web");
    sg["change"]["after"]["ingress"][0]["cidr_blocks"] = json!(["10.0.0.0/8"]);
    let w = write(&plan);
    let (code, yaml, _) = import(&w);
    assert_eq!(code, 0);
    assert!(
        yaml.contains("`aws_subnet.public.map_public_ip_on_launch` is known only after apply"),
        "{yaml}"
    );
}

/// A reference chosen by `count.index` among several instances is not
/// evaluated yet: a gap naming the attribute, and the verdict is unknown.
#[test]
fn count_index_choice_is_a_gap() {
    let mut plan = base();
    for k in 0..2 {
        let mut s = rc(&mut plan, "aws_subnet.public").clone();
        s["address"] = json!(format!("aws_subnet.multi[{k}]"));
        s["name"] = json!("multi");
        s["index"] = json!(k);
        s["change"]["after"]["cidr_block"] = json!(format!("10.0.{}.0/24", 10 + k));
        plan["resource_changes"].as_array_mut().unwrap().push(s);
    }
    let mut c = conf(&mut plan, "aws_subnet.public").clone();
    c["address"] = json!("aws_subnet.multi");
    c["name"] = json!("multi");
    plan["configuration"]["root_module"]["resources"]
        .as_array_mut()
        .unwrap()
        .push(c);
    conf(&mut plan, "aws_instance.web")["expressions"]["subnet_id"] =
        json!({"references": ["aws_subnet.multi", "count.index"]});
    let w = write(&plan);
    let (code, out, err) = check(&w);
    assert_eq!(code, 3, "{out}\n{err}");
    assert!(
        out.contains("`aws_instance.web.subnet_id` is known only after apply: it is chosen by `count.index` or `each.key` among 2 instances"),
        "{out}"
    );
}

/// A subnet in a module, placed through `var.vpc_id`, and an instance
/// placed through the module's output.
#[test]
fn references_cross_module_inputs_and_outputs() {
    let mut plan = base();
    let s = rc(&mut plan, "aws_subnet.public");
    s["address"] = json!("module.net.aws_subnet.public");
    s["module_address"] = json!("module.net");
    let sub_conf = conf(&mut plan, "aws_subnet.public").clone();
    let all = plan["configuration"]["root_module"]["resources"]
        .as_array_mut()
        .unwrap();
    all.retain(|r| r["address"] != "aws_subnet.public");
    let mut sub_conf = sub_conf;
    sub_conf["expressions"]["vpc_id"] = json!({"references": ["var.vpc_id"]});
    plan["configuration"]["root_module"]["module_calls"] = json!({
        "net": {
            "source": "./net",
            "expressions": {"vpc_id": refs("aws_vpc.main")},
            "module": {
                "resources": [sub_conf],
                "outputs": {"subnet_id": {"expression": refs("aws_subnet.public")}}
            }
        }
    });
    for a in ["aws_instance.web", "aws_route_table_association.public"] {
        conf(&mut plan, a)["expressions"]["subnet_id"] =
            json!({"references": ["module.net.subnet_id", "module.net"]});
    }
    let w = write(&plan);
    let (code, out, err) = check(&w);
    assert_eq!(code, 1, "{out}\n{err}");
    let (_, yaml, _) = import(&w);
    assert!(
        yaml.contains("subnet: module.net.aws_subnet.public"),
        "{yaml}"
    );
}

/// Deletes and forgets are out of the network after apply.
#[test]
fn deleted_and_forgotten_resources_are_out() {
    for action in ["delete", "forget"] {
        let mut plan = base();
        rc(&mut plan, "aws_instance.web")["change"]["actions"] = json!([action]);
        let w = write(&plan);
        let (code, out, err) = check(&w);
        assert_eq!(code, 0, "{action}: {out}\n{err}");
        assert!(
            err.contains("1 resources that the plan deletes or forgets are left out"),
            "{err}"
        );
    }
    // A replacement is in.
    let mut plan = base();
    rc(&mut plan, "aws_instance.web")["change"]["actions"] = json!(["delete", "create"]);
    let (code, _, _) = check(&write(&plan));
    assert_eq!(code, 1);
}

// ------------------------------------------------------ the document itself

/// `errored: true` never passes.
#[test]
fn errored_plan_never_passes() {
    let mut plan = base();
    rc(&mut plan, "aws_instance.web")["change"]["actions"] = json!(["delete"]);
    plan["errored"] = json!(true);
    let (code, out, _) = check(&write(&plan));
    assert_eq!(code, 3, "{out}");
    assert!(out.contains("errored"), "{out}");
}

/// `complete: false` is said in the output and decides nothing.
#[test]
fn incomplete_plan_says_so() {
    let mut plan = base();
    rc(&mut plan, "aws_instance.web")["change"]["actions"] = json!(["delete"]);
    plan["complete"] = json!(false);
    let (code, out, _) = check(&write(&plan));
    assert_eq!(code, 3, "{out}");
    assert!(out.contains("incomplete (`complete: false`)"), "{out}");
}

/// An unknown major format version is an input error naming the field
/// and the value; unknown keys are ignored.
#[test]
fn unknown_major_version_is_rejected_and_unknown_keys_ignored() {
    let mut plan = base();
    plan["format_version"] = json!("2.0");
    let (code, _, err) = check(&write(&plan));
    assert_eq!(code, 2);
    assert!(err.contains("format_version"), "{err}");
    assert!(err.contains("\"2.0\""), "{err}");
    assert!(err.contains("help:"), "{err}");
    let mut plan = base();
    plan["some_future_key"] = json!({"x": 1});
    rc(&mut plan, "aws_vpc.main")["future"] = json!(true);
    let (code, _, err) = check(&write(&plan));
    assert_eq!(code, 1, "{err}");
}

/// UTF-8 and UTF-16 byte order marks are accepted (PowerShell writes
/// UTF-16), and give the same topology.
#[test]
fn byte_order_marks_are_accepted() {
    let text = serde_json::to_string(&base()).unwrap();
    let (_, plain, _) = import(&write_bytes(text.as_bytes()));
    let mut utf8 = vec![0xEF, 0xBB, 0xBF];
    utf8.extend_from_slice(text.as_bytes());
    let mut le = vec![0xFF, 0xFE];
    let mut be = vec![0xFE, 0xFF];
    for u in text.encode_utf16() {
        le.extend_from_slice(&u.to_le_bytes());
        be.extend_from_slice(&u.to_be_bytes());
    }
    for bytes in [utf8, le, be] {
        let w = write_bytes(&bytes);
        let (code, yaml, err) = import(&w);
        assert_eq!(code, 0, "{err}");
        assert_eq!(yaml, plain);
        // Recognised by content for `check` too.
        assert_eq!(check(&w).0, 1);
    }
}

/// Malformed JSON: file, line and column, exit 2.
#[test]
fn malformed_plan_names_line_and_column() {
    let w = write_bytes(b"{\n  \"format_version\": \"1.2\",\n  \"resource_changes\": [,]\n}\n");
    let (code, _, err) = import(&w);
    assert_eq!(code, 2);
    assert!(err.contains("plan.json:3:"), "{err}");
    // `check` recognises it as a plan by its keys, so the plan reader, not
    // the topology loader, reports it.
    let (code, _, err) = check(&w);
    assert_eq!(code, 2);
    assert!(err.contains("malformed json"), "{err}");
    assert!(err.contains("plan.json:3:"), "{err}");
}

/// Values marked sensitive, and VPN pre-shared keys whether marked or not,
/// never reach any output.
#[test]
fn sensitive_values_and_preshared_keys_never_reach_output() {
    let mut plan = base();
    let v = rc(&mut plan, "aws_vpc.main");
    v["change"]["after"]["tags"] = json!({"Name": "main", "Owner": "SENSITIVE-TAG-VALUE-1"});
    v["change"]["after_sensitive"] = json!({"tags": {"Owner": true}});
    add(
        &mut plan,
        created(
            "aws_vpn_connection.site",
            "aws_vpn_connection",
            json!({"type": "ipsec.1", "tunnel1_preshared_key": "PSK-NEVER-SHOWN-1", "tunnel2_preshared_key": "PSK-NEVER-SHOWN-2", "static_routes_only": true}),
            json!({"id": true, "customer_gateway_id": true}),
        ),
        config(
            "aws_vpn_connection.site",
            "aws_vpn_connection",
            json!({"tunnel1_preshared_key": {"constant_value": "PSK-NEVER-SHOWN-1"}}),
        ),
    );
    let w = write(&plan);
    let outputs = [
        import(&w),
        run(&["check", w.p()]),
        run(&["check", w.p(), "--format", "json"]),
        run(&["check", w.p(), "--format", "sarif"]),
        run(&["exposed", w.p()]),
        run(&["query", w.p(), "can internet reach aws_instance.web:eni"]),
    ];
    for (_, out, err) in &outputs {
        for secret in ["SENSITIVE-TAG-VALUE-1", "PSK-NEVER-SHOWN"] {
            assert!(
                !out.contains(secret) && !err.contains(secret),
                "{secret} leaked:\n{out}\n{err}"
            );
        }
    }
    // The unread VPN connection is a gap, not a silent pass.
    assert!(
        outputs[1].1.contains("aws_vpn_connection.site"),
        "{}",
        outputs[1].1
    );
}

// ------------------------------------------------ structural (terraform_data)

/// The plans generated with `terraform_data` (modules, `count`,
/// `for_each`, an update against prior state, and a binary plan shown as
/// JSON) all read: their resources are not network resources, so each is
/// listed as skipped, and nothing is a gap.
#[test]
fn structural_plans_from_terraform_read() {
    let dir = fixture("structural");
    for name in ["create.json", "update.json"] {
        let w = dir.join(name);
        let (code, yaml, err) = run(&["import", "terraform", w.to_str().unwrap()]);
        assert_eq!(code, 0, "{name}: {err}");
        assert!(err.contains("`terraform_data`"), "{name}: {err}");
        assert!(!yaml.contains("gaps:"), "{name}: {yaml}");
        let (code, _, err) = run(&["check", w.to_str().unwrap()]);
        assert_eq!(code, 0, "{name}: {err}");
    }
}

/// The update plan (made against applied state) keeps no-ops in and
/// leaves deletes out.
#[test]
fn structural_update_plan_counts_deletes() {
    let w = fixture("structural/update.json");
    let text = std::fs::read_to_string(&w).unwrap();
    let plan: Value = serde_json::from_str(&text).unwrap();
    assert!(
        plan.get("prior_state").is_some(),
        "the fixture is an update"
    );
    let deletes = plan["resource_changes"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["change"]["actions"] == json!(["delete"]))
        .count();
    assert!(deletes > 0);
    let (_, _, err) = run(&["import", "terraform", w.to_str().unwrap()]);
    assert!(
        err.contains(&format!(
            "{deletes} resources that the plan deletes or forgets are left out"
        )),
        "{err}"
    );
}

/// A binary `plan.out` is not JSON: `check` says what to run.
#[test]
fn binary_plan_file_is_an_input_error_saying_what_to_run() {
    let w = fixture("structural/plan.out");
    let (code, _, err) = run(&["check", w.to_str().unwrap()]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("binary Terraform plan"), "{err}");
    assert!(err.contains("help: run `terraform show -json"), "{err}");
}

/// A new `aws_network_acl` without rules denies everything; with rules,
/// they decide (stateless: replies need the egress rule).
#[test]
fn new_network_acl_without_rules_denies_everything() {
    let mut plan = base();
    add(
        &mut plan,
        created(
            "aws_network_acl.public",
            "aws_network_acl",
            json!({}),
            json!({"id": true, "vpc_id": true, "subnet_ids": true, "ingress": true, "egress": true}),
        ),
        config(
            "aws_network_acl.public",
            "aws_network_acl",
            json!({"vpc_id": refs("aws_vpc.main"), "subnet_ids": {"references": ["aws_subnet.public.id", "aws_subnet.public"]}}),
        ),
    );
    let w = write(&plan);
    let (code, out, err) = check(&w);
    assert_eq!(code, 0, "{out}\n{err}");
    for (name, egress, n, ports) in [
        ("in", false, 100, (22, 22)),
        ("out", true, 100, (1024, 65535)),
    ] {
        add(
            &mut plan,
            created(
                &format!("aws_network_acl_rule.{name}"),
                "aws_network_acl_rule",
                json!({"rule_number": n, "egress": egress, "protocol": "tcp", "rule_action": "allow", "cidr_block": "0.0.0.0/0", "from_port": ports.0, "to_port": ports.1}),
                json!({"id": true, "network_acl_id": true}),
            ),
            config(
                &format!("aws_network_acl_rule.{name}"),
                "aws_network_acl_rule",
                json!({"network_acl_id": refs("aws_network_acl.public")}),
            ),
        );
    }
    let w = write(&plan);
    let (code, out, err) = check(&w);
    assert_eq!(code, 1, "{out}\n{err}");
}

/// `aws_default_network_acl` replaces the default NACL's rules: with none
/// given, the subnets that use it get nothing in.
#[test]
fn default_network_acl_replaces_the_default_rules() {
    let mut plan = base();
    add(
        &mut plan,
        created(
            "aws_default_network_acl.default",
            "aws_default_network_acl",
            json!({}),
            json!({"id": true, "vpc_id": true, "default_network_acl_id": true, "subnet_ids": true, "ingress": true, "egress": true}),
        ),
        config(
            "aws_default_network_acl.default",
            "aws_default_network_acl",
            json!({"default_network_acl_id": {"references": ["aws_vpc.main.default_network_acl_id", "aws_vpc.main"]}}),
        ),
    );
    let w = write(&plan);
    let (code, out, err) = check(&w);
    assert_eq!(code, 0, "{out}\n{err}");
    let (_, yaml, _) = import(&w);
    assert!(yaml.contains("default: true"), "{yaml}");
}

/// `aws_default_route_table` is the VPC's main table: a subnet without an
/// association uses it, with exactly its routes.
#[test]
fn default_route_table_is_the_main_table() {
    let mut plan = base();
    let all = plan["resource_changes"].as_array_mut().unwrap();
    all.retain(|r| {
        r["address"] != "aws_route_table_association.public" && r["address"] != "aws_route.default"
    });
    let w = write(&plan);
    let (_, out, _) = check(&w);
    // Inbound is delivered without the table (C-6.4); replies need a route.
    assert!(
        out.contains("replies are dropped on the return path"),
        "{out}"
    );
    add(
        &mut plan,
        created(
            "aws_default_route_table.main",
            "aws_default_route_table",
            json!({"route": [{"cidr_block": "0.0.0.0/0", "ipv6_cidr_block": "", "nat_gateway_id": ""}]}),
            json!({"id": true, "vpc_id": true, "default_route_table_id": true, "route": [{"gateway_id": true}]}),
        ),
        config(
            "aws_default_route_table.main",
            "aws_default_route_table",
            json!({
                "default_route_table_id": {"references": ["aws_vpc.main.default_route_table_id", "aws_vpc.main"]},
                "route": [{"cidr_block": {"constant_value": "0.0.0.0/0"}, "gateway_id": refs("aws_internet_gateway.gw")}]
            }),
        ),
    );
    let w = write(&plan);
    let (code, out, err) = check(&w);
    assert_eq!(code, 1, "{out}\n{err}");
    assert!(out.contains("TCP sessions can complete"), "{out}");
    let (_, yaml, _) = import(&w);
    assert!(yaml.contains("main: true"), "{yaml}");
}

/// An internet-facing ALB with a listener forwarding to a target group
/// whose target is the instance: the ALB is exposed on its listener port.
#[test]
fn load_balancer_listener_and_target_group_are_read() {
    let mut plan = base();
    let sg = rc(&mut plan, "aws_security_group.web");
    sg["change"]["after"]["ingress"][0]["from_port"] = json!(80);
    sg["change"]["after"]["ingress"][0]["to_port"] = json!(80);
    let resources = [
        (
            created(
                "aws_lb.web",
                "aws_lb",
                json!({"internal": false, "load_balancer_type": "application"}),
                json!({"id": true, "arn": true, "subnets": true, "security_groups": true}),
            ),
            config(
                "aws_lb.web",
                "aws_lb",
                json!({"subnets": {"references": ["aws_subnet.public.id", "aws_subnet.public"]}, "security_groups": {"references": ["aws_security_group.web.id", "aws_security_group.web"]}}),
            ),
        ),
        (
            created(
                "aws_lb_target_group.web",
                "aws_lb_target_group",
                json!({"port": 8080, "protocol": "HTTP", "target_type": "instance"}),
                json!({"id": true, "arn": true, "vpc_id": true}),
            ),
            config(
                "aws_lb_target_group.web",
                "aws_lb_target_group",
                json!({"vpc_id": refs("aws_vpc.main")}),
            ),
        ),
        (
            created(
                "aws_lb_listener.http",
                "aws_lb_listener",
                json!({"port": 80, "protocol": "HTTP", "default_action": [{"type": "forward"}]}),
                json!({"id": true, "arn": true, "load_balancer_arn": true, "default_action": [{"target_group_arn": true}]}),
            ),
            config(
                "aws_lb_listener.http",
                "aws_lb_listener",
                json!({"load_balancer_arn": {"references": ["aws_lb.web.arn", "aws_lb.web"]}, "default_action": [{"target_group_arn": {"references": ["aws_lb_target_group.web.arn", "aws_lb_target_group.web"]}}]}),
            ),
        ),
        (
            created(
                "aws_lb_target_group_attachment.web",
                "aws_lb_target_group_attachment",
                json!({"port": 8080}),
                json!({"id": true, "target_group_arn": true, "target_id": true}),
            ),
            config(
                "aws_lb_target_group_attachment.web",
                "aws_lb_target_group_attachment",
                json!({"target_group_arn": {"references": ["aws_lb_target_group.web.arn", "aws_lb_target_group.web"]}, "target_id": refs("aws_instance.web")}),
            ),
        ),
    ];
    for (c, k) in resources {
        add(&mut plan, c, k);
    }
    let w = write(&plan);
    let (code, yaml, err) = import(&w);
    assert_eq!(code, 0, "{err}");
    assert!(
        yaml.contains("target_group: aws_lb_target_group.web"),
        "{yaml}"
    );
    assert!(yaml.contains("instance: aws_instance.web"), "{yaml}");
    assert!(!yaml.contains("gaps:"), "{yaml}");
    let (code, out, err) = run(&["exposed", w.p()]);
    assert!([0, 1].contains(&code), "{out}\n{err}");
    assert!(out.contains("aws_lb.web"), "{out}");
}

/// An instance's private IP known only after apply gets a stand-in; when a
/// rule tells addresses of its subnet apart, the stand-in could decide a
/// verdict, so it is a gap on the interface.
#[test]
fn stand_in_private_address_is_a_gap_when_a_rule_splits_the_subnet() {
    let w = write(&base());
    let (_, yaml, _) = import(&w);
    assert!(yaml.contains("address: \"10.0.1.4\""), "{yaml}");
    assert!(!yaml.contains("gaps:"), "{yaml}");
    let mut plan = base();
    let sg = rc(&mut plan, "aws_security_group.web");
    sg["change"]["after"]["ingress"][0]["cidr_blocks"] = json!(["0.0.0.0/0", "10.0.1.16/28"]);
    let w = write(&plan);
    let (_, yaml, _) = import(&w);
    assert!(
        yaml.contains("`aws_instance.web.private_ip` is known only after apply: netverify uses the stand-in address 10.0.1.4"),
        "{yaml}"
    );
}

/// `aws_eip_association` maps the Elastic IP to the instance's interface.
#[test]
fn elastic_ip_association_gives_a_public_address() {
    let mut plan = base();
    rc(&mut plan, "aws_subnet.public")["change"]["after"]["map_public_ip_on_launch"] = json!(false);
    let w = write(&plan);
    assert_eq!(check(&w).0, 0);
    add(
        &mut plan,
        created(
            "aws_eip.web",
            "aws_eip",
            json!({"domain": "vpc"}),
            json!({"id": true, "public_ip": true, "instance": true, "allocation_id": true}),
        ),
        config(
            "aws_eip.web",
            "aws_eip",
            json!({"domain": {"constant_value": "vpc"}}),
        ),
    );
    add(
        &mut plan,
        created(
            "aws_eip_association.web",
            "aws_eip_association",
            json!({}),
            json!({"id": true, "allocation_id": true, "instance_id": true}),
        ),
        config(
            "aws_eip_association.web",
            "aws_eip_association",
            json!({"allocation_id": {"references": ["aws_eip.web.allocation_id", "aws_eip.web"]}, "instance_id": refs("aws_instance.web")}),
        ),
    );
    let w = write(&plan);
    let (code, out, err) = check(&w);
    assert_eq!(code, 1, "{out}\n{err}");
}

/// A plan whose values the topology format rejects (a CIDR AWS would never
/// accept) is an input error that names the plan, not an "importer bug …
/// `--save-snapshot`" message meant for snapshots.
#[test]
fn bug_unloadable_plan_was_reported_as_a_snapshot_importer_bug() {
    let mut plan = base();
    rc(&mut plan, "aws_vpc.main")["change"]["after"]["cidr_block"] = json!("10.0.0.0/33");
    let w = write(&plan);
    let (code, _, err) = import(&w);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("would not load"), "{err}");
    assert!(!err.contains("--save-snapshot"), "{err}");
    assert!(err.contains("the plan"), "{err}");
}
