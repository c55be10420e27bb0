//! `orb listen`: only a push receiver, printing what devices send.

use std::net::SocketAddr;

use clap::Args;
use futures_util::StreamExt;
use orb_cloud::push::{PushReceiver, PushToken};

use crate::args::{parse_duration, tls_config, TlsArgs};
use crate::error::CliError;
use crate::output::Output;
use crate::tally::Tally;

#[derive(Debug, Args)]
pub(crate) struct ListenArgs {
    /// Address to bind.
    #[arg(long, default_value = "0.0.0.0:7081")]
    listen: SocketAddr,
    /// The secret in the push URL (16+ URL-safe characters; default: a random one, printed).
    #[arg(long, env = "ORB_PUSH_TOKEN", hide_env_values = true)]
    token: Option<String>,
    /// The path before the token.
    #[arg(long, default_value = "/push")]
    path: String,
    /// Stop after this many records.
    #[arg(long)]
    count: Option<u64>,
    /// Stop after this long (e.g. 10m).
    #[arg(long)]
    duration: Option<String>,
    #[command(flatten)]
    tls: TlsArgs,
}

pub(crate) async fn run(out: Output, args: ListenArgs) -> Result<(), CliError> {
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
    let mut interrupted = false;
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
            _ = tokio::signal::ctrl_c() => {
                interrupted = true;
                break;
            }
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
    if interrupted {
        return Err(CliError::Interrupted);
    }
    Ok(())
}

/// The checks that need no connection, so a typo costs nothing.
pub(crate) fn check(args: &ListenArgs) -> Result<(), CliError> {
    if let Some(d) = &args.duration {
        parse_duration("--duration", d)?;
    }
    if let Some(t) = &args.token {
        PushToken::new(t).map_err(|e| CliError::Usage(e.to_string()))?;
    }
    Ok(())
}
