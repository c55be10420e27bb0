//! One error type for everything the client can meet, with messages written for the person who
//! reads them: what happened, and what to do about it. The API key never appears in any of them.
//!
//! `Display` is the whole message, causes included; [`std::error::Error::source`] gives the
//! underlying error (reqwest's, serde's, IO's, or the last attempt's) to programs that want it.

use std::time::Duration;

use crate::operation::{Evidence, Operation, Permission};
use crate::printable::printable;

/// Everything that can go wrong.
///
/// ```
/// let err = orb_cloud::ApiKey::new("").unwrap_err();
/// assert!(err.to_string().contains("ORB_CLOUD_API_KEY"));
/// assert_eq!(err.status(), None);
/// assert!(!err.is_retryable());
/// ```
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// No API key was given or found.
    #[error("no Orb Cloud API key ({source_hint}): create one in Orb Cloud under Orchestration > API Keys, then set ORB_CLOUD_API_KEY or pass it to OrbCloud::builder().api_key(...)")]
    MissingApiKey {
        /// Where the key was looked for.
        source_hint: &'static str,
    },
    /// The key cannot be sent in an HTTP header.
    #[error("the Orb Cloud API key contains characters that cannot be sent in an HTTP header (was it pasted with a newline or quotes?)")]
    InvalidApiKey,
    /// The base URL is not an http(s) URL.
    #[error("invalid base URL {url:?}: {reason}")]
    InvalidBaseUrl {
        /// The URL given.
        url: String,
        /// What is wrong with it.
        reason: String,
    },
    /// An argument was refused before any request was sent.
    #[error("invalid {what}: {reason}")]
    InvalidInput {
        /// What was invalid (e.g. "duration").
        what: &'static str,
        /// Why.
        reason: String,
    },
    /// Something the client needs could not be set up (its HTTP client, the blocking client's
    /// runtime).
    #[error("could not set up {what}: {source}")]
    Setup {
        /// What could not be set up.
        what: &'static str,
        /// Why.
        #[source]
        source: Box<dyn std::error::Error + Send + Sync>,
    },
    /// HTTP 401.
    #[error("{operation}: Orb Cloud rejected the API key (HTTP 401): it is wrong, revoked or expired; check it in Orb Cloud under Orchestration > API Keys{api}")]
    Unauthorized {
        /// What was being done.
        operation: Operation,
        /// What Orb said.
        api: Box<ApiError>,
    },
    /// HTTP 403.
    #[error("{operation}: the API key is not allowed to do this (HTTP 403){}{api}", permission_advice(*.permission))]
    Forbidden {
        /// What was being done.
        operation: Operation,
        /// The permission the operation needs, and how the crate knows.
        permission: Option<(Permission, Evidence)>,
        /// What Orb said.
        api: Box<ApiError>,
    },
    /// HTTP 404.
    #[error("{operation}: not found (HTTP 404): check the organization and device ids{api}")]
    NotFound {
        /// What was being done.
        operation: Operation,
        /// What Orb said.
        api: Box<ApiError>,
    },
    /// HTTP 429 after the retries allowed.
    #[error("{operation}: rate limited by Orb Cloud (HTTP 429){}{api}", retry_advice(api.retry_after))]
    RateLimited {
        /// What was being done.
        operation: Operation,
        /// What Orb said.
        api: Box<ApiError>,
    },
    /// Any other non-success status.
    #[error("{operation}: Orb Cloud answered HTTP {}{api}", api.status)]
    Api {
        /// What was being done.
        operation: Operation,
        /// What Orb said.
        api: Box<ApiError>,
    },
    /// The response body is not what the API promises.
    #[error("{operation}: the response could not be decoded at `{path}`: {message}; the body starts with: {body_start}")]
    Decode {
        /// What was being done.
        operation: Operation,
        /// Where in the JSON decoding failed (`[3].summary.orb_score.display`).
        path: String,
        /// What serde said.
        message: String,
        /// The first bytes of the body.
        body_start: String,
        /// serde's error, when there is one.
        #[source]
        source: Option<serde_json::Error>,
    },
    /// A successful answer was larger than the client's limit; nothing of it was decoded.
    #[error("{operation}: the answer is larger than this client's limit of {limit} bytes; if it is genuine (a very large listing), raise the limit with OrbCloudBuilder::max_body_bytes")]
    BodyTooLarge {
        /// What was called.
        operation: Operation,
        /// The limit, in bytes.
        limit: u64,
    },
    /// One attempt took longer than the per-attempt timeout (and was not retried).
    #[error("{operation}: no answer within {timeout:?} (attempt {attempt}); {}", timeout_advice(*.retried_unsafe))]
    Timeout {
        /// What was being done.
        operation: Operation,
        /// The timeout that passed.
        timeout: Duration,
        /// Which attempt.
        attempt: u32,
        /// True when the request was not retried because the server may have acted on it.
        retried_unsafe: bool,
    },
    /// The total deadline passed.
    #[error("{operation}: gave up after {attempts} attempt(s) because the total deadline of {deadline:?} passed{}", last_text(.last))]
    DeadlineExceeded {
        /// What was being done.
        operation: Operation,
        /// The deadline.
        deadline: Duration,
        /// Attempts made.
        attempts: u32,
        /// The last attempt's failure, an [`Error`] ([`Error::last_failure`] gives it typed).
        /// Held as `dyn Error` so that `source()` yields the [`Error`] itself, which
        /// `downcast_ref::<orb_cloud::Error>()` finds; a `Box<Error>` source would be the box.
        #[source]
        last: Option<Box<dyn std::error::Error + Send + Sync>>,
    },
    /// The push receiver of a live stream could not start (e.g. the port is taken).
    #[error("could not start the push receiver on {addr}: {source} (choose another address with LiveOptions::listen)")]
    PushReceiver {
        /// The address it tried to bind.
        addr: String,
        /// Why.
        #[source]
        source: std::io::Error,
    },
    /// Connection, DNS, TLS or protocol failure.
    #[error("{operation}: could not talk to Orb Cloud at {url}{}: {reason}", attempts_text(*.attempts))]
    Transport {
        /// What was being done.
        operation: Operation,
        /// The URL (never with the key).
        url: String,
        /// What failed, with its causes.
        reason: String,
        /// Attempts made, this one included (0: not known, as through the generated client).
        attempts: u32,
        /// True when the connection could not even be made.
        connect: bool,
        /// reqwest's error, without its URL.
        #[source]
        source: reqwest::Error,
    },
}

