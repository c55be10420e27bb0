//! `orb listen`: only a push receiver, printing what devices send.

use std::net::SocketAddr;

use clap::Args;
use futures_util::StreamExt;
use orb_cloud::push::{PushReceiver, PushToken, TokenError, MIN_TOKEN_LEN};

use crate::args::{parse_duration, tls_config, TlsArgs};
use crate::error::CliError;
use crate::output::Output;
use crate::tally::Tally;

#[derive(Debug, Args)]
pub(crate) struct ListenArgs {
    /// Address to bind: HOST:PORT, e.g. 0.0.0.0:7081 (every interface) or localhost:7081.
    #[arg(long, default_value = "0.0.0.0:7081")]
    listen: String,
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
        Some(t) => (token(t)?, false),
        None => (PushToken::generate(), true),
    };
    let listen = resolve(&args.listen).await?;
    let mut builder = PushReceiver::builder().token(token).path(args.path.clone());
    if let Some(tls) = tls_config(&args.tls)? {
        builder = builder.tls(tls);
    }
    let (receiver, mut events) = builder.bind(listen).await.map_err(|e| CliError::Receiver {
        addr: listen.to_string(),
        reason: e.to_string(),
    })?;
    // Always on stderr, also with --json: it is how the sender learns the URL. A token the
    // user gave is theirs to know and stays out of terminals and logs. Bound to every
    // interface, the URL names this machine's address, which devices can reach (loopback is
    // only for this machine).
    let shown_url = shown_push_url(
        receiver.local_addr(),
        receiver.is_https(),
        generated,
        |base| receiver.url(base),
    );
    eprintln!("listening: devices POST to {shown_url}");
    if generated {
        eprintln!("(a random token was generated; pass --token to keep the URL across restarts)");
    }
    eprintln!(
        "(point a device at it: orb config patch ORB_ID datasets.push=url={shown_url} datasets.push=responsiveness_1s)"
    );
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
        token(t)?;
    }
    Ok(())
}

/// `--token`, with the rule in the flag's terms.
pub(crate) fn token(text: &str) -> Result<PushToken, CliError> {
    PushToken::new(text).map_err(|e| {
        CliError::Usage(match e {
            TokenError::TooShort { len } => format!(
                "--token is {len} characters long; use at least {MIN_TOKEN_LEN} (e.g. \"$(openssl rand -hex 16)\"), or leave it out for a random one"
            ),
            other => format!("--token: {other}"),
        })
    })
}

/// `--listen` as HOST:PORT (a name such as localhost is looked up).
pub(crate) async fn resolve(listen: &str) -> Result<SocketAddr, CliError> {
    let bad = |why: String| CliError::Usage(format!("--listen {listen:?}: {why}"));
    if !listen.contains(':') {
        return Err(bad(
            "expected HOST:PORT, e.g. 0.0.0.0:7081 or localhost:7081".into(),
        ));
    }
    tokio::net::lookup_host(listen)
        .await
        .map_err(|e| bad(e.to_string()))?
        .next()
        .ok_or_else(|| bad("the name has no address".into()))
}

/// The push URL to print: bound to every interface, it names this machine's address, which
/// devices can reach (loopback is only for this machine); a token the user gave is theirs to
/// know and is shown as `<your-token>`. `url_on` makes the URL on a base (`http://HOST:PORT`).
pub(crate) fn shown_push_url(
    addr: SocketAddr,
    https: bool,
    generated: bool,
    url_on: impl Fn(&str) -> String,
) -> String {
    let scheme = if https { "https" } else { "http" };
    let host = match (addr.ip().is_unspecified(), this_host()) {
        (true, Some(ip)) => SocketAddr::new(ip, addr.port()),
        _ if addr.ip().is_unspecified() => SocketAddr::new([127, 0, 0, 1].into(), addr.port()),
        _ => addr,
    };
    let url = url_on(&format!("{scheme}://{host}"));
    match url.rsplit_once('/') {
        Some((base, _)) if !generated => format!("{base}/<your-token>"),
        _ => url,
    }
}

/// This machine's address on its default route, without sending anything (a UDP socket's
/// connect only picks the route); `None` without one.
fn this_host() -> Option<std::net::IpAddr> {
    let socket = std::net::UdpSocket::bind("0.0.0.0:0").ok()?;
    socket.connect("192.0.2.1:9").ok()?;
    let ip = socket.local_addr().ok()?.ip();
    (!ip.is_unspecified() && !ip.is_loopback()).then_some(ip)
}
