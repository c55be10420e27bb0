//! `orb-cloud-sandbox`: run a local Orb Cloud API until Ctrl-C or SIGTERM.
//!
//! ```text
//! orb-cloud-sandbox --listen 127.0.0.1:8080 --api-key KEY --orgs 2 --devices 100 --seed 7
//! ```
//!
//! Prints `listening on http://127.0.0.1:PORT` on standard output once it accepts requests; the
//! admin token of `/_sandbox/*` (and the API key, when generated) go to standard error.

use std::io::Write;
use std::net::SocketAddr;
use std::process::ExitCode;
use std::time::Duration;

use clap::Parser;
use orb_cloud_sandbox::Sandbox;

/// A faithful local Orb Cloud API: seeded fleet, keys and permissions, rate limits, faults and
/// devices that push datasets.
#[derive(Debug, Parser)]
#[command(name = "orb-cloud-sandbox", version, about)]
struct Args {
    /// Address to listen on (port 0: a free port).
    #[arg(long, default_value = "127.0.0.1:0")]
    listen: SocketAddr,
    /// An API key with every permission (default: a random orb-ok1-… key, printed on stderr).
    #[arg(long, env = "ORB_SANDBOX_API_KEY")]
    api_key: Option<String>,
    /// Admin token of the /_sandbox API (default: random, printed on stderr).
    #[arg(long, env = "ORB_SANDBOX_ADMIN_TOKEN")]
    admin_token: Option<String>,
    /// Number of organizations (1-100).
    #[arg(long, default_value_t = 2)]
    orgs: usize,
    /// Devices per organization (0-10000).
    #[arg(long, default_value_t = 25)]
    devices: usize,
    /// Seed of the fleet: same seed, same fleet.
    #[arg(long, default_value_t = 1)]
    seed: u64,
    /// "Now" of the fleet's timestamps, epoch milliseconds.
    #[arg(long, default_value_t = orb_cloud_sandbox::fleet::DEFAULT_EPOCH_MS)]
    epoch_ms: u64,
    /// Requests per second per key (0: no rate limit).
    #[arg(long, default_value_t = 100.0)]
    rate: f64,
    /// Burst size of the per-key token bucket.
    #[arg(long, default_value_t = 200)]
    burst: u32,
    /// Latency added to every answer, in milliseconds.
    #[arg(long, default_value_t = 0)]
    latency_ms: u64,
    /// Share of requests answered 503 (0-1).
    #[arg(long, default_value_t = 0.0)]
    fail_rate: f64,
    /// Share of requests whose connection is dropped without an answer (0-1).
    #[arg(long, default_value_t = 0.0)]
    drop_rate: f64,
    /// Duration of a content speed test in milliseconds (a top test takes twice as long).
    #[arg(long, default_value_t = 8000)]
    speedtest_ms: u64,
}

#[tokio::main]
async fn main() -> ExitCode {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_env("RUST_LOG")
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("warn")),
        )
        .with_writer(std::io::stderr)
        .init();
    let args = Args::parse();
    let mut builder = Sandbox::builder()
        .listen(args.listen)
        .orgs(args.orgs)
        .devices(args.devices)
        .seed(args.seed)
        .epoch_ms(args.epoch_ms)
        .rate_limit(args.rate, args.burst)
        .latency(Duration::from_millis(args.latency_ms))
        .fail_rate(args.fail_rate)
        .drop_rate(args.drop_rate)
        .speed_test_duration(Duration::from_millis(args.speedtest_ms));
    let generated_key = args.api_key.is_none();
    if let Some(k) = args.api_key {
        builder = builder.api_key(k);
    }
    if let Some(t) = args.admin_token {
        builder = builder.admin_token(t);
    }
    let sandbox = match builder.start().await {
        Ok(s) => s,
        Err(e) => {
            eprintln!("orb-cloud-sandbox: {e}");
            return ExitCode::from(2);
        }
    };
    eprintln!("admin token: {}", sandbox.admin_token());
    if generated_key {
        eprintln!("api key: {}", sandbox.api_key());
    }
    {
        let mut out = std::io::stdout().lock();
        let _ = writeln!(out, "listening on {}", sandbox.base_url());
        let _ = out.flush();
    }
    wait_for_signal().await;
    eprintln!("shutting down");
    match sandbox.shutdown().await {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("orb-cloud-sandbox: {e}");
            ExitCode::FAILURE
        }
    }
}

async fn wait_for_signal() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{signal, SignalKind};
        match signal(SignalKind::terminate()) {
            Ok(mut term) => {
                tokio::select! {
                    _ = tokio::signal::ctrl_c() => {}
                    _ = term.recv() => {}
                }
            }
            Err(_) => {
                let _ = tokio::signal::ctrl_c().await;
            }
        }
    }
    #[cfg(not(unix))]
    {
        let _ = tokio::signal::ctrl_c().await;
    }
}
