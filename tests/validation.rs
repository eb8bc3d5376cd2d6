//! The topology loader: parse errors, validation errors (message, line,
//! column and help of each) and the AWS defaults filled in by resolution.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "a test fails by panicking"
)]

use std::time::{Duration, Instant};

use netverify::model::{
    self, BpaExclusionMode, BpaMode, Diagnostic, DxGatewayId, EndpointKind, EniOwner, GatewayRef,
    LbKind, LbProtocol, LoadError, OnPremId, PortMatch, Proto, PublicIp, ResourceRef, RouteDest,
    RouteTarget, SgPeer, TargetRef, TgwAttachmentId, TgwId, TgwRouteTableId, Topology, VgwId,
    VifId, VpnId, format, load_file, load_str,
};

// ----- helpers -------------------------------------------------------------

/// The common part of most cases: two VPCs (one dual-stack), three subnets,
/// an internet gateway per VPC and a security group per VPC. Cases append
/// the sections they need.
const BASE: &str = r#"version: 1
vpcs:
  - name: vpc-main
    cidrs: ["10.0.0.0/16"]
    ipv6_cidrs: ["2600:1f18::/56"]
  - name: vpc-other
    cidrs: ["10.1.0.0/16"]
subnets:
  - name: sub-pub
    vpc: vpc-main
    cidr: 10.0.1.0/24
    ipv6_cidr: "2600:1f18:0:1::/64"
  - name: sub-app
    vpc: vpc-main
    cidr: 10.0.2.0/24
  - name: sub-other
    vpc: vpc-other
    cidr: 10.1.1.0/24
internet_gateways:
  - name: igw-main
    vpc: vpc-main
  - name: igw-other
    vpc: vpc-other
security_groups:
  - name: sg-web
    vpc: vpc-main
  - name: sg-other
    vpc: vpc-other
"#;

fn with(extra: &str) -> String {
    format!("{BASE}{extra}")
}

fn load(yaml: &str) -> Topology {
    match load_str(yaml, "t.yaml") {
        Ok(t) => t,
        Err(e) => panic!("expected a valid topology:\n{}", e.render(Some(yaml))),
    }
}

fn diags(yaml: &str) -> Vec<Diagnostic> {
    match load_str(yaml, "t.yaml") {
        Ok(_) => panic!("expected an error for:\n{yaml}"),
        Err(e) => e.diagnostics().to_vec(),
    }
}

/// The single diagnostic for `yaml` (a second one would be a cascade).
fn only(yaml: &str) -> Diagnostic {
    let d = diags(yaml);
    assert_eq!(d.len(), 1, "expected exactly one diagnostic, got {d:#?}");
    d[0].clone()
}

/// Line and column (1-based) of the `n`-th occurrence of `needle`: the token
/// a diagnostic must point at.
fn at_nth(yaml: &str, needle: &str, n: usize) -> (u32, u32) {
    let offset = yaml
        .match_indices(needle)
        .nth(n)
        .map(|(i, _)| i)
        .unwrap_or_else(|| panic!("`{needle}` not found {} times", n + 1));
    let before = &yaml[..offset];
    let line = before.matches('\n').count() + 1;
    let col = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
    (line as u32, col as u32)
}

fn at(yaml: &str, needle: &str) -> (u32, u32) {
    at_nth(yaml, needle, 0)
}

/// Position of `token` inside the first occurrence of `context`.
fn at_in(yaml: &str, context: &str, token: &str) -> (u32, u32) {
    let (line, col) = at(yaml, context);
    let inner = context
        .find(token)
        .unwrap_or_else(|| panic!("`{token}` not in `{context}`"));
    assert!(
        !context[..inner].contains('\n'),
        "put `{token}` on the first line of the context"
    );
    (line, col + context[..inner].chars().count() as u32)
}

/// The one diagnostic of `yaml`, pointing at `token` within `context`.
#[track_caller]
fn expect_in(yaml: &str, (context, token): (&str, &str), message: &str, help: Option<&str>) {
    let d = only(yaml);
    check(&d, at_in(yaml, context, token), message, help);
}

#[track_caller]
fn check(d: &Diagnostic, pos: (u32, u32), message: &str, help: Option<&str>) {
    assert_eq!(d.message, message, "message of {d:#?}");
    assert_eq!((d.line, d.column), pos, "position of {d:#?}");
    assert_eq!(d.help.as_deref(), help, "help of {d:#?}");
    assert_eq!(d.file, "t.yaml");
}

/// The one diagnostic of `yaml`, checked.
#[track_caller]
fn expect(yaml: &str, needle: &str, message: &str, help: Option<&str>) {
    let d = only(yaml);
    check(&d, at(yaml, needle), message, help);
}

// ----- parse errors ---------------------------------------------------------

#[test]
fn error_malformed_yaml_has_position() {
    let yaml = "version: 1\nvpcs: [\n";
    let d = only(yaml);
    assert_eq!((d.line, d.column), (2, 7));
    assert_eq!(d.message, "unclosed bracket '['");
    assert!(matches!(load_str(yaml, "t.yaml"), Err(LoadError::Parse(_))));
}

#[test]
fn error_unknown_key_suggests_field() {
    let yaml = "version: 1\nvpcs:\n  - name: v\n    cidrz: [10.0.0.0/16]\n";
    let d = only(yaml);
    check(
        &d,
        (4, 5),
        "unknown key `cidrz` in vpc",
        Some("did you mean `cidrs`?"),
    );
}

#[test]
fn error_unknown_key_names_section_of_lookalike_types() {
    // Internet gateways and egress-only ones have the same keys.
    let yaml = "version: 1\negress_only_internet_gateways:\n  - name: e\n    vpc: v\n    vcp: v\n";
    let d = only(yaml);
    check(
        &d,
        (5, 5),
        "unknown key `vcp` in egress-only internet gateway",
        Some("did you mean `vpc`?"),
    );
}

#[test]
fn error_unknown_top_level_key_suggests_section() {
    let yaml = "version: 1\nsubnet:\n  - name: s\n";
    let d = only(yaml);
    check(
        &d,
        (2, 1),
        "unknown key `subnet` in the top level of the file",
        Some("did you mean `subnets`?"),
    );
}

#[test]
fn error_unknown_key_without_close_match_lists_keys() {
    let yaml = "version: 1\ngaps:\n  - what: x\n    zzzzzzzz: 1\n";
    let d = only(yaml);
    check(
        &d,
        (4, 5),
        "unknown key `zzzzzzzz` in gap",
        Some("expected one of `what`, `affects`, `kind` or `scope`"),
    );
}

#[test]
fn error_wrong_type_is_reworded() {
    let yaml = "version: 1\nvpcs:\n  - name: v\n    cidrs: 3\n";
    check(&only(yaml), (4, 12), "expected a list, found `3`", None);
    let yaml = "version: x\n";
    check(
        &only(yaml),
        (1, 10),
        "invalid value `x`: expected a whole number",
        None,
    );
    let yaml = "version: 1\nvpcs:\n  - name: v\n    cidrs: []\n    dns_support: maybe\n";
    check(
        &only(yaml),
        (5, 18),
        "invalid value `maybe`: expected `true` or `false`",
        None,
    );
}

#[test]
fn error_wrong_type_has_no_rust_type_names() {
    let yaml = "just a string\n";
    let d = only(yaml);
    assert_eq!((d.line, d.column), (1, 1));
    assert!(!d.message.contains("struct"), "{}", d.message);
    assert!(!d.message.contains("TopologyFile"), "{}", d.message);
    assert!(d.message.starts_with("expected a mapping"), "{}", d.message);
}

#[test]
fn error_duplicate_key() {
    let yaml = "version: 1\nvpcs:\n  - name: a\n    cidrs: []\n    name: b\n";
    check(
        &only(yaml),
        (5, 5),
        "duplicate key `name`",
        Some("a key may appear only once in a mapping"),
    );
}

#[test]
fn error_missing_key() {
    let yaml = "version: 1\nvpcs:\n  - name: v\n";
    check(&only(yaml), (3, 5), "missing key `cidrs`", None);
}

#[test]
fn error_unknown_enum_value_suggests() {
    let yaml = "version: 1\nprefix_lists:\n  - name: p\n    family: ipv5\n";
    check(
        &only(yaml),
        (4, 13),
        "unknown value `ipv5`, expected `ipv4` or `ipv6`",
        Some("did you mean `ipv4`?"),
    );
}

#[test]
fn error_multiple_documents() {
    let yaml = "version: 1\n---\nversion: 1\n";
    check(
        &only(yaml),
        (3, 1),
        "the file holds more than one YAML document",
        Some("a topology is a single document: remove the `---` separator"),
    );
}

#[test]
fn error_empty_file() {
    check(
        &only(""),
        (1, 1),
        "the file is empty",
        Some("a topology starts with `version: 1`"),
    );
}

#[test]
fn error_alias_bomb_is_bounded() {
    // "Billion laughs": nine levels of nine aliases, 9^9 strings once expanded,
    // in a field that accepts any value (so the parser must expand it).
    let mut yaml = String::from(
        "version: 1\nvpc_endpoints:\n  - name: e\n    vpc: v\n    type: gateway\n    service: s3\n    policy:\n",
    );
    yaml.push_str(
        "      a: &a [\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\"]\n",
    );
    let names = ["a", "b", "c", "d", "e", "f", "g", "h", "i"];
    for w in names.windows(2) {
        let refs = vec![format!("*{}", w[0]); 9].join(",");
        yaml.push_str(&format!("      {}: &{} [{refs}]\n", w[1], w[1]));
    }
    let start = Instant::now();
    let result = load_str(&yaml, "t.yaml");
    let took = start.elapsed();
    assert!(took < Duration::from_secs(1), "took {took:?}");
    let Err(LoadError::Parse(d)) = result else {
        panic!("expected a parse error, got {result:?}")
    };
    assert_eq!(
        d.message,
        "aliases in this file expand to more than 25000 YAML nodes"
    );
    assert_eq!(
        d.help.as_deref(),
        Some("this looks like an alias bomb; write the values out instead of nesting aliases")
    );
    // It points at an alias inside the bomb.
    assert!((9..=16).contains(&d.line), "{d:#?}");
    assert!(d.column > 10, "{d:#?}");
}

#[test]
fn error_deep_nesting_is_bounded() {
    let yaml = format!(
        "version: 1\ngaps:\n  - what: x\n    affects: {}\n",
        "[".repeat(300)
    );
    let start = Instant::now();
    let d = only(&yaml);
    assert!(start.elapsed() < Duration::from_secs(1));
    assert_eq!(d.line, 4);
}

#[test]
fn error_file_not_found_names_path() {
    let path = std::path::Path::new("does/not/exist.yaml");
    let err = load_file(path).unwrap_err();
    assert!(matches!(err, LoadError::Io { .. }));
    let d = &err.diagnostics()[0];
    assert_eq!(d.message, "cannot read `does/not/exist.yaml`: no such file");
    assert_eq!((d.line, d.column), (0, 0));
    assert_eq!(
        err.render(None),
        "error: cannot read `does/not/exist.yaml`: no such file\n --> does/not/exist.yaml\n"
    );
}

#[test]
fn error_input_too_large() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("big.yaml");
    let f = std::fs::File::create(&path).unwrap();
    // Sparse: no disk space is used, and the loader must not read it.
    f.set_len(513 * 1024 * 1024).unwrap();
    let start = Instant::now();
    let err = load_file(&path).unwrap_err();
    assert!(start.elapsed() < Duration::from_secs(1));
    let LoadError::TooLarge(d) = err else {
        panic!("{err:?}")
    };
    assert!(
        d.message.ends_with("is larger than 512 MiB"),
        "{}",
        d.message
    );
}

#[test]
fn error_invalid_utf8_has_position() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("bad.yaml");
    std::fs::write(&path, b"version: 1\nname: caf\xe9\n").unwrap();
    let err = load_file(&path).unwrap_err();
    let d = &err.diagnostics()[0];
    assert_eq!(d.message, "the file is not valid UTF-8");
    assert_eq!((d.line, d.column), (2, 10));
}

#[test]
fn load_file_keeps_the_path_as_given() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("ok.yaml");
    std::fs::write(&path, BASE).unwrap();
    let t = load_file(&path).unwrap();
    assert_eq!(t.file, path.display().to_string());
}

// ----- names and references -----------------------------------------------

#[test]
fn error_version_must_be_1() {
    let yaml = BASE.replace("version: 1", "version: 2");
    expect(
        &yaml,
        "2",
        "unsupported format version `2`",
        Some("this version of netverify reads `version: 1`"),
    );
}

#[test]
fn error_duplicate_name_mentions_first_line() {
    let yaml = with("instances:\n  - name: sub-app\n");
    let (line, _) = at(&yaml, "name: sub-app");
    let d = only(&yaml);
    check(
        &d,
        at_nth(&yaml, "sub-app", 1),
        &format!("instance name `sub-app` is already used by the subnet at line {line}"),
        Some("names must be unique across the whole file, whatever the kind"),
    );
}

#[test]
fn error_dangling_vpc_suggests_name() {
    let yaml = BASE.replace(
        "vpc: vpc-other\n    cidr: 10.1.1.0/24",
        "vpc: vpc-othr\n    cidr: 10.1.1.0/24",
    );
    expect(
        &yaml,
        "vpc-othr",
        "subnet `sub-other` refers to unknown vpc `vpc-othr`",
        Some("did you mean `vpc-other`?"),
    );
}

#[test]
fn error_dangling_subnet_reference() {
    let yaml = with(
        "network_interfaces:\n  - name: eni-a\n    subnet: sub-ap\n    security_groups: [sg-web]\n",
    );
    expect(
        &yaml,
        "sub-ap\n",
        "network interface `eni-a` refers to unknown subnet `sub-ap`",
        Some("did you mean `sub-app`?"),
    );
}

#[test]
fn error_load_balancer_without_subnets() {
    let yaml = lb("    type: network\n    scheme: internal\n    subnets: []\n");
    expect(&yaml, "lb\n", "load balancer `lb` has no subnets", None);
}

#[test]
fn error_dangling_route_target_suggests_name() {
    let yaml = with(
        "route_tables:\n  - name: rtb-pub\n    vpc: vpc-main\n    routes:\n      - destination: 0.0.0.0/0\n        target: igw-mian\n",
    );
    expect(
        &yaml,
        "igw-mian",
        "route table `rtb-pub` routes `0.0.0.0/0` to unknown target `igw-mian`",
        Some("did you mean `igw-main`?"),
    );
}

#[test]
fn error_reference_to_wrong_kind() {
    let yaml = with("network_acls:\n  - name: nacl-x\n    vpc: sg-web\n");
    expect_in(
        &yaml,
        ("vpc: sg-web", "sg-web"),
        "network acl `nacl-x` refers to `sg-web`, which is a security group and not a vpc",
        None,
    );
}

#[test]
fn error_route_target_of_wrong_kind() {
    let yaml = with(
        "route_tables:\n  - name: rtb\n    vpc: vpc-main\n    routes:\n      - destination: 0.0.0.0/0\n        target: sub-app\n",
    );
    expect_in(
        &yaml,
        ("target: sub-app", "sub-app"),
        "route table `rtb` routes `0.0.0.0/0` to `sub-app`, which is a subnet and cannot be a route target",
        None,
    );
}

#[test]
fn error_dangling_subnet_associations() {
    let yaml = BASE.replace(
        "cidr: 10.0.2.0/24\n",
        "cidr: 10.0.2.0/24\n    route_table: rtb-nope\n    network_acl: nacl-nope\n",
    );
    let d = diags(&yaml);
    assert_eq!(d.len(), 2, "{d:#?}");
    check(
        &d[0],
        at(&yaml, "rtb-nope"),
        "subnet `sub-app` refers to unknown route table `rtb-nope`",
        None,
    );
    check(
        &d[1],
        at(&yaml, "nacl-nope"),
        "subnet `sub-app` refers to unknown network acl `nacl-nope`",
        None,
    );
}

#[test]
fn error_dangling_security_group_suggests_name() {
    let yaml = with(
        "network_interfaces:\n  - name: eni-a\n    subnet: sub-app\n    security_groups: [sg-wbe]\n",
    );
    expect(
        &yaml,
        "sg-wbe",
        "network interface `eni-a` refers to unknown security group `sg-wbe`",
        Some("did you mean `sg-web`?"),
    );
}

#[test]
fn error_dangling_prefix_list() {
    let yaml = with(
        "prefix_lists:\n  - name: pl-s3\n    entries: [\"52.216.0.0/15\"]\nroute_tables:\n  - name: rtb\n    vpc: vpc-main\n    routes:\n      - prefix_list: pl-s4\n        target: igw-main\n",
    );
    expect(
        &yaml,
        "pl-s4",
        "route table `rtb` refers to unknown prefix list `pl-s4`",
        Some("did you mean `pl-s3`?"),
    );
}

#[test]
fn error_dangling_sg_rule_peer() {
    let yaml = BASE.replace(
        "  - name: sg-web\n    vpc: vpc-main\n",
        "  - name: sg-web\n    vpc: vpc-main\n    ingress:\n      - protocol: tcp\n        ports: 443\n        security_group: sg-database\n",
    );
    expect(
        &yaml,
        "sg-database",
        "security group `sg-web` ingress rule 1 refers to unknown security group `sg-database`",
        None,
    );
}

