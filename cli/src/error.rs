//! What ends a command with a non-zero exit, and which exit code says so.

use std::process::ExitCode;

/// What ends a command with a non-zero exit: one or two sentences for the person reading.
#[derive(Debug, thiserror::Error)]
pub enum CliError {
    #[error(transparent)]
    Api(#[from] orb_cloud::Error),
    #[error("no Orb Cloud API key: set ORB_CLOUD_API_KEY, pass --api-key, or name one in a profile of ~/.config/orb/config.toml (create a key in Orb Cloud under Orchestration > API Keys). To try orb without one, add --sandbox.")]
    NoKey,
    /// A mistake in the arguments: nothing was sent.
    #[error("{0}")]
    Usage(String),
    #[error("the sandbox could not start: {0}")]
    Sandbox(String),
    #[error("the push receiver could not start on {addr}: {reason}")]
    Receiver { addr: String, reason: String },
    /// Something the command was asked to do did not happen (a speed test already running).
    #[error("{0}")]
    NotDone(String),
    /// Ctrl-C.
    #[error("interrupted")]
    Interrupted,
}

impl CliError {
    /// The process's exit code: 2 for a usage mistake (as clap's own), 130 after Ctrl-C (as a
    /// shell reports SIGINT), 1 for everything else.
    pub fn exit_code(&self) -> ExitCode {
        match self {
            CliError::Usage(_) => ExitCode::from(2),
            CliError::Interrupted => ExitCode::from(130),
            _ => ExitCode::FAILURE,
        }
    }

    /// What this program's flags change about the error, said after the library's message.
    pub fn hint(&self) -> &'static str {
        match self {
            CliError::Api(orb_cloud::Error::Timeout {
                retried_unsafe: false,
                ..
            }) => " (the time an attempt may take: --timeout, e.g. --timeout 60s)",
            CliError::Api(e) if e.is_retryable() => {
                " (retries after a failure: --retries, e.g. --retries 5)"
            }
            _ => "",
        }
    }
}
