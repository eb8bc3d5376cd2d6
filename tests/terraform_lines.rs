//! Findings on `.tf` lines: a Terraform plan read with its sources
//! (`--tf-dir`, the plan's directory, or a binary plan's `tfconfig/`) puts
//! every finding and witness hop on the `.tf` attribute that decides it, in
//! text, JSON and SARIF (with the module call chain as SARIF
//! `relatedLocations`); `count.index` / `each.key` references are decided
//! by the `.tf` expression; the Region comes from the provider
//! configuration. Fixtures: `tests/fixtures/terraform/aws/web-modules`
//! (hand-written plan beside hand-written `.tf`, see its `make_plan.py`)
//! and `tests/fixtures/terraform/lines` (generated with `terraform_data`,
//! see `../regenerate.sh`). The field corpus is read in place.

#![allow(
    clippy::unwrap_used,
    clippy::panic,
    reason = "a test fails by panicking"
)]

use std::path::{Path, PathBuf};

use serde_json::Value;

#[path = "common/field_data.rs"]
mod field_data;
#[path = "common/run.rs"]
mod run;
use run::run;

const WEB: &str = "tests/fixtures/terraform/aws/web-modules";

fn json_of(args: &[&str]) -> Value {
    let (code, out, err) = run(args);
    assert!(matches!(code, 0 | 1 | 3), "exit {code}: {err}");
    serde_json::from_str(&out).unwrap_or_else(|e| panic!("{e}: {out}"))
}

fn findings(report: &Value, check: &str) -> Vec<Value> {
    report["checks"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| c["id"] == check)
        .flat_map(|c| c["findings"].as_array().unwrap().clone())
        .collect()
}

/// `file:line text` of a JSON location.
fn at(loc: &Value) -> String {
    format!(
        "{}:{} {}",
        loc["file"].as_str().unwrap(),
        loc["line"],
        loc["text"].as_str().unwrap_or("")
    )
}

#[test]
fn exposure_finding_points_at_the_cidr_line_in_a_module_two_deep() {
    let (code, out, err) = run(&["check", &format!("{WEB}/plan.json")]);
    assert_eq!(code, 1, "{out}{err}");
    // The ssh rule is the second `ingress` block of the .tf (the plan
    // orders the set differently): its `cidr_blocks` line.
    assert!(
        out.contains(&format!(
            "  --> {WEB}/modules/web/sg/main.tf:22 cidr_blocks = [\"0.0.0.0/0\"]\n  via {WEB}/main.tf:18 module \"web\" {{\n  via {WEB}/modules/web/main.tf:9 module \"sg\" {{\n"
        )),
        "{out}"
    );
    assert!(
        err.contains(&format!(
            "note: read the `.tf` sources in `{WEB}`: findings point at their lines"
        )),
        "{err}"
    );
}

#[test]
fn json_locations_name_tf_lines_and_the_module_calls() {
    let report = json_of(&["check", &format!("{WEB}/plan.json"), "--format", "json"]);
    let exposure = findings(&report, "public-exposure");
    assert_eq!(exposure.len(), 1);
    let f = &exposure[0];
    assert_eq!(
        at(&f["location"]),
        format!("{WEB}/modules/web/sg/main.tf:22 cidr_blocks = [\"0.0.0.0/0\"]")
    );
    assert_eq!(f["location"]["column"], 5);
    let calls: Vec<String> = f["location"]["module_calls"]
        .as_array()
        .unwrap()
        .iter()
        .map(at)
        .collect();
    assert_eq!(
        calls,
        [
            format!("{WEB}/main.tf:18 module \"web\" {{"),
            format!("{WEB}/modules/web/main.tf:9 module \"sg\" {{"),
        ]
    );
    // Each hop that has a place is on its .tf line.
    let hops: Vec<String> = f["witness"]["path"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|h| h.get("location").is_some())
        .map(|h| at(&h["location"]))
        .collect();
    assert_eq!(
        hops,
        [
            format!("{WEB}/modules/net/main.tf:5 resource \"aws_internet_gateway\" \"gw\" {{"),
            // Rule 100 is the second `ingress` block of the .tf.
            format!("{WEB}/modules/net/main.tf:44 cidr_block = \"0.0.0.0/0\""),
            format!("{WEB}/modules/web/sg/main.tf:22 cidr_blocks = [\"0.0.0.0/0\"]"),
            format!("{WEB}/modules/web/main.tf:19 associate_public_ip_address = true"),
        ]
    );
}

