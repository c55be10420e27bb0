//! `orb collect`: receive a fleet's pushes into a store that loses nothing (orb-collector),
//! with a status line on stderr and a summary at the end.

use std::io::IsTerminal;
use std::time::{Duration, Instant};

use clap::{Args, ValueEnum};
use orb_cloud::datasets::{DatasetName, Family};
use orb_cloud::push::PushToken;
use orb_collector::fleet::{
    Calls, DeviceState, DeviceStatus, Fleet, FleetOptions, FleetStatus, Selection,
};
use orb_collector::store::{Durability, StoreSpec};
use orb_collector::{receive, ReceiveOptions, Running, Summary};

use super::listen::{resolve, shown_push_url, token};
use crate::args::{check_datasets, parse_duration, shutdown_signal, tls_config, Stop, TlsArgs};
use crate::context::Context;
use crate::error::CliError;
use crate::output::{eprintln_human, Output};

#[derive(Debug, Args)]
pub(crate) struct CollectArgs {
    /// Where to store: sqlite:PATH.
    #[arg(long, default_value = "sqlite:orb-data.sqlite")]
    to: String,
    /// Address to bind: HOST:PORT (default 0.0.0.0:7081, every interface; with --sandbox
    /// 127.0.0.1 on a free port).
    #[arg(long)]
    listen: Option<String>,
    /// How devices reach this machine, e.g. http://203.0.113.7:7081 (default with --sandbox:
    /// loopback).
    #[arg(long)]
    public_url: Option<String>,
    /// The organization whose devices push (id or name; default: the only one the key sees).
    #[arg(long, conflicts_with_all = ["all_orgs", "devices"])]
    org: Option<String>,
    /// Every device of every organization the key sees.
    #[arg(long, conflicts_with = "devices")]
    all_orgs: bool,
    /// These devices (Orb ids, comma separated), wherever they are.
    #[arg(long, value_delimiter = ',')]
    devices: Vec<String>,
    /// Datasets each device pushes (default: scores_1m,responsiveness_1m,speed_results).
    #[arg(long, value_delimiter = ',')]
    datasets: Vec<String>,
    /// Send dataset names this version does not know (newer datasets) instead of refusing them.
    #[arg(long)]
    allow_unknown_datasets: bool,
    /// How often devices push (e.g. 10s; default Orb's, 60s).
    #[arg(long)]
    interval: Option<String>,
    /// Serve Prometheus metrics at http://ADDR/metrics (e.g. 127.0.0.1:9464): each device's
    /// latest Orb Score, lag, latency, jitter, loss and speeds, and the collector's counters.
    #[arg(long, value_name = "ADDR")]
    metrics: Option<String>,
    /// The secret in the push URL (16+ URL-safe characters; default: a random one, printed).
    #[arg(long, env = "ORB_PUSH_TOKEN", hide_env_values = true)]
    token: Option<String>,
    /// Store what arrives; configure no device (devices are pointed at the URL by hand, e.g.
    /// with `orb config patch`), and need no API key.
    #[arg(long)]
    pub(crate) receive_only: bool,
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
    if args.metrics.as_deref().is_some_and(|m| !m.contains(':')) {
        return Err(CliError::Usage(
            "--metrics: expected HOST:PORT, e.g. 127.0.0.1:9464".into(),
        ));
    }
    if let Some(name) = &args.wifi_dataset {
        let name = orb_cloud::datasets::DatasetName::from(name.as_str());
        if name.family() != Some(orb_cloud::datasets::Family::WifiLink) {
            return Err(CliError::Usage(format!(
                "--wifi-dataset {name}: expected a wifi_link dataset, e.g. wifi_link_1m"
            )));
        }
    }
    let configures = args.org.is_some()
        || args.all_orgs
        || !args.devices.is_empty()
        || !args.datasets.is_empty()
        || args.public_url.is_some()
        || args.interval.is_some();
    if args.receive_only && configures {
        return Err(CliError::Usage(
            "--receive-only configures no device: leave out --org, --all-orgs, --devices, --datasets, --public-url and --interval".into(),
        ));
    }
    if !args.datasets.is_empty() {
        check_datasets(&args.datasets, args.allow_unknown_datasets)?;
    }
    if let Some(i) = &args.interval {
        parse_duration("--interval", i)?;
    }
    if args.public_url.as_deref().is_some_and(|u| {
        u.trim().to_ascii_lowercase().starts_with("https://") && args.tls.tls_cert.is_none()
    }) {
        return Err(CliError::Usage(
            "--public-url is https:// but the receiver would serve plain HTTP: give it --tls-cert and --tls-key".into(),
        ));
    }
    Ok(())
}

