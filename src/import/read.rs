//! Walking a snapshot folder and parsing its files into typed records.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::de::DeserializeOwned;
use serde_json::Value;

use super::ImportError;
use super::aws;

/// Where a record came from: its file (relative to `aws_configs`), its
/// JSON path, and the account and Region given by the folder layout.
#[derive(Debug, Clone, Default)]
pub struct Loc {
    pub file: String,
    pub path: String,
    pub account: Option<String>,
    pub region: Option<String>,
}

impl Loc {
    /// An error at `field` below this record.
    pub fn err(&self, field: &str, msg: String) -> ImportError {
        let path = if field.is_empty() {
            self.path.clone()
        } else {
            format!("{}.{field}", self.path)
        };
        ImportError::Invalid {
            file: self.file.clone(),
            path,
            msg,
            help: None,
        }
    }

    /// [`Loc::err`] with what to do about it.
    pub fn err_help(&self, field: &str, msg: String, help: &str) -> ImportError {
        match self.err(field, msg) {
            ImportError::Invalid {
                file, path, msg, ..
            } => ImportError::Invalid {
                file,
                path,
                msg,
                help: Some(help.to_owned()),
            },
            other => other,
        }
    }
}

pub type Items<T> = Vec<(Loc, T)>;

/// Everything read from a snapshot, in file order.
#[derive(Debug, Default)]
pub struct Raw {
    pub vpcs: Items<aws::Vpc>,
    pub dhcp: Items<aws::DhcpOptions>,
    pub vpc_attributes: Items<aws::VpcAttribute>,
    pub subnets: Items<aws::Subnet>,
    pub route_tables: Items<aws::RouteTable>,
    pub nacls: Items<aws::NetworkAcl>,
    pub sgs: Items<aws::SecurityGroup>,
    pub enis: Items<aws::NetworkInterface>,
    pub reservations: Items<aws::Reservation>,
    pub addresses: Items<aws::Address>,
    pub igws: Items<aws::InternetGateway>,
    pub eigws: Items<aws::EgressOnlyInternetGateway>,
    pub nats: Items<aws::NatGateway>,
    pub endpoints: Items<aws::VpcEndpoint>,
    /// Both shapes printed under `PrefixLists` (service lists with `Cidrs`,
    /// managed lists without).
    pub prefix_lists: Items<aws::PrefixList>,
    /// `get-managed-prefix-list-entries` outputs, by prefix list id.
    pub prefix_list_entries: BTreeMap<String, Vec<String>>,
    pub peerings: Items<aws::PeeringConnection>,
    pub lbs: Items<aws::LoadBalancer>,
    /// `elb describe-load-balancers`: Classic Load Balancers.
    pub classic_lbs: Items<aws::ClassicLoadBalancer>,
    /// `elb describe-load-balancer-attributes`, each with its load balancer's name.
    pub classic_lb_attributes: Items<aws::ClassicLbAttributes>,
    pub listeners: Items<aws::Listener>,
    pub target_groups: Items<aws::TargetGroup>,
    pub target_health: Items<aws::TargetHealth>,
    pub tgws: Items<aws::TransitGateway>,
    pub tgw_attachments: Items<aws::TgwAttachment>,
    pub tgw_vpc_attachments: Items<aws::TgwVpcAttachment>,
    pub tgw_route_tables: Items<aws::TgwRouteTable>,
    /// `search-transit-gateway-routes` outputs, each with its route table id.
    pub tgw_routes: Items<aws::TgwRoutes>,
    /// Route table propagations, each with its route table id.
    pub tgw_propagations: Items<aws::TgwPropagations>,
    /// Route table associations: (route table id, association).
    pub tgw_associations: Items<(String, aws::TgwRtbLink)>,
    pub vgws: Items<aws::VpnGateway>,
    pub vpn_connections: Items<aws::VpnConnection>,
    pub customer_gateways: Items<aws::CustomerGateway>,
    pub dx_connections: Items<aws::DxConnection>,
    pub dx_lags: Items<aws::DxLag>,
    pub dx_vifs: Items<aws::VirtualInterface>,
    pub dx_gateways: Items<aws::DxGateway>,
    pub dx_associations: Items<aws::DxGatewayAssociation>,
    /// `describe-availability-zones`: zones and their Region, per folder.
    pub zones: Items<aws::AvailabilityZone>,
    /// S3: `s3api` and `s3control` outputs.
    pub s3: S3Raw,
    /// What a live import could not read (`NetverifyImportGaps`), with the
    /// checks each affects.
    pub import_gaps: Vec<ImportedGap>,
    /// Top-level keys present in at least one file.
    pub keys: BTreeMap<String, usize>,
    /// Top-level keys per (account, Region) folder.
    pub scopes: BTreeMap<(Option<String>, Option<String>), std::collections::BTreeSet<String>>,
    /// Keys not used, with the number of files holding them.
    pub skipped: BTreeMap<String, usize>,
}

