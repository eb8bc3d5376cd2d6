//! `import aws` against recorded, real-shaped responses served by a tiny
//! HTTP stub on 127.0.0.1: what moto cannot show. EC2 and Direct Connect
//! list calls answer in pages (`NextToken`, `nextToken`), Direct Connect
//! answers at all (moto's gateways and virtual interfaces fail), one call is
//! denied, and the VPN and Direct Connect answers carry secrets that must
//! never be written.

#![cfg(feature = "live")]
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "a test fails by panicking"
)]

use std::collections::HashMap;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::Path;
use std::process::Output;
use std::sync::{Arc, Mutex};

use serde_json::Value;

#[path = "live_common/mod.rs"]
mod live_common;
use live_common::{netverify, text};

/// The secrets in the recorded answers.
const SECRETS: &[&str] = &[
    "stubPskInConfig0001",
    "stubPskInTunnel0002",
    "stubBgpAuthKey0003",
    "stubRouterConfig0004",
];

#[derive(Clone, Copy, Default)]
struct Mode {
    /// `ec2:DescribeVpcEndpoints` answers `UnauthorizedOperation`.
    deny_endpoints: bool,
    /// Every EC2 call answers `AuthFailure`.
    bad_credentials: bool,
    /// The first `DescribeVpcs` call is throttled (`RequestLimitExceeded`).
    throttle_once: bool,
}

/// The stub server: one thread accepting, one per connection. It lives as
/// long as the test process (its threads end with it).
struct Stub {
    port: u16,
    log: Arc<Mutex<Vec<String>>>,
}

impl Stub {
    fn start(mode: Mode) -> Stub {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        let log = Arc::new(Mutex::new(Vec::new()));
        let l = log.clone();
        std::thread::spawn(move || {
            for conn in listener.incoming() {
                let Ok(conn) = conn else { return };
                let l = l.clone();
                std::thread::spawn(move || serve(conn, mode, &l));
            }
        });
        Stub { port, log }
    }