#[test]
fn error_dangling_eni_instance_and_owner() {
    let yaml = with(
        "instances:\n  - name: web-1\nnat_gateways:\n  - name: nat-a\n    subnet: sub-pub\nnetwork_interfaces:\n  - name: eni-a\n    subnet: sub-app\n    instance: web-2\n    security_groups: [sg-web]\n  - name: eni-b\n    subnet: sub-pub\n    owner: { nat_gateway: nat-b }\n",
    );
    let d = diags(&yaml);
    assert_eq!(d.len(), 2, "{d:#?}");
    check(
        &d[0],
        at(&yaml, "web-2"),
        "network interface `eni-a` refers to unknown instance `web-2`",
        Some("did you mean `web-1`?"),
    );
    check(
        &d[1],
        at(&yaml, "nat-b"),
        "network interface `eni-b` refers to unknown nat gateway `nat-b`",
        Some("did you mean `nat-a`?"),
    );
}

#[test]
fn error_dangling_listener_target_group() {
    let yaml = with(
        "load_balancers:\n  - name: alb\n    type: application\n    scheme: internal\n    subnets: [sub-app]\n    security_groups: [sg-web]\n    listeners:\n      - protocol: HTTP\n        port: 80\n        target_group: tg-wbe\ntarget_groups:\n  - name: tg-web\n    target_type: ip\n    protocol: HTTP\n    port: 80\n",
    );
    expect(
        &yaml,
        "tg-wbe",
        "load balancer `alb` refers to unknown target group `tg-wbe`",
        Some("did you mean `tg-web`?"),
    );
}

#[test]
fn error_dangling_target_instance() {
    let yaml = with(
        "instances:\n  - name: web-1\nnetwork_interfaces:\n  - name: web-1-eni\n    subnet: sub-app\n    instance: web-1\n    security_groups: [sg-web]\ntarget_groups:\n  - name: tg\n    target_type: instance\n    protocol: HTTP\n    port: 80\n    targets:\n      - instance: web-l\n",
    );
    expect(
        &yaml,
        "web-l",
        "target group `tg` refers to unknown instance or network interface `web-l`",
        Some("did you mean `web-1`?"),
    );
}

#[test]
fn error_dangling_policy_resource() {
    let yaml = with(
        "instances:\n  - name: bastion\npolicy:\n  public_exposure:\n    allow:\n      - resource: bastoin\n        ports: [tcp/22]\n",
    );
    expect(
        &yaml,
        "bastoin",
        "the public_exposure policy refers to unknown network interface, instance or load balancer `bastoin`",
        Some("did you mean `bastion`?"),
    );
}

#[test]
fn error_policy_forbid_must_name_load_balancer() {
    let yaml = with("policy:\n  public_exposure:\n    forbid: [sg-web]\n");
    expect(
        &yaml,
        "sg-web]",
        "the public_exposure policy's `forbid` refers to `sg-web`, which is a security group and not a load balancer",
        None,
    );
}

#[test]
fn error_dangling_edge_association() {
    let yaml = with(
        "route_tables:\n  - name: edge\n    vpc: vpc-main\n    edge_associations: [igw-mai]\n",
    );
    expect(
        &yaml,
        "igw-mai]",
        "route table `edge` refers to unknown internet gateway or vpn gateway `igw-mai`",
        Some("did you mean `igw-main`?"),
    );
}

#[test]
fn error_dangling_bpa_exclusion() {
    let yaml = with(
        "block_public_access:\n  mode: block-ingress\n  exclusions:\n    - resource: sub-pbu\n      mode: allow-egress\n",
    );
    expect(
        &yaml,
        "sub-pbu",
        "block_public_access refers to unknown vpc or subnet `sub-pbu`",
        Some("did you mean `sub-pub`?"),
    );
}

#[test]
fn error_dangling_peering_vpc() {
    let yaml = with(
        "peering_connections:\n  - name: pcx\n    requester_vpc: vpc-main\n    accepter_vpc: vpc-otter\n",
    );
    expect(
        &yaml,
        "vpc-otter",
        "peering connection `pcx` refers to unknown vpc `vpc-otter`",
        Some("did you mean `vpc-other`?"),
    );
}

#[test]
fn error_dangling_endpoint_route_table() {
    let yaml = with(
        "vpc_endpoints:\n  - name: s3\n    vpc: vpc-main\n    type: gateway\n    service: com.amazonaws.us-east-1.s3\n    route_tables: [rtb-x]\n",
    );
    expect(
        &yaml,
        "rtb-x",
        "vpc endpoint `s3` refers to unknown route table `rtb-x`",
        None,
    );
}

#[test]
fn error_dangling_unmodelled_references() {
    let yaml = with(
        "customer_gateways:\n  - name: cgw-dc\nvpn_connections:\n  - name: vpn-dc\n    customer_gateway: cgw-cd\n    gateway: vgw-x\non_prem_networks:\n  - name: dc\n    cidrs: [\"192.168.0.0/16\"]\n    via: [vpn-cd]\n",
    );
    let d = diags(&yaml);
    assert_eq!(d.len(), 3, "{d:#?}");
    check(
        &d[0],
        at(&yaml, "cgw-cd"),
        "vpn connection `vpn-dc` refers to unknown customer gateway `cgw-cd`",
        Some("did you mean `cgw-dc`?"),
    );
    check(
        &d[1],
        at(&yaml, "vgw-x"),
        "vpn connection `vpn-dc` refers to unknown vpn gateway or transit gateway `vgw-x`",
        None,
    );
    check(
        &d[2],
        at(&yaml, "vpn-cd"),
        "on-prem network `dc` refers to unknown vpn connection or virtual interface `vpn-cd`",
        Some("did you mean `vpn-dc`?"),
    );
}

// ----- values ---------------------------------------------------------------

#[test]
fn error_cidr_host_bits_suggests_network() {
    let yaml = BASE.replace("[\"10.1.0.0/16\"]", "[\"10.1.0.1/16\"]");
    let d = diags(&yaml);
    check(
        &d[0],
        at(&yaml, "\"10.1.0.1/16\""),
        "CIDR `10.1.0.1/16` in vpc `vpc-other` has host bits set",
        Some("did you mean `10.1.0.0/16`?"),
    );
}

#[test]
fn error_invalid_cidr() {
    let yaml = BASE.replace("cidr: 10.0.2.0/24", "cidr: 10.0.2.0/33");
    expect(
        &yaml,
        "10.0.2.0/33",
        "invalid CIDR `10.0.2.0/33` in subnet `sub-app`",
        None,
    );
    let yaml = BASE.replace("cidr: 10.0.2.0/24", "cidr: 10.0.2.0");
    expect(
        &yaml,
        "10.0.2.0\n",
        "invalid CIDR `10.0.2.0` in subnet `sub-app`",
        Some("add a prefix length, e.g. `10.0.2.0/32`"),
    );
}

#[test]
fn error_ipv6_cidr_in_ipv4_list() {
    let yaml = BASE
        .replace("[\"10.1.0.0/16\"]", "[\"2600:1f18:100::/56\"]")
        .replace("cidr: 10.1.1.0/24", "ipv6_cidr: \"2600:1f18:100::/64\"");
    let d = diags(&yaml);
    check(
        &d[0],
        at(&yaml, "\"2600:1f18:100::/56\""),
        "vpc `vpc-other` lists IPv6 CIDR `2600:1f18:100::/56` in `cidrs`",
        Some("IPv6 CIDRs go in `ipv6_cidrs`"),
    );
}

#[test]
fn error_invalid_ip_address() {
    let yaml = with(
        "network_interfaces:\n  - name: eni-a\n    subnet: sub-app\n    security_groups: [sg-web]\n    private_ips:\n      - address: 10.0.2.300\n",
    );
    expect(
        &yaml,
        "10.0.2.300",
        "invalid IP address `10.0.2.300` in network interface `eni-a`",
        None,
    );
}

fn sg_rule(rule: &str) -> String {
    BASE.replace(
        "  - name: sg-web\n    vpc: vpc-main\n",
        &format!("  - name: sg-web\n    vpc: vpc-main\n    ingress:\n      - {rule}\n"),
    )
}

#[test]
fn error_invalid_ports_out_of_range() {
    let yaml = sg_rule("{ protocol: tcp, ports: 70000, cidr: 0.0.0.0/0 }");
    expect(
        &yaml,
        "70000",
        "invalid port `70000` in security group `sg-web` ingress rule 1: ports are 0 to 65535",
        None,
    );
}

#[test]
fn error_invalid_port_range_reversed() {
    let yaml = sg_rule("{ protocol: tcp, ports: 80-20, cidr: 0.0.0.0/0 }");
    expect(
        &yaml,
        "80-20",
        "invalid port range `80-20` in security group `sg-web` ingress rule 1: 80 is greater than 20",
        Some("did you mean `20-80`?"),
    );
}

#[test]
fn error_invalid_ports_syntax() {
    let yaml = sg_rule("{ protocol: tcp, ports: abc, cidr: 0.0.0.0/0 }");
    expect(
        &yaml,
        "abc",
        "invalid ports `abc` in security group `sg-web` ingress rule 1",
        Some("write a port (`443`), a range (`1024-65535`) or `all`"),
    );
}

#[test]
fn error_invalid_protocol_suggests() {
    let yaml = sg_rule("{ protocol: tcpp, ports: 443, cidr: 0.0.0.0/0 }");
    expect(
        &yaml,
        "tcpp",
        "invalid protocol `tcpp` in security group `sg-web` ingress rule 1",
        Some("did you mean `tcp`?"),
    );
    let yaml = sg_rule("{ protocol: 256, cidr: 0.0.0.0/0 }");
    expect(
        &yaml,
        "256",
        "invalid protocol `256` in security group `sg-web` ingress rule 1",
        Some("write `all`, `tcp`, `udp`, `icmp`, `icmpv6` or a number 0–255"),
    );
}

#[test]
fn error_ports_on_icmp_rule() {
    let yaml = sg_rule("{ protocol: icmp, ports: 8, cidr: 0.0.0.0/0 }");
    expect(
        &yaml,
        "8, cidr",
        "security group `sg-web` ingress rule 1 sets ports `8` on protocol `icmp`",
        Some("ports apply only to tcp and udp; use `icmp_type` and `icmp_code` for icmp"),
    );
}

#[test]
fn error_icmp_code_without_type() {
    let yaml = sg_rule("{ protocol: icmp, icmp_code: 0, cidr: 0.0.0.0/0 }");
    expect(
        &yaml,
        "0, cidr",
        "security group `sg-web` ingress rule 1 sets `icmp_code` without `icmp_type`",
        Some("set `icmp_type` too, or remove `icmp_code`"),
    );
}

#[test]
fn error_icmp_type_on_tcp_rule() {
    let yaml = sg_rule("{ protocol: tcp, icmp_type: 8, cidr: 0.0.0.0/0 }");
    expect(
        &yaml,
        "8, cidr",
        "security group `sg-web` ingress rule 1 sets `icmp_type` on protocol `tcp`",
        Some("`icmp_type` and `icmp_code` apply only to icmp and icmpv6"),
    );
}

#[test]
fn error_invalid_icmp_type() {
    let yaml = sg_rule("{ protocol: icmp, icmp_type: 300, cidr: 0.0.0.0/0 }");
    expect(
        &yaml,
        "300",
        "invalid ICMP type `300` in security group `sg-web` ingress rule 1: expected 0 to 255, or -1 for all",
        None,
    );
}

#[test]
fn error_sg_rule_without_peer() {
    let yaml = sg_rule("{ protocol: tcp, ports: 443 }");
    expect(
        &yaml,
        "{ protocol: tcp",
        "security group `sg-web` ingress rule 1 has no peer",
        Some("set one of `cidr`, `prefix_list` or `security_group`"),
    );
}

#[test]
fn error_sg_rule_with_several_peers() {
    let yaml = sg_rule("{ protocol: tcp, ports: 443, cidr: 0.0.0.0/0, security_group: sg-web }");
    expect(
        &yaml,
        "{ protocol: tcp",
        "security group `sg-web` ingress rule 1 has several peers (`cidr` and `security_group`)",
        Some("set exactly one peer; write one rule per peer"),
    );
}

fn nacl(rules: &str) -> String {
    with(&format!(
        "network_acls:\n  - name: nacl-a\n    vpc: vpc-main\n    ingress:\n{rules}"
    ))
}

#[test]
fn error_nacl_rule_number_out_of_range() {
    let yaml = nacl(
        "      - { rule: 0, action: allow, protocol: all, cidr: 0.0.0.0/0 }\n      - { rule: 32767, action: deny, protocol: all, cidr: 0.0.0.0/0 }\n",
    );
    let d = diags(&yaml);
    assert_eq!(d.len(), 2, "{d:#?}");
    check(
        &d[0],
        at(&yaml, "0, action"),
        "network acl `nacl-a` ingress rule number `0` is outside 1 to 32766",
        None,
    );
    check(
        &d[1],
        at(&yaml, "32767"),
        "network acl `nacl-a` ingress rule number `32767` is outside 1 to 32766",
        None,
    );
}

#[test]
fn error_nacl_duplicate_rule_number() {
    let yaml = nacl(
        "      - { rule: 100, action: allow, protocol: tcp, ports: 443, cidr: 0.0.0.0/0 }\n      - { rule: 100, action: deny, protocol: all, cidr: 0.0.0.0/0 }\n",
    );
    let (first_line, _) = at(&yaml, "rule: 100");
    expect_nth(
        &yaml,
        ("100", 1),
        &format!("network acl `nacl-a` has two ingress rules numbered `100` (line {first_line})"),
        Some("rule numbers must be unique within the ingress or the egress rules"),
    );
}

#[track_caller]
fn expect_nth(yaml: &str, (needle, n): (&str, usize), message: &str, help: Option<&str>) {
    let d = only(yaml);
    check(&d, at_nth(yaml, needle, n), message, help);
}

#[test]
fn error_nacl_same_number_in_both_directions_is_fine() {
    let yaml = with(
        "network_acls:\n  - name: nacl-a\n    vpc: vpc-main\n    ingress:\n      - { rule: 100, action: allow, protocol: all, cidr: 0.0.0.0/0 }\n    egress:\n      - { rule: 100, action: allow, protocol: all, cidr: 0.0.0.0/0 }\n",
    );
    load(&yaml);
}

#[test]
fn error_nacl_invalid_action_suggests() {
    let yaml = nacl("      - { rule: 100, action: allw, protocol: all, cidr: 0.0.0.0/0 }\n");
    expect(
        &yaml,
        "allw",
        "invalid action `allw` in network acl `nacl-a` ingress rule 100",
        Some("did you mean `allow`?"),
    );
    let yaml = nacl("      - { rule: 100, action: permit, protocol: all, cidr: 0.0.0.0/0 }\n");
    expect(
        &yaml,
        "permit",
        "invalid action `permit` in network acl `nacl-a` ingress rule 100",
        Some("expected `allow` or `deny`"),
    );
}

#[test]
fn error_route_with_both_destination_and_prefix_list() {
    let yaml = with(
        "prefix_lists:\n  - name: pl\nroute_tables:\n  - name: rtb\n    vpc: vpc-main\n    routes:\n      - destination: 0.0.0.0/0\n        prefix_list: pl\n        target: igw-main\n",
    );
    expect(
        &yaml,
        "destination:",
        "a route of route table `rtb` sets both `destination` and `prefix_list`",
        Some("set exactly one; write one route per destination"),
    );
}

#[test]
fn error_route_with_neither_destination_nor_prefix_list() {
    let yaml = with(
        "route_tables:\n  - name: rtb\n    vpc: vpc-main\n    routes:\n      - target: igw-main\n",
    );
    expect(
        &yaml,
        "target: igw-main",
        "a route of route table `rtb` sets neither `destination` nor `prefix_list`",
        Some("set `destination: <cidr>` or `prefix_list: <name>`"),
    );
}

#[test]
fn error_duplicate_static_route() {
    let yaml = with(
        "route_tables:\n  - name: rtb\n    vpc: vpc-main\n    routes:\n      - { destination: 0.0.0.0/0, target: igw-main }\n      - { destination: 0.0.0.0/0, target: blackhole }\n",
    );
    let (first, _) = at(&yaml, "{ destination");
    expect_nth(
        &yaml,
        ("{ destination", 1),
        &format!("route table `rtb` has two routes for `0.0.0.0/0` (line {first})"),
        Some("a route table has one route per destination"),
    );
}

#[test]
fn error_route_state_and_origin_values() {
    let yaml = with(
        "route_tables:\n  - name: rtb\n    vpc: vpc-main\n    routes:\n      - { destination: 0.0.0.0/0, target: igw-main, state: blackholed, origin: propagate }\n",
    );
    let d = diags(&yaml);
    assert_eq!(d.len(), 2, "{d:#?}");
    check(
        &d[0],
        at(&yaml, "blackholed"),
        "invalid route state `blackholed` in route table `rtb`",
        Some("did you mean `blackhole`?"),
    );
    check(
        &d[1],
        at(&yaml, "propagate "),
        "invalid route origin `propagate` in route table `rtb`",
        Some("did you mean `propagated`?"),
    );
}

#[test]
fn error_public_ip_rfc1918() {
    let yaml = with(
        "network_interfaces:\n  - name: eni-a\n    subnet: sub-pub\n    security_groups: [sg-web]\n    private_ips:\n      - { address: 10.0.1.10, public_ip: 172.16.0.5 }\n",
    );
    expect(
        &yaml,
        "172.16.0.5",
        "public IP `172.16.0.5` of network interface `eni-a` is a private (RFC 1918) address",
        Some("write the public address, or `auto` when it is not known"),
    );
}

