//! The commands, one file each (as the oxide CLI lays them out), and the dispatch.

mod config;
mod demo;
mod device;
mod devices;
mod listen;
mod orgs;
mod speedtest;
mod stream;

use clap::Subcommand;

use crate::context::{Context, Global};
use crate::error::CliError;
use crate::output::Output;

#[derive(Debug, Subcommand)]
pub(crate) enum Command {
    /// List the organizations the key can see.
    Orgs,
    /// List an organization's devices with their Orb Scores.
    Devices(devices::DevicesArgs),
    /// One device: status, place, network and its Orb Score with components.
    Device(device::DeviceArgs),
    /// Read, change or reset a device's configuration.
    #[command(subcommand)]
    Config(config::ConfigCommand),
    /// Start a speed test on a device.
    Speedtest(speedtest::SpeedtestArgs),
    /// Stream a device's datasets live: configures it to push to a receiver started here.
    Stream(stream::StreamArgs),
    /// Run only a push receiver and print what devices send to it.
    Listen(listen::ListenArgs),
    /// A 30-second tour: organizations, devices and scores, a speed test and live records
    /// (on the sandbox unless a key is set).
    Demo(demo::DemoArgs),
}

pub(crate) async fn run(global: Global, command: Command) -> Result<(), CliError> {
    // Argument checks that need no connection come first, so a typo costs nothing.
    match &command {
        Command::Stream(args) => stream::check(args)?,
        Command::Listen(args) => listen::check(args)?,
        Command::Speedtest(args) => speedtest::check(args)?,
        Command::Config(c) => config::check(c)?,
        _ => {}
    }
    if let Command::Listen(args) = command {
        return listen::run(Output::new(global.json), args).await;
    }
    let no_key = global
        .api_key
        .as_deref()
        .is_none_or(|k| k.trim().is_empty());
    let sandbox = global.sandbox || (matches!(command, Command::Demo(_)) && no_key);
    let ctx = Context::new(&global, sandbox).await?;
    let result = match command {
        Command::Orgs => orgs::run(&ctx).await,
        Command::Devices(args) => devices::run(&ctx, args).await,
        Command::Device(args) => device::run(&ctx, args).await,
        Command::Config(c) => config::run(&ctx, c).await,
        Command::Speedtest(args) => speedtest::run(&ctx, args).await,
        Command::Stream(args) => stream::run(&ctx, args).await,
        Command::Demo(args) => demo::run(&ctx, args).await,
        Command::Listen(_) => unreachable!("handled above"),
    };
    if let Some(sandbox) = ctx.sandbox {
        let _ = sandbox.shutdown().await;
    }
    result
}
