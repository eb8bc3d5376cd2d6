//! The command line: parses arguments, calls the library, picks a renderer.

use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::process::{ExitCode, Termination};
use std::time::Instant;

use clap::{Parser, Subcommand};

use crate::checks::{self, CheckId, CheckMeta};
use crate::diag::Diagnostic;
use crate::engine::Engine;
use crate::escape::terminal;
use crate::model::format::TopologyFile;
use crate::model::{self, Topology};
use crate::render::{self, Format, TextOptions};
use crate::report::{Report, Verdict};

/// Exit codes (documented in the README).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Exit {
    /// Everything checked was proven (or the input is valid).
    Proven = 0,
    /// Some check was violated.
    Violated = 1,
    /// Usage or input error.
    Error = 2,
    /// Some check could not be proven or refuted.
    Unknown = 3,
}

impl Exit {
    /// Every exit code, in numeric order.
    pub const ALL: [Exit; 4] = [Exit::Proven, Exit::Violated, Exit::Error, Exit::Unknown];

    /// What the code means, as `--help` and the README's table say it.
    pub const fn meaning(self) -> &'static str {
        match self {
            Exit::Proven => "proven",
            Exit::Violated => "violated",
            Exit::Error => "usage or input error",
            Exit::Unknown => "unknown: could not prove or refute",
        }
    }
}

/// The exit codes, for the end of `--help`.
fn exit_codes_help() -> String {
    let mut s = String::from("Exit codes:\n");
    for code in Exit::ALL {
        s.push_str(&format!("  {}  {}\n", code as u8, code.meaning()));
    }
    s
}

impl Termination for Exit {
    fn report(self) -> ExitCode {
        ExitCode::from(self as u8)
    }
}

impl From<Verdict> for Exit {
    fn from(v: Verdict) -> Exit {
        match v {
            Verdict::Proven => Exit::Proven,
            Verdict::Violated => Exit::Violated,
            Verdict::Unknown => Exit::Unknown,
        }
    }
}

#[derive(Debug, Parser)]
#[command(
    name = "netverify",
    version,
    about = "Proves how traffic can move through an AWS network",
    after_help = exit_codes_help()
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

/// `--tf-dir`: where a Terraform plan's `.tf` sources are.
#[derive(Debug, Clone, Default, clap::Args)]
pub struct TfSources {
    /// For a Terraform plan: its `.tf` sources, the root module's
    /// directory or the binary plan (`plan.out`). Default: the plan's
    /// directory when it holds `.tf` files, else `plan.out` beside the
    /// plan. Findings then point at `.tf` lines.
    #[arg(long, value_name = "PATH")]
    pub tf_dir: Option<PathBuf>,
}

/// `--tf-dir` of the subcommand being run, for the Terraform plan it reads.
static TF_DIR: std::sync::Mutex<Option<PathBuf>> = std::sync::Mutex::new(None);