fn permission_advice(p: Option<(Permission, Evidence)>) -> String {
    match p {
        Some((p, Evidence::Documented)) => format!(": give the key the \"{p}\" permission"),
        Some((p, Evidence::Inferred)) => format!(": the key probably needs the \"{p}\" permission"),
        None => String::new(),
    }
}

fn retry_advice(after: Option<Duration>) -> String {
    match after {
        Some(d) if d >= crate::ratelimit::MAX_RESET => format!(
            ": retry after {}s at the earliest (the server's reset time was further away and is capped)",
            d.as_secs()
        ),
        Some(d) => format!(": retry after {}s", d.as_secs_f64().ceil()),
        None => ": slow down and retry later".to_string(),
    }
}

/// ` (3 attempts)` after retries, so nobody retries by hand what the client already did.
fn attempts_text(attempts: u32) -> String {
    if attempts > 1 {
        format!(" ({attempts} attempts)")
    } else {
        String::new()
    }
}

fn timeout_advice(unsafe_to_retry: bool) -> &'static str {
    if unsafe_to_retry {
        "not retried because Orb may already have acted on it: check before sending it again"
    } else {
        "Orb Cloud or the network is slow; raise the timeout or try again"
    }
}

fn last_text(last: &Option<Box<dyn std::error::Error + Send + Sync>>) -> String {
    last.as_ref()
        .map(|e| format!("; last failure: {e}"))
        .unwrap_or_default()
}