#[test]
fn route_hop_points_at_the_route_blocks_gateway_line() {
    let report = json_of(&["check", &format!("{WEB}/plan.json"), "--format", "json"]);
    let route_hops: Vec<String> = report["checks"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|c| c["findings"].as_array().unwrap().clone())
        .filter_map(|f| f["witness"]["path"].as_array().cloned())
        .flatten()
        .filter(|h| h["component"] == "module.net.aws_route_table.public")
        .map(|h| at(&h["location"]))
        .collect();
    assert!(!route_hops.is_empty(), "no route hop in {report}");
    for h in route_hops {
        assert_eq!(
            h,
            format!("{WEB}/modules/net/main.tf:21 gateway_id = aws_internet_gateway.gw.id")
        );
    }
}

#[test]
fn sarif_points_at_the_tf_line_with_the_module_chain_as_related_locations() {
    let sarif = json_of(&["check", &format!("{WEB}/plan.json"), "--format", "sarif"]);
    let results = sarif["runs"][0]["results"].as_array().unwrap();
    let r = results
        .iter()
        .find(|r| r["ruleId"] == "public-exposure")
        .unwrap();
    let p = &r["locations"][0]["physicalLocation"];
    assert_eq!(
        p["artifactLocation"]["uri"],
        format!("{WEB}/modules/web/sg/main.tf")
    );
    assert_eq!(p["region"]["startLine"], 22);
    assert_eq!(
        p["region"]["snippet"]["text"],
        "cidr_blocks = [\"0.0.0.0/0\"]"
    );
    let related: Vec<(String, u64, String)> = r["relatedLocations"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| {
            (
                l["physicalLocation"]["artifactLocation"]["uri"]
                    .as_str()
                    .unwrap()
                    .to_owned(),
                l["physicalLocation"]["region"]["startLine"]
                    .as_u64()
                    .unwrap(),
                l["message"]["text"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    assert_eq!(
        related,
        [
            (
                format!("{WEB}/main.tf"),
                18,
                "module call module \"web\" {".to_owned()
            ),
            (
                format!("{WEB}/modules/web/main.tf"),
                9,
                "module call module \"sg\" {".to_owned()
            ),
        ]
    );
    // No result of any check points at the plan JSON.
    for r in results {
        for l in r["locations"].as_array().unwrap() {
            let uri = l["physicalLocation"]["artifactLocation"]["uri"]
                .as_str()
                .unwrap();
            assert!(uri.ends_with(".tf"), "{uri} in {r}");
        }
    }
}

/// A copy of the web-modules plan without its sources.
fn plan_alone() -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let plan = dir.path().join("plan.json");
    std::fs::copy(
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .join(WEB)
            .join("plan.json"),
        &plan,
    )
    .unwrap();
    (dir, plan)
}

#[test]
fn without_sources_findings_name_the_address_and_say_so() {
    let (_dir, plan) = plan_alone();
    let (_, out, err) = run(&["check", plan.to_str().unwrap(), "--format", "json"]);
    assert!(
        err.contains("no `.tf` sources beside the plan (give them with `--tf-dir`)"),
        "{err}"
    );
    let report: Value = serde_json::from_str(&out).unwrap();
    for c in report["checks"].as_array().unwrap() {
        for f in c["findings"].as_array().unwrap() {
            assert!(f.get("location").is_none(), "{f}");
        }
    }
}

/// The route table associations pick their subnet by `count.index`, and
/// the instance's subnet is `aws_subnet.public[1]` through a module
/// output: the sources decide both; without them both stay gaps naming
/// the attribute.
#[test]
fn count_index_reference_is_decided_by_the_tf_and_stays_a_gap_without_it() {
    let (code, yaml, err) = run(&["import", "terraform", &format!("{WEB}/plan.json")]);
    assert_eq!(code, 0, "{err}");
    assert!(!yaml.contains("is known only after apply"), "{yaml}");
    let topo: Value = serde_saphyr::from_str(&yaml).unwrap();
    let subnets = topo["subnets"].as_array().unwrap();
    for s in subnets {
        assert_eq!(s["route_table"], "module.net.aws_route_table.public", "{s}");
    }
    // The instance's primary interface is in the subnet the module output
    // names by a literal index.
    let eni = &topo["network_interfaces"][0];
    assert_eq!(eni["name"], "module.web.aws_instance.web:eni", "{eni}");
    assert_eq!(eni["subnet"], "module.net.aws_subnet.public[1]", "{eni}");

    let (_dir, plan) = plan_alone();
    let (code, yaml, err) = run(&["import", "terraform", plan.to_str().unwrap()]);
    assert_eq!(code, 0, "{err}");
    assert!(
        yaml.contains("`module.net.aws_route_table_association.public[1].subnet_id` is known only after apply: it is chosen by `count.index` or `each.key` among 2 instances, which only the `.tf` sources decide (give them with `--tf-dir`)"),
        "{yaml}"
    );
    // --tf-dir brings the sources back for a plan elsewhere.
    let (code, yaml, err) = run(&[
        "import",
        "terraform",
        plan.to_str().unwrap(),
        "--tf-dir",
        WEB,
    ]);
    assert_eq!(code, 0, "{err}");
    assert!(!yaml.contains("is known only after apply"), "{yaml}");
}

#[test]
fn region_comes_from_the_provider_configuration_and_stays_unknown_otherwise() {
    let (_, out, err) = run(&["check", &format!("{WEB}/plan.json")]);
    assert!(
        err.contains("note: the Region is `eu-west-1`, from the plan's AWS provider configuration"),
        "{err}"
    );
    assert!(!out.contains("is not known (set `region`)"), "{out}");
    // public-instance.json says nothing of its Region.
    let (_, out, _) = run(&["check", "tests/fixtures/terraform/aws/public-instance.json"]);
    assert!(
        out.contains("the Region of vpc `aws_vpc.main` is not known (set `region`)"),
        "{out}"
    );
}

/// The binary plan beside a plan JSON gives the sources (its
/// `tfconfig/`), as `--tf-dir plan.out` does; a `--tf-dir` that does not
/// exist is an error.
#[test]
fn binary_plan_beside_the_json_gives_the_sources() {
    let lines = "tests/fixtures/terraform/lines";
    let (code, _, err) = run(&["check", &format!("{lines}/plan.json")]);
    assert_eq!(code, 0, "{err}");
    assert!(
        err.contains(&format!(
            "note: read the `.tf` sources in `{lines}/plan.out`: findings point at their lines"
        )),
        "{err}"
    );
    let (code, _, err) = run(&[
        "check",
        &format!("{WEB}/plan.json"),
        "--tf-dir",
        &format!("{lines}/plan.out"),
    ]);
    assert!(matches!(code, 0 | 1 | 3), "{err}");
    assert!(err.contains(&format!("`{lines}/plan.out`")), "{err}");
    let (code, _, err) = run(&[
        "check",
        &format!("{WEB}/plan.json"),
        "--tf-dir",
        "no/such/dir",
    ]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("no/such/dir"), "{err}");
}

/// The `.tf` directory of a field plan: the folder holding its `.tf`
/// files (the plan's own, or `original/`).
fn tf_dir_of(plan_dir: &Path) -> Option<PathBuf> {
    let has_tf = |d: &Path| {
        std::fs::read_dir(d).is_ok_and(|rd| {
            rd.filter_map(Result::ok)
                .any(|e| e.path().extension().is_some_and(|x| x == "tf"))
        })
    };
    if has_tf(plan_dir) {
        return Some(plan_dir.to_path_buf());
    }
    std::fs::read_dir(plan_dir)
        .ok()?
        .filter_map(Result::ok)
        .map(|e| e.path())
        .find(|p| p.is_dir() && has_tf(p))
}

/// Every field plan with `.tf` sources: no finding or hop points at the
/// plan JSON; each located one is on a `.tf` line; where the plan's `.tf`
/// matches it (resources found in the sources), findings are located.
#[test]
fn field_plans_with_sources_point_findings_at_tf_lines() {
    let Some(root) = field_data::terraform_plans() else {
        return;
    };
    let mut dirs: Vec<PathBuf> = std::fs::read_dir(&root)
        .unwrap()
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.join("plan.json").is_file())
        .collect();
    dirs.sort();
    let mut with_sources = 0;
    let mut located = 0;
    for d in dirs {
        let Some(tf) = tf_dir_of(&d) else { continue };
        with_sources += 1;
        let plan = d.join("plan.json");
        let report = json_of(&[
            "check",
            plan.to_str().unwrap(),
            "--tf-dir",
            tf.to_str().unwrap(),
            "--format",
            "json",
        ]);
        for c in report["checks"].as_array().unwrap() {
            for f in c["findings"].as_array().unwrap() {
                let hops = f["witness"]["path"].as_array().cloned().unwrap_or_default();
                let locs = std::iter::once(&f["location"])
                    .chain(hops.iter().map(|h| &h["location"]))
                    .filter(|l| !l.is_null());
                for l in locs {
                    let file = l["file"].as_str().unwrap();
                    assert!(file.ends_with(".tf"), "{}: {f}", d.display());
                    assert!(l["line"].as_u64().unwrap() >= 1, "{}: {f}", d.display());
                    located += 1;
                }
            }
        }
        let sarif = json_of(&[
            "check",
            plan.to_str().unwrap(),
            "--tf-dir",
            tf.to_str().unwrap(),
            "--format",
            "sarif",
        ]);
        for r in sarif["runs"][0]["results"].as_array().unwrap() {
            for l in r["locations"].as_array().unwrap() {
                let uri = l["physicalLocation"]["artifactLocation"]["uri"]
                    .as_str()
                    .unwrap();
                assert!(uri.ends_with(".tf"), "{}: {uri}", d.display());
            }
        }
    }
    assert!(
        with_sources >= 10,
        "only {with_sources} field plans have .tf sources"
    );
    assert!(located > 0, "no field finding was located on a .tf line");
}

/// Spot check, regula-sg-ingress-anywhere: five groups open to 0.0.0.0/0
/// (tcp 0-65535, 442-444, 79-81, 443, 80), none with a `vpc_id`: AWS puts
/// them in the default VPC, which the plan does not hold, so each is left
/// out with a note saying so, and no instance uses them: public-exposure is
/// proven for the network the plan describes. The provider's Region
/// (`us-west-1` in its `.tf`) is read.
#[test]
fn field_regula_sg_ingress_anywhere_groups_in_the_default_vpc_are_left_out_with_a_note() {
    let Some(root) = field_data::terraform_plans() else {
        return;
    };
    let plan = root.join("regula-sg-ingress-anywhere/plan.json");
    let (code, out, err) = run(&[
        "check",
        plan.to_str().unwrap(),
        "--check",
        "public-exposure",
    ]);
    assert_eq!(code, 0, "{out}{err}");
    for sg in [
        "invalid_allow_all",
        "invalid_include_443",
        "invalid_include_80",
        "valid_exact_443",
        "valid_exact_80",
    ] {
        assert!(
            err.contains(&format!("note: `aws_security_group.{sg}` is left out: `vpc_id`: it is not set, so AWS places it in the default VPC, which is not in this plan")),
            "{sg}: {err}"
        );
    }
    assert!(
        err.contains("note: the Region is `us-west-1`, from the plan's AWS provider configuration"),
        "{err}"
    );
}

/// Spot check, tfc-alb-listeners-vpc: its findings are on the `.tf` lines
/// of the resources they name.
#[test]
fn field_tfc_alb_listeners_findings_are_on_main_tf() {
    let Some(root) = field_data::terraform_plans() else {
        return;
    };
    let d = root.join("tfc-alb-listeners-vpc");
    let report = json_of(&[
        "check",
        d.join("plan.json").to_str().unwrap(),
        "--format",
        "json",
    ]);
    let mut n = 0;
    for c in report["checks"].as_array().unwrap() {
        for f in c["findings"].as_array().unwrap() {
            let file = f["location"]["file"].as_str().unwrap();
            assert!(file.ends_with("tfc-alb-listeners-vpc/main.tf"), "{f}");
            n += 1;
        }
    }
    assert!(n > 0, "{report}");
}

/// A plan JSON (a changed copy of a fixture) in a directory of its own.
fn write_plan(plan: &Value) -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("plan.json");
    std::fs::write(&path, serde_json::to_string(plan).unwrap()).unwrap();
    (dir, path)
}

fn fixture_json(rel: &str) -> Value {
    let text = std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join(rel)).unwrap();
    serde_json::from_str(&text).unwrap()
}