fn tf_dir() -> Option<PathBuf> {
    TF_DIR.lock().ok().and_then(|d| d.clone())
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Parse and validate a topology file, and nothing else.
    Validate {
        /// The topology YAML file, or a snapshot directory (imported in memory).
        topology: PathBuf,
        #[command(flatten)]
        tf: TfSources,
    },
    /// Run the checks and report proven / violated / unknown.
    #[command(after_help = checks_help(false), after_long_help = checks_help(true))]
    Check {
        /// The topology YAML file, or a snapshot directory (imported in memory).
        topology: PathBuf,
        #[command(flatten)]
        tf: TfSources,
        /// Output format.
        #[arg(long, value_enum, default_value = "text")]
        format: Format,
        /// Run only this check (repeatable; the ids are listed below). Default:
        /// every check.
        #[arg(long = "check", value_name = "ID")]
        checks: Vec<String>,
        /// Print the time each phase took to stderr.
        #[arg(long)]
        timings: bool,
        /// Lay a Terraform plan over what already exists: a snapshot
        /// directory or a topology YAML file. Ids the plan does not hold are
        /// looked up there.
        #[arg(long, value_name = "SNAPSHOT_DIR|TOPOLOGY")]
        base: Option<PathBuf>,
    },
    /// List the checks, or describe one: what it proves, its assumptions, how to fix a finding.
    Checks {
        /// The check to describe in full. Default: list every check.
        #[arg(value_name = "ID")]
        id: Option<String>,
    },
    /// Turn AWS data into topology YAML.
    #[command(subcommand)]
    Import(ImportCommand),
    /// List every resource some internet packet can reach.
    Exposed {
        /// The topology YAML file, or a snapshot directory (imported in memory).
        topology: PathBuf,
        #[command(flatten)]
        tf: TfSources,
        /// Output format.
        #[arg(long, value_enum, default_value = "text")]
        format: ListFormat,
        /// Lay a Terraform plan over what already exists: a snapshot
        /// directory or a topology YAML file. Ids the plan does not hold are
        /// looked up there.
        #[arg(long, value_name = "SNAPSHOT_DIR|TOPOLOGY")]
        base: Option<PathBuf>,
    },
    /// Ask reachability questions interactively (`help` lists the queries).
    Repl {
        /// The topology YAML file, or a snapshot directory (imported in memory).
        topology: PathBuf,
        #[command(flatten)]
        tf: TfSources,
        /// Lay a Terraform plan over what already exists: a snapshot
        /// directory or a topology YAML file. Ids the plan does not hold are
        /// looked up there.
        #[arg(long, value_name = "SNAPSHOT_DIR|TOPOLOGY")]
        base: Option<PathBuf>,
    },
    /// Answer one query, e.g. `can internet reach db-1 on tcp/5432`.
    Query {
        /// The topology YAML file, or a snapshot directory (imported in memory).
        topology: PathBuf,
        #[command(flatten)]
        tf: TfSources,
        /// The query (quote it).
        query: String,
        /// Output format (`mermaid` and `dot` draw `path` and `why not`).
        #[arg(long, value_enum, default_value = "text")]
        format: crate::query::lang::QueryFormat,
        /// Lay a Terraform plan over what already exists: a snapshot
        /// directory or a topology YAML file. Ids the plan does not hold are
        /// looked up there.
        #[arg(long, value_name = "SNAPSHOT_DIR|TOPOLOGY")]
        base: Option<PathBuf>,
    },
    /// What a change opens and closes: every pair of endpoints whose
    /// reachable packets differ between BASE and HEAD, and the checks'
    /// verdicts before and after.
    Diff {
        /// The topology before the change: a YAML file, a snapshot
        /// directory or a Terraform plan JSON. A plan alone (no HEAD) is
        /// compared with itself: its `prior_state` is BASE, its planned
        /// values HEAD.
        base: PathBuf,
        /// The topology after the change: a YAML file, a snapshot
        /// directory or a Terraform plan JSON.
        head: Option<PathBuf>,
        /// Output format.
        #[arg(long, value_enum, default_value = "text")]
        format: render::diff::DiffFormat,
        /// What makes the exit code 1.
        #[arg(long, value_enum, default_value = "violations")]
        fail_on: crate::diff::FailOn,
    },
}

#[derive(Debug, Subcommand)]
pub enum ImportCommand {
    /// Read an offline snapshot of describe-* JSON
    /// (`aws_configs/[accounts/<id>/][<region>/]*.json`).
    Snapshot {
        /// The snapshot directory (or its `aws_configs` folder).
        dir: PathBuf,
        /// Write the topology here instead of stdout.
        #[arg(short, long)]
        output: Option<PathBuf>,
    },
    /// Read a Terraform plan (`terraform show -json plan.out > plan.json`):
    /// the network as it will be after apply.
    Terraform {
        /// The plan JSON file.
        plan: PathBuf,
        #[command(flatten)]
        tf: TfSources,
        /// Write the topology here instead of stdout.
        #[arg(short, long)]
        output: Option<PathBuf>,
        /// Lay a Terraform plan over what already exists: a snapshot
        /// directory or a topology YAML file. Ids the plan does not hold are
        /// looked up there.
        #[arg(long, value_name = "SNAPSHOT_DIR|TOPOLOGY")]
        base: Option<PathBuf>,
    },
    /// Read a live account through the AWS SDK (read-only describe calls).
    Aws {
        /// Use this named profile from the shared AWS config files.
        #[arg(long)]
        profile: Option<String>,
        /// Read this Region (repeatable). Default: the configured Region.
        #[arg(long = "region", value_name = "R")]
        regions: Vec<String>,
        /// Read every Region enabled for the account.
        #[arg(long)]
        all_regions: bool,
        /// Send every call to this endpoint (e.g. an emulator on localhost).
        #[arg(long, value_name = "URL")]
        endpoint_url: Option<String>,
        /// Assume this IAM role (through STS) before reading.
        #[arg(long, value_name = "ARN")]
        role_arn: Option<String>,
        /// Fail (exit 2) if anything could not be read.
        #[arg(long)]
        strict: bool,
        /// Write the topology here instead of stdout.
        #[arg(short, long)]
        output: Option<PathBuf>,
        /// Also save the responses as an offline snapshot in this directory
        /// (replayable with `import snapshot`).
        #[arg(long, value_name = "DIR")]
        save_snapshot: Option<PathBuf>,
    },
}