#[test]
fn error_public_ip_invalid() {
    let yaml = with(
        "network_interfaces:\n  - name: eni-a\n    subnet: sub-pub\n    security_groups: [sg-web]\n    private_ips:\n      - { address: 10.0.1.10, public_ip: automatic }\n",
    );
    expect(
        &yaml,
        "automatic",
        "invalid public IP `automatic` in network interface `eni-a`",
        Some("write an IPv4 address, or `auto` when it is not known"),
    );
}

// ----- placement: CIDRs, addresses and VPCs -------------------------------

#[test]
fn error_subnet_outside_vpc() {
    let yaml = BASE.replace("cidr: 10.0.2.0/24", "cidr: 10.2.2.0/24");
    expect(
        &yaml,
        "10.2.2.0/24",
        "subnet `sub-app` CIDR `10.2.2.0/24` is outside vpc `vpc-main` (`10.0.0.0/16`)",
        None,
    );
}

#[test]
fn error_subnet_ipv6_outside_vpc() {
    let yaml = BASE.replace("\"2600:1f18:0:1::/64\"", "\"2600:1f19:0:1::/64\"");
    expect(
        &yaml,
        "\"2600:1f19",
        "subnet `sub-pub` IPv6 CIDR `2600:1f19:0:1::/64` is outside vpc `vpc-main` (`2600:1f18::/56`)",
        None,
    );
    let yaml = BASE.replace(
        "cidr: 10.1.1.0/24",
        "cidr: 10.1.1.0/24\n    ipv6_cidr: \"2600:1f18:0:2::/64\"",
    );
    expect(
        &yaml,
        "\"2600:1f18:0:2::/64\"",
        "subnet `sub-other` IPv6 CIDR `2600:1f18:0:2::/64` is outside vpc `vpc-other`, which has no IPv6 CIDR",
        None,
    );
}

#[test]
fn error_overlapping_subnets() {
    let yaml = BASE.replace("cidr: 10.0.2.0/24", "cidr: 10.0.0.0/22");
    let (first, _) = at(&yaml, "name: sub-pub");
    expect(
        &yaml,
        "10.0.0.0/22",
        &format!(
            "subnet `sub-app` CIDR `10.0.0.0/22` overlaps subnet `sub-pub` (`10.0.1.0/24`, line {first})"
        ),
        Some("subnets of one vpc cannot share addresses"),
    );
}

#[test]
fn error_subnet_without_cidr() {
    let yaml = BASE.replace("    cidr: 10.0.2.0/24\n", "");
    expect(
        &yaml,
        "sub-app",
        "subnet `sub-app` has neither `cidr` nor `ipv6_cidr`",
        None,
    );
}

#[test]
fn error_eni_private_ip_outside_subnet() {
    let yaml = with(
        "network_interfaces:\n  - name: eni-a\n    subnet: sub-app\n    security_groups: [sg-web]\n    private_ips:\n      - address: 10.0.1.10\n",
    );
    expect(
        &yaml,
        "10.0.1.10",
        "private IP `10.0.1.10` of network interface `eni-a` is outside subnet `sub-app` (`10.0.2.0/24`)",
        None,
    );
}

#[test]
fn error_eni_ipv6_address_outside_subnet() {
    let yaml = with(
        "network_interfaces:\n  - name: eni-a\n    subnet: sub-pub\n    security_groups: [sg-web]\n    ipv6_addresses: [\"2600:1f18:0:2::10\"]\n  - name: eni-b\n    subnet: sub-app\n    security_groups: [sg-web]\n    ipv6_addresses: [\"2600:1f18:0:1::10\"]\n",
    );
    let d = diags(&yaml);
    assert_eq!(d.len(), 2, "{d:#?}");
    check(
        &d[0],
        at(&yaml, "\"2600:1f18:0:2::10\""),
        "IPv6 address `2600:1f18:0:2::10` of network interface `eni-a` is outside subnet `sub-pub` (`2600:1f18:0:1::/64`)",
        None,
    );
    check(
        &d[1],
        at(&yaml, "\"2600:1f18:0:1::10\""),
        "IPv6 address `2600:1f18:0:1::10` of network interface `eni-b` is in subnet `sub-app`, which has no IPv6 CIDR",
        None,
    );
}

#[test]
fn error_eni_prefix_outside_subnet() {
    let yaml = with(
        "network_interfaces:\n  - name: eni-a\n    subnet: sub-pub\n    security_groups: [sg-web]\n    ipv4_prefixes: [\"10.0.2.16/28\"]\n    ipv6_prefixes: [\"2600:1f18:0:2::/80\"]\n",
    );
    let d = diags(&yaml);
    assert_eq!(d.len(), 2, "{d:#?}");
    check(
        &d[0],
        at(&yaml, "\"10.0.2.16/28\""),
        "IPv4 prefix `10.0.2.16/28` of network interface `eni-a` is outside subnet `sub-pub` (`10.0.1.0/24`)",
        None,
    );
    check(
        &d[1],
        at(&yaml, "\"2600:1f18:0:2::/80\""),
        "IPv6 prefix `2600:1f18:0:2::/80` of network interface `eni-a` is outside subnet `sub-pub` (`2600:1f18:0:1::/64`)",
        None,
    );
}

#[test]
fn error_duplicate_private_address() {
    let yaml = with(
        "network_interfaces:\n  - name: eni-a\n    subnet: sub-app\n    security_groups: [sg-web]\n    private_ips: [{ address: 10.0.2.10 }]\n  - name: eni-b\n    subnet: sub-app\n    security_groups: [sg-web]\n    private_ips: [{ address: 10.0.2.10 }]\n",
    );
    let (first, _) = at(&yaml, "10.0.2.10");
    expect_nth(
        &yaml,
        ("10.0.2.10", 1),
        &format!(
            "address `10.0.2.10` of network interface `eni-b` is already used by network interface `eni-a` (line {first})"
        ),
        None,
    );
}

#[test]
fn error_eni_security_group_in_other_vpc() {
    let yaml = with(
        "network_interfaces:\n  - name: eni-a\n    subnet: sub-app\n    security_groups: [sg-web, sg-other]\n",
    );
    expect(
        &yaml,
        "sg-other]",
        "network interface `eni-a` is in vpc `vpc-main`, but security group `sg-other` belongs to vpc `vpc-other`",
        None,
    );
}

#[test]
fn error_subnet_route_table_in_other_vpc() {
    let yaml = BASE.replace(
        "cidr: 10.1.1.0/24\n",
        "cidr: 10.1.1.0/24\n    route_table: rtb-main\n",
    ) + "route_tables:\n  - name: rtb-main\n    vpc: vpc-main\n";
    expect(
        &yaml,
        "rtb-main\n",
        "subnet `sub-other` is in vpc `vpc-other`, but route table `rtb-main` belongs to vpc `vpc-main`",
        None,
    );
}

#[test]
fn error_subnet_nacl_in_other_vpc() {
    let yaml = BASE.replace(
        "cidr: 10.1.1.0/24\n",
        "cidr: 10.1.1.0/24\n    network_acl: nacl-main\n",
    ) + "network_acls:\n  - name: nacl-main\n    vpc: vpc-main\n";
    expect(
        &yaml,
        "nacl-main\n",
        "subnet `sub-other` is in vpc `vpc-other`, but network acl `nacl-main` belongs to vpc `vpc-main`",
        None,
    );
}

fn route_to(target: &str, dest: &str, extra: &str) -> String {
    with(&format!(
        "{extra}route_tables:\n  - name: rtb\n    vpc: vpc-main\n    routes:\n      - destination: \"{dest}\"\n        target: {target}\n"
    ))
}

#[test]
fn error_route_to_igw_of_other_vpc() {
    let yaml = route_to("igw-other", "0.0.0.0/0", "");
    expect_in(
        &yaml,
        ("target: igw-other", "igw-other"),
        "route table `rtb` (vpc `vpc-main`) routes `0.0.0.0/0` to internet gateway `igw-other` in vpc `vpc-other`",
        None,
    );
}

#[test]
fn error_route_to_nat_in_other_vpc() {
    let yaml = route_to(
        "nat-x",
        "0.0.0.0/0",
        "nat_gateways:\n  - name: nat-x\n    subnet: sub-other\n",
    );
    expect_in(
        &yaml,
        ("target: nat-x", "nat-x"),
        "route table `rtb` (vpc `vpc-main`) routes `0.0.0.0/0` to nat gateway `nat-x` in vpc `vpc-other`",
        None,
    );
}

#[test]
fn error_route_to_eni_in_other_vpc() {
    let yaml = route_to(
        "fw-eni",
        "0.0.0.0/0",
        "network_interfaces:\n  - name: fw-eni\n    subnet: sub-other\n    security_groups: [sg-other]\n",
    );
    expect_in(
        &yaml,
        ("target: fw-eni", "fw-eni"),
        "route table `rtb` (vpc `vpc-main`) routes `0.0.0.0/0` to network interface `fw-eni` in vpc `vpc-other`",
        None,
    );
}

#[test]
fn error_route_to_gateway_endpoint_in_other_vpc() {
    let yaml = route_to(
        "s3-other",
        "52.216.0.0/15",
        "vpc_endpoints:\n  - name: s3-other\n    vpc: vpc-other\n    type: gateway\n    service: com.amazonaws.us-east-1.s3\n",
    );
    expect_in(
        &yaml,
        ("target: s3-other", "s3-other"),
        "route table `rtb` (vpc `vpc-main`) routes `52.216.0.0/15` to vpc endpoint `s3-other` in vpc `vpc-other`",
        None,
    );
}

#[test]
fn error_route_to_eigw_in_other_vpc() {
    let yaml = route_to(
        "eigw-x",
        "::/0",
        "egress_only_internet_gateways:\n  - name: eigw-x\n    vpc: vpc-other\n",
    );
    expect_in(
        &yaml,
        ("target: eigw-x", "eigw-x"),
        "route table `rtb` (vpc `vpc-main`) routes `::/0` to egress-only internet gateway `eigw-x` in vpc `vpc-other`",
        None,
    );
}

#[test]
fn error_route_to_peering_not_of_this_vpc() {
    // A peering connection between two other VPCs cannot be a target here.
    let yaml = BASE.replace(
        "  - name: vpc-other\n",
        "  - name: vpc-third\n    cidrs: [\"10.2.0.0/16\"]\n  - name: vpc-other\n",
    ) + "peering_connections:\n  - name: pcx\n    requester_vpc: vpc-other\n    accepter_vpc: vpc-third\nroute_tables:\n  - name: rtb\n    vpc: vpc-main\n    routes:\n      - { destination: 10.1.0.0/16, target: pcx }\n";
    expect(
        &yaml,
        "pcx }",
        "route table `rtb` (vpc `vpc-main`) routes `10.1.0.0/16` to peering connection `pcx`, which connects vpcs `vpc-other` and `vpc-third`",
        None,
    );
}

#[test]
fn error_route_to_interface_endpoint() {
    let yaml = route_to(
        "ep-sqs",
        "10.9.0.0/16",
        "vpc_endpoints:\n  - name: ep-sqs\n    vpc: vpc-main\n    type: interface\n    service: com.amazonaws.us-east-1.sqs\n    subnets: [sub-app]\n",
    );
    expect_in(
        &yaml,
        ("target: ep-sqs", "ep-sqs"),
        "route table `rtb` routes `10.9.0.0/16` to interface endpoint `ep-sqs`, which cannot be a route target",
        Some("only gateway and gateway-load-balancer endpoints are route targets"),
    );
}

#[test]
fn error_ipv6_route_to_nat() {
    let yaml = route_to(
        "nat-a",
        "::/0",
        "nat_gateways:\n  - name: nat-a\n    subnet: sub-pub\n",
    );
    expect_in(
        &yaml,
        ("target: nat-a", "nat-a"),
        "route table `rtb` routes IPv6 destination `::/0` to nat gateway `nat-a`, which takes IPv6 only for `64:ff9b::/96` (NAT64)",
        Some("route IPv6 internet traffic to an egress-only internet gateway"),
    );
    // C-7.4: NAT64 is fine.
    let t = load(&route_to(
        "nat-a",
        "64:ff9b::/96",
        "nat_gateways:\n  - name: nat-a\n    subnet: sub-pub\n",
    ));
    assert_eq!(t.route_tables[0].routes[0].target, RouteTarget::Nat(0));
}

#[test]
fn error_ipv4_route_to_eigw() {
    let yaml = route_to(
        "eigw-a",
        "0.0.0.0/0",
        "egress_only_internet_gateways:\n  - name: eigw-a\n    vpc: vpc-main\n",
    );
    expect_in(
        &yaml,
        ("target: eigw-a", "eigw-a"),
        "route table `rtb` routes IPv4 destination `0.0.0.0/0` to egress-only internet gateway `eigw-a`, which carries IPv6 only",
        Some("route IPv4 to an internet gateway or a nat gateway"),
    );
}

#[test]
fn error_two_main_route_tables() {
    let yaml = with(
        "route_tables:\n  - name: rtb-1\n    vpc: vpc-main\n    main: true\n  - name: rtb-2\n    vpc: vpc-main\n    main: true\n",
    );
    let (first, _) = at(&yaml, "rtb-1");
    expect(
        &yaml,
        "rtb-2",
        &format!("vpc `vpc-main` has two main route tables: `rtb-1` (line {first}) and `rtb-2`"),
        Some("a vpc has exactly one main route table"),
    );
}

#[test]
fn error_two_default_nacls() {
    let yaml = with(
        "network_acls:\n  - name: nacl-1\n    vpc: vpc-main\n    default: true\n  - name: nacl-2\n    vpc: vpc-main\n    default: true\n",
    );
    let (first, _) = at(&yaml, "nacl-1");
    expect(
        &yaml,
        "nacl-2",
        &format!(
            "vpc `vpc-main` has two default network acls: `nacl-1` (line {first}) and `nacl-2`"
        ),
        Some("a vpc has exactly one default network acl"),
    );
}

#[test]
fn error_two_igws_attached() {
    let yaml = BASE.replace(
        "  - name: igw-other\n    vpc: vpc-other\n",
        "  - name: igw-two\n    vpc: vpc-main\n",
    );
    let (first, _) = at(&yaml, "igw-main");
    let d = only(&yaml);
    let (line, _) = at(&yaml, "name: igw-two");
    check(
        &d,
        (line + 1, 10),
        &format!(
            "vpc `vpc-main` has two internet gateways attached: `igw-main` (line {first}) and `igw-two`"
        ),
        Some("a vpc can have only one internet gateway"),
    );
}

#[test]
fn error_edge_association_with_igw_of_other_vpc() {
    let yaml = with(
        "route_tables:\n  - name: edge\n    vpc: vpc-main\n    edge_associations: [igw-other]\n",
    );
    expect(
        &yaml,
        "igw-other]",
        "route table `edge` (vpc `vpc-main`) is an edge table of internet gateway `igw-other`, which is attached to vpc `vpc-other`",
        None,
    );
}

#[test]
fn error_route_to_instance_without_interface() {
    let yaml = route_to(
        "appliance",
        "0.0.0.0/0",
        "instances:\n  - name: appliance\n",
    );
    expect_in(
        &yaml,
        ("target: appliance", "appliance"),
        "route table `rtb` refers to instance `appliance`, which has no network interface",
        Some("declare a network interface with `instance:` naming it"),
    );
}

// ----- NAT gateways, load balancers, target groups ------------------------

#[test]
fn error_private_nat_with_public_ip() {
    let yaml = with(
        "nat_gateways:\n  - name: nat-p\n    subnet: sub-app\n    connectivity: private\n    public_ip: 3.3.3.3\n",
    );
    expect(
        &yaml,
        "3.3.3.3",
        "nat gateway `nat-p` is private, but has public IP `3.3.3.3`",
        Some("only public nat gateways have an Elastic IP"),
    );
}

#[test]
fn error_nat_connectivity_value() {
    let yaml =
        with("nat_gateways:\n  - name: nat-p\n    subnet: sub-app\n    connectivity: pubilc\n");
    expect(
        &yaml,
        "pubilc",
        "invalid connectivity `pubilc` in nat gateway `nat-p`",
        Some("did you mean `public`?"),
    );
}

fn lb(fields: &str) -> String {
    with(&format!("load_balancers:\n  - name: lb\n{fields}"))
}

#[test]
fn error_lb_invalid_type_suggests() {
    let yaml = lb("    type: aplication\n    scheme: internal\n    subnets: [sub-app]\n");
    expect(
        &yaml,
        "aplication",
        "invalid load balancer type `aplication` in load balancer `lb`",
        Some("did you mean `application`?"),
    );
}

#[test]
fn error_lb_invalid_scheme() {
    let yaml = lb("    type: network\n    scheme: internet_facing\n    subnets: [sub-app]\n");
    expect(
        &yaml,
        "internet_facing",
        "invalid scheme `internet_facing` in load balancer `lb`",
        Some("did you mean `internet-facing`?"),
    );
}

#[test]
fn error_lb_invalid_ip_address_type() {
    let yaml = lb(
        "    type: network\n    scheme: internal\n    ip_address_type: dual-stack\n    subnets: [sub-app]\n",
    );
    expect(
        &yaml,
        "dual-stack",
        "invalid ip_address_type `dual-stack` in load balancer `lb`",
        Some("did you mean `dualstack`?"),
    );
}

