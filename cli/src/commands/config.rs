//! `orb config get|patch|reset`: a device's configuration.

use std::collections::BTreeMap;

use clap::Subcommand;
use orb_cloud::DeviceConfig;
use serde_json::json;

use crate::config_keys;
use crate::context::Context;
use crate::error::CliError;
use crate::output::{shown, Output, Table};

use super::device::DeviceArgs;

#[derive(Debug, Subcommand)]
pub(crate) enum ConfigCommand {
    /// Show a device's configuration.
    #[command(after_help = "Examples:\n  orb config get ORB_ID\n  orb config get ORB_ID --json")]
    Get(DeviceArgs),
    /// Change keys of a device's configuration: KEY=VALUE, repeated for several values of a key
    /// (e.g. datasets.push=scores_1m datasets.push=format=json). Keys and values are checked
    /// against the ones Orb documents (`orb config keys`) before anything is sent.
    #[command(after_help = "Examples:\n  \
        orb config patch ORB_ID datasets.cloud_push=scores_1m datasets.cloud_push=responsiveness_1s\n  \
        orb config patch ORB_ID orb.identifiable_level=minimal --dry-run\n  \
        orb config patch ORB_ID --remove datasets.push")]
    Patch {
        #[command(flatten)]
        device: DeviceArgs,
        /// KEY=VALUE pairs.
        #[arg(value_name = "KEY=VALUE", required_unless_present = "remove")]
        values: Vec<String>,
        /// Clear a key: it is sent as an empty list, the only way Orb's PATCH offers (whether Orb
        /// then drops the key or keeps it empty is not documented). Repeatable.
        #[arg(long, value_name = "KEY")]
        remove: Vec<String>,
        /// Show the patch that would be sent, and send nothing.
        #[arg(long)]
        dry_run: bool,
        /// Send keys, options and dataset names this version does not know (newer ones).
        #[arg(long)]
        force: bool,
    },
    /// The configuration keys Orb documents and what their values may be.
    #[command(after_help = "Examples:\n  orb config keys\n  orb config keys --json")]
    Keys,
    /// Remove the device's configuration override.
    #[command(
        after_help = "Examples:\n  orb config reset ORB_ID\n  orb config reset ORB_ID --fallback CONFIGURATION_ID"
    )]
    Reset {
        #[command(flatten)]
        device: DeviceArgs,
        /// Use this organization configuration instead.
        #[arg(long, value_name = "CONFIGURATION_ID")]
        fallback: Option<String>,
    },
}

/// `KEY=VALUE` pairs and keys to clear into a checked configuration patch (values of the same
/// key accumulate).
pub(crate) fn checked_patch(
    values: &[String],
    remove: &[String],
    force: bool,
) -> Result<DeviceConfig, CliError> {
    let mut patch = config_patch(values)?;
    for (key, values) in patch.iter() {
        config_keys::check(key, values, force)?;
    }
    for key in remove {
        if patch.get(key).is_some() {
            return Err(CliError::Usage(format!(
                "{key} is both set and removed; choose one"
            )));
        }
        if !force && !config_keys::KEYS.iter().any(|k| k.name == key) {
            config_keys::check(key, &[], false)?;
        }
        patch.set(key.clone(), Vec::<String>::new());
    }
    Ok(patch)
}

/// `KEY=VALUE` pairs into a configuration patch (values of the same key accumulate).
fn config_patch(values: &[String]) -> Result<DeviceConfig, CliError> {
    let mut grouped: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for pair in values {
        let Some((key, value)) = pair.split_once('=') else {
            return Err(CliError::Usage(format!(
                "{pair:?} is not KEY=VALUE (e.g. datasets.push=scores_1m)"
            )));
        };
        if key.trim().is_empty() {
            return Err(CliError::Usage(format!("{pair:?} has no key")));
        }
        grouped
            .entry(key.trim().to_owned())
            .or_default()
            .push(value.to_owned());
    }
    let mut config = DeviceConfig::default();
    for (key, values) in grouped {
        config.set(key, values);
    }
    Ok(config)
}

fn print_config(out: &Output, orb_id: &str, config: &DeviceConfig) {
    if out.json {
        out.json_line(&json!({"orb_id": orb_id, "config": config}));
        return;
    }
    if config.is_empty() {
        out.say("(no configuration keys)");
        return;
    }
    let mut table = Table::new(&["KEY", "VALUES"]);
    for (key, values) in config.iter() {
        table.row(vec![shown(key), shown(&values.join(", "))]);
    }
    table.print(out);
}

pub(crate) async fn run(ctx: &Context, command: ConfigCommand) -> Result<(), CliError> {
    match command {
        ConfigCommand::Get(args) => {
            let (org, _) = ctx.org_of(&args.orb_id, args.org.as_deref()).await?;
            let config = ctx
                .client
                .organization(&org)
                .device(&args.orb_id)
                .config()
                .get()
                .await?;
            print_config(&ctx.out, &args.orb_id, &config);
        }
        ConfigCommand::Keys => print_keys(&ctx.out),
        ConfigCommand::Patch {
            device,
            values,
            remove,
            dry_run,
            force,
        } => {
            let patch = checked_patch(&values, &remove, force)?;
            if dry_run {
                if ctx.out.json {
                    ctx.out.json_line(
                        &json!({"orb_id": device.orb_id, "patch": patch, "sent": false}),
                    );
                } else {
                    ctx.out.say(&format!(
                        "would patch {} key(s) of {} (nothing sent):",
                        patch.iter().count(),
                        shown(&device.orb_id)
                    ));
                    print_config(&ctx.out, &device.orb_id, &patch);
                }
                return Ok(());
            }
            let (org, _) = ctx.org_of(&device.orb_id, device.org.as_deref()).await?;
            let org = ctx.client.organization(&org);
            let handle = org.device(&device.orb_id);
            handle.config().patch(&patch).await?;
            let now = handle.config().get().await?;
            ctx.out.say(&format!(
                "patched {} key(s) of {}; the configuration is now:",
                patch.iter().count(),
                device.orb_id
            ));
            print_config(&ctx.out, &device.orb_id, &now);
        }
        ConfigCommand::Reset { device, fallback } => {
            let (org, _) = ctx.org_of(&device.orb_id, device.org.as_deref()).await?;
            let org = ctx.client.organization(&org);
            let handle = org.device(&device.orb_id);
            handle.config().reset(fallback.as_deref()).await?;
            let now = handle.config().get().await?;
            ctx.out.say(&format!(
                "reset {}; the configuration is now:",
                device.orb_id
            ));
            print_config(&ctx.out, &device.orb_id, &now);
        }
    }
    Ok(())
}

pub(crate) fn print_keys(out: &Output) {
    if out.json {
        let keys: Vec<_> = config_keys::KEYS
            .iter()
            .map(|k| json!({"key": k.name, "values": config_keys::shape_text(k.shape), "about": k.about}))
            .collect();
        out.json_lines(&keys);
        return;
    }
    let mut table = Table::new(&["KEY", "VALUES", "WHAT"]);
    for k in config_keys::KEYS {
        table.row(vec![
            k.name.to_owned(),
            config_keys::shape_text(k.shape),
            k.about.to_owned(),
        ]);
    }
    table.print(out);
}

/// The checks that need no connection, so a typo costs nothing.
pub(crate) fn check(command: &ConfigCommand) -> Result<(), CliError> {
    if let ConfigCommand::Patch {
        values,
        remove,
        force,
        ..
    } = command
    {
        checked_patch(values, remove, *force)?;
    }
    Ok(())
}