/// Width of the check descriptions in `check --help`.
const HELP_WIDTH: usize = 80;

/// The list of checks under `check -h`; under `check --help`, also what
/// each proves, how to fix a finding and what it assumes. Both come from
/// the checks' metadata.
fn checks_help(long: bool) -> String {
    const INDENT: &str = "      ";
    let mut s =
        String::from("Checks (`--check ID`; `netverify checks ID` describes one in full):\n");
    if !long {
        s.push_str(&checks::meta::list("  "));
        return s;
    }
    for id in CheckId::ALL {
        let m = id.meta();
        s.push_str(&format!("  {id}\n"));
        for (label, text) in [
            ("", m.summary),
            ("Proves: ", m.proves),
            ("Fix: ", m.fix),
            ("Assumes: ", m.assumptions),
        ] {
            if !text.trim().is_empty() {
                let text = format!("{label}{text}");
                s.push_str(&checks::meta::wrap(&text, INDENT, HELP_WIDTH));
            }
        }
        s.push('\n');
    }
    s.push_str(&exit_codes_help());
    s
}

/// Output formats for listings (no SARIF: they are not findings).
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum ListFormat {
    Text,
    Json,
}

impl From<ListFormat> for Format {
    fn from(f: ListFormat) -> Format {
        match f {
            ListFormat::Text => Format::Text,
            ListFormat::Json => Format::Json,
        }
    }
}

