//! One push: authenticate, limit, decode, queue, and (when the receiver acknowledges after
//! commit) wait for the consumer to store the records before answering.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use axum::extract::{ConnectInfo, Request, State};
use axum::http::{header, HeaderValue, Method, StatusCode};
use axum::response::{IntoResponse, Response};
use bytes::Bytes;

use super::queue::{self, Counters, PushEvent, Refused, Rejection};
use super::token::PushToken;
use crate::datasets::{decode_body, parse_push, BodyError, DatasetName, Format};

pub(super) struct Shared {
    pub token: PushToken,
    pub queue: queue::QueueSender,
    pub counters: Arc<Counters>,
    pub max_body_bytes: usize,
    pub admission_wait: Duration,
    pub retry_after: Duration,
    pub format: Format,
    pub hint: Option<DatasetName>,
    pub body_timeout: Duration,
    /// Answer only once the consumer has committed the records, waiting at most this long.
    pub commit_wait: Option<Duration>,
}

pub(super) async fn not_found() -> Response {
    reply(StatusCode::NOT_FOUND, "no such push endpoint")
}

/// A short plain-text answer (devices only look at the status; people reading logs see why).
fn reply(status: StatusCode, text: impl Into<String>) -> Response {
    let mut text = text.into();
    text.push('\n');
    (
        status,
        [(header::CONTENT_TYPE, "text/plain; charset=utf-8")],
        text,
    )
        .into_response()
}

