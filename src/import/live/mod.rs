//! `import aws`: read a live account through the AWS SDK.
//!
//! Every SDK output is turned into the JSON the AWS CLI prints for it
//! ([`shape`]), laid out as an offline snapshot
//! (`aws_configs/<region>/*.json`), and fed to the same reader and builder
//! as `import snapshot`. So `--save-snapshot DIR` followed by
//! `import snapshot DIR` gives the same YAML, byte for byte.
//!
//! Calls run concurrently across APIs and Regions, page through every
//! `NextToken`, and use the SDK's standard retry with backoff for throttling.
//! A call that fails (missing IAM action, API not available) becomes a gap in
//! the topology, never a silently empty list.

mod shape;

use std::future::Future;
use std::io::IsTerminal;
use std::path::{Path, PathBuf};
use std::pin::Pin;
use std::sync::Arc;
use std::time::Duration;

use aws_config::BehaviorVersion;
use aws_config::retry::RetryConfig;
use aws_config::timeout::TimeoutConfig;
use aws_sdk_ec2::config::ProvideCredentials;
use aws_sdk_ec2::error::{ProvideErrorMetadata, SdkError};
use serde_json::{Value, json};
use shape::{J, obj};
use tokio::sync::Semaphore;
use tokio::task::JoinSet;

use super::{GAPS_KEY, ImportError, Imported};

/// What `import aws` reads, and how.
#[derive(Debug, Clone, Default)]
pub struct Options {
    /// A named profile from the shared config files.
    pub profile: Option<String>,
    /// Regions to read; empty means the configured default Region.
    pub regions: Vec<String>,
    /// Read every Region enabled for the account (`ec2:DescribeRegions`).
    pub all_regions: bool,
    /// Send every call to this endpoint (an emulator, a VPC endpoint).
    pub endpoint_url: Option<String>,
    /// Assume this role (through STS) with the resolved credentials.
    pub role_arn: Option<String>,
    /// Show a progress bar on stderr (only when it is a terminal).
    pub progress: bool,
}

/// One file of the snapshot: its path below `aws_configs`, and its content.
#[derive(Debug, Clone)]
pub struct Doc {
    pub path: String,
    pub value: Value,
}

impl Doc {
    /// The file's text, as written by `--save-snapshot`.
    pub fn text(&self) -> String {
        let mut s = serde_json::to_string_pretty(&self.value).unwrap_or_default();
        s.push('\n');
        s
    }
}

/// Something that could not be read, with the checks it affects.
#[derive(Debug, Clone)]
pub struct Gap {
    pub what: String,
    pub affects: Vec<String>,
    /// The Region of the call.
    pub region: String,
    pub kind: crate::model::format::GapKind,
}

/// The kind of data a failed call (`ec2:DescribeNetworkAcls`) leaves
/// missing; `other` when no narrower kind says it.
fn kind_of_action(action: &str) -> crate::model::format::GapKind {
    use crate::model::format::GapKind as K;
    let a = action.to_ascii_lowercase();
    let has = |w: &str| a.contains(w);
    if has("networkacl") {
        K::NetworkAcls
    } else if has("securitygroup") {
        K::SecurityGroups
    } else if has("routetable") && !has("transitgateway") {
        K::Routes
    } else if has("peering") && !has("transitgateway") {
        K::Peering
    } else if has("transitgateway") {
        K::TransitGateway
    } else if a.starts_with("directconnect:") || has("vpn") || has("customergateway") {
        K::VpnDirectConnect
    } else if has("vpcendpoint") {
        K::Endpoints
    } else if a.starts_with("elasticloadbalancing:") {
        K::LoadBalancers
    } else if has("prefixlist") {
        K::PrefixLists
    } else {
        K::Other
    }
}

const GAPS_FILE: &str = "netverify-import-gaps.json";

/// Every check: missing network data can change any verdict.
const ALL: &[&str] = &[];
/// On-prem links (VPN, Direct Connect): only the encryption checks.
const HYBRID: &[&str] = &["transit-encryption", "ipsec-strength", "on-prem-access"];

/// Read the account, save the snapshot if asked, and build the topology.
pub fn import_aws(opts: &Options, save: Option<&Path>) -> Result<Imported, ImportError> {
    if let Some(dir) = save {
        check_save_dir(dir)?;
    }
    let docs = fetch(opts)?;
    if let Some(dir) = save {
        save_snapshot(&docs, dir)?;
    }
    import_docs(&docs)
}

/// Build the topology from snapshot documents, exactly as `import snapshot`
/// would from the same files.
pub fn import_docs(docs: &[Doc]) -> Result<Imported, ImportError> {
    let files: Vec<(PathBuf, String)> = docs
        .iter()
        .map(|d| (PathBuf::from(&d.path), d.text()))
        .collect();
    let raw = super::read::read_documents(files)?;
    super::loadable(super::build::build(raw)?, super::Source::Aws)
}

