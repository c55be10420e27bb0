//! `orb speedtest`: start a speed test on a device.

use std::net::SocketAddr;
use std::time::Duration;

use clap::{Args, ValueEnum};
use futures_util::StreamExt;
use orb_cloud::datasets::{Record, SpeedRecord};
use orb_cloud::push::{LiveOptions, LiveStream, PushEvent};
use orb_cloud::{DatasetDuration, SpeedTest, SpeedTestStatus};
use serde_json::json;

use crate::args::parse_duration;
use crate::context::Context;
use crate::error::CliError;
use crate::output::{now_ms, shown};

#[derive(Debug, Args)]
pub(crate) struct SpeedtestArgs {
    /// The device's Orb id.
    orb_id: String,
    /// What to measure.
    #[arg(long, value_enum, default_value_t = Kind::Content)]
    kind: Kind,
    /// Wait for the result and print it: the device pushes its speed_results record to a
    /// receiver started here (Orb's API has no call that returns a result), so this needs
    /// --public-url (or --sandbox).
    #[arg(long)]
    wait: bool,
    /// How long to wait for the result (with --wait).
    #[arg(long, default_value = "3m", value_name = "DURATION")]
    wait_for: String,
    /// How the device reaches this machine, for --wait (e.g. http://203.0.113.7:7081).
    #[arg(long)]
    public_url: Option<String>,
    /// Where the receiver binds, for --wait (default: all interfaces on the public URL's port).
    #[arg(long)]
    listen: Option<SocketAddr>,
}

/// The kinds of speed test Orb runs.
#[derive(Debug, Clone, Copy, ValueEnum)]
enum Kind {
    /// What a typical download gets.
    Content,
    /// The most the link can do.
    #[value(alias = "peak")]
    Top,
}

impl From<Kind> for SpeedTest {
    fn from(kind: Kind) -> Self {
        match kind {
            Kind::Content => SpeedTest::Content,
            Kind::Top => SpeedTest::Top,
        }
    }
}

pub(crate) async fn run(ctx: &Context, args: SpeedtestArgs) -> Result<(), CliError> {
    if args.wait {
        return run_and_wait(ctx, &args).await;
    }
    let kind = SpeedTest::from(args.kind);
    let started = {
        let _spinner = ctx.out.spinner("starting the speed test");
        ctx.client.device(&args.orb_id).speed_test(kind).await?
    };
    if ctx.out.json {
        ctx.out
            .json_line(&json!({"orb_id": args.orb_id, "kind": kind.as_str(), "answer": started}));
    }
    match started.status() {
        SpeedTestStatus::Started { test } => {
            ctx.out.say(&format!(
                "{} speed test started on {} (test {}); its result arrives in the speed_results dataset",
                kind.as_str(),
                shown(&args.orb_id),
                shown(test)
            ));
            Ok(())
        }
        SpeedTestStatus::AlreadyRunning {
            kind: running,
            test,
        } => Err(CliError::NotDone(format!(
            "no speed test started: a {} test is already running on {}{}; try again when it ends",
            shown(running.unwrap_or("speed")),
            shown(&args.orb_id),
            test.map(|t| format!(" (test {})", shown(t)))
                .unwrap_or_default()
        ))),
        _ => Err(CliError::NotDone(format!(
            "Orb's answer names no test started on {}: {}",
            shown(&args.orb_id),
            shown(&serde_json::Value::Object(started.raw.clone()).to_string())
        ))),
    }
}

/// The checks that need no connection, so a typo costs nothing.
pub(crate) fn check(args: &SpeedtestArgs) -> Result<(), CliError> {
    parse_duration("--wait-for", &args.wait_for)?;
    if !args.wait && (args.public_url.is_some() || args.listen.is_some()) {
        return Err(CliError::Usage(
            "--public-url and --listen are for --wait".into(),
        ));
    }
    Ok(())
}

/// `--wait`: a receiver for the device's speed_results, the test, then its result. Orb's
/// records carry no test id, so the result is the first speed_results record the device sends
/// after the test was started.
async fn run_and_wait(ctx: &Context, args: &SpeedtestArgs) -> Result<(), CliError> {
    let wait_for = parse_duration("--wait-for", &args.wait_for)?;
    let (public_url, listen) = match (&args.public_url, ctx.on_sandbox()) {
        (Some(url), _) => (url.clone(), args.listen),
        (None, true) => (
            "http://127.0.0.1:0".to_owned(),
            Some(args.listen.unwrap_or_else(|| SocketAddr::from(([127, 0, 0, 1], 0)))),
        ),
        (None, false) => {
            return Err(CliError::Usage(
                "--wait needs --public-url http://<address the device can reach>:7081: the result comes as a record the device pushes".into(),
            ))
        }
    };
    let mut options = LiveOptions::new(public_url, ["speed_results"])
        .interval(Duration::from_secs(1))
        .stop_after(wait_for)
        .window(DatasetDuration::new(
            wait_for.min(Duration::from_secs(600)),
        )?)
        .drain_grace(Duration::from_millis(500));
    if let Some(listen) = listen {
        options = options.listen(listen);
    }
    let device = ctx.client.device(&args.orb_id);
    let mut live = device.stream(options).await?;
    let kind = SpeedTest::from(args.kind);
    let asked_at = now_ms();
    let started = device.speed_test(kind).await?;
    let test = match started.status() {
        SpeedTestStatus::Started { test } => test.to_owned(),
        SpeedTestStatus::AlreadyRunning { kind: running, .. } => {
            live.stop();
            return Err(CliError::NotDone(format!(
                "no speed test started: a {} test is already running on {}",
                shown(running.unwrap_or("speed")),
                shown(&args.orb_id)
            )));
        }
        _ => {
            live.stop();
            return Err(CliError::NotDone(format!(
                "Orb's answer names no test started on {}",
                shown(&args.orb_id)
            )));
        }
    };
    let result = {
        let _spinner = ctx
            .out
            .spinner(&format!("waiting for the result of speed test {test}"));
        wait_for_result(&mut live, asked_at).await
    };
    live.stop();
    let Some(speed) = result else {
        return Err(CliError::NotDone(format!(
            "speed test {} started on {}, but no result arrived within {} (check that the device can reach the public URL)",
            shown(&test),
            shown(&args.orb_id),
            args.wait_for
        )));
    };
    if ctx.out.json {
        ctx.out.json_line(&json!({"orb_id": args.orb_id, "kind": kind.as_str(), "test_uuid": test, "result": speed}));
    } else {
        ctx.out.say(&format!(
            "{} speed test {} on {}: download {:.1} Mbps, upload {:.1} Mbps{}",
            kind.as_str(),
            shown(&test),
            shown(&args.orb_id),
            speed.download_kbps.unwrap_or_default() as f64 / 1000.0,
            speed.upload_kbps.unwrap_or_default() as f64 / 1000.0,
            speed
                .speed_test_server
                .as_deref()
                .map(|s| format!(" (server {})", shown(s)))
                .unwrap_or_default()
        ));
    }
    Ok(())
}

/// The first speed result stamped at or after `asked_at` (less a little clock skew), or
/// `None` when the stream ends first.
async fn wait_for_result(live: &mut LiveStream, asked_at: i64) -> Option<SpeedRecord> {
    const SKEW_MS: i64 = 5_000;
    while let Some(item) = live.next().await {
        if let Ok(PushEvent::Record(Record::Speed(speed))) = item {
            if speed.timestamp.unwrap_or(i64::MAX) >= asked_at - SKEW_MS {
                return Some(speed);
            }
        }
    }
    None
}
