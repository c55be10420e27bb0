//! Request bodies read with a size limit and parsed strictly, and JSON answers written.

use std::sync::Arc;

use axum::body::Body;
use axum::extract::{FromRequest, Request};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::Response;
use bytes::Bytes;
use http_body_util::BodyExt;
use serde_json::Value;

use crate::error::ErrorBody;
use crate::shared::Shared;

/// An answer with a JSON body.
pub(super) fn json_response(status: StatusCode, body: impl Into<Body>) -> Response {
    let mut r = Response::new(body.into());
    *r.status_mut() = status;
    r.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json; charset=utf-8"),
    );
    r
}

/// An answer with `v` as its body.
pub(super) fn json_value(status: StatusCode, v: &Value) -> Response {
    json_response(status, serde_json::to_vec(v).unwrap_or_default())
}

/// The request's body, read whole, of at most the sandbox's `max_body_bytes` (413 beyond it).
pub(super) struct LimitedBody(pub Bytes);

impl FromRequest<Arc<Shared>> for LimitedBody {
    type Rejection = ErrorBody;

    async fn from_request(req: Request, shared: &Arc<Shared>) -> Result<Self, ErrorBody> {
        let (parts, body) = req.into_parts();
        read_body(body, &parts.headers, shared.settings.max_body_bytes)
            .await
            .map(LimitedBody)
    }
}

/// Reads a body of at most `limit` bytes: 413 beyond it.
pub(super) async fn read_body(
    body: Body,
    headers: &HeaderMap,
    limit: usize,
) -> Result<Bytes, ErrorBody> {
    let too_large = || {
        ErrorBody::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            "REQUEST_TOO_LARGE",
            format!("Request body is larger than {limit} bytes"),
        )
    };
    if let Some(len) = headers
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok())
    {
        if len > limit as u64 {
            return Err(too_large());
        }
    }
    match http_body_util::Limited::new(body, limit).collect().await {
        Ok(c) => Ok(c.to_bytes()),
        Err(e) if e.is::<http_body_util::LengthLimitError>() => Err(too_large()),
        Err(e) => Err(ErrorBody::bad_request(format!(
            "Could not read the request body: {e}"
        ))),
    }
}

/// Parses JSON (400 `INVALID_REQUEST_BODY` when it is not).
pub(super) fn parse_json<T: serde::de::DeserializeOwned>(bytes: &[u8]) -> Result<T, ErrorBody> {
    serde_json::from_slice(bytes).map_err(|e| {
        ErrorBody::new(
            StatusCode::BAD_REQUEST,
            "INVALID_REQUEST_BODY",
            format!("Invalid JSON body: {e}"),
        )
    })
}

/// Parses a JSON object into `T` (serde would also take an array for a struct; a server does not).
pub(super) fn parse_json_object<T: serde::de::DeserializeOwned>(
    bytes: &[u8],
) -> Result<T, ErrorBody> {
    let v: Value = parse_json(bytes)?;
    if !v.is_object() {
        return Err(ErrorBody::new(
            StatusCode::BAD_REQUEST,
            "INVALID_REQUEST_BODY",
            format!("Invalid JSON body: expected an object, got {}", kind_of(&v)),
        ));
    }
    serde_json::from_value(v).map_err(|e| {
        ErrorBody::new(
            StatusCode::BAD_REQUEST,
            "INVALID_REQUEST_BODY",
            format!("Invalid JSON body: {e}"),
        )
    })
}

/// Whether a body is empty or only whitespace (no body sent).
pub(super) fn is_blank(bytes: &[u8]) -> bool {
    bytes.iter().all(|b| b.is_ascii_whitespace())
}

/// How an error message names the kind of a JSON value.
pub(super) fn kind_of(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}