fn check_save_dir(dir: &Path) -> Result<(), ImportError> {
    let configs = dir.join("aws_configs");
    let non_empty = std::fs::read_dir(&configs).is_ok_and(|mut d| d.next().is_some());
    if non_empty {
        return Err(ImportError::live_help(
            format!(
                "`{}` is not empty: a snapshot must not mix old and new files",
                configs.display()
            ),
            "pass an empty or new directory to `--save-snapshot`",
        ));
    }
    Ok(())
}

/// Write the documents under `dir/aws_configs`.
pub fn save_snapshot(docs: &[Doc], dir: &Path) -> Result<(), ImportError> {
    let root = dir.join("aws_configs");
    for d in docs {
        let path = root.join(&d.path);
        let write = |p: &Path| -> std::io::Result<()> {
            if let Some(parent) = p.parent() {
                std::fs::create_dir_all(parent)?;
            }
            std::fs::write(p, d.text())
        };
        write(&path).map_err(|e| ImportError::Write {
            path: path.display().to_string(),
            message: e.to_string(),
        })?;
    }
    Ok(())
}

/// Read the account into snapshot documents (sorted by path), plus the
/// gaps file when something could not be read.
pub fn fetch(opts: &Options) -> Result<Vec<Doc>, ImportError> {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| ImportError::live(format!("cannot start the async runtime: {e}")))?;
    rt.block_on(fetch_async(opts))
}

type Task = Pin<Box<dyn Future<Output = Out> + Send>>;

/// What one task produced.
#[derive(Default)]
struct Out {
    label: String,
    docs: Vec<Doc>,
    gaps: Vec<Gap>,
    /// Calls that depend on this one's result.
    children: Vec<Task>,
    ok: bool,
    /// The credentials were rejected: nothing else will work.
    fatal: Option<String>,
}

#[derive(Clone)]
struct Ctx {
    region: String,
    ec2: aws_sdk_ec2::Client,
    elb: aws_sdk_elasticloadbalancingv2::Client,
    dx: aws_sdk_directconnect::Client,
    limit: Arc<Semaphore>,
}

/// Error codes that mean the caller lacks an IAM permission.
fn is_denied(code: &str) -> bool {
    matches!(
        code,
        "UnauthorizedOperation"
            | "AccessDenied"
            | "AccessDeniedException"
            | "UnauthorizedException"
            | "Client.UnauthorizedOperation"
    )
}

/// Error codes that mean the credentials themselves are not accepted.
fn is_credentials(code: &str) -> bool {
    matches!(
        code,
        "AuthFailure"
            | "InvalidClientTokenId"
            | "UnrecognizedClientException"
            | "SignatureDoesNotMatch"
            | "InvalidSignatureException"
            | "IncompleteSignature"
            | "ExpiredToken"
            | "ExpiredTokenException"
            | "RequestExpired"
            | "InvalidAccessKeyId"
    )
}

impl Ctx {
    fn path(&self, file: &str) -> String {
        format!("{}/{file}.json", self.region)
    }

    async fn permit(&self) -> Option<tokio::sync::OwnedSemaphorePermit> {
        self.limit.clone().acquire_owned().await.ok()
    }

    /// A failed call: a gap naming the API and Region (and, for a missing
    /// permission, the IAM action), or a fatal error for bad credentials.
    fn failed<E>(&self, action: &str, affects: &[&str], e: &SdkError<E>) -> Out
    where
        E: ProvideErrorMetadata + std::error::Error + 'static,
    {
        let region = &self.region;
        let mut out = Out {
            label: format!("{action} in {region}"),
            ..Out::default()
        };
        let what = match e.code() {
            Some(c) if is_credentials(c) => {
                out.fatal = Some(format!(
                    "AWS rejected the credentials: `{c}` on `{action}` in {region}: {}",
                    first_line(e.message().unwrap_or(""))
                ));
                return out;
            }
            Some(c) if is_denied(c) => format!(
                "AccessDenied on `{action}` in {region} (`{c}`): grant this IAM action; what it describes is unknown"
            ),
            Some(c) => format!(
                "`{action}` in {region} failed: `{c}`: {}; what it describes is unknown",
                first_line(e.message().unwrap_or("no message"))
            ),
            None => format!(
                "`{action}` in {region} failed: {}; what it describes is unknown",
                sdk_error_text(e)
            ),
        };
        out.gaps.push(Gap {
            what,
            affects: affects.iter().map(|s| s.to_string()).collect(),
            region: region.to_string(),
            kind: kind_of_action(action),
        });
        out
    }

    fn done(&self, action: &str, docs: Vec<Doc>) -> Out {
        Out {
            label: format!("{action} in {}", self.region),
            docs,
            ok: true,
            ..Out::default()
        }
    }