impl Error {
    /// The HTTP status, when the error is an answer from Orb (of the last attempt, for a
    /// deadline that passed).
    ///
    /// ```
    /// # async fn demo(client: orb_cloud::OrbCloud) {
    /// match client.organizations().list().await {
    ///     Err(e) if e.status() == Some(403) => eprintln!("the key lacks a permission: {e}"),
    ///     Err(e) => eprintln!("{e}"),
    ///     Ok(orgs) => println!("{} organizations", orgs.len()),
    /// }
    /// # }
    /// ```
    pub fn status(&self) -> Option<u16> {
        self.api().map(|a| a.status)
    }

    /// The request id Orb Cloud (or a proxy in front of it) gave the answer, to quote when
    /// asking Orb about it.
    pub fn request_id(&self) -> Option<&str> {
        self.api()?.request_id.as_deref()
    }

    /// How long the server asked to wait before trying again (`Retry-After`, or the rate
    /// limit's reset time on a 429).
    pub fn retry_after(&self) -> Option<Duration> {
        self.api()?.retry_after
    }

    /// Whether the same call may succeed if made again later: rate limits, 502/503/504,
    /// timeouts and connection failures (what the client retries itself, once its attempts or
    /// deadline have run out). A timeout of a call that is not safe to repeat counts too; check
    /// first whether Orb acted on it (see [`Error::Timeout`]).
    pub fn is_retryable(&self) -> bool {
        match self {
            Error::RateLimited { .. } | Error::Timeout { .. } | Error::Transport { .. } => true,
            Error::Api { api, .. } => matches!(api.status, 502..=504),
            Error::DeadlineExceeded { .. } => self.last_failure().is_none_or(Error::is_retryable),
            _ => false,
        }
    }

    /// The operation the error is about, when it is about one.
    pub fn operation(&self) -> Option<Operation> {
        match self {
            Error::Unauthorized { operation, .. }
            | Error::Forbidden { operation, .. }
            | Error::NotFound { operation, .. }
            | Error::RateLimited { operation, .. }
            | Error::Api { operation, .. }
            | Error::Decode { operation, .. }
            | Error::BodyTooLarge { operation, .. }
            | Error::Timeout { operation, .. }
            | Error::DeadlineExceeded { operation, .. }
            | Error::Transport { operation, .. } => Some(*operation),
            _ => None,
        }
    }

    /// The last attempt's failure, when the total deadline passed after one.
    ///
    /// ```no_run
    /// # async fn demo(client: orb_cloud::OrbCloud) {
    /// if let Err(e) = client.organizations().list().await {
    ///     if let Some(last) = e.last_failure() {
    ///         eprintln!("out of time; the last attempt got: {last}");
    ///     }
    /// }
    /// # }
    /// ```
    pub fn last_failure(&self) -> Option<&Error> {
        match self {
            Error::DeadlineExceeded { last, .. } => last.as_ref()?.downcast_ref(),
            _ => None,
        }
    }

    /// Orb's error details, when the error is an answer from Orb (of the last attempt, for a
    /// deadline that passed).
    pub fn api(&self) -> Option<&ApiError> {
        match self {
            Error::Unauthorized { api, .. }
            | Error::Forbidden { api, .. }
            | Error::NotFound { api, .. }
            | Error::RateLimited { api, .. }
            | Error::Api { api, .. } => Some(api),
            Error::DeadlineExceeded { .. } => self.last_failure()?.api(),
            _ => None,
        }
    }

    /// Build the error for a non-success answer.
    pub(crate) fn from_api(operation: Operation, api: ApiError) -> Self {
        let api = Box::new(api);
        match api.status {
            401 => Error::Unauthorized { operation, api },
            403 => Error::Forbidden {
                operation,
                permission: operation.permission(),
                api,
            },
            404 => Error::NotFound { operation, api },
            429 => Error::RateLimited { operation, api },
            _ => Error::Api { operation, api },
        }
    }
}

