//! The one path every request takes, from the ergonomic client and from the generated one alike:
//! authentication, per-attempt timeout, total deadline, rate-limit waits, retries and tracing.
//!
//! An attempt's time limit is reqwest's timeout, which covers its answer's body too, wherever the
//! body is read.
//!
//! - `outcome.rs`: one attempt, sent and held to its time limit;
//! - `body.rs`: reading and decoding a successful answer;
//! - `failure.rs`: turning failures into [`Error`]s, with the key redacted.

mod body;
mod failure;
mod outcome;

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant, SystemTime};

use reqwest::header::{HeaderMap, HeaderValue, AUTHORIZATION};
use reqwest::{Request, Response, StatusCode};
use tracing::Instrument;

use crate::api_key::ApiKey;
use crate::error::Error;
use crate::operation::Operation;
use crate::pacer::{Pacer, Permit};
use crate::ratelimit::RateLimit;
use crate::request_options::RequestOptions;
use crate::retry::{parse_retry_after, retryable, RetryPolicy, Sleeper};

pub use body::BodyLimitExceeded;
pub(crate) use failure::{error_chain, RawFailure};
use outcome::Answer;

/// The HTTP machinery shared by [`crate::OrbCloud`] and the generated [`crate::api::Client`]:
/// cheap to clone (one `Arc`), `Send + Sync`.
#[derive(Clone)]
pub struct Transport {
    inner: Arc<Inner>,
    /// Settings of [`crate::OrbCloud::with_options`], over the client's.
    options: Option<Arc<RequestOptions>>,
}

struct Inner {
    http: reqwest::Client,
    base_url: String,
    key: ApiKey,
    /// `Authorization: Bearer <key>`, built once, marked sensitive.
    authorization: HeaderValue,
    retry: RetryPolicy,
    attempt_timeout: Option<Duration>,
    deadline: Option<Duration>,
    sleeper: Arc<dyn Sleeper>,
    rate_limit: Mutex<Option<RateLimit>>,
    pacer: Pacer,
    /// The largest successful body read, whole or as a listing (see `body.rs`).
    max_body: u64,
}

impl std::fmt::Debug for Transport {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Transport")
            .field("base_url", &self.inner.base_url)
            .field("key", &self.inner.key)
            .field("retry", &self.inner.retry)
            .field("attempt_timeout", &self.inner.attempt_timeout)
            .field("deadline", &self.inner.deadline)
            .field("options", &self.options)
            .finish_non_exhaustive()
    }
}

/// Everything [`Transport::new`] needs.
pub(crate) struct TransportConfig {
    pub http: reqwest::Client,
    pub base_url: String,
    pub key: ApiKey,
    pub retry: RetryPolicy,
    pub attempt_timeout: Option<Duration>,
    pub deadline: Option<Duration>,
    pub sleeper: Arc<dyn Sleeper>,
    pub max_body: u64,
}

/// The last attempt of a request and how the attempts went.
pub(crate) struct Attempted {
    pub result: reqwest::Result<Response>,
    pub attempts: u32,
    pub deadline_hit: bool,
    pub idempotent: bool,
}

impl Transport {
    pub(crate) fn new(config: TransportConfig) -> Self {
        Self {
            inner: Arc::new(Inner {
                http: config.http,
                base_url: config.base_url,
                authorization: config.key.bearer_header(),
                key: config.key,
                retry: config.retry,
                attempt_timeout: config.attempt_timeout,
                deadline: config.deadline,
                sleeper: config.sleeper,
                rate_limit: Mutex::new(None),
                pacer: Pacer::default(),
                max_body: config.max_body,
            }),
            options: None,
        }
    }

    /// The same transport (connections, pacer, rate-limit state) with `options` over its settings.
    pub(crate) fn with_options(&self, options: RequestOptions) -> Self {
        Self {
            inner: Arc::clone(&self.inner),
            options: Some(Arc::new(options)),
        }
    }

    fn retry_policy(&self) -> &RetryPolicy {
        self.options
            .as_ref()
            .and_then(|o| o.retry.as_ref())
            .unwrap_or(&self.inner.retry)
    }

    fn attempt_timeout(&self) -> Option<Duration> {
        self.options
            .as_ref()
            .and_then(|o| o.attempt_timeout)
            .or(self.inner.attempt_timeout)
    }

    fn deadline(&self) -> Option<Duration> {
        self.options
            .as_ref()
            .and_then(|o| o.deadline)
            .or(self.inner.deadline)
    }