    /// A list call's result as one file `{key: [...]}`.
    fn list<T: J, E>(
        &self,
        action: &str,
        file: &str,
        key: &str,
        affects: &[&str],
        r: Result<Vec<T>, SdkError<E>>,
        children: impl FnOnce(&[T]) -> Vec<Task>,
    ) -> Out
    where
        E: ProvideErrorMetadata + std::error::Error + 'static,
    {
        match r {
            Ok(items) => {
                let doc = Doc {
                    path: self.path(file),
                    value: obj([(key, items.j())]),
                };
                let mut out = self.done(action, vec![doc]);
                out.children = children(&items);
                out
            }
            Err(e) => self.failed(action, affects, &e),
        }
    }

    /// A call for one parent, in `<call>/<id>.json`: `{key: [...]}`, with
    /// the parent's id at the top level (the context-key convention) when
    /// the output lacks it: `{ctx_key: id, key: [...]}`.
    fn keyed<T: J, E>(
        &self,
        action: &str,
        method: &str,
        (ctx_key, id): (Option<&str>, &str),
        key: &str,
        r: Result<Vec<T>, SdkError<E>>,
    ) -> Out
    where
        E: ProvideErrorMetadata + std::error::Error + 'static,
    {
        match r {
            Ok(items) => {
                let doc = Doc {
                    path: self.path(&format!("{}/{}", kebab(method), file_id(id))),
                    value: match ctx_key {
                        Some(k) => obj([(k, id.j()), (key, items.j())]),
                        None => obj([(key, items.j())]),
                    },
                };
                self.done(action, vec![doc])
            }
            Err(e) => self.failed(action, ALL, &e),
        }
    }
}

/// A short, stable description of an error without an AWS error code.
fn sdk_error_text<E>(e: &SdkError<E>) -> String
where
    E: std::error::Error + 'static,
{
    match e {
        SdkError::ServiceError(_) => {
            let status = e.raw_response().map(|r| r.status().as_u16());
            format!(
                "HTTP {} with a response that is not this API's (is the API available at this endpoint?)",
                status.map_or_else(|| "error".to_string(), |s| s.to_string())
            )
        }
        SdkError::TimeoutError(_) => "the call timed out".into(),
        SdkError::DispatchFailure(_) => format!("cannot reach the endpoint: {}", chain(e)),
        _ => chain(e),
    }
}

/// An error and its sources on one line, without the debug dump.
fn chain(e: &(dyn std::error::Error + 'static)) -> String {
    let mut parts = vec![e.to_string()];
    let mut src = e.source();
    while let Some(s) = src {
        let t = s.to_string();
        if parts.last() != Some(&t) {
            parts.push(t);
        }
        src = s.source();
    }
    let text = parts.join(": ");
    let mut flat = text.split_whitespace().collect::<Vec<_>>().join(" ");
    if flat.chars().count() > 400 {
        flat = flat.chars().take(400).collect::<String>() + "…";
    }
    flat
}

fn first_line(s: &str) -> String {
    let l = s.lines().next().unwrap_or("").trim();
    let mut t: String = l.chars().take(200).collect();
    if t.len() < l.len() {
        t.push('…');
    }
    t
}

/// A file-name-safe form of an id or ARN.
fn file_id(s: &str) -> String {
    s.rsplit(':')
        .next()
        .unwrap_or(s)
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' || c == '_' || c == '.' {
                c
            } else {
                '-'
            }
        })
        .collect()
}

/// `describe_subnets` → `describe-subnets` (the CLI command, the file name).
fn kebab(method: &str) -> String {
    method.replace('_', "-")
}

/// `ec2`, `describe_subnets` → `ec2:DescribeSubnets` (the IAM action).
fn iam_action(service: &str, method: &str) -> String {
    let mut out = format!("{service}:");
    for word in method.split('_') {
        let mut cs = word.chars();
        if let Some(c) = cs.next() {
            out.extend(c.to_uppercase());
            out.push_str(cs.as_str());
        }
    }
    out
}

/// A list call (paged by the SDK's paginator) as one task, saved as one
/// file `{key: [...]}`; `$children` makes the calls that need its items.
macro_rules! paged {
    ($c:expr, $client:ident $service:literal, $method:ident, $key:literal, $affects:expr, $children:expr) => {{
        let c: Ctx = $c.clone();
        let t: Task = Box::pin(async move {
            let r = {
                let _p = c.permit().await;
                c.$client
                    .$method()
                    .into_paginator()
                    .items()
                    .send()
                    .try_collect()
                    .await
            };
            let children = $children;
            let method = stringify!($method);
            c.list(
                &iam_action($service, method),
                &kebab(method),
                $key,
                $affects,
                r,
                |items| children(&c, items),
            )
        });
        t
    }};
    ($c:expr, $client:ident $service:literal, $method:ident, $key:literal) => {
        paged!($c, $client $service, $method, $key, ALL, no_children)
    };
}