/// The `aws_configs` folder of a snapshot: `dir/aws_configs`, or `dir` itself.
pub fn configs_dir(dir: &Path) -> Result<PathBuf, ImportError> {
    let sub = dir.join("aws_configs");
    if sub.is_dir() {
        return Ok(sub);
    }
    if dir.is_dir() {
        return Ok(dir.to_path_buf());
    }
    Err(ImportError::NotADirectory(dir.display().to_string()))
}

fn walk(dir: &Path, out: &mut Vec<PathBuf>) -> Result<(), ImportError> {
    let rd = std::fs::read_dir(dir).map_err(|e| ImportError::Io {
        path: dir.display().to_string(),
        message: e.to_string(),
    })?;
    let mut entries = Vec::new();
    for e in rd {
        let e = e.map_err(|e| ImportError::Io {
            path: dir.display().to_string(),
            message: e.to_string(),
        })?;
        entries.push(e.path());
    }
    entries.sort();
    for p in entries {
        if p.is_dir() {
            walk(&p, out)?;
        } else if p.extension().is_some_and(|x| x == "json") {
            out.push(p);
        }
    }
    Ok(())
}

/// Account and Region from `[accounts/<id>/][<region>/]`.
fn account_region(rel: &Path) -> (Option<String>, Option<String>) {
    let parts: Vec<String> = rel
        .parent()
        .map(|p| {
            p.components()
                .map(|c| c.as_os_str().to_string_lossy().into_owned())
                .collect()
        })
        .unwrap_or_default();
    match parts.as_slice() {
        [a, id, rest @ ..] if a == "accounts" => (Some(id.clone()), rest.first().cloned()),
        [region, ..] => (None, Some(region.clone())),
        [] => (None, None),
    }
}

/// Read every `*.json` file below the snapshot's `aws_configs` folder.
pub fn read_snapshot(dir: &Path) -> Result<Raw, ImportError> {
    let root = configs_dir(dir)?;
    let mut files = Vec::new();
    walk(&root, &mut files)?;
    if files.is_empty() {
        return Err(ImportError::NoFiles(root.display().to_string()));
    }
    let mut docs = Vec::with_capacity(files.len());
    for path in files {
        let rel = path.strip_prefix(&root).unwrap_or(&path).to_path_buf();
        let text = std::fs::read_to_string(&path).map_err(|e| ImportError::Io {
            path: rel.to_string_lossy().replace('\\', "/"),
            message: e.to_string(),
        })?;
        docs.push((rel, text));
    }
    read_documents(docs)
}

/// Parse snapshot files given as (path below `aws_configs`, text), in the
/// order given (the live import passes them in the order `walk` finds them).
pub fn read_documents(docs: Vec<(PathBuf, String)>) -> Result<Raw, ImportError> {
    let mut raw = Raw::default();
    for (rel, text) in docs {
        let name = rel.to_string_lossy().replace('\\', "/");
        let (account, region) = account_region(&rel);
        let base = Loc {
            file: name,
            path: String::new(),
            account,
            region,
        };
        read_file(&mut raw, &base, &text)?;
    }
    Ok(raw)
}

