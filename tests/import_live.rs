//! `import aws` against a real AWS API implementation: moto's server.
//!
//! The harness installs a pinned `moto[server]` from PyPI into a virtualenv
//! under `target/tmp` (once; a file lock guards parallel test processes),
//! starts it on 127.0.0.1 on a free port for each test and kills it when the
//! test ends. Topologies are built with boto3 from the same virtualenv. If
//! python, pip or the network is missing, the tests FAIL: they never skip.
//!
//! moto's known gaps are worked around, not hidden: it creates no ENIs for
//! load balancers (the importer derives them and says so), its Direct
//! Connect gateway and virtual interface calls fail (they become gaps that
//! affect only the encryption checks), and it ignores `MaxResults`, so
//! paging is tested against recorded responses in `import_live_stub.rs`.

#![cfg(feature = "live")]
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "a test fails by panicking"
)]

use std::fs::File;
use std::io::Read;
use std::net::{TcpListener, TcpStream};
use std::path::PathBuf;
use std::process::{Child, Command, Output, Stdio};

#[path = "live_common/mod.rs"]
mod live_common;
use live_common::{netverify, text};
use std::time::{Duration, Instant};

/// The pinned moto release (its server and boto3 come with it).
const MOTO: &str = "moto[server]==5.2.5";

fn tmp() -> PathBuf {
    PathBuf::from(env!("CARGO_TARGET_TMPDIR"))
}

/// The virtualenv with moto, created once. Parallel test processes wait on
/// a lock; a marker file says the install finished.
fn venv() -> PathBuf {
    let dir = tmp().join("moto-venv");
    let marker = dir.join(".netverify-installed");
    let want = format!("{MOTO}\n");
    if std::fs::read_to_string(&marker).is_ok_and(|m| m == want) {
        return dir;
    }
    std::fs::create_dir_all(tmp()).unwrap();
    let lock = File::create(tmp().join("moto-venv.lock")).unwrap();
    lock.lock().expect("cannot lock the moto virtualenv");
    if std::fs::read_to_string(&marker).is_ok_and(|m| m == want) {
        return dir;
    }
    let _ = std::fs::remove_dir_all(&dir);
    let python = std::env::var("NETVERIFY_PYTHON").unwrap_or_else(|_| "python3".into());
    run_setup(
        Command::new(&python).args(["-m", "venv"]).arg(&dir),
        &format!("`{python} -m venv` (python 3 with venv is needed for the moto tests)"),
    );
    run_setup(
        Command::new(dir.join("bin/python")).args([
            "-m",
            "pip",
            "install",
            "--quiet",
            "--disable-pip-version-check",
            MOTO,
        ]),
        &format!("`pip install {MOTO}` (PyPI must be reachable)"),
    );
    std::fs::write(&marker, want).unwrap();
    dir
}