/// Two AWS provider configurations in two Regions: the Region of the
/// network is not decided, and stays unknown.
#[test]
fn providers_in_two_regions_leave_the_region_unknown() {
    let mut plan = fixture_json(&format!("{WEB}/plan.json"));
    plan["configuration"]["provider_config"]["aws.east"] = serde_json::json!({
        "name": "aws", "alias": "east",
        "expressions": {"region": {"constant_value": "us-east-1"}}
    });
    let (_dir, path) = write_plan(&plan);
    let (_, out, err) = run(&["check", path.to_str().unwrap(), "--tf-dir", WEB]);
    assert!(
        err.contains("note: the plan names several Regions (`eu-west-1`, `us-east-1`): the Region of each VPC is left unknown"),
        "{err}"
    );
    assert!(
        out.contains("the Region of vpc `module.net.aws_vpc.main` is not known (set `region`)"),
        "{out}"
    );
}

/// A provider whose Region the plan does not record (set by the
/// environment) leaves the availability zones to say it.
#[test]
fn region_comes_from_availability_zones_when_the_provider_does_not_say() {
    let mut plan = fixture_json("tests/fixtures/terraform/aws/public-instance.json");
    let subnet = plan["resource_changes"]
        .as_array_mut()
        .unwrap()
        .iter_mut()
        .find(|r| r["address"] == "aws_subnet.public")
        .unwrap();
    subnet["change"]["after"]["availability_zone"] = "us-east-2b".into();
    subnet["change"]["after_unknown"]["availability_zone"] = false.into();
    let (_dir, path) = write_plan(&plan);
    let (_, out, err) = run(&["check", path.to_str().unwrap()]);
    assert!(
        err.contains(
            "note: the Region is `us-east-2`, from the plan's availability zones and ARNs"
        ),
        "{err}"
    );
    assert!(!out.contains("is not known (set `region`)"), "{out}");
}