/// Parse one file's text and add its records to `raw`.
// About 100 lines: one match arm per top-level key of a describe-* output,
// the one table of what the snapshot reader understands; the arms that do
// more than collect items are named functions below.
pub fn read_file(raw: &mut Raw, base: &Loc, text: &str) -> Result<(), ImportError> {
    let map = parse_object(base, text)?;
    // describe-vpc-attribute: `VpcId` plus one attribute.
    if map.contains_key("VpcId")
        && (map.contains_key("EnableDnsSupport") || map.contains_key("EnableDnsHostnames"))
    {
        let v: aws::VpcAttribute = one(base, "", &Value::Object(map))?;
        raw.vpc_attributes.push((base.clone(), v));
        return Ok(());
    }
    let scope = raw
        .scopes
        .entry((base.account.clone(), base.region.clone()))
        .or_default();
    scope.extend(map.keys().cloned());
    for (key, v) in &map {
        *raw.keys.entry(key.clone()).or_default() += 1;
        let part = Part {
            base,
            map: &map,
            key,
            value: v,
        };
        match key.as_str() {
            "Vpcs" => raw.vpcs.extend(items(base, key, v)?),
            "DhcpOptions" => raw.dhcp.extend(items(base, key, v)?),
            "Subnets" => raw.subnets.extend(items(base, key, v)?),
            "RouteTables" => raw.route_tables.extend(items(base, key, v)?),
            "NetworkAcls" => raw.nacls.extend(items(base, key, v)?),
            "SecurityGroups" => raw.sgs.extend(items(base, key, v)?),
            "NetworkInterfaces" => raw.enis.extend(items(base, key, v)?),
            "Reservations" => raw.reservations.extend(items(base, key, v)?),
            "Addresses" => raw.addresses.extend(items(base, key, v)?),
            "InternetGateways" => raw.igws.extend(items(base, key, v)?),
            "EgressOnlyInternetGateways" => raw.eigws.extend(items(base, key, v)?),
            "NatGateways" => raw.nats.extend(items(base, key, v)?),
            "VpcEndpoints" => raw.endpoints.extend(items(base, key, v)?),
            // `ManagedPrefixLists`: what earlier `--save-snapshot` runs wrote
            // for `describe-managed-prefix-lists`; read for old snapshots.
            "PrefixLists" | "ManagedPrefixLists" => {
                raw.prefix_lists.extend(items(base, key, v)?);
            }
            "AvailabilityZones" => raw.zones.extend(items(base, key, v)?),
            "Entries" => prefix_list_entries(raw, &part)?,
            "PrefixListId"
            | "TargetGroupArn"
            | "TransitGatewayRouteTableId"
            | "LoadBalancerName"
                if map.len() > 1 => {}
            // Paging marker of `search-transit-gateway-routes`.
            "AdditionalRoutesAvailable" | "NextToken" | "nextToken" => {}
            "VpcPeeringConnections" => raw.peerings.extend(items(base, key, v)?),
            "LoadBalancers" => raw.lbs.extend(items(base, key, v)?),
            "LoadBalancerDescriptions" => raw.classic_lbs.extend(items(base, key, v)?),
            "LoadBalancerAttributes" => classic_lb_attributes(raw, &part)?,
            "LoadBalancerListeners" => lb_listeners(raw, &part)?,
            "Listeners" => raw.listeners.extend(items(base, key, v)?),
            "TargetGroups" => raw.target_groups.extend(items(base, key, v)?),
            "LoadBalancerTargetHealth" => raw.target_health.extend(items(base, key, v)?),
            "TargetHealthDescriptions" => target_health(raw, &part)?,
            "TransitGateways" => raw.tgws.extend(items(base, key, v)?),
            "TransitGatewayAttachments" => raw.tgw_attachments.extend(items(base, key, v)?),
            "TransitGatewayVpcAttachments" => {
                raw.tgw_vpc_attachments.extend(items(base, key, v)?);
            }
            "TransitGatewayRouteTables" => raw.tgw_route_tables.extend(items(base, key, v)?),
            "TransitGatewayStaticRoutes" | "TransitGatewayRoutes" => {
                raw.tgw_routes.extend(items(base, key, v)?);
            }
            "Routes" => tgw_routes(raw, &part)?,
            "TransitGatewayPropagations" => raw.tgw_propagations.extend(items(base, key, v)?),
            "TransitGatewayRouteTablePropagations" => tgw_propagations(raw, &part)?,
            "Associations" => {
                let rtb = context(base, &map, "TransitGatewayRouteTableId", key)?;
                let links: Items<aws::TgwRtbLink> = items(base, key, v)?;
                raw.tgw_associations
                    .extend(links.into_iter().map(|(l, a)| (l, (rtb.clone(), a))));
            }
            "VpnGateways" => raw.vgws.extend(items(base, key, v)?),
            "VpnConnections" => raw.vpn_connections.extend(items(base, key, v)?),
            "CustomerGateways" => raw.customer_gateways.extend(items(base, key, v)?),
            // Direct Connect: the CLI prints camelCase, collectors PascalCase.
            "connections" | "Connections" => {
                raw.dx_connections
                    .extend(items(base, key, &pascal_keys(v))?);
            }
            "lags" | "Lags" => raw.dx_lags.extend(items(base, key, &pascal_keys(v))?),
            "virtualInterfaces" | "VirtualInterfaces" => {
                raw.dx_vifs.extend(items(base, key, &pascal_keys(v))?);
            }
            "directConnectGateways" | "DirectConnectGateways" => {
                raw.dx_gateways.extend(items(base, key, &pascal_keys(v))?);
            }
            "directConnectGatewayAssociations" | "DirectConnectGatewayAssociations" => {
                raw.dx_associations
                    .extend(items(base, key, &pascal_keys(v))?);
            }
            super::GAPS_KEY => import_gaps(raw, &part)?,
            // S3: `list-buckets`, then the per-bucket outputs beside their
            // `Bucket` context key (`AccountId` for `s3control`).
            "Buckets" => raw.s3.buckets.extend(items(base, key, v)?),
            "Policy"
            | "PublicAccessBlockConfiguration"
            | "OwnershipControls"
            | "Grants"
            | "LocationConstraint"
            | "IndexDocument"
            | "RedirectAllRequestsTo"
            | "Error" => s3_capture(raw, &part)?,
            // Siblings of the outputs above: context keys, the owner
            // (`list-buckets`, `get-bucket-acl`) and the rest of a website.
            "Bucket" | "AccountId" | "Operation" | "Owner" | "ErrorDocument" | "RoutingRules"
            | "ContinuationToken" | "Prefix"
                if map.len() > 1 => {}
            _ => *raw.skipped.entry(key.clone()).or_default() += 1,
        }
    }
    Ok(())
}

