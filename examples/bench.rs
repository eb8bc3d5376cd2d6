//! The performance benchmark: generates the issue-defined topologies, runs
//! the release binary on each several times, and reports medians against the
//! budget. It also checks that exactly the planted violations are found, so
//! speed is never bought with wrong answers.
//!
//! ```sh
//! cargo build --release
//! cargo run --release --example bench -- --runs 5            # all sizes
//! cargo run --release --example bench -- --sizes small,large
//! ```
//!
//! Exit status 1 when a budget is exceeded or a verdict is wrong. Timing
//! assertions live here, not in the test suite.

#[path = "gen_topology/generator.rs"]
#[allow(
    dead_code,
    reason = "the benchmark uses the generator, not its command-line helpers"
)]
mod generator;

use std::collections::BTreeSet;
use std::fs::File;
use std::io::BufWriter;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;

use anyhow::{Context, Result, bail};
use clap::Parser;

use generator::{Shape, Size};

#[derive(Debug, Parser)]
#[command(name = "bench")]
struct Args {
    /// Sizes to run, comma-separated.
    #[arg(long, value_delimiter = ',', default_value = "small,large,huge")]
    sizes: Vec<Size>,
    /// Network shapes to run at every size, comma-separated (see `Shape` in
    /// gen_topology/generator.rs).
    #[arg(
        long,
        value_delimiter = ',',
        default_value = "standard,no-service,sg-combos,hybrid-heavy"
    )]
    shapes: Vec<Shape>,
    /// Runs per measurement (the median is reported).
    #[arg(long, default_value_t = 5)]
    runs: usize,
    /// Generator seed.
    #[arg(long, default_value_t = 1)]
    seed: u64,
    /// The netverify binary to measure.
    #[arg(long, default_value = "target/release/netverify")]
    netverify: PathBuf,
    /// Where generated topologies are cached.
    #[arg(long, default_value = "target/bench")]
    dir: PathBuf,
}

/// The budget of one size, for every shape (issue 18's table of goals).
struct Budget {
    check_s: f64,
    /// Every REPL query on a loaded topology, `who can reach` included: the
    /// median and the slowest, in milliseconds.
    query_median_ms: f64,
    query_max_ms: f64,
    rss_mib: f64,
    /// Engine time (model build + checks) may be at most this × parse time.
    analysis_vs_parse: Option<f64>,
    /// Parse and validation throughput, MB of YAML per second.
    parse_mb_s: Option<f64>,
}

fn budget(size: Size) -> Budget {
    match size {
        Size::Small => Budget {
            check_s: 0.1,
            query_median_ms: 5.0,
            query_max_ms: 20.0,
            rss_mib: 200.0,
            analysis_vs_parse: None,
            parse_mb_s: None,
        },
        Size::Large => Budget {
            check_s: 1.5,
            query_median_ms: 50.0,
            query_max_ms: 200.0,
            rss_mib: 1024.0,
            analysis_vs_parse: Some(0.5),
            parse_mb_s: Some(25.0),
        },
        Size::Huge => Budget {
            check_s: 15.0,
            query_median_ms: 500.0,
            query_max_ms: 2000.0,
            rss_mib: 4096.0,
            analysis_vs_parse: Some(0.5),
            parse_mb_s: Some(25.0),
        },
    }
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    let n = v.len();
    if n == 0 {
        0.0
    } else if n % 2 == 1 {
        v[n / 2]
    } else {
        (v[n / 2 - 1] + v[n / 2]) / 2.0
    }
}

/// One `check --timings` run: phase times (ms), wall time (s), peak RSS (MiB)
/// and the violated resources.
struct Run {
    phases: Vec<(String, f64)>,
    wall_s: f64,
    rss_mib: f64,
    violated: BTreeSet<String>,
}

