//! `orb config get|patch|reset`: a device's configuration.

use std::collections::BTreeMap;

use clap::Subcommand;
use orb_cloud::DeviceConfig;
use serde_json::json;

use crate::context::Context;
use crate::error::CliError;
use crate::output::{shown, Output, Table};

use super::device::DeviceArgs;

#[derive(Debug, Subcommand)]
pub(crate) enum ConfigCommand {
    /// Show a device's configuration.
    Get(DeviceArgs),
    /// Change keys of a device's configuration: KEY=VALUE, repeated for several values of a key
    /// (e.g. datasets.push=scores_1m datasets.push=format=json).
    Patch {
        #[command(flatten)]
        device: DeviceArgs,
        /// KEY=VALUE pairs.
        #[arg(required = true, value_name = "KEY=VALUE")]
        values: Vec<String>,
    },
    /// Remove the device's configuration override.
    Reset {
        #[command(flatten)]
        device: DeviceArgs,
        /// Use this organization configuration instead.
        #[arg(long, value_name = "CONFIGURATION_ID")]
        fallback: Option<String>,
    },
}

/// `KEY=VALUE` pairs into a configuration patch (values of the same key accumulate).
pub(crate) fn config_patch(values: &[String]) -> Result<DeviceConfig, CliError> {
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
        ConfigCommand::Patch { device, values } => {
            let patch = config_patch(&values)?;
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

/// The checks that need no connection, so a typo costs nothing.
pub(crate) fn check(command: &ConfigCommand) -> Result<(), CliError> {
    if let ConfigCommand::Patch { values, .. } = command {
        config_patch(values)?;
    }
    Ok(())
}
