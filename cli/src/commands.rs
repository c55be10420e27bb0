//! The subcommands.

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use futures_util::StreamExt;
use orb_cloud::datasets::Record;
use orb_cloud::push::{LiveOptions, PushEvent, PushReceiver, PushToken, TlsConfig};
use orb_cloud::{DatasetDuration, Device, DeviceConfig, OrbScore, SpeedTest};
use serde_json::json;

use crate::context::Context;
use crate::output::{eprintln_human, now_ms, record_line, shown, Output, Style, Table};
use crate::{
    Command, ConfigCommand, DemoArgs, DeviceArgs, DevicesArgs, Global, ListenArgs, SortBy,
    SpeedtestArgs, StreamArgs, TlsArgs,
};

/// What ends a command with a non-zero exit: one or two sentences for the person reading.
#[derive(Debug, thiserror::Error)]
pub enum CliError {
    #[error(transparent)]
    Api(#[from] orb_cloud::Error),
    #[error("no Orb Cloud API key: set ORB_CLOUD_API_KEY or pass --api-key (create one in Orb Cloud under Orchestration > API Keys). To try orb without one, add --sandbox.")]
    NoKey,
    #[error("{0}")]
    Usage(String),
    #[error("the sandbox could not start: {0}")]
    Sandbox(String),
    #[error("the push receiver could not start on {addr}: {reason}")]
    Receiver { addr: String, reason: String },
}

pub async fn run(global: Global, command: Command) -> Result<(), CliError> {
    // Argument checks that need no connection come first, so a typo costs nothing.
    match &command {
        Command::Stream(args) => {
            parse_duration("--duration", &args.duration)?;
            parse_duration("--interval", &args.interval)?;
        }
        Command::Listen(args) => {
            if let Some(d) = &args.duration {
                parse_duration("--duration", d)?;
            }
            if let Some(t) = &args.token {
                PushToken::new(t).map_err(|e| CliError::Usage(e.to_string()))?;
            }
        }
        Command::Speedtest(args) => {
            args.kind.parse::<SpeedTest>()?;
        }
        Command::Config(ConfigCommand::Patch { values, .. }) => {
            config_patch(values)?;
        }
        _ => {}
    }
    if let Command::Listen(args) = command {
        return listen(Output::new(global.json), args).await;
    }
    let no_key = global
        .api_key
        .as_deref()
        .is_none_or(|k| k.trim().is_empty());
    let sandbox = global.sandbox || (matches!(command, Command::Demo(_)) && no_key);
    let ctx = Context::new(&global, sandbox).await?;
    let result = match command {
        Command::Orgs => orgs(&ctx).await,
        Command::Devices(args) => devices(&ctx, args).await,
        Command::Device(args) => device(&ctx, args).await,
        Command::Config(c) => config(&ctx, c).await,
        Command::Speedtest(args) => speedtest(&ctx, args).await,
        Command::Stream(args) => stream(&ctx, args).await,
        Command::Demo(args) => demo(&ctx, args).await,
        Command::Listen(_) => unreachable!("handled above"),
    };
    if let Some(sandbox) = ctx.sandbox {
        let _ = sandbox.shutdown().await;
    }
    result
}

fn parse_duration(flag: &str, text: &str) -> Result<Duration, CliError> {
    text.parse::<DatasetDuration>()
        .map(DatasetDuration::as_duration)
        .map_err(|e| CliError::Usage(format!("{flag}: {e}")))
}

async fn orgs(ctx: &Context) -> Result<(), CliError> {
    let orgs = ctx.organizations().await?;
    if ctx.out.json {
        for org in &orgs {
            ctx.out.json_line(org);
        }
        return Ok(());
    }
    let mut table = Table::new(&["ORGANIZATION ID", "NAME", "DESCRIPTION"]);
    for org in &orgs {
        table.row(vec![
            shown(org.organization_id.as_deref().unwrap_or_default()),
            shown(org.name.as_deref().unwrap_or_default()),
            shown(org.description.as_deref().unwrap_or_default()),
        ]);
    }
    table.print(&ctx.out);
    Ok(())
}

fn component(score: Option<&OrbScore>, name: &str) -> Option<i64> {
    score
        .and_then(|s| s.component(name))
        .and_then(|c| c.display)
}

fn place(device: &Device) -> String {
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

fn status(out: &Output, device: &Device) -> String {
    if device.is_connected() {
        out.paint("online", Style::Good)
    } else {
        out.paint("offline", Style::Dim)
    }
}

fn device_table(out: &Output, devices: &[Device]) {
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

async fn devices(ctx: &Context, args: DevicesArgs) -> Result<(), CliError> {
    let org = ctx.org_id(args.org.as_deref()).await?;
    let mut devices = {
        let _spinner = ctx.out.spinner("listing devices");
        ctx.devices(&org).await?
    };
    if args.connected {
        devices.retain(Device::is_connected);
    }
    match args.sort {
        SortBy::Score => devices.sort_by_key(|d| {
            (
                std::cmp::Reverse(d.orb_score().and_then(|s| s.display).unwrap_or(-1)),
                d.name.clone(),
            )
        }),
        SortBy::Name => devices.sort_by(|a, b| a.name.cmp(&b.name).then(a.orb_id.cmp(&b.orb_id))),
    }
    if ctx.out.json {
        for d in &devices {
            ctx.out.json_line(d);
        }
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

async fn device(ctx: &Context, args: DeviceArgs) -> Result<(), CliError> {
    let (org, device) = ctx.org_of(&args.orb_id, args.org.as_deref()).await?;
    if ctx.out.json {
        ctx.out
            .json_line(&json!({"organization_id": org, "device": device}));
        return Ok(());
    }
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
        "version",
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

async fn config(ctx: &Context, command: ConfigCommand) -> Result<(), CliError> {
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

async fn speedtest(ctx: &Context, args: SpeedtestArgs) -> Result<(), CliError> {
    let kind: SpeedTest = args.kind.parse()?;
    let started = {
        let _spinner = ctx.out.spinner("starting the speed test");
        ctx.client.device(&args.orb_id).speed_test(kind).await?
    };
    if ctx.out.json {
        ctx.out
            .json_line(&json!({"orb_id": args.orb_id, "kind": kind.as_str(), "answer": started}));
        return Ok(());
    }
    match (&started.test_uuid, &started.in_progress_test_uuid) {
        (Some(id), _) => ctx.out.say(&format!(
            "{} speed test started on {} (test {id}); its result arrives in the speed_results dataset",
            kind.as_str(),
            args.orb_id
        )),
        (None, Some(running)) => ctx.out.say(&format!(
            "a {} speed test is already running on {} (test {running})",
            started.in_progress_test_type.as_deref().unwrap_or("speed"),
            args.orb_id
        )),
        (None, None) => ctx.out.say(&format!(
            "speed test requested on {}; Orb answered {}",
            args.orb_id,
            serde_json::Value::Object(started.raw.clone())
        )),
    }
    Ok(())
}

/// Prints events as they come; returns the records by dataset.
#[derive(Default)]
struct Tally {
    records: u64,
    rejected: u64,
    by_dataset: BTreeMap<String, u64>,
    lag_us: Vec<f64>,
    speed: Option<(Option<i64>, Option<i64>)>,
}

impl Tally {
    fn record(&mut self, out: &Output, record: &Record) {
        self.records += 1;
        *self
            .by_dataset
            .entry(
                record
                    .dataset()
                    .map(|d| d.to_string())
                    .unwrap_or_else(|| "unknown".into()),
            )
            .or_default() += 1;
        match record {
            Record::Responsiveness(r) => self.lag_us.extend(r.lag_avg_us),
            Record::Speed(s) => self.speed = Some((s.download_kbps, s.upload_kbps)),
            _ => {}
        }
        if out.json {
            out.json_line(record);
        } else {
            crate::output::println_human(&record_line(out, record));
        }
    }

    fn event(&mut self, out: &Output, event: PushEvent) {
        match event {
            PushEvent::Record(record) => self.record(out, &record),
            PushEvent::Rejected(rejection) => {
                for r in rejection.records {
                    self.rejected += 1;
                    eprintln_human(&format!(
                        "warning: a pushed record was rejected: {}",
                        r.error
                    ));
                }
            }
            _ => {}
        }
    }

    fn summary(&self) -> String {
        let parts: Vec<String> = self
            .by_dataset
            .iter()
            .map(|(d, n)| format!("{n} {d}"))
            .collect();
        format!(
            "{} records ({}){}",
            self.records,
            if parts.is_empty() {
                "none".into()
            } else {
                parts.join(", ")
            },
            if self.rejected > 0 {
                format!(", {} rejected", self.rejected)
            } else {
                String::new()
            }
        )
    }
}

async fn stream(ctx: &Context, args: StreamArgs) -> Result<(), CliError> {
    let duration = parse_duration("--duration", &args.duration)?;
    let interval = parse_duration("--interval", &args.interval)?;
    let (public_url, listen) = match (&args.public_url, ctx.on_sandbox()) {
        (Some(url), _) => (url.clone(), args.listen),
        // The sandbox's devices run in this process: loopback reaches them.
        (None, true) => (
            "http://127.0.0.1:0".to_owned(),
            Some(args.listen.unwrap_or_else(|| "127.0.0.1:0".parse().expect("address"))),
        ),
        (None, false) => {
            return Err(CliError::Usage(
                "the device must reach this machine: pass --public-url http://<address devices can reach>:7081 (and --listen if the receiver binds elsewhere)".into(),
            ))
        }
    };
    let mut options = LiveOptions::new(public_url, &args.datasets)
        .interval(interval)
        .stop_after(duration)
        .window(DatasetDuration::new(
            duration.min(Duration::from_secs(600)),
        )?)
        .drain_grace(Duration::from_millis(500).max(interval.min(Duration::from_secs(5))));
    if let Some(listen) = listen {
        options = options.listen(listen);
    }
    if let Some(tls) = tls_config(&args.tls)? {
        options = options.receiver(PushReceiver::builder().tls(tls));
    }
    options = options.behind_tls_proxy(args.behind_tls_proxy);
    let live = {
        let _spinner = ctx.out.spinner("configuring the device");
        ctx.client.device(&args.orb_id).stream(options).await?
    };
    if !ctx.out.json {
        eprintln!(
            "streaming {} from {} for {} (receiver on {}); Ctrl-C stops",
            args.datasets.join(", "),
            args.orb_id,
            args.duration,
            live.local_addr()
        );
    }
    let started = Instant::now();
    let mut tally = Tally::default();
    let mut live = live;
    loop {
        tokio::select! {
            item = live.next() => match item {
                Some(Ok(event)) => tally.event(&ctx.out, event),
                Some(Err(e)) => eprintln_human(&format!("warning: {e}")),
                None => break,
            },
            _ = tokio::signal::ctrl_c() => {
                eprintln!("stopped; the device pushes to a closed receiver until its temporary configuration ends");
                break;
            }
        }
    }
    if !ctx.out.json {
        eprintln!(
            "{} in {:.1}s, {} renewal(s)",
            tally.summary(),
            started.elapsed().as_secs_f64(),
            live.renewals()
        );
    }
    Ok(())
}

/// The receiver's certificate, when `--tls-cert` and `--tls-key` name one.
fn tls_config(args: &TlsArgs) -> Result<Option<TlsConfig>, CliError> {
    match (&args.tls_cert, &args.tls_key) {
        (Some(cert), Some(key)) => TlsConfig::from_pem_files(cert, key)
            .map(Some)
            .map_err(|e| CliError::Usage(format!("--tls-cert/--tls-key: {e}"))),
        _ => Ok(None),
    }
}

async fn listen(out: Output, args: ListenArgs) -> Result<(), CliError> {
    let stop_after = match &args.duration {
        Some(d) => Some(parse_duration("--duration", d)?),
        None => None,
    };
    let (token, generated) = match &args.token {
        Some(t) => (
            PushToken::new(t).map_err(|e| CliError::Usage(e.to_string()))?,
            false,
        ),
        None => (PushToken::generate(), true),
    };
    let mut builder = PushReceiver::builder().token(token).path(args.path.clone());
    if let Some(tls) = tls_config(&args.tls)? {
        builder = builder.tls(tls);
    }
    let (receiver, mut events) =
        builder
            .bind(args.listen)
            .await
            .map_err(|e| CliError::Receiver {
                addr: args.listen.to_string(),
                reason: e.to_string(),
            })?;
    // Always on stderr, also with --json: it is how the sender learns the URL. A token the
    // user gave is theirs to know and stays out of terminals and logs.
    if generated {
        eprintln!("listening: devices POST to {}", receiver.local_url());
        eprintln!("(a random token was generated; pass --token to keep the URL across restarts)");
    } else {
        let url = receiver.local_url();
        let masked = match url.rsplit_once('/') {
            Some((base, _)) => format!("{base}/<your-token>"),
            None => url,
        };
        eprintln!("listening: devices POST to {masked}");
    }
    if !receiver.is_https() {
        eprintln!("(plain HTTP: the token in the URL is readable on the network; --tls-cert/--tls-key serve HTTPS)");
    }
    let deadline = stop_after.map(|d| tokio::time::Instant::now() + d);
    let mut tally = Tally::default();
    loop {
        if args.count.is_some_and(|n| tally.records >= n) {
            break;
        }
        let sleep = async {
            match deadline {
                Some(d) => tokio::time::sleep_until(d).await,
                None => std::future::pending().await,
            }
        };
        tokio::select! {
            event = events.next() => match event {
                Some(event) => tally.event(&out, event),
                None => break,
            },
            _ = sleep => break,
            _ = tokio::signal::ctrl_c() => break,
        }
    }
    let stats = receiver.stats();
    let _ = receiver.shutdown().await;
    if !out.json {
        eprintln!(
            "{}; {} POSTs refused as busy, {} with a bad body, {} to a wrong URL, {} connections closed by the limits",
            tally.summary(),
            stats.busy,
            stats.bad_requests + stats.too_large,
            stats.not_found + stats.wrong_method,
            stats.body_timeouts
                + stats.idle_closed
                + stats.evicted
                + stats.refused_connections
                + stats.tls_failures
        );
    }
    Ok(())
}

async fn demo(ctx: &Context, args: DemoArgs) -> Result<(), CliError> {
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
        ctx.devices(&org).await?
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