/// A call without paging, saved as one file `{key: [...]}`.
macro_rules! single {
    ($c:expr, $method:ident, $field:ident, $key:literal, $affects:expr) => {{
        let c: Ctx = $c.clone();
        let t: Task = Box::pin(async move {
            let r = {
                let _p = c.permit().await;
                c.ec2.$method().send().await
            };
            let r = r.map(|o| o.$field.unwrap_or_default());
            let method = stringify!($method);
            c.list(
                &iam_action("ec2", method),
                &kebab(method),
                $key,
                $affects,
                r,
                |_| Vec::new(),
            )
        });
        t
    }};
}

/// A paged call for one parent, saved with the parent's id at the top level
/// (the context-key convention): `{ctx_key: id, key: [...]}`.
macro_rules! keyed {
    ($c:expr, $client:ident $service:literal, $method:ident, $setter:ident, $id:expr, $ctx_key:expr, $key:literal) => {{
        let c: Ctx = $c.clone();
        let id: String = $id;
        let t: Task = Box::pin(async move {
            let r = {
                let _p = c.permit().await;
                c.$client
                    .$method()
                    .$setter(&id)
                    .into_paginator()
                    .items()
                    .send()
                    .try_collect()
                    .await
            };
            let method = stringify!($method);
            c.keyed(
                &iam_action($service, method),
                method,
                ($ctx_key, &id),
                $key,
                r,
            )
        });
        t
    }};
}

/// A Direct Connect list call, paged by hand (the SDK has no paginator for
/// it); `$input` sets the call's other parameters.
macro_rules! dx_paged {
    ($c:expr, $method:ident, $field:ident $(, $input:ident($arg:expr))?) => {{
        let mut items = Vec::new();
        let mut token: Option<String> = None;
        loop {
            let r = {
                let _p = $c.permit().await;
                $c.dx
                    .$method()
                    $(.$input($arg))?
                    .set_next_token(token.clone())
                    .send()
                    .await
            };
            match r {
                Ok(o) => {
                    items.extend(o.$field.unwrap_or_default());
                    match o.next_token.filter(|t| !t.is_empty()) {
                        // A token that does not move on would loop forever.
                        Some(t) if Some(&t) != token.as_ref() => token = Some(t),
                        _ => break Ok(items),
                    }
                }
                Err(e) => break Err(e),
            }
        }
    }};
}

/// A Direct Connect list call of one Region as a task.
macro_rules! dx_list {
    ($c:expr, $method:ident, $field:ident, $key:literal) => {{
        let c: Ctx = $c.clone();
        let t: Task = Box::pin(async move {
            let r = dx_paged!(c, $method, $field);
            let method = stringify!($method);
            c.list(
                &iam_action("directconnect", method),
                &kebab(method),
                $key,
                HYBRID,
                r,
                |_| Vec::new(),
            )
        });
        t
    }};
}

fn no_children<T>(_: &Ctx, _: &[T]) -> Vec<Task> {
    Vec::new()
}

async fn fetch_async(opts: &Options) -> Result<Vec<Doc>, ImportError> {
    let base = sdk_config(opts).await?;
    check_credentials(opts, &base).await?;
    let regions = regions_to_read(opts, &base).await?;
    let (mut docs, gaps) = run_tasks(initial_tasks(&base, &regions), opts.progress).await?;
    docs.extend(gaps_doc(gaps));
    // The order the snapshot reader walks the files in.
    docs.sort_by(|a, b| Path::new(&a.path).cmp(Path::new(&b.path)));
    Ok(docs)
}

/// The SDK configuration: HTTPS client, retries and timeouts, the profile,
/// endpoint and Region asked for, and the role to assume.
async fn sdk_config(opts: &Options) -> Result<aws_config::SdkConfig, ImportError> {
    let http = aws_smithy_http_client::Builder::new()
        .tls_provider(aws_smithy_http_client::tls::Provider::Rustls(
            aws_smithy_http_client::tls::rustls_provider::CryptoMode::Ring,
        ))
        .build_https();
    let mut loader = aws_config::defaults(BehaviorVersion::latest())
        .http_client(http)
        .retry_config(RetryConfig::standard())
        .timeout_config(
            TimeoutConfig::builder()
                .connect_timeout(Duration::from_secs(10))
                .operation_attempt_timeout(Duration::from_secs(60))
                .build(),
        );
    if let Some(p) = &opts.profile {
        loader = loader.profile_name(p);
    }
    if let Some(u) = &opts.endpoint_url {
        loader = loader.endpoint_url(u);
    }
    let mut base = loader.load().await;
    // STS (for `--role-arn`) and `DescribeRegions` need a Region: without a
    // configured one, use the first Region asked for.
    if base.region().is_none() {
        let first = opts
            .regions
            .first()
            .cloned()
            .or_else(|| opts.all_regions.then(|| "us-east-1".to_string()));
        if let Some(r) = first {
            base = base
                .into_builder()
                .region(aws_sdk_ec2::config::Region::new(r))
                .build();
        }
    }
    if let Some(arn) = &opts.role_arn {
        let provider = aws_config::sts::AssumeRoleProvider::builder(arn)
            .session_name("netverify-import")
            .configure(&base)
            .build()
            .await;
        base = base
            .into_builder()
            .credentials_provider(aws_sdk_ec2::config::SharedCredentialsProvider::new(
                provider,
            ))
            .build();
    }
    Ok(base)
}

