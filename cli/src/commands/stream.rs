//! `orb stream`: a device's datasets live, through a receiver started here.

use std::net::SocketAddr;
use std::time::{Duration, Instant};

use clap::Args;
use futures_util::StreamExt;
use orb_cloud::push::{LiveOptions, PushReceiver};
use orb_cloud::DatasetDuration;

use crate::args::{check_datasets, parse_duration, tls_config, TlsArgs};
use crate::context::Context;
use crate::error::CliError;
use crate::output::{eprintln_human, shown};
use crate::tally::Tally;

#[derive(Debug, Args)]
pub(crate) struct StreamArgs {
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
    /// Send dataset names this version does not know (newer datasets) instead of refusing them.
    #[arg(long)]
    allow_unknown_datasets: bool,
    /// On Ctrl-C, leave the device pushing until its temporary configuration ends (by default
    /// it is given a one-second configuration so that it stops).
    #[arg(long)]
    leave_pushing: bool,
}

pub(crate) async fn run(ctx: &Context, args: StreamArgs) -> Result<(), CliError> {
    let duration = parse_duration("--duration", &args.duration)?;
    let interval = parse_duration("--interval", &args.interval)?;
    let (public_url, listen) = match (&args.public_url, ctx.on_sandbox()) {
        (Some(url), _) => (url.clone(), args.listen),
        // The sandbox's devices run in this process: loopback reaches them.
        (None, true) => (
            "http://127.0.0.1:0".to_owned(),
            Some(args.listen.unwrap_or_else(|| "127.0.0.1:0".parse().expect("address"))),
        ),
        (None, false) => {
            return Err(CliError::Usage(
                "the device must reach this machine: pass --public-url http://<address devices can reach>:7081 (and --listen if the receiver binds elsewhere)".into(),
            ))
        }
    };
    let mut options = LiveOptions::new(public_url, &args.datasets)
        .interval(interval)
        .stop_after(duration)
        .window(DatasetDuration::new(
            duration.min(Duration::from_secs(600)),
        )?)
        .drain_grace(Duration::from_millis(500).max(interval.min(Duration::from_secs(5))));
    if let Some(listen) = listen {
        options = options.listen(listen);
    }
    if let Some(tls) = tls_config(&args.tls)? {
        options = options.receiver(PushReceiver::builder().tls(tls));
    }
    options = options.behind_tls_proxy(args.behind_tls_proxy);
    let live = {
        let _spinner = ctx.out.spinner("configuring the device");
        // The library's advice names its own API; here the flags say it.
        ctx.client
            .device(&args.orb_id)
            .stream(options)
            .await
            .map_err(|e| match e {
                orb_cloud::Error::PushReceiver { addr, source } => CliError::Receiver {
                    addr,
                    reason: format!("{source}; choose another address with --listen"),
                },
                other => other.into(),
            })?
    };
    if !ctx.out.json {
        eprintln!(
            "streaming {} from {} for {} (receiver on {}); Ctrl-C stops",
            args.datasets.join(", "),
            args.orb_id,
            args.duration,
            live.local_addr()
        );
    }
    let started = Instant::now();
    let mut tally = Tally::default();
    let mut live = live;
    let mut interrupted = false;
    loop {
        tokio::select! {
            item = live.next() => match item {
                Some(Ok(event)) => tally.event(&ctx.out, event),
                Some(Err(e)) => eprintln_human(&format!("warning: {e}")),
                None => break,
            },
            _ = tokio::signal::ctrl_c() => {
                if interrupted || args.leave_pushing {
                    if args.leave_pushing {
                        eprintln!("stopped; the device goes on pushing to a closed receiver until its temporary configuration ends");
                    }
                    interrupted = true;
                    break;
                }
                // Tell the device to stop, then take what it sends meanwhile; a second Ctrl-C
                // does not wait.
                interrupted = true;
                eprintln!("stopping: the device is given a one-second configuration (Ctrl-C again to quit at once)");
                live.stop();
            }
        }
    }
    if !ctx.out.json {
        eprintln!(
            "{} in {:.1}s, {} renewal(s)",
            tally.summary(),
            started.elapsed().as_secs_f64(),
            live.renewals()
        );
    }
    if interrupted {
        return Err(CliError::Interrupted);
    }
    if tally.records == 0 {
        return Err(CliError::NotDone(
            no_records_reason(ctx, &args.orb_id).await,
        ));
    }
    Ok(())
}

/// Why a stream got nothing, as far as Orb Cloud can tell.
async fn no_records_reason(ctx: &Context, orb_id: &str) -> String {
    let status = match ctx.org_of(orb_id, None).await {
        Ok((_, device)) if !device.value.is_connected() => {
            "the device is offline in Orb Cloud, so it cannot push; try again when it is online"
        }
        _ => "check that the device can reach the public URL (a firewall, NAT or the wrong address) and that its datasets are the ones asked for",
    };
    format!("no records arrived from {}: {status}", shown(orb_id))
}

/// The checks that need no connection, so a typo costs nothing.
pub(crate) fn check(args: &StreamArgs) -> Result<(), CliError> {
    check_datasets(&args.datasets, args.allow_unknown_datasets)?;
    let https = args
        .public_url
        .as_deref()
        .is_some_and(|u| u.trim().to_ascii_lowercase().starts_with("https://"));
    if https && args.tls.tls_cert.is_none() && !args.behind_tls_proxy {
        return Err(CliError::Usage(
            "--public-url is https:// but the receiver would serve plain HTTP, which the device \
             cannot talk to: give it a certificate (--tls-cert and --tls-key), or pass \
             --behind-tls-proxy when a reverse proxy in front ends TLS"
                .into(),
        ));
    }
    parse_duration("--duration", &args.duration)?;
    parse_duration("--interval", &args.interval)?;
    Ok(())
}
