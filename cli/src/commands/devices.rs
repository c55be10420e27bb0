//! `orb devices`: an organization's devices with their Orb Scores.

use clap::{Args, ValueEnum};
use orb_cloud::{Device, OrbScore, WithJson};

use serde_json::json;

use crate::columns::{self, Column};
use crate::context::Context;
use crate::error::CliError;
use crate::output::{shown, Format, Output, Style};

#[derive(Debug, Args)]
pub(crate) struct DevicesArgs {
    /// Organization id or name (default: the only one the key sees).
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
pub(crate) enum SortBy {
    /// Best Orb Score first.
    Score,
    /// By name.
    Name,
}

fn component(score: Option<&OrbScore>, name: &str) -> Option<i64> {
    score
        .and_then(|s| s.component(name))
        .and_then(|c| c.display)
}

/// City and country, as data.
fn place_text(device: &Device) -> String {
    device
        .geoip()
        .map(|g| {
            [g.city.as_deref(), g.country_code.as_deref()]
                .into_iter()
                .flatten()
                .collect::<Vec<_>>()
                .join(", ")
        })
        .unwrap_or_default()
}

/// City and country, for people.
pub(crate) fn place(device: &Device) -> String {
    shown(&place_text(device))
}

pub(crate) fn status(out: &Output, device: &Device) -> String {
    if device.is_connected() {
        out.paint("online", Style::Good)
    } else {
        out.paint("offline", Style::Dim)
    }
}

/// The columns of a device listing, in every format.
pub(crate) const COLUMNS: &[Column<Device>] = &[
    Column {
        name: "orb_id",
        header: "ORB ID",
        right: false,
        value: |d| json!(d.orb_id),
        cell: None,
    },
    Column {
        name: "name",
        header: "NAME",
        right: false,
        value: |d| json!(d.name),
        cell: None,
    },
    Column {
        name: "status",
        header: "STATUS",
        right: false,
        value: |d| {
            json!(if d.is_connected() {
                "online"
            } else {
                "offline"
            })
        },
        cell: Some(status),
    },
    Column {
        name: "score",
        header: "SCORE",
        right: true,
        value: |d| json!(d.orb_score().and_then(|s| s.display)),
        cell: Some(|out, d| out.score(d.orb_score().and_then(|s| s.display))),
    },
    Column {
        name: "responsiveness",
        header: "RESPONSIVE",
        right: true,
        value: |d| json!(component(d.orb_score(), "responsiveness_score")),
        cell: Some(|out, d| out.score(component(d.orb_score(), "responsiveness_score"))),
    },
    Column {
        name: "reliability",
        header: "RELIABLE",
        right: true,
        value: |d| json!(component(d.orb_score(), "reliability_score")),
        cell: Some(|out, d| out.score(component(d.orb_score(), "reliability_score"))),
    },
    Column {
        name: "speed",
        header: "SPEED",
        right: true,
        value: |d| json!(component(d.orb_score(), "bandwidth_score")),
        cell: Some(|out, d| out.score(component(d.orb_score(), "bandwidth_score"))),
    },
    Column {
        name: "isp",
        header: "ISP",
        right: false,
        value: |d| json!(d.geoip().and_then(|g| g.isp_name.as_deref())),
        cell: None,
    },
    Column {
        name: "location",
        header: "LOCATION",
        right: false,
        value: |d| json!(place_text(d)),
        cell: None,
    },
];

/// The device listing as a table (the demo's).
pub(crate) fn device_table(out: &Output, devices: &[Device]) {
    let people = Output {
        format: Format::Table,
        ..*out
    };
    // Every column exists and no field is chosen: nothing can fail.
    let _ = columns::print(&people, devices, COLUMNS, None);
}

pub(crate) async fn run(ctx: &Context, args: DevicesArgs) -> Result<(), CliError> {
    let org = ctx.org_id(args.org.as_deref()).await?;
    let devices = {
        let _spinner = ctx.out.spinner("listing devices");
        ctx.devices(&org).await?
    };
    // Sorted as references: moving the devices themselves (hundreds of bytes each) was most of
    // the sort's time on 10,000.
    let mut order: Vec<&WithJson<Device>> = devices
        .iter()
        .filter(|d| !args.connected || d.value.is_connected())
        .collect();
    match args.sort {
        SortBy::Score => {
            let score = |d: &Device| d.orb_score().and_then(|s| s.display).unwrap_or(-1);
            order.sort_by(|a, b| {
                let (a, b) = (&a.value, &b.value);
                score(b).cmp(&score(a)).then_with(|| a.name.cmp(&b.name))
            });
        }
        SortBy::Name => order.sort_by(|a, b| {
            let (a, b) = (&a.value, &b.value);
            a.name.cmp(&b.name).then(a.orb_id.cmp(&b.orb_id))
        }),
    }
    if ctx.out.format == Format::Json && ctx.fields.is_none() {
        // A device in JSON is Orb's object as Orb sent it (the same in `orb device --json`).
        ctx.out.json_texts(order.iter().map(|d| d.json.as_str()));
    } else {
        let rows: Vec<&Device> = order.iter().map(|d| &d.value).collect();
        columns::print(&ctx.out, &rows, COLUMNS, ctx.fields.as_deref())?;
        if ctx.out.format == Format::Table {
            let online = rows.iter().filter(|d| d.is_connected()).count();
            ctx.out.say(&ctx.out.paint(
                &format!("{} devices, {online} online", rows.len()),
                Style::Dim,
            ));
        }
    }
    // The process ends next: freeing 10,000 devices allocation by allocation took a sixth of
    // `orb devices --json` (orb-bench section 6), for memory the exit returns anyway.
    drop(order);
    std::mem::forget(devices);
    Ok(())
}
