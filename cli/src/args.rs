//! Arguments several commands share, and their parsing: durations, the receiver's TLS files.

use std::time::Duration;

use clap::Args;
use orb_cloud::push::TlsConfig;
use orb_cloud::{DatasetDuration, DatasetName};

use crate::error::CliError;

pub(crate) fn parse_duration(flag: &str, text: &str) -> Result<Duration, CliError> {
    text.parse::<DatasetDuration>()
        .map(DatasetDuration::as_duration)
        .map_err(|e| CliError::Usage(format!("{flag}: {e}")))
}

/// HTTPS for the receiver: the push token is in the URL, so plain HTTP shows it to the network.
#[derive(Debug, Args)]
pub(crate) struct TlsArgs {
    /// Serve HTTPS with this certificate chain (PEM, leaf first, e.g. fullchain.pem).
    #[arg(long, value_name = "FILE", requires = "tls_key")]
    pub(crate) tls_cert: Option<std::path::PathBuf>,
    /// The certificate's private key (PEM).
    #[arg(long, value_name = "FILE", requires = "tls_cert")]
    pub(crate) tls_key: Option<std::path::PathBuf>,
}

/// The receiver's certificate, when `--tls-cert` and `--tls-key` name one.
pub(crate) fn tls_config(args: &TlsArgs) -> Result<Option<TlsConfig>, CliError> {
    match (&args.tls_cert, &args.tls_key) {
        (Some(cert), Some(key)) => TlsConfig::from_pem_files(cert, key)
            .map(Some)
            .map_err(|e| CliError::Usage(format!("--tls-cert/--tls-key: {e}"))),
        _ => Ok(None),
    }
}

/// Dataset names as given: each must be one Orb documents (or of a known family and timeframe),
/// unless `allow_unknown` keeps the rest for datasets newer than this version.
pub(crate) fn check_datasets(names: &[String], allow_unknown: bool) -> Result<(), CliError> {
    if names.iter().all(|n| n.trim().is_empty()) {
        return Err(CliError::Usage(
            "--datasets names none; e.g. --datasets responsiveness_1s,scores_1m".into(),
        ));
    }
    for name in names {
        let name = name.trim();
        if name.is_empty() {
            return Err(CliError::Usage(
                "--datasets has an empty name (two commas in a row?)".into(),
            ));
        }
        if allow_unknown || DatasetName::from(name).is_known() {
            continue;
        }
        let nearest = DatasetName::DOCUMENTED
            .iter()
            .min_by_key(|known| strsim::levenshtein(name, known))
            .copied()
            .unwrap_or("responsiveness_1s");
        return Err(CliError::Usage(format!(
            "unknown dataset {name:?}: did you mean {nearest:?}? (known: {}; \
             --allow-unknown-datasets sends it anyway, for datasets newer than this version)",
            DatasetName::DOCUMENTED.join(", ")
        )));
    }
    Ok(())
}

/// What stopped a long-running command.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Stop {
    /// Ctrl-C: exit 130, as a shell reports SIGINT.
    Interrupt,
    /// SIGTERM (how a service manager stops a program): a normal end, exit 0.
    Terminate,
}

/// Ctrl-C or SIGTERM, whichever comes first.
pub(crate) async fn shutdown_signal() -> Stop {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{signal, SignalKind};
        if let Ok(mut term) = signal(SignalKind::terminate()) {
            return tokio::select! {
                _ = tokio::signal::ctrl_c() => Stop::Interrupt,
                _ = term.recv() => Stop::Terminate,
            };
        }
    }
    let _ = tokio::signal::ctrl_c().await;
    Stop::Interrupt
}
