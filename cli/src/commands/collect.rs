//! `orb collect`: receive a fleet's pushes into a store that loses nothing (orb-collector),
//! with a status line on stderr and a summary at the end.

use std::io::IsTerminal;
use std::net::SocketAddr;
use std::time::{Duration, Instant};

use clap::{Args, ValueEnum};
use orb_cloud::push::PushToken;
use orb_collector::store::{Durability, StoreSpec};
use orb_collector::{receive, ReceiveOptions, Running, Summary};

use super::listen::{resolve, this_host, token};
use crate::args::{parse_duration, shutdown_signal, tls_config, Stop, TlsArgs};
use crate::error::CliError;
use crate::output::{eprintln_human, Output};

#[derive(Debug, Args)]
pub(crate) struct CollectArgs {
    /// Where to store: sqlite:PATH.
    #[arg(long, default_value = "sqlite:orb-data.sqlite")]
    to: String,
    /// Address to bind: HOST:PORT, e.g. 0.0.0.0:7081 (every interface) or localhost:7081.
    #[arg(long, default_value = "0.0.0.0:7081")]
    listen: String,
    /// The secret in the push URL (16+ URL-safe characters; default: a random one, printed).
    #[arg(long, env = "ORB_PUSH_TOKEN", hide_env_values = true)]
    token: Option<String>,
    /// Store what arrives; configure no device (devices are pointed at the URL by hand, e.g.
    /// with `orb config patch`).
    #[arg(long)]
    receive_only: bool,
    /// Stop after this long (e.g. 8h); default: until Ctrl-C or SIGTERM.
    #[arg(long)]
    duration: Option<String>,
    /// What a commit survives: power-loss (synced to disk, the default) or process-crash.
    #[arg(long, value_enum, default_value_t = DurabilityArg::PowerLoss)]
    durability: DurabilityArg,
    /// The dataset of records whose `dataset` value is undocumented (Wi-Fi): only when every
    /// device pushes that one dataset; without it such records are kept whole.
    #[arg(long)]
    wifi_dataset: Option<String>,
    #[command(flatten)]
    tls: TlsArgs,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
pub(crate) enum DurabilityArg {
    /// Every commit synced to disk: survives a power loss.
    PowerLoss,
    /// Survives the process being killed; the last commits may be lost on power loss.
    ProcessCrash,
}

/// The checks that need no connection.
pub(crate) fn check(args: &CollectArgs) -> Result<(), CliError> {
    store_spec(&args.to)?;
    if let Some(d) = &args.duration {
        parse_duration("--duration", d)?;
    }
    if let Some(t) = &args.token {
        token(t)?;
    }
    if let Some(name) = &args.wifi_dataset {
        let name = orb_cloud::datasets::DatasetName::from(name.as_str());
        if name.family() != Some(orb_cloud::datasets::Family::WifiLink) {
            return Err(CliError::Usage(format!(
                "--wifi-dataset {name}: expected a wifi_link dataset, e.g. wifi_link_1m"
            )));
        }
    }
    if !args.receive_only {
        return Err(CliError::Usage(
            "orb collect configures devices only with --receive-only for now: point devices at the printed URL (orb config patch ORB_ID datasets.push=url=URL ...) and run orb collect --receive-only".into(),
        ));
    }
    Ok(())
}

fn store_spec(text: &str) -> Result<StoreSpec, CliError> {
    StoreSpec::parse(text).map_err(|e| CliError::Usage(format!("--to: {e}")))
}

pub(crate) async fn run(out: Output, args: CollectArgs) -> Result<(), CliError> {
    let stop_after = match &args.duration {
        Some(d) => Some(parse_duration("--duration", d)?),
        None => None,
    };
    let (token, generated) = match &args.token {
        Some(t) => (token(t)?, false),
        None => (PushToken::generate(), true),
    };
    let listen = resolve(&args.listen).await?;
    let mut options = ReceiveOptions::new(listen.to_string());
    options.store = store_spec(&args.to)?;
    options.token = Some(token);
    options.tls = tls_config(&args.tls)?;
    options.durability = match args.durability {
        DurabilityArg::PowerLoss => Durability::PowerLoss,
        DurabilityArg::ProcessCrash => Durability::ProcessCrash,
    };
    options.hint = args
        .wifi_dataset
        .as_deref()
        .map(orb_cloud::datasets::DatasetName::from);
    let https = options.tls.is_some();
    let store = options.store.to_string();
    let running = receive(options).await.map_err(|e| match e {
        orb_collector::CollectError::Listen { addr, source } => CliError::Receiver {
            addr,
            reason: source.to_string(),
        },
        other => CliError::NotDone(other.to_string()),
    })?;
    announce(&running, https, generated, &store);
    let stopped = wait(&out, &running, stop_after).await;
    let summary = running
        .shutdown()
        .await
        .map_err(|e| CliError::NotDone(e.to_string()))?;
    report(&out, &summary);
    match stopped {
        Some(Stop::Interrupt) => Err(CliError::Interrupted),
        _ => Ok(()),
    }
}

/// The URL devices push to, on stderr (also with --json: it is how they learn it).
fn announce(running: &Running, https: bool, generated: bool, store: &str) {
    let addr = running.local_addr();
    let url = match (addr.ip().is_unspecified(), this_host()) {
        (true, Some(ip)) => running.url(&format!(
            "{}://{}",
            if https { "https" } else { "http" },
            SocketAddr::new(ip, addr.port())
        )),
        _ => running.local_url(),
    };
    let shown = if generated {
        url
    } else {
        match url.rsplit_once('/') {
            Some((base, _)) => format!("{base}/<your-token>"),
            None => url,
        }
    };
    eprintln!("collecting into {store}: devices POST to {shown}");
    if generated {
        eprintln!("(a random token was generated; pass --token to keep the URL across restarts)");
    }
    eprintln!(
        "(point a device at it: orb config patch ORB_ID datasets.push=url={shown} datasets.push=responsiveness_1s)"
    );
}

/// Until the duration passes, Ctrl-C or SIGTERM (which one, for a signal), with a status line on
/// stderr: in place on a terminal, a line every 10 s otherwise.
async fn wait(out: &Output, running: &Running, stop_after: Option<Duration>) -> Option<Stop> {
    let started = Instant::now();
    let deadline = stop_after.map(|d| tokio::time::Instant::now() + d);
    let terminal = std::io::stderr().is_terminal();
    let every = if terminal {
        Duration::from_secs(1)
    } else {
        Duration::from_secs(10)
    };
    let mut tick = tokio::time::interval(every);
    tick.tick().await;
    let mut last = (Instant::now(), 0u64);
    let stopped = loop {
        let sleep = async {
            match deadline {
                Some(d) => tokio::time::sleep_until(d).await,
                None => std::future::pending().await,
            }
        };
        tokio::select! {
            _ = sleep => break None,
            stop = shutdown_signal() => break Some(stop),
            _ = tick.tick() => {
                if out.quiet {
                    continue;
                }
                let s = running.stats();
                let r = running.receiver_stats();
                let rate = (s.stored + s.duplicates).saturating_sub(last.1) as f64
                    / last.0.elapsed().as_secs_f64().max(1e-3);
                last = (Instant::now(), s.stored + s.duplicates);
                let line = format!(
                    "{:>6.0}s  {rate:>8.0} records/s  stored {}  duplicates dropped {}  refused 503: {}  failed commits {}",
                    started.elapsed().as_secs_f64(),
                    s.stored,
                    s.duplicates,
                    r.busy + r.not_committed,
                    s.failed_commits,
                );
                if terminal {
                    eprint!("\r\x1b[2K{line}");
                } else {
                    eprintln!("orb: {line}");
                }
            }
        }
    };
    if terminal && !out.quiet {
        eprintln!();
    }
    stopped
}

fn report(out: &Output, summary: &Summary) {
    let s = &summary.ingest;
    if out.json {
        let tables: serde_json::Map<String, serde_json::Value> = summary
            .tables
            .iter()
            .map(|(t, n)| (t.clone(), serde_json::json!(n)))
            .collect();
        out.json_line(&serde_json::json!({
            "stored": s.stored,
            "duplicates": s.duplicates,
            "other_records": s.other,
            "rejected_records": s.rejected,
            "commits": s.commits,
            "failed_commits": s.failed_commits,
            "refused_busy": summary.receiver.busy,
            "refused_not_committed": summary.receiver.not_committed,
            "tables": tables,
        }));
        return;
    }
    eprintln_human(&format!(
        "stored {} records ({} kept whole, {} that did not decode), {} duplicates dropped, in {} commits ({} failed, their pushes refused and sent again); {} pushes refused while busy",
        s.stored,
        s.other,
        s.rejected,
        s.duplicates,
        s.commits,
        s.failed_commits,
        summary.receiver.busy + summary.receiver.not_committed
    ));
    let tables: Vec<String> = summary
        .tables
        .iter()
        .filter(|(_, n)| *n > 0)
        .map(|(t, n)| format!("{t} {n}"))
        .collect();
    if !tables.is_empty() {
        eprintln_human(&format!("in the store now: {}", tables.join(", ")));
    }
}