/// A file's text as a JSON object; a syntax error names the file, line and
/// column.
fn parse_object(base: &Loc, text: &str) -> Result<serde_json::Map<String, Value>, ImportError> {
    let value: Value = serde_json::from_str(text).map_err(|e| {
        // The position is in the error's own fields; drop it from the text.
        let mut message = e.to_string();
        if let Some(i) = message.rfind(" at line ") {
            message.truncate(i);
        }
        ImportError::Json {
            file: base.file.clone(),
            line: e.line(),
            column: e.column(),
            message,
        }
    })?;
    let Value::Object(map) = value else {
        return Err(base.err("", "expected a json object at the top level".into()));
    };
    Ok(map)
}

/// One top-level key of a file: where it is, its siblings, and its value.
struct Part<'a> {
    base: &'a Loc,
    map: &'a serde_json::Map<String, Value>,
    key: &'a str,
    value: &'a Value,
}

/// `get-managed-prefix-list-entries`: `Entries` beside their `PrefixListId`.
fn prefix_list_entries(raw: &mut Raw, p: &Part<'_>) -> Result<(), ImportError> {
    let id = p
        .map
        .get("PrefixListId")
        .and_then(Value::as_str)
        .ok_or_else(|| {
            p.base.err(
                "",
                "`Entries` without `PrefixListId`: cannot tell which prefix list they belong to"
                    .into(),
            )
        })?;
    let entries: Items<aws::PrefixListEntry> = items(p.base, p.key, p.value)?;
    let list = raw.prefix_list_entries.entry(id.to_string()).or_default();
    for (loc, e) in entries {
        if let Some(c) = e.cidr {
            list.push(c);
        } else {
            return Err(loc.err("Cidr", "missing".into()));
        }
    }
    Ok(())
}