#[test]
fn error_alb_listener_protocol_tcp() {
    let yaml = lb(
        "    type: application\n    scheme: internal\n    subnets: [sub-app]\n    security_groups: [sg-web]\n    listeners:\n      - { protocol: TCP, port: 80 }\n",
    );
    expect(
        &yaml,
        "TCP",
        "load balancer `lb` is an application load balancer, which has no `TCP` listeners",
        Some("an application load balancer listens on `HTTP` or `HTTPS`"),
    );
}

#[test]
fn error_nlb_listener_protocol_http() {
    let yaml = lb(
        "    type: network\n    scheme: internal\n    subnets: [sub-app]\n    listeners:\n      - { protocol: HTTPS, port: 443 }\n",
    );
    expect(
        &yaml,
        "HTTPS",
        "load balancer `lb` is a network load balancer, which has no `HTTPS` listeners",
        Some("a network load balancer listens on `TCP`, `TLS`, `UDP` or `TCP_UDP`"),
    );
    let yaml = lb(
        "    type: network\n    scheme: internal\n    subnets: [sub-app]\n    listeners:\n      - { protocol: UPD, port: 53 }\n",
    );
    expect(
        &yaml,
        "UPD",
        "invalid listener protocol `UPD` in load balancer `lb`",
        Some("did you mean `UDP`?"),
    );
}

#[test]
fn error_listener_port_out_of_range() {
    let yaml = lb(
        "    type: network\n    scheme: internal\n    subnets: [sub-app]\n    listeners:\n      - { protocol: TCP, port: 70000 }\n",
    );
    expect(
        &yaml,
        "70000",
        "invalid listener port `70000` in load balancer `lb`: ports are 1 to 65535",
        None,
    );
    let yaml = lb(
        "    type: network\n    scheme: internal\n    subnets: [sub-app]\n    listeners:\n      - { protocol: TCP, port: 0 }\n",
    );
    expect(
        &yaml,
        "0 }",
        "invalid listener port `0` in load balancer `lb`: ports are 1 to 65535",
        None,
    );
}

#[test]
fn error_lb_subnets_in_two_vpcs() {
    let yaml = lb("    type: network\n    scheme: internal\n    subnets: [sub-app, sub-other]\n");
    expect(
        &yaml,
        "sub-other]",
        "load balancer `lb` has subnets in two vpcs: `sub-app` is in vpc `vpc-main`, `sub-other` in vpc `vpc-other`",
        Some("all subnets of a load balancer are in one vpc"),
    );
}

#[test]
fn error_lb_security_group_in_other_vpc() {
    let yaml = lb(
        "    type: application\n    scheme: internal\n    subnets: [sub-app]\n    security_groups: [sg-other]\n",
    );
    expect(
        &yaml,
        "sg-other]",
        "load balancer `lb` is in vpc `vpc-main`, but security group `sg-other` belongs to vpc `vpc-other`",
        None,
    );
}

fn tg(fields: &str) -> String {
    with(&format!(
        "instances:\n  - name: web-1\nnetwork_interfaces:\n  - name: web-1-eni\n    subnet: sub-app\n    instance: web-1\n    security_groups: [sg-web]\n    private_ips: [{{ address: 10.0.2.10 }}]\ntarget_groups:\n  - name: tg\n{fields}"
    ))
}

#[test]
fn error_target_type_invalid() {
    let yaml = tg("    target_type: instances\n    protocol: TCP\n    port: 80\n");
    expect(
        &yaml,
        "instances\n",
        "invalid target_type `instances` in target group `tg`",
        Some("did you mean `instance`?"),
    );
}

#[test]
fn error_target_group_protocol_invalid() {
    let yaml = tg("    target_type: ip\n    protocol: HTTP2\n    port: 80\n");
    expect(
        &yaml,
        "HTTP2",
        "invalid protocol `HTTP2` in target group `tg`",
        Some("did you mean `HTTP`?"),
    );
}

#[test]
fn error_instance_target_in_ip_group() {
    let yaml = tg(
        "    target_type: ip\n    protocol: TCP\n    port: 80\n    targets:\n      - instance: web-1\n",
    );
    expect_in(
        &yaml,
        ("- instance: web-1", "web-1"),
        "target group `tg` has target_type `ip`, but a target names instance `web-1`",
        Some("write `ip: <address>`, or set `target_type: instance`"),
    );
}

#[test]
fn error_ip_target_in_instance_group() {
    let yaml = tg(
        "    target_type: instance\n    protocol: TCP\n    port: 80\n    targets:\n      - ip: 10.0.2.10\n",
    );
    expect_nth(
        &yaml,
        ("10.0.2.10", 1),
        "target group `tg` has target_type `instance`, but a target is the address `10.0.2.10`",
        Some("write `instance: <name>`, or set `target_type: ip`"),
    );
}

#[test]
fn error_target_ip_invalid() {
    let yaml = tg(
        "    target_type: ip\n    protocol: TCP\n    port: 80\n    targets:\n      - ip: web-1\n",
    );
    expect_nth(
        &yaml,
        ("web-1", 3),
        "invalid IP address `web-1` in target group `tg`",
        None,
    );
}

#[test]
fn error_target_sets_both_instance_and_ip() {
    let yaml = tg(
        "    target_type: ip\n    protocol: TCP\n    port: 80\n    targets:\n      - { ip: 10.0.2.10, instance: web-1 }\n",
    );
    expect(
        &yaml,
        "{ ip: 10.0.2.10,",
        "a target of target group `tg` sets both `instance` and `ip`",
        Some("set exactly one"),
    );
}

#[test]
fn error_preserve_client_ip_off_for_udp_ip_targets() {
    let yaml =
        tg("    target_type: ip\n    protocol: UDP\n    port: 53\n    preserve_client_ip: false\n");
    expect(
        &yaml,
        "tg\n",
        "target group `tg` turns off client IP preservation, which is always on for ip targets over UDP",
        Some("remove `preserve_client_ip: false`"),
    );
}

// ----- other enumerations -------------------------------------------------

#[test]
fn error_endpoint_type_invalid() {
    let yaml = with(
        "vpc_endpoints:\n  - name: ep\n    vpc: vpc-main\n    type: gatway\n    service: s3\n",
    );
    expect(
        &yaml,
        "gatway",
        "invalid endpoint type `gatway` in vpc endpoint `ep`",
        Some("did you mean `gateway`?"),
    );
}

#[test]
fn error_bpa_mode_invalid() {
    let yaml = with("block_public_access:\n  mode: block_ingress\n");
    expect(
        &yaml,
        "block_ingress",
        "invalid mode `block_ingress` in block_public_access",
        Some("did you mean `block-ingress`?"),
    );
}

#[test]
fn error_bpa_exclusion_mode_invalid() {
    let yaml = with(
        "block_public_access:\n  mode: block-bidirectional\n  exclusions:\n    - { resource: sub-pub, mode: allow-outbound }\n",
    );
    expect(
        &yaml,
        "allow-outbound",
        "invalid exclusion mode `allow-outbound` in a block_public_access exclusion of `sub-pub`",
        Some("expected `allow-bidirectional` or `allow-egress`"),
    );
}

#[test]
fn error_policy_port_spec_invalid() {
    let yaml = with(
        "instances:\n  - name: bastion\npolicy:\n  public_exposure:\n    allow:\n      - { resource: bastion, ports: [tpc/22, tcp/abc, icmp/8] }\n",
    );
    let d = diags(&yaml);
    assert_eq!(d.len(), 3, "{d:#?}");
    let ctx = "the public_exposure allowance for `bastion`";
    check(
        &d[0],
        at(&yaml, "tpc/22"),
        &format!("invalid port spec `tpc/22` in {ctx}"),
        Some("did you mean `tcp/22`?"),
    );
    check(
        &d[1],
        at(&yaml, "tcp/abc"),
        &format!("invalid port spec `tcp/abc` in {ctx}"),
        Some("write `tcp/22`, `udp/500-4500`, `tcp`, `icmp`, `icmpv6` or `all`"),
    );
    check(
        &d[2],
        at(&yaml, "icmp/8"),
        &format!("invalid port spec `icmp/8` in {ctx}: only tcp and udp take ports"),
        Some("write `icmp` alone"),
    );
}

#[test]
fn error_prefix_list_mixes_families() {
    let yaml = with("prefix_lists:\n  - name: pl\n    entries: [\"10.0.0.0/8\", \"::/0\"]\n");
    expect(
        &yaml,
        "\"::/0\"",
        "prefix list `pl` mixes IPv4 and IPv6 entries: `::/0`",
        Some("a prefix list holds one address family"),
    );
}

#[test]
fn error_eni_owner_must_name_one() {
    let yaml = with(
        "network_interfaces:\n  - name: eni-a\n    subnet: sub-app\n    owner: { service: lambda, nat_gateway: x }\n",
    );
    expect(
        &yaml,
        "{ service: lambda",
        "network interface `eni-a` has several owners (`nat_gateway` and `service`)",
        Some(
            "set one of `nat_gateway`, `load_balancer`, `vpc_endpoint`, `transit_gateway` or `service`",
        ),
    );
}

// ----- all errors in one pass, and rendering ------------------------------

#[test]
fn error_collects_all_errors_in_file_order() {
    let yaml = BASE.replace(
        "vpc: vpc-other\n    cidr: 10.1.1.0/24",
        "vpc: vpc-othr\n    cidr: 10.1.1.0/24",
    ) + "route_tables:\n  - name: rtb\n    vpc: vpc-main\n    routes:\n      - { destination: 10.0.0.1/8, target: igw-mian }\n";
    let d = diags(&yaml);
    let messages: Vec<&str> = d.iter().map(|d| d.message.as_str()).collect();
    assert_eq!(
        messages,
        [
            "subnet `sub-other` refers to unknown vpc `vpc-othr`",
            "CIDR `10.0.0.1/8` in route table `rtb` has host bits set",
        ],
    );
    let err = load_str(&yaml, "t.yaml").unwrap_err();
    assert!(matches!(err, LoadError::Invalid(_)));
    assert!(
        err.render(Some(&yaml))
            .ends_with("error: could not load `t.yaml` due to 2 errors\n")
    );
}

#[test]
fn render_matches_rustc_style() {
    let yaml = with(
        "route_tables:\n  - name: rtb-pub\n    vpc: vpc-main\n    routes:\n      - destination: 0.0.0.0/0\n        target: igw-mian\n",
    );
    let err = load_str(&yaml, "topologies/web.yaml").unwrap_err();
    let (line, col) = at(&yaml, "igw-mian");
    assert_eq!((line, col), (34, 17));
    assert_eq!(
        err.render(Some(&yaml)),
        "error: route table `rtb-pub` routes `0.0.0.0/0` to unknown target `igw-mian`\n  \
         --> topologies/web.yaml:34:17\n   |\n\
         34 |         target: igw-mian\n   |                 ^^^^^^^^\n   \
         = help: did you mean `igw-main`?\n"
    );
    assert_eq!(
        err.to_string(),
        "topologies/web.yaml:34:17: route table `rtb-pub` routes `0.0.0.0/0` to unknown target `igw-mian` (help: did you mean `igw-main`?)"
    );
}

#[test]
fn invalid_fixtures_report_their_expected_error() {
    // Each fixture starts with `# expect: <line>:<column>: <message>`.
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/invalid");
    let mut seen = 0;
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_none_or(|e| e != "yaml") {
            continue;
        }
        let text = std::fs::read_to_string(&path).unwrap();
        let expect = text
            .lines()
            .find_map(|l| l.strip_prefix("# expect: "))
            .unwrap_or_else(|| panic!("{} has no `# expect:` line", path.display()));
        let err = load_file(&path).expect_err(&path.display().to_string());
        let first = &err.diagnostics()[0];
        let got = format!("{}:{}: {}", first.line, first.column, first.message);
        assert_eq!(got, expect, "{}", path.display());
        seen += 1;
    }
    assert!(seen >= 4, "only {seen} fixtures");
}

// ----- resolution and AWS defaults ----------------------------------------

#[test]
fn default_nacl_is_synthesized() {
    let t = load(BASE);
    let main = &t.vpcs[0];
    let nacl = &t.nacls[main.default_nacl];
    assert!(nacl.synthesized && nacl.default);
    assert_eq!(nacl.meta.name, "vpc-main-default-nacl");
    assert_eq!(nacl.vpc, 0);
    // C-4.1: rule 100 for IPv4, and 101 for IPv6 because the VPC has IPv6.
    for rules in [&nacl.ingress, &nacl.egress] {
        let got: Vec<(u32, bool, Proto, String)> = rules
            .iter()
            .map(|r| (r.number, r.allow, r.proto, r.cidr.to_string()))
            .collect();
        assert_eq!(
            got,
            [
                (100, true, Proto::All, "0.0.0.0/0".into()),
                (101, true, Proto::All, "::/0".into())
            ]
        );
        assert!(rules.iter().all(|r| r.port == PortMatch::ALL));
    }
    // IPv4-only VPC: rule 100 only.
    let other = &t.nacls[t.vpcs[1].default_nacl];
    assert_eq!(other.ingress.len(), 1);
    assert_eq!(t.subnets[2].nacl, t.vpcs[1].default_nacl);
    assert_eq!(
        t.names.get("vpc-main-default-nacl"),
        Some(&ResourceRef::Nacl(main.default_nacl))
    );
}

#[test]
fn declared_default_nacl_is_used() {
    let yaml = with(
        "network_acls:\n  - name: nacl-default\n    vpc: vpc-main\n    default: true\n  - name: nacl-pub\n    vpc: vpc-main\n",
    );
    let yaml = yaml.replace(
        "ipv6_cidr: \"2600:1f18:0:1::/64\"\n",
        "ipv6_cidr: \"2600:1f18:0:1::/64\"\n    network_acl: nacl-pub\n",
    );
    let t = load(&yaml);
    assert_eq!(t.vpcs[0].default_nacl, 0);
    assert!(!t.nacls[0].synthesized);
    assert_eq!(t.subnets[0].nacl, 1);
    assert_eq!(t.subnets[1].nacl, 0);
    // A custom NACL starts with no rules (C-4.1).
    assert!(t.nacls[1].ingress.is_empty());
}

#[test]
fn subnet_falls_back_to_main_route_table() {
    let yaml = BASE.replace(
        "cidr: 10.0.1.0/24\n",
        "cidr: 10.0.1.0/24\n    route_table: rtb-pub\n",
    ) + "route_tables:\n  - name: rtb-main\n    vpc: vpc-main\n    main: true\n  - name: rtb-pub\n    vpc: vpc-main\n";
    let t = load(&yaml);
    assert_eq!(t.vpcs[0].main_route_table, Some(0));
    assert_eq!(
        (t.subnets[0].route_table, t.subnets[0].uses_main_route_table),
        (Some(1), false)
    );
    assert_eq!(
        (t.subnets[1].route_table, t.subnets[1].uses_main_route_table),
        (Some(0), true)
    );
    // vpc-other has no main table: its subnet falls back to the derived one.
    let derived = t.vpcs[1].main_route_table.unwrap();
    assert_eq!(derived, 2);
    assert_eq!(
        (t.subnets[2].route_table, t.subnets[2].uses_main_route_table),
        (Some(2), true)
    );
    assert!(!t.route_tables[0].derived && t.route_tables[2].derived);
}

#[test]
fn nat_eni_is_derived() {
    let yaml = with(
        "network_interfaces:\n  - name: eni-a\n    subnet: sub-pub\n    security_groups: [sg-web]\n    private_ips: [{ address: 10.0.1.4 }]\nnat_gateways:\n  - name: nat-a\n    subnet: sub-pub\n    public_ip: 3.3.3.3\n  - name: nat-b\n    subnet: sub-pub\n  - name: nat-p\n    subnet: sub-app\n    connectivity: private\n    private_ip: 10.0.2.50\n    state: deleted\n",
    );
    let t = load(&yaml);
    let (a, b, p) = (&t.nats[0], &t.nats[1], &t.nats[2]);
    assert!(a.public && a.available && !p.public && !p.available);
    let eni_a = &t.enis[a.eni];
    assert!(eni_a.derived);
    assert_eq!(eni_a.meta.name, "nat-a-eni");
    assert_eq!(eni_a.owner, EniOwner::Nat(0));
    assert_eq!(eni_a.subnet, 0);
    assert!(!eni_a.source_dest_check && eni_a.security_groups.is_empty());
    // The first free host address: .4 is taken, .0-.3 are reserved.
    assert_eq!(eni_a.private_ips[0].addr.to_string(), "10.0.1.5");
    assert_eq!(
        eni_a.private_ips[0].public,
        Some(PublicIp::Known {
            addr: "3.3.3.3".parse().unwrap(),
            eip: true
        })
    );
    let eni_b = &t.enis[b.eni];
    assert_eq!(eni_b.private_ips[0].addr.to_string(), "10.0.1.6");
    assert_eq!(eni_b.private_ips[0].public, Some(PublicIp::Auto));
    let eni_p = &t.enis[p.eni];
    assert_eq!(eni_p.private_ips[0].addr.to_string(), "10.0.2.50");
    assert_eq!(eni_p.private_ips[0].public, None);
    assert_eq!(t.names.get("nat-a-eni"), Some(&ResourceRef::Eni(a.eni)));
}