/// Resolves the credentials once, up front: without them nothing works.
async fn check_credentials(
    opts: &Options,
    base: &aws_config::SdkConfig,
) -> Result<(), ImportError> {
    let Some(creds) = base.credentials_provider() else {
        return Err(ImportError::live("no AWS credentials provider"));
    };
    if let Err(e) = creds.provide_credentials().await {
        let mut msg = format!("cannot get AWS credentials: {}", chain(&e));
        if opts.role_arn.is_some() {
            msg.push_str(" (with `--role-arn`, this includes the `sts:AssumeRole` call)");
        }
        return Err(ImportError::live_help(
            msg,
            "set `AWS_PROFILE` or pass `--profile`, run `aws sso login`, or set `AWS_ACCESS_KEY_ID` and `AWS_SECRET_ACCESS_KEY`",
        ));
    }
    Ok(())
}

/// The Regions to read, sorted: those asked for, every enabled one with
/// `--all-regions` (`DescribeRegions`), else the configured one.
async fn regions_to_read(
    opts: &Options,
    base: &aws_config::SdkConfig,
) -> Result<Vec<String>, ImportError> {
    let mut regions = opts.regions.clone();
    if opts.all_regions {
        let home = base
            .region()
            .map_or_else(|| "us-east-1".to_string(), |r| r.to_string());
        let conf = aws_sdk_ec2::config::Builder::from(base)
            .region(aws_sdk_ec2::config::Region::new(home.clone()))
            .build();
        let ec2 = aws_sdk_ec2::Client::from_conf(conf);
        match ec2.describe_regions().send().await {
            Ok(out) => regions.extend(
                out.regions
                    .unwrap_or_default()
                    .into_iter()
                    .filter_map(|r| r.region_name),
            ),
            Err(e) => {
                let what = match e.code() {
                    Some(c) => format!("`{c}`: {}", first_line(e.message().unwrap_or(""))),
                    None => chain(&e),
                };
                return Err(ImportError::live_help(
                    format!("cannot list the Regions (`ec2:DescribeRegions` in {home}): {what}"),
                    "name the Regions with `--region`",
                ));
            }
        }
    }
    if regions.is_empty() {
        match base.region() {
            Some(r) => regions.push(r.to_string()),
            None => {
                return Err(ImportError::live_help(
                    "no Region to read",
                    "pass `--region R` (repeatable) or `--all-regions`, or set `AWS_REGION`",
                ));
            }
        }
    }
    regions.sort();
    regions.dedup();
    Ok(regions)
}

/// The calls of every Region that need no other call's result, sharing one
/// limit on concurrent calls; the global Direct Connect gateways once.
fn initial_tasks(base: &aws_config::SdkConfig, regions: &[String]) -> Vec<Task> {
    let limit = Arc::new(Semaphore::new(16));
    let mut initial: Vec<Task> = Vec::new();
    for (i, region) in regions.iter().enumerate() {
        let r = aws_sdk_ec2::config::Region::new(region.clone());
        let c = Ctx {
            region: region.clone(),
            ec2: aws_sdk_ec2::Client::from_conf(
                aws_sdk_ec2::config::Builder::from(base)
                    .region(r.clone())
                    .build(),
            ),
            elb: aws_sdk_elasticloadbalancingv2::Client::from_conf(
                aws_sdk_elasticloadbalancingv2::config::Builder::from(base)
                    .region(r.clone())
                    .build(),
            ),
            dx: aws_sdk_directconnect::Client::from_conf(
                aws_sdk_directconnect::config::Builder::from(base)
                    .region(r)
                    .build(),
            ),
            limit: limit.clone(),
        };
        initial.extend(region_tasks(&c));
        // Direct Connect gateways are global: read them once.
        if i == 0 {
            initial.push(dx_gateways(c.clone()));
        }
    }
    initial
}