fn run_setup(cmd: &mut Command, what: &str) {
    let out = cmd
        .output()
        .unwrap_or_else(|e| panic!("cannot run {what}: {e}"));
    assert!(
        out.status.success(),
        "{what} failed ({}):\n{}\n{}",
        out.status,
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

/// A running moto server; killed on drop.
struct Moto {
    child: Child,
    port: u16,
    venv: PathBuf,
}

impl Drop for Moto {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Moto {
    fn start() -> Moto {
        let venv = venv();
        let port = TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let log = tmp().join(format!("moto-{port}.log"));
        let child = Command::new(venv.join("bin/python"))
            .args([
                "-m",
                "moto.server",
                "-H",
                "127.0.0.1",
                "-p",
                &port.to_string(),
            ])
            .stdin(Stdio::null())
            .stdout(File::create(&log).unwrap())
            .stderr(File::create(&log).unwrap())
            .spawn()
            .expect("cannot start moto's server");
        let mut moto = Moto { child, port, venv };
        let start = Instant::now();
        loop {
            if TcpStream::connect(("127.0.0.1", port)).is_ok() {
                return moto;
            }
            if let Ok(Some(status)) = moto.child.try_wait() {
                let mut text = String::new();
                let _ = File::open(&log).and_then(|mut f| f.read_to_string(&mut text));
                panic!("moto's server exited ({status}):\n{text}");
            }
            assert!(
                start.elapsed() < Duration::from_secs(90),
                "moto's server did not listen on port {port} within 90 s"
            );
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    fn url(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    /// Run a boto3 script against this server; returns its stdout.
    fn boto3(&self, region: &str, script: &str) -> String {
        let prelude = format!(
            "import boto3, json\nkw = dict(endpoint_url={:?}, region_name={region:?}, aws_access_key_id='testing', aws_secret_access_key='testing')\nec2 = boto3.client('ec2', **kw)\nelb = boto3.client('elbv2', **kw)\n",
            self.url()
        );
        let out = Command::new(self.venv.join("bin/python"))
            .args(["-c", &format!("{prelude}{script}")])
            .env("NO_PROXY", "127.0.0.1")
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "boto3 script failed:\n{}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8(out.stdout).unwrap()
    }

    /// `netverify import aws --endpoint-url <moto> <extra>`.
    fn import(&self, extra: &[&str]) -> Output {
        live_common::import_aws(&self.url(), extra)
    }
}

/// A VPC with two public subnets (IGW route), an internet-facing ALB on
/// port 80 forwarding to an instance in a private subnet, and a VPN
/// connection (whose customer-gateway configuration holds pre-shared keys).
/// Prints the pre-shared keys moto generated, one a line.
const LB_ONLY: &str = r#"
vpc = ec2.create_vpc(CidrBlock='10.0.0.0/16')['Vpc']['VpcId']
ec2.create_tags(Resources=[vpc], Tags=[{'Key': 'Name', 'Value': 'shop'}])
pub1 = ec2.create_subnet(VpcId=vpc, CidrBlock='10.0.1.0/24', AvailabilityZone=kw['region_name'] + 'a')['Subnet']['SubnetId']
pub2 = ec2.create_subnet(VpcId=vpc, CidrBlock='10.0.2.0/24', AvailabilityZone=kw['region_name'] + 'b')['Subnet']['SubnetId']
priv = ec2.create_subnet(VpcId=vpc, CidrBlock='10.0.3.0/24', AvailabilityZone=kw['region_name'] + 'a')['Subnet']['SubnetId']
ec2.create_tags(Resources=[priv], Tags=[{'Key': 'Name', 'Value': 'private'}])
igw = ec2.create_internet_gateway()['InternetGateway']['InternetGatewayId']
ec2.attach_internet_gateway(InternetGatewayId=igw, VpcId=vpc)
rt = ec2.create_route_table(VpcId=vpc)['RouteTable']['RouteTableId']
ec2.create_route(RouteTableId=rt, DestinationCidrBlock='0.0.0.0/0', GatewayId=igw)
ec2.associate_route_table(RouteTableId=rt, SubnetId=pub1)
ec2.associate_route_table(RouteTableId=rt, SubnetId=pub2)
lbsg = ec2.create_security_group(GroupName='lb', Description='lb', VpcId=vpc)['GroupId']
ec2.authorize_security_group_ingress(GroupId=lbsg, IpPermissions=[{'IpProtocol': 'tcp', 'FromPort': 80, 'ToPort': 80, 'IpRanges': [{'CidrIp': '0.0.0.0/0'}]}])
app = ec2.create_security_group(GroupName='app', Description='app', VpcId=vpc)['GroupId']
ec2.authorize_security_group_ingress(GroupId=app, IpPermissions=[{'IpProtocol': 'tcp', 'FromPort': 8080, 'ToPort': 8080, 'UserIdGroupPairs': [{'GroupId': lbsg}]}])
inst = ec2.run_instances(ImageId='ami-12c6146b', MinCount=1, MaxCount=1, SubnetId=priv, SecurityGroupIds=[app], TagSpecifications=[{'ResourceType': 'instance', 'Tags': [{'Key': 'Name', 'Value': 'app-server'}]}])['Instances'][0]['InstanceId']
lb = elb.create_load_balancer(Name='web', Subnets=[pub1, pub2], SecurityGroups=[lbsg], Scheme='internet-facing', Type='application')['LoadBalancers'][0]['LoadBalancerArn']
tg = elb.create_target_group(Name='app', Protocol='HTTP', Port=8080, VpcId=vpc, TargetType='instance')['TargetGroups'][0]['TargetGroupArn']
elb.register_targets(TargetGroupArn=tg, Targets=[{'Id': inst}])
elb.create_listener(LoadBalancerArn=lb, Protocol='HTTP', Port=80, DefaultActions=[{'Type': 'forward', 'TargetGroupArn': tg}])
cgw = ec2.create_customer_gateway(Type='ipsec.1', PublicIp='203.0.113.9', BgpAsn=65000)['CustomerGateway']['CustomerGatewayId']
vgw = ec2.create_vpn_gateway(Type='ipsec.1')['VpnGateway']['VpnGatewayId']
ec2.attach_vpn_gateway(VpcId=vpc, VpnGatewayId=vgw)
ec2.create_vpn_connection(Type='ipsec.1', CustomerGatewayId=cgw, VpnGatewayId=vgw, Options={'StaticRoutesOnly': True})
import re
for v in ec2.describe_vpn_connections()['VpnConnections']:
    for k in re.findall(r'<pre_shared_key>([^<]+)</pre_shared_key>', v.get('CustomerGatewayConfiguration', '')):
        print(k)
"#;

/// Adds a public instance with SSH open to the world to `LB_ONLY`.
const EXPOSED: &str = r#"
vpc = [v for v in ec2.describe_vpcs()['Vpcs'] if not v.get('IsDefault')][0]['VpcId']
pub1 = [s for s in ec2.describe_subnets(Filters=[{'Name': 'vpc-id', 'Values': [vpc]}])['Subnets'] if s['CidrBlock'] == '10.0.1.0/24'][0]['SubnetId']
ssh = ec2.create_security_group(GroupName='ssh', Description='ssh', VpcId=vpc)['GroupId']
ec2.authorize_security_group_ingress(GroupId=ssh, IpPermissions=[{'IpProtocol': 'tcp', 'FromPort': 22, 'ToPort': 22, 'IpRanges': [{'CidrIp': '0.0.0.0/0'}]}])
ec2.run_instances(ImageId='ami-12c6146b', MinCount=1, MaxCount=1, NetworkInterfaces=[{'DeviceIndex': 0, 'SubnetId': pub1, 'Groups': [ssh], 'AssociatePublicIpAddress': True}], TagSpecifications=[{'ResourceType': 'instance', 'Tags': [{'Key': 'Name', 'Value': 'bastion'}]}])
"#;

/// A VPC with a public subnet, a NAT gateway in it (moto gives the gateway
/// an address outside its subnet and a loopback public IP, and its
/// interface no description), and a private instance routed through it.
const NAT: &str = r#"
vpc = ec2.create_vpc(CidrBlock='10.5.0.0/16')['Vpc']['VpcId']
pub = ec2.create_subnet(VpcId=vpc, CidrBlock='10.5.1.0/24', AvailabilityZone=kw['region_name'] + 'a')['Subnet']['SubnetId']
priv = ec2.create_subnet(VpcId=vpc, CidrBlock='10.5.2.0/24', AvailabilityZone=kw['region_name'] + 'a')['Subnet']['SubnetId']
igw = ec2.create_internet_gateway()['InternetGateway']['InternetGatewayId']
ec2.attach_internet_gateway(InternetGatewayId=igw, VpcId=vpc)
rt = ec2.create_route_table(VpcId=vpc)['RouteTable']['RouteTableId']
ec2.create_route(RouteTableId=rt, DestinationCidrBlock='0.0.0.0/0', GatewayId=igw)
ec2.associate_route_table(RouteTableId=rt, SubnetId=pub)
eip = ec2.allocate_address(Domain='vpc')['AllocationId']
nat = ec2.create_nat_gateway(SubnetId=pub, AllocationId=eip)['NatGateway']['NatGatewayId']
prt = ec2.create_route_table(VpcId=vpc)['RouteTable']['RouteTableId']
ec2.create_route(RouteTableId=prt, DestinationCidrBlock='0.0.0.0/0', NatGatewayId=nat)
ec2.associate_route_table(RouteTableId=prt, SubnetId=priv)
app = ec2.create_security_group(GroupName='app', Description='app', VpcId=vpc)['GroupId']
ec2.run_instances(ImageId='ami-12c6146b', MinCount=1, MaxCount=1, SubnetId=priv, SecurityGroupIds=[app], TagSpecifications=[{'ResourceType': 'instance', 'Tags': [{'Key': 'Name', 'Value': 'worker'}]}])
print(nat)
"#;

#[test]
fn live_import_with_a_nat_gateway_loads_or_records_named_gaps() {
    let moto = Moto::start();
    let nat = moto.boto3("us-east-1", NAT).trim().to_string();
    assert!(nat.starts_with("nat-"), "{nat}");
    let work = tempfile::tempdir().unwrap();
    let yaml = work.path().join("live.yaml");
    let snap = work.path().join("snap");
    let out = moto.import(&[
        "--region",
        "us-east-1",
        "-o",
        yaml.to_str().unwrap(),
        "--save-snapshot",
        snap.to_str().unwrap(),
    ]);
    let stderr = text(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{stderr}");
    let live = std::fs::read_to_string(&yaml).unwrap();
    // The gateway is imported; whatever moto got wrong about its addresses
    // is a gap naming the gateway or its interface, never a bad file.
    assert!(live.contains(&format!("aws_id: {nat}")), "{live}");
    let nat_eni = {
        let v: serde_json::Value = serde_json::from_str(
            &std::fs::read_to_string(snap.join("aws_configs/us-east-1/describe-nat-gateways.json"))
                .unwrap(),
        )
        .unwrap();
        let g = v["NatGateways"]
            .as_array()
            .unwrap()
            .iter()
            .find(|g| g["NatGatewayId"] == nat.as_str())
            .unwrap()
            .clone();
        g["NatGatewayAddresses"][0]["NetworkInterfaceId"]
            .as_str()
            .map(str::to_string)
    };
    if let Some(eni) = &nat_eni {
        // Its interface is the gateway's, or left out with a gap: never an
        // ordinary detached interface holding the gateway's address.
        let named = live.contains(&format!("`{eni}`"));
        let as_workload = live
            .split("\n- name: ")
            .any(|e| e.contains(&format!("aws_id: {eni}")) && !e.contains("nat_gateway:"));
        assert!(named || !as_workload, "{live}");
    }
    netverify_loads(&yaml);

    // End to end through the CLI: `check` on the import's output decides or
    // says unknown; it never fails to load (exit 2).
    let check = netverify(&["check", yaml.to_str().unwrap()]);
    assert!(
        matches!(check.status.code(), Some(0 | 1 | 3)),
        "check exited {:?}:\n{}\n{}",
        check.status.code(),
        text(&check.stdout),
        text(&check.stderr)
    );
    for cmd in [&["exposed"][..], &["query"][..]] {
        let mut args = cmd.to_vec();
        args.push(yaml.to_str().unwrap());
        if cmd[0] == "query" {
            args.push("can internet reach worker");
        }
        let o = netverify(&args);
        assert_ne!(o.status.code(), Some(2), "{cmd:?}: {}", text(&o.stderr));
    }
    // The saved snapshot replays to the same bytes.
    let replay = netverify(&["import", "snapshot", snap.to_str().unwrap()]);
    assert_eq!(replay.status.code(), Some(0), "{}", text(&replay.stderr));
    assert!(text(&replay.stdout) == live, "replay differs");
}

/// `validate` on a file: it must load.
fn netverify_loads(yaml: &std::path::Path) {
    let v = netverify(&["validate", yaml.to_str().unwrap()]);
    assert_eq!(
        v.status.code(),
        Some(0),
        "the imported file does not load:\n{}",
        text(&v.stderr)
    );
}

#[test]
fn live_import_proves_lb_only_exposure_round_trips_and_keeps_secrets() {
    let moto = Moto::start();
    let psks: Vec<String> = moto
        .boto3("us-east-1", LB_ONLY)
        .lines()
        .map(str::to_string)
        .collect();
    assert!(
        !psks.is_empty(),
        "moto's customer-gateway configuration has no pre-shared key: the secret test would prove nothing"
    );
    let work = tempfile::tempdir().unwrap();
    let yaml = work.path().join("live.yaml");
    let snap = work.path().join("snap");
    let out = moto.import(&[
        "--region",
        "us-east-1",
        "-o",
        yaml.to_str().unwrap(),
        "--save-snapshot",
        snap.to_str().unwrap(),
    ]);
    let stderr = text(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "import failed:\n{stderr}");
    let live = std::fs::read_to_string(&yaml).unwrap();

    // The imported network is what boto3 built.
    for want in [
        "name: shop",
        "name: private",
        "name: app-server",
        "name: web",
    ] {
        assert!(live.contains(want), "`{want}` missing from:\n{live}");
    }
    // moto creates no ENIs for load balancers: derived, and said so.
    assert!(stderr.contains("derived nodes for LB web"), "{stderr}");
    // moto's Direct Connect gaps are recorded, for the encryption checks only.
    let gaps = &live[live.find("\ngaps:\n").expect("no gaps recorded")..];
    assert!(
        gaps.contains("directconnect:DescribeVirtualInterfaces"),
        "the failed Direct Connect call is not a gap:\n{gaps}"
    );
    assert!(
        gaps.contains("affects:\n  - transit-encryption\n  - ipsec-strength\n")
            && !gaps.contains("public-exposure"),
        "{gaps}"
    );

    // Only the load balancer is exposed, on its listener port. (The other
    // checks have their own verdicts: this VPC has no S3 endpoint and no
    // route to the services, so nothing leaks; under the default policy its
    // plain instance is not known to use them, so the closed private paths
    // are notes and private-service-access is proven, which the full run
    // must say.)
    let all = netverify(&["check", yaml.to_str().unwrap(), "--format", "json"]);
    let all: serde_json::Value = serde_json::from_str(&text(&all.stdout)).unwrap();
    let psa = all["checks"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["id"] == "private-service-access")
        .unwrap();
    assert_eq!(psa["verdict"], "proven", "{psa}");
    assert!(
        psa["findings"]
            .as_array()
            .unwrap()
            .iter()
            .all(|f| f["kind"] == "info"),
        "{psa}"
    );
    let check = netverify(&[
        "check",
        yaml.to_str().unwrap(),
        "--check",
        "public-exposure",
        "--format",
        "json",
    ]);
    let report = text(&check.stdout);
    assert_eq!(
        check.status.code(),
        Some(0),
        "expected public-exposure proven:\n{report}\n{}",
        text(&check.stderr)
    );
    let json: serde_json::Value = serde_json::from_str(&report).unwrap();
    assert_eq!(json["verdict"], "proven", "{report}");

    // The saved snapshot replays to the same bytes.
    let replay = netverify(&["import", "snapshot", snap.to_str().unwrap()]);
    assert_eq!(replay.status.code(), Some(0), "{}", text(&replay.stderr));
    assert!(
        text(&replay.stdout) == live,
        "import snapshot of the saved snapshot differs from the live import"
    );
    // And in CLI shapes, one top-level key a file.
    let vpcs: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(snap.join("aws_configs/us-east-1/describe-vpcs.json")).unwrap(),
    )
    .unwrap();
    assert!(vpcs["Vpcs"].as_array().unwrap().len() >= 2, "{vpcs}");
    assert!(
        snap.join("aws_configs/us-east-1/describe-vpn-connections.json")
            .is_file()
    );

    // No pre-shared key in anything netverify wrote.
    let mut written = vec![
        ("yaml".to_string(), live.clone()),
        ("stderr".to_string(), stderr.clone()),
        ("check json".to_string(), report.clone()),
    ];
    for (f, body) in live_common::files_with_text(&snap) {
        written.push((f.display().to_string(), body));
    }
    for (what, body) in &written {
        for k in &psks {
            assert!(
                !body.contains(k.as_str()),
                "a pre-shared key leaked into {what}"
            );
        }
        assert!(
            !body.contains("CustomerGatewayConfiguration") && !body.contains("PreSharedKey"),
            "a secret-bearing field was written to {what}"
        );
    }
}

#[test]
fn live_import_finds_the_exposed_instance() {
    let moto = Moto::start();
    moto.boto3("eu-west-1", LB_ONLY);
    moto.boto3("eu-west-1", EXPOSED);
    let work = tempfile::tempdir().unwrap();
    let yaml = work.path().join("live.yaml");
    let out = moto.import(&["--region", "eu-west-1", "-o", yaml.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let check = netverify(&[
        "check",
        yaml.to_str().unwrap(),
        "--check",
        "public-exposure",
        "--format",
        "json",
    ]);
    let report = text(&check.stdout);
    assert_eq!(
        check.status.code(),
        Some(1),
        "expected a violation:\n{report}"
    );
    let json: serde_json::Value = serde_json::from_str(&report).unwrap();
    let violations: Vec<&serde_json::Value> = json["checks"][0]["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["kind"] == "violation")
        .collect();
    assert_eq!(
        violations.len(),
        1,
        "only the bastion is exposed:\n{report}"
    );
    let message = violations[0]["message"].as_str().unwrap();
    assert!(
        message.contains("`bastion`") && message.contains("tcp/22"),
        "the violation should be the bastion's ssh port:\n{report}"
    );
}

#[test]
fn strict_turns_moto_gaps_into_a_failure() {
    let moto = Moto::start();
    moto.boto3("us-east-1", LB_ONLY);
    let work = tempfile::tempdir().unwrap();
    let yaml = work.path().join("live.yaml");
    let out = moto.import(&[
        "--region",
        "us-east-1",
        "--strict",
        "-o",
        yaml.to_str().unwrap(),
    ]);
    let stderr = text(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("`--strict`"), "{stderr}");
    assert!(
        stderr.contains("directconnect:DescribeVirtualInterfaces"),
        "the error should list the gaps:\n{stderr}"
    );
    assert!(!yaml.exists(), "no topology may be written under --strict");
}

#[test]
fn role_arn_reads_the_account_of_the_assumed_role() {
    let moto = Moto::start();
    let work = tempfile::tempdir().unwrap();
    let yaml = work.path().join("live.yaml");
    let out = moto.import(&[
        "--region",
        "us-west-2",
        "--role-arn",
        "arn:aws:iam::111111111111:role/netverify-read",
        "-o",
        yaml.to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let live = std::fs::read_to_string(&yaml).unwrap();
    // moto keeps one default VPC per account: the one read is the role's.
    assert!(
        live.contains("account: \"111111111111\""),
        "the import did not use the assumed role's credentials:\n{live}"
    );
    assert!(!live.contains("account: \"123456789012\""), "{live}");
}

#[test]
fn all_regions_reads_every_enabled_region() {
    let moto = Moto::start();
    let work = tempfile::tempdir().unwrap();
    let yaml = work.path().join("live.yaml");
    let out = moto.import(&["--all-regions", "-o", yaml.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let live = std::fs::read_to_string(&yaml).unwrap();
    // moto has a default VPC in every Region it knows.
    let regions: std::collections::BTreeSet<&str> = live
        .lines()
        .filter_map(|l| l.trim().strip_prefix("region: "))
        .collect();
    for r in ["us-east-1", "us-west-2", "eu-west-1", "ap-southeast-2"] {
        assert!(regions.contains(r), "{r} not read: {regions:?}");
    }
}
