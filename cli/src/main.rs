//! `orb`: Orb Cloud from the command line.
//!
//! ```text
//! orb --sandbox devices            # a local Orb Cloud, no key needed
//! ORB_CLOUD_API_KEY=... orb devices --connected --sort score
//! orb stream ORB_ID --datasets responsiveness_1s,scores_1m --duration 5m --public-url http://HOST:7081
//! orb demo
//! ```

mod args;
mod commands;
mod context;
mod error;
mod output;
mod tally;

use std::process::ExitCode;

use clap::Parser;

use commands::Command;
use context::Global;

/// Orb Cloud from the command line: organizations, devices and their Orb Scores, configuration,
/// speed tests and live dataset streams.
#[derive(Debug, Parser)]
#[command(name = "orb", version, propagate_version = true)]
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
            output::eprintln_human(&format!("error: {e}"));
            e.exit_code()
        }
    }
}