/// Runs the tasks and the calls they lead to, with a progress bar; returns
/// the documents read and the gaps. An error when a task fails fatally or
/// no call succeeded.
async fn run_tasks(
    initial: Vec<Task>,
    progress: bool,
) -> Result<(Vec<Doc>, Vec<Gap>), ImportError> {
    let bar = progress_bar(progress, initial.len());
    let mut set = JoinSet::new();
    for t in initial {
        set.spawn(t);
    }
    let mut docs = Vec::new();
    let mut gaps = Vec::new();
    let mut any_ok = false;
    while let Some(joined) = set.join_next().await {
        let out = match joined {
            Ok(o) => o,
            Err(e) => {
                return Err(ImportError::live(format!("an import task failed: {e}")));
            }
        };
        if let Some(f) = out.fatal {
            return Err(ImportError::live(f));
        }
        any_ok |= out.ok;
        bar.inc_length(out.children.len() as u64);
        for c in out.children {
            set.spawn(c);
        }
        docs.extend(out.docs);
        gaps.extend(out.gaps);
        bar.set_message(crate::escape::terminal(&out.label).into_owned());
        bar.inc(1);
    }
    bar.finish_and_clear();
    if !any_ok {
        let first = gaps
            .first()
            .map_or(String::new(), |g| format!(": {}", g.what));
        return Err(ImportError::live(format!(
            "no AWS call succeeded, nothing was read{first}"
        )));
    }
    Ok((docs, gaps))
}

/// The gaps file: each gap once, by what is missing; `None` without gaps.
fn gaps_doc(mut gaps: Vec<Gap>) -> Option<Doc> {
    gaps.sort_by(|a, b| a.what.cmp(&b.what));
    gaps.dedup_by(|a, b| a.what == b.what);
    if gaps.is_empty() {
        return None;
    }
    let list: Vec<Value> = gaps
        .iter()
        .map(|g| {
            json!({
                "What": g.what,
                "Affects": g.affects,
                "Region": g.region,
                "Kind": crate::model::gap_kind_name(g.kind),
            })
        })
        .collect();
    Some(Doc {
        path: GAPS_FILE.into(),
        value: obj([(GAPS_KEY, Some(Value::Array(list)))]),
    })
}

fn progress_bar(on: bool, len: usize) -> indicatif::ProgressBar {
    if !(on && std::io::stderr().is_terminal()) {
        return indicatif::ProgressBar::hidden();
    }
    let bar = indicatif::ProgressBar::with_draw_target(
        Some(len as u64),
        indicatif::ProgressDrawTarget::stderr(),
    );
    if let Ok(style) =
        indicatif::ProgressStyle::with_template("{spinner} [{pos}/{len}] reading AWS: {wide_msg}")
    {
        bar.set_style(style);
    }
    bar.enable_steady_tick(Duration::from_millis(120));
    bar
}