/// Listeners grouped by load balancer: each listener takes its group's
/// load balancer when it names none.
fn lb_listeners(raw: &mut Raw, p: &Part<'_>) -> Result<(), ImportError> {
    let groups: Items<aws::LbListeners> = items(p.base, p.key, p.value)?;
    for (loc, g) in groups {
        for (j, mut l) in g.listeners.into_iter().enumerate() {
            if l.load_balancer_arn.is_none() {
                l.load_balancer_arn.clone_from(&g.load_balancer_arn);
            }
            let mut at = loc.clone();
            at.path = format!("{}.Listeners[{j}]", loc.path);
            raw.listeners.push((at, l));
        }
    }
    Ok(())
}

/// `describe-target-health`: the descriptions beside their `TargetGroupArn`.
fn target_health(raw: &mut Raw, p: &Part<'_>) -> Result<(), ImportError> {
    let descs = items(p.base, p.key, p.value)?
        .into_iter()
        .map(|(_, d)| d)
        .collect();
    let arn = p
        .map
        .get("TargetGroupArn")
        .and_then(Value::as_str)
        .map(str::to_string);
    raw.target_health.push((
        p.base.clone(),
        aws::TargetHealth {
            target_group_arn: arn,
            target_health_descriptions: descs,
        },
    ));
    Ok(())
}

/// `elb describe-load-balancer-attributes` (C-14.5): one object beside its
/// `LoadBalancerName`, or a list of `{LoadBalancerName,
/// LoadBalancerAttributes}`. A list of Application or Network Load
/// Balancer attributes (`{LoadBalancerArn, Attributes}`, the aggregate of
/// `elbv2 describe-load-balancer-attributes`) is not read.
fn classic_lb_attributes(raw: &mut Raw, p: &Part<'_>) -> Result<(), ImportError> {
    match p.value {
        Value::Array(list) => {
            let mut read_any = false;
            for (i, x) in list.iter().enumerate() {
                let (Some(name), Some(attrs)) = (
                    x.get("LoadBalancerName").and_then(Value::as_str),
                    x.get("LoadBalancerAttributes"),
                ) else {
                    continue;
                };
                let path = format!("{}[{i}].LoadBalancerAttributes", p.key);
                let mut a: aws::ClassicLbAttributes = one(p.base, &path, attrs)?;
                a.load_balancer_name = Some(name.to_owned());
                raw.classic_lb_attributes.push((p.base.clone(), a));
                read_any = true;
            }
            if !read_any {
                *raw.skipped.entry(p.key.to_owned()).or_default() += 1;
            }
        }
        _ => {
            let name = context(p.base, p.map, "LoadBalancerName", p.key)?;
            let mut a: aws::ClassicLbAttributes = one(p.base, p.key, p.value)?;
            a.load_balancer_name = Some(name);
            raw.classic_lb_attributes.push((p.base.clone(), a));
        }
    }
    Ok(())
}

