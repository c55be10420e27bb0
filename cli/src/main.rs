//! `orb`: Orb Cloud from the command line.
//!
//! ```text
//! orb --sandbox devices            # a local Orb Cloud, no key needed
//! ORB_CLOUD_API_KEY=... orb devices --connected --sort score
//! orb stream ORB_ID --datasets responsiveness_1s,scores_1m --duration 5m --public-url http://HOST:7081
//! orb demo
//! ```

mod args;
mod columns;
mod commands;
mod config_keys;
mod context;
mod error;
mod output;
mod plot;
mod profiles;
mod tally;

use std::process::ExitCode;

use clap::{CommandFactory, Parser};

use commands::Command;

#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// The version, with the commit it was built from when built from a git checkout (cli/build.rs).
const VERSION: &str = concat!(env!("CARGO_PKG_VERSION"), env!("ORB_BUILD_COMMIT"));
use context::Global;

/// Orb Cloud from the command line: organizations, devices and their Orb Scores, configuration,
/// speed tests and live dataset streams.
#[derive(Debug, Parser)]
#[command(name = "orb", version = VERSION, propagate_version = true)]
struct Cli {
    #[command(flatten)]
    global: Global,
    #[command(subcommand)]
    command: Command,
}

fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            let code = if e.use_stderr() { 2 } else { 0 };
            let _ = e.print();
            return ExitCode::from(code);
        }
    };
    // Made from the definition of the arguments; no connection, no runtime.
    match &cli.command {
        Command::Completions { shell } => {
            let mut command = Cli::command();
            let mut text = Vec::new();
            clap_complete::generate(*shell, &mut command, "orb", &mut text);
            output::write_stdout(&text);
            return ExitCode::SUCCESS;
        }
        Command::Man => {
            let mut text = Vec::new();
            if let Err(e) = clap_mangen::Man::new(Cli::command()).render(&mut text) {
                output::eprintln_human(&format!("error: could not make the manual page: {e}"));
                return ExitCode::FAILURE;
            }
            output::write_stdout(&text);
            return ExitCode::SUCCESS;
        }
        _ => {}
    }
    if std::env::var_os("RUST_LOG").is_some() {
        tracing_subscriber::fmt()
            .with_env_filter(tracing_subscriber::EnvFilter::from_default_env())
            .with_writer(std::io::stderr)
            .init();
    }
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            output::eprintln_human(&format!("error: could not start: {e}"));
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(commands::run(cli.global, cli.command)) {
        Ok(()) => {
            // Whatever is still buffered must reach its destination for success to be true.
            output::write_stdout(b"");
            ExitCode::SUCCESS
        }
        // After Ctrl-C the command has said what it did; the exit code says the rest.
        Err(e @ error::CliError::Interrupted) => e.exit_code(),
        Err(e) => {
            output::eprintln_human(&format!("error: {e}{}", e.hint()));
            e.exit_code()
        }
    }
}