/// What Orb Cloud said in a non-success answer.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct ApiError {
    /// HTTP status.
    pub status: u16,
    /// Orb's error code (`INVALID_ORG_ID`), from `{"code"}` or `{"error": {"code"}}`.
    pub code: Option<String>,
    /// Orb's message, from `{"message"}` or `{"error": {"message"}}`.
    pub message: Option<String>,
    /// `{"error": {"details"}}`, as JSON text, when present.
    pub details: Option<String>,
    /// The request id header (`x-request-id` and similar), when present.
    pub request_id: Option<String>,
    /// `Retry-After`, when present.
    pub retry_after: Option<Duration>,
    /// The first bytes of the body (at most 512 characters).
    pub body_snippet: String,
    /// Where a redirect that was not followed pointed (`Location`): the client follows
    /// redirects only within the base URL's origin.
    pub redirect: Option<String>,
    /// Attempts made, the one answered so included (0: not known).
    pub attempts: u32,
}

/// Longest body excerpt kept in an error.
pub(crate) const SNIPPET_CHARS: usize = 512;

impl ApiError {
    /// Parse Orb's error body: `{"message", "code"}`, or the `{"error": {"code", "message",
    /// "details"}}` envelope, or `{"error": "text"}`; anything else is kept only as a snippet.
    pub(crate) fn from_body(status: u16, body: &[u8]) -> Self {
        #[derive(serde::Deserialize)]
        struct Flat {
            message: Option<String>,
            code: Option<serde_json::Value>,
            error: Option<serde_json::Value>,
        }
        let mut api = ApiError {
            status,
            body_snippet: snippet(body),
            ..Default::default()
        };
        if let Ok(flat) = serde_json::from_slice::<Flat>(body) {
            api.message = flat.message;
            api.code = flat.code.as_ref().map(value_text);
            match flat.error {
                Some(serde_json::Value::Object(inner)) => {
                    api.message = api.message.or_else(|| inner.get("message").map(value_text));
                    api.code = api.code.or_else(|| inner.get("code").map(value_text));
                    api.details = inner.get("details").map(|d| d.to_string());
                }
                Some(serde_json::Value::String(text)) => api.message = api.message.or(Some(text)),
                _ => {}
            }
        }
        api
    }
}

fn value_text(v: &serde_json::Value) -> String {
    match v {
        serde_json::Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

/// The start of a body as text, for messages.
pub(crate) fn snippet(body: &[u8]) -> String {
    let text = String::from_utf8_lossy(&body[..body.len().min(SNIPPET_CHARS * 4)]);
    let kept: String = text.chars().take(SNIPPET_CHARS).collect();
    // A terminal must not act on what a server sent (crate::printable).
    let mut out = crate::printable::printable(&kept).into_owned();
    if text.chars().count() > SNIPPET_CHARS || body.len() > SNIPPET_CHARS * 4 {
        out.push_str("...");
    }
    out
}

impl std::fmt::Display for ApiError {
    /// `: Orb says "Invalid organization ID" (INVALID_ORG_ID); request id abc`, or the body start.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match (&self.message, &self.code) {
            (Some(m), Some(c)) => write!(f, "; Orb says {m:?} ({})", printable(c))?,
            (Some(m), None) => write!(f, "; Orb says {m:?}")?,
            (None, Some(c)) => write!(f, "; Orb's error code is {}", printable(c))?,
            (None, None) if !self.body_snippet.trim().is_empty() => {
                write!(f, "; the body starts with: {}", self.body_snippet.trim())?
            }
            (None, None) => {}
        }
        if let Some(details) = &self.details {
            write!(f, "; details: {details}")?;
        }
        if let Some(id) = &self.request_id {
            write!(f, "; request id {}", printable(id))?;
        }
        if let Some(to) = &self.redirect {
            write!(
                f,
                "; redirected to {}, not followed: the client follows redirects only within the base URL's origin",
                printable(to)
            )?;
        }
        if self.attempts > 1 {
            write!(f, "; the same answer after {} attempts", self.attempts)?;
        }
        Ok(())
    }
}
