//! `orb-bench`: orb-cloud side by side with Orb's Python client and raw reqwest, in one run,
//! against the same sandbox (issue #7). See BENCHMARKS.md for the latest table.
//!
//! ```text
//! cargo run --release -p orb-bench        # makes target/orb-python for Orb's Python client
//! ```
//!
//! Each client runs in its own process (this binary re-invoked as `child ...`, or Python), so
//! wall time and peak memory (VmHWM / ru_maxrss) are each client's alone; the sandbox runs in
//! the parent. The exception is the request overhead, where orb-cloud and raw reqwest take turns
//! in one process, so that the machine's load and the placement of threads fall on both alike.
//! Every figure is the median of several runs, printed with its ratio to the comparison and
//! whether the issue's target is met.
//!
//! Here: the command line and the order of the sections. Each section is a module (`list`,
//! `overhead`, `ingest`, `fanout`, `build_cost`); `child` is what a child process measures and
//! `spawn` starts one; `report` prints the tables; `python` finds Orb's Python client.

mod build_cost;
mod child;
mod cli;
mod collect;
mod fanout;
mod fleet;
mod ingest;
mod list;
mod locked;
mod overhead;
mod python;
mod report;
mod sandbox;
mod spawn;
mod workspace;

use std::time::Instant;

use clap::{Parser, Subcommand};

#[derive(Debug, Parser)]
#[command(name = "orb-bench")]
struct Cli {
    /// A Python with orb-cloud-client installed. Without it the harness uses the virtualenv in
    /// target/orb-python, made if missing, with the client version pinned in
    /// sandbox/tests/python/requirements.txt (`.ci/run` makes the same).
    #[arg(long, env = "ORB_PYTHON")]
    python: Option<String>,
    /// Leave out Orb's Python client (its columns are skipped).
    #[arg(long, conflicts_with = "python")]
    no_python: bool,
    /// Runs per measurement (the median is reported).
    #[arg(long, default_value_t = 5)]
    runs: usize,
    /// Skip the clean-build comparison (the slowest part: two cold builds).
    #[arg(long)]
    skip_build: bool,
    /// Run only these sections (comma-separated): list, overhead, ingest, fanout, cli, collect,
    /// fleet, locked, build.
    #[arg(long, value_delimiter = ',', value_parser = ["list", "overhead", "ingest", "fanout", "cli", "collect", "fleet", "locked", "build"])]
    only: Vec<String>,
    #[command(subcommand)]
    child: Option<Child>,
}

#[derive(Debug, Subcommand)]
enum Child {
    /// Internal: one client's measurement in its own process.
    Child {
        /// typed-list, raw-list, bytes-list, typed-orgs, raw-orgs, orgs-interleaved
        mode: String,
        url: String,
        org: String,
        n: usize,
    },
}

fn main() {
    let cli = Cli::parse();
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("runtime");
    if let Some(Child::Child { mode, url, org, n }) = &cli.child {
        let report = runtime.block_on(child::run(mode, url, org, *n));
        println!("{report}");
        return;
    }
    runtime.block_on(run(cli));
}

/// The sections in order, each when `--only` leaves it in, and the total time.
async fn run(cli: Cli) {
    let started = Instant::now();
    println!(
        "orb-bench: {} runs per figure, medians; machine: {} cores",
        cli.runs,
        std::thread::available_parallelism()
            .map(|n| n.get())
            .unwrap_or(1)
    );
    let python = python::choose(cli.no_python, cli.python.as_ref());
    let python = python.as_deref();
    let runs = cli.runs.max(1);
    let want = |section: &str| cli.only.is_empty() || cli.only.iter().any(|o| o == section);

    if want("list") {
        list::run(python, runs).await;
    }
    if want("overhead") {
        overhead::run(python, runs).await;
    }
    if want("ingest") {
        ingest::run(runs).await;
    }
    if want("fanout") {
        fanout::run(runs).await;
    }
    if want("cli") {
        cli::run(python, runs).await;
    }
    if want("collect") {
        collect::run(runs).await;
    }
    if want("fleet") {
        fleet::run(runs).await;
    }
    if want("locked") {
        locked::run().await;
    }
    // 5. Build cost.
    if want("build") {
        if cli.skip_build {
            println!("\n## 5. Build cost: skipped (--skip-build)");
        } else {
            build_cost::run();
        }
    }
    println!(
        "\n(orb-bench took {:.0} s)",
        started.elapsed().as_secs_f64()
    );
}
