//! `orb device`: one device, its status, place, network and Orb Score.

use clap::Args;
use orb_cloud::OrbScore;

use crate::context::Context;
use crate::error::CliError;
use crate::output::{shown, Output, Style, Table};

use super::devices::{place, status};

#[derive(Debug, Args)]
pub(crate) struct DeviceArgs {
    /// The device's Orb id.
    pub(crate) orb_id: String,
    /// Organization id or name (default: searched).
    #[arg(long)]
    pub(crate) org: Option<String>,
}

fn score_lines(out: &Output, name: &str, score: &OrbScore, depth: usize, lines: &mut Vec<String>) {
    let value = match score.value {
        Some(v) if name.ends_with("_kbps") => format!("  ({:.1} Mbps)", v / 1000.0),
        Some(v) if name.ends_with("_us") => format!("  ({:.1} ms)", v / 1000.0),
        Some(v) if name.ends_with("_pct") => format!("  ({v:.2}%)"),
        Some(v) => format!("  ({v})"),
        None => String::new(),
    };
    let excluded = if score.included == Some(false) {
        out.paint("  (not included)", Style::Dim)
    } else {
        String::new()
    };
    lines.push(format!(
        "{}{:<width$} {:>3}{value}{excluded}",
        "  ".repeat(depth),
        name,
        out.score(score.display),
        width = 34usize.saturating_sub(2 * depth)
    ));
    for (child, c) in &score.components {
        score_lines(out, child, c, depth + 1, lines);
    }
}

pub(crate) async fn run(ctx: &Context, args: DeviceArgs) -> Result<(), CliError> {
    let (org, device) = ctx.org_of(&args.orb_id, args.org.as_deref()).await?;
    // The same shape as each line of `orb devices --json` (Orb's object as Orb sent it): one
    // shape per kind of object.
    if ctx.out.json {
        ctx.out.json_texts([device.json.as_str()]);
        return Ok(());
    }
    let device = device.value;
    let out = &ctx.out;
    out.heading(&format!(
        "{} ({})",
        shown(&device.name),
        shown(&device.orb_id)
    ));
    let tags = device.summary.as_ref().and_then(|s| s.tags.as_ref());
    let mut facts = Table::new(&["", ""]);
    facts.row(vec![out.paint("status", Style::Dim), status(out, &device)]);
    let mut fact = |k: &str, v: String| {
        if !v.is_empty() {
            facts.row(vec![out.paint(k, Style::Dim), shown(&v)]);
        }
    };
    fact("organization", org);
    fact(
        // The summary's format version, not the Orb's software version (Orb sends none).
        "summary format",
        device
            .summary
            .as_ref()
            .and_then(|s| s.version.clone())
            .unwrap_or_default(),
    );
    fact(
        "isp",
        device
            .geoip()
            .and_then(|g| g.isp_name.clone())
            .unwrap_or_default(),
    );
    fact("location", place(&device));
    if let Some(nic) = tags.and_then(|t| t.network_interface.as_ref()) {
        fact(
            "network",
            [
                nic.name.as_deref(),
                nic.kind.as_deref(),
                nic.local_ip.as_deref(),
            ]
            .into_iter()
            .flatten()
            .collect::<Vec<_>>()
            .join("  "),
        );
    }
    if let Some(info) = tags.and_then(|t| t.device_info.as_ref()) {
        fact(
            "host",
            [info.full_name.as_deref(), info.operating_system.as_deref()]
                .into_iter()
                .flatten()
                .collect::<Vec<_>>()
                .join("  "),
        );
    }
    facts.print(out);
    match device.orb_score() {
        Some(score) => {
            out.say("");
            let mut lines = Vec::new();
            score_lines(out, "Orb Score", score, 0, &mut lines);
            for line in lines {
                out.say(&line);
            }
        }
        None => out.say("no Orb Score yet"),
    }
    Ok(())
}
