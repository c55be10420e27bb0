//! Failures as [`Error`]s: Orb's error bodies, transport failures with their cause kept, decode
//! errors with the body's start. A hostile or buggy server may echo the key back, so every text
//! taken from an answer goes through the key's redaction first.

use std::sync::Arc;
use std::time::SystemTime;

use reqwest::header::HeaderMap;
use reqwest::{Request, Response, StatusCode};

use super::body::read_up_to;
use super::{request_id, server_hint, Answer, Transport};
use crate::array_decoder::{DecodeFailure, Skipped};
use crate::error::{snippet, ApiError, Error};
use crate::listing::SkippedItem;
use crate::operation::Operation;
use crate::printable::printable;
use crate::ratelimit::RateLimit;

/// Largest error body read into an [`ApiError`].
const MAX_ERROR_BODY: usize = 64 * 1024;

/// What the generated client's hook found in a non-success answer, carried in the answer's
/// extensions to the conversion of progenitor's error (`From<progenitor_client::Error>`).
#[derive(Clone, Debug)]
pub(crate) struct RawFailure(pub Arc<(Operation, ApiError)>);

impl Transport {
    /// The error for a non-success answer, its body read (at most 64 KiB).
    pub(super) async fn api_error(&self, operation: Operation, mut answer: Answer) -> Error {
        let status = answer.response.status();
        let headers = answer.response.headers().clone();
        // What arrived before a failure or the deadline is enough for the error.
        let (body, _) = read_up_to(&mut answer, MAX_ERROR_BODY).await;
        let mut api = self.api_details(status, &headers, &body);
        api.attempts = answer.attempt;
        Error::from_api(operation, api)
    }

    fn api_details(&self, status: StatusCode, headers: &HeaderMap, body: &[u8]) -> ApiError {
        let mut api = ApiError::from_body(status.as_u16(), body);
        api.request_id = request_id(headers);
        api.retry_after = server_hint(headers);
        if status.is_redirection() {
            api.redirect = headers
                .get(reqwest::header::LOCATION)
                .map(|l| String::from_utf8_lossy(l.as_bytes()).into_owned());
        }
        if status == StatusCode::TOO_MANY_REQUESTS && api.retry_after.is_none() {
            let now = SystemTime::now();
            api.retry_after = RateLimit::from_headers(headers, now)
                .and_then(|r| r.reset_at)
                .and_then(|t| t.duration_since(now).ok());
        }
        self.redact(&mut api);
        api
    }

    /// Send for the generated client: retries as for any call, and a non-success answer comes
    /// back with its body read and Orb's error parsed into its extensions ([`RawFailure`]), so
    /// that progenitor's `UnexpectedResponse` converts into an [`Error`] that keeps Orb's message.
    pub(crate) async fn send_raw(
        &self,
        operation: Operation,
        request: Request,
    ) -> reqwest::Result<Response> {
        let attempted = self.execute(operation, request).await;
        let response = attempted.result?;
        if response.status().is_success() {
            // progenitor reads the body whole: held to the client's limit as it arrives.
            return Ok(super::body::limited(response, self.inner.max_body));
        }
        let status = response.status();
        let version = response.version();
        let headers = response.headers().clone();
        let mut answer = Answer {
            response,
            attempt: attempted.attempts,
            idempotent: attempted.idempotent,
        };
        let (body, _) = read_up_to(&mut answer, MAX_ERROR_BODY).await;
        let mut api = self.api_details(status, &headers, &body);
        api.attempts = answer.attempt;
        let mut rebuilt = http::Response::new(body);
        *rebuilt.status_mut() = status;
        *rebuilt.version_mut() = version;
        *rebuilt.headers_mut() = headers;
        rebuilt
            .extensions_mut()
            .insert(RawFailure(Arc::new((operation, api))));
        Ok(Response::from(rebuilt))
    }

    /// A failure while reading the body of `answer`.
    pub(super) fn body_error(
        &self,
        operation: Operation,
        answer: &Answer,
        failed: reqwest::Error,
    ) -> Error {
        self.failed_error(
            operation,
            answer.response.url(),
            failed,
            answer.attempt,
            answer.idempotent,
        )
    }

    pub(super) fn failed_error(
        &self,
        operation: Operation,
        url: &reqwest::Url,
        e: reqwest::Error,
        attempt: u32,
        idempotent: bool,
    ) -> Error {
        if e.is_timeout() {
            return Error::Timeout {
                operation,
                timeout: self
                    .attempt_timeout()
                    .or(self.deadline())
                    .unwrap_or_default(),
                attempt,
                retried_unsafe: !idempotent,
            };
        }
        // The URL shown is where the failure happened (after a redirect, the server's, which
        // may carry the key), redacted; the source keeps none.
        let shown = self
            .inner
            .key
            .redact(&redacted_url(e.url().unwrap_or(url)))
            .into_owned();
        let e = e.without_url();
        Error::Transport {
            operation,
            url: printable(&shown).into_owned(),
            reason: self.inner.key.redact(&error_chain(&e)).into_owned(),
            attempts: attempt,
            connect: e.is_connect(),
            source: e,
        }
    }

    /// A decoding failure as the caller sees it, with the start of the body (`head`).
    pub(super) fn decode_error(
        &self,
        operation: Operation,
        failure: DecodeFailure,
        head: &[u8],
    ) -> Error {
        let key = &self.inner.key;
        Error::Decode {
            operation,
            path: printable(&key.redact(&failure.path)).into_owned(),
            message: printable(&key.redact(&failure.message)).into_owned(),
            body_start: key
                .redact(&snippet(&head[..head.len().min(200)]))
                .into_owned(),
            source: failure.source,
        }
    }

    /// An element a lenient listing left out, as the caller sees it.
    pub(super) fn skipped_item(&self, operation: Operation, skipped: Skipped) -> SkippedItem {
        let id = skipped.id.map(|id| self.inner.key.redact(&id).into_owned());
        SkippedItem {
            index: skipped.index,
            id,
            error: self.decode_error(operation, skipped.failure, &skipped.head),
        }
    }

    fn redact(&self, api: &mut ApiError) {
        let key = &self.inner.key;
        let scrub = |s: &mut String| {
            if let std::borrow::Cow::Owned(clean) = key.redact(s) {
                *s = clean;
            }
        };
        scrub(&mut api.body_snippet);
        for field in [
            &mut api.message,
            &mut api.code,
            &mut api.details,
            &mut api.request_id,
            &mut api.redirect,
        ] {
            if let Some(s) = field.as_mut() {
                scrub(s);
            }
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

/// An error and its causes in one line, each cause once.
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