fn run_check(bin: &Path, file: &Path) -> Result<Run> {
    let start = Instant::now();
    let out = Command::new(bin)
        .arg("check")
        .arg(file)
        .args(["--timings", "--format", "json"])
        .output()
        .with_context(|| format!("cannot run {}", bin.display()))?;
    let wall_s = start.elapsed().as_secs_f64();
    if !matches!(out.status.code(), Some(0..=1) | Some(3)) {
        bail!("check failed: {}", String::from_utf8_lossy(&out.stderr));
    }
    let mut phases = Vec::new();
    let mut rss_mib = 0.0;
    for line in String::from_utf8_lossy(&out.stderr).lines() {
        let Some(rest) = line.strip_prefix("timing: ") else {
            continue;
        };
        let mut parts = rest.rsplitn(3, ' ');
        let unit = parts.next().unwrap_or_default();
        let value: f64 = parts
            .next()
            .unwrap_or_default()
            .trim()
            .parse()
            .unwrap_or(0.0);
        let name = parts.next().unwrap_or_default().trim().to_string();
        match unit {
            "ms" => phases.push((name, value)),
            "MiB" => rss_mib = value,
            _ => {}
        }
    }
    let json: serde_json::Value =
        serde_json::from_slice(&out.stdout).context("check output is not JSON")?;
    let mut violated = BTreeSet::new();
    for c in json["checks"].as_array().into_iter().flatten() {
        for f in c["findings"].as_array().into_iter().flatten() {
            if f["kind"] == "violation" {
                violated.insert(format!(
                    "{}:{}",
                    c["id"].as_str().unwrap_or(""),
                    f["resource"].as_str().unwrap_or("")
                ));
            }
        }
    }
    Ok(Run {
        phases,
        wall_s,
        rss_mib,
        violated,
    })
}

/// HEAD for the diff measurement: `base` with SSH opened from anywhere on
/// its first security group (one changed rule, as in a pull request).
fn diff_head(base: &Path, head: &Path) -> Result<()> {
    use netverify::model::{Scalar, Sp, format::SgRule};
    let text = std::fs::read_to_string(base)?;
    let mut file = netverify::model::parse_str(&text, &base.display().to_string())
        .map_err(|e| anyhow::anyhow!(e.render(Some(&text))))?;
    let Some(sg) = file.security_groups.first_mut() else {
        bail!("the generated topology has no security group");
    };
    sg.value.ingress.push(Sp::new(SgRule {
        protocol: Sp::new(Scalar("tcp".into())),
        ports: Some(Sp::new(Scalar("22".into()))),
        cidr: Some(Sp::new("0.0.0.0/0".into())),
        description: Some("bench: ssh opened".into()),
        ..SgRule::default()
    }));
    std::fs::write(head, netverify::import::to_yaml(&file))?;
    Ok(())
}

/// Wall time (s) of `netverify diff BASE HEAD --format json`.
fn run_diff(bin: &Path, base: &Path, head: &Path) -> Result<f64> {
    let start = Instant::now();
    let out = Command::new(bin)
        .arg("diff")
        .arg(base)
        .arg(head)
        .args(["--format", "json"])
        .output()
        .with_context(|| format!("cannot run {}", bin.display()))?;
    let wall = start.elapsed().as_secs_f64();
    if !matches!(out.status.code(), Some(0..=1) | Some(3)) {
        bail!("diff failed: {}", String::from_utf8_lossy(&out.stderr));
    }
    let _: serde_json::Value =
        serde_json::from_slice(&out.stdout).context("diff output is not JSON")?;
    Ok(wall)
}

/// REPL query latency on a topology loaded in this process, through the
/// real query path (parse, resolve, evaluate, render as text), exactly as
/// `netverify repl` answers a line. For 25 workload interfaces spread over
/// the file: `can A reach B on tcp/443`, `why not A -> B on tcp/443`,
/// `what can A reach` (every header) and `path internet -> LB`; plus one
/// `who can reach B` (it asks every interface, so it is reported but not
/// held to the one-query budget).
fn query_latency(file: &Path) -> Result<Latency> {
    use netverify::engine::Engine;
    use netverify::query::lang::QueryFormat;
    use netverify::repl::{Action, Context, run_line};
    let topo = netverify::model::load_file(file).map_err(|e| anyhow::anyhow!(e.render(None)))?;
    // As `netverify repl` loads it: both readings of C-5.6 built up front.
    let engine = Engine::for_session(&topo);
    let ctx = Context {
        engine: &engine,
        source: None,
        opts: netverify::render::TextOptions::default(),
        format: QueryFormat::Text,
    };
    // Sources people ask about: workload interfaces (a NAT gateway's
    // interface originates nothing of its own).
    let workloads: Vec<usize> = (0..topo.enis.len())
        .filter(|&e| matches!(topo.enis[e].owner, netverify::model::EniOwner::Workload))
        .collect();
    let n = workloads.len();
    let picks: Vec<&str> = (0..25)
        .map(|i| topo.enis[workloads[i * n / 25]].meta.name.as_str())
        .collect();
    let lbs: Vec<&str> = topo
        .load_balancers
        .iter()
        .map(|l| l.meta.name.as_str())
        .collect();
    let timed = |line: &str| -> Result<f64> {
        let start = Instant::now();
        let action = run_line(&ctx, line);
        let ms = start.elapsed().as_secs_f64() * 1e3;
        if std::env::var_os("BENCH_VERBOSE").is_some() {
            eprintln!("{ms:8.2} ms  {line}");
        }
        match action {
            Action::Output { text, .. } => {
                std::hint::black_box(text.len());
            }
            other => bail!("`{line}` did not answer: {other:?}"),
        }
        Ok(ms)
    };
    let mut point = Vec::new();
    let mut full = Vec::new();
    for (k, a) in picks.iter().enumerate() {
        let b = picks[(k + 1) % picks.len()];
        point.push(timed(&format!("can {a} reach {b} on tcp/443"))?);
        point.push(timed(&format!("why not {a} -> {b} on tcp/443"))?);
        if let Some(lb) = lbs.get(k % lbs.len().max(1)) {
            point.push(timed(&format!("path internet -> {lb}"))?);
        }
        full.push(timed(&format!("what can {a} reach"))?);
        if std::env::var_os("BENCH_VERBOSE").is_some()
            && let Some(netverify::model::ResourceRef::Eni(e)) = topo.names.get(*a).copied()
        {
            let start = Instant::now();
            let r = engine.reach(
                netverify::engine::Origin::Eni(e),
                &netverify::hs::HeaderSet::universe(),
            );
            eprintln!(
                "{:8.2} ms  engine only: {} flows, {} cubes ({a})",
                start.elapsed().as_secs_f64() * 1e3,
                r.flows.len(),
                r.flows.iter().map(|f| f.set.cubes().len()).sum::<usize>()
            );
        }
    }
    let who = timed(&format!("who can reach {} on tcp/443", picks[0]))?;
    let max = |v: &[f64]| v.iter().copied().fold(0.0, f64::max);
    Ok(Latency {
        full_median: median(full.clone()),
        full_max: max(&full),
        point_max: max(&point),
        point_median: median(point),
        who_ms: who,
    })
}