pub(super) async fn handle(State(shared): State<Arc<Shared>>, request: Request) -> Response {
    let counters = &shared.counters;
    // The token is the last path segment (the route matched `<path>/{token}`).
    let token = request.uri().path().rsplit('/').next().unwrap_or_default();
    if !shared.token.matches(token) {
        Counters::add(&counters.not_found, 1);
        return reply(StatusCode::NOT_FOUND, "no such push endpoint");
    }
    if request.method() != Method::POST {
        Counters::add(&counters.wrong_method, 1);
        let mut response = reply(
            StatusCode::METHOD_NOT_ALLOWED,
            "only POST is accepted here: this is an Orb Data Push endpoint",
        );
        response
            .headers_mut()
            .insert(header::ALLOW, HeaderValue::from_static("POST"));
        return response;
    }
    let peer = request
        .extensions()
        .get::<ConnectInfo<SocketAddr>>()
        .map(|c| c.0);
    let encoding = request
        .headers()
        .get(header::CONTENT_ENCODING)
        .map(|v| v.to_str().unwrap_or("(not text)").to_owned());
    let declared = request
        .headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    let limit = shared.max_body_bytes;
    if declared.is_some_and(|n| n > limit as u64) {
        Counters::add(&counters.too_large, 1);
        return too_large(limit);
    }
    let read = axum::body::to_bytes(request.into_body(), limit);
    let raw: Bytes = match tokio::time::timeout(shared.body_timeout, read).await {
        Ok(Ok(raw)) => raw,
        Err(_) => {
            Counters::add(&counters.body_timeouts, 1);
            let mut response = reply(
                StatusCode::REQUEST_TIMEOUT,
                format!(
                    "the body did not arrive within this receiver's {} s",
                    shared.body_timeout.as_secs_f64()
                ),
            );
            response
                .headers_mut()
                .insert(header::CONNECTION, HeaderValue::from_static("close"));
            return response;
        }
        Ok(Err(e)) => {
            if is_length_limit(&e) {
                Counters::add(&counters.too_large, 1);
                return too_large(limit);
            }
            Counters::add(&counters.bad_requests, 1);
            return reply(
                StatusCode::BAD_REQUEST,
                format!("the body could not be read: {e}"),
            );
        }
    };
    let body = match decode_body(&raw, encoding.as_deref(), limit) {
        Ok(body) => Bytes::from(body),
        Err(BodyError::TooLarge { .. }) => {
            Counters::add(&counters.too_large, 1);
            return too_large(limit);
        }
        Err(e @ BodyError::UnsupportedEncoding(_)) => {
            Counters::add(&counters.bad_requests, 1);
            return reply(StatusCode::UNSUPPORTED_MEDIA_TYPE, e.to_string());
        }
        Err(e) => {
            Counters::add(&counters.bad_requests, 1);
            return reply(StatusCode::BAD_REQUEST, e.to_string());
        }
    };
    drop(raw);
    let outcome = parse_push(&body, shared.format, shared.hint.as_ref());
    let n = outcome.records.len();
    let mut rejection = (!outcome.errors.is_empty()).then(|| Rejection {
        peer,
        records: outcome
            .errors
            .iter()
            .map(|error| queue::RejectedRecord {
                raw: body.slice(error.span.start.min(body.len())..error.span.end.min(body.len())),
                error: error.clone(),
            })
            .collect(),
    });
    let first_error = outcome.errors.first().map(ToString::to_string);
    let rejected = outcome.errors.len();

    let mut committed = None;
    if n > 0 {
        let mut events: Vec<PushEvent> =
            outcome.records.into_iter().map(PushEvent::Record).collect();
        let (ack, raw) = match shared.commit_wait {
            Some(_) => {
                let (tx, rx) = tokio::sync::oneshot::channel();
                committed = Some(rx);
                let raw = outcome
                    .spans
                    .iter()
                    .map(|s| body.slice(s.clone()))
                    .collect();
                // The POST's bad records travel with its good ones: one batch per POST.
                if let Some(rejection) = rejection.take() {
                    events.push(PushEvent::Rejected(rejection));
                }
                (Some(tx), raw)
            }
            None => (None, Vec::new()),
        };
        match shared
            .queue
            .send(events, raw, ack, shared.admission_wait)
            .await
        {
            Ok(()) => {}
            Err(refused) => {
                // Nothing was queued; the device keeps the whole batch and sends it again.
                Counters::add(&counters.busy, 1);
                let why = match refused {
                    Refused::Full => "the consumer is behind; send again later",
                    Refused::Closed => "no consumer is reading; send again later",
                };
                return unavailable(&shared, why);
            }
        }
        Counters::add(&counters.accepted_posts, 1);
        Counters::add(&counters.accepted_records, n as u64);
    }
    if rejected > 0 {
        Counters::add(&counters.rejected_records, rejected as u64);
        tracing::warn!(
            ?peer,
            rejected,
            accepted = n,
            first = first_error.as_deref().unwrap_or_default(),
            "pushed records that do not decode"
        );
        if let Some(rejection) = rejection {
            if !shared.queue.try_send_rejection(rejection) {
                Counters::add(&counters.dropped_rejection_events, 1);
            }
        }
    }
    if n == 0 && rejected > 0 {
        Counters::add(&counters.bad_requests, 1);
        return reply(
            StatusCode::BAD_REQUEST,
            format!(
                "no record in the body could be read ({rejected} failed); first: {}",
                first_error.unwrap_or_default()
            ),
        );
    }
    if let (Some(committed), Some(wait)) = (committed, shared.commit_wait) {
        // Answered only once stored: a 503 here means "not stored yet" and the device sends
        // the records again (the store drops those it already has).
        if !matches!(tokio::time::timeout(wait, committed).await, Ok(Ok(()))) {
            Counters::add(&counters.not_committed, 1);
            return unavailable(
                &shared,
                "the records were not stored in time; send them again",
            );
        }
    }
    let text = if rejected > 0 {
        format!("accepted {n} records; {rejected} could not be read")
    } else {
        format!("accepted {n} records")
    };
    let mut response = reply(StatusCode::OK, text);
    response
        .headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    response
}

/// 503 with the receiver's `Retry-After`: the device keeps the records and sends them again.
fn unavailable(shared: &Shared, why: &str) -> Response {
    let mut response = reply(StatusCode::SERVICE_UNAVAILABLE, why);
    let secs = shared.retry_after.as_secs_f64().ceil().max(1.0) as u64;
    if let Ok(value) = HeaderValue::from_str(&secs.to_string()) {
        response.headers_mut().insert(header::RETRY_AFTER, value);
    }
    response
}

fn too_large(limit: usize) -> Response {
    let mut response = reply(
        StatusCode::PAYLOAD_TOO_LARGE,
        format!("the body is larger than this receiver's limit of {limit} bytes"),
    );
    response
        .headers_mut()
        .insert(header::CONNECTION, HeaderValue::from_static("close"));
    response
}

fn is_length_limit(error: &axum::Error) -> bool {
    let mut source: Option<&(dyn std::error::Error + 'static)> = Some(error);
    while let Some(e) = source {
        if e.is::<http_body_util::LengthLimitError>() {
            return true;
        }
        source = e.source();
    }
    false
}