    fn url(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    fn requests(&self) -> Vec<String> {
        self.log.lock().unwrap().clone()
    }

    fn import(&self, extra: &[&str]) -> Output {
        live_common::import_aws(&self.url(), extra)
    }
}

fn serve(conn: TcpStream, mode: Mode, log: &Mutex<Vec<String>>) {
    let mut reader = BufReader::new(conn.try_clone().unwrap());
    let mut conn = conn;
    loop {
        let mut line = String::new();
        if reader.read_line(&mut line).unwrap_or(0) == 0 {
            return;
        }
        let mut headers = HashMap::new();
        loop {
            let mut h = String::new();
            if reader.read_line(&mut h).unwrap_or(0) == 0 {
                return;
            }
            let h = h.trim_end();
            if h.is_empty() {
                break;
            }
            if let Some((k, v)) = h.split_once(':') {
                headers.insert(k.trim().to_lowercase(), v.trim().to_string());
            }
        }
        let len: usize = headers
            .get("content-length")
            .and_then(|v| v.parse().ok())
            .unwrap_or(0);
        let mut body = vec![0; len];
        if reader.read_exact(&mut body).is_err() {
            return;
        }
        let body = String::from_utf8_lossy(&body).into_owned();
        // Who signed, for which Region (SigV4 `Credential=KEY/DATE/REGION/...`).
        if let Some(cred) = headers
            .get("authorization")
            .and_then(|a| a.split("Credential=").nth(1))
        {
            let mut parts = cred.split('/');
            let key = parts.next().unwrap_or("");
            let region = parts.nth(1).unwrap_or("");
            log.lock().unwrap().push(format!("signed {key} {region}"));
        }
        let (status, ctype, reply) = match headers.get("x-amz-target") {
            Some(target) => direct_connect(target, &body, log),
            None => query(&form(&body), mode, log),
        };
        let head = format!(
            "HTTP/1.1 {status} X\r\nContent-Type: {ctype}\r\nContent-Length: {}\r\n\r\n",
            reply.len()
        );
        if conn.write_all(head.as_bytes()).is_err() || conn.write_all(reply.as_bytes()).is_err() {
            return;
        }
    }
}

fn form(body: &str) -> HashMap<String, String> {
    let decode = |s: &str| {
        let s = s.replace('+', " ");
        let b = s.as_bytes();
        let mut out = Vec::new();
        let mut i = 0;
        while i < b.len() {
            if b[i] == b'%'
                && i + 2 < b.len()
                && let Ok(v) = u8::from_str_radix(&s[i + 1..i + 3], 16)
            {
                out.push(v);
                i += 3;
                continue;
            }
            out.push(b[i]);
            i += 1;
        }
        String::from_utf8_lossy(&out).into_owned()
    };
    body.split('&')
        .filter_map(|kv| kv.split_once('='))
        .map(|(k, v)| (decode(k), decode(v)))
        .collect()
}

const EC2_NS: &str = "http://ec2.amazonaws.com/doc/2016-11-15/";

fn ec2_ok(action: &str, inner: &str) -> (u16, &'static str, String) {
    (
        200,
        "text/xml",
        format!(
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<{action}Response xmlns=\"{EC2_NS}\"><requestId>stub</requestId>{inner}</{action}Response>"
        ),
    )
}

fn ec2_err(status: u16, code: &str, msg: &str) -> (u16, &'static str, String) {
    (
        status,
        "text/xml",
        format!(
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Response><Errors><Error><Code>{code}</Code><Message>{msg}</Message></Error></Errors><RequestID>stub</RequestID></Response>"
        ),
    )
}

fn vpc(id: &str, cidr: &str, name: &str) -> String {
    format!(
        "<item><vpcId>{id}</vpcId><ownerId>111122223333</ownerId><state>available</state><cidrBlock>{cidr}</cidrBlock><cidrBlockAssociationSet><item><associationId>{id}-cidr</associationId><cidrBlock>{cidr}</cidrBlock><cidrBlockState><state>associated</state></cidrBlockState></item></cidrBlockAssociationSet><dhcpOptionsId>default</dhcpOptionsId><isDefault>false</isDefault><tagSet><item><key>Name</key><value>{name}</value></item></tagSet></item>"
    )
}

fn subnet(id: &str, vpc: &str, cidr: &str) -> String {
    format!(
        "<item><subnetId>{id}</subnetId><vpcId>{vpc}</vpcId><state>available</state><cidrBlock>{cidr}</cidrBlock><availabilityZone>us-east-1a</availabilityZone><mapPublicIpOnLaunch>false</mapPublicIpOnLaunch></item>"
    )
}

fn main_route_table(id: &str, vpc: &str, cidr: &str, igw: Option<&str>) -> String {
    let default = igw.map_or(String::new(), |g| {
        format!(
            "<item><destinationCidrBlock>0.0.0.0/0</destinationCidrBlock><gatewayId>{g}</gatewayId><state>active</state><origin>CreateRoute</origin></item>"
        )
    });
    format!(
        "<item><routeTableId>{id}</routeTableId><vpcId>{vpc}</vpcId><ownerId>111122223333</ownerId><associationSet><item><main>true</main><routeTableAssociationId>{id}-main</routeTableAssociationId><routeTableId>{id}</routeTableId><associationState><state>associated</state></associationState></item></associationSet><routeSet><item><destinationCidrBlock>{cidr}</destinationCidrBlock><gatewayId>local</gatewayId><state>active</state><origin>CreateRouteTable</origin></item>{default}</routeSet></item>"
    )
}

fn default_acl(id: &str, vpc: &str, subnet: &str) -> String {
    let entry = |egress: bool| {
        format!(
            "<item><ruleNumber>100</ruleNumber><protocol>-1</protocol><ruleAction>allow</ruleAction><egress>{egress}</egress><cidrBlock>0.0.0.0/0</cidrBlock></item><item><ruleNumber>32767</ruleNumber><protocol>-1</protocol><ruleAction>deny</ruleAction><egress>{egress}</egress><cidrBlock>0.0.0.0/0</cidrBlock></item>"
        )
    };
    format!(
        "<item><networkAclId>{id}</networkAclId><vpcId>{vpc}</vpcId><default>true</default><entrySet>{}{}</entrySet><associationSet><item><networkAclAssociationId>{id}-assoc</networkAclAssociationId><networkAclId>{id}</networkAclId><subnetId>{subnet}</subnetId></item></associationSet></item>",
        entry(false),
        entry(true)
    )
}

/// EC2 and ELBv2 (query protocols).
fn query(
    p: &HashMap<String, String>,
    mode: Mode,
    log: &Mutex<Vec<String>>,
) -> (u16, &'static str, String) {
    let action = p.get("Action").cloned().unwrap_or_default();
    let token = p.get("NextToken").cloned();
    log.lock().unwrap().push(match &token {
        Some(t) => format!("{action} NextToken={t}"),
        None => action.clone(),
    });
    if p.get("Version").map(String::as_str) == Some("2015-12-01") {
        // ELBv2: no load balancers or target groups.
        return (
            200,
            "text/xml",
            format!(
                "<{action}Response xmlns=\"http://elasticloadbalancing.amazonaws.com/doc/2015-12-01/\"><{action}Result/><ResponseMetadata><RequestId>stub</RequestId></ResponseMetadata></{action}Response>"
            ),
        );
    }
    if mode.bad_credentials {
        return ec2_err(
            401,
            "AuthFailure",
            "AWS was not able to validate the provided access credentials",
        );
    }
    let calls = |a: &str| log.lock().unwrap().iter().filter(|r| *r == a).count();
    if mode.throttle_once && action == "DescribeVpcs" && calls("DescribeVpcs") == 1 {
        return ec2_err(503, "RequestLimitExceeded", "Request limit exceeded.");
    }
    match action.as_str() {
        "DescribeVpcs" => match token.as_deref() {
            None => ec2_ok(
                &action,
                &format!(
                    "<vpcSet>{}</vpcSet><nextToken>vpcs-page-2</nextToken>",
                    vpc("vpc-0a1", "10.1.0.0/16", "alpha")
                ),
            ),
            _ => ec2_ok(
                &action,
                &format!("<vpcSet>{}</vpcSet>", vpc("vpc-0b2", "10.2.0.0/16", "beta")),
            ),
        },
        "DescribeVpcAttribute" => {
            let vpc = p.get("VpcId").cloned().unwrap_or_default();
            let attr = p.get("Attribute").cloned().unwrap_or_default();
            ec2_ok(
                &action,
                &format!("<vpcId>{vpc}</vpcId><{attr}><value>true</value></{attr}>"),
            )
        }
        "DescribeSubnets" => match token.as_deref() {
            None => ec2_ok(
                &action,
                &format!(
                    "<subnetSet>{}</subnetSet><nextToken>subnets-page-2</nextToken>",
                    subnet("subnet-0a1", "vpc-0a1", "10.1.1.0/24")
                ),
            ),
            _ => ec2_ok(
                &action,
                &format!(
                    "<subnetSet>{}</subnetSet>",
                    subnet("subnet-0b2", "vpc-0b2", "10.2.1.0/24")
                ),
            ),
        },
        "DescribeRouteTables" => ec2_ok(
            &action,
            &format!(
                "<routeTableSet>{}{}</routeTableSet>",
                main_route_table("rtb-0a1", "vpc-0a1", "10.1.0.0/16", Some("igw-0a1")),
                main_route_table("rtb-0b2", "vpc-0b2", "10.2.0.0/16", None)
            ),
        ),
        "DescribeNetworkAcls" => ec2_ok(
            &action,
            &format!(
                "<networkAclSet>{}{}</networkAclSet>",
                default_acl("acl-0a1", "vpc-0a1", "subnet-0a1"),
                default_acl("acl-0b2", "vpc-0b2", "subnet-0b2")
            ),
        ),
        "DescribeSecurityGroups" => ec2_ok(
            &action,
            "<securityGroupInfo><item><ownerId>111122223333</ownerId><groupId>sg-0a1</groupId><groupName>web</groupName><groupDescription>web</groupDescription><vpcId>vpc-0a1</vpcId><ipPermissions><item><ipProtocol>tcp</ipProtocol><fromPort>443</fromPort><toPort>443</toPort><ipRanges><item><cidrIp>0.0.0.0/0</cidrIp></item></ipRanges></item></ipPermissions><ipPermissionsEgress><item><ipProtocol>-1</ipProtocol><ipRanges><item><cidrIp>0.0.0.0/0</cidrIp></item></ipRanges></item></ipPermissionsEgress></item></securityGroupInfo>",
        ),
        "DescribeInternetGateways" => ec2_ok(
            &action,
            "<internetGatewaySet><item><internetGatewayId>igw-0a1</internetGatewayId><attachmentSet><item><vpcId>vpc-0a1</vpcId><state>available</state></item></attachmentSet></item></internetGatewaySet>",
        ),
        // The public IP only at the interface level (as moto writes it).
        "DescribeNetworkInterfaces" => ec2_ok(
            &action,
            "<networkInterfaceSet><item><networkInterfaceId>eni-0a1</networkInterfaceId><subnetId>subnet-0a1</subnetId><vpcId>vpc-0a1</vpcId><description>Primary network interface</description><ownerId>111122223333</ownerId><status>in-use</status><privateIpAddress>10.1.1.10</privateIpAddress><sourceDestCheck>true</sourceDestCheck><interfaceType>interface</interfaceType><requesterManaged>false</requesterManaged><groupSet><item><groupId>sg-0a1</groupId><groupName>web</groupName></item></groupSet><attachment><attachmentId>eni-attach-1</attachmentId><instanceId>i-0a1</instanceId><deviceIndex>0</deviceIndex><status>attached</status></attachment><association><publicIp>198.51.100.10</publicIp><ipOwnerId>amazon</ipOwnerId></association><privateIpAddressesSet><item><privateIpAddress>10.1.1.10</privateIpAddress><primary>true</primary></item></privateIpAddressesSet></item></networkInterfaceSet>",
        ),
        "DescribeInstances" => ec2_ok(
            &action,
            "<reservationSet><item><reservationId>r-1</reservationId><ownerId>111122223333</ownerId><instancesSet><item><instanceId>i-0a1</instanceId><instanceState><code>16</code><name>running</name></instanceState><subnetId>subnet-0a1</subnetId><vpcId>vpc-0a1</vpcId><tagSet><item><key>Name</key><value>web-1</value></item></tagSet></item></instancesSet></item></reservationSet>",
        ),
        "DescribeVpcEndpoints" if mode.deny_endpoints => ec2_err(
            403,
            "UnauthorizedOperation",
            "You are not authorized to perform this operation. Encoded authorization failure message: stub",
        ),
        "DescribeVpnConnections" => ec2_ok(
            &action,
            "<vpnConnectionSet><item><vpnConnectionId>vpn-0a1</vpnConnectionId><customerGatewayConfiguration>&lt;vpn_connection&gt;&lt;pre_shared_key&gt;stubPskInConfig0001&lt;/pre_shared_key&gt;&lt;/vpn_connection&gt;</customerGatewayConfiguration><customerGatewayId>cgw-0a1</customerGatewayId><vpnGatewayId>vgw-0a1</vpnGatewayId><state>available</state><type>ipsec.1</type><category>VPN</category><options><staticRoutesOnly>true</staticRoutesOnly><tunnelOptionSet><item><outsideIpAddress>192.0.2.1</outsideIpAddress><tunnelInsideCidr>169.254.10.0/30</tunnelInsideCidr><preSharedKey>stubPskInTunnel0002</preSharedKey><phase1EncryptionAlgorithmSet><item><value>AES256</value></item></phase1EncryptionAlgorithmSet><phase1DHGroupNumberSet><item><value>14</value></item></phase1DHGroupNumberSet><ikeVersionSet><item><value>ikev2</value></item></ikeVersionSet></item></tunnelOptionSet></options><routes><item><destinationCidrBlock>192.168.0.0/16</destinationCidrBlock><source>Static</source><state>available</state></item></routes></item></vpnConnectionSet>",
        ),
        "DescribeCustomerGateways" => ec2_ok(
            &action,
            "<customerGatewaySet><item><customerGatewayId>cgw-0a1</customerGatewayId><state>available</state><type>ipsec.1</type><ipAddress>203.0.113.9</ipAddress><bgpAsn>65000</bgpAsn></item></customerGatewaySet>",
        ),
        "DescribeManagedPrefixLists" => ec2_ok(
            &action,
            "<prefixListSet><item><prefixListId>pl-0a1</prefixListId><addressFamily>IPv4</addressFamily><state>create-complete</state><prefixListName>corp</prefixListName><maxEntries>5</maxEntries><version>1</version><ownerId>111122223333</ownerId></item></prefixListSet>",
        ),
        "GetManagedPrefixListEntries" => ec2_ok(
            &action,
            "<entrySet><item><cidr>192.168.0.0/16</cidr><description>corp</description></item></entrySet>",
        ),
        "DescribeTransitGatewayRouteTables" => ec2_ok(
            &action,
            "<transitGatewayRouteTables><item><transitGatewayRouteTableId>tgw-rtb-0a1</transitGatewayRouteTableId><transitGatewayId>tgw-0a1</transitGatewayId><state>available</state><defaultAssociationRouteTable>true</defaultAssociationRouteTable><defaultPropagationRouteTable>true</defaultPropagationRouteTable></item></transitGatewayRouteTables>",
        ),
        // AWS requires a filter here.
        "SearchTransitGatewayRoutes" if !p.contains_key("Filter.1.Name") => ec2_err(
            400,
            "MissingParameter",
            "The request must contain the parameter Filter",
        ),
        "SearchTransitGatewayRoutes" => ec2_ok(
            &action,
            "<routeSet><item><destinationCidrBlock>10.1.0.0/16</destinationCidrBlock><transitGatewayAttachments><item><resourceId>vpc-0a1</resourceId><transitGatewayAttachmentId>tgw-attach-0a1</transitGatewayAttachmentId><resourceType>vpc</resourceType></item></transitGatewayAttachments><type>propagated</type><state>active</state></item></routeSet><additionalRoutesAvailable>false</additionalRoutesAvailable>",
        ),
        "GetTransitGatewayRouteTableAssociations" => {
            let (id, next) = match token.as_deref() {
                None => ("0a1", "<nextToken>assoc-page-2</nextToken>"),
                _ => ("0b2", ""),
            };
            ec2_ok(
                &action,
                &format!(
                    "<associations><item><transitGatewayAttachmentId>tgw-attach-{id}</transitGatewayAttachmentId><resourceId>vpc-{id}</resourceId><resourceType>vpc</resourceType><state>associated</state></item></associations>{next}"
                ),
            )
        }
        "GetTransitGatewayRouteTablePropagations" => ec2_ok(
            &action,
            "<transitGatewayRouteTablePropagations><item><transitGatewayAttachmentId>tgw-attach-0a1</transitGatewayAttachmentId><resourceId>vpc-0a1</resourceId><resourceType>vpc</resourceType><state>enabled</state></item></transitGatewayRouteTablePropagations>",
        ),
        "DescribeTransitGateways" => ec2_ok(
            &action,
            "<transitGatewaySet><item><transitGatewayId>tgw-0a1</transitGatewayId><ownerId>111122223333</ownerId><state>available</state><options><amazonSideAsn>64512</amazonSideAsn><vpnEcmpSupport>enable</vpnEcmpSupport></options></item></transitGatewaySet>",
        ),
        "DescribeTransitGatewayAttachments" => ec2_ok(
            &action,
            "<transitGatewayAttachments><item><transitGatewayAttachmentId>tgw-attach-0a1</transitGatewayAttachmentId><transitGatewayId>tgw-0a1</transitGatewayId><resourceType>vpc</resourceType><resourceId>vpc-0a1</resourceId><state>available</state></item><item><transitGatewayAttachmentId>tgw-attach-0b2</transitGatewayAttachmentId><transitGatewayId>tgw-0a1</transitGatewayId><resourceType>vpc</resourceType><resourceId>vpc-0b2</resourceId><state>available</state></item></transitGatewayAttachments>",
        ),
        "DescribeTransitGatewayVpcAttachments" => ec2_ok(
            &action,
            "<transitGatewayVpcAttachments><item><transitGatewayAttachmentId>tgw-attach-0a1</transitGatewayAttachmentId><transitGatewayId>tgw-0a1</transitGatewayId><vpcId>vpc-0a1</vpcId><state>available</state><subnetIds><item>subnet-0a1</item></subnetIds></item><item><transitGatewayAttachmentId>tgw-attach-0b2</transitGatewayAttachmentId><transitGatewayId>tgw-0a1</transitGatewayId><vpcId>vpc-0b2</vpcId><state>available</state><subnetIds><item>subnet-0b2</item></subnetIds></item></transitGatewayVpcAttachments>",
        ),
        "DescribeVpnGateways" => ec2_ok(
            &action,
            "<vpnGatewaySet><item><vpnGatewayId>vgw-0a1</vpnGatewayId><state>available</state><type>ipsec.1</type><amazonSideAsn>64513</amazonSideAsn><attachments><item><vpcId>vpc-0a1</vpcId><state>attached</state></item></attachments></item></vpnGatewaySet>",
        ),
        // Everything else: an empty answer.
        _ => ec2_ok(&action, ""),
    }
}

/// Direct Connect (JSON 1.1), in the camelCase shapes AWS sends.
fn direct_connect(
    target: &str,
    body: &str,
    log: &Mutex<Vec<String>>,
) -> (u16, &'static str, String) {
    let op = target.rsplit('.').next().unwrap_or("").to_string();
    let req: Value = serde_json::from_str(body).unwrap_or(Value::Null);
    let token = req["nextToken"].as_str().map(str::to_string);
    log.lock().unwrap().push(match &token {
        Some(t) => format!("{op} nextToken={t}"),
        None => op.clone(),
    });
    let reply = match op.as_str() {
        "DescribeConnections" => match token.as_deref() {
            None => serde_json::json!({
                "connections": [{
                    "ownerAccount": "111122223333", "connectionId": "dxcon-0a1",
                    "connectionName": "dc-primary", "connectionState": "available",
                    "region": "us-east-1", "location": "EqDC2", "bandwidth": "10Gbps",
                    "vlan": 0, "macSecCapable": true, "portEncryptionStatus": "Encryption Up",
                    "encryptionMode": "must_encrypt",
                    "macSecKeys": [{"secretARN": "arn:aws:secretsmanager:us-east-1:111122223333:secret:dx-cak", "ckn": "0123456789abcdef", "state": "associated", "startOn": "immediate"}]
                }],
                "nextToken": "dx-page-2"
            }),
            _ => serde_json::json!({
                "connections": [{
                    "ownerAccount": "111122223333", "connectionId": "dxcon-0b2",
                    "connectionName": "dc-backup", "connectionState": "available",
                    "region": "us-east-1", "location": "EqDC2", "bandwidth": "1Gbps",
                    "vlan": 0, "macSecCapable": false, "encryptionMode": "no_encrypt"
                }]
            }),
        },
        "DescribeLags" => serde_json::json!({"lags": []}),
        "DescribeVirtualInterfaces" => serde_json::json!({
            "virtualInterfaces": [{
                "ownerAccount": "111122223333", "virtualInterfaceId": "dxvif-0a1",
                "location": "EqDC2", "connectionId": "dxcon-0a1",
                "virtualInterfaceType": "transit", "virtualInterfaceName": "transit-vif",
                "vlan": 101, "asn": 65001, "amazonSideAsn": 64512,
                "authKey": "stubBgpAuthKey0003",
                "amazonAddress": "169.254.0.1/30", "customerAddress": "169.254.0.2/30",
                "addressFamily": "ipv4", "virtualInterfaceState": "available",
                "customerRouterConfig": "<config>stubRouterConfig0004</config>",
                "mtu": 8500, "directConnectGatewayId": "dxgw-0a1",
                "bgpPeers": [{"bgpPeerId": "dxpeer-1", "asn": 65001, "authKey": "stubBgpAuthKey0003", "addressFamily": "ipv4", "amazonAddress": "169.254.0.1/30", "customerAddress": "169.254.0.2/30", "bgpPeerState": "available", "bgpStatus": "up"}],
                "region": "us-east-1"
            }]
        }),
        "DescribeDirectConnectGateways" => serde_json::json!({
            "directConnectGateways": [{
                "directConnectGatewayId": "dxgw-0a1", "directConnectGatewayName": "dxgw",
                "amazonSideAsn": 64512, "ownerAccount": "111122223333",
                "directConnectGatewayState": "available"
            }]
        }),
        "DescribeDirectConnectGatewayAssociations" => serde_json::json!({
            "directConnectGatewayAssociations": [{
                "directConnectGatewayId": "dxgw-0a1", "directConnectGatewayOwnerAccount": "111122223333",
                "associationState": "associated", "associationId": "dxgw-assoc-1",
                "associatedGateway": {"id": "tgw-0a1", "type": "transitGateway", "ownerAccount": "111122223333", "region": "us-east-1"},
                "allowedPrefixesToDirectConnectGateway": [{"cidr": "10.0.0.0/8"}]
            }]
        }),
        _ => {
            return (
                400,
                "application/x-amz-json-1.1",
                serde_json::json!({"__type": "DirectConnectClientException", "message": format!("stub has no {op}")}).to_string(),
            );
        }
    };
    (200, "application/x-amz-json-1.1", reply.to_string())
}

fn read_json(path: &Path) -> Value {
    serde_json::from_str(
        &std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display())),
    )
    .unwrap()
}

