//! private-service-access under the default policy (issue 13, point 6): a
//! closed private path is a violation only for workloads that evidently use
//! the service, a note elsewhere; leak freedom stays checked for every
//! workload.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "a test fails by panicking"
)]

use assert_cmd::Command;
use serde_json::Value;

/// One VPC in us-east-1 with one workload `w`, the S3 and DynamoDB prefix
/// lists, no endpoint and no route out: every private path is closed and
/// nothing leaks. `extra_eni` is added to `w`, `extra_routes` to its table.
fn topology(extra_eni: &str, extra_routes: &str) -> String {
    format!(
        "version: 1
region: us-east-1
vpcs:
  - name: v
    cidrs: [10.0.0.0/16]
    dns_support: true
    dns_hostnames: true
internet_gateways:
  - name: igw
    vpc: v
subnets:
  - name: s
    vpc: v
    cidr: 10.0.1.0/24
route_tables:
  - name: rt
    vpc: v
    main: true
    routes: [{extra_routes}]
prefix_lists:
  - name: s3-pl
    service: com.amazonaws.us-east-1.s3
    entries: [3.5.0.0/19]
  - name: ddb-pl
    service: com.amazonaws.us-east-1.dynamodb
    entries: [3.218.180.0/22]
security_groups:
  - name: sg
    vpc: v
    egress:
      - {{ protocol: all, cidr: 0.0.0.0/0 }}
network_interfaces:
  - name: w
    subnet: s
    private_ips:
      - {{ address: 10.0.1.10 {extra_eni}}}
    security_groups: [sg]
"
    )
}

fn psa(yaml: &str, owner: Option<&str>) -> Value {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("t.yaml");
    let text = match owner {
        Some(o) => yaml.replace(
            "    security_groups: [sg]\n",
            &format!("    security_groups: [sg]\n    owner: {{ service: {o} }}\n"),
        ),
        None => yaml.to_string(),
    };
    std::fs::write(&path, text).unwrap();
    let out = Command::cargo_bin("netverify")
        .unwrap()
        .args([
            "check",
            &path.to_string_lossy(),
            "--check",
            "private-service-access",
            "--format",
            "json",
        ])
        .output()
        .unwrap();
    let v: Value = serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("{e}: {}", String::from_utf8_lossy(&out.stderr)));
    v["checks"][0].clone()
}

fn kinds(c: &Value) -> Vec<String> {
    c["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["kind"].as_str().unwrap().to_string())
        .collect()
}

#[test]
fn closed_private_paths_are_notes_for_a_workload_not_known_to_use_the_services() {
    let c = psa(&topology("", ""), None);
    assert_eq!(c["verdict"], "proven", "{c}");
    let k = kinds(&c);
    assert!(!k.is_empty() && k.iter().all(|k| k == "info"), "{c}");
    assert!(
        c["summary"]
            .as_str()
            .unwrap()
            .contains("no service traffic leaves outside an endpoint"),
        "{c}"
    );
    // Among them, the VPC without ECR endpoints, where nothing pulls images.
    assert!(
        c.to_string()
            .contains("has no interface endpoint for `com.amazonaws.us-east-1.ecr.api`"),
        "{c}"
    );
}

#[test]
fn closed_private_paths_are_violations_for_a_function_workload() {
    let c = psa(&topology("", ""), Some("lambda"));
    assert_eq!(c["verdict"], "violated", "{c}");
    assert!(kinds(&c).iter().any(|k| k == "violation"), "{c}");
}

#[test]
fn a_leak_stays_a_violation_for_a_workload_not_known_to_use_the_service() {
    let c = psa(
        &topology(
            ", public_ip: 203.0.113.10",
            "{ destination: 0.0.0.0/0, target: igw }",
        ),
        None,
    );
    assert_eq!(c["verdict"], "violated", "{c}");
    assert!(
        c.to_string()
            .contains("leaves the VPC through internet gateway"),
        "{c}"
    );
}

/// `topology` without the S3 and DynamoDB prefix lists: the services'
/// addresses are not known.
fn without_service_ranges(yaml: &str) -> String {
    let start = yaml.find("prefix_lists:").unwrap();
    let end = yaml.find("security_groups:").unwrap();
    format!("{}{}", &yaml[..start], &yaml[end..])
}

fn messages(c: &Value) -> Vec<String> {
    c["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["message"].as_str().unwrap().to_string())
        .collect()
}

#[test]
fn c_15_6_https_to_every_internet_address_leaking_decides_without_the_service_ranges() {
    let yaml = without_service_ranges(&topology(
        ", public_ip: 203.0.113.10",
        "{ destination: 0.0.0.0/0, target: igw }",
    ));
    let c = psa(&yaml, None);
    assert_eq!(c["verdict"], "violated", "{c}");
    let m = messages(&c);
    for svc in ["S3", "DynamoDB"] {
        assert!(
            m.iter().any(|m| m.starts_with(&format!(
                "`w` → {svc} leaves the VPC through internet gateway `igw`"
            )) && m.contains("(C-15.6)")),
            "{svc}: {m:#?}"
        );
    }
    assert!(
        !m.iter().any(|m| m.contains("are not known")),
        "the unknown ranges no longer leave anything open: {m:#?}"
    );
}

#[test]
fn c_15_6_without_the_service_ranges_a_leak_of_part_of_the_internet_stays_unknown() {
    // Half the internet leaves through the gateway; the other half has no
    // route. The service may be in either half.
    let yaml = without_service_ranges(&topology(
        ", public_ip: 203.0.113.10",
        "{ destination: 0.0.0.0/1, target: igw }",
    ));
    let c = psa(&yaml, None);
    assert_eq!(c["verdict"], "unknown", "{c}");
    let m = messages(&c);
    assert!(
        m.iter().any(|m| m.contains(
            "to addresses that may be S3's leave the VPC through internet gateway `igw`"
        )),
        "{m:#?}"
    );
    assert!(!m.iter().any(|m| m.contains("C-15.6")), "{m:#?}");
}

#[test]
fn c_15_6_without_the_service_ranges_https_that_gets_nowhere_is_a_closed_path() {
    // No route out at all: whatever the service's addresses, nothing leaks
    // and the private path is closed, a note under the default policy.
    let c = psa(&without_service_ranges(&topology("", "")), None);
    assert_eq!(c["verdict"], "proven", "{c}");
    let m = messages(&c);
    assert!(
        m.iter()
            .any(|m| m.starts_with("`w` cannot reach S3 privately (the endpoint path is closed)")),
        "{m:#?}"
    );
    assert!(!m.iter().any(|m| m.contains("are not known")), "{m:#?}");
    // For a function, which evidently uses the services, it is a violation.
    let c = psa(&without_service_ranges(&topology("", "")), Some("lambda"));
    assert_eq!(c["verdict"], "violated", "{c}");
}