/// `1 subnet`, `2 subnets`.
fn count(n: usize, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

/// Writes to stdout; a closed pipe ends the program quietly.
fn out(text: &str) -> bool {
    let mut o = std::io::stdout().lock();
    o.write_all(text.as_bytes()).and_then(|_| o.flush()).is_ok()
}

fn err(text: &str) {
    let mut e = std::io::stderr().lock();
    let _ = e.write_all(text.as_bytes());
}

fn load(path: &Path, base: Option<&Path>) -> Result<Topology, Exit> {
    load_parts(path, false, base).map(|(topo, _)| topo)
}

/// The base a plan is laid over (`--base`): a snapshot directory
/// (imported) or a topology YAML file (checked by the loader first).
fn read_base(base: &Path) -> Result<crate::import::terraform::Base, Exit> {
    let shown = base.display().to_string();
    let file = if base.is_dir() {
        crate::import::import_snapshot(base)
            .map_err(|e| {
                err(&e.render());
                Exit::Error
            })?
            .file
    } else {
        let text = std::fs::read_to_string(base).map_err(|e| {
            err(&Diagnostic::plain(format!("cannot read the base `{shown}`: {e}")).render(None));
            Exit::Error
        })?;
        if let Err(e) = model::load_str(&text, &shown) {
            err(&e.render(Some(&text)));
            return Err(Exit::Error);
        }
        model::parse_str(&text, &shown).map_err(|e| {
            err(&e.render(Some(&text)));
            Exit::Error
        })?
    };
    Ok(crate::import::terraform::Base { file, shown })
}

/// `--base` given with something other than a Terraform plan.
fn base_not_for(path: &Path) -> Exit {
    err(&Diagnostic::plain(format!(
        "`--base` lays a Terraform plan over what exists, and `{}` is not a plan",
        path.display()
    ))
    .with_help("give `--base` with a plan JSON (`terraform show -json plan.out > plan.json`), or leave it out")
    .render(None));
    Exit::Error
}

/// Load a topology file or snapshot directory; with `want_text`, also the
/// text `show` prints definitions from: the file, or for a snapshot
/// directory the topology YAML generated from it.
fn load_parts(
    path: &Path,
    want_text: bool,
    base: Option<&Path>,
) -> Result<(Topology, Option<String>), Exit> {
    let plan = crate::import::terraform::is_plan_file(path);
    if let Some(b) = base {
        if !plan {
            return Err(base_not_for(path));
        }
        let b = read_base(b)?;
        let imported =
            crate::import::terraform::import_plan_with(path, Some(&b), tf_dir().as_deref());
        return load_imported(path, imported, want_text, true);
    }
    // A snapshot directory or a Terraform plan is imported in memory.
    if path.is_dir() {
        return load_imported(path, crate::import::import_snapshot(path), want_text, false);
    }
    if plan {
        let imported = crate::import::terraform::import_plan_with(path, None, tf_dir().as_deref());
        return load_imported(path, imported, want_text, true);
    }
    let topo = model::load_file(path).map_err(|e| {
        let source = std::fs::read_to_string(path).ok();
        err(&e.render(source.as_deref()));
        Exit::Error
    })?;
    expect_errors(&topo, || std::fs::read_to_string(path).ok())?;
    let text = if want_text {
        std::fs::read_to_string(path).ok()
    } else {
        None
    };
    Ok((topo, text))
}

/// The errors of the policy's expected flows, which the query language
/// parses above the model's loader: reported like the loader's, exit 2.
fn expect_errors(topo: &Topology, source: impl FnOnce() -> Option<String>) -> Result<(), Exit> {
    let errors = checks::expected_flows::errors(topo);
    if errors.is_empty() {
        return Ok(());
    }
    err(&model::LoadError::Invalid(errors).render(source().as_deref()));
    Err(Exit::Error)
}

fn text_options() -> TextOptions {
    TextOptions::from_env(std::io::stdout().is_terminal())
}

struct Timings {
    on: bool,
    start: Instant,
    last: Instant,
}

impl Timings {
    fn new(on: bool) -> Timings {
        let now = Instant::now();
        Timings {
            on,
            start: now,
            last: now,
        }
    }

    fn phase(&mut self, name: &str) {
        let now = Instant::now();
        if self.on {
            err(&format!(
                "timing: {name:<28} {:>10.3} ms\n",
                (now - self.last).as_secs_f64() * 1e3
            ));
        }
        self.last = now;
    }

    fn total(&self) {
        if self.on {
            err(&format!(
                "timing: {:<28} {:>10.3} ms\n",
                "total",
                self.start.elapsed().as_secs_f64() * 1e3
            ));
            if let Some(kib) = peak_rss_kib() {
                err(&format!(
                    "timing: {:<28} {:>10.1} MiB\n",
                    "peak RSS",
                    kib as f64 / 1024.0
                ));
            }
        }
    }
}

/// Peak resident set size of this process (Linux: `VmHWM`), in KiB.
fn peak_rss_kib() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

/// Writes an imported topology (to `output` or stdout) and its notes.
fn write_import(imported: &crate::import::Imported, output: Option<&PathBuf>) -> Exit {
    let yaml = crate::import::to_yaml(&imported.file);
    match output {
        Some(p) => {
            if let Err(e) = std::fs::write(p, &yaml) {
                err(
                    &Diagnostic::plain(format!("cannot write `{}`: {e}", p.display())).render(None),
                );
                return Exit::Error;
            }
        }
        None => {
            out(&yaml);
        }
    }
    let mut notes = String::new();
    for n in &imported.notes {
        notes.push_str(&format!("note: {}\n", terminal(n)));
    }
    if !imported.skipped_keys.is_empty() {
        let keys: Vec<String> = imported
            .skipped_keys
            .iter()
            .map(|(k, n)| format!("`{}` ({n})", terminal(k)))
            .collect();
        notes.push_str(&format!(
            "note: skipped keys not used yet: {}\n",
            keys.join(", ")
        ));
    }
    for g in &imported.file.gaps {
        notes.push_str(&format!(
            "warning: missing data recorded as a gap: {}\n",
            terminal(&g.what.value)
        ));
    }
    err(&notes);
    Exit::Proven
}

/// Runs the command line and returns the exit code.
pub fn main() -> Exit {
    let cli = match Cli::try_parse() {
        Ok(c) => c,
        Err(e) => {
            let code = if e.use_stderr() {
                Exit::Error
            } else {
                Exit::Proven
            };
            let _ = e.print();
            return code;
        }
    };
    run(cli)
}

/// The exit code of a one-shot query: yes 0, no 1, unknown 3; `check` and
/// `exposed` as the commands.
fn query_exit(status: crate::repl::Status) -> Exit {
    use crate::repl::Status;
    use crate::report::answer::Reply;
    match status {
        Status::Reply(Reply::Yes | Reply::Info) => Exit::Proven,
        Status::Reply(Reply::No) => Exit::Violated,
        Status::Reply(Reply::Unknown) => Exit::Unknown,
        Status::Verdict(v) => Exit::from(v),
    }
}

fn load_with_text(path: &Path, base: Option<&Path>) -> Option<crate::repl::Loaded> {
    load_parts(path, true, base).ok()
}

/// A topology imported in memory (from a snapshot directory or a
/// Terraform plan), loaded; with `want_text`, also the topology YAML
/// `show` prints definitions from; with `notes`, the import's notes on
/// stderr.
fn load_imported(
    path: &Path,
    imported: Result<crate::import::Imported, crate::import::ImportError>,
    want_text: bool,
    notes: bool,
) -> Result<(Topology, Option<String>), Exit> {
    let imported = imported.map_err(|e| {
        err(&e.render());
        Exit::Error
    })?;
    if notes {
        let mut text = String::new();
        for n in &imported.notes {
            text.push_str(&format!("note: {}\n", terminal(n)));
        }
        err(&text);
    }
    let text = want_text.then(|| crate::import::to_yaml(&imported.file));
    let name = path.display().to_string();
    let topo = model::resolve(imported.file, &name).map_err(|e| {
        err(&e.render(None));
        Exit::Error
    })?;
    Ok((topo, text))
}

/// `import terraform`: a plan JSON file → topology YAML, laid over
/// `base` when given.
fn import_terraform(plan: &Path, output: Option<&PathBuf>, base: Option<&Path>) -> Exit {
    let base = match base.map(read_base).transpose() {
        Ok(b) => b,
        Err(code) => return code,
    };
    match crate::import::terraform::import_plan_with(plan, base.as_ref(), tf_dir().as_deref()) {
        Ok(i) => write_import(&i, output),
        Err(e) => {
            err(&e.render());
            Exit::Error
        }
    }
}

/// `import aws`: read a live account through the AWS SDK.
#[cfg(feature = "live")]
fn import_aws(cmd: ImportCommand) -> Exit {
    let ImportCommand::Aws {
        profile,
        regions,
        all_regions,
        endpoint_url,
        role_arn,
        strict,
        output,
        save_snapshot,
    } = cmd
    else {
        return Exit::Error;
    };
    let opts = crate::import::live::Options {
        profile,
        regions,
        all_regions,
        endpoint_url,
        role_arn,
        progress: true,
    };
    let imported = match crate::import::live::import_aws(&opts, save_snapshot.as_deref()) {
        Ok(i) => i,
        Err(e) => {
            err(&e.render());
            return Exit::Error;
        }
    };
    if strict && !imported.file.gaps.is_empty() {
        let mut d = Diagnostic::plain(format!(
            "`--strict`: the import is incomplete ({}); no topology written",
            count(imported.file.gaps.len(), "gap", "gaps")
        ))
        .with_help("grant the missing IAM actions, or drop `--strict` to record the gaps in the topology (dependent checks then say `unknown`)");
        for g in &imported.file.gaps {
            d = d.with_note(format!("gap: {}", g.what.value));
        }
        err(&d.render(None));
        return Exit::Error;
    }
    write_import(&imported, output.as_ref())
}

/// `import aws` in a build without the `live` feature: the AWS SDK is not
/// in this binary, so say so and how to get it.
#[cfg(not(feature = "live"))]
fn import_aws(_cmd: ImportCommand) -> Exit {
    err(&Diagnostic::plain(
        "this netverify was built without live import (`import aws` needs the cargo feature `live`)",
    )
    .with_help("install the default build (`cargo install --path .` or `cargo build --release`, without `--no-default-features`), or save the account with `aws ec2 describe-*` and use `netverify import snapshot DIR`")
    .render(None));
    Exit::Error
}

/// One side of a diff: the topology file (for attribution) and its model.
type Side = (TopologyFile, Topology);

/// One side of a diff, loaded from `path`.
fn load_side(path: &Path) -> Result<Side, Exit> {
    let name = path.display().to_string();
    let file = if path.is_dir() {
        imported_file(crate::import::import_snapshot(path))?
    } else if crate::import::terraform::is_plan_file(path) {
        imported_file(crate::import::terraform::import_plan(path))?
    } else {
        let Ok(text) = std::fs::read_to_string(path) else {
            // The loader says why the file cannot be read.
            return load(path, None).and(Err(Exit::Error));
        };
        let file = model::parse_str(&text, &name).map_err(|e| {
            err(&e.render(Some(&text)));
            Exit::Error
        })?;
        let side = resolve_side(file, &name, Some(&text))?;
        expect_errors(&side.1, || Some(text))?;
        return Ok(side);
    };
    resolve_side(file, &name, None)
}

fn imported_file(
    imported: Result<crate::import::Imported, crate::import::ImportError>,
) -> Result<TopologyFile, Exit> {
    imported.map(|i| i.file).map_err(|e| {
        err(&e.render());
        Exit::Error
    })
}

fn resolve_side(file: TopologyFile, name: &str, source: Option<&str>) -> Result<Side, Exit> {
    let topo = model::resolve(file.clone(), name).map_err(|e| {
        err(&e.render(source));
        Exit::Error
    })?;
    Ok((file, topo))
}

/// Both sides of `netverify diff plan.json`: the plan's `prior_state` and
/// its planned values.
fn load_plan_sides(path: &Path) -> Result<(Side, Side), Exit> {
    let name = path.display().to_string();
    let bytes = std::fs::read(path).map_err(|e| {
        err(&crate::import::ImportError::Io {
            path: name.clone(),
            message: e.to_string(),
        }
        .render());
        Exit::Error
    })?;
    let head = imported_file(crate::import::terraform::import_plan_bytes(&bytes, &name))?;
    let base = imported_file(crate::import::terraform::import_prior_bytes(&bytes, &name))?;
    Ok((
        resolve_side(base, &format!("{name} (prior_state)"), None)?,
        resolve_side(head, &name, None)?,
    ))
}

/// `netverify diff BASE HEAD`, or `netverify diff PLAN`.
fn diff(
    base: &Path,
    head: Option<&Path>,
    format: render::diff::DiffFormat,
    fail_on: crate::diff::FailOn,
) -> Exit {
    // Each side goes through the one loader (YAML, snapshot directory or
    // Terraform plan); a plan alone gives both sides.
    let sides = match head {
        Some(head) => load_side(base).and_then(|b| Ok((b, load_side(head)?))),
        None if crate::import::terraform::is_plan_file(base) => load_plan_sides(base),
        None => {
            err(&Diagnostic::plain(format!(
                "`{}` is not a Terraform plan, so `diff` needs a second topology",
                terminal(&base.display().to_string())
            ))
            .with_help("write `netverify diff BASE HEAD`, or give one `terraform show -json` plan, whose `prior_state` is compared with its planned values")
            .render(None));
            return Exit::Error;
        }
    };
    let ((bf, b), (hf, h)) = match sides {
        Ok(s) => s,
        Err(code) => return code,
    };
    let report = crate::diff::diff_with(&Engine::new(&b), &Engine::new(&h), Some((&bf, &hf)));
    out(&render::diff::render(&report, format));
    match crate::diff::outcome(&report, fail_on) {
        crate::diff::Outcome::Clean => Exit::Proven,
        crate::diff::Outcome::Fail => Exit::Violated,
        crate::diff::Outcome::Unknown => Exit::Unknown,
    }
}

/// Runs one parsed command line: one function per subcommand.
pub fn run(cli: Cli) -> Exit {
    let tf = match &cli.command {
        Command::Validate { tf, .. }
        | Command::Check { tf, .. }
        | Command::Exposed { tf, .. }
        | Command::Repl { tf, .. }
        | Command::Query { tf, .. }
        | Command::Import(ImportCommand::Terraform { tf, .. }) => tf.tf_dir.clone(),
        _ => None,
    };
    if let Ok(mut d) = TF_DIR.lock() {
        *d = tf;
    }
    match cli.command {
        Command::Diff {
            base,
            head,
            format,
            fail_on,
        } => diff(&base, head.as_deref(), format, fail_on),
        Command::Validate { topology, .. } => validate(&topology),
        Command::Check {
            topology,
            format,
            checks,
            timings,
            base,
            ..
        } => check(&topology, format, &checks, timings, base.as_deref()),
        Command::Checks { id } => describe_checks(id.as_deref()),
        Command::Import(ImportCommand::Snapshot { dir, output }) => {
            import_snapshot(&dir, output.as_ref())
        }
        Command::Import(ImportCommand::Terraform {
            plan, output, base, ..
        }) => import_terraform(&plan, output.as_ref(), base.as_deref()),
        Command::Import(cmd @ ImportCommand::Aws { .. }) => import_aws(cmd),
        Command::Exposed {
            topology,
            format,
            base,
            ..
        } => exposed(&topology, format, base.as_deref()),
        Command::Repl { topology, base, .. } => repl(&topology, base.as_deref()),
        Command::Query {
            topology,
            query,
            format,
            base,
            ..
        } => one_query(&topology, &query, format, base.as_deref()),
    }
}

/// `validate`: load the topology and say how big it is.
fn validate(topology: &Path) -> Exit {
    match load(topology, None) {
        Ok(t) => {
            out(&format!(
                "{}: valid ({}, {}, {})\n",
                terminal(&topology.display().to_string()),
                count(t.vpcs.len(), "VPC", "VPCs"),
                count(t.subnets.len(), "subnet", "subnets"),
                count(t.enis.len(), "network interface", "network interfaces")
            ));
            Exit::Proven
        }
        Err(code) => code,
    }
}

/// The error for a check id that is not one, with the closest id and the
/// list of ids.
fn unknown_check(id: &str) -> Exit {
    let known = checks::ids();
    let d = Diagnostic::plain(format!("unknown check `{id}`"))
        .with_help_opt(
            crate::model::suggest(id, known.iter().copied())
                .map(|s| format!("did you mean `{s}`?")),
        )
        .with_note(format!(
            "the checks are {}",
            known
                .iter()
                .map(|k| format!("`{k}`"))
                .collect::<Vec<_>>()
                .join(", ")
        ));
    err(&d.render(None));
    Exit::Error
}

/// The checks `--check` names, once each in the order given; every check
/// when it names none.
fn select_checks(ids: &[String]) -> Result<Vec<&'static checks::Check>, Exit> {
    let mut selected: Vec<&'static checks::Check> = Vec::new();
    for id in ids {
        let Some(c) = checks::find(id) else {
            return Err(unknown_check(id));
        };
        if !selected.iter().any(|s| s.meta.id == c.meta.id) {
            selected.push(c);
        }
    }
    if selected.is_empty() {
        selected = checks::REGISTRY.iter().collect();
    }
    Ok(selected)
}

