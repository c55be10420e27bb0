//! The one path every request takes, from the ergonomic client and from the generated one alike:
//! authentication, per-attempt timeout, total deadline, rate-limit waits, retries and tracing.
//!
//! An attempt's time limit covers its answer's body too. Where this module reads the body itself
//! (every typed call), the watchdog keeps the limit (`watchdog.rs`: no timer per call); where the
//! answer is handed on unread (the generated client, `RawRequest::send`), reqwest keeps it.

use std::future::Future;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant, SystemTime};

use bytes::Bytes;
use reqwest::header::{HeaderMap, AUTHORIZATION};
use reqwest::{Method, Request, Response, StatusCode};
use serde::de::DeserializeOwned;
use tracing::Instrument;

use crate::array_decoder::{locate_failure, ArrayDecoder, DecodeFailure, Decoding, Element, BATCH};
use crate::error::{snippet, ApiError, Error};
use crate::operation::Operation;
use crate::pacer::{Pacer, Permit};
use crate::ratelimit::RateLimit;
use crate::retry::{parse_retry_after, retryable, Failure, RetryPolicy, Sleeper};
use crate::secret::ApiKey;
use crate::watchdog::{Expired, Watch};

/// Largest error body read into an [`ApiError`].
const MAX_ERROR_BODY: usize = 64 * 1024;

/// The HTTP machinery shared by [`crate::OrbCloud`] and the generated [`crate::api::Client`]:
/// cheap to clone (one `Arc`), `Send + Sync`.
#[derive(Clone)]
pub struct Transport {
    inner: Arc<Inner>,
}

struct Inner {
    http: reqwest::Client,
    base_url: String,
    /// `base_url` parsed once, for building each request's URL without parsing it again.
    base: reqwest::Url,
    key: ApiKey,
    retry: RetryPolicy,
    attempt_timeout: Option<Duration>,
    deadline: Option<Duration>,
    sleeper: Arc<dyn Sleeper>,
    rate_limit: Mutex<Option<RateLimit>>,
    pacer: Pacer,
}

impl std::fmt::Debug for Transport {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Transport")
            .field("base_url", &self.inner.base_url)
            .field("key", &self.inner.key)
            .field("retry", &self.inner.retry)
            .field("attempt_timeout", &self.inner.attempt_timeout)
            .field("deadline", &self.inner.deadline)
            .finish_non_exhaustive()
    }
}

/// Everything [`Transport::new`] needs.
pub(crate) struct TransportConfig {
    pub http: reqwest::Client,
    pub base_url: String,
    pub base: reqwest::Url,
    pub key: ApiKey,
    pub retry: RetryPolicy,
    pub attempt_timeout: Option<Duration>,
    pub deadline: Option<Duration>,
    pub sleeper: Arc<dyn Sleeper>,
}

/// The last attempt of a request and how the attempts went.
pub(crate) struct Attempted<O> {
    pub result: O,
    pub attempts: u32,
    pub deadline_hit: bool,
    pub idempotent: bool,
}

impl<O> Attempted<O> {
    /// The same attempts with their outcome seen another way.
    fn map<P>(self, f: impl FnOnce(O) -> P) -> Attempted<P> {
        Attempted {
            result: f(self.result),
            attempts: self.attempts,
            deadline_hit: self.deadline_hit,
            idempotent: self.idempotent,
        }
    }
}

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
    response: Response,
    /// `None` when there is no limit, or reqwest keeps it.
    watch: Option<Watch>,
    /// Which attempt this was, and whether the request was idempotent: for error messages.
    attempt: u32,
    idempotent: bool,
}

impl Answer {
    /// A response whose body is bounded, if at all, by reqwest.
    fn unwatched(response: Response) -> Self {
        Self {
            response,
            watch: None,
            attempt: 0,
            idempotent: false,
        }
    }