#[test]
fn nat_declared_eni_is_joined() {
    let yaml = with(
        "network_interfaces:\n  - name: nat-a-if\n    subnet: sub-pub\n    owner: { nat_gateway: nat-a }\n    private_ips: [{ address: 10.0.1.20, public_ip: 3.3.3.3, eip_allocation: eipalloc-1 }]\nnat_gateways:\n  - name: nat-a\n    subnet: sub-pub\n",
    );
    let t = load(&yaml);
    assert_eq!(t.nats[0].eni, 0);
    assert_eq!(t.enis.len(), 1);
    let e = &t.enis[0];
    assert!(!e.derived && !e.source_dest_check);
    assert_eq!(
        e.private_ips[0].public,
        Some(PublicIp::Known {
            addr: "3.3.3.3".parse().unwrap(),
            eip: true
        })
    );
}

#[test]
fn lb_nodes_are_derived() {
    let yaml = with(
        "network_interfaces:\n  - name: eni-a\n    subnet: sub-pub\n    security_groups: [sg-web]\n    private_ips: [{ address: 10.0.1.4 }]\n    ipv6_addresses: [\"2600:1f18:0:1::4\"]\nload_balancers:\n  - name: alb\n    type: application\n    scheme: internet-facing\n    ip_address_type: dualstack\n    subnets: [sub-pub, sub-app]\n    security_groups: [sg-web]\n    listeners:\n      - { protocol: HTTPS, port: 443 }\n",
    );
    let t = load(&yaml);
    let lb = &t.load_balancers[0];
    assert!(lb.nodes_derived && lb.internet_facing && lb.dualstack);
    assert_eq!((lb.kind, lb.vpc), (LbKind::Application, 0));
    assert_eq!(lb.listeners[0].protocol, LbProtocol::Https);
    assert_eq!(lb.enis.len(), 2);
    let n0 = &t.enis[lb.enis[0]];
    assert_eq!(n0.meta.name, "alb-sub-pub");
    assert!(n0.derived && !n0.source_dest_check);
    assert_eq!(n0.owner, EniOwner::LoadBalancer(0));
    assert_eq!(n0.security_groups, vec![0]);
    assert_eq!(n0.private_ips[0].addr.to_string(), "10.0.1.5");
    assert_eq!(n0.private_ips[0].public, Some(PublicIp::Auto));
    assert_eq!(n0.ipv6_addresses[0].to_string(), "2600:1f18:0:1::5");
    let n1 = &t.enis[lb.enis[1]];
    assert_eq!((n1.meta.name.as_str(), n1.subnet), ("alb-sub-app", 1));
    assert_eq!(n1.private_ips[0].addr.to_string(), "10.0.2.4");
    assert!(n1.ipv6_addresses.is_empty());
}

#[test]
fn lb_internal_nodes_have_no_public_ip_and_declared_nodes_win() {
    let yaml = with(
        "load_balancers:\n  - name: nlb\n    type: network\n    scheme: internal\n    subnets: [sub-app]\n  - name: nlb2\n    type: network\n    scheme: internet-facing\n    subnets: [sub-pub]\nnetwork_interfaces:\n  - name: nlb2-node\n    subnet: sub-pub\n    owner: { load_balancer: nlb2 }\n    private_ips: [{ address: 10.0.1.30, public_ip: 3.3.3.4 }]\n",
    );
    let t = load(&yaml);
    let n = &t.enis[t.load_balancers[0].enis[0]];
    assert_eq!(n.private_ips[0].public, None);
    assert_eq!(t.load_balancers[1].enis, vec![0]);
    assert!(!t.load_balancers[1].nodes_derived);
    assert!(!t.enis[0].source_dest_check);
}

#[test]
fn preserve_client_ip_defaults() {
    let yaml = with(
        "target_groups:\n  - { name: tg-inst-tcp, target_type: instance, protocol: TCP, port: 80 }\n  - { name: tg-ip-udp, target_type: ip, protocol: UDP, port: 53 }\n  - { name: tg-ip-tcpudp, target_type: ip, protocol: TCP_UDP, port: 53 }\n  - { name: tg-ip-tcp, target_type: ip, protocol: TCP, port: 80 }\n  - { name: tg-ip-tls, target_type: ip, protocol: TLS, port: 443 }\n  - { name: tg-inst-http, target_type: instance, protocol: HTTP, port: 80 }\n  - { name: tg-ip-tcp-on, target_type: ip, protocol: TCP, port: 80, preserve_client_ip: true }\n",
    );
    let t = load(&yaml);
    let got: Vec<(&str, bool)> = t
        .target_groups
        .iter()
        .map(|g| (g.meta.name.as_str(), g.preserve_client_ip))
        .collect();
    assert_eq!(
        got,
        [
            ("tg-inst-tcp", true),
            ("tg-ip-udp", true),
            ("tg-ip-tcpudp", true),
            ("tg-ip-tcp", false),
            ("tg-ip-tls", false),
            ("tg-inst-http", false),
            ("tg-ip-tcp-on", true),
        ]
    );
}

#[test]
fn targets_resolve_to_interfaces_and_addresses() {
    let yaml = tg(
        "    target_type: instance\n    protocol: TCP\n    port: 80\n    targets:\n      - instance: web-1\n      - { instance: web-1-eni, port: 8080 }\n  - name: tg-ip\n    target_type: ip\n    protocol: TCP\n    port: 80\n    targets:\n      - ip: 192.168.5.5\n",
    );
    let t = load(&yaml);
    let targets = &t.target_groups[0].targets;
    assert!(matches!(targets[0].target, TargetRef::Eni(0)));
    assert_eq!((targets[0].port, targets[1].port), (80, 8080));
    assert!(
        matches!(t.target_groups[1].targets[0].target, TargetRef::Ip(ip) if ip.to_string() == "192.168.5.5")
    );
}

#[test]
fn instance_route_target_is_primary_eni() {
    let yaml = route_to(
        "appliance",
        "0.0.0.0/0",
        "instances:\n  - name: appliance\nnetwork_interfaces:\n  - name: other\n    subnet: sub-app\n    security_groups: [sg-web]\n  - name: appliance-primary\n    subnet: sub-pub\n    instance: appliance\n    source_dest_check: false\n    security_groups: [sg-web]\n  - name: appliance-second\n    subnet: sub-app\n    instance: appliance\n    security_groups: [sg-web]\n",
    );
    let t = load(&yaml);
    assert_eq!(t.instances[0].enis, vec![1, 2]);
    assert_eq!(t.route_tables[0].routes[0].target, RouteTarget::Eni(1));
    assert!(!t.enis[1].source_dest_check);
    assert!(t.enis[2].source_dest_check);
}

#[test]
fn routes_resolve_targets_and_flags() {
    let yaml = with(
        "prefix_lists:\n  - name: pl-s3\n    entries: [\"52.216.0.0/15\"]\negress_only_internet_gateways:\n  - name: eigw\n    vpc: vpc-main\nvpc_endpoints:\n  - name: s3\n    vpc: vpc-main\n    type: gateway\n    service: com.amazonaws.us-east-1.s3\n  - name: gwlbe\n    vpc: vpc-main\n    type: gateway-load-balancer\n    service: com.amazonaws.vpce.x\ntransit_gateways:\n  - name: tgw\nvpn_gateways:\n  - name: vgw\n    vpc: vpc-main\npeering_connections:\n  - name: pcx\n    requester_vpc: vpc-main\n    accepter_vpc: vpc-other\n    status: pending-acceptance\nroute_tables:\n  - name: rtb\n    vpc: vpc-main\n    propagating_gateways: [vgw]\n    routes:\n      - { destination: 0.0.0.0/0, target: igw-main }\n      - { destination: \"::/0\", target: eigw }\n      - { prefix_list: pl-s3, target: s3 }\n      - { destination: 10.1.0.0/16, target: pcx }\n      - { destination: 10.2.0.0/16, target: tgw }\n      - { destination: 10.3.0.0/16, target: vgw, origin: propagated }\n      - { destination: 10.4.0.0/16, target: gwlbe }\n      - { destination: 10.5.0.0/16, target: blackhole }\n      - { destination: 10.6.0.0/16, target: igw-main, state: blackhole }\n      - { destination: 10.0.0.0/16, target: local }\n  - name: edge\n    vpc: vpc-main\n    edge_associations: [igw-main, vgw]\n",
    );
    let t = load(&yaml);
    let routes = &t.route_tables[0].routes;
    let targets: Vec<&RouteTarget> = routes.iter().map(|r| &r.target).collect();
    let other = |name: &str| t.others.iter().position(|m| m.name == name).unwrap();
    assert_eq!(
        targets,
        [
            &RouteTarget::Igw(0),
            &RouteTarget::Eigw(0),
            &RouteTarget::GatewayEndpoint(0),
            &RouteTarget::Peering(0),
            &RouteTarget::Other(other("tgw")),
            &RouteTarget::Other(other("vgw")),
            &RouteTarget::Other(other("gwlbe")),
            &RouteTarget::Blackhole,
            &RouteTarget::Igw(0),
            &RouteTarget::Local,
        ]
    );
    assert!(matches!(routes[2].dest, RouteDest::PrefixList(0)));
    assert!(routes[5].propagated && !routes[0].propagated);
    assert!(routes[7].blackhole && routes[8].blackhole && !routes[0].blackhole);
    assert_eq!(routes[0].pos.line, at(&yaml, "{ destination: 0.0.0.0/0").0);
    assert!(!t.peerings[0].active);
    assert_eq!(t.endpoints[1].kind, EndpointKind::GatewayLoadBalancer);
    assert_eq!(
        t.route_tables[1].edge_associations,
        [GatewayRef::Igw(0), GatewayRef::Vgw(other("vgw"))]
    );
    assert_eq!(t.igws[0].edge_route_table, Some(1));
    assert_eq!(t.names.get("tgw"), Some(&ResourceRef::Other(other("tgw"))));
    assert_eq!(t.names.get("gwlbe"), Some(&ResourceRef::Endpoint(1)));
}

#[test]
fn vpc_defaults() {
    let yaml = BASE.replace(
        "  - name: vpc-other\n    cidrs: [\"10.1.0.0/16\"]\n",
        "  - name: vpc-other\n    cidrs: [\"10.1.0.0/16\"]\n    region: eu-west-1\n    dns_support: false\n    dns_hostnames: true\n    dhcp_options:\n      domain_name_servers: [AmazonProvidedDNS, 10.1.0.53]\n",
    )
    .replace("version: 1\n", "version: 1\nregion: us-east-1\naccount: 123456789012\n")
        + "egress_only_internet_gateways:\n  - name: eigw\n    vpc: vpc-main\n";
    let t = load(&yaml);
    let (a, b) = (&t.vpcs[0], &t.vpcs[1]);
    assert!(a.dns_support && !a.dns_hostnames);
    assert!(!b.dns_support && b.dns_hostnames);
    assert!(a.custom_dns_servers.is_empty());
    assert_eq!(b.custom_dns_servers, ["10.1.0.53"]);
    assert_eq!(
        (a.region.as_deref(), b.region.as_deref()),
        (Some("us-east-1"), Some("eu-west-1"))
    );
    assert_eq!(a.account.as_deref(), Some("123456789012"));
    assert_eq!((a.igw, b.igw), (Some(0), Some(1)));
    assert_eq!(a.eigws, [0]);
    // No `main: true` table: the main table is derived (C-3.1).
    let main = &t.route_tables[a.main_route_table.unwrap()];
    assert!(main.derived && main.main);
    assert_eq!(a.cidrs[0].to_string(), "10.0.0.0/16");
    assert_eq!(a.ipv6_cidrs[0].to_string(), "2600:1f18::/56");
}

#[test]
fn eni_defaults() {
    let yaml = with(
        "vpc_endpoints:\n  - name: ep\n    vpc: vpc-main\n    type: interface\n    service: com.amazonaws.us-east-1.sqs\n    subnets: [sub-app]\nnetwork_interfaces:\n  - name: plain\n    subnet: sub-pub\n    security_groups: [sg-web]\n    private_ips:\n      - { address: 10.0.1.10, public_ip: auto }\n      - { address: 10.0.1.11, public_ip: 3.3.3.3 }\n      - { address: 10.0.1.12, public_ip: 3.3.3.5, eip_allocation: eipalloc-1 }\n      - { address: 10.0.1.13, eip_allocation: eipalloc-2 }\n  - name: ep-if\n    subnet: sub-app\n    attached: false\n    owner: { vpc_endpoint: ep }\n  - name: lambda-if\n    subnet: sub-app\n    owner: { service: lambda }\n    security_groups: [sg-web]\n",
    );
    let t = load(&yaml);
    let plain = &t.enis[0];
    assert!(plain.source_dest_check && plain.attached && !plain.derived);
    assert_eq!(
        (plain.vpc, plain.subnet, plain.owner.clone()),
        (0, 0, EniOwner::Workload)
    );
    let publics: Vec<Option<PublicIp>> = plain.private_ips.iter().map(|p| p.public).collect();
    assert_eq!(
        publics,
        [
            Some(PublicIp::Auto),
            Some(PublicIp::Known {
                addr: "3.3.3.3".parse().unwrap(),
                eip: false
            }),
            Some(PublicIp::Known {
                addr: "3.3.3.5".parse().unwrap(),
                eip: true
            }),
            Some(PublicIp::Auto),
        ]
    );
    let ep = &t.enis[1];
    assert_eq!(ep.owner, EniOwner::Endpoint(0));
    assert!(!ep.source_dest_check && !ep.attached);
    assert_eq!(t.enis[2].owner, EniOwner::Service("lambda".into()));
    assert!(t.enis[2].source_dest_check);
    assert!(t.endpoints[0].private_dns);
}

#[test]
fn rules_are_parsed_and_sorted() {
    let yaml = nacl(
        "      - { rule: 200, action: deny, protocol: \"-1\", cidr: \"::/0\" }\n      - { rule: 100, action: allow, protocol: 6, ports: 1024-65535, cidr: 0.0.0.0/0 }\n      - { rule: 110, action: allow, protocol: icmp, icmp_type: 8, icmp_code: -1, cidr: 0.0.0.0/0 }\n      - { rule: 120, action: allow, protocol: udp, cidr: 10.0.0.0/8 }\n      - { rule: 130, action: allow, protocol: 50, ports: 1-2, cidr: 10.0.0.0/8 }\n",
    );
    let t = load(&yaml);
    let rules = &t.nacls[0].ingress;
    let nums: Vec<u32> = rules.iter().map(|r| r.number).collect();
    assert_eq!(nums, [100, 110, 120, 130, 200]);
    assert_eq!(rules[0].proto, Proto::Num(6));
    assert_eq!(rules[0].port.ports, (1024, 65535));
    assert_eq!(
        (rules[1].port.icmp_type, rules[1].port.icmp_code),
        (Some(8), None)
    );
    assert_eq!(rules[2].port, PortMatch::ALL);
    // C-1.4: other protocol numbers ignore ports.
    assert_eq!(rules[3].port, PortMatch::ALL);
    assert!(!rules[4].allow && rules[4].proto == Proto::All);
    assert_eq!(rules[0].pos.line, at(&yaml, "{ rule: 100").0);
}

#[test]
fn sg_protocol_all_ignores_ports_and_peers_resolve() {
    let yaml = with("prefix_lists:\n  - name: pl\n").replace(
        "  - name: sg-web\n    vpc: vpc-main\n",
        "  - name: sg-web\n    vpc: vpc-main\n    ingress:\n      - { protocol: all, ports: 443, cidr: 0.0.0.0/0 }\n      - { protocol: tcp, ports: 443, prefix_list: pl }\n      - { protocol: tcp, security_group: sg-other }\n    egress:\n      - { protocol: icmpv6, cidr: \"::/0\" }\n",
    );
    let t = load(&yaml);
    let sg = &t.security_groups[0];
    assert_eq!(
        (sg.ingress[0].proto, sg.ingress[0].port),
        (Proto::All, PortMatch::ALL)
    );
    assert!(matches!(sg.ingress[1].peer, SgPeer::PrefixList(0)));
    assert!(matches!(sg.ingress[2].peer, SgPeer::SecurityGroup(1)));
    assert_eq!(sg.ingress[2].port, PortMatch::ALL);
    assert_eq!(sg.egress[0].proto, Proto::Num(58));
    assert_eq!(t.prefix_lists[0].entries, None);
}

#[test]
fn prefix_list_entries_and_family() {
    let yaml = with(
        "prefix_lists:\n  - name: unknown\n    family: ipv6\n  - name: known\n    entries: [\"10.0.0.0/8\"]\n  - name: empty\n    entries: []\n",
    );
    let t = load(&yaml);
    assert_eq!(t.prefix_lists[0].entries, None);
    assert_eq!(t.prefix_list_family(0), Some(format::AddressFamily::Ipv6));
    assert_eq!(t.prefix_list_family(1), Some(format::AddressFamily::Ipv4));
    assert_eq!(t.prefix_lists[2].entries, Some(vec![]));
    assert_eq!(t.prefix_list_family(2), None);
}