/// A check report in `format`; SARIF describes each rule from the checks'
/// metadata.
fn render_checks(report: &Report, format: Format) -> String {
    if format != Format::Sarif {
        return render::render_report(report, format, &text_options());
    }
    let texts: Vec<(&CheckMeta, String, String)> = checks::REGISTRY
        .iter()
        .map(|c| (&c.meta, c.meta.full_description(), c.meta.help_markdown()))
        .collect();
    let docs: Vec<render::sarif::RuleDoc<'_>> = texts
        .iter()
        .map(|(meta, full, help)| render::sarif::RuleDoc {
            id: meta.id,
            short_description: meta.summary,
            full_description: full,
            help_markdown: help,
        })
        .collect();
    render::sarif::render_report_with_docs(report, &docs)
}

/// `check`: run the selected checks and report their verdicts.
fn check(
    topology: &Path,
    format: Format,
    ids: &[String],
    timings: bool,
    base: Option<&Path>,
) -> Exit {
    let selected = match select_checks(ids) {
        Ok(s) => s,
        Err(code) => return code,
    };
    let mut t = Timings::new(timings);
    let topo = match load(topology, base) {
        Ok(t) => t,
        Err(code) => return code,
    };
    t.phase("parse and validate");
    let engine = Engine::new(&topo);
    t.phase("model build (graph, filters)");
    let mut results = Vec::new();
    for c in selected {
        results.push((c.run)(&engine));
        t.phase(&format!("check {}", c.meta.id));
    }
    let report = Report::new(
        topo.findings_file
            .clone()
            .unwrap_or_else(|| topo.file.clone()),
        results,
    );
    let text = render_checks(&report, format);
    t.phase("render");
    t.total();
    // A closed stdout still exits with the verdict.
    out(&text);
    Exit::from(report.verdict)
}

