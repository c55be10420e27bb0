//! One attempt: how it is sent and held to its time limit, and what it ends with.
//!
//! The limit (the attempt timeout or what is left of the deadline, whichever is shorter) is
//! reqwest's per-request timeout, which also bounds reading the answer's body wherever it is read:
//! one mechanism for typed calls, the generated client and [`crate::RawRequest::send`] alike.

use std::time::Duration;

use bytes::Bytes;
use reqwest::{Request, Response};

use crate::retry::Failure;

/// Sends one attempt of `request`, held to `limit`.
pub(super) async fn send_attempt(
    http: &reqwest::Client,
    mut request: Request,
    limit: Option<Duration>,
) -> reqwest::Result<Response> {
    if limit.is_some() {
        *request.timeout_mut() = limit;
    }
    http.execute(request).await
}

/// Why an attempt failed, for the retry policy; `None` for a success.
pub(super) fn failure(result: &reqwest::Result<Response>) -> Option<Failure> {
    match result {
        Ok(response) => {
            let status = response.status();
            (!status.is_success()).then_some(Failure::Status(status.as_u16()))
        }
        Err(e) if e.is_connect() => Some(Failure::Connect),
        Err(e) if e.is_timeout() => Some(Failure::Timeout),
        Err(_) => Some(Failure::Other),
    }
}

/// A response whose body is read within its attempt's time limit (reqwest's).
pub(crate) struct Answer {
    pub(super) response: Response,
    /// Which attempt this was, and whether the request was idempotent: for error messages.
    pub(super) attempt: u32,
    pub(super) idempotent: bool,
}

impl Answer {
    /// The next piece of the body.
    pub(super) async fn chunk(&mut self) -> reqwest::Result<Option<Bytes>> {
        self.response.chunk().await
    }
}