#[test]
fn bpa_policy_and_gaps_resolve() {
    let yaml = with(
        "load_balancers:\n  - { name: alb, type: application, scheme: internet-facing, subnets: [sub-pub], security_groups: [sg-web] }\ninstances:\n  - name: bastion\nblock_public_access:\n  mode: block-ingress\n  exclusions:\n    - { resource: vpc-other, mode: allow-bidirectional }\n    - { resource: sub-pub, mode: allow-egress }\npolicy:\n  public_exposure:\n    allow:\n      - { resource: bastion, ports: [tcp/22, udp/500-4500, icmp, all, tcp], from: [203.0.113.0/24] }\n    forbid: [alb]\ngaps:\n  - what: describe-vpc-endpoints in us-east-1 AccessDenied\n    affects: [public-exposure]\n",
    );
    let t = load(&yaml);
    assert_eq!(t.bpa.mode, BpaMode::BlockIngress);
    assert_eq!(
        t.bpa.vpc_exclusions,
        [(1, BpaExclusionMode::AllowBidirectional)]
    );
    assert_eq!(
        t.bpa.subnet_exclusions,
        [(0, BpaExclusionMode::AllowEgress)]
    );
    let allow = &t.policy.exposure_allow[0];
    assert_eq!(allow.resource, ResourceRef::Instance(0));
    let specs: Vec<(Proto, (u16, u16))> = allow
        .ports
        .iter()
        .map(|p| (p.proto, p.port.ports))
        .collect();
    assert_eq!(
        specs,
        [
            (Proto::Num(6), (22, 22)),
            (Proto::Num(17), (500, 4500)),
            (Proto::Num(1), (0, 65535)),
            (Proto::All, (0, 65535)),
            (Proto::Num(6), (0, 65535)),
        ]
    );
    assert_eq!(allow.from[0].to_string(), "203.0.113.0/24");
    assert_eq!(t.policy.exposure_forbid[0].0, 0);
    assert_eq!(t.gaps[0].affects, ["public-exposure"]);
    assert_eq!(t.gaps_for("public-exposure").count(), 1);
}

#[test]
fn hybrid_sections_are_referenceable() {
    let yaml = with(
        "transit_gateways:\n  - name: tgw\n    attachments: [{ name: att, type: vpc, vpc: vpc-main, subnets: [sub-app] }]\n    route_tables: [{ name: trt, associations: [att] }]\nvpn_gateways:\n  - { name: vgw, vpc: vpc-main }\ncustomer_gateways:\n  - { name: cgw, ip_address: 198.51.100.1 }\nvpn_connections:\n  - { name: vpn, customer_gateway: cgw, gateway: vgw, static_routes_only: true, routes: [192.168.0.0/16] }\ndirect_connect:\n  connections: [{ name: dxcon }]\n  virtual_interfaces:\n    - { name: dx-vif, type: private, connection: dxcon, vpn_gateway: vgw, vlan: 101 }\non_prem_networks:\n  - { name: dc, cidrs: [192.168.0.0/16], via: [vpn, dx-vif] }\nnetwork_interfaces:\n  - { name: tgw-if, subnet: sub-app, owner: { transit_gateway: tgw } }\n",
    );
    let t = load(&yaml);
    let names: Vec<&str> = t.others.iter().map(|m| m.name.as_str()).collect();
    assert_eq!(
        names,
        [
            "tgw", "att", "trt", "vgw", "cgw", "vpn", "dxcon", "dx-vif", "dc"
        ]
    );
    for (i, n) in names.iter().enumerate() {
        assert_eq!(t.names.get(*n), Some(&ResourceRef::Other(i)));
    }
    use netverify::model::HybridRef as H;
    assert_eq!(
        t.hybrid.other_kind,
        [
            Some(H::Tgw(0.into())),
            Some(H::TgwAttachment(0.into())),
            Some(H::TgwRouteTable(0.into())),
            Some(H::Vgw(0.into())),
            Some(H::Cgw(0.into())),
            Some(H::Vpn(0.into())),
            Some(H::DxConnection(0.into())),
            Some(H::Vif(0.into())),
            Some(H::OnPrem(0.into())),
        ]
    );
    assert_eq!(
        t.hybrid.tgw_attachments[TgwAttachmentId::from(0)].route_table,
        Some(TgwRouteTableId::from(0))
    );
    assert_eq!(t.hybrid.vgws[VgwId::from(0)].vpns, [VpnId::from(0)]);
    assert_eq!(t.hybrid.vgws[VgwId::from(0)].vifs, [VifId::from(0)]);
    assert_eq!(t.enis[0].owner, EniOwner::TransitGateway);
    assert!(!t.enis[0].source_dest_check);
}

#[test]
fn resolve_works_without_positions() {
    // Values built in code (as property tests do) have unknown positions.
    let mut file = format::TopologyFile {
        version: model::Sp::new(1),
        ..Default::default()
    };
    file.vpcs.push(model::Sp::new(format::Vpc {
        name: model::Sp::new("v".into()),
        cidrs: vec![model::Sp::new("10.0.0.0/16".into())],
        ..Default::default()
    }));
    file.subnets.push(model::Sp::new(format::Subnet {
        name: model::Sp::new("s".into()),
        vpc: model::Sp::new("v".into()),
        cidr: Some(model::Sp::new("10.0.0.0/24".into())),
        ..Default::default()
    }));
    let t = model::resolve(file.clone(), "gen.yaml").unwrap();
    assert_eq!(t.file, "gen.yaml");
    assert_eq!(t.subnets[0].vpc, 0);
    assert!(t.nacls[0].synthesized);

    file.subnets[0].value.vpc = model::Sp::new("w".into());
    file.instances.push(model::Sp::new(format::Instance {
        name: model::Sp::new("v".into()),
        ..Default::default()
    }));
    let err = model::resolve(file, "gen.yaml").unwrap_err();
    let d = err.diagnostics();
    assert_eq!(d.len(), 2, "{d:#?}");
    assert!(d.iter().all(|d| (d.line, d.column) == (0, 0)));
    assert!(
        d.iter()
            .any(|d| d.message == "instance name `v` is already used by a vpc")
    );
    assert!(
        d.iter()
            .any(|d| d.message == "subnet `s` refers to unknown vpc `w`")
    );
    assert!(err.render(None).contains(" --> gen.yaml\n"));
}

#[test]
fn reference_topologies_load() {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/topologies");
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries {
        let path = entry.unwrap().path();
        // Every example topology is a valid file (its checks may fail).
        if path.extension().is_some_and(|e| e == "yaml") {
            let text = std::fs::read_to_string(&path).unwrap();
            if let Err(e) = load_str(&text, &path.display().to_string()) {
                panic!("{}", e.render(Some(&text)));
            }
        }
    }
}

// ----- gaps: check ids ------------------------------------------------------

#[test]
fn check_ids_start_with_the_implemented_check() {
    assert_eq!(
        model::CHECK_IDS,
        [
            "public-exposure",
            "private-service-access",
            "transit-encryption",
            "ipsec-strength",
            "on-prem-access",
            "expected-flows"
        ]
    );
}

#[test]
fn error_gap_affects_misspelt_check_suggests_id() {
    // A misspelt id would match no check: the gap would do nothing, and
    // the check would pass where it must be `unknown`.
    let yaml = with(
        "gaps:\n  - what: vpc endpoints unreadable\n    affects: [public-exposure, public-exposur]\n",
    );
    // The error points at the misspelt id itself.
    expect(
        &yaml,
        "public-exposur]",
        "gap `vpc endpoints unreadable` affects unknown check `public-exposur`",
        Some("did you mean `public-exposure`?"),
    );
}

#[test]
fn error_gap_affects_unknown_check_lists_ids() {
    let yaml = with("gaps:\n  - what: x\n  - what: tunnels unreadable\n    affects: [vpn]\n");
    expect(
        &yaml,
        "vpn]",
        "gap `tunnels unreadable` affects unknown check `vpn`",
        Some(
            "expected `public-exposure`, `private-service-access`, `transit-encryption`, `ipsec-strength`, `on-prem-access` or `expected-flows`",
        ),
    );
}

#[test]
fn gap_affects_every_known_check_id() {
    let yaml = with(
        "gaps:\n  - what: x\n    affects: [public-exposure, private-service-access, transit-encryption, ipsec-strength, on-prem-access, expected-flows]\n",
    );
    let t = load(&yaml);
    assert_eq!(t.gaps[0].affects, model::CHECK_IDS);
    assert_eq!(t.gaps_for("transit-encryption").count(), 1);
}

// ----- public IPv4 addresses: global, and mapped once ---------------------

/// An interface in `sub-pub` whose private IP maps `public`.
fn eni_public(public: &str) -> String {
    with(&format!(
        "network_interfaces:\n  - name: eni-a\n    subnet: sub-pub\n    security_groups: [sg-web]\n    private_ips:\n      - {{ address: 10.0.1.10, public_ip: {public} }}\n"
    ))
}

#[test]
fn error_public_ip_not_globally_routable() {
    for (addr, what) in [
        ("0.0.0.7", "a \"this network\" (`0.0.0.0/8`) address"),
        ("10.9.9.9", "a private (RFC 1918) address"),
        ("100.64.0.1", "a shared (RFC 6598, `100.64.0.0/10`) address"),
        (
            "100.127.255.254",
            "a shared (RFC 6598, `100.64.0.0/10`) address",
        ),
        ("127.0.0.1", "a loopback (`127.0.0.0/8`) address"),
        ("169.254.169.254", "a link-local (`169.254.0.0/16`) address"),
        (
            "192.0.0.9",
            "an IETF protocol assignment (`192.0.0.0/24`) address",
        ),
        (
            "198.18.0.5",
            "a benchmarking (RFC 2544, `198.18.0.0/15`) address",
        ),
        (
            "198.19.1.1",
            "a benchmarking (RFC 2544, `198.18.0.0/15`) address",
        ),
        ("224.0.0.251", "a multicast (`224.0.0.0/4`) address"),
        ("239.1.1.1", "a multicast (`224.0.0.0/4`) address"),
        ("255.255.255.255", "a reserved (`240.0.0.0/4`) address"),
    ] {
        let yaml = eni_public(addr);
        expect(
            &yaml,
            addr,
            &format!("public IP `{addr}` of network interface `eni-a` is {what}"),
            Some("write the public address, or `auto` when it is not known"),
        );
    }
}

#[test]
fn error_public_ip_in_the_range_of_auto_stand_ins() {
    // 240.0.0.0/4 holds the internal stand-ins of `auto` addresses: a written
    // address there could collide with one.
    let stand_in = model::auto_public_ip(0, 0).to_string();
    let yaml = eni_public(&stand_in);
    expect(
        &yaml,
        &stand_in,
        &format!(
            "public IP `{stand_in}` of network interface `eni-a` is a reserved (`240.0.0.0/4`) address"
        ),
        Some("write the public address, or `auto` when it is not known"),
    );
}

#[test]
fn public_ip_documentation_ranges_are_accepted() {
    // RFC 5737 blocks: examples and tests use them as public addresses.
    for addr in ["192.0.2.10", "198.51.100.7", "203.0.113.250", "54.1.2.3"] {
        let t = load(&eni_public(addr));
        assert_eq!(
            t.enis[0].private_ips[0].public,
            Some(PublicIp::Known {
                addr: addr.parse().unwrap(),
                eip: false
            })
        );
    }
}

#[test]
fn error_nat_public_ip_not_globally_routable() {
    let yaml =
        with("nat_gateways:\n  - name: nat-a\n    subnet: sub-pub\n    public_ip: 100.64.3.3\n");
    expect(
        &yaml,
        "100.64.3.3",
        "public IP `100.64.3.3` of nat gateway `nat-a` is a shared (RFC 6598, `100.64.0.0/10`) address",
        Some("write the public address, or `auto` when it is not known"),
    );
}

#[test]
fn error_public_ip_mapped_to_two_interfaces() {
    let yaml = with(
        "network_interfaces:\n  - name: eni-a\n    subnet: sub-pub\n    security_groups: [sg-web]\n    private_ips: [{ address: 10.0.1.10, public_ip: 203.0.113.10 }]\n  - name: eni-b\n    subnet: sub-app\n    security_groups: [sg-web]\n    private_ips: [{ address: 10.0.2.10, public_ip: 203.0.113.10 }]\n",
    );
    let (first, _) = at(&yaml, "203.0.113.10");
    expect_nth(
        &yaml,
        ("203.0.113.10", 1),
        &format!(
            "public IP `203.0.113.10` of network interface `eni-b` is already mapped to network interface `eni-a` (line {first})"
        ),
        Some("a public IPv4 address maps to one private address"),
    );
}

#[test]
fn error_public_ip_mapped_to_two_private_ips_of_one_interface() {
    let yaml = with(
        "network_interfaces:\n  - name: eni-a\n    subnet: sub-pub\n    security_groups: [sg-web]\n    private_ips:\n      - { address: 10.0.1.10, public_ip: 198.51.100.5 }\n      - { address: 10.0.1.11, public_ip: 198.51.100.5, eip_allocation: eipalloc-1 }\n",
    );
    let (first, _) = at(&yaml, "198.51.100.5");
    expect_nth(
        &yaml,
        ("198.51.100.5", 1),
        &format!(
            "public IP `198.51.100.5` of network interface `eni-a` is already mapped to network interface `eni-a` (line {first})"
        ),
        Some("a public IPv4 address maps to one private address"),
    );
}

#[test]
fn error_public_ip_of_nat_gateway_mapped_again_later_in_file() {
    // The NAT gateway comes first in the file: the interface is the second
    // mapping, whatever order the sections are resolved in.
    let yaml = BASE.replace(
        "internet_gateways:",
        "nat_gateways:\n  - { name: nat-a, subnet: sub-pub, public_ip: 3.3.3.3 }\ninternet_gateways:",
    ) + "network_interfaces:\n  - name: eni-a\n    subnet: sub-app\n    security_groups: [sg-web]\n    private_ips: [{ address: 10.0.2.10, public_ip: 3.3.3.3 }]\n";
    let (first, _) = at(&yaml, "3.3.3.3");
    expect_nth(
        &yaml,
        ("3.3.3.3", 1),
        &format!(
            "public IP `3.3.3.3` of network interface `eni-a` is already mapped to nat gateway `nat-a` (line {first})"
        ),
        Some("a public IPv4 address maps to one private address"),
    );
}

#[test]
fn public_ip_of_declared_nat_interface_may_repeat_the_nat_field() {
    // With a declared interface, the NAT's own `public_ip` is not in the
    // model: writing the same address on both is one mapping, not two.
    let yaml = with(
        "network_interfaces:\n  - name: nat-a-if\n    subnet: sub-pub\n    owner: { nat_gateway: nat-a }\n    private_ips: [{ address: 10.0.1.20, public_ip: 3.3.3.3 }]\nnat_gateways:\n  - { name: nat-a, subnet: sub-pub, public_ip: 3.3.3.3 }\n",
    );
    let t = load(&yaml);
    assert_eq!(t.nats[0].eni, 0);
}

// ----- security groups are required where AWS always has one --------------

#[test]
fn error_interface_without_security_groups() {
    // AWS attaches at least one group; with none, the interface would look
    // closed to every check (fail open).
    let yaml = with(
        "network_interfaces:\n  - name: eni-a\n    subnet: sub-app\n    private_ips: [{ address: 10.0.2.10 }]\n",
    );
    expect(
        &yaml,
        "eni-a",
        "network interface `eni-a` has no security groups",
        Some(
            "add the groups the interface has, or the default security group of vpc `vpc-main`, which AWS attaches when none is chosen",
        ),
    );
}

#[test]
fn error_interface_without_security_groups_names_the_default_group() {
    let yaml = BASE.replace(
        "  - name: sg-other\n",
        "  - name: vpc-main-default\n    vpc: vpc-main\n  - name: sg-other\n",
    ) + "instances:\n  - name: web\nnetwork_interfaces:\n  - name: web-eni\n    subnet: sub-app\n    instance: web\n    security_groups: []\n";
    expect(
        &yaml,
        "web-eni",
        "network interface `web-eni` has no security groups",
        Some(
            "add the groups the interface has, or the default security group of vpc `vpc-main`: `security_groups: [vpc-main-default]`",
        ),
    );
}

#[test]
fn managed_interfaces_may_have_no_security_groups() {
    // Ordinary and service-owned interfaces must have a group. Interface
    // endpoints without groups use the VPC's default group (C-13.7); NLBs
    // may have none (C-14.4).
    let yaml = with(
        "vpc_endpoints:\n  - { name: ep, vpc: vpc-main, type: interface, service: com.amazonaws.us-east-1.sqs, subnets: [sub-app] }\nnat_gateways:\n  - { name: nat-a, subnet: sub-pub }\nload_balancers:\n  - { name: nlb, type: network, scheme: internal, subnets: [sub-app] }\ntransit_gateways:\n  - name: tgw\nnetwork_interfaces:\n  - { name: ep-if, subnet: sub-app, owner: { vpc_endpoint: ep } }\n  - { name: nat-if, subnet: sub-pub, owner: { nat_gateway: nat-a } }\n  - { name: nlb-if, subnet: sub-app, owner: { load_balancer: nlb } }\n  - { name: tgw-if, subnet: sub-app, owner: { transit_gateway: tgw } }\n",
    );
    let t = load(&yaml);
    assert!(t.enis.iter().all(|e| e.security_groups.is_empty()));
    assert!(t.endpoints[0].security_groups.is_empty());
    assert!(t.load_balancers[0].security_groups.is_empty());
}

#[test]
fn error_alb_without_security_groups() {
    let yaml = lb(
        "    type: application\n    scheme: internet-facing\n    subnets: [sub-pub]\n    listeners:\n      - { protocol: HTTPS, port: 443 }\n",
    );
    expect(
        &yaml,
        "lb\n",
        "load balancer `lb` is an application load balancer with no security groups",
        Some("list its security groups: an application load balancer always has at least one"),
    );
}