/// `checks [ID]`: list the checks, or describe one in full.
fn describe_checks(id: Option<&str>) -> Exit {
    let Some(id) = id else {
        out(&format!(
            "{}\n`netverify checks ID` describes one check in full.\n",
            checks::meta::list("")
        ));
        return Exit::Proven;
    };
    match CheckId::parse(id) {
        Some(c) => {
            out(&c.meta().markdown());
            Exit::Proven
        }
        None => unknown_check(id),
    }
}

/// `import snapshot`: turn a describe-* snapshot into topology YAML.
fn import_snapshot(dir: &Path, output: Option<&PathBuf>) -> Exit {
    match crate::import::import_snapshot(dir) {
        Ok(i) => write_import(&i, output),
        Err(e) => {
            err(&e.render());
            Exit::Error
        }
    }
}

/// `exposed`: list what the internet reaches; unknown when the list may
/// be incomplete.
fn exposed(topology: &Path, format: ListFormat, base: Option<&Path>) -> Exit {
    let topo = match load(topology, base) {
        Ok(t) => t,
        Err(code) => return code,
    };
    let engine = Engine::new(&topo);
    let rep = crate::query::exposed(&engine);
    out(&render::render_exposed(
        &rep,
        format.into(),
        &text_options(),
    ));
    if rep.unknown.is_empty() {
        Exit::Proven
    } else {
        Exit::Unknown
    }
}