    /// The next piece of the body, if the deadline has not passed.
    async fn chunk(&mut self) -> Result<Option<Bytes>, Failed> {
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

impl Transport {
    pub(crate) fn new(config: TransportConfig) -> Self {
        Self {
            inner: Arc::new(Inner {
                http: config.http,
                base_url: config.base_url,
                base: config.base,
                key: config.key,
                retry: config.retry,
                attempt_timeout: config.attempt_timeout,
                deadline: config.deadline,
                sleeper: config.sleeper,
                rate_limit: Mutex::new(None),
                pacer: Pacer::default(),
            }),
        }
    }

    /// The base URL, without a trailing slash.
    pub fn base_url(&self) -> &str {
        &self.inner.base_url
    }

    /// The base URL, parsed.
    pub(crate) fn base(&self) -> &reqwest::Url {
        &self.inner.base
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
    pub(crate) fn request(&self, method: Method, path: &str) -> reqwest::RequestBuilder {
        self.inner
            .http
            .request(method, format!("{}{path}", self.inner.base_url))
    }

    /// Send with retries; returns the last attempt's raw result (used by the generated client,
    /// which maps statuses and reads bodies itself).
    pub(crate) async fn execute_raw(
        &self,
        operation: Operation,
        request: Request,
    ) -> Attempted<reqwest::Result<Response>> {
        self.execute(operation, request).await
    }

    /// Send with retries; returns the last attempt's outcome.
    async fn execute<O: Outcome>(
        &self,
        operation: Operation,
        mut request: Request,
    ) -> Attempted<O> {
        let inner = &self.inner;
        request
            .headers_mut()
            .insert(AUTHORIZATION, inner.key.bearer_header());
        let idempotent = matches!(
            *request.method(),
            Method::GET | Method::HEAD | Method::PUT | Method::DELETE | Method::OPTIONS
        );
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
        let attempted: Attempted<O> = self
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
            if let Some(response) = attempted.result.response() {
                span.record("status", response.status().as_u16());
                if let Some(id) = request_id(response.headers()) {
                    span.record("request_id", id.as_str());
                }
            }
        }
        attempted
    }

    async fn attempts<O: Outcome>(
        &self,
        request: Request,
        idempotent: bool,
        started: Instant,
    ) -> Attempted<O> {
        let inner = &self.inner;
        let elapsed = || inner.sleeper.now().saturating_duration_since(started);
        let max = inner.retry.attempts();
        let mut attempt = 0;
        loop {
            attempt += 1;
            // One token of the shared pacer; when none is left, wait for the refill instead of
            // spending a certain 429.
            let permit = inner.pacer.reserve(inner.sleeper.now());
            if let Some(wait) = permit.wait.map(|w| inner.retry.delay(1, Some(w))) {
                let remaining = inner.deadline.map(|d| d.saturating_sub(elapsed()));
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
            let remaining = inner.deadline.map(|d| d.saturating_sub(elapsed()));
            let limit = match (inner.attempt_timeout, remaining) {
                (Some(a), Some(r)) => Some(a.min(r)),
                (a, r) => a.or(r),
            };
            let Some(this) = request.try_clone() else {
                // A streaming body cannot be replayed: one attempt only.
                let result = O::send(&inner.http, request, limit).await;
                self.observe(result.response(), permit);
                return Attempted {
                    result,
                    attempts: attempt,
                    deadline_hit: false,
                    idempotent,
                };
            };
            let attempt_started = inner.sleeper.now();
            let result = O::send(&inner.http, this, limit).await;
            self.observe(result.response(), permit);
            let failure = result.failure();
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
            let deadline_passed = inner.deadline.is_some_and(|d| elapsed() >= d);
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
            let hint = result.response().and_then(|r| server_hint(r.headers()));
            let delay = inner.retry.delay(attempt, hint);
            if inner
                .deadline
                .is_some_and(|d| elapsed().saturating_add(delay) >= d)
            {
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
    /// whose body reqwest holds to the attempt's time limit wherever the caller reads it.
    pub(crate) async fn send(
        &self,
        operation: Operation,
        request: Request,
    ) -> Result<Response, Error> {
        // Redacted (which formats it) only if there is an error to report.
        let url = request.url().clone();
        let attempted = self
            .execute::<reqwest::Result<Response>>(operation, request)
            .await;
        let attempted = attempted.map(|result| result.map(Answer::unwatched).map_err(Failed::Http));
        let answer = self.answer(operation, &url, attempted).await?;
        Ok(answer.response)
    }

    /// [`Transport::send`] for answers whose body this module reads: the watchdog keeps the
    /// time limit, body included.
    async fn send_watched(&self, operation: Operation, request: Request) -> Result<Answer, Error> {
        let url = request.url().clone();
        let attempted = self
            .execute::<Result<Answer, Failed>>(operation, request)
            .await;
        self.answer(operation, &url, attempted).await
    }

    /// The last attempt's success, or its failure as an [`Error`].
    async fn answer(
        &self,
        operation: Operation,
        url: &reqwest::Url,
        attempted: Attempted<Result<Answer, Failed>>,
    ) -> Result<Answer, Error> {
        let error = match attempted.result {
            Ok(mut answer) => {
                answer.attempt = attempted.attempts;
                answer.idempotent = attempted.idempotent;
                if answer.response.status().is_success() {
                    return Ok(answer);
                }
                self.api_error(operation, answer).await
            }
            Err(failed) => self.failed_error(
                operation,
                &redacted_url(url),
                &failed,
                attempted.attempts,
                attempted.idempotent,
            ),
        };
        match (attempted.deadline_hit, self.inner.deadline) {
            (true, Some(deadline)) => Err(Error::DeadlineExceeded {
                operation,
                deadline,
                attempts: attempted.attempts,
                last: Some(Box::new(error)),
            }),
            _ => Err(error),
        }
    }

    /// Send and decode a JSON body straight into `T`.
    pub(crate) async fn json<T: DeserializeOwned>(
        &self,
        operation: Operation,
        request: Request,
    ) -> Result<T, Error> {
        let answer = self.send_watched(operation, request).await?;
        self.read_json(operation, answer).await
    }

    /// The whole body of a successful answer, decoded into `T`.
    async fn read_json<T: DeserializeOwned>(
        &self,
        operation: Operation,
        mut answer: Answer,
    ) -> Result<T, Error> {
        let (bytes, read) = read_up_to(&mut answer, usize::MAX).await;
        read.map_err(|f| self.body_error(operation, &answer, &f))?;
        decode(operation, &bytes)
    }

    /// Send and decode a JSON array in batches of whole elements while it arrives, on several
    /// cores when the machine has them (see `array_decoder`): the same result as
    /// [`Transport::json`] with `Vec<T>`, sooner and without holding the body.
    pub(crate) async fn json_array<T: Element>(
        &self,
        operation: Operation,
        request: Request,
    ) -> Result<Vec<T>, Error> {
        let mut answer = self.send_watched(operation, request).await?;
        let length = answer.response.content_length();
        // A small answer of known length (most are) is read and decoded in one go.
        if length.is_some_and(|n| n <= BATCH as u64) {
            return self.read_json(operation, answer).await;
        }
        let mut decoder = ArrayDecoder::<T>::new(length);
        let mut decoding = Decoding::<T>::new(length);
        loop {
            match answer.chunk().await {
                Ok(Some(chunk)) => {
                    if let Some(batch) = decoder.push(&chunk) {
                        decoding
                            .submit(batch)
                            .await
                            .map_err(|f| decode_error(operation, f, decoder.head()))?;
                    }
                    while let Some(buffer) = decoding.take_spare() {
                        decoder.recycle(buffer);
                    }
                    if decoder.failed() {
                        break;
                    }
                }
                Ok(None) => break,
                Err(failed) => return Err(self.body_error(operation, &answer, &failed)),
            }
        }
        let last = decoder.finish();
        let items = decoding
            .finish(last)
            .await
            .map_err(|f| decode_error(operation, f, decoder.head()))?;
        match decoder.failure() {
            Some(f) => Err(decode_error(operation, f, decoder.head())),
            None => Ok(items),
        }
    }

    async fn api_error(&self, operation: Operation, mut answer: Answer) -> Error {
        let status = answer.response.status();
        let headers = answer.response.headers().clone();
        // What arrived before a failure or the deadline is enough for the error.
        let (body, _) = read_up_to(&mut answer, MAX_ERROR_BODY).await;
        let mut api = ApiError::from_body(status.as_u16(), &body);
        api.request_id = request_id(&headers);
        api.retry_after = server_hint(&headers);
        if status == StatusCode::TOO_MANY_REQUESTS && api.retry_after.is_none() {
            api.retry_after = RateLimit::from_headers(&headers, SystemTime::now())
                .and_then(|r| r.reset_at)
                .and_then(|t| t.duration_since(SystemTime::now()).ok());
        }
        self.redact(&mut api);
        Error::from_api(operation, api)
    }

    /// A failure while reading the body of `answer`.
    fn body_error(&self, operation: Operation, answer: &Answer, failed: &Failed) -> Error {
        let url = redacted_url(answer.response.url());
        self.failed_error(operation, &url, failed, answer.attempt, answer.idempotent)
    }

    fn failed_error(
        &self,
        operation: Operation,
        url: &str,
        failed: &Failed,
        attempt: u32,
        idempotent: bool,
    ) -> Error {
        let e = match failed {
            Failed::Http(e) if !e.is_timeout() => e,
            Failed::Http(_) | Failed::TimedOut => {
                return Error::Timeout {
                    operation,
                    timeout: self
                        .inner
                        .attempt_timeout
                        .or(self.inner.deadline)
                        .unwrap_or_default(),
                    attempt,
                    retried_unsafe: !idempotent,
                }
            }
        };
        let mut reason = error_chain(e);
        let key = self.inner.key.expose_secret();
        if reason.contains(key) {
            reason = reason.replace(key, "[redacted]");
        }
        Error::Transport {
            operation,
            url: url.to_string(),
            reason,
            connect: e.is_connect(),
        }
    }

    /// A hostile or buggy server may echo the key back: never let it into an error.
    fn redact(&self, api: &mut ApiError) {
        let key = self.inner.key.expose_secret();
        let scrub = |s: &mut String| {
            if s.contains(key) {
                *s = s.replace(key, "[redacted]");
            }
        };
        scrub(&mut api.body_snippet);
        for field in [
            &mut api.message,
            &mut api.code,
            &mut api.details,
            &mut api.request_id,
        ] {
            if let Some(s) = field.as_mut() {
                scrub(s);
            }
        }
    }
}

/// Decode JSON into `T`; on failure, say where (`[3].summary.orb_score`) and show the body's start.
pub(crate) fn decode<T: DeserializeOwned>(operation: Operation, bytes: &[u8]) -> Result<T, Error> {
    serde_json::from_slice(bytes)
        .map_err(|first| decode_error(operation, locate_failure::<T>(bytes, first), bytes))
}

/// A decoding failure as the caller sees it, with the start of the body (`head`).
fn decode_error(operation: Operation, failure: DecodeFailure, head: &[u8]) -> Error {
    Error::Decode {
        operation,
        path: failure.path,
        message: failure.message,
        body_start: snippet(&head[..head.len().min(200)]),
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

/// The body, at most `cap` bytes of it, in one buffer sized from `Content-Length` (up to 256 MiB
/// ahead; a hostile length costs nothing it does not send): `Response::bytes` grows by doubling
/// instead, copying a large body several times over. On a failure mid-body, what arrived before
/// it is returned with the error.
async fn read_up_to(answer: &mut Answer, cap: usize) -> (Vec<u8>, Result<(), Failed>) {
    const MAX_AHEAD: u64 = 256 << 20;
    let expected = answer
        .response
        .content_length()
        .unwrap_or(0)
        .min(MAX_AHEAD)
        .min(u64::try_from(cap).unwrap_or(u64::MAX));
    let mut body = Vec::with_capacity(usize::try_from(expected).unwrap_or(0));
    loop {
        match answer.chunk().await {
            Ok(Some(chunk)) => {
                let room = cap.saturating_sub(body.len());
                body.extend_from_slice(&chunk[..chunk.len().min(room)]);
                if body.len() >= cap {
                    return (body, Ok(()));
                }
            }
            Ok(None) => return (body, Ok(())),
            Err(e) => return (body, Err(e)),
        }
    }
}

/// The URL without query or userinfo, for messages.
fn redacted_url(url: &reqwest::Url) -> String {
    let mut url = url.clone();
    url.set_query(None);
    let _ = url.set_password(None);
    let _ = url.set_username("");
    url.to_string()
}

pub(crate) fn error_chain(e: &dyn std::error::Error) -> String {
    let mut text = e.to_string();
    let mut source = e.source();
    while let Some(s) = source {
        let part = s.to_string();
        if !text.contains(&part) {
            text.push_str(": ");
            text.push_str(&part);
        }
        source = s.source();
    }
    text
}