#[test]
fn error_declared_alb_node_without_security_groups() {
    let yaml = with(
        "load_balancers:\n  - { name: alb, type: application, scheme: internet-facing, subnets: [sub-pub], security_groups: [sg-web] }\nnetwork_interfaces:\n  - name: alb-node\n    subnet: sub-pub\n    owner: { load_balancer: alb }\n    private_ips: [{ address: 10.0.1.30, public_ip: auto }]\n",
    );
    expect(
        &yaml,
        "alb-node",
        "network interface `alb-node` is a node of application load balancer `alb`, but has no security groups",
        Some("list the load balancer's security groups on it"),
    );
}

// ----- the main route table and gateway endpoint routes -------------------

#[test]
fn main_route_table_is_derived_when_none_is_marked() {
    // C-3.1: AWS creates every VPC with a main table holding local routes
    // only. `vpc-main-main-rtb` is taken, so the derived name is unique-ified.
    let yaml = with("route_tables:\n  - name: vpc-main-main-rtb\n    vpc: vpc-main\n");
    let t = load(&yaml);
    let id = t.vpcs[0].main_route_table.unwrap();
    let main = &t.route_tables[id];
    assert_eq!(main.meta.name, "vpc-main-main-rtb-2");
    assert!(main.derived && main.main);
    assert!(main.meta.pos.is_unknown());
    assert_eq!(main.vpc, 0);
    assert!(main.routes.is_empty() && main.edge_associations.is_empty());
    assert!(!t.route_tables[0].derived && !t.route_tables[0].main);
    assert_eq!(
        t.names.get("vpc-main-main-rtb-2"),
        Some(&ResourceRef::RouteTable(id))
    );
    // Subnets without an association use it.
    assert_eq!(
        (t.subnets[0].route_table, t.subnets[0].uses_main_route_table),
        (Some(id), true)
    );
    let other = t.vpcs[1].main_route_table.unwrap();
    assert_eq!(t.route_tables[other].meta.name, "vpc-other-main-rtb");
    assert_eq!(t.subnets[2].route_table, Some(other));
}

#[test]
fn error_derived_main_route_table_cannot_be_referenced() {
    let yaml = BASE.replace(
        "cidr: 10.0.2.0/24\n",
        "cidr: 10.0.2.0/24\n    route_table: vpc-main-main-rtb\n",
    );
    expect(
        &yaml,
        "vpc-main-main-rtb",
        "subnet `sub-app` refers to unknown route table `vpc-main-main-rtb`",
        None,
    );
}

/// A gateway endpoint `s3-ep` associated with `tables`, plus `extra`.
fn gateway_endpoint(fields: &str, extra: &str) -> String {
    with(&format!(
        "route_tables:\n  - name: rtb-a\n    vpc: vpc-main\n    main: true\n  - name: rtb-b\n    vpc: vpc-main\n    routes:\n      - {{ prefix_list: s3, target: blackhole }}\n  - name: rtb-c\n    vpc: vpc-main\n    routes:\n      - {{ prefix_list: s3-written, target: s3-ep }}\nprefix_lists:\n  - {{ name: s3, entries: [\"52.216.0.0/15\"] }}\n  - {{ name: s3-written, entries: [\"3.5.0.0/19\"] }}\nvpc_endpoints:\n  - name: s3-ep\n    vpc: vpc-main\n    type: gateway\n    service: com.amazonaws.us-east-1.s3\n{fields}{extra}"
    ))
}

#[test]
fn gateway_endpoint_adds_its_prefix_list_route() {
    // C-13.1: each associated table gets `prefix list → endpoint`, unless it
    // already routes that prefix list (rtb-b) or the endpoint (rtb-c).
    let yaml = gateway_endpoint(
        "    prefix_list: s3\n    route_tables: [rtb-a, rtb-b, rtb-c, rtb-a]\n",
        "",
    );
    let t = load(&yaml);
    let routes = &t.route_tables[0].routes;
    assert_eq!(routes.len(), 1, "{routes:#?}");
    assert!(matches!(routes[0].dest, RouteDest::PrefixList(0)));
    assert_eq!(routes[0].target, RouteTarget::GatewayEndpoint(0));
    assert!(!routes[0].blackhole && !routes[0].propagated);
    // At the association entry.
    let (line, column) = at_in(&yaml, "route_tables: [rtb-a", "rtb-a");
    assert_eq!((routes[0].pos.line, routes[0].pos.column), (line, column));
    assert_eq!(t.route_tables[1].routes.len(), 1);
    assert_eq!(t.route_tables[1].routes[0].target, RouteTarget::Blackhole);
    assert_eq!(t.route_tables[2].routes.len(), 1);
    assert!(matches!(
        t.route_tables[2].routes[0].dest,
        RouteDest::PrefixList(1)
    ));
    assert_eq!(t.prefix_lists.len(), 2);
    assert_eq!(t.endpoints[0].prefix_list, Some(0));
    // The derived main table of vpc-other is not associated: untouched.
    assert!(t.route_tables[3].derived && t.route_tables[3].routes.is_empty());
}

#[test]
fn gateway_endpoint_without_prefix_list_derives_an_unknown_list() {
    // Without `prefix_list` the entries are not known: lookups in the
    // associated table become `unknown` instead of guessed (fail closed).
    let yaml = gateway_endpoint(
        "    route_tables: [rtb-a, rtb-c]\n",
        "instances:\n  - name: s3-ep-pl\n",
    );
    let t = load(&yaml);
    let pl = t.endpoints[0].prefix_list.unwrap();
    assert_eq!(pl, 2);
    let list = &t.prefix_lists[pl];
    assert_eq!(list.meta.name, "s3-ep-pl-2");
    assert!(list.entries.is_none() && list.meta.pos.is_unknown());
    assert_eq!(list.service.as_deref(), Some("com.amazonaws.us-east-1.s3"));
    assert_eq!(
        t.names.get("s3-ep-pl-2"),
        Some(&ResourceRef::PrefixList(pl))
    );
    let routes = &t.route_tables[0].routes;
    assert_eq!(routes.len(), 1);
    assert!(matches!(routes[0].dest, RouteDest::PrefixList(p) if p == pl));
    assert_eq!(routes[0].target, RouteTarget::GatewayEndpoint(0));
    // rtb-c already routes to the endpoint: its written route is kept alone.
    assert_eq!(t.route_tables[2].routes.len(), 1);
    let lookup = netverify::sim::lookup(&t, 0, "8.8.8.8".parse().unwrap());
    assert!(
        matches!(lookup, netverify::sim::Lookup::Unknown(_)),
        "{lookup:?}"
    );
}

#[test]
fn gateway_endpoint_without_route_tables_derives_nothing() {
    let yaml = gateway_endpoint("", "");
    let t = load(&yaml);
    assert_eq!(t.endpoints[0].prefix_list, None);
    assert_eq!(t.prefix_lists.len(), 2);
    assert!(t.route_tables[0].routes.is_empty());
}

#[test]
fn interface_endpoint_route_tables_add_no_routes() {
    let yaml = with(
        "route_tables:\n  - { name: rtb-a, vpc: vpc-main, main: true }\nvpc_endpoints:\n  - { name: sqs-ep, vpc: vpc-main, type: interface, service: com.amazonaws.us-east-1.sqs, route_tables: [rtb-a] }\n",
    );
    let t = load(&yaml);
    assert!(t.route_tables[0].routes.is_empty());
    assert!(t.prefix_lists.is_empty());
}

// ----- scalars read as floating-point numbers -----------------------------

#[test]
fn error_account_id_read_as_float_says_quote_it() {
    // YAML reads `012345678901` as a floating-point number: the leading zero
    // would be lost. The hint comes out as the help line.
    let yaml = "version: 1\naccount: 012345678901\n";
    let d = only(yaml);
    check(
        &d,
        at(yaml, "012345678901"),
        "expected a string or an integer, found floating-point number `12345678901`",
        Some(
            "quote it as written, e.g. `\"012345678901\"`; YAML reads an unquoted number with a leading zero, a decimal point or an exponent as floating-point",
        ),
    );
    assert!(matches!(load_str(yaml, "t.yaml"), Err(LoadError::Parse(_))));
}

#[test]
fn error_float_scalar_in_a_vpc_and_a_rule() {
    let yaml = "version: 1\nvpcs:\n  - name: v\n    account: 0123\n    cidrs: []\n";
    let d = only(yaml);
    assert_eq!((d.line, d.column), at(yaml, "0123"));
    assert_eq!(
        d.message,
        "expected a string or an integer, found floating-point number `123`"
    );
    assert!(
        d.help
            .as_deref()
            .is_some_and(|h| h.starts_with("quote it as written"))
    );
    let yaml = sg_rule("{ protocol: tcp, ports: 44.3, cidr: 0.0.0.0/0 }");
    let d = only(&yaml);
    assert_eq!((d.line, d.column), at(&yaml, "44.3"));
    assert!(
        d.message
            .starts_with("expected a string or an integer, found floating-point number `44.3`")
    );
}

#[test]
fn quoted_account_id_keeps_its_leading_zero() {
    let t = load(&BASE.replace("version: 1\n", "version: 1\naccount: \"012345678901\"\n"));
    assert_eq!(t.vpcs[0].account.as_deref(), Some("012345678901"));
}

// ----- robustness ----------------------------------------------------------

/// A file that uses most of the format, for the no-panic test.
fn rich() -> String {
    with(
        "prefix_lists:\n  - { name: pl, entries: [\"52.216.0.0/15\"] }\nroute_tables:\n  - name: rtb\n    vpc: vpc-main\n    main: true\n    routes:\n      - { destination: 0.0.0.0/0, target: igw-main }\n      - { prefix_list: pl, target: nat-a }\nnetwork_acls:\n  - name: nacl\n    vpc: vpc-main\n    ingress:\n      - { rule: 100, action: allow, protocol: tcp, ports: 443, cidr: 0.0.0.0/0 }\ninstances:\n  - name: web\nnetwork_interfaces:\n  - name: web-eni\n    subnet: sub-app\n    instance: web\n    private_ips: [{ address: 10.0.2.10, public_ip: auto }]\n    security_groups: [sg-web]\nnat_gateways:\n  - { name: nat-a, subnet: sub-pub, public_ip: 3.3.3.3 }\nload_balancers:\n  - name: alb\n    type: application\n    scheme: internet-facing\n    subnets: [sub-pub]\n    security_groups: [sg-web]\n    listeners: [{ protocol: HTTPS, port: 443, target_group: tg }]\ntarget_groups:\n  - { name: tg, target_type: instance, protocol: HTTP, port: 80, targets: [{ instance: web }] }\npolicy:\n  public_exposure:\n    allow: [{ resource: web, ports: [tcp/22] }]\n",
    )
}

#[test]
fn rich_topology_is_valid() {
    let t = load(&rich());
    assert_eq!(t.route_tables[0].routes[1].target, RouteTarget::Nat(0));
}

#[test]
fn no_input_panics() {
    let text = rich();
    // Every prefix of a valid file (on character boundaries).
    for (i, _) in text.char_indices() {
        let _ = load_str(&text[..i], "t.yaml");
    }
    // Garbage: every single-byte corruption of the first lines, and odd inputs.
    let head: String = text.chars().take(400).collect();
    for (i, _) in head.char_indices().step_by(3) {
        for junk in ["\"", "[", "{", ":", "-", "&a", "*a", "\t", "\0", "ü", " #"] {
            let mut s = head.clone();
            s.insert_str(i, junk);
            let _ = load_str(&s, "t.yaml");
        }
    }
    for odd in [
        "\u{feff}version: 1\n",
        "version: 1\nvpcs: ~\n",
        "version: 1\nvpcs: [~]\n",
        "version: 1\nvpcs: [{}]\n",
        "version: 1\nsubnets: [{ name: s, vpc: v, cidr: 255.255.255.255/32 }]\nvpcs: [{ name: v, cidrs: [255.255.255.255/32] }]\nnat_gateways: [{ name: n, subnet: s }]\n",
        "version: 1\nvpcs: [{ name: v, cidrs: [\"0.0.0.0/0\"], ipv6_cidrs: [\"::/0\"] }]\nsubnets: [{ name: s, vpc: v, cidr: 0.0.0.0/0, ipv6_cidr: \"::/0\" }]\nload_balancers: [{ name: l, type: network, scheme: internal, ip_address_type: dualstack, subnets: [s, s] }]\n",
        "version: 4294967295\n",
        "version: -1\n",
        "? [a]\n: b\n",
        "!!binary aGVsbG8=",
        "&a [*a]",
        "version: 1\nname: *x\n",
    ] {
        let _ = load_str(odd, "t.yaml");
    }
}

#[test]
fn error_service_interface_without_security_groups() {
    // RDS or Lambda interfaces always have security groups in AWS.
    let yaml = with(
        "network_interfaces:\n  - name: rds-eni\n    subnet: sub-app\n    owner: {service: rds}\n    private_ips: [{address: 10.0.2.50}]\n",
    );
    let err = load_str(&yaml, "t.yaml").unwrap_err();
    assert!(
        err.diagnostics().iter().any(
            |d| d.message.contains("`rds-eni`") && d.message.contains("has no security groups")
        ),
        "{}",
        err.render(None)
    );
}

// ----- hybrid connectivity (transit gateways, VPN, Direct Connect) ---------

const HYBRID_REF: &str = include_str!("fixtures/transit-encryption/pass-hybrid-reference.yaml");

#[test]
fn hybrid_reference_resolves() {
    use netverify::model::{OnPremVia, OutsideIp, Preference, TgwAttachmentKind, VpnGatewayRef};
    let t = load(HYBRID_REF);
    let h = &t.hybrid;
    assert_eq!(h.tgws.len(), 1);
    assert_eq!(
        h.tgws[TgwId::from(0)].attachments,
        [0, 1, 2, 3].map(TgwAttachmentId::from)
    );
    assert_eq!(h.tgws[TgwId::from(0)].region.as_deref(), Some("us-east-1"));
    assert!(matches!(
        h.tgw_attachments[TgwAttachmentId::from(0)].kind,
        TgwAttachmentKind::Vpc { ref subnets, appliance_mode: false, .. } if subnets.len() == 1
    ));
    assert_eq!(
        h.tgw_attachments[TgwAttachmentId::from(1)].kind,
        TgwAttachmentKind::Vpn(VpnId::from(0))
    );
    assert_eq!(
        h.tgw_attachments[TgwAttachmentId::from(3)].kind,
        TgwAttachmentKind::DxGateway(DxGatewayId::from(0))
    );
    assert_eq!(
        h.tgw_attachments[TgwAttachmentId::from(3)].route_table,
        Some(TgwRouteTableId::from(1))
    );
    assert_eq!(
        h.tgw_route_tables[TgwRouteTableId::from(0)]
            .propagations
            .len(),
        3
    );
    assert_eq!(
        h.vpns[VpnId::from(0)].gateway,
        VpnGatewayRef::Tgw(TgwId::from(0))
    );
    assert_eq!(
        h.vpns[VpnId::from(0)].tgw_attachment,
        Some(TgwAttachmentId::from(1))
    );
    assert_eq!(
        h.vpns[VpnId::from(1)].outside_ip,
        OutsideIp::PrivateIpv4 {
            transport: TgwAttachmentId::from(3)
        }
    );
    assert_eq!(h.vpns[VpnId::from(0)].tunnels.len(), 2);
    assert!(!h.vpns[VpnId::from(0)].tunnels[0].permits_ikev1());
    assert!(
        h.vpns[VpnId::from(0)].tunnels[0]
            .weak_dh_groups(1)
            .is_empty()
    );
    assert_eq!(
        h.on_prem[OnPremId::from(0)].via,
        [
            OnPremVia::Vpn(0.into()),
            OnPremVia::Vpn(1.into()),
            OnPremVia::Vif(0.into())
        ]
    );
    assert_eq!(
        h.on_prem[OnPremId::from(0)].prefer,
        Some(vec![Preference::Vpn, Preference::Dx])
    );
    assert_eq!(
        h.dx_gateways[DxGatewayId::from(0)].associations[0].allowed_prefixes[0].to_string(),
        "192.168.100.0/24"
    );
    assert_eq!(h.dx_gateways[DxGatewayId::from(0)].vifs, [VifId::from(0)]);
}

#[test]
fn vpn_defaults_permit_weak_suites() {
    let t = load(&with(
        "customer_gateways:\n  - { name: cgw }\nvpn_gateways:\n  - { name: vgw, vpc: vpc-main }\nvpn_connections:\n  - { name: vpn, customer_gateway: cgw, gateway: vgw }\n",
    ));
    let v = &t.hybrid.vpns[VpnId::from(0)];
    assert_eq!(v.tunnels.len(), 2);
    assert!(!v.tunnels[0].declared);
    // C-11.3: an empty list permits every AWS default, including weak ones.
    assert!(v.tunnels[0].permits_ikev1());
    assert!(v.tunnels[0].permits_sha1(1));
    assert_eq!(v.tunnels[1].weak_dh_groups(2), [2, 5]);
    assert!(!v.static_routes_only);
}

