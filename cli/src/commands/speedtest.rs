//! `orb speedtest`: start a speed test on a device.

use clap::Args;
use orb_cloud::{SpeedTest, SpeedTestStatus};
use serde_json::json;

use crate::context::Context;
use crate::error::CliError;
use crate::output::shown;

#[derive(Debug, Args)]
pub(crate) struct SpeedtestArgs {
    /// The device's Orb id.
    orb_id: String,
    /// `content` (what a typical download gets) or `top` (the most the link can do).
    #[arg(long, default_value = "content")]
    kind: String,
}

pub(crate) async fn run(ctx: &Context, args: SpeedtestArgs) -> Result<(), CliError> {
    let kind: SpeedTest = args.kind.parse()?;
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
    args.kind.parse::<SpeedTest>()?;
    Ok(())
}