/// `search-transit-gateway-routes`: `Routes` beside their route table id.
fn tgw_routes(raw: &mut Raw, p: &Part<'_>) -> Result<(), ImportError> {
    let rtb = context(p.base, p.map, "TransitGatewayRouteTableId", p.key)?;
    let routes = items(p.base, p.key, p.value)?
        .into_iter()
        .map(|(_, r)| r)
        .collect();
    raw.tgw_routes.push((
        p.base.clone(),
        aws::TgwRoutes {
            transit_gateway_route_table_id: Some(rtb),
            routes,
            additional_routes_available: p
                .map
                .get("AdditionalRoutesAvailable")
                .and_then(Value::as_bool),
        },
    ));
    Ok(())
}

/// `get-transit-gateway-route-table-propagations`: the propagations beside
/// their route table id.
fn tgw_propagations(raw: &mut Raw, p: &Part<'_>) -> Result<(), ImportError> {
    let rtb = context(p.base, p.map, "TransitGatewayRouteTableId", p.key)?;
    let links = items(p.base, p.key, p.value)?
        .into_iter()
        .map(|(_, r)| r)
        .collect();
    raw.tgw_propagations.push((
        p.base.clone(),
        aws::TgwPropagations {
            transit_gateway_route_table_id: Some(rtb),
            transit_gateway_route_table_propagations: links,
        },
    ));
    Ok(())
}

/// The gaps an import recorded; each must say what is missing.
fn import_gaps(raw: &mut Raw, p: &Part<'_>) -> Result<(), ImportError> {
    let gaps: Items<aws::ImportGap> = items(p.base, p.key, p.value)?;
    for (loc, g) in gaps {
        let Some(what) = g.what else {
            return Err(loc.err("What", "missing".into()));
        };
        raw.import_gaps.push(ImportedGap {
            what,
            affects: g.affects,
            region: g.region,
            kind: g.kind,
        });
    }
    Ok(())
}

/// The S3 call an output answers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum S3Op {
    Policy,
    PublicAccessBlock,
    OwnershipControls,
    Acl,
    Location,
    Website,
}

impl S3Op {
    /// The CLI command, for messages.
    pub fn command(self) -> &'static str {
        match self {
            S3Op::Policy => "s3api get-bucket-policy",
            S3Op::PublicAccessBlock => "s3api get-public-access-block",
            S3Op::OwnershipControls => "s3api get-bucket-ownership-controls",
            S3Op::Acl => "s3api get-bucket-acl",
            S3Op::Location => "s3api get-bucket-location",
            S3Op::Website => "s3api get-bucket-website",
        }
    }

    /// The operation's name as the SDK and the `Operation` key write it.
    fn from_operation(s: &str) -> Option<S3Op> {
        Some(match s {
            "GetBucketPolicy" => S3Op::Policy,
            "GetPublicAccessBlock" => S3Op::PublicAccessBlock,
            "GetBucketOwnershipControls" => S3Op::OwnershipControls,
            "GetBucketAcl" => S3Op::Acl,
            "GetBucketLocation" => S3Op::Location,
            "GetBucketWebsite" => S3Op::Website,
            _ => return None,
        })
    }

    /// The call whose "not configured" error this code is.
    fn of_code(code: &str) -> Option<S3Op> {
        Some(match code {
            "NoSuchBucketPolicy" => S3Op::Policy,
            "NoSuchPublicAccessBlockConfiguration" => S3Op::PublicAccessBlock,
            "OwnershipControlsNotFoundError" => S3Op::OwnershipControls,
            "NoSuchWebsiteConfiguration" => S3Op::Website,
            _ => return None,
        })
    }

    /// Whether `code` says the bucket (or account) has none of this
    /// setting: a known answer, not a failed read.
    pub fn is_none_set(self, code: &str) -> bool {
        S3Op::of_code(code) == Some(self)
    }
}