    /// The base URL, without a trailing slash.
    pub fn base_url(&self) -> &str {
        &self.inner.base_url
    }

    /// The underlying reqwest client.
    pub fn http(&self) -> &reqwest::Client {
        &self.inner.http
    }

    /// The rate-limit state of the last response that reported one.
    pub fn rate_limit(&self) -> Option<RateLimit> {
        self.inner.rate_limit.lock().ok().and_then(|g| *g)
    }

    /// A request to `path` (which starts with `/`) on the base URL.
    pub(crate) fn request(&self, method: reqwest::Method, path: &str) -> reqwest::RequestBuilder {
        self.inner
            .http
            .request(method, format!("{}{path}", self.inner.base_url))
    }

    /// Send with retries; returns the last attempt's result.
    pub(crate) async fn execute(&self, operation: Operation, mut request: Request) -> Attempted {
        let inner = &self.inner;
        if let Some(options) = &self.options {
            for (name, value) in &options.headers {
                request.headers_mut().insert(name, value.clone());
            }
        }
        request
            .headers_mut()
            .insert(AUTHORIZATION, inner.authorization.clone());
        let idempotent = operation.repeatable(request.method());
        let started = inner.sleeper.now();
        let span = tracing::info_span!(
            "orb_cloud.request",
            operation = operation.name(),
            method = %request.method(),
            path = request.url().path(),
            status = tracing::field::Empty,
            attempts = tracing::field::Empty,
            duration_ms = tracing::field::Empty,
            request_id = tracing::field::Empty,
        );
        let attempted = self
            .attempts(request, idempotent, started)
            .instrument(span.clone())
            .await;
        // Without a subscriber that wants the span, nothing to look up or measure.
        if !span.is_disabled() {
            span.record("attempts", attempted.attempts);
            span.record(
                "duration_ms",
                inner.sleeper.now().duration_since(started).as_millis() as u64,
            );
            if let Ok(response) = &attempted.result {
                span.record("status", response.status().as_u16());
                if let Some(id) = request_id(response.headers()) {
                    span.record("request_id", id.as_str());
                }
            }
        }
        attempted
    }

    async fn attempts(&self, request: Request, idempotent: bool, started: Instant) -> Attempted {
        let inner = &self.inner;
        let elapsed = || inner.sleeper.now().saturating_duration_since(started);
        let (retry, deadline) = (self.retry_policy(), self.deadline());
        let max = retry.attempts();
        let mut attempt = 0;
        // The backoff just waited after a refusal: the pacer's hold for the same 429 is served
        // by it, so a refused attempt costs one wait, not the backoff and then the hold.
        let mut backed_off = Duration::ZERO;
        loop {
            attempt += 1;
            // One token of the shared pacer; when none is left, wait for the refill instead of
            // spending a certain 429.
            let permit = inner.pacer.reserve(inner.sleeper.now());
            let waited = std::mem::take(&mut backed_off);
            let pacing = permit.wait_after(waited).map(|w| retry.delay(1, Some(w)));
            if let Some(wait) = pacing {
                let remaining = deadline.map(|d| d.saturating_sub(elapsed()));
                if remaining.is_some_and(|r| wait >= r) {
                    tracing::warn!(
                        wait_ms = wait.as_millis() as u64,
                        "rate limit exhausted and the refill is past the deadline"
                    );
                } else {
                    tracing::debug!(
                        wait_ms = wait.as_millis() as u64,
                        "rate limit exhausted, pacing the request"
                    );
                    inner.sleeper.sleep(wait).await;
                }
            }
            let remaining = deadline.map(|d| d.saturating_sub(elapsed()));
            let limit = match (self.attempt_timeout(), remaining) {
                (Some(a), Some(r)) => Some(a.min(r)),
                (a, r) => a.or(r),
            };
            let Some(this) = request.try_clone() else {
                // A streaming body cannot be replayed: one attempt only.
                let result = outcome::send_attempt(&inner.http, request, limit).await;
                self.observe(result.as_ref().ok(), permit);
                return Attempted {
                    result,
                    attempts: attempt,
                    deadline_hit: false,
                    idempotent,
                };
            };
            let attempt_started = inner.sleeper.now();
            let result = outcome::send_attempt(&inner.http, this, limit).await;
            self.observe(result.as_ref().ok(), permit);
            let failure = outcome::failure(&result);
            let elapsed_ms = inner
                .sleeper
                .now()
                .saturating_duration_since(attempt_started)
                .as_millis() as u64;
            let Some(failure) = failure else {
                tracing::debug!(attempt, elapsed_ms, "attempt succeeded");
                return Attempted {
                    result,
                    attempts: attempt,
                    deadline_hit: false,
                    idempotent,
                };
            };
            let deadline_passed = deadline.is_some_and(|d| elapsed() >= d);
            if attempt >= max || !retryable(failure, idempotent) || deadline_passed {
                tracing::info!(
                    attempt,
                    elapsed_ms,
                    ?failure,
                    "attempt failed, not retrying"
                );
                return Attempted {
                    result,
                    attempts: attempt,
                    deadline_hit: deadline_passed,
                    idempotent,
                };
            }
            let hint = result.as_ref().ok().and_then(|r| server_hint(r.headers()));
            let delay = retry.delay(attempt, hint);
            if deadline.is_some_and(|d| elapsed().saturating_add(delay) >= d) {
                tracing::info!(
                    attempt,
                    elapsed_ms,
                    ?failure,
                    "attempt failed; the next would pass the deadline"
                );
                return Attempted {
                    result,
                    attempts: attempt,
                    deadline_hit: true,
                    idempotent,
                };
            }
            tracing::info!(
                attempt,
                elapsed_ms,
                ?failure,
                delay_ms = delay.as_millis() as u64,
                "attempt failed, retrying"
            );
            drop(result);
            inner.sleeper.sleep(delay).await;
            backed_off = delay;
        }
    }