#[test]
fn error_pre_shared_key_is_refused_and_never_shown() {
    let yaml = "version: 1\ncustomer_gateways:\n  - { name: cgw }\ntransit_gateways:\n  - name: tgw\nvpn_connections:\n  - name: vpn\n    customer_gateway: cgw\n    gateway: tgw\n    tunnels:\n      - ike_versions: [ikev2]\n        pre_shared_key: hunter2-s3cr3t\n";
    let err = load_str(yaml, "t.yaml").unwrap_err();
    let d = &err.diagnostics()[0];
    assert_eq!(d.message, "unknown key `pre_shared_key` in vpn tunnel");
    assert_eq!(
        d.help.as_deref(),
        Some("pre-shared keys are secrets and are never part of a topology; remove the key")
    );
    let rendered = err.render(Some(yaml));
    assert!(!rendered.contains("hunter2"), "{rendered}");
    assert!(
        rendered.contains("pre_shared_key: <redacted>"),
        "{rendered}"
    );
}

#[test]
fn error_tgw_attachment_type_typo() {
    let yaml = with(
        "transit_gateways:\n  - name: tgw\n    attachments:\n      - { name: att, type: vcp, vpc: vpc-main, subnets: [sub-app] }\n",
    );
    expect_in(
        &yaml,
        ("type: vcp", "vcp"),
        "invalid attachment type `vcp` in transit gateway attachment `att`",
        Some("did you mean `vpc`?"),
    );
}

#[test]
fn error_tgw_attachment_field_of_other_type() {
    let yaml = with(
        "customer_gateways:\n  - { name: cgw }\nvpn_connections:\n  - { name: vpn, customer_gateway: cgw, gateway: tgw }\ntransit_gateways:\n  - name: tgw\n    attachments:\n      - { name: att, type: vpn, vpn_connection: vpn, appliance_mode: true }\n",
    );
    expect_in(
        &yaml,
        ("type: vpn, vpn_connection", "vpn"),
        "transit gateway attachment `att` of type `vpn` sets `appliance_mode`, which is only for another attachment type",
        None,
    );
}

#[test]
fn error_tgw_attachment_in_two_route_tables() {
    let yaml = with(
        "transit_gateways:\n  - name: tgw\n    attachments:\n      - { name: att, type: vpc, vpc: vpc-main, subnets: [sub-app] }\n    route_tables:\n      - { name: rt1, associations: [att] }\n      - { name: rt2, associations: [att] }\n",
    );
    let d = only(&yaml);
    check(
        &d,
        at_in(&yaml, "name: rt2, associations: [att]", "att]"),
        "transit gateway attachment `att` is associated with two route tables: `rt1` (line 34) and `rt2`",
        Some("an attachment is associated with at most one route table (C-9.2)"),
    );
}

#[test]
fn error_tgw_route_both_attachment_and_blackhole() {
    let yaml = with(
        "transit_gateways:\n  - name: tgw\n    attachments:\n      - { name: att, type: vpc, vpc: vpc-main, subnets: [sub-app] }\n    route_tables:\n      - name: rt\n        routes:\n          - { destination: 10.9.0.0/16, attachment: att, blackhole: true }\n",
    );
    expect(
        &yaml,
        "{ destination: 10.9",
        "a route of transit gateway route table `rt` sets both `attachment` and `blackhole: true`",
        Some("a blackhole route has no attachment"),
    );
}

#[test]
fn error_tgw_peering_attachment_cannot_propagate() {
    let yaml = with(
        "transit_gateways:\n  - name: tgw\n    attachments:\n      - { name: peer, type: peering, peer_transit_gateway: tgw-west }\n    route_tables:\n      - { name: rt, propagations: [peer] }\n  - name: tgw-west\n",
    );
    expect_in(
        &yaml,
        ("propagations: [peer]", "peer]"),
        "transit gateway route table `rt` propagates from peering attachment `peer`, but peering attachments propagate no routes",
        Some("add a static route to the peering attachment (C-9.10)"),
    );
}

#[test]
fn error_vpn_static_routes_with_bgp() {
    let yaml = with(
        "customer_gateways:\n  - { name: cgw }\nvpn_gateways:\n  - { name: vgw, vpc: vpc-main }\nvpn_connections:\n  - { name: vpn, customer_gateway: cgw, gateway: vgw, routes: [192.168.0.0/16] }\n",
    );
    expect(
        &yaml,
        "192.168.0.0/16",
        "vpn connection `vpn` lists static `routes` but uses BGP",
        Some(
            "set `static_routes_only: true`, or remove `routes`: BGP routes come from the on-prem network's `advertises`",
        ),
    );
}

#[test]
fn error_private_ip_vpn_needs_transport() {
    let yaml = with(
        "customer_gateways:\n  - { name: cgw }\ntransit_gateways:\n  - name: tgw\nvpn_connections:\n  - { name: vpn, customer_gateway: cgw, gateway: tgw, outside_ip_address_type: private-ipv4 }\n",
    );
    expect(
        &yaml,
        "private-ipv4",
        "vpn connection `vpn` uses `private-ipv4` outside addresses but sets no `transport_attachment`",
        Some(
            "name the transit gateway's `direct-connect-gateway` attachment the tunnels run over (C-11.4)",
        ),
    );
}

#[test]
fn error_vpn_tunnel_weak_values_are_typed() {
    let yaml = with(
        "customer_gateways:\n  - { name: cgw }\nvpn_gateways:\n  - { name: vgw, vpc: vpc-main }\nvpn_connections:\n  - name: vpn\n    customer_gateway: cgw\n    gateway: vgw\n    tunnels:\n      - { phase1_integrity: [SHA2-265] }\n      - { phase1_dh_groups: [13] }\n",
    );
    let d = diags(&yaml);
    assert_eq!(d.len(), 2, "{d:#?}");
    check(
        &d[0],
        at(&yaml, "SHA2-265"),
        "invalid phase 1 integrity algorithm `SHA2-265` in tunnel 1 of vpn connection `vpn`",
        Some("did you mean `SHA2-256`?"),
    );
    check(
        &d[1],
        at(&yaml, "13]"),
        "invalid phase 1 dh group `13` in tunnel 2 of vpn connection `vpn`",
        Some("expected one of 2, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24"),
    );
}

#[test]
fn error_dx_encryption_mode_typo() {
    let yaml = with(
        "direct_connect:\n  connections:\n    - { name: dx, macsec_capable: true, encryption_mode: must-encrypt }\n",
    );
    expect(
        &yaml,
        "must-encrypt",
        "invalid encryption mode `must-encrypt` in direct connect connection `dx`",
        Some("did you mean `must_encrypt`?"),
    );
}

#[test]
fn error_dx_macsec_mode_needs_capable_port() {
    let yaml = with(
        "direct_connect:\n  connections:\n    - { name: dx, encryption_mode: must_encrypt }\n",
    );
    expect(
        &yaml,
        "must_encrypt",
        "direct connect connection `dx` sets encryption mode `must_encrypt` but is not `macsec_capable`",
        Some("set `macsec_capable: true` if the port supports MACsec (C-12.5)"),
    );
}

#[test]
fn dx_lag_mode_and_keys_apply_to_members() {
    use netverify::model::{DxConnectionId, DxLagId, EncryptionMode, MacsecKeyState};
    let t = load(&with(
        "direct_connect:\n  lags:\n    - { name: lag, macsec_capable: true, encryption_mode: must_encrypt, macsec_keys: [{ state: associated }] }\n  connections:\n    - { name: m1, lag: lag, macsec_capable: true }\n    - { name: m2, lag: lag }\n",
    ));
    let (m1, m2) = (DxConnectionId::from(0), DxConnectionId::from(1));
    let c = &t.hybrid.dx_connections;
    assert_eq!(c[m1].encryption_mode, EncryptionMode::MustEncrypt);
    assert_eq!(c[m2].encryption_mode, EncryptionMode::MustEncrypt);
    assert_eq!(c[m1].macsec_keys, [MacsecKeyState::Associated]);
    // The member's own capability is kept: m2 is not MACsec-capable (C-12.6).
    assert!(!c[m2].macsec_capable);
    assert_eq!(t.hybrid.dx_lags[DxLagId::from(0)].members, [m1, m2]);
}

#[test]
fn error_transit_vif_without_dx_gateway() {
    let yaml = with(
        "direct_connect:\n  connections: [{ name: dx }]\n  virtual_interfaces:\n    - { name: vif, type: transit, connection: dx }\n",
    );
    expect(
        &yaml,
        "transit, connection",
        "virtual interface `vif` of type `transit` does not set `direct_connect_gateway`",
        None,
    );
}

#[test]
fn error_dx_gateway_mixes_association_kinds() {
    let yaml = with(
        "transit_gateways:\n  - name: tgw\nvpn_gateways:\n  - { name: vgw, vpc: vpc-main }\ndirect_connect:\n  gateways:\n    - name: dxgw\n      associations:\n        - { transit_gateway: tgw }\n        - { vpn_gateway: vgw }\n",
    );
    expect(
        &yaml,
        "dxgw",
        "direct connect gateway `dxgw` is associated with both transit gateways and vpn gateways",
        Some(
            "a direct connect gateway associates with vpn gateways or with transit gateways, not both (C-12.2)",
        ),
    );
}

#[test]
fn error_two_vgws_on_one_vpc() {
    let yaml = with(
        "vpn_gateways:\n  - { name: vgw1, vpc: vpc-main }\n  - { name: vgw2, vpc: vpc-main }\n",
    );
    expect_in(
        &yaml,
        ("name: vgw2, vpc: vpc-main", "vpc-main"),
        "vpc `vpc-main` has two vpn gateways attached: `vgw1` and `vgw2`",
        Some("a vpc can have only one virtual private gateway"),
    );
}

#[test]
fn error_on_prem_preference_typo() {
    let yaml = with(
        "customer_gateways:\n  - { name: cgw }\nvpn_gateways:\n  - { name: vgw, vpc: vpc-main }\nvpn_connections:\n  - { name: vpn-dc, customer_gateway: cgw, gateway: vgw }\non_prem_networks:\n  - { name: dc, cidrs: [192.168.0.0/16], via: [vpn-dc], prefer: [vpn-cd] }\n",
    );
    expect(
        &yaml,
        "vpn-cd",
        "invalid preference `vpn-cd` in on-prem network `dc`",
        Some("did you mean `vpn-dc`?"),
    );
}

#[test]
fn error_on_prem_advertises_over_connection_not_in_via() {
    let yaml = with(
        "customer_gateways:\n  - { name: cgw }\nvpn_gateways:\n  - { name: vgw, vpc: vpc-main }\nvpn_connections:\n  - { name: vpn-dc, customer_gateway: cgw, gateway: vgw }\non_prem_networks:\n  - name: dc\n    cidrs: [192.168.0.0/16]\n    via: [vpn-dc]\n    advertises: [{ via: vpn-dx, prefixes: [192.168.0.0/16] }]\n",
    );
    expect(
        &yaml,
        "vpn-dx",
        "on-prem network `dc` advertises over `vpn-dx`, which is not in its `via`",
        Some("did you mean `vpn-dc`?"),
    );
}

#[test]
fn error_peering_status_typo() {
    let yaml = with(
        "peering_connections:\n  - { name: pcx, requester_vpc: vpc-main, accepter_vpc: vpc-other, status: actve }\n",
    );
    expect(
        &yaml,
        "actve",
        "invalid peering status `actve` in peering connection `pcx`",
        Some("did you mean `active`?"),
    );
}

#[test]
fn peering_cross_region_and_dns_options() {
    let t = load(&with(
        "peering_connections:\n  - { name: pcx, requester_vpc: vpc-main, accepter_vpc: vpc-other, accepter_allows_remote_dns_resolution: true }\n",
    ).replace("  - name: vpc-other\n", "  - name: vpc-other\n    region: eu-west-1\n"));
    let p = &t.peerings[0];
    assert!(p.active);
    // vpc-main has no Region and the file gives no default: not known.
    assert_eq!(p.cross_region, None);
    assert!(p.accepter_allows_remote_dns);
    assert!(!p.requester_allows_remote_dns);
    let t = load(&format!("region: us-east-1\n{}", with(
        "peering_connections:\n  - { name: pcx, requester_vpc: vpc-main, accepter_vpc: vpc-other }\n",
    ).replace("  - name: vpc-other\n", "  - name: vpc-other\n    region: eu-west-1\n")));
    assert_eq!(t.peerings[0].cross_region, Some(true));
}

#[test]
fn route_table_propagating_vgws_are_resolved() {
    let t = load(&with(
        "vpn_gateways:\n  - { name: vgw, vpc: vpc-main }\nroute_tables:\n  - { name: rtb, vpc: vpc-main, propagating_gateways: [vgw] }\n",
    ));
    let rt = t
        .route_tables
        .iter()
        .find(|r| r.meta.name == "rtb")
        .unwrap();
    assert_eq!(rt.propagating_vgws, [netverify::model::VgwId::from(0)]);
}

// ----- private_service_access policy and endpoint fields --------------------

#[test]
fn error_service_access_uses_must_name_interface_or_instance() {
    let yaml = with(
        "policy:\n  private_service_access:\n    uses:\n      - { workloads: [sub-app], services: [s3] }\n",
    );
    expect(
        &yaml,
        "sub-app]",
        "the private_service_access policy refers to `sub-app`, which is a subnet and not a network interface or instance",
        None,
    );
}

#[test]
fn error_service_access_invalid_service() {
    let yaml = with(
        "policy:\n  private_service_access:\n    uses:\n      - { services: [\"s3 bucket\"] }\n",
    );
    expect(
        &yaml,
        "\"s3 bucket\"",
        "invalid service `s3 bucket` in the private_service_access policy",
        Some(
            "write `s3`, `dynamodb`, `ecr`, a service's short name such as `sqs`, or `com.amazonaws.<region>.<service>`",
        ),
    );
}

#[test]
fn error_service_access_unknown_bucket_suggests_the_closest() {
    let yaml = with(
        "policy:\n  private_service_access:\n    uses:\n      - { buckets: [archve] }\n    buckets:\n      - { name: archive }\n",
    );
    expect(
        &yaml,
        "archve",
        "the private_service_access policy refers to unknown bucket `archve`",
        Some("did you mean `archive`?"),
    );
}

#[test]
fn error_endpoint_invalid_dns_record_ip_type() {
    let yaml = with(
        "vpc_endpoints:\n  - { name: ep, vpc: vpc-main, type: interface, service: com.amazonaws.us-east-1.sqs, dns_record_ip_type: ipv5 }\n",
    );
    expect(
        &yaml,
        "ipv5",
        "invalid dns_record_ip_type `ipv5` in vpc endpoint `ep`",
        Some("did you mean `ipv4`?"),
    );
}

#[test]
fn service_access_policy_resolves_services_regions_and_defaults() {
    let t = load(&with(
        "policy:\n  private_service_access:\n    uses:\n      - { subnets: [sub-app], services: [s3, com.amazonaws.eu-west-1.dynamodb, sqs], buckets: [b] }\n    buckets:\n      - { name: b, region: us-west-2 }\n",
    ));
    let p = &t.policy.service_access;
    assert!(p.hosts_use_vpc_dns);
    assert_eq!(p.client_ports, (32768, 65535));
    let u = &p.uses.as_ref().unwrap()[0];
    assert_eq!(u.subnets.len(), 1);
    let svc: Vec<(String, Option<String>)> = u
        .services
        .iter()
        .map(|s| (s.kind.short().to_string(), s.region.clone()))
        .collect();
    assert_eq!(
        svc,
        [
            ("s3".to_string(), None),
            ("dynamodb".to_string(), Some("eu-west-1".to_string())),
            ("sqs".to_string(), None),
            ("s3".to_string(), Some("us-west-2".to_string())),
        ]
    );
}

#[test]
fn dualstack_gateway_endpoint_routes_both_prefix_lists() {
    let t = load(&with(
        "prefix_lists:\n  - { name: pl4, service: com.amazonaws.us-east-1.s3, entries: [52.216.0.0/15] }\n  - { name: pl6, service: com.amazonaws.us-east-1.s3, entries: [\"2600:1fa0::/32\"] }\nroute_tables:\n  - { name: rt, vpc: vpc-main }\nvpc_endpoints:\n  - { name: ep, vpc: vpc-main, type: gateway, service: com.amazonaws.us-east-1.s3, ip_address_type: dualstack, prefix_list: pl4, ipv6_prefix_list: pl6, route_tables: [rt] }\n  - { name: ep4, vpc: vpc-main, type: gateway, service: com.amazonaws.us-east-1.dynamodb, route_tables: [] }\n",
    ));
    let rt = t.route_tables.iter().find(|r| r.meta.name == "rt").unwrap();
    let dests: Vec<String> = rt
        .routes
        .iter()
        .map(|r| match r.dest {
            RouteDest::PrefixList(p) => t.prefix_lists[p].meta.name.clone(),
            RouteDest::Cidr(c) => c.to_string(),
        })
        .collect();
    assert_eq!(dests, ["pl4", "pl6"]);
    // An IPv4-only endpoint (the default) routes its IPv4 list only.
    let t = load(&with(
        "prefix_lists:\n  - { name: pl4, service: com.amazonaws.us-east-1.s3, entries: [52.216.0.0/15] }\n  - { name: pl6, service: com.amazonaws.us-east-1.s3, entries: [\"2600:1fa0::/32\"] }\nroute_tables:\n  - { name: rt, vpc: vpc-main }\nvpc_endpoints:\n  - { name: ep, vpc: vpc-main, type: gateway, service: com.amazonaws.us-east-1.s3, prefix_list: pl4, ipv6_prefix_list: pl6, route_tables: [rt] }\n",
    ));
    let rt = t.route_tables.iter().find(|r| r.meta.name == "rt").unwrap();
    assert_eq!(rt.routes.len(), 1);
}