/// What one S3 output says.
#[derive(Debug, Clone)]
pub enum S3Capture {
    /// The policy's JSON text.
    Policy(String),
    PublicAccessBlock(aws::PublicAccessBlock),
    OwnershipControls(aws::OwnershipControls),
    Acl(Vec<aws::AclGrant>),
    /// `LocationConstraint` (`None`: us-east-1).
    Location(Option<String>),
    Website(aws::BucketWebsite),
    /// The call failed with this error code.
    Failed(S3Op, String),
}

/// The S3 outputs of a snapshot.
#[derive(Debug, Default)]
pub struct S3Raw {
    /// `list-buckets`.
    pub buckets: Items<aws::ListedBucket>,
    /// Per-bucket outputs: (where, bucket, what).
    pub captures: Vec<(Loc, String, S3Capture)>,
    /// `s3control get-public-access-block`: (where, account id, settings
    /// or the error code).
    pub accounts: Vec<(Loc, String, Result<aws::PublicAccessBlock, String>)>,
}

/// One S3 output of a file: the per-bucket outputs of `s3api` beside their
/// `Bucket`, and `s3control get-public-access-block` beside its
/// `AccountId`; a recorded failure is `Error` beside `Operation` (or a
/// code that names the call, such as `NoSuchBucketPolicy`).
fn s3_capture(raw: &mut Raw, p: &Part<'_>) -> Result<(), ImportError> {
    let at = |k: &str| {
        let mut l = p.base.clone();
        l.path = k.to_owned();
        l
    };
    // A website is read once, at `IndexDocument` when it has one.
    if p.key == "RedirectAllRequestsTo" && p.map.contains_key("IndexDocument") {
        return Ok(());
    }
    let loc = at(p.key);
    let bucket = p.map.get("Bucket").and_then(Value::as_str);
    let account = p.map.get("AccountId").and_then(|v| match v {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    });
    let capture = match p.key {
        "Policy" => match p.value {
            Value::String(t) => S3Capture::Policy(t.clone()),
            other => {
                return Err(loc.err(
                    "",
                    format!("expected the policy's JSON text (a string), found `{other}`"),
                ));
            }
        },
        "PublicAccessBlockConfiguration" => {
            S3Capture::PublicAccessBlock(one(p.base, p.key, p.value)?)
        }
        "OwnershipControls" => S3Capture::OwnershipControls(one(p.base, p.key, p.value)?),
        "Grants" => S3Capture::Acl(
            items(p.base, p.key, p.value)?
                .into_iter()
                .map(|(_, g)| g)
                .collect(),
        ),
        "LocationConstraint" => S3Capture::Location(
            p.value
                .as_str()
                .filter(|s| !s.is_empty())
                .map(str::to_owned),
        ),
        "IndexDocument" | "RedirectAllRequestsTo" => {
            S3Capture::Website(one(p.base, "$", &Value::Object(p.map.clone()))?)
        }
        _ => {
            let e: aws::CallError = one(p.base, p.key, p.value)?;
            let code = e
                .code
                .unwrap_or_else(|| "an error without a code".to_owned());
            let op = match p.map.get("Operation").and_then(Value::as_str) {
                Some(o) => S3Op::from_operation(o).ok_or_else(|| {
                    at("Operation").err_help(
                        "",
                        format!("`{o}` is not an S3 call netverify reads"),
                        "expected `GetBucketPolicy`, `GetPublicAccessBlock`, `GetBucketOwnershipControls`, `GetBucketAcl`, `GetBucketLocation` or `GetBucketWebsite`",
                    )
                })?,
                None => S3Op::of_code(&code).ok_or_else(|| {
                    loc.err_help(
                        "",
                        format!("error `{code}` without `Operation`: cannot tell which call failed"),
                        "add the S3 call beside `Error`, e.g. `\"Operation\": \"GetBucketPolicy\"`",
                    )
                })?,
            };
            S3Capture::Failed(op, code)
        }
    };
    match (bucket, account, capture) {
        (None, Some(a), S3Capture::PublicAccessBlock(c)) => {
            raw.s3.accounts.push((loc, a, Ok(c)));
        }
        (None, Some(a), S3Capture::Failed(S3Op::PublicAccessBlock, code)) => {
            raw.s3.accounts.push((loc, a, Err(code)));
        }
        (Some(b), _, c) => raw.s3.captures.push((loc, b.to_owned(), c)),
        // An `Error` of another output, not an S3 one: not this reader's.
        (None, None, S3Capture::Failed(..)) if p.key == "Error" => {
            *raw.skipped.entry(p.key.to_owned()).or_default() += 1;
        }
        _ => {
            return Err(p.base.err_help(
                "",
                format!(
                    "`{}` without `Bucket`{}: cannot tell which bucket it belongs to",
                    p.key,
                    if p.key == "PublicAccessBlockConfiguration" {
                        " (or `AccountId`, for `s3control get-public-access-block`)"
                    } else {
                        ""
                    }
                ),
                "add the bucket's name beside the output: `\"Bucket\": \"<name>\"` (README, \"Importing from AWS\")",
            ));
        }
    }
    Ok(())
}

