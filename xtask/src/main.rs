//! Maintenance tasks for orb-cloud. `cargo xtask regen --help` says what regen does.

// The library's code generator, shared with its build script (`build.rs`).
#[path = "../../codegen/mod.rs"]
mod codegen;
mod convert;
mod discover;
mod drift;
mod fetch;
mod fixups;
mod http_methods;
mod lock;
mod normalize;
mod regen;
mod report;
mod usage;

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};

#[derive(Parser)]
#[command(name = "cargo xtask", about = "Maintenance tasks for orb-cloud")]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Fetch Orb's OpenAPI document, normalize and repair it, and rewrite spec/, generated/ and the
    /// snapshots. Exit codes: 0 done or up to date, 1 drift found (--check), 2 error (nothing written).
    Regen {
        /// A file, or an http(s) URL of the document or of an HTML documentation page showing it.
        #[arg(long, value_name = "FILE|URL", default_value = regen::DEFAULT_SOURCE)]
        from: String,
        /// Write nothing: compare with what is committed and print what changed upstream.
        #[arg(long)]
        check: bool,
        /// Do not re-record the insta snapshots after writing.
        #[arg(long)]
        no_snapshots: bool,
        /// Also write the drift report as Markdown to FILE (the body of a pull request).
        #[arg(long, value_name = "FILE")]
        report: Option<PathBuf>,
        /// When files change, add the drift to FILE (CHANGELOG.md) under `## [Unreleased]`.
        #[arg(long, value_name = "FILE", conflicts_with = "check")]
        changelog: Option<PathBuf>,
        /// The workspace root to read and write (for tests); defaults to this repository.
        #[arg(long, hide = true)]
        root: Option<PathBuf>,
    },
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match cli.command {
        Command::Regen {
            from,
            check,
            no_snapshots,
            report,
            changelog,
            root,
        } => {
            let root = root.unwrap_or_else(|| {
                PathBuf::from(env!("CARGO_MANIFEST_DIR"))
                    .parent()
                    .map(PathBuf::from)
                    .unwrap_or_default()
            });
            let options = regen::Options {
                from: Some(from),
                check,
                root,
                snapshots: !no_snapshots,
                report,
                changelog,
            };
            match regen::run(&options) {
                Ok(regen::Outcome::Drift) => ExitCode::from(1),
                Ok(_) => ExitCode::SUCCESS,
                Err(e) => {
                    eprintln!("error: {e:#}");
                    ExitCode::from(2)
                }
            }
        }
    }
}