/// Query latencies in milliseconds.
struct Latency {
    full_median: f64,
    full_max: f64,
    point_max: f64,
    point_median: f64,
    who_ms: f64,
}

fn main() -> Result<()> {
    let args = Args::parse();
    if !args.netverify.exists() {
        bail!(
            "{} not found: run `cargo build --release` first",
            args.netverify.display()
        );
    }
    std::fs::create_dir_all(&args.dir)?;
    let mut failed = false;
    println!(
        "| size | validate (s) | parse+validate (ms) | parse (MB/s) | model build (ms) | checks (ms) | check wall (s) | peak RSS (MiB) | REPL can/why not/path median / max (ms) | REPL what-can-reach median / max (ms) | REPL who-can-reach (ms) | diff wall (s) | planted found |"
    );
    println!("|---|---|---|---|---|---|---|---|---|---|---|---|---|");
    let mut notes = Vec::new();
    let runs_of: Vec<(Size, Shape)> = args
        .sizes
        .iter()
        .flat_map(|&size| args.shapes.iter().map(move |&shape| (size, shape)))
        .collect();
    for (size, shape) in runs_of {
        // The row's name: the size, and the shape unless it is the standard one.
        let name = if shape == Shape::Standard {
            size.name().to_string()
        } else {
            format!("{} {}", size.name(), shape.name())
        };
        let file = args.dir.join(format!(
            "{}-{}-{}.yaml",
            size.name(),
            shape.name(),
            args.seed
        ));
        let mut out = BufWriter::new(File::create(&file)?);
        let summary = generator::generate(size, shape, args.seed, &mut out)?;
        drop(out);
        let expected: BTreeSet<String> = summary
            .planted
            .iter()
            .map(|p| format!("{}:{}", p.check, p.resource))
            .collect();

        let mut validate = Vec::new();
        for _ in 0..args.runs {
            let start = Instant::now();
            let st = Command::new(&args.netverify)
                .arg("validate")
                .arg(&file)
                .output()?;
            if !st.status.success() {
                bail!("validate failed: {}", String::from_utf8_lossy(&st.stderr));
            }
            validate.push(start.elapsed().as_secs_f64());
        }
        let mut runs = Vec::new();
        for _ in 0..args.runs {
            runs.push(run_check(&args.netverify, &file)?);
        }
        let phase = |name: &str| {
            median(
                runs.iter()
                    .map(|r| {
                        r.phases
                            .iter()
                            .filter(|(n, _)| n.starts_with(name))
                            .map(|(_, v)| v)
                            .sum()
                    })
                    .collect(),
            )
        };
        let parse = phase("parse and validate");
        let build = phase("model build");
        let checks = phase("check ");
        let wall = median(runs.iter().map(|r| r.wall_s).collect());
        let rss = median(runs.iter().map(|r| r.rss_mib).collect());
        // A check the shape fails everywhere must be violated; the others
        // must find exactly the planted violations.
        // `check:resource` keys of check `c`.
        let of = |k: &str, c: &str| k.strip_prefix(c).is_some_and(|r| r.starts_with(':'));
        let exact = runs.iter().all(|r| {
            let planted: BTreeSet<String> = r
                .violated
                .iter()
                .filter(|k| !summary.broad.iter().any(|c| of(k, c)))
                .cloned()
                .collect();
            let broad_violated = summary
                .broad
                .iter()
                .all(|c| r.violated.iter().any(|k| of(k, c)));
            planted == expected && broad_violated
        });
        // Each run loads the topology afresh (cold caches, as a new REPL
        // session): medians of the runs' medians, and the largest maximum.
        let lat: Vec<Latency> = (0..args.runs)
            .map(|_| query_latency(&file))
            .collect::<Result<_>>()?;
        let most = |f: fn(&Latency) -> f64| lat.iter().map(f).fold(0.0, f64::max);
        let q = Latency {
            full_median: median(lat.iter().map(|l| l.full_median).collect()),
            full_max: most(|l| l.full_max),
            point_median: median(lat.iter().map(|l| l.point_median).collect()),
            point_max: most(|l| l.point_max),
            who_ms: median(lat.iter().map(|l| l.who_ms).collect()),
        };
        // A diff of two versions (one rule apart) costs at most twice one
        // check (issue 16, "Speed").
        let head = args.dir.join(format!(
            "{}-{}-{}-head.yaml",
            size.name(),
            shape.name(),
            args.seed
        ));
        diff_head(&file, &head)?;
        let mut diffs = Vec::new();
        for _ in 0..args.runs {
            diffs.push(run_diff(&args.netverify, &file, &head)?);
        }
        let diff_wall = median(diffs);
        let mb_s = summary.bytes as f64 / 1e6 / (parse / 1e3);
        println!(
            "| {} | {:.3} | {:.0} | {:.1} | {:.0} | {:.0} | {:.3} | {:.0} | {:.2} / {:.2} | {:.2} / {:.2} | {:.0} | {:.3} | {} ({} of {}) |",
            name,
            median(validate),
            parse,
            mb_s,
            build,
            checks,
            wall,
            rss,
            q.point_median,
            q.point_max,
            q.full_median,
            q.full_max,
            q.who_ms,
            diff_wall,
            if exact { "exactly" } else { "WRONG" },
            runs[0].violated.intersection(&expected).count(),
            expected.len()
        );
        let b = budget(size);
        if !exact {
            failed = true;
            notes.push(format!(
                "{}: the violations found differ from the planted ones",
                name
            ));
        }
        if wall > b.check_s {
            failed = true;
            notes.push(format!(
                "{}: check took {wall:.3} s, budget {} s",
                name, b.check_s
            ));
        }
        if diff_wall > 2.0 * wall {
            failed = true;
            notes.push(format!(
                "{}: diff took {diff_wall:.3} s, more than twice one check ({wall:.3} s)",
                name
            ));
        }
        for (what, median, max) in [
            ("can / why not / path", q.point_median, q.point_max),
            ("`what can A reach`", q.full_median, q.full_max),
            ("`who can reach`", q.who_ms, q.who_ms),
        ] {
            if median > b.query_median_ms || max > b.query_max_ms {
                failed = true;
                notes.push(format!(
                    "{name}: REPL {what} took {median:.1} ms median, {max:.1} ms at most; budget {} / {} ms",
                    b.query_median_ms, b.query_max_ms
                ));
            }
        }
        if let Some(min) = b.parse_mb_s
            && mb_s < min
        {
            failed = true;
            notes.push(format!(
                "{name}: parse and validation read {mb_s:.1} MB/s of YAML, budget {min} MB/s"
            ));
        }
        if rss > b.rss_mib {
            failed = true;
            notes.push(format!(
                "{}: peak RSS {rss:.0} MiB, budget {} MiB",
                name, b.rss_mib
            ));
        }
        if let Some(ratio) = b.analysis_vs_parse
            && build + checks > ratio * parse
        {
            failed = true;
            notes.push(format!(
                "{}: analysis {:.0} ms exceeds {ratio}× parse ({parse:.0} ms)",
                name,
                build + checks
            ));
        }
    }
    println!();
    println!(
        "runs per measurement: {}, medians; seed {}",
        args.runs, args.seed
    );
    if failed {
        bail!("over budget or wrong:\n{}", notes.join("\n"));
    }
    println!("every size and shape within budget, planted violations found exactly");
    Ok(())
}