/// Every call of one Region that needs no other call's result.
fn region_tasks(c: &Ctx) -> Vec<Task> {
    use aws_sdk_ec2::types as ec2;
    use aws_sdk_elasticloadbalancingv2::types as lb;
    vec![
        paged!(c, ec2 "ec2", describe_vpcs, "Vpcs", ALL, |c: &Ctx, items: &[ec2::Vpc]| {
            items
                .iter()
                .filter_map(|v| v.vpc_id.clone())
                .flat_map(|id| {
                    [
                        vpc_attribute(c.clone(), id.clone(), true),
                        vpc_attribute(c.clone(), id, false),
                    ]
                })
                .collect::<Vec<Task>>()
        }),
        paged!(c, ec2 "ec2", describe_dhcp_options, "DhcpOptions"),
        paged!(c, ec2 "ec2", describe_subnets, "Subnets"),
        paged!(c, ec2 "ec2", describe_route_tables, "RouteTables"),
        paged!(c, ec2 "ec2", describe_network_acls, "NetworkAcls"),
        paged!(c, ec2 "ec2", describe_security_groups, "SecurityGroups"),
        paged!(c, ec2 "ec2", describe_network_interfaces, "NetworkInterfaces"),
        paged!(c, ec2 "ec2", describe_instances, "Reservations"),
        single!(c, describe_addresses, addresses, "Addresses", ALL),
        paged!(c, ec2 "ec2", describe_internet_gateways, "InternetGateways"),
        paged!(c, ec2 "ec2", describe_egress_only_internet_gateways, "EgressOnlyInternetGateways"),
        paged!(c, ec2 "ec2", describe_nat_gateways, "NatGateways"),
        paged!(c, ec2 "ec2", describe_vpc_endpoints, "VpcEndpoints"),
        paged!(c, ec2 "ec2", describe_prefix_lists, "PrefixLists"),
        // The AWS CLI prints this call under `PrefixLists` too (records without
        // `Cidrs`: the entries come from the per-list call below).
        paged!(c, ec2 "ec2", describe_managed_prefix_lists, "PrefixLists", ALL,
        |c: &Ctx, items: &[ec2::ManagedPrefixList]| {
            items
                .iter()
                .filter_map(|p| p.prefix_list_id.clone())
                .map(|id| {
                    keyed!(c, ec2 "ec2", get_managed_prefix_list_entries, prefix_list_id, id,
                        Some("PrefixListId"), "Entries")
                })
                .collect::<Vec<Task>>()
        }),
        paged!(c, ec2 "ec2", describe_vpc_peering_connections, "VpcPeeringConnections"),
        paged!(c, ec2 "ec2", describe_transit_gateways, "TransitGateways"),
        paged!(c, ec2 "ec2", describe_transit_gateway_attachments, "TransitGatewayAttachments"),
        paged!(c, ec2 "ec2", describe_transit_gateway_vpc_attachments, "TransitGatewayVpcAttachments"),
        paged!(c, ec2 "ec2", describe_transit_gateway_route_tables, "TransitGatewayRouteTables", ALL,
        |c: &Ctx, items: &[ec2::TransitGatewayRouteTable]| {
            items
                .iter()
                .filter_map(|t| t.transit_gateway_route_table_id.clone())
                .flat_map(|id| {
                    [
                        tgw_routes(c.clone(), id.clone()),
                        keyed!(c, ec2 "ec2", get_transit_gateway_route_table_associations,
                            transit_gateway_route_table_id, id.clone(),
                            Some("TransitGatewayRouteTableId"), "Associations"),
                        keyed!(c, ec2 "ec2", get_transit_gateway_route_table_propagations,
                            transit_gateway_route_table_id, id,
                            Some("TransitGatewayRouteTableId"), "TransitGatewayRouteTablePropagations"),
                    ]
                })
                .collect::<Vec<Task>>()
        }),
        single!(c, describe_vpn_gateways, vpn_gateways, "VpnGateways", ALL),
        // The shape drops `CustomerGatewayConfiguration` and `PreSharedKey`.
        single!(
            c,
            describe_vpn_connections,
            vpn_connections,
            "VpnConnections",
            HYBRID
        ),
        single!(
            c,
            describe_customer_gateways,
            customer_gateways,
            "CustomerGateways",
            HYBRID
        ),
        paged!(c, elb "elasticloadbalancing", describe_load_balancers, "LoadBalancers", ALL,
        |c: &Ctx, items: &[lb::LoadBalancer]| {
            items
                .iter()
                .filter_map(|l| l.load_balancer_arn.clone())
                .map(|arn| {
                    keyed!(c, elb "elasticloadbalancing", describe_listeners, load_balancer_arn,
                        arn, None, "Listeners")
                })
                .collect::<Vec<Task>>()
        }),
        paged!(c, elb "elasticloadbalancing", describe_target_groups, "TargetGroups", ALL,
        |c: &Ctx, items: &[lb::TargetGroup]| {
            items
                .iter()
                .filter_map(|t| t.target_group_arn.clone())
                .map(|arn| target_health(c.clone(), arn))
                .collect::<Vec<Task>>()
        }),
        dx_list!(c, describe_connections, connections, "connections"),
        dx_list!(c, describe_lags, lags, "lags"),
        dx_list!(
            c,
            describe_virtual_interfaces,
            virtual_interfaces,
            "virtualInterfaces"
        ),
    ]
}

fn vpc_attribute(c: Ctx, vpc: String, dns_support: bool) -> Task {
    Box::pin(async move {
        use aws_sdk_ec2::types::VpcAttributeName;
        let (attr, name, key) = if dns_support {
            (
                VpcAttributeName::EnableDnsSupport,
                "enableDnsSupport",
                "EnableDnsSupport",
            )
        } else {
            (
                VpcAttributeName::EnableDnsHostnames,
                "enableDnsHostnames",
                "EnableDnsHostnames",
            )
        };
        let action = "ec2:DescribeVpcAttribute";
        let r = {
            let _p = c.permit().await;
            c.ec2
                .describe_vpc_attribute()
                .vpc_id(&vpc)
                .attribute(attr)
                .send()
                .await
        };
        match r {
            Ok(o) => {
                let value = if dns_support {
                    o.enable_dns_support.and_then(|v| v.value)
                } else {
                    o.enable_dns_hostnames.and_then(|v| v.value)
                };
                let doc = Doc {
                    path: c.path(&format!("describe-vpc-attribute/{}-{name}", file_id(&vpc))),
                    value: obj([
                        ("VpcId", o.vpc_id.j()),
                        (key, value.map(|v| json!({ "Value": v }))),
                    ]),
                };
                c.done(action, vec![doc])
            }
            Err(e) => c.failed(action, ALL, &e),
        }
    })
}