/// The context key a file adds beside an output that lacks its parent id
/// (the snapshot layout in the README, "Importing from AWS").
fn context(
    base: &Loc,
    map: &serde_json::Map<String, Value>,
    id: &str,
    key: &str,
) -> Result<String, ImportError> {
    map.get(id)
        .and_then(Value::as_str)
        .map(str::to_string)
        .ok_or_else(|| {
            base.err(
                "",
                format!("`{key}` without `{id}`: cannot tell which resource it belongs to"),
            )
        })
}

/// The same JSON with every object key's first letter upper-cased, so that
/// camelCase Direct Connect output (`connectionId`, `macSecKeys`) reads with
/// the PascalCase views. Values are untouched.
fn pascal_keys(v: &Value) -> Value {
    match v {
        Value::Object(m) => Value::Object(
            m.iter()
                .map(|(k, x)| {
                    let mut c = k.chars();
                    let key = match c.next() {
                        Some(f) => f.to_uppercase().chain(c).collect(),
                        None => String::new(),
                    };
                    (key, pascal_keys(x))
                })
                .collect(),
        ),
        Value::Array(a) => Value::Array(a.iter().map(pascal_keys).collect()),
        other => other.clone(),
    }
}

/// Deserialize one record; a type error names the exact field below `path`
/// (e.g. `RouteTables[3].Routes[1].State`), not just the record.
fn one<T: DeserializeOwned>(base: &Loc, path: &str, v: &Value) -> Result<T, ImportError> {
    serde_path_to_error::deserialize(v).map_err(|e| {
        let inner = e.path().to_string();
        let full = match (path.is_empty(), inner == ".") {
            (true, true) => "$".to_string(),
            (true, false) => inner,
            (false, true) => path.to_string(),
            (false, false) if inner.starts_with('[') => format!("{path}{inner}"),
            (false, false) => format!("{path}.{inner}"),
        };
        ImportError::Invalid {
            file: base.file.clone(),
            path: full,
            msg: e.into_inner().to_string(),
            help: None,
        }
    })
}

fn items<T: DeserializeOwned>(base: &Loc, key: &str, v: &Value) -> Result<Items<T>, ImportError> {
    let Value::Array(list) = v else {
        return Err(ImportError::Invalid {
            file: base.file.clone(),
            path: key.into(),
            msg: "expected a list".into(),
            help: None,
        });
    };
    let mut out = Vec::with_capacity(list.len());
    for (i, x) in list.iter().enumerate() {
        let path = format!("{key}[{i}]");
        let t = one(base, &path, x)?;
        let mut loc = base.clone();
        loc.path = path;
        out.push((loc, t));
    }
    Ok(out)
}

/// A gap that a live import recorded (`NetverifyImportGaps`).
#[derive(Debug, Default)]
pub struct ImportedGap {
    pub what: String,
    pub affects: Vec<String>,
    pub region: Option<String>,
    pub kind: Option<crate::model::format::GapKind>,
}