/// What `--datasets` names (or the default: what the metrics and `orb history` show first).
fn datasets(args: &CollectArgs) -> Vec<DatasetName> {
    let names: Vec<&str> = if args.datasets.is_empty() {
        vec!["scores_1m", "responsiveness_1m", "speed_results"]
    } else {
        args.datasets.iter().map(|d| d.trim()).collect()
    };
    names.into_iter().map(DatasetName::from).collect()
}

fn store_spec(text: &str) -> Result<StoreSpec, CliError> {
    StoreSpec::parse(text).map_err(|e| CliError::Usage(format!("--to: {e}")))
}

pub(crate) async fn run(
    out: Output,
    ctx: Option<&Context>,
    args: CollectArgs,
) -> Result<(), CliError> {
    let stop_after = match &args.duration {
        Some(d) => Some(parse_duration("--duration", d)?),
        None => None,
    };
    let interval = match &args.interval {
        Some(i) => Some(parse_duration("--interval", i)?),
        None => None,
    };
    let sandbox = ctx.is_some_and(Context::on_sandbox);
    if ctx.is_some() && args.public_url.is_none() && !sandbox {
        return Err(CliError::Usage(
            "devices must reach this machine: pass --public-url http://<address devices can reach>:7081 (and --listen if the receiver binds elsewhere), or --receive-only".into(),
        ));
    }
    let (token, generated) = match &args.token {
        Some(t) => (token(t)?, false),
        None => (PushToken::generate(), true),
    };
    let listen = args.listen.clone().unwrap_or_else(|| {
        if sandbox {
            "127.0.0.1:0".into()
        } else {
            "0.0.0.0:7081".into()
        }
    });
    let listen = resolve(&listen).await?;
    let datasets = datasets(&args);
    let mut options = ReceiveOptions::new(listen.to_string());
    options.store = store_spec(&args.to)?;
    options.token = Some(token);
    options.tls = tls_config(&args.tls)?;
    options.durability = match args.durability {
        DurabilityArg::PowerLoss => Durability::PowerLoss,
        DurabilityArg::ProcessCrash => Durability::ProcessCrash,
    };
    // Wi-Fi records are typed only when they are all the devices push (their `dataset` value
    // is undocumented): then the hint is exact.
    options.hint = match &args.wifi_dataset {
        Some(name) => Some(DatasetName::from(name.as_str())),
        None if ctx.is_some()
            && datasets
                .iter()
                .all(|d| d.family() == Some(Family::WifiLink)) =>
        {
            datasets.first().cloned()
        }
        None => None,
    };
    let https = options.tls.is_some();
    let store = options.store.to_string();
    let running = receive(options).await.map_err(|e| match e {
        orb_collector::CollectError::Listen { addr, source } => CliError::Receiver {
            addr,
            reason: source.to_string(),
        },
        other => CliError::NotDone(other.to_string()),
    })?;
    announce(&running, https, generated, &store, ctx.is_none());
    // The devices, when this run configures them.
    let (stop_fleet, fleet) = match ctx {
        Some(ctx) => {
            let selection = if !args.devices.is_empty() {
                Selection::Devices(args.devices.iter().map(|d| d.trim().to_owned()).collect())
            } else if args.all_orgs {
                Selection::AllOrganizations
            } else {
                Selection::Organization(ctx.org_id(args.org.as_deref()).await?)
            };
            let base = match &args.public_url {
                Some(url) => url.trim_end_matches('/').to_owned(),
                None => format!("http://{}", running.local_addr()),
            };
            let mut fleet_options = FleetOptions::new(selection, datasets, running.url(&base));
            fleet_options.interval = interval;
            let fleet = Fleet::new(ctx.client.clone(), fleet_options);
            let status = fleet.status();
            let (tx, rx) = tokio::sync::oneshot::channel::<()>();
            let task = tokio::spawn(fleet.run(async move {
                let _ = rx.await;
            }));
            (Some(tx), Some((task, status)))
        }
        None => (None, None),
    };
    let status = fleet.as_ref().map(|(_, s)| s.clone());
    let metrics = match &args.metrics {
        Some(addr) => {
            let addr = resolve(addr).await?;
            let listener =
                tokio::net::TcpListener::bind(addr)
                    .await
                    .map_err(|e| CliError::Receiver {
                        addr: addr.to_string(),
                        reason: format!("--metrics: {e}"),
                    })?;
            let bound = listener.local_addr().map_or(addr, |a| a);
            let mut metrics = running.metrics();
            if let Some(status) = &status {
                metrics = metrics.with_fleet(status.clone());
            }
            eprintln!("metrics: http://{bound}/metrics");
            Some(orb_collector::metrics::serve(listener, metrics))
        }
        None => None,
    };
    let stopped = wait(&out, &running, status.as_ref(), stop_after).await;
    let mut fleet_report = None;
    if let (Some(tx), Some((task, _))) = (stop_fleet, fleet) {
        eprintln_human(
            "stopping: the devices get a one-second configuration, then the last pushes are stored",
        );
        let _ = tx.send(());
        if let Ok(done) = task.await {
            fleet_report = Some(done);
        }
        // Their last pushes: a device sends what it gathered at its next interval.
        let last = interval
            .unwrap_or(Duration::from_secs(5))
            .min(Duration::from_secs(5));
        tokio::time::sleep(last + Duration::from_secs(1)).await;
    }
    let summary = running
        .shutdown()
        .await
        .map_err(|e| CliError::NotDone(e.to_string()))?;
    if let Some(metrics) = metrics {
        metrics.abort();
    }
    report(&out, &summary, fleet_report.as_ref());
    match stopped {
        Some(Stop::Interrupt) => Err(CliError::Interrupted),
        _ => Ok(()),
    }
}

