//! Settings for some calls only, over the client's: a shorter timeout for a health check, a
//! trace header for one request, no retries for an interactive command.

use std::time::Duration;

use reqwest::header::{HeaderMap, HeaderName, HeaderValue};

use crate::retry::RetryPolicy;

/// Per-call settings; see [`OrbCloud::with_options`](crate::OrbCloud::with_options). Unset
/// fields keep the client's values.
///
/// ```
/// use std::time::Duration;
/// use orb_cloud::header::{HeaderName, HeaderValue};
/// use orb_cloud::{RequestOptions, RetryPolicy};
///
/// let options = RequestOptions::new()
///     .attempt_timeout(Duration::from_secs(5))
///     .retry(RetryPolicy::standard().max_attempts(1))
///     .header(HeaderName::from_static("x-trace-id"), HeaderValue::from_static("abc123"));
/// # let _ = options;
/// ```
#[derive(Debug, Clone, Default)]
#[must_use]
pub struct RequestOptions {
    pub(crate) attempt_timeout: Option<Duration>,
    pub(crate) deadline: Option<Duration>,
    pub(crate) retry: Option<RetryPolicy>,
    pub(crate) headers: HeaderMap,
}

impl RequestOptions {
    /// No settings: everything as the client has it.
    pub fn new() -> Self {
        Self::default()
    }

    /// Time allowed for one attempt, answer included.
    pub fn attempt_timeout(mut self, timeout: Duration) -> Self {
        self.attempt_timeout = Some(timeout);
        self
    }

    /// Time allowed for the whole call, retries and waits included.
    pub fn deadline(mut self, deadline: Duration) -> Self {
        self.deadline = Some(deadline);
        self
    }

    /// How failures are retried.
    pub fn retry(mut self, policy: RetryPolicy) -> Self {
        self.retry = Some(policy);
        self
    }

    /// A header sent with every request, replacing one of the same name. `Authorization` is
    /// always the client's key and cannot be replaced here.
    pub fn header(mut self, name: HeaderName, value: HeaderValue) -> Self {
        self.headers.insert(name, value);
        self
    }
}