fn tgw_routes(c: Ctx, rt: String) -> Task {
    Box::pin(async move {
        let action = "ec2:SearchTransitGatewayRoutes";
        let filter = aws_sdk_ec2::types::Filter::builder()
            .name("state")
            .values("active")
            .values("blackhole")
            .build();
        let r = {
            let _p = c.permit().await;
            c.ec2
                .search_transit_gateway_routes()
                .transit_gateway_route_table_id(&rt)
                .filters(filter)
                .into_paginator()
                .send()
                .try_collect()
                .await
        };
        match r {
            Ok(pages) => {
                let more = pages
                    .last()
                    .and_then(|p| p.additional_routes_available)
                    .unwrap_or(false);
                let routes: Vec<_> = pages
                    .into_iter()
                    .flat_map(|p| p.routes.unwrap_or_default())
                    .collect();
                let doc = Doc {
                    path: c.path(&format!("search-transit-gateway-routes/{}", file_id(&rt))),
                    value: obj([
                        ("TransitGatewayRouteTableId", rt.j()),
                        ("Routes", routes.j()),
                        ("AdditionalRoutesAvailable", more.j()),
                    ]),
                };
                let mut out = c.done(action, vec![doc]);
                if more {
                    out.gaps.push(Gap {
                        what: format!(
                            "`{action}` on `{rt}` in {}: AWS returned only part of the routes (`AdditionalRoutesAvailable`)",
                            c.region
                        ),
                        affects: Vec::new(),
                        region: c.region.clone(),
                        kind: crate::model::format::GapKind::TransitGateway,
                    });
                }
                out
            }
            Err(e) => c.failed(action, ALL, &e),
        }
    })
}

fn target_health(c: Ctx, tg: String) -> Task {
    Box::pin(async move {
        let r = {
            let _p = c.permit().await;
            c.elb
                .describe_target_health()
                .target_group_arn(&tg)
                .send()
                .await
        };
        let r = r.map(|o| o.target_health_descriptions.unwrap_or_default());
        c.keyed(
            "elasticloadbalancing:DescribeTargetHealth",
            "describe_target_health",
            (Some("TargetGroupArn"), &tg),
            "TargetHealthDescriptions",
            r,
        )
    })
}

fn dx_gateways(c: Ctx) -> Task {
    Box::pin(async move {
        let action = "directconnect:DescribeDirectConnectGateways";
        let r = dx_paged!(c, describe_direct_connect_gateways, direct_connect_gateways);
        match r {
            Ok(items) => {
                let doc = Doc {
                    path: "describe-direct-connect-gateways.json".into(),
                    value: obj([("directConnectGateways", items.j())]),
                };
                let mut out = c.done(action, vec![doc]);
                out.children = items
                    .iter()
                    .filter_map(|g| g.direct_connect_gateway_id.clone())
                    .map(|id| dx_associations(c.clone(), id))
                    .collect();
                out
            }
            Err(e) => c.failed(action, HYBRID, &e),
        }
    })
}

fn dx_associations(c: Ctx, gw: String) -> Task {
    Box::pin(async move {
        let action = "directconnect:DescribeDirectConnectGatewayAssociations";
        let r = dx_paged!(
            c,
            describe_direct_connect_gateway_associations,
            direct_connect_gateway_associations,
            direct_connect_gateway_id(&gw)
        );
        match r {
            Ok(items) => {
                let doc = Doc {
                    path: format!(
                        "describe-direct-connect-gateway-associations-{}.json",
                        file_id(&gw)
                    ),
                    value: obj([("directConnectGatewayAssociations", items.j())]),
                };
                c.done(action, vec![doc])
            }
            Err(e) => c.failed(action, HYBRID, &e),
        }
    })
}

#[cfg(test)]
mod tests {
    use super::kind_of_action;
    use crate::model::format::GapKind;

    #[test]
    fn failed_calls_record_the_kind_of_data_they_leave_missing() {
        for (action, kind) in [
            ("ec2:DescribeNetworkAcls", GapKind::NetworkAcls),
            ("ec2:DescribeSecurityGroups", GapKind::SecurityGroups),
            ("ec2:DescribeRouteTables", GapKind::Routes),
            (
                "ec2:DescribeTransitGatewayRouteTables",
                GapKind::TransitGateway,
            ),
            ("ec2:SearchTransitGatewayRoutes", GapKind::TransitGateway),
            ("ec2:DescribeVpcPeeringConnections", GapKind::Peering),
            ("ec2:DescribeVpnConnections", GapKind::VpnDirectConnect),
            (
                "directconnect:DescribeVirtualInterfaces",
                GapKind::VpnDirectConnect,
            ),
            ("ec2:DescribeVpcEndpoints", GapKind::Endpoints),
            (
                "elasticloadbalancing:DescribeTargetHealth",
                GapKind::LoadBalancers,
            ),
            ("ec2:DescribeManagedPrefixLists", GapKind::PrefixLists),
            ("ec2:DescribeNetworkInterfaces", GapKind::Other),
        ] {
            assert_eq!(kind_of_action(action), kind, "{action}");
        }
    }
}