/// The URL devices push to, on stderr (also with --json: it is how they learn it).
fn announce(running: &Running, https: bool, generated: bool, store: &str, by_hand: bool) {
    let shown = shown_push_url(running.local_addr(), https, generated, |base| {
        running.url(base)
    });
    eprintln!("collecting into {store}: devices POST to {shown}");
    if generated {
        eprintln!("(a random token was generated; pass --token to keep the URL across restarts)");
    }
    if by_hand {
        eprintln!(
            "(point a device at it: orb config patch ORB_ID datasets.push=url={shown} datasets.push=responsiveness_1s)"
        );
    }
}

/// Until the duration passes, Ctrl-C or SIGTERM (which one, for a signal), with a status line on
/// stderr: in place on a terminal, a line every 10 s otherwise.
async fn wait(
    out: &Output,
    running: &Running,
    fleet: Option<&FleetStatus>,
    stop_after: Option<Duration>,
) -> Option<Stop> {
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
                let devices = fleet.map(|f| {
                    let f = f.lock().map(|f| f.clone()).unwrap_or_default();
                    let n = |state: &str| f.values().filter(|d| d.state.as_str() == state).count();
                    format!(
                        "devices pushing {} offline {} failed {}  ",
                        n("pushing"),
                        n("offline"),
                        n("failed")
                    )
                }).unwrap_or_default();
                let line = format!(
                    "{:>6.0}s  {devices}{rate:>8.0} records/s  stored {}  duplicates dropped {}  refused 503: {}  failed commits {}",
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

fn report(out: &Output, summary: &Summary, fleet: Option<&(Calls, FleetStatus)>) {
    let s = &summary.ingest;
    let devices: Vec<DeviceStatus> = fleet
        .and_then(|(_, status)| status.lock().ok().map(|s| s.values().cloned().collect()))
        .unwrap_or_default();
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
            "configuration_calls": fleet.map(|(c, _)| c.ok),
            "failed_calls": fleet.map(|(c, _)| c.failed),
            "devices": devices.iter().map(|d| serde_json::json!({
                "orb_id": d.orb_id,
                "organization": d.organization,
                "name": d.name,
                "state": d.state.as_str(),
                "why": match &d.state { DeviceState::Failed(why) => Some(why.as_str()), _ => None },
                "configured": d.configured,
            })).collect::<Vec<_>>(),
        }));
        return;
    }
    if let Some((calls, _)) = fleet {
        let n = |state: &str| devices.iter().filter(|d| d.state.as_str() == state).count();
        eprintln_human(&format!(
            "devices: {} configured and stopped, {} offline, {} failed; {} configuration calls ({} failed)",
            n("stopped"),
            n("offline"),
            n("failed"),
            calls.ok + calls.failed,
            calls.failed
        ));
        for d in &devices {
            if let DeviceState::Failed(why) = &d.state {
                eprintln_human(&format!("  {} ({}): {why}", d.orb_id, d.name));
            }
        }
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