#[test]
fn paging_follows_every_next_token_and_the_import_is_complete() {
    let stub = Stub::start(Mode::default());
    let work = tempfile::tempdir().unwrap();
    let yaml = work.path().join("live.yaml");
    let snap = work.path().join("snap");
    let out = stub.import(&[
        "--region",
        "us-east-1",
        "--strict",
        "-o",
        yaml.to_str().unwrap(),
        "--save-snapshot",
        snap.to_str().unwrap(),
    ]);
    let stderr = text(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{stderr}");
    let requests = stub.requests();
    for want in [
        "DescribeVpcs",
        "DescribeVpcs NextToken=vpcs-page-2",
        "DescribeSubnets NextToken=subnets-page-2",
        "DescribeConnections nextToken=dx-page-2",
        "GetTransitGatewayRouteTableAssociations NextToken=assoc-page-2",
        "DescribeDirectConnectGatewayAssociations",
    ] {
        assert!(
            requests.iter().any(|r| r == want),
            "no `{want}` request; requests: {requests:?}"
        );
    }
    // Both pages reached the topology and the saved snapshot.
    let live = std::fs::read_to_string(&yaml).unwrap();
    for want in [
        "name: alpha",
        "name: beta",
        "aws_id: subnet-0a1",
        "aws_id: subnet-0b2",
        // Transit gateway, VPN and Direct Connect reach the topology too,
        // including the second page of route table associations.
        "aws_id: tgw-attach-0b2",
        "aws_id: vpn-0a1",
        "aws_id: dxcon-0b2",
        "aws_id: dxvif-0a1",
    ] {
        assert!(live.contains(want), "`{want}` missing:\n{live}");
    }
    let configs = snap.join("aws_configs");
    let vpcs = read_json(&configs.join("us-east-1/describe-vpcs.json"));
    assert_eq!(vpcs["Vpcs"].as_array().unwrap().len(), 2, "{vpcs}");
    let subnets = read_json(&configs.join("us-east-1/describe-subnets.json"));
    assert_eq!(subnets["Subnets"].as_array().unwrap().len(), 2);
    let dx = read_json(&configs.join("us-east-1/describe-connections.json"));
    assert_eq!(dx["connections"].as_array().unwrap().len(), 2, "{dx}");
    // Nothing was missing: no gaps, so `--strict` passed.
    assert!(!live.contains("gaps:"), "unexpected gaps:\n{live}");
    assert!(!configs.join("netverify-import-gaps.json").exists());
    // The interface-level public IP is the primary IP's: the instance's
    // open https port is exposed.
    let check = netverify(&["check", yaml.to_str().unwrap()]);
    let report = text(&check.stdout);
    assert_eq!(check.status.code(), Some(1), "{report}");
    assert!(
        report.contains("tcp/443") && report.contains("web-1"),
        "{report}"
    );
    // The saved snapshot replays to the same bytes.
    let replay = netverify(&["import", "snapshot", snap.to_str().unwrap()]);
    assert_eq!(replay.status.code(), Some(0), "{}", text(&replay.stderr));
    assert!(
        text(&replay.stdout) == live,
        "replay differs from the live import"
    );
}

/// Every top-level key of a saved snapshot, with the files holding it.
fn saved_keys(dir: &Path) -> std::collections::BTreeMap<String, Vec<String>> {
    let mut keys = std::collections::BTreeMap::<String, Vec<String>>::new();
    for (f, body) in live_common::files_with_text(dir) {
        let v: Value = serde_json::from_str(&body).unwrap();
        for k in v.as_object().unwrap().keys() {
            keys.entry(k.clone())
                .or_default()
                .push(f.display().to_string());
        }
    }
    keys
}

#[test]
fn every_key_the_live_importer_writes_is_read_back_to_the_same_topology() {
    let stub = Stub::start(Mode::default());
    let work = tempfile::tempdir().unwrap();
    let yaml = work.path().join("live.yaml");
    let snap = work.path().join("snap");
    let out = stub.import(&[
        "--region",
        "us-east-1",
        "-o",
        yaml.to_str().unwrap(),
        "--save-snapshot",
        snap.to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let live = std::fs::read_to_string(&yaml).unwrap();
    let keys = saved_keys(&snap);
    // The keys of every call the importer makes (context keys included).
    for want in [
        "Vpcs",
        "Subnets",
        "RouteTables",
        "NetworkAcls",
        "SecurityGroups",
        "NetworkInterfaces",
        "Reservations",
        "Addresses",
        "InternetGateways",
        "EgressOnlyInternetGateways",
        "NatGateways",
        "VpcEndpoints",
        "PrefixLists",
        "Entries",
        "VpcPeeringConnections",
        "TransitGateways",
        "TransitGatewayAttachments",
        "TransitGatewayVpcAttachments",
        "TransitGatewayRouteTables",
        "VpnGateways",
        "VpnConnections",
        "CustomerGateways",
        "LoadBalancers",
        "TargetGroups",
        "connections",
        "lags",
        "virtualInterfaces",
        "directConnectGateways",
        "directConnectGatewayAssociations",
    ] {
        assert!(keys.contains_key(want), "no `{want}` saved: {keys:?}");
    }
    // No invented key: `describe-managed-prefix-lists` is saved the way the
    // AWS CLI prints it, under `PrefixLists`, records without `Cidrs`.
    assert!(!keys.contains_key("ManagedPrefixLists"), "{keys:?}");
    let managed = read_json(&snap.join("aws_configs/us-east-1/describe-managed-prefix-lists.json"));
    let rec = &managed["PrefixLists"][0];
    assert_eq!(rec["PrefixListId"], "pl-0a1", "{managed}");
    assert_eq!(rec["AddressFamily"], "IPv4");
    assert_eq!(rec["MaxEntries"], 5);
    assert!(rec.get("Cidrs").is_none(), "{managed}");
    // Re-reading gives the same topology, and no saved key goes unread.
    let replay = netverify(&["import", "snapshot", snap.to_str().unwrap()]);
    let stderr = text(&replay.stderr);
    assert_eq!(replay.status.code(), Some(0), "{stderr}");
    assert!(
        text(&replay.stdout) == live,
        "replay differs from the live import"
    );
    for k in keys.keys() {
        assert!(
            !stderr.contains(&format!("`{k}` (")),
            "saved key `{k}` is not read back: {stderr}"
        );
    }
    // The managed list and its entries reach the topology.
    assert!(live.contains("aws_id: pl-0a1"), "{live}");
    assert!(live.contains("- 192.168.0.0/16"), "{live}");
    assert!(!live.contains("entries of prefix list `pl-0a1`"), "{live}");
}

#[test]
fn direct_connect_transit_gateway_and_vpn_outputs_are_saved_in_cli_shape() {
    let stub = Stub::start(Mode::default());
    let work = tempfile::tempdir().unwrap();
    let snap = work.path().join("snap");
    let out = stub.import(&[
        "--region",
        "us-east-1",
        "-o",
        work.path().join("t.yaml").to_str().unwrap(),
        "--save-snapshot",
        snap.to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let c = snap.join("aws_configs");

    let conns = read_json(&c.join("us-east-1/describe-connections.json"));
    let first = &conns["connections"][0];
    assert_eq!(first["connectionId"], "dxcon-0a1");
    assert_eq!(first["encryptionMode"], "must_encrypt");
    assert_eq!(first["macSecKeys"][0]["state"], "associated");
    assert_eq!(conns["connections"][1]["encryptionMode"], "no_encrypt");

    let vifs = read_json(&c.join("us-east-1/describe-virtual-interfaces.json"));
    let vif = &vifs["virtualInterfaces"][0];
    assert_eq!(vif["virtualInterfaceType"], "transit");
    assert_eq!(vif["directConnectGatewayId"], "dxgw-0a1");
    assert_eq!(vif["vlan"], 101);
    assert_eq!(vif["bgpPeers"][0]["bgpStatus"], "up");
    assert!(vif.get("authKey").is_none() && vif.get("customerRouterConfig").is_none());
    assert!(vif["bgpPeers"][0].get("authKey").is_none());

    // Direct Connect gateways are global: at the top of the snapshot.
    let gws = read_json(&c.join("describe-direct-connect-gateways.json"));
    assert_eq!(gws["directConnectGateways"][0]["amazonSideAsn"], 64512);
    let assoc = read_json(&c.join("describe-direct-connect-gateway-associations-dxgw-0a1.json"));
    let a = &assoc["directConnectGatewayAssociations"][0];
    assert_eq!(a["associatedGateway"]["id"], "tgw-0a1");
    assert_eq!(
        a["allowedPrefixesToDirectConnectGateway"][0]["cidr"],
        "10.0.0.0/8"
    );

    let vpn = read_json(&c.join("us-east-1/describe-vpn-connections.json"));
    let v = &vpn["VpnConnections"][0];
    assert_eq!(v["VpnGatewayId"], "vgw-0a1");
    assert_eq!(v["Options"]["StaticRoutesOnly"], true);
    let tunnel = &v["Options"]["TunnelOptions"][0];
    assert_eq!(tunnel["OutsideIpAddress"], "192.0.2.1");
    assert_eq!(tunnel["Phase1EncryptionAlgorithms"][0]["Value"], "AES256");
    assert_eq!(tunnel["Phase1DHGroupNumbers"][0]["Value"], 14);
    assert_eq!(tunnel["IkeVersions"][0]["Value"], "ikev2");
    assert!(tunnel.get("PreSharedKey").is_none());
    assert!(v.get("CustomerGatewayConfiguration").is_none());
    let cgw = read_json(&c.join("us-east-1/describe-customer-gateways.json"));
    assert_eq!(cgw["CustomerGateways"][0]["IpAddress"], "203.0.113.9");

    // Calls whose output lacks the parent's id carry it at the top level.
    let rt = "us-east-1/search-transit-gateway-routes/tgw-rtb-0a1.json";
    let routes = read_json(&c.join(rt));
    assert_eq!(routes["TransitGatewayRouteTableId"], "tgw-rtb-0a1");
    assert_eq!(routes["AdditionalRoutesAvailable"], false);
    let r0 = &routes["Routes"][0];
    assert_eq!(r0["DestinationCidrBlock"], "10.1.0.0/16");
    assert_eq!(r0["Type"], "propagated");
    assert_eq!(r0["TransitGatewayAttachments"][0]["ResourceId"], "vpc-0a1");
    let assoc = read_json(
        &c.join("us-east-1/get-transit-gateway-route-table-associations/tgw-rtb-0a1.json"),
    );
    assert_eq!(assoc["TransitGatewayRouteTableId"], "tgw-rtb-0a1");
    // Both pages.
    assert_eq!(
        assoc["Associations"].as_array().unwrap().len(),
        2,
        "{assoc}"
    );
    let prop = read_json(
        &c.join("us-east-1/get-transit-gateway-route-table-propagations/tgw-rtb-0a1.json"),
    );
    assert_eq!(
        prop["TransitGatewayRouteTablePropagations"][0]["State"],
        "enabled"
    );
    let entries = read_json(&c.join("us-east-1/get-managed-prefix-list-entries/pl-0a1.json"));
    assert_eq!(entries["PrefixListId"], "pl-0a1");
    assert_eq!(entries["Entries"][0]["Cidr"], "192.168.0.0/16");

    // Every file is recognised by its top-level key, as the reader expects.
    for f in [
        "us-east-1/describe-transit-gateways.json",
        "us-east-1/describe-transit-gateway-attachments.json",
        "us-east-1/describe-transit-gateway-route-tables.json",
        "us-east-1/describe-vpn-gateways.json",
    ] {
        let v = read_json(&c.join(f));
        assert_eq!(v.as_object().unwrap().len(), 1, "{f}: {v}");
    }
}

#[test]
fn secrets_never_reach_yaml_json_logs_or_saved_snapshots() {
    let stub = Stub::start(Mode::default());
    let work = tempfile::tempdir().unwrap();
    let snap = work.path().join("snap");
    // The YAML on stdout this time.
    let out = stub.import(&[
        "--region",
        "us-east-1",
        "--save-snapshot",
        snap.to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let yaml = text(&out.stdout);
    assert!(yaml.contains("version: 1"), "{yaml}");
    let yaml_path = work.path().join("t.yaml");
    std::fs::write(&yaml_path, &yaml).unwrap();
    let json = netverify(&["check", yaml_path.to_str().unwrap(), "--format", "json"]);
    let sarif = netverify(&["check", snap.to_str().unwrap(), "--format", "sarif"]);
    let mut written = vec![
        ("yaml".to_string(), yaml.clone()),
        ("import stderr".to_string(), text(&out.stderr)),
        ("check json".to_string(), text(&json.stdout)),
        ("check stderr".to_string(), text(&json.stderr)),
        (
            "check sarif of the snapshot".to_string(),
            text(&sarif.stdout),
        ),
    ];
    let files = live_common::files_with_text(&snap);
    assert!(files.len() > 10, "too few snapshot files: {}", files.len());
    for (f, body) in files {
        written.push((f.display().to_string(), body));
    }
    for (what, body) in &written {
        for s in SECRETS {
            assert!(!body.contains(s), "secret `{s}` leaked into {what}");
        }
        for field in [
            "CustomerGatewayConfiguration",
            "PreSharedKey",
            "authKey",
            "customerRouterConfig",
        ] {
            assert!(
                !body.contains(field),
                "secret-bearing field `{field}` in {what}"
            );
        }
    }
}

#[test]
fn access_denied_names_the_iam_action_and_becomes_a_gap() {
    let stub = Stub::start(Mode {
        deny_endpoints: true,
        ..Mode::default()
    });
    let work = tempfile::tempdir().unwrap();
    let yaml = work.path().join("live.yaml");
    let snap = work.path().join("snap");
    let out = stub.import(&[
        "--region",
        "us-east-1",
        "-o",
        yaml.to_str().unwrap(),
        "--save-snapshot",
        snap.to_str().unwrap(),
    ]);
    let stderr = text(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{stderr}");
    let want = "AccessDenied on `ec2:DescribeVpcEndpoints` in us-east-1";
    assert!(stderr.contains(want), "{stderr}");
    let live = std::fs::read_to_string(&yaml).unwrap();
    assert!(live.contains("gaps:") && live.contains(want), "{live}");
    // The gap makes the check unknown (exit 3), even though a violation
    // exists: what cannot be read is never treated as complete.
    let check = netverify(&["check", yaml.to_str().unwrap(), "--format", "json"]);
    let report: Value = serde_json::from_str(&text(&check.stdout)).unwrap();
    assert_ne!(report["checks"][0]["verdict"], "proven", "{report}");
    // The replayed snapshot has the same gap.
    let replay = netverify(&["import", "snapshot", snap.to_str().unwrap()]);
    assert!(
        text(&replay.stdout) == live,
        "replay differs from the live import"
    );

    // `--strict`: exit 2, the gap named, no topology written.
    let strict_yaml = work.path().join("strict.yaml");
    let out = stub.import(&[
        "--region",
        "us-east-1",
        "--strict",
        "-o",
        strict_yaml.to_str().unwrap(),
    ]);
    let stderr = text(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains("`--strict`") && stderr.contains(want),
        "{stderr}"
    );
    assert!(!strict_yaml.exists());
}

#[test]
fn rejected_credentials_fail_the_import() {
    let stub = Stub::start(Mode {
        bad_credentials: true,
        ..Mode::default()
    });
    let out = stub.import(&["--region", "us-east-1"]);
    let stderr = text(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains("AWS rejected the credentials: `AuthFailure`"),
        "{stderr}"
    );
    assert!(out.stdout.is_empty(), "no topology on a failed import");
}

#[test]
fn a_region_is_required() {
    let stub = Stub::start(Mode::default());
    let out = stub.import(&[]);
    let stderr = text(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains("no Region to read") && stderr.contains("--region"),
        "{stderr}"
    );
}

#[test]
fn save_snapshot_refuses_to_mix_with_an_old_snapshot() {
    let stub = Stub::start(Mode::default());
    let work = tempfile::tempdir().unwrap();
    let old = work.path().join("aws_configs/us-east-1");
    std::fs::create_dir_all(&old).unwrap();
    std::fs::write(old.join("old.json"), "{\"Vpcs\": []}").unwrap();
    let out = stub.import(&[
        "--region",
        "us-east-1",
        "--save-snapshot",
        work.path().to_str().unwrap(),
    ]);
    let stderr = text(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("is not empty"), "{stderr}");
    assert!(
        stub.requests().is_empty(),
        "nothing may be read before the check"
    );
}

#[test]
fn a_named_profile_supplies_the_credentials_and_the_region() {
    let stub = Stub::start(Mode::default());
    let work = tempfile::tempdir().unwrap();
    let config = work.path().join("config");
    let creds = work.path().join("credentials");
    std::fs::write(&config, "[profile audit]\nregion = eu-west-3\n").unwrap();
    std::fs::write(
        &creds,
        "[audit]\naws_access_key_id = AKIDPROFILE0001\naws_secret_access_key = profile-secret\n",
    )
    .unwrap();
    let snap = work.path().join("snap");
    let out = live_common::netverify_with(
        &[
            "import",
            "aws",
            "--endpoint-url",
            &stub.url(),
            "--profile",
            "audit",
            "-o",
            work.path().join("t.yaml").to_str().unwrap(),
            "--save-snapshot",
            snap.to_str().unwrap(),
        ],
        &[
            ("AWS_CONFIG_FILE", config.to_str().unwrap()),
            ("AWS_SHARED_CREDENTIALS_FILE", creds.to_str().unwrap()),
        ],
    );
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let requests = stub.requests();
    assert!(
        requests
            .iter()
            .any(|r| r == "signed AKIDPROFILE0001 eu-west-3"),
        "calls were not signed with the profile's key for its Region: {requests:?}"
    );
    assert!(
        requests
            .iter()
            .filter(|r| r.starts_with("signed "))
            .all(|r| r.starts_with("signed AKIDPROFILE0001 ")),
        "{requests:?}"
    );
    assert!(
        snap.join("aws_configs/eu-west-3/describe-vpcs.json")
            .is_file()
    );
    // The secret key is no output either.
    for (f, body) in live_common::files_with_text(&snap) {
        assert!(!body.contains("profile-secret"), "{}", f.display());
    }
}

#[test]
fn throttled_calls_are_retried_with_backoff() {
    let stub = Stub::start(Mode {
        throttle_once: true,
        ..Mode::default()
    });
    let work = tempfile::tempdir().unwrap();
    let yaml = work.path().join("t.yaml");
    let out = stub.import(&[
        "--region",
        "us-east-1",
        "--strict",
        "-o",
        yaml.to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let first_pages = stub
        .requests()
        .iter()
        .filter(|r| *r == "DescribeVpcs")
        .count();
    assert_eq!(first_pages, 2, "the throttled call should be retried once");
    let live = std::fs::read_to_string(&yaml).unwrap();
    assert!(
        live.contains("name: alpha") && live.contains("name: beta"),
        "{live}"
    );
}