/// A root variable declared `sensitive` is never read, so it cannot name
/// the Region (nor reach an output through it).
#[test]
fn a_sensitive_variable_does_not_give_the_region() {
    let mut plan = fixture_json(&format!("{WEB}/plan.json"));
    plan["configuration"]["root_module"]["variables"]["region"]["sensitive"] = true.into();
    let (_dir, path) = write_plan(&plan);
    let (_, out, err) = run(&["check", path.to_str().unwrap(), "--tf-dir", WEB]);
    assert!(!err.contains("eu-west-1"), "{err}");
    assert!(
        out.contains("the Region of vpc `module.net.aws_vpc.main` is not known (set `region`)"),
        "{out}"
    );
}

/// The text and SARIF renderings of a `.tf`-located finding, as snapshots.
#[test]
fn snapshot_text_and_sarif_of_a_tf_located_exposure() {
    let plan = format!("{WEB}/plan.json");
    let (code, text, _) = run(&["check", &plan, "--check", "public-exposure"]);
    assert_eq!(code, 1);
    insta::assert_snapshot!("tf_lines_text", text);
    let (code, sarif, _) = run(&[
        "check",
        &plan,
        "--check",
        "public-exposure",
        "--format",
        "sarif",
    ]);
    assert_eq!(code, 1);
    let v: Value = serde_json::from_str(&sarif).unwrap();
    insta::assert_snapshot!(
        "tf_lines_sarif_result",
        serde_json::to_string_pretty(&v["runs"][0]["results"][0]).unwrap()
    );
}
