//! Generates an organisation-scale topology for benchmarks, with a known set
//! of planted violations.
//!
//! ```sh
//! cargo run --release --example gen_topology -- --size small --seed 1 > small.yaml
//! cargo run --release --example gen_topology -- --size huge --seed 7 --out huge.yaml --manifest huge.json
//! ```
//!
//! The YAML goes to stdout (or `--out`); a summary (counts of each resource
//! kind, then one `planted: <check> <resource> <kind>` line per planted
//! violation) goes to stderr; `--manifest` writes the planted resources as
//! JSON, `{"public-exposure": ["planted-…", …]}`. The same size and seed
//! always give the same bytes. See `gen_topology/generator.rs` for what is
//! generated and why only the planted interfaces are exposed.

#[path = "gen_topology/generator.rs"]
mod generator;

use std::fs::File;
use std::io::{self, BufWriter, Write};
use std::path::PathBuf;
use std::time::Instant;

use anyhow::{Context, Result};
use clap::Parser;

use generator::{Shape, Size, Summary};

/// Generate a topology YAML sized by AWS quotas, with planted violations.
#[derive(Debug, Parser)]
#[command(name = "gen_topology")]
struct Args {
    /// How big: small (5 VPCs, 1,000 ENIs), large (100 VPCs, 25,000 ENIs),
    /// huge (1,000 VPCs, 200,000 ENIs).
    #[arg(long, value_enum)]
    size: Size,
    /// What kind of network (see `Shape` in gen_topology/generator.rs).
    #[arg(long, value_enum, default_value_t = Shape::Standard)]
    shape: Shape,
    /// Seed of the deterministic generator.
    #[arg(long, default_value_t = 1)]
    seed: u64,
    /// Write the YAML to this file instead of stdout.
    #[arg(long, value_name = "FILE")]
    out: Option<PathBuf>,
    /// Write the planted violations as JSON to this file.
    #[arg(long, value_name = "FILE")]
    manifest: Option<PathBuf>,
}

fn main() -> Result<()> {
    let args = Args::parse();
    let start = Instant::now();
    let summary = match &args.out {
        Some(path) => {
            let file =
                File::create(path).with_context(|| format!("cannot create {}", path.display()))?;
            let mut w = BufWriter::new(file);
            let s = generator::generate(args.size, args.shape, args.seed, &mut w)?;
            w.flush()?;
            s
        }
        None => {
            let mut w = BufWriter::new(io::stdout().lock());
            let s = generator::generate(args.size, args.shape, args.seed, &mut w)?;
            w.flush()?;
            s
        }
    };
    let elapsed = start.elapsed();
    if let Some(path) = &args.manifest {
        let json = generator::manifest_json(&summary.planted)?;
        std::fs::write(path, json + "\n")
            .with_context(|| format!("cannot write {}", path.display()))?;
    }
    print_summary(&args, &summary, elapsed.as_secs_f64())?;
    Ok(())
}

fn print_summary(args: &Args, s: &Summary, secs: f64) -> Result<()> {
    let mut e = io::stderr().lock();
    writeln!(
        e,
        "gen_topology: size {}, shape {}, seed {}: {:.1} MB in {secs:.2}s",
        args.size.name(),
        args.shape.name(),
        args.seed,
        s.bytes as f64 / 1e6
    )?;
    for (what, n) in s.counts.rows() {
        writeln!(e, "  {what}: {n}")?;
    }
    writeln!(e, "  planted violations: {}", s.planted.len())?;
    for p in &s.planted {
        writeln!(e, "planted: {} {} {}", p.check, p.resource, p.kind.slug())?;
    }
    for c in &s.broad {
        writeln!(e, "violated everywhere by the shape: {c}")?;
    }
    Ok(())
}
