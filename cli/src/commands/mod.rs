//! The commands, one file each (as the oxide CLI lays them out), and the dispatch.

mod collect;
mod config;
mod demo;
mod device;
mod devices;
mod history;
mod listen;
mod orgs;
mod speedtest;
mod stream;

use clap::Subcommand;

use crate::context::{Context, Global};
use crate::error::CliError;
use crate::output::Format;

#[derive(Debug, Subcommand)]
pub(crate) enum Command {
    /// List the organizations the key can see.
    #[command(
        after_help = "Examples:\n  orb orgs\n  orb orgs --format csv > orgs.csv\n  orb orgs --json --fields organization_id,name"
    )]
    Orgs,
    /// List an organization's devices with their Orb Scores.
    #[command(
        after_help = "Examples:\n  orb devices --connected --sort score\n  orb devices --org \"Head office\" --fields name,score,isp\n  orb devices --format csv > devices.csv\n  orb devices --json | jq -r 'select(.is_connected == 1) | .orb_id'"
    )]
    Devices(devices::DevicesArgs),
    /// One device: status, place, network and its Orb Score with components.
    #[command(
        after_help = "Examples:\n  orb device ORB_ID\n  orb device ORB_ID --json   # the same object as its line in `orb devices --json`"
    )]
    Device(device::DeviceArgs),
    /// Read, change or reset a device's configuration.
    #[command(
        subcommand,
        after_help = "Examples:\n  orb config get ORB_ID\n  orb config patch ORB_ID datasets.cloud_push=scores_1m --dry-run\n  orb config keys"
    )]
    Config(config::ConfigCommand),
    /// Start a speed test on a device (exit 1 when one is already running).
    #[command(
        after_help = "Examples:\n  orb speedtest ORB_ID\n  orb speedtest ORB_ID --kind top\n  orb speedtest ORB_ID --wait --public-url http://203.0.113.7:7081\n  orb --sandbox speedtest ORB_ID --wait"
    )]
    Speedtest(speedtest::SpeedtestArgs),
    /// Stream a device's datasets live: configures it to push to a receiver started here.
    #[command(
        after_help = "Examples:\n  orb stream ORB_ID --datasets responsiveness_1s,scores_1m --public-url http://203.0.113.7:7081\n  orb stream ORB_ID --datasets speed_results --public-url https://ingest.example.com --tls-cert fullchain.pem --tls-key privkey.pem\n  orb --sandbox stream ORB_ID --datasets responsiveness_1s --duration 30s\n\nCtrl-C gives the device a one-second configuration so it stops pushing, then exits 130."
    )]
    Stream(stream::StreamArgs),
    /// Run only a push receiver and print what devices send to it.
    #[command(
        after_help = "Examples:\n  orb listen --token \"$(openssl rand -hex 16)\"\n  orb listen --listen localhost:7081 --count 10 --json\n  orb listen --tls-cert fullchain.pem --tls-key privkey.pem"
    )]
    Listen(listen::ListenArgs),
    /// Store what devices push in a database that loses nothing (SQLite by default).
    #[command(
        after_help = "Examples:\n  orb collect --org \"Head office\" --public-url http://203.0.113.7:7081 --metrics 127.0.0.1:9464\n  orb collect --all-orgs --public-url http://203.0.113.7:7081 --datasets scores_1m,responsiveness_1m --token \"$(openssl rand -hex 16)\"\n  orb --sandbox collect --duration 30s\n  orb collect --receive-only --to sqlite:orb-data.sqlite --duration 8h --durability process-crash\n\nConnected devices get temporary datasets pushing here, renewed before they end; on Ctrl-C or SIGTERM they get a one-second configuration. A push is answered 2xx only once its records are committed; one not committed in time is answered 503 and the device sends it again; a record sent twice is stored once. Tables: one per dataset family (scores, responsiveness, web_responsiveness, speed, wifi_link), other_records, rejected_records (README: \"Storing a fleet's data\"). Ctrl-C exits 130 after the last commit, SIGTERM 0."
    )]
    Collect(collect::CollectArgs),
    /// A device's stored records of one dataset, from a store `orb collect` filled.
    #[command(
        after_help = "Examples:\n  orb history ORB_ID --dataset scores --since 24h\n  orb history ORB_ID --dataset responsiveness --fields timestamp,lag_avg_us,packet_loss_pct --format csv\n  orb history ORB_ID --dataset speed --from sqlite:/var/lib/orb/orb-data.sqlite --json"
    )]
    History(history::HistoryArgs),
    /// A 30-second tour: organizations, devices and scores, a speed test and live records
    /// (on the sandbox unless a key is set).
    #[command(
        after_help = "Examples:\n  orb demo\n  orb demo --public-url http://203.0.113.7:7081   # with ORB_CLOUD_API_KEY set"
    )]
    Demo(demo::DemoArgs),
    /// Shell completions, e.g. `orb completions bash > ~/.local/share/bash-completion/completions/orb`.
    Completions {
        /// The shell.
        #[arg(value_enum)]
        shell: clap_complete::Shell,
    },
    /// The manual page (roff), e.g. `orb man > orb.1 && man ./orb.1`.
    Man,
}

pub(crate) async fn run(global: Global, command: Command) -> Result<(), CliError> {
    // Argument checks that need no connection come first, so a typo costs nothing.
    match &command {
        Command::Stream(args) => stream::check(args)?,
        Command::Listen(args) => listen::check(args)?,
        Command::Config(c) => config::check(c)?,
        Command::Speedtest(args) => speedtest::check(args)?,
        Command::Collect(args) => collect::check(args)?,
        Command::History(args) => history::check(args)?,
        _ => {}
    }
    let listing = matches!(
        command,
        Command::Orgs | Command::Devices(_) | Command::History(_)
    );
    if !listing && (global.format == Some(Format::Csv) || global.fields.is_some()) {
        return Err(CliError::Usage(
            "--format csv and --fields are for listings: orb orgs, orb devices, orb history".into(),
        ));
    }
    // What needs no Orb Cloud runs without a key.
    if let Command::Config(config::ConfigCommand::Keys) = command {
        config::print_keys(&global.output());
        return Ok(());
    }
    if let Command::Listen(args) = command {
        return listen::run(global.output(), args).await;
    }
    // Only receiving needs no key.
    if matches!(&command, Command::Collect(a) if a.receive_only) {
        if let Command::Collect(args) = command {
            return collect::run(global.output(), None, args).await;
        }
    }
    if let Command::History(args) = command {
        return history::run(global.output(), global.fields.clone(), args).await;
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
        Command::Collect(args) => collect::run(ctx.out, Some(&ctx), args).await,
        // Handled before a client is made (listen) or by main (completions, man).
        Command::Listen(_) | Command::History(_) | Command::Completions { .. } | Command::Man => {
            Ok(())
        }
    };
    if let Some(sandbox) = ctx.sandbox {
        let _ = sandbox.shutdown().await;
    }
    result
}