    fn observe(&self, response: Option<&Response>, permit: Permit<'_>) {
        let Some(response) = response else {
            return; // dropping the permit gives its token back
        };
        let state = RateLimit::from_headers(response.headers(), SystemTime::now());
        permit.answered(
            self.inner.sleeper.now(),
            response.status().as_u16(),
            state.as_ref(),
            (response.status() == StatusCode::TOO_MANY_REQUESTS)
                .then(|| server_hint(response.headers()))
                .flatten(),
        );
        if let Some(state) = state {
            if let Ok(mut guard) = self.inner.rate_limit.lock() {
                *guard = Some(state);
            }
        }
    }

    /// Send with retries and turn every failure into an [`Error`]; returns a success response,
    /// whose body reqwest holds to the attempt's time limit, and this client to its body limit,
    /// wherever the caller reads it.
    pub(crate) async fn send(
        &self,
        operation: Operation,
        request: Request,
    ) -> Result<Response, Error> {
        let answer = self.send_answer(operation, request).await?;
        Ok(body::limited(answer.response, self.inner.max_body))
    }

    /// The largest successful body this client reads (`OrbCloudBuilder::max_body_bytes`).
    pub fn max_body_bytes(&self) -> u64 {
        self.inner.max_body
    }

    /// [`Transport::send`], keeping which attempt answered for the errors of reading the body.
    async fn send_answer(&self, operation: Operation, request: Request) -> Result<Answer, Error> {
        // Redacted (which formats it) only if there is an error to report.
        let url = request.url().clone();
        let attempted = self.execute(operation, request).await;
        self.answer(operation, &url, attempted).await
    }

    /// The last attempt's success, or its failure as an [`Error`].
    async fn answer(
        &self,
        operation: Operation,
        url: &reqwest::Url,
        attempted: Attempted,
    ) -> Result<Answer, Error> {
        let error = match attempted.result {
            Ok(response) => {
                let answer = Answer {
                    response,
                    attempt: attempted.attempts,
                    idempotent: attempted.idempotent,
                };
                if answer.response.status().is_success() {
                    return Ok(answer);
                }
                self.api_error(operation, answer).await
            }
            Err(failed) => self.failed_error(
                operation,
                url,
                failed,
                attempted.attempts,
                attempted.idempotent,
            ),
        };
        match (attempted.deadline_hit, self.deadline()) {
            (true, Some(deadline)) => Err(Error::DeadlineExceeded {
                operation,
                deadline,
                attempts: attempted.attempts,
                last: Some(Box::new(error)),
            }),
            _ => Err(error),
        }
    }
}

/// `Retry-After`, else nothing.
fn server_hint(headers: &HeaderMap) -> Option<Duration> {
    let value = headers.get(reqwest::header::RETRY_AFTER)?.to_str().ok()?;
    parse_retry_after(value, SystemTime::now())
}

fn request_id(headers: &HeaderMap) -> Option<String> {
    [
        "x-request-id",
        "x-amzn-requestid",
        "x-correlation-id",
        "cf-ray",
        "request-id",
    ]
    .iter()
    .find_map(|name| headers.get(*name)?.to_str().ok().map(str::to_string))
}
