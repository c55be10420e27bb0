//! `orb demo`: a tour of everything, on the sandbox unless a key is set.

use std::time::{Duration, Instant};

use clap::Args;
use futures_util::StreamExt;
use orb_cloud::push::LiveOptions;
use orb_cloud::{DatasetDuration, SpeedTest};
use serde_json::json;

use crate::context::Context;
use crate::error::CliError;
use crate::output::{eprintln_human, now_ms, shown, Style, Table};
use crate::tally::Tally;

use super::devices::device_table;

#[derive(Debug, Args)]
pub(crate) struct DemoArgs {
    /// With a real key: how devices reach this machine, to include the live part.
    #[arg(long)]
    public_url: Option<String>,
}

pub(crate) async fn run(ctx: &Context, args: DemoArgs) -> Result<(), CliError> {
    let out = &ctx.out;
    let started = Instant::now();
    if ctx.on_sandbox() {
        out.say(&out.paint(
            "orb demo on the sandbox: a local Orb Cloud with a simulated fleet (no key, no network)",
            Style::Dim,
        ));
    }
    out.heading("\n1. Organizations");
    let orgs = ctx.organizations().await?;
    if out.json {
        for org in &orgs {
            out.json_line(&json!({"step": "organization", "organization": org}));
        }
    } else {
        let mut table = Table::new(&["ORGANIZATION ID", "NAME"]);
        for org in &orgs {
            table.row(vec![
                shown(org.organization_id.as_deref().unwrap_or_default()),
                shown(org.name.as_deref().unwrap_or_default()),
            ]);
        }
        table.print(out);
    }
    let org = orgs
        .first()
        .and_then(|o| o.organization_id.clone())
        .ok_or_else(|| CliError::Usage("the key sees no organization".into()))?;

    out.heading("\n2. Devices and their Orb Scores");
    let mut devices = {
        let _spinner = out.spinner("listing devices");
        let devices = ctx.devices(&org).await?;
        devices.into_iter().map(|d| d.value).collect::<Vec<_>>()
    };
    devices.sort_by_key(|d| std::cmp::Reverse(d.orb_score().and_then(|s| s.display).unwrap_or(-1)));
    if out.json {
        for d in &devices {
            out.json_line(&json!({"step": "device", "device": d}));
        }
    } else {
        device_table(out, &devices);
    }
    let Some(device) = devices
        .iter()
        .find(|d| d.is_connected())
        .or(devices.first())
        .cloned()
    else {
        out.say("no devices in this organization: nothing more to show");
        return Ok(());
    };

    let public_url = match (&args.public_url, ctx.on_sandbox()) {
        (_, true) => "http://127.0.0.1:0".to_owned(),
        (Some(url), false) => url.clone(),
        (None, false) => {
            out.say("\nThe live part needs a URL your devices can reach: run `orb demo --public-url http://<address>:7081`, or `orb demo --sandbox`.");
            return Ok(());
        }
    };
    out.heading(&format!(
        "\n3. Live records from {} ({}), a speed test on the way",
        shown(&device.name),
        shown(&device.orb_id)
    ));
    let window = Duration::from_secs(8);
    let mut options = LiveOptions::new(
        public_url,
        ["responsiveness_1s", "scores_1s", "speed_results"],
    )
    .interval(Duration::from_millis(500))
    .stop_after(window)
    .window(DatasetDuration::new(Duration::from_secs(60))?)
    .drain_grace(Duration::from_millis(700));
    if ctx.on_sandbox() {
        options = options.listen("127.0.0.1:0".parse().expect("address"));
    }
    let mut live = ctx.client.device(&device.orb_id).stream(options).await?;
    let test = ctx
        .client
        .device(&device.orb_id)
        .speed_test(SpeedTest::Content)
        .await?;
    if out.json {
        out.json_line(&json!({"step": "speed_test", "orb_id": device.orb_id, "answer": test}));
    } else {
        out.say(&out.paint(
            &format!(
                "   speed test {} started; records for {}s:",
                shown(test.test_uuid.as_deref().unwrap_or("(no id)")),
                window.as_secs()
            ),
            Style::Dim,
        ));
    }
    let mut tally = Tally::default();
    while let Some(item) = live.next().await {
        match item {
            Ok(event) => tally.event(out, event),
            Err(e) => eprintln_human(&format!("warning: {e}")),
        }
    }
    let stats = live.stats();

    out.heading("\n4. Summary");
    let lag = if tally.lag_us.is_empty() {
        "-".to_owned()
    } else {
        format!(
            "{:.1} ms",
            tally.lag_us.iter().sum::<f64>() / tally.lag_us.len() as f64 / 1000.0
        )
    };
    let speed = match tally.speed {
        Some((down, up)) => format!(
            "{:.1} Mbps down, {:.1} Mbps up",
            down.unwrap_or_default() as f64 / 1000.0,
            up.unwrap_or_default() as f64 / 1000.0
        ),
        None => "no result yet".into(),
    };
    if out.json {
        out.json_line(&json!({
            "step": "summary",
            "organizations": orgs.len(),
            "devices": devices.len(),
            "online": devices.iter().filter(|d| d.is_connected()).count(),
            "records": tally.records,
            "by_dataset": tally.by_dataset,
            "accepted_by_receiver": stats.accepted_records,
            "rejected": tally.rejected,
            "average_lag_ms": tally.lag_us.iter().sum::<f64>() / (tally.lag_us.len().max(1) as f64) / 1000.0,
            "elapsed_ms": started.elapsed().as_millis() as u64,
        }));
    } else {
        let mut table = Table::new(&["", ""]);
        table.row(vec!["organizations".into(), orgs.len().to_string()]);
        table.row(vec![
            "devices".into(),
            format!(
                "{} ({} online)",
                devices.len(),
                devices.iter().filter(|d| d.is_connected()).count()
            ),
        ]);
        table.row(vec!["live records".into(), tally.summary()]);
        table.row(vec![
            "delivered".into(),
            format!(
                "{} of {} accepted by the receiver, none lost",
                tally.records, stats.accepted_records
            ),
        ]);
        table.row(vec!["average lag".into(), lag]);
        table.row(vec!["speed test".into(), speed]);
        table.row(vec![
            "took".into(),
            format!(
                "{:.1}s (at {} UTC)",
                started.elapsed().as_secs_f64(),
                crate::output::clock(Some(now_ms()))
            ),
        ]);
        table.print(out);
        out.say("\nNext: `orb devices`, `orb device ORB_ID`, `orb stream ORB_ID --datasets responsiveness_1s --public-url ...` (add --sandbox to keep playing locally).");
    }
    Ok(())
}
