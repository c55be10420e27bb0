//! `orb devices`: an organization's devices with their Orb Scores.

use clap::{Args, ValueEnum};
use orb_cloud::{Device, OrbScore};

use crate::context::Context;
use crate::error::CliError;
use crate::output::{shown, Output, Style, Table};

#[derive(Debug, Args)]
pub(crate) struct DevicesArgs {
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

pub(crate) fn place(device: &Device) -> String {
    device
        .geoip()
        .map(|g| {
            [g.city.as_deref(), g.country_code.as_deref()]
                .into_iter()
                .flatten()
                .collect::<Vec<_>>()
                .join(", ")
        })
        .map(|p| shown(&p))
        .unwrap_or_default()
}

pub(crate) fn status(out: &Output, device: &Device) -> String {
    if device.is_connected() {
        out.paint("online", Style::Good)
    } else {
        out.paint("offline", Style::Dim)
    }
}

pub(crate) fn device_table(out: &Output, devices: &[Device]) {
    let mut table = Table::new(&[
        "ORB ID",
        "NAME",
        "STATUS",
        "SCORE",
        "RESPONSIVE",
        "RELIABLE",
        "SPEED",
        "ISP",
        "LOCATION",
    ])
    .right(3)
    .right(4)
    .right(5)
    .right(6);
    for d in devices {
        let score = d.orb_score();
        table.row(vec![
            shown(&d.orb_id),
            shown(&d.name),
            status(out, d),
            out.score(score.and_then(|s| s.display)),
            out.score(component(score, "responsiveness_score")),
            out.score(component(score, "reliability_score")),
            out.score(component(score, "bandwidth_score")),
            shown(
                d.geoip()
                    .and_then(|g| g.isp_name.as_deref())
                    .unwrap_or_default(),
            ),
            place(d),
        ]);
    }
    table.print(out);
}

pub(crate) async fn run(ctx: &Context, args: DevicesArgs) -> Result<(), CliError> {
    let org = ctx.org_id(args.org.as_deref()).await?;
    let mut devices = {
        let _spinner = ctx.out.spinner("listing devices");
        ctx.devices(&org).await?
    };
    if args.connected {
        devices.retain(Device::is_connected);
    }
    match args.sort {
        SortBy::Score => {
            let score = |d: &Device| d.orb_score().and_then(|s| s.display).unwrap_or(-1);
            devices.sort_by(|a, b| score(b).cmp(&score(a)).then_with(|| a.name.cmp(&b.name)));
        }
        SortBy::Name => devices.sort_by(|a, b| a.name.cmp(&b.name).then(a.orb_id.cmp(&b.orb_id))),
    }
    if ctx.out.json {
        ctx.out.json_lines(&devices);
        return Ok(());
    }
    device_table(&ctx.out, &devices);
    let online = devices.iter().filter(|d| d.is_connected()).count();
    ctx.out.say(&ctx.out.paint(
        &format!("{} devices, {online} online", devices.len()),
        Style::Dim,
    ));
    Ok(())
}
