//! `orb`: Orb Cloud from the command line.
//!
//! ```text
//! orb --sandbox devices            # a local Orb Cloud, no key needed
//! ORB_CLOUD_API_KEY=... orb devices --connected --sort score
//! orb stream ORB_ID --datasets responsiveness_1s,scores_1m --duration 5m --public-url http://HOST:7081
//! orb demo
//! ```

mod commands;
mod context;
mod output;

use std::net::SocketAddr;
use std::process::ExitCode;

use clap::{Args, Parser, Subcommand, ValueEnum};

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

#[derive(Debug, Args)]
pub struct Global {
    /// Orb Cloud API key (Orchestration > API Keys in Orb Cloud).
    #[arg(long, global = true, env = "ORB_CLOUD_API_KEY", hide_env_values = true)]
    api_key: Option<String>,
    /// Orb Cloud base URL.
    #[arg(long, global = true, env = "ORB_CLOUD_BASE_URL")]
    base_url: Option<String>,
    /// Run against a local sandbox Orb Cloud started in this process (no key, no network).
    #[arg(long, global = true)]
    sandbox: bool,
    /// One JSON object per line instead of tables, for scripts.
    #[arg(long, global = true)]
    json: bool,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// List the organizations the key can see.
    Orgs,
    /// List an organization's devices with their Orb Scores.
    Devices(DevicesArgs),
    /// One device: status, place, network and its Orb Score with components.
    Device(DeviceArgs),
    /// Read, change or reset a device's configuration.
    #[command(subcommand)]
    Config(ConfigCommand),
    /// Start a speed test on a device.
    Speedtest(SpeedtestArgs),
    /// Stream a device's datasets live: configures it to push to a receiver started here.
    Stream(StreamArgs),
    /// Run only a push receiver and print what devices send to it.
    Listen(ListenArgs),
    /// A 30-second tour: organizations, devices and scores, a speed test and live records
    /// (on the sandbox unless a key is set).
    Demo(DemoArgs),
}

#[derive(Debug, Args)]
pub struct DevicesArgs {
    /// Organization id (default: the only one the key sees).
    #[arg(long)]
    org: Option<String>,
    /// Only devices that are connected now.
    #[arg(long)]
    connected: bool,
    /// Order of the list.
    #[arg(long, value_enum, default_value_t = SortBy::Score)]
    sort: SortBy,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum SortBy {
    /// Best Orb Score first.
    Score,
    /// By name.
    Name,
}

#[derive(Debug, Args)]
pub struct DeviceArgs {
    /// The device's Orb id.
    orb_id: String,
    /// Organization id (default: searched).
    #[arg(long)]
    org: Option<String>,
}

#[derive(Debug, Subcommand)]
pub enum ConfigCommand {
    /// Show a device's configuration.
    Get(DeviceArgs),
    /// Change keys of a device's configuration: KEY=VALUE, repeated for several values of a key
    /// (e.g. datasets.push=scores_1m datasets.push=format=json).
    Patch {
        #[command(flatten)]
        device: DeviceArgs,
        /// KEY=VALUE pairs.
        #[arg(required = true, value_name = "KEY=VALUE")]
        values: Vec<String>,
    },
    /// Remove the device's configuration override.
    Reset {
        #[command(flatten)]
        device: DeviceArgs,
        /// Use this organization configuration instead.
        #[arg(long, value_name = "CONFIGURATION_ID")]
        fallback: Option<String>,
    },
}

#[derive(Debug, Args)]
pub struct SpeedtestArgs {
    /// The device's Orb id.
    orb_id: String,
    /// `content` (what a typical download gets) or `top` (the most the link can do).
    #[arg(long, default_value = "content")]
    kind: String,
}

#[derive(Debug, Args)]
pub struct StreamArgs {
    /// The device's Orb id.
    orb_id: String,
    /// Datasets, comma separated (responsiveness_1s, scores_1m, speed_results, ...).
    #[arg(long, value_delimiter = ',', required = true)]
    datasets: Vec<String>,
    /// How long to stream (Go syntax: 30s, 5m, 1h).
    #[arg(long, default_value = "5m")]
    duration: String,
    /// How devices reach this machine, e.g. http://203.0.113.7:7081 (default with --sandbox:
    /// loopback).
    #[arg(long)]
    public_url: Option<String>,
    /// Where the receiver binds (default: all interfaces on the public URL's port).
    #[arg(long)]
    listen: Option<SocketAddr>,
    /// How often the device pushes (e.g. 1s; Orb's default is 60s).
    #[arg(long, default_value = "1s")]
    interval: String,
    #[command(flatten)]
    tls: TlsArgs,
    /// The https:// public URL is a reverse proxy that ends TLS and forwards plain HTTP here.
    #[arg(long)]
    behind_tls_proxy: bool,
}

/// HTTPS for the receiver: the push token is in the URL, so plain HTTP shows it to the network.
#[derive(Debug, Args)]
pub struct TlsArgs {
    /// Serve HTTPS with this certificate chain (PEM, leaf first, e.g. fullchain.pem).
    #[arg(long, value_name = "FILE", requires = "tls_key")]
    tls_cert: Option<std::path::PathBuf>,
    /// The certificate's private key (PEM).
    #[arg(long, value_name = "FILE", requires = "tls_cert")]
    tls_key: Option<std::path::PathBuf>,
}

#[derive(Debug, Args)]
pub struct ListenArgs {
    /// Address to bind.
    #[arg(long, default_value = "0.0.0.0:7081")]
    listen: SocketAddr,
    /// The secret in the push URL (16+ URL-safe characters; default: a random one, printed).
    #[arg(long, env = "ORB_PUSH_TOKEN", hide_env_values = true)]
    token: Option<String>,
    /// The path before the token.
    #[arg(long, default_value = "/push")]
    path: String,
    /// Stop after this many records.
    #[arg(long)]
    count: Option<u64>,
    /// Stop after this long (e.g. 10m).
    #[arg(long)]
    duration: Option<String>,
    #[command(flatten)]
    tls: TlsArgs,
}

#[derive(Debug, Args)]
pub struct DemoArgs {
    /// With a real key: how devices reach this machine, to include the live part.
    #[arg(long)]
    public_url: Option<String>,
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
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            output::eprintln_human(&format!("error: {e}"));
            ExitCode::FAILURE
        }
    }
}