/// `repl`: answer queries until the input ends.
fn repl(topology: &Path, base: Option<&Path>) -> Exit {
    let terminal = std::io::stdin().is_terminal() && std::io::stdout().is_terminal();
    if crate::repl::run(&|| load_with_text(topology, base), terminal, text_options()) {
        Exit::Proven
    } else {
        Exit::Error
    }
}

/// `query`: answer one query; the exit code is its answer.
fn one_query(
    topology: &Path,
    query: &str,
    format: crate::query::lang::QueryFormat,
    base: Option<&Path>,
) -> Exit {
    let Some((topo, text)) = load_with_text(topology, base) else {
        return Exit::Error;
    };
    let engine = Engine::new(&topo);
    let ctx = crate::repl::Context {
        engine: &engine,
        source: text.as_deref(),
        opts: text_options(),
        format,
    };
    match crate::repl::run_line(&ctx, query) {
        crate::repl::Action::Output { text, status } => {
            out(&text);
            query_exit(status)
        }
        crate::repl::Action::Error(e) => {
            err(&e);
            Exit::Error
        }
        crate::repl::Action::Nothing => {
            err(&Diagnostic::plain("empty query")
                .with_help("e.g. `netverify query FILE 'can internet reach web-alb on tcp/443'`")
                .render(None));
            Exit::Error
        }
        crate::repl::Action::Reload | crate::repl::Action::Quit => Exit::Proven,
    }
}
