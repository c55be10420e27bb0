//! One attempt: how it is sent and held to its time limit, and what it ends with.

use std::future::Future;
use std::time::{Duration, Instant};

use bytes::Bytes;
use reqwest::{Request, Response};

use crate::retry::Failure;
use crate::watchdog::{Expired, Watch};

/// What one attempt ends with, and how it is sent and held to its time limit (`limit`: the attempt
/// timeout or what is left of the deadline, whichever is shorter).
pub(crate) trait Outcome: Sized + Send {
    fn send(
        http: &reqwest::Client,
        request: Request,
        limit: Option<Duration>,
    ) -> impl Future<Output = Self> + Send;
    fn response(&self) -> Option<&Response>;
    /// `None` for a success.
    fn failure(&self) -> Option<Failure>;
}

/// Held to its limit by reqwest, which then also bounds the body wherever it is read: for
/// answers handed on unread (the generated client, [`crate::RawRequest::send`]).
impl Outcome for reqwest::Result<Response> {
    async fn send(http: &reqwest::Client, mut request: Request, limit: Option<Duration>) -> Self {
        if limit.is_some() {
            *request.timeout_mut() = limit;
        }
        http.execute(request).await
    }

    fn response(&self) -> Option<&Response> {
        self.as_ref().ok()
    }

    fn failure(&self) -> Option<Failure> {
        match self {
            Ok(response) => status_failure(response),
            Err(e) => Some(error_failure(e)),
        }
    }
}

/// Held to its limit by the watchdog (no timer per call, see `watchdog.rs`); the [`Answer`] keeps
/// the deadline for reading the body.
impl Outcome for Result<Answer, Failed> {
    async fn send(http: &reqwest::Client, mut request: Request, limit: Option<Duration>) -> Self {
        let watch = limit.and_then(|limit| {
            // A limit past the end of the clock is no limit.
            let watch = Watch::until(Instant::now().checked_add(limit)?);
            if watch.is_none() {
                // No watchdog thread: reqwest keeps the limit, body included.
                *request.timeout_mut() = Some(limit);
            }
            watch
        });
        let result = match &watch {
            Some(watch) => watch
                .race(http.execute(request))
                .await
                .map_err(|Expired| Failed::TimedOut)?,
            None => http.execute(request).await,
        };
        Ok(Answer {
            response: result.map_err(Failed::Http)?,
            watch,
            attempt: 0,
            idempotent: false,
        })
    }

    fn response(&self) -> Option<&Response> {
        self.as_ref().ok().map(|answer| &answer.response)
    }

    fn failure(&self) -> Option<Failure> {
        match self {
            Ok(answer) => status_failure(&answer.response),
            Err(Failed::Http(e)) => Some(error_failure(e)),
            Err(Failed::TimedOut) => Some(Failure::Timeout),
        }
    }
}

fn status_failure(response: &Response) -> Option<Failure> {
    let status = response.status();
    (!status.is_success()).then_some(Failure::Status(status.as_u16()))
}

fn error_failure(e: &reqwest::Error) -> Failure {
    if e.is_connect() {
        Failure::Connect
    } else if e.is_timeout() {
        Failure::Timeout
    } else {
        Failure::Other
    }
}

/// Why an attempt, or the read of its body, failed.
pub(crate) enum Failed {
    Http(reqwest::Error),
    /// The watchdog's deadline passed.
    TimedOut,
}

/// A response whose body is read within its attempt's time limit.
pub(crate) struct Answer {
    pub(super) response: Response,
    /// `None` when there is no limit, or reqwest keeps it.
    watch: Option<Watch>,
    /// Which attempt this was, and whether the request was idempotent: for error messages.
    pub(super) attempt: u32,
    pub(super) idempotent: bool,
}

impl Answer {
    /// A response whose body is bounded, if at all, by reqwest.
    pub(super) fn unwatched(response: Response) -> Self {
        Self {
            response,
            watch: None,
            attempt: 0,
            idempotent: false,
        }
    }

    /// The next piece of the body, if the deadline has not passed.
    pub(super) async fn chunk(&mut self) -> Result<Option<Bytes>, Failed> {
        let read = match &self.watch {
            Some(watch) => watch
                .race(self.response.chunk())
                .await
                .map_err(|Expired| Failed::TimedOut)?,
            None => self.response.chunk().await,
        };
        read.map_err(Failed::Http)
    }
}
